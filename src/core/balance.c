/* A zone's soil water balance: what the soil holds, what the day took, what watering and rain gave back. */
#include "core/balance.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/*
 * Available water, field capacity minus wilting point, from FAO-56
 * table 19 (Allen et al. 1998): the middle of each texture's range of
 * theta_FC - theta_WP in m3/m3, times 10 for mm per cm of soil.
 */
static const struct {
	const char *name;
	double mm_per_cm;
} textures[SOIL_TEXTURES] = {
	[SOIL_SAND] = { "sand", 0.80 },			/* 0.05-0.11 */
	[SOIL_LOAMY_SAND] = { "loamy-sand", 0.90 },	/* 0.06-0.12 */
	[SOIL_SANDY_LOAM] = { "sandy-loam", 1.30 },	/* 0.11-0.15 */
	[SOIL_LOAM] = { "loam", 1.55 },			/* 0.13-0.18 */
	[SOIL_SILT_LOAM] = { "silt-loam", 1.85 },	/* 0.15-0.22 */
	[SOIL_SILT] = { "silt", 1.80 },			/* 0.16-0.20 */
	[SOIL_SILTY_CLAY_LOAM] = { "silty-clay-loam", 1.55 }, /* 0.13-0.18 */
	[SOIL_SILTY_CLAY] = { "silty-clay", 1.60 },	/* 0.13-0.19 */
	[SOIL_CLAY] = { "clay", 1.75 },			/* 0.14-0.21 */
};

const char *soil_texture_name(enum soil_texture t)
{
	if ((unsigned)t >= SOIL_TEXTURES)
		return "unknown";
	return textures[t].name;
}

int soil_texture_from_name(const char *name, enum soil_texture *out)
{
	for (unsigned i = 0; i < SOIL_TEXTURES; i++) {
		if (strcmp(name, textures[i].name) == 0) {
			*out = (enum soil_texture)i;
			return 0;
		}
	}
	return -EINVAL;
}

double soil_available_mm_per_cm(enum soil_texture t)
{
	if ((unsigned)t >= SOIL_TEXTURES)
		return 0.0;
	return textures[t].mm_per_cm;
}

static int refuse(char *why, size_t why_size, const char *reason)
{
	if (why && why_size)
		snprintf(why, why_size, "%s", reason);
	return -EINVAL;
}

static bool positive(double x)
{
	return x > 0.0 && isfinite(x);
}

int balance_zone_check(const struct balance_zone *z, char *why, size_t why_size)
{
	if ((unsigned)z->soil >= SOIL_TEXTURES)
		return refuse(why, why_size, "unknown soil texture");
	if (!positive(z->root_depth_cm))
		return refuse(why, why_size, "the root depth must be above 0 cm");
	if (!positive(z->crop_coefficient))
		return refuse(why, why_size, "the crop coefficient must be above 0");
	if (!positive(z->allowed_depletion) || z->allowed_depletion > 1.0)
		return refuse(why, why_size,
			      "the allowed depletion must be above 0 and at most 1");
	if (!positive(z->area_m2))
		return refuse(why, why_size, "the area must be above 0 m2");
	return 0;
}

double balance_taw_mm(const struct balance_zone *z)
{
	return soil_available_mm_per_cm(z->soil) * z->root_depth_cm;
}

double balance_raw_mm(const struct balance_zone *z)
{
	return z->allowed_depletion * balance_taw_mm(z);
}

double balance_mm_from_litres(const struct balance_zone *z, double litres)
{
	return positive(z->area_m2) ? litres / z->area_m2 : 0.0;
}

double balance_litres_from_mm(const struct balance_zone *z, double mm)
{
	return mm * z->area_m2;
}

static bool amount(double mm)
{
	return mm >= 0.0 && isfinite(mm);
}

