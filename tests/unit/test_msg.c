/*
 * test_msg.c - wire test of the messages (proto/msg.h).
 *
 * Modelled on Lustre's ptlrpc/wiretest.c: it pins the numbers that are part
 * of the protocol (opcodes, roles, states, deployment types, caps) and holds
 * a golden byte image of every message, written out by hand from the layout
 * tables in msg.h. Each image must be what the encoder produces, byte for
 * byte, and must decode back to the struct it came from.
 *
 * Then the decoders' edges: every proper prefix of every image is rejected
 * with -EBADMSG (each prefix is copied into a buffer of exactly its size,
 * so an overread shows up under ASan), out-of-range values are rejected,
 * limits are accepted exactly at the cap and refused one past it, and every
 * encoder refuses a buffer one byte too small (or smaller) with -EMSGSIZE
 * without writing past it.
 *
 * The one prefix that is not rejected is the HELLO reply cut right before
 * its config: that is, by the layout, a valid HELLO without config.
 *
 * Exit 0 pass, 1 fail.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/msg.h"
#include "tests/unit/check.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NO_VALID_PREFIX ((size_t)-1)

/* --- golden images --- */

/* An OSS registering with the MDS: OST 7 of "fsx" at 10.0.0.2:1018. */
static const uint8_t golden_hello_req[] = {
	0x01, 0x00,		/* proto_version 1 */
	0x03,			/* role OSS */
	0x07, 0x00, 0x00, 0x00, /* id 7 */
	0x03, 0x00, 'f', 's', 'x', /* fsname */
	0x08, 0x00, '1', '0', '.', '0', '.', '0', '.', '2', /* host */
	0xfa, 0x03,		/* port 1018 */
};

/* The MDS's reply to a client: config and an OST map of two OSTs. */
static const uint8_t golden_hello_reply[] = {
	0x01, 0x00,		/* proto_version 1 */
	0x02,			/* role MDS */
	0x00, 0x00, 0x00, 0x00, /* id 0 */
	0x03, 0x00, 'f', 's', 'x', /* fsname */
	0x00, 0x00,		/* host "" */
	0x00, 0x00,		/* port 0 */
	/* offset 16: config */
	0x00, 0x00, 0x10, 0x00, /* stripe size 1 MiB */
	0xff, 0xff, 0xff, 0xff, /* stripe count -1 */
	0x02,			/* deployment PERSISTENT */
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* map version 5 */
	0x02, 0x00, 0x00, 0x00, /* 2 OSTs */
	0x00, 0x00, 0x00, 0x00, /* OST 0 */
	0x01,			/* UP */
	0x04, 0x00, 'o', 's', 's', '0',
	0xfa, 0x03,		/* port 1018 */
	0x01, 0x00, 0x00, 0x00, /* OST 1 */
	0x02,			/* DOWN */
	0x04, 0x00, 'o', 's', 's', '1',
	0xfb, 0x03,		/* port 1019 */
};
#define HELLO_REPLY_BASE_LEN 16 /* the reply without its config */

static const uint8_t golden_ping[] = {
	0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
};

/* A PING from an OSS to the MDS with its usage report appended. */
static const uint8_t golden_ping_report[] = {
	0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* time 42 */
	0x02,			/* target OST */
	0x02, 0x00, 0x00, 0x00, /* index 2 */
	0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, /* bytes total 4 MiB */
	0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, /* bytes used 3 MiB */
	0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, /* bytes avail 1 MiB */
	0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* files total 1000 */
	0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* files used 3 */
};

static const uint8_t golden_statfs[] = {
	0x02,			/* target OST */
	0x03, 0x00, 0x00, 0x00, /* index 3 */
	0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* bytes total 1000 */
	0x90, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* bytes used 400 */
	0x58, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* bytes avail 600 */
	0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* files total 100 */
	0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* files used 10 */
	/* offset 45: appended */
	0x2c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* logical 300 */
	0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* stored 100 */
};
#define STATFS_BASE_LEN 45 /* before the appended fields */

static const uint8_t golden_error[] = {
	0x0b, 0x00, 'n', 'o', ' ', 's', 'u', 'c', 'h', ' ', 'O', 'S', 'T',
};

/* --- the structs the images encode --- */

static struct msg_ost_entry reply_osts[2] = {
	{ .ost_idx = 0, .state = PROTO_OST_UP, .host = "oss0", .host_len = 4,
	  .port = 1018 },
	{ .ost_idx = 1, .state = PROTO_OST_DOWN, .host = "oss1", .host_len = 4,
	  .port = 1019 },
};

