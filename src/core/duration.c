/* Durations and volumes as people write them: parsing and formatting. */
#include "core/duration.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct {
	char unit;
	uint32_t seconds;
} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };

int duration_parse(const char *text, uint32_t bare_unit_s, uint32_t *seconds)
{
	const char *p = text;
	uint64_t total = 0;
	size_t next_unit = 0;
	bool any = false;

	if (!text || !*text)
		return -EINVAL;
	while (*p) {
		uint64_t n = 0;
		size_t digits = 0;

		while (isdigit((unsigned char)*p)) {
			n = n * 10 + (uint64_t)(*p - '0');
			if (n > DURATION_MAX_S)
				return -ERANGE;
			p++;
			digits++;
		}
		if (!digits)
			return -EINVAL;
		if (!*p) {
			/* A bare number is only valid alone: "5", not "1h5". */
			if (any || !bare_unit_s)
				return -EINVAL;
			total = n * bare_unit_s;
			any = true;
			break;
		}
		while (next_unit < sizeof(units) / sizeof(units[0]) &&
		       units[next_unit].unit != *p)
			next_unit++;
		if (next_unit == sizeof(units) / sizeof(units[0]))
			return -EINVAL;
		total += n * units[next_unit].seconds;
		if (total > DURATION_MAX_S)
			return -ERANGE;
		next_unit++;
		p++;
		any = true;
	}
	if (total > DURATION_MAX_S)
		return -ERANGE;
	if (!any || total == 0)
		return -EINVAL;
	*seconds = (uint32_t)total;
	return 0;
}

void duration_format(uint32_t seconds, char *buf, size_t size)
{
	size_t used = 0;

	if (!size)
		return;
	buf[0] = '\0';
	if (seconds == 0) {
		snprintf(buf, size, "0s");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint32_t n = seconds / units[i].seconds;

		if (!n)
			continue;
		seconds -= n * units[i].seconds;
		int w = snprintf(buf + used, size - used, "%s%u%c",
				 used ? " " : "", n, units[i].unit);
		if (w < 0 || (size_t)w >= size - used)
			return;
		used += (size_t)w;
	}
}

#define LITRES_PER_GALLON 3.785411784

int volume_parse(const char *text, double *litres)
{
	const char *p = text;
	double n = 0, scale = 1;
	size_t digits = 0;
	bool point = false;

	if (!text)
		return -EINVAL;
	/* Digits with at most one point, then the unit: no sign, no exponent. */
	for (; isdigit((unsigned char)*p) || (*p == '.' && !point); p++) {
		if (*p == '.') {
			point = true;
			continue;
		}
		if (digits++ > 12)
			return -ERANGE;
		if (point)
			n += (*p - '0') * (scale /= 10);
		else
			n = n * 10 + (*p - '0');
	}
	if (!digits)
		return -EINVAL;
	if (!strcmp(p, "L") || !strcmp(p, "l"))
		;
	else if (!strcmp(p, "gal"))
		n *= LITRES_PER_GALLON;
	else
		return -EINVAL;
	if (n <= 0)
		return -EINVAL;
	if (n > VOLUME_MAX_L)
		return -ERANGE;
	*litres = n;
	return 0;
}
