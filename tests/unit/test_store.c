/*
 * test_store.c - unit tests of mds/store.c (LMDB behind an errno API) and
 * mds/layout.c (encoding, placement).
 *
 * Each test opens a store in its own temporary directory, removed at the
 * end. Covered: put/get/del and their error codes, cursors, the numeric
 * order of the readdir index, nested txns (child commit, child abort,
 * parent abort), persistence across reopen, nosync mode, a full map
 * (-ENOSPC), and layout encode/decode/placement.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mds/layout.h"
#include "mds/store.h"
#include "proto/codec.h"
#include "tests/unit/check.h"

#define CHECK_RC(expr, want)                                                   \
	do {                                                                   \
		long rc_ = (long)(expr);                                       \
		if (rc_ != (long)(want)) {                                     \
			fprintf(stderr, "%s:%d: %s = %ld, want %ld\n",         \
				__FILE__, __LINE__, #expr, rc_, (long)(want)); \
			failures++;                                            \
		}                                                              \
	} while (0)

static char tmpdir[256];

static int rm_cb(const char *path, const struct stat *sb, int flag,
		 struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/glint_test_store.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(1);
	}
}

static void remove_tmpdir(void)
{
	nftw(tmpdir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static struct store *open_store(uint64_t map_size, bool nosync)
{
	struct store_options opt = {
	    .path = tmpdir, .map_size = map_size, .nosync = nosync};
	struct store *st = NULL;
	int rc = store_open(&opt, &st);

	if (rc) {
		fprintf(stderr, "store_open: %s\n", strerror(-rc));
		exit(1);
	}
	return st;
}

static bool val_is(const struct store_val *v, const char *s)
{
	return v->len == strlen(s) && !memcmp(v->data, s, v->len);
}

static void test_basic(void)
{
	struct store *st;
	struct store_txn *t;
	struct store_val v;
	uint64_t n;

	make_tmpdir();
	st = open_store(0, false);
	CHECK_RC(store_txn_begin(st, NULL, false, &t), 0);
	CHECK_RC(store_put(t, STORE_DB_META, "a", 1, "one", 3, 0), 0);
	CHECK_RC(store_put(t, STORE_DB_META, "b", 1, "two", 3, 0), 0);
	CHECK_RC(store_put(t, STORE_DB_META, "a", 1, "uno", 3,
			   STORE_PUT_NOOVERWRITE),
		 -EEXIST);
	CHECK_RC(store_get(t, STORE_DB_META, "a", 1, &v), 0);
	CHECK(val_is(&v, "one"));
	CHECK_RC(store_put(t, STORE_DB_META, "a", 1, "uno", 3, 0), 0);
	CHECK_RC(store_get(t, STORE_DB_META, "a", 1, &v), 0);
	CHECK(val_is(&v, "uno"));
	CHECK_RC(store_get(t, STORE_DB_META, "zz", 2, &v), -ENOENT);
	CHECK_RC(store_get(t, STORE_DB_INODE, "a", 1, &v), -ENOENT);
	CHECK_RC(store_del(t, STORE_DB_META, "b", 1), 0);
	CHECK_RC(store_del(t, STORE_DB_META, "b", 1), -ENOENT);
	CHECK_RC(store_put(t, STORE_DB_META, "", 0, "x", 1, 0), -EINVAL);
	CHECK_RC(store_count(t, STORE_DB_META, &n), 0);
	CHECK(n == 1);
	CHECK_RC(store_txn_commit(t), 0);

	/* a read-only txn sees it and cannot write */
	CHECK_RC(store_txn_begin(st, NULL, true, &t), 0);
	CHECK(store_txn_rdonly(t));
	CHECK_RC(store_get(t, STORE_DB_META, "a", 1, &v), 0);
	CHECK(val_is(&v, "uno"));
	CHECK(store_put(t, STORE_DB_META, "c", 1, "x", 1, 0) < 0);
	store_txn_abort(t);
	store_close(st);

	/* reopen keeps it */
	st = open_store(0, false);
	CHECK_RC(store_txn_begin(st, NULL, true, &t), 0);
	CHECK_RC(store_get(t, STORE_DB_META, "a", 1, &v), 0);
	CHECK(val_is(&v, "uno"));
	CHECK_RC(store_get(t, STORE_DB_META, "b", 1, &v), -ENOENT);
	store_txn_abort(t);
	store_close(st);
	remove_tmpdir();
}

