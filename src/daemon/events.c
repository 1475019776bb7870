/* Events: the table of kinds, the one emit, and the renderings every consumer shares. */
#include "daemon/events.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"

/*
 * One fixed MESSAGE_ID per kind of event (made with systemd-id128 new):
 * journalctl MESSAGE_ID=... finds an event whatever its text says, and a
 * catalog can explain it.  An id never changes once shipped; a new kind
 * of event gets a new id.  A kind's fields are listed in the order the
 * journal entry has them; what one kind's emitters leave unset is left out.
 */
#define KIND(sym, nm, id, prio, jn, ...) \
	[sym] = { #sym, nm, id, prio, jn, { __VA_ARGS__ } }
#define ASKER EVF_REQUESTED_UID, EVF_REQUESTED_PID

static const struct event_kind_info kinds[EV__COUNT] = {
	KIND(EV_WATER_START, "water-start", "5aff62ec77924acaa779fd3218e76f1a",
	     LOG_INFO, true, EVF_ZONE, EVF_DURATION_S, EVF_SOURCE, EVF_RUN_ID,
	     EVF_MOISTURE, ASKER, EVF_LITRES, EVF_CYCLES),
	KIND(EV_WATER_END, "water-end", "02f70037f4344c94a5c2bf7f1d708885",
	     LOG_INFO, true, EVF_ZONE, EVF_SOURCE, EVF_RUN_ID, EVF_LITRES,
	     EVF_DURATION_S, EVF_OUTCOME, EVF_MOISTURE),
	KIND(EV_SKIP, "skip", "76c9f5cb4f464f6db781c744c4525744", LOG_INFO, true,
	     EVF_ZONE, EVF_SOURCE, EVF_RUN_ID, EVF_OUTCOME, EVF_MOISTURE),
	KIND(EV_PROGRAM_START, "program-start", "6425584934764185b1df383f08a44a8b",
	     LOG_INFO, true, EVF_PROGRAM, EVF_QUEUED),
	KIND(EV_PROGRAM_HELD, "program-held", "b8bb3d1ee7d9400ab2790148efb15e19",
	     LOG_INFO, true, EVF_PROGRAM, EVF_UNTIL),
	KIND(EV_MISSED, "missed", "8d1f1bd784a0462fa7d7657304303117", LOG_WARNING,
	     true, EVF_PROGRAM),
	KIND(EV_RAIN_DELAY, "rain-delay", "122da8ee2e354a968535755b5bf83ee7",
	     LOG_INFO, true, EVF_UNTIL),
	KIND(EV_RAIN_DELAY_LIFTED, "rain-delay-lifted",
	     "667630aa813e4e36846690baba9a5ef0", LOG_INFO, true, EVF_NONE),
	KIND(EV_CONFIG_RELOADED, "config-reloaded", "59f7ebfa060044e3a4f1be9e34a20214",
	     LOG_INFO, true, EVF_CONFIG, EVF_ZONES, EVF_PROGRAMS),
	KIND(EV_DAEMON_START, "daemon-start", "7d2e43a7033e46a79489757ca1ae6334",
	     LOG_INFO, true, EVF_VERSION, EVF_SOCKET, EVF_BACKEND),
	KIND(EV_DAEMON_STOP, "daemon-stop", "01f21254fec347679de0397cc076847c",
	     LOG_INFO, true, EVF_NONE),
	KIND(EV_FAULT, "fault", "353705d1131c4962b02519dd8b632ec2", LOG_CRIT, true,
	     EVF_FAULT, EVF_ZONE, EVF_PROBE, EVF_I2C_BUS, EVF_I2C_ADDRESS,
	     EVF_OUTPUT, EVF_FLOW_LPM, EVF_EXPECTED_LPM),
	KIND(EV_FAULT_CLEARED, "fault-cleared", "432406832c3743e399dee0ccb02ed620",
	     LOG_NOTICE, true, EVF_FAULT, EVF_I2C_BUS, EVF_I2C_ADDRESS),
	KIND(EV_WATER_REQUESTED, "water-requested", "eb2ff0990e36414d9a84ce390d026319",
	     LOG_INFO, true, EVF_ZONE, EVF_DURATION_S, EVF_RUN_ID, ASKER,
	     EVF_LITRES),
	KIND(EV_STOP_REQUESTED, "stop-requested", "5429dff6e7624795a3d33da654259987",
	     LOG_INFO, true, ASKER),
	KIND(EV_SKIP_REQUESTED, "skip-requested", "ec30624d810f4e3194c8a0a20c21d5b8",
	     LOG_INFO, true, EVF_ZONE, ASKER),
	KIND(EV_PAUSE_REQUESTED, "pause-requested", "7b0ab33d912445bd980a476cbe87d0a7",
	     LOG_INFO, true, EVF_DURATION_S, ASKER),
	KIND(EV_RESUME_REQUESTED, "resume-requested",
	     "d57567f558cb4101833dc66e3e0214db", LOG_INFO, true, ASKER),
	KIND(EV_RELOAD_REQUESTED, "reload-requested",
	     "cf727c252bad4c94a166ff46f622057a", LOG_INFO, true, ASKER),
	KIND(EV_LOW_FLOW, "low-flow", "c5f23353f9504d51aa589e6a974ff912",
	     LOG_WARNING, true, EVF_ZONE, EVF_FLOW_LPM, EVF_EXPECTED_LPM),
	KIND(EV_HELD, "held", "b9e5b6939e65421c89cc92f08bbfaa7a", LOG_WARNING, true,
	     EVF_ZONE, EVF_SOURCE, EVF_RUN_ID, EVF_OUTCOME, EVF_MOISTURE),
	KIND(EV_CAP_REACHED, "cap-reached", "a36c811bfc014dc4ae36f6ab5b1810d9",
	     LOG_WARNING, true, EVF_ZONE, EVF_SOURCE, EVF_RUN_ID, EVF_OUTCOME,
	     EVF_MOISTURE, EVF_LITRES_TODAY, EVF_CAP_LITRES, EVF_MAX_RUN_S),
	KIND(EV_SENSOR_FAILED, "sensor-failed", "50160d46337b41d19dc830d0ecb0c270",
	     LOG_WARNING, true, EVF_PROBE, EVF_ZONE),
	KIND(EV_SENSOR_RECOVERED, "sensor-recovered",
	     "6b356d0bde984dcfb174e76dd58a435f", LOG_NOTICE, true, EVF_PROBE,
	     EVF_ZONE),
	KIND(EV_CLEAR_REQUESTED, "clear-requested", "b7aa4a1c188e4f3ab745ea44bcc9b19b",
	     LOG_NOTICE, true, ASKER),
	KIND(EV_STATE_UNSAVED, "state-unsaved", "d43f519efb834fc3880dccf77b6a5d88",
	     LOG_ERR, true, EVF_STATE_FILE, EVF_STATE_DIRECTORY),
	KIND(EV_STATE_SAVED, "state-saved", "ad9a06874a194d7ebd80270ca9e44cb0",
	     LOG_NOTICE, true, EVF_STATE_FILE, EVF_STATE_DIRECTORY),
	KIND(EV_PROGRAM_SKIPPED, "program-skipped", "c136d090a4e840b3bf7cb8f0fb9d5981",
	     LOG_INFO, true, EVF_PROGRAM, EVF_REASON, EVF_TEMPERATURE),
	KIND(EV_PROGRAM_REQUESTED, "program-requested",
	     "3accb6a44bdd4815971fb55f79346baf", LOG_INFO, true, EVF_PROGRAM,
	     EVF_ACTION, ASKER),
	KIND(EV_WATER_CYCLE, "water-cycle", "e828e16ceae84954aeac6ba11b027f2c",
	     LOG_INFO, true, EVF_ZONE, EVF_SOURCE, EVF_RUN_ID, EVF_ACTION,
	     EVF_CYCLE, EVF_CYCLES, EVF_DURATION_S, EVF_LITRES, EVF_UNTIL),
	KIND(EV_WEATHER_DAY, "weather-day", "5ac9492bed22413a8b322c86f5cde864", LOG_INFO, true,
	     EVF_TEMPERATURE_MIN, EVF_TEMPERATURE_MAX, EVF_TEMPERATURE, EVF_ET0_MM,
	     EVF_PERCENT, EVF_REASON),
	KIND(EV_SEASONAL_AUTO, "seasonal-auto", "4908c5c8a1294a87a8df36acef69def6", LOG_NOTICE, true,
	     EVF_PERCENT, EVF_REASON),
	KIND(EV_BALANCE_ANCHORED, "balance-anchored", "273373c486cf4c2abed4457b6205532e", LOG_INFO, true,
	     EVF_ZONE, EVF_MOISTURE, EVF_DEPLETION_MM, EVF_DISAGREEMENT_MM),
	KIND(EV_BALANCE_WATER, "balance-water", "5ec4bc50ad7e434d8657b1fa7f81b69c", LOG_INFO, true,
	     EVF_ZONE, EVF_DEPLETION_MM, EVF_LITRES, EVF_DURATION_S, EVF_REASON),
	KIND(EV_RAIN_SENSOR, "rain-sensor", "d58c8db71e9c4831913caf80999dcf4d", LOG_NOTICE, true,
	     EVF_ACTION, EVF_UNTIL),
	KIND(EV_RAIN_RECORDED, "rain-recorded", "52e582a96e0940deb9526f0a4d5c647f", LOG_INFO, true,
	     EVF_RAIN_MM, EVF_ZONES, ASKER),
	KIND(EV_VALVE_OPENED, "valve-opened", NULL,
	     LOG_DEBUG, false, EVF_ZONE),
	KIND(EV_VALVE_CLOSED, "valve-closed", NULL,
	     LOG_DEBUG, false, EVF_ZONE),
	KIND(EV_SAMPLE, "sample", NULL, LOG_DEBUG,
	     false, EVF_PROBE, EVF_ZONE, EVF_MOISTURE, EVF_TEMPERATURE, EVF_LIGHT),
	KIND(EV_WATER_REPORT, "water-report", NULL, LOG_DEBUG, false, EVF_ZONE,
	     EVF_SOURCE, EVF_RUN_ID, EVF_LITRES, EVF_FLOW_LPM, EVF_MOISTURE),
	KIND(EV_WATER_DROPPED, "water-dropped", NULL, LOG_DEBUG, false, EVF_ZONE,
	     EVF_SOURCE, EVF_RUN_ID, EVF_OUTCOME),
	KIND(EV_WATER_WAITING, "water-waiting", NULL, LOG_DEBUG, false, EVF_ZONE,
	     EVF_DURATION_S, EVF_SOURCE, EVF_RUN_ID, EVF_WAIT_S),
};

enum field_type { T_TEXT, T_INT, T_HEX, T_TENTHS, T_HUNDREDTHS, T_SHORT };

struct field_info {
	const char *name;
	enum field_type type;
	size_t offset;
};

#define FIELD(f, type, member) \
	[EVF_##f] = { #f, type, offsetof(struct event, member) }

static const struct field_info fields[EVF__COUNT] = {
	FIELD(VERSION, T_TEXT, version),
	FIELD(SOCKET, T_TEXT, socket),
	FIELD(BACKEND, T_TEXT, backend),
	FIELD(FAULT, T_TEXT, fault),
	FIELD(PROGRAM, T_TEXT, program),
	FIELD(ZONE, T_TEXT, zone),
	FIELD(PROBE, T_TEXT, probe),
	FIELD(I2C_BUS, T_TEXT, i2c_bus),
	FIELD(I2C_ADDRESS, T_HEX, i2c_address),
	FIELD(OUTPUT, T_TEXT, output),
	FIELD(DURATION_S, T_INT, duration_s),
	FIELD(SOURCE, T_TEXT, source),
	FIELD(RUN_ID, T_INT, run_id),
	FIELD(OUTCOME, T_TEXT, outcome),
	FIELD(LITRES, T_HUNDREDTHS, litres),
	FIELD(MOISTURE, T_TENTHS, moisture),
	FIELD(TEMPERATURE, T_TENTHS, temperature),
	FIELD(LIGHT, T_TENTHS, light),
	FIELD(FLOW_LPM, T_HUNDREDTHS, flow_lpm),
	FIELD(EXPECTED_LPM, T_HUNDREDTHS, expected_lpm),
	FIELD(LITRES_TODAY, T_HUNDREDTHS, litres_today),
	FIELD(CAP_LITRES, T_SHORT, cap_litres),
	FIELD(MAX_RUN_S, T_INT, max_run_s),
	FIELD(REASON, T_TEXT, reason),
	FIELD(UNTIL, T_INT, until),
	FIELD(QUEUED, T_INT, queued),
	FIELD(WAIT_S, T_INT, wait_s),
	FIELD(ACTION, T_TEXT, action),
	FIELD(CONFIG, T_TEXT, config),
	FIELD(ZONES, T_INT, zones),
	FIELD(PROGRAMS, T_INT, programs),
	FIELD(STATE_FILE, T_TEXT, state_file),
	FIELD(STATE_DIRECTORY, T_TEXT, state_directory),
	FIELD(REQUESTED_UID, T_INT, requested_uid),
	FIELD(REQUESTED_PID, T_INT, requested_pid),
	FIELD(CYCLE, T_INT, cycle),
	FIELD(CYCLES, T_INT, cycles),
	FIELD(TEMPERATURE_MIN, T_TENTHS, temperature_min),
	FIELD(TEMPERATURE_MAX, T_TENTHS, temperature_max),
	FIELD(ET0_MM, T_HUNDREDTHS, et0_mm),
	FIELD(PERCENT, T_INT, percent),
	FIELD(DEPLETION_MM, T_TENTHS, depletion_mm),
	FIELD(DISAGREEMENT_MM, T_TENTHS, disagreement_mm),
	FIELD(RAIN_MM, T_TENTHS, rain_mm),
};

/* Manual runs waiting to start: more than the controller's queue holds. */
#define REQUESTERS_MAX 64

struct requester {
	uint32_t run_id;	/* 0: free */
	char who[64];
};

struct subscriber {
	event_subscriber_fn *fn;
	void *ctx;
};

static struct requester requesters[REQUESTERS_MAX];
static size_t requesters_next;
static struct subscriber subscribers[EVENT_SUBSCRIBERS_MAX];

const struct event_kind_info *event_kind_info(enum event_kind kind)
{
	return (unsigned)kind < EV__COUNT ? &kinds[kind] : NULL;
}

int event_kind_by_name(const char *name)
{
	for (int k = 0; name && k < EV__COUNT; k++)
		if (strcmp(kinds[k].name, name) == 0)
			return k;
	return -1;
}

const char *event_message_id(const char *name)
{
	int k = event_kind_by_name(name);

	return k < 0 ? NULL : kinds[k].message_id;
}

const char *event_field_name(enum event_field f)
{
	return f > EVF_NONE && f < EVF__COUNT ? fields[f].name : NULL;
}

void event_init(struct event *ev, enum event_kind kind)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->priority = kinds[kind].priority;
	ev->duration_s = ev->run_id = ev->max_run_s = ev->until = ev->queued = ev->wait_s =
		ev->zones = ev->programs = ev->i2c_address = ev->requested_uid =
		ev->requested_pid = ev->cycle = ev->cycles = ev->percent = EVENT_UNSET;
	ev->litres = ev->moisture = ev->temperature = ev->light = ev->flow_lpm =
		ev->expected_lpm = ev->litres_today = ev->cap_litres =
		ev->temperature_min = ev->temperature_max = ev->et0_mm =
		ev->depletion_mm = ev->disagreement_mm = ev->rain_mm = NAN;
}

/* ---- who asked ---- */

void event_set_requester(struct event *ev, const char *who)
{
	unsigned uid;
	int pid;

	ev->requested_uid = ev->requested_pid = EVENT_UNSET;
	if (!who || sscanf(who, "uid %u pid %d", &uid, &pid) != 2)
		return;
	ev->requested_uid = uid;
	ev->requested_pid = pid;
}

void event_remember_requester(uint32_t run_id, const char *who)
{
	struct requester *slot = &requesters[requesters_next];

	if (!run_id || !who)
		return;
	/* The oldest goes: a run that old has started or been dropped. */
	requesters_next = (requesters_next + 1) % REQUESTERS_MAX;
	slot->run_id = run_id;
	snprintf(slot->who, sizeof(slot->who), "%s", who);
}

void event_requester_of_run(struct event *ev, uint32_t run_id)
{
	for (size_t i = 0; run_id && i < REQUESTERS_MAX; i++) {
		if (requesters[i].run_id != run_id)
			continue;
		event_set_requester(ev, requesters[i].who);
		requesters[i].run_id = 0;	/* a run starts once */
		return;
	}
	event_set_requester(ev, NULL);
}

/* ---- rendering ---- */

/* A field's value as text, or false when it is unset. */
static bool field_value(const struct event *ev, enum event_field f, char *buf,
			size_t size)
{
	const struct field_info *fi = &fields[f];
	const char *at = (const char *)ev + fi->offset;
	const char *text;
	int64_t i;
	double x;

	switch (fi->type) {
	case T_TEXT:
		memcpy(&text, at, sizeof(text));
		if (!text || !*text)
			return false;
		snprintf(buf, size, "%s", text);
		return true;
	case T_INT:
	case T_HEX:
		memcpy(&i, at, sizeof(i));
		if (i == EVENT_UNSET)
			return false;
		snprintf(buf, size, fi->type == T_HEX ? "0x%02llx" : "%lld",
			 (long long)i);
		return true;
	case T_TENTHS:
	case T_HUNDREDTHS:
	case T_SHORT:
		memcpy(&x, at, sizeof(x));
		if (isnan(x))
			return false;
		snprintf(buf, size, fi->type == T_TENTHS ? "%.1f" :
			 fi->type == T_HUNDREDTHS ? "%.2f" : "%g", x);
		return true;
	}
	return false;
}

int event_render_fields(const struct event *ev, const char *list[EVENT_FIELDS_MAX + 1],
			char *storage, size_t size, size_t *n)
{
	const struct event_kind_info *k = &kinds[ev->kind];
	size_t used = 0;
	int r = 0;

	*n = 0;
	for (size_t i = 0; i <= sizeof(k->fields) / sizeof(k->fields[0]); i++) {
		char value[512];
		bool is_errno = i == sizeof(k->fields) / sizeof(k->fields[0]) ||
			k->fields[i] == EVF_NONE;
		int len;

		if (is_errno) {
			if (!ev->err)
				break;
			len = snprintf(storage + used, size - used, "ERRNO=%d",
				       abs(ev->err));
		} else if (!field_value(ev, k->fields[i], value, sizeof(value))) {
			continue;
		} else {
			len = snprintf(storage + used, size - used, "%s=%s",
				       fields[k->fields[i]].name, value);
		}
		if (len < 0 || (size_t)len >= size - used || *n == EVENT_FIELDS_MAX) {
			r = -ENOBUFS;
			break;
		}
		list[(*n)++] = storage + used;
		used += (size_t)len + 1;
		if (is_errno)
			break;
	}
	list[*n] = NULL;
	return r;
}

struct line {
	char *buf;
	size_t size, len;
};

static void __attribute__((format(printf, 2, 3)))
put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= l->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
}

