/* Loads the config's zones, master valve, seasonal adjustment and programs. */
#include "config-parse.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/calendar.h"
#include "core/duration.h"

/* The settings each group may hold (see root_keys in config.c). */
static const char *const zone_keys[] = {
	"name", "valve", "flow_lpm", "max_run", "skip_above", "stop_at",
	"no_flow_percent", "low_flow_percent", "high_flow_percent",
	"daily_cap_litres", "cycle", "soak",
	/* config-smart.c's */
	"soil", "root_depth_cm", "crop_coefficient", "allowed_depletion",
	"area_m2", "water_by", "balance_start", "field_capacity_percent",
	"wilting_percent", NULL
};
static const char *const valve_keys[] = {
	"expander", "pin", "line", "chip", "offset", "active_low", NULL
};
static const char *const master_keys[] = {
	"expander", "pin", "line", "chip", "offset", "active_low", "lead", "lag",
	NULL
};
static const char *const seasonal_keys[] = {
	"percent", "monthly",
	/* config-smart.c's */
	"mode", "reference_et0_mm", "min_percent", "max_percent", "days",
	"min_days", "min_samples", NULL
};
static const char *const program_keys[] = {
	"name", "enabled", "start", "days", "every_days", "anchor", "zones",
	NULL
};
static const char *const step_keys[] = { "zone", "duration", "litres", "volume",
					  NULL };

