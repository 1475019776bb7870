/* End to end: cycle and soak, water by volume and irrigctl run, on irrigd --sim. */
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

/*
 * Two zones that soak, one that does not, and a slow one for the
 * backstop; no probes, so every run waters by the clock.  The settle is
 * longer than any run here, so no flow alarm can end one.
 */
static const char config_text[] =
	"hardware = { backend = \"sim\"; expanders = ( { address = 0x20; } );\n"
	"  flow_meter = { line = \"GPIO17\"; pulses_per_litre = 450.0; }; };\n"
	"zones = (\n"
	"  { name = \"bed\"; valve = { expander = 0x20; pin = 0; };\n"
	"    flow_lpm = 20.0; max_run = \"1m\"; cycle = \"2s\"; soak = \"3s\"; },\n"
	"  { name = \"lawn\"; valve = { expander = 0x20; pin = 1; };\n"
	"    flow_lpm = 20.0; max_run = \"1m\"; cycle = \"2s\"; soak = \"3s\"; },\n"
	"  { name = \"pots\"; valve = { expander = 0x20; pin = 2; };\n"
	"    flow_lpm = 20.0; max_run = \"1m\"; },\n"
	"  { name = \"slow\"; valve = { expander = 0x20; pin = 3; };\n"
	"    flow_lpm = 2.0; max_run = \"3s\"; }\n"
	");\n"
	"programs = ( { name = \"evening\"; start = [\"03:00\"]; days = [\"mon\"];\n"
	"  enabled = false;\n"
	"  zones = ( { zone = \"pots\"; volume = \"0.5L\"; },\n"
	"            { zone = \"slow\"; duration = \"1s\"; } ); } );\n"
	"safety = { settle = \"5m\"; alarm_delay = \"5m\"; min_switch_interval = \"0s\"; };\n"
	"report_interval = \"1s\";\n";

static struct test_daemon daemon_;

static void free2(char *a, char *b)
{
	free(a);
	free(b);
}

/* A number after key in a JSON text, e.g. "\"litres\":". */
static double json_number(const char *json, const char *key)
{
	const char *at = strstr(json, key);

	assert_non_null(at);
	return strtod(at + strlen(key), NULL);
}

/* Waits until nothing waters, soaks or is queued: failure, not timing. */
static void wait_idle(void)
{
	int64_t give_up = now_ms() + (under_valgrind() ? 240000 : 60000);

	for (;;) {
		char *out, *err;
		bool idle;

		assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "--json",
					       "status", NULL), 0);
		idle = strstr(out, "\"state\":\"idle\"") &&
			strstr(out, "\"queue\":[]") && strstr(out, "\"soaking\":[]");
		free2(out, err);
		if (idle)
			return;
		if (now_ms() > give_up)
			fail_msg("irrigd did not become idle");
		sleep_ms(200);
	}
}

/* A watcher on a raw connection: every event from now on. */
static int watch(void)
{
	const char req[] = "--json watch\n";
	int fd = try_connect(daemon_.socket);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return fd;
}

