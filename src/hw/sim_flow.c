/* sim backend: a flow-meter input whose edges arrive through a real timerfd. */
#include "hw/sim_flow.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/nsec.h"

/* Edges due but unread when the rate changes wait here, with their times. */
#define BACKLOG_MAX 256

struct sim_flow {
	struct gpio_input input;
	int fd;
	bool running;
	uint64_t start_ns;	/* of the current steady rate */
	uint64_t period_ns;
	uint64_t delivered;	/* edges of the current rate already read */
	uint64_t closed_edges;	/* edges made at earlier rates */
	uint64_t backlog[BACKLOG_MAX];
	size_t backlog_head, backlog_len;
	/* Beyond the backlog, edges are kept as a count: never lost. */
	uint64_t overflow, overflow_ns;
	/*
	 * With a bounded queue, the kernel's: edges wait in the fifo, and
	 * those that arrive while it is full are dropped.
	 */
	size_t queue_max;
	uint64_t fifo[SIM_FLOW_QUEUE_MAX];
	size_t fifo_head, fifo_len;
	uint64_t dropped;
};

#define flow_of(line) \
	((struct sim_flow *)((char *)(line) - offsetof(struct sim_flow, input)))

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ns_of_timespec(&ts);
}

static uint64_t due_now(const struct sim_flow *flow, uint64_t now)
{
	if (!flow->running || now < flow->start_ns)
		return 0;
	return (now - flow->start_ns) / flow->period_ns;
}

/*
 * The edges of the current rate that arrived up to now go into the
 * bounded queue, as the kernel puts them: while there is room, in order;
 * the rest are dropped.  Only the queue's length of them is looked at.
 */
static void arrive(struct sim_flow *flow, uint64_t now)
{
	uint64_t due = due_now(flow, now), fresh = due - flow->delivered;
	uint64_t room = flow->queue_max > flow->fifo_len ?
			flow->queue_max - flow->fifo_len : 0;
	uint64_t take = fresh < room ? fresh : room;

	for (uint64_t i = 1; i <= take; i++)
		flow->fifo[(flow->fifo_head + flow->fifo_len++) % SIM_FLOW_QUEUE_MAX] =
			flow->start_ns + (flow->delivered + i) * flow->period_ns;
	flow->dropped += fresh - take;
	flow->delivered = due;
}

static int input_fd(struct gpio_input *line)
{
	return flow_of(line)->fd;
}

