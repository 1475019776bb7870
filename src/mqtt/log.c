/* The bridge's log: stderr, each line with its sd-daemon priority prefix under systemd, plain on a terminal. */
#include "mqtt/bridge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static bool prefixed;

void mlog_setup(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long dev, ino;
	struct stat st;

	/* journald reads "<3>" as the priority; on a terminal it is noise. */
	prefixed = stream && sscanf(stream, "%lu:%lu", &dev, &ino) == 2 &&
		   fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev &&
		   st.st_ino == ino;
}

void mlog(int priority, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (prefixed)
		fprintf(stderr, "<%d>%s\n", priority & LOG_PRIMASK, line);
	else
		fprintf(stderr, "irrigd-mqtt: %s\n", line);
}
