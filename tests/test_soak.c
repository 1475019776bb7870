/*
 * Soak: one irrigd --sim answers 100,000 requests and counts a million
 * flow pulses, and its private memory after the soak is what it was after
 * a warm-up.  Memory is compared on a plain daemon only: under ASan or
 * valgrind the figures are the tool's, so there the comparison is
 * skipped (make check runs this test once more on the plain build, and a
 * third time under valgrind for leaks).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/history.h"
#include "daemon/state.h"
#include "support.h"

#define LINES_PER_CONNECTION 100
#define CONNECTIONS 1000		/* 100,000 requests */
#define WARMUP_CONNECTIONS 20		/* the first 2,000 of them */
#define PULSES_WANTED 1000000ull
/* The soak config: 1000 L/min (the most a zone may draw) at 10,000 pulses
 * a litre is 166,667 pulses a second; 7 s of it is 1.17 million. */
#define FLOW_LPM 1000.0
#define PULSES_PER_LITRE 10000.0
#define BIG_RUN "7s"

static struct test_daemon soak;
static bool warmed_up, soaked;
static long anon_after_warmup_kib = -1;
static char *smaps_after_warmup;
static char version_reply[128], help_reply[4096];
static uint64_t requests_done;

/* Hang guards only, never assertions about speed. */
static int limit_ms(void)
{
	return under_valgrind() ? 600000 : 60000;
}

/* Replaces every old in text (which must hold it) with new. */
static char *replace_all(char *text, const char *old, const char *new)
{
	char *at;
	size_t off = 0;
	int n = 0;

	while ((at = strstr(text + off, old))) {
		char *out = malloc(strlen(text) - strlen(old) + strlen(new) + 1);

		assert_non_null(out);
		sprintf(out, "%.*s%s%s", (int)(at - text), text, new, at + strlen(old));
		off = (size_t)(at - text) + strlen(new);
		free(text);
		text = out;
		n++;
	}
	if (!n)
		fail_msg("etc/irrigd.conf no longer says '%s'", old);
	return text;
}

/*
 * The shipped reference garden, made fast and thirsty: probes that need
 * no settling and ADCs at their fastest (a sensor read takes about 10 ms,
 * not 100), no stop_at (wet soil would end the big run early), and the
 * zone drawing FLOW_LPM through a meter of PULSES_PER_LITRE.
 */
static void write_config(const char *path)
{
	char *text = read_file("etc/irrigd.conf"), num[64];
	FILE *f;

	assert_non_null(text);
	text = replace_all(text, "report_interval = \"60s\";",
			   "report_interval = \"1s\";");
	text = replace_all(text, "settle_ms = 50", "settle_ms = 0");
	text = replace_all(text, "data_rate = 250", "data_rate = 860");
	text = replace_all(text, "stop_at = 75.0;", "");
	snprintf(num, sizeof(num), "flow_lpm = %.1f;", FLOW_LPM);
	text = replace_all(text, "flow_lpm = 20.8;", num);
	/* The garden's ceiling above the soak's thirsty zone. */
	text = replace_all(text, "max_flow_lpm = 30.0;", "max_flow_lpm = 5000.0;");
	snprintf(num, sizeof(num), "pulses_per_litre = %.1f;", PULSES_PER_LITRE);
	text = replace_all(text, "pulses_per_litre = 450.0;", num);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(text);
}

/*
 * A full run history (HISTORY_MAX runs, ten days ago), so that from the
 * start everything whose size follows the history's (the state file's
 * text, history replies of up to 50 runs) is as big as it gets: memory
 * that grew while the history filled would not be a leak.
 */
static void write_full_history(const char *state_dir)
{
	struct history *h = malloc(sizeof(*h));
	time_t start = time(NULL) - 10 * 86400;

	assert_non_null(h);
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
	assert_int_equal(mkdir(state_dir, 0755), 0);
	assert_int_equal(state_save_history(state_dir, h), 0);
	free(h);
}

static void start_daemon(struct test_daemon *d)
{
	test_daemon_prepare(d, "soak");
	write_config(d->config);
	write_full_history(d->state);
	test_daemon_spawn(d, NULL, NULL);
}

