/* Tests of flow accounting at virtual time: the litres and L/min a user is shown. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/flowacct.h"
#include "core/nsec.h"

#define PPL 450.0		/* YF-S201 */
#define S NS_PER_S
#define MS NS_PER_MS

/* Pulses at hz for n edges, the first at t0; returns the time of the last. */
static uint64_t pulse(struct flow_acct *a, double hz, uint64_t t0, uint64_t n)
{
	uint64_t ts = t0;

	for (uint64_t i = 0; i < n; i++) {
		ts = t0 + (uint64_t)llround((double)i * 1e9 / hz);
		flow_acct_edge(a, ts);
	}
	return ts;
}

static double lpm_of(double hz)
{
	return hz / PPL * 60.0;
}

static void assert_within(double got, double want, double fraction)
{
	if (!(fabs(got - want) <= fabs(want) * fraction))
		fail_msg("got %.6f, want %.6f within %.3f %%", got, want,
			 fraction * 100.0);
}

static void test_nothing_counted(void **state)
{
	struct flow_acct a;

	(void)state;
	flow_acct_init(&a, PPL);
	assert_int_equal(flow_acct_pulses(&a), 0);
	assert_float_equal(flow_acct_litres_since(&a, 0), 0.0, 0);
	assert_float_equal(flow_acct_rate_lpm(&a, 0), 0.0, 0);
	assert_float_equal(flow_acct_rate_lpm(&a, 100 * S), 0.0, 0);
}

static void test_litres(void **state)
{
	struct flow_acct a;

	(void)state;
	flow_acct_init(&a, PPL);
	pulse(&a, 100.0, S, 450);
	assert_int_equal(flow_acct_pulses(&a), 450);
	assert_float_equal(flow_acct_litres_since(&a, 0), 1.0, 1e-12);
	pulse(&a, 100.0, 10 * S, 225);
	assert_float_equal(flow_acct_litres_since(&a, 0), 1.5, 1e-12);
	/* A run's water is counted from the pulse total when it started. */
	assert_float_equal(flow_acct_litres_since(&a, 450), 0.5, 1e-12);
	assert_float_equal(flow_acct_litres_since(&a, 675), 0.0, 0);
	/* A mark from the future (a reset meter) must not give negative litres. */
	assert_float_equal(flow_acct_litres_since(&a, 1000), 0.0, 0);
}

static void test_steady_rate(void **state)
{
	struct flow_acct a;
	uint64_t last;

	(void)state;
	flow_acct_init(&a, PPL);
	/* 150 Hz for 10 s: 20.0 L/min at 450 pulses per litre. */
	last = pulse(&a, 150.0, 5 * S, 1500);
	assert_within(flow_acct_rate_lpm(&a, last), 20.0, 0.005);
	assert_within(flow_acct_rate_lpm(&a, last + S), 20.0, 0.005);
	assert_within(flow_acct_rate_lpm(&a, last + FLOW_STALE_NS), 20.0, 0.005);
}

static void test_rate_before_a_full_window(void **state)
{
	struct flow_acct a;
	uint64_t last;

	(void)state;
	flow_acct_init(&a, PPL);
	/* Half a second of flow: the window is not complete, the edges say enough. */
	last = pulse(&a, 150.0, 5 * S, 75);
	assert_true(last - 5 * S < FLOW_RATE_WINDOW_NS);
	assert_within(flow_acct_rate_lpm(&a, last), lpm_of(150.0), 0.005);
	/* Two edges already give the rate. */
	flow_acct_init(&a, PPL);
	last = pulse(&a, 150.0, 5 * S, 2);
	assert_within(flow_acct_rate_lpm(&a, last), lpm_of(150.0), 0.005);
}

static void test_rate_goes_stale(void **state)
{
	struct flow_acct a;
	uint64_t last;

	(void)state;
	flow_acct_init(&a, PPL);
	last = pulse(&a, 150.0, 5 * S, 1500);
	assert_true(flow_acct_rate_lpm(&a, last + FLOW_STALE_NS) > 0.0);
	assert_float_equal(flow_acct_rate_lpm(&a, last + FLOW_STALE_NS + 1), 0.0, 0);
	assert_float_equal(flow_acct_rate_lpm(&a, last + 3600 * S), 0.0, 0);
	/* Litres stay counted when the rate is gone. */
	assert_float_equal(flow_acct_litres_since(&a, 0), 1500 / PPL, 1e-12);
}

