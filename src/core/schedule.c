/* Schedule arithmetic: which local dates programs run on, the instants their starts fall on, and scaled durations. */
#include "core/schedule.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "core/duration.h"
#include "core/sun.h"

#define MINUTES_PER_DAY 1440
#define SECONDS_PER_DAY 86400
/* schedule_next gives up after the date of `after` and this many more. */
#define NEXT_MAX_DAYS 400
/*
 * Days from 1970 beyond which no instant is looked for: a million years
 * either way, so a year always fits struct tm's int and seconds int64_t.
 */
#define DAYS_LIMIT (INT64_C(146097) * 2500)
/* One local date can yield at most this many occurrences. */
#define DAY_MAX_OCC (SCHEDULE_MAX_PROGRAMS * SCHEDULE_MAX_STARTS)
/*
 * Occurrences of earlier dates can still be pending when a date is
 * collected (see walk()), so room for a few dates' worth.
 */
#define PENDING_MAX (3 * DAY_MAX_OCC)

/* Local wall-clock time as seconds on a uniform scale, so local times compare with <. */
static int64_t tm_local_seconds(const struct tm *tm)
{
	return calendar_days_from_civil((int64_t)tm->tm_year + 1900,
			       (int64_t)tm->tm_mon + 1, tm->tm_mday) *
		       SECONDS_PER_DAY +
	       (int64_t)tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec;
}

static int local_seconds_at(time_t t, int64_t *out)
{
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return -EOVERFLOW;
	*out = tm_local_seconds(&tm);
	return 0;
}

/* Is local(t) >= target?  Unknown times count as "not yet" so searches move forward. */
static bool local_reached(time_t t, int64_t target)
{
	int64_t s;

	return local_seconds_at(t, &s) == 0 && s >= target;
}

/*
 * The first instant whose local time is at or after day `days`, `minutes`.
 * mktime's handling of a nonexistent time with tm_isdst = -1 differs
 * between libcs, so ask for both DST states and check each answer with
 * localtime_r: a time that occurs twice gives two matches (take the
 * earlier), a time in a gap gives none, and the two answers then bracket
 * the gap for a search.
 */
/*
 * The quick way, without mktime, which costs several localtime_r calls
 * and a tzset each (schedule --days 60 spent 96% of its time in it): the
 * offsets in force a day either side of the target, read with
 * localtime_r, give a candidate each (no zone is more than a day from
 * UTC), checked the same way; the earlier match wins.  -ENOENT when
 * neither matches, a gap, which local_instant leaves to mktime.
 */
static int local_instant_by_offsets(int64_t target, time_t *out)
{
	const time_t around[2] = { (time_t)(target - SECONDS_PER_DAY),
				   (time_t)(target + SECONDS_PER_DAY) };
	long offsets[2];
	bool found = false;

	for (int i = 0; i < 2; i++) {
		struct tm tm;
		int64_t got;
		time_t cand;

		if (!localtime_r(&around[i], &tm))
			return -EOVERFLOW;
		offsets[i] = tm.tm_gmtoff;
		if (i == 1 && offsets[1] == offsets[0])
			break;
		cand = (time_t)(target - offsets[i]);
		if (local_seconds_at(cand, &got) == 0 && got == target &&
		    (!found || cand < *out)) {
			*out = cand;
			found = true;
		}
	}
	return found ? 0 : -ENOENT;
}

