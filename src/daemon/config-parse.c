/* The config loader's shared helpers: typed reads of a setting that say FILE:LINE and what was expected. */
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-parse.h"
#include "core/duration.h"

/* Builds "zones.[0].valve.pin" by walking up to the root. */
void setting_path(const config_setting_t *s, char *buf, size_t size)
{
	const config_setting_t *parent = config_setting_parent(s);
	size_t len;

	buf[0] = '\0';
	if (!parent)
		return;
	setting_path(parent, buf, size);
	len = strlen(buf);
	if (config_setting_name(s))
		snprintf(buf + len, size - len, "%s%s", len ? "." : "",
			 config_setting_name(s));
	else
		snprintf(buf + len, size - len, "%s[%d]", len ? "." : "",
			 config_setting_index(s));
}

const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a decimal number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "nothing usable";
	}
}

/*
 * Writes "FILE:LINE: SETTING[.member]: message".  With member, s is the
 * group the member is missing from and its line is the best there is.
 * The root has no line (0): a missing top-level setting gets none.
 */
static int vfail(struct loader *ld, const config_setting_t *s,
		 const char *member, const char *fmt, va_list ap)
{
	char where[SETTING_PATH_MAX];
	const char *file;
	unsigned line;
	size_t len;
	int w;

	if (!ld->err || !ld->err_size)
		return -EINVAL;
	setting_path(s, where, sizeof(where));
	if (member) {
		len = strlen(where);
		snprintf(where + len, sizeof(where) - len, "%s%s",
			 len ? "." : "", member);
	}
	/* A setting from an @include'd file names that file. */
	file = config_setting_source_file(s) ? config_setting_source_file(s)
					     : ld->path;
	line = config_setting_source_line(s);
	if (line)
		w = snprintf(ld->err, ld->err_size, "%s:%u: %s: ", file, line,
			     where);
	else
		w = snprintf(ld->err, ld->err_size, "%s: %s: ", file, where);
	if (w >= 0 && (size_t)w < ld->err_size)
		vsnprintf(ld->err + w, ld->err_size - (size_t)w, fmt, ap);
	return -EINVAL;
}

