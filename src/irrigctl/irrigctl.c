/* irrigctl: sends its command line to irrigd and prints the reply. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/proto.h"
#include "hw/fdio.h"
#include "metrics.h"

enum { EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_NO_DAEMON = 3 };

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: irrigctl [OPTION]... COMMAND [ARG]...\n"
		"Controls irrigd, the irrigation daemon.\n"
		"\n"
		"  -s, --socket PATH  irrigd's control socket (default $IRRIGD_SOCKET,\n"
		"                     else %s)\n"
		"      --json         print the reply as JSON lines\n"
		"      --version      print irrigctl's version and exit\n"
		"  -h, --help         print this help and exit\n"
		"\n"
		"Commands:\n", PROTO_DEFAULT_SOCKET);
	for (int i = 0; i < CMD__COUNT; i++) {
		char words[80];

		snprintf(words, sizeof(words), "%s %s", cmd_specs[i].name,
			 cmd_specs[i].usage);
		fprintf(to, "  %-34s %s\n", words, cmd_specs[i].summary);
	}
	fprintf(to, "\nExit status: 0 done, 1 irrigd refused or failed, 2 bad usage,\n"
		"3 irrigd not reachable.  See irrigctl(1).\n");
}

/* Set by --json: irrigctl's own errors go to standard output as JSON too. */
static bool json_errors;

/*
 * Says what went wrong: "irrigctl: MESSAGE" on standard error, or with
 * --json the error object irrigd would send, on standard output, so a
 * script reads every failure the same way.  A message may hold lines.
 */
static void __attribute__((format(printf, 2, 3)))
report_error(const char *code, const char *fmt, ...)
{
	char message[1024], quoted[6 * sizeof(message) + 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (!json_errors) {
		fprintf(stderr, "irrigctl: %s\n", message);
		return;
	}
	printf("{\"ok\":false,\"error\":{\"code\":\"%s\",\"message\":%s}}\n",
	       code, proto_json_string(message, quoted, sizeof(quoted)));
	fflush(stdout);
}

/* The request line: options and words as typed, one space apart. */
static int build_request(int argc, char **argv, bool json, char *line,
			 size_t size)
{
	size_t used = 0;

	line[0] = '\0';
	if (json)
		used = (size_t)snprintf(line, size, "--json");
	for (int i = 0; i < argc; i++) {
		if (!argv[i][0] || strpbrk(argv[i], " \t\r\n")) {
			report_error(ERR_USAGE, "argument '%.64s' may not be empty or "
				     "contain white space", argv[i]);
			return -EINVAL;
		}
		if (used + strlen(argv[i]) + 2 >= size) {
			report_error(ERR_TOO_LONG, "command longer than %d bytes",
				     PROTO_LINE_MAX - 1);
			return -E2BIG;
		}
		used += (size_t)snprintf(line + used, size - used, "%s%s",
					 used ? " " : "", argv[i]);
	}
	line[used++] = '\n';
	line[used] = '\0';
	return (int)used;
}

/*
 * The group that may use the socket at path: its own group, as the socket
 * unit and irrigd make it; "irrigd" when the socket cannot be looked at.
 */
static void socket_group(const char *path, char *name, size_t size)
{
	struct stat st;
	struct group *gr;

	snprintf(name, size, "irrigd");
	if (stat(path, &st) == 0 && (gr = getgrgid(st.st_gid)) && gr->gr_name)
		snprintf(name, size, "%s", gr->gr_name);
}

/* water without --no-wait: irrigctl follows the run until it ends. */
static bool waits_for_run(int argc, char **argv)
{
	if (strcmp(argv[0], "water") != 0)
		return false;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--no-wait") == 0 || strcmp(argv[i], "--help") == 0)
			return false;
	return true;
}

static int connect_daemon(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char group[64];
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		report_error("unreachable", "socket path too long: %s", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return fd;
	err = errno;
	if (fd >= 0)
		close(fd);
	/* irrigd may well run: only its group may talk to it. */
	if (err == EACCES || err == EPERM) {
		socket_group(path, group, sizeof(group));
		report_error("permission-denied", "no permission to use irrigd's "
			     "socket %s: %s\nOnly root and group %s may: sudo usermod "
			     "-aG %s $USER, then log in again (or use sudo)", path,
			     strerror(err), group, group);
		return -1;
	}
	report_error("unreachable", "cannot reach irrigd at %s: %s\n"
		     "Is irrigd running?  (systemctl status irrigd)", path,
		     strerror(err));
	return -1;
}

/* Prints one reply line; returns an exit status once the reply ends, else -1. */
static int show_line(const char *line, bool json)
{
	if (json) {
		puts(line);
		if (strncmp(line, "{\"ok\":true", 10) == 0)
			return 0;
		if (strncmp(line, "{\"ok\":false", 11) == 0)
			return strstr(line, "\"code\":\"usage\"") ? EXIT_USAGE :
				EXIT_REFUSED;
		return -1;
	}
	/* Done, but not all of it: a script reading stdout must not miss it. */
	if (strncmp(line, "- warning: ", 11) == 0) {
		fprintf(stderr, "irrigctl: %s\n", line + 2);
		return -1;
	}
	if (strncmp(line, "- ", 2) == 0) {
		puts(line + 2);
		return -1;
	}
	if (strcmp(line, "OK") == 0)
		return 0;
	if (strncmp(line, "ERR ", 4) == 0) {
		const char *message = strchr(line + 4, ' ');

		fprintf(stderr, "irrigctl: %s\n", message ? message + 1 : line + 4);
		return strncmp(line + 4, "usage ", 6) == 0 ? EXIT_USAGE : EXIT_REFUSED;
	}
	fprintf(stderr, "irrigctl: unexpected reply from irrigd: %.80s\n", line);
	return EXIT_REFUSED;
}

/* The signal that interrupted a foreground water, or 0. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int signo)
{
	interrupted = signo;
}

/*
 * A foreground water stops when irrigctl is interrupted (Ctrl-C, kill,
 * a closed terminal): the signals are caught, and let through only while
 * irrigctl waits for the reply, so none slips in between a check and the
 * wait.  A second one of the same kind ends irrigctl at once.
 */
static void catch_interrupts(sigset_t *waiting_mask)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_interrupt,
				.sa_flags = SA_RESETHAND };
	sigset_t block;

	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		sigaction(signals[i], &sa, NULL);
		sigaddset(&block, signals[i]);
	}
	sigprocmask(SIG_BLOCK, &block, waiting_mask);
}

