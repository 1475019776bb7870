/* Tests of the weather record: a day's min, max and mean, the day's end, the kept days, the balance, and the state file text. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/weatherlog.h"

static const struct local_date june1 = { 2026, 6, 1 };

static struct local_date next_day(const struct local_date *d)
{
	return calendar_civil_from_days(calendar_date_days(d) + 1);
}

static void test_a_day_keeps_min_max_and_mean(void **state)
{
	struct weather_log log;

	(void)state;
	weather_log_init(&log, &june1);
	assert_true(isnan(log.today.min_c));
	weather_log_sample(&log, 12.0);
	weather_log_sample(&log, -3.0);
	weather_log_sample(&log, 30.0);
	weather_log_sample(&log, NAN);		/* a failed read: not counted */
	weather_log_sample(&log, 150.0);	/* impossible air */
	assert_int_equal(log.today.samples, 3);
	assert_float_equal(log.today.min_c, -3.0, 1e-9);
	assert_float_equal(log.today.max_c, 30.0, 1e-9);
	assert_float_equal(log.today.mean_c, 13.0, 1e-9);
}

static void test_the_day_ends_and_old_days_fall_out(void **state)
{
	struct weather_log log;
	struct local_date d = june1;

	(void)state;
	weather_log_init(&log, &d);
	for (int i = 0; i < WEATHER_DAYS_MAX + 5; i++) {
		weather_log_sample(&log, (double)i);
		d = next_day(&d);
		weather_log_close_day(&log, 1.0 + i / 10.0, &d);
		/* The new day starts empty. */
		assert_int_equal(log.today.samples, 0);
		assert_int_equal(log.today.date.day, d.day);
	}
	assert_int_equal(log.n_days, WEATHER_DAYS_MAX);
	/* Yesterday is the last closed; the first five fell out. */
	assert_float_equal(weather_log_past(&log, 1)->max_c,
			   WEATHER_DAYS_MAX + 4, 1e-9);
	assert_float_equal(weather_log_past(&log, WEATHER_DAYS_MAX)->max_c, 5,
			   1e-9);
	assert_null(weather_log_past(&log, WEATHER_DAYS_MAX + 1));
	assert_null(weather_log_past(&log, 0));
	/* A day whose ET0 could not be worked out keeps it unknown. */
	weather_log_close_day(&log, NAN, &d);
	assert_true(isnan(weather_log_past(&log, 1)->et0_mm));
}

static void test_the_file_reads_back(void **state)
{
	struct weather_log log, back;
	struct local_date d = june1;
	char text[WEATHER_TEXT_MAX], again[WEATHER_TEXT_MAX], err[128];
	int n;

	(void)state;
	weather_log_init(&log, &d);
	weather_log_sample(&log, -5.25);
	weather_log_sample(&log, 8.5);
	d = next_day(&d);
	weather_log_close_day(&log, 1.2345, &d);
	d = next_day(&d);
	weather_log_close_day(&log, NAN, &d);	/* no sample that day */
	weather_log_sample(&log, 21.0);
	weather_log_balance_add(&log, "bed")->depletion_mm = 12.5;
	/* What the probes taught the bed survives too. */
	weather_log_balance(&log, "bed")->learn = (struct balance_learning){
		.seen_mm = 7.25, .modelled_mm = 5.5, .base_mm = 3.0,
		.gained_mm = 1.5, .have_base = true, .clean = false };
	weather_log_balance_add(&log, "lawn")->depletion_mm = 0;
	log.rain_until = 1780000000;
	n = weather_log_format(&log, text, sizeof(text));
	assert_true(n > 0);
	assert_int_equal(weather_log_parse(text, (size_t)n, &back, err,
					   sizeof(err)), 0);
	assert_int_equal(back.n_days, 2);
	assert_float_equal(back.days[0].min_c, -5.25, 1e-6);
	assert_float_equal(back.days[0].mean_c, 1.625, 1e-4);
	assert_float_equal(back.days[0].et0_mm, 1.2345, 1e-6);
	assert_int_equal(back.days[1].samples, 0);
	assert_true(isnan(back.days[1].et0_mm));
	assert_int_equal(back.today.samples, 1);
	assert_int_equal(back.today.date.day, 3);
	assert_float_equal(weather_log_balance(&back, "bed")->depletion_mm, 12.5,
			   1e-6);
	assert_true(weather_log_balance(&back, "bed")->learn.seen_mm == 7.25);
	assert_true(weather_log_balance(&back, "bed")->learn.modelled_mm == 5.5);
	assert_true(weather_log_balance(&back, "bed")->learn.base_mm == 3.0);
	assert_true(weather_log_balance(&back, "bed")->learn.gained_mm == 1.5);
	assert_true(weather_log_balance(&back, "bed")->learn.have_base);
	assert_false(weather_log_balance(&back, "bed")->learn.clean);
	assert_non_null(weather_log_balance(&back, "lawn"));
	assert_false(weather_log_balance(&back, "lawn")->learn.have_base);
	assert_int_equal(back.rain_until, 1780000000);
	/* What it wrote reads back as the very same text. */
	assert_int_equal(weather_log_format(&back, again, sizeof(again)), n);
	assert_memory_equal(text, again, (size_t)n);
	/* Too small a buffer is said, not cut. */
	assert_int_equal(weather_log_format(&log, text, 20), -ENOSPC);
}

