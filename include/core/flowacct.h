/* Flow accounting: pulses and their timestamps to litres and a rate in L/min. */
#ifndef IRRIGD_CORE_FLOWACCT_H
#define IRRIGD_CORE_FLOWACCT_H

#include <stdbool.h>
#include <stdint.h>

/* The rate is measured over windows of at least this long... */
#define FLOW_RATE_WINDOW_NS 2000000000ull
/* ...and reads zero when no pulse came for this long. */
#define FLOW_STALE_NS 3000000000ull

/* Plain state, no allocation: one edge costs a few additions. */
struct flow_acct {
	double pulses_per_litre;
	uint64_t pulses;
	uint64_t last_edge_ns;
	uint64_t window_start_ns;
	uint64_t window_start_pulses;
	double rate_lpm;		/* of the last completed window */
	bool have_rate;
};

void flow_acct_init(struct flow_acct *acct, double pulses_per_litre);
void flow_acct_edge(struct flow_acct *acct, uint64_t timestamp_ns);
uint64_t flow_acct_pulses(const struct flow_acct *acct);
/* Litres counted since the pulse total was since_pulses. */
double flow_acct_litres_since(const struct flow_acct *acct,
			      uint64_t since_pulses);
/* Current rate: 0 when no pulse came within FLOW_STALE_NS of now. */
double flow_acct_rate_lpm(const struct flow_acct *acct, uint64_t now_ns);

#endif
