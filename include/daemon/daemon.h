/* The daemon's state, shared by its event callbacks. */
#ifndef IRRIGD_DAEMON_DAEMON_H
#define IRRIGD_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "core/controller.h"
#include "core/faults.h"
#include "core/flowmon.h"
#include "core/history.h"
#include "core/progstate.h"
#include "core/weatherlog.h"
#include "daemon/config.h"
#include "daemon/hardware.h"
#include "daemon/out.h"
#include "daemon/sensor.h"
#include "daemon/state.h"

struct client;
struct event;

/* One reading of every soil probe. */
struct soil_reading {
	double percent[CONFIG_MAX_PROBES];
	int errs[CONFIG_MAX_PROBES];	/* 0 or a negative errno */
	double volts[CONFIG_MAX_PROBES];	/* where the ADC answered */
};

/* One pass over every sensor, as the sampler hands it out. */
struct sample {
	struct soil_reading soil;
	int temperature_err;		/* -ENODEV: none configured */
	double temperature;		/* in the config's unit */
	int light_err;
	double light;			/* percent */
	uint64_t taken_ns;		/* CLOCK_MONOTONIC; 0: never */
};

struct daemon;

/* Pass ended: d->soil and sampler_latest() hold what it read. */
typedef void sample_taken_fn(struct daemon *d, uint32_t pass);

/* Reads the sensors step by step from timers; see sampler.c. */
struct sampler {
	sample_taken_fn *taken;		/* registered at sampler_init */
	sd_event_source *step;		/* settle, then each conversion */
	sd_event_source *periodic;	/* every sample_interval */
	bool busy, converting;
	uint32_t pass;			/* the pass under way, or the last */
	bool again;			/* asked for while converting: one more */
	size_t input;			/* converting now */
	struct sensor_read read;	/* its driver's read, open while busy */
	bool reading;
	unsigned power_cuts;		/* hardware's count when the pass began */
	int errs[CONFIG_MAX_PROBES + 2];
	/* Volts, or °C from a driver that measures temperature. */
	double volts[CONFIG_MAX_PROBES + 2];
	struct sample latest;
};

/*
 * A run whose valve has closed, waiting for the sample that gives its
 * final moisture before its summary goes out.
 */
struct run_ending {
	struct run_request req;
	enum run_outcome outcome;
	double moisture;		/* what ended it early */
	char why[160];
	struct soil_reading start_soil;
	double litres;
	uint32_t elapsed_s;
	uint32_t history_id;
	uint32_t pass;			/* the sample that gives its end */
	bool valve_closed;
	bool left_out;			/* under a second: not kept in history */
	/* A learning run: what it learned, or why nothing. */
	bool learned;
	double learned_lpm;
	char lesson[240];
};
#define RUN_ENDINGS_MAX 4

/* A probe marked failed until it reads well again. */
struct probe_health {
	bool failed;
	int err;			/* -ERANGE: read volts, impossible */
	double volts;
	time_t since;
};

/* The run watering now, as the daemon tracks it beside the controller. */
struct active_run {
	uint32_t req_id;		/* 0: none */
	uint32_t history_id;
	uint64_t start_pulses;		/* the meter's count when its valve last opened */
	double litres_before;		/* its cycles before (cycle and soak) */
	struct soil_reading start_soil;
	bool valve_failed;
	char why[160];			/* what ended it, when a fault did */
};

/* Flow alarms, latched faults, caps and sensor health. */
struct safety {
	struct fault_state state;	/* latched faults, learned flows */
	struct flow_monitor monitor;
	sd_event_source *check;		/* samples the flow when no pulse does */
	uint64_t sampled_pulses;	/* meter total at the last sample */
	int watched_zone;		/* the zone flowmon watches, or -1 */
	/*
	 * Litres the watched zone and the garden used today before its
	 * valve opened: the caps are checked at every pulse batch, too
	 * often to sum the history each time.
	 */
	double zone_before, garden_before;
	/* How the run of the zone that last closed went, for learning. */
	struct flow_monitor ended;
	int ended_zone;			/* -1: nothing to learn from */
	struct probe_health probes[CONFIG_MAX_PROBES];
};

