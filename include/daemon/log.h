/* Logging: stderr on a terminal, structured journald entries under systemd. */
#ifndef IRRIGD_DAEMON_LOG_H
#define IRRIGD_DAEMON_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <syslog.h>

/* The longest message text; longer ones are cut. */
#define LOG_LINE_MAX 1024
/* The most caller fields one entry carries; further ones are dropped. */
#define LOG_FIELDS_MAX 16

/*
 * Picks journald when stderr is the journal's stream (JOURNAL_STREAM).
 * Under journald, IRRIGD_JOURNAL_SOCKET (for tests) names a datagram
 * socket that gets each entry in journald's native protocol instead.
 */
void log_setup(void);

/* A plain message at a syslog priority (LOG_ERR, LOG_WARNING, LOG_INFO...). */
void log_msg(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A message with the text of the negative errno err appended, as
 * "...: Input/output error", and ERRNO= in the journal; returns err so a
 * caller can log and return in one statement.
 */
int log_errno(int priority, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * An event for journalctl IRRIGD_EVENT=name: fields is a NULL-terminated
 * list of "KEY=value" strings (ZONE=garden, LITRES=12.5, ...); empty or
 * malformed ones are left out.  The entry's MESSAGE_ID comes from the
 * event's name (log_event_kinds()).  On a terminal the message is printed
 * and the fields are not.
 */
void log_event(int priority, const char *event, const char *const *fields,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* log_event and log_errno in one: ": strerror" and ERRNO=; returns err. */
int log_event_errno(int priority, int err, const char *event,
		    const char *const *fields, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* ---- who asked: REQUESTED_UID= and REQUESTED_PID= ---- */

struct log_requester {
	char uid[40];	/* "REQUESTED_UID=1000", or "" when unknown */
	char pid[40];	/* "REQUESTED_PID=4242", or "" */
};

/* The fields for who, the control socket's "uid 1000 pid 4242"; who may be NULL. */
void log_requester(struct log_requester *r, const char *who);
/* Remembers who asked for a manual run until its water-start is logged. */
void log_remember_requester(uint32_t run_id, const char *who);
/* The fields of whoever asked for run_id; empty for a programmed run. */
void log_requester_of_run(struct log_requester *r, uint32_t run_id);

/* ---- the events and their journal entries ---- */

/* One kind of event: its IRRIGD_EVENT= name and its MESSAGE_ID=. */
struct log_event_kind {
	const char *event;
	const char *message_id;	/* 32 lowercase hex digits */
};

/* Every event irrigd logs; *n gets how many. */
const struct log_event_kind *log_event_kinds(size_t *n);
/* The MESSAGE_ID of an event, or NULL for a name not in the table. */
const char *log_message_id(const char *event);

/*
 * One journal entry as sd_journal_sendv() takes it: MESSAGE=, PRIORITY=,
 * then for an event MESSAGE_ID= (when the event is known) and
 * IRRIGD_EVENT=, then the caller's fields in their order.  iov points
 * into the entry itself: do not copy one.
 */
struct log_entry {
	struct iovec iov[4 + LOG_FIELDS_MAX];
	int n;
	char message[LOG_LINE_MAX + sizeof("MESSAGE=")];
	char priority[sizeof("PRIORITY=") + 12];
	char message_id[sizeof("MESSAGE_ID=") + 32];
	char event[sizeof("IRRIGD_EVENT=") + 48];
};

/* Builds the entry; pure, for the tests too.  event and fields may be NULL. */
void log_entry_build(struct log_entry *e, int priority, const char *event,
		     const char *const *fields, const char *text);

/*
 * The entry in journald's native protocol ("KEY=value\n", or KEY, newline,
 * a 64-bit little-endian length and the value when it has a newline):
 * the bytes it takes, written to buf when they fit in size.
 */
size_t log_entry_serialize(const struct log_entry *e, char *buf, size_t size);

#endif
