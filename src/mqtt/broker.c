/* libmosquitto on the bridge's sd-event loop: its socket watched for reading and (when it wants) writing, loop_misc on a timer, reconnection with backoff; no thread of its own. */
#include "mqtt/bridge.h"

#include <errno.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000

static void schedule_retry(struct bridge *b);

static void drop_io(struct bridge *b)
{
	b->mosq_io = sd_event_source_disable_unref(b->mosq_io);
	b->mosq_fd = -1;
}

/* The connection ended; logged once until it is back. */
static void lost(struct bridge *b, const char *why)
{
	drop_io(b);
	b->broker_up = false;
	if (b->stopping)
		return;
	if (!b->broker_lost_logged) {
		mlog(LOG_WARNING, "lost the MQTT broker %s:%d (%s), retrying",
		     b->cfg.host, b->cfg.port, why);
		b->broker_lost_logged = true;
	}
	schedule_retry(b);
}

/* OpenSSL's reason for the last TLS failure (as "certificate verify failed"), which MOSQ_ERR_TLS alone does not say. */
static char tls_reason[160];

static void on_log(struct mosquitto *m, void *data, int level, const char *text)
{
	const char *reason = strstr(text, "OpenSSL Error");

	(void)m, (void)data;
	if (!(level & MOSQ_LOG_ERR) || !reason)
		return;
	/* "OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed" */
	reason = strrchr(reason, ':') ? strrchr(reason, ':') + 1 : reason;
	snprintf(tls_reason, sizeof(tls_reason), "%s", reason);
}

static const char *rc_text(int rc)
{
	static char text[sizeof(tls_reason) + 32];

	if (rc == MOSQ_ERR_TLS && tls_reason[0]) {
		snprintf(text, sizeof(text), "TLS: %s", tls_reason);
		return text;
	}
	return rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	struct bridge *b = data;
	int rc = MOSQ_ERR_SUCCESS;

	(void)s, (void)fd;
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		rc = mosquitto_loop_read(b->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && b->mosq_io && (revents & EPOLLOUT))
		rc = mosquitto_loop_write(b->mosq, 1);
	if (rc != MOSQ_ERR_SUCCESS && b->mosq_io)
		lost(b, rc_text(rc));
	return 0;
}

/* After each turn of the loop: watch for writing only while libmosquitto has bytes to send, and follow its socket. */
static int on_post(sd_event_source *s, void *data)
{
	struct bridge *b = data;
	int fd = mosquitto_socket(b->mosq), r;

	(void)s;
	if (fd < 0 || b->stopping)
		return 0;
	if (fd != b->mosq_fd) {
		drop_io(b);
		r = sd_event_add_io(b->loop, &b->mosq_io, fd, EPOLLIN, on_io, b);
		if (r < 0) {
			mlog(LOG_ERR, "cannot watch the broker's socket: %s", strerror(-r));
			return 0;
		}
		b->mosq_fd = fd;
	}
	sd_event_source_set_io_events(b->mosq_io, EPOLLIN |
				      (mosquitto_want_write(b->mosq) ? EPOLLOUT : 0));
	return 0;
}

static int on_misc(sd_event_source *s, uint64_t usec, void *data)
{
	struct bridge *b = data;
	uint64_t period = (uint64_t)(b->cfg.keepalive / 4 ? b->cfg.keepalive / 4 : 1);

	if (period > 15)
		period = 15;
	if (b->mosq_io) {
		int rc = mosquitto_loop_misc(b->mosq);

		if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
			lost(b, rc_text(rc));
		/* the keepalive's ping timed out: libmosquitto closed the socket */
		else if (mosquitto_socket(b->mosq) < 0)
			lost(b, "no answer within the keepalive");
	}
	sd_event_source_set_time(s, usec + period * 1000000ULL);
	return 0;
}

