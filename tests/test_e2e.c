/* End to end: irrigd --sim on a temporary socket, driven by irrigctl and raw clients. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

static struct test_daemon shared;

/* The shipped reference garden, with reports every second, and extra settings. */
static void write_config_plus(const char *path, const char *extra);

/* The shipped reference garden, with reports every second to keep tests short. */
static void write_config(const char *path)
{
	write_config_plus(path, "");
}

static void write_config_plus(const char *path, const char *extra)
{
	char *text = read_file("etc/irrigd.conf");
	const char *key = "report_interval = \"60s\";";
	char *at;
	FILE *f;

	assert_non_null(text);
	at = strstr(text, key);
	assert_non_null(at);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "%.*sreport_interval = \"1s\";%s%s\n", (int)(at - text), text,
		at + strlen(key), extra);
	fclose(f);
	free(text);
}

/*
 * Starts irrigd on config_text, or on the reference garden when NULL.
 * A second start in the same directory keeps the state of the first.
 */
static void start_daemon_in(struct test_daemon *d, const char *config_text)
{
	test_daemon_prepare(d, "e2e");
	if (config_text)
		test_daemon_write_config(d, config_text);
	else
		write_config(d->config);
	test_daemon_spawn(d, NULL, NULL);
}

static void start_daemon(struct test_daemon *d)
{
	start_daemon_in(d, NULL);
}

static void free2(char *a, char *b)
{
	free(a);
	free(b);
}

/* A number after key in a JSON reply, e.g. "litres": */
static double json_number(const char *json, const char *key)
{
	const char *at = strstr(json, key);

	assert_non_null(at);
	return strtod(at + strlen(key), NULL);
}

static int setup_shared(void **state)
{
	(void)state;
	start_daemon(&shared);
	return 0;
}

static int teardown_shared(void **state)
{
	(void)state;
	if (test_daemon_stop_showing_log(&shared) != 0)
		return -1;
	test_daemon_remove(&shared);
	return 0;
}

/* The valve's state in the model: opened how many times, open now? */
static void model_valve(unsigned *opens, bool *open, double *litres)
{
	char *out, *err;

	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "--json", "sim", NULL), 0);
	*opens = (unsigned)json_number(out, "\"opens\":");
	*open = strstr(out, "\"open\":true") != NULL;
	*litres = json_number(out, "\"litres\":");
	free2(out, err);
}

static void test_water_streams_reports_and_summary(void **state)
{
	unsigned opens_before, opens_after;
	bool open;
	double model_before, model_after, model_litres, reported;
	char *out, *err, *used;

	(void)state;
	model_valve(&opens_before, &open, &model_before);
	assert_false(open);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "water", "5s", NULL), 0);
	assert_non_null(strstr(out, "Watering garden for 5 seconds\nValve open\n"));
	/* Reports every second of a five-second run: at 1, 2, 3 and 4 s. */
	assert_true(count(out, "Soil moisture: bed1 ") >= 3);
	assert_true(count(out, "Flow rate: 20.") >= 3);
	assert_non_null(strstr(out, "Valve closed\nInitial moisture: bed1 "));
	assert_non_null(strstr(out, "Final moisture:   bed1 "));
	used = strstr(out, "Water used: ");
	assert_non_null(used);
	reported = strtod(used + strlen("Water used: "), NULL);
	assert_string_equal(err, "");
	free2(out, err);

	model_valve(&opens_after, &open, &model_after);
	assert_int_equal(opens_after, opens_before + 1);
	assert_false(open);
	model_litres = model_after - model_before;
	/* 20.8 L/min for 5 s, and what irrigd counted matches the model. */
	assert_true(fabs(model_litres - 20.8 * 5 / 60) < 0.1);
	assert_true(fabs(reported - model_litres) <= 0.01 * model_litres);
}

static void test_water_json_events(void **state)
{
	char *out, *err;

	(void)state;
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "--json", "water",
			     "garden", "2s", NULL), 0);
	assert_true(strncmp(out, "{\"event\":\"start\",\"id\":", 22) == 0);
	assert_non_null(strstr(out, ",\"zone\":\"garden\",\"duration_s\":2}\n"));
	assert_non_null(strstr(out, "{\"event\":\"report\""));
	assert_non_null(strstr(out, "{\"ok\":true,\"event\":\"summary\",\"id\":"));
	assert_non_null(strstr(out, ",\"zone\":\"garden\",\"outcome\":\"completed\""));
	assert_true(json_number(out, "\"litres\":") > 0.0);
	free2(out, err);
}

/* irrigctl ARGS exits with want_status and says needle on stdout or stderr. */
static void expect_reply(const char *needle, int want_status, ...)
{
	const char *args[8];
	int n = 0, status;
	char *out, *err;
	va_list ap;

	va_start(ap, want_status);
	while (n < 7 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	while (n < 7)
		args[n++] = NULL;
	status = test_irrigctl(shared.socket, &out, &err, args[0], args[1], args[2],
		     args[3], args[4], args[5], args[6], NULL);
	if (status != want_status || (!strstr(err, needle) && !strstr(out, needle)))
		fail_msg("irrigctl %s %s: status %d, stderr '%s', wanted %d '%s'",
			 args[0], args[1] ? args[1] : "", status, err, want_status,
			 needle);
	free2(out, err);
}

static void test_bad_requests_change_nothing(void **state)
{
	unsigned opens_before, opens_after;
	bool open;
	double litres;

	(void)state;
	model_valve(&opens_before, &open, &litres);
	expect_reply("no zone called lawn", 1, "water", "lawn", "5", NULL);
	expect_reply("bad duration 0", 1, "water", "0", NULL);
	expect_reply("bad duration 0s", 1, "water", "garden", "0s", NULL);
	expect_reply("bad duration abc", 1, "water", "abc", NULL);
	expect_reply("bad duration 5x", 1, "water", "5x", NULL);
	expect_reply("bad duration -5", 1, "water", "-5", NULL);
	expect_reply("unknown option --soon", 2, "water", "5", "--soon", NULL);
	expect_reply("longer than zone garden may water (1h)", 1, "water",
		       "61", NULL);
	expect_reply("longer than zone garden may water", 1, "water", "9d",
		       NULL);
	expect_reply("unknown command", 1, "flood", NULL);
	expect_reply("usage: water", 2, "water", NULL);
	expect_reply("usage: status\n", 2, "status", "now", NULL);
	expect_reply("may not be empty or contain white space", 2, "water",
		       "garden bed", NULL);
	model_valve(&opens_after, &open, &litres);
	assert_int_equal(opens_after, opens_before);
	assert_false(open);
}


/* Asks status (--json status with json) until its reply holds needle. */
static void wait_for_status_of(const char *socket, bool json, const char *needle)
{
	int64_t end = now_ms() + (under_valgrind() ? 60000 : 10000);
	char *out, *err;

	for (;;) {
		bool found;

		assert_int_equal(test_irrigctl(socket, &out, &err, json ? "--json" :
					       "status", json ? "status" : NULL, NULL), 0);
		found = strstr(out, needle) != NULL;
		if (!found && now_ms() >= end)
			fail_msg("status never said '%s'; it says:\n%s", needle, out);
		free2(out, err);
		if (found)
			return;
		sleep_ms(20);
	}
}

static void wait_for_status(const char *socket, const char *needle)
{
	wait_for_status_of(socket, false, needle);
}

static void test_queue_status_skip_and_stop(void **state)
{
	unsigned opens;
	bool open;
	double litres;
	char *out, *err;

	(void)state;
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "water", "10m",
			     "--no-wait", NULL), 0);
	free2(out, err);
	/* Within 2 s of the last test's run, it waits for the valves. */
	wait_for_status_of(shared.socket, false, "Watering garden (manual): ");
	model_valve(&opens, &open, &litres);
	assert_true(open);

	/* A second run waits its turn, and says so. */
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "water", "5m", "--no-wait",
			     NULL), 0);
	assert_non_null(strstr(out, "Queued: 1 run ahead of it"));
	free2(out, err);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "status", NULL), 0);
	assert_non_null(strstr(out, "Watering garden (manual): "));
	assert_non_null(strstr(out, "9m 5"));	/* 9m 5Xs left */
	assert_non_null(strstr(out, "Queued: garden for 5 minutes (manual)"));
	free2(out, err);

	/*
	 * skip ends the zone watering now; the queued run starts once the
	 * valves may switch again.  Each run waters over a second first, or
	 * the history would leave it out.
	 */
	sleep_ms(1100);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "skip", NULL), 0);
	assert_non_null(strstr(out, "Skipped the rest of garden; now garden, 0 more queued"));
	free2(out, err);
	wait_for_status_of(shared.socket, true, "\"state\":\"watering\"");
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "--json", "status", NULL), 0);
	assert_non_null(strstr(out, "\"state\":\"watering\""));
	assert_non_null(strstr(out, "\"remaining_s\":29"));	/* 299 or 298 */
	assert_non_null(strstr(out, "\"queue\":[]"));
	free2(out, err);

	/* --now stops what runs and goes first. */
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "water", "20m", "--no-wait",
			     NULL), 0);
	free2(out, err);
	sleep_ms(1100);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "water", "1m", "--now",
			     "--no-wait", NULL), 0);
	assert_null(strstr(out, "Queued"));
	free2(out, err);
	wait_for_status_of(shared.socket, false, "Watering garden (manual): ");
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "status", NULL), 0);
	assert_non_null(strstr(out, "Watering garden (manual): "));
	assert_non_null(strstr(out, "s left"));
	assert_non_null(strstr(out, "Queued: garden for 20 minutes (manual)"));
	free2(out, err);

	sleep_ms(1100);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "stop", NULL), 0);
	assert_non_null(strstr(out, "Stopped: every valve closed, queue emptied"));
	free2(out, err);
	model_valve(&opens, &open, &litres);
	assert_false(open);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "--json", "status", NULL), 0);
	assert_non_null(strstr(out, "{\"ok\":true,\"state\":\"idle\""));
	assert_non_null(strstr(out, "\"queue\":[]"));
	free2(out, err);
	/* Three runs started and were stopped; the one never started is not
	 * history. */
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "history", "4", NULL), 0);
	assert_int_equal(count(out, " stopped\n"), 3);
	assert_int_equal(count(out, " completed\n"), 1);
	free2(out, err);
}

