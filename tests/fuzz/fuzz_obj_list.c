/*
 * fuzz_obj_list.c - libFuzzer target for msg_obj_list_decode() (msg_fs.h),
 * the OBJ_LIST reply.
 *
 * Decoded with room for PROTO_OBJ_LIST_MAX entries, as a lister asking
 * for the most would. On every input that decodes: eof is 0 or 1, the
 * count is within the cap, the entries are strictly ascending, the
 * re-encoding into exactly msg_obj_list_encoded_len() bytes gives back the
 * bytes consumed, and decoding it, whole, gives the same reply. Inputs
 * that fail must fail with -EBADMSG and leave the cursor where it was.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/msg_fs.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct msg_obj_ref refs_a[PROTO_OBJ_LIST_MAX];
static struct msg_obj_ref refs_b[PROTO_OBJ_LIST_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_obj_list a = { .objs = refs_a, .cap = PROTO_OBJ_LIST_MAX };
	struct msg_obj_list b = { .objs = refs_b, .cap = PROTO_OBJ_LIST_MAX };
	struct cursor c;
	uint8_t *buf;
	size_t used, len;
	ssize_t n;
	int rc;

	cursor_init(&c, data, size);
	rc = msg_obj_list_decode(&c, &a);
	used = (size_t)(c.pos - data);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc) {
		FUZZ_CHECK(used == 0);
		return 0;
	}
	FUZZ_CHECK(used <= size);
	FUZZ_CHECK(a.eof <= 1 && a.count <= PROTO_OBJ_LIST_MAX);
	for (uint32_t i = 1; i < a.count; i++)
		FUZZ_CHECK(msg_obj_ref_cmp(&a.objs[i - 1], &a.objs[i]) < 0);

	len = msg_obj_list_encoded_len(&a);
	FUZZ_CHECK(len == used);
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	n = msg_obj_list_encode(&a, buf, len);
	FUZZ_CHECK(n == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);

	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_obj_list_decode(&c, &b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	FUZZ_CHECK(a.eof == b.eof && a.count == b.count);
	for (uint32_t i = 0; i < a.count; i++)
		FUZZ_CHECK(msg_obj_ref_cmp(&a.objs[i], &b.objs[i]) == 0);
	free(buf);
	return 0;
}
