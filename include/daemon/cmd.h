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

/*
 * Each command's handler, cmd_<name>, in one of cmd-*.c; the list of
 * commands (core/commands.def) declares them and fills cmd_handlers.
 */
#define COMMAND(ID, name, ...) cmd_fn cmd_##name;
#include "core/commands.def"
#undef COMMAND

extern cmd_fn *const cmd_handlers[CMD__COUNT];

/* status: the programs irrigctl disabled, or whose next start it skips. */
void cmd_programs_status(struct cmd_ctx *ctx, char *json, size_t size);

/* status: the auto percentage (or its fallback) and the rain sensor's hold. */
void cmd_smart_status(struct cmd_ctx *ctx, char *json, size_t size);

/* Local time as "Tue 25 Nov 06:30", for replies. */
void cmd_format_time(time_t when, char *buf, size_t size);

#endif