static void test_readings(void **state)
{
	char *out, *err;

	(void)state;
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "temperature", NULL), 0);
	assert_non_null(strstr(out, " °C\n"));
	/* The model's day stays between 8 and 22 °C. */
	assert_true(strtod(out, NULL) > 7.0 && strtod(out, NULL) < 23.0);
	free2(out, err);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "moisture", NULL), 0);
	assert_int_equal(count(out, " %\n"), 5);
	assert_non_null(strstr(out, "bed5"));
	free2(out, err);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "sensors", NULL), 0);
	assert_non_null(strstr(out, "brightness"));
	assert_non_null(strstr(out, "\nflow "));
	assert_non_null(strstr(out, " L/min\n"));
	free2(out, err);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "version", NULL), 0);
	assert_non_null(strstr(out, "protocol 1"));
	free2(out, err);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "zones", NULL), 0);
	assert_string_equal(out, "garden       20.8 L/min, at most 1h, valve on "
			    "expander 0x20 pin 0 (active low)\n");
	free2(out, err);
}

static int raw_client(void)
{
	int fd = try_connect(shared.socket);

	assert_true(fd >= 0);
	return fd;
}

/* Reads until the reply's last line (OK or ERR) or a timeout. */
static void raw_reply(int fd, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 10000) != 1)
			fail_msg("no complete reply within 10 s; got '%s'", buf);
		n = recv(fd, buf + len, size - 1 - len, 0);
		assert_true(n > 0);
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "OK\n") || strstr(buf, "ERR ") ||
		    strstr(buf, "{\"ok\":"))
			if (buf[len - 1] == '\n')
				return;
	}
}

/* Reads one line of a reply (a small one: it comes in one piece). */
static void raw_reply_line(int fd, char *buf, size_t size)
{
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	if (poll(&p, 1, 10000) != 1)
		fail_msg("no reply within 10 s");
	n = recv(fd, buf, size - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
}

static void send_str(int fd, const char *s, size_t len)
{
	assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void test_long_and_binary_lines(void **state)
{
	char *big = malloc(10000), reply[4096];
	int fd = raw_client();

	(void)state;
	memset(big, 'a', 9999);
	big[9999] = '\n';
	send_str(fd, big, 10000);
	raw_reply(fd, reply, sizeof(reply));
	assert_string_equal(reply, "ERR too-long request longer than 4095 bytes\n");
	/* The same connection goes on serving after the long line. */
	send_str(fd, "version\n", 8);
	raw_reply(fd, reply, sizeof(reply));
	assert_non_null(strstr(reply, "- irrigd "));
	send_str(fd, "wat\x01\xff" "er 5\n", 10);
	raw_reply(fd, reply, sizeof(reply));
	assert_string_equal(reply, "ERR bad-request request has a control or "
			    "non-ASCII byte\n");
	send_str(fd, "\n", 1);
	raw_reply(fd, reply, sizeof(reply));
	assert_string_equal(reply, "ERR bad-request empty request\n");
	/* socat and telnet end lines with CRLF. */
	send_str(fd, "--json version\r\n", 16);
	raw_reply(fd, reply, sizeof(reply));
	assert_true(strncmp(reply, "{\"ok\":true,\"version\":", 21) == 0);
	/* Half a line, then gone. */
	send_str(fd, "water 5", 7);
	close(fd);
	free(big);
	expect_reply("Idle", 0, "status", NULL);
}

static bool starts_with(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}


/*
 * A client that goes away (killed, its terminal closed) takes the run it
 * waits for with it, and only that run: a --no-wait run, and the runs
 * others asked for, water on.
 */
static void test_client_leaves_during_stream(void **state)
{
	char buf[256], *out, *err;
	int fd = raw_client();

	(void)state;
	send_str(fd, "water 5m\n", 9);
	assert_true(recv(fd, buf, sizeof(buf), 0) > 0);
	close(fd);
	wait_for_status(shared.socket, "Idle");
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "history", "1", NULL), 0);
	assert_non_null(strstr(out, " stopped\n"));
	free2(out, err);
	assert_true(test_daemon_logged(&shared, "stopping run "));

	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "water", "5m",
				       "--no-wait", NULL), 0);
	free2(out, err);
	fd = raw_client();
	send_str(fd, "water 1m\n", 9);
	raw_reply_line(fd, buf, sizeof(buf));
	assert_string_equal(buf, "- Queued: 1 run ahead of it\n");
	close(fd);
	/*
	 * Its queued run leaves the queue; the run watering goes on (its
	 * valve may wait out min_switch_interval first).
	 */
	wait_for_status_of(shared.socket, true, "\"queue\":[]");
	wait_for_status_of(shared.socket, true, "\"state\":\"watering\"");
	expect_reply("Stopped: every valve closed", 0, "stop", NULL);
}

/*
 * The end of a client's input (socat's, at the end of its pipe) is not
 * leaving: the run goes on to its end.  With --stop-at-eof, as irrigctl
 * sends it, it stops the run, and the client still gets its end.
 */
static void test_end_of_input_stops_a_run_only_when_asked(void **state)
{
	char reply[4096], buf[64];
	int fd = raw_client();

	(void)state;
	send_str(fd, "water 2s\n", 9);
	shutdown(fd, SHUT_WR);
	raw_reply(fd, reply, sizeof(reply));
	assert_null(strstr(reply, "Stopped after"));
	assert_non_null(strstr(reply, "- Water used: "));
	assert_string_equal(reply + strlen(reply) - 3, "OK\n");
	close(fd);

	fd = raw_client();
	send_str(fd, "water 5m --stop-at-eof\n", 23);
	raw_reply_line(fd, reply, sizeof(reply));
	assert_true(starts_with(reply, "- Watering garden for 5 minutes\n"));
	shutdown(fd, SHUT_WR);
	raw_reply(fd, reply, sizeof(reply));
	assert_non_null(strstr(reply, "- Stopped after "));
	assert_non_null(strstr(reply, "- Water used: "));
	assert_string_equal(reply + strlen(reply) - 3, "OK\n");
	/* Then irrigd closes the connection. */
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 0);
	close(fd);
	expect_reply("Idle", 0, "status", NULL);
}

/* irrigctl's own stdout and stderr, while it runs in the background. */
struct bg_irrigctl {
	pid_t pid;
	char out[32], err[32];
};

static void spawn_irrigctl(struct bg_irrigctl *bg, const char *socket, ...)
{
	char irrigctl[256];
	const char *argv[16] = { irrigctl, "-s", socket };
	int argc = 3, ofd, efd;
	va_list ap;

	snprintf(irrigctl, sizeof(irrigctl), "%s/irrigctl", build_dir());
	va_start(ap, socket);
	while (argc < 15 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	snprintf(bg->out, sizeof(bg->out), "/tmp/irrigctl-bg-XXXXXX");
	snprintf(bg->err, sizeof(bg->err), "/tmp/irrigctl-bg-XXXXXX");
	ofd = mkstemp(bg->out);
	efd = mkstemp(bg->err);
	assert_true(ofd >= 0 && efd >= 0);
	bg->pid = fork();
	assert_true(bg->pid >= 0);
	if (bg->pid == 0) {
		dup2(ofd, STDOUT_FILENO);
		dup2(efd, STDERR_FILENO);
		execv(irrigctl, (char *const *)argv);
		_exit(127);
	}
	close(ofd);
	close(efd);
}

/* Sends signo, waits for irrigctl to end; its output in *out and *err. */
static void interrupt_irrigctl(struct bg_irrigctl *bg, int signo, char **out,
			       char **err)
{
	int status;

	assert_int_equal(kill(bg->pid, signo), 0);
	assert_int_equal(waitpid(bg->pid, &status, 0), bg->pid);
	*out = read_file(bg->out);
	*err = read_file(bg->err);
	unlink(bg->out);
	unlink(bg->err);
	assert_non_null(*out);
	assert_non_null(*err);
	/* It ends by the signal, as a shell loop expects of Ctrl-C. */
	if (!WIFSIGNALED(status) || WTERMSIG(status) != signo)
		fail_msg("irrigctl ended with status %#x, not by signal %d; "
			 "stdout:\n%s\nstderr:\n%s", status, signo, *out, *err);
}

/*
 * Ctrl-C on a foreground water stops its run, says so and shows how the
 * run ended; a queued run it waited for leaves the queue, and the runs of
 * others water on.
 */
static void test_interrupted_irrigctl_stops_its_run(void **state)
{
	struct bg_irrigctl bg;
	char *out, *err;
	unsigned opens;
	bool open;
	double litres;

	(void)state;
	spawn_irrigctl(&bg, shared.socket, "water", "5m", NULL);
	wait_for_status(shared.socket, "Watering garden");
	interrupt_irrigctl(&bg, SIGINT, &out, &err);
	assert_string_equal(err, "Interrupted: stopping the run\n");
	assert_non_null(strstr(out, "Watering garden for 5 minutes\nValve open\n"));
	assert_non_null(strstr(out, "Stopped after "));
	assert_non_null(strstr(out, "Valve closed\n"));
	assert_non_null(strstr(out, "Water used: "));
	free2(out, err);
	model_valve(&opens, &open, &litres);
	assert_false(open);
	expect_reply("Idle", 0, "status", NULL);

	/* Queued behind a --no-wait run: only its own run goes. */
	expect_reply("Watering garden for 5 minutes", 0, "water", "5m",
		     "--no-wait", NULL);
	spawn_irrigctl(&bg, shared.socket, "--json", "water", "1m", NULL);
	wait_for_status(shared.socket, "Queued: garden for 1 minute (manual)");
	interrupt_irrigctl(&bg, SIGTERM, &out, &err);
	assert_string_equal(err, "Interrupted: stopping the run\n");
	assert_true(starts_with(out, "{\"event\":\"queued\","));
	assert_non_null(strstr(out, "{\"ok\":false,\"error\":{\"code\":\"stopped\","
			       "\"message\":\"stopped before garden was watered\"}}\n"));
	free2(out, err);
	/* The --no-wait run waters (once min_switch_interval lets it). */
	wait_for_status(shared.socket, "Watering garden (manual)");
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "status", NULL), 0);
	assert_null(strstr(out, "Queued:"));
	free2(out, err);
	expect_reply("Stopped: every valve closed", 0, "stop", NULL);
}

