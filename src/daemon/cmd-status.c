/* The status command: what runs, what is queued, what comes next, and the daemon's health. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/duration.h"
#include "core/schedule.h"
#include "daemon/cmd.h"

/*
 * Resident and anonymous memory of this process, from /proc.  Read with
 * read(2) into the stack, not stdio: fopen's buffer was a heap block per
 * request, and a request should leave the heap as it found it.
 */
static void memory_kib(unsigned long *rss, unsigned long *anon)
{
	char text[4096];
	const char *at;
	ssize_t n = 0, got;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	*rss = *anon = 0;
	if (fd < 0)
		return;
	while ((size_t)n < sizeof(text) - 1 &&
	       (got = read(fd, text + n, sizeof(text) - 1 - (size_t)n)) > 0)
		n += got;
	close(fd);
	text[n] = '\0';
	at = strstr(text, "\nVmRSS:");
	if (at)
		*rss = strtoul(at + 7, NULL, 10);
	at = strstr(text, "\nRssAnon:");
	if (at)
		*anon = strtoul(at + 9, NULL, 10);
}

static void running_now(struct cmd_ctx *ctx, char *json, size_t size)
{
	struct daemon *d = ctx->d;
	const struct run_request *cur = ctl_current(&d->ctl);
	uint64_t now = daemon_now();
	char elapsed[32], left[32], want[48];
	const char *how;
	double expected;
	size_t runs;

	if (cur && d->ctl.phase == CTL_LEAD && !d->ctl.master_on) {
		char spacing[32];

		duration_format(d->cfg.safety.min_switch_interval_s, spacing,
				sizeof(spacing));
		out_line(ctx->out, "%s opens next: valves wait %s between switches",
			 d->cfg.zones[cur->zone].name, spacing);
		out_append(json, size, "\"state\":\"waiting\",\"zone\":\"%s\"",
		    d->cfg.zones[cur->zone].name);
		return;
	}
	if (!cur || d->ctl.phase != CTL_WATERING) {
		if (cur && d->ctl.phase == CTL_DECIDING)
			out_line(ctx->out, "Reading the soil before watering %s",
				 d->cfg.zones[cur->zone].name);
		else if (d->ctl.phase == CTL_LEAD)
			out_line(ctx->out, "Master valve open, the first zone follows");
		else if (d->ctl.phase == CTL_LAG)
			out_line(ctx->out, "Master valve closing after the last zone");
		else if (d->valve_may_be_open)
			out_line(ctx->out, "Idle, but a valve may still be open: "
				 "switching it off failed (the journal says "
				 "which; irrigctl stop tries again)");
		else if (d->ctl.phase == CTL_SOAKING)
			out_line(ctx->out, "Soaking: every valve closed until a zone's "
				 "next cycle");
		else
			out_line(ctx->out, "Idle: every valve closed");
		out_append(json, size, "\"state\":\"%s\"",
			   d->ctl.phase == CTL_IDLE ? "idle" :
			   d->ctl.phase == CTL_SOAKING ? "soaking" :
			   d->ctl.phase == CTL_DECIDING ? "deciding" : "master");
		return;
	}
	duration_format((uint32_t)(run_elapsed_ns(&d->ctl.run, now) / NS_PER_S), elapsed,
			sizeof(elapsed));
	duration_format((uint32_t)(run_remaining_ns(&d->ctl.run, now) / NS_PER_S), left,
			sizeof(left));
	if (cur->n_cycles != 1) {
		char cycle[48];

		watering_say_cycle(cur, cycle, sizeof(cycle));
		out_line(ctx->out, "Watering %s (%s), %s: %s elapsed, %s left in "
			 "this cycle", d->cfg.zones[cur->zone].name, cur->source,
			 cycle, elapsed, left);
	} else {
		out_line(ctx->out, "Watering %s (%s): %s elapsed, %s left",
			 d->cfg.zones[cur->zone].name, cur->source, elapsed, left);
	}
	if (cur->litres > 0)
		out_line(ctx->out, "Watering until %.2f %s",
			 config_volume(&d->cfg, cur->litres),
			 config_volume_unit(&d->cfg));
	expected = safety_expected_lpm(d, cur->zone, &how, &runs);
	if (expected > 0.0)
		snprintf(want, sizeof(want), "%.1f %s/min %s",
			 config_volume(&d->cfg, expected),
			 config_volume_unit(&d->cfg), how);
	else
		snprintf(want, sizeof(want), "not known yet");
	out_line(ctx->out, "Water so far: %.2f %s at %.1f %s/min (expected: %s)",
		 config_volume(&d->cfg, watering_litres_so_far(d)),
		 config_volume_unit(&d->cfg),
		 config_volume(&d->cfg, watering_flow_rate(d)),
		 config_volume_unit(&d->cfg), want);
	out_append(json, size, "\"state\":\"watering\",\"zone\":\"%s\",\"source\":\"%s\","
	    "\"elapsed_s\":%" PRIu64 ",\"remaining_s\":%" PRIu64 ",\"litres\":%.3f,"
	    "\"flow_lpm\":%.2f,\"expected_lpm\":%.2f,\"expected_from\":\"%s\","
	    "\"cycle\":%u,\"cycles\":%u,\"litres_asked\":%.3f",
	    d->cfg.zones[cur->zone].name, cur->source,
	    run_elapsed_ns(&d->ctl.run, now) / NS_PER_S,
	    run_remaining_ns(&d->ctl.run, now) / NS_PER_S, watering_litres_so_far(d),
	    watering_flow_rate(d), expected, how, cur->cycle, cur->n_cycles,
	    cur->litres);
}

