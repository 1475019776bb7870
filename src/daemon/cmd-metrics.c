/* The metrics command: the daemon's figures in Prometheus' text exposition format (doc/metrics.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/promtext.h"
#include "daemon/cmd.h"
#include "daemon/events.h"

/*
 * What each zone did since irrigd started, counted from the events of the
 * runs that ended (counters start at 0 with the daemon; Prometheus takes
 * a restart as a counter reset).  By zone name, not index: a reload may
 * reorder or rename zones, and a zone's counts must not move to another.
 */
struct zone_totals {
	char zone[CONFIG_NAME_MAX];
	double litres;			/* of the runs that ended */
	uint64_t seconds;
	uint64_t runs[RUN_OUTCOMES];
};

/* The configured zones and as many removed by reloads since. */
#define TOTALS_MAX (2 * CONFIG_MAX_ZONES)

static struct zone_totals totals[TOTALS_MAX];
static size_t n_totals;

static bool zone_configured(const struct daemon *d, const char *zone)
{
	for (size_t z = 0; z < d->cfg.n_zones; z++)
		if (strcmp(d->cfg.zones[z].name, zone) == 0)
			return true;
	return false;
}

/* The zone's totals; made when new.  NULL only when zone is NULL. */
static struct zone_totals *totals_of(const struct daemon *d, const char *zone,
				     bool create)
{
	size_t i;

	if (!zone)
		return NULL;
	for (i = 0; i < n_totals; i++)
		if (strcmp(totals[i].zone, zone) == 0)
			return &totals[i];
	if (!create)
		return NULL;
	if (n_totals == TOTALS_MAX) {
		/* Full of removed zones: one no longer configured makes room. */
		for (i = 0; i < n_totals && zone_configured(d, totals[i].zone); i++)
			;
		if (i == n_totals)
			return NULL;
	} else {
		i = n_totals++;
	}
	memset(&totals[i], 0, sizeof(totals[i]));
	snprintf(totals[i].zone, sizeof(totals[i].zone), "%s", zone);
	return &totals[i];
}

/* event_emit's subscriber: a run's end, or a run decided not to water. */
static void on_event(void *ctx, const struct event *ev, const char *message)
{
	struct daemon *d = ctx;
	struct zone_totals *t;
	enum run_outcome outcome;

	(void)message;
	if (ev->kind != EV_WATER_END && ev->kind != EV_SKIP &&
	    ev->kind != EV_HELD && ev->kind != EV_CAP_REACHED)
		return;
	/* A cap reached during a run ends it: its water-end counts it. */
	if (ev->kind == EV_CAP_REACHED && ev->run.started)
		return;
	t = totals_of(d, ev->zone, true);
	if (!t || !ev->outcome || run_outcome_parse(ev->outcome, &outcome) < 0)
		return;
	t->runs[outcome]++;
	if (ev->kind != EV_WATER_END)
		return;
	if (!isnan(ev->litres) && ev->litres > 0.0)
		t->litres += ev->litres;
	if (ev->duration_s != EVENT_UNSET && ev->duration_s > 0)
		t->seconds += (uint64_t)ev->duration_s;
}

int metrics_init(struct daemon *d)
{
	n_totals = 0;
	return event_subscribe(on_event, d);
}

void metrics_close(struct daemon *d)
{
	event_unsubscribe(on_event, d);
}

/* ---- rendering ---- */

/*
 * The reply may outgrow the reply buffer (16 zones, 16 probes and 32
 * faults come near it): what is rendered goes to the client in pieces.
 */
static void flush_some(struct cmd_ctx *ctx)
{
	struct out *out = ctx->out;

	if (out->len < OUT_MAX / 2)
		return;
	client_send(ctx->client, out->buf, out->len);
	out->len = 0;
	out->buf[0] = '\0';
}

static void family(struct cmd_ctx *ctx, const char *name, const char *type,
		   const char *help)
{
	flush_some(ctx);
	out_line(ctx->out, "# HELP %s %s", name, help);
	out_line(ctx->out, "# TYPE %s %s", name, type);
}

/*
 * One sample: labels is "" or key="value" pairs, comma-separated, whose
 * values need no escaping (names are [A-Za-z0-9_-], the rest ours).
 * JSON: one {"metric","labels","value"} object a line, labels as an object.
 */
