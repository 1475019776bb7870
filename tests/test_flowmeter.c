/* Tests of the flow-meter driver on the sim flow input: every edge counted once, through a pollable fd. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "core/flowacct.h"
#include "core/nsec.h"
#include "hw/flowmeter.h"
#include "hw/sim_flow.h"

#define PPL 450.0
#define MS NS_PER_MS

struct fixture {
	struct sim_flow *sim;
	struct flowmeter *meter;
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ns_of_timespec(&ts);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	f->sim = sim_flow_new();
	assert_non_null(f->sim);
	f->meter = flowmeter_new(sim_flow_input(f->sim), PPL);
	assert_non_null(f->meter);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	flowmeter_free(f->meter);
	sim_flow_free(f->sim);
	test_free(f);
	return 0;
}

/* true when the meter's fd turns readable within timeout_ms. */
static bool readable_within(struct fixture *f, int timeout_ms)
{
	struct pollfd pfd = { .fd = flowmeter_fd(f->meter), .events = POLLIN };
	int r;

	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	assert_true(r >= 0);
	return r == 1 && (pfd.revents & POLLIN);
}

/* The daemon's loop: wait for the fd, drain, for about ms milliseconds. */
static uint64_t run_loop(struct fixture *f, unsigned ms)
{
	uint64_t end = monotonic_ns() + ms * MS, counted = 0;

	while (monotonic_ns() < end) {
		int n;

		assert_true(readable_within(f, 200));
		n = flowmeter_drain(f->meter);
		assert_true(n >= 0);
		counted += (uint64_t)n;
	}
	return counted;
}

static uint64_t pulses(const struct fixture *f)
{
	return flow_acct_pulses(flowmeter_acct(f->meter));
}

static void assert_within(double got, double want, double fraction)
{
	if (!(fabs(got - want) <= fabs(want) * fraction))
		fail_msg("got %.4f, want %.4f within %.2f %%", got, want,
			 fraction * 100.0);
}

static void test_new_refuses_bad_arguments(void **state)
{
	struct fixture *f = *state;

	assert_null(flowmeter_new(NULL, PPL));
	assert_null(flowmeter_new(sim_flow_input(f->sim), 0.0));
	assert_null(flowmeter_new(sim_flow_input(f->sim), -450.0));
	assert_null(flowmeter_new(sim_flow_input(f->sim), NAN));
}

static void test_no_flow_no_edges(void **state)
{
	struct fixture *f = *state;

	assert_false(readable_within(f, 50));
	assert_int_equal(flowmeter_drain(f->meter), 0);
	assert_int_equal(pulses(f), 0);
	/* A stopped meter stays silent. */
	assert_int_equal(sim_flow_set_rate(f->sim, 0.0, monotonic_ns()), 0);
	assert_false(readable_within(f, 50));
	assert_int_equal(flowmeter_drain(f->meter), 0);
}

static void test_counts_every_edge(void **state)
{
	struct fixture *f = *state;
	uint64_t counted, t_stop, truth;

	assert_int_equal(sim_flow_set_rate(f->sim, 1000.0, monotonic_ns()), 0);
	counted = run_loop(f, 200);
	assert_true(counted > 0);
	assert_int_equal(pulses(f), counted);
	/* Freeze the truth, then take what is still pending. */
	t_stop = monotonic_ns();
	assert_int_equal(sim_flow_set_rate(f->sim, 0.0, t_stop), 0);
	truth = sim_flow_edges(f->sim, t_stop);
	assert_true(truth >= 150);
	if (truth > counted)
		assert_true(readable_within(f, 200));
	counted += (uint64_t)flowmeter_drain(f->meter);
	assert_int_equal(counted, truth);
	assert_int_equal(pulses(f), truth);
	/* Nothing invented afterwards. */
	assert_false(readable_within(f, 30));
	assert_int_equal(flowmeter_drain(f->meter), 0);
	assert_int_equal(pulses(f), truth);
	assert_int_equal(sim_flow_edges(f->sim, monotonic_ns()), truth);
}

static void test_rate_from_timestamps(void **state)
{
	struct fixture *f = *state;
	const struct flow_acct *acct = flowmeter_acct(f->meter);

	assert_int_equal(sim_flow_set_rate(f->sim, 1000.0, monotonic_ns()), 0);
	run_loop(f, 300);
	/* 1000 edges/s at 450 per litre. */
	assert_within(flow_acct_rate_lpm(acct, acct->last_edge_ns),
		      1000.0 / PPL * 60.0, 0.01);
	assert_within(flow_acct_litres_since(acct, 0), (double)pulses(f) / PPL,
		      1e-12);
}

