/* Tests of the ADS1x15 driver against the chip model, and of the model against datasheets SBAS444/SBAS473. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "hw/ads1x15.h"
#include "hw/sim.h"

#define ADDR_1115 0x48
#define ADDR_1015 0x49

enum clock_mode { CLOCK_MANUAL, CLOCK_HALF_SPEED };

struct test_clock {
	enum clock_mode mode;
	uint64_t ns;		/* CLOCK_MANUAL: the time; else the start */
};

struct fixture {
	struct sim_bus *sim;
	struct i2c_bus *bus;
	double volts[ADS1X15_CHANNELS];
	struct test_clock clock;
	struct sim_ads1x15 *model[2];	/* indexed by enum ads1x15_type */
	struct ads1x15 *drv[2];
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t test_now(void *ctx)
{
	struct test_clock *c = ctx;

	if (c->mode == CLOCK_MANUAL)
		return c->ns;
	return (monotonic_ns() - c->ns) / 2;
}

static double input(void *ctx, unsigned channel)
{
	struct fixture *f = ctx;

	assert_true(channel < ADS1X15_CHANNELS);
	return f->volts[channel];
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	const uint8_t addr[2] = { [ADS1115] = ADDR_1115, [ADS1015] = ADDR_1015 };

	f->sim = sim_bus_new();
	assert_non_null(f->sim);
	f->bus = sim_bus_i2c(f->sim);
	for (int t = ADS1115; t <= ADS1015; t++) {
		f->model[t] = sim_ads1x15_new(t, input, f);
		assert_non_null(f->model[t]);
		assert_int_equal(sim_ads1x15_attach(f->model[t], f->sim, addr[t]), 0);
		f->drv[t] = ads1x15_new(f->bus, addr[t], t);
		assert_non_null(f->drv[t]);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (int t = ADS1115; t <= ADS1015; t++) {
		ads1x15_free(f->drv[t]);
		sim_ads1x15_free(f->model[t]);
	}
	i2c_bus_destroy(f->bus);
	test_free(f);
	return 0;
}

static void use_manual_clock(struct fixture *f)
{
	f->clock = (struct test_clock){ CLOCK_MANUAL, 1000000000u };
	for (int t = ADS1115; t <= ADS1015; t++)
		sim_ads1x15_set_clock(f->model[t], test_now, &f->clock);
}

static uint16_t swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

/* Register access as the chip means it: most significant byte first. */
static int chip_write(struct fixture *f, uint8_t addr, uint8_t reg, uint16_t v)
{
	return i2c_write_word_data(f->bus, addr, reg, swap16(v));
}

static uint16_t chip_read(struct fixture *f, uint8_t addr, uint8_t reg)
{
	uint16_t wire = 0;

	assert_int_equal(i2c_read_word_data(f->bus, addr, reg, &wire), 0);
	return swap16(wire);
}

/* OS=1, MODE=1 (single-shot), comparator off, with the given fields. */
static uint16_t single_shot(unsigned mux, unsigned pga, unsigned dr)
{
	return (uint16_t)(0x8000 | mux << 12 | pga << 9 | 0x0100 | dr << 5 | 3);
}

/* ---- the model against the datasheets ---- */

static void test_model_reset_state_is_sent_msb_first(void **state)
{
	struct fixture *f = *state;
	uint16_t w = 0;
	uint8_t b = 0;

	assert_int_equal(sim_ads1x15_reg(f->model[ADS1115], ADS1X15_REG_CONFIG), 0x8583);
	assert_int_equal(i2c_read_word_data(f->bus, ADDR_1115, ADS1X15_REG_CONFIG, &w), 0);
	assert_int_equal(w, 0x8385);
	assert_int_equal(i2c_read_byte_data(f->bus, ADDR_1115, ADS1X15_REG_CONFIG, &b), 0);
	assert_int_equal(b, 0x85);
	assert_int_equal(chip_read(f, ADDR_1015, ADS1X15_REG_CONFIG), 0x8583);
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_LO_THRESH), 0x8000);
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_HI_THRESH), 0x7FFF);
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONVERSION), 0);
	assert_int_equal(sim_ads1x15_conversions(f->model[ADS1115]), 0);
}

