/* Tests of the run history: the ring, daily totals in local time, and the state file's text form. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/history.h"

/* 2026-06-14 22:00:00 UTC: local midnight of 15 June in Berlin (CEST). */
#define MIDNIGHT_15_JUNE 1781474400
#define T0 1781000000

static struct history_entry entry(const char *zone, time_t started,
				  double litres)
{
	struct history_entry e = {
		.started = started, .planned_s = 300, .actual_s = 300,
		.litres = litres, .moisture_start = 31.5, .moisture_end = 40.0,
		.outcome = RUN_COMPLETED,
	};

	snprintf(e.source, sizeof(e.source), "%s", "morning");
	snprintf(e.zone, sizeof(e.zone), "%s", zone);
	return e;
}

static struct history *new_history(void)
{
	struct history *h = malloc(sizeof(*h));

	assert_non_null(h);
	history_init(h);
	return h;
}

static void test_empty(void **state)
{
	struct history *h = new_history();

	(void)state;
	assert_int_equal(history_len(h), 0);
	assert_null(history_at(h, 0));
	assert_null(history_find(h, 1));
	assert_true(history_litres_on(h, "garden", T0) == 0.0);
	free(h);
}

static void test_add_assigns_increasing_ids_from_one(void **state)
{
	struct history *h = new_history();
	struct history_entry e = entry("garden", T0, 1.0);
	struct history_entry *added;

	(void)state;
	e.id = 77;	/* the caller's id is ignored */
	added = history_add(h, &e);
	assert_int_equal(added->id, 1);
	assert_string_equal(added->zone, "garden");
	added = history_add(h, &e);
	assert_int_equal(added->id, 2);
	assert_int_equal(history_len(h), 2);
	assert_int_equal(history_at(h, 0)->id, 1);
	assert_int_equal(history_at(h, 1)->id, 2);
	assert_null(history_at(h, 2));
	assert_ptr_equal(history_find(h, 2), history_at(h, 1));
	free(h);
}

static void test_rotation_keeps_the_newest(void **state)
{
	struct history *h = new_history();
	const size_t total = HISTORY_MAX + 57;

	(void)state;
	for (size_t i = 0; i < total; i++) {
		struct history_entry e = entry("garden", T0 + (time_t)i, (double)i);

		assert_int_equal(history_add(h, &e)->id, i + 1);
	}
	assert_int_equal(history_len(h), HISTORY_MAX);
	assert_int_equal(h->next_id, total + 1);
	for (size_t i = 0; i < HISTORY_MAX; i++) {
		const struct history_entry *e = history_at(h, i);
		uint32_t id = (uint32_t)(total - HISTORY_MAX + i + 1);

		assert_int_equal(e->id, id);
		assert_int_equal(e->started, T0 + (time_t)(id - 1));
		assert_ptr_equal(history_find(h, id), e);
	}
	assert_null(history_at(h, HISTORY_MAX));
	assert_null(history_find(h, 1));
	assert_null(history_find(h, (uint32_t)(total - HISTORY_MAX)));
	assert_null(history_find(h, (uint32_t)total + 1));
	free(h);
}

/*
 * A full history: 100 runs stopped at once, each added as it started and
 * taken back as it ended, push none of the 200 real runs out.
 */
static void test_taking_back_a_run_keeps_the_full_history(void **state)
{
	struct history *h = new_history();

	(void)state;
	for (size_t i = 0; i < HISTORY_MAX; i++) {
		struct history_entry e = entry("garden", T0 + (time_t)i, 1.0);

		history_add(h, &e);
	}
	for (int i = 0; i < 100; i++) {
		struct history_entry e = entry("garden", T0 + 1000 + i, 0.0);
		uint32_t id = history_add(h, &e)->id;

		assert_int_equal(id, HISTORY_MAX + 1);
		assert_int_equal(history_take_back(h, id), 0);
		assert_int_equal(history_take_back(h, id), -ENOENT);
	}
	assert_int_equal(history_len(h), HISTORY_MAX);
	for (size_t i = 0; i < HISTORY_MAX; i++)
		assert_int_equal(history_at(h, i)->id, i + 1);
	/* Only the newest entry can be taken back. */
	assert_int_equal(history_take_back(h, 1), -ENOENT);
	assert_int_equal(history_len(h), HISTORY_MAX);
	free(h);
}

