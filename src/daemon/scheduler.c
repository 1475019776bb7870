/* Programs: start them on time, wait for a synchronized clock, log what a clock step skips, rain delay, skip-next, freeze skip, what irrigctl enabled or disabled. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <unistd.h>

#include "core/nsec.h"
#include "core/schedule.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/log.h"

/* A start found this late was skipped over by a clock step: missed. */
#define MISSED_AFTER_S 120
/*
 * How often to look at the clock while waiting for it to synchronize: a
 * clock slewed into sync is never "set", so no wake-up tells of it.
 */
#define SYNC_CHECK_US (30 * US_PER_S)

static const char timesyncd_flag[] = "/run/systemd/timesync/synchronized";

bool scheduler_clock_synced(struct daemon *d)
{
	struct timex tx;
	int state;

	if (d->cfg.ignore_clock_sync)
		return true;
	if (d->sched.sim_clock != SIM_CLOCK_SYSTEM)
		return d->sched.sim_clock == SIM_CLOCK_SYNCED;
	memset(&tx, 0, sizeof(tx));
	state = adjtimex(&tx);
	if (state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC))
		return true;
	return access(timesyncd_flag, F_OK) == 0;
}

static void format_local(time_t when, char *buf, size_t size)
{
	struct tm tm;

	localtime_r(&when, &tm);
	strftime(buf, size, "%a %d %b %H:%M", &tm);
}

static int save_programs(struct daemon *d)
{
	return saving_save(d, STATE_PROGRAMS);
}

/* A programmed run that did not water: recorded in the history as skipped. */
static void record_skipped_run(struct daemon *d, const char *source, int zone,
			       uint32_t planned_s)
{
	struct history_entry skipped = { 0 };

	skipped.started = time(NULL);
	snprintf(skipped.source, sizeof(skipped.source), "%s", source);
	snprintf(skipped.zone, sizeof(skipped.zone), "%s", d->cfg.zones[zone].name);
	skipped.planned_s = planned_s;
	skipped.moisture_start = skipped.moisture_end = NAN;
	skipped.outcome = RUN_SKIPPED;
	history_add(&d->history, &skipped);
	saving_save(d, STATE_HISTORY);
}

/* Why a start did not water, in the history: each zone a skipped run. */
static void record_skipped(struct daemon *d, const struct program *prog,
			   time_t when)
{
	for (size_t i = 0; i < prog->n_steps; i++) {
		int zone = prog->steps[i].zone;
		uint32_t secs = smart_scaled_duration(d,
							 prog->steps[i].duration_s,
							 when);

		if (secs > d->cfg.zones[zone].max_run_s)
			secs = d->cfg.zones[zone].max_run_s;
		record_skipped_run(d, prog->name, zone, secs);
	}
}

static void start_program(struct daemon *d, const struct occurrence *occ,
			  time_t now)
{
	const struct program *prog = &d->cfg.schedule.programs[occ->program];
	const struct progstate_entry *asked =
		progstates_find(&d->sched.programs, prog->name);
	const struct sample *sample = sampler_latest(d);
	const struct config_temperature *temp = &d->cfg.temperature;
	struct start_conditions cond = {
		.when = now,
		.skip_next = asked && asked->skip_next,
		.rain_delay_until = d->sched.rain_delay_until,
		.has_freeze_below = temp->present && temp->has_freeze_below,
		.freeze_below = temp->freeze_below,
		.temperature_known = sample && sample->temperature_err == 0,
		.temperature = sample ? sample->temperature : 0,
	};
	char until[32];
	struct event ev;
	size_t queued;

	event_init(&ev, EV_PROGRAM_SKIPPED);
	ev.program = prog->name;
	/* skip-next and the rain delay are asked for: they go first. */
	if (program_start_decide(&cond) == START_WATERS &&
	    smart_rain_holds(d, now)) {
		record_skipped(d, prog, occ->when);
		ev.reason = "rain-sensor";
		event_emit(&ev, "Program %s skipped: the rain sensor %s", prog->name,
			   d->smart.wet ? "is wet" : "dried less than its hold ago");
		return;
	}
	switch (program_start_decide(&cond)) {
	case START_SKIPPED_ASKED:
		progstates_set_skip_next(&d->sched.programs, prog->name, false);
		save_programs(d);
		record_skipped(d, prog, occ->when);
		ev.reason = "asked";
		event_emit(&ev, "Program %s skipped once, as asked with irrigctl program %s skip-next",
			  prog->name, prog->name);
		return;
	case START_HELD_RAIN_DELAY:
		event_init(&ev, EV_PROGRAM_HELD);
		ev.program = prog->name;
		ev.until = d->sched.rain_delay_until;
		format_local(d->sched.rain_delay_until, until, sizeof(until));
		event_emit(&ev, "Program %s held by the rain delay until %s", prog->name,
			  until);
		return;
	case START_SKIPPED_FREEZE: {
		record_skipped(d, prog, occ->when);
		ev.priority = LOG_NOTICE;
		ev.reason = "freeze";
		ev.temperature = cond.temperature;
		event_emit(&ev, "Program %s "
			  "skipped: the temperature, %.1f °%c, is below freeze_below "
			  "(%.1f °%c)", prog->name, cond.temperature, temp->unit,
			  temp->freeze_below, temp->unit);
		return;
	}
	case START_WATERS:
		break;
	}
	queued = scheduler_queue_program(d, occ->program, occ->when, true, NULL,
					 NULL);
	event_init(&ev, EV_PROGRAM_START);
	ev.program = prog->name;
	ev.queued = (int64_t)queued;
	event_emit(&ev, "Program %s started: %zu "
		  "zone%s queued", prog->name, queued, queued == 1 ? "" : "s");
}

