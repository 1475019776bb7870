/* What the config loader's files share: the loader, limits and the reading helpers of config-parse.c; config.c loads the root and one config-SECTION.c each section. */
#ifndef IRRIGD_DAEMON_CONFIG_PARSE_H
#define IRRIGD_DAEMON_CONFIG_PARSE_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"
#include "hw/ads1x15.h"
#include "hw/mcp23008.h"

/* Long enough for the deepest path: "sensors.soil.[15].power.active_low". */
#define SETTING_PATH_MAX 128
/* Highest 7-bit I2C address, the widest an address reference can be. */
#define I2C_ADDR_LIMIT 0x7F
/* The ADS1x15's largest full-scale range; no input reading can exceed it. */
#define VOLTS_MAX 6.144
/* A probe off the ground rail and short of the Pi's 3.3 V reads true. */
#define PROBE_MIN_VOLTS 0.05
#define PROBE_MAX_VOLTS 3.25
#define SETTLE_MS_MAX 10000
#define I2C_BUS_MAX 255
#define FLOW_LPM_MAX 1000.0
/* The ceiling may stand above the biggest zone's flow. */
#define MAX_FLOW_LPM_MAX 10000.0
/* More than a 1/2-inch garden tap gives wide open; the top of a YF-S201's range. */
#define MAX_FLOW_LPM_DEFAULT 30.0
#define FLOW_PERCENT_MAX 1000.0		/* a flow alarm's high threshold */
#define DAILY_CAP_MAX 1000000.0		/* litres */
#define SAFETY_DELAY_MAX_S 600		/* settle and alarm delay */
#define MIN_SWITCH_MAX_S 60
#define PERCENT_MAX 300			/* seasonal and monthly percentages */
#define MASTER_DELAY_MAX_S 600		/* a master's lead and lag */
#define INTERVAL_DAYS_MAX 365
#define YEAR_MIN 1970
#define ALL_WEEKDAYS 0x7F

/* Program names follow the zone-name rules and are read the same way. */
_Static_assert(SCHEDULE_NAME_MAX == CONFIG_NAME_MAX,
	       "program and zone names share read_name()");

/*
 * Who drives an expander pin.  Several probes may share one power pin
 * (the reference garden powers all five from one), but a valve never
 * shares its pin, and sharers must agree on the pin's polarity.
 */
struct pin_use {
	const config_setting_t *by;	/* the valve or power group */
	bool power;
	bool active_low;
};

struct loader {
	const char *path;
	char *err;
	size_t err_size;
	struct config cfg;
	struct pin_use pins[CONFIG_MAX_EXPANDERS][MCP23008_PINS];
	/* GPIO lines in use (flow meter, valves), to refuse a second use. */
	const config_setting_t *line_users[CONFIG_MAX_ZONES + 3];
	const struct config_line *lines[CONFIG_MAX_ZONES + 3];
	size_t n_lines;
	const config_setting_t *channels[CONFIG_MAX_ADCS][ADS1X15_CHANNELS];
};

/* config.c: reporting a bad setting and reading one */
void setting_path(const config_setting_t *s, char *buf, size_t size);
const char *type_name(const config_setting_t *s);
int fail(struct loader *ld, const config_setting_t *s,
	 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int fail_missing(struct loader *ld, const config_setting_t *group,
		 const char *member, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int open_group(struct loader *ld, const config_setting_t *s,
	       const char *const *keys);
int get_member(struct loader *ld, const config_setting_t *group,
	       const char *name, bool required,
	       const config_setting_t **m);
int int_value(struct loader *ld, const config_setting_t *s,
	      long long min, long long max, bool hex, long long *v);
int read_int(struct loader *ld, const config_setting_t *group,
	     const char *name, bool required, long long min,
	     long long max, bool hex, long long *v);
int read_double(struct loader *ld, const config_setting_t *group,
		const char *name, bool required, double min, bool above_min,
		double max, double *v);
int read_bool(struct loader *ld, const config_setting_t *group,
	      const char *name, bool *v);
int read_string(struct loader *ld, const config_setting_t *group,
		const char *name, bool required, const char **v,
		const config_setting_t **where);
int read_duration(struct loader *ld, const config_setting_t *group,
		  const char *name, bool required, uint32_t min_s,
		  uint32_t max_s, const char *range, unsigned *v);
int read_name(struct loader *ld, const config_setting_t *group,
	      char name[CONFIG_NAME_MAX], const config_setting_t **where);
bool reads_as_duration(const char *word);
int get_list(struct loader *ld, const config_setting_t *group,
	     const char *name, bool required, size_t max,
	     const char *what, const config_setting_t **list);
const config_setting_t *elem(const config_setting_t *list, size_t i);
size_t list_length(const config_setting_t *list);

/* config-hardware.c */
int find_adc(const struct config *cfg, long long address);
int load_hardware(struct loader *ld, const config_setting_t *root);
int load_pin(struct loader *ld, const config_setting_t *g,
	     const char *const *keys, bool power, struct config_pin *pin);
int load_line(struct loader *ld, const config_setting_t *g,
	      struct config_line *line);
/* Refuses a line another setting already uses. */
int claim_line(struct loader *ld, const config_setting_t *g,
	       const struct config_line *line);
int read_choice(struct loader *ld, const config_setting_t *g,
		const char *name, const char *const *words, int *out);

/* config-safety.c */
int load_flow_percents(struct loader *ld, const config_setting_t *g,
		       double *no_flow, double *low, double *high);
int load_safety(struct loader *ld, const config_setting_t *root);

/* config-zones.c */
int load_zones(struct loader *ld, const config_setting_t *root);
int load_master(struct loader *ld, const config_setting_t *root);
int load_seasonal(struct loader *ld, const config_setting_t *root);
int load_programs(struct loader *ld, const config_setting_t *root);

/* config-smart.c: the weather, the soil water balance, the rain sensor */
extern const char *const seasonal_auto_keys[];
extern const char *const zone_soil_keys[];
int load_seasonal_auto(struct loader *ld, const config_setting_t *g);
int load_zone_soil(struct loader *ld, const config_setting_t *g,
		   struct config_zone *z);
int load_rain_sensor(struct loader *ld, const config_setting_t *sensors);
/* After the programs: what needs the site, the sensors, the programs. */
int check_smart(struct loader *ld, const config_setting_t *root);

/* config-site.c */
int load_site(struct loader *ld, const config_setting_t *root);

/* config-sensors.c */
int load_sensors(struct loader *ld, const config_setting_t *root);
int check_moisture_probes(struct loader *ld,
			  const config_setting_t *root);

#endif
