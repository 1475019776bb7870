/* Run history: a bounded ring of past runs, and its strict text form for the state file. */
#include "core/history.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/statetext.h"

#define HEADER "irrigd-history 1"
#define FIELDS 10
/* A run longer than a week is corruption, whatever the config says. */
#define DURATION_MAX (7u * 24 * 3600)
#define LITRES_MAX 1e6
/*
 * Ids stop well short of wrapping, so a file claiming a huge next_id
 * cannot lead to ids that go backwards a few runs later.
 */
#define ID_LIMIT 0x80000000u
/* Year 9999: localtime_r never fails on a started time that passed. */
#define STARTED_MAX 253402300799ll

/*
 * The ring is not cleared: only its first len entries are ever read, and
 * the daemon's pages nothing has written cost no memory.
 */
void history_init(struct history *h)
{
	h->first = 0;
	h->len = 0;
	h->next_id = 1;
	memset(&h->rotated_out, 0, sizeof(h->rotated_out));
	h->has_rotated_out = false;
}

static struct history_entry *slot(struct history *h, size_t i)
{
	return &h->entries[(h->first + i) % HISTORY_MAX];
}

/* Appends e as it is (id included), dropping the oldest entry when full. */
static struct history_entry *push(struct history *h,
				  const struct history_entry *e)
{
	struct history_entry *dst;

	h->has_rotated_out = h->len == HISTORY_MAX;
	if (h->has_rotated_out) {
		h->rotated_out = *slot(h, 0);
		h->first = (h->first + 1) % HISTORY_MAX;
		h->len--;
	}
	dst = slot(h, h->len++);
	*dst = *e;
	return dst;
}

struct history_entry *history_add(struct history *h,
				  const struct history_entry *e)
{
	struct history_entry *dst = push(h, e);

	dst->id = h->next_id++;
	return dst;
}

int history_take_back(struct history *h, uint32_t id)
{
	if (!h->len || slot(h, h->len - 1)->id != id)
		return -ENOENT;
	h->len--;
	/* Its id was never kept: ids stay consecutive. */
	if (id == h->next_id - 1)
		h->next_id = id;
	if (h->has_rotated_out) {
		h->first = (h->first + HISTORY_MAX - 1) % HISTORY_MAX;
		*slot(h, 0) = h->rotated_out;
		h->len++;
		h->has_rotated_out = false;
	}
	return 0;
}

struct history_entry *history_find(struct history *h, uint32_t id)
{
	for (size_t i = 0; i < h->len; i++)
		if (slot(h, i)->id == id)
			return slot(h, i);
	return NULL;
}

size_t history_len(const struct history *h)
{
	return h->len;
}

const struct history_entry *history_at(const struct history *h, size_t i)
{
	if (i >= h->len)
		return NULL;
	return &h->entries[(h->first + i) % HISTORY_MAX];
}

/* The local date of day as [start, end): local midnights, DST included. */
static bool local_day_bounds(time_t day, time_t *start, time_t *end)
{
	struct tm tm;

	if (!localtime_r(&day, &tm))
		return false;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	*start = mktime(&tm);
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	*end = mktime(&tm);
	return *start != (time_t)-1 && *end != (time_t)-1 && *start <= day &&
	       day < *end;
}

double history_litres_on(const struct history *h, const char *zone,
			 time_t day)
{
	time_t start, end;
	double sum = 0.0;

	/* Two mktime calls, not a localtime_r per entry: status asks often. */
	if (!local_day_bounds(day, &start, &end))
		return 0.0;
	for (size_t i = 0; i < h->len; i++) {
		const struct history_entry *e = history_at(h, i);

		if ((!zone || strncmp(e->zone, zone, HISTORY_NAME_MAX) == 0) &&
		    e->started >= start && e->started < end)
			sum += e->litres;
	}
	return sum;
}

static bool valid_moisture(double m)
{
	return isnan(m) || (m >= 0.0 && m <= 100.0);
}

/*
 * The one set of rules for parse and format alike: what format writes,
 * parse takes back, so a save never produces a file the next start
 * refuses.  Returns what is wrong, or NULL.
 */
static const char *entry_problem(const struct history_entry *e,
				 uint32_t prev_id, uint32_t next_id)
{
	if (e->id == 0 || e->id <= prev_id)
		return "id not increasing";
	if (e->id >= next_id)
		return "id not below next_id";
	if (e->started < 0 || (long long)e->started > STARTED_MAX)
		return "started out of range";
	if (!text_valid_name(e->source, HISTORY_NAME_MAX))
		return "bad source name";
	if (!text_valid_name(e->zone, HISTORY_NAME_MAX))
		return "bad zone name";
	if (e->planned_s > DURATION_MAX)
		return "planned_s out of range";
	if (e->actual_s > DURATION_MAX)
		return "actual_s out of range";
	if (!(e->litres >= 0.0 && e->litres <= LITRES_MAX))
		return "litres out of range";
	if (!valid_moisture(e->moisture_start))
		return "moisture_start out of range";
	if (!valid_moisture(e->moisture_end))
		return "moisture_end out of range";
	if ((unsigned)e->outcome >= RUN_OUTCOMES)
		return "unknown outcome";
	return NULL;
}

