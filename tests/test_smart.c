/* End to end: smart watering on irrigd --sim: the day's temperatures and the auto percentage, a balance zone watering what it lacks, the rain sensor, irrigctl rain, and the record across a restart. */
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
#include <time.h>

#include <cmocka.h>

#include "support.h"

#define HARDWARE \
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n" \
	"  adcs = ( { address = 0x48; } ); flow_meter = { line = \"GPIO17\"; }; };\n"

/* At the equator Ra hardly changes over the year: ET0 is about 6 mm whenever this runs. */
static const char auto_config[] = HARDWARE
	"site = { latitude = 0; longitude = 0; };\n"
	"zones = ( { name = \"lawn\"; valve = { expander = 0x20; pin = 0; };\n"
	"  flow_lpm = 12.0; } );\n"
	"sensors = { temperature = { adc = 0x48; channel = 3; }; };\n"
	"seasonal = { mode = \"auto\"; reference_et0_mm = 4.0; min_percent = 20;\n"
	"  max_percent = 300; days = 3; min_days = 1; min_samples = 3; };\n"
	"programs = ( { name = \"daily\"; start = [\"03:00\"];\n"
	"  zones = ( { zone = \"lawn\"; duration = \"10m\"; } ); } );\n"
	"wait_for_clock_sync = false;\n";

/*
 * Two balance zones.  min_samples is more than a test gives a day, so no
 * day has an ET0 of its own, and each loses the reference scaled by the
 * month (100 %): 20 mm, whatever the date.  Loam 20 cm deep holds 31 mm
 * and waters past 15.5 mm.  20 mm over 0.1 m2 is 2 L, 5 s at 24 L/min;
 * over 1 m2, 20 L, 50 s.
 */
static const char balance_config[] = HARDWARE
	"site = { latitude = 0; longitude = 0; };\n"
	"zones = (\n"
	"  { name = \"bed\"; valve = { expander = 0x20; pin = 0; }; flow_lpm = 24.0;\n"
	"    soil = \"loam\"; root_depth_cm = 20; area_m2 = 0.1;\n"
	"    water_by = \"balance\"; balance_start = \"05:00\"; },\n"
	"  { name = \"pot\"; valve = { expander = 0x20; pin = 1; }; flow_lpm = 24.0;\n"
	"    soil = \"loam\"; root_depth_cm = 20; area_m2 = 1.0;\n"
	"    water_by = \"balance\"; balance_start = \"05:00\"; } );\n"
	"sensors = { temperature = { adc = 0x48; channel = 3; };\n"
	"  rain = { line = \"GPIO27\"; hold = \"1h\"; }; };\n"
	"seasonal = { mode = \"auto\"; reference_et0_mm = 20.0; min_samples = 100; };\n"
	"report_interval = \"1s\";\n"
	"wait_for_clock_sync = false;\n";

static void free2(char *a, char *b)
{
	free(a);
	free(b);
}

/* The number after key in json, from the start or after `after`. */
static double number_after(const char *json, const char *after, const char *key)
{
	const char *at = after ? strstr(json, after) : json;

	assert_non_null(at);
	at = strstr(at, key);
	assert_non_null(at);
	return strtod(at + strlen(key), NULL);
}

static char *ctl_ok(const struct test_daemon *d, const char *a, const char *b,
		    const char *c)
{
	char *out, *err;
	int status = test_irrigctl(d->socket, &out, &err, a, b, c, NULL);

	if (status != 0)
		fail_msg("irrigctl %s %s %s: %d %s", a, b ? b : "", c ? c : "", status,
			 err);
	free(err);
	return out;
}

static void ctl(const struct test_daemon *d, const char *a, const char *b,
		const char *c)
{
	free(ctl_ok(d, a, b, c));
}

static double depletion(const struct test_daemon *d, const char *zone)
{
	char *out = ctl_ok(d, "--json", "weather", NULL), key[64];
	double mm;

	snprintf(key, sizeof(key), "{\"zone\":\"%s\",\"depletion_mm\":", zone);
	mm = number_after(out, NULL, key);
	free(out);
	return mm;
}

/* Waits until command's reply holds needle, for up to limit_s seconds. */
static char *wait_for(const struct test_daemon *d, const char *a, const char *b,
		      const char *needle, int limit_s)
{
	for (int i = 0; i < limit_s * 10; i++) {
		char *out = ctl_ok(d, a, b, NULL);

		if (strstr(out, needle))
			return out;
		free(out);
		sleep_ms(100);
	}
	fail_msg("irrigctl %s %s never said '%s'", a, b ? b : "", needle);
	return NULL;
}

/* A reading of the air at celsius, taken now. */
static void air(const struct test_daemon *d, const char *celsius)
{
	ctl(d, "sim", "temperature", celsius);
	ctl(d, "temperature", NULL, NULL);
}

static void test_auto_percentage_from_the_day(void **state)
{
	struct test_daemon d = { 0 };
	char *out, *log;
	double et0, pct;
	long want;

	(void)state;
	test_daemon_start(&d, auto_config);
	/* No day with an ET0 yet: the monthly table, and why. */
	out = ctl_ok(&d, "status", NULL, NULL);
	assert_non_null(strstr(out, "Seasonal auto falls back to the monthly table"));
	free(out);
	/* A day with too few readings has no ET0: still the table. */
	ctl(&d, "sim", "day-end", NULL);
	out = ctl_ok(&d, "--json", "weather", NULL);
	assert_non_null(strstr(out, "\"mode\":\"auto\",\"percent\":100,\"fallback\":true"));
	assert_non_null(strstr(out, "\"et0_mm\":null"));
	free(out);

	/* A day of 10 to 30 °C. */
	air(&d, "10");
	air(&d, "30");
	air(&d, "20");
	out = ctl_ok(&d, "--json", "weather", NULL);
	assert_non_null(strstr(out, "\"today\":{"));
	assert_true(number_after(out, "\"today\":", "\"min\":") == 10.0);
	assert_true(number_after(out, "\"today\":", "\"max\":") == 30.0);
	assert_true(number_after(out, "\"today\":", "\"mean\":") == 20.0);
	free(out);
	ctl(&d, "sim", "day-end", NULL);
	out = ctl_ok(&d, "--json", "weather", NULL);
	et0 = number_after(out, "\"days\":", "\"min\":10.0,\"max\":30.0,\"mean\":20.0,"
			   "\"et0_mm\":");
	/* Hargreaves at the equator for that day: 5.5 to 6.2 mm all year. */
	assert_true(et0 > 5.0 && et0 < 6.5);
	pct = number_after(out, "\"seasonal\":", "\"percent\":");
	want = lround(et0 / 4.0 * 100.0);
	assert_true(fabs(pct - (double)want) <= 1);
	assert_non_null(strstr(out, "\"fallback\":false"));
	free(out);
	/* The programs water that much. */
	out = ctl_ok(&d, "--json", "schedule", NULL);
	assert_true(number_after(out, "\"runs\":", "\"duration_s\":") == 6 * pct);
	free(out);
	out = ctl_ok(&d, "status", NULL, NULL);
	assert_non_null(strstr(out, "Seasonal auto: "));
	assert_null(strstr(out, "falls back"));
	free(out);

	/* The journal said the fallback once, and its end once. */
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	log = read_file(d.log);
	assert_non_null(log);
	assert_int_equal(count(log, "Seasonal auto falls back to the monthly table"), 1);
	assert_int_equal(count(log, "Seasonal auto works from the garden's ET0 again"), 1);
	assert_int_equal(count(log, "ET0 not known (1 temperature reading"), 1);
	free(log);
	test_daemon_remove(&d);
}

static void test_balance_rain_and_restart(void **state)
{
	struct test_daemon d = { 0 };
	char *out, *err, *log, path[256];
	double bed_l, pot_l, pot_mm, bed_mm;
	struct stat st;
	FILE *f;

	(void)state;
	test_daemon_start(&d, balance_config);
	assert_true(depletion(&d, "bed") == 0.0);
	/* A day without an ET0 of its own: 20 mm lost; both are past 15.5 mm. */
	ctl(&d, "sim", "day-end", NULL);
	/* bed waters 2 L and completes; pot's 20 L run is under way. */
	free(wait_for(&d, "history", NULL, "bed", 30));
	free(wait_for(&d, "status", NULL, "Watering pot (balance)", 30));
	/* A run stopped within its first second is not kept in the history. */
	sleep_ms(2000);
	out = ctl_ok(&d, "--json", "history", NULL);
	assert_non_null(strstr(out, "\"source\":\"balance\",\"zone\":\"bed\""));
	bed_l = number_after(out, "\"zone\":\"bed\"", "\"litres\":");
	assert_true(bed_l > 1.8 && bed_l < 2.3);
	assert_non_null(strstr(strstr(out, "\"zone\":\"bed\""),
			       "\"outcome\":\"completed\""));
	free(out);
	/* The metered litres over its area refilled it. */
	bed_mm = depletion(&d, "bed");
	assert_true(fabs(bed_mm - fmax(0, 20.0 - bed_l / 0.1)) < 0.05);

	/* Rain: the running programmed run stops; the balance keeps what it got. */
	out = ctl_ok(&d, "sim", "rain", "on");
	assert_non_null(strstr(out, "rain sensor: wet"));
	free(out);
	out = wait_for(&d, "--json", "history", "\"outcome\":\"stopped\"", 10);
	assert_non_null(strstr(out, "\"source\":\"balance\",\"zone\":\"pot\""));
	pot_l = number_after(out, "\"zone\":\"pot\"", "\"litres\":");
	assert_true(pot_l < 19.0);
	free(out);
	pot_mm = depletion(&d, "pot");
	assert_true(fabs(pot_mm - (20.0 - pot_l / 1.0)) < 0.05);
	out = ctl_ok(&d, "status", NULL, NULL);
	assert_non_null(strstr(out, "Rain sensor: wet, programs held"));
	free(out);

	/* irrigctl rain: every balance gains it. */
	ctl(&d, "rain", "12mm", NULL);
	assert_true(fabs(depletion(&d, "pot") - (pot_mm - 12.0)) < 0.01);
	assert_true(depletion(&d, "bed") == 0.0);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "rain", "-3", NULL), 2);
	assert_non_null(strstr(err, "rain is 0 to 500 mm at a time"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "rain", "900mm", NULL), 2);
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "rain", "lots", NULL), 2);
	free2(out, err);
	assert_true(fabs(depletion(&d, "pot") - (pot_mm - 12.0)) < 0.01);

	/* While wet, and within its hold once dry, a balance start does not water. */
	ctl(&d, "sim", "day-end", NULL);
	ctl(&d, "sim", "rain", "off");
	ctl(&d, "sim", "day-end", NULL);
	out = ctl_ok(&d, "weather", NULL, NULL);
	assert_non_null(strstr(out, "Rain sensor: dry, programmed watering held until "));
	assert_non_null(strstr(out, "Zone bed: depletion 31.0 mm"));
	assert_non_null(strstr(out, "last: not watered: the rain sensor holds"));
	free(out);
	out = ctl_ok(&d, "history", NULL, NULL);
	assert_int_equal(count(out, "balance"), 2);
	free(out);

	/* Everything survives a restart. */
	out = ctl_ok(&d, "--json", "weather", NULL);
	pot_mm = depletion(&d, "pot");
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_spawn(&d, NULL, NULL);
	log = ctl_ok(&d, "--json", "weather", NULL);
	*strstr(out, "],\"seasonal\"") = '\0';
	*strstr(log, "],\"seasonal\"") = '\0';
	assert_string_equal(strstr(out, "\"days\":"), strstr(log, "\"days\":"));
	assert_int_equal(count(out, "\"date\":"), 4);	/* today and 3 days */
	free2(out, log);
	assert_true(fabs(depletion(&d, "pot") - pot_mm) < 0.0001);
	out = ctl_ok(&d, "weather", NULL, NULL);
	assert_non_null(strstr(out, "programmed watering held until "));
	free(out);

	/* A damaged record is set aside, and the balances start afresh. */
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	snprintf(path, sizeof(path), "%s/weather", d.state);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("irrigd-weather 1\ntoday garbage\n", f);
	fclose(f);
	test_daemon_spawn(&d, NULL, NULL);
	assert_true(depletion(&d, "pot") == 0.0);
	snprintf(path, sizeof(path), "%s/weather.bad", d.state);
	assert_int_equal(stat(path, &st), 0);
	assert_true(test_daemon_logged(&d, "the weather record and the soil water "
				       "balances start afresh"));
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	log = read_file(d.log);
	assert_non_null(log);
	assert_true(count(log, "Zone bed waters 20.0 mm (2.0 L at 24.00 L/min: 5s)") == 1);
	assert_true(count(log, "stopping run 2: the rain sensor is wet") == 1);
	assert_true(count(log, "Rain of 12.0 mm recorded") == 1);
	free(log);
	test_daemon_remove(&d);
}

