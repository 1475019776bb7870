/* Calendar arithmetic on local dates (proleptic Gregorian, no time zone) and the date and time words configs and commands use. */
#ifndef IRRIGD_CORE_CALENDAR_H
#define IRRIGD_CORE_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

/* A local calendar date. */
struct local_date {
	int year;	/* e.g. 2026 */
	int month;	/* 1-12 */
	int day;	/* 1-31 */
};

bool calendar_leap_year(int year);
/* 28 to 31; 0 for a month outside 1-12. */
int calendar_days_in_month(int year, int month);

/*
 * Days since 1970-01-01 of a date (Howard Hinnant's algorithm), and back.
 * Whole calendar days, so a 23- or 25-hour day around a DST change still
 * counts as one.
 */
int64_t calendar_days_from_civil(int64_t year, int64_t month, int64_t day);
struct local_date calendar_civil_from_days(int64_t days);
/* The same for a date whose month or day is out of range: carried over. */
int64_t calendar_date_days(const struct local_date *date);
/* The weekday of a day number, as tm_wday: 0 Sunday to 6 Saturday. */
unsigned calendar_weekday(int64_t days);

/* "YYYY-MM-DD", a date that exists (not 2027-02-30). */
bool calendar_parse_date(const char *text, struct local_date *date);
/* "6:30" or "06:30", 00:00 to 23:59, as minutes after midnight (a config's start). */
bool calendar_parse_time_of_day(const char *text, unsigned *minutes);
/* Exactly "HH:MM", 00:00 to 23:59, as minutes (a command's time). */
bool calendar_parse_clock(const char *text, unsigned *minutes);

#endif
