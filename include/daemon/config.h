/* The daemon's configuration: loaded from a libconfig file and validated whole. */
#ifndef IRRIGD_DAEMON_CONFIG_H
#define IRRIGD_DAEMON_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/balance.h"
#include "core/proto.h"
#include "core/schedule.h"
#include "core/seasonal.h"
#include "hw/ads1x15.h"

#define CONFIG_DEFAULT_PATH IRRIGD_SYSCONFDIR "/irrigd/irrigd.conf"
#define CONFIG_DEFAULT_SOCKET PROTO_DEFAULT_SOCKET
#define CONFIG_DEFAULT_STATE_DIR "/var/lib/irrigd"
/* The Pi's header bus, /dev/i2c-1. */
#define CONFIG_DEFAULT_I2C_BUS 1

#define CONFIG_MAX_EXPANDERS 8
#define CONFIG_MAX_ADCS 4
#define CONFIG_MAX_ZONES 16
#define CONFIG_MAX_PROBES 16
/* Names are [A-Za-z0-9_-], so they need no quoting on the socket or in JSON. */
#define CONFIG_NAME_MAX 32
#define CONFIG_SOCKET_PATH_MAX 108	/* sizeof(sun_path) */

enum hw_backend { HW_BACKEND_SIM, HW_BACKEND_LINUX };

struct sensor_driver;

enum temp_conversion {
	TEMP_TMP36,	/* 10 mV/°C, 500 mV at 0 °C */
	TEMP_LM35,	/* 10 mV/°C, 0 mV at 0 °C */
	TEMP_LINEAR,	/* °C = volts * scale + offset */
};

struct config_expander {
	uint8_t address;		/* 0x20-0x27 */
};

struct config_adc {
	uint8_t address;		/* 0x48-0x4B */
	enum ads1x15_type type;		/* "ads1115" (default) or "ads1015" */
	int range_mv;			/* full-scale range, default 4096 */
	int data_rate;			/* samples per second, default 250 */
};

/* A Pi GPIO line: by name ("GPIO22"), or by chip and offset. */
struct config_line {
	char name[CONFIG_NAME_MAX];	/* "" when chip and offset say it */
	char chip[CONFIG_NAME_MAX];	/* "gpiochip0" */
	int offset;			/* -1 with a name */
};

/* An output: a pin on one of the expanders, or a Pi GPIO line. */
struct config_pin {
	bool on_gpio;			/* a GPIO line, not an expander pin */
	int expander;			/* index into config.expanders */
	unsigned pin;			/* 0-7 */
	struct config_line line;	/* with on_gpio */
	bool active_low;		/* default false */
};

/* A sensor's input: an ADC channel, or a device its driver finds by name. */
struct config_analog {
	int adc;			/* index into config.adcs; -1: none */
	unsigned channel;		/* 0-3 */
	/* driver = "...": sensor.h's table; NULL: "ads1x15", the default */
	const struct sensor_driver *driver;
	char device[CONFIG_NAME_MAX];	/* off an ADC: "28-0316a2794bff" */
};

struct config_zone {
	char name[CONFIG_NAME_MAX];
	struct config_pin valve;
	double flow_lpm;		/* expected flow, L/min; 0: learned */
	unsigned max_run_s;		/* default 3600 */
	/* Flow alarms, in percent of the expected flow (safety's defaults). */
	double no_flow_percent, low_flow_percent, high_flow_percent;
	double daily_cap_litres;	/* 0: no cap */
	/* Moisture policy, from the average of the zone's probes (%). */
	bool has_skip_above;
	double skip_above;		/* skip a programmed run above this */
	bool has_stop_at;
	double stop_at;			/* end any run on reaching this */
	/* Cycle and soak: longest cycle and shortest soak; 0: one go. */
	unsigned cycle_s, soak_s;
	/*
	 * Its soil (soil, root_depth_cm, area_m2 and the rest): the daemon
	 * keeps its water balance; with water_by = "balance" the balance
	 * decides when it waters, at balance_start, and programs leave it.
	 */
	bool has_soil;
	struct balance_zone soil;
	bool water_by_balance;
	unsigned balance_start_min;	/* minutes after local midnight */
	/* field_capacity_percent and wilting_percent: its probes re-anchor it */
	bool has_anchor;
	struct balance_probe_anchor anchor;
};

/* An optional master valve or pump, open while a sequence of zones runs. */
struct config_master {
	bool present;
	struct config_pin pin;
	unsigned lead_s;		/* opens this long before the first zone */
	unsigned lag_s;			/* closes this long after the last */
};

struct config_probe {
	char name[CONFIG_NAME_MAX];
	struct config_analog input;
	int zone;			/* index into config.zones */
	double dry_volts;		/* reading in dry soil: 0 % */
	double wet_volts;		/* reading in soaked soil: 100 % */
	bool has_power;			/* powered only while read */
	struct config_pin power;
	unsigned power_settle_ms;	/* default 50 */
	/* Outside these the probe is failed: disconnected, or at a rail. */
	double min_volts, max_volts;	/* default 0.05 and 3.25 */
};

struct config_light {
	bool present;
	struct config_analog input;
	double dark_volts;		/* 0 % */
	double bright_volts;		/* 100 % */
};