/* A temperature sensor and bed's probe: a reload must keep the sensors' wiring. */
#define PROBE_SENSORS \
	"sensors = { temperature = { adc = 0x48; channel = 3; };\n" \
	"  soil = ( { name = \"p1\"; adc = 0x48; channel = 0; zone = \"bed\";\n" \
	"    dry_volts = 2.8; wet_volts = 1.3; } ); };\n"

/* The probes re-anchor the balance, and the journal says by how much the model was off. */
static void test_probes_reanchor_the_balance(void **state)
{
	struct test_daemon d = { 0 };
	char *out, *log;

	(void)state;
	test_daemon_start(&d, HARDWARE
		"site = { latitude = 0; longitude = 0; };\n"
		"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
		"  flow_lpm = 24.0; soil = \"loam\"; root_depth_cm = 20; area_m2 = 0.1;\n"
		"  water_by = \"balance\"; field_capacity_percent = 80;\n"
		"  wilting_percent = 20; } );\n"
		PROBE_SENSORS
		"seasonal = { mode = \"auto\"; reference_et0_mm = 20.0; min_samples = 100; };\n"
		"wait_for_clock_sync = false;\n");
	/* 1.9 V is 60 %: 20 of the 60 points between wilting and field capacity. */
	assert_int_equal(test_irrigctl(d.socket, &out, &log, "sim", "probe", "p1",
				       "stuck", "1.9", NULL), 0);
	free2(out, log);
	out = ctl_ok(&d, "moisture", NULL, NULL);
	assert_non_null(strstr(out, "60"));
	free(out);
	/* The model loses 20 mm; the probes say a third of 31 mm. */
	ctl(&d, "sim", "day-end", NULL);
	assert_true(fabs(depletion(&d, "bed") - 31.0 / 3.0) < 0.01);
	out = ctl_ok(&d, "weather", NULL, NULL);
	assert_non_null(strstr(out, "Zone bed: depletion 10.3 mm"));
	free(out);
	out = ctl_ok(&d, "history", NULL, NULL);
	assert_null(strstr(out, "balance"));	/* not past the allowed 15.5 mm */
	free(out);
	/* A reload keeps a zone's balance by its name, and drops it with its soil. */
	test_daemon_write_config(&d, HARDWARE
		"site = { latitude = 0; longitude = 0; };\n"
		"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
		"  flow_lpm = 24.0; soil = \"loam\"; root_depth_cm = 20; area_m2 = 0.2; } );\n"
		PROBE_SENSORS "wait_for_clock_sync = false;\n");
	ctl(&d, "reload", NULL, NULL);
	assert_true(fabs(depletion(&d, "bed") - 31.0 / 3.0) < 0.01);
	test_daemon_write_config(&d, HARDWARE
		"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; }; } );\n"
		PROBE_SENSORS "wait_for_clock_sync = false;\n");
	ctl(&d, "reload", NULL, NULL);
	out = ctl_ok(&d, "--json", "weather", NULL);
	assert_non_null(strstr(out, "\"balance\":[]"));
	assert_non_null(strstr(out, "\"mode\":\"fixed\""));
	free(out);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	log = read_file(d.log);
	assert_non_null(log);
	assert_int_equal(count(log, "Zone bed's balance re-anchored on its probes "
			       "(60.0 %): depletion 10.3 mm, the model said 20.0 mm "
			       "(-9.7 mm)"), 1);
	free(log);
	test_daemon_remove(&d);
}

