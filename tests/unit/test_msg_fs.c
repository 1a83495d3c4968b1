/*
 * test_msg_fs.c - wire test of the file system's messages (proto/msg_fs.h).
 *
 * Like test_msg.c (after Lustre's ptlrpc/wiretest.c): it pins every opcode
 * number, flag value and cap, and the dispatch table's names and minimum
 * lengths (each equal to the encoded length of the smallest valid request,
 * built here). Golden byte images, written out by hand from the layout
 * tables of msg_fs.h, freeze LOOKUP, CREATE with a layout request, SETATTR,
 * LOCK, OBJ_WRITE, OBJ_LIST, a READDIR reply of two entries, an entry reply
 * with two stripes, a LOCK reply and an OBJ_LIST reply: the encoder must produce each byte for byte and
 * the decoder must give the struct back.
 *
 * Then every metadata and object opcode's request makes a round trip and
 * carries exactly the fields this file's own transcription of the header's
 * table gives it (the others decode as zero); every proper prefix of every
 * image and round-trip encoding is rejected (decoded from a heap buffer of
 * exactly that size, so an overread shows under ASan); out-of-range values
 * are rejected on decode and refused on encode; caps are accepted exactly
 * and refused one past; every encoder refuses each too-small buffer with
 * -EMSGSIZE without writing past it.
 *
 * Exit 0 pass, 1 fail.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/codec.h"
#include "proto/msg.h"
#include "proto/msg_fs.h"
#include "tests/unit/check.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define BYTES(s)     { .p = (const uint8_t *)(s), .len = sizeof(s) - 1 }

/* --- golden images --- */

/* LOOKUP "foo" in the root, by uid 1000 gid 100 with groups 10 and 20. */
static const uint8_t golden_lookup[] = {
	0xe8, 0x03, 0x00, 0x00, /* uid 1000 */
	0x64, 0x00, 0x00, 0x00, /* gid 100 */
	0x02, 0x00,		/* 2 groups */
	0x0a, 0x00, 0x00, 0x00, /* 10 */
	0x14, 0x00, 0x00, 0x00, /* 20 */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* parent 1 */
	0x03, 0x00, 'f', 'o', 'o',
};

/* CREATE "a.dat" O_EXCL asking for 4 stripes of 1 MiB, LZ4, any OST. */
static const uint8_t golden_create[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* root */
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* parent 0x10 */
	0x05, 0x00, 'a', '.', 'd', 'a', 't',
	0xa4, 0x81, 0x00, 0x00, /* mode S_IFREG | 0644 */
	0x01, 0x00, 0x00, 0x00, /* flags EXCL */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* rdev 0 */
	0x00, 0x00, 0x10, 0x00, /* stripe size 1 MiB */
	0x04, 0x00, 0x00, 0x00, /* stripe count 4 */
	0xff, 0xff, 0xff, 0xff, /* first OST -1 */
	0x01, 0x00, 0x00, 0x00, /* pattern LZ4 */
	0x00, 0x00, 0x00, 0x00, /* gen 0 */
	0x00, 0x00, 0x00, 0x00, /* no stripes */
};

/* SETATTR: chmod 0640, truncate to 4096 and set mtime. */
static const uint8_t golden_setattr[] = {
	0xe8, 0x03, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, /* cred */
	0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* ino */
	0x29, 0x00, 0x00, 0x00, /* valid MODE | SIZE | MTIME */
	0xa0, 0x81, 0x00, 0x00, /* mode S_IFREG | 0640 */
	0x00, 0x00, 0x00, 0x00, /* uid 0 */
	0x00, 0x00, 0x00, 0x00, /* gid 0 */
	0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* size 4096 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* atime 0 s */
	0x00, 0x00, 0x00, 0x00,				/* 0 ns */
	0x00, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00, /* mtime 1700000000 s */
	0x00, 0x65, 0xcd, 0x1d,				/* 500000000 ns */
};

/* LOCK: a blocking POSIX write lock on the whole file. */
static const uint8_t golden_lock_req[] = {
	0xe8, 0x03, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, /* cred */
	0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ino 0x20 */
	0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* owner */
	0x92, 0x10, 0x00, 0x00, /* pid 4242 */
	0x02,			/* POSIX */
	0x03,			/* SETW */
	0x01,			/* WR */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* start 0 */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* end EOF */
};

/* LOCK reply to a GET: a conflicting read lock on bytes 100..199. */
static const uint8_t golden_lock_reply[] = {
	0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ino 0x20 */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* owner 1 */
	0x07, 0x00, 0x00, 0x00, /* pid 7 */
	0x02, 0x01, 0x00,	/* POSIX, GET, RD */
	0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* start 100 */
	0xc7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* end 199 */
};

/* OBJ_WRITE "hello" at 1 MiB into stripe 1, compressed and synced. */
static const uint8_t golden_obj_write[] = {
	0x0d, 0x0c, 0x0b, 0x0a, 0x00, 0x00, 0x00, 0x00, /* object 0x0a0b0c0d */
	0x01, 0x00, 0x00, 0x00, /* stripe 1 */
	0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, /* off 1 MiB */
	0x03, 0x00, 0x00, 0x00, /* LZ4 | SYNC */
	0x05, 0x00, 0x00, 0x00, 'h', 'e', 'l', 'l', 'o',
};

/* OBJ_LIST after object 0x100 stripe 2, at most 1000 entries. */
static const uint8_t golden_obj_list_req[] = {
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* after object 0x100 */
	0x02, 0x00, 0x00, 0x00, /* after stripe 2 */
	0xe8, 0x03, 0x00, 0x00, /* max 1000 */
};

/* OBJ_LIST reply: 0x100:3 and 0x200:0, more to come. */
static const uint8_t golden_obj_list[] = {
	0x00,			/* not eof */
	0x02, 0x00, 0x00, 0x00, /* 2 entries */
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* object 0x100 */
	0x03, 0x00, 0x00, 0x00, /* stripe 3 */
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* object 0x200 */
	0x00, 0x00, 0x00, 0x00, /* stripe 0 */
};

/* READDIR reply: "." and "file", end of directory. */
static const uint8_t golden_readdir[] = {
	0x01,			/* eof */
	0x02, 0x00, 0x00, 0x00, /* 2 entries */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ino 1 */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* cookie 1 */
	0x04,			/* DT_DIR */
	0x01, 0x00, '.',
	0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ino 0x20 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* cookie 2 */
	0x08,			/* DT_REG */
	0x04, 0x00, 'f', 'i', 'l', 'e',
};

