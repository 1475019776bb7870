/* Helpers the daemon-driving test programs share: paths, files, sockets, time. */
#ifndef IRRIGD_TESTS_SUPPORT_H
#define IRRIGD_TESTS_SUPPORT_H

#include <stdbool.h>

/* Where the programs under test are: $IRRIGD_BUILD, set by tests/run-tests. */
const char *build_dir(void);
/* IRRIGD_VALGRIND=1: the daemon runs under valgrind, so wait longer. */
bool under_valgrind(void);
/* The whole file, NUL-terminated, on the heap; NULL when it cannot be read. */
char *read_file(const char *path);
/* A connected stream socket to the UNIX socket at path, or -1. */
int try_connect(const char *path);
void sleep_ms(int ms);
/* How many times needle occurs in text, not overlapping. */
int count(const char *text, const char *needle);

#endif
