/* The control socket: clients, line framing, bounded output queues. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "core/proto.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/log.h"

/* A client that lets this much output pile up unread is dropped. */
#define CLIENT_OUT_MAX (64 * 1024)
/* Reads from one client per wake-up, so a fast writer cannot hog the loop. */
#define CLIENT_READS_MAX 16
/*
 * Requests are short: a line up to this long fits in the client itself;
 * a longer one gets PROTO_LINE_MAX from the heap while it is there, so
 * a connection costs about 1 KiB, not 5.
 */
#define CLIENT_IN_INLINE 256
/* Out of file descriptors: how long to stop accepting before trying again. */
#define ACCEPT_PAUSE_USEC (250 * 1000)
/*
 * A watcher's bound: events it has not read, here and in the socket.
 * One that falls further behind is dropped, never waited for.
 */
#define WATCH_OUT_MAX (32 * 1024)
#define WATCH_SNDBUF (32 * 1024)
/* How long a dropped watcher has to read its last line: a stopped one may go on. */
#define WATCH_LINGER_USEC (60 * 1000 * 1000)
/* One event's line, text or JSON. */
#define WATCH_LINE_MAX 2048

struct client {
	struct server *server;
	/* Accepted on the read-only socket: commands that change nothing only. */
	bool read_only;
	struct client *prev, *next;
	int fd;
	sd_event_source *io;
	sd_event_source *resume;	/* runs requests queued while waiting */
	char *in;		/* in_inline, or PROTO_LINE_MAX on the heap */
	size_t in_len, in_size;
	bool discarding;	/* the rest of an over-long line */
	char *out;		/* what the socket did not take yet */
	size_t out_len, out_size;
	uint32_t waiting_for;	/* a run's id: its reports come here; 0 none */
	sample_render_fn *sample_render;	/* its reply waits for a sample */
	uint32_t sample_pass;			/* the pass it waits for */
	/* water --no-wait: its OK, sent once its run starts. */
	char then[256];
	size_t then_len;
	bool owns_run;		/* waiting_for stops when this client leaves */
	bool stop_at_eof;	/* ... or when it ends its input */
	bool json;
	bool dead;
	bool watching;		/* gets every event (watch) */
	bool closing;		/* a dropped watcher: its last line, then gone */
	sd_event_source *linger;	/* ... or gone after a while anyway */
	char who[64];
	char in_inline[CLIENT_IN_INLINE];
};

/* A listening socket: the control socket, or the read-only one. */
struct listener {
	struct server *server;
	int fd;
	bool read_only;		/* its clients may change nothing */
	bool bound;		/* we made the socket file: remove it at exit */
	char path[CONFIG_SOCKET_PATH_MAX];
	sd_event_source *accept_source;
	sd_event_source *accept_retry;	/* while accepting is paused */
	bool accept_failing;	/* logged once per spell of failures */
};

/* The control socket first, then the read-only one when there is one. */
#define LISTENERS_MAX 2

struct server {
	struct daemon *daemon;
	const struct server_calls *calls;	/* registered at server_open */
	struct listener listeners[LISTENERS_MAX];
	size_t n_listeners;
	struct client *clients;
	size_t n_clients;
};

static void client_free(struct client *c)
{
	struct server *s = c->server;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	sd_event_source_disable_unref(c->io);
	sd_event_source_disable_unref(c->resume);
	sd_event_source_disable_unref(c->linger);
	close(c->fd);
	free(c->out);
	if (c->in != c->in_inline)
		free(c->in);
	free(c);
	/*
	 * The last one gone: what the connections used goes back to the
	 * system (glibc keeps freed memory below the heap's top otherwise);
	 * a few microseconds, at most once a connection.
	 */
	if (--s->n_clients == 0)
		malloc_trim(0);
}

static int on_resume(sd_event_source *src, void *userdata);

/*
 * Marks a client gone and frees it from the loop, not from inside whatever
 * called client_send: a command's handler may still hold it.
 */
static void client_kill(struct client *c)
{
	c->dead = true;
	if (!c->resume)
		sd_event_add_defer(c->server->daemon->event, &c->resume, on_resume, c);
}

