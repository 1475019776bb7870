/* sim backend: a garden model wired to the chip models as the config says. */
#ifndef IRRIGD_HW_GARDEN_H
#define IRRIGD_HW_GARDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"
#include "hw/gpio.h"
#include "hw/i2c.h"

/*
 * Every expander and ADC of the config sits on a virtual bus.  A zone's
 * valve lets water run while its pin drives the valve's active level;
 * the meter then pulses at the zone's flow (its config's flow_lpm, or
 * GARDEN_DEFAULT_FLOW_LPM when that is 0: not configured).  Soil probes read a moisture
 * that rises while their zone is watered and falls slowly after, and read
 * 0 V while their power pin is off.  Light and temperature follow the
 * local time of day.
 */
struct garden;

/* The physical flow of a zone whose config gives none (flow_lpm 0). */
#define GARDEN_DEFAULT_FLOW_LPM 12.0

/* NULL with errno set on failure. */
struct garden *garden_new(const struct config *cfg);
void garden_free(struct garden *garden);

/*
 * The expanders keep their direction and latch in the file at path, as
 * real chips outlive the process that drove them: what the file holds is
 * loaded now (a chip at an address the config lacks is added to the bus),
 * and every change is written to it.  Lines are "0x20 IODIR OLAT" in hex
 * ("0x21 -- --" for no chip), one per address 0x20-0x27.  For tests that
 * kill irrigd and start it, or irrigd --all-off, on the same chips.
 */
int garden_keep_expanders(struct garden *garden, const char *path);

/* The hardware as drivers see it; owned by the garden. */
struct i2c_bus *garden_i2c(struct garden *garden);
struct gpio_input *garden_flow_input(struct garden *garden);

/*
 * A valve or master on a Pi GPIO line, driven at level from the start;
 * destroy it with gpio_output_destroy() before the garden.
 */
int garden_gpio_output(struct garden *garden, const struct config_line *line,
		       bool level, struct gpio_output **out);

/*
 * Where the simulated Pi has line, as linux_gpio_locate() says it for a
 * real one: one chip, "gpiochip0" (also "/dev/gpiochip0" or "0"), whose
 * line N is named "GPION" (0 to 53), as on a Pi 3 or 4.  -ENOENT for a
 * name or chip it does not have: such a line is one of its own.
 */
int garden_locate_line(const struct config_line *line, char *chip, size_t size,
		       unsigned *offset);

/* What the model knows, for `irrigctl sim` and tests. */
bool garden_zone_open(const struct garden *garden, int zone);
unsigned garden_zone_opens(const struct garden *garden, int zone);
double garden_litres(struct garden *garden);
double garden_moisture(struct garden *garden, int probe);

/* ---- fault injection (sim only), for tests and demos ---- */
/* Each I2C operation on the garden's bus fails with -EIO with this
 * probability (0 to 1) per attempt; the bus retries transient errors
 * as linux_i2c does, so a rate of 0.3 mostly recovers and 1.0 always fails. */
int garden_inject_i2c_errors(struct garden *g, double rate);          /* -EINVAL outside [0,1] */
enum garden_probe_fault { GARDEN_PROBE_OK, GARDEN_PROBE_DISCONNECTED, GARDEN_PROBE_STUCK };
/* A disconnected probe reads 0 V (floating to ground); a stuck one reads
 * volts whatever the soil (and whether powered or not). */
int garden_inject_probe(struct garden *g, int probe, enum garden_probe_fault f, double volts); /* -EINVAL bad probe or volts not in [0, 6.144] */
/* Zones' valves pass percent of their flow: 0 a dry well or closed tap, 200 a burst pipe. */
int garden_inject_flow_percent(struct garden *g, double percent);     /* -EINVAL outside [0, 1000] */
/* Water passing the meter with every valve closed (a leak), L/min; 0 none. */
int garden_inject_leak(struct garden *g, double lpm);                 /* -EINVAL outside [0, 10000] */
/* The zone's valve output does not switch: its MCP23008 OLAT bit keeps its
 * value whatever is written (a write reads back wrong).  -ENOTSUP for a
 * valve on a Pi GPIO line, -EINVAL for a bad zone.  Freed (stuck false),
 * the valve stays as it was until the next write to the expander. */
int garden_inject_valve_stuck(struct garden *g, int zone, bool stuck);
/* The meter's edges wait in a queue of max, as the kernel keeps them
 * (16 per line with libgpiod 1.x): edges that arrive while it is full are
 * lost.  0 (as built) keeps every edge.  -EINVAL above 1024. */
int garden_inject_edge_queue(struct garden *g, size_t max);
/* The air's temperature, in °C, instead of the day's curve; NAN ends it. */
int garden_inject_temperature(struct garden *g, double celsius);       /* -EINVAL outside [-60, 60] */
/* Every injected fault off: the garden as built. */
void garden_clear_faults(struct garden *g);
/* What is injected, for `irrigctl sim` to show. */
struct garden_faults {
	double i2c_error_rate;
	double flow_percent;	/* 100 when none */
	double leak_lpm;
	enum garden_probe_fault probe[CONFIG_MAX_PROBES];
	double probe_volts[CONFIG_MAX_PROBES];	/* the stuck volts, else 0 */
	bool valve_stuck[CONFIG_MAX_ZONES];	/* by zone of the current config */
	size_t edge_queue;			/* 0: unbounded */
	double temperature;			/* °C, NAN when not injected */
	uint64_t edges_made, edges_dropped;	/* by the meter, by the queue */
};
void garden_get_faults(const struct garden *g, struct garden_faults *out);

#endif
