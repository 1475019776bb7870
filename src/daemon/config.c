/* Loads irrigd.conf (libconfig syntax) into struct config, refusing anything it does not understand. */
#include "daemon/config.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config-parse.h"
#include "core/duration.h"
#include "hw/mcp23008.h"

/*
 * The settings each group may hold.  Anything else is refused, so a typo
 * such as "flow_lmp" is reported instead of silently leaving a default.
 */
static const char *const root_keys[] = {
	"hardware", "zones", "sensors", "master", "seasonal", "programs",
	"report_interval", "sample_interval", "socket", "wait_for_clock_sync", "safety",
	"volume_unit", "site", NULL
};

static int load_root(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *socket_s, *volume_s = NULL;
	bool wait_for_sync = true;
	const char *socket = CONFIG_DEFAULT_SOCKET, *volume = "L";
	size_t len;
	int r;

	r = open_group(ld, root, root_keys);
	if (r == 0)
		r = load_hardware(ld, root);
	if (r == 0)
		r = load_site(ld, root);
	/* Before the zones: they take its alarm thresholds as defaults. */
	if (r == 0)
		r = load_safety(ld, root);
	if (r == 0)
		r = load_zones(ld, root);
	if (r == 0)
		r = load_sensors(ld, root);
	if (r == 0)
		r = check_moisture_probes(ld, root);
	if (r == 0)
		r = load_master(ld, root);
	if (r == 0)
		r = load_seasonal(ld, root);
	if (r == 0)
		r = load_programs(ld, root);
	ld->cfg.report_interval_s = 60;
	if (r == 0)
		r = read_duration(ld, root, "report_interval", false, 1, 3600,
				  "1s to 1h", &ld->cfg.report_interval_s);
	ld->cfg.sample_interval_s = 600;
	if (r == 0)
		r = read_duration(ld, root, "sample_interval", false, 10, 86400,
				  "10s to 24h", &ld->cfg.sample_interval_s);
	if (r == 0)
		r = read_string(ld, root, "socket", false, &socket, &socket_s);
	if (r == 0)
		r = check_smart(ld, root);
	if (r == 0)
		r = read_bool(ld, root, "wait_for_clock_sync", &wait_for_sync);
	if (r == 0)
		r = read_string(ld, root, "volume_unit", false, &volume, &volume_s);
	if (r < 0)
		return r;
	if (strcmp(volume, "L") && strcmp(volume, "gal"))
		return fail(ld, volume_s, "must be \"L\" or \"gal\" (US gallons)");
	ld->cfg.gallons = !strcmp(volume, "gal");
	ld->cfg.ignore_clock_sync = !wait_for_sync;
	len = strlen(socket);
	if (!len || len >= sizeof(ld->cfg.socket_path))
		return fail(ld, socket_s, "must be a path of 1 to %zu "
			    "characters, the most a socket address holds",
			    sizeof(ld->cfg.socket_path) - 1);
	memcpy(ld->cfg.socket_path, socket, len + 1);
	return 0;
}

/* Far more than the biggest config irrigd can hold, comments and all. */
#define CONFIG_FILE_MAX (1024 * 1024)

/*
 * The line of the first @include, or 0.  libconfig opens what one names
 * unchecked and its scanner exit()s on a directory (a reload would kill
 * the daemon), so irrigd's config is one file.  libconfig heeds an
 * @include at the start of a line outside strings and comments; here a
 * line that starts with one is refused wherever it is.
 */
static unsigned include_line(const char *text, size_t len)
{
	unsigned line = 1;
	size_t i = 0;

	for (;;) {
		const char *nl;

		i += strspn(text + i, " \t");
		if (len - i >= 8 && memcmp(text + i, "@include", 8) == 0)
			return line;
		nl = memchr(text + i, '\n', len - i);
		if (!nl)
			return 0;
		i = (size_t)(nl - text) + 1;
		line++;
	}
}

/* All of f, NUL-terminated, so what is checked is what is parsed. */
static int read_text(FILE *f, char **text, size_t *len)
{
	size_t size = 0, got = 0;
	char *buf = NULL, *grown;

	do {
		if (size == CONFIG_FILE_MAX) {
			free(buf);
			return -EFBIG;
		}
		size = size ? size * 2 : 8192;
		if (size > CONFIG_FILE_MAX)
			size = CONFIG_FILE_MAX;
		grown = realloc(buf, size + 1);
		if (!grown) {
			free(buf);
			return -ENOMEM;
		}
		buf = grown;
		got += fread(buf + got, 1, size - got, f);
	} while (got == size);
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return 0;
}

