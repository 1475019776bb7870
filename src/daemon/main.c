/* irrigd: options, start-up and shut-down around the sd-event loop. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/log.h"
#include "hw/linux.h"

/* sysexits.h's EX_CONFIG, which systemd shows as "status=78/CONFIG". */
#define EXIT_CONFIG_INVALID 78

struct options {
	const char *config_path;
	const char *socket_path;
	const char *ro_socket_path;
	const char *state_dir;
	bool sim;
	bool check_config;
	bool all_off;
};

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: irrigd [OPTION]...\n"
		"Irrigation controller daemon: drives valves, reads soil moisture,\n"
		"light, temperature and a flow meter, and answers irrigctl.\n"
		"\n"
		"  -c, --config FILE    configuration file (default %s)\n"
		"      --sim            use the simulated garden whatever the config says\n"
		"  -s, --socket PATH    control socket (default: the config's, or %s)\n"
		"      --read-only-socket PATH\n"
		"                       also a socket on which only the commands that\n"
		"                       change nothing are answered (default: none)\n"
		"      --state-dir DIR  state directory (default %s)\n"
		"      --check-config   check the configuration and exit\n"
		"      --all-off        close every valve and exit (after a crash)\n"
		"      --version        print the version and exit\n"
		"  -h, --help           print this help and exit\n"
		"\n"
		"See irrigd(8), irrigd.conf(5) and irrigctl(1).\n",
		CONFIG_DEFAULT_PATH, CONFIG_DEFAULT_SOCKET, CONFIG_DEFAULT_STATE_DIR);
}

/* 0 to run, 1 to exit 0 (help, version), -1 to exit with usage error. */
static int parse_options(int argc, char **argv, struct options *opt)
{
	enum { OPT_SIM = 256, OPT_STATE_DIR, OPT_CHECK, OPT_ALL_OFF, OPT_VERSION,
	       OPT_RO_SOCKET };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "sim", no_argument, NULL, OPT_SIM },
		{ "socket", required_argument, NULL, 's' },
		{ "read-only-socket", required_argument, NULL, OPT_RO_SOCKET },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "all-off", no_argument, NULL, OPT_ALL_OFF },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt->config_path = optarg;
			break;
		case 's':
			opt->socket_path = optarg;
			break;
		case OPT_RO_SOCKET:
			opt->ro_socket_path = optarg;
			break;
		case OPT_SIM:
			opt->sim = true;
			break;
		case OPT_STATE_DIR:
			opt->state_dir = optarg;
			break;
		case OPT_CHECK:
			opt->check_config = true;
			break;
		case OPT_ALL_OFF:
			opt->all_off = true;
			break;
		case OPT_VERSION:
			printf("irrigd %s, %s\n", IRRIGD_VERSION, linux_gpio_version());
			return 1;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "Try 'irrigd --help'.\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "irrigd: unexpected argument '%s'\nTry 'irrigd --help'.\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

static int on_stop_signal(sd_event_source *src, const struct signalfd_siginfo *si,
			  void *userdata)
{
	struct daemon *d = userdata;
	int r;

	sd_notify(0, "STOPPING=1\nSTATUS=Stopping: closing every valve");
	log_msg(LOG_INFO, "SIG%s received: closing every valve and stopping",
		sigabbrev_np((int)si->ssi_signo));
	/* Asked first, so STATUS= keeps saying the daemon is stopping. */
	r = sd_event_exit(sd_event_source_get_event(src), 0);
	watering_stop(d, RUN_SHUTDOWN);
	return r;
}

static int on_hangup(sd_event_source *src, const struct signalfd_siginfo *si,
		     void *userdata)
{
	char err[512];

	(void)src;
	(void)si;
	sd_notify(0, "RELOADING=1");
	daemon_reload(userdata, err, sizeof(err));	/* logs either way */
	sd_notify(0, "READY=1");
	watering_set_status(userdata);
	return 0;
}

