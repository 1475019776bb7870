/* Tests of schedule arithmetic at virtual time: run days, start instants across DST changes, missed starts and seasonal scaling. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/schedule.h"
#include "core/sun.h"

#define MIN 60
#define HOUR 3600
#define DAY 86400
#define HM(h, m) ((h) * 60 + (m))

#define SUN (1u << 0)
#define MON (1u << 1)
#define TUE (1u << 2)
#define WED (1u << 3)
#define THU (1u << 4)
#define FRI (1u << 5)
#define SAT (1u << 6)
#define EVERY_DAY 0x7fu

/* The zones the tests rely on must really be loaded: a silent fallback to UTC would pass wrongly. */
static void set_tz(const char *zone)
{
	char path[128];
	time_t probe = 1751328000; /* 2025-07-01 00:00 UTC: summer in both zones */
	struct tm tm;

	assert_int_equal(setenv("TZ", zone, 1), 0);
	tzset();
	if (strcmp(zone, "UTC") == 0)
		return;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
	if (access(path, R_OK) != 0)
		fail_msg("%s is missing: install tzdata", path);
	assert_non_null(localtime_r(&probe, &tm));
	assert_int_not_equal(tm.tm_gmtoff, 0);
}

static time_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return timegm(&tm);
}

static struct local_date ymd(int y, int m, int d)
{
	struct local_date date = { y, m, d };

	return date;
}

static void sched_init(struct schedule *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->percent = 100;
	for (i = 0; i < 12; i++)
		s->monthly_percent[i] = 100;
}

/* Appends an enabled program with `n` starts (minutes) and an every-day rule. */
static struct program *add_program(struct schedule *s, const char *name,
				   size_t n, const unsigned *starts)
{
	struct program *p = &s->programs[s->n_programs++];
	size_t i;

	snprintf(p->name, sizeof(p->name), "%s", name);
	p->enabled = true;
	p->n_starts = n;
	for (i = 0; i < n; i++)
		p->starts[i] = (uint16_t)starts[i];
	p->days.kind = DAYS_WEEKDAYS;
	p->days.weekday_mask = EVERY_DAY;
	p->days.interval_days = 1;
	p->n_steps = 1;
	p->steps[0].zone = 0;
	p->steps[0].duration_s = 600;
	return p;
}

static void assert_occ(const struct occurrence *o, time_t when, int program,
		       int start)
{
	assert_int_equal(o->when, when);
	assert_int_equal(o->program, program);
	assert_int_equal(o->start, start);
}

static void test_week_of_mon_wed_fri(void **state)
{
	static const unsigned starts[] = { HM(6, 30), HM(19, 0) };
	struct schedule s;
	struct program *p;
	struct occurrence occ[16];
	size_t n;

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	p = add_program(&s, "lawn", 2, starts);
	p->days.weekday_mask = MON | WED | FRI;

	/* Monday 2026-06-01 00:00 CEST to the next Monday 00:00: summer, UTC+2. */
	n = schedule_due(&s, utc(2026, 5, 31, 22, 0), utc(2026, 6, 7, 22, 0),
			 occ, 16);
	assert_int_equal(n, 6);
	assert_occ(&occ[0], utc(2026, 6, 1, 4, 30), 0, 0);
	assert_occ(&occ[1], utc(2026, 6, 1, 17, 0), 0, 1);
	assert_occ(&occ[2], utc(2026, 6, 3, 4, 30), 0, 0);
	assert_occ(&occ[3], utc(2026, 6, 3, 17, 0), 0, 1);
	assert_occ(&occ[4], utc(2026, 6, 5, 4, 30), 0, 0);
	assert_occ(&occ[5], utc(2026, 6, 5, 17, 0), 0, 1);

	/* Winter: UTC+1.  Monday 2026-01-05. */
	n = schedule_due(&s, utc(2026, 1, 4, 23, 0), utc(2026, 1, 11, 23, 0),
			 occ, 16);
	assert_int_equal(n, 6);
	assert_occ(&occ[0], utc(2026, 1, 5, 5, 30), 0, 0);
	assert_occ(&occ[5], utc(2026, 1, 9, 18, 0), 0, 1);

	/* The range is (from, to]: a start exactly at `from` is already past. */
	n = schedule_due(&s, utc(2026, 6, 1, 4, 30), utc(2026, 6, 1, 17, 0),
			 occ, 16);
	assert_int_equal(n, 1);
	assert_occ(&occ[0], utc(2026, 6, 1, 17, 0), 0, 1);
}

static void test_ties_and_unsorted_starts(void **state)
{
	static const unsigned a[] = { HM(19, 0), HM(6, 30) };
	static const unsigned b[] = { HM(6, 30) };
	struct schedule s;
	struct occurrence occ[8];
	size_t n;

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	add_program(&s, "beds", 2, a);
	add_program(&s, "lawn", 1, b);

	n = schedule_due(&s, utc(2026, 6, 1, 0, 0), utc(2026, 6, 1, 20, 0),
			 occ, 8);
	assert_int_equal(n, 3);
	assert_occ(&occ[0], utc(2026, 6, 1, 4, 30), 0, 1);
	assert_occ(&occ[1], utc(2026, 6, 1, 4, 30), 1, 0);
	assert_occ(&occ[2], utc(2026, 6, 1, 17, 0), 0, 0);

	/* max keeps the earliest. */
	n = schedule_due(&s, utc(2026, 6, 1, 0, 0), utc(2026, 6, 3, 0, 0),
			 occ, 2);
	assert_int_equal(n, 2);
	assert_occ(&occ[0], utc(2026, 6, 1, 4, 30), 0, 1);
	assert_occ(&occ[1], utc(2026, 6, 1, 4, 30), 1, 0);

	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 0, 0), &occ[0]), 0);
	assert_occ(&occ[0], utc(2026, 6, 1, 4, 30), 0, 1);
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 4, 30), &occ[0]), 0);
	assert_occ(&occ[0], utc(2026, 6, 1, 17, 0), 0, 0);
}

