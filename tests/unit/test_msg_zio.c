/*
 * test_msg_zio.c - unit tests of proto/msg_zio.c: the golden byte images
 * of OBJ_WRITE_Z and an OBJ_READ_Z reply (transcribed from the tables in
 * msg_zio.h), round trips, every truncation, and each rule of a zchunks
 * group refused on both sides (encoders -EINVAL/-EMSGSIZE, decoders
 * -EBADMSG without consuming anything): per-kind lengths, slot crossing,
 * gaps, unaligned LZ4, caps on count and span, unknown flags. For the
 * head of an OBJ_READ_C reply: its golden image, round trips over request
 * lengths around the 64 KiB pieces, every decode refusal (truncation, a
 * count not matching the request, data_len or req_len too large) and
 * encode refusal, and the per-piece checksums of msg_readc_sum/verify.
 * For an OBJ_READ_L reply (that head and a path): its golden image, the
 * empty and the largest reply, and each rule refused by the decoder
 * (truncation, a trailing byte, a path without data or data without a
 * path, a relative path, a NUL, a path over PROTO_LOCAL_PATH_MAX, a count
 * not matching the request) and by the encoder (-EINVAL, -EMSGSIZE).
 */
#include "proto/msg_zio.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "tests/unit/check.h"

#define K64 65536u

/* OBJ_WRITE_Z of object 0x10002 stripe 1, flags LZ4|SYNC: a raw tail of
 * 3 bytes "abc" at 0xfffd, then a zero chunk [0x10000, 0x20000). */
static const uint8_t golden_zwrite[] = {
	0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, /* object_id */
	0x01, 0x00, 0x00, 0x00,				/* stripe_idx 1 */
	0x03, 0x00, 0x00, 0x00,				/* flags LZ4|SYNC */
	0x03, 0x00, 0x00, 0x00,				/* data_len 3 */
	'a', 'b', 'c',					/* data */
	0x02, 0x00, 0x00, 0x00,				/* count 2 */
	/* entry 0 */
	0xfd, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* off 0xfffd */
	0x03, 0x00, 0x00, 0x00,				/* raw_len 3 */
	0x03, 0x00, 0x00, 0x00,				/* stored_len 3 */
	0x01,						/* RAW */
	0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* csum */
	/* entry 1 */
	0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, /* off 0x10000 */
	0x00, 0x00, 0x01, 0x00,				/* raw_len 64K */
	0x00, 0x00, 0x00, 0x00,				/* stored_len 0 */
	0x00,						/* ZERO */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* csum 0 */
};

/* An OBJ_READ_Z reply: one LZ4 chunk at 0x20000 of 64K stored in 2 bytes. */
static const uint8_t golden_zreply[] = {
	0x02, 0x00, 0x00, 0x00,				/* data_len 2 */
	0xee, 0xff,					/* data */
	0x01, 0x00, 0x00, 0x00,				/* count 1 */
	0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, /* off 0x20000 */
	0x00, 0x00, 0x01, 0x00,				/* raw_len 64K */
	0x02, 0x00, 0x00, 0x00,				/* stored_len 2 */
	0x02,						/* LZ4 */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* csum 1 */
};

static struct msg_zchunk zw_chunks[2] = {
	{ 0xfffd, 3, 3, PROTO_ZCHUNK_RAW, 0x1122334455667788ull,
	  (const uint8_t *)"abc" },
	{ 0x10000, K64, 0, PROTO_ZCHUNK_ZERO, 0, NULL },
};

static const uint8_t zr_data[2] = { 0xee, 0xff };
static struct msg_zchunk zr_chunks[1] = {
	{ 0x20000, K64, 2, PROTO_ZCHUNK_LZ4, 1, zr_data },
};

static int zwrite_decode(const uint8_t *img, size_t len,
			 struct msg_obj_zwrite *m, size_t *used)
{
	static struct msg_zchunk arr[PROTO_ZCHUNKS_MAX];
	uint8_t *copy = malloc(len ? len : 1);
	struct cursor c;
	int rc;

	memcpy(copy, img, len);
	memset(m, 0, sizeof(*m));
	m->z.chunks = arr;
	m->z.cap = PROTO_ZCHUNKS_MAX;
	cursor_init(&c, copy, len);
	rc = msg_obj_zwrite_decode(&c, m);
	if (used)
		*used = (size_t)(c.pos - copy);
	if (rc && c.pos != copy) {
		fprintf(stderr, "failed decode consumed bytes\n");
		failures++;
	}
	/* The decoded data points into copy, which goes now: callers look
	 * at the other fields only. */
	free(copy);
	for (uint32_t i = 0; i < m->z.count; i++)
		m->z.chunks[i].data = NULL;
	return rc;
}

static int zreply_decode(const uint8_t *img, size_t len)
{
	static struct msg_zchunk arr[PROTO_ZCHUNKS_MAX];
	struct msg_zchunks z = { .chunks = arr, .cap = PROTO_ZCHUNKS_MAX };
	struct cursor c;
	int rc;

	cursor_init(&c, img, len);
	rc = msg_zchunks_decode(&c, &z);
	if (rc && c.pos != img) {
		fprintf(stderr, "failed decode consumed bytes\n");
		failures++;
	}
	return rc;
}