/* Loads the run history; a file irrigd cannot read is set aside, not fatal. */
static void load_history(struct daemon *d)
{
	char err[512];
	int r;

	history_init(&d->history);
	r = state_load_history(d->state_dir, &d->history, err, sizeof(err));
	if (r == -ENOENT)
		return;
	if (r < 0) {
		log_msg(LOG_WARNING, "starting with an empty run history: %s", err);
		if (state_set_aside(d->state_dir, "history") == 0)
			log_msg(LOG_WARNING, "the unreadable file is kept as %s/history.bad",
				d->state_dir);
		history_init(&d->history);
		return;
	}
	if (history_len(&d->history)) {
		const struct history_entry *last =
			history_at(&d->history, history_len(&d->history) - 1);

		if (last->outcome == RUN_SHUTDOWN)
			log_msg(LOG_WARNING, "the last run, of zone %s, was interrupted "
				"(irrigd stopped, crashed or lost power while watering)",
				last->zone);
	}
}

/*
 * Makes the state directory and locks it, before the hardware is touched:
 * a second daemon on it would overwrite the first one's history and, on a
 * Pi, drive the same chips.  The lock's fd, kept until the valves are closed.
 */
static int lock_state_dir(struct daemon *d)
{
	const char *dir = d->state_dir;
	pid_t holder;
	int fd;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return log_errno(LOG_ERR, -errno, "cannot create state directory %s",
				 dir);
	if (access(dir, W_OK | X_OK) < 0)
		return log_errno(LOG_ERR, -errno, "state directory %s", dir);
	fd = state_lock(dir, &holder);
	if (fd == -EBUSY && holder)
		log_msg(LOG_ERR, "another irrigd (pid %d) uses %s; this one leaves "
			"the hardware alone", (int)holder, dir);
	else if (fd == -EBUSY)
		log_msg(LOG_ERR, "another irrigd uses %s; this one leaves the "
			"hardware alone", dir);
	else if (fd < 0)
		log_errno(LOG_ERR, fd, "cannot lock the state directory %s", dir);
	return fd;
}

static int setup_loop(struct daemon *d)
{
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = sd_event_default(&d->event);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot create the event loop");
	if ((r = sd_event_add_signal(d->event, NULL, SIGTERM, on_stop_signal, d)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGINT, on_stop_signal, d)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGHUP, on_hangup, d)) < 0)
		return log_errno(LOG_ERR, r, "cannot watch signals");
	/* Pings systemd's watchdog from the loop only, so a hung loop is seen. */
	r = sd_event_set_watchdog(d->event, true);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot set up the watchdog");
	return 0;
}

/* Said at each start, so the journal of a Pi left on the sim shows it. */
static void warn_if_simulating_real_garden(const struct daemon *d,
					   const struct options *opt)
{
	char msg[2 * PATH_MAX];

	if (hardware_simulating_real_garden(&d->cfg, opt->sim, "/dev", msg,
					    sizeof(msg)))
		log_msg(LOG_WARNING, "%s", msg);
}

/* The last run's wiring record: 0, -ENOENT for none, or it is unusable (said). */
static int load_wiring(const char *state_dir, struct wiring *w)
{
	char err[512];
	int r = wiring_load(state_dir, w, err, sizeof(err));

	if (r < 0 && r != -ENOENT)
		log_msg(LOG_WARNING, "the wiring record cannot be read, so what it "
			"names is not closed: %s", err);
	return r;
}

/*
 * Before any valve can open, what this run drives is on disk: after a
 * crash, --all-off and the next start close it whatever the config says
 * by then.  Not knowing that would be worse than not starting.
 */
static int record_wiring(struct daemon *d)
{
	struct wiring w;
	int r;

	hardware_wiring(d->hw, &w);
	r = wiring_save(d->state_dir, &w);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot record the wiring in %s/%s, which "
				 "irrigd --all-off needs after a crash", d->state_dir,
				 WIRING_FILE);
	return 0;
}

/* How the lower modules hand up what their wake-ups and clients ask. */
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
static const struct server_calls server_calls = {
	.handle = commands_handle,
	.cancel_run = watering_cancel,
	.render_reply = watering_render_reply,
};

