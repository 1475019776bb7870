/* irrigd-mqtt: bridges irrigd's control socket to an MQTT broker and Home Assistant, on one sd-event loop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "core/proto.h"
#include "mqtt/bridge.h"

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: irrigd-mqtt [OPTION]...\n"
		"Publishes irrigd's garden to an MQTT broker, with Home Assistant\n"
		"discovery, and sends the commands it receives to irrigd.\n"
		"\n"
		"  -c, --config FILE   the bridge's config (default %s)\n"
		"  -s, --socket PATH   irrigd's control socket (default %s)\n"
		"      --check-config  check the config file and exit\n"
		"      --version       print the version and exit\n"
		"  -h, --help          print this help and exit\n"
		"\n"
		"The MQTT password is read from the config's password_file, else from\n"
		"$CREDENTIALS_DIRECTORY/mqtt-password.  See irrigd-mqtt(8) and\n"
		"doc/home-assistant.md.\n", MQTT_CONFIG_DEFAULT, PROTO_DEFAULT_SOCKET);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *data)
{
	struct bridge *b = data;

	(void)s;
	mlog(LOG_INFO, "SIG%s received: publishing offline and stopping",
	     sigabbrev_np((int)si->ssi_signo));
	sd_notify(0, "STOPPING=1");
	b->stopping = true;
	broker_stop(b);
	sd_event_exit(b->loop, 0);
	return 0;
}

static int on_poll(sd_event_source *s, uint64_t usec, void *data)
{
	struct bridge *b = data;

	if (b->synced && b->n_pending < REQ_PENDING_MAX / 2)
		irrigd_request(b, "--json status", REQ_STATUS, NULL);
	sd_event_source_set_time(s, usec + b->cfg.poll_s * 1000000ULL);
	return 0;
}

static int run(struct bridge *b)
{
	sigset_t mask;
	uint64_t now;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = sd_event_default(&b->loop);
	if (r < 0)
		return r;
	r = sd_event_add_signal(b->loop, NULL, SIGTERM, on_signal, b);
	if (r >= 0)
		r = sd_event_add_signal(b->loop, NULL, SIGINT, on_signal, b);
	if (r >= 0) {
		sd_event_now(b->loop, CLOCK_MONOTONIC, &now);
		r = sd_event_add_time(b->loop, &b->poll_timer, CLOCK_MONOTONIC,
				      now + b->cfg.poll_s * 1000000ULL, 1000000,
				      on_poll, b);
	}
	if (r >= 0)
		r = sd_event_source_set_enabled(b->poll_timer, SD_EVENT_ON);
	if (r < 0) {
		mlog(LOG_ERR, "cannot set up the event loop: %s", strerror(-r));
		return r;
	}
	r = broker_start(b);
	if (r >= 0)
		r = irrigd_start(b);
	if (r >= 0) {
		sd_notify(0, "READY=1");
		r = sd_event_loop(b->loop);
	}
	return r;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct bridge bridge;	/* large: off the stack */
	struct bridge *b = &bridge;
	const char *config = MQTT_CONFIG_DEFAULT;
	char host[256] = "localhost", err[1024];
	bool check = false;
	int c, r;

	mlog_setup();
	b->socket_path = PROTO_DEFAULT_SOCKET;
	while ((c = getopt_long(argc, argv, "c:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 's':
			b->socket_path = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'V':
			printf("irrigd-mqtt %s\n", IRRIGD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "irrigd-mqtt: unexpected argument %s\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	gethostname(host, sizeof(host) - 1);
	if (mqtt_config_load(&b->cfg, config, host, err, sizeof(err)) < 0) {
		mlog(LOG_ERR, "%s", err);
		return 1;
	}
	if (check) {
		printf("%s: OK\n", config);
		return 0;
	}
	if (mqtt_config_password(&b->cfg, b->password, sizeof(b->password)) < 0)
		return 1;
	r = run(b);
	irrigd_close(b);
	broker_free(b);
	b->poll_timer = sd_event_source_disable_unref(b->poll_timer);
	sd_event_unref(b->loop);
	memset(b->password, 0, sizeof(b->password));
	if (r < 0) {
		mlog(LOG_ERR, "stopping: %s", strerror(-r));
		return 1;
	}
	return 0;
}
