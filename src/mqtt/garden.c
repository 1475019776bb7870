/* What the bridge publishes of the garden (Home Assistant discovery, states, events) and the MQTT commands it turns into irrigd requests. */
#include "mqtt/bridge.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/proto.h"
#include "mqtt/json.h"

/* The kinds of latched fault each binary sensor stands for (doc/protocol.md, faults). */
static const char *const zone_fault_kinds[FAULT_KINDS_ZONE] = {
	"no-flow", "high-flow", "valve"
};
static const char *const zone_fault_objects[FAULT_KINDS_ZONE] = {
	"no_flow", "high_flow", "valve_fault"
};
static const char *const zone_fault_names[FAULT_KINDS_ZONE] = {
	"no flow", "high flow", "valve fault"
};
static const char *const garden_fault_kinds[FAULT_KINDS_GARDEN] = {
	"leak", "valve", "state-unreadable"
};
/* Entities of the whole garden have no zone_ or probe_ prefix: no zone's can be the same. */
static const char *const garden_fault_objects[FAULT_KINDS_GARDEN] = {
	"leak", "master_valve_fault", "fault_record_unreadable"
};
static const char *const garden_fault_names[FAULT_KINDS_GARDEN] = {
	"Leak", "Master valve fault", "Fault record unreadable"
};
/* The pause select's options: the first lifts the rain delay. */
static const char *const pause_options[] = { "Off", "12h", "1d", "2d", "3d", "7d" };
static const unsigned pause_seconds[] = { 0, 12 * 3600, 86400, 2 * 86400,
					  3 * 86400, 7 * 86400 };
#define PAUSE_OPTIONS (sizeof(pause_options) / sizeof(pause_options[0]))

/* A command's payload is a word; anything longer is garbage. */
#define PAYLOAD_MAX 32
/* At most this many bad commands are logged in a window; the rest are counted. */
#define BAD_LOG_BURST 10
#define BAD_LOG_WINDOW_US (10 * 1000000ULL)

/* ---- building text ---- */

struct text {
	char *buf;
	size_t size, len;
};

static void __attribute__((format(printf, 2, 3)))
add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len >= t->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	t->len = n < 0 ? t->size : t->len + (size_t)n;
}

/* A JSON string of s: names come from irrigd and the config, so they are escaped. */
static const char *q(const char *s, char *buf, size_t size)
{
	return proto_json_string(s, buf, size);
}

/* The client id as a topic level and an id: letters, digits, _ and -. */
static void node_id(const struct bridge *b, char *buf, size_t size)
{
	size_t i;

	for (i = 0; b->cfg.client_id[i] && i + 1 < size; i++) {
		char c = b->cfg.client_id[i];

		buf[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '_' || c == '-' ? c : '_';
	}
	buf[i] = '\0';
}

static void iso_time(double t, char *buf, size_t size)
{
	time_t s = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&s, &tm)) {
		snprintf(buf, size, "None");	/* Home Assistant's "unknown" */
		return;
	}
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

static int zone_index(const struct bridge *b, const char *name)
{
	for (size_t i = 0; i < b->n_zones; i++)
		if (!strcmp(b->zones[i].name, name))
			return (int)i;
	return -1;
}

/* ---- publishing states ---- */

static bool online(const struct bridge *b)
{
	return b->synced && !b->stopping;
}

void garden_publish_availability(struct bridge *b)
{
	broker_publish(b, "availability", online(b) ? "online" : "offline", true);
}

static void publish_number(struct bridge *b, const char *suffix, const char *fmt,
			   double v)
{
	char text[64];

	snprintf(text, sizeof(text), fmt, v);
	broker_publish(b, suffix, text, true);
}

static void publish_zone(struct bridge *b, size_t i)
{
	const struct zone_state *z = &b->zones[i];
	char topic[128];

	snprintf(topic, sizeof(topic), "zone/%.31s/state", z->name);
	broker_publish(b, topic, z->open ? "open" : "closed", true);
	snprintf(topic, sizeof(topic), "zone/%.31s/litres_today", z->name);
	publish_number(b, topic, "%.2f", z->litres_today);
	snprintf(topic, sizeof(topic), "zone/%.31s/water_total", z->name);
	publish_number(b, topic, "%.2f", z->total_litres + z->run_litres);
	for (int k = 0; k < FAULT_KINDS_ZONE; k++) {
		snprintf(topic, sizeof(topic), "zone/%.31s/fault/%s", z->name,
			 zone_fault_kinds[k]);
		broker_publish(b, topic, b->zone_faults[i][k] ? "ON" : "OFF", true);
	}
}