/* Help on one command, asked either way; pause --help is no duration. */
static void test_help_for_one_command(void **state)
{
	char *out, *err;

	(void)state;
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "pause", "--help",
				       NULL), 0);
	assert_non_null(strstr(out, "Usage: pause DURATION | until YYYY-MM-DD "
			       "[HH:MM]\nHold every program (rain delay)"));
	assert_string_equal(err, "");
	free2(out, err);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "help", "water",
				       NULL), 0);
	assert_true(strncmp(out, "Usage: water [ZONE] DURATION [--no-wait]", 40) == 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "--json", "water",
				       "garden", "--help", NULL), 0);
	assert_true(strncmp(out, "{\"ok\":true,\"commands\":[{\"name\":\"water\","
			    "\"usage\":", 47) == 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "help", "dance",
				       NULL), 1);
	assert_non_null(strstr(err, "no command called dance"));
	free2(out, err);
	/* Nothing watered on the way. */
	expect_reply("Idle", 0, "status", NULL);
}

static void test_no_daemon(void **state)
{
	char *out, *err;

	(void)state;
	assert_int_equal(test_irrigctl("/tmp/irrigd-e2e-nothing-here.sock", &out, &err,
			     "status", NULL), 3);
	assert_non_null(strstr(err, "cannot reach irrigd at "
			       "/tmp/irrigd-e2e-nothing-here.sock"));
	free2(out, err);
}

/* With --json, irrigctl's own errors are JSON on stdout too, as irrigd's are. */
static void test_json_errors_from_irrigctl_itself(void **state)
{
	char *out, *err;

	(void)state;
	assert_int_equal(test_irrigctl("/tmp/irrigd-e2e-nothing-here.sock", &out, &err,
				       "--json", "status", NULL), 3);
	assert_true(starts_with(out, "{\"ok\":false,\"error\":{\"code\":\"unreachable\","
				"\"message\":\"cannot reach irrigd at /tmp/irrigd-e2e-"
				"nothing-here.sock: "));
	assert_string_equal(out + strlen(out) - 4, "\"}}\n");
	assert_string_equal(err, "");
	free2(out, err);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "--json", "water",
				       "", "5", NULL), 2);
	assert_string_equal(out, "{\"ok\":false,\"error\":{\"code\":\"usage\","
			    "\"message\":\"argument '' may not be empty or contain "
			    "white space\"}}\n");
	assert_string_equal(err, "");
	free2(out, err);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "--frobnicate",
				       "--json", "status", NULL), 2);
	assert_string_equal(out, "{\"ok\":false,\"error\":{\"code\":\"usage\","
			    "\"message\":\"unknown option --frobnicate\"}}\n");
	assert_string_equal(err, "");
	free2(out, err);
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "--json", NULL), 2);
	assert_non_null(strstr(out, "\"code\":\"usage\""));
	assert_string_equal(err, "");
	free2(out, err);
	/* Without --json, the same errors stay text on stderr. */
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "--frobnicate",
				       "status", NULL), 2);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "irrigctl: unknown option --frobnicate\n"));
	free2(out, err);
}

/* irrigctl runs as nobody, not in the socket's group. */
static void become_nobody(void *arg)
{
	(void)arg;
	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		_exit(125);
}

/*
 * A socket irrigctl may not use is not a daemon that is not running.
 * As root (who may use any socket), irrigctl drops to nobody; as anyone
 * else, the socket's mode shuts its owner out.
 */
static void test_no_permission_says_which_group(void **state)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/irrigd-e2e-perm-XXXXXX", *out, *err;
	bool root = geteuid() == 0;
	int fd;

	(void)state;
	if (root) {
		char irrigctl[256];
		pid_t pid;
		int status;

		/* A build under a private directory is no use to nobody. */
		snprintf(irrigctl, sizeof(irrigctl), "%s/irrigctl", build_dir());
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			become_nobody(NULL);
			_exit(access(irrigctl, X_OK) == 0 ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			skip();
	}
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/irrigd.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(chmod(addr.sun_path, root ? 0660 : 0), 0);
	assert_int_equal(test_irrigctl_in(root ? become_nobody : NULL, NULL,
					  addr.sun_path, &out, &err, "status", NULL), 3);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "irrigctl: no permission to use irrigd's socket "));
	assert_non_null(strstr(err, "Permission denied\nOnly root and group "));
	assert_non_null(strstr(err, "sudo usermod -aG "));
	assert_null(strstr(err, "Is irrigd running?"));
	free2(out, err);
	assert_int_equal(test_irrigctl_in(root ? become_nobody : NULL, NULL,
					  addr.sun_path, &out, &err, "--json", "status",
					  NULL), 3);
	assert_true(starts_with(out, "{\"ok\":false,\"error\":{\"code\":"
				"\"permission-denied\","));
	free2(out, err);
	close(fd);
	unlink(addr.sun_path);
	rmdir(dir);
}

/*
 * With a master valve's lead, water --no-wait answers before the zone's
 * valve opens: it says that the run is under way, and when the valve opens.
 */
static void test_no_wait_during_a_master_lead(void **state)
{
	struct test_daemon d = { 0 };
	char *out, *err;

	(void)state;
	test_daemon_prepare(&d, "e2e");
	write_config_plus(d.config, "master = { expander = 0x20; pin = 1; "
			  "active_low = true; lead = \"5s\"; };");
	test_daemon_spawn(&d, NULL, NULL);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "garden", "30s",
				       "--no-wait", NULL), 0);
	assert_true(starts_with(out, "Watering garden for 30 seconds\nMaster valve "
				"open: the zone's valve opens in 5s\n"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "stop", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "--json", "water",
				       "garden", "30s", "--no-wait", NULL), 0);
	assert_true(starts_with(out, "{\"event\":\"start\",\"id\":2,\"zone\":"
				"\"garden\",\"duration_s\":30,\"lead_s\":5}\n{\"ok\":true,"
				"\"id\":2,\"zone\":\"garden\",\"duration_s\":30,"
				"\"queued\":false}\n"));
	free2(out, err);
	/* A run behind it is queued, as without a master. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "--json", "water",
				       "garden", "10s", "--no-wait", NULL), 0);
	assert_true(starts_with(out, "{\"event\":\"queued\",\"id\":3,\"ahead\":1}\n"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "stop", NULL), 0);
	free2(out, err);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

static void test_sigterm_closes_valves_and_exits_0(void **state)
{
	struct test_daemon d = { 0 };
	char *out, *err, *log;

	(void)state;
	start_daemon(&d);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "30m", "--no-wait",
			     NULL), 0);
	free2(out, err);
	assert_int_equal(test_daemon_stop(&d), 0);
	log = read_file(d.log);
	assert_non_null(log);
	assert_non_null(strstr(log, "closing every valve"));
	assert_non_null(strstr(log, "Watered garden for "));
	assert_non_null(strstr(log, ", interrupted"));
	assert_non_null(strstr(log, "irrigd stopped: every valve closed"));
	/* The socket file goes with the daemon. */
	assert_int_equal(access(d.socket, F_OK), -1);
	free(log);
	test_daemon_remove(&d);
}

static void test_a_crash_shows_as_interrupted_after_restart(void **state)
{
	struct test_daemon d = { 0 };
	char *out, *err, *log;
	int status;

	(void)state;
	start_daemon(&d);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "1s", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "pause", "2d", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "30m", "--no-wait",
			     NULL), 0);
	free2(out, err);
	/* Its valve opens once the valves may switch again. */
	wait_for_status_of(d.socket, false, "Watering garden");
	kill(d.pid, SIGKILL);
	assert_int_equal(waitpid(d.pid, &status, 0), d.pid);

	start_daemon(&d);
	log = read_file(d.log);
	assert_non_null(strstr(log, "the last run, of zone garden, was interrupted"));
	free(log);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "--json", "history", NULL), 0);
	/* Newest first: the run cut short, then the one that completed. */
	assert_non_null(strstr(out, "\"planned_s\":1800,\"actual_s\":0,"
			       "\"litres\":0.000,"));
	assert_non_null(strstr(out, "\"outcome\":\"interrupted\"},{\"id\":1,"));
	assert_non_null(strstr(out, "\"planned_s\":1,\"actual_s\":1,"));
	assert_non_null(strstr(out, "\"outcome\":\"completed\"}]"));
	free2(out, err);
	/* The rain delay outlives the daemon. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "status", NULL), 0);
	assert_non_null(strstr(out, "Rain delay: programs held until "));
	free2(out, err);
	assert_int_equal(test_daemon_stop(&d), 0);

	/* A damaged history is kept aside, and irrigd starts clean. */
	{
		char path[160], bad[170];
		FILE *f;

		snprintf(path, sizeof(path), "%s/state/history", d.dir);
		snprintf(bad, sizeof(bad), "%s.bad", path);
		f = fopen(path, "we");
		assert_non_null(f);
		fputs("irrigd-history 1\nnext_id 3\n1 17641000", f);
		fclose(f);
		start_daemon(&d);
		log = read_file(d.log);
		assert_non_null(strstr(log, "starting with an empty run history: "));
		assert_non_null(strstr(log, "/history.bad"));
		free(log);
		assert_int_equal(access(bad, F_OK), 0);
		assert_int_equal(test_irrigctl(d.socket, &out, &err, "history", NULL), 0);
		assert_string_equal(out, "No run yet\n");
		free2(out, err);
	}
	assert_int_equal(test_daemon_stop(&d), 0);
	test_daemon_remove(&d);
}