static void update_events(struct client *c)
{
	uint32_t events = 0;

	/*
	 * While a run streams to it, or a reply waits for it to read, the
	 * client's next request waits: a client that sends many requests
	 * without reading stalls itself, not the daemon, and is not dropped.
	 */
	if (!client_is_waiting(c) && !c->out_len)
		events |= EPOLLIN;
	if ((c->waiting_for && c->stop_at_eof) || c->watching)
		events |= EPOLLRDHUP;
	if (c->out_len)
		events |= EPOLLOUT;
	sd_event_source_set_io_events(c->io, events);
}

static void flush_out(struct client *c)
{
	while (c->out_len) {
		ssize_t n = send(c->fd, c->out, c->out_len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			client_kill(c);	/* gone: EPIPE, ECONNRESET */
			return;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	if (c->closing && !c->out_len) {
		client_kill(c);
		return;
	}
	update_events(c);
}

void client_send(struct client *c, const char *data, size_t len)
{
	if (c->dead || !len)
		return;
	if (c->out_len + len > CLIENT_OUT_MAX) {
		log_msg(LOG_WARNING, "dropping client %s: it reads too slowly",
			c->who);
		client_kill(c);
		return;
	}
	/* Most replies go out at once: queue only what the socket refuses. */
	if (!c->out_len) {
		ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			client_kill(c);
			return;
		}
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		}
		if (!len)
			return;
	}
	if (c->out_len + len > c->out_size) {
		size_t size = c->out_len + len;
		char *grown = realloc(c->out, size);

		if (!grown) {
			client_kill(c);
			return;
		}
		c->out = grown;
		c->out_size = size;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	flush_out(c);
}

void client_wait_for_run(struct client *c, uint32_t id, bool json)
{
	c->waiting_for = id;
	c->json = json;
	c->owns_run = false;
	c->stop_at_eof = false;
	update_events(c);
}

void client_wait_for_sample(struct client *c, sample_render_fn *render,
			    bool json, uint32_t pass)
{
	c->sample_render = render;
	c->sample_pass = pass;
	c->json = json;
	update_events(c);
}

void client_reply_when_started(struct client *c, const char *reply, size_t len)
{
	if (len > sizeof(c->then))
		len = sizeof(c->then);
	memcpy(c->then, reply, len);
	c->then_len = len;
}

void client_own_run(struct client *c, bool stop_at_eof)
{
	c->owns_run = c->waiting_for != 0;
	c->stop_at_eof = c->owns_run && stop_at_eof;
	update_events(c);
}

/*
 * A foreground run lives as long as its client: a client killed, or cut
 * off with its terminal, must not leave the water running.  Runs others
 * asked for, and --no-wait runs, are not its to stop.
 */
static void stop_owned_run(struct client *c, const char *how)
{
	uint32_t id = c->owns_run ? c->waiting_for : 0;
	char why[128];

	c->owns_run = false;
	c->stop_at_eof = false;
	if (!id)
		return;
	snprintf(why, sizeof(why), "its client %s %s", c->who, how);
	c->server->calls->cancel_run(c->server->daemon, id, why);
}

void client_stop_waiting(struct client *c)
{
	c->then_len = 0;
	c->waiting_for = 0;
	c->sample_render = NULL;
	c->owns_run = false;
	c->stop_at_eof = false;
	update_events(c);
	/*
	 * Requests sent while it waited run from the loop, not from inside
	 * whatever walk of the client list ended the wait.
	 */
	if (c->in_len && !c->resume)
		sd_event_add_defer(c->server->daemon->event, &c->resume, on_resume, c);
}

bool client_is_waiting(const struct client *c)
{
	return c->waiting_for != 0 || c->sample_render || c->watching || c->closing;
}

/* ---- watchers ---- */

void client_watch(struct client *c, bool json)
{
	int size = WATCH_SNDBUF;

	/* The socket's share of the bound: the kernel holds no more than this. */
	setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	c->watching = true;
	c->json = json;
	update_events(c);
}

static int on_linger_end(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct client *c = userdata;

	(void)src;
	(void)usec;
	client_kill(c);
	return 0;
}

/*
 * A watcher that let WATCH_OUT_MAX pile up: said once in the journal,
 * then its last line after the one it was partway through, and it goes.
 */
static void drop_watcher(struct client *c)
{
	static const char text[] = "ERR too-slow this watcher read too slowly: "
		"events were lost, and it is dropped\n";
	static const char json[] = "{\"ok\":false,\"error\":{\"code\":"
		"\"too-slow\",\"message\":\"this watcher read too slowly: events "
		"were lost, and it is dropped\"}}\n";
	char *nl = memchr(c->out, '\n', c->out_len);

	log_msg(LOG_WARNING, "dropping watcher %s: it read too slowly, %zu bytes "
		"behind", c->who, c->out_len);
	c->watching = false;
	c->closing = true;
	if (nl)
		c->out_len = (size_t)(nl - c->out) + 1;
	if (sd_event_add_time_relative(c->server->daemon->event, &c->linger,
				       CLOCK_MONOTONIC, WATCH_LINGER_USEC, 0,
				       on_linger_end, c) < 0) {
		client_kill(c);
		return;
	}
	client_send(c, c->json ? json : text, c->json ? sizeof(json) - 1 :
		    sizeof(text) - 1);
}

/*
 * The clients waiting for ev's run get their reply to it, rendered once
 * per form from the record; a --no-wait client is done once its run has
 * started, the others at the run's last event.
 */
static void reply_to_waiters(struct server *s, const struct event *ev)
{
	/* Not on the heap, as commands.c says of its reply. */
	static struct out renders[2];			/* text, JSON */
	enum run_reply rendered[2] = { RUN_REPLY_NONE, RUN_REPLY_NONE };
	bool tried[2] = { false, false };
	struct client *c, *next;

	if (ev->run_id <= 0 || ev->run_id > UINT32_MAX)
		return;
	for (c = s->clients; c; c = next) {
		struct out *o = &renders[c->json];
		bool done;

		next = c->next;
		if (c->waiting_for != (uint32_t)ev->run_id)
			continue;
		if (!tried[c->json]) {
			out_init(o, c->json);
			rendered[c->json] = s->calls->render_reply(s->daemon, o, ev);
			tried[c->json] = true;
		}
		if (rendered[c->json] == RUN_REPLY_NONE ||
		    (rendered[c->json] == RUN_REPLY_NO_WAIT && !c->then_len))
			continue;
		/* A client this drops may be the one whose command runs now. */
		client_send(c, o->buf, o->len);
		done = rendered[c->json] == RUN_REPLY_LAST;
		if (!done && c->then_len && !c->dead) {
			/* Its run has started: a --no-wait request is done. */
			client_send(c, c->then, c->then_len);
			done = true;
		}
		if (done && !c->dead)
			client_stop_waiting(c);
	}
}

/*
 * event_emit's subscriber: each watcher gets the event's line, rendered
 * once per form, and the clients waiting for its run their reply.
 */
static void on_event(void *userdata, const struct event *ev, const char *message)
{
	/* Not on the heap, as commands.c says of its reply. */
	static char lines[2][WATCH_LINE_MAX];		/* text, JSON */
	struct server *s = userdata;
	size_t len[2] = { 0, 0 };
	time_t now = time(NULL);
	struct client *c, *next;

	for (c = s->clients; c; c = next) {
		next = c->next;
		if (!c->watching || c->dead)
			continue;
		if (!len[c->json])
			len[c->json] = event_render_line(ev, message, now, c->json,
							 lines[c->json],
							 sizeof(lines[0]));
		if (c->out_len + len[c->json] > WATCH_OUT_MAX)
			drop_watcher(c);
		else
			client_send(c, lines[c->json], len[c->json]);
	}
	reply_to_waiters(s, ev);
}

static void handle_lines(struct client *c)
{
	size_t start = 0;

	while (!client_is_waiting(c) && !c->dead && !c->out_len) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);

		if (!nl)
			break;
		*nl = '\0';
		if (memchr(c->in + start, '\0', (size_t)(nl - c->in) - start)) {
			static const char nul[] =
				"ERR bad-request request has a NUL byte\n";

			client_send(c, nul, sizeof(nul) - 1);
		} else {
			if (nl > c->in + start && nl[-1] == '\r')
				nl[-1] = '\0';	/* socat and telnet send CRLF */
			c->server->calls->handle(c->server->daemon, c, c->in + start,
						 c->who);
		}
		start = (size_t)(nl - c->in) + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	/* The long line is done: back to the client's own buffer. */
	if (c->in != c->in_inline && c->in_len <= sizeof(c->in_inline)) {
		memcpy(c->in_inline, c->in, c->in_len);
		free(c->in);
		c->in = c->in_inline;
		c->in_size = sizeof(c->in_inline);
	}
}

