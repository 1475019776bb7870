/* sim backend: a garden model wired to the chip models as its layout says. */
#include "hw/garden.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/calib.h"
#include "core/nsec.h"
#include "hw/sim.h"
#include "hw/sim_flow.h"

/* Soaked soil tends to this, dry soil to the floor. */
#define MOISTURE_WET 92.0
#define MOISTURE_FLOOR 5.0
/* Time constants: a probe wets over minutes and dries over days. */
#define WETTING_TAU_S 420.0
#define DRYING_TAU_S (3.0 * 86400.0)

struct garden;

struct garden_expander {
	struct garden *garden;
	struct sim_mcp23008 *chip;
	uint8_t address;
	uint8_t driven, levels;
	uint8_t stuck;		/* injected: OLAT bits that ignore writes */
};

struct garden_adc {
	struct garden *garden;
	int index;
	struct sim_ads1x15 *chip;
};

/* A valve or master on a Pi GPIO line, as the sim drives it. */
struct garden_line {
	struct gpio_output output;
	struct garden *garden;
	struct garden_gpio_line line;
	bool level;
};

#define GARDEN_LINES (GARDEN_MAX_ZONES + 1)

struct garden {
	struct garden_layout layout;
	struct sim_bus *bus;
	struct sim_flow *flow;
	struct garden_expander expanders[GARDEN_MAX_EXPANDERS];
	/* Chips the layout does not name, kept from an earlier run. */
	struct garden_expander extra[GARDEN_MAX_EXPANDERS];
	int chips_fd;			/* garden_keep_expanders' file, or -1 */
	struct garden_adc adcs[GARDEN_MAX_ADCS];
	struct garden_line *lines[GARDEN_LINES];
	size_t n_lines;
	/*
	 * The physical valves, by wiring: a reload renumbers zones, the pipes
	 * stay where they are.  A valve seen once stays known.
	 */
	struct garden_valve {
		struct garden_pin pin;
		double flow_lpm;
		bool open;
		unsigned opens;
	} valves[GARDEN_MAX_ZONES * 2];
	size_t n_valves;
	double moisture[GARDEN_MAX_PROBES];
	double litres;
	double flow_lpm;	/* what runs through the meter now */
	uint64_t updated_ns;
	uint32_t noise_state;
	/* Injected faults; the bus and the chips hold theirs. */
	double i2c_error_rate;
	size_t edge_queue;		/* the meter's, as injected; 0 unbounded */
	double air_celsius;		/* injected; NAN: the day's curve */
	double flow_percent;
	double leak_lpm;
	enum garden_probe_fault probe_fault[GARDEN_MAX_PROBES];
	double probe_volts[GARDEN_MAX_PROBES];
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ns_of_timespec(&ts);
}

static bool same_line(const struct garden_gpio_line *a, const struct garden_gpio_line *b)
{
	if (*a->name || *b->name)
		return !strcmp(a->name, b->name);
	return !strcmp(a->chip, b->chip) && a->offset == b->offset;
}

#define GARDEN_GPIO_LINES 54	/* the BCM2835's GPIO0 to GPIO53 */

/* n from "<prefix>n", or -1. */
static int numbered(const char *text, const char *prefix)
{
	size_t len = strlen(prefix), digits;

	if (strncmp(text, prefix, len))
		return -1;
	digits = strspn(text + len, "0123456789");
	/* "GPIO017" is no line's name. */
	if (!digits || digits > 4 || text[len + digits] ||
	    (digits > 1 && text[len] == '0'))
		return -1;
	return atoi(text + len);
}

int garden_locate_line(const struct garden_gpio_line *line, char *chip, size_t size,
		       unsigned *offset)
{
	int n;

	if (*line->name) {
		n = numbered(line->name, "GPIO");
	} else {
		n = line->offset;
		if (numbered(line->chip, "gpiochip") != 0 &&
		    numbered(line->chip, "/dev/gpiochip") != 0 &&
		    strcmp(line->chip, "0"))
			n = -1;
	}
	if (n < 0 || n >= GARDEN_GPIO_LINES)
		return -ENOENT;
	snprintf(chip, size, "gpiochip0");
	*offset = (unsigned)n;
	return 0;
}

