/* Tests of the `auto` seasonal percentage: recent ET0 against the reference, clamped, with the monthly fallback. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/seasonal.h"

static const struct seasonal_auto_config cfg = {
	.reference_et0_mm = 6.0,	/* a July day the programs were written for */
	.days = 3,
	.min_valid_days = 2,
	.min_percent = 20,
	.max_percent = 150,
};

static void test_ratio_of_recent_days(void **state)
{
	/* The oldest day is outside the 3-day window. */
	const double et0[] = { 12.0, 3.0, 4.5, 1.5 };
	struct seasonal_auto_result r;

	(void)state;
	assert_int_equal(seasonal_auto_percent(&cfg, et0, 4, 80, &r), 0);
	/* (3 + 4.5 + 1.5) / 3 = 3 mm/day over 6 = 50 %. */
	assert_false(r.fallback);
	assert_false(r.clamped);
	assert_int_equal(r.percent, 50);
	assert_float_equal(r.mean_et0_mm, 3.0, 1e-9);
	assert_int_equal(r.valid_days, 3);
	assert_non_null(strstr(r.why, "50 %"));
	assert_non_null(strstr(r.why, "3.0 mm/day"));
}

static void test_rounded(void **state)
{
	const double et0[] = { 4.0, 4.0, 4.1 };
	struct seasonal_auto_result r;

	(void)state;
	/* 4.0333 / 6 = 67.2 % -> 67. */
	assert_int_equal(seasonal_auto_percent(&cfg, et0, 3, 80, &r), 0);
	assert_int_equal(r.percent, 67);
}

static void test_clamped(void **state)
{
	const double hot[] = { 11.0, 12.0, 13.0 };
	const double cold[] = { 0.2, 0.1, 0.0 };
	struct seasonal_auto_result r;

	(void)state;
	assert_int_equal(seasonal_auto_percent(&cfg, hot, 3, 80, &r), 0);
	assert_int_equal(r.percent, 150);
	assert_true(r.clamped);
	assert_non_null(strstr(r.why, "highest"));
	assert_int_equal(seasonal_auto_percent(&cfg, cold, 3, 80, &r), 0);
	assert_int_equal(r.percent, 20);
	assert_true(r.clamped);
	assert_non_null(strstr(r.why, "lowest"));
}

static void test_missing_days_are_skipped(void **state)
{
	const double et0[] = { 3.0, NAN, 6.0 };
	struct seasonal_auto_result r;

	(void)state;
	assert_int_equal(seasonal_auto_percent(&cfg, et0, 3, 80, &r), 0);
	assert_false(r.fallback);
	assert_int_equal(r.valid_days, 2);
	assert_int_equal(r.percent, 75);
}

static void test_falls_back_to_the_monthly_table(void **state)
{
	const double et0[] = { 5.0, NAN, -1.0 };
	struct seasonal_auto_result r;

	(void)state;
	assert_int_equal(seasonal_auto_percent(&cfg, et0, 3, 80, &r), 0);
	assert_true(r.fallback);
	assert_int_equal(r.percent, 80);
	assert_int_equal(r.valid_days, 1);
	assert_non_null(strstr(r.why, "monthly"));
	/* No history at all: a fresh install. */
	assert_int_equal(seasonal_auto_percent(&cfg, NULL, 0, 110, &r), 0);
	assert_true(r.fallback);
	assert_int_equal(r.percent, 110);
}

static void test_bad_config_refused(void **state)
{
	const double et0[] = { 3.0, 3.0, 3.0 };
	struct seasonal_auto_config bad;
	struct seasonal_auto_result r = { .percent = 77 };
	char why[SEASONAL_WHY_MAX] = "";

	(void)state;
	bad = cfg;
	bad.reference_et0_mm = 0.0;
	assert_int_equal(seasonal_auto_check(&bad, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "reference"));
	assert_int_equal(seasonal_auto_percent(&bad, et0, 3, 80, &r), -EINVAL);
	assert_int_equal(r.percent, 77);
	bad = cfg;
	bad.min_percent = 200;
	assert_int_equal(seasonal_auto_check(&bad, why, sizeof(why)), -EINVAL);
	bad = cfg;
	bad.days = 0;
	assert_int_equal(seasonal_auto_check(&bad, why, sizeof(why)), -EINVAL);
	bad = cfg;
	bad.min_valid_days = 4;
	assert_int_equal(seasonal_auto_check(&bad, why, sizeof(why)), -EINVAL);
	assert_int_equal(seasonal_auto_check(&cfg, why, sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratio_of_recent_days),
		cmocka_unit_test(test_rounded),
		cmocka_unit_test(test_clamped),
		cmocka_unit_test(test_missing_days_are_skipped),
		cmocka_unit_test(test_falls_back_to_the_monthly_table),
		cmocka_unit_test(test_bad_config_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
