/*
 * Crash consistency: irrigd --sim is killed with SIGKILL at a random
 * moment while it starts, skips and stops watering runs and sets and
 * lifts a rain delay (each of which writes a state file), then started
 * again on the same state directory, 200 times.  Whenever the kill
 * lands, the daemon starts again, no state file was broken (none set
 * aside as .bad), the files parse, nothing recorded before is lost, and
 * the run that was watering is in the history as "interrupted".
 *
 * The plan of each round (requests, pauses between them, the moment of
 * the kill) comes from a seed, printed first: IRRIGD_CRASH_SEED=N replays
 * the same plans (the daemon's own timing still varies).  What the daemon
 * did before it died is read from its log, which it writes (unbuffered)
 * right after the state file it concerns: a run's start or end logged
 * means its history record was saved.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/history.h"
#include "daemon/state.h"
#include "support.h"

#define ROUNDS 200
#define LONG_RUN_S 1800		/* "water 30m": cannot end within a round */
#define STEP_MAX_MS 25		/* the most a round waits between requests */

static struct test_daemon crashing;	/* one state directory, many daemons */
static int starts;		/* each start logs to its own file */
static uint64_t seed;
static int round_no;
static bool all_rounds_passed;

/* xorshift64*: the same plans on every machine for a seed. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static int rng_below(int n)
{
	return (int)(rng() % (uint64_t)n);
}

/* Every failure names the seed and round, to replay it. */
#define check(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "seed %" PRIu64 ", round %d: ", seed, \
				round_no);				\
			fail_msg(__VA_ARGS__);				\
		}							\
	} while (0)

static char *replace(char *text, const char *old, const char *new)
{
	char *at = strstr(text, old), *out;

	if (!at)
		fail_msg("etc/irrigd.conf no longer says '%s'", old);
	out = malloc(strlen(text) - strlen(old) + strlen(new) + 1);
	assert_non_null(out);
	sprintf(out, "%.*s%s%s", (int)(at - text), text, new, at + strlen(old));
	free(text);
	return out;
}

/*
 * The reference garden with quick sensors (a run starts and ends within
 * milliseconds, so a round holds many state writes) and without stop_at,
 * so that nothing but a request ends a run early.
 */
static void write_config(const char *path)
{
	char *text = read_file("etc/irrigd.conf");
	FILE *f;

	assert_non_null(text);
	for (int i = 0; i < 5; i++)
		text = replace(text, "settle_ms = 50", "settle_ms = 0");
	for (int i = 0; i < 2; i++)
		text = replace(text, "data_rate = 250", "data_rate = 860");
	text = replace(text, "stop_at = 75.0;", "");
	/* Runs open one after another within a round, for many state writes. */
	text = replace(text, "min_switch_interval = \"2s\"",
		       "min_switch_interval = \"0s\"");
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(text);
}

static void print_log(const char *path)
{
	char *text = read_file(path);

	fprintf(stderr, "%s:\n%s\n", path, text ? text : "(none)");
	free(text);
}

/* Plain irrigd, never under valgrind, each start with a log of its own. */
static void start_daemon(struct test_daemon *d)
{
	const char *why;

	if (!d->dir[0]) {
		test_daemon_prepare(d, "crash");
		d->plain = true;
		write_config(d->config);
	}
	snprintf(d->log, sizeof(d->log), "%s/irrigd.%d.log", d->dir, starts++);
	why = test_daemon_try_spawn(d, NULL, NULL);
	if (why) {
		print_log(d->log);
		check(false, "irrigd did not start: %s", why);
	}
}