static void publish_pause(struct bridge *b)
{
	char when[40];
	size_t opt = 0;

	iso_time(b->rain_delay_until, when, sizeof(when));
	broker_publish(b, "rain_delay", when, true);
	/* The smallest option that covers the delay left, so the select always shows one of its options. */
	if (b->rain_delay_until > 0) {
		double left = b->rain_delay_until - (double)time(NULL);

		for (opt = 1; opt + 1 < PAUSE_OPTIONS && pause_seconds[opt] < left; opt++)
			;
	}
	broker_publish(b, "pause/state", pause_options[opt], true);
}

static void publish_sensors(struct bridge *b)
{
	char topic[128];

	for (size_t i = 0; i < b->n_probes; i++) {
		if (!b->probes[i].known)
			continue;
		snprintf(topic, sizeof(topic), "probe/%.31s/moisture", b->probes[i].name);
		publish_number(b, topic, "%.1f", b->probes[i].percent);
	}
	if (b->has_temperature)
		publish_number(b, "temperature", "%.1f", b->temperature);
	if (b->has_light)
		publish_number(b, "light", "%.1f", b->light);
	publish_number(b, "flow", "%.2f", b->flow_lpm);
}

static void publish_status(struct bridge *b)
{
	char when[40];

	for (size_t i = 0; i < b->n_zones; i++)
		publish_zone(b, i);
	for (int k = 0; k < FAULT_KINDS_GARDEN; k++) {
		char topic[64];

		snprintf(topic, sizeof(topic), "fault/%s", garden_fault_kinds[k]);
		broker_publish(b, topic, b->garden_faults[k] ? "ON" : "OFF", true);
	}
	publish_pause(b);
	iso_time(b->next_run_at, when, sizeof(when));
	broker_publish(b, "next_run", when, true);
	publish_number(b, "flow", "%.2f", b->flow_lpm);
}

/* ---- Home Assistant discovery ---- */

static void add_topic(struct bridge *b, struct text *t, const char *key,
		      const char *suffix)
{
	char s[6 * MQTT_STR_MAX * 2 + 8], topic[MQTT_STR_MAX * 2];

	snprintf(topic, sizeof(topic), "%s/%s", b->cfg.topic_prefix, suffix);
	add(t, "\"%s\":%s,", key, q(topic, s, sizeof(s)));
}

/* The fields every entity shares: its name, ids, availability and the device. */
static void entity_head(struct bridge *b, struct text *t, const char *object,
			const char *name)
{
	char node[MQTT_STR_MAX], s1[6 * MQTT_STR_MAX + 8], s3[6 * MQTT_STR_MAX + 8],
	     s4[6 * MQTT_STR_MAX + 8];

	node_id(b, node, sizeof(node));
	add(t, "{\"name\":%s,\"unique_id\":\"%s_%s\",", q(name, s1, sizeof(s1)),
	    node, object);
	add_topic(b, t, "availability_topic", "availability");
	add(t, "\"device\":{\"identifiers\":[%s],\"name\":%s,\"model\":\"%s\","
	    "\"manufacturer\":\"irrigd\",\"sw_version\":%s},",
	    q(b->cfg.client_id, s3, sizeof(s3)), q(b->cfg.device_name, s4, sizeof(s4)),
	    strcmp(b->backend, "sim") ? "irrigd irrigation controller" :
	    "irrigd irrigation controller (simulated garden)",
	    q(b->version, s1, sizeof(s1)));
	add(t, "\"origin\":{\"name\":\"irrigd-mqtt\",\"sw_version\":\"%s\"},",
	    IRRIGD_VERSION);
}

static void announce(struct bridge *b, const char *component, const char *object,
		     struct text *t)
{
	char topic[MQTT_STR_MAX * 3], node[MQTT_STR_MAX];

	if (t->len >= t->size) {
		mlog(LOG_ERR, "the discovery of %s %s is too long: not sent",
		     component, object);
		return;
	}
	t->buf[t->len - 1] = '}';	/* the last member's comma */
	node_id(b, node, sizeof(node));
	snprintf(topic, sizeof(topic), "%.255s/%s/%.255s/%.63s/config", b->cfg.discovery_prefix,
		 component, node, object);
	broker_publish_abs(b, topic, t->buf, true);
}

static void withdraw(struct bridge *b, const char *component, const char *object)
{
	char topic[MQTT_STR_MAX * 3], node[MQTT_STR_MAX];

	node_id(b, node, sizeof(node));
	snprintf(topic, sizeof(topic), "%.255s/%s/%.255s/%.63s/config", b->cfg.discovery_prefix,
		 component, node, object);
	broker_publish_abs(b, topic, "", true);
}

