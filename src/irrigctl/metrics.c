/* irrigctl metrics --output FILE and --http: the exposition written atomically, or served for one HTTP request. */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/proto.h"
#include "hw/fdio.h"

/* irrigctl's exit statuses (irrigctl(1)). */
enum { DONE = 0, REFUSED = 1, NO_DAEMON = 3 };

/* The exposition is at most a few tens of KiB (doc/metrics.md). */
#define METRICS_MAX (256 * 1024)

struct text {
	char *buf;
	size_t len, size;
};

static int text_add(struct text *t, const char *data, size_t len)
{
	if (t->len + len + 1 > t->size) {
		size_t size = t->size ? t->size * 2 : 16384;
		char *grown;

		while (size < t->len + len + 1)
			size *= 2;
		if (size > METRICS_MAX)
			return -E2BIG;
		grown = realloc(t->buf, size);
		if (!grown)
			return -ENOMEM;
		t->buf = grown;
		t->size = size;
	}
	memcpy(t->buf + t->len, data, len);
	t->len += len;
	t->buf[t->len] = '\0';
	return 0;
}

/*
 * One reply line: "- TEXT" is a line of the exposition, OK the end, ERR
 * the daemon's refusal (said in why).  1 at the end, 0 to go on, or a
 * negative errno.
 */
static int take_line(struct text *t, const char *line, char *why, size_t why_size)
{
	if (strncmp(line, "- ", 2) == 0) {
		int r = text_add(t, line + 2, strlen(line + 2));

		return r < 0 ? r : text_add(t, "\n", 1);
	}
	if (strcmp(line, "OK") == 0)
		return 1;
	if (strncmp(line, "ERR ", 4) == 0) {
		const char *message = strchr(line + 4, ' ');

		snprintf(why, why_size, "%s", message ? message + 1 : line + 4);
		return -EPERM;
	}
	snprintf(why, why_size, "unexpected reply from irrigd: %.80s", line);
	return -EPROTO;
}

/* Asks irrigd for its metrics: 0 and the exposition in *t, or an exit status. */
static int collect(const char *socket_path, metrics_connect_fn *connect_fn,
		   struct text *t)
{
	static const char request[] = "metrics\n";
	char buf[PROTO_LINE_MAX * 4], why[512] = "";
	size_t len = 0;
	int fd = connect_fn(socket_path), r = 0;

	if (fd < 0)
		return NO_DAEMON;
	if (fd_write_all(fd, request, sizeof(request) - 1) < 0) {
		fprintf(stderr, "irrigctl: cannot send to irrigd: %s\n", strerror(errno));
		close(fd);
		return NO_DAEMON;
	}
	while (r == 0) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		char *start = buf, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, sizeof(why), "irrigd closed the connection "
				 "before answering");
			r = -EPIPE;
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		while (r == 0 && (nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
			*nl = '\0';
			r = take_line(t, start, why, sizeof(why));
			start = nl + 1;
		}
		len -= (size_t)(start - buf);
		memmove(buf, start, len);
		if (r == 0 && len == sizeof(buf) - 1) {
			snprintf(why, sizeof(why), "reply line too long");
			r = -EPROTO;
		}
	}
	close(fd);
	if (r < 0) {
		if (!*why)
			snprintf(why, sizeof(why), "%s", strerror(-r));
		fprintf(stderr, "irrigctl: %s\n", why);
		return REFUSED;
	}
	return DONE;
}

/* ---- --output FILE ---- */

int metrics_to_file(const char *socket_path, metrics_connect_fn *connect_fn,
		    const char *file)
{
	struct text t = { 0 };
	/* dirname and basename may write into their argument: a copy each. */
	char *copy = strdup(file), *name = strdup(file), *tmp = NULL;
	int status, fd = -1, err = 0;

	if (!copy || !name) {
		free(copy);
		free(name);
		fprintf(stderr, "irrigctl: out of memory\n");
		return REFUSED;
	}
	/* Nothing is written unless irrigd answered: the old file stays. */
	status = collect(socket_path, connect_fn, &t);
	if (status != DONE)
		goto out;
	/* Same directory: rename(2) replaces the file in one step only there. */
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dirname(copy), basename(name)) < 0) {
		tmp = NULL;
		err = ENOMEM;
		goto failed;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = errno;
		free(tmp);
		tmp = NULL;
		goto failed;
	}
	/* node-exporter runs as its own user: the file is for everyone to read. */
	if (fchmod(fd, 0644) < 0 || fd_write_all(fd, t.buf, t.len) < 0 ||
	    fsync(fd) < 0) {
		err = errno;
		goto failed;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = errno;
		goto failed;
	}
	fd = -1;
	if (rename(tmp, file) < 0) {
		err = errno;
		goto failed;
	}
	goto out;
