/* The simulated garden (hw/garden.h) laid out as the daemon's config wires it. */
#ifndef IRRIGD_DAEMON_SIM_GARDEN_H
#define IRRIGD_DAEMON_SIM_GARDEN_H

#include "daemon/config.h"
#include "hw/garden.h"

/* A garden of cfg's chips, valves and sensors; NULL with errno set. */
struct garden *sim_garden_new(const struct config *cfg);
/* After a reload: the garden's valves and sensors as cfg now wires them. */
void sim_garden_rewire(struct garden *garden, const struct config *cfg);
/* The garden's name for a config's GPIO line. */
struct garden_gpio_line sim_garden_line(const struct config_line *line);

#endif
