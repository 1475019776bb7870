/* irrigctl: sends its command line to irrigd and prints the reply. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
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
#include "daemon/config.h"

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
		"Commands:\n", CONFIG_DEFAULT_SOCKET);
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
	char message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (!json_errors) {
		fprintf(stderr, "irrigctl: %s\n", message);
		return;
	}
	printf("{\"ok\":false,\"error\":{\"code\":\"%s\",\"message\":\"", code);
	for (const unsigned char *c = (const unsigned char *)message; *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c == '\n')
			printf("\\n");
		else if (*c < 0x20)
			printf("\\u%04x", *c);
		else
			putchar(*c);
	}
	printf("\"}}\n");
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

static int send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
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

static int read_reply(int fd, bool json)
{
	char buf[PROTO_LINE_MAX * 4];
	size_t len = 0;

	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		char *start = buf, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			report_error(ERR_UNAVAILABLE, "irrigd closed the connection "
				     "before answering");
			return EXIT_REFUSED;
		}
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
			int status;

			*nl = '\0';
			status = show_line(start, json);
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
	bool json = false;
	int c, len, fd, status, err;

	if (!path || !*path)
		path = CONFIG_DEFAULT_SOCKET;
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
	len = build_request(argc - optind, argv + optind, json, line, sizeof(line));
	if (len < 0)
		return EXIT_USAGE;
	fd = connect_daemon(path);
	if (fd < 0)
		return EXIT_NO_DAEMON;
	err = send_all(fd, line, (size_t)len);
	if (err < 0) {
		report_error("unreachable", "cannot send to irrigd: %s", strerror(-err));
		close(fd);
		return EXIT_NO_DAEMON;
	}
	status = read_reply(fd, json);
	close(fd);
	return status;
}
