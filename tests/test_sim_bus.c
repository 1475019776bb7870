/* Tests of the virtual I2C bus: SMBus operations become the transactions a real adapter sends. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/sim.h"

#define MAX_TX 8

/* A chip that records every transaction and answers reads from reply[]. */
struct recorder {
	struct {
		bool write;
		uint8_t data[4];
		size_t len;
	} tx[MAX_TX];
	size_t ntx;
	uint8_t reply[4];
	int fail;		/* returned by every transaction when set */
};

static int rec_log(struct recorder *rec, bool write, const uint8_t *data,
		   size_t len)
{
	assert_true(rec->ntx < MAX_TX);
	assert_true(len <= sizeof(rec->tx[0].data));
	rec->tx[rec->ntx].write = write;
	rec->tx[rec->ntx].len = len;
	if (write)
		memcpy(rec->tx[rec->ntx].data, data, len);
	rec->ntx++;
	return rec->fail;
}

static int rec_write(void *chip, const uint8_t *data, size_t len)
{
	return rec_log(chip, true, data, len);
}

static int rec_read(void *chip, uint8_t *data, size_t len)
{
	struct recorder *rec = chip;

	memcpy(data, rec->reply, len);
	return rec_log(rec, false, NULL, len);
}

static const struct sim_chip_ops rec_ops = { rec_write, rec_read };