static void test_model_rejects_bad_pointers_and_lengths(void **state)
{
	struct fixture *f = *state;
	uint8_t b = 0x5A;

	assert_int_equal(i2c_read_byte_data(f->bus, ADDR_1115, 0x04, &b), -EIO);
	assert_int_equal(i2c_write_word_data(f->bus, ADDR_1115, 0x81, 0), -EIO);
	/* pointer + one byte is half a register */
	assert_int_equal(i2c_write_byte_data(f->bus, ADDR_1115, ADS1X15_REG_CONFIG, 0), -EIO);
	assert_int_equal(b, 0x5A);
	assert_int_equal(sim_ads1x15_reg(f->model[ADS1115], ADS1X15_REG_CONFIG), 0x8583);
}

static void test_model_registers_writable_or_not(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(chip_write(f, ADDR_1115, ADS1X15_REG_LO_THRESH, 0x1234), 0);
	assert_int_equal(chip_write(f, ADDR_1115, ADS1X15_REG_HI_THRESH, 0xFEDC), 0);
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_LO_THRESH), 0x1234);
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_HI_THRESH), 0xFEDC);
	assert_int_equal(chip_write(f, ADDR_1115, ADS1X15_REG_CONVERSION, 0x4321), 0);
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONVERSION), 0);
	/* Power-down config without OS: nothing converts. */
	assert_int_equal(chip_write(f, ADDR_1115, ADS1X15_REG_CONFIG, 0x4383), 0);
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONFIG), 0xC383);
	assert_int_equal(sim_ads1x15_conversions(f->model[ADS1115]), 0);
}

static void test_model_single_shot_takes_one_period(void **state)
{
	struct fixture *f = *state;
	const uint64_t period = 7812500;	/* 128 SPS, DR=100 */
	const uint16_t cfg = single_shot(4, 1, 4);

	use_manual_clock(f);
	f->volts[0] = 1.65;
	assert_int_equal(chip_write(f, ADDR_1115, ADS1X15_REG_CONFIG, cfg), 0);
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONFIG), cfg & 0x7FFF);
	f->clock.ns += period - 1;
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONVERSION), 0);
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONFIG), cfg & 0x7FFF);
	f->clock.ns += 1;
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONFIG), cfg);
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONVERSION), 13200);

	/* While the next one runs, the previous result stays readable. */
	f->volts[0] = 0.5;
	assert_int_equal(chip_write(f, ADDR_1115, ADS1X15_REG_CONFIG, cfg), 0);
	f->clock.ns += period / 2;
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONVERSION), 13200);
	assert_int_equal(sim_ads1x15_reg(f->model[ADS1115], ADS1X15_REG_CONVERSION), 13200);
	/* OS=1 again mid-conversion does not restart it. */
	assert_int_equal(chip_write(f, ADDR_1115, ADS1X15_REG_CONFIG, cfg), 0);
	f->clock.ns += period / 2;
	assert_int_equal(sim_ads1x15_reg(f->model[ADS1115], ADS1X15_REG_CONVERSION), 4000);
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONVERSION), 4000);
	assert_int_equal(sim_ads1x15_conversions(f->model[ADS1115]), 2);
}

static void assert_period(struct fixture *f, enum ads1x15_type t,
			  unsigned dr, uint64_t period)
{
	const uint8_t addr = t == ADS1115 ? ADDR_1115 : ADDR_1015;

	assert_int_equal(chip_write(f, addr, ADS1X15_REG_CONFIG,
				    single_shot(4, 1, dr)), 0);
	f->clock.ns += period - 1;
	assert_false(chip_read(f, addr, ADS1X15_REG_CONFIG) & 0x8000);
	f->clock.ns += 1;
	assert_true(chip_read(f, addr, ADS1X15_REG_CONFIG) & 0x8000);
}

static void test_model_data_rates_per_chip(void **state)
{
	struct fixture *f = *state;

	use_manual_clock(f);
	assert_period(f, ADS1115, 0, 125000000);	/* 8 SPS */
	assert_period(f, ADS1115, 5, 4000000);		/* 250 SPS */
	assert_period(f, ADS1115, 7, 1162791);		/* 860 SPS */
	assert_period(f, ADS1015, 0, 7812500);		/* 128 SPS */
	assert_period(f, ADS1015, 1, 4000000);		/* 250 SPS */
	assert_period(f, ADS1015, 6, 303031);		/* 3300 SPS */
	assert_period(f, ADS1015, 7, 303031);		/* 3300 SPS */
}

struct code_case {
	unsigned mux, pga;
	double ain[4];
	int16_t ads1115, ads1015;
};

