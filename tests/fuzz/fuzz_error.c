/*
 * fuzz_error.c - libFuzzer target for msg_error_decode() (msg.h).
 *
 * A decoded ERROR has a reason within PROTO_ERRMSG_MAX that lies inside the
 * input (borrowed, zero copy), re-encodes into exactly
 * msg_error_encoded_len() bytes equal to the bytes consumed, and that
 * encoding decodes, whole, to the same reason. Failures are -EBADMSG.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/msg.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_error a, b;
	struct cursor c;
	uint8_t *buf;
	size_t used, len;
	int rc;

	cursor_init(&c, data, size);
	rc = msg_error_decode(&c, &a);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc)
		return 0;
	used = (size_t)(c.pos - data);
	FUZZ_CHECK(a.reason_len <= PROTO_ERRMSG_MAX);
	FUZZ_CHECK((const uint8_t *)a.reason == data + 2);

	len = msg_error_encoded_len(&a);
	FUZZ_CHECK(len == used);
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK(msg_error_encode(&a, buf, len) == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);
	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_error_decode(&c, &b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	FUZZ_CHECK(a.reason_len == b.reason_len);
	FUZZ_CHECK(!a.reason_len || memcmp(a.reason, b.reason, a.reason_len) == 0);
	free(buf);
	return 0;
}
