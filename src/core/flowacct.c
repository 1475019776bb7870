/* Flow accounting: pulses and their timestamps to litres and a rate in L/min. */
#include "core/flowacct.h"

#include <string.h>

#define NS_PER_MIN 60e9

void flow_acct_init(struct flow_acct *acct, double pulses_per_litre)
{
	memset(acct, 0, sizeof(*acct));
	acct->pulses_per_litre = pulses_per_litre;
}

static double rate_between(const struct flow_acct *acct, uint64_t pulses,
			   uint64_t ns)
{
	if (ns == 0 || acct->pulses_per_litre <= 0.0)
		return 0.0;
	return (double)pulses / acct->pulses_per_litre / ((double)ns / NS_PER_MIN);
}

void flow_acct_edge(struct flow_acct *acct, uint64_t ts)
{
	bool first = acct->pulses == 0;

	/* Timestamps from separate batches may tie; never let time run back. */
	if (!first && ts < acct->last_edge_ns)
		ts = acct->last_edge_ns;
	acct->pulses++;
	if (first || ts - acct->last_edge_ns > FLOW_STALE_NS) {
		/* Flow (re)starts: an old window's rate says nothing now. */
		acct->have_rate = false;
		acct->window_start_ns = ts;
		acct->window_start_pulses = acct->pulses;
	} else if (ts - acct->window_start_ns >= FLOW_RATE_WINDOW_NS) {
		acct->rate_lpm = rate_between(acct,
					      acct->pulses - acct->window_start_pulses,
					      ts - acct->window_start_ns);
		acct->have_rate = true;
		acct->window_start_ns = ts;
		acct->window_start_pulses = acct->pulses;
	}
	acct->last_edge_ns = ts;
}

uint64_t flow_acct_pulses(const struct flow_acct *acct)
{
	return acct->pulses;
}

double flow_acct_litres_since(const struct flow_acct *acct, uint64_t since)
{
	if (acct->pulses_per_litre <= 0.0 || since > acct->pulses)
		return 0.0;
	return (double)(acct->pulses - since) / acct->pulses_per_litre;
}

double flow_acct_rate_lpm(const struct flow_acct *acct, uint64_t now)
{
	if (acct->pulses == 0 || now > acct->last_edge_ns + FLOW_STALE_NS)
		return 0.0;
	if (acct->have_rate)
		return acct->rate_lpm;
	/* Not a full window yet: the edges so far still give a rate. */
	return rate_between(acct, acct->pulses - acct->window_start_pulses,
			    acct->last_edge_ns - acct->window_start_ns);
}
