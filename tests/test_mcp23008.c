/* Tests of the MCP23008 driver against the chip model, and of the model against datasheet DS21919. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hw/mcp23008.h"
#include "hw/sim.h"

#define ADDR 0x20
#define MAX_EVENTS 64

/* What the chip drove onto its pins, every time that may have changed. */
struct history {
	uint8_t driven[MAX_EVENTS];
	uint8_t levels[MAX_EVENTS];
	size_t n;
};

/*
 * A bus between driver and chip that can go wrong: it flips bits of OLAT
 * writes (a marginal bus, a chip that glitched) or fails one register.
 */
struct faulty_bus {
	struct i2c_bus base;
	struct i2c_bus *inner;
	uint8_t olat_flip;
	int fail_reg;		/* -1: none */
};

struct fixture {
	struct sim_bus *sim;
	struct i2c_bus *bus;
	struct sim_mcp23008 *chip;
	struct history hist;
	struct faulty_bus faulty;
	struct mcp23008 *drv;	/* on the faulty bus, which passes all by default */
};

static void record_pins(void *ctx, uint8_t driven, uint8_t levels)
{
	struct history *h = ctx;

	assert_true(h->n < MAX_EVENTS);
	h->driven[h->n] = driven;
	h->levels[h->n] = levels;
	h->n++;
}

static struct faulty_bus *to_faulty(struct i2c_bus *bus)
{
	return (struct faulty_bus *)bus;
}

static int faulty_read_byte(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			    uint8_t *value)
{
	struct faulty_bus *f = to_faulty(bus);

	if (reg == f->fail_reg)
		return -EIO;
	return i2c_read_byte_data(f->inner, addr, reg, value);
}

static int faulty_write_byte(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			     uint8_t value)
{
	struct faulty_bus *f = to_faulty(bus);

	if (reg == f->fail_reg)
		return -EIO;
	if (reg == MCP23008_OLAT)
		value ^= f->olat_flip;
	return i2c_write_byte_data(f->inner, addr, reg, value);
}

static int faulty_read_word(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			    uint16_t *value)
{
	(void)bus, (void)addr, (void)reg, (void)value;
	fail_msg("the MCP23008 driver has no use for word transfers");
	return -EIO;
}

static int faulty_write_word(struct i2c_bus *bus, uint8_t addr, uint8_t reg,
			     uint16_t value)
{
	(void)bus, (void)addr, (void)reg, (void)value;
	fail_msg("the MCP23008 driver has no use for word transfers");
	return -EIO;
}

static void faulty_destroy(struct i2c_bus *bus)
{
	(void)bus;
}

static const struct i2c_bus_ops faulty_ops = {
	faulty_read_byte, faulty_write_byte, faulty_read_word,
	faulty_write_word, faulty_destroy,
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	f->sim = sim_bus_new();
	assert_non_null(f->sim);
	f->bus = sim_bus_i2c(f->sim);
	f->chip = sim_mcp23008_new();
	assert_non_null(f->chip);
	assert_int_equal(sim_mcp23008_attach(f->chip, f->sim, ADDR), 0);
	sim_mcp23008_on_pins(f->chip, record_pins, &f->hist);
	f->faulty = (struct faulty_bus){ { &faulty_ops, "faulty" }, f->bus, 0, -1 };
	f->drv = mcp23008_new(&f->faulty.base, ADDR);
	assert_non_null(f->drv);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	mcp23008_free(f->drv);
	i2c_bus_destroy(f->bus);
	sim_mcp23008_free(f->chip);
	test_free(f);
	return 0;
}

static uint8_t reg(struct fixture *f, uint8_t r)
{
	return sim_mcp23008_reg(f->chip, r);
}

static void poke(struct fixture *f, uint8_t r, uint8_t value)
{
	assert_int_equal(i2c_write_byte_data(f->bus, ADDR, r, value), 0);
}

