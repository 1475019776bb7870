/* Smart watering: the garden's own weather (each day's temperatures and ET0), the auto seasonal percentage, each zone's soil water balance and its probes, the rain sensor and the rain entered by hand. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/et0.h"
#include "core/nsec.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/log.h"

/* How often the rain sensor's line is looked at. */
#define RAIN_POLL_US (5 * US_PER_S)
/* Samples change today's record all day: saved at most this often (and at a stop). */
#define SAMPLE_SAVE_S (30 * 60)
/* ET0 of a day without one, for the balance: the mean of the recent days known. */
#define ET0_FALLBACK_DAYS 7

static int64_t date_days(const struct local_date *d)
{
	return calendar_date_days(d);
}

static struct local_date date_after(const struct local_date *d, int64_t n)
{
	return calendar_civil_from_days(date_days(d) + n);
}

static int day_of_year(const struct local_date *d)
{
	struct local_date jan1 = { d->year, 1, 1 };

	return (int)(date_days(d) - date_days(&jan1)) + 1;
}

static void save(struct daemon *d)
{
	if (!d->smart.loaded)
		return;
	d->smart.saved_at = time(NULL);
	saving_save(d, STATE_WEATHER);
}

/* The month's fixed percentage (percent × monthly) for a day, as auto's fallback. */
static unsigned fixed_percent(const struct daemon *d, const struct local_date *day)
{
	const struct schedule *sc = &d->cfg.schedule;
	unsigned monthly = day->month >= 1 && day->month <= 12 ?
		sc->monthly_percent[day->month - 1] : 100;

	return (unsigned)(((uint64_t)sc->percent * monthly + 50) / 100);
}

/* The auto percentage for today, from the days before it. */
static void decide_auto(struct daemon *d, bool say)
{
	const struct config_seasonal_auto *a = &d->cfg.seasonal_auto;
	struct seasonal_auto_result *res = &d->smart.auto_now;
	double et0[WEATHER_DAYS_MAX];
	size_t n = d->smart.log.n_days;
	bool was_fallback = res->fallback, known = d->smart.auto_known;
	struct event ev;

	if (!a->on)
		return;
	for (size_t i = 0; i < n; i++)
		et0[i] = d->smart.log.days[i].et0_mm;
	if (seasonal_auto_percent(&a->cfg, et0, n,
				  fixed_percent(d, &d->smart.log.today.date), res) < 0) {
		/* The loader checked the settings: not reached. */
		res->fallback = true;
		res->percent = fixed_percent(d, &d->smart.log.today.date);
		snprintf(res->why, sizeof(res->why), "auto settings refused");
	}
	d->smart.auto_known = true;
	/* The journal hears of a change to or from the fallback, not each night. */
	if (!say || (known && was_fallback == res->fallback))
		return;
	event_init(&ev, EV_SEASONAL_AUTO);
	ev.percent = res->percent;
	ev.reason = res->fallback ? "fallback" : "auto";
	if (res->fallback) {
		ev.priority = LOG_WARNING;
		event_emit(&ev, "Seasonal auto falls back to the monthly table "
			   "(%u %%): %s", res->percent, res->why);
	} else {
		event_emit(&ev, "Seasonal auto works from the garden's ET0 again: "
			   "%u %% (%s)", res->percent, res->why);
	}
}

/* The ET0 the balance loses by when a day has none of its own. */
static double et0_for_balance(const struct daemon *d, double et0, const char **how)
{
	const struct weather_log *log = &d->smart.log;
	double sum = 0;
	size_t n = 0;

	*how = "measured";
	if (!isnan(et0))
		return et0;
	for (size_t back = 1; back <= ET0_FALLBACK_DAYS; back++) {
		const struct weather_day *day = weather_log_past(log, back);

		if (day && !isnan(day->et0_mm)) {
			sum += day->et0_mm;
			n++;
		}
	}
	if (n) {
		*how = "the recent days' mean";
		return sum / (double)n;
	}
	if (d->cfg.seasonal_auto.on) {
		*how = "the reference ET0 scaled by the month";
		return d->cfg.seasonal_auto.cfg.reference_et0_mm *
			fixed_percent(d, &log->today.date) / 100.0;
	}
	*how = "none known";
	return 0;
}

