/* Shared helpers of the libFuzzer harnesses: invariant checks that abort with a message. */
#ifndef IRRIGD_TESTS_FUZZ_H
#define IRRIGD_TESTS_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

/* An invariant that failed is a finding: say which, and crash for libFuzzer. */
#define FUZZ_CHECK(cond, ...)                                                 \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: invariant failed: %s: ",      \
				__FILE__, __LINE__, #cond);                   \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
			abort();                                              \
		}                                                             \
	} while (0)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
