/* The weather and rain commands: the garden's own weather, the percentage in force and why, each soil water balance, the rain sensor; rain entered by hand. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cmd.h"
#include "daemon/log.h"

/* Days the text reply lists; JSON has every kept day. */
#define WEATHER_TEXT_DAYS 7

static double in_unit(const struct daemon *d, double celsius)
{
	return d->cfg.temperature.unit == 'F' ? celsius * 9.0 / 5.0 + 32.0 : celsius;
}

static void day_json(const struct daemon *d, const struct weather_day *day,
		     bool past, char *buf, size_t size)
{
	char min[32], max[32], mean[32], et0[48] = "";

	out_json_number(day->samples ? in_unit(d, day->min_c) : NAN, 1, min, sizeof(min));
	out_json_number(day->samples ? in_unit(d, day->max_c) : NAN, 1, max, sizeof(max));
	out_json_number(day->samples ? in_unit(d, day->mean_c) : NAN, 1, mean,
			sizeof(mean));
	if (past) {
		char v[32];

		out_json_number(day->et0_mm, 2, v, sizeof(v));
		snprintf(et0, sizeof(et0), ",\"et0_mm\":%s", v);
	}
	snprintf(buf, size, "{\"date\":\"%04d-%02d-%02d\",\"samples\":%u,\"min\":%s,"
		 "\"max\":%s,\"mean\":%s%s}", day->date.year, day->date.month,
		 day->date.day, day->samples, min, max, mean, et0);
}

static void day_text(const struct daemon *d, struct out *out,
		     const struct weather_day *day, const char *label, bool past)
{
	char et0[48] = "";

	if (past)
		snprintf(et0, sizeof(et0), isnan(day->et0_mm) ? ", ET0 not known" :
			 ", ET0 %.2f mm", day->et0_mm);
	if (!day->samples) {
		out_line(out, "%s %04d-%02d-%02d: no temperature reading%s", label,
			 day->date.year, day->date.month, day->date.day, et0);
		return;
	}
	out_line(out, "%s %04d-%02d-%02d: %.1f to %.1f °%c, mean %.1f, %u "
		 "reading%s%s", label, day->date.year, day->date.month, day->date.day,
		 in_unit(d, day->min_c), in_unit(d, day->max_c),
		 d->cfg.temperature.unit == 'F' ? 'F' : 'C', in_unit(d, day->mean_c),
		 day->samples, day->samples == 1 ? "" : "s", et0);
}

/* The seasonal percentage in force today, and why. */
static void seasonal(struct cmd_ctx *ctx, char *json, size_t size)
{
	struct daemon *d = ctx->d;
	const struct seasonal_auto_result *a = &d->smart.auto_now;
	time_t now = time(NULL);
	char why[2 * SEASONAL_WHY_MAX + 8];
	unsigned pct;

	if (!d->cfg.seasonal_auto.on || !d->smart.auto_known || a->fallback) {
		struct tm tm;

		localtime_r(&now, &tm);
		pct = (unsigned)(((uint64_t)d->cfg.schedule.percent *
				  d->cfg.schedule.monthly_percent[tm.tm_mon] + 50) / 100);
	} else {
		pct = a->percent;
	}
	if (d->cfg.seasonal_auto.on) {
		out_line(ctx->out, "Seasonal: auto, %u %% today%s: %s", pct,
			 a->fallback ? " (the monthly table: auto falls back)" : "",
			 a->why);
		snprintf(json, size, "\"seasonal\":{\"mode\":\"auto\",\"percent\":%u,"
			 "\"fallback\":%s,\"mean_et0_mm\":%.2f,\"valid_days\":%u,"
			 "\"why\":%s}", pct, a->fallback ? "true" : "false",
			 a->mean_et0_mm, a->valid_days,
			 proto_json_string(a->why, why, sizeof(why)));
	} else {
		out_line(ctx->out, "Seasonal: fixed, %u %% this month (percent %u %% × "
			 "monthly %u %%)", pct, d->cfg.schedule.percent,
			 d->cfg.schedule.monthly_percent[localtime(&now)->tm_mon]);
		snprintf(json, size, "\"seasonal\":{\"mode\":\"fixed\",\"percent\":%u,"
			 "\"fallback\":false,\"why\":\"percent x monthly\"}", pct);
	}
}

