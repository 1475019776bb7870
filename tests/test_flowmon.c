/* Tests of flow monitoring at virtual time: which flows alarm, when, how often, and what a run teaches. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/flowmon.h"
#include "core/nsec.h"

#define S NS_PER_S
#define MS NS_PER_MS
/* Far from 0, so a clock that starts at boot cannot hide an underflow. */
#define T0 (1000 * S)
#define EXPECTED 20.0

static struct flow_limits limits(void)
{
	return (struct flow_limits){
		.expected_lpm = EXPECTED,
		.no_flow_fraction = 0.10,	/* below 2 L/min */
		.low_fraction = 0.70,		/* below 14 L/min */
		.high_fraction = 1.50,		/* above 30 L/min */
		.unknown_min_lpm = 1.0,
		.settle_ns = 30 * S,
		.alarm_delay_ns = 30 * S,
	};
}

static void watering(struct flow_monitor *m, uint64_t now)
{
	struct flow_limits lim = limits();

	flowmon_init(m);
	flowmon_watering(m, &lim, now);
}

/*
 * Samples rate once a second from `from` up to, not including, `to`,
 * as the caller's poll would; fails on any alarm.
 */
static void quiet(struct flow_monitor *m, double rate, uint64_t from,
		  uint64_t to)
{
	for (uint64_t t = from; t < to; t += S) {
		enum flow_alarm a = flowmon_sample(m, rate, 0.0, t);

		if (a != FLOW_ALARM_NONE)
			fail_msg("%s at %.3f s at %.1f L/min", flowmon_alarm_name(a),
				 (double)(t - T0) / 1e9, rate);
	}
}

static void assert_within(double got, double want, double tolerance)
{
	if (!(fabs(got - want) <= tolerance))
		fail_msg("got %.9f, want %.9f", got, want);
}

static void test_off_watches_nothing(void **state)
{
	struct flow_monitor m;

	(void)state;
	flowmon_init(&m);
	assert_int_equal(m.mode, FLOWMON_OFF);
	quiet(&m, 0.0, T0, T0 + 120 * S);
	quiet(&m, 1000.0, T0 + 120 * S, T0 + 240 * S);
	assert_true(flowmon_next_check(&m, T0) == UINT64_MAX);

	/* Off after watering: a pending no-flow never trips. */
	watering(&m, T0);
	quiet(&m, 0.0, T0 + 30 * S, T0 + 40 * S);
	flowmon_off(&m);
	quiet(&m, 0.0, T0 + 40 * S, T0 + 200 * S);
	assert_true(flowmon_next_check(&m, T0 + 200 * S) == UINT64_MAX);
}

static void test_good_flow_never_alarms(void **state)
{
	struct flow_monitor m;

	(void)state;
	watering(&m, T0);
	quiet(&m, 0.0, T0, T0 + 30 * S);		/* pipes filling */
	quiet(&m, EXPECTED, T0 + 30 * S, T0 + 3600 * S);
	quiet(&m, 14.5, T0 + 3600 * S, T0 + 3700 * S);	/* just above low */
	quiet(&m, 29.5, T0 + 3700 * S, T0 + 3800 * S);	/* just below high */
}

static void test_settle_suppresses_and_no_flow_trips_after_exactly_the_delay(void **state)
{
	struct flow_monitor m;

	(void)state;
	watering(&m, T0);
	/* No flow all through the settle: no alarm, and no delay counted. */
	quiet(&m, 0.0, T0, T0 + 30 * S);
	assert_int_equal(m.pending, FLOW_ALARM_NONE);
	/* The delay starts at the first sample after the settle. */
	quiet(&m, 0.0, T0 + 30 * S, T0 + 60 * S);
	assert_int_equal(flowmon_sample(&m, 0.0, 0.0, T0 + 60 * S - 1),
			 FLOW_ALARM_NONE);
	assert_int_equal(flowmon_sample(&m, 0.0, 0.0, T0 + 60 * S),
			 FLOW_ALARM_NO_FLOW);
}

static void test_alarm_is_returned_once_until_the_mode_is_entered_again(void **state)
{
	struct flow_monitor m;
	struct flow_limits lim = limits();

	(void)state;
	watering(&m, T0);
	quiet(&m, 50.0, T0 + 30 * S, T0 + 60 * S);
	assert_int_equal(flowmon_sample(&m, 50.0, 0.0, T0 + 60 * S),
			 FLOW_ALARM_HIGH);
	/* Still far too much, or none at all: the caller was told already. */
	quiet(&m, 50.0, T0 + 61 * S, T0 + 200 * S);
	quiet(&m, 0.0, T0 + 200 * S, T0 + 400 * S);
	assert_true(flowmon_next_check(&m, T0 + 400 * S) == UINT64_MAX);

	/* The next run is watched afresh, settle and all. */
	flowmon_watering(&m, &lim, T0 + 500 * S);
	quiet(&m, 50.0, T0 + 500 * S, T0 + 560 * S);
	assert_int_equal(flowmon_sample(&m, 50.0, 0.0, T0 + 560 * S),
			 FLOW_ALARM_HIGH);
}