/*
 * libconfig says only "syntax error", at the line where its parser gave up,
 * which for an unclosed string or brace is the end of the file.  When it
 * refuses a file, this reads the text again, as libconfig's scanner does
 * (strings, comments, groups, lists), for the first mistake people often
 * make, and the path of the setting it is in.
 */
#define SCAN_DEPTH 16

struct scan_level {
	char open;			/* '{' group, '(' list, '[' array; 0 root */
	unsigned line;			/* where it opened */
	int index;			/* in a list or array: the element */
	char setting[SETTING_PATH_MAX];	/* its path, "" for the root */
	char member[CONFIG_NAME_MAX];	/* the setting being written in it */
};

struct syntax_scan {
	struct scan_level levels[SCAN_DEPTH];
	int depth;
	bool too_deep;			/* nested past SCAN_DEPTH: no hints */
	unsigned line;
	char word[CONFIG_NAME_MAX];	/* a name, until '=' or ':' follows */
	/*
	 * 1: the last token was a group's '}' (closed is its path), 2: then a
	 * ',' in a group, on comma_line: a '{' now begins no setting.
	 */
	int after_group;
	unsigned comma_line;
	char closed[SETTING_PATH_MAX];
	/* The first mistake found, or line 0. */
	unsigned hint_line;
	char hint_setting[SETTING_PATH_MAX];
	const char *hint;
	/* The first setting named on want_line, for libconfig's own errors. */
	unsigned want_line;
	char want_setting[SETTING_PATH_MAX];
};

/* The path of the member being written at the innermost level. */
static void scan_path(const struct syntax_scan *sc, bool with_member,
		      char *buf, size_t size)
{
	const struct scan_level *l = &sc->levels[sc->depth];

	if (!with_member || !*l->member || l->open == '(' || l->open == '[')
		snprintf(buf, size, "%s", l->setting);
	else
		snprintf(buf, size, "%s%s%s", l->setting, *l->setting ? "." : "",
			 l->member);
}

static void scan_hint(struct syntax_scan *sc, unsigned line,
		      const char *setting, const char *hint)
{
	if (sc->hint_line)
		return;
	sc->hint_line = line;
	snprintf(sc->hint_setting, sizeof(sc->hint_setting), "%s", setting);
	sc->hint = hint;
}

static void scan_open(struct syntax_scan *sc, char open)
{
	struct scan_level *parent = &sc->levels[sc->depth], *l;
	char path[SETTING_PATH_MAX];

	if (parent->open == '[') {
		scan_path(sc, false, path, sizeof(path));
		scan_hint(sc, sc->line, path, "an array [ ... ] holds numbers, "
			  "strings or booleans: a list of groups is written in "
			  "parentheses, ( { ... }, { ... } )");
	}
	if (sc->depth + 1 == SCAN_DEPTH) {
		sc->too_deep = true;
		return;
	}
	if (parent->open == '(' || parent->open == '[')
		snprintf(path, sizeof(path), "%s%s[%d]", parent->setting,
			 *parent->setting ? "." : "", parent->index);
	else
		snprintf(path, sizeof(path), "%s%s%s", parent->setting,
			 *parent->setting ? "." : "", parent->member);
	l = &sc->levels[++sc->depth];
	memset(l, 0, sizeof(*l));
	l->open = open;
	l->line = sc->line;
	memcpy(l->setting, path, sizeof(l->setting));
}

/* What a byte outside strings and comments that libconfig refuses is. */
static const char *odd_byte(const unsigned char *p)
{
	if (p[0] == '\'')
		return "strings are written in straight double quotes \"...\", "
			"not single quotes";
	if (p[0] == 0xE2 && p[1] == 0x80 &&
	    (p[2] == 0x98 || p[2] == 0x99 || p[2] == 0x9C || p[2] == 0x9D ||
	     p[2] == 0x9E))
		return "a typographic quote (as a word processor writes them): "
			"strings are written in straight double quotes \"...\"";
	if (p[0] == 0xC2 && p[1] == 0xA0)
		return "a non-breaking space: use a plain space";
	if (p[0] >= 0x80)
		return "a character outside ASCII, which is only allowed in "
			"strings and comments";
	return NULL;
}

