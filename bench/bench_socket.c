/* Benchmark client for irrigd's control socket: latency, throughput, whole commands, start-up, soak. */
/*
 * One program with a mode per figure, so bench/run measures from outside
 * the daemon with no tool but this: process start-up is measured only
 * where it is the point (the cmd and startup modes).  Every mode prints
 * key=value lines on stdout for bench/run to pick up, and exits non-zero
 * only when it could not measure (no daemon, a reply that never came), never
 * for a slow figure.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/history.h"
#include "core/nsec.h"
#include "daemon/state.h"

/* A hang guard for every wait: the suite must end even if irrigd hangs. */
#define HANG_MS 120000

static const char *prog = "bench_socket";

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ns_of_timespec(&ts);
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static int try_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

static int connect_or_die(const char *path)
{
	int fd = try_connect(path);

	if (fd < 0)
		die("cannot connect to %s: %s", path, strerror(errno));
	return fd;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of n sorted values, nearest rank. */
static uint64_t quantile(const uint64_t *v, size_t n, double q)
{
	size_t i = (size_t)(q * (double)n);

	return v[i >= n ? n - 1 : i];
}

/*
 * A connection's reply reader.  A reply ends with a line "OK", "ERR ..."
 * or, with --json, a line {"ok":...} (doc/protocol.md).
 */
struct conn {
	int fd;
	char buf[65536];
	size_t len, scanned;
};

static bool is_reply_end(const char *line)
{
	return strncmp(line, "OK\n", 3) == 0 || strncmp(line, "ERR ", 4) == 0 ||
	       strncmp(line, "{\"ok\":", 6) == 0;
}

/*
 * Consumes whole lines in c->buf; returns how many replies ended in them
 * and keeps the last reply-ending line in last (if not NULL).
 */
static int scan_replies(struct conn *c, char *last, size_t last_size)
{
	int replies = 0;
	size_t start = 0;

	for (;;) {
		char *nl = memchr(c->buf + start, '\n', c->len - start);

		if (!nl)
			break;
		if (is_reply_end(c->buf + start)) {
			replies++;
			if (last)
				snprintf(last, last_size, "%.*s",
					 (int)(nl - (c->buf + start)), c->buf + start);
		}
		start = (size_t)(nl - c->buf) + 1;
	}
	memmove(c->buf, c->buf + start, c->len - start);
	c->len -= start;
	return replies;
}

/* Reads until one reply has ended; blocking, with the hang guard. */
static void read_reply(struct conn *c, char *last, size_t last_size)
{
	for (;;) {
		struct pollfd p = { c->fd, POLLIN, 0 };
		ssize_t n;

		if (scan_replies(c, last, last_size) > 0)
			return;
		if (poll(&p, 1, HANG_MS) <= 0)
			die("no reply in %d ms", HANG_MS);
		if (c->len == sizeof(c->buf))
			die("a reply line longer than %zu bytes", sizeof(c->buf));
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n <= 0)
			die("connection closed: %s", n ? strerror(errno) : "EOF");
		c->len += (size_t)n;
	}
}

static void send_all(int fd, const char *s)
{
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t n = send(fd, s + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno != EINTR)
			die("send: %s", strerror(errno));
		if (n > 0)
			off += (size_t)n;
	}
}

/* One request, its whole reply; the reply's last line in last. */
static void request(struct conn *c, const char *line, char *last,
		    size_t last_size)
{
	send_all(c->fd, line);
	read_reply(c, last, last_size);
}

/* latency SOCK [N [REQUEST]]: N sequential requests ("status") on one connection. */
static int mode_latency(int argc, char **argv)
{
	struct conn *c = calloc(1, sizeof(*c));
	long n = argc > 3 ? atol(argv[3]) : 10000;
	uint64_t *t, total, start_all;
	char line[256];

	if (argc < 3 || n <= 0 || !c)
		die("usage: latency SOCKET [N [REQUEST]]");
	snprintf(line, sizeof(line), "%s\n", argc > 4 ? argv[4] : "status");
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		die("no memory");
	c->fd = connect_or_die(argv[2]);
	/*
	 * A warm-up, so the first requests' page faults are not the figure;
	 * short for a few slow requests (sensors: some 80 ms each).
	 */
	for (int i = 0; i < (n >= 1000 ? 100 : 2); i++)
		request(c, line, NULL, 0);
	start_all = now_ns();
	for (long i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		char last[256];

		request(c, line, last, sizeof(last));
		t[i] = now_ns() - t0;
		if (strcmp(last, "OK") != 0)
			die("%.*s replied '%s'", (int)strlen(line) - 1, line, last);
	}
	total = now_ns() - start_all;
	qsort(t, (size_t)n, sizeof(*t), cmp_u64);
	printf("requests=%ld\nmedian_us=%.1f\np99_us=%.1f\nmax_us=%.1f\n"
	       "mean_us=%.1f\nrps=%.0f\n", n, quantile(t, (size_t)n, 0.5) / 1e3,
	       quantile(t, (size_t)n, 0.99) / 1e3, t[n - 1] / 1e3,
	       (double)total / (double)n / 1e3, (double)n * 1e9 / (double)total);
	close(c->fd);
	free(t);
	free(c);
	return 0;
}