static uint8_t peek(struct fixture *f, uint8_t r)
{
	uint8_t v = 0;

	assert_int_equal(i2c_read_byte_data(f->bus, ADDR, r, &v), 0);
	return v;
}

/* ---- the model against the datasheet ---- */

static void test_model_power_on_reset(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(peek(f, MCP23008_IODIR), 0xFF);
	for (uint8_t r = MCP23008_IPOL; r <= MCP23008_OLAT; r++)
		assert_int_equal(peek(f, r), 0);
	for (unsigned pin = 0; pin < MCP23008_PINS; pin++) {
		assert_false(sim_mcp23008_drives(f->chip, pin, false));
		assert_false(sim_mcp23008_drives(f->chip, pin, true));
	}
}

static void test_model_sequential_access_wraps_after_olat(void **state)
{
	struct fixture *f = *state;
	uint16_t w = 0;

	/* A word write to OLAT carries on into IODIR, wrapping at 0x0A. */
	assert_int_equal(i2c_write_word_data(f->bus, ADDR, MCP23008_OLAT, 0x3412), 0);
	assert_int_equal(reg(f, MCP23008_OLAT), 0x12);
	assert_int_equal(reg(f, MCP23008_IODIR), 0x34);
	assert_int_equal(i2c_read_word_data(f->bus, ADDR, MCP23008_OLAT, &w), 0);
	assert_int_equal(w, 0x3412);
	assert_int_equal(i2c_write_word_data(f->bus, ADDR, MCP23008_IPOL, 0xBBAA), 0);
	assert_int_equal(reg(f, MCP23008_IPOL), 0xAA);
	assert_int_equal(reg(f, MCP23008_GPINTEN), 0xBB);
}

static void test_model_seqop_keeps_the_pointer(void **state)
{
	struct fixture *f = *state;
	uint16_t w = 0;

	poke(f, MCP23008_IOCON, 0x20);
	assert_int_equal(i2c_write_word_data(f->bus, ADDR, MCP23008_IPOL, 0xBBAA), 0);
	assert_int_equal(reg(f, MCP23008_IPOL), 0xBB);
	assert_int_equal(reg(f, MCP23008_GPINTEN), 0);
	assert_int_equal(i2c_read_word_data(f->bus, ADDR, MCP23008_IPOL, &w), 0);
	assert_int_equal(w, 0xBBBB);
}

static void test_model_nacks_registers_it_lacks(void **state)
{
	struct fixture *f = *state;
	uint8_t v = 0x77;

	assert_int_equal(i2c_write_byte_data(f->bus, ADDR, 0x0B, 0), -EIO);
	assert_int_equal(i2c_write_byte_data(f->bus, ADDR, 0x10, 0), -EIO);
	assert_int_equal(i2c_read_byte_data(f->bus, ADDR, 0xFF, &v), -EIO);
	assert_int_equal(v, 0x77);
	assert_int_equal(reg(f, MCP23008_IODIR), 0xFF);
	assert_int_equal(f->hist.n, 0);
}

static void test_model_gpio_reads_pins_and_writes_olat(void **state)
{
	struct fixture *f = *state;

	poke(f, MCP23008_IODIR, 0x0F);	/* pins 0-3 in, 4-7 out */
	poke(f, MCP23008_GPIO, 0x3C);
	assert_int_equal(reg(f, MCP23008_OLAT), 0x3C);
	poke(f, MCP23008_GPPU, 0x04);
	sim_mcp23008_drive_input(f->chip, 0, true);
	sim_mcp23008_drive_input(f->chip, 1, false);
	/* Outputs read OLAT; pin 2 is pulled up, pin 3 floats low. */
	assert_int_equal(peek(f, MCP23008_GPIO), 0x30 | 0x01 | 0x04);
	/* IPOL inverts inputs only. */
	poke(f, MCP23008_IPOL, 0xFF);
	assert_int_equal(peek(f, MCP23008_GPIO), 0x30 | 0x02 | 0x08);
	assert_true(sim_mcp23008_drives(f->chip, 4, true));
	assert_true(sim_mcp23008_drives(f->chip, 6, false));
	assert_false(sim_mcp23008_drives(f->chip, 0, true));
}