static void test_a_spike_shorter_than_the_delay_does_not_trip(void **state)
{
	struct flow_monitor m;

	(void)state;
	watering(&m, T0);
	quiet(&m, EXPECTED, T0, T0 + 40 * S);
	/* 29 s of a surge, then normal again. */
	quiet(&m, 45.0, T0 + 40 * S, T0 + 69 * S);
	quiet(&m, EXPECTED, T0 + 69 * S, T0 + 200 * S);
	/* A second surge starts its own delay from nothing. */
	quiet(&m, 45.0, T0 + 200 * S, T0 + 230 * S);
	assert_int_equal(flowmon_sample(&m, 45.0, 0.0, T0 + 230 * S),
			 FLOW_ALARM_HIGH);
}

static void test_flow_coming_back_clears_a_pending_no_flow(void **state)
{
	struct flow_monitor m;

	(void)state;
	watering(&m, T0);
	quiet(&m, 0.0, T0 + 30 * S, T0 + 50 * S);
	assert_int_equal(m.pending, FLOW_ALARM_NO_FLOW);
	assert_int_equal(flowmon_sample(&m, EXPECTED, 0.0, T0 + 50 * S),
			 FLOW_ALARM_NONE);
	assert_int_equal(m.pending, FLOW_ALARM_NONE);
	/* Stopping again at 55 s trips 30 s after that, not at 60 s. */
	quiet(&m, 0.0, T0 + 55 * S, T0 + 85 * S);
	assert_int_equal(flowmon_sample(&m, 0.0, 0.0, T0 + 85 * S),
			 FLOW_ALARM_NO_FLOW);
}

static void test_a_pending_condition_started_in_the_settle_is_forgotten(void **state)
{
	struct flow_monitor m;
	struct flow_limits lim = limits();

	(void)state;
	/* A run without a settle starts its delay at once... */
	lim.settle_ns = 0;
	flowmon_init(&m);
	flowmon_watering(&m, &lim, T0);
	quiet(&m, 0.0, T0, T0 + 30 * S);
	assert_int_equal(flowmon_sample(&m, 0.0, 0.0, T0 + 30 * S),
			 FLOW_ALARM_NO_FLOW);
	/* ...and a settle that ends at 30 s makes it start there. */
	watering(&m, T0);
	quiet(&m, 0.0, T0, T0 + 59 * S);
	assert_int_equal(flowmon_sample(&m, 0.0, 0.0, T0 + 60 * S),
			 FLOW_ALARM_NO_FLOW);
}

static void test_low_flow_warns_once_and_watering_goes_on(void **state)
{
	struct flow_monitor m;

	(void)state;
	watering(&m, T0);
	quiet(&m, 10.0, T0 + 30 * S, T0 + 60 * S);
	assert_int_equal(flowmon_sample(&m, 10.0, 0.0, T0 + 60 * S),
			 FLOW_ALARM_LOW);
	quiet(&m, 10.0, T0 + 61 * S, T0 + 600 * S);
	/* Better for a while, then low again: still the one warning a run. */
	quiet(&m, EXPECTED, T0 + 600 * S, T0 + 700 * S);
	quiet(&m, 10.0, T0 + 700 * S, T0 + 900 * S);
	/* Low does not silence the faults: too much still trips. */
	quiet(&m, 40.0, T0 + 900 * S, T0 + 930 * S);
	assert_int_equal(flowmon_sample(&m, 40.0, 0.0, T0 + 930 * S),
			 FLOW_ALARM_HIGH);
}

static void test_low_turning_into_no_flow_starts_its_delay_at_no_flow(void **state)
{
	struct flow_monitor m;

	(void)state;
	watering(&m, T0);
	/* Low for 20 s, not yet warned, then stopping altogether. */
	quiet(&m, 10.0, T0 + 30 * S, T0 + 50 * S);
	quiet(&m, 0.5, T0 + 50 * S, T0 + 80 * S);
	assert_int_equal(flowmon_sample(&m, 0.5, 0.0, T0 + 80 * S),
			 FLOW_ALARM_NO_FLOW);

	/* The same after the low warning. */
	watering(&m, T0);
	quiet(&m, 10.0, T0 + 30 * S, T0 + 60 * S);
	assert_int_equal(flowmon_sample(&m, 10.0, 0.0, T0 + 60 * S),
			 FLOW_ALARM_LOW);
	quiet(&m, 10.0, T0 + 61 * S, T0 + 100 * S);
	quiet(&m, 0.0, T0 + 100 * S, T0 + 130 * S);
	assert_int_equal(flowmon_sample(&m, 0.0, 0.0, T0 + 130 * S),
			 FLOW_ALARM_NO_FLOW);
}

