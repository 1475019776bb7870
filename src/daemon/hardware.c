/* The garden's hardware as the config wires it: valves, probes, meter, on either backend. */
#include "daemon/hardware.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calib.h"
#include "daemon/events.h"
#include "daemon/log.h"
#include "daemon/out.h"
#include "daemon/sim_garden.h"
#include "daemon/sensor.h"
#include "hw/ads1x15.h"
#include "hw/linux.h"
#include "hw/mcp23008.h"

struct hardware {
	const struct config *cfg;
	struct garden *garden;		/* sim backend only */
	struct i2c_bus *bus;		/* owned unless the garden owns it */
	struct gpio_input *flow_input;	/* likewise */
	struct gpio_input *rain_input;	/* linux backend, with a rain sensor */
	struct mcp23008 *expanders[CONFIG_MAX_EXPANDERS];
	/*
	 * Every valve and master output set up at start, by its wiring: a
	 * reload may renumber, rename or drop zones, and their outputs stay
	 * here (and are switched off with the rest).
	 */
	struct valve_output {
		struct config_pin pin;
		struct gpio_output *line;	/* on a Pi GPIO line */
	} outputs[CONFIG_MAX_ZONES + 1];
	size_t n_outputs;
	/* What the last run drove and could not be closed: kept in the record. */
	struct wiring unclosed;
	struct ads1x15 *adcs[CONFIG_MAX_ADCS];
	int adc_err[CONFIG_MAX_ADCS];	/* the last read's, to log changes once */
	unsigned power_cuts;		/* every hardware_all_off() */
	struct flowmeter *meter;
};

static struct gpio_line_spec line_spec(const struct config_line *line)
{
	struct gpio_line_spec spec = { line->name, line->chip, line->offset };

	return spec;
}

/* "GPIO17", or "gpiochip0 line 17", for messages. */
static const char *describe_line(const struct config_line *line, char *buf,
				 size_t size)
{
	if (*line->name)
		snprintf(buf, size, "%s", line->name);
	else
		snprintf(buf, size, "%s line %d", line->chip, line->offset);
	return buf;
}

/* Tests kill irrigd and start it again on the same simulated chips. */
static int keep_sim_expanders(struct garden *garden)
{
	const char *path = getenv("IRRIGD_SIM_CHIPS");
	int err;

	if (!path || !*path)
		return 0;
	err = garden_keep_expanders(garden, path);
	if (err < 0)
		return log_errno(LOG_ERR, err, "cannot keep the simulated chips in "
				 "%s (IRRIGD_SIM_CHIPS)", path);
	return 0;
}

/*
 * Plain Debian and Ubuntu leave the devices to root; the unit runs irrigd
 * in groups gpio and i2c, which the shipped udev rule gives them.
 */
#define GPIO_ACCESS_HINT " (irrigd may not open /dev/gpiochip*: they " \
	"should be group gpio, mode 0660, as udev rule 60-irrigd.rules, " \
	"installed with irrigd, makes them; see ls -l /dev/gpiochip*)"
#define I2C_ACCESS_HINT " (irrigd may not open it: /dev/i2c-* should be " \
	"group i2c, mode 0660, as udev rule 60-irrigd.rules, installed with " \
	"irrigd, makes them; see ls -l /dev/i2c-*)"

static int open_backend(struct hardware *hw, bool sim)
{
	const struct config *cfg = hw->cfg;
	struct gpio_line_spec spec;
	struct event ev;
	char name[80];
	int err;

	if (sim || cfg->backend == HW_BACKEND_SIM) {
		hw->garden = sim_garden_new(cfg);
		if (!hw->garden)
			return log_errno(LOG_ERR, -errno,
					 "cannot build the simulated garden");
		hw->bus = garden_i2c(hw->garden);
		hw->flow_input = garden_flow_input(hw->garden);
		return keep_sim_expanders(hw->garden);
	}
	err = linux_i2c_open(cfg->i2c_bus, &hw->bus);
	event_init(&ev, EV_FAULT);
	ev.priority = LOG_ERR;
	ev.fault = "i2c-bus";
	ev.err = err;
	if (err == -EOPNOTSUPP)
		return event_emit(&ev, "/dev/i2c-%u lacks SMBus byte and word "
				  "transfers", cfg->i2c_bus);
	if (err < 0)
		return event_emit(&ev, "cannot open /dev/i2c-%u%s", cfg->i2c_bus,
				       err == -EACCES ? I2C_ACCESS_HINT : "");
	spec = line_spec(&cfg->flow_meter.line);
	err = linux_gpio_edge_input(&spec, (enum gpio_edge)cfg->flow_meter.edge,
				    (enum gpio_bias)cfg->flow_meter.bias,
				    "irrigd flow", &hw->flow_input);
	ev.fault = "flow-meter";
	ev.err = err;
	if (err < 0)
		return event_emit(&ev, "cannot request GPIO line %s for the flow "
				       "meter%s", describe_line(&cfg->flow_meter.line,
								name, sizeof(name)),
				       err == -EACCES ? GPIO_ACCESS_HINT : "");
	if (!cfg->rain.present)
		return 0;
	/* Edges are not counted: the level is read; both keep the queue short. */
	spec = line_spec(&cfg->rain.line);
	err = linux_gpio_edge_input(&spec, GPIO_EDGE_BOTH,
				    (enum gpio_bias)cfg->rain.bias, "irrigd rain",
				    &hw->rain_input);
	ev.fault = "rain-sensor";
	ev.err = err;
	if (err < 0)
		return event_emit(&ev, "cannot request GPIO line %s for the rain "
				  "sensor%s", describe_line(&cfg->rain.line, name,
							    sizeof(name)),
				  err == -EACCES ? GPIO_ACCESS_HINT : "");
	return 0;
}

