/* Tests of latched faults and learned flows: what holds which zone, what clears it, and the state file's text form. */
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

#include "core/faults.h"

#define T0 1781000000

static struct fault fault(enum fault_kind kind, const char *zone, time_t raised)
{
	struct fault f = {
		.kind = kind, .raised = raised,
		.measured_lpm = 0.0, .expected_lpm = 12.5,
	};

	snprintf(f.zone, sizeof(f.zone), "%s", zone);
	snprintf(f.detail, sizeof(f.detail), "%s", "no flow after 30 s");
	return f;
}

static struct fault_state *new_state(void)
{
	struct fault_state *st = malloc(sizeof(*st));

	assert_non_null(st);
	fault_state_init(st);
	return st;
}

static void test_kind_names_and_back(void **state)
{
	static const char *const names[FAULT_KINDS] = {
		"no-flow", "high-flow", "leak", "valve", "state-unreadable",
	};
	enum fault_kind kind = FAULT_KINDS;

	(void)state;
	for (int k = 0; k < FAULT_KINDS; k++) {
		assert_string_equal(fault_kind_name((enum fault_kind)k), names[k]);
		assert_int_equal(fault_kind_parse(names[k], &kind), 0);
		assert_int_equal(kind, k);
	}
	assert_string_equal(fault_kind_name(FAULT_KINDS), "unknown");
	kind = FAULT_KINDS;
	assert_int_equal(fault_kind_parse("leaks", &kind), -EINVAL);
	assert_int_equal(fault_kind_parse("Leak", &kind), -EINVAL);
	assert_int_equal(fault_kind_parse("", &kind), -EINVAL);
	assert_int_equal(fault_kind_parse("unknown", &kind), -EINVAL);
	assert_int_equal(fault_kind_parse(NULL, &kind), -EINVAL);
	assert_int_equal(kind, FAULT_KINDS);
}

static void test_a_fault_latches_on_its_zone_only(void **state)
{
	struct fault_set s;
	struct fault f = fault(FAULT_NO_FLOW, "beds", T0);
	const struct fault *got;

	(void)state;
	faults_init(&s);
	assert_false(faults_hold_zone(&s, "beds"));
	assert_null(faults_holding(&s, "beds"));
	got = faults_raise(&s, &f);
	assert_non_null(got);
	assert_int_equal(s.n, 1);
	assert_true(faults_hold_zone(&s, "beds"));
	assert_ptr_equal(faults_holding(&s, "beds"), got);
	assert_int_equal(got->kind, FAULT_NO_FLOW);
	assert_string_equal(got->zone, "beds");
	assert_int_equal(got->raised, T0);
	assert_true(got->measured_lpm == 0.0);
	assert_true(got->expected_lpm == 12.5);
	assert_string_equal(got->detail, "no flow after 30 s");
	assert_false(faults_hold_zone(&s, "lawn"));
	assert_false(faults_hold_zone(&s, "bed"));
	assert_false(faults_hold_zone(&s, "beds2"));
	/* A zone's fault is no garden-wide one. */
	assert_false(faults_hold_zone(&s, ""));
}

static void test_raising_it_again_renews_it_in_place(void **state)
{
	struct fault_set s;
	struct fault a = fault(FAULT_NO_FLOW, "beds", T0);
	struct fault b = fault(FAULT_HIGH_FLOW, "beds", T0 + 1);
	struct fault c = fault(FAULT_NO_FLOW, "lawn", T0 + 2);
	struct fault again = fault(FAULT_NO_FLOW, "beds", T0 + 3600);
	struct fault *got;

	(void)state;
	faults_init(&s);
	faults_raise(&s, &a);
	faults_raise(&s, &b);	/* another kind: a fault of its own */
	faults_raise(&s, &c);	/* another zone: too */
	assert_int_equal(s.n, 3);
	again.measured_lpm = 0.25;
	again.expected_lpm = NAN;
	snprintf(again.detail, sizeof(again.detail), "still dry");
	got = faults_raise(&s, &again);
	assert_int_equal(s.n, 3);
	assert_ptr_equal(got, &s.list[0]);
	assert_int_equal(got->raised, T0 + 3600);
	assert_true(got->measured_lpm == 0.25);
	assert_true(isnan(got->expected_lpm));
	assert_string_equal(got->detail, "still dry");
	assert_int_equal(s.list[1].kind, FAULT_HIGH_FLOW);
	assert_string_equal(s.list[2].zone, "lawn");
}

