/* Helpers the daemon-driving test programs share: paths, files, sockets, time. */
#ifndef IRRIGD_TESTS_SUPPORT_H
#define IRRIGD_TESTS_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
/* CLOCK_MONOTONIC in milliseconds. */
int64_t now_ms(void);
/* How many times needle occurs in text, not overlapping. */
int count(const char *text, const char *needle);

/*
 * cmocka's run of a group, or with IRRIGD_TEST_SHARD=K/N only its tests
 * K, K+N, K+2N... (from 0): tests/run-tests -j runs the longest programs
 * as N shards at once.  A shard with none of the group's tests runs
 * nothing, not even the group's setup.
 */
struct CMUnitTest;
int test_run_group(const char *name, const struct CMUnitTest *tests,
		   size_t count, int (*setup)(void **), int (*teardown)(void **));
#define TEST_RUN_GROUP(name, tests, setup, teardown) \
	test_run_group(name, tests, sizeof(tests) / sizeof((tests)[0]), \
		       setup, teardown)

/* An irrigd --sim started by a test, in a directory of its own. */
struct test_daemon {
	pid_t pid;
	char dir[64];
	char config[128];
	char socket[128];
	char log[128];		/* its stdout and stderr, appended to */
	char state[128];
	bool plain;		/* never under valgrind, even with IRRIGD_VALGRIND=1 */
	char ro_socket[128];	/* when set: --read-only-socket ro_socket */
};

/*
 * Names d's files: its config, socket, log and state directory, in a new
 * /tmp/irrigd-TAG-XXXXXX, or in the directory d already has (a daemon
 * started again there keeps its state).  Creates no file but the directory.
 */
void test_daemon_prepare(struct test_daemon *d, const char *tag);
/* Writes text as d's config. */
void test_daemon_write_config(const struct test_daemon *d, const char *text);
/*
 * Starts irrigd --sim on d's files (under valgrind with IRRIGD_VALGRIND=1,
 * unless d->plain), returning once its socket answers.  in_child, when
 * not NULL, runs in the child just before the exec, with arg.  NULL once
 * the socket answers; else why not (irrigd exited, or kept its socket
 * shut too long), in a buffer the next call reuses.
 */
const char *test_daemon_try_spawn(struct test_daemon *d,
				  void (*in_child)(void *arg), void *arg);
/* The same, failing the test unless the socket answers. */
void test_daemon_spawn(struct test_daemon *d, void (*in_child)(void *arg),
		       void *arg);
/* Prepares d (tag "test"), writes config_text and spawns it. */
void test_daemon_start(struct test_daemon *d, const char *config_text);
/* SIGTERM, then its exit status (99: valgrind found a leak). */
int test_daemon_stop(struct test_daemon *d);
/* The same, and unless that is 0, says so on stderr with the daemon's log. */
int test_daemon_stop_showing_log(struct test_daemon *d);
/* Stops it when running, then removes its directory. */
void test_daemon_remove(struct test_daemon *d);
/*
 * Runs irrigctl -s socket (no -s when socket is NULL) with the
 * NULL-terminated arguments; stdout and
 * stderr land in *out and *err (free them).  Returns its exit status.
 */
int test_irrigctl(const char *socket, char **out, char **err, ...);
/* The same, with in_child(arg) run in the child just before the exec. */
int test_irrigctl_in(void (*in_child)(void *arg), void *arg, const char *socket,
		     char **out, char **err, ...);
/*
 * Runs irrigd (the build's) with the NULL-terminated arguments and waits
 * for it; its stdout and stderr land in *output (free it).  in_child,
 * when not NULL, runs in the child just before the exec, with arg.
 * Returns its exit status, or -1 when a signal ended it.
 */
int test_irrigd(char **output, void (*in_child)(void *arg), void *arg, ...);
/* Does the daemon's log hold needle? */
bool test_daemon_logged(const struct test_daemon *d, const char *needle);

#endif