int hardware_rain_wet(struct hardware *hw, bool *wet)
{
	uint64_t stamps[16];
	int level;

	if (!hw->rain_input)
		return -ENODEV;
	/* Its edges only say that it changed: drained, then the level read. */
	while (gpio_input_read_edges(hw->rain_input, stamps, 16) == 16)
		;
	level = gpio_input_level(hw->rain_input);
	if (level < 0)
		return level;
	*wet = hw->cfg->rain.active_low ? level == 0 : level == 1;
	return 0;
}

/* How the config writes a line: line = "GPIO17", or chip and offset. */
static const char *written_line(const struct config_line *line, char *buf,
				size_t size)
{
	if (*line->name)
		snprintf(buf, size, "line = \"%s\"", line->name);
	else
		snprintf(buf, size, "chip = \"%s\"; offset = %d", line->chip,
			 line->offset);
	return buf;
}

struct located_line {
	char setting[48];		/* "zones.[15].valve" */
	const struct config_line *line;
	char chip[64];
	unsigned offset;
};

int hardware_check_lines(const struct config *cfg, bool sim, char *err,
			 size_t size)
{
	struct located_line found[CONFIG_MAX_ZONES + 3];
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_zones + 3; i++) {
		struct located_line *l = &found[n];
		struct gpio_line_spec spec;
		struct garden_gpio_line gl;
		char a[96], b[96];
		int r;

		if (i == 0) {
			snprintf(l->setting, sizeof(l->setting), "hardware.flow_meter");
			l->line = &cfg->flow_meter.line;
		} else if (i <= cfg->n_zones && cfg->zones[i - 1].valve.on_gpio) {
			snprintf(l->setting, sizeof(l->setting), "zones.[%zu].valve",
				 i - 1);
			l->line = &cfg->zones[i - 1].valve.line;
		} else if (i == cfg->n_zones + 1 && cfg->master.present &&
			   cfg->master.pin.on_gpio) {
			snprintf(l->setting, sizeof(l->setting), "master");
			l->line = &cfg->master.pin.line;
		} else if (i == cfg->n_zones + 2 && cfg->rain.present) {
			snprintf(l->setting, sizeof(l->setting), "sensors.rain");
			l->line = &cfg->rain.line;
		} else {
			continue;
		}
		spec = line_spec(l->line);
		gl = sim_garden_line(l->line);
		if (sim || cfg->backend == HW_BACKEND_SIM)
			r = garden_locate_line(&gl, l->chip, sizeof(l->chip),
					       &l->offset);
		else
			r = linux_gpio_locate(&spec, l->chip, sizeof(l->chip),
					      &l->offset);
		if (r < 0)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (strcmp(found[j].chip, l->chip) ||
			    found[j].offset != l->offset)
				continue;
			if (err && size)
				snprintf(err, size, "%s: %s (%s) is %s line %u, the "
					 "line of %s (%s): each GPIO line serves "
					 "one purpose", cfg->path, l->setting,
					 written_line(l->line, a, sizeof(a)),
					 l->chip, l->offset, found[j].setting,
					 written_line(found[j].line, b, sizeof(b)));
			return -EINVAL;
		}
		n++;
	}
	return 0;
}

/* An output at its inactive level from the first moment. */
static int setup_output(struct hardware *hw, const struct config_pin *pin,
			struct gpio_output **line)
{
	struct gpio_line_spec spec;
	struct garden_gpio_line gl;

