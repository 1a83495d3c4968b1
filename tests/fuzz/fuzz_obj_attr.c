/*
 * fuzz_obj_attr.c - libFuzzer target for msg_obj_attr_decode() (msg_fs.h),
 * the OBJ_GETATTR reply.
 *
 * On every input that decodes, the re-encoding into exactly
 * msg_obj_attr_encoded_len() bytes gives back the bytes consumed, and
 * decoding it, whole, gives the same values. Inputs that fail must fail
 * with -EBADMSG.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/msg_fs.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_obj_attr a, b;
	struct cursor c;
	uint8_t *buf;
	size_t used, len;
	ssize_t n;
	int rc;

	cursor_init(&c, data, size);
	rc = msg_obj_attr_decode(&c, &a);
	used = (size_t)(c.pos - data);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc)
		return 0;
	FUZZ_CHECK(used <= size);

	/* 24 bytes: an older OSS's reply without stored_bytes, which then
	 * defaults to logical_bytes; re-encoding appends it. */
	len = msg_obj_attr_encoded_len(&a);
	FUZZ_CHECK(used == len || (used == 24 && a.stored_bytes ==
						       a.logical_bytes));
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	n = msg_obj_attr_encode(&a, buf, len);
	FUZZ_CHECK(n == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, used) == 0);

	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_obj_attr_decode(&c, &b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	FUZZ_CHECK(a.size == b.size && a.disk_bytes == b.disk_bytes &&
		   a.logical_bytes == b.logical_bytes &&
		   a.stored_bytes == b.stored_bytes);
	free(buf);
	return 0;
}
