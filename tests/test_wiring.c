/* The wiring record: its format, and irrigd --all-off and start-up closing what a killed daemon drove, whatever the config says by then. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/wiring.h"
#include "support.h"

/* ---- the record's text ---- */

static void test_record_round_trip(void **state)
{
	struct wiring w = { .sim = false, .i2c_bus = 1 }, back;
	char text[WIRING_TEXT_MAX], err[128] = "";
	int n;

	(void)state;
	w.outputs[0] = (struct wiring_output){ .address = 0x20, .pin = 0,
					       .active_low = true,
					       .line = { .offset = -1 } };
	w.outputs[1] = (struct wiring_output){ .address = 0x27, .pin = 7,
					       .line = { .offset = -1 } };
	w.outputs[2] = (struct wiring_output){ .on_gpio = true,
					       .line = { "GPIO22", "", -1 } };
	w.outputs[3] = (struct wiring_output){ .on_gpio = true, .active_low = true,
					       .line = { "", "gpiochip0", 5 } };
	w.n_outputs = 4;
	n = wiring_format(&w, text, sizeof(text));
	assert_true(n > 0);
	assert_string_equal(text, "irrigd-wiring 1\nbackend linux\ni2c_bus 1\n"
			    "expander 0x20 0 active-low\n"
			    "expander 0x27 7 active-high\n"
			    "gpio-line GPIO22 active-high\n"
			    "gpio-chip gpiochip0 5 active-low\n");
	assert_int_equal(wiring_parse(text, (size_t)n, &back, err, sizeof(err)), 0);
	assert_int_equal(back.n_outputs, 4);
	assert_false(back.sim);
	assert_int_equal(back.i2c_bus, 1);
	for (size_t i = 0; i < 4; i++) {
		assert_true(wiring_same_output(&w.outputs[i], &back.outputs[i]));
		assert_int_equal(w.outputs[i].active_low, back.outputs[i].active_low);
	}
	assert_int_equal(wiring_format(&w, text, 40), -ENOSPC);
}

/* Anything irrigd did not write is refused, so a guess never drives a pin. */
static void test_record_refuses_what_it_did_not_write(void **state)
{
	static const char *const bad[] = {
		"",
		"irrigd-wiring 2\nbackend sim\ni2c_bus 1\n",
		"irrigd-wiring 1\nbackend sim\ni2c_bus 1",
		"irrigd-wiring 1\nbackend sim\n",
		"irrigd-wiring 1\nbackend real\ni2c_bus 1\n",
		"irrigd-wiring 1\nbackend sim\ni2c_bus 01\n",
		"irrigd-wiring 1\nbackend sim\ni2c_bus 1\nexpander 0x28 0 active-low\n",
		"irrigd-wiring 1\nbackend sim\ni2c_bus 1\nexpander 0x20 8 active-low\n",
		"irrigd-wiring 1\nbackend sim\ni2c_bus 1\nexpander 0x20 0 low\n",
		"irrigd-wiring 1\nbackend sim\ni2c_bus 1\nexpander 0x20  0 active-low\n",
		"irrigd-wiring 1\nbackend sim\ni2c_bus 1\nexpander 0x20 0 active-low \n",
		"irrigd-wiring 1\nbackend sim\ni2c_bus 1\nexpander 0x20 0 active-low\n"
		"expander 0x20 0 active-high\n",
		"irrigd-wiring 1\nbackend sim\ni2c_bus 1\ngpio-chip gpiochip0 1024 "
		"active-low\n",
		"irrigd-wiring 1\nbackend sim\ni2c_bus 1\nvalve 0x20 0 active-low\n",
		"irrigd-wiring 1\r\nbackend sim\ni2c_bus 1\n",
	};
	struct wiring w;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (wiring_parse(bad[i], strlen(bad[i]), &w, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(err, "line "));
	}
}

/* ---- irrigd on simulated chips that outlive it ---- */

