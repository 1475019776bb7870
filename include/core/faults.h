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
	FAULT_STATE_UNREADABLE,	/* garden: the faults file could not be
				   read, so what was latched is unknown */
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
 * same fault.  When full, the oldest is dropped.  Returns the stored one,
 * or NULL when f's kind is unknown or its zone is neither "" nor a zone
 * name ([A-Za-z0-9_-], 1 to 31).  What the state file cannot hold is
 * mended, not refused: bytes of detail outside printable ASCII become '?',
 * a detail too long is cut, figures not in 0..1e6 L/min become NAN, a
 * raised time before 1970 or after 9999 is clamped.
 *
 * The file writes a garden-wide fault's zone as "-": a zone named "-"
 * reads back as garden-wide (it holds more, never less), so the config
 * should not allow that name.
 */
struct fault *faults_raise(struct fault_set *s, const struct fault *f);
/*
 * Clears the faults of zone ("" the garden-wide ones), keeping the order
 * of the others; returns how many.
 */
size_t faults_clear_zone(struct fault_set *s, const char *zone);
size_t faults_clear_all(struct fault_set *s);
/* Is zone held: a fault of its own, or a garden-wide one? */
bool faults_hold_zone(const struct fault_set *s, const char *zone);
/* The first fault that holds zone, or NULL. */
const struct fault *faults_holding(const struct fault_set *s, const char *zone);

/* "no-flow", "high-flow", "leak", "valve", "state-unreadable" */
const char *fault_kind_name(enum fault_kind kind);
int fault_kind_parse(const char *name, enum fault_kind *kind);

/*
 * The state file's text: "irrigd-faults 1", one line per latched fault,
 * then one line per zone with learned flows (oldest first), and after the
 * word "candidates" the runs far from them that wait to agree (left out
 * with the word when none, so a file without candidates reads as it did
 * before they were added):
 *
 *	irrigd-faults 1
 *	fault no-flow beds 1781000000 0.000 12.500 no flow after 30 s
 *	fault leak - 1781003600 2.125 - flow with every valve closed
 *	learned beds 12.500 12.250 12.750
 *	learned lawn 12.000 candidates 16.800
 *
 * A fault's fields: kind, zone ("-" garden-wide), raised (UTC seconds),
 * measured and expected L/min ("-" unknown), then the detail, the rest of
 * the line (left out when empty).  Flows have 3 decimals.  Returns the
 * length written (NUL not counted), -ENOSPC when it does not fit (buf is
 * NUL-terminated all the same when size > 0), or -EINVAL when st holds
 * what parse would refuse (set by hand: faults_raise never stores it).
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
/*
 * The learned flows of zone, made (empty) when new and create is set;
 * NULL when it is not there and not made, when full, or when zone is no
 * zone name.
 */
struct flow_learned *fault_state_learned(struct fault_state *st,
					 const char *zone, bool create);
int fault_state_format(const struct fault_state *st, char *buf, size_t size);
/*
 * Parses text written by fault_state_format; fault and learned lines may
 * come in any order.  On any malformed, truncated, duplicate or
 * out-of-range line returns -EINVAL, writes "line N: what is wrong" into
 * err and leaves *out untouched.
 */
int fault_state_parse(const char *text, size_t len, struct fault_state *out,
		      char *err, size_t err_size);

#endif
