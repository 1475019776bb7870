/* Benchmark client for irrigd-mqtt: the delay from a valve opening in irrigd to its state at an MQTT subscriber. */
/*
 * Two clocks would make the delay meaningless, so one process reads both
 * ends: irrigd's event stream (`watch`, the valve-opened and valve-closed
 * lines, timed as they are received) and the broker (the zone's state
 * topic, timed in libmosquitto's callback as each message arrives). The
 * difference is irrigd to bridge to broker to a subscriber on the same
 * machine: the last hop, broker to subscriber over loopback, is in it.
 * Like bench_socket, every mode prints key=value lines for bench/run and
 * exits non-zero only when it could not measure.
 */
#include <errno.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/nsec.h"

/* A hang guard for every wait: the suite must end even if a part hangs. */
#define HANG_MS 30000
#define QUEUE_LEN 256

static const char *prog = "bench_mqtt";

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ns_of_timespec(&ts);
}

/*
 * What libmosquitto's thread received on the one topic subscribed to, in
 * order, each with the time it arrived; the main thread takes them off
 * and is woken through a pipe.
 */
struct message {
	char payload[64];
	uint64_t at_ns;
};

static struct {
	pthread_mutex_t lock;
	int wake[2];
	const char *topic;
	struct message queue[QUEUE_LEN];
	unsigned long head, tail;	/* head: written by the callback */
	int connack;			/* -1 until the broker answered */
} sub = { .lock = PTHREAD_MUTEX_INITIALIZER, .connack = -1 };

static void on_connect(struct mosquitto *m, void *data, int rc)
{
	(void)data;
	pthread_mutex_lock(&sub.lock);
	sub.connack = rc;
	pthread_mutex_unlock(&sub.lock);
	if (rc == 0)
		mosquitto_subscribe(m, NULL, sub.topic, 0);
	(void)!write(sub.wake[1], "c", 1);
}

static void on_message(struct mosquitto *m, void *data,
		       const struct mosquitto_message *msg)
{
	uint64_t at = now_ns();

	(void)m, (void)data;
	if (strcmp(msg->topic, sub.topic) != 0)
		return;
	pthread_mutex_lock(&sub.lock);
	if (sub.head - sub.tail < QUEUE_LEN) {
		struct message *q = &sub.queue[sub.head % QUEUE_LEN];

		snprintf(q->payload, sizeof(q->payload), "%.*s",
			 msg->payloadlen, (const char *)msg->payload);
		q->at_ns = at;
		sub.head++;
	}
	pthread_mutex_unlock(&sub.lock);
	(void)!write(sub.wake[1], "m", 1);
}

static struct mosquitto *subscribe(const char *host, int port, const char *topic)
{
	struct mosquitto *m;
	int rc;

	sub.topic = topic;
	if (pipe(sub.wake) < 0)
		die("pipe: %s", strerror(errno));
	mosquitto_lib_init();
	m = mosquitto_new(NULL, true, NULL);
	if (!m)
		die("mosquitto_new: %s", strerror(errno));
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_message_callback_set(m, on_message);
	rc = mosquitto_connect(m, host, port, 30);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_loop_start(m);
	if (rc != MOSQ_ERR_SUCCESS)
		die("cannot connect to the broker %s:%d: %s", host, port,
		    mosquitto_strerror(rc));
	return m;
}

static void unsubscribe(struct mosquitto *m)
{
	mosquitto_disconnect(m);
	mosquitto_loop_stop(m, false);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
}

/* The next message on the topic, if one came: true and *out. */
static bool take_message(struct message *out)
{
	bool got = false;

	pthread_mutex_lock(&sub.lock);
	if (sub.connack > 0)
		die("the broker refused the connection: %s",
		    mosquitto_connack_string(sub.connack));
	if (sub.tail != sub.head) {
		*out = sub.queue[sub.tail % QUEUE_LEN];
		sub.tail++;
		got = true;
	}
	pthread_mutex_unlock(&sub.lock);
	return got;
}

static void drain_wake(void)
{
	char buf[64];

	(void)!read(sub.wake[0], buf, sizeof(buf));
}

/* A line reader on irrigd's socket. */
struct conn {
	int fd;
	char buf[16384];
	size_t len;
};

static void connect_irrigd(struct conn *c, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(addr.sun_path))
		die("socket path too long: %s", path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	c->len = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("cannot connect to %s: %s", path, strerror(errno));
}

