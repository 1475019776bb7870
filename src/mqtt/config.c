/* The bridge's config file (libconfig): the mqtt group, read with FILE:LINE errors as irrigd's config is. */
#include "mqtt/bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/duration.h"

static const char *const mqtt_keys[] = {
	"host", "port", "client_id", "topic_prefix", "discovery_prefix",
	"device_name", "keepalive", "username", "password_file", "tls",
	"run_duration", "durations", "poll_interval", NULL
};
static const char *const tls_keys[] = { "ca_file", "cert_file", "key_file", NULL };

struct reader {
	const char *path;
	char *err;
	size_t err_size;
};

static int fail(struct reader *rd, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "mqtt.tls.ca_file" for s. */
static void setting_path(const config_setting_t *s, char *buf, size_t size)
{
	const config_setting_t *parent = config_setting_parent(s);
	size_t len;

	buf[0] = '\0';
	if (!parent)
		return;
	setting_path(parent, buf, size);
	len = strlen(buf);
	snprintf(buf + len, size - len, "%s%s", len ? "." : "",
		 config_setting_name(s) ? config_setting_name(s) : "?");
}

static int fail(struct reader *rd, const config_setting_t *s, const char *fmt, ...)
{
	char where[128];
	va_list ap;
	int w;

	setting_path(s, where, sizeof(where));
	if (config_setting_source_line(s))
		w = snprintf(rd->err, rd->err_size, "%s:%u: %s: ", rd->path,
			     config_setting_source_line(s), where);
	else
		w = snprintf(rd->err, rd->err_size, "%s: %s: ", rd->path, where);
	va_start(ap, fmt);
	if (w >= 0 && (size_t)w < rd->err_size)
		vsnprintf(rd->err + w, rd->err_size - (size_t)w, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int check_keys(struct reader *rd, const config_setting_t *g,
		      const char *const *keys)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		size_t k;

		for (k = 0; keys[k] && strcmp(keys[k], config_setting_name(m)); k++)
			;
		if (!keys[k])
			return fail(rd, m, "unknown setting");
	}
	return 0;
}

/* A string setting into buf; a missing one leaves buf alone. */
static int read_str(struct reader *rd, const config_setting_t *g, const char *name,
		    char *buf, size_t size, bool allow_empty)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	const char *v;

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(rd, s, "must be a string");
	v = config_setting_get_string(s);
	if (!allow_empty && !*v)
		return fail(rd, s, "must not be empty");
	if (strlen(v) >= size)
		return fail(rd, s, "longer than %zu bytes", size - 1);
	strcpy(buf, v);
	return 0;
}

static int read_int(struct reader *rd, const config_setting_t *g, const char *name,
		    int min, int max, int *v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long x;

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return fail(rd, s, "must be an integer");
	x = config_setting_get_int64(s);
	if (x < min || x > max)
		return fail(rd, s, "must be from %d to %d, not %lld", min, max, x);
	*v = (int)x;
	return 0;
}

static int duration_value(struct reader *rd, const config_setting_t *s,
			  uint32_t *seconds)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    duration_parse(config_setting_get_string(s), 60, seconds) < 0)
		return fail(rd, s, "must be a duration as \"10m\", \"90s\" or "
			    "\"1h\" (at most a week)");
	return 0;
}

/* A TLS file named in the config must be there to read now: found out at the first connection it would only be "a TLS error". */
static int readable_file(struct reader *rd, const config_setting_t *g, const char *name,
			 const char *path)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	struct stat st;
	int fd, r = 0;

	if (!s)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(rd, s, "cannot read %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		r = fail(rd, s, "cannot read %s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		r = fail(rd, s, "%s is not a file", path);
	close(fd);
	return r;
}

/* Topic text that MQTT forbids in a topic name: wildcards, NUL. */
static bool bad_topic(const char *s)
{
	return !*s || strpbrk(s, "#+") || s[strlen(s) - 1] == '/';
}