static void print_log(const struct test_daemon *d)
{
	char *text = read_file(d->log);

	fprintf(stderr, "irrigd's log:\n%s\n", text ? text : "(none)");
	free(text);
}

static void assert_alive(const struct test_daemon *d)
{
	int status;

	if (waitpid(d->pid, &status, WNOHANG) != 0) {
		print_log(d);
		fail_msg("irrigd died after %" PRIu64 " requests", requests_done);
	}
}

/* Ends of replies in one line: "OK", "ERR ..." or a JSON {"ok":...}. */
static bool is_reply_end(const char *line)
{
	return strncmp(line, "OK\n", 3) == 0 || strncmp(line, "ERR ", 4) == 0 ||
	       strncmp(line, "{\"ok\":", 6) == 0;
}

/*
 * Sends req while reading, until want replies came back; returns what
 * came back, NUL-terminated.  limit_ms() guards against a hang only.
 */
static char *exchange(int fd, const char *req, size_t want)
{
	size_t req_len = strlen(req), sent = 0, len = 0, cap = 65536,
	       replies = 0, scanned = 0;
	char *buf = malloc(cap);
	int64_t end = now_ms() + limit_ms();

	assert_non_null(buf);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (replies < want) {
		struct pollfd p = { fd, POLLIN | (sent < req_len ? POLLOUT : 0), 0 };
		int left = (int)(end - now_ms());

		buf[len] = '\0';
		if (left <= 0 || poll(&p, 1, left) == 0)
			fail_msg("%zu of %zu replies after %d ms (after %" PRIu64
				 " requests); last bytes '%s'", replies, want,
				 limit_ms(), requests_done,
				 len > 200 ? buf + len - 200 : buf);
		if (p.revents & POLLOUT) {
			ssize_t n = send(fd, req + sent, req_len - sent, MSG_NOSIGNAL);

			if (n < 0 && errno != EAGAIN)
				fail_msg("send: %s", strerror(errno));
			if (n > 0)
				sent += (size_t)n;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n;

			if (cap - len < 65536) {
				cap *= 2;
				buf = realloc(buf, cap);
				assert_non_null(buf);
			}
			n = recv(fd, buf + len, cap - len - 1, 0);
			if (n <= 0)
				fail_msg("connection closed after %zu of %zu replies: %s",
					 replies, want, n ? strerror(errno) : "EOF");
			len += (size_t)n;
			buf[len] = '\0';
			while (scanned < len) {
				char *nl = memchr(buf + scanned, '\n', len - scanned);

				if (!nl)
					break;
				if (is_reply_end(buf + scanned))
					replies++;
				scanned = (size_t)(nl - buf) + 1;
			}
		}
	}
	assert_int_equal(sent, req_len);
	buf[len] = '\0';
	return buf;
}

static char *ask(const char *req)
{
	int fd = try_connect(soak.socket);
	char *reply;

	if (fd < 0)
		fail_msg("cannot connect to %s: %s", soak.socket, strerror(errno));
	reply = exchange(fd, req, 1);
	close(fd);
	return reply;
}

/*
 * The requests: line i of connection n, and how its reply ends.  The
 * warm-up's connections hold every kind of request, so the daemon has met
 * them all (and its stack has been as deep as it gets) before memory is
 * taken.
 */
struct soak_request {
	const char *line;
	const char *reply_end;	/* the reply's last line starts so */
};

static const struct soak_request common[] = {
	{ "status", "OK\n" },
	{ "zones", "OK\n" },
	{ "history", "OK\n" },
	{ "flow", "OK\n" },
	{ "version", "OK\n" },
	{ "help", "OK\n" },
	{ "frobnicate", "ERR unknown-command " },
	{ "water 5x", "ERR bad-duration " },
	{ "--json status", "{\"ok\":true" },
	{ "--json history 50", "{\"ok\":true" },
	{ "history 51", "ERR usage " },
	{ "sim", "OK\n" },
	{ "--json flow", "{\"ok\":true" },
	{ "water lawn 5", "ERR unknown-zone " },
};

/*
 * In every HEAVY_EVERY-th connection, at these lines: the requests that
 * read the probes (some 10 ms each) or write a state file.
 */