size_t scheduler_queue_program(struct daemon *d, int p, time_t when,
			       bool programmed, uint32_t *first_id,
			       uint32_t *last_id)
{
	const struct program *prog = &d->cfg.schedule.programs[p];
	size_t queued = 0;

	for (size_t i = 0; i < prog->n_steps; i++) {
		struct run_request req = { .zone = prog->steps[i].zone,
					   .programmed = programmed };
		struct ctl_actions acts = { .n = 0 };
		size_t ahead;
		int err;

		req.duration_s = smart_scaled_duration(d,
							  prog->steps[i].duration_s,
							  when);
		if (prog->steps[i].litres > 0) {
			/* By volume: the litres scale, the backstop does not. */
			req.litres = schedule_scaled_volume(smart_scaling(d),
							    prog->steps[i].litres,
							    when);
			req.duration_s = req.litres > 0 ?
				d->cfg.zones[req.zone].max_run_s : 0;
		}
		if (!req.duration_s)
			continue;	/* a 0 % month */
		/* A seasonal 300 % never takes a zone past its cap. */
		if (req.duration_s > d->cfg.zones[req.zone].max_run_s) {
			struct event cap;

			event_init(&cap, EV_CAP_REACHED);
			cap.priority = LOG_NOTICE;
			cap.zone = d->cfg.zones[req.zone].name;
			cap.max_run_s = d->cfg.zones[req.zone].max_run_s;
			event_emit(&cap, "Program %s: "
				  "zone %s's %us (seasonal) is cut to its max_run of "
				  "%us", prog->name, d->cfg.zones[req.zone].name,
				  req.duration_s, d->cfg.zones[req.zone].max_run_s);
			req.duration_s = d->cfg.zones[req.zone].max_run_s;
		}
		snprintf(req.source, sizeof(req.source), "%s", prog->name);
		err = ctl_enqueue(&d->ctl, &req, false, daemon_now(), &ahead, &acts);
		if (err < 0) {
			log_errno(LOG_WARNING, err, "program %s: cannot queue zone %s",
				  prog->name, d->cfg.zones[req.zone].name);
			continue;
		}
		if (!queued && first_id)
			*first_id = req.id;
		if (last_id)
			*last_id = req.id;
		queued++;
		d->sched.calls->carry_out(d, &acts);
	}
	return queued;
}

static void log_missed(struct daemon *d, const struct occurrence *occ)
{
	const struct program *prog = &d->cfg.schedule.programs[occ->program];
	char when[32];
	struct event ev;

	event_init(&ev, EV_MISSED);
	ev.program = prog->name;
	format_local(occ->when, when, sizeof(when));
	event_emit(&ev, "Program %s missed its start at %s: the clock stepped past it; "
		  "it is not caught up", prog->name, when);
}

int scheduler_next(struct daemon *d, time_t after, struct occurrence *out)
{
	return schedule_next_cached(&d->cfg.schedule, &d->sched.next, after, out);
}

int scheduler_next_run(struct daemon *d, time_t now, struct occurrence *out)
{
	time_t held = d->sched.rain_delay_until;

	/* start_program() holds a start before the delay's end, runs one at it. */
	return scheduler_next(d, held > now ? held - 1 : now, out);
}

