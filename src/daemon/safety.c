/* Safety: flow alarms, latched faults, daily caps and failed probes, as the daemon acts on them. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/duration.h"
#include "core/nsec.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/log.h"

/* A run teaches its zone's flow only after this much settled watering. */
#define LEARN_MIN_NS (5 * NS_PER_S)

static const struct flow_acct *meter(struct daemon *d)
{
	return flowmeter_acct(hardware_flowmeter(d->hw));
}

/* Litres the run going on drew, from the meter's count when it started. */
static double run_litres(struct daemon *d)
{
	return flow_acct_litres_since(meter(d), d->active.start_pulses);
}

static void save(struct daemon *d)
{
	saving_save(d, STATE_FAULTS);
}

/* "12.0 L/min" (or gal/min) or "unknown": an expected flow for people. */
static void say_lpm(const struct daemon *d, double lpm, char *buf, size_t size)
{
	if (isnan(lpm) || lpm <= 0.0)
		snprintf(buf, size, "unknown");
	else
		snprintf(buf, size, "%.1f %s/min", config_volume(&d->cfg, lpm),
			 config_volume_unit(&d->cfg));
}


double safety_expected_lpm(struct daemon *d, int zone, const char **how,
			   size_t *runs)
{
	const struct flow_learned *l;
	double lpm;

	if (runs)
		*runs = 0;
	if (zone < 0 || (size_t)zone >= d->cfg.n_zones) {
		if (how)
			*how = "unknown";
		return 0.0;
	}
	l = fault_state_learned(&d->safety.state, d->cfg.zones[zone].name, false);
	if (runs && l)
		*runs = l->len;
	if (d->cfg.zones[zone].flow_lpm > 0.0) {
		if (how)
			*how = "configured";
		return d->cfg.zones[zone].flow_lpm;
	}
	lpm = l ? flow_learned_median(l) : 0.0;
	if (how)
		*how = lpm > 0.0 ? "learned" : "unknown";
	return lpm;
}

double safety_litres_today(struct daemon *d, int zone)
{
	double litres = history_litres_on(&d->history,
					  zone < 0 ? NULL : config_zone_name(&d->cfg, zone, ""),
					  time(NULL));
	const struct run_request *cur = ctl_current(&d->ctl);

	/* The run going on is in the history with 0 L until it ends. */
	if (d->active.req_id && cur && (zone < 0 || cur->zone == zone))
		litres += run_litres(d);
	return litres;
}

/* ---- latched faults ---- */

/* Latches, logs and saves a fault. */
static void latch(struct daemon *d, enum fault_kind kind, int zone,
		  double measured_lpm, double expected_lpm, const char *detail)
{
	struct fault f = { .kind = kind, .raised = time(NULL),
			   .measured_lpm = measured_lpm,
			   .expected_lpm = expected_lpm };
	struct event ev;

	snprintf(f.zone, sizeof(f.zone), "%s", config_zone_name(&d->cfg, zone, ""));
	snprintf(f.detail, sizeof(f.detail), "%s", detail);
	faults_raise(&d->safety.state.faults, &f);
	event_init(&ev, EV_FAULT);
	ev.fault = fault_kind_name(kind);
	if (zone >= 0)
		ev.zone = config_zone_name(&d->cfg, zone, "");
	ev.flow_lpm = measured_lpm;
	if (expected_lpm > 0.0)
		ev.expected_lpm = expected_lpm;
	event_emit(&ev, "Fault latched on %s: %s. Programs will not water %s "
		   "until `irrigctl clear%s%s`",
		   zone >= 0 ? config_zone_name(&d->cfg, zone, "") : "the garden", detail,
		   zone >= 0 ? "it" : "any zone", zone >= 0 ? " " : "",
		   zone >= 0 ? config_zone_name(&d->cfg, zone, "") : "");
	save(d);
}

