/* systemd integration: sd_notify READY/STATUS/RELOADING/STOPPING, socket activation, journal entries and their fields. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

#include "daemon/events.h"
#include "daemon/log.h"

#define START_MS 10000

/* A datagram as a collector's thread got it. */
struct raw {
	char *buf;
	size_t len;
};

/*
 * The datagrams sent to a socket, taken off it by a thread as they come:
 * like systemd, the test always reads, so irrigd never blocks in
 * sd_notify() or a journal write on a full socket (ten datagrams) while
 * the test waits for irrigctl.  The test reads them, and asserts, in its
 * own thread.
 */
struct collector {
	int fd;			/* -1: not running */
	pthread_t thread;
	pthread_mutex_t lock;
	bool stop;		/* under lock */
	struct raw *raw;	/* under lock */
	size_t n_raw;		/* under lock */
	size_t taken;		/* by the test */
};

/* One irrigd under test, with the sockets it reports to. */
struct daemon_proc {
	pid_t pid;
	char dir[64];
	char config[128];
	char socket[128];
	char state[128];
	char log[128];
	char notify_path[128];
	char journal_path[128];
	struct collector notify;	/* NOTIFY_SOCKET: sd_notify datagrams */
	struct collector journal;	/* IRRIGD_JOURNAL_SOCKET, when used */
};

/* ---- helpers, after tests/test_e2e.c ---- */

/*
 * Writes text to out with the uncommented line that starts with key
 * replaced by key + value (or appended when there is none).
 */
static void put_setting(char **text, const char *key, const char *value)
{
	size_t klen = strlen(key);
	char *at = NULL, *out;

	for (char *p = *text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, klen) == 0) {
			at = p;
			break;
		}
	if (at) {
		char *eol = strchr(at, '\n');

		assert_true(asprintf(&out, "%.*s%s%s%s", (int)(at - *text), *text, key,
				     value, eol ? eol : "\n") > 0);
	} else {
		assert_true(asprintf(&out, "%s\n%s%s\n", *text, key, value) > 0);
	}
	free(*text);
	*text = out;
}

/*
 * The shipped reference garden, reports every second, socket_path its
 * socket, and extra settings when not NULL.
 */
static void write_config(const char *path, const char *socket_path,
			 bool wait_for_clock, const char *extra)
{
	char *text = read_file("etc/irrigd.conf"), value[160];
	FILE *f;

	assert_non_null(text);
	put_setting(&text, "report_interval = ", "\"1s\";");
	snprintf(value, sizeof(value), "\"%s\";", socket_path);
	put_setting(&text, "socket = ", value);
	if (!wait_for_clock)
		put_setting(&text, "wait_for_clock_sync = ", "false;");
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	if (extra)
		fprintf(f, "\n%s\n", extra);
	fclose(f);
	free(text);
}

