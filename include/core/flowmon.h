/* Flow monitoring: a zone's flow against what it should draw, leaks while closed, and learning. */
#ifndef IRRIGD_CORE_FLOWMON_H
#define IRRIGD_CORE_FLOWMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	uint64_t settle_ns;		/* default 30 s: air in the pipes */
	uint64_t alarm_delay_ns;	/* default 30 s: spikes do not trip */
};

enum flow_alarm {
	FLOW_ALARM_NONE,
	FLOW_ALARM_LOW,		/* warn once per run, keep watering */
	FLOW_ALARM_NO_FLOW,	/* close the zone, latch a fault */
	FLOW_ALARM_HIGH,	/* close the zone, latch a fault */
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

/* "no-flow", "high-flow", "low-flow", "leak", "none" */
const char *flowmon_alarm_name(enum flow_alarm alarm);

/* ---- learning a zone's flow from its recent clean runs ---- */

#define FLOW_LEARN_RUNS 5
/*
 * Flows outside this are no garden's: flow_learned_add() ignores them and
 * the state file refuses them (its 3 decimals would write less as 0).
 */
#define FLOW_LEARN_MIN_LPM 0.001
#define FLOW_LEARN_MAX_LPM 1e6

struct flow_learned {
	double lpm[FLOW_LEARN_RUNS];	/* a ring of the latest runs */
	size_t first, len;
};

/* A zeroed struct is empty.  Drops the oldest run when full. */
void flow_learned_add(struct flow_learned *l, double lpm);
/* Median of the runs kept; 0 when none. */
double flow_learned_median(const struct flow_learned *l);

#endif
