/* Commands about programs: schedule, history, pause, resume, program, reload. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "core/duration.h"
#include "core/schedule.h"
#include "daemon/cmd.h"
#include "daemon/events.h"
#include "daemon/log.h"

#define SCHEDULE_DAYS_DEFAULT 7
#define SCHEDULE_DAYS_MAX 60
#define SCHEDULE_LIST_MAX 64
#define HISTORY_DEFAULT 10
/* What one reply holds; the state file keeps HISTORY_MAX. */
#define HISTORY_SHOW_MAX 50

void cmd_format_time(time_t when, char *buf, size_t size)
{
	struct tm tm;

	localtime_r(&when, &tm);
	strftime(buf, size, "%a %d %b %H:%M", &tm);
}

/* A whole number from min to max, or -1. */
static long parse_count(const char *text, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(text, &end, 10);
	if (errno || end == text || *end || n < min || n > max)
		return -1;
	return n;
}

/* Why a programmed run of zone starting at when would not water, now. */
static const char *why_skip(const struct daemon *d, const struct soil_reading *soil,
			    int zone, time_t when, char *buf, size_t size)
{
	const struct config_zone *z = &d->cfg.zones[zone];
	double moisture = watering_zone_moisture(d, soil, zone);
	const struct config_temperature *t = &d->cfg.temperature;
	const struct sample *sample = sampler_latest(d);

	if (when < d->sched.rain_delay_until)
		return "rain delay";
	if (smart_rain_holds(d, when))
		return "rain sensor";
	if (t->present && t->has_freeze_below && sample &&
	    sample->temperature_err == 0 && sample->temperature < t->freeze_below) {
		snprintf(buf, size, "temperature %.1f °%c < %.1f °%c",
			 sample->temperature, t->unit, t->freeze_below, t->unit);
		return buf;
	}
	if (z->has_skip_above && !isnan(moisture) && moisture > z->skip_above) {
		snprintf(buf, size, "moisture %.0f %% > %.0f %%", moisture,
			 z->skip_above);
		return buf;
	}
	return NULL;
}

static bool progstate_skips_next(const struct daemon *d, const char *name)
{
	const struct progstate_entry *e = progstates_find(&d->sched.programs, name);

	return e && e->skip_next;
}

/* The next start of program p after now, even while it is disabled. */
static int next_start_of(const struct daemon *d, int p, struct occurrence *out)
{
	/* Static: a request leaves the heap as it found it, and 3 KiB off the stack. */
	static struct schedule alone;
	int r;

	alone = d->cfg.schedule;
	alone.programs[0] = d->cfg.schedule.programs[p];
	alone.programs[0].enabled = true;
	alone.n_programs = 1;
	r = schedule_next(&alone, time(NULL), out);
	out->program = p;
	return r;
}

void cmd_programs_status(struct cmd_ctx *ctx, char *json, size_t size)
{
	const struct daemon *d = ctx->d;
	const struct progstates *ps = &d->sched.programs;
	bool first = true;

	out_append(json, size, ",\"programs_asked\":[");
	for (size_t i = 0; i < ps->n; i++) {
		const struct progstate_entry *e = &ps->list[i];

		if (e->override == PROGRAM_DISABLED)
			out_line(ctx->out, "Program %s: disabled by irrigctl (irrigctl "
				 "program %s enable)", e->name, e->name);
		if (e->skip_next)
			out_line(ctx->out, "Program %s: its next start is skipped "
				 "(asked)", e->name);
		out_append(json, size, "%s{\"program\":\"%s\",\"state\":\"%s\","
			   "\"skip_next\":%s}", first ? "" : ",", e->name,
			   e->override == PROGRAM_DISABLED ? "disabled" :
			   e->override == PROGRAM_ENABLED ? "enabled" : "configured",
			   e->skip_next ? "true" : "false");
		first = false;
	}
	out_append(json, size, "]");
}

/* Does the list show a start of due[i]'s program before it? */
static bool first_of_program_before(const struct occurrence *due, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (due[j].program == due[i].program)
			return true;
	return false;
}

