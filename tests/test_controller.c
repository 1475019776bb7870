/* Tests of the watering controller at virtual time: queue, skip, stop, --now, master valve, moisture rules, reload. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/controller.h"
#include "core/nsec.h"

#define S NS_PER_S
#define MIN (60 * S)
/* Monotonic time is since boot, not zero: starting elsewhere catches mixups. */
#define T0 (12345 * S)

#define PROGRAMMED 1u
#define NOW_FIRST 2u

#define MAX_RECS 512

struct rec {
	char tok[32];
	uint64_t at;
	enum ctl_action_kind kind;
	int zone;
	double moisture;
	enum run_outcome outcome;
	bool keep;
	struct run_request req;
};

/*
 * Plays the daemon and the garden: carries the actions out on pretend
 * hardware, checks after every action that the hardware stays in a state
 * a gardener would accept, and keeps a compact log of what happened.
 */
struct garden {
	struct controller c;
	uint64_t now;
	double moisture[CTL_MAX_ZONES];
	/* Added at each report of a zone watering: the soil wets. */
	double gain[CTL_MAX_ZONES];
	bool invalid[CTL_MAX_ZONES];
	/* A latched fault holds the zone: its runs end as they are decided. */
	bool held[CTL_MAX_ZONES];
	bool has_master;
	uint64_t lead_ns;
	/* The pretend hardware. */
	bool master;
	uint64_t master_on_at;
	int open_zone;
	/* Zone valves never switch closer than this (water hammer). */
	uint64_t min_switch_ns;
	uint64_t last_switch_at;
	bool switched;
	/* The run the last ACT_NEED_MOISTURE named. */
	uint32_t cur_id;
	int cur_zone;
	size_t reads;
	char log[4096];
	struct rec recs[MAX_RECS];
	size_t n_recs;
};

static void garden_init(struct garden *g, size_t n_zones)
{
	struct zone_policy none[CTL_MAX_ZONES];

	memset(g, 0, sizeof(*g));
	memset(none, 0, sizeof(none));
	g->now = T0;
	g->open_zone = -1;
	g->cur_zone = -1;
	for (size_t z = 0; z < CTL_MAX_ZONES; z++)
		g->moisture[z] = 50.0;
	ctl_init(&g->c, MIN);
	assert_int_equal(ctl_set_policy(&g->c, none, n_zones), 0);
}

static void garden_master(struct garden *g, uint64_t lead_ns, uint64_t lag_ns)
{
	g->has_master = true;
	g->lead_ns = lead_ns;
	ctl_set_master(&g->c, true, lead_ns, lag_ns);
}

static void garden_min_switch(struct garden *g, uint64_t min_switch_ns)
{
	g->min_switch_ns = min_switch_ns;
	ctl_set_min_switch(&g->c, min_switch_ns);
}

static void set_policy(struct garden *g, int zone, struct zone_policy p)
{
	struct zone_policy all[CTL_MAX_ZONES];

	memcpy(all, g->c.policy, sizeof(all));
	all[zone] = p;
	assert_int_equal(ctl_set_policy(&g->c, all, g->c.n_zones), 0);
}

static bool names_request(enum ctl_action_kind k)
{
	return k == ACT_NEED_MOISTURE || k == ACT_RUN_STARTED ||
	       k == ACT_REPORT || k == ACT_RUN_ENDED || k == ACT_DROPPED ||
	       k == ACT_CYCLE_ENDED || k == ACT_CYCLE_STARTED;
}

static void record(struct garden *g, const struct ctl_action *a)
{
	struct rec *r;
	size_t len = strlen(g->log);

	assert_true(g->n_recs < MAX_RECS);
	r = &g->recs[g->n_recs++];
	memset(r, 0, sizeof(*r));
	r->at = g->now;
	r->kind = a->kind;
	r->zone = a->zone;
	r->moisture = a->moisture;
	r->outcome = a->outcome;
	r->keep = a->keep;
	r->req = a->req;
	if (names_request(a->kind))
		assert_int_equal(a->zone, a->req.zone);

	switch (a->kind) {
	case ACT_MASTER_ON:
		snprintf(r->tok, sizeof(r->tok), "M+");
		assert_true(g->has_master);
		assert_false(g->master);
		g->master = true;
		g->master_on_at = g->now;
		break;
	case ACT_MASTER_OFF:
		snprintf(r->tok, sizeof(r->tok), "M-");
		assert_true(g->master);
		/* A closed master under an open zone valve starves it. */
		assert_int_equal(g->open_zone, -1);
		g->master = false;
		break;
	case ACT_VALVE_ON:
		snprintf(r->tok, sizeof(r->tok), "V+(%d)", a->zone);
		/* One zone at a time. */
		assert_int_equal(g->open_zone, -1);
		assert_int_equal(a->zone, g->cur_zone);
		if (g->has_master) {
			assert_true(g->master);
			assert_true(g->now >= g->master_on_at + g->lead_ns);
		}
		if (g->switched)
			assert_true(g->now >= g->last_switch_at + g->min_switch_ns);
		g->open_zone = a->zone;
		g->last_switch_at = g->now;
		g->switched = true;
		break;
	case ACT_VALVE_OFF:
		snprintf(r->tok, sizeof(r->tok), "V-(%d)", a->zone);
		assert_int_equal(a->zone, g->open_zone);
		g->open_zone = -1;
		g->last_switch_at = g->now;
		g->switched = true;
		break;
	case ACT_NEED_MOISTURE:
		snprintf(r->tok, sizeof(r->tok), "N(%d)", a->zone);
		assert_int_equal(g->open_zone, -1);
		assert_true(a->req.id != 0);
		g->cur_id = a->req.id;
		g->cur_zone = a->zone;
		break;
	case ACT_RUN_STARTED:
		snprintf(r->tok, sizeof(r->tok), "S(%d)", a->zone);
		assert_int_equal(a->req.id, g->cur_id);
		assert_int_equal(a->zone, g->open_zone);
		break;
	case ACT_REPORT:
		snprintf(r->tok, sizeof(r->tok), "R");
		assert_int_equal(a->req.id, g->cur_id);
		assert_int_equal(a->zone, g->open_zone);
		break;
	case ACT_RUN_ENDED:
		snprintf(r->tok, sizeof(r->tok), "E(%d,%s)", a->zone,
			 run_outcome_name(a->outcome));
		/* A run soaking between cycles ends while another is current. */
		if (a->req.id != g->cur_id) {
			assert_true(a->req.cycle > 0);
			assert_true(a->keep);
		} else {
			assert_int_equal(a->zone, g->cur_zone);
		}
		/* The record is written once the water is off. */
		assert_int_equal(g->open_zone, -1);
		if (a->outcome == RUN_SKIPPED || a->outcome == RUN_ENDED_EARLY)
			assert_false(isnan(a->moisture));
		else
			assert_true(isnan(a->moisture));
		break;
	case ACT_DROPPED:
		snprintf(r->tok, sizeof(r->tok), "D(%d,%s)", a->zone,
			 run_outcome_name(a->outcome));
		assert_true(a->req.id != 0);
		break;
	case ACT_CYCLE_ENDED:
		snprintf(r->tok, sizeof(r->tok), "K(%d)", a->zone);
		assert_int_equal(a->req.id, g->cur_id);
		assert_int_equal(g->open_zone, -1);
		assert_true(a->req.soak_until_ns > g->now);
		break;
	case ACT_CYCLE_STARTED:
		snprintf(r->tok, sizeof(r->tok), "C(%d)", a->zone);
		assert_int_equal(a->req.id, g->cur_id);
		assert_int_equal(a->zone, g->open_zone);
		assert_true(a->req.cycle > 1);
		break;
	default:
		fail_msg("unknown action kind %d", (int)a->kind);
	}
	assert_true(len + strlen(r->tok) + 2 < sizeof(g->log));
	snprintf(g->log + len, sizeof(g->log) - len, "%s%s", len ? " " : "",
		 r->tok);
}

/* As watering_carry_out() does: soil is read after NEED_MOISTURE and at every REPORT. */
static void carry_out(struct garden *g, struct ctl_actions *acts)
{
	while (acts->n) {
		const struct run_request *cur;
		bool need = false, report = false;
		int z;

		/* act() drops what does not fit: a full list may have lost some. */
		assert_true(acts->n < CTL_ACTIONS_MAX);
		for (size_t i = 0; i < acts->n; i++) {
			record(g, &acts->list[i]);
			need |= acts->list[i].kind == ACT_NEED_MOISTURE;
			report |= acts->list[i].kind == ACT_REPORT;
		}
		acts->n = 0;
		cur = ctl_current(&g->c);
		if (!cur || (!need && !report))
			break;
		z = cur->zone;
		if (need)
			assert_int_equal(z, g->cur_zone);
		if (need && g->held[z]) {
			assert_int_equal(ctl_end_run(&g->c, RUN_HELD, g->now, acts), 0);
			continue;
		}
		if (report)
			g->moisture[z] += g->gain[z];
		g->reads++;
		ctl_moisture(&g->c, g->moisture[z], !g->invalid[z], g->now, acts);
	}
}

