/* Tests of what irrigd checks of the machine and its GPIO lines before it drives anything. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/config.h"
#include "daemon/hardware.h"

/* A directory standing in for /dev, with empty files for device nodes. */
struct fake_dev {
	char dir[PATH_MAX];
	struct config cfg;
};

static int make_dev(void **state)
{
	struct fake_dev *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/test_hardware.XXXXXX",
		 tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	f->cfg.backend = HW_BACKEND_SIM;
	snprintf(f->cfg.path, sizeof(f->cfg.path), "/etc/irrigd/irrigd.conf");
	*state = f;
	return 0;
}

static void add_node(struct fake_dev *f, const char *name)
{
	char path[PATH_MAX + 64];
	FILE *file;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	file = fopen(path, "w");
	assert_non_null(file);
	assert_int_equal(fclose(file), 0);
}

static int remove_dev(void **state)
{
	struct fake_dev *f = *state;
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* The shipped backend = "sim" on a Pi with I2C and GPIO is warned of. */
static void test_sim_config_on_a_pi(void **state)
{
	struct fake_dev *f = *state;
	char msg[1024], want[1024 + PATH_MAX * 2];

	add_node(f, "null");
	add_node(f, "i2c-20");
	add_node(f, "i2c-1");
	add_node(f, "gpiochip4");
	add_node(f, "gpiochip0");
	assert_true(hardware_simulating_real_garden(&f->cfg, false, f->dir, msg,
						    sizeof(msg)));
	snprintf(want, sizeof(want), "/etc/irrigd/irrigd.conf says backend = "
		 "\"sim\": irrigd drives a simulated garden, not the valves of "
		 "this machine, which has %s/i2c-1 and %s/gpiochip0; set "
		 "backend = \"linux\" to water", f->dir, f->dir);
	assert_string_equal(msg, want);
}

/* --sim asks for the simulated garden on purpose; linux drives the chips. */
static void test_no_warning_when_meant(void **state)
{
	struct fake_dev *f = *state;
	char msg[1024] = "";

	add_node(f, "i2c-1");
	add_node(f, "gpiochip0");
	assert_false(hardware_simulating_real_garden(&f->cfg, true, f->dir, msg,
						     sizeof(msg)));
	f->cfg.backend = HW_BACKEND_LINUX;
	assert_false(hardware_simulating_real_garden(&f->cfg, false, f->dir, msg,
						     sizeof(msg)));
	assert_string_equal(msg, "");
}

/* A PC, a container or a Pi without I2C enabled: nothing to warn of. */
static void test_no_warning_without_both_chips(void **state)
{
	struct fake_dev *f = *state;

	assert_false(hardware_simulating_real_garden(&f->cfg, false, f->dir,
						     NULL, 0));
	add_node(f, "gpiochip0");
	add_node(f, "i2c-");
	add_node(f, "i2c-1x");
	assert_false(hardware_simulating_real_garden(&f->cfg, false, f->dir,
						     NULL, 0));
	assert_false(hardware_simulating_real_garden(&f->cfg, false,
						     "/nonexistent/dev", NULL, 0));
	add_node(f, "i2c-1");
	assert_true(hardware_simulating_real_garden(&f->cfg, false, f->dir,
						    NULL, 0));
}

/* Loads text, which config_load() accepts, from a file in f's directory. */
static void load(struct fake_dev *f, const char *text)
{
	char path[PATH_MAX + 16], err[512];
	FILE *file;
	int r;

	snprintf(path, sizeof(path), "%s/irrigd.conf", f->dir);
	file = fopen(path, "w");
	assert_non_null(file);
	assert_int_equal(fputs(text, file) >= 0, 1);
	assert_int_equal(fclose(file), 0);
	r = config_load(path, &f->cfg, err, sizeof(err));
	if (r < 0)
		print_error("%s\n", err);
	assert_int_equal(r, 0);
}

#define FLOW_METER_BY_NAME                                                   \
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n" \
	"  flow_meter = { line = \"GPIO17\"; }; };\n"

/*
 * "GPIO17" is gpiochip0 line 17 on a Pi 3 or 4, and so in the simulated
 * garden: written once each way, the line is refused before any valve is
 * set up, as the linux backend refuses it, naming both settings.
 */
static void test_one_line_written_two_ways(void **state)
{
	struct fake_dev *f = *state;
	char err[512], want[512 + PATH_MAX];

	load(f, FLOW_METER_BY_NAME
	     "zones = ( { name = \"a\"; valve = { expander = 0x20; pin = 0; }; },\n"
	     "  { name = \"b\"; valve = { chip = \"gpiochip0\"; offset = 17; }; } );\n");
	assert_int_equal(hardware_check_lines(&f->cfg, false, err, sizeof(err)),
			 -EINVAL);
	snprintf(want, sizeof(want), "%s: zones.[1].valve (chip = \"gpiochip0\"; "
		 "offset = 17) is gpiochip0 line 17, the line of "
		 "hardware.flow_meter (line = \"GPIO17\"): each GPIO line "
		 "serves one purpose", f->cfg.path);
	assert_string_equal(err, want);

	/* --sim over a linux config finds it the same way. */
	f->cfg.backend = HW_BACKEND_LINUX;
	assert_int_equal(hardware_check_lines(&f->cfg, true, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, want);

	load(f, FLOW_METER_BY_NAME
	     "zones = ( { name = \"a\"; valve = { chip = \"/dev/gpiochip0\"; offset = 24; }; } );\n"
	     "master = { line = \"GPIO24\"; };\n");
	assert_int_equal(hardware_check_lines(&f->cfg, false, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, ": master (line = \"GPIO24\") is gpiochip0 "
			       "line 24, the line of zones.[0].valve (chip = "
			       "\"/dev/gpiochip0\"; offset = 24)"));
}

static void test_lines_of_their_own(void **state)
{
	struct fake_dev *f = *state;
	char err[512] = "";

	load(f, FLOW_METER_BY_NAME
	     "zones = ( { name = \"a\"; valve = { line = \"GPIO22\"; }; },\n"
	     "  { name = \"b\"; valve = { chip = \"gpiochip0\"; offset = 23; }; },\n"
	     "  { name = \"c\"; valve = { chip = \"gpiochip1\"; offset = 17; }; },\n"
	     "  { name = \"d\"; valve = { line = \"GPIO017\"; }; },\n"
	     "  { name = \"e\"; valve = { expander = 0x20; pin = 0; }; } );\n"
	     "master = { chip = \"0\"; offset = 24; };\n");
	assert_int_equal(hardware_check_lines(&f->cfg, false, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

/* The simulated Pi's lines, as hardware_check_lines() finds them. */
static void test_simulated_line_names(void **state)
{
	struct garden_gpio_line line = { .offset = -1 };
	char chip[32];
	unsigned offset;

	(void)state;
	snprintf(line.name, sizeof(line.name), "GPIO53");
	assert_int_equal(garden_locate_line(&line, chip, sizeof(chip), &offset), 0);
	assert_string_equal(chip, "gpiochip0");
	assert_int_equal(offset, 53);
	snprintf(line.name, sizeof(line.name), "GPIO54");
	assert_int_equal(garden_locate_line(&line, chip, sizeof(chip), &offset),
			 -ENOENT);
	snprintf(line.name, sizeof(line.name), "GPIO07");
	assert_int_equal(garden_locate_line(&line, chip, sizeof(chip), &offset),
			 -ENOENT);
	line = (struct garden_gpio_line){ .name = "", .chip = "0", .offset = 7 };
	assert_int_equal(garden_locate_line(&line, chip, sizeof(chip), &offset), 0);
	assert_int_equal(offset, 7);
	snprintf(line.chip, sizeof(line.chip), "gpiochip4");
	assert_int_equal(garden_locate_line(&line, chip, sizeof(chip), &offset),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sim_config_on_a_pi, make_dev,
						remove_dev),
		cmocka_unit_test_setup_teardown(test_no_warning_when_meant,
						make_dev, remove_dev),
		cmocka_unit_test_setup_teardown(test_no_warning_without_both_chips,
						make_dev, remove_dev),
		cmocka_unit_test_setup_teardown(test_one_line_written_two_ways,
						make_dev, remove_dev),
		cmocka_unit_test_setup_teardown(test_lines_of_their_own, make_dev,
						remove_dev),
		cmocka_unit_test(test_simulated_line_names),
	};

	return cmocka_run_group_tests_name("hardware", tests, NULL, NULL);
}