static void test_every_three_days(void **state)
{
	static const unsigned starts[] = { HM(6, 0) };
	struct schedule s;
	struct program *p;
	struct occurrence occ[32];
	size_t n;

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	p = add_program(&s, "trees", 1, starts);
	p->days.kind = DAYS_INTERVAL;
	p->days.interval_days = 3;
	p->days.anchor = ymd(2026, 3, 27);

	/* Across the spring-forward night of 03-29; nothing before the anchor. */
	n = schedule_due(&s, utc(2026, 3, 15, 0, 0), utc(2026, 4, 9, 0, 0),
			 occ, 32);
	assert_int_equal(n, 5);
	assert_occ(&occ[0], utc(2026, 3, 27, 5, 0), 0, 0);	/* CET */
	assert_occ(&occ[1], utc(2026, 3, 30, 4, 0), 0, 0);	/* CEST */
	assert_occ(&occ[2], utc(2026, 4, 2, 4, 0), 0, 0);
	assert_occ(&occ[3], utc(2026, 4, 5, 4, 0), 0, 0);
	assert_occ(&occ[4], utc(2026, 4, 8, 4, 0), 0, 0);

	/* And across fall-back: 10-23 is 210 days on, the night of 10-25 between. */
	assert_true(schedule_day_matches(&p->days, &(struct local_date){ 2026, 10, 23 }));
	n = schedule_due(&s, utc(2026, 10, 22, 0, 0), utc(2026, 10, 30, 0, 0),
			 occ, 32);
	assert_int_equal(n, 3);
	assert_occ(&occ[0], utc(2026, 10, 23, 4, 0), 0, 0);	/* CEST */
	assert_occ(&occ[1], utc(2026, 10, 26, 5, 0), 0, 0);	/* CET */
	assert_occ(&occ[2], utc(2026, 10, 29, 5, 0), 0, 0);

	/* Dates before the anchor never match, even a multiple of 3 before. */
	assert_false(schedule_day_matches(&p->days, &(struct local_date){ 2026, 3, 24 }));
	assert_false(schedule_day_matches(&p->days, &(struct local_date){ 2026, 3, 21 }));
	assert_false(schedule_day_matches(&p->days, &(struct local_date){ 2025, 3, 27 }));
	assert_true(schedule_day_matches(&p->days, &(struct local_date){ 2026, 3, 27 }));
	assert_false(schedule_day_matches(&p->days, &(struct local_date){ 2026, 3, 28 }));
	assert_false(schedule_day_matches(&p->days, &(struct local_date){ 2026, 3, 29 }));

	/* Month and year ends. */
	p->days.anchor = ymd(2026, 12, 30);
	assert_true(schedule_day_matches(&p->days, &(struct local_date){ 2026, 12, 30 }));
	assert_false(schedule_day_matches(&p->days, &(struct local_date){ 2026, 12, 31 }));
	assert_false(schedule_day_matches(&p->days, &(struct local_date){ 2027, 1, 1 }));
	assert_true(schedule_day_matches(&p->days, &(struct local_date){ 2027, 1, 2 }));
	n = schedule_due(&s, utc(2026, 12, 29, 0, 0), utc(2027, 1, 9, 0, 0),
			 occ, 32);
	assert_int_equal(n, 4);
	assert_occ(&occ[0], utc(2026, 12, 30, 5, 0), 0, 0);
	assert_occ(&occ[1], utc(2027, 1, 2, 5, 0), 0, 0);
	assert_occ(&occ[2], utc(2027, 1, 5, 5, 0), 0, 0);
	assert_occ(&occ[3], utc(2027, 1, 8, 5, 0), 0, 0);

	/* A leap February: 02-27 + 3 is 03-01 in 2028, 03-02 in 2027. */
	p->days.anchor = ymd(2028, 2, 27);
	assert_true(schedule_day_matches(&p->days, &(struct local_date){ 2028, 3, 1 }));
	assert_false(schedule_day_matches(&p->days, &(struct local_date){ 2028, 3, 2 }));
	p->days.anchor = ymd(2027, 2, 27);
	assert_false(schedule_day_matches(&p->days, &(struct local_date){ 2027, 3, 1 }));
	assert_true(schedule_day_matches(&p->days, &(struct local_date){ 2027, 3, 2 }));

	/* Far from the anchor still counts whole days. */
	p->days.anchor = ymd(2026, 3, 27);
	/* 2036-03-25 is 3651 days on (three leap days), 2036-03-27 is 3653. */
	assert_true(schedule_day_matches(&p->days, &(struct local_date){ 2036, 3, 25 }));
	assert_false(schedule_day_matches(&p->days, &(struct local_date){ 2036, 3, 27 }));
	p->days.interval_days = 1;
	assert_true(schedule_day_matches(&p->days, &(struct local_date){ 2026, 3, 27 }));
	assert_true(schedule_day_matches(&p->days, &(struct local_date){ 2030, 7, 4 }));
	/* 0 is invalid: never, rather than a division by zero. */
	p->days.interval_days = 0;
	assert_false(schedule_day_matches(&p->days, &(struct local_date){ 2026, 3, 27 }));
}

static void test_odd_and_even_days(void **state)
{
	static const unsigned starts[] = { HM(7, 0) };
	struct schedule s;
	struct program *p;
	struct occurrence occ[8];
	struct day_rule odd = { .kind = DAYS_ODD };
	struct day_rule even = { .kind = DAYS_EVEN };
	size_t n;

	(void)state;
	assert_true(schedule_day_matches(&odd, &(struct local_date){ 2026, 1, 31 }));
	assert_true(schedule_day_matches(&odd, &(struct local_date){ 2026, 2, 1 }));
	assert_false(schedule_day_matches(&odd, &(struct local_date){ 2026, 2, 2 }));
	assert_false(schedule_day_matches(&even, &(struct local_date){ 2026, 1, 31 }));
	assert_true(schedule_day_matches(&even, &(struct local_date){ 2026, 2, 28 }));
	assert_false(schedule_day_matches(&even, &(struct local_date){ 2026, 3, 1 }));
	assert_true(schedule_day_matches(&odd, &(struct local_date){ 2028, 2, 29 }));
	assert_false(schedule_day_matches(&even, &(struct local_date){ 2028, 2, 29 }));

	set_tz("Europe/Berlin");
	sched_init(&s);
	p = add_program(&s, "odd", 1, starts);
	p->days.kind = DAYS_ODD;
	n = schedule_due(&s, utc(2026, 1, 29, 12, 0), utc(2026, 2, 4, 0, 0),
			 occ, 8);
	assert_int_equal(n, 3);
	assert_occ(&occ[0], utc(2026, 1, 31, 6, 0), 0, 0);
	assert_occ(&occ[1], utc(2026, 2, 1, 6, 0), 0, 0);
	assert_occ(&occ[2], utc(2026, 2, 3, 6, 0), 0, 0);

	p->days.kind = DAYS_EVEN;
	n = schedule_due(&s, utc(2026, 1, 29, 12, 0), utc(2026, 2, 4, 0, 0),
			 occ, 8);
	assert_int_equal(n, 2);
	assert_occ(&occ[0], utc(2026, 1, 30, 6, 0), 0, 0);
	assert_occ(&occ[1], utc(2026, 2, 2, 6, 0), 0, 0);
}

static void test_weekday_rule(void **state)
{
	struct day_rule r = { .kind = DAYS_WEEKDAYS, .weekday_mask = MON | SAT };

	(void)state;
	/* 2026-06-01 was a Monday; 1969 and 1900 check dates before the epoch. */
	assert_true(schedule_day_matches(&r, &(struct local_date){ 2026, 6, 1 }));
	assert_false(schedule_day_matches(&r, &(struct local_date){ 2026, 6, 2 }));
	assert_true(schedule_day_matches(&r, &(struct local_date){ 2026, 6, 6 }));
	assert_false(schedule_day_matches(&r, &(struct local_date){ 2026, 6, 7 }));
	assert_true(schedule_day_matches(&r, &(struct local_date){ 1969, 12, 29 }));
	assert_true(schedule_day_matches(&r, &(struct local_date){ 1900, 1, 1 }));
	r.weekday_mask = SUN | TUE | WED | THU | FRI;
	assert_false(schedule_day_matches(&r, &(struct local_date){ 2026, 6, 1 }));
	assert_false(schedule_day_matches(&r, &(struct local_date){ 2026, 6, 6 }));
	assert_true(schedule_day_matches(&r, &(struct local_date){ 2026, 6, 7 }));
}

