/* libFuzzer harness: history_parse() on any bytes (no NUL), and the format/parse round trip of what it accepts. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/history.h"
#include "fuzz.h"

#define CANARY 0xa5

static struct history parsed, again, untouched;
static char text1[HISTORY_TEXT_MAX], text2[HISTORY_TEXT_MAX];

/* format rounds litres to 3 decimals and moisture to 1. */
static void check_close(double a, double b, double tolerance, const char *what,
			size_t i)
{
	if (isnan(a) || isnan(b)) {
		FUZZ_CHECK(isnan(a) && isnan(b), "entry %zu %s: %g vs %g", i, what, a, b);
		return;
	}
	FUZZ_CHECK(fabs(a - b) <= tolerance, "entry %zu %s: %.9g vs %.9g", i, what,
		   a, b);
}

static void check_same(const struct history *a, const struct history *b,
		       double litres_tol, double moisture_tol)
{
	FUZZ_CHECK(history_len(a) == history_len(b), "len %zu vs %zu",
		   history_len(a), history_len(b));
	FUZZ_CHECK(a->next_id == b->next_id, "next_id %u vs %u", a->next_id,
		   b->next_id);
	for (size_t i = 0; i < history_len(a); i++) {
		const struct history_entry *x = history_at(a, i), *y = history_at(b, i);

		FUZZ_CHECK(x->id == y->id && x->started == y->started &&
			   x->planned_s == y->planned_s && x->actual_s == y->actual_s &&
			   x->outcome == y->outcome &&
			   strcmp(x->source, y->source) == 0 &&
			   strcmp(x->zone, y->zone) == 0,
			   "entry %zu differs after a round trip", i);
		check_close(x->litres, y->litres, litres_tol, "litres", i);
		check_close(x->moisture_start, y->moisture_start, moisture_tol,
			    "moisture_start", i);
		check_close(x->moisture_end, y->moisture_end, moisture_tol,
			    "moisture_end", i);
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* Exactly the bytes: history_parse must not look for a NUL. */
	char *text = malloc(size ? size : 1), err[128];
	uint32_t prev = 0;
	int r, n1, n2;

	if (!text)
		abort();
	memcpy(text, data, size);
	memset(&parsed, CANARY, sizeof(parsed));
	memset(&untouched, CANARY, sizeof(untouched));
	err[0] = '\0';
	r = history_parse(text, size, &parsed, err, sizeof(err));
	free(text);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL, "r = %d", r);
		FUZZ_CHECK(strncmp(err, "line ", 5) == 0, "error \"%s\"", err);
		FUZZ_CHECK(memcmp(&parsed, &untouched, sizeof(parsed)) == 0,
			   "a failed parse changed *out");
		return 0;
	}
	FUZZ_CHECK(r == 0, "r = %d", r);
	FUZZ_CHECK(history_len(&parsed) <= HISTORY_MAX, "len %zu", history_len(&parsed));
	FUZZ_CHECK(parsed.next_id > 0, "next_id 0");
	for (size_t i = 0; i < history_len(&parsed); i++) {
		const struct history_entry *e = history_at(&parsed, i);

		FUZZ_CHECK(e->id > prev && e->id < parsed.next_id, "entry %zu id %u", i,
			   e->id);
		FUZZ_CHECK(history_find(&parsed, e->id) == e, "find %u", e->id);
		prev = e->id;
	}
	if (history_len(&parsed)) {
		const struct history_entry *last =
			history_at(&parsed, history_len(&parsed) - 1);
		double day = history_litres_on(&parsed, last->zone, last->started);

		FUZZ_CHECK(day >= last->litres, "day total %g below one run's %g", day,
			   last->litres);
	}

	/* What parse accepted, format writes; and that parses back the same. */
	n1 = history_format(&parsed, text1, sizeof(text1));
	FUZZ_CHECK(n1 > 0 && (size_t)n1 < sizeof(text1), "format gave %d", n1);
	r = history_parse(text1, (size_t)n1, &again, err, sizeof(err));
	FUZZ_CHECK(r == 0, "formatted history does not parse: %s", err);
	check_same(&parsed, &again, 0.0005 + 1e-9, 0.05 + 1e-9);
	/* Formatting is stable after one round. */
	n2 = history_format(&again, text2, sizeof(text2));
	FUZZ_CHECK(n2 == n1 && memcmp(text1, text2, (size_t)n1) == 0,
		   "second format differs");
	return 0;
}
