/* Flow monitoring: a zone's flow against what it should draw, leaks while closed, and learning. */
#ifndef IRRIGD_CORE_FLOWMON_H
#define IRRIGD_CORE_FLOWMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/run.h"

/*
 * What a zone should draw and when to say it does not.  Fractions are of
 * expected_lpm.  expected_lpm 0 means not known yet (nothing configured,
 * nothing learned): only the no-flow check runs then, against
 * unknown_min_lpm.
 */
struct flow_limits {
	double expected_lpm;
	double no_flow_fraction;	/* default 0.10 */
	double low_fraction;		/* default 0.70: a warning */
	double high_fraction;		/* default 1.50 */
	double unknown_min_lpm;		/* no-flow floor while unknown */
	/*
	 * The garden's ceiling: more is a burst pipe whatever the zone's
	 * expected flow, known or not.  0: none.
	 */
	double max_lpm;
	uint64_t settle_ns;		/* default 30 s: air in the pipes */
	uint64_t alarm_delay_ns;	/* default 30 s: spikes do not trip */
};

enum flow_alarm {
	FLOW_ALARM_NONE,
	FLOW_ALARM_LOW,		/* warn once per run, keep watering */
	FLOW_ALARM_NO_FLOW,	/* close the zone, latch a fault */
	FLOW_ALARM_HIGH,	/* close the zone, latch a fault */
	FLOW_ALARM_ABOVE_MAX,	/* above the ceiling: as FLOW_ALARM_HIGH */
	FLOW_ALARM_LEAK,	/* flow with every valve closed */
};

enum flow_mode { FLOWMON_OFF, FLOWMON_WATERING, FLOWMON_CLOSED };

/*
 * The monitor is fed rates (L/min) at times the caller picks: on flow
 * events and at flowmon_next_check().  It reads no clock and does no I/O.
 * An alarm is returned once, when its condition has held for the alarm
 * delay; a condition that clears before then resets the delay.
 */
struct flow_monitor {
	enum flow_mode mode;
	struct flow_limits limits;
	double leak_lpm;		/* FLOWMON_CLOSED: threshold */
	uint64_t since_ns;		/* mode entered */
	enum flow_alarm pending;	/* condition seen, not yet alarmed */
	uint64_t pending_since_ns;
	bool low_warned;		/* this run */
	bool alarmed;			/* a fault alarm was returned: quiet
					   until the mode changes */
	/* Litres counted after the settle period, for learning. */
	double settled_litres;
	uint64_t settled_ns;		/* time watered after the settle */
	uint64_t last_sample_ns;
	/*
	 * Whether the run was steady: the settled time cut into windows of
	 * FLOW_STEADY_WINDOW_NS, and the litres of the window filling now,
	 * the least and the most of the full ones.
	 */
	double window_litres;
	uint64_t window_ns;
	double window_min_litres, window_max_litres;
	unsigned windows;
};

void flowmon_init(struct flow_monitor *m);
/* A zone's valve opened at now: watch it against lim. */
void flowmon_watering(struct flow_monitor *m, const struct flow_limits *lim,
		      uint64_t now);
/*
 * Every valve is closed from now: flow above leak_lpm for delay_ns,
 * after a settle of settle_ns (pipes draining), is a leak.  The settled
 * figures of the run before are kept, so flowmon_settled_mean() still
 * tells them after the valve closed.
 */
void flowmon_closed(struct flow_monitor *m, double leak_lpm,
		    uint64_t settle_ns, uint64_t delay_ns, uint64_t now);
/* Nothing to watch (a master valve open alone, the daemon stopping). */
void flowmon_off(struct flow_monitor *m);

/*
 * A rate measured at now, and the litres counted since the last sample
 * (for learning).  Returns the alarm this sample completes, or
 * FLOW_ALARM_NONE.  A NAN rate is no reading: it changes no condition.
 * Litres of an interval that straddles the settle's end count in
 * proportion to the part after it.
 */
enum flow_alarm flowmon_sample(struct flow_monitor *m, double rate_lpm,
			       double litres, uint64_t now);
/*
 * When the caller must sample even if no pulse comes (a flow that
 * stopped makes no events): UINT64_MAX for never.  Watering: the end of
 * the settle, then once a second, sooner when a pending condition's
 * delay ends.  Closed: when a pending leak's delay ends, else never
 * (a leak makes pulses).  Off, or after a fault alarm: never.
 */