static void tick(struct garden *g)
{
	struct ctl_actions acts = { .n = 0 };

	ctl_tick(&g->c, g->now, &acts);
	carry_out(g, &acts);
	/* A deadline at or before now would spin the daemon's timer. */
	assert_true(ctl_next_wakeup(&g->c) > g->now);
}

/* Wakes the controller at each deadline up to t, as the daemon's timer does. */
static void run_until(struct garden *g, uint64_t t)
{
	for (int guard = 0;; guard++) {
		uint64_t w = ctl_next_wakeup(&g->c);

		assert_true(guard < 10000);
		if (w > t)
			break;
		if (w > g->now)
			g->now = w;
		tick(g);
	}
	assert_true(t >= g->now);
	g->now = t;
}

static void run_until_idle(struct garden *g)
{
	for (int guard = 0; ctl_next_wakeup(&g->c) != UINT64_MAX; guard++) {
		assert_true(guard < 10000);
		if (ctl_next_wakeup(&g->c) > g->now)
			g->now = ctl_next_wakeup(&g->c);
		tick(g);
	}
}

static int try_enqueue(struct garden *g, int zone, uint32_t duration_s,
		       unsigned flags, size_t *ahead, uint32_t *id)
{
	struct run_request req;
	struct ctl_actions acts = { .n = 0 };
	int err;

	memset(&req, 0, sizeof(req));
	req.zone = zone;
	req.duration_s = duration_s;
	req.programmed = flags & PROGRAMMED;
	snprintf(req.source, sizeof(req.source), "%s",
		 flags & PROGRAMMED ? "lawn" : "manual");
	err = ctl_enqueue(&g->c, &req, flags & NOW_FIRST, g->now, ahead, &acts);
	if (err < 0)
		assert_int_equal(acts.n, 0);
	carry_out(g, &acts);
	*id = req.id;
	return err;
}

/* Queues a run that must be accepted with `ahead` runs before it; its id. */
static uint32_t enqueue(struct garden *g, int zone, uint32_t duration_s,
			unsigned flags, size_t ahead)
{
	size_t got = 999;
	uint32_t id = 0;

	assert_int_equal(try_enqueue(g, zone, duration_s, flags, &got, &id), 0);
	assert_int_equal(got, ahead);
	assert_true(id != 0);
	return id;
}

static void skip_zone(struct garden *g, int want)
{
	struct ctl_actions acts = { .n = 0 };

	assert_int_equal(ctl_skip(&g->c, g->now, &acts), want);
	carry_out(g, &acts);
}

static void stop(struct garden *g, enum run_outcome why)
{
	struct ctl_actions acts = { .n = 0 };

	ctl_stop(&g->c, why, g->now, &acts);
	carry_out(g, &acts);
}

static void kick(struct garden *g)
{
	struct ctl_actions acts = { .n = 0 };

	ctl_kick(&g->c, g->now, &acts);
	carry_out(g, &acts);
}

/*
 * A reload as daemon_reload() does it, without the kick: the actions
 * name the old zones, then the pretend hardware and soil take the new
 * numbering and the controller the new policies (none).
 */
static void reload(struct garden *g, const int *map, size_t n_old,
		   size_t n_new)
{
	struct ctl_actions acts = { .n = 0 };
	struct zone_policy none[CTL_MAX_ZONES];
	double moisture[CTL_MAX_ZONES];

	ctl_remap_zones(&g->c, map, n_old, g->now, &acts);
	carry_out(g, &acts);
	for (size_t z = 0; z < CTL_MAX_ZONES; z++)
		moisture[z] = 50.0;
	for (size_t z = 0; z < n_old; z++)
		if (map[z] >= 0)
			moisture[map[z]] = g->moisture[z];
	memcpy(g->moisture, moisture, sizeof(moisture));
	if (g->open_zone >= 0)
		g->open_zone = map[g->open_zone];
	if (g->cur_zone >= 0)
		g->cur_zone = map[g->cur_zone];
	memset(none, 0, sizeof(none));
	assert_int_equal(ctl_set_policy(&g->c, none, n_new), 0);
}

/* Checks and forgets the log so far. */
static void expect_log(struct garden *g, const char *want)
{
	assert_string_equal(g->log, want);
	g->log[0] = '\0';
}

/* The n-th (from 0) action written as tok since the start. */
static const struct rec *find(const struct garden *g, const char *tok, int n)
{
	for (size_t i = 0; i < g->n_recs; i++)
		if (!strcmp(g->recs[i].tok, tok) && n-- == 0)
			return &g->recs[i];
	fail_msg("no %s in the log", tok);
	return NULL;
}

static uint64_t when(const struct garden *g, const char *tok, int n)
{
	return find(g, tok, n)->at;
}

static size_t count(const struct garden *g, const char *tok)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n_recs; i++)
		n += !strcmp(g->recs[i].tok, tok);
	return n;
}

static void assert_idle(const struct garden *g)
{
	assert_int_equal(ctl_next_wakeup(&g->c), UINT64_MAX);
	assert_false(ctl_busy(&g->c));
	assert_null(ctl_current(&g->c));
	assert_int_equal(ctl_queue_len(&g->c), 0);
	assert_int_equal(g->open_zone, -1);
	assert_false(g->master);
}

static void test_one_manual_run(void **state)
{
	struct garden g;
	uint32_t id;

	(void)state;
	garden_init(&g, 3);
	id = enqueue(&g, 1, 5 * 60, 0, 0);
	expect_log(&g, "N(1) V+(1) S(1)");
	assert_int_equal(find(&g, "S(1)", 0)->req.id, id);
	assert_string_equal(find(&g, "S(1)", 0)->req.source, "manual");
	assert_int_equal(ctl_current(&g.c)->id, id);
	assert_true(ctl_busy(&g.c));
	assert_int_equal(ctl_next_wakeup(&g.c), T0 + MIN);

	run_until(&g, T0 + 5 * MIN - 1);
	expect_log(&g, "R R R R");
	for (int i = 0; i < 4; i++)
		assert_int_equal(when(&g, "R", i), T0 + (uint64_t)(i + 1) * MIN);
	assert_int_equal(g.open_zone, 1);

	run_until(&g, T0 + 5 * MIN);
	expect_log(&g, "V-(1) E(1,completed)");
	assert_int_equal(when(&g, "E(1,completed)", 0), T0 + 5 * MIN);
	assert_int_equal(find(&g, "E(1,completed)", 0)->req.id, id);
	/* The soil was read to decide, then at each report. */
	assert_int_equal(g.reads, 1 + 4);
	assert_idle(&g);

	run_until(&g, T0 + 60 * MIN);
	expect_log(&g, "");
}

/* The summary at the end stands in for a report due at that moment. */
static void test_report_never_at_the_end(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 1);
	enqueue(&g, 0, 90, 0, 0);
	run_until_idle(&g);
	expect_log(&g, "N(0) V+(0) S(0) R V-(0) E(0,completed)");
	assert_int_equal(when(&g, "E(0,completed)", 0), T0 + 90 * S);

	enqueue(&g, 0, 30, 0, 0);
	run_until_idle(&g);
	expect_log(&g, "N(0) V+(0) S(0) V-(0) E(0,completed)");
	assert_int_equal(when(&g, "E(0,completed)", 1), T0 + 120 * S);
}

static void test_second_run_waits_its_turn(void **state)
{
	struct garden g;
	uint32_t a, b;

	(void)state;
	garden_init(&g, 2);
	a = enqueue(&g, 0, 5 * 60, 0, 0);
	run_until(&g, T0 + 2 * MIN + 30 * S);
	expect_log(&g, "N(0) V+(0) S(0) R R");

	b = enqueue(&g, 1, 3 * 60, 0, 1);
	/* Nothing happens to the water until the first run ends. */
	expect_log(&g, "");
	assert_int_equal(ctl_current(&g.c)->id, a);
	assert_int_equal(ctl_queue_len(&g.c), 1);
	assert_int_equal(ctl_queue_at(&g.c, 0)->id, b);
	assert_null(ctl_queue_at(&g.c, 1));

	run_until_idle(&g);
	expect_log(&g, "R R V-(0) E(0,completed) N(1) V+(1) S(1) R R "
		   "V-(1) E(1,completed)");
	assert_int_equal(when(&g, "V+(1)", 0), T0 + 5 * MIN);
	assert_int_equal(when(&g, "E(1,completed)", 0), T0 + 8 * MIN);
	assert_int_equal(find(&g, "S(1)", 0)->req.id, b);
	assert_idle(&g);
}

