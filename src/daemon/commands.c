/* The control commands: one handler per entry of the protocol's command table. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/duration.h"
#include "core/proto.h"
#include "daemon/daemon.h"
#include "daemon/log.h"

#define NS UINT64_C(1000000000)

struct cmd_ctx {
	struct daemon *d;
	struct client *client;
	const struct request *req;
	const char *who;
	struct out *out;
};

typedef void cmd_fn(struct cmd_ctx *ctx);

/* ---- water ---- */

static void cmd_water(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	const char *zone_name = NULL, *duration = NULL;
	bool no_wait = false;
	uint32_t seconds;
	char max[32];
	int zone, err;

	for (int i = 0; i < ctx->req->argc; i++) {
		const char *arg = ctx->req->argv[i];

		if (strcmp(arg, "--no-wait") == 0)
			no_wait = true;
		else if (arg[0] == '-' && arg[1] == '-')
			{
		out_err(ctx->out, ERR_USAGE, "unknown option %.64s", arg);
		return;
	}
		else if (!duration)
			duration = arg;
		else if (!zone_name) {
			zone_name = duration;
			duration = arg;
		} else
			{
		out_err(ctx->out, ERR_USAGE,
				       "usage: water [ZONE] DURATION [--no-wait]");
		return;
	}
	}
	if (!duration)
		{
		out_err(ctx->out, ERR_USAGE,
			       "usage: water [ZONE] DURATION [--no-wait]");
		return;
	}
	if (zone_name) {
		zone = config_find_zone(&d->cfg, zone_name);
		if (zone < 0)
			{
		out_err(ctx->out, ERR_UNKNOWN_ZONE,
				       "no zone called %.64s", zone_name);
		return;
	}
	} else if (d->cfg.n_zones == 1) {
		zone = 0;
	} else {
		{
		out_err(ctx->out, ERR_USAGE,
			       "there are %zu zones: name the one to water",
			       d->cfg.n_zones);
		return;
	}
	}
	err = duration_parse(duration, 60, &seconds);
	if (err == -ERANGE || (err == 0 && seconds > d->cfg.zones[zone].max_run_s)) {
		duration_format(d->cfg.zones[zone].max_run_s, max, sizeof(max));
		{
		out_err(ctx->out, ERR_BAD_DURATION,
			       "%.64s is longer than zone %s may water (%s)",
			       duration, d->cfg.zones[zone].name, max);
		return;
	}
	}
	if (err < 0)
		{
		out_err(ctx->out, ERR_BAD_DURATION,
			       "bad duration %.64s: use minutes, or 90s, 2m30s, 1h",
			       duration);
		return;
	}
	if (watering_start(d, zone, seconds, ctx->who, ctx->out) < 0)
		return;
	if (no_wait)
		{
		out_ok(ctx->out, "\"zone\":\"%s\",\"duration_s\":%u",
			      d->cfg.zones[zone].name, seconds);
		return;
	}
	client_wait_for_run(ctx->client, ctx->req->json);
}

/* ---- stop ---- */

static void cmd_stop(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	bool was_watering = d->run.state == RUN_WATERING;

	log_msg(LOG_INFO, "stop asked by %s", ctx->who);
	if (watering_stop(d, RUN_STOPPED) < 0)
		{
		out_err(ctx->out, ERR_HARDWARE,
			       "a valve did not close: check the wiring");
		return;
	}
	out_line(ctx->out, was_watering ? "Stopped: every valve closed" :
		 "Nothing was watering: every valve closed");
	out_ok(ctx->out, "\"stopped\":%s", was_watering ? "true" : "false");
}

/* ---- status ---- */

/* Resident and anonymous memory of this process, from /proc. */
static void memory_kib(unsigned long *rss, unsigned long *anon)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];

	*rss = *anon = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmRSS: %lu", rss);
		sscanf(line, "RssAnon: %lu", anon);
	}
	fclose(f);
}

