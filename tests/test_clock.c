/* Programs and the system clock: irrigd --sim with a simulated clock that synchronizes late. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

static const char late_clock_config[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
	"  flow_lpm = 12.0; } );\n"
	"programs = ( { name = \"late\"; start = [\"%02d:%02d\"]; days = \"daily\";\n"
	"  zones = ( { zone = \"bed\"; duration = \"2s\"; } ); } );\n"
	"report_interval = \"1s\";\n";

static void free2(char *a, char *b)
{
	free(a);
	free(b);
}

static void clock_unsynced(void *arg)
{
	(void)arg;
	setenv("IRRIGD_SIM_CLOCK", "unsynced", 1);
}

static void start_unsynced(struct test_daemon *d, const char *config_text)
{
	test_daemon_prepare(d, "clock");
	test_daemon_write_config(d, config_text);
	test_daemon_spawn(d, clock_unsynced, NULL);
}

static bool waits_for_clock(const struct test_daemon *d)
{
	char *out, *err;
	bool waits;

	assert_int_equal(test_irrigctl(d->socket, &out, &err, "status", NULL), 0);
	waits = strstr(out, "Programs wait for the system clock to be "
			"synchronized") != NULL;
	free2(out, err);
	return waits;
}

/* Waits until `history` shows needle, for up to limit_s seconds. */
static void wait_for_history(const struct test_daemon *d, const char *needle,
			     int limit_s)
{
	for (int i = 0; i < limit_s * 4; i++) {
		char *out, *err;
		bool found;

		assert_int_equal(test_irrigctl(d->socket, &out, &err, "history", NULL), 0);
		found = strstr(out, needle) != NULL;
		free2(out, err);
		if (found)
			return;
		sleep_ms(250);
	}
	fail_msg("history never showed '%s'", needle);
}

/*
 * A Pi without a clock battery whose network comes up late: irrigd first
 * looks at the clock 30 s after it starts, and the clock synchronizes at
 * 35 s, slewed into sync (nothing wakes irrigd) on one garden and stepped
 * (the kernel wakes it) on the other.  Both must run the program that
 * comes after, not wait for a restart.
 */
static void test_programs_start_after_a_late_clock_sync(void **state)
{
	struct test_daemon slewed = { 0 }, stepped = { 0 };
	char text[2048], *out, *err;
	int64_t started = now_ms();
	time_t start;
	struct tm at;

	(void)state;
	/* The first whole minute after irrigd's second look, at 60 s. */
	start = time(NULL) + 70;
	start += (60 - start % 60) % 60;
	localtime_r(&start, &at);
	snprintf(text, sizeof(text), late_clock_config, at.tm_hour, at.tm_min);
	start_unsynced(&slewed, text);
	start_unsynced(&stepped, text);
	assert_true(waits_for_clock(&slewed));
	assert_true(waits_for_clock(&stepped));
	assert_int_equal(test_irrigctl(slewed.socket, &out, &err, "sim", NULL), 0);
	assert_non_null(strstr(out, "simulated clock: not synchronized"));
	free2(out, err);

	/* Past the first look, which found the clock unsynchronized. */
	if (now_ms() < started + 35000)
		sleep_ms((int)(started + 35000 - now_ms()));
	assert_true(waits_for_clock(&slewed));
	assert_true(waits_for_clock(&stepped));
	assert_int_equal(test_irrigctl(slewed.socket, &out, &err, "sim",
				       "clock-sync", "slew", NULL), 0);
	assert_non_null(strstr(out, "simulated clock: synchronized"));
	free2(out, err);
	assert_int_equal(test_irrigctl(stepped.socket, &out, &err, "sim",
				       "clock-sync", "step", NULL), 0);
	free2(out, err);
	/* A step wakes irrigd at once; a slew waits for its next look. */
	assert_false(waits_for_clock(&stepped));
	assert_true(test_daemon_logged(&stepped, "system clock synchronized: "
				       "programs run from now on"));

	wait_for_history(&slewed, " late ", (int)(start - time(NULL)) + 30);
	wait_for_history(&stepped, " late ", 30);
	assert_false(waits_for_clock(&slewed));
	assert_true(test_daemon_logged(&slewed, "Program late started: 1 zone "
				       "queued"));
	assert_true(test_daemon_logged(&stepped, "Program late started: 1 zone "
				       "queued"));
	assert_int_equal(test_daemon_stop_showing_log(&slewed), 0);
	assert_int_equal(test_daemon_stop_showing_log(&stepped), 0);
	test_daemon_remove(&slewed);
	test_daemon_remove(&stepped);
}

/* Only the sim clock can be set so, and only to "unsynced"; sync needs a word. */
static void test_the_simulated_clock_takes_only_what_it_knows(void **state)
{
	struct test_daemon d = { 0 };
	char text[2048], *out, *err;
	const char *why;

	(void)state;
	snprintf(text, sizeof(text), late_clock_config, 6, 30);
	test_daemon_prepare(&d, "clock");
	test_daemon_write_config(&d, text);
	setenv("IRRIGD_SIM_CLOCK", "bogus", 1);
	why = test_daemon_try_spawn(&d, NULL, NULL);
	unsetenv("IRRIGD_SIM_CLOCK");
	assert_non_null(why);
	assert_true(test_daemon_logged(&d, "IRRIGD_SIM_CLOCK=bogus: the only "
				       "value is \"unsynced\""));

	start_unsynced(&d, text);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sim", "clock-sync",
				       NULL), 2);
	assert_non_null(strstr(err, "clock-sync slew|step"));
	free2(out, err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sim", "clock-sync",
				       "now", NULL), 2);
	free2(out, err);
	assert_true(waits_for_clock(&d));
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_simulated_clock_takes_only_what_it_knows),
		cmocka_unit_test(test_programs_start_after_a_late_clock_sync),
	};

	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