static void sample(struct cmd_ctx *ctx, const char *name, const char *labels,
		   double value)
{
	char json[256] = "", text[32];
	const char *p = labels;

	flush_some(ctx);
	prom_value(value, text, sizeof(text));
	if (*labels)
		out_line(ctx->out, "%s{%s} %s", name, labels, text);
	else
		out_line(ctx->out, "%s %s", name, text);
	if (!ctx->out->json)
		return;
	/* key="value",key="value" becomes "key":"value","key":"value". */
	while (*p) {
		const char *eq = strchr(p, '=');

		if (!eq)
			break;
		out_append(json, sizeof(json), "%s\"%.*s\":", *json ? "," : "",
			   (int)(eq - p), p);
		p = eq + 1;
		eq = strchr(p + 1, '"');
		if (!eq)
			break;
		out_append(json, sizeof(json), "%.*s", (int)(eq - p + 1), p);
		p = eq + 1;
		if (*p == ',')
			p++;
	}
	out_event(ctx->out, "\"metric\":\"%s\",\"labels\":{%s},\"value\":%s", name,
		  json, isfinite(value) ? text : "null");
}

static void daemon_metrics(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	uint64_t up_ns = daemon_now() - d->started_ns;
	char labels[128];

	family(ctx, "irrigd_build_info", "gauge",
	       "Always 1: the version of irrigd and of its protocol in the labels.");
	snprintf(labels, sizeof(labels), "version=\"%s\",protocol=\"%d\"",
		 IRRIGD_VERSION, PROTO_VERSION);
	sample(ctx, "irrigd_build_info", labels, 1);
	family(ctx, "irrigd_start_time_seconds", "gauge",
	       "When irrigd started, in seconds since the epoch.");
	sample(ctx, "irrigd_start_time_seconds", "", (double)d->started_wall);
	family(ctx, "irrigd_uptime_seconds", "gauge",
	       "How long irrigd has been running.");
	sample(ctx, "irrigd_uptime_seconds", "", (double)(up_ns / NS_PER_S));
	family(ctx, "irrigd_simulated", "gauge",
	       "1 when irrigd drives the simulated garden, 0 for real hardware.");
	sample(ctx, "irrigd_simulated", "", d->sim);
}

/*
 * The zone's figures: of the runs that ended, of those whose valve has
 * closed but whose summary waits for the soil's last reading (the history
 * has their outcome already), and of the one watering.
 */
static void zone_totals(struct daemon *d, size_t z, struct zone_totals *sum)
{
	const char *name = d->cfg.zones[z].name;
	struct zone_totals *t = totals_of(d, name, false);

	if (t)
		*sum = *t;
	else
		memset(sum, 0, sizeof(*sum));
	for (size_t i = 0; i < d->n_endings; i++) {
		const struct run_ending *e = &d->endings[i];

		if (strcmp(config_zone_name(&d->cfg, e->req.zone, ""), name) != 0)
			continue;
		sum->litres += e->litres;
		sum->seconds += e->elapsed_s;
		sum->runs[e->outcome]++;
	}
	/* Whole seconds: the run's summary has whole seconds, and a counter
	 * must never go back when it comes. */
	if (d->active.req_id && d->ctl.phase == CTL_WATERING &&
	    d->ctl.run.zone == (int)z) {
		sum->litres += watering_litres_so_far(d);
		sum->seconds += run_elapsed_ns(&d->ctl.run, daemon_now()) / NS_PER_S;
	}
}