static int local_instant(int64_t days, int64_t minutes, time_t *out)
{
	struct local_date date;
	int64_t target;
	time_t best = 0, lo = 0, hi = 0;
	bool have_best = false, have_cand = false;
	int i, steps;

	days += minutes / MINUTES_PER_DAY;
	minutes %= MINUTES_PER_DAY;
	if (days < -DAYS_LIMIT || days > DAYS_LIMIT)
		return -EOVERFLOW;
	target = days * SECONDS_PER_DAY + minutes * 60;
	if (local_instant_by_offsets(target, out) == 0)
		return 0;
	date = calendar_civil_from_days(days);

	for (i = 0; i < 2; i++) {
		struct tm tm;
		int64_t got;
		time_t cand;

		memset(&tm, 0, sizeof(tm));
		tm.tm_year = date.year - 1900;
		tm.tm_mon = date.month - 1;
		tm.tm_mday = date.day;
		tm.tm_hour = (int)(minutes / 60);
		tm.tm_min = (int)(minutes % 60);
		tm.tm_isdst = i;
		cand = mktime(&tm);
		/* -1 is also a valid instant, so only localtime_r can tell. */
		if (local_seconds_at(cand, &got) != 0)
			continue;
		if (!have_cand || cand < lo)
			lo = cand;
		if (!have_cand || cand > hi)
			hi = cand;
		have_cand = true;
		if (got == target && (!have_best || cand < best)) {
			best = cand;
			have_best = true;
		}
	}
	if (have_best) {
		*out = best;
		return 0;
	}
	if (!have_cand)
		return -EOVERFLOW;

	/*
	 * A gap.  The answers normally bracket it already; widen an hour at a
	 * time for zones whose offset changed without a DST flag (a skipped
	 * day took 24 steps).
	 */
	for (steps = 0; local_reached(lo, target) && steps < 48; steps++)
		lo -= 3600;
	for (steps = 0; !local_reached(hi, target) && steps < 48; steps++)
		hi += 3600;
	if (local_reached(lo, target) || !local_reached(hi, target))
		return -ERANGE;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;

		if (local_reached(mid, target))
			hi = mid;
		else
			lo = mid;
	}
	*out = hi;
	return 0;
}

time_t schedule_local_instant(const struct local_date *date, unsigned minutes)
{
	time_t t;

	if (!date || local_instant(calendar_date_days(date), minutes, &t) != 0)
		return (time_t)-1;
	return t;
}

static bool day_matches(const struct day_rule *rule, int64_t days)
{
	switch (rule->kind) {
	case DAYS_WEEKDAYS: {
		return rule->weekday_mask & (1u << calendar_weekday(days));
	}
	case DAYS_INTERVAL: {
		int64_t since = days - calendar_date_days(&rule->anchor);

		if (rule->interval_days == 0 || since < 0)
			return false;
		return since % rule->interval_days == 0;
	}
	case DAYS_ODD:
		return calendar_civil_from_days(days).day % 2 == 1;
	case DAYS_EVEN:
		return calendar_civil_from_days(days).day % 2 == 0;
	}
	return false;
}

bool schedule_day_matches(const struct day_rule *rule,
			  const struct local_date *date)
{
	if (!rule || !date)
		return false;
	return day_matches(rule, calendar_date_days(date));
}

/* The order the header promises: time, then program index, then start index. */
static bool occ_before(const struct occurrence *a, const struct occurrence *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	if (a->program != b->program)
		return a->program < b->program;
	return a->start < b->start;
}

/* Insertion sort: at most DAY_MAX_OCC entries, and usually nearly sorted. */
static void occ_sort(struct occurrence *occ, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct occurrence x = occ[i];

		for (j = i; j > 0 && occ_before(&x, &occ[j - 1]); j--)
			occ[j] = occ[j - 1];
		occ[j] = x;
	}
}

/*
 * The instant of start s of prog on local day `days` when it is relative
 * to the sun; -ENOENT when the sun does not rise (set) that day, or no
 * site is known.
 */
static int sun_start(const struct schedule *sched, const struct program *prog,
		     size_t s, int64_t days, time_t *out)
{
	enum start_kind kind = (enum start_kind)prog->start_kind[s];
	static const int64_t nearest[] = { 0, -1, 1 };
	bool rise = kind == START_SUNRISE || kind == START_BEFORE_SUNRISE;
	time_t event = 0, midnight, next_midnight;
	bool found = false;

	if (!sched->has_site || local_instant(days, 0, &midnight) != 0 ||
	    local_instant(days + 1, 0, &next_midnight) != 0)
		return -ENOENT;
	/*
	 * The sun's event that falls within this local day, whatever date
	 * the place's own longitude gives it (a site far from its time
	 * zone's meridian is a day off): so each event is one day's, and a
	 * day's starts come no sooner than SCHEDULE_FINISH_BY_MAX_S before
	 * its midnight, which walk() relies on.  A day skipped by its time
	 * zone has none.
	 */
	for (size_t i = 0; i < sizeof(nearest) / sizeof(nearest[0]) && !found; i++) {
		struct local_date date = calendar_civil_from_days(days + nearest[i]);

		found = sun_event_time(sched->latitude_deg, sched->longitude_deg,
				       &date, rise ? SUN_RISE : SUN_SET, &event,
				       NULL) == 0 &&
			event >= midnight && event < next_midnight;
	}
	if (!found)
		return -ENOENT;
	if (kind == START_BEFORE_SUNRISE || kind == START_BEFORE_SUNSET)
		*out = event - (time_t)schedule_finish_lead(sched, prog, event);
	else
		*out = event + (time_t)prog->start_offset_min[s] * 60;
	return 0;
}

