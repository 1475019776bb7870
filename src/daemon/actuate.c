/* Actuate: the one place above the drivers that switches a valve or the master. */
/*
 * The promise: every valve closes on every exit.  Each path that ends
 * watering closes every valve through actuate_all_closed(), after the
 * controller's own stop actions went through actuate():
 *
 *  - stop: `irrigctl stop` (watering_stop, RUN_STOPPED);
 *  - a fault: a valve or the master that does not switch, a failed start
 *    among them (watering's fault_stop), a valve that does not close
 *    (here, at once), a leak (watering, once safety asked); a no-flow or
 *    high-flow alarm ends its run with the controller's own valve-off;
 *  - SIGTERM and SIGINT (main's on_stop_signal: watering_stop,
 *    RUN_SHUTDOWN), and any other way out of the event loop (run_daemon
 *    stops the same way before it closes the hardware);
 *  - a reload that moves the pin of an open valve or master: the old
 *    config, which names the open pin, stops everything first;
 *  - daemon exit and a start-up that fails once the hardware is open:
 *    hardware_close() switches every output it set up off.
 *
 * What backs them up when the process dies (SIGKILL, a crash, the
 * watchdog): before any valve can open, main records every output it set
 * up in STATE_DIR/wiring (wiring.c); the unit's ExecStopPost=irrigd
 * --all-off drives each of them to its inactive level whatever the config
 * says by then, and the next start closes them too before anything else
 * (irrigd(8), FILES).  A power cut leaves the MCP23008 at its power-on
 * state, every pin an input, which relay boards read as off.
 */
#include <errno.h>

#include "daemon/actuate.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/log.h"

/* For watchers: a zone's valve switched. */
static void valve_switched(struct daemon *d, int zone, bool open)
{
	const char *name = config_zone_name(&d->cfg, zone, "");
	struct event ev;

	event_init(&ev, open ? EV_VALVE_OPENED : EV_VALVE_CLOSED);
	ev.zone = name;
	event_emit(&ev, "Valve of %s %s", name, open ? "opened" : "closed");
}

int actuate(struct daemon *d, const struct ctl_action *a)
{
	int err;

	switch (a->kind) {
	case ACT_MASTER_ON:
		return hardware_master(d->hw, true);
	case ACT_MASTER_OFF:
		err = hardware_master(d->hw, false);
		if (err < 0)
			d->valve_may_be_open = true;
		return err;
	case ACT_VALVE_ON:
		err = hardware_valve(d->hw, a->zone, true);
		if (err >= 0)
			valve_switched(d, a->zone, true);
		return err;
	case ACT_VALVE_OFF:
		err = hardware_valve(d->hw, a->zone, false);
		if (err < 0) {
			d->valve_may_be_open = true;
			actuate_all_closed(d, "a valve did not close");
		}
		else
			valve_switched(d, a->zone, false);
		return err;
	default:
		return 0;
	}
}

int actuate_all_closed(struct daemon *d, const char *why)
{
	int err = hardware_all_off(d->hw);

	/* Only a whole all-off that worked says nothing is open any more. */
	d->valve_may_be_open = err < 0;
	if (err < 0) {
		struct event ev;

		event_init(&ev, EV_FAULT);
		ev.priority = LOG_CRIT;
		ev.fault = "all-off";
		ev.err = err;
		event_emit(&ev, "cannot switch every valve off (%s)", why);
	}
	return err;
}