struct config_temperature {
	bool present;
	struct config_analog input;
	enum temp_conversion conversion;
	double scale, offset;		/* TEMP_LINEAR only */
	char unit;			/* 'C' or 'F', for display */
	/* Programmed runs do not start below it (the same unit). */
	bool has_freeze_below;
	double freeze_below;
};

enum config_edge { CONFIG_EDGE_RISING, CONFIG_EDGE_FALLING, CONFIG_EDGE_BOTH };
enum config_bias { CONFIG_BIAS_AS_IS, CONFIG_BIAS_PULL_UP,
		   CONFIG_BIAS_PULL_DOWN, CONFIG_BIAS_DISABLE };

struct config_flow_meter {
	struct config_line line;	/* "GPIO17", or chip and offset */
	enum config_edge edge;		/* default rising */
	enum config_bias bias;		/* default as-is */
	double pulses_per_litre;	/* default 450 (YF-S201) */
};

/* Flow alarms and caps: the defaults of every zone, and the garden's. */
struct config_safety {
	unsigned settle_s;		/* default 30: air in the pipes */
	unsigned alarm_delay_s;		/* default 30: spikes do not trip */
	double no_flow_percent;		/* default 10 */
	double low_flow_percent;	/* default 70 */
	double high_flow_percent;	/* default 150 */
	double leak_lpm;		/* default 0.5, with every valve closed */
	double max_flow_lpm;		/* default 30: above it, a burst pipe */
	double daily_cap_litres;	/* every zone together; 0: no cap */
	/* default 2: a zone valve opens no sooner after any valve switched,
	 * against water hammer; 0: no wait */
	unsigned min_switch_interval_s;
};

/* seasonal = { mode = "auto"; ... }: the percentage from the garden's own ET0. */
struct config_seasonal_auto {
	bool on;			/* mode = "auto"; else "fixed" */
	struct seasonal_auto_config cfg;
	/* A day's ET0 needs this many temperature readings, else it is unknown. */
	unsigned min_samples;
};

/* A rain sensor on a GPIO line: sensors.rain = { line = "GPIO27"; ... } */
struct config_rain_sensor {
	bool present;
	struct config_line line;
	bool active_low;		/* the line reads low while wet */
	enum config_bias bias;		/* default as-is */
	unsigned hold_s;		/* programs stay held this long once dry */
};

/* Where the garden is: site = { latitude = 52.37; longitude = 4.89; } */
struct config_site {
	bool set;		/* false: no site group, nothing may use the numbers */
	double latitude_deg;	/* north positive, -90 to 90 */
	double longitude_deg;	/* east positive, -180 to 180 */
};

struct config {
	char path[PATH_MAX];
	enum hw_backend backend;
	unsigned i2c_bus;		/* /dev/i2c-N, default 1 */
	struct config_expander expanders[CONFIG_MAX_EXPANDERS];
	size_t n_expanders;
	struct config_adc adcs[CONFIG_MAX_ADCS];
	size_t n_adcs;
	struct config_flow_meter flow_meter;
	struct config_zone zones[CONFIG_MAX_ZONES];
	size_t n_zones;			/* at least 1 */
	struct config_probe probes[CONFIG_MAX_PROBES];
	size_t n_probes;
	struct config_light light;
	struct config_temperature temperature;
	struct config_master master;
	struct schedule schedule;	/* programs and seasonal percentages */
	struct config_safety safety;
	struct config_site site;
	struct config_seasonal_auto seasonal_auto;
	struct config_rain_sensor rain;
	unsigned report_interval_s;	/* default 60 */
	unsigned sample_interval_s;	/* sensors read when idle; default 600 */
	/* wait_for_clock_sync = false: a Pi with a real-time clock and no NTP */
	bool ignore_clock_sync;
	char socket_path[CONFIG_SOCKET_PATH_MAX];
	/*
	 * volume_unit = "gal": text for people shows US gallons; the config,
	 * JSON, journal fields and state stay in litres.
	 */
	bool gallons;
};

/*
 * Reads and validates the file at path into *out.  On failure returns a
 * negative errno, leaves *out untouched, and writes one message that names
 * the file, the line and the setting into err:
 *   "/etc/irrigd/irrigd.conf:14: zones.[0].valve.pin: must be 0 to 7"
 */
int config_load(const char *path, struct config *out, char *err,
		size_t err_size);

#define LITRES_PER_US_GALLON 3.785411784

/*
 * Litres (or litres a minute) in the unit text for people uses, and its
 * symbol: "L" or "gal" (append "/min" for a rate).  Every volume and flow
 * irrigd shows in text goes through these, nothing else converts.
 */
double config_volume(const struct config *cfg, double litres);
const char *config_volume_unit(const struct config *cfg);
/* A limit set in litres, for "%g": as written, or to a tenth of a gallon. */
double config_volume_limit(const struct config *cfg, double litres);

/* The name of zone (an index into cfg->zones), or none when no zone has it. */
const char *config_zone_name(const struct config *cfg, int zone,
			     const char *none);
/* Index of the zone called name, or -1. */
int config_find_zone(const struct config *cfg, const char *name);

#endif
