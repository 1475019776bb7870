/* Durations as people write them: "5" (minutes), "90s", "2m30s", "1h". */
#ifndef IRRIGD_CORE_DURATION_H
#define IRRIGD_CORE_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Longest duration anything accepts: a week. */
#define DURATION_MAX_S (7u * 24 * 3600)

/*
 * Parses text into seconds.  Units are d, h, m and s, each at most once and
 * in that order ("1h30m", "2m30s"); a bare number means bare_unit_s seconds
 * (60 for minutes), or is refused when bare_unit_s is 0.
 * Returns 0, -EINVAL (empty, unparseable, negative or zero) or -ERANGE
 * (over DURATION_MAX_S).
 */
int duration_parse(const char *text, uint32_t bare_unit_s, uint32_t *seconds);

/* "1h 5m", "2m 30s", "45s": the shortest exact form. */
void duration_format(uint32_t seconds, char *buf, size_t size);

/* The most water one run may ask for, in litres. */
#define VOLUME_MAX_L 100000.0

/*
 * A volume as people write it, with its unit always: "20L", "2.5l",
 * "5gal" (US gallons), into litres.  Returns 0, -EINVAL for anything
 * else (no unit, a bare number, nothing, zero or less) or -ERANGE (over
 * VOLUME_MAX_L).
 */
int volume_parse(const char *text, double *litres);

#endif
