/* sim backend: a virtual I2C bus with register-accurate MCP23008 and ADS1x15 models. */
#ifndef IRRIGD_HW_SIM_H
#define IRRIGD_HW_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/ads1x15.h"
#include "hw/i2c.h"

/*
 * The virtual bus turns each SMBus operation into the I2C transactions a
 * real adapter would put on the wire, and hands them to the chip model at
 * the address:
 *   write_byte_data  -> write [reg, value]
 *   read_byte_data   -> write [reg], then read 1 byte
 *   write_word_data  -> write [reg, low, high]
 *   read_word_data   -> write [reg], then read 2 bytes: first = low byte
 * An address with no chip gives -ENXIO (no ACK), as on a real bus.
 */
struct sim_bus;

struct sim_chip_ops {
	/* One write transaction: START, addr+W, len bytes, STOP. */
	int (*write)(void *chip, const uint8_t *data, size_t len);
	/* One read transaction: START, addr+R, len bytes, STOP. */
	int (*read)(void *chip, uint8_t *data, size_t len);
};

struct sim_bus *sim_bus_new(void);
/* The bus as drivers use it; i2c_bus_destroy() on it frees the sim_bus. */
struct i2c_bus *sim_bus_i2c(struct sim_bus *bus);
/* -EEXIST when addr is taken, -ENOSPC when the bus is full. */
int sim_bus_attach(struct sim_bus *bus, uint8_t addr,
		   const struct sim_chip_ops *ops, void *chip);

/*
 * Fault injection: from now on each attempt at an SMBus operation fails
 * with -EIO with probability rate (0 to 1), before any chip sees it.  The
 * bus retries a failed attempt as linux_i2c does (I2C_TRIES attempts in
 * all, hw/i2c.h), without sleeping, so an operation fails only when every
 * attempt does: rate^I2C_TRIES of the time.  The draws come from a
 * pseudo-random sequence with a fixed seed, restarted by every call, so
 * a test sees the same failures each run.  Errors a chip itself returns
 * are passed on as before, untried again: the models answer the same
 * each time.  -EINVAL outside [0, 1]; 0 (the default) injects nothing.
 */
int sim_bus_set_error_rate(struct sim_bus *bus, double rate);

/* ---- MCP23008 model (datasheet DS21919) ---- */

struct sim_mcp23008;

/*
 * Called whenever what the chip drives onto its pins may have changed:
 * driven has a bit set per pin configured as an output (IODIR clear),
 * levels the OLAT value on those pins.
 */
typedef void (*sim_mcp23008_pins_fn)(void *ctx, uint8_t driven, uint8_t levels);

/* A chip in its power-on reset state (IODIR 0xFF, everything else 0). */
struct sim_mcp23008 *sim_mcp23008_new(void);
void sim_mcp23008_free(struct sim_mcp23008 *chip);
int sim_mcp23008_attach(struct sim_mcp23008 *chip, struct sim_bus *bus,
			uint8_t addr);
void sim_mcp23008_on_pins(struct sim_mcp23008 *chip, sim_mcp23008_pins_fn fn,
			  void *ctx);
/* The level an outside circuit puts on an input pin (default: floating). */
void sim_mcp23008_drive_input(struct sim_mcp23008 *chip, unsigned pin,
			      bool level);
/*
 * The direction and latch a chip kept from before (a real one outlives
 * the process that drove it), reported to the pins callback.
 */
void sim_mcp23008_restore(struct sim_mcp23008 *chip, uint8_t iodir, uint8_t olat);
/*
 * Fault injection: the OLAT bits in mask ignore writes (to OLAT or GPIO)
 * from now on and keep the value they had when made stuck; reads give
 * that value and the pins follow OLAT as usual.  A driver that reads OLAT
 * back sees the mismatch.  Bits left out of mask take writes again,
 * keeping their value until the next write; 0 frees every bit.
 */
void sim_mcp23008_set_stuck(struct sim_mcp23008 *chip, uint8_t mask);
/* Register contents, for tests; reg 0x00-0x0A. */
uint8_t sim_mcp23008_reg(const struct sim_mcp23008 *chip, uint8_t reg);
/* Is pin an output driving high / low?  false for inputs. */
bool sim_mcp23008_drives(const struct sim_mcp23008 *chip, unsigned pin,
			 bool level);

/* ---- ADS1115 / ADS1015 model (datasheet SBAS444) ---- */

struct sim_ads1x15;

/* Volts on AIN<channel> against GND, asked at the start of each conversion. */
typedef double (*sim_ads1x15_input_fn)(void *ctx, unsigned channel);
/* The model's clock in ns (CLOCK_MONOTONIC unless a test sets another). */
typedef uint64_t (*sim_clock_fn)(void *ctx);

/* A chip in its reset state (config 0x8583: single-shot, powered down). */
struct sim_ads1x15 *sim_ads1x15_new(enum ads1x15_type type,
				    sim_ads1x15_input_fn input, void *ctx);
void sim_ads1x15_free(struct sim_ads1x15 *adc);
int sim_ads1x15_attach(struct sim_ads1x15 *adc, struct sim_bus *bus,
		       uint8_t addr);
void sim_ads1x15_set_clock(struct sim_ads1x15 *adc, sim_clock_fn now,
			   void *ctx);
/* Register contents as the chip holds them (not byte-swapped). */
uint16_t sim_ads1x15_reg(const struct sim_ads1x15 *adc, uint8_t reg);
/* Conversions started since reset, for tests. */
unsigned sim_ads1x15_conversions(const struct sim_ads1x15 *adc);

#endif