static int run_daemon(struct daemon *d, const struct options *opt)
{
	const char *socket_path = opt->socket_path ? opt->socket_path :
		d->cfg.socket_path;
	struct wiring previous;
	int r, lock_fd;

	d->started_ns = daemon_now();
	d->started_wall = time(NULL);
	d->sim = opt->sim || d->cfg.backend == HW_BACKEND_SIM;
	if (opt->ro_socket_path && strcmp(opt->ro_socket_path, socket_path) == 0)
		return log_errno(LOG_ERR, -EINVAL, "the read-only socket must not be "
				 "the control socket, %s", socket_path);
	r = server_check_free(socket_path);
	if (r < 0)
		return r;
	lock_fd = lock_state_dir(d);
	if (lock_fd < 0)
		return lock_fd;
	r = load_wiring(d->state_dir, &previous);
	r = hardware_open_after(&d->cfg, opt->sim, r == 0 ? &previous : NULL,
				&d->hw);
	if (r < 0) {
		close(lock_fd);
		return r;
	}
	warn_if_simulating_real_garden(d, opt);
	log_msg(LOG_INFO, "every valve closed (%s hardware)",
		d->sim ? "simulated" : "real");
	/* Not in hardware_open(): --all-off closes valves and reads nothing. */
	hardware_probe_inputs(d->hw);
	load_history(d);
	r = record_wiring(d);
	if (r >= 0)
		r = setup_loop(d);
	if (r >= 0)
		r = saving_init(d);
	if (r >= 0)
		r = watering_init(d);
	if (r >= 0)
		r = metrics_init(d);
	if (r >= 0)
		r = scheduler_init(d, &scheduler_calls);
	if (r >= 0)
		r = smart_init(d, &smart_calls);
	if (r >= 0)
		r = server_open(d, socket_path, opt->ro_socket_path, &server_calls,
				&d->server);
	if (r >= 0) {
		struct event ev;

		event_init(&ev, EV_DAEMON_START);
		ev.version = IRRIGD_VERSION;
		ev.socket = socket_path;
		ev.backend = d->sim ? "sim" : "linux";
		event_emit(&ev, "irrigd %s ready on %s",
			  IRRIGD_VERSION, socket_path);
		/* Parsing the config left free heap behind: give it back. */
		malloc_trim(0);
		/* STATUS= first: systemd has it when systemctl start returns. */
		watering_set_status(d);
		sd_notify(0, "READY=1");
		r = sd_event_loop(d->event);
		if (r < 0)
			log_errno(LOG_CRIT, r, "event loop failed");
	}
	{
		struct event ev;
		int closed = watering_stop(d, RUN_SHUTDOWN);

		/* Before the socket closes: watchers hear of it too. */
		event_init(&ev, EV_DAEMON_STOP);
		if (closed < 0) {
			ev.priority = LOG_CRIT;
			ev.err = closed;
		}
		event_emit(&ev, closed < 0 ? "irrigd stopping: a valve may still "
			   "be open (irrigd --all-off closes it)" :
			   "irrigd stopped: every valve closed");
	}
	server_close(d->server);
	metrics_close(d);
	scheduler_done(d);
	smart_done(d);
	watering_done(d);
	saving_done(d);
	hardware_close(d->hw);
	sd_event_unref(d->event);
	close(lock_fd);
	return r;
}

/*
 * What runs after irrigd exits, however it exited, and whatever is on
 * disk by then: the outputs the wiring record names (what the daemon
 * drove), and those of the config when it reads, are each driven to
 * their inactive level, and every other output of their expanders is made
 * an input.  With neither, every MCP23008 on the default bus is put back
 * as at power-on.  cfg is NULL when the config is unusable.
 */
