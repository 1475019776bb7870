/* Loads the config's hardware section: the I2C bus, expanders, ADCs, GPIO lines and the flow meter. */
#include "config-parse.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The settings each group may hold (see root_keys in config.c). */
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

static int find_expander(const struct config *cfg, long long address)
{
	for (size_t i = 0; i < cfg->n_expanders; i++)
		if (cfg->expanders[i].address == address)
			return (int)i;
	return -1;
}

int find_adc(const struct config *cfg, long long address)
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
int claim_line(struct loader *ld, const config_setting_t *g,
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
int load_line(struct loader *ld, const config_setting_t *g,
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
int read_choice(struct loader *ld, const config_setting_t *g,
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

int load_hardware(struct loader *ld, const config_setting_t *root)
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
int load_pin(struct loader *ld, const config_setting_t *g,
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