struct fixture {
	struct sim_bus *sim;
	struct i2c_bus *bus;
	struct recorder rec;
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	f->sim = sim_bus_new();
	assert_non_null(f->sim);
	f->bus = sim_bus_i2c(f->sim);
	assert_int_equal(sim_bus_attach(f->sim, 0x40, &rec_ops, &f->rec), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	i2c_bus_destroy(f->bus);
	test_free(f);
	return 0;
}

static void assert_tx(const struct recorder *rec, size_t i, bool write,
		      const uint8_t *data, size_t len)
{
	assert_true(i < rec->ntx);
	assert_int_equal(rec->tx[i].write, write);
	assert_int_equal(rec->tx[i].len, len);
	if (write)
		assert_memory_equal(rec->tx[i].data, data, len);
}

static void test_write_byte_is_one_transaction(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(i2c_write_byte_data(f->bus, 0x40, 0x0A, 0x5C), 0);
	assert_int_equal(f->rec.ntx, 1);
	assert_tx(&f->rec, 0, true, (const uint8_t[]){ 0x0A, 0x5C }, 2);
}

static void test_read_byte_sets_pointer_then_reads(void **state)
{
	struct fixture *f = *state;
	uint8_t v = 0;

	f->rec.reply[0] = 0xA7;
	assert_int_equal(i2c_read_byte_data(f->bus, 0x40, 0x09, &v), 0);
	assert_int_equal(v, 0xA7);
	assert_int_equal(f->rec.ntx, 2);
	assert_tx(&f->rec, 0, true, (const uint8_t[]){ 0x09 }, 1);
	assert_tx(&f->rec, 1, false, NULL, 1);
}

static void test_word_ops_put_low_byte_first(void **state)
{
	struct fixture *f = *state;
	uint16_t v = 0;

	assert_int_equal(i2c_write_word_data(f->bus, 0x40, 0x01, 0x1234), 0);
	assert_tx(&f->rec, 0, true, (const uint8_t[]){ 0x01, 0x34, 0x12 }, 3);

	f->rec.reply[0] = 0xCD;
	f->rec.reply[1] = 0xAB;
	assert_int_equal(i2c_read_word_data(f->bus, 0x40, 0x02, &v), 0);
	assert_int_equal(v, 0xABCD);
	assert_tx(&f->rec, 1, true, (const uint8_t[]){ 0x02 }, 1);
	assert_tx(&f->rec, 2, false, NULL, 2);
}

static void test_unknown_address_is_enxio(void **state)
{
	struct fixture *f = *state;
	uint8_t b = 0x11;
	uint16_t w = 0x2222;

	assert_int_equal(i2c_read_byte_data(f->bus, 0x41, 0, &b), -ENXIO);
	assert_int_equal(i2c_write_byte_data(f->bus, 0x41, 0, 0), -ENXIO);
	assert_int_equal(i2c_read_word_data(f->bus, 0x41, 0, &w), -ENXIO);
	assert_int_equal(i2c_write_word_data(f->bus, 0x41, 0, 0), -ENXIO);
	assert_int_equal(b, 0x11);
	assert_int_equal(w, 0x2222);
	assert_int_equal(f->rec.ntx, 0);
}

static void test_chip_errors_reach_the_driver(void **state)
{
	struct fixture *f = *state;
	uint16_t w = 0x2222;

	f->rec.fail = -EIO;
	assert_int_equal(i2c_write_byte_data(f->bus, 0x40, 0, 0), -EIO);
	assert_int_equal(i2c_read_word_data(f->bus, 0x40, 0, &w), -EIO);
	assert_int_equal(w, 0x2222);
	/* A failed pointer write aborts the read: no read transaction. */
	assert_int_equal(f->rec.ntx, 2);
}

static void test_attach_rules(void **state)
{
	struct fixture *f = *state;
	struct recorder others[16];

	assert_int_equal(sim_bus_attach(f->sim, 0x40, &rec_ops, &others[0]),
			 -EEXIST);
	assert_int_equal(sim_bus_attach(f->sim, 0x80, &rec_ops, &others[0]),
			 -EINVAL);
	/* One chip is on the bus already: 15 more fit, the 16th does not. */
	for (uint8_t i = 0; i < 15; i++)
		assert_int_equal(sim_bus_attach(f->sim, (uint8_t)(0x50 + i),
						&rec_ops, &others[i]), 0);
	assert_int_equal(sim_bus_attach(f->sim, 0x70, &rec_ops, &others[15]),
			 -ENOSPC);
	/* The first chip still answers at its address. */
	assert_int_equal(i2c_write_byte_data(f->bus, 0x40, 1, 2), 0);
	assert_int_equal(f->rec.ntx, 1);
}

static void test_bus_has_a_name(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(f->bus->name, "sim");
}

/* ---- injected bus errors ---- */

#define OPS 2000

/* Reads a byte OPS times; returns how many failed, each with -EIO. */
static unsigned failed_reads(struct fixture *f, bool *pattern)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < OPS; i++) {
		uint8_t v = 0x11;
		int r;

		f->rec.ntx = 0;
		f->rec.reply[0] = (uint8_t)i;
		r = i2c_read_byte_data(f->bus, 0x40, 0x09, &v);
		if (r < 0) {
			assert_int_equal(r, -EIO);
			/* Spoiled before the chip saw it; nothing read. */
			assert_int_equal(f->rec.ntx, 0);
			assert_int_equal(v, 0x11);
			failed++;
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(v, (uint8_t)i);
			assert_int_equal(f->rec.ntx, 2);
		}
		if (pattern)
			pattern[i] = r < 0;
	}
	return failed;
}

static void test_error_rate_one_fails_every_operation(void **state)
{
	struct fixture *f = *state;
	uint8_t b = 0x11;
	uint16_t w = 0x2222;

	assert_int_equal(sim_bus_set_error_rate(f->sim, 1.0), 0);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(i2c_read_byte_data(f->bus, 0x40, 0, &b), -EIO);
		assert_int_equal(i2c_write_byte_data(f->bus, 0x40, 0, 0), -EIO);
		assert_int_equal(i2c_read_word_data(f->bus, 0x40, 0, &w), -EIO);
		assert_int_equal(i2c_write_word_data(f->bus, 0x40, 0, 0), -EIO);
	}
	assert_int_equal(b, 0x11);
	assert_int_equal(w, 0x2222);
	assert_int_equal(f->rec.ntx, 0);
	/* An absent chip is not even reached. */
	assert_int_equal(i2c_write_byte_data(f->bus, 0x41, 0, 0), -EIO);
	assert_int_equal(failed_reads(f, NULL), OPS);
}

