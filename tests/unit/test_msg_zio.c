/*
 * test_msg_zio.c - unit tests of proto/msg_zio.c: the golden byte images
 * of OBJ_WRITE_Z and an OBJ_READ_Z reply (transcribed from the tables in
 * msg_zio.h), round trips, every truncation, and each rule of a zchunks
 * group refused on both sides (encoders -EINVAL/-EMSGSIZE, decoders
 * -EBADMSG without consuming anything): per-kind lengths, slot crossing,
 * gaps, unaligned LZ4, caps on count and span, unknown flags.
 */
#include "proto/msg_zio.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"

static int failures;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			failures++;                                            \
		}                                                              \
	} while (0)

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

int main(void)
{
	test_golden();
	test_rules();
	test_caps();
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	return 0;
}
