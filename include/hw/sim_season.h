/* sim backend: a season of a climate's weather and what it does to a garden bed's soil, day by day, seeded. */
#ifndef IRRIGD_HW_SIM_SEASON_H
#define IRRIGD_HW_SIM_SEASON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/balance.h"

#define SEASON_DAYS 365

/*
 * A climate: the year's curve of daily mean temperature and daily range
 * (a cosine peaking in late July, or late January in the south), with
 * day-to-day noise, rain by month, and summer heat waves.
 */
struct season_climate {
	const char *name;
	double latitude_deg;
	double tmean_c[2];		/* coldest and warmest day's mean, °C */
	double range_c[2];		/* clear-sky daily range, winter and summer, °C */
	double rain_chance[12];		/* chance of a wet day, January first */
	double rain_mean_mm[12];	/* a wet day's mean amount */
	unsigned heat_waves;		/* a summer's heat waves, each 4-8 days */
};

/* Two climates the bench compares: a temperate 48°N, a Mediterranean 38°N. */
extern const struct season_climate season_temperate;
extern const struct season_climate season_mediterranean;

/* One day of weather. */
struct season_day {
	int day_of_year;		/* 1..365 */
	double tmin_c, tmax_c;
	double clear;			/* sunshine fraction n/N, 0..1 */
	double rain_mm;			/* falls in the afternoon */
	bool heat_wave;
	/*
	 * The garden's true reference evapotranspiration, mm: FAO-56's
	 * solar radiation from the sunshine (equation 35) in Hargreaves and
	 * Samani's radiation form (0.0135 (T + 17.8) Rs).  What irrigd
	 * estimates from temperatures alone is Hargreaves' equation 52,
	 * which sees the sun only through the daily range: the gap is real.
	 */
	double et0_mm;
	double peak_lux;		/* midday light for a light sensor */
};

/*
 * A year of weather for the climate, the same for the same seed: days[i]
 * is day of year i + 1.  0, or -EINVAL for a climate it cannot use.
 */
int season_weather(const struct season_climate *c, uint64_t seed,
		   struct season_day days[SEASON_DAYS]);

/*
 * A bed as it really is: its soil, its roots and its crop, whose water use
 * follows the crop's stage (FAO-56's Kc curve: initial, mid-season, late)
 * whatever irrigd was told.
 */
struct season_bed {
	const char *name;
	enum soil_texture soil;
	double root_depth_cm;
	double allowed_depletion;	/* p: below RAW the plants are stressed */
	double area_m2;
	double kc_ini, kc_mid, kc_end;	/* the crop's coefficients by stage */
	int planted_day, mid_day, late_day, end_day; /* day of year: stages */
};

/* The crop coefficient on a day of the year. */
double season_bed_kc(const struct season_bed *b, int day_of_year);

/*
 * How much wetter than field capacity a bed must be to count as wasting
 * water: a millimetre, about what a probe can tell.  Below it, a run by
 * volume rounded up to its valve's second (a hundredth of a millimetre)
 * would count as waste.
 */
#define SEASON_WASTE_MM 1.0

/* The bed's soil: depletion below field capacity, negative when wetter. */
struct season_soil {
	double depletion_mm;
	/* Over the day: water beyond field capacity that drained or ran off. */
	double drained_mm;
	/* It was wetter than field capacity by SEASON_WASTE_MM or more today. */
	bool above_capacity;
};

/*
 * Water arrives (mm over the bed, from watering or rain): the soil holds
 * up to a fifth of TAW above field capacity for a while (it drains over
 * the next days); beyond that it runs off at once (drained_mm).
 */
void season_soil_wet(const struct season_bed *b, struct season_soil *s,
		     double mm);

/*
 * The rest of the day: the crop takes ET0 * Kc, less once the soil is
 * past RAW (FAO-56 equation 84's Ks), and water above field capacity
 * drains (half of it a day).  Returns the water the crop used, mm.
 */
double season_soil_day(const struct season_bed *b, struct season_soil *s,
		       double et0_mm, int day_of_year);

/* Is the bed past its allowed depletion (stressed)? */
bool season_soil_stressed(const struct season_bed *b,
			  const struct season_soil *s);

/*
 * A probe's reading in percent, for the calibration in anchor: the soil's
 * true water on that scale plus noise of sd_percent (from *rng), clamped
 * to 0..100.  Above field capacity it reads above the anchor's field
 * capacity, as a probe in waterlogged soil does.
 */
double season_probe_percent(const struct season_bed *b,
			    const struct season_soil *s,
			    const struct balance_probe_anchor *anchor,
			    double sd_percent, uint64_t *rng);

/* The model's random numbers: uniform in [0, 1) and normal(0, 1). */
double season_uniform(uint64_t *rng);
double season_normal(uint64_t *rng);

#endif
