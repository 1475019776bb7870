/* Watering: carry out the controller's actions, stream reports, record every run. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "core/duration.h"
#include "core/nsec.h"
#include "core/proto.h"
#include "core/schedule.h"
#include "daemon/actuate.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/log.h"


/* "5 minutes", "1 minute", "2m 30s": how people say a duration. */
void watering_say_duration(uint32_t seconds, char *buf, size_t size)
{
	if (seconds % 60 == 0 && seconds < 3600)
		snprintf(buf, size, "%u minute%s", seconds / 60,
			 seconds == 60 ? "" : "s");
	else if (seconds < 60)
		snprintf(buf, size, "%u second%s", seconds, seconds == 1 ? "" : "s");
	else
		duration_format(seconds, buf, size);
}

void watering_count_flow(struct daemon *d)
{
	int n = flowmeter_drain(hardware_flowmeter(d->hw));

	if (n < 0) {
		struct event ev;

		event_init(&ev, EV_FAULT);
		ev.priority = LOG_WARNING;
		ev.fault = "flow-meter";
		ev.err = n;
		event_emit(&ev, "cannot read the flow meter");
	}
}

static void count_litres(struct daemon *d, struct ctl_actions *acts);

/*
 * The meter drained, and what safety asks of the flow carried out: a run
 * ended by an alarm or a cap, and after a leak every valve closed.
 */
static void check_flow(struct daemon *d)
{
	struct ctl_actions acts = { .n = 0 };
	enum flow_alarm alarm;

	watering_count_flow(d);
	alarm = safety_check_flow(d, &acts);
	if (!acts.n && alarm == FLOW_ALARM_NONE)
		count_litres(d, &acts);
	if (acts.n || alarm != FLOW_ALARM_NONE)
		watering_carry_out(d, &acts);	/* STATUS= says a fault too */
	if (alarm == FLOW_ALARM_LEAK)
		actuate_all_closed(d, "a leak");
}

static int on_flow(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	(void)src;
	(void)fd;
	(void)revents;
	check_flow(userdata);
	return 0;
}

/* Samples the flow when no pulse comes, at the times safety arms it for. */
static int on_flow_check(sd_event_source *src, uint64_t usec, void *userdata)
{
	(void)src;
	(void)usec;
	check_flow(userdata);
	return 0;
}

static const struct flow_acct *meter_acct(struct daemon *d)
{
	return flowmeter_acct(hardware_flowmeter(d->hw));
}

double watering_litres_so_far(struct daemon *d)
{
	return d->active.litres_before +
		flow_acct_litres_since(meter_acct(d), d->active.start_pulses);
}

/* A run by volume ends on its litres: the controller is told each count. */
static void count_litres(struct daemon *d, struct ctl_actions *acts)
{
	if (d->active.req_id && d->ctl.phase == CTL_WATERING)
		ctl_litres(&d->ctl, watering_litres_so_far(d), daemon_now(), acts);
}

double watering_flow_rate(struct daemon *d)
{
	return flow_acct_rate_lpm(meter_acct(d), daemon_now());
}

/*
 * The zone's probes by name: "bed1 31, bed2 ?" for people,
 * {"name":"bed1","percent":31.2},{"name":"bed2","percent":null} for JSON;
 * empty when the zone has no probe.
 */
