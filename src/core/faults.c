/* Latched faults and learned flows: the set that holds zones until a person clears it, and its strict text form for the state file. */
#include "core/faults.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/statetext.h"

#define HEADER "irrigd-faults 1"
/* Year 9999, as the history: a later time is corruption. */
#define RAISED_MAX 253402300799ll
/* No meter in a garden counts this much; more is corruption. */
#define FLOW_MAX 1e6
/* "fault KIND ZONE RAISED MEASURED EXPECTED", then the optional detail. */
#define FAULT_FIELDS 6
#define GARDEN_ZONE "-"
/* On a learned line, between the runs kept and the candidates. */
#define CANDIDATES "candidates"

static const char *const kind_names[FAULT_KINDS] = {
	[FAULT_NO_FLOW] = "no-flow",
	[FAULT_HIGH_FLOW] = "high-flow",
	[FAULT_LEAK] = "leak",
	[FAULT_VALVE] = "valve",
	[FAULT_STATE_UNREADABLE] = "state-unreadable",
};

const char *fault_kind_name(enum fault_kind kind)
{
	if ((unsigned)kind >= FAULT_KINDS)
		return "unknown";
	return kind_names[kind];
}

int fault_kind_parse(const char *name, enum fault_kind *kind)
{
	if (!name)
		return -EINVAL;
	for (unsigned i = 0; i < FAULT_KINDS; i++) {
		if (strcmp(name, kind_names[i]) == 0) {
			*kind = (enum fault_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* A fault's zone: a name, or "" for the garden. */
static bool valid_fault_zone(const char *zone)
{
	return zone[0] == '\0' || text_valid_name(zone, FAULT_ZONE_MAX);
}

static bool printable(char c)
{
	return c >= 0x20 && c <= 0x7e;
}

static bool valid_detail(const char *detail)
{
	size_t n = 0;

	while (n < FAULT_DETAIL_MAX && detail[n])
		if (!printable(detail[n++]))
			return false;
	return n < FAULT_DETAIL_MAX;
}

static bool valid_flow(double lpm)
{
	return isnan(lpm) || (lpm >= 0.0 && lpm <= FLOW_MAX);
}

static bool valid_learned_lpm(double lpm)
{
	return lpm >= FLOW_LEARN_MIN_LPM && lpm <= FLOW_LEARN_MAX_LPM;
}

static bool same_zone(const char *a, const char *b)
{
	return strncmp(a, b, FAULT_ZONE_MAX) == 0;
}

void faults_init(struct fault_set *s)
{
	memset(s, 0, sizeof(*s));
}

static struct fault *find(struct fault_set *s, enum fault_kind kind,
			  const char *zone)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->list[i].kind == kind && same_zone(s->list[i].zone, zone))
			return &s->list[i];
	return NULL;
}

/*
 * Figures the state file could not hold would make every later save fail,
 * so they are stored as unknown: a fault must latch whatever came with it.
 */
static double storable_flow(double lpm)
{
	if (!valid_flow(lpm))
		return NAN;
	return lpm == 0.0 ? 0.0 : lpm;	/* no -0 */
}

static time_t storable_time(time_t t)
{
	if (t < 0)
		return 0;
	if ((long long)t > RAISED_MAX)
		return (time_t)RAISED_MAX;
	return t;
}

static void copy_detail(char dst[FAULT_DETAIL_MAX], const char *src)
{
	size_t n = 0;

	for (; n < FAULT_DETAIL_MAX - 1 && src[n]; n++)
		dst[n] = printable(src[n]) ? src[n] : '?';
	dst[n] = '\0';
}

/*
 * A zone that is no config name is refused rather than cut or mended:
 * either would latch the fault on some other zone.
 */
struct fault *faults_raise(struct fault_set *s, const struct fault *f)
{
	struct fault copy, *dst;

	if ((unsigned)f->kind >= FAULT_KINDS || !valid_fault_zone(f->zone) ||
	    s->n > FAULTS_MAX)
		return NULL;
	/* f may point into s->list, which moves below. */
	copy = *f;
	dst = find(s, copy.kind, copy.zone);
	if (!dst) {
		if (s->n == FAULTS_MAX) {
			memmove(&s->list[0], &s->list[1],
				(FAULTS_MAX - 1) * sizeof(s->list[0]));
			s->n--;
		}
		dst = &s->list[s->n++];
		memset(dst, 0, sizeof(*dst));
		dst->kind = copy.kind;
		snprintf(dst->zone, sizeof(dst->zone), "%.*s",
			 FAULT_ZONE_MAX - 1, copy.zone);
	}
	dst->raised = storable_time(copy.raised);
	dst->measured_lpm = storable_flow(copy.measured_lpm);
	dst->expected_lpm = storable_flow(copy.expected_lpm);
	copy_detail(dst->detail, copy.detail);
	return dst;
}

size_t faults_clear_zone(struct fault_set *s, const char *zone)
{
	size_t kept = 0, n = s->n > FAULTS_MAX ? FAULTS_MAX : s->n;

	if (!zone)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (same_zone(s->list[i].zone, zone))
			continue;
		if (kept != i)
			s->list[kept] = s->list[i];
		kept++;
	}
	s->n = kept;
	return n - kept;
}

size_t faults_clear_all(struct fault_set *s)
{
	size_t n = s->n > FAULTS_MAX ? FAULTS_MAX : s->n;

	s->n = 0;
	return n;
}

const struct fault *faults_holding(const struct fault_set *s, const char *zone)
{
	size_t n = s->n > FAULTS_MAX ? FAULTS_MAX : s->n;

	if (!zone)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (s->list[i].zone[0] == '\0' || same_zone(s->list[i].zone, zone))
			return &s->list[i];
	return NULL;
}

bool faults_hold_zone(const struct fault_set *s, const char *zone)
{
	return faults_holding(s, zone) != NULL;
}

void fault_state_init(struct fault_state *st)
{
	memset(st, 0, sizeof(*st));
}

struct flow_learned *fault_state_learned(struct fault_state *st,
					 const char *zone, bool create)
{
	struct learned_zone *lz;

	if (!zone || !text_valid_name(zone, FAULT_ZONE_MAX) || st->n_learned > FAULTS_LEARNED_MAX)
		return NULL;
	for (size_t i = 0; i < st->n_learned; i++)
		if (same_zone(st->learned[i].zone, zone))
			return &st->learned[i].learned;
	if (!create || st->n_learned == FAULTS_LEARNED_MAX)
		return NULL;
	lz = &st->learned[st->n_learned++];
	memset(lz, 0, sizeof(*lz));
	snprintf(lz->zone, sizeof(lz->zone), "%s", zone);
	return &lz->learned;
}

/*
 * The one set of rules for parse and format alike: what format writes,
 * parse takes back, so a save never produces a file the next start
 * refuses.  Each returns what is wrong, or NULL.
 */
static const char *fault_problem(const struct fault *f)
{
	if ((unsigned)f->kind >= FAULT_KINDS)
		return "unknown fault kind";
	if (!valid_fault_zone(f->zone))
		return "bad zone name";
	if (f->raised < 0 || (long long)f->raised > RAISED_MAX)
		return "raised out of range";
	if (!valid_flow(f->measured_lpm))
		return "measured flow out of range";
	if (!valid_flow(f->expected_lpm))
		return "expected flow out of range";
	if (!valid_detail(f->detail))
		return "bad detail";
	return NULL;
}

static const char *learned_problem(const struct learned_zone *lz)
{
	const struct flow_learned *l = &lz->learned;

	if (!text_valid_name(lz->zone, FAULT_ZONE_MAX))
		return "bad zone name";
	if (l->len > FLOW_LEARN_RUNS || l->first >= FLOW_LEARN_RUNS)
		return "too many values";
	for (size_t i = 0; i < l->len; i++)
		if (!valid_learned_lpm(l->lpm[(l->first + i) % FLOW_LEARN_RUNS]))
			return "learned flow out of range";
	if (l->n_candidates > FLOW_LEARN_AGREE - 1)
		return "too many candidates";
	for (size_t i = 0; i < l->n_candidates; i++)
		if (!valid_learned_lpm(l->candidate[i]))
			return "candidate flow out of range";
	return NULL;
}

/* Checks the set as a whole besides each member; NULL when it may be saved. */
static const char *state_problem(const struct fault_state *st)
{
	if (st->faults.n > FAULTS_MAX)
		return "too many faults";
	if (st->n_learned > FAULTS_LEARNED_MAX)
		return "too many learned zones";
	for (size_t i = 0; i < st->faults.n; i++) {
		const struct fault *f = &st->faults.list[i];

		if (fault_problem(f))
			return fault_problem(f);
		for (size_t j = 0; j < i; j++)
			if (st->faults.list[j].kind == f->kind &&
			    same_zone(st->faults.list[j].zone, f->zone))
				return "duplicate fault";
	}
	for (size_t i = 0; i < st->n_learned; i++) {
		if (learned_problem(&st->learned[i]))
			return learned_problem(&st->learned[i]);
		for (size_t j = 0; j < i; j++)
			if (same_zone(st->learned[j].zone, st->learned[i].zone))
				return "duplicate learned zone";
	}
	return NULL;
}

int fault_state_format(const struct fault_state *st, char *buf, size_t size)
{
	struct text_out o = { .buf = buf, .size = size };

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (state_problem(st))
		return -EINVAL;
	text_put(&o, HEADER "\n");
	for (size_t i = 0; i < st->faults.n; i++) {
		const struct fault *f = &st->faults.list[i];

		text_put(&o, "fault %s %s %lld", kind_names[f->kind],
		    f->zone[0] ? f->zone : GARDEN_ZONE, (long long)f->raised);
		text_put_known(&o, f->measured_lpm, 3);
		text_put_known(&o, f->expected_lpm, 3);
		if (f->detail[0])
			text_put(&o, " %s", f->detail);
		text_put(&o, "\n");
	}
	for (size_t i = 0; i < st->n_learned; i++) {
		const struct flow_learned *l = &st->learned[i].learned;

		text_put(&o, "learned %s", st->learned[i].zone);
		for (size_t j = 0; j < l->len; j++)
			text_put_known(&o, l->lpm[(l->first + j) %
						  FLOW_LEARN_RUNS], 3);
		if (l->n_candidates)
			text_put(&o, " " CANDIDATES);
		for (size_t j = 0; j < l->n_candidates; j++)
			text_put_known(&o, l->candidate[j], 3);
		text_put(&o, "\n");
	}
	if (o.full || o.len > INT32_MAX)
		return -ENOSPC;
	return (int)o.len;
}

static bool parse_flow(struct text_span s, double *v)
{
	if (text_span_is(s, "-")) {
		*v = NAN;
		return true;
	}
	return text_parse_fixed(s, FLOW_MAX, v);
}

static bool parse_zone(struct text_span s, char zone[FAULT_ZONE_MAX])
{
	if (s.n == 0 || s.n >= FAULT_ZONE_MAX)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!text_name_char(s.p[i]))
			return false;
	memcpy(zone, s.p, s.n);
	zone[s.n] = '\0';
	return true;
}

