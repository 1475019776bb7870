/* libFuzzer harness: schedule arithmetic (local instants, day rules, due starts, scaling) on fuzzed dates in several time zones. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/schedule.h"
#include "fuzz.h"

/* Zones with DST, a half-hour offset and DST, DST at midnight, a skipped day. */
static const char *const zones[] = {
	"UTC0",
	"CET-1CEST,M3.5.0,M10.5.0/3",
	"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
	"Europe/Berlin",
	"America/New_York",
	"America/Santiago",
	"Pacific/Apia",
	"Australia/Lord_Howe",
};
#define N_ZONES (sizeof(zones) / sizeof(zones[0]))

/* Reads fields off the input, zeros once it runs out. */
struct input {
	const unsigned char *p;
	size_t left;
};

static uint64_t take(struct input *in, size_t bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < bytes; i++) {
		v = v << 8;
		if (in->left) {
			v |= *in->p++;
			in->left--;
		}
	}
	return v;
}

static int take_int(struct input *in)
{
	return (int)(int32_t)(uint32_t)take(in, 4);
}

static bool leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return days[m - 1] + (m == 2 && leap(y));
}

/*
 * A date: mostly a real one in a sane range, sometimes anything at all
 * (the functions promise to carry over out-of-range months and days).
 */
static struct local_date take_date(struct input *in)
{
	unsigned mode = (unsigned)take(in, 1);
	struct local_date d;

	if (mode & 0x80) {
		d.year = take_int(in);
		d.month = take_int(in);
		d.day = take_int(in);
		return d;
	}
	d.year = 1950 + (int)(take(in, 2) % 200);
	d.month = 1 + (int)(take(in, 1) % 12);
	d.day = 1 + (int)(take(in, 1) % (unsigned)days_in_month(d.year, d.month));
	if (mode & 0x40) {	/* carried over, but not absurd */
		d.month += (int)(int8_t)take(in, 1);
		d.day += (int)(int16_t)take(in, 2);
	}
	return d;
}

static bool real_date(const struct local_date *d)
{
	return d->year >= 1950 && d->year < 2150 && d->month >= 1 &&
	       d->month <= 12 && d->day >= 1 &&
	       d->day <= days_in_month(d->year, d->month);
}

/* Days since 1970-01-01 by timegm, which carries months and days over. */
static bool days_of(const struct local_date *d, long *days)
{
	struct tm tm;
	time_t t;

	if (d->year < 1000 || d->year > 9000 || d->month < -1000 ||
	    d->month > 1000 || d->day < -100000 || d->day > 100000)
		return false;
	tm = (struct tm){ .tm_year = d->year - 1900, .tm_mon = d->month - 1,
			  .tm_mday = d->day };
	t = timegm(&tm);
	*days = (long)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
	return true;
}