static void on_connect(struct mosquitto *m, void *data, int rc)
{
	struct bridge *b = data;

	(void)m;
	if (rc != 0) {
		/* A refusal (bad password, client id) is worth saying each time it changes; it is retried. */
		lost(b, mosquitto_connack_string(rc));
		return;
	}
	b->broker_up = true;
	b->broker_backoff_ms = 0;
	tls_reason[0] = '\0';
	if (b->broker_lost_logged)
		mlog(LOG_NOTICE, "the MQTT broker %s:%d answers again", b->cfg.host,
		     b->cfg.port);
	else
		mlog(LOG_INFO, "connected to the MQTT broker %s:%d as %s", b->cfg.host,
		     b->cfg.port, b->cfg.client_id);
	b->broker_lost_logged = false;
	broker_forget();
	garden_broker_up(b);
}

static void on_disconnect(struct mosquitto *m, void *data, int rc)
{
	struct bridge *b = data;

	(void)m;
	if (b->broker_up || b->mosq_io)
		lost(b, rc ? mosquitto_strerror(rc) : "disconnected");
}

static void on_message(struct mosquitto *m, void *data,
		       const struct mosquitto_message *msg)
{
	(void)m;
	garden_message(data, msg->topic, msg->payload, msg->payloadlen, msg->retain);
}

static int try_connect(struct bridge *b)
{
	int rc = b->mosq_fd == -2 ?
		mosquitto_connect_async(b->mosq, b->cfg.host, b->cfg.port,
					b->cfg.keepalive) :
		mosquitto_reconnect_async(b->mosq);

	if (rc != MOSQ_ERR_SUCCESS)
		return rc;
	b->mosq_fd = -1;	/* connected once: reconnect from now on */
	on_post(NULL, b);
	return MOSQ_ERR_SUCCESS;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *data)
{
	struct bridge *b = data;
	int rc;

	(void)s, (void)usec;
	b->mosq_retry = sd_event_source_unref(b->mosq_retry);
	rc = try_connect(b);
	if (rc != MOSQ_ERR_SUCCESS) {
		if (!b->broker_lost_logged) {
			mlog(LOG_WARNING, "cannot reach the MQTT broker %s:%d (%s), "
			     "retrying", b->cfg.host, b->cfg.port, rc_text(rc));
			b->broker_lost_logged = true;
		}
		schedule_retry(b);
	}
	return 0;
}

static void schedule_retry(struct bridge *b)
{
	uint64_t now;
	int r;

	if (b->mosq_retry || b->stopping)
		return;
	b->broker_backoff_ms = b->broker_backoff_ms ?
		(b->broker_backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
		 b->broker_backoff_ms * 2) : BACKOFF_MIN_MS;
	sd_event_now(b->loop, CLOCK_MONOTONIC, &now);
	r = sd_event_add_time(b->loop, &b->mosq_retry, CLOCK_MONOTONIC,
			      now + b->broker_backoff_ms * 1000ULL, 100000, on_retry, b);
	if (r < 0)
		mlog(LOG_ERR, "cannot set the timer to reach the broker again: %s",
		     strerror(-r));
}

int broker_start(struct bridge *b)
{
	char will[MQTT_STR_MAX + 32];
	uint64_t now;
	int rc, r;

	mosquitto_lib_init();
	b->mosq = mosquitto_new(b->cfg.client_id, true, b);
	if (!b->mosq)
		return -errno ? -errno : -ENOMEM;
	b->mosq_fd = -2;	/* never connected */
	mosquitto_connect_callback_set(b->mosq, on_connect);
	mosquitto_disconnect_callback_set(b->mosq, on_disconnect);
	mosquitto_message_callback_set(b->mosq, on_message);
	mosquitto_log_callback_set(b->mosq, on_log);
	snprintf(will, sizeof(will), "%s/availability", b->cfg.topic_prefix);
	rc = mosquitto_will_set(b->mosq, will, 7, "offline", 1, true);
	if (rc == MOSQ_ERR_SUCCESS && (b->cfg.username[0] || b->password[0]))
		rc = mosquitto_username_pw_set(b->mosq,
					       b->cfg.username[0] ? b->cfg.username : NULL,
					       b->password[0] ? b->password : NULL);
	if (rc == MOSQ_ERR_SUCCESS && b->cfg.tls)
		rc = mosquitto_tls_set(b->mosq, b->cfg.ca_file, NULL,
				       b->cfg.cert_file[0] ? b->cfg.cert_file : NULL,
				       b->cfg.key_file[0] ? b->cfg.key_file : NULL, NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		mlog(LOG_ERR, "cannot set up the MQTT client: %s", rc_text(rc));
		return -EINVAL;
	}
	r = sd_event_add_post(b->loop, &b->mosq_post, on_post, b);
	if (r >= 0) {
		sd_event_now(b->loop, CLOCK_MONOTONIC, &now);
		r = sd_event_add_time(b->loop, &b->mosq_misc, CLOCK_MONOTONIC,
				      now + 1000000ULL, 500000, on_misc, b);
	}
	if (r >= 0)
		r = sd_event_source_set_enabled(b->mosq_misc, SD_EVENT_ON);
	if (r < 0) {
		mlog(LOG_ERR, "cannot set up the MQTT client's events: %s", strerror(-r));
		return r;
	}
	on_retry(NULL, 0, b);
	return 0;
}

