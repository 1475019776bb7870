/* The sim command: the simulated garden's state, and the faults injected into it for tests and demos. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cmd.h"
#include "daemon/log.h"
#include "hw/sim_flow.h"

static const char *const sim_usage =
	"sim [i2c-errors PERCENT | probe NAME ok|disconnected|stuck VOLTS | "
	"flow PERCENT | leak LPM | valve ZONE ok|stuck | edge-queue EDGES | "
	"clock-sync slew|step | temperature DEGREES|off | rain on|off | day-end | "
	"clear]";

/* A whole, finite number, or -EINVAL. */
static int parse_number(const char *text, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(text, &end);
	if (end == text || *end || errno || !isfinite(*v))
		return -EINVAL;
	return 0;
}

static const char *probe_fault_name(enum garden_probe_fault f)
{
	switch (f) {
	case GARDEN_PROBE_OK:
		return "ok";
	case GARDEN_PROBE_DISCONNECTED:
		return "disconnected";
	case GARDEN_PROBE_STUCK:
		return "stuck";
	}
	return "?";
}

static const char *sim_clock_name(enum sim_clock c)
{
	switch (c) {
	case SIM_CLOCK_SYSTEM:
		return "system";
	case SIM_CLOCK_UNSYNCED:
		return "unsynced";
	case SIM_CLOCK_SYNCED:
		return "synced";
	}
	return "?";
}

/* The model keeps °C; people give and read the config's unit. */
static double to_config_unit(const struct daemon *d, double celsius)
{
	return d->cfg.temperature.unit == 'F' ? celsius * 9.0 / 5.0 + 32.0 : celsius;
}

static double from_config_unit(const struct daemon *d, double degrees)
{
	return d->cfg.temperature.unit == 'F' ? (degrees - 32.0) * 5.0 / 9.0 : degrees;
}