static void scan_text(struct syntax_scan *sc, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;

	sc->line = 1;
	if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		scan_hint(sc, 1, "", "the file starts with a UTF-8 byte order "
			  "mark (BOM), which libconfig cannot read: save it "
			  "as UTF-8 without a BOM");
	while (*p && !sc->hint_line && !sc->too_deep) {
		struct scan_level *l = &sc->levels[sc->depth];
		char path[SETTING_PATH_MAX];
		const char *odd;
		size_t n;

		if (*p == '\n') {
			sc->line++;
			p++;
		} else if (isspace(*p)) {
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			p += strcspn((const char *)p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			unsigned from = sc->line;

			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				sc->line += *p == '\n';
			if (!*p)
				scan_hint(sc, from, "", "this comment /* is not "
					  "closed with */");
			else
				p += 2;
		} else if (*p == '"') {
			unsigned from = sc->line;

			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				sc->line += *p == '\n';
			}
			scan_path(sc, true, path, sizeof(path));
			if (!*p || sc->line != from)
				scan_hint(sc, from, path, "this string is not closed "
					  "on its line: a closing \" is missing");
			else
				p++;
			sc->after_group = 0;
		} else if (isalpha(*p) || *p == '*') {
			n = strspn((const char *)p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "abcdefghijklmnopqrstuvwxyz0123456789-_*");
			snprintf(sc->word, sizeof(sc->word), "%.*s", (int)n, p);
			p += n;
			sc->after_group = 0;
		} else if (*p == '=' || *p == ':') {
			if (*sc->word) {
				snprintf(l->member, sizeof(l->member), "%s",
					 sc->word);
				if (sc->line == sc->want_line &&
				    !*sc->want_setting)
					scan_path(sc, true, sc->want_setting,
						  sizeof(sc->want_setting));
			}
			*sc->word = '\0';
			p++;
		} else if (*p == '{' || *p == '(' || *p == '[') {
			if (*p == '{' && sc->after_group == 2)
				scan_hint(sc, sc->comma_line, sc->closed, "groups "
					  "separated by commas are a list, written "
					  "in parentheses: ( { ... }, { ... } )");
			scan_open(sc, (char)*p++);
			sc->after_group = 0;
		} else if (*p == '}' || *p == ')' || *p == ']') {
			sc->after_group = *p == '}' && sc->depth > 0;
			if (sc->after_group)
				snprintf(sc->closed, sizeof(sc->closed), "%s",
					 l->setting);
			if (sc->depth > 0)
				sc->depth--;
			p++;
		} else if (*p == ',') {
			/* A ',' may end a setting in a group, as ';' does. */
			if (sc->after_group == 1 && l->open != '(' && l->open != '[') {
				sc->after_group = 2;
				sc->comma_line = sc->line;
			} else {
				sc->after_group = 0;
			}
			l->index++;
			p++;
		} else if ((odd = odd_byte(p)) != NULL) {
			scan_path(sc, true, path, sizeof(path));
			scan_hint(sc, sc->line, path, odd);
		} else {
			sc->after_group = 0;
			*sc->word = '\0';
			p++;
		}
	}
	if (sc->too_deep) {
		sc->hint_line = 0;
		return;
	}
	if (!sc->hint_line && sc->depth > 0) {
		const struct scan_level *l = &sc->levels[sc->depth];

		scan_hint(sc, l->line, l->setting, l->open == '{' ?
			  "this group { is not closed with }" :
			  l->open == '(' ? "this list ( is not closed with )" :
			  "this array [ is not closed with ]");
	}
}