static bool parse_kind(struct text_span s, enum fault_kind *kind)
{
	for (unsigned i = 0; i < FAULT_KINDS; i++) {
		if (text_span_is(s, kind_names[i])) {
			*kind = (enum fault_kind)i;
			return true;
		}
	}
	return false;
}

/*
 * The next field up to a single space or the end of the line; false for
 * an empty one (two spaces, a space at either end).
 */
static bool next_field(struct text_span *rest, struct text_span *field)
{
	const char *sp = memchr(rest->p, ' ', rest->n);
	size_t n = sp ? (size_t)(sp - rest->p) : rest->n;

	if (n == 0)
		return false;
	*field = (struct text_span){ rest->p, n };
	rest->p += n;
	rest->n -= n;
	return true;
}

/* Past the space between two fields; false at the end of the line. */
static bool skip_space(struct text_span *rest)
{
	if (rest->n == 0)
		return false;
	rest->p++;
	rest->n--;
	return true;
}

static const char *parse_fault(struct text_span rest, struct fault *f)
{
	struct text_span field[FAULT_FIELDS - 1];
	unsigned long long v;

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < FAULT_FIELDS - 1; i++) {
		if (!skip_space(&rest))
			return "missing field";
		if (!next_field(&rest, &field[i]))
			return "empty field";
	}
	if (!parse_kind(field[0], &f->kind))
		return "unknown fault kind";
	if (text_span_is(field[1], GARDEN_ZONE))
		f->zone[0] = '\0';
	else if (!parse_zone(field[1], f->zone))
		return "bad zone name";
	if (!text_parse_uint(field[2], RAISED_MAX, &v))
		return "bad raised time";
	f->raised = (time_t)v;
	/* A 32-bit time_t cannot hold every date the file may name. */
	if (f->raised < 0 || (unsigned long long)f->raised != v)
		return "raised out of range";
	if (!parse_flow(field[3], &f->measured_lpm))
		return "bad measured flow";
	if (!parse_flow(field[4], &f->expected_lpm))
		return "bad expected flow";
	/* The rest, spaces and all, is the detail; format writes none empty. */
	if (skip_space(&rest)) {
		if (rest.n == 0)
			return "empty detail";
		if (rest.n >= FAULT_DETAIL_MAX)
			return "detail too long";
		for (size_t i = 0; i < rest.n; i++)
			if (!printable(rest.p[i]))
				return "bad character in detail";
		memcpy(f->detail, rest.p, rest.n);
		f->detail[rest.n] = '\0';
	}
	return NULL;
}