static const struct msg_hello hello_req = {
	.proto_version = PROTO_VERSION,
	.role = PROTO_ROLE_OSS,
	.id = 7,
	.fsname = "fsx",
	.fsname_len = 3,
	.host = "10.0.0.2",
	.host_len = 8,
	.port = 1018,
};

static const struct msg_hello hello_reply = {
	.proto_version = PROTO_VERSION,
	.role = PROTO_ROLE_MDS,
	.fsname = "fsx",
	.fsname_len = 3,
	.host = "",
	.has_config = 1,
	.stripe_size = 1u << 20,
	.stripe_count = -1,
	.deployment = PROTO_DEPLOY_PERSISTENT,
	.map_version = 5,
	.ost_count = 2,
	.osts = reply_osts,
};

static const struct msg_ping ping = { .time_ns = 0x0102030405060708ull };

static const struct msg_ping ping_report = {
	.time_ns = 42,
	.has_report = 1,
	.report = { .target = PROTO_TARGET_OST, .target_idx = 2,
		    .bytes_total = 4u << 20, .bytes_used = 3u << 20,
		    .bytes_avail = 1u << 20, .files_total = 1000,
		    .files_used = 3 },
};

static const struct msg_statfs statfs = {
	.target = PROTO_TARGET_OST,
	.target_idx = 3,
	.bytes_total = 1000,
	.bytes_used = 400,
	.bytes_avail = 600,
	.files_total = 100,
	.files_used = 10,
	.data_logical_bytes = 300,
	.data_stored_bytes = 100,
};

static const struct msg_error error = { .reason = "no such OST",
					.reason_len = 11 };

/* --- generic helpers: one encode and one decode signature for all --- */

typedef ssize_t (*encode_fn)(const void *m, void *buf, size_t len);
typedef int (*decode_fn)(struct cursor *c, void *m);

/* HELLO decodes into this, so that the OST map has room. */
struct hello_box {
	struct msg_hello m;
	struct msg_ost_entry osts[PROTO_MAX_OSTS];
};

static ssize_t enc_hello(const void *m, void *buf, size_t len)
{
	return msg_hello_encode(m, buf, len);
}

static int dec_hello(struct cursor *c, void *m)
{
	struct hello_box *b = m;

	memset(b, 0, sizeof(*b));
	b->m.osts = b->osts;
	b->m.ost_cap = PROTO_MAX_OSTS;
	return msg_hello_decode(c, &b->m);
}

static ssize_t enc_ping(const void *m, void *buf, size_t len)
{
	return msg_ping_encode(m, buf, len);
}

static int dec_ping(struct cursor *c, void *m)
{
	return msg_ping_decode(c, m);
}

static ssize_t enc_statfs(const void *m, void *buf, size_t len)
{
	return msg_statfs_encode(m, buf, len);
}

static int dec_statfs(struct cursor *c, void *m)
{
	return msg_statfs_decode(c, m);
}

static ssize_t enc_error(const void *m, void *buf, size_t len)
{
	return msg_error_encode(m, buf, len);
}

static int dec_error(struct cursor *c, void *m)
{
	return msg_error_decode(c, m);
}

/*
 * Decode len bytes copied into a heap buffer of exactly len bytes. The
 * decoded strings point into that buffer, so it is kept until the next call.
 */
static int decode_exact(decode_fn dec, const uint8_t *img, size_t len,
			void *m, size_t *consumed)
{
	static uint8_t *held;
	struct cursor c;
	int rc;

	free(held);
	held = malloc(len ? len : 1);
	if (!held) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	memcpy(held, img, len);
	cursor_init(&c, held, len);
	rc = dec(&c, m);
	if (consumed)
		*consumed = (size_t)(c.pos - held);
	return rc;
}

static void dump_diff(const char *what, const uint8_t *got,
		      const uint8_t *want, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (got[i] != want[i])
			fprintf(stderr, "%s: byte %zu is 0x%02x, want 0x%02x\n",
				what, i, got[i], want[i]);
}

/*
 * The encoder writes exactly the golden image into an exact buffer, and
 * refuses every smaller buffer with -EMSGSIZE without writing past it.
 */
