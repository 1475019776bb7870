/* Loads the config's sensors section: soil probes, light and temperature. */
#include "config-parse.h"

#include <math.h>
#include <string.h>

#include "daemon/sensor.h"

/* The settings each group may hold (see root_keys in config.c). */
static const char *const power_keys[] = {
	"expander", "pin", "active_low", "settle_ms", NULL
};
static const char *const sensors_keys[] = {
	"soil", "light", "temperature", "rain", NULL
};
static const char *const soil_keys[] = {
	"name", "driver", "device", "adc", "channel", "zone", "dry_volts",
	"wet_volts", "power", "min_volts", "max_volts", NULL
};
static const char *const light_keys[] = {
	"driver", "device", "adc", "channel", "dark_volts", "bright_volts", NULL
};
static const char *const temperature_keys[] = {
	"driver", "device", "adc", "channel", "conversion", "unit", "scale",
	"offset", "freeze_below", NULL
};

/*
 * A sensor's driver = "..." (sensor.h's table; an ADC channel by
 * default) and what that driver reads: adc and channel, or a device.
 */
static int load_sensor_driver(struct loader *ld, const config_setting_t *g,
			      bool temperature, struct config_analog *in)
{
	const config_setting_t *s = NULL;
	const char *name = sensor_ads1x15.name, *device;
	char names[128];
	size_t len;
	int r;

	r = read_string(ld, g, "driver", false, &name, &s);
	if (r < 0)
		return r;
	in->driver = sensor_driver_find(name);
	if (!in->driver) {
		sensor_driver_names(names, sizeof(names));
		return fail(ld, s, "must be %s", names);
	}
	if (in->driver->measures == SENSOR_CELSIUS && !temperature)
		return fail(ld, s, "\"%s\" measures temperature: soil and light "
			    "sensors are read in volts", name);
	if (in->driver->on_adc) {
		if (config_setting_get_member(g, "device"))
			return fail(ld, config_setting_get_member(g, "device"),
				    "only for a sensor off the ADCs (driver)");
		return 0;
	}
	if (config_setting_get_member(g, "adc") ||
	    config_setting_get_member(g, "channel"))
		return fail(ld, g, "adc and channel are for a sensor on an ADC, "
			    "not driver \"%s\": it is found by its device", name);
	in->adc = -1;
	r = read_string(ld, g, "device", true, &device, &s);
	if (r < 0)
		return r;
	len = strlen(device);
	if (!len || len >= CONFIG_NAME_MAX ||
	    strspn(device, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			   "0123456789_-.") != len || device[0] == '.')
		return fail(ld, s, "\"%s\" is not a device name, like "
			    "\"28-0316a2794bff\"", device);
	memcpy(in->device, device, len + 1);
	return 1;
}

/* Reads adc and channel from a sensor group and claims the channel. */
static int load_analog(struct loader *ld, const config_setting_t *g,
		       bool temperature, struct config_analog *in)
{
	const config_setting_t **use;
	char by[SETTING_PATH_MAX];
	long long address, channel;
	int r;

	r = load_sensor_driver(ld, g, temperature, in);
	if (r != 0)
		return r < 0 ? r : 0;
	r = read_int(ld, g, "adc", true, 0, I2C_ADDR_LIMIT, true, &address);
	if (r < 0)
		return r;
	in->adc = find_adc(&ld->cfg, address);
	if (in->adc < 0)
		return fail(ld, config_setting_get_member(g, "adc"),
			    "no adc at 0x%02llx in hardware.adcs", address);
	r = read_int(ld, g, "channel", true, 0, ADS1X15_CHANNELS - 1, false,
		     &channel);
	if (r < 0)
		return r;
	in->channel = (unsigned)channel;
	use = &ld->channels[in->adc][in->channel];
	if (*use) {
		setting_path(*use, by, sizeof(by));
		return fail(ld, config_setting_get_member(g, "channel"),
			    "adc 0x%02llx channel %u is already used by %s",
			    address, in->channel, by);
	}
	*use = g;
	return 0;
}

static int load_probe(struct loader *ld, const config_setting_t *g,
		      struct config_probe *p)
{
	const config_setting_t *name_s, *zone_s, *power;
	const char *zone;
	long long settle = 50;
	int r;

