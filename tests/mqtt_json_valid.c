/* For tests/test_mqtt.sh: exits 1 when a line of standard input is not one JSON object, naming it; the shell has no JSON checker of its own. */
#include <stdio.h>
#include <string.h>

#include "json_check.h"

int main(void)
{
	static char line[1 << 16];
	int bad = 0, n = 0;

	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		n++;
		if (!json_is_object_line(line)) {
			fprintf(stderr, "not one JSON object: %s\n", line);
			bad = 1;
		}
	}
	return n ? bad : 1;
}