static void test_spring_forward(void **state)
{
	static const unsigned starts[] = { HM(2, 30) };
	struct schedule s;
	struct occurrence occ[8];
	size_t n;

	(void)state;
	/* Berlin: 2026-03-29 02:00 CET becomes 03:00 CEST at 01:00 UTC. */
	set_tz("Europe/Berlin");
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 3, 29 }, HM(2, 30)),
			 utc(2026, 3, 29, 1, 0));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 3, 29 }, HM(2, 0)),
			 utc(2026, 3, 29, 1, 0));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 3, 29 }, HM(2, 59)),
			 utc(2026, 3, 29, 1, 0));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 3, 29 }, HM(1, 59)),
			 utc(2026, 3, 29, 0, 59));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 3, 29 }, HM(3, 0)),
			 utc(2026, 3, 29, 1, 0));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 3, 29 }, HM(3, 1)),
			 utc(2026, 3, 29, 1, 1));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 3, 28 }, HM(2, 30)),
			 utc(2026, 3, 28, 1, 30));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 3, 30 }, HM(2, 30)),
			 utc(2026, 3, 30, 0, 30));

	sched_init(&s);
	add_program(&s, "night", 1, starts);
	n = schedule_due(&s, utc(2026, 3, 27, 12, 0), utc(2026, 3, 31, 12, 0),
			 occ, 8);
	assert_int_equal(n, 4);
	assert_occ(&occ[0], utc(2026, 3, 28, 1, 30), 0, 0);
	assert_occ(&occ[1], utc(2026, 3, 29, 1, 0), 0, 0);
	assert_occ(&occ[2], utc(2026, 3, 30, 0, 30), 0, 0);
	assert_occ(&occ[3], utc(2026, 3, 31, 0, 30), 0, 0);
	assert_int_equal(schedule_next(&s, utc(2026, 3, 28, 12, 0), &occ[0]), 0);
	assert_occ(&occ[0], utc(2026, 3, 29, 1, 0), 0, 0);

	/* New York: 2026-03-08 02:00 EST becomes 03:00 EDT at 07:00 UTC. */
	set_tz("America/New_York");
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 3, 8 }, HM(2, 30)),
			 utc(2026, 3, 8, 7, 0));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 3, 8 }, HM(1, 59)),
			 utc(2026, 3, 8, 6, 59));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 3, 8 }, HM(3, 15)),
			 utc(2026, 3, 8, 7, 15));
	n = schedule_due(&s, utc(2026, 3, 7, 12, 0), utc(2026, 3, 9, 12, 0),
			 occ, 8);
	assert_int_equal(n, 2);
	assert_occ(&occ[0], utc(2026, 3, 8, 7, 0), 0, 0);
	assert_occ(&occ[1], utc(2026, 3, 9, 6, 30), 0, 0);
}

/* Polls schedule_due a minute at a time, as the daemon would, and counts the starts. */
static size_t poll_starts(const struct schedule *s, time_t from, time_t to,
			  time_t *first)
{
	struct occurrence occ[4];
	size_t total = 0, n;
	time_t t;

	for (t = from; t < to; t += MIN) {
		n = schedule_due(s, t, t + MIN, occ, 4);
		if (n && !total)
			*first = occ[0].when;
		total += n;
	}
	return total;
}

static void test_fall_back(void **state)
{
	static const unsigned berlin[] = { HM(2, 30) };
	static const unsigned ny[] = { HM(1, 30) };
	struct schedule s;
	struct occurrence occ[8];
	time_t first = 0;
	size_t n;

	(void)state;
	/* Berlin: 2026-10-25 03:00 CEST becomes 02:00 CET at 01:00 UTC;
	   02:30 is at 00:30 UTC and again at 01:30 UTC. */
	set_tz("Europe/Berlin");
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 10, 25 }, HM(2, 30)),
			 utc(2026, 10, 25, 0, 30));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 10, 25 }, HM(2, 0)),
			 utc(2026, 10, 25, 0, 0));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 10, 25 }, HM(3, 0)),
			 utc(2026, 10, 25, 2, 0));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 10, 25 }, HM(1, 59)),
			 utc(2026, 10, 24, 23, 59));

	sched_init(&s);
	add_program(&s, "night", 1, berlin);
	n = schedule_due(&s, utc(2026, 10, 24, 12, 0), utc(2026, 10, 26, 12, 0),
			 occ, 8);
	assert_int_equal(n, 2);
	assert_occ(&occ[0], utc(2026, 10, 25, 0, 30), 0, 0);
	assert_occ(&occ[1], utc(2026, 10, 26, 1, 30), 0, 0);
	/* Nothing during the second pass through 02:30. */
	assert_int_equal(schedule_due(&s, utc(2026, 10, 25, 0, 30),
				      utc(2026, 10, 25, 12, 0), occ, 8), 0);
	assert_int_equal(poll_starts(&s, utc(2026, 10, 24, 22, 0),
				     utc(2026, 10, 25, 4, 0), &first), 1);
	assert_int_equal(first, utc(2026, 10, 25, 0, 30));
	assert_int_equal(schedule_next(&s, utc(2026, 10, 25, 0, 30), &occ[0]), 0);
	assert_occ(&occ[0], utc(2026, 10, 26, 1, 30), 0, 0);

	/* New York: 2026-11-01 02:00 EDT becomes 01:00 EST at 06:00 UTC;
	   01:30 is at 05:30 UTC and again at 06:30 UTC. */
	set_tz("America/New_York");
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 11, 1 }, HM(1, 30)),
			 utc(2026, 11, 1, 5, 30));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 11, 1 }, HM(2, 0)),
			 utc(2026, 11, 1, 7, 0));
	sched_init(&s);
	add_program(&s, "night", 1, ny);
	n = schedule_due(&s, utc(2026, 10, 31, 12, 0), utc(2026, 11, 2, 12, 0),
			 occ, 8);
	assert_int_equal(n, 2);
	assert_occ(&occ[0], utc(2026, 11, 1, 5, 30), 0, 0);
	assert_occ(&occ[1], utc(2026, 11, 2, 6, 30), 0, 0);
	assert_int_equal(poll_starts(&s, utc(2026, 11, 1, 3, 0),
				     utc(2026, 11, 1, 9, 0), &first), 1);
	assert_int_equal(first, utc(2026, 11, 1, 5, 30));
}

