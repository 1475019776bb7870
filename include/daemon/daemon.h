/* The daemon's state, shared by its event callbacks. */
#ifndef IRRIGD_DAEMON_DAEMON_H
#define IRRIGD_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "core/run.h"
#include "daemon/config.h"
#include "daemon/hardware.h"
#include "daemon/out.h"
#include "daemon/state.h"

struct client;

/* One reading of every soil probe. */
struct soil_reading {
	double percent[CONFIG_MAX_PROBES];
	int errs[CONFIG_MAX_PROBES];	/* 0 or a negative errno */
};

/* What a run looked like when it started, for its reports and summary. */
struct run_record {
	uint64_t start_pulses;
	double moisture_start[CONFIG_MAX_PROBES];
	int moisture_start_err[CONFIG_MAX_PROBES];
	uint32_t planned_s;
	time_t started;			/* wall clock, for the state file */
	char requested_by[64];
};

struct daemon {
	sd_event *event;
	struct config cfg;
	const char *state_dir;
	struct hardware *hw;
	struct run run;
	struct run_record record;
	struct last_run last_run;	/* as saved in the state directory */
	bool have_last_run;
	sd_event_source *run_timer;
	sd_event_source *flow_source;
	struct server *server;
	uint64_t started_ns;		/* CLOCK_MONOTONIC */
	bool sim;			/* backend is the simulated garden */
};

uint64_t daemon_now(void);

/* ---- watering.c: runs, reports, summaries ---- */

/*
 * Starts watering zone for seconds.  On failure fills out with the error
 * reply and returns a negative errno: -EBUSY while a zone waters, -EIO
 * when the valve would not open (every valve is closed again then).
 */
int watering_start(struct daemon *d, int zone, uint32_t seconds,
		   const char *requested_by, struct out *out);
/* Ends the run (if any) for why and closes every valve. */
int watering_stop(struct daemon *d, enum run_outcome why);
/* Drains the flow meter; the flow fd's callback and the reports use it. */
void watering_count_flow(struct daemon *d);
int watering_init(struct daemon *d);
void watering_done(struct daemon *d);
void watering_read_soil(struct daemon *d, struct soil_reading *soil);
/* "31, 35, ?" for people, "31.2,35.0,null" for JSON. */
void watering_format_moisture(const struct daemon *d,
			      const struct soil_reading *soil, bool json,
			      char *buf, size_t size);

/* ---- server.c: the control socket ---- */

struct server;
int server_open(struct daemon *d, const char *path, struct server **out);
void server_close(struct server *server);
/* Queues data to the client; drops a client that falls too far behind. */
void client_send(struct client *c, const char *data, size_t len);
/* The client waits for the current run's reports and summary. */
void client_wait_for_run(struct client *c, bool json);
/* Sends to every waiting client, rendered by fn in the client's mode. */
void server_notify_waiters(struct server *server,
			   void (*render)(struct daemon *d, struct out *out,
					  void *arg),
			   struct daemon *d, void *arg, bool last);

/* ---- commands.c: one handler per protocol command ---- */

/* Handles one request line (without its newline) from c. */
void commands_handle(struct daemon *d, struct client *c, char *line,
		     const char *who);

#endif