static void test_a_full_set_drops_the_oldest(void **state)
{
	struct fault_set s;
	struct fault *got;
	char zone[16];

	(void)state;
	faults_init(&s);
	for (int i = 0; i < FAULTS_MAX + 3; i++) {
		struct fault f;

		snprintf(zone, sizeof(zone), "z%d", i);
		f = fault(FAULT_VALVE, zone, T0 + i);
		got = faults_raise(&s, &f);
		assert_ptr_equal(got, &s.list[s.n - 1]);
		assert_int_equal(s.n, i < FAULTS_MAX ? i + 1 : FAULTS_MAX);
	}
	assert_string_equal(s.list[0].zone, "z3");
	assert_string_equal(s.list[FAULTS_MAX - 1].zone, "z34");
	assert_false(faults_hold_zone(&s, "z2"));
	assert_true(faults_hold_zone(&s, "z3"));
	/* Renewing one in a full set drops nothing. */
	{
		struct fault f = fault(FAULT_VALVE, "z10", T0 + 100);

		assert_ptr_equal(faults_raise(&s, &f), &s.list[7]);
		assert_int_equal(s.n, FAULTS_MAX);
		assert_string_equal(s.list[0].zone, "z3");
	}
}

static void test_a_garden_wide_fault_holds_every_zone(void **state)
{
	struct fault_set s;
	struct fault leak = fault(FAULT_LEAK, "", T0);
	struct fault beds = fault(FAULT_NO_FLOW, "beds", T0 + 1);

	(void)state;
	faults_init(&s);
	faults_raise(&s, &beds);
	faults_raise(&s, &leak);
	assert_true(faults_hold_zone(&s, "beds"));
	assert_true(faults_hold_zone(&s, "lawn"));
	assert_true(faults_hold_zone(&s, "anything"));
	assert_true(faults_hold_zone(&s, ""));
	/* The zone's own fault comes first in the set. */
	assert_ptr_equal(faults_holding(&s, "beds"), &s.list[0]);
	assert_ptr_equal(faults_holding(&s, "lawn"), &s.list[1]);

	/* Clearing a zone does not clear the garden... */
	assert_int_equal(faults_clear_zone(&s, "beds"), 1);
	assert_true(faults_hold_zone(&s, "beds"));
	assert_int_equal(faults_holding(&s, "beds")->kind, FAULT_LEAK);
	/* ...clearing the garden does. */
	assert_int_equal(faults_clear_zone(&s, ""), 1);
	assert_false(faults_hold_zone(&s, "beds"));
	assert_int_equal(s.n, 0);
}

static void test_clearing_keeps_the_order_of_the_rest(void **state)
{
	struct fault_set s;
	struct fault f[] = {
		fault(FAULT_NO_FLOW, "beds", T0),
		fault(FAULT_NO_FLOW, "lawn", T0 + 1),
		fault(FAULT_HIGH_FLOW, "beds", T0 + 2),
		fault(FAULT_VALVE, "", T0 + 3),
		fault(FAULT_VALVE, "pots", T0 + 4),
		fault(FAULT_VALVE, "beds", T0 + 5),
	};

	(void)state;
	faults_init(&s);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		faults_raise(&s, &f[i]);
	assert_int_equal(faults_clear_zone(&s, "nowhere"), 0);
	assert_int_equal(s.n, 6);
	assert_int_equal(faults_clear_zone(&s, "beds"), 3);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.list[0].zone, "lawn");
	assert_string_equal(s.list[1].zone, "");
	assert_string_equal(s.list[2].zone, "pots");
	assert_int_equal(faults_clear_zone(&s, "beds"), 0);
	assert_int_equal(faults_clear_all(&s), 3);
	assert_int_equal(s.n, 0);
	assert_int_equal(faults_clear_all(&s), 0);
	assert_false(faults_hold_zone(&s, "lawn"));
}

static void test_raise_refuses_what_is_no_zone(void **state)
{
	struct fault_set s;
	struct fault f = fault(FAULT_NO_FLOW, "beds", T0);

	(void)state;
	faults_init(&s);
	snprintf(f.zone, sizeof(f.zone), "be ds");
	assert_null(faults_raise(&s, &f));
	snprintf(f.zone, sizeof(f.zone), "beds\n");
	assert_null(faults_raise(&s, &f));
	snprintf(f.zone, sizeof(f.zone), "a/b");
	assert_null(faults_raise(&s, &f));
	/* 32 bytes and no NUL: cutting it could name another zone. */
	memset(f.zone, 'z', sizeof(f.zone));
	assert_null(faults_raise(&s, &f));
	snprintf(f.zone, sizeof(f.zone), "beds");
	f.kind = FAULT_KINDS;
	assert_null(faults_raise(&s, &f));
	assert_int_equal(s.n, 0);
	/* The longest name is fine. */
	f.kind = FAULT_VALVE;
	memset(f.zone, 'z', sizeof(f.zone) - 1);
	f.zone[sizeof(f.zone) - 1] = '\0';
	assert_non_null(faults_raise(&s, &f));
	assert_true(faults_hold_zone(&s, f.zone));
}