static void test_model_result_codes(void **state)
{
	struct fixture *f = *state;
	static const struct code_case cases[] = {
		{ 4, 1, { 1.65, 0, 0, 0 }, 13200, 13200 },
		{ 7, 1, { 0, 0, 0, 1.65 }, 13200, 13200 },
		/* 12 bits: 500.6 rounds to 501, shifted up 4 */
		{ 5, 1, { 0, 1.0012, 0, 0 }, 8010, 8016 },
		{ 0, 1, { 0.5, 1.0, 0, 0 }, -4000, -4000 },
		{ 1, 2, { 0.5, 0, 0, 1.5 }, -16000, -16000 },
		{ 2, 2, { 0, 1.5, 0, 0.5 }, 16000, 16000 },
		{ 3, 0, { 0, 0, 3.072, 0 }, 16384, 16384 },
		{ 4, 1, { 5.0, 0, 0, 0 }, 32767, 32752 },
		{ 4, 1, { -5.0, 0, 0, 0 }, -32768, -32768 },
		{ 6, 5, { 0, 0, 0.1, 0 }, 12800, 12800 },
		{ 6, 7, { 0, 0, 0.1, 0 }, 12800, 12800 },
		{ 6, 4, { 0, 0, 0.1, 0 }, 6400, 6400 },
		{ 6, 3, { 0, 0, 0.1, 0 }, 3200, 3200 },
	};

	use_manual_clock(f);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct code_case *c = &cases[i];

		for (unsigned ch = 0; ch < 4; ch++)
			f->volts[ch] = c->ain[ch];
		assert_int_equal(chip_write(f, ADDR_1115, ADS1X15_REG_CONFIG,
					    single_shot(c->mux, c->pga, 7)), 0);
		assert_int_equal(chip_write(f, ADDR_1015, ADS1X15_REG_CONFIG,
					    single_shot(c->mux, c->pga, 7)), 0);
		f->clock.ns += 200000000;
		assert_int_equal((int16_t)chip_read(f, ADDR_1115, ADS1X15_REG_CONVERSION),
				 c->ads1115);
		assert_int_equal((int16_t)chip_read(f, ADDR_1015, ADS1X15_REG_CONVERSION),
				 c->ads1015);
	}
}

static void test_model_never_started_reads_zero(void **state)
{
	struct fixture *f = *state;

	use_manual_clock(f);
	f->volts[0] = 2.0;
	f->clock.ns += 10000000000u;
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONVERSION), 0);
	assert_int_equal(sim_ads1x15_reg(f->model[ADS1015], ADS1X15_REG_CONVERSION), 0);
	assert_int_equal(sim_ads1x15_conversions(f->model[ADS1115]), 0);
}

static void test_model_continuous_mode(void **state)
{
	struct fixture *f = *state;
	const uint16_t cfg = single_shot(4, 1, 5) & ~0x8100;	/* MODE=0 */

	use_manual_clock(f);
	f->volts[0] = 1.0;
	assert_int_equal(chip_write(f, ADDR_1115, ADS1X15_REG_CONFIG, cfg), 0);
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONVERSION), 0);
	f->clock.ns += 4000000;
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONVERSION), 8000);
	f->volts[0] = 2.0;
	f->clock.ns += 4000000;
	assert_int_equal(chip_read(f, ADDR_1115, ADS1X15_REG_CONVERSION), 16000);
	assert_int_equal(sim_ads1x15_conversions(f->model[ADS1115]), 2);
}

/* ---- the driver on the model ---- */

static void test_reads_a_known_voltage(void **state)
{
	struct fixture *f = *state;

	f->volts[0] = 0.3;
	f->volts[1] = 1.65;
	f->volts[2] = 2.5;
	for (int t = ADS1115; t <= ADS1015; t++) {
		int16_t raw = 0;
		double v = 0;

		assert_int_equal(ads1x15_read_raw(f->drv[t], 1, &raw), 0);
		assert_in_range(raw, 13199, 13201);
		assert_int_equal(ads1x15_read_volts(f->drv[t], 1, &v), 0);
		assert_float_equal(v, 1.65, t == ADS1115 ? 0.000125 : 0.002);
		assert_int_equal(ads1x15_read_raw(f->drv[t], 2, &raw), 0);
		assert_in_range(raw, 19999, 20001);
		assert_int_equal(sim_ads1x15_conversions(f->model[t]), 3);
	}
}