/* What the watcher got so far, NUL-terminated, on the heap. */
static char *drain(int fd)
{
	size_t len = 0, size = 1 << 16;
	char *buf = malloc(size);
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_non_null(buf);
	while (poll(&p, 1, 300) > 0) {
		ssize_t n;

		if (len + 4096 > size) {
			size *= 2;
			buf = realloc(buf, size);
			assert_non_null(buf);
		}
		n = read(fd, buf + len, size - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

/* "bed+ bed- lawn+ ...": the valves as they switched, from a JSON watch. */
static void valve_order(const char *events, char *order, size_t size)
{
	const char *line = events;
	size_t used = 0;

	order[0] = '\0';
	while (line && *line) {
		const char *end = strchr(line, '\n'), *zone;
		bool opened = !strncmp(line, "{\"event\":\"valve-opened\"", 23);
		bool closed = !strncmp(line, "{\"event\":\"valve-closed\"", 23);

		if ((opened || closed) && (zone = strstr(line, "\"zone\":\"")) &&
		    (!end || zone < end)) {
			zone += strlen("\"zone\":\"");
			used += (size_t)snprintf(order + used, size - used, "%s%.*s%c",
						 used ? " " : "",
						 (int)strcspn(zone, "\""), zone,
						 opened ? '+' : '-');
			assert_true(used < size);
		}
		line = end ? end + 1 : NULL;
	}
}

/* The newest history entry of zone, as JSON, on the heap. */
static char *last_run_of(const char *zone)
{
	char *out, *err, *at, *end, *copy, want[64];

	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "--json", "history",
				       "20", NULL), 0);
	snprintf(want, sizeof(want), "\"zone\":\"%s\"", zone);
	at = strstr(out, want);
	assert_non_null(at);
	while (at > out && *at != '{')
		at--;
	end = strchr(at, '}');
	assert_non_null(end);
	copy = strndup(at, (size_t)(end - at + 1));
	free2(out, err);
	return copy;
}

static int setup(void **state)
{
	(void)state;
	test_daemon_start(&daemon_, config_text);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (test_daemon_stop_showing_log(&daemon_) != 0)
		return -1;
	test_daemon_remove(&daemon_);
	return 0;
}

static void test_two_zones_soak_in_turn_and_never_overlap(void **state)
{
	char *out, *err, *events, *bed, *lawn, order[512];
	int fd;

	(void)state;
	fd = watch();
	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "water", "bed",
				       "4s", "--no-wait", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "water", "lawn",
				       "4s", "--no-wait", NULL), 0);
	free2(out, err);
	wait_idle();
	events = drain(fd);
	close(fd);
	valve_order(events, order, sizeof(order));
	/* Each waters 2 s, soaks 3 s: the other waters meanwhile, one valve at a time. */
	assert_string_equal(order, "bed+ bed- lawn+ lawn- bed+ bed- lawn+ lawn-");
	assert_non_null(strstr(events, "\"event\":\"water-cycle\""));
	assert_non_null(strstr(events, "\"action\":\"soak\""));
	assert_non_null(strstr(events, "bed: cycle 1 of 2 done, soaking until "));
	assert_non_null(strstr(events, "bed: cycle 2 of 2"));
	free(events);

	/* Whole runs in the history: the time asked for, every cycle's water. */
	bed = last_run_of("bed");
	lawn = last_run_of("lawn");
	assert_int_equal((int)json_number(bed, "\"actual_s\":"), 4);
	assert_int_equal((int)json_number(lawn, "\"actual_s\":"), 4);
	assert_non_null(strstr(bed, "\"outcome\":\"completed\""));
	assert_non_null(strstr(lawn, "\"outcome\":\"completed\""));
	/* 20 L/min for 4 s. */
	assert_true(fabs(json_number(bed, "\"litres\":") - 20.0 * 4 / 60) < 0.1);
	assert_true(fabs(json_number(lawn, "\"litres\":") - 20.0 * 4 / 60) < 0.1);
	free2(bed, lawn);
}

static void test_the_waiting_client_sees_its_cycles(void **state)
{
	char *out, *err;

	(void)state;
	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "water", "bed",
				       "3s", NULL), 0);
	assert_non_null(strstr(out, "Watering bed for 3 seconds\nIn 2 cycles, soaking "
			       "between them\nValve open\n"));
	assert_non_null(strstr(out, "Valve closed: cycle 1 of 2 done, soaking until "));
	assert_non_null(strstr(out, "Valve open: cycle 2 of 2\n"));
	assert_non_null(strstr(out, "Water used: "));
	assert_string_equal(err, "");
	free2(out, err);
}

/* Asks for 6 s of bed (three cycles) and waits until its first soak. */
static void water_bed_until_it_soaks(void)
{
	int64_t give_up = now_ms() + (under_valgrind() ? 120000 : 30000);
	char *out, *err;

	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "water", "bed",
				       "6s", "--no-wait", NULL), 0);
	free2(out, err);
	for (bool soaking = false; !soaking;) {
		assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "status",
					       NULL), 0);
		soaking = strstr(out, "Soaking: bed: cycle 1 of 3 done, soaking until ") != NULL;
		free2(out, err);
		if (now_ms() > give_up)
			fail_msg("bed never soaked");
		sleep_ms(100);
	}
}

static void test_a_skip_while_soaking_ends_the_whole_run(void **state)
{
	char *out, *err, *bed;

	(void)state;
	water_bed_until_it_soaks();
	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "skip", NULL), 0);
	assert_non_null(strstr(out, "Skipped the rest of bed; nothing else queued"));
	free2(out, err);
	wait_idle();
	bed = last_run_of("bed");
	assert_non_null(strstr(bed, "\"outcome\":\"stopped\""));
	assert_int_equal((int)json_number(bed, "\"actual_s\":"), 2);
	free(bed);
}