void cmd_schedule(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	/* On the stack: a request leaves the heap as it found it. */
	struct occurrence due[SCHEDULE_LIST_MAX];
	/* The latest sample: a listing does not touch the hardware. */
	const struct soil_reading *soil = &d->soil;
	long days = SCHEDULE_DAYS_DEFAULT;
	time_t now = time(NULL);
	char json[12288] = "";
	size_t n, used = 0;

	if (ctx->req->argc) {
		if (ctx->req->argc != 2 || strcmp(ctx->req->argv[0], "--days") ||
		    (days = parse_count(ctx->req->argv[1], 1, SCHEDULE_DAYS_MAX)) < 0) {
			out_err(ctx->out, ERR_USAGE, "usage: schedule [--days N], N from "
				"1 to %d", SCHEDULE_DAYS_MAX);
			return;
		}
	}
	n = schedule_due(&d->cfg.schedule, now, now + days * 86400, due,
			 SCHEDULE_LIST_MAX);
	if (!n)
		out_line(ctx->out, "No programmed run in the next %ld day%s", days,
			 days == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		const struct program *prog = &d->cfg.schedule.programs[due[i].program];
		/* skip-next takes the program's first start listed, and only it. */
		bool asked = progstate_skips_next(d, prog->name) &&
			     !first_of_program_before(due, i);
		char when[64], start[48];

		cmd_format_time(due[i].when, when, sizeof(when));
		schedule_format_start(prog, (size_t)due[i].start, start, sizeof(start));
		/* A start relative to the sun: the time computed, and from what. */
		if (prog->start_kind[due[i].start] != START_AT)
			snprintf(when + strlen(when), sizeof(when) - strlen(when), " (%s)",
				 start);
		for (size_t s = 0; s < prog->n_steps; s++) {
			int zone = prog->steps[s].zone;
			uint32_t secs = smart_scaled_duration(d,
								 prog->steps[s].duration_s,
								 due[i].when);
			char took[32], reason[64];
			const char *skip;
			double litres = 0;

			if (secs > d->cfg.zones[zone].max_run_s)
				secs = d->cfg.zones[zone].max_run_s;
			skip = asked ? NULL : why_skip(d, soil, zone, due[i].when,
						       reason, sizeof(reason));
			duration_format(secs, took, sizeof(took));
			/* By volume: the litres, scaled, and its backstop. */
			if (prog->steps[s].litres > 0) {
				litres = schedule_scaled_volume(smart_scaling(d),
								prog->steps[s].litres,
								due[i].when);
				secs = d->cfg.zones[zone].max_run_s;
				snprintf(took, sizeof(took), "%.2f %s",
					 config_volume(&d->cfg, litres),
					 config_volume_unit(&d->cfg));
			}
			out_line(ctx->out, "%s  %-12s %-12s %-8s%s%s", when, prog->name,
				 d->cfg.zones[zone].name, took,
				 asked ? "  skipped (asked)" : skip ? "  would skip: " : "",
				 skip ? skip : "");
			if (used < sizeof(json))
				used += (size_t)snprintf(json + used, sizeof(json) - used,
					"%s{\"at\":%lld,\"start\":\"%s\",\"program\":\"%s\","
					"\"zone\":\"%s\",\"duration_s\":%u,\"litres\":%.3f,"
					"\"skip\":%s%s%s}",
					used ? "," : "", (long long)due[i].when, start,
					prog->name, d->cfg.zones[zone].name, secs, litres,
					skip || asked ? "\"" : "",
					asked ? "asked" : skip ? skip : "null",
					skip || asked ? "\"" : "");
		}
	}
	if (n == SCHEDULE_LIST_MAX)
		out_line(ctx->out, "(the first %d starts only)", SCHEDULE_LIST_MAX);
	for (size_t p = 0; p < d->cfg.schedule.n_programs; p++) {
		const struct progstate_entry *e = progstates_find(&d->sched.programs,
						d->cfg.schedule.programs[p].name);

		if (e && e->override == PROGRAM_DISABLED)
			out_line(ctx->out, "Program %s is disabled by irrigctl (irrigctl "
				 "program %s enable)", e->name, e->name);
	}
	if (used >= sizeof(json)) {
		out_err(ctx->out, ERR_UNAVAILABLE, "too many runs to list: ask for "
			"fewer days");
	} else {
		out_ok(ctx->out, "\"days\":%ld,\"runs\":[%s]", days, json);
	}
}