/* A sensor's discovery: unit, device and state classes as Home Assistant's energy and water dashboards want them. */
static void announce_sensor(struct bridge *b, const char *object, const char *name,
			    const char *state, const char *device_class,
			    const char *state_class, const char *unit,
			    const char *icon)
{
	char buf[4096];
	struct text t = { buf, sizeof(buf), 0 };

	entity_head(b, &t, object, name);
	add_topic(b, &t, "state_topic", state);
	if (device_class)
		add(&t, "\"device_class\":\"%s\",", device_class);
	if (state_class)
		add(&t, "\"state_class\":\"%s\",", state_class);
	if (unit)
		add(&t, "\"unit_of_measurement\":\"%s\",", unit);
	if (icon)
		add(&t, "\"icon\":\"%s\",", icon);
	announce(b, "sensor", object, &t);
}

static void announce_problem(struct bridge *b, const char *object, const char *name,
			     const char *state)
{
	char buf[4096];
	struct text t = { buf, sizeof(buf), 0 };

	entity_head(b, &t, object, name);
	add_topic(b, &t, "state_topic", state);
	add(&t, "\"device_class\":\"problem\",\"payload_on\":\"ON\",\"payload_off\":\"OFF\",");
	announce(b, "binary_sensor", object, &t);
}

static void announce_zone(struct bridge *b, const char *zone)
{
	char buf[4096], object[128], name[128], state[128], cmd[128];
	struct text t = { buf, sizeof(buf), 0 };

	snprintf(object, sizeof(object), "zone_%.31s_valve", zone);
	snprintf(state, sizeof(state), "zone/%.31s/state", zone);
	snprintf(cmd, sizeof(cmd), "zone/%.31s/set", zone);
	entity_head(b, &t, object, zone);
	add_topic(b, &t, "state_topic", state);
	add_topic(b, &t, "command_topic", cmd);
	add(&t, "\"device_class\":\"water\",\"reports_position\":false,"
	    "\"payload_open\":\"OPEN\",\"payload_close\":\"CLOSE\","
	    "\"payload_stop\":null,\"state_open\":\"open\",\"state_closed\":\"closed\","
	    "\"optimistic\":false,");
	announce(b, "valve", object, &t);

	snprintf(object, sizeof(object), "zone_%.31s_litres_today", zone);
	snprintf(name, sizeof(name), "%.31s water today", zone);
	snprintf(state, sizeof(state), "zone/%.31s/litres_today", zone);
	announce_sensor(b, object, name, state, "water", "total_increasing", "L", NULL);
	snprintf(object, sizeof(object), "zone_%.31s_water_total", zone);
	snprintf(name, sizeof(name), "%.31s water total", zone);
	snprintf(state, sizeof(state), "zone/%.31s/water_total", zone);
	announce_sensor(b, object, name, state, "water", "total_increasing", "L", NULL);
	for (int k = 0; k < FAULT_KINDS_ZONE; k++) {
		snprintf(object, sizeof(object), "zone_%.31s_%s", zone, zone_fault_objects[k]);
		snprintf(name, sizeof(name), "%.31s %s", zone, zone_fault_names[k]);
		snprintf(state, sizeof(state), "zone/%.31s/fault/%s", zone,
			 zone_fault_kinds[k]);
		announce_problem(b, object, name, state);
	}
}

static void withdraw_zone(struct bridge *b, const char *zone)
{
	char object[128];

	snprintf(object, sizeof(object), "zone_%.31s_valve", zone);
	withdraw(b, "valve", object);
	snprintf(object, sizeof(object), "zone_%.31s_litres_today", zone);
	withdraw(b, "sensor", object);
	snprintf(object, sizeof(object), "zone_%.31s_water_total", zone);
	withdraw(b, "sensor", object);
	for (int k = 0; k < FAULT_KINDS_ZONE; k++) {
		snprintf(object, sizeof(object), "zone_%.31s_%s", zone, zone_fault_objects[k]);
		withdraw(b, "binary_sensor", object);
	}
}