static void send_line(struct conn *c, const char *line)
{
	size_t len = strlen(line), off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno != EINTR)
			die("send: %s", strerror(errno));
		if (n > 0)
			off += (size_t)n;
	}
}

/* Reads what is there; false at end of file. */
static bool fill(struct conn *c)
{
	ssize_t n;

	if (c->len == sizeof(c->buf))
		die("a line longer than %zu bytes from irrigd", sizeof(c->buf));
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n < 0)
		die("recv: %s", strerror(errno));
	c->len += (size_t)n;
	return n > 0;
}

/* The next whole line (without its newline) into line; false if none yet. */
static bool next_line(struct conn *c, char *line, size_t size)
{
	char *nl = memchr(c->buf, '\n', c->len);
	size_t n;

	if (!nl)
		return false;
	n = (size_t)(nl - c->buf);
	snprintf(line, size, "%.*s", (int)n, c->buf);
	memmove(c->buf, nl + 1, c->len - n - 1);
	c->len -= n + 1;
	return true;
}

static bool is_reply_end(const char *line)
{
	return strcmp(line, "OK") == 0 || strncmp(line, "ERR ", 4) == 0;
}

/* A text event line "- DATE TIME KIND zone=ZONE..." of this kind and zone. */
static bool is_event(const char *line, const char *kind, const char *zone)
{
	char want[128];
	const char *p;

	snprintf(want, sizeof(want), " %s zone=%s", kind, zone);
	p = strstr(line, want);
	return p && (p[strlen(want)] == '\0' || p[strlen(want)] == ' ');
}

/*
 * One switch of the valve: sends request on cmd and waits, all at once,
 * for its reply, the event kind for zone on the watch connection (*event_ns,
 * when it was received) and the payload on the state topic (*state_ns).
 */
