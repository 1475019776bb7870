/* Flow-meter driver: counts a GPIO input's edges into litres and L/min. */
#include "hw/flowmeter.h"

#include <errno.h>
#include <stdlib.h>

#define EDGE_BATCH 64

struct flowmeter {
	struct gpio_input *line;
	struct flow_acct acct;
};

struct flowmeter *flowmeter_new(struct gpio_input *line, double ppl)
{
	struct flowmeter *meter;

	if (!line || !(ppl > 0.0))
		return NULL;
	meter = calloc(1, sizeof(*meter));
	if (!meter)
		return NULL;
	meter->line = line;
	flow_acct_init(&meter->acct, ppl);
	return meter;
}

void flowmeter_free(struct flowmeter *meter)
{
	free(meter);
}

int flowmeter_fd(const struct flowmeter *meter)
{
	return gpio_input_fd(meter->line);
}

int flowmeter_drain(struct flowmeter *meter)
{
	uint64_t stamps[EDGE_BATCH];
	int total = 0;

	for (;;) {
		int n = gpio_input_read_edges(meter->line, stamps, EDGE_BATCH);

		if (n < 0)
			return total ? total : n;
		for (int i = 0; i < n; i++)
			flow_acct_edge(&meter->acct, stamps[i]);
		total += n;
		if (n < EDGE_BATCH)
			return total;
	}
}

const struct flow_acct *flowmeter_acct(const struct flowmeter *meter)
{
	return &meter->acct;
}