/* Edges made but unread when the rate changes keep their times. */
static void test_backlog_keeps_timestamps(void **state)
{
	struct fixture *f = *state;
	const struct flow_acct *acct = flowmeter_acct(f->meter);
	uint64_t t_start, t_change, truth;

	t_start = monotonic_ns();
	assert_int_equal(sim_flow_set_rate(f->sim, 1000.0, t_start), 0);
	sleep_ms(100);
	/* Slow enough that no edge of the new rate comes during the test. */
	t_change = monotonic_ns();
	assert_int_equal(sim_flow_set_rate(f->sim, 0.1, t_change), 0);
	truth = sim_flow_edges(f->sim, t_change);
	assert_true(truth >= 90);
	/* The old edges are pending now: the fd must say so at once. */
	assert_true(readable_within(f, 100));
	assert_int_equal(flowmeter_drain(f->meter), truth);
	assert_int_equal(pulses(f), truth);
	/* Their stamps are when they happened, not when they were read. */
	assert_true(acct->last_edge_ns <= t_change);
	assert_true(acct->last_edge_ns > t_change - 2 * MS);
	assert_within(flow_acct_rate_lpm(acct, acct->last_edge_ns),
		      1000.0 / PPL * 60.0, 0.01);
	assert_false(readable_within(f, 30));
	assert_int_equal(flowmeter_drain(f->meter), 0);
}

/* More unread edges than the sim keeps one by one are still all counted. */
static void test_long_backlog_counted_exactly(void **state)
{
	struct fixture *f = *state;
	const struct flow_acct *acct = flowmeter_acct(f->meter);
	uint64_t t_change, truth;

	assert_int_equal(sim_flow_set_rate(f->sim, 2000.0, monotonic_ns()), 0);
	sleep_ms(300);
	t_change = monotonic_ns();
	assert_int_equal(sim_flow_set_rate(f->sim, 0.0, t_change), 0);
	truth = sim_flow_edges(f->sim, t_change);
	assert_true(truth >= 500);
	assert_true(readable_within(f, 100));
	assert_int_equal(flowmeter_drain(f->meter), truth);
	assert_int_equal(pulses(f), truth);
	assert_true(acct->last_edge_ns <= t_change);
	assert_within(flow_acct_rate_lpm(acct, acct->last_edge_ns),
		      2000.0 / PPL * 60.0, 0.01);
	assert_false(readable_within(f, 30));
}

/* A zone change: old edges, then the new rate's, in one stream. */
static void test_rate_change_while_flowing(void **state)
{
	struct fixture *f = *state;
	uint64_t counted, t_stop, truth, before_change;

	assert_int_equal(sim_flow_set_rate(f->sim, 500.0, monotonic_ns()), 0);
	counted = run_loop(f, 100);
	assert_int_equal(sim_flow_set_rate(f->sim, 1500.0, monotonic_ns()), 0);
	before_change = sim_flow_edges(f->sim, monotonic_ns());
	counted += run_loop(f, 150);
	t_stop = monotonic_ns();
	assert_int_equal(sim_flow_set_rate(f->sim, 0.0, t_stop), 0);
	truth = sim_flow_edges(f->sim, t_stop);
	if (truth > counted)
		assert_true(readable_within(f, 100));
	counted += (uint64_t)flowmeter_drain(f->meter);
	assert_int_equal(counted, truth);
	assert_int_equal(pulses(f), truth);
	/* The faster rate's edges came on top of the slower rate's. */
	assert_true(before_change >= 40);
	assert_true(truth > before_change);
}

/*
 * A kernel queue of 16 (libgpiod 1.x): a reader away for 100 ms at
 * 1 kHz gets the first 16 edges of the gap with their own times, and the
 * rest are dropped and counted.
 */
static void test_bounded_queue_drops_what_overflows(void **state)
{
	struct fixture *f = *state;
	const struct flow_acct *acct = flowmeter_acct(f->meter);
	uint64_t t_start, t_stop, counted;

	assert_int_equal(sim_flow_set_queue(f->sim, 16, monotonic_ns()), 0);
	t_start = monotonic_ns();
	assert_int_equal(sim_flow_set_rate(f->sim, 1000.0, t_start), 0);
	sleep_ms(100);
	assert_true(readable_within(f, 100));
	assert_int_equal(flowmeter_drain(f->meter), 16);
	/* The oldest are kept: the 16th edge came 16 ms after the start. */
	assert_true(acct->last_edge_ns - t_start >= 16 * MS - 1000 &&
		    acct->last_edge_ns - t_start <= 16 * MS + 1000);
	assert_true(sim_flow_dropped(f->sim) >= 80);
	/* Every edge made is either counted or dropped, never both. */
	counted = 16 + run_loop(f, 100);
	t_stop = monotonic_ns();
	assert_int_equal(sim_flow_set_rate(f->sim, 0.0, t_stop), 0);
	if (readable_within(f, 20))
		counted += (uint64_t)flowmeter_drain(f->meter);
	assert_int_equal(counted + sim_flow_dropped(f->sim),
			 sim_flow_edges(f->sim, t_stop));
	assert_int_equal(pulses(f), counted);
	/* Unbounded again: kept and counted like before. */
	assert_int_equal(sim_flow_set_queue(f->sim, 0, monotonic_ns()), 0);
	assert_int_equal(sim_flow_set_queue(f->sim, SIM_FLOW_QUEUE_MAX + 1,
					    monotonic_ns()), -EINVAL);
}

