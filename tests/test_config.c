/* Tests for the config loader: the shipped example, defaults and each kind of mistake. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/config.h"

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
/* A probe on line 10, after HW and ZONE; fields appended. */
#define SOIL(extra)                                                      \
	"sensors = { soil = ( { name = \"bed1\"; adc = 0x48; channel = 0; " \
	"zone = \"garden\"; dry_volts = 2.8; wet_volts = 1.3; " extra      \
	" } ); };\n"

/* The start of a probe group on one config line, without its closing brace. */
#define PROBE(name, adc, channel)                                          \
	"{ name = \"" name "\"; adc = " adc "; channel = " channel "; "       \
	"zone = \"garden\"; dry_volts = 2.8; wet_volts = 1.3; "

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

static void test_shipped_config(void **state)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
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
	assert_string_equal(cfg->flow_meter.line, "GPIO17");
	assert_true(cfg->flow_meter.pulses_per_litre == 450.0);

	assert_int_equal(cfg->n_zones, 1);
	assert_string_equal(cfg->zones[0].name, "garden");
	assert_int_equal(cfg->zones[0].valve.expander, 0);
	assert_int_equal(cfg->zones[0].valve.pin, 0);
	assert_true(cfg->zones[0].valve.active_low);
	assert_true(cfg->zones[0].flow_lpm == 20.8);
	assert_int_equal(cfg->zones[0].max_run_s, 3600);
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
	assert_false(cfg->zones[0].valve.active_low);
	/* An integer is welcome where a decimal is expected. */
	assert_true(cfg->zones[0].flow_lpm == 12.0);
	assert_int_equal(cfg->zones[0].max_run_s, 3600);
	assert_int_equal(cfg->n_probes, 0);
	assert_false(cfg->light.present);
	assert_false(cfg->temperature.present);
	assert_int_equal(cfg->report_interval_s, 60);
	assert_string_equal(cfg->socket_path, CONFIG_DEFAULT_SOCKET);
	assert_int_equal(config_find_zone(cfg, "lawn"), 0);
	assert_int_equal(config_find_zone(cfg, "garden"), -1);
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
		      "zones = (\n"
		      "  { name = \"front-lawn\"; flow_lpm = 30.5; max_run = \"1h30m\";\n"
		      "    valve = { expander = 0x21; pin = 7; active_low = false; }; },\n"
		      "  { name = \"Veg_2\"; flow_lpm = 1000; max_run = \"24h\";\n"
		      "    valve = { expander = 0x20; pin = 7; }; }\n"
		      ");\n"
		      "sensors = { temperature = { adc = 0x4A; channel = 3;\n"
		      "  conversion = \"linear\"; scale = 50; offset = -10.5;\n"
		      "  unit = \"F\"; }; };\n"
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
	assert_int_equal(cfg->report_interval_s, 3600);
	assert_string_equal(cfg->socket_path, "/tmp/irrigd-test.sock");
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
	  HW "hardware = { };\n" ZONE, ":7: ", "duplicate setting" },

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
	  "valve, flow_lpm, max_run)" },
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
	  ":3: hardware.flow_meter.line: ", "required setting is missing" },
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
	{ "missing flow_lpm",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; }; } );\n",
	  ":7: zones.[0].flow_lpm: ", "required setting is missing" },
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
	{ "flow_lpm zero",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 0; } );\n",
	  ":9: zones.[0].flow_lpm: ", "must be more than 0 and at most 1000" },
	{ "flow_lpm too large",
	  HW "zones = ( { name = \"garden\";\n"
	  "  valve = { expander = 0x20; pin = 0; };\n"
	  "  flow_lpm = 1000.5; } );\n",
	  ":9: zones.[0].flow_lpm: ", "at most 1000" },
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
	{ "scale without linear conversion", HW ZONE
	  "sensors = { temperature = { adc = 0x48; channel = 0; scale = 2; }; };\n",
	  ":10: sensors.temperature.scale: ", "only used with conversion" },
	{ "unknown temperature unit", HW ZONE
	  "sensors = { temperature = { adc = 0x48; channel = 0; unit = \"K\"; }; };\n",
	  ":10: sensors.temperature.unit: ", "must be \"C\" or \"F\"" },
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
	struct CMUnitTest tests[9 + sizeof(bad_cases) / sizeof(bad_cases[0])];
	size_t n = 0;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_shipped_config);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_defaults);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_sensor_defaults);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_other_choices);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_empty_name);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_missing_file);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_directory);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_no_error_buffer);
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
