/* The state directory: files replaced atomically; the run history, the faults, the rain delay, the lock. */
#ifndef IRRIGD_DAEMON_STATE_H
#define IRRIGD_DAEMON_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "core/faults.h"
#include "core/history.h"
#include "core/progstate.h"
#include "core/weatherlog.h"
#include "daemon/config.h"

/* The files irrigd saves in the state directory. */
enum state_file {
	STATE_HISTORY,
	STATE_FAULTS,
	STATE_RAIN_DELAY,
	STATE_PROGRAMS,
	STATE_WEATHER,
	STATE_FILES
};

/* Its name in the directory: "history", "faults", "rain-delay", "programs". */
const char *state_file_name(enum state_file f);
/* What it holds, for people: "the run history", ... */
const char *state_file_what(enum state_file f);

/* No state file is bigger; a larger one is refused (-EFBIG) unread. */
#define STATE_FILE_MAX (256 * 1024)

/*
 * Replaces dir/name with data: written to a temporary file, synced, then
 * renamed over the old one and the directory synced, so a power cut at
 * any moment leaves the old file or the new one, never a broken one.
 */
int state_write_atomic(const char *dir, const char *name, const char *data,
		       size_t len);

/*
 * Locks dir for this process's life (a write lock on dir/lock): one
 * daemon per state directory.  Returns the lock's fd, to keep open; or
 * -EBUSY when another process holds it, with that process's pid in
 * *holder (0 when it cannot be seen, as from another pid namespace).
 * The kernel lifts the lock however the process ends.
 */
int state_lock(const char *dir, pid_t *holder);

/* Writes the run history to dir/history. */
int state_save_history(const char *dir, const struct history *h);
/*
 * Reads dir/history into *h: -ENOENT when there is none yet; -EINVAL
 * when it does not parse, with "DIR/history: line N: ..." in err and *h
 * untouched.  Any error is described in err.
 */
int state_load_history(const char *dir, struct history *h, char *err,
		       size_t err_size);
/*
 * Renames dir/name to dir/name.bad (replacing an older one): a file that
 * failed to load is kept as evidence, and no longer in the way.
 */
int state_set_aside(const char *dir, const char *name);

/* Writes the latched faults and learned flows to dir/faults. */
int state_save_faults(const char *dir, const struct fault_state *st);
/* As state_load_history, for dir/faults. */
int state_load_faults(const char *dir, struct fault_state *st, char *err,
		      size_t err_size);

/* Writes what irrigctl asked of programs to dir/programs. */
int state_save_programs(const char *dir, const struct progstates *ps);
/* As state_load_history, for dir/programs. */
int state_load_programs(const char *dir, struct progstates *ps, char *err,
			size_t err_size);

/* Writes the weather record and the balances to dir/weather. */
int state_save_weather(const char *dir, const struct weather_log *log);
/* As state_load_history, for dir/weather. */
int state_load_weather(const char *dir, struct weather_log *log, char *err,
		       size_t err_size);

/* Watering is held off until `until` (wall clock); 0 lifts the delay. */
int state_save_rain_delay(const char *dir, time_t until);
/*
 * -ENOENT when none was ever saved (as good as 0), -EINVAL when the file
 * is malformed; *until is then untouched.
 */
int state_load_rain_delay(const char *dir, time_t *until);

#endif
