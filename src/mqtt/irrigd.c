/* The bridge's two connections to irrigd's control socket: one for requests, one watching the event stream; reconnected with backoff. */
#include "mqtt/bridge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/proto.h"
#include "hw/fdio.h"
#include "mqtt/json.h"

#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000

static int connect_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static void conn_close(struct irrigd_conn *c)
{
	c->io = sd_event_source_disable_unref(c->io);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->used = 0;
}

static void schedule_retry(struct bridge *b);

/* irrigd went away (stopped, restarted, or dropped the watcher): retried, logged once. */
static void lost(struct bridge *b, const char *why)
{
	bool was_up = b->irrigd_up;

	conn_close(&b->cmd);
	conn_close(&b->watch);
	b->irrigd_up = false;
	b->synced = false;
	for (size_t i = 0; i < b->n_pending; i++)
		if (b->pending[i].kind == REQ_COMMAND)
			garden_command_error(b, b->pending[i].context, NULL,
					     "unavailable", "irrigd went away before "
					     "it answered");
	b->n_pending = 0;
	if (!b->irrigd_lost_logged && !b->stopping) {
		mlog(LOG_WARNING, "lost irrigd at %s (%s), retrying", b->socket_path, why);
		b->irrigd_lost_logged = true;
	}
	if (was_up)
		garden_irrigd_down(b);
	if (!b->stopping)
		schedule_retry(b);
}

/* Each whole line in c's buffer to handle(); -EPROTO for a line too long. */
static int read_lines(struct bridge *b, struct irrigd_conn *c,
		      void (*handle)(struct bridge *, char *))
{
	ssize_t n = read(c->fd, c->buf + c->used, IRRIGD_LINE_BUF - 1 - c->used);
	char *start, *nl;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	c->used += (size_t)n;
	c->buf[c->used] = '\0';
	start = c->buf;
	while ((nl = memchr(start, '\n', c->used - (size_t)(start - c->buf)))) {
		*nl = '\0';
		handle(b, start);
		/* handle() may have lost the connection and emptied the buffer */
		if (c->fd < 0)
			return 0;
		start = nl + 1;
	}
	c->used -= (size_t)(start - c->buf);
	memmove(c->buf, start, c->used);
	return c->used >= IRRIGD_LINE_BUF - 1 ? -EPROTO : 0;
}

static struct json parsed;	/* one line at a time: no need for the stack */

static void reply_line(struct bridge *b, char *line)
{
	struct pending p;
	bool final;

	if (json_parse(&parsed, line) < 0) {
		mlog(LOG_WARNING, "irrigd sent a line that is not JSON: %.80s", line);
		return;
	}
	final = json_get(&parsed, 0, "ok") >= 0;
	if (!b->n_pending) {
		mlog(LOG_WARNING, "irrigd sent a reply nothing asked for: %.80s", line);
		return;
	}
	/* Lines before the last are a water run's events: its start, its queue place. */
	if (!final)
		return;
	p = b->pending[0];
	memmove(b->pending, b->pending + 1, --b->n_pending * sizeof(b->pending[0]));
	garden_reply(b, &p, line, &parsed);
}

static void watch_line(struct bridge *b, char *line)
{
	if (json_parse(&parsed, line) < 0) {
		mlog(LOG_WARNING, "irrigd sent an event that is not JSON: %.80s", line);
		return;
	}
	if (json_get(&parsed, 0, "ok") >= 0) {
		char code[32] = "";

		if (json_get_true(&parsed, 0, "ok")) {
			if (!b->irrigd_up) {
				b->irrigd_up = true;
				b->irrigd_backoff_ms = 0;
				if (b->irrigd_lost_logged)
					mlog(LOG_NOTICE, "irrigd at %s answers again",
					     b->socket_path);
				else
					mlog(LOG_INFO, "connected to irrigd at %s",
					     b->socket_path);
				b->irrigd_lost_logged = false;
				garden_irrigd_up(b);
			}
			return;
		}
		json_get_string(&parsed, json_get(&parsed, 0, "error"), "code",
				code, sizeof(code));
		/* too-slow: events were lost; watching again and asking status catches up. */
		lost(b, code[0] ? code : "the watch was refused");
		return;
	}
	garden_event(b, line, &parsed);
}

