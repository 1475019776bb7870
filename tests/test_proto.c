/* Tests of the control protocol's request parsing and command table: what scripts on the socket rely on. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/proto.h"

struct parsed {
	char line[PROTO_LINE_MAX];
	struct request req;
	const char *code, *message;
	int r;
};

/* Parses a copy: the parser splits its line in place. */
static struct parsed *parse(const char *text)
{
	static struct parsed p;

	memset(&p, 0, sizeof(p));
	assert_true(strlen(text) < sizeof(p.line));
	strcpy(p.line, text);
	p.r = proto_parse(p.line, &p.req, &p.code, &p.message);
	return &p;
}

static struct request *parse_ok(const char *text)
{
	struct parsed *p = parse(text);

	if (p->r != 0)
		fail_msg("\"%s\" refused: %s %s", text, p->code, p->message);
	return &p->req;
}

static void assert_error(const char *text, const char *code)
{
	struct parsed *p = parse(text);

	if (p->r >= 0)
		fail_msg("\"%s\" accepted, want %s", text, code);
	assert_non_null(p->code);
	assert_string_equal(p->code, code);
	/* Every error reaches the user with a message to read. */
	assert_non_null(p->message);
	assert_true(strlen(p->message) > 0);
}

static void test_water_with_zone_and_duration(void **state)
{
	struct request *req;

	(void)state;
	req = parse_ok("water garden 5");
	assert_false(req->json);
	assert_int_equal(req->cmd, CMD_WATER);
	assert_int_equal(req->argc, 2);
	assert_string_equal(req->argv[0], "garden");
	assert_string_equal(req->argv[1], "5");
	req = parse_ok("water 90s");
	assert_int_equal(req->cmd, CMD_WATER);
	assert_int_equal(req->argc, 1);
	assert_string_equal(req->argv[0], "90s");
	req = parse_ok("water lawn 2m30s --no-wait");
	assert_int_equal(req->argc, 3);
	assert_string_equal(req->argv[2], "--no-wait");
}

static void test_json_flag(void **state)
{
	struct request *req;

	(void)state;
	req = parse_ok("--json status");
	assert_true(req->json);
	assert_int_equal(req->cmd, CMD_STATUS);
	assert_int_equal(req->argc, 0);
	req = parse_ok("--json water garden 5");
	assert_true(req->json);
	assert_int_equal(req->cmd, CMD_WATER);
	assert_int_equal(req->argc, 2);
	assert_string_equal(req->argv[0], "garden");
	req = parse_ok("status");
	assert_false(req->json);
}

static void test_tabs_and_spaces(void **state)
{
	struct request *req;

	(void)state;
	req = parse_ok("  \t--json\t\twater   garden \t 5  \t");
	assert_true(req->json);
	assert_int_equal(req->cmd, CMD_WATER);
	assert_int_equal(req->argc, 2);
	assert_string_equal(req->argv[0], "garden");
	assert_string_equal(req->argv[1], "5");
	req = parse_ok("\tstop");
	assert_int_equal(req->cmd, CMD_STOP);
}

static void test_every_command_by_name(void **state)
{
	(void)state;
	for (int i = 0; i < CMD__COUNT; i++) {
		char line[256];
		struct request *req;
		int len = snprintf(line, sizeof(line), "%s", cmd_specs[i].name);

		for (int a = 0; a < cmd_specs[i].min_args; a++)
			len += snprintf(line + len, sizeof(line) - (size_t)len,
					" 5");
		req = parse_ok(line);
		assert_int_equal(req->cmd, i);
		assert_int_equal(req->argc, cmd_specs[i].min_args);
	}
}

static void test_unknown_command(void **state)
{
	(void)state;
	assert_error("dance", ERR_UNKNOWN_COMMAND);
	assert_error("--json dance now", ERR_UNKNOWN_COMMAND);
	assert_error("STATUS", ERR_UNKNOWN_COMMAND);
	assert_error("wate 5", ERR_UNKNOWN_COMMAND);
	assert_error("waterx 5", ERR_UNKNOWN_COMMAND);
}

