/* Commands that start and end watering: water, stop, skip, and learn (a learning run). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/duration.h"
#include "daemon/cmd.h"
#include "daemon/events.h"
#include "daemon/log.h"

struct water_args {
	const char *zone;
	const char *duration;
	bool no_wait;
	bool now;
	bool force;
	bool stop_at_eof;
};

static int parse_water_args(struct cmd_ctx *ctx, struct water_args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < ctx->req->argc; i++) {
		const char *arg = ctx->req->argv[i];

		if (strcmp(arg, "--no-wait") == 0) {
			a->no_wait = true;
		} else if (strcmp(arg, "--now") == 0) {
			a->now = true;
		} else if (strcmp(arg, "--force") == 0) {
			a->force = true;
		} else if (strcmp(arg, "--stop-at-eof") == 0) {
			a->stop_at_eof = true;
		} else if (arg[0] == '-' && arg[1] == '-') {
			out_err(ctx->out, ERR_USAGE, "unknown option %.64s", arg);
			return -EINVAL;
		} else if (!a->duration) {
			a->duration = arg;
		} else if (!a->zone) {
			a->zone = a->duration;
			a->duration = arg;
		} else {
			a->duration = NULL;
			break;
		}
	}
	if (!a->duration) {
		out_err(ctx->out, ERR_USAGE, "usage: water %s",
			cmd_specs[CMD_WATER].usage);
		return -EINVAL;
	}
	return 0;
}

static int pick_zone(struct cmd_ctx *ctx, const char *name)
{
	const struct config *cfg = &ctx->d->cfg;
	int zone;

	if (!name) {
		if (cfg->n_zones == 1)
			return 0;
		out_err(ctx->out, ERR_USAGE,
			"there are %zu zones: name the one to water", cfg->n_zones);
		return -EINVAL;
	}
	zone = config_find_zone(cfg, name);
	if (zone < 0)
		out_err(ctx->out, ERR_UNKNOWN_ZONE, "no zone called %.64s", name);
	return zone;
}

/*
 * "20L" or "5gal": the run waters until the meter counted that much, its
 * zone's max_run the backstop.  1 when text is a volume, 0 when it is
 * not one, or -EINVAL (said) for a volume out of range.
 */
static int parse_volume(struct cmd_ctx *ctx, const char *text, int zone,
			struct run_request *req)
{
	int err = volume_parse(text, &req->litres);

	if (err == -EINVAL && !strpbrk(text, "Llg"))
		return 0;
	if (err == -EINVAL) {
		out_err(ctx->out, ERR_BAD_DURATION, "bad volume %.64s: use litres "
			"or US gallons, as in 20L or 5gal", text);
		return -EINVAL;
	}
	if (err < 0) {
		out_err(ctx->out, ERR_BAD_DURATION, "%.64s is more than one run may "
			"water (%g L)", text, VOLUME_MAX_L);
		return -EINVAL;
	}
	req->duration_s = ctx->d->cfg.zones[zone].max_run_s;
	return 1;
}

static int parse_duration(struct cmd_ctx *ctx, const char *text, int zone,
			  uint32_t *seconds)
{
	const struct config_zone *z = &ctx->d->cfg.zones[zone];
	int err = duration_parse(text, 60, seconds);
	char max[32];

	if (err == -ERANGE || (err == 0 && *seconds > z->max_run_s)) {
		duration_format(z->max_run_s, max, sizeof(max));
		out_err(ctx->out, ERR_BAD_DURATION,
			"%.64s is longer than zone %s may water (%s)", text, z->name, max);
		return -ERANGE;
	}
	if (err < 0)
		out_err(ctx->out, ERR_BAD_DURATION,
			"bad duration %.64s: use minutes, or 90s, 2m30s, 1h", text);
	return err;
}

/* water --no-wait's answer: the run is asked for, started or queued. */
static void no_wait_reply(struct cmd_ctx *ctx, const struct run_request *req,
			  size_t ahead)
{
	if (req->litres > 0)
		out_ok(ctx->out, "\"id\":%u,\"zone\":\"%s\",\"duration_s\":%u,"
		       "\"litres_asked\":%.3f,\"queued\":%s", req->id,
		       ctx->d->cfg.zones[req->zone].name, req->duration_s,
		       req->litres, ahead ? "true" : "false");
	else
		out_ok(ctx->out, "\"id\":%u,\"zone\":\"%s\",\"duration_s\":%u,"
		       "\"queued\":%s", req->id, ctx->d->cfg.zones[req->zone].name,
		       req->duration_s, ahead ? "true" : "false");
}

/*
 * Queues req (after the checks a person's run gets) and has the client
 * wait for it: its reports and summary are the rest of the reply.
 */
