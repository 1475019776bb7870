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

static bool zone_ok(const struct controller *c, int zone)
{
	return zone >= 0 && (size_t)zone < c->n_zones;
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

static bool zone_soaking(const struct controller *c, int zone)
{
	for (size_t i = 0; i < c->n_soaking; i++)
		if (c->soaking[i].zone == zone)
			return true;
	return false;
}

/* The soaking run whose soak ends first, or -1 with none. */
static int soak_first(const struct controller *c)
{
	int first = -1;

	for (size_t i = 0; i < c->n_soaking; i++)
		if (first < 0 ||
		    c->soaking[i].soak_until_ns < c->soaking[first].soak_until_ns)
			first = (int)i;
	return first;
}

/* The soaking run that may water again at now, or -1. */
static int soak_ready(const struct controller *c, uint64_t now)
{
	int first = soak_first(c);

	return first >= 0 && c->soaking[first].soak_until_ns <= now ? first : -1;
}

static void soak_remove(struct controller *c, size_t i, struct run_request *out)
{
	if (out)
		*out = c->soaking[i];
	c->soaking[i] = c->soaking[--c->n_soaking];
}

/*
 * The queued run to take next: the first whose zone is not soaking (its
 * soil is to drain, not get another run's water), while there is room to
 * soak it; -1 for none.
 */
static int queue_next(const struct controller *c)
{
	if (c->n_soaking == CTL_SOAKING_MAX)
		return -1;
	for (size_t i = 0; i < c->queue_len; i++)
		if (!zone_soaking(c, c->queue[(c->queue_first + i) % CTL_QUEUE_MAX].zone))
			return (int)i;
	return -1;
}

static void queue_take(struct controller *c, size_t i, struct run_request *out)
{
	*out = *queue_slot(c, i);
	for (size_t j = i; j > 0; j--)
		*queue_slot(c, j) = *queue_slot(c, j - 1);
	c->queue_first = (c->queue_first + 1) % CTL_QUEUE_MAX;
	c->queue_len--;
}

static bool has_next(const struct controller *c, uint64_t now)
{
	return soak_ready(c, now) >= 0 || queue_next(c) >= 0;
}

/*
 * Takes the next run: a soaking one whose soak is over first (it is half
 * way through), else the queue's.  With none, the sequence ends, or waits
 * for a soak to end.
 */
static void next_run(struct controller *c, uint64_t now, struct ctl_actions *acts)
{
	int soaked = soak_ready(c, now), queued = queue_next(c);

	if (soaked < 0 && queued < 0) {
		if (c->master_on && c->lag_ns) {
			c->phase = CTL_LAG;
			c->phase_until_ns = now + c->lag_ns;
			return;
		}
		if (c->master_on)
			act(acts, ACT_MASTER_OFF, -1, RUN_COMPLETED, NAN, NULL);
		c->master_on = false;
		c->phase = c->n_soaking ? CTL_SOAKING : CTL_IDLE;
		return;
	}
	/*
	 * Decide first, open the master after: a run the soil makes
	 * unnecessary never runs a pump against closed valves.
	 */
	if (soaked >= 0)
		soak_remove(c, (size_t)soaked, &c->current);
	else
		queue_take(c, (size_t)queued, &c->current);
	c->phase = CTL_DECIDING;
	act(acts, ACT_NEED_MOISTURE, c->current.zone, RUN_COMPLETED, NAN,
	    &c->current);
}

/* The zone's longest cycle, or 0 for one go. */
static uint64_t cycle_of(const struct controller *c, int zone)
{
	return zone_ok(c, zone) ? c->policy[zone].cycle_ns : 0;
}

/* How many cycles a run starting now is in: 0 for "until its litres are in". */
static unsigned plan_cycles(const struct controller *c, const struct run_request *r)
{
	uint64_t cycle_s = cycle_of(c, r->zone) / NS_PER_S;

	/* A learning run needs its flow steady in one go. */
	if (!cycle_s || r->duration_s <= cycle_s || r->learn)
		return 1;
	if (r->litres > 0)
		return 0;
	return (unsigned)((r->duration_s + cycle_s - 1) / cycle_s);
}

/*
 * How long r's next cycle waters: by time, the cycles share the duration
 * equally (30 min in 10 min cycles is three of 10, 25 min three of 8:20);
 * by volume, each is a full cycle until the backstop.
 */
static uint64_t next_cycle_ns(const struct controller *c,
			      const struct run_request *r)
{
	uint64_t total = (uint64_t)r->duration_s * NS_PER_S, cycle = cycle_of(c, r->zone);
	uint64_t left = total > r->watered_ns ? total - r->watered_ns : 0, len;

	if (r->n_cycles == 1)
		return left;
	if (r->n_cycles > 1 && r->cycle < r->n_cycles) {
		uint64_t end = (uint64_t)r->duration_s * (r->cycle + 1) / r->n_cycles *
			NS_PER_S;

		len = end > r->watered_ns ? end - r->watered_ns : 0;
		if (len && len <= left)
			return len;
	}
	if (cycle && cycle < left)
		return cycle;
	return left;
}

/* Is there water left to give r after the cycle that just ended? */
static bool more_to_water(const struct run_request *r)
{
	if (r->watered_ns >= (uint64_t)r->duration_s * NS_PER_S)
		return false;
	return r->litres <= 0 || r->litres_done < r->litres;
}

/* The current run's valve opens now. */
static void start_watering(struct controller *c, uint64_t now,
			   struct ctl_actions *acts)
{
	bool first = c->current.cycle == 0;
	unsigned todo;

	if (first)
		c->current.n_cycles = plan_cycles(c, &c->current);
	run_init(&c->run);
	if (run_start(&c->run, c->current.zone, next_cycle_ns(c, &c->current),
		      c->report_interval_ns, now, &todo) < 0) {
		act(acts, ACT_DROPPED, c->current.zone, RUN_FAULT, NAN, &c->current);
		c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
		next_run(c, now, acts);
		return;
	}
	c->phase = CTL_WATERING;
	c->current.cycle++;
	switch_valve(c, ACT_VALVE_ON, c->current.zone, RUN_COMPLETED, now, acts);
	act(acts, first ? ACT_RUN_STARTED : ACT_CYCLE_STARTED, c->current.zone,
	    RUN_COMPLETED, NAN, &c->current);
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
		c->current.watered_ns += run_elapsed_ns(&c->run, now);
		switch_valve(c, ACT_VALVE_OFF, c->current.zone, outcome, now, acts);
		ended = act(acts, ACT_RUN_ENDED, c->current.zone, outcome, moisture,
			    &c->current);
		/* Preempted or stopped at once: 0 s of water to record. */
		if (ended && outcome == RUN_STOPPED &&
		    c->current.watered_ns < CTL_RECORD_MIN_NS)
			ended->keep = false;
	} else if ((c->phase == CTL_DECIDING || c->phase == CTL_LEAD) &&
		   c->current.cycle) {
		/* Between two cycles: it watered, so it ends as a run. */
		act(acts, ACT_RUN_ENDED, c->current.zone, outcome, moisture,
		    &c->current);
	} else if (c->phase == CTL_DECIDING || c->phase == CTL_LEAD) {
		/* It never started: nothing to record but that it was dropped. */
		act(acts, ACT_DROPPED, c->current.zone, outcome, NAN, &c->current);
	} else {
		return;
	}
	c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
	c->phase_until_ns = now;
}