static void moisture_text(double percent, char *buf, size_t size)
{
	if (isnan(percent))
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%.0f", percent);
}

void cmd_history(struct cmd_ctx *ctx)
{
	const struct history *h = &ctx->d->history;
	long want = HISTORY_DEFAULT;
	size_t len = history_len(h), used = 0;
	/* Not on the heap: a request leaves the heap as it found it. */
	static char json[OUT_MAX];

	if (ctx->req->argc &&
	    (want = parse_count(ctx->req->argv[0], 1, HISTORY_SHOW_MAX)) < 0) {
		out_err(ctx->out, ERR_USAGE, "usage: history [N], N from 1 to %d",
			HISTORY_SHOW_MAX);
		return;
	}
	json[0] = '\0';
	if (!len)
		out_line(ctx->out, "No run yet");
	for (size_t i = 0; i < len && i < (size_t)want; i++) {
		const struct history_entry *e = history_at(h, len - 1 - i);
		char when[32], planned[32], actual[32], m0[16], m1[16], j0[16], j1[16];

		cmd_format_time(e->started, when, sizeof(when));
		duration_format(e->planned_s, planned, sizeof(planned));
		duration_format(e->actual_s, actual, sizeof(actual));
		moisture_text(e->moisture_start, m0, sizeof(m0));
		moisture_text(e->moisture_end, m1, sizeof(m1));
		out_json_number(e->moisture_start, 1, j0, sizeof(j0));
		out_json_number(e->moisture_end, 1, j1, sizeof(j1));
		/* The unit's column is as wide as "gal " in gallons, "L  " in litres. */
		out_line(ctx->out, "%s  %-10s %-10s %7s of %-7s %8.2f %s%3s%% -> %3s%%  %s",
			 when, e->source, e->zone, actual, planned,
			 config_volume(&ctx->d->cfg, e->litres),
			 ctx->d->cfg.gallons ? "gal " : "L  ", m0, m1,
			 run_outcome_name(e->outcome));
		if (used < (OUT_MAX - 64))
			used += (size_t)snprintf(json + used, (OUT_MAX - 64) - used,
				"%s{\"id\":%u,\"started\":%lld,\"source\":\"%s\",\"zone\":\"%s\","
				"\"planned_s\":%u,\"actual_s\":%u,\"litres\":%.3f,"
				"\"moisture_start\":%s,\"moisture_end\":%s,\"outcome\":\"%s\"}",
				used ? "," : "", e->id, (long long)e->started, e->source,
				e->zone, e->planned_s, e->actual_s, e->litres, j0, j1,
				run_outcome_name(e->outcome));
	}
	if (used >= (OUT_MAX - 64))
		out_err(ctx->out, ERR_UNAVAILABLE, "too many runs to list: ask for fewer");
	else
		out_ok(ctx->out, "\"runs\":[%s]", json);
}

void cmd_pause(struct cmd_ctx *ctx)
{
	time_t now = time(NULL), until;
	char when[32], why[160];
	int err = schedule_parse_pause(ctx->req->argv, (size_t)ctx->req->argc, now,
				       &until, why, sizeof(why));

	if (err < 0) {
		out_err(ctx->out, ERR_BAD_DURATION, "%s", why);
		return;
	}
	{
		struct event ev;

		event_init(&ev, EV_PAUSE_REQUESTED);
		ev.duration_s = until - now;
		event_set_requester(&ev, ctx->who);
		event_emit(&ev, "rain delay asked by %s", ctx->who);
	}
	scheduler_pause(ctx->d, until);
	cmd_format_time(until, when, sizeof(when));
	out_line(ctx->out, "Programs held until %s; manual runs still work", when);
	out_ok(ctx->out, "\"rain_delay_until\":%lld", (long long)until);
}

void cmd_resume(struct cmd_ctx *ctx)
{
	struct event ev;

	event_init(&ev, EV_RESUME_REQUESTED);
	event_set_requester(&ev, ctx->who);
	event_emit(&ev, "resume asked by %s", ctx->who);
	scheduler_resume(ctx->d);
	out_line(ctx->out, "Programs run on schedule again");
	out_ok(ctx->out, "\"rain_delay_until\":null");
}

