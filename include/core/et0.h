/* Reference evapotranspiration from latitude, date and air temperature: FAO-56 equations 21-25, 34 and 52. */
#ifndef IRRIGD_CORE_ET0_H
#define IRRIGD_CORE_ET0_H

/*
 * FAO-56 is Allen, Pereira, Raes and Smith, "Crop evapotranspiration",
 * FAO Irrigation and Drainage Paper 56 (1998), chapter 3.  Latitudes are
 * degrees, north positive, -90..90; days of the year 1..366.  Outside
 * those ranges the functions below work on the nearest valid value, so a
 * polar or out-of-range input gives a number, never NaN: the config
 * loader is where a bad latitude gets its error.
 */

/* The radiation in MJ m-2 day-1 that evaporates 1 mm of water (1 / lambda). */
#define ET0_MM_PER_MJ 0.408

/* Inverse relative distance Earth-Sun, dr (equation 23). */
double et0_inverse_distance(int day_of_year);
/* Solar declination in radians (equation 24). */
double et0_declination(int day_of_year);
/*
 * Sunset hour angle in radians (equation 25), 0 in the polar night and pi
 * under the midnight sun, where the arccos argument leaves -1..1.
 */
double et0_sunset_hour_angle(double latitude_deg, int day_of_year);
/* Extraterrestrial radiation Ra in MJ m-2 day-1 (equation 21). */
double et0_ra_mj(double latitude_deg, int day_of_year);
/* Ra as the evaporation it is worth, mm/day (0.408 * Ra). */
double et0_ra_mm(double latitude_deg, int day_of_year);
/* Daylight hours N (equation 34). */
double et0_daylight_hours(double latitude_deg, int day_of_year);

/*
 * Hargreaves reference evapotranspiration in mm/day (equation 52) from a
 * day's minimum and maximum air temperature in °C and its Ra in
 * MJ m-2 day-1: 0.0023 (Tmean + 17.8) (Tmax - Tmin)^0.5 0.408 Ra, with
 * Tmean = (Tmax + Tmin) / 2 as FAO-56 standardises it (equation 9; the
 * equation was calibrated on that mean, not on a mean of samples).  Never
 * negative: a day colder than -17.8 °C on average evaporates nothing by
 * this equation, and min and max given the wrong way round count as
 * their difference.
 */
double et0_hargreaves(double tmin_c, double tmax_c, double ra_mj);

/*
 * The day's ET0 by Hargreaves for a site and a date: 0 with *et0_mm set,
 * or -EINVAL (nothing written) for a latitude beyond +-90, a day outside
 * 1..366, a temperature that is not a number, or tmin above tmax.
 */
int et0_hargreaves_day(double latitude_deg, int day_of_year, double tmin_c,
		       double tmax_c, double *et0_mm);

#endif