/* Zone lawn on expander pin lawn_pin (active high), bed on pin 2. */
static const char config_fmt[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = (\n"
	"  { name = \"lawn\"; valve = { expander = 0x20; pin = %d; }; flow_lpm = 20.0; },\n"
	"  { name = \"%s\"; valve = { expander = 0x20; pin = 2; }; flow_lpm = 10.0; } );\n"
	"wait_for_clock_sync = false;\n";

static void write_config(const struct test_daemon *d, int lawn_pin,
			 const char *second_zone)
{
	char text[1024];

	snprintf(text, sizeof(text), config_fmt, lawn_pin, second_zone);
	test_daemon_write_config(d, text);
}

static char chips_path[160];

static void keep_chips(void *arg)
{
	(void)arg;
	setenv("IRRIGD_SIM_CHIPS", chips_path, 1);
}

/* IODIR and OLAT of the simulated MCP23008 at address, as the file has them. */
static void chip_regs(uint8_t address, unsigned *iodir, unsigned *olat)
{
	char *text = read_file(chips_path), key[8];
	const char *line;

	assert_non_null(text);
	snprintf(key, sizeof(key), "0x%02x ", address);
	line = strstr(text, key);
	assert_non_null(line);
	assert_int_equal(sscanf(line + 5, "%x %x", iodir, olat), 2);
	free(text);
}

/* Is the active-high valve on pin driven high (open)? */
static bool pin_driven_high(unsigned pin)
{
	unsigned iodir, olat;

	chip_regs(0x20, &iodir, &olat);
	return !(iodir & (1u << pin)) && (olat & (1u << pin));
}

static void start(struct test_daemon *d, int lawn_pin)
{
	test_daemon_prepare(d, "wiring");
	snprintf(chips_path, sizeof(chips_path), "%s/chips", d->dir);
	write_config(d, lawn_pin, "bed");
	test_daemon_spawn(d, keep_chips, NULL);
}

static void water_lawn(const struct test_daemon *d)
{
	char *out, *err;

	assert_int_equal(test_irrigctl(d->socket, &out, &err, "water", "lawn", "10m",
				       "--no-wait", NULL), 0);
	free(out);
	free(err);
	assert_true(pin_driven_high(0));
}

static void kill_9(struct test_daemon *d)
{
	int status;

	assert_int_equal(kill(d->pid, SIGKILL), 0);
	assert_int_equal(waitpid(d->pid, &status, 0), d->pid);
	d->pid = 0;
}

static int all_off(const struct test_daemon *d, char **log)
{
	return test_irrigd(log, keep_chips, NULL, "--all-off", "--sim", "-c",
			   d->config, "--state-dir", d->state, NULL);
}

/* status, text or JSON; the reply in *out. */
static void status(const struct test_daemon *d, bool json, char **out)
{
	char *err;

	assert_int_equal(test_irrigctl(d->socket, out, &err, json ? "--json" :
				       "status", json ? "status" : NULL, NULL), 0);
	free(err);
}

/* SIGHUP, then status until it tells of the refusal (a reload is asynchronous). */
static void hangup_refused(const struct test_daemon *d)
{
	char *out = NULL;

	assert_int_equal(kill(d->pid, SIGHUP), 0);
	for (int i = 0; i < 1000; i++) {
		status(d, false, &out);
		if (strstr(out, "Reload refused"))
			break;
		free(out);
		out = NULL;
		sleep_ms(10);
	}
	assert_non_null(out);
	assert_non_null(strstr(out, "Reload refused"));
	assert_non_null(strstr(out, "the running config stays"));
	free(out);
}

/*
 * Issue #11: a config that does not load (a zone named twice) made
 * --all-off exit 1 without touching a pin, and status did not say the
 * reload was refused.
 */
static void test_kill_9_after_a_refused_reload(void **state)
{
	struct test_daemon d = { .pid = 0 };
	char *out, *err, *log;
	const char *why;

	(void)state;
	start(&d, 0);
	water_lawn(&d);
	write_config(&d, 0, "lawn");
	hangup_refused(&d);
	status(&d, false, &out);
	assert_non_null(strstr(out, "zones.[1].name"));
	free(out);
	status(&d, true, &out);
	assert_non_null(strstr(out, "\"reload_refused\":{\"at\":"));
	assert_non_null(strstr(out, "\"error\":\""));
	free(out);
	/* The next good reload clears it; a bad one shows again. */
	write_config(&d, 0, "bed");
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "reload", NULL), 0);
	free(out);
	free(err);
	status(&d, false, &out);
	assert_null(strstr(out, "Reload refused"));
	free(out);
	status(&d, true, &out);
	assert_null(strstr(out, "reload_refused"));
	free(out);
	write_config(&d, 0, "lawn");
	assert_int_not_equal(test_irrigctl(d.socket, &out, &err, "reload", NULL), 0);
	free(out);
	free(err);
	status(&d, true, &out);
	assert_non_null(strstr(out, "\"reload_refused\":{"));
	free(out);
	assert_true(pin_driven_high(0));

	kill_9(&d);
	assert_true(pin_driven_high(0));
	if (all_off(&d, &log) != 0 || pin_driven_high(0))
		fail_msg("--all-off left the valve open; it said:\n%s", log);
	assert_non_null(strstr(log, "every valve closed"));
	free(log);
	/*
	 * The broken file keeps irrigd from starting, with the status that
	 * tells systemd not to restart it; the valve stays closed.
	 */
	why = test_daemon_try_spawn(&d, keep_chips, NULL);
	assert_non_null(why);
	assert_non_null(strstr(why, "exited with 78"));
	assert_false(pin_driven_high(0));
	test_daemon_remove(&d);
}

