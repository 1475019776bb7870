/* Replies on the control socket, rendered as text or as JSON lines. */
#include "daemon/out.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/proto.h"

void out_init(struct out *out, bool json)
{
	out->json = json;
	out->overflow = false;
	out->ended = false;
	out->len = 0;
	out->buf[0] = '\0';
	out->warn_keys[0] = out->warn_text[0] = out->warn_json[0] = '\0';
}

static void append(struct out *out, const char *fmt, va_list ap)
{
	size_t room = sizeof(out->buf) - out->len;
	int n;

	if (out->overflow)
		return;
	n = vsnprintf(out->buf + out->len, room, fmt, ap);
	if (n < 0 || (size_t)n >= room) {
		out->overflow = true;
		out->buf[out->len] = '\0';
		return;
	}
	out->len += (size_t)n;
}

static void add(struct out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add(struct out *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append(out, fmt, ap);
	va_end(ap);
}

void out_line(struct out *out, const char *fmt, ...)
{
	va_list ap;

	if (out->json)
		return;
	add(out, "- ");
	va_start(ap, fmt);
	append(out, fmt, ap);
	va_end(ap);
	add(out, "\n");
}

void out_event(struct out *out, const char *fmt, ...)
{
	va_list ap;

	if (!out->json)
		return;
	add(out, "{");
	va_start(ap, fmt);
	append(out, fmt, ap);
	va_end(ap);
	add(out, "}\n");
}

void out_warn(struct out *out, const char *key, const char *json,
	      const char *fmt, ...)
{
	char text[512], quoted[1100], spaced[40];
	va_list ap;

	snprintf(spaced, sizeof(spaced), " %s ", key);
	if (strstr(out->warn_keys, spaced))
		return;
	out_append(out->warn_keys, sizeof(out->warn_keys), "%s%s ",
		   out->warn_keys[0] ? "" : " ", key);
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	out_append(out->warn_text, sizeof(out->warn_text), "- warning: %s\n", text);
	out_append(out->warn_json, sizeof(out->warn_json), "%s{%s,\"message\":%s}",
		   out->warn_json[0] ? "," : "", json,
		   proto_json_string(text, quoted, sizeof(quoted)));
}

/* The text lines, or the JSON list's fields with a leading comma. */
static void add_warnings(struct out *out)
{
	if (!out->warn_keys[0])
		return;
	if (out->json)
		add(out, ",\"warnings\":[%s]", out->warn_json);
	else
		add(out, "%s", out->warn_text);
	out->warn_keys[0] = out->warn_text[0] = out->warn_json[0] = '\0';
}

void out_flush_warnings(struct out *out)
{
	if (out->ended || !out->warn_keys[0])
		return;
	if (out->json) {
		add(out, "{\"event\":\"warnings\"");
		add_warnings(out);
		add(out, "}\n");
	} else {
		add_warnings(out);
	}
}

void out_ok(struct out *out, const char *fmt, ...)
{
	va_list ap;

	out->ended = true;
	if (!out->json) {
		add_warnings(out);
		add(out, "OK\n");
		return;
	}
	add(out, "{\"ok\":true%s", fmt && *fmt ? "," : "");
	va_start(ap, fmt);
	append(out, fmt ? fmt : "", ap);
	va_end(ap);
	add_warnings(out);
	add(out, "}\n");
}

void out_err(struct out *out, const char *code, const char *fmt, ...)
{
	char message[512], quoted[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	out->ended = true;
	/* An error must reach the client even after a long reply. */
	if (out->overflow || out->len + sizeof(quoted) + 64 +
	    2 * OUT_WARNINGS_MAX > sizeof(out->buf)) {
		out->len = 0;
		out->overflow = false;
	}
	if (out->json) {
		add(out, "{\"ok\":false,\"error\":{\"code\":\"%s\",\"message\":%s}",
		    code, proto_json_string(message, quoted, sizeof(quoted)));
		add_warnings(out);
		add(out, "}\n");
	} else {
		add_warnings(out);
		add(out, "ERR %s %s\n", code, message);
	}
}

void out_append(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used >= size - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

void out_json_number(double v, int decimals, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "null");
	else
		snprintf(buf, size, "%.*f", decimals, v);
}

void out_continue(struct out *out)
{
	char last[OUT_MAX];
	size_t start = out->len;

	if (start && out->buf[start - 1] == '\n')
		start--;
	while (start && out->buf[start - 1] != '\n')
		start--;
	snprintf(last, sizeof(last), "%s", out->buf + start);
	out->len = start;
	out->buf[start] = '\0';
	out->ended = false;
	if (!strcmp(last, "OK\n") || !strcmp(last, "{\"ok\":true}\n"))
		return;
	if (!strncmp(last, "ERR ", 4) && strchr(last + 4, ' '))
		add(out, "%s", strchr(last + 4, ' ') + 1);
	else if (!strncmp(last, "{\"ok\":true,", 11))
		add(out, "{%s", last + 11);
	else if (!strncmp(last, "{\"ok\":false,", 12))
		add(out, "{\"event\":\"error\",%s", last + 12);
	else
		add(out, "%s", last);
}
