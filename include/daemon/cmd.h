/* The control commands' handlers, one file per group, dispatched from commands.c. */
#ifndef IRRIGD_DAEMON_CMD_H
#define IRRIGD_DAEMON_CMD_H

#include "core/nsec.h"
#include "core/proto.h"
#include "daemon/daemon.h"


struct cmd_ctx {
	struct daemon *d;
	struct client *client;
	const struct request *req;
	const char *who;		/* "uid 1000 pid 4242", for the log */
	struct out *out;
};

typedef void cmd_fn(struct cmd_ctx *ctx);

/* cmd-water.c: water, stop, skip, learn */
cmd_fn cmd_water, cmd_stop, cmd_skip, cmd_learn;
/* cmd-status.c */
cmd_fn cmd_status, cmd_zones;
/* cmd-sensors.c */
cmd_fn cmd_sensors, cmd_moisture, cmd_temperature, cmd_brightness, cmd_flow;
/* cmd-safety.c */
cmd_fn cmd_faults, cmd_clear;
/* cmd-sim.c */
cmd_fn cmd_sim;
/* cmd-programs.c */
cmd_fn cmd_schedule, cmd_history, cmd_pause, cmd_resume, cmd_reload, cmd_program;

/* status: the programs irrigctl disabled, or whose next start it skips. */
void cmd_programs_status(struct cmd_ctx *ctx, char *json, size_t size);

/* Local time as "Tue 25 Nov 06:30", for replies. */
void cmd_format_time(time_t when, char *buf, size_t size);

#endif