static void test_golden(void)
{
	struct msg_obj_zwrite m = { 0x10002, 1, PROTO_OBJ_LZ4 | PROTO_OBJ_SYNC,
				    { 2, zw_chunks, 2 } };
	static struct msg_zchunk arr[PROTO_ZCHUNKS_MAX];
	struct msg_zchunks z = { 1, zr_chunks, 1 };
	uint8_t buf[256];
	struct cursor c;
	size_t used;
	ssize_t n;

	CHECK(msg_obj_zwrite_encoded_len(&m) == sizeof(golden_zwrite));
	n = msg_obj_zwrite_encode(&m, buf, sizeof(buf));
	CHECK(n == (ssize_t)sizeof(golden_zwrite));
	CHECK(memcmp(buf, golden_zwrite, sizeof(golden_zwrite)) == 0);
	CHECK(msg_obj_zwrite_encode(&m, buf, sizeof(golden_zwrite) - 1) ==
	      -EMSGSIZE);
	CHECK(proto_op_lookup(PROTO_OP_OBJ_WRITE_Z)->min_len == 24);

	{
		struct msg_obj_zwrite d;

		CHECK(zwrite_decode(golden_zwrite, sizeof(golden_zwrite), &d,
				    &used) == 0);
		CHECK(used == sizeof(golden_zwrite));
		CHECK(d.object_id == 0x10002 && d.stripe_idx == 1 &&
		      d.flags == 3 && d.z.count == 2);
		CHECK(d.z.chunks[0].off == 0xfffd &&
		      d.z.chunks[0].raw_len == 3 &&
		      d.z.chunks[0].csum == 0x1122334455667788ull);
		CHECK(d.z.chunks[1].kind == PROTO_ZCHUNK_ZERO &&
		      d.z.chunks[1].raw_len == K64);
		CHECK(msg_zchunks_span(&d.z) == K64 + 3);
		for (size_t k = 0; k < sizeof(golden_zwrite); k++)
			CHECK(zwrite_decode(golden_zwrite, k, &d, NULL) ==
			      -EBADMSG);
	}

	CHECK(msg_zchunks_encoded_len(&z) == sizeof(golden_zreply));
	n = msg_zchunks_encode(&z, buf, sizeof(buf));
	CHECK(n == (ssize_t)sizeof(golden_zreply));
	CHECK(memcmp(buf, golden_zreply, sizeof(golden_zreply)) == 0);
	/* The table alone, after data the sender placed itself. */
	memset(buf, 0, sizeof(buf));
	n = msg_zchunks_encode_table(&z, 2, buf, sizeof(buf));
	CHECK(n == 4 + MSG_ZCHUNK_LEN);
	CHECK(memcmp(buf, golden_zreply + 6, (size_t)n) == 0);
	CHECK(msg_zchunks_encode_table(&z, 3, buf, sizeof(buf)) == -EINVAL);
	CHECK(msg_zchunks_encode_table(&z, 2, buf, 10) == -EMSGSIZE);

	z = (struct msg_zchunks){ .chunks = arr, .cap = PROTO_ZCHUNKS_MAX };
	cursor_init(&c, golden_zreply, sizeof(golden_zreply));
	CHECK(msg_zchunks_decode(&c, &z) == 0 && c.pos == c.end);
	CHECK(z.count == 1 && z.chunks[0].data == golden_zreply + 4 &&
	      z.chunks[0].stored_len == 2 && z.chunks[0].off == 0x20000);
	for (size_t k = 0; k < sizeof(golden_zreply); k++)
		CHECK(zreply_decode(golden_zreply, k) == -EBADMSG);
	/* cap too small for the count */
	z = (struct msg_zchunks){ .chunks = arr, .cap = 0 };
	cursor_init(&c, golden_zreply, sizeof(golden_zreply));
	CHECK(msg_zchunks_decode(&c, &z) == -EBADMSG);

	/* The request of OBJ_READ_Z is OBJ_READ's. */
	{
		struct msg_obj_req r = { .object_id = 9, .stripe_idx = 2,
					 .off = K64, .len = PROTO_MAX_IO }, r2;
		uint8_t a[32], b[32];

		CHECK(msg_obj_zread_encode(&r, a, sizeof(a)) == 24);
		CHECK(msg_obj_req_encode(PROTO_OP_OBJ_READ, &r, b,
					 sizeof(b)) == 24);
		CHECK(memcmp(a, b, 24) == 0);
		cursor_init(&c, a, 24);
		CHECK(msg_obj_zread_decode(&c, &r2) == 0 && r2.off == K64 &&
		      r2.len == PROTO_MAX_IO && r2.stripe_idx == 2);
	}
}

/* Encode one chunk c as a reply; return the encoder's result and check
 * that the decoder agrees on an image with the same fields. */
static int one(struct msg_zchunk ch)
{
	static uint8_t data[K64];
	struct msg_zchunks z = { 1, &ch, 1 };
	uint8_t *buf = malloc(8 + K64 + MSG_ZCHUNK_LEN + 64);
	ssize_t n, want;
	int dec;

	if (!ch.data && ch.stored_len)
		ch.data = data;
	n = msg_zchunks_encode(&z, buf, 8 + K64 + MSG_ZCHUNK_LEN + 64);
	want = n;
	/* Build the image by hand to see what the decoder says. */
	{
		size_t len = 4 + ch.stored_len + 4 + MSG_ZCHUNK_LEN;
		uint8_t *p = buf;

		if (ch.stored_len > K64)
			len = 4 + 4 + MSG_ZCHUNK_LEN; /* unbuildable */
		le32_store(p, ch.stored_len <= K64 ? ch.stored_len : 0);
		p += 4;
		if (ch.stored_len <= K64) {
			memset(p, 'x', ch.stored_len);
			p += ch.stored_len;
		}
		le32_store(p, 1);
		le64_store(p + 4, ch.off);
		le32_store(p + 12, ch.raw_len);
		le32_store(p + 16, ch.stored_len);
		p[20] = ch.kind;
		le64_store(p + 21, ch.csum);
		dec = zreply_decode(buf, len);
	}
	free(buf);
	if ((want >= 0) != (dec == 0)) {
		fprintf(stderr, "encoder %zd and decoder %d disagree\n", want,
			dec);
		failures++;
	}
	return want < 0 ? (int)want : 0;
}

