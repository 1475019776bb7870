/* Tests of sunrise and sunset against published almanac tables, to the minute, and of days without them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/sun.h"

/* One published time, in UTC. */
struct published {
	const char *where;
	double lat, lon;
	struct local_date date;
	enum sun_event event;
	int hour, minute;
};

/*
 * Paul Schlyter's tables (stjarnhimlen.se; upper limb, refraction
 * counted; printed in Swedish winter time, UTC+1, converted here) and the
 * Astronomy Answers table of sunrise by latitude (aa.quae.nl, 2002, local
 * mean time: UTC at longitude 0).
 */
static const struct published table[] = {
	{ "Sundsvall", 62.392, 17.290, { 2001, 1, 1 }, SUN_RISE, 8, 18 },
	{ "Sundsvall", 62.392, 17.290, { 2001, 1, 1 }, SUN_SET, 13, 31 },
	{ "Sundsvall", 62.392, 17.290, { 2001, 1, 15 }, SUN_RISE, 7, 59 },
	{ "Sundsvall", 62.392, 17.290, { 2001, 1, 15 }, SUN_SET, 14, 2 },
	{ "Ostersund", 63.178, 14.635, { 2021, 1, 1 }, SUN_RISE, 8, 39 },
	{ "Ostersund", 63.178, 14.635, { 2021, 1, 1 }, SUN_SET, 13, 32 },
	{ "Ostersund", 63.178, 14.635, { 2021, 1, 18 }, SUN_RISE, 8, 11 },
	{ "Ostersund", 63.178, 14.635, { 2021, 1, 18 }, SUN_SET, 14, 14 },
	{ "equator", 0.0, 0.0, { 2002, 1, 1 }, SUN_RISE, 6, 0 },
	{ "50N", 50.0, 0.0, { 2002, 1, 1 }, SUN_RISE, 7, 59 },
	{ "40S", -40.0, 0.0, { 2002, 1, 1 }, SUN_RISE, 4, 35 },
	{ "64S", -64.0, 0.0, { 2002, 1, 1 }, SUN_RISE, 1, 43 },
};

static void test_published_times_to_the_minute(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct published *p = &table[i];
		time_t got, want = (time_t)calendar_date_days(&p->date) * 86400 +
			p->hour * 3600 + p->minute * 60;
		enum sun_polar polar = SUN_POLAR_DAY;

		assert_int_equal(sun_event_time(p->lat, p->lon, &p->date, p->event,
						&got, &polar), 0);
		assert_int_equal(polar, SUN_POLAR_NONE);
		/* The table rounds to the minute. */
		if (labs((long)(got - want)) > 60)
			fail_msg("%s %d-%02d-%02d %s: %+lds from the table", p->where,
				 p->date.year, p->date.month, p->date.day,
				 p->event == SUN_RISE ? "rise" : "set", (long)(got - want));
	}
}

static void test_polar_day_and_night_have_none(void **state)
{
	struct local_date winter = { 2021, 1, 1 }, summer = { 2021, 6, 21 };
	enum sun_polar polar;
	time_t t = 12345;

	(void)state;
	/* Svalbard. */
	assert_int_equal(sun_event_time(78.2, 15.6, &winter, SUN_RISE, &t, &polar),
			 -ENOENT);
	assert_int_equal(polar, SUN_POLAR_NIGHT);
	assert_int_equal(sun_event_time(78.2, 15.6, &summer, SUN_SET, &t, &polar),
			 -ENOENT);
	assert_int_equal(polar, SUN_POLAR_DAY);
	assert_int_equal(t, 12345);
	/* The southern summer: 70S has no sunrise on 1 January. */
	assert_int_equal(sun_event_time(-70.0, 0.0, &winter, SUN_RISE, &t, &polar),
			 -ENOENT);
	assert_int_equal(polar, SUN_POLAR_DAY);
	/* The poles themselves. */
	assert_int_equal(sun_event_time(90.0, 0.0, &summer, SUN_RISE, &t, &polar),
			 -ENOENT);
	assert_int_equal(polar, SUN_POLAR_DAY);
	assert_int_equal(sun_event_time(-90.0, 0.0, &summer, SUN_RISE, &t, &polar),
			 -ENOENT);
	assert_int_equal(polar, SUN_POLAR_NIGHT);
	/* Tromsø: the sun is back by the middle of January. */
	assert_int_equal(sun_event_time(69.65, 18.96, &(struct local_date){ 2021, 1, 10 },
					SUN_RISE, &t, &polar), -ENOENT);
	assert_int_equal(polar, SUN_POLAR_NIGHT);
	assert_int_equal(sun_event_time(69.65, 18.96, &(struct local_date){ 2021, 1, 20 },
					SUN_RISE, &t, &polar), 0);
	assert_int_equal(polar, SUN_POLAR_NONE);
}

static void test_rise_before_set_far_east_and_west(void **state)
{
	struct local_date d = { 2026, 3, 20 };
	time_t rise, set;

	(void)state;
	/* At the equinox a day is about 12 h anywhere; each date's own. */
	for (double lon = -180; lon <= 180; lon += 45) {
		assert_int_equal(sun_event_time(30.0, lon, &d, SUN_RISE, &rise, NULL), 0);
		assert_int_equal(sun_event_time(30.0, lon, &d, SUN_SET, &set, NULL), 0);
		assert_true(set > rise);
		assert_true(labs((long)(set - rise) - 12 * 3600) < 15 * 60);
		/* Solar noon near 12:00 local mean time of that date. */
		assert_true(labs((long)((rise + set) / 2 -
				       (calendar_date_days(&d) * 86400 + 43200 -
					(long)(lon * 240)))) < 20 * 60);
	}
}

static void test_bad_places_are_refused(void **state)
{
	struct local_date d = { 2026, 3, 20 };
	time_t t;

	(void)state;
	assert_int_equal(sun_event_time(90.5, 0, &d, SUN_RISE, &t, NULL), -EINVAL);
	assert_int_equal(sun_event_time(0, -181, &d, SUN_RISE, &t, NULL), -EINVAL);
	assert_int_equal(sun_event_time(0, 0, NULL, SUN_RISE, &t, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_times_to_the_minute),
		cmocka_unit_test(test_polar_day_and_night_have_none),
		cmocka_unit_test(test_rise_before_set_far_east_and_west),
		cmocka_unit_test(test_bad_places_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
