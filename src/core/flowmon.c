/* Flow monitoring: alarms from a zone's sampled flow against its limits, leaks while closed, and the learned flow of recent runs. */
#include "core/flowmon.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/nsec.h"

#define NS_PER_MIN 60e9

/* Times come from the caller's monotonic clock; a huge delay must not wrap. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void flowmon_init(struct flow_monitor *m)
{
	memset(m, 0, sizeof(*m));
	m->mode = FLOWMON_OFF;
	m->pending = FLOW_ALARM_NONE;
}

void flowmon_watering(struct flow_monitor *m, const struct flow_limits *lim,
		      uint64_t now)
{
	/* lim may be m's own limits, to watch the next run alike. */
	struct flow_limits copy = *lim;

	m->mode = FLOWMON_WATERING;
	m->limits = copy;
	m->since_ns = now;
	m->pending = FLOW_ALARM_NONE;
	m->pending_since_ns = now;
	m->low_warned = false;
	m->alarmed = false;
	m->settled_litres = 0.0;
	m->settled_ns = 0;
	m->last_sample_ns = now;
	m->window_litres = 0.0;
	m->window_ns = 0;
	m->window_min_litres = INFINITY;
	m->window_max_litres = 0.0;
	m->windows = 0;
}

/*
 * The settled figures of the run that just ended are kept, so the caller
 * may close the valve first and learn from the run afterwards.
 */
void flowmon_closed(struct flow_monitor *m, double leak_lpm,
		    uint64_t settle_ns, uint64_t delay_ns, uint64_t now)
{
	m->mode = FLOWMON_CLOSED;
	m->leak_lpm = leak_lpm;
	m->limits.settle_ns = settle_ns;
	m->limits.alarm_delay_ns = delay_ns;
	m->since_ns = now;
	m->pending = FLOW_ALARM_NONE;
	m->pending_since_ns = now;
	m->alarmed = false;
	m->last_sample_ns = now;
}

void flowmon_off(struct flow_monitor *m)
{
	m->mode = FLOWMON_OFF;
	m->pending = FLOW_ALARM_NONE;
}

static bool above_max(const struct flow_limits *lim, double rate)
{
	return lim->max_lpm > 0.0 && rate > lim->max_lpm;
}

static enum flow_alarm watering_condition(const struct flow_limits *lim,
					  double rate)
{
	double expected = lim->expected_lpm;

	/* Not known (or not a usable figure): the floor and the ceiling. */
	if (!(expected > 0.0) || !isfinite(expected)) {
		if (rate < lim->unknown_min_lpm)
			return FLOW_ALARM_NO_FLOW;
		return above_max(lim, rate) ? FLOW_ALARM_ABOVE_MAX
					    : FLOW_ALARM_NONE;
	}
	if (rate < lim->no_flow_fraction * expected)
		return FLOW_ALARM_NO_FLOW;
	if (above_max(lim, rate))
		return FLOW_ALARM_ABOVE_MAX;
	if (rate > lim->high_fraction * expected)
		return FLOW_ALARM_HIGH;
	if (rate < lim->low_fraction * expected)
		return FLOW_ALARM_LOW;
	return FLOW_ALARM_NONE;
}

/* Closes the window filling now once it is full. */
static void window_full(struct flow_monitor *m)
{
	if (m->window_litres < m->window_min_litres)
		m->window_min_litres = m->window_litres;
	if (m->window_litres > m->window_max_litres)
		m->window_max_litres = m->window_litres;
	m->windows++;
	m->window_litres = 0.0;
	m->window_ns = 0;
}

/*
 * The settled litres of span_ns, shared out over the steadiness windows
 * as if they ran evenly through it.
 */
static void count_windows(struct flow_monitor *m, double litres,
			  uint64_t span_ns)
{
	uint64_t left = span_ns;

	while (left > 0) {
		uint64_t room = FLOW_STEADY_WINDOW_NS - m->window_ns;
		uint64_t part = left < room ? left : room;

		m->window_litres += litres * ((double)part / (double)span_ns);
		m->window_ns += part;
		left -= part;
		if (m->window_ns == FLOW_STEADY_WINDOW_NS)
			window_full(m);
	}
}

/*
 * Only the part of the interval after the settle counts for learning: air
 * in the pipes makes the first seconds' flow no measure of the zone.  The
 * litres of an interval that straddles the settle's end are shared out in
 * proportion, as if they ran evenly through it.
 */
static void count_settled(struct flow_monitor *m, double litres, uint64_t now,
			  uint64_t settle_end)
{
	uint64_t from = m->last_sample_ns > settle_end ? m->last_sample_ns
						       : settle_end;

	if (now <= from)
		return;
	if (!isfinite(litres) || litres < 0.0)
		litres = 0.0;
	if (m->last_sample_ns < settle_end)
		litres *= (double)(now - settle_end) /
			  (double)(now - m->last_sample_ns);
	m->settled_litres += litres;
	m->settled_ns += now - from;
	count_windows(m, litres, now - from);
}

