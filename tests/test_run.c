/* Tests of the watering run controller at virtual time: when valves open and close and reports come. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/nsec.h"
#include "core/run.h"

#define S NS_PER_S
#define MIN (60 * S)
/* Monotonic time is since boot, not zero: starting elsewhere catches mixups. */
#define T0 (12345 * S)

static void start_ok(struct run *r, int zone, uint64_t duration,
		     uint64_t interval, uint64_t now)
{
	unsigned actions = 0xffu;

	assert_int_equal(run_start(r, zone, duration, interval, now, &actions), 0);
	assert_int_equal(actions, RUN_DO_OPEN_VALVE);
}

static void test_idle_does_nothing(void **state)
{
	struct run r;

	(void)state;
	run_init(&r);
	assert_int_equal(r.state, RUN_IDLE);
	assert_int_equal(run_next_wakeup(&r), UINT64_MAX);
	assert_int_equal(run_tick(&r, T0), 0);
	assert_int_equal(run_stop(&r, RUN_STOPPED, T0), 0);
	assert_int_equal(r.state, RUN_IDLE);
	assert_int_equal(run_remaining_ns(&r, T0), 0);
	assert_int_equal(run_elapsed_ns(&r, T0), 0);
}

static void test_start_opens_the_valve(void **state)
{
	struct run r;

	(void)state;
	run_init(&r);
	start_ok(&r, 2, 5 * MIN, MIN, T0);
	assert_int_equal(r.state, RUN_WATERING);
	assert_int_equal(r.zone, 2);
	assert_int_equal(run_elapsed_ns(&r, T0), 0);
	assert_int_equal(run_remaining_ns(&r, T0), 5 * MIN);
	/* Nothing to do before the first report. */
	assert_int_equal(run_tick(&r, T0), 0);
	assert_int_equal(run_tick(&r, T0 + MIN - 1), 0);
}

static void test_second_start_is_busy(void **state)
{
	struct run r, before;
	unsigned actions = 0xffu;

	(void)state;
	run_init(&r);
	start_ok(&r, 0, 5 * MIN, MIN, T0);
	memcpy(&before, &r, sizeof(r));
	assert_int_equal(run_start(&r, 1, 10 * MIN, 30 * S, T0 + S, &actions),
			 -EBUSY);
	assert_int_equal(actions, 0);
	assert_memory_equal(&r, &before, sizeof(r));
	/* The first run goes on to its own end. */
	assert_int_equal(run_next_wakeup(&r), T0 + MIN);
	assert_int_equal(run_remaining_ns(&r, T0 + S), 5 * MIN - S);
}

static void test_invalid_start(void **state)
{
	struct run r, before;
	unsigned actions = 0xffu;

	(void)state;
	run_init(&r);
	memcpy(&before, &r, sizeof(r));
	assert_int_equal(run_start(&r, 0, 0, MIN, T0, &actions), -EINVAL);
	assert_int_equal(actions, 0);
	actions = 0xffu;
	assert_int_equal(run_start(&r, 0, 5 * MIN, 0, T0, &actions), -EINVAL);
	assert_int_equal(actions, 0);
	actions = 0xffu;
	assert_int_equal(run_start(&r, -1, 5 * MIN, MIN, T0, &actions), -EINVAL);
	assert_int_equal(actions, 0);
	assert_memory_equal(&r, &before, sizeof(r));
	assert_int_equal(run_next_wakeup(&r), UINT64_MAX);
	/* A refused start leaves the controller usable. */
	start_ok(&r, 0, 5 * MIN, MIN, T0);
}