static void check_encode(const char *what, encode_fn enc, const void *m,
			 size_t encoded_len, const uint8_t *img, size_t len)
{
	uint8_t buf[4096 + 16];

	CHECK(encoded_len == len);
	memset(buf, 0xaa, sizeof(buf));
	CHECK(enc(m, buf, len) == (ssize_t)len);
	CHECK(memcmp(buf, img, len) == 0);
	dump_diff(what, buf, img, len);
	CHECK(buf[len] == 0xaa);

	for (size_t n = 0; n < len; n++) {
		memset(buf, 0xaa, sizeof(buf));
		if (enc(m, buf, n) != -EMSGSIZE) {
			fprintf(stderr, "%s: encode into %zu bytes\n", what, n);
			failures++;
		}
		for (size_t i = n; i < len + 16; i++)
			if (buf[i] != 0xaa) {
				fprintf(stderr, "%s: encode into %zu bytes "
					"wrote byte %zu\n", what, n, i);
				failures++;
				break;
			}
	}
	/* a roomier buffer changes nothing */
	memset(buf, 0xaa, sizeof(buf));
	CHECK(enc(m, buf, len + 16) == (ssize_t)len);
	CHECK(memcmp(buf, img, len) == 0);
}

/*
 * Every proper prefix is -EBADMSG, except valid_prefix (a shorter message
 * that is itself valid), which must decode.
 */
static void check_truncations(const char *what, decode_fn dec, void *m,
			      const uint8_t *img, size_t len,
			      size_t valid_prefix)
{
	for (size_t n = 0; n < len; n++) {
		int rc = decode_exact(dec, img, n, m, NULL);
		int want = n == valid_prefix ? 0 : -EBADMSG;

		if (rc != want) {
			fprintf(stderr, "%s: prefix of %zu bytes: rc %d, want "
				"%d\n", what, n, rc, want);
			failures++;
		}
	}
}

/* --- pinned numbers --- */

static void test_constants(void)
{
	const struct proto_op_desc *d;

	CHECK(PROTO_VERSION == 1);
	CHECK(PROTO_OP_HELLO == 1);
	CHECK(PROTO_OP_PING == 2);
	CHECK(PROTO_OP_STATFS == 3);
	CHECK(PROTO_OP_MAX == 64);
	CHECK(PROTO_ROLE_CLIENT == 1);
	CHECK(PROTO_ROLE_MDS == 2);
	CHECK(PROTO_ROLE_OSS == 3);
	CHECK(PROTO_ROLE_TOOL == 4);
	CHECK(PROTO_DEPLOY_SCRATCH == 1);
	CHECK(PROTO_DEPLOY_PERSISTENT == 2);
	CHECK(PROTO_OST_UP == 1);
	CHECK(PROTO_OST_DOWN == 2);
	CHECK(PROTO_TARGET_MDT == 1);
	CHECK(PROTO_TARGET_OST == 2);
	CHECK(PROTO_FSNAME_MAX == 64);
	CHECK(PROTO_HOST_MAX == 255);
	CHECK(PROTO_MAX_OSTS == 1024);
	CHECK(PROTO_ERRMSG_MAX == 1024);

	d = proto_op_lookup(PROTO_OP_HELLO);
	CHECK(d && strcmp(d->name, "HELLO") == 0 && d->min_len == 13);
	d = proto_op_lookup(PROTO_OP_PING);
	CHECK(d && strcmp(d->name, "PING") == 0 && d->min_len == 8);
	d = proto_op_lookup(PROTO_OP_STATFS);
	CHECK(d && strcmp(d->name, "STATFS") == 0 && d->min_len == 0);
	CHECK(proto_op_lookup(0) == NULL);
	CHECK(proto_op_lookup(PROTO_OP_MAX) == NULL);
	CHECK(proto_op_lookup(0xffff) == NULL);
	/* The minimum HELLO is the request with empty strings. */
	{
		struct msg_hello h = { .role = PROTO_ROLE_CLIENT };

		CHECK(msg_hello_encoded_len(&h) == 13);
	}
}

/* --- HELLO --- */

static void check_hello_equal(const struct msg_hello *a,
			      const struct msg_hello *b)
{
	CHECK(a->proto_version == b->proto_version);
	CHECK(a->role == b->role);
	CHECK(a->id == b->id);
	CHECK(a->fsname_len == b->fsname_len);
	CHECK(memcmp(a->fsname, b->fsname, a->fsname_len) == 0);
	CHECK(a->host_len == b->host_len);
	CHECK(memcmp(a->host, b->host, a->host_len) == 0);
	CHECK(a->port == b->port);
	CHECK(!a->has_config == !b->has_config);
	if (!a->has_config || !b->has_config)
		return;
	CHECK(a->stripe_size == b->stripe_size);
	CHECK(a->stripe_count == b->stripe_count);
	CHECK(a->deployment == b->deployment);
	CHECK(a->map_version == b->map_version);
	CHECK(a->ost_count == b->ost_count);
	for (uint32_t i = 0; i < a->ost_count && i < b->ost_count; i++) {
		const struct msg_ost_entry *x = &a->osts[i], *y = &b->osts[i];

		CHECK(x->ost_idx == y->ost_idx);
		CHECK(x->state == y->state);
		CHECK(x->host_len == y->host_len);
		CHECK(memcmp(x->host, y->host, x->host_len) == 0);
		CHECK(x->port == y->port);
	}
}