static void test_cursor(void)
{
	struct store *st;
	struct store_txn *t;
	struct store_cursor *c;
	struct store_val k, v;
	const char *keys[] = {"k1", "k3", "k5", "k7"};
	int i, n;

	make_tmpdir();
	st = open_store(0, true);
	CHECK_RC(store_txn_begin(st, NULL, false, &t), 0);
	for (i = 0; i < 4; i++)
		CHECK_RC(store_put(t, STORE_DB_XATTR, keys[i], 2, "v", 1, 0),
			 0);
	CHECK_RC(store_cursor_open(t, STORE_DB_XATTR, &c), 0);
	CHECK_RC(store_cursor_seek(c, "k4", 2, &k, &v), 0);
	CHECK(val_is(&k, "k5"));
	CHECK_RC(store_cursor_next(c, &k, &v), 0);
	CHECK(val_is(&k, "k7"));
	CHECK_RC(store_cursor_next(c, &k, &v), -ENOENT);
	CHECK_RC(store_cursor_seek(c, "k8", 2, &k, &v), -ENOENT);
	CHECK_RC(store_cursor_seek(c, NULL, 0, &k, &v), 0);
	CHECK(val_is(&k, "k1"));
	/* delete under the cursor: next yields the following key */
	CHECK_RC(store_cursor_seek(c, "k3", 2, &k, &v), 0);
	CHECK_RC(store_cursor_del(c), 0);
	CHECK_RC(store_cursor_next(c, &k, &v), 0);
	CHECK(val_is(&k, "k5"));
	store_cursor_close(c);
	CHECK_RC(store_cursor_open(t, STORE_DB_XATTR, &c), 0);
	n = 0;
	for (int rc = store_cursor_seek(c, NULL, 0, &k, &v); !rc;
	     rc = store_cursor_next(c, &k, &v))
		n++;
	CHECK(n == 3);
	store_cursor_close(c);
	CHECK_RC(store_txn_commit(t), 0);
	store_close(st);
	remove_tmpdir();
}

/* STORE_DB_DIRINDEX orders (parent, cookie) numerically, though both are
 * stored little-endian. */
static void test_dirindex_order(void)
{
	struct store *st;
	struct store_txn *t;
	struct store_cursor *c;
	struct store_val k, v;
	uint8_t key[16];
	uint64_t cookies[] = {256, 1, 255, 65536, 2, 4294967296ull};
	uint64_t prev = 0, got;
	int i, rc, n = 0;

	make_tmpdir();
	st = open_store(0, true);
	CHECK_RC(store_txn_begin(st, NULL, false, &t), 0);
	for (i = 0; i < 6; i++) {
		le64_store(key, 7);
		le64_store(key + 8, cookies[i]);
		CHECK_RC(store_put(t, STORE_DB_DIRINDEX, key, 16, "x", 1, 0),
			 0);
	}
	/* another parent: 256 sorts after 7 numerically, before in bytes */
	le64_store(key, 256);
	le64_store(key + 8, 0);
	CHECK_RC(store_put(t, STORE_DB_DIRINDEX, key, 16, "y", 1, 0), 0);
	CHECK_RC(store_cursor_open(t, STORE_DB_DIRINDEX, &c), 0);
	le64_store(key, 7);
	le64_store(key + 8, 3);
	for (rc = store_cursor_seek(c, key, 16, &k, &v); !rc;
	     rc = store_cursor_next(c, &k, &v)) {
		if (le64_load(k.data) != 7)
			break;
		got = le64_load((const uint8_t *)k.data + 8);
		CHECK(got > prev && got >= 3);
		prev = got;
		n++;
	}
	CHECK(n == 4);
	CHECK(!rc && le64_load(k.data) == 256);
	store_cursor_close(c);
	CHECK_RC(store_txn_commit(t), 0);
	store_close(st);

	/* the comparator is installed again on reopen */
	st = open_store(0, true);
	CHECK_RC(store_txn_begin(st, NULL, true, &t), 0);
	CHECK_RC(store_cursor_open(t, STORE_DB_DIRINDEX, &c), 0);
	CHECK_RC(store_cursor_seek(c, NULL, 0, &k, &v), 0);
	CHECK(le64_load(k.data) == 7 &&
	      le64_load((const uint8_t *)k.data + 8) == 1);
	store_cursor_close(c);
	store_txn_abort(t);
	store_close(st);
	remove_tmpdir();
}

