/* Sensor calibration: volts from the ADC to moisture, light and temperature. */
#ifndef IRRIGD_CORE_CALIB_H
#define IRRIGD_CORE_CALIB_H

/*
 * Moisture in percent from a probe's volts and its two calibration points
 * (dry = 0 %, wet = 100 %), clamped to 0..100.  Works for probes whose
 * reading falls with moisture (capacitive) and for those where it rises.
 */
double calib_percent(double volts, double zero_volts, double full_volts);

/* TMP36: 10 mV/°C with 500 mV at 0 °C. */
double calib_tmp36_celsius(double volts);
/* LM35: 10 mV/°C from 0 V. */
double calib_lm35_celsius(double volts);
double calib_celsius_to_fahrenheit(double celsius);

#endif
