/* Watering runs: carry out the run controller's actions, stream reports, summarise. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "core/duration.h"
#include "core/proto.h"
#include "daemon/daemon.h"
#include "daemon/log.h"

#define NS UINT64_C(1000000000)

uint64_t daemon_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* "5 minutes", "1 minute", "2m 30s": how people say a duration. */
static void say_duration(uint32_t seconds, char *buf, size_t size)
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

	if (n < 0)
		log_errno(LOG_WARNING, n, "cannot read the flow meter");
}

static int on_flow(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	(void)src;
	(void)fd;
	(void)revents;
	watering_count_flow(userdata);
	return 0;
}

static double litres_so_far(struct daemon *d)
{
	return flow_acct_litres_since(flowmeter_acct(hardware_flowmeter(d->hw)),
				      d->record.start_pulses);
}

static double flow_rate(struct daemon *d)
{
	return flow_acct_rate_lpm(flowmeter_acct(hardware_flowmeter(d->hw)),
				  daemon_now());
}

/* "31, 35, ?" for people, "31.2,35.0,null" for JSON. */
void watering_format_moisture(const struct daemon *d,
			      const struct soil_reading *soil, bool json,
			      char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t p = 0; p < d->cfg.n_probes && used < size; p++) {
		const char *sep = p ? (json ? "," : ", ") : "";
		int n;

		if (soil->errs[p] < 0)
			n = snprintf(buf + used, size - used, "%s%s", sep,
				     json ? "null" : "?");
		else
			n = snprintf(buf + used, size - used, json ? "%s%.1f" : "%s%.0f",
				     sep, soil->percent[p]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

void watering_read_soil(struct daemon *d, struct soil_reading *soil)
{
	hardware_read_soil(d->hw, soil->percent, soil->errs);
}

static void set_status(struct daemon *d)
{
	if (d->run.state == RUN_WATERING) {
		uint64_t left = run_remaining_ns(&d->run, daemon_now()) / NS;

		sd_notifyf(0, "STATUS=Watering %s, %" PRIu64 ":%02" PRIu64 " left",
			   d->cfg.zones[d->run.zone].name, left / 60, left % 60);
	} else {
		sd_notify(0, "STATUS=Idle");
	}
}

static void arm_timer(struct daemon *d)
{
	uint64_t when = run_next_wakeup(&d->run);

	if (when == UINT64_MAX) {
		sd_event_source_set_enabled(d->run_timer, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(d->run_timer, when / 1000);
	sd_event_source_set_enabled(d->run_timer, SD_EVENT_ONESHOT);
}

static void render_report(struct daemon *d, struct out *out, void *arg)
{
	const struct soil_reading *soil = arg;
	uint64_t now = daemon_now();
	char moisture[512], line[600];

	watering_format_moisture(d, soil, out->json, moisture, sizeof(moisture));
	if (out->json) {
		out_event(out, "\"event\":\"report\",\"zone\":\"%s\",\"elapsed_s\":%"
			  PRIu64 ",\"remaining_s\":%" PRIu64 ",\"moisture\":[%s],"
			  "\"flow_lpm\":%.2f,\"litres\":%.2f",
			  d->cfg.zones[d->run.zone].name,
			  run_elapsed_ns(&d->run, now) / NS,
			  run_remaining_ns(&d->run, now) / NS, moisture,
			  flow_rate(d), litres_so_far(d));
		return;
	}
	snprintf(line, sizeof(line), "Soil moisture: [%s] %%", moisture);
	out_line(out, "%-42s Flow rate: %.1f L/min", line, flow_rate(d));
}

struct summary {
	struct soil_reading end;
	double litres;
	uint64_t elapsed_s;
	bool valve_closed;
};

static void render_summary(struct daemon *d, struct out *out, void *arg)
{
	const struct summary *sum = arg;
	const struct run *run = &d->run;
	const char *zone = d->cfg.zones[run->zone].name;
	struct soil_reading start;
	char before[512], after[512], took[32];

	memcpy(start.percent, d->record.moisture_start, sizeof(start.percent));
	memcpy(start.errs, d->record.moisture_start_err, sizeof(start.errs));
	watering_format_moisture(d, &start, out->json, before, sizeof(before));
	watering_format_moisture(d, &sum->end, out->json, after, sizeof(after));
	duration_format((uint32_t)sum->elapsed_s, took, sizeof(took));
	if (run->outcome == RUN_STOPPED)
		out_line(out, "Stopped after %s", took);
	else if (run->outcome == RUN_SHUTDOWN)
		out_line(out, "irrigd is stopping: run ended after %s", took);
	out_line(out, sum->valve_closed ? "Valve closed" :
		 "Valve did not close: every valve was switched off");
	out_line(out, "Initial moisture: [%s] %%", before);
	out_line(out, "Final moisture:   [%s] %%", after);
	out_line(out, "Water used: %.2f L", sum->litres);
	if (run->outcome == RUN_FAULT) {
		out_err(out, ERR_HARDWARE, "watering %s ended by a hardware fault",
			zone);
		return;
	}
	if (run->outcome == RUN_SHUTDOWN) {
		out_err(out, ERR_UNAVAILABLE, "irrigd stopped while watering %s",
			zone);
		return;
	}
	out_ok(out, "\"event\":\"summary\",\"zone\":\"%s\",\"outcome\":\"%s\","
	       "\"duration_s\":%" PRIu64 ",\"litres\":%.3f,"
	       "\"moisture_start\":[%s],\"moisture_end\":[%s]",
	       zone, run_outcome_name(run->outcome), sum->elapsed_s, sum->litres,
	       before, after);
}

/*
 * Saved when a run starts (as "interrupted", which a crash leaves behind)
 * and again when it ends.
 */
static void save_last_run(struct daemon *d, uint32_t actual_s, double litres,
			  const char *outcome)
{
	struct last_run *last = &d->last_run;
	int err;

	snprintf(last->zone, sizeof(last->zone), "%s", d->cfg.zones[d->run.zone].name);
	last->started = d->record.started;
	last->planned_s = d->record.planned_s;
	last->actual_s = actual_s;
	last->litres = litres;
	snprintf(last->outcome, sizeof(last->outcome), "%s", outcome);
	d->have_last_run = true;
	err = state_save_last_run(d->state_dir, last);
	if (err < 0)
		log_errno(LOG_WARNING, err, "cannot save the last run in %s",
			  d->state_dir);
}

/* The run is over in the controller: close its valve and tell everyone. */
static void finish(struct daemon *d)
{
	const char *zone = d->cfg.zones[d->run.zone].name;
	struct summary sum = { .valve_closed = true };
	char f_zone[64], f_litres[32], f_duration[32], f_outcome[32];
	const char *fields[] = { f_zone, f_litres, f_duration, f_outcome, NULL };
	int err;

	err = hardware_valve(d->hw, d->run.zone, false);
	if (err < 0) {
		log_errno(LOG_CRIT, err, "valve of zone %s did not close", zone);
		hardware_all_off(d->hw);
		sum.valve_closed = false;
		d->run.outcome = RUN_FAULT;
	}
	/* Pulses up to the moment the valve closed still count. */
	watering_count_flow(d);
	sum.litres = litres_so_far(d);
	sum.elapsed_s = run_elapsed_ns(&d->run, d->run.ended_ns) / NS;
	watering_read_soil(d, &sum.end);
	snprintf(f_zone, sizeof(f_zone), "ZONE=%s", zone);
	snprintf(f_litres, sizeof(f_litres), "LITRES=%.2f", sum.litres);
	snprintf(f_duration, sizeof(f_duration), "DURATION_S=%" PRIu64,
		 sum.elapsed_s);
	snprintf(f_outcome, sizeof(f_outcome), "OUTCOME=%s",
		 run_outcome_name(d->run.outcome));
	save_last_run(d, (uint32_t)sum.elapsed_s, sum.litres,
		      run_outcome_name(d->run.outcome));
	log_event(d->run.outcome == RUN_FAULT ? LOG_ERR : LOG_INFO, "water-end",
		  fields, "Watered %s for %" PRIu64 "s: %.2f L, %s", zone,
		  sum.elapsed_s, sum.litres, run_outcome_name(d->run.outcome));
	server_notify_waiters(d->server, render_summary, d, &sum, true);
	arm_timer(d);
	set_status(d);
}

static int on_run_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	unsigned actions = run_tick(&d->run, daemon_now());

	(void)src;
	(void)usec;
	if (actions & RUN_DO_REPORT) {
		struct soil_reading soil;

		watering_count_flow(d);
		watering_read_soil(d, &soil);
		server_notify_waiters(d->server, render_report, d, &soil, false);
		set_status(d);
	}
	if (actions & RUN_DO_FINISH)
		finish(d);
	else
		arm_timer(d);
	return 0;
}

int watering_start(struct daemon *d, int zone, uint32_t seconds,
		   const char *requested_by, struct out *out)
{
	const char *name = d->cfg.zones[zone].name;
	char f_zone[64], f_duration[32], f_who[96], said[48];
	const char *fields[] = { f_zone, f_duration, f_who, NULL };
	struct soil_reading soil;
	unsigned actions;
	int err;

	if (d->run.state == RUN_WATERING) {
		out_err(out, ERR_BUSY, "zone %s is already watering",
			d->cfg.zones[d->run.zone].name);
		return -EBUSY;
	}
	watering_count_flow(d);
	d->record.start_pulses =
		flow_acct_pulses(flowmeter_acct(hardware_flowmeter(d->hw)));
	watering_read_soil(d, &soil);
	memcpy(d->record.moisture_start, soil.percent, sizeof(soil.percent));
	memcpy(d->record.moisture_start_err, soil.errs, sizeof(soil.errs));
	d->record.planned_s = seconds;
	d->record.started = time(NULL);
	snprintf(d->record.requested_by, sizeof(d->record.requested_by), "%s",
		 requested_by);
	err = run_start(&d->run, zone, (uint64_t)seconds * NS,
			(uint64_t)d->cfg.report_interval_s * NS, daemon_now(),
			&actions);
	if (err < 0) {
		out_err(out, ERR_USAGE, "cannot start: %s", strerror(-err));
		return err;
	}
	err = hardware_valve(d->hw, zone, true);
	if (err < 0) {
		log_errno(LOG_ERR, err, "valve of zone %s did not open", name);
		run_stop(&d->run, RUN_FAULT, daemon_now());
		hardware_all_off(d->hw);
		out_err(out, ERR_HARDWARE, "valve of zone %s did not open: %s", name,
			strerror(-err));
		return -EIO;
	}
	snprintf(f_zone, sizeof(f_zone), "ZONE=%s", name);
	snprintf(f_duration, sizeof(f_duration), "DURATION_S=%u", seconds);
	snprintf(f_who, sizeof(f_who), "REQUESTED_BY=%s", requested_by);
	save_last_run(d, 0, 0.0, run_outcome_name(RUN_SHUTDOWN));
	say_duration(seconds, said, sizeof(said));
	log_event(LOG_INFO, "water-start", fields, "Watering %s for %s (%s)",
		  name, said, requested_by);
	out_line(out, "Watering %s for %s", name, said);
	out_line(out, "Valve open");
	out_event(out, "\"event\":\"start\",\"zone\":\"%s\",\"duration_s\":%u",
		  name, seconds);
	arm_timer(d);
	set_status(d);
	return 0;
}

int watering_stop(struct daemon *d, enum run_outcome why)
{
	int err;

	if (run_stop(&d->run, why, daemon_now()) & RUN_DO_FINISH)
		finish(d);
	/* Whatever the controller thought, nothing stays open. */
	err = hardware_all_off(d->hw);
	if (err < 0)
		log_errno(LOG_CRIT, err, "cannot switch every valve off");
	return err;
}

int watering_init(struct daemon *d)
{
	int r;

	run_init(&d->run);
	r = sd_event_add_io(d->event, &d->flow_source,
			    flowmeter_fd(hardware_flowmeter(d->hw)), EPOLLIN,
			    on_flow, d);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot watch the flow meter");
	r = sd_event_add_time(d->event, &d->run_timer, CLOCK_MONOTONIC,
			      UINT64_MAX, 1000, on_run_timer, d);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot make the run timer");
	sd_event_source_set_enabled(d->run_timer, SD_EVENT_OFF);
	return 0;
}

void watering_done(struct daemon *d)
{
	d->run_timer = sd_event_source_disable_unref(d->run_timer);
	d->flow_source = sd_event_source_disable_unref(d->flow_source);
}