static void test_nested(void)
{
	struct store *st;
	struct store_txn *p, *c;
	struct store_val v;

	make_tmpdir();
	st = open_store(0, false);
	CHECK_RC(store_txn_begin(st, NULL, false, &p), 0);
	CHECK_RC(store_put(p, STORE_DB_META, "p", 1, "1", 1, 0), 0);

	/* child 1 commits: visible in the parent */
	CHECK_RC(store_txn_begin(st, p, false, &c), 0);
	CHECK_RC(store_get(c, STORE_DB_META, "p", 1, &v), 0);
	CHECK_RC(store_put(c, STORE_DB_META, "c1", 2, "1", 1, 0), 0);
	CHECK_RC(store_txn_commit(c), 0);
	CHECK_RC(store_get(p, STORE_DB_META, "c1", 2, &v), 0);

	/* child 2 aborts: its writes vanish, earlier ones stay */
	CHECK_RC(store_txn_begin(st, p, false, &c), 0);
	CHECK_RC(store_put(c, STORE_DB_META, "c2", 2, "1", 1, 0), 0);
	CHECK_RC(store_del(c, STORE_DB_META, "c1", 2), 0);
	store_txn_abort(c);
	CHECK_RC(store_get(p, STORE_DB_META, "c2", 2, &v), -ENOENT);
	CHECK_RC(store_get(p, STORE_DB_META, "c1", 2, &v), 0);

	/* a child of a read-only txn is refused */
	{
		struct store_txn *r, *rc_child = NULL;

		CHECK_RC(store_txn_begin(st, NULL, true, &r), 0);
		CHECK_RC(store_txn_begin(st, r, false, &rc_child), -EINVAL);
		store_txn_abort(r);
	}

	/* a reader beside the open write txn sees the committed state */
	{
		struct store_txn *r;

		CHECK_RC(store_txn_begin(st, NULL, true, &r), 0);
		CHECK_RC(store_get(r, STORE_DB_META, "c1", 2, &v), -ENOENT);
		store_txn_abort(r);
	}
	CHECK_RC(store_txn_commit(p), 0);

	/* parent abort drops its committed children */
	CHECK_RC(store_txn_begin(st, NULL, false, &p), 0);
	CHECK_RC(store_txn_begin(st, p, false, &c), 0);
	CHECK_RC(store_put(c, STORE_DB_META, "c3", 2, "1", 1, 0), 0);
	CHECK_RC(store_txn_commit(c), 0);
	store_txn_abort(p);
	store_close(st);

	st = open_store(0, false);
	CHECK_RC(store_txn_begin(st, NULL, true, &p), 0);
	CHECK_RC(store_get(p, STORE_DB_META, "p", 1, &v), 0);
	CHECK_RC(store_get(p, STORE_DB_META, "c1", 2, &v), 0);
	CHECK_RC(store_get(p, STORE_DB_META, "c2", 2, &v), -ENOENT);
	CHECK_RC(store_get(p, STORE_DB_META, "c3", 2, &v), -ENOENT);
	store_txn_abort(p);
	store_close(st);
	remove_tmpdir();
}