/* What the simulated garden says of the clock: the system's answer, or its own. */
enum sim_clock {
	SIM_CLOCK_SYSTEM,
	SIM_CLOCK_UNSYNCED,	/* IRRIGD_SIM_CLOCK=unsynced */
	SIM_CLOCK_SYNCED,	/* irrigctl sim clock-sync since */
};

/*
 * What the scheduler hands up from its own wake-ups (a program's start,
 * the clock synchronized) and from what it is asked (a pause, a program
 * disabled): registered at scheduler_init.
 */
struct scheduler_calls {
	/* Carries out what a program's start queued: watering_carry_out. */
	void (*carry_out)(struct daemon *d, struct ctl_actions *acts);
	/* The next run may be another one: watering_set_status. */
	void (*status_changed)(struct daemon *d);
};

/* Programs: when the next one is due, and what holds them. */
struct scheduler {
	const struct scheduler_calls *calls;
	sd_event_source *timer;		/* CLOCK_REALTIME, at the next start */
	/* Only while the clock is unsynced: a slow look, and a wake-up
	 * whenever the clock is set (a timerfd cancelled on set). */
	sd_event_source *sync_check;
	sd_event_source *clock_set;
	enum sim_clock sim_clock;
	time_t last_checked;		/* starts up to here are dealt with */
	bool clock_synced;
	time_t rain_delay_until;	/* 0: none */
	struct schedule_cache next;	/* reset when the programs change */
	struct progstates programs;	/* what irrigctl program asked */
};

/* State files whose last save failed: kept in memory, said, tried again. */
struct unsaved {
	int err[STATE_FILES];		/* 0: saved; else the negative errno */
	time_t since[STATE_FILES];	/* when it stopped being saved */
	sd_event_source *retry;
	uint64_t retry_us;
};

/*
 * What smart watering hands up (a balance zone's run queued, programmed
 * runs stopped by the rain sensor, a status that changed) and what it
 * asks (is the clock synchronized?): registered at smart_init.  Smart is
 * below watering and the scheduler, which call it; calling them by name
 * would tie the modules in a circle.
 */
struct smart_calls {
	/* Carries out what a balance zone's start queued: watering_carry_out. */
	void (*carry_out)(struct daemon *d, struct ctl_actions *acts);
	/* Ends run id, going on or queued, saying why: watering_cancel. */
	int (*cancel_run)(struct daemon *d, uint32_t id, const char *why);
	/* The rain sensor or the day changed what comes next: watering_set_status. */
	void (*status_changed)(struct daemon *d);
	/* Balance zones water only by a synchronized clock: scheduler_clock_synced. */
	bool (*clock_synced)(struct daemon *d);
};

/* The garden's weather, the auto percentage, the balances, the rain sensor: smart.c. */
struct smart {
	const struct smart_calls *calls;
	struct weather_log log;		/* kept in the state file "weather" */
	sd_event_source *timer;		/* CLOCK_REALTIME: midnight, a balance start */
	sd_event_source *rain_poll;	/* while there is a rain sensor */
	bool auto_known;
	struct seasonal_auto_result auto_now;	/* the auto percentage in force */
	int64_t started_day[CONFIG_MAX_ZONES];	/* the day its balance start was dealt with */
	char why[CONFIG_MAX_ZONES][BALANCE_WHY_MAX];	/* its last decision */
	bool wet;			/* the rain sensor reads wet */
	bool sim_wet;			/* irrigctl sim rain on */
	int rain_err;			/* its last read's error */
	time_t saved_at;
	bool loaded;			/* smart_init read the file: saves may replace it */
};