/* Days that passed while irrigd was stopped close at its start, and the balances lose them. */
static void test_days_missed_while_stopped(void **state)
{
	struct test_daemon d = { 0 };
	time_t then = time(NULL) - 2 * 86400;
	char path[256], *out;
	struct tm tm;
	FILE *f;

	(void)state;
	test_daemon_prepare(&d, "smart");
	test_daemon_write_config(&d, balance_config);
	localtime_r(&then, &tm);
	snprintf(path, sizeof(path), "%s/weather", d.state);
	mkdir(d.state, 0755);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "irrigd-weather 1\ntoday %04d-%02d-%02d 2 283.15 303.15 293.1500\n"
		"balance bed 4.0000 0.0000 0.0000 0.0000 0.0000 -\nrain-until 0\n",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	fclose(f);
	test_daemon_spawn(&d, NULL, NULL);
	out = ctl_ok(&d, "--json", "weather", NULL);
	/* The day it was stopped on, with its readings, and the day after, without. */
	assert_int_equal(count(out, "\"et0_mm\":null"), 2);
	assert_non_null(strstr(out, "\"samples\":2,\"min\":10.0,\"max\":30.0"));
	free(out);
	/* Each lost 20 mm (the reference, no day having an ET0): 4 + 40, at most 31. */
	assert_true(depletion(&d, "bed") == 31.0);
	assert_true(depletion(&d, "pot") == 0.0);	/* new in the record */
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

/* A program whose start falls while the rain sensor is wet is skipped. */
static void test_rain_sensor_skips_a_program(void **state)
{
	struct test_daemon d = { 0 };
	time_t start = time(NULL) + 5;
	char text[4096], *out;
	struct tm at;

	(void)state;
	/* The first whole minute at least 5 s away: a wait of 5 to 65 s. */
	start += 60 - start % 60;
	localtime_r(&start, &at);
	snprintf(text, sizeof(text), HARDWARE
		 "zones = ( { name = \"lawn\"; valve = { expander = 0x20; pin = 0; };\n"
		 "  flow_lpm = 12.0; } );\n"
		 "sensors = { rain = { line = \"GPIO27\"; hold = \"0s\"; }; };\n"
		 "programs = ( { name = \"soon\"; start = [\"%02d:%02d\"];\n"
		 "  zones = ( { zone = \"lawn\"; duration = \"5s\"; } ); } );\n"
		 "wait_for_clock_sync = false;\n", at.tm_hour, at.tm_min);
	test_daemon_start(&d, text);
	ctl(&d, "sim", "rain", "on");
	out = ctl_ok(&d, "schedule", NULL, NULL);
	assert_non_null(strstr(out, "would skip: rain sensor"));
	free(out);
	out = wait_for(&d, "history", NULL, "skipped", 90);
	assert_non_null(strstr(out, "soon"));
	free(out);
	assert_true(test_daemon_logged(&d, "Program soon skipped: the rain sensor is wet"));
	/* Manual runs still water. */
	out = ctl_ok(&d, "water", "lawn", "1s");
	assert_non_null(strstr(out, "Water used: "));
	free(out);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_percentage_from_the_day),
		cmocka_unit_test(test_balance_rain_and_restart),
		cmocka_unit_test(test_probes_reanchor_the_balance),
		cmocka_unit_test(test_days_missed_while_stopped),
		cmocka_unit_test(test_rain_sensor_skips_a_program),
	};

	return TEST_RUN_GROUP("smart", tests, NULL, NULL);
}