static int bind_datagram(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int size = 1 << 20;

	assert_true(fd >= 0);
	assert_true(strlen(path) < sizeof(addr.sun_path));
	strcpy(addr.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	/* Room for a burst of journal entries while the test is busy. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

static void *collect(void *arg)
{
	struct collector *c = arg;
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	char *buf = malloc(65536);
	bool stop = false;

	while (buf && !stop) {
		ssize_t n = poll(&p, 1, 20) > 0 ?
			recv(c->fd, buf, 65536, MSG_DONTWAIT) : -1;
		struct raw *grown;

		pthread_mutex_lock(&c->lock);
		stop = c->stop;
		if (n > 0 && (grown = realloc(c->raw, (c->n_raw + 1) * sizeof(*grown)))) {
			c->raw = grown;
			c->raw[c->n_raw].buf = malloc((size_t)n + 1);
			if (c->raw[c->n_raw].buf) {
				memcpy(c->raw[c->n_raw].buf, buf, (size_t)n);
				c->raw[c->n_raw].buf[n] = '\0';
				c->raw[c->n_raw++].len = (size_t)n;
			}
		}
		pthread_mutex_unlock(&c->lock);
	}
	free(buf);
	return NULL;
}

static void collector_start(struct collector *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->fd = bind_datagram(path);
	pthread_mutex_init(&c->lock, NULL);
	assert_int_equal(pthread_create(&c->thread, NULL, collect, c), 0);
}

static void collector_stop(struct collector *c)
{
	if (c->fd < 0)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->lock);
	for (size_t i = 0; i < c->n_raw; i++)
		free(c->raw[i].buf);
	free(c->raw);
	close(c->fd);
	c->fd = -1;
}

/*
 * The next datagram not taken yet, waiting up to timeout_ms: a
 * NUL-terminated copy, its length in *len when len is not NULL; NULL when
 * none came.
 */
static char *next_datagram(struct collector *c, int timeout_ms, size_t *len)
{
	for (int waited = 0;; waited += 10) {
		char *copy = NULL;

		pthread_mutex_lock(&c->lock);
		if (c->taken < c->n_raw) {
			const struct raw *r = &c->raw[c->taken++];

			copy = malloc(r->len + 1);
			if (copy) {
				memcpy(copy, r->buf, r->len + 1);
				if (len)
					*len = r->len;
			}
		}
		pthread_mutex_unlock(&c->lock);
		if (copy || waited >= timeout_ms)
			return copy;
		sleep_ms(10);
	}
}

static pid_t last_ctl_pid;	/* the irrigctl of the last ctl(): its SO_PEERCRED pid */

/* Runs irrigctl with args; stdout and stderr land in out and err. */
static int ctl(const char *socket_path, char **out, char **err, ...)
{
	char irrigctl[256], out_path[] = "/tmp/irrigctl-out-XXXXXX",
	     err_path[] = "/tmp/irrigctl-err-XXXXXX";
	const char *argv[32];
	int argc = 0, status, ofd = mkstemp(out_path), efd = mkstemp(err_path);
	va_list ap;
	pid_t pid;

	assert_true(ofd >= 0 && efd >= 0);
	snprintf(irrigctl, sizeof(irrigctl), "%s/irrigctl", build_dir());
	argv[argc++] = irrigctl;
	argv[argc++] = "-s";
	argv[argc++] = socket_path;
	va_start(ap, err);
	while (argc < 31 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(ofd, STDOUT_FILENO);
		dup2(efd, STDERR_FILENO);
		execv(irrigctl, (char *const *)argv);
		_exit(127);
	}
	last_ctl_pid = pid;
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

/* irrigctl that must succeed; returns its pid. */
static pid_t ctl_ok(const struct daemon_proc *d, ...)
{
	const char *a[8] = { NULL };
	char *out, *err;
	va_list ap;
	int n = 0, r;

	va_start(ap, d);
	while (n < 7 && (a[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	r = ctl(d->socket, &out, &err, a[0], a[1], a[2], a[3], a[4], a[5], a[6],
		(char *)NULL);
	if (r != 0)
		fprintf(stderr, "irrigctl %s %s: %d\n%s%s", a[0], a[1] ? a[1] : "",
			r, out, err);
	assert_int_equal(r, 0);
	free(out);
	free(err);
	return last_ctl_pid;
}

static bool clock_synced_here(void)
{
	struct timex tx = { 0 };
	int state = adjtimex(&tx);

	return (state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC)) ||
		access("/run/systemd/timesync/synchronized", F_OK) == 0;
}

/* ---- the daemon's life ---- */

static int setup_daemon(void **state)
{
	struct daemon_proc *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	snprintf(d->dir, sizeof(d->dir), "/tmp/irrigd-notify-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->config, sizeof(d->config), "%s/irrigd.conf", d->dir);
	snprintf(d->socket, sizeof(d->socket), "%s/irrigd.sock", d->dir);
	snprintf(d->state, sizeof(d->state), "%s/state", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/irrigd.log", d->dir);
	snprintf(d->notify_path, sizeof(d->notify_path), "%s/notify", d->dir);
	snprintf(d->journal_path, sizeof(d->journal_path), "%s/journal", d->dir);
	collector_start(&d->notify, d->notify_path);
	d->journal.fd = -1;
	*state = d;
	return 0;
}

/* Whatever a failed test left running is killed; the directory goes. */
static int teardown_daemon(void **state)
{
	struct daemon_proc *d = *state;
	char cmd[128];

	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
	}
	collector_stop(&d->notify);
	collector_stop(&d->journal);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	assert_int_equal(system(cmd), 0);
	free(d);
	return 0;
}

/* Starts irrigd --sim with NOTIFY_SOCKET, and journal: JOURNAL_STREAM too. */
static void start_daemon(struct daemon_proc *d, bool journal)
{
	char irrigd[256];

	/* The reference garden, unless the test wrote another. */
	if (access(d->config, F_OK) != 0)
		write_config(d->config, d->socket, false, NULL);
	if (journal)
		collector_start(&d->journal, d->journal_path);
	snprintf(irrigd, sizeof(irrigd), "%s/irrigd", build_dir());
	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0) {
		int log = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		struct stat st;
		char stream[64];

		dup2(log, STDERR_FILENO);
		dup2(log, STDOUT_FILENO);
		setenv("NOTIFY_SOCKET", d->notify_path, 1);
		if (journal && fstat(STDERR_FILENO, &st) == 0) {
			snprintf(stream, sizeof(stream), "%lu:%lu",
				 (unsigned long)st.st_dev, (unsigned long)st.st_ino);
			setenv("JOURNAL_STREAM", stream, 1);
			setenv("IRRIGD_JOURNAL_SOCKET", d->journal_path, 1);
		}
		execl(irrigd, irrigd, "--sim", "-c", d->config, "-s", d->socket,
		      "--state-dir", d->state, (char *)NULL);
		_exit(127);
	}
}

/* Waits for the daemon to exit: its status, 128 + signal if killed. */
static int wait_exit(struct daemon_proc *d, int timeout_ms)
{
	int status = 0;

	for (int waited = 0; waitpid(d->pid, &status, WNOHANG) == 0; waited += 20) {
		if (waited >= timeout_ms) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			d->pid = 0;
			fail_msg("irrigd did not exit within %d ms", timeout_ms);
		}
		sleep_ms(20);
	}
	d->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void dump_log(const struct daemon_proc *d)
{
	char *log = read_file(d->log);

	fprintf(stderr, "irrigd's log:\n%s\n", log ? log : "(none)");
	free(log);
}

/* ---- sd_notify datagrams ---- */

static void drain(struct collector *c)
{
	char *msg;

	while ((msg = next_datagram(c, 0, NULL)))
		free(msg);
}

/* The line of msg that starts with prefix, copied; NULL when none does. */
static char *find_line(const char *msg, const char *prefix)
{
	size_t plen = strlen(prefix);

	for (const char *p = msg; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, prefix, plen) == 0)
			return strndup(p, strcspn(p, "\n"));
	return NULL;
}

/*
 * Reads notifications until a line starts with want, and returns that
 * line; every line read before it (and with it) is appended to seen, one
 * a line, when seen is not NULL.  Fails after timeout_ms.
 */
static char *expect_notify(struct daemon_proc *d, const char *want,
			   int timeout_ms, char **seen)
{
	for (int waited = 0; waited < timeout_ms; waited += 50) {
		char *msg = next_datagram(&d->notify, 50, NULL), *line;

		if (!msg) {
			if (d->pid > 0 && waitpid(d->pid, NULL, WNOHANG) == d->pid) {
				d->pid = 0;
				dump_log(d);
				fail_msg("irrigd exited while waiting for %s", want);
			}
			continue;
		}
		if (seen) {
			char *more;

			assert_true(asprintf(&more, "%s%s\n", *seen ? *seen : "", msg) > 0);
			free(*seen);
			*seen = more;
		}
		line = find_line(msg, want);
		free(msg);
		if (line)
			return line;
	}
	dump_log(d);
	fail_msg("no %s from irrigd within %d ms", want, timeout_ms);
	return NULL;
}

/* The last line of text that starts with prefix, copied; NULL if none. */
static char *last_line(const char *text, const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *found = NULL;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, prefix, plen) == 0)
			found = p;
	return found ? strndup(found, strcspn(found, "\n")) : NULL;
}

/*
 * READY=1 comes once the control socket takes clients and every valve is
 * closed, and the STATUS= before it says what the daemon does (so systemd
 * has it when systemctl start returns); returns that STATUS= line.
 */
static char *expect_ready(struct daemon_proc *d)
{
	char *seen = NULL, *out, *err, *status;
	int fd;

	free(expect_notify(d, "READY=1", START_MS, &seen));
	fd = try_connect(d->socket);
	/* Connected the moment READY=1 is read: nothing raced to bind. */
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ctl(d->socket, &out, &err, "--json", "sim", NULL), 0);
	assert_non_null(strstr(out, "\"open\":false"));
	assert_null(strstr(out, "\"open\":true"));
	free(out);
	free(err);
	status = last_line(seen, "STATUS=");
	assert_non_null(status);
	/* READY=1 came once, last. */
	assert_int_equal(strstr(seen, "READY=1") - seen,
			 (long)strlen(seen) - (long)strlen("READY=1\n"));
	free(seen);
	return status;
}

/* "Tue 06:30" for the daemon's next run, from irrigctl --json status. */
static void next_run_text(const struct daemon_proc *d, char *buf, size_t size)
{
	char *out, *err, *at;
	time_t when;
	struct tm tm;

	assert_int_equal(ctl(d->socket, &out, &err, "--json", "status", NULL), 0);
	at = strstr(out, "\"next_run\":");
	assert_non_null(at);
	at = strstr(at, "\"at\":");
	assert_non_null(at);
	when = (time_t)strtoll(at + 5, NULL, 10);
	localtime_r(&when, &tm);
	strftime(buf, size, "%a %H:%M", &tm);
	free(out);
	free(err);
}

/* ---- sd_notify tests ---- */

static void test_ready_status_watering_reload_stop(void **state)
{
	struct daemon_proc *d = *state;
	char *status, *line, *seen = NULL, next[32], want[64];
	unsigned mm, ss;

	start_daemon(d, false);
	status = expect_ready(d);
	next_run_text(d, next, sizeof(next));
	snprintf(want, sizeof(want), "STATUS=Idle, next run %s", next);
	assert_string_equal(status, want);
	free(status);

	/* A run: its time left, then idle again. */
	ctl_ok(d, "water", "3s", "--no-wait", NULL);
	line = expect_notify(d, "STATUS=Watering garden, ", 3000, NULL);
	assert_int_equal(sscanf(line, "STATUS=Watering garden, %u:%u left", &mm,
				&ss), 2);
	assert_int_equal(mm, 0);
	assert_in_range(ss, 0, 3);
	assert_non_null(strstr(line, " left"));
	free(line);
	line = expect_notify(d, "STATUS=Idle", 8000, NULL);
	assert_string_equal(line, want);
	free(line);

	/* A rain delay shows, and goes. */
	drain(&d->notify);
	ctl_ok(d, "pause", "2h", NULL);
	line = expect_notify(d, "STATUS=", 2000, NULL);
	assert_non_null(strstr(line, "STATUS=Idle, rain delay until "));
	free(line);
	ctl_ok(d, "resume", NULL);
	line = expect_notify(d, "STATUS=", 2000, NULL);
	assert_string_equal(line, want);
	free(line);

	/* irrigctl reload, then SIGHUP (systemctl reload): RELOADING=1, READY=1. */
	drain(&d->notify);
	ctl_ok(d, "reload", NULL);
	free(expect_notify(d, "RELOADING=1", 2000, &seen));
	free(expect_notify(d, "READY=1", 2000, &seen));
	line = expect_notify(d, "STATUS=", 2000, NULL);
	assert_string_equal(line, want);
	free(line);
	assert_null(strstr(seen, "STOPPING=1"));
	free(seen);
	seen = NULL;
	kill(d->pid, SIGHUP);
	free(expect_notify(d, "RELOADING=1", 2000, NULL));
	free(expect_notify(d, "READY=1", 2000, NULL));
	line = expect_notify(d, "STATUS=", 2000, NULL);
	assert_string_equal(line, want);
	free(line);

	/* SIGTERM while watering: STOPPING=1, and the status says so to the end. */
	ctl_ok(d, "water", "30s", "--no-wait", NULL);
	free(expect_notify(d, "STATUS=Watering garden, ", 3000, NULL));
	drain(&d->notify);
	kill(d->pid, SIGTERM);
	free(expect_notify(d, "STOPPING=1", 3000, &seen));
	assert_int_equal(wait_exit(d, START_MS), 0);
	sleep_ms(100);	/* for the collector to take the last ones */
	{
		char *msg;

		while ((msg = next_datagram(&d->notify, 0, NULL))) {
			char *more;

			assert_true(asprintf(&more, "%s%s\n", seen, msg) > 0);
			free(seen);
			free(msg);
			seen = more;
		}
	}
	/* Every STATUS= from STOPPING=1 on: the stop, never idle. */
	for (char *p = strstr(seen, "STOPPING=1"); (p = strstr(p, "STATUS="));
	     p++)
		assert_int_equal(strncmp(p, "STATUS=Stopping: closing every valve\n",
					 37), 0);
	assert_non_null(strstr(seen, "STATUS=Stopping: closing every valve"));
	free(seen);
}

/* With a master valve: its lead and lag show too. */
static void test_master_status(void **state)
{
	struct daemon_proc *d = *state;
	char *line, want[64], next[32];

	write_config(d->config, d->socket, false,
		     "master = { expander = 0x20; pin = 1; active_low = true;\n"
		     "           lead = \"1s\"; lag = \"1s\"; };");
	start_daemon(d, false);
	free(expect_ready(d));
	next_run_text(d, next, sizeof(next));
	snprintf(want, sizeof(want), "STATUS=Idle, next run %s", next);
	ctl_ok(d, "water", "2s", "--no-wait", NULL);
	/* The soil is read before the master opens: a skip runs no pump. */
	line = expect_notify(d, "STATUS=", 2000, NULL);
	assert_string_equal(line, "STATUS=Reading the soil before watering garden");
	free(line);
	line = expect_notify(d, "STATUS=", 2000, NULL);
	assert_string_equal(line, "STATUS=Master valve open, garden follows");
	free(line);
	free(expect_notify(d, "STATUS=Watering garden, ", 3000, NULL));
	free(expect_notify(d, "STATUS=Master valve closing after the last zone",
			   5000, NULL));
	line = expect_notify(d, "STATUS=Idle", 5000, NULL);
	assert_string_equal(line, want);
	free(line);
	kill(d->pid, SIGTERM);
	assert_int_equal(wait_exit(d, START_MS), 0);
}

/* Where systemd-socket-activate is, or NULL. */
static const char *socket_activate_path(void)
{
	static const char *const paths[] = {
		"/usr/bin/systemd-socket-activate", "/bin/systemd-socket-activate",
		"/usr/local/bin/systemd-socket-activate", NULL
	};

	for (size_t i = 0; paths[i]; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

static void test_socket_activation(void **state)
{
	struct daemon_proc *d = *state;
	const char *activate = socket_activate_path();
	char irrigd[256], own[128], *out, *err, *log, *status;
	struct stat st;
	int waited;

	if (!activate)
		fail_msg("systemd-socket-activate is not installed (Debian: apt-get "
			 "install systemd; scripts/install-deps --test): socket "
			 "activation cannot be tested");
	/* The config names another socket: irrigd must not make it. */
	snprintf(own, sizeof(own), "%s/own.sock", d->dir);
	write_config(d->config, own, true, NULL);
	snprintf(irrigd, sizeof(irrigd), "%s/irrigd", build_dir());
	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		dup2(fd, STDERR_FILENO);
		dup2(fd, STDOUT_FILENO);
		setenv("NOTIFY_SOCKET", d->notify_path, 1);
		execl(activate, activate, "-l", d->socket, "-E", "NOTIFY_SOCKET",
		      irrigd, "--sim", "-c", d->config, "--state-dir", d->state,
		      (char *)NULL);
		_exit(127);
	}
	for (waited = 0; stat(d->socket, &st) < 0 || !S_ISSOCK(st.st_mode);
	     waited += 20) {
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			d->pid = 0;
			dump_log(d);
			fail_msg("systemd-socket-activate exited");
		}
		assert_true(waited < START_MS);
		sleep_ms(20);
	}
	/* Listening, but irrigd starts at the first connection only. */
	sleep_ms(200);
	assert_null(next_datagram(&d->notify, 0, NULL));
	log = read_file(d->log);
	assert_non_null(log);
	assert_null(strstr(log, "every valve closed"));
	free(log);

	assert_int_equal(ctl(d->socket, &out, &err, "status", NULL), 0);
	assert_non_null(strstr(out, "Idle: every valve closed"));
	free(out);
	free(err);
	status = expect_ready(d);
	if (clock_synced_here())
		assert_non_null(strstr(status, "STATUS=Idle, next run "));
	else
		assert_string_equal(status,
				    "STATUS=Waiting for the clock to be synchronized");
	free(status);
	log = read_file(d->log);
	assert_non_null(log);
	assert_non_null(strstr(log, "using the socket systemd passed"));
	assert_null(strstr(log, "cannot bind"));
	free(log);
	assert_int_equal(access(own, F_OK), -1);
	/* systemd-socket-activate became irrigd: the same pid. */
	kill(d->pid, SIGTERM);
	assert_int_equal(wait_exit(d, START_MS), 0);
	log = read_file(d->log);
	assert_non_null(strstr(log, "irrigd stopped: every valve closed"));
	free(log);
	/* The socket is systemd's: irrigd leaves it where it was. */
	assert_int_equal(stat(d->socket, &st), 0);
}

/* ---- journal entries, through IRRIGD_JOURNAL_SOCKET ---- */

#define ENTRY_FIELDS_MAX 48

struct entry {
	char *fields[ENTRY_FIELDS_MAX];	/* "KEY=value" */
	int n;
};

/* journald's native protocol, as log_entry_serialize writes it. */
static void parse_entry(const char *buf, size_t len, struct entry *e)
{
	size_t pos = 0;

	e->n = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t line;
		uint64_t vlen = 0;
		char *field;

		assert_non_null(nl);
		assert_true(e->n < ENTRY_FIELDS_MAX);
		line = (size_t)(nl - (buf + pos));
		if (memchr(buf + pos, '=', line)) {
			e->fields[e->n++] = strndup(buf + pos, line);
			pos += line + 1;
			continue;
		}
		/* KEY\n, 64-bit little-endian length, value, \n */
		assert_true(pos + line + 1 + 8 <= len);
		for (int b = 7; b >= 0; b--)
			vlen = vlen << 8 | (unsigned char)buf[pos + line + 1 + b];
		assert_true(pos + line + 9 + vlen + 1 <= len);
		assert_int_equal(buf[pos + line + 9 + vlen], '\n');
		field = malloc(line + 1 + vlen + 1);
		assert_non_null(field);
		memcpy(field, buf + pos, line);
		field[line] = '=';
		memcpy(field + line + 1, buf + pos + line + 9, vlen);
		field[line + 1 + vlen] = '\0';
		e->fields[e->n++] = field;
		pos += line + 9 + vlen + 1;
	}
}