static void test_hello_golden(void)
{
	static struct hello_box box;
	size_t used;

	check_encode("HELLO request", enc_hello, &hello_req,
		     msg_hello_encoded_len(&hello_req), golden_hello_req,
		     sizeof(golden_hello_req));
	check_encode("HELLO reply", enc_hello, &hello_reply,
		     msg_hello_encoded_len(&hello_reply), golden_hello_reply,
		     sizeof(golden_hello_reply));

	/* decoding into a struct full of garbage */
	memset(&box, 0x5a, sizeof(box));
	CHECK(decode_exact(dec_hello, golden_hello_req,
			   sizeof(golden_hello_req), &box, &used) == 0);
	CHECK(used == sizeof(golden_hello_req));
	CHECK(box.m.has_config == 0 && box.m.ost_count == 0);
	check_hello_equal(&box.m, &hello_req);

	/* the strings point into the received buffer (zero copy) */
	{
		struct msg_hello m = { 0 };
		struct cursor c;

		cursor_init(&c, golden_hello_req, sizeof(golden_hello_req));
		CHECK(msg_hello_decode(&c, &m) == 0);
		CHECK((const uint8_t *)m.fsname == golden_hello_req + 9);
		CHECK((const uint8_t *)m.host == golden_hello_req + 14);
	}

	CHECK(decode_exact(dec_hello, golden_hello_reply,
			   sizeof(golden_hello_reply), &box, &used) == 0);
	CHECK(used == sizeof(golden_hello_reply));
	CHECK(box.m.has_config == 1);
	check_hello_equal(&box.m, &hello_reply);

	check_truncations("HELLO request", dec_hello, &box, golden_hello_req,
			  sizeof(golden_hello_req), NO_VALID_PREFIX);
	check_truncations("HELLO reply", dec_hello, &box, golden_hello_reply,
			  sizeof(golden_hello_reply), HELLO_REPLY_BASE_LEN);
	CHECK(decode_exact(dec_hello, golden_hello_reply, HELLO_REPLY_BASE_LEN,
			   &box, NULL) == 0);
	CHECK(box.m.has_config == 0 && box.m.ost_count == 0);

	/* fields appended after the OST map by a newer peer are ignored */
	{
		uint8_t buf[sizeof(golden_hello_reply) + 5];

		memcpy(buf, golden_hello_reply, sizeof(golden_hello_reply));
		memset(buf + sizeof(golden_hello_reply), 0xee, 5);
		CHECK(decode_exact(dec_hello, buf, sizeof(buf), &box, &used) ==
		      0);
		CHECK(used == sizeof(golden_hello_reply));
		check_hello_equal(&box.m, &hello_reply);
	}
}

/* A decoder that does not want the map, or only part of it. */
static void test_hello_ost_cap(void)
{
	struct msg_ost_entry one[1];
	struct msg_hello m;
	struct cursor c;
	uint8_t bad[sizeof(golden_hello_reply)];

	memset(&m, 0, sizeof(m));
	cursor_init(&c, golden_hello_reply, sizeof(golden_hello_reply));
	CHECK(msg_hello_decode(&c, &m) == 0);
	CHECK(m.has_config == 1 && m.ost_count == 2);
	CHECK(c.pos == c.end);

	memset(&m, 0, sizeof(m));
	memset(one, 0, sizeof(one));
	m.osts = one;
	m.ost_cap = 1;
	cursor_init(&c, golden_hello_reply, sizeof(golden_hello_reply));
	CHECK(msg_hello_decode(&c, &m) == 0);
	CHECK(m.ost_count == 2);
	CHECK(one[0].ost_idx == 0 && one[0].state == PROTO_OST_UP);
	CHECK(one[0].host_len == 4 && memcmp(one[0].host, "oss0", 4) == 0);

	/* an entry past the cap is still validated */
	memcpy(bad, golden_hello_reply, sizeof(bad));
	bad[sizeof(bad) - 9] = 3; /* state of OST 1 */
	memset(&m, 0, sizeof(m));
	m.osts = one;
	m.ost_cap = 1;
	cursor_init(&c, bad, sizeof(bad));
	CHECK(msg_hello_decode(&c, &m) == -EBADMSG);
	CHECK(m.ost_count == 0 && m.has_config == 0);
}