static void test_a_stop_while_soaking_ends_the_whole_run(void **state)
{
	char *out, *err, *bed;

	(void)state;
	water_bed_until_it_soaks();
	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "stop", NULL), 0);
	assert_non_null(strstr(out, "Stopped: every valve closed, queue emptied"));
	free2(out, err);
	wait_idle();
	bed = last_run_of("bed");
	assert_non_null(strstr(bed, "\"outcome\":\"stopped\""));
	assert_int_equal((int)json_number(bed, "\"actual_s\":"), 2);
	free(bed);
}

static void test_water_by_volume_stops_on_the_litres(void **state)
{
	char *out, *err, *pots, *used;

	(void)state;
	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "water", "pots",
				       "1L", NULL), 0);
	assert_non_null(strstr(out, "Watering pots until 1.00 L (at most 1 minute)\n"));
	used = strstr(out, "Water used: ");
	assert_non_null(used);
	/* What the person sees: the litres asked, to the hundredth. */
	assert_true(fabs(strtod(used + strlen("Water used: "), NULL) - 1.0) <= 0.01);
	free2(out, err);
	pots = last_run_of("pots");
	assert_non_null(strstr(pots, "\"outcome\":\"completed\""));
	assert_true(fabs(json_number(pots, "\"litres\":") - 1.0) <= 0.01);
	/* 1 L at 20 L/min is 3 s, not the minute of its backstop. */
	assert_true(json_number(pots, "\"actual_s\":") <= 4);
	free(pots);
}

static void test_volume_over_cycles(void **state)
{
	char *out, *err, *bed;

	(void)state;
	/* 1 L at 20 L/min is 3 s: a cycle of 2 s, a soak, the rest. */
	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "water", "bed",
				       "1L", NULL), 0);
	assert_non_null(strstr(out, "Valve closed: cycle 1 done, soaking until "));
	assert_non_null(strstr(out, "Valve open: cycle 2\n"));
	free2(out, err);
	bed = last_run_of("bed");
	assert_non_null(strstr(bed, "\"outcome\":\"completed\""));
	assert_true(fabs(json_number(bed, "\"litres\":") - 1.0) <= 0.01);
	free(bed);
}

static void test_max_run_is_the_backstop_of_a_volume(void **state)
{
	char *out, *err, *slow;

	(void)state;
	/* 2 L/min for at most 3 s: a tenth of a litre, never 5. */
	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "water", "slow",
				       "5L", NULL), 0);
	assert_non_null(strstr(out, "Watering slow until 5.00 L (at most 3 seconds)\n"));
	assert_non_null(strstr(out, "Ended after 3s: slow watered its most, 3 seconds "
			       "(max_run), with 0.1"));
	free2(out, err);
	slow = last_run_of("slow");
	assert_non_null(strstr(slow, "\"outcome\":\"capped\""));
	assert_true(json_number(slow, "\"litres\":") < 0.2);
	free(slow);
	assert_true(test_daemon_logged(&daemon_, "slow watered its most, 3 seconds "
				       "(max_run)"));
}

static void test_bad_volumes_are_refused(void **state)
{
	char *out, *err;

	(void)state;
	assert_int_not_equal(test_irrigctl(daemon_.socket, &out, &err, "water", "pots",
					   "20x", NULL), 0);
	free2(out, err);
	assert_int_not_equal(test_irrigctl(daemon_.socket, &out, &err, "water", "pots",
					   "0L", NULL), 0);
	assert_non_null(strstr(err, "bad volume 0L"));
	free2(out, err);
	assert_int_not_equal(test_irrigctl(daemon_.socket, &out, &err, "water", "pots",
					   "200000L", NULL), 0);
	assert_non_null(strstr(err, "more than one run may water"));
	free2(out, err);
}