static void announce_all(struct bridge *b)
{
	char buf[4096], object[128], name[128], state[128], unit[8];
	struct text t;

	for (size_t i = 0; i < b->n_zones; i++)
		announce_zone(b, b->zones[i].name);
	for (int k = 0; k < FAULT_KINDS_GARDEN; k++) {
		snprintf(object, sizeof(object), "%s", garden_fault_objects[k]);
		snprintf(state, sizeof(state), "fault/%s", garden_fault_kinds[k]);
		announce_problem(b, object, garden_fault_names[k], state);
	}
	for (size_t i = 0; i < b->n_probes; i++) {
		snprintf(object, sizeof(object), "probe_%.31s_moisture", b->probes[i].name);
		snprintf(name, sizeof(name), "%s moisture", b->probes[i].name);
		snprintf(state, sizeof(state), "probe/%.31s/moisture", b->probes[i].name);
		announce_sensor(b, object, name, state, "moisture", "measurement", "%",
				NULL);
	}
	if (b->has_temperature) {
		snprintf(unit, sizeof(unit), "\u00b0%s", b->temperature_unit);
		announce_sensor(b, "temperature", "Temperature", "temperature",
				"temperature", "measurement", unit, NULL);
	}
	if (b->has_light)
		announce_sensor(b, "light", "Light", "light", NULL, "measurement", "%",
				"mdi:brightness-5");
	announce_sensor(b, "flow", "Flow rate", "flow", "volume_flow_rate",
			"measurement", "L/min", NULL);
	announce_sensor(b, "rain_delay", "Rain delay until", "rain_delay",
			"timestamp", NULL, NULL, NULL);
	announce_sensor(b, "next_run", "Next scheduled run", "next_run",
			"timestamp", NULL, NULL, NULL);

	t = (struct text){ buf, sizeof(buf), 0 };
	entity_head(b, &t, "stop_all", "Stop all");
	add_topic(b, &t, "command_topic", "stop/set");
	add(&t, "\"payload_press\":\"PRESS\",\"icon\":\"mdi:water-off\",");
	announce(b, "button", "stop_all", &t);

	t = (struct text){ buf, sizeof(buf), 0 };
	entity_head(b, &t, "clear_faults", "Clear faults");
	add_topic(b, &t, "command_topic", "clear/set");
	add(&t, "\"payload_press\":\"PRESS\",\"entity_category\":\"config\",");
	announce(b, "button", "clear_faults", &t);

	t = (struct text){ buf, sizeof(buf), 0 };
	entity_head(b, &t, "pause", "Pause programs");
	add_topic(b, &t, "state_topic", "pause/state");
	add_topic(b, &t, "command_topic", "pause/set");
	add(&t, "\"options\":[");
	for (size_t i = 0; i < PAUSE_OPTIONS; i++)
		add(&t, "%s\"%s\"", i ? "," : "", pause_options[i]);
	add(&t, "],\"icon\":\"mdi:weather-rainy\",");
	announce(b, "select", "pause", &t);
}

/* Everything, as after a (re)connection: discovery, then every state, then online. */
static void publish_everything(struct bridge *b)
{
	if (!b->broker_up)
		return;
	broker_forget();
	if (b->synced) {
		announce_all(b);
		publish_status(b);
		publish_sensors(b);
	}
	garden_publish_availability(b);
}

/* ---- irrigd's replies ---- */

static void ask(struct bridge *b, const char *line, enum req_kind kind)
{
	int r = irrigd_request(b, line, kind, NULL);

	if (r < 0 && r != -ENOTCONN)
		mlog(LOG_WARNING, "cannot ask irrigd %s: %s", line, strerror(-r));
}

/* Asked again after events that change what status says; one waiting is enough. */
static void ask_status(struct bridge *b)
{
	for (size_t i = 0; i < b->n_pending; i++)
		if (b->pending[i].kind == REQ_STATUS)
			return;
	ask(b, "--json status", REQ_STATUS);
}

static void read_zones(struct bridge *b, const struct json *j)
{
	struct zone_state old[MQTT_ZONES_MAX];
	size_t n_old = b->n_zones, n = 0;
	int list = json_get(j, 0, "zones"), e;

	memcpy(old, b->zones, sizeof(old));
	for (int i = 0; (e = json_elem(j, list, i)) >= 0 && n < MQTT_ZONES_MAX; i++) {
		struct zone_state *z = &b->zones[n];
		char name[MQTT_NAME_MAX];
		double max_run = 0;
		int was = -1;

		if (!json_get_string(j, e, "name", name, sizeof(name)))
			continue;
		for (size_t k = 0; k < n_old; k++)
			if (!strcmp(old[k].name, name))
				was = (int)k;
		*z = was >= 0 ? old[was] : (struct zone_state){ 0 };
		strcpy(z->name, name);
		json_get_number(j, e, "max_run_s", &max_run);
		z->max_run_s = (uint32_t)max_run;
		n++;
	}
	b->n_zones = n;
	/* A zone the config no longer has leaves Home Assistant too. */
	for (size_t k = 0; k < n_old; k++)
		if (zone_index(b, old[k].name) < 0)
			withdraw_zone(b, old[k].name);
}