static void test_wrong_argument_counts(void **state)
{
	struct parsed *p;

	(void)state;
	assert_error("water", ERR_USAGE);
	assert_error("water a b c d e f g", ERR_USAGE);
	assert_error("status now", ERR_USAGE);
	assert_error("--json stop all", ERR_USAGE);
	/* The server prints the command's usage line, so it must know which. */
	p = parse("water");
	assert_int_equal(p->req.cmd, CMD_WATER);
	p = parse("--json temperature F");
	assert_int_equal(p->r, -EINVAL);
	assert_int_equal(p->req.cmd, CMD_TEMPERATURE);
	assert_true(p->req.json);
}

/* "pause --help" asks how to use pause, whatever else the line holds. */
static void test_help_for_one_command(void **state)
{
	struct request *req;

	(void)state;
	req = parse_ok("pause --help");
	assert_int_equal(req->cmd, CMD_HELP);
	assert_int_equal(req->argc, 1);
	assert_string_equal(req->argv[0], "pause");
	/* Even with the wrong arguments, or too many of them. */
	req = parse_ok("--json water roses 5 x y z --help");
	assert_true(req->json);
	assert_int_equal(req->cmd, CMD_HELP);
	assert_string_equal(req->argv[0], "water");
	req = parse_ok("stop --help");
	assert_int_equal(req->cmd, CMD_HELP);
	assert_string_equal(req->argv[0], "stop");
	req = parse_ok("help water");
	assert_int_equal(req->cmd, CMD_HELP);
	assert_int_equal(req->argc, 1);
	assert_string_equal(req->argv[0], "water");
	req = parse_ok("help --help");
	assert_int_equal(req->cmd, CMD_HELP);
	assert_string_equal(req->argv[0], "help");
	assert_error("help water now", ERR_USAGE);
	/* An unknown verb stays unknown. */
	assert_error("dance --help", ERR_UNKNOWN_COMMAND);
}

/* One argument too few or too many, for every command in the table. */
static void test_argument_counts_follow_the_table(void **state)
{
	(void)state;
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct cmd_spec *c = &cmd_specs[i];
		char line[256];
		struct parsed *p;
		int len = snprintf(line, sizeof(line), "%s", c->name);

		for (int a = 0; a <= c->max_args; a++)
			len += snprintf(line + len, sizeof(line) - (size_t)len, " x");
		assert_error(line, ERR_USAGE);
		p = parse(line);
		assert_int_equal(p->req.cmd, i);
		if (c->min_args == 0)
			continue;
		len = snprintf(line, sizeof(line), "%s", c->name);
		for (int a = 0; a < c->min_args - 1; a++)
			len += snprintf(line + len, sizeof(line) - (size_t)len, " x");
		assert_error(line, ERR_USAGE);
	}
}

/* A script that asked for JSON gets its errors as JSON too. */
static void test_errors_keep_the_json_flag(void **state)
{
	static const char *const bad[] = {
		"--json dance", "--json status now", "--json status\x01",
		" \t--json dance", "--json\tstatus\r",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct parsed *p = parse(bad[i]);

		assert_true(p->r < 0);
		if (!p->req.json)
			fail_msg("\"%s\": JSON flag lost", bad[i]);
	}
	assert_false(parse("dance")->req.json);
	assert_false(parse("--jsonx status")->req.json);
	assert_false(parse("status --json")->req.json);
}

static void test_bad_bytes(void **state)
{
	static const char *const bad[] = {
		"status\x01", "sta\x7ftus", "water garden 5\x1b[2J", "status\r",
		"water gard\xc3\xa9n 5", "\xff", "status \x80", "water\vgarden 5",
		"water garden\n5",
	};

	(void)state;
	/* CR is the server's to strip before the parser: here it is a stray byte. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_error(bad[i], ERR_BAD_REQUEST);
	/* The edges of the printable range are fine. */
	parse_ok("water ~ 5");
	parse_ok("water ! 5");
}

