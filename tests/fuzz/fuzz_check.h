/*
 * fuzz_check.h - the property check shared by the libFuzzer targets.
 *
 * FUZZ_CHECK(cond) aborts with the failed condition when a property of a
 * decoder does not hold. Aborting is how a target reports a finding: under
 * libFuzzer it writes the input out as a crash file, and under the corpus
 * replay (replay/replay_main.c, run by ctest) it fails the test. This is test
 * code: proto/ itself never aborts on bad input.
 */
#ifndef GLINT_TESTS_FUZZ_CHECK_H
#define GLINT_TESTS_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: property failed: %s\n",    \
				__FILE__, __LINE__, #cond);                \
			abort();                                           \
		}                                                          \
	} while (0)

#endif /* GLINT_TESTS_FUZZ_CHECK_H */
