/* Events: one typed record per thing that happens, rendered for the journal and for watchers. */
#ifndef IRRIGD_DAEMON_EVENTS_H
#define IRRIGD_DAEMON_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Every kind of event; events.c's table gives each its name, id and fields. */
enum event_kind {
	EV_WATER_START,
	EV_WATER_END,
	EV_SKIP,
	EV_PROGRAM_START,
	EV_PROGRAM_HELD,
	EV_MISSED,
	EV_RAIN_DELAY,
	EV_RAIN_DELAY_LIFTED,
	EV_CONFIG_RELOADED,
	EV_DAEMON_START,
	EV_DAEMON_STOP,
	EV_FAULT,
	EV_FAULT_CLEARED,
	EV_WATER_REQUESTED,
	EV_STOP_REQUESTED,
	EV_SKIP_REQUESTED,
	EV_PAUSE_REQUESTED,
	EV_RESUME_REQUESTED,
	EV_RELOAD_REQUESTED,
	EV_LOW_FLOW,
	EV_HELD,
	EV_CAP_REACHED,
	EV_SENSOR_FAILED,
	EV_SENSOR_RECOVERED,
	EV_CLEAR_REQUESTED,
	EV_STATE_UNSAVED,
	EV_STATE_SAVED,
	EV_PROGRAM_SKIPPED,
	EV_PROGRAM_REQUESTED,
	EV_WATER_CYCLE,
	EV_WEATHER_DAY,
	EV_SEASONAL_AUTO,
	EV_BALANCE_ANCHORED,
	EV_BALANCE_WATER,
	EV_RAIN_SENSOR,
	EV_RAIN_RECORDED,
	/* For watchers only: too many, or too fine, for the journal. */
	EV_VALVE_OPENED,
	EV_VALVE_CLOSED,
	EV_SAMPLE,
	EV_WATER_REPORT,
	EV_WATER_DROPPED,
	EV_WATER_WAITING,
	EV__COUNT
};

/* Every field an event may carry; EVF_NONE ends a kind's list. */
enum event_field {
	EVF_NONE,
	EVF_VERSION, EVF_SOCKET, EVF_BACKEND,
	EVF_FAULT, EVF_PROGRAM, EVF_ZONE, EVF_PROBE, EVF_I2C_BUS, EVF_I2C_ADDRESS,
	EVF_OUTPUT, EVF_DURATION_S, EVF_SOURCE, EVF_RUN_ID, EVF_OUTCOME,
	EVF_LITRES, EVF_MOISTURE, EVF_TEMPERATURE, EVF_LIGHT, EVF_FLOW_LPM,
	EVF_EXPECTED_LPM, EVF_LITRES_TODAY, EVF_CAP_LITRES, EVF_MAX_RUN_S,
	EVF_REASON, EVF_UNTIL, EVF_QUEUED, EVF_WAIT_S, EVF_ACTION, EVF_CONFIG, EVF_ZONES,
	EVF_PROGRAMS, EVF_STATE_FILE, EVF_STATE_DIRECTORY, EVF_REQUESTED_UID,
	EVF_REQUESTED_PID, EVF_CYCLE, EVF_CYCLES,
	EVF_TEMPERATURE_MIN, EVF_TEMPERATURE_MAX, EVF_ET0_MM, EVF_PERCENT,
	EVF_DEPLETION_MM, EVF_DISAGREEMENT_MM, EVF_RAIN_MM,
	EVF__COUNT
};

struct soil_reading;

/*
 * What the replies to a run's waiting clients need beyond the listed
 * fields: neither the journal nor a watcher's line shows it.  Its
 * pointers are borrowed, as the strings are.
 */
struct event_run {
	int zone;			/* the zone's index in the config */
	bool learn;			/* a learning run */
	bool started;			/* its valve opened */
	bool dropped;			/* taken off the queue, never decided */
	bool valve_closed;		/* its valve closed when it ended */
	bool master_on;			/* water-waiting: on the master's lead */
	uint32_t switch_interval_s;	/* water-waiting: else valves switch so far apart */
	int64_t elapsed_s, remaining_s;	/* a report's */
	/* Each probe's reading: at the start, and now or at the end. */
	const struct soil_reading *soil_start, *soil;
	bool learned;			/* a learning run learned its flow */
	double learned_lpm;
	const char *lesson;		/* what it learned, or why nothing */
};

