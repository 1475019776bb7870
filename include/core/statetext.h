/* The state files' text: a bounded writer, and strict, locale-free readers of words and numbers. */
#ifndef IRRIGD_CORE_STATETEXT_H
#define IRRIGD_CORE_STATETEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Writes into buf until it is full; full then stays set. */
struct text_out {
	char *buf;
	size_t size, len;
	bool full;
};

void text_put(struct text_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * " W.F" with decimals (1 to 6) digits after the point, v in 0..1e6.
 * By hand rather than "%.3f": printf and strtod follow the locale's
 * decimal point, and the files must not change with it.
 */
void text_put_fixed(struct text_out *o, double v, unsigned decimals);
/* As text_put_fixed, or " -" for NAN: a figure not known. */
void text_put_known(struct text_out *o, double v, unsigned decimals);

/* A piece of the input: never NUL-terminated, always bounded. */
struct text_span {
	const char *p;
	size_t n;
};

bool text_span_is(struct text_span s, const char *lit);
/* Plain decimal digits, no sign, no leading zero, at most max. */
bool text_parse_uint(struct text_span s, unsigned long long max,
		     unsigned long long *v);
/*
 * "W.F" with 1 to 7 whole digits and 1 to 6 decimals: both parts fit
 * exactly in a double, so one division rounds correctly, and what
 * text_put_fixed wrote reads back as the very same double.
 */
bool text_parse_fixed(struct text_span s, double max, double *v);

/* Names (zones, programs) are [A-Za-z0-9_-]. */
bool text_name_char(char c);
/* 1 to size - 1 name characters, NUL-terminated within size. */
bool text_valid_name(const char *name, size_t size);

/* "line N: what" into err (when given); returns -EINVAL. */
int text_fail(char *err, size_t err_size, unsigned long line, const char *what);

/* What a state file's reader makes of one line after the header: NULL, or what is wrong. */
typedef const char *text_line_fn(struct text_span line, unsigned long lineno,
				 void *ctx);
/*
 * Reads a state file's text, len bytes of lines that each end in '\n':
 * the first must be header (else not_header is what is wrong), and every
 * other line goes to each_line, in order.  The number of lines (at least
 * 1), or -EINVAL with "line N: what" in err at the first line that fails,
 * and at an empty or truncated file.
 */
long text_read_lines(const char *text, size_t len, const char *header,
		     const char *not_header, text_line_fn *each_line, void *ctx,
		     char *err, size_t err_size);

#endif