static const char *entry_get(const struct entry *e, const char *key)
{
	size_t klen = strlen(key);

	for (int i = 0; i < e->n; i++)
		if (strncmp(e->fields[i], key, klen) == 0 && e->fields[i][klen] == '=')
			return e->fields[i] + klen + 1;
	return NULL;
}

/* The entries irrigd sent, parsed. */
struct journal {
	struct entry *list;
	size_t n;
};

/* Parses what came, waiting up to timeout_ms for the first. */
static void read_journal(struct daemon_proc *d, struct journal *j, int timeout_ms)
{
	char *buf;
	size_t len;

	while ((buf = next_datagram(&d->journal, timeout_ms, &len))) {
		j->list = realloc(j->list, (j->n + 1) * sizeof(*j->list));
		assert_non_null(j->list);
		parse_entry(buf, len, &j->list[j->n++]);
		free(buf);
		timeout_ms = 0;	/* then whatever else is there */
	}
}

/* The first entry of event at or after index from, or NULL. */
static const struct entry *find_event(const struct journal *j, size_t from,
				      const char *event)
{
	for (size_t i = from; i < j->n; i++) {
		const char *ev = entry_get(&j->list[i], "IRRIGD_EVENT");

		if (ev && strcmp(ev, event) == 0)
			return &j->list[i];
	}
	return NULL;
}