static void test_rules(void)
{
	typedef struct msg_zchunk Z;

	/* kinds and lengths */
	CHECK(one((Z){ 0, K64, 0, PROTO_ZCHUNK_ZERO, 0, NULL }) == 0);
	CHECK(one((Z){ 0, K64, 1, PROTO_ZCHUNK_ZERO, 0, NULL }) == -EINVAL);
	CHECK(one((Z){ 0, K64, 0, PROTO_ZCHUNK_ZERO, 5, NULL }) == -EINVAL);
	CHECK(one((Z){ 0, 100, 100, PROTO_ZCHUNK_RAW, 5, NULL }) == 0);
	CHECK(one((Z){ 0, 100, 99, PROTO_ZCHUNK_RAW, 5, NULL }) == -EINVAL);
	CHECK(one((Z){ 0, 100, 99, PROTO_ZCHUNK_LZ4, 5, NULL }) == 0);
	CHECK(one((Z){ 0, 100, 100, PROTO_ZCHUNK_LZ4, 5, NULL }) == -EINVAL);
	CHECK(one((Z){ 0, 100, 0, PROTO_ZCHUNK_LZ4, 5, NULL }) == -EINVAL);
	CHECK(one((Z){ 0, 100, 10, 3, 5, NULL }) == -EINVAL);
	/* LZ4 starts at its slot's start; nothing crosses a slot */
	CHECK(one((Z){ K64, K64, 10, PROTO_ZCHUNK_LZ4, 5, NULL }) == 0);
	CHECK(one((Z){ K64 + 1, 100, 10, PROTO_ZCHUNK_LZ4, 5, NULL }) ==
	      -EINVAL);
	CHECK(one((Z){ K64 - 1, 2, 2, PROTO_ZCHUNK_RAW, 5, NULL }) == -EINVAL);
	CHECK(one((Z){ K64 - 1, 1, 1, PROTO_ZCHUNK_RAW, 5, NULL }) == 0);
	CHECK(one((Z){ 0, K64 + 1, 0, PROTO_ZCHUNK_ZERO, 0, NULL }) ==
	      -EINVAL);
	CHECK(one((Z){ 0, 0, 0, PROTO_ZCHUNK_ZERO, 0, NULL }) == -EINVAL);
	/* offsets stay within an off_t */
	CHECK(one((Z){ (uint64_t)INT64_MAX - K64 + 1 - K64, K64, 0,
		       PROTO_ZCHUNK_ZERO, 0, NULL }) == 0);
	CHECK(one((Z){ (uint64_t)INT64_MAX + 1, 1, 0, PROTO_ZCHUNK_ZERO, 0,
		       NULL }) == -EINVAL);
}

static void test_caps(void)
{
	static struct msg_zchunk arr[PROTO_ZCHUNKS_MAX + 1];
	static uint8_t buf[PROTO_ZCHUNKS_MAX * 32 + 64];
	struct msg_obj_zwrite w = { .object_id = 1, .z = { 0, arr, 0 } };
	struct msg_zchunks z = { 0, arr, 0 };
	uint32_t n;

	/* 64 whole zero chunks = PROTO_MAX_IO: a write; one more: not */
	for (n = 0; n < PROTO_ZCHUNKS_MAX + 1; n++)
		arr[n] = (struct msg_zchunk){ (uint64_t)n * K64, K64, 0,
					      PROTO_ZCHUNK_ZERO, 0, NULL };
	w.z.count = PROTO_MAX_IO / K64;
	CHECK(msg_obj_zwrite_encode(&w, buf, sizeof(buf)) > 0);
	w.z.count++;
	CHECK(msg_obj_zwrite_encode(&w, buf, sizeof(buf)) == -EMSGSIZE);
	/* ...but a read reply may span two chunks more */
	z.count = PROTO_ZREAD_SPAN_MAX / K64;
	CHECK(msg_zchunks_encode(&z, buf, sizeof(buf)) > 0);
	z.count++;
	CHECK(msg_zchunks_encode(&z, buf, sizeof(buf)) == -EMSGSIZE);
	/* count cap, with small chunks */
	for (n = 0; n < PROTO_ZCHUNKS_MAX + 1; n++)
		arr[n] = (struct msg_zchunk){ n, 1, 0, PROTO_ZCHUNK_ZERO, 0,
					      NULL };
	z.count = PROTO_ZCHUNKS_MAX;
	CHECK(msg_zchunks_encode(&z, buf, sizeof(buf)) > 0);
	z.count++;
	CHECK(msg_zchunks_encode(&z, buf, sizeof(buf)) == -EMSGSIZE);
	{
		/* the decoder refuses the count before walking it */
		uint8_t img[12] = { 0 };

		le32_store(img + 4, PROTO_ZCHUNKS_MAX + 1);
		CHECK(zreply_decode(img, sizeof(img)) == -EBADMSG);
		le32_store(img + 4, 0);
		CHECK(zreply_decode(img, 8) == 0);
		le32_store(img, 1); /* data_len 1 without entries */
		CHECK(zreply_decode(img, 9) == -EBADMSG);
	}
	/* a gap between entries */
	arr[0] = (struct msg_zchunk){ 0, 10, 0, PROTO_ZCHUNK_ZERO, 0, NULL };
	arr[1] = (struct msg_zchunk){ 11, 10, 0, PROTO_ZCHUNK_ZERO, 0, NULL };
	z.count = 2;
	CHECK(msg_zchunks_encode(&z, buf, sizeof(buf)) == -EINVAL);
	arr[1].off = 10;
	CHECK(msg_zchunks_encode(&z, buf, sizeof(buf)) > 0);
	arr[1].off = 9; /* overlap */
	CHECK(msg_zchunks_encode(&z, buf, sizeof(buf)) == -EINVAL);
	/* unknown write flags */
	w.z.count = 0;
	w.flags = 4;
	CHECK(msg_obj_zwrite_encode(&w, buf, sizeof(buf)) == -EINVAL);
	{
		uint8_t img[sizeof(golden_zwrite)];
		struct msg_obj_zwrite d;

		memcpy(img, golden_zwrite, sizeof(img));
		img[12] = 4;
		CHECK(zwrite_decode(img, sizeof(img), &d, NULL) == -EBADMSG);
		/* data_len that does not match the stored lengths */
		memcpy(img, golden_zwrite, sizeof(img));
		img[16] = 2;
		CHECK(zwrite_decode(img, sizeof(img), &d, NULL) == -EBADMSG);
	}
}

