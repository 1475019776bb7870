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

#endif