static unsigned min_samples(const struct daemon *d)
{
	unsigned most = 86400 / (d->cfg.sample_interval_s ? d->cfg.sample_interval_s : 1);

	if (d->cfg.seasonal_auto.on)
		return d->cfg.seasonal_auto.min_samples;
	return most < 24 ? (most ? most : 1) : 24;
}

/*
 * Each balance loses a day of ET0 (a day without one: et0_for_balance's);
 * the loss, or NAN without a balance.
 */
static double lose_day(struct daemon *d, double et0, const char **how)
{
	double loss = et0_for_balance(d, et0, how), lost = NAN;

	for (size_t z = 0; z < d->cfg.n_zones; z++) {
		const struct config_zone *zone = &d->cfg.zones[z];
		struct weather_balance *b = weather_log_balance(&d->smart.log,
								zone->name);
		struct balance_state s;

		if (!zone->has_soil || !b)
			continue;
		s.depletion_mm = b->depletion_mm;
		if (balance_lose(&zone->soil, &s, loss, NULL) == 0)
			b->depletion_mm = s.depletion_mm;
		lost = loss;
	}
	return lost;
}

/* Degrees in the config's unit, as the journal and watchers have them. */
static double in_unit(const struct daemon *d, double celsius)
{
	return d->cfg.temperature.unit == 'F' ? celsius * 9.0 / 5.0 + 32.0 : celsius;
}

/* Closes today: its ET0, the balances' loss, and next starts. */
static void close_day(struct daemon *d, const struct local_date *next)
{
	struct weather_log *log = &d->smart.log;
	const struct weather_day *t = &log->today;
	struct local_date closed = t->date;
	double et0 = NAN, loss;
	const char *how;
	struct event ev;
	char why[160];

	if (!d->cfg.site.set)
		snprintf(why, sizeof(why), "no site: ET0 needs the latitude");
	else if (t->samples < min_samples(d))
		snprintf(why, sizeof(why), "%u temperature reading%s, fewer than "
			 "the %u a day needs", t->samples, t->samples == 1 ? "" : "s",
			 min_samples(d));
	else if (et0_hargreaves_day(d->cfg.site.latitude_deg, day_of_year(&t->date),
				    t->min_c, t->max_c, &et0) < 0)
		snprintf(why, sizeof(why), "the readings give no ET0");
	else
		snprintf(why, sizeof(why), "%u readings", t->samples);
	loss = lose_day(d, et0, &how);
	event_init(&ev, EV_WEATHER_DAY);
	if (t->samples) {
		ev.temperature_min = in_unit(d, t->min_c);
		ev.temperature_max = in_unit(d, t->max_c);
		ev.temperature = in_unit(d, t->mean_c);
	}
	ev.et0_mm = et0;
	ev.reason = isnan(et0) ? "unknown" : "measured";
	if (isnan(et0) && loss > 0)
		log_msg(LOG_NOTICE, "the soil water balances lose %.2f mm: %s",
			loss, how);
	weather_log_close_day(log, et0, next);
	decide_auto(d, true);
	if (d->cfg.seasonal_auto.on)
		ev.percent = d->smart.auto_now.percent;
	if (isnan(et0))
		event_emit(&ev, "Day %04d-%02d-%02d ended: ET0 not known (%s)",
			   closed.year, closed.month, closed.day, why);
	else
		event_emit(&ev, "Day %04d-%02d-%02d ended: %.1f to %.1f °%c, ET0 "
			   "%.2f mm (%s)", closed.year, closed.month, closed.day,
			   ev.temperature_min, ev.temperature_max,
			   d->cfg.temperature.unit == 'F' ? 'F' : 'C', et0, why);
}