struct daemon {
	sd_event *event;
	struct config cfg;
	const char *config_path;
	const char *state_dir;
	struct hardware *hw;
	struct controller ctl;
	struct active_run active;
	/* Runs soaking between cycles, kept while other zones water. */
	struct active_run parked[CTL_SOAKING_MAX];
	size_t n_parked;
	struct soil_reading soil;	/* the latest reading */
	struct sampler sampler;
	/* The controller asked for moisture or a report: the sample's for it. */
	bool want_moisture, want_report;
	uint32_t want_pass;
	uint32_t waiting_told;		/* the run whose water-waiting was emitted */
	struct run_ending endings[RUN_ENDINGS_MAX];
	size_t n_endings;
	struct history history;
	struct scheduler sched;
	struct safety safety;
	sd_event_source *run_timer;
	sd_event_source *flow_source;
	struct server *server;
	struct unsaved unsaved;
	struct smart smart;
	/* The reply of the command being handled: what it cannot save is said there. */
	struct out *reply;
	uint64_t started_ns;		/* CLOCK_MONOTONIC */
	/* The wall clock then: a start time that does not move between scrapes. */
	time_t started_wall;
	bool sim;			/* backend is the simulated garden */
	/*
	 * A valve, the master or an all-off failed to switch off, and no
	 * all-off has succeeded since: status must not say all is closed.
	 * Set and cleared by actuate.c only.
	 */
	bool valve_may_be_open;
	/* The last reload's refusal, until a reload applies; at 0: none. */
	struct {
		time_t at;
		char why[512];
	} reload_refused;
};

/* CLOCK_MONOTONIC in nanoseconds: the controller's and every timer's clock. */
static inline uint64_t daemon_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/* ---- watering.c: the controller's actions, reports, history ---- */

int watering_init(struct daemon *d);
void watering_done(struct daemon *d);
/* Moisture rules, master valve and report interval from d->cfg. */
void watering_apply_config(struct daemon *d);
/* Carries out acts and everything they lead to; re-arms the run timer. */
void watering_carry_out(struct daemon *d, struct ctl_actions *acts);
/*
 * Ends run id alone (stopped, or dropped from the queue), logging why;
 * -ENOENT when it has ended already.
 */
int watering_cancel(struct daemon *d, uint32_t id, const char *why);
/* What a client waiting for a run gets from one of its events. */
enum run_reply {
	RUN_REPLY_NONE,		/* nothing: not a run's event for its clients */
	RUN_REPLY_MORE,		/* a line of the run; more follow */
	RUN_REPLY_LAST,		/* its end: the client's wait is over */
	RUN_REPLY_NO_WAIT,	/* for a --no-wait client only, then its reply */
};
/* The server's render_reply: a waiting client's lines from ev. */
enum run_reply watering_render_reply(struct daemon *d, struct out *out,
				     const struct event *ev);
/* Ends the run and the queue for why and closes every valve. */
int watering_stop(struct daemon *d, enum run_outcome why);
/*
 * Runs that ended and wait for their final moisture end now, on the
 * latest reading: a reload does it before the zones are numbered anew,
 * since the waiting runs know their zone by the old number.
 */
void watering_finish_endings_now(struct daemon *d);
/* Drains the flow meter; the flow fd's callback and the reports use it. */
void watering_count_flow(struct daemon *d);
/* Sample pass was taken: the controller's moisture, reports, run ends. */
void watering_sample_taken(struct daemon *d, uint32_t pass);
/* Average of the zone's probes that read; NAN when none did. */
double watering_zone_moisture(const struct daemon *d,
			      const struct soil_reading *soil, int zone);
double watering_litres_so_far(struct daemon *d);
double watering_flow_rate(struct daemon *d);
/* The zone's probes, by name: "bed1 31, bed2 ?" (or JSON objects). */
void watering_format_moisture(const struct daemon *d,
			      const struct soil_reading *soil, int zone, bool json,
			      char *buf, size_t size);
/* "5 minutes", "1 minute", "2m 30s". */
void watering_say_duration(uint32_t seconds, char *buf, size_t size);
/* "cycle 2 of 3" (or "cycle 2" by volume). */
void watering_say_cycle(const struct run_request *r, char *buf, size_t size);
/* "bed: cycle 1 of 3 done, soaking until 06:40". */
void watering_say_soaking(struct daemon *d, const struct run_request *r,
			  char *buf, size_t size);