enum flow_alarm flowmon_sample(struct flow_monitor *m, double rate_lpm,
			       double litres, uint64_t now)
{
	uint64_t settle_end = add_sat(m->since_ns, m->limits.settle_ns);
	enum flow_alarm cond;

	/* A clock that steps back would make every interval below wrap. */
	if (now < m->last_sample_ns)
		now = m->last_sample_ns;
	if (m->mode == FLOWMON_OFF) {
		m->last_sample_ns = now;
		return FLOW_ALARM_NONE;
	}
	if (now < settle_end) {
		m->pending = FLOW_ALARM_NONE;
		m->last_sample_ns = now;
		return FLOW_ALARM_NONE;
	}
	if (m->mode == FLOWMON_WATERING)
		count_settled(m, litres, now, settle_end);
	m->last_sample_ns = now;
	/* No reading says nothing about the flow: leave the delay running. */
	if (isnan(rate_lpm))
		return FLOW_ALARM_NONE;

	if (m->mode == FLOWMON_WATERING)
		cond = watering_condition(&m->limits, rate_lpm);
	else
		cond = rate_lpm > m->leak_lpm ? FLOW_ALARM_LEAK : FLOW_ALARM_NONE;
	/*
	 * Too much either way: a flow that climbs past the ceiling keeps
	 * the delay it started above the zone's high threshold.
	 */
	if ((cond == FLOW_ALARM_ABOVE_MAX && m->pending == FLOW_ALARM_HIGH) ||
	    (cond == FLOW_ALARM_HIGH && m->pending == FLOW_ALARM_ABOVE_MAX))
		m->pending = cond;
	if (cond != m->pending) {
		m->pending = cond;
		m->pending_since_ns = now;
	}
	if (cond == FLOW_ALARM_NONE || m->alarmed ||
	    now - m->pending_since_ns < m->limits.alarm_delay_ns)
		return FLOW_ALARM_NONE;
	if (cond == FLOW_ALARM_LOW) {
		if (m->low_warned)
			return FLOW_ALARM_NONE;
		m->low_warned = true;
		return FLOW_ALARM_LOW;
	}
	m->alarmed = true;
	return cond;
}

/* Has the pending condition already been told? Then it has no deadline. */
static bool pending_told(const struct flow_monitor *m)
{
	return m->pending == FLOW_ALARM_LOW ? m->low_warned : m->alarmed;
}

uint64_t flowmon_next_check(const struct flow_monitor *m, uint64_t now)
{
	uint64_t settle_end = add_sat(m->since_ns, m->limits.settle_ns);
	uint64_t deadline = UINT64_MAX;

	/* After a fault alarm the monitor has nothing more to say. */
	if (m->mode == FLOWMON_OFF || m->alarmed)
		return UINT64_MAX;
	if (m->pending != FLOW_ALARM_NONE && !pending_told(m)) {
		deadline = add_sat(m->pending_since_ns, m->limits.alarm_delay_ns);
		if (deadline < now)
			deadline = now;
	}
	if (m->mode == FLOWMON_CLOSED)
		/* A leak makes pulses, and pulses wake the caller. */
		return deadline;
	if (now < settle_end)
		return settle_end;
	/*
	 * A flow that stops makes no pulses, so while watering the caller
	 * looks once a second, sooner when a pending condition is due.
	 */
	return deadline < add_sat(now, NS_PER_S) ? deadline
						 : add_sat(now, NS_PER_S);
}

bool flowmon_settled_mean(const struct flow_monitor *m, uint64_t min_ns,
			  double *lpm)
{
	if (m->settled_ns == 0 || m->settled_ns < min_ns)
		return false;
	if (lpm)
		*lpm = m->settled_litres / ((double)m->settled_ns / NS_PER_MIN);
	return true;
}

enum flow_lesson flowmon_lesson(const struct flow_monitor *m,
				enum run_outcome outcome, uint64_t min_ns,
				struct flow_run_figures *fig)
{
	struct flow_run_figures f = { NAN, NAN, NAN };
	double window_min = FLOW_STEADY_WINDOW_NS / NS_PER_MIN;
	enum flow_lesson lesson = FLOW_LESSON_LEARNED;