static int read_group(struct reader *rd, const config_setting_t *g,
		      struct mqtt_config *cfg)
{
	const config_setting_t *s;
	int r;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(rd, g, "must be a group: mqtt = { host = \"...\"; };");
	r = check_keys(rd, g, mqtt_keys);
	if (!r)
		r = read_str(rd, g, "host", cfg->host, sizeof(cfg->host), false);
	if (!r)
		r = read_int(rd, g, "port", 1, 65535, &cfg->port);
	if (!r)
		r = read_str(rd, g, "client_id", cfg->client_id,
			     sizeof(cfg->client_id), false);
	if (!r)
		r = read_str(rd, g, "topic_prefix", cfg->topic_prefix,
			     sizeof(cfg->topic_prefix), false);
	if (!r && cfg->topic_prefix[0] && bad_topic(cfg->topic_prefix))
		r = fail(rd, config_setting_get_member(g, "topic_prefix"),
			 "must not hold + or # nor end with /");
	if (!r)
		r = read_str(rd, g, "discovery_prefix", cfg->discovery_prefix,
			     sizeof(cfg->discovery_prefix), false);
	if (!r && bad_topic(cfg->discovery_prefix))
		r = fail(rd, config_setting_get_member(g, "discovery_prefix"),
			 "must not hold + or # nor end with /");
	if (!r)
		r = read_str(rd, g, "device_name", cfg->device_name,
			     sizeof(cfg->device_name), false);
	if (!r)
		r = read_int(rd, g, "keepalive", 5, 3600, &cfg->keepalive);
	if (!r)
		r = read_str(rd, g, "username", cfg->username,
			     sizeof(cfg->username), false);
	if (!r)
		r = read_str(rd, g, "password_file", cfg->password_file,
			     sizeof(cfg->password_file), false);
	if (r)
		return r;
	s = config_setting_get_member(g, "tls");
	if (s) {
		if (config_setting_type(s) != CONFIG_TYPE_GROUP)
			return fail(rd, s, "must be a group: tls = { ca_file = \"...\"; };");
		r = check_keys(rd, s, tls_keys);
		if (!r)
			r = read_str(rd, s, "ca_file", cfg->ca_file,
				     sizeof(cfg->ca_file), false);
		if (!r)
			r = read_str(rd, s, "cert_file", cfg->cert_file,
				     sizeof(cfg->cert_file), false);
		if (!r)
			r = read_str(rd, s, "key_file", cfg->key_file,
				     sizeof(cfg->key_file), false);
		if (r)
			return r;
		if (!cfg->ca_file[0])
			return fail(rd, s, "ca_file is required: the broker's certificate "
				    "authority");
		if (!cfg->cert_file[0] != !cfg->key_file[0])
			return fail(rd, s, "cert_file and key_file go together");
		r = readable_file(rd, s, "ca_file", cfg->ca_file);
		if (!r)
			r = readable_file(rd, s, "cert_file", cfg->cert_file);
		if (!r)
			r = readable_file(rd, s, "key_file", cfg->key_file);
		if (r)
			return r;
		cfg->tls = true;
	}
	s = config_setting_get_member(g, "run_duration");
	if (s && (r = duration_value(rd, s, &cfg->run_s)) < 0)
		return r;
	s = config_setting_get_member(g, "poll_interval");
	if (s && (r = duration_value(rd, s, &cfg->poll_s)) < 0)
		return r;
	if (s && (cfg->poll_s < 5 || cfg->poll_s > 3600))
		return fail(rd, s, "must be from 5s to 1h");
	s = config_setting_get_member(g, "durations");
	if (s) {
		if (config_setting_type(s) != CONFIG_TYPE_GROUP)
			return fail(rd, s, "must be a group of zone = \"duration\", as "
				    "durations = { lawn = \"5m\"; };");
		if (config_setting_length(s) > MQTT_ZONES_MAX)
			return fail(rd, s, "at most %d zones", MQTT_ZONES_MAX);
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
			struct zone_duration *d = &cfg->durations[cfg->n_durations];

			if (strlen(config_setting_name(m)) >= sizeof(d->zone))
				return fail(rd, m, "a zone name is at most %zu bytes",
					    sizeof(d->zone) - 1);
			r = duration_value(rd, m, &d->seconds);
			if (r)
				return r;
			strcpy(d->zone, config_setting_name(m));
			cfg->n_durations++;
		}
	}
	return 0;
}

