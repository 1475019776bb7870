/* A small JSON reader for irrigd's one-line replies and events: a flat list of tokens, looked up by key. */
#ifndef IRRIGD_MQTT_JSON_H
#define IRRIGD_MQTT_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum json_type { JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_NUMBER,
		 JSON_TRUE, JSON_FALSE, JSON_NULL };

struct json_token {
	enum json_type type;
	int start, end;		/* bytes of the text; a string's without quotes */
	int next;		/* the token after this one and all it holds */
};

/* A reply line holds at most a few hundred values (a schedule, a history). */
#define JSON_TOKENS_MAX 2048

struct json {
	const char *text;
	int n;
	struct json_token tok[JSON_TOKENS_MAX];
};

/* Reads text (NUL-terminated); 0, or -EINVAL when it is not one JSON value. */
int json_parse(struct json *j, const char *text);
/* The value of key in the object at token obj, or -1. */
int json_get(const struct json *j, int obj, const char *key);
/* The i-th element of the array or object value at token arr (members: their key token), or -1. */
int json_elem(const struct json *j, int arr, int i);
/* Copies the string at token t into buf (escapes undone, \u00XX kept as '?' outside ASCII); false when t is no string or buf too small. */
bool json_string(const struct json *j, int t, char *buf, size_t size);
/* The number at token t into *v; false when t is no number. */
bool json_number(const struct json *j, int t, double *v);
/* The string value of key in obj, or false. */
bool json_get_string(const struct json *j, int obj, const char *key, char *buf, size_t size);
bool json_get_number(const struct json *j, int obj, const char *key, double *v);
/* true for JSON true at key, false otherwise (missing, false, anything else). */
bool json_get_true(const struct json *j, int obj, const char *key);

#endif
