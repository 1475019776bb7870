/* Benchmark of the flow path's capacity: sim_flow edges counted by the flowmeter driver, stepping up the rate. */
/*
 * In process, as the daemon does it: a sim_flow (a timerfd whose edges
 * the model computes) at a set rate, the flowmeter driver draining it
 * whenever epoll says the fd is readable, for a fixed time per rate.
 * Then the count is compared with sim_flow_edges(), the model's truth:
 *   lag:  edges due but not yet counted at the end of the window, before
 *         the last drain (how far behind the loop ran);
 *   lost: edges the model made that the driver never counted, after the
 *         meter is stopped and drained (must be 0).
 * And the loop's CPU time per second of pulsing: what the count costs.
 * Usage: bench_pulses [SECONDS_PER_RATE] [RATE_HZ...]
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/nsec.h"
#include "hw/flowmeter.h"
#include "hw/sim_flow.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ns_of_timespec(&ts);
}

static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NS_PER_S +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

struct step {
	double rate;
	uint64_t truth, counted, lag, wakeups;
	int64_t lost;
	double cpu_percent;
};

/* One rate for seconds; 0 or a negative errno. */
static int run_step(double rate, double seconds, struct step *s)
{
	struct sim_flow *flow = sim_flow_new();
	struct flowmeter *meter;
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t start, end, cpu0, t;
	int ep, r;

	if (!flow)
		return -errno;
	meter = flowmeter_new(sim_flow_input(flow), 450.0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!meter || ep < 0)
		return -ENOMEM;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, flowmeter_fd(meter), &ev) < 0)
		return -errno;
	memset(s, 0, sizeof(*s));
	s->rate = rate;
	cpu0 = cpu_ns();
	start = now_ns();
	end = start + (uint64_t)(seconds * 1e9);
	r = sim_flow_set_rate(flow, rate, start);
	if (r < 0)
		return r;
	while ((t = now_ns()) < end) {
		struct epoll_event got;
		int left_ms = (int)((end - t) / 1000000) + 1;
		int n = epoll_wait(ep, &got, 1, left_ms);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0) {
			s->wakeups++;
			r = flowmeter_drain(meter);
			if (r < 0)
				return r;
		}
	}
	t = now_ns();
	s->cpu_percent = (double)(cpu_ns() - cpu0) * 100.0 / (double)(t - start);
	s->lag = sim_flow_edges(flow, t) - flow_acct_pulses(flowmeter_acct(meter));
	/* Stop the meter at t, then count what it made up to then. */
	r = sim_flow_set_rate(flow, 0.0, t);
	if (r < 0)
		return r;
	while ((r = flowmeter_drain(meter)) > 0)
		;
	if (r < 0)
		return r;
	s->truth = sim_flow_edges(flow, t);
	s->counted = flow_acct_pulses(flowmeter_acct(meter));
	s->lost = (int64_t)s->truth - (int64_t)s->counted;
	flowmeter_free(meter);
	sim_flow_free(flow);
	close(ep);
	return 0;
}

int main(int argc, char **argv)
{
	static const double default_rates[] = {
		1e3, 5e3, 10e3, 20e3, 50e3, 100e3, 200e3, 500e3, 1e6, 2e6,
	};
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	double max_ok = 0.0;
	bool failed = false;
	int n_rates = argc > 2 ? argc - 2 : (int)(sizeof(default_rates) /
						  sizeof(default_rates[0]));

	if (!(seconds > 0.0)) {
		fprintf(stderr, "usage: bench_pulses [SECONDS_PER_RATE] [RATE_HZ...]\n");
		return 2;
	}
	printf("%10s %12s %12s %8s %10s %10s %6s\n", "rate_hz", "truth", "counted",
	       "lost", "lag_end", "wakeups", "cpu%");
	for (int i = 0; i < n_rates; i++) {
		double rate = argc > 2 ? atof(argv[i + 2]) : default_rates[i];
		struct step s;
		int r = run_step(rate, seconds, &s);

		if (r < 0) {
			fprintf(stderr, "bench_pulses: %.0f Hz: %s\n", rate, strerror(-r));
			return 2;
		}
		printf("%10.0f %12" PRIu64 " %12" PRIu64 " %8" PRId64 " %10" PRIu64
		       " %10" PRIu64 " %6.1f\n", s.rate, s.truth, s.counted, s.lost,
		       s.lag, s.wakeups, s.cpu_percent);
		/*
		 * Kept up: nothing lost, and at most 10 ms of edges behind; the
		 * figure is the highest rate before the first that did not.
		 */
		if (s.lost == 0 && (double)s.lag <= rate * 0.010 + 1.0 && !failed)
			max_ok = rate;
		else
			failed = true;
	}
	printf("max_ok_hz=%.0f\nall_ok=%d\n", max_ok, !failed);
	return 0;
}
