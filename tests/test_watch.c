/* irrigctl watch end to end: the event stream as watchers see it, and a watcher that does not read. */
#include <errno.h>
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "json_check.h"
#include "support.h"

/* A fault shows within seconds: settle 1 s, alarm_delay 2 s. */
static const char config[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  adcs = ( { address = 0x48; } ); flow_meter = { line = \"GPIO17\"; }; };\n"
	"safety = { settle = \"1s\"; alarm_delay = \"2s\"; };\n"
	"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
	"    flow_lpm = 12.0; },\n"
	"  { name = \"lawn\"; valve = { expander = 0x20; pin = 1; };\n"
	"    flow_lpm = 25.0; } );\n"
	"sensors = { soil = (\n"
	"  { name = \"p1\"; adc = 0x48; channel = 0; zone = \"bed\";\n"
	"    dry_volts = 2.8; wet_volts = 1.3; } ); };\n"
	"report_interval = \"1s\";\n"
	"wait_for_clock_sync = false;\n";

/* A watcher on a raw connection, with what it has read and not used yet. */
struct watcher {
	int fd;
	char buf[256 * 1024];
	size_t len;
	bool eof;
};

/* How long a line may take before the test gives up: failure, not timing. */
static int patience_ms(void)
{
	return under_valgrind() ? 60000 : 15000;
}

static void free2(char *a, char *b)
{
	free(a);
	free(b);
}

/* The next line, without its newline, into line; false at the end of the stream. */
static bool next_line(struct watcher *w, char *line, size_t size)
{
	int64_t give_up = now_ms() + patience_ms();

	for (;;) {
		char *nl = memchr(w->buf, '\n', w->len);
		struct pollfd p = { .fd = w->fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - w->buf);

			snprintf(line, size, "%.*s", (int)len, w->buf);
			memmove(w->buf, nl + 1, w->len - len - 1);
			w->len -= len + 1;
			return true;
		}
		if (w->eof)
			return false;
		if (now_ms() > give_up)
			fail_msg("no line from the watcher; it has \"%.*s\"", (int)w->len,
				 w->buf);
		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(w->fd, w->buf + w->len, sizeof(w->buf) - w->len);
		if (n <= 0)
			w->eof = true;
		else
			w->len += (size_t)n;
	}
}

static void watch(struct watcher *w, const struct test_daemon *d, bool json)
{
	const char *req = json ? "--json watch\n" : "watch\n";
	char line[4096];

	memset(w, 0, sizeof(*w));
	w->fd = try_connect(d->socket);
	assert_true(w->fd >= 0);
	assert_int_equal(write(w->fd, req, strlen(req)), (ssize_t)strlen(req));
	/* The reply ends once the watcher is subscribed: nothing is missed after. */
	assert_true(next_line(w, line, sizeof(line)));
	if (json) {
		assert_string_equal(line, "{\"ok\":true,\"watching\":true}");
		return;
	}
	assert_string_equal(line, "- Watching irrigd's events, one a line (Ctrl-C ends)");
	assert_true(next_line(w, line, sizeof(line)));
	assert_string_equal(line, "OK");
}

/* Is kind the event of this line, text ("- DATE TIME kind ...") or JSON? */
static bool is_kind(const char *line, const char *kind, bool json)
{
	char want[96];

	if (json) {
		snprintf(want, sizeof(want), "{\"event\":\"%s\",", kind);
		return strncmp(line, want, strlen(want)) == 0;
	}
	snprintf(want, sizeof(want), " %s", kind);
	/* "- 2026-12-05 21:08:42" is 21 characters */
	return strlen(line) > 21 && strncmp(line + 21, want, strlen(want)) == 0 &&
		(line[21 + strlen(want)] == ' ' || line[21 + strlen(want)] == '\0');
}

/* Reads on to the next event of kind (others are passed over) into line. */
static void expect_event(struct watcher *w, const char *kind, bool json, char *line,
			 size_t size)
{
	while (next_line(w, line, size))
		if (is_kind(line, kind, json))
			return;
	fail_msg("the stream ended before a %s event", kind);
}

static void assert_has(const char *line, const char *needle)
{
	if (!strstr(line, needle))
		fail_msg("\"%s\" lacks \"%s\"", line, needle);
}

static void assert_json(const char *line)
{
	if (!json_is_object_line(line))
		fail_msg("not a JSON object: %s", line);
}

static void test_json_checker(void **state)
{
	(void)state;
	/* The checker itself: it must be able to fail. */
	assert_non_null(json_value("{\"a\":[1,-2.5e3,\"x\\n\",true,null,{}]}", 0));
	assert_null(json_value("{\"a\":}", 0));
	assert_null(json_value("{\"a\":0.}", 0));
	assert_null(json_value("{\"a\":\"\x01\"}", 0));
	assert_null(json_value("{\"a\":1,}", 0));
}

/* ---- two watchers see a run, a fault, a rain delay and a reload ---- */

static void expect_both(struct watcher *text, struct watcher *json, const char *kind,
			const char *text_fields, const char *json_fields)
{
	char line[4096];

	expect_event(text, kind, false, line, sizeof(line));
	if (text_fields)
		assert_has(line, text_fields);
	expect_event(json, kind, true, line, sizeof(line));
	assert_json(line);
	if (json_fields)
		assert_has(line, json_fields);
}

static void test_two_watchers_see_every_event(void **state)
{
	struct test_daemon d = { 0 };
	struct watcher *text = calloc(1, sizeof(*text)), *json = calloc(1, sizeof(*json));
	char *out, *err, line[4096];

	(void)state;
	assert_non_null(text);
	assert_non_null(json);
	test_daemon_start(&d, config);
	watch(text, &d, false);
	watch(json, &d, true);

	/* A run, in the order things happen. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "bed", "2s", NULL), 0);
	free2(out, err);
	expect_both(text, json, "water-requested", " zone=bed duration_s=2 run_id=1 ",
		    "\"zone\":\"bed\",\"duration_s\":2,\"run_id\":1,");
	/* The soil is read before the valve opens. */
	expect_both(text, json, "sample", " probe=p1 zone=bed moisture=",
		    "\"probe\":\"p1\",\"zone\":\"bed\",\"moisture\":");
	expect_both(text, json, "valve-opened", " zone=bed", "\"zone\":\"bed\"");
	expect_both(text, json, "water-start",
		    " zone=bed duration_s=2 source=manual run_id=1 moisture=",
		    "\"source\":\"manual\",\"run_id\":1,\"moisture\":");
	expect_both(text, json, "valve-closed", " zone=bed", "\"zone\":\"bed\"");
	/* 12 L/min for 2 s */
	expect_both(text, json, "water-end",
		    " zone=bed source=manual run_id=1 litres=0.40 duration_s=2 "
		    "outcome=completed moisture=", "\"litres\":0.40,\"duration_s\":2,"
		    "\"outcome\":\"completed\",\"moisture\":");

	/* A fault latched, then cleared. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sim", "flow", "0", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "bed", "1", NULL), 1);
	free2(out, err);
	expect_both(text, json, "fault", " fault=no-flow zone=bed ",
		    "\"priority\":2,\"fault\":\"no-flow\",\"zone\":\"bed\",");
	expect_both(text, json, "water-end", " outcome=fault", "\"outcome\":\"fault\"");
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "clear", "bed", NULL), 0);
	free2(out, err);
	expect_both(text, json, "clear-requested", " requested_uid=", "\"requested_pid\":");

	/* A rain delay set and lifted. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "pause", "1h", NULL), 0);
	free2(out, err);
	expect_both(text, json, "pause-requested", " duration_s=3600 ",
		    "\"duration_s\":3600,");
	expect_both(text, json, "rain-delay", " until=", "\"until\":");
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "resume", NULL), 0);
	free2(out, err);
	expect_both(text, json, "resume-requested", NULL, NULL);
	expect_both(text, json, "rain-delay-lifted", NULL,
		    "\"message\":\"Programs resumed\"");

	/* A reload. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "reload", NULL), 0);
	free2(out, err);
	expect_both(text, json, "reload-requested", NULL, NULL);
	expect_both(text, json, "config-reloaded", " zones=2 programs=0",
		    "\"zones\":2,\"programs\":0,");

	/* A run's reports, and a queued run the stop drops before it waters. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sim", "flow", "100", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "bed", "10m",
				       "--no-wait", NULL), 0);
	free2(out, err);
	expect_both(text, json, "water-report", " zone=bed source=manual run_id=",
		    "\"zone\":\"bed\",\"source\":\"manual\",\"run_id\":");
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "lawn", "10m",
				       "--no-wait", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "stop", NULL), 0);
	free2(out, err);
	expect_both(text, json, "water-dropped", " zone=lawn source=manual run_id=",
		    "\"outcome\":\"stopped\"");

	/* The daemon stopping ends the streams (the journal has daemon-stop). */
	kill(d.pid, SIGTERM);
	while (next_line(text, line, sizeof(line)))
		assert_int_equal(strncmp(line, "- ", 2), 0);
	while (next_line(json, line, sizeof(line)))
		assert_json(line);
	assert_true(text->eof && json->eof);
	close(text->fd);
	close(json->fd);
	free(text);
	free(json);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

/* ---- a watcher that never reads ---- */

/* One request on a connection of its own, and its reply to its OK. */
static void request(int fd, const char *req)
{
	struct watcher *w = calloc(1, sizeof(*w));
	char line[4096];

	assert_non_null(w);
	w->fd = fd;
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	do
		assert_true(next_line(w, line, sizeof(line)));
	while (strcmp(line, "OK") != 0);
	assert_int_equal(w->len, 0);
	free(w);
}

static void test_a_watcher_that_does_not_read_is_dropped(void **state)
{
	struct test_daemon d = { 0 };
	struct watcher *stuck = calloc(1, sizeof(*stuck)), *live = calloc(1, sizeof(*live));
	char *out, *err, line[4096], last[4096] = "", end[4096] = "";
	int events = 0, ctl;

	(void)state;
	assert_non_null(stuck);
	assert_non_null(live);
	test_daemon_start(&d, config);
	watch(stuck, &d, false);
	watch(live, &d, true);
	/* A run that goes on through the flood, and must end as planned. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "bed", "3s",
				       "--no-wait", NULL), 0);
	free2(out, err);
	/* Far more than a watcher may fall behind (some 100 KiB); stuck reads none. */
	ctl = try_connect(d.socket);
	assert_true(ctl >= 0);
	for (int i = 0; i < 400; i++) {
		request(ctl, "pause 1h\n");
		request(ctl, "resume\n");
		/* The one that reads keeps up, and is not dropped. */
		while (live->len < sizeof(live->buf) / 2 && !live->eof) {
			struct pollfd p = { .fd = live->fd, .events = POLLIN };
			ssize_t n;

			if (poll(&p, 1, 0) <= 0)
				break;
			n = read(live->fd, live->buf + live->len,
				 sizeof(live->buf) - live->len);
			if (n <= 0)
				live->eof = true;
			else
				live->len += (size_t)n;
		}
		while (memchr(live->buf, '\n', live->len)) {
			assert_true(next_line(live, line, sizeof(line)));
			assert_json(line);
			if (is_kind(line, "water-end", true))
				snprintf(end, sizeof(end), "%s", line);
		}
	}
	close(ctl);
	/* stuck gets what fitted, then a last line saying why, then the end. */
	while (next_line(stuck, line, sizeof(line))) {
		snprintf(last, sizeof(last), "%s", line);
		if (strncmp(line, "- ", 2) == 0)
			events++;
	}
	assert_string_equal(last, "ERR too-slow this watcher read too slowly: events "
			    "were lost, and it is dropped");
	/* It got some, not all 1600 of the flood. */
	assert_true(events > 10);
	assert_true(events < 1600);
	assert_true(test_daemon_logged(&d, "dropping watcher uid "));
	/* The daemon answered all along, and answers still. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "status", NULL), 0);
	free2(out, err);
	/* The run ended on its own, as planned, through it all. */
	if (!end[0])
		expect_event(live, "water-end", true, end, sizeof(end));
	assert_has(end, "\"duration_s\":3,\"outcome\":\"completed\"");
	assert_false(live->eof);

	close(stuck->fd);
	close(live->fd);
	free(stuck);
	free(live);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

/*
 * A run whose valve waits out the master's lead: one water-waiting event,
 * with the wait, before the valve opens; and water --no-wait is answered
 * from that record, at once, not when the valve opens.
 */
static void test_a_valve_that_waits_is_one_event(void **state)
{
	static const char lead_config[] =
		"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
		"  flow_meter = { line = \"GPIO17\"; }; };\n"
		"master = { expander = 0x20; pin = 7; lead = \"3s\"; };\n"
		"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
		"    flow_lpm = 12.0; } );\n"
		"wait_for_clock_sync = false;\n";
	struct test_daemon d = { 0 };
	struct watcher *w = calloc(1, sizeof(*w));
	char line[4096], *out, *err;

	(void)state;
	assert_non_null(w);
	test_daemon_start(&d, lead_config);
	watch(w, &d, false);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "bed", "2s",
				       "--no-wait", NULL), 0);
	assert_has(out, "Watering bed for 2 seconds\n");
	assert_has(out, "Master valve open: the zone's valve opens in 3s\n");
	/* Answered before the valve opened: the run is still waiting. */
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "status", NULL), 0);
	assert_null(strstr(out, "Watering bed"));
	free2(out, err);
	expect_event(w, "water-waiting", false, line, sizeof(line));
	assert_has(line, " zone=bed duration_s=2 source=manual run_id=");
	assert_has(line, " wait_s=3");
	/* Said once, however often the loop carried out actions meanwhile. */
	while (next_line(w, line, sizeof(line)) && !is_kind(line, "valve-opened", false))
		assert_false(is_kind(line, "water-waiting", false));
	expect_event(w, "water-end", false, line, sizeof(line));
	assert_has(line, " outcome=completed");
	close(w->fd);
	free(w);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