/* text as a JSON string's contents, or for watch a bare or quoted word. */
static void put_text(struct line *l, const char *text, bool json)
{
	bool quote = !json && (!*text || strpbrk(text, " \"\\=") != NULL);

	if (quote)
		put(l, "\"");
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\')
			put(l, "\\%c", *c);
		else if (*c == '\n')
			put(l, "\\n");
		else if (*c < 0x20)
			put(l, json ? "\\u%04x" : "\\x%02x", *c);
		else
			put(l, "%c", *c);
	}
	if (quote)
		put(l, "\"");
}

static void put_key(struct line *l, enum event_field f, bool json)
{
	char key[40];
	size_t i;

	/* ZONE in the journal, zone for watchers */
	for (i = 0; fields[f].name[i] && i < sizeof(key) - 1; i++)
		key[i] = (char)tolower((unsigned char)fields[f].name[i]);
	key[i] = '\0';
	put(l, json ? ",\"%s\":" : " %s=", key);
}

size_t event_render_line(const struct event *ev, const char *message, time_t at,
			 bool json, char *buf, size_t size)
{
	const struct event_kind_info *k = &kinds[ev->kind];
	struct line l = { buf, size - 2, 0 };	/* room for the newline and NUL */
	char when[32];
	struct tm tm;

	localtime_r(&at, &tm);
	strftime(when, sizeof(when), json ? "%Y-%m-%dT%H:%M:%S%z" :
		 "%Y-%m-%d %H:%M:%S", &tm);
	if (json && strlen(when) == 24) {
		/* ISO 8601's +01:00, which every JSON reader takes */
		memmove(when + 23, when + 22, 3);
		when[22] = ':';
	}
	if (json)
		put(&l, "{\"event\":\"%s\",\"time\":\"%s\",\"priority\":%d",
		    k->name, when, ev->priority);
	else
		put(&l, "- %s %s", when, k->name);
	for (size_t i = 0; i < sizeof(k->fields) / sizeof(k->fields[0]) &&
	     k->fields[i] != EVF_NONE; i++) {
		const struct field_info *fi = &fields[k->fields[i]];
		char value[512];

		if (!field_value(ev, k->fields[i], value, sizeof(value)))
			continue;
		put_key(&l, k->fields[i], json);
		if (json && fi->type != T_TEXT && fi->type != T_HEX)
			put(&l, "%s", value);
		else if (json) {
			put(&l, "\"");
			put_text(&l, value, true);
			put(&l, "\"");
		} else {
			put_text(&l, value, false);
		}
	}
	if (ev->err)
		put(&l, json ? ",\"errno\":%d" : " errno=%d", abs(ev->err));
	if (json) {
		put(&l, ",\"message\":\"");
		put_text(&l, message, true);
		put(&l, "\"}");
		if (l.len >= l.size) {
			/* Cut: the object must still parse, so its message goes. */
			l.len = 0;
			put(&l, "{\"event\":\"%s\",\"time\":\"%s\",\"priority\":%d,"
			    "\"message\":\"(too long)\"}", k->name, when, ev->priority);
		}
	}
	if (l.len >= l.size)
		l.len = strlen(buf);	/* cut where vsnprintf stopped */
	buf[l.len++] = '\n';
	buf[l.len] = '\0';
	return l.len;
}