/* Unbounded again, the queue's edges are still read, none dropped anew. */
static void test_unbounding_the_queue_keeps_its_edges(void **state)
{
	struct fixture *f = *state;
	uint64_t t_stop, dropped;

	/* A full queue of 1024: more than the sim's backlog of 256 holds. */
	assert_int_equal(sim_flow_set_queue(f->sim, SIM_FLOW_QUEUE_MAX,
					    monotonic_ns()), 0);
	assert_int_equal(sim_flow_set_rate(f->sim, 20000.0, monotonic_ns()), 0);
	sleep_ms(100);
	t_stop = monotonic_ns();
	assert_int_equal(sim_flow_set_rate(f->sim, 0.0, t_stop), 0);
	dropped = sim_flow_dropped(f->sim);
	assert_true(dropped >= 500);
	assert_int_equal(sim_flow_set_queue(f->sim, 0, monotonic_ns()), 0);
	assert_int_equal(sim_flow_dropped(f->sim), dropped);
	assert_true(readable_within(f, 100));
	assert_int_equal(flowmeter_drain(f->meter), SIM_FLOW_QUEUE_MAX);
	assert_int_equal(pulses(f) + dropped, sim_flow_edges(f->sim, t_stop));
	assert_false(readable_within(f, 30));
}

/* An input that hands out a set number of edges, then optionally fails. */
struct fake_input {
	struct gpio_input input;	/* first: the ops get a pointer to it */
	int fd;
	uint64_t pending, next_ns;
	int error;			/* returned once the edges run out */
	unsigned reads;
};

static int fake_fd(struct gpio_input *line)
{
	return ((struct fake_input *)line)->fd;
}

static int fake_read_edges(struct gpio_input *line, uint64_t *stamps,
			   size_t max)
{
	struct fake_input *in = (struct fake_input *)line;
	size_t n = 0;

	in->reads++;
	if (!in->pending && in->error)
		return in->error;
	while (n < max && in->pending) {
		stamps[n++] = in->next_ns;
		in->next_ns += MS;
		in->pending--;
	}
	return (int)n;
}

static void fake_destroy(struct gpio_input *line)
{
	(void)line;
}

static const struct gpio_input_ops fake_ops = {
	.fd = fake_fd,
	.read_edges = fake_read_edges,
	.destroy = fake_destroy,
};

/* Exact multiples of the driver's batch must not leave edges behind. */
static void test_drain_takes_every_batch(void **state)
{
	static const uint64_t counts[] = { 1, 63, 64, 65, 128, 1000 };

	(void)state;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct fake_input in = { .input.ops = &fake_ops, .fd = -1,
					 .pending = counts[i], .next_ns = MS };
		struct flowmeter *m = flowmeter_new(&in.input, PPL);

		assert_non_null(m);
		assert_int_equal(flowmeter_drain(m), counts[i]);
		assert_int_equal(flow_acct_pulses(flowmeter_acct(m)), counts[i]);
		assert_int_equal(flowmeter_drain(m), 0);
		flowmeter_free(m);
	}
}

/* Edges read before an error are counted, and the caller is told so. */
static void test_error_after_edges(void **state)
{
	/* Two full batches, so the driver reads again and meets the error. */
	struct fake_input in = { .input.ops = &fake_ops, .fd = -1,
				 .pending = 128, .next_ns = MS, .error = -EIO };
	struct flowmeter *m = flowmeter_new(&in.input, PPL);

	(void)state;
	assert_non_null(m);
	assert_int_equal(flowmeter_drain(m), 128);
	assert_int_equal(in.reads, 3);
	assert_int_equal(flow_acct_pulses(flowmeter_acct(m)), 128);
	/* With nothing read, the error itself comes back. */
	assert_int_equal(flowmeter_drain(m), -EIO);
	assert_int_equal(flow_acct_pulses(flowmeter_acct(m)), 128);
	flowmeter_free(m);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_new_refuses_bad_arguments),
		T(test_no_flow_no_edges),
		T(test_counts_every_edge),
		T(test_rate_from_timestamps),
		T(test_backlog_keeps_timestamps),
		T(test_long_backlog_counted_exactly),
		T(test_rate_change_while_flowing),
		T(test_bounded_queue_drops_what_overflows),
		T(test_unbounding_the_queue_keeps_its_edges),
		cmocka_unit_test(test_drain_takes_every_batch),
		cmocka_unit_test(test_error_after_edges),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
