/* The garden's hardware as the config wires it: valves, probes, meter, on either backend. */
#ifndef IRRIGD_DAEMON_HARDWARE_H
#define IRRIGD_DAEMON_HARDWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"
#include "hw/ads1x15.h"
#include "daemon/wiring.h"
#include "hw/flowmeter.h"
#include "hw/garden.h"

struct hardware;

/*
 * Opens the backend (the sim one when sim, whatever cfg says), sets every
 * valve and probe-power pin up as an output at its inactive level, so
 * every valve is closed before anything else happens.  cfg must outlive
 * the hardware.  Logs what failed, with the bus and address; returns 0 or
 * a negative errno.
 */
int hardware_open(const struct config *cfg, bool sim, struct hardware **out);
/*
 * Finds where each GPIO line cfg uses is (the flow meter's, valves', the
 * master's) on the backend hardware_open() would open, and refuses one
 * line used twice, however it is written: config_load() compares lines
 * as written, and only the chips know that "GPIO17" is gpiochip0 line 17.
 * A line no chip has is left for hardware_open() to report.  Returns 0,
 * or -EINVAL with err naming both settings.
 */
int hardware_check_lines(const struct config *cfg, bool sim, char *err,
			 size_t size);
/*
 * The same, closing what the last run drove first: each output of
 * previous (its wiring record; NULL for none) that cfg does not set up is
 * driven to its inactive level, and every other output pin of the
 * expanders either names is made an input.  A record of the other
 * backend is left alone: the sim's chips are not the real ones.  What
 * cannot be closed is logged, and kept for hardware_wiring().
 */
int hardware_open_after(const struct config *cfg, bool sim,
			const struct wiring *previous, struct hardware **out);
/* The record of this run: cfg's outputs, and the last run's not closed. */
void hardware_wiring(const struct hardware *hw, struct wiring *out);
/*
 * For --all-off: opens w's backend, drives each of w's outputs to its
 * inactive level and makes every other output pin of w's expanders an
 * input; trying all even when one fails.  0 or the first error.
 */
int hardware_close_wiring(const struct wiring *w);
/*
 * The last resort, when nothing says what was wired: every output pin of
 * every MCP23008 that answers at 0x20-0x27 on /dev/i2c-bus (the sim's
 * chips with sim) made an input, as at power-on; *found says how many
 * answered.
 */
int hardware_release_expanders(unsigned bus, bool sim, unsigned *found);
/*
 * Asks each ADC whether it answers and logs, with its bus and address,
 * one that does not: at start, so a missing or miswired chip is in the
 * journal then, not at the first reading minutes later.
 */
void hardware_probe_inputs(struct hardware *hw);
/* Closes every valve, then frees everything. */
void hardware_close(struct hardware *hw);
/* The config hardware_open() was given changed in place (a reload). */
void hardware_config_changed(struct hardware *hw);

/* Every valve, the master and power pins off, trying all even when one fails. */
int hardware_all_off(struct hardware *hw);
/* A latch that reads back wrong is written again before it fails (-EIO). */
int hardware_valve(struct hardware *hw, int zone, bool open);
/* Was this valve or master output set up at start (a reload may use it)? */
bool hardware_has_output(struct hardware *hw, const struct config_pin *pin);
/* The master valve or pump; nothing to do (0) when there is none. */
int hardware_master(struct hardware *hw, bool open);

/*
 * Sensors are read without waiting, by the sampler: it powers the probes
 * (the longest power_settle_ms is returned; errs[p] gets a probe whose
 * power pin failed), starts each input's conversion and collects it when
 * due (-EAGAIN: not yet), then powers them off.  A change in whether an
 * ADC answers is logged here, once.
 */
unsigned hardware_power_probes(struct hardware *hw, bool on, int *errs);
int hardware_input_start(struct hardware *hw, const struct config_analog *in,
			 struct ads1x15_conversion *conv);
int hardware_input_collect(struct hardware *hw, const struct config_analog *in,
			   const struct ads1x15_conversion *conv, uint64_t now,
			   double *volts);
/*
 * Why a read of in failed, for people: "ADS1115 at /dev/i2c-1 0x48 does
 * not answer: Input/output error" while its ADC's last access failed,
 * else err's own text.
 */
void hardware_input_error(const struct hardware *hw,
			  const struct config_analog *in, int err, char *buf,
			  size_t size);
/*
 * How many times every output was switched off: a read whose probes lost
 * their power meanwhile read nothing real, and is taken again.
 */
unsigned hardware_power_cuts(const struct hardware *hw);
/* -ERANGE outside the probe's min_volts..max_volts (at a rail). */
int hardware_probe_percent(const struct hardware *hw, size_t p, double volts,
			   double *percent);
/* In the config's unit. */
double hardware_temperature(const struct hardware *hw, double volts);
double hardware_light(const struct hardware *hw, double volts);
/* Whether the rain sensor reads wet (linux backend); -ENODEV without one. */
int hardware_rain_wet(struct hardware *hw, bool *wet);

/*
 * Is the simulated garden standing in for a real one?  True when cfg says
 * backend = "sim", irrigd was not started with --sim (sim_option), and
 * dev_dir ("/dev") holds an I2C bus (i2c-N) and a GPIO chip (gpiochipN),
 * as a Raspberry Pi with I2C enabled does; msg then says so, for the
 * journal.  A directory that cannot be read holds none.
 */
bool hardware_simulating_real_garden(const struct config *cfg, bool sim_option,
				     const char *dev_dir, char *msg,
				     size_t size);

struct flowmeter *hardware_flowmeter(struct hardware *hw);
/* The garden model, NULL on real hardware. */
struct garden *hardware_garden(struct hardware *hw);

#endif