/* The average of the zone's probes that read and are not failed; NAN: none. */
static double working_moisture(const struct daemon *d, int zone)
{
	double sum = 0;
	int n = 0;

	for (size_t p = 0; p < d->cfg.n_probes; p++) {
		if (d->cfg.probes[p].zone != zone || d->soil.errs[p] < 0 ||
		    d->safety.probes[p].failed)
			continue;
		sum += d->soil.percent[p];
		n++;
	}
	return n ? sum / n : NAN;
}

static void reanchor(struct daemon *d, int z, struct weather_balance *b)
{
	const struct config_zone *zone = &d->cfg.zones[z];
	double moisture = working_moisture(d, z);
	struct balance_state s = { b->depletion_mm };
	struct balance_reanchor r;
	struct event ev;

	if (!zone->has_anchor || isnan(moisture) ||
	    balance_reanchor(&zone->soil, &zone->anchor, &s, moisture, &r) < 0)
		return;
	b->depletion_mm = s.depletion_mm;
	/* The interval since the last re-anchor teaches the zone's real use. */
	balance_learning_add(&b->learn, &zone->soil, &r);
	balance_learning_start(&b->learn, s.depletion_mm);
	event_init(&ev, EV_BALANCE_ANCHORED);
	ev.zone = zone->name;
	ev.moisture = moisture;
	ev.depletion_mm = s.depletion_mm;
	ev.disagreement_mm = r.disagreement_mm;
	event_emit(&ev, "Zone %s's balance re-anchored on its probes (%.1f %%): "
		   "depletion %.1f mm, the model said %.1f mm (%+.1f mm)",
		   zone->name, moisture, r.probe_mm, r.model_mm, r.disagreement_mm);
}

static void balance_said(struct daemon *d, int z, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void balance_said(struct daemon *d, int z, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->smart.why[z], sizeof(d->smart.why[z]), fmt, ap);
	va_end(ap);
}

/* A balance zone's start: re-anchor, then water what it lacks. */
static void balance_start(struct daemon *d, int z)
{
	const struct config_zone *zone = &d->cfg.zones[z];
	struct weather_balance *b = weather_log_balance(&d->smart.log, zone->name);
	struct run_request req = { .zone = z, .programmed = true };
	struct ctl_actions acts = { .n = 0 };
	struct balance_decision dec;
	struct balance_state s;
	const char *how;
	struct event ev;
	double lpm, secs, et0[WEATHER_DAYS_MAX], et0_ahead;
	size_t runs, ahead;
	int err;

	if (!b)
		return;
	reanchor(d, z, b);
	if (!zone->water_by_balance)
		return;
	s.depletion_mm = b->depletion_mm;
	/*
	 * Watered the morning before it would pass the allowed level, not
	 * the morning after: the day ahead is planned for the hottest of the
	 * last days, scaled by what the probes taught (bench/bench_season.c).
	 */
	for (size_t i = 0; i < d->smart.log.n_days; i++)
		et0[i] = d->smart.log.days[i].et0_mm;
	et0_ahead = balance_et0_ahead(et0, d->smart.log.n_days, BALANCE_AHEAD_DAYS);
	if (zone->has_anchor)
		et0_ahead *= balance_learning_factor(&b->learn);
	balance_decide_ahead(&zone->soil, &s, et0_ahead, &dec);
	event_init(&ev, EV_BALANCE_WATER);
	ev.zone = zone->name;
	ev.depletion_mm = s.depletion_mm;
	if (!dec.water) {
		balance_said(d, z, "%s", dec.why);
		return;
	}
	ev.litres = dec.litres;
	if (smart_rain_holds(d, time(NULL))) {
		balance_said(d, z, "not watered: the rain sensor holds (%s)", dec.why);
		ev.reason = "rain-sensor";
		event_emit(&ev, "Zone %s needs %.1f mm but the rain sensor holds "
			   "programmed watering", zone->name, dec.mm);
		return;
	}
	if (!d->smart.calls->clock_synced(d)) {
		balance_said(d, z, "not watered: the clock is not synchronized");
		return;
	}
	lpm = safety_expected_lpm(d, z, &how, &runs);
	if (lpm <= 0) {
		balance_said(d, z, "cannot water %.1f mm: the zone's flow is not "
			     "known (set flow_lpm, or irrigctl learn %s)", dec.mm,
			     zone->name);
		ev.priority = LOG_WARNING;
		ev.reason = "flow-unknown";
		event_emit(&ev, "Zone %s needs %.1f L but its flow is not known: "
			   "set flow_lpm, or irrigctl learn %s", zone->name,
			   dec.litres, zone->name);
		return;
	}
	secs = ceil(dec.litres / lpm * 60.0);
	req.duration_s = secs > zone->max_run_s ? zone->max_run_s :
		(uint32_t)(secs < 1 ? 1 : secs);
	snprintf(req.source, sizeof(req.source), "balance");
	err = ctl_enqueue(&d->ctl, &req, false, daemon_now(), &ahead, &acts);
	if (err < 0) {
		balance_said(d, z, "could not be queued: %s", strerror(-err));
		log_errno(LOG_WARNING, err, "balance: cannot queue zone %s", zone->name);
		return;
	}
	ev.duration_s = req.duration_s;
	ev.reason = secs > zone->max_run_s ? "capped" : "due";
	balance_said(d, z, "watered %.1f mm (%.1f L, %us%s)", dec.mm, dec.litres,
		     req.duration_s, secs > zone->max_run_s ? ", cut to max_run" : "");
	event_emit(&ev, "Zone %s waters %.1f mm (%.1f L at %.2f L/min: %us%s): %s",
		   zone->name, dec.mm, dec.litres, lpm, req.duration_s,
		   secs > zone->max_run_s ? ", cut to its max_run" : "", dec.why);
	d->smart.calls->carry_out(d, &acts);
}