/* tm_wday order: bit i of a weekday mask is weekdays[i]. */
static const char *const weekdays[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

/* A zone's optional skip_above and stop_at, in percent. */
static int load_moisture_rules(struct loader *ld, const config_setting_t *g,
			       struct config_zone *z)
{
	int r;

	z->has_skip_above = false;
	z->skip_above = 0;
	z->has_stop_at = false;
	z->stop_at = 0;
	r = read_double(ld, g, "skip_above", false, 0, false, 100,
			&z->skip_above);
	if (r == 0)
		r = read_double(ld, g, "stop_at", false, 0, false, 100,
				&z->stop_at);
	if (r < 0)
		return r;
	z->has_skip_above = config_setting_get_member(g, "skip_above") != NULL;
	z->has_stop_at = config_setting_get_member(g, "stop_at") != NULL;
	/* Between the two, a run would not be skipped yet end at once. */
	if (z->has_skip_above && z->has_stop_at && z->skip_above > z->stop_at)
		return fail(ld, config_setting_get_member(g, "skip_above"),
			    "must not be more than stop_at (%g)", z->stop_at);
	return 0;
}

/* cycle and soak: both or neither; a cycle as long as max_run never splits. */
static int load_cycle_soak(struct loader *ld, const config_setting_t *g,
			   struct config_zone *z)
{
	const config_setting_t *cycle = config_setting_get_member(g, "cycle");
	const config_setting_t *soak = config_setting_get_member(g, "soak");
	int r;

	z->cycle_s = z->soak_s = 0;
	r = read_duration(ld, g, "cycle", false, 1, 24 * 3600, "1s to 24h",
			  &z->cycle_s);
	if (r == 0)
		r = read_duration(ld, g, "soak", false, 1, 24 * 3600, "1s to 24h",
				  &z->soak_s);
	if (r < 0)
		return r;
	if (cycle && !soak)
		return fail(ld, cycle, "needs a soak too, the least time between "
			    "two cycles, such as soak = \"30m\"");
	if (soak && !cycle)
		return fail(ld, soak, "needs a cycle too, the longest a zone "
			    "waters in one go, such as cycle = \"10m\"");
	return 0;
}

int load_zones(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *list;
	int r;

	r = get_list(ld, root, "zones", true, CONFIG_MAX_ZONES, "zones",
		     &list);
	if (r < 0)
		return r;
	if (!list_length(list))
		return fail(ld, list, "at least one zone is required");
	for (size_t i = 0; i < list_length(list); i++) {
		const config_setting_t *g = elem(list, i), *name_s, *valve;
		struct config_zone *z = &ld->cfg.zones[i];
		int dup;

		r = open_group(ld, g, zone_keys);
		if (r == 0)
			r = read_name(ld, g, z->name, &name_s);
		if (r < 0)
			return r;
		/* The faults file writes the garden's own faults as "-". */
		if (!strcmp(z->name, "-"))
			return fail(ld, name_s, "\"-\" is no zone name: use a "
				    "letter or a digit");
		if (reads_as_duration(z->name))
			return fail(ld, name_s, "\"%s\" reads as a number or a "
				    "duration, so \"irrigctl water %s 5\" would "
				    "be ambiguous: start the name with a letter, "
				    "such as \"zone%s\"", z->name, z->name,
				    z->name);
		dup = config_find_zone(&ld->cfg, z->name);
		if (dup >= 0)
			return fail(ld, name_s, "\"%s\" is already the name of "
				    "zones.[%d]", z->name, dup);
		r = get_member(ld, g, "valve", true, &valve);
		if (r == 0)
			r = load_pin(ld, valve, valve_keys, false, &z->valve);
		/* Left out (or 0), the zone's flow is learned from its runs. */
		z->flow_lpm = 0.0;
		if (r == 0)
			r = read_double(ld, g, "flow_lpm", false, 0, false,
					FLOW_LPM_MAX, &z->flow_lpm);
		/* Its every run would close on the garden's ceiling. */
		if (r == 0 && z->flow_lpm >= ld->cfg.safety.max_flow_lpm)
			return fail(ld, config_setting_get_member(g, "flow_lpm"),
				    "must be below safety.max_flow_lpm (%g): raise "
				    "that if the zone draws this much",
				    ld->cfg.safety.max_flow_lpm);
		z->max_run_s = 3600;
		if (r == 0)
			r = read_duration(ld, g, "max_run", false, 1, 24 * 3600,
					  "1s to 24h", &z->max_run_s);
		if (r == 0)
			r = load_moisture_rules(ld, g, z);
		z->no_flow_percent = ld->cfg.safety.no_flow_percent;
		z->low_flow_percent = ld->cfg.safety.low_flow_percent;
		z->high_flow_percent = ld->cfg.safety.high_flow_percent;
		z->daily_cap_litres = 0.0;
		if (r == 0)
			r = load_flow_percents(ld, g, &z->no_flow_percent,
					       &z->low_flow_percent,
					       &z->high_flow_percent);
		if (r == 0)
			r = read_double(ld, g, "daily_cap_litres", false, 0, false,
					DAILY_CAP_MAX, &z->daily_cap_litres);
		if (r == 0)
			r = load_cycle_soak(ld, g, z);
		if (r == 0)
			r = load_zone_soil(ld, g, z);
		if (r < 0)
			return r;
		ld->cfg.n_zones++;
	}
	return 0;
}

int load_master(struct loader *ld, const config_setting_t *root)
{
	struct config_master *m = &ld->cfg.master;
	const config_setting_t *g;
	int r;

	get_member(ld, root, "master", false, &g);
	if (!g)
		return 0;
	m->lead_s = 0;
	m->lag_s = 0;
	r = load_pin(ld, g, master_keys, false, &m->pin);
	if (r == 0)
		r = read_duration(ld, g, "lead", false, 0, MASTER_DELAY_MAX_S,
				  "0s to 10m", &m->lead_s);
	if (r == 0)
		r = read_duration(ld, g, "lag", false, 0, MASTER_DELAY_MAX_S,
				  "0s to 10m", &m->lag_s);
	if (r < 0)
		return r;
	m->present = true;
	return 0;
}

/* An array [ ... ] or a list ( ... ) of plain values. */
static bool is_sequence(const config_setting_t *s)
{
	return config_setting_is_array(s) || config_setting_is_list(s);
}

int load_seasonal(struct loader *ld, const config_setting_t *root)
{
	struct schedule *sc = &ld->cfg.schedule;
	const config_setting_t *g, *monthly;
	long long n = 100;
	int r;

	/* Always: a zero percentage would scale every run to nothing. */
	sc->percent = 100;
	for (size_t i = 0; i < 12; i++)
		sc->monthly_percent[i] = 100;
	get_member(ld, root, "seasonal", false, &g);
	if (!g)
		return load_seasonal_auto(ld, NULL);
	r = open_group(ld, g, seasonal_keys);
	if (r == 0)
		r = load_seasonal_auto(ld, g);
	if (r == 0)
		r = read_int(ld, g, "percent", false, 0, PERCENT_MAX, false, &n);
	if (r < 0)
		return r;
	sc->percent = (unsigned)n;

	get_member(ld, g, "monthly", false, &monthly);
	if (!monthly)
		return 0;
	if (!is_sequence(monthly))
		return fail(ld, monthly, "must be a list of 12 percentages "
			    "[ ... ], January first, not %s",
			    type_name(monthly));
	if (config_setting_length(monthly) != 12)
		return fail(ld, monthly, "must hold 12 percentages, January "
			    "first, not %d", config_setting_length(monthly));
	for (size_t i = 0; i < 12; i++) {
		r = int_value(ld, elem(monthly, i), 0, PERCENT_MAX, false, &n);
		if (r < 0)
			return r;
		sc->monthly_percent[i] = (unsigned)n;
	}
	return 0;
}

/* A program's start times. */
static int load_starts(struct loader *ld, const config_setting_t *g,
		       struct program *p)
{
	const config_setting_t *list;
	size_t n;
	int r;

	r = get_member(ld, g, "start", true, &list);
	if (r < 0)
		return r;
	if (!is_sequence(list))
		return fail(ld, list, "must be a list of times such as "
			    "[\"06:30\", \"19:00\"], not %s", type_name(list));
	n = (size_t)config_setting_length(list);
	if (!n)
		return fail(ld, list, "at least one start time is required");
	if (n > SCHEDULE_MAX_STARTS)
		return fail(ld, list, "at most %d start times are supported",
			    SCHEDULE_MAX_STARTS);
	p->n_starts = 0;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = elem(list, i);
		char by[SETTING_PATH_MAX];
		enum start_kind kind;
		unsigned minutes;
		int offset;

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(ld, e, "must be a time in double quotes "
				    "such as \"06:30\", not %s", type_name(e));
		if (schedule_parse_start(config_setting_get_string(e), &kind,
					 &minutes, &offset) < 0)
			return fail(ld, e, "\"%s\" is not a time of day: write "
				    "it as HH:MM, 00:00 to 23:59, or from the sun "
				    "as \"sunrise\", \"sunset+30m\", \"sunrise-1h\" "
				    "(up to 12h either way) or \"before sunrise\"",
				    config_setting_get_string(e));
		/* The sun's times need the garden's place. */
		if (kind != START_AT && !ld->cfg.site.set)
			return fail(ld, e, "\"%s\" needs the garden's place: add "
				    "site = { latitude = ...; longitude = ...; }",
				    config_setting_get_string(e));
		for (size_t j = 0; j < i; j++) {
			if (p->starts[j] != minutes || p->start_kind[j] != kind ||
			    p->start_offset_min[j] != offset)
				continue;
			setting_path(elem(list, j), by, sizeof(by));
			return fail(ld, e, "\"%s\" is the same time as %s",
				    config_setting_get_string(e), by);
		}
		p->start_kind[p->n_starts] = (uint8_t)kind;
		p->start_offset_min[p->n_starts] = (int16_t)offset;
		p->starts[p->n_starts++] = (uint16_t)minutes;
	}
	return 0;
}