/* One request on a new connection; the whole reply. */
static char *ask(const struct test_daemon *d, const char *req)
{
	int fd = try_connect(d->socket);
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap);
	int64_t end = now_ms() + 30000;

	assert_non_null(buf);
	check(fd >= 0, "cannot connect to %s: %s", d->socket, strerror(errno));
	assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL),
			 (ssize_t)strlen(req));
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		buf[len] = '\0';
		if ((len >= 3 && strcmp(buf + len - 3, "OK\n") == 0) ||
		    strstr(buf, "ERR "))
			break;
		check(poll(&p, 1, (int)(end - now_ms())) == 1,
		      "no reply to '%s' within 30 s", req);
		if (len + 4096 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		check(n > 0, "connection closed during the reply to '%s'", req);
		len += (size_t)n;
	}
	close(fd);
	return buf;
}

/* The state directory holds no file set aside as broken. */
static void assert_nothing_set_aside(const struct test_daemon *d)
{
	DIR *dir = opendir(d->state);
	struct dirent *e;

	if (!dir)
		return;		/* not made yet: nothing was written */
	while ((e = readdir(dir))) {
		size_t n = strlen(e->d_name);

		check(n < 4 || strcmp(e->d_name + n - 4, ".bad") != 0,
		      "%s/%s: irrigd found a broken state file after the kill",
		      d->state, e->d_name);
	}
	closedir(dir);
}

/* The history file, parsed by the daemon's own parser; false if none. */
static bool load_history_file(const struct test_daemon *d, struct history *h)
{
	char path[192], err[160] = "";
	int fd;
	struct stat st;
	char *text;
	ssize_t got;

	snprintf(path, sizeof(path), "%s/history", d->state);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		history_init(h);
		return false;
	}
	check(fd >= 0, "%s: %s", path, strerror(errno));
	assert_int_equal(fstat(fd, &st), 0);
	text = malloc((size_t)st.st_size + 1);
	assert_non_null(text);
	got = read(fd, text, (size_t)st.st_size);
	close(fd);
	check(got == st.st_size, "%s: short read", path);
	check(history_parse(text, (size_t)got, h, err, sizeof(err)) == 0,
	      "%s does not parse after the kill: %s", path, err);
	free(text);
	return true;
}

/* What a round asks for, in order. */
enum op { OP_SHORT, OP_LONG, OP_SKIP, OP_STOP, OP_PAUSE, OP_RESUME };

static const char *const op_line[] = {
	[OP_SHORT] = "water 1s --no-wait\n",
	[OP_LONG] = "water 30m --no-wait\n",
	[OP_SKIP] = "skip\n",
	[OP_STOP] = "stop\n",
	[OP_PAUSE] = "pause 1h\n",
	[OP_RESUME] = "resume\n",
};

#define PLAN_MAX 12

struct plan {
	enum op ops[PLAN_MAX];
	int wait_ms[PLAN_MAX];	/* before each */
	int n;
	int kill_ms;		/* after the round started */
};

/*
 * One to three short runs, each perhaps skipped or stopped, rain delays
 * set and lifted between, then the long run; the kill at any moment from
 * the first request to a little after the last.
 */
static void make_plan(struct plan *p)
{
	int shorts = 1 + rng_below(3), total = 0;

	p->n = 0;
	for (int i = 0; i < shorts; i++) {
		p->ops[p->n++] = OP_SHORT;
		switch (rng_below(4)) {
		case 0:
		case 1:
			p->ops[p->n++] = OP_SKIP;
			break;
		case 2:
			p->ops[p->n++] = OP_STOP;
			break;
		default:
			break;	/* left to run: the next one queues */
		}
		if (rng_below(3) == 0)
			p->ops[p->n++] = rng_below(2) ? OP_PAUSE : OP_RESUME;
	}
	/* Nothing after it: no skip or stop can end the long run. */
	p->ops[p->n++] = OP_LONG;
	for (int i = 0; i < p->n; i++) {
		p->wait_ms[i] = i ? rng_below(STEP_MAX_MS + 1) : 0;
		total += p->wait_ms[i];
	}
	p->kill_ms = rng_below(total + 30);
}

/* What the killed daemon logged: the runs it started and ended. */
struct logged {
	int started, ended;
	uint32_t planned[PLAN_MAX];	/* of each started run, in order */
	int rain_logged;		/* rain delays set or lifted */
};