	if (!pin->on_gpio)
		return hw->expanders[pin->expander] ?
			mcp23008_setup_output(hw->expanders[pin->expander],
					      pin->pin, pin->active_low) : -ENODEV;
	gl = sim_garden_line(&pin->line);
	if (hw->garden)
		return garden_gpio_output(hw->garden, &gl, pin->active_low,
					  line);
	spec = line_spec(&pin->line);
	return linux_gpio_output(&spec, pin->active_low, "irrigd valve", line);
}

static bool same_pin(const struct config_pin *a, const struct config_pin *b)
{
	if (a->on_gpio != b->on_gpio)
		return false;
	if (!a->on_gpio)
		return a->expander == b->expander && a->pin == b->pin;
	return !strcmp(a->line.name, b->line.name) &&
		!strcmp(a->line.chip, b->line.chip) && a->line.offset == b->line.offset;
}

static struct valve_output *find_output(struct hardware *hw,
					const struct config_pin *pin)
{
	for (size_t i = 0; i < hw->n_outputs; i++)
		if (same_pin(&hw->outputs[i].pin, pin))
			return &hw->outputs[i];
	return NULL;
}

bool hardware_has_output(struct hardware *hw, const struct config_pin *pin)
{
	struct valve_output *o = find_output(hw, pin);

	return o && o->pin.active_low == pin->active_low;
}

/* Remembered even when it failed, so it is tried (and fails) at use. */
static int add_output(struct hardware *hw, const struct config_pin *pin)
{
	struct valve_output *o;

	if (find_output(hw, pin) ||
	    hw->n_outputs == sizeof(hw->outputs) / sizeof(hw->outputs[0]))
		return 0;
	o = &hw->outputs[hw->n_outputs++];
	o->pin = *pin;
	return setup_output(hw, pin, &o->line);
}

/*
 * A chip that does not answer or a line that cannot be had leaves what
 * hangs on it unusable, said once here; irrigd goes on with the rest, so
 * one dead relay board does not stop every other zone.
 */
static int setup_outputs(struct hardware *hw)
{
	const struct config *cfg = hw->cfg;
	int err;

	for (size_t i = 0; i < cfg->n_expanders; i++) {
		hw->expanders[i] = mcp23008_new(hw->bus, cfg->expanders[i].address);
		if (!hw->expanders[i])
			return -ENOMEM;
		err = mcp23008_init(hw->expanders[i]);
		if (err < 0) {
			struct event ev;

			event_init(&ev, EV_FAULT);
			ev.fault = "expander";
			ev.i2c_bus = hw->bus->name;
			ev.i2c_address = cfg->expanders[i].address;
			ev.err = err;
			event_emit(&ev, "MCP23008 at %s 0x%02x does not answer: the "
					"valves on it cannot be switched",
					hw->bus->name, cfg->expanders[i].address);
			mcp23008_free(hw->expanders[i]);
			hw->expanders[i] = NULL;
		}
	}
	for (size_t z = 0; z < cfg->n_zones; z++) {
		err = add_output(hw, &cfg->zones[z].valve);
		if (err < 0) {
			struct event ev;

			event_init(&ev, EV_FAULT);
			ev.priority = LOG_ERR;
			ev.fault = "valve-setup";
			ev.zone = cfg->zones[z].name;
			ev.err = err;
			event_emit(&ev, "zone %s cannot "
					"water: its valve cannot be set up",
					cfg->zones[z].name);
		}
	}
	if (cfg->master.present) {
		err = add_output(hw, &cfg->master.pin);
		if (err < 0) {
			struct event ev;

			event_init(&ev, EV_FAULT);
			ev.priority = LOG_ERR;
			ev.fault = "master-setup";
			ev.err = err;
			event_emit(&ev, "the master valve cannot be set up");
		}
	}
	for (size_t p = 0; p < cfg->n_probes; p++) {
		if (!cfg->probes[p].has_power)
			continue;
		err = setup_output(hw, &cfg->probes[p].power, NULL);
		if (err < 0) {
			struct event ev;

			event_init(&ev, EV_FAULT);
			ev.priority = LOG_ERR;
			ev.fault = "probe-power";
			ev.probe = cfg->probes[p].name;
			ev.err = err;
			event_emit(&ev, "probe %s cannot be powered",
					cfg->probes[p].name);
		}
	}
	return 0;
}

static const char *adc_type_name(enum ads1x15_type type)
{
	return type == ADS1015 ? "ADS1015" : "ADS1115";
}