/* --- OBJ_READ_C reply head --- */

/* The head of a reply to a read of 2 * 64K bytes that found 0x10005: two
 * pieces, the second 5 bytes long. */
static const uint8_t golden_readc[] = {
	0x05, 0x00, 0x01, 0x00,				/* data_len 0x10005 */
	0x02, 0x00, 0x00, 0x00,				/* count 2 */
	0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* csum 0 */
	0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* csum 1 */
};

/* Bytes of a hand-built head with one piece more than the largest read. */
#define READC_IMG_MAX (8 + 8 * (PROTO_READC_CHUNKS_MAX + 1))

/* A head with room past its csum[]: a codec that lost a bound check and
 * runs one piece over writes or reads the spare instead of the stack, and
 * the CHECK on its result reports it. */
struct readc_box {
	struct msg_readc_head m;
	uint64_t spare[2];
};

/* 4 MiB of varied bytes, so that no two pieces have the same checksum. */
static uint8_t readc_data[PROTO_MAX_IO];

static void readc_data_init(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < sizeof(readc_data); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		readc_data[i] = (uint8_t)x;
	}
}

/* Write a head image by hand into buf (READC_IMG_MAX bytes): data_len,
 * count (<= PROTO_READC_CHUNKS_MAX + 1), then count made-up checksums.
 * Returns its length. */
static size_t readc_image(uint8_t *buf, uint32_t data_len, uint32_t count)
{
	le32_store(buf, data_len);
	le32_store(buf + 4, count);
	for (uint32_t i = 0; i < count; i++)
		le64_store(buf + 8 + 8 * i, 0x0101010101010101ull * (i + 1));
	return 8 + 8 * (size_t)count;
}

/* Decode img[0..len) as the head of a reply to req_len bytes, from an
 * exact copy (so that ASan sees a read past the end). A refusal that
 * consumed bytes is a failure. *used (may be NULL): bytes consumed. */
static int readc_decode(const uint8_t *img, size_t len, uint64_t req_len,
			struct msg_readc_head *m, size_t *used)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct cursor c;
	int rc;

	memcpy(copy, img, len);
	cursor_init(&c, copy, len);
	rc = msg_readc_head_decode(&c, req_len, m);
	if (used)
		*used = (size_t)(c.pos - copy);
	if (rc && c.pos != copy) {
		fprintf(stderr, "refused readc head consumed bytes\n");
		failures++;
	}
	free(copy);
	return rc;
}

static void test_readc_golden(void)
{
	struct msg_readc_head m = { .data_len = 0x10005, .count = 2,
				    .csum = { 0x1122334455667788ull,
					      0x0102030405060708ull } };
	struct msg_readc_head d;
	uint8_t buf[64];
	size_t used;

	CHECK(PROTO_READC_CHUNKS_MAX == 64);
	CHECK(PROTO_READC_HEAD_MAX == 8 + 8 * 64);
	CHECK(PROTO_READC_HEAD_LEN(2 * K64) == sizeof(golden_readc));
	CHECK(msg_readc_head_encode(&m, buf, sizeof(buf)) ==
	      (ssize_t)sizeof(golden_readc));
	CHECK(memcmp(buf, golden_readc, sizeof(golden_readc)) == 0);

	memset(&d, 0xa5, sizeof(d));
	CHECK(readc_decode(golden_readc, sizeof(golden_readc), 2 * K64, &d,
			   &used) == 0);
	CHECK(used == sizeof(golden_readc));
	CHECK(d.data_len == 0x10005 && d.count == 2 &&
	      d.csum[0] == 0x1122334455667788ull &&
	      d.csum[1] == 0x0102030405060708ull);
	/* Any request of two pieces that covers data_len has this head. */
	CHECK(readc_decode(golden_readc, sizeof(golden_readc), 0x10005, &d,
			   NULL) == 0);
	CHECK(readc_decode(golden_readc, sizeof(golden_readc), 0x10004, &d,
			   NULL) == -EBADMSG);
	CHECK(readc_decode(golden_readc, sizeof(golden_readc), K64, &d, NULL) ==
	      -EBADMSG);
	CHECK(readc_decode(golden_readc, sizeof(golden_readc), 2 * K64 + 1, &d,
			   NULL) == -EBADMSG);
}

/* Bytes of piece i of data_len bytes, from the table in msg_zio.h. */
static size_t readc_piece_len(uint32_t data_len, uint32_t i)
{
	size_t at = (size_t)i * K64;

	if (at >= data_len)
		return 0;
	return data_len - at < K64 ? data_len - at : K64;
}

/* msg_readc_sum, encode and decode for request lengths around a piece and
 * data lengths from none to all; checksums recomputed here piece by piece. */