static int find_program(const struct daemon *d, const char *name)
{
	for (size_t p = 0; p < d->cfg.schedule.n_programs; p++)
		if (!strcmp(d->cfg.schedule.programs[p].name, name))
			return (int)p;
	return -1;
}

void cmd_program(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	const char *name = ctx->req->argv[0], *what = ctx->req->argv[1];
	int p = find_program(d, name), err;
	struct event ev;

	if (p < 0) {
		out_err(ctx->out, ERR_UNKNOWN_PROGRAM, "no program called %.64s "
			"(irrigctl schedule lists them)", name);
		return;
	}
	if (strcmp(what, "enable") && strcmp(what, "disable") &&
	    strcmp(what, "skip-next")) {
		out_err(ctx->out, ERR_USAGE, "usage: program NAME "
			"enable|disable|skip-next");
		return;
	}
	event_init(&ev, EV_PROGRAM_REQUESTED);
	ev.program = name;
	ev.action = what;
	event_set_requester(&ev, ctx->who);
	event_emit(&ev, "program %s %s asked by %s",
		  name, what, ctx->who);
	if (!strcmp(what, "skip-next"))
		err = scheduler_skip_next(d, p);
	else
		err = scheduler_set_enabled(d, p, !strcmp(what, "enable"));
	if (err == -ENOSPC || err == -EINVAL) {
		out_err(ctx->out, ERR_UNAVAILABLE, "cannot keep the state of program "
			"%s: %s", name, strerror(-err));
		return;
	}
	if (!strcmp(what, "skip-next")) {
		struct occurrence next;
		char when[32];

		/* The next start of this program, whatever the others do. */
		if (next_start_of(d, p, &next) == 0) {
			cmd_format_time(next.when, when, sizeof(when));
			out_line(ctx->out, "Program %s skips its start at %s; it runs "
				 "as usual after", name, when);
		} else {
			out_line(ctx->out, "Program %s skips its next start", name);
		}
	} else {
		out_line(ctx->out, "Program %s %s until irrigctl program %s %s",
			 name, !strcmp(what, "enable") ? "enabled" : "disabled", name,
			 !strcmp(what, "enable") ? "disable" : "enable");
	}
	if (err < 0) {
		/* Applied, but a restart would not know it: said, not hidden. */
		log_errno(LOG_WARNING, err, "cannot save the programs' state in %s",
			  d->state_dir);
		out_line(ctx->out, "Warning: not saved in %s (%s): lost at a restart",
			 d->state_dir, strerror(-err));
	}
	out_ok(ctx->out, "\"program\":\"%s\",\"enabled\":%s,\"skip_next\":%s,"
	       "\"saved\":%s", name,
	       d->cfg.schedule.programs[p].enabled ? "true" : "false",
	       progstate_skips_next(d, name) ? "true" : "false",
	       err < 0 ? "false" : "true");
}

void cmd_reload(struct cmd_ctx *ctx)
{
	char err[512];
	struct event ev;
	int r;

	event_init(&ev, EV_RELOAD_REQUESTED);
	event_set_requester(&ev, ctx->who);
	event_emit(&ev, "reload asked by %s", ctx->who);
	/* As for SIGHUP (systemctl reload): systemd hears of it. */
	sd_notify(0, "RELOADING=1");
	r = daemon_reload(ctx->d, err, sizeof(err));
	sd_notify(0, "READY=1");
	watering_set_status(ctx->d);
	if (r < 0) {
		out_err(ctx->out, ERR_BAD_CONFIG, "%s", err);
		return;
	}
	out_line(ctx->out, "Reloaded %s: %zu zone%s, %zu program%s", ctx->d->config_path,
		 ctx->d->cfg.n_zones, ctx->d->cfg.n_zones == 1 ? "" : "s",
		 ctx->d->cfg.schedule.n_programs,
		 ctx->d->cfg.schedule.n_programs == 1 ? "" : "s");
	out_ok(ctx->out, "\"zones\":%zu,\"programs\":%zu", ctx->d->cfg.n_zones,
	       ctx->d->cfg.schedule.n_programs);
}
