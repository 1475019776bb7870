/* Watering programs: when they run, in local time with daylight saving, and for how long. */
#ifndef IRRIGD_CORE_SCHEDULE_H
#define IRRIGD_CORE_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/calendar.h"

#define SCHEDULE_MAX_PROGRAMS 16
#define SCHEDULE_MAX_STARTS 8
#define SCHEDULE_MAX_STEPS 16		/* zones in one program */
#define SCHEDULE_NAME_MAX 32

enum day_rule_kind {
	DAYS_WEEKDAYS,	/* on the weekdays in weekday_mask */
	DAYS_INTERVAL,	/* every interval_days days from anchor */
	DAYS_ODD,	/* odd days of the month: 1, 3, ... 31 */
	DAYS_EVEN,	/* even days of the month */
};

struct day_rule {
	enum day_rule_kind kind;
	uint8_t weekday_mask;	/* bit 0 Sunday ... bit 6 Saturday (tm_wday) */
	unsigned interval_days;	/* >= 1 */
	struct local_date anchor;	/* a day the interval rule runs on */
};

struct program_step {
	int zone;		/* index into the config's zones */
	/* before the seasonal percentage; by volume, the time its litres
	 * take at the zone's flow_lpm (or its max_run): what a "before
	 * sunrise" start counts */
	uint32_t duration_s;
	/* > 0: water this many litres instead (the zone's max_run the
	 * backstop), before the seasonal percentage too */
	double litres;
	/* The zone's cycle and soak: a "before sunrise" start counts the
	 * soaks too. */
	uint32_t cycle_s, soak_s;
};

/* What a start time is relative to. */
enum start_kind {
	START_AT,		/* starts[] minutes after local midnight */
	START_SUNRISE,		/* sunrise + offset ("sunrise-1h") */
	START_SUNSET,		/* sunset + offset ("sunset+30m") */
	/* early enough for the program's zones to finish by sunrise
	 * (sunset), durations scaled and soaks counted: "before sunrise" */
	START_BEFORE_SUNRISE,
	START_BEFORE_SUNSET,
};

/* The furthest a start may be from its sunrise or sunset. */
#define SCHEDULE_SUN_OFFSET_MAX_MIN (12 * 60)
/* The furthest a "before sunrise" start goes back: the day before's. */
#define SCHEDULE_FINISH_BY_MAX_S (20 * 3600)

struct program {
	char name[SCHEDULE_NAME_MAX];
	bool enabled;
	uint16_t starts[SCHEDULE_MAX_STARTS];	/* minutes after local midnight */
	/* Each start's kind (0: START_AT) and its offset in minutes. */
	uint8_t start_kind[SCHEDULE_MAX_STARTS];
	int16_t start_offset_min[SCHEDULE_MAX_STARTS];
	size_t n_starts;
	struct day_rule days;
	struct program_step steps[SCHEDULE_MAX_STEPS];
	size_t n_steps;
};

struct schedule {
	struct program programs[SCHEDULE_MAX_PROGRAMS];
	size_t n_programs;
	unsigned percent;		/* seasonal percentage, default 100 */
	unsigned monthly_percent[12];	/* January first; all 100 by default */
	/* Where the garden is, for starts relative to the sun. */
	bool has_site;
	double latitude_deg, longitude_deg;
};

/* One start of one program. */
struct occurrence {
	time_t when;		/* the instant, UTC seconds */
	int program;		/* index into schedule.programs */
	int start;		/* index into that program's starts */
};

/*
 * The instant a start time falls on, on the local date: the first instant
 * whose local time is at or after date + minutes.  On the spring-forward
 * day a time that does not exist maps to the first valid minute after it;
 * on the fall-back day a time that occurs twice maps to its first
 * occurrence, so it runs once.  Uses the process's time zone (TZ).
 */
time_t schedule_local_instant(const struct local_date *date, unsigned minutes);

/* Does the rule let a program run on this local date? */
bool schedule_day_matches(const struct day_rule *rule,
			  const struct local_date *date);

/*
 * The earliest start of an enabled program strictly after `after`;
 * -ENOENT when no program will ever start (none enabled).  Looks up to
 * 400 days ahead.
 */
int schedule_next(const struct schedule *sched, time_t after,
		  struct occurrence *out);

