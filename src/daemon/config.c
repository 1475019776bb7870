/* Loads irrigd.conf (libconfig syntax) into struct config, refusing anything it does not understand. */
#include "daemon/config.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/duration.h"
#include "daemon/sensor.h"
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
	const config_setting_t *line_users[CONFIG_MAX_ZONES + 2];
	const struct config_line *lines[CONFIG_MAX_ZONES + 2];
	size_t n_lines;
	const config_setting_t *channels[CONFIG_MAX_ADCS][ADS1X15_CHANNELS];
};

/*
 * The settings each group may hold.  Anything else is refused, so a typo
 * such as "flow_lmp" is reported instead of silently leaving a default.
 */
static const char *const root_keys[] = {
	"hardware", "zones", "sensors", "master", "seasonal", "programs",
	"report_interval", "sample_interval", "socket", "wait_for_clock_sync", "safety",
	"volume_unit", NULL
};
static const char *const safety_keys[] = {
	"settle", "alarm_delay", "no_flow_percent", "low_flow_percent",
	"high_flow_percent", "leak_lpm", "max_flow_lpm", "daily_cap_litres",
	"min_switch_interval", NULL
};
static const char *const hardware_keys[] = {
	"backend", "i2c_bus", "expanders", "adcs", "flow_meter", NULL
};
static const char *const expander_keys[] = { "address", NULL };
static const char *const adc_keys[] = {
	"address", "type", "range_mv", "data_rate", NULL
};
static const char *const flow_meter_keys[] = {
	"line", "chip", "offset", "edge", "bias", "pulses_per_litre", NULL
};
static const char *const zone_keys[] = {
	"name", "valve", "flow_lpm", "max_run", "skip_above", "stop_at",
	"no_flow_percent", "low_flow_percent", "high_flow_percent",
	"daily_cap_litres", NULL
};
static const char *const valve_keys[] = {
	"expander", "pin", "line", "chip", "offset", "active_low", NULL
};
static const char *const power_keys[] = {
	"expander", "pin", "active_low", "settle_ms", NULL
};
static const char *const master_keys[] = {
	"expander", "pin", "line", "chip", "offset", "active_low", "lead", "lag",
	NULL
};
static const char *const seasonal_keys[] = { "percent", "monthly", NULL };
static const char *const program_keys[] = {
	"name", "enabled", "start", "days", "every_days", "anchor", "zones",
	NULL
};
static const char *const step_keys[] = { "zone", "duration", NULL };

/* tm_wday order: bit i of a weekday mask is weekdays[i]. */
static const char *const weekdays[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};
static const char *const sensors_keys[] = {
	"soil", "light", "temperature", NULL
};
static const char *const soil_keys[] = {
	"name", "driver", "device", "adc", "channel", "zone", "dry_volts", "wet_volts", "power",
	"min_volts", "max_volts", NULL
};
static const char *const light_keys[] = {
	"driver", "device", "adc", "channel", "dark_volts", "bright_volts", NULL
};
static const char *const temperature_keys[] = {
	"driver", "device", "adc", "channel", "conversion", "unit", "scale", "offset", "freeze_below",
	NULL
};

/* Builds "zones.[0].valve.pin" by walking up to the root. */
static void setting_path(const config_setting_t *s, char *buf, size_t size)
{
	const config_setting_t *parent = config_setting_parent(s);
	size_t len;

	buf[0] = '\0';
	if (!parent)
		return;
	setting_path(parent, buf, size);
	len = strlen(buf);
	if (config_setting_name(s))
		snprintf(buf + len, size - len, "%s%s", len ? "." : "",
			 config_setting_name(s));
	else
		snprintf(buf + len, size - len, "%s[%d]", len ? "." : "",
			 config_setting_index(s));
}

static const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a decimal number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "nothing usable";
	}
}

/*
 * Writes "FILE:LINE: SETTING[.member]: message".  With member, s is the
 * group the member is missing from and its line is the best there is.
 * The root has no line (0): a missing top-level setting gets none.
 */
static int vfail(struct loader *ld, const config_setting_t *s,
		 const char *member, const char *fmt, va_list ap)
{
	char where[SETTING_PATH_MAX];
	const char *file;
	unsigned line;
	size_t len;
	int w;

	if (!ld->err || !ld->err_size)
		return -EINVAL;
	setting_path(s, where, sizeof(where));
	if (member) {
		len = strlen(where);
		snprintf(where + len, sizeof(where) - len, "%s%s",
			 len ? "." : "", member);
	}
	/* A setting from an @include'd file names that file. */
	file = config_setting_source_file(s) ? config_setting_source_file(s)
					     : ld->path;
	line = config_setting_source_line(s);
	if (line)
		w = snprintf(ld->err, ld->err_size, "%s:%u: %s: ", file, line,
			     where);
	else
		w = snprintf(ld->err, ld->err_size, "%s: %s: ", file, where);
	if (w >= 0 && (size_t)w < ld->err_size)
		vsnprintf(ld->err + w, ld->err_size - (size_t)w, fmt, ap);
	return -EINVAL;
}

