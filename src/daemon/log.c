/* Logging: stderr on a terminal, structured journald entries under systemd. */
#include "daemon/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

static bool to_journal;
static struct sockaddr_un test_socket;	/* sun_path[0]: journald's own */

void log_setup(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	const char *test = getenv("IRRIGD_JOURNAL_SOCKET");
	unsigned long dev, ino;
	struct stat st;

	to_journal = stream && sscanf(stream, "%lu:%lu", &dev, &ino) == 2 &&
		fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev &&
		st.st_ino == ino;
	memset(&test_socket, 0, sizeof(test_socket));
	if (to_journal && test && *test == '/' &&
	    strlen(test) < sizeof(test_socket.sun_path)) {
		test_socket.sun_family = AF_UNIX;
		strcpy(test_socket.sun_path, test);
	}
}

/* ---- building entries ---- */

/* The fields log_entry_build sets itself: a caller's copy is left out. */
static const char *const own_keys[] = {
	"MESSAGE", "PRIORITY", "MESSAGE_ID", "IRRIGD_EVENT", NULL
};

/* "KEY=value" with a key journald takes: A-Z, 0-9 and _, not first _ or digit. */
static bool good_field(const char *field)
{
	const char *eq = strchr(field, '=');
	size_t len;

	if (!eq || eq == field || eq - field > 64 || field[0] == '_' ||
	    (field[0] >= '0' && field[0] <= '9'))
		return false;
	len = (size_t)(eq - field);
	for (size_t i = 0; i < len; i++)
		if (!((field[i] >= 'A' && field[i] <= 'Z') ||
		      (field[i] >= '0' && field[i] <= '9') || field[i] == '_'))
			return false;
	for (size_t i = 0; own_keys[i]; i++)
		if (strlen(own_keys[i]) == len && !strncmp(field, own_keys[i], len))
			return false;
	return true;
}

static void add_iov(struct log_entry *e, const char *field)
{
	e->iov[e->n++] = (struct iovec){ (void *)field, strlen(field) };
}

void log_entry_build(struct log_entry *e, int priority, const char *event,
		     const char *id, const char *const *fields, const char *text)
{
	int added = 0;

	e->n = 0;
	snprintf(e->message, sizeof(e->message), "MESSAGE=%s", text);
	add_iov(e, e->message);
	snprintf(e->priority, sizeof(e->priority), "PRIORITY=%d",
		 priority & LOG_PRIMASK);
	add_iov(e, e->priority);
	if (event) {
		if (id) {
			snprintf(e->message_id, sizeof(e->message_id),
				 "MESSAGE_ID=%s", id);
			add_iov(e, e->message_id);
		}
		snprintf(e->event, sizeof(e->event), "IRRIGD_EVENT=%s", event);
		add_iov(e, e->event);
	}
	for (size_t i = 0; fields && fields[i] && added < LOG_FIELDS_MAX; i++) {
		if (!good_field(fields[i]))
			continue;
		add_iov(e, fields[i]);
		added++;
	}
}

size_t log_entry_serialize(const struct log_entry *e, char *buf, size_t size)
{
	size_t need = 0;

	for (int i = 0; i < e->n; i++) {
		const char *field = e->iov[i].iov_base;
		size_t len = e->iov[i].iov_len;
		const char *eq = memchr(field, '=', len);
		size_t key = (size_t)(eq - field), vlen = len - key - 1;

		if (!memchr(field, '\n', len)) {
			if (need + len + 1 <= size) {
				memcpy(buf + need, field, len);
				buf[need + len] = '\n';
			}
			need += len + 1;
			continue;
		}
		/* KEY\n, the value's length as 64-bit little endian, value\n */
		if (need + key + 1 + 8 + vlen + 1 <= size) {
			char *p = buf + need;

			memcpy(p, field, key);
			p[key] = '\n';
			for (int b = 0; b < 8; b++)
				p[key + 1 + b] = (char)(((uint64_t)vlen >> (8 * b)) & 0xff);
			memcpy(p + key + 9, eq + 1, vlen);
			p[key + 9 + vlen] = '\n';
		}
		need += key + 1 + 8 + vlen + 1;
	}
	return need;
}

/* ---- sending ---- */

static const char *priority_prefix(int priority)
{
	switch (priority) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		return "error: ";
	case LOG_WARNING:
		return "warning: ";
	default:
		return "";
	}
}

static int send_to_test_socket(const struct log_entry *e)
{
	char buf[8192];
	size_t len = log_entry_serialize(e, buf, sizeof(buf));
	int fd, r = 0;

	if (len > sizeof(buf))
		return -EMSGSIZE;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&test_socket,
		   sizeof(test_socket)) < 0)
		r = -errno;
	close(fd);
	return r;
}

void log_entry_send(int priority, const char *event, const char *id,
		    const char *const *fields, const char *text)
{
	struct log_entry e;
	int r;

	if (!to_journal) {
		fprintf(stderr, "%s%s\n", priority_prefix(priority), text);
		return;
	}
	log_entry_build(&e, priority, event, id, fields, text);
	if (test_socket.sun_path[0])
		r = send_to_test_socket(&e);
	else
		r = sd_journal_sendv(e.iov, e.n);
	if (r < 0)
		fprintf(stderr, "%s%s\n", priority_prefix(priority), text);
}

/* fields with ERRNO=n added, in storage the caller gives. */
static const char *const *with_errno(const char *const *fields, int err,
				     char *f_errno, size_t size,
				     const char **list)
{
	size_t n = 0;

	for (; fields && fields[n] && n < LOG_FIELDS_MAX - 1; n++)
		list[n] = fields[n];
	snprintf(f_errno, size, "ERRNO=%d", abs(err));
	list[n++] = f_errno;
	list[n] = NULL;
	return list;
}

static void format_errno(char *text, size_t size, int err, const char *fmt,
			 va_list ap)
{
	size_t len;

	vsnprintf(text, size, fmt, ap);
	len = strlen(text);
	snprintf(text + len, size - len, ": %s", strerror(abs(err)));
}

void log_msg(int priority, const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_entry_send(priority, NULL, NULL, NULL, text);
}

int log_errno(int priority, int err, const char *fmt, ...)
{
	char text[LOG_LINE_MAX], f_errno[32];
	const char *list[LOG_FIELDS_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	format_errno(text, sizeof(text), err, fmt, ap);
	va_end(ap);
	log_entry_send(priority, NULL, NULL,
		       with_errno(NULL, err, f_errno, sizeof(f_errno), list), text);
	return err;
}
