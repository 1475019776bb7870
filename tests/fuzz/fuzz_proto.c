/* libFuzzer harness: proto_parse() on any request line, with the invariants a parsed request promises. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/proto.h"
#include "fuzz.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* Exactly the bytes and a NUL, so ASan sees any read past the line. */
	char *line = malloc(size + 1), *copy = malloc(size + 1);
	const char *code = NULL, *message = NULL;
	const char *first;
	struct request req;
	size_t len;
	int r;

	if (!line || !copy)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	memcpy(copy, line, size + 1);
	len = strlen(line);
	first = copy + strspn(copy, " \t");

	r = proto_parse(line, &req, &code, &message);
	/* "--json" as the first word asks for JSON, even for an error. */
	FUZZ_CHECK(req.json == (strncmp(first, "--json", 6) == 0 &&
				(blank(first[6]) || first[6] == '\0')),
		   "json flag %d for \"%s\"", req.json, copy);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL, "r = %d", r);
		FUZZ_CHECK(code && *code && message && *message,
			   "error without code or message");
		FUZZ_CHECK(!strchr(code, ' '), "code \"%s\" has a blank", code);
		goto out;
	}
	FUZZ_CHECK(r == 0, "r = %d", r);
	FUZZ_CHECK((unsigned)req.cmd < CMD__COUNT, "cmd %d", (int)req.cmd);
	FUZZ_CHECK(req.argc >= cmd_specs[req.cmd].min_args &&
		   req.argc <= cmd_specs[req.cmd].max_args &&
		   req.argc <= PROTO_ARGS_MAX,
		   "%s with %d arguments", cmd_specs[req.cmd].name, req.argc);
	/* The verb is there as a word, and only printable ASCII got through. */
	FUZZ_CHECK(strstr(copy, cmd_specs[req.cmd].name) != NULL, "verb %s not in line",
		   cmd_specs[req.cmd].name);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(copy[i] == '\t' || (copy[i] >= 0x20 && copy[i] <= 0x7e),
			   "byte 0x%02x accepted", (unsigned char)copy[i]);
	for (int i = 0; i < req.argc; i++) {
		const char *a = req.argv[i];

		/* Each argument is a non-empty word inside the line buffer. */
		FUZZ_CHECK(a >= line && a < line + len, "argv[%d] outside the line", i);
		FUZZ_CHECK(*a && !strpbrk(a, " \t"), "argv[%d] = \"%s\"", i, a);
		FUZZ_CHECK(a + strlen(a) <= line + len, "argv[%d] runs past the line", i);
		/* The same bytes as in the original line, in order. */
		FUZZ_CHECK(memcmp(a, copy + (a - line), strlen(a)) == 0,
			   "argv[%d] changed", i);
		if (i)
			FUZZ_CHECK(a > req.argv[i - 1], "argv out of order");
	}
	for (int i = req.argc; i < PROTO_ARGS_MAX; i++)
		FUZZ_CHECK(req.argv[i] == NULL, "argv[%d] set beyond argc", i);
	/* The lookup of the verb agrees with the table. */
	FUZZ_CHECK(proto_find_command(cmd_specs[req.cmd].name) == (int)req.cmd,
		   "lookup of %s", cmd_specs[req.cmd].name);
out:
	free(line);
	free(copy);
	return 0;
}