int history_format(const struct history *h, char *buf, size_t size)
{
	struct text_out o = { .buf = buf, .size = size };
	uint32_t prev = 0;

	if (size == 0)
		return -ENOSPC;
	if (h->next_id == 0 || h->next_id > ID_LIMIT || h->len > HISTORY_MAX)
		return -EINVAL;
	text_put(&o, HEADER "\nnext_id %u\n", h->next_id);
	for (size_t i = 0; i < h->len; i++) {
		const struct history_entry *e = history_at(h, i);

		if (entry_problem(e, prev, h->next_id))
			return -EINVAL;
		prev = e->id;
		text_put(&o, "%u %lld %s %s %u %u", e->id, (long long)e->started,
		    e->source, e->zone, e->planned_s, e->actual_s);
		text_put_fixed(&o, e->litres, 3);
		text_put_known(&o, e->moisture_start, 1);
		text_put_known(&o, e->moisture_end, 1);
		text_put(&o, " %s\n", run_outcome_name(e->outcome));
	}
	if (o.full || o.len > INT32_MAX)
		return -ENOSPC;
	return (int)o.len;
}

static bool parse_name(struct text_span s, char name[HISTORY_NAME_MAX])
{
	if (s.n == 0 || s.n >= HISTORY_NAME_MAX)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!text_name_char(s.p[i]))
			return false;
	memcpy(name, s.p, s.n);
	name[s.n] = '\0';
	return true;
}

static bool parse_moisture(struct text_span s, double *m)
{
	if (text_span_is(s, "-")) {
		*m = NAN;
		return true;
	}
	return text_parse_fixed(s, 100.0, m);
}

static bool parse_outcome(struct text_span s, enum run_outcome *outcome)
{
	char name[16];

	if (s.n == 0 || s.n >= sizeof(name))
		return false;
	memcpy(name, s.p, s.n);
	name[s.n] = '\0';
	return run_outcome_parse(name, outcome) == 0;
}

/*
 * Splits a line on single spaces into at most max fields; returns how
 * many there were (max + 1 when there are more), or -1 for an empty one.
 */
static int split(struct text_span line, struct text_span *f, int max)
{
	int n = 0;
	size_t start = 0;

	for (size_t i = 0; i <= line.n; i++) {
		if (i < line.n && line.p[i] != ' ')
			continue;
		if (i == start)
			return -1;
		if (n == max)
			return max + 1;
		f[n++] = (struct text_span){ line.p + start, i - start };
		start = i + 1;
	}
	return n;
}

static const char *parse_entry(struct text_span line, struct history_entry *e)
{
	struct text_span f[FIELDS];
	unsigned long long v;
	int n = split(line, f, FIELDS);

	if (line.n == 0)
		return "empty line";
	if (n < 0)
		return "empty field";
	if (n < FIELDS)
		return "missing field";
	if (n > FIELDS)
		return "extra field";
	memset(e, 0, sizeof(*e));
	if (!text_parse_uint(f[0], UINT32_MAX, &v))
		return "bad id";
	e->id = (uint32_t)v;
	if (!text_parse_uint(f[1], STARTED_MAX, &v))
		return "bad started";
	e->started = (time_t)v;
	/* A 32-bit time_t cannot hold every date the file may name. */
	if ((unsigned long long)e->started != v)
		return "started out of range";
	if (!parse_name(f[2], e->source))
		return "bad source name";
	if (!parse_name(f[3], e->zone))
		return "bad zone name";
	if (!text_parse_uint(f[4], DURATION_MAX, &v))
		return "bad planned_s";
	e->planned_s = (uint32_t)v;
	if (!text_parse_uint(f[5], DURATION_MAX, &v))
		return "bad actual_s";
	e->actual_s = (uint32_t)v;
	if (!text_parse_fixed(f[6], LITRES_MAX, &e->litres))
		return "bad litres";
	if (!parse_moisture(f[7], &e->moisture_start))
		return "bad moisture_start";
	if (!parse_moisture(f[8], &e->moisture_end))
		return "bad moisture_end";
	if (!parse_outcome(f[9], &e->outcome))
		return "unknown outcome";
	return NULL;
}

/* What history_parse builds aside, line by line. */
struct history_reading {
	struct history h;
	uint32_t prev;		/* the last entry's id */
};

static const char *parse_history_line(struct text_span line,
				      unsigned long lineno, void *ctx)
{
	struct history_reading *r = ctx;
	const char *what = NULL;
	unsigned long long v;
	struct history_entry e;

	if (lineno == 2) {
		if (line.n < 8 || memcmp(line.p, "next_id ", 8) != 0)
			return "expected next_id";
		if (!text_parse_uint((struct text_span){ line.p + 8, line.n - 8 },
				     ID_LIMIT, &v) || v == 0)
			return "bad next_id";
		r->h.next_id = (uint32_t)v;
		return NULL;
	}
	what = parse_entry(line, &e);
	if (!what)
		what = entry_problem(&e, r->prev, r->h.next_id);
	if (!what) {
		r->prev = e.id;
		push(&r->h, &e);
	}
	return what;
}

int history_parse(const char *text, size_t len, struct history *out,
		  char *err, size_t err_size)
{
	/* Built aside, so a file that fails half way leaves *out as it was. */
	struct history_reading r = { .prev = 0 };
	long lines;

	history_init(&r.h);
	lines = text_read_lines(text, len, HEADER, "not an " HEADER " file",
				parse_history_line, &r, err, err_size);
	if (lines < 0)
		return (int)lines;
	if (lines < 2)
		return text_fail(err, err_size, 2, "expected next_id");
	*out = r.h;
	return 0;
}
