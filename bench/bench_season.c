/* Benchmark of watering strategies over a simulated growing season: litres, stress days and waste days on one garden and weather. */
/*
 * Virtual time: no waiting.  Each day of the season (1 April to 30
 * September) the garden's weather (hw/sim_season: seeded, the same for
 * every strategy) dries and wets four beds; each strategy decides in the
 * morning, through the code irrigd runs:
 *   fixed     the programs as written for peak season: core/schedule's
 *             day rules and start times (schedule_due) and its scaling
 *             (schedule_scaled_duration) at 100 %;
 *   monthly   the same programs under a monthly percentage table;
 *   auto      the same programs, the seasonal percentage set each night
 *             by seasonal_auto_percent() from Hargreaves ET0
 *             (et0_hargreaves_day) of the sensed temperatures;
 *   balance   core/balance per zone with the same ET0, deciding for the
 *             day ahead (balance_decide_ahead), no probes;
 *   probes, no forecast  the same re-anchored each morning on the
 *             zone's two probes (balance_reanchor), which read the true
 *             soil with noise, deciding on the depletion alone
 *             (balance_decide);
 *   +probes   re-anchored too, deciding for the day ahead with the
 *             forecast scaled by what the probes taught
 *             (balance_learning_*).
 * A bed is stressed on a day when, at the day's end (its driest), it is
 * past its allowed depletion; it is wasting when it was wetter than
 * field capacity that day by a millimetre or more (SEASON_WASTE_MM: water
 * draining or running off).  No strategy
 * knows the rain (no rain sensor, no `irrigctl rain`): the probes are
 * the only way it reaches the balance.
 * Usage: bench_season [SEED [CLIMATE]]  (CLIMATE: temperate, mediterranean)
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/balance.h"
#include "core/et0.h"
#include "core/schedule.h"
#include "core/seasonal.h"
#include "hw/sim_season.h"

#define YEAR 2026
#define SEASON_FIRST 91		/* 1 April */
#define SEASON_LAST 273		/* 30 September */
#define N_BEDS 4
#define PROBES_PER_BED 2
#define PROBE_NOISE_PERCENT 2.0
#define SENSOR_NOISE_C 0.3

/* What irrigd is told about a zone (its config), beside the truth. */
struct garden_zone {
	struct season_bed truth;
	struct balance_zone config;	/* the gardener's Kc, not the crop's */
	double flow_lpm;
};

/* The sim garden: a lawn on loam, a vegetable bed on sandy loam, shrubs
 * on clay, herbs in sand; sprinklers on the lawn, drip elsewhere. */
static const struct garden_zone garden[N_BEDS] = {
	{ { "lawn", SOIL_LOAM, 15.0, 0.5, 40.0, 0.85, 0.85, 0.85,
	    0, 1, 364, 365 },
	  { SOIL_LOAM, 15.0, 0.80, 0.5, 40.0 }, 20.0 },
	{ { "vegetables", SOIL_SANDY_LOAM, 30.0, 0.4, 12.0, 0.5, 1.10, 0.80,
	    120, 170, 230, 270 },
	  { SOIL_SANDY_LOAM, 30.0, 0.90, 0.4, 12.0 }, 4.0 },
	{ { "shrubs", SOIL_CLAY, 60.0, 0.6, 20.0, 0.55, 0.55, 0.55,
	    0, 1, 364, 365 },
	  { SOIL_CLAY, 60.0, 0.50, 0.6, 20.0 }, 6.0 },
	{ { "herbs", SOIL_SAND, 20.0, 0.5, 3.0, 0.70, 0.70, 0.70,
	    0, 1, 364, 365 },
	  { SOIL_SAND, 20.0, 0.70, 0.5, 3.0 }, 3.0 },
};

/* The probes' calibration: their reading at field capacity and at the
 * wilting point, as `irrigctl sensors` would show them. */
static const struct balance_probe_anchor anchor = { 70.0, 25.0 };

/* The gardener's monthly table, January first. */
static const unsigned monthly_table[12] = { 0, 0, 30, 50, 70, 90,
					    100, 90, 70, 40, 0, 0 };

struct climate_choice {
	const char *word;
	const struct season_climate *climate;
	/* The programs give the beds what they use in July: the true July
	 * ET0 times the configured Kc. */
	double program_et0_mm;
	/* `auto`'s reference: the July ET0 as irrigd estimates it (by
	 * Hargreaves from its temperatures), what `irrigctl weather`
	 * showed the gardener in July. */
	double reference_et0_mm;
};