/* 25 October 2026 has 25 hours in Berlin: its last hour still counts. */
static void test_litres_on_a_day_the_clocks_go_back(void **state)
{
	/* Local midnights: 24 Oct 22:00 UTC (CEST), then 25 Oct 23:00 UTC (CET). */
	const time_t start = 1792879200, next = start + 25 * 3600;
	struct history *h = new_history();
	struct history_entry e[] = {
		entry("garden", start - 1, 1.0),
		entry("garden", start, 2.0),
		entry("garden", next - 1, 4.0),
		entry("garden", next, 8.0),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		history_add(h, &e[i]);
	assert_true(history_litres_on(h, "garden", start + 12 * 3600) == 6.0);
	assert_true(history_litres_on(h, "garden", next - 1) == 6.0);
	assert_true(history_litres_on(h, "garden", next) == 8.0);
	free(h);
}

static void test_litres_on_counts_that_zone_on_that_local_day(void **state)
{
	struct history *h = new_history();
	struct history_entry e[] = {
		/* 14 June, 23:59:59 local */
		entry("garden", MIDNIGHT_15_JUNE - 1, 1.0),
		/* 15 June, 00:00:00 local */
		entry("garden", MIDNIGHT_15_JUNE, 2.0),
		/* 15 June 01:30 local, still 14 June in UTC */
		entry("garden", MIDNIGHT_15_JUNE + 5400, 4.0),
		entry("lawn", MIDNIGHT_15_JUNE + 5400, 8.0),
		entry("garden-2", MIDNIGHT_15_JUNE + 5400, 16.0),
		/* 15 June 23:59:59 local */
		entry("garden", MIDNIGHT_15_JUNE + 86399, 32.0),
		/* 16 June 00:00 local */
		entry("garden", MIDNIGHT_15_JUNE + 86400, 64.0),
	};

	struct tm tm;
	time_t midnight = MIDNIGHT_15_JUNE;

	(void)state;
	/* Without the zone's rules this would test UTC days instead. */
	assert_non_null(localtime_r(&midnight, &tm));
	assert_int_equal(tm.tm_mday, 15);
	assert_int_equal(tm.tm_hour, 0);
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		history_add(h, &e[i]);
	assert_true(history_litres_on(h, "garden", MIDNIGHT_15_JUNE + 12 * 3600) ==
		    2.0 + 4.0 + 32.0);
	assert_true(history_litres_on(h, "garden", MIDNIGHT_15_JUNE) == 38.0);
	assert_true(history_litres_on(h, "garden", MIDNIGHT_15_JUNE - 1) == 1.0);
	assert_true(history_litres_on(h, "garden", MIDNIGHT_15_JUNE + 86400) == 64.0);
	assert_true(history_litres_on(h, "lawn", MIDNIGHT_15_JUNE) == 8.0);
	assert_true(history_litres_on(h, "lawn", MIDNIGHT_15_JUNE - 1) == 0.0);
	assert_true(history_litres_on(h, "nowhere", MIDNIGHT_15_JUNE) == 0.0);
	/* Every zone together. */
	assert_true(history_litres_on(h, NULL, MIDNIGHT_15_JUNE) ==
		    2.0 + 4.0 + 8.0 + 16.0 + 32.0);
	free(h);
}

static void assert_same_moisture(double a, double b)
{
	if (isnan(a))
		assert_true(isnan(b));
	else
		assert_true(a == b);
}

static void assert_same_entry(const struct history_entry *a,
			      const struct history_entry *b)
{
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->started, b->started);
	assert_string_equal(a->source, b->source);
	assert_string_equal(a->zone, b->zone);
	assert_int_equal(a->planned_s, b->planned_s);
	assert_int_equal(a->actual_s, b->actual_s);
	assert_true(a->litres == b->litres);
	assert_same_moisture(a->moisture_start, b->moisture_start);
	assert_same_moisture(a->moisture_end, b->moisture_end);
	assert_int_equal(a->outcome, b->outcome);
}

