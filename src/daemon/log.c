/* Logging: stderr on a terminal, structured journald entries under systemd. */
#include "daemon/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#define LOG_LINE_MAX 1024
#define LOG_FIELDS_MAX 16

static bool to_journal;

void log_setup(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long dev, ino;
	struct stat st;

	to_journal = stream && sscanf(stream, "%lu:%lu", &dev, &ino) == 2 &&
		fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev &&
		st.st_ino == ino;
}

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

static void emit(int priority, const char *event, const char *const *fields,
		 const char *text)
{
	struct iovec iov[LOG_FIELDS_MAX + 3];
	char message[LOG_LINE_MAX + 16], prio[16], ev[64];
	size_t n = 0;

	if (!to_journal) {
		fprintf(stderr, "%s%s\n", priority_prefix(priority), text);
		return;
	}
	snprintf(message, sizeof(message), "MESSAGE=%s", text);
	snprintf(prio, sizeof(prio), "PRIORITY=%d", priority);
	iov[n++] = (struct iovec){ message, strlen(message) };
	iov[n++] = (struct iovec){ prio, strlen(prio) };
	if (event) {
		snprintf(ev, sizeof(ev), "IRRIGD_EVENT=%s", event);
		iov[n++] = (struct iovec){ ev, strlen(ev) };
	}
	for (size_t i = 0; fields && fields[i] && i < LOG_FIELDS_MAX; i++)
		iov[n++] = (struct iovec){ (void *)fields[i], strlen(fields[i]) };
	if (sd_journal_sendv(iov, (int)n) < 0)
		fprintf(stderr, "%s%s\n", priority_prefix(priority), text);
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
	char text[LOG_LINE_MAX];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	len = strlen(text);
	snprintf(text + len, sizeof(text) - len, ": %s", strerror(abs(err)));
	emit(priority, NULL, NULL, text);
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
