/* libFuzzer harness: the faults state file's parser on any text, with a format and parse round trip of what it accepts. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/faults.h"
#include "fuzz.h"

#define CANARY 0x5a

static struct fault_state parsed, reparsed, untouched;
static char text[FAULTS_TEXT_MAX], text2[FAULTS_TEXT_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memset(&untouched, CANARY, sizeof(untouched));
	return 0;
}

static int valid_zone(const char *zone)
{
	size_t len = strnlen(zone, FAULT_ZONE_MAX);

	return len < FAULT_ZONE_MAX &&
	       strspn(zone, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_-") == len;
}

static int valid_flow(double lpm)
{
	return isnan(lpm) || (lpm >= 0 && lpm <= FLOW_LEARN_MAX_LPM);
}

/* What the daemon relies on in a state it loaded. */
static void check_state(const struct fault_state *st)
{
	FUZZ_CHECK(st->faults.n <= FAULTS_MAX, "%zu faults", st->faults.n);
	FUZZ_CHECK(st->n_learned <= FAULTS_LEARNED_MAX, "%zu learned",
		   st->n_learned);
	for (size_t i = 0; i < st->faults.n; i++) {
		const struct fault *f = &st->faults.list[i];
		size_t dlen = strnlen(f->detail, FAULT_DETAIL_MAX);

		FUZZ_CHECK((unsigned)f->kind < FAULT_KINDS, "fault %zu kind %d", i,
			   (int)f->kind);
		FUZZ_CHECK(valid_zone(f->zone), "fault %zu zone", i);
		FUZZ_CHECK(valid_flow(f->measured_lpm) && valid_flow(f->expected_lpm),
			   "fault %zu flows %g %g", i, f->measured_lpm,
			   f->expected_lpm);
		FUZZ_CHECK(dlen < FAULT_DETAIL_MAX, "fault %zu detail", i);
		for (size_t c = 0; c < dlen; c++)
			FUZZ_CHECK(f->detail[c] >= 0x20 && f->detail[c] < 0x7f,
				   "fault %zu detail byte 0x%02x", i,
				   (unsigned char)f->detail[c]);
		/* Never the same fault twice: clear would leave one behind. */
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(st->faults.list[j].kind != f->kind ||
				   strcmp(st->faults.list[j].zone, f->zone),
				   "faults %zu and %zu are the same", j, i);
	}
	for (size_t i = 0; i < st->n_learned; i++) {
		const struct learned_zone *lz = &st->learned[i];

		FUZZ_CHECK(lz->zone[0] && valid_zone(lz->zone), "learned %zu zone", i);
		FUZZ_CHECK(lz->learned.len <= FLOW_LEARN_RUNS &&
			   lz->learned.first < FLOW_LEARN_RUNS,
			   "learned %zu: first %zu len %zu", i, lz->learned.first,
			   lz->learned.len);
		for (size_t r = 0; r < lz->learned.len; r++) {
			double lpm = lz->learned.lpm[(lz->learned.first + r) %
						     FLOW_LEARN_RUNS];

			FUZZ_CHECK(lpm >= FLOW_LEARN_MIN_LPM &&
				   lpm <= FLOW_LEARN_MAX_LPM,
				   "learned %zu run %zu: %g", i, r, lpm);
		}
		/* As many as agreed would have replaced the runs kept. */
		FUZZ_CHECK(lz->learned.n_candidates < FLOW_LEARN_AGREE,
			   "learned %zu: %zu candidates", i,
			   lz->learned.n_candidates);
		for (size_t c = 0; c < lz->learned.n_candidates; c++)
			FUZZ_CHECK(lz->learned.candidate[c] >= FLOW_LEARN_MIN_LPM &&
				   lz->learned.candidate[c] <= FLOW_LEARN_MAX_LPM,
				   "learned %zu candidate %zu: %g", i, c,
				   lz->learned.candidate[c]);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(st->learned[j].zone, lz->zone),
				   "learned %zu and %zu are one zone", j, i);
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[256], err2[256];
	int r, len, len2;

	memset(&parsed, CANARY, sizeof(parsed));
	memset(err, CANARY, sizeof(err));
	r = fault_state_parse((const char *)data, size, &parsed, err, sizeof(err));
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
	/*
	 * What was accepted is written back and read again the same: a
	 * restart never loses or changes a fault or a learned flow.
	 */
	len = fault_state_format(&parsed, text, sizeof(text));
	FUZZ_CHECK(len >= 0, "an accepted state does not format: %d", len);
	memset(&reparsed, ~CANARY, sizeof(reparsed));
	r = fault_state_parse(text, (size_t)len, &reparsed, err2, sizeof(err2));
	FUZZ_CHECK(r == 0, "its own text is refused: %s\n%s", err2, text);
	len2 = fault_state_format(&reparsed, text2, sizeof(text2));
	FUZZ_CHECK(len2 == len && memcmp(text, text2, (size_t)len) == 0,
		   "a round trip changed the text:\n%s---\n%s", text, text2);
	return 0;
}