/* Every start on local day `days` within (from, to], sorted; returns how many. */
static size_t collect_day(const struct schedule *sched, int64_t days,
			  int64_t from, int64_t to, struct occurrence *occ)
{
	size_t n_programs = sched->n_programs, p, s, n = 0;

	if (n_programs > SCHEDULE_MAX_PROGRAMS)
		n_programs = SCHEDULE_MAX_PROGRAMS;
	for (p = 0; p < n_programs; p++) {
		const struct program *prog = &sched->programs[p];
		size_t n_starts = prog->n_starts;

		if (!prog->enabled || !n_starts || !day_matches(&prog->days, days))
			continue;
		if (n_starts > SCHEDULE_MAX_STARTS)
			n_starts = SCHEDULE_MAX_STARTS;
		for (s = 0; s < n_starts; s++) {
			time_t t;

			if (prog->start_kind[s] != START_AT) {
				if (sun_start(sched, prog, s, days, &t) != 0)
					continue;
			/* A start past midnight would belong to another day's rule. */
			} else if (prog->starts[s] >= MINUTES_PER_DAY ||
				   local_instant(days, prog->starts[s], &t) != 0) {
				continue;
			}
			if ((int64_t)t <= from || (int64_t)t > to)
				continue;
			occ[n].when = t;
			occ[n].program = (int)p;
			occ[n].start = (int)s;
			n++;
		}
	}
	occ_sort(occ, n);
	return n;
}

/*
 * Starts in (from, to] on local days first_day..last_day, in order, up to
 * max.  A start's instant never decreases as its local date and time
 * increase (each maps to the first instant at or after it), and one
 * relative to the sun is at most SCHEDULE_FINISH_BY_MAX_S before its
 * sunrise or sunset, which falls within its own day, so a date's starts
 * all come at or after its midnight less that, and earlier dates'
 * pending starts before then can go out.  Equal instants across dates (a gap over
 * midnight) wait so the tie rule still holds.
 */
static size_t walk(const struct schedule *sched, int64_t from, int64_t to,
		   int64_t first_day, int64_t last_day,
		   struct occurrence *out, size_t max)
{
	struct occurrence pending[PENDING_MAX], day[DAY_MAX_OCC];
	size_t n_pending = 0, n_out = 0, i, j, k;
	int64_t d;

	for (d = first_day; d <= last_day && n_out < max; d++) {
		size_t n_day, n_go = n_pending;

		if (n_pending) {
			time_t midnight;

			if (local_instant(d, 0, &midnight) == 0)
				for (n_go = 0; n_go < n_pending &&
					       pending[n_go].when <
						       midnight - SCHEDULE_FINISH_BY_MAX_S;
				     n_go++)
					;
			/* Pathological zones: rather bend the tie rule than overflow. */
			if (n_pending - n_go + DAY_MAX_OCC > PENDING_MAX)
				n_go = n_pending;
			for (i = 0; i < n_go && n_out < max; i++)
				out[n_out++] = pending[i];
			if (n_out == max)
				return n_out;
			memmove(pending, pending + n_go,
				(n_pending - n_go) * sizeof(pending[0]));
			n_pending -= n_go;
		}

		n_day = collect_day(sched, d, from, to, day);
		/* Merge from the back: pending and day are both sorted. */
		i = n_pending;
		j = n_day;
		k = n_pending + n_day;
		while (j > 0) {
			if (i > 0 && occ_before(&day[j - 1], &pending[i - 1]))
				pending[--k] = pending[--i];
			else
				pending[--k] = day[--j];
		}
		n_pending += n_day;
	}
	for (i = 0; i < n_pending && n_out < max; i++)
		out[n_out++] = pending[i];
	return n_out;
}

