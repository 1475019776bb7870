/* linux backend: GPIO lines through libgpiod's v2 API (Debian 13, Raspberry Pi OS 13). */
#include "hw/linux.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <gpiod.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_BATCH 64		/* edges read in one read(2) */
#define EVENT_QUEUE 256		/* edges the kernel keeps for the line */

struct linux_edge_input {
	struct gpio_input input;
	struct gpiod_line_request *request;
	struct gpiod_edge_event_buffer *events;
	unsigned int offset;
	int fd;
};

struct linux_output {
	struct gpio_output output;
	struct gpiod_line_request *request;
	unsigned int offset;
};

#define edge_of(l) \
	((struct linux_edge_input *)((char *)(l) - \
				     offsetof(struct linux_edge_input, input)))
#define output_of(l) \
	((struct linux_output *)((char *)(l) - offsetof(struct linux_output, output)))

const char *linux_gpio_version(void)
{
	static char text[48];

	snprintf(text, sizeof(text), "libgpiod %s (v2 API)", gpiod_api_version());
	return text;
}

/*
 * Opens each GPIO chip in name order and calls found(chip, arg) until it
 * returns 1, which keeps that chip open; 0 when none did.  *open_err is
 * the first errno of a chip that could not be opened.
 */
static int each_chip(int (*found)(struct gpiod_chip *chip, void *arg), void *arg,
		     int *open_err)
{
	glob_t paths;
	int ret = 0;

	*open_err = 0;
	if (glob("/dev/gpiochip*", 0, NULL, &paths) != 0)
		return 0;
	for (size_t i = 0; i < paths.gl_pathc && !ret; i++) {
		struct gpiod_chip *chip;

		if (!gpiod_is_gpiochip_device(paths.gl_pathv[i]))
			continue;
		chip = gpiod_chip_open(paths.gl_pathv[i]);
		if (!chip) {
			if (!*open_err)
				*open_err = errno;
			continue;
		}
		ret = found(chip, arg);
		if (ret <= 0)
			gpiod_chip_close(chip);
	}
	globfree(&paths);
	return ret;
}

struct line_search {
	const char *key;	/* a line name, or a chip label */
	struct gpiod_chip *chip;
	unsigned int offset;
};

/* 1 and keeps the chip when it has the line; 0 to look further. */
static int has_line(struct gpiod_chip *chip, void *arg)
{
	struct line_search *s = arg;
	int offset = gpiod_chip_get_line_offset_from_name(chip, s->key);

	if (offset < 0)
		return 0;
	s->chip = chip;
	s->offset = (unsigned int)offset;
	return 1;
}

/* 1 and keeps the chip when its label is the key. */
static int has_label(struct gpiod_chip *chip, void *arg)
{
	struct line_search *s = arg;
	struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
	int match;

	if (!info)
		return 0;
	match = strcmp(gpiod_chip_info_get_label(info), s->key) == 0;
	gpiod_chip_info_free(info);
	if (match)
		s->chip = chip;
	return match;
}

/*
 * A chip by path ("/dev/gpiochip0"), name ("gpiochip0"), number ("0") or
 * label, as libgpiod v1's gpiod_chip_open_lookup() finds it.
 */
static struct gpiod_chip *open_chip(const char *chip)
{
	struct line_search s = { .key = chip };
	char path[64];
	size_t i;
	int err;

	for (i = 0; isdigit((unsigned char)chip[i]); i++)
		;
	if (i > 0 && !chip[i]) {
		snprintf(path, sizeof(path), "/dev/gpiochip%s", chip);
		return gpiod_chip_open(path);
	}
	if (strchr(chip, '/'))
		return gpiod_chip_open(chip);
	if ((size_t)snprintf(path, sizeof(path), "/dev/%s", chip) < sizeof(path) &&
	    gpiod_is_gpiochip_device(path))
		return gpiod_chip_open(path);
	if (each_chip(has_label, &s, &err) > 0)
		return s.chip;
	errno = err ? err : ENOENT;
	return NULL;
}

