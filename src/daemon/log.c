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

/*
 * One fixed MESSAGE_ID per kind of event (made with systemd-id128 new):
 * journalctl MESSAGE_ID=... finds an event whatever its text says, and a
 * catalog can explain it.  An id never changes once shipped; a new kind
 * of event gets a new id.
 */
static const struct log_event_kind event_kinds[] = {
	{ "water-start",       "5aff62ec77924acaa779fd3218e76f1a" },
	{ "water-end",         "02f70037f4344c94a5c2bf7f1d708885" },
	{ "skip",              "76c9f5cb4f464f6db781c744c4525744" },
	{ "program-start",     "6425584934764185b1df383f08a44a8b" },
	{ "program-held",      "b8bb3d1ee7d9400ab2790148efb15e19" },
	{ "missed",            "8d1f1bd784a0462fa7d7657304303117" },
	{ "rain-delay",        "122da8ee2e354a968535755b5bf83ee7" },
	{ "rain-delay-lifted", "667630aa813e4e36846690baba9a5ef0" },
	{ "config-reloaded",   "59f7ebfa060044e3a4f1be9e34a20214" },
	{ "daemon-start",      "7d2e43a7033e46a79489757ca1ae6334" },
	{ "daemon-stop",       "01f21254fec347679de0397cc076847c" },
	{ "fault",             "353705d1131c4962b02519dd8b632ec2" },
	{ "fault-cleared",     "432406832c3743e399dee0ccb02ed620" },
	{ "water-requested",   "eb2ff0990e36414d9a84ce390d026319" },
	{ "stop-requested",    "5429dff6e7624795a3d33da654259987" },
	{ "skip-requested",    "ec30624d810f4e3194c8a0a20c21d5b8" },
	{ "pause-requested",   "7b0ab33d912445bd980a476cbe87d0a7" },
	{ "resume-requested",  "d57567f558cb4101833dc66e3e0214db" },
	{ "reload-requested",  "cf727c252bad4c94a166ff46f622057a" },
	{ "low-flow",          "c5f23353f9504d51aa589e6a974ff912" },
	{ "held",              "b9e5b6939e65421c89cc92f08bbfaa7a" },
	{ "cap-reached",       "a36c811bfc014dc4ae36f6ab5b1810d9" },
	{ "sensor-failed",     "50160d46337b41d19dc830d0ecb0c270" },
	{ "sensor-recovered",  "6b356d0bde984dcfb174e76dd58a435f" },
	{ "clear-requested",   "b7aa4a1c188e4f3ab745ea44bcc9b19b" },
	{ "state-unsaved",     "d43f519efb834fc3880dccf77b6a5d88" },
	{ "state-saved",       "ad9a06874a194d7ebd80270ca9e44cb0" },
	{ "program-skipped",   "c136d090a4e840b3bf7cb8f0fb9d5981" },
	{ "program-requested", "3accb6a44bdd4815971fb55f79346baf" },
};

#define N_KINDS (sizeof(event_kinds) / sizeof(event_kinds[0]))

/* Manual runs waiting to start: more than the controller's queue holds. */
#define REQUESTERS_MAX 64

struct requester {
	uint32_t run_id;	/* 0: free */
	char who[64];
};

static bool to_journal;
static struct sockaddr_un test_socket;	/* sun_path[0]: journald's own */
static struct requester requesters[REQUESTERS_MAX];
static size_t requesters_next;

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

const struct log_event_kind *log_event_kinds(size_t *n)
{
	*n = N_KINDS;
	return event_kinds;
}

const char *log_message_id(const char *event)
{
	for (size_t i = 0; event && i < N_KINDS; i++)
		if (strcmp(event_kinds[i].event, event) == 0)
			return event_kinds[i].message_id;
	return NULL;
}

/* ---- who asked ---- */

void log_requester(struct log_requester *r, const char *who)
{
	unsigned uid;
	int pid;

	r->uid[0] = r->pid[0] = '\0';
	if (!who || sscanf(who, "uid %u pid %d", &uid, &pid) != 2)
		return;
	snprintf(r->uid, sizeof(r->uid), "REQUESTED_UID=%u", uid);
	snprintf(r->pid, sizeof(r->pid), "REQUESTED_PID=%d", pid);
}

void log_remember_requester(uint32_t run_id, const char *who)
{
	struct requester *slot = &requesters[requesters_next];

	if (!run_id || !who)
		return;
	/* The oldest goes: a run that old has started or been dropped. */
	requesters_next = (requesters_next + 1) % REQUESTERS_MAX;
	slot->run_id = run_id;
	snprintf(slot->who, sizeof(slot->who), "%s", who);
}

void log_requester_of_run(struct log_requester *r, uint32_t run_id)
{
	for (size_t i = 0; run_id && i < REQUESTERS_MAX; i++) {
		if (requesters[i].run_id != run_id)
			continue;
		log_requester(r, requesters[i].who);
		requesters[i].run_id = 0;	/* a run starts once */
		return;
	}
	log_requester(r, NULL);
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
		     const char *const *fields, const char *text)
{
	const char *id = log_message_id(event);
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

static void emit(int priority, const char *event, const char *const *fields,
		 const char *text)
{
	struct log_entry e;
	int r;

	if (!to_journal) {
		fprintf(stderr, "%s%s\n", priority_prefix(priority), text);
		return;
	}
	log_entry_build(&e, priority, event, fields, text);
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
	emit(priority, NULL, NULL, text);
}

int log_errno(int priority, int err, const char *fmt, ...)
{
	char text[LOG_LINE_MAX], f_errno[32];
	const char *list[LOG_FIELDS_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	format_errno(text, sizeof(text), err, fmt, ap);
	va_end(ap);
	emit(priority, NULL, with_errno(NULL, err, f_errno, sizeof(f_errno), list),
	     text);
	return err;
}

void log_event(int priority, const char *event, const char *const *fields,
	       const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	emit(priority, event, fields, text);
}

int log_event_errno(int priority, int err, const char *event,
		    const char *const *fields, const char *fmt, ...)
{
	char text[LOG_LINE_MAX], f_errno[32];
	const char *list[LOG_FIELDS_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	format_errno(text, sizeof(text), err, fmt, ap);
	va_end(ap);
	emit(priority, event, with_errno(fields, err, f_errno, sizeof(f_errno), list),
	     text);
	return err;
}