static void zone_metrics(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	const struct config *cfg = &d->cfg;
	struct zone_totals sums[CONFIG_MAX_ZONES];
	char labels[128];

	family(ctx, "irrigd_zone_water_litres_total", "counter",
	       "Litres the flow meter counted while the zone watered, since irrigd started.");
	for (size_t z = 0; z < cfg->n_zones; z++) {
		zone_totals(d, z, &sums[z]);
		snprintf(labels, sizeof(labels), "zone=\"%s\"", cfg->zones[z].name);
		sample(ctx, "irrigd_zone_water_litres_total", labels, sums[z].litres);
	}
	family(ctx, "irrigd_zone_watering_seconds_total", "counter",
	       "Seconds the zone's valve was open, since irrigd started.");
	for (size_t z = 0; z < cfg->n_zones; z++) {
		snprintf(labels, sizeof(labels), "zone=\"%s\"", cfg->zones[z].name);
		sample(ctx, "irrigd_zone_watering_seconds_total", labels,
		       (double)sums[z].seconds);
	}
	family(ctx, "irrigd_zone_runs_total", "counter",
	       "Runs of the zone that ended since irrigd started, by outcome "
	       "(completed always shown, the others once they happened).");
	for (size_t z = 0; z < cfg->n_zones; z++) {
		for (int o = 0; o < RUN_OUTCOMES; o++) {
			uint64_t runs = sums[z].runs[o];

			if (!runs && o != RUN_COMPLETED)
				continue;
			snprintf(labels, sizeof(labels), "zone=\"%s\",outcome=\"%s\"",
				 cfg->zones[z].name, run_outcome_name((enum run_outcome)o));
			sample(ctx, "irrigd_zone_runs_total", labels, (double)runs);
		}
	}
	family(ctx, "irrigd_zone_valve_open", "gauge",
	       "1 while the zone's valve is open (the zone waters), else 0.");
	for (size_t z = 0; z < cfg->n_zones; z++) {
		bool open = d->active.req_id && d->ctl.phase == CTL_WATERING &&
			d->ctl.run.zone == (int)z;

		snprintf(labels, sizeof(labels), "zone=\"%s\"", cfg->zones[z].name);
		sample(ctx, "irrigd_zone_valve_open", labels, open);
	}
	if (d->ctl.has_master) {
		family(ctx, "irrigd_master_valve_open", "gauge",
		       "1 while the master valve is open, else 0.");
		sample(ctx, "irrigd_master_valve_open", "", d->ctl.master_on);
	}
	family(ctx, "irrigd_zone_faulted", "gauge",
	       "1 while a latched fault (the zone's own or the garden's) holds the zone.");
	for (size_t z = 0; z < cfg->n_zones; z++) {
		snprintf(labels, sizeof(labels), "zone=\"%s\"", cfg->zones[z].name);
		sample(ctx, "irrigd_zone_faulted", labels,
		       faults_hold_zone(&d->safety.state.faults, cfg->zones[z].name));
	}
	family(ctx, "irrigd_queued_runs", "gauge",
	       "Runs waiting in the queue behind the one going on.");
	sample(ctx, "irrigd_queued_runs", "", (double)ctl_queue_len(&d->ctl));
}

static void sensor_metrics(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	const struct config *cfg = &d->cfg;
	const struct sample *s = sampler_latest(d);
	const struct flow_acct *acct = flowmeter_acct(hardware_flowmeter(d->hw));
	char labels[128];

	if (cfg->n_probes) {
		family(ctx, "irrigd_probe_failed", "gauge",
		       "1 when the soil probe failed at its last reading, else 0.");
		for (size_t p = 0; p < cfg->n_probes; p++) {
			snprintf(labels, sizeof(labels), "probe=\"%s\"", cfg->probes[p].name);
			sample(ctx, "irrigd_probe_failed", labels, d->safety.probes[p].failed);
		}
	}
	if (s && cfg->n_probes) {
		family(ctx, "irrigd_probe_moisture_ratio", "gauge",
		       "Soil moisture of the probe at the last reading, 0 (dry) to 1 "
		       "(wet); left out for a probe that could not be read.");
		for (size_t p = 0; p < cfg->n_probes; p++) {
			if (s->soil.errs[p] < 0 || isnan(s->soil.percent[p]))
				continue;
			snprintf(labels, sizeof(labels), "probe=\"%s\"", cfg->probes[p].name);
			sample(ctx, "irrigd_probe_moisture_ratio", labels,
			       s->soil.percent[p] / 100.0);
		}
	}
	if (s && s->temperature_err == 0 && !isnan(s->temperature)) {
		family(ctx, "irrigd_temperature_celsius", "gauge",
		       "Air temperature at the last reading.");
		sample(ctx, "irrigd_temperature_celsius", "",
		       cfg->temperature.unit == 'F' ?
		       (s->temperature - 32.0) * 5.0 / 9.0 : s->temperature);
	}
	if (s && s->light_err == 0 && !isnan(s->light)) {
		family(ctx, "irrigd_light_ratio", "gauge",
		       "Light level at the last reading, 0 (dark) to 1 (full light).");
		sample(ctx, "irrigd_light_ratio", "", s->light / 100.0);
	}
	if (s) {
		family(ctx, "irrigd_sensors_read_age_seconds", "gauge",
		       "How long ago the sensors were last read.");
		sample(ctx, "irrigd_sensors_read_age_seconds", "",
		       (double)((daemon_now() - s->taken_ns) / NS_PER_S));
	}
	watering_count_flow(d);
	family(ctx, "irrigd_flow_litres_per_second", "gauge",
	       "Flow rate the flow meter measures now.");
	sample(ctx, "irrigd_flow_litres_per_second", "",
	       flow_acct_rate_lpm(acct, daemon_now()) / 60.0);
	family(ctx, "irrigd_flow_litres_total", "counter",
	       "Litres the flow meter counted since irrigd started, valves open or not.");
	sample(ctx, "irrigd_flow_litres_total", "", flow_acct_litres_since(acct, 0));
	family(ctx, "irrigd_flow_pulses_total", "counter",
	       "Pulses the flow meter gave since irrigd started.");
	sample(ctx, "irrigd_flow_pulses_total", "", (double)flow_acct_pulses(acct));
}

