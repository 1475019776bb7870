/* sim backend: a register-level model of the ADS1115/ADS1015 ADCs (datasheets SBAS444, SBAS473). */
#include "hw/sim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "core/nsec.h"

#define CFG_OS 0x8000
#define CFG_MUX_SHIFT 12
#define CFG_PGA_SHIFT 9
#define CFG_MODE_SINGLE 0x0100
#define CFG_DR_SHIFT 5
#define CFG_RESET 0x8583
#define LO_THRESH_RESET 0x8000
#define HI_THRESH_RESET 0x7FFF

struct sim_ads1x15 {
	enum ads1x15_type type;
	sim_ads1x15_input_fn input;
	void *input_ctx;
	sim_clock_fn now;
	void *now_ctx;
	uint8_t pointer;
	uint16_t regs[4];	/* config's OS bit is kept as written; see config_value() */
	bool converting;	/* a single-shot conversion is under way */
	uint64_t done_at;	/* ns on the model's clock */
	uint16_t pending;	/* its result, sampled when it started */
	bool continuous;
	uint64_t last_sample;	/* ns on the model's clock, continuous mode */
	unsigned conversions;
};

static uint64_t monotonic_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ns_of_timespec(&ts);
}

static uint64_t period_ns(const struct sim_ads1x15 *adc, uint16_t config)
{
	static const unsigned sps_1115[8] = { 8, 16, 32, 64, 128, 250, 475, 860 };
	static const unsigned sps_1015[8] = { 128, 250, 490, 920, 1600, 2400,
					      3300, 3300 };
	unsigned dr = (config >> CFG_DR_SHIFT) & 7;
	unsigned sps = adc->type == ADS1015 ? sps_1015[dr] : sps_1115[dr];

	return (NS_PER_S + sps - 1) / sps;
}

static double full_scale_v(uint16_t config)
{
	static const double fsr[8] = { 6.144, 4.096, 2.048, 1.024, 0.512,
				       0.256, 0.256, 0.256 };

	return fsr[(config >> CFG_PGA_SHIFT) & 7];
}

static double input_v(struct sim_ads1x15 *adc, unsigned channel)
{
	double v = adc->input ? adc->input(adc->input_ctx, channel) : 0.0;

	return isnan(v) ? 0.0 : v;
}

/* The differential voltage MUX selects (SBAS444 table 8, MUX[2:0]). */
static double mux_v(struct sim_ads1x15 *adc, uint16_t config)
{
	static const struct {
		signed char p, n;	/* n < 0: GND */
	} mux[8] = { { 0, 1 }, { 0, 3 }, { 1, 3 }, { 2, 3 },
		     { 0, -1 }, { 1, -1 }, { 2, -1 }, { 3, -1 } };
	unsigned m = (config >> CFG_MUX_SHIFT) & 7;
	double v = input_v(adc, (unsigned)mux[m].p);

	if (mux[m].n >= 0)
		v -= input_v(adc, (unsigned)mux[m].n);
	return v;
}

static uint16_t sample(struct sim_ads1x15 *adc, uint16_t config)
{
	/* An ADS1015 has 12 bits, left-justified in the 16-bit register. */
	int bits = adc->type == ADS1015 ? 12 : 16;
	double max = (double)(1 << (bits - 1));
	double x = floor(mux_v(adc, config) / full_scale_v(config) * max + 0.5);
	long code = x >= max ? (long)max - 1 : x < -max ? -(long)max : (long)x;

	adc->conversions++;
	return (uint16_t)((unsigned long)code << (16 - bits));
}

/* Brings the model up to date with its clock before a register is touched. */
static void catch_up(struct sim_ads1x15 *adc)
{
	if (adc->converting && adc->now(adc->now_ctx) >= adc->done_at) {
		adc->regs[ADS1X15_REG_CONVERSION] = adc->pending;
		adc->converting = false;
	}
}

static uint16_t config_value(const struct sim_ads1x15 *adc)
{
	uint16_t v = adc->regs[ADS1X15_REG_CONFIG] & (uint16_t)~CFG_OS;

	/* Read, OS means "not converting"; continuous mode always is. */
	return adc->converting || adc->continuous ? v : v | CFG_OS;
}

static uint16_t read_conversion(struct sim_ads1x15 *adc)
{
	uint16_t config = adc->regs[ADS1X15_REG_CONFIG];

	if (adc->continuous) {
		uint64_t now = adc->now(adc->now_ctx);

		if (now - adc->last_sample >= period_ns(adc, config)) {
			adc->regs[ADS1X15_REG_CONVERSION] = sample(adc, config);
			adc->last_sample = now;
		}
	}
	return adc->regs[ADS1X15_REG_CONVERSION];
}