failed:
	fprintf(stderr, "irrigctl: cannot write %s: %s; it is left as it was\n",
		file, strerror(err ? err : EIO));
	status = REFUSED;
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
out:
	free(tmp);
	free(copy);
	free(name);
	free(t.buf);
	return status;
}

/* ---- --http ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int respond(int out, int code, const char *reason, const char *extra,
		   const char *type, const char *body, size_t len, bool head)
{
	char header[512];
	int n = snprintf(header, sizeof(header),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
			 code, reason, type, len, extra);

	if (fd_write_all(out, header, (size_t)n) < 0 ||
	    (!head && len && fd_write_all(out, body, len) < 0))
		return REFUSED;
	/*
	 * Answered, whatever the code: a non-zero exit would leave a failed
	 * irrigd-metrics-http@ instance for each 404 (the system "degraded").
	 */
	return DONE;
}

static int respond_error(int out, int code, const char *reason, const char *extra,
			 bool head)
{
	char body[128];
	int n = snprintf(body, sizeof(body), "%d %s\n", code, reason);

	return respond(out, code, reason, extra, "text/plain; charset=utf-8", body,
		       (size_t)n, head);
}

/*
 * Reads the request's head (up to the empty line) into buf: its length,
 * -E2BIG when it does not fit, -ETIMEDOUT when it is slow to come, or
 * -EPIPE when the peer closed first.
 */
static int read_request(int in, char *buf, size_t size)
{
	int64_t deadline = now_ms() + METRICS_HTTP_TIMEOUT_MS;
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = in, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (int)len;
		if (len == size - 1)
			return -E2BIG;
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		n = read(in, buf + len, size - 1 - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -EPIPE;
		len += (size_t)n;
		buf[len] = '\0';
	}
}

int metrics_http(const char *socket_path, metrics_connect_fn *connect_fn,
		 int in, int out)
{
	char request[METRICS_HTTP_REQUEST_MAX] = "", method[16], target[256],
		version[16];
	struct text t = { 0 };
	bool head;
	int r, status;

	r = read_request(in, request, sizeof(request));
	if (r == -ETIMEDOUT)
		return respond_error(out, 408, "Request Timeout", "", false);
	if (r == -EPIPE)
		return REFUSED;		/* nobody to answer */
	if (r < 0)
		return respond_error(out, 400, "Bad Request", "", false);
	/* The request line: METHOD TARGET HTTP/1.x, single spaces. */
	if (sscanf(request, "%15[A-Z] %255[^ \r\n] %15[^\r\n]", method, target,
		   version) != 3 || strncmp(version, "HTTP/1.", 7) != 0 ||
	    strlen(version) != 8)
		return respond_error(out, 400, "Bad Request", "", false);
	head = strcmp(method, "HEAD") == 0;
	if (strcmp(method, "GET") != 0 && !head)
		return respond_error(out, 405, "Method Not Allowed",
				     "Allow: GET, HEAD\r\n", false);
	/* A query string (Prometheus sends none) is ignored. */
	target[strcspn(target, "?")] = '\0';
	if (strcmp(target, "/metrics") != 0)
		return respond_error(out, 404, "Not Found", "", head);
	status = collect(socket_path, connect_fn, &t);
	if (status != DONE)
		r = respond_error(out, 503, "Service Unavailable", "", head);
	else
		r = respond(out, 200, "OK", "", "text/plain; version=0.0.4; "
			    "charset=utf-8", t.buf, t.len, head);
	free(t.buf);
	return r;
}
