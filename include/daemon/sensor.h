/* Sensor drivers: how the sampler reads one input, whatever chip or bus is behind it. */
#ifndef IRRIGD_DAEMON_SENSOR_H
#define IRRIGD_DAEMON_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"

struct hardware;

/* What a finished read gives: volts for a scale to convert, or a temperature. */
enum sensor_measure { SENSOR_VOLTS, SENSOR_CELSIUS };

/*
 * One read under way, from open to close.  The sampler fills in, hw and
 * driver; the driver keeps what it needs between start and finish in
 * state, and says in due_ns (CLOCK_MONOTONIC) when finish is to be
 * called (again): the sampler waits for it on a timer, never in a call.
 */
struct sensor_read {
	const struct sensor_driver *driver;
	const struct config_analog *in;
	struct hardware *hw;
	uint64_t due_ns;
	_Alignas(max_align_t) unsigned char state[64];
};

/*
 * A driver, chosen by the input's driver = "..." in the config.  Each
 * function returns 0 or a negative errno; none may wait on hardware.
 * open: binds the read to the input (it is opened for each pass, so a
 * reload's config is the one read); start: starts a measurement and
 * sets due_ns; finish: the value, or -EAGAIN with a new due_ns while the
 * device is not done; close: always called after a successful open,
 * also when a pass is abandoned mid-read.
 */
struct sensor_driver {
	const char *name;		/* the config word */
	/* On one of hardware.adcs: the config gives adc and channel, else device. */
	bool on_adc;
	enum sensor_measure measures;
	int (*open)(struct sensor_read *rd);
	int (*start)(struct sensor_read *rd, uint64_t now_ns);
	int (*finish)(struct sensor_read *rd, uint64_t now_ns, double *value);
	void (*close)(struct sensor_read *rd);
	/* Why a read failed, naming the device; NULL: hardware_input_error's. */
	void (*describe)(const struct config_analog *in, int err, char *buf,
			 size_t size);
};

/*
 * The drivers, each in a file of its own (sensor-NAME.c).  A new one is
 * that file, its line here and in sensor.c's table, and its config word
 * in irrigd.conf(5): config.c reads driver, and adc and channel (on_adc)
 * or device, for every driver alike.
 */
extern const struct sensor_driver sensor_ads1x15;
extern const struct sensor_driver sensor_ds18b20;

/* The driver called name, or NULL; names lists every name, for messages. */
const struct sensor_driver *sensor_driver_find(const char *name);
void sensor_driver_names(char *buf, size_t size);
/* The input's driver: the ADC's when the config names none. */
const struct sensor_driver *sensor_driver_of(const struct config_analog *in);

#endif