/* A line longer than the client's own buffer: PROTO_LINE_MAX for it. */
static int grow_input(struct client *c)
{
	char *big = malloc(PROTO_LINE_MAX);

	if (!big)
		return -ENOMEM;
	memcpy(big, c->in, c->in_len);
	c->in = big;
	c->in_size = PROTO_LINE_MAX;
	return 0;
}

static int on_resume(sd_event_source *src, void *userdata)
{
	struct client *c = userdata;

	(void)src;
	c->resume = sd_event_source_disable_unref(c->resume);
	if (!c->dead)
		handle_lines(c);
	if (c->dead) {
		stop_owned_run(c, "is gone");
		client_free(c);
	}
	return 0;
}

static void reject_long_line(struct client *c)
{
	/* Not on the heap, as commands.c says of its reply. */
	static struct out out;

	/* The line's start says whether its sender reads JSON. */
	out_init(&out, strncmp(c->in, "--json ", 7) == 0);
	out_err(&out, ERR_TOO_LONG, "request longer than %d bytes",
		PROTO_LINE_MAX - 1);
	client_send(c, out.buf, out.len);
	c->in_len = 0;
	c->discarding = true;
}

static void read_input(struct client *c)
{
	for (int reads = 0; reads < CLIENT_READS_MAX; reads++) {
		ssize_t n;

		if (client_is_waiting(c) || c->out_len || c->dead)
			return;
		n = recv(c->fd, c->in + c->in_len, c->in_size - c->in_len,
			 MSG_DONTWAIT);
		if (n == 0) {
			c->dead = true;
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				c->dead = true;
			return;
		}
		if (c->discarding) {
			char *nl = memchr(c->in, '\n', (size_t)n);

			if (!nl)
				continue;
			c->discarding = false;
			memmove(c->in, nl + 1, (size_t)(c->in + n - nl - 1));
			c->in_len = (size_t)(c->in + n - nl - 1);
		} else {
			c->in_len += (size_t)n;
		}
		handle_lines(c);
		if (c->dead || c->in_len < c->in_size ||
		    memchr(c->in, '\n', c->in_len))
			continue;
		if (c->in_size == PROTO_LINE_MAX)
			reject_long_line(c);
		else if (grow_input(c) < 0)
			c->dead = true;
	}
}

