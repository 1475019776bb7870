/* Live reload: a new config replaces the running one only when it is valid and fits the hardware. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/log.h"
#include "daemon/sensor.h"

static bool same_line(const struct config_line *a, const struct config_line *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->chip, b->chip) &&
		a->offset == b->offset;
}

static bool same_pin(const struct config_pin *a, const struct config_pin *b)
{
	if (a->on_gpio != b->on_gpio || a->active_low != b->active_low)
		return false;
	if (a->on_gpio)
		return same_line(&a->line, &b->line);
	return a->expander == b->expander && a->pin == b->pin;
}

static bool same_input(const struct config_analog *a, const struct config_analog *b)
{
	/* No driver = means the default one: the same sensor. */
	return a->adc == b->adc && a->channel == b->channel &&
		sensor_driver_of(a) == sensor_driver_of(b) &&
		!strcmp(a->device, b->device);
}

/* Names what changed in the wiring, or NULL when the hardware fits. */
static const char *wiring_change(struct hardware *hw, const struct config *old,
				 const struct config *new)
{
	if (old->backend != new->backend || old->i2c_bus != new->i2c_bus)
		return "hardware.backend or hardware.i2c_bus";
	if (old->n_expanders != new->n_expanders)
		return "hardware.expanders";
	for (size_t i = 0; i < old->n_expanders; i++)
		if (old->expanders[i].address != new->expanders[i].address)
			return "hardware.expanders";
	if (old->n_adcs != new->n_adcs)
		return "hardware.adcs";
	for (size_t i = 0; i < old->n_adcs; i++) {
		const struct config_adc *a = &old->adcs[i], *b = &new->adcs[i];

		if (a->address != b->address || a->type != b->type ||
		    a->range_mv != b->range_mv || a->data_rate != b->data_rate)
			return "hardware.adcs";
	}
	if (!same_line(&old->flow_meter.line, &new->flow_meter.line) ||
	    old->flow_meter.edge != new->flow_meter.edge ||
	    old->flow_meter.bias != new->flow_meter.bias ||
	    old->flow_meter.pulses_per_litre != new->flow_meter.pulses_per_litre)
		return "hardware.flow_meter";
	if (new->master.present && !hardware_has_output(hw, &new->master.pin))
		return "master";
	if (old->n_probes != new->n_probes)
		return "sensors.soil";
	for (size_t p = 0; p < old->n_probes; p++) {
		const struct config_probe *a = &old->probes[p], *b = &new->probes[p];

		if (!same_input(&a->input, &b->input) || a->has_power != b->has_power ||
		    (a->has_power && !same_pin(&a->power, &b->power)))
			return "sensors.soil";
	}
	if (old->light.present != new->light.present ||
	    (old->light.present && !same_input(&old->light.input, &new->light.input)))
		return "sensors.light";
	if (old->temperature.present != new->temperature.present ||
	    (old->temperature.present &&
	     !same_input(&old->temperature.input, &new->temperature.input)))
		return "sensors.temperature";
	/* A zone may come, go or be renamed, on a valve pin set up at start. */
	for (size_t z = 0; z < new->n_zones; z++)
		if (!hardware_has_output(hw, &new->zones[z].valve))
			return "a zone's valve pin";
	return NULL;
}

/* Would the new config switch a different output for what is open now? */
static bool open_output_moves(const struct daemon *d, const struct config *next)
{
	const struct run_request *cur = ctl_current(&d->ctl);

	if (d->ctl.master_on && (!next->master.present ||
				 !same_pin(&d->cfg.master.pin, &next->master.pin)))
		return true;
	if (cur && d->ctl.phase == CTL_WATERING) {
		int z = config_find_zone(next, d->cfg.zones[cur->zone].name);

		if (z >= 0 && !same_pin(&d->cfg.zones[cur->zone].valve,
					&next->zones[z].valve))
			return true;
	}
	return false;
}

/* Kept for status: on disk is a file that a restart would also refuse. */
static int refused(struct daemon *d, int r, const char *why)
{
	d->reload_refused.at = time(NULL);
	snprintf(d->reload_refused.why, sizeof(d->reload_refused.why), "%s", why);
	return r;
}

int daemon_reload(struct daemon *d, char *err, size_t err_size)
{
	struct config *next = malloc(sizeof(*next));
	struct ctl_actions acts = { .n = 0 };
	struct event ev;
	int map[CONFIG_MAX_ZONES];
	const char *changed;
	int r;

	if (!next)
		return -ENOMEM;
	r = config_load(d->config_path, next, err, err_size);
	if (r < 0) {
		log_msg(LOG_ERR, "reload refused, the running config stays: %s", err);
		free(next);
		return refused(d, r, err);
	}
	changed = wiring_change(d->hw, &d->cfg, next);
	if (changed) {
		snprintf(err, err_size, "%s: %s changed: restart irrigd to apply a "
			 "change of wiring; the running config stays",
			 d->config_path, changed);
		log_msg(LOG_ERR, "reload refused: %s", err);
		free(next);
		return refused(d, -EBUSY, err);
	}
	if (strcmp(next->socket_path, d->cfg.socket_path))
		log_msg(LOG_WARNING, "the new socket path %s applies at the next "
			"restart", next->socket_path);
	snprintf(next->socket_path, sizeof(next->socket_path), "%s",
		 d->cfg.socket_path);
	/*
	 * What is open now was opened by the old config's wiring: if the new
	 * one moves it, the old config must close it, or a valve would stay
	 * open that no zone names any more.
	 */
	if (open_output_moves(d, next)) {
		log_msg(LOG_WARNING, "the reload moves a valve that is open: "
			"watering stops first");
		r = watering_stop(d, RUN_STOPPED);	/* every valve closed */
		if (r < 0) {
			/* Only the old config names the pin that may be open. */
			snprintf(err, err_size, "%s: a valve the reload moves could "
				 "not be closed; the running config stays",
				 d->config_path);
			log_msg(LOG_ERR, "reload refused: %s", err);
			free(next);
			return refused(d, r, err);
		}
	}
	/* Runs of a removed zone end under the old config, which names them. */
	for (size_t z = 0; z < d->cfg.n_zones; z++)
		map[z] = config_find_zone(next, d->cfg.zones[z].name);
	ctl_remap_zones(&d->ctl, map, d->cfg.n_zones, daemon_now(), &acts);
	watering_carry_out(d, &acts);
	watering_finish_endings_now(d);
	safety_reload(d, next, map);
	smart_reload(d, next);
	d->cfg = *next;
	hardware_config_changed(d->hw);
	scheduler_config_changed(d);
	free(next);
	d->reload_refused.at = 0;
	watering_apply_config(d);
	acts.n = 0;
	ctl_kick(&d->ctl, daemon_now(), &acts);
	watering_carry_out(d, &acts);
	scheduler_rearm(d);
	sampler_rearm(d);
	smart_config_changed(d);
	event_init(&ev, EV_CONFIG_RELOADED);
	ev.config = d->config_path;
	ev.zones = (int64_t)d->cfg.n_zones;
	ev.programs = (int64_t)d->cfg.schedule.n_programs;
	event_emit(&ev, "reloaded %s: %zu zone%s, %zu "
		  "program%s", d->config_path, d->cfg.n_zones,
		  d->cfg.n_zones == 1 ? "" : "s", d->cfg.schedule.n_programs,
		  d->cfg.schedule.n_programs == 1 ? "" : "s");
	return 0;
}
