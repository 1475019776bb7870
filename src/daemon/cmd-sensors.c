/* Commands that read the garden: sensors, moisture, temperature, brightness, flow. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon/cmd.h"

/* ---- sensors ---- */

/* The soil was just read, so each probe's health is this reading's. */
static void render_soil(struct daemon *d, struct out *out,
			const struct soil_reading *soil)
{
	const struct config *cfg = &d->cfg;

	for (size_t p = 0; p < cfg->n_probes; p++) {
		char reason[160];

		safety_probe_reason(d, p, reason, sizeof(reason));
		if (soil->errs[p] < 0)
			out_line(out, "%-12s failed: it %s", cfg->probes[p].name,
				 reason);
		else
			out_line(out, "%-12s %3.0f %%", cfg->probes[p].name,
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

static void render_moisture(struct daemon *d, struct out *out,
			    const struct sample *sample)
{
	char json[4096];

	render_soil(d, out, &sample->soil);
	json_soil(d, &sample->soil, json, sizeof(json));
	out_ok(out, "\"moisture\":[%s]", json);
}

/* The reply comes when the sensors have been read; others are served meanwhile. */
static void wait_for_sample(struct cmd_ctx *ctx, sample_render_fn *render)
{
	client_wait_for_sample(ctx->client, render, ctx->out->json,
			       sampler_request(ctx->d));
}

void cmd_moisture(struct cmd_ctx *ctx)
{
	if (!ctx->d->cfg.n_probes) {
		out_err(ctx->out, ERR_UNAVAILABLE, "no soil probe is configured");
		return;
	}
	wait_for_sample(ctx, render_moisture);
}

static const char *unit_symbol(char unit)
{
	return unit == 'F' ? "°F" : "°C";
}

static void render_temperature(struct daemon *d, struct out *out,
			       const struct sample *sample)
{
	if (sample->temperature_err < 0) {
		char why[128];

		hardware_input_error(d->hw, &d->cfg.temperature.input,
				     sample->temperature_err, why, sizeof(why));
		out_err(out, ERR_HARDWARE, "cannot read the temperature sensor: %s", why);
		return;
	}
	out_line(out, "%.1f %s", sample->temperature,
		 unit_symbol(d->cfg.temperature.unit));
	out_ok(out, "\"temperature\":%.2f,\"unit\":\"%c\"", sample->temperature,
	       d->cfg.temperature.unit);
}

void cmd_temperature(struct cmd_ctx *ctx)
{
	if (!ctx->d->cfg.temperature.present) {
		out_err(ctx->out, ERR_UNAVAILABLE,
			"no temperature sensor is configured");
		return;
	}
	wait_for_sample(ctx, render_temperature);
}

static void render_brightness(struct daemon *d, struct out *out,
			      const struct sample *sample)
{
	if (sample->light_err < 0) {
		char why[128];

		hardware_input_error(d->hw, &d->cfg.light.input,
				     sample->light_err, why, sizeof(why));
		out_err(out, ERR_HARDWARE, "cannot read the light sensor: %s", why);
		return;
	}
	out_line(out, "%.0f %%", sample->light);
	out_ok(out, "\"brightness\":%.1f", sample->light);
}

void cmd_brightness(struct cmd_ctx *ctx)
{
	if (!ctx->d->cfg.light.present) {
		out_err(ctx->out, ERR_UNAVAILABLE, "no light sensor is configured");
		return;
	}
	wait_for_sample(ctx, render_brightness);
}

void cmd_flow(struct cmd_ctx *ctx)
{
	const struct flow_acct *acct =
		flowmeter_acct(hardware_flowmeter(ctx->d->hw));
	double rate, litres;

	watering_count_flow(ctx->d);
	rate = flow_acct_rate_lpm(acct, daemon_now());
	litres = flow_acct_litres_since(acct, 0);
	out_line(ctx->out, "%.1f %s/min, %.2f %s counted since irrigd started",
		 config_volume(&ctx->d->cfg, rate), config_volume_unit(&ctx->d->cfg),
		 config_volume(&ctx->d->cfg, litres),
		 config_volume_unit(&ctx->d->cfg));
	out_ok(ctx->out, "\"flow_lpm\":%.2f,\"litres_total\":%.3f,\"pulses\":%" PRIu64,
	       rate, litres, flow_acct_pulses(acct));
}

static void render_sensors(struct daemon *d, struct out *out,
			   const struct sample *sample)
{
	const struct flow_acct *acct = flowmeter_acct(hardware_flowmeter(d->hw));
	char soil_json[4096], temp_json[64] = "null", light_json[64] = "null";
	char why[128];
	double rate;

	render_soil(d, out, &sample->soil);
	json_soil(d, &sample->soil, soil_json, sizeof(soil_json));
	if (sample->temperature_err == 0) {
		out_line(out, "%-12s %.1f %s", "temperature", sample->temperature,
			 unit_symbol(d->cfg.temperature.unit));
		snprintf(temp_json, sizeof(temp_json), "%.2f", sample->temperature);
	} else if (sample->temperature_err != -ENODEV) {
		hardware_input_error(d->hw, &d->cfg.temperature.input,
				     sample->temperature_err, why, sizeof(why));
		out_line(out, "%-12s error: %s", "temperature", why);
	}
	if (sample->light_err == 0) {
		out_line(out, "%-12s %.0f %%", "brightness", sample->light);
		snprintf(light_json, sizeof(light_json), "%.1f", sample->light);
	} else if (sample->light_err != -ENODEV) {
		hardware_input_error(d->hw, &d->cfg.light.input,
				     sample->light_err, why, sizeof(why));
		out_line(out, "%-12s error: %s", "brightness", why);
	}
	watering_count_flow(d);
	rate = flow_acct_rate_lpm(acct, daemon_now());
	out_line(out, "%-12s %.1f %s/min", "flow", config_volume(&d->cfg, rate),
		 config_volume_unit(&d->cfg));
	out_ok(out, "\"moisture\":[%s],\"temperature\":%s,\"unit\":\"%s\","
	       "\"brightness\":%s,\"flow_lpm\":%.2f", soil_json, temp_json,
	       d->cfg.temperature.unit == 'F' ? "F" : "C", light_json, rate);
}

void cmd_sensors(struct cmd_ctx *ctx)
{
	wait_for_sample(ctx, render_sensors);
}
