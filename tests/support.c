/* Helpers the daemon-driving test programs share: paths, files, sockets, time. */
#include "support.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

const char *build_dir(void)
{
	const char *b = getenv("IRRIGD_BUILD");

	return b && *b ? b : "build";
}

bool under_valgrind(void)
{
	const char *v = getenv("IRRIGD_VALGRIND");

	return v && *v == '1';
}

char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long size;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = size < 0 ? NULL : calloc(1, (size_t)size + 1);
	if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int try_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int count(const char *text, const char *needle)
{
	int n = 0;

	if (!*needle)
		return 0;
	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

void test_daemon_prepare(struct test_daemon *d, const char *tag)
{
	if (!d->dir[0]) {
		snprintf(d->dir, sizeof(d->dir), "/tmp/irrigd-%s-XXXXXX", tag);
		assert_non_null(mkdtemp(d->dir));
	}
	snprintf(d->config, sizeof(d->config), "%s/irrigd.conf", d->dir);
	snprintf(d->socket, sizeof(d->socket), "%s/irrigd.sock", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/irrigd.log", d->dir);
	snprintf(d->state, sizeof(d->state), "%s/state", d->dir);
}

void test_daemon_write_config(const struct test_daemon *d, const char *text)
{
	FILE *f = fopen(d->config, "we");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

const char *test_daemon_try_spawn(struct test_daemon *d,
				  void (*in_child)(void *arg), void *arg)
{
	static char why[128];
	char irrigd[256];
	int limit_ms = under_valgrind() ? 60000 : 10000, status;
	int64_t end = now_ms() + limit_ms;

	snprintf(irrigd, sizeof(irrigd), "%s/irrigd", build_dir());
	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0) {
		int log = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(log, STDERR_FILENO);
		dup2(log, STDOUT_FILENO);
		const char *ro = d->ro_socket[0] ? "--read-only-socket" : NULL;

		if (in_child)
			in_child(arg);
		if (under_valgrind() && !d->plain)
			execlp("valgrind", "valgrind", "-q", "--vgdb=no",
			       "--leak-check=full", "--show-leak-kinds=definite,indirect",
			       "--errors-for-leak-kinds=definite,indirect",
			       "--error-exitcode=99", irrigd, "--sim", "-c", d->config,
			       "-s", d->socket, "--state-dir", d->state, ro,
			       d->ro_socket, (char *)NULL);
		else
			execl(irrigd, irrigd, "--sim", "-c", d->config, "-s",
			      d->socket, "--state-dir", d->state, ro, d->ro_socket,
			      (char *)NULL);
		_exit(127);
	}
	for (;;) {
		int fd = try_connect(d->socket);

		if (fd >= 0) {
			close(fd);
			return NULL;
		}
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			snprintf(why, sizeof(why), "irrigd exited with %d before its "
				 "socket answered", WIFEXITED(status) ?
				 WEXITSTATUS(status) : 128 + WTERMSIG(status));
			d->pid = 0;
			return why;
		}
		if (now_ms() >= end) {
			snprintf(why, sizeof(why), "irrigd's socket did not answer "
				 "within %d ms", limit_ms);
			return why;
		}
		sleep_ms(5);
	}
}

void test_daemon_spawn(struct test_daemon *d, void (*in_child)(void *arg),
		       void *arg)
{
	const char *why = test_daemon_try_spawn(d, in_child, arg);

	if (why) {
		char *log = read_file(d->log);

		fprintf(stderr, "%s: its log:\n%s\n", why, log ? log : "(none)");
		free(log);
		fail_msg("%s", why);
	}
}

void test_daemon_start(struct test_daemon *d, const char *config_text)
{
	test_daemon_prepare(d, "test");
	test_daemon_write_config(d, config_text);
	test_daemon_spawn(d, NULL, NULL);
}

int test_daemon_stop(struct test_daemon *d)
{
	int status = 0;

	kill(d->pid, SIGTERM);
	assert_int_equal(waitpid(d->pid, &status, 0), d->pid);
	d->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int test_daemon_stop_showing_log(struct test_daemon *d)
{
	int status = test_daemon_stop(d);

	if (status != 0) {
		char *log = read_file(d->log);

		fprintf(stderr, "irrigd exited with %d (99: valgrind found a leak "
			"or an error); its log:\n%s\n", status, log ? log : "(none)");
		free(log);
	}
	return status;
}

void test_daemon_remove(struct test_daemon *d)
{
	char cmd[128];

	if (d->pid > 0)
		test_daemon_stop(d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	assert_int_equal(system(cmd), 0);
	d->dir[0] = '\0';
}

static int run_irrigctl(void (*in_child)(void *arg), void *arg,
			const char *socket, char **out, char **err, va_list ap)
{
	char irrigctl[256], out_path[] = "/tmp/irrigctl-out-XXXXXX",
	     err_path[] = "/tmp/irrigctl-err-XXXXXX";
	const char *argv[32];
	int argc = 0, status, ofd = mkstemp(out_path), efd = mkstemp(err_path);
	pid_t pid;

	assert_true(ofd >= 0 && efd >= 0);
	snprintf(irrigctl, sizeof(irrigctl), "%s/irrigctl", build_dir());
	argv[argc++] = irrigctl;
	if (socket) {
		argv[argc++] = "-s";
		argv[argc++] = socket;
	}
	while (argc < 31 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	argv[argc] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(ofd, STDOUT_FILENO);
		dup2(efd, STDERR_FILENO);
		if (in_child)
			in_child(arg);
		execv(irrigctl, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(ofd);
	close(efd);
	*out = read_file(out_path);
	*err = read_file(err_path);
	unlink(out_path);
	unlink(err_path);
	assert_non_null(*out);
	assert_non_null(*err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int test_irrigctl(const char *socket, char **out, char **err, ...)
{
	va_list ap;
	int status;

	va_start(ap, err);
	status = run_irrigctl(NULL, NULL, socket, out, err, ap);
	va_end(ap);
	return status;
}

int test_irrigctl_in(void (*in_child)(void *arg), void *arg, const char *socket,
		     char **out, char **err, ...)
{
	va_list ap;
	int status;

	va_start(ap, err);
	status = run_irrigctl(in_child, arg, socket, out, err, ap);
	va_end(ap);
	return status;
}

bool test_daemon_logged(const struct test_daemon *d, const char *needle)
{
	char *log = read_file(d->log);
	bool found = log && strstr(log, needle);

	free(log);
	return found;
}

int test_irrigd(char **output, void (*in_child)(void *arg), void *arg, ...)
{
	char bin[256], path[] = "/tmp/irrigd-output-XXXXXX";
	const char *argv[16];
	int argc = 0, status, fd = mkstemp(path);
	va_list ap;
	pid_t pid;

	assert_true(fd >= 0);
	snprintf(bin, sizeof(bin), "%s/irrigd", build_dir());
	argv[argc++] = bin;
	va_start(ap, arg);
	while (argc < 15 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (in_child)
			in_child(arg);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(fd);
	*output = read_file(path);
	unlink(path);
	assert_non_null(*output);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int test_run_group(const char *name, const struct CMUnitTest *tests,
		   size_t count, int (*setup)(void **), int (*teardown)(void **))
{
	const char *shard = getenv("IRRIGD_TEST_SHARD");
	struct CMUnitTest *mine;
	unsigned k, n;
	size_t m = 0;
	const char *only = getenv("IRRIGD_TEST_ONLY");
	int failed;

	/* IRRIGD_TEST_ONLY=test_x*: the tests of that name (cmocka's * and ?). */
	if (only && *only)
		cmocka_set_test_filter(only);
	if (!shard || sscanf(shard, "%u/%u", &k, &n) != 2 || n == 0 || k >= n)
		return _cmocka_run_group_tests(name, tests, count, setup, teardown);
	mine = calloc(count ? count : 1, sizeof(*mine));
	assert_non_null(mine);
	for (size_t i = k; i < count; i += n)
		mine[m++] = tests[i];
	failed = m ? _cmocka_run_group_tests(name, mine, m, setup, teardown) : 0;
	free(mine);
	return failed;
}