int ctl_enqueue(struct controller *c, struct run_request *req, bool now_first,
		uint64_t now, size_t *ahead, struct ctl_actions *acts)
{
	bool running = ctl_current(c) != NULL;

	if (!zone_ok(c, req->zone) || req->duration_s == 0 || !(req->litres >= 0))
		return -EINVAL;
	if (c->queue_len == CTL_QUEUE_MAX)
		return -ENOSPC;
	req->id = c->next_id++;
	req->cycle = req->n_cycles = 0;
	req->watered_ns = 0;
	req->litres_done = 0;
	req->soak_until_ns = 0;
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
		if (ctl_current(c) && c->current.cycle) {
			/* Between two cycles: it soaks on, due at once. */
			c->current.soak_until_ns = now;
			c->soaking[c->n_soaking++] = c->current;
			c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
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
	/* A lag counting down goes on for a run that must wait its soak. */
	if (c->phase == CTL_IDLE || c->phase == CTL_SOAKING ||
	    (c->phase == CTL_LAG && has_next(c, now)))
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
	/*
	 * The next cycle of a run: the skip rule decided its start, what
	 * soaked in may have reached the target, and by volume the litres
	 * counted after its last cycle closed may be all it needed.
	 */
	if (c->current.cycle) {
		bool reached = valid && pol->has_stop_at && percent >= pol->stop_at;

		if (reached || !more_to_water(&c->current)) {
			act(acts, ACT_RUN_ENDED, c->current.zone,
			    reached ? RUN_ENDED_EARLY : RUN_COMPLETED,
			    reached ? percent : NAN, &c->current);
			c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
			next_run(c, now, acts);
			return;
		}
	}
	/* Manual runs are what a person asked for: only programs skip. */
	if (!c->current.cycle && c->current.programmed && valid &&
	    pol->has_skip_above &&
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

/*
 * The current cycle watered its time: the run soaks before its next
 * cycle, or it is over; by volume, reaching the backstop first caps it.
 */
static void end_cycle(struct controller *c, uint64_t now, struct ctl_actions *acts)
{
	struct run_request *r = &c->current;
	enum run_outcome outcome = RUN_COMPLETED;

	r->watered_ns += run_elapsed_ns(&c->run, now);
	if (more_to_water(r) && c->n_soaking < CTL_SOAKING_MAX) {
		r->soak_until_ns = now + (zone_ok(c, r->zone) ?
					  c->policy[r->zone].soak_ns : 0);
		switch_valve(c, ACT_VALVE_OFF, r->zone, RUN_COMPLETED, now, acts);
		act(acts, ACT_CYCLE_ENDED, r->zone, RUN_COMPLETED, NAN, r);
		c->soaking[c->n_soaking++] = *r;
		c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
		next_run(c, now, acts);
		return;
	}
	if (r->litres > 0 && r->litres_done < r->litres)
		outcome = RUN_CAPPED;
	switch_valve(c, ACT_VALVE_OFF, r->zone, outcome, now, acts);
	act(acts, ACT_RUN_ENDED, r->zone, outcome, NAN, r);
	c->phase = c->master_on ? CTL_LAG : CTL_IDLE;
	next_run(c, now, acts);
}

void ctl_litres(struct controller *c, double litres, uint64_t now,
		struct ctl_actions *acts)
{
	if (c->phase != CTL_WATERING)
		return;
	c->current.litres_done = litres;
	if (c->current.litres > 0 && litres >= c->current.litres) {
		end_current(c, RUN_COMPLETED, NAN, now, acts);
		next_run(c, now, acts);
	}
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
		if (has_next(c, now)) {
			next_run(c, now, acts);
			return;
		}
		if (now < c->phase_until_ns)
			return;
		act(acts, ACT_MASTER_OFF, -1, RUN_COMPLETED, NAN, NULL);
		c->master_on = false;
		c->phase = c->n_soaking ? CTL_SOAKING : CTL_IDLE;
		return;
	case CTL_SOAKING:
		if (has_next(c, now))
			next_run(c, now, acts);
		return;
	case CTL_WATERING:
		todo = run_tick(&c->run, now);
		if (todo & RUN_DO_REPORT)
			act(acts, ACT_REPORT, c->current.zone, RUN_COMPLETED, NAN,
			    &c->current);
		if (todo & RUN_DO_FINISH)
			end_cycle(c, now, acts);
		return;
	case CTL_IDLE:
	case CTL_DECIDING:
		return;
	}
}

uint64_t ctl_next_wakeup(const struct controller *c)
{
	int first = soak_first(c);
	uint64_t soak = first >= 0 ? c->soaking[first].soak_until_ns : UINT64_MAX;

	switch (c->phase) {
	case CTL_LEAD:
		return c->phase_until_ns;
	case CTL_LAG:
		/* A queued run waits for its zone's soak, too. */
		return c->phase_until_ns < soak ? c->phase_until_ns : soak;
	case CTL_SOAKING:
		return soak;
	case CTL_WATERING:
		return run_next_wakeup(&c->run);
	case CTL_IDLE:
	case CTL_DECIDING:
		break;
	}
	return UINT64_MAX;
}

/* Soaking run i ends with outcome: it watered, so it is recorded. */
static void end_soaking(struct controller *c, size_t i, enum run_outcome outcome,
			struct ctl_actions *acts)
{
	struct run_request r;

	soak_remove(c, i, &r);
	act(acts, ACT_RUN_ENDED, r.zone, outcome, NAN, &r);
}

int ctl_skip(struct controller *c, uint64_t now, struct ctl_actions *acts)
{
	if (c->phase != CTL_WATERING && c->n_soaking && !ctl_current(c)) {
		end_soaking(c, (size_t)soak_first(c), RUN_STOPPED, acts);
		if (c->phase == CTL_SOAKING)
			next_run(c, now, acts);
		return 0;
	}
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

		/* Stopped before its valve opened: nothing watered to record
		 * (between two cycles it did water). */
		if (ended && outcome == RUN_STOPPED && !c->current.cycle)
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
	for (size_t i = 0; i < c->n_soaking; i++) {
		if (c->soaking[i].id != id)
			continue;
		end_soaking(c, i, RUN_STOPPED, acts);
		if (c->phase == CTL_SOAKING)
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
	while (c->n_soaking)
		end_soaking(c, c->n_soaking - 1, why, acts);
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
	for (size_t i = c->n_soaking; i-- > 0;) {
		struct run_request *r = &c->soaking[i];
		int to = (size_t)r->zone < n_old ? map[r->zone] : -1;

		if (to < 0)
			end_soaking(c, i, RUN_STOPPED, acts);
		else
			r->zone = to;
	}
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
	if (c->phase == CTL_LAG && !has_next(c, now) &&
	    c->phase_until_ns != UINT64_MAX)
		return;
	if (c->phase == CTL_IDLE || c->phase == CTL_LAG || c->phase == CTL_SOAKING)
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

size_t ctl_soaking_len(const struct controller *c)
{
	return c->n_soaking;
}

const struct run_request *ctl_soaking_at(const struct controller *c, size_t i)
{
	return i < c->n_soaking ? &c->soaking[i] : NULL;
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
