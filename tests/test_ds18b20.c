/* End to end: a DS18B20 thermometer on a fake 1-Wire sysfs, read by driver "ds18b20". */
#include <fcntl.h>
#include <poll.h>
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

/* Reads what fd sends until its reply's last line (OK or ERR), or 20 s. */
static void read_reply(int fd, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	while (len + 1 < size && !strstr(buf, "\nOK") && strncmp(buf, "OK", 2) &&
	       !strstr(buf, "ERR ")) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		assert_int_equal(poll(&p, 1, 20000), 1);
		n = read(fd, buf + len, size - 1 - len);
		assert_true(n > 0);
		len += (size_t)n;
		buf[len] = '\0';
	}
}

/*
 * The kernel holds a w1 read for the whole conversion: a FIFO with no
 * writer holds it as long as the test likes.  Other clients are served
 * meanwhile; the reading arrives when the FIFO is written, and a read
 * that never ends is given up.
 */
static void test_a_read_held_by_the_kernel_holds_nobody_else(void **state)
{
	struct test_daemon d = { 0 };
	char path[256], reply[512], *out, *err, *text;
	int client, fifo;

	(void)state;
	test_daemon_prepare(&d, "w1");
	snprintf(w1_root, sizeof(w1_root), "%s/w1", d.dir);
	snprintf(w1_device, sizeof(w1_device), "%s/" DEVICE, w1_root);
	assert_int_equal(mkdir(w1_root, 0755), 0);
	assert_int_equal(mkdir(w1_device, 0755), 0);
	snprintf(path, sizeof(path), "%s/temperature", w1_device);
	assert_int_equal(mkfifo(path, 0644), 0);
	test_daemon_write_config(&d, config_text);
	test_daemon_spawn(&d, use_fake_w1, NULL);

	client = try_connect(d.socket);
	assert_true(client >= 0);
	assert_int_equal(write(client, "temperature\n", 12), 12);
	/* Its read is stuck in open(): other requests still answer. */
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "status", NULL), 0);
	free(out);
	free(err);
	assert_int_equal(test_irrigctl(d.socket, &out, &err, "zones", NULL), 0);
	assert_non_null(strstr(out, "bed"));
	free(out);
	free(err);
	/*
	 * A reading for every reader that opens it (the start-up pass may
	 * still hold one), until the reply comes.
	 */
	for (int64_t give_up = now_ms() + 20000;;) {
		struct pollfd p = { .fd = client, .events = POLLIN };

		assert_true(now_ms() < give_up);	/* a hang guard */
		fifo = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fifo >= 0) {
			assert_int_equal(write(fifo, "21500\n", 6), 6);
			close(fifo);
		}
		if (poll(&p, 1, 20) == 1)
			break;
	}
	read_reply(client, reply, sizeof(reply));
	if (!strstr(reply, "21.5 °C\n"))
		fail_msg("reply: %s", reply);
	close(client);

	/* Nobody ever writes: the read is given up, and said so. */
	assert_int_equal(temperature(&d, &text), 1);
	assert_non_null(strstr(text, "DS18B20 " DEVICE));
	assert_non_null(strstr(text, "no reading within 3 s"));
	free(text);
	unlink(path);
	write_attribute("temperature", "19000\n");
	assert_int_equal(temperature(&d, &text), 0);
	assert_string_equal(text, "19.0 °C\n");
	free(text);

	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thermometer_read_and_failed_readings),
		cmocka_unit_test(test_a_read_held_by_the_kernel_holds_nobody_else),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