static void test_readc_round_trip(void)
{
	static const uint32_t req_lens[] = { 1, K64 - 1, K64, K64 + 1,
					     PROTO_MAX_IO };
	static struct msg_readc_head m, d;
	static uint8_t buf[PROTO_READC_HEAD_MAX + 8];

	for (size_t r = 0; r < sizeof(req_lens) / sizeof(req_lens[0]); r++) {
		uint32_t req_len = req_lens[r];
		uint32_t data_lens[] = { 0, (req_len + 1) / 2, req_len - 1,
					 req_len };

		for (size_t j = 0; j < 4; j++) {
			uint32_t data_len = data_lens[j];
			size_t used;
			ssize_t n;

			memset(&m, 0xee, sizeof(m));
			m.count = (uint32_t)PROTO_READC_CHUNKS(req_len);
			m.data_len = data_len;
			msg_readc_sum(&m, readc_data);
			for (uint32_t i = 0; i < m.count; i++) {
				const uint8_t *p = readc_data + i * K64;
				size_t len = readc_piece_len(data_len, i);

				CHECK(m.csum[i] ==
				      (len ? frame_checksum(p, len) : 0));
			}

			n = msg_readc_head_encode(&m, buf, sizeof(buf));
			CHECK(n == (ssize_t)PROTO_READC_HEAD_LEN(req_len));
			if (n < 8)
				continue;
			CHECK(le32_load(buf) == data_len);
			CHECK(le32_load(buf + 4) == m.count);
			for (uint32_t i = 0; i < m.count; i++)
				CHECK(le64_load(buf + 8 + 8 * i) == m.csum[i]);

			memset(&d, 0x5a, sizeof(d));
			CHECK(readc_decode(buf, (size_t)n, req_len, &d,
					   &used) == 0);
			CHECK(used == (size_t)n);
			CHECK(d.data_len == data_len && d.count == m.count);
			CHECK(memcmp(d.csum, m.csum, 8 * (size_t)m.count) == 0);
			/* What follows the head (its data) is not consumed. */
			CHECK(readc_decode(buf, (size_t)n + 8, req_len, &d,
					   &used) == 0);
			CHECK(used == (size_t)n);
			CHECK(msg_readc_verify(&d, readc_data, NULL) == 0);
		}
	}
}

static void test_readc_decode_refusals(void)
{
	static const uint32_t req_lens[] = { 1, K64 - 1, K64, K64 + 1,
					     3 * K64 + 5, PROTO_MAX_IO };
	static uint8_t img[READC_IMG_MAX];
	struct readc_box b;
	size_t len;

	for (size_t r = 0; r < sizeof(req_lens) / sizeof(req_lens[0]); r++) {
		uint32_t req_len = req_lens[r];
		uint32_t n = (uint32_t)PROTO_READC_CHUNKS(req_len);

		/* cut short anywhere */
		len = readc_image(img, req_len, n);
		CHECK(readc_decode(img, len, req_len, &b.m, NULL) == 0);
		for (size_t k = 0; k < len; k++)
			CHECK(readc_decode(img, k, req_len, &b.m, NULL) ==
			      -EBADMSG);
		/* a piece more or less than the request has, with the
		 * bytes for the larger count there */
		len = readc_image(img, 0, n + 1);
		CHECK(readc_decode(img, len, req_len, &b.m, NULL) == -EBADMSG);
		readc_image(img, 0, n - 1);
		CHECK(readc_decode(img, len, req_len, &b.m, NULL) == -EBADMSG);
		/* more data than asked for, within the pieces' room or not */
		len = readc_image(img, req_len + 1, n);
		CHECK(readc_decode(img, len, req_len, &b.m, NULL) == -EBADMSG);
		len = readc_image(img, UINT32_MAX, n);
		CHECK(readc_decode(img, len, req_len, &b.m, NULL) == -EBADMSG);
	}

	/* A request over PROTO_MAX_IO, its head otherwise consistent. */
	len = readc_image(img, 0, PROTO_READC_CHUNKS_MAX + 1);
	CHECK(PROTO_READC_CHUNKS(PROTO_MAX_IO + 1) ==
	      PROTO_READC_CHUNKS_MAX + 1);
	CHECK(readc_decode(img, len, PROTO_MAX_IO + 1, &b.m, NULL) == -EBADMSG);
	/* A req_len whose piece count wraps around to 0 in 64 bits. */
	CHECK(PROTO_READC_CHUNKS(UINT64_MAX) == 0);
	len = readc_image(img, 0, 0);
	CHECK(readc_decode(img, len, UINT64_MAX, &b.m, NULL) == -EBADMSG);
	CHECK(readc_decode(img, len, (uint64_t)UINT32_MAX + 1, &b.m, NULL) ==
	      -EBADMSG);
}

static void test_readc_encode_refusals(void)
{
	static uint8_t buf[READC_IMG_MAX];
	struct readc_box b;

	memset(&b, 0, sizeof(b));
	b.m.count = PROTO_READC_CHUNKS_MAX;
	b.m.data_len = PROTO_MAX_IO;
	CHECK(msg_readc_head_encode(&b.m, buf, sizeof(buf)) ==
	      (ssize_t)PROTO_READC_HEAD_MAX);
	b.m.count++;
	CHECK(msg_readc_head_encode(&b.m, buf, sizeof(buf)) == -EINVAL);
	b.m.count = UINT32_MAX;
	CHECK(msg_readc_head_encode(&b.m, buf, sizeof(buf)) == -EINVAL);

	/* data_len beyond count pieces */
	b.m.count = 2;
	b.m.data_len = 2 * K64;
	CHECK(msg_readc_head_encode(&b.m, buf, sizeof(buf)) == 24);
	b.m.data_len++;
	CHECK(msg_readc_head_encode(&b.m, buf, sizeof(buf)) == -EINVAL);
	b.m.count = 0;
	b.m.data_len = 0;
	CHECK(msg_readc_head_encode(&b.m, buf, sizeof(buf)) == 8);
	b.m.data_len = 1;
	CHECK(msg_readc_head_encode(&b.m, buf, sizeof(buf)) == -EINVAL);

	/* a buffer short by any number of bytes: refused, nothing written
	 * past its end */
	b.m.count = 3;
	b.m.data_len = 2 * K64 + 1;
	for (size_t k = 0; k < 32; k++) {
		memset(buf, 0xcc, sizeof(buf));
		CHECK(msg_readc_head_encode(&b.m, buf, k) == -EMSGSIZE);
		CHECK(buf[k] == 0xcc);
	}
	CHECK(msg_readc_head_encode(&b.m, buf, 32) == 32);
}

