/* A zone's soil water balance (FAO-56 chapter 8): soil textures, depletion, the decision to water, probes re-anchoring it. */
#ifndef IRRIGD_CORE_BALANCE_H
#define IRRIGD_CORE_BALANCE_H

#include <stdbool.h>
#include <stddef.h>

#define BALANCE_WHY_MAX 160

/* The usual textures, FAO-56 table 19. */
enum soil_texture {
	SOIL_SAND,
	SOIL_LOAMY_SAND,
	SOIL_SANDY_LOAM,
	SOIL_LOAM,
	SOIL_SILT_LOAM,
	SOIL_SILT,
	SOIL_SILTY_CLAY_LOAM,
	SOIL_SILTY_CLAY,
	SOIL_CLAY,
	SOIL_TEXTURES		/* how many */
};

/* The config's word for a texture: "sand", "loamy-sand", ... "clay". */
const char *soil_texture_name(enum soil_texture t);
/* 0 with *out set, or -EINVAL for a word that names no texture. */
int soil_texture_from_name(const char *name, enum soil_texture *out);
/* Water the plants can take, mm per cm of root depth (0 for no texture). */
double soil_available_mm_per_cm(enum soil_texture t);

/* A zone's balance settings (the config's). */
struct balance_zone {
	enum soil_texture soil;
	double root_depth_cm;		/* > 0 */
	double crop_coefficient;	/* Kc, > 0 (0.3 .. 1.2 usually) */
	double allowed_depletion;	/* p: the fraction of TAW, 0 < p <= 1 */
	double area_m2;			/* > 0: litres / m2 = mm */
};

/* 0, or -EINVAL with the setting at fault in why. */
int balance_zone_check(const struct balance_zone *z, char *why, size_t why_size);

/* Total available water, mm: available water per cm * root depth. */
double balance_taw_mm(const struct balance_zone *z);
/* Readily available water, mm: allowed depletion * TAW. */
double balance_raw_mm(const struct balance_zone *z);
/* Millimetres over the zone's area from litres, and back. */
double balance_mm_from_litres(const struct balance_zone *z, double litres);
double balance_litres_from_mm(const struct balance_zone *z, double mm);

/*
 * The root zone's depletion below field capacity, mm: 0 is field
 * capacity, TAW the wilting point.  It starts at 0 (a watered bed).
 */
struct balance_state {
	double depletion_mm;
};

/*
 * A day's loss: ET0 * Kc; depletion grows, capped at TAW (the plants can
 * take no more).  Returns 0 and the mm lost in *etc_mm (may be NULL), or
 * -EINVAL for a negative or non-number ET0 (state unchanged).
 */
int balance_lose(const struct balance_zone *z, struct balance_state *s,
		 double et0_mm, double *etc_mm);

/*
 * Water in, mm (applied: balance_mm_from_litres() of the metered litres;
 * rain): depletion falls, not below 0.  What is beyond field capacity
 * drains away: *drained_mm (may be NULL).  -EINVAL for a negative or
 * non-number amount (state unchanged).
 */
int balance_gain(const struct balance_zone *z, struct balance_state *s,
		 double mm, double *drained_mm);

struct balance_decision {
	bool water;		/* the depletion has passed the allowed level */
	double mm;		/* the refill: the depletion, when water */
	double litres;		/* mm over the area */
	char why[BALANCE_WHY_MAX];
};

/*
 * Water now?  Yes when the depletion is beyond RAW, for the amount that
 * brings it back to field capacity.  Always fills *d.
 */
void balance_decide(const struct balance_zone *z, const struct balance_state *s,
		    struct balance_decision *d);

/*
 * The same, deciding for the day ahead: water now when the depletion
 * would pass the allowed level during a day of et0_ahead_mm (say the
 * recent days' mean ET0; times Kc), so the bed is watered the morning
 * before it is stressed rather than the morning after.  The refill is
 * still what the soil lacks now.  A negative or non-number et0_ahead_mm
 * counts as 0 (balance_decide()).
 */
void balance_decide_ahead(const struct balance_zone *z,
			  const struct balance_state *s, double et0_ahead_mm,
			  struct balance_decision *d);

/* The days balance_et0_ahead() looks back by default: a heat wave's
 * first hot day raises the forecast at once. */