static void test_raise_mends_what_the_file_cannot_hold(void **state)
{
	struct fault_set s;
	struct fault f = fault(FAULT_HIGH_FLOW, "beds", -5);
	struct fault *got;

	(void)state;
	faults_init(&s);
	snprintf(f.detail, sizeof(f.detail), "a\nb\tc\x80" "d\x7f" "e\r");
	f.measured_lpm = INFINITY;
	f.expected_lpm = -1.0;
	got = faults_raise(&s, &f);
	assert_non_null(got);
	assert_string_equal(got->detail, "a?b?c?d?e?");
	assert_true(isnan(got->measured_lpm));
	assert_true(isnan(got->expected_lpm));
	assert_int_equal(got->raised, 0);

	/* A detail without its NUL is cut to what fits. */
	f = fault(FAULT_NO_FLOW, "beds", T0);
	memset(f.detail, 'x', sizeof(f.detail));
	f.measured_lpm = -0.0;
	f.expected_lpm = 1e6;
	got = faults_raise(&s, &f);
	assert_int_equal(strlen(got->detail), FAULT_DETAIL_MAX - 1);
	assert_false(signbit(got->measured_lpm));
	assert_true(got->expected_lpm == 1e6);
}

static void test_learned_zones_are_made_on_demand(void **state)
{
	struct fault_state *st = new_state();
	struct flow_learned *beds, *lawn;
	char zone[16];

	(void)state;
	assert_null(fault_state_learned(st, "beds", false));
	beds = fault_state_learned(st, "beds", true);
	assert_non_null(beds);
	assert_int_equal(beds->len, 0);
	assert_true(flow_learned_median(beds) == 0.0);
	flow_learned_add(beds, 12.0);
	assert_ptr_equal(fault_state_learned(st, "beds", false), beds);
	assert_ptr_equal(fault_state_learned(st, "beds", true), beds);
	lawn = fault_state_learned(st, "lawn", true);
	assert_true(lawn != beds);
	assert_int_equal(st->n_learned, 2);
	assert_true(flow_learned_median(fault_state_learned(st, "beds", false)) == 12.0);
	assert_null(fault_state_learned(st, "", true));
	assert_null(fault_state_learned(st, "be ds", true));
	assert_null(fault_state_learned(st, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", true));
	for (int i = 2; i < FAULTS_LEARNED_MAX; i++) {
		snprintf(zone, sizeof(zone), "z%d", i);
		assert_non_null(fault_state_learned(st, zone, true));
	}
	assert_null(fault_state_learned(st, "one-more", true));
	assert_int_equal(st->n_learned, FAULTS_LEARNED_MAX);
	assert_ptr_equal(fault_state_learned(st, "lawn", true), lawn);
	free(st);
}

/*
 * Formats into a heap buffer of exactly the size needed, so ASan sees any
 * write past it; returns the text and its length.
 */
static char *format_exact(const struct fault_state *st, size_t *len)
{
	char *big = malloc(FAULTS_TEXT_MAX), *text;
	int n;

	assert_non_null(big);
	n = fault_state_format(st, big, FAULTS_TEXT_MAX);
	assert_true(n > 0);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fault_state_format(st, text, (size_t)n + 1), n);
	assert_memory_equal(text, big, (size_t)n + 1);
	free(big);
	*len = (size_t)n;
	return text;
}

/* Parses a copy without a NUL after it, so ASan sees any read past len. */
static int parse_copy(const char *text, size_t len, struct fault_state *out,
		      char *err, size_t err_size)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, text, len);
	ret = fault_state_parse(copy, len, out, err, err_size);
	free(copy);
	return ret;
}

static void assert_same_flow(double a, double b)
{
	if (isnan(a))
		assert_true(isnan(b));
	else
		assert_true(a == b);
}

static void assert_same_state(const struct fault_state *a,
			      const struct fault_state *b)
{
	assert_int_equal(a->faults.n, b->faults.n);
	for (size_t i = 0; i < a->faults.n; i++) {
		const struct fault *x = &a->faults.list[i], *y = &b->faults.list[i];

		assert_int_equal(x->kind, y->kind);
		assert_string_equal(x->zone, y->zone);
		assert_int_equal(x->raised, y->raised);
		assert_same_flow(x->measured_lpm, y->measured_lpm);
		assert_same_flow(x->expected_lpm, y->expected_lpm);
		assert_string_equal(x->detail, y->detail);
	}
	assert_int_equal(a->n_learned, b->n_learned);
	for (size_t i = 0; i < a->n_learned; i++) {
		const struct flow_learned *x = &a->learned[i].learned;
		const struct flow_learned *y = &b->learned[i].learned;

		assert_string_equal(a->learned[i].zone, b->learned[i].zone);
		assert_int_equal(x->len, y->len);
		for (size_t j = 0; j < x->len; j++)
			assert_true(x->lpm[(x->first + j) % FLOW_LEARN_RUNS] ==
				    y->lpm[(y->first + j) % FLOW_LEARN_RUNS]);
		assert_int_equal(x->n_candidates, y->n_candidates);
		for (size_t j = 0; j < x->n_candidates; j++)
			assert_true(x->candidate[j] == y->candidate[j]);
	}
}