static void test_across_midnight(void **state)
{
	static const unsigned late[] = { HM(23, 50) };
	static const unsigned both[] = { HM(23, 50), HM(0, 10) };
	struct schedule s;
	struct program *p;
	struct occurrence o;

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	add_program(&s, "late", 1, late);
	/* After tonight's 23:50 (21:50 UTC in summer), tomorrow's. */
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 21, 50), &o), 0);
	assert_occ(&o, utc(2026, 6, 2, 21, 50), 0, 0);
	/* Local midnight of the next day, but the same UTC date. */
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 21, 55), &o), 0);
	assert_occ(&o, utc(2026, 6, 2, 21, 50), 0, 0);
	/* After local midnight: the local date has moved on though UTC has not. */
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 22, 5), &o), 0);
	assert_occ(&o, utc(2026, 6, 2, 21, 50), 0, 0);
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 21, 49), &o), 0);
	assert_occ(&o, utc(2026, 6, 1, 21, 50), 0, 0);
	/* Mondays only: from Monday night, a week on. */
	s.programs[0].days.weekday_mask = MON;
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 21, 55), &o), 0);
	assert_occ(&o, utc(2026, 6, 8, 21, 50), 0, 0);

	sched_init(&s);
	p = add_program(&s, "both", 2, both);
	(void)p;
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 21, 50), &o), 0);
	assert_occ(&o, utc(2026, 6, 1, 22, 10), 0, 1);
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 22, 10), &o), 0);
	assert_occ(&o, utc(2026, 6, 2, 21, 50), 0, 0);
	/* Year end. */
	assert_int_equal(schedule_next(&s, utc(2026, 12, 31, 22, 50), &o), 0);
	assert_occ(&o, utc(2026, 12, 31, 23, 10), 0, 1);
}

static void test_disabled_programs_are_ignored(void **state)
{
	static const unsigned early[] = { HM(5, 0) };
	static const unsigned late[] = { HM(8, 0) };
	struct schedule s;
	struct occurrence occ[8], o;
	size_t n;

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	add_program(&s, "early", 1, early)->enabled = false;
	add_program(&s, "late", 1, late);
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 0, 0), &o), 0);
	assert_occ(&o, utc(2026, 6, 1, 6, 0), 1, 0);
	n = schedule_due(&s, utc(2026, 6, 1, 0, 0), utc(2026, 6, 3, 0, 0),
			 occ, 8);
	assert_int_equal(n, 2);
	assert_occ(&occ[0], utc(2026, 6, 1, 6, 0), 1, 0);
	assert_occ(&occ[1], utc(2026, 6, 2, 6, 0), 1, 0);
}

static void test_nothing_enabled_is_enoent(void **state)
{
	static const unsigned starts[] = { HM(5, 0) };
	struct schedule s;
	struct program *p;
	struct occurrence o = { 0 }, occ[4];

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 0, 0), &o), -ENOENT);
	p = add_program(&s, "off", 1, starts);
	p->enabled = false;
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 0, 0), &o), -ENOENT);
	assert_int_equal(schedule_due(&s, utc(2026, 6, 1, 0, 0),
				      utc(2026, 6, 8, 0, 0), occ, 4), 0);
	/* Enabled but never running is the same to a caller. */
	p->enabled = true;
	p->days.weekday_mask = 0;
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 0, 0), &o), -ENOENT);
	p->days.weekday_mask = EVERY_DAY;
	p->n_starts = 0;
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 0, 0), &o), -ENOENT);
	assert_int_equal(schedule_next(NULL, 0, &o), -EINVAL);
	assert_int_equal(schedule_next(&s, 0, NULL), -EINVAL);
}

/* The cache answers as schedule_next does, every minute of three days. */
static void test_cached_next_agrees_with_schedule_next(void **state)
{
	static const unsigned starts[] = { HM(6, 30), HM(19, 0) };
	static const unsigned late[] = { HM(23, 50) };
	struct schedule s;
	struct schedule_cache c;
	struct occurrence want, got;
	time_t t, from = utc(2026, 10, 24, 0, 0);

	(void)state;
	set_tz("Europe/Berlin");	/* across the fall-back night */
	sched_init(&s);
	add_program(&s, "twice", 2, starts);
	add_program(&s, "late", 1, late)->days.weekday_mask = MON;
	schedule_cache_reset(&c);
	for (t = from; t < from + 3 * 86400; t += 60) {
		assert_int_equal(schedule_next(&s, t, &want), 0);
		assert_int_equal(schedule_next_cached(&s, &c, t, &got), 0);
		assert_occ(&got, want.when, want.program, want.start);
	}
	/* Asked about an earlier time (the clock went back): not the cached one. */
	assert_int_equal(schedule_next_cached(&s, &c, from, &got), 0);
	assert_int_equal(schedule_next(&s, from, &want), 0);
	assert_occ(&got, want.when, want.program, want.start);

	/* A changed schedule is seen once the cache is reset. */
	s.programs[0].enabled = false;
	s.programs[1].enabled = false;
	assert_int_equal(schedule_next_cached(&s, &c, from, &got), 0);
	schedule_cache_reset(&c);
	assert_int_equal(schedule_next_cached(&s, &c, from, &got), -ENOENT);
	assert_int_equal(schedule_next_cached(&s, &c, from + 60, &got), -ENOENT);
	s.programs[0].enabled = true;
	schedule_cache_reset(&c);
	assert_int_equal(schedule_next_cached(&s, &c, from, &got), 0);
	assert_int_equal(got.program, 0);
	assert_int_equal(schedule_next_cached(NULL, &c, from, &got), -EINVAL);
}

/* schedule_next looks at the date of `after` and 400 more, and no further. */
static void test_next_horizon(void **state)
{
	static const unsigned starts[] = { HM(7, 0), HM(5, 0) };
	struct schedule s;
	struct program *p;
	struct occurrence o[1];	/* exactly one: ASan sees an overrun */

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	p = add_program(&s, "rare", 2, starts);
	p->days.kind = DAYS_INTERVAL;
	p->days.interval_days = 1000;
	/* 2026-06-01 + 400 days. */
	p->days.anchor = ymd(2027, 7, 6);
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 0, 0), o), 0);
	assert_occ(&o[0], utc(2027, 7, 6, 3, 0), 0, 1);
	p->days.anchor = ymd(2027, 7, 7);
	assert_int_equal(schedule_next(&s, utc(2026, 6, 1, 0, 0), o), -ENOENT);
	assert_int_equal(schedule_next(&s, utc(2026, 6, 2, 0, 0), o), 0);
	assert_occ(&o[0], utc(2027, 7, 7, 3, 0), 0, 1);
}