/* The chip and offset the spec names, the chip open; NULL with errno set. */
static struct gpiod_chip *find_line(const struct gpio_line_spec *spec,
				    unsigned int *offset)
{
	struct line_search s = { .key = spec->name };
	int err;

	if (spec->name && *spec->name) {
		/* v2 has no global lookup: the first chip with the name wins. */
		if (each_chip(has_line, &s, &err) > 0) {
			*offset = s.offset;
			return s.chip;
		}
		errno = err ? err : ENOENT;
		return NULL;
	}
	if (!spec->chip || !*spec->chip || spec->offset < 0) {
		errno = EINVAL;
		return NULL;
	}
	*offset = (unsigned int)spec->offset;
	return open_chip(spec->chip);
}

int linux_gpio_locate(const struct gpio_line_spec *spec, char *chip,
		      size_t size, unsigned *offset)
{
	struct gpiod_chip_info *info;
	struct gpiod_chip *found;
	unsigned int at;
	int err = 0;

	found = find_line(spec, &at);
	if (!found)
		return errno ? -errno : -ENOENT;
	info = gpiod_chip_get_info(found);
	if (!info)
		err = errno ? -errno : -EIO;
	else if (at >= gpiod_chip_info_get_num_lines(info))
		err = -ENOENT;
	if (err == 0) {
		snprintf(chip, size, "%s", gpiod_chip_info_get_name(info));
		*offset = at;
	}
	if (info)
		gpiod_chip_info_free(info);
	gpiod_chip_close(found);
	return err;
}

static enum gpiod_line_bias line_bias(enum gpio_bias bias)
{
	switch (bias) {
	case GPIO_BIAS_PULL_UP:
		return GPIOD_LINE_BIAS_PULL_UP;
	case GPIO_BIAS_PULL_DOWN:
		return GPIOD_LINE_BIAS_PULL_DOWN;
	case GPIO_BIAS_DISABLE:
		return GPIOD_LINE_BIAS_DISABLED;
	case GPIO_BIAS_AS_IS:
		break;
	}
	return GPIOD_LINE_BIAS_AS_IS;
}

static enum gpiod_line_edge line_edge(enum gpio_edge edge)
{
	switch (edge) {
	case GPIO_EDGE_FALLING:
		return GPIOD_LINE_EDGE_FALLING;
	case GPIO_EDGE_BOTH:
		return GPIOD_LINE_EDGE_BOTH;
	case GPIO_EDGE_RISING:
		break;
	}
	return GPIOD_LINE_EDGE_RISING;
}

/*
 * Requests one line with these settings for consumer; NULL with errno set.
 * The chip is closed either way: a request lives on without it.
 */
static struct gpiod_line_request *request_line(struct gpiod_chip *chip,
					       unsigned int offset,
					       struct gpiod_line_settings *settings,
					       const char *consumer,
					       size_t event_queue)
{
	struct gpiod_line_config *line_cfg = gpiod_line_config_new();
	struct gpiod_request_config *req_cfg = gpiod_request_config_new();
	struct gpiod_line_request *request = NULL;
	int err = ENOMEM;

	if (line_cfg && req_cfg) {
		gpiod_request_config_set_consumer(req_cfg, consumer);
		if (event_queue)
			gpiod_request_config_set_event_buffer_size(req_cfg, event_queue);
		if (gpiod_line_config_add_line_settings(line_cfg, &offset, 1,
							settings) < 0)
			err = errno;
		else if (!(request = gpiod_chip_request_lines(chip, req_cfg, line_cfg)))
			err = errno;
	}
	if (req_cfg)
		gpiod_request_config_free(req_cfg);
	if (line_cfg)
		gpiod_line_config_free(line_cfg);
	gpiod_chip_close(chip);
	if (!request)
		errno = err;
	return request;
}

static int edge_fd(struct gpio_input *line)
{
	return edge_of(line)->fd;
}

static int edge_read(struct gpio_input *line, uint64_t *stamps, size_t max)
{
	struct linux_edge_input *in = edge_of(line);
	int n;

	if (max > EVENT_BATCH)
		max = EVENT_BATCH;
	n = gpiod_line_request_read_edge_events(in->request, in->events, max);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	for (int i = 0; i < n; i++)
		stamps[i] = gpiod_edge_event_get_timestamp_ns(
			gpiod_edge_event_buffer_get_event(in->events, (unsigned long)i));
	return n;
}

static int edge_level(struct gpio_input *line)
{
	struct linux_edge_input *in = edge_of(line);
	enum gpiod_line_value v = gpiod_line_request_get_value(in->request,
							       in->offset);

	if (v == GPIOD_LINE_VALUE_ERROR)
		return -errno;
	return v == GPIOD_LINE_VALUE_ACTIVE;
}