/* Both July means over seeds 1-10, rounded (bench_season --peak). */
static const struct climate_choice climates[] = {
	{ "temperate", &season_temperate, 4.6, 4.6 },
	{ "mediterranean", &season_mediterranean, 6.5, 5.7 },
};

enum strategy { FIXED, MONTHLY, AUTO, BALANCE, PROBES_TODAY, PROBES, STRATEGIES };

static const char *const strategy_names[STRATEGIES] = {
	"fixed schedule", "monthly table", "auto seasonal",
	"balance, no probes", "probes, no forecast", "balance + probes",
};

struct result {
	double litres;
	unsigned stress_days;		/* any bed past RAW at the day's end */
	unsigned stress_half_days;	/* ... for half the day or more */
	unsigned waste_days;		/* any bed above field capacity */
	double drained_litres;
	double et_lost_litres;		/* transpiration the stress cost */
	double mean_abs_disagreement_mm;	/* probes against the model */
};

static struct local_date date_of(int day_of_year)
{
	return calendar_civil_from_days(calendar_days_from_civil(YEAR, 1, 1) +
					day_of_year - 1);
}

/*
 * The programs the gardener wrote for peak season: each bed's run
 * replaces peak ET0 * Kc over the days until the next run.  The lawn and
 * the vegetables on Monday, Wednesday and Friday, the shrubs on Saturday,
 * the herbs every day.
 */
static void write_programs(struct schedule *s, double peak_et0_mm)
{
	static const struct {
		const char *name;
		uint16_t start;
		uint8_t weekdays;
		double days_covered;
		int beds[2];
		size_t n_beds;
	} plan[] = {
		{ "beds", 6 * 60, 0x2a, 7.0 / 3.0, { 0, 1 }, 2 },
		{ "shrubs", 6 * 60 + 30, 0x40, 7.0, { 2 }, 1 },
		{ "herbs", 7 * 60, 0x7f, 1.0, { 3 }, 1 },
	};

	memset(s, 0, sizeof(*s));
	s->percent = 100;
	for (int m = 0; m < 12; m++)
		s->monthly_percent[m] = 100;
	for (size_t i = 0; i < sizeof(plan) / sizeof(plan[0]); i++) {
		struct program *p = &s->programs[s->n_programs++];

		snprintf(p->name, sizeof(p->name), "%s", plan[i].name);
		p->enabled = true;
		p->starts[p->n_starts++] = plan[i].start;
		p->days.kind = DAYS_WEEKDAYS;
		p->days.weekday_mask = plan[i].weekdays;
		for (size_t k = 0; k < plan[i].n_beds; k++) {
			const struct garden_zone *g = &garden[plan[i].beds[k]];
			double mm = peak_et0_mm * g->config.crop_coefficient *
				    plan[i].days_covered;
			double minutes = balance_litres_from_mm(&g->config, mm) /
					 g->flow_lpm;

			p->steps[p->n_steps].zone = plan[i].beds[k];
			/* Whole minutes, as a gardener types them. */
			p->steps[p->n_steps++].duration_s =
				(uint32_t)(lround(minutes) * 60);
		}
	}
}

/* Litres the meter counts for a run of seconds on a zone. */
static double run_litres(int zone, uint32_t seconds)
{
	return garden[zone].flow_lpm * seconds / 60.0;
}

/* The programs' runs on a day, through schedule_due and the scaling. */
static void water_programs(const struct schedule *s, int day_of_year,
			   double litres[N_BEDS])
{
	struct local_date date = date_of(day_of_year);
	time_t midnight = schedule_local_instant(&date, 0);
	struct occurrence occ[SCHEDULE_TAKE_MAX];
	size_t n = schedule_due(s, midnight - 1, midnight + 86400 - 1, occ,
				SCHEDULE_TAKE_MAX);

	for (size_t i = 0; i < n; i++) {
		const struct program *p = &s->programs[occ[i].program];

		for (size_t k = 0; k < p->n_steps; k++) {
			uint32_t sec = schedule_scaled_duration(
				s, p->steps[k].duration_s, occ[i].when);

			litres[p->steps[k].zone] += run_litres(p->steps[k].zone, sec);
		}
	}
}

/* A balance run: the refill's litres rounded up to the valve's second,
 * as a run by volume stops on the meter. */
static double balance_run_litres(int zone, double want_litres)
{
	double seconds = ceil(want_litres / garden[zone].flow_lpm * 60.0);

	return run_litres(zone, (uint32_t)seconds);
}

/*
 * A balance zone's morning: the probes re-anchor the model (the probe
 * strategies), the decision, the run by volume and the model's gain.
 * The forecast for the day ahead is balance_et0_ahead() (the highest ET0
 * of the last three days), scaled by what the probes taught; "probes, no forecast" decides
 * on the depletion alone (balance_decide()).
 */
