/* The garden's own weather record and soil water balance, and their state file text. */
#include "core/weatherlog.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/statetext.h"

#define HEADER "irrigd-weather 1"
/*
 * Temperatures are written in kelvin: always positive, so the strict,
 * locale-free fixed-point writer and reader of the other files serve.
 */
#define KELVIN 273.15
/* No garden's air is outside this; a reading there is a sensor's fault. */
#define AIR_MIN_C -80.0
#define AIR_MAX_C 70.0
#define ET0_MAX_MM 50.0
#define DEPLETION_MAX_MM 10000.0
/* The learning's sums: decayed, or reset at each re-anchor; bounded all the same. */
#define LEARN_MAX_MM 999999.0
#define SAMPLES_MAX 10000000ULL

static void day_init(struct weather_day *day, const struct local_date *date)
{
	day->date = *date;
	day->samples = 0;
	day->min_c = day->max_c = day->mean_c = NAN;
	day->et0_mm = NAN;
}

void weather_log_init(struct weather_log *log, const struct local_date *date)
{
	memset(log, 0, sizeof(*log));
	day_init(&log->today, date);
}

void weather_log_sample(struct weather_log *log, double celsius)
{
	struct weather_day *t = &log->today;

	if (!isfinite(celsius) || celsius < AIR_MIN_C || celsius > AIR_MAX_C ||
	    t->samples >= SAMPLES_MAX)
		return;
	if (!t->samples) {
		t->min_c = t->max_c = t->mean_c = celsius;
	} else {
		t->min_c = fmin(t->min_c, celsius);
		t->max_c = fmax(t->max_c, celsius);
		t->mean_c += (celsius - t->mean_c) / (double)(t->samples + 1);
	}
	t->samples++;
}

void weather_log_close_day(struct weather_log *log, double et0_mm,
			   const struct local_date *next)
{
	log->today.et0_mm = isfinite(et0_mm) && et0_mm >= 0 ? et0_mm : NAN;
	if (log->n_days == WEATHER_DAYS_MAX) {
		memmove(&log->days[0], &log->days[1],
			(WEATHER_DAYS_MAX - 1) * sizeof(log->days[0]));
		log->n_days--;
	}
	log->days[log->n_days++] = log->today;
	day_init(&log->today, next);
}

const struct weather_day *weather_log_past(const struct weather_log *log,
					   size_t back)
{
	if (back == 0 || back > log->n_days)
		return NULL;
	return &log->days[log->n_days - back];
}

struct weather_balance *weather_log_balance(struct weather_log *log,
					    const char *zone)
{
	for (size_t i = 0; i < log->n_balance; i++)
		if (!strcmp(log->balance[i].zone, zone))
			return &log->balance[i];
	return NULL;
}

struct weather_balance *weather_log_balance_add(struct weather_log *log,
						const char *zone)
{
	struct weather_balance *b = weather_log_balance(log, zone);

	if (b)
		return b;
	if (log->n_balance == WEATHER_ZONES_MAX ||
	    !text_valid_name(zone, WEATHER_NAME_MAX))
		return NULL;
	b = &log->balance[log->n_balance++];
	memset(b, 0, sizeof(*b));
	strcpy(b->zone, zone);
	return b;
}

void weather_log_balance_prune(struct weather_log *log,
			       bool (*keep)(const char *zone, void *ctx),
			       void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < log->n_balance; i++)
		if (keep(log->balance[i].zone, ctx))
			log->balance[n++] = log->balance[i];
	log->n_balance = n;
}

static void put_date(struct text_out *o, const struct local_date *d)
{
	text_put(o, " %04d-%02d-%02d", d->year, d->month, d->day);
}

static void put_day(struct text_out *o, const char *word,
		    const struct weather_day *day, bool et0)
{
	text_put(o, "%s", word);
	put_date(o, &day->date);
	text_put(o, " %u", day->samples);
	text_put_known(o, day->samples ? day->min_c + KELVIN : NAN, 2);
	text_put_known(o, day->samples ? day->max_c + KELVIN : NAN, 2);
	/* Within min and max as written, so rounding never puts it outside. */
	text_put_known(o, day->samples ? fmin(fmax(day->mean_c, day->min_c),
					      day->max_c) + KELVIN : NAN, 4);
	if (et0)
		text_put_known(o, day->et0_mm, 4);
	text_put(o, "\n");
}

