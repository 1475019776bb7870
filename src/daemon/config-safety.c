/* Loads the config's safety section: flow alarm thresholds, settle and alarm delays, caps. */
#include "config-parse.h"

/* The settings each group may hold (see root_keys in config.c). */
static const char *const safety_keys[] = {
	"settle", "alarm_delay", "no_flow_percent", "low_flow_percent",
	"high_flow_percent", "leak_lpm", "max_flow_lpm", "daily_cap_litres",
	"min_switch_interval", NULL
};

/*
 * The flow alarm thresholds in percent of the expected flow: no flow
 * below low, low below 100, high above 100, or an alarm could never, or
 * would always, go off.
 */
int load_flow_percents(struct loader *ld, const config_setting_t *g,
		       double *no_flow, double *low, double *high)
{
	int r;

	r = read_double(ld, g, "no_flow_percent", false, 0, false, 99, no_flow);
	if (r == 0)
		r = read_double(ld, g, "low_flow_percent", false, 0, false, 99, low);
	if (r == 0)
		r = read_double(ld, g, "high_flow_percent", false, 100, true,
				FLOW_PERCENT_MAX, high);
	if (r < 0)
		return r;
	if (*low < *no_flow)
		return fail(ld, config_setting_get_member(g, "low_flow_percent") ?
			    config_setting_get_member(g, "low_flow_percent") :
			    config_setting_get_member(g, "no_flow_percent"),
			    "low_flow_percent (%g) must be at least no_flow_percent "
			    "(%g)", *low, *no_flow);
	return 0;
}

int load_safety(struct loader *ld, const config_setting_t *root)
{
	struct config_safety *s = &ld->cfg.safety;
	const config_setting_t *g;
	int r;

	s->settle_s = 30;
	s->alarm_delay_s = 30;
	s->no_flow_percent = 10.0;
	s->low_flow_percent = 70.0;
	s->high_flow_percent = 150.0;
	s->leak_lpm = 0.5;
	s->max_flow_lpm = MAX_FLOW_LPM_DEFAULT;
	s->daily_cap_litres = 0.0;
	s->min_switch_interval_s = 2;
	r = get_member(ld, root, "safety", false, &g);
	if (r < 0 || !g)
		return r;
	r = open_group(ld, g, safety_keys);
	if (r == 0)
		r = read_duration(ld, g, "settle", false, 0, SAFETY_DELAY_MAX_S,
				  "0s to 10m", &s->settle_s);
	if (r == 0)
		r = read_duration(ld, g, "alarm_delay", false, 0,
				  SAFETY_DELAY_MAX_S, "0s to 10m",
				  &s->alarm_delay_s);
	if (r == 0)
		r = load_flow_percents(ld, g, &s->no_flow_percent,
				       &s->low_flow_percent, &s->high_flow_percent);
	if (r == 0)
		r = read_double(ld, g, "leak_lpm", false, 0, true, FLOW_LPM_MAX,
				&s->leak_lpm);
	if (r == 0)
		r = read_double(ld, g, "max_flow_lpm", false, 0, true,
				MAX_FLOW_LPM_MAX, &s->max_flow_lpm);
	/* At or below the leak threshold, every run would be a burst pipe. */
	if (r == 0 && s->max_flow_lpm <= s->leak_lpm)
		return fail(ld, config_setting_get_member(g, "max_flow_lpm") ?
			    config_setting_get_member(g, "max_flow_lpm") :
			    config_setting_get_member(g, "leak_lpm"),
			    "max_flow_lpm (%g) must be more than leak_lpm (%g)",
			    s->max_flow_lpm, s->leak_lpm);
	if (r == 0)
		r = read_double(ld, g, "daily_cap_litres", false, 0, false,
				DAILY_CAP_MAX, &s->daily_cap_litres);
	if (r == 0)
		r = read_duration(ld, g, "min_switch_interval", false, 0,
				  MIN_SWITCH_MAX_S, "0s to 1m",
				  &s->min_switch_interval_s);
	return r;
}
