/* State directory: atomic replacement and the last-run record. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/state.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/irrigd-state-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_raw(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_atomic_write_replaces_and_leaves_no_temporary(void **state)
{
	char path[128], text[64] = "";
	FILE *f;

	(void)state;
	assert_int_equal(state_write_atomic(dir, "f", "old\n", 4), 0);
	assert_int_equal(state_write_atomic(dir, "f", "new\n", 4), 0);
	snprintf(path, sizeof(path), "%s/f", dir);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_string_equal(text, "new\n");
	snprintf(path, sizeof(path), "%s/.f.tmp", dir);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_atomic_write_into_missing_dir_fails(void **state)
{
	(void)state;
	assert_int_equal(state_write_atomic("/nonexistent/irrigd", "f", "x", 1),
			 -ENOENT);
}

static void test_last_run_round_trip(void **state)
{
	struct last_run saved = { .zone = "garden", .started = 1764100000,
				  .planned_s = 300, .actual_s = 299,
				  .litres = 70.125, .outcome = "completed" };
	struct last_run loaded;

	(void)state;
	assert_int_equal(state_save_last_run(dir, &saved), 0);
	assert_int_equal(state_load_last_run(dir, &loaded), 0);
	assert_string_equal(loaded.zone, "garden");
	assert_int_equal(loaded.started, 1764100000);
	assert_int_equal(loaded.planned_s, 300);
	assert_int_equal(loaded.actual_s, 299);
	assert_true(loaded.litres > 70.124 && loaded.litres < 70.126);
	assert_string_equal(loaded.outcome, "completed");
}

static void test_missing_last_run(void **state)
{
	struct last_run loaded;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/last-run", dir);
	unlink(path);
	assert_int_equal(state_load_last_run(dir, &loaded), -ENOENT);
}

static void test_foreign_last_run_is_refused_unchanged(void **state)
{
	static const char *const bad[] = {
		"",
		"garbage\n",
		"irrigd-last-run 2\nzone garden\nstarted 1\nplanned 1\nactual 1\n"
		"litres 1\noutcome completed\n",
		"irrigd-last-run 1\nzone gar\"den\nstarted 1\nplanned 1\nactual 1\n"
		"litres 1\noutcome completed\n",
		"irrigd-last-run 1\nzone garden\nstarted -5\nplanned 1\nactual 1\n"
		"litres 1\noutcome completed\n",
		"irrigd-last-run 1\nzone garden\nstarted 1\nplanned 1\nactual 1\n"
		"litres nan\noutcome completed\n",
		"irrigd-last-run 1\nzone garden\nstarted 1\nplanned 1\n",
	};
	struct last_run loaded = { .zone = "untouched" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_raw("last-run", bad[i]);
		assert_int_equal(state_load_last_run(dir, &loaded), -EINVAL);
		assert_string_equal(loaded.zone, "untouched");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_write_replaces_and_leaves_no_temporary),
		cmocka_unit_test(test_atomic_write_into_missing_dir_fails),
		cmocka_unit_test(test_last_run_round_trip),
		cmocka_unit_test(test_missing_last_run),
		cmocka_unit_test(test_foreign_last_run_is_refused_unchanged),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