static void test_readc_sum_verify(void)
{
	static struct msg_readc_head m;
	const uint32_t part_len = 2 * K64 + 100;
	uint8_t *part;
	uint32_t bad;

	/* A full read: a byte flipped anywhere in piece k is found in k. */
	memset(&m, 0, sizeof(m));
	m.count = PROTO_READC_CHUNKS_MAX;
	m.data_len = PROTO_MAX_IO;
	msg_readc_sum(&m, readc_data);
	bad = 12345;
	CHECK(msg_readc_verify(&m, readc_data, &bad) == 0 && bad == 12345);
	for (uint32_t k = 0; k < m.count; k++) {
		size_t at = (size_t)k * K64 +
			    (k % 3 == 0 ? 0 : k % 3 == 1 ? K64 - 1 : k * 7);

		readc_data[at] ^= 0x40;
		bad = UINT32_MAX;
		CHECK(msg_readc_verify(&m, readc_data, &bad) == -EIO &&
		      bad == k);
		CHECK(msg_readc_verify(&m, readc_data, NULL) == -EIO);
		readc_data[at] ^= 0x40;
	}
	CHECK(msg_readc_verify(&m, readc_data, &bad) == 0);
	/* a wrong checksum is found like wrong data; the first bad piece is
	 * the one named */
	m.csum[40] ^= 1;
	readc_data[7 * K64 + 3] ^= 1;
	CHECK(msg_readc_verify(&m, readc_data, &bad) == -EIO && bad == 7);
	readc_data[7 * K64 + 3] ^= 1;
	CHECK(msg_readc_verify(&m, readc_data, &bad) == -EIO && bad == 40);
	m.csum[40] ^= 1;

	/* data_len ending mid-piece, in a buffer of exactly data_len bytes:
	 * the last piece's checksum covers the bytes present only, pieces
	 * past data_len have none and are not checked */
	part = malloc(part_len);
	memcpy(part, readc_data, part_len);
	memset(&m, 0, sizeof(m));
	m.count = 4;
	m.data_len = part_len;
	m.csum[3] = 77;
	msg_readc_sum(&m, part);
	CHECK(m.csum[2] == frame_checksum(part + 2 * K64, 100));
	CHECK(m.csum[2] != frame_checksum(readc_data + 2 * K64, K64));
	CHECK(m.csum[3] == 0);
	CHECK(msg_readc_verify(&m, part, &bad) == 0);
	/* bytes after data_len are not looked at */
	readc_data[part_len] ^= 0xff;
	CHECK(msg_readc_verify(&m, readc_data, &bad) == 0);
	readc_data[part_len] ^= 0xff;
	/* ...but the last one present is */
	part[part_len - 1] ^= 1;
	CHECK(msg_readc_verify(&m, part, &bad) == -EIO && bad == 2);
	part[part_len - 1] ^= 1;
	m.csum[3] = 0xdeadbeef;
	CHECK(msg_readc_verify(&m, part, &bad) == 0);
	/* nothing to check without data */
	m.data_len = 0;
	m.csum[0] ^= 1;
	CHECK(msg_readc_verify(&m, part, &bad) == 0);
	free(part);
}

/* --- OBJ_READ_L reply --- */

/* The reply to a read of 2 * 64K bytes that found 0x10005 in the data file
 * /ost0/1.dat: golden_readc's head, then the path. */
static const uint8_t golden_readl[] = {
	0x05, 0x00, 0x01, 0x00,				/* data_len 0x10005 */
	0x02, 0x00, 0x00, 0x00,				/* count 2 */
	0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* csum 0 */
	0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* csum 1 */
	0x0b, 0x00,					/* path_len 11 */
	'/', 'o', 's', 't', '0', '/', '1', '.', 'd', 'a', 't', /* path */
};

#define READL_PATH_AT 26 /* offset of golden_readl's path */

/* Bytes of a hand-built reply: the largest head with a piece to spare, a
 * path of up to UINT16_MAX bytes, and one byte after it. */
#define READL_IMG_MAX (READC_IMG_MAX + 2 + UINT16_MAX + 1)

/* Write a reply image by hand into buf (READL_IMG_MAX bytes): the head as
 * readc_image, then path_len and path_len bytes of path (NULL: '/', then
 * 'p's). Returns its length. */
static size_t readl_image(uint8_t *buf, uint32_t data_len, uint32_t count,
			  const char *path, uint16_t path_len)
{
	size_t len = readc_image(buf, data_len, count);

	le16_store(buf + len, path_len);
	len += 2;
	if (path) {
		memcpy(buf + len, path, path_len);
	} else if (path_len) {
		buf[len] = '/';
		memset(buf + len + 1, 'p', path_len - 1u);
	}
	return len + path_len;
}

/* Decode img[0..len) as a reply to req_len bytes, from an exact copy (so
 * that ASan sees a read past the end). A refusal that consumed bytes is a
 * failure, so is a path that does not point into the copy. On success
 * m->path is moved to the same place in img, which outlives the copy.
 * *used (may be NULL): bytes consumed. */
static int readl_decode(const uint8_t *img, size_t len, uint64_t req_len,
			struct msg_readl *m, size_t *used)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct cursor c;
	int rc;

	memcpy(copy, img, len);
	cursor_init(&c, copy, len);
	rc = msg_readl_decode(&c, req_len, m);
	if (used)
		*used = (size_t)(c.pos - copy);
	if (rc && c.pos != copy) {
		fprintf(stderr, "refused readl reply consumed bytes\n");
		failures++;
	}
	if (!rc) {
		const uint8_t *p = (const uint8_t *)m->path;

		CHECK(p >= copy && p + m->path_len <= copy + len);
		m->path = (const char *)img + (p - copy);
	}
	free(copy);
	return rc;
}