static void test_a_zero_delay_alarms_on_the_first_sample_after_the_settle(void **state)
{
	struct flow_monitor m;
	struct flow_limits lim = limits();

	(void)state;
	lim.alarm_delay_ns = 0;
	flowmon_init(&m);
	flowmon_watering(&m, &lim, T0);
	quiet(&m, 100.0, T0, T0 + 30 * S);
	assert_int_equal(flowmon_sample(&m, 100.0, 0.0, T0 + 30 * S),
			 FLOW_ALARM_HIGH);

	flowmon_watering(&m, &lim, T0 + 100 * S);
	quiet(&m, EXPECTED, T0 + 100 * S, T0 + 200 * S);
	assert_int_equal(flowmon_sample(&m, 10.0, 0.0, T0 + 200 * S),
			 FLOW_ALARM_LOW);
	assert_int_equal(flowmon_sample(&m, 1.0, 0.0, T0 + 201 * S),
			 FLOW_ALARM_NO_FLOW);
}

static void test_an_unknown_flow_only_checks_the_floor(void **state)
{
	struct flow_monitor m;
	struct flow_limits lim = limits();

	(void)state;
	lim.expected_lpm = 0.0;
	flowmon_init(&m);
	flowmon_watering(&m, &lim, T0);
	/* Whatever it draws above the floor is fine while nothing is known. */
	quiet(&m, 500.0, T0 + 30 * S, T0 + 200 * S);
	quiet(&m, 1.5, T0 + 200 * S, T0 + 400 * S);
	quiet(&m, 0.5, T0 + 400 * S, T0 + 430 * S);
	assert_int_equal(flowmon_sample(&m, 0.5, 0.0, T0 + 430 * S),
			 FLOW_ALARM_NO_FLOW);
}

static void test_a_missing_reading_changes_no_condition(void **state)
{
	struct flow_monitor m;

	(void)state;
	watering(&m, T0);
	quiet(&m, 0.0, T0 + 30 * S, T0 + 45 * S);
	quiet(&m, NAN, T0 + 45 * S, T0 + 60 * S);
	assert_int_equal(flowmon_sample(&m, 0.0, 0.0, T0 + 60 * S),
			 FLOW_ALARM_NO_FLOW);
}

static void test_leak_only_after_its_settle_and_delay(void **state)
{
	struct flow_monitor m;

	(void)state;
	flowmon_init(&m);
	flowmon_closed(&m, 0.5, 10 * S, 20 * S, T0);
	assert_int_equal(m.mode, FLOWMON_CLOSED);
	/* Pipes draining after the valve closed. */
	quiet(&m, 3.0, T0, T0 + 10 * S);
	assert_true(flowmon_next_check(&m, T0 + 9 * S) == UINT64_MAX);
	quiet(&m, 3.0, T0 + 10 * S, T0 + 30 * S);
	assert_true(flowmon_next_check(&m, T0 + 29 * S) == T0 + 30 * S);
	assert_int_equal(flowmon_sample(&m, 3.0, 0.0, T0 + 30 * S - 1),
			 FLOW_ALARM_NONE);
	assert_int_equal(flowmon_sample(&m, 3.0, 0.0, T0 + 30 * S),
			 FLOW_ALARM_LEAK);
	quiet(&m, 3.0, T0 + 31 * S, T0 + 300 * S);
	assert_true(flowmon_next_check(&m, T0 + 300 * S) == UINT64_MAX);
}

static void test_a_drip_at_the_leak_threshold_is_no_leak(void **state)
{
	struct flow_monitor m;

	(void)state;
	flowmon_init(&m);
	flowmon_closed(&m, 0.5, 10 * S, 20 * S, T0);
	quiet(&m, 0.5, T0, T0 + 3600 * S);
	quiet(&m, 0.0, T0 + 3600 * S, T0 + 7200 * S);
	/* A leak that stops before its delay clears too. */
	quiet(&m, 2.0, T0 + 7200 * S, T0 + 7215 * S);
	quiet(&m, 0.0, T0 + 7215 * S, T0 + 7300 * S);
	assert_true(flowmon_next_check(&m, T0 + 7300 * S) == UINT64_MAX);
}