/* A dead chip fails every read: say so when it starts and stops. */
static void note_adc_answer(struct hardware *hw, size_t adc, int err)
{
	int *last = &hw->adc_err[adc];
	struct event ev;

	event_init(&ev, err < 0 ? EV_FAULT : EV_FAULT_CLEARED);
	ev.fault = "adc";
	ev.i2c_bus = hw->bus->name;
	ev.i2c_address = hw->cfg->adcs[adc].address;
	if (err < 0 && *last == 0) {
		ev.priority = LOG_ERR;
		ev.err = err;
		event_emit(&ev, "%s at %s 0x%02x does not answer",
				adc_type_name(hw->cfg->adcs[adc].type),
				hw->bus->name, hw->cfg->adcs[adc].address);
	} else if (err == 0 && *last < 0) {
		event_emit(&ev, "%s at %s 0x%02x answers again",
			  adc_type_name(hw->cfg->adcs[adc].type), hw->bus->name,
			  hw->cfg->adcs[adc].address);
	}
	*last = err;
}

static int setup_inputs(struct hardware *hw)
{
	const struct config *cfg = hw->cfg;

	for (size_t i = 0; i < cfg->n_adcs; i++) {
		hw->adcs[i] = ads1x15_new(hw->bus, cfg->adcs[i].address,
					  cfg->adcs[i].type);
		if (!hw->adcs[i] ||
		    ads1x15_set_range_mv(hw->adcs[i], cfg->adcs[i].range_mv) < 0 ||
		    ads1x15_set_data_rate(hw->adcs[i], cfg->adcs[i].data_rate) < 0) {
			struct event ev;

			event_init(&ev, EV_FAULT);
			ev.priority = LOG_ERR;
			ev.fault = "adc";
			ev.i2c_address = cfg->adcs[i].address;
			ev.err = -EINVAL;
			return event_emit(&ev, "cannot set up the ADC at 0x%02x",
					       cfg->adcs[i].address);
		}
	}
	hw->meter = flowmeter_new(hw->flow_input, cfg->flow_meter.pulses_per_litre);
	if (!hw->meter)
		return -ENOMEM;
	return 0;
}

/*
 * Closes outputs that no config of this run names: a record's, or those
 * found on the chips.  Its own drivers, freed before the hardware's read
 * the chips, so their caches see what this left.
 */
struct closer {
	struct i2c_bus *bus;
	struct garden *garden;		/* sim: where GPIO lines are */
	struct mcp23008 *chips[CONFIG_MAX_EXPANDERS];	/* by address - 0x20 */
	int chip_err[CONFIG_MAX_EXPANDERS];
	uint8_t keep[CONFIG_MAX_EXPANDERS];	/* known outputs: left as outputs */
	bool quiet;			/* a scan: no chip is expected anywhere */
};

static struct mcp23008 *closer_chip(struct closer *c, uint8_t address, int *err)
{
	unsigned i = (unsigned)(address - MCP23008_ADDR_MIN);

	if (!c->chips[i] && !c->chip_err[i]) {
		c->chips[i] = mcp23008_new(c->bus, address);
		c->chip_err[i] = c->chips[i] ? mcp23008_init(c->chips[i]) : -ENOMEM;
		if (c->chip_err[i] < 0) {
			mcp23008_free(c->chips[i]);
			c->chips[i] = NULL;
			if (!c->quiet) {
				struct event ev;

				event_init(&ev, EV_FAULT);
				ev.fault = "expander";
				ev.i2c_bus = c->bus->name;
				ev.i2c_address = address;
				ev.err = c->chip_err[i];
				event_emit(&ev, "MCP23008 at %s 0x%02x does not answer: "
						"the outputs on it cannot be closed",
						c->bus->name, address);
			}
		}
	}
	*err = c->chip_err[i];
	return c->chips[i];
}

static void closer_keep(struct closer *c, const struct wiring_output *o)
{
	if (!o->on_gpio)
		c->keep[o->address - MCP23008_ADDR_MIN] |= (uint8_t)(1u << o->pin);
}

/* Drives o to its inactive level; a GPIO line is then let go at that level. */
static int closer_close(struct closer *c, const struct wiring_output *o)
{
	struct gpio_output *line = NULL;
	struct gpio_line_spec spec;
	struct mcp23008 *chip;
	int err;

	if (o->on_gpio) {
		if (c->garden) {
			struct garden_gpio_line gl = sim_garden_line(&o->line);

			err = garden_gpio_output(c->garden, &gl, o->active_low,
						 &line);
		} else {
			spec = line_spec(&o->line);
			err = linux_gpio_output(&spec, o->active_low, "irrigd all-off",
						&line);
		}
		if (err == 0)
			gpio_output_destroy(line);
		return err;
	}
	closer_keep(c, o);
	chip = closer_chip(c, o->address, &err);
	return chip ? mcp23008_setup_output(chip, o->pin, o->active_low) : err;
}