/* Shows the last run, and puts its JSON fields into json. */
static void last_run_line(struct cmd_ctx *ctx, char *json, size_t size)
{
	const struct last_run *last = &ctx->d->last_run;
	char when[32], took[32];
	struct tm tm;

	json[0] = '\0';
	if (!ctx->d->have_last_run)
		return;
	localtime_r(&last->started, &tm);
	strftime(when, sizeof(when), "%a %d %b %H:%M", &tm);
	duration_format(last->actual_s, took, sizeof(took));
	out_line(ctx->out, "Last run: %s on %s, %s, %.2f L, %s", last->zone, when,
		 took, last->litres, last->outcome);
	snprintf(json, size, ",\"last_run\":{\"zone\":\"%s\",\"started\":%lld,"
		 "\"planned_s\":%u,\"actual_s\":%u,\"litres\":%.3f,"
		 "\"outcome\":\"%s\"}", last->zone, (long long)last->started,
		 last->planned_s, last->actual_s, last->litres, last->outcome);
}

static void cmd_status(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	uint64_t now = daemon_now();
	uint64_t up = (now - d->started_ns) / NS;
	unsigned long rss, anon;
	char uptime[32], elapsed[32], left[32], watering[256] = "", last[256];
	const struct flow_acct *acct = flowmeter_acct(hardware_flowmeter(d->hw));

	watering_count_flow(d);
	memory_kib(&rss, &anon);
	duration_format((uint32_t)(up > UINT32_MAX ? UINT32_MAX : up), uptime,
			sizeof(uptime));
	if (d->run.state == RUN_WATERING) {
		const char *zone = d->cfg.zones[d->run.zone].name;
		double litres = flow_acct_litres_since(acct, d->record.start_pulses);
		double rate = flow_acct_rate_lpm(acct, now);

		duration_format((uint32_t)(run_elapsed_ns(&d->run, now) / NS),
				elapsed, sizeof(elapsed));
		duration_format((uint32_t)(run_remaining_ns(&d->run, now) / NS),
				left, sizeof(left));
		out_line(ctx->out, "Watering %s: %s elapsed, %s left", zone, elapsed,
			 left);
		out_line(ctx->out, "Water so far: %.2f L at %.1f L/min", litres, rate);
		snprintf(watering, sizeof(watering),
			 ",\"zone\":\"%s\",\"elapsed_s\":%" PRIu64
			 ",\"remaining_s\":%" PRIu64 ",\"litres\":%.3f,\"flow_lpm\":%.2f",
			 zone, run_elapsed_ns(&d->run, now) / NS,
			 run_remaining_ns(&d->run, now) / NS, litres, rate);
	} else {
		out_line(ctx->out, "Idle: every valve closed");
	}
	last_run_line(ctx, last, sizeof(last));
	out_line(ctx->out, "Up %s, %s hardware, memory %lu KiB resident (%lu KiB "
		 "anonymous)", uptime, d->sim ? "simulated" : "real", rss, anon);
	out_ok(ctx->out, "\"state\":\"%s\"%s,\"uptime_s\":%" PRIu64
	       ",\"backend\":\"%s\",\"rss_kib\":%lu,\"anon_kib\":%lu%s",
	       d->run.state == RUN_WATERING ? "watering" : "idle", watering, up,
	       d->sim ? "sim" : "linux", rss, anon, last);
}

/* ---- sensors ---- */

static void render_soil(struct cmd_ctx *ctx, const struct soil_reading *soil)
{
	const struct config *cfg = &ctx->d->cfg;

	for (size_t p = 0; p < cfg->n_probes; p++) {
		if (soil->errs[p] < 0)
			out_line(ctx->out, "%-12s error: %s", cfg->probes[p].name,
				 strerror(-soil->errs[p]));
		else
			out_line(ctx->out, "%-12s %3.0f %%", cfg->probes[p].name,
				 soil->percent[p]);
	}
}