/*
 * Formats into a heap buffer of exactly the size needed, so ASan sees any
 * write past it; returns the text and its length.
 */
static char *format_exact(const struct history *h, size_t *len)
{
	char *big = malloc(HISTORY_TEXT_MAX), *text;
	int n;

	assert_non_null(big);
	n = history_format(h, big, HISTORY_TEXT_MAX);
	assert_true(n > 0);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(history_format(h, text, (size_t)n + 1), n);
	assert_memory_equal(text, big, (size_t)n + 1);
	free(big);
	*len = (size_t)n;
	return text;
}

/* Parses a copy without a NUL after it, so ASan sees any read past len. */
static int parse_copy(const char *text, size_t len, struct history *out,
		      char *err, size_t err_size)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, text, len);
	ret = history_parse(copy, len, out, err, err_size);
	free(copy);
	return ret;
}

/* The text people see when they look at the file. */
#define START "irrigd-history 1\nnext_id 5\n" \
	"1 1781000000 morning garden 300 300 70.125 31.5 40.0 completed\n" \
	"2 1781003600 manual lawn_1 300 0 0.000 - - interrupted\n" \
	"3 1781007200 morning Beds-2 604800 604800 1000000.000 0.0 100.0 ended-early\n" \
	"4 0 morning garden 300 300 0.001 12.5 - fault\n"

static void test_format_parse_round_trip(void **state)
{
	struct history *h = new_history(), *back = new_history();
	struct history_entry e[] = {
		entry("garden", T0, 70.125),
		entry("lawn_1", T0 + 3600, 0.0),
		entry("Beds-2", T0 + 7200, 1e6),
		entry("garden", 0, 0.001),
	};
	char err[128] = "";
	size_t len;
	char *text;

	(void)state;
	snprintf(e[1].source, sizeof(e[1].source), HISTORY_SOURCE_MANUAL);
	e[1].moisture_start = NAN;
	e[1].moisture_end = NAN;
	e[1].outcome = RUN_SHUTDOWN;
	e[1].actual_s = 0;
	e[2].planned_s = 7 * 24 * 3600;
	e[2].actual_s = 7 * 24 * 3600;
	e[2].moisture_start = 0.0;
	e[2].moisture_end = 100.0;
	e[2].outcome = RUN_ENDED_EARLY;
	e[3].moisture_start = 12.5;
	e[3].moisture_end = NAN;
	e[3].outcome = RUN_FAULT;
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		history_add(h, &e[i]);

	text = format_exact(h, &len);
	assert_int_equal(len, strlen(START));
	assert_memory_equal(text, START, strlen(START));
	assert_int_equal(parse_copy(text, len, back, err, sizeof(err)), 0);
	assert_int_equal(history_len(back), history_len(h));
	assert_int_equal(back->next_id, h->next_id);
	for (size_t i = 0; i < history_len(h); i++)
		assert_same_entry(history_at(back, i), history_at(h, i));
	free(text);
	free(h);
	free(back);
}

static void test_round_trip_after_rotation_and_of_an_empty_history(void **state)
{
	struct history *h = new_history(), *back = new_history();
	char err[128] = "";
	size_t len;
	char *text;

	(void)state;
	text = format_exact(h, &len);
	assert_string_equal(text, "irrigd-history 1\nnext_id 1\n");
	history_add(back, &(struct history_entry){ .zone = "x" });
	assert_int_equal(parse_copy(text, len, back, err, sizeof(err)), 0);
	assert_int_equal(history_len(back), 0);
	assert_int_equal(back->next_id, 1);
	free(text);

	for (int i = 0; i < HISTORY_MAX + 3; i++) {
		struct history_entry e = entry("garden", T0 + i, i / 8.0);

		history_add(h, &e);
	}
	text = format_exact(h, &len);
	assert_int_equal(parse_copy(text, len, back, err, sizeof(err)), 0);
	assert_int_equal(history_len(back), HISTORY_MAX);
	assert_int_equal(back->next_id, HISTORY_MAX + 4);
	for (size_t i = 0; i < HISTORY_MAX; i++)
		assert_same_entry(history_at(back, i), history_at(h, i));
	/* The parsed history goes on where the old one stopped. */
	assert_int_equal(history_add(back, history_at(h, 0))->id, HISTORY_MAX + 4);
	free(text);
	free(h);
	free(back);
}

