/* Flow-meter driver: counts a GPIO input's edges into litres and L/min. */
#ifndef IRRIGD_HW_FLOWMETER_H
#define IRRIGD_HW_FLOWMETER_H

#include <stdint.h>

#include "core/flowacct.h"
#include "hw/gpio.h"

struct flowmeter;

/* line stays the caller's; -EINVAL-like NULL when ppl <= 0 or no memory. */
struct flowmeter *flowmeter_new(struct gpio_input *line,
				double pulses_per_litre);
void flowmeter_free(struct flowmeter *meter);
/* Poll this fd for POLLIN, then call flowmeter_drain(). */
int flowmeter_fd(const struct flowmeter *meter);
/*
 * Counts every pending edge, reading them in batches on the stack: no
 * allocation per pulse.  Returns the number of edges counted or a
 * negative errno.
 */
int flowmeter_drain(struct flowmeter *meter);
const struct flow_acct *flowmeter_acct(const struct flowmeter *meter);

#endif
