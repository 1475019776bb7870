/* FAO-56 extraterrestrial radiation and Hargreaves ET0: the numbers the seasonal and balance modes start from. */
#include "core/et0.h"

#include <errno.h>
#include <math.h>

/* Solar constant, MJ m-2 min-1 (FAO-56 equation 21). */
#define GSC 0.0820

static double latitude_rad(double latitude_deg)
{
	if (!(latitude_deg >= -90.0))	/* NaN too */
		latitude_deg = latitude_deg > 0 ? 90.0 : -90.0;
	if (latitude_deg > 90.0)
		latitude_deg = 90.0;
	return latitude_deg * M_PI / 180.0;
}

static int valid_day(int day_of_year)
{
	if (day_of_year < 1)
		return 1;
	if (day_of_year > 366)
		return 366;
	return day_of_year;
}

double et0_inverse_distance(int day_of_year)
{
	return 1.0 + 0.033 * cos(2.0 * M_PI / 365.0 * valid_day(day_of_year));
}

double et0_declination(int day_of_year)
{
	return 0.409 * sin(2.0 * M_PI / 365.0 * valid_day(day_of_year) - 1.39);
}

double et0_sunset_hour_angle(double latitude_deg, int day_of_year)
{
	double x = -tan(latitude_rad(latitude_deg)) *
		   tan(et0_declination(day_of_year));

	/* At the poles tan() is huge but finite; beyond 1 the sun does
	 * not rise, below -1 it does not set. */
	if (!(x < 1.0))
		return 0.0;
	if (x <= -1.0)
		return M_PI;
	return acos(x);
}

double et0_ra_mj(double latitude_deg, int day_of_year)
{
	double phi = latitude_rad(latitude_deg);
	double delta = et0_declination(day_of_year);
	double ws = et0_sunset_hour_angle(latitude_deg, day_of_year);
	double ra;

	ra = 24.0 * 60.0 / M_PI * GSC * et0_inverse_distance(day_of_year) *
	     (ws * sin(phi) * sin(delta) + cos(phi) * cos(delta) * sin(ws));
	/* Rounding at the poles can leave a tiny negative. */
	return ra > 0.0 ? ra : 0.0;
}

double et0_ra_mm(double latitude_deg, int day_of_year)
{
	return ET0_MM_PER_MJ * et0_ra_mj(latitude_deg, day_of_year);
}

double et0_daylight_hours(double latitude_deg, int day_of_year)
{
	return 24.0 / M_PI * et0_sunset_hour_angle(latitude_deg, day_of_year);
}

double et0_hargreaves(double tmin_c, double tmax_c, double ra_mj)
{
	double tmean = (tmax_c + tmin_c) / 2.0;
	double range = fabs(tmax_c - tmin_c);
	double et0;

	if (!isfinite(tmean) || !isfinite(ra_mj) || ra_mj <= 0.0)
		return 0.0;
	et0 = 0.0023 * (tmean + 17.8) * sqrt(range) * ET0_MM_PER_MJ * ra_mj;
	return et0 > 0.0 ? et0 : 0.0;
}

int et0_hargreaves_day(double latitude_deg, int day_of_year, double tmin_c,
		       double tmax_c, double *et0_mm)
{
	if (!(latitude_deg >= -90.0 && latitude_deg <= 90.0) ||
	    day_of_year < 1 || day_of_year > 366 ||
	    !isfinite(tmin_c) || !isfinite(tmax_c) || tmin_c > tmax_c)
		return -EINVAL;
	*et0_mm = et0_hargreaves(tmin_c, tmax_c,
				 et0_ra_mj(latitude_deg, day_of_year));
	return 0;
}
