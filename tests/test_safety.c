/* End to end: every flow alarm, fault and cap, injected into the simulated garden and seen through irrigctl. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

/*
 * Two zones: bed's flow is configured (12 L/min, what the sim pulses),
 * lawn's is learned.  Alarms settle for 1 s and trip after 2 s, so each
 * takes a few seconds.  %s: more safety settings, more of bed's, more
 * of lawn's, and the programs.
 */
static const char config_fmt[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  adcs = ( { address = 0x48; } ); flow_meter = { line = \"GPIO17\"; }; };\n"
	"safety = { settle = \"1s\"; alarm_delay = \"2s\"; %s };\n"
	"zones = (\n"
	"  { name = \"bed\"; valve = { expander = 0x20; pin = 0; active_low = true; };\n"
	"    flow_lpm = 12.0; stop_at = 99.0; %s },\n"
	"  { name = \"lawn\"; valve = { expander = 0x20; pin = 1; }; %s } );\n"
	"sensors = { soil = (\n"
	"  { name = \"p1\"; adc = 0x48; channel = 0; zone = \"bed\";\n"
	"    dry_volts = 2.8; wet_volts = 1.3; },\n"
	"  { name = \"p2\"; adc = 0x48; channel = 1; zone = \"bed\";\n"
	"    dry_volts = 2.8; wet_volts = 1.3; } ); };\n"
	"%s\n"
	"report_interval = \"1s\";\n"
	"wait_for_clock_sync = false;\n";

static void start(struct test_daemon *d, const char *safety, const char *bed,
		  const char *lawn, const char *programs)
{
	char text[4096];

	snprintf(text, sizeof(text), config_fmt, safety, bed, lawn, programs);
	test_daemon_start(d, text);
}

static void finish(struct test_daemon *d)
{
	assert_int_equal(test_daemon_stop_showing_log(d), 0);
	test_daemon_remove(d);
}

/* Runs irrigctl; returns its status and keeps stdout + stderr in *text. */
static int ctl(struct test_daemon *d, char **text, ...)
{
	const char *args[16];
	char *out, *err;
	va_list ap;
	int n = 0, status;

	va_start(ap, text);
	while (n < 15 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	status = test_irrigctl(d->socket, &out, &err, args[0], args[1], args[2],
			       args[3], args[4], args[5], args[6], args[7], NULL);
	*text = malloc(strlen(out) + strlen(err) + 1);
	assert_non_null(*text);
	strcpy(*text, out);
	strcat(*text, err);
	free(out);
	free(err);
	return status;
}

/* Asserts the reply of a command holds needle (and its exit status). */
static void expect(struct test_daemon *d, int status, const char *needle, ...)
{
	const char *args[16];
	char *text;
	va_list ap;
	int n = 0, got;

	va_start(ap, needle);
	while (n < 15 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	for (int i = n; i < 8; i++)
		args[i] = NULL;
	got = ctl(d, &text, args[0], args[1], args[2], args[3], args[4], args[5],
		  args[6], args[7], NULL);
	if (got != status || !strstr(text, needle))
		fail_msg("irrigctl %s %s %s: status %d (want %d), output:\n%s\n"
			 "(wanted '%s')", args[0], args[1] ? args[1] : "",
			 args[2] ? args[2] : "", got, status, text, needle);
	free(text);
}

/* Waits up to limit_s for a command's reply to hold needle. */
static void wait_for(struct test_daemon *d, int limit_s, const char *needle,
		     const char *cmd, const char *arg)
{
	for (int i = 0; i < limit_s * 10; i++) {
		char *text;
		bool found;

		ctl(d, &text, cmd, arg, NULL);
		found = strstr(text, needle) != NULL;
		free(text);
		if (found)
			return;
		sleep_ms(100);
	}
	fail_msg("irrigctl %s never said '%s'", cmd, needle);
}

static bool valve_open(struct test_daemon *d, const char *zone)
{
	char *text, needle[64];
	bool open;

	assert_int_equal(ctl(d, &text, "sim", NULL), 0);
	snprintf(needle, sizeof(needle), "zone %-12s valve open", zone);
	open = strstr(text, needle) != NULL;
	free(text);
	return open;
}

static void test_no_flow_closes_the_zone_and_latches(void **state)
{
	struct test_daemon d = { 0 };

	(void)state;
	start(&d, "", "", "", "");
	expect(&d, 0, "valves pass 0 % of their flow", "sim", "flow", "0", NULL);
	/* The run ends long before its minute: no water, so a fault. */
	expect(&d, 1, "no flow: 0.0 L/min, expected 12.0 L/min", "water", "bed",
	       "1", NULL);
	assert_false(valve_open(&d, "bed"));
	expect(&d, 0, "bed          no-flow", "faults", NULL);
	expect(&d, 0, "Fault on bed since ", "status", NULL);
	expect(&d, 0, "[FAULT]", "zones", NULL);
	expect(&d, 0, " fault\n", "history", NULL);
	assert_true(test_daemon_logged(&d, "Fault latched on bed: no flow"));

	/* Held: a person must clear it or force a run. */
	expect(&d, 0, "", "sim", "flow", "100", NULL);
	expect(&d, 1, "bed is held by a no-flow fault", "water", "bed", "5s", NULL);
	expect(&d, 1, "--force", "water", "bed", "5s", NULL);
	expect(&d, 0, "Water used: ", "water", "bed", "2s", "--force", NULL);
	/* lawn has no fault of its own and waters. */
	expect(&d, 0, "Valve closed", "water", "lawn", "2s", NULL);
	expect(&d, 0, "Cleared 1 fault", "clear", "bed", NULL);
	expect(&d, 0, "No latched fault", "faults", NULL);
	expect(&d, 0, "Valve closed", "water", "bed", "2s", NULL);
	expect(&d, 1, "no zone called nowhere", "clear", "nowhere", NULL);

	/* A fault survives a restart: it latches until cleared. */
	expect(&d, 0, "", "sim", "flow", "0", NULL);
	expect(&d, 1, "no flow", "water", "bed", "1", NULL);
	assert_int_equal(test_daemon_stop(&d), 0);
	start(&d, "", "", "", "");
	expect(&d, 0, "bed          no-flow", "faults", NULL);
	expect(&d, 1, "held by a no-flow fault", "water", "bed", "5s", NULL);
	finish(&d);
}

static void test_high_flow_closes_the_zone(void **state)
{
	struct test_daemon d = { 0 };

	(void)state;
	start(&d, "", "", "", "");
	expect(&d, 0, "", "sim", "flow", "200", NULL);
	expect(&d, 1, "high flow: 24.0 L/min, expected 12.0 L/min", "water", "bed",
	       "1", NULL);
	assert_false(valve_open(&d, "bed"));
	expect(&d, 0, "high-flow", "faults", NULL);
	assert_true(test_daemon_logged(&d, "Fault latched on bed: high flow"));
	finish(&d);
}

static void test_low_flow_warns_and_keeps_watering(void **state)
{
	struct test_daemon d = { 0 };

	(void)state;
	start(&d, "", "", "", "");
	expect(&d, 0, "", "sim", "flow", "50", NULL);
	expect(&d, 0, "Water used: ", "water", "bed", "6s", NULL);
	expect(&d, 0, "No latched fault", "faults", NULL);
	assert_true(test_daemon_logged(&d, "Low flow in zone bed: 6.0 L/min, "
				       "expected 12.0 L/min"));
	finish(&d);
}

static void test_leak_with_every_valve_closed(void **state)
{
	struct test_daemon d = { 0 };

	(void)state;
	start(&d, "leak_lpm = 1.0;", "", "", "");
	/* Below the threshold: a drip is no alarm. */
	expect(&d, 0, "", "sim", "leak", "0.5", NULL);
	sleep_ms(5000);
	expect(&d, 0, "No latched fault", "faults", NULL);
	expect(&d, 0, "a leak of 3.0 L/min", "sim", "leak", "3", NULL);
	wait_for(&d, 15, "(garden)     leak", "faults", NULL);
	expect(&d, 0, " L/min with every valve closed (above 1 L/min)", "faults",
	       NULL);
	/* A garden-wide fault holds every zone. */
	expect(&d, 1, "held by a leak fault of the garden", "water", "lawn", "5s",
	       NULL);
	expect(&d, 0, "A fault of the garden still holds bed", "clear", "bed", NULL);
	expect(&d, 0, "", "sim", "leak", "0", NULL);
	expect(&d, 0, "Cleared 1 fault", "clear", NULL);
	expect(&d, 0, "Valve closed", "water", "lawn", "2s", NULL);
	assert_true(test_daemon_logged(&d, "Fault latched on the garden: leak"));
	finish(&d);
}

static void test_a_valve_that_does_not_switch(void **state)
{
	struct test_daemon d = { 0 };

	(void)state;
	start(&d, "", "", "", "");
	expect(&d, 0, "[injected: valve stuck]", "sim", "valve", "bed", "stuck",
	       NULL);
	expect(&d, 1, "valve did not open", "water", "bed", "5s", NULL);
	expect(&d, 0, "valve", "faults", NULL);
	expect(&d, 0, "its valve did not open", "faults", NULL);
	assert_false(valve_open(&d, "bed"));
	assert_true(test_daemon_logged(&d, "Fault latched on bed: its valve did "
				       "not open"));
	/* Fixed, cleared: it waters again. */
	expect(&d, 0, "", "sim", "valve", "bed", "ok", NULL);
	expect(&d, 0, "Cleared", "clear", NULL);
	expect(&d, 0, "Valve closed", "water", "bed", "2s", NULL);
	finish(&d);
}

static void test_failed_probes_are_shown_and_recover(void **state)
{
	struct test_daemon d = { 0 };

	(void)state;
	start(&d, "", "", "", "");
	expect(&d, 0, "[injected: disconnected]", "sim", "probe", "p1",
	       "disconnected", NULL);
	expect(&d, 0, "p1           failed: it reads 0.00 V, outside 0.05 to 3.25 V",
	       "sensors", NULL);
	expect(&d, 0, "p1 ", "faults", NULL);
	expect(&d, 0, "Probe p1 failed", "status", NULL);
	assert_true(test_daemon_logged(&d, "Soil probe p1 failed"));
	expect(&d, 0, "", "sim", "probe", "p2", "stuck", "3.3", NULL);
	expect(&d, 0, "p2           failed: it reads 3.3", "moisture", NULL);
	/* Every probe of bed failed: its stop_at falls back to the clock. */
	expect(&d, 0, "Water used: ", "water", "bed", "2s", NULL);
	assert_true(test_daemon_logged(&d, "No probe of zone bed reads (p1 ?, p2 ?): "
				       "its moisture rules fall back to the plain "
				       "schedule"));
	expect(&d, 0, "", "sim", "clear", NULL);
	{
		char *text;

		assert_int_equal(ctl(&d, &text, "moisture", NULL), 0);
		assert_null(strstr(text, "failed"));
		assert_non_null(strstr(text, " %"));
		free(text);
	}
	expect(&d, 0, "No latched fault", "faults", NULL);
	assert_true(test_daemon_logged(&d, "Soil probe p1 reads again"));

	/* A bus that always fails marks every probe failed; they recover. */
	expect(&d, 0, "100 % of I2C transfers fail", "sim", "i2c-errors", "100",
	       NULL);
	expect(&d, 0, "p2           failed: it cannot be read", "sensors", NULL);
	/* One in ten transfers fails: the retries hide it. */
	expect(&d, 0, "", "sim", "i2c-errors", "10", NULL);
	for (int i = 0; i < 5; i++) {
		char *text;

		assert_int_equal(ctl(&d, &text, "moisture", NULL), 0);
		assert_null(strstr(text, "failed"));
		free(text);
	}
	expect(&d, 0, "", "sim", "i2c-errors", "0", NULL);
	finish(&d);
}

static void test_expected_flow_is_learned(void **state)
{
	struct test_daemon d = { 0 };

	(void)state;
	start(&d, "", "", "", "");
	expect(&d, 0, "lawn         flow not known yet", "zones", NULL);
	expect(&d, 0, "bed          12.0 L/min", "zones", NULL);
	/* No flow is still an alarm before anything is learned. */
	expect(&d, 0, "", "sim", "flow", "0", NULL);
	expect(&d, 1, "no flow: 0.0 L/min (below 0.5 L/min; its flow is not "
	       "learned yet)", "water", "lawn", "1", NULL);
	expect(&d, 0, "", "sim", "flow", "100", NULL);
	expect(&d, 0, "Cleared", "clear", NULL);
	/* A faulted run teaches nothing; a clean one of 1 s settle + 7 s does. */
	expect(&d, 0, "Valve closed", "water", "lawn", "8s", NULL);
	expect(&d, 0, "lawn         12.0 L/min learned (1 run)", "zones", NULL);
	expect(&d, 0, "\"expected_from\":\"learned\",\"learned_runs\":1", "--json",
	       "zones", NULL);
	/* A run that warned of low flow (a clogging filter) teaches nothing. */
	expect(&d, 0, "", "sim", "flow", "50", NULL);
	expect(&d, 0, "Valve closed", "water", "lawn", "8s", NULL);
	assert_true(test_daemon_logged(&d, "Low flow in zone lawn: 6.0 L/min"));
	expect(&d, 0, "lawn         12.0 L/min learned (1 run)", "zones", NULL);
	/* The learned flow now trips a high-flow alarm too. */
	expect(&d, 0, "", "sim", "flow", "200", NULL);
	expect(&d, 1, "high flow: 24.0 L/min, expected 12.0 L/min", "water", "lawn",
	       "1", NULL);
	finish(&d);
}

/*
 * Issue #11: a burst pipe on a zone whose flow is not known yet was
 * learned as its flow (sim flow 300, water 15s: "36.0 L/min learned"),
 * and so was a run a person stopped.  The garden's ceiling (30 L/min by
 * default) closes the zone before anything is learned, whether its flow
 * is known or not.
 */
static void test_a_burst_pipe_is_never_learned(void **state)
{
	struct test_daemon d = { 0 };

	(void)state;
	/* bed's own high threshold lets 36 L/min by: the ceiling does not. */
	start(&d, "", "high_flow_percent = 1000.0;", "", "");
	expect(&d, 0, "", "sim", "flow", "300", NULL);
	expect(&d, 1, "high flow: 36.0 L/min, above the garden's max_flow_lpm "
	       "of 30 L/min", "water", "lawn", "15s", NULL);
	assert_false(valve_open(&d, "lawn"));
	expect(&d, 0, "lawn         flow not known yet", "zones", NULL);
	expect(&d, 0, "lawn         high-flow", "faults", NULL);
	expect(&d, 1, "high flow: 36.0 L/min, above the garden's max_flow_lpm "
	       "of 30 L/min", "water", "bed", "15s", NULL);
	expect(&d, 0, "Cleared 2 faults", "clear", NULL);

	/* Under the ceiling, a run stopped by a person teaches nothing. */
	expect(&d, 0, "", "sim", "flow", "200", NULL);
	expect(&d, 0, "", "water", "lawn", "30s", "--no-wait", NULL);
	sleep_ms(8000);
	expect(&d, 0, "Stopped", "stop", NULL);
	expect(&d, 0, "lawn         flow not known yet", "zones", NULL);
	assert_true(test_daemon_logged(&d, "the run of lawn taught nothing of its "
				       "flow: only a run that waters its whole "
				       "time teaches, and it was stopped"));

	/* The tap as it should be: learned, and no low-flow warning. */
	expect(&d, 0, "", "sim", "clear", NULL);
	expect(&d, 0, "Valve closed", "water", "lawn", "8s", NULL);
	expect(&d, 0, "lawn         12.0 L/min learned (1 run)", "zones", NULL);
	assert_false(test_daemon_logged(&d, "Low flow in zone lawn"));
	finish(&d);
}

/* A flow far from the learned one replaces it only when runs agree on it. */
static void test_a_new_flow_needs_runs_that_agree(void **state)
{
	struct test_daemon d = { 0 };

	(void)state;
	start(&d, "", "", "", "");
	expect(&d, 0, "Valve closed", "water", "lawn", "8s", NULL);
	expect(&d, 0, "lawn         12.0 L/min learned (1 run)", "zones", NULL);
	/* 16.8 L/min: 40 % more, under the high-flow alarm's 150 %. */
	expect(&d, 0, "", "sim", "flow", "140", NULL);
	expect(&d, 0, "Valve closed", "water", "lawn", "8s", NULL);
	expect(&d, 0, "lawn         12.0 L/min learned (1 run)", "zones", NULL);
	expect(&d, 0, "Valve closed", "water", "lawn", "8s", NULL);
	expect(&d, 0, "lawn         12.0 L/min learned (1 run)", "zones", NULL);
	assert_true(test_daemon_logged(&d, " L/min: 2 of 3 runs in a row that "
				       "must agree"));
	/* The runs waiting to agree outlast a restart (the sim's tap does not). */
	assert_int_equal(test_daemon_stop(&d), 0);
	start(&d, "", "", "", "");
	expect(&d, 0, "", "sim", "flow", "140", NULL);
	expect(&d, 0, "Valve closed", "water", "lawn", "8s", NULL);
	expect(&d, 0, "lawn         16.8 L/min learned (3 runs)", "zones", NULL);
	finish(&d);
}

/* A flow that changes during the run (a pipe that bursts) teaches nothing. */
static void test_an_unsteady_run_teaches_nothing(void **state)
{
	struct test_daemon d = { 0 };

	(void)state;
	start(&d, "", "", "", "");
	expect(&d, 0, "", "water", "lawn", "14s", "--no-wait", NULL);
	sleep_ms(4000);
	expect(&d, 0, "", "sim", "flow", "180", NULL);
	wait_for(&d, 40, " completed\n", "history", NULL);
	expect(&d, 0, "lawn         flow not known yet", "zones", NULL);
	assert_true(test_daemon_logged(&d, "the run of lawn taught nothing of its "
				       "flow: its flow was not steady"));
	finish(&d);
}

/* irrigctl learn: a learning run sets the flow at once, or says why not. */
static void test_learn_sets_the_flow_at_once(void **state)
{
	struct test_daemon d = { 0 };

	(void)state;
	start(&d, "", "", "", "");
	expect(&d, 1, "no zone called nowhere", "learn", "nowhere", NULL);
	/* 1 s settle, 5 s to teach, 5 s to see it steady. */
	expect(&d, 1, "a learning run of lawn needs at least 11s", "learn", "lawn",
	       "5s", NULL);
	expect(&d, 0, "Learned: lawn draws 12.0 L/min\n", "learn", "lawn", "12s",
	       NULL);
	expect(&d, 0, "lawn         12.0 L/min learned (1 run)", "zones", NULL);
	/* Far from it, and yet taken at once: the person asked. */
	expect(&d, 0, "", "sim", "flow", "140", NULL);
	expect(&d, 0, "\"learned_lpm\":", "--json", "learn", "lawn", "12s", NULL);
	expect(&d, 0, "lawn         16.8 L/min learned (1 run)", "zones", NULL);
	expect(&d, 0, "its configured flow_lpm is what the alarms use", "learn",
	       "bed", "12s", NULL);
	/* A burst ends it: nothing learned, and the fault holds the zone. */
	expect(&d, 0, "", "sim", "flow", "300", NULL);
	expect(&d, 1, "Nothing learned: only a run that waters its whole time "
	       "teaches, and it ended by a fault", "learn", "lawn", "12s", NULL);
	expect(&d, 0, "lawn         16.8 L/min learned (1 run)", "zones", NULL);
	expect(&d, 1, "lawn is held by a high-flow fault", "learn", "lawn", "12s",
	       NULL);
	expect(&d, 0, "", "sim", "clear", NULL);
	expect(&d, 0, "Cleared", "clear", NULL);
	assert_true(test_daemon_logged(&d, "L/min (was 12.0 L/min)"));
	finish(&d);
}

static void test_daily_caps_end_runs(void **state)
{
	struct test_daemon d = { 0 };
	char *text;

	(void)state;
	/* 12 L/min: bed's cap of 1 L is reached after 5 s. */
	start(&d, "daily_cap_litres = 3.0;", "daily_cap_litres = 1.0;", "", "");
	expect(&d, 0, "1 L a day", "zones", NULL);
	assert_int_equal(ctl(&d, &text, "water", "bed", "30s", NULL), 0);
	assert_non_null(strstr(text, "the daily cap of bed (1 L) is reached"));
	free(text);
	expect(&d, 0, " capped\n", "history", NULL);
	expect(&d, 1, "bed has used 1.", "water", "bed", "5s", NULL);
	assert_true(test_daemon_logged(&d, "Daily cap reached: bed has used"));
	/* The garden's cap: 3 L in all, so lawn stops after about 10 s. */
	expect(&d, 0, "the daily cap of the garden (3 L) is reached", "water", "lawn",
	       "1", NULL);
	expect(&d, 1, "the garden has used 3.", "water", "lawn", "5s", NULL);
	finish(&d);
}

/* A reload that renumbers the zones while one waters: the alarm follows the zone. */
static void test_an_alarm_after_a_reload_names_the_right_zone(void **state)
{
	static const char swapped[] =
		"zones = (\n"
		"  { name = \"lawn\"; valve = { expander = 0x20; pin = 1; }; },\n"
		"  { name = \"bed\"; valve = { expander = 0x20; pin = 0; "
		"active_low = true; };\n"
		"    flow_lpm = 12.0; stop_at = 99.0; } );\n";
	struct test_daemon d = { 0 };
	char text[4096], *from, *to;
	FILE *f;

	(void)state;
	start(&d, "", "", "", "");
	expect(&d, 0, "", "sim", "flow", "0", NULL);
	expect(&d, 0, "", "water", "lawn", "1", "--no-wait", NULL);
	/* lawn, zone 1, becomes zone 0 while its no-flow alarm is pending. */
	snprintf(text, sizeof(text), config_fmt, "", "", "", "");
	from = strstr(text, "zones = (");
	to = strstr(from, " } );\n") + strlen(" } );\n");
	f = fopen(d.config, "we");
	assert_non_null(f);
	fprintf(f, "%.*s%s%s", (int)(from - text), text, swapped, to);
	fclose(f);
	expect(&d, 0, "", "reload", NULL);
	wait_for(&d, 15, "lawn         no-flow", "faults", NULL);
	expect(&d, 0, "lawn         flow not known yet", "zones", NULL);
	expect(&d, 0, "bed          12.0 L/min, at most 1h, valve on expander 0x20 "
	       "pin 0 (active low)\n", "zones", NULL);
	finish(&d);
}

/* The first whole minute at least 5 s away, "HH:MM". */
static void next_minute(char *buf, size_t size)
{
	time_t start = time(NULL) + 5;
	struct tm at;

	start += 60 - start % 60;
	localtime_r(&start, &at);
	snprintf(buf, size, "%02d:%02d", at.tm_hour, at.tm_min);
}

static void test_programs_do_not_water_a_faulted_zone(void **state)
{
	struct test_daemon d = { 0 };
	char programs[256], when[8];

	(void)state;
	next_minute(when, sizeof(when));
	snprintf(programs, sizeof(programs),
		 "programs = ( { name = \"soon\"; start = [\"%s\"]; days = \"daily\";\n"
		 "  zones = ( { zone = \"bed\"; duration = \"3s\"; },\n"
		 "            { zone = \"lawn\"; duration = \"3s\"; } ); } );", when);
	start(&d, "", "", "", programs);
	expect(&d, 0, "", "sim", "flow", "0", NULL);
	expect(&d, 1, "no flow", "water", "bed", "1", NULL);
	expect(&d, 0, "", "sim", "flow", "100", NULL);
	/* At its minute the program passes bed by and waters lawn. */
	wait_for(&d, 75, " held\n", "history", NULL);
	wait_for(&d, 15, "completed", "history", NULL);
	expect(&d, 0, "soon       lawn ", "history", NULL);
	assert_true(test_daemon_logged(&d, "Not watering bed (soon): bed is held by "
				       "a no-flow fault"));
	finish(&d);
}

/*
 * A faults file irrigd cannot read may have held a burst pipe: it is set
 * aside, and a fault of the garden holds every zone until a person clears
 * it, across a restart too.
 */
static void test_an_unreadable_faults_file_holds_every_zone(void **state)
{
	struct test_daemon d = { 0 };
	char path[200];
	FILE *f;

	(void)state;
	test_daemon_prepare(&d, "test");
	assert_int_equal(mkdir(d.state, 0755), 0);
	snprintf(path, sizeof(path), "%s/faults", d.state);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("irrigd-faults 1\nfault no-flow bed 17810", f);
	fclose(f);
	start(&d, "", "", "", "");
	expect(&d, 1, "lawn is held by a state-unreadable fault of the garden",
	       "water", "lawn", "5s", NULL);
	expect(&d, 1, "bed is held by a state-unreadable fault", "water", "bed",
	       "5s", NULL);
	expect(&d, 0, "(garden)     state-unreadable since ", "faults", NULL);
	expect(&d, 0, "\"kind\":\"state-unreadable\",\"zone\":null", "--json",
	       "status", NULL);
	expect(&d, 0, "Water used: ", "water", "lawn", "2s", "--force", NULL);
	assert_true(test_daemon_logged(&d, "cannot read the latched faults and "
				       "learned flows: "));
	assert_true(test_daemon_logged(&d, "Fault latched on the garden: the faults "
				       "file could not be read (kept as faults.bad)"));
	snprintf(path, sizeof(path), "%s/faults.bad", d.state);
	assert_int_equal(access(path, F_OK), 0);

	/* Saved as latched: a restart does not lift it. */
	assert_int_equal(test_daemon_stop(&d), 0);
	start(&d, "", "", "", "");
	expect(&d, 1, "held by a state-unreadable fault", "water", "bed", "5s", NULL);
	expect(&d, 0, "A fault of the garden still holds bed", "clear", "bed", NULL);
	expect(&d, 0, "Cleared 1 fault", "clear", NULL);
	expect(&d, 0, "Valve closed", "water", "bed", "2s", NULL);
	finish(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_flow_closes_the_zone_and_latches),
		cmocka_unit_test(test_high_flow_closes_the_zone),
		cmocka_unit_test(test_low_flow_warns_and_keeps_watering),
		cmocka_unit_test(test_leak_with_every_valve_closed),
		cmocka_unit_test(test_a_valve_that_does_not_switch),
		cmocka_unit_test(test_failed_probes_are_shown_and_recover),
		cmocka_unit_test(test_expected_flow_is_learned),
		cmocka_unit_test(test_a_burst_pipe_is_never_learned),
		cmocka_unit_test(test_a_new_flow_needs_runs_that_agree),
		cmocka_unit_test(test_an_unsteady_run_teaches_nothing),
		cmocka_unit_test(test_learn_sets_the_flow_at_once),
		cmocka_unit_test(test_daily_caps_end_runs),
		cmocka_unit_test(test_an_alarm_after_a_reload_names_the_right_zone),
		cmocka_unit_test(test_programs_do_not_water_a_faulted_zone),
		cmocka_unit_test(test_an_unreadable_faults_file_holds_every_zone),
	};

	return TEST_RUN_GROUP("safety", tests, NULL, NULL);
}
