/* Tests for the config loader: the shipped example, defaults and each kind of mistake. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/config.h"
#include "daemon/sensor.h"

#define SHIPPED_CONFIG "etc/irrigd.conf"

/*
 * The smallest valid file, split so a case can replace one part and still
 * know its line numbers: HW is lines 1-6, ZONE lines 7-9.
 */
#define HW                                                  \
	"hardware = {\n"                                    \
	"  backend = \"sim\";\n"                            \
	"  expanders = ( { address = 0x20; } );\n"          \
	"  adcs = ( { address = 0x48; } );\n"               \
	"  flow_meter = { line = \"GPIO17\"; };\n"          \
	"};\n"
#define ZONE                                                \
	"zones = ( { name = \"garden\";\n"                  \
	"  valve = { expander = 0x20; pin = 0; };\n"        \
	"  flow_lpm = 20.8; } );\n"
/* ZONE with another name, still on line 7. */
#define ZONE_NAMED(name)                                    \
	"zones = ( { name = \"" name "\";\n"                  \
	"  valve = { expander = 0x20; pin = 0; }; } );\n"
/* A probe on line 10, after HW and ZONE; fields appended. */
#define SOIL(extra)                                                      \
	"sensors = { soil = ( { name = \"bed1\"; adc = 0x48; channel = 0; " \
	"zone = \"garden\"; dry_volts = 2.8; wet_volts = 1.3; " extra      \
	" } ); };\n"

/* ZONE with moisture rules on its line 9. */
#define ZONE_RULES(rules)                                   \
	"zones = ( { name = \"garden\";\n"                  \
	"  valve = { expander = 0x20; pin = 0; };\n"        \
	"  flow_lpm = 20.8; " rules " } );\n"
/*
 * A program after HW and ZONE: its name on line 10, settings on line 11
 * and its zones on line 12.
 */
#define PROGRAM(settings)                                               \
	"programs = ( { name = \"morning\";\n"                           \
	settings "\n"                                                     \
	"  zones = ( { zone = \"garden\"; duration = \"15m\"; } ); } );\n"
/* The same with its zones (line 12) given. */
#define PROGRAM_ZONES(zones)                                            \
	"programs = ( { name = \"morning\";\n"                           \
	"  start = [\"06:30\"];\n"                                       \
	zones "\n"                                                        \
	"} );\n"
#define STEP "{ zone = \"garden\"; duration = \"1m\"; }"
#define REPEAT4(x) x x x x
#define REPEAT16(x) REPEAT4(x) REPEAT4(x) REPEAT4(x) REPEAT4(x)

/* The start of a probe group on one config line, without its closing brace. */
#define PROBE(name, adc, channel)                                          \
	"{ name = \"" name "\"; adc = " adc "; channel = " channel "; "       \
	"zone = \"garden\"; dry_volts = 2.8; wet_volts = 1.3; "

/* Smart watering's needs: a site and a temperature sensor, one line each. */
#define SITE "site = { latitude = 52; longitude = 5; };\n"
#define TEMP "sensors = { temperature = { adc = 0x48; channel = 3; }; };\n"
/* A soil zone's settings, for ZONE_RULES (line 9). */
#define SOIL_ZONE "soil = \"loam\"; root_depth_cm = 30; area_m2 = 12; "
#define AUTO "seasonal = { mode = \"auto\"; reference_et0_mm = 6.0; "

/* Writes text to a fresh temporary file; its name goes to path. */
static void write_temp(const char *text, char *path, size_t size)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/test_config.XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static int load_text(const char *text, struct config *cfg, char *err,
		     size_t err_size, char *path, size_t path_size)
{
	int r;

	write_temp(text, path, path_size);
	r = config_load(path, cfg, err, err_size);
	unlink(path);
	return r;
}

/* A good config loads; returns it on the heap for the test to inspect. */
static struct config *load_ok(const char *text)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	char err[512], path[PATH_MAX];
	int r;

	assert_non_null(cfg);
	r = load_text(text, cfg, err, sizeof(err), path, sizeof(path));
	if (r != 0)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(r, 0);
	assert_string_equal(cfg->path, path);
	return cfg;
}

/* tm_wday bits of a weekday mask. */
enum { SUN = 1, MON = 2, TUE = 4, WED = 8, THU = 16, FRI = 32, SAT = 64 };

static void assert_default_seasonal(const struct config *cfg)
{
	assert_int_equal(cfg->schedule.percent, 100);
	for (size_t i = 0; i < 12; i++)
		assert_int_equal(cfg->schedule.monthly_percent[i], 100);
}

static void test_shipped_config(void **state)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	const struct program *prog;
	char err[512];
	int r;

	(void)state;
	assert_non_null(cfg);
	r = config_load(SHIPPED_CONFIG, cfg, err, sizeof(err));
	if (r != 0)
		print_error("%s\n", err);
	assert_int_equal(r, 0);
	assert_string_equal(cfg->path, SHIPPED_CONFIG);
	assert_int_equal(cfg->backend, HW_BACKEND_SIM);
	assert_int_equal(cfg->i2c_bus, 1);

	assert_int_equal(cfg->n_expanders, 1);
	assert_int_equal(cfg->expanders[0].address, 0x20);
	assert_int_equal(cfg->n_adcs, 2);
	assert_int_equal(cfg->adcs[0].address, 0x48);
	assert_int_equal(cfg->adcs[1].address, 0x49);
	for (size_t i = 0; i < cfg->n_adcs; i++) {
		assert_int_equal(cfg->adcs[i].type, ADS1115);
		assert_int_equal(cfg->adcs[i].range_mv, 4096);
		assert_int_equal(cfg->adcs[i].data_rate, 250);
	}
	assert_string_equal(cfg->flow_meter.line.name, "GPIO17");
	assert_true(cfg->flow_meter.pulses_per_litre == 450.0);

	assert_int_equal(cfg->n_zones, 1);
	assert_string_equal(cfg->zones[0].name, "garden");
	assert_int_equal(cfg->zones[0].valve.expander, 0);
	assert_int_equal(cfg->zones[0].valve.pin, 0);
	assert_true(cfg->zones[0].valve.active_low);
	assert_true(cfg->zones[0].flow_lpm == 20.8);
	assert_int_equal(cfg->zones[0].max_run_s, 3600);
	assert_true(cfg->zones[0].has_skip_above);
	assert_true(cfg->zones[0].skip_above == 60.0);
	assert_true(cfg->zones[0].has_stop_at);
	assert_true(cfg->zones[0].stop_at == 75.0);
	assert_int_equal(config_find_zone(cfg, "garden"), 0);

	assert_int_equal(cfg->n_probes, 5);
	for (size_t i = 0; i < cfg->n_probes; i++) {
		const struct config_probe *p = &cfg->probes[i];
		char name[32];

		snprintf(name, sizeof(name), "bed%zu", i + 1);
		assert_string_equal(p->name, name);
		assert_int_equal(p->input.adc, i < 4 ? 0 : 1);
		assert_int_equal(p->input.channel, i < 4 ? i : 0);
		assert_int_equal(p->zone, 0);
		assert_true(p->dry_volts > 2.6 && p->dry_volts < 3.0);
		assert_true(p->wet_volts > 1.1 && p->wet_volts < 1.5);
		assert_true(p->has_power);
		assert_int_equal(p->power.expander, 0);
		assert_int_equal(p->power.pin, 7);
		assert_false(p->power.active_low);
		assert_int_equal(p->power_settle_ms, 50);
	}

	assert_true(cfg->light.present);
	assert_int_equal(cfg->light.input.adc, 1);
	assert_int_equal(cfg->light.input.channel, 1);
	assert_true(cfg->light.dark_volts == 0.0);
	assert_true(cfg->light.bright_volts == 3.3);
	assert_true(cfg->temperature.present);
	assert_int_equal(cfg->temperature.input.adc, 1);
	assert_int_equal(cfg->temperature.input.channel, 2);
	assert_int_equal(cfg->temperature.conversion, TEMP_TMP36);
	assert_int_equal(cfg->temperature.unit, 'C');

	/* One program as shipped; master and seasonal are commented out. */
	assert_int_equal(cfg->schedule.n_programs, 1);
	prog = &cfg->schedule.programs[0];
	assert_string_equal(prog->name, "morning");
	assert_true(prog->enabled);
	assert_int_equal(prog->n_starts, 1);
	assert_int_equal(prog->starts[0], 6 * 60 + 30);
	assert_int_equal(prog->days.kind, DAYS_WEEKDAYS);
	assert_int_equal(prog->days.weekday_mask, MON | WED | FRI);
	assert_int_equal(prog->n_steps, 1);
	assert_int_equal(prog->steps[0].zone, 0);
	assert_int_equal(prog->steps[0].duration_s, 15 * 60);
	assert_false(cfg->master.present);
	assert_default_seasonal(cfg);

	assert_int_equal(cfg->report_interval_s, 60);
	assert_string_equal(cfg->socket_path, "/run/irrigd/irrigd.sock");
	free(cfg);
}

static void test_defaults(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("hardware = {\n"
		      "  expanders = ( { address = 0x27; } );\n"
		      "  adcs = ( { address = 0x4B; } );\n"
		      "  flow_meter = { line = \"GPIO4\"; };\n"
		      "};\n"
		      "zones = ( { name = \"lawn\";\n"
		      "  valve = { expander = 0x27; pin = 3; };\n"
		      "  flow_lpm = 12; } );\n");
	assert_int_equal(cfg->backend, HW_BACKEND_LINUX);
	assert_int_equal(cfg->i2c_bus, 1);
	assert_int_equal(cfg->adcs[0].address, 0x4B);
	assert_int_equal(cfg->adcs[0].type, ADS1115);
	assert_int_equal(cfg->adcs[0].range_mv, 4096);
	assert_int_equal(cfg->adcs[0].data_rate, 250);
	assert_true(cfg->flow_meter.pulses_per_litre == 450.0);
	assert_int_equal(cfg->flow_meter.edge, CONFIG_EDGE_RISING);
	assert_int_equal(cfg->flow_meter.bias, CONFIG_BIAS_AS_IS);
	assert_false(cfg->zones[0].valve.on_gpio);
	assert_false(cfg->zones[0].valve.active_low);
	/* An integer is welcome where a decimal is expected. */
	assert_true(cfg->zones[0].flow_lpm == 12.0);
	assert_int_equal(cfg->zones[0].max_run_s, 3600);
	assert_false(cfg->zones[0].has_skip_above);
	assert_false(cfg->zones[0].has_stop_at);
	assert_int_equal(cfg->n_probes, 0);
	assert_false(cfg->light.present);
	assert_false(cfg->temperature.present);
	assert_false(cfg->master.present);
	/* Without seasonal, durations run as programmed. */
	assert_int_equal(cfg->schedule.n_programs, 0);
	assert_default_seasonal(cfg);
	assert_int_equal(cfg->report_interval_s, 60);
	assert_string_equal(cfg->socket_path, CONFIG_DEFAULT_SOCKET);
	/* Programs wait for a synchronized clock unless told otherwise. */
	assert_false(cfg->ignore_clock_sync);
	assert_int_equal(config_find_zone(cfg, "lawn"), 0);
	assert_int_equal(config_find_zone(cfg, "garden"), -1);
	free(cfg);
}

static void test_site(void **state)
{
	struct config *cfg;

	(void)state;
	/* Without a site group nothing may use a position. */
	cfg = load_ok(HW ZONE);
	assert_false(cfg->site.set);
	free(cfg);

	cfg = load_ok(HW "site = { latitude = -33.87; longitude = 151.21; };\n" ZONE);
	assert_true(cfg->site.set);
	assert_true(cfg->site.latitude_deg == -33.87);
	assert_true(cfg->site.longitude_deg == 151.21);
	free(cfg);

	/* Whole degrees are written as integers; they are numbers all the same. */
	cfg = load_ok(HW "site = { latitude = 52; longitude = 5; };\n" ZONE);
	assert_true(cfg->site.latitude_deg == 52.0);
	assert_true(cfg->site.longitude_deg == 5.0);
	free(cfg);
}

static void test_cycle_soak_and_volumes(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok(HW "zones = ( { name = \"bed\"; valve = { expander = 0x20; "
		      "pin = 0; }; cycle = \"10m\"; soak = \"30m\"; },\n"
		      "  { name = \"lawn\"; valve = { expander = 0x20; pin = 1; }; } );\n"
		      "programs = ( { name = \"morning\"; start = [\"06:30\"];\n"
		      "  zones = ( { zone = \"bed\"; litres = 20; },\n"
		      "            { zone = \"lawn\"; volume = \"5gal\"; },\n"
		      "            { zone = \"lawn\"; duration = \"5m\"; } ); } );\n");
	assert_int_equal(cfg->zones[0].cycle_s, 600);
	assert_int_equal(cfg->zones[0].soak_s, 1800);
	assert_int_equal(cfg->zones[1].cycle_s, 0);
	assert_true(cfg->schedule.programs[0].steps[0].litres == 20.0);
	/* By volume, the zone's max_run is the backstop. */
	assert_int_equal(cfg->schedule.programs[0].steps[0].duration_s, 3600);
	assert_true(fabs(cfg->schedule.programs[0].steps[1].litres - 18.927) < 0.001);
	assert_true(cfg->schedule.programs[0].steps[2].litres == 0.0);
	assert_int_equal(cfg->schedule.programs[0].steps[2].duration_s, 300);
	free(cfg);
}

