/* sim backend: a garden model wired to the chip models as its layout says. */
#ifndef IRRIGD_HW_GARDEN_H
#define IRRIGD_HW_GARDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/ads1x15.h"
#include "hw/gpio.h"
#include "hw/i2c.h"

#define GARDEN_MAX_EXPANDERS 8
#define GARDEN_MAX_ADCS 4
#define GARDEN_MAX_ZONES 16
#define GARDEN_MAX_PROBES 16
#define GARDEN_NAME_MAX 32

/* A Pi GPIO line: by name ("GPIO22", chip ""), or by chip and offset (name ""). */
struct garden_gpio_line {
	char name[GARDEN_NAME_MAX];
	char chip[GARDEN_NAME_MAX];
	int offset;			/* -1 with a name */
};

/* An output: a pin on one of the layout's expanders, or a Pi GPIO line. */
struct garden_pin {
	bool on_gpio;
	int expander;			/* index into garden_layout.expanders */
	unsigned pin;			/* 0-7 */
	struct garden_gpio_line line;	/* with on_gpio */
	bool active_low;
};

/* An ADC input: the channel of one of the layout's ADCs. */
struct garden_input {
	int adc;			/* index into garden_layout.adcs */
	unsigned channel;
};

enum garden_temp_sensor { GARDEN_TMP36, GARDEN_LM35, GARDEN_TEMP_LINEAR };

/*
 * What the garden is made of and how it is wired: the daemon fills it from
 * its config.  Volts are what a sensor reads at each end of its scale.
 */
struct garden_layout {
	struct garden_expander_chip {
		uint8_t address;
	} expanders[GARDEN_MAX_EXPANDERS];
	size_t n_expanders;
	struct garden_adc_chip {
		uint8_t address;
		enum ads1x15_type type;
	} adcs[GARDEN_MAX_ADCS];
	size_t n_adcs;
	double pulses_per_litre;	/* the flow meter's */
	struct garden_zone {
		struct garden_pin valve;
		double flow_lpm;	/* 0: GARDEN_DEFAULT_FLOW_LPM */
	} zones[GARDEN_MAX_ZONES];
	size_t n_zones;
	struct garden_probe {
		struct garden_input input;
		int zone;		/* index into zones: the soil it is in */
		double dry_volts, wet_volts;
		bool has_power;		/* reads 0 V while power is off */
		struct garden_pin power;
	} probes[GARDEN_MAX_PROBES];
	size_t n_probes;
	struct garden_light {
		bool present;
		struct garden_input input;
		double dark_volts, bright_volts;
	} light;
	struct garden_temperature {
		bool present;
		struct garden_input input;
		enum garden_temp_sensor conversion;
		double scale, offset;	/* GARDEN_TEMP_LINEAR: °C = volts * scale + offset */
	} temperature;
};

/*
 * Every expander and ADC of the layout sits on a virtual bus.  A zone's
 * valve lets water run while its pin drives the valve's active level;
 * the meter then pulses at the zone's flow (its flow_lpm, or
 * GARDEN_DEFAULT_FLOW_LPM when that is 0: not configured).  Soil probes read a moisture
 * that rises while their zone is watered and falls slowly after, and read
 * 0 V while their power pin is off.  Light and temperature follow the
 * local time of day.
 */
struct garden;

/* The physical flow of a zone whose config gives none (flow_lpm 0). */
#define GARDEN_DEFAULT_FLOW_LPM 12.0

/* A garden of layout (copied).  NULL with errno set on failure. */
struct garden *garden_new(const struct garden_layout *layout);
void garden_free(struct garden *garden);

/*
 * What is wired to the chips changes (a reload renumbers zones, moves
 * valves or probes): the chips stay, so layout has the same expanders and
 * ADCs; the physical valves keep their state.
 */
void garden_rewire(struct garden *garden, const struct garden_layout *layout);

/*
 * The expanders keep their direction and latch in the file at path, as
 * real chips outlive the process that drove them: what the file holds is
 * loaded now (a chip at an address the layout lacks is added to the bus),
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
int garden_gpio_output(struct garden *garden, const struct garden_gpio_line *line,
		       bool level, struct gpio_output **out);

/*
 * Where the simulated Pi has line, as linux_gpio_locate() says it for a
 * real one: one chip, "gpiochip0" (also "/dev/gpiochip0" or "0"), whose
 * line N is named "GPION" (0 to 53), as on a Pi 3 or 4.  -ENOENT for a
 * name or chip it does not have: such a line is one of its own.
 */
int garden_locate_line(const struct garden_gpio_line *line, char *chip,
		       size_t size, unsigned *offset);

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
	enum garden_probe_fault probe[GARDEN_MAX_PROBES];
	double probe_volts[GARDEN_MAX_PROBES];	/* the stuck volts, else 0 */
	bool valve_stuck[GARDEN_MAX_ZONES];	/* by zone of the current layout */
	size_t edge_queue;			/* 0: unbounded */
	double temperature;			/* °C, NAN when not injected */
	uint64_t edges_made, edges_dropped;	/* by the meter, by the queue */
};
void garden_get_faults(const struct garden *g, struct garden_faults *out);

#endif