/* An integer field nobody set: left out. */
#define EVENT_UNSET INT64_MIN

/*
 * One event.  event_init() leaves every field unset (strings NULL,
 * numbers EVENT_UNSET or NaN); a field is rendered when its kind lists it
 * and it is set.  Strings are borrowed: they need live only until
 * event_emit() returns.
 */
struct event {
	enum event_kind kind;
	int priority;		/* syslog level: the kind's, unless changed */
	int err;		/* a negative errno: ERRNO= and ": strerror" */
	const char *zone, *source, *outcome, *fault, *probe, *program, *reason,
		*action, *config, *version, *socket, *backend, *state_file,
		*state_directory, *i2c_bus, *output;
	int64_t duration_s, run_id, max_run_s, until, queued, wait_s, zones, programs,
		i2c_address, requested_uid, requested_pid, cycle, cycles, percent;
	double litres, moisture, temperature, light, flow_lpm, expected_lpm,
		litres_today, cap_litres, temperature_min, temperature_max,
		et0_mm, depletion_mm, disagreement_mm, rain_mm;
	struct event_run run;	/* a run's events: for its waiting clients */
};

/* One kind: its IRRIGD_EVENT= name, MESSAGE_ID=, priority and fields in order. */
struct event_kind_info {
	const char *symbol;		/* "EV_WATER_START", as the source names it */
	const char *name;		/* "water-start" */
	const char *message_id;		/* 32 lowercase hex digits; NULL: watch only */
	int priority;
	bool journal;			/* false: for watchers only */
	enum event_field fields[12];	/* ends at EVF_NONE */
};

/* An empty event of kind, at the kind's priority. */
void event_init(struct event *ev, enum event_kind kind);
/* REQUESTED_UID and REQUESTED_PID from the control socket's "uid 1000 pid 4242". */
void event_set_requester(struct event *ev, const char *who);
/* Remembers who asked for a manual run until its water-start is emitted. */
void event_remember_requester(uint32_t run_id, const char *who);
/* The requester of run_id, once; left unset for a programmed run. */
void event_requester_of_run(struct event *ev, uint32_t run_id);

/*
 * Emits ev once: to the journal (or stderr) with fmt as its MESSAGE, and
 * to every subscriber.  Returns ev->err, so an error can be emitted and
 * returned in one statement.
 */
int event_emit(const struct event *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Called for each event with its message; must not wait. */
typedef void event_subscriber_fn(void *ctx, const struct event *ev,
				 const char *message);
/* At most EVENT_SUBSCRIBERS_MAX at once; -ENOSPC beyond. */
#define EVENT_SUBSCRIBERS_MAX 4
int event_subscribe(event_subscriber_fn *fn, void *ctx);
void event_unsubscribe(event_subscriber_fn *fn, void *ctx);

/* ---- the table and its renderings, for the server and the tests ---- */

const struct event_kind_info *event_kind_info(enum event_kind kind);
/* The kind called name, or -1. */
int event_kind_by_name(const char *name);
/* The MESSAGE_ID of the kind called name, or NULL (none, or watch only). */
const char *event_message_id(const char *name);
/* The journal's name of a field ("ZONE"); JSON and watch use it in lower case. */
const char *event_field_name(enum event_field f);

/*
 * ev's fields as the journal has them, "KEY=value" in the kind's order
 * then ERRNO=, into storage of size bytes: *n gets how many.  Returns 0,
 * or -ENOBUFS when they did not all fit (those that did are there).
 */
#define EVENT_FIELDS_MAX 16
int event_render_fields(const struct event *ev, const char *list[EVENT_FIELDS_MAX + 1],
			char *storage, size_t size, size_t *n);
/*
 * One line for a watcher, newline included, NUL-terminated: text is
 * "- YYYY-MM-DD HH:MM:SS KIND key=value ...", JSON one object with
 * "event", "time", "priority", "message" and the fields.  Returns the
 * line's length; a line cut to fit size still ends in a newline.
 */
size_t event_render_line(const struct event *ev, const char *message, time_t at,
			 bool json, char *buf, size_t size);

#endif