/* The text people see when they look at the file. */
#define TEXT "irrigd-faults 1\n" \
	"fault no-flow beds 1781000000 0.000 12.500 no flow after 30 s\n" \
	"fault leak - 1781003600 2.125 - flow with every valve closed\n" \
	"fault valve - 0 - -\n" \
	"fault high-flow Lawn_2 253402300799 1000000.000 0.001  two  spaces \n" \
	"learned beds 12.500 12.250 12.750\n" \
	"learned Lawn_2 0.001 1000000.000 3.000 4.000 5.000\n" \
	"learned pots\n"

static void test_format_parse_round_trip(void **state)
{
	struct fault_state *st = new_state(), *back = new_state();
	struct fault f[] = {
		fault(FAULT_NO_FLOW, "beds", T0),
		fault(FAULT_LEAK, "", T0 + 3600),
		fault(FAULT_VALVE, "", 0),
		fault(FAULT_HIGH_FLOW, "Lawn_2", 253402300799ll),
	};
	struct flow_learned *l;
	char err[128] = "";
	size_t len;
	char *text;

	(void)state;
	f[1].measured_lpm = 2.125;
	f[1].expected_lpm = NAN;
	snprintf(f[1].detail, sizeof(f[1].detail), "flow with every valve closed");
	f[2].measured_lpm = NAN;
	f[2].expected_lpm = NAN;
	f[2].detail[0] = '\0';
	f[3].measured_lpm = 1e6;
	f[3].expected_lpm = 0.001;
	snprintf(f[3].detail, sizeof(f[3].detail), " two  spaces ");
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		assert_non_null(faults_raise(&st->faults, &f[i]));
	l = fault_state_learned(st, "beds", true);
	flow_learned_add(l, 12.5);
	flow_learned_add(l, 12.25);
	flow_learned_add(l, 12.75);
	l = fault_state_learned(st, "Lawn_2", true);
	/* Wrapped round: the file has them oldest first all the same. */
	for (int i = 0; i < 7; i++)
		flow_learned_add(l, (double)i);	/* 0 ignored */
	flow_learned_add(l, 0.001);
	flow_learned_add(l, 1e6);
	flow_learned_add(l, 3.0);
	flow_learned_add(l, 4.0);
	flow_learned_add(l, 5.0);
	assert_true(l->first != 0);
	fault_state_learned(st, "pots", true);

	text = format_exact(st, &len);
	assert_int_equal(len, strlen(TEXT));
	assert_memory_equal(text, TEXT, strlen(TEXT));
	assert_int_equal(parse_copy(text, len, back, err, sizeof(err)), 0);
	assert_same_state(st, back);
	/* What was parsed is held and learned the same. */
	assert_true(faults_hold_zone(&back->faults, "anything"));
	assert_true(flow_learned_median(fault_state_learned(back, "beds", false)) == 12.5);
	free(text);
	free(st);
	free(back);
}

static void test_round_trip_is_exact_at_three_decimals(void **state)
{
	struct fault_state *st = new_state(), *back = new_state();
	struct flow_learned *l = fault_state_learned(st, "beds", true);
	char err[128] = "";
	size_t len;
	char *text;

	(void)state;
	for (int k = 1; k <= 200000; k += 997) {
		struct fault_state *one = new_state();
		struct fault f = fault(FAULT_NO_FLOW, "beds", T0);

		f.measured_lpm = k / 1000.0;
		f.expected_lpm = (k * 37) / 1000.0;
		faults_raise(&one->faults, &f);
		flow_learned_add(fault_state_learned(one, "beds", true), k / 1000.0);
		text = format_exact(one, &len);
		assert_int_equal(parse_copy(text, len, back, err, sizeof(err)), 0);
		assert_same_state(one, back);
		free(text);
		free(one);
	}
	/* Values between the thousandths come back as the nearest one. */
	flow_learned_add(l, 12.3456);
	text = format_exact(st, &len);
	assert_non_null(strstr(text, "learned beds 12.346\n"));
	assert_int_equal(parse_copy(text, len, back, err, sizeof(err)), 0);
	assert_true(fault_state_learned(back, "beds", false)->lpm[0] == 12.346);
	free(text);
	free(st);
	free(back);
}

