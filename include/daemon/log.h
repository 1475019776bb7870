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

/*
 * Builds the entry; pure, for the tests too.  event (IRRIGD_EVENT=), id
 * (MESSAGE_ID=) and fields (a NULL-terminated list of "KEY=value";
 * malformed ones are left out) may each be NULL.
 */
void log_entry_build(struct log_entry *e, int priority, const char *event,
		     const char *id, const char *const *fields, const char *text);

/* Sends the entry to the journal, or its text to stderr (events.c's way out). */
void log_entry_send(int priority, const char *event, const char *id,
		    const char *const *fields, const char *text);

/*
 * The entry in journald's native protocol ("KEY=value\n", or KEY, newline,
 * a 64-bit little-endian length and the value when it has a newline):
 * the bytes it takes, written to buf when they fit in size.
 */
size_t log_entry_serialize(const struct log_entry *e, char *buf, size_t size);

#endif