static time_t local_instant(const struct local_date *day, unsigned minutes)
{
	return schedule_local_instant(day, minutes);
}

static void arm_timer(struct daemon *d)
{
	const struct local_date *today = &d->smart.log.today.date;
	struct local_date tomorrow = date_after(today, 1);
	time_t next = local_instant(&tomorrow, 0);
	int64_t day = date_days(today);

	for (size_t z = 0; z < d->cfg.n_zones; z++) {
		const struct config_zone *zone = &d->cfg.zones[z];
		time_t at;

		if (!zone->has_soil || d->smart.started_day[z] == day)
			continue;
		at = local_instant(today, zone->balance_start_min);
		if (at < next)
			next = at;
	}
	if (!d->smart.timer)
		return;
	sd_event_source_set_time(d->smart.timer, (uint64_t)(next > 0 ? next : 0) *
				 US_PER_S);
	sd_event_source_set_enabled(d->smart.timer, SD_EVENT_ONESHOT);
}

/* Every balance zone's start that has come today and was not dealt with. */
static void run_due_starts(struct daemon *d, time_t now, bool all)
{
	const struct local_date *today = &d->smart.log.today.date;
	int64_t day = date_days(today);

	for (size_t z = 0; z < d->cfg.n_zones; z++) {
		const struct config_zone *zone = &d->cfg.zones[z];

		if (!zone->has_soil || d->smart.started_day[z] == day)
			continue;
		if (!all && now < local_instant(today, zone->balance_start_min))
			continue;
		d->smart.started_day[z] = day;
		balance_start(d, (int)z);
	}
}

/* Brings the record up to the local date of now: the days that passed close. */
static bool catch_up(struct daemon *d, time_t now)
{
	struct local_date date = schedule_local_date(now);
	int64_t gap = date_days(&date) - date_days(&d->smart.log.today.date);
	struct local_date next;

	if (gap <= 0)
		return false;	/* the same day, or a clock set back */
	next = date_after(&d->smart.log.today.date, 1);
	close_day(d, &next);
	/*
	 * Days irrigd did not see have no ET0 of their own; the plants drank
	 * all the same, as much as on the recent days.
	 */
	for (int64_t i = 1; i < gap && i <= WEATHER_DAYS_MAX; i++) {
		const char *how;

		next = date_after(&d->smart.log.today.date, 1);
		lose_day(d, NAN, &how);
		weather_log_close_day(&d->smart.log, NAN, &next);
	}
	d->smart.log.today.date = date;
	decide_auto(d, true);
	return true;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	time_t now = time(NULL);

	(void)src;
	(void)usec;
	if (catch_up(d, now))
		save(d);
	run_due_starts(d, now, false);
	save(d);
	arm_timer(d);
	d->smart.calls->status_changed(d);
	return 0;
}

