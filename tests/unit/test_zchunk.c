/*
 * test_zchunk.c - unit tests of client/zchunk.c: how a write is cut and
 * compressed (text: whole chunks LZ4; random: raw; zeros: ZERO; pieces
 * inside a chunk: raw; checksums of the raw bytes), that the result is a
 * valid OBJ_WRITE_Z, and that zchunk_apply puts a reply's chunks back
 * (whole, clipped, through scratch) and refuses corrupt chunks (-EIO) and
 * replies that start after the asked offset (-EBADMSG).
 */
#include "client/zchunk.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/checksum.h"
#include "common/compress.h"
#include "tests/unit/check.h"

#define CH PROTO_ZCHUNK_SIZE
#define LEN (8 * CH)

static uint8_t text[LEN], rnd[LEN], out[LEN + 2 * CH];

static void fill(void)
{
	static const char *w[] = { "2024-01-01,", "fsx,", "42.5,", "OST0001,",
				   "ok\n", "checkpoint," };
	uint64_t x = 0x9E3779B97F4A7C15ull;
	size_t pos = 0;

	while (pos < LEN) {
		const char *s;
		size_t n;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s = w[x % 6];
		n = strlen(s);
		if (n > LEN - pos)
			n = LEN - pos;
		memcpy(text + pos, s, n);
		pos += n;
	}
	for (size_t i = 0; i < LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		rnd[i] = (uint8_t)x;
	}
}

/* dest for zchunk_apply: object bytes land at out + offset. */
static uint8_t *dest(void *arg, uint64_t off, uint32_t len)
{
	(void)arg;
	if (off + len > sizeof(out))
		return NULL;
	return out + off;
}

/* A reply as the OSS would send for chunks w of a write: checksums of the
 * stored bytes. */
static void as_reply(struct msg_zchunk *w, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (w[i].kind != PROTO_ZCHUNK_ZERO)
			w[i].csum = checksum_xxh3(w[i].data, w[i].stored_len);
}

static void test_encode(void)
{
	static struct msg_zchunk z[ZCHUNK_ENCODE_MAX(LEN)];
	static uint8_t scratch[LEN], buf[LEN + 4096];
	uint32_t n = 0, cap = ZCHUNK_ENCODE_MAX(LEN);
	size_t stored = 0;

	/* text: every whole chunk compressed, checksum of the raw bytes */
	CHECK(zchunk_encode(text, 0, LEN, z, cap, scratch, LEN, &n) == 0);
	CHECK(n == LEN / CH);
	for (uint32_t i = 0; i < n; i++) {
		CHECK(z[i].kind == PROTO_ZCHUNK_LZ4 && z[i].off == i * CH);
		CHECK(z[i].stored_len + ZCHUNK_MIN_SAVING <= CH);
		CHECK(z[i].csum == checksum_xxh3(text + i * CH, CH));
		stored += z[i].stored_len;
	}
	printf("csv-like text: %u bytes -> %zu compressed\n", LEN, stored);
	{
		struct msg_obj_zwrite m = { 5, 1, PROTO_OBJ_LZ4, { n, z, n } };
		ssize_t len = msg_obj_zwrite_encode(&m, buf, sizeof(buf));

		CHECK(len > 0 && (size_t)len == msg_obj_zwrite_encoded_len(&m));
		CHECK(len < LEN / 2);
	}
	/* random: raw, pointing into the data */
	CHECK(zchunk_encode(rnd, CH, 2 * CH, z, cap, scratch, LEN, &n) == 0);
	CHECK(n == 2 && z[0].kind == PROTO_ZCHUNK_RAW && z[0].data == rnd &&
	      z[1].off == 2 * CH && z[0].stored_len == CH);
	/* zeros: no data */
	memset(buf, 0, 2 * CH);
	CHECK(zchunk_encode(buf, 0, 2 * CH, z, cap, scratch, LEN, &n) == 0);
	CHECK(n == 2 && z[0].kind == PROTO_ZCHUNK_ZERO &&
	      z[0].stored_len == 0 && z[0].csum == 0);
	/* unaligned: raw head piece, LZ4 whole middle, LZ4 short tail */
	CHECK(zchunk_encode(text, 100, CH + 20000, z, cap, scratch, LEN, &n) ==
	      0);
	CHECK(n == 2 && z[0].kind == PROTO_ZCHUNK_RAW && z[0].off == 100 &&
	      z[0].raw_len == CH - 100);
	CHECK(z[1].kind == PROTO_ZCHUNK_LZ4 && z[1].off == CH &&
	      z[1].raw_len == 20100);
	/* a short head piece that cannot save 4 KiB: raw */
	CHECK(zchunk_encode(text, 0, 3000, z, cap, scratch, LEN, &n) == 0);
	CHECK(n == 1 && z[0].kind == PROTO_ZCHUNK_RAW);
	/* refusals */
	CHECK(zchunk_encode(text, 0, 0, z, cap, scratch, LEN, &n) == -EINVAL);
	CHECK(zchunk_encode(text, 0, LEN, z, 3, scratch, LEN, &n) == -EINVAL);
	CHECK(zchunk_encode(text, 0, LEN, z, cap, scratch, LEN - 1, &n) ==
	      -EINVAL);
}

