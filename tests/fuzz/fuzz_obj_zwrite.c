/*
 * fuzz_obj_zwrite.c - libFuzzer target for msg_obj_zwrite_decode()
 * (msg_zio.h), the OBJ_WRITE_Z request a client sends an OSS.
 *
 * On every input that decodes: the rules of a zchunks group hold (count
 * and span caps, contiguous entries inside one chunk slot each, per-kind
 * lengths, data pointers inside the input), the re-encoding into exactly
 * msg_obj_zwrite_encoded_len() bytes gives back the bytes consumed, and
 * decoding it, whole, gives the same request. Failures are -EBADMSG.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/msg.h"
#include "proto/msg_zio.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_zchunks_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct msg_zchunk ca[PROTO_ZCHUNKS_MAX], cb[PROTO_ZCHUNKS_MAX];
	struct msg_obj_zwrite a = { .z = { .chunks = ca,
					   .cap = PROTO_ZCHUNKS_MAX } };
	struct msg_obj_zwrite b = { .z = { .chunks = cb,
					   .cap = PROTO_ZCHUNKS_MAX } };
	struct cursor c;
	uint8_t *buf;
	size_t used, len;
	int rc;

	cursor_init(&c, data, size);
	rc = msg_obj_zwrite_decode(&c, &a);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc) {
		FUZZ_CHECK(c.pos == data);
		return 0;
	}
	used = (size_t)(c.pos - data);
	FUZZ_CHECK(used >= proto_op_lookup(PROTO_OP_OBJ_WRITE_Z)->min_len);
	FUZZ_CHECK((a.flags & ~(PROTO_OBJ_LZ4 | PROTO_OBJ_SYNC)) == 0);
	fuzz_zchunks_check(&a.z, PROTO_MAX_IO, data, size);

	len = msg_obj_zwrite_encoded_len(&a);
	FUZZ_CHECK(len == used);
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK(msg_obj_zwrite_encode(&a, buf, len) == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);
	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_obj_zwrite_decode(&c, &b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	FUZZ_CHECK(a.object_id == b.object_id && a.stripe_idx == b.stripe_idx &&
		   a.flags == b.flags);
	fuzz_zchunks_same(&a.z, &b.z);
	free(buf);
	return 0;
}