/* The longest line of each field still fits the advertised buffer size. */
static void test_full_history_of_longest_entries_fits_text_max(void **state)
{
	struct history *h = new_history();
	char *buf = malloc(HISTORY_TEXT_MAX);
	struct history_entry e = entry("garden", 253402300799ll, 1e6);

	(void)state;
	assert_non_null(buf);
	memset(e.source, 's', HISTORY_NAME_MAX - 1);
	memset(e.zone, 'z', HISTORY_NAME_MAX - 1);
	e.planned_s = e.actual_s = 7 * 24 * 3600;
	e.moisture_start = e.moisture_end = 100.0;
	e.outcome = RUN_SHUTDOWN;
	h->next_id = 0x7fffff00u;
	for (int i = 0; i < HISTORY_MAX; i++)
		history_add(h, &e);
	assert_true(history_format(h, buf, HISTORY_TEXT_MAX) > 0);
	free(buf);
	free(h);
}

static void test_format_into_a_small_buffer_is_enospc(void **state)
{
	struct history *h = new_history();
	size_t len;
	char *text;

	(void)state;
	for (int i = 0; i < 3; i++) {
		struct history_entry e = entry("garden", T0 + i, 2.5);

		history_add(h, &e);
	}
	text = format_exact(h, &len);
	/* Every size short of the text and its NUL, each an exact heap block. */
	for (size_t size = 0; size <= len; size++) {
		char *buf = malloc(size ? size : 1);

		assert_non_null(buf);
		assert_int_equal(history_format(h, buf, size), -ENOSPC);
		free(buf);
	}
	free(text);
	free(h);
}

static void test_format_refuses_what_parse_would_refuse(void **state)
{
	struct history *h = new_history();
	char buf[512];
	struct history_entry *e;

	(void)state;
	e = history_add(h, &(struct history_entry){ .zone = "garden",
						    .source = "morning" });
	assert_true(history_format(h, buf, sizeof(buf)) > 0);
	snprintf(e->zone, sizeof(e->zone), "gar den");
	assert_int_equal(history_format(h, buf, sizeof(buf)), -EINVAL);
	snprintf(e->zone, sizeof(e->zone), "%s", "");
	assert_int_equal(history_format(h, buf, sizeof(buf)), -EINVAL);
	snprintf(e->zone, sizeof(e->zone), "garden");
	/* no room for a NUL: refused rather than read past */
	memset(e->source, 'a', sizeof(e->source));
	assert_int_equal(history_format(h, buf, sizeof(buf)), -EINVAL);
	snprintf(e->source, sizeof(e->source), "a\nb");
	assert_int_equal(history_format(h, buf, sizeof(buf)), -EINVAL);
	snprintf(e->source, sizeof(e->source), "morning");
	e->litres = NAN;
	assert_int_equal(history_format(h, buf, sizeof(buf)), -EINVAL);
	e->litres = 1.0;
	e->moisture_end = 100.5;
	assert_int_equal(history_format(h, buf, sizeof(buf)), -EINVAL);
	e->moisture_end = -0.0;	/* written as 0.0, not -0.0 */
	assert_true(history_format(h, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, " 0.0 completed\n"));
	free(h);
}

#define HDR "irrigd-history 1\nnext_id 9\n"
#define GOOD "1 1781000000 morning garden 300 299 70.125 31.5 40.0 completed\n"

/*
 * text must be refused at line `line`, with *out untouched (it holds
 * one entry beforehand, which a half-done parse would have overwritten).
 */