/*
 * held SOCK SECONDS REQUEST: how long the daemon's loop keeps a ready
 * request waiting while another client asks REQUEST over and over (a
 * `sensors`, a `schedule`, a `water` run): one connection sends `version`
 * back to back and times each reply.  Its slowest reply bounds the
 * longest callback the loop ran meanwhile, plus one round trip.
 */
static int mode_held(int argc, char **argv)
{
	struct conn *probe = calloc(1, sizeof(*probe)),
		*load = calloc(1, sizeof(*load));
	size_t cap = 1 << 20, n = 0;
	uint64_t *t = calloc(cap, sizeof(*t)), end, sent;
	char line[256];
	long loads = 0;

	if (argc < 5 || !probe || !load || !t)
		die("usage: held SOCKET SECONDS REQUEST");
	snprintf(line, sizeof(line), "%s\n", argv[4]);
	probe->fd = connect_or_die(argv[2]);
	load->fd = connect_or_die(argv[2]);
	end = now_ns() + (uint64_t)atol(argv[3]) * NS_PER_S;
	send_all(load->fd, line);
	send_all(probe->fd, "version\n");
	sent = now_ns();
	while (now_ns() < end) {
		struct pollfd p[2] = { { probe->fd, POLLIN, 0 }, { load->fd, POLLIN, 0 } };
		struct conn *c[2] = { probe, load };

		if (poll(p, 2, HANG_MS) <= 0)
			die("no reply in %d ms", HANG_MS);
		for (int i = 0; i < 2; i++) {
			ssize_t got;
			int replies;

			if (!(p[i].revents & POLLIN))
				continue;
			got = recv(c[i]->fd, c[i]->buf + c[i]->len,
				   sizeof(c[i]->buf) - c[i]->len, 0);
			if (got <= 0)
				die("connection closed");
			c[i]->len += (size_t)got;
			replies = scan_replies(c[i], NULL, 0);
			if (!replies)
				continue;
			if (i == 1) {
				loads += replies;
				send_all(load->fd, line);
				continue;
			}
			if (n < cap)
				t[n++] = now_ns() - sent;
			send_all(probe->fd, "version\n");
			sent = now_ns();
		}
	}
	if (!n || !loads)
		die("nothing measured (%zu probes, %ld %s)", n, loads, argv[4]);
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("probes=%zu\nloads=%ld\nmedian_us=%.1f\np99_us=%.1f\nmax_us=%.1f\n",
	       n, loads, quantile(t, n, 0.5) / 1e3, quantile(t, n, 0.99) / 1e3,
	       t[n - 1] / 1e3);
	close(probe->fd);
	close(load->fd);
	free(t);
	free(probe);
	free(load);
	return 0;
}

/*
 * throughput SOCK CLIENTS SECONDS: CLIENTS connections, each with one
 * "status" outstanding at a time (a client waits for its reply before the
 * next request), driven from one poll loop; replies per second over the
 * window.  One process, so the client side costs one core at most.
 */