static void test_starts_from_the_sun(void **state)
{
	struct config *cfg;
	const struct program *p;

	(void)state;
	cfg = load_ok(HW "site = { latitude = 52.37; longitude = 4.89; };\n" ZONE
		      "programs = ( { name = \"dawn\";\n"
		      "  start = [\"before sunrise\", \"sunset+30m\", \"05:00\"];\n"
		      "  zones = ( { zone = \"garden\"; duration = \"15m\"; } ); } );\n");
	p = &cfg->schedule.programs[0];
	assert_true(cfg->schedule.has_site);
	assert_true(cfg->schedule.latitude_deg == 52.37);
	assert_int_equal(p->n_starts, 3);
	assert_int_equal(p->start_kind[0], START_BEFORE_SUNRISE);
	assert_int_equal(p->start_kind[1], START_SUNSET);
	assert_int_equal(p->start_offset_min[1], 30);
	assert_int_equal(p->start_kind[2], START_AT);
	assert_int_equal(p->starts[2], 300);
	free(cfg);
}

static void test_smart_settings(void **state)
{
	struct config *cfg;

	(void)state;
	/* Without them: fixed seasonal, no soil, no rain sensor. */
	cfg = load_ok(HW ZONE);
	assert_false(cfg->seasonal_auto.on);
	assert_false(cfg->zones[0].has_soil);
	assert_false(cfg->zones[0].water_by_balance);
	assert_false(cfg->rain.present);
	free(cfg);

	cfg = load_ok(HW ZONE_RULES(SOIL_ZONE "water_by = \"balance\";") SITE
		      "sensors = { temperature = { adc = 0x48; channel = 3; };\n"
		      "  soil = ( { name = \"bed1\"; adc = 0x48; channel = 0; "
		      "zone = \"garden\"; dry_volts = 2.8; wet_volts = 1.3; } );\n"
		      "  rain = { line = \"GPIO27\"; active_low = true; }; };\n"
		      AUTO "};\n");
	/* The defaults. */
	assert_true(cfg->seasonal_auto.on);
	assert_true(cfg->seasonal_auto.cfg.reference_et0_mm == 6.0);
	assert_int_equal(cfg->seasonal_auto.cfg.min_percent, 20);
	assert_int_equal(cfg->seasonal_auto.cfg.max_percent, 150);
	assert_int_equal(cfg->seasonal_auto.cfg.days, 7);
	assert_int_equal(cfg->seasonal_auto.cfg.min_valid_days, 4);
	assert_int_equal(cfg->seasonal_auto.min_samples, 24);
	assert_true(cfg->zones[0].has_soil);
	assert_true(cfg->zones[0].water_by_balance);
	assert_int_equal(cfg->zones[0].soil.soil, SOIL_LOAM);
	assert_true(cfg->zones[0].soil.root_depth_cm == 30);
	assert_true(cfg->zones[0].soil.area_m2 == 12);
	assert_true(cfg->zones[0].soil.crop_coefficient == 1.0);
	assert_true(cfg->zones[0].soil.allowed_depletion == 0.5);
	assert_int_equal(cfg->zones[0].balance_start_min, 6 * 60);
	assert_false(cfg->zones[0].has_anchor);
	assert_true(cfg->rain.present);
	assert_true(cfg->rain.active_low);
	assert_string_equal(cfg->rain.line.name, "GPIO27");
	assert_int_equal(cfg->rain.hold_s, 12 * 3600);
	free(cfg);

	/* Everything given. */
	cfg = load_ok(HW ZONE_RULES(SOIL_ZONE "crop_coefficient = 0.8; "
				    "allowed_depletion = 0.4; water_by = \"program\"; "
				    "field_capacity_percent = 70; wilting_percent = 15;")
		      SITE
		      "sensors = { temperature = { adc = 0x48; channel = 3; };\n"
		      "  soil = ( { name = \"bed1\"; adc = 0x48; channel = 0; "
		      "zone = \"garden\"; dry_volts = 2.8; wet_volts = 1.3; } );\n"
		      "  rain = { chip = \"gpiochip0\"; offset = 27; hold = \"1d\"; "
		      "bias = \"pull-up\"; }; };\n"
		      AUTO "min_percent = 10; max_percent = 200; days = 14; "
		      "min_days = 3; min_samples = 100; };\n");
	assert_true(cfg->zones[0].soil.crop_coefficient == 0.8);
	assert_true(cfg->zones[0].soil.allowed_depletion == 0.4);
	assert_false(cfg->zones[0].water_by_balance);
	assert_true(cfg->zones[0].has_anchor);
	assert_true(cfg->zones[0].anchor.field_capacity_percent == 70);
	assert_true(cfg->zones[0].anchor.wilting_percent == 15);
	assert_int_equal(cfg->seasonal_auto.cfg.min_percent, 10);
	assert_int_equal(cfg->seasonal_auto.cfg.max_percent, 200);
	assert_int_equal(cfg->seasonal_auto.cfg.days, 14);
	assert_int_equal(cfg->seasonal_auto.cfg.min_valid_days, 3);
	assert_int_equal(cfg->seasonal_auto.min_samples, 100);
	assert_int_equal(cfg->rain.hold_s, 24 * 3600);
	assert_int_equal(cfg->rain.bias, CONFIG_BIAS_PULL_UP);
	assert_int_equal(cfg->rain.line.offset, 27);
	free(cfg);
}

static void test_safety_defaults_and_overrides(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok(HW "zones = ( { name = \"a\"; valve = { expander = 0x20; "
		      "pin = 0; }; },\n"
		      "  { name = \"b\"; valve = { expander = 0x20; pin = 1; };\n"
		      "    flow_lpm = 8; high_flow_percent = 200; daily_cap_litres = 300; } );\n");
	/* Left out, a zone's flow is learned: 0 says so. */
	assert_true(cfg->zones[0].flow_lpm == 0.0);
	assert_int_equal(cfg->safety.settle_s, 30);
	assert_int_equal(cfg->safety.alarm_delay_s, 30);
	assert_true(cfg->safety.leak_lpm == 0.5);
	assert_true(cfg->safety.max_flow_lpm == 30.0);
	assert_true(cfg->safety.daily_cap_litres == 0.0);
	assert_true(cfg->zones[0].no_flow_percent == 10.0);
	assert_true(cfg->zones[0].low_flow_percent == 70.0);
	assert_true(cfg->zones[0].high_flow_percent == 150.0);
	assert_true(cfg->zones[0].daily_cap_litres == 0.0);
	assert_true(cfg->zones[1].high_flow_percent == 200.0);
	assert_true(cfg->zones[1].daily_cap_litres == 300.0);
	free(cfg);

	/* The garden's thresholds are every zone's default. */
	cfg = load_ok(HW "safety = { settle = \"45s\"; alarm_delay = \"0s\";\n"
		      "  no_flow_percent = 5; low_flow_percent = 50;\n"
		      "  high_flow_percent = 130; leak_lpm = 1.5;\n"
		      "  max_flow_lpm = 1500; daily_cap_litres = 900; };\n" ZONE
		      SOIL("min_volts = 0.2; max_volts = 3.0;"));
	assert_int_equal(cfg->safety.settle_s, 45);
	assert_int_equal(cfg->safety.alarm_delay_s, 0);
	assert_true(cfg->safety.leak_lpm == 1.5);
	assert_true(cfg->safety.max_flow_lpm == 1500.0);
	assert_true(cfg->safety.daily_cap_litres == 900.0);
	assert_true(cfg->zones[0].no_flow_percent == 5.0);
	assert_true(cfg->zones[0].low_flow_percent == 50.0);
	assert_true(cfg->zones[0].high_flow_percent == 130.0);
	assert_true(cfg->probes[0].min_volts == 0.2);
	assert_true(cfg->probes[0].max_volts == 3.0);
	free(cfg);
}

static void test_sensor_defaults(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok(HW ZONE
		      "sensors = {\n"
		      "  soil = (\n"
		      "    { name = \"a\"; adc = 0x48; channel = 0; zone = \"garden\";\n"
		      "      dry_volts = 3; wet_volts = 1; },\n"
		      "    { name = \"b\"; adc = 0x48; channel = 1; zone = \"garden\";\n"
		      "      dry_volts = 2.8; wet_volts = 1.3;\n"
		      "      power = { expander = 0x20; pin = 6; active_low = true; }; },\n"
		      "    { name = \"c\"; adc = 0x48; channel = 3; zone = \"garden\";\n"
		      "      dry_volts = 2.8; wet_volts = 1.3;\n"
		      "      power = { expander = 0x20; pin = 6; active_low = true; }; }\n"
		      "  );\n"
		      "  light = { adc = 0x48; channel = 2; };\n"
		      "};\n");
	assert_int_equal(cfg->n_probes, 3);
	assert_false(cfg->probes[0].has_power);
	assert_true(cfg->probes[0].dry_volts == 3.0);
	assert_true(cfg->probes[1].has_power);
	assert_int_equal(cfg->probes[1].power.pin, 6);
	assert_true(cfg->probes[1].power.active_low);
	assert_int_equal(cfg->probes[1].power_settle_ms, 50);
	/* Probes may share a power pin when they agree on its polarity. */
	assert_true(cfg->probes[2].has_power);
	assert_true(cfg->light.present);
	assert_true(cfg->light.dark_volts == 0.0);
	assert_true(cfg->light.bright_volts == 3.3);
	assert_false(cfg->temperature.present);
	free(cfg);
}

static void test_other_choices(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("hardware = {\n"
		      "  backend = \"linux\"; i2c_bus = 0;\n"
		      "  adcs = ( { address = 0x4A; type = \"ads1015\";\n"
		      "             range_mv = 6144; data_rate = 3300; } );\n"
		      "  expanders = ( { address = 0x20; }, { address = 0x21; } );\n"
		      "  flow_meter = { line = \"GPIO27\"; pulses_per_litre = 98; };\n"
		      "};\n"
		      "safety = { max_flow_lpm = 10000; };\n"
		      "zones = (\n"
		      "  { name = \"front-lawn\"; flow_lpm = 30.5; max_run = \"1h30m\";\n"
		      "    valve = { expander = 0x21; pin = 7; active_low = false; }; },\n"
		      "  { name = \"Veg_2\"; flow_lpm = 1000; max_run = \"24h\";\n"
		      "    valve = { expander = 0x20; pin = 7; }; }\n"
		      ");\n"
		      "sensors = { temperature = { adc = 0x4A; channel = 3;\n"
		      "  conversion = \"linear\"; scale = 50; offset = -10.5;\n"
		      "  unit = \"F\"; freeze_below = 35.6; }; };\n"
		      "report_interval = \"1h\";\n"
		      "socket = \"/tmp/irrigd-test.sock\";\n");
	assert_int_equal(cfg->backend, HW_BACKEND_LINUX);
	assert_int_equal(cfg->i2c_bus, 0);
	assert_int_equal(cfg->adcs[0].type, ADS1015);
	assert_int_equal(cfg->adcs[0].range_mv, 6144);
	assert_int_equal(cfg->adcs[0].data_rate, 3300);
	assert_true(cfg->flow_meter.pulses_per_litre == 98.0);
	assert_int_equal(cfg->n_zones, 2);
	assert_int_equal(cfg->zones[0].valve.expander, 1);
	assert_int_equal(cfg->zones[0].max_run_s, 5400);
	assert_int_equal(cfg->zones[1].max_run_s, 86400);
	assert_int_equal(config_find_zone(cfg, "Veg_2"), 1);
	assert_true(cfg->temperature.present);
	assert_int_equal(cfg->temperature.conversion, TEMP_LINEAR);
	assert_true(cfg->temperature.scale == 50.0);
	assert_true(cfg->temperature.offset == -10.5);
	assert_int_equal(cfg->temperature.unit, 'F');
	assert_true(cfg->temperature.has_freeze_below);
	assert_true(cfg->temperature.freeze_below == 35.6);
	assert_int_equal(cfg->report_interval_s, 3600);
	assert_string_equal(cfg->socket_path, "/tmp/irrigd-test.sock");
	free(cfg);
}

/* driver = "ds18b20": the next sensor driver is a config word. */
static void test_thermometer_on_one_wire(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok(HW ZONE
		      "sensors = { temperature = { driver = \"ds18b20\";\n"
		      "  device = \"28-0316a2794bff\"; unit = \"F\"; }; };\n");
	assert_true(cfg->temperature.present);
	assert_ptr_equal(cfg->temperature.input.driver, &sensor_ds18b20);
	assert_string_equal(cfg->temperature.input.device, "28-0316a2794bff");
	assert_int_equal(cfg->temperature.input.adc, -1);
	assert_int_equal(cfg->temperature.unit, 'F');
	free(cfg);
	cfg = load_ok(HW ZONE
		      "sensors = { light = { driver = \"ads1x15\"; adc = 0x48; "
		      "channel = 1; }; };\n");
	assert_ptr_equal(cfg->light.input.driver, &sensor_ads1x15);
	assert_int_equal(cfg->light.input.channel, 1);
	free(cfg);
}