/* A tiny map fills up: -ENOSPC, and the store stays usable. */
static void test_map_full(void)
{
	static uint8_t val[4000];
	struct store *st;
	struct store_txn *t;
	uint8_t key[8];
	uint64_t used, total;
	int rc = 0, i;

	make_tmpdir();
	st = open_store(256 << 10, true);
	CHECK_RC(store_txn_begin(st, NULL, false, &t), 0);
	for (i = 0; i < 1000; i++) {
		le64_store(key, (uint64_t)i);
		rc = store_put(t, STORE_DB_XATTR, key, 8, val, sizeof(val), 0);
		if (rc)
			break;
	}
	CHECK_RC(rc, -ENOSPC);
	store_txn_abort(t);
	CHECK_RC(store_space(st, &used, &total), 0);
	CHECK(total == 256 << 10);
	CHECK(used <= total);
	CHECK_RC(store_txn_begin(st, NULL, false, &t), 0);
	CHECK_RC(store_put(t, STORE_DB_META, "ok", 2, "1", 1, 0), 0);
	CHECK_RC(store_txn_commit(t), 0);
	store_close(st);
	remove_tmpdir();
}

static void test_layout_codec(void)
{
	struct layout a, b;
	uint8_t buf[LAYOUT_MAX_ENCODED_LEN];
	ssize_t n;
	uint32_t i;

	layout_default(&a);
	CHECK(a.stripe_size == 1u << 20 && a.stripe_count == 1 &&
	      a.first_ost == -1);
	a.pattern = LAYOUT_PATTERN_LZ4;
	a.gen = 3;
	a.nstripes = 5;
	for (i = 0; i < 5; i++) {
		a.stripes[i].ost_idx = 10 + i;
		a.stripes[i].object_id = 0x1122334455667788ull + i;
	}
	n = layout_encode(&a, buf, sizeof(buf));
	CHECK(n == (ssize_t)(LAYOUT_HEADER_LEN + 5 * LAYOUT_STRIPE_LEN));
	CHECK(buf[0] == LAYOUT_ENCODING_VERSION);
	CHECK(le32_load(buf + 4) == LAYOUT_PATTERN_LZ4);
	CHECK(le32_load(buf + 8) == 1u << 20);
	CHECK(le32_load(buf + 16) == 0xffffffffu);
	CHECK(le32_load(buf + 28) == 10);
	CHECK(le64_load(buf + 32) == 0x1122334455667788ull);
	CHECK_RC(layout_decode(buf, (size_t)n, &b), 0);
	CHECK(b.nstripes == 5 && b.gen == 3 && b.first_ost == -1 &&
	      b.stripes[4].ost_idx == 14 &&
	      b.stripes[4].object_id == 0x1122334455667788ull + 4);
	CHECK_RC(layout_decode(buf, (size_t)n - 1, &b), -EBADMSG);
	CHECK_RC(layout_decode(buf, (size_t)n + 1, &b), -EBADMSG);
	buf[0] = 9;
	CHECK_RC(layout_decode(buf, (size_t)n, &b), -EBADMSG);
	CHECK_RC(layout_encode(&a, buf, 10), -ENOBUFS);

	layout_default(&a);
	CHECK_RC(layout_check(&a), 0);
	a.stripe_size = 1000;
	CHECK_RC(layout_check(&a), -EINVAL);
	a.stripe_size = 0;
	a.stripe_count = -2;
	CHECK_RC(layout_check(&a), -EINVAL);
	a.stripe_count = LAYOUT_MAX_STRIPES + 1;
	CHECK_RC(layout_check(&a), -EINVAL);
	a.stripe_count = 0;
	a.pattern = 0x80;
	CHECK_RC(layout_check(&a), -EINVAL);
	a.pattern = 0;
	CHECK_RC(layout_check(&a), 0);
}

