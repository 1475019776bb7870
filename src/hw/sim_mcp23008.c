/* sim backend: a register-level model of the MCP23008 I/O expander (datasheet DS21919). */
#include "hw/mcp23008.h"
#include "hw/sim.h"

#include <errno.h>
#include <stdlib.h>

#define NREGS (MCP23008_OLAT + 1)
#define IOCON_SEQOP 0x20
/* IOCON bits 7, 6 and 0 are unimplemented and read as 0. */
#define IOCON_IMPLEMENTED 0x3E

struct sim_mcp23008 {
	uint8_t regs[NREGS];	/* GPIO is not stored: it is computed */
	uint8_t pointer;
	uint8_t outside_driven;	/* inputs an outside circuit drives */
	uint8_t outside_levels;
	uint8_t stuck;		/* OLAT bits that ignore writes (injected) */
	sim_mcp23008_pins_fn pins_fn;
	void *pins_ctx;
};

static uint8_t pin_levels(const struct sim_mcp23008 *chip)
{
	uint8_t inputs = chip->regs[MCP23008_IODIR];
	uint8_t floating = inputs & (uint8_t)~chip->outside_driven;
	uint8_t in = (chip->outside_levels & chip->outside_driven) |
		     (chip->regs[MCP23008_GPPU] & floating);

	in ^= chip->regs[MCP23008_IPOL];
	return (uint8_t)((chip->regs[MCP23008_OLAT] & ~inputs) | (in & inputs));
}

static uint8_t reg_value(const struct sim_mcp23008 *chip, uint8_t reg)
{
	return reg == MCP23008_GPIO ? pin_levels(chip) : chip->regs[reg];
}

static void advance_pointer(struct sim_mcp23008 *chip)
{
	if (chip->regs[MCP23008_IOCON] & IOCON_SEQOP)
		return;
	chip->pointer = chip->pointer == MCP23008_OLAT ? 0 : chip->pointer + 1;
}

static void store(struct sim_mcp23008 *chip, uint8_t reg, uint8_t value)
{
	switch (reg) {
	case MCP23008_INTF:
	case MCP23008_INTCAP:
		return;
	case MCP23008_IOCON:
		chip->regs[reg] = value & IOCON_IMPLEMENTED;
		return;
	case MCP23008_GPIO:
		reg = MCP23008_OLAT;
		break;
	default:
		break;
	}
	if (reg == MCP23008_OLAT)
		value = (uint8_t)((value & ~chip->stuck) |
				  (chip->regs[reg] & chip->stuck));
	chip->regs[reg] = value;
	/* The pins change at each byte's ACK, so each byte is reported. */
	if ((reg == MCP23008_IODIR || reg == MCP23008_OLAT) && chip->pins_fn)
		chip->pins_fn(chip->pins_ctx, (uint8_t)~chip->regs[MCP23008_IODIR],
			      chip->regs[MCP23008_OLAT]);
}

static int model_write(void *opaque, const uint8_t *data, size_t len)
{
	struct sim_mcp23008 *chip = opaque;

	if (len == 0)
		return 0;
	/* The chip NACKs a pointer to a register it does not have. */
	if (data[0] >= NREGS)
		return -EIO;
	chip->pointer = data[0];
	for (size_t i = 1; i < len; i++) {
		store(chip, chip->pointer, data[i]);
		advance_pointer(chip);
	}
	return 0;
}

static int model_read(void *opaque, uint8_t *data, size_t len)
{
	struct sim_mcp23008 *chip = opaque;

	for (size_t i = 0; i < len; i++) {
		data[i] = reg_value(chip, chip->pointer);
		advance_pointer(chip);
	}
	return 0;
}

static const struct sim_chip_ops model_ops = {
	.write = model_write,
	.read = model_read,
};

struct sim_mcp23008 *sim_mcp23008_new(void)
{
	struct sim_mcp23008 *chip = calloc(1, sizeof(*chip));

	if (!chip)
		return NULL;
	chip->regs[MCP23008_IODIR] = 0xFF;
	return chip;
}

void sim_mcp23008_free(struct sim_mcp23008 *chip)
{
	free(chip);
}

int sim_mcp23008_attach(struct sim_mcp23008 *chip, struct sim_bus *bus,
			uint8_t addr)
{
	if (!chip || addr < MCP23008_ADDR_MIN || addr > MCP23008_ADDR_MAX)
		return -EINVAL;
	return sim_bus_attach(bus, addr, &model_ops, chip);
}

void sim_mcp23008_on_pins(struct sim_mcp23008 *chip, sim_mcp23008_pins_fn fn,
			  void *ctx)
{
	chip->pins_fn = fn;
	chip->pins_ctx = ctx;
}

void sim_mcp23008_drive_input(struct sim_mcp23008 *chip, unsigned pin,
			      bool level)
{
	uint8_t bit;

	if (pin >= MCP23008_PINS)
		return;
	bit = (uint8_t)(1u << pin);
	chip->outside_driven |= bit;
	if (level)
		chip->outside_levels |= bit;
	else
		chip->outside_levels &= (uint8_t)~bit;
}

void sim_mcp23008_restore(struct sim_mcp23008 *chip, uint8_t iodir, uint8_t olat)
{
	chip->regs[MCP23008_IODIR] = iodir;
	chip->regs[MCP23008_OLAT] = olat;
	if (chip->pins_fn)
		chip->pins_fn(chip->pins_ctx, (uint8_t)~iodir, olat);
}

void sim_mcp23008_set_stuck(struct sim_mcp23008 *chip, uint8_t mask)
{
	chip->stuck = mask;
}

uint8_t sim_mcp23008_reg(const struct sim_mcp23008 *chip, uint8_t reg)
{
	return reg < NREGS ? reg_value(chip, reg) : 0;
}

bool sim_mcp23008_drives(const struct sim_mcp23008 *chip, unsigned pin,
			 bool level)
{
	uint8_t bit;

	if (pin >= MCP23008_PINS)
		return false;
	bit = (uint8_t)(1u << pin);
	if (chip->regs[MCP23008_IODIR] & bit)
		return false;
	return !!(chip->regs[MCP23008_OLAT] & bit) == level;
}
