/* State directory: atomic replacement, the run history, the rain delay and the lock. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

static bool exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void remove_file(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static struct history *two_runs(void)
{
	struct history *h = calloc(1, sizeof(*h));	/* compared whole */
	struct history_entry e = { .started = 1764100000, .source = "morning",
				   .zone = "garden", .planned_s = 300,
				   .actual_s = 299, .litres = 70.125,
				   .moisture_start = 31.5, .moisture_end = NAN,
				   .outcome = RUN_COMPLETED };

	assert_non_null(h);
	history_init(h);
	history_add(h, &e);
	snprintf(e.zone, sizeof(e.zone), "lawn");
	e.outcome = RUN_SHUTDOWN;
	history_add(h, &e);
	return h;
}

static void test_history_round_trip(void **state)
{
	struct history *saved = two_runs(), *loaded = malloc(sizeof(*loaded));
	char err[256] = "";

	(void)state;
	assert_non_null(loaded);
	history_init(loaded);
	assert_int_equal(state_save_history(dir, saved), 0);
	assert_false(exists(".history.tmp"));
	assert_int_equal(state_load_history(dir, loaded, err, sizeof(err)), 0);
	assert_int_equal(history_len(loaded), 2);
	assert_int_equal(loaded->next_id, 3);
	assert_int_equal(history_at(loaded, 0)->id, 1);
	assert_string_equal(history_at(loaded, 0)->zone, "garden");
	assert_true(history_at(loaded, 0)->litres == 70.125);
	assert_true(history_at(loaded, 0)->moisture_start == 31.5);
	assert_true(isnan(history_at(loaded, 0)->moisture_end));
	assert_string_equal(history_at(loaded, 1)->zone, "lawn");
	assert_int_equal(history_at(loaded, 1)->outcome, RUN_SHUTDOWN);
	free(saved);
	free(loaded);
}

static void test_missing_history(void **state)
{
	struct history *h = two_runs();
	char err[256] = "";

	(void)state;
	remove_file("history");
	assert_int_equal(state_load_history(dir, h, err, sizeof(err)), -ENOENT);
	assert_int_equal(history_len(h), 2);
	free(h);
}