static const char *parse_learned(struct text_span rest, struct learned_zone *lz)
{
	struct text_span field;
	bool seen_candidates = false;

	memset(lz, 0, sizeof(*lz));
	if (!skip_space(&rest))
		return "missing zone";
	if (!next_field(&rest, &field))
		return "empty field";
	if (!parse_zone(field, lz->zone))
		return "bad zone name";
	while (skip_space(&rest)) {
		struct flow_learned *l = &lz->learned;
		double lpm;

		if (!next_field(&rest, &field))
			return "empty field";
		/* Written only before the candidates it announces, once. */
		if (text_span_is(field, CANDIDATES)) {
			if (seen_candidates)
				return "candidates twice";
			seen_candidates = true;
			continue;
		}
		if (seen_candidates ? l->n_candidates == FLOW_LEARN_AGREE - 1 :
		    l->len == FLOW_LEARN_RUNS)
			return seen_candidates ? "too many candidates" :
				"too many values";
		if (!text_parse_fixed(field, FLOW_LEARN_MAX_LPM, &lpm) ||
		    !valid_learned_lpm(lpm))
			return "bad learned flow";
		if (seen_candidates)
			l->candidate[l->n_candidates++] = lpm;
		else
			l->lpm[l->len++] = lpm;
	}
	if (seen_candidates && lz->learned.n_candidates == 0)
		return "no candidate after candidates";
	return NULL;
}