static void test_program_steps_run_in_order(void **state)
{
	struct garden g;
	uint32_t id[3];

	(void)state;
	garden_init(&g, 3);
	id[0] = enqueue(&g, 2, 120, PROGRAMMED, 0);
	id[1] = enqueue(&g, 0, 60, PROGRAMMED, 1);
	id[2] = enqueue(&g, 1, 180, PROGRAMMED, 2);
	assert_true(id[0] < id[1] && id[1] < id[2]);
	assert_int_equal(ctl_queue_len(&g.c), 2);
	assert_int_equal(ctl_queue_at(&g.c, 0)->zone, 0);
	assert_int_equal(ctl_queue_at(&g.c, 1)->zone, 1);

	run_until_idle(&g);
	expect_log(&g, "N(2) V+(2) S(2) R V-(2) E(2,completed) "
		   "N(0) V+(0) S(0) V-(0) E(0,completed) "
		   "N(1) V+(1) S(1) R R V-(1) E(1,completed)");
	assert_int_equal(when(&g, "E(2,completed)", 0), T0 + 2 * MIN);
	assert_int_equal(when(&g, "E(0,completed)", 0), T0 + 3 * MIN);
	assert_int_equal(when(&g, "E(1,completed)", 0), T0 + 6 * MIN);
	assert_int_equal(find(&g, "E(2,completed)", 0)->req.id, id[0]);
	assert_int_equal(find(&g, "E(0,completed)", 0)->req.id, id[1]);
	assert_int_equal(find(&g, "E(1,completed)", 0)->req.id, id[2]);
	assert_string_equal(find(&g, "S(0)", 0)->req.source, "lawn");
	assert_idle(&g);
}

static void test_now_first_goes_before_the_queue(void **state)
{
	struct garden g;
	uint32_t a, b, c, d;

	(void)state;
	garden_init(&g, 4);
	a = enqueue(&g, 0, 10 * 60, 0, 0);
	b = enqueue(&g, 1, 2 * 60, 0, 1);
	d = enqueue(&g, 3, 60, 0, 2);
	run_until(&g, T0 + 3 * MIN);
	expect_log(&g, "N(0) V+(0) S(0) R R R");

	c = enqueue(&g, 2, 60, NOW_FIRST, 0);
	expect_log(&g, "V-(0) E(0,stopped) N(2) V+(2) S(2)");
	assert_int_equal(find(&g, "E(0,stopped)", 0)->req.id, a);
	assert_int_equal(find(&g, "S(2)", 0)->req.id, c);
	assert_int_equal(ctl_current(&g.c)->id, c);
	assert_int_equal(ctl_queue_len(&g.c), 2);
	assert_int_equal(ctl_queue_at(&g.c, 0)->id, b);
	assert_int_equal(ctl_queue_at(&g.c, 1)->id, d);

	run_until_idle(&g);
	/* The stopped run does not come back. */
	expect_log(&g, "V-(2) E(2,completed) N(1) V+(1) S(1) R V-(1) "
		   "E(1,completed) N(3) V+(3) S(3) V-(3) E(3,completed)");
	assert_int_equal(when(&g, "E(2,completed)", 0), T0 + 4 * MIN);
	assert_int_equal(count(&g, "S(0)"), 1);
	assert_idle(&g);

	/* With nothing going on it simply starts. */
	enqueue(&g, 1, 60, NOW_FIRST, 0);
	expect_log(&g, "N(1) V+(1) S(1)");
}

static void test_skip_ends_only_the_current_zone(void **state)
{
	struct garden g;
	struct controller before;
	struct ctl_actions acts = { .n = 0 };
	uint32_t a, b;

	(void)state;
	garden_init(&g, 2);
	a = enqueue(&g, 0, 5 * 60, 0, 0);
	b = enqueue(&g, 1, 2 * 60, 0, 1);
	run_until(&g, T0 + 2 * MIN + 10 * S);
	expect_log(&g, "N(0) V+(0) S(0) R R");

	skip_zone(&g, 0);
	expect_log(&g, "V-(0) E(0,stopped) N(1) V+(1) S(1)");
	assert_int_equal(find(&g, "E(0,stopped)", 0)->req.id, a);
	assert_int_equal(ctl_current(&g.c)->id, b);
	/* The next run gets its whole time. */
	assert_int_equal(ctl_next_wakeup(&g.c), T0 + 3 * MIN + 10 * S);
	run_until_idle(&g);
	expect_log(&g, "R V-(1) E(1,completed)");
	assert_int_equal(when(&g, "E(1,completed)", 0), T0 + 4 * MIN + 10 * S);
	assert_idle(&g);

	memcpy(&before, &g.c, sizeof(before));
	assert_int_equal(ctl_skip(&g.c, g.now, &acts), -ENOENT);
	assert_int_equal(acts.n, 0);
	assert_memory_equal(&g.c, &before, sizeof(before));
}

static void test_end_run_holds_or_caps_and_the_queue_goes_on(void **state)
{
	struct garden g;
	struct controller before;
	struct ctl_actions acts = { .n = 0 };
	uint32_t held;

	(void)state;
	garden_init(&g, 3);
	g.held[0] = true;
	held = enqueue(&g, 0, 60, PROGRAMMED, 0);
	enqueue(&g, 1, 60, 0, 0);
	enqueue(&g, 2, 60, 0, 1);
	/* The held run never opens its valve; the next one waters at once. */
	expect_log(&g, "N(0) E(0,held) N(1) V+(1) S(1)");
	assert_int_equal(find(&g, "E(0,held)", 0)->req.id, held);
	run_until(&g, T0 + 30 * S);
	/* A cap ends the run watering now, and the queue goes on. */
	assert_int_equal(ctl_end_run(&g.c, RUN_CAPPED, g.now, &acts), 0);
	carry_out(&g, &acts);
	expect_log(&g, "V-(1) E(1,capped) N(2) V+(2) S(2)");
	run_until_idle(&g);
	assert_idle(&g);
	memcpy(&before, &g.c, sizeof(before));
	assert_int_equal(ctl_end_run(&g.c, RUN_CAPPED, g.now, &acts), -ENOENT);
	assert_int_equal(acts.n, 0);
	assert_memory_equal(&g.c, &before, sizeof(before));
}

static void test_a_held_run_never_opens_the_master(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 2);
	garden_master(&g, 5 * S, 10 * S);
	g.held[0] = true;
	enqueue(&g, 0, 60, 0, 0);
	/* Decided before the master opens: nothing opens at all. */
	expect_log(&g, "N(0) E(0,held)");
	assert_false(g.master);
	assert_idle(&g);
}

static void test_skip_of_the_last_run(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 2);
	enqueue(&g, 1, 5 * 60, 0, 0);
	run_until(&g, T0 + 30 * S);
	skip_zone(&g, 0);
	expect_log(&g, "N(1) V+(1) S(1) V-(1) E(1,stopped)");
	assert_idle(&g);
	skip_zone(&g, -ENOENT);
	expect_log(&g, "");
}

static void test_stop_drops_everything(void **state)
{
	struct garden g;
	uint32_t a, b, c;

	(void)state;
	garden_init(&g, 3);
	garden_master(&g, 5 * S, 30 * S);
	a = enqueue(&g, 0, 5 * 60, 0, 0);
	b = enqueue(&g, 1, 5 * 60, PROGRAMMED, 1);
	c = enqueue(&g, 2, 5 * 60, 0, 2);
	run_until(&g, T0 + 2 * MIN);
	expect_log(&g, "N(0) M+ V+(0) S(0) R");

	stop(&g, RUN_STOPPED);
	/* The master does not wait out its lag. */
	expect_log(&g, "V-(0) E(0,stopped) D(1,stopped) D(2,stopped) M-");
	assert_int_equal(find(&g, "E(0,stopped)", 0)->req.id, a);
	assert_int_equal(find(&g, "D(1,stopped)", 0)->req.id, b);
	assert_int_equal(find(&g, "D(2,stopped)", 0)->req.id, c);
	assert_int_equal(when(&g, "M-", 0), T0 + 2 * MIN);
	assert_idle(&g);
	run_until(&g, T0 + 60 * MIN);
	expect_log(&g, "");

	stop(&g, RUN_STOPPED);
	expect_log(&g, "");

	/* Afterwards the controller works as new. */
	enqueue(&g, 2, 60, 0, 0);
	run_until_idle(&g);
	expect_log(&g, "N(2) M+ V+(2) S(2) V-(2) E(2,completed) M-");
	assert_idle(&g);
}