static void write_config(struct sim_ads1x15 *adc, uint16_t value)
{
	uint64_t now = adc->now(adc->now_ctx);

	adc->regs[ADS1X15_REG_CONFIG] = value;
	if (!(value & CFG_MODE_SINGLE)) {
		if (!adc->continuous)
			adc->last_sample = now;
		adc->continuous = true;
		adc->converting = false;
		return;
	}
	adc->continuous = false;
	/* OS=1 starts a conversion only from power-down, not during one. */
	if ((value & CFG_OS) && !adc->converting) {
		adc->pending = sample(adc, value);
		adc->done_at = now + period_ns(adc, value);
		adc->converting = true;
	}
}

static int model_write(void *opaque, const uint8_t *data, size_t len)
{
	struct sim_ads1x15 *adc = opaque;
	uint16_t value;

	if (len == 0)
		return 0;
	/* Pointer bits 7:2 must be 0; the model NACKs so a driver bug shows. */
	if ((data[0] & ~3u) || (len != 1 && len != 3))
		return -EIO;
	catch_up(adc);
	adc->pointer = data[0];
	if (len == 1)
		return 0;
	value = (uint16_t)(data[1] << 8 | data[2]);
	if (adc->pointer == ADS1X15_REG_CONFIG)
		write_config(adc, value);
	else if (adc->pointer != ADS1X15_REG_CONVERSION)
		adc->regs[adc->pointer] = value;
	return 0;
}

static int model_read(void *opaque, uint8_t *data, size_t len)
{
	struct sim_ads1x15 *adc = opaque;
	uint16_t value;

	catch_up(adc);
	switch (adc->pointer) {
	case ADS1X15_REG_CONVERSION:
		value = read_conversion(adc);
		break;
	case ADS1X15_REG_CONFIG:
		value = config_value(adc);
		break;
	default:
		value = adc->regs[adc->pointer];
		break;
	}
	/* Most significant byte first on the wire, repeating if read on. */
	for (size_t i = 0; i < len; i++)
		data[i] = i % 2 ? (uint8_t)(value & 0xFF) : (uint8_t)(value >> 8);
	return 0;
}

static const struct sim_chip_ops model_ops = {
	.write = model_write,
	.read = model_read,
};

struct sim_ads1x15 *sim_ads1x15_new(enum ads1x15_type type,
				    sim_ads1x15_input_fn input, void *ctx)
{
	struct sim_ads1x15 *adc;

	if (type != ADS1115 && type != ADS1015)
		return NULL;
	adc = calloc(1, sizeof(*adc));
	if (!adc)
		return NULL;
	adc->type = type;
	adc->input = input;
	adc->input_ctx = ctx;
	adc->now = monotonic_ns;
	adc->regs[ADS1X15_REG_CONFIG] = CFG_RESET;
	adc->regs[ADS1X15_REG_LO_THRESH] = LO_THRESH_RESET;
	adc->regs[ADS1X15_REG_HI_THRESH] = HI_THRESH_RESET;
	return adc;
}

void sim_ads1x15_free(struct sim_ads1x15 *adc)
{
	free(adc);
}

int sim_ads1x15_attach(struct sim_ads1x15 *adc, struct sim_bus *bus,
		       uint8_t addr)
{
	if (!adc || addr < ADS1X15_ADDR_MIN || addr > ADS1X15_ADDR_MAX)
		return -EINVAL;
	return sim_bus_attach(bus, addr, &model_ops, adc);
}

void sim_ads1x15_set_clock(struct sim_ads1x15 *adc, sim_clock_fn now,
			   void *ctx)
{
	adc->now = now ? now : monotonic_ns;
	adc->now_ctx = now ? ctx : NULL;
}

uint16_t sim_ads1x15_reg(const struct sim_ads1x15 *adc, uint8_t reg)
{
	bool done = adc->converting && adc->now(adc->now_ctx) >= adc->done_at;

	switch (reg) {
	case ADS1X15_REG_CONVERSION:
		return done ? adc->pending : adc->regs[reg];
	case ADS1X15_REG_CONFIG:
		return done ? adc->regs[reg] | CFG_OS : config_value(adc);
	case ADS1X15_REG_LO_THRESH:
	case ADS1X15_REG_HI_THRESH:
		return adc->regs[reg];
	default:
		return 0;
	}
}

unsigned sim_ads1x15_conversions(const struct sim_ads1x15 *adc)
{
	return adc->conversions;
}