#define BALANCE_AHEAD_DAYS 3

/*
 * The ET0 to plan the day ahead for: the highest of the last `days`
 * days' ET0 (et0_mm oldest first, yesterday last; NaN or negative for a
 * day without one), so a hot spell is planned for as it goes on, not at
 * its average.  0 when none of them has one.
 */
double balance_et0_ahead(const double *et0_mm, size_t n, unsigned days);

/*
 * How a zone's probes' moisture percent maps to its soil water: the
 * reading at field capacity (depletion 0) and the reading at the wilting
 * point (depletion TAW), linear between.  A probe's percent is its own
 * scale, not volumetric water; these two readings calibrate it.
 */
struct balance_probe_anchor {
	double field_capacity_percent;
	double wilting_percent;		/* below field_capacity_percent */
};

int balance_anchor_check(const struct balance_probe_anchor *a, char *why,
			 size_t why_size);

/*
 * The depletion a moisture reading means: clamped to 0..TAW (*surplus_mm,
 * may be NULL, gets how far above field capacity the reading is, which
 * drains).  -EINVAL for a non-number reading or an anchor
 * balance_anchor_check() refuses.
 */
int balance_depletion_from_moisture(const struct balance_zone *z,
				    const struct balance_probe_anchor *a,
				    double moisture_percent,
				    double *depletion_mm, double *surplus_mm);

/* The moisture percent a depletion means (the inverse, for the sim's probes). */
double balance_moisture_from_depletion(const struct balance_zone *z,
				       const struct balance_probe_anchor *a,
				       double depletion_mm);

struct balance_reanchor {
	double model_mm;	/* the depletion before */
	double probe_mm;	/* what the probes say: the depletion now */
	double disagreement_mm;	/* probe - model: > 0 drier than modelled */
	char why[BALANCE_WHY_MAX];
};

/*
 * Re-anchors the balance on the probes' moisture (their mean, or the one
 * working probe's): s->depletion_mm becomes what the reading means, and
 * *r says how far the model was off, for the journal.  -EINVAL for a bad
 * reading or anchor (state unchanged).
 */
int balance_reanchor(const struct balance_zone *z,
		     const struct balance_probe_anchor *a,
		     struct balance_state *s, double moisture_percent,
		     struct balance_reanchor *r);

/*
 * What the probes teach about a zone's water use: between two readings
 * the soil lost what they saw, the model what ET0 * Kc predicted.  The
 * ratio of the two over the recent dry spells corrects the model's
 * forecast (balance_decide_ahead()'s ET0 times the factor): a crop that
 * drinks more than its configured Kc, or an ET0 estimate that runs low
 * at this site, is learned from the soil itself.  Intervals that the
 * readings cannot measure are left out: a reading at field capacity or
 * at the wilting point (clamped), water that drained, a loss too small
 * to tell from the probes' noise, or soil that got wetter with no water
 * the model knows of (unreported rain).
 */
struct balance_learning {
	double seen_mm;		/* the losses the probes saw, decayed */
	double modelled_mm;	/* what the model predicted for the same */
	double base_mm;		/* the depletion the current interval started at */
	double gained_mm;	/* water the model added since */
	bool have_base;
	bool clean;		/* nothing drained since the base */
};

/* The factor is 1 until the model predicted this much in the intervals kept. */
#define BALANCE_LEARN_MIN_MM 5.0
/* The factor's bounds: a probe that lies cannot double the water, or stop it. */
#define BALANCE_LEARN_LOWEST 0.5
#define BALANCE_LEARN_HIGHEST 2.0

/* A new interval from this depletion: after a re-anchor (or at start). */
void balance_learning_start(struct balance_learning *l, double depletion_mm);
/* The model gained water (balance_gain()'s mm and drained_mm). */
void balance_learning_gain(struct balance_learning *l, double mm,
			   double drained_mm);
/*
 * A re-anchor ended the interval: keep it if it measures something.
 * Call before balance_learning_start() for the next one.
 */
void balance_learning_add(struct balance_learning *l,
			  const struct balance_zone *z,
			  const struct balance_reanchor *r);
/* Seen over modelled, in BALANCE_LEARN_LOWEST..HIGHEST; 1 until it knows. */
double balance_learning_factor(const struct balance_learning *l);

#endif