static void test_model_read_only_and_unimplemented_bits(void **state)
{
	struct fixture *f = *state;

	poke(f, MCP23008_INTF, 0xFF);
	poke(f, MCP23008_INTCAP, 0xFF);
	poke(f, MCP23008_IOCON, 0xFF);
	assert_int_equal(peek(f, MCP23008_INTF), 0);
	assert_int_equal(peek(f, MCP23008_INTCAP), 0);
	assert_int_equal(peek(f, MCP23008_IOCON), 0x3E);
}

static void test_model_reports_pin_changes(void **state)
{
	struct fixture *f = *state;

	poke(f, MCP23008_IPOL, 0x01);
	poke(f, MCP23008_GPPU, 0x01);
	assert_int_equal(f->hist.n, 0);
	poke(f, MCP23008_OLAT, 0x81);
	poke(f, MCP23008_IODIR, 0xF0);
	poke(f, MCP23008_GPIO, 0x02);
	assert_int_equal(f->hist.n, 3);
	assert_int_equal(f->hist.driven[0], 0x00);
	assert_int_equal(f->hist.levels[0], 0x81);
	assert_int_equal(f->hist.driven[1], 0x0F);
	assert_int_equal(f->hist.levels[1], 0x81);
	assert_int_equal(f->hist.driven[2], 0x0F);
	assert_int_equal(f->hist.levels[2], 0x02);
}

/* ---- the driver on the model ---- */

static void test_set_changes_only_its_pin(void **state)
{
	struct fixture *f = *state;
	const uint8_t before = 0xA5;	/* pins 0, 2, 5, 7 on */

	assert_int_equal(mcp23008_init(f->drv), 0);
	for (unsigned pin = 0; pin < MCP23008_PINS; pin++) {
		assert_int_equal(mcp23008_setup_output(f->drv, pin, false), 0);
		assert_int_equal(mcp23008_set(f->drv, pin, before & (1u << pin)), 0);
	}
	assert_int_equal(reg(f, MCP23008_OLAT), before);

	assert_int_equal(mcp23008_set(f->drv, 3, true), 0);
	for (unsigned pin = 0; pin < MCP23008_PINS; pin++)
		assert_true(sim_mcp23008_drives(f->chip, pin,
						pin == 3 || (before & (1u << pin))));
	assert_int_equal(mcp23008_set(f->drv, 3, false), 0);
	assert_int_equal(reg(f, MCP23008_OLAT), before);
}

static void test_init_keeps_pins_set_before_it(void **state)
{
	struct fixture *f = *state;

	/* A daemon restart: another pin is already an output, driven high. */
	poke(f, MCP23008_OLAT, 0x40);
	poke(f, MCP23008_IODIR, 0xBF);
	poke(f, MCP23008_GPPU, 0x02);
	assert_int_equal(mcp23008_init(f->drv), 0);
	assert_int_equal(mcp23008_setup_output(f->drv, 0, false), 0);
	assert_int_equal(mcp23008_set(f->drv, 0, true), 0);
	assert_true(sim_mcp23008_drives(f->chip, 6, true));
	assert_true(sim_mcp23008_drives(f->chip, 0, true));
	assert_int_equal(mcp23008_setup_input(f->drv, 7, false), 0);
	assert_int_equal(reg(f, MCP23008_GPPU), 0x02);
}

static void test_active_low_drives_low_for_on(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mcp23008_init(f->drv), 0);
	assert_int_equal(mcp23008_setup_output(f->drv, 1, true), 0);
	assert_true(sim_mcp23008_drives(f->chip, 1, true));
	assert_int_equal(mcp23008_set(f->drv, 1, true), 0);
	assert_true(sim_mcp23008_drives(f->chip, 1, false));
	assert_int_equal(mcp23008_set(f->drv, 1, false), 0);
	assert_true(sim_mcp23008_drives(f->chip, 1, true));
}