/*
 * What read_lines asks of its caller: before each wait, and for each line
 * (NUL-terminated, without its newline), an exit status to end with, or
 * -1 to go on.
 */
struct line_reader {
	bool json;
	const char *closed;	/* what to say when irrigd closes first */
	int (*before_wait)(int fd, struct line_reader *r);
	int (*line)(char *line, struct line_reader *r);
	bool stopping;		/* read_reply: the run's stop was asked */
	bool started;		/* follow_events: the stream began */
};

/*
 * Reads lines from fd until the reader ends it.  waiting_mask, when not
 * NULL, is the signal mask to wait with, so that an interrupt wakes it.
 */
static int read_lines(int fd, const sigset_t *waiting_mask, struct line_reader *r)
{
	char buf[PROTO_LINE_MAX * 4];
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char *start = buf, *nl;
		ssize_t n;
		int status = r->before_wait(fd, r);

		if (status >= 0)
			return status;
		if (ppoll(&p, 1, NULL, waiting_mask) < 0) {
			if (errno == EINTR)
				continue;
			report_error(ERR_UNAVAILABLE, "cannot wait for irrigd: %s",
				     strerror(errno));
			return EXIT_REFUSED;
		}
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			report_error(ERR_UNAVAILABLE, "%s", r->closed);
			return EXIT_REFUSED;
		}
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
			*nl = '\0';
			status = r->line(start, r);
			fflush(stdout);
			if (status >= 0)
				return status;
			start = nl + 1;
		}
		len -= (size_t)(start - buf);
		memmove(buf, start, len);
		if (len == sizeof(buf) - 1) {
			report_error("bad-reply", "reply line too long");
			return EXIT_REFUSED;
		}
	}
}

/* An interrupt ends irrigctl's input, which stops the run (water --stop-at-eof). */
static int reply_before_wait(int fd, struct line_reader *r)
{
	if (interrupted && !r->stopping) {
		fprintf(stderr, "Interrupted: stopping the run\n");
		shutdown(fd, SHUT_WR);
		r->stopping = true;
	}
	return -1;
}

static int reply_line(char *line, struct line_reader *r)
{
	return show_line(line, r->json);
}

/*
 * Reads the reply to its end.  waiting_mask, when not NULL, is the signal
 * mask to wait with: an interrupt then ends irrigctl's input, which stops
 * the run (see water --stop-at-eof), and the reply goes on to the run's end.
 */
static int read_reply(int fd, bool json, const sigset_t *waiting_mask)
{
	struct line_reader r = {
		.json = json,
		.closed = "irrigd closed the connection before answering",
		.before_wait = reply_before_wait,
		.line = reply_line,
		/* Without a waiting mask no interrupt is waited for: none stops. */
		.stopping = waiting_mask == NULL,
	};

	return read_lines(fd, waiting_mask, &r);
}

/* watch: Ctrl-C ends it, with exit status 0, quietly. */
static int events_before_wait(int fd, struct line_reader *r)
{
	(void)fd;
	(void)r;
	return interrupted ? 0 : -1;
}

static int event_line(char *line, struct line_reader *r)
{
	if (!r->started && strncmp(line, "- ", 2) == 0) {
		/* The greeting: for a person, not for a pipe. */
		fprintf(stderr, "%s\n", line + 2);
	} else if (!r->started && r->json &&
		   strncmp(line, "{\"ok\":true", 10) == 0) {
		r->started = true;	/* only events on stdout */
	} else if (!r->started) {
		int status = show_line(line, r->json);

		if (status > 0)
			return status;
		r->started = status == 0;
	} else if (r->json) {
		puts(line);
		if (strncmp(line, "{\"ok\":false", 11) == 0)
			return EXIT_REFUSED;
	} else if (strncmp(line, "- ", 2) == 0) {
		puts(line + 2);
	} else {
		return show_line(line, r->json);	/* dropped: ERR */
	}
	return -1;
}

