/* libFuzzer harness: duration_parse() with bare unit 0 and 60, its round trip through duration_format(), and volume_parse(). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/duration.h"
#include "fuzz.h"

/* "1d 2h" as the parser takes it: "1d2h". */
static void squeeze(char *s)
{
	size_t k = 0;

	for (size_t i = 0; s[i]; i++)
		if (s[i] != ' ')
			s[k++] = s[i];
	s[k] = '\0';
}

static void check_one(const char *text, uint32_t bare, uint32_t *secs, int *r)
{
	uint32_t s = 0xdeadbeef;

	*r = duration_parse(text, bare, &s);
	FUZZ_CHECK(*r == 0 || *r == -EINVAL || *r == -ERANGE,
		   "\"%s\" (bare %u): r = %d", text, bare, *r);
	if (*r < 0) {
		FUZZ_CHECK(s == 0xdeadbeef, "\"%s\": *seconds written on error", text);
		return;
	}
	FUZZ_CHECK(s > 0 && s <= DURATION_MAX_S, "\"%s\" (bare %u) gave %u s",
		   text, bare, s);
	*secs = s;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text = malloc(size + 1), buf[64], again[64];
	uint32_t s0 = 0, s60 = 0, back = 0;
	int r0, r60, rb;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	{
		/* A volume always has its unit, so it is never a duration. */
		double litres = -1;
		int rv = volume_parse(text, &litres);

		FUZZ_CHECK(rv == 0 || rv == -EINVAL || rv == -ERANGE,
			   "\"%s\": volume r = %d", text, rv);
		FUZZ_CHECK(rv == 0 ? litres > 0 && litres <= VOLUME_MAX_L : litres == -1,
			   "\"%s\": %d, %g L", text, rv, litres);
		FUZZ_CHECK(rv != 0 || duration_parse(text, 60, &back) == -EINVAL,
			   "\"%s\" reads as a volume and a duration", text);
	}
	check_one(text, 0, &s0, &r0);
	check_one(text, 60, &s60, &r60);
	/* A bare unit only changes what a bare number means. */
	if (r0 == 0)
		FUZZ_CHECK(r60 == 0 && s60 == s0, "\"%s\": %u s with bare 0, %d/%u with 60",
			   text, s0, r60, s60);
	if (r60 == 0 && r0 != 0) {
		FUZZ_CHECK(strspn(text, "0123456789") == strlen(text),
			   "\"%s\" needs the bare unit but is not a bare number", text);
		FUZZ_CHECK(s60 % 60 == 0, "\"%s\": bare minutes gave %u s", text, s60);
	}
	if (r0 != 0 && r60 != 0)
		goto out;

	/* What duration_format writes parses back to the same seconds. */
	duration_format(s60, buf, sizeof(buf));
	FUZZ_CHECK(strlen(buf) < sizeof(buf) - 1, "format of %u too long", s60);
	memcpy(again, buf, sizeof(again));
	squeeze(again);
	check_one(again, 0, &back, &rb);
	FUZZ_CHECK(rb == 0 && back == s60, "%u s formats as \"%s\", parses as %d/%u",
		   s60, buf, rb, back);
out:
	free(text);
	return 0;
}