/* Entry reply: a 3 MiB file striped over OSTs 1 and 2. */
static const uint8_t golden_entry[] = {
	0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ino 0x20 */
	0xa4, 0x81, 0x00, 0x00, /* mode S_IFREG | 0644 */
	0xe8, 0x03, 0x00, 0x00, /* uid 1000 */
	0x64, 0x00, 0x00, 0x00, /* gid 100 */
	0x01, 0x00, 0x00, 0x00, /* nlink 1 */
	0x03, 0x00, 0x00, 0x00, /* gen 3 */
	0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, /* size 3 MiB */
	0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 6144 blocks */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* rdev 0 */
	0x00, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00, /* atime */
	0x00, 0x00, 0x00, 0x00,
	0x00, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00, /* mtime */
	0x01, 0x00, 0x00, 0x00,
	0x01, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00, /* ctime */
	0xff, 0xc9, 0x9a, 0x3b, /* 999999999 ns */
	/* offset 88: layout */
	0x00, 0x00, 0x10, 0x00, /* stripe size 1 MiB */
	0x02, 0x00, 0x00, 0x00, /* stripe count 2 */
	0x01, 0x00, 0x00, 0x00, /* first OST 1 */
	0x00, 0x00, 0x00, 0x00, /* pattern 0 */
	0x01, 0x00, 0x00, 0x00, /* gen 1 */
	0x02, 0x00, 0x00, 0x00, /* 2 stripes */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* --- the structs the images encode --- */

static const struct msg_md_req lookup_req = {
	.cred = { .uid = 1000, .gid = 100, .ngroups = 2, .groups = { 10, 20 } },
	.ino = 1,
	.name = BYTES("foo"),
};

static const struct msg_md_req create_req = {
	.ino = 0x10,
	.name = BYTES("a.dat"),
	.mode = S_IFREG | 0644,
	.flags = PROTO_CREATE_EXCL,
	.layout = { .stripe_size = 1u << 20, .stripe_count = 4,
		    .first_ost = -1, .pattern = PROTO_PATTERN_LZ4 },
};

static const struct msg_md_req setattr_req = {
	.cred = { .uid = 1000, .gid = 1000 },
	.ino = 0x0102030405060708ull,
	.valid = PROTO_SET_MODE | PROTO_SET_SIZE | PROTO_SET_MTIME,
	.mode = S_IFREG | 0640,
	.size = 4096,
	.mtime = { .sec = 1700000000, .nsec = 500000000 },
};

static const struct msg_md_req lock_req = {
	.cred = { .uid = 1000, .gid = 100 },
	.ino = 0x20,
	.lk_owner = 0x1122334455667788ull,
	.lk_pid = 4242,
	.lk_kind = PROTO_LOCK_POSIX,
	.lk_cmd = PROTO_LOCK_SETW,
	.lk_type = PROTO_LOCK_WR,
	.lk_start = 0,
	.lk_end = UINT64_MAX,
};

static const struct msg_lock lock_reply = {
	.ino = 0x20, .owner = 1, .pid = 7, .kind = PROTO_LOCK_POSIX,
	.cmd = PROTO_LOCK_GET, .type = PROTO_LOCK_RD, .start = 100, .end = 199,
};

static const struct msg_obj_req obj_write_req = {
	.object_id = 0x0a0b0c0d,
	.stripe_idx = 1,
	.off = 1u << 20,
	.flags = PROTO_OBJ_LZ4 | PROTO_OBJ_SYNC,
	.data = BYTES("hello"),
};

static const struct msg_obj_req obj_list_req = {
	.object_id = 0x100,
	.stripe_idx = 2,
	.max = 1000,
};

static struct msg_obj_ref obj_list_refs[2] = { { 0x100, 3 }, { 0x200, 0 } };

static const struct msg_obj_list obj_list_reply = {
	.eof = 0, .count = 2, .objs = obj_list_refs,
};

static const struct msg_dirent readdir_ents[2] = {
	{ .ino = 1, .cookie = 1, .type = DT_DIR, .name = BYTES(".") },
	{ .ino = 0x20, .cookie = 2, .type = DT_REG, .name = BYTES("file") },
};

static const struct msg_entry file_entry = {
	.attr = { .ino = 0x20, .mode = S_IFREG | 0644, .uid = 1000, .gid = 100,
		  .nlink = 1, .gen = 3, .size = 3u << 20, .blocks = 6144,
		  .atime = { 1700000000, 0 }, .mtime = { 1700000000, 1 },
		  .ctime = { 1700000001, 999999999 } },
	.layout = { .stripe_size = 1u << 20, .stripe_count = 2, .first_ost = 1,
		    .gen = 1, .nstripes = 2,
		    .stripes = { { 1, 0x100 }, { 2, 0x200 } } },
};

/* --- generic helpers: one encode and one decode signature for all --- */

typedef ssize_t (*encode_fn)(const void *m, void *buf, size_t len);
typedef int (*decode_fn)(struct cursor *c, void *m);

/* Requests travel with their opcode. */
struct md_box {
	uint16_t op;
	struct msg_md_req m;
};

struct obj_box {
	uint16_t op;
	struct msg_obj_req m;
};

/* A READDIR reply decoded: header and up to 8 entries. */
struct readdir_box {
	uint8_t eof;
	uint32_t count;
	struct msg_dirent ents[8];
};

static ssize_t enc_md(const void *m, void *buf, size_t len)
{
	const struct md_box *b = m;

	return msg_md_req_encode(b->op, &b->m, buf, len);
}

static int dec_md(struct cursor *c, void *m)
{
	struct md_box *b = m;

	return msg_md_req_decode(b->op, c, &b->m);
}

static ssize_t enc_obj(const void *m, void *buf, size_t len)
{
	const struct obj_box *b = m;

	return msg_obj_req_encode(b->op, &b->m, buf, len);
}

static int dec_obj(struct cursor *c, void *m)
{
	struct obj_box *b = m;

	return msg_obj_req_decode(b->op, c, &b->m);
}

/* An OBJ_LIST reply decoded into room for 8 entries. */
struct obj_list_box {
	struct msg_obj_list l;
	struct msg_obj_ref refs[8];
};

static ssize_t enc_obj_list(const void *m, void *buf, size_t len)
{
	return msg_obj_list_encode(m, buf, len);
}

static int dec_obj_list(struct cursor *c, void *m)
{
	struct obj_list_box *b = m;

	b->l.objs = b->refs;
	b->l.cap = 8;
	return msg_obj_list_decode(c, &b->l);
}

static ssize_t enc_entry(const void *m, void *buf, size_t len)
{
	return msg_entry_encode(m, buf, len);
}

static int dec_entry(struct cursor *c, void *m)
{
	return msg_entry_decode(c, m);
}

static ssize_t enc_lock(const void *m, void *buf, size_t len)
{
	return msg_lock_encode(m, buf, len);
}

static int dec_lock(struct cursor *c, void *m)
{
	return msg_lock_decode(c, m);
}

static ssize_t enc_layout(const void *m, void *buf, size_t len)
{
	return msg_layout_encode(m, buf, len);
}

static int dec_layout(struct cursor *c, void *m)
{
	return msg_layout_decode(c, m);
}

/* Encodes a readdir_box the way a server builds the reply. */
static ssize_t enc_readdir(const void *m, void *buf, size_t len)
{
	const struct readdir_box *b = m;
	struct wbuf w;

	wbuf_init(&w, buf, len);
	if (!wbuf_room(&w, MSG_READDIR_HDR))
		return -EMSGSIZE;
	for (uint32_t i = 0; i < b->count; i++)
		msg_dirent_put(&w, &b->ents[i]);
	if (!wbuf_ok(&w))
		return -EMSGSIZE;
	msg_readdir_finish(buf, b->eof, b->count);
	return (ssize_t)(w.pos - (uint8_t *)buf);
}

static int dec_readdir(struct cursor *c, void *m)
{
	struct readdir_box *b = m;
	int rc = msg_readdir_decode_header(c, &b->eof, &b->count);

	if (!rc && b->count > ARRAY_LEN(b->ents))
		rc = -E2BIG;
	for (uint32_t i = 0; !rc && i < b->count; i++)
		rc = msg_dirent_get(c, &b->ents[i]);
	return rc;
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

#define ENC_BUF_MAX 8192

/*
 * The encoder writes exactly img into an exact buffer, and refuses every
 * smaller buffer with -EMSGSIZE without writing past it.
 */
static void check_encode(const char *what, encode_fn enc, const void *m,
			 size_t encoded_len, const uint8_t *img, size_t len)
{
	static uint8_t buf[ENC_BUF_MAX + 16];

	if (len > ENC_BUF_MAX) {
		fprintf(stderr, "%s: image too long for the test\n", what);
		failures++;
		return;
	}
	CHECK(encoded_len == len);
	memset(buf, 0xaa, sizeof(buf));
	CHECK(enc(m, buf, len) == (ssize_t)len);
	if (memcmp(buf, img, len) != 0) {
		fprintf(stderr, "%s: encoding differs\n", what);
		dump_diff(what, buf, img, len);
		failures++;
	}
	CHECK(buf[len] == 0xaa);

	for (size_t n = 0; n < len; n++) {
		memset(buf, 0xaa, len + 16);
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
	memset(buf, 0xaa, len + 16);
	CHECK(enc(m, buf, len + 16) == (ssize_t)len);
	CHECK(memcmp(buf, img, len) == 0);
}

/* Every proper prefix is -EBADMSG. */
static void check_truncations(const char *what, decode_fn dec, void *m,
			      const uint8_t *img, size_t len)
{
	for (size_t n = 0; n < len; n++) {
		int rc = decode_exact(dec, img, n, m, NULL);

		if (rc != -EBADMSG) {
			fprintf(stderr, "%s: prefix of %zu bytes: rc %d\n",
				what, n, rc);
			failures++;
		}
	}
}

/* Decodes all of img (with trailing bytes too), else counts a failure. */
static void check_decodes(const char *what, decode_fn dec, void *m,
			  const uint8_t *img, size_t len)
{
	static uint8_t longer[ENC_BUF_MAX + 3];
	size_t used;
	int rc = decode_exact(dec, img, len, m, &used);

	if (rc || used != len) {
		fprintf(stderr, "%s: decode rc %d, used %zu of %zu\n", what,
			rc, used, len);
		failures++;
	}
	/* a newer peer's appended fields are ignored */
	if (len <= ENC_BUF_MAX) {
		memcpy(longer, img, len);
		memcpy(longer + len, "new", 3);
		rc = decode_exact(dec, longer, len + 3, m, &used);
		if (rc || used != len) {
			fprintf(stderr, "%s: with trailing bytes: rc %d\n",
				what, rc);
			failures++;
		}
		decode_exact(dec, img, len, m, NULL); /* m points into img */
	}
}

/* --- comparisons --- */

static int bytes_equal(const struct msg_bytes *a, const struct msg_bytes *b)
{
	return a->len == b->len && (!a->len || memcmp(a->p, b->p, a->len) == 0);
}

static int time_equal(const struct msg_time *a, const struct msg_time *b)
{
	return a->sec == b->sec && a->nsec == b->nsec;
}

static int layout_equal(const struct msg_layout *a, const struct msg_layout *b)
{
	if (a->stripe_size != b->stripe_size ||
	    a->stripe_count != b->stripe_count ||
	    a->first_ost != b->first_ost || a->pattern != b->pattern ||
	    a->gen != b->gen || a->nstripes != b->nstripes)
		return 0;
	for (uint32_t i = 0; i < a->nstripes && i < PROTO_MAX_STRIPES; i++)
		if (a->stripes[i].ost_idx != b->stripes[i].ost_idx ||
		    a->stripes[i].object_id != b->stripes[i].object_id)
			return 0;
	return 1;
}

static int attr_equal(const struct msg_attr *a, const struct msg_attr *b)
{
	return a->ino == b->ino && a->mode == b->mode && a->uid == b->uid &&
	       a->gid == b->gid && a->nlink == b->nlink && a->gen == b->gen &&
	       a->size == b->size && a->blocks == b->blocks &&
	       a->rdev == b->rdev && time_equal(&a->atime, &b->atime) &&
	       time_equal(&a->mtime, &b->mtime) &&
	       time_equal(&a->ctime, &b->ctime);
}

static int cred_equal(const struct msg_cred *a, const struct msg_cred *b)
{
	if (a->uid != b->uid || a->gid != b->gid || a->ngroups != b->ngroups)
		return 0;
	for (uint16_t i = 0; i < a->ngroups && i < PROTO_MAX_GROUPS; i++)
		if (a->groups[i] != b->groups[i])
			return 0;
	return 1;
}

static int md_equal(const struct msg_md_req *a, const struct msg_md_req *b)
{
	return cred_equal(&a->cred, &b->cred) && a->ino == b->ino &&
	       bytes_equal(&a->name, &b->name) && a->ino2 == b->ino2 &&
	       bytes_equal(&a->name2, &b->name2) &&
	       bytes_equal(&a->value, &b->value) && a->mode == b->mode &&
	       a->flags == b->flags && a->valid == b->valid &&
	       a->uid == b->uid && a->gid == b->gid && a->size == b->size &&
	       a->rdev == b->rdev && time_equal(&a->atime, &b->atime) &&
	       time_equal(&a->mtime, &b->mtime) && a->cookie == b->cookie &&
	       a->max_bytes == b->max_bytes &&
	       layout_equal(&a->layout, &b->layout) &&
	       a->lk_owner == b->lk_owner && a->lk_pid == b->lk_pid &&
	       a->lk_kind == b->lk_kind && a->lk_cmd == b->lk_cmd &&
	       a->lk_type == b->lk_type && a->lk_start == b->lk_start &&
	       a->lk_end == b->lk_end;
}

static int obj_equal(const struct msg_obj_req *a, const struct msg_obj_req *b)
{
	return a->object_id == b->object_id && a->stripe_idx == b->stripe_idx &&
	       a->off == b->off && a->len == b->len && a->size == b->size &&
	       a->flags == b->flags && bytes_equal(&a->data, &b->data) &&
	       a->max == b->max;
}

static int lock_equal(const struct msg_lock *a, const struct msg_lock *b)
{
	return a->ino == b->ino && a->owner == b->owner && a->pid == b->pid &&
	       a->kind == b->kind && a->cmd == b->cmd && a->type == b->type &&
	       a->start == b->start && a->end == b->end;
}

static int dirent_equal(const struct msg_dirent *a, const struct msg_dirent *b)
{
	return a->ino == b->ino && a->cookie == b->cookie &&
	       a->type == b->type && bytes_equal(&a->name, &b->name);
}

/* --- pinned numbers --- */

struct op_name {
	uint16_t op;
	const char *name;
	uint32_t min_len;
};

/* Numbers and minimum lengths from msg_fs.h, worked out by hand. */
static const struct op_name md_ops[] = {
	{ 16, "LOOKUP", 10 + 8 + 3 },
	{ 17, "GETATTR", 10 + 8 },
	{ 18, "SETATTR", 10 + 8 + 4 + 4 + 4 + 4 + 8 + 12 + 12 },
	{ 19, "CREATE", 10 + 8 + 3 + 4 + 4 + 8 + 24 },
	{ 20, "MKDIR", 10 + 8 + 3 + 4 },
	{ 21, "UNLINK", 10 + 8 + 3 },
	{ 22, "RMDIR", 10 + 8 + 3 },
	{ 23, "RENAME", 10 + 8 + 3 + 8 + 3 + 4 },
	{ 24, "LINK", 10 + 8 + 8 + 3 },
	{ 25, "SYMLINK", 10 + 8 + 3 + 3 },
	{ 26, "READLINK", 10 + 8 },
	{ 27, "READDIR", 10 + 8 + 8 + 4 },
	{ 28, "GETXATTR", 10 + 8 + 3 + 4 },
	{ 29, "SETXATTR", 10 + 8 + 3 + 4 + 4 },
	{ 30, "LISTXATTR", 10 + 8 + 4 },
	{ 31, "REMOVEXATTR", 10 + 8 + 3 },
	{ 32, "ACCESS", 10 + 8 + 4 },
	{ 33, "CLOSE", 10 + 8 + 4 + 8 + 12 },
	{ 34, "SETSTRIPE", 10 + 8 + 24 },
	{ 35, "GETSTRIPE", 10 + 8 },
	{ 36, "LOCK", 10 + 8 + 8 + 4 + 1 + 1 + 1 + 8 + 8 },
};

static const struct op_name obj_ops[] = {
	{ 48, "OBJ_READ", 8 + 4 + 8 + 4 },
	{ 49, "OBJ_WRITE", 8 + 4 + 8 + 4 + 4 },
	{ 50, "OBJ_TRUNCATE", 8 + 4 + 8 },
	{ 51, "OBJ_PUNCH", 8 + 4 + 8 + 8 },
	{ 52, "OBJ_DESTROY", 8 + 4 },
	{ 53, "OBJ_SYNC", 8 + 4 },
	{ 54, "OBJ_GETATTR", 8 + 4 },
	{ 55, "OBJ_LIST", 8 + 4 + 4 },
};

/* msg_zio.h's opcodes: not msg_obj_req messages (test_msg_zio.c). */
static const struct op_name zio_ops[] = {
	{ 56, "OBJ_WRITE_Z", 8 + 4 + 4 + 4 + 4 },
	{ 57, "OBJ_READ_Z", 8 + 4 + 8 + 4 },
	{ 58, "OBJ_READ_C", 8 + 4 + 8 + 4 },
	{ 59, "OBJ_READ_L", 8 + 4 + 8 + 4 },
};

static void test_constants(void)
{
	CHECK(PROTO_OP_LOOKUP == 16);
	CHECK(PROTO_OP_GETATTR == 17);
	CHECK(PROTO_OP_SETATTR == 18);
	CHECK(PROTO_OP_CREATE == 19);
	CHECK(PROTO_OP_MKDIR == 20);
	CHECK(PROTO_OP_UNLINK == 21);
	CHECK(PROTO_OP_RMDIR == 22);
	CHECK(PROTO_OP_RENAME == 23);
	CHECK(PROTO_OP_LINK == 24);
	CHECK(PROTO_OP_SYMLINK == 25);
	CHECK(PROTO_OP_READLINK == 26);
	CHECK(PROTO_OP_READDIR == 27);
	CHECK(PROTO_OP_GETXATTR == 28);
	CHECK(PROTO_OP_SETXATTR == 29);
	CHECK(PROTO_OP_LISTXATTR == 30);
	CHECK(PROTO_OP_REMOVEXATTR == 31);
	CHECK(PROTO_OP_ACCESS == 32);
	CHECK(PROTO_OP_CLOSE == 33);
	CHECK(PROTO_OP_SETSTRIPE == 34);
	CHECK(PROTO_OP_GETSTRIPE == 35);
	CHECK(PROTO_OP_LOCK == 36);
	CHECK(PROTO_OP_OBJ_READ == 48);
	CHECK(PROTO_OP_OBJ_WRITE == 49);
	CHECK(PROTO_OP_OBJ_TRUNCATE == 50);
	CHECK(PROTO_OP_OBJ_PUNCH == 51);
	CHECK(PROTO_OP_OBJ_DESTROY == 52);
	CHECK(PROTO_OP_OBJ_SYNC == 53);
	CHECK(PROTO_OP_OBJ_GETATTR == 54);
	CHECK(PROTO_OP_OBJ_LIST == 55);
	CHECK(PROTO_OP_OBJ_WRITE_Z == 56);
	CHECK(PROTO_OP_OBJ_READ_Z == 57);
	CHECK(PROTO_OP_OBJ_READ_C == 58);
	CHECK(PROTO_OP_OBJ_READ_L == 59);
	CHECK(PROTO_OP_MAX == 64);

	CHECK(PROTO_MAX_GROUPS == 64);
	CHECK(PROTO_NAME_MAX == 255);
	CHECK(PROTO_SYMLINK_MAX == 4095);
	CHECK(PROTO_XATTR_MAX == 65536);
	CHECK(PROTO_XATTR_LIST_MAX == 1048576);
	CHECK(PROTO_MAX_STRIPES == 256);
	CHECK(PROTO_MAX_IO == 4194304);
	CHECK(PROTO_READDIR_MAX == 1048576);
	CHECK(MSG_READDIR_HDR == 5);
	CHECK(PROTO_OBJ_LIST_MAX == 4096);
	CHECK(MSG_OBJ_LIST_HDR == 5 && MSG_OBJ_REF_LEN == 12);

	CHECK(PROTO_SET_MODE == 0x1 && PROTO_SET_UID == 0x2);
	CHECK(PROTO_SET_GID == 0x4 && PROTO_SET_SIZE == 0x8);
	CHECK(PROTO_SET_ATIME == 0x10 && PROTO_SET_MTIME == 0x20);
	CHECK(PROTO_SET_ATIME_NOW == 0x40 && PROTO_SET_MTIME_NOW == 0x80);
	CHECK(PROTO_SET_FROM_OPEN == 0x100 && PROTO_SET_KNOWN == 0x1ff);
	CHECK(PROTO_CREATE_EXCL == 1);
	CHECK(PROTO_RENAME_NOREPLACE == 1 && PROTO_RENAME_EXCHANGE == 2);
	CHECK(PROTO_XATTR_CREATE == 1 && PROTO_XATTR_REPLACE == 2);
	CHECK(PROTO_CLOSE_SIZE == 1 && PROTO_CLOSE_MTIME == 2);
	CHECK(PROTO_PATTERN_LZ4 == 1 && PROTO_PATTERN_NOCOMPR == 2);
	CHECK(PROTO_OBJ_LZ4 == 1 && PROTO_OBJ_SYNC == 2);
	CHECK(PROTO_LOCK_FLOCK == 1 && PROTO_LOCK_POSIX == 2);
	CHECK(PROTO_LOCK_GET == 1 && PROTO_LOCK_SET == 2 &&
	      PROTO_LOCK_SETW == 3);
	CHECK(PROTO_LOCK_RD == 0 && PROTO_LOCK_WR == 1 && PROTO_LOCK_UN == 2);
	/* the wire carries Linux's DT_* values */
	CHECK(DT_DIR == 4 && DT_REG == 8 && DT_LNK == 10);

	for (size_t i = 0; i < ARRAY_LEN(md_ops); i++) {
		const struct proto_op_desc *d = proto_op_lookup(md_ops[i].op);

		CHECK(d && strcmp(d->name, md_ops[i].name) == 0 &&
		      d->min_len == md_ops[i].min_len);
	}
	for (size_t i = 0; i < ARRAY_LEN(zio_ops); i++) {
		const struct proto_op_desc *d = proto_op_lookup(zio_ops[i].op);

		CHECK(d && strcmp(d->name, zio_ops[i].name) == 0 &&
		      d->min_len == zio_ops[i].min_len);
	}
	for (size_t i = 0; i < ARRAY_LEN(obj_ops); i++) {
		const struct proto_op_desc *d = proto_op_lookup(obj_ops[i].op);

		CHECK(d && strcmp(d->name, obj_ops[i].name) == 0 &&
		      d->min_len == obj_ops[i].min_len);
	}
	/* unassigned numbers in between stay unknown */
	for (uint16_t op = 4; op < PROTO_OP_MAX; op++)
		if (op < 16 || (op > 36 && op < 48) || op > 59)
			CHECK(proto_op_lookup(op) == NULL);
}

/* --- per-opcode fields, transcribed here independently of msg_fs.c --- */

enum {
	FLD_INO = 1 << 0,
	FLD_NAME = 1 << 1,
	FLD_INO2 = 1 << 2,
	FLD_NAME2 = 1 << 3,
	FLD_VALUE = 1 << 4,
	FLD_MODE = 1 << 5,
	FLD_FLAGS = 1 << 6,
	FLD_VALID = 1 << 7,
	FLD_UIDGID = 1 << 8,
	FLD_SIZE = 1 << 9,
	FLD_RDEV = 1 << 10,
	FLD_ATIME = 1 << 11,
	FLD_MTIME = 1 << 12,
	FLD_COOKIE = 1 << 13,
	FLD_MAXB = 1 << 14,
	FLD_LAYOUT = 1 << 15,
	FLD_LOCK = 1 << 16,
};

static unsigned md_op_fields(uint16_t op)
{
	switch (op) {
	case PROTO_OP_LOOKUP:
	case PROTO_OP_UNLINK:
	case PROTO_OP_RMDIR:
	case PROTO_OP_REMOVEXATTR:
		return FLD_INO | FLD_NAME;
	case PROTO_OP_GETATTR:
	case PROTO_OP_READLINK:
	case PROTO_OP_GETSTRIPE:
		return FLD_INO;
	case PROTO_OP_SETATTR:
		return FLD_INO | FLD_VALID | FLD_MODE | FLD_UIDGID | FLD_SIZE | FLD_ATIME |
		       FLD_MTIME;
	case PROTO_OP_CREATE:
		return FLD_INO | FLD_NAME | FLD_MODE | FLD_FLAGS | FLD_RDEV | FLD_LAYOUT;
	case PROTO_OP_MKDIR:
		return FLD_INO | FLD_NAME | FLD_MODE;
	case PROTO_OP_RENAME:
		return FLD_INO | FLD_NAME | FLD_INO2 | FLD_NAME2 | FLD_FLAGS;
	case PROTO_OP_LINK:
		return FLD_INO | FLD_INO2 | FLD_NAME2;
	case PROTO_OP_SYMLINK:
		return FLD_INO | FLD_NAME | FLD_VALUE;
	case PROTO_OP_READDIR:
		return FLD_INO | FLD_COOKIE | FLD_MAXB;
	case PROTO_OP_GETXATTR:
		return FLD_INO | FLD_NAME | FLD_MAXB;
	case PROTO_OP_SETXATTR:
		return FLD_INO | FLD_NAME | FLD_VALUE | FLD_FLAGS;
	case PROTO_OP_LISTXATTR:
		return FLD_INO | FLD_MAXB;
	case PROTO_OP_ACCESS:
		return FLD_INO | FLD_MODE;
	case PROTO_OP_CLOSE:
		return FLD_INO | FLD_FLAGS | FLD_SIZE | FLD_MTIME;
	case PROTO_OP_SETSTRIPE:
		return FLD_INO | FLD_LAYOUT;
	case PROTO_OP_LOCK:
		return FLD_INO | FLD_LOCK;
	default:
		return 0;
	}
}

/* A request with every field set, valid for op. */
static void md_sample(uint16_t op, struct msg_md_req *m)
{
	memset(m, 0, sizeof(*m));
	m->cred = (struct msg_cred){ .uid = 501, .gid = 20, .ngroups = 3,
				     .groups = { 12, 61, 79 } };
	m->ino = 0x1111111111111111ull;
	m->name = (struct msg_bytes)BYTES("user.name");
	m->ino2 = 0x2222222222222222ull;
	m->name2 = (struct msg_bytes)BYTES("new name");
	m->value = (struct msg_bytes)BYTES("../target/path");
	m->mode = op == PROTO_OP_CREATE ? S_IFIFO | 0600 :
		  op == PROTO_OP_MKDIR	? 01777 :
		  op == PROTO_OP_ACCESS ? R_OK | X_OK :
					  S_IFREG | 0755;
	m->flags = 1;
	m->valid = PROTO_SET_KNOWN;
	m->uid = 7;
	m->gid = 8;
	m->size = 0x123456789ull;
	m->rdev = 0x0801;
	m->atime = (struct msg_time){ -5, 1 };
	m->mtime = (struct msg_time){ INT64_MAX, 999999999 };
	m->cookie = 0xc00c1e;
	m->max_bytes = 65536;
	m->layout = (struct msg_layout){ .stripe_size = 65536,
					 .stripe_count = -1, .first_ost = 3,
					 .pattern = 1, .gen = 9 };
	m->lk_owner = 0xabcdef;
	m->lk_pid = 99;
	m->lk_kind = PROTO_LOCK_FLOCK;
	m->lk_cmd = PROTO_LOCK_SET;
	m->lk_type = PROTO_LOCK_UN;
	m->lk_start = 10;
	m->lk_end = 10;
}

/* What the receiver of op gets from src: its fields, the rest zero. */
static void md_project(uint16_t op, const struct msg_md_req *src,
		       struct msg_md_req *m)
{
	unsigned f = md_op_fields(op);

	memset(m, 0, sizeof(*m));
	m->cred = src->cred;
	if (f & FLD_INO)
		m->ino = src->ino;
	if (f & FLD_NAME)
		m->name = src->name;
	if (f & FLD_INO2)
		m->ino2 = src->ino2;
	if (f & FLD_NAME2)
		m->name2 = src->name2;
	if (f & FLD_VALUE)
		m->value = src->value;
	if (f & FLD_MODE)
		m->mode = src->mode;
	if (f & FLD_FLAGS)
		m->flags = src->flags;
	if (f & FLD_VALID)
		m->valid = src->valid;
	if (f & FLD_UIDGID) {
		m->uid = src->uid;
		m->gid = src->gid;
	}
	if (f & FLD_SIZE)
		m->size = src->size;
	if (f & FLD_RDEV)
		m->rdev = src->rdev;
	if (f & FLD_ATIME)
		m->atime = src->atime;
	if (f & FLD_MTIME)
		m->mtime = src->mtime;
	if (f & FLD_COOKIE)
		m->cookie = src->cookie;
	if (f & FLD_MAXB)
		m->max_bytes = src->max_bytes;
	if (f & FLD_LAYOUT)
		m->layout = src->layout;
	if (f & FLD_LOCK) {
		m->lk_owner = src->lk_owner;
		m->lk_pid = src->lk_pid;
		m->lk_kind = src->lk_kind;
		m->lk_cmd = src->lk_cmd;
		m->lk_type = src->lk_type;
		m->lk_start = src->lk_start;
		m->lk_end = src->lk_end;
	}
}

/* The smallest valid request of op: its length is the dispatch minimum. */
static void md_minimal(uint16_t op, struct msg_md_req *m)
{
	memset(m, 0, sizeof(*m));
	m->name = (struct msg_bytes)BYTES("x");
	m->name2 = (struct msg_bytes)BYTES("y");
	m->value = op == PROTO_OP_SYMLINK ? (struct msg_bytes)BYTES("t") :
					    (struct msg_bytes){ 0 };
	if (op == PROTO_OP_CREATE)
		m->mode = S_IFREG;
	m->lk_kind = PROTO_LOCK_FLOCK;
	m->lk_cmd = PROTO_LOCK_GET;
}

static void test_md_round_trips(void)
{
	static struct md_box box, out;
	static uint8_t buf[4096];
	static struct msg_md_req sample, want;
	char what[64];

	for (size_t i = 0; i < ARRAY_LEN(md_ops); i++) {
		uint16_t op = md_ops[i].op;
		size_t len;
		ssize_t n, n2;

		snprintf(what, sizeof(what), "%s request", md_ops[i].name);
		md_sample(op, &sample);
		md_project(op, &sample, &want);
		len = msg_md_req_encoded_len(op, &sample);
		CHECK(len == msg_md_req_encoded_len(op, &want));
		n = msg_md_req_encode(op, &sample, buf, sizeof(buf));
		CHECK(n == (ssize_t)len);
		if (n != (ssize_t)len)
			continue;

		/* the fields left out of op do not change the bytes */
		box.op = op;
		box.m = want;
		check_encode(what, enc_md, &box, len, buf, len);

		memset(&out, 0x5a, sizeof(out));
		out.op = op;
		check_decodes(what, dec_md, &out, buf, len);
		if (!md_equal(&out.m, &want)) {
			fprintf(stderr, "%s: decoded fields differ\n", what);
			failures++;
		}
		/* decoded names point into the received buffer */
		n2 = msg_md_req_encode(op, &out.m, buf + 2048, 2048);
		CHECK(n2 == n && memcmp(buf, buf + 2048, len) == 0);
		out.op = op;
		check_truncations(what, dec_md, &out, buf, len);

		/* the smallest request */
		md_minimal(op, &sample);
		len = msg_md_req_encoded_len(op, &sample);
		CHECK(len == md_ops[i].min_len);
		n = msg_md_req_encode(op, &sample, buf, sizeof(buf));
		CHECK(n == (ssize_t)len);
		out.op = op;
		if (n > 0) {
			check_decodes(what, dec_md, &out, buf, len);
			check_truncations(what, dec_md, &out, buf, len);
		}
	}
}

static void test_obj_round_trips(void)
{
	static struct obj_box box, out;
	static uint8_t buf[256];
	static const uint8_t data[] = "object data";
	struct msg_obj_req sample = {
		.object_id = 0x0102030405060708ull,
		.stripe_idx = 255,
		.off = 0x7000000000000000ull,
		.len = PROTO_MAX_IO,
		.size = 0x7fffffffffffffffull,
		.flags = PROTO_OBJ_SYNC,
		.data = { data, sizeof(data) - 1 },
		.max = PROTO_OBJ_LIST_MAX,
	};
	char what[64];

	for (size_t i = 0; i < ARRAY_LEN(obj_ops); i++) {
		uint16_t op = obj_ops[i].op;
		struct msg_obj_req want = {
			.object_id = sample.object_id,
			.stripe_idx = sample.stripe_idx,
		};
		size_t len;
		ssize_t n;

		switch (op) {
		case PROTO_OP_OBJ_READ:
		case PROTO_OP_OBJ_PUNCH:
			want.off = sample.off;
			want.len = sample.len;
			break;
		case PROTO_OP_OBJ_WRITE:
			want.off = sample.off;
			want.flags = sample.flags;
			want.data = sample.data;
			break;
		case PROTO_OP_OBJ_TRUNCATE:
			want.size = sample.size;
			break;
		case PROTO_OP_OBJ_LIST:
			want.max = sample.max;
			break;
		}
		snprintf(what, sizeof(what), "%s request", obj_ops[i].name);
		len = msg_obj_req_encoded_len(op, &sample);
		n = msg_obj_req_encode(op, &sample, buf, sizeof(buf));
		CHECK(n == (ssize_t)len);
		if (n != (ssize_t)len)
			continue;
		box.op = op;
		box.m = want;
		check_encode(what, enc_obj, &box,
			     msg_obj_req_encoded_len(op, &want), buf, len);
		memset(&out, 0x5a, sizeof(out));
		out.op = op;
		check_decodes(what, dec_obj, &out, buf, len);
		if (!obj_equal(&out.m, &want)) {
			fprintf(stderr, "%s: decoded fields differ\n", what);
			failures++;
		}
		check_truncations(what, dec_obj, &out, buf, len);

		/* smallest: zeros and no data */
		memset(&box.m, 0, sizeof(box.m));
		CHECK(msg_obj_req_encoded_len(op, &box.m) == obj_ops[i].min_len);
		CHECK(msg_obj_req_encode(op, &box.m, buf, sizeof(buf)) ==
		      (ssize_t)obj_ops[i].min_len);
	}
}

/* --- golden images --- */

static void test_golden(void)
{
	static struct md_box md, out;
	static struct obj_box obj, oout;
	static struct obj_list_box olist;
	static struct msg_entry entry;
	static struct msg_lock lock;
	static struct readdir_box rd;

	md.op = out.op = PROTO_OP_LOOKUP;
	md.m = lookup_req;
	check_encode("LOOKUP", enc_md, &md,
		     msg_md_req_encoded_len(md.op, &md.m), golden_lookup,
		     sizeof(golden_lookup));
	check_decodes("LOOKUP", dec_md, &out, golden_lookup,
		      sizeof(golden_lookup));
	CHECK(md_equal(&out.m, &lookup_req));
	CHECK(out.m.name.p != NULL);
	check_truncations("LOOKUP", dec_md, &out, golden_lookup,
			  sizeof(golden_lookup));
	/* zero copy: the name points into the received bytes */
	{
		struct cursor c;

		cursor_init(&c, golden_lookup, sizeof(golden_lookup));
		CHECK(msg_md_req_decode(PROTO_OP_LOOKUP, &c, &out.m) == 0);
		CHECK(out.m.name.p == golden_lookup + 28);
	}

	md.op = out.op = PROTO_OP_CREATE;
	md.m = create_req;
	check_encode("CREATE", enc_md, &md,
		     msg_md_req_encoded_len(md.op, &md.m), golden_create,
		     sizeof(golden_create));
	check_decodes("CREATE", dec_md, &out, golden_create,
		      sizeof(golden_create));
	CHECK(md_equal(&out.m, &create_req));
	check_truncations("CREATE", dec_md, &out, golden_create,
			  sizeof(golden_create));

	md.op = out.op = PROTO_OP_SETATTR;
	md.m = setattr_req;
	check_encode("SETATTR", enc_md, &md,
		     msg_md_req_encoded_len(md.op, &md.m), golden_setattr,
		     sizeof(golden_setattr));
	check_decodes("SETATTR", dec_md, &out, golden_setattr,
		      sizeof(golden_setattr));
	CHECK(md_equal(&out.m, &setattr_req));
	check_truncations("SETATTR", dec_md, &out, golden_setattr,
			  sizeof(golden_setattr));

	md.op = out.op = PROTO_OP_LOCK;
	md.m = lock_req;
	check_encode("LOCK", enc_md, &md, msg_md_req_encoded_len(md.op, &md.m),
		     golden_lock_req, sizeof(golden_lock_req));
	check_decodes("LOCK", dec_md, &out, golden_lock_req,
		      sizeof(golden_lock_req));
	CHECK(md_equal(&out.m, &lock_req));
	check_truncations("LOCK", dec_md, &out, golden_lock_req,
			  sizeof(golden_lock_req));

	check_encode("LOCK reply", enc_lock, &lock_reply,
		     msg_lock_encoded_len(&lock_reply), golden_lock_reply,
		     sizeof(golden_lock_reply));
	check_decodes("LOCK reply", dec_lock, &lock, golden_lock_reply,
		      sizeof(golden_lock_reply));
	CHECK(lock_equal(&lock, &lock_reply));
	check_truncations("LOCK reply", dec_lock, &lock, golden_lock_reply,
			  sizeof(golden_lock_reply));

	obj.op = oout.op = PROTO_OP_OBJ_WRITE;
	obj.m = obj_write_req;
	check_encode("OBJ_WRITE", enc_obj, &obj,
		     msg_obj_req_encoded_len(obj.op, &obj.m), golden_obj_write,
		     sizeof(golden_obj_write));
	check_decodes("OBJ_WRITE", dec_obj, &oout, golden_obj_write,
		      sizeof(golden_obj_write));
	CHECK(obj_equal(&oout.m, &obj_write_req));
	CHECK(memcmp(golden_obj_write + PROTO_OBJ_WRITE_DATA_OFF, "hello", 5) ==
	      0);
	check_truncations("OBJ_WRITE", dec_obj, &oout, golden_obj_write,
			  sizeof(golden_obj_write));

	obj.op = oout.op = PROTO_OP_OBJ_LIST;
	obj.m = obj_list_req;
	check_encode("OBJ_LIST", enc_obj, &obj,
		     msg_obj_req_encoded_len(obj.op, &obj.m),
		     golden_obj_list_req, sizeof(golden_obj_list_req));
	check_decodes("OBJ_LIST", dec_obj, &oout, golden_obj_list_req,
		      sizeof(golden_obj_list_req));
	CHECK(obj_equal(&oout.m, &obj_list_req));
	check_truncations("OBJ_LIST", dec_obj, &oout, golden_obj_list_req,
			  sizeof(golden_obj_list_req));

	check_encode("OBJ_LIST reply", enc_obj_list, &obj_list_reply,
		     msg_obj_list_encoded_len(&obj_list_reply),
		     golden_obj_list, sizeof(golden_obj_list));
	memset(&olist, 0x5a, sizeof(olist));
	check_decodes("OBJ_LIST reply", dec_obj_list, &olist, golden_obj_list,
		      sizeof(golden_obj_list));
	CHECK(olist.l.eof == 0 && olist.l.count == 2);
	CHECK(olist.refs[0].object_id == 0x100 && olist.refs[0].stripe_idx == 3);
	CHECK(olist.refs[1].object_id == 0x200 && olist.refs[1].stripe_idx == 0);
	check_truncations("OBJ_LIST reply", dec_obj_list, &olist,
			  golden_obj_list, sizeof(golden_obj_list));

	memset(&rd, 0, sizeof(rd));
	rd.eof = 1;
	rd.count = 2;
	rd.ents[0] = readdir_ents[0];
	rd.ents[1] = readdir_ents[1];
	check_encode("READDIR reply", enc_readdir, &rd,
		     MSG_READDIR_HDR + msg_dirent_encoded_len(&rd.ents[0]) +
			     msg_dirent_encoded_len(&rd.ents[1]),
		     golden_readdir, sizeof(golden_readdir));
	memset(&rd, 0x5a, sizeof(rd));
	check_decodes("READDIR reply", dec_readdir, &rd, golden_readdir,
		      sizeof(golden_readdir));
	CHECK(rd.eof == 1 && rd.count == 2);
	CHECK(dirent_equal(&rd.ents[0], &readdir_ents[0]));
	CHECK(dirent_equal(&rd.ents[1], &readdir_ents[1]));
	check_truncations("READDIR reply", dec_readdir, &rd, golden_readdir,
			  sizeof(golden_readdir));

	check_encode("entry", enc_entry, &file_entry,
		     msg_entry_encoded_len(&file_entry), golden_entry,
		     sizeof(golden_entry));
	memset(&entry, 0x5a, sizeof(entry));
	check_decodes("entry", dec_entry, &entry, golden_entry,
		      sizeof(golden_entry));
	CHECK(attr_equal(&entry.attr, &file_entry.attr));
	CHECK(layout_equal(&entry.layout, &file_entry.layout));
	check_truncations("entry", dec_entry, &entry, golden_entry,
			  sizeof(golden_entry));

	/* the layout alone is the entry's tail */
	check_encode("layout", enc_layout, &file_entry.layout,
		     msg_layout_encoded_len(&file_entry.layout),
		     golden_entry + 88, sizeof(golden_entry) - 88);
	check_truncations("layout", dec_layout, &entry.layout,
			  golden_entry + 88, sizeof(golden_entry) - 88);
}

/* --- dir_attrs --- */

/* dir_attrs of an UNLINK reply: one directory, 0755, 3 links, 4096 bytes. */
static const uint8_t golden_dir_attrs[] = {
	0x01,			/* count 1 */
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ino 0x10 */
	0xed, 0x41, 0x00, 0x00, /* mode S_IFDIR | 0755 */
	0x00, 0x00, 0x00, 0x00, /* uid 0 */
	0x00, 0x00, 0x00, 0x00, /* gid 0 */
	0x03, 0x00, 0x00, 0x00, /* nlink 3 */
	0x01, 0x00, 0x00, 0x00, /* gen 1 */
	0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* size 4096 */
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 8 blocks */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* rdev 0 */
	0x00, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00, /* atime */
	0x00, 0x00, 0x00, 0x00,
	0x02, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00, /* mtime */
	0x07, 0x00, 0x00, 0x00,
	0x02, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00, /* ctime */
	0x07, 0x00, 0x00, 0x00,
};

static const struct msg_dir_attrs one_dir = {
	.count = 1,
	.attr = { { .ino = 0x10, .mode = S_IFDIR | 0755, .nlink = 3, .gen = 1,
		    .size = 4096, .blocks = 8, .atime = { 1700000000, 0 },
		    .mtime = { 1700000002, 7 }, .ctime = { 1700000002, 7 } } },
};

static ssize_t enc_dir_attrs(const void *m, void *buf, size_t len)
{
	return msg_dir_attrs_encode(m, buf, len);
}

static int dec_dir_attrs(struct cursor *c, void *m)
{
	return msg_dir_attrs_decode(c, m);
}

static void test_dir_attrs(void)
{
	static struct msg_dir_attrs da, two;
	static uint8_t img[ENC_BUF_MAX];
	size_t used;
	ssize_t n;

	check_encode("dir_attrs", enc_dir_attrs, &one_dir,
		     msg_dir_attrs_encoded_len(&one_dir), golden_dir_attrs,
		     sizeof(golden_dir_attrs));
	memset(&da, 0x5a, sizeof(da));
	check_decodes("dir_attrs", dec_dir_attrs, &da, golden_dir_attrs,
		      sizeof(golden_dir_attrs));
	CHECK(da.count == 1 && attr_equal(&da.attr[0], &one_dir.attr[0]));
	/* every prefix but the empty one is cut short */
	for (size_t k = 1; k < sizeof(golden_dir_attrs); k++)
		CHECK(decode_exact(dec_dir_attrs, golden_dir_attrs, k, &da,
				   NULL) == -EBADMSG);

	/* absent (an older MDS): count 0, nothing consumed */
	memset(&da, 0x5a, sizeof(da));
	CHECK(decode_exact(dec_dir_attrs, golden_dir_attrs, 0, &da, &used) ==
	      0);
	CHECK(da.count == 0 && used == 0);
	/* count 0 written and read back: one byte */
	two.count = 0;
	CHECK(msg_dir_attrs_encoded_len(&two) == 1);
	CHECK(msg_dir_attrs_encode(&two, img, sizeof(img)) == 1 && img[0] == 0);
	CHECK(decode_exact(dec_dir_attrs, img, 1, &da, &used) == 0);
	CHECK(da.count == 0 && used == 1);

	/* two directories (RENAME across directories) */
	two = one_dir;
	two.count = 2;
	two.attr[1] = one_dir.attr[0];
	two.attr[1].ino = 0x11;
	n = msg_dir_attrs_encode(&two, img, sizeof(img));
	CHECK(n == 1 + 2 * 88 && (size_t)n == msg_dir_attrs_encoded_len(&two));
	CHECK(decode_exact(dec_dir_attrs, img, (size_t)n, &da, &used) == 0);
	CHECK(da.count == 2 && used == (size_t)n && da.attr[1].ino == 0x11);

	/* refused both ways: more than PROTO_MAX_DIR_ATTRS, a non-directory,
	 * a bad time */
	img[0] = PROTO_MAX_DIR_ATTRS + 1;
	CHECK(decode_exact(dec_dir_attrs, img, (size_t)n, &da, NULL) ==
	      -EBADMSG);
	two.count = PROTO_MAX_DIR_ATTRS + 1;
	CHECK(msg_dir_attrs_encode(&two, img, sizeof(img)) == -EMSGSIZE);
	two.count = 1;
	two.attr[0].mode = S_IFREG | 0644;
	CHECK(msg_dir_attrs_encode(&two, img, sizeof(img)) == -EINVAL);
	memcpy(img, golden_dir_attrs, sizeof(golden_dir_attrs));
	img[9] = 0xa4;
	img[10] = 0x81; /* S_IFREG | 0644 */
	CHECK(decode_exact(dec_dir_attrs, img, sizeof(golden_dir_attrs), &da,
			   NULL) == -EBADMSG);
	two.attr[0] = one_dir.attr[0];
	two.attr[0].mtime.nsec = 1000000000u;
	CHECK(msg_dir_attrs_encode(&two, img, sizeof(img)) == -EINVAL);
}

/* --- out-of-range values --- */

static uint8_t patched[ENC_BUF_MAX];

static const uint8_t *patch32(const uint8_t *img, size_t len, size_t off,
			      uint32_t v)
{
	memcpy(patched, img, len);
	le32_store(patched + off, v);
	return patched;
}

static const uint8_t *patch64(const uint8_t *img, size_t len, size_t off,
			      uint64_t v)
{
	memcpy(patched, img, len);
	le64_store(patched + off, v);
	return patched;
}

static const uint8_t *patch8(const uint8_t *img, size_t len, size_t off,
			     uint8_t v)
{
	memcpy(patched, img, len);
	patched[off] = v;
	return patched;
}

#define MD_BAD(opc, img, p)                                                \
	do {                                                              \
		static struct md_box b_;                                  \
		b_.op = (opc);                                             \
		CHECK(decode_exact(dec_md, (p), sizeof(img), &b_, NULL) == \
		      -EBADMSG);                                          \
	} while (0)

#define MD_GOOD(opc, img, p)                                               \
	do {                                                              \
		static struct md_box b_;                                  \
		b_.op = (opc);                                             \
		CHECK(decode_exact(dec_md, (p), sizeof(img), &b_, NULL) == \
		      0);                                                 \
	} while (0)

static void test_md_range(void)
{
	const uint8_t *L = golden_lookup, *C = golden_create;
	const uint8_t *S = golden_setattr, *K = golden_lock_req;
	size_t nl = sizeof(golden_lookup), nc = sizeof(golden_create);
	size_t ns = sizeof(golden_setattr), nk = sizeof(golden_lock_req);

	/* the images are no request of an opcode they do not belong to */
	for (unsigned op = 0; op < 0x10000; op++) {
		static struct md_box b;

		if (op >= PROTO_OP_LOOKUP && op <= PROTO_OP_LOCK)
			continue;
		b.op = (uint16_t)op;
		if (decode_exact(dec_md, L, nl, &b, NULL) != -EBADMSG) {
			fprintf(stderr, "LOOKUP decoded as opcode %u\n", op);
			failures++;
		}
	}

	/* names: no '/', no NUL, never empty */
	MD_BAD(PROTO_OP_LOOKUP, golden_lookup, patch8(L, nl, 29, '/'));
	MD_BAD(PROTO_OP_LOOKUP, golden_lookup, patch8(L, nl, 30, '\0'));
	MD_GOOD(PROTO_OP_LOOKUP, golden_lookup, patch8(L, nl, 28, '.'));
	/* an xattr name may hold '/' (same bytes as a REMOVEXATTR) */
	MD_GOOD(PROTO_OP_REMOVEXATTR, golden_lookup, patch8(L, nl, 29, '/'));
	MD_BAD(PROTO_OP_REMOVEXATTR, golden_lookup, patch8(L, nl, 29, '\0'));
	/* name length 0: the image is then 3 bytes too long, which is fine
	 * for the cursor but the empty name itself is refused */
	memcpy(patched, L, nl);
	le16_store(patched + 26, 0);
	MD_BAD(PROTO_OP_LOOKUP, golden_lookup, patched);
	/* ngroups over the cap, and groups that are not there */
	MD_BAD(PROTO_OP_LOOKUP, golden_lookup,
	       (memcpy(patched, L, nl), le16_store(patched + 8, 65), patched));
	MD_BAD(PROTO_OP_LOOKUP, golden_lookup,
	       (memcpy(patched, L, nl), le16_store(patched + 8, 4), patched));

	/* SETATTR: valid bits and nanoseconds */
	MD_BAD(PROTO_OP_SETATTR, golden_setattr, patch32(S, ns, 18, 0x200));
	MD_BAD(PROTO_OP_SETATTR, golden_setattr,
	       patch32(S, ns, 18, 0x80000000u));
	MD_GOOD(PROTO_OP_SETATTR, golden_setattr, patch32(S, ns, 18, 0x1ff));
	MD_BAD(PROTO_OP_SETATTR, golden_setattr,
	       patch32(S, ns, 62, 1000000000u));
	MD_BAD(PROTO_OP_SETATTR, golden_setattr, patch32(S, ns, 50, UINT32_MAX));
	MD_GOOD(PROTO_OP_SETATTR, golden_setattr,
		patch32(S, ns, 62, 999999999u));
	MD_GOOD(PROTO_OP_SETATTR, golden_setattr,
		patch64(S, ns, 42, (uint64_t)INT64_MIN));
	MD_BAD(PROTO_OP_SETATTR, golden_setattr,
	       patch64(S, ns, 34, (uint64_t)INT64_MAX + 1));
	MD_GOOD(PROTO_OP_SETATTR, golden_setattr,
		patch64(S, ns, 34, (uint64_t)INT64_MAX));

	/* CREATE: mode type, flags and the layout request */
	MD_BAD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 25, S_IFDIR | 0755));
	MD_BAD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 25, S_IFLNK | 0777));
	MD_BAD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 25, 0644));
	MD_BAD(PROTO_OP_CREATE, golden_create,
	       patch32(C, nc, 25, S_IFREG | 0x10000));
	MD_GOOD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 25, S_IFSOCK));
	MD_GOOD(PROTO_OP_CREATE, golden_create,
		patch32(C, nc, 25, S_IFBLK | 07777));
	MD_BAD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 29, 2));
	MD_BAD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 45, (uint32_t)-2));
	MD_BAD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 45, 257));
	MD_GOOD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 45, 256));
	MD_GOOD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 45, (uint32_t)-1));
	MD_GOOD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 45, 0));
	MD_BAD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 49, (uint32_t)-2));
	MD_GOOD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 53, 2));
	MD_BAD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 53, 3));
	MD_BAD(PROTO_OP_CREATE, golden_create, patch32(C, nc, 53, 4));
	/* a request lists no stripes, even when they are present */
	{
		uint8_t big[sizeof(golden_create) + 12];
		static struct md_box b;

		memcpy(big, C, nc);
		memset(big + nc, 0, 12);
		le32_store(big + 61, 1);
		b.op = PROTO_OP_CREATE;
		CHECK(decode_exact(dec_md, big, sizeof(big), &b, NULL) ==
		      -EBADMSG);
		le32_store(big + 61, 0);
		CHECK(decode_exact(dec_md, big, sizeof(big), &b, NULL) == 0);
	}

	/* LOCK: kind, cmd, type, range */
	MD_BAD(PROTO_OP_LOCK, golden_lock_req, patch8(K, nk, 30, 0));
	MD_BAD(PROTO_OP_LOCK, golden_lock_req, patch8(K, nk, 30, 3));
	MD_GOOD(PROTO_OP_LOCK, golden_lock_req, patch8(K, nk, 30, 1));
	MD_BAD(PROTO_OP_LOCK, golden_lock_req, patch8(K, nk, 31, 0));
	MD_BAD(PROTO_OP_LOCK, golden_lock_req, patch8(K, nk, 31, 4));
	MD_GOOD(PROTO_OP_LOCK, golden_lock_req, patch8(K, nk, 31, 1));
	MD_BAD(PROTO_OP_LOCK, golden_lock_req, patch8(K, nk, 32, 3));
	MD_GOOD(PROTO_OP_LOCK, golden_lock_req, patch8(K, nk, 32, 2));
	MD_GOOD(PROTO_OP_LOCK, golden_lock_req, patch8(K, nk, 32, 0));
	memcpy(patched, K, nk);
	le64_store(patched + 33, 2); /* start 2 > end 1 */
	le64_store(patched + 41, 1);
	MD_BAD(PROTO_OP_LOCK, golden_lock_req, patched);
	le64_store(patched + 33, 1); /* start == end: one byte */
	MD_GOOD(PROTO_OP_LOCK, golden_lock_req, patched);
	MD_GOOD(PROTO_OP_LOCK, golden_lock_req,
		patch64(K, nk, 33, UINT64_MAX));

	/* the same checks in the LOCK reply */
	{
		static struct msg_lock l;
		const uint8_t *R = golden_lock_reply;
		size_t nr = sizeof(golden_lock_reply);

		CHECK(decode_exact(dec_lock, patch8(R, nr, 20, 0), nr, &l,
				   NULL) == -EBADMSG);
		CHECK(decode_exact(dec_lock, patch8(R, nr, 21, 4), nr, &l,
				   NULL) == -EBADMSG);
		CHECK(decode_exact(dec_lock, patch8(R, nr, 22, 3), nr, &l,
				   NULL) == -EBADMSG);
		CHECK(decode_exact(dec_lock, patch64(R, nr, 23, 200), nr, &l,
				   NULL) == -EBADMSG);
		CHECK(decode_exact(dec_lock, patch64(R, nr, 23, 199), nr, &l,
				   NULL) == 0);
	}
}

