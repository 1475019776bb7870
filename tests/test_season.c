/* Tests of the sim's season: seeded weather for a climate, and a bed's soil drying, wetting, draining and probed. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/sim_season.h"

static struct season_day a[SEASON_DAYS], b[SEASON_DAYS];

/* A loam lawn: TAW 1.55 * 20 = 31 mm, RAW 15.5 mm. */
static const struct season_bed lawn = {
	.name = "lawn", .soil = SOIL_LOAM, .root_depth_cm = 20.0,
	.allowed_depletion = 0.5, .area_m2 = 10.0,
	.kc_ini = 1.0, .kc_mid = 1.0, .kc_end = 1.0,
	.planted_day = 0, .mid_day = 1, .late_day = 364, .end_day = 365,
};

static void test_same_seed_same_weather(void **state)
{
	(void)state;
	assert_int_equal(season_weather(&season_temperate, 7, a), 0);
	assert_int_equal(season_weather(&season_temperate, 7, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(season_weather(&season_temperate, 8, b), 0);
	assert_memory_not_equal(a, b, sizeof(a));
}

static void test_a_plausible_year(void **state)
{
	double rain = 0.0, summer_rain = 0.0, july_et0 = 0.0, jan_et0 = 0.0;
	unsigned waves = 0;

	(void)state;
	assert_int_equal(season_weather(&season_mediterranean, 1, a), 0);
	for (int i = 0; i < SEASON_DAYS; i++) {
		assert_int_equal(a[i].day_of_year, i + 1);
		assert_true(a[i].tmin_c <= a[i].tmax_c);
		assert_true(a[i].rain_mm >= 0.0);
		assert_true(a[i].clear >= 0.0 && a[i].clear <= 1.0);
		assert_true(isfinite(a[i].et0_mm) && a[i].et0_mm >= 0.0);
		assert_true(a[i].peak_lux >= 0.0);
		rain += a[i].rain_mm;
		waves += a[i].heat_wave;
		if (i >= 181 && i < 243)
			summer_rain += a[i].rain_mm;
		if (i >= 181 && i < 212)
			july_et0 += a[i].et0_mm / 31.0;
		if (i < 31)
			jan_et0 += a[i].et0_mm / 31.0;
		/* No rain in a heat wave. */
		if (a[i].heat_wave)
			assert_float_equal(a[i].rain_mm, 0.0, 0);
	}
	/* A Mediterranean year: wet winter, dry summer, hot Julys. */
	assert_true(rain > 250.0 && rain < 1000.0);
	assert_true(summer_rain < rain / 8.0);
	assert_true(july_et0 > 4.5 && july_et0 < 8.5);
	assert_true(jan_et0 < july_et0 / 2.0);
	assert_true(waves >= 4);	/* they may overlap */
}

static void test_climate_refused(void **state)
{
	struct season_climate c = season_temperate;

	(void)state;
	c.latitude_deg = 80.0;
	assert_int_equal(season_weather(&c, 1, a), -EINVAL);
	c = season_temperate;
	c.rain_chance[3] = 1.5;
	assert_int_equal(season_weather(&c, 1, a), -EINVAL);
}

static void test_soil_dries_slower_when_stressed(void **state)
{
	struct season_soil s = { 0 };
	double used;

	(void)state;
	used = season_soil_day(&lawn, &s, 5.0, 180);
	assert_float_equal(used, 5.0, 1e-9);
	assert_false(season_soil_stressed(&lawn, &s));
	s.depletion_mm = 15.0;
	used = season_soil_day(&lawn, &s, 5.0, 180);
	assert_float_equal(used, 5.0, 1e-9);
	assert_true(season_soil_stressed(&lawn, &s));
	/* Past RAW the crop takes less: Ks = (31 - 20) / (31 - 15.5). */
	used = season_soil_day(&lawn, &s, 5.0, 180);
	assert_float_equal(used, 5.0 * 11.0 / 15.5, 1e-9);
	/* Never past the wilting point. */
	s.depletion_mm = 30.9;
	season_soil_day(&lawn, &s, 10.0, 180);
	assert_true(s.depletion_mm <= 31.0 + 1e-9);
}

static void test_soil_drains_and_runs_off(void **state)
{
	struct season_soil s = { .depletion_mm = 10.0 };

	(void)state;
	season_soil_wet(&lawn, &s, 8.0);
	assert_false(s.above_capacity);
	assert_float_equal(s.drained_mm, 0.0, 0);
	/* A hair past field capacity (a run rounded up) is not waste. */
	season_soil_wet(&lawn, &s, 2.01);
	assert_false(s.above_capacity);
	s.depletion_mm = 2.0;
	/* 30 mm on 2 mm of depletion: 28 above field capacity, of which a
	 * fifth of TAW (6.2 mm) stays a while and the rest runs off. */
	season_soil_wet(&lawn, &s, 30.0);
	assert_true(s.above_capacity);
	assert_float_equal(s.depletion_mm, -6.2, 1e-9);
	assert_float_equal(s.drained_mm, 28.0 - 6.2, 1e-9);
	/* A dry day: the crop drinks the surplus first, then it drains. */
	s.drained_mm = 0.0;
	season_soil_day(&lawn, &s, 2.0, 180);
	assert_true(s.depletion_mm < 0.0);
	assert_true(s.drained_mm > 0.0);
	for (int day = 0; day < 5; day++)
		season_soil_day(&lawn, &s, 0.0, 180);
	assert_float_equal(s.depletion_mm, 0.0, 1e-9);
}

static void test_crop_stages(void **state)
{
	const struct season_bed veg = {
		.kc_ini = 0.5, .kc_mid = 1.1, .kc_end = 0.8,
		.planted_day = 120, .mid_day = 170, .late_day = 230,
		.end_day = 270,
	};

	(void)state;
	assert_float_equal(season_bed_kc(&veg, 100), 0.5, 1e-9);
	assert_float_equal(season_bed_kc(&veg, 145), 0.8, 1e-9);
	assert_float_equal(season_bed_kc(&veg, 200), 1.1, 1e-9);
	assert_float_equal(season_bed_kc(&veg, 250), 0.95, 1e-9);
	assert_float_equal(season_bed_kc(&veg, 300), 0.8, 1e-9);
}

static void test_probe_reads_the_soil(void **state)
{
	const struct balance_probe_anchor anchor = { 70.0, 20.0 };
	struct season_soil s = { .depletion_mm = 15.5 };
	uint64_t rng = 1;
	double sum = 0.0;

	(void)state;
	/* Half of TAW reads half way between the anchor's points. */
	assert_float_equal(season_probe_percent(&lawn, &s, &anchor, 0.0, &rng),
			   45.0, 1e-9);
	for (int i = 0; i < 1000; i++)
		sum += season_probe_percent(&lawn, &s, &anchor, 2.0, &rng);
	assert_float_equal(sum / 1000.0, 45.0, 0.3);
	/* Waterlogged soil reads wetter than field capacity. */
	s.depletion_mm = -3.1;
	assert_float_equal(season_probe_percent(&lawn, &s, &anchor, 0.0, &rng),
			   75.0, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_weather),
		cmocka_unit_test(test_a_plausible_year),
		cmocka_unit_test(test_climate_refused),
		cmocka_unit_test(test_soil_dries_slower_when_stressed),
		cmocka_unit_test(test_soil_drains_and_runs_off),
		cmocka_unit_test(test_crop_stages),
		cmocka_unit_test(test_probe_reads_the_soil),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
