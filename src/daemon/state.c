/* The state directory: files replaced atomically; the run history, the rain delay, the faults, the programs' overrides. */
#include "daemon/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/fdio.h"

#define HISTORY_FILE "history"
#define RAIN_DELAY_FILE "rain-delay"
#define FAULTS_FILE "faults"
#define PROGRAMS_FILE "programs"
#define RAIN_DELAY_HEADER "irrigd-rain-delay 1\nuntil "
#define LOCK_FILE "lock"

static const char *const file_names[STATE_FILES] = {
	[STATE_HISTORY] = HISTORY_FILE,
	[STATE_FAULTS] = FAULTS_FILE,
	[STATE_RAIN_DELAY] = RAIN_DELAY_FILE,
	[STATE_PROGRAMS] = PROGRAMS_FILE,
	[STATE_WEATHER] = "weather",
};

static const char *const file_whats[STATE_FILES] = {
	[STATE_HISTORY] = "the run history",
	[STATE_FAULTS] = "the latched faults and learned flows",
	[STATE_RAIN_DELAY] = "the rain delay",
	[STATE_PROGRAMS] = "what irrigctl program asked",
	[STATE_WEATHER] = "the weather record and soil water balances",
};

const char *state_file_name(enum state_file f)
{
	return (unsigned)f < STATE_FILES ? file_names[f] : "unknown";
}

const char *state_file_what(enum state_file f)
{
	return (unsigned)f < STATE_FILES ? file_whats[f] : "unknown";
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
	err = fd_write_all(fd, data, len);
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

/*
 * A POSIX record lock rather than flock(): F_GETLK names the process that
 * holds it, which is what a person starting a second daemon needs to know.
 */
int state_lock(const char *dir, pid_t *holder)
{
	struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[PATH_MAX];
	int fd, err;

	*holder = 0;
	if (snprintf(path, sizeof(path), "%s/%s", dir, LOCK_FILE) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	if (fd < 0)
		return -errno;
	/* Twice: the holder may exit between the refusal and the question. */
	for (int tries = 0; tries < 2; tries++) {
		struct flock held = lock;

		if (fcntl(fd, F_SETLK, &lock) == 0)
			return fd;
		err = -errno;
		if (err != -EAGAIN && err != -EACCES)
			break;
		err = -EBUSY;
		if (fcntl(fd, F_GETLK, &held) == 0 && held.l_type != F_UNLCK) {
			*holder = held.l_pid > 0 ? held.l_pid : 0;
			break;
		}
	}
	close(fd);
	return err;
}

/*
 * Reads all of dir/name into a new heap buffer (no NUL added), refusing
 * one over STATE_FILE_MAX before reading it, so a runaway file cannot
 * exhaust memory.
 */
static int read_bounded(const char *dir, const char *name, char **text,
			size_t *len)
{
	char path[PATH_MAX], *buf;
	size_t size, got = 0;
	struct stat st;
	int fd, err = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto out;
	}
	if (st.st_size > STATE_FILE_MAX) {
		err = -EFBIG;
		goto out;
	}
	/* One byte more than expected, to notice a file growing meanwhile. */
	size = (size_t)st.st_size + 1;
	buf = malloc(size);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	/* Ours are replaced by rename, never rewritten in place. */
	if (!err && got == size)
		err = -EAGAIN;
	if (err) {
		free(buf);
		goto out;
	}
	*text = buf;
	*len = got;
out:
	close(fd);
	return err;
}

/* What a state file's text is made from and read into. */
typedef int format_fn(const void *obj, char *buf, size_t size);
typedef int parse_fn(const char *text, size_t len, void *obj, char *err,
		     size_t err_size);

/*
 * Writes format's text of obj, at most max bytes, to dir/name.  The text
 * is made in one buffer for the daemon's life, not a heap block per save:
 * a 32 KiB block lands wherever the heap has room, and makes resident the
 * pages it writes there, so memory would follow the heap's layout.
 */
static int save_text(const char *dir, const char *name, size_t max,
		     format_fn *format, const void *obj)
{
	static char text[HISTORY_TEXT_MAX > FAULTS_TEXT_MAX ? HISTORY_TEXT_MAX :
							      FAULTS_TEXT_MAX];
	int n;

	if (max > sizeof(text))
		return -ENOSPC;
	n = format(obj, text, max);
	if (n >= 0)
		n = state_write_atomic(dir, name, text, (size_t)n);
	return n;
}

/* Reads dir/name into obj through parse; "DIR/NAME: why" in err on failure. */
static int load_text(const char *dir, const char *name, parse_fn *parse,
		     void *obj, char *err, size_t err_size)
{
	char why[128] = "";
	size_t len;
	char *text;
	int ret = read_bounded(dir, name, &text, &len);

	if (ret < 0) {
		snprintf(why, sizeof(why), "%s", strerror(-ret));
	} else {
		ret = parse(text, len, obj, why, sizeof(why));
		free(text);
	}
	if (ret < 0 && err && err_size)
		snprintf(err, err_size, "%s/%s: %s", dir, name, why);
	return ret;
}

static int format_history(const void *h, char *buf, size_t size)
{
	return history_format(h, buf, size);
}

static int parse_history(const char *text, size_t len, void *h, char *err,
			 size_t err_size)
{
	return history_parse(text, len, h, err, err_size);
}

static int format_faults(const void *st, char *buf, size_t size)
{
	return fault_state_format(st, buf, size);
}

static int parse_faults(const char *text, size_t len, void *st, char *err,
			size_t err_size)
{
	return fault_state_parse(text, len, st, err, err_size);
}

static int format_programs(const void *ps, char *buf, size_t size)
{
	return progstates_format(ps, buf, size);
}

static int parse_programs(const char *text, size_t len, void *ps, char *err,
			  size_t err_size)
{
	return progstates_parse(text, len, ps, err, err_size);
}

static int format_weather(const void *log, char *buf, size_t size)
{
	return weather_log_format(log, buf, size);
}

static int parse_weather(const char *text, size_t len, void *log, char *err,
			 size_t err_size)
{
	return weather_log_parse(text, len, log, err, err_size);
}

int state_save_weather(const char *dir, const struct weather_log *log)
{
	return save_text(dir, "weather", WEATHER_TEXT_MAX, format_weather, log);
}

int state_load_weather(const char *dir, struct weather_log *log, char *err,
		       size_t err_size)
{
	return load_text(dir, "weather", parse_weather, log, err, err_size);
}

int state_save_programs(const char *dir, const struct progstates *ps)
{
	return save_text(dir, PROGRAMS_FILE, PROGSTATE_TEXT_MAX, format_programs, ps);
}

int state_load_programs(const char *dir, struct progstates *ps, char *err,
			size_t err_size)
{
	return load_text(dir, PROGRAMS_FILE, parse_programs, ps, err, err_size);
}

int state_save_history(const char *dir, const struct history *h)
{
	return save_text(dir, HISTORY_FILE, HISTORY_TEXT_MAX, format_history, h);
}

int state_load_history(const char *dir, struct history *h, char *err,
		       size_t err_size)
{
	return load_text(dir, HISTORY_FILE, parse_history, h, err, err_size);
}

int state_save_faults(const char *dir, const struct fault_state *st)
{
	return save_text(dir, FAULTS_FILE, FAULTS_TEXT_MAX, format_faults, st);
}

int state_load_faults(const char *dir, struct fault_state *st, char *err,
		      size_t err_size)
{
	return load_text(dir, FAULTS_FILE, parse_faults, st, err, err_size);
}

int state_set_aside(const char *dir, const char *name)
{
	char path[PATH_MAX], bad[PATH_MAX];
	int dirfd, err;

	if (!*name || strchr(name, '/'))
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(bad, sizeof(bad), "%s/%s.bad", dir, name) >= (int)sizeof(bad))
		return -ENAMETOOLONG;
	if (rename(path, bad) < 0)
		return -errno;
	/* Else after a power cut the bad file could be back in the way. */
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	err = fsync(dirfd) < 0 ? -errno : 0;
	close(dirfd);
	return err;
}