static void queue_run(struct cmd_ctx *ctx, struct run_request *req,
		      bool now_first, bool no_wait, bool stop_at_eof)
{
	struct daemon *d = ctx->d;
	struct ctl_actions acts = { .n = 0 };
	const struct run_request *running;
	size_t ahead;
	int err;

	{
		char why[200];
		enum run_outcome may = safety_may_run(d, req, why, sizeof(why));

		if (may == RUN_HELD) {
			out_err(ctx->out, ERR_FAULTED, "%s%s", why, req->learn ?
				"" : "; or water --force");
			return;
		}
		if (may == RUN_CAPPED) {
			out_err(ctx->out, ERR_CAPPED, "%s", why);
			return;
		}
	}
	if (req->force && faults_hold_zone(&d->safety.state.faults,
					   d->cfg.zones[req->zone].name))
		log_msg(LOG_WARNING, "%s waters %s despite its latched fault "
			"(--force)", ctx->who, d->cfg.zones[req->zone].name);
	running = ctl_current(&d->ctl);
	if (running && now_first)
		log_msg(LOG_INFO, "%s asks for %s now: stopping %s", ctx->who,
			d->cfg.zones[req->zone].name, d->cfg.zones[running->zone].name);
	err = ctl_enqueue(&d->ctl, req, now_first, daemon_now(), &ahead, &acts);
	if (err == -ENOSPC) {
		out_err(ctx->out, ERR_QUEUE_FULL, "%d runs are queued already: "
			"irrigctl stop empties the queue", CTL_QUEUE_MAX);
		return;
	}
	if (err < 0) {
		out_err(ctx->out, ERR_USAGE, "cannot water: %s", strerror(-err));
		return;
	}
	{
		struct event ev;

		event_init(&ev, EV_WATER_REQUESTED);
		ev.zone = d->cfg.zones[req->zone].name;
		ev.duration_s = req->duration_s;
		ev.run_id = req->id;
		event_set_requester(&ev, ctx->who);
		/* Its water-start, now or once queued runs end, names the asker. */
		event_remember_requester(req->id, ctx->who);
		if (req->litres > 0) {
			ev.litres = req->litres;
			event_emit(&ev, "manual run of %s until %.2f L (at most %us) "
				   "asked by %s%s", d->cfg.zones[req->zone].name,
				   req->litres, req->duration_s, ctx->who,
				   ahead ? ", queued" : "");
		} else {
			event_emit(&ev, "%s run of %s for %us asked by %s%s",
				   req->learn ? "learning" : "manual",
				   d->cfg.zones[req->zone].name, req->duration_s,
				   ctx->who, ahead ? ", queued" : "");
		}
	}
	if (ahead) {
		out_line(ctx->out, "Queued: %zu run%s ahead of it", ahead,
			 ahead == 1 ? "" : "s");
		out_event(ctx->out, "\"event\":\"queued\",\"id\":%u,\"ahead\":%zu",
			  req->id, ahead);
	}
	/* What happens next (a valve opening) reaches the client as it waits. */
	client_send(ctx->client, ctx->out->buf, ctx->out->len);
	out_init(ctx->out, ctx->req->json);
	client_wait_for_run(ctx->client, req->id, ctx->req->json);
	if (!no_wait)
		client_own_run(ctx->client, stop_at_eof);
	else {
		/*
		 * Set before the run can start: the event that says its valve
		 * opened, or waits out the master's lead or the switch
		 * interval, ends the wait of a --no-wait client with this.
		 */
		no_wait_reply(ctx, req, ahead);
		client_reply_when_started(ctx->client, ctx->out->buf, ctx->out->len);
		out_init(ctx->out, ctx->req->json);
	}
	watering_carry_out(d, &acts);
	if (no_wait && client_is_waiting(ctx->client)) {
		const struct run_request *cur = ctl_current(&d->ctl);

		/* Its zone's moisture is being read: the reply waits for the valve. */
		if (!ahead && cur && cur->id == req->id)
			return;
		/* Queued behind others, or ended already: the reply is now. */
		no_wait_reply(ctx, req, ahead);
		client_stop_waiting(ctx->client);
	}
}

void cmd_water(struct cmd_ctx *ctx)
{
	struct run_request req = { .programmed = false };
	struct water_args a;
	int volume;

	if (parse_water_args(ctx, &a) < 0)
		return;
	req.zone = pick_zone(ctx, a.zone);
	if (req.zone < 0)
		return;
	volume = parse_volume(ctx, a.duration, req.zone, &req);
	if (volume < 0 || (!volume && parse_duration(ctx, a.duration, req.zone,
						    &req.duration_s) < 0))
		return;
	snprintf(req.source, sizeof(req.source), "manual");
	req.force = a.force;
	queue_run(ctx, &req, a.now, a.no_wait, a.stop_at_eof);
}