/* days = "daily", "odd", "even" or a list of weekday names. */
static int load_days(struct loader *ld, const config_setting_t *s,
		     struct day_rule *rule)
{
	static const char *const rules =
		"\"daily\", \"odd\", \"even\" or a list of days such as "
		"[\"mon\", \"thu\"]";
	size_t n;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *v = config_setting_get_string(s);

		if (!strcmp(v, "daily")) {
			rule->kind = DAYS_WEEKDAYS;
			rule->weekday_mask = ALL_WEEKDAYS;
		} else if (!strcmp(v, "odd")) {
			rule->kind = DAYS_ODD;
		} else if (!strcmp(v, "even")) {
			rule->kind = DAYS_EVEN;
		} else {
			return fail(ld, s, "\"%s\" is not a day rule: use %s",
				    v, rules);
		}
		return 0;
	}
	if (!is_sequence(s))
		return fail(ld, s, "must be %s, not %s", rules, type_name(s));
	n = (size_t)config_setting_length(s);
	if (!n)
		return fail(ld, s, "at least one day is required");
	rule->kind = DAYS_WEEKDAYS;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = elem(s, i);
		char by[SETTING_PATH_MAX] = "";
		const char *v;
		size_t d;

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(ld, e, "must be a day in double quotes "
				    "such as \"mon\", not %s", type_name(e));
		v = config_setting_get_string(e);
		for (d = 0; d < 7 && strcmp(weekdays[d], v); d++)
			;
		if (d == 7)
			return fail(ld, e, "\"%s\" is not a day: use mon, tue, "
				    "wed, thu, fri, sat or sun", v);
		if (rule->weekday_mask & (1u << d)) {
			for (size_t j = 0; j < i; j++)
				if (!strcmp(config_setting_get_string(
						elem(s, j)), v))
					setting_path(elem(s, j), by,
						     sizeof(by));
			return fail(ld, e, "\"%s\" is already given in %s", v,
				    by);
		}
		rule->weekday_mask |= (uint8_t)(1u << d);
	}
	return 0;
}