/* Build a request by hand with w and decode it as op. */
static int md_decode_built(uint16_t op, const uint8_t *buf, struct wbuf *w)
{
	static struct md_box b;

	if (!wbuf_ok(w))
		return -ENOSPC;
	b.op = op;
	return decode_exact(dec_md, buf, (size_t)(w->pos - buf), &b, NULL);
}

static void put_cred0(struct wbuf *w)
{
	wbuf_put_u32(w, 0);
	wbuf_put_u32(w, 0);
	wbuf_put_u16(w, 0);
}

static void test_md_limits(void)
{
	static uint8_t buf[80000], text[70000];
	static struct msg_md_req m;
	struct wbuf w;

	memset(text, 'n', sizeof(text));

	/* entry name of 255 bytes: yes; 256: no */
	for (int len = 254; len <= 256; len++) {
		wbuf_init(&w, buf, sizeof(buf));
		put_cred0(&w);
		wbuf_put_u64(&w, 1);
		wbuf_put_str(&w, (const char *)text, (size_t)len);
		CHECK(md_decode_built(PROTO_OP_LOOKUP, buf, &w) ==
		      (len <= 255 ? 0 : -EBADMSG));
		CHECK(md_decode_built(PROTO_OP_GETXATTR, buf, &w) == -EBADMSG);
		wbuf_put_u32(&w, 0);
		CHECK(md_decode_built(PROTO_OP_GETXATTR, buf, &w) ==
		      (len <= 255 ? 0 : -EBADMSG));
	}

	/* symlink target of 4095 bytes: yes; 4096: no */
	for (int len = 4095; len <= 4096; len++) {
		wbuf_init(&w, buf, sizeof(buf));
		put_cred0(&w);
		wbuf_put_u64(&w, 1);
		wbuf_put_str(&w, "l", 1);
		wbuf_put_str(&w, (const char *)text, (size_t)len);
		CHECK(md_decode_built(PROTO_OP_SYMLINK, buf, &w) ==
		      (len <= 4095 ? 0 : -EBADMSG));
	}
	/* a symlink target may hold '/', not NUL, and is never empty */
	wbuf_init(&w, buf, sizeof(buf));
	put_cred0(&w);
	wbuf_put_u64(&w, 1);
	wbuf_put_str(&w, "l", 1);
	wbuf_put_str(&w, "/a/b", 4);
	CHECK(md_decode_built(PROTO_OP_SYMLINK, buf, &w) == 0);
	buf[w.pos - buf - 2] = '\0';
	CHECK(md_decode_built(PROTO_OP_SYMLINK, buf, &w) == -EBADMSG);
	wbuf_init(&w, buf, sizeof(buf));
	put_cred0(&w);
	wbuf_put_u64(&w, 1);
	wbuf_put_str(&w, "l", 1);
	wbuf_put_str(&w, "", 0);
	CHECK(md_decode_built(PROTO_OP_SYMLINK, buf, &w) == -EBADMSG);

	/* xattr value of 65536 bytes: yes; 65537: no; empty: yes */
	for (uint32_t len = 0; len <= PROTO_XATTR_MAX + 1;
	     len = len ? len + 1 : PROTO_XATTR_MAX) {
		wbuf_init(&w, buf, sizeof(buf));
		put_cred0(&w);
		wbuf_put_u64(&w, 1);
		wbuf_put_str(&w, "user.x", 6);
		wbuf_put_blob(&w, text, len);
		wbuf_put_u32(&w, PROTO_XATTR_CREATE);
		CHECK(md_decode_built(PROTO_OP_SETXATTR, buf, &w) ==
		      (len <= PROTO_XATTR_MAX ? 0 : -EBADMSG));
	}

	/* 64 groups: yes; 65: no */
	for (uint16_t ng = 64; ng <= 65; ng++) {
		wbuf_init(&w, buf, sizeof(buf));
		wbuf_put_u32(&w, 1);
		wbuf_put_u32(&w, 1);
		wbuf_put_u16(&w, ng);
		for (uint16_t i = 0; i < ng; i++)
			wbuf_put_u32(&w, i);
		wbuf_put_u64(&w, 1);
		CHECK(md_decode_built(PROTO_OP_GETATTR, buf, &w) ==
		      (ng <= 64 ? 0 : -EBADMSG));
	}

	/* READDIR max_bytes up to PROTO_READDIR_MAX */
	for (uint32_t mb = PROTO_READDIR_MAX; mb <= PROTO_READDIR_MAX + 1;
	     mb++) {
		wbuf_init(&w, buf, sizeof(buf));
		put_cred0(&w);
		wbuf_put_u64(&w, 1);
		wbuf_put_u64(&w, 0);
		wbuf_put_u32(&w, mb);
		CHECK(md_decode_built(PROTO_OP_READDIR, buf, &w) ==
		      (mb <= PROTO_READDIR_MAX ? 0 : -EBADMSG));
	}

	/* flags of RENAME, SETXATTR, CLOSE; ACCESS mask; MKDIR mode */
	{
		static const struct {
			uint16_t op;
			uint32_t v;
			int ok;
		} cases[] = {
			{ PROTO_OP_RENAME, 0, 1 },
			{ PROTO_OP_RENAME, 1, 1 },
			{ PROTO_OP_RENAME, 2, 1 },
			{ PROTO_OP_RENAME, 3, 0 },
			{ PROTO_OP_RENAME, 4, 0 },
			{ PROTO_OP_SETXATTR, 3, 1 },
			{ PROTO_OP_SETXATTR, 4, 0 },
			{ PROTO_OP_CLOSE, 3, 1 },
			{ PROTO_OP_CLOSE, 4, 0 },
			{ PROTO_OP_ACCESS, 7, 1 },
			{ PROTO_OP_ACCESS, 8, 0 },
			{ PROTO_OP_MKDIR, 07777, 1 },
			{ PROTO_OP_MKDIR, S_IFDIR | 0755, 1 },
			{ PROTO_OP_MKDIR, S_IFREG | 0755, 0 },
			{ PROTO_OP_MKDIR, 010000, 0 },
		};

		for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
			ssize_t n;
			static struct md_box b;

			md_minimal(cases[i].op, &m);
			m.flags = cases[i].v;
			m.mode = cases[i].v;
			n = msg_md_req_encode(cases[i].op, &m, buf,
					      sizeof(buf));
			if (cases[i].ok) {
				CHECK(n > 0);
				continue;
			}
			CHECK(n == -EINVAL);
			/* write it with a permitted value, then patch */
			m.flags = 0;
			m.mode = 0;
			n = msg_md_req_encode(cases[i].op, &m, buf,
					      sizeof(buf));
			CHECK(n > 4);
			if (n <= 4)
				continue;
			/* the field is the request's last, except for
			 * CLOSE: cred, ino, then flags */
			if (cases[i].op == PROTO_OP_CLOSE)
				le32_store(buf + 18, cases[i].v);
			else
				le32_store(buf + n - 4, cases[i].v);
			b.op = cases[i].op;
			CHECK(decode_exact(dec_md, buf, (size_t)n, &b, NULL) ==
			      -EBADMSG);
		}
	}
}