/* A learning run waters this long unless told otherwise (or max_run is less). */
#define LEARN_DEFAULT_S 120

/*
 * A learning run: it waters like a manual one (max_run, faults, caps, one
 * zone at a time, never forced) and, when it completes clean and steady,
 * its flow becomes the zone's at once: the person asked for it.
 */
void cmd_learn(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	struct run_request req = { .programmed = false, .learn = true };
	const struct config_zone *z;
	uint32_t need_s;
	char need[32];

	req.zone = pick_zone(ctx, ctx->req->argv[0]);
	if (req.zone < 0)
		return;
	z = &d->cfg.zones[req.zone];
	/*
	 * The settle, what a run must water after it to teach, and one
	 * steadiness window more, so the last sample before the valve
	 * closes still counts it.
	 */
	need_s = d->cfg.safety.settle_s +
		(uint32_t)((safety_learn_min_ns(d) + FLOW_STEADY_WINDOW_NS) / NS_PER_S);
	duration_format(need_s, need, sizeof(need));
	if (ctx->req->argc == 2) {
		if (parse_duration(ctx, ctx->req->argv[1], req.zone,
				   &req.duration_s) < 0)
			return;
	} else {
		req.duration_s = need_s > LEARN_DEFAULT_S ? need_s : LEARN_DEFAULT_S;
		if (req.duration_s > z->max_run_s)
			req.duration_s = z->max_run_s;
	}
	if (req.duration_s < need_s) {
		out_err(ctx->out, ERR_BAD_DURATION, "a learning run of %s needs at "
			"least %s (the %us settle, then time to see the flow "
			"steady)%s", z->name, need, d->cfg.safety.settle_s,
			need_s > z->max_run_s ? ": more than its max_run" : "");
		return;
	}
	snprintf(req.source, sizeof(req.source), "learn");
	queue_run(ctx, &req, false, false, false);
}

void cmd_stop(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	bool was_busy = ctl_current(&d->ctl) || ctl_queue_len(&d->ctl) ||
		ctl_soaking_len(&d->ctl);
	struct event ev;

	event_init(&ev, EV_STOP_REQUESTED);
	event_set_requester(&ev, ctx->who);
	event_emit(&ev, "stop asked by %s", ctx->who);
	if (watering_stop(d, RUN_STOPPED) < 0) {
		out_err(ctx->out, ERR_HARDWARE, "a valve did not close: check the wiring");
		return;
	}
	out_line(ctx->out, was_busy ? "Stopped: every valve closed, queue emptied" :
		 "Nothing was watering: every valve closed");
	out_ok(ctx->out, "\"stopped\":%s", was_busy ? "true" : "false");
}

void cmd_skip(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	struct ctl_actions acts = { .n = 0 };
	const struct run_request *cur = ctl_current(&d->ctl);
	char zone[CONFIG_NAME_MAX];

	/* Nothing waters but a run soaks between cycles: that run ends. */
	if (!cur && ctl_soaking_len(&d->ctl)) {
		const struct run_request *first = ctl_soaking_at(&d->ctl, 0);

		for (size_t i = 1; i < ctl_soaking_len(&d->ctl); i++)
			if (ctl_soaking_at(&d->ctl, i)->soak_until_ns < first->soak_until_ns)
				first = ctl_soaking_at(&d->ctl, i);
		cur = first;
	}
	if (!cur) {
		out_err(ctx->out, ERR_UNAVAILABLE, "nothing is watering");
		return;
	}
	snprintf(zone, sizeof(zone), "%s", d->cfg.zones[cur->zone].name);
	{
		struct event ev;

		event_init(&ev, EV_SKIP_REQUESTED);
		ev.zone = zone;
		event_set_requester(&ev, ctx->who);
		event_emit(&ev, "skip of %s asked by %s", zone, ctx->who);
	}
	if (ctl_skip(&d->ctl, daemon_now(), &acts) < 0) {
		out_err(ctx->out, ERR_UNAVAILABLE, "nothing is watering");
		return;
	}
	watering_carry_out(d, &acts);
	cur = ctl_current(&d->ctl);
	if (cur)
		out_line(ctx->out, "Skipped the rest of %s; now %s, %zu more queued",
			 zone, d->cfg.zones[cur->zone].name, ctl_queue_len(&d->ctl));
	else
		out_line(ctx->out, "Skipped the rest of %s; nothing else queued", zone);
	out_ok(ctx->out, "\"skipped\":\"%s\",\"next\":%s%s%s,\"queued\":%zu", zone,
	       cur ? "\"" : "", cur ? d->cfg.zones[cur->zone].name : "null",
	       cur ? "\"" : "", ctl_queue_len(&d->ctl));
}

