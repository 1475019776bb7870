/* Loads the config's smart watering: the seasonal auto mode, each zone's soil and balance, the rain sensor; and checks what they need of the rest. */
#include "config-parse.h"

#include <math.h>
#include <string.h>

#include "core/calendar.h"
#include "core/weatherlog.h"

/* Every seasonal setting but percent and monthly (config-zones.c's). */
const char *const seasonal_auto_keys[] = {
	"mode", "reference_et0_mm", "min_percent", "max_percent", "days",
	"min_days", "min_samples", NULL
};
const char *const zone_soil_keys[] = {
	"soil", "root_depth_cm", "crop_coefficient", "allowed_depletion",
	"area_m2", "water_by", "balance_start", "field_capacity_percent",
	"wilting_percent", NULL
};
static const char *const rain_keys[] = {
	"line", "chip", "offset", "active_low", "bias", "hold", NULL
};

#define REFERENCE_ET0_MAX 20.0		/* mm a day: beyond any climate's peak */
#define ROOT_DEPTH_MAX_CM 300.0
#define CROP_COEFFICIENT_MAX 2.0
#define AREA_MAX_M2 100000.0
#define MIN_SAMPLES_MAX 8640		/* one every 10 s */
#define RAIN_HOLD_MAX_S (7 * 24 * 3600)
#define RAIN_HOLD_DEFAULT_S (12 * 3600)
#define BALANCE_START_DEFAULT (6 * 60)

/* The first of names that g holds, or NULL. */
static const config_setting_t *any_of(const config_setting_t *g,
				      const char *const *names)
{
	for (size_t i = 0; names[i]; i++) {
		const config_setting_t *s = config_setting_get_member(g, names[i]);

		if (s)
			return s;
	}
	return NULL;
}

int load_seasonal_auto(struct loader *ld, const config_setting_t *g)
{
	static const char *const modes[] = { "fixed", "auto", NULL };
	struct config_seasonal_auto *a = &ld->cfg.seasonal_auto;
	const config_setting_t *extra;
	long long lo = 20, hi = 150, days = 7, min_days, samples = 24;
	char why[SEASONAL_WHY_MAX];
	int mode = 0, r;

	memset(a, 0, sizeof(*a));
	if (!g)
		return 0;
	r = read_choice(ld, g, "mode", modes, &mode);
	if (r < 0)
		return r;
	if (!mode) {
		extra = any_of(g, seasonal_auto_keys + 1);
		if (extra)
			return fail(ld, extra, "only used with mode = \"auto\"");
		return 0;
	}
	a->on = true;
	r = read_double(ld, g, "reference_et0_mm", true, 0, true,
			REFERENCE_ET0_MAX, &a->cfg.reference_et0_mm);
	if (r == 0)
		r = read_int(ld, g, "min_percent", false, 0, PERCENT_MAX, false, &lo);
	if (r == 0)
		r = read_int(ld, g, "max_percent", false, 1, PERCENT_MAX, false, &hi);
	if (r == 0 && lo > hi)
		return fail(ld, config_setting_get_member(g, "min_percent"),
			    "must not be more than max_percent (%lld)", hi);
	if (r == 0)
		r = read_int(ld, g, "days", false, 1, WEATHER_DAYS_MAX, false, &days);
	min_days = (days + 1) / 2;
	if (r == 0)
		r = read_int(ld, g, "min_days", false, 1, days, false, &min_days);
	if (r == 0)
		r = read_int(ld, g, "min_samples", false, 1, MIN_SAMPLES_MAX, false,
			     &samples);
	if (r < 0)
		return r;
	a->cfg.min_percent = (unsigned)lo;
	a->cfg.max_percent = (unsigned)hi;
	a->cfg.days = (unsigned)days;
	a->cfg.min_valid_days = (unsigned)min_days;
	a->min_samples = (unsigned)samples;
	/* The core's own check: what it refuses is said here, with a line. */
	if (seasonal_auto_check(&a->cfg, why, sizeof(why)) < 0)
		return fail(ld, g, "%s", why);
	return 0;
}

/* A time of day such as "06:00", as minutes after midnight. */
static int read_time_of_day(struct loader *ld, const config_setting_t *g,
			    const char *name, unsigned *minutes)
{
	const config_setting_t *s = NULL;
	const char *text = NULL;
	int r = read_string(ld, g, name, false, &text, &s);

	if (r < 0 || !s)
		return r;
	if (!calendar_parse_time_of_day(text, minutes))
		return fail(ld, s, "\"%s\" is not a time of day: write it as "
			    "HH:MM, 00:00 to 23:59", text);
	return 0;
}

