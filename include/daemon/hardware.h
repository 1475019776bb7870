/* The garden's hardware as the config wires it: valves, probes, meter, on either backend. */
#ifndef IRRIGD_DAEMON_HARDWARE_H
#define IRRIGD_DAEMON_HARDWARE_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon/config.h"
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