void watering_set_status(struct daemon *d);

/* ---- safety.c: flow alarms, latched faults, caps, sensor health ---- */

/*
 * Loads the faults and learned flows; watches for leaks from now.
 * on_check runs when the flow must be sampled and no pulse came: it
 * drains the meter and calls safety_check_flow.
 */
int safety_init(struct daemon *d, sd_event_time_handler_t on_check);
void safety_done(struct daemon *d);
/* zone's valve opened / every valve closed: what the flow must do. */
void safety_valve_opened(struct daemon *d, int zone);
void safety_valves_closed(struct daemon *d);
/* The daemon is stopping: no alarm from here on. */
void safety_off(struct daemon *d);
/*
 * After the meter was drained: checks the flow and the caps.  A fault is
 * latched here; what must end for it, or for a cap, is asked in acts,
 * for the caller to carry out.  Returns the alarm it acted on: after
 * FLOW_ALARM_LEAK, every valve must close once acts are carried out.
 */
enum flow_alarm safety_check_flow(struct daemon *d, struct ctl_actions *acts);
/*
 * Whether req may water now: RUN_COMPLETED when it may, else RUN_HELD
 * (a latched fault, unless forced) or RUN_CAPPED (a daily cap reached),
 * with the reason in why.
 */
enum run_outcome safety_may_run(struct daemon *d, const struct run_request *req,
				char *why, size_t why_size);
/*
 * A run of req's zone ended with outcome: a clean one teaches the zone's
 * flow, a learning run (req->learn) sets it at once.  True when a
 * learning run set the flow to *learned_lpm; said gets, for the person
 * who asked, what it learned or why nothing.
 */
bool safety_run_ended(struct daemon *d, const struct run_request *req,
		      enum run_outcome outcome, double *learned_lpm, char *said,
		      size_t said_size);
/* How long a run must water after its settle to teach its zone's flow. */
uint64_t safety_learn_min_ns(const struct daemon *d);
/*
 * Latches a fault, logs it and saves it; zone -1 for the garden.  The
 * caller carries out what it leads to, which says it in STATUS=.
 */
void safety_raise(struct daemon *d, enum fault_kind kind, int zone,
		  double measured_lpm, double expected_lpm, const char *detail);
/*
 * The flow zone should draw, and how it is known: "configured",
 * "learned" (*runs from how many runs) or "unknown" (0 returned).
 */
double safety_expected_lpm(struct daemon *d, int zone, const char **how,
			   size_t *runs);
/* Litres zone (-1: every zone) used today, the run going on included. */
double safety_litres_today(struct daemon *d, int zone);
/* Marks probes failed or recovered from a reading, logging each change. */
void safety_soil_read(struct daemon *d, const struct soil_reading *soil);
/*
 * Before next replaces the running config: zone indices follow map
 * (map[old] = new index, or -1), probes their names.
 */
void safety_reload(struct daemon *d, const struct config *next,
		   const int *map);
/* Why probe p is failed, for people: "reads 0.00 V: ...". */
void safety_probe_reason(const struct daemon *d, size_t p, char *buf,
			 size_t size);

/* ---- scheduler.c: programs, clock sync, rain delay ---- */

int scheduler_init(struct daemon *d, const struct scheduler_calls *calls);
void scheduler_done(struct daemon *d);
/* After a reload: forget nothing, re-arm for the new programs. */
void scheduler_rearm(struct daemon *d);
int scheduler_pause(struct daemon *d, time_t until);
int scheduler_resume(struct daemon *d);
/* The next programmed start after `after`, from the cache. */
int scheduler_next(struct daemon *d, time_t after, struct occurrence *out);
/*
 * The next programmed start that will water: the first after now, or,
 * while a rain delay holds, the first once it has ended.
 */
