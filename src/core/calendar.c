/* Calendar arithmetic: day numbers of dates and back, weekdays, month lengths, and reading dates and times of day. */
#include "core/calendar.h"

#include <string.h>

bool calendar_leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int calendar_days_in_month(int year, int month)
{
	static const int days_in[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (month < 1 || month > 12)
		return 0;
	return days_in[month - 1] + (month == 2 && calendar_leap_year(year));
}

int64_t calendar_days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct local_date calendar_civil_from_days(int64_t z)
{
	struct local_date date;
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	date.year = (int)(y + (m <= 2));
	date.month = (int)m;
	date.day = (int)d;
	return date;
}

int64_t calendar_date_days(const struct local_date *date)
{
	int64_t y = date->year, m = (int64_t)date->month - 1;

	y += m >= 0 ? m / 12 : -((11 - m) / 12);
	m -= (y - date->year) * 12;
	return calendar_days_from_civil(y, m + 1, 1) + date->day - 1;
}

unsigned calendar_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (tm_wday 4). */
	return (unsigned)(((days % 7) + 7 + 4) % 7);
}

/* Exactly `digits` decimal digits at text, as a number. */
static bool read_digits(const char *text, size_t digits, int *value)
{
	int v = 0;

	for (size_t i = 0; i < digits; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		v = v * 10 + (text[i] - '0');
	}
	*value = v;
	return true;
}

bool calendar_parse_date(const char *text, struct local_date *date)
{
	struct local_date d;

	if (strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
	    !read_digits(text, 4, &d.year) ||
	    !read_digits(text + 5, 2, &d.month) ||
	    !read_digits(text + 8, 2, &d.day) ||
	    d.day < 1 || d.day > calendar_days_in_month(d.year, d.month))
		return false;
	*date = d;
	return true;
}

bool calendar_parse_time_of_day(const char *t, unsigned *minutes)
{
	unsigned h = 0, m;
	size_t i = 0;

	while (i < 2 && t[i] >= '0' && t[i] <= '9')
		h = h * 10 + (unsigned)(t[i++] - '0');
	if (!i || t[i] != ':')
		return false;
	t += i + 1;
	if (t[0] < '0' || t[0] > '9' || t[1] < '0' || t[1] > '9' || t[2])
		return false;
	m = (unsigned)(t[0] - '0') * 10 + (unsigned)(t[1] - '0');
	if (h > 23 || m > 59)
		return false;
	*minutes = h * 60 + m;
	return true;
}

bool calendar_parse_clock(const char *text, unsigned *minutes)
{
	int h, m;

	if (strlen(text) != 5 || text[2] != ':' || !read_digits(text, 2, &h) ||
	    !read_digits(text + 3, 2, &m) || h > 23 || m > 59)
		return false;
	*minutes = (unsigned)(h * 60 + m);
	return true;
}