/*
 * A second irrigd on the first one's state directory, with a socket of its
 * own, refuses to start, naming the first, before it touches any chip: the
 * first one's valve stays open and its history whole.
 */
static void test_a_second_daemon_on_the_state_dir_is_refused(void **state)
{
	struct test_daemon first = { 0 }, second = { 0 };
	char *out, *err, *history, *log, expected[200];
	const char *why;

	(void)state;
	start_daemon(&first);
	assert_int_equal(test_irrigctl(first.socket, &out, &err, "water", "30m",
				       "--no-wait", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(first.socket, &out, &err, "--json", "history",
				       NULL), 0);
	history = out;
	free(err);

	test_daemon_prepare(&second, "e2e");
	write_config(second.config);
	snprintf(second.state, sizeof(second.state), "%s", first.state);
	why = test_daemon_try_spawn(&second, NULL, NULL);
	assert_non_null(why);
	assert_non_null(strstr(why, "irrigd exited with 1"));
	snprintf(expected, sizeof(expected), "another irrigd (pid %d) uses %s",
		 (int)first.pid, first.state);
	log = read_file(second.log);
	assert_non_null(log);
	if (!strstr(log, expected))
		fail_msg("the second irrigd's log lacks \"%s\":\n%s", expected, log);
	assert_null(strstr(log, "every valve closed"));
	free(log);

	/* The first one waters on, as it was; its history is its own. */
	assert_int_equal(test_irrigctl(first.socket, &out, &err, "--json", "sim", NULL), 0);
	assert_non_null(strstr(out, "\"open\":true,\"opens\":1,"));
	free2(out, err);
	assert_int_equal(test_irrigctl(first.socket, &out, &err, "--json", "history",
				       NULL), 0);
	assert_string_equal(out, history);
	free2(out, err);
	free(history);
	assert_int_equal(test_daemon_stop(&first), 0);
	test_daemon_remove(&second);

	/* Once the first has stopped, the directory is free again. */
	start_daemon(&first);
	assert_int_equal(test_daemon_stop(&first), 0);
	test_daemon_remove(&first);
}

static void test_daemon_options(void **state)
{
	char path[] = "/tmp/irrigd-bad-conf-XXXXXX", *err;
	int fd = mkstemp(path);
	static const char bad[] =
		"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
		"  flow_meter = { line = \"GPIO17\"; }; };\n"
		"zones = ( { name = \"garden\";\n"
		"  valve = { expander = 0x20; pin = 0; };\n"
		"  flow_lmp = 20.8; } );\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bad, sizeof(bad) - 1), (ssize_t)sizeof(bad) - 1);
	close(fd);
	assert_int_equal(test_irrigd(&err, NULL, NULL,
				     "--check-config", "-c", "etc/irrigd.conf", NULL),
			 0);
	assert_non_null(strstr(err, "etc/irrigd.conf: configuration is valid"));
	free(err);
	/* A typo names the file, the line and the setting; nothing starts. */
	assert_int_equal(test_irrigd(&err, NULL, NULL,
				     "--check-config", "-c", path, NULL), 1);
	assert_non_null(strstr(err, ":5: zones.[0].flow_lmp: unknown setting"));
	free(err);
	/* 78 (EX_CONFIG): the unit does not restart what would fail alike. */
	assert_int_equal(test_irrigd(&err, NULL, NULL,
				     "--sim", "-c", path, NULL), 78);
	assert_non_null(strstr(err, "flow_lmp"));
	free(err);
	assert_int_equal(test_irrigd(&err, NULL, NULL,
				     "-c", "/nonexistent/irrigd.conf", NULL), 78);
	assert_non_null(strstr(err, "/nonexistent/irrigd.conf"));
	free(err);
	assert_int_equal(test_irrigd(&err, NULL, NULL,
				     "--all-off", "-c", "etc/irrigd.conf", NULL), 0);
	assert_non_null(strstr(err, "every valve closed"));
	free(err);
	assert_int_equal(test_irrigd(&err, NULL, NULL,
				     "--bogus", NULL), 2);
	free(err);
	assert_int_equal(test_irrigd(&err, NULL, NULL,
				     "--help", NULL), 0);
	assert_non_null(strstr(err, "--state-dir DIR"));
	free(err);
	assert_int_equal(test_irrigd(&err, NULL, NULL,
				     "--version", NULL), 0);
	assert_non_null(strstr(err, "irrigd "));
	free(err);
	unlink(path);
}

/*
 * GPIO17 given by name to the meter and by chip and offset to a valve is
 * one line on the simulated Pi as on a real one: refused before any
 * valve is driven, naming both settings; --all-off still closes valves.
 */
static void test_one_line_written_two_ways(void **state)
{
	char path[] = "/tmp/irrigd-line-twice-XXXXXX", *err;
	int fd = mkstemp(path);
	static const char twice[] =
		"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
		"  flow_meter = { line = \"GPIO17\"; }; };\n"
		"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; }; },\n"
		"  { name = \"lawn\"; valve = { chip = \"gpiochip0\"; offset = 17; }; } );\n";
	static const char *const why = "zones.[1].valve (chip = \"gpiochip0\"; "
		"offset = 17) is gpiochip0 line 17, the line of hardware.flow_meter "
		"(line = \"GPIO17\"): each GPIO line serves one purpose";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, twice, sizeof(twice) - 1),
			 (ssize_t)sizeof(twice) - 1);
	close(fd);
	assert_int_equal(test_irrigd(&err, NULL, NULL,
				     "--check-config", "-c", path, NULL), 1);
	assert_non_null(strstr(err, why));
	free(err);
	/* A config error: 78, which the unit does not restart on. */
	assert_int_equal(test_irrigd(&err, NULL, NULL,
				     "--sim", "-c", path, NULL), 78);
	assert_non_null(strstr(err, why));
	assert_null(strstr(err, "every valve closed"));
	free(err);
	assert_int_equal(test_irrigd(&err, NULL, NULL,
				     "--all-off", "-c", path, NULL), 0);
	assert_non_null(strstr(err, "every valve closed"));
	free(err);
	unlink(path);
}

static bool clock_synced_here(void)
{
	struct timex tx = { 0 };
	int state = adjtimex(&tx);

	return (state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC)) ||
		access("/run/systemd/timesync/synchronized", F_OK) == 0;
}

static void test_status_tells_when_programs_wait_for_the_clock(void **state)
{
	char *out, *err;

	(void)state;
	assert_int_equal(test_irrigctl(shared.socket, &out, &err, "status", NULL), 0);
	if (clock_synced_here())
		assert_null(strstr(out, "Programs wait for the system clock"));
	else
		assert_non_null(strstr(out, "Programs wait for the system clock to "
				       "be synchronized; manual runs do not"));
	/* The reference garden's program is next, whatever the clock. */
	assert_non_null(strstr(out, "Next run: morning at "));
	free2(out, err);
}

