/* Replies as text and JSON: where warnings go, so a reply stays parseable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/out.h"

static struct out out;

static void test_text_warnings_come_before_ok_once_each(void **state)
{
	(void)state;
	out_init(&out, false);
	out_line(&out, "Programs held");
	out_warn(&out, "rain-delay", "\"code\":\"unsaved\"", "not saved: %s", "full");
	out_warn(&out, "rain-delay", "\"code\":\"unsaved\"", "not saved again");
	out_warn(&out, "history", "\"code\":\"unsaved\"", "history not saved");
	out_ok(&out, "\"x\":1");
	assert_string_equal(out.buf, "- Programs held\n- warning: not saved: full\n"
			    "- warning: history not saved\nOK\n");
	/* Nothing left to flush once the reply has ended. */
	out_flush_warnings(&out);
	assert_string_equal(out.buf + strlen(out.buf) - 3, "OK\n");
}

static void test_json_warnings_are_a_field_of_the_final_object(void **state)
{
	(void)state;
	out_init(&out, true);
	out_warn(&out, "rain-delay", "\"code\":\"unsaved\",\"file\":\"rain-delay\"",
		 "say \"no\"");
	out_ok(&out, "\"rain_delay_until\":%d", 5);
	assert_string_equal(out.buf, "{\"ok\":true,\"rain_delay_until\":5,"
			    "\"warnings\":[{\"code\":\"unsaved\",\"file\":\"rain-delay\","
			    "\"message\":\"say \\\"no\\\"\"}]}\n");
	out_init(&out, true);
	out_warn(&out, "k", "\"code\":\"unsaved\"", "w");
	out_err(&out, "faulted", "held");
	assert_string_equal(out.buf, "{\"ok\":false,\"error\":{\"code\":\"faulted\","
			    "\"message\":\"held\"},\"warnings\":[{\"code\":\"unsaved\","
			    "\"message\":\"w\"}]}\n");
	/* Without a warning, a reply is as it always was. */
	out_init(&out, true);
	out_ok(&out, NULL);
	assert_string_equal(out.buf, "{\"ok\":true}\n");
}

/* A reply that goes on past its request (a water run) flushes them. */
static void test_warnings_of_an_unended_reply_are_flushed(void **state)
{
	(void)state;
	out_init(&out, true);
	out_event(&out, "\"event\":\"queued\"");
	out_warn(&out, "history", "\"code\":\"unsaved\"", "w");
	out_flush_warnings(&out);
	assert_string_equal(out.buf, "{\"event\":\"queued\"}\n{\"event\":\"warnings\","
			    "\"warnings\":[{\"code\":\"unsaved\",\"message\":\"w\"}]}\n");
	out_init(&out, false);
	out_warn(&out, "history", "\"code\":\"unsaved\"", "w");
	out_flush_warnings(&out);
	out_flush_warnings(&out);
	assert_string_equal(out.buf, "- warning: w\n");
	out_init(&out, false);
	out_warn(&out, "history", "\"code\":\"unsaved\"", "w");
	out_err(&out, "capped", "over");
	assert_string_equal(out.buf, "- warning: w\nERR capped over\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_warnings_come_before_ok_once_each),
		cmocka_unit_test(test_json_warnings_are_a_field_of_the_final_object),
		cmocka_unit_test(test_warnings_of_an_unended_reply_are_flushed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
