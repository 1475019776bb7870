/* Commands for what safety latched: faults, clear. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "daemon/cmd.h"
#include "daemon/events.h"
#include "daemon/log.h"

/* A fault's detail as a JSON string body: a hand-edited file may hold quotes. */
static void json_text(const char *text, char *buf, size_t size)
{
	size_t o = 0;

	for (; *text && o + 3 < size; text++) {
		if (*text == '"' || *text == '\\')
			buf[o++] = '\\';
		buf[o++] = *text;
	}
	buf[o] = '\0';
}

void cmd_faults(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	const struct fault_set *faults = &d->safety.state.faults;
	/* 32 faults of about 250 bytes each, and 16 probes. */
	char json[12288] = "";
	size_t failed = 0;

	out_append(json, sizeof(json), "\"faults\":[");
	if (!faults->n)
		out_line(ctx->out, "No latched fault");
	for (size_t i = 0; i < faults->n; i++) {
		const struct fault *f = &faults->list[i];
		char when[32], measured[16], expected[16],
			detail[2 * FAULT_DETAIL_MAX];

		cmd_format_time(f->raised, when, sizeof(when));
		out_line(ctx->out, "%-12s %-9s since %s: %s",
			 *f->zone ? f->zone : "(garden)", fault_kind_name(f->kind),
			 when, f->detail);
		out_json_number(f->measured_lpm, 2, measured, sizeof(measured));
		out_json_number(f->expected_lpm, 2, expected, sizeof(expected));
		json_text(f->detail, detail, sizeof(detail));
		out_append(json, sizeof(json), "%s{\"kind\":\"%s\",\"zone\":%s%s%s,"
		    "\"raised\":%lld,\"flow_lpm\":%s,\"expected_lpm\":%s,"
		    "\"detail\":\"%s\"}", i ? "," : "", fault_kind_name(f->kind),
		    *f->zone ? "\"" : "", *f->zone ? f->zone : "null",
		    *f->zone ? "\"" : "", (long long)f->raised, measured, expected,
		    detail);
	}
	out_append(json, sizeof(json), "],\"failed_probes\":[");
	for (size_t p = 0; p < d->cfg.n_probes; p++) {
		char reason[160];

		if (!d->safety.probes[p].failed)
			continue;
		safety_probe_reason(d, p, reason, sizeof(reason));
		out_line(ctx->out, "probe %-6s failed: it %s (clears itself when it "
			 "reads well)", d->cfg.probes[p].name, reason);
		out_append(json, sizeof(json), "%s{\"name\":\"%s\",\"reason\":\"%s\"}",
		    failed++ ? "," : "", d->cfg.probes[p].name, reason);
	}
	out_append(json, sizeof(json), "]");
	if (faults->n)
		out_line(ctx->out, "Once the cause is fixed: irrigctl clear [ZONE]");
	out_ok(ctx->out, "%s", json);
}

/* A zone gone from the config may still have faults to clear. */
static bool zone_has_fault(const struct fault_set *faults, const char *zone)
{
	for (size_t i = 0; i < faults->n; i++)
		if (!strcmp(faults->list[i].zone, zone))
			return true;
	return false;
}

void cmd_clear(struct cmd_ctx *ctx)
{
	struct daemon *d = ctx->d;
	const char *zone = ctx->req->argc ? ctx->req->argv[0] : NULL;
	struct event ev;
	size_t n;

	if (zone && config_find_zone(&d->cfg, zone) < 0 &&
	    !zone_has_fault(&d->safety.state.faults, zone)) {
		out_err(ctx->out, ERR_UNKNOWN_ZONE, "no zone called %.64s", zone);
		return;
	}
	n = zone ? faults_clear_zone(&d->safety.state.faults, zone) :
		faults_clear_all(&d->safety.state.faults);
	saving_save(d, STATE_FAULTS);
	event_init(&ev, EV_CLEAR_REQUESTED);
	event_set_requester(&ev, ctx->who);
	/* A leak that alarmed went quiet: watch again, in case it still runs. */
	if (n && d->safety.watched_zone < 0)
		safety_valves_closed(d);
	if (n)
		event_emit(&ev, "%zu fault%s of %s "
			  "cleared by %s", n, n == 1 ? "" : "s",
			  zone ? zone : "every zone and the garden", ctx->who);
	watering_set_status(d);
	if (n)
		out_line(ctx->out, "Cleared %zu fault%s", n, n == 1 ? "" : "s");
	else
		out_line(ctx->out, "Nothing to clear");
	if (zone && faults_hold_zone(&d->safety.state.faults, zone))
		out_line(ctx->out, "A fault of the garden still holds %s: "
			 "irrigctl clear (without a zone) clears it", zone);
	out_ok(ctx->out, "\"cleared\":%zu", n);
}