/* Chile changes clocks at midnight: the gap and the repeated hour touch the date line. */
static void test_midnight_transitions(void **state)
{
	static const unsigned starts[] = { HM(23, 30), HM(0, 0), HM(0, 30) };
	struct schedule s;
	struct occurrence occ[8], o;
	time_t first = 0;
	size_t n;

	(void)state;
	set_tz("America/Santiago");
	sched_init(&s);
	add_program(&s, "night", 3, starts);

	/* 2026-09-06 00:00 -04 becomes 01:00 -03 at 04:00 UTC: both early
	   starts land on 01:00, in start order. */
	n = schedule_due(&s, utc(2026, 9, 5, 12, 0), utc(2026, 9, 6, 12, 0),
			 occ, 8);
	assert_int_equal(n, 3);
	assert_occ(&occ[0], utc(2026, 9, 6, 3, 30), 0, 0);
	assert_occ(&occ[1], utc(2026, 9, 6, 4, 0), 0, 1);
	assert_occ(&occ[2], utc(2026, 9, 6, 4, 0), 0, 2);
	assert_int_equal(schedule_next(&s, utc(2026, 9, 6, 3, 30), &o), 0);
	assert_occ(&o, utc(2026, 9, 6, 4, 0), 0, 1);
	assert_int_equal(schedule_next(&s, utc(2026, 9, 6, 4, 0), &o), 0);
	assert_occ(&o, utc(2026, 9, 7, 2, 30), 0, 0);

	/* 2026-04-05 00:00 -03 becomes 04-04 23:00 -04 at 03:00 UTC: 23:30
	   on the 4th happens twice and runs at the first. */
	n = schedule_due(&s, utc(2026, 4, 4, 12, 0), utc(2026, 4, 5, 12, 0),
			 occ, 8);
	assert_int_equal(n, 3);
	assert_occ(&occ[0], utc(2026, 4, 5, 2, 30), 0, 0);
	assert_occ(&occ[1], utc(2026, 4, 5, 4, 0), 0, 1);
	assert_occ(&occ[2], utc(2026, 4, 5, 4, 30), 0, 2);
	assert_int_equal(poll_starts(&s, utc(2026, 4, 5, 2, 0),
				     utc(2026, 4, 5, 3, 55), &first), 1);
	assert_int_equal(first, utc(2026, 4, 5, 2, 30));
}

static void test_clock_jumps(void **state)
{
	static const unsigned starts[] = { HM(6, 0), HM(18, 0) };
	struct schedule s;
	struct occurrence occ[16];
	time_t from = utc(2026, 6, 1, 8, 0), to = from + 3 * DAY;
	size_t n, i;

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	add_program(&s, "lawn", 2, starts);

	/* Forward three days: every start skipped over, once, in order. */
	n = schedule_due(&s, from, to, occ, 16);
	assert_int_equal(n, 6);
	assert_occ(&occ[0], utc(2026, 6, 1, 16, 0), 0, 1);
	assert_occ(&occ[1], utc(2026, 6, 2, 4, 0), 0, 0);
	assert_occ(&occ[2], utc(2026, 6, 2, 16, 0), 0, 1);
	assert_occ(&occ[3], utc(2026, 6, 3, 4, 0), 0, 0);
	assert_occ(&occ[4], utc(2026, 6, 3, 16, 0), 0, 1);
	assert_occ(&occ[5], utc(2026, 6, 4, 4, 0), 0, 0);
	for (i = 1; i < n; i++)
		assert_true(occ[i - 1].when < occ[i].when);
	/* The next look starts where that one ended: nothing again. */
	assert_int_equal(schedule_due(&s, to, to + 2 * HOUR, occ, 16), 0);

	/* Backward, or not at all: nothing. */
	assert_int_equal(schedule_due(&s, to, from, occ, 16), 0);
	assert_int_equal(schedule_due(&s, to, to, occ, 16), 0);
	assert_int_equal(schedule_due(&s, from, to, occ, 0), 0);
}

static void test_scaled_duration(void **state)
{
	struct schedule s;
	time_t june = utc(2026, 6, 15, 12, 0), july = utc(2026, 7, 15, 12, 0);

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	assert_int_equal(schedule_scaled_duration(&s, 600, june), 600);
	assert_int_equal(schedule_scaled_duration(&s, 1, june), 1);

	s.percent = 50;
	assert_int_equal(schedule_scaled_duration(&s, 600, june), 300);

	s.percent = 120;
	s.monthly_percent[5] = 50;	/* June */
	assert_int_equal(schedule_scaled_duration(&s, 600, june), 360);
	assert_int_equal(schedule_scaled_duration(&s, 600, july), 720);

	/* Rounded to the nearest second: 33 % of 10 s is 3.3, of 5 s 1.65. */
	s.percent = 33;
	s.monthly_percent[5] = 100;
	assert_int_equal(schedule_scaled_duration(&s, 10, june), 3);
	assert_int_equal(schedule_scaled_duration(&s, 5, june), 2);
	s.percent = 50;
	assert_int_equal(schedule_scaled_duration(&s, 3, june), 2);	/* 1.5 */
	s.percent = 49;
	assert_int_equal(schedule_scaled_duration(&s, 3, june), 1);	/* 1.47 */

	/* Never rounded away to nothing unless the percentage is nothing. */
	s.percent = 1;
	assert_int_equal(schedule_scaled_duration(&s, 10, june), 1);
	s.percent = 0;
	assert_int_equal(schedule_scaled_duration(&s, 600, june), 0);
	s.percent = 100;
	s.monthly_percent[5] = 0;
	assert_int_equal(schedule_scaled_duration(&s, 600, june), 0);
	assert_int_equal(schedule_scaled_duration(&s, 600, july), 600);

	/* The month is the local one: 23:30 UTC on 30 June is July in Berlin. */
	assert_int_equal(schedule_scaled_duration(&s, 600, utc(2026, 6, 30, 23, 30)), 600);
	assert_int_equal(schedule_scaled_duration(&s, 600, utc(2026, 6, 30, 21, 30)), 0);

	/* A week at 1000 % twice: 100 weeks, no overflow. */
	s.percent = 1000;
	s.monthly_percent[5] = 1000;
	assert_int_equal(schedule_scaled_duration(&s, 7 * DAY, june), 100u * 7 * DAY);
	/* Beyond 32 bits it saturates rather than wraps. */
	s.percent = UINT32_MAX;
	s.monthly_percent[5] = UINT32_MAX;
	assert_int_equal(schedule_scaled_duration(&s, 7 * DAY, june), UINT32_MAX);
	s.percent = 100;
	s.monthly_percent[5] = 200;
	assert_int_equal(schedule_scaled_duration(&s, UINT32_MAX, june), UINT32_MAX);
}

static void test_local_date(void **state)
{
	struct local_date d;

	(void)state;
	set_tz("Europe/Berlin");
	d = schedule_local_date(utc(2026, 6, 1, 21, 59));
	assert_int_equal(d.year, 2026);
	assert_int_equal(d.month, 6);
	assert_int_equal(d.day, 1);
	d = schedule_local_date(utc(2026, 6, 1, 22, 0));
	assert_int_equal(d.day, 2);
	d = schedule_local_date(utc(2026, 12, 31, 23, 0));
	assert_int_equal(d.year, 2027);
	assert_int_equal(d.month, 1);
	assert_int_equal(d.day, 1);

	set_tz("America/New_York");
	d = schedule_local_date(utc(2026, 1, 1, 3, 0));
	assert_int_equal(d.year, 2025);
	assert_int_equal(d.month, 12);
	assert_int_equal(d.day, 31);

	/* Out-of-range fields carry over rather than fail. */
	set_tz("UTC");
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 13, 1 }, 0),
			 utc(2027, 1, 1, 0, 0));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 3, 0 }, 0),
			 utc(2026, 2, 28, 0, 0));
	assert_int_equal(schedule_local_instant(&(struct local_date){ 2026, 6, 1 }, 1440 + 61),
			 utc(2026, 6, 2, 1, 1));
}