static int mode_throughput(int argc, char **argv)
{
	int clients = argc > 3 ? atoi(argv[3]) : 1;
	double seconds = argc > 4 ? atof(argv[4]) : 2.0;
	struct conn *c;
	struct pollfd *p;
	uint64_t done = 0, start, end;

	if (argc < 4 || clients <= 0 || seconds <= 0)
		die("usage: throughput SOCKET CLIENTS [SECONDS]");
	c = calloc((size_t)clients, sizeof(*c));
	p = calloc((size_t)clients, sizeof(*p));
	if (!c || !p)
		die("no memory");
	for (int i = 0; i < clients; i++) {
		c[i].fd = connect_or_die(argv[2]);
		p[i].fd = c[i].fd;
		p[i].events = POLLIN;
	}
	start = now_ns();
	end = start + (uint64_t)(seconds * 1e9);
	for (int i = 0; i < clients; i++)
		send_all(c[i].fd, "status\n");
	while (now_ns() < end) {
		int r = poll(p, (nfds_t)clients, HANG_MS);

		if (r <= 0)
			die("no reply in %d ms", HANG_MS);
		for (int i = 0; i < clients; i++) {
			ssize_t n;
			int got;

			if (!p[i].revents)
				continue;
			n = recv(c[i].fd, c[i].buf + c[i].len,
				 sizeof(c[i].buf) - c[i].len, 0);
			if (n <= 0)
				die("connection closed: %s", n ? strerror(errno) : "EOF");
			c[i].len += (size_t)n;
			got = scan_replies(&c[i], NULL, 0);
			done += (uint64_t)got;
			if (got)
				send_all(c[i].fd, "status\n");
		}
	}
	end = now_ns();
	printf("clients=%d\nreplies=%" PRIu64 "\nrps=%.0f\n", clients, done,
	       (double)done * 1e9 / (double)(end - start));
	for (int i = 0; i < clients; i++)
		close(c[i].fd);
	free(c);
	free(p);
	return 0;
}

/* Runs argv (stdout and stderr to /dev/null); its wall time in ns. */
static uint64_t time_command(char **argv)
{
	uint64_t t0 = now_ns();
	pid_t pid = fork();
	int status;

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s exited with status %d", argv[0], status);
	return now_ns() - t0;
}

/* cmd N PROGRAM ARG...: the median wall time of N runs, fork to reaped. */
static int mode_cmd(int argc, char **argv)
{
	long n = argc > 3 ? atol(argv[2]) : 0;
	uint64_t *t;

	if (argc < 4 || n <= 0)
		die("usage: cmd N PROGRAM [ARG...]");
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		die("no memory");
	for (int i = 0; i < 5; i++)	/* page cache and dynamic loader warm */
		time_command(argv + 3);
	for (long i = 0; i < n; i++)
		t[i] = time_command(argv + 3);
	qsort(t, (size_t)n, sizeof(*t), cmp_u64);
	printf("runs=%ld\nmedian_us=%.0f\np90_us=%.0f\nmin_us=%.0f\n", n,
	       quantile(t, (size_t)n, 0.5) / 1e3, quantile(t, (size_t)n, 0.9) / 1e3,
	       t[0] / 1e3);
	free(t);
	return 0;
}

/*
 * startup N SOCKET IRRIGD ARG...: N times, exec irrigd and time until its
 * socket answers a request ("version" gets its OK), polling every 100 µs
 * (so the figure is at most 0.1 ms late); then SIGTERM and reap it.  The
 * socket path is unlinked first, so a connect can only reach the new one.
 */
static int mode_startup(int argc, char **argv)
{
	long n = argc > 4 ? atol(argv[2]) : 0;
	const char *sock = argc > 4 ? argv[3] : "";
	uint64_t *t;

	if (argc < 5 || n <= 0)
		die("usage: startup N SOCKET IRRIGD [ARG...]");
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		die("no memory");
	for (long i = -1; i < n; i++) {		/* one unmeasured warm start */
		struct conn *c = calloc(1, sizeof(*c));
		char last[256];
		uint64_t t0;
		pid_t pid;
		int status;

		if (!c)
			die("no memory");
		unlink(sock);
		t0 = now_ns();
		pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			execv(argv[4], argv + 4);
			_exit(127);
		}
		while ((c->fd = try_connect(sock)) < 0) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				die("%s exited (status %d) before its socket answered",
				    argv[4], status);
			if (now_ns() - t0 > (uint64_t)HANG_MS * NS_PER_MS)
				die("no socket after %d ms", HANG_MS);
			sleep_us(100);
		}
		request(c, "version\n", last, sizeof(last));
		if (i >= 0)
			t[i] = now_ns() - t0;
		if (strcmp(last, "OK") != 0)
			die("version replied '%s'", last);
		close(c->fd);
		free(c);
		kill(pid, SIGTERM);
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid: %s", strerror(errno));
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_u64);
	printf("starts=%ld\nmedian_ms=%.2f\nmin_ms=%.2f\nmax_ms=%.2f\n", n,
	       quantile(t, (size_t)n, 0.5) / 1e6, t[0] / 1e6, t[n - 1] / 1e6);
	free(t);
	return 0;
}

