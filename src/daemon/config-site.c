/* Loads the config's site section: where the garden is, for the sun and the weather. */
#include "config-parse.h"

/* The settings each group may hold (see root_keys in config.c). */
static const char *const site_keys[] = { "latitude", "longitude", NULL };

/*
 * Both or neither: a position with one coordinate would be a guess, and
 * everything that needs the site (sunrise, evapotranspiration) asks
 * cfg->site.set once instead of checking each number.
 */
int load_site(struct loader *ld, const config_setting_t *root)
{
	struct config_site *site = &ld->cfg.site;
	const config_setting_t *g;
	int r;

	site->set = false;
	site->latitude_deg = 0.0;
	site->longitude_deg = 0.0;
	r = get_member(ld, root, "site", false, &g);
	if (r < 0 || !g)
		return r;
	r = open_group(ld, g, site_keys);
	if (r == 0)
		r = read_double(ld, g, "latitude", true, -90.0, false, 90.0,
				&site->latitude_deg);
	if (r == 0)
		r = read_double(ld, g, "longitude", true, -180.0, false, 180.0,
				&site->longitude_deg);
	if (r == 0)
		site->set = true;
	return r;
}
