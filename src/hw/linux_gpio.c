/* linux backend: GPIO lines through libgpiod (v1 API). */
#include "hw/linux.h"

#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <stddef.h>
#include <stdlib.h>

#define EVENT_BATCH 16	/* the v1 uAPI queues at most 16 events a line */

struct linux_edge_input {
	struct gpio_input input;
	struct gpiod_line *line;
	int fd;
};

#define edge_of(l) \
	((struct linux_edge_input *)((char *)(l) - \
				     offsetof(struct linux_edge_input, input)))

static int edge_fd(struct gpio_input *line)
{
	return edge_of(line)->fd;
}

static int edge_read(struct gpio_input *line, uint64_t *stamps, size_t max)
{
	struct linux_edge_input *in = edge_of(line);
	struct gpiod_line_event events[EVENT_BATCH];
	int n;

	if (max > EVENT_BATCH)
		max = EVENT_BATCH;
	n = gpiod_line_event_read_fd_multiple(in->fd, events, (unsigned)max);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	for (int i = 0; i < n; i++)
		stamps[i] = (uint64_t)events[i].ts.tv_sec * 1000000000ull +
			(uint64_t)events[i].ts.tv_nsec;
	return n;
}

static void edge_destroy(struct gpio_input *line)
{
	struct linux_edge_input *in = edge_of(line);

	gpiod_line_release(in->line);
	gpiod_line_close_chip(in->line);
	free(in);
}

static const struct gpio_input_ops edge_ops = {
	.fd = edge_fd,
	.read_edges = edge_read,
	.destroy = edge_destroy,
};

int linux_gpio_edge_input(const char *name, const char *consumer,
			  struct gpio_input **out)
{
	struct linux_edge_input *in = calloc(1, sizeof(*in));
	int err, flags;

	if (!in)
		return -ENOMEM;
	in->input.ops = &edge_ops;
	in->line = gpiod_line_find(name);
	if (!in->line) {
		err = errno ? -errno : -ENOENT;
		free(in);
		return err;
	}
	if (gpiod_line_request_rising_edge_events(in->line, consumer) < 0) {
		err = -errno;
		gpiod_line_close_chip(in->line);
		free(in);
		return err;
	}
	in->fd = gpiod_line_event_get_fd(in->line);
	/* The event loop reads only when poll says so, but never blocks. */
	flags = fcntl(in->fd, F_GETFL);
	if (in->fd < 0 || flags < 0 ||
	    fcntl(in->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		err = -errno;
		edge_destroy(&in->input);
		return err;
	}
	*out = &in->input;
	return 0;
}