void smart_day_end(struct daemon *d)
{
	struct local_date next = date_after(&d->smart.log.today.date, 1);

	close_day(d, &next);
	run_due_starts(d, 0, true);
	save(d);
	arm_timer(d);
	d->smart.calls->status_changed(d);
}

void smart_sample(struct daemon *d, const struct sample *s)
{
	double c;

	if (s->temperature_err)
		return;
	c = d->cfg.temperature.unit == 'F' ? (s->temperature - 32.0) * 5.0 / 9.0 :
		s->temperature;
	weather_log_sample(&d->smart.log, c);
	if (time(NULL) - d->smart.saved_at >= SAMPLE_SAVE_S)
		save(d);
}

void smart_run_ended(struct daemon *d, int zone, double litres)
{
	const struct config_zone *z;
	struct weather_balance *b;
	struct balance_state s;
	double mm, drained;

	if (zone < 0 || (size_t)zone >= d->cfg.n_zones || !(litres > 0))
		return;
	z = &d->cfg.zones[zone];
	b = weather_log_balance(&d->smart.log, z->name);
	if (!z->has_soil || !b)
		return;
	s.depletion_mm = b->depletion_mm;
	mm = balance_mm_from_litres(&z->soil, litres);
	if (balance_gain(&z->soil, &s, mm, &drained) < 0)
		return;
	b->depletion_mm = s.depletion_mm;
	if (z->has_anchor)
		balance_learning_gain(&b->learn, mm, drained);
	save(d);
}

int smart_record_rain(struct daemon *d, double mm, const char *who)
{
	struct event ev;
	int64_t zones = 0;

	if (!isfinite(mm) || mm < 0 || mm > SMART_RAIN_MAX_MM)
		return -ERANGE;
	for (size_t z = 0; z < d->cfg.n_zones; z++) {
		const struct config_zone *zone = &d->cfg.zones[z];
		struct weather_balance *b = weather_log_balance(&d->smart.log, zone->name);
		struct balance_state s;
		double drained;

		if (!zone->has_soil || !b)
			continue;
		s.depletion_mm = b->depletion_mm;
		if (balance_gain(&zone->soil, &s, mm, &drained) == 0) {
			b->depletion_mm = s.depletion_mm;
			if (zone->has_anchor)
				balance_learning_gain(&b->learn, mm, drained);
		}
		zones++;
	}
	event_init(&ev, EV_RAIN_RECORDED);
	ev.rain_mm = mm;
	ev.zones = zones;
	event_set_requester(&ev, who);
	event_emit(&ev, "Rain of %.1f mm recorded: %lld zone balance%s gain it", mm,
		   (long long)zones, zones == 1 ? "" : "s");
	save(d);
	return 0;
}

/* ---- the rain sensor ---- */

bool smart_rain_holds(const struct daemon *d, time_t now)
{
	return d->cfg.rain.present && (d->smart.wet || now < d->smart.log.rain_until);
}

/* Programmed runs, going on or queued, end: the rain sensor is wet. */
static void stop_programmed(struct daemon *d)
{
	uint32_t ids[CTL_QUEUE_MAX + 1];
	size_t n = 0;

	if (d->ctl.phase != CTL_IDLE && d->ctl.phase != CTL_LAG &&
	    d->ctl.current.programmed)
		ids[n++] = d->ctl.current.id;
	for (size_t i = 0; i < d->ctl.queue_len; i++) {
		const struct run_request *r =
			&d->ctl.queue[(d->ctl.queue_first + i) % CTL_QUEUE_MAX];

		if (r->programmed)
			ids[n++] = r->id;
	}
	for (size_t i = 0; i < n; i++)
		d->smart.calls->cancel_run(d, ids[i], "the rain sensor is wet");
}

