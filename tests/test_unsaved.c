/* End to end: a full state directory (a small tmpfs of the daemon's own) loses nothing, says what is unsaved, and saves it once there is room. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

/* The child's exit status when it cannot have a tmpfs of its own. */
#define NO_NAMESPACE 77

static const char config[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  flow_meter = { line = \"GPIO17\"; }; };\n"
	"zones = ( { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
	"  flow_lpm = 12.0; } );\n"
	"wait_for_clock_sync = false;\n";

static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		_exit(NO_NAMESPACE);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		_exit(NO_NAMESPACE);
	close(fd);
}

/*
 * In the daemon's child, before the exec: a mount namespace with a 1 MiB
 * tmpfs on the state directory, so the test can fill it (ENOSPC, a real
 * full disk) without touching the machine's.  Root may make one; another
 * user makes a user namespace first, in which it is root.
 */
static void own_tmpfs(void *arg)
{
	const struct test_daemon *d = arg;
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (uid != 0) {
		char map[64];

		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			_exit(NO_NAMESPACE);
		write_text("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		write_text("/proc/self/uid_map", map);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		write_text("/proc/self/gid_map", map);
	} else if (unshare(CLONE_NEWNS) < 0) {
		_exit(NO_NAMESPACE);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("irrigd-test", d->state, "tmpfs", 0, "size=1m,mode=0755") < 0)
		_exit(NO_NAMESPACE);
	/* Saves are tried again every 100 ms rather than 30 s. */
	setenv("IRRIGD_STATE_RETRY_MS", "100", 1);
}

/* The daemon's state file, as the daemon sees it (its tmpfs is its own). */
static void daemon_path(const struct test_daemon *d, const char *name,
			char *buf, size_t size)
{
	snprintf(buf, size, "/proc/%d/root%s/%s", (int)d->pid, d->state, name);
}

/* Fills the daemon's state directory until there is no room left. */
static void fill(const struct test_daemon *d)
{
	static char block[4096];
	char path[300];
	int fd;

	daemon_path(d, "filler", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	while (write(fd, block, sizeof(block)) > 0)
		;
	assert_int_equal(errno, ENOSPC);
	close(fd);
}

static void make_room(const struct test_daemon *d)
{
	char path[300];

	daemon_path(d, "filler", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
}

/* irrigctl ARGS: its status; stdout in *out, stderr in *err. */
static int ctl(const struct test_daemon *d, char **out, char **err, ...)
{
	const char *a[8] = { NULL };
	va_list ap;
	int n = 0;

	va_start(ap, err);
	while (n < 7 && (a[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	return test_irrigctl(d->socket, out, err, a[0], a[1], a[2], a[3], a[4],
			     a[5], a[6], NULL);
}

static void expect_in(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("wanted '%s' in:\n%s", needle, text);
}

static bool start(struct test_daemon *d)
{
	const char *why;

	test_daemon_prepare(d, "unsaved");
	test_daemon_write_config(d, config);
	assert_int_equal(mkdir(d->state, 0755), 0);
	why = test_daemon_try_spawn(d, own_tmpfs, d);
	if (why && strstr(why, "exited with 77"))
		return false;
	if (why) {
		char *log = read_file(d->log);

		fprintf(stderr, "%s: its log:\n%s\n", why, log ? log : "(none)");
		free(log);
		fail_msg("%s", why);
	}
	return true;
}

/*
 * A rain delay set while the disk is full holds, is said to be unsaved
 * in the reply, in status and once in the journal, and is saved once
 * there is room again, without anyone asking.
 */
static void test_a_full_disk_loses_nothing_and_says_so(void **state)
{
	struct test_daemon d = { 0 };
	char *out, *err, *log, *text, path[300], until[64];
	const char *at;

	(void)state;
	if (!start(&d)) {
		test_daemon_remove(&d);
		fprintf(stderr, "no mount namespace for a tmpfs here: skipped\n");
		skip();
	}
	fill(&d);

	/* Done, and said not to be saved: on stderr, the reply ends OK. */
	assert_int_equal(ctl(&d, &out, &err, "pause", "2d", NULL), 0);
	expect_in(out, "Programs held until ");
	expect_in(err, "irrigctl: warning: the rain delay is not saved (");
	expect_in(err, "/rain-delay: No space left on device): it is kept in memory");
	free(out);
	free(err);
	assert_int_equal(ctl(&d, &out, &err, "--json", "pause", "1d", NULL), 0);
	expect_in(out, "\"warnings\":[{\"code\":\"unsaved\",\"file\":\"rain-delay\","
		  "\"errno\":28,\"message\":\"the rain delay is not saved (");
	at = strstr(out, "\"rain_delay_until\":");
	assert_non_null(at);
	snprintf(until, sizeof(until), "until %lld\n",
		 strtoll(at + strlen("\"rain_delay_until\":"), NULL, 10));
	free(out);
	free(err);

	/* A run's record too, in the run's own summary. */
	assert_int_equal(ctl(&d, &out, &err, "water", "1s", NULL), 0);
	expect_in(out, "Valve closed");
	expect_in(err, "irrigctl: warning: the run history is not saved (");
	free(out);
	free(err);

	/* status says what is unsaved, and why; the delay holds. */
	assert_int_equal(ctl(&d, &out, &err, "status", NULL), 0);
	expect_in(out, "Rain delay: programs held until ");
	expect_in(out, "Not saved since ");
	expect_in(out, ": the rain delay (");
	expect_in(out, ": the run history (");
	free(out);
	free(err);
	assert_int_equal(ctl(&d, &out, &err, "--json", "status", NULL), 0);
	expect_in(out, "\"unsaved\":[{\"file\":\"history\",\"errno\":28,"
		  "\"error\":\"No space left on device\",\"since\":");
	expect_in(out, "{\"file\":\"rain-delay\",\"errno\":28,");
	free(out);
	free(err);

	/* Once in the journal, however many times it was tried since. */
	sleep_ms(500);
	log = read_file(d.log);
	assert_non_null(log);
	assert_int_equal(count(log, "Cannot save the rain delay in "), 1);
	assert_int_equal(count(log, "Cannot save the run history in "), 1);
	expect_in(log, "/rain-delay: it is kept in memory, irrigctl status shows it, "
		  "and irrigd tries again every 100ms: No space left on device");
	free(log);

	/* Room again: saved without anyone asking, and said once. */
	make_room(&d);
	for (int i = 0; i < 600; i++) {
		bool saved;

		assert_int_equal(ctl(&d, &out, &err, "--json", "status", NULL), 0);
		saved = strstr(out, "\"unsaved\":[]") != NULL;
		free(out);
		free(err);
		if (saved)
			break;
		sleep_ms(100);
	}
	assert_int_equal(ctl(&d, &out, &err, "status", NULL), 0);
	assert_null(strstr(out, "Not saved"));
	free(out);
	free(err);
	daemon_path(&d, "rain-delay", path, sizeof(path));
	text = read_file(path);
	assert_non_null(text);
	expect_in(text, until);
	free(text);
	daemon_path(&d, "history", path, sizeof(path));
	text = read_file(path);
	assert_non_null(text);
	expect_in(text, " manual bed 1 1 ");
	free(text);
	/* A command now is saved, and says nothing of it. */
	assert_int_equal(ctl(&d, &out, &err, "resume", NULL), 0);
	assert_string_equal(err, "");
	free(out);
	free(err);
	log = read_file(d.log);
	assert_int_equal(count(log, "Saved the rain delay in "), 1);
	assert_int_equal(count(log, "Saved the run history in "), 1);
	free(log);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	test_daemon_remove(&d);
}

/* Full when it stops: what is lost is said. */
static void test_what_is_lost_at_exit_is_said(void **state)
{
	struct test_daemon d = { 0 };
	char *out, *err;

	(void)state;
	if (!start(&d)) {
		test_daemon_remove(&d);
		skip();
	}
	fill(&d);
	assert_int_equal(ctl(&d, &out, &err, "pause", "2d", NULL), 0);
	free(out);
	free(err);
	assert_int_equal(test_daemon_stop_showing_log(&d), 0);
	assert_true(test_daemon_logged(&d, "irrigd stops with the rain delay not "
				       "saved in "));
	test_daemon_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_full_disk_loses_nothing_and_says_so),
		cmocka_unit_test(test_what_is_lost_at_exit_is_said),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