static bool pin_active(const struct garden *g, const struct garden_pin *pin)
{
	const struct garden_expander *e;
	uint8_t bit = (uint8_t)(1u << pin->pin);

	if (pin->on_gpio) {
		for (size_t i = 0; i < g->n_lines; i++)
			if (same_line(&g->lines[i]->line, &pin->line))
				return g->lines[i]->level != pin->active_low;
		return false;	/* a line nobody requested floats: off */
	}
	e = &g->expanders[pin->expander];

	if (!(e->driven & bit))
		return false;	/* a floating relay input leaves it off */
	return !!(e->levels & bit) != pin->active_low;
}

/*
 * Brings moisture and litres up to now; valves and faults are as they were
 * since.  Every change to either comes after an advance() to its moment,
 * then update_valves().
 */
static void advance(struct garden *g, uint64_t now)
{
	double dt = (double)(now - g->updated_ns) / 1e9;

	if (now <= g->updated_ns)
		return;
	/* What passed the meter: open valves' share and any leak. */
	g->litres += g->flow_lpm * dt / 60.0;
	for (size_t p = 0; p < g->layout.n_probes; p++) {
		double *m = &g->moisture[p];
		/* Probes differ in how fast water reaches them. */
		double tau = WETTING_TAU_S * (1.0 + 0.35 * (double)(p % 3));

		if (garden_zone_open(g, g->layout.probes[p].zone) &&
		    g->flow_percent > 0.0)
			*m += (MOISTURE_WET - *m) * (1.0 - exp(-dt / tau));
		else
			*m = MOISTURE_FLOOR + (*m - MOISTURE_FLOOR) *
				exp(-dt / DRYING_TAU_S);
	}
	g->updated_ns = now;
}

static bool same_pin(const struct garden_pin *a, const struct garden_pin *b)
{
	if (a->on_gpio != b->on_gpio)
		return false;
	if (a->on_gpio)
		return same_line(&a->line, &b->line);
	return a->expander == b->expander && a->pin == b->pin;
}

static struct garden_valve *valve_of(const struct garden *g,
				     const struct garden_pin *pin)
{
	for (size_t v = 0; v < g->n_valves; v++)
		if (same_pin(&g->valves[v].pin, pin))
			return (struct garden_valve *)&g->valves[v];
	return NULL;
}

/*
 * Water runs where valves are open, at the injected percent of their flow,
 * and through any leak; the meter pulses at the sum.
 */
static void update_valves(struct garden *g, uint64_t now)
{
	double lpm = 0.0;

	for (size_t z = 0; z < g->layout.n_zones; z++) {
		const struct garden_zone *zone = &g->layout.zones[z];
		struct garden_valve *v = valve_of(g, &zone->valve);

		if (!v && g->n_valves < sizeof(g->valves) / sizeof(g->valves[0])) {
			v = &g->valves[g->n_valves++];
			v->pin = zone->valve;
		}
		if (v)
			v->flow_lpm = zone->flow_lpm > 0.0 ? zone->flow_lpm :
				GARDEN_DEFAULT_FLOW_LPM;
	}
	for (size_t i = 0; i < g->n_valves; i++) {
		struct garden_valve *v = &g->valves[i];
		bool open = pin_active(g, &v->pin);

		if (open && !v->open)
			v->opens++;
		v->open = open;
		if (open)
			lpm += v->flow_lpm;
	}
	lpm = lpm * g->flow_percent / 100.0 + g->leak_lpm;
	/*
	 * Re-setting an unchanged rate would restart the meter's period and
	 * lose the part already run: probe power toggling every few ms
	 * would then stop the pulses altogether.
	 */
	if (lpm == g->flow_lpm)
		return;
	g->flow_lpm = lpm;
	sim_flow_set_rate(g->flow, lpm * g->layout.pulses_per_litre / 60.0,
			  now);
}

/* One line per address 0x20-0x27: "0x20 IODIR OLAT" in hex, or "-- --". */
#define CHIPS_LINE 11
#define CHIPS_TEXT (CHIPS_LINE * GARDEN_MAX_EXPANDERS)

static struct garden_expander *expander_at(struct garden *g, uint8_t address)
{
	for (size_t i = 0; i < GARDEN_MAX_EXPANDERS; i++) {
		if (g->expanders[i].chip && g->expanders[i].address == address)
			return &g->expanders[i];
		if (g->extra[i].chip && g->extra[i].address == address)
			return &g->extra[i];
	}
	return NULL;
}

