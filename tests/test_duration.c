/* Tests of duration parsing and formatting: what `irrigctl water` and the config accept and print. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/duration.h"

/* Keeps an untouched sentinel in *seconds so a refusal can be seen to leave it alone. */
#define UNTOUCHED 0xdeadbeefu

static uint32_t parse_ok(const char *text, uint32_t bare_unit_s)
{
	uint32_t s = UNTOUCHED;

	assert_int_equal(duration_parse(text, bare_unit_s, &s), 0);
	return s;
}

static void assert_refused(const char *text, uint32_t bare_unit_s, int err)
{
	uint32_t s = UNTOUCHED;

	assert_int_equal(duration_parse(text, bare_unit_s, &s), err);
	assert_int_equal(s, UNTOUCHED);
}

static void test_bare_number_uses_bare_unit(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("5", 60), 300);
	assert_int_equal(parse_ok("5", 1), 5);
	assert_int_equal(parse_ok("007", 60), 420);
}

static void test_units(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("90s", 60), 90);
	assert_int_equal(parse_ok("2m30s", 60), 150);
	assert_int_equal(parse_ok("1h", 60), 3600);
	assert_int_equal(parse_ok("1h30m", 60), 5400);
	assert_int_equal(parse_ok("1d", 60), 86400);
	assert_int_equal(parse_ok("1d2h3m4s", 60), 86400 + 7200 + 180 + 4);
	/* Units work without a bare unit: the config may forbid bare numbers. */
	assert_int_equal(parse_ok("45s", 0), 45);
}

static void test_a_week_is_the_limit(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("7d", 60), DURATION_MAX_S);
	assert_int_equal(parse_ok("10080", 60), DURATION_MAX_S);
	assert_refused("10081", 60, -ERANGE);
	assert_refused("8d", 60, -ERANGE);
	assert_refused("7d1s", 60, -ERANGE);
	assert_refused("604801s", 60, -ERANGE);
	assert_refused("168h1m", 60, -ERANGE);
}

static void test_huge_numbers_do_not_overflow(void **state)
{
	(void)state;
	/* 2^32 and 2^64 would wrap to small values if arithmetic overflowed. */
	assert_refused("4294967296s", 60, -ERANGE);
	assert_refused("18446744073709551616s", 60, -ERANGE);
	assert_refused("18446744073709551616", 60, -ERANGE);
	assert_refused("99999999999999999999999999999999999999999d", 60, -ERANGE);
	assert_refused("71582789", 60, -ERANGE);	/* * 60 wraps 32 bits */
}

static void test_refusals(void **state)
{
	static const char *const bad[] = {
		"", "0", "0s", "0m0s", "-5", "+5", "abc", "5x", "1h1h", "30s1m",
		"1m1h", "1h5", "h", "1dh", "m30s", " 5", "5 ", "1h 30m", "1.5h",
		"5M", "5S",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t s = UNTOUCHED;
		int r = duration_parse(bad[i], 60, &s);

		if (r != -EINVAL)
			fail_msg("\"%s\" gave %d, not -EINVAL", bad[i], r);
		assert_int_equal(s, UNTOUCHED);
	}
	assert_refused("5", 0, -EINVAL);
	assert_refused(NULL, 60, -EINVAL);
}

static const char *fmt(uint32_t seconds)
{
	static char buf[64];

	duration_format(seconds, buf, sizeof(buf));
	return buf;
}

static void test_format(void **state)
{
	(void)state;
	assert_string_equal(fmt(0), "0s");
	assert_string_equal(fmt(1), "1s");
	assert_string_equal(fmt(45), "45s");
	assert_string_equal(fmt(60), "1m");
	assert_string_equal(fmt(150), "2m 30s");
	assert_string_equal(fmt(3600), "1h");
	assert_string_equal(fmt(3660), "1h 1m");
	assert_string_equal(fmt(3601), "1h 1s");
	assert_string_equal(fmt(86400), "1d");
	assert_string_equal(fmt(90061), "1d 1h 1m 1s");
	assert_string_equal(fmt(DURATION_MAX_S), "7d");
	assert_string_equal(fmt(UINT32_MAX), "49710d 6h 28m 15s");
}

/* Whatever a format prints, without its spaces, parses back to the same seconds. */
static void test_format_round_trips(void **state)
{
	static const uint32_t values[] = { 1, 59, 60, 61, 150, 3599, 3600, 5400,
					   86399, 90061, DURATION_MAX_S };

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char squeezed[64];
		const char *f = fmt(values[i]);
		size_t n = 0;

		for (; *f; f++)
			if (*f != ' ')
				squeezed[n++] = *f;
		squeezed[n] = '\0';
		assert_int_equal(parse_ok(squeezed, 0), values[i]);
	}
}

static void test_format_truncates_safely(void **state)
{
	char buf[16];

	(void)state;
	for (size_t size = 1; size <= 12; size++) {
		memset(buf, 'X', sizeof(buf));
		duration_format(90061, buf, size);
		/* NUL-terminated inside the buffer, nothing written past it. */
		assert_non_null(memchr(buf, '\0', size));
		for (size_t i = size; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 'X');
		/* What is there is a prefix of the full text. */
		assert_memory_equal(buf, "1d 1h 1m 1s", strlen(buf));
	}
	memset(buf, 'X', sizeof(buf));
	duration_format(90061, buf, 0);
	assert_int_equal(buf[0], 'X');
	duration_format(0, buf, 2);
	assert_string_equal(buf, "0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bare_number_uses_bare_unit),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_a_week_is_the_limit),
		cmocka_unit_test(test_huge_numbers_do_not_overflow),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_round_trips),
		cmocka_unit_test(test_format_truncates_safely),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