static void balances(struct cmd_ctx *ctx, char *json, size_t size)
{
	struct daemon *d = ctx->d;
	size_t used = 0;

	used += (size_t)snprintf(json, size, "\"balance\":[");
	for (size_t z = 0; z < d->cfg.n_zones && used < size; z++) {
		const struct config_zone *zone = &d->cfg.zones[z];
		const struct weather_balance *b;
		char start[16] = "", last[2 * BALANCE_WHY_MAX + 8];

		b = weather_log_balance(&d->smart.log, zone->name);
		if (!zone->has_soil || !b)
			continue;
		if (zone->water_by_balance)
			snprintf(start, sizeof(start), "%02u:%02u",
				 zone->balance_start_min / 60,
				 zone->balance_start_min % 60);
		out_line(ctx->out, "Zone %s: depletion %.1f mm (waters past %.1f mm, "
			 "wilting at %.1f mm)%s%s%s%s", zone->name, b->depletion_mm,
			 balance_raw_mm(&zone->soil), balance_taw_mm(&zone->soil),
			 zone->water_by_balance ? "; waters by balance at " : "",
			 start, d->smart.why[z][0] ? "; last: " : "", d->smart.why[z]);
		used += (size_t)snprintf(json + used, used < size ? size - used : 0,
			"%s{\"zone\":\"%s\",\"depletion_mm\":%.2f,\"raw_mm\":%.2f,"
			"\"taw_mm\":%.2f,\"water_by\":\"%s\",\"start\":%s%s%s,\"last\":%s}",
			json[used - 1] == '[' ? "" : ",", zone->name, b->depletion_mm,
			balance_raw_mm(&zone->soil), balance_taw_mm(&zone->soil),
			zone->water_by_balance ? "balance" : "program",
			*start ? "\"" : "null", start, *start ? "\"" : "",
			proto_json_string(d->smart.why[z], last, sizeof(last)));
	}
	if (used < size)
		snprintf(json + used, size - used, "]");
}

static void rain(struct cmd_ctx *ctx, char *json, size_t size)
{
	struct daemon *d = ctx->d;
	time_t now = time(NULL);
	char until[32];

	if (!d->cfg.rain.present) {
		snprintf(json, size, "\"rain_sensor\":null");
		return;
	}
	if (d->smart.wet)
		out_line(ctx->out, "Rain sensor: wet, programmed watering held");
	else if (now < d->smart.log.rain_until) {
		cmd_format_time(d->smart.log.rain_until, until, sizeof(until));
		out_line(ctx->out, "Rain sensor: dry, programmed watering held until %s",
			 until);
	} else {
		out_line(ctx->out, "Rain sensor: dry");
	}
	snprintf(json, size, "\"rain_sensor\":{\"wet\":%s,\"held_until\":%lld}",
		 d->smart.wet ? "true" : "false",
		 (long long)(now < d->smart.log.rain_until ? d->smart.log.rain_until : 0));
}

void cmd_smart_status(struct cmd_ctx *ctx, char *json, size_t size)
{
	struct daemon *d = ctx->d;
	const struct seasonal_auto_result *a = &d->smart.auto_now;
	char why[2 * SEASONAL_WHY_MAX + 8], when[32];
	time_t now = time(NULL);

	if (d->cfg.seasonal_auto.on && d->smart.auto_known) {
		if (a->fallback)
			out_line(ctx->out, "Seasonal auto falls back to the monthly "
				 "table: %s", a->why);
		else
			out_line(ctx->out, "Seasonal auto: %u %% (%s)", a->percent,
				 a->why);
		out_append(json, size, ",\"seasonal_auto\":{\"percent\":%u,"
			   "\"fallback\":%s,\"why\":%s}", a->percent,
			   a->fallback ? "true" : "false",
			   proto_json_string(a->why, why, sizeof(why)));
	}
	if (!smart_rain_holds(d, now))
		return;
	if (d->smart.wet) {
		out_line(ctx->out, "Rain sensor: wet, programs held");
		out_append(json, size, ",\"rain_sensor\":\"wet\"");
		return;
	}
	cmd_format_time(d->smart.log.rain_until, when, sizeof(when));
	out_line(ctx->out, "Rain sensor: dry, programs held until %s", when);
	out_append(json, size, ",\"rain_sensor\":\"holding\",\"rain_held_until\":%lld",
		   (long long)d->smart.log.rain_until);
}