void safety_raise(struct daemon *d, enum fault_kind kind, int zone,
		  double measured_lpm, double expected_lpm, const char *detail)
{
	latch(d, kind, zone, measured_lpm, expected_lpm, detail);
}

enum run_outcome safety_may_run(struct daemon *d, const struct run_request *req,
				char *why, size_t why_size)
{
	const char *zone = config_zone_name(&d->cfg, req->zone, "");
	const struct fault *f = faults_holding(&d->safety.state.faults, zone);
	const char *unit = config_volume_unit(&d->cfg);
	double used, cap;

	if (f && !req->force) {
		snprintf(why, why_size, "%s is held by a %s fault%s (%s): check "
			 "it, then irrigctl clear%s%s", zone, fault_kind_name(f->kind),
			 *f->zone ? "" : " of the garden", f->detail,
			 *f->zone ? " " : "", f->zone);
		return RUN_HELD;
	}
	cap = d->cfg.zones[req->zone].daily_cap_litres;
	if (cap > 0.0) {
		used = safety_litres_today(d, req->zone);
		if (used >= cap) {
			snprintf(why, why_size, "%s has used %.1f %s today, its "
				 "daily cap is %g %s", zone,
				 config_volume(&d->cfg, used), unit,
				 config_volume_limit(&d->cfg, cap), unit);
			return RUN_CAPPED;
		}
	}
	cap = d->cfg.safety.daily_cap_litres;
	if (cap > 0.0) {
		used = safety_litres_today(d, -1);
		if (used >= cap) {
			snprintf(why, why_size, "the garden has used %.1f %s "
				 "today, its daily cap is %g %s",
				 config_volume(&d->cfg, used), unit,
				 config_volume_limit(&d->cfg, cap), unit);
			return RUN_CAPPED;
		}
	}
	return RUN_COMPLETED;
}

/* ---- the flow monitor ---- */

