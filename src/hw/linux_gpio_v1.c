/* linux backend: GPIO lines through libgpiod's v1 API (Debian 12, Raspberry Pi OS 12). */
#include "hw/linux.h"

#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nsec.h"

#define EVENT_BATCH 16	/* the v1 uAPI queues at most 16 events a line */

struct linux_edge_input {
	struct gpio_input input;
	struct gpiod_line *line;
	int fd;
};

struct linux_output {
	struct gpio_output output;
	struct gpiod_line *line;
};

#define edge_of(l) \
	((struct linux_edge_input *)((char *)(l) - \
				     offsetof(struct linux_edge_input, input)))
#define output_of(l) \
	((struct linux_output *)((char *)(l) - offsetof(struct linux_output, output)))

const char *linux_gpio_version(void)
{
	static char text[48];

	snprintf(text, sizeof(text), "libgpiod %s (v1 API)", gpiod_version_string());
	return text;
}

/* The line the spec names, with its chip open; NULL with errno set. */
static struct gpiod_line *find_line(const struct gpio_line_spec *spec)
{
	struct gpiod_chip *chip;
	struct gpiod_line *line;

	if (spec->name && *spec->name) {
		errno = 0;
		line = gpiod_line_find(spec->name);
		if (!line && !errno)
			errno = ENOENT;
		return line;
	}
	if (!spec->chip || spec->offset < 0) {
		errno = EINVAL;
		return NULL;
	}
	chip = gpiod_chip_open_lookup(spec->chip);
	if (!chip)
		return NULL;
	line = gpiod_chip_get_line(chip, (unsigned)spec->offset);
	if (!line) {
		int err = errno;

		gpiod_chip_close(chip);
		errno = err;
	}
	return line;
}

static int bias_flags(enum gpio_bias bias)
{
	switch (bias) {
	case GPIO_BIAS_PULL_UP:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
	case GPIO_BIAS_PULL_DOWN:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
	case GPIO_BIAS_DISABLE:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
	case GPIO_BIAS_AS_IS:
		break;
	}
	return 0;
}

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
		stamps[i] = ns_of_timespec(&events[i].ts);
	return n;
}

static void edge_destroy(struct gpio_input *line)
{
	struct linux_edge_input *in = edge_of(line);

	gpiod_line_release(in->line);
	gpiod_line_close_chip(in->line);
	free(in);
}

static int edge_level(struct gpio_input *line)
{
	int v = gpiod_line_get_value(edge_of(line)->line);

	return v < 0 ? -errno : v;
}

static const struct gpio_input_ops edge_ops = {
	.fd = edge_fd,
	.read_edges = edge_read,
	.level = edge_level,
	.destroy = edge_destroy,
};

int linux_gpio_edge_input(const struct gpio_line_spec *spec,
			  enum gpio_edge edge, enum gpio_bias bias,
			  const char *consumer, struct gpio_input **out)
{
	struct gpiod_line_request_config req = { .consumer = consumer };
	struct linux_edge_input *in = calloc(1, sizeof(*in));
	int err, flags;

	if (!in)
		return -ENOMEM;
	in->input.ops = &edge_ops;
	in->line = find_line(spec);
	if (!in->line) {
		err = -errno;
		free(in);
		return err;
	}
	req.request_type = edge == GPIO_EDGE_FALLING ?
		GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE :
		edge == GPIO_EDGE_BOTH ? GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES :
		GPIOD_LINE_REQUEST_EVENT_RISING_EDGE;
	req.flags = bias_flags(bias);
	if (gpiod_line_request(in->line, &req, 0) < 0) {
		err = -errno;
		gpiod_line_close_chip(in->line);
		free(in);
		return err;
	}
	in->fd = gpiod_line_event_get_fd(in->line);
	/* The event loop reads only when poll says so, but never blocks. */
	flags = in->fd < 0 ? -1 : fcntl(in->fd, F_GETFL);
	if (flags < 0 || fcntl(in->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		err = -errno;
		edge_destroy(&in->input);
		return err;
	}
	*out = &in->input;
	return 0;
}

static int output_set(struct gpio_output *line, bool level)
{
	struct linux_output *o = output_of(line);

	if (gpiod_line_set_value(o->line, level) < 0)
		return -errno;
	/* Read back what the kernel holds, as with the expander's OLAT. */
	if (gpiod_line_get_value(o->line) != (int)level)
		return -EIO;
	return 0;
}

static void output_destroy(struct gpio_output *line)
{
	struct linux_output *o = output_of(line);

	gpiod_line_release(o->line);
	gpiod_line_close_chip(o->line);
	free(o);
}

static const struct gpio_output_ops output_ops = {
	.set = output_set,
	.destroy = output_destroy,
};

int linux_gpio_locate(const struct gpio_line_spec *spec, char *chip,
		      size_t size, unsigned *offset)
{
	struct gpiod_line *line = find_line(spec);

	if (!line)
		return errno ? -errno : -ENOENT;
	snprintf(chip, size, "%s", gpiod_chip_name(gpiod_line_get_chip(line)));
	*offset = gpiod_line_offset(line);
	gpiod_line_close_chip(line);
	return 0;
}

int linux_gpio_output(const struct gpio_line_spec *spec, bool level,
		      const char *consumer, struct gpio_output **out)
{
	struct linux_output *o = calloc(1, sizeof(*o));
	int err;

	if (!o)
		return -ENOMEM;
	o->output.ops = &output_ops;
	o->line = find_line(spec);
	if (!o->line) {
		err = -errno;
		free(o);
		return err;
	}
	if (gpiod_line_request_output(o->line, consumer, level) < 0) {
		err = -errno;
		gpiod_line_close_chip(o->line);
		free(o);
		return err;
	}
	*out = &o->output;
	return 0;
}