/*
 * Pins the chips drive that nobody recorded: their polarity is not known,
 * so each is made an input, as the chip is at power-on, which relay boards
 * are built to read as off.  Returns how many, or the first error.
 */
static int closer_release_others(struct closer *c)
{
	int released = 0;

	for (unsigned i = 0; i < CONFIG_MAX_EXPANDERS; i++) {
		uint8_t stray;

		if (!c->chips[i])
			continue;
		stray = (uint8_t)(mcp23008_chip_outputs(c->chips[i]) & ~c->keep[i]);
		for (unsigned pin = 0; pin < MCP23008_PINS; pin++) {
			int err;

			if (!(stray & (1u << pin)))
				continue;
			err = mcp23008_setup_input(c->chips[i], pin, false);
			if (err < 0)
				return err;
			released++;
		}
	}
	return released;
}

static void closer_done(struct closer *c)
{
	for (unsigned i = 0; i < CONFIG_MAX_EXPANDERS; i++)
		mcp23008_free(c->chips[i]);
}

/* "expander 0x20 pin 0", "GPIO22" or "gpiochip0 line 5", for messages. */
static const char *describe_output(const struct wiring_output *o, char *buf,
				   size_t size)
{
	if (!o->on_gpio)
		snprintf(buf, size, "expander 0x%02x pin %u", o->address, o->pin);
	else
		describe_line(&o->line, buf, size);
	return buf;
}

static bool wiring_has(const struct wiring *w, const struct wiring_output *o)
{
	for (size_t i = 0; i < w->n_outputs; i++)
		if (wiring_same_output(&w->outputs[i], o))
			return true;
	return false;
}

/*
 * Before the config's outputs are set up: what the last run drove and the
 * config does not name is closed, and stray outputs of the chips either
 * names are made inputs.  What cannot be closed stays in hw->unclosed.
 */
static int close_previous(struct hardware *hw, const struct wiring *prev)
{
	const struct config *cfg = hw->cfg;
	struct closer c = { .bus = hw->bus, .garden = hw->garden };
	struct i2c_bus *other_bus = NULL;
	struct wiring now;
	char closed[256] = "", name[64];
	int err, first = 0, released;

	wiring_from_config(cfg, hw->garden != NULL, &now);
	if (!hw->garden && prev->i2c_bus != cfg->i2c_bus) {
		err = linux_i2c_open(prev->i2c_bus, &other_bus);
		if (err < 0)
			log_errno(LOG_CRIT, err, "cannot open /dev/i2c-%u, where the "
				  "last run drove its expanders", prev->i2c_bus);
		c.bus = other_bus;
	} else {
		/* The config's chips too: a stray output there is as dangerous. */
		for (size_t i = 0; i < now.n_outputs; i++)
			closer_keep(&c, &now.outputs[i]);
		for (size_t i = 0; i < cfg->n_expanders; i++)
			closer_chip(&c, cfg->expanders[i].address, &err);
	}
	for (size_t i = 0; i < prev->n_outputs; i++) {
		const struct wiring_output *o = &prev->outputs[i];

		if (wiring_has(&now, o) && (o->on_gpio || c.bus == hw->bus))
			continue;
		err = c.bus || o->on_gpio ? closer_close(&c, o) : -ENODEV;
		describe_output(o, name, sizeof(name));
		if (err < 0) {
			struct event ev;

			event_init(&ev, EV_FAULT);
			ev.fault = "all-off";
			ev.output = name;
			ev.err = err;
			event_emit(&ev, "%s, which the "
					"last run drove, cannot be closed: a valve "
					"may still be open", name);
			wiring_add(&hw->unclosed, o);
			if (!first)
				first = err;
			continue;
		}
		out_append(closed, sizeof(closed), "%s%s", *closed ? ", " : "", name);
	}
	released = c.bus ? closer_release_others(&c) : 0;
	closer_done(&c);
	if (other_bus)
		i2c_bus_destroy(other_bus);
	if (*closed)
		log_msg(LOG_NOTICE, "closed what the last run drove and the config "
			"no longer names: %s", closed);
	if (released > 0)
		log_msg(LOG_NOTICE, "made %d expander output%s nobody recorded an "
			"input", released, released == 1 ? "" : "s");
	else if (released < 0)
		log_errno(LOG_CRIT, released, "cannot make the expanders' unknown "
			  "outputs inputs");
	return first;
}

int hardware_open(const struct config *cfg, bool sim, struct hardware **out)
{
	return hardware_open_after(cfg, sim, NULL, out);
}