static void test_an_empty_state_and_a_full_one(void **state)
{
	struct fault_state *st = new_state(), *back = new_state();
	char err[128] = "", zone[FAULT_ZONE_MAX], *text, *buf;
	size_t len;

	(void)state;
	text = format_exact(st, &len);
	assert_string_equal(text, "irrigd-faults 1\n");
	faults_raise(&back->faults, &(struct fault){ .zone = "x" });
	assert_int_equal(parse_copy(text, len, back, err, sizeof(err)), 0);
	assert_int_equal(back->faults.n, 0);
	assert_int_equal(back->n_learned, 0);
	free(text);

	/* Every line at its longest still fits FAULTS_TEXT_MAX. */
	for (int i = 0; i < FAULTS_MAX; i++) {
		struct fault f = fault(i % FAULT_KINDS, "", 253402300799ll);

		snprintf(zone, sizeof(zone), "%031d", i);
		snprintf(f.zone, sizeof(f.zone), "%s", zone);
		memset(f.detail, '~', sizeof(f.detail) - 1);
		f.measured_lpm = f.expected_lpm = 999999.999;
		assert_non_null(faults_raise(&st->faults, &f));
	}
	for (int i = 0; i < FAULTS_LEARNED_MAX; i++) {
		struct flow_learned *l;

		snprintf(zone, sizeof(zone), "%031d", i);
		l = fault_state_learned(st, zone, true);
		for (int j = 0; j < FLOW_LEARN_RUNS; j++)
			flow_learned_add(l, 999999.999);
		for (int j = 0; j < FLOW_LEARN_AGREE - 1; j++)
			l->candidate[l->n_candidates++] = 999999.999;
	}
	buf = malloc(FAULTS_TEXT_MAX);
	assert_non_null(buf);
	assert_true(fault_state_format(st, buf, FAULTS_TEXT_MAX) > 0);
	text = format_exact(st, &len);
	assert_int_equal(parse_copy(text, len, back, err, sizeof(err)), 0);
	assert_same_state(st, back);
	free(text);
	free(buf);
	free(st);
	free(back);
}

static void test_format_into_a_small_buffer_is_enospc(void **state)
{
	struct fault_state *st = new_state();
	struct fault f = fault(FAULT_LEAK, "", T0);
	size_t len;
	char *text;

	(void)state;
	faults_raise(&st->faults, &f);
	flow_learned_add(fault_state_learned(st, "beds", true), 12.5);
	text = format_exact(st, &len);
	/* Every size short of the text and its NUL, each an exact heap block. */
	for (size_t size = 0; size <= len; size++) {
		char *buf = malloc(size ? size : 1);

		assert_non_null(buf);
		assert_int_equal(fault_state_format(st, buf, size), -ENOSPC);
		if (size)
			assert_true(memchr(buf, '\0', size) != NULL);
		free(buf);
	}
	free(text);
	free(st);
}

static void test_format_refuses_what_parse_would_refuse(void **state)
{
	struct fault_state *st = new_state();
	struct fault f = fault(FAULT_NO_FLOW, "beds", T0);
	struct fault *e;
	struct flow_learned *l;
	char buf[1024];

	(void)state;
	e = faults_raise(&st->faults, &f);
	l = fault_state_learned(st, "lawn", true);
	flow_learned_add(l, 3.0);
	assert_true(fault_state_format(st, buf, sizeof(buf)) > 0);
	/* Set by hand, past faults_raise's checks. */
	snprintf(e->detail, sizeof(e->detail), "two\nlines");
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	assert_string_equal(buf, "");
	memset(e->detail, 'x', sizeof(e->detail));
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	snprintf(e->detail, sizeof(e->detail), "ok");
	snprintf(e->zone, sizeof(e->zone), "be ds");
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	snprintf(e->zone, sizeof(e->zone), "beds");
	e->measured_lpm = -1.0;
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	e->measured_lpm = INFINITY;
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	e->measured_lpm = 1.0;
	e->raised = -1;
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	e->raised = T0;
	e->kind = FAULT_KINDS;
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	e->kind = FAULT_NO_FLOW;
	st->faults.list[1] = *e;
	st->faults.n = 2;
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	st->faults.n = 1;
	l->lpm[0] = 0.0;
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	l->lpm[0] = 3.0;
	l->len = FLOW_LEARN_RUNS + 1;
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	l->len = 1;
	st->learned[1] = st->learned[0];
	st->n_learned = 2;
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	st->n_learned = 1;
	e->measured_lpm = -0.0;	/* written as 0.000, not -0.000 */
	assert_true(fault_state_format(st, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, " 0.000 12.500 ok\n"));
	free(st);
}

