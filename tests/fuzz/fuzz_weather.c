/* libFuzzer harness: the weather state file's parser on any text, with a format and parse round trip of what it accepts. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/weatherlog.h"
#include "fuzz.h"

#define CANARY 0x5a

static struct weather_log parsed, reparsed, untouched;
static char text[WEATHER_TEXT_MAX], text2[WEATHER_TEXT_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memset(&untouched, CANARY, sizeof(untouched));
	return 0;
}

/* What the daemon relies on in a record it loaded. */
static void check_day(const struct weather_day *day, const char *which)
{
	FUZZ_CHECK(day->date.month >= 1 && day->date.month <= 12, "%s month", which);
	if (day->samples)
		FUZZ_CHECK(day->min_c <= day->max_c && isfinite(day->mean_c),
			   "%s temperatures", which);
	FUZZ_CHECK(isnan(day->et0_mm) || (day->et0_mm >= 0 && day->et0_mm <= 50),
		   "%s ET0 %g", which, day->et0_mm);
}

static void check_log(const struct weather_log *log)
{
	FUZZ_CHECK(log->n_days <= WEATHER_DAYS_MAX, "%zu days", log->n_days);
	FUZZ_CHECK(log->n_balance <= WEATHER_ZONES_MAX, "%zu zones", log->n_balance);
	check_day(&log->today, "today");
	for (size_t i = 0; i < log->n_days; i++)
		check_day(&log->days[i], "a day");
	for (size_t i = 0; i < log->n_balance; i++) {
		size_t len = strnlen(log->balance[i].zone, WEATHER_NAME_MAX);

		FUZZ_CHECK(len > 0 && len < WEATHER_NAME_MAX, "zone %zu name", i);
		FUZZ_CHECK(log->balance[i].depletion_mm >= 0, "zone %zu depletion", i);
	}
	FUZZ_CHECK(log->rain_until >= 0, "rain-until %lld", (long long)log->rain_until);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[256], err2[256];
	int r, len, len2;

	memset(&parsed, CANARY, sizeof(parsed));
	memset(err, CANARY, sizeof(err));
	r = weather_log_parse((const char *)data, size, &parsed, err, sizeof(err));
	if (r < 0) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)), "err not terminated");
		FUZZ_CHECK(r == -EINVAL, "r = %d: %s", r, err);
		FUZZ_CHECK(err[0], "refused without a message");
		FUZZ_CHECK(memcmp(&parsed, &untouched, sizeof(parsed)) == 0,
			   "a refused file changed *out: %s", err);
		return 0;
	}
	FUZZ_CHECK(r == 0, "r = %d", r);
	check_log(&parsed);
	/* What was accepted reads back after a restart, and then stays as it is. */
	len = weather_log_format(&parsed, text, sizeof(text));
	FUZZ_CHECK(len >= 0, "an accepted record does not format: %d", len);
	r = weather_log_parse(text, (size_t)len, &reparsed, err2, sizeof(err2));
	FUZZ_CHECK(r == 0, "its own text is refused: %s\n%s", err2, text);
	len2 = weather_log_format(&reparsed, text2, sizeof(text2));
	FUZZ_CHECK(len2 == len && memcmp(text, text2, (size_t)len) == 0,
		   "a round trip changed the text:\n%s---\n%s", text, text2);
	return 0;
}
