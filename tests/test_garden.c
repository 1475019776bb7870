/* Tests of the simulated garden through the real drivers: valves, probes and water as the daemon meets them. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/calib.h"
#include "daemon/config.h"
#include "hw/ads1x15.h"
#include "hw/flowmeter.h"
#include "hw/garden.h"
#include "hw/mcp23008.h"

#define MS 1000000ull
#define EXPANDER 0x20
#define ADC 0x48
#define VALVE_PIN 0
#define POWER_PIN 7
#define FLOW_LPM 20.0
#define PPL 450.0
#define DRY 2.8
#define WET 1.3
#define DARK 0.1
#define BRIGHT 3.0
#define CH_LIGHT 2
#define CH_TEMP 3

struct fixture {
	struct config cfg;	/* the garden keeps a pointer to it */
	struct garden *garden;
	struct mcp23008 *gpio;
	struct ads1x15 *adc;
	struct flowmeter *meter;
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The reference garden cut down: one valve, two powered probes, light, TMP36. */
static void make_config(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->backend = HW_BACKEND_SIM;
	cfg->n_expanders = 1;
	cfg->expanders[0].address = EXPANDER;
	cfg->n_adcs = 1;
	cfg->adcs[0] = (struct config_adc){ ADC, ADS1115, 4096, 250 };
	strcpy(cfg->flow_meter.line.name, "GPIO17");
	cfg->flow_meter.line.offset = -1;
	cfg->flow_meter.pulses_per_litre = PPL;
	cfg->n_zones = 1;
	strcpy(cfg->zones[0].name, "garden");
	cfg->zones[0].valve = (struct config_pin){ .expander = 0, .pin = VALVE_PIN,
						  .active_low = true };
	cfg->zones[0].flow_lpm = FLOW_LPM;
	cfg->zones[0].max_run_s = 3600;
	cfg->n_probes = 2;
	for (unsigned p = 0; p < 2; p++) {
		struct config_probe *probe = &cfg->probes[p];

		probe->name[0] = (char)('a' + p);
		probe->input = (struct config_analog){ 0, p };
		probe->zone = 0;
		probe->dry_volts = DRY;
		probe->wet_volts = WET;
		probe->has_power = true;
		probe->power = (struct config_pin){ .expander = 0, .pin = POWER_PIN };
		probe->power_settle_ms = 50;
	}
	cfg->light = (struct config_light){ true, { 0, CH_LIGHT }, DARK, BRIGHT };
	cfg->temperature.present = true;
	cfg->temperature.input = (struct config_analog){ 0, CH_TEMP };
	cfg->temperature.conversion = TEMP_TMP36;
	cfg->temperature.unit = 'C';
	cfg->report_interval_s = 60;
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	make_config(&f->cfg);
	f->garden = garden_new(&f->cfg);
	assert_non_null(f->garden);
	f->gpio = mcp23008_new(garden_i2c(f->garden), EXPANDER);
	assert_non_null(f->gpio);
	assert_int_equal(mcp23008_init(f->gpio), 0);
	f->adc = ads1x15_new(garden_i2c(f->garden), ADC, ADS1115);
	assert_non_null(f->adc);
	f->meter = flowmeter_new(garden_flow_input(f->garden), PPL);
	assert_non_null(f->meter);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	flowmeter_free(f->meter);
	ads1x15_free(f->adc);
	mcp23008_free(f->gpio);
	garden_free(f->garden);
	test_free(f);
	return 0;
}

static void set_valve(struct fixture *f, bool on)
{
	assert_int_equal(mcp23008_set(f->gpio, VALVE_PIN, on), 0);
}

/* Opens or closes the valve and says when, as near the pin change as can be known. */
static uint64_t set_valve_at(struct fixture *f, bool on)
{
	uint64_t before = monotonic_ns();

	set_valve(f, on);
	return before + (monotonic_ns() - before) / 2;
}

static double volts(struct fixture *f, unsigned channel)
{
	double v = -99.0;

	assert_int_equal(ads1x15_read_volts(f->adc, channel, &v), 0);
	return v;
}

static bool meter_readable_within(struct fixture *f, int timeout_ms)
{
	struct pollfd pfd = { .fd = flowmeter_fd(f->meter), .events = POLLIN };
	int r;

	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	assert_true(r >= 0);
	return r == 1 && (pfd.revents & POLLIN);
}

static uint64_t drain(struct fixture *f)
{
	int n = flowmeter_drain(f->meter);

	assert_true(n >= 0);
	return (uint64_t)n;
}

static void assert_within(double got, double want, double fraction)
{
	if (!(fabs(got - want) <= fabs(want) * fraction))
		fail_msg("got %.4f, want %.4f within %.1f %%", got, want,
			 fraction * 100.0);
}

