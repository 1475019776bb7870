/* The wiring record: every output irrigd set up, kept so the next run and --all-off close them whatever the config says then. */
#include "daemon/wiring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/statetext.h"
#include "daemon/state.h"

#define WIRING_HEADER "irrigd-wiring 1"

void wiring_output_of(const struct config *cfg, const struct config_pin *pin,
		      struct wiring_output *out)
{
	memset(out, 0, sizeof(*out));
	out->on_gpio = pin->on_gpio;
	out->active_low = pin->active_low;
	if (pin->on_gpio) {
		out->line = pin->line;
		return;
	}
	out->address = cfg->expanders[pin->expander].address;
	out->pin = pin->pin;
	out->line.offset = -1;
}

bool wiring_same_output(const struct wiring_output *a,
			const struct wiring_output *b)
{
	if (a->on_gpio != b->on_gpio)
		return false;
	if (!a->on_gpio)
		return a->address == b->address && a->pin == b->pin;
	if (*a->line.name || *b->line.name)
		return !strcmp(a->line.name, b->line.name);
	return !strcmp(a->line.chip, b->line.chip) &&
		a->line.offset == b->line.offset;
}

int wiring_add(struct wiring *w, const struct wiring_output *o)
{
	for (size_t i = 0; i < w->n_outputs; i++)
		if (wiring_same_output(&w->outputs[i], o))
			return 0;
	if (w->n_outputs == WIRING_MAX_OUTPUTS)
		return -ENOSPC;
	w->outputs[w->n_outputs++] = *o;
	return 0;
}

void wiring_from_config(const struct config *cfg, bool sim, struct wiring *out)
{
	struct wiring_output o;

	memset(out, 0, sizeof(*out));
	out->sim = sim || cfg->backend == HW_BACKEND_SIM;
	out->i2c_bus = cfg->i2c_bus;
	/* At most WIRING_MAX_OUTPUTS, so nothing is left out. */
	for (size_t z = 0; z < cfg->n_zones; z++) {
		wiring_output_of(cfg, &cfg->zones[z].valve, &o);
		wiring_add(out, &o);
	}
	if (cfg->master.present) {
		wiring_output_of(cfg, &cfg->master.pin, &o);
		wiring_add(out, &o);
	}
	for (size_t p = 0; p < cfg->n_probes; p++) {
		if (!cfg->probes[p].has_power)
			continue;
		wiring_output_of(cfg, &cfg->probes[p].power, &o);
		wiring_add(out, &o);
	}
}

static const char *polarity(bool active_low)
{
	return active_low ? "active-low" : "active-high";
}

int wiring_format(const struct wiring *w, char *buf, size_t size)
{
	struct text_out o = { buf, size, 0, false };

	text_put(&o, WIRING_HEADER "\nbackend %s\ni2c_bus %u\n",
		 w->sim ? "sim" : "linux", w->i2c_bus);
	for (size_t i = 0; i < w->n_outputs; i++) {
		const struct wiring_output *out = &w->outputs[i];

		if (!out->on_gpio)
			text_put(&o, "expander 0x%02x %u %s\n", out->address, out->pin,
				 polarity(out->active_low));
		else if (*out->line.name)
			text_put(&o, "gpio-line %s %s\n", out->line.name,
				 polarity(out->active_low));
		else
			text_put(&o, "gpio-chip %s %d %s\n", out->line.chip,
				 out->line.offset, polarity(out->active_low));
	}
	return o.full ? -ENOSPC : (int)o.len;
}

#define MAX_WORDS 5

/* Splits one line into words at single spaces; false on any other shape. */
static bool split_words(struct text_span line, struct text_span *words,
			size_t *n)
{
	size_t start = 0;

	*n = 0;
	for (size_t i = 0; i <= line.n; i++) {
		if (i < line.n && line.p[i] != ' ') {
			if (line.p[i] == '\0' || line.p[i] == '\t' || line.p[i] == '\r')
				return false;
			continue;
		}
		if (i == start || *n == MAX_WORDS)
			return false;	/* an empty word: two spaces, or an edge */
		words[(*n)++] = (struct text_span){ line.p + start, i - start };
		start = i + 1;
	}
	return true;
}

static bool parse_polarity(struct text_span s, bool *active_low)
{
	if (text_span_is(s, "active-low"))
		*active_low = true;
	else if (text_span_is(s, "active-high"))
		*active_low = false;
	else
		return false;
	return true;
}

/* A GPIO line's name or chip: 1 to CONFIG_NAME_MAX - 1 bytes. */
static bool copy_word(struct text_span s, char *to)
{
	if (s.n == 0 || s.n >= CONFIG_NAME_MAX)
		return false;
	memcpy(to, s.p, s.n);
	to[s.n] = '\0';
	return true;
}

static int parse_output(const struct text_span *words, size_t n,
			struct wiring_output *o)
{
	unsigned long long v;