static void assert_refused(const char *text, unsigned line)
{
	struct history *out = new_history(), *before = malloc(sizeof(*before));
	struct history_entry e = entry("keep", T0, 5.0);
	char err[128] = "", want[32];

	assert_non_null(before);
	history_add(out, &e);
	memcpy(before, out, sizeof(*out));
	if (parse_copy(text, strlen(text), out, err, sizeof(err)) != -EINVAL)
		fail_msg("accepted: \"%s\"", text);
	snprintf(want, sizeof(want), "line %u: ", line);
	if (strncmp(err, want, strlen(want)) != 0 || strlen(err) <= strlen(want))
		fail_msg("\"%s\" for \"%s\", expected \"%s...\"", err, text, want);
	assert_memory_equal(out, before, sizeof(*out));
	free(before);
	free(out);
}

static void test_parse_accepts_the_good_text(void **state)
{
	struct history *out = new_history();
	char err[64] = "";

	(void)state;
	/* the baseline the refusals below are variations of */
	assert_int_equal(parse_copy(HDR GOOD, strlen(HDR GOOD), out, err,
				    sizeof(err)), 0);
	assert_int_equal(history_len(out), 1);
	assert_int_equal(out->next_id, 9);
	assert_string_equal(history_at(out, 0)->zone, "garden");
	assert_int_equal(history_at(out, 0)->actual_s, 299);
	free(out);
}

static void test_parse_refuses_bad_headers(void **state)
{
	(void)state;
	assert_refused("", 1);
	assert_refused("irrigd-history 2\nnext_id 9\n", 1);
	assert_refused("irrigd-history 1 \nnext_id 9\n", 1);
	assert_refused("irrigd-last-run 1\nnext_id 9\n", 1);
	assert_refused("irrigd-history 1\n", 2);
	assert_refused("irrigd-history 1", 1);
	assert_refused("irrigd-history 1\nnext_id 9", 2);
	assert_refused("irrigd-history 1\nnext_id\n", 2);
	assert_refused("irrigd-history 1\nnext_id 0\n", 2);
	assert_refused("irrigd-history 1\nnext_id -1\n", 2);
	assert_refused("irrigd-history 1\nnext_id 9x\n", 2);
	assert_refused("irrigd-history 1\nnext_id 4294967296\n", 2);
	assert_refused("irrigd-history 1\nnext_id 4294967295\n", 2);
	assert_refused("irrigd-history 1\nnext_id  9\n", 2);
	assert_refused("irrigd-history 1\nnext_id 9\r\n", 2);
	assert_refused("irrigd-history 1\nlast_id 9\n", 2);
}