static int local_days_of(time_t when, int64_t *days)
{
	struct tm tm;

	if (!localtime_r(&when, &tm))
		return -EOVERFLOW;
	*days = calendar_days_from_civil((int64_t)tm.tm_year + 1900,
				(int64_t)tm.tm_mon + 1, tm.tm_mday);
	return 0;
}

int schedule_next(const struct schedule *sched, time_t after,
		  struct occurrence *out)
{
	struct occurrence occ;
	int64_t first;
	int r;

	if (!sched || !out)
		return -EINVAL;
	r = local_days_of(after, &first);
	if (r)
		return r;
	/* The day before's starts relative to the sun may fall after midnight. */
	if (!walk(sched, after, INT64_MAX, first - 1, first + NEXT_MAX_DAYS, &occ, 1))
		return -ENOENT;
	*out = occ;
	return 0;
}

void schedule_cache_reset(struct schedule_cache *c)
{
	c->valid = false;
}

/* Nothing starts within a day: asked again then, to see the 400-day edge move. */
#define CACHE_NONE_S 86400

int schedule_next_cached(const struct schedule *sched, struct schedule_cache *c,
			 time_t after, struct occurrence *out)
{
	bool holds;

	if (!sched || !c || !out)
		return -EINVAL;
	/* Nothing starts in (asked, next.when): the answer stands until then. */
	holds = c->valid && after >= c->asked &&
		(c->result == 0 ? after < c->next.when :
		 after - c->asked < CACHE_NONE_S);
	if (!holds) {
		c->result = schedule_next(sched, after, &c->next);
		if (c->result < 0 && c->result != -ENOENT)
			return c->result;
		c->asked = after;
		c->valid = true;
	}
	if (c->result == 0)
		*out = c->next;
	return c->result;
}

size_t schedule_due(const struct schedule *sched, time_t from, time_t to,
		    struct occurrence *out, size_t max)
{
	int64_t first, last;

	if (!sched || !out || !max || to <= from)
		return 0;
	/*
	 * Dates before from's cannot start after it.  One date past to's
	 * covers a zone falling back over midnight, where the next date's
	 * early starts first happen before `to`.
	 */
	if (local_days_of(from, &first) || local_days_of(to, &last))
		return 0;
	/* And the day before from's: "sunset+3h" may be after midnight. */
	return walk(sched, from, to, first - 1, last + 1, out, max);
}

/* Further back than this, the remembered time was wrong, not stepped. */
#define BOGUS_BACKWARD_S 86400

size_t schedule_take_due(const struct schedule *sched, time_t *last_checked,
			 time_t now, time_t missed_after_s,
			 struct due_start *out)
{
	struct occurrence occ[SCHEDULE_TAKE_MAX];
	size_t n, k = 0;
	bool full;

	if (!sched || !last_checked || !out)
		return 0;
	if (now + BOGUS_BACKWARD_S < *last_checked)
		*last_checked = now;
	n = schedule_due(sched, *last_checked, now, occ, SCHEDULE_TAKE_MAX);
	full = n == SCHEDULE_TAKE_MAX;
	if (full) {
		/* More may share the last instant: leave it for the next call. */
		time_t last = occ[n - 1].when;
		size_t whole = n;

		while (whole && occ[whole - 1].when == last)
			whole--;
		if (whole)
			n = whole;
	}
	for (size_t i = 0; i < n; i++) {
		if (i && occ[i].when == occ[i - 1].when &&
		    occ[i].program == occ[i - 1].program)
			continue;
		out[k].occ = occ[i];
		out[k].missed = now - occ[i].when > missed_after_s;
		k++;
	}
	if (full)
		*last_checked = occ[n - 1].when;
	else if (now > *last_checked)
		*last_checked = now;
	return k;
}