static void test_restart_forgets_old_window(void **state)
{
	struct flow_acct a;
	uint64_t last;

	(void)state;
	flow_acct_init(&a, PPL);
	last = pulse(&a, 150.0, 5 * S, 1500);
	assert_within(flow_acct_rate_lpm(&a, last), 20.0, 0.005);
	/* Valve closed for a minute, then another zone at a third of the flow. */
	last = pulse(&a, 50.0, last + 60 * S, 25);
	assert_within(flow_acct_rate_lpm(&a, last), lpm_of(50.0), 0.005);
	/* And once it has run past a full window. */
	last = pulse(&a, 50.0, last + 20 * MS, 200);
	assert_within(flow_acct_rate_lpm(&a, last), lpm_of(50.0), 0.005);
	/* Faster again. */
	last = pulse(&a, 300.0, last + 10 * S, 30);
	assert_within(flow_acct_rate_lpm(&a, last), lpm_of(300.0), 0.005);
}

static void test_rate_follows_a_change_without_a_stop(void **state)
{
	struct flow_acct a;
	uint64_t last;

	(void)state;
	flow_acct_init(&a, PPL);
	last = pulse(&a, 150.0, 5 * S, 1500);
	/* A second zone opens: a few windows later the rate is the new one. */
	last = pulse(&a, 300.0, last + (uint64_t)(1e9 / 300.0), 3000);
	assert_within(flow_acct_rate_lpm(&a, last), lpm_of(300.0), 0.005);
}

static void test_backwards_timestamps_between_batches(void **state)
{
	struct flow_acct a;
	uint64_t last, t;
	double r;

	(void)state;
	flow_acct_init(&a, PPL);
	last = pulse(&a, 150.0, 5 * S, 300);
	/* The next batch starts 50 ms before the end of the last one. */
	t = pulse(&a, 150.0, last - 50 * MS, 600);
	assert_int_equal(flow_acct_pulses(&a), 900);
	r = flow_acct_rate_lpm(&a, t);
	assert_true(isfinite(r));
	assert_true(r >= 0.0);
	/* A few ms of overlap is a few % of a 2 s window, not a wild rate. */
	assert_within(r, 20.0, 0.05);
	/* Far back: a clock from another source must not make the rate huge. */
	flow_acct_init(&a, PPL);
	last = pulse(&a, 150.0, 100 * S, 300);
	t = pulse(&a, 150.0, 10 * S, 3);
	r = flow_acct_rate_lpm(&a, last);
	assert_true(isfinite(r));
	assert_true(r >= 0.0 && r < 100.0);
	/* Once the steady flow goes on, the rate settles back to the truth. */
	t = pulse(&a, 150.0, last + 20 * MS, 900);
	assert_within(flow_acct_rate_lpm(&a, t), 20.0, 0.005);
	/* Stamps seconds in the past must not make flowing water read as stale. */
	flow_acct_init(&a, PPL);
	last = pulse(&a, 150.0, 100 * S, 151);
	pulse(&a, 150.0, last - 4 * S, 3);
	assert_within(flow_acct_rate_lpm(&a, last + MS), 20.0, 0.05);
}

static void test_a_million_edges(void **state)
{
	struct flow_acct a;
	uint64_t last;

	(void)state;
	flow_acct_init(&a, PPL);
	/* 1e6 edges at 1 kHz: 1000 s of virtual time. */
	last = pulse(&a, 1000.0, S, 1000000);
	assert_int_equal(flow_acct_pulses(&a), 1000000);
	assert_float_equal(flow_acct_litres_since(&a, 0), 1e6 / PPL, 1e-9);
	assert_within(flow_acct_rate_lpm(&a, last), lpm_of(1000.0), 0.005);
}

static void test_no_pulses_per_litre(void **state)
{
	struct flow_acct a;
	uint64_t last;

	(void)state;
	/* A bad calibration must not divide by zero. */
	flow_acct_init(&a, 0.0);
	last = pulse(&a, 150.0, S, 100);
	assert_int_equal(flow_acct_pulses(&a), 100);
	assert_true(isfinite(flow_acct_litres_since(&a, 0)));
	assert_true(isfinite(flow_acct_rate_lpm(&a, last)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_counted),
		cmocka_unit_test(test_litres),
		cmocka_unit_test(test_steady_rate),
		cmocka_unit_test(test_rate_before_a_full_window),
		cmocka_unit_test(test_rate_goes_stale),
		cmocka_unit_test(test_restart_forgets_old_window),
		cmocka_unit_test(test_rate_follows_a_change_without_a_stop),
		cmocka_unit_test(test_backwards_timestamps_between_batches),
		cmocka_unit_test(test_a_million_edges),
		cmocka_unit_test(test_no_pulses_per_litre),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