int scheduler_next_run(struct daemon *d, time_t now, struct occurrence *out);
/* Is the clock good enough for programs to run? */
bool scheduler_clock_synced(struct daemon *d);
/*
 * sim only: the simulated clock is synchronized from now on; stepped, as
 * when NTP sets it (irrigd is woken as by the kernel), or slewed into
 * sync (nothing tells irrigd: its next look finds it).
 */
void scheduler_sim_clock_sync(struct daemon *d, bool stepped);
/*
 * The config's programs were replaced: the overrides of programs it no
 * longer has are forgotten, the others applied to it.
 */
void scheduler_config_changed(struct daemon *d);
/*
 * Queues program p's zones as a start at `when` would (durations and
 * volumes scaled, max_run the cap); programmed: the moisture skip rule
 * applies to them.  The ids of the first and last run queued go to
 * *first_id and *last_id (when not NULL); returns how many were queued.
 */
size_t scheduler_queue_program(struct daemon *d, int p, time_t when,
			       bool programmed, uint32_t *first_id,
			       uint32_t *last_id);
/* Enables or disables program p, whatever its config says; saved. */
int scheduler_set_enabled(struct daemon *d, int p, bool enabled);
/* The next start of program p is skipped; saved. */
int scheduler_skip_next(struct daemon *d, int p);

/* ---- sampler.c: sensors read without waiting ---- */

/* taken gets every pass as it ends: watering hands it on. */
int sampler_init(struct daemon *d, sample_taken_fn *taken);
void sampler_done(struct daemon *d);
/*
 * Asks for a pass over every sensor that reads them after now, and
 * returns its number: the pass under way while it still settles, else
 * the next one (started at once, or after the one converting).  When a
 * pass ends, sampler_init's taken gets it (watering hands it to smart's
 * weather, safety, the runs and every client waiting for it).
 */
uint32_t sampler_request(struct daemon *d);
/* Has pass done served a request that needed pass need? */
static inline bool sampler_served(uint32_t need, uint32_t done)
{
	return (int32_t)(done - need) >= 0;
}
/* The last pass's figures, NULL before the first one ended. */
const struct sample *sampler_latest(const struct daemon *d);
/* After a reload: the new sample_interval from now. */
void sampler_rearm(struct daemon *d);

/* ---- saving.c: the state files, saved or said to be unsaved ---- */

int saving_init(struct daemon *d);
/* Tries once more what is unsaved, and says what is lost. */
void saving_done(struct daemon *d);
/*
 * Saves f from memory.  When that fails, f stays in memory, the journal
 * says so (once), the command being handled says so in its reply, and
 * the save is tried again until it works.  Returns 0 or a negative errno.
 */
int saving_save(struct daemon *d, enum state_file f);
/* Warns in out of each file of files (1 << STATE_...) that is unsaved. */
void saving_warn(struct daemon *d, struct out *out, unsigned files);

/* ---- smart.c: the garden's weather, auto seasonal, soil water balance, rain ---- */

/* The most rain irrigctl rain takes at once, mm. */
#define SMART_RAIN_MAX_MM 500.0

/* Loads the record (days missed close now) and arms the day's timer. */
int smart_init(struct daemon *d, const struct smart_calls *calls);
/* Stops its timers; today's readings are saved. */
void smart_done(struct daemon *d);
/* A sample pass ended: its temperature counts for today. */
void smart_sample(struct daemon *d, const struct sample *s);
/* A run of zone ended having let through litres: its balance gains them. */
void smart_run_ended(struct daemon *d, int zone, double litres);
/*
 * Before next replaces the running config: what each zone's start did
 * today follows its name; a new rain sensor line waits for a restart.
 */
void smart_reload(struct daemon *d, struct config *next);
/* After: the balances follow the new config's zones. */
void smart_config_changed(struct daemon *d);
/*
 * The seasonal scaling in force, for schedule_scaled_*(): the config's
 * percent and monthly, or with seasonal auto (not falling back) the
 * night's percentage alone.
 */
const struct schedule *smart_scaling(const struct daemon *d);
/* A programmed duration scaled by the percentage in force (auto, or fixed). */
uint32_t smart_scaled_duration(const struct daemon *d, uint32_t duration_s,
			       time_t when);
