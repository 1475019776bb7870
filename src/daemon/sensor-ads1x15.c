/* Sensor driver "ads1x15": one channel of an ADS1115/ADS1015 in hardware.adcs, in volts. */
#include "daemon/sensor.h"

#include <errno.h>

#include "daemon/hardware.h"

_Static_assert(sizeof(struct ads1x15_conversion) <=
	       sizeof(((struct sensor_read *)0)->state),
	       "a conversion fits a read's state");

static struct ads1x15_conversion *conversion(struct sensor_read *rd)
{
	return (struct ads1x15_conversion *)(void *)rd->state;
}

/* The chip was opened with the hardware: nothing more to do. */
static int ads_open(struct sensor_read *rd)
{
	(void)rd;
	return 0;
}

/* The conversion takes one period of the data rate; then the ready bit is asked. */
static int ads_start(struct sensor_read *rd, uint64_t now_ns)
{
	struct ads1x15_conversion *conv = conversion(rd);
	int err = hardware_input_start(rd->hw, rd->in, conv);

	(void)now_ns;
	if (err == 0)
		rd->due_ns = conv->started_ns + conv->period_ns;
	return err;
}

static int ads_finish(struct sensor_read *rd, uint64_t now_ns, double *volts)
{
	struct ads1x15_conversion *conv = conversion(rd);
	int err = hardware_input_collect(rd->hw, rd->in, conv, now_ns, volts);

	if (err == -EAGAIN)
		rd->due_ns = now_ns + conv->poll_ns;
	return err;
}

static void ads_close(struct sensor_read *rd)
{
	(void)rd;
}

const struct sensor_driver sensor_ads1x15 = {
	.name = "ads1x15",
	.on_adc = true,
	.measures = SENSOR_VOLTS,
	.open = ads_open,
	.start = ads_start,
	.finish = ads_finish,
	.close = ads_close,
};