static int load_soil_texture(struct loader *ld, const config_setting_t *g,
			     struct balance_zone *soil)
{
	const config_setting_t *s;
	char names[256] = "";
	const char *text;
	int r = read_string(ld, g, "soil", true, &text, &s);

	if (r < 0)
		return r;
	if (soil_texture_from_name(text, &soil->soil) == 0)
		return 0;
	for (int t = 0; t < SOIL_TEXTURES; t++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
			 "%s\"%s\"", t ? ", " : "",
			 soil_texture_name((enum soil_texture)t));
	return fail(ld, s, "\"%s\" is not a soil texture: use one of %s", text,
		    names);
}

static int load_anchor(struct loader *ld, const config_setting_t *g,
		       struct config_zone *z)
{
	const config_setting_t *fc = config_setting_get_member(g, "field_capacity_percent");
	const config_setting_t *wp = config_setting_get_member(g, "wilting_percent");
	int r;

	z->has_anchor = false;
	if (!fc && !wp)
		return 0;
	if (!fc)
		return fail_missing(ld, g, "field_capacity_percent", "required with "
				    "wilting_percent: what the zone's probes read "
				    "at field capacity");
	if (!wp)
		return fail_missing(ld, g, "wilting_percent", "required with "
				    "field_capacity_percent: what the zone's probes "
				    "read at the wilting point");
	r = read_double(ld, g, "field_capacity_percent", true, 0, true, 100,
			&z->anchor.field_capacity_percent);
	if (r == 0)
		r = read_double(ld, g, "wilting_percent", true, 0, false, 100,
				&z->anchor.wilting_percent);
	if (r < 0)
		return r;
	if (z->anchor.wilting_percent >= z->anchor.field_capacity_percent)
		return fail(ld, wp, "must be below field_capacity_percent (%g)",
			    z->anchor.field_capacity_percent);
	z->has_anchor = true;
	return 0;
}

int load_zone_soil(struct loader *ld, const config_setting_t *g,
		   struct config_zone *z)
{
	static const char *const ways[] = { "program", "balance", NULL };
	const config_setting_t *extra;
	char why[BALANCE_WHY_MAX];
	int way = 0, r;

	z->has_soil = false;
	z->water_by_balance = false;
	z->has_anchor = false;
	z->balance_start_min = BALANCE_START_DEFAULT;
	memset(&z->soil, 0, sizeof(z->soil));
	r = read_choice(ld, g, "water_by", ways, &way);
	if (r < 0)
		return r;
	if (!config_setting_get_member(g, "soil")) {
		extra = any_of(g, zone_soil_keys + 1);
		if (extra && way)
			return fail_missing(ld, g, "soil", "required with water_by "
					    "= \"balance\": the soil's texture, "
					    "such as \"loam\"");
		if (extra && strcmp(config_setting_name(extra), "water_by"))
			return fail(ld, extra, "only used with soil");
		return 0;
	}
	r = load_soil_texture(ld, g, &z->soil);
	if (r == 0)
		r = read_double(ld, g, "root_depth_cm", true, 0, true,
				ROOT_DEPTH_MAX_CM, &z->soil.root_depth_cm);
	if (r == 0)
		r = read_double(ld, g, "area_m2", true, 0, true, AREA_MAX_M2,
				&z->soil.area_m2);
	z->soil.crop_coefficient = 1.0;
	if (r == 0)
		r = read_double(ld, g, "crop_coefficient", false, 0, true,
				CROP_COEFFICIENT_MAX, &z->soil.crop_coefficient);
	z->soil.allowed_depletion = 0.5;
	if (r == 0)
		r = read_double(ld, g, "allowed_depletion", false, 0, true, 1,
				&z->soil.allowed_depletion);
	if (r == 0)
		r = load_anchor(ld, g, z);
	if (r == 0 && !way && config_setting_get_member(g, "balance_start"))
		return fail(ld, config_setting_get_member(g, "balance_start"),
			    "only used with water_by = \"balance\"");
	if (r == 0)
		r = read_time_of_day(ld, g, "balance_start", &z->balance_start_min);
	if (r < 0)
		return r;
	if (balance_zone_check(&z->soil, why, sizeof(why)) < 0)
		return fail(ld, config_setting_get_member(g, "soil"), "%s", why);
	z->has_soil = true;
	z->water_by_balance = way == 1;
	return 0;
}

