/* GPIO line transport: outputs to set, and an input whose edges arrive on a pollable fd. */
#ifndef IRRIGD_HW_GPIO_H
#define IRRIGD_HW_GPIO_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gpio_output;
struct gpio_input;

struct gpio_output_ops {
	/* Drives the physical level of the line; 0 or a negative errno. */
	int (*set)(struct gpio_output *line, bool level);
	void (*destroy)(struct gpio_output *line);
};

struct gpio_output {
	const struct gpio_output_ops *ops;
};

struct gpio_input_ops {
	/* The fd becomes readable (POLLIN) when edges are pending. */
	int (*fd)(struct gpio_input *line);
	/*
	 * Reads up to max pending edges without blocking and stores their
	 * CLOCK_MONOTONIC timestamps in nanoseconds, oldest first.  Returns
	 * the number read (0 when none is pending) or a negative errno.
	 */
	int (*read_edges)(struct gpio_input *line, uint64_t *timestamps_ns,
			  size_t max);
	/* The line's physical level now, 0 or 1, or a negative errno. */
	int (*level)(struct gpio_input *line);
	void (*destroy)(struct gpio_input *line);
};

struct gpio_input {
	const struct gpio_input_ops *ops;
};

static inline int gpio_output_set(struct gpio_output *line, bool level)
{
	return line->ops->set(line, level);
}

static inline void gpio_output_destroy(struct gpio_output *line)
{
	if (line)
		line->ops->destroy(line);
}

static inline int gpio_input_fd(struct gpio_input *line)
{
	return line->ops->fd(line);
}

static inline int gpio_input_read_edges(struct gpio_input *line,
					uint64_t *timestamps_ns, size_t max)
{
	return line->ops->read_edges(line, timestamps_ns, max);
}

/* -EOPNOTSUPP for an input that only counts edges (the sim's meter). */
static inline int gpio_input_level(struct gpio_input *line)
{
	return line->ops->level ? line->ops->level(line) : -EOPNOTSUPP;
}

static inline void gpio_input_destroy(struct gpio_input *line)
{
	if (line)
		line->ops->destroy(line);
}

#endif
