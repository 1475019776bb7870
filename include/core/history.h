/* Run history: a bounded record of past runs, and its text form for the state file. */
#ifndef IRRIGD_CORE_HISTORY_H
#define IRRIGD_CORE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/run.h"
#include "core/schedule.h"

/* Oldest entries rotate out beyond this, so disk and memory stay bounded. */
#define HISTORY_MAX 200
#define HISTORY_NAME_MAX 32
#define HISTORY_SOURCE_MANUAL "manual"
/* Room history_format needs at most for a full history, NUL included. */
#define HISTORY_TEXT_MAX (64 + HISTORY_MAX * 160)

struct history_entry {
	uint32_t id;			/* unique, increasing */
	time_t started;			/* wall clock, UTC seconds */
	char source[HISTORY_NAME_MAX];	/* program name, or "manual" */
	char zone[HISTORY_NAME_MAX];
	uint32_t planned_s;		/* after the seasonal percentage */
	uint32_t actual_s;
	double litres;
	double moisture_start;		/* zone's probe average, %; NAN unknown */
	double moisture_end;
	enum run_outcome outcome;	/* RUN_SHUTDOWN ("interrupted") while
					   the run is going on, so a crash
					   leaves it that way */
};

struct history {
	struct history_entry entries[HISTORY_MAX];	/* a ring */
	size_t first, len;
	uint32_t next_id;
	/* What the last add rotated out, for history_take_back(). */
	struct history_entry rotated_out;
	bool has_rotated_out;
};

void history_init(struct history *h);
/*
 * Appends a copy of e with a new id, dropping the oldest entry when full;
 * returns the stored entry (valid until the next add).
 */
struct history_entry *history_add(struct history *h,
				  const struct history_entry *e);
/*
 * Takes back the entry the last add stored, id, and brings back the one
 * that add rotated out: a run that turns out not to belong in the history
 * pushes no other out, and the next add reuses id.  -ENOENT when id is
 * not the newest entry.
 */
int history_take_back(struct history *h, uint32_t id);
/* The entry with this id, or NULL when it rotated out. */
struct history_entry *history_find(struct history *h, uint32_t id);
size_t history_len(const struct history *h);
/* i = 0 is the oldest entry. */
const struct history_entry *history_at(const struct history *h, size_t i);

/*
 * Litres used by zone (every zone when NULL) on the local date of `day`
 * (every entry started that local day): the daily total, derived rather
 * than stored.
 */
double history_litres_on(const struct history *h, const char *zone,
			 time_t day);

/*
 * The state file's text: a header line "irrigd-history 1" and one line
 * per entry.  Returns the length written (NUL not counted) or -ENOSPC.
 */
int history_format(const struct history *h, char *buf, size_t size);

/*
 * Parses text written by history_format.  On any malformed, truncated or
 * out-of-range line returns -EINVAL, writes "line N: what is wrong" into
 * err and leaves *out untouched.
 */
int history_parse(const char *text, size_t len, struct history *out,
		  char *err, size_t err_size);

#endif