static void test_stop_says_why(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 2);
	enqueue(&g, 0, 60, 0, 0);
	enqueue(&g, 1, 60, 0, 1);
	stop(&g, RUN_SHUTDOWN);
	expect_log(&g, "N(0) V+(0) S(0) V-(0) E(0,interrupted) "
		   "D(1,interrupted)");
	assert_idle(&g);
}

static void cancel(struct garden *g, uint32_t id, int want)
{
	struct ctl_actions acts = { .n = 0 };

	assert_int_equal(ctl_cancel(&g->c, id, g->now, &acts), want);
	carry_out(g, &acts);
}

/* One run ends, whichever its place; the others keep theirs. */
static void test_cancel_ends_one_run(void **state)
{
	struct garden g;
	struct controller before;
	struct ctl_actions acts = { .n = 0 };
	uint32_t a, b, c, d;

	(void)state;
	garden_init(&g, 3);
	a = enqueue(&g, 0, 5 * 60, 0, 0);
	b = enqueue(&g, 1, 60, 0, 1);
	c = enqueue(&g, 2, 60, 0, 2);
	d = enqueue(&g, 1, 60, 0, 3);
	run_until(&g, T0 + 10 * S);
	expect_log(&g, "N(0) V+(0) S(0)");
	/* Queued in the middle: it leaves, the queue closes up. */
	cancel(&g, c, 0);
	expect_log(&g, "D(2,stopped)");
	assert_int_equal(find(&g, "D(2,stopped)", 0)->req.id, c);
	assert_int_equal(ctl_queue_len(&g.c), 2);
	assert_int_equal(ctl_queue_at(&g.c, 0)->id, b);
	assert_int_equal(ctl_queue_at(&g.c, 1)->id, d);
	/* Watering: its valve closes and the next run starts. */
	cancel(&g, a, 0);
	expect_log(&g, "V-(0) E(0,stopped) N(1) V+(1) S(1)");
	assert_int_equal(ctl_current(&g.c)->id, b);
	/* Gone already, or never there: nothing changes. */
	memcpy(&before, &g.c, sizeof(before));
	assert_int_equal(ctl_cancel(&g.c, c, g.now, &acts), -ENOENT);
	assert_int_equal(ctl_cancel(&g.c, 999, g.now, &acts), -ENOENT);
	assert_int_equal(acts.n, 0);
	assert_memory_equal(&g.c, &before, sizeof(before));
	run_until_idle(&g);
	expect_log(&g, "V-(1) E(1,completed) N(1) V+(1) S(1) V-(1) E(1,completed)");
	assert_idle(&g);
}

/* In the master's lead a run has not watered: it is dropped, the master closes. */
static void test_cancel_during_the_lead(void **state)
{
	struct garden g;
	uint32_t a;

	(void)state;
	garden_init(&g, 2);
	garden_master(&g, 10 * S, 0);
	a = enqueue(&g, 0, 60, 0, 0);
	run_until(&g, T0 + 5 * S);
	cancel(&g, a, 0);
	expect_log(&g, "N(0) M+ D(0,stopped) M-");
	assert_idle(&g);
}

static void test_stop_during_lead_and_lag(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 2);
	garden_master(&g, 10 * S, 30 * S);
	enqueue(&g, 0, 60, 0, 0);
	enqueue(&g, 1, 60, 0, 1);
	run_until(&g, T0 + 5 * S);
	stop(&g, RUN_STOPPED);
	/* No valve had opened yet. */
	expect_log(&g, "N(0) M+ D(0,stopped) D(1,stopped) M-");
	assert_idle(&g);

	enqueue(&g, 0, 60, 0, 0);
	run_until(&g, T0 + 5 * S + 10 * S + MIN + 5 * S);
	expect_log(&g, "N(0) M+ V+(0) S(0) V-(0) E(0,completed)");
	assert_true(g.master);
	stop(&g, RUN_STOPPED);
	expect_log(&g, "M-");
	assert_idle(&g);
}

static void test_master_lead_and_lag(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 2);
	garden_master(&g, 5 * S, 10 * S);
	enqueue(&g, 0, 60, 0, 0);
	enqueue(&g, 1, 120, 0, 1);
	/* The pipe fills before a zone opens. */
	expect_log(&g, "N(0) M+");
	assert_int_equal(ctl_next_wakeup(&g.c), T0 + 5 * S);
	run_until(&g, T0 + 5 * S - 1);
	expect_log(&g, "");
	run_until(&g, T0 + 5 * S);
	expect_log(&g, "V+(0) S(0)");

	run_until(&g, T0 + 5 * S + 3 * MIN + 10 * S - 1);
	/* The master stays open from one zone to the next. */
	expect_log(&g, "V-(0) E(0,completed) N(1) V+(1) S(1) R V-(1) "
		   "E(1,completed)");
	assert_true(g.master);
	assert_int_equal(when(&g, "V+(1)", 0), T0 + 5 * S + MIN);
	run_until(&g, T0 + 5 * S + 3 * MIN + 10 * S);
	expect_log(&g, "M-");
	assert_int_equal(when(&g, "M-", 0),
			 when(&g, "V-(1)", 0) + 10 * S);
	assert_idle(&g);
}

static void test_run_queued_in_the_lag_reuses_the_master(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 2);
	garden_master(&g, 5 * S, 10 * S);
	enqueue(&g, 0, 60, 0, 0);
	run_until(&g, T0 + 5 * S + MIN + 4 * S);
	expect_log(&g, "N(0) M+ V+(0) S(0) V-(0) E(0,completed)");
	assert_true(g.master);
	assert_true(ctl_busy(&g.c));

	enqueue(&g, 1, 60, 0, 0);
	/* The water is already there: no lead again. */
	expect_log(&g, "N(1) V+(1) S(1)");
	run_until_idle(&g);
	expect_log(&g, "V-(1) E(1,completed) M-");
	assert_int_equal(count(&g, "M+"), 1);
	assert_int_equal(when(&g, "M-", 0), T0 + 5 * S + 2 * MIN + 4 * S + 10 * S);
	assert_idle(&g);
}

/* --now while the master fills the pipe, and while it lags. */
static void test_now_first_around_the_master(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 3);
	garden_master(&g, 5 * S, 10 * S);
	enqueue(&g, 0, 60, 0, 0);
	enqueue(&g, 1, 60, 0, 1);
	run_until(&g, T0 + 2 * S);
	enqueue(&g, 2, 60, NOW_FIRST, 0);
	/* Zone 0 had not watered: it goes back behind the new run, and the
	 * lead already begun is not started over. */
	expect_log(&g, "N(0) M+ N(2)");
	run_until(&g, T0 + 5 * S + 3 * MIN + 2 * S);
	expect_log(&g, "V+(2) S(2) V-(2) E(2,completed) N(0) V+(0) S(0) "
		   "V-(0) E(0,completed) N(1) V+(1) S(1) V-(1) E(1,completed)");
	assert_int_equal(when(&g, "V+(2)", 0), T0 + 5 * S);

	enqueue(&g, 0, 60, NOW_FIRST, 0);
	run_until_idle(&g);
	expect_log(&g, "N(0) V+(0) S(0) V-(0) E(0,completed) M-");
	assert_int_equal(count(&g, "M+"), 1);
	assert_idle(&g);
}

/* The daemon kicks after every reload; that must not hold the master open. */
static void test_kick_during_the_lag_keeps_its_end(void **state)
{
	struct garden g;
	const int same[2] = { 0, 1 };

	(void)state;
	garden_init(&g, 2);
	garden_master(&g, 0, 30 * S);
	enqueue(&g, 0, 60, 0, 0);
	run_until(&g, T0 + MIN + 20 * S);
	expect_log(&g, "N(0) M+ V+(0) S(0) V-(0) E(0,completed)");
	reload(&g, same, 2, 2);
	kick(&g);
	expect_log(&g, "");
	run_until_idle(&g);
	expect_log(&g, "M-");
	assert_int_equal(when(&g, "M-", 0), T0 + MIN + 30 * S);
	assert_idle(&g);
}

static void test_master_without_lead_or_lag(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 2);
	garden_master(&g, 0, 0);
	enqueue(&g, 0, 60, 0, 0);
	expect_log(&g, "N(0) M+ V+(0) S(0)");
	enqueue(&g, 1, 60, 0, 1);
	run_until_idle(&g);
	expect_log(&g, "V-(0) E(0,completed) N(1) V+(1) S(1) V-(1) "
		   "E(1,completed) M-");
	assert_int_equal(when(&g, "M-", 0), T0 + 2 * MIN);
	assert_idle(&g);
}