/*
 * Build a HELLO with the given string lengths and OST count, each OST with
 * a host of ost_host_len bytes, encode it (or fake the encoding when the
 * encoder refuses), decode it, and return the decoder's verdict.
 */
static int hello_decode_built(size_t fsname_len, size_t host_len,
			      int has_config, uint32_t ost_count,
			      size_t ost_host_len)
{
	static char text[70000];
	static struct hello_box box;
	struct wbuf w;
	uint8_t *buf;
	size_t cap;
	int rc;

	memset(text, 'a', sizeof(text));
	cap = 64 + fsname_len + host_len +
	      (size_t)ost_count * (16 + ost_host_len);
	buf = malloc(cap);
	if (!buf) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	/* written field by field so that over-cap values can be produced */
	wbuf_init(&w, buf, cap);
	wbuf_put_u16(&w, PROTO_VERSION);
	wbuf_put_u8(&w, PROTO_ROLE_MDS);
	wbuf_put_u32(&w, 0);
	wbuf_put_str(&w, text, fsname_len);
	wbuf_put_str(&w, text, host_len);
	wbuf_put_u16(&w, 988);
	if (has_config) {
		wbuf_put_u32(&w, 1u << 20);
		wbuf_put_u32(&w, 1);
		wbuf_put_u8(&w, PROTO_DEPLOY_SCRATCH);
		wbuf_put_u64(&w, 1);
		wbuf_put_u32(&w, ost_count);
		for (uint32_t i = 0; i < ost_count; i++) {
			wbuf_put_u32(&w, i);
			wbuf_put_u8(&w, PROTO_OST_UP);
			wbuf_put_str(&w, text, ost_host_len);
			wbuf_put_u16(&w, 1018);
		}
	}
	if (!wbuf_ok(&w)) {
		fprintf(stderr, "hello_decode_built: buffer too small\n");
		exit(1);
	}
	rc = decode_exact(dec_hello, buf, (size_t)(w.pos - buf), &box, NULL);
	if (rc == 0 && has_config)
		CHECK(box.m.ost_count == ost_count);
	free(buf);
	return rc;
}

static void test_hello_limits(void)
{
	CHECK(hello_decode_built(PROTO_FSNAME_MAX, 0, 0, 0, 0) == 0);
	CHECK(hello_decode_built(PROTO_FSNAME_MAX + 1, 0, 0, 0, 0) == -EBADMSG);
	CHECK(hello_decode_built(65535, 0, 0, 0, 0) == -EBADMSG);
	CHECK(hello_decode_built(3, PROTO_HOST_MAX, 0, 0, 0) == 0);
	CHECK(hello_decode_built(3, PROTO_HOST_MAX + 1, 0, 0, 0) == -EBADMSG);
	CHECK(hello_decode_built(3, 0, 1, 0, 0) == 0);
	CHECK(hello_decode_built(3, 0, 1, 2, PROTO_HOST_MAX) == 0);
	CHECK(hello_decode_built(3, 0, 1, 2, PROTO_HOST_MAX + 1) == -EBADMSG);
	CHECK(hello_decode_built(3, 0, 1, PROTO_MAX_OSTS, 4) == 0);
	CHECK(hello_decode_built(3, 0, 1, PROTO_MAX_OSTS + 1, 4) == -EBADMSG);
}

/* Patch one byte of an image and decode it; returns the decoder's verdict. */
static int hello_patched(const uint8_t *img, size_t len, size_t off,
			 uint8_t v)
{
	static struct hello_box box;
	uint8_t buf[256];

	memcpy(buf, img, len);
	buf[off] = v;
	return decode_exact(dec_hello, buf, len, &box, NULL);
}

