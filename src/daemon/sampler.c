/* The sampler: reads every sensor without ever holding the event loop, and hands the sample out. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/nsec.h"
#include "core/calib.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/log.h"

#define US UINT64_C(1000)
/* A conversion's wake-up may come this late (µs): it is 1-125 ms long. */
#define STEP_ACCURACY_US 100

/*
 * A pass reads the inputs in this order: every probe, then the
 * temperature, then the light.  Index n_probes is the temperature.
 */
static size_t n_inputs(const struct daemon *d)
{
	return d->cfg.n_probes + 2;
}

static const struct config_analog *input_at(const struct daemon *d, size_t i)
{
	if (i < d->cfg.n_probes)
		return &d->cfg.probes[i].input;
	if (i == d->cfg.n_probes)
		return d->cfg.temperature.present ? &d->cfg.temperature.input : NULL;
	return d->cfg.light.present ? &d->cfg.light.input : NULL;
}

static void arm_step(struct daemon *d, uint64_t when_ns)
{
	struct sampler *s = &d->sampler;

	sd_event_source_set_time(s->step, when_ns / US);
	sd_event_source_set_enabled(s->step, SD_EVENT_ONESHOT);
}

/* Every input's figure from its volts, under the config now in force. */
static void convert(struct daemon *d, struct sample *out)
{
	struct sampler *s = &d->sampler;
	size_t t = d->cfg.n_probes, l = t + 1;

	for (size_t p = 0; p < d->cfg.n_probes; p++) {
		out->soil.percent[p] = 0.0;
		out->soil.volts[p] = s->volts[p];
		out->soil.errs[p] = s->errs[p];
		if (s->errs[p] == 0)
			out->soil.errs[p] = hardware_probe_percent(d->hw, p, s->volts[p],
								   &out->soil.percent[p]);
	}
	out->temperature_err = d->cfg.temperature.present ? s->errs[t] : -ENODEV;
	if (out->temperature_err)
		out->temperature = NAN;
	else if (sensor_driver_of(&d->cfg.temperature.input)->measures == SENSOR_CELSIUS)
		out->temperature = d->cfg.temperature.unit == 'F' ?
			calib_celsius_to_fahrenheit(s->volts[t]) : s->volts[t];
	else
		out->temperature = hardware_temperature(d->hw, s->volts[t]);
	out->light_err = d->cfg.light.present ? s->errs[l] : -ENODEV;
	out->light = out->light_err ? NAN : hardware_light(d->hw, s->volts[l]);
}

/* For watchers: each probe that read, then the air. */
static void sample_events(struct daemon *d, const struct sample *s)
{
	struct event ev;

	for (size_t p = 0; p < d->cfg.n_probes; p++) {
		if (s->soil.errs[p] < 0)
			continue;
		event_init(&ev, EV_SAMPLE);
		ev.probe = d->cfg.probes[p].name;
		if (d->cfg.probes[p].zone >= 0)
			ev.zone = d->cfg.zones[d->cfg.probes[p].zone].name;
		ev.moisture = s->soil.percent[p];
		event_emit(&ev, "Soil probe %s reads %.1f %%", ev.probe, ev.moisture);
	}
	if (s->temperature_err && s->light_err)
		return;
	event_init(&ev, EV_SAMPLE);
	if (!s->temperature_err)
		ev.temperature = s->temperature;
	if (!s->light_err)
		ev.light = s->light;
	event_emit(&ev, "Temperature and light sampled");
}

static void finish_pass(struct daemon *d)
{
	struct sampler *s = &d->sampler;

	hardware_power_probes(d->hw, false, NULL);
	s->busy = false;
	/* Every output was switched off meanwhile: the probes read unpowered. */
	if (hardware_power_cuts(d->hw) != s->power_cuts) {
		sampler_request(d);
		return;
	}
	convert(d, &s->latest);
	s->latest.taken_ns = daemon_now();
	d->soil = s->latest.soil;
	sample_events(d, &s->latest);
	/* Those served now may ask again: that starts a new pass. */
	s->taken(d, s->pass);
	if (s->again && !s->busy) {
		s->again = false;
		sampler_request(d);
	}
}

static void close_read(struct sampler *s)
{
	if (s->reading)
		s->read.driver->close(&s->read);
	s->reading = false;
}