static void arm_check(struct daemon *d, uint64_t now)
{
	uint64_t when = flowmon_next_check(&d->safety.monitor, now);

	if (!d->safety.check)
		return;
	if (when == UINT64_MAX) {
		sd_event_source_set_enabled(d->safety.check, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(d->safety.check, when / 1000);
	sd_event_source_set_enabled(d->safety.check, SD_EVENT_ONESHOT);
}

void safety_valve_opened(struct daemon *d, int zone)
{
	const struct config_zone *z = &d->cfg.zones[zone];
	const struct config_safety *s = &d->cfg.safety;
	struct flow_limits lim = {
		.expected_lpm = safety_expected_lpm(d, zone, NULL, NULL),
		.no_flow_fraction = z->no_flow_percent / 100.0,
		.low_fraction = z->low_flow_percent / 100.0,
		.high_fraction = z->high_flow_percent / 100.0,
		/* Unknown yet: "water flows" is what a leak would be. */
		.unknown_min_lpm = s->leak_lpm,
		.max_lpm = s->max_flow_lpm,
		.settle_ns = (uint64_t)s->settle_s * NS_PER_S,
		.alarm_delay_ns = (uint64_t)s->alarm_delay_s * NS_PER_S,
	};
	uint64_t now = daemon_now();

	d->safety.watched_zone = zone;
	/* What an earlier run taught is no lesson of this one. */
	d->safety.ended_zone = -1;
	if (z->daily_cap_litres > 0.0 || s->daily_cap_litres > 0.0) {
		time_t today = time(NULL);

		d->safety.zone_before = history_litres_on(&d->history, z->name,
							  today);
		d->safety.garden_before = history_litres_on(&d->history, NULL,
							    today);
	}
	d->safety.sampled_pulses = flow_acct_pulses(meter(d));
	flowmon_watering(&d->safety.monitor, &lim, now);
	arm_check(d, now);
}

uint64_t safety_learn_min_ns(const struct daemon *d)
{
	uint64_t min = (uint64_t)d->cfg.safety.alarm_delay_s * NS_PER_S;

	return min < LEARN_MIN_NS ? LEARN_MIN_NS : min;
}

void safety_valves_closed(struct daemon *d)
{
	const struct config_safety *s = &d->cfg.safety;
	uint64_t now = daemon_now();
	struct safety *sf = &d->safety;

	/* What the run drew, before the monitor watches for leaks. */
	if (sf->watched_zone >= 0) {
		sf->ended = sf->monitor;
		sf->ended_zone = sf->watched_zone;
	}
	sf->watched_zone = -1;
	/*
	 * The meter's last rate stands until it goes stale: a leak is only
	 * flow that still runs after that, however short the settle.
	 */
	flowmon_closed(&sf->monitor, s->leak_lpm,
		       (uint64_t)s->settle_s * NS_PER_S > FLOW_STALE_NS + NS_PER_S ?
		       (uint64_t)s->settle_s * NS_PER_S : FLOW_STALE_NS + NS_PER_S,
		       (uint64_t)s->alarm_delay_s * NS_PER_S, now);
	arm_check(d, now);
}

void safety_off(struct daemon *d)
{
	flowmon_off(&d->safety.monitor);
	d->safety.watched_zone = -1;
	if (d->safety.check)
		sd_event_source_set_enabled(d->safety.check, SD_EVENT_OFF);
}

/* "was stopped", "ended by a fault": how a run ended, for people. */
static const char *how_it_ended(enum run_outcome outcome)
{
	switch (outcome) {
	case RUN_STOPPED:
		return "was stopped";
	case RUN_FAULT:
		return "ended by a fault";
	case RUN_SHUTDOWN:
		return "was interrupted";
	case RUN_ENDED_EARLY:
		return "ended early on wet soil";
	case RUN_CAPPED:
		return "ended on a daily cap";
	case RUN_COMPLETED:
	case RUN_SKIPPED:
	case RUN_HELD:
		break;
	}
	return run_outcome_name(outcome);
}

/* What a run taught, or why nothing, for people. */
static void say_lesson(struct daemon *d, enum flow_lesson lesson,
		       enum run_outcome outcome,
		       const struct flow_run_figures *fig, char *buf, size_t size)
{
	char took[32], need[32];

	switch (lesson) {
	case FLOW_LESSON_LEARNED:
		snprintf(buf, size, "it drew %.1f L/min", fig->mean_lpm);
		break;
	case FLOW_LESSON_NOT_COMPLETED:
		snprintf(buf, size, "only a run that waters its whole time "
			 "teaches, and it %s", how_it_ended(outcome));
		break;
	case FLOW_LESSON_TOO_SHORT:
		duration_format((uint32_t)(d->safety.ended.settled_ns / NS_PER_S), took,
				sizeof(took));
		duration_format((uint32_t)(safety_learn_min_ns(d) / NS_PER_S), need,
				sizeof(need));
		snprintf(buf, size, "it watered %s after the %us settle, and a "
			 "run teaches after %s", took, d->cfg.safety.settle_s, need);
		break;
	case FLOW_LESSON_LOW_FLOW:
		snprintf(buf, size, "it warned of low flow");
		break;
	case FLOW_LESSON_UNSTEADY:
		snprintf(buf, size, "its flow was not steady: %.1f to %.1f L/min "
			 "(more than %.0f %% of its mean %.1f L/min apart)",
			 fig->min_lpm, fig->max_lpm, FLOW_STEADY_SPREAD * 100.0,
			 fig->mean_lpm);
		break;
	case FLOW_LESSON_ABOVE_MAX:
		snprintf(buf, size, "it drew %.1f L/min, above the garden's "
			 "max_flow_lpm of %g L/min", fig->mean_lpm,
			 d->cfg.safety.max_flow_lpm);
		break;
	}
}

/* A clean run's flow offered to the zone's learned flows: logs what it did. */
static void offer(struct daemon *d, int zone, struct flow_learned *l,
		  double lpm)
{
	double before = flow_learned_median(l);
	enum flow_offer took = flow_learned_offer(l, lpm);
	const char *name = config_zone_name(&d->cfg, zone, "");
	const char *but = d->cfg.zones[zone].flow_lpm > 0.0 ? ", but its "
		"configured flow_lpm is what the alarms use" : "";

	switch (took) {
	case FLOW_OFFER_ADDED:
		log_msg(LOG_INFO, "zone %s drew %.2f L/min; its expected flow is "
			"%.2f L/min (median of its last %zu clean runs)%s", name,
			lpm, flow_learned_median(l), l->len, but);
		break;
	case FLOW_OFFER_CANDIDATE:
		log_msg(LOG_NOTICE, "zone %s drew %.2f L/min, far from its learned "
			"%.2f L/min: %zu of %d runs in a row that must agree before "
			"it replaces it (irrigctl learn %s sets it at once)", name,
			lpm, before, l->n_candidates, FLOW_LEARN_AGREE, name);
		break;
	case FLOW_OFFER_REPLACED:
		log_msg(LOG_NOTICE, "zone %s drew about %.2f L/min in %d clean runs "
			"in a row: its expected flow is now %.2f L/min (was %.2f)%s",
			name, lpm, FLOW_LEARN_AGREE, flow_learned_median(l), before,
			but);
		break;
	case FLOW_OFFER_IGNORED:
		return;
	}
	save(d);
}

bool safety_run_ended(struct daemon *d, const struct run_request *req,
		      enum run_outcome outcome, double *learned_lpm, char *said,
		      size_t said_size)
{
	struct safety *sf = &d->safety;
	int zone = req->zone;
	struct flow_run_figures fig;
	enum flow_lesson lesson;
	struct flow_learned *l;
	char why[200];

	said[0] = '\0';
	*learned_lpm = NAN;
	if (zone < 0 || (size_t)zone >= d->cfg.n_zones)
		return false;
	if (sf->ended_zone != zone) {
		snprintf(said, said_size, "its valve did not open");
		return false;
	}
	sf->ended_zone = -1;
	lesson = flowmon_lesson(&sf->ended, outcome, safety_learn_min_ns(d), &fig);
	say_lesson(d, lesson, outcome, &fig, why, sizeof(why));
	if (lesson != FLOW_LESSON_LEARNED) {
		log_msg(LOG_INFO, "the run of %s taught nothing of its flow: %s",
			config_zone_name(&d->cfg, zone, ""), why);
		snprintf(said, said_size, "%s", why);
		return false;
	}
	l = fault_state_learned(&sf->state, d->cfg.zones[zone].name, true);
	if (!l) {
		log_msg(LOG_WARNING, "cannot keep the flow of %s: %d zones have "
			"learned flows already", config_zone_name(&d->cfg, zone, ""),
			FAULTS_LEARNED_MAX);
		snprintf(said, said_size, "no room for another zone's learned "
			 "flow");
		return false;
	}
	if (!req->learn) {
		offer(d, zone, l, fig.mean_lpm);
		return false;
	}
	{
		double before = flow_learned_median(l);

		/* The person asked for it: no runs need to agree. */
		if (flow_learned_set(l, fig.mean_lpm) < 0) {
			snprintf(said, said_size, "%.3f L/min is no flow to learn",
				 fig.mean_lpm);
			return false;
		}
		if (before > 0.0)
			snprintf(why, sizeof(why), " (was %.1f L/min)", before);
		else
			why[0] = '\0';
		*learned_lpm = fig.mean_lpm;
		log_msg(LOG_NOTICE, "zone %s's flow learned by a learning run: "
			"%.2f L/min%s", config_zone_name(&d->cfg, zone, ""), fig.mean_lpm, why);
		snprintf(said, said_size, "%s draws %.1f L/min%s%s",
			 config_zone_name(&d->cfg, zone, ""), fig.mean_lpm, why,
			 d->cfg.zones[zone].flow_lpm > 0.0 ? "; its configured "
			 "flow_lpm is what the alarms use" : "");
	}
	save(d);
	return true;
}

/*
 * Latches the fault the flow showed, and asks in acts for the end of what
 * waters: the run, or after a leak everything.
 */
static void flow_fault(struct daemon *d, enum flow_alarm alarm, double rate,
		       double expected, int zone, struct ctl_actions *acts)
{
	uint64_t now = daemon_now();
	char detail[FAULT_DETAIL_MAX], want[32];
	const struct config_zone *z = zone >= 0 ? &d->cfg.zones[zone] : NULL;
	const char *unit = config_volume_unit(&d->cfg);
	double shown = config_volume(&d->cfg, rate);

	say_lpm(d, expected, want, sizeof(want));
	switch (alarm) {
	case FLOW_ALARM_NO_FLOW:
		if (expected > 0.0)
			snprintf(detail, sizeof(detail), "no flow: %.1f %s/min, "
				 "expected %s (below %g %%)", shown, unit, want,
				 z->no_flow_percent);
		else
			snprintf(detail, sizeof(detail), "no flow: %.1f %s/min "
				 "(below %g %s/min; its flow is not learned yet)",
				 shown, unit, config_volume_limit(&d->cfg, d->cfg.safety.leak_lpm),
				 unit);
		safety_raise(d, FAULT_NO_FLOW, zone, rate, expected, detail);
		break;
	case FLOW_ALARM_HIGH:
		snprintf(detail, sizeof(detail), "high flow: %.1f %s/min, expected "
			 "%s (above %g %%)", shown, unit, want, z->high_flow_percent);
		safety_raise(d, FAULT_HIGH_FLOW, zone, rate, expected, detail);
		break;
	case FLOW_ALARM_ABOVE_MAX:
		snprintf(detail, sizeof(detail), "high flow: %.1f L/min, above the "
			 "garden's max_flow_lpm of %g L/min", rate,
			 d->cfg.safety.max_flow_lpm);
		safety_raise(d, FAULT_HIGH_FLOW, zone, rate, expected, detail);
		break;
	case FLOW_ALARM_LEAK:
		snprintf(detail, sizeof(detail), "leak: %.1f %s/min with every "
			 "valve closed (above %g %s/min)", shown, unit,
			 config_volume_limit(&d->cfg, d->cfg.safety.leak_lpm), unit);
		safety_raise(d, FAULT_LEAK, -1, rate, NAN, detail);
		break;
	default:
		return;
	}
	snprintf(d->active.why, sizeof(d->active.why), "%s", detail);
	if (alarm == FLOW_ALARM_LEAK) {
		/* A master valve closing may be what stops it. */
		ctl_stop(&d->ctl, RUN_FAULT, now, acts);
		return;
	}
	ctl_end_run(&d->ctl, RUN_FAULT, now, acts);
}

static void low_flow(struct daemon *d, int zone, double rate, double expected)
{
	struct event ev;

	event_init(&ev, EV_LOW_FLOW);
	ev.zone = config_zone_name(&d->cfg, zone, "");
	ev.flow_lpm = rate;
	ev.expected_lpm = expected;
	event_emit(&ev, "Low flow in zone %s: %.1f %s/min, "
		  "expected %.1f %s/min (below %g %%): a blocked filter or a tap "
		  "not fully open? Watering goes on", config_zone_name(&d->cfg, zone, ""),
		  config_volume(&d->cfg, rate), config_volume_unit(&d->cfg),
		  config_volume(&d->cfg, expected), config_volume_unit(&d->cfg),
		  d->cfg.zones[zone].low_flow_percent);
}

/* Asks in acts for the end of the run going on when it reaches a daily cap. */
static void check_caps(struct daemon *d, int zone, struct ctl_actions *acts)
{
	double cap = d->cfg.zones[zone].daily_cap_litres;
	double litres = run_litres(d);
	double used = d->safety.zone_before + litres;
	const char *whose = config_zone_name(&d->cfg, zone, "");
	struct event ev;

	if (!(cap > 0.0 && used >= cap)) {
		cap = d->cfg.safety.daily_cap_litres;
		used = d->safety.garden_before + litres;
		whose = "the garden";
		if (!(cap > 0.0 && used >= cap))
			return;
	}
	event_init(&ev, EV_CAP_REACHED);
	ev.zone = config_zone_name(&d->cfg, zone, "");
	ev.litres_today = used;
	ev.cap_litres = cap;
	event_emit(&ev, "Daily cap reached: %s has "
		  "used %.1f %s today, its cap is %g %s: ending the run of %s",
		  whose, config_volume(&d->cfg, used), config_volume_unit(&d->cfg),
		  config_volume_limit(&d->cfg, cap), config_volume_unit(&d->cfg),
		  config_zone_name(&d->cfg, zone, ""));
	snprintf(d->active.why, sizeof(d->active.why), "the daily cap of %s (%g %s) "
		 "is reached", whose, config_volume_limit(&d->cfg, cap), config_volume_unit(&d->cfg));
	ctl_end_run(&d->ctl, RUN_CAPPED, daemon_now(), acts);
}

enum flow_alarm safety_check_flow(struct daemon *d, struct ctl_actions *acts)
{
	struct safety *sf = &d->safety;
	uint64_t now = daemon_now(), pulses = flow_acct_pulses(meter(d));
	double litres = flow_acct_litres_since(meter(d), sf->sampled_pulses);
	double rate = flow_acct_rate_lpm(meter(d), now);
	int zone = sf->watched_zone;
	enum flow_alarm alarm;

	sf->sampled_pulses = pulses;
	alarm = flowmon_sample(&sf->monitor, rate, litres, now);
	switch (alarm) {
	case FLOW_ALARM_NONE:
		break;
	case FLOW_ALARM_LOW:
		low_flow(d, zone, rate, sf->monitor.limits.expected_lpm);
		break;
	case FLOW_ALARM_NO_FLOW:
	case FLOW_ALARM_HIGH:
	case FLOW_ALARM_ABOVE_MAX:
	case FLOW_ALARM_LEAK:
		flow_fault(d, alarm, rate, sf->monitor.limits.expected_lpm, zone,
			   acts);
		arm_check(d, daemon_now());
		return alarm;
	}
	if (zone >= 0 && d->active.req_id && d->ctl.phase == CTL_WATERING)
		check_caps(d, zone, acts);
	arm_check(d, daemon_now());
	return alarm;
}

/* ---- probes ---- */

void safety_probe_reason(const struct daemon *d, size_t p, char *buf,
			 size_t size)
{
	const struct probe_health *h = &d->safety.probes[p];
	const struct config_probe *probe = &d->cfg.probes[p];

	if (h->err == -ERANGE)
		snprintf(buf, size, "reads %.2f V, outside %.2f to %.2f V "
			 "(disconnected, shorted or unpowered?)", h->volts,
			 probe->min_volts, probe->max_volts);
	else {
		char why[128];

		hardware_input_error(d->hw, &probe->input, h->err, why,
				     sizeof(why));
		snprintf(buf, size, "cannot be read: %s", why);
	}
}

void safety_soil_read(struct daemon *d, const struct soil_reading *soil)
{
	for (size_t p = 0; p < d->cfg.n_probes; p++) {
		struct probe_health *h = &d->safety.probes[p];
		bool failed = soil->errs[p] < 0;
		char reason[160];
		struct event ev;

		event_init(&ev, failed ? EV_SENSOR_FAILED : EV_SENSOR_RECOVERED);
		ev.probe = d->cfg.probes[p].name;
		ev.zone = config_zone_name(&d->cfg, d->cfg.probes[p].zone, "");
		if (failed) {
			bool changed = !h->failed || h->err != soil->errs[p];

			if (!h->failed)
				h->since = time(NULL);
			h->failed = true;
			h->err = soil->errs[p];
			h->volts = soil->volts[p];
			if (!changed)
				continue;
			safety_probe_reason(d, p, reason, sizeof(reason));
			event_emit(&ev, "Soil probe "
				  "%s failed: it %s; zone %s's moisture rules go by "
				  "its other probes, or by the plain schedule",
				  d->cfg.probes[p].name, reason,
				  config_zone_name(&d->cfg, d->cfg.probes[p].zone, ""));
		} else if (h->failed) {
			h->failed = false;
			h->err = 0;
			event_emit(&ev, "Soil probe %s reads again (%.0f %%)",
				  d->cfg.probes[p].name, soil->percent[p]);
		}
	}
}

/* ---- reload ---- */

void safety_reload(struct daemon *d, const struct config *next, const int *map)
{
	struct safety *sf = &d->safety;
	struct probe_health health[CONFIG_MAX_PROBES];

	/* Zones and probes are indices: follow them to their new places. */
	if (sf->watched_zone >= 0)
		sf->watched_zone = map[sf->watched_zone];
	if (sf->ended_zone >= 0)
		sf->ended_zone = map[sf->ended_zone];
	memset(health, 0, sizeof(health));
	for (size_t p = 0; p < next->n_probes; p++)
		for (size_t old = 0; old < d->cfg.n_probes; old++)
			if (!strcmp(next->probes[p].name, d->cfg.probes[old].name))
				health[p] = sf->probes[old];
	memcpy(sf->probes, health, sizeof(health));
}

/* ---- life ---- */

static void load(struct daemon *d)
{
	char err[512];
	int r;

	fault_state_init(&d->safety.state);
	r = state_load_faults(d->state_dir, &d->safety.state, err, sizeof(err));
	if (r == -ENOENT)
		return;
	if (r < 0) {
		/*
		 * A fault it held may be what keeps a burst pipe from being
		 * watered: nothing waters until a person has looked.
		 */
		bool kept = state_set_aside(d->state_dir, "faults") == 0;

		log_msg(LOG_ERR, "cannot read the latched faults and learned flows: "
			"%s", err);
		if (kept)
			log_msg(LOG_WARNING, "the unreadable file is kept as "
				"%s/faults.bad", d->state_dir);
		fault_state_init(&d->safety.state);
		latch(d, FAULT_STATE_UNREADABLE, -1, NAN, NAN, kept ?
		      "the faults file could not be read (kept as faults.bad): "
		      "what was latched is unknown" : "the faults file could not "
		      "be read: what was latched is unknown");
		return;
	}
	for (size_t i = 0; i < d->safety.state.faults.n; i++) {
		const struct fault *f = &d->safety.state.faults.list[i];

		log_msg(LOG_WARNING, "fault still latched on %s: %s (irrigctl "
			"faults, irrigctl clear)", *f->zone ? f->zone : "the garden",
			f->detail);
	}
}

int safety_init(struct daemon *d, sd_event_time_handler_t on_check)
{
	int r;

	load(d);
	flowmon_init(&d->safety.monitor);
	d->safety.watched_zone = -1;
	d->safety.ended_zone = -1;
	r = sd_event_add_time(d->event, &d->safety.check, CLOCK_MONOTONIC,
			      UINT64_MAX, 1000, on_check, d);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot make the flow check timer");
	sd_event_source_set_enabled(d->safety.check, SD_EVENT_OFF);
	safety_valves_closed(d);
	return 0;
}

void safety_done(struct daemon *d)
{
	d->safety.check = sd_event_source_disable_unref(d->safety.check);
}
