/* libFuzzer harness: the programs state file's parser on any text, with a format and parse round trip of what it accepts. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/progstate.h"
#include "fuzz.h"

#define CANARY 0x5a

static struct progstates parsed, reparsed, untouched;
static char text[PROGSTATE_TEXT_MAX], text2[PROGSTATE_TEXT_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memset(&untouched, CANARY, sizeof(untouched));
	return 0;
}

/* What the daemon relies on in a state it loaded. */
static void check_state(const struct progstates *ps)
{
	FUZZ_CHECK(ps->n <= PROGSTATE_MAX, "%zu programs", ps->n);
	for (size_t i = 0; i < ps->n; i++) {
		const struct progstate_entry *e = &ps->list[i];
		size_t len = strnlen(e->name, SCHEDULE_NAME_MAX);

		FUZZ_CHECK(len > 0 && len < SCHEDULE_NAME_MAX, "program %zu name", i);
		FUZZ_CHECK(strspn(e->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789_-") == len,
			   "program %zu name bytes", i);
		FUZZ_CHECK((unsigned)e->override <= PROGRAM_DISABLED,
			   "program %zu override %d", i, (int)e->override);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(ps->list[j].name, e->name),
				   "programs %zu and %zu are one", j, i);
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[256], err2[256];
	int r, len, len2;

	memset(&parsed, CANARY, sizeof(parsed));
	memset(err, CANARY, sizeof(err));
	r = progstates_parse((const char *)data, size, &parsed, err, sizeof(err));
	if (r < 0) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)), "err not terminated");
		FUZZ_CHECK(r == -EINVAL, "r = %d: %s", r, err);
		FUZZ_CHECK(err[0], "refused without a message");
		FUZZ_CHECK(memcmp(&parsed, &untouched, sizeof(parsed)) == 0,
			   "a refused file changed *out: %s", err);
		return 0;
	}
	FUZZ_CHECK(r == 0, "r = %d", r);
	check_state(&parsed);
	/* What was accepted reads back the same after a restart. */
	len = progstates_format(&parsed, text, sizeof(text));
	FUZZ_CHECK(len >= 0, "an accepted state does not format: %d", len);
	memset(&reparsed, ~CANARY, sizeof(reparsed));
	r = progstates_parse(text, (size_t)len, &reparsed, err2, sizeof(err2));
	FUZZ_CHECK(r == 0, "its own text is refused: %s\n%s", err2, text);
	len2 = progstates_format(&reparsed, text2, sizeof(text2));
	FUZZ_CHECK(len2 == len && memcmp(text, text2, (size_t)len) == 0,
		   "a round trip changed the text:\n%s---\n%s", text, text2);
	return 0;
}
