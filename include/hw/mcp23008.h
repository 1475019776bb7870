/* MCP23008 8-bit I/O expander driver: valve and probe-power pins over I2C. */
#ifndef IRRIGD_HW_MCP23008_H
#define IRRIGD_HW_MCP23008_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/i2c.h"

/* Register addresses (datasheet DS21919, table 1-3, IOCON.BANK is absent). */
enum {
	MCP23008_IODIR = 0x00,
	MCP23008_IPOL = 0x01,
	MCP23008_GPINTEN = 0x02,
	MCP23008_DEFVAL = 0x03,
	MCP23008_INTCON = 0x04,
	MCP23008_IOCON = 0x05,
	MCP23008_GPPU = 0x06,
	MCP23008_INTF = 0x07,
	MCP23008_INTCAP = 0x08,
	MCP23008_GPIO = 0x09,
	MCP23008_OLAT = 0x0A,
};

#define MCP23008_PINS 8
#define MCP23008_ADDR_MIN 0x20
#define MCP23008_ADDR_MAX 0x27

struct mcp23008;

/*
 * Creates a driver for the chip at addr; talks to the bus only from
 * mcp23008_init() on.  NULL on allocation failure.
 */
struct mcp23008 *mcp23008_new(struct i2c_bus *bus, uint8_t addr);
void mcp23008_free(struct mcp23008 *chip);

/*
 * Reads the chip's OLAT, IODIR and GPPU into the driver's cache so later
 * pin changes preserve the other pins.  0 or a negative errno.
 */
int mcp23008_init(struct mcp23008 *chip);

/*
 * Makes pin an output and drives it to its inactive level first, so a
 * relay never clicks on while a pin is configured.  active_low: the
 * device on the pin is on when the pin is low (most relay boards).
 */
int mcp23008_setup_output(struct mcp23008 *chip, unsigned pin, bool active_low);

/* Makes pin an input, with the chip's 100 kOhm pull-up when pull_up. */
int mcp23008_setup_input(struct mcp23008 *chip, unsigned pin, bool pull_up);

/*
 * Turns the device on pin on or off (polarity applied) without disturbing
 * other pins, then reads OLAT back: -EIO when it does not hold the value
 * written.
 */
int mcp23008_set(struct mcp23008 *chip, unsigned pin, bool on);

/* Reads the logic level on pin (GPIO register, IPOL applied by the chip). */
int mcp23008_get_level(struct mcp23008 *chip, unsigned pin, bool *level);

/*
 * A bit per pin the chip drives as an output, whoever made it one (as
 * read at init and changed through this driver since); 0 before init.
 */
uint8_t mcp23008_chip_outputs(const struct mcp23008 *chip);
uint8_t mcp23008_address(const struct mcp23008 *chip);

#endif
