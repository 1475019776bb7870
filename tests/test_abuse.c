/* End to end: irrigd --sim keeps serving its control socket while clients abuse it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

/* What the daemon promises (src/daemon/server.c, include/core/proto.h). */
#define LINE_MAX_BYTES 4096		/* a request line, newline included */
#define MANY_CLIENTS 1000
/* Debian's default soft limit on open files, which systemd gives irrigd. */
#define DEBIAN_NOFILE 1024

static struct test_daemon shared, own;
static int steady;		/* the shared daemon's sockets, no clients */
static char version_reply[128], help_reply[4096];

/* Generous bounds: machines running the suite are shared and noisy. */
static int prompt_ms(void)
{
	return under_valgrind() ? 30000 : 5000;
}

static int slow_ms(void)
{
	return under_valgrind() ? 180000 : 20000;
}

/* Replaces the first old in text (which must hold it) with new. */
static char *replace(char *text, const char *old, const char *new)
{
	char *at = strstr(text, old), *out;

	assert_non_null(at);
	out = malloc(strlen(text) - strlen(old) + strlen(new) + 1);
	assert_non_null(out);
	sprintf(out, "%.*s%s%s", (int)(at - text), text, new, at + strlen(old));
	free(text);
	return out;
}

/*
 * The shipped reference garden, with reports every second; without
 * stop_at when no_stop_at (wet soil then does not end a run).
 */
static void write_config(const struct test_daemon *d, bool no_stop_at)
{
	char *text = read_file("etc/irrigd.conf");

	assert_non_null(text);
	text = replace(text, "report_interval = \"60s\";",
		       "report_interval = \"1s\";");
	if (no_stop_at)
		text = replace(text, "stop_at = 75.0;", "");
	test_daemon_write_config(d, text);
	free(text);
}

/*
 * In the daemon's child: the open files it gets under systemd on Debian,
 * whatever ours is; or *(rlim_t *)arg of them when that is not 0.
 */
static void limit_nofile(void *arg)
{
	rlim_t nofile = *(const rlim_t *)arg;
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (nofile)
		rl.rlim_cur = rl.rlim_max = nofile;
	else if (rl.rlim_max >= DEBIAN_NOFILE)
		rl.rlim_cur = DEBIAN_NOFILE;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* nofile: the daemon's limit on open files; 0: soft 1024. */
static void start_daemon(struct test_daemon *d, rlim_t nofile, bool no_stop_at)
{
	test_daemon_prepare(d, "abuse");
	write_config(d, no_stop_at);
	test_daemon_spawn(d, limit_nofile, &nofile);
}

static void stop_daemon_expect_0(struct test_daemon *d)
{
	int status = test_daemon_stop_showing_log(d);

	if (status != 0)
		fail_msg("irrigd exited with %d on SIGTERM", status);
	test_daemon_remove(d);
}

/* The daemon is alive: not exited, not killed by a sanitizer. */
static void assert_alive(const struct test_daemon *d)
{
	int status;

	if (waitpid(d->pid, &status, WNOHANG) != 0) {
		char *text = read_file(d->log);

		fprintf(stderr, "irrigd died; its log:\n%s\n", text ? text : "(none)");
		free(text);
		fail_msg("irrigd died");
	}
}

/* How many sockets the daemon has open: its listening one and clients'. */
static int daemon_sockets(const struct test_daemon *d)
{
	char path[64], fd_path[330], target[64];
	struct dirent *e;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)d->pid);
	dir = opendir(path);
	assert_non_null(dir);
	while ((e = readdir(dir))) {
		ssize_t len;

		snprintf(fd_path, sizeof(fd_path), "%s/%s", path, e->d_name);
		len = readlink(fd_path, target, sizeof(target) - 1);
		if (len > 0 && strncmp(target, "socket:", 7) == 0)
			n++;
	}
	closedir(dir);
	return n;
}

/* Every client that left has been let go: the daemon holds no socket of theirs. */
static void assert_clients_freed(const struct test_daemon *d, int want)
{
	int64_t end = now_ms() + prompt_ms();
	int n;

	while ((n = daemon_sockets(d)) > want && now_ms() < end)
		sleep_ms(20);
	if (n > want)
		fail_msg("irrigd still has %d sockets open, %d without clients", n,
			 want);
}