#define HEAVY_EVERY 4
static const struct soak_request heavy[] = {
	{ "sensors", "OK\n" },			/* reads every probe */
	{ "schedule", "OK\n" },		/* reads them too */
	{ "water 1s --no-wait", "OK\n" },	/* writes the history... */
	{ "stop", "OK\n" },			/* ...and again */
	{ "pause 1h", "OK\n" },			/* writes the rain delay */
	{ "resume", "OK\n" },
	{ "--json sensors", "{\"ok\":true" },
};
#define HEAVY_AT 40	/* lines 40 to 46 */

static const struct soak_request *request_at(int conn, int line)
{
	if (conn % HEAVY_EVERY == 0 && line >= HEAVY_AT &&
	    line < HEAVY_AT + (int)(sizeof(heavy) / sizeof(heavy[0])))
		return &heavy[line - HEAVY_AT];
	return &common[line % (int)(sizeof(common) / sizeof(common[0]))];
}

/* One connection's 100 lines at once; every reply checked. */
static void one_connection(int n)
{
	char req[LINES_PER_CONNECTION * 32], *text, *line;
	size_t used = 0;
	int fd = try_connect(soak.socket), i = 0;

	if (fd < 0)
		fail_msg("connection %d: cannot connect: %s", n, strerror(errno));
	for (int k = 0; k < LINES_PER_CONNECTION; k++)
		used += (size_t)snprintf(req + used, sizeof(req) - used, "%s\n",
					 request_at(n, k)->line);
	text = exchange(fd, req, LINES_PER_CONNECTION);
	close(fd);
	/* The replies in order, each ending as its request's should. */
	for (line = text; *line; line = strchr(line, '\n') + 1) {
		if (!is_reply_end(line))
			continue;
		if (strncmp(line, request_at(n, i)->reply_end,
			    strlen(request_at(n, i)->reply_end)) != 0)
			fail_msg("connection %d, request %d '%s': the reply ends '%.100s', "
				 "wanted '%s'", n, i, request_at(n, i)->line, line,
				 request_at(n, i)->reply_end);
		i++;
	}
	assert_int_equal(i, LINES_PER_CONNECTION);
	/* The unchanging replies do not change. */
	if (!strstr(text, help_reply) || !strstr(text, version_reply))
		fail_msg("connection %d: help or version differ from the first "
			 "connection's", n);
	free(text);
	requests_done += LINES_PER_CONNECTION;
}

/* A watering run, waited for; returns the whole streamed reply. */
static char *water_and_wait(const char *duration)
{
	char req[64], *text;

	snprintf(req, sizeof(req), "water %s\n", duration);
	text = ask(req);
	if (!strstr(text, "- Valve closed\n") || !strstr(text, "- Water used: ") ||
	    !strstr(text, "\nOK\n"))
		fail_msg("water %s: '%s'", duration, text);
	requests_done++;
	return text;
}

/* A number after key in a JSON reply. */
static double json_number(const char *json, const char *key)
{
	const char *at = strstr(json, key);

	if (!at)
		fail_msg("no %s in '%s'", key, json);
	return strtod(at + strlen(key), NULL);
}