static void safety_metrics(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	const struct fault_set *faults = &d->safety.state.faults;
	time_t now = time(NULL);
	struct occurrence next;
	char labels[128];

	family(ctx, "irrigd_faults_latched", "gauge",
	       "How many faults are latched (cleared by irrigctl clear).");
	sample(ctx, "irrigd_faults_latched", "", (double)faults->n);
	if (faults->n) {
		family(ctx, "irrigd_fault_latched", "gauge",
		       "1 for each latched fault, by kind and zone (zone \"\" for "
		       "the whole garden); the fault's series is gone once cleared.");
		for (size_t i = 0; i < faults->n; i++) {
			snprintf(labels, sizeof(labels), "kind=\"%s\",zone=\"%s\"",
				 fault_kind_name(faults->list[i].kind),
				 faults->list[i].zone);
			sample(ctx, "irrigd_fault_latched", labels, 1);
		}
		family(ctx, "irrigd_fault_raised_timestamp_seconds", "gauge",
		       "When each latched fault was raised, in seconds since the epoch.");
		for (size_t i = 0; i < faults->n; i++) {
			snprintf(labels, sizeof(labels), "kind=\"%s\",zone=\"%s\"",
				 fault_kind_name(faults->list[i].kind),
				 faults->list[i].zone);
			sample(ctx, "irrigd_fault_raised_timestamp_seconds", labels,
			       (double)faults->list[i].raised);
		}
	}
	family(ctx, "irrigd_rain_delay_until_timestamp_seconds", "gauge",
	       "When the rain delay ends, in seconds since the epoch; 0 when none holds.");
	sample(ctx, "irrigd_rain_delay_until_timestamp_seconds", "",
	       d->sched.rain_delay_until > now ? (double)d->sched.rain_delay_until : 0);
	family(ctx, "irrigd_clock_synchronized", "gauge",
	       "1 once the system clock is synchronized (programs wait for it), else 0.");
	sample(ctx, "irrigd_clock_synchronized", "", d->sched.clock_synced);
	if (scheduler_next_run(d, now, &next) == 0) {
		family(ctx, "irrigd_next_run_timestamp_seconds", "gauge",
		       "When the next programmed run starts, in seconds since the "
		       "epoch; left out when no program is enabled.");
		snprintf(labels, sizeof(labels), "program=\"%s\"",
			 d->cfg.schedule.programs[next.program].name);
		sample(ctx, "irrigd_next_run_timestamp_seconds", labels,
		       (double)next.when);
	}
}

void cmd_metrics(struct cmd_ctx *ctx)
{
	daemon_metrics(ctx);
	zone_metrics(ctx);
	sensor_metrics(ctx);
	safety_metrics(ctx);
	out_ok(ctx->out, "\"format\":\"prometheus-text-0.0.4\"");
}