static int all_off(const struct options *opt, const struct config *cfg)
{
	struct event ev;
	struct wiring rec, from_cfg;
	bool have_rec = load_wiring(opt->state_dir, &rec) == 0;
	int r = 0, r2 = 0;

	if (have_rec && opt->sim && !rec.sim) {
		log_msg(LOG_WARNING, "%s/%s names real hardware: --sim leaves it alone",
			opt->state_dir, WIRING_FILE);
		have_rec = false;
	}
	if (cfg)
		wiring_from_config(cfg, opt->sim, &from_cfg);
	if (have_rec && cfg && from_cfg.sim == rec.sim &&
	    (rec.sim || from_cfg.i2c_bus == rec.i2c_bus)) {
		for (size_t i = 0; i < from_cfg.n_outputs; i++)
			wiring_add(&rec, &from_cfg.outputs[i]);
		cfg = NULL;	/* one pass closes both */
	}
	if (have_rec)
		r = hardware_close_wiring(&rec);
	if (cfg)
		r2 = hardware_close_wiring(&from_cfg);
	if (!have_rec && !cfg) {
		char bus[32];
		unsigned found;

		if (opt->sim)
			snprintf(bus, sizeof(bus), "the simulated bus");
		else
			snprintf(bus, sizeof(bus), "/dev/i2c-%u", CONFIG_DEFAULT_I2C_BUS);
		r = hardware_release_expanders(CONFIG_DEFAULT_I2C_BUS, opt->sim, &found);
		if (r == 0 && !found)
			r = -ENODEV;
		event_init(&ev, EV_FAULT);
		ev.fault = "all-off";
		ev.err = r;
		if (r < 0)
			return event_emit(&ev, "no wiring "
					       "record and no usable config, and no "
					       "MCP23008 answers on %s: a valve may "
					       "still be open", bus);
		log_msg(LOG_WARNING, "no wiring record and no usable config: every "
			"output of the %u MCP23008%s on %s made an input, as at "
			"power-on", found, found == 1 ? "" : "s", bus);
		return 0;
	}
	event_init(&ev, EV_FAULT);
	ev.fault = "all-off";
	ev.err = r < 0 ? r : r2;
	if (r < 0 || r2 < 0)
		return event_emit(&ev, "a valve may still be open");
	log_msg(LOG_INFO, "every valve closed%s", have_rec ? " (as the wiring "
		"record says)" : "");
	return 0;
}

int main(int argc, char **argv)
{
	struct options opt = { .config_path = CONFIG_DEFAULT_PATH,
			       .state_dir = CONFIG_DEFAULT_STATE_DIR };
	char err[512];
	struct daemon *d;
	int r;

	r = parse_options(argc, argv, &opt);
	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : 2;
	log_setup();
	/*
	 * Mapped, not calloc'd: calloc clears all 57 KiB, and much of it (the
	 * run history's ring, the run endings) is written only as it fills;
	 * pages nothing wrote cost no memory.
	 */
	d = mmap(NULL, sizeof(*d), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (d == MAP_FAILED) {
		log_msg(LOG_ERR, "out of memory");
		return EXIT_FAILURE;
	}
	d->state_dir = opt.state_dir;
	d->config_path = opt.config_path;
	r = config_load(opt.config_path, &d->cfg, err, sizeof(err));
	if (r < 0 && opt.all_off) {
		/* What the daemon drove is in its record: that is enough. */
		log_msg(LOG_WARNING, "%s", err);
		r = all_off(&opt, NULL);
		munmap(d, sizeof(*d));
		return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	/* Not for --all-off, which must close whatever it can. */
	if (r == 0 && !opt.all_off)
		r = hardware_check_lines(&d->cfg, opt.sim, err, sizeof(err));
	if (r < 0) {
		log_msg(LOG_ERR, "%s", err);
		munmap(d, sizeof(*d));
		/*
		 * A restart would fail alike: the unit's
		 * RestartPreventExitStatus= tells this from a crash.
		 */
		return opt.check_config ? EXIT_FAILURE : EXIT_CONFIG_INVALID;
	}
	if (opt.check_config) {
		printf("%s: configuration is valid\n", opt.config_path);
		munmap(d, sizeof(*d));
		return EXIT_SUCCESS;
	}
	if (opt.all_off)
		r = all_off(&opt, &d->cfg);
	else
		r = run_daemon(d, &opt);
	munmap(d, sizeof(*d));
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