static void test_valve_opens_on_its_active_level(void **state)
{
	struct fixture *f = *state;
	struct i2c_bus *bus = garden_i2c(f->garden);
	bool level = true;

	assert_false(garden_zone_open(f->garden, 0));
	/* Low in OLAT but still an input: the relay input floats, nothing runs. */
	assert_int_equal(i2c_write_byte_data(bus, EXPANDER, MCP23008_OLAT, 0x00), 0);
	assert_false(garden_zone_open(f->garden, 0));
	assert_int_equal(mcp23008_init(f->gpio), 0);
	/* Set up as an output, the valve stays closed: the pin drives high. */
	assert_int_equal(mcp23008_setup_output(f->gpio, VALVE_PIN, true), 0);
	assert_false(garden_zone_open(f->garden, 0));
	assert_int_equal(garden_zone_opens(f->garden, 0), 0);
	assert_int_equal(mcp23008_get_level(f->gpio, VALVE_PIN, &level), 0);
	assert_true(level);

	set_valve(f, true);
	assert_true(garden_zone_open(f->garden, 0));
	assert_int_equal(garden_zone_opens(f->garden, 0), 1);
	assert_int_equal(mcp23008_get_level(f->gpio, VALVE_PIN, &level), 0);
	assert_false(level);	/* active-low: open means low */
	set_valve(f, true);
	assert_int_equal(garden_zone_opens(f->garden, 0), 1);

	set_valve(f, false);
	assert_false(garden_zone_open(f->garden, 0));
	set_valve(f, true);
	assert_true(garden_zone_open(f->garden, 0));
	assert_int_equal(garden_zone_opens(f->garden, 0), 2);
	set_valve(f, false);
	assert_false(garden_zone_open(f->garden, 0));

	/* Other pins do not move the valve. */
	assert_int_equal(mcp23008_setup_output(f->gpio, POWER_PIN, false), 0);
	assert_int_equal(mcp23008_set(f->gpio, POWER_PIN, true), 0);
	assert_false(garden_zone_open(f->garden, 0));
	assert_int_equal(garden_zone_opens(f->garden, 0), 2);
	/* No such zone. */
	assert_false(garden_zone_open(f->garden, 1));
	assert_false(garden_zone_open(f->garden, -1));
	assert_int_equal(garden_zone_opens(f->garden, 1), 0);
}

/* A valve wired to a Pi GPIO line instead of the expander. */
static void test_valve_on_a_gpio_line(void **state)
{
	struct fixture *f = *state;
	struct config_line line = { .name = "GPIO22", .offset = -1 };
	struct gpio_output *out, *again;

	f->cfg.zones[0].valve = (struct config_pin){ .on_gpio = true,
						     .expander = -1,
						     .line = line,
						     .active_low = true };
	/* Requested at its inactive level (high, for active-low): closed. */
	assert_int_equal(garden_gpio_output(f->garden, &line, true, &out), 0);
	assert_false(garden_zone_open(f->garden, 0));
	/* One line, one owner. */
	assert_int_equal(garden_gpio_output(f->garden, &line, true, &again), -EBUSY);
	assert_int_equal(gpio_output_set(out, false), 0);
	assert_true(garden_zone_open(f->garden, 0));
	assert_int_equal(garden_zone_opens(f->garden, 0), 1);
	/* The expander pin the zone used to have no longer moves it. */
	assert_int_equal(mcp23008_setup_output(f->gpio, VALVE_PIN, true), 0);
	assert_int_equal(mcp23008_set(f->gpio, VALVE_PIN, false), 0);
	assert_true(garden_zone_open(f->garden, 0));
	assert_int_equal(gpio_output_set(out, true), 0);
	assert_false(garden_zone_open(f->garden, 0));
	/* Released, the line floats and the relay stays off. */
	assert_int_equal(gpio_output_set(out, false), 0);
	gpio_output_destroy(out);
	assert_false(garden_zone_open(f->garden, 0));
}

static void test_probes_read_only_while_powered(void **state)
{
	struct fixture *f = *state;

	/* Before the power pin is even set up, the probes are unpowered. */
	assert_float_equal(volts(f, 0), 0.0, 0.002);
	assert_int_equal(mcp23008_setup_output(f->gpio, POWER_PIN, false), 0);
	assert_float_equal(volts(f, 0), 0.0, 0.002);
	assert_float_equal(volts(f, 1), 0.0, 0.002);

	assert_int_equal(mcp23008_set(f->gpio, POWER_PIN, true), 0);
	for (unsigned p = 0; p < 2; p++) {
		double v = volts(f, p);

		assert_true(v > WET && v < DRY);
		/* The reading calibrates back to the model's moisture. */
		assert_float_equal(calib_percent(v, DRY, WET),
				   garden_moisture(f->garden, (int)p), 1.0);
	}
	assert_int_equal(mcp23008_set(f->gpio, POWER_PIN, false), 0);
	assert_float_equal(volts(f, 0), 0.0, 0.002);
	assert_float_equal(volts(f, 1), 0.0, 0.002);
	assert_float_equal(garden_moisture(f->garden, 2), 0.0, 0);
}