/*
 * The request mix of the soak and of the profile: every kind of cheap
 * request, and (in every HEAVY_EVERY-th batch) the ones that read probes
 * or write state files, as tests/test_soak.c does.
 */
static const char *const common[] = {
	"status", "zones", "history", "flow", "version", "help", "frobnicate",
	"water 5x", "--json status", "--json history 50", "history 51", "sim",
	"--json flow", "water lawn 5",
};
#define N_COMMON (sizeof(common) / sizeof(common[0]))
static const char *const heavy[] = {
	"sensors", "schedule", "water 1s --no-wait", "stop", "pause 1h",
	"resume", "--json sensors",
};
#define N_HEAVY (sizeof(heavy) / sizeof(heavy[0]))
#define BATCH 100
#define HEAVY_EVERY 4
#define HEAVY_AT 40

static const char *request_at(long batch, int line, bool with_heavy)
{
	if (with_heavy && batch % HEAVY_EVERY == 0 && line >= HEAVY_AT &&
	    line < HEAVY_AT + (int)N_HEAVY)
		return heavy[line - HEAVY_AT];
	return common[(size_t)line % N_COMMON];
}

/*
 * Batches of BATCH requests, each batch on a new connection, sent at once
 * (pipelined) and every reply awaited.
 */
static void run_batches(const char *sock, long first, long batches,
			bool with_heavy)
{
	static char req[BATCH * 32];

	for (long b = first; b < first + batches; b++) {
		struct conn *c = calloc(1, sizeof(*c));
		size_t used = 0;
		int replies = 0;

		if (!c)
			die("no memory");
		for (int k = 0; k < BATCH; k++)
			used += (size_t)snprintf(req + used, sizeof(req) - used,
						 "%s\n", request_at(b, k, with_heavy));
		c->fd = connect_or_die(sock);
		send_all(c->fd, req);
		while (replies < BATCH) {
			struct pollfd p = { c->fd, POLLIN, 0 };
			ssize_t n;

			if (poll(&p, 1, HANG_MS) <= 0)
				die("batch %ld: %d of %d replies in %d ms", b, replies,
				    BATCH, HANG_MS);
			n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
			if (n <= 0)
				die("batch %ld: connection closed after %d replies", b,
				    replies);
			c->len += (size_t)n;
			replies += scan_replies(c, NULL, 0);
		}
		close(c->fd);
		free(c);
	}
}

/* The Anonymous kB of every mapping in /proc/PID/smaps, summed. */
static long anon_kib(pid_t pid)
{
	char path[64], line[512];
	long sum = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Anonymous:", 10) == 0)
			sum += strtol(line + 10, NULL, 10);
	fclose(f);
	return sum;
}

/* A number after key in text, or -1. */
static double number_after(const char *text, const char *key)
{
	const char *at = strstr(text, key);

	return at ? strtod(at + strlen(key), NULL) : -1.0;
}

/* One request; its whole reply text (every line) in out. */
static void ask(const char *sock, const char *line, char *out, size_t size)
{
	struct conn *c = calloc(1, sizeof(*c));
	size_t used = 0;

	if (!c)
		die("no memory");
	c->fd = connect_or_die(sock);
	send_all(c->fd, line);
	out[0] = '\0';
	for (;;) {
		struct pollfd p = { c->fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, HANG_MS) <= 0)
			die("'%.*s': no reply in %d ms", (int)strlen(line) - 1, line,
			    HANG_MS);
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len - 1, 0);
		if (n <= 0)
			die("'%.*s': connection closed", (int)strlen(line) - 1, line);
		c->buf[c->len + (size_t)n] = '\0';
		used += (size_t)snprintf(out + used, size > used ? size - used : 0,
					 "%s", c->buf + c->len);
		c->len += (size_t)n;
		if (scan_replies(c, NULL, 0))
			break;
	}
	close(c->fd);
	free(c);
}

static uint64_t pulses_counted(const char *sock)
{
	char reply[4096];

	ask(sock, "--json flow\n", reply, sizeof(reply));
	return (uint64_t)number_after(reply, "\"pulses\":");
}

/*
 * soak SOCKET PID RUN: warm-up (2,000 requests, a 2 s run in the middle),
 * private memory taken; then a watering run of RUN (the config makes it a
 * million pulses or more) and 98,000 more requests; private memory again.
 * The daemon must be irrigd with a thirsty zone, as bench/run sets it up.
 */
