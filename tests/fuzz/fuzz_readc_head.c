/*
 * fuzz_readc_head.c - libFuzzer target for msg_readc_head_decode()
 * (msg_zio.h), the head of the OBJ_READ_C reply an OSS sends a client.
 *
 * Input: 4 bytes of req_len (little-endian, any value, so requests over
 * PROTO_MAX_IO are tried too), then the reply. On every input that
 * decodes: count is the request's piece count, data_len fits the request,
 * the bytes consumed are the head's 8 + 8 * count, and msg_readc_head_encode
 * gives them back. If the data follows in full, msg_readc_verify either
 * accepts it or names a piece that has data, and accepts it once
 * msg_readc_sum has set the checksums. Failures are -EBADMSG and consume
 * nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/msg_zio.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[PROTO_READC_HEAD_MAX];
	struct msg_readc_head m;
	uint64_t req_len;
	struct cursor c;
	uint32_t bad;
	size_t used;
	ssize_t n;
	int rc;

	if (size < 4)
		return 0;
	req_len = le32_load(data);
	cursor_init(&c, data + 4, size - 4);
	rc = msg_readc_head_decode(&c, req_len, &m);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc) {
		FUZZ_CHECK(c.pos == data + 4);
		return 0;
	}
	used = (size_t)(c.pos - (data + 4));
	FUZZ_CHECK(req_len <= PROTO_MAX_IO);
	FUZZ_CHECK(m.count == PROTO_READC_CHUNKS(req_len));
	FUZZ_CHECK(m.data_len <= req_len);
	FUZZ_CHECK(used == 8 + 8 * (size_t)m.count);
	FUZZ_CHECK(used == PROTO_READC_HEAD_LEN(req_len));

	n = msg_readc_head_encode(&m, buf, sizeof(buf));
	FUZZ_CHECK(n == (ssize_t)used);
	FUZZ_CHECK(memcmp(buf, data + 4, used) == 0);

	if (size - 4 - used >= m.data_len) {
		const uint8_t *d = data + 4 + used;

		bad = UINT32_MAX;
		rc = msg_readc_verify(&m, d, &bad);
		FUZZ_CHECK(rc == 0 || rc == -EIO);
		if (rc)
			FUZZ_CHECK(bad < m.count &&
				   (uint64_t)bad * PROTO_ZCHUNK_SIZE <
				       m.data_len);
		msg_readc_sum(&m, d);
		FUZZ_CHECK(msg_readc_verify(&m, d, &bad) == 0);
	}
	return 0;
}
