/* libFuzzer harness: config_load() on any file content, read through a memfd, with the promises a loaded config keeps. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/duration.h"
#include "daemon/config.h"
#include "daemon/sensor.h"
#include "fuzz.h"

#define CANARY 0x5a

/* The file is a memfd, opened by config_load as /proc/self/fd/N: no disk. */
static int memfd = -1;
static char path[64];
static struct config cfg, cfg2, untouched;
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memfd = memfd_create("irrigd-fuzz-config", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	memset(&untouched, CANARY, sizeof(untouched));
	verbose = getenv("IRRIGD_FUZZ_VERBOSE") != NULL;
	return 0;
}

static bool valid_name(const char *name)
{
	size_t len = strnlen(name, CONFIG_NAME_MAX);

	return len > 0 && len < CONFIG_NAME_MAX &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_-") == len;
}

/* irrigctl water [ZONE] DURATION: a zone may not read as the duration. */
static bool reads_as_duration(const char *name)
{
	size_t sign = name[0] == '-', digits = strspn(name + sign, "0123456789");
	uint32_t secs;

	return (digits && !name[sign + digits]) ||
		duration_parse(name, 60, &secs) != -EINVAL;
}

static void check_pin(const struct config *c, const struct config_pin *pin,
		      const char *what, size_t i)
{
	if (pin->on_gpio)
		return;
	FUZZ_CHECK(pin->expander >= 0 && (size_t)pin->expander < c->n_expanders &&
		   pin->pin < 8, "%s %zu: expander %d pin %u", what, i,
		   pin->expander, pin->pin);
}

static void check_analog(const struct config *c, const struct config_analog *in,
			 const char *what, size_t i)
{
	/* Off the ADCs (driver = "ds18b20"): found by its device instead. */
	if (in->adc < 0 && in->driver && !in->driver->on_adc) {
		FUZZ_CHECK(*in->device && !strchr(in->device, '/'),
			   "%s %zu: device \"%s\"", what, i, in->device);
		return;
	}
	FUZZ_CHECK(in->adc >= 0 && (size_t)in->adc < c->n_adcs && in->channel < 4,
		   "%s %zu: adc %d channel %u", what, i, in->adc, in->channel);
}

/* An alarm that could never, or would always, go off is refused. */
static void check_flow_percents(double no_flow, double low, double high,
				const char *what, size_t i)
{
	FUZZ_CHECK(no_flow >= 0 && no_flow <= low && low < 100 && high > 100,
		   "%s %zu: no flow %g, low %g, high %g", what, i, no_flow, low,
		   high);
}