static void test_hello_range(void)
{
	static const uint8_t bad_roles[] = { 0, 5, 0x80, 0xff };
	static const uint8_t bad_states[] = { 0, 3, 0xff };
	static const uint8_t bad_deploy[] = { 0, 3, 0xff };
	static const size_t ost_state_off[] = { 41, 54 };
	const size_t req = sizeof(golden_hello_req);
	const size_t rep = sizeof(golden_hello_reply);

	for (uint8_t r = PROTO_ROLE_CLIENT; r <= PROTO_ROLE_TOOL; r++) {
		CHECK(hello_patched(golden_hello_req, req, 2, r) == 0);
		CHECK(hello_patched(golden_hello_reply, rep, 2, r) == 0);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad_roles); i++) {
		CHECK(hello_patched(golden_hello_req, req, 2, bad_roles[i]) ==
		      -EBADMSG);
		CHECK(hello_patched(golden_hello_reply, rep, 2,
				    bad_roles[i]) == -EBADMSG);
	}
	for (size_t j = 0; j < ARRAY_LEN(ost_state_off); j++) {
		CHECK(golden_hello_reply[ost_state_off[j]] == (uint8_t)(PROTO_OST_UP + j));
		for (size_t i = 0; i < ARRAY_LEN(bad_states); i++)
			CHECK(hello_patched(golden_hello_reply, rep,
					    ost_state_off[j],
					    bad_states[i]) == -EBADMSG);
	}
	CHECK(hello_patched(golden_hello_reply, rep, 24, PROTO_DEPLOY_SCRATCH) ==
	      0);
	for (size_t i = 0; i < ARRAY_LEN(bad_deploy); i++)
		CHECK(hello_patched(golden_hello_reply, rep, 24,
				    bad_deploy[i]) == -EBADMSG);

	/* a count larger than the entries present, and over the cap */
	CHECK(hello_patched(golden_hello_reply, rep, 33, 3) == -EBADMSG);
	CHECK(hello_patched(golden_hello_reply, rep, 36, 0x80) == -EBADMSG);
	CHECK(hello_patched(golden_hello_reply, rep, 33, 1) == 0);
	/* a string length running past the end */
	CHECK(hello_patched(golden_hello_req, req, 7, 0xff) == -EBADMSG);
	CHECK(hello_patched(golden_hello_req, req, 12, 9) == -EBADMSG);
	/* a config too short to be one (a lone trailing byte) */
	{
		static struct hello_box box;
		uint8_t buf[sizeof(golden_hello_req) + 1];

		memcpy(buf, golden_hello_req, sizeof(golden_hello_req));
		buf[sizeof(golden_hello_req)] = 0;
		CHECK(decode_exact(dec_hello, buf, sizeof(buf), &box, NULL) ==
		      -EBADMSG);
	}
}

/* The encoder refuses what the decoder would refuse. */
static void test_hello_encode_limits(void)
{
	static char text[300];
	static struct msg_ost_entry osts[PROTO_MAX_OSTS + 1];
	static uint8_t buf[PROTO_MAX_OSTS * 16 + 1024];
	struct msg_hello m = hello_reply;
	struct msg_ost_entry e = reply_osts[0];

	memset(text, 'h', sizeof(text));
	m.fsname = text;
	m.fsname_len = PROTO_FSNAME_MAX + 1;
	CHECK(msg_hello_encode(&m, buf, sizeof(buf)) == -EMSGSIZE);
	m.fsname_len = PROTO_FSNAME_MAX;
	CHECK(msg_hello_encode(&m, buf, sizeof(buf)) ==
	      (ssize_t)msg_hello_encoded_len(&m));

	m = hello_reply;
	m.host = text;
	m.host_len = PROTO_HOST_MAX + 1;
	CHECK(msg_hello_encode(&m, buf, sizeof(buf)) == -EMSGSIZE);
	m.host_len = PROTO_HOST_MAX;
	CHECK(msg_hello_encode(&m, buf, sizeof(buf)) ==
	      (ssize_t)msg_hello_encoded_len(&m));

	m = hello_reply;
	e.host = text;
	e.host_len = PROTO_HOST_MAX + 1;
	m.osts = &e;
	m.ost_count = 1;
	CHECK(msg_hello_encode(&m, buf, sizeof(buf)) == -EMSGSIZE);
	e.host_len = PROTO_HOST_MAX;
	CHECK(msg_hello_encode(&m, buf, sizeof(buf)) ==
	      (ssize_t)msg_hello_encoded_len(&m));

	m = hello_reply;
	for (uint32_t i = 0; i <= PROTO_MAX_OSTS; i++)
		osts[i] = reply_osts[0];
	m.osts = osts;
	m.ost_count = PROTO_MAX_OSTS + 1;
	CHECK(msg_hello_encode(&m, buf, sizeof(buf)) == -EMSGSIZE);
	m.ost_count = PROTO_MAX_OSTS;
	CHECK(msg_hello_encode(&m, buf, sizeof(buf)) ==
	      (ssize_t)msg_hello_encoded_len(&m));
}

/* --- PING --- */

