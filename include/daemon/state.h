/* The state directory: files replaced atomically, and the last run kept across restarts. */
#ifndef IRRIGD_DAEMON_STATE_H
#define IRRIGD_DAEMON_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "daemon/config.h"

/*
 * Replaces dir/name with data: written to a temporary file, synced, then
 * renamed over the old one and the directory synced, so a power cut at
 * any moment leaves the old file or the new one, never a broken one.
 */
int state_write_atomic(const char *dir, const char *name, const char *data,
		       size_t len);

struct last_run {
	char zone[CONFIG_NAME_MAX];
	time_t started;			/* wall clock, for people */
	uint32_t planned_s, actual_s;
	double litres;
	char outcome[16];
};

int state_save_last_run(const char *dir, const struct last_run *run);
/*
 * -ENOENT when there is none yet, -EINVAL when the file is not one we
 * wrote (it is then ignored: nothing here depends on it).
 */
int state_load_last_run(const char *dir, struct last_run *run);

#endif
