/* What people asked of programs from irrigctl (enabled, disabled, skip the next start), and whether a start goes ahead. */
#ifndef IRRIGD_CORE_PROGSTATE_H
#define IRRIGD_CORE_PROGSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/schedule.h"

/* Programs are at most SCHEDULE_MAX_PROGRAMS; room for names a reload dropped. */
#define PROGSTATE_MAX (2 * SCHEDULE_MAX_PROGRAMS)
/* The state file's text is never longer. */
#define PROGSTATE_TEXT_MAX 4096

enum program_override {
	PROGRAM_AS_CONFIGURED,	/* the config's `enabled` */
	PROGRAM_ENABLED,	/* irrigctl program NAME enable */
	PROGRAM_DISABLED,	/* irrigctl program NAME disable */
};

/* Kept by name: a reload may reorder the programs. */
struct progstate_entry {
	char name[SCHEDULE_NAME_MAX];
	enum program_override override;
	bool skip_next;		/* the program's next start does not water */
};

struct progstates {
	struct progstate_entry list[PROGSTATE_MAX];
	size_t n;
};

void progstates_init(struct progstates *ps);
/* The entry of the program called name, or NULL. */
const struct progstate_entry *progstates_find(const struct progstates *ps,
					      const char *name);
/* -EINVAL for a bad name, -ENOSPC when every entry is taken. */
int progstates_set_override(struct progstates *ps, const char *name,
			    enum program_override override);
int progstates_set_skip_next(struct progstates *ps, const char *name,
			     bool skip_next);
/* Forgets the programs sched does not have; returns how many. */
size_t progstates_prune(struct progstates *ps, const struct schedule *sched);
/* Each program's `enabled` from its override (the config's otherwise). */
void progstates_apply(const struct progstates *ps, struct schedule *sched);

/* The state file: "irrigd-programs 1", then "NAME enabled|disabled|configured skip-next|-". */
int progstates_format(const struct progstates *ps, char *buf, size_t size);
/* As fault_state_parse: "line N: why" in err, *out untouched on error. */
int progstates_parse(const char *text, size_t len, struct progstates *out,
		     char *err, size_t err_size);

/* What a program's start does, in the order these are looked at. */
enum program_start {
	START_WATERS,
	START_SKIPPED_ASKED,	/* skip-next was asked: it is used up */
	START_HELD_RAIN_DELAY,
	START_SKIPPED_FREEZE,	/* the latest temperature is below freeze_below */
};

struct start_conditions {
	time_t when;			/* the start */
	bool skip_next;
	time_t rain_delay_until;	/* 0: none */
	bool has_freeze_below;
	double freeze_below;
	bool temperature_known;		/* unknown: the run goes ahead */
	double temperature;		/* the same unit as freeze_below */
};

enum program_start program_start_decide(const struct start_conditions *c);

#endif