/* Only a whole number or duration is refused as a zone name. */
static void test_zone_names_near_durations(void **state)
{
	static const char *const names[] = { "2nd", "m", "bed5m", "1-2", "h1" };
	struct config *cfg;

	(void)state;
	cfg = load_ok(HW
		      "zones = (\n"
		      "  { name = \"2nd\"; valve = { expander = 0x20; pin = 0; }; },\n"
		      "  { name = \"m\"; valve = { expander = 0x20; pin = 1; }; },\n"
		      "  { name = \"bed5m\"; valve = { expander = 0x20; pin = 2; }; },\n"
		      "  { name = \"1-2\"; valve = { expander = 0x20; pin = 3; }; },\n"
		      "  { name = \"h1\"; valve = { expander = 0x20; pin = 4; }; } );\n");
	assert_int_equal(cfg->n_zones, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(config_find_zone(cfg, names[i]), (int)i);
	free(cfg);
}

/* Moisture rules, a master, seasonal percentages and each day rule. */
static void test_schedule(void **state)
{
	static const unsigned monthly[12] = {
		30, 40, 60, 80, 100, 120, 130, 120, 90, 60, 0, 300
	};
	const struct program *p;
	struct config *cfg;

	(void)state;
	cfg = load_ok("hardware = {\n"
		      "  backend = \"sim\";\n"
		      "  expanders = ( { address = 0x20; }, { address = 0x21; } );\n"
		      "  adcs = ( { address = 0x48; } );\n"
		      "  flow_meter = { line = \"GPIO17\"; };\n"
		      "};\n"
		      "zones = (\n"
		      "  { name = \"garden\"; flow_lpm = 20.8; max_run = \"2h\";\n"
		      "    valve = { expander = 0x20; pin = 0; };\n"
		      "    skip_above = 60.0; stop_at = 80; },\n"
		      "  { name = \"beds\"; flow_lpm = 5; max_run = \"90m\";\n"
		      "    valve = { expander = 0x20; pin = 1; };\n"
		      "    stop_at = 75.5; },\n"
		      "  { name = \"lawn\"; flow_lpm = 25; max_run = \"30m\";\n"
		      "    valve = { expander = 0x20; pin = 2; };\n"
		      "    skip_above = 0; },\n"
		      "  { name = \"pots\"; flow_lpm = 2;\n"
		      "    valve = { expander = 0x20; pin = 3; };\n"
		      "    skip_above = 100; stop_at = 100; },\n"
		      "  { name = \"hedge\"; flow_lpm = 9;\n"
		      "    valve = { expander = 0x21; pin = 0; }; }\n"
		      ");\n"
		      "sensors = { soil = (\n"
		      "  { name = \"g1\"; adc = 0x48; channel = 0; zone = \"garden\";\n"
		      "    dry_volts = 2.8; wet_volts = 1.3; },\n"
		      "  { name = \"b1\"; adc = 0x48; channel = 1; zone = \"beds\";\n"
		      "    dry_volts = 2.8; wet_volts = 1.3; },\n"
		      "  { name = \"l1\"; adc = 0x48; channel = 2; zone = \"lawn\";\n"
		      "    dry_volts = 2.8; wet_volts = 1.3;\n"
		      "    power = { expander = 0x20; pin = 7; }; },\n"
		      "  { name = \"p1\"; adc = 0x48; channel = 3; zone = \"pots\";\n"
		      "    dry_volts = 2.8; wet_volts = 1.3; }\n"
		      "); };\n"
		      "master = { expander = 0x21; pin = 5; active_low = true;\n"
		      "  lead = \"2s\"; lag = \"5s\"; };\n"
		      "seasonal = { percent = 120;\n"
		      "  monthly = [30, 40, 60, 80, 100, 120, 130, 120, 90, 60, 0, 300]; };\n"
		      "programs = (\n"
		      "  { name = \"morning\"; enabled = true; start = [\"06:30\", \"19:00\"];\n"
		      "    days = [\"mon\", \"wed\", \"fri\"];\n"
		      "    zones = ( { zone = \"garden\"; duration = \"15m\"; },\n"
		      "              { zone = \"lawn\"; duration = \"30m\"; },\n"
		      "              { zone = \"garden\"; duration = \"2h\"; } ); },\n"
		      "  { name = \"weekend\"; start = [\"0:00\", \"23:59\", \"7:05\"];\n"
		      "    days = (\"sun\", \"sat\");\n"
		      "    zones = ( { zone = \"beds\"; duration = \"90s\"; } ); },\n"
		      "  { name = \"every-day\"; enabled = false; start = [\"12:00\"];\n"
		      "    days = \"daily\";\n"
		      "    zones = ( { zone = \"pots\"; duration = \"1h\"; } ); },\n"
		      "  { name = \"no-days\"; start = [\"05:45\"];\n"
		      "    zones = ( { zone = \"hedge\"; duration = \"1m\"; } ); },\n"
		      "  { name = \"odd-a\"; start = [\"04:00\"]; days = \"odd\";\n"
		      "    zones = ( { zone = \"hedge\"; duration = \"2m\"; } ); },\n"
		      "  { name = \"odd-b\"; start = [\"04:10\"]; days = \"odd\";\n"
		      "    zones = ( { zone = \"hedge\"; duration = \"3m\"; } ); },\n"
		      "  { name = \"even-a\"; start = [\"04:20\"]; days = \"even\";\n"
		      "    zones = ( { zone = \"hedge\"; duration = \"4m\"; } ); },\n"
		      "  { name = \"even-b\"; start = [\"04:30\"]; days = \"even\";\n"
		      "    enabled = false;\n"
		      "    zones = ( { zone = \"hedge\"; duration = \"5m\"; } ); },\n"
		      "  { name = \"every3\"; start = [\"21:00\"];\n"
		      "    every_days = 3; anchor = \"2026-05-01\";\n"
		      "    zones = ( { zone = \"beds\"; duration = \"1h1s\"; } ); },\n"
		      "  { name = \"leap\"; start = [\"21:30\"];\n"
		      "    anchor = \"2024-02-29\"; every_days = 365;\n"
		      "    zones = ( { zone = \"lawn\"; duration = \"1s\"; } ); }\n"
		      ");\n");

	assert_true(cfg->zones[0].has_skip_above);
	assert_true(cfg->zones[0].skip_above == 60.0);
	assert_true(cfg->zones[0].has_stop_at);
	assert_true(cfg->zones[0].stop_at == 80.0);
	assert_false(cfg->zones[1].has_skip_above);
	assert_true(cfg->zones[1].has_stop_at);
	assert_true(cfg->zones[1].stop_at == 75.5);
	assert_true(cfg->zones[2].has_skip_above);
	assert_true(cfg->zones[2].skip_above == 0.0);
	assert_false(cfg->zones[2].has_stop_at);
	/* skip_above may equal stop_at. */
	assert_true(cfg->zones[3].skip_above == 100.0);
	assert_true(cfg->zones[3].stop_at == 100.0);
	assert_false(cfg->zones[4].has_skip_above);
	assert_false(cfg->zones[4].has_stop_at);

	assert_true(cfg->master.present);
	assert_int_equal(cfg->master.pin.expander, 1);
	assert_int_equal(cfg->master.pin.pin, 5);
	assert_true(cfg->master.pin.active_low);
	assert_int_equal(cfg->master.lead_s, 2);
	assert_int_equal(cfg->master.lag_s, 5);

	assert_int_equal(cfg->schedule.percent, 120);
	for (size_t i = 0; i < 12; i++)
		assert_int_equal(cfg->schedule.monthly_percent[i], monthly[i]);

	assert_int_equal(cfg->schedule.n_programs, 10);
	p = &cfg->schedule.programs[0];
	assert_string_equal(p->name, "morning");
	assert_true(p->enabled);
	assert_int_equal(p->n_starts, 2);
	assert_int_equal(p->starts[0], 6 * 60 + 30);
	assert_int_equal(p->starts[1], 19 * 60);
	assert_int_equal(p->days.kind, DAYS_WEEKDAYS);
	assert_int_equal(p->days.weekday_mask, MON | WED | FRI);
	assert_int_equal(p->days.interval_days, 1);
	assert_int_equal(p->n_steps, 3);
	assert_int_equal(p->steps[0].zone, 0);
	assert_int_equal(p->steps[0].duration_s, 900);
	assert_int_equal(p->steps[1].zone, 2);
	assert_int_equal(p->steps[1].duration_s, 1800);
	/* A zone may come back, for as long as its max_run. */
	assert_int_equal(p->steps[2].zone, 0);
	assert_int_equal(p->steps[2].duration_s, 7200);

	p = &cfg->schedule.programs[1];
	assert_string_equal(p->name, "weekend");
	assert_true(p->enabled);
	/* In the order written, "H:MM" as well as "HH:MM". */
	assert_int_equal(p->n_starts, 3);
	assert_int_equal(p->starts[0], 0);
	assert_int_equal(p->starts[1], 23 * 60 + 59);
	assert_int_equal(p->starts[2], 7 * 60 + 5);
	assert_int_equal(p->days.kind, DAYS_WEEKDAYS);
	assert_int_equal(p->days.weekday_mask, SUN | SAT);
	assert_int_equal(p->n_steps, 1);
	assert_int_equal(p->steps[0].zone, 1);
	assert_int_equal(p->steps[0].duration_s, 90);

	p = &cfg->schedule.programs[2];
	assert_string_equal(p->name, "every-day");
	assert_false(p->enabled);
	assert_int_equal(p->n_starts, 1);
	assert_int_equal(p->starts[0], 12 * 60);
	assert_int_equal(p->days.kind, DAYS_WEEKDAYS);
	assert_int_equal(p->days.weekday_mask,
			 SUN | MON | TUE | WED | THU | FRI | SAT);
	assert_int_equal(p->steps[0].zone, 3);
	assert_int_equal(p->steps[0].duration_s, 3600);

	/* No day rule: daily. */
	p = &cfg->schedule.programs[3];
	assert_string_equal(p->name, "no-days");
	assert_true(p->enabled);
	assert_int_equal(p->starts[0], 5 * 60 + 45);
	assert_int_equal(p->days.kind, DAYS_WEEKDAYS);
	assert_int_equal(p->days.weekday_mask, 0x7F);
	assert_int_equal(p->days.interval_days, 1);
	assert_int_equal(p->steps[0].zone, 4);
	assert_int_equal(p->steps[0].duration_s, 60);

	for (size_t i = 4; i < 8; i++) {
		p = &cfg->schedule.programs[i];
		assert_int_equal(p->days.kind, i < 6 ? DAYS_ODD : DAYS_EVEN);
		assert_int_equal(p->days.weekday_mask, 0);
		assert_int_equal(p->days.interval_days, 1);
		assert_int_equal(p->days.anchor.year, 0);
		assert_true(p->enabled == (i != 7));
		assert_int_equal(p->n_starts, 1);
		assert_int_equal(p->starts[0], 4 * 60 + (i - 4) * 10);
		assert_int_equal(p->n_steps, 1);
		assert_int_equal(p->steps[0].zone, 4);
		assert_int_equal(p->steps[0].duration_s, (i - 2) * 60);
	}
	assert_string_equal(cfg->schedule.programs[4].name, "odd-a");
	assert_string_equal(cfg->schedule.programs[7].name, "even-b");

	p = &cfg->schedule.programs[8];
	assert_string_equal(p->name, "every3");
	assert_int_equal(p->starts[0], 21 * 60);
	assert_int_equal(p->days.kind, DAYS_INTERVAL);
	assert_int_equal(p->days.interval_days, 3);
	assert_int_equal(p->days.anchor.year, 2026);
	assert_int_equal(p->days.anchor.month, 5);
	assert_int_equal(p->days.anchor.day, 1);
	assert_int_equal(p->steps[0].zone, 1);
	assert_int_equal(p->steps[0].duration_s, 3601);

	p = &cfg->schedule.programs[9];
	assert_string_equal(p->name, "leap");
	assert_int_equal(p->days.kind, DAYS_INTERVAL);
	assert_int_equal(p->days.interval_days, 365);
	assert_int_equal(p->days.anchor.year, 2024);
	assert_int_equal(p->days.anchor.month, 2);
	assert_int_equal(p->days.anchor.day, 29);
	assert_int_equal(p->steps[0].zone, 2);
	assert_int_equal(p->steps[0].duration_s, 1);
	free(cfg);
}

/* A master's lead and lag may be zero; seasonal may give percent alone. */
static void test_gpio_lines(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("hardware = {\n"
		      "  flow_meter = { chip = \"gpiochip0\"; offset = 17;\n"
		      "    edge = \"both\"; bias = \"pull-up\"; };\n"
		      "};\n"
		      "zones = ( { name = \"lawn\";\n"
		      "  valve = { line = \"GPIO22\"; active_low = true; };\n"
		      "  flow_lpm = 12; } );\n"
		      "master = { chip = \"gpiochip0\"; offset = 23; };\n");
	assert_string_equal(cfg->flow_meter.line.name, "");
	assert_string_equal(cfg->flow_meter.line.chip, "gpiochip0");
	assert_int_equal(cfg->flow_meter.line.offset, 17);
	assert_int_equal(cfg->flow_meter.edge, CONFIG_EDGE_BOTH);
	assert_int_equal(cfg->flow_meter.bias, CONFIG_BIAS_PULL_UP);
	assert_true(cfg->zones[0].valve.on_gpio);
	assert_string_equal(cfg->zones[0].valve.line.name, "GPIO22");
	assert_int_equal(cfg->zones[0].valve.line.offset, -1);
	assert_true(cfg->zones[0].valve.active_low);
	assert_true(cfg->master.present);
	assert_true(cfg->master.pin.on_gpio);
	assert_int_equal(cfg->master.pin.line.offset, 23);
	assert_false(cfg->master.pin.active_low);
	assert_int_equal(cfg->n_expanders, 0);
	free(cfg);

	/* Other chips, or one by its label, may be the same: the start checks. */
	cfg = load_ok("hardware = {\n"
		      "  flow_meter = { chip = \"gpiochip0\"; offset = 17; };\n"
		      "};\n"
		      "zones = ( { name = \"a\";\n"
		      "  valve = { chip = \"gpiochip1\"; offset = 17; }; },\n"
		      "  { name = \"b\"; valve = { chip = \"1\"; offset = 18; }; },\n"
		      "  { name = \"c\"; valve = { chip = \"pinctrl-rp1\"; offset = 17; }; },\n"
		      "  { name = \"d\"; valve = { line = \"GPIO17x\"; }; } );\n");
	assert_int_equal(cfg->n_zones, 4);
	assert_string_equal(cfg->zones[1].valve.line.chip, "1");
	free(cfg);
}

static void test_clock_sync_optional(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("hardware = {\n"
		      "  expanders = ( { address = 0x20; } );\n"
		      "  flow_meter = { line = \"GPIO17\"; };\n"
		      "};\n"
		      "zones = ( { name = \"lawn\";\n"
		      "  valve = { expander = 0x20; pin = 0; };\n"
		      "  flow_lpm = 12; } );\n"
		      "wait_for_clock_sync = false;\n");
	assert_true(cfg->ignore_clock_sync);
	free(cfg);
}

static void test_master_and_seasonal_defaults(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok(HW ZONE "master = { expander = 0x20; pin = 4; };\n"
		      "seasonal = { };\n");
	assert_true(cfg->master.present);
	assert_int_equal(cfg->master.pin.expander, 0);
	assert_int_equal(cfg->master.pin.pin, 4);
	assert_false(cfg->master.pin.active_low);
	assert_int_equal(cfg->master.lead_s, 0);
	assert_int_equal(cfg->master.lag_s, 0);
	assert_default_seasonal(cfg);
	free(cfg);

	cfg = load_ok(HW ZONE "master = { expander = 0x20; pin = 4;\n"
		      "  lead = \"0s\"; lag = \"10m\"; };\n"
		      "seasonal = { percent = 0; };\n");
	assert_int_equal(cfg->master.lead_s, 0);
	assert_int_equal(cfg->master.lag_s, 600);
	assert_int_equal(cfg->schedule.percent, 0);
	for (size_t i = 0; i < 12; i++)
		assert_int_equal(cfg->schedule.monthly_percent[i], 100);
	free(cfg);

	cfg = load_ok(HW ZONE "master = { expander = 0x20; pin = 4;\n"
		      "  lead = \"0m0s\"; lag = \"00h\"; };\n"
		      "seasonal = { monthly = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 300]; };\n");
	assert_int_equal(cfg->master.lead_s, 0);
	assert_int_equal(cfg->master.lag_s, 0);
	assert_int_equal(cfg->schedule.percent, 100);
	for (size_t i = 0; i < 11; i++)
		assert_int_equal(cfg->schedule.monthly_percent[i], i);
	assert_int_equal(cfg->schedule.monthly_percent[11], 300);
	free(cfg);
}

/* The most of everything: 16 programs of 8 starts and 16 zones each. */
static void test_schedule_limits(void **state)
{
	size_t size = 64 * 1024, len;
	char *text = malloc(size);
	struct config *cfg;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, size, "%s%sprograms = (\n", HW, ZONE);
	for (int i = 0; i < SCHEDULE_MAX_PROGRAMS; i++) {
		len += (size_t)snprintf(text + len, size - len,
					"  { name = \"p%d\"; start = [", i);
		for (int s = 0; s < SCHEDULE_MAX_STARTS; s++)
			len += (size_t)snprintf(text + len, size - len,
						"%s\"%d:%02d\"", s ? ", " : "",
						s, i);
		len += (size_t)snprintf(text + len, size - len,
					"];\n    zones = (");
		for (int s = 0; s < SCHEDULE_MAX_STEPS; s++)
			len += (size_t)snprintf(text + len, size - len,
						"%s{ zone = \"garden\"; "
						"duration = \"%dm\"; }",
						s ? ", " : "", s + 1);
		len += (size_t)snprintf(text + len, size - len, "); }%s\n",
					i + 1 < SCHEDULE_MAX_PROGRAMS ? "," : "");
	}
	snprintf(text + len, size - len, ");\n");
	assert_true(len < size - 8);
	cfg = load_ok(text);
	free(text);
	assert_int_equal(cfg->schedule.n_programs, SCHEDULE_MAX_PROGRAMS);
	for (size_t i = 0; i < SCHEDULE_MAX_PROGRAMS; i++) {
		const struct program *p = &cfg->schedule.programs[i];

		assert_int_equal(p->n_starts, SCHEDULE_MAX_STARTS);
		for (size_t s = 0; s < SCHEDULE_MAX_STARTS; s++)
			assert_int_equal(p->starts[s], s * 60 + i);
		assert_int_equal(p->n_steps, SCHEDULE_MAX_STEPS);
		for (size_t s = 0; s < SCHEDULE_MAX_STEPS; s++) {
			assert_int_equal(p->steps[s].zone, 0);
			assert_int_equal(p->steps[s].duration_s, (s + 1) * 60);
		}
	}
	free(cfg);
}