/*
 * Exactly one day rule: days, or every_days with anchor; neither means
 * daily.  Rules other than the interval keep interval_days 1 and no anchor.
 */
static int load_day_rule(struct loader *ld, const config_setting_t *g,
			 struct day_rule *rule)
{
	const config_setting_t *days_s, *every_s, *anchor_s;
	const char *anchor;
	long long n;
	int r;

	*rule = (struct day_rule){ .kind = DAYS_WEEKDAYS, .interval_days = 1 };
	days_s = config_setting_get_member(g, "days");
	every_s = config_setting_get_member(g, "every_days");
	anchor_s = config_setting_get_member(g, "anchor");
	if (days_s && every_s)
		return fail(ld, every_s, "cannot be used with days: give "
			    "either days or every_days and anchor");
	if (!every_s) {
		if (anchor_s)
			return fail(ld, anchor_s, "only used with every_days");
		if (!days_s) {
			rule->weekday_mask = ALL_WEEKDAYS;
			return 0;
		}
		return load_days(ld, days_s, rule);
	}
	r = read_int(ld, g, "every_days", true, 1, INTERVAL_DAYS_MAX, false,
		     &n);
	if (r < 0)
		return r;
	if (!anchor_s)
		return fail_missing(ld, g, "anchor", "required with every_days: "
				    "a date the program runs on, such as "
				    "\"2026-05-01\"");
	r = read_string(ld, g, "anchor", true, &anchor, NULL);
	if (r < 0)
		return r;
	if (!calendar_parse_date(anchor, &rule->anchor) ||
	    rule->anchor.year < YEAR_MIN)
		return fail(ld, anchor_s, "\"%s\" is not a date: write it as "
			    "YYYY-MM-DD, such as \"2026-05-01\", from %d on",
			    anchor, YEAR_MIN);
	rule->kind = DAYS_INTERVAL;
	rule->interval_days = (unsigned)n;
	return 0;
}

/*
 * How much a program's zone waters: a duration, or litres (litres = 20;
 * or volume = "20L", "5gal"), one of them; by volume, the zone's max_run
 * is the backstop and *secs is set to it.
 */
static int load_step_amount(struct loader *ld, const config_setting_t *e,
			    const struct config_zone *z, const char *range,
			    unsigned *secs, double *litres)
{
	const config_setting_t *litres_s = config_setting_get_member(e, "litres");
	const config_setting_t *volume_s = config_setting_get_member(e, "volume");
	const config_setting_t *duration_s = config_setting_get_member(e, "duration");
	int given = !!litres_s + !!volume_s + !!duration_s, r;

	*litres = 0;
	if (given > 1)
		return fail(ld, duration_s ? duration_s : volume_s, "give one of "
			    "duration, litres and volume");
	if (!litres_s && !volume_s)
		return read_duration(ld, e, "duration", true, 1, z->max_run_s,
				     range, secs);
	*secs = z->max_run_s;
	if (litres_s)
		return read_double(ld, e, "litres", true, 0, true, VOLUME_MAX_L,
				   litres);
	if (config_setting_type(volume_s) != CONFIG_TYPE_STRING)
		return fail(ld, volume_s, "must be a string with its unit, such as "
			    "\"20L\" or \"5gal\"");
	r = volume_parse(config_setting_get_string(volume_s), litres);
	if (r == -ERANGE)
		return fail(ld, volume_s, "must be at most %g L", VOLUME_MAX_L);
	if (r < 0)
		return fail(ld, volume_s, "must be litres or US gallons with the "
			    "unit, such as \"20L\" or \"5gal\"");
	return 0;
}