int load_rain_sensor(struct loader *ld, const config_setting_t *sensors)
{
	static const char *const biases[] = { "as-is", "pull-up", "pull-down", NULL };
	struct config_rain_sensor *rain = &ld->cfg.rain;
	const config_setting_t *g;
	int bias = 0, r;

	memset(rain, 0, sizeof(*rain));
	get_member(ld, sensors, "rain", false, &g);
	if (!g)
		return 0;
	r = open_group(ld, g, rain_keys);
	if (r == 0)
		r = load_line(ld, g, &rain->line);
	if (r == 0)
		r = claim_line(ld, g, &rain->line);
	if (r == 0)
		r = read_bool(ld, g, "active_low", &rain->active_low);
	if (r == 0)
		r = read_choice(ld, g, "bias", biases, &bias);
	rain->hold_s = RAIN_HOLD_DEFAULT_S;
	if (r == 0)
		r = read_duration(ld, g, "hold", false, 0, RAIN_HOLD_MAX_S,
				  "0s to 7d", &rain->hold_s);
	if (r < 0)
		return r;
	rain->bias = (enum config_bias)bias;
	rain->present = true;
	return 0;
}

static const config_setting_t *zone_setting(const config_setting_t *root,
					    size_t zone, const char *name)
{
	const config_setting_t *zones = config_setting_get_member(root, "zones");

	return config_setting_get_member(elem(zones, zone), name);
}

/* A balance zone's water is the balance's to decide: not a program's too. */
static int check_programs_leave(struct loader *ld, const config_setting_t *root,
				int zone)
{
	const config_setting_t *programs = config_setting_get_member(root, "programs");
	const struct schedule *sc = &ld->cfg.schedule;

	for (size_t p = 0; p < sc->n_programs; p++)
		for (size_t k = 0; k < sc->programs[p].n_steps; k++) {
			const config_setting_t *steps;

			if (sc->programs[p].steps[k].zone != zone)
				continue;
			steps = config_setting_get_member(elem(programs, p), "zones");
			return fail(ld, config_setting_get_member(elem(steps, k), "zone"),
				    "zone \"%s\" waters by its balance (water_by = "
				    "\"balance\"): take it out of the program",
				    ld->cfg.zones[zone].name);
		}
	return 0;
}

int check_smart(struct loader *ld, const config_setting_t *root)
{
	const struct config *cfg = &ld->cfg;
	const config_setting_t *seasonal = config_setting_get_member(root, "seasonal");
	int r;

	if (cfg->seasonal_auto.on) {
		const config_setting_t *mode = config_setting_get_member(seasonal, "mode");

		if (!cfg->site.set)
			return fail(ld, mode, "\"auto\" needs the site group "
				    "(latitude) to work out ET0");
		if (!cfg->temperature.present)
			return fail(ld, mode, "\"auto\" needs a temperature sensor "
				    "(sensors.temperature)");
		if (cfg->seasonal_auto.min_samples > 86400 / cfg->sample_interval_s)
			return fail(ld, config_setting_get_member(seasonal, "min_samples")
				    ? config_setting_get_member(seasonal, "min_samples")
				    : mode, "a day has at most %u samples at a "
				    "sample_interval of %us: lower min_samples (default "
				    "24) or sample_interval", 86400 / cfg->sample_interval_s,
				    cfg->sample_interval_s);
	}
	for (size_t z = 0; z < cfg->n_zones; z++) {
		const struct config_zone *zone = &cfg->zones[z];
		bool probed = false;

		if (!zone->has_soil)
			continue;
		if (!cfg->site.set)
			return fail(ld, zone_setting(root, z, "soil"), "a soil water "
				    "balance needs the site group (latitude) to work "
				    "out ET0");
		if (!cfg->temperature.present)
			return fail(ld, zone_setting(root, z, "soil"), "a soil water "
				    "balance needs a temperature sensor "
				    "(sensors.temperature)");
		for (size_t p = 0; p < cfg->n_probes; p++)
			probed |= cfg->probes[p].zone == (int)z;
		if (zone->has_anchor && !probed)
			return fail(ld, zone_setting(root, z, "field_capacity_percent"),
				    "zone \"%s\" has no soil probe (sensors.soil "
				    "with zone = \"%s\") to read it", zone->name,
				    zone->name);
		if (zone->water_by_balance) {
			r = check_programs_leave(ld, root, (int)z);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
