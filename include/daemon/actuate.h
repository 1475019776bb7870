/* Actuate: the one place above the drivers that switches a valve or the master (the promise is in actuate.c). */
#ifndef IRRIGD_DAEMON_ACTUATE_H
#define IRRIGD_DAEMON_ACTUATE_H

#include "core/controller.h"

struct daemon;

/*
 * Switches the valve or the master that a (ACT_VALVE_ON, ACT_VALVE_OFF,
 * ACT_MASTER_ON or ACT_MASTER_OFF) names; any other action switches
 * nothing.  A valve that does not close has every valve closed at once.
 * Returns 0 or the write's negative errno, which the caller raises as a
 * fault: it decides what the run does next.
 */
int actuate(struct daemon *d, const struct ctl_action *a);
/*
 * Every valve, the master and every probe's power switched off, whatever
 * the controller thinks is open; why ("stop", "a fault", ...) says in the
 * journal which path could not.  Returns 0 or a negative errno (logged).
 */
int actuate_all_closed(struct daemon *d, const char *why);

#endif