static void show(struct cmd_ctx *ctx, struct garden *g)
{
	struct daemon *d = ctx->d;
	struct garden_faults f;
	/* 16 zones or probes with 31-character names fill about 2 KiB. */
	char zones[3072] = "", probes[3072] = "", air[32];
	size_t zl = 0, pl = 0;

	garden_get_faults(g, &f);
	out_json_number(to_config_unit(d, f.temperature), 1, air, sizeof(air));
	for (size_t z = 0; z < d->cfg.n_zones && zl < sizeof(zones); z++) {
		bool open = garden_zone_open(g, (int)z);
		unsigned opens = garden_zone_opens(g, (int)z);

		out_line(ctx->out, "zone %-12s valve %s, opened %u time%s%s",
			 d->cfg.zones[z].name, open ? "open" : "closed", opens,
			 opens == 1 ? "" : "s",
			 f.valve_stuck[z] ? " [injected: valve stuck]" : "");
		zl += (size_t)snprintf(zones + zl, sizeof(zones) - zl,
				       "%s{\"name\":\"%s\",\"open\":%s,\"opens\":%u,"
				       "\"stuck\":%s}", z ? "," : "",
				       d->cfg.zones[z].name, open ? "true" : "false",
				       opens, f.valve_stuck[z] ? "true" : "false");
	}
	for (size_t p = 0; p < d->cfg.n_probes && pl < sizeof(probes); p++) {
		double m = garden_moisture(g, (int)p);
		char inj[64] = "";

		if (f.probe[p] == GARDEN_PROBE_DISCONNECTED)
			snprintf(inj, sizeof(inj), " [injected: disconnected]");
		else if (f.probe[p] == GARDEN_PROBE_STUCK)
			snprintf(inj, sizeof(inj), " [injected: stuck at %.2f V]",
				 f.probe_volts[p]);
		out_line(ctx->out, "probe %-11s %.1f %% moisture in the soil%s",
			 d->cfg.probes[p].name, m, inj);
		pl += (size_t)snprintf(probes + pl, sizeof(probes) - pl,
				       "%s{\"name\":\"%s\",\"moisture\":%.2f,"
				       "\"fault\":\"%s\"}", p ? "," : "",
				       d->cfg.probes[p].name, m,
				       probe_fault_name(f.probe[p]));
	}
	out_line(ctx->out, "water delivered: %.3f L", garden_litres(g));
	out_line(ctx->out, "meter edges made: %" PRIu64, f.edges_made);
	if (f.i2c_error_rate > 0.0)
		out_line(ctx->out, "injected: %.0f %% of I2C transfers fail",
			 f.i2c_error_rate * 100.0);
	if (f.flow_percent != 100.0)
		out_line(ctx->out, "injected: valves pass %.0f %% of their flow",
			 f.flow_percent);
	if (f.leak_lpm > 0.0)
		out_line(ctx->out, "injected: a leak of %.1f L/min past closed valves",
			 f.leak_lpm);
	if (f.edge_queue)
		out_line(ctx->out, "injected: the kernel keeps %zu edges; %" PRIu64
			 " dropped so far", f.edge_queue, f.edges_dropped);
	if (d->sched.sim_clock != SIM_CLOCK_SYSTEM)
		out_line(ctx->out, "simulated clock: %s",
			 d->sched.sim_clock == SIM_CLOCK_SYNCED ? "synchronized" :
			 "not synchronized");
	if (ctx->d->cfg.rain.present)
		out_line(ctx->out, "rain sensor: %s", ctx->d->smart.sim_wet ? "wet" : "dry");
	if (!isnan(f.temperature))
		out_line(ctx->out, "injected: the air is at %.1f °%c",
			 to_config_unit(d, f.temperature),
			 d->cfg.temperature.unit == 'F' ? 'F' : 'C');
	out_ok(ctx->out, "\"zones\":[%s],\"probes\":[%s],\"litres\":%.4f,"
	       "\"i2c_error_rate\":%.3f,\"flow_percent\":%.1f,\"leak_lpm\":%.2f,"
	       "\"edges_made\":%" PRIu64 ",\"edge_queue\":%zu,"
	       "\"edges_dropped\":%" PRIu64 ",\"clock\":\"%s\",\"temperature\":%s,"
	       "\"rain\":%s",
	       zones, probes, garden_litres(g), f.i2c_error_rate, f.flow_percent,
	       f.leak_lpm, f.edges_made, f.edge_queue, f.edges_dropped,
	       sim_clock_name(d->sched.sim_clock), air,
	       !d->cfg.rain.present ? "null" : d->smart.sim_wet ? "true" : "false");
}

static int inject_probe(struct cmd_ctx *ctx, struct garden *g)
{
	const struct request *req = ctx->req;
	enum garden_probe_fault f;
	double volts = 0.0;
	int probe = -1;

	for (size_t p = 0; p < ctx->d->cfg.n_probes; p++)
		if (!strcmp(ctx->d->cfg.probes[p].name, req->argv[1]))
			probe = (int)p;
	if (probe < 0) {
		out_err(ctx->out, ERR_USAGE, "no soil probe called %.64s",
			req->argv[1]);
		return -EINVAL;
	}
	if (req->argc == 3 && !strcmp(req->argv[2], "ok"))
		f = GARDEN_PROBE_OK;
	else if (req->argc == 3 && !strcmp(req->argv[2], "disconnected"))
		f = GARDEN_PROBE_DISCONNECTED;
	else if (req->argc == 4 && !strcmp(req->argv[2], "stuck") &&
		 parse_number(req->argv[3], &volts) == 0)
		f = GARDEN_PROBE_STUCK;
	else
		return -EINVAL;
	return garden_inject_probe(g, probe, f, volts);
}

static int inject_valve(struct cmd_ctx *ctx, struct garden *g)
{
	const struct request *req = ctx->req;
	int zone = config_find_zone(&ctx->d->cfg, req->argv[1]);
	int err;

	if (zone < 0) {
		out_err(ctx->out, ERR_UNKNOWN_ZONE, "no zone called %.64s",
			req->argv[1]);
		return -EINVAL;
	}
	if (req->argc != 3 || (strcmp(req->argv[2], "ok") &&
			       strcmp(req->argv[2], "stuck")))
		return -EINVAL;
	err = garden_inject_valve_stuck(g, zone, !strcmp(req->argv[2], "stuck"));
	if (err == -ENOTSUP)
		out_err(ctx->out, ERR_USAGE, "the valve of %s is on a GPIO line: "
			"only expander valves can be made to stick", req->argv[1]);
	return err;
}