static struct local_date from_days(long days)
{
	time_t t = (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	return (struct local_date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

/* Local time of t as seconds on a uniform scale (timegm of the fields). */
static time_t local_seconds(time_t t)
{
	struct tm tm;

	if (!localtime_r(&t, &tm))
		abort();
	return timegm(&tm);
}

static void check_instant(const struct local_date *date, unsigned minutes)
{
	time_t t = schedule_local_instant(date, minutes), target;
	struct tm tm;
	long days;

	if (days_of(date, &days)) {
		/* Carrying over: the same instant as the normalised date. */
		struct local_date norm = from_days(days + (long)(minutes / 1440));
		time_t same = schedule_local_instant(&norm, minutes % 1440);

		FUZZ_CHECK(t == same, "%d-%d-%d +%u min: %lld, normalised %d-%d-%d: %lld",
			   date->year, date->month, date->day, minutes, (long long)t,
			   norm.year, norm.month, norm.day, (long long)same);
	}
	if (!real_date(date) || minutes >= 1440)
		return;
	FUZZ_CHECK(t != (time_t)-1, "%d-%02d-%02d +%u min: no instant", date->year,
		   date->month, date->day, minutes);
	tm = (struct tm){ .tm_year = date->year - 1900, .tm_mon = date->month - 1,
			  .tm_mday = date->day, .tm_min = (int)minutes };
	target = timegm(&tm);
	/* The first instant at or after the local time. */
	FUZZ_CHECK(local_seconds(t) >= target && local_seconds(t - 1) < target,
		   "%d-%02d-%02d %02u:%02u gave %lld", date->year, date->month,
		   date->day, minutes / 60, minutes % 60, (long long)t);
	/* Nowhere does a gap last more than a day (Samoa skipped one). */
	FUZZ_CHECK(local_seconds(t) - target <= 86400, "gap of %lld s",
		   (long long)(local_seconds(t) - target));
}

static void check_day_rule(struct input *in, const struct local_date *date)
{
	struct day_rule rule = { 0 };
	struct tm tm;
	long days, anchor;
	time_t t;
	bool got, want;

	rule.kind = (enum day_rule_kind)(take(in, 1) % 4);
	rule.weekday_mask = (uint8_t)take(in, 1);
	rule.interval_days = (unsigned)take(in, 1) & 1 ? (unsigned)take(in, 4)
						       : (unsigned)take(in, 1);
	rule.anchor = take_date(in);
	got = schedule_day_matches(&rule, date);
	if (!days_of(date, &days))
		return;
	/* Carrying over, again. */
	{
		struct local_date norm = from_days(days);

		FUZZ_CHECK(schedule_day_matches(&rule, &norm) == got,
			   "rule %d on %d-%d-%d vs %d-%d-%d", (int)rule.kind,
			   date->year, date->month, date->day, norm.year, norm.month,
			   norm.day);
		date = &norm;
		t = (time_t)days * 86400;
		gmtime_r(&t, &tm);
		switch (rule.kind) {
		case DAYS_WEEKDAYS:
			want = rule.weekday_mask & (1u << tm.tm_wday);
			break;
		case DAYS_ODD:
			want = norm.day % 2 == 1;
			break;
		case DAYS_EVEN:
			want = norm.day % 2 == 0;
			break;
		case DAYS_INTERVAL:
			if (!days_of(&rule.anchor, &anchor))
				return;
			want = rule.interval_days && days >= anchor &&
			       (days - anchor) % rule.interval_days == 0;
			break;
		default:
			return;
		}
		FUZZ_CHECK(got == want, "rule %d (mask 0x%02x, every %u from %d-%d-%d) "
			   "on %d-%02d-%02d: %d", (int)rule.kind, rule.weekday_mask,
			   rule.interval_days, rule.anchor.year, rule.anchor.month,
			   rule.anchor.day, norm.year, norm.month, norm.day, got);
	}
}

static void check_scaled(struct input *in)
{
	struct schedule *s = calloc(1, sizeof(*s));
	uint32_t duration = (uint32_t)take(in, 4), got;
	time_t when = (time_t)(int64_t)take(in, 8) % ((time_t)400 * 366 * 86400);
	unsigned __int128 pct, want;
	struct tm tm;

	if (!s)
		abort();
	s->percent = (unsigned)take(in, 4);
	for (int m = 0; m < 12; m++)
		s->monthly_percent[m] = (unsigned)take(in, 2);
	got = schedule_scaled_duration(s, duration, when);
	if (!localtime_r(&when, &tm))
		abort();
	pct = (unsigned __int128)s->percent * s->monthly_percent[tm.tm_mon];
	want = ((unsigned __int128)duration * pct + 5000) / 10000;
	if (want > UINT32_MAX)
		want = UINT32_MAX;
	if (!want && pct && duration)
		want = 1;
	FUZZ_CHECK(got == (uint32_t)want, "%u s at %u %% x %u %%: %u", duration,
		   s->percent, s->monthly_percent[tm.tm_mon], got);
	free(s);
}

/* A small fuzzed schedule, and the starts due in a window of up to 3 days. */
static void check_due(struct input *in)
{
	struct schedule *s = calloc(1, sizeof(*s));
	struct occurrence out[64];
	struct due_start due[SCHEDULE_TAKE_MAX];
	time_t from, to, last;
	size_t max, n;

	if (!s)
		abort();
	s->n_programs = 1 + take(in, 1) % SCHEDULE_MAX_PROGRAMS;
	s->percent = 100;
	for (size_t p = 0; p < s->n_programs; p++) {
		struct program *prog = &s->programs[p];

		prog->enabled = take(in, 1) % 4 != 0;
		prog->n_starts = 1 + take(in, 1) % SCHEDULE_MAX_STARTS;
		for (size_t i = 0; i < prog->n_starts; i++)
			prog->starts[i] = (uint16_t)(take(in, 2) % 1500);
		prog->days.kind = (enum day_rule_kind)(take(in, 1) % 4);
		prog->days.weekday_mask = (uint8_t)take(in, 1);
		prog->days.interval_days = 1 + (unsigned)(take(in, 1) % 10);
		prog->days.anchor = (struct local_date){ 2020, 1, 1 + (int)(take(in, 1) % 28) };
	}
	/* 1990 to 2100, give or take. */
	from = (time_t)(631152000 + take(in, 4) % (110u * 366 * 86400));
	to = from + (time_t)(take(in, 3) % (3 * 86400));
	max = 1 + take(in, 1) % 64;
	/* Starts from the sun, at a place anywhere (polar days and nights). */
	if (take(in, 1) & 1) {
		s->has_site = true;
		s->latitude_deg = (double)(take(in, 2) % 18001) / 100.0 - 90.0;
		s->longitude_deg = (double)(take(in, 2) % 36001) / 100.0 - 180.0;
		for (size_t p = 0; p < s->n_programs; p++) {
			struct program *prog = &s->programs[p];

			prog->n_steps = 1 + take(in, 1) % SCHEDULE_MAX_STEPS;
			for (size_t i = 0; i < prog->n_steps; i++)
				prog->steps[i] = (struct program_step){
					.duration_s = (uint32_t)take(in, 3),
					.cycle_s = (uint32_t)take(in, 2),
					.soak_s = (uint32_t)take(in, 2) };
			for (size_t i = 0; i < prog->n_starts; i++) {
				enum start_kind kind = (enum start_kind)(take(in, 1) % 5);
				char text[48];
				enum start_kind k2;
				unsigned m2;
				int o2;

				if (kind == START_AT)
					continue;
				prog->start_kind[i] = (uint8_t)kind;
				prog->starts[i] = 0;
				if (kind == START_SUNRISE || kind == START_SUNSET)
					prog->start_offset_min[i] = (int16_t)((int)(take(in, 2) %
						(2 * SCHEDULE_SUN_OFFSET_MAX_MIN + 1)) -
						SCHEDULE_SUN_OFFSET_MAX_MIN);
				/* What format writes, parse takes back. */
				schedule_format_start(prog, i, text, sizeof(text));
				FUZZ_CHECK(schedule_parse_start(text, &k2, &m2, &o2) == 0 &&
					   k2 == kind && o2 == prog->start_offset_min[i],
					   "start \"%s\" does not parse back", text);
			}
			FUZZ_CHECK(schedule_finish_lead(s, prog, from) <=
				   SCHEDULE_FINISH_BY_MAX_S, "finish lead too long");
		}
	}
	n = schedule_due(s, from, to, out, max);
	FUZZ_CHECK(n <= max, "%zu due, max %zu", n, max);
	for (size_t i = 0; i < n; i++) {
		const struct program *prog = &s->programs[out[i].program];

		FUZZ_CHECK(out[i].when > from && out[i].when <= to, "start %lld outside "
			   "(%lld, %lld]", (long long)out[i].when, (long long)from,
			   (long long)to);
		FUZZ_CHECK(out[i].program >= 0 && (size_t)out[i].program < s->n_programs &&
			   prog->enabled && out[i].start >= 0 &&
			   (size_t)out[i].start < prog->n_starts &&
			   prog->starts[out[i].start] < 1440,
			   "bad occurrence %d/%d", out[i].program, out[i].start);
		/* Ties are allowed: a skipped day's starts share an instant. */
		if (i)
			FUZZ_CHECK(out[i - 1].when < out[i].when ||
				   (out[i - 1].when == out[i].when &&
				    (out[i - 1].program < out[i].program ||
				     (out[i - 1].program == out[i].program &&
				      out[i - 1].start <= out[i].start))),
				   "occurrences %zu and %zu out of order", i - 1, i);
	}
	/* The daemon's view: advancing, and never more than it has room for. */
	last = from;
	n = schedule_take_due(s, &last, to, 120, due);
	FUZZ_CHECK(n <= SCHEDULE_TAKE_MAX, "%zu taken", n);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(due[i].occ.when > from && due[i].occ.when <= to,
			   "taken start %lld outside (%lld, %lld]",
			   (long long)due[i].occ.when, (long long)from, (long long)to);
		FUZZ_CHECK(due[i].missed == (to - due[i].occ.when > 120),
			   "start %lld, now %lld: missed %d", (long long)due[i].occ.when,
			   (long long)to, due[i].missed);
		/* A program starts once per instant. */
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(due[j].occ.when != due[i].occ.when ||
				   due[j].occ.program != due[i].occ.program,
				   "program %d taken twice at %lld", due[i].occ.program,
				   (long long)due[i].occ.when);
	}
	FUZZ_CHECK(last >= from && last <= (to > from ? to : from), "last_checked %lld "
		   "from %lld to %lld", (long long)last, (long long)from, (long long)to);
	free(s);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static size_t current = SIZE_MAX;
	struct input in = { data, size };
	size_t zone = (size_t)take(&in, 1) % N_ZONES;
	unsigned what = (unsigned)take(&in, 1) % 4;
	struct local_date date;
	unsigned minutes;

	if (zone != current) {
		setenv("TZ", zones[zone], 1);
		tzset();
		current = zone;
	}
	switch (what) {
	case 0:
		date = take_date(&in);
		minutes = (unsigned)take(&in, 1) & 1 ? (unsigned)take(&in, 4)
						     : (unsigned)(take(&in, 2) % 1440);
		check_instant(&date, minutes);
		break;
	case 1:
		date = take_date(&in);
		check_day_rule(&in, &date);
		break;
	case 2:
		check_scaled(&in);
		break;
	default:
		check_due(&in);
		break;
	}
	return 0;
}