static const char programs_config[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  adcs = ( { address = 0x48; } ); flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = (\n"
	"  { name = \"bed\"; valve = { expander = 0x20; pin = 0; active_low = true; };\n"
	"    flow_lpm = 12.0; max_run = \"10m\"; %s },\n"
	"  { name = \"lawn\"; valve = { expander = 0x20; pin = %d; };\n"
	"    flow_lpm = 25.0; skip_above = 5.0; } );\n"
	"sensors = { soil = (\n"
	"  { name = \"p1\"; adc = 0x48; channel = 0; zone = \"bed\";\n"
	"    dry_volts = 2.8; wet_volts = 1.3; },\n"
	"  { name = \"p2\"; adc = 0x48; channel = 1; zone = \"lawn\";\n"
	"    dry_volts = 2.8; wet_volts = 1.3; } ); };\n"
	"programs = ( { name = \"soon\"; start = [\"%02d:%02d\"]; days = \"daily\";\n"
	"  zones = ( { zone = \"bed\"; duration = \"%s\"; },\n"
	"            { zone = \"lawn\"; duration = \"3s\"; } ); } );\n"
	"report_interval = \"1s\";\n"
	"wait_for_clock_sync = false;\n";

static void write_programs_config(const char *path, const struct tm *start,
				  const char *bed_rules, int lawn_pin,
				  const char *bed_duration)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fprintf(f, programs_config, bed_rules, lawn_pin, start->tm_hour,
		start->tm_min, bed_duration);
	fclose(f);
}

/* Waits until `history` shows needle, for up to limit_s seconds. */
static void wait_for_history(const struct test_daemon *d, const char *needle,
			     int limit_s)
{
	for (int i = 0; i < limit_s * 4; i++) {
		struct timespec ts = { 0, 250 * 1000 * 1000 };
		char *out, *err;
		bool found;

		assert_int_equal(test_irrigctl(d->socket, &out, &err, "history", NULL), 0);
		found = strstr(out, needle) != NULL;
		free2(out, err);
		if (found)
			return;
		nanosleep(&ts, NULL);
	}
	fail_msg("history never showed '%s'", needle);
}

static void test_a_program_runs_on_time_and_survives_a_bad_reload(void **state)
{
	struct test_daemon d = { 0 };
	time_t start = time(NULL) + 5;
	struct tm at;
	char *out, *err, *log, text[8192], when[16];
	int status;

	(void)state;
	/* The first whole minute at least 5 s away: a wait of 5 to 65 s. */
	start += 60 - start % 60;
	localtime_r(&start, &at);
	snprintf(when, sizeof(when), "%02d:%02d", at.tm_hour, at.tm_min);
	snprintf(text, sizeof(text), programs_config, "", 1, at.tm_hour, at.tm_min,
		 "3s");
	start_daemon_in(&d, text);

	/*
	 * The coming runs, and which would be skipped now and why: from the
	 * latest sample, which a reading makes sure is taken.
	 */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "moisture", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "schedule", "--days", "1", NULL), 0);
	assert_non_null(strstr(out, when));
	assert_non_null(strstr(out, "soon         bed          3s"));
	assert_non_null(strstr(out, "soon         lawn         3s        would skip: "
			       "moisture "));
	free2(out, err);

	/* A rain delay holds programs, and lifts. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "pause", "1d", NULL), 0);
	assert_non_null(strstr(out, "Programs held until "));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "schedule", NULL), 0);
	assert_non_null(strstr(out, "bed          3s        would skip: rain delay"));
	free2(out, err);
	/* The next run is the first after the delay, not one it holds. */
	{
		struct tm after = at;
		char line[64], json[64];
		time_t next;

		after.tm_mday++;	/* tomorrow, just after the delay ends */
		after.tm_isdst = -1;
		next = mktime(&after);
		strftime(line, sizeof(line), "Next run: soon at %a %d %b %H:%M, "
			 "after the rain delay\n", &after);
		snprintf(json, sizeof(json), "\"next_run\":{\"program\":\"soon\","
			 "\"at\":%lld}", (long long)next);
		assert_int_equal(test_irrigctl(d.socket, &out, &err, "status", NULL), 0);
		assert_non_null(strstr(out, "Rain delay: programs held until "));
		assert_non_null(strstr(out, line));
		free2(out, err);
		assert_int_equal(test_irrigctl(d.socket, &out, &err, "--json", "status",
					       NULL), 0);
		assert_non_null(strstr(out, json));
		free2(out, err);
	}
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "pause", "12", NULL), 1);
	assert_non_null(strstr(err, "give a unit"));
	free2(out, err);
	/* A winter: weeks, or up to a date; never past a year, never the past. */
	{
		time_t ahead = time(NULL) + 100 * 86400, back = time(NULL) - 86400;
		char date[16], past[16], held[64];
		struct tm tm;

		localtime_r(&ahead, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
		strftime(held, sizeof(held), "Programs held until %a %d %b 00:00", &tm);
		localtime_r(&back, &tm);
		strftime(past, sizeof(past), "%Y-%m-%d", &tm);
		assert_int_equal(test_irrigctl(d.socket, &out, &err, "pause", "3w", NULL), 0);
		free2(out, err);
		assert_int_equal(test_irrigctl(d.socket, &out, &err, "pause", "until",
					       date, NULL), 0);
		assert_non_null(strstr(out, held));
		free2(out, err);
		assert_int_equal(test_irrigctl(d.socket, &out, &err, "pause", "400d", NULL), 1);
		assert_non_null(strstr(err, "366 days"));
		free2(out, err);
		assert_int_equal(test_irrigctl(d.socket, &out, &err, "pause", "until",
					       past, NULL), 1);
		assert_non_null(strstr(err, "not in the future"));
		free2(out, err);
		/* A refused pause left the one in force. */
		assert_int_equal(test_irrigctl(d.socket, &out, &err, "status", NULL), 0);
		assert_non_null(strstr(out, held + strlen("Programs held until ")));
		free2(out, err);
	}
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "resume", NULL), 0);
	free2(out, err);

	/* At its minute the program waters bed and skips the moist lawn. */
	wait_for_history(&d, " soon       bed ", 75);
	wait_for_history(&d, "completed", 10);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "history", NULL), 0);
	assert_non_null(strstr(out, " soon       lawn       "));
	assert_non_null(strstr(out, "skipped\n"));
	assert_non_null(strstr(out, "3s of 3s"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "status", NULL), 0);
	assert_non_null(strstr(out, "Today bed          0.6"));	/* 12 L/min, 3 s */
	assert_non_null(strstr(out, "Today lawn         0.00 L"));
	free2(out, err);
	log = read_file(d.log);
	assert_non_null(strstr(log, "Program soon started: 2 zones queued"));
	assert_non_null(strstr(log, "Skipped lawn of soon: soil moisture "));
	assert_non_null(strstr(log, " % (p2 "));
	free(log);

	/* A broken config is refused with its line; the running one stays. */
	write_programs_config(d.config, &at, "", 1, "3s");
	{
		FILE *f = fopen(d.config, "ae");

		assert_non_null(f);
		fputs("zones = oops\n", f);
		fclose(f);
	}
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "reload", NULL), 1);
	assert_non_null(strstr(err, d.config));
	assert_non_null(strstr(err, ":18: "));
	free2(out, err);
	kill(d.pid, SIGHUP);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "schedule", "--days", "2", NULL), 0);
	assert_non_null(strstr(out, "soon         bed          3s"));
	free2(out, err);
	/* Moving a valve to another pin needs a restart, not a reload. */
	write_programs_config(d.config, &at, "", 2, "3s");
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "reload", NULL), 1);
	assert_non_null(strstr(err, "a zone's valve pin changed: restart irrigd"));
	free2(out, err);

	/* A good one applies: new duration, new moisture target. */
	write_programs_config(d.config, &at, "stop_at = 10.0;", 1, "4s");
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "reload", NULL), 0);
	assert_non_null(strstr(out, "2 zones, 1 program"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "schedule", "--days", "2", NULL), 0);
	assert_non_null(strstr(out, "soon         bed          4s"));
	free2(out, err);
	/* The soil is past the new target: a manual run ends at its first look. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "bed", "1m", NULL), 0);
	assert_non_null(strstr(out, "Soil moisture reached "));
	assert_non_null(strstr(out, "ending early\nValve closed\n"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "history", "1", NULL), 0);
	assert_non_null(strstr(out, " manual     bed "));
	assert_non_null(strstr(out, " ended-early\n"));
	free2(out, err);
	log = read_file(d.log);
	assert_non_null(strstr(log, "reload refused, the running config stays: "));
	assert_non_null(strstr(log, "ended-early (soil moisture "));
	assert_non_null(strstr(log, ": p1 "));
	free(log);

	status = test_daemon_stop(&d);
	assert_int_equal(status, 0);
	test_daemon_remove(&d);
}

/*
 * A meter at 100 Hz (12 L/min at 500 pulses a litre) behind libgpiod
 * 1.x's kernel queue of 16 edges, which fills in 160 ms, and a powered
 * probe that settles for 800 ms: a loop that slept through each reading
 * would lose most of the pulses of a run watched with `moisture`.
 */
static const char fast_meter_config[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  adcs = ( { address = 0x48; } );\n"
	"  flow_meter = { line = \"GPIO17\"; pulses_per_litre = 500.0; }; };\n"
	"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
	"  flow_lpm = 12.0; } );\n"
	"sensors = { soil = ( { name = \"p1\"; adc = 0x48; channel = 0;\n"
	"  zone = \"bed\"; dry_volts = 2.8; wet_volts = 1.3;\n"
	"  power = { expander = 0x20; pin = 7; settle_ms = 800; }; } ); };\n"
	"report_interval = \"1h\";\n"
	"wait_for_clock_sync = false;\n";

static void test_no_pulse_lost_while_probes_settle(void **state)
{
	struct test_daemon d = { 0 };
	char *out, *err;
	double made, dropped, counted;

	(void)state;
	start_daemon_in(&d, fast_meter_config);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sim", "edge-queue",
				       "16", NULL), 0);
	assert_non_null(strstr(out, "the kernel keeps 16 edges"));
	free2(out, err);
	/* Only a whole number of edges up to 1024, and nothing changes. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sim", "edge-queue",
				       "1e30", NULL), 2);
	assert_non_null(strstr(err, "usage: sim"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sim", "edge-queue",
				       "2.5", NULL), 2);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sim", NULL), 0);
	assert_non_null(strstr(out, "the kernel keeps 16 edges"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "1m",
				       "--no-wait", NULL), 0);
	assert_non_null(strstr(out, "Valve open"));
	free2(out, err);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(test_irrigctl(d.socket, &out, &err, "moisture",
					       NULL), 0);
		assert_non_null(strstr(out, "p1"));
		free2(out, err);
	}
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "stop", NULL), 0);
	free2(out, err);
	/* The valve is shut: what the meter made is all made; let it be read. */
	sleep_ms(300);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "--json", "sim", NULL), 0);
	made = json_number(out, "\"edges_made\":");
	dropped = json_number(out, "\"edges_dropped\":");
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "--json", "flow",
				       NULL), 0);
	counted = json_number(out, "\"pulses\":");
	free2(out, err);
	/* Five readings of 800 ms: at least 4 s of flow. */
	assert_true(made >= 400);
	assert_true(counted + dropped == made);
	if (dropped > made * 0.02)
		fail_msg("%.0f of %.0f pulses lost while the probe settled",
			 dropped, made);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

static const char gpio_zones_config[] =
	"hardware = { backend = \"sim\"; flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = (\n%s);\n"
	"report_interval = \"1s\";\n";

static void write_gpio_zones(const char *path, const char *zones)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fprintf(f, gpio_zones_config, zones);
	fclose(f);
}