	if (m->settled_ns > 0)
		f.mean_lpm = m->settled_litres / ((double)m->settled_ns / NS_PER_MIN);
	if (m->windows > 0) {
		f.min_lpm = m->window_min_litres / window_min;
		f.max_lpm = m->window_max_litres / window_min;
	}
	if (fig)
		*fig = f;
	/*
	 * A person who stops a run may have seen water where it should not
	 * be; a cap or the soil ends a run whatever it drew: only a run that
	 * watered its whole time says what the zone draws.
	 */
	if (outcome != RUN_COMPLETED)
		lesson = FLOW_LESSON_NOT_COMPLETED;
	else if (m->settled_ns == 0 || m->settled_ns < min_ns || m->windows == 0)
		lesson = FLOW_LESSON_TOO_SHORT;
	else if (m->low_warned)
		/* A filter that clogs slowly must not become the norm. */
		lesson = FLOW_LESSON_LOW_FLOW;
	else if (!(f.mean_lpm > 0.0) ||
		 f.max_lpm - f.min_lpm > FLOW_STEADY_SPREAD * f.mean_lpm)
		lesson = FLOW_LESSON_UNSTEADY;
	else if (m->limits.max_lpm > 0.0 && f.mean_lpm > m->limits.max_lpm)
		lesson = FLOW_LESSON_ABOVE_MAX;
	return lesson;
}

const char *flowmon_lesson_name(enum flow_lesson lesson)
{
	switch (lesson) {
	case FLOW_LESSON_LEARNED:
		return "learned";
	case FLOW_LESSON_NOT_COMPLETED:
		return "not completed";
	case FLOW_LESSON_TOO_SHORT:
		return "too short";
	case FLOW_LESSON_LOW_FLOW:
		return "low flow";
	case FLOW_LESSON_UNSTEADY:
		return "unsteady";
	case FLOW_LESSON_ABOVE_MAX:
		return "above the ceiling";
	}
	return "unknown";
}

const char *flowmon_alarm_name(enum flow_alarm alarm)
{
	switch (alarm) {
	case FLOW_ALARM_NONE:
		return "none";
	case FLOW_ALARM_LOW:
		return "low-flow";
	case FLOW_ALARM_NO_FLOW:
		return "no-flow";
	case FLOW_ALARM_HIGH:
	case FLOW_ALARM_ABOVE_MAX:
		return "high-flow";
	case FLOW_ALARM_LEAK:
		return "leak";
	}
	return "unknown";
}

/* A ring damaged in memory (or never initialised) reads as empty. */
static bool ring_ok(const struct flow_learned *l)
{
	return l->len <= FLOW_LEARN_RUNS && l->first < FLOW_LEARN_RUNS;
}

static bool learnable(double lpm)
{
	return lpm >= FLOW_LEARN_MIN_LPM && lpm <= FLOW_LEARN_MAX_LPM;
}

static bool within(double lpm, double of, double fraction)
{
	return fabs(lpm - of) <= fraction * of;
}

enum flow_offer flow_learned_offer(struct flow_learned *l, double lpm)
{
	double learned = flow_learned_median(l);

	if (!learnable(lpm))
		return FLOW_OFFER_IGNORED;
	if (l->n_candidates > FLOW_LEARN_AGREE - 1)
		l->n_candidates = 0;
	/* Nothing learned yet: the ceiling alone guards the first run. */
	if (learned <= 0.0 || within(lpm, learned, FLOW_LEARN_FAR)) {
		l->n_candidates = 0;
		flow_learned_add(l, lpm);
		return FLOW_OFFER_ADDED;
	}
	if (l->n_candidates > 0 &&
	    !within(lpm, l->candidate[0], FLOW_LEARN_AGREE_FRACTION))
		l->n_candidates = 0;	/* a new row starts with this run */
	if (l->n_candidates < FLOW_LEARN_AGREE - 1) {
		l->candidate[l->n_candidates++] = lpm;
		return FLOW_OFFER_CANDIDATE;
	}
	/* The garden changed (a new nozzle, a longer line): take it. */
	l->first = 0;
	l->len = 0;
	for (size_t i = 0; i < l->n_candidates; i++)
		flow_learned_add(l, l->candidate[i]);
	flow_learned_add(l, lpm);
	l->n_candidates = 0;
	return FLOW_OFFER_REPLACED;
}

int flow_learned_set(struct flow_learned *l, double lpm)
{
	if (!learnable(lpm))
		return -EINVAL;
	l->first = 0;
	l->len = 0;
	l->n_candidates = 0;
	flow_learned_add(l, lpm);
	return 0;
}

void flow_learned_add(struct flow_learned *l, double lpm)
{
	if (!learnable(lpm))
		return;
	if (!ring_ok(l)) {
		l->first = 0;
		l->len = 0;
	}
	if (l->len == FLOW_LEARN_RUNS) {
		l->first = (l->first + 1) % FLOW_LEARN_RUNS;
		l->len--;
	}
	l->lpm[(l->first + l->len) % FLOW_LEARN_RUNS] = lpm;
	l->len++;
}

/* The median, so one odd run (a hose left open, a blocked filter) moves nothing. */
double flow_learned_median(const struct flow_learned *l)
{
	double v[FLOW_LEARN_RUNS];
	size_t n;

	if (!ring_ok(l) || l->len == 0)
		return 0.0;
	n = l->len;
	for (size_t i = 0; i < n; i++) {
		double x = l->lpm[(l->first + i) % FLOW_LEARN_RUNS];
		size_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2.0;
}