static void test_next_check_while_watering(void **state)
{
	struct flow_monitor m;

	(void)state;
	watering(&m, T0);
	/* Nothing can trip in the settle: wake at its end. */
	assert_true(flowmon_next_check(&m, T0) == T0 + 30 * S);
	assert_true(flowmon_next_check(&m, T0 + 29 * S) == T0 + 30 * S);
	/* After it, once a second, since a stopped flow makes no pulses. */
	flowmon_sample(&m, EXPECTED, 0.0, T0 + 30 * S);
	assert_true(flowmon_next_check(&m, T0 + 31 * S) == T0 + 32 * S);
	/* A pending condition due within the second: exactly when it is due. */
	flowmon_sample(&m, 0.0, 0.0, T0 + 40 * S);
	assert_true(flowmon_next_check(&m, T0 + 40 * S) == T0 + 41 * S);
	assert_true(flowmon_next_check(&m, T0 + 69 * S + 600 * MS) ==
		    T0 + 70 * S);
	/* Overdue: now, never in the past. */
	assert_true(flowmon_next_check(&m, T0 + 75 * S) == T0 + 75 * S);
	/* Sampling at that time trips it. */
	assert_int_equal(flowmon_sample(&m, 0.0, 0.0, T0 + 70 * S),
			 FLOW_ALARM_NO_FLOW);
	assert_true(flowmon_next_check(&m, T0 + 70 * S) == UINT64_MAX);
}

static void test_next_check_after_a_low_warning_keeps_polling(void **state)
{
	struct flow_monitor m;

	(void)state;
	watering(&m, T0);
	quiet(&m, 10.0, T0 + 30 * S, T0 + 60 * S);
	assert_int_equal(flowmon_sample(&m, 10.0, 0.0, T0 + 60 * S),
			 FLOW_ALARM_LOW);
	/* Warned, but no-flow may still come: no busy loop, no sleep. */
	assert_true(flowmon_next_check(&m, T0 + 60 * S) == T0 + 61 * S);
	assert_true(flowmon_next_check(&m, T0 + 500 * S) == T0 + 501 * S);
}

static void test_settled_mean_counts_only_after_the_settle(void **state)
{
	struct flow_monitor m;
	double lpm = -1.0;

	(void)state;
	watering(&m, T0);
	assert_false(flowmon_settled_mean(&m, 0, &lpm));
	/* 40 L/min in the settle (air, filling), 12 L/min after it. */
	flowmon_sample(&m, 40.0, 40.0 / 60.0 * 20.0, T0 + 20 * S);
	/* 20..40 s: half before the settle's end, half after. */
	flowmon_sample(&m, 12.0, 12.0 / 60.0 * 20.0, T0 + 40 * S);
	assert_true(flowmon_settled_mean(&m, 10 * S, &lpm));
	assert_within(lpm, 12.0, 1e-9);
	assert_false(flowmon_settled_mean(&m, 10 * S + 1, &lpm));
	for (int i = 1; i <= 50; i++)
		flowmon_sample(&m, 12.0, 12.0 / 60.0, T0 + 40 * S + (uint64_t)i * S);
	assert_true(flowmon_settled_mean(&m, 60 * S, &lpm));
	assert_within(lpm, 12.0, 1e-9);
	assert_false(flowmon_settled_mean(&m, 61 * S, &lpm));

	/* Closing keeps the run's figures, for learning after it. */
	flowmon_closed(&m, 0.5, 10 * S, 20 * S, T0 + 91 * S);
	flowmon_sample(&m, 5.0, 1.0, T0 + 95 * S);
	lpm = -1.0;
	assert_true(flowmon_settled_mean(&m, 60 * S, &lpm));
	assert_within(lpm, 12.0, 1e-9);
	/* The next run starts from nothing. */
	watering(&m, T0 + 200 * S);
	assert_false(flowmon_settled_mean(&m, 0, &lpm));
}

static void test_settled_mean_of_a_run_cut_short_by_the_settle(void **state)
{
	struct flow_monitor m;
	double lpm = -1.0;

	(void)state;
	watering(&m, T0);
	flowmon_sample(&m, 20.0, 5.0, T0 + 15 * S);
	flowmon_sample(&m, 20.0, 5.0, T0 + 30 * S);
	assert_false(flowmon_settled_mean(&m, 0, &lpm));
	assert_true(lpm == -1.0);
}

static void test_alarm_names(void **state)
{
	(void)state;
	assert_string_equal(flowmon_alarm_name(FLOW_ALARM_NONE), "none");
	assert_string_equal(flowmon_alarm_name(FLOW_ALARM_LOW), "low-flow");
	assert_string_equal(flowmon_alarm_name(FLOW_ALARM_NO_FLOW), "no-flow");
	assert_string_equal(flowmon_alarm_name(FLOW_ALARM_HIGH), "high-flow");
	assert_string_equal(flowmon_alarm_name(FLOW_ALARM_LEAK), "leak");
	assert_string_equal(flowmon_alarm_name((enum flow_alarm)99), "unknown");
}

