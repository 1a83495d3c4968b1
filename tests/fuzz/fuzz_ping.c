/*
 * fuzz_ping.c - libFuzzer target for msg_ping_decode() (msg.h).
 *
 * An input that decodes re-encodes into exactly msg_ping_encoded_len()
 * bytes equal to the bytes consumed, and that encoding decodes, whole, to
 * the same value. Failures are -EBADMSG, and only for inputs under 8 bytes;
 * trailing bytes that are not a valid usage report are not consumed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/msg.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Field by field: the struct has padding. */
static int statfs_eq(const struct msg_statfs *a, const struct msg_statfs *b)
{
	return a->target == b->target && a->target_idx == b->target_idx &&
	       a->bytes_total == b->bytes_total &&
	       a->bytes_used == b->bytes_used &&
	       a->bytes_avail == b->bytes_avail &&
	       a->files_total == b->files_total &&
	       a->files_used == b->files_used;
}

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
	if (size < 8 + MSG_STATFS_LEN)
		FUZZ_CHECK(rc || !a.has_report);
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
	FUZZ_CHECK(a.time_ns == b.time_ns && a.has_report == b.has_report);
	if (a.has_report)
		FUZZ_CHECK(statfs_eq(&a.report, &b.report));
	free(buf);
	return 0;
}