/* What every user of struct config relies on. */
static void check_config(const struct config *c)
{
	FUZZ_CHECK(strcmp(c->path, path) == 0, "path \"%s\"", c->path);
	FUZZ_CHECK(c->backend == HW_BACKEND_SIM || c->backend == HW_BACKEND_LINUX,
		   "backend %d", (int)c->backend);
	FUZZ_CHECK(c->n_expanders <= CONFIG_MAX_EXPANDERS &&
		   c->n_adcs <= CONFIG_MAX_ADCS &&
		   c->n_zones >= 1 && c->n_zones <= CONFIG_MAX_ZONES &&
		   c->n_probes <= CONFIG_MAX_PROBES &&
		   c->schedule.n_programs <= SCHEDULE_MAX_PROGRAMS,
		   "counts %zu %zu %zu %zu %zu", c->n_expanders, c->n_adcs,
		   c->n_zones, c->n_probes, c->schedule.n_programs);
	for (size_t i = 0; i < c->n_zones; i++) {
		const struct config_zone *z = &c->zones[i];

		FUZZ_CHECK(valid_name(z->name), "zone %zu name", i);
		FUZZ_CHECK(!reads_as_duration(z->name), "zone %zu name %s", i,
			   z->name);
		FUZZ_CHECK(config_find_zone(c, z->name) == (int)i,
			   "zone %zu: %s is not unique", i, z->name);
		check_pin(c, &z->valve, "zone", i);
		/* 0: the zone's flow is learned from its runs. */
		FUZZ_CHECK(z->flow_lpm >= 0 && z->flow_lpm <= 1000,
			   "zone %zu flow %g", i, z->flow_lpm);
		/* At the ceiling, its every run would close on a fault. */
		FUZZ_CHECK(z->flow_lpm < c->safety.max_flow_lpm,
			   "zone %zu flow %g at or above the ceiling %g", i,
			   z->flow_lpm, c->safety.max_flow_lpm);
		check_flow_percents(z->no_flow_percent, z->low_flow_percent,
				    z->high_flow_percent, "zone", i);
		FUZZ_CHECK(z->daily_cap_litres >= 0, "zone %zu cap %g", i,
			   z->daily_cap_litres);
		FUZZ_CHECK(z->max_run_s >= 1 && z->max_run_s <= 24 * 3600,
			   "zone %zu max_run %u", i, z->max_run_s);
		FUZZ_CHECK(!z->has_skip_above || (z->skip_above >= 0 && z->skip_above <= 100),
			   "zone %zu skip_above %g", i, z->skip_above);
		FUZZ_CHECK(!z->has_stop_at || (z->stop_at >= 0 && z->stop_at <= 100),
			   "zone %zu stop_at %g", i, z->stop_at);
		/* Cycle and soak: both or neither. */
		FUZZ_CHECK(!z->cycle_s == !z->soak_s && z->cycle_s <= 24 * 3600 &&
			   z->soak_s <= 24 * 3600, "zone %zu cycle %u soak %u", i,
			   z->cycle_s, z->soak_s);
	}
	for (size_t i = 0; i < c->n_probes; i++) {
		const struct config_probe *p = &c->probes[i];

		FUZZ_CHECK(valid_name(p->name), "probe %zu name", i);
		check_analog(c, &p->input, "probe", i);
		FUZZ_CHECK(p->zone >= 0 && (size_t)p->zone < c->n_zones,
			   "probe %zu zone %d", i, p->zone);
		FUZZ_CHECK(p->dry_volts != p->wet_volts, "probe %zu: dry == wet", i);
		/* Calibrated readings must be possible between the rails. */
		FUZZ_CHECK(p->min_volts <= fmin(p->dry_volts, p->wet_volts) &&
			   fmax(p->dry_volts, p->wet_volts) <= p->max_volts,
			   "probe %zu: %g..%g outside %g..%g", i, p->dry_volts,
			   p->wet_volts, p->min_volts, p->max_volts);
		if (p->has_power)
			check_pin(c, &p->power, "probe power", i);
	}
	if (c->light.present)
		check_analog(c, &c->light.input, "light", 0);
	if (c->temperature.present)
		check_analog(c, &c->temperature.input, "temperature", 0);
	if (c->master.present) {
		check_pin(c, &c->master.pin, "master", 0);
		FUZZ_CHECK(c->master.lead_s <= 600 && c->master.lag_s <= 600,
			   "master lead %u lag %u", c->master.lead_s, c->master.lag_s);
	}
	FUZZ_CHECK(c->schedule.percent <= 300, "percent %u", c->schedule.percent);
	for (size_t m = 0; m < 12; m++)
		FUZZ_CHECK(c->schedule.monthly_percent[m] <= 300, "month %zu: %u", m,
			   c->schedule.monthly_percent[m]);
	for (size_t i = 0; i < c->schedule.n_programs; i++) {
		const struct program *p = &c->schedule.programs[i];

		FUZZ_CHECK(valid_name(p->name), "program %zu name", i);
		FUZZ_CHECK(p->n_starts >= 1 && p->n_starts <= SCHEDULE_MAX_STARTS,
			   "program %zu: %zu starts", i, p->n_starts);
		for (size_t s = 0; s < p->n_starts; s++) {
			FUZZ_CHECK(p->starts[s] < 1440, "program %zu start %u", i,
				   p->starts[s]);
			/* From the sun: a known kind, a bounded offset, a site. */
			FUZZ_CHECK(p->start_kind[s] <= START_BEFORE_SUNSET &&
				   abs(p->start_offset_min[s]) <= SCHEDULE_SUN_OFFSET_MAX_MIN &&
				   (p->start_kind[s] == START_AT || c->schedule.has_site),
				   "program %zu start %zu: kind %u offset %d", i, s,
				   p->start_kind[s], p->start_offset_min[s]);
		}
		FUZZ_CHECK(p->n_steps >= 1 && p->n_steps <= SCHEDULE_MAX_STEPS,
			   "program %zu: %zu steps", i, p->n_steps);
		for (size_t s = 0; s < p->n_steps; s++) {
			int z = p->steps[s].zone;

			FUZZ_CHECK(z >= 0 && (size_t)z < c->n_zones, "program %zu zone %d",
				   i, z);
			FUZZ_CHECK(p->steps[s].duration_s >= 1 &&
				   p->steps[s].duration_s <= c->zones[z].max_run_s,
				   "program %zu step %zu: %u s", i, s,
				   p->steps[s].duration_s);
			FUZZ_CHECK(p->steps[s].litres >= 0 &&
				   p->steps[s].litres <= VOLUME_MAX_L,
				   "program %zu step %zu: %g L", i, s, p->steps[s].litres);
		}
		FUZZ_CHECK((unsigned)p->days.kind <= DAYS_EVEN, "program %zu days %d", i,
			   (int)p->days.kind);
		if (p->days.kind == DAYS_WEEKDAYS)
			FUZZ_CHECK(p->days.weekday_mask && p->days.weekday_mask <= 0x7f,
				   "program %zu mask 0x%x", i, p->days.weekday_mask);
		if (p->days.kind == DAYS_INTERVAL)
			FUZZ_CHECK(p->days.interval_days >= 1 &&
				   p->days.interval_days <= 365 &&
				   p->days.anchor.year >= 1970 &&
				   p->days.anchor.year <= 9999,
				   "program %zu every %u days from %d", i,
				   p->days.interval_days, p->days.anchor.year);
	}
	check_flow_percents(c->safety.no_flow_percent, c->safety.low_flow_percent,
			    c->safety.high_flow_percent, "safety", 0);
	FUZZ_CHECK(c->safety.settle_s <= 600 && c->safety.alarm_delay_s <= 600 &&
		   c->safety.leak_lpm > 0 && c->safety.daily_cap_litres >= 0 &&
		   c->safety.max_flow_lpm > c->safety.leak_lpm &&
		   c->safety.max_flow_lpm <= 10000,
		   "safety: settle %u, delay %u, leak %g, ceiling %g, cap %g",
		   c->safety.settle_s, c->safety.alarm_delay_s, c->safety.leak_lpm,
		   c->safety.max_flow_lpm, c->safety.daily_cap_litres);
	FUZZ_CHECK(c->report_interval_s >= 1 && c->report_interval_s <= 3600,
		   "report_interval %u", c->report_interval_s);
	FUZZ_CHECK(memchr(c->socket_path, '\0', sizeof(c->socket_path)) &&
		   c->socket_path[0], "socket path");
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[512], err2[512];
	int r, r2;

	if (ftruncate(memfd, 0) < 0 ||
	    (size && pwrite(memfd, data, size, 0) != (ssize_t)size)) {
		perror("memfd");
		abort();
	}
	memset(&cfg, CANARY, sizeof(cfg));
	memset(err, CANARY, sizeof(err));
	r = config_load(path, &cfg, err, sizeof(err));
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)), "err not terminated");
	if (verbose)
		fprintf(stderr, "config_load: %d %s\n", r, r < 0 ? err : "valid");
	if (r < 0) {
		FUZZ_CHECK(err[0], "failed (%d) without a message", r);
		FUZZ_CHECK(memcmp(&cfg, &untouched, sizeof(cfg)) == 0,
			   "a failed load changed *out: %s", err);
		/* Every error names a file (this one or one it includes). */
		FUZZ_CHECK(strchr(err, ':') && err[0] == '/', "error \"%s\"", err);
		return 0;
	}
	FUZZ_CHECK(r == 0, "r = %d", r);
	FUZZ_CHECK(err[0] == '\0', "success with a message: %s", err);
	check_config(&cfg);
	/* The same file loads the same way: nothing depends on stale memory. */
	memset(&cfg2, ~CANARY, sizeof(cfg2));
	r2 = config_load(path, &cfg2, err2, sizeof(err2));
	FUZZ_CHECK(r2 == 0 && memcmp(&cfg, &cfg2, sizeof(cfg)) == 0,
		   "a second load differs (%d)", r2);
	return 0;
}