/* Reads entries until event appears after from; fails after timeout_ms. */
static const struct entry *wait_event(struct daemon_proc *d, struct journal *j,
				      size_t from, const char *event,
				      int timeout_ms)
{
	const struct entry *e;

	for (int waited = 0; !(e = find_event(j, from, event)); waited += 50) {
		if (waited >= timeout_ms) {
			dump_log(d);
			fail_msg("no %s entry within %d ms", event, timeout_ms);
		}
		read_journal(d, j, 50);
	}
	return e;
}

static void free_journal(struct journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		for (int f = 0; f < j->list[i].n; f++)
			free(j->list[i].fields[f]);
	free(j->list);
}

static void assert_field(const struct entry *e, const char *key, const char *value)
{
	const char *got = entry_get(e, key);

	if (!got || strcmp(got, value) != 0)
		fail_msg("%s of %s is %s, not %s", key, entry_get(e, "IRRIGD_EVENT"),
			 got ? got : "missing", value);
}

/* A number with decimals decimals, as "12.50" for 2. */
static void assert_decimal(const struct entry *e, const char *key, int decimals)
{
	const char *got = entry_get(e, key), *dot;
	char *end;

	if (!got)
		fail_msg("%s of %s is missing", key, entry_get(e, "IRRIGD_EVENT"));
	strtod(got, &end);
	assert_true(end != got && *end == '\0');
	dot = strchr(got, '.');
	assert_non_null(dot);
	assert_int_equal(strlen(dot + 1), decimals);
}

static void assert_requested_by(const struct entry *e, pid_t pid)
{
	char uid[32], pid_text[32];

	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	assert_field(e, "REQUESTED_UID", uid);
	assert_field(e, "REQUESTED_PID", pid_text);
}