static void queued(struct cmd_ctx *ctx, char *json, size_t size)
{
	const struct controller *ctl = &ctx->d->ctl;

	out_append(json, size, ",\"queue\":[");
	for (size_t i = 0; i < ctl_queue_len(ctl); i++) {
		const struct run_request *r = ctl_queue_at(ctl, i);
		char said[48];

		watering_say_duration(r->duration_s, said, sizeof(said));
		out_line(ctx->out, "Queued: %s for %s (%s)",
			 ctx->d->cfg.zones[r->zone].name, said, r->source);
		out_append(json, size, "%s{\"id\":%u,\"zone\":\"%s\",\"duration_s\":%u,"
		    "\"source\":\"%s\"}", i ? "," : "", r->id,
		    ctx->d->cfg.zones[r->zone].name, r->duration_s, r->source);
	}
	out_append(json, size, "],\"soaking\":[");
	for (size_t i = 0; i < ctl_soaking_len(ctl); i++) {
		const struct run_request *r = ctl_soaking_at(ctl, i);
		char line[160];
		uint64_t now = daemon_now();

		watering_say_soaking(ctx->d, r, line, sizeof(line));
		out_line(ctx->out, "Soaking: %s (%s)", line, r->source);
		out_append(json, size, "%s{\"id\":%u,\"zone\":\"%s\",\"cycle\":%u,"
		    "\"cycles\":%u,\"watered_s\":%u,\"soak_left_s\":%u,"
		    "\"source\":\"%s\"}", i ? "," : "", r->id,
		    ctx->d->cfg.zones[r->zone].name, r->cycle, r->n_cycles,
		    (unsigned)(r->watered_ns / NS_PER_S),
		    (unsigned)(r->soak_until_ns > now ?
			       (r->soak_until_ns - now) / NS_PER_S : 0), r->source);
	}
	out_append(json, size, "]");
}

static void programs(struct cmd_ctx *ctx, char *json, size_t size)
{
	struct daemon *d = ctx->d;
	time_t now = time(NULL);
	struct occurrence next;
	char when[32];

	if (!d->sched.clock_synced) {
		out_line(ctx->out, "Programs wait for the system clock to be "
			 "synchronized; manual runs do not");
		out_append(json, size, ",\"waiting_for_clock\":true");
	} else {
		out_append(json, size, ",\"waiting_for_clock\":false");
	}
	if (d->sched.rain_delay_until > now) {
		cmd_format_time(d->sched.rain_delay_until, when, sizeof(when));
		out_line(ctx->out, "Rain delay: programs held until %s", when);
		out_append(json, size, ",\"rain_delay_until\":%lld",
		    (long long)d->sched.rain_delay_until);
	}
	cmd_smart_status(ctx, json, size);
	cmd_programs_status(ctx, json, size);
	if (scheduler_next_run(d, now, &next) == 0) {
		const struct program *prog = &d->cfg.schedule.programs[next.program];
		char start[48], sun[64] = "";

		cmd_format_time(next.when, when, sizeof(when));
		schedule_format_start(prog, (size_t)next.start, start, sizeof(start));
		/* A start relative to the sun: when it falls, and from what. */
		if (prog->start_kind[next.start] != START_AT)
			snprintf(sun, sizeof(sun), " (%s)", start);
		out_line(ctx->out, "Next run: %s at %s%s%s", prog->name, when, sun,
			 d->sched.rain_delay_until > now ? ", after the rain delay" :
			 "");
		out_append(json, size, ",\"next_run\":{\"program\":\"%s\",\"at\":%lld%s%s%s}",
		    prog->name, (long long)next.when, *sun ? ",\"start\":\"" : "",
		    *sun ? start : "", *sun ? "\"" : "");
	} else {
		out_line(ctx->out, "Next run: none (no program is enabled)");
	}
}

