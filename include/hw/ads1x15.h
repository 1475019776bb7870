/* ADS1115/ADS1015 ADC driver: single-shot conversions of one channel against ground. */
#ifndef IRRIGD_HW_ADS1X15_H
#define IRRIGD_HW_ADS1X15_H

#include <stdint.h>

#include "hw/i2c.h"

enum ads1x15_type { ADS1115, ADS1015 };

/* Register pointer values (datasheet SBAS444, 9.6). */
enum {
	ADS1X15_REG_CONVERSION = 0,
	ADS1X15_REG_CONFIG = 1,
	ADS1X15_REG_LO_THRESH = 2,
	ADS1X15_REG_HI_THRESH = 3,
};

#define ADS1X15_CHANNELS 4
#define ADS1X15_ADDR_MIN 0x48
#define ADS1X15_ADDR_MAX 0x4B

struct ads1x15;

struct ads1x15 *ads1x15_new(struct i2c_bus *bus, uint8_t addr,
			    enum ads1x15_type type);
void ads1x15_free(struct ads1x15 *adc);

/*
 * Full-scale range in millivolts: 6144, 4096, 2048, 1024, 512 or 256.
 * -EINVAL for any other value; nothing changes then.
 */
int ads1x15_set_range_mv(struct ads1x15 *adc, int full_scale_mv);

/*
 * Samples per second, one the chip supports: ADS1115 8, 16, 32, 64, 128,
 * 250, 475, 860; ADS1015 128, 250, 490, 920, 1600, 2400, 3300.
 * -EINVAL otherwise; nothing changes then.
 */
int ads1x15_set_data_rate(struct ads1x15 *adc, int samples_per_second);

/*
 * Starts a single-shot conversion of channel (0-3) against ground, waits
 * for it to finish (the OS bit) and returns the signed result scaled to
 * the full 16-bit range in *raw (an ADS1015's 12 bits are shifted up).
 * -ETIMEDOUT when the chip never finishes.
 */
int ads1x15_read_raw(struct ads1x15 *adc, unsigned channel, int16_t *raw);

/* The same conversion in volts. */
int ads1x15_read_volts(struct ads1x15 *adc, unsigned channel, double *volts);

/*
 * The same read in two halves, for a caller that must not wait (an event
 * loop): ads1x15_start() starts the conversion and says when to look
 * (period_ns after it started, then every poll_ns); ads1x15_collect()
 * gives the result, -EAGAIN while the chip is still converting, or
 * -ETIMEDOUT once now (CLOCK_MONOTONIC ns) is past the deadline.
 */
struct ads1x15_conversion {
	uint64_t started_ns, period_ns, poll_ns, deadline_ns;
};
int ads1x15_start(struct ads1x15 *adc, unsigned channel,
		  struct ads1x15_conversion *conv);
int ads1x15_collect(struct ads1x15 *adc, const struct ads1x15_conversion *conv,
		    uint64_t now, int16_t *raw);
double ads1x15_volts(const struct ads1x15 *adc, int16_t raw);

uint8_t ads1x15_address(const struct ads1x15 *adc);
/*
 * Does the chip answer?  Reads its config register, which starts nothing:
 * 0, or the bus's negative errno.
 */
int ads1x15_probe(struct ads1x15 *adc);

/*
 * How the driver waits out a conversion: by default it sleeps.  A caller
 * with other inputs to serve meanwhile (a flow meter's edges, which the
 * kernel keeps only so many of) gives its own wait, which must take at
 * least ns.
 */
typedef void ads1x15_wait_fn(void *ctx, uint64_t ns);
void ads1x15_set_wait(struct ads1x15 *adc, ads1x15_wait_fn *wait, void *ctx);

/* Is this a valid range in mV / a supported data rate for the type? */
int ads1x15_check_range_mv(int full_scale_mv);
int ads1x15_check_data_rate(enum ads1x15_type type, int samples_per_second);

#endif