/* One write at the same offset, so a process killed at any moment leaves it whole. */
static void save_chips(struct garden *g)
{
	char text[CHIPS_TEXT + 1];

	for (unsigned i = 0; i < GARDEN_MAX_EXPANDERS; i++) {
		const struct garden_expander *e = expander_at(g, (uint8_t)(0x20 + i));

		if (e)
			snprintf(text + i * CHIPS_LINE, CHIPS_LINE + 1, "0x%02x %02x %02x\n",
				 0x20 + i, sim_mcp23008_reg(e->chip, 0x00),
				 sim_mcp23008_reg(e->chip, 0x0a));
		else
			snprintf(text + i * CHIPS_LINE, CHIPS_LINE + 1, "0x%02x -- --\n",
				 0x20 + i);
	}
	if (pwrite(g->chips_fd, text, CHIPS_TEXT, 0) != CHIPS_TEXT)
		return;	/* a test's aid: its reader sees the old state */
}

static void pins_changed(void *ctx, uint8_t driven, uint8_t levels)
{
	struct garden_expander *e = ctx;
	struct garden *g = e->garden;
	uint64_t now = monotonic_ns();

	advance(g, now);
	e->driven = driven;
	e->levels = levels;
	update_valves(g, now);
	if (g->chips_fd >= 0)
		save_chips(g);
}

#define line_of(o) \
	((struct garden_line *)((char *)(o) - offsetof(struct garden_line, output)))

static int line_set(struct gpio_output *output, bool level)
{
	struct garden_line *l = line_of(output);
	uint64_t now = monotonic_ns();

	advance(l->garden, now);
	l->level = level;
	update_valves(l->garden, now);
	return 0;
}

static void line_destroy(struct gpio_output *output)
{
	struct garden_line *l = line_of(output);
	struct garden *g = l->garden;
	uint64_t now = monotonic_ns();

	advance(g, now);
	for (size_t i = 0; i < g->n_lines; i++) {
		if (g->lines[i] != l)
			continue;
		g->lines[i] = g->lines[--g->n_lines];
		break;
	}
	free(l);
	update_valves(g, now);
}

static const struct gpio_output_ops line_ops = {
	.set = line_set,
	.destroy = line_destroy,
};

int garden_gpio_output(struct garden *g, const struct garden_gpio_line *line,
		       bool level, struct gpio_output **out)
{
	struct garden_line *l;
	uint64_t now;

	for (size_t i = 0; i < g->n_lines; i++)
		if (same_line(&g->lines[i]->line, line))
			return -EBUSY;
	if (g->n_lines == GARDEN_LINES)
		return -ENOSPC;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->output.ops = &line_ops;
	l->garden = g;
	l->line = *line;
	l->level = level;
	now = monotonic_ns();
	advance(g, now);
	g->lines[g->n_lines++] = l;
	update_valves(g, now);
	*out = &l->output;
	return 0;
}

/* Small, repeatable reading noise, as real probes have. */
static double noise(struct garden *g, double span)
{
	g->noise_state = g->noise_state * 1103515245u + 12345u;
	return ((double)((g->noise_state >> 16) & 0x7fff) / 32767.0 - 0.5) * span;
}

static double hour_of_day(void)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_hour + tm.tm_min / 60.0 + tm.tm_sec / 3600.0;
}

static double light_volts(const struct garden_light *light)
{
	double h = hour_of_day(), level = 0.0;

	if (h > 6.0 && h < 20.0)
		level = sin(M_PI * (h - 6.0) / 14.0);
	return light->dark_volts + (light->bright_volts - light->dark_volts) * level;
}

static double temperature_volts(const struct garden_temperature *t,
				double injected)
{
	/* Coolest before dawn, warmest mid-afternoon. */
	double celsius = !isnan(injected) ? injected :
		15.0 + 7.0 * sin(2.0 * M_PI * (hour_of_day() - 9.0) / 24.0);

	switch (t->conversion) {
	case GARDEN_TMP36:
		return celsius / 100.0 + 0.5;
	case GARDEN_LM35:
		return celsius / 100.0;
	case GARDEN_TEMP_LINEAR:
		return t->scale != 0.0 ? (celsius - t->offset) / t->scale : 0.0;
	}
	return 0.0;
}