/* Every state the pin went through while being set up was "off". */
static void assert_never_active(const struct history *h, unsigned pin,
				bool active_level)
{
	uint8_t bit = (uint8_t)(1u << pin);
	bool was_driven = false;

	for (size_t i = 0; i < h->n; i++) {
		if (!(h->driven[i] & bit))
			continue;
		was_driven = true;
		assert_int_not_equal(!!(h->levels[i] & bit), active_level);
	}
	assert_true(was_driven);
}

static void test_setup_output_never_drives_active_level(void **state)
{
	struct fixture *f = *state;

	/* OLAT holds each pin's active level from before, as after a crash. */
	poke(f, MCP23008_OLAT, 0x10);
	f->hist.n = 0;
	assert_int_equal(mcp23008_init(f->drv), 0);
	assert_int_equal(mcp23008_setup_output(f->drv, 4, false), 0);
	assert_int_equal(mcp23008_setup_output(f->drv, 5, true), 0);
	assert_never_active(&f->hist, 4, true);
	assert_never_active(&f->hist, 5, false);
	assert_true(sim_mcp23008_drives(f->chip, 4, false));
	assert_true(sim_mcp23008_drives(f->chip, 5, true));
}

static void test_setup_output_turns_an_active_output_off(void **state)
{
	struct fixture *f = *state;

	poke(f, MCP23008_OLAT, 0x00);
	poke(f, MCP23008_IODIR, 0x00);	/* all on, for active-low relays */
	assert_int_equal(mcp23008_init(f->drv), 0);
	assert_int_equal(mcp23008_setup_output(f->drv, 2, true), 0);
	assert_true(sim_mcp23008_drives(f->chip, 2, true));
	assert_true(sim_mcp23008_drives(f->chip, 3, false));
}

static void test_setup_input_and_levels(void **state)
{
	struct fixture *f = *state;
	bool level = false;

	assert_int_equal(mcp23008_init(f->drv), 0);
	assert_int_equal(mcp23008_setup_output(f->drv, 6, false), 0);
	assert_int_equal(mcp23008_setup_input(f->drv, 6, true), 0);
	assert_int_equal(reg(f, MCP23008_IODIR), 0xFF);
	assert_int_equal(reg(f, MCP23008_GPPU), 0x40);
	assert_int_equal(mcp23008_get_level(f->drv, 6, &level), 0);
	assert_true(level);
	assert_int_equal(mcp23008_set(f->drv, 6, true), -EINVAL);

	assert_int_equal(mcp23008_setup_input(f->drv, 6, false), 0);
	assert_int_equal(reg(f, MCP23008_GPPU), 0x00);
	assert_int_equal(mcp23008_get_level(f->drv, 6, &level), 0);
	assert_false(level);
	sim_mcp23008_drive_input(f->chip, 6, true);
	assert_int_equal(mcp23008_get_level(f->drv, 6, &level), 0);
	assert_true(level);
	/* The chip applies IPOL; the driver reports what it reads. */
	poke(f, MCP23008_IPOL, 0x40);
	assert_int_equal(mcp23008_get_level(f->drv, 6, &level), 0);
	assert_false(level);
}

static void test_readback_mismatch_is_eio(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mcp23008_init(f->drv), 0);
	assert_int_equal(mcp23008_setup_output(f->drv, 0, false), 0);
	assert_int_equal(mcp23008_setup_output(f->drv, 1, false), 0);
	assert_int_equal(mcp23008_setup_output(f->drv, 7, false), 0);

	f->faulty.olat_flip = 0x80;
	assert_int_equal(mcp23008_set(f->drv, 0, true), -EIO);
	assert_int_equal(reg(f, MCP23008_OLAT), 0x81);

	/* The cache follows the chip: pin 7 stays on until asked otherwise. */
	f->faulty.olat_flip = 0;
	assert_int_equal(mcp23008_set(f->drv, 1, true), 0);
	assert_int_equal(reg(f, MCP23008_OLAT), 0x83);
	assert_int_equal(mcp23008_set(f->drv, 7, false), 0);
	assert_int_equal(reg(f, MCP23008_OLAT), 0x03);
}