static void test_ping(void)
{
	struct msg_ping m;
	size_t used;
	uint8_t buf[sizeof(golden_ping) + 3];

	check_encode("PING", enc_ping, &ping, msg_ping_encoded_len(&ping),
		     golden_ping, sizeof(golden_ping));
	memset(&m, 0x5a, sizeof(m));
	CHECK(decode_exact(dec_ping, golden_ping, sizeof(golden_ping), &m,
			   &used) == 0);
	CHECK(used == 8 && m.time_ns == ping.time_ns);
	check_truncations("PING", dec_ping, &m, golden_ping,
			  sizeof(golden_ping), NO_VALID_PREFIX);
	/* trailing bytes are ignored */
	memcpy(buf, golden_ping, sizeof(golden_ping));
	memset(buf + sizeof(golden_ping), 0xee, 3);
	CHECK(decode_exact(dec_ping, buf, sizeof(buf), &m, &used) == 0);
	CHECK(used == 8 && m.time_ns == ping.time_ns && !m.has_report);
}

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

/* PING with the appended OST usage report: 8 + 45 bytes. */
static void test_ping_report(void)
{
	struct msg_ping m;
	size_t used;
	uint8_t buf[sizeof(golden_ping_report) + 5];

	check_encode("PING+report", enc_ping, &ping_report,
		     msg_ping_encoded_len(&ping_report), golden_ping_report,
		     sizeof(golden_ping_report));
	memset(&m, 0x5a, sizeof(m));
	CHECK(decode_exact(dec_ping, golden_ping_report,
			   sizeof(golden_ping_report), &m, &used) == 0);
	CHECK(used == sizeof(golden_ping_report) && m.has_report);
	CHECK(statfs_eq(&m.report, &ping_report.report));
	CHECK(m.time_ns == 42);
	/* An older sender's 8 bytes, or a report cut short: no report. */
	for (size_t n = 8; n < sizeof(golden_ping_report); n++) {
		memset(&m, 0x5a, sizeof(m));
		if (decode_exact(dec_ping, golden_ping_report, n, &m, &used) ||
		    used != 8 || m.has_report) {
			fprintf(stderr, "PING+report: prefix of %zu bytes\n", n);
			failures++;
		}
	}
	/* Bytes appended after the report are ignored. */
	memcpy(buf, golden_ping_report, sizeof(golden_ping_report));
	memset(buf + sizeof(golden_ping_report), 0xee, 5);
	CHECK(decode_exact(dec_ping, buf, sizeof(buf), &m, &used) == 0);
	CHECK(used == sizeof(golden_ping_report) && m.has_report);
	/* 45 bytes that are not a valid report (target 9; used > total):
	 * ignored like unknown trailing bytes. */
	memcpy(buf, golden_ping_report, sizeof(golden_ping_report));
	buf[8] = 9;
	CHECK(decode_exact(dec_ping, buf, sizeof(golden_ping_report), &m,
			   &used) == 0);
	CHECK(used == 8 && !m.has_report && m.time_ns == 42);
	memcpy(buf, golden_ping_report, sizeof(golden_ping_report));
	buf[28] = 0x01; /* bytes used's top byte: used > total */
	CHECK(decode_exact(dec_ping, buf, sizeof(golden_ping_report), &m,
			   &used) == 0);
	CHECK(used == 8 && !m.has_report);
}

/* --- STATFS --- */

static int statfs_patched(size_t off, uint64_t v)
{
	struct msg_statfs m;
	uint8_t buf[sizeof(golden_statfs)];

	memcpy(buf, golden_statfs, sizeof(buf));
	if (off == 0)
		buf[0] = (uint8_t)v;
	else
		le64_store(buf + off, v);
	return decode_exact(dec_statfs, buf, sizeof(buf), &m, NULL);
}