/* "A week of schedule runs in milliseconds": a year of a 4-starts-a-day program. */
static void test_a_year_of_starts(void **state)
{
	static const unsigned starts[] = { HM(2, 30), HM(6, 0), HM(12, 0), HM(23, 59) };
	static struct occurrence all[366 * 4 + 8];
	struct schedule s;
	struct occurrence o;
	time_t t = utc(2025, 12, 31, 23, 0), end = utc(2026, 12, 31, 23, 0);
	size_t count = 0, n;

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	add_program(&s, "busy", 4, starts);
	for (;;) {
		assert_int_equal(schedule_next(&s, t, &o), 0);
		assert_true(o.when > t);
		if (o.when > end)
			break;
		count++;
		t = o.when;
	}
	/* DST days included: the 02:30 start runs once on each. */
	assert_int_equal(count, 365 * 4);

	n = schedule_due(&s, utc(2025, 12, 31, 23, 0), end, all,
			 sizeof(all) / sizeof(all[0]));
	assert_int_equal(n, 365 * 4);
	assert_occ(&all[0], utc(2026, 1, 1, 1, 30), 0, 0);
	assert_occ(&all[n - 1], utc(2026, 12, 31, 22, 59), 0, 3);
}

/* The daemon's view: its timer fires, what runs and what was missed. */
static void test_take_due_runs_on_time(void **state)
{
	static const unsigned starts[] = { HM(6, 30), HM(19, 0) };
	struct due_start due[SCHEDULE_TAKE_MAX];
	struct schedule s;
	time_t checked = utc(2026, 6, 1, 4, 0);	/* 06:00 Berlin summer time */
	size_t n;

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	add_program(&s, "morning", 2, starts);
	/* The timer fires at 06:30 local: one start, to run. */
	n = schedule_take_due(&s, &checked, utc(2026, 6, 1, 4, 30), 120, due);
	assert_int_equal(n, 1);
	assert_occ(&due[0].occ, utc(2026, 6, 1, 4, 30), 0, 0);
	assert_false(due[0].missed);
	assert_int_equal(checked, utc(2026, 6, 1, 4, 30));
	/* Firing again at the same second runs nothing twice. */
	assert_int_equal(schedule_take_due(&s, &checked, utc(2026, 6, 1, 4, 30),
					   120, due), 0);
	/* A busy machine that wakes a minute late still runs it. */
	n = schedule_take_due(&s, &checked, utc(2026, 6, 1, 17, 1), 120, due);
	assert_int_equal(n, 1);
	assert_false(due[0].missed);
}

static void test_take_due_after_clock_steps(void **state)
{
	static const unsigned starts[] = { HM(6, 30), HM(19, 0) };
	struct due_start due[SCHEDULE_TAKE_MAX];
	struct schedule s;
	time_t checked = utc(2026, 6, 1, 4, 0);
	size_t n;

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	add_program(&s, "morning", 2, starts);
	/* NTP steps the clock three days ahead: six starts missed, none run. */
	n = schedule_take_due(&s, &checked, utc(2026, 6, 4, 4, 10), 120, due);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		assert_true(due[i].missed);
	assert_int_equal(checked, utc(2026, 6, 4, 4, 10));
	/* The clock goes back an hour: what already ran does not run again. */
	checked = utc(2026, 6, 4, 4, 40);	/* 06:30 ran at 04:30 UTC */
	assert_int_equal(schedule_take_due(&s, &checked, utc(2026, 6, 4, 3, 40),
					   120, due), 0);
	assert_int_equal(checked, utc(2026, 6, 4, 4, 40));
	n = schedule_take_due(&s, &checked, utc(2026, 6, 4, 4, 31), 120, due);
	assert_int_equal(n, 0);
	/* Back more than a day: the old time was wrong; from now on, as usual. */
	checked = utc(2026, 6, 9, 0, 0);
	n = schedule_take_due(&s, &checked, utc(2026, 6, 4, 4, 30), 120, due);
	assert_int_equal(n, 0);
	assert_int_equal(checked, utc(2026, 6, 4, 4, 30));
	n = schedule_take_due(&s, &checked, utc(2026, 6, 4, 17, 0), 120, due);
	assert_int_equal(n, 1);
	assert_false(due[0].missed);
}

static void test_take_due_spring_forward_runs_once(void **state)
{
	/* 02:00 and 02:30 both land on 03:00 on the spring-forward day. */
	static const unsigned starts[] = { HM(2, 0), HM(2, 30) };
	struct due_start due[SCHEDULE_TAKE_MAX];
	struct schedule s;
	time_t checked = utc(2026, 3, 28, 23, 0);
	size_t n;

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	add_program(&s, "night", 2, starts);
	n = schedule_take_due(&s, &checked, utc(2026, 3, 29, 1, 0), 120, due);
	assert_int_equal(n, 1);
	assert_occ(&due[0].occ, utc(2026, 3, 29, 1, 0), 0, 0);
}

static void test_take_due_many_at_one_instant(void **state)
{
	struct due_start due[SCHEDULE_TAKE_MAX];
	struct schedule s;
	time_t checked = utc(2026, 6, 1, 0, 0);
	size_t total = 0;

	(void)state;
	set_tz("UTC");
	sched_init(&s);
	/* Every program starts at the same eight minutes: 128 starts, 8 instants. */
	for (int p = 0; p < SCHEDULE_MAX_PROGRAMS; p++) {
		unsigned starts[SCHEDULE_MAX_STARTS];

		for (int i = 0; i < SCHEDULE_MAX_STARTS; i++)
			starts[i] = HM(6, i);
		add_program(&s, "p", SCHEDULE_MAX_STARTS, starts);
	}
	/* Two days at once, more than one batch: every start comes once. */
	while (checked < utc(2026, 6, 3, 0, 0))
		total += schedule_take_due(&s, &checked, utc(2026, 6, 3, 0, 0),
					   DAY * 3, due);
	assert_int_equal(total, 2 * SCHEDULE_TAKE_MAX);
}

