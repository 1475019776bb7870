/* Replies on the control socket, rendered as text or as JSON lines. */
#ifndef IRRIGD_DAEMON_OUT_H
#define IRRIGD_DAEMON_OUT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Text mode: out_line() gives "- TEXT", out_ok() ends with "OK",
 * out_err() ends with "ERR CODE MESSAGE".  JSON mode: out_event() gives
 * "{FIELDS}", out_ok() ends with {"ok":true,FIELDS} and out_err() with
 * {"ok":false,"error":{"code":...,"message":...}}.  Each call writes only
 * in its own mode, so a handler states both renderings side by side.
 * JSON field fragments are printf formats; use out_json_string() for any
 * text that did not come from the config's checked names.
 */
#define OUT_MAX 16384

struct out {
	bool json;
	bool overflow;
	size_t len;
	char buf[OUT_MAX];
};

void out_init(struct out *out, bool json);
void out_line(struct out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void out_event(struct out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void out_ok(struct out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void out_err(struct out *out, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* s as a quoted JSON string, into buf; returns buf. */
const char *out_json_string(const char *s, char *buf, size_t size);

/* Appends printf output to buf (a JSON fragment), as far as it fits. */
void out_append(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* v with decimals, or null for NAN (not known), as a JSON number. */
void out_json_number(double v, int decimals, char *buf, size_t size);

#endif