/*
 * The answer of schedule_next() kept for the times it still holds: from
 * the instant it was asked for up to the start it found, the next start
 * is that one.  A status request or a STATUS= update then costs nothing
 * instead of a walk over the days.  Reset it when the schedule changes.
 */
struct schedule_cache {
	bool valid;
	time_t asked;		/* the `after` it was computed for */
	int result;		/* 0 or -ENOENT */
	struct occurrence next;
};

void schedule_cache_reset(struct schedule_cache *c);
/* schedule_next(), answered from c while it holds. */
int schedule_next_cached(const struct schedule *sched, struct schedule_cache *c,
			 time_t after, struct occurrence *out);

/*
 * Every start in (from, to], earliest first, up to max of them: how many
 * were written.  Callers use it to find what came due since they last
 * looked (and what a clock step skipped over).
 */
size_t schedule_due(const struct schedule *sched, time_t from, time_t to,
		    struct occurrence *out, size_t max);

/* The most starts that can share one instant, and what a caller of
 * schedule_take_due() must have room for. */
#define SCHEDULE_TAKE_MAX (SCHEDULE_MAX_PROGRAMS * SCHEDULE_MAX_STARTS)

struct due_start {
	struct occurrence occ;
	bool missed;	/* the clock stepped past it: log, do not run */
};

/*
 * What came due since *last_checked, up to now, for a daemon whose timer
 * just fired: each start within missed_after_s of now is to run; older
 * ones were skipped over by a clock step and are missed, never caught up.
 * A program's starts that land on one instant (the spring-forward day)
 * count once.  A clock that went back is not a reason to run anything
 * twice: nothing is due until it passes *last_checked again, unless it
 * went back more than a day, which means the remembered time was wrong.
 * Advances *last_checked; call again while *last_checked < now.
 * out must hold SCHEDULE_TAKE_MAX entries.  Returns how many it wrote.
 */
size_t schedule_take_due(const struct schedule *sched, time_t *last_checked,
			 time_t now, time_t missed_after_s,
			 struct due_start *out);

/*
 * A programmed duration scaled by the seasonal percentage and the month's
 * percentage (both apply: 120 % overall in a 50 % month gives 60 %), for a
 * run starting at `when`; at least 1 s unless the result is 0 %.
 */
uint32_t schedule_scaled_duration(const struct schedule *sched,
				  uint32_t duration_s, time_t when);

/* The same scaling for a volume in litres: 0 only in a 0 % month. */
double schedule_scaled_volume(const struct schedule *sched, double litres,
			      time_t when);

/*
 * A start time as a config writes it: "06:30", "sunrise", "sunset+30m",
 * "sunrise-1h", "before sunrise", "before sunset".  Sets *kind, and
 * *minutes (START_AT) or *offset_min (up to 12 h either way, whole
 * minutes).  -EINVAL for anything else.
 */
int schedule_parse_start(const char *text, enum start_kind *kind,
			 unsigned *minutes, int *offset_min);
/* The start as people read it: "06:30", "sunrise-1h", "before sunrise". */
void schedule_format_start(const struct program *p, size_t s, char *buf,
			   size_t size);
/*
 * How long before sunrise (sunset) program p starts to finish by it, at
 * `when`: its zones' scaled durations and their soaks, at most
 * SCHEDULE_FINISH_BY_MAX_S.
 */
uint32_t schedule_finish_lead(const struct schedule *sched,
			      const struct program *p, time_t when);

/* The local date of an instant. */
struct local_date schedule_local_date(time_t when);

/* The longest rain delay: a winter, not forever by a typing slip. */
#define PAUSE_MAX_DAYS 366

/*
 * When a rain delay asked for at `now` ends, from the words after
 * "pause": a duration with a unit ("12h", "1d12h", up to a week), whole
 * days or weeks ("120d", "2w"), or "until YYYY-MM-DD [HH:MM]" in local
 * time (local midnight starting that day without a time).  Returns 0;
 * -EINVAL for words it cannot read, -ERANGE for an end not after now or
 * beyond PAUSE_MAX_DAYS: either way with the reason in why.
 */
int schedule_parse_pause(char *const *words, size_t n, time_t now,
			 time_t *until, char *why, size_t why_size);

#endif
