/* A sample's value as Prometheus' text exposition format spells it. */
#ifndef IRRIGD_CORE_PROMTEXT_H
#define IRRIGD_CORE_PROMTEXT_H

#include <stddef.h>

/*
 * v in buf (32 bytes are enough): NaN, +Inf and -Inf as Prometheus spells
 * them (printf's "-nan" would make the whole scrape rejected), else
 * "%.15g".  Returns buf.
 */
const char *prom_value(double v, char *buf, size_t size);

#endif