static void read_log(const char *path, struct logged *l)
{
	char *text = read_file(path), *line;

	assert_non_null(text);
	memset(l, 0, sizeof(*l));
	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, "Watering garden for ", 20) == 0) {
			check(l->started < PLAN_MAX, "too many runs started");
			l->planned[l->started++] =
				strncmp(line + 20, "30 minutes", 10) == 0 ? LONG_RUN_S : 1;
		} else if (strncmp(line, "Watered garden for ", 19) == 0 &&
			   strstr(line, "not kept in the history")) {
			/* Stopped in its first second: out of the history. */
			check(l->started > 0, "a run left out that never started");
			l->started--;
		} else if (strncmp(line, "Watered garden for ", 19) == 0) {
			l->ended++;
		} else if (strncmp(line, "Programs held until ", 20) == 0 ||
			   strncmp(line, "Programs resumed", 16) == 0) {
			l->rain_logged++;
		}
	}
	free(text);
}

static bool same_entry(const struct history_entry *a, const struct history_entry *b)
{
	return a->id == b->id && a->started == b->started &&
	       strcmp(a->zone, b->zone) == 0 && strcmp(a->source, b->source) == 0 &&
	       a->planned_s == b->planned_s && a->actual_s == b->actual_s &&
	       a->litres == b->litres && a->outcome == b->outcome;
}

/* How often each case came up, to show the kills landed where they should. */
static struct {
	int before_any_run, during_short, during_long, between_runs;
	int inside_a_write, rain_changes;
} tally;

/*
 * After the kill and the restart: the new history is the old one (less
 * what rotated out) and this round's runs, in the order they started,
 * all ended but the last, which is interrupted if it was watering.
 */
static void check_history(const struct test_daemon *d, const struct history *before,
			  const struct history *after, const struct logged *l)
{
	size_t n_new = 0, first_new, len = history_len(after);
	uint32_t last_old_id = before->next_id - 1;
	const struct history_entry *last;
	char *reply, *log;
	int finals = 0;

	/* Nothing recorded before is lost or changed. */
	check(len > 0 || !history_len(before), "the history of %zu runs is gone",
	      history_len(before));
	for (size_t i = 0; i < history_len(before); i++) {
		const struct history_entry *old = history_at(before, i);
		const struct history_entry *now = history_find((struct history *)after,
							       old->id);

		check(now || old->id < history_at(after, 0)->id,
		      "run %u was in the history before the kill, and is gone", old->id);
		check(!now || same_entry(old, now),
		      "run %u changed in the history across the kill", old->id);
	}
	check(after->next_id >= before->next_id, "next_id went back from %u to %u",
	      before->next_id, after->next_id);
	while (n_new < len && history_at(after, len - 1 - n_new)->id > last_old_id)
		n_new++;
	first_new = len - n_new;
	/* A logged start was saved first; at most one more was saved unlogged. */
	check((int)n_new >= l->started && (int)n_new <= l->started + 1,
	      "%d runs started (logged), %zu new in the history", l->started, n_new);
	for (size_t i = 0; i < n_new; i++) {
		const struct history_entry *e = history_at(after, first_new + i);

		if ((int)i < l->started)
			check(e->planned_s == l->planned[i],
			      "run %u planned %u s; the %zuth run to start was "
			      "for %u s", e->id, e->planned_s, i + 1, l->planned[i]);
		else
			check(e->planned_s == 1 || e->planned_s == LONG_RUN_S,
			      "run %u planned %u s: nothing asked for that",
			      e->id, e->planned_s);
		check(e->id == last_old_id + 1 + i, "run ids not consecutive: %u",
		      e->id);
		if (e->outcome != RUN_SHUTDOWN) {
			check(finals == (int)i, "run %u ended after run %u was left "
			      "interrupted", e->id, e->id - 1);
			finals++;
		}
		/* Only one run waters at a time: only the newest can be cut short. */
		check(e->outcome != RUN_SHUTDOWN || i == n_new - 1,
		      "run %u is interrupted, but run %u started after it",
		      e->id, e->id + 1);
	}
	/* A logged end was saved first; at most one more was saved unlogged. */
	check(finals >= l->ended && finals <= l->ended + 1,
	      "%d runs ended (logged), %d ended in the history", l->ended, finals);

	if (!n_new) {
		tally.before_any_run++;
		return;
	}
	last = history_at(after, len - 1);
	if (last->planned_s == LONG_RUN_S) {
		/* Nothing could end it: it was watering when irrigd died. */
		check(last->outcome == RUN_SHUTDOWN, "the 30m run, watering when "
		      "irrigd was killed, is recorded as %s",
		      run_outcome_name(last->outcome));
		tally.during_long++;
	} else if (last->outcome == RUN_SHUTDOWN) {
		tally.during_short++;
	} else {
		tally.between_runs++;
	}
	if (last->outcome == RUN_SHUTDOWN) {
		/* Recorded when it started: no time, no water yet. */
		check(last->actual_s == 0 && last->litres == 0.0,
		      "the interrupted run %u says %u s, %.3f L", last->id,
		      last->actual_s, last->litres);
	}
	/* What a user sees: irrigctl history and the daemon's log. */
	reply = ask(d, "history 1\n");
	check(strstr(reply, last->outcome == RUN_SHUTDOWN ? " interrupted\n" :
		     run_outcome_name(last->outcome)) != NULL,
	      "irrigctl history 1 says '%s'; the file says %s", reply,
	      run_outcome_name(last->outcome));
	free(reply);
	log = read_file(d->log);
	assert_non_null(log);
	check((strstr(log, "the last run, of zone garden, was interrupted") != NULL) ==
	      (last->outcome == RUN_SHUTDOWN),
	      "the restarted daemon's log and the history disagree on whether "
	      "the last run was interrupted:\n%s", log);
	free(log);
}

