/* The control protocol: the command table and the parsing of one request line. */
#ifndef IRRIGD_CORE_PROTO_H
#define IRRIGD_CORE_PROTO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A request is one line: "[--json] VERB [ARG...]\n", words separated by
 * spaces or tabs.  The reply is one or more lines; in text mode each line
 * but the last starts with "- " (output to show), and the last is "OK" or
 * "ERR CODE MESSAGE".  In JSON mode every line is one JSON object, the last
 * one with "ok": true or false.  See doc/protocol.md.
 */
#define PROTO_VERSION 1
/* Where irrigd listens and irrigctl connects unless told otherwise (the config's socket, -s). */
#define PROTO_DEFAULT_SOCKET "/run/irrigd/irrigd.sock"
#define PROTO_LINE_MAX 4096		/* bytes, newline included */
#define PROTO_ARGS_MAX 16

/* The commands, declared once in core/commands.def. */
enum cmd_id {
#define COMMAND(ID, name, ...) CMD_##ID,
#include "core/commands.def"
#undef COMMAND
	CMD__COUNT
};

/*
 * The command changes what the daemon does or keeps: valves, the queue,
 * programs, faults, the config, the simulated garden.  A client on a
 * read-only socket is to be refused such a command.
 */
#define CMD_CHANGES 0x1

struct cmd_spec {
	const char *name;
	const char *usage;	/* arguments, for help and usage errors */
	const char *summary;
	int min_args, max_args;	/* after the verb, options included */
	unsigned flags;		/* CMD_CHANGES or 0 */
};

extern const struct cmd_spec cmd_specs[CMD__COUNT];

/* Error codes a reply carries: stable, for scripts. */
#define ERR_BAD_REQUEST "bad-request"
#define ERR_TOO_LONG "too-long"
#define ERR_UNKNOWN_COMMAND "unknown-command"
#define ERR_USAGE "usage"
#define ERR_BAD_DURATION "bad-duration"
#define ERR_UNKNOWN_ZONE "unknown-zone"
#define ERR_UNKNOWN_PROGRAM "unknown-program"
#define ERR_BUSY "busy"
#define ERR_HARDWARE "hardware"
#define ERR_UNAVAILABLE "unavailable"
#define ERR_STOPPED "stopped"
#define ERR_QUEUE_FULL "queue-full"
#define ERR_BAD_CONFIG "bad-config"
#define ERR_FAULTED "faulted"		/* a latched fault holds the zone */
#define ERR_CAPPED "capped"		/* a daily volume cap is reached */
#define ERR_NOT_LEARNED "not-learned"	/* a learning run taught nothing */
#define ERR_PERMISSION "permission-denied"	/* a change asked on the read-only socket */

struct request {
	bool json;
	enum cmd_id cmd;
	int argc;			/* arguments after the verb */
	char *argv[PROTO_ARGS_MAX];
};

/*
 * Splits line (NUL-terminated, without its newline) in place into *req.
 * On error returns a negative errno and sets *code and *message for the
 * reply: control characters or bytes outside printable ASCII, too many
 * words, an unknown verb, or the wrong number of arguments.  A known verb
 * with --help among its arguments parses as "help VERB".
 */
int proto_parse(char *line, struct request *req, const char **code,
		const char **message);

/* The command called name, or -1. */
int proto_find_command(const char *name);

/*
 * s as a JSON string, quotes included, into buf; returns buf.  '"' and
 * '\\' are escaped, a newline is \n, any other control byte \u00XX.  Cut
 * short (still quoted) where buf is too small; 6 * strlen(s) + 8 bytes
 * always hold it whole.
 */
const char *proto_json_string(const char *s, char *buf, size_t size);

#endif
