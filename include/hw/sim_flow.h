/* sim backend: a flow-meter input whose edges arrive through a real timerfd. */
#ifndef IRRIGD_HW_SIM_FLOW_H
#define IRRIGD_HW_SIM_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "hw/gpio.h"

struct sim_flow;

/* NULL with errno set when the timerfd cannot be made. */
struct sim_flow *sim_flow_new(void);
void sim_flow_free(struct sim_flow *flow);
/* The input as the flow-meter driver reads it; owned by the sim_flow. */
struct gpio_input *sim_flow_input(struct sim_flow *flow);
/*
 * From now on the meter pulses edges_per_second times a second (0 stops
 * it).  Edges already due keep their timestamps until read.
 */
int sim_flow_set_rate(struct sim_flow *flow, double edges_per_second,
		      uint64_t now_ns);
/*
 * Bounds the edges waiting to be read to max, as a kernel does (16 per
 * line in the GPIO v1 uAPI, libgpiod 1.x): edges that arrive while the
 * queue is full are dropped, and counted.  0 (the default) keeps every
 * edge.  -EINVAL above SIM_FLOW_QUEUE_MAX.
 */
#define SIM_FLOW_QUEUE_MAX 1024
int sim_flow_set_queue(struct sim_flow *flow, size_t max, uint64_t now_ns);
/* Edges dropped by the bounded queue since the start. */
uint64_t sim_flow_dropped(const struct sim_flow *flow);
/* Edges the meter has made up to now_ns, read or not: the model's truth. */
uint64_t sim_flow_edges(const struct sim_flow *flow, uint64_t now_ns);

#endif