/*
 * The rain delay after the restart is as the last request for one that
 * the killed daemon logged left it (before any: as it was before the
 * round), or as the next one left it (saved, not yet logged).  Returns
 * it: held or not.
 */
static bool check_rain_delay(const struct test_daemon *d, bool before,
			     const struct logged *l, const struct plan *p)
{
	time_t until = 0;
	int r = state_load_rain_delay(d->state, &until), seen = 0;
	bool held, logged = before, next = before, has_next = false;
	char *reply;

	check(r == 0 || r == -ENOENT, "%s/rain-delay does not parse after the "
	      "kill: %s", d->state, strerror(-r));
	held = r == 0 && until > time(NULL);
	for (int i = 0; i < p->n; i++) {
		if (p->ops[i] != OP_PAUSE && p->ops[i] != OP_RESUME)
			continue;
		if (seen < l->rain_logged) {
			logged = p->ops[i] == OP_PAUSE;
		} else if (!has_next) {
			next = p->ops[i] == OP_PAUSE;
			has_next = true;
		}
		seen++;
	}
	check(l->rain_logged <= seen, "%d rain delays logged, %d asked for",
	      l->rain_logged, seen);
	check(held == logged || (has_next && held == next),
	      "the rain delay is %s after the restart; the last one logged "
	      "left it %s", held ? "set" : "lifted", logged ? "set" : "lifted");
	/* What a user sees. */
	reply = ask(d, "status\n");
	check((strstr(reply, "Rain delay: programs held until ") != NULL) == held,
	      "status says '%s', the rain-delay file says %s", reply,
	      held ? "held" : "not held");
	free(reply);
	tally.rain_changes += held != before;
	return held;
}

/* A temporary file of an atomic write left behind: the kill landed in it. */
static bool write_in_progress(const struct test_daemon *d)
{
	char path[192];
	bool found = false;

	for (int i = 0; i < 2 && !found; i++) {
		snprintf(path, sizeof(path), "%s/.%s.tmp", d->state,
			 i ? "rain-delay" : "history");
		found = access(path, F_OK) == 0;
	}
	return found;
}