/* A message about the file as a whole, where vfail() has no setting. */
static void file_error(struct loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void file_error(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	if (!ld->err || !ld->err_size)
		return;
	va_start(ap, fmt);
	vsnprintf(ld->err, ld->err_size, fmt, ap);
	va_end(ap);
}

/*
 * libconfig's message for a file it refused, with the setting and a hint
 * where the text shows them: a mistake found before the line libconfig
 * stopped at is the one to fix.
 */
static void syntax_message(struct loader *ld, const config_t *lc,
			   const char *text)
{
	const char *what = config_error_text(lc) ? config_error_text(lc)
						 : "cannot be read";
	unsigned line = (unsigned)config_error_line(lc);
	struct syntax_scan sc;

	memset(&sc, 0, sizeof(sc));
	sc.want_line = line;
	scan_text(&sc, text);
	if (sc.hint_line && sc.hint_line <= line)
		file_error(ld, "%s:%u: %s%s%s", ld->path, sc.hint_line,
			   sc.hint_setting, *sc.hint_setting ? ": " : "",
			   sc.hint);
	else if (strstr(what, "duplicate"))
		file_error(ld, "%s:%u: %s%s%s (a setting may appear only once "
			   "in its group)", ld->path, line, sc.want_setting,
			   *sc.want_setting ? ": " : "", what);
	else
		file_error(ld, "%s:%u: %s%s%s", ld->path, line, sc.want_setting,
			   *sc.want_setting ? ": " : "", what);
}

/* Nothing but blanks (an empty file), or nothing but comments too. */
static int empty_message(struct loader *ld, const char *text)
{
	file_error(ld, "%s: %s", ld->path, text[strspn(text, " \t\r\n\f\v")] ?
		   "the file holds no settings, only comments" :
		   "the file is empty");
	return -EINVAL;
}

/* Opens path ourselves so that a missing file reports the real errno. */
static int read_file(struct loader *ld, config_t *lc)
{
	const char *nul, *problem = NULL;
	char *text = NULL;
	struct stat st;
	unsigned line;
	size_t len = 0;
	FILE *f;
	int r = 0;

	f = fopen(ld->path, "re");
	if (!f)
		r = -errno;
	else if (fstat(fileno(f), &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		/* libconfig's scanner exit()s on a directory. */
		r = -EISDIR;
	else
		r = read_text(f, &text, &len);
	if (f)
		fclose(f);
	if (r == -EFBIG) {
		file_error(ld, "%s: larger than 1 MiB (%d bytes), the most "
			   "irrigd reads: is it the configuration file?",
			   ld->path, CONFIG_FILE_MAX);
		return r;
	}
	if (r < 0) {
		if (ld->err && ld->err_size)
			snprintf(ld->err, ld->err_size, "%s: %s", ld->path,
				 strerror(-r));
		return r;
	}
	/* libconfig would read a string only up to a NUL. */
	nul = memchr(text, '\0', len);
	if (nul) {
		line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		problem = "a NUL byte: this is not a text file";
	} else if ((line = include_line(text, len)) != 0) {
		problem = "@include is not supported: the configuration is one file";
	}
	if (problem) {
		if (ld->err && ld->err_size)
			snprintf(ld->err, ld->err_size, "%s:%u: %s", ld->path, line,
				 problem);
		free(text);
		return -EINVAL;
	}
	if (!config_read_string(lc, text)) {
		r = -EINVAL;
		syntax_message(ld, lc, text);
	} else if (config_setting_length(config_root_setting(lc)) == 0) {
		r = empty_message(ld, text);
	}
	free(text);
	return r;
}

int config_load(const char *path, struct config *out, char *err,
		size_t err_size)
{
	struct loader *ld;
	config_t lc;
	int r;

	if (err && err_size)
		err[0] = '\0';
	if (!path || !out) {
		if (err && err_size)
			snprintf(err, err_size, "no configuration file given");
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(out->path)) {
		if (err && err_size)
			snprintf(err, err_size, "%.64s...: %s", path,
				 strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	/* On the heap: with its lookup tables it is several kilobytes. */
	ld = calloc(1, sizeof(*ld));
	if (!ld) {
		if (err && err_size)
			snprintf(err, err_size, "%s: %s", path,
				 strerror(ENOMEM));
		return -ENOMEM;
	}
	ld->path = path;
	ld->err = err;
	ld->err_size = err_size;

	config_init(&lc);
	r = read_file(ld, &lc);
	if (r == 0)
		r = load_root(ld, config_root_setting(&lc));
	config_destroy(&lc);
	if (r == 0) {
		snprintf(ld->cfg.path, sizeof(ld->cfg.path), "%s", path);
		*out = ld->cfg;
	}
	free(ld);
	return r;
}