/* The rain sensor is wet, or dried less than its hold ago: programs wait. */
bool smart_rain_holds(const struct daemon *d, time_t now);
/* Rain of mm fell (irrigctl rain): every balance gains it; -ERANGE. */
int smart_record_rain(struct daemon *d, double mm, const char *who);
/* sim: the day ends now, as at midnight, and the balance zones' starts come. */
void smart_day_end(struct daemon *d);
/* sim: the rain sensor reads wet or dry; -ENODEV without one. */
int smart_sim_rain(struct daemon *d, bool wet);

/* ---- reload.c ---- */

/*
 * Re-reads the config.  On an error, the running config stays and the
 * message (file, line, setting) is in err.
 */
int daemon_reload(struct daemon *d, char *err, size_t err_size);

/* ---- server.c: the control socket ---- */

struct server;
/*
 * -EADDRINUSE when another irrigd answers on path: checked before the
 * hardware is touched, so a second daemon never closes the first one's
 * valves.
 */
int server_check_free(const char *path);
/* What the server hands up from its clients, registered at server_open. */
struct server_calls {
	/* One request line (without its newline) from c: commands_handle. */
	void (*handle)(struct daemon *d, struct client *c, char *line,
		       const char *who);
	/* A run must end: the client that owned it went (watering_cancel). */
	int (*cancel_run)(struct daemon *d, uint32_t id, const char *why);
	/*
	 * The reply to a client waiting for ev's run, rendered from ev into
	 * out (watering_render_reply): whether there was one, and the last.
	 */
	enum run_reply (*render_reply)(struct daemon *d, struct out *out,
				       const struct event *ev);
};
/*
 * Listens on path, and on ro_path (NULL: none) for clients that may use
 * only the commands that change nothing; under socket activation, on the
 * sockets systemd passed (the read-only one named "read-only").
 */
int server_open(struct daemon *d, const char *path, const char *ro_path,
		const struct server_calls *calls, struct server **out);
/* Accepted on the read-only socket: commands_handle refuses its changes. */
bool client_read_only(const struct client *c);
void server_close(struct server *server);
/* Queues data to the client; drops a client that falls too far behind. */
void client_send(struct client *c, const char *data, size_t len);
/* The client waits for the reports and summary of run id. */
void client_wait_for_run(struct client *c, uint32_t id, bool json);
/* The same for runs first to last (a program's), until each has ended. */
void client_wait_for_runs(struct client *c, uint32_t first, uint32_t last,
			  bool json);
/* The client's run has not started yet: reply goes out when it does. */
void client_reply_when_started(struct client *c, const char *reply, size_t len);
/* Ends a wait early: the client's next request runs. */
void client_stop_waiting(struct client *c);
bool client_is_waiting(const struct client *c);
/* The client gets every event from now on, one line each, until it goes. */
void client_watch(struct client *c, bool json);
/*
 * The client's reply waits for the next sample, rendered by render, and
 * its next request waits for that reply.
 */
typedef void sample_render_fn(struct daemon *d, struct out *out,
			      const struct sample *sample);
void client_wait_for_sample(struct client *c, sample_render_fn *render,
			    bool json, uint32_t pass);
/* Sample pass was taken: every client waiting for it gets its reply. */
void server_sample_taken(struct server *server, struct daemon *d,
			 const struct sample *sample, uint32_t pass);
/*
 * The run the client waits for is its own, in the foreground: it stops
 * when the client goes away, and, with stop_at_eof, as soon as the client
 * ends its input (the client still gets the run's end).
 */
void client_own_run(struct client *c, bool stop_at_eof);

/* ---- commands.c: one handler per protocol command ---- */

/* Handles one request line (without its newline) from c. */
void commands_handle(struct daemon *d, struct client *c, char *line,
		     const char *who);

/* ---- cmd-metrics.c: the counters metrics shows ---- */

/* Counts each run's end from the events, from now on. */
int metrics_init(struct daemon *d);
void metrics_close(struct daemon *d);

#endif