static void test_journal_entries(void **state)
{
	struct daemon_proc *d = *state;
	struct journal j = { NULL, 0 };
	const struct entry *e, *start;
	char priority_info[8], run_id[16], *log;
	pid_t asker, queued_asker, skipper;
	size_t mark;

	snprintf(priority_info, sizeof(priority_info), "%d", LOG_INFO);
	start_daemon(d, true);
	free(expect_ready(d));
	e = wait_event(d, &j, 0, "daemon-start", 2000);
	assert_field(e, "BACKEND", "sim");
	assert_field(e, "SOCKET", d->socket);
	assert_non_null(entry_get(e, "VERSION"));
	assert_field(e, "PRIORITY", priority_info);

	/* A manual run: who asked, on the request and on the run's start. */
	mark = j.n;
	asker = ctl_ok(d, "water", "2s", NULL);
	e = wait_event(d, &j, mark, "water-requested", 2000);
	assert_requested_by(e, asker);
	assert_field(e, "ZONE", "garden");
	assert_field(e, "DURATION_S", "2");
	snprintf(run_id, sizeof(run_id), "%s", entry_get(e, "RUN_ID"));
	start = wait_event(d, &j, mark, "water-start", 2000);
	assert_requested_by(start, asker);
	assert_field(start, "ZONE", "garden");
	assert_field(start, "DURATION_S", "2");
	assert_field(start, "SOURCE", "manual");
	assert_field(start, "RUN_ID", run_id);
	assert_decimal(start, "MOISTURE", 1);
	assert_field(start, "PRIORITY", priority_info);
	e = wait_event(d, &j, mark, "water-end", 5000);
	assert_field(e, "ZONE", "garden");
	assert_field(e, "SOURCE", "manual");
	assert_field(e, "RUN_ID", run_id);
	assert_field(e, "OUTCOME", "completed");
	assert_field(e, "DURATION_S", "2");
	assert_decimal(e, "LITRES", 2);
	assert_true(strtod(entry_get(e, "LITRES"), NULL) > 0.1);
	assert_decimal(e, "MOISTURE", 1);
	assert_null(entry_get(e, "REQUESTED_UID"));

	/* A queued run names its own asker when it starts, after a skip. */
	mark = j.n;
	ctl_ok(d, "water", "30s", "--no-wait", NULL);
	/* Its valve opens once the valves may switch again (2 s). */
	wait_event(d, &j, mark, "water-start", 5000);
	queued_asker = ctl_ok(d, "water", "1s", "--no-wait", NULL);
	skipper = ctl_ok(d, "skip", NULL);
	e = wait_event(d, &j, mark, "skip-requested", 2000);
	assert_requested_by(e, skipper);
	assert_field(e, "ZONE", "garden");
	e = wait_event(d, &j, mark, "water-end", 2000);
	assert_field(e, "OUTCOME", "stopped");
	start = wait_event(d, &j, (size_t)(e - j.list), "water-start", 5000);
	assert_field(start, "DURATION_S", "1");
	assert_requested_by(start, queued_asker);
	wait_event(d, &j, (size_t)(start - j.list), "water-end", 5000);

	/* stop, pause, resume, reload: each names who asked. */
	mark = j.n;
	ctl_ok(d, "water", "30s", "--no-wait", NULL);
	wait_event(d, &j, mark, "water-start", 5000);
	asker = ctl_ok(d, "stop", NULL);
	e = wait_event(d, &j, mark, "stop-requested", 2000);
	assert_requested_by(e, asker);
	e = wait_event(d, &j, mark, "water-end", 2000);
	assert_field(e, "OUTCOME", "stopped");

	mark = j.n;
	asker = ctl_ok(d, "pause", "2h", NULL);
	e = wait_event(d, &j, mark, "pause-requested", 2000);
	assert_requested_by(e, asker);
	assert_field(e, "DURATION_S", "7200");
	e = wait_event(d, &j, mark, "rain-delay", 2000);
	assert_true(strtoll(entry_get(e, "UNTIL"), NULL, 10) > (long long)time(NULL));
	asker = ctl_ok(d, "resume", NULL);
	e = wait_event(d, &j, mark, "resume-requested", 2000);
	assert_requested_by(e, asker);
	wait_event(d, &j, mark, "rain-delay-lifted", 2000);

	mark = j.n;
	asker = ctl_ok(d, "reload", NULL);
	e = wait_event(d, &j, mark, "reload-requested", 2000);
	assert_requested_by(e, asker);
	e = wait_event(d, &j, mark, "config-reloaded", 2000);
	assert_field(e, "CONFIG", d->config);
	assert_field(e, "ZONES", "1");
	assert_null(entry_get(e, "REQUESTED_UID"));

	kill(d->pid, SIGTERM);
	assert_int_equal(wait_exit(d, START_MS), 0);
	read_journal(d, &j, 100);
	wait_event(d, &j, mark, "daemon-stop", 100);

	/* Every entry: MESSAGE, PRIORITY, and for an event its MESSAGE_ID. */
	for (size_t i = 0; i < j.n; i++) {
		const struct entry *x = &j.list[i];
		const char *ev = entry_get(x, "IRRIGD_EVENT");

		assert_true(x->n >= 2);
		assert_int_equal(strncmp(x->fields[0], "MESSAGE=", 8), 0);
		assert_int_equal(strncmp(x->fields[1], "PRIORITY=", 9), 0);
		if (ev) {
			assert_non_null(event_message_id(ev));
			assert_field(x, "MESSAGE_ID", event_message_id(ev));
		} else {
			assert_null(entry_get(x, "MESSAGE_ID"));
		}
	}
	/* Under journald, nothing went to standard error. */
	log = read_file(d->log);
	assert_non_null(log);
	assert_null(strstr(log, "Watering garden"));
	assert_null(strstr(log, "irrigd stopped"));
	free(log);
	free_journal(&j);
}

/* ---- log.c's entries and events.c's table, unit-tested ---- */

/* The kinds of event the journal gets, from events.c's table. */
static size_t journal_kinds(const struct event_kind_info **out)
{
	size_t n = 0;

	for (int k = 0; k < EV__COUNT; k++)
		if (event_kind_info((enum event_kind)k)->journal)
			out[n++] = event_kind_info((enum event_kind)k);
	return n;
}

static const char *iov_text(const struct log_entry *e, int i, char *buf,
			    size_t size)
{
	assert_true(i < e->n);
	snprintf(buf, size, "%.*s", (int)e->iov[i].iov_len,
		 (const char *)e->iov[i].iov_base);
	return buf;
}

static void assert_iov(const struct log_entry *e, int i, const char *want)
{
	char buf[LOG_LINE_MAX + 64];

	assert_string_equal(iov_text(e, i, buf, sizeof(buf)), want);
}

/* What the daemon's call sites give each kind of event. */
struct kind_case {
	const char *event;
	int priority;
	const char *fields[8];
};