static void test_learned_median_of_one_to_five_runs(void **state)
{
	static const double runs[] = { 12.0, 30.0, 11.0, 13.0, 100.0 };
	static const double medians[] = { 12.0, 21.0, 12.0, 12.5, 13.0 };
	struct flow_learned l = { 0 };

	(void)state;
	assert_true(flow_learned_median(&l) == 0.0);
	for (size_t i = 0; i < 5; i++) {
		flow_learned_add(&l, runs[i]);
		assert_int_equal(l.len, i + 1);
		if (flow_learned_median(&l) != medians[i])
			fail_msg("%zu runs: median %g, want %g", i + 1,
				 flow_learned_median(&l), medians[i]);
	}
}

static void test_learned_ring_drops_the_oldest(void **state)
{
	struct flow_learned l = { 0 };

	(void)state;
	/* Two odd old runs, then the zone's real flow. */
	flow_learned_add(&l, 50.0);
	flow_learned_add(&l, 50.0);
	flow_learned_add(&l, 10.0);
	flow_learned_add(&l, 10.0);
	flow_learned_add(&l, 50.0);
	assert_true(flow_learned_median(&l) == 50.0);
	flow_learned_add(&l, 10.0);	/* drops the first 50 */
	assert_int_equal(l.len, FLOW_LEARN_RUNS);
	assert_true(flow_learned_median(&l) == 10.0);
	for (int i = 0; i < 12; i++)
		flow_learned_add(&l, 7.0 + i);
	assert_int_equal(l.len, FLOW_LEARN_RUNS);
	/* the last five: 14..18 */
	assert_true(flow_learned_median(&l) == 16.0);
}

static void test_learned_ignores_what_is_no_flow(void **state)
{
	struct flow_learned l = { 0 };

	(void)state;
	flow_learned_add(&l, 12.0);
	flow_learned_add(&l, NAN);
	flow_learned_add(&l, INFINITY);
	flow_learned_add(&l, -INFINITY);
	flow_learned_add(&l, -3.0);
	flow_learned_add(&l, 0.0);
	flow_learned_add(&l, -0.0);
	flow_learned_add(&l, FLOW_LEARN_MIN_LPM / 2);
	flow_learned_add(&l, FLOW_LEARN_MAX_LPM * 2);
	assert_int_equal(l.len, 1);
	assert_true(flow_learned_median(&l) == 12.0);
	flow_learned_add(&l, FLOW_LEARN_MIN_LPM);
	assert_int_equal(l.len, 2);
}

/* ---- the garden's ceiling ---- */

static void test_the_ceiling_alarms_before_anything_is_learned(void **state)
{
	struct flow_monitor m;
	struct flow_limits lim = limits();

	(void)state;
	lim.expected_lpm = 0.0;
	lim.max_lpm = 30.0;
	flowmon_init(&m);
	flowmon_watering(&m, &lim, T0);
	/* Up to the ceiling, anything goes while nothing is known. */
	quiet(&m, 30.0, T0 + 30 * S, T0 + 100 * S);
	quiet(&m, 36.0, T0 + 100 * S, T0 + 130 * S);
	assert_int_equal(flowmon_sample(&m, 36.0, 0.0, T0 + 130 * S),
			 FLOW_ALARM_ABOVE_MAX);
	assert_string_equal(flowmon_alarm_name(FLOW_ALARM_ABOVE_MAX), "high-flow");
}

static void test_the_ceiling_holds_over_a_known_flow_too(void **state)
{
	struct flow_monitor m;
	struct flow_limits lim = limits();

	(void)state;
	lim.high_fraction = 10.0;	/* the zone's own: 200 L/min */
	lim.max_lpm = 25.0;
	flowmon_init(&m);
	flowmon_watering(&m, &lim, T0);
	quiet(&m, 26.0, T0 + 30 * S, T0 + 60 * S);
	assert_int_equal(flowmon_sample(&m, 26.0, 0.0, T0 + 60 * S),
			 FLOW_ALARM_ABOVE_MAX);
}

static void test_a_flow_climbing_past_the_ceiling_keeps_its_delay(void **state)
{
	struct flow_monitor m;
	struct flow_limits lim = limits();

	(void)state;
	lim.max_lpm = 40.0;
	flowmon_init(&m);
	flowmon_watering(&m, &lim, T0);
	/* Above 150 % of 20 from 30 s, above the ceiling from 40 s. */
	quiet(&m, 35.0, T0 + 30 * S, T0 + 40 * S);
	quiet(&m, 45.0, T0 + 40 * S, T0 + 60 * S);
	assert_int_equal(flowmon_sample(&m, 45.0, 0.0, T0 + 60 * S),
			 FLOW_ALARM_ABOVE_MAX);
}