static int on_cmd(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	struct bridge *b = data;
	int r = read_lines(b, &b->cmd, reply_line);

	(void)s, (void)fd, (void)revents;
	if (r < 0)
		lost(b, r == -ECONNRESET ? "it closed the connection" :
			r == -EPROTO ? "a reply line too long" : strerror(-r));
	return 0;
}

static int on_watch(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	struct bridge *b = data;
	int r = read_lines(b, &b->watch, watch_line);

	(void)s, (void)fd, (void)revents;
	if (r < 0)
		lost(b, r == -ECONNRESET ? "it closed the connection" :
			r == -EPROTO ? "an event line too long" : strerror(-r));
	return 0;
}

static int try_connect(struct bridge *b)
{
	static const char watch_req[] = "--json watch\n";
	int r;

	r = connect_socket(b->socket_path);
	if (r < 0)
		return r;
	b->cmd.fd = r;
	r = connect_socket(b->socket_path);
	if (r < 0) {
		conn_close(&b->cmd);
		return r;
	}
	b->watch.fd = r;
	r = sd_event_add_io(b->loop, &b->cmd.io, b->cmd.fd, EPOLLIN, on_cmd, b);
	if (r >= 0)
		r = sd_event_add_io(b->loop, &b->watch.io, b->watch.fd, EPOLLIN,
				    on_watch, b);
	if (r >= 0)
		r = fd_write_all(b->watch.fd, watch_req, sizeof(watch_req) - 1);
	if (r < 0) {
		conn_close(&b->cmd);
		conn_close(&b->watch);
	}
	return r;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *data)
{
	struct bridge *b = data;
	int r;

	(void)s, (void)usec;
	b->irrigd_retry = sd_event_source_unref(b->irrigd_retry);
	r = try_connect(b);
	if (r < 0) {
		if (!b->irrigd_lost_logged) {
			mlog(LOG_WARNING, "cannot reach irrigd at %s (%s), retrying",
			     b->socket_path, strerror(-r));
			b->irrigd_lost_logged = true;
		}
		schedule_retry(b);
	}
	return 0;
}

static void schedule_retry(struct bridge *b)
{
	uint64_t now;
	int r;

	if (b->irrigd_retry)
		return;
	b->irrigd_backoff_ms = b->irrigd_backoff_ms ?
		(b->irrigd_backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
		 b->irrigd_backoff_ms * 2) : BACKOFF_MIN_MS;
	sd_event_now(b->loop, CLOCK_MONOTONIC, &now);
	r = sd_event_add_time(b->loop, &b->irrigd_retry, CLOCK_MONOTONIC,
			      now + b->irrigd_backoff_ms * 1000ULL, 100000,
			      on_retry, b);
	if (r < 0)
		mlog(LOG_ERR, "cannot set the timer to reach irrigd again: %s",
		     strerror(-r));
}

int irrigd_start(struct bridge *b)
{
	b->cmd.fd = b->watch.fd = -1;
	b->cmd.buf = malloc(IRRIGD_LINE_BUF);
	b->watch.buf = malloc(IRRIGD_LINE_BUF);
	if (!b->cmd.buf || !b->watch.buf)
		return -ENOMEM;
	/* The first attempt at once; its failure is logged as any retry's. */
	on_retry(NULL, 0, b);
	return 0;
}

void irrigd_close(struct bridge *b)
{
	conn_close(&b->cmd);
	conn_close(&b->watch);
	b->irrigd_retry = sd_event_source_disable_unref(b->irrigd_retry);
	free(b->cmd.buf);
	free(b->watch.buf);
	b->cmd.buf = b->watch.buf = NULL;
}

int irrigd_request(struct bridge *b, const char *line, enum req_kind kind,
		   const char *context)
{
	char buf[PROTO_LINE_MAX];
	int n, r;

	if (b->cmd.fd < 0)
		return -ENOTCONN;
	if (b->n_pending >= REQ_PENDING_MAX)
		return -EBUSY;
	n = snprintf(buf, sizeof(buf), "%s\n", line);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -E2BIG;
	/* A few short lines at most wait unread: the socket's buffer holds them. */
	r = fd_write_all(b->cmd.fd, buf, (size_t)n);
	if (r < 0) {
		lost(b, strerror(-r));
		return -ENOTCONN;
	}
	b->pending[b->n_pending].kind = kind;
	snprintf(b->pending[b->n_pending].context,
		 sizeof(b->pending[0].context), "%s", context ? context : "");
	b->n_pending++;
	return 0;
}