static void test_config_word_per_chip(void **state)
{
	struct fixture *f = *state;
	int16_t raw;

	/* AIN2 vs GND, 4.096 V, single-shot, 250 SPS, comparator off */
	assert_int_equal(ads1x15_read_raw(f->drv[ADS1115], 2, &raw), 0);
	assert_int_equal(sim_ads1x15_reg(f->model[ADS1115], ADS1X15_REG_CONFIG), 0xE3A3);
	assert_int_equal(ads1x15_read_raw(f->drv[ADS1015], 2, &raw), 0);
	assert_int_equal(sim_ads1x15_reg(f->model[ADS1015], ADS1X15_REG_CONFIG), 0xE323);

	assert_int_equal(ads1x15_set_range_mv(f->drv[ADS1115], 2048), 0);
	assert_int_equal(ads1x15_set_data_rate(f->drv[ADS1115], 860), 0);
	assert_int_equal(ads1x15_read_raw(f->drv[ADS1115], 0, &raw), 0);
	assert_int_equal(sim_ads1x15_reg(f->model[ADS1115], ADS1X15_REG_CONFIG), 0xC5E3);
	assert_int_equal(ads1x15_set_range_mv(f->drv[ADS1015], 256), 0);
	assert_int_equal(ads1x15_set_data_rate(f->drv[ADS1015], 3300), 0);
	assert_int_equal(ads1x15_read_raw(f->drv[ADS1015], 3, &raw), 0);
	assert_int_equal(sim_ads1x15_reg(f->model[ADS1015], ADS1X15_REG_CONFIG), 0xFBC3);
}

static void test_negative_input_keeps_its_sign(void **state)
{
	struct fixture *f = *state;

	f->volts[3] = -0.1;
	for (int t = ADS1115; t <= ADS1015; t++) {
		int16_t raw = 0;
		double v = 0;

		assert_int_equal(ads1x15_read_raw(f->drv[t], 3, &raw), 0);
		assert_int_equal(raw, -800);
		assert_int_equal(ads1x15_read_volts(f->drv[t], 3, &v), 0);
		assert_float_equal(v, -0.1, 0.0001);
	}
}

static void test_range_scales_volts(void **state)
{
	struct fixture *f = *state;
	struct ads1x15 *adc = f->drv[ADS1115];
	int16_t raw = 0;
	double v = 0;

	f->volts[0] = 1.0;
	assert_int_equal(ads1x15_set_range_mv(adc, 2048), 0);
	assert_int_equal(ads1x15_read_raw(adc, 0, &raw), 0);
	assert_int_equal(raw, 16000);
	f->volts[0] = 3.0;
	assert_int_equal(ads1x15_set_range_mv(adc, 6144), 0);
	assert_int_equal(ads1x15_read_volts(adc, 0, &v), 0);
	assert_float_equal(v, 3.0, 0.0002);
	/* Beyond full scale the chip saturates. */
	assert_int_equal(ads1x15_set_range_mv(adc, 1024), 0);
	assert_int_equal(ads1x15_read_raw(adc, 0, &raw), 0);
	assert_int_equal(raw, 32767);
}

static void test_invalid_settings_change_nothing(void **state)
{
	struct fixture *f = *state;
	int16_t raw = 1234;

	assert_int_equal(ads1x15_set_range_mv(f->drv[ADS1115], 5000), -EINVAL);
	assert_int_equal(ads1x15_set_range_mv(f->drv[ADS1115], 0), -EINVAL);
	assert_int_equal(ads1x15_set_data_rate(f->drv[ADS1115], 3300), -EINVAL);
	assert_int_equal(ads1x15_set_data_rate(f->drv[ADS1115], 0), -EINVAL);
	assert_int_equal(ads1x15_set_data_rate(f->drv[ADS1015], 8), -EINVAL);
	assert_int_equal(ads1x15_set_data_rate(f->drv[ADS1015], 860), -EINVAL);
	assert_int_equal(ads1x15_read_raw(f->drv[ADS1115], 4, &raw), -EINVAL);
	assert_int_equal(raw, 1234);
	assert_int_equal(sim_ads1x15_conversions(f->model[ADS1115]), 0);
	assert_int_equal(ads1x15_read_raw(f->drv[ADS1115], 0, &raw), 0);
	assert_int_equal(sim_ads1x15_reg(f->model[ADS1115], ADS1X15_REG_CONFIG), 0xC3A3);
	assert_int_equal(ads1x15_read_raw(f->drv[ADS1015], 0, &raw), 0);
	assert_int_equal(sim_ads1x15_reg(f->model[ADS1015], ADS1X15_REG_CONFIG), 0xC323);

	assert_int_equal(ads1x15_check_range_mv(512), 0);
	assert_int_equal(ads1x15_check_range_mv(300), -EINVAL);
	assert_int_equal(ads1x15_check_data_rate(ADS1115, 475), 0);
	assert_int_equal(ads1x15_check_data_rate(ADS1015, 490), 0);
	assert_int_equal(ads1x15_check_data_rate(ADS1015, 475), -EINVAL);
	assert_int_equal(ads1x15_check_data_rate((enum ads1x15_type)7, 128), -EINVAL);
	assert_null(ads1x15_new(f->bus, ADDR_1115, (enum ads1x15_type)7));
}