static void test_no_master_no_master_actions(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 2);
	enqueue(&g, 0, 60, 0, 0);
	enqueue(&g, 1, 60, 0, 1);
	run_until(&g, T0 + 90 * S);
	stop(&g, RUN_STOPPED);
	enqueue(&g, 1, 60, 0, 0);
	run_until_idle(&g);
	expect_log(&g, "N(0) V+(0) S(0) V-(0) E(0,completed) N(1) V+(1) S(1) "
		   "V-(1) E(1,stopped) N(1) V+(1) S(1) V-(1) E(1,completed)");
	assert_idle(&g);
}

/* What a run of zone 0 does with skip_above 40 at moisture m. */
static void skip_rule(struct garden *g, double m, bool valid, unsigned flags)
{
	garden_init(g, 2);
	set_policy(g, 0, (struct zone_policy){ .has_skip_above = true,
					       .skip_above = 40.0 });
	g->moisture[0] = m;
	g->invalid[0] = !valid;
	enqueue(g, 0, 60, flags, 0);
	run_until_idle(g);
}

static void test_moisture_skips_a_programmed_run(void **state)
{
	struct garden g;

	(void)state;
	skip_rule(&g, 55.0, true, PROGRAMMED);
	expect_log(&g, "N(0) E(0,skipped)");
	assert_true(find(&g, "E(0,skipped)", 0)->moisture == 55.0);
	assert_int_equal(when(&g, "E(0,skipped)", 0), T0);
	assert_idle(&g);

	/* A person asked for this one. */
	skip_rule(&g, 55.0, true, 0);
	expect_log(&g, "N(0) V+(0) S(0) V-(0) E(0,completed)");

	/* Without a reading the plain schedule holds. */
	skip_rule(&g, 55.0, false, PROGRAMMED);
	expect_log(&g, "N(0) V+(0) S(0) V-(0) E(0,completed)");

	skip_rule(&g, 40.0, true, PROGRAMMED);
	expect_log(&g, "N(0) V+(0) S(0) V-(0) E(0,completed)");

	skip_rule(&g, 40.01, true, PROGRAMMED);
	expect_log(&g, "N(0) E(0,skipped)");
}

static void test_skipped_run_lets_the_next_go(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 2);
	garden_master(&g, 5 * S, 10 * S);
	set_policy(&g, 1, (struct zone_policy){ .has_skip_above = true,
						.skip_above = 30.0 });
	g.moisture[1] = 45.0;
	/* Zone 0 has no rule: it waters whatever its soil says. */
	g.moisture[0] = 99.0;
	enqueue(&g, 1, 60, PROGRAMMED, 0);
	/* The skip was decided at once: nothing is ahead of the next run. */
	enqueue(&g, 0, 60, PROGRAMMED, 0);
	run_until_idle(&g);
	/* The skip is decided before the master opens: no pump runs for it. */
	expect_log(&g, "N(1) E(1,skipped) N(0) M+ V+(0) S(0) V-(0) "
		   "E(0,completed) M-");
	assert_int_equal(when(&g, "E(1,skipped)", 0), T0);
	assert_int_equal(when(&g, "V+(0)", 0), T0 + 5 * S);
	assert_int_equal(count(&g, "V+(1)"), 0);
	assert_idle(&g);
}

static void test_moisture_ends_a_run_early(void **state)
{
	struct garden g;
	uint32_t a;

	(void)state;
	garden_init(&g, 2);
	set_policy(&g, 0, (struct zone_policy){ .has_stop_at = true,
						.stop_at = 60.0 });
	g.moisture[0] = 50.0;
	g.gain[0] = 5.0;
	g.moisture[1] = 50.0;
	g.gain[1] = 30.0;
	a = enqueue(&g, 0, 10 * 60, 0, 0);
	enqueue(&g, 1, 3 * 60, 0, 1);

	/* 55 then 60 reaches the target at the second report. */
	run_until(&g, T0 + 2 * MIN);
	expect_log(&g, "N(0) V+(0) S(0) R R V-(0) E(0,ended-early) "
		   "N(1) V+(1) S(1)");
	assert_int_equal(when(&g, "E(0,ended-early)", 0), T0 + 2 * MIN);
	assert_true(find(&g, "E(0,ended-early)", 0)->moisture == 60.0);
	assert_int_equal(find(&g, "E(0,ended-early)", 0)->req.id, a);

	/* Zone 1 has no target: 80, 110 do not end it. */
	run_until_idle(&g);
	expect_log(&g, "R R V-(1) E(1,completed)");
	assert_int_equal(when(&g, "E(1,completed)", 0), T0 + 5 * MIN);
	assert_idle(&g);
}

static void test_unreadable_soil_never_ends_early(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 1);
	set_policy(&g, 0, (struct zone_policy){ .has_stop_at = true,
						.stop_at = 60.0 });
	g.moisture[0] = 90.0;
	g.invalid[0] = true;
	enqueue(&g, 0, 3 * 60, 0, 0);
	run_until_idle(&g);
	expect_log(&g, "N(0) V+(0) S(0) R R V-(0) E(0,completed)");
}

static void test_queue_full_changes_nothing(void **state)
{
	struct garden g;
	struct controller before;
	size_t ahead = 999;
	uint32_t id = 0, first, last;

	(void)state;
	garden_init(&g, 2);
	first = last = enqueue(&g, 0, 60, 0, 0);
	for (size_t i = 0; i < CTL_QUEUE_MAX; i++) {
		uint32_t next = enqueue(&g, (int)(i % 2), 60, PROGRAMMED, i + 1);

		assert_true(next > last);
		last = next;
	}
	assert_int_equal(ctl_queue_len(&g.c), CTL_QUEUE_MAX);
	expect_log(&g, "N(0) V+(0) S(0)");

	memcpy(&before, &g.c, sizeof(before));
	assert_int_equal(try_enqueue(&g, 1, 60, 0, &ahead, &id), -ENOSPC);
	assert_int_equal(try_enqueue(&g, 1, 60, NOW_FIRST, &ahead, &id),
			 -ENOSPC);
	assert_memory_equal(&g.c, &before, sizeof(before));
	expect_log(&g, "");

	/* Every queued run still waters, in order, and nothing more. */
	run_until_idle(&g);
	assert_int_equal(count(&g, "E(0,completed)") + count(&g, "E(1,completed)"),
			 CTL_QUEUE_MAX + 1);
	assert_int_equal(find(&g, "E(1,completed)", 0)->req.id, first + 2);
	assert_int_equal(find(&g, "E(0,completed)", CTL_QUEUE_MAX / 2)->req.id,
			 last - 1);
	assert_int_equal(when(&g, "E(1,completed)", CTL_QUEUE_MAX / 2 - 1),
			 T0 + (CTL_QUEUE_MAX + 1) * MIN);
	assert_idle(&g);
}

static void test_full_queue_stop_names_every_run(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 1);
	garden_master(&g, 0, 10 * S);
	enqueue(&g, 0, 60, 0, 0);
	for (size_t i = 0; i < CTL_QUEUE_MAX; i++)
		enqueue(&g, 0, 60, 0, i + 1);
	stop(&g, RUN_STOPPED);
	assert_int_equal(count(&g, "D(0,stopped)"), CTL_QUEUE_MAX);
	assert_int_equal(count(&g, "M-"), 1);
	assert_idle(&g);
}

/* Every bad request is refused whatever the flags, and leaves no trace. */
static void refuse_bad_requests(struct garden *g)
{
	struct controller before;
	size_t ahead = 999;
	uint32_t id = 0;

	memcpy(&before, &g->c, sizeof(before));
	for (unsigned f = 0; f < 4; f++) {
		assert_int_equal(try_enqueue(g, -1, 60, f, &ahead, &id), -EINVAL);
		assert_int_equal(try_enqueue(g, 3, 60, f, &ahead, &id), -EINVAL);
		assert_int_equal(try_enqueue(g, CTL_MAX_ZONES, 60, f, &ahead, &id),
				 -EINVAL);
		assert_int_equal(try_enqueue(g, 0, 0, f, &ahead, &id), -EINVAL);
	}
	assert_memory_equal(&g->c, &before, sizeof(before));
	expect_log(g, "");
}

static void test_bad_request_changes_nothing(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 3);
	refuse_bad_requests(&g);
	enqueue(&g, 2, 60, 0, 0);
	enqueue(&g, 1, 60, 0, 1);
	expect_log(&g, "N(2) V+(2) S(2)");
	refuse_bad_requests(&g);
	run_until_idle(&g);
	expect_log(&g, "V-(2) E(2,completed) N(1) V+(1) S(1) V-(1) "
		   "E(1,completed)");
}