static int on_client(sd_event_source *src, int fd, uint32_t revents,
		     void *userdata)
{
	struct client *c = userdata;

	(void)src;
	(void)fd;
	if (!c->dead && (revents & EPOLLOUT)) {
		flush_out(c);
		/* Requests that waited for the reply before them go on now. */
		if (!c->dead && !c->out_len)
			handle_lines(c);
	}
	if (!c->dead && (revents & EPOLLIN))
		read_input(c);
	if (!c->dead && (revents & (EPOLLHUP | EPOLLERR)) && !(revents & EPOLLIN))
		c->dead = true;
	/* It reads on: the run's end reaches it, then its input's end. */
	if (!c->dead && (revents & EPOLLRDHUP) && c->stop_at_eof)
		stop_owned_run(c, "ended its input");
	if (!c->dead && (revents & EPOLLRDHUP) && c->watching)
		c->dead = true;	/* irrigctl watch interrupted */
	if (c->dead) {
		stop_owned_run(c, "is gone");
		client_free(c);
	}
	return 0;
}

static void describe_peer(struct client *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		snprintf(c->who, sizeof(c->who), "uid %u pid %d",
			 (unsigned)cred.uid, (int)cred.pid);
	else
		snprintf(c->who, sizeof(c->who), "unknown peer");
}