/* ---- what a run teaches ---- */

/*
 * Waters at rates[i] L/min during second i after the settle (30 s),
 * sampled once a second with the litres of that second, then closes.
 */
static void water_run(struct flow_monitor *m, const struct flow_limits *lim,
		      const double *rates, size_t n)
{
	uint64_t t = T0 + 30 * S;

	flowmon_init(m);
	flowmon_watering(m, lim, T0);
	flowmon_sample(m, rates[0], 0.0, t);
	for (size_t i = 0; i < n; i++) {
		t += S;
		flowmon_sample(m, rates[i], rates[i] / 60.0, t);
	}
	flowmon_closed(m, 0.5, 30 * S, 30 * S, t);
}

static void steady(double *rates, size_t n, double lpm)
{
	for (size_t i = 0; i < n; i++)
		rates[i] = lpm;
}

static void test_a_completed_steady_run_teaches(void **state)
{
	struct flow_limits lim = limits();
	struct flow_run_figures fig;
	struct flow_monitor m;
	double rates[60];

	(void)state;
	steady(rates, 60, 20.0);
	/* A little wobble of the supply's pressure is steady. */
	for (size_t i = 0; i < 60; i += 2)
		rates[i] = 21.0;
	water_run(&m, &lim, rates, 60);
	assert_int_equal(flowmon_lesson(&m, RUN_COMPLETED, 30 * S, &fig),
			 FLOW_LESSON_LEARNED);
	assert_within(fig.mean_lpm, 20.5, 1e-9);
	assert_within(fig.min_lpm, 20.4, 1e-9);
	assert_within(fig.max_lpm, 20.6, 1e-9);
	assert_string_equal(flowmon_lesson_name(FLOW_LESSON_LEARNED), "learned");
}

/* A person who stops a run may have seen a burst: only completed runs teach. */
static void test_only_a_completed_run_teaches(void **state)
{
	static const enum run_outcome others[] = {
		RUN_STOPPED, RUN_FAULT, RUN_SHUTDOWN, RUN_ENDED_EARLY, RUN_CAPPED,
	};
	struct flow_limits lim = limits();
	struct flow_run_figures fig;
	struct flow_monitor m;
	double rates[60];

	(void)state;
	steady(rates, 60, 24.0);
	water_run(&m, &lim, rates, 60);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		assert_int_equal(flowmon_lesson(&m, others[i], 30 * S, &fig),
				 FLOW_LESSON_NOT_COMPLETED);
		/* The figures all the same, to say what it drew. */
		assert_within(fig.mean_lpm, 24.0, 1e-9);
	}
}

static void test_a_short_run_teaches_nothing(void **state)
{
	struct flow_limits lim = limits();
	struct flow_monitor m;
	double rates[30];

	(void)state;
	steady(rates, 30, 20.0);
	water_run(&m, &lim, rates, 29);
	assert_int_equal(flowmon_lesson(&m, RUN_COMPLETED, 30 * S, NULL),
			 FLOW_LESSON_TOO_SHORT);
	water_run(&m, &lim, rates, 30);
	assert_int_equal(flowmon_lesson(&m, RUN_COMPLETED, 30 * S, NULL),
			 FLOW_LESSON_LEARNED);
	/* Less than one steadiness window cannot say it was steady. */
	water_run(&m, &lim, rates, 4);
	assert_int_equal(flowmon_lesson(&m, RUN_COMPLETED, 0, NULL),
			 FLOW_LESSON_TOO_SHORT);
	/* Cut off by the settle: nothing at all after it. */
	water_run(&m, &lim, rates, 0);
	assert_int_equal(flowmon_lesson(&m, RUN_COMPLETED, 0, NULL),
			 FLOW_LESSON_TOO_SHORT);
}

static void test_a_run_that_warned_of_low_flow_teaches_nothing(void **state)
{
	struct flow_limits lim = limits();
	struct flow_monitor m;
	double rates[60];

	(void)state;
	steady(rates, 60, 12.0);	/* below 70 % of 20 */
	water_run(&m, &lim, rates, 60);
	assert_true(m.low_warned);
	assert_int_equal(flowmon_lesson(&m, RUN_COMPLETED, 30 * S, NULL),
			 FLOW_LESSON_LOW_FLOW);
}