static int balance_morning(enum strategy st, int b, const struct season_soil *soil,
			   struct balance_state *model,
			   struct balance_learning *learn,
			   const double *et0_history, size_t n_history,
			   uint64_t *probe_rng, double *litres,
			   double *disagreement)
{
	const struct balance_zone *z = &garden[b].config;
	struct balance_decision d;
	double applied, drained;
	double ahead = balance_et0_ahead(et0_history, n_history,
					 BALANCE_AHEAD_DAYS);
	int r;

	if (st == PROBES || st == PROBES_TODAY) {
		struct balance_reanchor ra;
		double sum = 0.0;

		for (int p = 0; p < PROBES_PER_BED; p++)
			sum += season_probe_percent(&garden[b].truth, soil, &anchor,
						    PROBE_NOISE_PERCENT, probe_rng);
		r = balance_reanchor(z, &anchor, model, sum / PROBES_PER_BED, &ra);
		if (r < 0)
			return r;
		*disagreement += fabs(ra.disagreement_mm);
		balance_learning_add(learn, z, &ra);
		balance_learning_start(learn, model->depletion_mm);
		ahead *= balance_learning_factor(learn);
	}
	if (st == PROBES_TODAY)
		balance_decide(z, model, &d);
	else
		balance_decide_ahead(z, model, ahead, &d);
	*litres = d.water ? balance_run_litres(b, d.litres) : 0.0;
	applied = balance_mm_from_litres(z, *litres);
	r = balance_gain(z, model, applied, &drained);
	if (r < 0)
		return r;
	balance_learning_gain(learn, applied, drained);
	return 0;
}

static int run_strategy(enum strategy st, const struct climate_choice *cc,
			const struct season_day days[SEASON_DAYS],
			uint64_t seed, struct result *res)
{
	const struct season_climate *c = cc->climate;
	struct season_soil soil[N_BEDS] = { { 0 } };
	struct balance_state model[N_BEDS] = { { 0 } };
	struct balance_learning learn[N_BEDS] = { { 0 } };
	struct schedule sched;
	struct seasonal_auto_config acfg = {
		.reference_et0_mm = cc->reference_et0_mm, .days = 3,
		.min_valid_days = 2, .min_percent = 0, .max_percent = 150,
	};
	double et0_history[SEASON_DAYS];
	size_t n_history = 0;
	/* The sensors' noise: the same readings for every strategy. */
	uint64_t sensor_rng = seed ^ 0x5eedull, probe_rng = seed ^ 0xb10bull;
	double disagreement = 0.0;
	unsigned readings = 0;

	memset(res, 0, sizeof(*res));
	write_programs(&sched, cc->program_et0_mm);
	if (st == MONTHLY)
		memcpy(sched.monthly_percent, monthly_table, sizeof(monthly_table));
	for (int doy = 1; doy <= SEASON_LAST; doy++) {
		const struct season_day *w = &days[doy - 1];
		double litres[N_BEDS] = { 0 };
		bool stressed = false, half = false, wasted = false;
		double tmin, tmax, et0_est;
		int r;

		if (doy >= SEASON_FIRST) {
			for (int b = 0; b < N_BEDS; b++) {
				soil[b].drained_mm = 0.0;
				soil[b].above_capacity =
					soil[b].depletion_mm <= -SEASON_WASTE_MM;
			}
			if (st == FIXED || st == MONTHLY || st == AUTO) {
				water_programs(&sched, doy, litres);
			} else {
				for (int b = 0; b < N_BEDS; b++) {
					r = balance_morning(st, b, &soil[b], &model[b],
							    &learn[b], et0_history,
							    n_history, &probe_rng,
							    &litres[b], &disagreement);
					if (r < 0)
						return r;
					readings += st == PROBES || st == PROBES_TODAY;
				}
			}
			for (int b = 0; b < N_BEDS; b++) {
				const struct season_bed *t = &garden[b].truth;

				struct season_soil noon;
				double etc;

				res->litres += litres[b];
				season_soil_wet(t, &soil[b], litres[b] / t->area_m2);
				noon = soil[b];
				season_soil_wet(t, &soil[b], w->rain_mm);
				etc = season_soil_day(t, &soil[b], w->et0_mm, doy);
				res->et_lost_litres += (season_bed_kc(t, doy) *
							w->et0_mm - etc) * t->area_m2;
				/* Midday, before the afternoon's rain: half the
				 * day's water use gone since the morning. */
				noon.depletion_mm += etc / 2.0;
				half |= season_soil_stressed(t, &noon);
				stressed |= season_soil_stressed(t, &soil[b]);
				wasted |= soil[b].above_capacity;
				res->drained_litres += soil[b].drained_mm * t->area_m2;
			}
			res->stress_days += stressed;
			res->stress_half_days += half;
			res->waste_days += wasted;
		}
		/* The night: the day's temperatures as sampled, its ET0, the
		 * model's loss and tomorrow's percentage. */
		tmin = w->tmin_c + SENSOR_NOISE_C * season_normal(&sensor_rng);
		tmax = w->tmax_c + SENSOR_NOISE_C * season_normal(&sensor_rng);
		if (tmin > tmax)
			tmin = tmax;
		r = et0_hargreaves_day(c->latitude_deg, doy, tmin, tmax, &et0_est);
		if (r < 0)
			return r;
		et0_history[n_history++] = et0_est;
		if (doy >= SEASON_FIRST && (st == BALANCE || st == PROBES || st == PROBES_TODAY)) {
			for (int b = 0; b < N_BEDS; b++) {
				r = balance_lose(&garden[b].config, &model[b],
						 et0_est, NULL);
				if (r < 0)
					return r;
			}
		}
		if (st == AUTO) {
			struct seasonal_auto_result ar;
			struct local_date next = date_of(doy + 1);

			r = seasonal_auto_percent(&acfg, et0_history, n_history,
						  monthly_table[next.month - 1], &ar);
			if (r < 0)
				return r;
			sched.percent = ar.percent;
		}
	}
	if (readings)
		res->mean_abs_disagreement_mm = disagreement / readings;
	return 0;
}

