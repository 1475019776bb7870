/* Tests of FAO-56 radiation and Hargreaves ET0 against the book's worked examples. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/et0.h"

/* FAO-56 prints its results rounded: a value matches when it rounds to
 * the printed figure (within half a unit of the last printed digit). */
static void assert_printed(double value, double printed, int decimals)
{
	double half = 0.5 * pow(10.0, -decimals);

	if (!(fabs(value - printed) <= half + 1e-12))
		fail_msg("%.6f does not round to the printed %.*f", value,
			 decimals, printed);
}

/* FAO-56 chapter 3, example 8: Ra for 3 September (day 246) at 20°S. */
static void test_example_8_ra(void **state)
{
	(void)state;
	assert_printed(et0_inverse_distance(246), 0.985, 3);
	assert_printed(et0_declination(246), 0.120, 3);
	assert_printed(et0_sunset_hour_angle(-20.0, 246), 1.527, 3);
	assert_printed(et0_ra_mj(-20.0, 246), 32.2, 1);
	assert_printed(et0_ra_mm(-20.0, 246), 13.1, 1);
}

/* FAO-56 chapter 3's daylight hours example (equation 34), for example
 * 8's day and place: N = 24 / pi * 1.527 = 11.7 hours. */
static void test_daylight_hours_example(void **state)
{
	(void)state;
	assert_printed(et0_daylight_hours(-20.0, 246), 11.7, 1);
}

static void test_seasons_and_hemispheres(void **state)
{
	(void)state;
	/* At 50°N midsummer brings several times the radiation of midwinter
	 * and about 16 h of day; the south has its summer in December. */
	assert_true(et0_ra_mj(50.0, 172) > 3.0 * et0_ra_mj(50.0, 355));
	assert_true(et0_daylight_hours(50.0, 172) > 16.0);
	assert_true(et0_daylight_hours(50.0, 172) < 16.6);
	assert_true(et0_ra_mj(-50.0, 355) > 3.0 * et0_ra_mj(-50.0, 172));
	/* The equator has 12 h days all year. */
	assert_printed(et0_daylight_hours(0.0, 80), 12.0, 1);
	assert_printed(et0_daylight_hours(0.0, 200), 12.0, 1);
}

/* Beyond the polar circles the sun neither rises nor sets for a time:
 * the arccos argument leaves -1..1 and must be clamped, not NaN. */
static void test_polar_latitudes(void **state)
{
	static const double lats[] = { 66.0, 70.0, 80.0, 89.9, 90.0, -70.0,
				       -90.0 };

	(void)state;
	for (size_t i = 0; i < sizeof(lats) / sizeof(lats[0]); i++) {
		for (int day = 1; day <= 366; day++) {
			double ra = et0_ra_mj(lats[i], day);
			double n = et0_daylight_hours(lats[i], day);

			if (!isfinite(ra) || ra < 0.0 || !isfinite(n) ||
			    n < 0.0 || n > 24.0)
				fail_msg("lat %.1f day %d: Ra %f N %f",
					 lats[i], day, ra, n);
		}
	}
	/* Polar night: no sun, no radiation; midnight sun: a 24 h day. */
	assert_float_equal(et0_ra_mj(80.0, 355), 0.0, 1e-9);
	assert_float_equal(et0_daylight_hours(80.0, 355), 0.0, 1e-9);
	assert_float_equal(et0_daylight_hours(80.0, 172), 24.0, 1e-9);
	assert_true(et0_ra_mj(80.0, 172) > et0_ra_mj(50.0, 172));
	assert_float_equal(et0_daylight_hours(-80.0, 172), 0.0, 1e-9);
}

/*
 * FAO-56 gives equation 52 without a worked example, so this one is
 * worked by hand on example 8's printed Ra = 32.2 MJ m-2 day-1, for a
 * day of 15 °C minimum and 30 °C maximum:
 *   Tmean = (30 + 15) / 2 = 22.5 °C;  Tmean + 17.8 = 40.3
 *   (Tmax - Tmin)^0.5 = 15^0.5 = 3.873
 *   Ra as evaporation = 0.408 * 32.2 = 13.138 mm/day
 *   ET0 = 0.0023 * 40.3 * 3.873 * 13.138 = 4.72 mm/day
 */
static void test_hargreaves_by_hand(void **state)
{
	double et0 = -1.0;

	(void)state;
	assert_printed(et0_hargreaves(15.0, 30.0, 32.2), 4.72, 2);
	/* The same day computed from the site and date. */
	assert_int_equal(et0_hargreaves_day(-20.0, 246, 15.0, 30.0, &et0), 0);
	assert_printed(et0, 4.72, 2);
}

static void test_hargreaves_follows_the_weather(void **state)
{
	(void)state;
	/* Hotter days and a wider daily range evaporate more. */
	assert_true(et0_hargreaves(20.0, 35.0, 40.0) >
		    et0_hargreaves(10.0, 25.0, 40.0));
	assert_true(et0_hargreaves(10.0, 30.0, 40.0) >
		    et0_hargreaves(15.0, 25.0, 40.0));
	/* No range, no sun or bitter cold: nothing, never negative. */
	assert_float_equal(et0_hargreaves(20.0, 20.0, 40.0), 0.0, 0);
	assert_float_equal(et0_hargreaves(10.0, 25.0, 0.0), 0.0, 0);
	assert_float_equal(et0_hargreaves(-35.0, -25.0, 10.0), 0.0, 0);
	assert_float_equal(et0_hargreaves(NAN, 25.0, 40.0), 0.0, 0);
}

static void test_hargreaves_day_refuses_bad_input(void **state)
{
	double et0 = 99.0;

	(void)state;
	assert_int_equal(et0_hargreaves_day(91.0, 100, 10, 20, &et0), -EINVAL);
	assert_int_equal(et0_hargreaves_day(NAN, 100, 10, 20, &et0), -EINVAL);
	assert_int_equal(et0_hargreaves_day(45.0, 0, 10, 20, &et0), -EINVAL);
	assert_int_equal(et0_hargreaves_day(45.0, 367, 10, 20, &et0), -EINVAL);
	assert_int_equal(et0_hargreaves_day(45.0, 100, 20, 10, &et0), -EINVAL);
	assert_int_equal(et0_hargreaves_day(45.0, 100, NAN, 10, &et0), -EINVAL);
	assert_int_equal(et0_hargreaves_day(45.0, 100, 10, INFINITY, &et0),
			 -EINVAL);
	assert_float_equal(et0, 99.0, 0);
	/* A polar midwinter day is a valid day with no evaporation. */
	assert_int_equal(et0_hargreaves_day(90.0, 355, -30, -20, &et0), 0);
	assert_float_equal(et0, 0.0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_8_ra),
		cmocka_unit_test(test_daylight_hours_example),
		cmocka_unit_test(test_seasons_and_hemispheres),
		cmocka_unit_test(test_polar_latitudes),
		cmocka_unit_test(test_hargreaves_by_hand),
		cmocka_unit_test(test_hargreaves_follows_the_weather),
		cmocka_unit_test(test_hargreaves_day_refuses_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
