/*
 * fuzz_md_req.c - libFuzzer target for msg_md_req_decode() (msg_fs.h).
 *
 * The first two bytes of the input (little-endian) pick the opcode, so
 * every metadata opcode and every other number get fuzzed; the rest is the
 * payload. Properties checked on every input that decodes:
 *   - the caps hold (groups, stripes of a layout request: none);
 *   - the encoding is canonical: re-encoding the decoded struct into a
 *     buffer of exactly msg_md_req_encoded_len() bytes succeeds and gives
 *     back the bytes the decoder consumed;
 *   - decoding that re-encoding consumes all of it and gives the same
 *     struct (names and values compared by content).
 * Inputs that fail must fail with -EBADMSG; an opcode outside 16..36
 * always fails.
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

static struct msg_md_req req_a, req_b;

static int bytes_same(const struct msg_bytes *a, const struct msg_bytes *b)
{
	return a->len == b->len && (!a->len || memcmp(a->p, b->p, a->len) == 0);
}

static void check_same(const struct msg_md_req *a, const struct msg_md_req *b)
{
	FUZZ_CHECK(a->cred.uid == b->cred.uid && a->cred.gid == b->cred.gid);
	FUZZ_CHECK(a->cred.ngroups == b->cred.ngroups);
	FUZZ_CHECK(memcmp(a->cred.groups, b->cred.groups,
			  4 * (size_t)a->cred.ngroups) == 0);
	FUZZ_CHECK(a->ino == b->ino && a->ino2 == b->ino2);
	FUZZ_CHECK(bytes_same(&a->name, &b->name));
	FUZZ_CHECK(bytes_same(&a->name2, &b->name2));
	FUZZ_CHECK(bytes_same(&a->value, &b->value));
	FUZZ_CHECK(a->mode == b->mode && a->flags == b->flags);
	FUZZ_CHECK(a->valid == b->valid);
	FUZZ_CHECK(a->uid == b->uid && a->gid == b->gid);
	FUZZ_CHECK(a->size == b->size && a->rdev == b->rdev);
	FUZZ_CHECK(a->atime.sec == b->atime.sec &&
		   a->atime.nsec == b->atime.nsec);
	FUZZ_CHECK(a->mtime.sec == b->mtime.sec &&
		   a->mtime.nsec == b->mtime.nsec);
	FUZZ_CHECK(a->cookie == b->cookie && a->max_bytes == b->max_bytes);
	FUZZ_CHECK(a->layout.stripe_size == b->layout.stripe_size);
	FUZZ_CHECK(a->layout.stripe_count == b->layout.stripe_count);
	FUZZ_CHECK(a->layout.first_ost == b->layout.first_ost);
	FUZZ_CHECK(a->layout.pattern == b->layout.pattern);
	FUZZ_CHECK(a->layout.gen == b->layout.gen);
	FUZZ_CHECK(a->layout.nstripes == 0 && b->layout.nstripes == 0);
	FUZZ_CHECK(a->lk_owner == b->lk_owner && a->lk_pid == b->lk_pid);
	FUZZ_CHECK(a->lk_kind == b->lk_kind && a->lk_cmd == b->lk_cmd &&
		   a->lk_type == b->lk_type);
	FUZZ_CHECK(a->lk_start == b->lk_start && a->lk_end == b->lk_end);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
	rc = msg_md_req_decode(op, &c, &req_a);
	used = (size_t)(c.pos - data);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc)
		return 0;
	FUZZ_CHECK(op >= PROTO_OP_LOOKUP && op <= PROTO_OP_LOCK);
	FUZZ_CHECK(used <= size);
	FUZZ_CHECK(used >= proto_op_lookup(op)->min_len);
	FUZZ_CHECK(req_a.cred.ngroups <= PROTO_MAX_GROUPS);

	len = msg_md_req_encoded_len(op, &req_a);
	FUZZ_CHECK(len == used);
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	n = msg_md_req_encode(op, &req_a, buf, len);
	FUZZ_CHECK(n == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);

	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_md_req_decode(op, &c, &req_b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	check_same(&req_a, &req_b);
	free(buf);
	return 0;
}