void scheduler_rearm(struct daemon *d)
{
	struct occurrence next;

	if (!d->sched.timer)
		return;
	if (!d->sched.clock_synced ||
	    scheduler_next(d, d->sched.last_checked, &next) < 0) {
		sd_event_source_set_enabled(d->sched.timer, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(d->sched.timer,
				 (uint64_t)next.when * US_PER_S);
	sd_event_source_set_enabled(d->sched.timer, SD_EVENT_ONESHOT);
}

static int on_schedule_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	time_t now = time(NULL);
	struct due_start *due = malloc(SCHEDULE_TAKE_MAX * sizeof(*due));

	(void)src;
	(void)usec;
	if (!due) {
		log_msg(LOG_ERR, "out of memory: programs due now do not run");
		d->sched.last_checked = now;
	}
	while (due && d->sched.last_checked < now) {
		size_t n = schedule_take_due(&d->cfg.schedule, &d->sched.last_checked,
					     now, MISSED_AFTER_S, due);

		for (size_t i = 0; i < n; i++) {
			if (due[i].missed)
				log_missed(d, &due[i].occ);
			else
				start_program(d, &due[i].occ, now);
		}
	}
	free(due);
	scheduler_rearm(d);
	d->sched.calls->status_changed(d);	/* the next run is another one now */
	return 0;
}

/* Whether the clock is synchronized now; once it is, programs run. */
static bool look_at_clock(struct daemon *d)
{
	if (d->sched.clock_synced)
		return true;
	if (!scheduler_clock_synced(d))
		return false;
	d->sched.clock_synced = true;
	/* Times before the sync were guesses: nothing before now is missed. */
	d->sched.last_checked = time(NULL);
	log_msg(LOG_INFO, "system clock synchronized: programs run from now on");
	d->sched.sync_check = sd_event_source_disable_unref(d->sched.sync_check);
	d->sched.clock_set = sd_event_source_disable_unref(d->sched.clock_set);
	scheduler_rearm(d);
	d->sched.calls->status_changed(d);
	return true;
}

static int on_sync_check(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	if (look_at_clock(d))
		return 0;
	/* A one-shot timer stays off after it fired unless turned on again. */
	sd_event_source_set_time(src, usec + SYNC_CHECK_US);
	sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
	return 0;
}

/* Far enough never to expire: only a clock set wakes the timerfd. */
static int arm_clock_set_fd(int fd)
{
	struct itimerspec never = { .it_value.tv_sec =
		(time_t)((UINTMAX_C(1) << (sizeof(time_t) * 8 - 1)) - 1) };

	if (timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			    &never, NULL) < 0)
		return -errno;
	return 0;
}

static int on_clock_set(sd_event_source *src, int fd, uint32_t revents,
			void *userdata)
{
	uint64_t expirations;

	(void)src;
	(void)revents;
	/* ECANCELED is the news: the clock was set, by NTP or by hand. */
	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != ECANCELED)
		return 0;
	if (!look_at_clock(userdata))
		arm_clock_set_fd(fd);
	return 0;
}

/* A wake-up each time the clock is set, so a step into sync is seen at once. */
static int watch_clock_set(struct daemon *d)
{
	int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = arm_clock_set_fd(fd);
	if (r >= 0)
		r = sd_event_add_io(d->event, &d->sched.clock_set, fd, EPOLLIN,
				    on_clock_set, d);
	if (r < 0) {
		close(fd);
		return r;
	}
	sd_event_source_set_io_fd_own(d->sched.clock_set, true);
	return 0;
}

void scheduler_sim_clock_sync(struct daemon *d, bool stepped)
{
	d->sched.sim_clock = SIM_CLOCK_SYNCED;
	if (stepped)
		look_at_clock(d);
}

static void save_rain_delay(struct daemon *d)
{
	saving_save(d, STATE_RAIN_DELAY);
}

int scheduler_pause(struct daemon *d, time_t until)
{
	char when[32];
	struct event ev;

	d->sched.rain_delay_until = until;
	save_rain_delay(d);
	format_local(until, when, sizeof(when));
	event_init(&ev, EV_RAIN_DELAY);
	ev.until = until;
	event_emit(&ev, "Programs held until %s", when);
	d->sched.calls->status_changed(d);
	return 0;
}

int scheduler_resume(struct daemon *d)
{
	bool was = d->sched.rain_delay_until > time(NULL);
	struct event ev;

	d->sched.rain_delay_until = 0;
	save_rain_delay(d);
	event_init(&ev, EV_RAIN_DELAY_LIFTED);
	event_emit(&ev, "Programs resumed%s",
		  was ? "" : " (there was no rain delay)");
	d->sched.calls->status_changed(d);
	return 0;
}

/* The simulated garden's clock, for tests: IRRIGD_SIM_CLOCK=unsynced. */
static int read_sim_clock(struct daemon *d)
{
	const char *want = getenv("IRRIGD_SIM_CLOCK");

	if (!want || !*want)
		return 0;
	if (!d->sim) {
		log_msg(LOG_WARNING, "IRRIGD_SIM_CLOCK ignored: irrigd runs on real "
			"hardware, with the system's clock");
		return 0;
	}
	if (strcmp(want, "unsynced")) {
		log_msg(LOG_ERR, "IRRIGD_SIM_CLOCK=%.32s: the only value is "
			"\"unsynced\"", want);
		return -EINVAL;
	}
	d->sched.sim_clock = SIM_CLOCK_UNSYNCED;
	return 0;
}

