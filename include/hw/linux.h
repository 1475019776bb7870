/* linux backend: /dev/i2c-N through libi2c, GPIO lines through libgpiod. */
#ifndef IRRIGD_HW_LINUX_H
#define IRRIGD_HW_LINUX_H

#include "hw/gpio.h"
#include "hw/i2c.h"

/*
 * Opens /dev/i2c-<number> and checks the adapter offers the SMBus byte
 * and word data transfers the drivers use (-EOPNOTSUPP otherwise).
 */
int linux_i2c_open(unsigned number, struct i2c_bus **out);

/*
 * Requests the line called name (e.g. "GPIO17") on any chip as an input
 * reporting rising edges.
 */
int linux_gpio_edge_input(const char *name, const char *consumer,
			  struct gpio_input **out);

#endif