int weather_log_format(const struct weather_log *log, char *buf, size_t size)
{
	struct text_out o = { .buf = buf, .size = size };

	if (!size)
		return -ENOSPC;
	text_put(&o, HEADER "\n");
	put_day(&o, "today", &log->today, false);
	for (size_t i = 0; i < log->n_days; i++)
		put_day(&o, "day", &log->days[i], true);
	for (size_t i = 0; i < log->n_balance; i++) {
		const struct weather_balance *b = &log->balance[i];
		const struct balance_learning *l = &b->learn;

		text_put(&o, "balance %s", b->zone);
		text_put_fixed(&o, fmin(fmax(b->depletion_mm, 0), DEPLETION_MAX_MM), 4);
		/* seen, modelled, base, gained, then b (a base) and c (clean) or -. */
		text_put_fixed(&o, fmin(fmax(l->seen_mm, 0), LEARN_MAX_MM), 4);
		text_put_fixed(&o, fmin(fmax(l->modelled_mm, 0), LEARN_MAX_MM), 4);
		text_put_fixed(&o, fmin(fmax(l->base_mm, 0), LEARN_MAX_MM), 4);
		text_put_fixed(&o, fmin(fmax(l->gained_mm, 0), LEARN_MAX_MM), 4);
		text_put(&o, " %s\n", l->have_base && l->clean ? "bc" :
			 l->have_base ? "b" : l->clean ? "c" : "-");
	}
	text_put(&o, "rain-until %lld\n", (long long)(log->rain_until > 0 ?
						      log->rain_until : 0));
	if (o.full)
		return -ENOSPC;
	return (int)o.len;
}

/* Splits line at spaces into at most max words; how many, or max + 1. */
static size_t split(struct text_span line, struct text_span *words, size_t max)
{
	size_t n = 0, pos = 0;

	while (pos <= line.n) {
		const char *sp = memchr(line.p + pos, ' ', line.n - pos);
		size_t end = sp ? (size_t)(sp - line.p) : line.n;

		if (n == max)
			return max + 1;
		words[n++] = (struct text_span){ line.p + pos, end - pos };
		pos = end + 1;
		if (!sp)
			break;
	}
	return n;
}

static bool parse_date(struct text_span s, struct local_date *d)
{
	char text[11];

	if (s.n != 10)
		return false;
	memcpy(text, s.p, 10);
	text[10] = '\0';
	return calendar_parse_date(text, d);
}

static bool parse_known(struct text_span s, double max, double *v)
{
	if (text_span_is(s, "-")) {
		*v = NAN;
		return true;
	}
	return text_parse_fixed(s, max, v);
}

/*
 * A degree of slack past the readings' own limits: what was written
 * from a reading at the limit, rounded, reads back.
 */
static bool parse_temp(struct text_span s, bool known, double *c)
{
	double k;

	if (!parse_known(s, AIR_MAX_C + 1 + KELVIN, &k) || isnan(k) == known)
		return false;
	*c = k - KELVIN;
	return isnan(k) || *c >= AIR_MIN_C - 1;
}

static const char *parse_day(struct text_span *w, size_t n, bool et0,
			     struct weather_day *day)
{
	unsigned long long samples;

	if (n != (et0 ? 7u : 6u))
		return "expected a date, samples, min, max, mean and (for a past day) ET0";
	if (!parse_date(w[1], &day->date))
		return "bad date";
	if (!text_parse_uint(w[2], SAMPLES_MAX, &samples))
		return "bad sample count";
	day->samples = (uint32_t)samples;
	if (!parse_temp(w[3], samples > 0, &day->min_c) ||
	    !parse_temp(w[4], samples > 0, &day->max_c) ||
	    !parse_temp(w[5], samples > 0, &day->mean_c))
		return "bad temperature";
	if (samples && (day->min_c > day->max_c || day->mean_c < day->min_c - 0.01 ||
			day->mean_c > day->max_c + 0.01))
		return "min, mean and max out of order";
	day->et0_mm = NAN;
	if (et0 && !parse_known(w[6], ET0_MAX_MM, &day->et0_mm))
		return "bad ET0";
	return NULL;
}

