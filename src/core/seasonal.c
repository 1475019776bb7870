/* The `auto` seasonal percentage from recent ET0, with the monthly table as its fallback. */
#include "core/seasonal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

int seasonal_auto_check(const struct seasonal_auto_config *cfg, char *why,
			size_t why_size)
{
	const char *reason = NULL;

	if (!(cfg->reference_et0_mm > 0.0 && isfinite(cfg->reference_et0_mm)))
		reason = "the reference ET0 must be above 0 mm/day";
	else if (cfg->days < 1 || cfg->days > SEASONAL_AUTO_MAX_DAYS)
		reason = "the window must be 1 to 31 days";
	else if (cfg->min_valid_days < 1 || cfg->min_valid_days > cfg->days)
		reason = "the days needed must be 1 to the window's days";
	else if (cfg->min_percent > cfg->max_percent)
		reason = "the lowest percentage is above the highest";
	if (!reason)
		return 0;
	if (why && why_size)
		snprintf(why, why_size, "%s", reason);
	return -EINVAL;
}

int seasonal_auto_percent(const struct seasonal_auto_config *cfg,
			  const double *et0_mm, size_t n,
			  unsigned monthly_percent,
			  struct seasonal_auto_result *out)
{
	struct seasonal_auto_result r = { 0 };
	size_t first = n > cfg->days ? n - cfg->days : 0;
	double sum = 0.0, ratio;

	if (seasonal_auto_check(cfg, NULL, 0) < 0)
		return -EINVAL;
	for (size_t i = first; i < n; i++) {
		if (et0_mm[i] >= 0.0 && isfinite(et0_mm[i])) {
			sum += et0_mm[i];
			r.valid_days++;
		}
	}
	if (r.valid_days < cfg->min_valid_days) {
		r.fallback = true;
		r.percent = monthly_percent;
		snprintf(r.why, sizeof(r.why),
			 "monthly table %u %%: temperature on only %u of the "
			 "last %u days, %u needed", monthly_percent,
			 r.valid_days, cfg->days,
			 cfg->min_valid_days);
		*out = r;
		return 0;
	}
	r.mean_et0_mm = sum / r.valid_days;
	ratio = 100.0 * r.mean_et0_mm / cfg->reference_et0_mm;
	if (ratio < cfg->min_percent) {
		r.percent = cfg->min_percent;
		r.clamped = true;
	} else if (ratio > cfg->max_percent) {
		r.percent = cfg->max_percent;
		r.clamped = true;
	} else {
		r.percent = (unsigned)lround(ratio);
	}
	snprintf(r.why, sizeof(r.why),
		 "auto %u %%: ET0 %.1f mm/day over %u day%s against %.1f "
		 "reference = %.0f %%%s", r.percent, r.mean_et0_mm,
		 r.valid_days, r.valid_days == 1 ? "" : "s",
		 cfg->reference_et0_mm, ratio,
		 !r.clamped ? "" : ratio < cfg->min_percent ?
		 ", raised to the lowest allowed" : ", cut to the highest allowed");
	*out = r;
	return 0;
}