void scheduler_config_changed(struct daemon *d)
{
	if (progstates_prune(&d->sched.programs, &d->cfg.schedule))
		save_programs(d);
	progstates_apply(&d->sched.programs, &d->cfg.schedule);
	schedule_cache_reset(&d->sched.next);
}

int scheduler_set_enabled(struct daemon *d, int p, bool enabled)
{
	int r = progstates_set_override(&d->sched.programs,
					d->cfg.schedule.programs[p].name,
					enabled ? PROGRAM_ENABLED : PROGRAM_DISABLED);

	if (r < 0)
		return r;
	d->cfg.schedule.programs[p].enabled = enabled;
	schedule_cache_reset(&d->sched.next);
	scheduler_rearm(d);
	d->sched.calls->status_changed(d);
	return save_programs(d);
}

int scheduler_skip_next(struct daemon *d, int p)
{
	int r = progstates_set_skip_next(&d->sched.programs,
					 d->cfg.schedule.programs[p].name, true);

	if (r < 0)
		return r;
	return save_programs(d);
}

/* What irrigctl asked of programs before the restart; a damaged file set aside. */
static void load_programs(struct daemon *d)
{
	char err[256];
	int r;

	progstates_init(&d->sched.programs);
	r = state_load_programs(d->state_dir, &d->sched.programs, err, sizeof(err));
	if (r == -ENOENT)
		return;
	if (r < 0) {
		log_msg(LOG_WARNING, "programs run as the config says, none enabled, "
			"disabled or skipped by irrigctl: %s", err);
		if (state_set_aside(d->state_dir, "programs") == 0)
			log_msg(LOG_WARNING, "the unreadable file is kept as "
				"%s/programs.bad", d->state_dir);
		progstates_init(&d->sched.programs);
		return;
	}
	for (size_t i = 0; i < d->sched.programs.n; i++)
		if (d->sched.programs.list[i].override == PROGRAM_DISABLED)
			log_msg(LOG_INFO, "program %s stays disabled (irrigctl program "
				"%s enable)", d->sched.programs.list[i].name,
				d->sched.programs.list[i].name);
}

int scheduler_init(struct daemon *d, const struct scheduler_calls *calls)
{
	uint64_t now_us;
	int r;

	d->sched.calls = calls;
	r = read_sim_clock(d);
	if (r < 0)
		return r;
	load_programs(d);
	scheduler_config_changed(d);

	r = state_load_rain_delay(d->state_dir, &d->sched.rain_delay_until);
	if (r == -EINVAL)
		log_msg(LOG_WARNING, "ignoring %s/rain-delay: not a file irrigd wrote",
			d->state_dir);
	else if (r < 0 && r != -ENOENT)
		log_errno(LOG_WARNING, r, "cannot read %s/rain-delay", d->state_dir);
	if (r < 0)
		d->sched.rain_delay_until = 0;
	d->sched.last_checked = time(NULL);
	d->sched.clock_synced = scheduler_clock_synced(d);
	r = sd_event_add_time(d->event, &d->sched.timer, CLOCK_REALTIME, UINT64_MAX,
			      US_PER_S, on_schedule_timer, d);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot make the program timer");
	sd_event_source_set_enabled(d->sched.timer, SD_EVENT_OFF);
	if (!d->sched.clock_synced) {
		log_msg(LOG_WARNING, "the system clock is not synchronized: programs "
			"wait for it; manual runs do not");
		sd_event_now(d->event, CLOCK_MONOTONIC, &now_us);
		r = sd_event_add_time(d->event, &d->sched.sync_check, CLOCK_MONOTONIC,
				      now_us + SYNC_CHECK_US, US_PER_S,
				      on_sync_check, d);
		if (r < 0)
			return log_errno(LOG_ERR, r, "cannot watch the clock");
		r = watch_clock_set(d);
		if (r < 0)
			log_errno(LOG_WARNING, r, "cannot be woken when the clock is "
				  "set: looking at it every 30 s only");
	}
	scheduler_rearm(d);
	return 0;
}

void scheduler_done(struct daemon *d)
{
	d->sched.timer = sd_event_source_disable_unref(d->sched.timer);
	d->sched.sync_check = sd_event_source_disable_unref(d->sched.sync_check);
	d->sched.clock_set = sd_event_source_disable_unref(d->sched.clock_set);
}