/* A refused wiring change: the new file's pin 1 was closed, not the open pin 0. */
static void test_kill_9_after_a_refused_wiring_change(void **state)
{
	struct test_daemon d = { .pid = 0 };
	char *out, *log;

	(void)state;
	start(&d, 0);
	water_lawn(&d);
	write_config(&d, 1, "bed");
	hangup_refused(&d);
	status(&d, false, &out);
	assert_non_null(strstr(out, "a zone's valve pin changed"));
	free(out);
	kill_9(&d);
	assert_true(pin_driven_high(0));
	if (all_off(&d, &log) != 0 || pin_driven_high(0))
		fail_msg("--all-off left the valve open; it said:\n%s", log);
	free(log);
	test_daemon_remove(&d);
}

/* A restart after the valve moved from pin 0 to pin 1 in the file. */
static void test_start_closes_what_the_last_run_drove(void **state)
{
	struct test_daemon d = { .pid = 0 };
	char *out, *err;

	(void)state;
	start(&d, 0);
	water_lawn(&d);
	kill_9(&d);
	write_config(&d, 1, "bed");
	test_daemon_spawn(&d, keep_chips, NULL);
	if (pin_driven_high(0)) {
		char *text = read_file(d.log);

		fail_msg("pin 0 stayed high after the start; irrigd said:\n%s", text);
	}
	assert_true(test_daemon_logged(&d, "closed what the last run drove and the "
				       "config no longer names: expander 0x20 pin 0"));
	status(&d, false, &out);
	assert_non_null(strstr(out, "Idle: every valve closed"));
	free(out);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "water", "lawn", "10m",
				       "--no-wait", NULL), 0);
	free(out);
	free(err);
	assert_true(pin_driven_high(1));
	assert_false(pin_driven_high(0));
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	assert_false(pin_driven_high(1));
	test_daemon_remove(&d);
}

/* The record says what the daemon drove: a later file on disk changes nothing. */
static void test_start_records_its_wiring(void **state)
{
	struct test_daemon d = { .pid = 0 };
	char path[200], *text;
	FILE *f;

	(void)state;
	start(&d, 3);
	snprintf(path, sizeof(path), "%s/wiring", d.state);
	text = read_file(path);
	assert_non_null(text);
	assert_string_equal(text, "irrigd-wiring 1\nbackend sim\ni2c_bus 1\n"
			    "expander 0x20 3 active-high\n"
			    "expander 0x20 2 active-high\n");
	free(text);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	/* A record irrigd cannot read is said, and replaced at the next start. */
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("junk\n", f);
	fclose(f);
	test_daemon_spawn(&d, keep_chips, NULL);
	assert_true(test_daemon_logged(&d, "the wiring record cannot be read"));
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	text = read_file(path);
	assert_non_null(strstr(text, "expander 0x20 3 active-high\n"));
	free(text);
	test_daemon_remove(&d);
}

/* Neither record nor config: every output of every chip made an input. */
static void test_all_off_with_neither_record_nor_config(void **state)
{
	struct test_daemon d = { .pid = 0 };
	char *log;
	unsigned iodir, olat;
	FILE *f;

	(void)state;
	test_daemon_prepare(&d, "wiring");
	snprintf(chips_path, sizeof(chips_path), "%s/chips", d.dir);
	/* Pins 0 and 5 outputs, 0 driven high: a valve left open. */
	f = fopen(chips_path, "we");
	assert_non_null(f);
	fputs("0x20 -- --\n0x21 -- --\n0x22 -- --\n0x23 de 01\n0x24 -- --\n"
	      "0x25 -- --\n0x26 -- --\n0x27 -- --\n", f);
	fclose(f);
	assert_int_equal(test_irrigd(&log, keep_chips, NULL,
				     "--all-off", "--sim", "-c", "/nonexistent.conf",
				     "--state-dir", d.state, NULL), 0);
	assert_non_null(strstr(log, "every output of the 1 MCP23008 on the simulated "
			       "bus made an input"));
	free(log);
	chip_regs(0x23, &iodir, &olat);
	assert_int_equal(iodir, 0xff);
	/* No chip answers at all: nothing could be closed, and it says so. */
	f = fopen(chips_path, "we");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(test_irrigd(&log, keep_chips, NULL,
				     "--all-off", "--sim", "-c", "/nonexistent.conf",
				     "--state-dir", d.state, NULL), 1);
	assert_non_null(strstr(log, "a valve may still be open"));
	free(log);
	test_daemon_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_record_refuses_what_it_did_not_write),
		cmocka_unit_test(test_kill_9_after_a_refused_reload),
		cmocka_unit_test(test_kill_9_after_a_refused_wiring_change),
		cmocka_unit_test(test_start_closes_what_the_last_run_drove),
		cmocka_unit_test(test_start_records_its_wiring),
		cmocka_unit_test(test_all_off_with_neither_record_nor_config),
	};

	return cmocka_run_group_tests_name("wiring", tests, NULL, NULL);
}
