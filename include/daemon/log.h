/* Logging: stderr on a terminal, structured journald entries under systemd. */
#ifndef IRRIGD_DAEMON_LOG_H
#define IRRIGD_DAEMON_LOG_H

#include <syslog.h>

/* Picks journald when stderr is the journal's stream (JOURNAL_STREAM). */
void log_setup(void);

/* A plain message at a syslog priority (LOG_ERR, LOG_WARNING, LOG_INFO...). */
void log_msg(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A message with the text of the negative errno err appended, as
 * "...: Input/output error"; returns err so a caller can log and return
 * in one statement.
 */
int log_errno(int priority, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * An event for journalctl IRRIGD_EVENT=name: fields is a NULL-terminated
 * list of "KEY=value" strings (ZONE=garden, LITRES=12.5, ...).  On a
 * terminal the message is printed and the fields are not.
 */
void log_event(int priority, const char *event, const char *const *fields,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