#define HDR "irrigd-faults 1\n"
#define GOOD "fault no-flow beds 1781000000 0.000 12.500 no flow\n"
#define LEARNED "learned beds 12.500 12.250\n"

/*
 * text must be refused at line `line`, with *out untouched (it holds a
 * fault and a learned zone beforehand, which a half-done parse would
 * have overwritten).
 */
static void assert_refused(const char *text, size_t len, unsigned line)
{
	struct fault_state *out = new_state(), *before = malloc(sizeof(*before));
	struct fault f = fault(FAULT_VALVE, "keep", T0);
	char err[128] = "", want[32];

	assert_non_null(before);
	faults_raise(&out->faults, &f);
	flow_learned_add(fault_state_learned(out, "keep", true), 5.0);
	memcpy(before, out, sizeof(*out));
	if (parse_copy(text, len, out, err, sizeof(err)) != -EINVAL)
		fail_msg("accepted: \"%s\"", text);
	snprintf(want, sizeof(want), "line %u: ", line);
	if (strncmp(err, want, strlen(want)) != 0 || strlen(err) <= strlen(want))
		fail_msg("\"%s\" for \"%s\", expected \"%s...\"", err, text, want);
	assert_memory_equal(out, before, sizeof(*out));
	free(before);
	free(out);
}

#define REFUSED(text, line) assert_refused(text, strlen(text), line)

static void test_parse_accepts_the_good_text(void **state)
{
	struct fault_state *out = new_state();
	char err[64] = "";
	static const char any_order[] = HDR LEARNED GOOD "learned lawn\n";
	static const char fewer[] = HDR "learned beds 12.5\n";

	(void)state;
	/* the baseline the refusals below are variations of */
	assert_int_equal(parse_copy(HDR GOOD LEARNED, strlen(HDR GOOD LEARNED), out,
				    err, sizeof(err)), 0);
	assert_int_equal(out->faults.n, 1);
	assert_string_equal(out->faults.list[0].zone, "beds");
	assert_string_equal(out->faults.list[0].detail, "no flow");
	assert_int_equal(out->n_learned, 1);
	assert_true(flow_learned_median(&out->learned[0].learned) == 12.375);
	/* Lines as a person might have moved them about. */
	assert_int_equal(parse_copy(any_order, strlen(any_order), out, err,
				    sizeof(err)), 0);
	assert_int_equal(out->faults.n, 1);
	assert_int_equal(out->n_learned, 2);
	/* Fewer decimals, as a person might write them. */
	assert_int_equal(parse_copy(fewer, strlen(fewer), out, err, sizeof(err)), 0);
	assert_true(out->learned[0].learned.lpm[0] == 12.5);
	free(out);
}

static void test_parse_refuses_bad_headers(void **state)
{
	(void)state;
	REFUSED("", 1);
	REFUSED("\n", 1);
	REFUSED("irrigd-faults 2\n", 1);
	REFUSED("irrigd-faults 1 \n", 1);
	REFUSED("irrigd-faults 1\r\n", 1);
	REFUSED("irrigd-history 1\nnext_id 9\n", 1);
	REFUSED("irrigd-faults 1", 1);
	REFUSED("irrigd-faults", 1);
	REFUSED(GOOD, 1);
}

