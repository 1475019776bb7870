/* The state directory: files replaced atomically, and the last run kept across restarts. */
#include "daemon/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LAST_RUN_FILE "last-run"

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int state_write_atomic(const char *dir, const char *name, const char *data,
		       size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd, dirfd, err;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	err = write_all(fd, data, len);
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	/* The rename itself must reach the disk too. */
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	err = fsync(dirfd) < 0 ? -errno : 0;
	close(dirfd);
	return err;
}

int state_save_last_run(const char *dir, const struct last_run *run)
{
	char text[256];
	int n = snprintf(text, sizeof(text),
			 "irrigd-last-run 1\nzone %s\nstarted %lld\nplanned %u\n"
			 "actual %u\nlitres %.3f\noutcome %s\n", run->zone,
			 (long long)run->started, run->planned_s, run->actual_s,
			 run->litres, run->outcome);

	if (n < 0 || (size_t)n >= sizeof(text))
		return -EINVAL;
	return state_write_atomic(dir, LAST_RUN_FILE, text, (size_t)n);
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

int state_load_last_run(const char *dir, struct last_run *out)
{
	struct last_run run = { 0 };
	char path[PATH_MAX], text[512];
	long long started;
	size_t len;
	FILE *f;
	int fields;

	if (snprintf(path, sizeof(path), "%s/" LAST_RUN_FILE, dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	fields = sscanf(text, "irrigd-last-run 1\nzone %31s\nstarted %lld\nplanned %u\n"
			"actual %u\nlitres %lf\noutcome %15s\n", run.zone, &started,
			&run.planned_s, &run.actual_s, &run.litres, run.outcome);
	if (fields != 6 || !valid_name(run.zone) || !valid_name(run.outcome) ||
	    started < 0 || !(run.litres >= 0.0 && run.litres < 1e9))
		return -EINVAL;
	run.started = (time_t)started;
	*out = run;
	return 0;
}
