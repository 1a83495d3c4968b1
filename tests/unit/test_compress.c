/*
 * test_compress.c - unit tests of common/compress.c and common/checksum.c:
 * round trips of text, zeros and random data, "did not shrink" and budget
 * refusals, exact-size checking on decode, and corrupted or truncated
 * compressed input (every byte flipped, every length) that must come back
 * as -EBADMSG or a clean mismatch, never a crash.
 */
#include "common/checksum.h"
#include "common/compress.h"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_text(char *buf, size_t len)
{
	static const char *words[] = {"stripe ",     "object ", "lustre ",
				      "checkpoint ", "glint ",	"the ",
				      "metadata ",   "server\n"};
	size_t pos = 0;

	while (pos < len) {
		const char *w = words[rng() % 8];
		size_t n = strlen(w);

		if (n > len - pos)
			n = len - pos;
		memcpy(buf + pos, w, n);
		pos += n;
	}
}

static void test_round_trips(void)
{
	static char src[CHUNK], comp[CHUNK], out[CHUNK];
	ssize_t n;
	size_t i;

	fill_text(src, CHUNK);
	n = compress_encode(src, CHUNK, comp, sizeof(comp));
	CHECK(n > 0 && n < CHUNK / 2);
	CHECK(compress_decode(comp, (size_t)n, out, CHUNK) == 0);
	CHECK(memcmp(src, out, CHUNK) == 0);
	/* Exact expected size: one more or one less is an error. */
	CHECK(compress_decode(comp, (size_t)n, out, CHUNK - 1) == -EBADMSG);
	CHECK(compress_decode(comp, (size_t)n, out, CHUNK + 0) == 0);
	/* A budget the output does not fit in means "store raw". */
	CHECK(compress_encode(src, CHUNK, comp, 16) == 0);

	memset(src, 0, CHUNK);
	n = compress_encode(src, CHUNK, comp, sizeof(comp));
	CHECK(n > 0 && n < 1024);
	CHECK(compress_decode(comp, (size_t)n, out, CHUNK) == 0);
	CHECK(memcmp(src, out, CHUNK) == 0);

	/* Random data does not shrink. */
	for (i = 0; i < CHUNK; i++)
		src[i] = (char)rng();
	CHECK(compress_encode(src, CHUNK, comp, sizeof(comp)) == 0);
	CHECK(compress_encode(src, CHUNK, comp, CHUNK - 1) == 0);

	/* Small and odd sizes. */
	for (i = 1; i < 300; i += 7) {
		fill_text(src, i);
		n = compress_encode(src, i, comp, sizeof(comp));
		CHECK(n >= 0 && n < (ssize_t)i);
		if (n > 0) {
			CHECK(compress_decode(comp, (size_t)n, out, i) == 0);
			CHECK(memcmp(src, out, i) == 0);
		}
	}
	CHECK(compress_encode(src, 0, comp, sizeof(comp)) == -EINVAL);
	CHECK(compress_decode(comp, 0, out, 10) == -EINVAL);
	CHECK(compress_decode(comp, 10, out, 0) == -EINVAL);
}

static void test_corruption(void)
{
	static char src[CHUNK], comp[CHUNK], bad[CHUNK], out[CHUNK];
	ssize_t n;
	size_t i;
	int rc;
	int ok = 0;
	int bad_msg = 0;

	fill_text(src, CHUNK);
	n = compress_encode(src, CHUNK, comp, sizeof(comp));
	CHECK(n > 0);
	if (n <= 0)
		return;
	/* Flip every byte in turn; decoding must never crash. */
	for (i = 0; i < (size_t)n; i++) {
		memcpy(bad, comp, (size_t)n);
		bad[i] ^= (char)(1 + rng() % 255);
		rc = compress_decode(bad, (size_t)n, out, CHUNK);
		CHECK(rc == 0 || rc == -EBADMSG);
		if (rc == 0)
			ok++;
		else
			bad_msg++;
	}
	CHECK(bad_msg > 0);
	/* Every truncation. */
	for (i = 1; i < (size_t)n; i++)
		CHECK(compress_decode(comp, i, out, CHUNK) == -EBADMSG);
	/* Pure garbage. */
	for (i = 0; i < 1000; i++) {
		size_t len = 1 + rng() % 4096;
		size_t j;

		for (j = 0; j < len; j++)
			bad[j] = (char)rng();
		rc = compress_decode(bad, len, out, 1 + rng() % CHUNK);
		CHECK(rc == 0 || rc == -EBADMSG);
	}
	printf("flips: %d decoded (the checksum catches these), %d -EBADMSG\n",
	       ok, bad_msg);
}

static void test_checksum(void)
{
	static char buf[CHUNK];
	uint64_t a, b;

	fill_text(buf, CHUNK);
	a = checksum_xxh3(buf, CHUNK);
	CHECK(a == checksum_xxh3(buf, CHUNK));
	buf[12345] ^= 1;
	b = checksum_xxh3(buf, CHUNK);
	CHECK(a != b);
	CHECK(checksum_xxh3(NULL, 0) == checksum_xxh3("", 0));
	/* Pinned (xxHash spec): the value is stored on disk, it must not move.
	 */
	CHECK(checksum_xxh3("", 0) == 0x2D06800538D394C2ull);
}

int main(void)
{
	test_round_trips();
	test_corruption();
	test_checksum();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("test_compress: ok\n");
	return 0;
}