static void read_sensors(struct bridge *b, const struct json *j)
{
	int list = json_get(j, 0, "moisture"), e;
	struct probe_state old[MQTT_PROBES_MAX];
	size_t n = 0, n_old = b->n_probes;
	double v;

	memcpy(old, b->probes, sizeof(old));

	for (int i = 0; (e = json_elem(j, list, i)) >= 0 && n < MQTT_PROBES_MAX; i++) {
		struct probe_state *p = &b->probes[n];

		if (!json_get_string(j, e, "name", p->name, sizeof(p->name)))
			continue;
		p->known = json_get_number(j, e, "percent", &p->percent);
		n++;
	}
	b->n_probes = n;
	/* A probe the config no longer has leaves Home Assistant too. */
	for (size_t k = 0; k < n_old; k++) {
		size_t i;

		for (i = 0; i < n && strcmp(b->probes[i].name, old[k].name); i++)
			;
		if (i == n) {
			char object[64];

			snprintf(object, sizeof(object), "probe_%.31s_moisture",
				 old[k].name);
			withdraw(b, "sensor", object);
		}
	}
	if (!json_get_string(j, 0, "unit", b->temperature_unit,
			     sizeof(b->temperature_unit)))
		strcpy(b->temperature_unit, "C");
	/* null means no sensor, or one that cannot be read now */
	b->has_temperature = json_get_number(j, 0, "temperature", &b->temperature);
	b->has_light = json_get_number(j, 0, "brightness", &b->light);
	if (json_get_number(j, 0, "flow_lpm", &v))
		b->flow_lpm = v;
}

static void read_status(struct bridge *b, const struct json *j, bool first)
{
	char state[16] = "", zone[MQTT_NAME_MAX] = "";
	int faults = json_get(j, 0, "faults"), today = json_get(j, 0, "litres_today");
	int next = json_get(j, 0, "next_run"), e;
	double v;

	json_get_string(j, 0, "state", state, sizeof(state));
	json_get_string(j, 0, "zone", zone, sizeof(zone));
	for (size_t i = 0; i < b->n_zones; i++) {
		if (json_get_number(j, today, b->zones[i].name, &v))
			b->zones[i].litres_today = v;
		/*
		 * The valves follow valve-opened and valve-closed; status sets
		 * them only when the stream starts, as events may overtake it.
		 */
		if (first)
			b->zones[i].open = !strcmp(state, "watering") &&
					   !strcmp(zone, b->zones[i].name);
	}
	b->flow_lpm = json_get_number(j, 0, "flow_lpm", &v) ? v : 0;
	memset(b->zone_faults, 0, sizeof(b->zone_faults));
	memset(b->garden_faults, 0, sizeof(b->garden_faults));
	for (int i = 0; (e = json_elem(j, faults, i)) >= 0; i++) {
		char kind[32], fz[MQTT_NAME_MAX];
		bool garden = !json_get_string(j, e, "zone", fz, sizeof(fz));
		int zi = garden ? -1 : zone_index(b, fz);

		if (!json_get_string(j, e, "kind", kind, sizeof(kind)))
			continue;
		for (int k = 0; k < FAULT_KINDS_ZONE && zi >= 0; k++)
			if (!strcmp(kind, zone_fault_kinds[k]))
				b->zone_faults[zi][k] = true;
		for (int k = 0; k < FAULT_KINDS_GARDEN && garden; k++)
			if (!strcmp(kind, garden_fault_kinds[k]))
				b->garden_faults[k] = true;
	}
	for (size_t i = 0; i < b->n_zones; i++) {
		b->zones[i].faulted = false;
		for (int k = 0; k < FAULT_KINDS_ZONE; k++)
			b->zones[i].faulted |= b->zone_faults[i][k];
	}
	if (!json_get_number(j, 0, "rain_delay_until", &b->rain_delay_until))
		b->rain_delay_until = 0;
	if (!json_get_number(j, next, "at", &b->next_run_at))
		b->next_run_at = 0;
	if (!json_get_string(j, next, "program", b->next_program,
			     sizeof(b->next_program)))
		b->next_program[0] = '\0';
}

/* "topic\tpayload", a command's context, back into its parts. */
static void split_context(const char *context, char *topic, size_t tsize,
			  char *payload, size_t psize)
{
	const char *tab = strchr(context, '\t');
	size_t n = tab ? (size_t)(tab - context) : strlen(context);

	snprintf(topic, tsize, "%.*s", (int)n, context);
	snprintf(payload, psize, "%s", tab ? tab + 1 : "");
}