/* The model's record of one zone, from `irrigctl --json sim`. */
static unsigned zone_opens(const struct test_daemon *d, const char *zone)
{
	char *out, *err, key[64], *at;
	unsigned opens;

	assert_int_equal(test_irrigctl(d->socket, &out, &err, "--json", "sim", NULL), 0);
	snprintf(key, sizeof(key), "{\"name\":\"%s\",", zone);
	at = strstr(out, key);
	assert_non_null(at);
	opens = (unsigned)json_number(at, "\"opens\":");
	free2(out, err);
	return opens;
}

static bool model_zone_open(const struct test_daemon *d, const char *zone)
{
	char *out, *err, key[64], *at, *end;
	bool open;

	assert_int_equal(test_irrigctl(d->socket, &out, &err, "--json", "sim", NULL), 0);
	snprintf(key, sizeof(key), "{\"name\":\"%s\",", zone);
	at = strstr(out, key);
	assert_non_null(at);
	end = strchr(at, '}');
	assert_non_null(end);
	*end = '\0';
	open = strstr(at, "\"open\":true") != NULL;
	free2(out, err);
	return open;
}

/* A probe that needs 10 s of power before it reads: the slowest allowed. */
static const char slow_probe_config[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  adcs = ( { address = 0x48; } );\n"
	"  flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
	"  flow_lpm = 12.0; } );\n"
	"sensors = { soil = ( { name = \"p1\"; adc = 0x48; channel = 0;\n"
	"  zone = \"bed\"; dry_volts = 2.8; wet_volts = 1.3;\n"
	"  power = { expander = 0x20; pin = 7; settle_ms = 10000; }; } ); };\n"
	"report_interval = \"1h\";\n"
	"wait_for_clock_sync = false;\n";

/* Waits (boundedly: a stuck daemon fails the test) for the valve to open. */
static void wait_valve_open(const struct test_daemon *d, const char *zone)
{
	for (int i = 0; i < 600; i++) {
		if (model_zone_open(d, zone))
			return;
		sleep_ms(100);
	}
	fail_msg("the valve of %s never opened", zone);
}

/* Sends line on a new connection to d and leaves its reply unread. */
static int request_on(const struct test_daemon *d, const char *line)
{
	int fd = try_connect(d->socket);

	assert_true(fd >= 0);
	assert_int_equal(send(fd, line, strlen(line), MSG_NOSIGNAL),
			 (ssize_t)strlen(line));
	return fd;
}

/* The reply on fd, up to its OK or ERR line; fails when fd closes first. */
static void reply_on(int fd, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	while (!(len && buf[len - 1] == '\n' &&
		 (strstr(buf, "OK\n") || strstr(buf, "ERR ")))) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 120000) != 1)
			fail_msg("no complete reply; got '%s'", buf);
		n = recv(fd, buf + len, size - 1 - len, 0);
		if (n <= 0)
			fail_msg("the connection closed; got '%s'", buf);
		len += (size_t)n;
		buf[len] = '\0';
	}
}

/* The newest run in the history, as JSON. */
static char *last_run(const struct test_daemon *d)
{
	char *out, *err;

	assert_int_equal(test_irrigctl(d->socket, &out, &err, "--json", "history",
				       "1", NULL), 0);
	free(err);
	return out;
}

/*
 * Starts d on config (the reference garden when NULL), waters zone for
 * duration and, once its valve is open, asks for the sensors on n new
 * connections whose replies are left unread in fds.
 */
static void water_with_readers(struct test_daemon *d, const char *config,
			       const char *zone, const char *duration, int *fds,
			       int n)
{
	char *out, *err;

	start_daemon_in(d, config);
	assert_int_equal(test_irrigctl(d->socket, &out, &err, "water", zone,
				       duration, "--no-wait", NULL), 0);
	free2(out, err);
	wait_valve_open(d, zone);
	/* Over a second: a shorter run is left out of the history. */
	sleep_ms(1200);
	for (int i = 0; i < n; i++)
		fds[i] = request_on(d, "sensors\n");
}

/*
 * Sensor reads never hold a stop: four `sensors` behind a probe that
 * settles for 10 s each used to hold the loop for 40 s, so `stop` came
 * after a 30 s run had finished in full.  Now the reads share one pass
 * that waits on a timer, and the stop ends the run at once.
 */
static void test_stop_is_not_held_by_sensor_reads(void **state)
{
	struct test_daemon d = { 0 };
	char *out, *err, reply[4096];
	int fds[4];

	(void)state;
	water_with_readers(&d, slow_probe_config, "bed", "30s", fds, 4);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "stop", NULL), 0);
	free2(out, err);
	/* Closed while the probe is still settling for the readings asked. */
	assert_false(model_zone_open(&d, "bed"));
	out = last_run(&d);
	assert_non_null(strstr(out, "\"outcome\":\"stopped\""));
	/* Less than one probe's settle: the stop waited for no read. */
	assert_true(json_number(out, "\"actual_s\":") < 10);
	free(out);
	/* Each reading still comes, from one pass over the probes. */
	for (int i = 0; i < 4; i++) {
		reply_on(fds[i], reply, sizeof(reply));
		assert_non_null(strstr(reply, "- p1 "));
		assert_non_null(strstr(reply, "\nOK\n"));
		close(fds[i]);
	}
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

/* Two zones, in the order given, and a probe of bed's that settles for 10 s. */
static const char two_zones_slow_probe_fmt[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  adcs = ( { address = 0x48; } );\n"
	"  flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = ( %s,\n %s );\n"
	"sensors = { soil = ( { name = \"p1\"; adc = 0x48; channel = 0;\n"
	"  zone = \"bed\"; dry_volts = 2.8; wet_volts = 1.3;\n"
	"  power = { expander = 0x20; pin = 7; settle_ms = 10000; }; } ); };\n"
	"report_interval = \"1h\";\n"
	"wait_for_clock_sync = false;\n";
static const char bed_zone[] =
	"{ name = \"bed\"; valve = { expander = 0x20; pin = 0; }; flow_lpm = 12.0; }";
static const char lawn_zone[] =
	"{ name = \"lawn\"; valve = { expander = 0x20; pin = 1; }; flow_lpm = 12.0; }";

/*
 * A run that has ended waits for its final moisture (here the probe's
 * 10 s settle).  A reload in that wait that reorders the zones used to
 * leave it holding its old zone number: its end was reported, and its
 * final moisture read, for whichever zone took that number (lawn).
 */
static void test_reload_while_a_run_awaits_its_final_moisture(void **state)
{
	struct test_daemon d = { 0 };
	char text[2048], *out, *err;

	(void)state;
	snprintf(text, sizeof(text), two_zones_slow_probe_fmt, bed_zone, lawn_zone);
	start_daemon_in(&d, text);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "bed",
				       "2s", "--no-wait", NULL), 0);
	free2(out, err);
	wait_valve_open(&d, "bed");
	for (int i = 0; i < 600 && model_zone_open(&d, "bed"); i++)
		sleep_ms(50);
	assert_false(model_zone_open(&d, "bed"));
	/* Well inside the probe's 10 s: the end is still waiting. */
	assert_false(test_daemon_logged(&d, "Watered bed for"));
	snprintf(text, sizeof(text), two_zones_slow_probe_fmt, lawn_zone, bed_zone);
	test_daemon_write_config(&d, text);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "reload", NULL), 0);
	free2(out, err);
	for (int i = 0; i < 400 && !test_daemon_logged(&d, "Watered "); i++)
		sleep_ms(50);
	assert_true(test_daemon_logged(&d, "Watered bed for"));
	assert_false(test_daemon_logged(&d, "Watered lawn for"));
	out = last_run(&d);
	assert_non_null(strstr(out, "\"zone\":\"bed\""));
	free(out);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

/*
 * SIGTERM is not held by sensor reads either: the run ends as irrigd
 * stops (interrupted), not after the reads when it would have completed.
 */
static void test_sigterm_is_not_held_by_sensor_reads(void **state)
{
	struct test_daemon d = { 0 };
	char *out;
	int fds[4];

	(void)state;
	water_with_readers(&d, slow_probe_config, "bed", "30s", fds, 4);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	/* The history says how the run ended. */
	test_daemon_spawn(&d, NULL, NULL);
	out = last_run(&d);
	assert_non_null(strstr(out, "\"outcome\":\"interrupted\""));
	/* Less than one probe's settle: SIGTERM waited for no read. */
	assert_true(json_number(out, "\"actual_s\":") < 10);
	free(out);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

/*
 * 300 clients asking for the sensors at once, on the reference garden
 * (probes settling 50 ms): one read each used to delay a stop by 24 s.
 * They share a pass now, the stop ends a 10 s run at once, and every
 * client gets its reading.
 */
#define MANY_READERS 300
static void test_many_sensor_readers_share_one_read(void **state)
{
	struct test_daemon d = { 0 };
	static int fds[MANY_READERS];
	char *out, *err, reply[4096];

	(void)state;
	water_with_readers(&d, NULL, "garden", "10s", fds, MANY_READERS);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "stop", NULL), 0);
	free2(out, err);
	out = last_run(&d);
	assert_non_null(strstr(out, "\"outcome\":\"stopped\""));
	assert_true(json_number(out, "\"actual_s\":") < 10);
	free(out);
	for (int i = 0; i < MANY_READERS; i++) {
		reply_on(fds[i], reply, sizeof(reply));
		assert_non_null(strstr(reply, "- bed5 "));
		close(fds[i]);
	}
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