/* Clients a test opened and has not closed: closed after it, pass or fail. */
static int open_clients[2 * MANY_CLIENTS];
static int n_open_clients;

static int connect_client(const struct test_daemon *d)
{
	int fd = try_connect(d->socket);

	if (fd < 0)
		fail_msg("cannot connect to %s: %s", d->socket, strerror(errno));
	assert_true(n_open_clients < 2 * MANY_CLIENTS);
	open_clients[n_open_clients++] = fd;
	return fd;
}

static void close_client(int fd)
{
	for (int i = 0; i < n_open_clients; i++)
		if (open_clients[i] == fd) {
			open_clients[i] = open_clients[--n_open_clients];
			break;
		}
	close(fd);
}

static int close_leftover_clients(void **state)
{
	(void)state;
	while (n_open_clients)
		close(open_clients[--n_open_clients]);
	return 0;
}

static void send_all(int fd, const void *data, size_t len)
{
	assert_int_equal(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Ends of replies in buf: "OK", "ERR ..." and JSON {"ok":...} lines. */
static size_t count_replies(const char *buf, size_t len)
{
	size_t n = 0;

	for (size_t at = 0; at < len;) {
		const char *nl = memchr(buf + at, '\n', len - at);

		if (!nl)
			break;
		if (strncmp(buf + at, "OK\n", 3) == 0 ||
		    strncmp(buf + at, "ERR ", 4) == 0 ||
		    strncmp(buf + at, "{\"ok\":", 6) == 0)
			n++;
		at = (size_t)(nl - buf) + 1;
	}
	return n;
}

/*
 * Sends req (possibly megabytes) while reading, as a well-behaved client
 * does, until want replies came back; fails after limit_ms.  Returns what
 * came back, NUL-terminated; its length in *got_len when that is not NULL.
 */
static char *exchange(int fd, const void *req, size_t req_len, size_t want,
		      int limit_ms, size_t *got_len)
{
	size_t sent = 0, len = 0, cap = 65536, replies = 0, scanned = 0;
	char *buf = malloc(cap);
	int64_t end = now_ms() + limit_ms;
	int flags = fcntl(fd, F_GETFL);

	assert_non_null(buf);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	while (replies < want) {
		struct pollfd p = { fd, POLLIN | (sent < req_len ? POLLOUT : 0), 0 };
		int left = (int)(end - now_ms());

		buf[len] = '\0';
		if (left <= 0 || poll(&p, 1, left) == 0)
			fail_msg("%zu of %zu replies within %d ms; last bytes '%s'",
				 replies, want, limit_ms,
				 len > 200 ? buf + len - 200 : buf);
		if (p.revents & POLLOUT) {
			ssize_t n = send(fd, (const char *)req + sent, req_len - sent,
					 MSG_NOSIGNAL);

			if (n < 0 && errno != EAGAIN)
				fail_msg("send: %s", strerror(errno));
			if (n > 0)
				sent += (size_t)n;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n;

			if (cap - len < 65536) {
				cap *= 2;
				buf = realloc(buf, cap);
				assert_non_null(buf);
			}
			n = recv(fd, buf + len, cap - len - 1, 0);
			if (n <= 0)
				fail_msg("connection closed after %zu of %zu replies: %s",
					 replies, want, n ? strerror(errno) : "EOF");
			len += (size_t)n;
			/* Count whole lines only, each once. */
			while (scanned < len) {
				char *nl = memchr(buf + scanned, '\n', len - scanned);

				if (!nl)
					break;
				replies += count_replies(buf + scanned,
							 (size_t)(nl - buf) + 1 - scanned);
				scanned = (size_t)(nl - buf) + 1;
			}
		}
	}
	fcntl(fd, F_SETFL, flags);
	assert_int_equal(sent, req_len);
	buf[len] = '\0';
	if (got_len)
		*got_len = len;
	return buf;
}

/* One request, one reply, within the prompt bound. */
static char *ask(int fd, const char *req)
{
	return exchange(fd, req, strlen(req), 1, prompt_ms(), NULL);
}

/* A new client's status request is answered promptly and in full. */
static void assert_status_prompt(const struct test_daemon *d)
{
	int fd = connect_client(d);
	int64_t start = now_ms();
	char *reply = ask(fd, "status\n");

	assert_true(now_ms() - start < prompt_ms());
	assert_true(strncmp(reply, "- ", 2) == 0);
	assert_true(strlen(reply) > 3 &&
		    strcmp(reply + strlen(reply) - 3, "OK\n") == 0);
	free(reply);
	close_client(fd);
	assert_alive(d);
}

/* irrigctl ARGS against d; fails unless it ends within the prompt bound. */
static int ctl(const struct test_daemon *d, char **out, ...)
{
	char irrigctl[256], out_path[] = "/tmp/irrigctl-abuse-XXXXXX";
	const char *argv[16];
	int argc = 0, status, ofd = mkstemp(out_path);
	int64_t end = now_ms() + prompt_ms();
	va_list ap;
	pid_t pid, r;

	assert_true(ofd >= 0);
	snprintf(irrigctl, sizeof(irrigctl), "%s/irrigctl", build_dir());
	argv[argc++] = irrigctl;
	argv[argc++] = "-s";
	argv[argc++] = d->socket;
	va_start(ap, out);
	while (argc < 15 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(ofd, STDOUT_FILENO);
		dup2(ofd, STDERR_FILENO);
		execv(irrigctl, (char *const *)argv);
		_exit(127);
	}
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < end)
		sleep_ms(10);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("irrigctl %s took more than %d ms", argv[3], prompt_ms());
	}
	close(ofd);
	*out = read_file(out_path);
	unlink(out_path);
	assert_non_null(*out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void assert_irrigctl_status(const struct test_daemon *d, const char *needle)
{
	char *out;

	assert_int_equal(ctl(d, &out, "status", NULL), 0);
	if (!strstr(out, needle))
		fail_msg("irrigctl status said '%s', wanted '%s'", out, needle);
	free(out);
}

/* Room for a thousand clients and then some, in this process. */
static void raise_nofile(rlim_t want)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

static bool nofile_at_least(rlim_t want)
{
	struct rlimit rl;

	return getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= want;
}

static int setup_shared(void **state)
{
	int fd;
	char *reply;

	(void)state;
	start_daemon(&shared, 0, false);
	/* What well-behaved clients get back, to compare abused ones with. */
	fd = connect_client(&shared);
	reply = ask(fd, "version\n");
	snprintf(version_reply, sizeof(version_reply), "%s", reply);
	free(reply);
	reply = ask(fd, "help\n");
	snprintf(help_reply, sizeof(help_reply), "%s", reply);
	free(reply);
	close_client(fd);
	if (strncmp(version_reply, "- irrigd ", 9) != 0 ||
	    strncmp(help_reply + strlen(help_reply) - 3, "OK\n", 3) != 0 ||
	    strlen(help_reply) < 1000)
		return -1;
	fd = connect_client(&shared);
	free(ask(fd, "status\n"));
	close_client(fd);
	sleep_ms(under_valgrind() ? 500 : 100);
	steady = daemon_sockets(&shared);
	return 0;
}

static int teardown_shared(void **state)
{
	(void)state;
	stop_daemon_expect_0(&shared);
	return 0;
}

/*
 * 1. A thousand clients at once, each asking for the version: all are
 * answered, and meanwhile another client's status is answered promptly.
 * The daemon has the 1024 open files systemd gives it on Debian: a
 * thousand clients fit beside its own dozen.
 */
static void test_a_thousand_clients_at_once(void **state)
{
	static int fds[MANY_CLIENTS];
	static struct pollfd polls[MANY_CLIENTS];
	static char replies[MANY_CLIENTS][128];
	static size_t lens[MANY_CLIENTS];
	int answered = 0, well_behaved;
	int64_t end;
	char *text;

	(void)state;
	raise_nofile(4096);
	if (!nofile_at_least(MANY_CLIENTS + 64)) {
		fprintf(stderr, "cannot open %d files here: skipped\n", MANY_CLIENTS + 64);
		skip();
	}
	well_behaved = connect_client(&shared);
	for (int i = 0; i < MANY_CLIENTS; i++) {
		fds[i] = connect_client(&shared);
		send_all(fds[i], "version\n", 8);
		lens[i] = 0;
	}
	/* While a thousand wait for their answers, status comes promptly. */
	assert_status_prompt(&shared);
	text = ask(well_behaved, "version\n");
	assert_string_equal(text, version_reply);
	free(text);

	end = now_ms() + slow_ms();
	while (answered < MANY_CLIENTS) {
		int n = 0, left = (int)(end - now_ms());

		for (int i = 0; i < MANY_CLIENTS; i++)
			if (!strstr(replies[i], "OK\n")) {
				polls[n].fd = fds[i];
				polls[n].events = POLLIN;
				polls[n].revents = 0;
				n++;
			}
		if (left <= 0 || poll(polls, (nfds_t)n, left) <= 0)
			fail_msg("only %d of %d clients answered within %d ms",
				 answered, MANY_CLIENTS, slow_ms());
		for (int i = 0, k = 0; i < MANY_CLIENTS && k < n; i++) {
			ssize_t got;

			if (polls[k].fd != fds[i])
				continue;
			if (polls[k++].revents) {
				got = recv(fds[i], replies[i] + lens[i],
					   sizeof(replies[i]) - 1 - lens[i], MSG_DONTWAIT);
				if (got <= 0)
					fail_msg("client %d: connection closed unanswered", i);
				lens[i] += (size_t)got;
				replies[i][lens[i]] = '\0';
				if (strstr(replies[i], "OK\n"))
					answered++;
			}
		}
	}
	for (int i = 0; i < MANY_CLIENTS; i++)
		assert_string_equal(replies[i], version_reply);
	/* Still all connected: irrigctl works, and so does a watering run. */
	assert_irrigctl_status(&shared, "Idle");
	assert_int_equal(ctl(&shared, &text, "water", "1s", NULL), 0);
	assert_non_null(strstr(text, "Water used: "));
	free(text);
	assert_int_equal(ctl(&shared, &text, "history", "1", NULL), 0);
	assert_non_null(strstr(text, " completed\n"));
	free(text);
	for (int i = 0; i < MANY_CLIENTS; i++)
		close_client(fds[i]);
	close_client(well_behaved);
	assert_clients_freed(&shared, steady);
	text = read_file(shared.log);
	assert_null(strstr(text, "accept on"));
	free(text);
	assert_status_prompt(&shared);
}

/*
 * 2. Half a line and then silence, or silence from the start, holds
 * nobody up; the half line is finished later and answered.
 */
static void test_stalled_clients_hold_nobody_up(void **state)
{
	int half = connect_client(&shared), silent = connect_client(&shared);
	int long_half = connect_client(&shared), well = connect_client(&shared);
	char *partial = malloc(4000), *text;

	(void)state;
	send_all(half, "stat", 4);
	memset(partial, 'z', 4000);
	send_all(long_half, partial, 4000);
	for (int i = 0; i < 3; i++) {
		assert_status_prompt(&shared);
		text = ask(well, "version\n");
		assert_string_equal(text, version_reply);
		free(text);
		assert_irrigctl_status(&shared, "Idle");
	}
	/* The stalled ones are still there, and their lines go on. */
	text = ask(half, "us\n");
	assert_true(strncmp(text, "- Idle", 6) == 0);
	free(text);
	text = ask(silent, "version\n");
	assert_string_equal(text, version_reply);
	free(text);
	text = ask(long_half, "\n");
	assert_true(strncmp(text, "ERR unknown-command ", 20) == 0);
	free(text);
	text = ask(long_half, "version\n");
	assert_string_equal(text, version_reply);
	free(text);
	close_client(half);
	close_client(silent);
	close_client(long_half);
	close_client(well);
	free(partial);
	assert_clients_freed(&shared, steady);
}

static size_t pending_input(int fd)
{
	int n = 0;

	assert_int_equal(ioctl(fd, FIONREAD, &n), 0);
	return (size_t)n;
}

/*
 * 3. A client that asks for a great deal and never reads stalls itself,
 * not the daemon: the daemon stops taking its requests while its replies
 * wait (memory stays bounded), serves everybody else, and loses nothing
 * of what the client asked for when it does read at last.
 */
static void test_a_client_that_does_not_read(void **state)
{
	enum { HELPS = 400 };
	static const char started[] = "- Watering garden for 2 seconds\n- Valve open\n";
	int hog = connect_client(&shared), flooder = connect_client(&shared);
	int waterer = connect_client(&shared);
	size_t req_len = HELPS * 5 + 9, got_len, sent = 0, help_len = strlen(help_reply);
	char *req = malloc(req_len + 1), *text, chunk[4000];
	int sndbuf = 4096;
	bool refused = false;

	(void)state;
	/* 400 help replies (some 500 KB), then a run, sent at once. */
	for (int i = 0; i < HELPS; i++)
		memcpy(req + i * 5, "help\n", 5);
	memcpy(req + HELPS * 5, "water 2s\n", 9);
	send_all(hog, req, req_len);

	/* This one keeps sending and never reads: its sending must stall. */
	setsockopt(flooder, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	for (size_t i = 0; i < sizeof(chunk); i += 5)
		memcpy(chunk + i, "help\n", 5);
	while (sent < 64 * 1024 * 1024) {
		ssize_t n = send(flooder, chunk, sizeof(chunk),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { flooder, POLLOUT, 0 };

			/* Blocked for good, or only until the daemon reads more? */
			if (poll(&p, 1, under_valgrind() ? 3000 : 500) == 0) {
				refused = true;
				break;
			}
			continue;
		}
		if (n < 0)
			fail_msg("the daemon dropped a client that only sent: %s",
				 strerror(errno));
		sent += (size_t)n;
	}
	if (!refused)
		fail_msg("the daemon took %zu bytes of requests from a client that "
			 "reads none of the replies", sent);

	/* Meanwhile: others are served, and a run streams to a third client. */
	assert_status_prompt(&shared);
	assert_irrigctl_status(&shared, "");
	text = exchange(waterer, "water 1s\n", 9, 1, slow_ms(), NULL);
	assert_non_null(strstr(text, "Valve open\n"));
	assert_non_null(strstr(text, "Water used: "));
	free(text);
	assert_status_prompt(&shared);
	/* Neither was dropped: no hang-up, nothing logged. */
	for (int fd = hog, i = 0; i < 2; fd = flooder, i++) {
		struct pollfd p = { fd, POLLIN, 0 };

		assert_int_equal(poll(&p, 1, 0), 1);
		assert_false(p.revents & (POLLHUP | POLLERR));
	}
	text = read_file(shared.log);
	assert_null(strstr(text, "dropping client"));
	free(text);
	/* The replies that are waiting are far fewer than asked for. */
	assert_true(pending_input(hog) < HELPS * help_len);

	/* Reading at last, it gets everything, in order, then the run. */
	text = exchange(hog, "", 0, HELPS + 1, slow_ms(), &got_len);
	for (int i = 0; i < HELPS; i++)
		if (strncmp(text + i * help_len, help_reply, help_len) != 0)
			fail_msg("help reply %d of %d is not whole", i + 1, HELPS);
	if (strncmp(text + HELPS * help_len, started, strlen(started)) != 0)
		fail_msg("after the help replies: '%.200s'", text + HELPS * help_len);
	assert_non_null(strstr(text + HELPS * help_len, "Water used: "));
	assert_int_equal(count(text, "OK\n"), HELPS + 1);
	free(text);
	text = ask(hog, "version\n");
	assert_string_equal(text, version_reply);
	free(text);
	close_client(hog);
	close_client(flooder);
	close_client(waterer);
	free(req);
	assert_clients_freed(&shared, steady);
	assert_status_prompt(&shared);
}

/* A line of len bytes of c, newline not included. */
static char *line_of(char c, size_t len)
{
	char *s = malloc(len + 1);

	assert_non_null(s);
	memset(s, c, len);
	s[len] = '\0';
	return s;
}

static void test_over_long_lines(void **state)
{
	int fd = connect_client(&shared);
	char *line, *text, *big;
	size_t big_len = 1024 * 1024;

	(void)state;
	/* 4095 bytes and a newline is a request; one more byte is too long. */
	line = line_of('a', LINE_MAX_BYTES);
	line[LINE_MAX_BYTES - 1] = '\n';
	text = exchange(fd, line, LINE_MAX_BYTES, 1, prompt_ms(), NULL);
	assert_true(strncmp(text, "ERR unknown-command ", 20) == 0);
	free(text);
	free(line);
	line = line_of('a', LINE_MAX_BYTES + 1);
	line[LINE_MAX_BYTES] = '\n';
	text = exchange(fd, line, LINE_MAX_BYTES + 1, 1, prompt_ms(), NULL);
	assert_string_equal(text, "ERR too-long request longer than 4095 bytes\n");
	free(text);
	free(line);
	/* A megabyte line and a request behind it in the same write: one error,
	 * then the answer. */
	big = line_of('b', big_len + 8);
	memcpy(big + big_len - 1, "\nversion\n", 9);
	text = exchange(fd, big, big_len + 8, 2, slow_ms(), NULL);
	assert_int_equal(count(text, "ERR "), 1);
	assert_true(strncmp(text, "ERR too-long ", 13) == 0);
	assert_non_null(strstr(text, version_reply));
	free(text);
	/* JSON clients get their error as JSON. */
	memcpy(big, "--json ", 7);
	big[100000] = '\n';
	text = exchange(fd, big, 100001, 1, slow_ms(), NULL);
	assert_true(strncmp(text, "{\"ok\":false,", 12) == 0);
	assert_non_null(strstr(text, "too-long"));
	free(text);
	text = ask(fd, "version\n");
	assert_string_equal(text, version_reply);
	free(text);
	free(big);
	close_client(fd);
	assert_status_prompt(&shared);
}

static uint32_t rng = 2463534242u;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void test_binary_garbage(void **state)
{
	enum { LINES = 2000 };
	int fd = connect_client(&shared);
	char *garbage = malloc(LINES * 301), *text;
	size_t len = 0, got_len;

	(void)state;
	/* Random bytes, NUL and 0xff among them, in lines of 1 to 300. */
	for (int i = 0; i < LINES; i++) {
		size_t n = 1 + next_random() % 300;

		for (size_t k = 0; k < n; k++) {
			char b = (char)(next_random() & 0xff);

			garbage[len++] = b == '\n' ? '\0' : b;
		}
		/* Never a valid request by chance. */
		garbage[len - n] = i % 2 ? '\xff' : '\0';
		garbage[len++] = '\n';
	}
	text = exchange(fd, garbage, len, LINES, slow_ms(), &got_len);
	assert_int_equal(count(text, "\n"), LINES);
	assert_int_equal(count(text, "ERR bad-request "), LINES);
	assert_true(count(text, "ERR bad-request request has a NUL byte\n") >=
		    LINES / 2);
	free(text);
	text = ask(fd, "version\n");
	assert_string_equal(text, version_reply);
	free(text);
	/* Garbage with no end of line, and gone. */
	send_all(fd, garbage, 3000);
	close_client(fd);
	free(garbage);
	assert_status_prompt(&shared);
}

static void test_a_flood_of_empty_lines(void **state)
{
	size_t lines = under_valgrind() ? 20000 : 100000;
	int fd = connect_client(&shared);
	char *flood = line_of('\n', lines), *text;
	size_t got_len;
	static const char empty[] = "ERR bad-request empty request\n";

	(void)state;
	text = exchange(fd, flood, lines, lines, slow_ms(), &got_len);
	assert_int_equal(got_len, lines * (sizeof(empty) - 1));
	assert_int_equal(count(text, empty), (int)lines);
	free(text);
	text = ask(fd, "version\n");
	assert_string_equal(text, version_reply);
	free(text);
	free(flood);
	close_client(fd);
	assert_status_prompt(&shared);
}

/* Many requests in one write: every one answered, in order. */
static void test_pipelined_requests(void **state)
{
	static const char *const kinds[] = {
		"version\n", "--json version\n", "help\n", "flood\n", "status now\n",
	};
	enum { ROUNDS = 300, KINDS = 5 };
	int fd = connect_client(&shared);
	char *req = malloc(ROUNDS * 64), *text, *at;
	size_t len = 0;

	(void)state;
	for (int i = 0; i < ROUNDS; i++)
		for (int k = 0; k < KINDS; k++) {
			memcpy(req + len, kinds[k], strlen(kinds[k]));
			len += strlen(kinds[k]);
		}
	text = exchange(fd, req, len, ROUNDS * KINDS, slow_ms(), NULL);
	at = text;
	for (int i = 0; i < ROUNDS; i++) {
		size_t help_len = strlen(help_reply);

		if (strncmp(at, version_reply, strlen(version_reply)) != 0)
			fail_msg("round %d: version reply out of place: '%.60s'", i, at);
		at += strlen(version_reply);
		if (strncmp(at, "{\"ok\":true,\"version\":", 21) != 0)
			fail_msg("round %d: JSON reply out of place: '%.60s'", i, at);
		at = strchr(at, '\n') + 1;
		if (strncmp(at, help_reply, help_len) != 0)
			fail_msg("round %d: help reply out of place: '%.60s'", i, at);
		at += help_len;
		if (strncmp(at, "ERR unknown-command ", 20) != 0)
			fail_msg("round %d: flood reply out of place: '%.60s'", i, at);
		at = strchr(at, '\n') + 1;
		if (strncmp(at, "ERR usage usage: status\n", 24) != 0)
			fail_msg("round %d: usage reply out of place: '%.60s'", i, at);
		at += 24;
	}
	assert_string_equal(at, "");
	free(text);
	close_client(fd);
	free(req);
	assert_status_prompt(&shared);
}

/*
 * A script that sends its requests and closes its side at once, as
 * `printf ... | socat - UNIX-CONNECT:...` does, gets every reply.
 */
static void test_requests_then_end_of_file(void **state)
{
	enum { HELPS = 200 };
	int fd = connect_client(&shared);
	char req[HELPS * 5], *buf;
	size_t len = 0, cap = HELPS * 4096, help_len = strlen(help_reply);
	int64_t end = now_ms() + slow_ms();

	(void)state;
	for (int i = 0; i < HELPS; i++)
		memcpy(req + i * 5, "help\n", 5);
	send_all(fd, req, sizeof(req));
	shutdown(fd, SHUT_WR);
	sleep_ms(300);		/* reading late, as a busy script may */
	buf = malloc(cap);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		assert_int_equal(poll(&p, 1, (int)(end - now_ms())), 1);
		n = recv(fd, buf + len, cap - len, 0);
		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	assert_int_equal(len, HELPS * help_len);
	for (int i = 0; i < HELPS; i++)
		assert_true(memcmp(buf + i * help_len, help_reply, help_len) == 0);
	free(buf);
	close_client(fd);
	assert_clients_freed(&shared, steady);
}

static void test_still_serving_and_nothing_held(void **state)
{
	(void)state;
	assert_status_prompt(&shared);
	assert_irrigctl_status(&shared, "Idle");
	assert_clients_freed(&shared, steady);
}

/*
 * More clients than the daemon may open files for: the rest wait, the
 * daemon neither spins nor floods its log, and serves them once some go.
 */
static void test_more_clients_than_files(void **state)
{
	enum { CLIENTS = 100, LEAVING = 60 };
	struct test_daemon *d = &own;
	int fds[CLIENTS];
	char *text;

	(void)state;
	raise_nofile(4096);
	start_daemon(d, 48, false);
	for (int i = 0; i < CLIENTS; i++) {
		fds[i] = connect_client(d);
		send_all(fds[i], "version\n", 8);
	}
	sleep_ms(under_valgrind() ? 3000 : 1000);
	assert_alive(d);
	/* Once per spell of refusals, not once per turn of a spinning loop. */
	text = read_file(d->log);
	assert_true(count(text, "Too many open files") >= 1);
	assert_true(count(text, "Too many open files") <= 2);
	free(text);
	for (int i = 0; i < LEAVING; i++)
		close_client(fds[i]);
	for (int i = LEAVING; i < CLIENTS; i++) {
		text = exchange(fds[i], "", 0, 1, slow_ms(), NULL);
		assert_true(strncmp(text, "- irrigd ", 9) == 0);
		free(text);
		close_client(fds[i]);
	}
	assert_status_prompt(d);
	text = read_file(d->log);
	assert_non_null(strstr(text, "accepting new clients on "));
	free(text);
	stop_daemon_expect_0(d);
}

/*
 * The garden of the slow reader: sixteen probes with the longest names,
 * so that each report is about 1 KiB and 64 KiB pile up in a minute or
 * two, not in the quarter of an hour the reference garden's reports take.
 */
static void write_sixteen_probe_config(const struct test_daemon *d)
{
	char text[8192];
	size_t len;

	len = (size_t)snprintf(text, sizeof(text),
		"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
		"  adcs = ( { address = 0x48; }, { address = 0x49; },\n"
		"    { address = 0x4A; }, { address = 0x4B; } );\n"
		"  flow_meter = { line = \"GPIO17\"; }; };\n"
		"zones = ( { name = \"garden\"; valve = { expander = 0x20; pin = 0; };\n"
		"  flow_lpm = 20.8; } );\n"
		"report_interval = \"1s\";\n"
		"wait_for_clock_sync = false;\n"
		"sensors = { soil = (\n");
	for (int i = 0; i < 16; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
			"  { name = \"probe_%02d_with_the_longest_name\"; adc = 0x%X;"
			" channel = %d; zone = \"garden\"; dry_volts = 2.8;"
			" wet_volts = 1.3; }%s\n", i, 0x48 + i / 4, i % 4,
			i < 15 ? "," : "");
	assert_true(len + 16 < sizeof(text));
	snprintf(text + len, sizeof(text) - len, "); };\n");
	test_daemon_write_config(d, text);
}

/*
 * 3b. A run's reports to a client that never reads are dropped once 64 KiB
 * pile up (past what the kernel's socket buffer holds), and the run with
 * them.
 */
static void test_a_stream_nobody_reads_is_dropped(void **state)
{
	int64_t end = now_ms() + 20 * 60 * 1000;
	struct test_daemon *d = &own;
	int fd, base;
	char *text;

	(void)state;
	test_daemon_prepare(d, "abuse");
	write_sixteen_probe_config(d);
	test_daemon_spawn(d, limit_nofile, &(rlim_t){ 0 });
	base = daemon_sockets(d);
	fd = connect_client(d);
	send_all(fd, "--json water 1h\n", 16);
	for (;;) {
		struct pollfd p = { fd, 0, 0 };

		assert_true(now_ms() < end);
		if (poll(&p, 1, 10000) == 1 && (p.revents & (POLLHUP | POLLERR)))
			break;
		assert_status_prompt(d);
	}
	text = read_file(d->log);
	assert_non_null(strstr(text, "dropping client uid "));
	assert_non_null(strstr(text, ": it reads too slowly"));
	free(text);
	/* Its run ends with it: nobody follows it any more. */
	assert_irrigctl_status(d, "Idle");
	text = read_file(d->log);
	assert_non_null(strstr(text, "stopping run 1: its client uid "));
	free(text);
	close_client(fd);
	assert_clients_freed(d, base);
	stop_daemon_expect_0(d);
}

/* A daemon of a test's own goes with the test, whatever happened. */
static int stop_own(void **state)
{
	close_leftover_clients(state);
	if (own.pid > 0 && waitpid(own.pid, NULL, WNOHANG) == 0) {
		kill(own.pid, SIGKILL);
		waitpid(own.pid, NULL, 0);
	}
	memset(&own, 0, sizeof(own));
	return 0;
}

/* Each test, then its leftover clients closed, whether it passed or not. */
#define T(test) cmocka_unit_test_teardown(test, close_leftover_clients)

int main(void)
{
	const struct CMUnitTest shared_daemon[] = {
		T(test_a_thousand_clients_at_once),
		T(test_stalled_clients_hold_nobody_up),
		T(test_a_client_that_does_not_read),
		T(test_over_long_lines),
		T(test_binary_garbage),
		T(test_a_flood_of_empty_lines),
		T(test_pipelined_requests),
		T(test_requests_then_end_of_file),
		T(test_still_serving_and_nothing_held),
	};
	const struct CMUnitTest own_daemon[] = {
		cmocka_unit_test_teardown(test_more_clients_than_files, stop_own),
		cmocka_unit_test_teardown(test_a_stream_nobody_reads_is_dropped,
					  stop_own),
	};
	int failed;

	signal(SIGPIPE, SIG_IGN);
	failed = cmocka_run_group_tests_name("abuse", shared_daemon, setup_shared,
					     teardown_shared);
	failed += cmocka_run_group_tests_name("abuse-own-daemon", own_daemon, NULL,
					      NULL);
	return failed ? 1 : 0;
}