static void edge_destroy(struct gpio_input *line)
{
	struct linux_edge_input *in = edge_of(line);

	if (in->request)
		gpiod_line_request_release(in->request);
	if (in->events)
		gpiod_edge_event_buffer_free(in->events);
	free(in);
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
	struct linux_edge_input *in = calloc(1, sizeof(*in));
	struct gpiod_line_settings *settings = NULL;
	struct gpiod_chip *chip;
	unsigned int offset;
	int err, flags;

	if (!in)
		return -ENOMEM;
	in->input.ops = &edge_ops;
	in->events = gpiod_edge_event_buffer_new(EVENT_BATCH);
	settings = gpiod_line_settings_new();
	if (!in->events || !settings) {
		err = -ENOMEM;
		goto fail;
	}
	/*
	 * The kernel stamps edges with CLOCK_MONOTONIC unless told otherwise,
	 * but say it: the flow accounting compares them with that clock.
	 */
	if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT) < 0 ||
	    gpiod_line_settings_set_edge_detection(settings, line_edge(edge)) < 0 ||
	    gpiod_line_settings_set_bias(settings, line_bias(bias)) < 0 ||
	    gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC) < 0) {
		err = -errno;
		goto fail;
	}
	chip = find_line(spec, &offset);
	if (!chip) {
		err = -errno;
		goto fail;
	}
	in->offset = offset;
	in->request = request_line(chip, offset, settings, consumer, EVENT_QUEUE);
	if (!in->request) {
		err = -errno;
		goto fail;
	}
	gpiod_line_settings_free(settings);
	settings = NULL;
	in->fd = gpiod_line_request_get_fd(in->request);
	/* The event loop reads only when poll says so, but never blocks. */
	flags = in->fd < 0 ? -1 : fcntl(in->fd, F_GETFL);
	if (flags < 0 || fcntl(in->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		err = -errno;
		goto fail;
	}
	*out = &in->input;
	return 0;
fail:
	if (settings)
		gpiod_line_settings_free(settings);
	edge_destroy(&in->input);
	return err;
}

static int output_set(struct gpio_output *line, bool level)
{
	struct linux_output *o = output_of(line);
	enum gpiod_line_value value;

	if (gpiod_line_request_set_value(o->request, o->offset,
					 level ? GPIOD_LINE_VALUE_ACTIVE :
					 GPIOD_LINE_VALUE_INACTIVE) < 0)
		return -errno;
	/* Read back what the kernel holds, as with the expander's OLAT. */
	value = gpiod_line_request_get_value(o->request, o->offset);
	if (value == GPIOD_LINE_VALUE_ERROR)
		return -errno;
	if ((value == GPIOD_LINE_VALUE_ACTIVE) != level)
		return -EIO;
	return 0;
}

static void output_destroy(struct gpio_output *line)
{
	struct linux_output *o = output_of(line);

	gpiod_line_request_release(o->request);
	free(o);
}

static const struct gpio_output_ops output_ops = {
	.set = output_set,
	.destroy = output_destroy,
};

int linux_gpio_output(const struct gpio_line_spec *spec, bool level,
		      const char *consumer, struct gpio_output **out)
{
	struct linux_output *o = calloc(1, sizeof(*o));
	struct gpiod_line_settings *settings = gpiod_line_settings_new();
	struct gpiod_chip *chip;
	int err;

	if (!o || !settings) {
		err = -ENOMEM;
		goto fail;
	}
	o->output.ops = &output_ops;
	if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT) < 0 ||
	    gpiod_line_settings_set_output_value(settings, level ?
						 GPIOD_LINE_VALUE_ACTIVE :
						 GPIOD_LINE_VALUE_INACTIVE) < 0) {
		err = -errno;
		goto fail;
	}
	chip = find_line(spec, &o->offset);
	if (!chip) {
		err = -errno;
		goto fail;
	}
	o->request = request_line(chip, o->offset, settings, consumer, 0);
	if (!o->request) {
		err = -errno;
		goto fail;
	}
	gpiod_line_settings_free(settings);
	*out = &o->output;
	return 0;
fail:
	if (settings)
		gpiod_line_settings_free(settings);
	free(o);
	return err;
}
