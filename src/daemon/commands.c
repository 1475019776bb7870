/* The control commands: one handler per entry of the protocol's command table. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/proto.h"
#include "daemon/cmd.h"
#include "daemon/log.h"

/* ---- version, help ---- */

void cmd_version(struct cmd_ctx *ctx)
{
	out_line(ctx->out, "irrigd %s, protocol %d", IRRIGD_VERSION, PROTO_VERSION);
	out_ok(ctx->out, "\"version\":\"%s\",\"protocol\":%d", IRRIGD_VERSION,
	       PROTO_VERSION);
}

/* One command's object in help's JSON, appended to json. */
static void help_json(int id, char *json, size_t size, size_t *used)
{
	const struct cmd_spec *spec = &cmd_specs[id];

	if (*used < size)
		*used += (size_t)snprintf(json + *used, size - *used,
			"%s{\"name\":\"%s\",\"usage\":\"%s\",\"summary\":\"%s\"}",
			*used ? "," : "", spec->name, spec->usage, spec->summary);
}

void cmd_help(struct cmd_ctx *ctx)
{
	char json[4096];
	size_t used = 0;

	json[0] = '\0';
	if (ctx->req->argc == 1) {
		int id = proto_find_command(ctx->req->argv[0]);

		if (id < 0) {
			out_err(ctx->out, ERR_UNKNOWN_COMMAND, "no command called "
				"%.64s (try: help)", ctx->req->argv[0]);
			return;
		}
		help_json(id, json, sizeof(json), &used);
		out_line(ctx->out, "Usage: %s%s%s", cmd_specs[id].name,
			 *cmd_specs[id].usage ? " " : "", cmd_specs[id].usage);
		out_line(ctx->out, "%c%s.", toupper((unsigned char)cmd_specs[id].summary[0]),
			 cmd_specs[id].summary + 1);
		out_line(ctx->out, "More in irrigctl(1); every command: help");
		out_ok(ctx->out, "\"commands\":[%s]", json);
		return;
	}
	for (int i = 0; i < CMD__COUNT; i++) {
		char words[80];

		help_json(i, json, sizeof(json), &used);
		snprintf(words, sizeof(words), "%s %s", cmd_specs[i].name,
			 cmd_specs[i].usage);
		out_line(ctx->out, "%-36s %s", words, cmd_specs[i].summary);
	}
	out_ok(ctx->out, "\"commands\":[%s]", json);
}

/* ---- watch ---- */

void cmd_watch(struct cmd_ctx *ctx)
{
	out_line(ctx->out, "Watching irrigd's events, one a line (Ctrl-C ends)");
	out_ok(ctx->out, "\"watching\":true");
	/* From here on this connection carries events (doc/protocol.md). */
	client_watch(ctx->client, ctx->req->json);
}

cmd_fn *const cmd_handlers[CMD__COUNT] = {
#define COMMAND(ID, name, ...) [CMD_##ID] = cmd_##name,
#include "core/commands.def"
#undef COMMAND
};

void commands_handle(struct daemon *d, struct client *c, char *line,
		     const char *who)
{
	/*
	 * One reply buffer for the daemon's life (requests are handled one at
	 * a time), and no request allocates from the heap: a block taken per
	 * request lands wherever the heap has room, and makes resident the
	 * pages it writes there, so the soak saw memory creep up a page at a
	 * time with the heap's layout.  Resident here is the longest reply.
	 */
	static struct out reply;
	struct out *out = &reply;
	struct request req;
	const char *code, *message;
	struct cmd_ctx ctx = { d, c, &req, who, out };
	int r;

	r = proto_parse(line, &req, &code, &message);
	out_init(out, req.json);
	if (r < 0 && strcmp(code, ERR_USAGE) == 0)
		out_err(out, code, "usage: %s%s%s", cmd_specs[req.cmd].name,
			*cmd_specs[req.cmd].usage ? " " : "",
			cmd_specs[req.cmd].usage);
	else if (r < 0)
		out_err(out, code, "%s", message);
	else if ((cmd_specs[req.cmd].flags & CMD_CHANGES) && client_read_only(c)) {
		/* The one place the read-only socket is enforced. */
		log_msg(LOG_NOTICE, "refused %s from %s: read-only socket",
			cmd_specs[req.cmd].name, who);
		out_err(out, ERR_PERMISSION, "permission denied: %s changes what "
			"irrigd does, and this is the read-only socket (only "
			"commands that change nothing are answered here)",
			cmd_specs[req.cmd].name);
	} else {
		d->reply = out;
		cmd_handlers[req.cmd](&ctx);
		d->reply = NULL;
		out_flush_warnings(out);
	}
	client_send(c, out->buf, out->len);
}
