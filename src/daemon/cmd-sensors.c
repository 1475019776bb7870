/* Commands that read the garden: sensors, moisture, temperature, brightness, flow. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon/cmd.h"

/* ---- sensors ---- */

/* The soil was just read, so each probe's health is this reading's. */
static void render_soil(struct cmd_ctx *ctx, const struct soil_reading *soil)
{
	const struct config *cfg = &ctx->d->cfg;

	for (size_t p = 0; p < cfg->n_probes; p++) {
		char reason[160];

		safety_probe_reason(ctx->d, p, reason, sizeof(reason));
		if (soil->errs[p] < 0)
			out_line(ctx->out, "%-12s failed: it %s", cfg->probes[p].name,
				 reason);
		else
			out_line(ctx->out, "%-12s %3.0f %%", cfg->probes[p].name,
				 soil->percent[p]);
	}
}

static void json_soil(const struct daemon *d, const struct soil_reading *soil,
		      char *buf, size_t size)
{
	const struct config *cfg = &d->cfg;
	size_t used = 0;

	buf[0] = '\0';
	for (size_t p = 0; p < cfg->n_probes && used < size; p++) {
		char reason[160];
		int n;

		safety_probe_reason(d, p, reason, sizeof(reason));
		if (soil->errs[p] < 0)
			n = snprintf(buf + used, size - used,
				     "%s{\"name\":\"%s\",\"failed\":true,"
				     "\"error\":\"%s\"}", p ? "," : "",
				     cfg->probes[p].name, reason);
		else
			n = snprintf(buf + used, size - used,
				     "%s{\"name\":\"%s\",\"percent\":%.1f}", p ? "," : "",
				     cfg->probes[p].name, soil->percent[p]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

void cmd_moisture(struct cmd_ctx *ctx)
{
	struct soil_reading soil;
	char json[4096];

	if (!ctx->d->cfg.n_probes)
		{
		out_err(ctx->out, ERR_UNAVAILABLE, "no soil probe is configured");
		return;
	}
	watering_read_soil(ctx->d, &soil);
	render_soil(ctx, &soil);
	json_soil(ctx->d, &soil, json, sizeof(json));
	out_ok(ctx->out, "\"moisture\":[%s]", json);
}

static const char *unit_symbol(char unit)
{
	return unit == 'F' ? "°F" : "°C";
}

void cmd_temperature(struct cmd_ctx *ctx)
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

void cmd_brightness(struct cmd_ctx *ctx)
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

void cmd_flow(struct cmd_ctx *ctx)
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

void cmd_sensors(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	const struct flow_acct *acct = flowmeter_acct(hardware_flowmeter(d->hw));
	struct soil_reading soil;
	char soil_json[4096], temp_json[64] = "null", light_json[64] = "null";
	double value, rate;
	int err;

	watering_read_soil(d, &soil);
	render_soil(ctx, &soil);
	json_soil(d, &soil, soil_json, sizeof(soil_json));
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
	out_ok(ctx->out, "\"moisture\":[%s],\"temperature\":%s,\"unit\":\"%s\","
	       "\"brightness\":%s,\"flow_lpm\":%.2f", soil_json, temp_json,
	       d->cfg.temperature.unit == 'F' ? "F" : "C", light_json, rate);
}