static int on_accept_retry(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct listener *l = userdata;

	(void)src;
	(void)usec;
	l->accept_retry = sd_event_source_disable_unref(l->accept_retry);
	sd_event_source_set_enabled(l->accept_source, SD_EVENT_ON);
	return 0;
}

/*
 * accept() failed for want of file descriptors or memory: the connection
 * stays queued and the socket stays readable, so accepting stops for a
 * while instead of spinning (and logging) until a client leaves.
 */
static void pause_accepting(struct listener *l, int err)
{
	if (!l->accept_failing)
		log_errno(LOG_WARNING, -err, "accept on %s: new clients wait "
			  "until some leave", l->path);
	l->accept_failing = true;
	if (sd_event_add_time_relative(l->server->daemon->event, &l->accept_retry,
				       CLOCK_MONOTONIC, ACCEPT_PAUSE_USEC, 0,
				       on_accept_retry, l) >= 0)
		sd_event_source_set_enabled(l->accept_source, SD_EVENT_OFF);
}

static int on_accept(sd_event_source *src, int fd, uint32_t revents,
		     void *userdata)
{
	struct listener *l = userdata;
	struct server *s = l->server;
	struct client *c;
	int cfd, r;

	(void)src;
	(void)revents;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			pause_accepting(l, errno);
		else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_errno(LOG_WARNING, -errno, "accept on %s", l->path);
		return 0;
	}
	if (l->accept_failing) {
		log_msg(LOG_INFO, "accepting new clients on %s again", l->path);
		l->accept_failing = false;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return 0;
	}
	c->server = s;
	c->read_only = l->read_only;
	c->fd = cfd;
	c->in = c->in_inline;
	c->in_size = sizeof(c->in_inline);
	describe_peer(c);
	r = sd_event_add_io(s->daemon->event, &c->io, cfd, EPOLLIN, on_client, c);
	if (r < 0) {
		log_errno(LOG_WARNING, r, "cannot watch a new client");
		close(cfd);
		free(c);
		return 0;
	}
	c->next = s->clients;
	if (c->next)
		c->next->prev = c;
	s->clients = c;
	s->n_clients++;
	return 0;
}

/* Another irrigd answering on path means we must not take it over. */
static bool socket_in_use(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool used;

	if (fd < 0)
		return false;
	used = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
	close(fd);
	return used;
}

static int bind_socket(struct listener *l, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return log_errno(LOG_ERR, -ENAMETOOLONG, "socket path %s", path);
	strcpy(addr.sun_path, path);
	if (socket_in_use(&addr))
		return log_errno(LOG_ERR, -EADDRINUSE,
				 "another irrigd already answers on %s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return log_errno(LOG_ERR, -errno, "socket");
	unlink(path);	/* a stale socket from a daemon that died */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;

		close(fd);
		return log_errno(LOG_ERR, err, "cannot bind %s", path);
	}
	l->bound = true;
	if (chmod(path, 0660) < 0 || listen(fd, SOMAXCONN) < 0) {
		int err = -errno;

		close(fd);
		return log_errno(LOG_ERR, err, "cannot listen on %s", path);
	}
	l->fd = fd;
	return 0;
}

int server_check_free(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (sd_listen_fds(0) > 0)
		return 0;	/* systemd holds the socket: nobody else has it */
	if (strlen(path) >= sizeof(addr.sun_path))
		return log_errno(LOG_ERR, -ENAMETOOLONG, "socket path %s", path);
	strcpy(addr.sun_path, path);
	if (socket_in_use(&addr))
		return log_errno(LOG_ERR, -EADDRINUSE,
				 "another irrigd already answers on %s; this one "
				 "leaves the hardware alone", path);
	return 0;
}

/* The name irrigd.socket gives the read-only socket (FileDescriptorName=). */
#define READ_ONLY_FD_NAME "read-only"