static void test_every_action_names_its_request(void **state)
{
	struct garden g;
	uint32_t ids[6];
	int zones[6] = { 0, 1, 2, 1, 0, 2 };

	(void)state;
	garden_init(&g, 3);
	set_policy(&g, 2, (struct zone_policy){ .has_skip_above = true,
						.skip_above = 10.0 });
	ids[0] = enqueue(&g, zones[0], 60, 0, 0);
	ids[1] = enqueue(&g, zones[1], 60, PROGRAMMED, 1);
	ids[2] = enqueue(&g, zones[2], 60, PROGRAMMED, 2);
	ids[3] = enqueue(&g, zones[3], 120, 0, 3);
	run_until(&g, T0 + 3 * MIN + 30 * S);
	ids[4] = enqueue(&g, zones[4], 60, 0, 1);
	ids[5] = enqueue(&g, zones[5], 60, 0, 2);
	stop(&g, RUN_STOPPED);
	expect_log(&g, "N(0) V+(0) S(0) V-(0) E(0,completed) "
		   "N(1) V+(1) S(1) V-(1) E(1,completed) "
		   "N(2) E(2,skipped) N(1) V+(1) S(1) R V-(1) E(1,stopped) "
		   "D(0,stopped) D(2,stopped)");
	for (int i = 1; i < 6; i++)
		assert_true(ids[i] > ids[i - 1]);
	/* Each id stays with its own zone, source and length. */
	for (size_t i = 0; i < g.n_recs; i++) {
		const struct rec *r = &g.recs[i];
		int k;

		if (!names_request(r->kind))
			continue;
		for (k = 0; k < 6 && ids[k] != r->req.id; k++)
			;
		assert_true(k < 6);
		assert_int_equal(r->req.zone, zones[k]);
		assert_int_equal(r->req.duration_s, k == 3 ? 120 : 60);
		assert_int_equal(r->req.programmed, k == 1 || k == 2);
	}
	assert_int_equal(find(&g, "E(1,stopped)", 0)->req.id, ids[3]);
	assert_int_equal(find(&g, "D(0,stopped)", 0)->req.id, ids[4]);
	assert_int_equal(find(&g, "D(2,stopped)", 0)->req.id, ids[5]);

	/* Ids are never reused, even once everything is done. */
	assert_true(enqueue(&g, 0, 60, 0, 0) > ids[5]);
}

static void test_reload_renumbers_and_drops(void **state)
{
	struct garden g;
	/* Zone 2 is gone; the others move. */
	const int map[4] = { 2, 0, -1, 1 };
	uint32_t a, b, c, d;

	(void)state;
	garden_init(&g, 4);
	a = enqueue(&g, 1, 5 * 60, 0, 0);
	b = enqueue(&g, 2, 60, 0, 1);
	c = enqueue(&g, 0, 60, 0, 2);
	d = enqueue(&g, 3, 60, 0, 3);
	run_until(&g, T0 + 90 * S);
	expect_log(&g, "N(1) V+(1) S(1) R");

	reload(&g, map, 4, 3);
	expect_log(&g, "D(2,stopped)");
	assert_int_equal(find(&g, "D(2,stopped)", 0)->req.id, b);
	/* The run going on keeps watering, now as zone 0. */
	assert_int_equal(ctl_current(&g.c)->id, a);
	assert_int_equal(ctl_current(&g.c)->zone, 0);
	assert_int_equal(ctl_queue_len(&g.c), 2);
	assert_int_equal(ctl_queue_at(&g.c, 0)->id, c);
	assert_int_equal(ctl_queue_at(&g.c, 0)->zone, 2);
	assert_int_equal(ctl_queue_at(&g.c, 1)->id, d);
	assert_int_equal(ctl_queue_at(&g.c, 1)->zone, 1);
	kick(&g);
	expect_log(&g, "");

	run_until_idle(&g);
	expect_log(&g, "R R R V-(0) E(0,completed) N(2) V+(2) S(2) V-(2) "
		   "E(2,completed) N(1) V+(1) S(1) V-(1) E(1,completed)");
	assert_int_equal(when(&g, "E(0,completed)", 0), T0 + 5 * MIN);
	assert_int_equal(find(&g, "E(0,completed)", 0)->req.id, a);
	assert_idle(&g);
}

static void test_reload_stops_a_removed_zone(void **state)
{
	struct garden g;
	const int map[3] = { 0, -1, 1 };
	uint32_t a, b;

	(void)state;
	garden_init(&g, 3);
	garden_master(&g, 5 * S, 10 * S);
	a = enqueue(&g, 1, 5 * 60, 0, 0);
	b = enqueue(&g, 2, 60, 0, 1);
	run_until(&g, T0 + 2 * MIN);
	expect_log(&g, "N(1) M+ V+(1) S(1) R");

	reload(&g, map, 3, 2);
	/* Its actions name the zone as the old config knew it. */
	expect_log(&g, "V-(1) E(1,stopped)");
	assert_int_equal(find(&g, "E(1,stopped)", 0)->req.id, a);
	assert_null(ctl_current(&g.c));
	assert_int_equal(ctl_queue_at(&g.c, 0)->id, b);
	assert_int_equal(ctl_queue_at(&g.c, 0)->zone, 1);
	/* Nothing starts under a half-applied config. */
	run_until(&g, T0 + 30 * MIN);
	expect_log(&g, "");

	kick(&g);
	expect_log(&g, "N(1) V+(1) S(1)");
	assert_int_equal(find(&g, "S(1)", 1)->req.id, b);
	run_until_idle(&g);
	expect_log(&g, "V-(1) E(1,completed) M-");
	assert_int_equal(count(&g, "M+"), 1);
	assert_idle(&g);
}

static void test_reload_removing_the_last_run(void **state)
{
	struct garden g;
	const int map[2] = { -1, 0 };

	(void)state;
	garden_init(&g, 2);
	garden_master(&g, 5 * S, 10 * S);
	enqueue(&g, 0, 5 * 60, 0, 0);
	run_until(&g, T0 + 30 * S);
	reload(&g, map, 2, 1);
	kick(&g);
	run_until_idle(&g);
	expect_log(&g, "N(0) M+ V+(0) S(0) V-(0) E(0,stopped) M-");
	assert_int_equal(when(&g, "M-", 0), T0 + 40 * S);
	assert_idle(&g);

	/* Without a master nothing waits for the kick either. */
	garden_init(&g, 2);
	enqueue(&g, 0, 5 * 60, 0, 0);
	reload(&g, map, 2, 1);
	expect_log(&g, "N(0) V+(0) S(0) V-(0) E(0,stopped)");
	kick(&g);
	expect_log(&g, "");
	assert_idle(&g);
}

static void test_late_tick_keeps_the_run_end(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 2);
	enqueue(&g, 0, 5 * 60, 0, 0);
	enqueue(&g, 1, 2 * 60, 0, 1);
	expect_log(&g, "N(0) V+(0) S(0)");

	/* The Pi was busy for three and a half minutes: one report. */
	g.now = T0 + 3 * MIN + 30 * S;
	tick(&g);
	expect_log(&g, "R");
	assert_int_equal(ctl_next_wakeup(&g.c), T0 + 4 * MIN);

	g.now = T0 + 20 * MIN;
	tick(&g);
	expect_log(&g, "V-(0) E(0,completed) N(1) V+(1) S(1)");
	/* The next run gets its whole time from when it really started. */
	run_until_idle(&g);
	expect_log(&g, "R V-(1) E(1,completed)");
	assert_int_equal(when(&g, "E(1,completed)", 0), T0 + 22 * MIN);
	assert_idle(&g);
}

static void test_late_tick_with_a_master(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 1);
	garden_master(&g, 5 * S, 10 * S);
	enqueue(&g, 0, 60, 0, 0);
	g.now = T0 + 10 * MIN;
	tick(&g);
	expect_log(&g, "N(0) M+ V+(0) S(0)");
	g.now = T0 + 20 * MIN;
	tick(&g);
	expect_log(&g, "V-(0) E(0,completed)");
	g.now = T0 + 30 * MIN;
	tick(&g);
	expect_log(&g, "M-");
	assert_idle(&g);
}

/*
 * A valve that closes holds the next opening back for the switch
 * interval: the run waits, then waters its whole duration.
 */