static void rain_changed(struct daemon *d, bool wet)
{
	struct event ev;
	char until[32];
	struct tm tm;

	d->smart.wet = wet;
	event_init(&ev, EV_RAIN_SENSOR);
	ev.action = wet ? "wet" : "dry";
	if (wet) {
		d->smart.log.rain_until = 0;
		event_emit(&ev, "The rain sensor is wet: programmed watering stops "
			   "and is held");
		stop_programmed(d);
	} else {
		d->smart.log.rain_until = time(NULL) + (time_t)d->cfg.rain.hold_s;
		ev.until = d->smart.log.rain_until;
		localtime_r(&d->smart.log.rain_until, &tm);
		strftime(until, sizeof(until), "%a %d %b %H:%M", &tm);
		event_emit(&ev, "The rain sensor is dry: programmed watering stays "
			   "held until %s", until);
	}
	save(d);
	d->smart.calls->status_changed(d);
}

static void look_at_rain(struct daemon *d)
{
	bool wet = d->smart.sim_wet;
	int err = 0;

	if (!d->sim)
		err = hardware_rain_wet(d->hw, &wet);
	if (err < 0) {
		if (!d->smart.rain_err)
			log_errno(LOG_WARNING, err, "cannot read the rain sensor: "
				  "it counts as dry until it reads again");
		d->smart.rain_err = err;
		wet = false;
	} else if (d->smart.rain_err) {
		log_msg(LOG_NOTICE, "the rain sensor reads again");
		d->smart.rain_err = 0;
	}
	if (wet != d->smart.wet)
		rain_changed(d, wet);
}

static int on_rain_poll(sd_event_source *src, uint64_t usec, void *userdata)
{
	(void)usec;
	look_at_rain(userdata);
	sd_event_source_set_time(src, usec + RAIN_POLL_US);
	sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
	return 0;
}

int smart_sim_rain(struct daemon *d, bool wet)
{
	if (!d->cfg.rain.present)
		return -ENODEV;
	d->smart.sim_wet = wet;
	look_at_rain(d);
	return 0;
}

/* ---- setup ---- */

static bool is_soil_zone(const char *zone, void *ctx)
{
	const struct daemon *d = ctx;
	int z = config_find_zone(&d->cfg, zone);

	return z >= 0 && d->cfg.zones[z].has_soil;
}

/*
 * The balances follow the config's soil zones.  A start already past
 * today is not caught up, as a program's is not, unless kept says it
 * was dealt with on another day (a reload keeps what it knew).
 */
static void follow_config(struct daemon *d, time_t now, const int64_t *kept)
{
	struct weather_log *log = &d->smart.log;
	int64_t day = date_days(&log->today.date);

	weather_log_balance_prune(log, is_soil_zone, d);
	for (size_t z = 0; z < d->cfg.n_zones; z++) {
		const struct config_zone *zone = &d->cfg.zones[z];

		d->smart.started_day[z] = kept ? kept[z] : 0;
		if (!kept)
			d->smart.why[z][0] = '\0';
		if (!zone->has_soil)
			continue;
		if (!weather_log_balance_add(log, zone->name))
			log_msg(LOG_WARNING, "zone %s: no room for its balance",
				zone->name);
		if ((!kept || !kept[z]) &&
		    now >= local_instant(&log->today.date, zone->balance_start_min))
			d->smart.started_day[z] = day;
	}
	d->smart.auto_known = false;
	decide_auto(d, true);
}

