/*
 * fuzz_lock.c - libFuzzer target for msg_lock_decode() (msg_fs.h), the
 * LOCK reply.
 *
 * On every input that decodes: kind, cmd and type are in range and
 * start <= end; the re-encoding into exactly msg_lock_encoded_len() bytes
 * gives back the bytes consumed; decoding it, whole, gives the same lock.
 * Inputs that fail must fail with -EBADMSG.
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
	struct msg_lock a, b;
	struct cursor c;
	uint8_t *buf;
	size_t used, len;
	ssize_t n;
	int rc;

	cursor_init(&c, data, size);
	rc = msg_lock_decode(&c, &a);
	used = (size_t)(c.pos - data);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc)
		return 0;
	FUZZ_CHECK(used <= size);
	FUZZ_CHECK(a.kind == PROTO_LOCK_FLOCK || a.kind == PROTO_LOCK_POSIX);
	FUZZ_CHECK(a.cmd >= PROTO_LOCK_GET && a.cmd <= PROTO_LOCK_SETW);
	FUZZ_CHECK(a.type <= PROTO_LOCK_UN);
	FUZZ_CHECK(a.start <= a.end);

	len = msg_lock_encoded_len(&a);
	FUZZ_CHECK(len == used);
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	n = msg_lock_encode(&a, buf, len);
	FUZZ_CHECK(n == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);

	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_lock_decode(&c, &b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	FUZZ_CHECK(a.ino == b.ino && a.owner == b.owner && a.pid == b.pid);
	FUZZ_CHECK(a.kind == b.kind && a.cmd == b.cmd && a.type == b.type);
	FUZZ_CHECK(a.start == b.start && a.end == b.end);
	free(buf);
	return 0;
}
