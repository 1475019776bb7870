/* End to end: a DS18B20 thermometer on a fake 1-Wire sysfs, read by driver "ds18b20". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

#define DEVICE "28-0316a2794bff"

static const char config_text[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  adcs = ( { address = 0x48; } );\n"
	"  flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; }; } );\n"
	"sensors = { soil = (\n"
	"  { name = \"rosebed\"; adc = 0x48; channel = 0; zone = \"bed\";\n"
	"    dry_volts = 2.8; wet_volts = 1.3; } );\n"
	"  temperature = { driver = \"ds18b20\"; device = \"" DEVICE "\"; }; };\n"
	"wait_for_clock_sync = false;\n";

static char w1_root[160], w1_device[200];

static void use_fake_w1(void *arg)
{
	(void)arg;
	setenv("IRRIGD_W1_ROOT", w1_root, 1);
}

static void write_attribute(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", w1_device, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void remove_attribute(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", w1_device, name);
	unlink(path);
}

/* irrigctl temperature: its exit status; its stdout or stderr in *text. */
static int temperature(const struct test_daemon *d, char **text)
{
	char *out, *err;
	int status = test_irrigctl(d->socket, &out, &err, "temperature", NULL);

	if (status == 0) {
		*text = out;
		free(err);
	} else {
		*text = err;
		free(out);
	}
	return status;
}

static void test_thermometer_read_and_failed_readings(void **state)
{
	struct test_daemon d = { 0 };
	char *text, *out, *err, expect[320];

	(void)state;
	test_daemon_prepare(&d, "w1");
	snprintf(w1_root, sizeof(w1_root), "%s/w1", d.dir);
	snprintf(w1_device, sizeof(w1_device), "%s/" DEVICE, w1_root);
	assert_int_equal(mkdir(w1_root, 0755), 0);
	assert_int_equal(mkdir(w1_device, 0755), 0);
	write_attribute("temperature", "23125\n");
	test_daemon_write_config(&d, config_text);
	test_daemon_spawn(&d, use_fake_w1, NULL);

	assert_int_equal(temperature(&d, &text), 0);
	assert_string_equal(text, "23.1 °C\n");
	free(text);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sensors", NULL), 0);
	assert_non_null(strstr(out, "temperature  23.1 °C\n"));
	assert_non_null(strstr(out, "rosebed "));
	free(out);
	free(err);

	/* A kernel before 5.10 has only w1_slave, CRC line first. */
	remove_attribute("temperature");
	write_attribute("w1_slave", "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n"
			"72 01 4b 46 7f ff 0e 10 57 t=-7625\n");
	assert_int_equal(temperature(&d, &text), 0);
	assert_string_equal(text, "-7.6 °C\n");
	free(text);

	snprintf(expect, sizeof(expect), "cannot read the temperature sensor: "
		 "DS18B20 " DEVICE " in %s: garbled reading", w1_root);
	write_attribute("w1_slave", "72 01 4b 46 7f ff 0e 10 57 : crc=00 NO\n"
			"72 01 4b 46 7f ff 0e 10 57 t=23125\n");
	assert_int_equal(temperature(&d, &text), 1);
	assert_non_null(strstr(text, expect));
	free(text);

	remove_attribute("w1_slave");
	write_attribute("temperature", "hot\n");
	assert_int_equal(temperature(&d, &text), 1);
	assert_non_null(strstr(text, expect));
	free(text);

	write_attribute("temperature", "");
	assert_int_equal(temperature(&d, &text), 1);
	assert_non_null(strstr(text, expect));
	free(text);

	/* The bus lost it: the sensor's directory is gone. */
	remove_attribute("temperature");
	rmdir(w1_device);
	snprintf(expect, sizeof(expect), "cannot read the temperature sensor: "
		 "DS18B20 " DEVICE " in %s: not found", w1_root);
	assert_int_equal(temperature(&d, &text), 1);
	assert_non_null(strstr(text, expect));
	free(text);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "sensors", NULL), 0);
	assert_non_null(strstr(out, "temperature  error: DS18B20 " DEVICE));
	assert_non_null(strstr(out, "rosebed "));
	free(out);
	free(err);

	/* It comes back: read again, with nothing restarted. */
	assert_int_equal(mkdir(w1_device, 0755), 0);
	write_attribute("temperature", "4500\n");
	assert_int_equal(temperature(&d, &text), 0);
	assert_string_equal(text, "4.5 °C\n");
	free(text);

	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thermometer_read_and_failed_readings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