/* Parses "pause" words at now; the error's reason lands in why. */
static int pause_at(time_t now, time_t *until, char *why, size_t size, ...)
{
	char *words[4];
	size_t n = 0;
	va_list ap;

	va_start(ap, size);
	while (n < 4 && (words[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	return schedule_parse_pause(words, n, now, until, why, size);
}

static void test_pause_for_a_winter(void **state)
{
	/* Sat 5 Dec 2026, 17:00 in Berlin. */
	time_t now = utc(2026, 12, 5, 16, 0), until = 0;
	char why[160];

	(void)state;
	set_tz("Europe/Berlin");
	/* What worked before still does. */
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "2d", NULL), 0);
	assert_int_equal(until, now + 2 * DAY);
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "1d12h", NULL), 0);
	assert_int_equal(until, now + 36 * HOUR);
	/* Past a week, in whole days or weeks. */
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "2w", NULL), 0);
	assert_int_equal(until, now + 14 * DAY);
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "120d", NULL), 0);
	assert_int_equal(until, now + 120 * DAY);
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "366d", NULL), 0);
	/* A year and a day is a slip of the keyboard. */
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "367d", NULL), -ERANGE);
	assert_non_null(strstr(why, "366 days"));
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "53w", NULL), -ERANGE);
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "8d2h", NULL), -ERANGE);
	assert_non_null(strstr(why, "whole days or weeks"));
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "12", NULL), -EINVAL);
	assert_non_null(strstr(why, "give a unit"));
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "0d", NULL), -EINVAL);
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "-2d", NULL), -EINVAL);
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "2d", "3d", NULL),
			 -EINVAL);

	/* Until a date: its local midnight, after a change to summer time. */
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "until", "2027-03-15",
				  NULL), 0);
	assert_int_equal(until, utc(2027, 3, 14, 23, 0));
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "until", "2027-04-01",
				  "06:30", NULL), 0);
	assert_int_equal(until, utc(2027, 4, 1, 4, 30));
	/* Tomorrow is fine; today's midnight, or before, is past. */
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "until", "2026-12-06",
				  NULL), 0);
	assert_int_equal(until, utc(2026, 12, 5, 23, 0));
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "until", "2026-12-05",
				  NULL), -ERANGE);
	assert_non_null(strstr(why, "not in the future"));
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "until", "2026-12-05",
				  "16:59", NULL), -ERANGE);
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "until", "2026-12-05",
				  "17:01", NULL), 0);
	assert_int_equal(until, now + MIN);
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "until", "2028-01-01",
				  NULL), -ERANGE);
	assert_non_null(strstr(why, "366 days"));
	/* Dates and times that do not exist, or are not written so. */
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "until", "2027-02-29",
				  NULL), -EINVAL);
	assert_non_null(strstr(why, "YYYY-MM-DD"));
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "until", "2027-3-15",
				  NULL), -EINVAL);
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "until", "15.03.2027",
				  NULL), -EINVAL);
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "until", "2027-03-15",
				  "24:00", NULL), -EINVAL);
	assert_non_null(strstr(why, "HH:MM"));
	assert_int_equal(pause_at(now, &until, why, sizeof(why), "until", NULL), -EINVAL);
	assert_int_equal(until, utc(2026, 12, 5, 16, 1));	/* untouched by errors */
}

/* ---- starts relative to the sun ---- */

static void set_site(struct schedule *s, double lat, double lon)
{
	s->has_site = true;
	s->latitude_deg = lat;
	s->longitude_deg = lon;
}

/* Makes start i of p relative to the sun. */
static void sun_relative(struct program *p, size_t i, enum start_kind kind,
			 int offset_min)
{
	p->start_kind[i] = (uint8_t)kind;
	p->start_offset_min[i] = (int16_t)offset_min;
	p->starts[i] = 0;
}

static time_t sun_at(double lat, double lon, int y, int m, int d,
		     enum sun_event ev)
{
	struct local_date date = { y, m, d };
	time_t t;

	assert_int_equal(sun_event_time(lat, lon, &date, ev, &t, NULL), 0);
	return t;
}

/* Minutes after local midnight of an instant. */
static int local_minutes(time_t t)
{
	struct tm tm;

	assert_non_null(localtime_r(&t, &tm));
	return tm.tm_hour * 60 + tm.tm_min;
}

static void test_sunrise_and_sunset_starts_over_a_dst_change(void **state)
{
	static const unsigned starts[] = { 0, 0 };
	const double lat = 52.52, lon = 13.405;	/* Berlin */
	struct schedule s;
	struct occurrence occ[16];
	struct program *p;
	size_t n;

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	set_site(&s, lat, lon);
	p = add_program(&s, "dawn", 2, starts);
	sun_relative(p, 0, START_SUNRISE, -60);
	sun_relative(p, 1, START_SUNSET, 30);
	/* Summer time begins on the 29th: the sun comes an hour later by the clock. */
	n = schedule_due(&s, utc(2026, 3, 27, 12, 0), utc(2026, 3, 30, 12, 0), occ, 16);
	assert_int_equal(n, 6);
	assert_occ(&occ[0], sun_at(lat, lon, 2026, 3, 27, SUN_SET) + 30 * MIN, 0, 1);
	assert_occ(&occ[1], sun_at(lat, lon, 2026, 3, 28, SUN_RISE) - 60 * MIN, 0, 0);
	assert_occ(&occ[2], sun_at(lat, lon, 2026, 3, 28, SUN_SET) + 30 * MIN, 0, 1);
	assert_occ(&occ[3], sun_at(lat, lon, 2026, 3, 29, SUN_RISE) - 60 * MIN, 0, 0);
	assert_occ(&occ[4], sun_at(lat, lon, 2026, 3, 29, SUN_SET) + 30 * MIN, 0, 1);
	assert_occ(&occ[5], sun_at(lat, lon, 2026, 3, 30, SUN_RISE) - 60 * MIN, 0, 0);
	/* By the local clock: about 05:00 before, about 06:00 after. */
	assert_in_range(local_minutes(occ[1].when), HM(4, 50), HM(5, 5));
	assert_in_range(local_minutes(occ[3].when) - local_minutes(occ[1].when), 55, 60);
	assert_in_range(local_minutes(occ[5].when), HM(5, 45), HM(6, 0));
	/* And the next start after one is the other. */
	assert_int_equal(schedule_next(&s, occ[2].when, &occ[8]), 0);
	assert_occ(&occ[8], occ[3].when, 0, 0);
}

static void test_before_sunrise_finishes_by_sunrise(void **state)
{
	static const unsigned starts[] = { 0 };
	const double lat = 52.52, lon = 13.405;
	struct schedule s;
	struct occurrence occ[4];
	struct program *p;
	time_t rise = sun_at(lat, lon, 2026, 6, 10, SUN_RISE);

	(void)state;
	set_tz("Europe/Berlin");
	sched_init(&s);
	set_site(&s, lat, lon);
	p = add_program(&s, "early", 1, starts);
	sun_relative(p, 0, START_BEFORE_SUNRISE, 0);
	p->n_steps = 3;
	p->steps[0] = (struct program_step){ .zone = 0, .duration_s = 600 };
	p->steps[1] = (struct program_step){ .zone = 1, .duration_s = 600 };
	/* 20 min in 10 min cycles: one soak of 30 min between. */
	p->steps[2] = (struct program_step){ .zone = 2, .duration_s = 1200,
					     .cycle_s = 600, .soak_s = 1800 };
	assert_int_equal(schedule_finish_lead(&s, p, rise), 600 + 600 + 1200 + 1800);
	assert_int_equal(schedule_due(&s, rise - 86400 / 2, rise, occ, 4), 1);
	assert_occ(&occ[0], rise - (600 + 600 + 1200 + 1800), 0, 0);
	/* At 50 %: 5 + 5 + 10 min, the last one cycle, no soak. */
	s.monthly_percent[5] = 50;
	assert_int_equal(schedule_finish_lead(&s, p, rise), 300 + 300 + 600);
	assert_int_equal(schedule_due(&s, rise - 86400 / 2, rise, occ, 4), 1);
	assert_occ(&occ[0], rise - 1200, 0, 0);
	/* Never more than 20 h ahead, whatever the durations. */
	s.monthly_percent[5] = 100;
	p->steps[0].duration_s = 24 * 3600;
	assert_int_equal(schedule_finish_lead(&s, p, rise), 20 * 3600);
}