/* The line's first word, and what follows it (from its space on). */
static struct text_span first_word(struct text_span line, struct text_span *rest)
{
	const char *sp = memchr(line.p, ' ', line.n);
	size_t n = sp ? (size_t)(sp - line.p) : line.n;

	*rest = (struct text_span){ line.p + n, line.n - n };
	return (struct text_span){ line.p, n };
}

static const char *parse_line(struct text_span line, unsigned long lineno,
			      void *ctx)
{
	struct fault_state *st = ctx;
	struct text_span rest, word = first_word(line, &rest);
	const char *what;

	(void)lineno;
	if (line.n == 0)
		return "empty line";
	if (text_span_is(word, "fault")) {
		struct fault f;

		if (st->faults.n == FAULTS_MAX)
			return "too many faults";
		what = parse_fault(rest, &f);
		if (!what && find(&st->faults, f.kind, f.zone))
			what = "duplicate fault";
		if (!what)
			st->faults.list[st->faults.n++] = f;
		return what;
	}
	if (text_span_is(word, "learned")) {
		struct learned_zone lz;

		if (st->n_learned == FAULTS_LEARNED_MAX)
			return "too many learned zones";
		what = parse_learned(rest, &lz);
		if (!what && fault_state_learned(st, lz.zone, false))
			what = "duplicate learned zone";
		if (!what)
			st->learned[st->n_learned++] = lz;
		return what;
	}
	return "unknown line";
}

int fault_state_parse(const char *text, size_t len, struct fault_state *out,
		      char *err, size_t err_size)
{
	/* Built aside, so a file that fails half way leaves *out as it was. */
	struct fault_state st;
	long r;

	fault_state_init(&st);
	r = text_read_lines(text, len, HEADER, "not an " HEADER " file",
			    parse_line, &st, err, err_size);
	if (r < 0)
		return (int)r;
	*out = st;
	return 0;
}
