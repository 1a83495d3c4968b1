/*
 * fuzz_zchunks.c - libFuzzer target for msg_zchunks_decode() (msg_zio.h),
 * the OBJ_READ_Z reply an OSS sends a client.
 *
 * On every input that decodes: the rules of a zchunks group hold (see
 * fuzz_zchunks_check.h), msg_zchunks_encode gives back the bytes consumed,
 * msg_zchunks_encode_table gives back their table part, and decoding the
 * re-encoding gives the same chunks. Failures are -EBADMSG and consume
 * nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/msg_zio.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_zchunks_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct msg_zchunk ca[PROTO_ZCHUNKS_MAX], cb[PROTO_ZCHUNKS_MAX];
	struct msg_zchunks a = { .chunks = ca, .cap = PROTO_ZCHUNKS_MAX };
	struct msg_zchunks b = { .chunks = cb, .cap = PROTO_ZCHUNKS_MAX };
	struct cursor c;
	uint8_t *buf;
	size_t used, len, data_len;
	ssize_t n;
	int rc;

	cursor_init(&c, data, size);
	rc = msg_zchunks_decode(&c, &a);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc) {
		FUZZ_CHECK(c.pos == data);
		return 0;
	}
	used = (size_t)(c.pos - data);
	fuzz_zchunks_check(&a, PROTO_ZREAD_SPAN_MAX, data, size);

	len = msg_zchunks_encoded_len(&a);
	FUZZ_CHECK(len == used);
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK(msg_zchunks_encode(&a, buf, len) == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);
	data_len = le32_load(buf);
	n = msg_zchunks_encode_table(&a, (uint32_t)data_len, buf + 4 + data_len,
				     len - 4 - data_len);
	FUZZ_CHECK(n == (ssize_t)(len - 4 - data_len));
	FUZZ_CHECK(memcmp(buf, data, len) == 0);
	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_zchunks_decode(&c, &b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	fuzz_zchunks_same(&a, &b);
	free(buf);
	return 0;
}
