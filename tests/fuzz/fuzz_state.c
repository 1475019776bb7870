/* libFuzzer harness: the state directory's loaders (rain delay, history) on any file content, read through a memfd. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/history.h"
#include "daemon/state.h"
#include "fuzz.h"

#define RAIN_DELAY_HEADER "irrigd-rain-delay 1\nuntil "

/*
 * A state directory made once, whose "history" and "rain-delay" are
 * symbolic links to one memfd: each input replaces the memfd's content,
 * so nothing is written to disk.
 */
static int memfd = -1;
static char dir[64];
static struct history history, untouched;

static void remove_dir(void)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/history", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rain-delay", dir);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char target[64], path[96];

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/irrigd-fuzz-state.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	memfd = memfd_create("irrigd-fuzz-state", MFD_CLOEXEC);
	if (memfd < 0 || !mkdtemp(dir)) {
		perror("irrigd-fuzz-state");
		exit(1);
	}
	atexit(remove_dir);
	snprintf(target, sizeof(target), "/proc/self/fd/%d", memfd);
	snprintf(path, sizeof(path), "%s/history", dir);
	if (symlink(target, path) < 0) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/rain-delay", dir);
	if (symlink(target, path) < 0) {
		perror(path);
		exit(1);
	}
	return 0;
}

static void put_file(const unsigned char *data, size_t size)
{
	if (ftruncate(memfd, 0) < 0 ||
	    (size && pwrite(memfd, data, size, 0) != (ssize_t)size)) {
		perror("memfd");
		abort();
	}
}

static void check_rain_delay(const unsigned char *data, size_t size)
{
	time_t until = -42;
	char expect[64];
	int r, n;

	put_file(data, size);
	r = state_load_rain_delay(dir, &until);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -EFBIG, "r = %d", r);
		FUZZ_CHECK(until == -42, "*until written on error");
		return;
	}
	FUZZ_CHECK(r == 0 && until >= 0, "r = %d, until %lld", r, (long long)until);
	/* Only exactly what state_save_rain_delay writes is taken. */
	n = snprintf(expect, sizeof(expect), RAIN_DELAY_HEADER "%lld\n",
		     (long long)until);
	FUZZ_CHECK((size_t)n == size && memcmp(expect, data, size) == 0,
		   "accepted a file save would not write (until %lld)",
		   (long long)until);
}

static void check_history(const unsigned char *data, size_t size)
{
	char err[256] = "";
	int r;

	put_file(data, size);
	memset(&history, 0x5a, sizeof(history));
	memset(&untouched, 0x5a, sizeof(untouched));
	r = state_load_history(dir, &history, err, sizeof(err));
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -EFBIG, "r = %d: %s", r, err);
		FUZZ_CHECK(strncmp(err, dir, strlen(dir)) == 0 &&
			   strncmp(err + strlen(dir), "/history: ", 10) == 0,
			   "error \"%s\" does not name the file", err);
		FUZZ_CHECK(memcmp(&history, &untouched, sizeof(history)) == 0,
			   "a failed load changed *h");
		return;
	}
	FUZZ_CHECK(r == 0 && history_len(&history) <= HISTORY_MAX, "r = %d", r);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* The first byte picks the loader; the rest is the file. */
	if (!size)
		return 0;
	if (data[0] & 1)
		check_history(data + 1, size - 1);
	else
		check_rain_delay(data + 1, size - 1);
	return 0;
}
