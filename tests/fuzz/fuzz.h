/* Shared helpers of the libFuzzer harnesses: invariant checks that abort with a message. */
#ifndef IRRIGD_TESTS_FUZZ_H
#define IRRIGD_TESTS_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

/* Where failed invariants are told: stderr, unless a harness says otherwise. */
static FILE *fuzz_report __attribute__((unused));

/* An invariant that failed is a finding: say which, and crash for libFuzzer. */
#define FUZZ_CHECK(cond, ...)                                                 \
	do {                                                                  \
		if (!(cond)) {                                                \
			FILE *to_ = fuzz_report ? fuzz_report : stderr;       \
			fprintf(to_, "%s:%d: invariant failed: %s: ",         \
				__FILE__, __LINE__, #cond);                   \
			fprintf(to_, __VA_ARGS__);                            \
			fputc('\n', to_);                                     \
			fflush(to_);                                          \
			abort();                                              \
		}                                                             \
	} while (0)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