static void test_error_rate_zero_never_fails(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(failed_reads(f, NULL), 0);
	assert_int_equal(sim_bus_set_error_rate(f->sim, 1.0), 0);
	assert_int_equal(sim_bus_set_error_rate(f->sim, 0.0), 0);
	assert_int_equal(failed_reads(f, NULL), 0);
	/* And the bus is as it was: one transaction per write. */
	f->rec.ntx = 0;
	assert_int_equal(i2c_write_byte_data(f->bus, 0x40, 0x0A, 0x5C), 0);
	assert_int_equal(f->rec.ntx, 1);
}

static void test_retries_recover_most_errors(void **state)
{
	struct fixture *f = *state;
	/* An operation fails only when all of its I2C_TRIES attempts do. */
	const double p03 = pow(0.3, I2C_TRIES), p06 = pow(0.6, I2C_TRIES);
	unsigned failed;

	assert_int_equal(sim_bus_set_error_rate(f->sim, 0.3), 0);
	failed = failed_reads(f, NULL);
	/* About 16 of 2000 (the fixed sequence: 10), not the 600 one try each would lose. */
	assert_true(failed >= 1);
	assert_true(failed <= (unsigned)(OPS * p03 * 4.0));

	assert_int_equal(sim_bus_set_error_rate(f->sim, 0.6), 0);
	failed = failed_reads(f, NULL);
	/* About 259 (the fixed sequence: 261). */
	assert_true(failed >= (unsigned)(OPS * p06 * 0.5));
	assert_true(failed <= (unsigned)(OPS * p06 * 1.5));
}

static void test_errors_repeat_from_each_setting(void **state)
{
	struct fixture *f = *state;
	static bool first[OPS], again[OPS];
	unsigned n;

	assert_int_equal(sim_bus_set_error_rate(f->sim, 0.5), 0);
	n = failed_reads(f, first);
	assert_true(n > 0);
	assert_int_equal(sim_bus_set_error_rate(f->sim, 0.5), 0);
	assert_int_equal(failed_reads(f, again), n);
	assert_memory_equal(first, again, sizeof(first));
}

static void test_error_rate_out_of_range_changes_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sim_bus_set_error_rate(f->sim, -0.01), -EINVAL);
	assert_int_equal(sim_bus_set_error_rate(f->sim, 1.01), -EINVAL);
	assert_int_equal(sim_bus_set_error_rate(f->sim, NAN), -EINVAL);
	assert_int_equal(sim_bus_set_error_rate(f->sim, INFINITY), -EINVAL);
	assert_int_equal(sim_bus_set_error_rate(NULL, 0.5), -EINVAL);
	assert_int_equal(failed_reads(f, NULL), 0);
	assert_int_equal(sim_bus_set_error_rate(f->sim, 1.0), 0);
	assert_int_equal(sim_bus_set_error_rate(f->sim, 2.0), -EINVAL);
	assert_int_equal(failed_reads(f, NULL), OPS);
}

/* A chip's own error is not noise: passed on after one try, as before. */
static void test_chip_errors_are_not_retried(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sim_bus_set_error_rate(f->sim, 0.0), 0);
	f->rec.fail = -EIO;
	assert_int_equal(i2c_write_byte_data(f->bus, 0x40, 0, 0), -EIO);
	assert_int_equal(f->rec.ntx, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_byte_is_one_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_byte_sets_pointer_then_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_word_ops_put_low_byte_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_address_is_enxio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chip_errors_reach_the_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bus_has_a_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_rate_one_fails_every_operation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_rate_zero_never_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retries_recover_most_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_repeat_from_each_setting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_rate_out_of_range_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chip_errors_are_not_retried, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