static void switch_valve(struct conn *cmd, struct conn *watch, const char *request,
			 const char *kind, const char *zone, const char *payload,
			 uint64_t *event_ns, uint64_t *state_ns)
{
	bool replied = false, evented = false, stated = false;
	uint64_t deadline = now_ns() + HANG_MS * NS_PER_MS;
	char line[16384];

	send_line(cmd, request);
	while (!(replied && evented && stated)) {
		struct pollfd p[3] = {
			{ cmd->fd, POLLIN, 0 }, { watch->fd, POLLIN, 0 },
			{ sub.wake[0], POLLIN, 0 },
		};
		struct message m;
		uint64_t now;

		if (poll(p, 3, 1000) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		now = now_ns();
		if (p[1].revents) {
			if (!fill(watch))
				die("irrigd closed the watch connection");
			while (next_line(watch, line, sizeof(line)))
				if (!evented && is_event(line, kind, zone)) {
					*event_ns = now;
					evented = true;
				}
		}
		if (p[0].revents) {
			if (!fill(cmd))
				die("irrigd closed the connection");
			while (next_line(cmd, line, sizeof(line)))
				if (is_reply_end(line)) {
					if (line[0] == 'E')
						die("'%.*s' failed: %s", (int)strlen(request) - 1,
						    request, line);
					replied = true;
				}
		}
		if (p[2].revents)
			drain_wake();
		while (take_message(&m))
			if (!stated && evented && strcmp(m.payload, payload) == 0) {
				*state_ns = m.at_ns;
				stated = true;
			}
		if (now > deadline)
			die("no %s%s%s within %d ms of '%.*s'", replied ? "" : "reply, ",
			    evented ? "" : "event, ", stated ? "" : "state on the broker",
			    HANG_MS, (int)strlen(request) - 1, request);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of n sorted values, nearest rank. */
static uint64_t quantile(const uint64_t *v, size_t n, double q)
{
	size_t i = (size_t)(q * (double)n);

	return v[i >= n ? n - 1 : i];
}

static void print_delays(const char *name, uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("%s_p50_us=%.0f\n%s_p99_us=%.0f\n%s_max_us=%.0f\n", name,
	       quantile(v, n, 0.5) / 1e3, name, quantile(v, n, 0.99) / 1e3, name,
	       v[n - 1] / 1e3);
}

/*
 * latency SOCK HOST PORT PREFIX ZONE RUNS: RUNS times, water ZONE and stop
 * it; the delay from each valve-opened (valve-closed) event to "open"
 * ("closed") on PREFIX/zone/ZONE/state.
 */
static int mode_latency(int argc, char **argv)
{
	char topic[256], water[128], line[16384];
	struct conn cmd, watch;
	struct mosquitto *m;
	uint64_t *open_us, *close_us;
	long runs;

	if (argc != 8)
		die("usage: latency SOCK HOST PORT PREFIX ZONE RUNS");
	runs = strtol(argv[7], NULL, 10);
	if (runs < 1 || runs > 100000)
		die("RUNS must be 1 to 100000");
	open_us = calloc((size_t)runs, sizeof(*open_us));
	close_us = calloc((size_t)runs, sizeof(*close_us));
	if (!open_us || !close_us)
		die("out of memory");
	snprintf(topic, sizeof(topic), "%s/zone/%s/state", argv[5], argv[6]);
	snprintf(water, sizeof(water), "water %s 10m --no-wait\n", argv[6]);
	m = subscribe(argv[3], atoi(argv[4]), topic);
	connect_irrigd(&watch, argv[2]);
	connect_irrigd(&cmd, argv[2]);
	send_line(&watch, "watch\n");
	for (bool watching = false; !watching;) {
		struct pollfd p = { watch.fd, POLLIN, 0 };

		if (poll(&p, 1, HANG_MS) <= 0 || !fill(&watch))
			die("irrigd did not answer watch");
		while (!watching && next_line(&watch, line, sizeof(line)))
			watching = is_reply_end(line);
	}
	/* The bridge's retained state first: the valve closed, and the bridge up. */
	for (bool closed = false; !closed;) {
		struct pollfd p = { sub.wake[0], POLLIN, 0 };
		struct message msg;

		if (poll(&p, 1, HANG_MS) <= 0)
			die("no retained 'closed' on %s", topic);
		drain_wake();
		while (take_message(&msg))
			closed = closed || strcmp(msg.payload, "closed") == 0;
	}
	for (long i = 0; i < runs; i++) {
		uint64_t ev, st;

		switch_valve(&cmd, &watch, water, "valve-opened", argv[6], "open",
			     &ev, &st);
		open_us[i] = st > ev ? st - ev : 0;
		switch_valve(&cmd, &watch, "stop\n", "valve-closed", argv[6], "closed",
			     &ev, &st);
		close_us[i] = st > ev ? st - ev : 0;
	}
	printf("runs=%ld\n", runs);
	print_delays("open", open_us, (size_t)runs);
	print_delays("close", close_us, (size_t)runs);
	unsubscribe(m);
	close(cmd.fd);
	close(watch.fd);
	free(open_us);
	free(close_us);
	return 0;
}

/* wait HOST PORT TOPIC PAYLOAD MS: until PAYLOAD is on TOPIC (retained or new). */
static int mode_wait(int argc, char **argv)
{
	uint64_t t0 = now_ns(), deadline;
	struct mosquitto *m;
	struct message msg;

	if (argc != 7)
		die("usage: wait HOST PORT TOPIC PAYLOAD MS");
	deadline = t0 + (uint64_t)atol(argv[6]) * NS_PER_MS;
	m = subscribe(argv[2], atoi(argv[3]), argv[4]);
	for (;;) {
		struct pollfd p = { sub.wake[0], POLLIN, 0 };

		while (take_message(&msg))
			if (strcmp(msg.payload, argv[5]) == 0) {
				printf("waited_ms=%.1f\n", (now_ns() - t0) / 1e6);
				unsubscribe(m);
				return 0;
			}
		if (now_ns() > deadline)
			die("no '%s' on %s within %s ms", argv[5], argv[4], argv[6]);
		if (poll(&p, 1, 100) > 0)
			drain_wake();
	}
}

/* freeport: a TCP port on 127.0.0.1 that nothing listens on now. */
static int mode_freeport(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		die("cannot find a free port: %s", strerror(errno));
	printf("%d\n", ntohs(a.sin_port));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "latency") == 0)
		return mode_latency(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "wait") == 0)
		return mode_wait(argc, argv);
	if (argc == 2 && strcmp(argv[1], "freeport") == 0)
		return mode_freeport();
	fprintf(stderr, "usage: %s latency SOCK HOST PORT PREFIX ZONE RUNS\n"
		"       %s wait HOST PORT TOPIC PAYLOAD MS\n"
		"       %s freeport\n", prog, prog, prog);
	return 2;
}
