/*
 * fuzz_obj_req.c - libFuzzer target for msg_obj_req_decode() (msg_fs.h).
 *
 * The first two bytes of the input (little-endian) pick the opcode; the
 * rest is the payload. On every input that decodes: the caps hold (READ
 * length and WRITE data <= PROTO_MAX_IO, off + len within an off_t), the
 * re-encoding into exactly msg_obj_req_encoded_len() bytes gives back the
 * bytes consumed, and decoding it, whole, gives the same request. Inputs
 * that fail must fail with -EBADMSG; an opcode outside 48..55 always fails.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/msg.h"
#include "proto/msg_fs.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_obj_req a, b;
	struct cursor c;
	uint16_t op;
	uint8_t *buf;
	size_t used, len;
	ssize_t n;
	int rc;

	if (size < 2)
		return 0;
	op = le16_load(data);
	data += 2;
	size -= 2;

	cursor_init(&c, data, size);
	rc = msg_obj_req_decode(op, &c, &a);
	used = (size_t)(c.pos - data);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc)
		return 0;
	FUZZ_CHECK(op >= PROTO_OP_OBJ_READ && op <= PROTO_OP_OBJ_LIST);
	if (op == PROTO_OP_OBJ_LIST)
		FUZZ_CHECK(a.max <= PROTO_OBJ_LIST_MAX);
	FUZZ_CHECK(used <= size);
	FUZZ_CHECK(used >= proto_op_lookup(op)->min_len);
	FUZZ_CHECK(a.data.len <= PROTO_MAX_IO);
	if (op == PROTO_OP_OBJ_READ)
		FUZZ_CHECK(a.len <= PROTO_MAX_IO);
	FUZZ_CHECK(a.off <= (uint64_t)INT64_MAX &&
		   a.len <= (uint64_t)INT64_MAX - a.off);
	FUZZ_CHECK(a.data.len <= (uint64_t)INT64_MAX - a.off);

	len = msg_obj_req_encoded_len(op, &a);
	FUZZ_CHECK(len == used);
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	n = msg_obj_req_encode(op, &a, buf, len);
	FUZZ_CHECK(n == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);

	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_obj_req_decode(op, &c, &b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	FUZZ_CHECK(a.object_id == b.object_id && a.stripe_idx == b.stripe_idx);
	FUZZ_CHECK(a.off == b.off && a.len == b.len && a.size == b.size);
	FUZZ_CHECK(a.flags == b.flags && a.data.len == b.data.len);
	FUZZ_CHECK(a.max == b.max);
	FUZZ_CHECK(!a.data.len ||
		   memcmp(a.data.p, b.data.p, a.data.len) == 0);
	free(buf);
	return 0;
}