static void test_parse_refuses_bad_lines(void **state)
{
	(void)state;
	/* truncation: the last line lost its end */
	REFUSED(HDR GOOD "fault leak - 1781000000 0.000 12.5", 3);
	REFUSED(HDR GOOD LEARNED "learned lawn 12.5", 4);
	REFUSED(HDR "fault no-flow beds 1781000000 0.000 12.500 no flow", 2);
	/* shape */
	REFUSED(HDR GOOD "\n", 3);
	REFUSED(HDR "faults no-flow beds 1781000000 0.000 12.500\n", 2);
	REFUSED(HDR "Fault no-flow beds 1781000000 0.000 12.500\n", 2);
	REFUSED(HDR "next_id 9\n", 2);
	REFUSED(HDR " fault no-flow beds 1781000000 0.000 12.500\n", 2);
	REFUSED(HDR "fault\n", 2);
	REFUSED(HDR "fault \n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0.000\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0.000 \n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0.000 12.500 \n", 2);
	REFUSED(HDR "fault no-flow  beds 1781000000 0.000 12.500\n", 2);
	REFUSED(HDR "fault\tno-flow beds 1781000000 0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0.000 12.500\r\n", 2);
	/* kinds and zones */
	REFUSED(HDR "fault no_flow beds 1781000000 0.000 12.500\n", 2);
	REFUSED(HDR "fault none beds 1781000000 0.000 12.500\n", 2);
	REFUSED(HDR "fault low-flow beds 1781000000 0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow be/ds 1781000000 0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow \"beds\" 1781000000 0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz 1781000000 0.000 12.500\n", 2);
	/* numbers */
	REFUSED(HDR "fault no-flow beds -1 0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds +1781000000 0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 01781000000 0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 17810000OO 0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 1.5 0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 253402300800 0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 99999999999999999999999 0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds - 0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 -1.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 -0.000 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0.000 1000000.001\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 nan 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0.000 inf\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0.000 1e3\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0. 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 .5 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0,5 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0.0.5 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0.0000001 12.500\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 -- 12.500\n", 2);
	/* details */
	REFUSED(HDR "fault no-flow beds 1781000000 0.000 12.500 tab\there\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0.000 12.500 caf\xc3\xa9\n", 2);
	REFUSED(HDR "fault no-flow beds 1781000000 0.000 12.500 "
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", 2);
	/* learned */
	REFUSED(HDR "learned\n", 2);
	REFUSED(HDR "learned \n", 2);
	REFUSED(HDR "learned beds \n", 2);
	REFUSED(HDR "learned beds  12.500\n", 2);
	REFUSED(HDR "learned be.ds 12.500\n", 2);
	REFUSED(HDR "learned beds 12.500 -\n", 2);
	REFUSED(HDR "learned beds 0.000\n", 2);
	REFUSED(HDR "learned beds 0.0001\n", 2);
	REFUSED(HDR "learned beds -1.000\n", 2);
	REFUSED(HDR "learned beds 1000000.001\n", 2);
	REFUSED(HDR "learned beds 1.000 2.000 3.000 4.000 5.000 6.000\n", 2);
	/* duplicates */
	REFUSED(HDR LEARNED GOOD LEARNED, 4);
	REFUSED(HDR GOOD LEARNED GOOD, 4);
	REFUSED(HDR "fault leak - 1 - -\nfault leak - 2 - - again\n", 3);
}

static void test_parse_refuses_a_nul_inside(void **state)
{
	static const char in_detail[] = HDR "fault no-flow beds 1781000000 0.000 "
					"12.500 no\0flow\n";
	static const char in_zone[] = HDR "learned be\0s 1.000\n";
	static const char in_header[] = "irrigd-faults 1\0\n";

	(void)state;
	assert_refused(in_detail, sizeof(in_detail) - 1, 2);
	assert_refused(in_zone, sizeof(in_zone) - 1, 2);
	assert_refused(in_header, sizeof(in_header) - 1, 1);
}

static void test_parse_refuses_too_many(void **state)
{
	size_t size = FAULTS_TEXT_MAX * 2, len;
	char *text = malloc(size);
	struct fault_state *out = new_state();
	char err[64] = "";
	int n;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, size, HDR);
	for (int i = 0; i < FAULTS_MAX; i++) {
		n = snprintf(text + len, size - len,
			     "fault valve z%d 1781000000 - -\n", i);
		len += (size_t)n;
	}
	for (int i = 0; i < FAULTS_LEARNED_MAX; i++) {
		n = snprintf(text + len, size - len, "learned z%d 1.000\n", i);
		len += (size_t)n;
	}
	/* As many as the set holds is fine... */
	assert_int_equal(parse_copy(text, len, out, err, sizeof(err)), 0);
	assert_int_equal(out->faults.n, FAULTS_MAX);
	assert_int_equal(out->n_learned, FAULTS_LEARNED_MAX);
	/* ...one more learned zone, or one more fault, is not. */
	n = snprintf(text + len, size - len, "learned one-more 1.000\n");
	assert_refused(text, len + (size_t)n,
		       1 + FAULTS_MAX + FAULTS_LEARNED_MAX + 1);
	n = snprintf(text + len, size - len, "fault leak - 1 - -\n");
	assert_refused(text, len + (size_t)n,
		       1 + FAULTS_MAX + FAULTS_LEARNED_MAX + 1);
	free(text);
	free(out);
}

