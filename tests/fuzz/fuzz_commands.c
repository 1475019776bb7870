/* libFuzzer harness: commands_handle() on request lines, against real daemons on the simulated garden (the shipped config, and one at every limit), with well-formed replies and every valve closed after each input. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/proto.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "../json_check.h"
#include "fuzz.h"
#include "hw/garden.h"

/*
 * The socket side of src/daemon/server.c is replaced here, at link time:
 * the harness defines every function of it the rest of the daemon calls,
 * so the linker takes no server.o from libirrigd-daemon.a.  Everything else is
 * the real daemon: config, sim hardware, controller, watering, scheduler,
 * reload, logging.  The log goes to stderr, which libFuzzer is told to
 * close (-close_fd_mask=2) unless IRRIGD_FUZZ_VERBOSE is set; failed
 * invariants are told on a copy of stderr taken before.
 */

/* At most this many requests per input, so each input stays fast. */
#define LINES_MAX 16

#ifndef FUZZ_SOURCE_DIR
#define FUZZ_SOURCE_DIR "."
#endif

/* One client, talking to the daemon in order, as server.c would drive it. */
struct client {
	uint32_t waiting_for;	/* a run's id, 0 none */
	uint32_t waiting_last;	/* a program's runs: waiting_for to this */
	unsigned runs_left;	/* ... until this many ended */
	sample_render_fn *sample_render;	/* waits for a sample */
	char then[256];		/* water --no-wait's reply, once started */
	size_t then_len;
	bool json;
	bool read_only;		/* on the read-only socket, this input */
	char *reply;		/* everything sent since the last check */
	size_t len, size;
};

/* A daemon with its own config and state directory. */
struct garden_daemon {
	struct daemon *d;
	char dir[96], config_path[128];
};

#define N_GARDENS 2
#define LIMITS_LINE "#limits"
#define READ_ONLY_BYTE '!'
static const struct scheduler_calls scheduler_calls = {
	.carry_out = watering_carry_out,
	.status_changed = watering_set_status,
};
static const struct smart_calls smart_calls = {
	.carry_out = watering_carry_out,
	.cancel_run = watering_cancel,
	.status_changed = watering_set_status,
	.clock_synced = scheduler_clock_synced,
};
static struct garden_daemon gardens[N_GARDENS];
static char top_dir[64];
static struct daemon *d;	/* the one this input talks to */
static struct client client;
static bool verbose;

/* ---- the server.c functions the daemon calls ---- */

void client_send(struct client *c, const char *data, size_t len)
{
	if (!len)
		return;
	FUZZ_CHECK(data && memchr(data, '\0', len) == NULL, "reply has a NUL byte");
	if (c->len + len + 1 > c->size) {
		size_t size = (c->len + len + 1) * 2;
		char *grown = realloc(c->reply, size);

		if (!grown)
			abort();
		c->reply = grown;
		c->size = size;
	}
	memcpy(c->reply + c->len, data, len);
	c->len += len;
	c->reply[c->len] = '\0';
}

void client_wait_for_run(struct client *c, uint32_t id, bool json)
{
	c->waiting_for = id;
	c->waiting_last = id;
	c->runs_left = 1;
	c->json = json;
}

void client_wait_for_runs(struct client *c, uint32_t first, uint32_t last,
			  bool json)
{
	client_wait_for_run(c, first, json);
	c->waiting_last = last;
	c->runs_left = last - first + 1;
}

void client_stop_waiting(struct client *c)
{
	c->waiting_for = 0;
	c->sample_render = NULL;
	c->then_len = 0;
}

bool client_is_waiting(const struct client *c)
{
	return c->waiting_for != 0 || c->sample_render;
}

void client_wait_for_sample(struct client *c, sample_render_fn *render,
			    bool json, uint32_t pass)
{
	(void)pass;
	c->sample_render = render;
	c->json = json;
}