static void test_parse_refuses_bad_lines(void **state)
{
	(void)state;
	/* truncation: the last line lost its end */
	assert_refused(HDR GOOD "2 1781000000 morning garden 300 299 70.1", 4);
	assert_refused(HDR "1 1781000000 morning garden 300 299 70.125 31.5 40.0 completed", 3);
	/* shape */
	assert_refused(HDR GOOD "\n", 4);
	assert_refused(HDR "1 1781000000 morning garden 300 299 70.125 31.5 40.0\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 70.125 31.5 40.0 completed x\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 70.125 31.5 40.0 completed \n", 3);
	assert_refused(HDR "1 1781000000 morning  garden 300 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR " 1 1781000000 morning garden 300 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1\t1781000000 morning garden 300 299 70.125 31.5 40.0 completed\n", 3);
	/* numbers */
	assert_refused(HDR "x 1781000000 morning garden 300 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 17810000OO morning garden 300 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 -1 morning garden 300 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 +1781000000 morning garden 300 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 99999999999999999999999 morning garden 300 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden -300 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 604801 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 4294967596 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 -70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 1000000.001 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 nan 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 inf 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 1e3 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 70. 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 .5 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 70,125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 70.1.2 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 70.125 100.1 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 70.125 31.5 -0.5 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 70.125 31.5 -- completed\n", 3);
	/* names and outcomes */
	assert_refused(HDR "1 1781000000 morning garden 300 299 70.125 31.5 40.0 finished\n", 3);
	assert_refused(HDR "1 1781000000 morning garden 300 299 70.125 31.5 40.0 completedcompleted\n", 3);
	assert_refused(HDR "1 1781000000 morning gar\"den 300 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morn;ing garden 300 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "1 1781000000 morning "
		       "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz 300 299 70.125 31.5 40.0 completed\n", 3);
	/* ids */
	assert_refused(HDR GOOD GOOD, 4);
	assert_refused(HDR "2 1781000000 morning garden 300 299 70.125 31.5 40.0 completed\n" GOOD, 4);
	assert_refused(HDR "0 1781000000 morning garden 300 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "9 1781000000 morning garden 300 299 70.125 31.5 40.0 completed\n", 3);
	assert_refused(HDR "01 1781000000 morning garden 300 299 70.125 31.5 40.0 completed\n", 3);
}

static void test_parse_refuses_a_nul_inside(void **state)
{
	static const char text[] = HDR "1 1781000000 morning gar\0en 300 299 "
				   "70.125 31.5 40.0 completed\n";
	struct history *out = new_history();
	char err[64] = "";

	(void)state;
	assert_int_equal(parse_copy(text, sizeof(text) - 1, out, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "line 3: bad zone name");
	assert_int_equal(history_len(out), 0);
	free(out);
}

static void test_parse_keeps_the_newest_when_there_are_too_many(void **state)
{
	const size_t total = HISTORY_MAX + 10;
	size_t size = 64 + total * 100, len;
	char *text = malloc(size);
	struct history *out = new_history();
	char err[64] = "";
	int n;

	(void)state;
	assert_non_null(text);
	n = snprintf(text, size, "irrigd-history 1\nnext_id %zu\n", total + 1);
	len = (size_t)n;
	for (size_t id = 1; id <= total; id++) {
		n = snprintf(text + len, size - len,
			     "%zu %zu manual garden 60 60 %zu.500 - - completed\n",
			     id, T0 + id, id);
		len += (size_t)n;
	}
	assert_true(len < size);
	assert_int_equal(parse_copy(text, len, out, err, sizeof(err)), 0);
	assert_int_equal(history_len(out), HISTORY_MAX);
	assert_int_equal(out->next_id, total + 1);
	for (size_t i = 0; i < HISTORY_MAX; i++) {
		const struct history_entry *e = history_at(out, i);
		size_t id = total - HISTORY_MAX + 1 + i;

		assert_int_equal(e->id, id);
		assert_int_equal(e->started, T0 + id);
		assert_true(e->litres == (double)id + 0.5);
	}
	assert_null(history_find(out, 10));
	assert_non_null(history_find(out, 11));
	free(text);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_add_assigns_increasing_ids_from_one),
		cmocka_unit_test(test_rotation_keeps_the_newest),
		cmocka_unit_test(test_taking_back_a_run_keeps_the_full_history),
		cmocka_unit_test(test_litres_on_counts_that_zone_on_that_local_day),
		cmocka_unit_test(test_litres_on_a_day_the_clocks_go_back),
		cmocka_unit_test(test_format_parse_round_trip),
		cmocka_unit_test(test_round_trip_after_rotation_and_of_an_empty_history),
		cmocka_unit_test(test_full_history_of_longest_entries_fits_text_max),
		cmocka_unit_test(test_format_into_a_small_buffer_is_enospc),
		cmocka_unit_test(test_format_refuses_what_parse_would_refuse),
		cmocka_unit_test(test_parse_accepts_the_good_text),
		cmocka_unit_test(test_parse_refuses_bad_headers),
		cmocka_unit_test(test_parse_refuses_bad_lines),
		cmocka_unit_test(test_parse_refuses_a_nul_inside),
		cmocka_unit_test(test_parse_keeps_the_newest_when_there_are_too_many),
	};

	/* Daily totals follow the local date; Berlin has a UTC offset and DST. */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
