/* Tests of sensor calibration: the moisture percent and temperatures users read. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/calib.h"

#define EPS 1e-9

/* A capacitive probe: 2.8 V in dry soil, 1.3 V soaked. */
#define CAP_DRY 2.8
#define CAP_WET 1.3

static void test_falling_probe(void **state)
{
	(void)state;
	assert_float_equal(calib_percent(CAP_DRY, CAP_DRY, CAP_WET), 0.0, EPS);
	assert_float_equal(calib_percent(CAP_WET, CAP_DRY, CAP_WET), 100.0, EPS);
	assert_float_equal(calib_percent(2.05, CAP_DRY, CAP_WET), 50.0, EPS);
	assert_float_equal(calib_percent(2.5, CAP_DRY, CAP_WET), 20.0, EPS);
	/* Wetter soil reads lower volts and must give a higher percent. */
	assert_true(calib_percent(1.6, CAP_DRY, CAP_WET) >
		    calib_percent(2.4, CAP_DRY, CAP_WET));
}

static void test_rising_probe(void **state)
{
	(void)state;
	assert_float_equal(calib_percent(0.5, 0.5, 2.5), 0.0, EPS);
	assert_float_equal(calib_percent(2.5, 0.5, 2.5), 100.0, EPS);
	assert_float_equal(calib_percent(1.5, 0.5, 2.5), 50.0, EPS);
	assert_float_equal(calib_percent(1.0, 0.5, 2.5), 25.0, EPS);
}

static void test_clamped(void **state)
{
	(void)state;
	/* Beyond either calibration point, and an unpowered probe at 0 V. */
	assert_float_equal(calib_percent(3.3, CAP_DRY, CAP_WET), 0.0, 0);
	assert_float_equal(calib_percent(0.0, CAP_DRY, CAP_WET), 100.0, 0);
	assert_float_equal(calib_percent(-1.0, CAP_DRY, CAP_WET), 100.0, 0);
	assert_float_equal(calib_percent(0.0, 0.5, 2.5), 0.0, 0);
	assert_float_equal(calib_percent(5.0, 0.5, 2.5), 100.0, 0);
}

static void test_equal_points_give_zero(void **state)
{
	double p;

	(void)state;
	/* A probe calibrated badly must read 0, not inf or NaN. */
	p = calib_percent(1.0, 2.0, 2.0);
	assert_true(isfinite(p));
	assert_float_equal(p, 0.0, 0);
	assert_float_equal(calib_percent(2.0, 2.0, 2.0), 0.0, 0);
	assert_float_equal(calib_percent(3.0, 2.0, 2.0), 0.0, 0);
	assert_float_equal(calib_percent(0.0, 0.0, 0.0), 0.0, 0);
}

static void test_tmp36(void **state)
{
	(void)state;
	assert_float_equal(calib_tmp36_celsius(0.75), 25.0, EPS);
	assert_float_equal(calib_tmp36_celsius(0.5), 0.0, EPS);
	assert_float_equal(calib_tmp36_celsius(0.1), -40.0, EPS);
	assert_float_equal(calib_tmp36_celsius(1.0), 50.0, EPS);
}

static void test_lm35(void **state)
{
	(void)state;
	assert_float_equal(calib_lm35_celsius(0.25), 25.0, EPS);
	assert_float_equal(calib_lm35_celsius(0.0), 0.0, EPS);
	assert_float_equal(calib_lm35_celsius(1.0), 100.0, EPS);
}

static void test_fahrenheit(void **state)
{
	(void)state;
	assert_float_equal(calib_celsius_to_fahrenheit(0.0), 32.0, EPS);
	assert_float_equal(calib_celsius_to_fahrenheit(100.0), 212.0, EPS);
	assert_float_equal(calib_celsius_to_fahrenheit(-40.0), -40.0, EPS);
	assert_float_equal(calib_celsius_to_fahrenheit(25.0), 77.0, EPS);
	assert_float_equal(calib_celsius_to_fahrenheit(calib_tmp36_celsius(0.75)),
			   77.0, EPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_falling_probe),
		cmocka_unit_test(test_rising_probe),
		cmocka_unit_test(test_clamped),
		cmocka_unit_test(test_equal_points_give_zero),
		cmocka_unit_test(test_tmp36),
		cmocka_unit_test(test_lm35),
		cmocka_unit_test(test_fahrenheit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