static void test_readl_golden(void)
{
	struct msg_readl m = {
		.head = { .data_len = 0x10005, .count = 2,
			  .csum = { 0x1122334455667788ull,
				    0x0102030405060708ull } },
		.path = "/ost0/1.dat",
		.path_len = 11,
	};
	static uint8_t buf[READL_IMG_MAX];
	static struct msg_readl d;
	size_t used, len;
	ssize_t n;

	CHECK(PROTO_LOCAL_PATH_MAX == 4095);
	CHECK(sizeof(golden_readl) == PROTO_READC_HEAD_LEN(2 * K64) + 2 + 11);
	CHECK(memcmp(golden_readl, golden_readc, sizeof(golden_readc)) == 0);
	CHECK(msg_readl_encode(&m, buf, sizeof(buf)) ==
	      (ssize_t)sizeof(golden_readl));
	CHECK(memcmp(buf, golden_readl, sizeof(golden_readl)) == 0);

	memset(&d, 0xa5, sizeof(d));
	CHECK(readl_decode(golden_readl, sizeof(golden_readl), 2 * K64, &d,
			   &used) == 0);
	CHECK(used == sizeof(golden_readl));
	CHECK(d.head.data_len == 0x10005 && d.head.count == 2 &&
	      d.head.csum[0] == 0x1122334455667788ull &&
	      d.head.csum[1] == 0x0102030405060708ull);
	CHECK(d.path_len == 11 && memcmp(d.path, "/ost0/1.dat", 11) == 0);
	/* borrowed from the reply, not copied */
	CHECK(d.path == (const char *)golden_readl + READL_PATH_AT);

	/* Past the end: no data, no path (a NULL one is fine to encode). */
	memset(&m, 0, sizeof(m));
	m.head.count = 1;
	n = msg_readl_encode(&m, buf, sizeof(buf));
	CHECK(n == 8 + 8 + 2);
	CHECK(le32_load(buf) == 0 && le32_load(buf + 4) == 1 &&
	      le64_load(buf + 8) == 0 && le16_load(buf + 16) == 0);
	memset(&d, 0xa5, sizeof(d));
	CHECK(readl_decode(buf, 18, K64, &d, &used) == 0);
	CHECK(used == 18 && d.head.data_len == 0 && d.head.count == 1 &&
	      d.path_len == 0);

	/* The largest reply: every piece, a path of PROTO_LOCAL_PATH_MAX
	 * bytes, into a buffer of exactly its size. */
	len = readl_image(buf, PROTO_MAX_IO, PROTO_READC_CHUNKS_MAX, NULL,
			  PROTO_LOCAL_PATH_MAX);
	CHECK(len == PROTO_READC_HEAD_MAX + 2 + PROTO_LOCAL_PATH_MAX);
	memset(&d, 0xa5, sizeof(d));
	CHECK(readl_decode(buf, len, PROTO_MAX_IO, &d, &used) == 0);
	CHECK(used == len && d.path_len == PROTO_LOCAL_PATH_MAX);
	{
		uint8_t *out = malloc(len);

		CHECK(msg_readl_encode(&d, out, len) == (ssize_t)len);
		CHECK(memcmp(out, buf, len) == 0);
		free(out);
	}
	/* A path of one byte, "/", is absolute. */
	len = readl_image(buf, 1, 1, "/", 1);
	CHECK(readl_decode(buf, len, 1, &d, NULL) == 0 && d.path_len == 1);
}

static void test_readl_decode_refusals(void)
{
	static uint8_t img[READL_IMG_MAX];
	static struct msg_readl d;
	size_t len;

	/* cut short anywhere, the head included */
	for (size_t k = 0; k < sizeof(golden_readl); k++)
		CHECK(readl_decode(golden_readl, k, 2 * K64, &d, NULL) ==
		      -EBADMSG);
	len = readl_image(img, 0, 1, NULL, 0);
	for (size_t k = 0; k < len; k++)
		CHECK(readl_decode(img, k, K64, &d, NULL) == -EBADMSG);

	/* a byte after the path, or after an empty one */
	memcpy(img, golden_readl, sizeof(golden_readl));
	img[sizeof(golden_readl)] = 0;
	CHECK(readl_decode(img, sizeof(golden_readl) + 1, 2 * K64, &d, NULL) ==
	      -EBADMSG);
	img[sizeof(golden_readl)] = 't';
	CHECK(readl_decode(img, sizeof(golden_readl) + 1, 2 * K64, &d, NULL) ==
	      -EBADMSG);
	len = readl_image(img, 0, 1, NULL, 0);
	CHECK(readl_decode(img, len, K64, &d, NULL) == 0);
	img[len] = 0;
	CHECK(readl_decode(img, len + 1, K64, &d, NULL) == -EBADMSG);

	/* a path without data, data without a path */
	len = readl_image(img, 0, 2, "/ost0/1.dat", 11);
	CHECK(readl_decode(img, len, 2 * K64, &d, NULL) == -EBADMSG);
	len = readl_image(img, 0x10005, 2, NULL, 0);
	CHECK(readl_decode(img, len, 2 * K64, &d, NULL) == -EBADMSG);
	len = readl_image(img, 1, 1, NULL, 0);
	CHECK(readl_decode(img, len, 1, &d, NULL) == -EBADMSG);

	/* a relative path */
	len = readl_image(img, 0x10005, 2, "ost0/1.dat", 10);
	CHECK(readl_decode(img, len, 2 * K64, &d, NULL) == -EBADMSG);
	len = readl_image(img, 0x10005, 2, "./ost0/1.dat", 12);
	CHECK(readl_decode(img, len, 2 * K64, &d, NULL) == -EBADMSG);

	/* a NUL anywhere in the path */
	for (size_t i = 0; i < 11; i++) {
		memcpy(img, golden_readl, sizeof(golden_readl));
		img[READL_PATH_AT + i] = 0;
		CHECK(readl_decode(img, sizeof(golden_readl), 2 * K64, &d,
				   NULL) == -EBADMSG);
	}

	/* a path over PROTO_LOCAL_PATH_MAX, its bytes present */
	len = readl_image(img, 1, 1, NULL, PROTO_LOCAL_PATH_MAX);
	CHECK(readl_decode(img, len, 1, &d, NULL) == 0);
	len = readl_image(img, 1, 1, NULL, PROTO_LOCAL_PATH_MAX + 1);
	CHECK(readl_decode(img, len, 1, &d, NULL) == -EBADMSG);
	len = readl_image(img, 1, 1, NULL, UINT16_MAX);
	CHECK(readl_decode(img, len, 1, &d, NULL) == -EBADMSG);
	/* path_len says more bytes than there are */
	len = readl_image(img, 0x10005, 2, "/ost0/1.dat", 11);
	le16_store(img + READL_PATH_AT - 2, 12);
	CHECK(readl_decode(img, len, 2 * K64, &d, NULL) == -EBADMSG);

	/* a count that is not the request's, with the bytes for it there */
	len = readl_image(img, 0x10005, 3, "/ost0/1.dat", 11);
	CHECK(readl_decode(img, len, 2 * K64, &d, NULL) == -EBADMSG);
	len = readl_image(img, 0x10005, 1, "/ost0/1.dat", 11);
	CHECK(readl_decode(img, len, 2 * K64, &d, NULL) == -EBADMSG);
	len = readl_image(img, 0, 0, NULL, 0);
	CHECK(readl_decode(img, len, K64, &d, NULL) == -EBADMSG);
	/* golden_readl against requests it does not answer: fewer or more
	 * pieces, less than data_len, over PROTO_MAX_IO */
	CHECK(readl_decode(golden_readl, sizeof(golden_readl), K64, &d, NULL) ==
	      -EBADMSG);
	CHECK(readl_decode(golden_readl, sizeof(golden_readl), 2 * K64 + 1, &d,
			   NULL) == -EBADMSG);
	CHECK(readl_decode(golden_readl, sizeof(golden_readl), 0x10004, &d,
			   NULL) == -EBADMSG);
	len = readl_image(img, 1, PROTO_READC_CHUNKS_MAX + 1, "/a", 2);
	CHECK(readl_decode(img, len, PROTO_MAX_IO + 1, &d, NULL) == -EBADMSG);
}