int hardware_open_after(const struct config *cfg, bool sim,
			const struct wiring *previous, struct hardware **out)
{
	struct hardware *hw = calloc(1, sizeof(*hw));
	int err;

	if (!hw)
		return -ENOMEM;
	hw->cfg = cfg;
	err = open_backend(hw, sim);
	/* The sim's and the real chips are not each other's. */
	if (err >= 0 && previous && previous->sim == (hw->garden != NULL))
		close_previous(hw, previous);	/* logs; goes on regardless */
	if (err >= 0)
		err = setup_outputs(hw);
	if (err >= 0)
		err = setup_inputs(hw);
	if (err < 0) {
		hardware_close(hw);
		return err;
	}
	*out = hw;
	return 0;
}

void hardware_close(struct hardware *hw)
{
	if (!hw)
		return;
	hardware_all_off(hw);
	flowmeter_free(hw->meter);
	for (size_t i = 0; i < CONFIG_MAX_ADCS; i++)
		ads1x15_free(hw->adcs[i]);
	for (size_t i = 0; i < CONFIG_MAX_EXPANDERS; i++)
		mcp23008_free(hw->expanders[i]);
	for (size_t i = 0; i < hw->n_outputs; i++)
		gpio_output_destroy(hw->outputs[i].line);
	if (hw->garden) {
		garden_free(hw->garden);
	} else {
		gpio_input_destroy(hw->flow_input);
		gpio_input_destroy(hw->rain_input);
		i2c_bus_destroy(hw->bus);
	}
	free(hw);
}

/* Writes of a valve's latch, read back each time. */
#define VALVE_WRITE_TRIES 3

static int set_pin(struct hardware *hw, const struct config_pin *pin, bool on)
{
	struct valve_output *o;
	struct mcp23008 *chip;

	if (pin->on_gpio) {
		o = find_output(hw, pin);
		if (!o || !o->line)
			return -ENODEV;
		return gpio_output_set(o->line, on != o->pin.active_low);
	}
	chip = hw->expanders[pin->expander];
	if (!chip)
		return -ENODEV;
	/*
	 * A latch that reads back wrong may be a glitch on the bus: write it
	 * again.  One that stays wrong is a fault the caller must act on.
	 */
	for (int i = 0;; i++) {
		int err = mcp23008_set(chip, pin->pin, on);

		if (err != -EIO || i + 1 == VALVE_WRITE_TRIES)
			return err;
	}
}

int hardware_valve(struct hardware *hw, int zone, bool open)
{
	if (zone < 0 || (size_t)zone >= hw->cfg->n_zones)
		return -EINVAL;
	return set_pin(hw, &hw->cfg->zones[zone].valve, open);
}

int hardware_master(struct hardware *hw, bool open)
{
	if (!hw->cfg->master.present)
		return 0;
	return set_pin(hw, &hw->cfg->master.pin, open);
}

int hardware_all_off(struct hardware *hw)
{
	const struct config *cfg = hw->cfg;
	int first = 0, err;

	hw->power_cuts++;
	/* Every output set up at start, whatever the config says now. */
	for (size_t i = 0; i < hw->n_outputs; i++) {
		err = set_pin(hw, &hw->outputs[i].pin, false);
		if (err < 0 && !first)
			first = err;
	}
	for (size_t p = 0; p < cfg->n_probes; p++) {
		if (!cfg->probes[p].has_power)
			continue;
		err = set_pin(hw, &cfg->probes[p].power, false);
		if (err < 0 && !first)
			first = err;
	}
	return first;
}

void hardware_probe_inputs(struct hardware *hw)
{
	for (size_t i = 0; i < hw->cfg->n_adcs; i++)
		note_adc_answer(hw, i, ads1x15_probe(hw->adcs[i]));
}

int hardware_input_start(struct hardware *hw, const struct config_analog *in,
			 struct ads1x15_conversion *conv)
{
	struct ads1x15 *adc = hw->adcs[in->adc];
	int err = adc ? ads1x15_start(adc, in->channel, conv) : -ENODEV;

	if (err < 0)
		note_adc_answer(hw, in->adc, err);
	return err;
}

int hardware_input_collect(struct hardware *hw, const struct config_analog *in,
			   const struct ads1x15_conversion *conv, uint64_t now,
			   double *volts)
{
	struct ads1x15 *adc = hw->adcs[in->adc];
	int16_t raw;
	int err = adc ? ads1x15_collect(adc, conv, now, &raw) : -ENODEV;

	if (err == -EAGAIN)
		return err;
	note_adc_answer(hw, in->adc, err);
	if (err == 0)
		*volts = ads1x15_volts(adc, raw);
	return err;
}

