/* The watering run controller: one zone at a time, start, report, end, stop. */
#ifndef IRRIGD_CORE_RUN_H
#define IRRIGD_CORE_RUN_H

#include <stdbool.h>
#include <stdint.h>

enum run_state { RUN_IDLE, RUN_WATERING };

enum run_outcome {
	RUN_COMPLETED,	/* ran its whole duration */
	RUN_STOPPED,	/* someone asked it to stop */
	RUN_FAULT,	/* the hardware failed under it */
	RUN_SHUTDOWN,	/* the daemon stopped ("interrupted") */
	RUN_SKIPPED,	/* not run: the soil was moist enough */
	RUN_ENDED_EARLY,	/* the soil reached its target */
	RUN_HELD,	/* not run: a latched fault holds the zone */
	RUN_CAPPED,	/* a daily volume cap ended it or kept it from starting */
};
#define RUN_OUTCOMES 8

/* What the caller must do after a call, as bits. */
enum {
	RUN_DO_OPEN_VALVE = 1 << 0,
	RUN_DO_CLOSE_VALVE = 1 << 1,
	RUN_DO_REPORT = 1 << 2,
	RUN_DO_FINISH = 1 << 3,		/* the run ended: summarise it */
};

/*
 * All times are CLOCK_MONOTONIC nanoseconds passed in by the caller: the
 * controller reads no clock, so tests run it at virtual time.
 */
struct run {
	enum run_state state;
	int zone;
	uint64_t started_ns;
	uint64_t duration_ns;
	uint64_t report_interval_ns;
	uint64_t next_report_ns;
	uint64_t ended_ns;
	enum run_outcome outcome;
};

void run_init(struct run *run);
/* -EBUSY while a run is going on; -EINVAL for a zero duration or interval. */
int run_start(struct run *run, int zone, uint64_t duration_ns,
	      uint64_t report_interval_ns, uint64_t now, unsigned *actions);
/* At or after run_next_wakeup(): a report is due, or the run is over. */
unsigned run_tick(struct run *run, uint64_t now);
/* Ends the run now for why; nothing to do (0) when idle. */
unsigned run_stop(struct run *run, enum run_outcome why, uint64_t now);
/* When run_tick() has something to do next; UINT64_MAX when idle. */
uint64_t run_next_wakeup(const struct run *run);
uint64_t run_elapsed_ns(const struct run *run, uint64_t now);
uint64_t run_remaining_ns(const struct run *run, uint64_t now);
/* "completed", "stopped", "fault", "interrupted", "skipped", "ended-early",
 * "held", "capped" */
const char *run_outcome_name(enum run_outcome outcome);
/* The outcome called name; -EINVAL for none. */
int run_outcome_parse(const char *name, enum run_outcome *outcome);

#endif