static int input_read_edges(struct gpio_input *line, uint64_t *stamps,
			    size_t max)
{
	struct sim_flow *flow = flow_of(line);
	uint64_t expirations, due;
	size_t n = 0;

	/* Clear readability first, so an edge due after this read re-arms it. */
	if (read(flow->fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		return -errno;
	while (n < max && flow->backlog_len) {
		stamps[n++] = flow->backlog[flow->backlog_head];
		flow->backlog_head = (flow->backlog_head + 1) % BACKLOG_MAX;
		flow->backlog_len--;
	}
	while (n < max && flow->overflow) {
		stamps[n++] = flow->overflow_ns;
		flow->overflow--;
	}
	if (flow->queue_max) {
		arrive(flow, monotonic_ns());
		while (n < max && flow->fifo_len) {
			stamps[n++] = flow->fifo[flow->fifo_head];
			flow->fifo_head = (flow->fifo_head + 1) % SIM_FLOW_QUEUE_MAX;
			flow->fifo_len--;
		}
		return (int)n;
	}
	due = due_now(flow, monotonic_ns());
	while (n < max && flow->delivered < due) {
		flow->delivered++;
		stamps[n++] = flow->start_ns + flow->delivered * flow->period_ns;
	}
	return (int)n;
}

static void input_destroy(struct gpio_input *line)
{
	sim_flow_free(flow_of(line));
}

static const struct gpio_input_ops sim_flow_ops = {
	.fd = input_fd,
	.read_edges = input_read_edges,
	.destroy = input_destroy,
};

struct sim_flow *sim_flow_new(void)
{
	struct sim_flow *flow = calloc(1, sizeof(*flow));

	if (!flow)
		return NULL;
	flow->input.ops = &sim_flow_ops;
	flow->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (flow->fd < 0) {
		int err = errno;

		free(flow);
		errno = err;
		return NULL;
	}
	return flow;
}

void sim_flow_free(struct sim_flow *flow)
{
	if (!flow)
		return;
	close(flow->fd);
	free(flow);
}

struct gpio_input *sim_flow_input(struct sim_flow *flow)
{
	return &flow->input;
}

static void keep_unread(struct sim_flow *flow, uint64_t now)
{
	uint64_t due = due_now(flow, now);

	flow->closed_edges += due;
	/* The queue keeps timestamps: it outlives a change of rate. */
	if (flow->queue_max) {
		arrive(flow, now);
		return;
	}

	while (flow->delivered < due) {
		uint64_t ts = flow->start_ns + ++flow->delivered * flow->period_ns;

		if (flow->backlog_len < BACKLOG_MAX && !flow->overflow) {
			flow->backlog[(flow->backlog_head + flow->backlog_len) %
				      BACKLOG_MAX] = ts;
			flow->backlog_len++;
		} else {
			flow->overflow++;
			flow->overflow_ns = ts;
		}
	}
}

int sim_flow_set_rate(struct sim_flow *flow, double edges_per_second,
		      uint64_t now)
{
	struct itimerspec spec = { 0 };

	if (!(edges_per_second >= 0.0))
		return -EINVAL;
	keep_unread(flow, now);
	flow->running = edges_per_second > 0.0;
	flow->start_ns = now;
	flow->delivered = 0;
	if (flow->running) {
		double period = 1e9 / edges_per_second;

		flow->period_ns = period < 1.0 ? 1 : (uint64_t)period;
		spec.it_interval.tv_sec = (time_t)(flow->period_ns / NS_PER_S);
		spec.it_interval.tv_nsec = (long)(flow->period_ns % NS_PER_S);
		spec.it_value = spec.it_interval;
	}
	if (flow->backlog_len || flow->overflow || flow->fifo_len) {
		/*
		 * Wake the reader now for the edges still waiting, not a whole
		 * period of the new rate later; the period's expirations stay
		 * after the edges they announce.
		 */
		spec.it_value.tv_sec = 0;
		spec.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(flow->fd, 0, &spec, NULL) < 0)
		return -errno;
	return 0;
}

uint64_t sim_flow_edges(const struct sim_flow *flow, uint64_t now)
{
	return flow->closed_edges + due_now(flow, now);
}

int sim_flow_set_queue(struct sim_flow *flow, size_t max, uint64_t now)
{
	if (max > SIM_FLOW_QUEUE_MAX)
		return -EINVAL;
	/* What is due now arrives under the old rule, so none is counted twice. */
	if (flow->queue_max)
		arrive(flow, now);
	flow->queue_max = max;
	if (!max) {
		/*
		 * The queue's edges go to the reader as the backlog, and past
		 * it as the overflow count (read after it): none lost.
		 */
		while (flow->fifo_len) {
			uint64_t stamp = flow->fifo[flow->fifo_head];

			if (flow->backlog_len < BACKLOG_MAX && !flow->overflow) {
				flow->backlog[(flow->backlog_head +
					       flow->backlog_len++) % BACKLOG_MAX] = stamp;
			} else {
				flow->overflow++;
				flow->overflow_ns = stamp;
			}
			flow->fifo_head = (flow->fifo_head + 1) % SIM_FLOW_QUEUE_MAX;
			flow->fifo_len--;
		}
	} else {
		/* A smaller queue keeps its oldest; then edges due arrive. */
		while (flow->fifo_len > max) {
			flow->fifo_len--;
			flow->dropped++;
		}
		arrive(flow, now);
	}
	return 0;
}

uint64_t sim_flow_dropped(const struct sim_flow *flow)
{
	return flow->dropped;
}