/* A /proc file, whose size stat does not tell. */
static char *read_proc(const char *path)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_non_null(buf);
	if (fd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/*
 * The daemon's private memory: the Anonymous kB of every mapping in
 * /proc/PID/smaps (heap, stack, anonymous mmaps: what malloc and the
 * stack use; file-backed pages are not its doing), summed.  The whole
 * smaps text is kept in *smaps (if not NULL) to tell which mapping grew.
 */
static long anon_kib(pid_t pid, char **smaps)
{
	char path[64], *text, *p;
	long sum = 0;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	text = read_proc(path);
	for (p = text; (p = strstr(p, "\nAnonymous:")); p++)
		sum += strtol(p + strlen("\nAnonymous:"), NULL, 10);
	if (smaps)
		*smaps = text;
	else
		free(text);
	return sum;
}

/* Each mapping's first line and its Anonymous kB, where that is not 0. */
static void print_anon_mappings(const char *label, const char *smaps)
{
	const char *p = smaps, *header = smaps;

	fprintf(stderr, "%s:\n", label);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		/* A mapping's first line starts with its address range. */
		if (strchr("0123456789abcdef", *p) && memchr(p, '-', len) &&
		    !memchr(p, ':', len > 12 ? 12 : len))
			header = p;
		if (strncmp(p, "Anonymous:", 10) == 0 && strtol(p + 10, NULL, 10)) {
			const char *hnl = strchr(header, '\n');

			fprintf(stderr, "  %.*s  %.*s\n", (int)(hnl - header), header,
				(int)len, p);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

/*
 * Whose memory /proc/PID shows: the daemon's own, or a tool's around it
 * (ASan's runtime mapped in, valgrind, or qemu-user running an arm64
 * build: make check-cross).  NULL when it is the daemon's own.
 */
static const char *memory_not_measurable(pid_t pid)
{
	char path[64], exe[256] = "", *maps;
	const char *why = NULL;
	ssize_t n;

	if (under_valgrind())
		return "valgrind";
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n > 0)
		exe[n] = '\0';
	if (strstr(exe, "qemu-"))
		return "qemu-user";
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = read_proc(path);
	if (strstr(maps, "libasan") || strstr(maps, "libclang_rt.asan"))
		why = "ASan";
	free(maps);
	return why;
}

static bool memory_is_measurable(void)
{
	return !memory_not_measurable(soak.pid);
}

static int setup(void **state)
{
	int fd;
	char *text;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	start_daemon(&soak);
	fd = try_connect(soak.socket);
	if (fd < 0)
		return -1;
	text = exchange(fd, "version\nhelp\n", 2);
	close(fd);
	/* "- irrigd ...\nOK\n" then the help text. */
	{
		char *ok = strstr(text, "OK\n");

		if (!ok || strncmp(text, "- irrigd ", 9) != 0)
			return -1;
		snprintf(version_reply, sizeof(version_reply), "%.*s",
			 (int)(ok + 3 - text), text);
		snprintf(help_reply, sizeof(help_reply), "%s", ok + 3);
	}
	free(text);
	return strlen(help_reply) > 500 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(smaps_after_warmup);
	if (test_daemon_stop_showing_log(&soak) != 0)
		return -1;
	test_daemon_remove(&soak);
	return 0;
}

/*
 * The warm-up: the first 2,000 requests, every kind of them, with a run
 * (its reports and summary) in the middle.  Then the daemon's memory is
 * taken.  Why requests on both sides of a run: every buffer a request
 * or a run writes is made resident the first time it is written as far as
 * it will ever be (the history's text, the longest reply), and the
 * warm-up does all of that.  No request takes memory from the heap, so
 * nothing lands later on heap pages never touched before (traced with a
 * malloc logger and /proc/PID/pagemap: a schedule's list, the stdio buffer
 * of /proc/self/status and per-request reply buffers did, a page at a
 * time).  With such a warm-up, the soak adds nothing, to the kB.
 */
static void test_warm_up(void **state)
{
	(void)state;
	for (int c = 0; c < WARMUP_CONNECTIONS; c++) {
		if (c == WARMUP_CONNECTIONS / 2)
			free(water_and_wait("2s"));
		one_connection(c);
	}
	assert_alive(&soak);
	if (memory_is_measurable())
		anon_after_warmup_kib = anon_kib(soak.pid, &smaps_after_warmup);
	warmed_up = true;
}

/*
 * 1. A million flow pulses, from a run at 1000 L/min: every one counted,
 * as many as the simulated meter gave.
 */
static void test_a_million_pulses_are_counted(void **state)
{
	char *before, *run, *after, *sim;
	uint64_t pulses_before, pulses_after;
	double litres_model, litres_reported, model_pulses;
	long opens;

	(void)state;
	assert_true(warmed_up);
	before = ask("--json flow\n");
	pulses_before = (uint64_t)json_number(before, "\"pulses\":");
	run = water_and_wait(BIG_RUN);
	after = ask("--json flow\n");
	pulses_after = (uint64_t)json_number(after, "\"pulses\":");
	sim = ask("--json sim\n");
	litres_model = json_number(sim, "\"litres\":");
	model_pulses = litres_model * PULSES_PER_LITRE;
	opens = (long)json_number(sim, "\"opens\":");
	litres_reported = strtod(strstr(run, "Water used: ") + 12, NULL);
	fprintf(stderr, "%" PRIu64 " pulses in the %s run (%.2f L reported); "
		"%" PRIu64 " counted since irrigd started, the model gave %.4f L "
		"(%.0f pulses) over %ld openings of the valve\n",
		pulses_after - pulses_before, BIG_RUN, litres_reported, pulses_after,
		litres_model, model_pulses, opens);
	if (pulses_after - pulses_before < PULSES_WANTED)
		fail_msg("only %" PRIu64 " pulses counted in the %s run at %.0f L/min",
			 pulses_after - pulses_before, BIG_RUN, FLOW_LPM);
	/*
	 * Every pulse the model made is counted.  The model's litres are
	 * continuous, its meter pulses once a whole 0.1 mL has flowed: each
	 * time the valve opened, up to one pulse's worth is left unpulsed
	 * when it closes (and the litres are printed to 0.1 mL: one more).
	 */
	if (fabs((double)pulses_after - model_pulses) > (double)opens + 1.0)
		fail_msg("irrigd counted %" PRIu64 " pulses since it started; the "
			 "simulated meter gave %.4f L = %.0f pulses over %ld "
			 "openings of the valve", pulses_after, litres_model,
			 model_pulses, opens);
	/* The run's summary says the litres of its pulses. */
	assert_true(litres_reported > 0.0);
	if (fabs(litres_reported - (double)(pulses_after - pulses_before) /
		 PULSES_PER_LITRE) > 0.01)
		fail_msg("the run reported %.2f L for %" PRIu64 " pulses",
			 litres_reported, pulses_after - pulses_before);
	free(before);
	free(run);
	free(after);
	free(sim);
	assert_alive(&soak);
}

/* 2. The other 98,000 requests, over 980 connections. */
static void test_a_hundred_thousand_requests(void **state)
{
	int64_t start = now_ms();

	(void)state;
	assert_true(warmed_up);
	/*
	 * Under valgrind, which runs this for leaks only, a tenth: a block
	 * lost per request or per connection shows in 10,000 of them as in
	 * 100,000, and the full soak runs on the ASan and plain builds.
	 */
	int connections = under_valgrind() ? CONNECTIONS / 10 : CONNECTIONS;

	for (int c = WARMUP_CONNECTIONS; c < connections; c++) {
		one_connection(c);
		if (c % 100 == 99)
			assert_alive(&soak);
	}
	fprintf(stderr, "%" PRIu64 " requests answered (%d per connection); the "
		"last %d in %.1f s\n", requests_done, LINES_PER_CONNECTION,
		(connections - WARMUP_CONNECTIONS) * LINES_PER_CONNECTION,
		(double)(now_ms() - start) / 1000.0);
	soaked = true;
}

/* 3. Memory after the soak is memory after the warm-up, to the kB. */
static void test_memory_after_soak_equals_after_warmup(void **state)
{
	char *smaps_after;
	long after;

	(void)state;
	assert_true(soaked);
	assert_alive(&soak);
	if (!memory_is_measurable()) {
		fprintf(stderr, "memory not compared under %s: its figures are the "
			"tool's (make check compares them on the plain build)\n",
			memory_not_measurable(soak.pid));
		skip();
	}
	after = anon_kib(soak.pid, &smaps_after);
	fprintf(stderr, "irrigd's private (anonymous) memory: %ld kB after the "
		"warm-up, %ld kB after the soak\n", anon_after_warmup_kib, after);
	if (after != anon_after_warmup_kib) {
		print_anon_mappings("after the warm-up", smaps_after_warmup);
		print_anon_mappings("after the soak", smaps_after);
		free(smaps_after);
		fail_msg("irrigd's anonymous memory went from %ld kB to %ld kB over "
			 "%" PRIu64 " requests and a million pulses",
			 anon_after_warmup_kib, after, requests_done);
	}
	free(smaps_after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warm_up),
		cmocka_unit_test(test_a_million_pulses_are_counted),
		cmocka_unit_test(test_a_hundred_thousand_requests),
		cmocka_unit_test(test_memory_after_soak_equals_after_warmup),
	};

	return cmocka_run_group_tests_name("soak", tests, setup, teardown);
}
