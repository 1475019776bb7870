/* sim backend: a seeded year of weather for a climate, and the soil of garden beds living through it. */
#include "hw/sim_season.h"

#include <errno.h>
#include <math.h>

#include "core/et0.h"

/*
 * 48°N, a central European lowland: about 700 mm of rain a year spread
 * over the months, July ET0 near 4-5 mm/day, one or two heat waves.
 */
const struct season_climate season_temperate = {
	.name = "temperate 48N",
	.latitude_deg = 48.0,
	.tmean_c = { 0.5, 19.5 },
	.range_c = { 7.0, 14.0 },
	.rain_chance = { 0.45, 0.42, 0.42, 0.42, 0.45, 0.45,
			 0.42, 0.40, 0.38, 0.42, 0.45, 0.47 },
	.rain_mean_mm = { 3.5, 3.5, 3.8, 4.2, 5.5, 6.5,
			  7.0, 6.5, 5.0, 4.5, 4.0, 3.8 },
	.heat_waves = 2,
};

/*
 * 38°N, a Mediterranean coast: wet winters, a dry summer with a few
 * storms, July ET0 near 6 mm/day, three heat waves.
 */
const struct season_climate season_mediterranean = {
	.name = "mediterranean 38N",
	.latitude_deg = 38.0,
	.tmean_c = { 9.5, 26.0 },
	.range_c = { 8.0, 12.5 },
	.rain_chance = { 0.30, 0.28, 0.25, 0.22, 0.15, 0.07,
			 0.03, 0.04, 0.12, 0.22, 0.28, 0.32 },
	.rain_mean_mm = { 8.0, 8.0, 7.0, 6.5, 6.0, 6.0,
			  7.0, 8.0, 10.0, 10.0, 10.0, 9.0 },
	.heat_waves = 3,
};