/* A pipe that bursts half way through changes the flow: no lesson. */
static void test_an_unsteady_run_teaches_nothing(void **state)
{
	struct flow_limits lim = limits();
	struct flow_run_figures fig;
	struct flow_monitor m;
	double rates[60];

	(void)state;
	lim.expected_lpm = 0.0;
	steady(rates, 30, 12.0);
	steady(rates + 30, 30, 18.0);
	water_run(&m, &lim, rates, 60);
	assert_int_equal(flowmon_lesson(&m, RUN_COMPLETED, 30 * S, &fig),
			 FLOW_LESSON_UNSTEADY);
	assert_within(fig.min_lpm, 12.0, 1e-9);
	assert_within(fig.max_lpm, 18.0, 1e-9);
	assert_within(fig.mean_lpm, 15.0, 1e-9);
	/* 20 % of the mean apart is steady still; more is not. */
	steady(rates, 30, 10.0);
	steady(rates + 30, 30, 12.2);
	water_run(&m, &lim, rates, 60);
	assert_int_equal(flowmon_lesson(&m, RUN_COMPLETED, 30 * S, NULL),
			 FLOW_LESSON_LEARNED);
	steady(rates + 30, 30, 12.3);
	water_run(&m, &lim, rates, 60);
	assert_int_equal(flowmon_lesson(&m, RUN_COMPLETED, 30 * S, NULL),
			 FLOW_LESSON_UNSTEADY);
	/* A flow that stopped for a window is no steady flow either. */
	steady(rates, 60, 12.0);
	steady(rates + 20, 5, 0.0);
	water_run(&m, &lim, rates, 60);
	assert_int_equal(flowmon_lesson(&m, RUN_COMPLETED, 30 * S, NULL),
			 FLOW_LESSON_UNSTEADY);
}

/* Steady above the ceiling, yet shorter than the alarm delay: no lesson. */
static void test_a_flow_above_the_ceiling_teaches_nothing(void **state)
{
	struct flow_limits lim = limits();
	struct flow_monitor m;
	double rates[30];

	(void)state;
	lim.expected_lpm = 0.0;
	lim.max_lpm = 10.0;
	lim.alarm_delay_ns = 60 * S;
	steady(rates, 30, 12.0);
	water_run(&m, &lim, rates, 30);
	assert_int_equal(flowmon_lesson(&m, RUN_COMPLETED, 30 * S, NULL),
			 FLOW_LESSON_ABOVE_MAX);
}

/* ---- runs far from the learned flow must agree ---- */

static void test_a_near_run_joins_the_learned_flow(void **state)
{
	struct flow_learned l = { 0 };

	(void)state;
	/* Nothing learned: the first run is taken (the ceiling guards it). */
	assert_int_equal(flow_learned_offer(&l, 12.0), FLOW_OFFER_ADDED);
	assert_true(flow_learned_median(&l) == 12.0);
	/* Within 25 % of the median either way is near. */
	assert_int_equal(flow_learned_offer(&l, 15.0), FLOW_OFFER_ADDED);
	assert_int_equal(flow_learned_offer(&l, 11.0), FLOW_OFFER_ADDED);
	assert_int_equal(l.len, 3);
	assert_true(flow_learned_median(&l) == 12.0);
	assert_int_equal(flow_learned_offer(&l, NAN), FLOW_OFFER_IGNORED);
	assert_int_equal(flow_learned_offer(&l, 0.0), FLOW_OFFER_IGNORED);
	assert_int_equal(l.len, 3);
}

static void test_a_far_flow_replaces_it_once_runs_agree(void **state)
{
	struct flow_learned l = { 0 };

	(void)state;
	flow_learned_offer(&l, 12.0);
	flow_learned_offer(&l, 12.0);
	/* A burst of 36 L/min, however many times, moves nothing yet... */
	assert_int_equal(flow_learned_offer(&l, 36.0), FLOW_OFFER_CANDIDATE);
	assert_int_equal(l.n_candidates, 1);
	assert_true(flow_learned_median(&l) == 12.0);
	assert_int_equal(flow_learned_offer(&l, 35.0), FLOW_OFFER_CANDIDATE);
	assert_int_equal(l.n_candidates, 2);
	assert_true(flow_learned_median(&l) == 12.0);
	/* ...until three in a row agree (within 10 % of the first). */
	assert_int_equal(flow_learned_offer(&l, 38.0), FLOW_OFFER_REPLACED);
	assert_int_equal(l.n_candidates, 0);
	assert_int_equal(l.len, FLOW_LEARN_AGREE);
	assert_true(flow_learned_median(&l) == 36.0);
}