/* Starts input i or a later one that is there; finishes after the last. */
static void start_from(struct daemon *d, size_t i)
{
	struct sampler *s = &d->sampler;
	struct sensor_read *rd = &s->read;

	for (; i < n_inputs(d); i++) {
		const struct config_analog *in = input_at(d, i);

		if (!in || s->errs[i] < 0)
			continue;
		s->input = i;
		memset(rd, 0, sizeof(*rd));
		rd->driver = sensor_driver_of(in);
		rd->in = in;
		rd->hw = d->hw;
		s->errs[i] = rd->driver->open(rd);
		if (s->errs[i] < 0)
			continue;
		s->reading = true;
		s->errs[i] = rd->driver->start(rd, daemon_now());
		if (s->errs[i] < 0) {
			close_read(s);
			continue;
		}
		arm_step(d, rd->due_ns);
		return;
	}
	finish_pass(d);
}

static int on_step(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	struct sampler *s = &d->sampler;
	uint64_t now = daemon_now();
	int err;

	(void)src;
	(void)usec;
	if (!s->converting) {	/* the probes have settled */
		s->converting = true;
		start_from(d, 0);
		return 0;
	}
	err = s->read.driver->finish(&s->read, now, &s->volts[s->input]);
	if (err == -EAGAIN) {
		arm_step(d, s->read.due_ns);
		return 0;
	}
	close_read(s);
	s->errs[s->input] = err;
	start_from(d, s->input + 1);
	return 0;
}

uint32_t sampler_request(struct daemon *d)
{
	struct sampler *s = &d->sampler;
	unsigned settle_ms;

	if (!s->step)
		return s->pass;
	/*
	 * A pass still settling reads everything after this request; one
	 * converting may have read some inputs before it: the next serves.
	 */
	if (s->busy && !s->converting)
		return s->pass;
	if (s->busy) {
		s->again = true;
		return s->pass + 1;
	}
	s->busy = true;
	s->pass++;
	s->converting = false;
	for (size_t i = 0; i < CONFIG_MAX_PROBES + 2; i++) {
		s->errs[i] = 0;
		s->volts[i] = 0.0;
	}
	s->power_cuts = hardware_power_cuts(d->hw);
	settle_ms = hardware_power_probes(d->hw, true, s->errs);
	/* Even with nothing to settle, the pass starts from the loop. */
	arm_step(d, daemon_now() + (uint64_t)settle_ms * 1000000u);
	return s->pass;
}

const struct sample *sampler_latest(const struct daemon *d)
{
	return d->sampler.latest.taken_ns ? &d->sampler.latest : NULL;
}

static void arm_periodic(struct daemon *d)
{
	sd_event_source_set_time_relative(d->sampler.periodic,
					  (uint64_t)d->cfg.sample_interval_s * NS_PER_S / US);
	sd_event_source_set_enabled(d->sampler.periodic, SD_EVENT_ONESHOT);
}

static int on_periodic(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	(void)src;
	(void)usec;
	sampler_request(d);
	arm_periodic(d);
	return 0;
}

void sampler_rearm(struct daemon *d)
{
	arm_periodic(d);
}

int sampler_init(struct daemon *d, sample_taken_fn *taken)
{
	struct sampler *s = &d->sampler;
	int r;

	s->taken = taken;
	/* Nothing is known until the first pass: no probe reads yet. */
	for (size_t p = 0; p < CONFIG_MAX_PROBES; p++)
		d->soil.errs[p] = -EAGAIN;
	r = sd_event_add_time(d->event, &s->step, CLOCK_MONOTONIC, UINT64_MAX,
			      STEP_ACCURACY_US, on_step, d);
	if (r >= 0) {
		sd_event_source_set_enabled(s->step, SD_EVENT_OFF);
		r = sd_event_add_time_relative(d->event, &s->periodic,
					       CLOCK_MONOTONIC, 0, 0, on_periodic, d);
	}
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot make the sensor timers");
	return 0;
}

void sampler_done(struct daemon *d)
{
	struct sampler *s = &d->sampler;

	close_read(s);
	if (s->busy && d->hw)
		hardware_power_probes(d->hw, false, NULL);
	s->busy = false;
	s->step = sd_event_source_disable_unref(s->step);
	s->periodic = sd_event_source_disable_unref(s->periodic);
}
