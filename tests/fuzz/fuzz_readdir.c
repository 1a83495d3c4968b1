/*
 * fuzz_readdir.c - libFuzzer target for the READDIR reply decoders,
 * msg_readdir_decode_header() and msg_dirent_get() (msg_fs.h).
 *
 * The input is decoded as a server's reply is read: the header, then count
 * entries. On every input that decodes: eof is 0 or 1, each name is
 * 1..PROTO_NAME_MAX bytes without '/' or NUL; rebuilding the reply the way
 * a server does (msg_dirent_put into a buffer of exactly the header plus
 * the entries' msg_dirent_encoded_len(), then msg_readdir_finish) gives
 * back the bytes consumed, and decoding that, whole, gives the same
 * entries. Inputs that fail must fail with -EBADMSG.
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
	struct msg_dirent *ents = NULL, d;
	uint8_t eof, eof2;
	uint32_t count, count2, i;
	struct cursor c;
	struct wbuf w;
	uint8_t *buf = NULL;
	size_t used, len;
	int rc;

	cursor_init(&c, data, size);
	rc = msg_readdir_decode_header(&c, &eof, &count);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc) {
		FUZZ_CHECK(c.pos == data);
		return 0;
	}
	FUZZ_CHECK(eof <= 1);
	/* the header promised no more entries than the bytes can hold */
	FUZZ_CHECK(count <= size / (8 + 8 + 1 + 2 + 1));
	ents = malloc(((size_t)count + 1) * sizeof(*ents));
	FUZZ_CHECK(ents != NULL);
	len = MSG_READDIR_HDR;
	for (i = 0; i < count; i++) {
		const uint8_t *before = c.pos;

		rc = msg_dirent_get(&c, &ents[i]);
		FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
		if (rc) {
			FUZZ_CHECK(c.pos == before);
			goto out;
		}
		FUZZ_CHECK(ents[i].name.len >= 1 &&
			   ents[i].name.len <= PROTO_NAME_MAX);
		FUZZ_CHECK(!memchr(ents[i].name.p, '/', ents[i].name.len));
		FUZZ_CHECK(!memchr(ents[i].name.p, '\0', ents[i].name.len));
		len += msg_dirent_encoded_len(&ents[i]);
	}
	used = (size_t)(c.pos - data);
	FUZZ_CHECK(len == used);

	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	wbuf_init(&w, buf, len);
	FUZZ_CHECK(wbuf_room(&w, MSG_READDIR_HDR) != NULL);
	for (i = 0; i < count; i++)
		msg_dirent_put(&w, &ents[i]);
	FUZZ_CHECK(wbuf_ok(&w) && w.pos == w.end);
	msg_readdir_finish(buf, eof, count);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);

	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_readdir_decode_header(&c, &eof2, &count2) == 0);
	FUZZ_CHECK(eof2 == eof && count2 == count);
	for (i = 0; i < count; i++) {
		FUZZ_CHECK(msg_dirent_get(&c, &d) == 0);
		FUZZ_CHECK(d.ino == ents[i].ino && d.cookie == ents[i].cookie);
		FUZZ_CHECK(d.type == ents[i].type);
		FUZZ_CHECK(d.name.len == ents[i].name.len &&
			   memcmp(d.name.p, ents[i].name.p, d.name.len) == 0);
	}
	FUZZ_CHECK(c.pos == c.end);
out:
	free(buf);
	free(ents);
	return 0;
}
