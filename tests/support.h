/* Helpers the daemon-driving test programs share: paths, files, sockets, time. */
#ifndef IRRIGD_TESTS_SUPPORT_H
#define IRRIGD_TESTS_SUPPORT_H

#include <stdbool.h>
#include <sys/types.h>

/* Where the programs under test are: $IRRIGD_BUILD, set by tests/run-tests. */
const char *build_dir(void);
/* IRRIGD_VALGRIND=1: the daemon runs under valgrind, so wait longer. */
bool under_valgrind(void);
/* The whole file, NUL-terminated, on the heap; NULL when it cannot be read. */
char *read_file(const char *path);
/* A connected stream socket to the UNIX socket at path, or -1. */
int try_connect(const char *path);
void sleep_ms(int ms);
/* How many times needle occurs in text, not overlapping. */
int count(const char *text, const char *needle);

/* An irrigd --sim started by a test, in a directory of its own. */
struct test_daemon {
	pid_t pid;
	char dir[64];
	char config[128];
	char socket[128];
	char log[128];		/* its stderr */
	char state[128];
};

/*
 * Writes config_text and starts irrigd --sim on it (under valgrind with
 * IRRIGD_VALGRIND=1), returning once its socket answers.  A daemon
 * started again in the same struct keeps its directory and state.
 */
void test_daemon_start(struct test_daemon *d, const char *config_text);
/* SIGTERM, then its exit status (99: valgrind found a leak). */
int test_daemon_stop(struct test_daemon *d);
/* Stops it when running, then removes its directory. */
void test_daemon_remove(struct test_daemon *d);
/*
 * Runs irrigctl -s socket (no -s when socket is NULL) with the
 * NULL-terminated arguments; stdout and
 * stderr land in *out and *err (free them).  Returns its exit status.
 */
int test_irrigctl(const char *socket, char **out, char **err, ...);
/* Does the daemon's log hold needle? */
bool test_daemon_logged(const struct test_daemon *d, const char *needle);

#endif