static const struct kind_case kind_cases[] = {
	{ "water-start", LOG_INFO, { "ZONE=garden", "DURATION_S=300", "SOURCE=manual",
				     "RUN_ID=7", "MOISTURE=31.5", "REQUESTED_UID=1000",
				     "REQUESTED_PID=4242", NULL } },
	{ "water-end", LOG_INFO, { "ZONE=garden", "SOURCE=morning", "RUN_ID=7",
				   "LITRES=12.50", "DURATION_S=300",
				   "OUTCOME=completed", "MOISTURE=48.0", NULL } },
	{ "water-end", LOG_ERR, { "ZONE=garden", "OUTCOME=fault", NULL } },
	{ "skip", LOG_INFO, { "ZONE=lawn", "SOURCE=evening", "RUN_ID=9",
			      "OUTCOME=skipped", "MOISTURE=66.2", NULL } },
	{ "program-start", LOG_INFO, { "PROGRAM=morning", "QUEUED=2", NULL } },
	{ "program-held", LOG_INFO, { "PROGRAM=morning", "UNTIL=1764100000", NULL } },
	{ "missed", LOG_WARNING, { "PROGRAM=evening", NULL } },
	{ "rain-delay", LOG_INFO, { "UNTIL=1764100000", NULL } },
	{ "rain-delay-lifted", LOG_INFO, { NULL } },
	{ "config-reloaded", LOG_INFO, { "CONFIG=/etc/irrigd/irrigd.conf", "ZONES=2",
					 "PROGRAMS=1", NULL } },
	{ "daemon-start", LOG_INFO, { "VERSION=0.1.0", "SOCKET=/run/irrigd/irrigd.sock",
				      "BACKEND=linux", NULL } },
	{ "daemon-stop", LOG_INFO, { NULL } },
	{ "fault", LOG_CRIT, { "FAULT=no-flow", "ZONE=garden", "FLOW_LPM=0.00",
				"EXPECTED_LPM=12.00", NULL } },
	{ "fault-cleared", LOG_NOTICE, { "FAULT=adc", "I2C_BUS=/dev/i2c-1",
					 "I2C_ADDRESS=0x49", NULL } },
	{ "water-requested", LOG_INFO, { "ZONE=garden", "DURATION_S=60", "RUN_ID=3",
					 "REQUESTED_UID=0", "REQUESTED_PID=1", NULL } },
	{ "stop-requested", LOG_INFO, { "REQUESTED_UID=0", "REQUESTED_PID=2", NULL } },
	{ "skip-requested", LOG_INFO, { "ZONE=lawn", "REQUESTED_UID=0",
					"REQUESTED_PID=3", NULL } },
	{ "pause-requested", LOG_INFO, { "DURATION_S=86400", "REQUESTED_UID=0",
					 "REQUESTED_PID=4", NULL } },
	{ "resume-requested", LOG_INFO, { "REQUESTED_UID=0", "REQUESTED_PID=5", NULL } },
	{ "reload-requested", LOG_INFO, { "REQUESTED_UID=0", "REQUESTED_PID=6", NULL } },
	{ "low-flow", LOG_WARNING, { "ZONE=garden", "FLOW_LPM=8.10",
				     "EXPECTED_LPM=12.00", NULL } },
	{ "held", LOG_WARNING, { "ZONE=garden", "SOURCE=morning", "RUN_ID=4",
				 "OUTCOME=held", NULL } },
	{ "cap-reached", LOG_WARNING, { "ZONE=garden", "LITRES_TODAY=300.10",
					"CAP_LITRES=300", NULL } },
	{ "sensor-failed", LOG_WARNING, { "PROBE=bed1", "ZONE=garden", NULL } },
	{ "sensor-recovered", LOG_NOTICE, { "PROBE=bed1", "ZONE=garden", NULL } },
	{ "clear-requested", LOG_NOTICE, { "REQUESTED_UID=0", "REQUESTED_PID=7",
					   NULL } },
	{ "state-unsaved", LOG_ERR, { "STATE_FILE=rain-delay",
				      "STATE_DIRECTORY=/var/lib/irrigd", "ERRNO=28",
				      NULL } },
	{ "state-saved", LOG_NOTICE, { "STATE_FILE=rain-delay",
				       "STATE_DIRECTORY=/var/lib/irrigd", NULL } },
	{ "program-skipped", LOG_NOTICE, { "PROGRAM=morning", "REASON=freeze",
					   "TEMPERATURE=1.2", NULL } },
	{ "program-requested", LOG_INFO, { "PROGRAM=morning", "ACTION=disable",
					   "REQUESTED_UID=0", "REQUESTED_PID=8",
					   NULL } },
	{ "water-cycle", LOG_INFO, { "ZONE=bed", "SOURCE=manual", "RUN_ID=9",
				     "ACTION=soak", "CYCLE=1", "CYCLES=3",
				     "DURATION_S=600", NULL } },
	{ "weather-day", LOG_INFO, { "TEMPERATURE_MIN=8.5", "TEMPERATURE_MAX=24.0",
				     "TEMPERATURE=16.1", "ET0_MM=3.92",
				     "PERCENT=65", "REASON=auto", NULL } },
	{ "seasonal-auto", LOG_WARNING, { "PERCENT=100", "REASON=fallback", NULL } },
	{ "balance-anchored", LOG_INFO, { "ZONE=bed", "MOISTURE=41.0",
					  "DEPLETION_MM=12.0",
					  "DISAGREEMENT_MM=-3.5", NULL } },
	{ "balance-water", LOG_INFO, { "ZONE=bed", "DEPLETION_MM=21.3",
				       "LITRES=255.60", "DURATION_S=1278",
				       "REASON=due", NULL } },
	{ "rain-sensor", LOG_NOTICE, { "ACTION=wet", NULL } },
	{ "rain-recorded", LOG_INFO, { "RAIN_MM=12.0", "ZONES=2",
				       "REQUESTED_UID=0", "REQUESTED_PID=8",
				       NULL } },
};

static void test_entry_for_each_kind(void **state)
{
	const struct event_kind_info *kinds[EV__COUNT];
	size_t n_kinds = journal_kinds(kinds);

	(void)state;
	/* Every kind in the table has a case here, and every case a kind. */
	for (size_t k = 0; k < n_kinds; k++) {
		bool found = false;

		for (size_t c = 0; c < sizeof(kind_cases) / sizeof(kind_cases[0]); c++)
			found |= strcmp(kind_cases[c].event, kinds[k]->name) == 0;
		if (!found)
			fail_msg("no test case for event %s", kinds[k]->name);
	}
	for (size_t c = 0; c < sizeof(kind_cases) / sizeof(kind_cases[0]); c++) {
		const struct kind_case *kc = &kind_cases[c];
		const char *id = event_message_id(kc->event);
		struct log_entry e;
		char want[128];
		int n_fields = 0;

		assert_non_null(id);
		log_entry_build(&e, kc->priority, kc->event, id, kc->fields, "some text");
		while (kc->fields[n_fields])
			n_fields++;
		assert_int_equal(e.n, 4 + n_fields);
		assert_iov(&e, 0, "MESSAGE=some text");
		snprintf(want, sizeof(want), "PRIORITY=%d", kc->priority);
		assert_iov(&e, 1, want);
		snprintf(want, sizeof(want), "MESSAGE_ID=%s", id);
		assert_iov(&e, 2, want);
		snprintf(want, sizeof(want), "IRRIGD_EVENT=%s", kc->event);
		assert_iov(&e, 3, want);
		for (int f = 0; f < n_fields; f++)
			assert_iov(&e, 4 + f, kc->fields[f]);
	}
}