/* The encoder refuses what the decoder refuses. */
static void test_md_encode_limits(void)
{
	static uint8_t buf[80000], text[70000];
	static struct msg_md_req m;

	memset(text, 'n', sizeof(text));

	CHECK(msg_md_req_encoded_len(3, &m) == 0);
	CHECK(msg_md_req_encode(3, &m, buf, sizeof(buf)) == -EINVAL);
	CHECK(msg_md_req_encode(PROTO_OP_OBJ_READ, &m, buf, sizeof(buf)) ==
	      -EINVAL);

	md_minimal(PROTO_OP_LOOKUP, &m);
	m.name = (struct msg_bytes){ text, 256 };
	CHECK(msg_md_req_encode(PROTO_OP_LOOKUP, &m, buf, sizeof(buf)) ==
	      -EMSGSIZE);
	m.name.len = 255;
	CHECK(msg_md_req_encode(PROTO_OP_LOOKUP, &m, buf, sizeof(buf)) ==
	      10 + 8 + 2 + 255);
	m.name.len = 0;
	CHECK(msg_md_req_encode(PROTO_OP_LOOKUP, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	m.name = (struct msg_bytes)BYTES("a/b");
	CHECK(msg_md_req_encode(PROTO_OP_LOOKUP, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	CHECK(msg_md_req_encode(PROTO_OP_GETXATTR, &m, buf, sizeof(buf)) > 0);
	m.name = (struct msg_bytes)BYTES("a\0b");
	CHECK(msg_md_req_encode(PROTO_OP_GETXATTR, &m, buf, sizeof(buf)) ==
	      -EINVAL);

	md_minimal(PROTO_OP_RENAME, &m);
	m.name2 = (struct msg_bytes)BYTES("..");
	CHECK(msg_md_req_encode(PROTO_OP_RENAME, &m, buf, sizeof(buf)) > 0);
	m.name2 = (struct msg_bytes)BYTES("x/");
	CHECK(msg_md_req_encode(PROTO_OP_RENAME, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	CHECK(msg_md_req_encode(PROTO_OP_LINK, &m, buf, sizeof(buf)) ==
	      -EINVAL);

	md_minimal(PROTO_OP_SYMLINK, &m);
	m.value = (struct msg_bytes){ text, PROTO_SYMLINK_MAX + 1 };
	CHECK(msg_md_req_encode(PROTO_OP_SYMLINK, &m, buf, sizeof(buf)) ==
	      -EMSGSIZE);
	m.value.len = 0;
	CHECK(msg_md_req_encode(PROTO_OP_SYMLINK, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	m.value = (struct msg_bytes){ text, PROTO_XATTR_MAX + 1 };
	CHECK(msg_md_req_encode(PROTO_OP_SETXATTR, &m, buf, sizeof(buf)) ==
	      -EMSGSIZE);
	m.value.len = PROTO_XATTR_MAX;
	CHECK(msg_md_req_encode(PROTO_OP_SETXATTR, &m, buf, sizeof(buf)) > 0);

	md_minimal(PROTO_OP_GETATTR, &m);
	m.cred.ngroups = PROTO_MAX_GROUPS + 1;
	CHECK(msg_md_req_encode(PROTO_OP_GETATTR, &m, buf, sizeof(buf)) ==
	      -EMSGSIZE);
	m.cred.ngroups = PROTO_MAX_GROUPS;
	CHECK(msg_md_req_encode(PROTO_OP_GETATTR, &m, buf, sizeof(buf)) ==
	      10 + 4 * 64 + 8);

	md_minimal(PROTO_OP_SETATTR, &m);
	m.valid = 0x200;
	CHECK(msg_md_req_encode(PROTO_OP_SETATTR, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	m.valid = 0;
	m.atime.nsec = 1000000000;
	CHECK(msg_md_req_encode(PROTO_OP_SETATTR, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	m.atime.nsec = 0;
	m.size = (uint64_t)INT64_MAX + 1;
	CHECK(msg_md_req_encode(PROTO_OP_SETATTR, &m, buf, sizeof(buf)) ==
	      -EINVAL);

	md_minimal(PROTO_OP_CREATE, &m);
	m.layout.nstripes = 1;
	CHECK(msg_md_req_encode(PROTO_OP_CREATE, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	CHECK(msg_md_req_encode(PROTO_OP_SETSTRIPE, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	m.layout.nstripes = PROTO_MAX_STRIPES + 1;
	CHECK(msg_md_req_encode(PROTO_OP_SETSTRIPE, &m, buf, sizeof(buf)) ==
	      -EMSGSIZE);
	m.layout.nstripes = 0;
	m.layout.stripe_count = -2;
	CHECK(msg_md_req_encode(PROTO_OP_SETSTRIPE, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	m.layout.stripe_count = 0;
	m.mode = S_IFDIR | 0755;
	CHECK(msg_md_req_encode(PROTO_OP_CREATE, &m, buf, sizeof(buf)) ==
	      -EINVAL);

	md_minimal(PROTO_OP_READDIR, &m);
	m.max_bytes = PROTO_READDIR_MAX + 1;
	CHECK(msg_md_req_encode(PROTO_OP_READDIR, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	/* the same number as an xattr buffer size is fine */
	CHECK(msg_md_req_encode(PROTO_OP_GETXATTR, &m, buf, sizeof(buf)) > 0);
	CHECK(msg_md_req_encode(PROTO_OP_LISTXATTR, &m, buf, sizeof(buf)) > 0);

	md_minimal(PROTO_OP_LOCK, &m);
	m.lk_start = 2;
	m.lk_end = 1;
	CHECK(msg_md_req_encode(PROTO_OP_LOCK, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	m.lk_end = 2;
	m.lk_type = 3;
	CHECK(msg_md_req_encode(PROTO_OP_LOCK, &m, buf, sizeof(buf)) ==
	      -EINVAL);
}

/* --- entry, layout, readdir, lock, object limits --- */

static void test_entry_limits(void)
{
	static struct msg_entry e, out;
	static uint8_t buf[8192];
	ssize_t n;

	/* 256 stripes: yes; 257: no */
	e = file_entry;
	e.layout.nstripes = PROTO_MAX_STRIPES;
	e.layout.stripe_count = PROTO_MAX_STRIPES;
	for (uint32_t i = 0; i < PROTO_MAX_STRIPES; i++)
		e.layout.stripes[i] = (struct msg_stripe){ i, 1000 + i };
	n = msg_entry_encode(&e, buf, sizeof(buf));
	CHECK(n == 88 + 24 + 12 * 256);
	CHECK(n > 0 && decode_exact(dec_entry, buf, (size_t)n, &out, NULL) ==
			       0);
	CHECK(layout_equal(&out.layout, &e.layout));
	if (n > 0) {
		check_truncations("entry of 256 stripes", dec_entry, &out, buf,
				  (size_t)n);
		le32_store(buf + 108, PROTO_MAX_STRIPES + 1);
		CHECK(decode_exact(dec_entry, buf, (size_t)n, &out, NULL) ==
		      -EBADMSG);
		le32_store(buf + 108, 0xffffffffu);
		CHECK(decode_exact(dec_entry, buf, (size_t)n, &out, NULL) ==
		      -EBADMSG);
	}
	e.layout.nstripes = PROTO_MAX_STRIPES + 1;
	CHECK(msg_entry_encode(&e, buf, sizeof(buf)) == -EMSGSIZE);
	CHECK(msg_layout_encode(&e.layout, buf, sizeof(buf)) == -EMSGSIZE);

	/* a directory has no stripes */
	e = file_entry;
	e.attr.mode = S_IFDIR | 0755;
	CHECK(msg_entry_encode(&e, buf, sizeof(buf)) == -EINVAL);
	CHECK(decode_exact(dec_entry, patch32(golden_entry,
					      sizeof(golden_entry), 8,
					      S_IFDIR | 0755),
			   sizeof(golden_entry), &out, NULL) == -EBADMSG);
	e.layout.nstripes = 0;
	CHECK(msg_entry_encode(&e, buf, sizeof(buf)) == 88 + 24);

	/* nanoseconds of each time */
	for (size_t off = 60; off <= 84; off += 12) {
		CHECK(decode_exact(dec_entry, patch32(golden_entry,
						      sizeof(golden_entry),
						      off, 1000000000u),
				   sizeof(golden_entry), &out, NULL) ==
		      -EBADMSG);
	}
	e = file_entry;
	e.attr.ctime.nsec = 1000000000u;
	CHECK(msg_entry_encode(&e, buf, sizeof(buf)) == -EINVAL);

	/* the layout's ranges */
	CHECK(decode_exact(dec_entry, patch32(golden_entry,
					      sizeof(golden_entry), 92,
					      (uint32_t)-2),
			   sizeof(golden_entry), &out, NULL) == -EBADMSG);
	CHECK(decode_exact(dec_entry, patch32(golden_entry,
					      sizeof(golden_entry), 96,
					      (uint32_t)-2),
			   sizeof(golden_entry), &out, NULL) == -EBADMSG);
	/* pattern: NOCOMPR (2) alone is known; with LZ4 (3) or others not */
	CHECK(decode_exact(dec_entry, patch32(golden_entry,
					      sizeof(golden_entry), 100, 2),
			   sizeof(golden_entry), &out, NULL) == 0);
	CHECK(out.layout.pattern == PROTO_PATTERN_NOCOMPR);
	CHECK(decode_exact(dec_entry, patch32(golden_entry,
					      sizeof(golden_entry), 100, 3),
			   sizeof(golden_entry), &out, NULL) == -EBADMSG);
	CHECK(decode_exact(dec_entry, patch32(golden_entry,
					      sizeof(golden_entry), 100, 4),
			   sizeof(golden_entry), &out, NULL) == -EBADMSG);
	/* a layout alone, with stripes, is fine (GETSTRIPE reply) */
	CHECK(decode_exact(dec_layout, golden_entry + 88,
			   sizeof(golden_entry) - 88, &out.layout, NULL) == 0);
}

static void test_readdir_limits(void)
{
	static struct readdir_box rd;
	static uint8_t buf[1024];
	const uint8_t *R = golden_readdir;
	size_t nr = sizeof(golden_readdir);
	struct msg_dirent d = readdir_ents[1];
	struct wbuf w;

	CHECK(decode_exact(dec_readdir, patch8(R, nr, 0, 2), nr, &rd, NULL) ==
	      -EBADMSG);
	CHECK(decode_exact(dec_readdir, patch8(R, nr, 0, 0), nr, &rd, NULL) ==
	      0);
	/* a count the bytes cannot hold is refused in the header */
	CHECK(decode_exact(dec_readdir, patch32(R, nr, 1, 3), nr, &rd, NULL) ==
	      -EBADMSG);
	CHECK(decode_exact(dec_readdir, patch32(R, nr, 1, 0xffffffffu), nr,
			   &rd, NULL) == -EBADMSG);
	CHECK(decode_exact(dec_readdir, patch32(R, nr, 1, 1), nr, &rd, NULL) ==
	      0);
	/* types and names */
	CHECK(decode_exact(dec_readdir, patch8(R, nr, 21, 3), nr, &rd, NULL) ==
	      -EBADMSG);
	CHECK(decode_exact(dec_readdir, patch8(R, nr, 41, DT_WHT), nr, &rd,
			   NULL) == -EBADMSG);
	CHECK(decode_exact(dec_readdir, patch8(R, nr, 41, DT_LNK), nr, &rd,
			   NULL) == 0);
	CHECK(decode_exact(dec_readdir, patch8(R, nr, 24, '/'), nr, &rd,
			   NULL) == -EBADMSG);
	CHECK(decode_exact(dec_readdir, patch8(R, nr, 46, '\0'), nr, &rd,
			   NULL) == -EBADMSG);

	/* a bad entry poisons the buffer it is put into */
	wbuf_init(&w, buf, sizeof(buf));
	wbuf_room(&w, MSG_READDIR_HDR);
	d.name = (struct msg_bytes)BYTES("a/b");
	msg_dirent_put(&w, &d);
	CHECK(!wbuf_ok(&w));
	wbuf_init(&w, buf, sizeof(buf));
	d.name = (struct msg_bytes)BYTES("ok");
	d.type = 3;
	msg_dirent_put(&w, &d);
	CHECK(!wbuf_ok(&w));
	wbuf_init(&w, buf, sizeof(buf));
	d.type = DT_SOCK;
	msg_dirent_put(&w, &d);
	CHECK(wbuf_ok(&w) && (size_t)(w.pos - buf) ==
				     msg_dirent_encoded_len(&d));
}

static void test_obj_limits(void)
{
	static struct obj_box b;
	static uint8_t buf[64];
	struct msg_obj_req m = { .object_id = 1 };
	uint8_t *big, *data;
	ssize_t n;

	/* READ length up to PROTO_MAX_IO, off + len within INT64_MAX */
	m.len = PROTO_MAX_IO;
	CHECK(msg_obj_req_encode(PROTO_OP_OBJ_READ, &m, buf, sizeof(buf)) ==
	      24);
	b.op = PROTO_OP_OBJ_READ;
	CHECK(decode_exact(dec_obj, buf, 24, &b, NULL) == 0);
	CHECK(b.m.len == PROTO_MAX_IO);
	le32_store(buf + 20, PROTO_MAX_IO + 1);
	CHECK(decode_exact(dec_obj, buf, 24, &b, NULL) == -EBADMSG);
	m.len = PROTO_MAX_IO + 1;
	CHECK(msg_obj_req_encode(PROTO_OP_OBJ_READ, &m, buf, sizeof(buf)) ==
	      -EMSGSIZE);
	m.len = 1;
	m.off = (uint64_t)INT64_MAX;
	CHECK(msg_obj_req_encode(PROTO_OP_OBJ_READ, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	m.off = (uint64_t)INT64_MAX - 1;
	CHECK(msg_obj_req_encode(PROTO_OP_OBJ_READ, &m, buf, sizeof(buf)) ==
	      24);
	le64_store(buf + 12, UINT64_MAX);
	CHECK(decode_exact(dec_obj, buf, 24, &b, NULL) == -EBADMSG);

	/* PUNCH: the same range rule on a 64-bit length */
	m = (struct msg_obj_req){ .off = 10, .len = (uint64_t)INT64_MAX - 10 };
	CHECK(msg_obj_req_encode(PROTO_OP_OBJ_PUNCH, &m, buf, sizeof(buf)) ==
	      28);
	b.op = PROTO_OP_OBJ_PUNCH;
	CHECK(decode_exact(dec_obj, buf, 28, &b, NULL) == 0);
	le64_store(buf + 20, (uint64_t)INT64_MAX - 9);
	CHECK(decode_exact(dec_obj, buf, 28, &b, NULL) == -EBADMSG);
	le64_store(buf + 20, UINT64_MAX);
	CHECK(decode_exact(dec_obj, buf, 28, &b, NULL) == -EBADMSG);

	/* TRUNCATE size */
	m = (struct msg_obj_req){ .size = (uint64_t)INT64_MAX + 1 };
	CHECK(msg_obj_req_encode(PROTO_OP_OBJ_TRUNCATE, &m, buf,
				 sizeof(buf)) == -EINVAL);
	m.size--;
	CHECK(msg_obj_req_encode(PROTO_OP_OBJ_TRUNCATE, &m, buf,
				 sizeof(buf)) == 20);
	le64_store(buf + 12, (uint64_t)INT64_MAX + 1);
	b.op = PROTO_OP_OBJ_TRUNCATE;
	CHECK(decode_exact(dec_obj, buf, 20, &b, NULL) == -EBADMSG);

	/* WRITE flags and data up to PROTO_MAX_IO */
	b.op = PROTO_OP_OBJ_WRITE;
	CHECK(decode_exact(dec_obj, patch32(golden_obj_write,
					    sizeof(golden_obj_write), 20, 4),
			   sizeof(golden_obj_write), &b, NULL) == -EBADMSG);
	CHECK(decode_exact(dec_obj, patch64(golden_obj_write,
					    sizeof(golden_obj_write), 12,
					    (uint64_t)INT64_MAX - 4),
			   sizeof(golden_obj_write), &b, NULL) == -EBADMSG);
	CHECK(decode_exact(dec_obj, patch64(golden_obj_write,
					    sizeof(golden_obj_write), 12,
					    (uint64_t)INT64_MAX - 5),
			   sizeof(golden_obj_write), &b, NULL) == 0);
	m = obj_write_req;
	m.flags = 4;
	CHECK(msg_obj_req_encode(PROTO_OP_OBJ_WRITE, &m, buf, sizeof(buf)) ==
	      -EINVAL);
	big = calloc(1, 28 + PROTO_MAX_IO + 1);
	data = calloc(1, PROTO_MAX_IO + 1);
	CHECK(big != NULL && data != NULL);
	if (big && data) {
		m = (struct msg_obj_req){ .data = { data, PROTO_MAX_IO } };
		n = msg_obj_req_encode(PROTO_OP_OBJ_WRITE, &m, big,
				       28 + PROTO_MAX_IO);
		CHECK(n == 28 + (ssize_t)PROTO_MAX_IO);
		CHECK(decode_exact(dec_obj, big, 28 + PROTO_MAX_IO, &b,
				   NULL) == 0);
		CHECK(b.m.data.len == PROTO_MAX_IO);
		le32_store(big + 24, PROTO_MAX_IO + 1);
		CHECK(decode_exact(dec_obj, big, 28 + PROTO_MAX_IO + 1, &b,
				   NULL) == -EBADMSG);
		m.data.len = PROTO_MAX_IO + 1;
		CHECK(msg_obj_req_encode(PROTO_OP_OBJ_WRITE, &m, big,
					 28 + PROTO_MAX_IO + 1) == -EMSGSIZE);
	}
	free(big);
	free(data);

	/* opcodes that are not object requests */
	for (unsigned op = 0; op < 0x10000; op++) {
		if (op >= PROTO_OP_OBJ_READ && op <= PROTO_OP_OBJ_LIST)
			continue;
		b.op = (uint16_t)op;
		if (decode_exact(dec_obj, golden_obj_write,
				 sizeof(golden_obj_write), &b, NULL) !=
		    -EBADMSG) {
			fprintf(stderr, "OBJ_WRITE decoded as opcode %u\n", op);
			failures++;
		}
	}
	CHECK(msg_obj_req_encoded_len(PROTO_OP_LOOKUP, &m) == 0);
	CHECK(msg_obj_req_encode(PROTO_OP_LOOKUP, &m, buf, sizeof(buf)) ==
	      -EINVAL);
}

/* OBJ_LIST: max up to PROTO_OBJ_LIST_MAX; replies capped, ordered, eof 0/1. */
static void test_obj_list_limits(void)
{
	static struct obj_box b;
	static struct obj_list_box lb;
	static struct msg_obj_ref refs[PROTO_OBJ_LIST_MAX + 1];
	static uint8_t buf[64];
	static uint8_t big[MSG_OBJ_LIST_HDR +
			  (PROTO_OBJ_LIST_MAX + 1) * MSG_OBJ_REF_LEN];
	struct msg_obj_req m = { .max = PROTO_OBJ_LIST_MAX };
	struct msg_obj_list l = { 0 }, d;
	struct msg_obj_ref two[2];
	struct cursor c;
	ssize_t n;

	CHECK(msg_obj_req_encode(PROTO_OP_OBJ_LIST, &m, buf, sizeof(buf)) ==
	      16);
	b.op = PROTO_OP_OBJ_LIST;
	CHECK(decode_exact(dec_obj, buf, 16, &b, NULL) == 0);
	CHECK(b.m.max == PROTO_OBJ_LIST_MAX);
	le32_store(buf + 12, PROTO_OBJ_LIST_MAX + 1);
	CHECK(decode_exact(dec_obj, buf, 16, &b, NULL) == -EBADMSG);
	m.max = PROTO_OBJ_LIST_MAX + 1;
	CHECK(msg_obj_req_encode(PROTO_OP_OBJ_LIST, &m, buf, sizeof(buf)) ==
	      -EMSGSIZE);
	m.max = 0; /* no entries: only eof is asked */
	CHECK(msg_obj_req_encode(PROTO_OP_OBJ_LIST, &m, buf, sizeof(buf)) ==
	      16);
	CHECK(decode_exact(dec_obj, buf, 16, &b, NULL) == 0 && b.m.max == 0);

	/* an empty reply, both eofs */
	l.eof = 1;
	CHECK(msg_obj_list_encoded_len(&l) == 5);
	CHECK(msg_obj_list_encode(&l, buf, 5) == 5);
	CHECK(decode_exact(dec_obj_list, buf, 5, &lb, NULL) == 0);
	CHECK(lb.l.eof == 1 && lb.l.count == 0);
	buf[0] = 2;
	CHECK(decode_exact(dec_obj_list, buf, 5, &lb, NULL) == -EBADMSG);
	l.eof = 2;
	CHECK(msg_obj_list_encode(&l, buf, 5) == -EINVAL);

	/* order: equal or descending neighbours are refused both ways */
	two[0] = (struct msg_obj_ref){ 7, 1 };
	two[1] = (struct msg_obj_ref){ 7, 1 };
	l = (struct msg_obj_list){ .count = 2, .objs = two };
	CHECK(msg_obj_list_encode(&l, buf, sizeof(buf)) == -EINVAL);
	two[1].stripe_idx = 0;
	CHECK(msg_obj_list_encode(&l, buf, sizeof(buf)) == -EINVAL);
	two[1] = (struct msg_obj_ref){ 6, 9 };
	CHECK(msg_obj_list_encode(&l, buf, sizeof(buf)) == -EINVAL);
	two[1] = (struct msg_obj_ref){ 7, 2 };
	CHECK(msg_obj_list_encode(&l, buf, sizeof(buf)) == 29);
	CHECK(decode_exact(dec_obj_list, buf, 29, &lb, NULL) == 0);
	le32_store(buf + 5 + 12 + 8, 1); /* second entry = first */
	CHECK(decode_exact(dec_obj_list, buf, 29, &lb, NULL) == -EBADMSG);
	le32_store(buf + 5 + 12 + 8, 0); /* descending */
	CHECK(decode_exact(dec_obj_list, buf, 29, &lb, NULL) == -EBADMSG);
	two[0] = (struct msg_obj_ref){ 1, UINT32_MAX };
	two[1] = (struct msg_obj_ref){ 2, 0 };
	CHECK(msg_obj_ref_cmp(&two[0], &two[1]) < 0);
	CHECK(msg_obj_ref_cmp(&two[1], &two[0]) > 0);
	CHECK(msg_obj_ref_cmp(&two[0], &two[0]) == 0);

	/* a count above the caller's room is refused */
	l = (struct msg_obj_list){ .count = 2, .objs = two };
	CHECK(msg_obj_list_encode(&l, buf, sizeof(buf)) == 29);
	d = (struct msg_obj_list){ .objs = refs, .cap = 1 };
	cursor_init(&c, buf, 29);
	CHECK(msg_obj_list_decode(&c, &d) == -EBADMSG && c.pos == buf);
	d.cap = 2;
	CHECK(msg_obj_list_decode(&c, &d) == 0 && d.count == 2);

	/* PROTO_OBJ_LIST_MAX entries, not one more */
	for (uint32_t i = 0; i <= PROTO_OBJ_LIST_MAX; i++)
		refs[i] = (struct msg_obj_ref){ 2 + i / 3, i % 3 };
	l = (struct msg_obj_list){ .eof = 1, .count = PROTO_OBJ_LIST_MAX,
				   .objs = refs };
	n = msg_obj_list_encode(&l, big, sizeof(big));
	CHECK(n == (ssize_t)msg_obj_list_encoded_len(&l) &&
	      n == 5 + PROTO_OBJ_LIST_MAX * 12);
	d = (struct msg_obj_list){ .objs = refs, .cap = PROTO_OBJ_LIST_MAX + 1 };
	cursor_init(&c, big, (size_t)n);
	CHECK(msg_obj_list_decode(&c, &d) == 0 &&
	      d.count == PROTO_OBJ_LIST_MAX && c.pos == c.end);
	for (uint32_t i = 0; i <= PROTO_OBJ_LIST_MAX; i++)
		refs[i] = (struct msg_obj_ref){ 2 + i / 3, i % 3 };
	l.count = PROTO_OBJ_LIST_MAX + 1;
	CHECK(msg_obj_list_encode(&l, big, sizeof(big)) == -EMSGSIZE);
	/* the same bytes, hand-made: the decoder refuses them */
	le32_store(big + 1, PROTO_OBJ_LIST_MAX + 1);
	le64_store(big + 5 + PROTO_OBJ_LIST_MAX * 12,
		   refs[PROTO_OBJ_LIST_MAX].object_id);
	le32_store(big + 5 + PROTO_OBJ_LIST_MAX * 12 + 8,
		   refs[PROTO_OBJ_LIST_MAX].stripe_idx);
	cursor_init(&c, big, sizeof(big));
	CHECK(msg_obj_list_decode(&c, &d) == -EBADMSG);
}

/* --- small replies --- */

static void test_small_replies(void)
{
	static uint8_t buf[80000], text[70000];
	struct msg_obj_attr oa = { 1, 2, 3, 4 }, oa2;
	struct msg_xattr_reply xr, xr2;
	struct msg_bytes t, t2;
	struct cursor c;
	uint64_t v;

	memset(text, 'v', sizeof(text));

	/* OBJ_GETATTR reply */
	CHECK(msg_obj_attr_encoded_len(&oa) == 32);
	CHECK(msg_obj_attr_encode(&oa, buf, 32) == 32);
	CHECK(msg_obj_attr_encode(&oa, buf, 31) == -EMSGSIZE);
	CHECK(le64_load(buf + 24) == 4);
	cursor_init(&c, buf, 32);
	CHECK(msg_obj_attr_decode(&c, &oa2) == 0);
	CHECK(oa2.size == 1 && oa2.disk_bytes == 2 && oa2.logical_bytes == 3);
	CHECK(oa2.stored_bytes == 4 && c.pos == c.end);
	/* An older OSS's 24 bytes: stored_bytes defaults to logical. */
	cursor_init(&c, buf, 24);
	CHECK(msg_obj_attr_decode(&c, &oa2) == 0);
	CHECK(oa2.logical_bytes == 3 && oa2.stored_bytes == 3);
	cursor_init(&c, buf, 23);
	CHECK(msg_obj_attr_decode(&c, &oa2) == -EBADMSG);

	/* OBJ_WRITE reply */
	CHECK(msg_u64_encode(0x1122334455667788ull, buf, 8) == 8);
	CHECK(buf[0] == 0x88 && buf[7] == 0x11);
	CHECK(msg_u64_encode(1, buf, 7) == -EMSGSIZE);
	cursor_init(&c, buf, 8);
	CHECK(msg_u64_decode(&c, &v) == 0 && v == 0x1122334455667788ull);
	cursor_init(&c, buf, 7);
	CHECK(msg_u64_decode(&c, &v) == -EBADMSG);

	/* READLINK reply */
	t = (struct msg_bytes){ text, PROTO_SYMLINK_MAX };
	CHECK(msg_readlink_encoded_len(&t) == 2 + PROTO_SYMLINK_MAX);
	CHECK(msg_readlink_encode(&t, buf, sizeof(buf)) ==
	      2 + PROTO_SYMLINK_MAX);
	cursor_init(&c, buf, 2 + PROTO_SYMLINK_MAX);
	CHECK(msg_readlink_decode(&c, &t2) == 0 && bytes_equal(&t, &t2));
	cursor_init(&c, buf, 1 + PROTO_SYMLINK_MAX);
	CHECK(msg_readlink_decode(&c, &t2) == -EBADMSG);
	CHECK(msg_readlink_encode(&t, buf, 1 + PROTO_SYMLINK_MAX) ==
	      -EMSGSIZE);
	t.len++;
	CHECK(msg_readlink_encode(&t, buf, sizeof(buf)) == -EMSGSIZE);
	t.len = 0;
	CHECK(msg_readlink_encode(&t, buf, sizeof(buf)) == -EINVAL);
	le16_store(buf, 0);
	cursor_init(&c, buf, 2);
	CHECK(msg_readlink_decode(&c, &t2) == -EBADMSG);

	/* GETXATTR and LISTXATTR replies */
	xr = (struct msg_xattr_reply){ .length = 300 };
	CHECK(msg_xattr_reply_encoded_len(&xr) == 8);
	CHECK(msg_xattr_reply_encode(PROTO_OP_GETXATTR, &xr, buf, 8) == 8);
	cursor_init(&c, buf, 8);
	CHECK(msg_xattr_reply_decode(PROTO_OP_GETXATTR, &c, &xr2) == 0);
	CHECK(xr2.length == 300 && xr2.value.len == 0);
	xr = (struct msg_xattr_reply){ .length = 3,
				       .value = BYTES("a\0b") };
	CHECK(msg_xattr_reply_encode(PROTO_OP_LISTXATTR, &xr, buf, 11) == 11);
	CHECK(msg_xattr_reply_encode(PROTO_OP_LISTXATTR, &xr, buf, 10) ==
	      -EMSGSIZE);
	cursor_init(&c, buf, 11);
	CHECK(msg_xattr_reply_decode(PROTO_OP_LISTXATTR, &c, &xr2) == 0);
	CHECK(xr2.length == 3 && bytes_equal(&xr.value, &xr2.value));
	for (size_t n = 0; n < 11; n++) {
		cursor_init(&c, buf, n);
		CHECK(msg_xattr_reply_decode(PROTO_OP_LISTXATTR, &c, &xr2) ==
		      -EBADMSG);
	}
	le32_store(buf, 4); /* value of 3 bytes, length 4 */
	cursor_init(&c, buf, 11);
	CHECK(msg_xattr_reply_decode(PROTO_OP_LISTXATTR, &c, &xr2) ==
	      -EBADMSG);
	xr.length = 4;
	CHECK(msg_xattr_reply_encode(PROTO_OP_LISTXATTR, &xr, buf, 11) ==
	      -EINVAL);
	CHECK(msg_xattr_reply_encode(PROTO_OP_LOOKUP, &xr, buf, 11) ==
	      -EINVAL);
	cursor_init(&c, buf, 11);
	CHECK(msg_xattr_reply_decode(PROTO_OP_SETXATTR, &c, &xr2) ==
	      -EBADMSG);
	/* caps: 64 KiB for a value, 1 MiB for a list */
	xr = (struct msg_xattr_reply){ .length = PROTO_XATTR_MAX,
				       .value = { text, PROTO_XATTR_MAX } };
	CHECK(msg_xattr_reply_encode(PROTO_OP_GETXATTR, &xr, buf,
				     sizeof(buf)) == 8 + PROTO_XATTR_MAX);
	xr.length = PROTO_XATTR_MAX + 1;
	xr.value.len = 0;
	CHECK(msg_xattr_reply_encode(PROTO_OP_GETXATTR, &xr, buf,
				     sizeof(buf)) == -EMSGSIZE);
	CHECK(msg_xattr_reply_encode(PROTO_OP_LISTXATTR, &xr, buf,
				     sizeof(buf)) == 8);
	cursor_init(&c, buf, 8);
	CHECK(msg_xattr_reply_decode(PROTO_OP_GETXATTR, &c, &xr2) ==
	      -EBADMSG);
	le32_store(buf, PROTO_XATTR_LIST_MAX + 1);
	cursor_init(&c, buf, 8);
	CHECK(msg_xattr_reply_decode(PROTO_OP_LISTXATTR, &c, &xr2) ==
	      -EBADMSG);

	/* OBJ_READ reply */
	t = (struct msg_bytes)BYTES("data");
	CHECK(msg_obj_data_encoded_len(&t) == 8);
	CHECK(msg_obj_data_encode(&t, buf, 8) == 8);
	CHECK(msg_obj_data_encode(&t, buf, 7) == -EMSGSIZE);
	cursor_init(&c, buf, 8);
	CHECK(msg_obj_data_decode(&c, &t2) == 0 && bytes_equal(&t, &t2));
	cursor_init(&c, buf, 7);
	CHECK(msg_obj_data_decode(&c, &t2) == -EBADMSG);
	t.len = PROTO_MAX_IO + 1;
	CHECK(msg_obj_data_encode(&t, buf, sizeof(buf)) == -EMSGSIZE);
}

int main(void)
{
	test_constants();
	test_golden();
	test_dir_attrs();
	test_md_round_trips();
	test_obj_round_trips();
	test_md_range();
	test_md_limits();
	test_md_encode_limits();
	test_entry_limits();
	test_readdir_limits();
	test_obj_limits();
	test_obj_list_limits();
	test_small_replies();
	if (failures) {
		fprintf(stderr, "test_msg_fs: %d checks failed\n", failures);
		return 1;
	}
	printf("test_msg_fs: all checks passed\n");
	return 0;
}
