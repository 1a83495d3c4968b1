/*
 * fuzz_layout.c - libFuzzer target for msg_layout_decode() (msg_fs.h), the
 * GETSTRIPE reply and the tail of every entry.
 *
 * On every input that decodes: at most PROTO_MAX_STRIPES stripes, a stripe
 * count of -1..PROTO_MAX_STRIPES, first_ost >= -1, no unknown pattern bit
 * and not LZ4 with NOCOMPR; the re-encoding into exactly msg_layout_encoded_len() bytes gives back
 * the bytes consumed; decoding it, whole, gives the same layout. Inputs
 * that fail must fail with -EBADMSG.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/msg_fs.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct msg_layout lay_a, lay_b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c;
	uint8_t *buf;
	size_t used, len;
	ssize_t n;
	int rc;

	cursor_init(&c, data, size);
	rc = msg_layout_decode(&c, &lay_a);
	used = (size_t)(c.pos - data);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc)
		return 0;
	FUZZ_CHECK(used <= size);
	FUZZ_CHECK(lay_a.nstripes <= PROTO_MAX_STRIPES);
	FUZZ_CHECK(lay_a.stripe_count >= -1 &&
		   lay_a.stripe_count <= PROTO_MAX_STRIPES);
	FUZZ_CHECK(lay_a.first_ost >= -1);
	FUZZ_CHECK((lay_a.pattern & ~PROTO_PATTERN_KNOWN) == 0);
	FUZZ_CHECK((lay_a.pattern & PROTO_PATTERN_KNOWN) != PROTO_PATTERN_KNOWN);

	len = msg_layout_encoded_len(&lay_a);
	FUZZ_CHECK(len == used);
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	n = msg_layout_encode(&lay_a, buf, len);
	FUZZ_CHECK(n == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);

	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_layout_decode(&c, &lay_b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	FUZZ_CHECK(lay_a.stripe_size == lay_b.stripe_size);
	FUZZ_CHECK(lay_a.stripe_count == lay_b.stripe_count);
	FUZZ_CHECK(lay_a.first_ost == lay_b.first_ost);
	FUZZ_CHECK(lay_a.pattern == lay_b.pattern && lay_a.gen == lay_b.gen);
	FUZZ_CHECK(lay_a.nstripes == lay_b.nstripes);
	for (uint32_t i = 0; i < lay_a.nstripes; i++) {
		FUZZ_CHECK(lay_a.stripes[i].ost_idx == lay_b.stripes[i].ost_idx);
		FUZZ_CHECK(lay_a.stripes[i].object_id ==
			   lay_b.stripes[i].object_id);
	}
	free(buf);
	return 0;
}
