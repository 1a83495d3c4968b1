/*
 * fuzz_ping.c - libFuzzer target for msg_ping_decode() (msg.h).
 *
 * An input that decodes re-encodes into exactly msg_ping_encoded_len()
 * bytes equal to the bytes consumed, and that encoding decodes, whole, to
 * the same value. Failures are -EBADMSG, and only for inputs under 8 bytes.
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
	struct msg_ping a, b;
	struct cursor c;
	uint8_t *buf;
	size_t used, len;
	int rc;

	cursor_init(&c, data, size);
	rc = msg_ping_decode(&c, &a);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	FUZZ_CHECK((rc == 0) == (size >= 8));
	if (rc)
		return 0;
	used = (size_t)(c.pos - data);

	len = msg_ping_encoded_len(&a);
	FUZZ_CHECK(len == used);
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK(msg_ping_encode(&a, buf, len) == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);
	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_ping_decode(&c, &b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	FUZZ_CHECK(a.time_ns == b.time_ns);
	free(buf);
	return 0;
}