static void test_statfs(void)
{
	struct msg_statfs m;
	size_t used;

	check_encode("STATFS", enc_statfs, &statfs,
		     msg_statfs_encoded_len(&statfs), golden_statfs,
		     sizeof(golden_statfs));
	memset(&m, 0x5a, sizeof(m));
	CHECK(decode_exact(dec_statfs, golden_statfs, sizeof(golden_statfs),
			   &m, &used) == 0);
	CHECK(used == sizeof(golden_statfs));
	CHECK(m.target == statfs.target && m.target_idx == statfs.target_idx);
	CHECK(m.bytes_total == 1000 && m.bytes_used == 400);
	CHECK(m.bytes_avail == 600);
	CHECK(m.files_total == 100 && m.files_used == 10);
	CHECK(m.data_logical_bytes == 300 && m.data_stored_bytes == 100);
	check_truncations("STATFS", dec_statfs, &m, golden_statfs,
			  STATFS_BASE_LEN, NO_VALID_PREFIX);
	/* An older peer's reply (no appended fields, or a partial tail that
	 * is trailing bytes) decodes with 0 and 0. */
	for (size_t n = STATFS_BASE_LEN; n < sizeof(golden_statfs); n++) {
		memset(&m, 0x5a, sizeof(m));
		CHECK(decode_exact(dec_statfs, golden_statfs, n, &m, &used) ==
		      0);
		CHECK(used == STATFS_BASE_LEN && m.data_logical_bytes == 0 &&
		      m.data_stored_bytes == 0);
	}
	/* stored never exceeds logical */
	CHECK(statfs_patched(53, 300) == 0);
	CHECK(statfs_patched(53, 301) == -EBADMSG);

	/* target type */
	CHECK(statfs_patched(0, PROTO_TARGET_MDT) == 0);
	CHECK(statfs_patched(0, 0) == -EBADMSG);
	CHECK(statfs_patched(0, 3) == -EBADMSG);
	CHECK(statfs_patched(0, 0xff) == -EBADMSG);
	/* used may equal total, never exceed it */
	CHECK(statfs_patched(13, 1000) == 0);
	CHECK(statfs_patched(13, 1001) == -EBADMSG);
	CHECK(statfs_patched(13, UINT64_MAX) == -EBADMSG);
	CHECK(statfs_patched(5, 399) == -EBADMSG);
	CHECK(statfs_patched(37, 100) == 0);
	CHECK(statfs_patched(37, 101) == -EBADMSG);
	CHECK(statfs_patched(29, 9) == -EBADMSG);
	CHECK(statfs_patched(29, UINT64_MAX) == 0);
}

/* --- ERROR --- */

static void test_error(void)
{
	static char text[PROTO_ERRMSG_MAX + 1];
	static uint8_t buf[PROTO_ERRMSG_MAX + 16];
	struct msg_error m;
	struct wbuf w;
	size_t used;

	check_encode("ERROR", enc_error, &error, msg_error_encoded_len(&error),
		     golden_error, sizeof(golden_error));
	memset(&m, 0x5a, sizeof(m));
	CHECK(decode_exact(dec_error, golden_error, sizeof(golden_error), &m,
			   &used) == 0);
	CHECK(used == sizeof(golden_error));
	CHECK(m.reason_len == 11 && memcmp(m.reason, "no such OST", 11) == 0);
	check_truncations("ERROR", dec_error, &m, golden_error,
			  sizeof(golden_error), NO_VALID_PREFIX);

	/* the empty reason */
	m = (struct msg_error){ .reason = NULL, .reason_len = 0 };
	CHECK(msg_error_encoded_len(&m) == 2);
	CHECK(msg_error_encode(&m, buf, sizeof(buf)) == 2);
	CHECK(buf[0] == 0 && buf[1] == 0);
	CHECK(decode_exact(dec_error, buf, 2, &m, NULL) == 0);
	CHECK(m.reason_len == 0);

	/* the cap, on both sides */
	memset(text, 'e', sizeof(text));
	m = (struct msg_error){ .reason = text, .reason_len = PROTO_ERRMSG_MAX };
	CHECK(msg_error_encode(&m, buf, sizeof(buf)) == PROTO_ERRMSG_MAX + 2);
	CHECK(decode_exact(dec_error, buf, PROTO_ERRMSG_MAX + 2, &m, NULL) ==
	      0);
	CHECK(m.reason_len == PROTO_ERRMSG_MAX);
	m = (struct msg_error){ .reason = text,
				.reason_len = PROTO_ERRMSG_MAX + 1 };
	CHECK(msg_error_encode(&m, buf, sizeof(buf)) == -EMSGSIZE);
	wbuf_init(&w, buf, sizeof(buf));
	wbuf_put_str(&w, text, PROTO_ERRMSG_MAX + 1);
	CHECK(wbuf_ok(&w));
	CHECK(decode_exact(dec_error, buf, PROTO_ERRMSG_MAX + 3, &m, NULL) ==
	      -EBADMSG);
}

int main(void)
{
	test_constants();
	test_hello_golden();
	test_hello_ost_cap();
	test_hello_limits();
	test_hello_range();
	test_hello_encode_limits();
	test_ping();
	test_ping_report();
	test_statfs();
	test_error();
	if (failures) {
		fprintf(stderr, "test_msg: %d checks failed\n", failures);
		return 1;
	}
	printf("test_msg: all checks passed\n");
	return 0;
}
