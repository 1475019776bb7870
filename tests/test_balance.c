/* Tests of the soil water balance: soil textures, daily losses and gains, the decision to water, the probes' re-anchoring. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/balance.h"

#define EPS 1e-9

/* A loam bed, 30 cm of roots: TAW 1.55 * 30 = 46.5 mm, RAW 0.5 * 46.5 =
 * 23.25 mm; 4 m2, so 1 mm is 4 L. */
static const struct balance_zone bed = {
	.soil = SOIL_LOAM,
	.root_depth_cm = 30.0,
	.crop_coefficient = 0.8,
	.allowed_depletion = 0.5,
	.area_m2 = 4.0,
};

static const struct balance_probe_anchor anchor = {
	.field_capacity_percent = 70.0,
	.wilting_percent = 20.0,
};

static void test_textures(void **state)
{
	enum soil_texture t;

	(void)state;
	for (unsigned i = 0; i < SOIL_TEXTURES; i++) {
		assert_int_equal(soil_texture_from_name(soil_texture_name(i), &t), 0);
		assert_int_equal(t, i);
		assert_true(soil_available_mm_per_cm(i) > 0.5);
		assert_true(soil_available_mm_per_cm(i) < 2.5);
	}
	/* Sand holds the least, loams and silts the most. */
	assert_true(soil_available_mm_per_cm(SOIL_SAND) <
		    soil_available_mm_per_cm(SOIL_SANDY_LOAM));
	assert_true(soil_available_mm_per_cm(SOIL_SANDY_LOAM) <
		    soil_available_mm_per_cm(SOIL_SILT_LOAM));
	assert_int_equal(soil_texture_from_name("Loam", &t), -EINVAL);
	assert_int_equal(soil_texture_from_name("peat", &t), -EINVAL);
	assert_int_equal(soil_texture_from_name("", &t), -EINVAL);
}

static void test_taw_raw_and_litres(void **state)
{
	(void)state;
	assert_float_equal(balance_taw_mm(&bed), 46.5, EPS);
	assert_float_equal(balance_raw_mm(&bed), 23.25, EPS);
	/* 20 L on 4 m2 is 5 mm. */
	assert_float_equal(balance_mm_from_litres(&bed, 20.0), 5.0, EPS);
	assert_float_equal(balance_litres_from_mm(&bed, 5.0), 20.0, EPS);
}

static void test_zone_check(void **state)
{
	struct balance_zone z;
	char why[BALANCE_WHY_MAX];

	(void)state;
	assert_int_equal(balance_zone_check(&bed, why, sizeof(why)), 0);
	z = bed;
	z.area_m2 = 0.0;
	assert_int_equal(balance_zone_check(&z, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "area"));
	z = bed;
	z.allowed_depletion = 1.5;
	assert_int_equal(balance_zone_check(&z, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "depletion"));
	z = bed;
	z.root_depth_cm = NAN;
	assert_int_equal(balance_zone_check(&z, why, sizeof(why)), -EINVAL);
	z = bed;
	z.crop_coefficient = -0.1;
	assert_int_equal(balance_zone_check(&z, why, sizeof(why)), -EINVAL);
	z = bed;
	z.soil = SOIL_TEXTURES;
	assert_int_equal(balance_zone_check(&z, why, sizeof(why)), -EINVAL);
}

static void test_days_dry_the_bed_until_it_needs_water(void **state)
{
	struct balance_state s = { 0 };
	struct balance_decision d;
	double etc;
	int day;

	(void)state;
	/* 5 mm ET0 * Kc 0.8 = 4 mm a day: past 23.25 mm on the sixth day. */
	for (day = 1; day <= 5; day++) {
		assert_int_equal(balance_lose(&bed, &s, 5.0, &etc), 0);
		assert_float_equal(etc, 4.0, EPS);
		balance_decide(&bed, &s, &d);
		assert_false(d.water);
	}
	assert_int_equal(balance_lose(&bed, &s, 5.0, NULL), 0);
	assert_float_equal(s.depletion_mm, 24.0, EPS);
	balance_decide(&bed, &s, &d);
	assert_true(d.water);
	assert_float_equal(d.mm, 24.0, EPS);
	assert_float_equal(d.litres, 96.0, EPS);
	assert_non_null(strstr(d.why, "96 L"));
	/* The metered litres refill it to field capacity. */
	assert_int_equal(balance_gain(&bed, &s, balance_mm_from_litres(&bed, 96.0),
				      &etc), 0);
	assert_float_equal(s.depletion_mm, 0.0, EPS);
	assert_float_equal(etc, 0.0, EPS);
	balance_decide(&bed, &s, &d);
	assert_false(d.water);
}