/*
 * One invalid file: the message must hold where ("FILE:LINE: SETTING: ")
 * after the file name, and what.
 */
struct bad_case {
	const char *name;
	const char *text;
	const char *where;
	const char *what;
};

static const struct bad_case bad_cases[] = {
	/* Syntax */
	{ "syntax error", HW "zones = ( { name = garden; } );\n",
	  ":7: ", "syntax error" },
	{ "syntax error: duplicate setting",
	  HW "hardware = { };\n" ZONE, ":7: hardware: ",
	  "duplicate setting name (a setting may appear only once in its group)" },
	{ "duplicate setting in a group",
	  "hardware = {\n"
	  "  backend = \"sim\";\n"
	  "  backend = \"linux\";\n"
	  "};\n" ZONE,
	  ":3: hardware.backend: ", "duplicate setting name" },
	{ "duplicate setting in a list element",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 1; flow_lpm = 2; } );\n",
	  ":9: zones.[0].flow_lpm: ", "duplicate setting name" },
	{ "UTF-8 byte order mark", "\xef\xbb\xbf" HW ZONE,
	  ":1: ", "the file starts with a UTF-8 byte order mark (BOM)" },
	{ "typographic quotes",
	  "hardware = {\n"
	  "  backend = \xe2\x80\x9c" "sim\xe2\x80\x9d;\n"
	  "};\n" ZONE,
	  ":2: hardware.backend: ", "a typographic quote" },
	{ "single typographic quotes", HW
	  "zones = ( { name = \xe2\x80\x98" "garden\xe2\x80\x99;\n"
	  "  valve = { expander = 0x20; pin = 0; }; } );\n",
	  ":7: zones.[0].name: ", "straight double quotes" },
	{ "single quotes", HW
	  "zones = ( { name = 'garden';\n"
	  "  valve = { expander = 0x20; pin = 0; }; } );\n",
	  ":7: zones.[0].name: ", "not single quotes" },
	/* libconfig itself names the end of the file. */
	{ "unclosed string", HW
	  "zones = ( { name = \"garden;\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 20.8; } );\n"
	  "report_interval = \"60s\";\n",
	  ":7: zones.[0].name: ", "this string is not closed on its line" },
	{ "unclosed group", HW
	  "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n",
	  ":7: zones.[0]: ", "this group { is not closed with }" },
	{ "list written as groups", HW
	  "zones = { name = \"a\"; valve = { expander = 0x20; pin = 0; }; },\n"
	  "  { name = \"b\"; valve = { expander = 0x20; pin = 1; }; };\n",
	  ":7: zones: ", "groups separated by commas are a list, written in "
	  "parentheses: ( { ... }, { ... } )" },
	/* A ',' may end a setting: only a '{' after it begins none. */
	{ "comma after a group, then a mistake",
	  "hardware = { flow_meter = { line = \"GPIO17\"; }, backend = \"sim\";\n"
	  "  expanders = ( { address = 0x20; } ); };\n"
	  "zones = ( { name = garden; } );\n",
	  ":3: zones: ", "syntax error" },
	{ "list written as an array", HW
	  "zones = [ { name = \"a\"; valve = { expander = 0x20; pin = 0; }; } ];\n",
	  ":7: zones: ", "a list of groups is written in parentheses" },
	/* Deeper than irrigd's hints look, libconfig's own words stay. */
	{ "nested past the hints' depth",
	  REPEAT16("a = {\n") "b = { c = 'x'; };\n",
	  ":17: ", "syntax error" },
	{ "empty file", "", ": ", "the file is empty" },
	{ "blank file", "\n  \n\t\n", ": ", "the file is empty" },
	{ "only comments", "# irrigd.conf\n// nothing yet\n/* later */\n", ": ",
	  "the file holds no settings, only comments" },

	/* Unknown settings */
	{ "unknown top-level setting", HW ZONE "report_intervall = \"60s\";\n",
	  ":10: report_intervall: ", "unknown setting" },
	{ "unknown nested setting",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; invert = true; };\n"
	  "  flow_lpm = 20.8; } );\n",
	  ":8: zones.[0].valve.invert: ", "unknown setting" },
	{ "unknown setting in a list element",
	  "hardware = {\n"
	  "  expanders = ( { address = 0x20; } );\n"
	  "  adcs = ( { address = 0x48; },\n"
	  "           { address = 0x49; gain = 2; } );\n"
	  "  flow_meter = { line = \"GPIO17\"; };\n"
	  "};\n" ZONE,
	  ":4: hardware.adcs.[1].gain: ", "unknown setting" },
	{ "typo'd setting name",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lmp = 20.8; } );\n",
	  ":9: zones.[0].flow_lmp: ", "unknown setting (allowed here: name, "
	  "valve, flow_lpm, max_run, skip_above, stop_at, no_flow_percent, "
	  "low_flow_percent, high_flow_percent, daily_cap_litres, cycle, soak, soil, "
	  "root_depth_cm, crop_coefficient, allowed_depletion, area_m2, water_by, "
	  "balance_start, field_capacity_percent, wilting_percent)" },
	{ "unknown setting in probe power",
	  HW ZONE SOIL("power = { expander = 0x20; pin = 7; settle = 50; };"),
	  ":10: sensors.soil.[0].power.settle: ", "unknown setting" },

	/* Wrong types */
	{ "string where a number is expected",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = \"20.8\"; } );\n",
	  ":9: zones.[0].flow_lpm: ", "must be a number, not a string" },
	{ "decimal where an integer is expected",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 1.5; };\n"
	  "  flow_lpm = 20.8; } );\n",
	  ":8: zones.[0].valve.pin: ", "must be an integer" },
	{ "number where a string is expected",
	  "hardware = {\n  flow_meter = { line = 17; };\n};\n" ZONE,
	  ":2: hardware.flow_meter.line: ", "must be a string" },
	{ "string where true or false is expected",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; active_low = \"yes\"; };\n"
	  "  flow_lpm = 20.8; } );\n",
	  ":8: zones.[0].valve.active_low: ", "must be true or false" },
	{ "string where a group is expected",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = \"0x20:0\";\n"
	  "  flow_lpm = 20.8; } );\n",
	  ":8: zones.[0].valve: ", "must be a group" },
	{ "group where a list is expected",
	  HW "zones = { name = \"garden\"; };\n",
	  ":7: zones: ", "must be a list" },
	{ "bare number as a duration",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 20.8; max_run = 60; } );\n",
	  ":9: zones.[0].max_run: ", "not a bare number" },
	{ "bare number string as a duration",
	  HW ZONE "report_interval = \"60\";\n",
	  ":10: report_interval: ", "\"60\" is not a duration" },
	{ "duration with a bad unit", HW ZONE "report_interval = \"1 min\";\n",
	  ":10: report_interval: ", "is not a duration" },

	/* Missing required settings */
	{ "missing hardware", ZONE, ": hardware: ",
	  "required setting is missing" },
	{ "missing flow meter",
	  "hardware = {\n  expanders = ( { address = 0x20; } );\n};\n" ZONE,
	  ":1: hardware.flow_meter: ", "required setting is missing" },
	{ "missing flow meter line",
	  "hardware = {\n  expanders = ( { address = 0x20; } );\n"
	  "  flow_meter = { pulses_per_litre = 450; };\n};\n" ZONE,
	  ":3: hardware.flow_meter.line: ",
	  "required: a GPIO line name such as \"GPIO17\", or chip and offset" },
	{ "missing zones", HW, ": zones: ", "required setting is missing" },
	{ "empty zones", HW "zones = ();\n", ":7: zones: ",
	  "at least one zone is required" },
	{ "missing zone name",
	  HW "zones = ( {\n  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 20.8; } );\n",
	  ":7: zones.[0].name: ", "required setting is missing" },
	{ "missing valve",
	  HW "zones = ( { name = \"garden\";\n  flow_lpm = 20.8; } );\n",
	  ":7: zones.[0].valve: ", "required setting is missing" },
	{ "missing valve pin",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; };\n  flow_lpm = 20.8; } );\n",
	  ":8: zones.[0].valve.pin: ", "required setting is missing" },
	{ "low flow threshold under the no-flow one",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  no_flow_percent = 40; low_flow_percent = 30; } );\n",
	  ":9: zones.[0].low_flow_percent: ", "low_flow_percent (30) must be at "
	  "least no_flow_percent (40)" },
	{ "high flow threshold at 100 %",
	  HW "safety = { high_flow_percent = 100; };\n"
	  "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; }; } );\n",
	  ":7: safety.high_flow_percent: ", "must be more than 100 and at most 1000" },
	{ "alarm delay too long",
	  HW "safety = { alarm_delay = \"11m\"; };\n"
	  "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; }; } );\n",
	  ":7: safety.alarm_delay: ", "must be 0s to 10m" },
	{ "site latitude past the pole",
	  HW "site = { latitude = 91.5; longitude = 4.9; };\n" ZONE,
	  ":7: site.latitude: ", "must be -90 to 90" },
	{ "site longitude past the date line",
	  HW "site = { latitude = 52.4; longitude = -181; };\n" ZONE,
	  ":7: site.longitude: ", "must be -180 to 180" },
	{ "site without a longitude",
	  HW "site = { latitude = 52.4; };\n" ZONE,
	  ":7: site.longitude: ", "required setting is missing" },
	/* Smart watering */
	{ "seasonal auto without a site",
	  HW ZONE "seasonal = { mode = \"auto\"; reference_et0_mm = 6.0; };\n",
	  ":10: seasonal.mode: ", "\"auto\" needs the site group" },
	{ "seasonal auto without a temperature sensor",
	  HW SITE ZONE AUTO "};\n",
	  ":11: seasonal.mode: ", "\"auto\" needs a temperature sensor" },
	{ "seasonal auto without its reference",
	  HW SITE ZONE TEMP "seasonal = { mode = \"auto\"; };\n",
	  ":12: seasonal.reference_et0_mm: ", "required setting is missing" },
	{ "seasonal auto range upside down",
	  HW SITE ZONE TEMP AUTO "min_percent = 90; max_percent = 80; };\n",
	  ":12: seasonal.min_percent: ", "must not be more than max_percent (80)" },
	{ "seasonal mode unknown",
	  HW ZONE "seasonal = { mode = \"smart\"; };\n",
	  ":10: seasonal.mode: ", "must be one of \"fixed\", \"auto\"" },
	{ "seasonal auto setting in fixed mode",
	  HW ZONE "seasonal = { percent = 90; days = 7; };\n",
	  ":10: seasonal.days: ", "only used with mode = \"auto\"" },
	{ "seasonal auto window too long",
	  HW SITE ZONE TEMP AUTO "days = 40; };\n",
	  ":12: seasonal.days: ", "must be 1 to 30" },
	{ "seasonal auto more samples than a day has",
	  HW SITE ZONE TEMP AUTO "min_samples = 48; };\n"
	  "sample_interval = \"1h\";\n",
	  ":12: seasonal.min_samples: ", "a day has at most 24 samples" },
	{ "zone soil unknown",
	  HW ZONE_RULES("soil = \"peat\"; root_depth_cm = 30; area_m2 = 10;")
	  SITE TEMP,
	  ":9: zones.[0].soil: ", "\"peat\" is not a soil texture: use one of "
	  "\"sand\"" },
	{ "zone soil without an area",
	  HW ZONE_RULES("soil = \"loam\"; root_depth_cm = 30;") SITE TEMP,
	  ":7: zones.[0].area_m2: ", "required setting is missing" },
	{ "zone area without a soil",
	  HW ZONE_RULES("area_m2 = 10;") SITE TEMP,
	  ":9: zones.[0].area_m2: ", "only used with soil" },
	{ "zone balance without a soil",
	  HW ZONE_RULES("water_by = \"balance\";") SITE TEMP,
	  ":7: zones.[0].soil: ", "required with water_by = \"balance\"" },
	{ "zone water_by unknown",
	  HW ZONE_RULES(SOIL_ZONE "water_by = \"weather\";") SITE TEMP,
	  ":9: zones.[0].water_by: ", "must be one of \"program\", \"balance\"" },
	{ "zone soil without a site",
	  HW ZONE_RULES(SOIL_ZONE) TEMP,
	  ":9: zones.[0].soil: ", "a soil water balance needs the site group" },
	{ "zone soil without a temperature sensor",
	  HW ZONE_RULES(SOIL_ZONE) SITE,
	  ":9: zones.[0].soil: ", "a soil water balance needs a temperature sensor" },
	{ "zone root depth of nothing",
	  HW ZONE_RULES("soil = \"loam\"; root_depth_cm = 0; area_m2 = 10;")
	  SITE TEMP,
	  ":9: zones.[0].root_depth_cm: ", "must be more than 0 and at most 300" },
	{ "zone allowed depletion above the whole",
	  HW ZONE_RULES(SOIL_ZONE "allowed_depletion = 1.5;") SITE TEMP,
	  ":9: zones.[0].allowed_depletion: ", "must be more than 0 and at most 1" },
	{ "zone wilting above field capacity",
	  HW ZONE_RULES(SOIL_ZONE "field_capacity_percent = 30; "
			"wilting_percent = 40;") SITE TEMP,
	  ":9: zones.[0].wilting_percent: ",
	  "must be below field_capacity_percent (30)" },
	{ "zone field capacity alone",
	  HW ZONE_RULES(SOIL_ZONE "field_capacity_percent = 30;") SITE TEMP,
	  ":7: zones.[0].wilting_percent: ", "required with field_capacity_percent" },
	{ "zone probe anchors without a probe",
	  HW ZONE_RULES(SOIL_ZONE "field_capacity_percent = 70; "
			"wilting_percent = 15;") SITE TEMP,
	  ":9: zones.[0].field_capacity_percent: ", "zone \"garden\" has no soil probe" },
	{ "zone balance start without balance",
	  HW ZONE_RULES(SOIL_ZONE "balance_start = \"05:00\";") SITE TEMP,
	  ":9: zones.[0].balance_start: ", "only used with water_by = \"balance\"" },
	{ "zone balance start not a time",
	  HW ZONE_RULES(SOIL_ZONE "water_by = \"balance\"; balance_start = \"25:00\";")
	  SITE TEMP,
	  ":9: zones.[0].balance_start: ", "\"25:00\" is not a time of day" },
	{ "balance zone in a program",
	  HW ZONE_RULES(SOIL_ZONE "water_by = \"balance\";") SITE TEMP
	  PROGRAM("  start = [\"06:30\"];"),
	  ":14: programs.[0].zones.[0].zone: ",
	  "zone \"garden\" waters by its balance (water_by = \"balance\"): take "
	  "it out of the program" },
	{ "rain sensor without a line",
	  HW ZONE "sensors = { rain = { hold = \"1h\"; }; };\n",
	  ":10: sensors.rain", "required: a GPIO line name" },
	{ "rain sensor on the flow meter's line",
	  HW ZONE "sensors = { rain = { line = \"GPIO17\"; }; };\n",
	  ":10: sensors.rain: ", "this GPIO line is already used by hardware.flow_meter" },
	{ "rain sensor held more than a week",
	  HW ZONE "sensors = { rain = { line = \"GPIO27\"; hold = \"8d\"; }; };\n",
	  ":10: sensors.rain.hold: ", "0s to 7d" },
	{ "rain sensor with a misspelt setting",
	  HW ZONE "sensors = { rain = { line = \"GPIO27\"; wet = true; }; };\n",
	  ":10: sensors.rain.wet: ", "unknown setting" },
	{ "site with a misspelt setting",
	  HW "site = { latitude = 52.4; longtitude = 4.9; };\n" ZONE,
	  ":7: site.longtitude: ", "unknown setting" },
	{ "flow ceiling of zero",
	  HW "safety = { max_flow_lpm = 0; };\n"
	  "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; }; } );\n",
	  ":7: safety.max_flow_lpm: ", "must be more than 0 and at most 10000" },
	{ "flow ceiling under the leak threshold",
	  HW "safety = { leak_lpm = 2.0;\n  max_flow_lpm = 1.5; };\n"
	  "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; }; } );\n",
	  ":8: safety.max_flow_lpm: ", "max_flow_lpm (1.5) must be more than "
	  "leak_lpm (2)" },
	{ "zone drawing the default flow ceiling",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 30; } );\n",
	  ":9: zones.[0].flow_lpm: ", "must be below safety.max_flow_lpm (30): "
	  "raise that if the zone draws this much" },
	{ "zone drawing more than the flow ceiling",
	  HW "safety = { max_flow_lpm = 15; };\n" ZONE,
	  ":10: zones.[0].flow_lpm: ", "must be below safety.max_flow_lpm (15)" },
	{ "unknown safety setting",
	  HW "safety = { leak = 1; };\n"
	  "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; }; } );\n",
	  ":7: safety.leak: ", "unknown setting" },
	{ "negative daily cap",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; }; daily_cap_litres = -1; } );\n",
	  ":8: zones.[0].daily_cap_litres: ", "must be 0 to 1e+06" },
	{ "zone called -",
	  HW "zones = ( { name = \"-\";\n"
	  "  valve = { expander = 0x20; pin = 0; }; } );\n",
	  ":7: zones.[0].name: ", "\"-\" is no zone name" },
	/* irrigctl water [ZONE] DURATION: "water 5 2" must mean one thing. */
	{ "zone called like a number",
	  HW "zones = ( { name = \"2\";\n"
	  "  valve = { expander = 0x20; pin = 0; }; } );\n",
	  ":7: zones.[0].name: ", "\"2\" reads as a number or a duration" },
	{ "zone called like a duration",
	  HW "zones = ( { name = \"5m\";\n"
	  "  valve = { expander = 0x20; pin = 0; }; } );\n",
	  ":7: zones.[0].name: ", "\"irrigctl water 5m 5\" would be ambiguous" },
	{ "zone called like a longer duration",
	  HW ZONE_NAMED("1h30m"),
	  ":7: zones.[0].name: ", "\"1h30m\" reads as a number or a duration" },
	{ "zone called like a zero duration",
	  HW ZONE_NAMED("0m"),
	  ":7: zones.[0].name: ", "\"0m\" reads as a number or a duration" },
	{ "zone called like a negative number",
	  HW ZONE_NAMED("-5"),
	  ":7: zones.[0].name: ", "\"-5\" reads as a number or a duration" },
	{ "zone called like a duration too long to water",
	  HW ZONE_NAMED("9999999"),
	  ":7: zones.[0].name: ", "reads as a number or a duration" },
	{ "probe calibration outside its valid volts",
	  HW ZONE "sensors = { soil = ( { name = \"bed1\"; adc = 0x48;\n"
	  "  channel = 0; zone = \"garden\"; dry_volts = 2.8; wet_volts = 1.3;\n"
	  "  max_volts = 2.5; } ); };\n",
	  ":10: sensors.soil.[0]: ", "dry_volts and wet_volts must lie within min_volts" },
	{ "missing probe calibration",
	  HW ZONE "sensors = { soil = ( { name = \"bed1\"; adc = 0x48;\n"
	  "  channel = 0; zone = \"garden\"; dry_volts = 2.8; } ); };\n",
	  ":10: sensors.soil.[0].wet_volts: ", "required setting is missing" },
	{ "linear temperature without scale",
	  HW ZONE "sensors = {\n  temperature = { adc = 0x48; channel = 0;\n"
	  "    conversion = \"linear\"; offset = 0; };\n};\n",
	  ":11: sensors.temperature.scale: ", "required setting is missing" },

	/* Out of range and bad choices */
	{ "pin out of range",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 8; };\n"
	  "  flow_lpm = 20.8; } );\n",
	  ":8: zones.[0].valve.pin: ", "must be 0 to 7" },
	{ "expander address out of range",
	  "hardware = {\n  expanders = ( { address = 0x20; },\n"
	  "    { address = 0x28; } );\n"
	  "  flow_meter = { line = \"GPIO17\"; };\n};\n" ZONE,
	  ":3: hardware.expanders.[1].address: ", "must be 0x20 to 0x27" },
	{ "adc address out of range",
	  "hardware = {\n  adcs = ( { address = 0x20; } );\n"
	  "  flow_meter = { line = \"GPIO17\"; };\n};\n" ZONE,
	  ":2: hardware.adcs.[0].address: ", "must be 0x48 to 0x4b" },
	{ "channel out of range", HW ZONE
	  "sensors = { light = { adc = 0x48; channel = 4; }; };\n",
	  ":10: sensors.light.channel: ", "must be 0 to 3" },
	{ "range_mv not one the chip has",
	  "hardware = {\n  adcs = ( { address = 0x48; range_mv = 3300; } );\n"
	  "  flow_meter = { line = \"GPIO17\"; };\n};\n" ZONE,
	  ":2: hardware.adcs.[0].range_mv: ", "must be 6144, 4096" },
	{ "data_rate not one the chip type has",
	  "hardware = {\n  adcs = ( { address = 0x48; type = \"ads1015\";\n"
	  "    data_rate = 860; } );\n"
	  "  flow_meter = { line = \"GPIO17\"; };\n};\n" ZONE,
	  ":3: hardware.adcs.[0].data_rate: ", "for an ads1015" },
	{ "unknown adc type",
	  "hardware = {\n  adcs = ( { address = 0x48; type = \"ads1118\"; } );\n"
	  "  flow_meter = { line = \"GPIO17\"; };\n};\n" ZONE,
	  ":2: hardware.adcs.[0].type: ", "must be \"ads1115\" or \"ads1015\"" },
	{ "unknown backend",
	  "hardware = {\n  backend = \"gpio\";\n"
	  "  flow_meter = { line = \"GPIO17\"; };\n};\n" ZONE,
	  ":2: hardware.backend: ", "must be \"linux\" or \"sim\"" },
	{ "flow_lpm negative",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = -1; } );\n",
	  ":9: zones.[0].flow_lpm: ", "must be 0 to 1000" },
	{ "flow_lpm too large",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 1000.5; } );\n",
	  ":9: zones.[0].flow_lpm: ", "must be 0 to 1000" },
	{ "max_run too long",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 20.8; max_run = \"1d1s\"; } );\n",
	  ":9: zones.[0].max_run: ", "must be 1s to 24h" },
	{ "max_run zero",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 20.8; max_run = \"0s\"; } );\n",
	  ":9: zones.[0].max_run: ", "1s to 24h" },
	{ "report_interval too long", HW ZONE "report_interval = \"61m\";\n",
	  ":10: report_interval: ", "must be 1s to 1h" },
	{ "pulses_per_litre zero",
	  "hardware = {\n  flow_meter = { line = \"GPIO17\";\n"
	  "    pulses_per_litre = 0.0; };\n};\n" ZONE,
	  ":3: hardware.flow_meter.pulses_per_litre: ", "must be more than 0" },
	{ "dry_volts beyond any adc", HW ZONE
	  "sensors = { soil = ( { name = \"bed1\"; adc = 0x48; channel = 0; "
	  "zone = \"garden\"; dry_volts = 7; wet_volts = 1.3; } ); };\n",
	  ":10: sensors.soil.[0].dry_volts: ", "must be 0 to 6.144" },
	{ "dry_volts equal to wet_volts", HW ZONE
	  "sensors = { soil = ( { name = \"bed1\"; adc = 0x48; channel = 0; "
	  "zone = \"garden\"; dry_volts = 1.3; wet_volts = 1.3; } ); };\n",
	  ":10: sensors.soil.[0].wet_volts: ", "must differ from dry_volts" },
	{ "unknown temperature conversion", HW ZONE
	  "sensors = { temperature = { adc = 0x48; channel = 0; "
	  "conversion = \"ds18b20\"; }; };\n",
	  ":10: sensors.temperature.conversion: ", "must be \"tmp36\"" },
	{ "unknown sensor driver", HW ZONE
	  "sensors = { temperature = { driver = \"dht22\"; device = \"x\"; }; };\n",
	  ":10: sensors.temperature.driver: ", "must be \"ads1x15\" or \"ds18b20\"" },
	{ "a thermometer as a soil probe", HW ZONE
	  "sensors = { soil = ( { name = \"bed1\"; driver = \"ds18b20\"; "
	  "device = \"28-0316a2794bff\"; zone = \"garden\"; dry_volts = 2.8; "
	  "wet_volts = 1.3; } ); };\n",
	  ":10: sensors.soil.[0].driver: ", "\"ds18b20\" measures temperature" },
	{ "a thermometer with an adc channel", HW ZONE
	  "sensors = { temperature = { driver = \"ds18b20\"; adc = 0x48; "
	  "channel = 0; device = \"28-0316a2794bff\"; }; };\n",
	  ":10: sensors.temperature: ", "adc and channel are for a sensor on an ADC" },
	{ "a thermometer without its device", HW ZONE
	  "sensors = { temperature = { driver = \"ds18b20\"; }; };\n",
	  ":10: sensors.temperature.device: ", "required setting is missing" },
	{ "a device that is a path", HW ZONE
	  "sensors = { temperature = { driver = \"ds18b20\"; device = \"../28-1\"; }; };\n",
	  ":10: sensors.temperature.device: ", "is not a device name" },
	{ "a thermometer with a conversion", HW ZONE
	  "sensors = { temperature = { driver = \"ds18b20\"; device = \"28-1\"; "
	  "conversion = \"lm35\"; }; };\n",
	  ":10: sensors.temperature.conversion: ", "only for a sensor on an ADC" },
	{ "a device for a sensor on an ADC", HW ZONE
	  "sensors = { light = { adc = 0x48; channel = 0; device = \"28-1\"; }; };\n",
	  ":10: sensors.light.device: ", "only for a sensor off the ADCs" },
	{ "scale without linear conversion", HW ZONE
	  "sensors = { temperature = { adc = 0x48; channel = 0; scale = 2; }; };\n",
	  ":10: sensors.temperature.scale: ", "only used with conversion" },
	{ "unknown temperature unit", HW ZONE
	  "sensors = { temperature = { adc = 0x48; channel = 0; unit = \"K\"; }; };\n",
	  ":10: sensors.temperature.unit: ", "must be \"C\" or \"F\"" },
	{ "freeze_below colder than air gets", HW ZONE
	  "sensors = { temperature = { adc = 0x48; channel = 0; "
	  "freeze_below = -70; }; };\n",
	  ":10: sensors.temperature.freeze_below: ", "must be -60 to 60" },
	{ "freeze_below not a number", HW ZONE
	  "sensors = { temperature = { adc = 0x48; channel = 0; "
	  "freeze_below = \"2C\"; }; };\n",
	  ":10: sensors.temperature.freeze_below: ", "must be a number" },
	{ "unknown volume unit", HW ZONE
	  "volume_unit = \"quarts\";\n",
	  ":10: volume_unit: ", "must be \"L\" or \"gal\" (US gallons)" },
	{ "volume unit as a number", HW ZONE
	  "volume_unit = 1;\n",
	  ":10: volume_unit: ", "must be a string in double quotes" },
	{ "socket path too long", HW ZONE
	  "socket = \"/run/irrigd/"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.sock\";\n",
	  ":10: socket: ", "must be a path of 1 to 107 characters" },

	/* Names */
	{ "name with a space",
	  HW "zones = ( { name = \"my garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 20.8; } );\n",
	  ":7: zones.[0].name: ", "\"my garden\" is not a valid name" },
	{ "name too long",
	  HW "zones = ( { name = \"abcdefghijklmnopqrstuvwxyz_123456\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 20.8; } );\n",
	  ":7: zones.[0].name: ", "use 1 to 31 letters" },

	/* Duplicates */
	{ "duplicate zone name",
	  HW "zones = (\n"
	  "  { name = \"garden\"; flow_lpm = 20.8;\n"
	  "    valve = { expander = 0x20; pin = 0; }; },\n"
	  "  { name = \"garden\"; flow_lpm = 20.8;\n"
	  "    valve = { expander = 0x20; pin = 1; }; }\n"
	  ");\n",
	  ":10: zones.[1].name: ", "\"garden\" is already the name of zones.[0]" },
	{ "duplicate probe name", HW ZONE
	  "sensors = { soil = (\n"
	  "  " PROBE("bed1", "0x48", "0") "},\n"
	  "  " PROBE("bed1", "0x48", "1") "}\n"
	  "); };\n",
	  ":12: sensors.soil.[1].name: ",
	  "\"bed1\" is already the name of sensors.soil.[0]" },
	{ "duplicate expander address",
	  "hardware = {\n  expanders = ( { address = 0x20; },\n"
	  "    { address = 0x20; } );\n"
	  "  flow_meter = { line = \"GPIO17\"; };\n};\n" ZONE,
	  ":3: hardware.expanders.[1].address: ",
	  "0x20 is already the address of hardware.expanders.[0]" },
	{ "duplicate adc address",
	  "hardware = {\n  adcs = ( { address = 0x49; },\n"
	  "    { address = 0x49; } );\n"
	  "  flow_meter = { line = \"GPIO17\"; };\n};\n" ZONE,
	  ":3: hardware.adcs.[1].address: ",
	  "0x49 is already the address of hardware.adcs.[0]" },

	/* Dangling references */
	{ "valve on an unconfigured expander",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x21; pin = 0; };\n"
	  "  flow_lpm = 20.8; } );\n",
	  ":8: zones.[0].valve.expander: ",
	  "no expander at 0x21 in hardware.expanders" },
	{ "probe on an unconfigured adc", HW ZONE
	  "sensors = { soil = ( { name = \"bed1\"; adc = 0x49; channel = 0; "
	  "zone = \"garden\"; dry_volts = 2.8; wet_volts = 1.3; } ); };\n",
	  ":10: sensors.soil.[0].adc: ", "no adc at 0x49 in hardware.adcs" },
	{ "probe in an unknown zone", HW ZONE
	  "sensors = { soil = ( { name = \"bed1\"; adc = 0x48; channel = 0; "
	  "zone = \"gardn\"; dry_volts = 2.8; wet_volts = 1.3; } ); };\n",
	  ":10: sensors.soil.[0].zone: ", "no zone called \"gardn\"" },
	{ "probe power on an unconfigured expander", HW ZONE
	  SOIL("power = { expander = 0x24; pin = 7; };"),
	  ":10: sensors.soil.[0].power.expander: ", "no expander at 0x24" },

	/* Shared outputs and inputs */
	{ "two valves on one pin",
	  HW "zones = (\n"
	  "  { name = \"front\"; flow_lpm = 20.8;\n"
	  "    valve = { expander = 0x20; pin = 2; }; },\n"
	  "  { name = \"back\"; flow_lpm = 20.8;\n"
	  "    valve = { expander = 0x20; pin = 2; }; }\n"
	  ");\n",
	  ":11: zones.[1].valve.pin: ",
	  "expander 0x20 pin 2 is already used by zones.[0].valve" },
	{ "probe power on a valve pin", HW ZONE
	  SOIL("power = { expander = 0x20; pin = 0; };"),
	  ":10: sensors.soil.[0].power.pin: ",
	  "expander 0x20 pin 0 is already used by zones.[0].valve" },
	{ "shared power pin with other polarity", HW ZONE
	  "sensors = { soil = (\n"
	  "  " PROBE("bed1", "0x48", "0") "\n"
	  "    power = { expander = 0x20; pin = 7; }; },\n"
	  "  " PROBE("bed2", "0x48", "1") "\n"
	  "    power = { expander = 0x20; pin = 7; active_low = true; }; }\n"
	  "); };\n",
	  ":14: sensors.soil.[1].power.pin: ",
	  "also powers sensors.soil.[0].power, which says active_low = false" },
	{ "two sensors on one channel", HW ZONE
	  "sensors = {\n"
	  "  soil = ( " PROBE("bed1", "0x48", "2") "} );\n"
	  "  light = { adc = 0x48;\n"
	  "            channel = 2; };\n"
	  "};\n",
	  ":13: sensors.light.channel: ",
	  "adc 0x48 channel 2 is already used by sensors.soil.[0]" },
	{ "two probes on one channel", HW ZONE
	  "sensors = { soil = (\n"
	  "  " PROBE("bed1", "0x48", "0") "},\n"
	  "  " PROBE("bed2", "0x48", "0") "}\n"
	  "); };\n",
	  ":12: sensors.soil.[1].channel: ",
	  "adc 0x48 channel 0 is already used by sensors.soil.[0]" },

	/* Moisture rules */
	{ "skip_above more than stop_at", HW ZONE_RULES("skip_above = 80; stop_at = 60;")
	  SOIL(""),
	  ":9: zones.[0].skip_above: ", "must not be more than stop_at (60)" },
	{ "skip_above over 100", HW ZONE_RULES("skip_above = 100.5;") SOIL(""),
	  ":9: zones.[0].skip_above: ", "must be 0 to 100" },
	{ "stop_at below 0", HW ZONE_RULES("stop_at = -1;") SOIL(""),
	  ":9: zones.[0].stop_at: ", "must be 0 to 100" },
	{ "skip_above as a string", HW ZONE_RULES("skip_above = \"60%\";")
	  SOIL(""),
	  ":9: zones.[0].skip_above: ", "must be a number, not a string" },
	{ "skip_above on a zone without probes", HW ZONE_RULES("skip_above = 60;"),
	  ":9: zones.[0].skip_above: ",
	  "needs a soil probe in the zone: no sensors.soil entry has "
	  "zone = \"garden\"" },
	{ "stop_at on a zone without probes",
	  HW "zones = (\n"
	  "  { name = \"garden\"; flow_lpm = 20.8;\n"
	  "    valve = { expander = 0x20; pin = 0; }; },\n"
	  "  { name = \"lawn\"; flow_lpm = 20.8; stop_at = 70;\n"
	  "    valve = { expander = 0x20; pin = 1; }; }\n"
	  ");\n" SOIL(""),
	  ":10: zones.[1].stop_at: ",
	  "needs a soil probe in the zone: no sensors.soil entry has "
	  "zone = \"lawn\"" },

	/* Master */
	{ "master pin shared with a valve", HW ZONE
	  "master = { expander = 0x20; pin = 0; };\n",
	  ":10: master.pin: ",
	  "expander 0x20 pin 0 is already used by zones.[0].valve" },
	{ "master pin shared with probe power", HW ZONE
	  SOIL("power = { expander = 0x20; pin = 7; };")
	  "master = { expander = 0x20; pin = 7; };\n",
	  ":11: master.pin: ",
	  "expander 0x20 pin 7 is already used by sensors.soil.[0].power" },
	{ "master on an unconfigured expander", HW ZONE
	  "master = { expander = 0x21; pin = 1; };\n",
	  ":10: master.expander: ", "no expander at 0x21 in hardware.expanders" },
	{ "master without a pin", HW ZONE "master = { expander = 0x20; };\n",
	  ":10: master.pin: ", "required setting is missing" },
	{ "master lead too long", HW ZONE
	  "master = { expander = 0x20; pin = 1; lead = \"10m1s\"; };\n",
	  ":10: master.lead: ", "must be 0s to 10m" },
	{ "master lag as a bare number", HW ZONE
	  "master = { expander = 0x20; pin = 1; lag = 5; };\n",
	  ":10: master.lag: ", "not a bare number" },
	{ "master lag not a duration", HW ZONE
	  "master = { expander = 0x20; pin = 1; lag = \"soon\"; };\n",
	  ":10: master.lag: ", "\"soon\" is not a duration" },
	{ "unknown setting in master", HW ZONE
	  "master = { expander = 0x20; pin = 1; delay = \"2s\"; };\n",
	  ":10: master.delay: ", "unknown setting (allowed here: expander, pin, "
	  "line, chip, offset, active_low, lead, lag)" },
	{ "master as a list", HW ZONE
	  "master = ( { expander = 0x20; pin = 1; } );\n",
	  ":10: master: ", "must be a group { ... }, not a list" },

	/* Seasonal */
	{ "seasonal percent too high", HW ZONE "seasonal = { percent = 301; };\n",
	  ":10: seasonal.percent: ", "must be 0 to 300" },
	{ "seasonal percent negative", HW ZONE "seasonal = { percent = -1; };\n",
	  ":10: seasonal.percent: ", "must be 0 to 300" },
	{ "seasonal percent as a decimal", HW ZONE
	  "seasonal = { percent = 90.5; };\n",
	  ":10: seasonal.percent: ", "must be an integer, not a decimal number" },
	{ "monthly with 11 values", HW ZONE
	  "seasonal = { monthly = [100, 100, 100, 100, 100, 100, 100, 100, "
	  "100, 100, 100]; };\n",
	  ":10: seasonal.monthly: ",
	  "must hold 12 percentages, January first, not 11" },
	{ "monthly with 13 values", HW ZONE
	  "seasonal = { monthly = [100, 100, 100, 100, 100, 100, 100, 100, "
	  "100, 100, 100, 100, 100]; };\n",
	  ":10: seasonal.monthly: ",
	  "must hold 12 percentages, January first, not 13" },
	{ "monthly value out of range", HW ZONE
	  "seasonal = {\n  monthly = [100, 100, 100, 100, 100, 301,\n"
	  "             100, 100, 100, 100, 100, 100]; };\n",
	  ":11: seasonal.monthly.[5]: ", "must be 0 to 300" },
	{ "monthly decimals", HW ZONE
	  "seasonal = { monthly = [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, "
	  "100.0, 100.0, 100.0, 100.0, 100.0, 100.0]; };\n",
	  ":10: seasonal.monthly.[0]: ", "must be an integer, not a decimal" },
	{ "monthly as one number", HW ZONE "seasonal = { monthly = 100; };\n",
	  ":10: seasonal.monthly: ", "must be a list of 12 percentages" },
	{ "unknown setting in seasonal", HW ZONE
	  "seasonal = { percentage = 90; };\n",
	  ":10: seasonal.percentage: ",
	  "unknown setting (allowed here: percent, monthly, "
	  "mode, reference_et0_mm, min_percent, max_percent, days, min_days, min_samples)" },

	/* Programs: start times */
	{ "start at 24:00", HW ZONE PROGRAM("  start = [\"24:00\"];"),
	  ":11: programs.[0].start.[0]: ",
	  "\"24:00\" is not a time of day: write it as HH:MM, 00:00 to 23:59" },
	{ "start at 12:60", HW ZONE PROGRAM("  start = [\"06:30\", \"12:60\"];"),
	  ":11: programs.[0].start.[1]: ", "\"12:60\" is not a time of day" },
	{ "start at noon", HW ZONE PROGRAM("  start = [\"noon\"];"),
	  ":11: programs.[0].start.[0]: ", "\"noon\" is not a time of day" },
	{ "empty start time", HW ZONE PROGRAM("  start = [\"\"];"),
	  ":11: programs.[0].start.[0]: ", "\"\" is not a time of day" },
	{ "start with one minute digit", HW ZONE PROGRAM("  start = [\"6:3\"];"),
	  ":11: programs.[0].start.[0]: ", "\"6:3\" is not a time of day" },
	{ "start with seconds", HW ZONE PROGRAM("  start = [\"06:30:00\"];"),
	  ":11: programs.[0].start.[0]: ", "\"06:30:00\" is not a time of day" },
	{ "start with three hour digits", HW ZONE
	  PROGRAM("  start = [\"006:30\"];"),
	  ":11: programs.[0].start.[0]: ", "\"006:30\" is not a time of day" },
	{ "start as a number", HW ZONE PROGRAM("  start = [630];"),
	  ":11: programs.[0].start.[0]: ",
	  "must be a time in double quotes such as \"06:30\", not an integer" },
	{ "start as a string", HW ZONE PROGRAM("  start = \"06:30\";"),
	  ":11: programs.[0].start: ",
	  "must be a list of times such as [\"06:30\", \"19:00\"], not a string" },
	{ "no start times", HW ZONE PROGRAM("  start = [];"),
	  ":11: programs.[0].start: ", "at least one start time is required" },
	{ "missing start", HW ZONE PROGRAM("  days = \"daily\";"),
	  ":10: programs.[0].start: ", "required setting is missing" },
	{ "duplicate start", HW ZONE
	  PROGRAM("  start = [\"06:30\", \"19:00\", \"6:30\"];"),
	  ":11: programs.[0].start.[2]: ",
	  "\"6:30\" is the same time as programs.[0].start.[0]" },
	{ "too many starts", HW ZONE
	  PROGRAM("  start = [\"1:00\", \"2:00\", \"3:00\", \"4:00\", \"5:00\", "
		  "\"6:00\", \"7:00\", \"8:00\", \"9:00\"];"),
	  ":11: programs.[0].start: ", "at most 8 start times are supported" },

	/* Programs: day rules */
	{ "unknown weekday", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; days = [\"mon\", \"thurs\"];"),
	  ":11: programs.[0].days.[1]: ",
	  "\"thurs\" is not a day: use mon, tue, wed, thu, fri, sat or sun" },
	{ "capitalised weekday", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; days = [\"Mon\"];"),
	  ":11: programs.[0].days.[0]: ", "\"Mon\" is not a day" },
	{ "duplicate weekday", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; days = [\"mon\", \"wed\", \"mon\"];"),
	  ":11: programs.[0].days.[2]: ",
	  "\"mon\" is already given in programs.[0].days.[0]" },
	{ "weekday as a number", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; days = [1, 3];"),
	  ":11: programs.[0].days.[0]: ",
	  "must be a day in double quotes such as \"mon\", not an integer" },
	{ "unknown day rule", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; days = \"weekly\";"),
	  ":11: programs.[0].days: ",
	  "\"weekly\" is not a day rule: use \"daily\", \"odd\", \"even\" or "
	  "a list of days such as [\"mon\", \"thu\"]" },
	{ "no days", HW ZONE PROGRAM("  start = [\"06:30\"]; days = [];"),
	  ":11: programs.[0].days: ", "at least one day is required" },
	{ "days as a number", HW ZONE PROGRAM("  start = [\"06:30\"]; days = 7;"),
	  ":11: programs.[0].days: ", "must be \"daily\", \"odd\", \"even\" or "
	  "a list of days such as [\"mon\", \"thu\"], not an integer" },
	{ "days and every_days together", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; days = \"odd\"; every_days = 2; "
		  "anchor = \"2026-05-01\";"),
	  ":11: programs.[0].every_days: ",
	  "cannot be used with days: give either days or every_days and "
	  "anchor" },
	{ "every_days without anchor", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; every_days = 3;"),
	  ":10: programs.[0].anchor: ",
	  "required with every_days: a date the program runs on, such as "
	  "\"2026-05-01\"" },
	{ "anchor without every_days", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; anchor = \"2026-05-01\";"),
	  ":11: programs.[0].anchor: ", "only used with every_days" },
	{ "every_days zero", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; every_days = 0; anchor = \"2026-05-01\";"),
	  ":11: programs.[0].every_days: ", "must be 1 to 365" },
	{ "every_days over a year", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; every_days = 366; anchor = \"2026-05-01\";"),
	  ":11: programs.[0].every_days: ", "must be 1 to 365" },
	{ "anchor 30 February", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; every_days = 3; anchor = \"2026-02-30\";"),
	  ":11: programs.[0].anchor: ",
	  "\"2026-02-30\" is not a date: write it as YYYY-MM-DD, such as "
	  "\"2026-05-01\", from 1970 on" },
	{ "anchor 29 February in a common year", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; every_days = 3; anchor = \"2100-02-29\";"),
	  ":11: programs.[0].anchor: ", "\"2100-02-29\" is not a date" },
	{ "anchor in month 13", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; every_days = 3; anchor = \"2026-13-01\";"),
	  ":11: programs.[0].anchor: ", "\"2026-13-01\" is not a date" },
	{ "anchor without leading zeros", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; every_days = 3; anchor = \"2026-5-1\";"),
	  ":11: programs.[0].anchor: ", "\"2026-5-1\" is not a date" },
	{ "anchor with trailing text", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; every_days = 3; "
		  "anchor = \"2026-05-01T00:00\";"),
	  ":11: programs.[0].anchor: ", "\"2026-05-01T00:00\" is not a date" },
	{ "anchor before 1970", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; every_days = 3; anchor = \"1969-12-31\";"),
	  ":11: programs.[0].anchor: ", "\"1969-12-31\" is not a date" },

	/* Programs: zones */
	{ "unknown zone in a program", HW ZONE
	  PROGRAM_ZONES("  zones = ( { zone = \"gardn\"; duration = \"15m\"; } );"),
	  ":12: programs.[0].zones.[0].zone: ", "no zone called \"gardn\" in zones" },
	{ "a start from the sun without a site", HW ZONE
	  PROGRAM("  start = [\"06:30\", \"sunrise-1h\"];"),
	  ":11: programs.[0].start.[1]: ", "\"sunrise-1h\" needs the garden's "
	  "place: add site = { latitude = ...; longitude = ...; }" },
	{ "an offset from the sun past 12h", HW "site = { latitude = 52; longitude = 5; };\n"
	  ZONE PROGRAM("  start = [\"sunset+13h\"];"),
	  ":12: programs.[0].start.[0]: ", "\"sunset+13h\" is not a time of day" },
	{ "the same sun start twice", HW "site = { latitude = 52; longitude = 5; };\n"
	  ZONE PROGRAM("  start = [\"before sunrise\", \"before sunrise\"];"),
	  ":12: programs.[0].start.[1]: ", "is the same time as programs.[0].start.[0]" },
	{ "a program zone with a duration and litres", HW ZONE
	  PROGRAM_ZONES("  zones = ( { zone = \"garden\"; duration = \"1m\"; litres = 20; } );"),
	  ":12: programs.[0].zones.[0].duration: ",
	  "give one of duration, litres and volume" },
	{ "a program zone's volume without its unit", HW ZONE
	  PROGRAM_ZONES("  zones = ( { zone = \"garden\"; volume = \"20\"; } );"),
	  ":12: programs.[0].zones.[0].volume: ",
	  "must be litres or US gallons with the unit, such as \"20L\" or \"5gal\"" },
	{ "a program zone's volume as a number", HW ZONE
	  PROGRAM_ZONES("  zones = ( { zone = \"garden\"; volume = 20; } );"),
	  ":12: programs.[0].zones.[0].volume: ", "must be a string with its unit" },
	{ "no litres", HW ZONE
	  PROGRAM_ZONES("  zones = ( { zone = \"garden\"; litres = 0; } );"),
	  ":12: programs.[0].zones.[0].litres: ", "" },
	{ "a cycle without a soak", HW ZONE_RULES("cycle = \"10m\";"),
	  ":9: zones.[0].cycle: ", "needs a soak too" },
	{ "a soak without a cycle", HW ZONE_RULES("soak = \"30m\";"),
	  ":9: zones.[0].soak: ", "needs a cycle too" },
	{ "a cycle of nothing", HW ZONE_RULES("cycle = \"0s\"; soak = \"30m\";"),
	  ":9: zones.[0].cycle: ", "" },
	{ "duration over the zone's max_run", HW ZONE
	  PROGRAM_ZONES("  zones = ( " STEP ",\n"
			"            { zone = \"garden\"; duration = \"1h1s\"; } );"),
	  ":13: programs.[0].zones.[1].duration: ",
	  "must be 1s to 1h (the max_run of zone \"garden\")" },
	{ "duration over a longer max_run", HW
	  "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 20.8; max_run = \"1h30m\"; } );\n"
	  PROGRAM_ZONES("  zones = ( { zone = \"garden\"; duration = \"91m\"; } );"),
	  ":12: programs.[0].zones.[0].duration: ",
	  "must be 1s to 1h30m (the max_run of zone \"garden\")" },
	{ "duration zero", HW ZONE
	  PROGRAM_ZONES("  zones = ( { zone = \"garden\"; duration = \"0m\"; } );"),
	  ":12: programs.[0].zones.[0].duration: ", "must be 1s to 1h" },
	{ "duration as a bare number", HW ZONE
	  PROGRAM_ZONES("  zones = ( { zone = \"garden\"; duration = 15; } );"),
	  ":12: programs.[0].zones.[0].duration: ", "not a bare number" },
	{ "missing duration", HW ZONE
	  PROGRAM_ZONES("  zones = ( { zone = \"garden\"; } );"),
	  ":12: programs.[0].zones.[0].duration: ", "required setting is missing" },
	{ "missing zone in a step", HW ZONE
	  PROGRAM_ZONES("  zones = ( { duration = \"15m\"; } );"),
	  ":12: programs.[0].zones.[0].zone: ", "required setting is missing" },
	{ "no zones in a program", HW ZONE PROGRAM_ZONES("  zones = ( );"),
	  ":12: programs.[0].zones: ", "at least one zone is required" },
	{ "missing zones in a program", HW ZONE PROGRAM_ZONES(""),
	  ":10: programs.[0].zones: ", "required setting is missing" },
	{ "too many steps", HW ZONE
	  PROGRAM_ZONES("  zones = ( " REPEAT16(STEP ",") STEP " );"),
	  ":12: programs.[0].zones: ",
	  "at most 16 zones in one program are supported" },
	{ "unknown setting in a step", HW ZONE
	  PROGRAM_ZONES("  zones = ( { zone = \"garden\"; time = \"15m\"; } );"),
	  ":12: programs.[0].zones.[0].time: ",
	  "unknown setting (allowed here: zone, duration, litres, volume)" },

	/* Programs: the rest */
	{ "unknown setting in a program", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; weekdays = [\"mon\"];"),
	  ":11: programs.[0].weekdays: ",
	  "unknown setting (allowed here: name, enabled, start, days, "
	  "every_days, anchor, zones)" },
	{ "enabled as a string", HW ZONE
	  PROGRAM("  start = [\"06:30\"]; enabled = \"yes\";"),
	  ":11: programs.[0].enabled: ", "must be true or false, not a string" },
	{ "program name with a space", HW ZONE
	  "programs = ( { name = \"morning run\";\n"
	  "  start = [\"06:30\"]; zones = ( " STEP " ); } );\n",
	  ":10: programs.[0].name: ", "\"morning run\" is not a valid name" },
	{ "missing program name", HW ZONE
	  "programs = ( {\n"
	  "  start = [\"06:30\"]; zones = ( " STEP " ); } );\n",
	  ":10: programs.[0].name: ", "required setting is missing" },
	{ "duplicate program name", HW ZONE
	  "programs = (\n"
	  "  { name = \"morning\"; start = [\"06:30\"]; zones = ( " STEP " ); },\n"
	  "  { name = \"morning\"; start = [\"19:00\"]; zones = ( " STEP " ); }\n"
	  ");\n",
	  ":12: programs.[1].name: ",
	  "\"morning\" is already the name of programs.[0]" },
	{ "too many programs", HW ZONE
	  "programs = (\n"
	  REPEAT16("{ name = \"p\"; start = [\"06:30\"]; zones = ( " STEP " ); },\n")
	  "{ name = \"p\"; start = [\"06:30\"]; zones = ( " STEP " ); } );\n",
	  ":10: programs: ", "at most 16 programs are supported" },
	{ "wait_for_clock_sync as a word", HW ZONE
	  "wait_for_clock_sync = \"no\";\n",
	  ":10: wait_for_clock_sync: ", "must be true or false, not a string" },
	/* GPIO lines */
	{ "valve on a line and an expander", HW
	  "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; line = \"GPIO22\"; };\n"
	  "  flow_lpm = 20.8; } );\n",
	  ":8: zones.[0].valve.line: ",
	  "give either expander and pin, or a GPIO line" },
	{ "valve line with a pin", HW
	  "zones = ( { name = \"garden\";\n"
	  "  valve = { line = \"GPIO22\"; pin = 0; };\n"
	  "  flow_lpm = 20.8; } );\n",
	  ":8: zones.[0].valve.pin: ", "only used with expander" },
	{ "valve on the flow meter's line", HW
	  "zones = ( { name = \"garden\";\n"
	  "  valve = { line = \"GPIO17\"; };\n"
	  "  flow_lpm = 20.8; } );\n",
	  ":8: zones.[0].valve: ",
	  "this GPIO line is already used by hardware.flow_meter" },
	{ "two valves on one line", HW
	  "zones = ( { name = \"a\"; valve = { line = \"GPIO22\"; }; flow_lpm = 1; },\n"
	  "  { name = \"b\"; valve = { line = \"GPIO22\"; }; flow_lpm = 1; } );\n",
	  ":8: zones.[1].valve: ",
	  "this GPIO line is already used by zones.[0].valve" },
	{ "two valves on one chip written two ways",
	  "hardware = { expanders = ( { address = 0x20; } );\n"
	  "  flow_meter = { chip = \"/dev/gpiochip0\"; offset = 17; };\n};\n"
	  "zones = ( { name = \"a\";\n"
	  "  valve = { chip = \"gpiochip0\"; offset = 17; }; } );\n",
	  ":5: zones.[0].valve: ",
	  "this GPIO line is already used by hardware.flow_meter" },
	{ "a chip by number and by name",
	  HW "zones = ( { name = \"a\"; valve = { chip = \"0\"; offset = 5; }; },\n"
	  "  { name = \"b\"; valve = { chip = \"gpiochip0\"; offset = 5; }; } );\n",
	  ":8: zones.[1].valve: ",
	  "this GPIO line is already used by zones.[0].valve" },
	{ "line and chip together",
	  "hardware = { expanders = ( { address = 0x20; } );\n"
	  "  flow_meter = { line = \"GPIO17\"; chip = \"gpiochip0\"; };\n};\n" ZONE,
	  ":2: hardware.flow_meter.chip: ", "give either line, or chip and offset" },
	{ "chip without offset",
	  "hardware = { expanders = ( { address = 0x20; } );\n"
	  "  flow_meter = { chip = \"gpiochip0\"; };\n};\n" ZONE,
	  ":2: hardware.flow_meter.offset: ", "required setting is missing" },
	{ "offset with a line name",
	  "hardware = { expanders = ( { address = 0x20; } );\n"
	  "  flow_meter = { line = \"GPIO17\"; offset = 17; };\n};\n" ZONE,
	  ":2: hardware.flow_meter.offset: ", "only used with chip" },
	{ "unknown edge",
	  "hardware = { expanders = ( { address = 0x20; } );\n"
	  "  flow_meter = { line = \"GPIO17\"; edge = \"up\"; };\n};\n" ZONE,
	  ":2: hardware.flow_meter.edge: ",
	  "must be one of \"rising\", \"falling\", \"both\"" },
	{ "unknown bias",
	  "hardware = { expanders = ( { address = 0x20; } );\n"
	  "  flow_meter = { line = \"GPIO17\"; bias = \"up\"; };\n};\n" ZONE,
	  ":2: hardware.flow_meter.bias: ",
	  "must be one of \"as-is\", \"pull-up\", \"pull-down\", \"disable\"" },
	{ "programs as a group", HW ZONE
	  "programs = { name = \"morning\"; };\n",
	  ":10: programs: ", "must be a list" },
};

