/*
 * fuzz_hello.c - libFuzzer target for msg_hello_decode() (msg.h).
 *
 * Properties checked on every input that decodes:
 *   - the encoding is canonical: re-encoding the decoded struct into a
 *     buffer of exactly msg_hello_encoded_len() bytes reproduces the bytes
 *     the decoder consumed;
 *   - decoding that re-encoding succeeds, consumes all of it and gives the
 *     same struct (strings and the whole OST map compared by content);
 *   - a decoder that passes no OST array (ost_cap 0) reaches the same
 *     verdict and counts as one that keeps the whole map.
 * Inputs that fail must fail with -EBADMSG and nothing else.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/msg.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct msg_ost_entry osts_a[PROTO_MAX_OSTS];
static struct msg_ost_entry osts_b[PROTO_MAX_OSTS];

static void check_same(const struct msg_hello *a, const struct msg_hello *b)
{
	FUZZ_CHECK(a->proto_version == b->proto_version);
	FUZZ_CHECK(a->role == b->role);
	FUZZ_CHECK(a->id == b->id);
	FUZZ_CHECK(a->fsname_len == b->fsname_len);
	FUZZ_CHECK(!a->fsname_len ||
		   memcmp(a->fsname, b->fsname, a->fsname_len) == 0);
	FUZZ_CHECK(a->host_len == b->host_len);
	FUZZ_CHECK(!a->host_len || memcmp(a->host, b->host, a->host_len) == 0);
	FUZZ_CHECK(a->port == b->port);
	FUZZ_CHECK(a->has_config == b->has_config);
	FUZZ_CHECK(a->ost_count == b->ost_count);
	if (!a->has_config)
		return;
	FUZZ_CHECK(a->stripe_size == b->stripe_size);
	FUZZ_CHECK(a->stripe_count == b->stripe_count);
	FUZZ_CHECK(a->deployment == b->deployment);
	FUZZ_CHECK(a->map_version == b->map_version);
	for (uint32_t i = 0; i < a->ost_count; i++) {
		const struct msg_ost_entry *x = &a->osts[i], *y = &b->osts[i];

		FUZZ_CHECK(x->ost_idx == y->ost_idx);
		FUZZ_CHECK(x->state == y->state);
		FUZZ_CHECK(x->host_len == y->host_len);
		FUZZ_CHECK(!x->host_len ||
			   memcmp(x->host, y->host, x->host_len) == 0);
		FUZZ_CHECK(x->port == y->port);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_hello a = { .osts = osts_a, .ost_cap = PROTO_MAX_OSTS };
	struct msg_hello b = { .osts = osts_b, .ost_cap = PROTO_MAX_OSTS };
	struct msg_hello nomap = { 0 };
	struct cursor c;
	uint8_t *buf;
	size_t used, len;
	ssize_t n;
	int rc, rc2;

	cursor_init(&c, data, size);
	rc = msg_hello_decode(&c, &a);
	used = (size_t)(c.pos - data);

	cursor_init(&c, data, size);
	rc2 = msg_hello_decode(&c, &nomap);
	FUZZ_CHECK(rc == rc2);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc)
		return 0;
	FUZZ_CHECK(used <= size);
	FUZZ_CHECK(nomap.has_config == a.has_config);
	FUZZ_CHECK(nomap.ost_count == a.ost_count);
	FUZZ_CHECK(a.ost_count <= PROTO_MAX_OSTS);

	len = msg_hello_encoded_len(&a);
	FUZZ_CHECK(len == used);
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL);
	n = msg_hello_encode(&a, buf, len);
	FUZZ_CHECK(n == (ssize_t)len);
	FUZZ_CHECK(memcmp(buf, data, len) == 0);

	cursor_init(&c, buf, len);
	FUZZ_CHECK(msg_hello_decode(&c, &b) == 0);
	FUZZ_CHECK(c.pos == c.end);
	check_same(&a, &b);
	free(buf);
	return 0;
}