void garden_reply(struct bridge *b, const struct pending *p, const char *line,
		  const struct json *j)
{
	bool ok = json_get_true(j, 0, "ok");

	if (!ok && p->kind != REQ_COMMAND) {
		mlog(LOG_WARNING, "irrigd refused the bridge's question: %.200s", line);
		return;
	}
	switch (p->kind) {
	case REQ_VERSION:
		json_get_string(j, 0, "version", b->version, sizeof(b->version));
		break;
	case REQ_ZONES:
		read_zones(b, j);
		break;
	case REQ_SENSORS:
		read_sensors(b, j);
		break;
	case REQ_STATUS:
		json_get_string(j, 0, "backend", b->backend, sizeof(b->backend));
		read_status(b, j, !b->synced);
		if (!b->synced) {
			b->synced = true;
			publish_everything(b);
		} else {
			publish_status(b);
		}
		break;
	case REQ_COMMAND: {
		char topic[REQ_CONTEXT_MAX], payload[REQ_CONTEXT_MAX];

		split_context(p->context, topic, sizeof(topic), payload, sizeof(payload));
		if (!ok) {
			int err = json_get(j, 0, "error");
			char code[32] = "error", message[512] = "";

			json_get_string(j, err, "code", code, sizeof(code));
			json_get_string(j, err, "message", message, sizeof(message));
			garden_command_error(b, topic, payload, code, message);
		} else {
			mlog(LOG_INFO, "%s %s: done", topic, payload);
		}
		ask_status(b);
		break;
	}
	}
}

/* ---- irrigd's events ---- */

static void event_zone_open(struct bridge *b, const struct json *j, bool open)
{
	char zone[MQTT_NAME_MAX];
	int i;

	if (!json_get_string(j, 0, "zone", zone, sizeof(zone)) ||
	    (i = zone_index(b, zone)) < 0)
		return;
	b->zones[i].open = open;
	if (!open) {
		b->flow_lpm = 0;
		publish_number(b, "flow", "%.2f", 0);
	}
	publish_zone(b, (size_t)i);
}

static void event_sample(struct bridge *b, const struct json *j)
{
	char probe[MQTT_NAME_MAX];
	double v;

	if (json_get_string(j, 0, "probe", probe, sizeof(probe))) {
		for (size_t i = 0; i < b->n_probes; i++)
			if (!strcmp(b->probes[i].name, probe) &&
			    json_get_number(j, 0, "moisture", &v)) {
				char topic[128];

				b->probes[i].known = true;
				b->probes[i].percent = v;
				snprintf(topic, sizeof(topic), "probe/%.31s/moisture", probe);
				publish_number(b, topic, "%.1f", v);
			}
		return;
	}
	if (json_get_number(j, 0, "temperature", &v)) {
		b->temperature = v;
		/* A sensor that could not be read at the start reads now. */
		if (!b->has_temperature) {
			b->has_temperature = true;
			announce_all(b);
		}
		publish_number(b, "temperature", "%.1f", v);
	}
	if (json_get_number(j, 0, "light", &v)) {
		b->light = v;
		if (!b->has_light) {
			b->has_light = true;
			announce_all(b);
		}
		publish_number(b, "light", "%.1f", v);
	}
}

static void event_run(struct bridge *b, const struct json *j, bool ended)
{
	char zone[MQTT_NAME_MAX];
	double litres, flow;
	int i;

	if (!json_get_string(j, 0, "zone", zone, sizeof(zone)) ||
	    (i = zone_index(b, zone)) < 0 || !json_get_number(j, 0, "litres", &litres))
		return;
	if (ended) {
		b->zones[i].total_litres += litres;
		b->zones[i].run_litres = 0;
	} else {
		b->zones[i].run_litres = litres;
		if (json_get_number(j, 0, "flow_lpm", &flow)) {
			b->flow_lpm = flow;
			publish_number(b, "flow", "%.2f", flow);
		}
	}
	publish_zone(b, (size_t)i);
}

void garden_event(struct bridge *b, const char *line, const struct json *j)
{
	char kind[48], topic[64];

	if (!json_get_string(j, 0, "event", kind, sizeof(kind)) || !kind[0] ||
	    strpbrk(kind, "+#/"))
		return;
	snprintf(topic, sizeof(topic), "event/%s", kind);
	broker_publish(b, topic, line, false);
	if (!b->synced)
		return;		/* the status to come says it all */
	if (!strcmp(kind, "valve-opened"))
		event_zone_open(b, j, true);
	else if (!strcmp(kind, "valve-closed"))
		event_zone_open(b, j, false);
	else if (!strcmp(kind, "water-report"))
		event_run(b, j, false);
	else if (!strcmp(kind, "sample"))
		event_sample(b, j);
	else if (!strcmp(kind, "config-reloaded"))
		garden_irrigd_up(b);	/* zones and probes may have changed */
	if (!strcmp(kind, "water-end"))
		event_run(b, j, true);
	if (!strcmp(kind, "water-end") || !strcmp(kind, "fault") ||
	    !strcmp(kind, "fault-cleared") || !strcmp(kind, "clear-requested") ||
	    !strcmp(kind, "rain-delay") || !strcmp(kind, "rain-delay-lifted") ||
	    !strcmp(kind, "program-requested") || !strcmp(kind, "cap-reached") ||
	    !strcmp(kind, "water-start") || !strcmp(kind, "program-start"))
		ask_status(b);
}