static void test_a_valve_opens_no_sooner_than_the_switch_interval(void **state)
{
	struct garden g;
	uint64_t opened;
	uint32_t b;

	(void)state;
	garden_init(&g, 2);
	garden_min_switch(&g, 2 * S);
	enqueue(&g, 0, 60, 0, 0);
	expect_log(&g, "N(0) V+(0) S(0)");
	run_until(&g, T0 + 10 * S);
	b = enqueue(&g, 1, 60, NOW_FIRST, 0);
	/* Closing never waits; the opening does. */
	expect_log(&g, "V-(0) E(0,stopped) N(1)");
	assert_int_equal(when(&g, "V-(0)", 0), T0 + 10 * S);
	assert_int_equal(ctl_current(&g.c)->id, b);
	assert_int_equal(ctl_next_wakeup(&g.c), T0 + 12 * S);
	run_until(&g, T0 + 12 * S - 1);
	expect_log(&g, "");
	run_until_idle(&g);
	expect_log(&g, "V+(1) S(1) V-(1) E(1,completed)");
	opened = when(&g, "V+(1)", 0);
	assert_int_equal(opened, T0 + 12 * S);
	/* Delayed, never shortened. */
	assert_int_equal(when(&g, "E(1,completed)", 0), opened + MIN);
	/* Runs in a row are spaced too. */
	enqueue(&g, 0, 60, 0, 0);
	enqueue(&g, 1, 60, 0, 1);
	run_until_idle(&g);
	assert_int_equal(when(&g, "V+(1)", 1), when(&g, "V-(0)", 1) + 2 * S);
}

/*
 * 50 alternating --now requests 20 ms apart: the valves switch twice,
 * not 75 times, and the run cut short within its first second is left
 * out of the history while its request is still ended and reported.
 */
static void test_a_burst_of_now_requests_switches_valves_rarely(void **state)
{
	struct garden g;
	uint32_t first;
	size_t ahead;
	uint32_t id;

	(void)state;
	garden_init(&g, 2);
	garden_min_switch(&g, 2 * S);
	first = enqueue(&g, 0, 60, NOW_FIRST, 0);
	for (int i = 1; i < 50; i++) {
		int err;

		g.now += S / 50;
		err = try_enqueue(&g, i % 2, 60, NOW_FIRST, &ahead, &id);
		assert_true(err == 0 || err == -ENOSPC);
	}
	assert_int_equal(count(&g, "V+(0)") + count(&g, "V+(1)"), 1);
	assert_int_equal(count(&g, "V-(0)"), 1);
	assert_int_equal(find(&g, "E(0,stopped)", 0)->req.id, first);
	assert_false(find(&g, "E(0,stopped)", 0)->keep);
	run_until(&g, T0 + 3 * S);
	assert_int_equal(count(&g, "V+(0)") + count(&g, "V+(1)"), 2);
	/* A stop closes at once, however recent the last switch. */
	g.now += S / 10;
	stop(&g, RUN_STOPPED);
	assert_int_equal(g.open_zone, -1);
	assert_int_equal(g.recs[g.n_recs - 1].at, g.now);
}

/* What enters the history: every run that watered a second or more. */
static void test_only_runs_that_watered_are_kept(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 2);
	garden_min_switch(&g, 2 * S);
	enqueue(&g, 0, 60, 0, 0);
	g.now += S - 1;
	skip_zone(&g, 0);
	assert_false(find(&g, "E(0,stopped)", 0)->keep);
	run_until_idle(&g);
	enqueue(&g, 0, 60, 0, 0);
	run_until_idle(&g);
	g.now += S;
	enqueue(&g, 1, 60, 0, 0);
	run_until(&g, g.now + 3 * S);
	skip_zone(&g, 0);
	assert_true(find(&g, "E(0,completed)", 0)->keep);
	assert_true(find(&g, "E(1,stopped)", 0)->keep);
	/* Held before it opened: a record of why it did not water. */
	g.held[1] = true;
	enqueue(&g, 1, 60, 0, 0);
	assert_true(find(&g, "E(1,held)", 0)->keep);
}

/* ---- cycle and soak, water by volume ---- */

static void set_cycle(struct garden *g, int zone, uint64_t cycle_ns, uint64_t soak_ns)
{
	struct zone_policy p = g->c.policy[zone];

	p.cycle_ns = cycle_ns;
	p.soak_ns = soak_ns;
	set_policy(g, zone, p);
}

/* The meter counted litres for the run watering now. */
static void meter(struct garden *g, double litres)
{
	struct ctl_actions acts = { .n = 0 };

	ctl_litres(&g->c, litres, g->now, &acts);
	carry_out(g, &acts);
}

static uint32_t enqueue_litres(struct garden *g, int zone, uint32_t backstop_s,
			       double litres)
{
	struct run_request req;
	struct ctl_actions acts = { .n = 0 };
	size_t ahead;

	memset(&req, 0, sizeof(req));
	req.zone = zone;
	req.duration_s = backstop_s;
	req.litres = litres;
	snprintf(req.source, sizeof(req.source), "manual");
	assert_int_equal(ctl_enqueue(&g->c, &req, false, g->now, &ahead, &acts), 0);
	carry_out(g, &acts);
	return req.id;
}

static void test_cycles_share_the_time_equally(void **state)
{
	struct garden g;
	const struct rec *end;

	(void)state;
	garden_init(&g, 1);
	set_cycle(&g, 0, 10 * MIN, 30 * MIN);
	enqueue(&g, 0, 25 * 60, 0, 0);
	assert_int_equal(find(&g, "S(0)", 0)->req.n_cycles, 3);
	run_until_idle(&g);
	/* 25 min in at most 10: three of 8:20, never one of 5. */
	assert_int_equal(count(&g, "V+(0)"), 3);
	assert_int_equal(count(&g, "K(0)"), 2);
	assert_int_equal(count(&g, "C(0)"), 2);
	for (int i = 0; i < 3; i++)
		assert_true(when(&g, "V-(0)", i) - when(&g, "V+(0)", i) == 500 * S);
	/* At least the soak between two cycles. */
	for (int i = 1; i < 3; i++)
		assert_true(when(&g, "V+(0)", i) - when(&g, "V-(0)", i - 1) >= 30 * MIN);
	assert_int_equal(count(&g, "S(0)"), 1);
	assert_int_equal(count(&g, "E(0,completed)"), 1);
	end = find(&g, "E(0,completed)", 0);
	/* Recorded once, with every cycle's time: what was asked. */
	assert_true(end->keep);
	assert_true(end->req.watered_ns == 25 * MIN);
	assert_int_equal(end->req.cycle, 3);
	assert_idle(&g);
}

static void test_a_run_within_its_cycle_is_one_go(void **state)
{
	struct garden g;
	struct run_request req;
	struct ctl_actions acts = { .n = 0 };
	size_t ahead;

	(void)state;
	garden_init(&g, 1);
	set_cycle(&g, 0, 10 * MIN, 30 * MIN);
	enqueue(&g, 0, 10 * 60, 0, 0);
	run_until_idle(&g);
	assert_int_equal(count(&g, "V+(0)"), 1);
	assert_int_equal(count(&g, "K(0)"), 0);
	assert_int_equal(find(&g, "S(0)", 0)->req.n_cycles, 1);
	/* A learning run needs its flow steady: one go, whatever its length. */
	memset(&req, 0, sizeof(req));
	req.zone = 0;
	req.duration_s = 20 * 60;
	req.learn = true;
	assert_int_equal(ctl_enqueue(&g.c, &req, false, g.now, &ahead, &acts), 0);
	carry_out(&g, &acts);
	run_until_idle(&g);
	assert_int_equal(count(&g, "V+(0)"), 2);
	assert_int_equal(count(&g, "K(0)"), 0);
	assert_true(find(&g, "E(0,completed)", 1)->req.watered_ns == 20 * MIN);
}

static void test_other_zones_water_during_a_soak(void **state)
{
	struct garden g;
	char order[256] = "";

	(void)state;
	garden_init(&g, 3);
	garden_min_switch(&g, 2 * S);
	set_cycle(&g, 0, 10 * MIN, 15 * MIN);
	set_cycle(&g, 1, 10 * MIN, 15 * MIN);
	enqueue(&g, 0, 20 * 60, PROGRAMMED, 0);
	enqueue(&g, 1, 20 * 60, PROGRAMMED, 1);
	enqueue(&g, 2, 5 * 60, PROGRAMMED, 2);
	run_until_idle(&g);
	/* The harness checked one valve at a time, and the switch spacing. */
	for (size_t i = 0; i < g.n_recs; i++)
		if (g.recs[i].kind == ACT_VALVE_ON)
			snprintf(order + strlen(order), sizeof(order) - strlen(order),
				 "%d", g.recs[i].zone);
	/* 0 soaks: 1 waters, then 2; 0 is back once its soak is over, and 1. */
	assert_string_equal(order, "01201");
	assert_true(find(&g, "E(0,completed)", 0)->req.watered_ns == 20 * MIN);
	assert_true(find(&g, "E(1,completed)", 0)->req.watered_ns == 20 * MIN);
	assert_true(find(&g, "E(2,completed)", 0)->req.watered_ns == 5 * MIN);
	assert_true(when(&g, "V+(0)", 1) - when(&g, "V-(0)", 0) >= 15 * MIN);
	assert_true(when(&g, "V+(1)", 1) - when(&g, "V-(1)", 0) >= 15 * MIN);
	assert_idle(&g);
}