unsigned hardware_power_probes(struct hardware *hw, bool on, int *errs)
{
	const struct config *cfg = hw->cfg;
	unsigned settle_ms = 0;

	for (size_t p = 0; p < cfg->n_probes; p++) {
		int err;

		if (!cfg->probes[p].has_power)
			continue;
		err = set_pin(hw, &cfg->probes[p].power, on);
		if (on && err < 0 && errs)
			errs[p] = err;
		if (cfg->probes[p].power_settle_ms > settle_ms)
			settle_ms = cfg->probes[p].power_settle_ms;
	}
	return settle_ms;
}

unsigned hardware_power_cuts(const struct hardware *hw)
{
	return hw->power_cuts;
}

int hardware_probe_percent(const struct hardware *hw, size_t p, double volts,
			   double *percent)
{
	const struct config_probe *probe = &hw->cfg->probes[p];

	/* Disconnected, shorted or unpowered: no soil reads like that. */
	if (volts < probe->min_volts || volts > probe->max_volts)
		return -ERANGE;
	*percent = calib_percent(volts, probe->dry_volts, probe->wet_volts);
	return 0;
}

double hardware_temperature(const struct hardware *hw, double volts)
{
	const struct config_temperature *t = &hw->cfg->temperature;
	double celsius = 0.0;

	switch (t->conversion) {
	case TEMP_TMP36:
		celsius = calib_tmp36_celsius(volts);
		break;
	case TEMP_LM35:
		celsius = calib_lm35_celsius(volts);
		break;
	case TEMP_LINEAR:
		celsius = volts * t->scale + t->offset;
		break;
	}
	return t->unit == 'F' ? calib_celsius_to_fahrenheit(celsius) : celsius;
}

double hardware_light(const struct hardware *hw, double volts)
{
	const struct config_light *light = &hw->cfg->light;

	return calib_percent(volts, light->dark_volts, light->bright_volts);
}

/* "i2c-1" or "gpiochip0": prefix and a number, nothing else. */
static bool device_named(const char *name, const char *prefix)
{
	size_t len = strlen(prefix), digits;

	if (strncmp(name, prefix, len))
		return false;
	digits = strspn(name + len, "0123456789");
	return digits && !name[len + digits];
}

/* The lowest i2c-N and gpiochipN in dev_dir, or false. */
static bool chips_present(const char *dev_dir, char *i2c, char *gpio)
{
	DIR *dir = opendir(dev_dir);
	struct dirent *e;

	*i2c = *gpio = '\0';
	if (!dir)
		return false;
	/* The lowest of each, so the message does not depend on readdir's order. */
	while ((e = readdir(dir)) != NULL) {
		if (device_named(e->d_name, "i2c-") &&
		    (!*i2c || strverscmp(e->d_name, i2c) < 0))
			snprintf(i2c, NAME_MAX + 1, "%s", e->d_name);
		else if (device_named(e->d_name, "gpiochip") &&
			 (!*gpio || strverscmp(e->d_name, gpio) < 0))
			snprintf(gpio, NAME_MAX + 1, "%s", e->d_name);
	}
	closedir(dir);
	return *i2c && *gpio;
}

/*
 * The shipped config says backend = "sim", so that irrigd can be tried
 * before anything is wired: on a Pi with its chips, whoever forgot to
 * change it would wait for water that never comes.  --sim asks for the
 * simulated garden on purpose.
 */
bool hardware_simulating_real_garden(const struct config *cfg, bool sim_option,
				     const char *dev_dir, char *msg, size_t size)
{
	char i2c[NAME_MAX + 1], gpio[NAME_MAX + 1];

	if (sim_option || cfg->backend != HW_BACKEND_SIM ||
	    !chips_present(dev_dir, i2c, gpio))
		return false;
	if (msg && size)
		snprintf(msg, size, "%s says backend = \"sim\": irrigd drives "
			 "a simulated garden, not the valves of this machine, "
			 "which has %s/%s and %s/%s; set backend = \"linux\" "
			 "to water", cfg->path, dev_dir, i2c, dev_dir, gpio);
	return true;
}

void hardware_config_changed(struct hardware *hw)
{
	if (hw->garden)
		sim_garden_rewire(hw->garden, hw->cfg);
}

void hardware_wiring(const struct hardware *hw, struct wiring *out)
{
	wiring_from_config(hw->cfg, hw->garden != NULL, out);
	for (size_t i = 0; i < hw->unclosed.n_outputs; i++)
		wiring_add(out, &hw->unclosed.outputs[i]);
}

