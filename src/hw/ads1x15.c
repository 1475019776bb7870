/* ADS1115/ADS1015 driver: single-shot conversions of one channel against ground. */
#include "hw/ads1x15.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "core/nsec.h"

#define CFG_OS 0x8000
#define CFG_MUX_AIN0_GND 0x4
#define CFG_MUX_SHIFT 12
#define CFG_PGA_SHIFT 9
#define CFG_MODE_SINGLE 0x0100
#define CFG_DR_SHIFT 5
#define CFG_COMP_QUE_OFF 0x0003

#define DEFAULT_RANGE_MV 4096
#define DEFAULT_RATE_SPS 250
/* Slack beyond the nominal period: the chip's oscillator is only +-10%. */
#define DEADLINE_PERIODS 4
#define DEADLINE_SLACK_NS 10000000ull
#define POLL_MIN_NS 100000ull

struct ads1x15 {
	struct i2c_bus *bus;
	uint8_t addr;
	enum ads1x15_type type;
	int range_mv;
	int rate_sps;
	ads1x15_wait_fn *wait;
	void *wait_ctx;
};

/* Index = the PGA field (SBAS444 table 8); codes 101-111 all mean 256. */
static const int ranges_mv[] = { 6144, 4096, 2048, 1024, 512, 256 };
/* Index = the DR field. */
static const int rates_1115[] = { 8, 16, 32, 64, 128, 250, 475, 860 };
static const int rates_1015[] = { 128, 250, 490, 920, 1600, 2400, 3300 };

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void sleep_ns(void *ctx, uint64_t ns);

static int index_of(const int *table, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (table[i] == value)
			return (int)i;
	return -EINVAL;
}

static int range_code(int full_scale_mv)
{
	return index_of(ranges_mv, N_ELEMS(ranges_mv), full_scale_mv);
}

static int rate_code(enum ads1x15_type type, int sps)
{
	if (type == ADS1015)
		return index_of(rates_1015, N_ELEMS(rates_1015), sps);
	if (type == ADS1115)
		return index_of(rates_1115, N_ELEMS(rates_1115), sps);
	return -EINVAL;
}

int ads1x15_check_range_mv(int full_scale_mv)
{
	return range_code(full_scale_mv) < 0 ? -EINVAL : 0;
}

int ads1x15_check_data_rate(enum ads1x15_type type, int samples_per_second)
{
	return rate_code(type, samples_per_second) < 0 ? -EINVAL : 0;
}

struct ads1x15 *ads1x15_new(struct i2c_bus *bus, uint8_t addr,
			    enum ads1x15_type type)
{
	struct ads1x15 *adc;

	if (type != ADS1115 && type != ADS1015) {
		errno = EINVAL;
		return NULL;
	}
	adc = calloc(1, sizeof(*adc));
	if (!adc)
		return NULL;
	adc->bus = bus;
	adc->addr = addr;
	adc->type = type;
	adc->range_mv = DEFAULT_RANGE_MV;
	adc->rate_sps = DEFAULT_RATE_SPS;
	adc->wait = sleep_ns;
	return adc;
}

void ads1x15_free(struct ads1x15 *adc)
{
	free(adc);
}

int ads1x15_set_range_mv(struct ads1x15 *adc, int full_scale_mv)
{
	int r = ads1x15_check_range_mv(full_scale_mv);

	if (r == 0)
		adc->range_mv = full_scale_mv;
	return r;
}

int ads1x15_set_data_rate(struct ads1x15 *adc, int samples_per_second)
{
	int r = ads1x15_check_data_rate(adc->type, samples_per_second);

	if (r == 0)
		adc->rate_sps = samples_per_second;
	return r;
}

/* The chip sends its most significant byte first; SMBus words are LSB first. */
static uint16_t swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

static int write_reg(struct ads1x15 *adc, uint8_t reg, uint16_t value)
{
	return i2c_write_word_data(adc->bus, adc->addr, reg, swap16(value));
}