int fail(struct loader *ld, const config_setting_t *s,
	 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(ld, s, NULL, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int fail_missing(struct loader *ld, const config_setting_t *group,
		 const char *member, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(ld, group, member, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool known(const char *const *keys, const char *name)
{
	for (; *keys; keys++)
		if (!strcmp(*keys, name))
			return true;
	return false;
}

/* Checks that s is a group holding only settings named in keys. */
int open_group(struct loader *ld, const config_setting_t *s,
	       const char *const *keys)
{
	if (!config_setting_is_group(s))
		return fail(ld, s, "must be a group { ... }, not %s",
			    type_name(s));
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
		char list[384] = "";
		size_t len = 0;

		if (known(keys, config_setting_name(m)))
			continue;
		for (const char *const *k = keys; *k && len < sizeof(list); k++)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s%s", len ? ", " : "", *k);
		return fail(ld, m, "unknown setting (allowed here: %s)", list);
	}
	return 0;
}

/*
 * Finds member name in group.  A missing required member is an error;
 * a missing optional one gives *m = NULL so the caller keeps its default.
 */
int get_member(struct loader *ld, const config_setting_t *group,
	       const char *name, bool required,
	       const config_setting_t **m)
{
	*m = config_setting_get_member(group, name);
	if (!*m && required)
		return fail_missing(ld, group, name,
				    "required setting is missing");
	return 0;
}

/* Checks that s is an integer from min to max. */
int int_value(struct loader *ld, const config_setting_t *s,
	      long long min, long long max, bool hex, long long *v)
{
	long long n;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return fail(ld, s, "must be an integer, not %s", type_name(s));
	n = config_setting_get_int64(s);
	if (n < min || n > max) {
		if (hex)
			return fail(ld, s, "must be 0x%02llx to 0x%02llx",
				    min, max);
		return fail(ld, s, "must be %lld to %lld", min, max);
	}
	*v = n;
	return 0;
}

int read_int(struct loader *ld, const config_setting_t *group,
	     const char *name, bool required, long long min,
	     long long max, bool hex, long long *v)
{
	const config_setting_t *s;
	int r;

	r = get_member(ld, group, name, required, &s);
	if (r < 0 || !s)
		return r;
	return int_value(ld, s, min, max, hex, v);
}

/*
 * Reads a number; integers are welcome where a decimal is expected
 * ("flow_lpm = 20;").  above_min: min itself is refused (> rather than >=).
 */
int read_double(struct loader *ld, const config_setting_t *group,
		const char *name, bool required, double min, bool above_min,
		double max, double *v)
{
	const config_setting_t *s;
	double d;
	int r;

	r = get_member(ld, group, name, required, &s);
	if (r < 0 || !s)
		return r;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_FLOAT:
		d = config_setting_get_float(s);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		d = (double)config_setting_get_int64(s);
		break;
	default:
		return fail(ld, s, "must be a number, not %s", type_name(s));
	}
	if (!isfinite(d))
		return fail(ld, s, "must be a finite number");
	if (d < min || (above_min && d == min) || d > max) {
		if (isinf(max))
			return fail(ld, s, "must be %s %g",
				    above_min ? "more than" : "at least", min);
		if (above_min)
			return fail(ld, s, "must be more than %g and at most %g",
				    min, max);
		return fail(ld, s, "must be %g to %g", min, max);
	}
	*v = d;
	return 0;
}

int read_bool(struct loader *ld, const config_setting_t *group,
	      const char *name, bool *v)
{
	const config_setting_t *s;

	get_member(ld, group, name, false, &s);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(ld, s, "must be true or false, not %s",
			    type_name(s));
	*v = config_setting_get_bool(s);
	return 0;
}

int read_string(struct loader *ld, const config_setting_t *group,
		const char *name, bool required, const char **v,
		const config_setting_t **where)
{
	const config_setting_t *s;
	int r;

	r = get_member(ld, group, name, required, &s);
	if (r < 0 || !s)
		return r;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(ld, s, "must be a string in double quotes, not %s",
			    type_name(s));
	*v = config_setting_get_string(s);
	if (where)
		*where = s;
	return 0;
}

/*
 * duration_parse() refuses zero.  Where zero is allowed, "0s", "0m" or
 * "0h0m" mean none: a text whose digits are all 0 and that would parse
 * with each 0 made a 1.  A bare "0" stays refused like any bare number.
 */
static bool zero_duration(const char *text)
{
	char copy[32];
	size_t len = strlen(text);
	uint32_t secs;

	if (!len || len >= sizeof(copy) || !strchr(text, '0') ||
	    strpbrk(text, "123456789"))
		return false;
	for (size_t i = 0; i <= len; i++)
		copy[i] = text[i] == '0' ? '1' : text[i];
	return duration_parse(copy, 0, &secs) == 0;
}

/*
 * Durations are strings with units so "60" cannot be taken for minutes by
 * one reader and seconds by another.  range describes min_s to max_s for
 * the message: "1s to 24h".
 */
int read_duration(struct loader *ld, const config_setting_t *group,
		  const char *name, bool required, uint32_t min_s,
		  uint32_t max_s, const char *range, unsigned *v)
{
	const config_setting_t *s;
	const char *text;
	uint32_t secs;
	int r;

	r = get_member(ld, group, name, required, &s);
	if (r < 0 || !s)
		return r;
	if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64)
		return fail(ld, s,
			    "must be a string with a unit such as \"60m\", "
			    "\"90s\" or \"1h30m\", not a bare number");
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(ld, s, "must be a duration string such as \"60m\", "
			    "not %s", type_name(s));
	text = config_setting_get_string(s);
	r = duration_parse(text, 0, &secs);
	if (r == -EINVAL && zero_duration(text)) {
		secs = 0;
		r = 0;
	}
	if (r == -EINVAL)
		return fail(ld, s, "\"%s\" is not a duration (write it like "
			    "\"60m\", \"90s\" or \"1h30m\")", text);
	if (r < 0 || secs < min_s || secs > max_s)
		return fail(ld, s, "must be %s", range);
	*v = secs;
	return 0;
}

/* Names travel unquoted on the socket and in JSON, hence the narrow set. */
int read_name(struct loader *ld, const config_setting_t *group,
	      char name[CONFIG_NAME_MAX], const config_setting_t **where)
{
	const char *v;
	size_t len;
	int r;

	r = read_string(ld, group, "name", true, &v, where);
	if (r < 0)
		return r;
	len = strlen(v);
	if (!len || len >= CONFIG_NAME_MAX ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_-") != len)
		return fail(ld, *where, "\"%s\" is not a valid name: use 1 to "
			    "%d letters, digits, '_' or '-'", v,
			    CONFIG_NAME_MAX - 1);
	memcpy(name, v, len + 1);
	return 0;
}

/*
 * Would a word on the command line read as a number, a duration or a volume?
 * irrigctl water [ZONE] DURATION takes either, so a zone called "2" or
 * "5m" would make "water 5 2" mean two things.
 */
bool reads_as_duration(const char *word)
{
	size_t digits = strspn(word + (word[0] == '-'), "0123456789");
	uint32_t secs;
	double litres;

	if (digits && !word[(word[0] == '-') + digits])
		return true;
	/* "20L" too: water [ZONE] takes a volume as well. */
	return duration_parse(word, 60, &secs) != -EINVAL ||
		zero_duration(word) || volume_parse(word, &litres) != -EINVAL;
}

/*
 * Fetches an optional list of groups.  An empty [] is a list too: libconfig
 * cannot tell "()" from "[]" when nothing is inside.
 */
int get_list(struct loader *ld, const config_setting_t *group,
	     const char *name, bool required, size_t max,
	     const char *what, const config_setting_t **list)
{
	const config_setting_t *s;
	int r;

	*list = NULL;
	r = get_member(ld, group, name, required, &s);
	if (r < 0 || !s)
		return r;
	if (!config_setting_is_list(s) &&
	    !(config_setting_is_array(s) && config_setting_length(s) == 0))
		return fail(ld, s, "must be a list ( { ... }, ... ), not %s",
			    type_name(s));
	if ((size_t)config_setting_length(s) > max)
		return fail(ld, s, "at most %zu %s are supported", max, what);
	*list = s;
	return 0;
}

const config_setting_t *elem(const config_setting_t *list, size_t i)
{
	return config_setting_get_elem(list, (unsigned)i);
}

size_t list_length(const config_setting_t *list)
{
	return list ? (size_t)config_setting_length(list) : 0;
}
