/* irrigd: options, start-up and shut-down around the sd-event loop. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "hw/linux.h"

struct options {
	const char *config_path;
	const char *socket_path;
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
	enum { OPT_SIM = 256, OPT_STATE_DIR, OPT_CHECK, OPT_ALL_OFF, OPT_VERSION };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "sim", no_argument, NULL, OPT_SIM },
		{ "socket", required_argument, NULL, 's' },
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

static int open_state_dir(struct daemon *d)
{
	const char *dir = d->state_dir;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return log_errno(LOG_ERR, -errno, "cannot create state directory %s",
				 dir);
	if (access(dir, W_OK | X_OK) < 0)
		return log_errno(LOG_ERR, -errno, "state directory %s", dir);
	load_history(d);
	return 0;
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

static int run_daemon(struct daemon *d, const struct options *opt)
{
	const char *socket_path = opt->socket_path ? opt->socket_path :
		d->cfg.socket_path;
	int r;

	d->started_ns = daemon_now();
	d->sim = opt->sim || d->cfg.backend == HW_BACKEND_SIM;
	r = server_check_free(socket_path);
	if (r < 0)
		return r;
	r = hardware_open(&d->cfg, opt->sim, &d->hw);
	if (r < 0)
		return r;
	warn_if_simulating_real_garden(d, opt);
	log_msg(LOG_INFO, "every valve closed (%s hardware)",
		d->sim ? "simulated" : "real");
	/* Not in hardware_open(): --all-off closes valves and reads nothing. */
	hardware_probe_inputs(d->hw);
	r = open_state_dir(d);
	if (r >= 0)
		r = setup_loop(d);
	if (r >= 0)
		r = watering_init(d);
	if (r >= 0)
		r = scheduler_init(d);
	if (r >= 0)
		r = server_open(d, socket_path, &d->server);
	if (r >= 0) {
		char f_socket[CONFIG_SOCKET_PATH_MAX + 8];
		const char *fields[] = { "VERSION=" IRRIGD_VERSION, f_socket,
					 d->sim ? "BACKEND=sim" : "BACKEND=linux",
					 NULL };

		snprintf(f_socket, sizeof(f_socket), "SOCKET=%s", socket_path);
		log_event(LOG_INFO, "daemon-start", fields, "irrigd %s ready on %s",
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
	watering_stop(d, RUN_SHUTDOWN);
	server_close(d->server);
	scheduler_done(d);
	watering_done(d);
	hardware_close(d->hw);
	log_event(LOG_INFO, "daemon-stop", NULL, "irrigd stopped: every valve closed");
	sd_event_unref(d->event);
	return r;
}

/*
 * What runs after irrigd exits, however it exited: setting the outputs up
 * drives every valve closed, and closing the hardware does it once more.
 */
static int all_off(struct daemon *d, const struct options *opt)
{
	int r = hardware_open(&d->cfg, opt->sim, &d->hw);

	if (r < 0)
		return r;
	r = hardware_all_off(d->hw);
	hardware_close(d->hw);
	if (r < 0) {
		const char *fields[] = { "FAULT=all-off", NULL };

		return log_event_errno(LOG_CRIT, r, "fault", fields,
				       "a valve may still be open");
	}
	log_msg(LOG_INFO, "every valve closed");
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
	d = calloc(1, sizeof(*d));
	if (!d) {
		log_msg(LOG_ERR, "out of memory");
		return EXIT_FAILURE;
	}
	d->state_dir = opt.state_dir;
	d->config_path = opt.config_path;
	r = config_load(opt.config_path, &d->cfg, err, sizeof(err));
	/* Not for --all-off, which must close whatever it can. */
	if (r == 0 && !opt.all_off)
		r = hardware_check_lines(&d->cfg, opt.sim, err, sizeof(err));
	if (r < 0) {
		log_msg(LOG_ERR, "%s", err);
		free(d);
		return EXIT_FAILURE;
	}
	if (opt.check_config) {
		printf("%s: configuration is valid\n", opt.config_path);
		free(d);
		return EXIT_SUCCESS;
	}
	if (opt.all_off)
		r = all_off(d, &opt);
	else
		r = run_daemon(d, &opt);
	free(d);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