static void test_parse_error_without_an_error_buffer(void **state)
{
	struct fault_state *out = new_state();
	char err[8] = "";

	(void)state;
	assert_int_equal(fault_state_parse("x\n", 2, out, NULL, 0), -EINVAL);
	/* A short buffer gets as much as fits. */
	assert_int_equal(fault_state_parse("x\n", 2, out, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 1:");
	free(out);
}

/* Runs far from the learned flow wait to agree: they outlast a restart. */
static void test_candidates_round_trip(void **state)
{
	struct fault_state *st = new_state(), *back = new_state();
	struct flow_learned *l;
	char err[128] = "";
	size_t len;
	char *text;

	(void)state;
	l = fault_state_learned(st, "lawn", true);
	flow_learned_offer(l, 12.0);
	assert_int_equal(flow_learned_offer(l, 16.8), FLOW_OFFER_CANDIDATE);
	assert_int_equal(flow_learned_offer(l, 17.0), FLOW_OFFER_CANDIDATE);
	l = fault_state_learned(st, "beds", true);
	l->candidate[l->n_candidates++] = 9.0;
	fault_state_learned(st, "pots", true);
	text = format_exact(st, &len);
	assert_string_equal(text, "irrigd-faults 1\n"
			    "learned lawn 12.000 candidates 16.800 17.000\n"
			    "learned beds candidates 9.000\n"
			    "learned pots\n");
	assert_int_equal(parse_copy(text, len, back, err, sizeof(err)), 0);
	assert_same_state(st, back);
	/* The third that agrees replaces what was learned, after the restart too. */
	l = fault_state_learned(back, "lawn", false);
	assert_int_equal(flow_learned_offer(l, 16.9), FLOW_OFFER_REPLACED);
	assert_true(flow_learned_median(l) == 16.9);
	free(text);
	free(st);
	free(back);
}

/* A file from before candidates were kept reads as it did. */
static void test_a_file_without_candidates_reads_as_before(void **state)
{
	struct fault_state *out = new_state();
	char err[64] = "";
	static const char old[] = HDR GOOD LEARNED "learned lawn\n";

	(void)state;
	assert_int_equal(parse_copy(old, strlen(old), out, err, sizeof(err)), 0);
	assert_int_equal(out->n_learned, 2);
	assert_int_equal(out->learned[0].learned.n_candidates, 0);
	assert_int_equal(out->learned[1].learned.n_candidates, 0);
	free(out);
}

static void test_parse_refuses_bad_candidates(void **state)
{
	(void)state;
	REFUSED(HDR "learned beds 12.500 candidates\n", 2);
	REFUSED(HDR "learned beds 12.500 candidates \n", 2);
	REFUSED(HDR "learned beds 12.500 candidates  1.000\n", 2);
	REFUSED(HDR "learned beds candidates 1.000 candidates 2.000\n", 2);
	REFUSED(HDR "learned beds candidates 1.000 2.000 3.000\n", 2);
	REFUSED(HDR "learned beds candidates 0.000\n", 2);
	REFUSED(HDR "learned beds candidates -\n", 2);
	REFUSED(HDR "learned beds candidates 1000000.001\n", 2);
	REFUSED(HDR "learned beds Candidates 1.000\n", 2);
	REFUSED(HDR "learned beds 12.500 candidate 1.000\n", 2);
}

static void test_format_refuses_candidates_parse_would_refuse(void **state)
{
	struct fault_state *st = new_state();
	struct flow_learned *l = fault_state_learned(st, "lawn", true);
	char buf[256];

	(void)state;
	flow_learned_add(l, 12.0);
	l->n_candidates = FLOW_LEARN_AGREE;
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	l->n_candidates = 1;
	l->candidate[0] = NAN;
	assert_int_equal(fault_state_format(st, buf, sizeof(buf)), -EINVAL);
	l->candidate[0] = 13.0;
	assert_true(fault_state_format(st, buf, sizeof(buf)) > 0);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_candidates_round_trip),
		cmocka_unit_test(test_a_file_without_candidates_reads_as_before),
		cmocka_unit_test(test_parse_refuses_bad_candidates),
		cmocka_unit_test(test_format_refuses_candidates_parse_would_refuse),
		cmocka_unit_test(test_kind_names_and_back),
		cmocka_unit_test(test_a_fault_latches_on_its_zone_only),
		cmocka_unit_test(test_raising_it_again_renews_it_in_place),
		cmocka_unit_test(test_a_full_set_drops_the_oldest),
		cmocka_unit_test(test_a_garden_wide_fault_holds_every_zone),
		cmocka_unit_test(test_clearing_keeps_the_order_of_the_rest),
		cmocka_unit_test(test_raise_refuses_what_is_no_zone),
		cmocka_unit_test(test_raise_mends_what_the_file_cannot_hold),
		cmocka_unit_test(test_learned_zones_are_made_on_demand),
		cmocka_unit_test(test_format_parse_round_trip),
		cmocka_unit_test(test_round_trip_is_exact_at_three_decimals),
		cmocka_unit_test(test_an_empty_state_and_a_full_one),
		cmocka_unit_test(test_format_into_a_small_buffer_is_enospc),
		cmocka_unit_test(test_format_refuses_what_parse_would_refuse),
		cmocka_unit_test(test_parse_accepts_the_good_text),
		cmocka_unit_test(test_parse_refuses_bad_headers),
		cmocka_unit_test(test_parse_refuses_bad_lines),
		cmocka_unit_test(test_parse_refuses_a_nul_inside),
		cmocka_unit_test(test_parse_refuses_too_many),
		cmocka_unit_test(test_parse_error_without_an_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
