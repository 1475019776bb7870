/* The wiring record: every output irrigd set up, kept so the next run and --all-off close them whatever the config says then. */
#ifndef IRRIGD_DAEMON_WIRING_H
#define IRRIGD_DAEMON_WIRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"

/* Its file in the state directory. */
#define WIRING_FILE "wiring"
/* Every valve, the master and every probe's power pin. */
#define WIRING_MAX_OUTPUTS (CONFIG_MAX_ZONES + 1 + CONFIG_MAX_PROBES)
#define WIRING_TEXT_MAX 4096

/* One output: an expander pin (by the chip's address) or a Pi GPIO line. */
struct wiring_output {
	bool on_gpio;
	uint8_t address;		/* 0x20-0x27 */
	unsigned pin;			/* 0-7 */
	struct config_line line;	/* with on_gpio */
	bool active_low;
};

/*
 * What one irrigd drove: the backend and bus, and its outputs.  Unlike a
 * config_pin, an output names its expander by address, so a record reads
 * the same whatever a later config lists.
 */
struct wiring {
	bool sim;
	unsigned i2c_bus;
	struct wiring_output outputs[WIRING_MAX_OUTPUTS];
	size_t n_outputs;
};

/* The outputs cfg sets up (the sim backend when sim, whatever cfg says). */
void wiring_from_config(const struct config *cfg, bool sim, struct wiring *out);
/* The output pin stands for, in cfg's terms. */
void wiring_output_of(const struct config *cfg, const struct config_pin *pin,
		      struct wiring_output *out);
/* Same pin or line, whatever the polarity. */
bool wiring_same_output(const struct wiring_output *a,
			const struct wiring_output *b);
/* Adds o unless w has its pin already; -ENOSPC when w is full. */
int wiring_add(struct wiring *w, const struct wiring_output *o);

/* The record's text; its length, or -ENOSPC when size is too small. */
int wiring_format(const struct wiring *w, char *buf, size_t size);
/*
 * Reads what wiring_format wrote, and nothing else: -EINVAL with
 * "line N: what" in err for anything it did not write.
 */
int wiring_parse(const char *text, size_t len, struct wiring *out, char *err,
		 size_t err_size);

/* Replaces dir/wiring atomically. */
int wiring_save(const char *dir, const struct wiring *w);
/* -ENOENT when there is none; else as wiring_parse, "DIR/wiring: ..." in err. */
int wiring_load(const char *dir, struct wiring *out, char *err, size_t err_size);

#endif