int state_save_rain_delay(const char *dir, time_t until)
{
	char text[64];
	int n;

	if (until < 0)
		return -EINVAL;
	/*
	 * "until 0" rather than removing the file: one atomic replacement
	 * is the only way either outcome survives a power cut.
	 */
	n = snprintf(text, sizeof(text), RAIN_DELAY_HEADER "%lld\n",
		     (long long)until);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -EINVAL;
	return state_write_atomic(dir, RAIN_DELAY_FILE, text, (size_t)n);
}

/* Exactly the header, a number as we write it, and the newline. */
static int parse_rain_delay(const char *text, size_t len, time_t *until)
{
	size_t head = strlen(RAIN_DELAY_HEADER), digits;
	unsigned long long v = 0;
	time_t t;

	if (len < head + 2 || memcmp(text, RAIN_DELAY_HEADER, head) != 0 ||
	    text[len - 1] != '\n')
		return -EINVAL;
	digits = len - head - 1;
	if (digits > 18 || (digits > 1 && text[head] == '0'))
		return -EINVAL;
	for (size_t i = head; i < len - 1; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long long)(text[i] - '0');
	}
	t = (time_t)v;
	/* A 32-bit time_t must hold it exactly, and not as a negative. */
	if (t < 0 || (unsigned long long)t != v)
		return -EINVAL;
	*until = t;
	return 0;
}

int state_load_rain_delay(const char *dir, time_t *until)
{
	size_t len;
	char *text;
	int ret = read_bounded(dir, RAIN_DELAY_FILE, &text, &len);

	if (ret < 0)
		return ret;
	ret = parse_rain_delay(text, len, until);
	free(text);
	return ret;
}