static void test_light_and_temperature(void **state)
{
	struct fixture *f = *state;
	double light = volts(f, CH_LIGHT);
	double celsius = calib_tmp36_celsius(volts(f, CH_TEMP));

	/* They follow the local time of day; any hour gives these bounds. */
	assert_true(light >= DARK - 0.01 && light <= BRIGHT + 0.01);
	assert_true(celsius > 7.5 && celsius < 22.5);
}

static void test_water_flows_while_open(void **state)
{
	struct fixture *f = *state;
	const double per_s = FLOW_LPM * PPL / 60.0;
	uint64_t t_open, t_close, edges = 0;

	assert_int_equal(mcp23008_setup_output(f->gpio, VALVE_PIN, true), 0);
	/* Closed: the meter stays silent. */
	assert_false(meter_readable_within(f, 50));
	assert_int_equal(drain(f), 0);

	t_open = set_valve_at(f, true);
	while (monotonic_ns() < t_open + 400 * MS) {
		assert_true(meter_readable_within(f, 200));
		edges += drain(f);
	}
	t_close = set_valve_at(f, false);
	if (meter_readable_within(f, 50))
		edges += drain(f);
	assert_within((double)edges, per_s * (double)(t_close - t_open) / 1e9, 0.05);
	assert_within(flow_acct_rate_lpm(flowmeter_acct(f->meter),
					 flowmeter_acct(f->meter)->last_edge_ns),
		      FLOW_LPM, 0.05);

	/* Closed again: no more water. */
	assert_false(meter_readable_within(f, 50));
	assert_int_equal(drain(f), 0);
}

/* Reading the probes mid-run toggles other pins of the same expander. */
static void test_probe_reads_do_not_disturb_the_flow(void **state)
{
	struct fixture *f = *state;
	const double per_s = FLOW_LPM * PPL / 60.0;
	uint64_t t_open, t_close, edges = 0;

	assert_int_equal(mcp23008_setup_output(f->gpio, VALVE_PIN, true), 0);
	assert_int_equal(mcp23008_setup_output(f->gpio, POWER_PIN, false), 0);
	t_open = set_valve_at(f, true);
	while (monotonic_ns() < t_open + 300 * MS) {
		assert_int_equal(mcp23008_set(f->gpio, POWER_PIN, true), 0);
		volts(f, 0);
		assert_int_equal(mcp23008_set(f->gpio, POWER_PIN, false), 0);
		edges += drain(f);
	}
	t_close = set_valve_at(f, false);
	if (meter_readable_within(f, 50))
		edges += drain(f);
	assert_within((double)edges, per_s * (double)(t_close - t_open) / 1e9, 0.05);
}

static void test_moisture_rises_while_watered(void **state)
{
	struct fixture *f = *state;
	double before[2], after[2];

	assert_int_equal(mcp23008_setup_output(f->gpio, VALVE_PIN, true), 0);
	for (int p = 0; p < 2; p++)
		before[p] = garden_moisture(f->garden, p);
	/* Dry weather: nothing rises. */
	sleep_ms(50);
	for (int p = 0; p < 2; p++) {
		assert_true(garden_moisture(f->garden, p) <= before[p]);
		before[p] = garden_moisture(f->garden, p);
	}
	set_valve(f, true);
	sleep_ms(500);
	set_valve(f, false);
	for (int p = 0; p < 2; p++) {
		after[p] = garden_moisture(f->garden, p);
		assert_true(after[p] > before[p]);
		assert_true(after[p] <= 100.0);
	}
	sleep_ms(50);
	for (int p = 0; p < 2; p++)
		assert_true(garden_moisture(f->garden, p) <= after[p]);
}

static void test_litres_grow_with_open_time(void **state)
{
	struct fixture *f = *state;
	double closed, opened;
	uint64_t t_open, t_close;

	assert_int_equal(mcp23008_setup_output(f->gpio, VALVE_PIN, true), 0);
	closed = garden_litres(f->garden);
	sleep_ms(50);
	assert_float_equal(garden_litres(f->garden), closed, 0);

	t_open = set_valve_at(f, true);
	sleep_ms(300);
	t_close = set_valve_at(f, false);
	opened = garden_litres(f->garden);
	assert_within(opened - closed,
		      FLOW_LPM / 60.0 * (double)(t_close - t_open) / 1e9, 0.02);
	sleep_ms(50);
	assert_float_equal(garden_litres(f->garden), opened, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_valve_opens_on_its_active_level),
		T(test_valve_on_a_gpio_line),
		T(test_probes_read_only_while_powered),
		T(test_light_and_temperature),
		T(test_water_flows_while_open),
		T(test_probe_reads_do_not_disturb_the_flow),
		T(test_moisture_rises_while_watered),
		T(test_litres_grow_with_open_time),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
