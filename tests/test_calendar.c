/* Tests of the calendar arithmetic: day numbers, weekdays, month lengths, and the date and time words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/calendar.h"

static void assert_date(struct local_date d, int year, int month, int day)
{
	assert_int_equal(d.year, year);
	assert_int_equal(d.month, month);
	assert_int_equal(d.day, day);
}

/* February has 29 days in leap years only: every 4th, not every 100th, every 400th. */
static void test_month_lengths(void **state)
{
	(void)state;
	assert_int_equal(calendar_days_in_month(2026, 1), 31);
	assert_int_equal(calendar_days_in_month(2026, 4), 30);
	assert_int_equal(calendar_days_in_month(2026, 2), 28);
	assert_int_equal(calendar_days_in_month(2028, 2), 29);
	assert_int_equal(calendar_days_in_month(2100, 2), 28);
	assert_int_equal(calendar_days_in_month(2000, 2), 29);
	assert_int_equal(calendar_days_in_month(2026, 12), 31);
	assert_int_equal(calendar_days_in_month(2026, 0), 0);
	assert_int_equal(calendar_days_in_month(2026, 13), 0);
}

/* Day numbers count from 1970-01-01 and come back to the same date. */
static void test_day_numbers(void **state)
{
	struct local_date d = { 2026, 3, 1 };

	(void)state;
	assert_int_equal(calendar_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(calendar_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(calendar_days_from_civil(2000, 3, 1), 11017);
	/* The day before 1 March is the last of February, leap or not. */
	assert_date(calendar_civil_from_days(calendar_date_days(&d) - 1), 2026, 2, 28);
	d.year = 2028;
	assert_date(calendar_civil_from_days(calendar_date_days(&d) - 1), 2028, 2, 29);
	for (int64_t days = -800000; days < 800000; days += 997) {
		struct local_date back = calendar_civil_from_days(days);

		assert_int_equal(calendar_date_days(&back), days);
	}
	/* Out-of-range months and days carry over. */
	d = (struct local_date){ 2026, 13, 1 };
	assert_date(calendar_civil_from_days(calendar_date_days(&d)), 2027, 1, 1);
	d = (struct local_date){ 2026, 2, 30 };
	assert_date(calendar_civil_from_days(calendar_date_days(&d)), 2026, 3, 2);
	d = (struct local_date){ 2026, 0, 1 };
	assert_date(calendar_civil_from_days(calendar_date_days(&d)), 2025, 12, 1);
}

static void test_weekdays(void **state)
{
	(void)state;
	assert_int_equal(calendar_weekday(0), 4);	/* 1970-01-01, a Thursday */
	assert_int_equal(calendar_weekday(calendar_days_from_civil(2026, 12, 5)), 6);
	assert_int_equal(calendar_weekday(calendar_days_from_civil(2026, 12, 6)), 0);
	assert_int_equal(calendar_weekday(-1), 3);
	assert_int_equal(calendar_weekday(-7), 4);
}

/* Only dates that exist, written in full. */
static void test_parse_date(void **state)
{
	struct local_date d = { 0, 0, 0 };

	(void)state;
	assert_true(calendar_parse_date("2026-05-01", &d));
	assert_date(d, 2026, 5, 1);
	assert_true(calendar_parse_date("2028-02-29", &d));
	assert_date(d, 2028, 2, 29);
	assert_false(calendar_parse_date("2027-02-29", &d));
	assert_false(calendar_parse_date("2027-02-30", &d));
	assert_false(calendar_parse_date("2026-04-31", &d));
	assert_false(calendar_parse_date("2026-13-01", &d));
	assert_false(calendar_parse_date("2026-00-10", &d));
	assert_false(calendar_parse_date("2026-01-00", &d));
	assert_false(calendar_parse_date("2026-5-01", &d));
	assert_false(calendar_parse_date("2026-05-01 ", &d));
	assert_false(calendar_parse_date("2026/05/01", &d));
	assert_false(calendar_parse_date("", &d));
	/* A refused word leaves the date as it was. */
	assert_date(d, 2028, 2, 29);
}

/* A config's start takes one or two hour digits; a command's time two. */
static void test_parse_times(void **state)
{
	unsigned m = 0;

	(void)state;
	assert_true(calendar_parse_time_of_day("6:30", &m));
	assert_int_equal(m, 390);
	assert_true(calendar_parse_time_of_day("06:30", &m));
	assert_int_equal(m, 390);
	assert_true(calendar_parse_time_of_day("23:59", &m));
	assert_int_equal(m, 1439);
	assert_true(calendar_parse_time_of_day("0:00", &m));
	assert_int_equal(m, 0);
	assert_false(calendar_parse_time_of_day("24:00", &m));
	assert_false(calendar_parse_time_of_day("6:60", &m));
	assert_false(calendar_parse_time_of_day("6:3", &m));
	assert_false(calendar_parse_time_of_day("006:30", &m));
	assert_false(calendar_parse_time_of_day(":30", &m));
	assert_false(calendar_parse_time_of_day("6:30pm", &m));
	assert_true(calendar_parse_clock("07:05", &m));
	assert_int_equal(m, 425);
	assert_false(calendar_parse_clock("7:05", &m));
	assert_false(calendar_parse_clock("24:00", &m));
	assert_false(calendar_parse_clock("07:05:00", &m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month_lengths),
		cmocka_unit_test(test_day_numbers),
		cmocka_unit_test(test_weekdays),
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_parse_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