/*
 * watch: the reply's OK, then one event a line until irrigd drops us or
 * the user interrupts (Ctrl-C: exit 0, quietly).  Text lines lose their
 * "- "; JSON lines print as they come, after the {"ok":true} that
 * started the stream.
 */
static int follow_events(int fd, bool json, const sigset_t *waiting_mask)
{
	struct line_reader r = {
		.json = json,
		.closed = "irrigd closed the connection",
		.before_wait = events_before_wait,
		.line = event_line,
	};

	return read_lines(fd, waiting_mask, &r);
}

int main(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_VERSION };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("IRRIGD_SOCKET");
	char line[PROTO_LINE_MAX + 1], bad_option[128] = "";
	bool json = false, foreground = false, watching;
	sigset_t waiting_mask;
	int c, len, fd, status, err;

	sigemptyset(&waiting_mask);
	if (!path || !*path)
		path = PROTO_DEFAULT_SOCKET;
	/*
	 * "+": options end at the command, so "water 5 --no-wait" passes
	 * through.  A bad option is told once all are read: a --json after it
	 * still asks for the error as JSON.
	 */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_VERSION:
			printf("irrigctl %s\n", IRRIGD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			if (!bad_option[0])
				snprintf(bad_option, sizeof(bad_option), "option %.64s "
					 "needs a value", argv[optind - 1]);
			break;
		default:
			if (!bad_option[0] && optopt)
				snprintf(bad_option, sizeof(bad_option), "unknown option "
					 "-%c", optopt);
			else if (!bad_option[0])
				snprintf(bad_option, sizeof(bad_option), "unknown option "
					 "%.64s", argv[optind - 1]);
			break;
		}
	}
	json_errors = json;
	if (bad_option[0]) {
		report_error(ERR_USAGE, "%s", bad_option);
		if (!json)
			fprintf(stderr, "Try 'irrigctl --help'.\n");
		return EXIT_USAGE;
	}
	if (optind == argc) {
		if (json)
			report_error(ERR_USAGE, "no command given (try: irrigctl --help)");
		else
			usage(stderr);
		return EXIT_USAGE;
	}
	/* metrics --output FILE and --http are irrigctl's: irrigd sees "metrics". */
	if (strcmp(argv[optind], "metrics") == 0 && optind + 1 < argc) {
		const char *opt = argv[optind + 1];

		if (!json && strcmp(opt, "--output") == 0 && optind + 3 == argc)
			return metrics_to_file(path, connect_daemon, argv[optind + 2]);
		if (!json && strcmp(opt, "--http") == 0 && optind + 2 == argc)
			return metrics_http(path, connect_daemon, STDIN_FILENO,
					    STDOUT_FILENO);
		report_error(ERR_USAGE, "usage: metrics [--output FILE | --http]%s",
			     json ? " (not with --json)" : "");
		return EXIT_USAGE;
	}
	len = build_request(argc - optind, argv + optind, json, line, sizeof(line));
	if (len < 0)
		return EXIT_USAGE;
	if (waits_for_run(argc - optind, argv + optind)) {
		static const char stop_at_eof[] = " --stop-at-eof\n";

		if ((size_t)len + sizeof(stop_at_eof) - 2 > PROTO_LINE_MAX) {
			report_error(ERR_TOO_LONG, "command longer than %d bytes",
				     PROTO_LINE_MAX - 1);
			return EXIT_USAGE;
		}
		memcpy(line + len - 1, stop_at_eof, sizeof(stop_at_eof));
		len += (int)sizeof(stop_at_eof) - 2;
		catch_interrupts(&waiting_mask);
		foreground = true;
	}
	watching = strcmp(argv[optind], "watch") == 0 && optind + 1 == argc;
	if (watching)
		catch_interrupts(&waiting_mask);
	fd = connect_daemon(path);
	if (fd < 0)
		return EXIT_NO_DAEMON;
	err = fd_write_all(fd, line, (size_t)len);
	if (err < 0) {
		report_error("unreachable", "cannot send to irrigd: %s", strerror(-err));
		close(fd);
		return EXIT_NO_DAEMON;
	}
	if (watching) {
		status = follow_events(fd, json, &waiting_mask);
		close(fd);
		return status;
	}
	status = read_reply(fd, json, foreground ? &waiting_mask : NULL);
	close(fd);
	if (interrupted) {
		/* Ended by the signal, as the shell that sent it expects. */
		fflush(stdout);
		signal(interrupted, SIG_DFL);
		sigprocmask(SIG_SETMASK, &waiting_mask, NULL);
		raise(interrupted);
		return EXIT_REFUSED;
	}
	return status;
}
