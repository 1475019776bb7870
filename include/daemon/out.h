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
 * JSON field fragments are printf formats; use proto_json_string() for any
 * text that did not come from the config's checked names.
 *
 * Warnings (out_warn) wait for the reply's end: text "- warning: TEXT"
 * lines just before OK or ERR, JSON a "warnings" list in the final
 * object.  A reply that does not end within its request (a water run
 * the client waits for) gets them from out_flush_warnings.
 */
#define OUT_MAX 16384
#define OUT_WARNINGS_MAX 1024

struct out {
	bool json;
	bool overflow;
	bool ended;			/* OK or ERR written */
	size_t len;
	char buf[OUT_MAX];
	char warn_keys[128];		/* " key1 key2 ": each warned once */
	char warn_text[OUT_WARNINGS_MAX];
	char warn_json[OUT_WARNINGS_MAX];
};

void out_init(struct out *out, bool json);
/*
 * A whole reply that is not the end after all (one run of a program,
 * others follow): its closing line goes.  Text loses its "OK" and an
 * "ERR code message" line keeps the message; JSON's {"ok":true,...}
 * becomes {...} and {"ok":false,...} {"event":"error",...}.
 */
void out_continue(struct out *out);
void out_line(struct out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void out_event(struct out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void out_ok(struct out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void out_err(struct out *out, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * A warning for the reply's end, once per key: json holds the warning's
 * JSON fields (without braces), to which "message" is added.
 */
void out_warn(struct out *out, const char *key, const char *json,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sends the warnings still waiting, as lines or as a "warnings" event. */
void out_flush_warnings(struct out *out);

/* Appends printf output to buf (a JSON fragment), as far as it fits. */
void out_append(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* v with decimals, or null for NAN (not known), as a JSON number. */
void out_json_number(double v, int decimals, char *buf, size_t size);

#endif