static void test_decide_for_the_day_ahead(void **state)
{
	struct balance_state s = { .depletion_mm = 20.0 };
	struct balance_decision d;

	(void)state;
	/* 20 mm of the allowed 23.25: not yet, on its own... */
	balance_decide(&bed, &s, &d);
	assert_false(d.water);
	/* ...but a 5 mm day (4 mm at Kc 0.8) would pass it by evening. */
	balance_decide_ahead(&bed, &s, 5.0, &d);
	assert_true(d.water);
	assert_float_equal(d.mm, 20.0, EPS);
	assert_float_equal(d.litres, 80.0, EPS);
	assert_non_null(strstr(d.why, "4.0 mm more today"));
	/* A cool day (3 mm at Kc 0.8 = 2.4) leaves it for tomorrow. */
	balance_decide_ahead(&bed, &s, 3.0, &d);
	assert_false(d.water);
	/* A bad forecast is no forecast. */
	balance_decide_ahead(&bed, &s, NAN, &d);
	assert_false(d.water);
	/* A bed at field capacity is never watered, whatever the day. */
	s.depletion_mm = 0.0;
	balance_decide_ahead(&bed, &s, 100.0, &d);
	assert_false(d.water);
}

static void test_et0_ahead(void **state)
{
	const double week[] = { 7.0, 2.0, 3.5, NAN, 3.0 };
	const double none[] = { NAN, -1.0 };

	(void)state;
	/* The highest of the last three days; the 7 mm day is older. */
	assert_float_equal(balance_et0_ahead(week, 5, BALANCE_AHEAD_DAYS), 3.5, 0);
	assert_float_equal(balance_et0_ahead(week, 5, 5), 7.0, 0);
	assert_float_equal(balance_et0_ahead(week, 2, 3), 7.0, 0);
	assert_float_equal(balance_et0_ahead(none, 2, 3), 0.0, 0);
	assert_float_equal(balance_et0_ahead(NULL, 0, 3), 0.0, 0);
}

static void test_depletion_capped_at_taw(void **state)
{
	struct balance_state s = { .depletion_mm = 44.0 };
	double etc;

	(void)state;
	assert_int_equal(balance_lose(&bed, &s, 10.0, &etc), 0);
	assert_float_equal(s.depletion_mm, 46.5, EPS);
	assert_float_equal(etc, 2.5, EPS);
	assert_int_equal(balance_lose(&bed, &s, 10.0, &etc), 0);
	assert_float_equal(s.depletion_mm, 46.5, EPS);
	assert_float_equal(etc, 0.0, EPS);
}

static void test_rain_beyond_field_capacity_drains(void **state)
{
	struct balance_state s = { .depletion_mm = 10.0 };
	double drained;

	(void)state;
	assert_int_equal(balance_gain(&bed, &s, 4.0, &drained), 0);
	assert_float_equal(s.depletion_mm, 6.0, EPS);
	assert_float_equal(drained, 0.0, EPS);
	assert_int_equal(balance_gain(&bed, &s, 25.0, &drained), 0);
	assert_float_equal(s.depletion_mm, 0.0, EPS);
	assert_float_equal(drained, 19.0, EPS);
}

static void test_bad_amounts_change_nothing(void **state)
{
	struct balance_state s = { .depletion_mm = 10.0 };

	(void)state;
	assert_int_equal(balance_lose(&bed, &s, -1.0, NULL), -EINVAL);
	assert_int_equal(balance_lose(&bed, &s, NAN, NULL), -EINVAL);
	assert_int_equal(balance_gain(&bed, &s, -3.0, NULL), -EINVAL);
	assert_int_equal(balance_gain(&bed, &s, INFINITY, NULL), -EINVAL);
	assert_float_equal(s.depletion_mm, 10.0, 0);
}

/* A state that is not a number is refused, never carried on. */
static void test_a_broken_state_is_refused(void **state)
{
	struct balance_state s = { .depletion_mm = NAN };
	struct balance_decision d;

	(void)state;
	assert_int_equal(balance_lose(&bed, &s, 3.0, NULL), -EINVAL);
	assert_int_equal(balance_gain(&bed, &s, 3.0, NULL), -EINVAL);
	balance_decide_ahead(&bed, &s, 3.0, &d);
	assert_false(d.water);
}