static void test_polar_night_has_no_sunrise_start(void **state)
{
	static const unsigned starts[] = { 0 };
	static const unsigned noon[] = { HM(12, 0) };
	const double lat = 69.65, lon = 18.96;	/* Tromsø */
	struct schedule s;
	struct occurrence occ[16];
	struct program *p;
	size_t n;

	(void)state;
	set_tz("Europe/Oslo");
	sched_init(&s);
	set_site(&s, lat, lon);
	p = add_program(&s, "dawn", 1, starts);
	sun_relative(p, 0, START_SUNRISE, 0);
	add_program(&s, "noon", 1, noon);
	/* In the polar night only the clock's start comes. */
	n = schedule_due(&s, utc(2025, 12, 20, 0, 0), utc(2025, 12, 25, 0, 0), occ, 16);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(occ[i].program, 1);
	/* The next sunrise start is when the sun comes back, in January. */
	s.programs[1].enabled = false;
	assert_int_equal(schedule_next(&s, utc(2025, 12, 1, 0, 0), &occ[0]), 0);
	assert_occ(&occ[0], sun_at(lat, lon, 2026, 1, 15, SUN_RISE), 0, 0);
	/* Without a site, a start relative to the sun never comes. */
	s.has_site = false;
	assert_int_equal(schedule_next(&s, utc(2025, 12, 1, 0, 0), &occ[0]), -ENOENT);
}

static void test_sunset_start_after_midnight(void **state)
{
	static const unsigned starts[] = { 0 };
	const double lat = 59.91, lon = 10.75;	/* Oslo */
	struct schedule s;
	struct occurrence occ[4];
	struct program *p;
	time_t set = sun_at(lat, lon, 2026, 6, 21, SUN_SET);

	(void)state;
	set_tz("Europe/Oslo");
	sched_init(&s);
	set_site(&s, lat, lon);
	p = add_program(&s, "late", 1, starts);
	sun_relative(p, 0, START_SUNSET, 3 * 60);
	/* The 21st's sunset plus 3 h is after midnight: still found. */
	assert_int_equal(schedule_due(&s, utc(2026, 6, 21, 22, 0), utc(2026, 6, 22, 1, 0),
				      occ, 4), 1);
	assert_occ(&occ[0], set + 3 * 3600, 0, 0);
	assert_int_equal(schedule_next(&s, utc(2026, 6, 21, 22, 0), &occ[0]), 0);
	assert_occ(&occ[0], set + 3 * 3600, 0, 0);
}

static void test_parse_and_format_starts(void **state)
{
	static const struct {
		const char *text;
		enum start_kind kind;
		unsigned minutes;
		int offset;
	} good[] = {
		{ "06:30", START_AT, HM(6, 30), 0 },
		{ "sunrise", START_SUNRISE, 0, 0 },
		{ "sunrise-1h", START_SUNRISE, 0, -60 },
		{ "sunset+30m", START_SUNSET, 0, 30 },
		{ "sunset-1h30m", START_SUNSET, 0, -90 },
		{ "sunrise+12h", START_SUNRISE, 0, 720 },
		{ "before sunrise", START_BEFORE_SUNRISE, 0, 0 },
		{ "before sunset", START_BEFORE_SUNSET, 0, 0 },
	};
	static const char *const bad[] = {
		"", "sun", "sunrise-", "sunrise+1", "sunrise-90s", "sunrise+12h1m",
		"sunrise 1h", "before sunrise-1h", "before", "Sunrise", "sunrise+-1h",
		"24:00", "sunset+1d",
	};
	struct program p;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		enum start_kind kind;
		unsigned minutes;
		int offset;
		char back[48];

		assert_int_equal(schedule_parse_start(good[i].text, &kind, &minutes,
						      &offset), 0);
		assert_int_equal(kind, good[i].kind);
		assert_int_equal(minutes, good[i].minutes);
		assert_int_equal(offset, good[i].offset);
		memset(&p, 0, sizeof(p));
		p.starts[0] = (uint16_t)minutes;
		p.start_kind[0] = (uint8_t)kind;
		p.start_offset_min[0] = (int16_t)offset;
		schedule_format_start(&p, 0, back, sizeof(back));
		assert_string_equal(back, good[i].text);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum start_kind kind;
		unsigned minutes;
		int offset;

		if (schedule_parse_start(bad[i], &kind, &minutes, &offset) != -EINVAL)
			fail_msg("\"%s\" was taken as a start", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_week_of_mon_wed_fri),
		cmocka_unit_test(test_ties_and_unsorted_starts),
		cmocka_unit_test(test_every_three_days),
		cmocka_unit_test(test_odd_and_even_days),
		cmocka_unit_test(test_weekday_rule),
		cmocka_unit_test(test_spring_forward),
		cmocka_unit_test(test_fall_back),
		cmocka_unit_test(test_across_midnight),
		cmocka_unit_test(test_disabled_programs_are_ignored),
		cmocka_unit_test(test_nothing_enabled_is_enoent),
		cmocka_unit_test(test_next_horizon),
		cmocka_unit_test(test_cached_next_agrees_with_schedule_next),
		cmocka_unit_test(test_midnight_transitions),
		cmocka_unit_test(test_clock_jumps),
		cmocka_unit_test(test_scaled_duration),
		cmocka_unit_test(test_local_date),
		cmocka_unit_test(test_a_year_of_starts),
		cmocka_unit_test(test_take_due_runs_on_time),
		cmocka_unit_test(test_take_due_after_clock_steps),
		cmocka_unit_test(test_take_due_spring_forward_runs_once),
		cmocka_unit_test(test_take_due_many_at_one_instant),
		cmocka_unit_test(test_pause_for_a_winter),
		cmocka_unit_test(test_sunrise_and_sunset_starts_over_a_dst_change),
		cmocka_unit_test(test_before_sunrise_finishes_by_sunrise),
		cmocka_unit_test(test_polar_night_has_no_sunrise_start),
		cmocka_unit_test(test_sunset_start_after_midnight),
		cmocka_unit_test(test_parse_and_format_starts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