static int fail(struct loader *ld, const config_setting_t *s,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct loader *ld, const config_setting_t *s,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(ld, s, NULL, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int fail_missing(struct loader *ld, const config_setting_t *group,
			const char *member, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_missing(struct loader *ld, const config_setting_t *group,
			const char *member, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(ld, group, member, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool known(const char *const *keys, const char *name)
{
	for (; *keys; keys++)
		if (!strcmp(*keys, name))
			return true;
	return false;
}

/* Checks that s is a group holding only settings named in keys. */
static int open_group(struct loader *ld, const config_setting_t *s,
		      const char *const *keys)
{
	if (!config_setting_is_group(s))
		return fail(ld, s, "must be a group { ... }, not %s",
			    type_name(s));
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
		char list[160] = "";
		size_t len = 0;

		if (known(keys, config_setting_name(m)))
			continue;
		for (const char *const *k = keys; *k && len < sizeof(list); k++)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s%s", len ? ", " : "", *k);
		return fail(ld, m, "unknown setting (allowed here: %s)", list);
	}
	return 0;
}

/*
 * Finds member name in group.  A missing required member is an error;
 * a missing optional one gives *m = NULL so the caller keeps its default.
 */
static int get_member(struct loader *ld, const config_setting_t *group,
		      const char *name, bool required,
		      const config_setting_t **m)
{
	*m = config_setting_get_member(group, name);
	if (!*m && required)
		return fail_missing(ld, group, name,
				    "required setting is missing");
	return 0;
}

/* Checks that s is an integer from min to max. */
static int int_value(struct loader *ld, const config_setting_t *s,
		     long long min, long long max, bool hex, long long *v)
{
	long long n;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return fail(ld, s, "must be an integer, not %s", type_name(s));
	n = config_setting_get_int64(s);
	if (n < min || n > max) {
		if (hex)
			return fail(ld, s, "must be 0x%02llx to 0x%02llx",
				    min, max);
		return fail(ld, s, "must be %lld to %lld", min, max);
	}
	*v = n;
	return 0;
}

static int read_int(struct loader *ld, const config_setting_t *group,
		    const char *name, bool required, long long min,
		    long long max, bool hex, long long *v)
{
	const config_setting_t *s;
	int r;

	r = get_member(ld, group, name, required, &s);
	if (r < 0 || !s)
		return r;
	return int_value(ld, s, min, max, hex, v);
}

/*
 * Reads a number; integers are welcome where a decimal is expected
 * ("flow_lpm = 20;").  above_min: min itself is refused (> rather than >=).
 */
static int read_double(struct loader *ld, const config_setting_t *group,
		       const char *name, bool required, double min, bool above_min,
		       double max, double *v)
{
	const config_setting_t *s;
	double d;
	int r;

	r = get_member(ld, group, name, required, &s);
	if (r < 0 || !s)
		return r;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_FLOAT:
		d = config_setting_get_float(s);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		d = (double)config_setting_get_int64(s);
		break;
	default:
		return fail(ld, s, "must be a number, not %s", type_name(s));
	}
	if (!isfinite(d))
		return fail(ld, s, "must be a finite number");
	if (d < min || (above_min && d == min) || d > max) {
		if (isinf(max))
			return fail(ld, s, "must be %s %g",
				    above_min ? "more than" : "at least", min);
		if (above_min)
			return fail(ld, s, "must be more than %g and at most %g",
				    min, max);
		return fail(ld, s, "must be %g to %g", min, max);
	}
	*v = d;
	return 0;
}

static int read_bool(struct loader *ld, const config_setting_t *group,
		     const char *name, bool *v)
{
	const config_setting_t *s;

	get_member(ld, group, name, false, &s);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(ld, s, "must be true or false, not %s",
			    type_name(s));
	*v = config_setting_get_bool(s);
	return 0;
}

static int read_string(struct loader *ld, const config_setting_t *group,
		       const char *name, bool required, const char **v,
		       const config_setting_t **where)
{
	const config_setting_t *s;
	int r;

	r = get_member(ld, group, name, required, &s);
	if (r < 0 || !s)
		return r;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(ld, s, "must be a string in double quotes, not %s",
			    type_name(s));
	*v = config_setting_get_string(s);
	if (where)
		*where = s;
	return 0;
}

/*
 * duration_parse() refuses zero.  Where zero is allowed, "0s", "0m" or
 * "0h0m" mean none: a text whose digits are all 0 and that would parse
 * with each 0 made a 1.  A bare "0" stays refused like any bare number.
 */
static bool zero_duration(const char *text)
{
	char copy[32];
	size_t len = strlen(text);
	uint32_t secs;

	if (!len || len >= sizeof(copy) || !strchr(text, '0') ||
	    strpbrk(text, "123456789"))
		return false;
	for (size_t i = 0; i <= len; i++)
		copy[i] = text[i] == '0' ? '1' : text[i];
	return duration_parse(copy, 0, &secs) == 0;
}

/*
 * Durations are strings with units so "60" cannot be taken for minutes by
 * one reader and seconds by another.  range describes min_s to max_s for
 * the message: "1s to 24h".
 */
static int read_duration(struct loader *ld, const config_setting_t *group,
			 const char *name, bool required, uint32_t min_s,
			 uint32_t max_s, const char *range, unsigned *v)
{
	const config_setting_t *s;
	const char *text;
	uint32_t secs;
	int r;

	r = get_member(ld, group, name, required, &s);
	if (r < 0 || !s)
		return r;
	if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64)
		return fail(ld, s,
			    "must be a string with a unit such as \"60m\", "
			    "\"90s\" or \"1h30m\", not a bare number");
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(ld, s, "must be a duration string such as \"60m\", "
			    "not %s", type_name(s));
	text = config_setting_get_string(s);
	r = duration_parse(text, 0, &secs);
	if (r == -EINVAL && zero_duration(text)) {
		secs = 0;
		r = 0;
	}
	if (r == -EINVAL)
		return fail(ld, s, "\"%s\" is not a duration (write it like "
			    "\"60m\", \"90s\" or \"1h30m\")", text);
	if (r < 0 || secs < min_s || secs > max_s)
		return fail(ld, s, "must be %s", range);
	*v = secs;
	return 0;
}

/* Names travel unquoted on the socket and in JSON, hence the narrow set. */
static int read_name(struct loader *ld, const config_setting_t *group,
		     char name[CONFIG_NAME_MAX], const config_setting_t **where)
{
	const char *v;
	size_t len;
	int r;

	r = read_string(ld, group, "name", true, &v, where);
	if (r < 0)
		return r;
	len = strlen(v);
	if (!len || len >= CONFIG_NAME_MAX ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_-") != len)
		return fail(ld, *where, "\"%s\" is not a valid name: use 1 to "
			    "%d letters, digits, '_' or '-'", v,
			    CONFIG_NAME_MAX - 1);
	memcpy(name, v, len + 1);
	return 0;
}

/*
 * Would a word on the command line read as a number or a duration?
 * irrigctl water [ZONE] DURATION takes either, so a zone called "2" or
 * "5m" would make "water 5 2" mean two things.
 */
static bool reads_as_duration(const char *word)
{
	size_t digits = strspn(word + (word[0] == '-'), "0123456789");
	uint32_t secs;

	if (digits && !word[(word[0] == '-') + digits])
		return true;
	return duration_parse(word, 60, &secs) != -EINVAL ||
		zero_duration(word);
}

/*
 * Fetches an optional list of groups.  An empty [] is a list too: libconfig
 * cannot tell "()" from "[]" when nothing is inside.
 */
static int get_list(struct loader *ld, const config_setting_t *group,
		    const char *name, bool required, size_t max,
		    const char *what, const config_setting_t **list)
{
	const config_setting_t *s;
	int r;

	*list = NULL;
	r = get_member(ld, group, name, required, &s);
	if (r < 0 || !s)
		return r;
	if (!config_setting_is_list(s) &&
	    !(config_setting_is_array(s) && config_setting_length(s) == 0))
		return fail(ld, s, "must be a list ( { ... }, ... ), not %s",
			    type_name(s));
	if ((size_t)config_setting_length(s) > max)
		return fail(ld, s, "at most %zu %s are supported", max, what);
	*list = s;
	return 0;
}

static const config_setting_t *elem(const config_setting_t *list, size_t i)
{
	return config_setting_get_elem(list, (unsigned)i);
}

static size_t list_length(const config_setting_t *list)
{
	return list ? (size_t)config_setting_length(list) : 0;
}

static int find_expander(const struct config *cfg, long long address)
{
	for (size_t i = 0; i < cfg->n_expanders; i++)
		if (cfg->expanders[i].address == address)
			return (int)i;
	return -1;
}

static int find_adc(const struct config *cfg, long long address)
{
	for (size_t i = 0; i < cfg->n_adcs; i++)
		if (cfg->adcs[i].address == address)
			return (int)i;
	return -1;
}

static int load_expanders(struct loader *ld, const config_setting_t *hw)
{
	const config_setting_t *list;
	int r;

	r = get_list(ld, hw, "expanders", false, CONFIG_MAX_EXPANDERS,
		     "expanders", &list);
	for (size_t i = 0; r == 0 && i < list_length(list); i++) {
		const config_setting_t *e = elem(list, i);
		long long address;
		int dup;

		r = open_group(ld, e, expander_keys);
		if (r == 0)
			r = read_int(ld, e, "address", true, MCP23008_ADDR_MIN,
				     MCP23008_ADDR_MAX, true, &address);
		if (r < 0)
			return r;
		dup = find_expander(&ld->cfg, address);
		if (dup >= 0)
			return fail(ld, config_setting_get_member(e, "address"),
				    "0x%02llx is already the address of "
				    "hardware.expanders.[%d]", address, dup);
		ld->cfg.expanders[ld->cfg.n_expanders++].address =
			(uint8_t)address;
	}
	return r;
}

static int load_adc(struct loader *ld, const config_setting_t *a,
		    struct config_adc *adc)
{
	const char *type = "ads1115";
	const config_setting_t *type_s = NULL;
	long long address, n;
	int r;

	r = open_group(ld, a, adc_keys);
	if (r == 0)
		r = read_int(ld, a, "address", true, ADS1X15_ADDR_MIN,
			     ADS1X15_ADDR_MAX, true, &address);
	if (r == 0)
		r = read_string(ld, a, "type", false, &type, &type_s);
	if (r < 0)
		return r;
	if (find_adc(&ld->cfg, address) >= 0)
		return fail(ld, config_setting_get_member(a, "address"),
			    "0x%02llx is already the address of "
			    "hardware.adcs.[%d]", address,
			    find_adc(&ld->cfg, address));
	adc->address = (uint8_t)address;
	if (!strcmp(type, "ads1115"))
		adc->type = ADS1115;
	else if (!strcmp(type, "ads1015"))
		adc->type = ADS1015;
	else
		return fail(ld, type_s, "must be \"ads1115\" or \"ads1015\"");

	n = 4096;
	r = read_int(ld, a, "range_mv", false, 0, INT_MAX, false, &n);
	if (r < 0)
		return r;
	if (ads1x15_check_range_mv((int)n) < 0)
		return fail(ld, config_setting_get_member(a, "range_mv"),
			    "must be 6144, 4096, 2048, 1024, 512 or 256");
	adc->range_mv = (int)n;

	n = 250;
	r = read_int(ld, a, "data_rate", false, 0, INT_MAX, false, &n);
	if (r < 0)
		return r;
	if (ads1x15_check_data_rate(adc->type, (int)n) < 0)
		return fail(ld, config_setting_get_member(a, "data_rate"),
			    "%s", adc->type == ADS1115
			    ? "must be 8, 16, 32, 64, 128, 250, 475 or 860 "
			      "for an ads1115"
			    : "must be 128, 250, 490, 920, 1600, 2400 or 3300 "
			      "for an ads1015");
	adc->data_rate = (int)n;
	return 0;
}

static int load_adcs(struct loader *ld, const config_setting_t *hw)
{
	const config_setting_t *list;
	int r;

	r = get_list(ld, hw, "adcs", false, CONFIG_MAX_ADCS, "adcs", &list);
	for (size_t i = 0; r == 0 && i < list_length(list); i++) {
		r = load_adc(ld, elem(list, i), &ld->cfg.adcs[i]);
		if (r == 0)
			ld->cfg.n_adcs++;
	}
	return r;
}

/*
 * libgpiod finds chip "0", "gpiochip0" and "/dev/gpiochip0" alike: the
 * spelling, without "/dev/", and with a bare number made a name.
 */
static bool same_chip(const char *a, const char *b)
{
	char key_a[CONFIG_NAME_MAX + 8], key_b[CONFIG_NAME_MAX + 8];
	const char *const names[] = { a, b };
	char *const keys[] = { key_a, key_b };

	for (int i = 0; i < 2; i++) {
		const char *chip = names[i];

		if (!strncmp(chip, "/dev/", 5))
			chip += 5;
		snprintf(keys[i], sizeof(key_a), "%s%s",
			 *chip && strspn(chip, "0123456789") == strlen(chip) ?
			 "gpiochip" : "", chip);
	}
	return !strcmp(key_a, key_b);
}

/*
 * The same line as written.  One line given by name and by chip and
 * offset is found only where the chips are: hardware_check_lines().
 */
static bool same_line(const struct config_line *a, const struct config_line *b)
{
	if (*a->name || *b->name)
		return !strcmp(a->name, b->name);
	return same_chip(a->chip, b->chip) && a->offset == b->offset;
}

/* Each GPIO line serves one purpose. */
static int claim_line(struct loader *ld, const config_setting_t *g,
		      const struct config_line *line)
{
	char by[SETTING_PATH_MAX];

	for (size_t i = 0; i < ld->n_lines; i++) {
		if (!same_line(ld->lines[i], line))
			continue;
		setting_path(ld->line_users[i], by, sizeof(by));
		return fail(ld, g, "this GPIO line is already used by %s", by);
	}
	if (ld->n_lines < sizeof(ld->lines) / sizeof(ld->lines[0])) {
		ld->line_users[ld->n_lines] = g;
		ld->lines[ld->n_lines++] = line;
	}
	return 0;
}

static int copy_line_word(struct loader *ld, const config_setting_t *s,
			  const char *text, char *to, size_t size,
			  const char *example)
{
	size_t len = strlen(text);

	if (!len || len >= size || strpbrk(text, " \t\n\r\f\v"))
		return fail(ld, s, "must be 1 to %zu characters without spaces, "
			    "such as \"%s\"", size - 1, example);
	memcpy(to, text, len + 1);
	return 0;
}

/*
 * A GPIO line, by its name (line = "GPIO17": the same on a Pi 3, 4 and 5)
 * or by chip and offset (chip = "gpiochip0"; offset = 17;).
 */
static int load_line(struct loader *ld, const config_setting_t *g,
		     struct config_line *line)
{
	const config_setting_t *name_s = NULL, *chip_s = NULL;
	const char *name = NULL, *chip = NULL;
	long long offset;
	int r;

	memset(line, 0, sizeof(*line));
	line->offset = -1;
	r = read_string(ld, g, "line", false, &name, &name_s);
	if (r == 0)
		r = read_string(ld, g, "chip", false, &chip, &chip_s);
	if (r < 0)
		return r;
	if (name && chip)
		return fail(ld, chip_s, "give either line, or chip and offset");
	if (name) {
		if (config_setting_get_member(g, "offset"))
			return fail(ld, config_setting_get_member(g, "offset"),
				    "only used with chip");
		return copy_line_word(ld, name_s, name, line->name,
				      sizeof(line->name), "GPIO17");
	}
	if (!chip)
		return fail_missing(ld, g, "line", "required: a GPIO line name "
				    "such as \"GPIO17\", or chip and offset");
	r = copy_line_word(ld, chip_s, chip, line->chip, sizeof(line->chip),
			   "gpiochip0");
	if (r == 0)
		r = read_int(ld, g, "offset", true, 0, 1023, false, &offset);
	if (r < 0)
		return r;
	line->offset = (int)offset;
	return 0;
}

/* A word from a fixed set: its index in words[], or a message naming them. */
static int read_choice(struct loader *ld, const config_setting_t *g,
		       const char *name, const char *const *words, int *out)
{
	const config_setting_t *s = NULL;
	const char *text = NULL;
	char list[128] = "";
	int r = read_string(ld, g, name, false, &text, &s);

	if (r < 0 || !s)
		return r;
	for (int i = 0; words[i]; i++) {
		if (!strcmp(text, words[i])) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"",
			 i ? ", " : "", words[i]);
	}
	return fail(ld, s, "must be one of %s", list);
}

static int load_flow_meter(struct loader *ld, const config_setting_t *hw)
{
	static const char *const edges[] = { "rising", "falling", "both", NULL };
	static const char *const biases[] = { "as-is", "pull-up", "pull-down",
					      "disable", NULL };
	struct config_flow_meter *fm = &ld->cfg.flow_meter;
	const config_setting_t *g;
	int r, edge = CONFIG_EDGE_RISING, bias = CONFIG_BIAS_AS_IS;

	r = get_member(ld, hw, "flow_meter", true, &g);
	if (r == 0)
		r = open_group(ld, g, flow_meter_keys);
	if (r == 0)
		r = load_line(ld, g, &fm->line);
	if (r == 0)
		r = claim_line(ld, g, &fm->line);
	if (r == 0)
		r = read_choice(ld, g, "edge", edges, &edge);
	if (r == 0)
		r = read_choice(ld, g, "bias", biases, &bias);
	if (r < 0)
		return r;
	fm->edge = (enum config_edge)edge;
	fm->bias = (enum config_bias)bias;
	fm->pulses_per_litre = 450.0;
	return read_double(ld, g, "pulses_per_litre", false, 0, true, INFINITY,
			   &fm->pulses_per_litre);
}

static int load_hardware(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *hw, *backend_s;
	const char *backend = "linux";
	long long bus = CONFIG_DEFAULT_I2C_BUS;
	int r;

	r = get_member(ld, root, "hardware", true, &hw);
	if (r == 0)
		r = open_group(ld, hw, hardware_keys);
	if (r == 0)
		r = read_string(ld, hw, "backend", false, &backend, &backend_s);
	if (r < 0)
		return r;
	if (!strcmp(backend, "linux"))
		ld->cfg.backend = HW_BACKEND_LINUX;
	else if (!strcmp(backend, "sim"))
		ld->cfg.backend = HW_BACKEND_SIM;
	else
		return fail(ld, backend_s, "must be \"linux\" or \"sim\"");
	r = read_int(ld, hw, "i2c_bus", false, 0, I2C_BUS_MAX, false, &bus);
	if (r < 0)
		return r;
	ld->cfg.i2c_bus = (unsigned)bus;
	r = load_expanders(ld, hw);
	if (r == 0)
		r = load_adcs(ld, hw);
	if (r == 0)
		r = load_flow_meter(ld, hw);
	return r;
}

/*
 * Reads a valve, master or probe-power group, which may hold only keys, and
 * claims its pin.  power: a probe's power pin, which other probes may share.
 */
static int load_pin(struct loader *ld, const config_setting_t *g,
		    const char *const *keys, bool power, struct config_pin *pin)
{
	const config_setting_t *pin_s;
	struct pin_use *use;
	char by[SETTING_PATH_MAX];
	long long address, n;
	int r;

	r = open_group(ld, g, keys);
	if (r < 0)
		return r;
	/* Valves and the master may sit on a Pi GPIO line instead. */
	if (!power && !config_setting_get_member(g, "expander") &&
	    (config_setting_get_member(g, "line") ||
	     config_setting_get_member(g, "chip"))) {
		if (config_setting_get_member(g, "pin"))
			return fail(ld, config_setting_get_member(g, "pin"),
				    "only used with expander");
		pin->on_gpio = true;
		pin->expander = -1;
		pin->pin = 0;
		r = load_line(ld, g, &pin->line);
		if (r == 0)
			r = claim_line(ld, g, &pin->line);
		pin->active_low = false;
		if (r == 0)
			r = read_bool(ld, g, "active_low", &pin->active_low);
		return r;
	}
	pin->on_gpio = false;
	memset(&pin->line, 0, sizeof(pin->line));
	pin->line.offset = -1;
	if (config_setting_get_member(g, "line") || config_setting_get_member(g, "chip"))
		return fail(ld, config_setting_get_member(g, "line") ?
			    config_setting_get_member(g, "line") :
			    config_setting_get_member(g, "chip"),
			    "give either expander and pin, or a GPIO line");
	if (config_setting_get_member(g, "offset"))
		return fail(ld, config_setting_get_member(g, "offset"),
			    "only used with chip");
	r = read_int(ld, g, "expander", true, 0, I2C_ADDR_LIMIT, true, &address);
	if (r < 0)
		return r;
	pin->expander = find_expander(&ld->cfg, address);
	if (pin->expander < 0)
		return fail(ld, config_setting_get_member(g, "expander"),
			    "no expander at 0x%02llx in hardware.expanders",
			    address);
	r = read_int(ld, g, "pin", true, 0, MCP23008_PINS - 1, false, &n);
	if (r < 0)
		return r;
	pin->pin = (unsigned)n;
	pin->active_low = false;
	r = read_bool(ld, g, "active_low", &pin->active_low);
	if (r < 0)
		return r;

	pin_s = config_setting_get_member(g, "pin");
	use = &ld->pins[pin->expander][pin->pin];
	if (!use->by) {
		*use = (struct pin_use){ g, power, pin->active_low };
		return 0;
	}
	setting_path(use->by, by, sizeof(by));
	if (!power || !use->power)
		return fail(ld, pin_s, "expander 0x%02llx pin %u is already "
			    "used by %s", address, pin->pin, by);
	if (use->active_low != pin->active_low)
		return fail(ld, pin_s, "expander 0x%02llx pin %u also powers "
			    "%s, which says active_low = %s", address,
			    pin->pin, by, use->active_low ? "true" : "false");
	return 0;
}

/* A zone's optional skip_above and stop_at, in percent. */
static int load_moisture_rules(struct loader *ld, const config_setting_t *g,
			       struct config_zone *z)
{
	int r;

	z->has_skip_above = false;
	z->skip_above = 0;
	z->has_stop_at = false;
	z->stop_at = 0;
	r = read_double(ld, g, "skip_above", false, 0, false, 100,
			&z->skip_above);
	if (r == 0)
		r = read_double(ld, g, "stop_at", false, 0, false, 100,
				&z->stop_at);
	if (r < 0)
		return r;
	z->has_skip_above = config_setting_get_member(g, "skip_above") != NULL;
	z->has_stop_at = config_setting_get_member(g, "stop_at") != NULL;
	/* Between the two, a run would not be skipped yet end at once. */
	if (z->has_skip_above && z->has_stop_at && z->skip_above > z->stop_at)
		return fail(ld, config_setting_get_member(g, "skip_above"),
			    "must not be more than stop_at (%g)", z->stop_at);
	return 0;
}

/*
 * The flow alarm thresholds in percent of the expected flow: no flow
 * below low, low below 100, high above 100, or an alarm could never, or
 * would always, go off.
 */
static int load_flow_percents(struct loader *ld, const config_setting_t *g,
			      double *no_flow, double *low, double *high)
{
	int r;

	r = read_double(ld, g, "no_flow_percent", false, 0, false, 99, no_flow);
	if (r == 0)
		r = read_double(ld, g, "low_flow_percent", false, 0, false, 99, low);
	if (r == 0)
		r = read_double(ld, g, "high_flow_percent", false, 100, true,
				FLOW_PERCENT_MAX, high);
	if (r < 0)
		return r;
	if (*low < *no_flow)
		return fail(ld, config_setting_get_member(g, "low_flow_percent") ?
			    config_setting_get_member(g, "low_flow_percent") :
			    config_setting_get_member(g, "no_flow_percent"),
			    "low_flow_percent (%g) must be at least no_flow_percent "
			    "(%g)", *low, *no_flow);
	return 0;
}

static int load_safety(struct loader *ld, const config_setting_t *root)
{
	struct config_safety *s = &ld->cfg.safety;
	const config_setting_t *g;
	int r;

	s->settle_s = 30;
	s->alarm_delay_s = 30;
	s->no_flow_percent = 10.0;
	s->low_flow_percent = 70.0;
	s->high_flow_percent = 150.0;
	s->leak_lpm = 0.5;
	s->max_flow_lpm = MAX_FLOW_LPM_DEFAULT;
	s->daily_cap_litres = 0.0;
	s->min_switch_interval_s = 2;
	r = get_member(ld, root, "safety", false, &g);
	if (r < 0 || !g)
		return r;
	r = open_group(ld, g, safety_keys);
	if (r == 0)
		r = read_duration(ld, g, "settle", false, 0, SAFETY_DELAY_MAX_S,
				  "0s to 10m", &s->settle_s);
	if (r == 0)
		r = read_duration(ld, g, "alarm_delay", false, 0,
				  SAFETY_DELAY_MAX_S, "0s to 10m",
				  &s->alarm_delay_s);
	if (r == 0)
		r = load_flow_percents(ld, g, &s->no_flow_percent,
				       &s->low_flow_percent, &s->high_flow_percent);
	if (r == 0)
		r = read_double(ld, g, "leak_lpm", false, 0, true, FLOW_LPM_MAX,
				&s->leak_lpm);
	if (r == 0)
		r = read_double(ld, g, "max_flow_lpm", false, 0, true,
				MAX_FLOW_LPM_MAX, &s->max_flow_lpm);
	/* At or below the leak threshold, every run would be a burst pipe. */
	if (r == 0 && s->max_flow_lpm <= s->leak_lpm)
		return fail(ld, config_setting_get_member(g, "max_flow_lpm") ?
			    config_setting_get_member(g, "max_flow_lpm") :
			    config_setting_get_member(g, "leak_lpm"),
			    "max_flow_lpm (%g) must be more than leak_lpm (%g)",
			    s->max_flow_lpm, s->leak_lpm);
	if (r == 0)
		r = read_double(ld, g, "daily_cap_litres", false, 0, false,
				DAILY_CAP_MAX, &s->daily_cap_litres);
	if (r == 0)
		r = read_duration(ld, g, "min_switch_interval", false, 0,
				  MIN_SWITCH_MAX_S, "0s to 1m",
				  &s->min_switch_interval_s);
	return r;
}

static int load_zones(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *list;
	int r;

	r = get_list(ld, root, "zones", true, CONFIG_MAX_ZONES, "zones",
		     &list);
	if (r < 0)
		return r;
	if (!list_length(list))
		return fail(ld, list, "at least one zone is required");
	for (size_t i = 0; i < list_length(list); i++) {
		const config_setting_t *g = elem(list, i), *name_s, *valve;
		struct config_zone *z = &ld->cfg.zones[i];
		int dup;

		r = open_group(ld, g, zone_keys);
		if (r == 0)
			r = read_name(ld, g, z->name, &name_s);
		if (r < 0)
			return r;
		/* The faults file writes the garden's own faults as "-". */
		if (!strcmp(z->name, "-"))
			return fail(ld, name_s, "\"-\" is no zone name: use a "
				    "letter or a digit");
		if (reads_as_duration(z->name))
			return fail(ld, name_s, "\"%s\" reads as a number or a "
				    "duration, so \"irrigctl water %s 5\" would "
				    "be ambiguous: start the name with a letter, "
				    "such as \"zone%s\"", z->name, z->name,
				    z->name);
		dup = config_find_zone(&ld->cfg, z->name);
		if (dup >= 0)
			return fail(ld, name_s, "\"%s\" is already the name of "
				    "zones.[%d]", z->name, dup);
		r = get_member(ld, g, "valve", true, &valve);
		if (r == 0)
			r = load_pin(ld, valve, valve_keys, false, &z->valve);
		/* Left out (or 0), the zone's flow is learned from its runs. */
		z->flow_lpm = 0.0;
		if (r == 0)
			r = read_double(ld, g, "flow_lpm", false, 0, false,
					FLOW_LPM_MAX, &z->flow_lpm);
		/* Its every run would close on the garden's ceiling. */
		if (r == 0 && z->flow_lpm >= ld->cfg.safety.max_flow_lpm)
			return fail(ld, config_setting_get_member(g, "flow_lpm"),
				    "must be below safety.max_flow_lpm (%g): raise "
				    "that if the zone draws this much",
				    ld->cfg.safety.max_flow_lpm);
		z->max_run_s = 3600;
		if (r == 0)
			r = read_duration(ld, g, "max_run", false, 1, 24 * 3600,
					  "1s to 24h", &z->max_run_s);
		if (r == 0)
			r = load_moisture_rules(ld, g, z);
		z->no_flow_percent = ld->cfg.safety.no_flow_percent;
		z->low_flow_percent = ld->cfg.safety.low_flow_percent;
		z->high_flow_percent = ld->cfg.safety.high_flow_percent;
		z->daily_cap_litres = 0.0;
		if (r == 0)
			r = load_flow_percents(ld, g, &z->no_flow_percent,
					       &z->low_flow_percent,
					       &z->high_flow_percent);
		if (r == 0)
			r = read_double(ld, g, "daily_cap_litres", false, 0, false,
					DAILY_CAP_MAX, &z->daily_cap_litres);
		if (r < 0)
			return r;
		ld->cfg.n_zones++;
	}
	return 0;
}

/*
 * A sensor's driver = "..." (sensor.h's table; an ADC channel by
 * default) and what that driver reads: adc and channel, or a device.
 */
static int load_sensor_driver(struct loader *ld, const config_setting_t *g,
			      bool temperature, struct config_analog *in)
{
	const config_setting_t *s = NULL;
	const char *name = sensor_ads1x15.name, *device;
	char names[128];
	size_t len;
	int r;

	r = read_string(ld, g, "driver", false, &name, &s);
	if (r < 0)
		return r;
	in->driver = sensor_driver_find(name);
	if (!in->driver) {
		sensor_driver_names(names, sizeof(names));
		return fail(ld, s, "must be %s", names);
	}
	if (in->driver->measures == SENSOR_CELSIUS && !temperature)
		return fail(ld, s, "\"%s\" measures temperature: soil and light "
			    "sensors are read in volts", name);
	if (in->driver->on_adc) {
		if (config_setting_get_member(g, "device"))
			return fail(ld, config_setting_get_member(g, "device"),
				    "only for a sensor off the ADCs (driver)");
		return 0;
	}
	if (config_setting_get_member(g, "adc") ||
	    config_setting_get_member(g, "channel"))
		return fail(ld, g, "adc and channel are for a sensor on an ADC, "
			    "not driver \"%s\": it is found by its device", name);
	in->adc = -1;
	r = read_string(ld, g, "device", true, &device, &s);
	if (r < 0)
		return r;
	len = strlen(device);
	if (!len || len >= CONFIG_NAME_MAX ||
	    strspn(device, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			   "0123456789_-.") != len || device[0] == '.')
		return fail(ld, s, "\"%s\" is not a device name, like "
			    "\"28-0316a2794bff\"", device);
	memcpy(in->device, device, len + 1);
	return 1;
}

/* Reads adc and channel from a sensor group and claims the channel. */
static int load_analog(struct loader *ld, const config_setting_t *g,
		       bool temperature, struct config_analog *in)
{
	const config_setting_t **use;
	char by[SETTING_PATH_MAX];
	long long address, channel;
	int r;

	r = load_sensor_driver(ld, g, temperature, in);
	if (r != 0)
		return r < 0 ? r : 0;
	r = read_int(ld, g, "adc", true, 0, I2C_ADDR_LIMIT, true, &address);
	if (r < 0)
		return r;
	in->adc = find_adc(&ld->cfg, address);
	if (in->adc < 0)
		return fail(ld, config_setting_get_member(g, "adc"),
			    "no adc at 0x%02llx in hardware.adcs", address);
	r = read_int(ld, g, "channel", true, 0, ADS1X15_CHANNELS - 1, false,
		     &channel);
	if (r < 0)
		return r;
	in->channel = (unsigned)channel;
	use = &ld->channels[in->adc][in->channel];
	if (*use) {
		setting_path(*use, by, sizeof(by));
		return fail(ld, config_setting_get_member(g, "channel"),
			    "adc 0x%02llx channel %u is already used by %s",
			    address, in->channel, by);
	}
	*use = g;
	return 0;
}

static int load_probe(struct loader *ld, const config_setting_t *g,
		      struct config_probe *p)
{
	const config_setting_t *name_s, *zone_s, *power;
	const char *zone;
	long long settle = 50;
	int r;

	r = open_group(ld, g, soil_keys);
	if (r == 0)
		r = read_name(ld, g, p->name, &name_s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ld->cfg.n_probes; i++)
		if (!strcmp(ld->cfg.probes[i].name, p->name))
			return fail(ld, name_s, "\"%s\" is already the name of "
				    "sensors.soil.[%zu]", p->name, i);
	r = load_analog(ld, g, false, &p->input);
	if (r == 0)
		r = read_string(ld, g, "zone", true, &zone, &zone_s);
	if (r < 0)
		return r;
	p->zone = config_find_zone(&ld->cfg, zone);
	if (p->zone < 0)
		return fail(ld, zone_s, "no zone called \"%s\" in zones", zone);
	r = read_double(ld, g, "dry_volts", true, 0, false, VOLTS_MAX,
			&p->dry_volts);
	if (r == 0)
		r = read_double(ld, g, "wet_volts", true, 0, false, VOLTS_MAX,
				&p->wet_volts);
	if (r < 0)
		return r;
	/* Equal ends would make the moisture scale divide by zero. */
	if (p->dry_volts == p->wet_volts)
		return fail(ld, config_setting_get_member(g, "wet_volts"),
			    "must differ from dry_volts");
	p->min_volts = PROBE_MIN_VOLTS;
	p->max_volts = PROBE_MAX_VOLTS;
	r = read_double(ld, g, "min_volts", false, 0, false, VOLTS_MAX,
			&p->min_volts);
	if (r == 0)
		r = read_double(ld, g, "max_volts", false, 0, false, VOLTS_MAX,
				&p->max_volts);
	if (r < 0)
		return r;
	/* A calibration the probe can never read would fail it for good. */
	if (fmin(p->dry_volts, p->wet_volts) < p->min_volts ||
	    fmax(p->dry_volts, p->wet_volts) > p->max_volts)
		return fail(ld, g, "dry_volts and wet_volts must lie within "
			    "min_volts (%g) and max_volts (%g): outside them a "
			    "reading means the probe failed", p->min_volts,
			    p->max_volts);

	p->has_power = false;
	p->power_settle_ms = 50;
	get_member(ld, g, "power", false, &power);
	if (!power)
		return 0;
	r = load_pin(ld, power, power_keys, true, &p->power);
	if (r == 0)
		r = read_int(ld, power, "settle_ms", false, 0, SETTLE_MS_MAX,
			     false, &settle);
	if (r < 0)
		return r;
	p->has_power = true;
	p->power_settle_ms = (unsigned)settle;
	return 0;
}

static int load_light(struct loader *ld, const config_setting_t *sensors)
{
	struct config_light *l = &ld->cfg.light;
	const config_setting_t *g;
	int r;

	get_member(ld, sensors, "light", false, &g);
	if (!g)
		return 0;
	/* A light-dependent resistor divider on the Pi's 3.3 V rail. */
	l->dark_volts = 0.0;
	l->bright_volts = 3.3;
	r = open_group(ld, g, light_keys);
	if (r == 0)
		r = load_analog(ld, g, false, &l->input);
	if (r == 0)
		r = read_double(ld, g, "dark_volts", false, 0, false, VOLTS_MAX,
				&l->dark_volts);
	if (r == 0)
		r = read_double(ld, g, "bright_volts", false, 0, false,
				VOLTS_MAX, &l->bright_volts);
	if (r < 0)
		return r;
	/* Equal ends would make the light scale divide by zero. */
	if (l->dark_volts == l->bright_volts) {
		const config_setting_t *s;

		s = config_setting_get_member(g, "bright_volts");
		if (s)
			return fail(ld, s, "must differ from dark_volts");
		return fail(ld, config_setting_get_member(g, "dark_volts"),
			    "must differ from bright_volts (default 3.3)");
	}
	l->present = true;
	return 0;
}

static int load_temperature(struct loader *ld, const config_setting_t *sensors)
{
	struct config_temperature *t = &ld->cfg.temperature;
	const config_setting_t *g, *conv_s = NULL, *unit_s = NULL;
	const char *conv = "tmp36", *unit = "C";
	bool linear;
	int r;

	get_member(ld, sensors, "temperature", false, &g);
	if (!g)
		return 0;
	r = open_group(ld, g, temperature_keys);
	if (r == 0)
		r = load_analog(ld, g, true, &t->input);
	if (r == 0)
		r = read_string(ld, g, "conversion", false, &conv, &conv_s);
	if (r < 0)
		return r;
	/* A thermometer gives degrees: there are no volts to convert. */
	if (!sensor_driver_of(&t->input)->on_adc && conv_s)
		return fail(ld, conv_s, "only for a sensor on an ADC");
	if (!strcmp(conv, "tmp36"))
		t->conversion = TEMP_TMP36;
	else if (!strcmp(conv, "lm35"))
		t->conversion = TEMP_LM35;
	else if (!strcmp(conv, "linear"))
		t->conversion = TEMP_LINEAR;
	else
		return fail(ld, conv_s,
			    "must be \"tmp36\", \"lm35\" or \"linear\"");

	linear = t->conversion == TEMP_LINEAR;
	t->scale = 0;
	t->offset = 0;
	if (!linear) {
		const config_setting_t *s;

		s = config_setting_get_member(g, "scale");
		if (!s)
			s = config_setting_get_member(g, "offset");
		if (s)
			return fail(ld, s, "only used with conversion = "
				    "\"linear\"");
	} else {
		r = read_double(ld, g, "scale", true, -INFINITY, false,
				INFINITY, &t->scale);
		if (r == 0)
			r = read_double(ld, g, "offset", true, -INFINITY,
					false, INFINITY, &t->offset);
		if (r < 0)
			return r;
		if (t->scale == 0)
			return fail(ld, config_setting_get_member(g, "scale"),
				    "must not be 0");
	}

	r = read_string(ld, g, "unit", false, &unit, &unit_s);
	if (r < 0)
		return r;
	if (strcmp(unit, "C") && strcmp(unit, "F"))
		return fail(ld, unit_s, "must be \"C\" or \"F\"");
	t->unit = unit[0];
	/* In the sensor's unit; from -60 to 60 °C, what air may be. */
	t->has_freeze_below = config_setting_get_member(g, "freeze_below") != NULL;
	t->freeze_below = 0;
	r = t->unit == 'F' ?
		read_double(ld, g, "freeze_below", false, -76, false, 140,
			    &t->freeze_below) :
		read_double(ld, g, "freeze_below", false, -60, false, 60,
			    &t->freeze_below);
	if (r < 0)
		return r;
	t->present = true;
	return 0;
}

static int load_sensors(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *sensors, *soil;
	int r;

	get_member(ld, root, "sensors", false, &sensors);
	if (!sensors)
		return 0;
	r = open_group(ld, sensors, sensors_keys);
	if (r == 0)
		r = get_list(ld, sensors, "soil", false, CONFIG_MAX_PROBES,
			     "soil probes", &soil);
	for (size_t i = 0; r == 0 && i < list_length(soil); i++) {
		r = load_probe(ld, elem(soil, i), &ld->cfg.probes[i]);
		if (r == 0)
			ld->cfg.n_probes++;
	}
	if (r == 0)
		r = load_light(ld, sensors);
	if (r == 0)
		r = load_temperature(ld, sensors);
	return r;
}

/*
 * A moisture rule reads the average of the zone's probes, so a zone with
 * one needs at least one probe.
 */
static int check_moisture_probes(struct loader *ld,
				 const config_setting_t *root)
{
	const config_setting_t *zones = config_setting_get_member(root, "zones");

	for (size_t i = 0; i < ld->cfg.n_zones; i++) {
		const struct config_zone *z = &ld->cfg.zones[i];
		bool probed = false;

		if (!z->has_skip_above && !z->has_stop_at)
			continue;
		for (size_t p = 0; p < ld->cfg.n_probes; p++)
			if (ld->cfg.probes[p].zone == (int)i)
				probed = true;
		if (probed)
			continue;
		return fail(ld, config_setting_get_member(elem(zones, i),
				z->has_skip_above ? "skip_above" : "stop_at"),
			    "needs a soil probe in the zone: no sensors.soil "
			    "entry has zone = \"%s\"", z->name);
	}
	return 0;
}

static int load_master(struct loader *ld, const config_setting_t *root)
{
	struct config_master *m = &ld->cfg.master;
	const config_setting_t *g;
	int r;

	get_member(ld, root, "master", false, &g);
	if (!g)
		return 0;
	m->lead_s = 0;
	m->lag_s = 0;
	r = load_pin(ld, g, master_keys, false, &m->pin);
	if (r == 0)
		r = read_duration(ld, g, "lead", false, 0, MASTER_DELAY_MAX_S,
				  "0s to 10m", &m->lead_s);
	if (r == 0)
		r = read_duration(ld, g, "lag", false, 0, MASTER_DELAY_MAX_S,
				  "0s to 10m", &m->lag_s);
	if (r < 0)
		return r;
	m->present = true;
	return 0;
}

/* An array [ ... ] or a list ( ... ) of plain values. */
static bool is_sequence(const config_setting_t *s)
{
	return config_setting_is_array(s) || config_setting_is_list(s);
}

static int load_seasonal(struct loader *ld, const config_setting_t *root)
{
	struct schedule *sc = &ld->cfg.schedule;
	const config_setting_t *g, *monthly;
	long long n = 100;
	int r;

	/* Always: a zero percentage would scale every run to nothing. */
	sc->percent = 100;
	for (size_t i = 0; i < 12; i++)
		sc->monthly_percent[i] = 100;
	get_member(ld, root, "seasonal", false, &g);
	if (!g)
		return 0;
	r = open_group(ld, g, seasonal_keys);
	if (r == 0)
		r = read_int(ld, g, "percent", false, 0, PERCENT_MAX, false, &n);
	if (r < 0)
		return r;
	sc->percent = (unsigned)n;

	get_member(ld, g, "monthly", false, &monthly);
	if (!monthly)
		return 0;
	if (!is_sequence(monthly))
		return fail(ld, monthly, "must be a list of 12 percentages "
			    "[ ... ], January first, not %s",
			    type_name(monthly));
	if (config_setting_length(monthly) != 12)
		return fail(ld, monthly, "must hold 12 percentages, January "
			    "first, not %d", config_setting_length(monthly));
	for (size_t i = 0; i < 12; i++) {
		r = int_value(ld, elem(monthly, i), 0, PERCENT_MAX, false, &n);
		if (r < 0)
			return r;
		sc->monthly_percent[i] = (unsigned)n;
	}
	return 0;
}

/* "6:30" or "06:30", 00:00 to 23:59, into minutes after midnight. */
static bool parse_time_of_day(const char *t, unsigned *minutes)
{
	unsigned h = 0, m;
	size_t i = 0;

	while (i < 2 && isdigit((unsigned char)t[i]))
		h = h * 10 + (unsigned)(t[i++] - '0');
	if (!i || t[i] != ':')
		return false;
	t += i + 1;
	if (!isdigit((unsigned char)t[0]) || !isdigit((unsigned char)t[1]) ||
	    t[2])
		return false;
	m = (unsigned)(t[0] - '0') * 10 + (unsigned)(t[1] - '0');
	if (h > 23 || m > 59)
		return false;
	*minutes = h * 60 + m;
	return true;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "YYYY-MM-DD", a date that exists, from YEAR_MIN on. */
static bool parse_date(const char *t, struct local_date *d)
{
	static const int days_in[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int v[3] = { 0, 0, 0 };
	const int width[3] = { 4, 2, 2 };

	for (size_t f = 0; f < 3; f++) {
		for (int i = 0; i < width[f]; i++, t++) {
			if (!isdigit((unsigned char)*t))
				return false;
			v[f] = v[f] * 10 + (*t - '0');
		}
		if (*t != (f < 2 ? '-' : '\0'))
			return false;
		t++;
	}
	if (v[0] < YEAR_MIN || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > days_in[v[1] - 1] + (v[1] == 2 && leap_year(v[0])))
		return false;
	*d = (struct local_date){ v[0], v[1], v[2] };
	return true;
}

/* A program's start times. */
static int load_starts(struct loader *ld, const config_setting_t *g,
		       struct program *p)
{
	const config_setting_t *list;
	size_t n;
	int r;

	r = get_member(ld, g, "start", true, &list);
	if (r < 0)
		return r;
	if (!is_sequence(list))
		return fail(ld, list, "must be a list of times such as "
			    "[\"06:30\", \"19:00\"], not %s", type_name(list));
	n = (size_t)config_setting_length(list);
	if (!n)
		return fail(ld, list, "at least one start time is required");
	if (n > SCHEDULE_MAX_STARTS)
		return fail(ld, list, "at most %d start times are supported",
			    SCHEDULE_MAX_STARTS);
	p->n_starts = 0;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = elem(list, i);
		char by[SETTING_PATH_MAX];
		unsigned minutes;

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(ld, e, "must be a time in double quotes "
				    "such as \"06:30\", not %s", type_name(e));
		if (!parse_time_of_day(config_setting_get_string(e), &minutes))
			return fail(ld, e, "\"%s\" is not a time of day: write "
				    "it as HH:MM, 00:00 to 23:59",
				    config_setting_get_string(e));
		for (size_t j = 0; j < i; j++) {
			if (p->starts[j] != minutes)
				continue;
			setting_path(elem(list, j), by, sizeof(by));
			return fail(ld, e, "\"%s\" is the same time as %s",
				    config_setting_get_string(e), by);
		}
		p->starts[p->n_starts++] = (uint16_t)minutes;
	}
	return 0;
}

/* days = "daily", "odd", "even" or a list of weekday names. */
static int load_days(struct loader *ld, const config_setting_t *s,
		     struct day_rule *rule)
{
	static const char *const rules =
		"\"daily\", \"odd\", \"even\" or a list of days such as "
		"[\"mon\", \"thu\"]";
	size_t n;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *v = config_setting_get_string(s);

		if (!strcmp(v, "daily")) {
			rule->kind = DAYS_WEEKDAYS;
			rule->weekday_mask = ALL_WEEKDAYS;
		} else if (!strcmp(v, "odd")) {
			rule->kind = DAYS_ODD;
		} else if (!strcmp(v, "even")) {
			rule->kind = DAYS_EVEN;
		} else {
			return fail(ld, s, "\"%s\" is not a day rule: use %s",
				    v, rules);
		}
		return 0;
	}
	if (!is_sequence(s))
		return fail(ld, s, "must be %s, not %s", rules, type_name(s));
	n = (size_t)config_setting_length(s);
	if (!n)
		return fail(ld, s, "at least one day is required");
	rule->kind = DAYS_WEEKDAYS;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = elem(s, i);
		char by[SETTING_PATH_MAX] = "";
		const char *v;
		size_t d;

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(ld, e, "must be a day in double quotes "
				    "such as \"mon\", not %s", type_name(e));
		v = config_setting_get_string(e);
		for (d = 0; d < 7 && strcmp(weekdays[d], v); d++)
			;
		if (d == 7)
			return fail(ld, e, "\"%s\" is not a day: use mon, tue, "
				    "wed, thu, fri, sat or sun", v);
		if (rule->weekday_mask & (1u << d)) {
			for (size_t j = 0; j < i; j++)
				if (!strcmp(config_setting_get_string(
						elem(s, j)), v))
					setting_path(elem(s, j), by,
						     sizeof(by));
			return fail(ld, e, "\"%s\" is already given in %s", v,
				    by);
		}
		rule->weekday_mask |= (uint8_t)(1u << d);
	}
	return 0;
}

/*
 * Exactly one day rule: days, or every_days with anchor; neither means
 * daily.  Rules other than the interval keep interval_days 1 and no anchor.
 */
static int load_day_rule(struct loader *ld, const config_setting_t *g,
			 struct day_rule *rule)
{
	const config_setting_t *days_s, *every_s, *anchor_s;
	const char *anchor;
	long long n;
	int r;

	*rule = (struct day_rule){ .kind = DAYS_WEEKDAYS, .interval_days = 1 };
	days_s = config_setting_get_member(g, "days");
	every_s = config_setting_get_member(g, "every_days");
	anchor_s = config_setting_get_member(g, "anchor");
	if (days_s && every_s)
		return fail(ld, every_s, "cannot be used with days: give "
			    "either days or every_days and anchor");
	if (!every_s) {
		if (anchor_s)
			return fail(ld, anchor_s, "only used with every_days");
		if (!days_s) {
			rule->weekday_mask = ALL_WEEKDAYS;
			return 0;
		}
		return load_days(ld, days_s, rule);
	}
	r = read_int(ld, g, "every_days", true, 1, INTERVAL_DAYS_MAX, false,
		     &n);
	if (r < 0)
		return r;
	if (!anchor_s)
		return fail_missing(ld, g, "anchor", "required with every_days: "
				    "a date the program runs on, such as "
				    "\"2026-05-01\"");
	r = read_string(ld, g, "anchor", true, &anchor, NULL);
	if (r < 0)
		return r;
	if (!parse_date(anchor, &rule->anchor))
		return fail(ld, anchor_s, "\"%s\" is not a date: write it as "
			    "YYYY-MM-DD, such as \"2026-05-01\", from %d on",
			    anchor, YEAR_MIN);
	rule->kind = DAYS_INTERVAL;
	rule->interval_days = (unsigned)n;
	return 0;
}

/* A program's zones, in the order they water. */
static int load_steps(struct loader *ld, const config_setting_t *g,
		      struct program *p)
{
	const config_setting_t *list;
	int r;

	r = get_list(ld, g, "zones", true, SCHEDULE_MAX_STEPS,
		     "zones in one program", &list);
	if (r < 0)
		return r;
	if (!list_length(list))
		return fail(ld, list, "at least one zone is required");
	p->n_steps = 0;
	for (size_t i = 0; i < list_length(list); i++) {
		const config_setting_t *e = elem(list, i), *zone_s;
		const struct config_zone *z;
		char max[32], range[96];
		const char *zone;
		unsigned secs;
		size_t k = 0;
		int zi;

		r = open_group(ld, e, step_keys);
		if (r == 0)
			r = read_string(ld, e, "zone", true, &zone, &zone_s);
		if (r < 0)
			return r;
		zi = config_find_zone(&ld->cfg, zone);
		if (zi < 0)
			return fail(ld, zone_s, "no zone called \"%s\" in zones",
				    zone);
		z = &ld->cfg.zones[zi];
		/* "1h 30m" as the user would write it: "1h30m". */
		duration_format(z->max_run_s, max, sizeof(max));
		for (size_t j = 0; max[j]; j++)
			if (max[j] != ' ')
				max[k++] = max[j];
		max[k] = '\0';
		snprintf(range, sizeof(range), "1s to %s (the max_run of "
			 "zone \"%s\")", max, z->name);
		r = read_duration(ld, e, "duration", true, 1, z->max_run_s,
				  range, &secs);
		if (r < 0)
			return r;
		p->steps[p->n_steps++] = (struct program_step){ zi, secs };
	}
	return 0;
}

static int load_program(struct loader *ld, const config_setting_t *g,
			struct program *p)
{
	const config_setting_t *name_s;
	int r;

	r = open_group(ld, g, program_keys);
	if (r == 0)
		r = read_name(ld, g, p->name, &name_s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ld->cfg.schedule.n_programs; i++)
		if (!strcmp(ld->cfg.schedule.programs[i].name, p->name))
			return fail(ld, name_s, "\"%s\" is already the name of "
				    "programs.[%zu]", p->name, i);
	p->enabled = true;
	r = read_bool(ld, g, "enabled", &p->enabled);
	if (r == 0)
		r = load_starts(ld, g, p);
	if (r == 0)
		r = load_day_rule(ld, g, &p->days);
	if (r == 0)
		r = load_steps(ld, g, p);
	return r;
}

static int load_programs(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *list;
	int r;

	r = get_list(ld, root, "programs", false, SCHEDULE_MAX_PROGRAMS,
		     "programs", &list);
	for (size_t i = 0; r == 0 && i < list_length(list); i++) {
		r = load_program(ld, elem(list, i),
				 &ld->cfg.schedule.programs[i]);
		if (r == 0)
			ld->cfg.schedule.n_programs++;
	}
	return r;
}

static int load_root(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *socket_s, *volume_s = NULL;
	bool wait_for_sync = true;
	const char *socket = CONFIG_DEFAULT_SOCKET, *volume = "L";
	size_t len;
	int r;

	r = open_group(ld, root, root_keys);
	if (r == 0)
		r = load_hardware(ld, root);
	/* Before the zones: they take its alarm thresholds as defaults. */
	if (r == 0)
		r = load_safety(ld, root);
	if (r == 0)
		r = load_zones(ld, root);
	if (r == 0)
		r = load_sensors(ld, root);
	if (r == 0)
		r = check_moisture_probes(ld, root);
	if (r == 0)
		r = load_master(ld, root);
	if (r == 0)
		r = load_seasonal(ld, root);
	if (r == 0)
		r = load_programs(ld, root);
	ld->cfg.report_interval_s = 60;
	if (r == 0)
		r = read_duration(ld, root, "report_interval", false, 1, 3600,
				  "1s to 1h", &ld->cfg.report_interval_s);
	ld->cfg.sample_interval_s = 600;
	if (r == 0)
		r = read_duration(ld, root, "sample_interval", false, 10, 86400,
				  "10s to 24h", &ld->cfg.sample_interval_s);
	if (r == 0)
		r = read_string(ld, root, "socket", false, &socket, &socket_s);
	if (r == 0)
		r = read_bool(ld, root, "wait_for_clock_sync", &wait_for_sync);
	if (r == 0)
		r = read_string(ld, root, "volume_unit", false, &volume, &volume_s);
	if (r < 0)
		return r;
	if (strcmp(volume, "L") && strcmp(volume, "gal"))
		return fail(ld, volume_s, "must be \"L\" or \"gal\" (US gallons)");
	ld->cfg.gallons = !strcmp(volume, "gal");
	ld->cfg.ignore_clock_sync = !wait_for_sync;
	len = strlen(socket);
	if (!len || len >= sizeof(ld->cfg.socket_path))
		return fail(ld, socket_s, "must be a path of 1 to %zu "
			    "characters, the most a socket address holds",
			    sizeof(ld->cfg.socket_path) - 1);
	memcpy(ld->cfg.socket_path, socket, len + 1);
	return 0;
}

/* Far more than the biggest config irrigd can hold, comments and all. */
#define CONFIG_FILE_MAX (1024 * 1024)

/*
 * The line of the first @include, or 0.  libconfig opens what one names
 * unchecked and its scanner exit()s on a directory (a reload would kill
 * the daemon), so irrigd's config is one file.  libconfig heeds an
 * @include at the start of a line outside strings and comments; here a
 * line that starts with one is refused wherever it is.
 */
static unsigned include_line(const char *text, size_t len)
{
	unsigned line = 1;
	size_t i = 0;

	for (;;) {
		const char *nl;

		i += strspn(text + i, " \t");
		if (len - i >= 8 && memcmp(text + i, "@include", 8) == 0)
			return line;
		nl = memchr(text + i, '\n', len - i);
		if (!nl)
			return 0;
		i = (size_t)(nl - text) + 1;
		line++;
	}
}

/* All of f, NUL-terminated, so what is checked is what is parsed. */
static int read_text(FILE *f, char **text, size_t *len)
{
	size_t size = 0, got = 0;
	char *buf = NULL, *grown;

	do {
		if (size == CONFIG_FILE_MAX) {
			free(buf);
			return -EFBIG;
		}
		size = size ? size * 2 : 8192;
		if (size > CONFIG_FILE_MAX)
			size = CONFIG_FILE_MAX;
		grown = realloc(buf, size + 1);
		if (!grown) {
			free(buf);
			return -ENOMEM;
		}
		buf = grown;
		got += fread(buf + got, 1, size - got, f);
	} while (got == size);
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return 0;
}

/*
 * libconfig says only "syntax error", at the line where its parser gave up,
 * which for an unclosed string or brace is the end of the file.  When it
 * refuses a file, this reads the text again, as libconfig's scanner does
 * (strings, comments, groups, lists), for the first mistake people often
 * make, and the path of the setting it is in.
 */
#define SCAN_DEPTH 16

struct scan_level {
	char open;			/* '{' group, '(' list, '[' array; 0 root */
	unsigned line;			/* where it opened */
	int index;			/* in a list or array: the element */
	char setting[SETTING_PATH_MAX];	/* its path, "" for the root */
	char member[CONFIG_NAME_MAX];	/* the setting being written in it */
};

struct syntax_scan {
	struct scan_level levels[SCAN_DEPTH];
	int depth;
	bool too_deep;			/* nested past SCAN_DEPTH: no hints */
	unsigned line;
	char word[CONFIG_NAME_MAX];	/* a name, until '=' or ':' follows */
	/*
	 * 1: the last token was a group's '}' (closed is its path), 2: then a
	 * ',' in a group, on comma_line: a '{' now begins no setting.
	 */
	int after_group;
	unsigned comma_line;
	char closed[SETTING_PATH_MAX];
	/* The first mistake found, or line 0. */
	unsigned hint_line;
	char hint_setting[SETTING_PATH_MAX];
	const char *hint;
	/* The first setting named on want_line, for libconfig's own errors. */
	unsigned want_line;
	char want_setting[SETTING_PATH_MAX];
};

/* The path of the member being written at the innermost level. */
static void scan_path(const struct syntax_scan *sc, bool with_member,
		      char *buf, size_t size)
{
	const struct scan_level *l = &sc->levels[sc->depth];

	if (!with_member || !*l->member || l->open == '(' || l->open == '[')
		snprintf(buf, size, "%s", l->setting);
	else
		snprintf(buf, size, "%s%s%s", l->setting, *l->setting ? "." : "",
			 l->member);
}

static void scan_hint(struct syntax_scan *sc, unsigned line,
		      const char *setting, const char *hint)
{
	if (sc->hint_line)
		return;
	sc->hint_line = line;
	snprintf(sc->hint_setting, sizeof(sc->hint_setting), "%s", setting);
	sc->hint = hint;
}

static void scan_open(struct syntax_scan *sc, char open)
{
	struct scan_level *parent = &sc->levels[sc->depth], *l;
	char path[SETTING_PATH_MAX];

	if (parent->open == '[') {
		scan_path(sc, false, path, sizeof(path));
		scan_hint(sc, sc->line, path, "an array [ ... ] holds numbers, "
			  "strings or booleans: a list of groups is written in "
			  "parentheses, ( { ... }, { ... } )");
	}
	if (sc->depth + 1 == SCAN_DEPTH) {
		sc->too_deep = true;
		return;
	}
	if (parent->open == '(' || parent->open == '[')
		snprintf(path, sizeof(path), "%s%s[%d]", parent->setting,
			 *parent->setting ? "." : "", parent->index);
	else
		snprintf(path, sizeof(path), "%s%s%s", parent->setting,
			 *parent->setting ? "." : "", parent->member);
	l = &sc->levels[++sc->depth];
	memset(l, 0, sizeof(*l));
	l->open = open;
	l->line = sc->line;
	memcpy(l->setting, path, sizeof(l->setting));
}

/* What a byte outside strings and comments that libconfig refuses is. */
static const char *odd_byte(const unsigned char *p)
{
	if (p[0] == '\'')
		return "strings are written in straight double quotes \"...\", "
			"not single quotes";
	if (p[0] == 0xE2 && p[1] == 0x80 &&
	    (p[2] == 0x98 || p[2] == 0x99 || p[2] == 0x9C || p[2] == 0x9D ||
	     p[2] == 0x9E))
		return "a typographic quote (as a word processor writes them): "
			"strings are written in straight double quotes \"...\"";
	if (p[0] == 0xC2 && p[1] == 0xA0)
		return "a non-breaking space: use a plain space";
	if (p[0] >= 0x80)
		return "a character outside ASCII, which is only allowed in "
			"strings and comments";
	return NULL;
}

static void scan_text(struct syntax_scan *sc, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;

	sc->line = 1;
	if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		scan_hint(sc, 1, "", "the file starts with a UTF-8 byte order "
			  "mark (BOM), which libconfig cannot read: save it "
			  "as UTF-8 without a BOM");
	while (*p && !sc->hint_line && !sc->too_deep) {
		struct scan_level *l = &sc->levels[sc->depth];
		char path[SETTING_PATH_MAX];
		const char *odd;
		size_t n;

		if (*p == '\n') {
			sc->line++;
			p++;
		} else if (isspace(*p)) {
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			p += strcspn((const char *)p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			unsigned from = sc->line;

			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				sc->line += *p == '\n';
			if (!*p)
				scan_hint(sc, from, "", "this comment /* is not "
					  "closed with */");
			else
				p += 2;
		} else if (*p == '"') {
			unsigned from = sc->line;

			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				sc->line += *p == '\n';
			}
			scan_path(sc, true, path, sizeof(path));
			if (!*p || sc->line != from)
				scan_hint(sc, from, path, "this string is not closed "
					  "on its line: a closing \" is missing");
			else
				p++;
			sc->after_group = 0;
		} else if (isalpha(*p) || *p == '*') {
			n = strspn((const char *)p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "abcdefghijklmnopqrstuvwxyz0123456789-_*");
			snprintf(sc->word, sizeof(sc->word), "%.*s", (int)n, p);
			p += n;
			sc->after_group = 0;
		} else if (*p == '=' || *p == ':') {
			if (*sc->word) {
				snprintf(l->member, sizeof(l->member), "%s",
					 sc->word);
				if (sc->line == sc->want_line &&
				    !*sc->want_setting)
					scan_path(sc, true, sc->want_setting,
						  sizeof(sc->want_setting));
			}
			*sc->word = '\0';
			p++;
		} else if (*p == '{' || *p == '(' || *p == '[') {
			if (*p == '{' && sc->after_group == 2)
				scan_hint(sc, sc->comma_line, sc->closed, "groups "
					  "separated by commas are a list, written "
					  "in parentheses: ( { ... }, { ... } )");
			scan_open(sc, (char)*p++);
			sc->after_group = 0;
		} else if (*p == '}' || *p == ')' || *p == ']') {
			sc->after_group = *p == '}' && sc->depth > 0;
			if (sc->after_group)
				snprintf(sc->closed, sizeof(sc->closed), "%s",
					 l->setting);
			if (sc->depth > 0)
				sc->depth--;
			p++;
		} else if (*p == ',') {
			/* A ',' may end a setting in a group, as ';' does. */
			if (sc->after_group == 1 && l->open != '(' && l->open != '[') {
				sc->after_group = 2;
				sc->comma_line = sc->line;
			} else {
				sc->after_group = 0;
			}
			l->index++;
			p++;
		} else if ((odd = odd_byte(p)) != NULL) {
			scan_path(sc, true, path, sizeof(path));
			scan_hint(sc, sc->line, path, odd);
		} else {
			sc->after_group = 0;
			*sc->word = '\0';
			p++;
		}
	}
	if (sc->too_deep) {
		sc->hint_line = 0;
		return;
	}
	if (!sc->hint_line && sc->depth > 0) {
		const struct scan_level *l = &sc->levels[sc->depth];

		scan_hint(sc, l->line, l->setting, l->open == '{' ?
			  "this group { is not closed with }" :
			  l->open == '(' ? "this list ( is not closed with )" :
			  "this array [ is not closed with ]");
	}
}

/* A message about the file as a whole, where vfail() has no setting. */
static void file_error(struct loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void file_error(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	if (!ld->err || !ld->err_size)
		return;
	va_start(ap, fmt);
	vsnprintf(ld->err, ld->err_size, fmt, ap);
	va_end(ap);
}

/*
 * libconfig's message for a file it refused, with the setting and a hint
 * where the text shows them: a mistake found before the line libconfig
 * stopped at is the one to fix.
 */
static void syntax_message(struct loader *ld, const config_t *lc,
			   const char *text)
{
	const char *what = config_error_text(lc) ? config_error_text(lc)
						 : "cannot be read";
	unsigned line = (unsigned)config_error_line(lc);
	struct syntax_scan sc;

	memset(&sc, 0, sizeof(sc));
	sc.want_line = line;
	scan_text(&sc, text);
	if (sc.hint_line && sc.hint_line <= line)
		file_error(ld, "%s:%u: %s%s%s", ld->path, sc.hint_line,
			   sc.hint_setting, *sc.hint_setting ? ": " : "",
			   sc.hint);
	else if (strstr(what, "duplicate"))
		file_error(ld, "%s:%u: %s%s%s (a setting may appear only once "
			   "in its group)", ld->path, line, sc.want_setting,
			   *sc.want_setting ? ": " : "", what);
	else
		file_error(ld, "%s:%u: %s%s%s", ld->path, line, sc.want_setting,
			   *sc.want_setting ? ": " : "", what);
}

/* Nothing but blanks (an empty file), or nothing but comments too. */
static int empty_message(struct loader *ld, const char *text)
{
	file_error(ld, "%s: %s", ld->path, text[strspn(text, " \t\r\n\f\v")] ?
		   "the file holds no settings, only comments" :
		   "the file is empty");
	return -EINVAL;
}

/* Opens path ourselves so that a missing file reports the real errno. */
static int read_file(struct loader *ld, config_t *lc)
{
	const char *nul, *problem = NULL;
	char *text = NULL;
	struct stat st;
	unsigned line;
	size_t len = 0;
	FILE *f;
	int r = 0;

	f = fopen(ld->path, "re");
	if (!f)
		r = -errno;
	else if (fstat(fileno(f), &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		/* libconfig's scanner exit()s on a directory. */
		r = -EISDIR;
	else
		r = read_text(f, &text, &len);
	if (f)
		fclose(f);
	if (r == -EFBIG) {
		file_error(ld, "%s: larger than 1 MiB (%d bytes), the most "
			   "irrigd reads: is it the configuration file?",
			   ld->path, CONFIG_FILE_MAX);
		return r;
	}
	if (r < 0) {
		if (ld->err && ld->err_size)
			snprintf(ld->err, ld->err_size, "%s: %s", ld->path,
				 strerror(-r));
		return r;
	}
	/* libconfig would read a string only up to a NUL. */
	nul = memchr(text, '\0', len);
	if (nul) {
		line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		problem = "a NUL byte: this is not a text file";
	} else if ((line = include_line(text, len)) != 0) {
		problem = "@include is not supported: the configuration is one file";
	}
	if (problem) {
		if (ld->err && ld->err_size)
			snprintf(ld->err, ld->err_size, "%s:%u: %s", ld->path, line,
				 problem);
		free(text);
		return -EINVAL;
	}
	if (!config_read_string(lc, text)) {
		r = -EINVAL;
		syntax_message(ld, lc, text);
	} else if (config_setting_length(config_root_setting(lc)) == 0) {
		r = empty_message(ld, text);
	}
	free(text);
	return r;
}

int config_load(const char *path, struct config *out, char *err,
		size_t err_size)
{
	struct loader *ld;
	config_t lc;
	int r;

	if (err && err_size)
		err[0] = '\0';
	if (!path || !out) {
		if (err && err_size)
			snprintf(err, err_size, "no configuration file given");
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(out->path)) {
		if (err && err_size)
			snprintf(err, err_size, "%.64s...: %s", path,
				 strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	/* On the heap: with its lookup tables it is several kilobytes. */
	ld = calloc(1, sizeof(*ld));
	if (!ld) {
		if (err && err_size)
			snprintf(err, err_size, "%s: %s", path,
				 strerror(ENOMEM));
		return -ENOMEM;
	}
	ld->path = path;
	ld->err = err;
	ld->err_size = err_size;

	config_init(&lc);
	r = read_file(ld, &lc);
	if (r == 0)
		r = load_root(ld, config_root_setting(&lc));
	config_destroy(&lc);
	if (r == 0) {
		snprintf(ld->cfg.path, sizeof(ld->cfg.path), "%s", path);
		*out = ld->cfg;
	}
	free(ld);
	return r;
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