uint32_t schedule_scaled_duration(const struct schedule *sched,
				  uint32_t duration_s, time_t when)
{
	struct tm tm;
	uint64_t monthly = 100, pct, whole, frac, total;

	if (!sched)
		return duration_s;
	if (localtime_r(&when, &tm) && tm.tm_mon >= 0 && tm.tm_mon < 12)
		monthly = sched->monthly_percent[tm.tm_mon];
	/* Both factors are below 2^32, so their product fits; the duration
	   is applied in two parts so nothing overflows 64 bits. */
	pct = (uint64_t)sched->percent * monthly;
	if (pct == 0 || duration_s == 0)
		return 0;
	whole = pct / 10000;
	frac = pct % 10000;
	if (whole > UINT32_MAX / duration_s)
		return UINT32_MAX;
	total = (uint64_t)duration_s * whole +
		((uint64_t)duration_s * frac + 5000) / 10000;
	if (total > UINT32_MAX)
		return UINT32_MAX;
	return total ? (uint32_t)total : 1;
}

double schedule_scaled_volume(const struct schedule *sched, double litres,
			      time_t when)
{
	struct tm tm;
	double monthly = 100;

	if (!sched)
		return litres;
	if (localtime_r(&when, &tm) && tm.tm_mon >= 0 && tm.tm_mon < 12)
		monthly = sched->monthly_percent[tm.tm_mon];
	return litres * sched->percent / 100.0 * monthly / 100.0;
}

uint32_t schedule_finish_lead(const struct schedule *sched,
			      const struct program *p, time_t when)
{
	uint64_t total = 0;

	for (size_t i = 0; i < p->n_steps && i < SCHEDULE_MAX_STEPS; i++) {
		const struct program_step *step = &p->steps[i];
		uint64_t secs = schedule_scaled_duration(sched, step->duration_s, when);

		/* Cycles of a zone that soaks: the soaks between them count,
		 * as if no other zone watered meanwhile. */
		if (step->cycle_s && secs > step->cycle_s)
			secs += (secs + step->cycle_s - 1) / step->cycle_s * step->soak_s -
				step->soak_s;
		total += secs;
	}
	return total > SCHEDULE_FINISH_BY_MAX_S ? SCHEDULE_FINISH_BY_MAX_S :
		(uint32_t)total;
}

int schedule_parse_start(const char *text, enum start_kind *kind,
			 unsigned *minutes, int *offset_min)
{
	static const struct {
		const char *word;
		enum start_kind kind;
	} words[] = {
		{ "before sunrise", START_BEFORE_SUNRISE },
		{ "before sunset", START_BEFORE_SUNSET },
		{ "sunrise", START_SUNRISE },
		{ "sunset", START_SUNSET },
	};

	if (!text || !kind || !minutes || !offset_min)
		return -EINVAL;
	*offset_min = 0;
	*minutes = 0;
	if (calendar_parse_time_of_day(text, minutes)) {
		*kind = START_AT;
		return 0;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t len = strlen(words[i].word);
		const char *rest = text + len;
		uint32_t secs;
		int sign;

		if (strncmp(text, words[i].word, len))
			continue;
		*kind = words[i].kind;
		if (!*rest)
			return 0;
		if (*kind == START_BEFORE_SUNRISE || *kind == START_BEFORE_SUNSET)
			return -EINVAL;
		if (*rest != '+' && *rest != '-')
			return -EINVAL;
		sign = *rest == '-' ? -1 : 1;
		/* Whole minutes, with their unit: "1h", "30m", "1h30m". */
		if (duration_parse(rest + 1, 0, &secs) < 0 || secs % 60 ||
		    secs / 60 > SCHEDULE_SUN_OFFSET_MAX_MIN)
			return -EINVAL;
		*offset_min = sign * (int)(secs / 60);
		return 0;
	}
	return -EINVAL;
}

void schedule_format_start(const struct program *p, size_t s, char *buf,
			   size_t size)
{
	static const char *const names[] = {
		[START_SUNRISE] = "sunrise", [START_SUNSET] = "sunset",
		[START_BEFORE_SUNRISE] = "before sunrise",
		[START_BEFORE_SUNSET] = "before sunset",
	};
	enum start_kind kind = (enum start_kind)p->start_kind[s];
	int off = p->start_offset_min[s];
	char amount[32];
	size_t k = 0;

	if (kind == START_AT || kind > START_BEFORE_SUNSET) {
		snprintf(buf, size, "%02u:%02u", p->starts[s] / 60, p->starts[s] % 60);
		return;
	}
	if (!off) {
		snprintf(buf, size, "%s", names[kind]);
		return;
	}
	/* "1h 30m" as written in a config: "1h30m". */
	duration_format((uint32_t)(off < 0 ? -off : off) * 60, amount, sizeof(amount));
	for (size_t j = 0; amount[j]; j++)
		if (amount[j] != ' ')
			amount[k++] = amount[j];
	amount[k] = '\0';
	snprintf(buf, size, "%s%c%s", names[kind], off < 0 ? '-' : '+', amount);
}

