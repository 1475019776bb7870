/* A sample's value as Prometheus' text exposition format spells it. */
#include "core/promtext.h"

#include <math.h>
#include <stdio.h>

const char *prom_value(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "NaN");
	else if (isinf(v))
		snprintf(buf, size, "%s", v > 0 ? "+Inf" : "-Inf");
	else
		snprintf(buf, size, "%.15g", v);
	return buf;
}