void client_reply_when_started(struct client *c, const char *reply, size_t len)
{
	FUZZ_CHECK(len <= sizeof(c->then), "a --no-wait reply of %zu bytes", len);
	memcpy(c->then, reply, len);
	c->then_len = len;
}

void server_sample_taken(struct server *server, struct daemon *dm,
			 const struct sample *sample, uint32_t pass)
{
	(void)pass;
	struct out *out;

	(void)server;
	if (!client.sample_render)
		return;
	out = malloc(sizeof(*out));
	if (!out)
		abort();
	out_init(out, client.json);
	client.sample_render(dm, out, sample);
	client_send(&client, out->buf, out->len);
	free(out);
	client_stop_waiting(&client);
}

/* An input that starts with READ_ONLY_BYTE comes on the read-only socket. */
bool client_read_only(const struct client *c)
{
	return c->read_only;
}

/* The one client is never a watcher: watch's reply is all it gets. */
void client_watch(struct client *c, bool json)
{
	(void)c;
	(void)json;
}

/* One client that never leaves: whether it owns its run changes nothing. */
void client_own_run(struct client *c, bool stop_at_eof)
{
	(void)c;
	(void)stop_at_eof;
}

/*
 * As server.c does: the one client, when it waits for a run, gets its
 * reply from each of the run's events, rendered by watering.
 */
static void on_event(void *userdata, const struct event *ev, const char *message)
{
	struct daemon *dm = userdata;
	enum run_reply rendered;
	struct out *out;

	(void)message;
	if (ev->run_id <= 0 || !client.waiting_for ||
	    (uint32_t)ev->run_id < client.waiting_for ||
	    (uint32_t)ev->run_id > client.waiting_last)
		return;
	out = malloc(sizeof(*out));
	if (!out)
		abort();
	out_init(out, client.json);
	rendered = watering_render_reply(dm, out, ev);
	if (rendered == RUN_REPLY_NO_WAIT && !client.then_len)
		rendered = RUN_REPLY_NONE;
	/* One of a program's runs ended, others follow: not the reply's end. */
	if (rendered == RUN_REPLY_LAST && --client.runs_left) {
		out_continue(out);
		rendered = RUN_REPLY_MORE;
	}
	if (rendered != RUN_REPLY_NONE)
		client_send(&client, out->buf, out->len);
	free(out);
	if ((rendered == RUN_REPLY_MORE || rendered == RUN_REPLY_NO_WAIT) &&
	    client.then_len) {
		client_send(&client, client.then, client.then_len);
		rendered = RUN_REPLY_LAST;
	}
	if (rendered == RUN_REPLY_LAST)
		client_stop_waiting(&client);
}

/* ---- replies ---- */

/* The request's reply so far is whole: lines, then one closing line. */
static void check_reply(const char *request, bool json)
{
	char *line = client.reply, *nl;
	bool closed = false;

	if (verbose)
		fprintf(stderr, "> %s\n%s", request, client.reply);
	FUZZ_CHECK(client.len > 0, "no reply to \"%s\"", request);
	FUZZ_CHECK(client.reply[client.len - 1] == '\n',
		   "reply to \"%s\" ends without a newline: %s", request, client.reply);
	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		FUZZ_CHECK(!closed, "reply to \"%s\" goes on after its last line: %s",
			   request, line);
		if (json) {
			FUZZ_CHECK(json_is_object_line(line),
				   "reply to \"%s\": not one JSON object: %s", request,
				   line);
			closed = strncmp(line, "{\"ok\":", 6) == 0;
		} else if (strcmp(line, "OK") == 0 || strncmp(line, "ERR ", 4) == 0) {
			const char *code = line + 4;

			if (line[0] == 'E')
				FUZZ_CHECK(code[0] && code[0] != ' ' && strchr(code, ' '),
					   "reply to \"%s\": %s", request, line);
			closed = true;
		} else {
			FUZZ_CHECK(strncmp(line, "- ", 2) == 0,
				   "reply to \"%s\": bad line \"%s\"", request, line);
		}
	}
	FUZZ_CHECK(closed, "reply to \"%s\" has no closing line", request);
	client.len = 0;
	client.reply[0] = '\0';
}

