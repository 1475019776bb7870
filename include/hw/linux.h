/* linux backend: /dev/i2c-N through libi2c, GPIO lines through libgpiod (v1 or v2). */
#ifndef IRRIGD_HW_LINUX_H
#define IRRIGD_HW_LINUX_H

#include <stdbool.h>
#include <stddef.h>

#include "hw/gpio.h"
#include "hw/i2c.h"

/*
 * Opens /dev/i2c-<number> and checks the adapter offers the SMBus byte
 * and word data transfers the drivers use (-EOPNOTSUPP otherwise).
 * Transient errors (EIO, ENXIO, ETIMEDOUT, EREMOTEIO, EAGAIN) are retried
 * a few times with a short backoff before they reach the caller.
 */
int linux_i2c_open(unsigned number, struct i2c_bus **out);

/* A GPIO line: by name ("GPIO17", on any chip), or by chip and offset. */
struct gpio_line_spec {
	const char *name;	/* NULL or "" when chip and offset say it */
	const char *chip;	/* "gpiochip0", "/dev/gpiochip0" or a label */
	int offset;		/* -1 with a name */
};

enum gpio_edge { GPIO_EDGE_RISING, GPIO_EDGE_FALLING, GPIO_EDGE_BOTH };
enum gpio_bias { GPIO_BIAS_AS_IS, GPIO_BIAS_PULL_UP, GPIO_BIAS_PULL_DOWN,
		 GPIO_BIAS_DISABLE };

/*
 * Requests the line as an input reporting edges; its fd is non-blocking
 * and read_edges() returns the kernel's CLOCK_MONOTONIC timestamps, read
 * in batches.  -ENOENT when no chip has such a line.
 */
int linux_gpio_edge_input(const struct gpio_line_spec *spec,
			  enum gpio_edge edge, enum gpio_bias bias,
			  const char *consumer, struct gpio_input **out);

/* Requests the line as an output driven at level from the first moment. */
int linux_gpio_output(const struct gpio_line_spec *spec, bool level,
		      const char *consumer, struct gpio_output **out);

/*
 * Where the spec's line is, without requesting it: the name of its chip
 * ("gpiochip0") in chip, and its offset, so that one line written two
 * ways (by name, by chip and offset) is seen to be one.  -ENOENT when no
 * chip has such a line.
 */
int linux_gpio_locate(const struct gpio_line_spec *spec, char *chip,
		      size_t size, unsigned *offset);

/* "libgpiod 1.6.3 (v1 API)": what this build uses, for --version and logs. */
const char *linux_gpio_version(void);

#endif