/* ---- emitting ---- */

int event_subscribe(event_subscriber_fn *fn, void *ctx)
{
	for (size_t i = 0; i < EVENT_SUBSCRIBERS_MAX; i++) {
		if (subscribers[i].fn)
			continue;
		subscribers[i] = (struct subscriber){ fn, ctx };
		return 0;
	}
	return -ENOSPC;
}

void event_unsubscribe(event_subscriber_fn *fn, void *ctx)
{
	for (size_t i = 0; i < EVENT_SUBSCRIBERS_MAX; i++)
		if (subscribers[i].fn == fn && subscribers[i].ctx == ctx)
			subscribers[i] = (struct subscriber){ NULL, NULL };
}

int event_emit(const struct event *ev, const char *fmt, ...)
{
	const struct event_kind_info *k = &kinds[ev->kind];
	char text[LOG_LINE_MAX], storage[2048];
	const char *list[EVENT_FIELDS_MAX + 1];
	size_t n, len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (ev->err) {
		len = strlen(text);
		snprintf(text + len, sizeof(text) - len, ": %s", strerror(abs(ev->err)));
	}
	if (k->journal) {
		/* Fields that did not fit are left out; the message still goes. */
		event_render_fields(ev, list, storage, sizeof(storage), &n);
		log_entry_send(ev->priority, k->name, k->message_id, list, text);
	}
	for (size_t i = 0; i < EVENT_SUBSCRIBERS_MAX; i++)
		if (subscribers[i].fn)
			subscribers[i].fn(subscribers[i].ctx, ev, text);
	return ev->err;
}