static void test_far_runs_that_do_not_agree_in_a_row_change_nothing(void **state)
{
	struct flow_learned l = { 0 };

	(void)state;
	flow_learned_offer(&l, 12.0);
	flow_learned_offer(&l, 20.0);
	flow_learned_offer(&l, 20.0);
	/* A near run ends the row. */
	assert_int_equal(flow_learned_offer(&l, 12.5), FLOW_OFFER_ADDED);
	assert_int_equal(l.n_candidates, 0);
	assert_int_equal(flow_learned_offer(&l, 20.0), FLOW_OFFER_CANDIDATE);
	/* One that disagrees with the row starts a new one. */
	assert_int_equal(flow_learned_offer(&l, 30.0), FLOW_OFFER_CANDIDATE);
	assert_int_equal(l.n_candidates, 1);
	assert_true(l.candidate[0] == 30.0);
	assert_int_equal(flow_learned_offer(&l, 20.0), FLOW_OFFER_CANDIDATE);
	assert_int_equal(flow_learned_offer(&l, 6.0), FLOW_OFFER_CANDIDATE);
	assert_int_equal(l.n_candidates, 1);
	assert_true(flow_learned_median(&l) == 12.25);
}

/* irrigctl learn: a person asked, so no runs need to agree. */
static void test_a_learning_run_sets_the_flow_at_once(void **state)
{
	struct flow_learned l = { 0 };

	(void)state;
	flow_learned_offer(&l, 12.0);
	flow_learned_offer(&l, 12.0);
	flow_learned_offer(&l, 20.0);
	assert_int_equal(flow_learned_set(&l, 20.0), 0);
	assert_int_equal(l.len, 1);
	assert_int_equal(l.n_candidates, 0);
	assert_true(flow_learned_median(&l) == 20.0);
	assert_int_equal(flow_learned_set(&l, NAN), -EINVAL);
	assert_int_equal(flow_learned_set(&l, 0.0), -EINVAL);
	assert_int_equal(flow_learned_set(&l, FLOW_LEARN_MAX_LPM * 2), -EINVAL);
	assert_true(flow_learned_median(&l) == 20.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_watches_nothing),
		cmocka_unit_test(test_good_flow_never_alarms),
		cmocka_unit_test(test_settle_suppresses_and_no_flow_trips_after_exactly_the_delay),
		cmocka_unit_test(test_alarm_is_returned_once_until_the_mode_is_entered_again),
		cmocka_unit_test(test_a_spike_shorter_than_the_delay_does_not_trip),
		cmocka_unit_test(test_flow_coming_back_clears_a_pending_no_flow),
		cmocka_unit_test(test_a_pending_condition_started_in_the_settle_is_forgotten),
		cmocka_unit_test(test_low_flow_warns_once_and_watering_goes_on),
		cmocka_unit_test(test_low_turning_into_no_flow_starts_its_delay_at_no_flow),
		cmocka_unit_test(test_a_zero_delay_alarms_on_the_first_sample_after_the_settle),
		cmocka_unit_test(test_an_unknown_flow_only_checks_the_floor),
		cmocka_unit_test(test_a_missing_reading_changes_no_condition),
		cmocka_unit_test(test_leak_only_after_its_settle_and_delay),
		cmocka_unit_test(test_a_drip_at_the_leak_threshold_is_no_leak),
		cmocka_unit_test(test_next_check_while_watering),
		cmocka_unit_test(test_next_check_after_a_low_warning_keeps_polling),
		cmocka_unit_test(test_settled_mean_counts_only_after_the_settle),
		cmocka_unit_test(test_settled_mean_of_a_run_cut_short_by_the_settle),
		cmocka_unit_test(test_alarm_names),
		cmocka_unit_test(test_learned_median_of_one_to_five_runs),
		cmocka_unit_test(test_learned_ring_drops_the_oldest),
		cmocka_unit_test(test_learned_ignores_what_is_no_flow),
		cmocka_unit_test(test_the_ceiling_alarms_before_anything_is_learned),
		cmocka_unit_test(test_the_ceiling_holds_over_a_known_flow_too),
		cmocka_unit_test(test_a_flow_climbing_past_the_ceiling_keeps_its_delay),
		cmocka_unit_test(test_a_completed_steady_run_teaches),
		cmocka_unit_test(test_only_a_completed_run_teaches),
		cmocka_unit_test(test_a_short_run_teaches_nothing),
		cmocka_unit_test(test_a_run_that_warned_of_low_flow_teaches_nothing),
		cmocka_unit_test(test_an_unsteady_run_teaches_nothing),
		cmocka_unit_test(test_a_flow_above_the_ceiling_teaches_nothing),
		cmocka_unit_test(test_a_near_run_joins_the_learned_flow),
		cmocka_unit_test(test_a_far_flow_replaces_it_once_runs_agree),
		cmocka_unit_test(test_far_runs_that_do_not_agree_in_a_row_change_nothing),
		cmocka_unit_test(test_a_learning_run_sets_the_flow_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
