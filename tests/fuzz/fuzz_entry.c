/*
 * fuzz_entry.c - libFuzzer target for msg_entry_decode() (msg_fs.h), the
 * reply of most metadata operations: attr then layout.
 *
 * On every input that decodes: at most PROTO_MAX_STRIPES stripes, and none
 * unless the mode is a regular file; the re-encoding into exactly
 * msg_entry_encoded_len() bytes gives back the bytes consumed; decoding it,
 * whole, gives the same entry. Inputs that fail must fail with -EBADMSG.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proto/codec.h"
#include "proto/msg_fs.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct msg_entry ent_a, ent_b;

static void check_time(const struct msg_time *a, const struct msg_time *b)
{
	FUZZ_CHECK(a->nsec < 1000000000u);
	FUZZ_CHECK(a->sec == b->sec && a->nsec == b->nsec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct msg_attr *x = &ent_a.attr, *y = &ent_b.attr;
	struct cursor c;
	uint8_t *buf;
	size_t used, len;
	ssize_t n;
	int rc;

	cursor_init(&c, data, size);
	rc = msg_entry_decode(&c, &ent_a);
	used = (size_t)(c.pos - data);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc)
		return 0;
	FUZZ_CHECK(used <= size);
	FUZZ_CHECK(ent_a.layout.nstripes <= PROTO_MAX_STRIPES);
	FUZZ_CHECK(!ent_a.layout.nstripes || S_ISREG(ent_a.attr.mode));

	len = msg_entry_encoded_len(&ent_a);
	FUZZ_CHECK(len == used);
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	n = msg_entry_encode(&ent_a, buf, len);
	FUZZ_CHECK(n == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);

	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_entry_decode(&c, &ent_b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	FUZZ_CHECK(x->ino == y->ino && x->mode == y->mode);
	FUZZ_CHECK(x->uid == y->uid && x->gid == y->gid);
	FUZZ_CHECK(x->nlink == y->nlink && x->gen == y->gen);
	FUZZ_CHECK(x->size == y->size && x->blocks == y->blocks);
	FUZZ_CHECK(x->rdev == y->rdev);
	check_time(&x->atime, &y->atime);
	check_time(&x->mtime, &y->mtime);
	check_time(&x->ctime, &y->ctime);
	FUZZ_CHECK(ent_a.layout.stripe_size == ent_b.layout.stripe_size);
	FUZZ_CHECK(ent_a.layout.stripe_count == ent_b.layout.stripe_count);
	FUZZ_CHECK(ent_a.layout.first_ost == ent_b.layout.first_ost);
	FUZZ_CHECK(ent_a.layout.pattern == ent_b.layout.pattern);
	FUZZ_CHECK(ent_a.layout.gen == ent_b.layout.gen);
	FUZZ_CHECK(ent_a.layout.nstripes == ent_b.layout.nstripes);
	for (uint32_t i = 0; i < ent_a.layout.nstripes; i++) {
		FUZZ_CHECK(ent_a.layout.stripes[i].ost_idx ==
			   ent_b.layout.stripes[i].ost_idx);
		FUZZ_CHECK(ent_a.layout.stripes[i].object_id ==
			   ent_b.layout.stripes[i].object_id);
	}
	free(buf);
	return 0;
}
