/* irrigctl metrics end to end: the exposition promtool accepts, its figures against the history, the read-only socket, --output and --http. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/promtext.h"
#include "core/proto.h"
#include "support.h"

/* Faults show within seconds: settle 1 s, alarm_delay 2 s. */
static const char config[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  adcs = ( { address = 0x48; } ); flow_meter = { line = \"GPIO17\"; }; };\n"
	"safety = { settle = \"1s\"; alarm_delay = \"2s\"; leak_lpm = 1.0; };\n"
	"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
	"    flow_lpm = 12.0; },\n"
	"  { name = \"lawn\"; valve = { expander = 0x20; pin = 1; };\n"
	"    flow_lpm = 25.0; } );\n"
	"sensors = { soil = (\n"
	"  { name = \"p1\"; adc = 0x48; channel = 0; zone = \"bed\";\n"
	"    dry_volts = 2.8; wet_volts = 1.3; } );\n"
	"  light = { adc = 0x48; channel = 1; dark_volts = 0.0; bright_volts = 3.3; };\n"
	"  temperature = { adc = 0x48; channel = 2; conversion = \"tmp36\"; }; };\n"
	"programs = ( { name = \"morning\"; start = [\"06:00\"];\n"
	"    zones = ( { zone = \"lawn\"; duration = \"5m\"; } ); } );\n"
	"report_interval = \"1s\";\n"
	"wait_for_clock_sync = false;\n";

static void start(struct test_daemon *d)
{
	test_daemon_prepare(d, "metrics");
	snprintf(d->ro_socket, sizeof(d->ro_socket), "%s/ro.sock", d->dir);
	test_daemon_write_config(d, config);
	test_daemon_spawn(d, NULL, NULL);
}

static void finish(struct test_daemon *d)
{
	assert_int_equal(test_daemon_stop_showing_log(d), 0);
	test_daemon_remove(d);
}

/* irrigctl -s socket ARGS...: its status; stdout in *out, stderr appended. */
static int ctl(const char *socket, char **out, ...)
{
	const char *args[8] = { NULL };
	char *o, *e;
	va_list ap;
	int n = 0, status;

	va_start(ap, out);
	while (n < 7 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	status = test_irrigctl(socket, &o, &e, args[0], args[1], args[2], args[3],
			       args[4], args[5], args[6], NULL);
	if (out) {
		*out = malloc(strlen(o) + strlen(e) + 1);
		assert_non_null(*out);
		strcpy(*out, o);
		strcat(*out, e);
	}
	free(o);
	free(e);
	return status;
}

/* The value of the sample called series ("name{labels}") in text; NAN when absent. */
static double value(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *line = text; line && *line; line = strchr(line, '\n'),
	     line = line ? line + 1 : NULL)
		if (strncmp(line, series, n) == 0 && line[n] == ' ')
			return strtod(line + n + 1, NULL);
	return NAN;
}

/*
 * Not inlined: inlined, gcc 12 for arm64 takes the returned text for a
 * pointer to this function's variable (-Wdangling-pointer, a false alarm).
 */
__attribute__((noinline)) static char *metrics(const struct test_daemon *d)
{
	char *text;

	assert_int_equal(ctl(d->ro_socket, &text, "metrics", NULL), 0);
	return text;
}

/* promtool check metrics, Debian's prometheus package: silent when it passes. */
static void promtool_accepts(const struct test_daemon *d, const char *text)
{
	char path[192], cmd[512], *report;
	FILE *f;
	int status;

	snprintf(path, sizeof(path), "%s/metrics.prom", d->dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "promtool check metrics <%s >%s.out 2>&1", path, path);
	status = system(cmd);
	snprintf(cmd, sizeof(cmd), "%s.out", path);
	report = read_file(cmd);
	if (status != 0)
		fail_msg("promtool check metrics (status %d; is Debian's prometheus "
			 "package installed?  scripts/install-deps --test):\n%s\n"
			 "on:\n%s", status, report ? report : "", text);
	free(report);
}

/* The litres of zone's newest run, from history --json. */
static double history_litres(const struct test_daemon *d, const char *zone)
{
	char *text, needle[64];
	const char *at;
	double litres = NAN;

	assert_int_equal(ctl(d->socket, &text, "--json", "history", NULL), 0);
	snprintf(needle, sizeof(needle), "\"zone\":\"%s\"", zone);
	at = strstr(text, needle);
	if (at && (at = strstr(at, "\"litres\":")))
		litres = strtod(at + 9, NULL);
	free(text);
	return litres;
}

static void wait_for(const char *socket, const char *needle, ...)
{
	const char *args[4] = { NULL };
	va_list ap;
	int n = 0;

	va_start(ap, needle);
	while (n < 3 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	for (int i = 0; i < (under_valgrind() ? 600 : 150); i++) {
		char *text;
		bool found;

		ctl(socket, &text, args[0], args[1], args[2], NULL);
		found = strstr(text, needle) != NULL;
		free(text);
		if (found)
			return;
		sleep_ms(100);
	}
	fail_msg("irrigctl %s never said '%s'", args[0], needle);
}

/*
 * What a gardener would check on a dashboard: the litres are the
 * history's, the valve is 1 while its zone waters, a stop and a leak
 * show, and promtool takes the text at every step.
 */
static void test_figures_after_watering_and_a_fault(void **state)
{
	struct test_daemon d = { 0 };
	char *text, *before;
	double bed, lawn, lawn_then;

	(void)state;
	start(&d);
	text = metrics(&d);
	promtool_accepts(&d, text);
	assert_non_null(strstr(text, "irrigd_build_info{version=\"" IRRIGD_VERSION "\""));
	assert_true(value(text, "irrigd_zone_water_litres_total{zone=\"bed\"}") == 0.0);
	assert_true(value(text, "irrigd_zone_valve_open{zone=\"bed\"}") == 0.0);
	assert_true(value(text, "irrigd_faults_latched") == 0.0);
	assert_true(value(text, "irrigd_next_run_timestamp_seconds{program=\"morning\"}") >
		    (double)time(NULL));
	free(text);

	/* A run to its end, in the foreground. */
	assert_int_equal(ctl(d.socket, NULL, "water", "bed", "3s", NULL), 0);
	text = metrics(&d);
	promtool_accepts(&d, text);
	bed = value(text, "irrigd_zone_water_litres_total{zone=\"bed\"}");
	if (!(bed > 0.2) || fabs(bed - history_litres(&d, "bed")) > 0.002)
		fail_msg("bed: %g litres in the metrics, %g in the history", bed,
			 history_litres(&d, "bed"));
	assert_true(value(text, "irrigd_zone_runs_total{zone=\"bed\",outcome=\"completed\"}") == 1.0);
	assert_true(value(text, "irrigd_zone_watering_seconds_total{zone=\"bed\"}") >= 3.0);
	assert_true(value(text, "irrigd_zone_valve_open{zone=\"bed\"}") == 0.0);
	free(text);

	/* While the lawn waters: its valve 1, its litres growing. */
	assert_int_equal(ctl(d.socket, NULL, "water", "lawn", "10m", "--no-wait", NULL), 0);
	sleep_ms(1500);
	before = metrics(&d);
	sleep_ms(1500);
	text = metrics(&d);
	promtool_accepts(&d, text);
	assert_true(value(text, "irrigd_zone_valve_open{zone=\"lawn\"}") == 1.0);
	assert_true(value(text, "irrigd_zone_valve_open{zone=\"bed\"}") == 0.0);
	lawn_then = value(before, "irrigd_zone_water_litres_total{zone=\"lawn\"}");
	lawn = value(text, "irrigd_zone_water_litres_total{zone=\"lawn\"}");
	if (!(lawn > lawn_then))
		fail_msg("the lawn's litres did not grow while it watered: %g then %g",
			 lawn_then, lawn);
	assert_true(value(text, "irrigd_flow_litres_per_second") > 0.0);
	free(before);
	free(text);
	assert_int_equal(ctl(d.socket, NULL, "stop", NULL), 0);
	wait_for(d.socket, "Idle", "status", NULL);
	text = metrics(&d);
	lawn = value(text, "irrigd_zone_water_litres_total{zone=\"lawn\"}");
	if (!(lawn >= lawn_then) || fabs(lawn - history_litres(&d, "lawn")) > 0.002)
		fail_msg("lawn: %g litres in the metrics (%g while it watered), %g in "
			 "the history", lawn, lawn_then, history_litres(&d, "lawn"));
	assert_true(value(text, "irrigd_zone_runs_total{zone=\"lawn\",outcome=\"stopped\"}") == 1.0);
	assert_true(value(text, "irrigd_zone_valve_open{zone=\"lawn\"}") == 0.0);
	/* The meter counted both runs. */
	assert_true(fabs(value(text, "irrigd_flow_litres_total") - lawn - bed) < 0.01);
	free(text);

	/* A leak with every valve closed: a latched fault of the garden. */
	assert_int_equal(ctl(d.socket, NULL, "sim", "leak", "3", NULL), 0);
	wait_for(d.socket, "leak", "faults", NULL);
	assert_int_equal(ctl(d.socket, NULL, "sim", "leak", "0", NULL), 0);
	text = metrics(&d);
	promtool_accepts(&d, text);
	assert_true(value(text, "irrigd_fault_latched{kind=\"leak\",zone=\"\"}") == 1.0);
	assert_true(value(text, "irrigd_faults_latched") == 1.0);
	assert_true(value(text, "irrigd_zone_faulted{zone=\"bed\"}") == 1.0);
	assert_true(value(text, "irrigd_fault_raised_timestamp_seconds{kind=\"leak\",zone=\"\"}") <=
		    (double)time(NULL));
	free(text);
	/* Cleared: its series goes. */
	assert_int_equal(ctl(d.socket, NULL, "clear", NULL), 0);
	text = metrics(&d);
	assert_true(isnan(value(text, "irrigd_fault_latched{kind=\"leak\",zone=\"\"}")));
	assert_true(value(text, "irrigd_faults_latched") == 0.0);
	free(text);
	finish(&d);
}

/* Arguments that would be good ones, so that only the socket can refuse them. */
static const char *good_args(const char *name)
{
	static const struct { const char *name, *args; } table[] = {
		{ "water", " bed 1m --no-wait" }, { "pause", " 1d" },
		{ "learn", " bed" }, { "program", " morning disable" },
		{ "sim", " leak 5" }, { "clear", " bed" }, { "rain", " 12mm" },
		{ "run", " morning --no-wait" },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].args;
	return "";
}

/* Sends line on a new connection to path; the reply's last line (OK or ERR ...). */
static void ask(const char *path, const char *line, char *last, size_t size)
{
	char buf[65536];
	size_t len = 0;
	int fd = try_connect(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	last[0] = '\0';
	while (len < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		char *end, *start;

		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		/* The reply ends at its OK or ERR line (watch's OK starts its stream). */
		end = strrchr(buf, '\n');
		if (!end)
			continue;
		*end = '\0';
		start = strrchr(buf, '\n');
		start = start ? start + 1 : buf;
		*end = '\n';
		for (char *l = buf; l && l <= end; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
			if (strncmp(l, "OK\n", 3) == 0 || strncmp(l, "ERR ", 4) == 0) {
				snprintf(last, size, "%.*s", (int)strcspn(l, "\n"), l);
				close(fd);
				return;
			}
		(void)start;
	}
	close(fd);
	fail_msg("%s: no OK or ERR in the reply:\n%s", line, buf);
}

/*
 * Every command of the table on the read-only socket: those that change
 * something refused, and nothing changed; every other one answered.
 */
static void test_read_only_socket_walks_the_command_table(void **state)
{
	struct test_daemon d = { 0 };
	char *text;

	(void)state;
	start(&d);
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct cmd_spec *c = &cmd_specs[i];
		char line[128], last[512];

		snprintf(line, sizeof(line), "%s%s\n", c->name, good_args(c->name));
		ask(d.ro_socket, line, last, sizeof(last));
		if (c->flags & CMD_CHANGES) {
			if (strncmp(last, "ERR permission-denied permission denied: ", 41) != 0)
				fail_msg("%s on the read-only socket: %s (want it refused)",
					 c->name, last);
		} else if (strcmp(last, "OK") != 0) {
			fail_msg("%s on the read-only socket: %s (want it answered)",
				 c->name, last);
		}
	}
	/* Nothing of what was refused happened. */
	assert_int_equal(ctl(d.socket, &text, "status", NULL), 0);
	assert_non_null(strstr(text, "Idle: every valve closed"));
	assert_null(strstr(text, "Rain delay"));
	assert_null(strstr(text, "Fault"));
	free(text);
	assert_int_equal(ctl(d.socket, &text, "schedule", NULL), 0);
	assert_non_null(strstr(text, "morning"));
	free(text);
	/* irrigctl says why, and exits 1. */
	assert_int_equal(ctl(d.ro_socket, &text, "water", "bed", "1m", NULL), 1);
	assert_non_null(strstr(text, "permission denied: water changes what irrigd "
			       "does, and this is the read-only socket"));
	free(text);
	/* --json: the error object, code permission-denied. */
	assert_int_equal(ctl(d.ro_socket, &text, "--json", "reload", NULL), 1);
	assert_non_null(strstr(text, "{\"ok\":false,\"error\":{\"code\":"
			       "\"permission-denied\""));
	free(text);
	assert_true(test_daemon_logged(&d, "refused reload from uid"));
	/* The control socket still changes things. */
	assert_int_equal(ctl(d.socket, &text, "pause", "1d", NULL), 0);
	free(text);
	assert_int_equal(ctl(d.ro_socket, &text, "status", NULL), 0);
	assert_non_null(strstr(text, "Rain delay"));
	free(text);
	finish(&d);
}

static ino_t inode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* Files in dir besides the test daemon's, the output and promtool's: 0 when none (no temporary file left). */
static int strays(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s | grep -v -x -e irrigd.conf "
		 "-e irrigd.sock -e irrigd.log -e state -e ro.sock -e out.prom "
		 "-e metrics.prom -e metrics.prom.out)\"", dir);
	return system(cmd);
}

/*
 * --output replaces the file by a rename: a reader holding the old one
 * still reads it whole, a new open gets the new one; when irrigd does not
 * answer the old file stays, and no temporary file is left.
 */
static void test_output_replaces_the_file_whole(void **state)
{
	struct test_daemon d = { 0 };
	char path[192], nowhere[192], *text, *old, *now;
	struct stat st;
	ino_t first;
	int fd;

	(void)state;
	start(&d);
	snprintf(path, sizeof(path), "%s/out.prom", d.dir);
	assert_int_equal(ctl(d.ro_socket, NULL, "metrics", "--output", path, NULL), 0);
	old = read_file(path);
	assert_non_null(old);
	assert_non_null(strstr(old, "# TYPE irrigd_build_info gauge\n"));
	promtool_accepts(&d, old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	first = st.st_ino;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);

	assert_int_equal(ctl(d.socket, NULL, "water", "bed", "2s", NULL), 0);
	assert_int_equal(ctl(d.ro_socket, NULL, "metrics", "--output", path, NULL), 0);
	assert_true(inode_of(path) != first);
	now = read_file(path);
	assert_non_null(now);
	assert_true(value(now, "irrigd_zone_runs_total{zone=\"bed\",outcome=\"completed\"}") == 1.0);
	{
		/* The reader of the old file still has all of it, unchanged. */
		char *buf = malloc(strlen(old) + 2);
		ssize_t n;

		assert_non_null(buf);
		n = read(fd, buf, strlen(old) + 1);
		assert_int_equal(n, (ssize_t)strlen(old));
		assert_memory_equal(buf, old, strlen(old));
		free(buf);
		close(fd);
	}
	assert_int_equal(strays(d.dir), 0);

	/* irrigd not there: exit 3, the file as it was. */
	first = inode_of(path);
	snprintf(nowhere, sizeof(nowhere), "%s/nowhere.sock", d.dir);
	assert_int_equal(ctl(nowhere, &text, "metrics", "--output", path, NULL), 3);
	free(text);
	assert_true(inode_of(path) == first);
	free(old);
	old = read_file(path);
	assert_string_equal(old, now);
	/* A directory that is not there: exit 1, said. */
	snprintf(nowhere, sizeof(nowhere), "%s/no/such/dir/out.prom", d.dir);
	assert_int_equal(ctl(d.ro_socket, &text, "metrics", "--output", nowhere, NULL), 1);
	assert_non_null(strstr(text, "cannot write"));
	free(text);
	assert_int_equal(strays(d.dir), 0);
	/* Not with --json, nor with other words. */
	assert_int_equal(ctl(d.ro_socket, &text, "--json", "metrics", "--output", path, NULL), 2);
	free(text);
	assert_int_equal(ctl(d.ro_socket, &text, "metrics", "--bogus", NULL), 2);
	free(text);
	free(old);
	free(now);
	finish(&d);
}

struct request_file {
	const char *path;
};

static void stdin_from(void *arg)
{
	const struct request_file *r = arg;
	int fd = open(r->path, O_RDONLY);

	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
}

/*
 * irrigctl -s socket metrics --http with request on its standard input: the
 * reply.  Whatever the code, an answer written is exit status 0: another
 * would leave a failed irrigd-metrics-http@ unit for each stray request.
 */
static char *http(const struct test_daemon *d, const char *socket,
		  const char *request, size_t len)
{
	char path[192], *out, *err;
	struct request_file r = { path };
	FILE *f;
	int status;

	snprintf(path, sizeof(path), "%s/request", d->dir);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(request, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	status = test_irrigctl_in(stdin_from, &r, socket, &out, &err, "metrics",
				  "--http", NULL);
	if (status != 0)
		fail_msg("irrigctl metrics --http exited %d having answered:\n%s",
			 status, out);
	free(err);
	unlink(path);
	return out;
}

static void test_http_answers_get_metrics_only(void **state)
{
	static const char get[] = "GET /metrics HTTP/1.1\r\nHost: pi:9977\r\n"
		"User-Agent: Prometheus/2.42.0\r\nAccept: text/plain\r\n\r\n";
	struct test_daemon d = { 0 };
	char *reply, *body, nowhere[192], big[12000];
	unsigned long length;

	(void)state;
	start(&d);
	reply = http(&d, d.ro_socket, get, sizeof(get) - 1);
	assert_true(strncmp(reply, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(reply, "\r\nContent-Type: text/plain; version=0.0.4"));
	body = strstr(reply, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	assert_non_null(strstr(reply, "\r\nContent-Length: "));
	length = strtoul(strstr(reply, "\r\nContent-Length: ") + 18, NULL, 10);
	assert_int_equal(length, strlen(body));
	assert_non_null(strstr(body, "irrigd_build_info{"));
	promtool_accepts(&d, body);
	free(reply);

	/* HEAD: the same head, no body; a query string is ignored. */
	reply = http(&d, d.ro_socket, "HEAD /metrics?x=1 HTTP/1.0\r\n\r\n", 30);
	assert_true(strncmp(reply, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_string_equal(strstr(reply, "\r\n\r\n"), "\r\n\r\n");
	free(reply);
	reply = http(&d, d.ro_socket, "POST /metrics HTTP/1.1\r\n\r\n", 26);
	assert_true(strncmp(reply, "HTTP/1.1 405 Method Not Allowed\r\n", 33) == 0);
	assert_non_null(strstr(reply, "\r\nAllow: GET, HEAD\r\n"));
	free(reply);
	reply = http(&d, d.ro_socket, "GET / HTTP/1.1\r\n\r\n", 18);
	assert_true(strncmp(reply, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
	free(reply);
	reply = http(&d, d.ro_socket, "hello\r\n\r\n", 9);
	assert_true(strncmp(reply, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
	free(reply);
	/* A head longer than 8 KiB is not read to its end. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	memcpy(big + sizeof(big) - 4, "\r\n\r\n", 4);
	reply = http(&d, d.ro_socket, big, sizeof(big));
	assert_true(strncmp(reply, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
	free(reply);
	/* irrigd not answering: 503. */
	snprintf(nowhere, sizeof(nowhere), "%s/nowhere.sock", d.dir);
	reply = http(&d, nowhere, get, sizeof(get) - 1);
	assert_true(strncmp(reply, "HTTP/1.1 503 Service Unavailable\r\n", 34) == 0);
	free(reply);
	finish(&d);
}

/* A value printf would spell "-nan" or "inf" is spelled as Prometheus reads it. */
static void test_values_are_spelled_as_prometheus_reads_them(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(prom_value(NAN, buf, sizeof(buf)), "NaN");
	assert_string_equal(prom_value(-NAN, buf, sizeof(buf)), "NaN");
	assert_string_equal(prom_value(INFINITY, buf, sizeof(buf)), "+Inf");
	assert_string_equal(prom_value(-INFINITY, buf, sizeof(buf)), "-Inf");
	assert_string_equal(prom_value(1.25, buf, sizeof(buf)), "1.25");
	assert_string_equal(prom_value(1764979200, buf, sizeof(buf)), "1764979200");
	assert_string_equal(prom_value(-0.5, buf, sizeof(buf)), "-0.5");
}

/*
 * irrigd_start_time_seconds is when irrigd started and stays so: scraped
 * again and again across more than a second (were it worked out from the
 * uptime, it would move by one second within any second).
 */
static void test_start_time_does_not_move(void **state)
{
	struct test_daemon d = { 0 };
	time_t before = time(NULL), after;
	double first;
	char *text;

	(void)state;
	start(&d);
	after = time(NULL);
	text = metrics(&d);
	first = value(text, "irrigd_start_time_seconds");
	free(text);
	if (!(first >= (double)before && first <= (double)after))
		fail_msg("irrigd_start_time_seconds %.0f, not within %lld..%lld", first,
			 (long long)before, (long long)after);
	for (int i = 0; i < 12; i++) {
		double again;

		usleep(100 * 1000);
		text = metrics(&d);
		again = value(text, "irrigd_start_time_seconds");
		free(text);
		if (again != first)
			fail_msg("irrigd_start_time_seconds was %.0f, then %.0f", first,
				 again);
	}
	finish(&d);
}

/* doc/metrics.md's alert rules are a rule file promtool accepts. */
static void test_the_documented_rules_load(void **state)
{
	(void)state;
	assert_int_equal(system("promtool check rules doc/irrigd-rules.yml >/dev/null"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_figures_after_watering_and_a_fault),
		cmocka_unit_test(test_read_only_socket_walks_the_command_table),
		cmocka_unit_test(test_output_replaces_the_file_whole),
		cmocka_unit_test(test_http_answers_get_metrics_only),
		cmocka_unit_test(test_the_documented_rules_load),
		cmocka_unit_test(test_values_are_spelled_as_prometheus_reads_them),
		cmocka_unit_test(test_start_time_does_not_move),
	};

	return TEST_RUN_GROUP("metrics", tests, NULL, NULL);
}