static bool wired_to(const struct garden_input *in, int adc, unsigned channel)
{
	return in->adc == adc && in->channel == channel;
}

static double adc_input(void *ctx, unsigned channel)
{
	struct garden_adc *a = ctx;
	struct garden *g = a->garden;
	const struct garden_layout *layout = &g->layout;

	advance(g, monotonic_ns());
	for (size_t p = 0; p < layout->n_probes; p++) {
		const struct garden_probe *probe = &layout->probes[p];

		if (!wired_to(&probe->input, a->index, channel))
			continue;
		if (g->probe_fault[p] == GARDEN_PROBE_DISCONNECTED)
			return 0.0;	/* the input floats to ground */
		if (g->probe_fault[p] == GARDEN_PROBE_STUCK)
			return g->probe_volts[p];
		if (probe->has_power && !pin_active(g, &probe->power))
			return 0.0;
		return probe->dry_volts + (probe->wet_volts - probe->dry_volts) *
			g->moisture[p] / 100.0 + noise(g, 0.01);
	}
	if (layout->light.present && wired_to(&layout->light.input, a->index, channel))
		return light_volts(&layout->light) + noise(g, 0.005);
	if (layout->temperature.present &&
	    wired_to(&layout->temperature.input, a->index, channel))
		return temperature_volts(&layout->temperature, g->air_celsius) +
		       noise(g, 0.001);
	return 0.0;	/* an unconnected input sits at ground */
}

static int build(struct garden *g)
{
	const struct garden_layout *layout = &g->layout;
	int err;

	g->bus = sim_bus_new();
	g->flow = sim_flow_new();
	if (!g->bus || !g->flow)
		return -ENOMEM;
	g->flow_percent = 100.0;
	for (size_t i = 0; i < layout->n_expanders; i++) {
		struct garden_expander *e = &g->expanders[i];

		e->garden = g;
		e->address = layout->expanders[i].address;
		e->chip = sim_mcp23008_new();
		if (!e->chip)
			return -ENOMEM;
		sim_mcp23008_on_pins(e->chip, pins_changed, e);
		err = sim_mcp23008_attach(e->chip, g->bus, layout->expanders[i].address);
		if (err < 0)
			return err;
	}
	for (size_t i = 0; i < layout->n_adcs; i++) {
		struct garden_adc *a = &g->adcs[i];

		a->garden = g;
		a->index = (int)i;
		a->chip = sim_ads1x15_new(layout->adcs[i].type, adc_input, a);
		if (!a->chip)
			return -ENOMEM;
		err = sim_ads1x15_attach(a->chip, g->bus, layout->adcs[i].address);
		if (err < 0)
			return err;
	}
	/* Gardens differ: start each probe somewhere between dry and moist. */
	for (size_t p = 0; p < layout->n_probes; p++)
		g->moisture[p] = 24.0 + (double)((p * 7) % 5) * 3.5;
	g->updated_ns = monotonic_ns();
	g->noise_state = 12345u;
	return 0;
}

struct garden *garden_new(const struct garden_layout *layout)
{
	struct garden *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return NULL;
	g->layout = *layout;
	g->chips_fd = -1;
	g->air_celsius = NAN;
	err = build(g);
	if (err < 0) {
		garden_free(g);
		errno = -err;
		return NULL;
	}
	return g;
}

void garden_rewire(struct garden *g, const struct garden_layout *layout)
{
	uint64_t now = monotonic_ns();

	advance(g, now);
	g->layout = *layout;
	update_valves(g, now);
}

void garden_free(struct garden *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < GARDEN_MAX_EXPANDERS; i++) {
		sim_mcp23008_free(g->expanders[i].chip);
		sim_mcp23008_free(g->extra[i].chip);
	}
	if (g->chips_fd >= 0)
		close(g->chips_fd);
	for (size_t i = 0; i < GARDEN_MAX_ADCS; i++)
		sim_ads1x15_free(g->adcs[i].chip);
	if (g->bus)
		i2c_bus_destroy(sim_bus_i2c(g->bus));
	sim_flow_free(g->flow);
	free(g);
}