void cmd_weather(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	const struct weather_log *log = &d->smart.log;
	char today[256], *days = malloc(WEATHER_DAYS_MAX * 160 + 16);
	char season[512], bal[CONFIG_MAX_ZONES * 600], rainj[96];
	size_t used = 0;

	if (!days) {
		out_err(ctx->out, ERR_UNAVAILABLE, "out of memory");
		return;
	}
	if (!d->cfg.temperature.present)
		out_line(ctx->out, "No temperature sensor: no weather is recorded");
	day_text(d, ctx->out, &log->today, "Today", false);
	day_json(d, &log->today, false, today, sizeof(today));
	days[0] = '\0';
	for (size_t back = 1; back <= log->n_days && back <= WEATHER_TEXT_DAYS; back++)
		day_text(d, ctx->out, weather_log_past(log, back),
			 back == 1 ? "Yesterday" : "Before", true);
	/* JSON: oldest first, as the record keeps them. */
	for (size_t i = 0; i < log->n_days; i++) {
		char one[160];

		day_json(d, &log->days[i], true, one, sizeof(one));
		used += (size_t)snprintf(days + used, WEATHER_DAYS_MAX * 160 + 16 - used,
					 "%s%s", i ? "," : "", one);
	}
	seasonal(ctx, season, sizeof(season));
	balances(ctx, bal, sizeof(bal));
	rain(ctx, rainj, sizeof(rainj));
	out_ok(ctx->out, "\"unit\":\"%c\",\"today\":%s,\"days\":[%s],%s,%s,%s",
	       d->cfg.temperature.unit == 'F' ? 'F' : 'C', today, days, season, bal,
	       rainj);
	free(days);
}

/* "12mm", "12.5 mm" or "12": millimetres of rain. */
static int parse_rain(const struct request *req, double *mm)
{
	char text[64], *end;
	size_t n = 0;

	for (int i = 0; i < (int)req->argc; i++)
		n += (size_t)snprintf(text + n, n < sizeof(text) ? sizeof(text) - n : 0,
				      "%s", req->argv[i]);
	if (n >= sizeof(text))
		return -EINVAL;
	errno = 0;
	*mm = strtod(text, &end);
	if (end == text || errno || !isfinite(*mm))
		return -EINVAL;
	if (*end && strcmp(end, "mm"))
		return -EINVAL;
	return 0;
}

void cmd_rain(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	double mm;
	int err;

	if (parse_rain(ctx->req, &mm) < 0) {
		out_err(ctx->out, ERR_USAGE, "usage: rain MILLIMETRES, such as rain "
			"12mm");
		return;
	}
	if (mm < 0 || mm > SMART_RAIN_MAX_MM) {
		out_err(ctx->out, ERR_USAGE, "%g mm: rain is 0 to %g mm at a time", mm,
			SMART_RAIN_MAX_MM);
		return;
	}
	err = smart_record_rain(d, mm, ctx->who);
	if (err < 0) {
		out_err(ctx->out, ERR_USAGE, "%g mm: %s", mm, strerror(-err));
		return;
	}
	out_line(ctx->out, "Rain of %.1f mm recorded", mm);
	saving_warn(d, ctx->out, 1u << STATE_WEATHER);
	out_ok(ctx->out, "\"rain_mm\":%.2f", mm);
}
