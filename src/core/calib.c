/* Sensor calibration: volts from the ADC to moisture, light and temperature. */
#include "core/calib.h"

double calib_percent(double volts, double zero_volts, double full_volts)
{
	double span = full_volts - zero_volts;
	double percent;

	if (span == 0.0)
		return 0.0;
	percent = (volts - zero_volts) / span * 100.0;
	if (percent < 0.0)
		return 0.0;
	if (percent > 100.0)
		return 100.0;
	return percent;
}

double calib_tmp36_celsius(double volts)
{
	return (volts - 0.5) * 100.0;
}

double calib_lm35_celsius(double volts)
{
	return volts * 100.0;
}

double calib_celsius_to_fahrenheit(double celsius)
{
	return celsius * 9.0 / 5.0 + 32.0;
}