static void test_too_many_words(void **state)
{
	char line[1024] = "water";

	(void)state;
	for (int i = 0; i < 40; i++)
		strcat(line, " x");
	assert_error(line, ERR_BAD_REQUEST);
	assert_error("--json water 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
		     ERR_BAD_REQUEST);
}

static void test_empty_requests(void **state)
{
	(void)state;
	assert_error("", ERR_BAD_REQUEST);
	assert_error("   ", ERR_BAD_REQUEST);
	assert_error("\t \t", ERR_BAD_REQUEST);
	assert_error("--json", ERR_BAD_REQUEST);
	assert_error("  --json \t ", ERR_BAD_REQUEST);
}

static void test_command_table(void **state)
{
	(void)state;
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct cmd_spec *c = &cmd_specs[i];

		assert_non_null(c->name);
		assert_true(strlen(c->name) > 0);
		assert_non_null(c->usage);
		assert_non_null(c->summary);
		assert_true(strlen(c->summary) > 0);
		assert_true(c->min_args >= 0);
		assert_true(c->min_args <= c->max_args);
		/* req->argv holds at most PROTO_ARGS_MAX. */
		assert_true(c->max_args <= PROTO_ARGS_MAX);
		/* Names are single words, or nobody could type them. */
		assert_null(strpbrk(c->name, " \t"));
		assert_int_equal(proto_find_command(c->name), i);
	}
}

static void test_find_command(void **state)
{
	(void)state;
	assert_int_equal(proto_find_command("water"), CMD_WATER);
	assert_int_equal(proto_find_command("stop"), CMD_STOP);
	assert_int_equal(proto_find_command("status"), CMD_STATUS);
	assert_int_equal(proto_find_command("help"), CMD_HELP);
	assert_int_equal(proto_find_command("sim"), CMD_SIM);
	assert_int_equal(proto_find_command("nope"), -1);
	assert_int_equal(proto_find_command(""), -1);
	assert_int_equal(proto_find_command("wat"), -1);
	assert_int_equal(proto_find_command("--json"), -1);
}

/* Messages reach JSON clients as valid strings, whatever bytes they hold. */
static void test_json_string(void **state)
{
	char buf[64], small[8];

	(void)state;
	assert_string_equal(proto_json_string("lawn", buf, sizeof(buf)), "\"lawn\"");
	assert_string_equal(proto_json_string("a \"b\" c\\d", buf, sizeof(buf)),
			    "\"a \\\"b\\\" c\\\\d\"");
	assert_string_equal(proto_json_string("two\nlines\ttab", buf, sizeof(buf)),
			    "\"two\\nlines\\u0009tab\"");
	assert_string_equal(proto_json_string("", buf, sizeof(buf)), "\"\"");
	/* Too long for buf: cut short, still a closed string. */
	assert_string_equal(proto_json_string("abcdefgh", small, sizeof(small)),
			    "\"\"");
	assert_string_equal(proto_json_string("abcdefgh", buf, 12), "\"abc\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_water_with_zone_and_duration),
		cmocka_unit_test(test_json_flag),
		cmocka_unit_test(test_tabs_and_spaces),
		cmocka_unit_test(test_every_command_by_name),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_wrong_argument_counts),
		cmocka_unit_test(test_argument_counts_follow_the_table),
		cmocka_unit_test(test_help_for_one_command),
		cmocka_unit_test(test_errors_keep_the_json_flag),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_too_many_words),
		cmocka_unit_test(test_empty_requests),
		cmocka_unit_test(test_command_table),
		cmocka_unit_test(test_find_command),
		cmocka_unit_test(test_json_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