/* Three zones: one probe each for bed and lawn, none for the drip line. */
static const char probes_by_zone_config[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  adcs = ( { address = 0x48; } );\n"
	"  flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; }; },\n"
	"  { name = \"lawn\"; valve = { expander = 0x20; pin = 1; }; },\n"
	"  { name = \"drip\"; valve = { expander = 0x20; pin = 2; }; } );\n"
	"sensors = { soil = (\n"
	"  { name = \"rosebed\"; adc = 0x48; channel = 0; zone = \"bed\";\n"
	"    dry_volts = 2.8; wet_volts = 1.3; },\n"
	"  { name = \"turf\"; adc = 0x48; channel = 1; zone = \"lawn\";\n"
	"    dry_volts = 2.8; wet_volts = 1.3; } ); };\n"
	"report_interval = \"1s\";\n"
	"wait_for_clock_sync = false;\n";

/* A run reports the moisture of its own zone's probes, by name. */
static void test_reports_name_the_zones_probes(void **state)
{
	struct test_daemon d = { 0 };
	char *out, *err;

	(void)state;
	start_daemon_in(&d, probes_by_zone_config);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "lawn", "3s",
				       NULL), 0);
	assert_true(count(out, "Soil moisture: turf ") >= 1);
	assert_non_null(strstr(out, "Initial moisture: turf "));
	assert_non_null(strstr(out, "Final moisture:   turf "));
	assert_null(strstr(out, "rosebed"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "--json", "water", "bed",
				       "3s", NULL), 0);
	assert_non_null(strstr(out, "\"moisture\":[{\"name\":\"rosebed\",\"percent\":"));
	assert_non_null(strstr(out, "\"moisture_start\":[{\"name\":\"rosebed\","));
	assert_non_null(strstr(out, "\"moisture_end\":[{\"name\":\"rosebed\","));
	assert_null(strstr(out, "turf"));
	free2(out, err);
	/* No probe: the flow alone, and no moisture lines. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "drip", "3s",
				       NULL), 0);
	assert_non_null(strstr(out, "Valve open\nFlow rate: "));
	assert_null(strstr(out, "moisture"));
	free2(out, err);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

static const char two_adcs_config[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  adcs = ( { address = 0x48; }, { address = 0x49; type = \"ads1015\"; } );\n"
	"  flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; }; } );\n"
	"sensors = { soil = (\n"
	"  { name = \"rosebed\"; adc = 0x48; channel = 0; zone = \"bed\";\n"
	"    dry_volts = 2.8; wet_volts = 1.3; } );\n"
	"  light = { adc = 0x49; channel = 1; dark_volts = 0.0; bright_volts = 3.3; };\n"
	"  temperature = { adc = 0x49; channel = 2; conversion = \"tmp36\"; }; };\n"
	"wait_for_clock_sync = false;\n";

/* A reading that fails because its ADC does not answer names the chip. */
static void test_sensors_name_the_chip_that_does_not_answer(void **state)
{
	struct test_daemon d = { 0 };
	char *out, *err;

	(void)state;
	start_daemon_in(&d, two_adcs_config);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sensors", NULL), 0);
	assert_null(strstr(out, "does not answer"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sim", "i2c-errors",
				       "100", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sensors", NULL), 0);
	assert_non_null(strstr(out, "rosebed      failed: it cannot be read: "
			       "ADS1115 at sim 0x48 does not answer: "));
	assert_non_null(strstr(out, "temperature  error: ADS1015 at sim 0x49 "
			       "does not answer: "));
	assert_non_null(strstr(out, "brightness   error: ADS1015 at sim 0x49 "
			       "does not answer: "));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "temperature", NULL), 1);
	assert_non_null(strstr(err, "cannot read the temperature sensor: ADS1015 "
			       "at sim 0x49 does not answer: "));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sim", "clear", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sensors", NULL), 0);
	assert_null(strstr(out, "does not answer"));
	free2(out, err);
	assert_int_equal(test_daemon_stop(&d), 0);
	assert_true(test_daemon_logged(&d, "ADS1015 at sim 0x49 does not answer"));
	assert_true(test_daemon_logged(&d, "ADS1015 at sim 0x49 answers again"));
	test_daemon_remove(&d);
}

/* 5 US gallons a minute, a 100 L cap, shown in gallons. */
static const char gallons_config[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
	"  flow_lpm = 18.92705892; daily_cap_litres = 100; } );\n"
	"volume_unit = \"gal\";\n"
	"report_interval = \"1s\";\n"
	"wait_for_clock_sync = false;\n";

/* A number printed as "%.2f", read back from text after prefix. */
static double number_after(const char *text, const char *prefix)
{
	const char *at = strstr(text, prefix);

	assert_non_null(at);
	return strtod(at + strlen(prefix), NULL);
}

/* volume_unit = "gal": text in US gallons, JSON still in litres. */
static void test_gallons_for_people_litres_for_programs(void **state)
{
	const double l_per_gal = 3.785411784;
	struct test_daemon d = { 0 };
	char *out, *err, want[64];
	double used_gal, litres;

	(void)state;
	start_daemon_in(&d, gallons_config);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "zones", NULL), 0);
	assert_non_null(strstr(out, "bed          5.0 gal/min, at most 1h, "
			       "26.4 gal a day, valve on "));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "bed", "3s",
				       NULL), 0);
	assert_non_null(strstr(out, "Flow rate: "));
	assert_true(count(out, " gal/min\n") >= 1);
	assert_null(strstr(out, " L"));
	used_gal = number_after(out, "Water used: ");
	assert_non_null(strstr(out, " gal\n"));
	free2(out, err);
	/* The run as programs read it: litres, the same water. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "--json", "history",
				       NULL), 0);
	litres = json_number(out, "\"litres\":");
	assert_true(litres > 0.0);
	assert_true(fabs(used_gal - litres / l_per_gal) <= 0.0051);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "history", NULL), 0);
	snprintf(want, sizeof(want), " %.2f gal ", used_gal);
	assert_non_null(strstr(out, want));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "status", NULL), 0);
	snprintf(want, sizeof(want), "Today bed          %.2f gal", used_gal);
	assert_non_null(strstr(out, want));
	free2(out, err);
	/* Nothing flows once the valve is closed: both replies count the same. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "--json", "flow", NULL), 0);
	litres = json_number(out, "\"litres_total\":");
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "flow", NULL), 0);
	snprintf(want, sizeof(want), " gal/min, %.2f gal counted", litres / l_per_gal);
	assert_non_null(strstr(out, want));
	free2(out, err);
	assert_int_equal(test_daemon_stop(&d), 0);
	test_daemon_remove(&d);
}

static void test_reload_keeps_each_zone_on_its_own_valve(void **state)
{
	static const char a[] = "  { name = \"a\"; valve = { line = \"GPIO22\"; }; flow_lpm = 5; }",
		b[] = "  { name = \"b\"; valve = { line = \"GPIO23\"; }; flow_lpm = 5; }",
		c[] = "  { name = \"c\"; valve = { line = \"GPIO24\"; }; flow_lpm = 5; }";
	struct test_daemon d = { 0 };
	char text[2048], zones[512], *out, *err;

	(void)state;
	snprintf(zones, sizeof(zones), "%s,\n%s,\n%s\n", a, b, c);
	snprintf(text, sizeof(text), gpio_zones_config, zones);
	start_daemon_in(&d, text);

	/* b goes: c is now the second zone, and must still open c's valve. */
	snprintf(zones, sizeof(zones), "%s,\n%s\n", a, c);
	write_gpio_zones(d.config, zones);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "reload", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "c", "1s", NULL), 0);
	free2(out, err);
	assert_int_equal(zone_opens(&d, "c"), 1);
	assert_int_equal(zone_opens(&d, "a"), 0);
	/* b comes back on the line it had at start. */
	snprintf(zones, sizeof(zones), "%s,\n%s,\n%s\n", c, b, a);
	write_gpio_zones(d.config, zones);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "reload", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "b", "1s", NULL), 0);
	free2(out, err);
	assert_int_equal(zone_opens(&d, "b"), 1);
	assert_int_equal(zone_opens(&d, "c"), 1);
	/* Moving an open valve's zone to another line stops the watering:
	 * nothing stays open that no zone names. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "a", "5m", "--no-wait",
			     NULL), 0);
	free2(out, err);
	wait_for_status_of(d.socket, false, "Watering a ");
	assert_true(model_zone_open(&d, "a"));
	snprintf(zones, sizeof(zones), "  { name = \"a\"; valve = { line = "
		 "\"GPIO24\"; }; flow_lpm = 5; },\n  { name = \"c\"; valve = { "
		 "line = \"GPIO22\"; }; flow_lpm = 5; }\n");
	write_gpio_zones(d.config, zones);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "reload", NULL), 0);
	free2(out, err);
	assert_false(model_zone_open(&d, "a"));
	assert_false(model_zone_open(&d, "c"));
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "--json", "sim", NULL), 0);
	assert_non_null(strstr(out, "\"open\":false"));
	assert_null(strstr(out, "\"open\":true"));
	free2(out, err);
	/* A line not set up at start needs a restart. */
	snprintf(zones, sizeof(zones), "%s,\n  { name = \"d\"; valve = { line = "
		 "\"GPIO25\"; }; flow_lpm = 5; }\n", a);
	write_gpio_zones(d.config, zones);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "reload", NULL), 1);
	assert_non_null(strstr(err, "a zone's valve pin changed: restart irrigd"));
	free2(out, err);
	assert_int_equal(test_daemon_stop(&d), 0);
	test_daemon_remove(&d);
}