/* splitmix64: small, seedable, the same on every machine. */
static uint64_t next_u64(uint64_t *rng)
{
	uint64_t z = (*rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double season_uniform(uint64_t *rng)
{
	return (double)(next_u64(rng) >> 11) * (1.0 / 9007199254740992.0);
}

double season_normal(uint64_t *rng)
{
	double u = season_uniform(rng), v = season_uniform(rng);

	return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

static int month_of(int day_of_year)
{
	static const int ends[12] = { 31, 59, 90, 120, 151, 181,
				      212, 243, 273, 304, 334, 365 };
	int m = 0;

	while (m < 11 && day_of_year > ends[m])
		m++;
	return m;
}

static bool usable(const struct season_climate *c)
{
	if (!(c->latitude_deg >= -66.0 && c->latitude_deg <= 66.0))
		return false;
	for (int m = 0; m < 12; m++)
		if (!(c->rain_chance[m] >= 0.0 && c->rain_chance[m] <= 1.0) ||
		    !(c->rain_mean_mm[m] >= 0.0))
			return false;
	return c->tmean_c[0] <= c->tmean_c[1] && c->range_c[0] >= 0.0 &&
	       c->range_c[1] >= 0.0;
}

int season_weather(const struct season_climate *c, uint64_t seed,
		   struct season_day days[SEASON_DAYS])
{
	uint64_t rng = seed * 0x2545f4914f6cdd1dull + 1;
	bool wave[SEASON_DAYS + 8] = { false };
	/* The warmest day: late July in the north, late January south. */
	int warmest = c->latitude_deg >= 0 ? 205 : 22;
	double anomaly = 0.0;

	if (!usable(c))
		return -EINVAL;
	for (unsigned k = 0; k < c->heat_waves; k++) {
		int start = warmest - 45 + (int)(season_uniform(&rng) * 80.0);
		int len = 4 + (int)(season_uniform(&rng) * 5.0);

		for (int d = start; d < start + len; d++)
			wave[((d - 1) % SEASON_DAYS + SEASON_DAYS) % SEASON_DAYS] = true;
	}
	for (int i = 0; i < SEASON_DAYS; i++) {
		struct season_day *day = &days[i];
		int doy = i + 1, m = month_of(doy);
		double w = (1.0 + cos(2.0 * M_PI * (doy - warmest) / 365.0)) / 2.0;
		double tmean, range, ra, rs_mm, decl;
		bool wet;

		day->day_of_year = doy;
		day->heat_wave = wave[i];
		/* Weather lasts: today's anomaly is most of yesterday's. */
		anomaly = 0.7 * anomaly + 2.5 * sqrt(1.0 - 0.49) * season_normal(&rng);
		wet = !day->heat_wave && season_uniform(&rng) < c->rain_chance[m];
		day->rain_mm = wet ? -c->rain_mean_mm[m] *
				     log(1.0 - season_uniform(&rng)) : 0.0;
		if (day->heat_wave)
			day->clear = 0.85 + 0.15 * season_uniform(&rng);
		else if (wet)
			day->clear = 0.05 + 0.35 * season_uniform(&rng);
		else
			day->clear = 0.55 + 0.40 * season_uniform(&rng);
		tmean = c->tmean_c[0] + (c->tmean_c[1] - c->tmean_c[0]) * w +
			anomaly + (wet ? -1.5 : 0.0) + (day->heat_wave ? 6.0 : 0.0);
		/* Clouds keep nights warm and days cool: the range follows
		 * the sun, which is all Hargreaves gets to see of it. */
		range = (c->range_c[0] + (c->range_c[1] - c->range_c[0]) * w) *
			(0.45 + 0.55 * day->clear) + 1.0 * season_normal(&rng);
		if (range < 1.5)
			range = 1.5;
		day->tmin_c = tmean - range / 2.0;
		day->tmax_c = tmean + range / 2.0;
		ra = et0_ra_mj(c->latitude_deg, doy);
		rs_mm = ET0_MM_PER_MJ * (0.25 + 0.50 * day->clear) * ra;
		day->et0_mm = 0.0135 * (tmean + 17.8) * rs_mm;
		if (day->et0_mm < 0.0)
			day->et0_mm = 0.0;
		decl = et0_declination(doy) * 180.0 / M_PI;
		day->peak_lux = 110000.0 * (0.15 + 0.85 * day->clear) *
			sin((90.0 - fabs(c->latitude_deg - decl)) * M_PI / 180.0);
	}
	return 0;
}

double season_bed_kc(const struct season_bed *b, int d)
{
	if (d <= b->planted_day)
		return b->kc_ini;
	if (d < b->mid_day)
		return b->kc_ini + (b->kc_mid - b->kc_ini) *
		       (d - b->planted_day) / (double)(b->mid_day - b->planted_day);
	if (d <= b->late_day)
		return b->kc_mid;
	if (d < b->end_day)
		return b->kc_mid + (b->kc_end - b->kc_mid) *
		       (d - b->late_day) / (double)(b->end_day - b->late_day);
	return b->kc_end;
}

static struct balance_zone zone_of(const struct season_bed *b)
{
	return (struct balance_zone){
		.soil = b->soil,
		.root_depth_cm = b->root_depth_cm,
		.crop_coefficient = 1.0,
		.allowed_depletion = b->allowed_depletion,
		.area_m2 = b->area_m2,
	};
}

void season_soil_wet(const struct season_bed *b, struct season_soil *s,
		     double mm)
{
	struct balance_zone z = zone_of(b);
	double most_surplus = 0.2 * balance_taw_mm(&z);

	if (!(mm > 0.0))
		return;
	s->depletion_mm -= mm;
	if (s->depletion_mm < -most_surplus) {
		s->drained_mm += -most_surplus - s->depletion_mm;
		s->depletion_mm = -most_surplus;
	}
	if (s->depletion_mm <= -SEASON_WASTE_MM)
		s->above_capacity = true;
}

double season_soil_day(const struct season_bed *b, struct season_soil *s,
		       double et0_mm, int day_of_year)
{
	struct balance_zone z = zone_of(b);
	double taw = balance_taw_mm(&z), raw = balance_raw_mm(&z);
	double ks = 1.0, etc, surplus, drain;

	if (s->depletion_mm > raw)
		ks = taw > raw ? (taw - s->depletion_mm) / (taw - raw) : 0.0;
	if (ks < 0.0)
		ks = 0.0;
	etc = ks * season_bed_kc(b, day_of_year) * et0_mm;
	if (s->depletion_mm + etc > taw)
		etc = taw - s->depletion_mm;
	s->depletion_mm += etc;
	if (s->depletion_mm < 0.0) {
		/* Wetter than field capacity drains within a day or two. */
		surplus = -s->depletion_mm;
		drain = 0.5 * surplus;
		if (drain < 2.0)
			drain = surplus < 2.0 ? surplus : 2.0;
		s->drained_mm += drain;
		s->depletion_mm += drain;
	}
	return etc;
}

bool season_soil_stressed(const struct season_bed *b,
			  const struct season_soil *s)
{
	struct balance_zone z = zone_of(b);

	return s->depletion_mm > balance_raw_mm(&z);
}

double season_probe_percent(const struct season_bed *b,
			    const struct season_soil *s,
			    const struct balance_probe_anchor *anchor,
			    double sd_percent, uint64_t *rng)
{
	struct balance_zone z = zone_of(b);
	double p = balance_moisture_from_depletion(&z, anchor, s->depletion_mm) +
		   sd_percent * season_normal(rng);

	return p < 0.0 ? 0.0 : p > 100.0 ? 100.0 : p;
}
