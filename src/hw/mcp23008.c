/* MCP23008 driver: relay and probe-power outputs that never glitch, with OLAT read-back. */
#include "hw/mcp23008.h"

#include <errno.h>
#include <stdlib.h>

struct mcp23008 {
	struct i2c_bus *bus;
	uint8_t addr;
	bool ready;		/* the cache below was read from the chip */
	uint8_t olat, iodir, gppu;
	uint8_t outputs;	/* pins set up as outputs by this driver */
	uint8_t active_low;
};

struct mcp23008 *mcp23008_new(struct i2c_bus *bus, uint8_t addr)
{
	struct mcp23008 *chip = calloc(1, sizeof(*chip));

	if (!chip)
		return NULL;
	chip->bus = bus;
	chip->addr = addr;
	return chip;
}

void mcp23008_free(struct mcp23008 *chip)
{
	free(chip);
}

int mcp23008_init(struct mcp23008 *chip)
{
	uint8_t olat, iodir, gppu;
	int r;

	r = i2c_read_byte_data(chip->bus, chip->addr, MCP23008_OLAT, &olat);
	if (r == 0)
		r = i2c_read_byte_data(chip->bus, chip->addr, MCP23008_IODIR,
				       &iodir);
	if (r == 0)
		r = i2c_read_byte_data(chip->bus, chip->addr, MCP23008_GPPU,
				       &gppu);
	if (r < 0)
		return r;
	chip->olat = olat;
	chip->iodir = iodir;
	chip->gppu = gppu;
	chip->outputs = 0;
	chip->ready = true;
	return 0;
}

static int check_pin(const struct mcp23008 *chip, unsigned pin)
{
	/* Before init the cache is unknown and would clobber other pins. */
	if (!chip->ready || pin >= MCP23008_PINS)
		return -EINVAL;
	return 0;
}

static uint8_t with_bit(uint8_t reg, unsigned pin, bool set)
{
	uint8_t bit = (uint8_t)(1u << pin);

	return set ? reg | bit : (uint8_t)(reg & ~bit);
}

/*
 * A relay that does not follow a command must not go unnoticed, so OLAT is
 * read back.  The cache then follows the chip, not what was meant.
 */
static int write_olat(struct mcp23008 *chip, uint8_t value)
{
	uint8_t back;
	int r;

	r = i2c_write_byte_data(chip->bus, chip->addr, MCP23008_OLAT, value);
	if (r < 0)
		return r;
	chip->olat = value;
	r = i2c_read_byte_data(chip->bus, chip->addr, MCP23008_OLAT, &back);
	if (r < 0)
		return r;
	chip->olat = back;
	return back == value ? 0 : -EIO;
}

int mcp23008_setup_output(struct mcp23008 *chip, unsigned pin, bool active_low)
{
	int r = check_pin(chip, pin);
	uint8_t iodir;

	if (r < 0)
		return r;
	/* Latch the inactive level while the pin is still an input. */
	r = write_olat(chip, with_bit(chip->olat, pin, active_low));
	if (r < 0)
		return r;
	iodir = with_bit(chip->iodir, pin, false);
	r = i2c_write_byte_data(chip->bus, chip->addr, MCP23008_IODIR, iodir);
	if (r < 0)
		return r;
	chip->iodir = iodir;
	chip->outputs = with_bit(chip->outputs, pin, true);
	chip->active_low = with_bit(chip->active_low, pin, active_low);
	return 0;
}

int mcp23008_setup_input(struct mcp23008 *chip, unsigned pin, bool pull_up)
{
	int r = check_pin(chip, pin);
	uint8_t gppu, iodir;

	if (r < 0)
		return r;
	/* Pull-up first, so the new input never floats. */
	gppu = with_bit(chip->gppu, pin, pull_up);
	r = i2c_write_byte_data(chip->bus, chip->addr, MCP23008_GPPU, gppu);
	if (r < 0)
		return r;
	chip->gppu = gppu;
	iodir = with_bit(chip->iodir, pin, true);
	r = i2c_write_byte_data(chip->bus, chip->addr, MCP23008_IODIR, iodir);
	if (r < 0)
		return r;
	chip->iodir = iodir;
	chip->outputs = with_bit(chip->outputs, pin, false);
	return 0;
}

int mcp23008_set(struct mcp23008 *chip, unsigned pin, bool on)
{
	int r = check_pin(chip, pin);
	bool level;

	if (r < 0)
		return r;
	if (!(chip->outputs & (1u << pin)))
		return -EINVAL;
	level = on != !!(chip->active_low & (1u << pin));
	return write_olat(chip, with_bit(chip->olat, pin, level));
}

int mcp23008_get_level(struct mcp23008 *chip, unsigned pin, bool *level)
{
	uint8_t gpio;
	int r;

	if (pin >= MCP23008_PINS)
		return -EINVAL;
	r = i2c_read_byte_data(chip->bus, chip->addr, MCP23008_GPIO, &gpio);
	if (r < 0)
		return r;
	*level = gpio & (1u << pin);
	return 0;
}

uint8_t mcp23008_chip_outputs(const struct mcp23008 *chip)
{
	return chip->ready ? (uint8_t)~chip->iodir : 0;
}

uint8_t mcp23008_address(const struct mcp23008 *chip)
{
	return chip->addr;
}