static void test_corrupt_history_is_refused_named_and_set_aside(void **state)
{
	struct history *h = two_runs(), *before = two_runs();
	char err[256] = "", want[192];

	(void)state;
	write_raw("history", "irrigd-history 1\nnext_id 5\n"
		  "1 1764100000 morning garden 300 299 70.125 31.5 - completed\n"
		  "2 1764100000 morning garden 300 299 70.125 31.5 - complete\n");
	assert_int_equal(state_load_history(dir, h, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s/history: line 4: ", dir);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	assert_true(strlen(err) > strlen(want));
	assert_memory_equal(h, before, sizeof(*h));

	assert_int_equal(state_set_aside(dir, "history"), 0);
	assert_false(exists("history"));
	assert_true(exists("history.bad"));
	assert_int_equal(state_load_history(dir, h, err, sizeof(err)), -ENOENT);
	/* The next save goes through, and the evidence stays. */
	assert_int_equal(state_save_history(dir, h), 0);
	assert_int_equal(state_load_history(dir, h, err, sizeof(err)), 0);
	assert_true(exists("history.bad"));
	assert_int_equal(state_set_aside(dir, "nothing-here"), -ENOENT);
	assert_int_equal(state_set_aside(dir, "../history"), -EINVAL);
	assert_int_equal(state_set_aside(dir, ""), -EINVAL);
	free(h);
	free(before);
}

static void test_oversized_history_is_refused_unread(void **state)
{
	struct history *h = two_runs();
	char path[128], err[256] = "";

	(void)state;
	snprintf(path, sizeof(path), "%s/history", dir);
	write_raw("history", "");
	assert_int_equal(truncate(path, STATE_FILE_MAX + 1), 0);
	assert_int_equal(state_load_history(dir, h, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "/history: "));
	assert_int_equal(history_len(h), 2);
	remove_file("history");
	free(h);
}

static void test_unformattable_history_leaves_the_file(void **state)
{
	struct history *h = two_runs(), *loaded = two_runs();
	char err[256] = "";

	(void)state;
	assert_int_equal(state_save_history(dir, h), 0);
	history_find(h, 2)->litres = NAN;
	assert_int_equal(state_save_history(dir, h), -EINVAL);
	assert_int_equal(state_load_history(dir, loaded, err, sizeof(err)), 0);
	assert_true(history_at(loaded, 1)->litres == 70.125);
	free(h);
	free(loaded);
}

static void test_faults_round_trip_and_corrupt_file(void **state)
{
	struct fault_state *st = malloc(sizeof(*st)), *back = malloc(sizeof(*back));
	struct fault f = { .kind = FAULT_NO_FLOW, .zone = "garden",
			   .raised = 1764100000, .measured_lpm = 0.5,
			   .expected_lpm = 12.0, .detail = "no flow" };
	char err[256] = "", want[192];

	(void)state;
	assert_non_null(st);
	assert_non_null(back);
	fault_state_init(st);
	assert_non_null(faults_raise(&st->faults, &f));
	flow_learned_add(fault_state_learned(st, "garden", true), 12.25);
	assert_int_equal(state_load_faults(dir, back, err, sizeof(err)), -ENOENT);
	assert_int_equal(state_save_faults(dir, st), 0);
	fault_state_init(back);
	assert_int_equal(state_load_faults(dir, back, err, sizeof(err)), 0);
	assert_true(faults_hold_zone(&back->faults, "garden"));
	assert_string_equal(back->faults.list[0].detail, "no flow");
	assert_true(flow_learned_median(fault_state_learned(back, "garden",
							    false)) == 12.25);

	/* A broken file is refused with its name and line; nothing changes. */
	write_raw("faults", "irrigd-faults 1\nfault no-flow garden 1764100000 "
		  "0.500 lots\n");
	memcpy(st, back, sizeof(*st));
	assert_int_equal(state_load_faults(dir, back, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s/faults: line 2: ", dir);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	assert_memory_equal(back, st, sizeof(*st));
	free(st);
	free(back);
}

static void test_rain_delay_round_trip(void **state)
{
	time_t until = 0;

	(void)state;
	assert_int_equal(state_save_rain_delay(dir, 1764200000), 0);
	assert_int_equal(state_load_rain_delay(dir, &until), 0);
	assert_int_equal(until, 1764200000);
	/* Lifting the delay survives a restart too. */
	assert_int_equal(state_save_rain_delay(dir, 0), 0);
	until = 99;
	assert_int_equal(state_load_rain_delay(dir, &until), 0);
	assert_int_equal(until, 0);
	assert_int_equal(state_save_rain_delay(dir, -1), -EINVAL);
	assert_int_equal(state_load_rain_delay(dir, &until), 0);
	assert_int_equal(until, 0);
	assert_false(exists(".rain-delay.tmp"));
}

static void test_no_rain_delay(void **state)
{
	time_t until = 42;

	(void)state;
	remove_file("rain-delay");
	assert_int_equal(state_load_rain_delay(dir, &until), -ENOENT);
	assert_int_equal(until, 42);
}

static void test_malformed_rain_delay_is_refused_unchanged(void **state)
{
	static const char *const bad[] = {
		"",
		"irrigd-rain-delay 1\n",
		"irrigd-rain-delay 2\nuntil 5\n",
		"irrigd-rain-delay 1\nuntil 5",
		"irrigd-rain-delay 1\nuntil \n",
		"irrigd-rain-delay 1\nuntil -5\n",
		"irrigd-rain-delay 1\nuntil +5\n",
		"irrigd-rain-delay 1\nuntil 05\n",
		"irrigd-rain-delay 1\nuntil 5x\n",
		"irrigd-rain-delay 1\nuntil 5 \n",
		"irrigd-rain-delay 1\nuntil 5\n\n",
		"irrigd-rain-delay 1\nuntil 5\nuntil 6\n",
		"irrigd-rain-delay 1\nuntil 99999999999999999999999\n",
		"irrigd-rain-delay 1\r\nuntil 5\r\n",
	};
	time_t until = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_raw("rain-delay", bad[i]);
		if (state_load_rain_delay(dir, &until) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(until, 42);
	}
	/* The baseline the refusals are variations of. */
	write_raw("rain-delay", "irrigd-rain-delay 1\nuntil 5\n");
	assert_int_equal(state_load_rain_delay(dir, &until), 0);
	assert_int_equal(until, 5);
}

/* Another process's lock on the directory is refused, naming that process. */
static void test_lock_names_its_holder(void **state)
{
	pid_t holder = -1, child;
	int fd, status;

	(void)state;
	fd = state_lock(dir, &holder);
	assert_true(fd >= 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pid_t seen = 0;
		int r = state_lock(dir, &seen);

		_exit(r == -EBUSY && seen == getppid() ? 0 : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Gone with its holder. */
	close(fd);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pid_t seen = 0;

		_exit(state_lock(dir, &seen) >= 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(state_lock("/nonexistent/irrigd", &holder), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_write_replaces_and_leaves_no_temporary),
		cmocka_unit_test(test_atomic_write_into_missing_dir_fails),
		cmocka_unit_test(test_history_round_trip),
		cmocka_unit_test(test_missing_history),
		cmocka_unit_test(test_corrupt_history_is_refused_named_and_set_aside),
		cmocka_unit_test(test_oversized_history_is_refused_unread),
		cmocka_unit_test(test_unformattable_history_leaves_the_file),
		cmocka_unit_test(test_faults_round_trip_and_corrupt_file),
		cmocka_unit_test(test_rain_delay_round_trip),
		cmocka_unit_test(test_no_rain_delay),
		cmocka_unit_test(test_malformed_rain_delay_is_refused_unchanged),
		cmocka_unit_test(test_lock_names_its_holder),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