	r = open_group(ld, g, soil_keys);
	if (r == 0)
		r = read_name(ld, g, p->name, &name_s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ld->cfg.n_probes; i++)
		if (!strcmp(ld->cfg.probes[i].name, p->name))
			return fail(ld, name_s, "\"%s\" is already the name of "
				    "sensors.soil.[%zu]", p->name, i);
	r = load_analog(ld, g, false, &p->input);
	if (r == 0)
		r = read_string(ld, g, "zone", true, &zone, &zone_s);
	if (r < 0)
		return r;
	p->zone = config_find_zone(&ld->cfg, zone);
	if (p->zone < 0)
		return fail(ld, zone_s, "no zone called \"%s\" in zones", zone);
	r = read_double(ld, g, "dry_volts", true, 0, false, VOLTS_MAX,
			&p->dry_volts);
	if (r == 0)
		r = read_double(ld, g, "wet_volts", true, 0, false, VOLTS_MAX,
				&p->wet_volts);
	if (r < 0)
		return r;
	/* Equal ends would make the moisture scale divide by zero. */
	if (p->dry_volts == p->wet_volts)
		return fail(ld, config_setting_get_member(g, "wet_volts"),
			    "must differ from dry_volts");
	p->min_volts = PROBE_MIN_VOLTS;
	p->max_volts = PROBE_MAX_VOLTS;
	r = read_double(ld, g, "min_volts", false, 0, false, VOLTS_MAX,
			&p->min_volts);
	if (r == 0)
		r = read_double(ld, g, "max_volts", false, 0, false, VOLTS_MAX,
				&p->max_volts);
	if (r < 0)
		return r;
	/* A calibration the probe can never read would fail it for good. */
	if (fmin(p->dry_volts, p->wet_volts) < p->min_volts ||
	    fmax(p->dry_volts, p->wet_volts) > p->max_volts)
		return fail(ld, g, "dry_volts and wet_volts must lie within "
			    "min_volts (%g) and max_volts (%g): outside them a "
			    "reading means the probe failed", p->min_volts,
			    p->max_volts);

	p->has_power = false;
	p->power_settle_ms = 50;
	get_member(ld, g, "power", false, &power);
	if (!power)
		return 0;
	r = load_pin(ld, power, power_keys, true, &p->power);
	if (r == 0)
		r = read_int(ld, power, "settle_ms", false, 0, SETTLE_MS_MAX,
			     false, &settle);
	if (r < 0)
		return r;
	p->has_power = true;
	p->power_settle_ms = (unsigned)settle;
	return 0;
}

static int load_light(struct loader *ld, const config_setting_t *sensors)
{
	struct config_light *l = &ld->cfg.light;
	const config_setting_t *g;
	int r;

	get_member(ld, sensors, "light", false, &g);
	if (!g)
		return 0;
	/* A light-dependent resistor divider on the Pi's 3.3 V rail. */
	l->dark_volts = 0.0;
	l->bright_volts = 3.3;
	r = open_group(ld, g, light_keys);
	if (r == 0)
		r = load_analog(ld, g, false, &l->input);
	if (r == 0)
		r = read_double(ld, g, "dark_volts", false, 0, false, VOLTS_MAX,
				&l->dark_volts);
	if (r == 0)
		r = read_double(ld, g, "bright_volts", false, 0, false,
				VOLTS_MAX, &l->bright_volts);
	if (r < 0)
		return r;
	/* Equal ends would make the light scale divide by zero. */
	if (l->dark_volts == l->bright_volts) {
		const config_setting_t *s;

		s = config_setting_get_member(g, "bright_volts");
		if (s)
			return fail(ld, s, "must differ from dark_volts");
		return fail(ld, config_setting_get_member(g, "dark_volts"),
			    "must differ from bright_volts (default 3.3)");
	}
	l->present = true;
	return 0;
}