/* Drives the run the way the daemon does: sleep until next_wakeup, tick. */
static void test_reports_every_interval_then_finishes(void **state)
{
	static const uint64_t reports[] = { 1, 2, 3, 4 };
	struct run r;

	(void)state;
	run_init(&r);
	start_ok(&r, 0, 5 * MIN, MIN, T0);
	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		uint64_t at = T0 + reports[i] * MIN;

		assert_int_equal(run_next_wakeup(&r), at);
		assert_int_equal(run_tick(&r, at), RUN_DO_REPORT);
		assert_int_equal(r.state, RUN_WATERING);
		assert_int_equal(run_elapsed_ns(&r, at), reports[i] * MIN);
		assert_int_equal(run_remaining_ns(&r, at), (5 - reports[i]) * MIN);
		/* A spurious second wakeup at the same moment reports nothing. */
		assert_int_equal(run_tick(&r, at), 0);
	}
	/* At 300 s the summary replaces the fifth report. */
	assert_int_equal(run_next_wakeup(&r), T0 + 5 * MIN);
	assert_int_equal(run_tick(&r, T0 + 5 * MIN),
			 RUN_DO_CLOSE_VALVE | RUN_DO_FINISH);
	assert_int_equal(r.state, RUN_IDLE);
	assert_int_equal(r.outcome, RUN_COMPLETED);
	assert_int_equal(run_elapsed_ns(&r, T0 + 5 * MIN), 5 * MIN);
	assert_int_equal(run_remaining_ns(&r, T0 + 5 * MIN), 0);
	assert_int_equal(run_next_wakeup(&r), UINT64_MAX);
	assert_int_equal(run_tick(&r, T0 + 6 * MIN), 0);
	/* The finished run's numbers stay put while time goes on. */
	assert_int_equal(run_elapsed_ns(&r, T0 + 60 * MIN), 5 * MIN);
}

static void test_duration_not_a_multiple_of_interval(void **state)
{
	struct run r;

	(void)state;
	run_init(&r);
	start_ok(&r, 0, 150 * S, MIN, T0);
	assert_int_equal(run_next_wakeup(&r), T0 + MIN);
	assert_int_equal(run_tick(&r, T0 + MIN), RUN_DO_REPORT);
	assert_int_equal(run_next_wakeup(&r), T0 + 2 * MIN);
	assert_int_equal(run_tick(&r, T0 + 2 * MIN), RUN_DO_REPORT);
	assert_int_equal(run_next_wakeup(&r), T0 + 150 * S);
	assert_int_equal(run_tick(&r, T0 + 150 * S),
			 RUN_DO_CLOSE_VALVE | RUN_DO_FINISH);
}

static void test_interval_longer_than_run(void **state)
{
	struct run r;

	(void)state;
	run_init(&r);
	start_ok(&r, 0, 30 * S, MIN, T0);
	assert_int_equal(run_next_wakeup(&r), T0 + 30 * S);
	assert_int_equal(run_tick(&r, T0 + 30 * S),
			 RUN_DO_CLOSE_VALVE | RUN_DO_FINISH);
}

static void test_late_tick_reports_once(void **state)
{
	struct run r;

	(void)state;
	run_init(&r);
	start_ok(&r, 0, 10 * MIN, MIN, T0);
	/* The first report was due at 60 s; the system slept until 250 s. */
	assert_int_equal(run_tick(&r, T0 + MIN + 3 * MIN + 10 * S), RUN_DO_REPORT);
	assert_int_equal(run_tick(&r, T0 + MIN + 3 * MIN + 10 * S), 0);
	/* Reports stay on the minute grid rather than drifting. */
	assert_int_equal(run_next_wakeup(&r), T0 + 5 * MIN);
	assert_int_equal(run_tick(&r, T0 + 5 * MIN), RUN_DO_REPORT);
	assert_int_equal(run_next_wakeup(&r), T0 + 6 * MIN);
}

static void test_late_past_the_end_closes(void **state)
{
	struct run r;

	(void)state;
	run_init(&r);
	start_ok(&r, 0, 5 * MIN, MIN, T0);
	/* Woken long after the end: close, and no report of a run gone by. */
	assert_int_equal(run_tick(&r, T0 + 20 * MIN),
			 RUN_DO_CLOSE_VALVE | RUN_DO_FINISH);
	assert_int_equal(r.outcome, RUN_COMPLETED);
	assert_int_equal(run_next_wakeup(&r), UINT64_MAX);
}

static void test_stop_while_watering(void **state)
{
	struct run r;

	(void)state;
	run_init(&r);
	start_ok(&r, 3, 5 * MIN, MIN, T0);
	assert_int_equal(run_tick(&r, T0 + MIN), RUN_DO_REPORT);
	assert_int_equal(run_elapsed_ns(&r, T0 + 90 * S), 90 * S);
	assert_int_equal(run_remaining_ns(&r, T0 + 90 * S), 210 * S);
	assert_int_equal(run_stop(&r, RUN_STOPPED, T0 + 90 * S),
			 RUN_DO_CLOSE_VALVE | RUN_DO_FINISH);
	assert_int_equal(r.state, RUN_IDLE);
	assert_int_equal(r.outcome, RUN_STOPPED);
	assert_int_equal(r.ended_ns, T0 + 90 * S);
	assert_int_equal(run_elapsed_ns(&r, T0 + 10 * MIN), 90 * S);
	assert_int_equal(run_remaining_ns(&r, T0 + 90 * S), 0);
	assert_int_equal(run_next_wakeup(&r), UINT64_MAX);
	/* Nothing left to close: a second stop and later ticks do nothing. */
	assert_int_equal(run_stop(&r, RUN_SHUTDOWN, T0 + 100 * S), 0);
	assert_int_equal(r.outcome, RUN_STOPPED);
	assert_int_equal(run_tick(&r, T0 + 2 * MIN), 0);
	assert_int_equal(run_tick(&r, T0 + 5 * MIN), 0);
}