void smart_reload(struct daemon *d, struct config *next)
{
	int64_t started[CONFIG_MAX_ZONES];
	char why[CONFIG_MAX_ZONES][BALANCE_WHY_MAX];

	/* What each zone's start did today stays, by the zone's name. */
	for (size_t z = 0; z < next->n_zones; z++) {
		int o = config_find_zone(&d->cfg, next->zones[z].name);

		started[z] = o >= 0 ? d->smart.started_day[o] : 0;
		snprintf(why[z], sizeof(why[z]), "%s", o >= 0 ? d->smart.why[o] : "");
	}
	memcpy(d->smart.started_day, started, sizeof(started));
	memcpy(d->smart.why, why, sizeof(why));
	/* The line was requested at the start: another one needs a restart. */
	if (next->rain.present != d->cfg.rain.present ||
	    (next->rain.present &&
	     (strcmp(next->rain.line.name, d->cfg.rain.line.name) ||
	      strcmp(next->rain.line.chip, d->cfg.rain.line.chip) ||
	      next->rain.line.offset != d->cfg.rain.line.offset ||
	      next->rain.bias != d->cfg.rain.bias))) {
		log_msg(LOG_WARNING, "the rain sensor's new wiring applies at the "
			"next restart");
		next->rain.present = d->cfg.rain.present;
		next->rain.line = d->cfg.rain.line;
		next->rain.bias = d->cfg.rain.bias;
	}
}

void smart_config_changed(struct daemon *d)
{
	int64_t kept[CONFIG_MAX_ZONES];

	memcpy(kept, d->smart.started_day, sizeof(kept));
	follow_config(d, time(NULL), kept);
	save(d);
	arm_timer(d);
}

static void load(struct daemon *d, time_t now)
{
	struct local_date today = schedule_local_date(now);
	char err[256];
	int r;

	weather_log_init(&d->smart.log, &today);
	r = state_load_weather(d->state_dir, &d->smart.log, err, sizeof(err));
	if (r == -ENOENT)
		return;
	if (r < 0) {
		log_msg(LOG_WARNING, "the weather record and the soil water "
			"balances start afresh: %s", err);
		if (state_set_aside(d->state_dir, "weather") == 0)
			log_msg(LOG_WARNING, "the unreadable file is kept as "
				"%s/weather.bad", d->state_dir);
		weather_log_init(&d->smart.log, &today);
		return;
	}
	/* The days that passed while irrigd was stopped close now. */
	catch_up(d, now);
}

int smart_init(struct daemon *d, const struct smart_calls *calls)
{
	time_t now = time(NULL);
	int r;

	d->smart.calls = calls;
	load(d, now);
	d->smart.loaded = true;
	d->smart.saved_at = now;
	follow_config(d, now, NULL);
	r = sd_event_add_time(d->event, &d->smart.timer, CLOCK_REALTIME, UINT64_MAX,
			      US_PER_S, on_timer, d);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot make the weather timer");
	arm_timer(d);
	if (d->cfg.rain.present) {
		uint64_t now_us;

		sd_event_now(d->event, CLOCK_MONOTONIC, &now_us);
		r = sd_event_add_time(d->event, &d->smart.rain_poll, CLOCK_MONOTONIC,
				      now_us + RAIN_POLL_US, US_PER_S / 10,
				      on_rain_poll, d);
		if (r < 0)
			return log_errno(LOG_ERR, r, "cannot watch the rain sensor");
		look_at_rain(d);
	}
	return 0;
}

void smart_done(struct daemon *d)
{
	d->smart.timer = sd_event_source_disable_unref(d->smart.timer);
	d->smart.rain_poll = sd_event_source_disable_unref(d->smart.rain_poll);
	/* Today's readings since the last save; never an empty record over a file. */
	if (d->smart.loaded)
		saving_save(d, STATE_WEATHER);
}

const struct schedule *smart_scaling(const struct daemon *d)
{
	/* Only percent and monthly matter to the scaling: programs stay empty. */
	static struct schedule scale;

	if (!d->cfg.seasonal_auto.on || !d->smart.auto_known ||
	    d->smart.auto_now.fallback)
		return &d->cfg.schedule;
	scale.percent = d->smart.auto_now.percent;
	for (size_t m = 0; m < 12; m++)
		scale.monthly_percent[m] = 100;
	return &scale;
}

uint32_t smart_scaled_duration(const struct daemon *d, uint32_t duration_s,
			       time_t when)
{
	return schedule_scaled_duration(smart_scaling(d), duration_s, when);
}
