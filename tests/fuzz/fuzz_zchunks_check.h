/*
 * fuzz_zchunks_check.h - the properties of a decoded zchunks group
 * (proto/msg_zio.h), shared by fuzz_obj_zwrite.c and fuzz_zchunks.c.
 * Test code: aborts through FUZZ_CHECK.
 */
#ifndef GLINT_TESTS_FUZZ_ZCHUNKS_CHECK_H
#define GLINT_TESTS_FUZZ_ZCHUNKS_CHECK_H

#include <stdint.h>
#include <string.h>

#include "proto/msg_zio.h"
#include "tests/fuzz/fuzz_check.h"

/* Every rule msg_zio.h promises for a group of at most max_span bytes
 * decoded from in[0..size). */
static inline void fuzz_zchunks_check(const struct msg_zchunks *z,
				      uint64_t max_span, const uint8_t *in,
				      size_t size)
{
	uint64_t span = 0;

	FUZZ_CHECK(z->count <= PROTO_ZCHUNKS_MAX);
	for (uint32_t i = 0; i < z->count; i++) {
		const struct msg_zchunk *e = &z->chunks[i];

		FUZZ_CHECK(e->raw_len >= 1 && e->raw_len <= PROTO_ZCHUNK_SIZE);
		FUZZ_CHECK(e->off <= (uint64_t)INT64_MAX - e->raw_len);
		FUZZ_CHECK(e->off / PROTO_ZCHUNK_SIZE ==
			   (e->off + e->raw_len - 1) / PROTO_ZCHUNK_SIZE);
		if (i)
			FUZZ_CHECK(e->off == z->chunks[i - 1].off +
						     z->chunks[i - 1].raw_len);
		switch (e->kind) {
		case PROTO_ZCHUNK_ZERO:
			FUZZ_CHECK(e->stored_len == 0 && e->csum == 0 &&
				   e->data == NULL);
			break;
		case PROTO_ZCHUNK_RAW:
			FUZZ_CHECK(e->stored_len == e->raw_len);
			break;
		case PROTO_ZCHUNK_LZ4:
			FUZZ_CHECK(e->off % PROTO_ZCHUNK_SIZE == 0);
			FUZZ_CHECK(e->stored_len && e->stored_len < e->raw_len);
			break;
		default:
			FUZZ_CHECK(0);
		}
		if (e->stored_len)
			FUZZ_CHECK(e->data >= in && e->data + e->stored_len <=
							   in + size);
		span += e->raw_len;
	}
	FUZZ_CHECK(span <= max_span && span == msg_zchunks_span(z));
}

static inline void fuzz_zchunks_same(const struct msg_zchunks *a,
				     const struct msg_zchunks *b)
{
	FUZZ_CHECK(a->count == b->count);
	for (uint32_t i = 0; i < a->count; i++) {
		const struct msg_zchunk *x = &a->chunks[i], *y = &b->chunks[i];

		FUZZ_CHECK(x->off == y->off && x->raw_len == y->raw_len &&
			   x->stored_len == y->stored_len &&
			   x->kind == y->kind && x->csum == y->csum);
		FUZZ_CHECK(!x->stored_len ||
			   memcmp(x->data, y->data, x->stored_len) == 0);
	}
}

#endif /* GLINT_TESTS_FUZZ_ZCHUNKS_CHECK_H */