static struct listener *add_listener(struct server *s, const char *path,
				     bool read_only)
{
	struct listener *l = &s->listeners[s->n_listeners++];

	l->server = s;
	l->fd = -1;
	l->read_only = read_only;
	snprintf(l->path, sizeof(l->path), "%s", path);
	return l;
}

/*
 * The sockets systemd passed: the one named READ_ONLY_FD_NAME is the
 * read-only socket, any other the control socket (one of each at most).
 */
static int take_passed_sockets(struct server *s, const char *path,
			       const char *ro_path, int n, char **names)
{
	bool have[2] = { false, false };

	for (int i = 0; i < n; i++) {
		bool ro = names && names[i] && strcmp(names[i], READ_ONLY_FD_NAME) == 0;
		struct listener *l;

		if (have[ro] || s->n_listeners == LISTENERS_MAX) {
			log_msg(LOG_ERR, "expected from systemd one control socket and "
				"at most one named %s, got %d sockets", READ_ONLY_FD_NAME, n);
			return -EINVAL;
		}
		have[ro] = true;
		l = add_listener(s, ro ? (ro_path ? ro_path : "the read-only socket") :
				 path, ro);
		l->fd = SD_LISTEN_FDS_START + i;
		fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
	}
	if (!have[0]) {
		log_msg(LOG_ERR, "systemd passed no control socket, only the read-only one");
		return -EINVAL;
	}
	log_msg(LOG_INFO, "using the socket%s systemd passed, not binding %s",
		n > 1 ? "s" : "", path);
	return 0;
}

int server_open(struct daemon *d, const char *path, const char *ro_path,
		const struct server_calls *calls, struct server **out)
{
	struct server *s = calloc(1, sizeof(*s));
	char **names = NULL;
	int r, n;

	if (!s)
		return -ENOMEM;
	s->daemon = d;
	s->calls = calls;
	n = sd_listen_fds_with_names(1, &names);
	if (n > 0) {
		r = take_passed_sockets(s, path, ro_path, n, names);
	} else {
		r = bind_socket(add_listener(s, path, false), path);
		if (r >= 0 && ro_path)
			r = bind_socket(add_listener(s, ro_path, true), ro_path);
	}
	if (names)
		for (int i = 0; i < n; i++)
			free(names[i]);
	free(names);
	for (size_t i = 0; r >= 0 && i < s->n_listeners; i++) {
		struct listener *l = &s->listeners[i];

		r = sd_event_add_io(d->event, &l->accept_source, l->fd, EPOLLIN,
				    on_accept, l);
		if (r < 0)
			log_errno(LOG_ERR, r, "cannot watch %s", l->path);
	}
	if (r < 0) {
		server_close(s);
		return r;
	}
	event_subscribe(on_event, s);	/* the first subscriber: room for it */
	*out = s;
	return 0;
}

bool client_read_only(const struct client *c)
{
	return c->read_only;
}

void server_close(struct server *s)
{
	if (!s)
		return;
	event_unsubscribe(on_event, s);
	while (s->clients)
		client_free(s->clients);
	for (size_t i = 0; i < s->n_listeners; i++) {
		struct listener *l = &s->listeners[i];

		sd_event_source_disable_unref(l->accept_retry);
		sd_event_source_disable_unref(l->accept_source);
		if (l->fd >= 0)
			close(l->fd);
		if (l->bound)
			unlink(l->path);
	}
	free(s);
}

void server_sample_taken(struct server *s, struct daemon *d,
			 const struct sample *sample, uint32_t pass)
{
	/* Not on the heap, as commands.c says of its reply. */
	static struct out reply;
	struct client *c, *next;

	if (!s)
		return;
	for (c = s->clients; c; c = next) {
		next = c->next;
		if (!c->sample_render || c->dead ||
		    !sampler_served(c->sample_pass, pass))
			continue;
		/* Each command renders its own reply from the one sample. */
		out_init(&reply, c->json);
		c->sample_render(d, &reply, sample);
		client_send(c, reply.buf, reply.len);
		if (!c->dead)
			client_stop_waiting(c);
	}
}
