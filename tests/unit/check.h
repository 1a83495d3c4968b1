/*
 * check.h - the unit tests' CHECK: a condition that does not hold is
 * counted in failures and printed with its place (the first 20: a check in
 * a loop over a buffer could print a line per byte), and the test goes on.
 * main() reports failures and exits 1 when there are any.
 */
#ifndef GLINT_TESTS_UNIT_CHECK_H
#define GLINT_TESTS_UNIT_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			if (failures++ < 20)                                 \
				fprintf(stderr, "%s:%d: CHECK failed: %s\n", \
					__FILE__, __LINE__, #cond);          \
		}                                                            \
	} while (0)

#endif