static void test_apply(void)
{
	static struct msg_zchunk z[ZCHUNK_ENCODE_MAX(LEN)];
	static uint8_t scratch[LEN], tmp[CH];
	struct msg_zchunks r = { .chunks = z };
	uint32_t n = 0;

	CHECK(zchunk_encode(text, 0, LEN, z, ZCHUNK_ENCODE_MAX(LEN), scratch,
			    LEN, &n) == 0);
	as_reply(z, n);
	r.count = r.cap = n;
	memset(out, 0xee, sizeof(out));
	CHECK(zchunk_apply(&r, 0, LEN, tmp, dest, NULL) == LEN);
	CHECK(memcmp(out, text, LEN) == 0);
	/* a part: decoded through scratch, clipped */
	memset(out, 0xee, sizeof(out));
	CHECK(zchunk_apply(&r, 100, 2 * CH, tmp, dest, NULL) == 2 * CH);
	CHECK(memcmp(out + 100, text + 100, 2 * CH) == 0);
	CHECK(out[99] == 0xee && out[100 + 2 * CH] == 0xee);
	/* asked past what the reply covers: a short read */
	CHECK(zchunk_apply(&r, 7 * CH, 3 * CH, tmp, dest, NULL) == CH);
	/* a reply that starts after the asked offset */
	r.chunks = z + 1;
	r.count = n - 1;
	CHECK(zchunk_apply(&r, 0, LEN, tmp, dest, NULL) == -EBADMSG);
	r.chunks = z;
	r.count = n;
	/* a damaged chunk */
	scratch[5] ^= 1;
	CHECK(zchunk_apply(&r, 0, LEN, tmp, dest, NULL) == -EIO);
	scratch[5] ^= 1;
	/* a checksum right but bytes that do not decode */
	{
		uint8_t bad[16] = { 0xff, 0xff, 0xff, 0xff };
		struct msg_zchunk one = { 0, CH, sizeof(bad), PROTO_ZCHUNK_LZ4,
					  checksum_xxh3(bad, sizeof(bad)), bad };
		struct msg_zchunks r1 = { 1, &one, 1 };

		CHECK(zchunk_apply(&r1, 0, CH, tmp, dest, NULL) == -EIO);
	}
	/* ZERO and RAW entries */
	{
		struct msg_zchunk two[2] = {
			{ 0, 10, 10, PROTO_ZCHUNK_RAW,
			  checksum_xxh3(rnd, 10), rnd },
			{ 10, 100, 0, PROTO_ZCHUNK_ZERO, 0, NULL },
		};
		struct msg_zchunks r2 = { 2, two, 2 };

		memset(out, 0xee, 200);
		CHECK(zchunk_apply(&r2, 5, 200, tmp, dest, NULL) == 105);
		CHECK(memcmp(out + 5, rnd + 5, 5) == 0 && out[10] == 0 &&
		      out[109] == 0 && out[110] == 0xee && out[4] == 0xee);
	}
}

int main(void)
{
	fill();
	test_encode();
	test_apply();
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	return 0;
}