/* Runs whatever the event loop has ready now (the flow meter, due timers). */
static void pump(void)
{
	for (int i = 0; i < 8; i++)
		if (sd_event_run(d->event, 0) <= 0)
			break;
}

/*
 * The sensors are read from timers, in real time, up to seconds when
 * probes settle long (the limits garden): too slow to wait for in every
 * input.  What is fuzzed here is the commands and their replies, so a
 * request that waits for a reading gets the last pass's (the first pass
 * is waited for, once per daemon), and water --no-wait gets its reply as
 * if its valve had opened; its run goes on, and the next lines meet it
 * deciding, as a client of the real server could.
 */
static void answer_waits(void)
{
	if (client.sample_render) {
		for (int i = 0; i < 300 && !sampler_latest(d); i++)
			if (sd_event_run(d->event, 100000) < 0)
				break;
		FUZZ_CHECK(sampler_latest(d) != NULL, "the sensors were never read");
		server_sample_taken(NULL, d, sampler_latest(d), 0);
	}
	if (client.then_len) {
		client_send(&client, client.then, client.then_len);
		client_stop_waiting(&client);
	}
}

/* Ends whatever runs; the waiting client gets its summary. */
static void stop_everything(void)
{
	struct garden *g = hardware_garden(d->hw);
	struct garden_faults injected;

	watering_stop(d, RUN_STOPPED);
	pump();
	FUZZ_CHECK(!client_is_waiting(&client), "client still waits for run %u",
		   client.waiting_for);
	FUZZ_CHECK(!ctl_current(&d->ctl) && ctl_queue_len(&d->ctl) == 0 &&
		   ctl_soaking_len(&d->ctl) == 0, "something still runs after a stop");
	garden_get_faults(g, &injected);
	/* A valve made to stick (sim valve ZONE stuck) cannot be closed. */
	for (size_t z = 0; z < d->cfg.n_zones; z++)
		FUZZ_CHECK(!garden_zone_open(g, (int)z) || injected.valve_stuck[z],
			   "zone %zu open after a stop", z);
}

/* ---- set-up: two daemons, the shipped garden and one at every limit ---- */

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text;
	long size;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		perror(path);
		exit(1);
	}
	text = calloc(1, (size_t)size + 1);
	if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
		perror(path);
		exit(1);
	}
	fclose(f);
	return text;
}

/* Replaces every from with to (the same length or shorter) in text. */
static void replace(char *text, const char *from, const char *to)
{
	size_t lf = strlen(from), lt = strlen(to);
	char *p;

	while ((p = strstr(text, from))) {
		memcpy(p, to, lt);
		memmove(p + lt, p + lf, strlen(p + lf) + 1);
	}
}

/*
 * A copy of config in the garden's state directory, with probes that need
 * no settling time and ADCs at their fastest rate: a reading takes a few
 * milliseconds, not 80.
 */
static void write_config(struct garden_daemon *g, const char *config)
{
	char *text = read_all(config);
	FILE *f;

	replace(text, "settle_ms = 50", "settle_ms = 0");
	replace(text, "data_rate = 250", "data_rate = 860");
	snprintf(g->config_path, sizeof(g->config_path), "%s/irrigd.conf", g->dir);
	f = fopen(g->config_path, "we");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(g->config_path);
		exit(1);
	}
	free(text);
}

static void remove_dirs(void)
{
	static const char *const names[] = {
		"irrigd.conf", "history", "rain-delay", ".history.tmp",
		".rain-delay.tmp", NULL
	};
	char path[160];

	for (size_t i = 0; i < N_GARDENS; i++) {
		for (size_t n = 0; names[n]; n++) {
			snprintf(path, sizeof(path), "%s/%s", gardens[i].dir, names[n]);
			unlink(path);
		}
		rmdir(gardens[i].dir);
	}
	rmdir(top_dir);
}

