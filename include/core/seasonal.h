/* The `auto` seasonal percentage: recent ET0 over the peak-season ET0 the programs were written for. */
#ifndef IRRIGD_CORE_SEASONAL_H
#define IRRIGD_CORE_SEASONAL_H

#include <stdbool.h>
#include <stddef.h>

#define SEASONAL_AUTO_MAX_DAYS 31	/* the longest window of recent days */
#define SEASONAL_WHY_MAX 160

struct seasonal_auto_config {
	double reference_et0_mm;	/* peak-season ET0, mm/day, > 0 */
	unsigned days;			/* window: the last `days` days, 1..SEASONAL_AUTO_MAX_DAYS */
	unsigned min_valid_days;	/* fewer days with ET0 in the window: fall back; 1..days */
	unsigned min_percent;		/* clamp, min_percent <= max_percent */
	unsigned max_percent;
};

struct seasonal_auto_result {
	unsigned percent;		/* the percentage for the next day's programs */
	bool fallback;			/* too few days with ET0: the monthly table's */
	double mean_et0_mm;		/* over the valid days in the window (0 on fallback) */
	unsigned valid_days;		/* days in the window that had an ET0 */
	bool clamped;			/* the ratio was outside min..max */
	char why[SEASONAL_WHY_MAX];	/* one line for status and the journal */
};

/*
 * Is the configuration usable?  0, or -EINVAL with the reason in why.
 */
int seasonal_auto_check(const struct seasonal_auto_config *cfg, char *why,
			size_t why_size);

/*
 * The `auto` percentage from the recent days' ET0, oldest first, newest
 * last (et0_mm[n - 1] is yesterday); a day without a usable temperature
 * record is NaN (or negative).  Uses the last cfg->days of them: their
 * mean over cfg->reference_et0_mm, as a rounded percentage clamped to
 * min..max.  With fewer than cfg->min_valid_days usable days it falls
 * back to monthly_percent (the monthly table's value for the day) and
 * says so.  Returns 0 with *out filled, or -EINVAL for a configuration
 * seasonal_auto_check() refuses (out untouched).
 */
int seasonal_auto_percent(const struct seasonal_auto_config *cfg,
			  const double *et0_mm, size_t n,
			  unsigned monthly_percent,
			  struct seasonal_auto_result *out);

#endif
