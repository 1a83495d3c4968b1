/*
 * fuzz_readl.c - libFuzzer target for msg_readl_decode() (msg_zio.h), the
 * OBJ_READ_L reply an OSS sends a client on its own host: OBJ_READ_C's
 * head, then the path of the file that holds the data.
 *
 * Input: 4 bytes of req_len (little-endian, any value, so requests over
 * PROTO_MAX_IO are tried too), then the reply. On every input that
 * decodes: count is the request's piece count, data_len fits the request,
 * a path comes with data and only with data, it is absolute, at most
 * PROTO_LOCAL_PATH_MAX bytes, without a NUL and borrowed from the input,
 * the whole reply is consumed, and msg_readl_encode gives back its bytes
 * (and refuses a buffer one byte short). The reply cut by its last byte
 * is refused. Failures are -EBADMSG and consume nothing.
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
	static uint8_t buf[PROTO_READC_HEAD_MAX + 2 + PROTO_LOCAL_PATH_MAX];
	static struct msg_readl m, d;
	const uint8_t *reply = data + 4;
	uint64_t req_len;
	struct cursor c;
	size_t used, head_len;
	ssize_t n;
	int rc;

	if (size < 4)
		return 0;
	req_len = le32_load(data);
	cursor_init(&c, reply, size - 4);
	rc = msg_readl_decode(&c, req_len, &m);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc) {
		FUZZ_CHECK(c.pos == reply);
		return 0;
	}
	used = (size_t)(c.pos - reply);
	FUZZ_CHECK(used == size - 4);
	FUZZ_CHECK(req_len <= PROTO_MAX_IO);
	FUZZ_CHECK(m.head.count == PROTO_READC_CHUNKS(req_len));
	FUZZ_CHECK(m.head.data_len <= req_len);
	FUZZ_CHECK((m.path_len == 0) == (m.head.data_len == 0));
	FUZZ_CHECK(m.path_len <= PROTO_LOCAL_PATH_MAX);
	head_len = PROTO_READC_HEAD_LEN(req_len);
	FUZZ_CHECK(used == head_len + 2 + m.path_len);
	FUZZ_CHECK(m.path == (const char *)reply + head_len + 2);
	if (m.path_len) {
		FUZZ_CHECK(m.path[0] == '/');
		FUZZ_CHECK(!memchr(m.path, '\0', m.path_len));
	}

	n = msg_readl_encode(&m, buf, sizeof(buf));
	FUZZ_CHECK(n == (ssize_t)used);
	FUZZ_CHECK(memcmp(buf, reply, used) == 0);
	FUZZ_CHECK(msg_readl_encode(&m, buf, used - 1) == -EMSGSIZE);

	cursor_init(&c, reply, used - 1);
	FUZZ_CHECK(msg_readl_decode(&c, req_len, &d) == -EBADMSG);
	FUZZ_CHECK(c.pos == reply);
	return 0;
}
