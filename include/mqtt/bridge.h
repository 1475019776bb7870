/* irrigd-mqtt: the bridge's settings, what it knows of the garden, and the calls between its files. */
#ifndef IRRIGD_MQTT_BRIDGE_H
#define IRRIGD_MQTT_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>
#include <time.h>

#define MQTT_CONFIG_DEFAULT IRRIGD_SYSCONFDIR "/irrigd/irrigd-mqtt.conf"
#define MQTT_STR_MAX 256
#define MQTT_PATH_MAX 1024
#define MQTT_ZONES_MAX 32
#define MQTT_PROBES_MAX 32
#define MQTT_NAME_MAX 32		/* a zone or probe name, NUL included */
#define MQTT_RUN_DEFAULT_S 600		/* what OPEN waters when the config says nothing */

struct zone_duration {
	char zone[MQTT_NAME_MAX];
	uint32_t seconds;
};

struct mqtt_config {
	char path[MQTT_PATH_MAX];
	char host[MQTT_STR_MAX];
	int port;
	char client_id[MQTT_STR_MAX];
	char topic_prefix[MQTT_STR_MAX];
	char discovery_prefix[MQTT_STR_MAX];
	char device_name[MQTT_STR_MAX];
	int keepalive;
	char username[MQTT_STR_MAX];
	char password_file[MQTT_PATH_MAX];
	char ca_file[MQTT_PATH_MAX];
	char cert_file[MQTT_PATH_MAX];
	char key_file[MQTT_PATH_MAX];
	bool tls;
	uint32_t run_s;				/* OPEN's duration */
	struct zone_duration durations[MQTT_ZONES_MAX];	/* per zone */
	size_t n_durations;
	uint32_t poll_s;			/* how often status is asked */
};

/*
 * Reads the config file into *cfg (defaults first).  0, or -EINVAL with
 * "FILE:LINE: SETTING: what is wrong" in err.  hostname fills the
 * client id's default.
 */
int mqtt_config_load(struct mqtt_config *cfg, const char *path,
		     const char *hostname, char *err, size_t err_size);
/* The password, from password_file or $CREDENTIALS_DIRECTORY/mqtt-password; 0 with "" when neither; else a negative errno, logged. */
int mqtt_config_password(const struct mqtt_config *cfg, char *buf, size_t size);
/* How long OPEN waters zone. */
uint32_t mqtt_config_run_s(const struct mqtt_config *cfg, const char *zone);