/*
 * irrigctl run PROGRAM: the program's zones are queued now, as its start
 * would queue them (seasonal scaling, max_run, volumes), and the client
 * follows every run to the last.  A person asked, so the rain delay and
 * the moisture skip rule (skip_above) do not hold it, nor does a disabled
 * program; latched faults, the caps and freeze_below still do, and
 * stop_at still ends a run early.
 */
void cmd_run(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	const struct config_temperature *temp = &d->cfg.temperature;
	const struct sample *sample = sampler_latest(d);
	const char *name = NULL;
	bool no_wait = false, stop_at_eof = false;
	uint32_t first = 0, last = 0;
	size_t queued;
	struct event ev;
	int p = -1;

	for (int i = 0; i < ctx->req->argc; i++) {
		const char *arg = ctx->req->argv[i];

		if (!strcmp(arg, "--no-wait")) {
			no_wait = true;
		} else if (!strcmp(arg, "--stop-at-eof")) {
			stop_at_eof = true;
		} else if (arg[0] == '-' && arg[1] == '-') {
			out_err(ctx->out, ERR_USAGE, "unknown option %.64s", arg);
			return;
		} else if (name) {
			out_err(ctx->out, ERR_USAGE, "usage: run %s",
				cmd_specs[CMD_RUN].usage);
			return;
		} else {
			name = arg;
		}
	}
	for (size_t i = 0; name && i < d->cfg.schedule.n_programs; i++)
		if (!strcmp(d->cfg.schedule.programs[i].name, name))
			p = (int)i;
	if (!name || p < 0) {
		out_err(ctx->out, name ? ERR_UNKNOWN_PROGRAM : ERR_USAGE, name ?
			"no program called %.64s (irrigctl schedule lists them)" :
			"usage: run PROGRAM [--no-wait]", name ? name : "");
		return;
	}
	if (temp->present && temp->has_freeze_below && sample &&
	    sample->temperature_err == 0 && sample->temperature < temp->freeze_below) {
		out_err(ctx->out, ERR_UNAVAILABLE, "not running %s: the temperature, "
			"%.1f °%c, is below freeze_below (%.1f °%c)", name,
			sample->temperature, temp->unit, temp->freeze_below, temp->unit);
		return;
	}
	if (ctl_queue_len(&d->ctl) + d->cfg.schedule.programs[p].n_steps > CTL_QUEUE_MAX) {
		out_err(ctx->out, ERR_QUEUE_FULL, "%zu runs are queued already: "
			"irrigctl stop empties the queue", ctl_queue_len(&d->ctl));
		return;
	}
	event_init(&ev, EV_PROGRAM_REQUESTED);
	ev.program = name;
	ev.action = "run";
	event_set_requester(&ev, ctx->who);
	event_emit(&ev, "program %s run asked by %s", name, ctx->who);
	if (d->sched.rain_delay_until > time(NULL)) {
		char until[32];

		cmd_format_time(d->sched.rain_delay_until, until, sizeof(until));
		out_line(ctx->out, "Running %s despite the rain delay until %s: you "
			 "asked", name, until);
	}
	/* Its runs go to this client as they happen, from the first event on. */
	client_send(ctx->client, ctx->out->buf, ctx->out->len);
	out_init(ctx->out, ctx->req->json);
	/* What the runs' events say comes to this client: the ids are next. */
	first = d->ctl.next_id;
	last = first + (uint32_t)d->cfg.schedule.programs[p].n_steps - 1;
	client_wait_for_runs(ctx->client, first, last, ctx->req->json);
	if (!no_wait)
		client_own_run(ctx->client, stop_at_eof);
	queued = scheduler_queue_program(d, p, time(NULL), false, &first, &last);
	event_init(&ev, EV_PROGRAM_START);
	ev.program = name;
	ev.queued = (int64_t)queued;
	event_emit(&ev, "Program %s started by hand: %zu zone%s queued", name,
		   queued, queued == 1 ? "" : "s");
	if (!queued) {
		client_stop_waiting(ctx->client);
		out_line(ctx->out, "Program %s has nothing to water (a 0 %% month?)",
			 name);
		out_ok(ctx->out, "\"program\":\"%s\",\"queued\":0", name);
		return;
	}
	/* Waiting: the runs' lines are the reply, to the last one's end
	 * (which may have come already, every run held by a fault). */
	if (!no_wait || !client_is_waiting(ctx->client))
		return;
	{
		/* --no-wait: told what was queued, the runs go on. */
		client_stop_waiting(ctx->client);
		out_line(ctx->out, "Program %s: %zu zone%s queued", name, queued,
			 queued == 1 ? "" : "s");
		out_ok(ctx->out, "\"program\":\"%s\",\"queued\":%zu,\"first_id\":%u,"
		       "\"last_id\":%u", name, queued, first, last);
	}
}
