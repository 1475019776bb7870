/* Latched faults and learned flows: the set that holds zones until a person clears it, and its strict text form for the state file. */
#include "core/faults.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HEADER "irrigd-faults 1"
/* Year 9999, as the history: a later time is corruption. */
#define RAISED_MAX 253402300799ll
/* No meter in a garden counts this much; more is corruption. */
#define FLOW_MAX 1e6
/* "fault KIND ZONE RAISED MEASURED EXPECTED", then the optional detail. */
#define FAULT_FIELDS 6
#define GARDEN_ZONE "-"

static const char *const kind_names[FAULT_KINDS] = {
	[FAULT_NO_FLOW] = "no-flow",
	[FAULT_HIGH_FLOW] = "high-flow",
	[FAULT_LEAK] = "leak",
	[FAULT_VALVE] = "valve",
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

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* A zone name as the config allows them; bounded, a name may lack its NUL. */
static bool valid_zone(const char *zone)
{
	size_t n = 0;

	while (n < FAULT_ZONE_MAX && zone[n])
		if (!name_char(zone[n++]))
			return false;
	return n > 0 && n < FAULT_ZONE_MAX;
}

/* A fault's zone: a name, or "" for the garden. */
static bool valid_fault_zone(const char *zone)
{
	return zone[0] == '\0' || valid_zone(zone);
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

	if (!zone || !valid_zone(zone) || st->n_learned > FAULTS_LEARNED_MAX)
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

	if (!valid_zone(lz->zone))
		return "bad zone name";
	if (l->len > FLOW_LEARN_RUNS || l->first >= FLOW_LEARN_RUNS)
		return "too many values";
	for (size_t i = 0; i < l->len; i++)
		if (!valid_learned_lpm(l->lpm[(l->first + i) % FLOW_LEARN_RUNS]))
			return "learned flow out of range";
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

struct out {
	char *buf;
	size_t size, len;
	bool full;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->full = true;
	else
		o->len += (size_t)n;
}

/*
 * Decimals by hand rather than "%.3f": printf and strtod follow the
 * locale's decimal point, and the file must not change with it.
 */
static void put_flow(struct out *o, double v)
{
	unsigned long long units;

	if (isnan(v)) {
		put(o, " -");
		return;
	}
	/* v is known to be in 0..FLOW_MAX, so this cannot overflow. */
	units = (unsigned long long)(v * 1000.0 + 0.5);
	put(o, " %llu.%03llu", units / 1000, units % 1000);
}

int fault_state_format(const struct fault_state *st, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (state_problem(st))
		return -EINVAL;
	put(&o, HEADER "\n");
	for (size_t i = 0; i < st->faults.n; i++) {
		const struct fault *f = &st->faults.list[i];

		put(&o, "fault %s %s %lld", kind_names[f->kind],
		    f->zone[0] ? f->zone : GARDEN_ZONE, (long long)f->raised);
		put_flow(&o, f->measured_lpm);
		put_flow(&o, f->expected_lpm);
		if (f->detail[0])
			put(&o, " %s", f->detail);
		put(&o, "\n");
	}
	for (size_t i = 0; i < st->n_learned; i++) {
		const struct flow_learned *l = &st->learned[i].learned;

		put(&o, "learned %s", st->learned[i].zone);
		for (size_t j = 0; j < l->len; j++)
			put_flow(&o, l->lpm[(l->first + j) % FLOW_LEARN_RUNS]);
		put(&o, "\n");
	}
	if (o.full || o.len > INT32_MAX)
		return -ENOSPC;
	return (int)o.len;
}

/* A piece of the input: never NUL-terminated, always bounded. */
struct span {
	const char *p;
	size_t n;
};

static bool span_is(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* Plain decimal digits, no sign, no leading zero, at most max. */
static bool parse_uint(struct span s, unsigned long long max,
		       unsigned long long *v)
{
	unsigned long long x = 0;

	if (s.n == 0 || s.n > 19 || (s.n > 1 && s.p[0] == '0'))
		return false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		x = x * 10 + (unsigned long long)(s.p[i] - '0');
	}
	if (x > max)
		return false;
	*v = x;
	return true;
}

/*
 * "W.F" with 1 to 7 whole digits and 1 to 6 decimals: both parts fit
 * exactly in a double, so one division rounds correctly, and what
 * put_flow wrote reads back as the very same double.
 */
static bool parse_fixed(struct span s, double max, double *v)
{
	const char *dot = memchr(s.p, '.', s.n);
	unsigned long long whole, frac = 0, scale = 1;
	struct span w, f;
	double x;

	if (!dot)
		return false;
	w = (struct span){ s.p, (size_t)(dot - s.p) };
	f = (struct span){ dot + 1, s.n - w.n - 1 };
	if (w.n > 7 || f.n == 0 || f.n > 6 || !parse_uint(w, 9999999, &whole))
		return false;
	for (size_t i = 0; i < f.n; i++) {
		if (f.p[i] < '0' || f.p[i] > '9')
			return false;
		frac = frac * 10 + (unsigned long long)(f.p[i] - '0');
		scale *= 10;
	}
	x = (double)(whole * scale + frac) / (double)scale;
	if (x > max)
		return false;
	*v = x;
	return true;
}

static bool parse_flow(struct span s, double *v)
{
	if (span_is(s, "-")) {
		*v = NAN;
		return true;
	}
	return parse_fixed(s, FLOW_MAX, v);
}

static bool parse_zone(struct span s, char zone[FAULT_ZONE_MAX])
{
	if (s.n == 0 || s.n >= FAULT_ZONE_MAX)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!name_char(s.p[i]))
			return false;
	memcpy(zone, s.p, s.n);
	zone[s.n] = '\0';
	return true;
}

static bool parse_kind(struct span s, enum fault_kind *kind)
{
	for (unsigned i = 0; i < FAULT_KINDS; i++) {
		if (span_is(s, kind_names[i])) {
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
static bool next_field(struct span *rest, struct span *field)
{
	const char *sp = memchr(rest->p, ' ', rest->n);
	size_t n = sp ? (size_t)(sp - rest->p) : rest->n;

	if (n == 0)
		return false;
	*field = (struct span){ rest->p, n };
	rest->p += n;
	rest->n -= n;
	return true;
}

/* Past the space between two fields; false at the end of the line. */
static bool skip_space(struct span *rest)
{
	if (rest->n == 0)
		return false;
	rest->p++;
	rest->n--;
	return true;
}

static const char *parse_fault(struct span rest, struct fault *f)
{
	struct span field[FAULT_FIELDS - 1];
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
	if (span_is(field[1], GARDEN_ZONE))
		f->zone[0] = '\0';
	else if (!parse_zone(field[1], f->zone))
		return "bad zone name";
	if (!parse_uint(field[2], RAISED_MAX, &v))
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

static const char *parse_learned(struct span rest, struct learned_zone *lz)
{
	struct span field;

	memset(lz, 0, sizeof(*lz));
	if (!skip_space(&rest))
		return "missing zone";
	if (!next_field(&rest, &field))
		return "empty field";
	if (!parse_zone(field, lz->zone))
		return "bad zone name";
	while (skip_space(&rest)) {
		double lpm;

		if (!next_field(&rest, &field))
			return "empty field";
		if (lz->learned.len == FLOW_LEARN_RUNS)
			return "too many values";
		if (!parse_fixed(field, FLOW_LEARN_MAX_LPM, &lpm) ||
		    !valid_learned_lpm(lpm))
			return "bad learned flow";
		lz->learned.lpm[lz->learned.len++] = lpm;
	}
	return NULL;
}

static int fail(char *err, size_t err_size, unsigned long line,
		const char *what)
{
	if (err && err_size)
		snprintf(err, err_size, "line %lu: %s", line, what);
	return -EINVAL;
}

/* The line's first word, and what follows it (from its space on). */
static struct span first_word(struct span line, struct span *rest)
{
	const char *sp = memchr(line.p, ' ', line.n);
	size_t n = sp ? (size_t)(sp - line.p) : line.n;

	*rest = (struct span){ line.p + n, line.n - n };
	return (struct span){ line.p, n };
}

static const char *parse_line(struct span line, struct fault_state *st)
{
	struct span rest, word = first_word(line, &rest);
	const char *what;

	if (line.n == 0)
		return "empty line";
	if (span_is(word, "fault")) {
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
	if (span_is(word, "learned")) {
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
	unsigned long lineno = 0;
	size_t pos = 0;

	if (len == 0 || !text)
		return fail(err, err_size, 1, "empty file");
	fault_state_init(&st);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		const char *what = NULL;
		struct span line;

		lineno++;
		if (!nl)
			return fail(err, err_size, lineno,
				    "truncated: no newline at the end");
		line = (struct span){ text + pos, (size_t)(nl - (text + pos)) };
		pos += line.n + 1;
		if (lineno == 1) {
			if (!span_is(line, HEADER))
				what = "not an irrigd-faults 1 file";
		} else {
			what = parse_line(line, &st);
		}
		if (what)
			return fail(err, err_size, lineno, what);
	}
	*out = st;
	return 0;
}