/*
 * Allowed to dry to the wilting point (allowed depletion 1): the
 * depletion stops at TAW, which is also the allowed level, and that is
 * when it waters.  It used to wait for a depletion past TAW, which never
 * comes, so the bed was never watered.
 */
static void test_allowed_depletion_of_one_still_waters(void **state)
{
	struct balance_zone z = bed;
	struct balance_state s = { .depletion_mm = 0.0 };
	struct balance_decision d;

	(void)state;
	z.allowed_depletion = 1.0;
	assert_int_equal(balance_zone_check(&z, NULL, 0), 0);
	for (int day = 0; day < 60; day++)
		assert_int_equal(balance_lose(&z, &s, 6.0, NULL), 0);
	assert_float_equal(s.depletion_mm, balance_taw_mm(&z), EPS);
	balance_decide(&z, &s, &d);
	assert_true(d.water);
	assert_float_equal(d.mm, balance_taw_mm(&z), EPS);
}

static void test_moisture_to_depletion(void **state)
{
	double d, surplus;

	(void)state;
	/* Field capacity, wilting point and half way between. */
	assert_int_equal(balance_depletion_from_moisture(&bed, &anchor, 70.0,
							 &d, &surplus), 0);
	assert_float_equal(d, 0.0, EPS);
	assert_int_equal(balance_depletion_from_moisture(&bed, &anchor, 20.0,
							 &d, NULL), 0);
	assert_float_equal(d, 46.5, EPS);
	assert_int_equal(balance_depletion_from_moisture(&bed, &anchor, 45.0,
							 &d, NULL), 0);
	assert_float_equal(d, 23.25, EPS);
	/* Wetter than field capacity: 10 % above is 9.3 mm that drains. */
	assert_int_equal(balance_depletion_from_moisture(&bed, &anchor, 80.0,
							 &d, &surplus), 0);
	assert_float_equal(d, 0.0, EPS);
	assert_float_equal(surplus, 9.3, EPS);
	/* Drier than the wilting point: TAW. */
	assert_int_equal(balance_depletion_from_moisture(&bed, &anchor, 5.0,
							 &d, NULL), 0);
	assert_float_equal(d, 46.5, EPS);
	assert_float_equal(balance_moisture_from_depletion(&bed, &anchor, 23.25),
			   45.0, EPS);
}

static void test_reanchor(void **state)
{
	struct balance_state s = { .depletion_mm = 10.0 };
	struct balance_reanchor r;

	(void)state;
	/* The probes read 45 %: 23.25 mm, 13.25 mm drier than modelled. */
	assert_int_equal(balance_reanchor(&bed, &anchor, &s, 45.0, &r), 0);
	assert_float_equal(s.depletion_mm, 23.25, EPS);
	assert_float_equal(r.model_mm, 10.0, EPS);
	assert_float_equal(r.probe_mm, 23.25, EPS);
	assert_float_equal(r.disagreement_mm, 13.25, EPS);
	assert_non_null(strstr(r.why, "drier by 13.2"));
	/* Rain the model did not hear of: wetter. */
	assert_int_equal(balance_reanchor(&bed, &anchor, &s, 70.0, &r), 0);
	assert_float_equal(s.depletion_mm, 0.0, EPS);
	assert_float_equal(r.disagreement_mm, -23.25, EPS);
	assert_non_null(strstr(r.why, "wetter"));
}

static void test_reanchor_refuses_bad_input(void **state)
{
	struct balance_state s = { .depletion_mm = 10.0 };
	struct balance_probe_anchor upside_down = { 20.0, 70.0 };
	struct balance_reanchor r;
	char why[BALANCE_WHY_MAX];

	(void)state;
	assert_int_equal(balance_reanchor(&bed, &anchor, &s, NAN, &r), -EINVAL);
	assert_int_equal(balance_reanchor(&bed, &upside_down, &s, 45.0, &r),
			 -EINVAL);
	assert_float_equal(s.depletion_mm, 10.0, 0);
	assert_int_equal(balance_anchor_check(&upside_down, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "wilting"));
	assert_int_equal(balance_anchor_check(&anchor, why, sizeof(why)), 0);
}

/* One morning: the probes read what a bed holds, the model had its own idea. */
static void morning(struct balance_learning *l, struct balance_state *s,
		    double true_depletion_mm)
{
	struct balance_reanchor r;

	assert_int_equal(balance_reanchor(&bed, &anchor, s,
			 balance_moisture_from_depletion(&bed, &anchor,
							 true_depletion_mm),
			 &r), 0);
	balance_learning_add(l, &bed, &r);
	balance_learning_start(l, s->depletion_mm);
}

