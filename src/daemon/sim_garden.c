/* Fills the simulated garden's layout from the config: the only place hw's garden meets the daemon's config. */
#include "daemon/sim_garden.h"

#include <string.h>

_Static_assert(CONFIG_MAX_EXPANDERS <= GARDEN_MAX_EXPANDERS &&
	       CONFIG_MAX_ADCS <= GARDEN_MAX_ADCS &&
	       CONFIG_MAX_ZONES <= GARDEN_MAX_ZONES &&
	       CONFIG_MAX_PROBES <= GARDEN_MAX_PROBES,
	       "the sim garden holds every chip, zone and probe a config may have");
_Static_assert(CONFIG_NAME_MAX == GARDEN_NAME_MAX,
	       "a GPIO line's name and chip fit the garden's as they are");

struct garden_gpio_line sim_garden_line(const struct config_line *line)
{
	struct garden_gpio_line g = { .offset = line->offset };

	memcpy(g.name, line->name, sizeof(g.name));
	memcpy(g.chip, line->chip, sizeof(g.chip));
	return g;
}

static struct garden_pin pin_of(const struct config_pin *pin)
{
	return (struct garden_pin){
		.on_gpio = pin->on_gpio,
		.expander = pin->expander,
		.pin = pin->pin,
		.line = sim_garden_line(&pin->line),
		.active_low = pin->active_low,
	};
}

static struct garden_input input_of(const struct config_analog *in)
{
	return (struct garden_input){ .adc = in->adc, .channel = in->channel };
}

static enum garden_temp_sensor sensor_of(enum temp_conversion c)
{
	switch (c) {
	case TEMP_TMP36:
		return GARDEN_TMP36;
	case TEMP_LM35:
		return GARDEN_LM35;
	case TEMP_LINEAR:
		break;
	}
	return GARDEN_TEMP_LINEAR;
}

static void layout_of(const struct config *cfg, struct garden_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->n_expanders = cfg->n_expanders;
	for (size_t i = 0; i < cfg->n_expanders; i++)
		l->expanders[i].address = cfg->expanders[i].address;
	l->n_adcs = cfg->n_adcs;
	for (size_t i = 0; i < cfg->n_adcs; i++) {
		l->adcs[i].address = cfg->adcs[i].address;
		l->adcs[i].type = cfg->adcs[i].type;
	}
	l->pulses_per_litre = cfg->flow_meter.pulses_per_litre;
	l->n_zones = cfg->n_zones;
	for (size_t z = 0; z < cfg->n_zones; z++) {
		l->zones[z].valve = pin_of(&cfg->zones[z].valve);
		l->zones[z].flow_lpm = cfg->zones[z].flow_lpm;
	}
	l->n_probes = cfg->n_probes;
	for (size_t p = 0; p < cfg->n_probes; p++) {
		const struct config_probe *c = &cfg->probes[p];
		struct garden_probe *g = &l->probes[p];

		g->input = input_of(&c->input);
		g->zone = c->zone;
		g->dry_volts = c->dry_volts;
		g->wet_volts = c->wet_volts;
		g->has_power = c->has_power;
		g->power = pin_of(&c->power);
	}
	l->light.present = cfg->light.present;
	l->light.input = input_of(&cfg->light.input);
	l->light.dark_volts = cfg->light.dark_volts;
	l->light.bright_volts = cfg->light.bright_volts;
	l->temperature.present = cfg->temperature.present;
	l->temperature.input = input_of(&cfg->temperature.input);
	l->temperature.conversion = sensor_of(cfg->temperature.conversion);
	l->temperature.scale = cfg->temperature.scale;
	l->temperature.offset = cfg->temperature.offset;
}

struct garden *sim_garden_new(const struct config *cfg)
{
	struct garden_layout l;

	layout_of(cfg, &l);
	return garden_new(&l);
}

void sim_garden_rewire(struct garden *garden, const struct config *cfg)
{
	struct garden_layout l;

	layout_of(cfg, &l);
	garden_rewire(garden, &l);
}