static int read_reg(struct ads1x15 *adc, uint8_t reg, uint16_t *value)
{
	uint16_t wire;
	int r = i2c_read_word_data(adc->bus, adc->addr, reg, &wire);

	if (r == 0)
		*value = swap16(wire);
	return r;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(void *ctx, uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / NS_PER_S), (long)(ns % NS_PER_S) };

	(void)ctx;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int ads1x15_probe(struct ads1x15 *adc)
{
	uint16_t config;

	return read_reg(adc, ADS1X15_REG_CONFIG, &config);
}

int ads1x15_start(struct ads1x15 *adc, unsigned channel,
		  struct ads1x15_conversion *conv)
{
	uint64_t period;
	uint16_t config;
	int r;

	if (channel >= ADS1X15_CHANNELS)
		return -EINVAL;
	config = (uint16_t)(CFG_OS |
			    (CFG_MUX_AIN0_GND + channel) << CFG_MUX_SHIFT |
			    (unsigned)range_code(adc->range_mv) << CFG_PGA_SHIFT |
			    CFG_MODE_SINGLE |
			    (unsigned)rate_code(adc->type, adc->rate_sps)
				    << CFG_DR_SHIFT |
			    CFG_COMP_QUE_OFF);
	period = (NS_PER_S + (uint64_t)adc->rate_sps - 1) / (uint64_t)adc->rate_sps;
	conv->started_ns = now_ns();
	conv->period_ns = period;
	conv->poll_ns = period / 10 > POLL_MIN_NS ? period / 10 : POLL_MIN_NS;
	conv->deadline_ns = conv->started_ns + DEADLINE_PERIODS * period +
			    DEADLINE_SLACK_NS;
	r = write_reg(adc, ADS1X15_REG_CONFIG, config);
	return r < 0 ? r : 0;
}

int ads1x15_collect(struct ads1x15 *adc, const struct ads1x15_conversion *conv,
		    uint64_t now, int16_t *raw)
{
	uint16_t config = 0, value = 0;
	int r;

	r = read_reg(adc, ADS1X15_REG_CONFIG, &config);
	if (r < 0)
		return r;
	if (!(config & CFG_OS))
		return now >= conv->deadline_ns ? -ETIMEDOUT : -EAGAIN;
	r = read_reg(adc, ADS1X15_REG_CONVERSION, &value);
	if (r < 0)
		return r;
	/* Two's complement; an ADS1015's 12 bits are already left-justified. */
	*raw = (int16_t)(value < 0x8000 ? (int)value : (int)value - 0x10000);
	return 0;
}

double ads1x15_volts(const struct ads1x15 *adc, int16_t raw)
{
	return raw * (adc->range_mv / 1000.0) / 32768.0;
}

int ads1x15_read_raw(struct ads1x15 *adc, unsigned channel, int16_t *raw)
{
	struct ads1x15_conversion conv;
	int r = ads1x15_start(adc, channel, &conv);

	if (r < 0)
		return r;
	adc->wait(adc->wait_ctx, conv.period_ns);
	for (;;) {
		r = ads1x15_collect(adc, &conv, now_ns(), raw);
		if (r != -EAGAIN)
			return r;
		adc->wait(adc->wait_ctx, conv.poll_ns);
	}
}

int ads1x15_read_volts(struct ads1x15 *adc, unsigned channel, double *volts)
{
	int16_t raw;
	int r = ads1x15_read_raw(adc, channel, &raw);

	if (r == 0)
		*volts = ads1x15_volts(adc, raw);
	return r;
}

uint8_t ads1x15_address(const struct ads1x15 *adc)
{
	return adc->addr;
}

void ads1x15_set_wait(struct ads1x15 *adc, ads1x15_wait_fn *wait, void *ctx)
{
	adc->wait = wait ? wait : sleep_ns;
	adc->wait_ctx = wait ? ctx : NULL;
}