static void test_run_waters_a_program_in_order(void **state)
{
	char *out, *err, *events, *pots, *slow, order[256];
	const char *first, *second;
	int fd;

	(void)state;
	fd = watch();
	/* A disabled program: a person asked for it. */
	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "run", "evening",
				       NULL), 0);
	first = strstr(out, "Watering pots until 0.50 L (at most 1 minute)\n");
	second = strstr(out, "Watering slow for 1 second\n");
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second);
	/* Each run's summary: the reply ends after the last one's. */
	assert_int_equal(count(out, "Water used: "), 2);
	assert_true(strstr(out, "Water used: ") < second);
	assert_string_equal(err, "");
	free2(out, err);
	events = drain(fd);
	close(fd);
	valve_order(events, order, sizeof(order));
	assert_string_equal(order, "pots+ pots- slow+ slow-");
	free(events);
	pots = last_run_of("pots");
	slow = last_run_of("slow");
	assert_non_null(strstr(pots, "\"source\":\"evening\""));
	assert_non_null(strstr(slow, "\"source\":\"evening\""));
	assert_true(fabs(json_number(pots, "\"litres\":") - 0.5) <= 0.01);
	assert_int_equal((int)json_number(slow, "\"actual_s\":"), 1);
	free2(pots, slow);
	assert_true(test_daemon_logged(&daemon_, "Program evening started by hand: "
				       "2 zones queued"));
}

static void test_run_no_wait_and_json(void **state)
{
	char *out, *err;

	(void)state;
	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "run", "evening",
				       "--no-wait", NULL), 0);
	assert_string_equal(out, "Program evening: 2 zones queued\n");
	free2(out, err);
	wait_idle();
	assert_int_equal(test_irrigctl(daemon_.socket, &out, &err, "--json", "run",
				       "evening", NULL), 0);
	/* The first run's summary is an event, the last one's the reply. */
	assert_non_null(strstr(out, "{\"event\":\"summary\",\"id\":"));
	assert_int_equal(count(out, "{\"ok\":true,\"event\":\"summary\""), 1);
	free2(out, err);
	assert_int_not_equal(test_irrigctl(daemon_.socket, &out, &err, "run", "nightly",
					   NULL), 0);
	assert_non_null(strstr(err, "no program called nightly"));
	free2(out, err);
}

static void test_starts_from_the_sun_show_their_time(void **state)
{
	struct test_daemon sun = { 0 };
	char *out, *err, text[2048];

	(void)state;
	/* The evening program, every day from the sun (and held from watering). */
	{
		const char *from = "start = [\"03:00\"]; days = [\"mon\"];\n"
			"  enabled = false;";
		const char *at = strstr(config_text, from);

		assert_non_null(at);
		snprintf(text, sizeof(text), "%.*sstart = [\"sunrise-1h\"];%s"
			 "site = { latitude = 52.37; longitude = 4.89; };\n",
			 (int)(at - config_text), config_text, at + strlen(from));
	}
	test_daemon_prepare(&sun, "sun");
	test_daemon_write_config(&sun, text);
	test_daemon_spawn(&sun, NULL, NULL);
	assert_int_equal(test_irrigctl(sun.socket, &out, &err, "pause", "3d", NULL), 0);
	free2(out, err);
	assert_int_equal(test_irrigctl(sun.socket, &out, &err, "status", NULL), 0);
	assert_non_null(strstr(out, "Next run: evening at "));
	assert_non_null(strstr(out, " (sunrise-1h), after the rain delay"));
	free2(out, err);
	assert_int_equal(test_irrigctl(sun.socket, &out, &err, "schedule", NULL), 0);
	/* Every day has its own time, each said to be from the sun. */
	assert_true(count(out, " (sunrise-1h)  evening ") >= 12);
	assert_non_null(strstr(out, "0.50 L"));
	free2(out, err);
	assert_int_equal(test_irrigctl(sun.socket, &out, &err, "--json", "schedule", NULL), 0);
	assert_non_null(strstr(out, "\"start\":\"sunrise-1h\",\"program\":\"evening\""));
	free2(out, err);
	assert_int_equal(test_daemon_stop_showing_log(&sun), 0);
	test_daemon_remove(&sun);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_zones_soak_in_turn_and_never_overlap),
		cmocka_unit_test(test_the_waiting_client_sees_its_cycles),
		cmocka_unit_test(test_a_skip_while_soaking_ends_the_whole_run),
		cmocka_unit_test(test_a_stop_while_soaking_ends_the_whole_run),
		cmocka_unit_test(test_water_by_volume_stops_on_the_litres),
		cmocka_unit_test(test_volume_over_cycles),
		cmocka_unit_test(test_max_run_is_the_backstop_of_a_volume),
		cmocka_unit_test(test_bad_volumes_are_refused),
		cmocka_unit_test(test_run_waters_a_program_in_order),
		cmocka_unit_test(test_run_no_wait_and_json),
		cmocka_unit_test(test_starts_from_the_sun_show_their_time),
	};

	return TEST_RUN_GROUP("cycles", tests, setup, teardown);
}