static int mode_soak(int argc, char **argv)
{
	const char *sock = argc > 4 ? argv[2] : "";
	pid_t pid = argc > 4 ? (pid_t)atol(argv[3]) : 0;
	char reply[65536], req[64];
	long warm, after;
	uint64_t p0, p1, t0;

	if (argc < 5 || pid <= 0)
		die("usage: soak SOCKET PID RUN");
	run_batches(sock, 0, 10, true);
	ask(sock, "water 2s\n", reply, sizeof(reply));
	run_batches(sock, 10, 10, true);
	warm = anon_kib(pid);
	t0 = now_ns();
	p0 = pulses_counted(sock);
	snprintf(req, sizeof(req), "water %s\n", argv[4]);
	ask(sock, req, reply, sizeof(reply));
	if (!strstr(reply, "- Valve closed\n"))
		die("water %s: '%s'", argv[4], reply);
	p1 = pulses_counted(sock);
	run_batches(sock, 20, 980, true);
	after = anon_kib(pid);
	printf("anon_warm_kib=%ld\nanon_after_kib=%ld\nrequests=%d\npulses=%" PRIu64
	       "\nseconds=%.1f\n", warm, after, 100000 + 4, p1 - p0,
	       (double)(now_ns() - t0) / 1e9);
	return 0;
}

/* workload SOCKET BATCHES: the fixed, cheap request mix, for the profile. */
static int mode_workload(int argc, char **argv)
{
	long batches = argc > 3 ? atol(argv[3]) : 20;

	if (argc < 3 || batches <= 0)
		die("usage: workload SOCKET [BATCHES]");
	run_batches(argv[2], 0, batches, false);
	printf("requests=%ld\n", batches * BATCH);
	return 0;
}

/*
 * history STATE_DIR: makes STATE_DIR with a full run history (HISTORY_MAX
 * runs, ten days ago), so that everything whose size follows the
 * history's is as big as it gets from the start, as tests/test_soak.c
 * does: memory that grew while the history filled would not be a leak.
 */
static int mode_history(int argc, char **argv)
{
	struct history *h = malloc(sizeof(*h));
	time_t start = time(NULL) - 10 * 86400;

	if (argc < 3 || !h)
		die("usage: history STATE_DIR");
	history_init(h);
	for (int i = 0; i < HISTORY_MAX; i++) {
		struct history_entry e = {
			.started = start + i * 60, .source = "manual",
			.zone = "garden", .planned_s = 60, .actual_s = 60,
			.litres = 1000.0, .moisture_start = 40.0,
			.moisture_end = 55.0, .outcome = RUN_COMPLETED,
		};

		history_add(h, &e);
	}
	if (mkdir(argv[2], 0755) < 0 && errno != EEXIST)
		die("%s: %s", argv[2], strerror(errno));
	if (state_save_history(argv[2], h) < 0)
		die("cannot write the history in %s", argv[2]);
	free(h);
	return 0;
}

/* wait SOCKET MS: until the socket answers "version", or fail after MS. */
static int mode_wait(int argc, char **argv)
{
	long ms = argc > 3 ? atol(argv[3]) : 10000;
	uint64_t end = now_ns() + (uint64_t)ms * NS_PER_MS;
	char reply[4096];
	int fd;

	if (argc < 3)
		die("usage: wait SOCKET [MS]");
	while ((fd = try_connect(argv[2])) < 0) {
		if (now_ns() > end)
			die("%s did not answer in %ld ms", argv[2], ms);
		sleep_us(10000);
	}
	close(fd);
	ask(argv[2], "version\n", reply, sizeof(reply));
	return 0;
}

/* ask SOCKET LINE: one request, its reply printed. */
static int mode_ask(int argc, char **argv)
{
	char reply[65536], line[1024];

	if (argc < 4)
		die("usage: ask SOCKET LINE");
	snprintf(line, sizeof(line), "%s\n", argv[3]);
	ask(argv[2], line, reply, sizeof(reply));
	fputs(reply, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} modes[] = {
		{ "latency", mode_latency }, { "throughput", mode_throughput },
		{ "cmd", mode_cmd }, { "startup", mode_startup },
		{ "soak", mode_soak }, { "workload", mode_workload },
		{ "wait", mode_wait }, { "ask", mode_ask },
		{ "history", mode_history }, { "held", mode_held },
	};

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[1], modes[i].name) == 0)
			return modes[i].run(argc, argv);
	fprintf(stderr, "usage: %s latency|throughput|cmd|startup|soak|workload|"
		"wait|ask|history|held ...\n", prog);
	return 2;
}
