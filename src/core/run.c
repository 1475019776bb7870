/* The watering run controller: one zone at a time, start, report, end, stop. */
#include "core/run.h"

#include <errno.h>
#include <string.h>

void run_init(struct run *run)
{
	memset(run, 0, sizeof(*run));
	run->state = RUN_IDLE;
	run->zone = -1;
}

int run_start(struct run *run, int zone, uint64_t duration_ns,
	      uint64_t report_interval_ns, uint64_t now, unsigned *actions)
{
	*actions = 0;
	if (run->state != RUN_IDLE)
		return -EBUSY;
	if (duration_ns == 0 || report_interval_ns == 0 || zone < 0)
		return -EINVAL;
	run->state = RUN_WATERING;
	run->zone = zone;
	run->started_ns = now;
	run->duration_ns = duration_ns;
	run->report_interval_ns = report_interval_ns;
	run->next_report_ns = now + report_interval_ns;
	run->ended_ns = 0;
	*actions = RUN_DO_OPEN_VALVE;
	return 0;
}

static uint64_t end_of(const struct run *run)
{
	return run->started_ns + run->duration_ns;
}

unsigned run_tick(struct run *run, uint64_t now)
{
	unsigned actions = 0;

	if (run->state != RUN_WATERING)
		return 0;
	if (now >= end_of(run))
		return run_stop(run, RUN_COMPLETED, now);
	if (now >= run->next_report_ns) {
		actions |= RUN_DO_REPORT;
		/* A late wakeup reports once, not once per interval missed. */
		while (run->next_report_ns <= now)
			run->next_report_ns += run->report_interval_ns;
	}
	return actions;
}

unsigned run_stop(struct run *run, enum run_outcome why, uint64_t now)
{
	if (run->state != RUN_WATERING)
		return 0;
	run->state = RUN_IDLE;
	run->outcome = why;
	run->ended_ns = now;
	return RUN_DO_CLOSE_VALVE | RUN_DO_FINISH;
}

uint64_t run_next_wakeup(const struct run *run)
{
	uint64_t end;

	if (run->state != RUN_WATERING)
		return UINT64_MAX;
	end = end_of(run);
	/* The summary replaces a report that would fall at the very end. */
	return run->next_report_ns < end ? run->next_report_ns : end;
}

uint64_t run_elapsed_ns(const struct run *run, uint64_t now)
{
	uint64_t until = run->state == RUN_WATERING ? now : run->ended_ns;

	return until > run->started_ns ? until - run->started_ns : 0;
}

uint64_t run_remaining_ns(const struct run *run, uint64_t now)
{
	if (run->state != RUN_WATERING || now >= end_of(run))
		return 0;
	return end_of(run) - now;
}

const char *run_outcome_name(enum run_outcome outcome)
{
	switch (outcome) {
	case RUN_COMPLETED:
		return "completed";
	case RUN_STOPPED:
		return "stopped";
	case RUN_FAULT:
		return "fault";
	case RUN_SHUTDOWN:
		return "interrupted";
	case RUN_SKIPPED:
		return "skipped";
	case RUN_ENDED_EARLY:
		return "ended-early";
	case RUN_HELD:
		return "held";
	case RUN_CAPPED:
		return "capped";
	}
	return "unknown";
}

int run_outcome_parse(const char *name, enum run_outcome *outcome)
{
	for (int i = 0; i < RUN_OUTCOMES; i++) {
		if (strcmp(name, run_outcome_name((enum run_outcome)i)) == 0) {
			*outcome = (enum run_outcome)i;
			return 0;
		}
	}
	return -EINVAL;
}