/* A config for a sim garden with chips at w's addresses and nothing else. */
static struct config *bare_sim_config(const struct wiring *w)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->backend = HW_BACKEND_SIM;
	cfg->flow_meter.pulses_per_litre = 450.0;
	for (size_t i = 0; w && i < w->n_outputs; i++) {
		const struct wiring_output *o = &w->outputs[i];
		bool listed = false;

		if (o->on_gpio)
			continue;
		for (size_t e = 0; e < cfg->n_expanders; e++)
			listed |= cfg->expanders[e].address == o->address;
		if (!listed)
			cfg->expanders[cfg->n_expanders++].address = o->address;
	}
	return cfg;
}

/* The bus (and the sim garden) a closer works on, opened for it. */
struct closer_backend {
	struct config *cfg;
	struct garden *garden;
	struct i2c_bus *bus;
};

static int open_closer_backend(const struct wiring *w, bool sim, unsigned bus,
			       struct closer_backend *b)
{
	int err;

	memset(b, 0, sizeof(*b));
	if (!sim) {
		err = linux_i2c_open(bus, &b->bus);
		if (err < 0)
			return log_errno(LOG_CRIT, err, "cannot open /dev/i2c-%u", bus);
		return 0;
	}
	b->cfg = bare_sim_config(w);
	b->garden = b->cfg ? sim_garden_new(b->cfg) : NULL;
	if (!b->garden) {
		free(b->cfg);
		return log_errno(LOG_CRIT, -ENOMEM, "cannot build the simulated garden");
	}
	b->bus = garden_i2c(b->garden);
	err = keep_sim_expanders(b->garden);
	if (err < 0) {
		garden_free(b->garden);
		free(b->cfg);
	}
	return err;
}

static void close_closer_backend(struct closer_backend *b)
{
	if (b->garden) {
		garden_free(b->garden);
		free(b->cfg);
	} else {
		i2c_bus_destroy(b->bus);
	}
}

int hardware_close_wiring(const struct wiring *w)
{
	struct closer_backend b;
	struct closer c = { .bus = NULL };
	char name[64];
	int err, first = 0, released;

	err = open_closer_backend(w, w->sim, w->i2c_bus, &b);
	if (err < 0)
		return err;
	c.bus = b.bus;
	c.garden = b.garden;
	for (size_t i = 0; i < w->n_outputs; i++)
		closer_keep(&c, &w->outputs[i]);
	for (size_t i = 0; i < w->n_outputs; i++) {
		const struct wiring_output *o = &w->outputs[i];

		err = closer_close(&c, o);
		if (err < 0 && !first)
			first = err;
		/* A chip that does not answer was said once, for all its pins. */
		if (err < 0 && (o->on_gpio ||
				c.chips[o->address - MCP23008_ADDR_MIN]))
			log_errno(LOG_CRIT, err, "cannot close %s",
				  describe_output(o, name, sizeof(name)));
	}
	released = closer_release_others(&c);
	if (released > 0)
		log_msg(LOG_NOTICE, "made %d expander output%s nobody recorded an "
			"input", released, released == 1 ? "" : "s");
	else if (released < 0 && !first)
		first = released;
	closer_done(&c);
	close_closer_backend(&b);
	return first;
}

int hardware_release_expanders(unsigned bus, bool sim, unsigned *found)
{
	struct closer_backend b;
	struct closer c = { .quiet = true };
	int err, released;

	*found = 0;
	err = open_closer_backend(NULL, sim, bus, &b);
	if (err < 0)
		return err;
	c.bus = b.bus;
	for (uint8_t a = MCP23008_ADDR_MIN; a <= MCP23008_ADDR_MAX; a++)
		if (closer_chip(&c, a, &err))
			(*found)++;
	released = closer_release_others(&c);
	closer_done(&c);
	close_closer_backend(&b);
	return released < 0 ? released : 0;
}

struct flowmeter *hardware_flowmeter(struct hardware *hw)
{
	return hw->meter;
}

struct garden *hardware_garden(struct hardware *hw)
{
	return hw->garden;
}

void hardware_input_error(const struct hardware *hw,
			  const struct config_analog *in, int err, char *buf,
			  size_t size)
{
	if (in->driver && in->driver->describe) {
		in->driver->describe(in, err, buf, size);
		return;
	}
	if (hw && err != -ERANGE && in->adc >= 0 &&
	    in->adc < CONFIG_MAX_ADCS && hw->adc_err[in->adc] < 0)
		snprintf(buf, size, "%s at %s 0x%02x does not answer: %s",
			 adc_type_name(hw->cfg->adcs[in->adc].type), hw->bus->name,
			 hw->cfg->adcs[in->adc].address,
			 strerror(-hw->adc_err[in->adc]));
	else
		snprintf(buf, size, "%s", strerror(-err));
}
