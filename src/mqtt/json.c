/* A small JSON reader: irrigd's replies and events, one line each, into a flat token list (include/mqtt/json.h). */
#include "mqtt/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* How deep objects and arrays may nest: irrigd's go three levels down. */
#define JSON_DEPTH_MAX 16

struct parser {
	struct json *j;
	const char *p;
	int depth;
};

static void skip_space(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static int new_token(struct parser *ps, enum json_type type)
{
	struct json *j = ps->j;

	if (j->n >= JSON_TOKENS_MAX)
		return -E2BIG;
	j->tok[j->n] = (struct json_token){ type, (int)(ps->p - j->text), 0, 0 };
	return j->n++;
}

static int parse_value(struct parser *ps);

static int parse_string(struct parser *ps)
{
	int t;

	ps->p++;
	t = new_token(ps, JSON_STRING);
	if (t < 0)
		return t;
	while (*ps->p != '"') {
		if ((unsigned char)*ps->p < 0x20)
			return -EINVAL;	/* the end of the text, or a raw control byte */
		if (*ps->p == '\\') {
			ps->p++;
			if (!strchr("\"\\/bfnrtu", *ps->p) || !*ps->p)
				return -EINVAL;
			if (*ps->p == 'u')
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", ps->p[i]) || !ps->p[i])
						return -EINVAL;
		}
		ps->p++;
	}
	ps->j->tok[t].end = (int)(ps->p - ps->j->text);
	ps->p++;
	ps->j->tok[t].next = ps->j->n;
	return t;
}

static int parse_container(struct parser *ps, bool object)
{
	int t = new_token(ps, object ? JSON_OBJECT : JSON_ARRAY), r;
	char close = object ? '}' : ']';

	if (t < 0)
		return t;
	if (++ps->depth > JSON_DEPTH_MAX)
		return -EINVAL;
	ps->p++;
	skip_space(ps);
	if (*ps->p == close) {
		ps->p++;
	} else {
		for (;;) {
			skip_space(ps);
			if (object) {
				if (*ps->p != '"')
					return -EINVAL;
				r = parse_string(ps);
				if (r < 0)
					return r;
				skip_space(ps);
				if (*ps->p++ != ':')
					return -EINVAL;
			}
			r = parse_value(ps);
			if (r < 0)
				return r;
			skip_space(ps);
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p != close)
				return -EINVAL;
			ps->p++;
			break;
		}
	}
	ps->depth--;
	ps->j->tok[t].end = (int)(ps->p - ps->j->text);
	ps->j->tok[t].next = ps->j->n;
	return t;
}

static int parse_word(struct parser *ps, const char *word, enum json_type type)
{
	size_t len = strlen(word);
	int t;

	if (strncmp(ps->p, word, len))
		return -EINVAL;
	t = new_token(ps, type);
	if (t < 0)
		return t;
	ps->p += len;
	ps->j->tok[t].end = (int)(ps->p - ps->j->text);
	ps->j->tok[t].next = ps->j->n;
	return t;
}

static int parse_number(struct parser *ps)
{
	char *end;
	int t = new_token(ps, JSON_NUMBER);

	if (t < 0)
		return t;
	if (*ps->p != '-' && (*ps->p < '0' || *ps->p > '9'))
		return -EINVAL;
	(void)strtod(ps->p, &end);
	if (end == ps->p)
		return -EINVAL;
	ps->p = end;
	ps->j->tok[t].end = (int)(ps->p - ps->j->text);
	ps->j->tok[t].next = ps->j->n;
	return t;
}

static int parse_value(struct parser *ps)
{
	skip_space(ps);
	switch (*ps->p) {
	case '{':
		return parse_container(ps, true);
	case '[':
		return parse_container(ps, false);
	case '"':
		return parse_string(ps);
	case 't':
		return parse_word(ps, "true", JSON_TRUE);
	case 'f':
		return parse_word(ps, "false", JSON_FALSE);
	case 'n':
		return parse_word(ps, "null", JSON_NULL);
	default:
		return parse_number(ps);
	}
}

int json_parse(struct json *j, const char *text)
{
	struct parser ps = { j, text, 0 };
	int r;

	j->text = text;
	j->n = 0;
	r = parse_value(&ps);
	if (r < 0)
		return -EINVAL;
	skip_space(&ps);
	return *ps.p ? -EINVAL : 0;
}

static bool token_is(const struct json *j, int t, const char *s)
{
	size_t len = strlen(s);

	return j->tok[t].type == JSON_STRING &&
	       (size_t)(j->tok[t].end - j->tok[t].start) == len &&
	       !memcmp(j->text + j->tok[t].start, s, len);
}

int json_elem(const struct json *j, int arr, int i)
{
	int t, k = 0;

	if (arr < 0 || arr >= j->n ||
	    (j->tok[arr].type != JSON_ARRAY && j->tok[arr].type != JSON_OBJECT))
		return -1;
	for (t = arr + 1; t < j->tok[arr].next; k++) {
		if (k == i)
			return t;
		t = j->tok[t].next;
		if (j->tok[arr].type == JSON_OBJECT)
			t = j->tok[t].next;	/* past the member's value */
	}
	return -1;
}

int json_get(const struct json *j, int obj, const char *key)
{
	if (obj < 0 || obj >= j->n || j->tok[obj].type != JSON_OBJECT)
		return -1;
	for (int t = obj + 1; t < j->tok[obj].next;) {
		int value = j->tok[t].next;

		if (token_is(j, t, key))
			return value;
		t = j->tok[value].next;
	}
	return -1;
}

bool json_string(const struct json *j, int t, char *buf, size_t size)
{
	size_t n = 0;

	if (t < 0 || t >= j->n || j->tok[t].type != JSON_STRING || !size)
		return false;
	for (int i = j->tok[t].start; i < j->tok[t].end; i++) {
		char c = j->text[i];

		if (c == '\\') {
			c = j->text[++i];
			switch (c) {
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				char hex[5] = { 0 };
				long code;

				memcpy(hex, j->text + i + 1, 4);
				code = strtol(hex, NULL, 16);
				c = code > 0 && code < 0x80 ? (char)code : '?';
				i += 4;
				break;
			}
			default: break;		/* '"', '\\', '/' stand for themselves */
			}
		}
		if (n + 1 >= size)
			return false;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return true;
}

bool json_number(const struct json *j, int t, double *v)
{
	if (t < 0 || t >= j->n || j->tok[t].type != JSON_NUMBER)
		return false;
	*v = strtod(j->text + j->tok[t].start, NULL);
	return true;
}

bool json_get_string(const struct json *j, int obj, const char *key,
		     char *buf, size_t size)
{
	return json_string(j, json_get(j, obj, key), buf, size);
}

bool json_get_number(const struct json *j, int obj, const char *key, double *v)
{
	return json_number(j, json_get(j, obj, key), v);
}

bool json_get_true(const struct json *j, int obj, const char *key)
{
	int t = json_get(j, obj, key);

	return t >= 0 && j->tok[t].type == JSON_TRUE;
}