static int load_temperature(struct loader *ld, const config_setting_t *sensors)
{
	struct config_temperature *t = &ld->cfg.temperature;
	const config_setting_t *g, *conv_s = NULL, *unit_s = NULL;
	const char *conv = "tmp36", *unit = "C";
	bool linear;
	int r;

	get_member(ld, sensors, "temperature", false, &g);
	if (!g)
		return 0;
	r = open_group(ld, g, temperature_keys);
	if (r == 0)
		r = load_analog(ld, g, true, &t->input);
	if (r == 0)
		r = read_string(ld, g, "conversion", false, &conv, &conv_s);
	if (r < 0)
		return r;
	/* A thermometer gives degrees: there are no volts to convert. */
	if (!sensor_driver_of(&t->input)->on_adc && conv_s)
		return fail(ld, conv_s, "only for a sensor on an ADC");
	if (!strcmp(conv, "tmp36"))
		t->conversion = TEMP_TMP36;
	else if (!strcmp(conv, "lm35"))
		t->conversion = TEMP_LM35;
	else if (!strcmp(conv, "linear"))
		t->conversion = TEMP_LINEAR;
	else
		return fail(ld, conv_s,
			    "must be \"tmp36\", \"lm35\" or \"linear\"");

	linear = t->conversion == TEMP_LINEAR;
	t->scale = 0;
	t->offset = 0;
	if (!linear) {
		const config_setting_t *s;

		s = config_setting_get_member(g, "scale");
		if (!s)
			s = config_setting_get_member(g, "offset");
		if (s)
			return fail(ld, s, "only used with conversion = "
				    "\"linear\"");
	} else {
		r = read_double(ld, g, "scale", true, -INFINITY, false,
				INFINITY, &t->scale);
		if (r == 0)
			r = read_double(ld, g, "offset", true, -INFINITY,
					false, INFINITY, &t->offset);
		if (r < 0)
			return r;
		if (t->scale == 0)
			return fail(ld, config_setting_get_member(g, "scale"),
				    "must not be 0");
	}

	r = read_string(ld, g, "unit", false, &unit, &unit_s);
	if (r < 0)
		return r;
	if (strcmp(unit, "C") && strcmp(unit, "F"))
		return fail(ld, unit_s, "must be \"C\" or \"F\"");
	t->unit = unit[0];
	/* In the sensor's unit; from -60 to 60 °C, what air may be. */
	t->has_freeze_below = config_setting_get_member(g, "freeze_below") != NULL;
	t->freeze_below = 0;
	r = t->unit == 'F' ?
		read_double(ld, g, "freeze_below", false, -76, false, 140,
			    &t->freeze_below) :
		read_double(ld, g, "freeze_below", false, -60, false, 60,
			    &t->freeze_below);
	if (r < 0)
		return r;
	t->present = true;
	return 0;
}

int load_sensors(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *sensors, *soil;
	int r;

	get_member(ld, root, "sensors", false, &sensors);
	if (!sensors)
		return 0;
	r = open_group(ld, sensors, sensors_keys);
	if (r == 0)
		r = get_list(ld, sensors, "soil", false, CONFIG_MAX_PROBES,
			     "soil probes", &soil);
	for (size_t i = 0; r == 0 && i < list_length(soil); i++) {
		r = load_probe(ld, elem(soil, i), &ld->cfg.probes[i]);
		if (r == 0)
			ld->cfg.n_probes++;
	}
	if (r == 0)
		r = load_light(ld, sensors);
	if (r == 0)
		r = load_temperature(ld, sensors);
	if (r == 0)
		r = load_rain_sensor(ld, sensors);
	return r;
}

/*
 * A moisture rule reads the average of the zone's probes, so a zone with
 * one needs at least one probe.
 */
int check_moisture_probes(struct loader *ld,
			  const config_setting_t *root)
{
	const config_setting_t *zones = config_setting_get_member(root, "zones");

	for (size_t i = 0; i < ld->cfg.n_zones; i++) {
		const struct config_zone *z = &ld->cfg.zones[i];
		bool probed = false;

		if (!z->has_skip_above && !z->has_stop_at)
			continue;
		for (size_t p = 0; p < ld->cfg.n_probes; p++)
			if (ld->cfg.probes[p].zone == (int)i)
				probed = true;
		if (probed)
			continue;
		return fail(ld, config_setting_get_member(elem(zones, i),
				z->has_skip_above ? "skip_above" : "stop_at"),
			    "needs a soil probe in the zone: no sensors.soil "
			    "entry has zone = \"%s\"", z->name);
	}
	return 0;
}