/* The July mean of the Hargreaves ET0 over seeds 1-10: the peak the
 * programs are written for. */
static int print_peak(const struct climate_choice *cc)
{
	static struct season_day days[SEASON_DAYS];
	double sum = 0.0, truth = 0.0;
	unsigned n = 0;

	for (uint64_t seed = 1; seed <= 10; seed++) {
		int r = season_weather(cc->climate, seed, days);

		if (r < 0)
			return r;
		for (int doy = 182; doy <= 212; doy++) {
			double e;

			if (et0_hargreaves_day(cc->climate->latitude_deg, doy,
					       days[doy - 1].tmin_c,
					       days[doy - 1].tmax_c, &e) < 0)
				return -EINVAL;
			sum += e;
			truth += days[doy - 1].et0_mm;
			n++;
		}
	}
	printf("%s: July ET0 by Hargreaves %.2f mm/day, true %.2f mm/day\n",
	       cc->word, sum / n, truth / n);
	return 0;
}

static bool aim_met(const struct result *res, bool half_days)
{
	unsigned fixed = half_days ? res[FIXED].stress_half_days :
				     res[FIXED].stress_days;
	unsigned probes = half_days ? res[PROBES].stress_half_days :
				      res[PROBES].stress_days;

	return res[PROBES].litres <= 0.7 * res[FIXED].litres && probes <= fixed;
}

static int run_all(const struct climate_choice *cc, uint64_t seed,
		   const struct season_day days[SEASON_DAYS],
		   struct result res[STRATEGIES])
{
	for (int st = 0; st < STRATEGIES; st++) {
		int r = run_strategy(st, cc, days, seed, &res[st]);

		if (r < 0) {
			fprintf(stderr, "bench_season: %s, %s: %s\n", cc->word,
				strategy_names[st], strerror(-r));
			return r;
		}
	}
	return 0;
}