/* A program's zones, in the order they water. */
static int load_steps(struct loader *ld, const config_setting_t *g,
		      struct program *p)
{
	const config_setting_t *list;
	int r;

	r = get_list(ld, g, "zones", true, SCHEDULE_MAX_STEPS,
		     "zones in one program", &list);
	if (r < 0)
		return r;
	if (!list_length(list))
		return fail(ld, list, "at least one zone is required");
	p->n_steps = 0;
	for (size_t i = 0; i < list_length(list); i++) {
		const config_setting_t *e = elem(list, i), *zone_s;
		const struct config_zone *z;
		char max[32], range[96];
		const char *zone;
		unsigned secs;
		double litres;
		size_t k = 0;
		int zi;

		r = open_group(ld, e, step_keys);
		if (r == 0)
			r = read_string(ld, e, "zone", true, &zone, &zone_s);
		if (r < 0)
			return r;
		zi = config_find_zone(&ld->cfg, zone);
		if (zi < 0)
			return fail(ld, zone_s, "no zone called \"%s\" in zones",
				    zone);
		z = &ld->cfg.zones[zi];
		/* "1h 30m" as the user would write it: "1h30m". */
		duration_format(z->max_run_s, max, sizeof(max));
		for (size_t j = 0; max[j]; j++)
			if (max[j] != ' ')
				max[k++] = max[j];
		max[k] = '\0';
		snprintf(range, sizeof(range), "1s to %s (the max_run of "
			 "zone \"%s\")", max, z->name);
		r = load_step_amount(ld, e, z, range, &secs, &litres);
		if (r < 0)
			return r;
		/* By volume, "before sunrise" counts the time its litres take. */
		if (litres > 0 && z->flow_lpm > 0 &&
		    litres / z->flow_lpm * 60 < z->max_run_s)
			secs = (unsigned)ceil(litres / z->flow_lpm * 60);
		p->steps[p->n_steps++] = (struct program_step){
			.zone = zi, .duration_s = secs, .litres = litres,
			.cycle_s = z->cycle_s, .soak_s = z->soak_s };
	}
	return 0;
}

static int load_program(struct loader *ld, const config_setting_t *g,
			struct program *p)
{
	const config_setting_t *name_s;
	int r;

	r = open_group(ld, g, program_keys);
	if (r == 0)
		r = read_name(ld, g, p->name, &name_s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ld->cfg.schedule.n_programs; i++)
		if (!strcmp(ld->cfg.schedule.programs[i].name, p->name))
			return fail(ld, name_s, "\"%s\" is already the name of "
				    "programs.[%zu]", p->name, i);
	p->enabled = true;
	r = read_bool(ld, g, "enabled", &p->enabled);
	if (r == 0)
		r = load_starts(ld, g, p);
	if (r == 0)
		r = load_day_rule(ld, g, &p->days);
	if (r == 0)
		r = load_steps(ld, g, p);
	return r;
}

int load_programs(struct loader *ld, const config_setting_t *root)
{
	ld->cfg.schedule.has_site = ld->cfg.site.set;
	ld->cfg.schedule.latitude_deg = ld->cfg.site.latitude_deg;
	ld->cfg.schedule.longitude_deg = ld->cfg.site.longitude_deg;
	const config_setting_t *list;
	int r;

	r = get_list(ld, root, "programs", false, SCHEDULE_MAX_PROGRAMS,
		     "programs", &list);
	for (size_t i = 0; r == 0 && i < list_length(list); i++) {
		r = load_program(ld, elem(list, i),
				 &ld->cfg.schedule.programs[i]);
		if (r == 0)
			ld->cfg.schedule.n_programs++;
	}
	return r;
}