/*
 * The states last published: a state that has not changed is not sent
 * again (a run's report would otherwise resend every topic of its zone).
 * Forgotten at each connection, so that a new one gets everything.
 */
#define SENT_MAX 256
static struct sent {
	char topic[96];
	char payload[48];
} sent[SENT_MAX];
static size_t n_sent;

void broker_forget(void)
{
	n_sent = 0;
}

/* true when topic last had payload; else remembers it (when it fits). */
static bool unchanged(const char *topic, const char *payload)
{
	size_t i;

	if (strlen(topic) >= sizeof(sent[0].topic))
		return false;
	for (i = 0; i < n_sent && strcmp(sent[i].topic, topic); i++)
		;
	if (strlen(payload) >= sizeof(sent[0].payload)) {
		/* Not kept: what was kept for the topic no longer holds. */
		if (i < n_sent)
			strcpy(sent[i].payload, "\x01");
		return false;
	}
	if (i < n_sent && !strcmp(sent[i].payload, payload))
		return true;
	if (i == n_sent) {
		if (n_sent == SENT_MAX)
			return false;
		strcpy(sent[n_sent++].topic, topic);
	}
	strcpy(sent[i].payload, payload);
	return false;
}

void broker_publish_abs(struct bridge *b, const char *topic, const char *payload,
			bool retain)
{
	int rc;

	if (!b->broker_up || (retain && unchanged(topic, payload)))
		return;
	rc = mosquitto_publish(b->mosq, NULL, topic, (int)strlen(payload), payload,
			       1, retain);
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
		mlog(LOG_WARNING, "cannot publish to %s: %s", topic, rc_text(rc));
}

void broker_publish(struct bridge *b, const char *topic_suffix, const char *payload,
		    bool retain)
{
	char topic[MQTT_STR_MAX * 2];

	snprintf(topic, sizeof(topic), "%s/%s", b->cfg.topic_prefix, topic_suffix);
	broker_publish_abs(b, topic, payload, retain);
}

void broker_stop(struct bridge *b)
{
	if (b->broker_up) {
		broker_publish(b, "availability", "offline", true);
		mosquitto_disconnect(b->mosq);
		/* What is queued (offline, the DISCONNECT) goes out before the socket closes. */
		for (int i = 0; i < 10 && mosquitto_want_write(b->mosq); i++)
			if (mosquitto_loop_write(b->mosq, 1) != MOSQ_ERR_SUCCESS)
				break;
	}
	b->broker_up = false;
}

void broker_free(struct bridge *b)
{
	drop_io(b);
	b->mosq_misc = sd_event_source_disable_unref(b->mosq_misc);
	b->mosq_retry = sd_event_source_disable_unref(b->mosq_retry);
	b->mosq_post = sd_event_source_disable_unref(b->mosq_post);
	if (b->mosq)
		mosquitto_destroy(b->mosq);
	b->mosq = NULL;
	mosquitto_lib_cleanup();
}

void broker_subscribe(struct bridge *b, const char *topic)
{
	int rc = mosquitto_subscribe(b->mosq, NULL, topic, 1);

	if (rc != MOSQ_ERR_SUCCESS)
		mlog(LOG_WARNING, "cannot subscribe to %s: %s", topic, rc_text(rc));
}