static void test_damage_is_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"irrigd-weather 2\ntoday 2026-06-01 0 - - -\nrain-until 0\n",
		"irrigd-weather 1\n",
		"irrigd-weather 1\ntoday 2026-06-01 0 - - -\nrain-until 0",
		"irrigd-weather 1\ntoday 2026-06-31 0 - - -\n",
		"irrigd-weather 1\ntoday 2026-06-01 1 - - -\n",
		"irrigd-weather 1\ntoday 2026-06-01 0 280.00 - -\n",
		"irrigd-weather 1\ntoday 2026-06-01 1 290.00 280.00 285.0000\n",
		"irrigd-weather 1\ntoday 2026-06-01 1 80.00 80.00 80.0000\n",
		"irrigd-weather 1\ntoday 2026-06-01 1 350.00 350.00 350.0000\n",
		"irrigd-weather 1\ntoday 2026-06-01 0 - - -\n"
		"day 2026-06-01 0 - - - -\n",
		"irrigd-weather 1\ntoday 2026-06-03 0 - - -\n"
		"day 2026-06-02 0 - - - -\nday 2026-06-01 0 - - - -\n",
		"irrigd-weather 1\ntoday 2026-06-03 0 - - -\n"
		"day 2026-06-02 0 - - - 99.0000\n",
		"irrigd-weather 1\ntoday 2026-06-03 0 - - -\n"
		"balance bed -1.0 0.0 0.0 0.0 0.0 -\n",
		"irrigd-weather 1\ntoday 2026-06-03 0 - - -\n"
		"balance b/d 1.0 0.0 0.0 0.0 0.0 -\n",
		"irrigd-weather 1\ntoday 2026-06-03 0 - - -\nbalance bed 1.0\n",
		"irrigd-weather 1\ntoday 2026-06-03 0 - - -\n"
		"balance bed 1.0 0.0 0.0 0.0 0.0 x\n",
		"irrigd-weather 1\ntoday 2026-06-03 0 - - -\n"
		"balance bed 1.0 -2.0 0.0 0.0 0.0 b\n",
		"irrigd-weather 1\ntoday 2026-06-03 0 - - -\n"
		"balance bed 1.0 0.0 0.0 0.0 0.0 -\nbalance bed 2.0 0.0 0.0 0.0 0.0 -\n",
		"irrigd-weather 1\ntoday 2026-06-03 0 - - -\nrain-until -5\n",
		"irrigd-weather 1\ntoday 2026-06-03 0 - - -\nsunshine 3\n",
	};
	struct weather_log log, before;
	char err[128];

	(void)state;
	weather_log_init(&log, &june1);
	weather_log_sample(&log, 10);
	before = log;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(weather_log_parse(bad[i], strlen(bad[i]), &log,
						   err, sizeof(err)), -EINVAL);
		assert_true(strncmp(err, "line ", 5) == 0);
		assert_memory_equal(&log, &before, sizeof(log));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_day_keeps_min_max_and_mean),
		cmocka_unit_test(test_the_day_ends_and_old_days_fall_out),
		cmocka_unit_test(test_the_file_reads_back),
		cmocka_unit_test(test_damage_is_refused),
	};

	return cmocka_run_group_tests_name("weatherlog", tests, NULL, NULL);
}