/* ---- an injected stuck output (sim fault injection) ---- */

static void test_model_stuck_bits_ignore_writes(void **state)
{
	struct fixture *f = *state;

	poke(f, MCP23008_IODIR, 0x00);
	poke(f, MCP23008_OLAT, 0x05);
	/* Bit 0 stuck high, bit 1 stuck low. */
	sim_mcp23008_set_stuck(f->chip, 0x03);
	assert_int_equal(reg(f, MCP23008_OLAT), 0x05);
	f->hist.n = 0;
	poke(f, MCP23008_OLAT, 0xFA);
	assert_int_equal(peek(f, MCP23008_OLAT), 0xF9);
	assert_int_equal(peek(f, MCP23008_GPIO), 0xF9);
	assert_true(sim_mcp23008_drives(f->chip, 0, true));
	assert_true(sim_mcp23008_drives(f->chip, 1, false));
	/* A write to GPIO goes to OLAT, stuck bits and all. */
	poke(f, MCP23008_GPIO, 0x02);
	assert_int_equal(peek(f, MCP23008_OLAT), 0x01);
	/* The pins follow OLAT as usual, and say so. */
	assert_int_equal(f->hist.n, 2);
	assert_int_equal(f->hist.driven[1], 0xFF);
	assert_int_equal(f->hist.levels[1], 0x01);
	/* Other registers are not affected. */
	poke(f, MCP23008_GPPU, 0x03);
	assert_int_equal(peek(f, MCP23008_GPPU), 0x03);

	/* Freed, the bits keep their value until the next write takes. */
	sim_mcp23008_set_stuck(f->chip, 0x02);
	assert_int_equal(reg(f, MCP23008_OLAT), 0x01);
	poke(f, MCP23008_OLAT, 0x02);
	assert_int_equal(reg(f, MCP23008_OLAT), 0x00);
	sim_mcp23008_set_stuck(f->chip, 0);
	poke(f, MCP23008_OLAT, 0x02);
	assert_int_equal(reg(f, MCP23008_OLAT), 0x02);
}

static void test_stuck_output_set_is_eio(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mcp23008_init(f->drv), 0);
	assert_int_equal(mcp23008_setup_output(f->drv, 3, false), 0);
	assert_int_equal(mcp23008_setup_output(f->drv, 4, true), 0);
	assert_int_equal(mcp23008_set(f->drv, 3, true), 0);
	sim_mcp23008_set_stuck(f->chip, 0x08);

	/* The relay stays on and the driver notices. */
	assert_int_equal(mcp23008_set(f->drv, 3, false), -EIO);
	assert_true(sim_mcp23008_drives(f->chip, 3, true));
	assert_int_equal(mcp23008_set(f->drv, 3, false), -EIO);
	/* Turning it on again "works": it already is. */
	assert_int_equal(mcp23008_set(f->drv, 3, true), 0);
	/* The other pins still switch. */
	assert_int_equal(mcp23008_set(f->drv, 4, true), 0);
	assert_true(sim_mcp23008_drives(f->chip, 4, false));
	assert_true(sim_mcp23008_drives(f->chip, 3, true));

	sim_mcp23008_set_stuck(f->chip, 0);
	assert_int_equal(mcp23008_set(f->drv, 3, false), 0);
	assert_true(sim_mcp23008_drives(f->chip, 3, false));
	assert_true(sim_mcp23008_drives(f->chip, 4, false));
}