static void test_stop_outcomes_are_recorded(void **state)
{
	static const enum run_outcome why[] = { RUN_STOPPED, RUN_FAULT,
						RUN_SHUTDOWN };

	(void)state;
	for (size_t i = 0; i < sizeof(why) / sizeof(why[0]); i++) {
		struct run r;

		run_init(&r);
		start_ok(&r, 0, 5 * MIN, MIN, T0);
		assert_int_equal(run_stop(&r, why[i], T0 + S),
				 RUN_DO_CLOSE_VALVE | RUN_DO_FINISH);
		assert_int_equal(r.outcome, why[i]);
	}
}

static void test_new_run_after_one_ends(void **state)
{
	struct run r;

	(void)state;
	run_init(&r);
	start_ok(&r, 0, 5 * MIN, MIN, T0);
	run_stop(&r, RUN_STOPPED, T0 + 30 * S);
	start_ok(&r, 1, 2 * MIN, 30 * S, T0 + MIN);
	assert_int_equal(r.zone, 1);
	assert_int_equal(run_elapsed_ns(&r, T0 + MIN), 0);
	assert_int_equal(run_remaining_ns(&r, T0 + MIN), 2 * MIN);
	assert_int_equal(run_next_wakeup(&r), T0 + MIN + 30 * S);
}

static void test_outcome_names(void **state)
{
	(void)state;
	assert_string_equal(run_outcome_name(RUN_COMPLETED), "completed");
	assert_string_equal(run_outcome_name(RUN_STOPPED), "stopped");
	assert_string_equal(run_outcome_name(RUN_FAULT), "fault");
	assert_string_equal(run_outcome_name(RUN_SHUTDOWN), "interrupted");
	assert_string_equal(run_outcome_name(RUN_SKIPPED), "skipped");
	assert_string_equal(run_outcome_name(RUN_ENDED_EARLY), "ended-early");
	assert_string_equal(run_outcome_name(RUN_HELD), "held");
	assert_string_equal(run_outcome_name(RUN_CAPPED), "capped");
	assert_string_equal(run_outcome_name((enum run_outcome)99), "unknown");
}

/* The state file stores outcomes by name: each must read back as itself. */
static void test_outcome_names_parse_back(void **state)
{
	enum run_outcome o;

	(void)state;
	for (int i = 0; i < RUN_OUTCOMES; i++) {
		const char *name = run_outcome_name((enum run_outcome)i);

		assert_string_not_equal(name, "unknown");
		o = (enum run_outcome)99;
		assert_int_equal(run_outcome_parse(name, &o), 0);
		assert_int_equal(o, i);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(name,
				run_outcome_name((enum run_outcome)j));
	}
	o = RUN_FAULT;
	assert_int_equal(run_outcome_parse("unknown", &o), -EINVAL);
	assert_int_equal(run_outcome_parse("", &o), -EINVAL);
	assert_int_equal(run_outcome_parse("Completed", &o), -EINVAL);
	assert_int_equal(run_outcome_parse("shutdown", &o), -EINVAL);
	assert_int_equal(o, RUN_FAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_does_nothing),
		cmocka_unit_test(test_start_opens_the_valve),
		cmocka_unit_test(test_second_start_is_busy),
		cmocka_unit_test(test_invalid_start),
		cmocka_unit_test(test_reports_every_interval_then_finishes),
		cmocka_unit_test(test_duration_not_a_multiple_of_interval),
		cmocka_unit_test(test_interval_longer_than_run),
		cmocka_unit_test(test_late_tick_reports_once),
		cmocka_unit_test(test_late_past_the_end_closes),
		cmocka_unit_test(test_stop_while_watering),
		cmocka_unit_test(test_stop_outcomes_are_recorded),
		cmocka_unit_test(test_new_run_after_one_ends),
		cmocka_unit_test(test_outcome_names),
		cmocka_unit_test(test_outcome_names_parse_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
