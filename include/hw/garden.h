/* sim backend: a garden model wired to the chip models as the config says. */
#ifndef IRRIGD_HW_GARDEN_H
#define IRRIGD_HW_GARDEN_H

#include <stdbool.h>

#include "daemon/config.h"
#include "hw/gpio.h"
#include "hw/i2c.h"

/*
 * Every expander and ADC of the config sits on a virtual bus.  A zone's
 * valve lets water run while its pin drives the valve's active level;
 * the meter then pulses at the zone's flow.  Soil probes read a moisture
 * that rises while their zone is watered and falls slowly after, and read
 * 0 V while their power pin is off.  Light and temperature follow the
 * local time of day.
 */
struct garden;

/* NULL with errno set on failure. */
struct garden *garden_new(const struct config *cfg);
void garden_free(struct garden *garden);

/* The hardware as drivers see it; owned by the garden. */
struct i2c_bus *garden_i2c(struct garden *garden);
struct gpio_input *garden_flow_input(struct garden *garden);

/*
 * A valve or master on a Pi GPIO line, driven at level from the start;
 * destroy it with gpio_output_destroy() before the garden.
 */
int garden_gpio_output(struct garden *garden, const struct config_line *line,
		       bool level, struct gpio_output **out);

/* What the model knows, for `irrigctl sim` and tests. */
bool garden_zone_open(const struct garden *garden, int zone);
unsigned garden_zone_opens(const struct garden *garden, int zone);
double garden_litres(struct garden *garden);
double garden_moisture(struct garden *garden, int probe);

#endif
