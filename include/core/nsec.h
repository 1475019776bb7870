/* Time in nanoseconds, as every clock in irrigd counts it: the units, and a timespec's worth. */
#ifndef IRRIGD_CORE_NSEC_H
#define IRRIGD_CORE_NSEC_H

#include <stdint.h>
#include <time.h>

#define NS_PER_S UINT64_C(1000000000)
#define NS_PER_MS UINT64_C(1000000)
/* sd-event's clocks count microseconds. */
#define US_PER_S UINT64_C(1000000)

static inline uint64_t ns_of_timespec(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * NS_PER_S + (uint64_t)ts->tv_nsec;
}

#endif