static int64_t day_number(const struct local_date *d)
{
	return calendar_date_days(d);
}

static const char *parse_line(struct text_span line, unsigned long lineno,
			      void *ctx)
{
	struct weather_log *log = ctx;
	struct text_span w[9];
	size_t n = split(line, w, 8);
	unsigned long long v;
	const char *what;

	if (lineno == 2) {
		if (!text_span_is(w[0], "today"))
			return "expected today";
		return parse_day(w, n, false, &log->today);
	}
	if (text_span_is(w[0], "day")) {
		struct weather_day day;

		if (log->n_balance || log->rain_until)
			return "a day after the balance";
		if (log->n_days == WEATHER_DAYS_MAX)
			return "too many days";
		what = parse_day(w, n, true, &day);
		if (what)
			return what;
		if (day_number(&day.date) >= day_number(&log->today.date) ||
		    (log->n_days && day_number(&day.date) <=
		     day_number(&log->days[log->n_days - 1].date)))
			return "days out of order";
		log->days[log->n_days++] = day;
		return NULL;
	}
	if (text_span_is(w[0], "balance")) {
		struct weather_balance *b;
		char zone[WEATHER_NAME_MAX];
		double mm;

		if (n != 8 || w[1].n >= WEATHER_NAME_MAX)
			return "expected a zone, its depletion and what its probes taught";
		memcpy(zone, w[1].p, w[1].n);
		zone[w[1].n] = '\0';
		if (!text_valid_name(zone, sizeof(zone)))
			return "bad zone name";
		if (weather_log_balance(log, zone))
			return "a zone given twice";
		if (!text_parse_fixed(w[2], DEPLETION_MAX_MM, &mm))
			return "bad depletion";
		b = weather_log_balance_add(log, zone);
		if (!b)
			return "too many zones";
		b->depletion_mm = mm;
		if (!text_parse_fixed(w[3], LEARN_MAX_MM, &b->learn.seen_mm) ||
		    !text_parse_fixed(w[4], LEARN_MAX_MM, &b->learn.modelled_mm) ||
		    !text_parse_fixed(w[5], LEARN_MAX_MM, &b->learn.base_mm) ||
		    !text_parse_fixed(w[6], LEARN_MAX_MM, &b->learn.gained_mm))
			return "bad learning";
		if (text_span_is(w[7], "bc") || text_span_is(w[7], "b"))
			b->learn.have_base = true;
		else if (!text_span_is(w[7], "c") && !text_span_is(w[7], "-"))
			return "bad learning flags";
		b->learn.clean = text_span_is(w[7], "bc") || text_span_is(w[7], "c");
		return NULL;
	}
	if (text_span_is(w[0], "rain-until")) {
		if (n != 2 || (!text_span_is(w[1], "0") &&
			       !text_parse_uint(w[1], INT32_MAX, &v)))
			return "bad rain-until";
		log->rain_until = text_span_is(w[1], "0") ? 0 : (time_t)v;
		return NULL;
	}
	return "unknown line";
}

int weather_log_parse(const char *text, size_t len, struct weather_log *out,
		      char *err, size_t err_size)
{
	/* Built aside, so a file that fails half way leaves *out as it was. */
	struct weather_log log;
	long lines;

	memset(&log, 0, sizeof(log));
	lines = text_read_lines(text, len, HEADER, "not an " HEADER " file",
				parse_line, &log, err, err_size);
	if (lines < 0)
		return (int)lines;
	if (lines < 2)
		return text_fail(err, err_size, 2, "expected today");
	*out = log;
	return 0;
}