static void test_a_queued_run_of_a_soaking_zone_waits(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 1);
	set_cycle(&g, 0, 10 * MIN, 30 * MIN);
	enqueue(&g, 0, 20 * 60, 0, 0);
	enqueue(&g, 0, 5 * 60, 0, 1);
	run_until_idle(&g);
	/* The first run's second cycle, then the second run. */
	assert_true(when(&g, "V+(0)", 1) - when(&g, "V-(0)", 0) >= 30 * MIN);
	assert_true(when(&g, "C(0)", 0) < when(&g, "S(0)", 1));
	assert_true(find(&g, "E(0,completed)", 0)->req.watered_ns == 20 * MIN);
	assert_true(find(&g, "E(0,completed)", 1)->req.watered_ns == 5 * MIN);
}

static void test_the_master_keeps_its_rules_over_a_soak(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 1);
	garden_master(&g, 5 * S, 10 * S);
	set_cycle(&g, 0, MIN, 5 * MIN);
	enqueue(&g, 0, 2 * 60, 0, 0);
	run_until_idle(&g);
	/* The master closes after its lag and opens again, a lead ahead. */
	assert_int_equal(count(&g, "M+"), 2);
	assert_int_equal(count(&g, "M-"), 2);
	assert_true(when(&g, "M-", 0) == when(&g, "V-(0)", 0) + 10 * S);
	assert_true(when(&g, "V+(0)", 1) >= when(&g, "M+", 1) + 5 * S);
	assert_idle(&g);
}

static void test_stop_and_skip_end_a_soaking_run(void **state)
{
	struct garden g;
	const struct rec *end;

	(void)state;
	garden_init(&g, 2);
	set_cycle(&g, 0, MIN, 5 * MIN);
	enqueue(&g, 0, 3 * 60, 0, 0);
	run_until(&g, g.now + 90 * S);
	assert_int_equal(ctl_soaking_len(&g.c), 1);
	assert_true(ctl_busy(&g.c));
	assert_null(ctl_current(&g.c));
	/* Nothing waters: skip ends the soaking run, kept with its minute. */
	skip_zone(&g, 0);
	end = find(&g, "E(0,stopped)", 0);
	assert_true(end->keep);
	assert_true(end->req.watered_ns == MIN);
	assert_idle(&g);

	/* A stop ends the soaking run too, and what waters meanwhile. */
	enqueue(&g, 0, 3 * 60, 0, 0);
	enqueue(&g, 1, 3 * 60, 0, 1);
	run_until(&g, g.now + 90 * S);
	assert_int_equal(g.open_zone, 1);
	stop(&g, RUN_STOPPED);
	assert_int_equal(count(&g, "E(0,stopped)"), 2);
	assert_int_equal(count(&g, "E(1,stopped)"), 1);
	assert_int_equal(g.open_zone, -1);
	assert_idle(&g);
}

static void test_cancel_of_a_soaking_run(void **state)
{
	struct garden g;
	struct ctl_actions acts = { .n = 0 };
	uint32_t id;

	(void)state;
	garden_init(&g, 1);
	set_cycle(&g, 0, MIN, 5 * MIN);
	id = enqueue(&g, 0, 3 * 60, 0, 0);
	run_until(&g, g.now + 90 * S);
	assert_int_equal(ctl_cancel(&g.c, id, g.now, &acts), 0);
	carry_out(&g, &acts);
	assert_true(find(&g, "E(0,stopped)", 0)->keep);
	assert_idle(&g);
}

static void test_volume_ends_on_the_litres(void **state)
{
	struct garden g;
	const struct rec *end;

	(void)state;
	garden_init(&g, 1);
	enqueue_litres(&g, 0, 3600, 20.0);
	run_until(&g, g.now + 30 * S);
	meter(&g, 10.0);
	assert_int_equal(g.open_zone, 0);
	run_until(&g, g.now + 30 * S);
	meter(&g, 20.002);
	end = find(&g, "E(0,completed)", 0);
	assert_true(end->req.watered_ns == MIN);
	assert_int_equal(g.open_zone, -1);
	assert_idle(&g);
}

static void test_volume_backstop_caps(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 1);
	enqueue_litres(&g, 0, 60, 20.0);
	run_until(&g, g.now + 30 * S);
	meter(&g, 0.0);
	run_until_idle(&g);
	/* No water came: the backstop ends it, and says it was capped. */
	assert_true(find(&g, "E(0,capped)", 0)->req.watered_ns == MIN);
}

static void test_volume_over_cycles(void **state)
{
	struct garden g;

	(void)state;
	garden_init(&g, 1);
	set_cycle(&g, 0, MIN, 5 * MIN);
	enqueue_litres(&g, 0, 3600, 25.0);
	assert_int_equal(find(&g, "S(0)", 0)->req.n_cycles, 0);
	/* 10 L a minute: two full cycles, then half of one. */
	run_until(&g, g.now + MIN - S);
	meter(&g, 9.8);
	run_until(&g, when(&g, "V+(0)", 0) + 6 * MIN + MIN - S);
	meter(&g, 19.8);
	run_until(&g, when(&g, "V+(0)", 0) + 12 * MIN + 30 * S);
	meter(&g, 25.0);
	assert_int_equal(count(&g, "V+(0)"), 3);
	assert_int_equal(count(&g, "K(0)"), 2);
	assert_true(find(&g, "E(0,completed)", 0)->req.watered_ns == 2 * MIN + 30 * S);
	assert_idle(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_manual_run),
		cmocka_unit_test(test_report_never_at_the_end),
		cmocka_unit_test(test_second_run_waits_its_turn),
		cmocka_unit_test(test_program_steps_run_in_order),
		cmocka_unit_test(test_now_first_goes_before_the_queue),
		cmocka_unit_test(test_skip_ends_only_the_current_zone),
		cmocka_unit_test(test_skip_of_the_last_run),
		cmocka_unit_test(test_end_run_holds_or_caps_and_the_queue_goes_on),
		cmocka_unit_test(test_a_held_run_never_opens_the_master),
		cmocka_unit_test(test_stop_drops_everything),
		cmocka_unit_test(test_stop_says_why),
		cmocka_unit_test(test_cancel_ends_one_run),
		cmocka_unit_test(test_cancel_during_the_lead),
		cmocka_unit_test(test_stop_during_lead_and_lag),
		cmocka_unit_test(test_master_lead_and_lag),
		cmocka_unit_test(test_run_queued_in_the_lag_reuses_the_master),
		cmocka_unit_test(test_now_first_around_the_master),
		cmocka_unit_test(test_kick_during_the_lag_keeps_its_end),
		cmocka_unit_test(test_master_without_lead_or_lag),
		cmocka_unit_test(test_no_master_no_master_actions),
		cmocka_unit_test(test_moisture_skips_a_programmed_run),
		cmocka_unit_test(test_skipped_run_lets_the_next_go),
		cmocka_unit_test(test_moisture_ends_a_run_early),
		cmocka_unit_test(test_unreadable_soil_never_ends_early),
		cmocka_unit_test(test_queue_full_changes_nothing),
		cmocka_unit_test(test_full_queue_stop_names_every_run),
		cmocka_unit_test(test_bad_request_changes_nothing),
		cmocka_unit_test(test_every_action_names_its_request),
		cmocka_unit_test(test_reload_renumbers_and_drops),
		cmocka_unit_test(test_reload_stops_a_removed_zone),
		cmocka_unit_test(test_reload_removing_the_last_run),
		cmocka_unit_test(test_late_tick_keeps_the_run_end),
		cmocka_unit_test(test_late_tick_with_a_master),
		cmocka_unit_test(test_a_valve_opens_no_sooner_than_the_switch_interval),
		cmocka_unit_test(test_a_burst_of_now_requests_switches_valves_rarely),
		cmocka_unit_test(test_only_runs_that_watered_are_kept),
		cmocka_unit_test(test_cycles_share_the_time_equally),
		cmocka_unit_test(test_a_run_within_its_cycle_is_one_go),
		cmocka_unit_test(test_other_zones_water_during_a_soak),
		cmocka_unit_test(test_a_queued_run_of_a_soaking_zone_waits),
		cmocka_unit_test(test_the_master_keeps_its_rules_over_a_soak),
		cmocka_unit_test(test_stop_and_skip_end_a_soaking_run),
		cmocka_unit_test(test_cancel_of_a_soaking_run),
		cmocka_unit_test(test_volume_ends_on_the_litres),
		cmocka_unit_test(test_volume_backstop_caps),
		cmocka_unit_test(test_volume_over_cycles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