static const char two_zones_config[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
	"    flow_lpm = 12.0; },\n"
	"  { name = \"lawn\"; valve = { expander = 0x20; pin = 1; };\n"
	"    flow_lpm = 25.0; } );\n"
	"report_interval = \"1s\";\n"
	"wait_for_clock_sync = false;\n";

/* Every zone's valve openings in the garden model. */
static unsigned model_opens(const struct test_daemon *d)
{
	char *out, *err;
	unsigned opens = 0;

	assert_int_equal(test_irrigctl(d->socket, &out, &err, "--json", "sim", NULL), 0);
	for (const char *at = out; (at = strstr(at, "\"opens\":")); at++)
		opens += (unsigned)strtoul(at + strlen("\"opens\":"), NULL, 10);
	free2(out, err);
	return opens;
}

/*
 * 50 alternating `water ZONE 1m --now` as fast as clients can send them:
 * the valves switch no faster than min_switch_interval (2 s by default),
 * where they used to switch 75 times in a second, and no run cut short
 * before it watered a second takes a place in the history.
 */
static void test_a_burst_of_now_requests_spares_valves_and_history(void **state)
{
	struct test_daemon d = { 0 };
	int fds[50];
	char *out, *err;
	unsigned opens_before, opens_after;
	int64_t started;

	(void)state;
	start_daemon_in(&d, two_zones_config);
	/* A real run first: the burst must not push it out. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "bed", "2s", NULL), 0);
	free2(out, err);
	opens_before = model_opens(&d);
	assert_int_equal(opens_before, 1);

	started = now_ms();
	for (int i = 0; i < 50; i++) {
		char line[64];
		int len = snprintf(line, sizeof(line), "water %s 1m --now --no-wait\n",
				   i % 2 ? "lawn" : "bed");

		fds[i] = try_connect(d.socket);
		assert_true(fds[i] >= 0);
		assert_int_equal(write(fds[i], line, (size_t)len), len);
	}
	/* One of them waters once the valves may switch again. */
	wait_for_status_of(d.socket, false, "Watering ");
	opens_after = model_opens(&d);
	/* Openings at least 2 s apart: at most one more each 2 s gone by. */
	assert_true(opens_after - opens_before <=
		    1 + (unsigned)((now_ms() - started) / 2000));
	for (int i = 0; i < 50; i++)
		close(fds[i]);

	/* A stop closes at once, however recent the last switch. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "stop", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "--json", "sim", NULL), 0);
	assert_null(strstr(out, "\"open\":true"));
	free2(out, err);

	assert_int_equal(test_irrigctl(d.socket, &out, &err, "--json", "history",
				       "50", NULL), 0);
	/* The real run, and only runs that watered: no more than opened. */
	assert_non_null(strstr(out, "\"planned_s\":2,"));
	assert_null(strstr(out, "\"actual_s\":0,"));
	assert_true((unsigned)count(out, "{\"id\":") <= model_opens(&d));
	free2(out, err);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

/* Two programs at one minute, a frost setting, and the sim's thermometer. */
static const char frost_config[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  adcs = ( { address = 0x48; } ); flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
	"    flow_lpm = 12.0; } );\n"
	"sensors = { temperature = { adc = 0x48; channel = 2; freeze_below = 2.0; }; };\n"
	"programs = (\n"
	"  { name = \"soon\"; start = [\"%02d:%02d\"]; days = \"daily\";\n"
	"    zones = ( { zone = \"bed\"; duration = \"2s\"; } ); },\n"
	"  { name = \"cold\"; start = [\"%02d:%02d\"]; days = \"daily\";\n"
	"    zones = ( { zone = \"bed\"; duration = \"2s\"; } ); } );\n"
	"report_interval = \"1s\";\n"
	"wait_for_clock_sync = false;\n";

static void test_programs_skipped_disabled_and_frozen_from_the_cli(void **state)
{
	struct test_daemon d = { 0 };
	time_t start = time(NULL) + 5;
	struct tm at;
	char *out, *err, *log, text[4096], path[192];
	FILE *f;

	(void)state;
	start += 60 - start % 60;
	localtime_r(&start, &at);
	snprintf(text, sizeof(text), frost_config, at.tm_hour, at.tm_min,
		 at.tm_hour, at.tm_min);
	start_daemon_in(&d, text);

	/* Bad requests change nothing. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "program", "nightly",
				       "disable", NULL), 1);
	assert_non_null(strstr(err, "no program called nightly"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "program", "soon",
				       "off", NULL), 2);
	assert_non_null(strstr(err, "usage: program NAME enable|disable|skip-next"));
	free2(out, err);

	/* skip-next: the schedule says which start goes. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "program", "soon",
				       "skip-next", NULL), 0);
	assert_non_null(strstr(out, "Program soon skips its start at "));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "schedule", "--days", "2",
				       NULL), 0);
	assert_int_equal(count(out, "skipped (asked)"), 1);
	assert_non_null(strstr(out, "soon         bed          2s        skipped (asked)"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "status", NULL), 0);
	assert_non_null(strstr(out, "Program soon: its next start is skipped (asked)"));
	free2(out, err);

	/* Frost: a reading below freeze_below, which the schedule shows. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sim", "temperature", "-5",
				       NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "temperature", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "schedule", NULL), 0);
	assert_non_null(strstr(out, "cold         bed          2s        would skip: "
			       "temperature -"));
	free2(out, err);
	/* Manual runs water in the cold. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "bed", "1s", NULL), 0);
	assert_non_null(strstr(out, "Water used: "));
	free2(out, err);

	/* At the minute neither program waters, and both say why. */
	wait_for_history(&d, " cold       bed ", 75);
	wait_for_history(&d, " soon       bed ", 5);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "history", NULL), 0);
	assert_int_equal(count(out, "skipped\n"), 2);
	assert_int_equal(count(out, "completed\n"), 1);	/* the manual run */
	free2(out, err);
	log = read_file(d.log);
	assert_non_null(strstr(log, "Program soon skipped once, as asked"));
	assert_non_null(strstr(log, "Program cold skipped: the temperature, -"));
	assert_non_null(strstr(log, "is below freeze_below (2.0 °C)"));
	assert_null(strstr(log, "Program soon started"));
	assert_null(strstr(log, "Program cold started"));
	free(log);
	/* The skip was used up. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "schedule", "--days", "2",
				       NULL), 0);
	assert_null(strstr(out, "skipped (asked)"));
	free2(out, err);

	/* disable outlives a restart and a reload; enable brings it back. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "program", "soon",
				       "disable", NULL), 0);
	assert_non_null(strstr(out, "Program soon disabled until irrigctl program "
			       "soon enable"));
	free2(out, err);
	assert_int_equal(test_daemon_stop(&d), 0);
	start_daemon_in(&d, text);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "reload", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "schedule", "--days", "2",
				       NULL), 0);
	assert_null(strstr(out, "soon         bed"));
	assert_non_null(strstr(out, "cold         bed"));
	assert_non_null(strstr(out, "Program soon is disabled by irrigctl"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "status", NULL), 0);
	assert_non_null(strstr(out, "Program soon: disabled by irrigctl"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "program", "soon",
				       "enable", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "schedule", "--days", "2",
				       NULL), 0);
	assert_non_null(strstr(out, "soon         bed"));
	free2(out, err);
	assert_int_equal(test_daemon_stop(&d), 0);

	/* A damaged file is set aside: programs run as the config says. */
	snprintf(path, sizeof(path), "%s/programs", d.state);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("irrigd-programs 1\nsoon disabled", f);
	fclose(f);
	start_daemon_in(&d, text);
	assert_true(test_daemon_logged(&d, "programs run as the config says"));
	snprintf(path, sizeof(path), "%s/programs.bad", d.state);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "schedule", "--days", "2",
				       NULL), 0);
	assert_non_null(strstr(out, "soon         bed"));
	free2(out, err);
	assert_int_equal(test_daemon_stop(&d), 0);
	test_daemon_remove(&d);
}


int main(void)
{
	const struct CMUnitTest shared_daemon[] = {
		cmocka_unit_test(test_water_streams_reports_and_summary),
		cmocka_unit_test(test_water_json_events),
		cmocka_unit_test(test_bad_requests_change_nothing),
		cmocka_unit_test(test_queue_status_skip_and_stop),
		cmocka_unit_test(test_readings),
		cmocka_unit_test(test_long_and_binary_lines),
		cmocka_unit_test(test_client_leaves_during_stream),
		cmocka_unit_test(test_interrupted_irrigctl_stops_its_run),
		cmocka_unit_test(test_end_of_input_stops_a_run_only_when_asked),
		cmocka_unit_test(test_help_for_one_command),
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_json_errors_from_irrigctl_itself),
		cmocka_unit_test(test_no_permission_says_which_group),
		cmocka_unit_test(test_status_tells_when_programs_wait_for_the_clock),
	};
	const struct CMUnitTest own_daemon[] = {
		cmocka_unit_test(test_sigterm_closes_valves_and_exits_0),
		cmocka_unit_test(test_no_wait_during_a_master_lead),
		cmocka_unit_test(test_a_crash_shows_as_interrupted_after_restart),
		cmocka_unit_test(test_daemon_options),
		cmocka_unit_test(test_one_line_written_two_ways),
		cmocka_unit_test(test_a_second_daemon_on_the_state_dir_is_refused),
		cmocka_unit_test(test_reload_keeps_each_zone_on_its_own_valve),
		cmocka_unit_test(test_no_pulse_lost_while_probes_settle),
		cmocka_unit_test(test_reports_name_the_zones_probes),
		cmocka_unit_test(test_sensors_name_the_chip_that_does_not_answer),
		cmocka_unit_test(test_gallons_for_people_litres_for_programs),
		cmocka_unit_test(test_stop_is_not_held_by_sensor_reads),
		cmocka_unit_test(test_sigterm_is_not_held_by_sensor_reads),
		cmocka_unit_test(test_reload_while_a_run_awaits_its_final_moisture),
		cmocka_unit_test(test_many_sensor_readers_share_one_read),
		cmocka_unit_test(test_a_program_runs_on_time_and_survives_a_bad_reload),
		cmocka_unit_test(test_a_burst_of_now_requests_spares_valves_and_history),
		cmocka_unit_test(test_programs_skipped_disabled_and_frozen_from_the_cli),
	};
	int failed;

	failed = TEST_RUN_GROUP("e2e", shared_daemon, setup_shared,
					     teardown_shared);
	failed += TEST_RUN_GROUP("e2e-own-daemon", own_daemon, NULL, NULL);
	return failed ? 1 : 0;
}