static int run_climate(const struct climate_choice *cc, uint64_t seed)
{
	static struct season_day days[SEASON_DAYS];
	struct result res[STRATEGIES];
	double rain = 0.0, et0 = 0.0;
	unsigned waves = 0;
	int r = season_weather(cc->climate, seed, days);

	if (r < 0) {
		fprintf(stderr, "bench_season: %s: %s\n", cc->word, strerror(-r));
		return r;
	}
	r = run_all(cc, seed, days, res);
	if (r < 0)
		return r;
	for (int doy = SEASON_FIRST; doy <= SEASON_LAST; doy++) {
		rain += days[doy - 1].rain_mm;
		et0 += days[doy - 1].et0_mm;
		waves += days[doy - 1].heat_wave;
	}
	printf("\nclimate %s, seed %llu, %d days from 1 April: rain %.0f mm, "
	       "true ET0 %.0f mm, %u heat-wave days; programs written for ET0 "
	       "%.1f mm/day, auto's reference %.1f\n", cc->climate->name,
	       (unsigned long long)seed, SEASON_LAST - SEASON_FIRST + 1, rain,
	       et0, waves, cc->program_et0_mm, cc->reference_et0_mm);
	printf("| strategy            | litres | vs fixed | stress days: end of day | half a day | waste days | ET lost L | drained L |\n");
	printf("|---------------------|-------:|---------:|------------------------:|-----------:|-----------:|----------:|----------:|\n");
	for (int st = 0; st < STRATEGIES; st++)
		printf("| %-19s | %6.0f | %+7.0f%% | %23u | %10u | %10u | %9.0f | %9.0f |\n",
		       strategy_names[st], res[st].litres,
		       res[FIXED].litres > 0 ?
		       100.0 * (res[st].litres / res[FIXED].litres - 1.0) : 0.0,
		       res[st].stress_days, res[st].stress_half_days,
		       res[st].waste_days, res[st].et_lost_litres,
		       res[st].drained_litres);
	printf("probes against the model: mean |disagreement| %.1f mm a morning\n",
	       res[PROBES].mean_abs_disagreement_mm);
	printf("aim (balance + probes: >= 30 %% less water than fixed, no more "
	       "stress days): %s counting end-of-day stress, %s counting half "
	       "days\n", aim_met(res, false) ? "met" : "MISSED",
	       aim_met(res, true) ? "met" : "MISSED");
	return 0;
}

/* The same garden over seeds 1-10: how often the aim holds. */
static int run_seeds(const struct climate_choice *cc)
{
	static struct season_day days[SEASON_DAYS];
	struct result res[STRATEGIES];
	unsigned met_end = 0, met_half = 0, n = 10;
	double saving = 0.0, lo = 1e9, hi = -1e9;
	unsigned fixed_end = 0, probes_end = 0, fixed_half = 0, probes_half = 0;

	for (uint64_t seed = 1; seed <= n; seed++) {
		double sv;
		int r = season_weather(cc->climate, seed, days);

		if (r < 0)
			return r;
		r = run_all(cc, seed, days, res);
		if (r < 0)
			return r;
		sv = 100.0 * (1.0 - res[PROBES].litres / res[FIXED].litres);
		saving += sv;
		lo = sv < lo ? sv : lo;
		hi = sv > hi ? sv : hi;
		fixed_end += res[FIXED].stress_days;
		probes_end += res[PROBES].stress_days;
		fixed_half += res[FIXED].stress_half_days;
		probes_half += res[PROBES].stress_half_days;
		met_end += aim_met(res, false);
		met_half += aim_met(res, true);
	}
	printf("%s, seeds 1-%u: balance + probes saves %.0f %% of the fixed "
	       "schedule's water (%.0f to %.0f); stress days, end of day: "
	       "fixed %.1f, probes %.1f; half a day: fixed %.1f, probes %.1f; "
	       "aim met in %u of %u (end of day), %u of %u (half days)\n",
	       cc->word, n, saving / n, lo, hi, fixed_end / (double)n,
	       probes_end / (double)n, fixed_half / (double)n,
	       probes_half / (double)n, met_end, n, met_half, n);
	return 0;
}

int main(int argc, char **argv)
{
	const size_t n_climates = sizeof(climates) / sizeof(climates[0]);
	uint64_t seed = 1;
	const char *only = argc > 2 ? argv[2] : NULL;
	bool found = false;

	/* Programs start in local time: the bench's is UTC, the same
	 * everywhere. */
	setenv("TZ", "UTC", 1);
	tzset();
	if (argc > 1 && strcmp(argv[1], "--peak") == 0) {
		for (size_t i = 0; i < n_climates; i++)
			if (print_peak(&climates[i]) < 0)
				return 2;
		return 0;
	}
	if (argc > 1) {
		char *end;

		errno = 0;
		seed = strtoull(argv[1], &end, 10);
		if (errno || *end || end == argv[1] || argc > 3) {
			fprintf(stderr, "usage: bench_season [--peak | SEED [CLIMATE]]\n");
			return 2;
		}
	}
	for (size_t i = 0; i < n_climates; i++) {
		if (only && strcmp(only, climates[i].word) != 0)
			continue;
		found = true;
		if (run_climate(&climates[i], seed) < 0)
			return 2;
	}
	if (!found) {
		fprintf(stderr, "bench_season: no climate %s (temperate, "
			"mediterranean)\n", only);
		return 2;
	}
	printf("\n");
	for (size_t i = 0; i < n_climates; i++)
		if ((!only || strcmp(only, climates[i].word) == 0) &&
		    run_seeds(&climates[i]) < 0)
			return 2;
	return 0;
}
