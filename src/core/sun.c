/* Sunrise and sunset: the NOAA solar calculator's equations (after Meeus), evaluated at the event itself. */
#include "core/sun.h"

#include <errno.h>
#include <math.h>

#define DEG (M_PI / 180.0)
/* Julian day of 1970-01-01 00:00 UTC, and of J2000.0. */
#define JD_UNIX_EPOCH 2440587.5
#define JD_J2000 2451545.0
/* The upper limb on the horizon: semidiameter and refraction. */
#define HORIZON_DEG -0.833
/* Each pass evaluates the sun at the last estimate of the event. */
#define PASSES 4

struct sun_at {
	double declination_deg;
	double equation_of_time_min;	/* apparent minus mean solar time */
};

static void sun_at(double jd, struct sun_at *s)
{
	double t = (jd - JD_J2000) / 36525.0;	/* Julian centuries */
	double mean_long = fmod(280.46646 + t * (36000.76983 + t * 0.0003032), 360.0);
	double anomaly = 357.52911 + t * (35999.05029 - 0.0001537 * t);
	double ecc = 0.016708634 - t * (0.000042037 + 0.0000001267 * t);
	double centre = sin(anomaly * DEG) * (1.914602 - t * (0.004817 + 0.000014 * t)) +
		sin(2 * anomaly * DEG) * (0.019993 - 0.000101 * t) +
		sin(3 * anomaly * DEG) * 0.000289;
	double omega = 125.04 - 1934.136 * t;
	double apparent_long = mean_long + centre - 0.00569 - 0.00478 * sin(omega * DEG);
	double obliquity = 23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 -
		t * 0.001813))) / 60.0) / 60.0 + 0.00256 * cos(omega * DEG);
	double y = tan(obliquity / 2 * DEG);

	y *= y;
	s->declination_deg = asin(sin(obliquity * DEG) * sin(apparent_long * DEG)) / DEG;
	s->equation_of_time_min = 4.0 / DEG *
		(y * sin(2 * mean_long * DEG) - 2 * ecc * sin(anomaly * DEG) +
		 4 * ecc * y * sin(anomaly * DEG) * cos(2 * mean_long * DEG) -
		 0.5 * y * y * sin(4 * mean_long * DEG) -
		 1.25 * ecc * ecc * sin(2 * anomaly * DEG));
}

int sun_event_time(double lat_deg, double lon_deg, const struct local_date *date,
		   enum sun_event event, time_t *out, enum sun_polar *polar)
{
	double jd0, jd;
	enum sun_polar none = SUN_POLAR_NONE;

	if (polar)
		*polar = SUN_POLAR_NONE;
	if (!date || !out || !(lat_deg >= -90 && lat_deg <= 90) ||
	    !(lon_deg >= -180 && lon_deg <= 180))
		return -EINVAL;
	jd0 = (double)calendar_date_days(date) + JD_UNIX_EPOCH;
	/* First guess: the mean solar noon of the date at the place. */
	jd = jd0 + 0.5 - lon_deg / 360.0;
	for (int pass = 0; pass < PASSES; pass++) {
		struct sun_at s;
		double noon, cos_ha, ha_deg;

		sun_at(jd, &s);
		noon = jd0 + (720.0 - 4.0 * lon_deg - s.equation_of_time_min) / 1440.0;
		cos_ha = cos((90.0 - HORIZON_DEG) * DEG) /
			(cos(lat_deg * DEG) * cos(s.declination_deg * DEG)) -
			tan(lat_deg * DEG) * tan(s.declination_deg * DEG);
		if (!(cos_ha >= -1.0 && cos_ha <= 1.0)) {
			/* At a pole, or a day without the event: look at noon. */
			if (isnan(cos_ha))	/* at a pole: the season says */
				none = lat_deg * s.declination_deg > 0 ?
					SUN_POLAR_DAY : SUN_POLAR_NIGHT;
			else
				none = cos_ha < -1.0 ? SUN_POLAR_DAY : SUN_POLAR_NIGHT;
			jd = noon;
			continue;
		}
		none = SUN_POLAR_NONE;
		ha_deg = acos(cos_ha) / DEG;
		/* 4 minutes of time per degree of hour angle. */
		jd = noon + (event == SUN_RISE ? -ha_deg : ha_deg) * 4.0 / 1440.0;
	}
	if (none != SUN_POLAR_NONE) {
		if (polar)
			*polar = none;
		return -ENOENT;
	}
	*out = (time_t)llround((jd - JD_UNIX_EPOCH) * 86400.0);
	return 0;
}
