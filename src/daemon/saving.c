/* Saving the state files: what cannot be saved is kept in memory, said, and saved again once it can be. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/log.h"

#define RETRY_US_DEFAULT UINT64_C(30000000)

static int write_file(struct daemon *d, enum state_file f)
{
	switch (f) {
	case STATE_HISTORY:
		return state_save_history(d->state_dir, &d->history);
	case STATE_FAULTS:
		return state_save_faults(d->state_dir, &d->safety.state);
	case STATE_RAIN_DELAY:
		return state_save_rain_delay(d->state_dir, d->sched.rain_delay_until);
	case STATE_PROGRAMS:
		return state_save_programs(d->state_dir, &d->sched.programs);
	case STATE_WEATHER:
		return state_save_weather(d->state_dir, &d->smart.log);
	default:
		return -EINVAL;
	}
}

static void arm_retry(struct daemon *d)
{
	uint64_t now;

	if (!d->unsaved.retry || sd_event_now(d->event, CLOCK_MONOTONIC, &now) < 0)
		return;
	sd_event_source_set_time(d->unsaved.retry, now + d->unsaved.retry_us);
	sd_event_source_set_enabled(d->unsaved.retry, SD_EVENT_ONESHOT);
}

/* "30s", "2m": how often a save is tried again, for people. */
static void say_every(const struct daemon *d, char *buf, size_t size)
{
	uint64_t s = d->unsaved.retry_us / 1000000;

	if (s >= 60 && s % 60 == 0)
		snprintf(buf, size, "%llum", (unsigned long long)(s / 60));
	else if (s)
		snprintf(buf, size, "%llus", (unsigned long long)s);
	else
		snprintf(buf, size, "%llums",
			 (unsigned long long)(d->unsaved.retry_us / 1000));
}

/*
 * One attempt: the journal hears when f becomes unsaved and when it is
 * saved again, not of each attempt in between.
 */
static int attempt(struct daemon *d, enum state_file f)
{
	struct unsaved *u = &d->unsaved;
	char every[32];
	struct event ev;
	int err = write_file(d, f);

	event_init(&ev, err < 0 ? EV_STATE_UNSAVED : EV_STATE_SAVED);
	ev.state_file = state_file_name(f);
	ev.state_directory = d->state_dir;
	ev.err = err;
	if (err < 0 && !u->err[f]) {
		say_every(d, every, sizeof(every));
		u->since[f] = time(NULL);
		event_emit(&ev, "Cannot save "
				"%s in %s/%s: it is kept in memory, irrigctl status "
				"shows it, and irrigd tries again every %s",
				state_file_what(f), d->state_dir, state_file_name(f),
				every);
	} else if (!err && u->err[f]) {
		event_emit(&ev, "Saved %s in "
			  "%s/%s again", state_file_what(f), d->state_dir,
			  state_file_name(f));
	}
	u->err[f] = err;
	return err;
}

static int on_retry(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	bool left = false;

	(void)src;
	(void)usec;
	for (int f = 0; f < STATE_FILES; f++)
		if (d->unsaved.err[f] && attempt(d, (enum state_file)f) < 0)
			left = true;
	if (left)
		arm_retry(d);
	return 0;
}

int saving_save(struct daemon *d, enum state_file f)
{
	int err = attempt(d, f);

	if (err < 0) {
		if (d->reply)
			saving_warn(d, d->reply, 1u << f);
		arm_retry(d);
	}
	return err;
}

void saving_warn(struct daemon *d, struct out *out, unsigned files)
{
	char every[32];

	say_every(d, every, sizeof(every));
	for (int f = 0; f < STATE_FILES; f++) {
		char json[128];
		int err = d->unsaved.err[f];

		if (!(files & (1u << f)) || !err)
			continue;
		snprintf(json, sizeof(json), "\"code\":\"unsaved\",\"file\":\"%s\","
			 "\"errno\":%d", state_file_name((enum state_file)f), -err);
		out_warn(out, state_file_name((enum state_file)f), json,
			 "%s is not saved (%s/%s: %s): it is kept in memory, and "
			 "irrigd tries again every %s", state_file_what(f),
			 d->state_dir, state_file_name((enum state_file)f),
			 strerror(-err), every);
	}
}

int saving_init(struct daemon *d)
{
	const char *test = getenv("IRRIGD_STATE_RETRY_MS");
	unsigned long ms;
	char *end;
	int r;

	d->unsaved.retry_us = RETRY_US_DEFAULT;
	/* For the tests, which cannot wait half a minute a time. */
	if (test && *test) {
		errno = 0;
		ms = strtoul(test, &end, 10);
		if (!errno && !*end && ms >= 10 && ms <= 3600000)
			d->unsaved.retry_us = (uint64_t)ms * 1000;
	}
	r = sd_event_add_time(d->event, &d->unsaved.retry, CLOCK_MONOTONIC,
			      UINT64_MAX, 1000, on_retry, d);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot make the state saving timer");
	sd_event_source_set_enabled(d->unsaved.retry, SD_EVENT_OFF);
	return 0;
}

void saving_done(struct daemon *d)
{
	d->unsaved.retry = sd_event_source_disable_unref(d->unsaved.retry);
	/* A last try: what still fails is lost with the process. */
	for (int f = 0; f < STATE_FILES; f++)
		if (d->unsaved.err[f] && attempt(d, (enum state_file)f) < 0)
			log_errno(LOG_CRIT, d->unsaved.err[f], "irrigd stops with %s "
				  "not saved in %s/%s: it is lost", state_file_what(f),
				  d->state_dir, state_file_name((enum state_file)f));
}
