/* The garden's own weather record: each local day's temperatures and ET0, the soil water balance per zone, the rain hold; and its text for the state file. */
#ifndef IRRIGD_CORE_WEATHERLOG_H
#define IRRIGD_CORE_WEATHERLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/balance.h"
#include "core/calendar.h"

/* Days kept: more than the longest auto window, so the window always fits. */
#define WEATHER_DAYS_MAX 30
#define WEATHER_ZONES_MAX 16
#define WEATHER_NAME_MAX 32
/* Room weather_log_format needs at most, NUL included. */
#define WEATHER_TEXT_MAX (256 + (WEATHER_DAYS_MAX + 1) * 96 + \
			  WEATHER_ZONES_MAX * 160)

/* One local day's air temperature, from the samples that read. */
struct weather_day {
	struct local_date date;
	uint32_t samples;		/* readings that counted */
	double min_c, max_c;		/* NAN while no sample counted */
	double mean_c;			/* running mean of the samples */
	double et0_mm;			/* at the day's end; NAN: not known */
};

/* A zone's soil water balance, as kept across restarts. */
struct weather_balance {
	char zone[WEATHER_NAME_MAX];
	double depletion_mm;		/* below field capacity, >= 0 */
	struct balance_learning learn;	/* what its probes taught */
};

struct weather_log {
	struct weather_day today;
	struct weather_day days[WEATHER_DAYS_MAX];	/* oldest first */
	size_t n_days;
	struct weather_balance balance[WEATHER_ZONES_MAX];
	size_t n_balance;
	/* The rain sensor was last wet until this (wall clock); 0: never. */
	time_t rain_until;
};

/* An empty record whose today is date. */
void weather_log_init(struct weather_log *log, const struct local_date *date);
/* Counts a reading of today's air; a NAN or absurd one does not count. */
void weather_log_sample(struct weather_log *log, double celsius);
/*
 * Today ends with et0_mm (NAN when it could not be worked out): it joins
 * the days (the oldest falls out beyond WEATHER_DAYS_MAX) and next starts.
 */
void weather_log_close_day(struct weather_log *log, double et0_mm,
			   const struct local_date *next);
/* The day `back` days before today (1: yesterday), or NULL. */
const struct weather_day *weather_log_past(const struct weather_log *log,
					   size_t back);
/* Zone's kept depletion, or NULL: not in the record. */
struct weather_balance *weather_log_balance(struct weather_log *log,
					    const char *zone);
/* Zone's entry, added at 0 mm when new; NULL when the record is full. */
struct weather_balance *weather_log_balance_add(struct weather_log *log,
						const char *zone);
/* Keeps only the zones keep says to (the config's balance zones). */
void weather_log_balance_prune(struct weather_log *log,
			       bool (*keep)(const char *zone, void *ctx),
			       void *ctx);

/* The state file's text: its length, or -ENOSPC when size is too small. */
int weather_log_format(const struct weather_log *log, char *buf, size_t size);
/* Reads text into *out: -EINVAL with "line N: why" in err, *out untouched. */
int weather_log_parse(const char *text, size_t len, struct weather_log *out,
		      char *err, size_t err_size);

#endif
