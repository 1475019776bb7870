/* irrigctl metrics --output FILE and --http: the exposition written atomically, or served for one HTTP request. */
#ifndef IRRIGD_IRRIGCTL_METRICS_H
#define IRRIGD_IRRIGCTL_METRICS_H

#include <stddef.h>

/* Connects to irrigd at path, saying why not on stderr: a socket, or -1. */
typedef int metrics_connect_fn(const char *path);

/*
 * Asks irrigd for its metrics and writes them to file atomically: a
 * temporary file in the same directory, then renamed over file, so a
 * reader sees the old file or the new one, never part of one; on any
 * failure file is left as it was.  Returns irrigctl's exit status.
 */
int metrics_to_file(const char *socket_path, metrics_connect_fn *connect_fn,
		    const char *file);

/*
 * Answers one HTTP request read from in (a socket systemd accepted, or a
 * pipe): GET or HEAD /metrics gets 200 and the metrics, another path 404,
 * another method 405, a malformed or oversized request 400, one that
 * does not arrive within METRICS_HTTP_TIMEOUT_MS 408, and irrigd not
 * answering 503.  The reply goes to out.  Returns 0 when an answer was
 * written, whatever its code, else irrigctl's exit status.
 */
#define METRICS_HTTP_REQUEST_MAX 8192
#define METRICS_HTTP_TIMEOUT_MS 10000
int metrics_http(const char *socket_path, metrics_connect_fn *connect_fn,
		 int in, int out);

#endif
