/* Tests that every command of the table is whole: help text, a man page entry, a completion. */
/*
 * Its handler is not checked here: commands.c's table names cmd_<name>
 * for every line of commands.def, so a command without one does not link.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/proto.h"
#include "daemon/cmd.h"
#include "support.h"

/* The tests run from the top of the tree (tests/run-tests). */
#define MAN_PAGE "man/irrigctl.1"
#define COMPLETION "completion/irrigctl"

/*
 * help and usage errors print the usage after the name, irrigctl --help
 * and help put both in an 80-byte buffer, and help --json sends them
 * unescaped.
 */
static void test_every_command_has_help_text(void **state)
{
	(void)state;
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct cmd_spec *c = &cmd_specs[i];

		assert_non_null(c->usage);
		assert_non_null(c->summary);
		if ((c->max_args > 0) != (c->usage[0] != '\0'))
			fail_msg("%s takes up to %d arguments but its usage is "
				 "\"%s\"", c->name, c->max_args, c->usage);
		if (c->summary[0] < 'a' || c->summary[0] > 'z' ||
		    c->summary[strlen(c->summary) - 1] == '.')
			fail_msg("%s: the summary \"%s\" is to start in lower "
				 "case and end without a full stop (help adds "
				 "both)", c->name, c->summary);
		if (strlen(c->name) + 1 + strlen(c->usage) >= 80)
			fail_msg("%s: name and usage do not fit a line", c->name);
		if (strpbrk(c->usage, "\"\\") || strpbrk(c->summary, "\"\\"))
			fail_msg("%s: a quote or backslash would break help --json",
				 c->name);
	}
}

/* What a client that may only look is to be refused. */
static void test_commands_that_change_things(void **state)
{
	static const char *const changing[] = {
		"water", "stop", "skip", "pause", "resume", "reload", "clear",
		"learn", "program", "run", "sim", "rain",
	};

	(void)state;
	for (int i = 0; i < CMD__COUNT; i++) {
		bool listed = false;

		for (size_t k = 0; k < sizeof(changing) / sizeof(changing[0]); k++)
			listed |= strcmp(changing[k], cmd_specs[i].name) == 0;
		if (listed != !!(cmd_specs[i].flags & CMD_CHANGES))
			fail_msg("%s %s CMD_CHANGES", cmd_specs[i].name,
				 listed ? "changes things but lacks" :
				 "changes nothing but has");
	}
}

/*
 * The command word of a man page tag line: ".B stop", ".BR water \" [..."
 * ".BI pause \" duration\"", "\fBschedule\fR [...", into word.
 */
static void tag_word(const char *line, char *word, size_t size)
{
	size_t n = 0;

	if (*line == '.')
		line += strcspn(line, " ");
	line += strspn(line, " \"");
	if (strncmp(line, "\\fB", 3) == 0)
		line += 3;
	while (n + 1 < size && *line) {
		if (strncmp(line, "\\-", 2) == 0) {
			word[n++] = '-';
			line += 2;
		} else if ((*line >= 'a' && *line <= 'z') || *line == '-') {
			word[n++] = *line++;
		} else {
			break;
		}
	}
	word[n] = '\0';
}

/*
 * Whether the COMMANDS section of man has a tagged paragraph of its own
 * for name: a .TP outside the indented lists (the sim faults' own
 * entries are in one), its tag starting with the command word.
 */
static bool man_has_entry(const char *man, const char *name)
{
	bool in_commands = false, tag_next = false;
	int depth = 0;

	for (const char *line = man; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char text[256], word[64];

		snprintf(text, sizeof(text), "%.*s", (int)len, line);
		line = end ? end + 1 : NULL;
		if (strncmp(text, ".SH", 3) == 0) {
			in_commands = strcmp(text, ".SH COMMANDS") == 0;
			continue;
		}
		if (!in_commands)
			continue;
		if (tag_next) {
			tag_next = false;
			tag_word(text, word, sizeof(word));
			if (strcmp(word, name) == 0)
				return true;
		}
		if (strncmp(text, ".RS", 3) == 0)
			depth++;
		else if (strncmp(text, ".RE", 3) == 0 && depth > 0)
			depth--;
		else if (strcmp(text, ".TP") == 0 && depth == 0)
			tag_next = true;
	}
	return false;
}

static void test_every_command_has_a_man_page_entry(void **state)
{
	char *man = read_file(MAN_PAGE);

	(void)state;
	if (!man)
		fail_msg("cannot read %s (run from the top of the tree)", MAN_PAGE);
	for (int i = 0; i < CMD__COUNT; i++)
		if (!man_has_entry(man, cmd_specs[i].name))
			fail_msg("%s has no entry under COMMANDS in %s",
				 cmd_specs[i].name, MAN_PAGE);
	/* The walk tells an entry from a word that only occurs. */
	assert_false(man_has_entry(man, "percent"));
	assert_false(man_has_entry(man, "json"));
	free(man);
}

/* Whether the space-separated list holds word. */
static bool list_has(const char *list, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t at = 0; at < len;) {
		size_t w = strcspn(list + at, " \t\n\"");

		if (w == n && strncmp(list + at, word, n) == 0)
			return true;
		at += w ? w : 1;
	}
	return false;
}

/* Whether the completion's case on the command word has a branch for name. */
static bool completion_has_branch(const char *script, const char *name)
{
	size_t n = strlen(name);

	for (const char *line = script; line && *line;) {
		const char *word = line + strspn(line, "\t ");

		if (strncmp(word, name, n) == 0 &&
		    (word[n] == ')' || strncmp(word + n, " |", 2) == 0))
			return true;
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return false;
}

/*
 * Every command is in the list completion falls back on without a
 * daemon, and one that takes arguments has its branch for them.
 */
static void test_every_command_has_a_completion(void **state)
{
	static const char start[] = "_irrigctl_commands_static=\"";
	char *script = read_file(COMPLETION);
	const char *list, *end;

	(void)state;
	if (!script)
		fail_msg("cannot read %s (run from the top of the tree)", COMPLETION);
	list = strstr(script, start);
	assert_non_null(list);
	list += strlen(start);
	end = strchr(list, '"');
	assert_non_null(end);
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct cmd_spec *c = &cmd_specs[i];

		if (!list_has(list, (size_t)(end - list), c->name))
			fail_msg("%s is not in %s's _irrigctl_commands_static",
				 c->name, COMPLETION);
		if (c->max_args > 0 && !completion_has_branch(end, c->name))
			fail_msg("%s takes arguments but %s completes none",
				 c->name, COMPLETION);
	}
	assert_false(completion_has_branch(end, "status"));
	free(script);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command_has_help_text),
		cmocka_unit_test(test_commands_that_change_things),
		cmocka_unit_test(test_every_command_has_a_man_page_entry),
		cmocka_unit_test(test_every_command_has_a_completion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
