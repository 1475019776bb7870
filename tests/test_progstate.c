/* Tests of what irrigctl asks of programs: overrides of the config's enabled, skip-next, their state file, and whether a start goes ahead. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/progstate.h"

static void two_programs(struct schedule *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->programs[0].name, "morning");
	s->programs[0].enabled = true;
	strcpy(s->programs[1].name, "winter");
	s->programs[1].enabled = false;
	s->n_programs = 2;
}

static void test_overrides_beat_the_config(void **state)
{
	struct progstates ps;
	struct schedule s;

	(void)state;
	two_programs(&s);
	progstates_init(&ps);
	assert_int_equal(progstates_set_override(&ps, "morning", PROGRAM_DISABLED), 0);
	assert_int_equal(progstates_set_override(&ps, "winter", PROGRAM_ENABLED), 0);
	progstates_apply(&ps, &s);
	assert_false(s.programs[0].enabled);
	assert_true(s.programs[1].enabled);
	/* A reload brings the config's values back: the overrides still win. */
	two_programs(&s);
	progstates_apply(&ps, &s);
	assert_false(s.programs[0].enabled);
	assert_true(s.programs[1].enabled);
	/* A program the config no longer has is forgotten. */
	strcpy(s.programs[1].name, "summer");
	assert_int_equal(progstates_prune(&ps, &s), 1);
	assert_null(progstates_find(&ps, "winter"));
	assert_non_null(progstates_find(&ps, "morning"));
	/* Bad names change nothing. */
	assert_int_equal(progstates_set_override(&ps, "a b", PROGRAM_DISABLED), -EINVAL);
	assert_int_equal(progstates_set_skip_next(&ps, "", true), -EINVAL);
	assert_int_equal(ps.n, 1);
}

static void test_the_file_reads_back_and_refuses_damage(void **state)
{
	struct progstates ps, back;
	char text[PROGSTATE_TEXT_MAX], err[128];
	int n;

	(void)state;
	progstates_init(&ps);
	assert_int_equal(progstates_set_override(&ps, "morning", PROGRAM_DISABLED), 0);
	assert_int_equal(progstates_set_skip_next(&ps, "evening", true), 0);
	n = progstates_format(&ps, text, sizeof(text));
	assert_true(n > 0);
	assert_string_equal(text, "irrigd-programs 1\nmorning disabled -\n"
			    "evening configured skip-next\n");
	assert_int_equal(progstates_parse(text, (size_t)n, &back, err, sizeof(err)), 0);
	assert_int_equal(back.n, 2);
	assert_int_equal(back.list[0].override, PROGRAM_DISABLED);
	assert_false(back.list[0].skip_next);
	assert_true(back.list[1].skip_next);
	/* Damaged files: each refused with its line, *out untouched. */
	{
		static const char *const bad[] = {
			"irrigd-programs 2\n",
			"irrigd-programs 1\nmorning disabled -",
			"irrigd-programs 1\nmorning off -\n",
			"irrigd-programs 1\nmorning disabled maybe\n",
			"irrigd-programs 1\nmorning disabled - extra\n",
			"irrigd-programs 1\nmorning disabled -\nmorning enabled -\n",
			"irrigd-programs 1\nmor/ning disabled -\n",
			"irrigd-programs 1\n\n",
			"",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			back.n = 7;
			assert_int_equal(progstates_parse(bad[i], strlen(bad[i]), &back,
							  err, sizeof(err)), -EINVAL);
			assert_non_null(strstr(err, "line "));
			assert_int_equal(back.n, 7);
		}
	}
	/* Asking nothing any more takes no room. */
	assert_int_equal(progstates_set_override(&ps, "morning", PROGRAM_AS_CONFIGURED), 0);
	assert_int_equal(progstates_set_skip_next(&ps, "evening", false), 0);
	assert_int_equal(ps.n, 0);
}

static void test_which_start_waters(void **state)
{
	struct start_conditions c = { .when = 1000 };

	(void)state;
	assert_int_equal(program_start_decide(&c), START_WATERS);
	/* Below freeze_below, a programmed start does not water. */
	c.has_freeze_below = true;
	c.freeze_below = 2.0;
	c.temperature_known = true;
	c.temperature = 1.9;
	assert_int_equal(program_start_decide(&c), START_SKIPPED_FREEZE);
	c.temperature = 2.0;
	assert_int_equal(program_start_decide(&c), START_WATERS);
	/* No temperature known: the run goes ahead. */
	c.temperature = -10.0;
	c.temperature_known = false;
	assert_int_equal(program_start_decide(&c), START_WATERS);
	/* Without the setting, cold is no reason. */
	c.temperature_known = true;
	c.has_freeze_below = false;
	assert_int_equal(program_start_decide(&c), START_WATERS);
	/* The rain delay holds it, up to its end. */
	c.rain_delay_until = 1001;
	assert_int_equal(program_start_decide(&c), START_HELD_RAIN_DELAY);
	c.rain_delay_until = 1000;
	assert_int_equal(program_start_decide(&c), START_WATERS);
	/* skip-next takes the next start whatever else would hold it. */
	c.rain_delay_until = 5000;
	c.has_freeze_below = true;
	c.skip_next = true;
	assert_int_equal(program_start_decide(&c), START_SKIPPED_ASKED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overrides_beat_the_config),
		cmocka_unit_test(test_the_file_reads_back_and_refuses_damage),
		cmocka_unit_test(test_which_start_waters),
	};

	return cmocka_run_group_tests_name("progstate", tests, NULL, NULL);
}
