/* The watering controller: a queue of runs, one zone at a time, master valve, moisture policy. */
#include "core/controller.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/nsec.h"

/* A run stopped before it watered this long is left out of the history. */
#define CTL_RECORD_MIN_NS NS_PER_S

/* The action added, or NULL when the list is full. */
static struct ctl_action *act(struct ctl_actions *acts, enum ctl_action_kind kind,
			      int zone, enum run_outcome outcome, double moisture,
			      const struct run_request *req)
{
	struct ctl_action *a;

	/* CTL_ACTIONS_MAX covers the longest chain one call makes. */
	if (acts->n == CTL_ACTIONS_MAX)
		return NULL;
	a = &acts->list[acts->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->zone = zone;
	a->outcome = outcome;
	a->moisture = moisture;
	a->keep = kind == ACT_RUN_ENDED;
	if (req)
		a->req = *req;
	return a;
}

void ctl_init(struct controller *c, uint64_t report_interval_ns)
{
	memset(c, 0, sizeof(*c));
	c->phase = CTL_IDLE;
	run_init(&c->run);
	c->next_id = 1;
	c->report_interval_ns = report_interval_ns;
}

void ctl_set_master(struct controller *c, bool has_master, uint64_t lead_ns,
		    uint64_t lag_ns)
{
	c->has_master = has_master;
	c->lead_ns = has_master ? lead_ns : 0;
	c->lag_ns = has_master ? lag_ns : 0;
}

void ctl_set_min_switch(struct controller *c, uint64_t min_switch_ns)
{
	c->min_switch_ns = min_switch_ns;
}

/* A zone valve switches now: the next opening waits from here. */
static void switch_valve(struct controller *c, enum ctl_action_kind kind,
			 int zone, enum run_outcome outcome, uint64_t now,
			 struct ctl_actions *acts)
{
	act(acts, kind, zone, outcome, NAN, NULL);
	c->last_switch_ns = now;
	c->switched = true;
}

int ctl_set_policy(struct controller *c, const struct zone_policy *policy,
		   size_t n_zones)
{
	if (n_zones > CTL_MAX_ZONES)
		return -EINVAL;
	memset(c->policy, 0, sizeof(c->policy));
	if (n_zones)
		memcpy(c->policy, policy, n_zones * sizeof(*policy));
	c->n_zones = n_zones;
	return 0;
}

static struct run_request *queue_slot(struct controller *c, size_t i)
{
	return &c->queue[(c->queue_first + i) % CTL_QUEUE_MAX];
}

static void queue_pop(struct controller *c, struct run_request *out)
{
	*out = *queue_slot(c, 0);
	c->queue_first = (c->queue_first + 1) % CTL_QUEUE_MAX;
	c->queue_len--;
}

/* Takes the next run, or ends the sequence when the queue is empty. */
static void next_run(struct controller *c, uint64_t now, struct ctl_actions *acts)
{
	if (!c->queue_len) {
		if (c->master_on && c->lag_ns) {
			c->phase = CTL_LAG;
			c->phase_until_ns = now + c->lag_ns;
			return;
		}
		if (c->master_on)
			act(acts, ACT_MASTER_OFF, -1, RUN_COMPLETED, NAN, NULL);
		c->master_on = false;
		c->phase = CTL_IDLE;
		return;
	}
	/*
	 * Decide first, open the master after: a run the soil makes
	 * unnecessary never runs a pump against closed valves.
	 */
	queue_pop(c, &c->current);
	c->phase = CTL_DECIDING;
	act(acts, ACT_NEED_MOISTURE, c->current.zone, RUN_COMPLETED, NAN,
	    &c->current);
}

/* The current run's valve opens now. */
static void start_watering(struct controller *c, uint64_t now,
			   struct ctl_actions *acts)
{
	unsigned todo;

	run_init(&c->run);
	if (run_start(&c->run, c->current.zone,
		      (uint64_t)c->current.duration_s * NS_PER_S,
		      c->report_interval_ns, now, &todo) < 0) {
		act(acts, ACT_DROPPED, c->current.zone, RUN_FAULT, NAN, &c->current);
		c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
		next_run(c, now, acts);
		return;
	}
	c->phase = CTL_WATERING;
	switch_valve(c, ACT_VALVE_ON, c->current.zone, RUN_COMPLETED, now, acts);
	act(acts, ACT_RUN_STARTED, c->current.zone, RUN_COMPLETED, NAN,
	    &c->current);
}

/* The run's valve opens after the master's lead and the spacing of switches. */
static void open_when_ready(struct controller *c, uint64_t now,
			    struct ctl_actions *acts)
{
	uint64_t ready = c->master_on ? c->master_ready_ns : 0;

	if (c->switched && c->last_switch_ns + c->min_switch_ns > ready)
		ready = c->last_switch_ns + c->min_switch_ns;
	if (now < ready) {
		c->phase = CTL_LEAD;
		c->phase_until_ns = ready;
		return;
	}
	start_watering(c, now, acts);
}

/* Ends the current run (not the sequence) with outcome. */
static void end_current(struct controller *c, enum run_outcome outcome,
			double moisture, uint64_t now, struct ctl_actions *acts)
{
	struct ctl_action *ended;

	if (c->phase == CTL_WATERING) {
		run_stop(&c->run, outcome, now);
		switch_valve(c, ACT_VALVE_OFF, c->current.zone, outcome, now, acts);
		ended = act(acts, ACT_RUN_ENDED, c->current.zone, outcome, moisture,
			    &c->current);
		/* Preempted or stopped at once: 0 s of water to record. */
		if (ended && outcome == RUN_STOPPED &&
		    run_elapsed_ns(&c->run, now) < CTL_RECORD_MIN_NS)
			ended->keep = false;
	} else if (c->phase == CTL_DECIDING || c->phase == CTL_LEAD) {
		/* It never started: nothing to record but that it was dropped. */
		act(acts, ACT_DROPPED, c->current.zone, outcome, NAN, &c->current);
	} else {
		return;
	}
	c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
	c->phase_until_ns = now;
}

static bool zone_ok(const struct controller *c, int zone)
{
	return zone >= 0 && (size_t)zone < c->n_zones;
}

int ctl_enqueue(struct controller *c, struct run_request *req, bool now_first,
		uint64_t now, size_t *ahead, struct ctl_actions *acts)
{
	bool running = ctl_current(c) != NULL;

	if (!zone_ok(c, req->zone) || req->duration_s == 0)
		return -EINVAL;
	if (c->queue_len == CTL_QUEUE_MAX)
		return -ENOSPC;
	req->id = c->next_id++;
	if (now_first) {
		c->queue_first = (c->queue_first + CTL_QUEUE_MAX - 1) % CTL_QUEUE_MAX;
		*queue_slot(c, 0) = *req;
		c->queue_len++;
		*ahead = 0;
		if (c->phase == CTL_WATERING) {
			end_current(c, RUN_STOPPED, NAN, now, acts);
			next_run(c, now, acts);
			return 0;
		}
		if (ctl_current(c)) {
			/* It has not watered yet: it goes right behind. */
			if (c->queue_len < CTL_QUEUE_MAX) {
				struct run_request mine = *queue_slot(c, 0);

				*queue_slot(c, 0) = c->current;
				c->queue_first = (c->queue_first + CTL_QUEUE_MAX - 1) %
					CTL_QUEUE_MAX;
				*queue_slot(c, 0) = mine;
				c->queue_len++;
			} else {
				act(acts, ACT_DROPPED, c->current.zone, RUN_STOPPED,
				    NAN, &c->current);
			}
			c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
			next_run(c, now, acts);
			return 0;
		}
	} else {
		*queue_slot(c, c->queue_len) = *req;
		c->queue_len++;
		*ahead = c->queue_len - 1 + (running ? 1 : 0);
	}
	if (c->phase == CTL_IDLE || c->phase == CTL_LAG)
		next_run(c, now, acts);
	return 0;
}

void ctl_moisture(struct controller *c, double percent, bool valid,
		  uint64_t now, struct ctl_actions *acts)
{
	const struct zone_policy *pol;

	if (c->phase != CTL_DECIDING && c->phase != CTL_WATERING)
		return;
	pol = &c->policy[c->current.zone];
	if (c->phase == CTL_WATERING) {
		if (valid && pol->has_stop_at && percent >= pol->stop_at) {
			end_current(c, RUN_ENDED_EARLY, percent, now, acts);
			next_run(c, now, acts);
		}
		return;
	}
	/* Manual runs are what a person asked for: only programs skip. */
	if (c->current.programmed && valid && pol->has_skip_above &&
	    percent > pol->skip_above) {
		act(acts, ACT_RUN_ENDED, c->current.zone, RUN_SKIPPED, percent,
		    &c->current);
		c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
		next_run(c, now, acts);
		return;
	}
	if (c->has_master && !c->master_on) {
		act(acts, ACT_MASTER_ON, -1, RUN_COMPLETED, NAN, NULL);
		c->master_on = true;
		c->master_ready_ns = now + c->lead_ns;
	}
	/* The lead may still be running for a run that --now replaced, and
	 * a valve that just closed holds the next opening back. */
	open_when_ready(c, now, acts);
}

void ctl_tick(struct controller *c, uint64_t now, struct ctl_actions *acts)
{
	unsigned todo;

	switch (c->phase) {
	case CTL_LEAD:
		if (now >= c->phase_until_ns)
			open_when_ready(c, now, acts);
		return;
	case CTL_LAG:
		if (now < c->phase_until_ns)
			return;
		if (c->queue_len) {
			next_run(c, now, acts);
			return;
		}
		act(acts, ACT_MASTER_OFF, -1, RUN_COMPLETED, NAN, NULL);
		c->master_on = false;
		c->phase = CTL_IDLE;
		return;
	case CTL_WATERING:
		todo = run_tick(&c->run, now);
		if (todo & RUN_DO_REPORT)
			act(acts, ACT_REPORT, c->current.zone, RUN_COMPLETED, NAN,
			    &c->current);
		if (todo & RUN_DO_FINISH) {
			switch_valve(c, ACT_VALVE_OFF, c->current.zone,
				     RUN_COMPLETED, now, acts);
			act(acts, ACT_RUN_ENDED, c->current.zone, RUN_COMPLETED, NAN,
			    &c->current);
			c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
			next_run(c, now, acts);
		}
		return;
	case CTL_IDLE:
	case CTL_DECIDING:
		return;
	}
}

uint64_t ctl_next_wakeup(const struct controller *c)
{
	switch (c->phase) {
	case CTL_LEAD:
	case CTL_LAG:
		return c->phase_until_ns;
	case CTL_WATERING:
		return run_next_wakeup(&c->run);
	case CTL_IDLE:
	case CTL_DECIDING:
		break;
	}
	return UINT64_MAX;
}

int ctl_skip(struct controller *c, uint64_t now, struct ctl_actions *acts)
{
	if (c->phase != CTL_WATERING)
		return -ENOENT;
	end_current(c, RUN_STOPPED, NAN, now, acts);
	next_run(c, now, acts);
	return 0;
}

int ctl_end_run(struct controller *c, enum run_outcome outcome, uint64_t now,
		struct ctl_actions *acts)
{
	if (c->phase == CTL_WATERING) {
		end_current(c, outcome, NAN, now, acts);
	} else if (c->phase == CTL_DECIDING || c->phase == CTL_LEAD) {
		struct ctl_action *ended = act(acts, ACT_RUN_ENDED, c->current.zone,
					       outcome, NAN, &c->current);

		/* Stopped before its valve opened: nothing watered to record. */
		if (ended && outcome == RUN_STOPPED)
			ended->keep = false;
		c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
		c->phase_until_ns = now;
	} else {
		return -ENOENT;
	}
	next_run(c, now, acts);
	return 0;
}

int ctl_cancel(struct controller *c, uint32_t id, uint64_t now,
	       struct ctl_actions *acts)
{
	const struct run_request *cur = ctl_current(c);

	if (cur && cur->id == id) {
		end_current(c, RUN_STOPPED, NAN, now, acts);
		next_run(c, now, acts);
		return 0;
	}
	for (size_t i = 0; i < c->queue_len; i++) {
		if (queue_slot(c, i)->id != id)
			continue;
		act(acts, ACT_DROPPED, queue_slot(c, i)->zone, RUN_STOPPED, NAN,
		    queue_slot(c, i));
		for (size_t j = i; j + 1 < c->queue_len; j++)
			*queue_slot(c, j) = *queue_slot(c, j + 1);
		c->queue_len--;
		return 0;
	}
	return -ENOENT;
}

void ctl_stop(struct controller *c, enum run_outcome why, uint64_t now,
	      struct ctl_actions *acts)
{
	struct run_request req;

	end_current(c, why, NAN, now, acts);
	while (c->queue_len) {
		queue_pop(c, &req);
		act(acts, ACT_DROPPED, req.zone, why, NAN, &req);
	}
	if (c->master_on)
		act(acts, ACT_MASTER_OFF, -1, why, NAN, NULL);
	c->master_on = false;
	c->phase = CTL_IDLE;
}

void ctl_remap_zones(struct controller *c, const int *map, size_t n_old,
		     uint64_t now, struct ctl_actions *acts)
{
	struct run_request kept[CTL_QUEUE_MAX];
	size_t n = 0;

	for (size_t i = 0; i < c->queue_len; i++) {
		struct run_request *req = queue_slot(c, i);
		int to = (size_t)req->zone < n_old ? map[req->zone] : -1;

		if (to < 0) {
			act(acts, ACT_DROPPED, req->zone, RUN_STOPPED, NAN, req);
			continue;
		}
		kept[n] = *req;
		kept[n++].zone = to;
	}
	memcpy(c->queue, kept, n * sizeof(kept[0]));
	c->queue_first = 0;
	c->queue_len = n;
	if (ctl_current(c)) {
		int to = (size_t)c->current.zone < n_old ? map[c->current.zone] : -1;

		if (to < 0) {
			end_current(c, RUN_STOPPED, NAN, now, acts);
			c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
			c->phase_until_ns = UINT64_MAX;	/* until ctl_kick */
		} else {
			c->current.zone = to;
			c->run.zone = to;
		}
	}
}

void ctl_kick(struct controller *c, uint64_t now, struct ctl_actions *acts)
{
	/* The daemon kicks after every reload: restarting a lag that is
	 * counting down would keep the master open a full lag longer.  Only
	 * the wait ctl_remap_zones() leaves (UINT64_MAX) or a queue moves on. */
	if (c->phase == CTL_LAG && !c->queue_len &&
	    c->phase_until_ns != UINT64_MAX)
		return;
	if (c->phase == CTL_IDLE || c->phase == CTL_LAG)
		next_run(c, now, acts);
}

size_t ctl_queue_len(const struct controller *c)
{
	return c->queue_len;
}

const struct run_request *ctl_queue_at(const struct controller *c, size_t i)
{
	if (i >= c->queue_len)
		return NULL;
	return &c->queue[(c->queue_first + i) % CTL_QUEUE_MAX];
}

const struct run_request *ctl_current(const struct controller *c)
{
	if (c->phase == CTL_WATERING || c->phase == CTL_DECIDING ||
	    c->phase == CTL_LEAD)
		return &c->current;
	return NULL;
}

bool ctl_busy(const struct controller *c)
{
	return c->phase != CTL_IDLE;
}
