/* The control protocol: the command table and the parsing of one request line. */
#include "core/proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const struct cmd_spec cmd_specs[CMD__COUNT] = {
#define COMMAND(ID, name_, flags_, min_, max_, usage_, summary_) \
	[CMD_##ID] = { .name = #name_, .usage = usage_, .summary = summary_, \
		       .min_args = min_, .max_args = max_, .flags = flags_ },
#include "core/commands.def"
#undef COMMAND
};

int proto_find_command(const char *name)
{
	for (int i = 0; i < CMD__COUNT; i++)
		if (strcmp(cmd_specs[i].name, name) == 0)
			return i;
	return -1;
}

static int fail(const char **code, const char **message, const char *c,
		const char *m)
{
	*code = c;
	*message = m;
	return -EINVAL;
}

int proto_parse(char *line, struct request *req, const char **code,
		const char **message)
{
	char *words[PROTO_ARGS_MAX + 2];
	int n = 0, first = 0, id;
	char *p = line;
	const char *lead = line + strspn(line, " \t");

	memset(req, 0, sizeof(*req));
	/*
	 * Known before any error, so even errors come back as JSON; blanks
	 * may lead, as the word splitting below allows.
	 */
	req->json = strncmp(lead, "--json", 6) == 0 &&
		(lead[6] == ' ' || lead[6] == '\t' || lead[6] == '\0');
	for (const unsigned char *c = (const unsigned char *)line; *c; c++)
		if ((*c < 0x20 && *c != '\t') || *c > 0x7e)
			return fail(code, message, ERR_BAD_REQUEST,
				    "request has a control or non-ASCII byte");
	while (*p) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == PROTO_ARGS_MAX + 2)
			return fail(code, message, ERR_BAD_REQUEST,
				    "too many words in request");
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (n > 0 && strcmp(words[0], "--json") == 0)
		first = 1;
	if (first == n)
		return fail(code, message, ERR_BAD_REQUEST, "empty request");
	id = proto_find_command(words[first]);
	if (id < 0)
		return fail(code, message, ERR_UNKNOWN_COMMAND,
			    "unknown command (try: help)");
	req->cmd = (enum cmd_id)id;
	req->argc = n - first - 1;
	/*
	 * "pause --help" is a question, not a duration: whatever else the
	 * line holds, it asks for the command's help.
	 */
	for (int i = first + 1; i < n; i++) {
		if (strcmp(words[i], "--help") == 0) {
			req->cmd = CMD_HELP;
			req->argc = 1;
			req->argv[0] = words[first];
			return 0;
		}
	}
	if (req->argc < cmd_specs[id].min_args ||
	    req->argc > cmd_specs[id].max_args)
		return fail(code, message, ERR_USAGE,
			    "wrong number of arguments (try: help)");
	for (int i = 0; i < req->argc; i++)
		req->argv[i] = words[first + 1 + i];
	return 0;
}

const char *proto_json_string(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	if (size < 3) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	buf[n++] = '"';
	for (; *s && n + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else if (c < 0x20) {
			n += (size_t)snprintf(buf + n, size - n, "\\u%04x", c);
		} else {
			buf[n++] = (char)c;
		}
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}