static void today(struct cmd_ctx *ctx, char *json, size_t size)
{
	const struct config *cfg = &ctx->d->cfg;

	out_append(json, size, ",\"litres_today\":{");
	for (size_t z = 0; z < cfg->n_zones; z++) {
		double litres = safety_litres_today(ctx->d, (int)z);

		out_line(ctx->out, "Today %-12s %.2f %s", cfg->zones[z].name,
			 config_volume(cfg, litres), config_volume_unit(cfg));
		out_append(json, size, "%s\"%s\":%.3f", z ? "," : "",
			   cfg->zones[z].name, litres);
	}
	out_append(json, size, "}");
}

/* Latched faults and failed probes: what needs a person. */
static void health(struct cmd_ctx *ctx, char *json, size_t size)
{
	struct daemon *d = ctx->d;
	const struct fault_set *faults = &d->safety.state.faults;
	size_t failed = 0;

	out_append(json, size, ",\"faults\":[");
	for (size_t i = 0; i < faults->n; i++) {
		const struct fault *f = &faults->list[i];
		char when[32];

		cmd_format_time(f->raised, when, sizeof(when));
		out_line(ctx->out, "Fault on %s since %s: %s",
			 *f->zone ? f->zone : "the garden", when, f->detail);
		out_append(json, size, "%s{\"kind\":\"%s\",\"zone\":%s%s%s,\"raised\":%lld}",
		    i ? "," : "", fault_kind_name(f->kind), *f->zone ? "\"" : "",
		    *f->zone ? f->zone : "null", *f->zone ? "\"" : "",
		    (long long)f->raised);
	}
	out_append(json, size, "],\"failed_probes\":[");
	for (size_t p = 0; p < d->cfg.n_probes; p++) {
		char reason[160];

		if (!d->safety.probes[p].failed)
			continue;
		safety_probe_reason(d, p, reason, sizeof(reason));
		out_line(ctx->out, "Probe %s failed: it %s", d->cfg.probes[p].name,
			 reason);
		out_append(json, size, "%s\"%s\"", failed++ ? "," : "",
		    d->cfg.probes[p].name);
	}
	out_append(json, size, "]");
	if (faults->n)
		out_line(ctx->out, "Programs do not water a faulted zone: see "
			 "irrigctl faults, then irrigctl clear");
	if (d->reload_refused.at) {
		char when[32], why[1100];

		cmd_format_time(d->reload_refused.at, when, sizeof(when));
		out_line(ctx->out, "Reload refused %s, the running config stays: %s",
			 when, d->reload_refused.why);
		out_append(json, size, ",\"reload_refused\":{\"at\":%lld,\"error\":%s}",
		    (long long)d->reload_refused.at,
		    proto_json_string(d->reload_refused.why, why, sizeof(why)));
	}
}

/* State files that could not be saved: kept in memory, tried again. */
static void unsaved(struct cmd_ctx *ctx, char *json, size_t size)
{
	const struct daemon *d = ctx->d;
	bool first = true;

	out_append(json, size, ",\"unsaved\":[");
	for (int f = 0; f < STATE_FILES; f++) {
		const char *name = state_file_name((enum state_file)f);
		int err = d->unsaved.err[f];
		char when[32];

		if (!err)
			continue;
		cmd_format_time(d->unsaved.since[f], when, sizeof(when));
		out_line(ctx->out, "Not saved since %s: %s (%s/%s: %s); kept in "
			 "memory, and irrigd tries again", when,
			 state_file_what((enum state_file)f), d->state_dir, name,
			 strerror(-err));
		out_append(json, size, "%s{\"file\":\"%s\",\"errno\":%d,"
		    "\"error\":\"%s\",\"since\":%lld}", first ? "" : ",", name,
		    -err, strerror(-err), (long long)d->unsaved.since[f]);
		first = false;
	}
	out_append(json, size, "]");
}