static void test_failed_setup_leaves_pin_an_input(void **state)
{
	struct fixture *f = *state;

	poke(f, MCP23008_OLAT, 0x08);
	assert_int_equal(mcp23008_init(f->drv), 0);
	/* OLAT does not take the inactive level: the pin must not drive. */
	f->faulty.olat_flip = 0x08;
	assert_int_equal(mcp23008_setup_output(f->drv, 3, false), -EIO);
	assert_int_equal(reg(f, MCP23008_IODIR), 0xFF);
	assert_int_equal(mcp23008_set(f->drv, 3, true), -EINVAL);

	f->faulty.olat_flip = 0;
	f->faulty.fail_reg = MCP23008_IODIR;
	assert_int_equal(mcp23008_setup_output(f->drv, 3, false), -EIO);
	assert_int_equal(mcp23008_set(f->drv, 3, true), -EINVAL);
	assert_int_equal(reg(f, MCP23008_IODIR), 0xFF);
}

static void test_bad_pins_change_nothing(void **state)
{
	struct fixture *f = *state;
	bool level = true;

	assert_int_equal(mcp23008_init(f->drv), 0);
	f->hist.n = 0;
	assert_int_equal(mcp23008_setup_output(f->drv, 8, false), -EINVAL);
	assert_int_equal(mcp23008_setup_output(f->drv, 1000, true), -EINVAL);
	assert_int_equal(mcp23008_setup_input(f->drv, 8, true), -EINVAL);
	assert_int_equal(mcp23008_set(f->drv, 8, true), -EINVAL);
	assert_int_equal(mcp23008_set(f->drv, 2, true), -EINVAL);
	assert_int_equal(mcp23008_get_level(f->drv, 8, &level), -EINVAL);
	assert_true(level);
	assert_int_equal(f->hist.n, 0);
	assert_int_equal(reg(f, MCP23008_IODIR), 0xFF);
	assert_int_equal(reg(f, MCP23008_GPPU), 0);
}

static void test_use_before_init_is_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mcp23008_setup_output(f->drv, 0, false), -EINVAL);
	assert_int_equal(f->hist.n, 0);
	f->faulty.fail_reg = MCP23008_GPPU;
	assert_int_equal(mcp23008_init(f->drv), -EIO);
	assert_int_equal(mcp23008_setup_output(f->drv, 0, false), -EINVAL);
	assert_int_equal(f->hist.n, 0);
}

static void test_unknown_address_is_enxio(void **state)
{
	struct fixture *f = *state;
	struct mcp23008 *absent = mcp23008_new(f->bus, 0x27);
	bool level;

	assert_non_null(absent);
	assert_int_equal(mcp23008_address(absent), 0x27);
	assert_int_equal(mcp23008_init(absent), -ENXIO);
	assert_int_equal(mcp23008_get_level(absent, 0, &level), -ENXIO);
	mcp23008_free(absent);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_model_power_on_reset),
		T(test_model_sequential_access_wraps_after_olat),
		T(test_model_seqop_keeps_the_pointer),
		T(test_model_nacks_registers_it_lacks),
		T(test_model_gpio_reads_pins_and_writes_olat),
		T(test_model_read_only_and_unimplemented_bits),
		T(test_model_reports_pin_changes),
		T(test_set_changes_only_its_pin),
		T(test_init_keeps_pins_set_before_it),
		T(test_active_low_drives_low_for_on),
		T(test_setup_output_never_drives_active_level),
		T(test_setup_output_turns_an_active_output_off),
		T(test_setup_input_and_levels),
		T(test_readback_mismatch_is_eio),
		T(test_model_stuck_bits_ignore_writes),
		T(test_stuck_output_set_is_eio),
		T(test_failed_setup_leaves_pin_an_input),
		T(test_bad_pins_change_nothing),
		T(test_use_before_init_is_refused),
		T(test_unknown_address_is_enxio),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