void watering_format_moisture(const struct daemon *d,
			      const struct soil_reading *soil, int zone, bool json,
			      char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t p = 0; p < d->cfg.n_probes && used < size; p++) {
		const char *sep = used ? (json ? "," : ", ") : "";
		const char *name = d->cfg.probes[p].name;
		int n;

		if (d->cfg.probes[p].zone != zone)
			continue;
		if (json && soil->errs[p] < 0)
			n = snprintf(buf + used, size - used,
				     "%s{\"name\":\"%s\",\"percent\":null}", sep, name);
		else if (json)
			n = snprintf(buf + used, size - used,
				     "%s{\"name\":\"%s\",\"percent\":%.1f}", sep, name,
				     soil->percent[p]);
		else if (soil->errs[p] < 0)
			n = snprintf(buf + used, size - used, "%s%s ?", sep, name);
		else
			n = snprintf(buf + used, size - used, "%s%s %.0f", sep, name,
				     soil->percent[p]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

double watering_zone_moisture(const struct daemon *d,
			      const struct soil_reading *soil, int zone)
{
	double sum = 0.0;
	int n = 0;

	for (size_t p = 0; p < d->cfg.n_probes; p++) {
		if (d->cfg.probes[p].zone != zone || soil->errs[p] < 0)
			continue;
		sum += soil->percent[p];
		n++;
	}
	return n ? sum / n : NAN;
}

/* "bed1 31.5 %, bed2 ?": the readings behind a zone's average, for the log. */
static void zone_readings(const struct daemon *d, const struct soil_reading *soil,
			  int zone, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t p = 0; p < d->cfg.n_probes && used < size; p++) {
		int n;

		if (d->cfg.probes[p].zone != zone)
			continue;
		if (soil->errs[p] < 0)
			n = snprintf(buf + used, size - used, "%s%s ?", used ? ", " : "",
				     d->cfg.probes[p].name);
		else
			n = snprintf(buf + used, size - used, "%s%s %.1f %%",
				     used ? ", " : "", d->cfg.probes[p].name,
				     soil->percent[p]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* Once the loop is told to exit, whatever ends now is the stop. */
static bool stopping(struct daemon *d)
{
	int code;

	return d->event && sd_event_get_exit_code(d->event, &code) >= 0;
}

/* "Tue 06:30": when the next run is, for STATUS=. */
static void status_time(time_t when, char *buf, size_t size)
{
	struct tm tm;

	localtime_r(&when, &tm);
	strftime(buf, size, "%a %H:%M", &tm);
}

/* STATUS= when nothing waters: what programs wait for, and the next run. */
static void set_idle_status(struct daemon *d)
{
	time_t now = time(NULL), held = d->sched.rain_delay_until;
	struct occurrence next;
	char when[32], until[32];

	if (scheduler_next_run(d, now, &next) < 0) {
		sd_notify(0, "STATUS=Idle");
		return;
	}
	if (!d->sched.clock_synced) {
		sd_notify(0, "STATUS=Waiting for the clock to be synchronized");
		return;
	}
	status_time(next.when, when, sizeof(when));
	if (held > now) {
		status_time(held, until, sizeof(until));
		sd_notifyf(0, "STATUS=Idle, rain delay until %s, next run %s", until,
			   when);
	} else {
		sd_notifyf(0, "STATUS=Idle, next run %s", when);
	}
}

/* Wall clock of a monotonic instant to come, for UNTIL= and people. */
static time_t wall_of(uint64_t mono_ns)
{
	uint64_t now = daemon_now();

	return time(NULL) + (time_t)(mono_ns > now ?
				     (mono_ns - now + NS_PER_S - 1) / NS_PER_S : 0);
}

/* Local "06:40" of a monotonic instant. */
static void clock_of(uint64_t mono_ns, char *buf, size_t size)
{
	time_t at = wall_of(mono_ns);
	struct tm tm;

	localtime_r(&at, &tm);
	strftime(buf, size, "%H:%M", &tm);
}

void watering_say_cycle(const struct run_request *r, char *buf, size_t size)
{
	if (r->n_cycles > 1)
		snprintf(buf, size, "cycle %u of %u", r->cycle, r->n_cycles);
	else
		snprintf(buf, size, "cycle %u", r->cycle);
}

void watering_say_soaking(struct daemon *d, const struct run_request *r,
			  char *buf, size_t size)
{
	char cycle[48], until[16];

	watering_say_cycle(r, cycle, sizeof(cycle));
	clock_of(r->soak_until_ns, until, sizeof(until));
	snprintf(buf, size, "%s: %s done, soaking until %s",
		 config_zone_name(&d->cfg, r->zone, "(removed)"), cycle, until);
}

void watering_set_status(struct daemon *d)
{
	const struct run_request *cur = ctl_current(&d->ctl);

	if (stopping(d)) {
		sd_notify(0, "STATUS=Stopping: closing every valve");
	} else if (cur && d->ctl.phase == CTL_WATERING) {
		uint64_t left = run_remaining_ns(&d->ctl.run, daemon_now()) / NS_PER_S;

		if (left >= 3600)
			sd_notifyf(0, "STATUS=Watering %s, %" PRIu64 ":%02" PRIu64
				   ":%02" PRIu64 " left",
				   config_zone_name(&d->cfg, cur->zone, "(removed)"),
				   left / 3600, left / 60 % 60, left % 60);
		else
			sd_notifyf(0, "STATUS=Watering %s, %" PRIu64 ":%02" PRIu64
				   " left",
				   config_zone_name(&d->cfg, cur->zone, "(removed)"),
				   left / 60, left % 60);
	} else if (cur && d->ctl.phase == CTL_DECIDING) {
		sd_notifyf(0, "STATUS=Reading the soil before watering %s",
			   config_zone_name(&d->cfg, cur->zone, "(removed)"));
	} else if (cur && d->ctl.phase == CTL_LEAD && !d->ctl.master_on) {
		sd_notifyf(0, "STATUS=Waiting to open %s: valves switch %us apart",
			   config_zone_name(&d->cfg, cur->zone, "(removed)"),
			   d->cfg.safety.min_switch_interval_s);
	} else if (cur && d->ctl.phase == CTL_LEAD) {
		sd_notifyf(0, "STATUS=Master valve open, %s follows",
			   config_zone_name(&d->cfg, cur->zone, "(removed)"));
	} else if (d->ctl.phase == CTL_LAG) {
		sd_notify(0, "STATUS=Master valve closing after the last zone");
	} else if (d->ctl.phase == CTL_SOAKING && ctl_soaking_len(&d->ctl)) {
		char line[160];

		watering_say_soaking(d, ctl_soaking_at(&d->ctl, 0), line, sizeof(line));
		sd_notifyf(0, "STATUS=Soaking: %s", line);
	} else {
		set_idle_status(d);
	}
}

static void arm_timer(struct daemon *d)
{
	uint64_t when = ctl_next_wakeup(&d->ctl);

	if (when == UINT64_MAX) {
		sd_event_source_set_enabled(d->run_timer, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(d->run_timer, when / 1000);
	sd_event_source_set_enabled(d->run_timer, SD_EVENT_ONESHOT);
}

/* ---- what waiting clients see ---- */

/* "Watering bed for 5 minutes", "Watering bed until 20.00 L (at most 1 hour)". */
static void say_watering(struct daemon *d, struct out *out, const struct event *ev)
{
	char said[48];

	watering_say_duration((uint32_t)ev->duration_s, said, sizeof(said));
	if (!isnan(ev->litres))
		out_line(out, "Watering %s until %.2f %s (at most %s)", ev->zone,
			 config_volume(&d->cfg, ev->litres),
			 config_volume_unit(&d->cfg), said);
	else
		out_line(out, "Watering %s for %s", ev->zone, said);
}

static void render_started(struct daemon *d, struct out *out,
			   const struct event *ev)
{
	say_watering(d, out, ev);
	if (ev->cycles != EVENT_UNSET && ev->cycles > 1)
		out_line(out, "In %lld cycles, soaking between them",
			 (long long)ev->cycles);
	else if (ev->cycles == 0)
		out_line(out, "In cycles until the litres are in, soaking between them");
	out_line(out, "Valve open");
	{
		char more[96] = "";

		/* By volume, and in cycles: said only of such runs. */
		if (!isnan(ev->litres))
			snprintf(more, sizeof(more), ",\"litres_asked\":%.3f", ev->litres);
		if (ev->cycles != EVENT_UNSET && ev->cycles != 1)
			snprintf(more + strlen(more), sizeof(more) - strlen(more),
				 ",\"cycles\":%lld", (long long)ev->cycles);
		out_event(out, "\"event\":\"start\",\"id\":%u,\"zone\":\"%s\","
			  "\"duration_s\":%u%s", (uint32_t)ev->run_id, ev->zone,
			  (uint32_t)ev->duration_s, more);
	}
}

/* A run's cycle ended (it soaks) or the next began. */
static void render_cycle(struct out *out, const struct event *ev)
{
	char cycle[48], until[16];
	struct tm tm;
	time_t at = (time_t)ev->until;

	if (ev->cycles > 1)
		snprintf(cycle, sizeof(cycle), "cycle %lld of %lld",
			 (long long)ev->cycle, (long long)ev->cycles);
	else
		snprintf(cycle, sizeof(cycle), "cycle %lld", (long long)ev->cycle);
	if (!strcmp(ev->action, "soak")) {
		localtime_r(&at, &tm);
		strftime(until, sizeof(until), "%H:%M:%S", &tm);
		out_line(out, "Valve closed: %s done, soaking until %s", cycle, until);
	} else {
		out_line(out, "Valve open: %s", cycle);
	}
	out_event(out, "\"event\":\"%s\",\"id\":%u,\"zone\":\"%s\",\"cycle\":%lld,"
		  "\"cycles\":%lld,\"watered_s\":%lld,\"litres\":%.3f,\"until\":%lld",
		  ev->action, (uint32_t)ev->run_id, ev->zone, (long long)ev->cycle,
		  (long long)ev->cycles, (long long)ev->duration_s, ev->litres,
		  !strcmp(ev->action, "soak") ? (long long)ev->until : 0LL);
}

/* A run whose valve waits: the master's lead, or the switch interval. */
static void render_waiting(struct daemon *d, struct out *out,
			   const struct event *ev)
{
	say_watering(d, out, ev);
	if (ev->run.master_on)
		out_line(out, "Master valve open: the zone's valve opens in %us",
			 (uint32_t)ev->wait_s);
	else
		out_line(out, "The zone's valve opens in %us: valves switch %us "
			 "apart", (uint32_t)ev->wait_s, ev->run.switch_interval_s);
	out_event(out, "\"event\":\"start\",\"id\":%u,\"zone\":\"%s\","
		  "\"duration_s\":%u,\"lead_s\":%u", (uint32_t)ev->run_id, ev->zone,
		  (uint32_t)ev->duration_s, (uint32_t)ev->wait_s);
}

/*
 * A run whose valve waits out the master's lead or the switch interval:
 * said once, when the wait begins (a --no-wait client is answered then).
 */
static void announce_waiting(struct daemon *d)
{
	const struct run_request *cur = ctl_current(&d->ctl);
	uint64_t now = daemon_now(), until = d->ctl.phase_until_ns;
	struct event ev;

	if (!cur || d->ctl.phase != CTL_LEAD || d->waiting_told == cur->id)
		return;
	d->waiting_told = cur->id;
	event_init(&ev, EV_WATER_WAITING);
	ev.zone = config_zone_name(&d->cfg, cur->zone, "(removed)");
	ev.duration_s = cur->duration_s;
	if (cur->litres > 0)
		ev.litres = cur->litres;
	ev.source = cur->source;
	ev.run_id = cur->id;
	ev.wait_s = until > now ? (int64_t)((until - now + NS_PER_S - 1) / NS_PER_S) : 0;
	ev.run.zone = cur->zone;
	ev.run.master_on = d->ctl.master_on;
	ev.run.switch_interval_s = d->cfg.safety.min_switch_interval_s;
	event_emit(&ev, "%s waits %llds for its valve (%s)", ev.zone,
		   (long long)ev.wait_s, ev.run.master_on ? "the master's lead" :
		   "valves switch apart");
}

static void render_report(struct daemon *d, struct out *out, const struct event *ev)
{
	char moisture[1024], line[1100];

	watering_format_moisture(d, ev->run.soil, ev->run.zone, out->json, moisture,
				 sizeof(moisture));
	if (out->json) {
		out_event(out, "\"event\":\"report\",\"id\":%u,\"zone\":\"%s\","
			  "\"elapsed_s\":%" PRId64 ",\"remaining_s\":%" PRId64
			  ",\"moisture\":[%s],\"flow_lpm\":%.2f,\"litres\":%.2f",
			  (uint32_t)ev->run_id, ev->zone, ev->run.elapsed_s,
			  ev->run.remaining_s, moisture, ev->flow_lpm, ev->litres);
		return;
	}
	if (!*moisture) {
		out_line(out, "Flow rate: %.1f %s/min",
			 config_volume(&d->cfg, ev->flow_lpm),
			 config_volume_unit(&d->cfg));
		return;
	}
	snprintf(line, sizeof(line), "Soil moisture: %s %%", moisture);
	out_line(out, "%s   Flow rate: %.1f %s/min", line,
		 config_volume(&d->cfg, ev->flow_lpm),
		 config_volume_unit(&d->cfg));
}

static void render_summary(struct daemon *d, struct out *out, const struct event *ev,
			   enum run_outcome outcome)
{
	const struct event_run *run = &ev->run;
	const char *zone = ev->zone, *why = ev->reason ? ev->reason : "";
	uint32_t id = (uint32_t)ev->run_id, elapsed_s = (uint32_t)ev->duration_s;
	char before[1024], after[1024], took[32];

	/* The run's record, and what it latched or taught. */
	saving_warn(d, out, (1u << STATE_HISTORY) | (1u << STATE_FAULTS));
	if (!run->started && outcome != RUN_SKIPPED) {
		out_line(out, "Not watering %s: %s", zone, why);
		out_err(out, outcome == RUN_HELD ? ERR_FAULTED :
			outcome == RUN_CAPPED ? ERR_CAPPED : ERR_HARDWARE,
			"%s", why);
		return;
	}
	if (outcome == RUN_SKIPPED) {
		out_line(out, "Skipped %s: soil moisture %.0f %% is above %.0f %%", zone,
			 ev->moisture, d->cfg.zones[run->zone].skip_above);
		out_ok(out, "\"event\":\"summary\",\"id\":%u,\"zone\":\"%s\","
		       "\"outcome\":\"skipped\",\"moisture\":%.1f", id, zone,
		       ev->moisture);
		return;
	}
	watering_format_moisture(d, run->soil_start, run->zone, out->json, before,
				 sizeof(before));
	watering_format_moisture(d, run->soil, run->zone, out->json, after,
				 sizeof(after));
	duration_format(elapsed_s, took, sizeof(took));
	if (outcome == RUN_STOPPED)
		out_line(out, "Stopped after %s", took);
	else if (outcome == RUN_SHUTDOWN)
		out_line(out, "irrigd is stopping: run ended after %s", took);
	else if (outcome == RUN_ENDED_EARLY)
		out_line(out, "Soil moisture reached %.0f %% after %s: ending early",
			 ev->moisture, took);
	else if (outcome == RUN_CAPPED)
		out_line(out, "Ended after %s: %s", took, why);
	else if (outcome == RUN_FAULT && *why)
		out_line(out, "Ended after %s by a fault: %s", took, why);
	out_line(out, run->valve_closed ? "Valve closed" :
		 "Valve did not close: every valve was switched off");
	/* A zone without probes waters by the clock: no moisture to show. */
	if (*before || *after) {
		out_line(out, "Initial moisture: %s %%", before);
		out_line(out, "Final moisture:   %s %%", after);
	}
	out_line(out, "Water used: %.2f %s", config_volume(&d->cfg, ev->litres),
		 config_volume_unit(&d->cfg));
	if (run->learn)
		out_line(out, "%s: %s", run->learned ? "Learned" :
			 "Nothing learned", run->lesson);
	if (outcome == RUN_FAULT || outcome == RUN_SHUTDOWN) {
		/* JSON readers get the figures too, before the error. */
		out_event(out, "\"event\":\"summary\",\"id\":%u,\"zone\":\"%s\","
			  "\"outcome\":\"%s\",\"duration_s\":%u,\"litres\":%.3f,"
			  "\"moisture_start\":[%s],\"moisture_end\":[%s]",
			  id, zone, run_outcome_name(outcome),
			  elapsed_s, ev->litres, before, after);
		if (outcome == RUN_FAULT && *why)
			out_err(out, ERR_FAULTED, "watering %s ended by a fault: %s",
				zone, why);
		else if (outcome == RUN_FAULT)
			out_err(out, ERR_HARDWARE, "watering %s ended by a hardware "
				"fault", zone);
		else
			out_err(out, ERR_UNAVAILABLE, "irrigd stopped while watering %s",
				zone);
		return;
	}
	if (run->learn && !run->learned) {
		out_event(out, "\"event\":\"summary\",\"id\":%u,\"zone\":\"%s\","
			  "\"outcome\":\"%s\",\"duration_s\":%u,\"litres\":%.3f,"
			  "\"moisture_start\":[%s],\"moisture_end\":[%s]",
			  id, zone, run_outcome_name(outcome),
			  elapsed_s, ev->litres, before, after);
		out_err(out, ERR_NOT_LEARNED, "nothing learned for %s: %s", zone,
			run->lesson);
		return;
	}
	if (run->learn) {
		out_ok(out, "\"event\":\"summary\",\"id\":%u,\"zone\":\"%s\","
		       "\"outcome\":\"%s\",\"duration_s\":%u,\"litres\":%.3f,"
		       "\"moisture_start\":[%s],\"moisture_end\":[%s],"
		       "\"learned_lpm\":%.2f", id, zone,
		       run_outcome_name(outcome), elapsed_s, ev->litres,
		       before, after, run->learned_lpm);
		return;
	}
	out_ok(out, "\"event\":\"summary\",\"id\":%u,\"zone\":\"%s\",\"outcome\":\"%s\","
	       "\"duration_s\":%u,\"litres\":%.3f,"
	       "\"moisture_start\":[%s],\"moisture_end\":[%s]", id,
	       zone, run_outcome_name(outcome), elapsed_s, ev->litres,
	       before, after);
}

static void render_dropped(struct out *out, const struct event *ev,
			   enum run_outcome outcome)
{
	if (outcome == RUN_SHUTDOWN)
		out_err(out, ERR_UNAVAILABLE, "irrigd stopped before %s was watered",
			ev->zone);
	else if (outcome == RUN_FAULT)
		out_err(out, ERR_HARDWARE, "a hardware fault stopped watering "
			"before %s", ev->zone);
	else
		out_err(out, ERR_STOPPED, "stopped before %s was watered", ev->zone);
}

/*
 * A client waiting for a run gets its lines from the run's events, the
 * same records the journal and the watchers get.
 */
enum run_reply watering_render_reply(struct daemon *d, struct out *out,
				     const struct event *ev)
{
	enum run_outcome outcome = RUN_COMPLETED;

	if (ev->outcome && run_outcome_parse(ev->outcome, &outcome) < 0)
		return RUN_REPLY_NONE;
	switch (ev->kind) {
	case EV_WATER_START:
		render_started(d, out, ev);
		return RUN_REPLY_MORE;
	case EV_WATER_CYCLE:
		render_cycle(out, ev);
		return RUN_REPLY_MORE;
	case EV_WATER_REPORT:
		render_report(d, out, ev);
		return RUN_REPLY_MORE;
	case EV_WATER_WAITING:
		render_waiting(d, out, ev);
		return RUN_REPLY_NO_WAIT;
	case EV_WATER_DROPPED:
		if (ev->run.dropped)
			render_dropped(out, ev, outcome);
		else	/* a fault kept it from starting */
			render_summary(d, out, ev, outcome);
		return RUN_REPLY_LAST;
	case EV_WATER_END:
	case EV_SKIP:
	case EV_HELD:
	case EV_CAP_REACHED:
		render_summary(d, out, ev, outcome);
		return RUN_REPLY_LAST;
	default:
		return RUN_REPLY_NONE;
	}
}

/* ---- history ---- */

static void save_history(struct daemon *d)
{
	saving_save(d, STATE_HISTORY);
}

/* ---- carrying out the controller's actions ---- */

static void fault_stop(struct daemon *d, uint64_t now, struct ctl_actions *more);
static void on_dropped(struct daemon *d, const struct ctl_action *a);
static void on_run_ended_active(struct daemon *d, const struct ctl_action *a);

static void on_run_started(struct daemon *d, const struct run_request *req)
{
	char said[48], how[96], cycles[32] = "";
	struct event ev;
	struct history_entry e = { 0 }, *stored;

	d->active.req_id = req->id;
	d->active.why[0] = '\0';
	d->active.litres_before = 0.0;
	d->active.start_pulses = flow_acct_pulses(meter_acct(d));
	d->active.start_soil = d->soil;
	/* Recorded now, as interrupted, so a crash leaves it that way. */
	e.started = time(NULL);
	snprintf(e.source, sizeof(e.source), "%s", req->source);
	snprintf(e.zone, sizeof(e.zone), "%s", config_zone_name(&d->cfg, req->zone, "(removed)"));
	e.planned_s = req->duration_s;
	e.moisture_start = watering_zone_moisture(d, &d->soil, req->zone);
	e.moisture_end = NAN;
	e.outcome = RUN_SHUTDOWN;
	stored = history_add(&d->history, &e);
	d->active.history_id = stored->id;
	save_history(d);
	event_init(&ev, EV_WATER_START);
	ev.zone = config_zone_name(&d->cfg, req->zone, "(removed)");
	ev.duration_s = req->duration_s;
	ev.source = req->source;
	ev.run_id = req->id;
	ev.moisture = e.moisture_start;
	ev.run.zone = req->zone;
	ev.run.learn = req->learn;
	ev.run.started = true;
	ev.cycles = req->n_cycles;
	if (req->litres > 0)
		ev.litres = req->litres;
	event_requester_of_run(&ev, req->id);	/* a manual run's asker */
	watering_say_duration(req->duration_s, said, sizeof(said));
	if (req->litres > 0)
		snprintf(how, sizeof(how), "until %.2f %s, at most %s",
			 config_volume(&d->cfg, req->litres),
			 config_volume_unit(&d->cfg), said);
	else
		snprintf(how, sizeof(how), "for %s", said);
	if (req->n_cycles != 1)
		snprintf(cycles, sizeof(cycles), req->n_cycles ?
			 " in %u cycles" : " in cycles", req->n_cycles);
	event_emit(&ev, "Watering %s %s%s (%s)",
		   config_zone_name(&d->cfg, req->zone, "(removed)"), how, cycles,
		   req->source);
}

/* The run the daemon keeps for run id between its cycles, or NULL. */
static struct active_run *parked_run(struct daemon *d, uint32_t id)
{
	for (size_t i = 0; i < d->n_parked; i++)
		if (d->parked[i].req_id == id)
			return &d->parked[i];
	return NULL;
}

static void unpark(struct daemon *d, struct active_run *p)
{
	*p = d->parked[--d->n_parked];
}

/* A cycle's valve closed: the run soaks, its record kept till it goes on. */
static void on_cycle_ended(struct daemon *d, const struct run_request *req)
{
	const char *zone = config_zone_name(&d->cfg, req->zone, "(removed)");
	struct history_entry *e;
	char said[160];
	struct event ev;

	if (d->active.req_id != req->id || d->n_parked == CTL_SOAKING_MAX)
		return;
	watering_count_flow(d);
	d->active.litres_before = watering_litres_so_far(d);
	/* Recorded so far (still "interrupted" until it ends): the caps
	 * and a crash see what it watered. */
	e = history_find(&d->history, d->active.history_id);
	if (e) {
		e->actual_s = (uint32_t)(req->watered_ns / NS_PER_S);
		e->litres = d->active.litres_before;
		save_history(d);
	}
	d->parked[d->n_parked++] = d->active;
	d->active.req_id = 0;
	event_init(&ev, EV_WATER_CYCLE);
	ev.zone = zone;
	ev.source = req->source;
	ev.run_id = req->id;
	ev.action = "soak";
	ev.cycle = req->cycle;
	ev.cycles = req->n_cycles;
	ev.duration_s = (int64_t)(req->watered_ns / NS_PER_S);
	ev.litres = d->active.litres_before;
	ev.until = wall_of(req->soak_until_ns);
	ev.run.zone = req->zone;
	ev.run.started = true;
	watering_say_soaking(d, req, said, sizeof(said));
	event_emit(&ev, "%s (%us, %.2f %s so far)", said,
		   (unsigned)(req->watered_ns / NS_PER_S),
		   config_volume(&d->cfg, ev.litres), config_volume_unit(&d->cfg));
}

/* A soaked run's next cycle: its valve opened again. */
static void on_cycle_started(struct daemon *d, const struct run_request *req)
{
	struct active_run *p = parked_run(d, req->id);
	char cycle[48];
	struct event ev;

	if (!p)
		return;
	d->active = *p;
	unpark(d, p);
	d->active.start_pulses = flow_acct_pulses(meter_acct(d));
	event_init(&ev, EV_WATER_CYCLE);
	ev.zone = config_zone_name(&d->cfg, req->zone, "(removed)");
	ev.source = req->source;
	ev.run_id = req->id;
	ev.action = "resume";
	ev.cycle = req->cycle;
	ev.cycles = req->n_cycles;
	ev.duration_s = (int64_t)(req->watered_ns / NS_PER_S);
	ev.litres = d->active.litres_before;
	ev.run.zone = req->zone;
	ev.run.started = true;
	watering_say_cycle(req, cycle, sizeof(cycle));
	event_emit(&ev, "%s: %s", ev.zone, cycle);
}

/* How a run goes, for watchers and the clients waiting for it. */
static void emit_report(struct daemon *d, const struct run_request *req)
{
	const struct run *run = &d->ctl.run;
	uint64_t now = daemon_now();
	struct event ev;

	watering_count_flow(d);
	event_init(&ev, EV_WATER_REPORT);
	ev.zone = config_zone_name(&d->cfg, run->zone, "(removed)");
	ev.source = req->source;
	ev.run_id = req->id;
	ev.litres = watering_litres_so_far(d);
	ev.flow_lpm = watering_flow_rate(d);
	ev.moisture = watering_zone_moisture(d, &d->soil, run->zone);
	ev.run.zone = run->zone;
	ev.run.learn = req->learn;
	ev.run.started = true;
	ev.run.elapsed_s = (int64_t)(run_elapsed_ns(run, now) / NS_PER_S);
	ev.run.remaining_s = (int64_t)(run_remaining_ns(run, now) / NS_PER_S);
	ev.run.soil = &d->soil;
	event_emit(&ev, "Watering %s for %" PRId64 "s: %.2f %s so far, %.1f %s/min",
		   ev.zone, ev.run.elapsed_s, config_volume(&d->cfg, ev.litres),
		   config_volume_unit(&d->cfg), config_volume(&d->cfg, ev.flow_lpm),
		   config_volume_unit(&d->cfg));
}

/* A run's end with its final moisture: history, journal, its clients. */
static void finish_ending(struct daemon *d, const struct run_ending *ending,
			  const struct soil_reading *end)
{
	const char *zone = config_zone_name(&d->cfg, ending->req.zone, "(removed)");
	struct event ev;
	double end_moisture = watering_zone_moisture(d, end, ending->req.zone);
	struct history_entry *e = history_find(&d->history, ending->history_id);
	char readings[512] = "";

	if (e && !ending->left_out) {
		e->moisture_end = end_moisture;
		save_history(d);
	}
	event_init(&ev, EV_WATER_END);
	ev.zone = zone;
	ev.outcome = run_outcome_name(ending->outcome);
	ev.source = ending->req.source;
	ev.run_id = ending->req.id;
	ev.litres = ending->litres;
	ev.duration_s = ending->elapsed_s;
	ev.reason = ending->why;
	ev.run.zone = ending->req.zone;
	ev.run.learn = ending->req.learn;
	ev.run.started = true;
	ev.run.valve_closed = ending->valve_closed;
	ev.run.soil_start = &ending->start_soil;
	ev.run.soil = end;
	ev.run.learned = ending->learned;
	ev.run.learned_lpm = ending->learned_lpm;
	ev.run.lesson = ending->lesson;
	if (ending->outcome == RUN_ENDED_EARLY) {
		char probes[384];

		/* MOISTURE=: what ended an early end, else what it reads now. */
		ev.moisture = ending->moisture;
		zone_readings(d, &d->soil, ending->req.zone, probes, sizeof(probes));
		snprintf(readings, sizeof(readings), " (soil moisture %.1f %%: %s, "
			 "reached %.1f %%)", ending->moisture, probes,
			 d->cfg.zones[ending->req.zone].stop_at);
	} else {
		ev.moisture = end_moisture;
	}
	if ((ending->outcome == RUN_FAULT || ending->outcome == RUN_CAPPED) &&
	    *ending->why)
		snprintf(readings, sizeof(readings), " (%s)", ending->why);
	ev.priority = ending->outcome == RUN_FAULT ? LOG_ERR : LOG_INFO;
	event_emit(&ev, "Watered %s for %us: %.2f %s, %s%s%s", zone,
		   ending->elapsed_s, config_volume(&d->cfg, ending->litres),
		   config_volume_unit(&d->cfg), run_outcome_name(ending->outcome),
		   readings, ending->left_out ?
		   "; under a second: not kept in the history" : "");
	/* Logged first: a crash in between leaves a run the log says was
	 * left out as interrupted, never a logged start unrecorded. */
	if (e && ending->left_out) {
		history_take_back(&d->history, ending->history_id);
		save_history(d);
	}
}

/*
 * Every run whose final moisture pass gives (all of them when all) gets
 * end; the others wait on.
 */
static void finish_endings_after(struct daemon *d, const struct soil_reading *end,
				 uint32_t pass, bool all)
{
	/* Taken out first: what the summaries lead to may end another run. */
	struct run_ending done[RUN_ENDINGS_MAX];
	size_t n = 0, kept = 0;

	for (size_t i = 0; i < d->n_endings; i++) {
		if (all || sampler_served(d->endings[i].pass, pass))
			done[n++] = d->endings[i];
		else
			d->endings[kept++] = d->endings[i];
	}
	d->n_endings = kept;
	for (size_t i = 0; i < n; i++)
		finish_ending(d, &done[i], end);
}

/* Every run waiting for its final moisture gets end, now. */
static void finish_endings(struct daemon *d, const struct soil_reading *end)
{
	finish_endings_after(d, end, 0, true);
}

void watering_finish_endings_now(struct daemon *d)
{
	finish_endings(d, &d->soil);
}

/* A slot for a run that ended; the oldest is finished when none is free. */
static struct run_ending *begin_ending(struct daemon *d)
{
	if (d->n_endings == RUN_ENDINGS_MAX) {
		struct run_ending oldest = d->endings[0];

		memmove(d->endings, d->endings + 1,
			(RUN_ENDINGS_MAX - 1) * sizeof(d->endings[0]));
		d->n_endings--;
		finish_ending(d, &oldest, &d->soil);
	}
	return &d->endings[d->n_endings++];
}

static void on_run_ended(struct daemon *d, const struct ctl_action *a)
{
	struct active_run *parked = parked_run(d, a->req.id), kept;

	/*
	 * A run between two cycles ends on what it had watered: taken in
	 * as the active one, the run watering now put by meanwhile.
	 */
	if (parked) {
		/* Held or capped as its next cycle was decided: why is here. */
		if (!d->active.req_id &&
		    (a->outcome == RUN_HELD || a->outcome == RUN_CAPPED))
			snprintf(parked->why, sizeof(parked->why), "%s", d->active.why);
		kept = d->active;
		d->active = *parked;
		unpark(d, parked);
		d->active.start_pulses = flow_acct_pulses(meter_acct(d));
		on_run_ended_active(d, a);
		d->active = kept;
		return;
	}
	on_run_ended_active(d, a);
}

static void on_run_ended_active(struct daemon *d, const struct ctl_action *a)
{
	bool started = a->req.id == d->active.req_id;
	struct event ev;
	const char *zone = config_zone_name(&d->cfg, a->req.zone, "(removed)");
	struct run_ending *ending;
	struct history_entry *e;
	char readings[512];
	bool left_out;

	event_init(&ev, a->outcome == RUN_SKIPPED ? EV_SKIP :
		   a->outcome == RUN_HELD ? EV_HELD : EV_CAP_REACHED);
	ev.zone = zone;
	ev.outcome = run_outcome_name(a->outcome);
	ev.moisture = a->moisture;
	ev.source = a->req.source;
	ev.run_id = a->req.id;
	ev.reason = d->active.why;
	ev.run.zone = a->req.zone;
	ev.run.learn = a->req.learn;
	/* Stopped while its soil was read: it never watered, as if dropped. */
	if (!started &&
	    (a->outcome == RUN_STOPPED || a->outcome == RUN_SHUTDOWN)) {
		on_dropped(d, a);
		return;
	}
	if (!started) {
		struct history_entry skipped = { 0 };

		skipped.started = time(NULL);
		snprintf(skipped.source, sizeof(skipped.source), "%s", a->req.source);
		snprintf(skipped.zone, sizeof(skipped.zone), "%s", zone);
		skipped.planned_s = a->req.duration_s;
		skipped.moisture_start = skipped.moisture_end = a->moisture;
		skipped.outcome = a->outcome;
		if (a->keep) {
			history_add(&d->history, &skipped);
			save_history(d);
		}
		zone_readings(d, &d->soil, a->req.zone, readings, sizeof(readings));
		if (a->outcome == RUN_SKIPPED)
			event_emit(&ev, "Skipped %s of %s: soil moisture %.1f %% (%s) "
				   "is above %.1f %%", zone, a->req.source, a->moisture,
				   readings, d->cfg.zones[a->req.zone].skip_above);
		else if (a->outcome == RUN_HELD || a->outcome == RUN_CAPPED)
			event_emit(&ev, "Not watering %s (%s): %s", zone,
				   a->req.source, d->active.why);
		else {	/* the fault that kept it from starting is logged */
			log_msg(LOG_INFO, "the run of %s (%s) did not start: %s",
				zone, a->req.source, run_outcome_name(a->outcome));
			ev.kind = EV_WATER_DROPPED;
			ev.priority = event_kind_info(EV_WATER_DROPPED)->priority;
			event_emit(&ev, "The run of %s (%s) did not start: %s", zone,
				   a->req.source, run_outcome_name(a->outcome));
		}
		return;
	}
	/* Pulses up to the moment the valve closed still count. */
	watering_count_flow(d);
	ending = begin_ending(d);
	ending->req = a->req;
	ending->outcome = a->outcome;
	ending->moisture = a->moisture;
	snprintf(ending->why, sizeof(ending->why), "%s", d->active.why);
	ending->start_soil = d->active.start_soil;
	ending->litres = watering_litres_so_far(d);
	ending->elapsed_s = (uint32_t)(a->req.watered_ns / NS_PER_S);
	/* By volume, the backstop came first. */
	if (a->outcome == RUN_CAPPED && a->req.litres > 0 && !*ending->why) {
		char said[48];

		watering_say_duration(a->req.duration_s, said, sizeof(said));
		snprintf(ending->why, sizeof(ending->why), "%s watered its most, %s "
			 "(max_run), with %.2f of its %.2f %s in", zone, said,
			 config_volume(&d->cfg, ending->litres),
			 config_volume(&d->cfg, a->req.litres),
			 config_volume_unit(&d->cfg));
	}
	ending->valve_closed = !d->active.valve_failed;
	ending->history_id = d->active.history_id;
	/* Recorded at once; the final moisture follows with the next sample. */
	e = history_find(&d->history, d->active.history_id);
	/* Stopped within its first second: the history keeps runs that
	 * watered.  Only the newest entry can be taken back. */
	left_out = e && !a->keep &&
		history_at(&d->history, history_len(&d->history) - 1)->id == e->id;
	ending->left_out = left_out;
	if (e && !left_out) {
		e->actual_s = ending->elapsed_s;
		e->litres = ending->litres;
		e->outcome = a->outcome;
		save_history(d);
	}
	ending->learned = safety_run_ended(d, &a->req, a->outcome,
					   &ending->learned_lpm, ending->lesson,
					   sizeof(ending->lesson));
	smart_run_ended(d, a->req.zone, ending->litres);
	d->active.req_id = 0;
	d->active.valve_failed = false;
	/*
	 * A stopping daemon does not wait for the sensors, nor does a run
	 * left out of the history (it must be the newest entry when taken
	 * back): the last sample serves.
	 */
	if (a->outcome == RUN_SHUTDOWN || stopping(d) || left_out)
		finish_endings(d, &d->soil);
	else
		ending->pass = sampler_request(d);
}

static void on_dropped(struct daemon *d, const struct ctl_action *a)
{
	const char *zone = config_zone_name(&d->cfg, a->req.zone, "(removed)");
	struct event ev;

	log_msg(LOG_INFO, "dropped the queued run of %s (%s): %s", zone,
		a->req.source, run_outcome_name(a->outcome));
	event_init(&ev, EV_WATER_DROPPED);
	ev.zone = zone;
	ev.source = a->req.source;
	ev.run_id = a->req.id;
	ev.outcome = run_outcome_name(a->outcome);
	ev.run.zone = a->req.zone;
	ev.run.learn = a->req.learn;
	ev.run.dropped = true;
	event_emit(&ev, "Dropped the queued run of %s (%s): %s", zone, a->req.source,
		   run_outcome_name(a->outcome));
}

/* Does one action; hardware failures queue the fault stop into *more. */
static void carry_out_one(struct daemon *d, const struct ctl_action *a,
			  uint64_t now, struct ctl_actions *more)
{
	int err;

	switch (a->kind) {
	case ACT_MASTER_ON:
	case ACT_MASTER_OFF:
		err = actuate(d, a);
		if (err < 0) {
			char detail[FAULT_DETAIL_MAX];

			snprintf(detail, sizeof(detail), "the master valve did not "
				 "switch %s: %s", a->kind == ACT_MASTER_ON ? "on" : "off",
				 strerror(-err));
			safety_raise(d, FAULT_VALVE, -1, NAN, NAN, detail);
			fault_stop(d, now, more);
		}
		break;
	case ACT_VALVE_ON:
		err = actuate(d, a);
		if (err < 0) {
			char detail[FAULT_DETAIL_MAX];

			snprintf(detail, sizeof(detail), "its valve did not open: %s",
				 strerror(-err));
			snprintf(d->active.why, sizeof(d->active.why), "%s", detail);
			safety_raise(d, FAULT_VALVE, a->zone, NAN, NAN, detail);
			fault_stop(d, now, more);
		} else {
			safety_valve_opened(d, a->zone);
		}
		break;
	case ACT_VALVE_OFF:
		err = actuate(d, a);	/* closes every valve when it fails */
		safety_valves_closed(d);
		if (err < 0) {
			char detail[FAULT_DETAIL_MAX];

			snprintf(detail, sizeof(detail), "its valve did not close: %s",
				 strerror(-err));
			d->active.valve_failed = true;
			safety_raise(d, FAULT_VALVE, a->zone, NAN, NAN, detail);
			/*
			 * It may still be open: nothing else waters (the
			 * master would open again for the next run).
			 */
			fault_stop(d, now, more);
		}
		break;
	case ACT_RUN_STARTED:
		on_run_started(d, &a->req);
		break;
	case ACT_RUN_ENDED:
		on_run_ended(d, a);
		break;
	case ACT_CYCLE_ENDED:
		on_cycle_ended(d, &a->req);
		break;
	case ACT_CYCLE_STARTED:
		on_cycle_started(d, &a->req);
		break;
	case ACT_DROPPED:
		on_dropped(d, a);
		break;
	case ACT_NEED_MOISTURE:
	case ACT_REPORT:
		break;	/* the loop below reads the soil for these */
	}
}

static void fault_stop(struct daemon *d, uint64_t now, struct ctl_actions *more)
{
	ctl_stop(&d->ctl, RUN_FAULT, now, more);
	actuate_all_closed(d, "a fault");
}

/* A zone with moisture rules and no probe that reads waters by the clock. */
static void log_fallback(struct daemon *d, int zone)
{
	const struct config_zone *z = &d->cfg.zones[zone];
	char readings[512];
	struct event ev;

	if (!z->has_skip_above && !z->has_stop_at)
		return;
	for (size_t p = 0;; p++) {
		if (p == d->cfg.n_probes)
			return;	/* no probe at all: nothing to fall back from */
		if (d->cfg.probes[p].zone == zone)
			break;
	}
	zone_readings(d, &d->soil, zone, readings, sizeof(readings));
	event_init(&ev, EV_FAULT);
	ev.priority = LOG_WARNING;
	ev.fault = "moisture-rules";
	ev.zone = z->name;
	event_emit(&ev, "No probe of zone %s reads (%s): its moisture rules fall "
		   "back to the plain schedule", z->name, readings);
}

/*
 * Carries out acts, then whatever the controller says next: a run that
 * needs its zone's moisture gets it, a report is sent, and the soil is
 * given back so the controller can end a run that reached its target.
 */
void watering_carry_out(struct daemon *d, struct ctl_actions *acts)
{
	struct ctl_actions more;

	while (acts->n) {
		uint64_t now = daemon_now();
		bool need = false, report = false;
		const struct run_request *req;

		more.n = 0;
		for (size_t i = 0; i < acts->n; i++) {
			enum ctl_action_kind kind = acts->list[i].kind;

			/* After a fault stop, nothing in this batch opens or
			 * starts. */
			if (more.n && (kind == ACT_VALVE_ON || kind == ACT_MASTER_ON ||
				       kind == ACT_RUN_STARTED ||
				       kind == ACT_CYCLE_STARTED))
				continue;
			carry_out_one(d, &acts->list[i], now, &more);
			need |= acts->list[i].kind == ACT_NEED_MOISTURE;
			report |= acts->list[i].kind == ACT_REPORT;
		}
		if (more.n) {
			*acts = more;	/* a fault stop: carry it out next */
			continue;
		}
		acts->n = 0;
		req = ctl_current(&d->ctl);
		if (!req || (!need && !report))
			break;
		if (need) {
			enum run_outcome may = safety_may_run(d, req, d->active.why,
							      sizeof(d->active.why));

			if (may != RUN_COMPLETED) {
				ctl_end_run(&d->ctl, may, daemon_now(), acts);
				continue;
			}
		}
		/* The sensors answer later, from the loop: nothing waits here. */
		d->want_moisture |= need;
		d->want_report |= report;
		d->want_pass = sampler_request(d);
	}
	announce_waiting(d);
	arm_timer(d);
	watering_set_status(d);
}

void watering_sample_taken(struct daemon *d, uint32_t pass)
{
	const struct run_request *req = ctl_current(&d->ctl);
	struct ctl_actions acts = { .n = 0 };
	bool need = d->want_moisture, report = d->want_report;
	double zone_avg;

	if (d->n_endings)
		finish_endings_after(d, &d->soil, pass, false);
	/* Asked while this pass converted: the next one serves it. */
	if (!sampler_served(d->want_pass, pass))
		return;
	d->want_moisture = d->want_report = false;
	/* What asked may have ended meanwhile: a stop, a fault, a reload. */
	if (!req || (!need && !report) ||
	    (d->ctl.phase != CTL_DECIDING && d->ctl.phase != CTL_WATERING))
		return;
	if (report && d->ctl.phase == CTL_WATERING)
		emit_report(d, req);
	zone_avg = watering_zone_moisture(d, &d->soil, req->zone);
	if (d->ctl.phase == CTL_DECIDING && isnan(zone_avg))
		log_fallback(d, req->zone);
	ctl_moisture(&d->ctl, zone_avg, !isnan(zone_avg), daemon_now(), &acts);
	watering_carry_out(d, &acts);
}

/* A sample pass ended: today's weather, probe health, the runs, the clients waiting for it. */
static void on_sample(struct daemon *d, uint32_t pass)
{
	smart_sample(d, sampler_latest(d));
	safety_soil_read(d, &d->soil);
	watering_sample_taken(d, pass);
	server_sample_taken(d->server, d, sampler_latest(d), pass);
}

static int on_run_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	struct ctl_actions acts = { .n = 0 };

	(void)src;
	(void)usec;
	/* A cycle of a run by volume ends on what the meter counted last. */
	watering_count_flow(d);
	count_litres(d, &acts);
	if (!acts.n)
		ctl_tick(&d->ctl, daemon_now(), &acts);
	watering_carry_out(d, &acts);
	return 0;
}

int watering_cancel(struct daemon *d, uint32_t id, const char *why)
{
	struct ctl_actions acts = { .n = 0 };
	int err = ctl_cancel(&d->ctl, id, daemon_now(), &acts);

	if (err < 0)
		return err;	/* it ended already: nothing to say */
	log_msg(LOG_INFO, "stopping run %u: %s", id, why);
	watering_carry_out(d, &acts);
	return 0;
}

int watering_stop(struct daemon *d, enum run_outcome why)
{
	struct ctl_actions acts = { .n = 0 };

	ctl_stop(&d->ctl, why, daemon_now(), &acts);
	watering_carry_out(d, &acts);
	if (why == RUN_SHUTDOWN) {
		/* Their summaries go out now, with the last sample. */
		finish_endings(d, &d->soil);
		safety_off(d);
	}
	/* Whatever the controller thought, nothing stays open. */
	return actuate_all_closed(d, why == RUN_SHUTDOWN ? "irrigd stopping" :
				  "a stop");
}

/* The controller's view of the config: moisture rules and the master. */
void watering_apply_config(struct daemon *d)
{
	struct zone_policy policy[CONFIG_MAX_ZONES];

	for (size_t z = 0; z < d->cfg.n_zones; z++) {
		policy[z].has_skip_above = d->cfg.zones[z].has_skip_above;
		policy[z].skip_above = d->cfg.zones[z].skip_above;
		policy[z].has_stop_at = d->cfg.zones[z].has_stop_at;
		policy[z].stop_at = d->cfg.zones[z].stop_at;
		policy[z].cycle_ns = (uint64_t)d->cfg.zones[z].cycle_s * NS_PER_S;
		policy[z].soak_ns = (uint64_t)d->cfg.zones[z].soak_s * NS_PER_S;
	}
	ctl_set_policy(&d->ctl, policy, d->cfg.n_zones);
	ctl_set_master(&d->ctl, d->cfg.master.present,
		       (uint64_t)d->cfg.master.lead_s * NS_PER_S,
		       (uint64_t)d->cfg.master.lag_s * NS_PER_S);
	ctl_set_min_switch(&d->ctl,
			   (uint64_t)d->cfg.safety.min_switch_interval_s * NS_PER_S);
	d->ctl.report_interval_ns = (uint64_t)d->cfg.report_interval_s * NS_PER_S;
}

int watering_init(struct daemon *d)
{
	int r;

	ctl_init(&d->ctl, (uint64_t)d->cfg.report_interval_s * NS_PER_S);
	watering_apply_config(d);
	r = sd_event_add_io(d->event, &d->flow_source,
			    flowmeter_fd(hardware_flowmeter(d->hw)), EPOLLIN,
			    on_flow, d);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot watch the flow meter");
	/*
	 * The kernel keeps few edges (16 a line with libgpiod 1.x): when
	 * several sources are ready at once, the meter is drained first.
	 */
	sd_event_source_set_priority(d->flow_source, SD_EVENT_PRIORITY_IMPORTANT);
	r = sd_event_add_time(d->event, &d->run_timer, CLOCK_MONOTONIC,
			      UINT64_MAX, 1000, on_run_timer, d);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot make the run timer");
	sd_event_source_set_enabled(d->run_timer, SD_EVENT_OFF);
	r = sampler_init(d, on_sample);
	if (r < 0)
		return r;
	return safety_init(d, on_flow_check);
}

void watering_done(struct daemon *d)
{
	sampler_done(d);
	safety_done(d);
	d->run_timer = sd_event_source_disable_unref(d->run_timer);
	d->flow_source = sd_event_source_disable_unref(d->flow_source);
}
