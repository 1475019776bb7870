/* Sunrise and sunset at a place on a date: the NOAA solar position equations, pure. */
#ifndef IRRIGD_CORE_SUN_H
#define IRRIGD_CORE_SUN_H

#include <time.h>

#include "core/calendar.h"

enum sun_event { SUN_RISE, SUN_SET };

/* Why a day has no sunrise or sunset. */
enum sun_polar {
	SUN_POLAR_NONE,		/* it rises and sets */
	SUN_POLAR_DAY,		/* up all day (midnight sun) */
	SUN_POLAR_NIGHT,	/* down all day */
};

/*
 * The instant (UTC seconds) the sun's upper limb crosses the horizon,
 * refraction counted (its centre 0.833 degrees below), on the civil date
 * `date` at latitude lat_deg (north positive) and longitude lon_deg (east
 * positive): the rise or set nearest the date's local solar noon.
 * Accurate to about a minute within the polar circles, less so right at
 * their edge.  Returns 0, -ENOENT when the sun neither rises nor sets
 * that day (*polar says which, when not NULL), or -EINVAL for a place
 * that does not exist.
 */
int sun_event_time(double lat_deg, double lon_deg, const struct local_date *date,
		   enum sun_event event, time_t *out, enum sun_polar *polar);

#endif