static void test_layout_place(void)
{
	struct layout_ost osts[4] = {
	    {0, true}, {1, false}, {2, true}, {3, true}};
	struct layout_ost none[2] = {{0, false}, {1, false}};
	struct layout_rr rr = {0};
	struct layout l, d;
	static const uint32_t expect[4] = {0, 2, 3, 0};
	int i;

	layout_default(&d);
	/* single stripes rotate over usable OSTs, skipping OST 1 */
	for (i = 0; i < 4; i++) {
		layout_resolve(&d, &d, &l);
		CHECK_RC(layout_place(&l, osts, 4, &rr, 100 + i), 0);
		CHECK(l.nstripes == 1 && l.stripes[0].object_id == 100u + i);
		CHECK(l.stripes[0].ost_idx == expect[i]);
	}
	/* -1 = all usable; 10 capped to 3 */
	l = d;
	l.stripe_count = -1;
	CHECK_RC(layout_place(&l, osts, 4, &rr, 7), 0);
	CHECK(l.nstripes == 3);
	l = d;
	l.stripe_count = 10;
	CHECK_RC(layout_place(&l, osts, 4, &rr, 7), 0);
	CHECK(l.nstripes == 3);
	CHECK(l.stripes[0].ost_idx != l.stripes[1].ost_idx &&
	      l.stripes[1].ost_idx != l.stripes[2].ost_idx);
	/* explicit first OST */
	l = d;
	l.stripe_count = 2;
	l.first_ost = 3;
	CHECK_RC(layout_place(&l, osts, 4, &rr, 7), 0);
	CHECK(l.nstripes == 2 && l.stripes[0].ost_idx == 3 &&
	      l.stripes[1].ost_idx == 0);
	/* unusable first OST falls back to round robin */
	l = d;
	l.first_ost = 1;
	CHECK_RC(layout_place(&l, osts, 4, &rr, 7), 0);
	CHECK(l.nstripes == 1 && l.stripes[0].ost_idx != 1);
	l = d;
	CHECK_RC(layout_place(&l, none, 2, &rr, 7), -ENOSPC);
	CHECK_RC(layout_place(&l, osts, 0, &rr, 7), -ENOSPC);
	/* resolve fills inherited fields */
	memset(&l, 0, sizeof(l));
	l.first_ost = -1;
	l.pattern = LAYOUT_PATTERN_LZ4;
	layout_resolve(&l, &d, &l);
	CHECK(l.stripe_size == 1u << 20 && l.stripe_count == 1 &&
	      l.pattern == LAYOUT_PATTERN_LZ4);
	/* compression is inherited unless the request says LZ4 or NOCOMPR */
	{
		struct layout dl = d, r2;

		dl.pattern = LAYOUT_PATTERN_LZ4;
		memset(&r2, 0, sizeof(r2));
		r2.first_ost = -1;
		layout_resolve(&r2, &dl, &l);
		CHECK(l.pattern == LAYOUT_PATTERN_LZ4);
		r2.pattern = LAYOUT_PATTERN_NOCOMPR;
		CHECK_RC(layout_check(&r2), 0);
		layout_resolve(&r2, &dl, &l);
		CHECK(l.pattern == LAYOUT_PATTERN_NOCOMPR);
		dl.pattern = LAYOUT_PATTERN_NOCOMPR;
		r2.pattern = LAYOUT_PATTERN_LZ4;
		layout_resolve(&r2, &dl, &l);
		CHECK(l.pattern == LAYOUT_PATTERN_LZ4);
		r2.pattern = LAYOUT_PATTERN_LZ4 | LAYOUT_PATTERN_NOCOMPR;
		CHECK_RC(layout_check(&r2), -EINVAL);
		r2.pattern = 0x4;
		CHECK_RC(layout_check(&r2), -EINVAL);
	}
}

int main(void)
{
	test_basic();
	test_cursor();
	test_dirindex_order();
	test_nested();
	test_map_full();
	test_layout_codec();
	test_layout_place();
	if (failures) {
		fprintf(stderr, "test_store: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_store: all passed\n");
	return 0;
}