/* log.c: stderr, with sd-daemon "<N>" priority prefixes when the journal reads it. */
void mlog_setup(void);
void mlog(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

/* ---- the bridge at run time (main.c owns it) ---- */

#include <systemd/sd-event.h>

struct mosquitto;
struct json;

/* What a reply from irrigd answers: the bridge's own questions, or an MQTT command. */
enum req_kind { REQ_VERSION, REQ_ZONES, REQ_SENSORS, REQ_STATUS, REQ_COMMAND };

/* Requests sent and not yet answered, oldest first; a flood of commands waits in the broker, not here. */
#define REQ_PENDING_MAX 16
#define REQ_CONTEXT_MAX 160

struct pending {
	enum req_kind kind;
	char context[REQ_CONTEXT_MAX];	/* a command's topic, for its error */
};

/* One line from irrigd's socket at a time; a line longer than this ends the connection. */
#define IRRIGD_LINE_BUF (64 * 1024)

struct irrigd_conn {
	int fd;
	sd_event_source *io;
	char *buf;			/* IRRIGD_LINE_BUF bytes */
	size_t used;
};

struct zone_state {
	char name[MQTT_NAME_MAX];
	bool open;
	bool faulted;
	double litres_today;
	double total_litres;		/* ended runs seen by this bridge */
	double run_litres;		/* the run under way so far */
	uint32_t max_run_s;
};

struct probe_state {
	char name[MQTT_NAME_MAX];
	char zone[MQTT_NAME_MAX];
	bool known;
	double percent;
};

/* The latched faults the bridge publishes one binary sensor each for. */
#define FAULT_KINDS_ZONE 3		/* no-flow, high-flow, valve */
#define FAULT_KINDS_GARDEN 3		/* leak, valve (the master), state-unreadable */

struct bridge {
	struct mqtt_config cfg;
	const char *socket_path;
	sd_event *loop;
	bool stopping;

	/* irrigd */
	struct irrigd_conn cmd, watch;
	bool irrigd_up;			/* both connections open and watching */
	bool irrigd_lost_logged;
	unsigned irrigd_backoff_ms;
	sd_event_source *irrigd_retry;
	sd_event_source *poll_timer;
	struct pending pending[REQ_PENDING_MAX];
	size_t n_pending;
	bool synced;			/* version, zones, sensors and status answered */

	/* the garden as irrigd last said */
	char version[32];
	char backend[16];
	struct zone_state zones[MQTT_ZONES_MAX];
	size_t n_zones;
	struct probe_state probes[MQTT_PROBES_MAX];
	size_t n_probes;
	bool has_temperature, has_light;
	double temperature, light, flow_lpm;
	char temperature_unit[4];
	bool zone_faults[MQTT_ZONES_MAX][FAULT_KINDS_ZONE];
	bool garden_faults[FAULT_KINDS_GARDEN];
	double rain_delay_until;	/* 0: none */
	double next_run_at;		/* 0: none */
	char next_program[MQTT_NAME_MAX];

	/* the broker */
	struct mosquitto *mosq;
	sd_event_source *mosq_io;
	int mosq_fd;
	sd_event_source *mosq_misc;
	sd_event_source *mosq_retry;
	sd_event_source *mosq_post;
	bool broker_up;
	bool broker_lost_logged;
	unsigned broker_backoff_ms;
	char password[MQTT_STR_MAX];

	/* bad commands logged lately: a flood is logged in a few lines, not thousands */
	uint64_t bad_window_start_us;
	unsigned bad_in_window, bad_suppressed;
};

/* irrigd.c: the two connections to irrigd's socket (requests, and the watch stream) */
int irrigd_start(struct bridge *b);
void irrigd_close(struct bridge *b);
/* Sends line (no newline) and remembers what the reply answers; -EBUSY when REQ_PENDING_MAX wait already, -ENOTCONN when irrigd is away. */
int irrigd_request(struct bridge *b, const char *line, enum req_kind kind,
		   const char *context);

/* broker.c: libmosquitto on the sd-event loop */
int broker_start(struct bridge *b);
/* Publishes offline and disconnects, at SIGTERM. */
void broker_stop(struct bridge *b);
void broker_free(struct bridge *b);
/* QoS 1; when the broker is away the message is dropped: a reconnect republishes every state. */
void broker_publish(struct bridge *b, const char *topic_suffix, const char *payload,
		    bool retain);
void broker_publish_abs(struct bridge *b, const char *topic, const char *payload,
			bool retain);
void broker_subscribe(struct bridge *b, const char *topic);
/* A retained state equal to the last sent is not sent again; after this, everything is. */
void broker_forget(void);

/* garden.c: what irrigd says, published; what MQTT asks, sent to irrigd */
void garden_irrigd_up(struct bridge *b);
void garden_irrigd_down(struct bridge *b);
void garden_event(struct bridge *b, const char *line, const struct json *j);
void garden_reply(struct bridge *b, const struct pending *p, const char *line,
		  const struct json *j);
void garden_broker_up(struct bridge *b);
void garden_message(struct bridge *b, const char *topic, const void *payload,
		    int len, bool retained);
void garden_publish_availability(struct bridge *b);
/* Says why a command did nothing, on the error topic, and logs it (a flood in a few lines). */
void garden_command_error(struct bridge *b, const char *topic, const char *payload,
			  const char *code, const char *message);
