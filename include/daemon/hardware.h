/* The garden's hardware as the config wires it: valves, probes, meter, on either backend. */
#ifndef IRRIGD_DAEMON_HARDWARE_H
#define IRRIGD_DAEMON_HARDWARE_H

#include <stdbool.h>

#include "daemon/config.h"
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
/* Closes every valve, then frees everything. */
void hardware_close(struct hardware *hw);

/* Every valve, the master and power pins off, trying all even when one fails. */
int hardware_all_off(struct hardware *hw);
/* A latch that reads back wrong is written again before it fails (-EIO). */
int hardware_valve(struct hardware *hw, int zone, bool open);
/* Was this valve or master output set up at start (a reload may use it)? */
bool hardware_has_output(struct hardware *hw, const struct config_pin *pin);
/* The master valve or pump; nothing to do (0) when there is none. */
int hardware_master(struct hardware *hw, bool open);

/*
 * Reads every soil probe (powering them for the read where they have a
 * power pin): percent[i] for probe i, and errs[i] 0 or a negative errno:
 * -ERANGE for a reading outside the probe's min_volts..max_volts (at a
 * rail: disconnected or shorted).  volts (may be NULL) gets what each
 * probe read, where it read.  Returns how many read well.
 */
int hardware_read_soil(struct hardware *hw, double *percent, int *errs,
		       double *volts);
/* In the config's unit. */
int hardware_read_temperature(struct hardware *hw, double *value);
int hardware_read_light(struct hardware *hw, double *percent);

struct flowmeter *hardware_flowmeter(struct hardware *hw);
/* The garden model, NULL on real hardware. */
struct garden *hardware_garden(struct hardware *hw);

#endif
