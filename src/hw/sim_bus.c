/* sim backend: a virtual I2C bus that turns SMBus operations into transactions on chip models. */
#include "hw/sim.h"

#include <errno.h>
#include <stdlib.h>

#define SIM_BUS_MAX_CHIPS 16
#define I2C_ADDR_MAX 0x7F
/* Any non-zero start will do for xorshift; a fixed one makes runs repeatable. */
#define SIM_BUS_SEED 0x9E3779B97F4A7C15ull

struct sim_slot {
	uint8_t addr;
	const struct sim_chip_ops *ops;
	void *chip;
};

struct sim_bus {
	struct i2c_bus base;	/* first, so the i2c_bus pointer converts back */
	struct sim_slot slots[SIM_BUS_MAX_CHIPS];
	size_t nslots;
	double error_rate;	/* injected: per attempt */
	uint64_t rng;		/* xorshift64 state */
};

static struct sim_bus *to_sim(struct i2c_bus *bus)
{
	return (struct sim_bus *)bus;
}

static const struct sim_slot *find_slot(struct i2c_bus *bus, uint8_t addr)
{
	struct sim_bus *sim = to_sim(bus);

	for (size_t i = 0; i < sim->nslots; i++)
		if (sim->slots[i].addr == addr)
			return &sim->slots[i];
	return NULL;
}

/* Uniform in [0, 1), from xorshift64 (Marsaglia 2003). */
static double next_uniform(struct sim_bus *sim)
{
	uint64_t x = sim->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	sim->rng = x;
	return (double)(x >> 11) * 0x1.0p-53;
}

/* An attempt's injected fault: -EIO, or 0 when the chips get to see it. */
static int injected(struct sim_bus *sim)
{
	if (sim->error_rate <= 0.0)
		return 0;
	return next_uniform(sim) < sim->error_rate ? -EIO : 0;
}

/*
 * Retries attempts the injected noise spoils, as linux_i2c retries
 * transient errors, but at once: 0 when an attempt gets through.
 */
static int get_through(struct i2c_bus *bus)
{
	struct sim_bus *sim = to_sim(bus);
	int r = 0;

	for (int i = 0; i < I2C_TRIES; i++) {
		r = injected(sim);
		if (r == 0 || !i2c_transient(r))
			break;
	}
	return r;
}

/* Sets the chip's register pointer, then reads len bytes from it. */
static int write_then_read(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			   uint8_t *data, size_t len)
{
	const struct sim_slot *slot = find_slot(bus, addr);
	int r = get_through(bus);

	if (r < 0)
		return r;
	if (!slot)
		return -ENXIO;
	r = slot->ops->write(slot->chip, &reg, 1);
	if (r < 0)
		return r;
	return slot->ops->read(slot->chip, data, len);
}

static int sim_read_byte_data(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			      uint8_t *value)
{
	return write_then_read(bus, addr, reg, value, 1);
}

static int sim_write_byte_data(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			       uint8_t value)
{
	const struct sim_slot *slot = find_slot(bus, addr);
	const uint8_t data[2] = { reg, value };
	int r = get_through(bus);

	if (r < 0)
		return r;
	if (!slot)
		return -ENXIO;
	return slot->ops->write(slot->chip, data, sizeof(data));
}

static int sim_read_word_data(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			      uint16_t *value)
{
	uint8_t data[2];
	int r = write_then_read(bus, addr, reg, data, sizeof(data));

	if (r < 0)
		return r;
	/* SMBus: the first byte on the wire is the low byte. */
	*value = (uint16_t)(data[0] | data[1] << 8);
	return 0;
}

static int sim_write_word_data(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			       uint16_t value)
{
	const struct sim_slot *slot = find_slot(bus, addr);
	const uint8_t data[3] = { reg, (uint8_t)(value & 0xFF),
				  (uint8_t)(value >> 8) };
	int r = get_through(bus);

	if (r < 0)
		return r;
	if (!slot)
		return -ENXIO;
	return slot->ops->write(slot->chip, data, sizeof(data));
}

static void sim_destroy(struct i2c_bus *bus)
{
	free(to_sim(bus));
}

static const struct i2c_bus_ops sim_bus_ops = {
	.read_byte_data = sim_read_byte_data,
	.write_byte_data = sim_write_byte_data,
	.read_word_data = sim_read_word_data,
	.write_word_data = sim_write_word_data,
	.destroy = sim_destroy,
};

struct sim_bus *sim_bus_new(void)
{
	struct sim_bus *bus = calloc(1, sizeof(*bus));

	if (!bus)
		return NULL;
	bus->base.ops = &sim_bus_ops;
	bus->base.name = "sim";
	bus->rng = SIM_BUS_SEED;
	return bus;
}

struct i2c_bus *sim_bus_i2c(struct sim_bus *bus)
{
	return bus ? &bus->base : NULL;
}

int sim_bus_attach(struct sim_bus *bus, uint8_t addr,
		   const struct sim_chip_ops *ops, void *chip)
{
	if (!bus || !ops || !ops->write || !ops->read || addr > I2C_ADDR_MAX)
		return -EINVAL;
	if (find_slot(&bus->base, addr))
		return -EEXIST;
	if (bus->nslots == SIM_BUS_MAX_CHIPS)
		return -ENOSPC;
	bus->slots[bus->nslots++] = (struct sim_slot){ addr, ops, chip };
	return 0;
}

int sim_bus_set_error_rate(struct sim_bus *bus, double rate)
{
	if (!bus || !(rate >= 0.0 && rate <= 1.0))
		return -EINVAL;
	bus->error_rate = rate;
	bus->rng = SIM_BUS_SEED;
	return 0;
}