/* A daemon as main.c sets it up, but for the socket. */
static void start_daemon(struct garden_daemon *g, const char *name,
			 const char *config)
{
	struct daemon *dm;
	char err[512];

	snprintf(g->dir, sizeof(g->dir), "%s/%s", top_dir, name);
	if (mkdir(g->dir, 0700) < 0) {
		perror(g->dir);
		exit(1);
	}
	write_config(g, config);
	dm = g->d = calloc(1, sizeof(*dm));
	if (!dm)
		exit(1);
	dm->config_path = g->config_path;
	dm->state_dir = g->dir;
	dm->sim = true;
	dm->started_ns = daemon_now();
	if (config_load(g->config_path, &dm->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_commands: %s\n", err);
		exit(1);
	}
	history_init(&dm->history);
	if (hardware_open(&dm->cfg, true, &dm->hw) < 0 ||
	    sd_event_new(&dm->event) < 0 || saving_init(dm) < 0 ||
	    watering_init(dm) < 0 ||
	    scheduler_init(dm, &scheduler_calls) < 0 ||
	    event_subscribe(on_event, dm) < 0) {
		fprintf(stderr, "fuzz_commands: cannot set up the daemon for %s\n",
			config);
		exit(1);
	}
	/*
	 * No smart_init: it would keep a weather file in the state directory.
	 * sim day-end and sim rain still reach smart, which hands up through
	 * the calls main.c registers.
	 */
	dm->smart.calls = &smart_calls;
}

/*
 * The daemon logs every request to stderr: thousands of lines a second.
 * libFuzzer closes stderr with -close_fd_mask=2, keeping a copy for its
 * own output and the sanitizers'; failed invariants get another copy.
 */
static void quiet_log(int *argc, char ***argv)
{
	static const char flag[] = "-close_fd_mask=2";
	char **args;
	int fd = dup(STDERR_FILENO);

	fuzz_report = fd < 0 ? NULL : fdopen(fd, "w");
	if (!fuzz_report || !argc || !argv)
		return;
	for (int i = 1; i < *argc; i++)
		if (strncmp((*argv)[i], "-close_fd_mask=", 15) == 0)
			return;
	args = calloc((size_t)*argc + 2, sizeof(*args));
	if (!args)
		exit(1);
	memcpy(args, *argv, (size_t)*argc * sizeof(*args));
	/* Flags come before the corpus directories; argv[0] stays. */
	memmove(args + 2, args + 1, (size_t)(*argc - 1) * sizeof(*args));
	args[1] = (char *)flag;
	*argv = args;
	(*argc)++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	const char *shipped = getenv("IRRIGD_FUZZ_CONFIG");
	char shipped_path[512], limits_path[512];

	verbose = getenv("IRRIGD_FUZZ_VERBOSE") != NULL;
	if (!verbose)
		quiet_log(argc, argv);
	if (!shipped) {
		snprintf(shipped_path, sizeof(shipped_path), "%s/etc/irrigd.conf",
			 FUZZ_SOURCE_DIR);
		shipped = shipped_path;
	}
	snprintf(limits_path, sizeof(limits_path), "%s/tests/fuzz/limits.conf",
		 FUZZ_SOURCE_DIR);
	/* State directories: history and rain-delay are written, in memory. */
	snprintf(top_dir, sizeof(top_dir), "%s/irrigd-fuzz-commands.XXXXXX", tmp);
	if (!mkdtemp(top_dir)) {
		perror(top_dir);
		exit(1);
	}
	atexit(remove_dirs);
	/* Local times in replies and the schedule are those of one zone. */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	start_daemon(&gardens[0], "shipped", shipped);
	start_daemon(&gardens[1], "limits", limits_path);
	client.size = 4096;
	client.reply = calloc(1, client.size);
	if (!client.reply)
		exit(1);
	return 0;
}

/*
 * Whether line is a command that changes something, which the read-only
 * socket must refuse before its handler runs.
 */
static bool changes_something(const char *line)
{
	char *copy = strdup(line);
	struct request req;
	const char *code, *message;
	bool changes;

	if (!copy)
		abort();
	changes = proto_parse(copy, &req, &code, &message) == 0 &&
		  (cmd_specs[req.cmd].flags & CMD_CHANGES);
	free(copy);
	return changes;
}

/*
 * On the read-only socket a change gets the refusal and nothing else: the
 * refusal and the handler's call are the two arms of one if in
 * commands_handle(), so any other reply means the handler ran.
 */
static void check_refused(const char *request, bool json)
{
	static const char text[] = "ERR " ERR_PERMISSION " ",
		json_text[] = "{\"ok\":false,\"error\":{\"code\":\"" ERR_PERMISSION "\"";
	const char *want = json ? json_text : text;

	FUZZ_CHECK(strncmp(client.reply, want, strlen(want)) == 0 &&
		   strchr(client.reply, '\n') == client.reply + client.len - 1,
		   "\"%s\" on the read-only socket ran its handler: %s", request,
		   client.reply);
}

/* "--json" as the first word: how proto_parse decides, and server.c too. */
static bool wants_json(const char *line)
{
	line += strspn(line, " \t");
	return strncmp(line, "--json", 6) == 0 &&
	       (line[6] == ' ' || line[6] == '\t' || line[6] == '\0');
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	size_t pos = 0;

	/*
	 * A first line "#limits" picks the garden at every limit (16 zones,
	 * long names, 16 programs); else it is the shipped one.
	 */
	d = gardens[0].d;
	if (size > strlen(LIMITS_LINE) &&
	    memcmp(data, LIMITS_LINE "\n", strlen(LIMITS_LINE) + 1) == 0) {
		d = gardens[1].d;
		pos = strlen(LIMITS_LINE) + 1;
	}
	/* A first byte READ_ONLY_BYTE: the client is on the read-only socket. */
	client.read_only = pos < size && data[pos] == READ_ONLY_BYTE;
	if (client.read_only)
		pos++;
	/* Each input starts from the same daemon state. */
	history_init(&d->history);
	d->sched.rain_delay_until = 0;
	for (int n = 0; n < LINES_MAX && pos < size; n++) {
		const unsigned char *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		char *line, request[80];
		bool json, refused;

		/* server.c: a NUL byte or an over-long line never gets here. */
		if (len >= PROTO_LINE_MAX || memchr(data + pos, '\0', len)) {
			pos += len + 1;
			continue;
		}
		/* Exactly the line, so ASan sees a read past it. */
		line = malloc(len + 1);
		if (!line)
			abort();
		memcpy(line, data + pos, len);
		line[len] = '\0';
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';	/* socat and telnet send CRLF */
		snprintf(request, sizeof(request), "%s", line);
		json = wants_json(line);
		refused = client.read_only && changes_something(line);
		commands_handle(d, &client, line, "uid 0 pid 1");
		free(line);
		pump();
		answer_waits();
		/*
		 * A run holds its client's next request until it ends: end it
		 * now, as a stop from another client would.  A run started with
		 * --no-wait goes on, for the next requests to meet.
		 */
		if (client_is_waiting(&client))
			stop_everything();
		if (refused)
			check_refused(request, json);
		check_reply(request, json);
		pos += len + 1;
	}
	stop_everything();
	FUZZ_CHECK(client.len == 0, "unasked output: %s", client.reply);
	/* The next input starts on a sound garden, every valve written shut. */
	garden_clear_faults(hardware_garden(d->hw));
	hardware_all_off(d->hw);
	pump();
	d->sched.rain_delay_until = 0;
	return 0;
}