	memset(o, 0, sizeof(*o));
	o->line.offset = -1;
	if (n == 4 && text_span_is(words[0], "expander")) {
		char addr[8];

		/* Exactly as written: "0x" and two lower-case hex digits. */
		if (words[1].n != 4 || memcmp(words[1].p, "0x2", 3) != 0 ||
		    words[1].p[3] < '0' || words[1].p[3] > '7')
			return -EINVAL;
		memcpy(addr, words[1].p, 4);
		addr[4] = '\0';
		o->address = (uint8_t)strtoul(addr, NULL, 16);
		if (!text_parse_uint(words[2], 7, &v))
			return -EINVAL;
		o->pin = (unsigned)v;
		return parse_polarity(words[3], &o->active_low) ? 0 : -EINVAL;
	}
	o->on_gpio = true;
	if (n == 3 && text_span_is(words[0], "gpio-line"))
		return copy_word(words[1], o->line.name) &&
			parse_polarity(words[2], &o->active_low) ? 0 : -EINVAL;
	if (n == 4 && text_span_is(words[0], "gpio-chip")) {
		if (!copy_word(words[1], o->line.chip) ||
		    !text_parse_uint(words[2], 1023, &v))
			return -EINVAL;
		o->line.offset = (int)v;
		return parse_polarity(words[3], &o->active_low) ? 0 : -EINVAL;
	}
	return -EINVAL;
}

int wiring_parse(const char *text, size_t len, struct wiring *out, char *err,
		 size_t err_size)
{
	struct wiring w = { .n_outputs = 0 };
	unsigned long lineno = 0;
	size_t at = 0;

	if (len == 0 || text[len - 1] != '\n')
		return text_fail(err, err_size, 1, "not a wiring record (no last newline)");
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		struct text_span line = { text + at, (size_t)(nl - (text + at)) };
		struct text_span words[MAX_WORDS];
		unsigned long long v;
		size_t n;

		at += line.n + 1;
		lineno++;
		if (lineno == 1) {
			if (!text_span_is(line, WIRING_HEADER))
				return text_fail(err, err_size, lineno,
						 "not a wiring record (header)");
			continue;
		}
		if (!split_words(line, words, &n))
			return text_fail(err, err_size, lineno, "malformed line");
		if (lineno == 2) {
			if (n != 2 || !text_span_is(words[0], "backend") ||
			    !(text_span_is(words[1], "sim") ||
			      text_span_is(words[1], "linux")))
				return text_fail(err, err_size, lineno,
						 "expected backend sim or linux");
			w.sim = text_span_is(words[1], "sim");
			continue;
		}
		if (lineno == 3) {
			if (n != 2 || !text_span_is(words[0], "i2c_bus") ||
			    !text_parse_uint(words[1], 255, &v))
				return text_fail(err, err_size, lineno,
						 "expected i2c_bus N");
			w.i2c_bus = (unsigned)v;
			continue;
		}
		if (w.n_outputs == WIRING_MAX_OUTPUTS)
			return text_fail(err, err_size, lineno, "too many outputs");
		if (parse_output(words, n, &w.outputs[w.n_outputs]) < 0)
			return text_fail(err, err_size, lineno, "malformed output");
		for (size_t i = 0; i < w.n_outputs; i++)
			if (wiring_same_output(&w.outputs[i], &w.outputs[w.n_outputs]))
				return text_fail(err, err_size, lineno,
						 "output listed twice");
		w.n_outputs++;
	}
	if (lineno < 3)
		return text_fail(err, err_size, lineno + 1, "record cut short");
	*out = w;
	return 0;
}

int wiring_save(const char *dir, const struct wiring *w)
{
	char text[WIRING_TEXT_MAX];
	int n = wiring_format(w, text, sizeof(text));

	if (n < 0)
		return n;
	return state_write_atomic(dir, WIRING_FILE, text, (size_t)n);
}

int wiring_load(const char *dir, struct wiring *out, char *err, size_t err_size)
{
	char path[PATH_MAX], text[WIRING_TEXT_MAX + 1], why[96] = "";
	size_t got = 0;
	struct stat st;
	int fd, r = 0;

	if (snprintf(path, sizeof(path), "%s/" WIRING_FILE, dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (r != -ENOENT)
			snprintf(err, err_size, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		r = -EINVAL;
	while (r == 0 && got < sizeof(text)) {
		ssize_t n = read(fd, text + got, sizeof(text) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else if (n == 0)
			break;
		else
			got += (size_t)n;
	}
	close(fd);
	if (r == 0 && got > WIRING_TEXT_MAX)
		r = -EFBIG;
	if (r < 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(-r));
		return r;
	}
	r = wiring_parse(text, got, out, why, sizeof(why));
	if (r < 0)
		snprintf(err, err_size, "%s: %s", path, why);
	return r;
}