int mqtt_config_load(struct mqtt_config *cfg, const char *path,
		     const char *hostname, char *err, size_t err_size)
{
	struct reader rd = { path, err, err_size };
	config_t lc;
	const config_setting_t *g;
	int r = 0;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	strcpy(cfg->host, "localhost");
	cfg->port = 1883;
	snprintf(cfg->client_id, sizeof(cfg->client_id), "irrigd-%.200s", hostname);
	strcpy(cfg->discovery_prefix, "homeassistant");
	cfg->keepalive = 60;
	cfg->run_s = MQTT_RUN_DEFAULT_S;
	cfg->poll_s = 60;
	err[0] = '\0';

	config_init(&lc);
	if (!config_read_file(&lc, path)) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			snprintf(err, err_size, "%s: cannot read it: %s", path,
				 strerror(errno));
		else
			snprintf(err, err_size, "%s:%d: %s",
				 config_error_file(&lc) ? config_error_file(&lc) : path,
				 config_error_line(&lc), config_error_text(&lc));
		config_destroy(&lc);
		return -EINVAL;
	}
	g = config_lookup(&lc, "mqtt");
	for (int i = 0; i < config_setting_length(config_root_setting(&lc)); i++) {
		const config_setting_t *m =
			config_setting_get_elem(config_root_setting(&lc), (unsigned)i);

		if (strcmp(config_setting_name(m), "mqtt"))
			r = fail(&rd, m, "unknown setting: the bridge's settings go "
				 "in the group mqtt");
		if (r)
			break;
	}
	if (!r && !g) {
		snprintf(err, err_size, "%s: mqtt: missing: the bridge's settings "
			 "go in a group mqtt = { host = \"...\"; };", path);
		r = -EINVAL;
	}
	if (!r)
		r = read_group(&rd, g, cfg);
	config_destroy(&lc);
	if (r)
		return r;
	if (!cfg->topic_prefix[0])
		snprintf(cfg->topic_prefix, sizeof(cfg->topic_prefix), "irrigd/%.240s",
			 cfg->client_id);
	if (!cfg->device_name[0])
		snprintf(cfg->device_name, sizeof(cfg->device_name), "irrigd %.240s",
			 hostname);
	if (strpbrk(cfg->topic_prefix, "#+")) {
		snprintf(err, err_size, "%s: mqtt.client_id: \"%s\" holds + or #, "
			 "which the default topic prefix cannot: set topic_prefix",
			 path, cfg->client_id);
		return -EINVAL;
	}
	return 0;
}

int mqtt_config_password(const struct mqtt_config *cfg, char *buf, size_t size)
{
	char path[MQTT_PATH_MAX + 32];
	const char *creds = getenv("CREDENTIALS_DIRECTORY");
	ssize_t n;
	int fd;

	buf[0] = '\0';
	if (cfg->password_file[0])
		snprintf(path, sizeof(path), "%s", cfg->password_file);
	else if (creds && *creds)
		snprintf(path, sizeof(path), "%s/mqtt-password", creds);
	else
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		/* A credentials directory without the password: none is set. */
		if (!cfg->password_file[0] && e == ENOENT)
			return 0;
		mlog(LOG_ERR, "cannot read the MQTT password from %s: %s", path,
		     strerror(e));
		return -e;
	}
	n = read(fd, buf, size - 1);
	if (n < 0) {
		int e = errno;

		close(fd);
		mlog(LOG_ERR, "cannot read the MQTT password from %s: %s", path,
		     strerror(e));
		return -e;
	}
	close(fd);
	buf[n] = '\0';
	/* A file written by echo ends with a newline that is no part of it. */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 0;
}

uint32_t mqtt_config_run_s(const struct mqtt_config *cfg, const char *zone)
{
	for (size_t i = 0; i < cfg->n_durations; i++)
		if (!strcmp(cfg->durations[i].zone, zone))
			return cfg->durations[i].seconds;
	return cfg->run_s;
}
