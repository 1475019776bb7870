/* The watering controller: a queue of runs, one zone at a time, master valve, moisture policy. */
#ifndef IRRIGD_CORE_CONTROLLER_H
#define IRRIGD_CORE_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/run.h"

#define CTL_QUEUE_MAX 32
#define CTL_MAX_ZONES 16
#define CTL_SOURCE_MAX 32
/* Runs between two cycles at once (cycle and soak): a run is taken from
 * the queue only while there is room to soak it. */
#define CTL_SOAKING_MAX 16
/* The most one call can say: a stop drops a whole queue and ends every
 * soaking run. */
#define CTL_ACTIONS_MAX (CTL_QUEUE_MAX + CTL_SOAKING_MAX + 8)

/* A run asked for by a program or a person; durations are final. */
struct run_request {
	uint32_t id;			/* set by ctl_enqueue */
	int zone;
	uint32_t duration_s;
	bool programmed;		/* the moisture skip rule applies */
	bool force;			/* runs even on a zone a fault holds */
	bool learn;			/* a learning run: sets the zone's flow */
	char source[CTL_SOURCE_MAX];	/* program name, or "manual" */
	/*
	 * Water by volume: the run ends once the meter counted this many
	 * litres (ctl_litres); duration_s is then the backstop, and a run
	 * that reaches it first ends RUN_CAPPED.  0: by time alone.
	 */
	double litres;
	/* Kept by the controller from the run's first cycle to its end: */
	unsigned cycle;			/* the cycle watering or last watered, from 1 */
	unsigned n_cycles;		/* planned at its start; 0: until its litres are in */
	uint64_t watered_ns;		/* every cycle that ended, the last one too */
	double litres_done;		/* what ctl_litres said last */
	uint64_t soak_until_ns;		/* between cycles: the next waits till then */
};

/* What the moisture rules of a zone say, in percent of its probes' average. */
struct zone_policy {
	bool has_skip_above;
	double skip_above;
	bool has_stop_at;
	double stop_at;
	/*
	 * Cycle and soak: a run longer than cycle_ns waters in cycles of at
	 * most that (a run by time in equal ones), at least soak_ns apart;
	 * other runs water meanwhile.  0: one go.
	 */
	uint64_t cycle_ns, soak_ns;
};

enum ctl_phase {
	CTL_IDLE,
	CTL_DECIDING,	/* a run is next: waiting for its zone's moisture */
	/* it runs: its valve opens once the master's lead and the time
	 * between valve switches have passed */
	CTL_LEAD,
	CTL_WATERING,
	CTL_LAG,	/* last zone closed, master still open */
	/* nothing waters, the master is closed: runs soak between cycles */
	CTL_SOAKING,
};

enum ctl_action_kind {
	ACT_MASTER_ON,
	ACT_MASTER_OFF,
	ACT_VALVE_ON,		/* zone */
	ACT_VALVE_OFF,		/* zone */
	/* Read the moisture of req.zone and pass it to ctl_moisture(). */
	ACT_NEED_MOISTURE,
	ACT_RUN_STARTED,	/* req */
	ACT_REPORT,		/* req: report progress */
	/* req ended with outcome (completed, stopped, skipped, ...);
	 * moisture is what caused a skip or an early end, else NAN; keep
	 * false for a run stopped before it watered a second, which the
	 * history leaves out (its client is still told) */
	ACT_RUN_ENDED,
	ACT_DROPPED,		/* req left the queue without running */
	/* Cycle and soak: req's valve closed after cycle req.cycle, its
	 * next waits till req.soak_until_ns; then req's next cycle opens. */
	ACT_CYCLE_ENDED,
	ACT_CYCLE_STARTED,
};

struct ctl_action {
	enum ctl_action_kind kind;
	int zone;
	enum run_outcome outcome;
	double moisture;
	bool keep;		/* ACT_RUN_ENDED: record it in the history */
	struct run_request req;
};

struct ctl_actions {
	struct ctl_action list[CTL_ACTIONS_MAX];
	size_t n;
};

/*
 * All times are CLOCK_MONOTONIC nanoseconds from the caller; the
 * controller reads no clock and does no I/O, it says what to do.  The
 * caller carries the actions out in order.
 */
struct controller {
	enum ctl_phase phase;
	struct run run;			/* timing of the zone watering now */
	struct run_request current;	/* in DECIDING, LEAD or WATERING */
	struct run_request queue[CTL_QUEUE_MAX];
	size_t queue_first, queue_len;
	uint32_t next_id;
	uint64_t phase_until_ns;	/* end of LEAD or LAG */
	uint64_t report_interval_ns;
	bool has_master;
	bool master_on;
	uint64_t master_ready_ns;	/* opened + lead: zones may open */
	uint64_t lead_ns, lag_ns;
	/* Water hammer: a zone valve opens no sooner than this after the
	 * last switch of any zone valve; closing never waits. */
	uint64_t min_switch_ns;
	uint64_t last_switch_ns;
	bool switched;			/* last_switch_ns is set */
	struct zone_policy policy[CTL_MAX_ZONES];
	size_t n_zones;
	/* Runs between two of their cycles, in no order. */
	struct run_request soaking[CTL_SOAKING_MAX];
	size_t n_soaking;
};