struct local_date schedule_local_date(time_t when)
{
	struct local_date date = { 1970, 1, 1 };
	int64_t days;

	if (local_days_of(when, &days) == 0)
		date = calendar_civil_from_days(days);
	return date;
}

/* "120d" or "2w": whole days or weeks, as seconds; false for anything else. */
static bool parse_whole_days(const char *text, int64_t *seconds)
{
	size_t len = strlen(text);
	int64_t n = 0;

	if (len < 2 || len > 6 || (text[len - 1] != 'd' && text[len - 1] != 'w'))
		return false;
	for (size_t i = 0; i < len - 1; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		n = n * 10 + (text[i] - '0');
	}
	*seconds = n * (text[len - 1] == 'w' ? 7 : 1) * SECONDS_PER_DAY;
	return true;
}

static int pause_fail(int err, char *why, size_t why_size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int pause_fail(int err, char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	if (why && why_size) {
		va_start(ap, fmt);
		vsnprintf(why, why_size, fmt, ap);
		va_end(ap);
	}
	return err;
}

int schedule_parse_pause(char *const *words, size_t n, time_t now,
			 time_t *until, char *why, size_t why_size)
{
	const int64_t max_s = (int64_t)PAUSE_MAX_DAYS * SECONDS_PER_DAY;
	int64_t seconds;
	time_t end;

	if (!words || !until || n < 1 || n > 3)
		return pause_fail(-EINVAL, why, why_size, "give a duration or "
				  "until YYYY-MM-DD");
	if (strcmp(words[0], "until") == 0) {
		struct local_date date;
		unsigned minutes = 0;

		if (n < 2 || !calendar_parse_date(words[1], &date))
			return pause_fail(-EINVAL, why, why_size, "bad date %.32s: "
					  "give until YYYY-MM-DD [HH:MM], as in until "
					  "2027-03-15", n < 2 ? "(none)" : words[1]);
		if (n == 3 && !calendar_parse_clock(words[2], &minutes))
			return pause_fail(-EINVAL, why, why_size, "bad time %.32s: "
					  "give HH:MM, 00:00 to 23:59", words[2]);
		end = schedule_local_instant(&date, minutes);
		if (end == (time_t)-1)
			return pause_fail(-ERANGE, why, why_size, "%.32s is beyond "
					  "the calendar irrigd knows", words[1]);
		if (end <= now)
			return pause_fail(-ERANGE, why, why_size, "%.32s is not in the "
					  "future", words[1]);
		if ((int64_t)end - (int64_t)now > max_s)
			return pause_fail(-ERANGE, why, why_size, "%.32s is more than "
					  "366 days away", words[1]);
		*until = end;
		return 0;
	}
	if (n != 1)
		return pause_fail(-EINVAL, why, why_size, "give one duration, as in "
				  "2d, 120d or 3w, or until YYYY-MM-DD");
	if (!parse_whole_days(words[0], &seconds)) {
		uint32_t s;
		int r = duration_parse(words[0], 0, &s);

		if (r == -ERANGE)
			return pause_fail(-ERANGE, why, why_size, "%.32s: past a week, "
					  "give whole days or weeks (120d, 3w), up to "
					  "366d", words[0]);
		if (r < 0)
			return pause_fail(-EINVAL, why, why_size, "bad duration %.32s: "
					  "give a unit, as in 12h, 2d or 3w, or until "
					  "YYYY-MM-DD", words[0]);
		seconds = s;
	}
	if (seconds <= 0)
		return pause_fail(-EINVAL, why, why_size, "bad duration %.32s: it "
				  "must be longer than nothing", words[0]);
	if (seconds > max_s)
		return pause_fail(-ERANGE, why, why_size, "%.32s is longer than the "
				  "366 days a pause may last", words[0]);
	*until = now + (time_t)seconds;
	return 0;
}