static int hex_byte(const char *p)
{
	int v = 0;

	for (int i = 0; i < 2; i++) {
		char c = p[i];

		if (c >= '0' && c <= '9')
			v = v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (c - 'a' + 10);
		else
			return -1;
	}
	return v;
}

/* A chip listed in the file: where the layout has none, one is added. */
static int restore_chip(struct garden *g, uint8_t address, uint8_t iodir,
			uint8_t olat)
{
	struct garden_expander *e = expander_at(g, address);
	int err;

	if (!e) {
		e = &g->extra[address - 0x20];
		e->garden = g;
		e->address = address;
		e->chip = sim_mcp23008_new();
		if (!e->chip)
			return -ENOMEM;
		sim_mcp23008_on_pins(e->chip, pins_changed, e);
		err = sim_mcp23008_attach(e->chip, g->bus, address);
		if (err < 0) {
			sim_mcp23008_free(e->chip);
			e->chip = NULL;
			return err;
		}
	}
	sim_mcp23008_restore(e->chip, iodir, olat);
	return 0;
}

int garden_keep_expanders(struct garden *g, const char *path)
{
	char text[CHIPS_TEXT];
	ssize_t got;
	int fd, err = 0;

	if (g->chips_fd >= 0)
		return -EBUSY;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	got = pread(fd, text, sizeof(text), 0);
	for (unsigned i = 0; got == CHIPS_TEXT && i < GARDEN_MAX_EXPANDERS; i++) {
		const char *line = text + i * CHIPS_LINE;
		int iodir = hex_byte(line + 5), olat = hex_byte(line + 8);

		/* An absent chip, or a line this did not write, leaves it as built. */
		if (iodir < 0 || olat < 0 || line[10] != '\n')
			continue;
		err = restore_chip(g, (uint8_t)(0x20 + i), (uint8_t)iodir,
				   (uint8_t)olat);
		if (err < 0)
			break;
	}
	if (err < 0) {
		close(fd);
		return err;
	}
	g->chips_fd = fd;
	save_chips(g);
	return 0;
}

struct i2c_bus *garden_i2c(struct garden *g)
{
	return sim_bus_i2c(g->bus);
}

struct gpio_input *garden_flow_input(struct garden *g)
{
	return sim_flow_input(g->flow);
}

bool garden_zone_open(const struct garden *g, int zone)
{
	const struct garden_valve *v;

	if (zone < 0 || (size_t)zone >= g->layout.n_zones)
		return false;
	v = valve_of(g, &g->layout.zones[zone].valve);
	return v && v->open;
}

unsigned garden_zone_opens(const struct garden *g, int zone)
{
	const struct garden_valve *v;

	if (zone < 0 || (size_t)zone >= g->layout.n_zones)
		return 0;
	v = valve_of(g, &g->layout.zones[zone].valve);
	return v ? v->opens : 0;
}

double garden_litres(struct garden *g)
{
	advance(g, monotonic_ns());
	return g->litres;
}

double garden_moisture(struct garden *g, int probe)
{
	if (probe < 0 || (size_t)probe >= g->layout.n_probes)
		return 0.0;
	advance(g, monotonic_ns());
	return g->moisture[probe];
}

/* ---- fault injection ---- */

int garden_inject_i2c_errors(struct garden *g, double rate)
{
	int r = sim_bus_set_error_rate(g->bus, rate);

	if (r == 0)
		g->i2c_error_rate = rate;
	return r;
}

int garden_inject_probe(struct garden *g, int probe, enum garden_probe_fault f,
			double volts)
{
	if (probe < 0 || (size_t)probe >= g->layout.n_probes ||
	    probe >= GARDEN_MAX_PROBES || !(volts >= 0.0 && volts <= 6.144))
		return -EINVAL;
	switch (f) {
	case GARDEN_PROBE_OK:
	case GARDEN_PROBE_DISCONNECTED:
		volts = 0.0;
		break;
	case GARDEN_PROBE_STUCK:
		break;
	default:
		return -EINVAL;
	}
	g->probe_fault[probe] = f;
	g->probe_volts[probe] = volts;
	return 0;
}

