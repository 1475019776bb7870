/* Tests of the hardware wiring that need no garden: what irrigd sees of the machine it runs on. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sim_config_on_a_pi, make_dev,
						remove_dev),
		cmocka_unit_test_setup_teardown(test_no_warning_when_meant,
						make_dev, remove_dev),
		cmocka_unit_test_setup_teardown(test_no_warning_without_both_chips,
						make_dev, remove_dev),
	};

	return cmocka_run_group_tests_name("hardware", tests, NULL, NULL);
}