static void test_event_table(void **state)
{
	const struct event_kind_info *kinds[EV__COUNT];
	size_t n = journal_kinds(kinds);

	(void)state;
	assert_true(n >= 19);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(strlen(kinds[i]->message_id), 32);
		assert_int_equal(strspn(kinds[i]->message_id, "0123456789abcdef"), 32);
		assert_ptr_equal(event_message_id(kinds[i]->name), kinds[i]->message_id);
		for (size_t k = 0; k < i; k++) {
			assert_string_not_equal(kinds[i]->name, kinds[k]->name);
			assert_string_not_equal(kinds[i]->message_id,
						kinds[k]->message_id);
		}
	}
	assert_null(event_message_id("no-such-event"));
	assert_null(event_message_id(NULL));
}

/* irrigd(8) lists each event with its MESSAGE_ID, as log.c has them. */
static void test_man_page_lists_the_ids(void **state)
{
	const struct event_kind_info *kinds[EV__COUNT];
	size_t n = journal_kinds(kinds);
	char *man = read_file("man/irrigd.8");

	(void)state;
	assert_non_null(man);
	for (size_t i = 0; i < n; i++) {
		const char *at = strstr(man, kinds[i]->message_id), *line = at;
		char name[64], *w = name;

		if (!at)
			fail_msg("irrigd(8) lacks the MESSAGE_ID of %s", kinds[i]->name);
		while (line > man && line[-1] != '\n')
			line--;
		/* roff's "\-" for each "-" of the name */
		for (const char *c = kinds[i]->name; *c && w < name + sizeof(name) - 3; c++) {
			if (*c == '-')
				*w++ = '\\';
			*w++ = *c;
		}
		*w = '\0';
		if (strncmp(line, name, strlen(name)) != 0 || line[strlen(name)] != ' ')
			fail_msg("irrigd(8) gives %s's MESSAGE_ID to another event",
				 kinds[i]->name);
	}
	free(man);
}

static void test_entry_edge_cases(void **state)
{
	static const char *const bad[] = {
		"", "ZONE", "=x", "zone=lower", "_PID=1", "1ZONE=x", "MESSAGE=again",
		"PRIORITY=0", "MESSAGE_ID=0123", "IRRIGD_EVENT=other", "ZO NE=x",
		"GOOD=yes", NULL
	};
	const char *many[LOG_FIELDS_MAX + 4];
	char names[LOG_FIELDS_MAX + 3][16], long_text[LOG_LINE_MAX * 2];
	struct log_entry e;

	(void)state;
	/* A plain message: MESSAGE and PRIORITY only. */
	log_entry_build(&e, LOG_WARNING, NULL, NULL, NULL, "plain");
	assert_int_equal(e.n, 2);
	assert_iov(&e, 0, "MESSAGE=plain");
	assert_iov(&e, 1, "PRIORITY=4");
	/* An unknown event: no MESSAGE_ID, but its name. */
	log_entry_build(&e, LOG_INFO, "made-up", NULL, NULL, "x");
	assert_int_equal(e.n, 3);
	assert_iov(&e, 2, "IRRIGD_EVENT=made-up");
	/* Malformed fields, and ones that would repeat the entry's own, go. */
	log_entry_build(&e, LOG_INFO, "skip", event_message_id("skip"), bad, "x");
	assert_int_equal(e.n, 5);
	assert_iov(&e, 4, "GOOD=yes");
	/* At most LOG_FIELDS_MAX fields. */
	for (int i = 0; i < LOG_FIELDS_MAX + 3; i++) {
		snprintf(names[i], sizeof(names[i]), "F%d=%d", i, i);
		many[i] = names[i];
	}
	many[LOG_FIELDS_MAX + 3] = NULL;
	log_entry_build(&e, LOG_INFO, "fault", event_message_id("fault"), many, "x");
	assert_int_equal(e.n, 4 + LOG_FIELDS_MAX);
	/* A long text is cut, not overflowed. */
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	log_entry_build(&e, LOG_INFO, NULL, NULL, NULL, long_text);
	assert_true(e.iov[0].iov_len < sizeof(e.message));
	/* The priority is a syslog level: facility bits do not leak in. */
	log_entry_build(&e, LOG_DAEMON | LOG_ERR, NULL, NULL, NULL, "x");
	assert_iov(&e, 1, "PRIORITY=3");
}

static void test_serialize(void **state)
{
	const char *fields[] = { "ZONE=garden", NULL };
	struct log_entry e;
	struct entry parsed;
	char buf[512];
	size_t len;

	(void)state;
	log_entry_build(&e, LOG_INFO, "water-end", event_message_id("water-end"),
			fields, "two\nlines");
	len = log_entry_serialize(&e, buf, sizeof(buf));
	assert_true(len < sizeof(buf));
	/* Too small a buffer: the size it takes, nothing written past it. */
	assert_int_equal(log_entry_serialize(&e, buf, 4), len);
	len = log_entry_serialize(&e, buf, sizeof(buf));
	parse_entry(buf, len, &parsed);
	assert_int_equal(parsed.n, 5);
	assert_string_equal(parsed.fields[0], "MESSAGE=two\nlines");
	assert_string_equal(parsed.fields[1], "PRIORITY=6");
	assert_string_equal(parsed.fields[3], "IRRIGD_EVENT=water-end");
	assert_string_equal(parsed.fields[4], "ZONE=garden");
	for (int i = 0; i < parsed.n; i++)
		free(parsed.fields[i]);
}

/* The record's fields as the journal has them, one string. */
static void rendered(const struct event *ev, char *out, size_t size)
{
	const char *list[EVENT_FIELDS_MAX + 1];
	char storage[1024];
	size_t n, used = 0;

	assert_int_equal(event_render_fields(ev, list, storage, sizeof(storage), &n), 0);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "",
					 list[i]);
}

static void test_requester(void **state)
{
	struct event ev;
	char f[512];

	(void)state;
	event_init(&ev, EV_STOP_REQUESTED);
	event_set_requester(&ev, "uid 1000 pid 4242");
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "REQUESTED_UID=1000 REQUESTED_PID=4242");
	event_set_requester(&ev, "unknown peer");
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "");
	event_set_requester(&ev, NULL);
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "");
	/* Remembered per run, until that run starts. */
	event_remember_requester(11, "uid 1 pid 2");
	event_remember_requester(12, "uid 3 pid 4");
	event_requester_of_run(&ev, 12);
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "REQUESTED_UID=3 REQUESTED_PID=4");
	event_requester_of_run(&ev, 12);
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "");
	event_requester_of_run(&ev, 11);
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "REQUESTED_UID=1 REQUESTED_PID=2");
	event_requester_of_run(&ev, 99);	/* a programmed run */
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "");
	/* Many more than the queue holds: the oldest are forgotten, no harm. */
	for (uint32_t id = 100; id < 300; id++)
		event_remember_requester(id, "uid 5 pid 6");
	event_requester_of_run(&ev, 299);
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "REQUESTED_UID=5 REQUESTED_PID=6");
	event_requester_of_run(&ev, 100);
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "");
}