/* Changes the water that runs from now on; litres so far count as they ran. */
static void set_water(struct garden *g, double percent, double leak_lpm)
{
	uint64_t now = monotonic_ns();

	advance(g, now);
	g->flow_percent = percent;
	g->leak_lpm = leak_lpm;
	update_valves(g, now);
}

int garden_inject_flow_percent(struct garden *g, double percent)
{
	if (!(percent >= 0.0 && percent <= 1000.0))
		return -EINVAL;
	set_water(g, percent, g->leak_lpm);
	return 0;
}

int garden_inject_leak(struct garden *g, double lpm)
{
	if (!(lpm >= 0.0 && lpm <= 10000.0))
		return -EINVAL;
	set_water(g, g->flow_percent, lpm);
	return 0;
}

/* The expander of a valve on one, and its pin's bit; -1 when there is none. */
static int valve_expander(const struct garden *g, const struct garden_pin *pin,
			  uint8_t *bit)
{
	if (pin->on_gpio || pin->expander < 0 ||
	    (size_t)pin->expander >= g->layout.n_expanders ||
	    pin->expander >= GARDEN_MAX_EXPANDERS || pin->pin >= 8 ||
	    !g->expanders[pin->expander].chip)
		return -1;
	*bit = (uint8_t)(1u << pin->pin);
	return pin->expander;
}

int garden_inject_valve_stuck(struct garden *g, int zone, bool stuck)
{
	const struct garden_pin *pin;
	struct garden_expander *e;
	uint8_t bit = 0;
	int i;

	if (zone < 0 || (size_t)zone >= g->layout.n_zones)
		return -EINVAL;
	pin = &g->layout.zones[zone].valve;
	if (pin->on_gpio)
		return -ENOTSUP;
	i = valve_expander(g, pin, &bit);
	if (i < 0)
		return -EINVAL;
	e = &g->expanders[i];
	e->stuck = stuck ? e->stuck | bit : (uint8_t)(e->stuck & ~bit);
	sim_mcp23008_set_stuck(e->chip, e->stuck);
	return 0;
}

int garden_inject_temperature(struct garden *g, double celsius)
{
	if (!isnan(celsius) && !(celsius >= -60.0 && celsius <= 60.0))
		return -EINVAL;
	g->air_celsius = celsius;
	return 0;
}

int garden_inject_edge_queue(struct garden *g, size_t max)
{
	int err = sim_flow_set_queue(g->flow, max, monotonic_ns());

	if (err == 0)
		g->edge_queue = max;
	return err;
}

void garden_clear_faults(struct garden *g)
{
	sim_bus_set_error_rate(g->bus, 0.0);
	g->i2c_error_rate = 0.0;
	for (size_t p = 0; p < GARDEN_MAX_PROBES; p++) {
		g->probe_fault[p] = GARDEN_PROBE_OK;
		g->probe_volts[p] = 0.0;
	}
	set_water(g, 100.0, 0.0);
	garden_inject_edge_queue(g, 0);
	g->air_celsius = NAN;
	for (size_t i = 0; i < GARDEN_MAX_EXPANDERS; i++) {
		g->expanders[i].stuck = 0;
		if (g->expanders[i].chip)
			sim_mcp23008_set_stuck(g->expanders[i].chip, 0);
	}
}

void garden_get_faults(const struct garden *g, struct garden_faults *out)
{
	memset(out, 0, sizeof(*out));
	out->i2c_error_rate = g->i2c_error_rate;
	out->flow_percent = g->flow_percent;
	out->leak_lpm = g->leak_lpm;
	out->edge_queue = g->edge_queue;
	out->temperature = g->air_celsius;
	out->edges_made = sim_flow_edges(g->flow, monotonic_ns());
	out->edges_dropped = sim_flow_dropped(g->flow);
	for (size_t p = 0; p < GARDEN_MAX_PROBES; p++) {
		out->probe[p] = g->probe_fault[p];
		out->probe_volts[p] = g->probe_volts[p];
	}
	for (size_t z = 0; z < g->layout.n_zones && z < GARDEN_MAX_ZONES; z++) {
		uint8_t bit = 0;
		int i = valve_expander(g, &g->layout.zones[z].valve, &bit);

		out->valve_stuck[z] = i >= 0 && (g->expanders[i].stuck & bit);
	}
}
