/* Programs as people set them from irrigctl: the overrides of the config's `enabled`, skip-next, their state file text, and the start decision. */
#include "core/progstate.h"

#include <errno.h>
#include <string.h>

#include "core/statetext.h"

#define HEADER "irrigd-programs 1"

void progstates_init(struct progstates *ps)
{
	memset(ps, 0, sizeof(*ps));
}

const struct progstate_entry *progstates_find(const struct progstates *ps,
					      const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->list[i].name, name))
			return &ps->list[i];
	return NULL;
}

static int entry_for(struct progstates *ps, const char *name,
		     struct progstate_entry **out)
{
	struct progstate_entry *e = (struct progstate_entry *)progstates_find(ps, name);

	if (!text_valid_name(name, SCHEDULE_NAME_MAX))
		return -EINVAL;
	if (!e) {
		if (ps->n == PROGSTATE_MAX)
			return -ENOSPC;
		e = &ps->list[ps->n++];
		memset(e, 0, sizeof(*e));
		strcpy(e->name, name);
	}
	*out = e;
	return 0;
}

/* An entry that asks nothing any more takes no room. */
static void drop_if_empty(struct progstates *ps, struct progstate_entry *e)
{
	size_t i = (size_t)(e - ps->list);

	if (e->override != PROGRAM_AS_CONFIGURED || e->skip_next)
		return;
	memmove(&ps->list[i], &ps->list[i + 1], (ps->n - i - 1) * sizeof(*e));
	ps->n--;
}

int progstates_set_override(struct progstates *ps, const char *name,
			    enum program_override override)
{
	struct progstate_entry *e;
	int r = entry_for(ps, name, &e);

	if (r < 0)
		return r;
	e->override = override;
	drop_if_empty(ps, e);
	return 0;
}

int progstates_set_skip_next(struct progstates *ps, const char *name,
			     bool skip_next)
{
	struct progstate_entry *e;
	int r = entry_for(ps, name, &e);

	if (r < 0)
		return r;
	e->skip_next = skip_next;
	drop_if_empty(ps, e);
	return 0;
}

static int find_program(const struct schedule *sched, const char *name)
{
	for (size_t p = 0; p < sched->n_programs && p < SCHEDULE_MAX_PROGRAMS; p++)
		if (!strcmp(sched->programs[p].name, name))
			return (int)p;
	return -1;
}

size_t progstates_prune(struct progstates *ps, const struct schedule *sched)
{
	size_t kept = 0, before = ps->n;

	for (size_t i = 0; i < ps->n; i++)
		if (find_program(sched, ps->list[i].name) >= 0)
			ps->list[kept++] = ps->list[i];
	ps->n = kept;
	return before - kept;
}

void progstates_apply(const struct progstates *ps, struct schedule *sched)
{
	for (size_t i = 0; i < ps->n; i++) {
		int p = find_program(sched, ps->list[i].name);

		if (p < 0 || ps->list[i].override == PROGRAM_AS_CONFIGURED)
			continue;
		sched->programs[p].enabled =
			ps->list[i].override == PROGRAM_ENABLED;
	}
}

static const char *const override_words[] = {
	[PROGRAM_AS_CONFIGURED] = "configured",
	[PROGRAM_ENABLED] = "enabled",
	[PROGRAM_DISABLED] = "disabled",
};

int progstates_format(const struct progstates *ps, char *buf, size_t size)
{
	struct text_out o = { .buf = buf, .size = size };

	text_put(&o, HEADER "\n");
	for (size_t i = 0; i < ps->n; i++)
		text_put(&o, "%s %s %s\n", ps->list[i].name,
			 override_words[ps->list[i].override],
			 ps->list[i].skip_next ? "skip-next" : "-");
	return o.full ? -ENOSPC : (int)o.len;
}

/* The next word of line from *pos, up to a space or the end. */
static struct text_span next_word(struct text_span line, size_t *pos)
{
	struct text_span w = { line.p + *pos, 0 };

	while (*pos < line.n && line.p[*pos] != ' ') {
		(*pos)++;
		w.n++;
	}
	return w;
}

static const char *parse_line(struct text_span line, unsigned long lineno,
			      void *ctx)
{
	struct progstates *ps = ctx;
	struct progstate_entry e = { .override = PROGRAM_AS_CONFIGURED };
	struct text_span name, state, flag;
	size_t pos = 0;
	int o = -1;

	(void)lineno;
	name = next_word(line, &pos);
	if (pos++ >= line.n)
		return "expected NAME STATE SKIP";
	state = next_word(line, &pos);
	if (pos++ >= line.n)
		return "expected NAME STATE SKIP";
	flag = next_word(line, &pos);
	if (pos != line.n)
		return "extra text after the skip flag";
	if (!name.n || name.n >= SCHEDULE_NAME_MAX)
		return "bad program name";
	for (size_t i = 0; i < name.n; i++)
		if (!text_name_char(name.p[i]))
			return "bad program name";
	memcpy(e.name, name.p, name.n);
	for (size_t i = 0; i < 3; i++)
		if (text_span_is(state, override_words[i]))
			o = (int)i;
	if (o < 0)
		return "the state must be enabled, disabled or configured";
	e.override = (enum program_override)o;
	if (text_span_is(flag, "skip-next"))
		e.skip_next = true;
	else if (!text_span_is(flag, "-"))
		return "the skip flag must be skip-next or -";
	if (progstates_find(ps, e.name))
		return "the program is listed twice";
	if (ps->n == PROGSTATE_MAX)
		return "too many programs";
	ps->list[ps->n++] = e;
	return NULL;
}

int progstates_parse(const char *text, size_t len, struct progstates *out,
		     char *err, size_t err_size)
{
	/* Built aside, so a file that fails half way leaves *out as it was. */
	struct progstates ps;
	long r;

	progstates_init(&ps);
	r = text_read_lines(text, len, HEADER, "not an " HEADER " file",
			    parse_line, &ps, err, err_size);
	if (r < 0)
		return (int)r;
	*out = ps;
	return 0;
}

enum program_start program_start_decide(const struct start_conditions *c)
{
	/* First, so the start it was asked for uses it up, whatever else holds it. */
	if (c->skip_next)
		return START_SKIPPED_ASKED;
	if (c->when < c->rain_delay_until)
		return START_HELD_RAIN_DELAY;
	if (c->has_freeze_below && c->temperature_known &&
	    c->temperature < c->freeze_below)
		return START_SKIPPED_FREEZE;
	return START_WATERS;
}