/* A watcher hears that irrigd stops, then its connection ends. */
static void test_a_watcher_hears_the_daemon_stop(void **state)
{
	struct test_daemon d = { 0 };
	struct watcher *w = calloc(1, sizeof(*w));
	char line[4096];

	(void)state;
	assert_non_null(w);
	test_daemon_start(&d, config);
	watch(w, &d, true);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	expect_event(w, "daemon-stop", true, line, sizeof(line));
	assert_json(line);
	assert_has(line, "\"message\":\"irrigd stopped: every valve closed\"");
	assert_false(next_line(w, line, sizeof(line)));
	close(w->fd);
	free(w);
	test_daemon_remove(&d);
}

/* ---- irrigctl watch itself ---- */

static void test_irrigctl_watch_ends_quietly_on_ctrl_c(void **state)
{
	struct test_daemon d = { 0 };
	char path[512], *out, *err, *text;
	char out_file[256], err_file[256];
	int status;
	pid_t pid;

	(void)state;
	test_daemon_start(&d, config);
	snprintf(path, sizeof(path), "%s/irrigctl", build_dir());
	snprintf(out_file, sizeof(out_file), "%s/watch.out", d.dir);
	snprintf(err_file, sizeof(err_file), "%s/watch.err", d.dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (!freopen(out_file, "w", stdout) || !freopen(err_file, "w", stderr))
			_exit(126);
		execl(path, path, "-s", d.socket, "--json", "watch", (char *)NULL);
		_exit(127);
	}
	/* Events reach it as they happen: wait until it has printed a run's end. */
	for (int i = 0;; i++) {
		bool seen;

		if (i * 100 >= patience_ms())
			fail_msg("irrigctl watch never printed a run's water-end");
		assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "lawn",
					       "1s", NULL), 0);
		free2(out, err);
		text = read_file(out_file);
		seen = text && strstr(text, "{\"event\":\"water-end\",");
		free(text);
		if (seen)
			break;
	}
	kill(pid, SIGINT);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	text = read_file(out_file);
	assert_non_null(text);
	/* Only events on stdout, each a JSON object of its own line. */
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		assert_json(line);
		assert_int_equal(strncmp(line, "{\"event\":\"", 10), 0);
	}
	free(text);
	text = read_file(err_file);
	assert_non_null(text);
	assert_null(strstr(text, "irrigctl:"));	/* no error said */
	free(text);
	/* watch takes no argument */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "watch", "x", NULL), 2);
	free2(out, err);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_checker),
		cmocka_unit_test(test_two_watchers_see_every_event),
		cmocka_unit_test(test_a_watcher_that_does_not_read_is_dropped),
		cmocka_unit_test(test_a_valve_that_waits_is_one_event),
		cmocka_unit_test(test_a_watcher_hears_the_daemon_stop),
		cmocka_unit_test(test_irrigctl_watch_ends_quietly_on_ctrl_c),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
