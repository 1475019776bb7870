/* The state files' text: a bounded writer, and strict, locale-free readers of words and numbers. */
#include "core/statetext.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void text_put(struct text_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->full = true;
	else
		o->len += (size_t)n;
}

void text_put_fixed(struct text_out *o, double v, unsigned decimals)
{
	unsigned long long scale = 1, units;

	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	/* v is known to be in 0..1e6, so this cannot overflow. */
	units = (unsigned long long)(v * (double)scale + 0.5);
	text_put(o, " %llu.%0*llu", units / scale, (int)decimals, units % scale);
}

void text_put_known(struct text_out *o, double v, unsigned decimals)
{
	if (isnan(v))
		text_put(o, " -");
	else
		text_put_fixed(o, v, decimals);
}

bool text_span_is(struct text_span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

bool text_parse_uint(struct text_span s, unsigned long long max,
		     unsigned long long *v)
{
	unsigned long long x = 0;

	if (s.n == 0 || s.n > 19 || (s.n > 1 && s.p[0] == '0'))
		return false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		x = x * 10 + (unsigned long long)(s.p[i] - '0');
	}
	if (x > max)
		return false;
	*v = x;
	return true;
}

bool text_parse_fixed(struct text_span s, double max, double *v)
{
	const char *dot = memchr(s.p, '.', s.n);
	unsigned long long whole, frac = 0, scale = 1;
	struct text_span w, f;
	double x;

	if (!dot)
		return false;
	w = (struct text_span){ s.p, (size_t)(dot - s.p) };
	f = (struct text_span){ dot + 1, s.n - w.n - 1 };
	if (w.n > 7 || f.n == 0 || f.n > 6 || !text_parse_uint(w, 9999999, &whole))
		return false;
	for (size_t i = 0; i < f.n; i++) {
		if (f.p[i] < '0' || f.p[i] > '9')
			return false;
		frac = frac * 10 + (unsigned long long)(f.p[i] - '0');
		scale *= 10;
	}
	x = (double)(whole * scale + frac) / (double)scale;
	if (x > max)
		return false;
	*v = x;
	return true;
}

bool text_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool text_valid_name(const char *name, size_t size)
{
	size_t n = 0;

	/* Bounded by size: a name in memory may lack its NUL. */
	while (n < size && name[n])
		if (!text_name_char(name[n++]))
			return false;
	return n > 0 && n < size;
}

int text_fail(char *err, size_t err_size, unsigned long line, const char *what)
{
	if (err && err_size)
		snprintf(err, err_size, "line %lu: %s", line, what);
	return -EINVAL;
}

long text_read_lines(const char *text, size_t len, const char *header,
		     const char *not_header, text_line_fn *each_line, void *ctx,
		     char *err, size_t err_size)
{
	unsigned long lineno = 0;
	size_t pos = 0;

	if (len == 0 || !text)
		return text_fail(err, err_size, 1, "empty file");
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		const char *what = NULL;
		struct text_span line;

		lineno++;
		if (!nl)
			return text_fail(err, err_size, lineno,
					 "truncated: no newline at the end");
		line = (struct text_span){ text + pos, (size_t)(nl - (text + pos)) };
		pos += line.n + 1;
		if (lineno == 1) {
			if (!text_span_is(line, header))
				what = not_header;
		} else {
			what = each_line(line, lineno, ctx);
		}
		if (what)
			return text_fail(err, err_size, lineno, what);
	}
	return (long)lineno;
}