/* ---- irrigd and the broker come and go ---- */

void garden_irrigd_up(struct bridge *b)
{
	/* Answered in order: the status, last, finds zones and probes known. */
	b->synced = false;
	ask(b, "--json version", REQ_VERSION);
	ask(b, "--json zones", REQ_ZONES);
	ask(b, "--json sensors", REQ_SENSORS);
	ask(b, "--json status", REQ_STATUS);
}

void garden_irrigd_down(struct bridge *b)
{
	garden_publish_availability(b);
}

void garden_broker_up(struct bridge *b)
{
	static const char *const commands[] = {
		"zone/+/set", "stop/set", "clear/set", "pause/set"
	};
	char topic[MQTT_STR_MAX * 2];

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		snprintf(topic, sizeof(topic), "%s/%s", b->cfg.topic_prefix, commands[i]);
		broker_subscribe(b, topic);
	}
	snprintf(topic, sizeof(topic), "%s/status", b->cfg.discovery_prefix);
	broker_subscribe(b, topic);
	/* The broker may have missed states while away: all again. */
	publish_everything(b);
	if (b->synced)
		ask_status(b);
}

/* ---- MQTT commands ---- */

/* The end of a window in which commands were refused unlogged: their count, once. */
static int on_bad_window_end(sd_event_source *s, uint64_t usec, void *data)
{
	struct bridge *b = data;

	(void)s, (void)usec;
	mlog(LOG_WARNING, "%u more commands were refused and not logged",
	     b->bad_suppressed);
	b->bad_in_window = b->bad_suppressed = 0;
	b->bad_window_start_us = 0;
	return 0;
}

void garden_command_error(struct bridge *b, const char *topic, const char *payload,
			  const char *code, const char *message)
{
	char buf[2048], s1[6 * 200 + 8], s2[6 * 64 + 8], s3[6 * 32 + 8],
	     s4[6 * 300 + 8];
	uint64_t now = 0;

	sd_event_now(b->loop, CLOCK_MONOTONIC, &now);
	if (!b->bad_suppressed && now - b->bad_window_start_us >= BAD_LOG_WINDOW_US) {
		b->bad_window_start_us = now;
		b->bad_in_window = 0;
	}
	if (b->bad_in_window++ < BAD_LOG_BURST) {
		mlog(LOG_WARNING, "command %s%s%.64s refused: %s: %s", topic,
		     payload ? " " : "", payload ? payload : "", code, message);
	} else if (b->bad_suppressed++ == 0) {
		/* Floating: the loop owns it, and frees it at exit if still due. */
		if (sd_event_add_time(b->loop, NULL, CLOCK_MONOTONIC,
				      b->bad_window_start_us + BAD_LOG_WINDOW_US, 0,
				      on_bad_window_end, b) < 0)
			b->bad_suppressed = 0;	/* no summary then: log each */
	}
	snprintf(buf, sizeof(buf), "{\"topic\":%s,\"payload\":%s,\"code\":%s,"
		 "\"message\":%s}", q(topic, s1, sizeof(s1)),
		 payload ? q(payload, s2, sizeof(s2)) : "null",
		 q(code, s3, sizeof(s3)), q(message, s4, sizeof(s4)));
	broker_publish(b, "error", buf, false);
}

