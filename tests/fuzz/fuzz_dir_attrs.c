/*
 * fuzz_dir_attrs.c - libFuzzer target for msg_dir_attrs_decode() (msg_fs.h),
 * the directory attributes appended to the replies of CREATE, MKDIR,
 * SYMLINK, LINK, UNLINK, RMDIR and RENAME.
 *
 * On every input that decodes: at most PROTO_MAX_DIR_ATTRS attrs, each a
 * directory's with valid times; an empty input decodes as count 0 with
 * nothing consumed; the re-encoding into exactly
 * msg_dir_attrs_encoded_len() bytes gives back the bytes consumed (a
 * non-empty input); decoding it, whole, gives the same attrs. Inputs that
 * fail must fail with -EBADMSG.
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

static int same_time(const struct msg_time *a, const struct msg_time *b)
{
	return a->sec == b->sec && a->nsec == b->nsec;
}

static int same_attr(const struct msg_attr *x, const struct msg_attr *y)
{
	return x->ino == y->ino && x->mode == y->mode && x->uid == y->uid &&
	       x->gid == y->gid && x->nlink == y->nlink && x->gen == y->gen &&
	       x->size == y->size && x->blocks == y->blocks &&
	       x->rdev == y->rdev && same_time(&x->atime, &y->atime) &&
	       same_time(&x->mtime, &y->mtime) &&
	       same_time(&x->ctime, &y->ctime);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_dir_attrs a, b;
	struct cursor c;
	uint8_t *buf;
	size_t used, len;
	ssize_t n;
	int rc;

	cursor_init(&c, data, size);
	rc = msg_dir_attrs_decode(&c, &a);
	used = (size_t)(c.pos - data);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc)
		return 0;
	FUZZ_CHECK(used <= size);
	FUZZ_CHECK(a.count <= PROTO_MAX_DIR_ATTRS);
	if (!size) {
		FUZZ_CHECK(a.count == 0 && used == 0);
		return 0;
	}
	for (uint32_t i = 0; i < a.count; i++) {
		FUZZ_CHECK(S_ISDIR(a.attr[i].mode));
		FUZZ_CHECK(a.attr[i].atime.nsec < 1000000000u);
		FUZZ_CHECK(a.attr[i].mtime.nsec < 1000000000u);
		FUZZ_CHECK(a.attr[i].ctime.nsec < 1000000000u);
	}

	len = msg_dir_attrs_encoded_len(&a);
	FUZZ_CHECK(len == used);
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	n = msg_dir_attrs_encode(&a, buf, len);
	FUZZ_CHECK(n == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);

	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_dir_attrs_decode(&c, &b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	FUZZ_CHECK(b.count == a.count);
	for (uint32_t i = 0; i < a.count; i++)
		FUZZ_CHECK(same_attr(&a.attr[i], &b.attr[i]));
	free(buf);
	return 0;
}