/* Carries out one injection; -EINVAL without a reply is a usage error. */
static int inject(struct cmd_ctx *ctx, struct garden *g)
{
	const struct request *req = ctx->req;
	const char *what = req->argv[0];
	double v;

	if (!strcmp(what, "clear") && req->argc == 1) {
		garden_clear_faults(g);
		return 0;
	}
	if (!strcmp(what, "probe") && req->argc >= 3)
		return inject_probe(ctx, g);
	if (!strcmp(what, "valve") && req->argc >= 2)
		return inject_valve(ctx, g);
	if (!strcmp(what, "clock-sync") && req->argc == 2 &&
	    (!strcmp(req->argv[1], "slew") || !strcmp(req->argv[1], "step"))) {
		scheduler_sim_clock_sync(ctx->d, !strcmp(req->argv[1], "step"));
		return 0;
	}
	/* The day closes as at midnight: a test cannot wait for one. */
	if (!strcmp(what, "day-end") && req->argc == 1) {
		smart_day_end(ctx->d);
		return 0;
	}
	if (!strcmp(what, "rain") && req->argc == 2 &&
	    (!strcmp(req->argv[1], "on") || !strcmp(req->argv[1], "off"))) {
		if (smart_sim_rain(ctx->d, !strcmp(req->argv[1], "on")) < 0) {
			out_err(ctx->out, ERR_USAGE, "no rain sensor is configured "
				"(sensors.rain)");
			return -ENODEV;
		}
		return 0;
	}
	if (!strcmp(what, "temperature") && req->argc == 2 &&
	    !strcmp(req->argv[1], "off"))
		return garden_inject_temperature(g, NAN);
	if (req->argc != 2 || parse_number(req->argv[1], &v) < 0)
		return -EINVAL;
	if (!strcmp(what, "i2c-errors"))
		return garden_inject_i2c_errors(g, v / 100.0);
	if (!strcmp(what, "flow"))
		return garden_inject_flow_percent(g, v);
	if (!strcmp(what, "leak"))
		return garden_inject_leak(g, v);
	if (!strcmp(what, "temperature"))
		return garden_inject_temperature(g, from_config_unit(ctx->d, v));
	/* Checked as a double first: a cast out of range is undefined. */
	if (!strcmp(what, "edge-queue") && v >= 0 && v <= SIM_FLOW_QUEUE_MAX &&
	    v == floor(v))
		return garden_inject_edge_queue(g, (size_t)v);
	return -EINVAL;
}

void cmd_sim(struct cmd_ctx *ctx)
{
	struct garden *g = hardware_garden(ctx->d->hw);
	size_t before = ctx->out->len;
	int err;

	if (!g) {
		out_err(ctx->out, ERR_UNAVAILABLE,
			"irrigd runs on real hardware, not the simulated garden");
		return;
	}
	if (!ctx->req->argc) {
		show(ctx, g);
		return;
	}
	err = inject(ctx, g);
	if (err < 0) {
		/* A helper that explained itself has replied already. */
		if (ctx->out->len == before)
			out_err(ctx->out, ERR_USAGE, "usage: %s", sim_usage);
		return;
	}
	log_msg(LOG_NOTICE, "simulated garden: %s injected %s%s%s%s%s%s%s", ctx->who,
		ctx->req->argv[0], ctx->req->argc > 1 ? " " : "",
		ctx->req->argc > 1 ? ctx->req->argv[1] : "",
		ctx->req->argc > 2 ? " " : "", ctx->req->argc > 2 ? ctx->req->argv[2] : "",
		ctx->req->argc > 3 ? " " : "", ctx->req->argc > 3 ? ctx->req->argv[3] : "");
	show(ctx, g);
}