static void json_soil(const struct config *cfg, const struct soil_reading *soil,
		      char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t p = 0; p < cfg->n_probes && used < size; p++) {
		int n;

		if (soil->errs[p] < 0)
			n = snprintf(buf + used, size - used,
				     "%s{\"name\":\"%s\",\"error\":\"%s\"}", p ? "," : "",
				     cfg->probes[p].name, strerror(-soil->errs[p]));
		else
			n = snprintf(buf + used, size - used,
				     "%s{\"name\":\"%s\",\"percent\":%.1f}", p ? "," : "",
				     cfg->probes[p].name, soil->percent[p]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static void cmd_moisture(struct cmd_ctx *ctx)
{
	struct soil_reading soil;
	char json[2048];

	if (!ctx->d->cfg.n_probes)
		{
		out_err(ctx->out, ERR_UNAVAILABLE, "no soil probe is configured");
		return;
	}
	watering_read_soil(ctx->d, &soil);
	render_soil(ctx, &soil);
	json_soil(&ctx->d->cfg, &soil, json, sizeof(json));
	out_ok(ctx->out, "\"moisture\":[%s]", json);
}

static const char *unit_symbol(char unit)
{
	return unit == 'F' ? "°F" : "°C";
}

static void cmd_temperature(struct cmd_ctx *ctx)
{
	double value;
	int err = hardware_read_temperature(ctx->d->hw, &value);

	if (err == -ENODEV)
		{
		out_err(ctx->out, ERR_UNAVAILABLE,
			       "no temperature sensor is configured");
		return;
	}
	if (err < 0)
		{
		out_err(ctx->out, ERR_HARDWARE,
			       "cannot read the temperature sensor: %s",
			       strerror(-err));
		return;
	}
	out_line(ctx->out, "%.1f %s", value, unit_symbol(ctx->d->cfg.temperature.unit));
	out_ok(ctx->out, "\"temperature\":%.2f,\"unit\":\"%c\"", value,
	       ctx->d->cfg.temperature.unit);
}

static void cmd_brightness(struct cmd_ctx *ctx)
{
	double percent;
	int err = hardware_read_light(ctx->d->hw, &percent);

	if (err == -ENODEV)
		{
		out_err(ctx->out, ERR_UNAVAILABLE,
			       "no light sensor is configured");
		return;
	}
	if (err < 0)
		{
		out_err(ctx->out, ERR_HARDWARE,
			       "cannot read the light sensor: %s", strerror(-err));
		return;
	}
	out_line(ctx->out, "%.0f %%", percent);
	out_ok(ctx->out, "\"brightness\":%.1f", percent);
}

static void cmd_flow(struct cmd_ctx *ctx)
{
	const struct flow_acct *acct =
		flowmeter_acct(hardware_flowmeter(ctx->d->hw));
	double rate, litres;

	watering_count_flow(ctx->d);
	rate = flow_acct_rate_lpm(acct, daemon_now());
	litres = flow_acct_litres_since(acct, 0);
	out_line(ctx->out, "%.1f L/min, %.2f L counted since irrigd started", rate,
		 litres);
	out_ok(ctx->out, "\"flow_lpm\":%.2f,\"litres_total\":%.3f,\"pulses\":%" PRIu64,
	       rate, litres, flow_acct_pulses(acct));
}

static void cmd_sensors(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	const struct flow_acct *acct = flowmeter_acct(hardware_flowmeter(d->hw));
	struct soil_reading soil;
	char soil_json[2048], temp_json[64] = "null", light_json[64] = "null";
	double value, rate;
	int err;

	watering_read_soil(d, &soil);
	render_soil(ctx, &soil);
	json_soil(&d->cfg, &soil, soil_json, sizeof(soil_json));
	err = hardware_read_temperature(d->hw, &value);
	if (err == 0) {
		out_line(ctx->out, "%-12s %.1f %s", "temperature", value,
			 unit_symbol(d->cfg.temperature.unit));
		snprintf(temp_json, sizeof(temp_json), "%.2f", value);
	} else if (err != -ENODEV) {
		out_line(ctx->out, "%-12s error: %s", "temperature", strerror(-err));
	}
	err = hardware_read_light(d->hw, &value);
	if (err == 0) {
		out_line(ctx->out, "%-12s %.0f %%", "brightness", value);
		snprintf(light_json, sizeof(light_json), "%.1f", value);
	} else if (err != -ENODEV) {
		out_line(ctx->out, "%-12s error: %s", "brightness", strerror(-err));
	}
	watering_count_flow(d);
	rate = flow_acct_rate_lpm(acct, daemon_now());
	out_line(ctx->out, "%-12s %.1f L/min", "flow", rate);
	out_ok(ctx->out, "\"moisture\":[%s],\"temperature\":%s,\"unit\":\"%c\","
	       "\"brightness\":%s,\"flow_lpm\":%.2f", soil_json, temp_json,
	       d->cfg.temperature.unit, light_json, rate);
}

/* ---- version, help, sim ---- */

static void cmd_version(struct cmd_ctx *ctx)
{
	out_line(ctx->out, "irrigd %s, protocol %d", IRRIGD_VERSION, PROTO_VERSION);
	out_ok(ctx->out, "\"version\":\"%s\",\"protocol\":%d", IRRIGD_VERSION,
	       PROTO_VERSION);
}

static void cmd_help(struct cmd_ctx *ctx)
{
	for (int i = 0; i < CMD__COUNT; i++) {
		char words[80];

		snprintf(words, sizeof(words), "%s %s", cmd_specs[i].name,
			 cmd_specs[i].usage);
		out_line(ctx->out, "%-36s %s", words, cmd_specs[i].summary);
	}
	out_ok(ctx->out, "\"commands\":%d", CMD__COUNT);
}

static void cmd_sim(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	struct garden *g = hardware_garden(d->hw);
	char zones[1024] = "", probes[1024] = "";
	size_t zl = 0, pl = 0;

	if (!g)
		{
		out_err(ctx->out, ERR_UNAVAILABLE,
			       "irrigd runs on real hardware, not the simulated garden");
		return;
	}
	for (size_t z = 0; z < d->cfg.n_zones && zl < sizeof(zones); z++) {
		bool open = garden_zone_open(g, (int)z);
		unsigned opens = garden_zone_opens(g, (int)z);

		out_line(ctx->out, "zone %-12s valve %s, opened %u time%s",
			 d->cfg.zones[z].name, open ? "open" : "closed", opens,
			 opens == 1 ? "" : "s");
		zl += (size_t)snprintf(zones + zl, sizeof(zones) - zl,
				       "%s{\"name\":\"%s\",\"open\":%s,\"opens\":%u}",
				       z ? "," : "", d->cfg.zones[z].name,
				       open ? "true" : "false", opens);
	}
	for (size_t p = 0; p < d->cfg.n_probes && pl < sizeof(probes); p++) {
		double m = garden_moisture(g, (int)p);

		out_line(ctx->out, "probe %-11s %.1f %% moisture in the soil",
			 d->cfg.probes[p].name, m);
		pl += (size_t)snprintf(probes + pl, sizeof(probes) - pl,
				       "%s{\"name\":\"%s\",\"moisture\":%.2f}",
				       p ? "," : "", d->cfg.probes[p].name, m);
	}
	out_line(ctx->out, "water delivered: %.3f L", garden_litres(g));
	out_ok(ctx->out, "\"zones\":[%s],\"probes\":[%s],\"litres\":%.4f", zones,
	       probes, garden_litres(g));
}

static cmd_fn *const handlers[CMD__COUNT] = {
	[CMD_WATER] = cmd_water,
	[CMD_STOP] = cmd_stop,
	[CMD_STATUS] = cmd_status,
	[CMD_SENSORS] = cmd_sensors,
	[CMD_MOISTURE] = cmd_moisture,
	[CMD_TEMPERATURE] = cmd_temperature,
	[CMD_BRIGHTNESS] = cmd_brightness,
	[CMD_FLOW] = cmd_flow,
	[CMD_VERSION] = cmd_version,
	[CMD_HELP] = cmd_help,
	[CMD_SIM] = cmd_sim,
};

void commands_handle(struct daemon *d, struct client *c, char *line,
		     const char *who)
{
	struct out *out = malloc(sizeof(*out));
	struct request req;
	const char *code, *message;
	struct cmd_ctx ctx = { d, c, &req, who, out };
	int r;

	if (!out) {
		static const char oom[] = "ERR unavailable out of memory\n";

		client_send(c, oom, sizeof(oom) - 1);
		return;
	}
	r = proto_parse(line, &req, &code, &message);
	out_init(out, req.json);
	if (r < 0 && strcmp(code, ERR_USAGE) == 0)
		out_err(out, code, "usage: %s %s", cmd_specs[req.cmd].name,
			cmd_specs[req.cmd].usage);
	else if (r < 0)
		out_err(out, code, "%s", message);
	else
		handlers[req.cmd](&ctx);
	client_send(c, out->buf, out->len);
	free(out);
}