static void test_bad_config(void **state)
{
	const struct bad_case *c = *state;
	struct config cfg, before;
	char err[512], path[PATH_MAX];
	int r;

	/* A pattern no load would write, to see that a failure writes nothing. */
	memset(&cfg, 0xA5, sizeof(cfg));
	before = cfg;
	r = load_text(c->text, &cfg, err, sizeof(err), path, sizeof(path));
	if (r != -EINVAL || strncmp(err, path, strlen(path)) ||
	    !strstr(err + strlen(path), c->where) || !strstr(err, c->what))
		print_error("case \"%s\": got %d \"%s\", wanted \"%s%s...%s\"\n",
			    c->name, r, err, path, c->where, c->what);
	assert_int_equal(r, -EINVAL);
	assert_memory_equal(err, path, strlen(path));
	assert_non_null(strstr(err + strlen(path), c->where));
	/* The setting path sits right after the line: nothing between. */
	assert_ptr_equal(strstr(err + strlen(path), c->where),
			 err + strlen(path));
	assert_non_null(strstr(err, c->what));
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

static void test_empty_name(void **state)
{
	char err[512], path[PATH_MAX];
	struct config cfg;

	(void)state;
	assert_int_equal(load_text(HW ZONE
				   "sensors = { soil = ( { name = \"\"; adc = 0x48; channel = 0;\n"
				   "  zone = \"garden\"; dry_volts = 2.8; wet_volts = 1.3; } ); };\n",
				   &cfg, err, sizeof(err), path, sizeof(path)),
			 -EINVAL);
	assert_non_null(strstr(err, ":10: sensors.soil.[0].name: "
			       "\"\" is not a valid name"));
}

static void test_missing_file(void **state)
{
	struct config cfg, before;
	char err[512];

	(void)state;
	memset(&cfg, 0xA5, sizeof(cfg));
	before = cfg;
	assert_int_equal(config_load("/nonexistent/irrigd.conf", &cfg, err,
				     sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/irrigd.conf: "
			    "No such file or directory");
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

static void test_directory(void **state)
{
	struct config cfg;
	char err[512];

	(void)state;
	/* libconfig's scanner would exit() the process on a directory. */
	assert_int_equal(config_load("etc", &cfg, err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "etc: Is a directory");
}

/* libconfig's syntax, not irrigd's hints, decides what is accepted. */
static void test_quotes_in_comments_and_strings(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("# the garden\xe2\x80\x99s file, \xe2\x80\x9c" "as shipped\xe2\x80\x9d, "
		      "don't { ( [\n"
		      HW ZONE
		      "/* it's \xc2\xa0 }, { */\n"
		      "socket = \"/tmp/it's, { \\\"quoted\\\" }.sock\";\n");
	assert_string_equal(cfg->socket_path, "/tmp/it's, { \"quoted\" }.sock");
	free(cfg);
}

static void test_too_large(void **state)
{
	size_t size = 1024 * 1024 + 1;
	char *text = malloc(size + 1), err[512], path[PATH_MAX];
	struct config cfg;

	(void)state;
	assert_non_null(text);
	memset(text, '#', size);
	text[size] = '\0';
	assert_int_equal(load_text(text, &cfg, err, sizeof(err), path,
				   sizeof(path)), -EFBIG);
	free(text);
	assert_memory_equal(err, path, strlen(path));
	assert_string_equal(err + strlen(path), ": larger than 1 MiB (1048576 "
			    "bytes), the most irrigd reads: is it the "
			    "configuration file?");
}

static void test_no_error_buffer(void **state)
{
	char path[PATH_MAX];
	struct config cfg;

	(void)state;
	/* A caller that does not want the message still gets the code. */
	write_temp(HW, path, sizeof(path));
	assert_int_equal(config_load(path, &cfg, NULL, 0), -EINVAL);
	unlink(path);
	assert_int_equal(config_load("/nonexistent/irrigd.conf", &cfg, NULL, 0),
			 -ENOENT);
}

static void test_truncated_message(void **state)
{
	char err[16], path[PATH_MAX];
	struct config cfg;

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(load_text(HW, &cfg, err, sizeof(err), path,
				   sizeof(path)), -EINVAL);
	assert_int_equal(strnlen(err, sizeof(err)), sizeof(err) - 1);
}

int main(void)
{
	const size_t n_bad = sizeof(bad_cases) / sizeof(bad_cases[0]);
	struct CMUnitTest tests[30 + sizeof(bad_cases) / sizeof(bad_cases[0])];
	size_t n = 0;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_shipped_config);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_defaults);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_sensor_defaults);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_safety_defaults_and_overrides);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cycle_soak_and_volumes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_starts_from_the_sun);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_site);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_smart_settings);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_other_choices);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_thermometer_on_one_wire);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_zone_names_near_durations);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_schedule);
	tests[n++] = (struct CMUnitTest)
		cmocka_unit_test(test_master_and_seasonal_defaults);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_schedule_limits);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_clock_sync_optional);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_gpio_lines);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_empty_name);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_missing_file);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_directory);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_no_error_buffer);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_quotes_in_comments_and_strings);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_too_large);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_truncated_message);
	for (size_t i = 0; i < n_bad; i++) {
		tests[n++] = (struct CMUnitTest){
			.name = bad_cases[i].name,
			.test_func = test_bad_config,
			.initial_state = (void *)&bad_cases[i],
		};
	}
	return _cmocka_run_group_tests("config", tests, n, NULL, NULL);
}