/* Sends the plan's requests at their moments; SIGKILL at the kill's. */
static void play_and_kill(struct test_daemon *d, const struct plan *p)
{
	int fd = try_connect(d->socket), status;
	int64_t start = now_ms(), at = start;

	check(fd >= 0, "cannot connect: %s", strerror(errno));
	for (int i = 0; i < p->n; i++) {
		const char *line = op_line[p->ops[i]];

		at += p->wait_ms[i];
		if (at > start + p->kill_ms)
			break;
		while (now_ms() < at)
			sleep_ms(1);
		/* Replies are never read: the daemon's buffer holds them. */
		check(send(fd, line, strlen(line), MSG_NOSIGNAL) == (ssize_t)strlen(line),
		      "send: %s", strerror(errno));
	}
	while (now_ms() < start + p->kill_ms)
		sleep_ms(1);
	kill(d->pid, SIGKILL);
	assert_int_equal(waitpid(d->pid, &status, 0), d->pid);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "irrigd had exited before the kill (status %d)", status);
	close(fd);
}

static void test_kill_at_any_moment(void **state)
{
	struct history *before = malloc(sizeof(*before)),
		       *after = malloc(sizeof(*after));
	const char *env = getenv("IRRIGD_CRASH_SEED");
	bool held = false;

	(void)state;
	assert_non_null(before);
	assert_non_null(after);
	seed = env && *env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^
		((uint64_t)getpid() << 32);
	rng_state = seed ? seed : 1;
	fprintf(stderr, "seed %" PRIu64 " (IRRIGD_CRASH_SEED=%" PRIu64
		" plays the same rounds)\n", seed, seed);
	history_init(before);
	start_daemon(&crashing);
	for (round_no = 1; round_no <= ROUNDS; round_no++) {
		struct plan p;
		struct logged l;
		char killed_log[160];

		make_plan(&p);
		play_and_kill(&crashing, &p);
		snprintf(killed_log, sizeof(killed_log), "%s", crashing.log);
		read_log(killed_log, &l);
		tally.inside_a_write += write_in_progress(&crashing);
		start_daemon(&crashing);
		assert_nothing_set_aside(&crashing);
		{
			char *log = read_file(crashing.log);

			assert_non_null(log);
			check(!strstr(log, "empty run history") &&
			      !strstr(log, "rain-delay"),
			      "irrigd did not take its own state back:\n%s", log);
			free(log);
		}
		check(load_history_file(&crashing, after) || !l.started,
		      "%d runs started, and there is no history file", l.started);
		check_history(&crashing, before, after, &l);
		held = check_rain_delay(&crashing, held, &l, &p);
		memcpy(before, after, sizeof(*after));
		unlink(killed_log);
	}
	fprintf(stderr, "%d kills: %d before the first run started, %d while a "
		"1 s run watered, %d while the 30 min run watered, %d between runs; "
		"%d inside a state file's write; the rain delay changed %d times\n",
		ROUNDS, tally.before_any_run, tally.during_short, tally.during_long,
		tally.between_runs, tally.inside_a_write, tally.rain_changes);
	free(before);
	free(after);
	all_rounds_passed = true;
}

/* Pass or fail, the last daemon goes; its files stay after a failure. */
static int teardown(void **state)
{
	char cmd[128];
	int status = 0;

	(void)state;
	if (crashing.pid > 0 && waitpid(crashing.pid, &status, WNOHANG) == 0) {
		kill(crashing.pid, SIGTERM);
		waitpid(crashing.pid, &status, 0);
	}
	if (crashing.dir[0] && all_rounds_passed) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", crashing.dir);
		return system(cmd) == 0 ? 0 : -1;
	}
	if (crashing.dir[0])
		fprintf(stderr, "its files are kept in %s\n", crashing.dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_kill_at_any_moment, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("crash", tests, NULL, NULL);
}