uint64_t flowmon_next_check(const struct flow_monitor *m, uint64_t now);

/*
 * The mean flow of the run after its settle period, for learning; false
 * when it watered less than min_ns after the settle.
 */
bool flowmon_settled_mean(const struct flow_monitor *m, uint64_t min_ns,
			  double *lpm);

/*
 * What a run may teach its zone's flow.  A burst pipe, a hose off its
 * fitting or a person who stopped a run because of either must never
 * become what the zone is expected to draw: only a run that completed,
 * watered long enough after its settle and drew a steady flow below the
 * ceiling teaches.
 */
#define FLOW_STEADY_WINDOW_NS 5000000000ull
/* Steady: the fullest and the emptiest window differ by at most this
 * fraction of the run's mean. */
#define FLOW_STEADY_SPREAD 0.20

enum flow_lesson {
	FLOW_LESSON_LEARNED,		/* *lpm is what it drew */
	FLOW_LESSON_NOT_COMPLETED,	/* stopped, capped, ended early or by
					   a fault, interrupted */
	FLOW_LESSON_TOO_SHORT,		/* less than min_ns after the settle */
	FLOW_LESSON_LOW_FLOW,		/* it warned of low flow */
	FLOW_LESSON_UNSTEADY,		/* the windows differ too much */
	FLOW_LESSON_ABOVE_MAX,		/* its mean is above the ceiling */
};

/* The figures behind a lesson, for people; NAN where not measured. */
struct flow_run_figures {
	double mean_lpm, min_lpm, max_lpm;
};

/*
 * Judges the run m watched (after flowmon_closed() too) that ended with
 * outcome.  fig, when not NULL, gets its figures whatever the lesson.
 */
enum flow_lesson flowmon_lesson(const struct flow_monitor *m,
				enum run_outcome outcome, uint64_t min_ns,
				struct flow_run_figures *fig);
/* "learned", "not completed", "too short", ... */
const char *flowmon_lesson_name(enum flow_lesson lesson);

/* "no-flow", "high-flow" (for both high alarms), "low-flow", "leak", "none" */
const char *flowmon_alarm_name(enum flow_alarm alarm);

/* ---- learning a zone's flow from its recent clean runs ---- */

#define FLOW_LEARN_RUNS 5
/*
 * Flows outside this are no garden's: flow_learned_add() ignores them and
 * the state file refuses them (its 3 decimals would write less as 0).
 */
#define FLOW_LEARN_MIN_LPM 0.001
#define FLOW_LEARN_MAX_LPM 1e6
/*
 * A run that drew more than FLOW_LEARN_FAR away from the learned flow (a
 * fraction of it) does not join the runs kept: it is a candidate.  Once
 * FLOW_LEARN_AGREE candidates in a row agree, each within
 * FLOW_LEARN_AGREE_FRACTION of the first, they replace the runs kept.
 * A near run ends the row.
 */
#define FLOW_LEARN_FAR 0.25
#define FLOW_LEARN_AGREE 3
#define FLOW_LEARN_AGREE_FRACTION 0.10

struct flow_learned {
	double lpm[FLOW_LEARN_RUNS];	/* a ring of the latest runs */
	size_t first, len;
	double candidate[FLOW_LEARN_AGREE - 1];	/* oldest first */
	size_t n_candidates;
};

/* A zeroed struct is empty.  Drops the oldest run when full. */
void flow_learned_add(struct flow_learned *l, double lpm);

enum flow_offer {
	FLOW_OFFER_ADDED,	/* joined the runs kept (the first one too) */
	FLOW_OFFER_CANDIDATE,	/* far: kept aside, n_candidates says how many */
	FLOW_OFFER_REPLACED,	/* the candidates agreed and replaced the runs */
	FLOW_OFFER_IGNORED,	/* outside FLOW_LEARN_MIN_LPM..MAX: nothing */
};
/* A clean run's flow, by the rules above. */
enum flow_offer flow_learned_offer(struct flow_learned *l, double lpm);
/*
 * A person asked for this to be the zone's flow (a learning run): it
 * replaces the runs kept and the candidates at once.  -EINVAL, and
 * nothing changes, outside FLOW_LEARN_MIN_LPM..MAX.
 */
int flow_learned_set(struct flow_learned *l, double lpm);
/* Median of the runs kept; 0 when none. */
double flow_learned_median(const struct flow_learned *l);

#endif
