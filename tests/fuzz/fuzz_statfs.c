/*
 * fuzz_statfs.c - libFuzzer target for msg_statfs_decode() (msg.h).
 *
 * A decoded STATFS reply satisfies the invariants the decoder promises
 * (known target type, used <= total for bytes and files), re-encodes into
 * exactly msg_statfs_encoded_len() bytes equal to the bytes consumed, and
 * that encoding decodes, whole, to the same values. Failures are -EBADMSG.
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
	struct msg_statfs a, b;
	struct cursor c;
	uint8_t *buf;
	size_t used, len;
	int rc;

	cursor_init(&c, data, size);
	rc = msg_statfs_decode(&c, &a);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc)
		return 0;
	used = (size_t)(c.pos - data);
	FUZZ_CHECK(a.target == PROTO_TARGET_MDT ||
		   a.target == PROTO_TARGET_OST);
	FUZZ_CHECK(a.bytes_used <= a.bytes_total);
	FUZZ_CHECK(a.files_used <= a.files_total);

	FUZZ_CHECK(a.data_stored_bytes <= a.data_logical_bytes);

	/* 45 bytes: an older peer's reply without the appended fields (0 and
	 * 0); re-encoding appends them. */
	len = msg_statfs_encoded_len(&a);
	FUZZ_CHECK(used == len || (used == 45 && !a.data_logical_bytes &&
				   !a.data_stored_bytes));
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK(msg_statfs_encode(&a, buf, len) == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, used) == 0);
	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_statfs_decode(&c, &b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	FUZZ_CHECK(a.target == b.target);
	FUZZ_CHECK(a.target_idx == b.target_idx);
	FUZZ_CHECK(a.bytes_total == b.bytes_total);
	FUZZ_CHECK(a.bytes_used == b.bytes_used);
	FUZZ_CHECK(a.bytes_avail == b.bytes_avail);
	FUZZ_CHECK(a.files_total == b.files_total);
	FUZZ_CHECK(a.files_used == b.files_used);
	FUZZ_CHECK(a.data_logical_bytes == b.data_logical_bytes);
	FUZZ_CHECK(a.data_stored_bytes == b.data_stored_bytes);
	free(buf);
	return 0;
}