void ctl_init(struct controller *c, uint64_t report_interval_ns);
/* Master valve timing; has_master false: no master output at all. */
void ctl_set_master(struct controller *c, bool has_master, uint64_t lead_ns,
		    uint64_t lag_ns);
/*
 * The least time between two switches of zone valves: an opening waits
 * for it (the run is delayed, never shortened); a closing never does.
 */
void ctl_set_min_switch(struct controller *c, uint64_t min_switch_ns);
/* The zones' moisture rules, zone i at policy[i]; -EINVAL over CTL_MAX_ZONES. */
int ctl_set_policy(struct controller *c, const struct zone_policy *policy,
		   size_t n_zones);

/*
 * Queues a run behind everything queued (at the front with `now_first`,
 * which also stops the run going on).  Sets req->id.  -ENOSPC when the
 * queue is full, -EINVAL for a bad zone or a zero duration: nothing
 * changes then.  *ahead is how many runs go before it.
 */
int ctl_enqueue(struct controller *c, struct run_request *req, bool now_first,
		uint64_t now, size_t *ahead, struct ctl_actions *acts);

/*
 * The moisture of the zone asked for by ACT_NEED_MOISTURE, or of the
 * zone watering now (at each report): valid false when its probes could
 * not be read, and the rules then fall back to the plain schedule.
 */
void ctl_moisture(struct controller *c, double percent, bool valid,
		  uint64_t now, struct ctl_actions *acts);

/* At or after ctl_next_wakeup(). */
void ctl_tick(struct controller *c, uint64_t now, struct ctl_actions *acts);
/* When ctl_tick() has something to do; UINT64_MAX for never. */
uint64_t ctl_next_wakeup(const struct controller *c);

/*
 * The metered litres of the run watering now, over all its cycles: a run
 * by volume ends (completed) once they reach its litres.
 */
void ctl_litres(struct controller *c, double litres, uint64_t now,
		struct ctl_actions *acts);

/*
 * Ends the whole run watering now (outcome stopped), its cycles to come
 * too; with none watering, the soaking run due first.  The queue goes on.
 */
int ctl_skip(struct controller *c, uint64_t now, struct ctl_actions *acts);
/*
 * Ends the run in progress with outcome and goes on with the queue: one
 * watering closes its valve; one being decided (after ACT_NEED_MOISTURE,
 * instead of ctl_moisture()) or waiting for the master's lead never
 * opens, and ends with ACT_RUN_ENDED all the same, so it is recorded
 * (held by a fault, capped).  -ENOENT when no run is in progress.
 */
int ctl_end_run(struct controller *c, enum run_outcome outcome, uint64_t now,
		struct ctl_actions *acts);
/*
 * Ends run id alone, as stopped: watering, its valve closes and the queue
 * goes on; soaking between cycles, it ends (ACT_RUN_ENDED); not watered
 * yet (queued, or in the master's lead), it leaves the queue with
 * ACT_DROPPED.  -ENOENT when no run has that id.
 */
int ctl_cancel(struct controller *c, uint32_t id, uint64_t now,
	       struct ctl_actions *acts);
/*
 * Ends everything for why: the run going on and every soaking run end
 * with that outcome, the queue is emptied (ACT_DROPPED each) and the master closes at once.
 */
void ctl_stop(struct controller *c, enum run_outcome why, uint64_t now,
	      struct ctl_actions *acts);
/*
 * Renumbers zones after a reload: map[old] = new index, or -1 when the
 * zone is gone.  Queued runs of a gone zone are dropped; a run of a gone
 * zone going on is stopped (its actions still name the old index, so
 * carry them out before the new config takes over), and the next run
 * waits for ctl_kick().  Every other run carries on.
 */
void ctl_remap_zones(struct controller *c, const int *map, size_t n_old,
		     uint64_t now, struct ctl_actions *acts);
/* Starts the next queued run if nothing runs. */
void ctl_kick(struct controller *c, uint64_t now, struct ctl_actions *acts);

size_t ctl_queue_len(const struct controller *c);
/* i = 0 runs next. */
const struct run_request *ctl_queue_at(const struct controller *c, size_t i);
/* Runs between two cycles: i from 0 to ctl_soaking_len() - 1, in no order. */
size_t ctl_soaking_len(const struct controller *c);
const struct run_request *ctl_soaking_at(const struct controller *c, size_t i);
/* The run in progress (DECIDING, LEAD or WATERING), or NULL. */
const struct run_request *ctl_current(const struct controller *c);
bool ctl_busy(const struct controller *c);

#endif