/* The payload as a printable word, or NULL (binary, too long, blank). */
static const char *payload_word(const void *payload, int len, char *buf, size_t size)
{
	const unsigned char *p = payload;

	if (len <= 0 || (size_t)len >= size)
		return NULL;
	for (int i = 0; i < len; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return NULL;
	memcpy(buf, payload, (size_t)len);
	buf[len] = '\0';
	return buf;
}

/* The payload quoted in an error: printable bytes kept, the rest '?', cut short. */
static void payload_shown(const void *payload, int len, char *buf, size_t size)
{
	const unsigned char *p = payload;
	size_t n = 0;

	for (int i = 0; i < len && n + 1 < size; i++)
		buf[n++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	buf[n] = '\0';
}

static void send_command(struct bridge *b, const char *topic, const char *word,
			 const char *line)
{
	char context[REQ_CONTEXT_MAX];
	int r;

	snprintf(context, sizeof(context), "%.120s\t%s", topic, word);
	r = irrigd_request(b, line, REQ_COMMAND, context);
	if (r == -EBUSY)
		garden_command_error(b, topic, word, "busy", "too many commands wait "
				     "for irrigd's answer: this one is dropped");
	else if (r == -ENOTCONN)
		garden_command_error(b, topic, word, "unavailable",
				     "irrigd is not reachable now");
	else if (r < 0)
		garden_command_error(b, topic, word, "bad-request", strerror(-r));
}

static void zone_command(struct bridge *b, const char *topic, const char *zone,
			 const char *word)
{
	int i = zone_index(b, zone);
	char line[128];
	uint32_t run_s;

	if (i < 0) {
		garden_command_error(b, topic, word, "unknown-zone",
				     "irrigd has no zone of that name");
		return;
	}
	if (!strcmp(word, "OPEN")) {
		run_s = mqtt_config_run_s(&b->cfg, zone);
		if (b->zones[i].max_run_s && run_s > b->zones[i].max_run_s)
			run_s = b->zones[i].max_run_s;
		snprintf(line, sizeof(line), "--json water %s %us --no-wait", zone, run_s);
		send_command(b, topic, word, line);
	} else if (!strcmp(word, "CLOSE")) {
		/* irrigd ends the zone that waters; another zone's CLOSE must not end it. */
		if (!b->zones[i].open)
			garden_command_error(b, topic, word, "not-watering",
					     "the zone is not watering");
		else
			send_command(b, topic, word, "--json skip");
	} else {
		garden_command_error(b, topic, word, "bad-payload",
				     "a zone takes OPEN or CLOSE");
	}
}

void garden_message(struct bridge *b, const char *topic, const void *payload,
		    int len, bool retained)
{
	size_t plen = strlen(b->cfg.topic_prefix), dlen = strlen(b->cfg.discovery_prefix);
	char word_buf[PAYLOAD_MAX + 1], shown[PAYLOAD_MAX + 1];
	const char *word = payload_word(payload, len, word_buf, sizeof(word_buf));
	const char *rest;
	char zone[MQTT_NAME_MAX + 1];

	/* Home Assistant started again: it has forgotten what was announced. */
	if (!strncmp(topic, b->cfg.discovery_prefix, dlen) &&
	    !strcmp(topic + dlen, "/status")) {
		if (word && !strcmp(word, "online"))
			publish_everything(b);
		return;
	}
	payload_shown(payload, len, shown, sizeof(shown));
	if (strncmp(topic, b->cfg.topic_prefix, plen) || topic[plen] != '/') {
		garden_command_error(b, topic, shown, "unknown-topic",
				     "not a command topic");
		return;
	}
	/* A command kept by the broker would run again at every reconnection. */
	if (retained) {
		garden_command_error(b, topic, shown, "retained",
				     "a retained command is not acted on: publish "
				     "commands without the retain flag");
		return;
	}
	if (!word) {
		garden_command_error(b, topic, shown, "bad-payload",
				     "the payload is not a word");
		return;
	}
	rest = topic + plen + 1;
	if (!strcmp(rest, "stop/set")) {
		if (strcmp(word, "PRESS"))
			garden_command_error(b, topic, word, "bad-payload",
					     "stop takes PRESS");
		else
			send_command(b, topic, word, "--json stop");
	} else if (!strcmp(rest, "clear/set")) {
		if (strcmp(word, "PRESS"))
			garden_command_error(b, topic, word, "bad-payload",
					     "clear takes PRESS");
		else
			send_command(b, topic, word, "--json clear");
	} else if (!strcmp(rest, "pause/set")) {
		char line[64];
		size_t i;

		for (i = 0; i < PAUSE_OPTIONS && strcmp(word, pause_options[i]); i++)
			;
		if (i == PAUSE_OPTIONS)
			garden_command_error(b, topic, word, "bad-payload",
					     "pause takes Off, 12h, 1d, 2d, 3d or 7d");
		else if (i == 0)
			send_command(b, topic, word, "--json resume");
		else {
			snprintf(line, sizeof(line), "--json pause %s", pause_options[i]);
			send_command(b, topic, word, line);
		}
	} else if (!strncmp(rest, "zone/", 5) && strlen(rest) > 9 &&
		   !strcmp(rest + strlen(rest) - 4, "/set") &&
		   strlen(rest) - 9 < sizeof(zone)) {
		snprintf(zone, sizeof(zone), "%.*s", (int)(strlen(rest) - 9), rest + 5);
		zone_command(b, topic, zone, word);
	} else {
		garden_command_error(b, topic, word, "unknown-topic",
				     "not a command topic");
	}
}