int balance_lose(const struct balance_zone *z, struct balance_state *s,
		 double et0_mm, double *etc_mm)
{
	double taw = balance_taw_mm(z), etc;

	/* A state that is not a number would stay one: refused, not spread. */
	if (!amount(et0_mm) || !amount(s->depletion_mm))
		return -EINVAL;
	etc = et0_mm * z->crop_coefficient;
	/* A soil at the wilting point gives the plants nothing more. */
	if (s->depletion_mm + etc > taw)
		etc = taw > s->depletion_mm ? taw - s->depletion_mm : 0.0;
	s->depletion_mm += etc;
	if (etc_mm)
		*etc_mm = etc;
	return 0;
}

int balance_gain(const struct balance_zone *z, struct balance_state *s,
		 double mm, double *drained_mm)
{
	double drained = 0.0;

	(void)z;
	if (!amount(mm) || !amount(s->depletion_mm))
		return -EINVAL;
	if (mm > s->depletion_mm) {
		drained = mm - s->depletion_mm;
		s->depletion_mm = 0.0;
	} else {
		s->depletion_mm -= mm;
	}
	if (drained_mm)
		*drained_mm = drained;
	return 0;
}

void balance_decide(const struct balance_zone *z, const struct balance_state *s,
		    struct balance_decision *d)
{
	balance_decide_ahead(z, s, 0.0, d);
}

void balance_decide_ahead(const struct balance_zone *z,
			  const struct balance_state *s, double et0_ahead_mm,
			  struct balance_decision *d)
{
	double raw = balance_raw_mm(z), ahead = 0.0;

	if (amount(et0_ahead_mm))
		ahead = et0_ahead_mm * z->crop_coefficient;
	memset(d, 0, sizeof(*d));
	/*
	 * At or past: with an allowed depletion of 1 the depletion, capped at
	 * TAW, can reach the allowed level but never pass it.
	 */
	if (s->depletion_mm + ahead >= raw && s->depletion_mm > 0.0 &&
	    isfinite(s->depletion_mm)) {
		d->water = true;
		d->mm = s->depletion_mm;
		d->litres = balance_litres_from_mm(z, d->mm);
		if (ahead > 0.0)
			snprintf(d->why, sizeof(d->why),
				 "depletion %.1f mm and %.1f mm more today "
				 "pass the allowed %.1f mm: %.1f mm, %.0f L "
				 "refills it", s->depletion_mm, ahead, raw,
				 d->mm, d->litres);
		else
			snprintf(d->why, sizeof(d->why),
				 "depletion %.1f mm is past the allowed %.1f mm: "
				 "%.1f mm, %.0f L refills it", s->depletion_mm,
				 raw, d->mm, d->litres);
	} else {
		snprintf(d->why, sizeof(d->why),
			 "depletion %.1f mm of the allowed %.1f mm",
			 s->depletion_mm, raw);
	}
}

double balance_et0_ahead(const double *et0_mm, size_t n, unsigned days)
{
	double most = 0.0;

	for (size_t i = n > days ? n - days : 0; i < n; i++)
		if (amount(et0_mm[i]) && et0_mm[i] > most)
			most = et0_mm[i];
	return most;
}

int balance_anchor_check(const struct balance_probe_anchor *a, char *why,
			 size_t why_size)
{
	if (!isfinite(a->field_capacity_percent) || !isfinite(a->wilting_percent))
		return refuse(why, why_size, "the probe readings must be numbers");
	if (a->field_capacity_percent < 0.0 || a->field_capacity_percent > 100.0 ||
	    a->wilting_percent < 0.0 || a->wilting_percent > 100.0)
		return refuse(why, why_size, "the probe readings must be 0 to 100 %");
	if (!(a->wilting_percent < a->field_capacity_percent))
		return refuse(why, why_size, "the wilting point reading must be "
			      "below the field capacity reading");
	return 0;
}

