/* Tests of fd_write_all: every byte arrives, to a pipe or a socket, and a reader that has gone is an error, not a signal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "hw/fdio.h"

/* More than a pipe or socket buffer holds, so the writes come in parts. */
#define BIG (256 * 1024)

static char out[BIG], in[BIG];

/* Writes out to fd[1] from a child while this reads fd[0]; returns what was read. */
static size_t write_and_read(int fd[2])
{
	size_t got = 0;
	int status;
	pid_t pid;

	for (size_t i = 0; i < BIG; i++)
		out[i] = (char)(i * 7 + i / 251);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd[0]);
		_exit(fd_write_all(fd[1], out, BIG) == 0 ? 0 : 1);
	}
	close(fd[1]);
	for (;;) {
		ssize_t n = read(fd[0], in + got, BIG - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == BIG)
			break;
	}
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return got;
}

static void test_whole_buffer_to_a_pipe(void **state)
{
	int fd[2];

	(void)state;
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(write_and_read(fd), BIG);
	assert_memory_equal(in, out, BIG);
}

static void test_whole_buffer_to_a_socket(void **state)
{
	int fd[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0);
	assert_int_equal(write_and_read(fd), BIG);
	assert_memory_equal(in, out, BIG);
}

/* The process lives on to report it: no SIGPIPE. */
static void test_closed_socket_is_epipe(void **state)
{
	int fd[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0);
	close(fd[0]);
	assert_int_equal(fd_write_all(fd[1], "x", 1), -EPIPE);
	close(fd[1]);
}

static void test_bad_fd(void **state)
{
	(void)state;
	assert_int_equal(fd_write_all(-1, "x", 1), -EBADF);
	assert_int_equal(fd_write_all(-1, "", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_buffer_to_a_pipe),
		cmocka_unit_test(test_whole_buffer_to_a_socket),
		cmocka_unit_test(test_closed_socket_is_epipe),
		cmocka_unit_test(test_bad_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
