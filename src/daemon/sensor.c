/* The table of sensor drivers: the one place a new driver is listed. */
#include "daemon/sensor.h"

#include <stdio.h>
#include <string.h>

#include "daemon/out.h"

static const struct sensor_driver *const drivers[] = {
	&sensor_ads1x15,
	&sensor_ds18b20,
};

#define N_DRIVERS (sizeof(drivers) / sizeof(drivers[0]))

const struct sensor_driver *sensor_driver_find(const char *name)
{
	for (size_t i = 0; i < N_DRIVERS; i++)
		if (!strcmp(drivers[i]->name, name))
			return drivers[i];
	return NULL;
}

void sensor_driver_names(char *buf, size_t size)
{
	if (size)
		*buf = '\0';
	for (size_t i = 0; i < N_DRIVERS; i++)
		out_append(buf, size, "%s\"%s\"", i == 0 ? "" :
			   i + 1 == N_DRIVERS ? " or " : ", ", drivers[i]->name);
}

const struct sensor_driver *sensor_driver_of(const struct config_analog *in)
{
	return in->driver ? in->driver : &sensor_ads1x15;
}