/* A typed record renders the fields the call sites built by hand before. */
static void test_typed_fields(void **state)
{
	struct event ev;
	char f[512];

	(void)state;
	event_init(&ev, EV_WATER_START);
	ev.zone = "garden";
	ev.duration_s = 300;
	ev.source = "manual";
	ev.run_id = 7;
	ev.moisture = 31.25;
	event_set_requester(&ev, "uid 0 pid 9");
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "ZONE=garden DURATION_S=300 SOURCE=manual RUN_ID=7 "
			    "MOISTURE=31.2 REQUESTED_UID=0 REQUESTED_PID=9");
	/* Another kind, other order; an unknown moisture is left out. */
	event_init(&ev, EV_WATER_END);
	ev.zone = "garden";
	ev.source = "morning";
	ev.run_id = 3;
	ev.litres = 12.5;
	ev.duration_s = 60;
	ev.outcome = "completed";
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "ZONE=garden SOURCE=morning RUN_ID=3 LITRES=12.50 "
			    "DURATION_S=60 OUTCOME=completed");
	assert_int_equal(ev.priority, LOG_INFO);
	/* A fault with an errno: ERRNO= last, the address in hex. */
	event_init(&ev, EV_FAULT);
	ev.fault = "expander";
	ev.i2c_bus = "sim";
	ev.i2c_address = 0x20;
	ev.err = -EIO;
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "FAULT=expander I2C_BUS=sim I2C_ADDRESS=0x20 ERRNO=5");
	assert_int_equal(ev.priority, LOG_CRIT);
	/* One kind, two emitters with their own fields. */
	event_init(&ev, EV_CAP_REACHED);
	ev.zone = "garden";
	ev.litres_today = 300.1;
	ev.cap_litres = 300;
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "ZONE=garden LITRES_TODAY=300.10 CAP_LITRES=300");
	event_init(&ev, EV_CAP_REACHED);
	ev.zone = "garden";
	ev.max_run_s = 1800;
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "ZONE=garden MAX_RUN_S=1800");
	event_init(&ev, EV_DAEMON_STOP);
	rendered(&ev, f, sizeof(f));
	assert_string_equal(f, "");
}

/* A watcher's line: one line, however long its fields; cut, it still ends in a newline. */
static void test_watch_lines(void **state)
{
	struct event ev;
	char line[4096], small[64];
	size_t len;

	(void)state;
	event_init(&ev, EV_WATER_END);
	ev.zone = "back lawn";
	ev.source = "say \"hi\"";
	ev.litres = 1.5;
	len = event_render_line(&ev, "two\nlines", 0, false, line, sizeof(line));
	assert_int_equal(len, strlen(line));
	assert_non_null(strstr(line, " water-end zone=\"back lawn\" source=\"say \\\"hi\\\"\" "
			       "litres=1.50\n"));
	len = event_render_line(&ev, "two\nlines", 0, true, line, sizeof(line));
	assert_int_equal(len, strlen(line));
	assert_int_equal(strncmp(line, "{\"event\":\"water-end\",\"time\":\"", 29), 0);
	assert_non_null(strstr(line, ",\"priority\":6,\"zone\":\"back lawn\",\"source\":"
			       "\"say \\\"hi\\\"\",\"litres\":1.50,\"message\":\"two\\nlines\"}\n"));
	assert_ptr_equal(strchr(line, '\n'), line + len - 1);	/* the message's is escaped */
	/* Too small a buffer: cut, one line, the length right. */
	for (int json = 0; json <= 1; json++) {
		len = event_render_line(&ev, "message", 0, json, small, sizeof(small));
		assert_true(len < sizeof(small));
		assert_int_equal(len, strlen(small));
		assert_ptr_equal(strchr(small, '\n'), small + len - 1);
	}
}

/* Every journal kind of events.c's table is emitted somewhere in the daemon. */
static void test_call_sites_use_the_table(void **state)
{
	const struct event_kind_info *kinds[EV__COUNT];
	size_t n_kinds = journal_kinds(kinds);
	bool used[EV__COUNT] = { false };
	DIR *dir = opendir("src/daemon");
	struct dirent *de;
	int sites = 0;

	(void)state;
	assert_non_null(dir);
	while ((de = readdir(dir))) {
		char path[300], *text;
		size_t len = strlen(de->d_name);

		if (len < 3 || strcmp(de->d_name + len - 2, ".c") != 0 ||
		    strcmp(de->d_name, "events.c") == 0)
			continue;
		snprintf(path, sizeof(path), "src/daemon/%s", de->d_name);
		text = read_file(path);
		assert_non_null(text);
		/* No hand-built journal fields outside events.c. */
		if (strstr(text, "log_event"))
			fail_msg("%s still calls log_event", path);
		for (char *p = text; (p = strstr(p, "event_emit(")); p++)
			sites++;
		for (char *p = text; (p = strstr(p, "EV_")); p++) {
			size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");

			for (size_t k = 0; k < n_kinds; k++)
				if (strlen(kinds[k]->symbol) == n &&
				    strncmp(kinds[k]->symbol, p, n) == 0)
					used[k] = true;
		}
		free(text);
	}
	closedir(dir);
	assert_true(sites >= 20);
	for (size_t k = 0; k < n_kinds; k++)
		if (!used[k])
			fail_msg("event %s is in the table but never emitted",
				 kinds[k]->name);
}

int main(void)
{
	const struct CMUnitTest log_tests[] = {
		cmocka_unit_test(test_event_table),
		cmocka_unit_test(test_man_page_lists_the_ids),
		cmocka_unit_test(test_entry_for_each_kind),
		cmocka_unit_test(test_entry_edge_cases),
		cmocka_unit_test(test_serialize),
		cmocka_unit_test(test_requester),
		cmocka_unit_test(test_typed_fields),
		cmocka_unit_test(test_watch_lines),
		cmocka_unit_test(test_call_sites_use_the_table),
	};
	const struct CMUnitTest daemon_tests[] = {
		cmocka_unit_test_setup_teardown(test_ready_status_watering_reload_stop,
						setup_daemon, teardown_daemon),
		cmocka_unit_test_setup_teardown(test_master_status, setup_daemon,
						teardown_daemon),
		cmocka_unit_test_setup_teardown(test_socket_activation, setup_daemon,
						teardown_daemon),
		cmocka_unit_test_setup_teardown(test_journal_entries, setup_daemon,
						teardown_daemon),
	};
	int failed;

	signal(SIGPIPE, SIG_IGN);
	failed = cmocka_run_group_tests_name("log", log_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("notify", daemon_tests, NULL, NULL);
	return failed ? 1 : 0;
}
