/* Latched faults and learned flows: what stops programs until a person clears it, and its state-file text. */
#ifndef IRRIGD_CORE_FAULTS_H
#define IRRIGD_CORE_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/flowmon.h"

#define FAULTS_MAX 32
#define FAULT_ZONE_MAX 32		/* a zone name, NUL included */
#define FAULT_DETAIL_MAX 96

enum fault_kind {
	FAULT_NO_FLOW,		/* zone: below no_flow of expected */
	FAULT_HIGH_FLOW,	/* zone: above high of expected */
	FAULT_LEAK,		/* garden: flow with every valve closed */
	FAULT_VALVE,		/* zone (or garden for the master): a valve
				   did not switch (OLAT read back wrong) */
	FAULT_KINDS
};

/*
 * A fault latches: it stays until cleared.  zone "" is a garden-wide
 * fault (leak, master valve), which holds every zone.
 */
struct fault {
	enum fault_kind kind;
	char zone[FAULT_ZONE_MAX];
	time_t raised;			/* wall clock, UTC seconds */
	double measured_lpm;		/* NAN when not a flow fault */
	double expected_lpm;		/* NAN when not known */
	char detail[FAULT_DETAIL_MAX];	/* printable ASCII, no newline */
};

struct fault_set {
	struct fault list[FAULTS_MAX];
	size_t n;
};

void faults_init(struct fault_set *s);
/*
 * Latches f.  A fault of the same kind and zone already latched is
 * replaced (its time and figures renewed), so a set never holds twice the
 * same fault.  When full, the oldest is dropped.  Returns the stored one.
 */
struct fault *faults_raise(struct fault_set *s, const struct fault *f);
/* Clears the faults of zone ("" the garden-wide ones); returns how many. */
size_t faults_clear_zone(struct fault_set *s, const char *zone);
size_t faults_clear_all(struct fault_set *s);
/* Is zone held: a fault of its own, or a garden-wide one? */
bool faults_hold_zone(const struct fault_set *s, const char *zone);
/* The first fault that holds zone, or NULL. */
const struct fault *faults_holding(const struct fault_set *s, const char *zone);

/* "no-flow", "high-flow", "leak", "valve" */
const char *fault_kind_name(enum fault_kind kind);
int fault_kind_parse(const char *name, enum fault_kind *kind);

/*
 * The state file's text: "irrigd-faults 1", one line per latched fault,
 * then one line per zone with learned flows.  Returns the length written
 * (NUL not counted) or -ENOSPC.
 */
#define FAULTS_TEXT_MAX 16384
struct learned_zone {
	char zone[FAULT_ZONE_MAX];
	struct flow_learned learned;
};
#define FAULTS_LEARNED_MAX 32

struct fault_state {
	struct fault_set faults;
	struct learned_zone learned[FAULTS_LEARNED_MAX];
	size_t n_learned;
};

void fault_state_init(struct fault_state *st);
/* The learned flows of zone, made (empty) when new; NULL when full. */
struct flow_learned *fault_state_learned(struct fault_state *st,
					 const char *zone, bool create);
int fault_state_format(const struct fault_state *st, char *buf, size_t size);
/*
 * Parses text written by fault_state_format.  On any malformed, truncated
 * or out-of-range line returns -EINVAL, writes "line N: what is wrong" into
 * err and leaves *out untouched.
 */
int fault_state_parse(const char *text, size_t len, struct fault_state *out,
		      char *err, size_t err_size);

#endif