static void test_each_read_is_a_fresh_conversion(void **state)
{
	struct fixture *f = *state;
	int16_t raw = 0;

	f->volts[0] = 1.0;
	assert_int_equal(ads1x15_read_raw(f->drv[ADS1115], 0, &raw), 0);
	assert_int_equal(raw, 8000);
	f->volts[0] = 2.0;
	assert_int_equal(ads1x15_read_raw(f->drv[ADS1115], 0, &raw), 0);
	assert_int_equal(raw, 16000);
}

static void test_waits_for_a_slow_chip(void **state)
{
	struct fixture *f = *state;
	struct ads1x15 *adc = f->drv[ADS1115];
	int16_t raw = 0;

	/* A chip whose conversions take two nominal periods. */
	f->clock = (struct test_clock){ CLOCK_HALF_SPEED, monotonic_ns() };
	sim_ads1x15_set_clock(f->model[ADS1115], test_now, &f->clock);
	assert_int_equal(ads1x15_set_data_rate(adc, 128), 0);
	f->volts[0] = 1.65;
	assert_int_equal(ads1x15_read_raw(adc, 0, &raw), 0);
	assert_int_equal(raw, 13200);
	f->volts[0] = 0.5;
	assert_int_equal(ads1x15_read_raw(adc, 0, &raw), 0);
	assert_int_equal(raw, 4000);
	assert_int_equal(sim_ads1x15_conversions(f->model[ADS1115]), 2);
}

static void test_a_stuck_chip_times_out(void **state)
{
	struct fixture *f = *state;
	int16_t raw = 1234;
	uint64_t start;

	use_manual_clock(f);	/* never advanced: the chip never finishes */
	f->volts[0] = 1.0;
	start = monotonic_ns();
	assert_int_equal(ads1x15_read_raw(f->drv[ADS1115], 0, &raw), -ETIMEDOUT);
	assert_int_equal(raw, 1234);
	/* 250 SPS: the driver gives up well within a second. */
	assert_true(monotonic_ns() - start < 500000000u);
	assert_true(monotonic_ns() - start >= 4000000u);
}

static void test_unknown_address_is_enxio(void **state)
{
	struct fixture *f = *state;
	struct ads1x15 *absent = ads1x15_new(f->bus, 0x4B, ADS1115);
	int16_t raw = 1234;
	double v = 5.5;

	assert_non_null(absent);
	assert_int_equal(ads1x15_address(absent), 0x4B);
	assert_int_equal(ads1x15_read_raw(absent, 0, &raw), -ENXIO);
	assert_int_equal(ads1x15_read_volts(absent, 0, &v), -ENXIO);
	assert_int_equal(raw, 1234);
	assert_float_equal(v, 5.5, 0);
	ads1x15_free(absent);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_model_reset_state_is_sent_msb_first),
		T(test_model_rejects_bad_pointers_and_lengths),
		T(test_model_registers_writable_or_not),
		T(test_model_single_shot_takes_one_period),
		T(test_model_data_rates_per_chip),
		T(test_model_result_codes),
		T(test_model_never_started_reads_zero),
		T(test_model_continuous_mode),
		T(test_reads_a_known_voltage),
		T(test_config_word_per_chip),
		T(test_negative_input_keeps_its_sign),
		T(test_range_scales_volts),
		T(test_invalid_settings_change_nothing),
		T(test_each_read_is_a_fresh_conversion),
		T(test_waits_for_a_slow_chip),
		T(test_a_stuck_chip_times_out),
		T(test_unknown_address_is_enxio),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