void cmd_status(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	uint64_t up = (daemon_now() - d->started_ns) / NS_PER_S;
	unsigned long rss, anon;
	/*
	 * A full queue (32 runs) and 16 zones, every name 31 characters,
	 * take about 5.5 KiB: a smaller buffer cut the JSON reply short.
	 */
	char uptime[32], json[12288] = "";

	watering_count_flow(d);
	memory_kib(&rss, &anon);
	duration_format((uint32_t)(up > UINT32_MAX ? UINT32_MAX : up), uptime,
			sizeof(uptime));
	running_now(ctx, json, sizeof(json));
	out_append(json, sizeof(json), ",\"valve_may_be_open\":%s",
		   d->valve_may_be_open ? "true" : "false");
	queued(ctx, json, sizeof(json));
	programs(ctx, json, sizeof(json));
	today(ctx, json, sizeof(json));
	health(ctx, json, sizeof(json));
	unsaved(ctx, json, sizeof(json));
	out_line(ctx->out, "Up %s, %s hardware, memory %lu KiB resident (%lu KiB "
		 "anonymous)", uptime, d->sim ? "simulated" : "real", rss, anon);
	out_ok(ctx->out, "%s,\"uptime_s\":%" PRIu64 ",\"backend\":\"%s\","
	       "\"rss_kib\":%lu,\"anon_kib\":%lu", json, up, d->sim ? "sim" : "linux",
	       rss, anon);
}

/* "expander 0x20 pin 0" or "GPIO22": where a valve is wired. */
static void describe_pin(const struct config *cfg, const struct config_pin *pin,
			 char *buf, size_t size)
{
	if (!pin->on_gpio)
		snprintf(buf, size, "expander 0x%02x pin %u%s",
			 cfg->expanders[pin->expander].address, pin->pin,
			 pin->active_low ? " (active low)" : "");
	else if (*pin->line.name)
		snprintf(buf, size, "%s%s", pin->line.name,
			 pin->active_low ? " (active low)" : "");
	else
		snprintf(buf, size, "%s line %d%s", pin->line.chip, pin->line.offset,
			 pin->active_low ? " (active low)" : "");
}

void cmd_zones(struct cmd_ctx *ctx)
{
	const struct config *cfg = &ctx->d->cfg;
	char json[6144] = "";
	const char *how;
	size_t runs;

	for (size_t z = 0; z < cfg->n_zones; z++) {
		const struct config_zone *zone = &cfg->zones[z];
		char valve[96], cap[32];

		double expected = safety_expected_lpm(ctx->d, (int)z, &how, &runs);
		char flow[64], daily[48] = "";

		describe_pin(cfg, &zone->valve, valve, sizeof(valve));
		duration_format(zone->max_run_s, cap, sizeof(cap));
		if (!strcmp(how, "configured"))
			snprintf(flow, sizeof(flow), "%.1f %s/min",
				 config_volume(cfg, expected), config_volume_unit(cfg));
		else if (expected > 0.0)
			snprintf(flow, sizeof(flow), "%.1f %s/min learned (%zu run%s)",
				 config_volume(cfg, expected), config_volume_unit(cfg),
				 runs, runs == 1 ? "" : "s");
		else
			snprintf(flow, sizeof(flow), "flow not known yet");
		if (zone->daily_cap_litres > 0.0)
			snprintf(daily, sizeof(daily), ", %g %s a day",
				 config_volume_limit(cfg, zone->daily_cap_litres),
				 config_volume_unit(cfg));
		out_line(ctx->out, "%-12s %s, at most %s%s, valve on %s%s", zone->name,
			 flow, cap, daily, valve,
			 faults_hold_zone(&ctx->d->safety.state.faults, zone->name) ?
			 " [FAULT]" : "");
		out_append(json, sizeof(json), "%s{\"name\":\"%s\",\"flow_lpm\":%.2f,"
		    "\"expected_lpm\":%.2f,\"expected_from\":\"%s\",\"learned_runs\":%zu,"
		    "\"max_run_s\":%u,\"daily_cap_litres\":%g,\"faulted\":%s}",
		    z ? "," : "", zone->name, zone->flow_lpm, expected, how, runs,
		    zone->max_run_s, zone->daily_cap_litres,
		    faults_hold_zone(&ctx->d->safety.state.faults, zone->name) ?
		    "true" : "false");
	}
	out_ok(ctx->out, "\"zones\":[%s]", json);
}
