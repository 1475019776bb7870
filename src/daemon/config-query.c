/* Questions asked of a loaded config: a zone by name or number, volumes in the gardener's unit. */
#include <math.h>
#include <string.h>

#include "daemon/config.h"

const char *config_zone_name(const struct config *cfg, int zone,
			     const char *none)
{
	return zone >= 0 && (size_t)zone < cfg->n_zones ? cfg->zones[zone].name
							 : none;
}

int config_find_zone(const struct config *cfg, const char *name)
{
	if (!cfg || !name)
		return -1;
	for (size_t i = 0; i < cfg->n_zones; i++)
		if (!strcmp(cfg->zones[i].name, name))
			return (int)i;
	return -1;
}

double config_volume(const struct config *cfg, double litres)
{
	return cfg->gallons ? litres / LITRES_PER_US_GALLON : litres;
}

const char *config_volume_unit(const struct config *cfg)
{
	return cfg->gallons ? "gal" : "L";
}

double config_volume_limit(const struct config *cfg, double litres)
{
	return cfg->gallons ? round(config_volume(cfg, litres) * 10) / 10 : litres;
}