static void test_learns_a_thirstier_crop(void **state)
{
	struct balance_learning l = { 0 };
	struct balance_state s = { .depletion_mm = 5.0 };
	double truth = 5.0;

	(void)state;
	assert_float_equal(balance_learning_factor(&l), 1.0, 0);
	morning(&l, &s, truth);
	/* The model loses 4 mm a day (5 mm ET0 at Kc 0.8); the crop really
	 * takes 5 (Kc 1.0).  After a few days the factor says so. */
	for (int day = 0; day < 3; day++) {
		assert_int_equal(balance_lose(&bed, &s, 5.0, NULL), 0);
		truth += 5.0;
		morning(&l, &s, truth);
	}
	assert_float_equal(balance_learning_factor(&l), 1.25, 1e-6);
	/* Watering in between is counted on both sides. */
	assert_int_equal(balance_gain(&bed, &s, 12.0, NULL), 0);
	balance_learning_gain(&l, 12.0, 0.0);
	truth -= 12.0;
	assert_int_equal(balance_lose(&bed, &s, 5.0, NULL), 0);
	truth += 5.0;
	morning(&l, &s, truth);
	assert_float_equal(balance_learning_factor(&l), 1.25, 1e-6);
}

static void test_learning_skips_what_it_cannot_measure(void **state)
{
	struct balance_learning l = { 0 };
	struct balance_state s = { .depletion_mm = 5.0 };
	double truth = 5.0, drained;

	(void)state;
	morning(&l, &s, truth);
	/* Unreported rain: the soil got wetter, no interval. */
	assert_int_equal(balance_lose(&bed, &s, 5.0, NULL), 0);
	truth = 2.0;
	morning(&l, &s, truth);
	assert_float_equal(l.modelled_mm, 0.0, 0);
	/* Watering that drained: the gain the model counted is not what
	 * the soil kept. */
	assert_int_equal(balance_gain(&bed, &s, 10.0, &drained), 0);
	balance_learning_gain(&l, 10.0, drained);
	assert_true(drained > 0.0);
	assert_int_equal(balance_lose(&bed, &s, 5.0, NULL), 0);
	truth = 5.0;
	morning(&l, &s, truth);
	assert_float_equal(l.modelled_mm, 0.0, 0);
	/* A probe at its field capacity reading says nothing about loss. */
	assert_int_equal(balance_lose(&bed, &s, 5.0, NULL), 0);
	truth = 0.0;
	morning(&l, &s, truth);
	assert_float_equal(l.modelled_mm, 0.0, 0);
	assert_float_equal(balance_learning_factor(&l), 1.0, 0);
}

static void test_learning_is_bounded(void **state)
{
	struct balance_learning l = { 0 };
	struct balance_state s = { .depletion_mm = 2.0 };
	double truth = 2.0;

	(void)state;
	morning(&l, &s, truth);
	/* Probes that see four times the modelled loss: a broken probe or
	 * a leak, not a crop; the factor stops at its bound. */
	for (int day = 0; day < 4; day++) {
		assert_int_equal(balance_lose(&bed, &s, 2.5, NULL), 0);
		truth += 8.0;
		morning(&l, &s, truth);
	}
	assert_float_equal(balance_learning_factor(&l), BALANCE_LEARN_HIGHEST, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_textures),
		cmocka_unit_test(test_taw_raw_and_litres),
		cmocka_unit_test(test_zone_check),
		cmocka_unit_test(test_days_dry_the_bed_until_it_needs_water),
		cmocka_unit_test(test_decide_for_the_day_ahead),
		cmocka_unit_test(test_et0_ahead),
		cmocka_unit_test(test_depletion_capped_at_taw),
		cmocka_unit_test(test_rain_beyond_field_capacity_drains),
		cmocka_unit_test(test_bad_amounts_change_nothing),
		cmocka_unit_test(test_a_broken_state_is_refused),
		cmocka_unit_test(test_allowed_depletion_of_one_still_waters),
		cmocka_unit_test(test_moisture_to_depletion),
		cmocka_unit_test(test_reanchor),
		cmocka_unit_test(test_reanchor_refuses_bad_input),
		cmocka_unit_test(test_learns_a_thirstier_crop),
		cmocka_unit_test(test_learning_skips_what_it_cannot_measure),
		cmocka_unit_test(test_learning_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