static void test_readl_encode_refusals(void)
{
	static uint8_t buf[READL_IMG_MAX];
	static char long_path[PROTO_LOCAL_PATH_MAX + 1];
	struct msg_readl m = {
		.head = { .data_len = 0x10005, .count = 2 },
		.path = "/ost0/1.dat",
		.path_len = 11,
	};
	char nul_path[11];

	CHECK(msg_readl_encode(&m, buf, sizeof(buf)) ==
	      (ssize_t)sizeof(golden_readl));

	/* data without a path, a path without data */
	m.path = NULL;
	m.path_len = 0;
	CHECK(msg_readl_encode(&m, buf, sizeof(buf)) == -EINVAL);
	m.path = "";
	CHECK(msg_readl_encode(&m, buf, sizeof(buf)) == -EINVAL);
	m.path = "/ost0/1.dat";
	m.path_len = 11;
	m.head.data_len = 0;
	CHECK(msg_readl_encode(&m, buf, sizeof(buf)) == -EINVAL);
	m.head.data_len = 0x10005;

	/* relative */
	m.path = "ost0/1.dat";
	m.path_len = 10;
	CHECK(msg_readl_encode(&m, buf, sizeof(buf)) == -EINVAL);

	/* a NUL anywhere, the end included */
	m.path = nul_path;
	m.path_len = sizeof(nul_path);
	for (size_t i = 0; i < sizeof(nul_path); i++) {
		memcpy(nul_path, "/ost0/1.dat", sizeof(nul_path));
		nul_path[i] = '\0';
		CHECK(msg_readl_encode(&m, buf, sizeof(buf)) == -EINVAL);
	}

	/* longer than PROTO_LOCAL_PATH_MAX */
	long_path[0] = '/';
	memset(long_path + 1, 'p', sizeof(long_path) - 1);
	m.path = long_path;
	m.path_len = PROTO_LOCAL_PATH_MAX;
	CHECK(msg_readl_encode(&m, buf, sizeof(buf)) ==
	      (ssize_t)(24 + 2 + PROTO_LOCAL_PATH_MAX));
	m.path_len = PROTO_LOCAL_PATH_MAX + 1;
	CHECK(msg_readl_encode(&m, buf, sizeof(buf)) == -EINVAL);

	/* a bad head: a count over the largest read, data_len beyond the
	 * pieces */
	m.path = "/ost0/1.dat";
	m.path_len = 11;
	m.head.count = PROTO_READC_CHUNKS_MAX + 1;
	CHECK(msg_readl_encode(&m, buf, sizeof(buf)) == -EINVAL);
	m.head.count = 1;
	CHECK(msg_readl_encode(&m, buf, sizeof(buf)) == -EINVAL);
	m.head.count = 2;

	/* a buffer short by any number of bytes: refused, nothing written
	 * past its end */
	for (size_t k = 0; k < sizeof(golden_readl); k++) {
		memset(buf, 0xcc, sizeof(buf));
		CHECK(msg_readl_encode(&m, buf, k) == -EMSGSIZE);
		CHECK(buf[k] == 0xcc);
	}
	CHECK(msg_readl_encode(&m, buf, sizeof(golden_readl)) ==
	      (ssize_t)sizeof(golden_readl));
	/* ...the same for an empty path */
	m.head.data_len = 0;
	m.path = NULL;
	m.path_len = 0;
	for (size_t k = 0; k < 26; k++) {
		memset(buf, 0xcc, sizeof(buf));
		CHECK(msg_readl_encode(&m, buf, k) == -EMSGSIZE);
		CHECK(buf[k] == 0xcc);
	}
	CHECK(msg_readl_encode(&m, buf, 26) == 26);
}

int main(void)
{
	readc_data_init();
	test_golden();
	test_rules();
	test_caps();
	test_readc_golden();
	test_readc_round_trip();
	test_readc_decode_refusals();
	test_readc_encode_refusals();
	test_readc_sum_verify();
	test_readl_golden();
	test_readl_decode_refusals();
	test_readl_encode_refusals();
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	return 0;
}