int balance_depletion_from_moisture(const struct balance_zone *z,
				    const struct balance_probe_anchor *a,
				    double moisture_percent,
				    double *depletion_mm, double *surplus_mm)
{
	double taw = balance_taw_mm(z), d;

	if (!isfinite(moisture_percent) || balance_anchor_check(a, NULL, 0) < 0)
		return -EINVAL;
	d = taw * (a->field_capacity_percent - moisture_percent) /
	    (a->field_capacity_percent - a->wilting_percent);
	if (surplus_mm)
		*surplus_mm = d < 0.0 ? -d : 0.0;
	if (d < 0.0)
		d = 0.0;
	if (d > taw)
		d = taw;
	*depletion_mm = d;
	return 0;
}

double balance_moisture_from_depletion(const struct balance_zone *z,
				       const struct balance_probe_anchor *a,
				       double depletion_mm)
{
	double taw = balance_taw_mm(z);

	if (!(taw > 0.0))
		return a->field_capacity_percent;
	return a->field_capacity_percent - depletion_mm / taw *
	       (a->field_capacity_percent - a->wilting_percent);
}

int balance_reanchor(const struct balance_zone *z,
		     const struct balance_probe_anchor *a,
		     struct balance_state *s, double moisture_percent,
		     struct balance_reanchor *r)
{
	double probe;
	int ret;

	ret = balance_depletion_from_moisture(z, a, moisture_percent, &probe,
					      NULL);
	if (ret < 0)
		return ret;
	memset(r, 0, sizeof(*r));
	r->model_mm = s->depletion_mm;
	r->probe_mm = probe;
	r->disagreement_mm = probe - s->depletion_mm;
	snprintf(r->why, sizeof(r->why),
		 "probes %.0f %% mean depletion %.1f mm, the model had %.1f mm "
		 "(%s by %.1f mm)", moisture_percent, probe, s->depletion_mm,
		 r->disagreement_mm >= 0 ? "drier" : "wetter",
		 fabs(r->disagreement_mm));
	s->depletion_mm = probe;
	return 0;
}

/* Each kept interval weighs this much less at the next: about the last
 * ten intervals (days) count, so the factor follows the crop's stage. */
#define LEARN_KEEP 0.9

void balance_learning_start(struct balance_learning *l, double depletion_mm)
{
	l->base_mm = depletion_mm;
	l->gained_mm = 0.0;
	l->have_base = true;
	l->clean = true;
}

void balance_learning_gain(struct balance_learning *l, double mm,
			   double drained_mm)
{
	if (amount(mm))
		l->gained_mm += mm;
	if (!(drained_mm <= 0.0))
		l->clean = false;
}

void balance_learning_add(struct balance_learning *l,
			  const struct balance_zone *z,
			  const struct balance_reanchor *r)
{
	double taw = balance_taw_mm(z), seen, modelled;
	/* Two readings' noise is about a millimetre on most beds. */
	const double smallest = 1.0;

	if (!l->have_base || !l->clean)
		return;
	if (l->base_mm <= 0.0 || l->base_mm >= taw || r->probe_mm <= 0.0 ||
	    r->probe_mm >= taw || r->model_mm >= taw)
		return;
	seen = r->probe_mm - l->base_mm + l->gained_mm;
	modelled = r->model_mm - l->base_mm + l->gained_mm;
	if (!(modelled >= smallest) || !(seen > 0.0) || !isfinite(seen))
		return;
	l->seen_mm = LEARN_KEEP * l->seen_mm + seen;
	l->modelled_mm = LEARN_KEEP * l->modelled_mm + modelled;
}

double balance_learning_factor(const struct balance_learning *l)
{
	double f;

	if (!(l->modelled_mm >= BALANCE_LEARN_MIN_MM))
		return 1.0;
	f = l->seen_mm / l->modelled_mm;
	if (!(f >= BALANCE_LEARN_LOWEST))
		return BALANCE_LEARN_LOWEST;
	if (f > BALANCE_LEARN_HIGHEST)
		return BALANCE_LEARN_HIGHEST;
	return f;
}
