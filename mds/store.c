/*
 * store.c - LMDB behind the store.h API; the only user of lmdb.h.
 *
 * The environment is opened with MDB_NOTLS (read txns are not bound to a
 * thread slot, so one thread can hold a read txn beside the write txn) and,
 * in scratch mode, MDB_NOSYNC. MDB_WRITEMAP is never used: LMDB refuses
 * nested write txns with it, and group commit needs them.
 *
 * All databases are opened (and created) once in store_open() and their
 * handles kept in struct store. STORE_DB_DIRINDEX gets a custom comparator
 * (numeric on two little-endian u64) installed before any txn touches it;
 * anything else that opens the file must install the same one.
 *
 * Every MDB_* return code is converted to a negative errno by
 * store_errno() here; nothing above this file sees LMDB codes.
 */
#include "mds/store.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "proto/codec.h"

struct store {
	MDB_env *env;		     /* the environment */
	MDB_dbi dbi[STORE_DB_COUNT]; /* one handle per enum store_db */
};

struct store_txn {
	struct store *st; /* the store this txn belongs to */
	MDB_txn *txn;	  /* the LMDB txn */
	bool rdonly;	  /* began read-only */
};

struct store_cursor {
	MDB_cursor *cur; /* the LMDB cursor */
};

static const char *const store_db_names[STORE_DB_COUNT] = {
    [STORE_DB_META] = "meta",	  [STORE_DB_INODE] = "inode",
    [STORE_DB_DENTRY] = "dentry", [STORE_DB_DIRINDEX] = "dirindex",
    [STORE_DB_XATTR] = "xattr",	  [STORE_DB_ORPHAN] = "orphan",
    [STORE_DB_OBJINDEX] = "objindex",
};

/* Map an LMDB return code (or a positive errno it passed through) to a
 * negative errno. */
static int store_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case MDB_DBS_FULL:
	case MDB_PAGE_FULL:
	case MDB_CURSOR_FULL:
		return -ENOSPC;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:
		return -EAGAIN;
	case MDB_BAD_VALSIZE:
	case MDB_BAD_TXN:
	case MDB_BAD_RSLOT:
	case MDB_BAD_DBI:
	case MDB_INCOMPATIBLE:
		return -EINVAL;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_PANIC:
		return -EIO;
	case MDB_TLS_FULL:
		return -ENOMEM;
	default:
		if (rc > 0)
			return -rc;
		return -EIO;
	}
}

/* Numeric order of (u64 LE, u64 LE) keys; shorter keys sort first. */
static int store_cmp_u64_pair(const MDB_val *a, const MDB_val *b)
{
	const uint8_t *pa = a->mv_data, *pb = b->mv_data;
	size_t i;

	if (a->mv_size != 16 || b->mv_size != 16)
		return a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size;
	for (i = 0; i < 16; i += 8) {
		uint64_t x = le64_load(pa + i), y = le64_load(pb + i);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

int store_open(const struct store_options *opt, struct store **out)
{
	struct store *st;
	MDB_txn *txn = NULL;
	unsigned env_flags = MDB_NOTLS;
	int rc, i;

	if (!opt->path)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	if (mkdir(opt->path, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		goto err_free;
	}
	rc = store_errno(mdb_env_create(&st->env));
	if (rc)
		goto err_free;
	rc = store_errno(mdb_env_set_maxdbs(st->env, STORE_DB_COUNT));
	if (rc)
		goto err_env;
	rc = store_errno(mdb_env_set_mapsize(
	    st->env, opt->map_size ? opt->map_size : STORE_DEFAULT_MAP_SIZE));
	if (rc)
		goto err_env;
	if (opt->nosync)
		env_flags |= MDB_NOSYNC;
	rc = store_errno(mdb_env_open(st->env, opt->path, env_flags, 0600));
	if (rc) {
		log_msg(LOG_ERROR, "store", "path=%s: cannot open LMDB env: %s",
			opt->path, strerror(-rc));
		goto err_env;
	}
	rc = store_errno(mdb_txn_begin(st->env, NULL, 0, &txn));
	if (rc)
		goto err_env;
	for (i = 0; i < STORE_DB_COUNT; i++) {
		rc = store_errno(mdb_dbi_open(txn, store_db_names[i],
					      MDB_CREATE, &st->dbi[i]));
		if (rc)
			goto err_txn;
	}
	rc = store_errno(mdb_set_compare(txn, st->dbi[STORE_DB_DIRINDEX],
					 store_cmp_u64_pair));
	if (rc)
		goto err_txn;
	rc = store_errno(mdb_txn_commit(txn));
	if (rc)
		goto err_env;
	*out = st;
	return 0;

err_txn:
	mdb_txn_abort(txn);
err_env:
	mdb_env_close(st->env);
err_free:
	free(st);
	return rc;
}

int store_sync(struct store *st)
{
	return store_errno(mdb_env_sync(st->env, 1));
}

void store_close(struct store *st)
{
	if (!st)
		return;
	mdb_env_close(st->env);
	free(st);
}

int store_txn_begin(struct store *st, struct store_txn *parent, bool rdonly,
		    struct store_txn **out)
{
	struct store_txn *t;
	int rc;

	if (parent && (rdonly || parent->rdonly))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->st = st;
	t->rdonly = rdonly;
	rc = store_errno(mdb_txn_begin(st->env, parent ? parent->txn : NULL,
				       rdonly ? MDB_RDONLY : 0, &t->txn));
	if (rc) {
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int store_txn_commit(struct store_txn *txn)
{
	int rc = store_errno(mdb_txn_commit(txn->txn));

	if (rc)
		log_msg(LOG_ERROR, "store", "commit failed: %s", strerror(-rc));
	free(txn);
	return rc;
}

void store_txn_abort(struct store_txn *txn)
{
	if (!txn)
		return;
	mdb_txn_abort(txn->txn);
	free(txn);
}

int store_child_begin(struct store_txn *txn, struct store_txn **child)
{
	if (txn->rdonly)
		return -EINVAL;
	return store_txn_begin(txn->st, txn, false, child);
}

int store_child_end(struct store_txn *child, int rc)
{
	if (rc) {
		store_txn_abort(child);
		return rc;
	}
	return store_txn_commit(child);
}

bool store_txn_rdonly(const struct store_txn *txn)
{
	return txn->rdonly;
}

struct store *store_txn_store(const struct store_txn *txn)
{
	return txn->st;
}

static MDB_val store_mval(const void *p, size_t len)
{
	MDB_val v = {.mv_size = len, .mv_data = (void *)p};

	return v;
}

int store_get(struct store_txn *txn, enum store_db db, const void *key,
	      size_t klen, struct store_val *val)
{
	MDB_val k = store_mval(key, klen), v;
	int rc;

	if (!klen || klen > STORE_MAX_KEY)
		return -EINVAL;
	rc = store_errno(mdb_get(txn->txn, txn->st->dbi[db], &k, &v));
	if (rc)
		return rc;
	val->data = v.mv_data;
	val->len = v.mv_size;
	return 0;
}

int store_put(struct store_txn *txn, enum store_db db, const void *key,
	      size_t klen, const void *val, size_t vlen, unsigned flags)
{
	MDB_val k = store_mval(key, klen), v = store_mval(val, vlen);

	if (!klen || klen > STORE_MAX_KEY)
		return -EINVAL;
	return store_errno(
	    mdb_put(txn->txn, txn->st->dbi[db], &k, &v,
		    (flags & STORE_PUT_NOOVERWRITE) ? MDB_NOOVERWRITE : 0));
}

int store_del(struct store_txn *txn, enum store_db db, const void *key,
	      size_t klen)
{
	MDB_val k = store_mval(key, klen);

	if (!klen || klen > STORE_MAX_KEY)
		return -EINVAL;
	return store_errno(mdb_del(txn->txn, txn->st->dbi[db], &k, NULL));
}

int store_count(struct store_txn *txn, enum store_db db, uint64_t *n)
{
	MDB_stat ms;
	int rc = store_errno(mdb_stat(txn->txn, txn->st->dbi[db], &ms));

	if (!rc)
		*n = ms.ms_entries;
	return rc;
}

int store_space(struct store *st, uint64_t *used, uint64_t *total)
{
	MDB_envinfo info;
	MDB_stat ms;
	int rc;

	rc = store_errno(mdb_env_info(st->env, &info));
	if (rc)
		return rc;
	rc = store_errno(mdb_env_stat(st->env, &ms));
	if (rc)
		return rc;
	*used = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	*total = info.me_mapsize;
	return 0;
}

int store_cursor_open(struct store_txn *txn, enum store_db db,
		      struct store_cursor **out)
{
	struct store_cursor *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	rc = store_errno(mdb_cursor_open(txn->txn, txn->st->dbi[db], &c->cur));
	if (rc) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void store_cursor_close(struct store_cursor *c)
{
	if (!c)
		return;
	mdb_cursor_close(c->cur);
	free(c);
}

static int store_cursor_get(struct store_cursor *c, MDB_val *k,
			    MDB_cursor_op op, struct store_val *ko,
			    struct store_val *vo)
{
	MDB_val v;
	int rc = store_errno(mdb_cursor_get(c->cur, k, &v, op));

	if (rc)
		return rc;
	if (ko) {
		ko->data = k->mv_data;
		ko->len = k->mv_size;
	}
	if (vo) {
		vo->data = v.mv_data;
		vo->len = v.mv_size;
	}
	return 0;
}

int store_cursor_seek(struct store_cursor *c, const void *key, size_t klen,
		      struct store_val *k, struct store_val *v)
{
	MDB_val mk = store_mval(key, klen);

	if (klen > STORE_MAX_KEY)
		return -EINVAL;
	if (!klen)
		return store_cursor_get(c, &mk, MDB_FIRST, k, v);
	return store_cursor_get(c, &mk, MDB_SET_RANGE, k, v);
}

int store_cursor_next(struct store_cursor *c, struct store_val *k,
		      struct store_val *v)
{
	MDB_val mk = {0};

	return store_cursor_get(c, &mk, MDB_NEXT, k, v);
}

int store_cursor_del(struct store_cursor *c)
{
	return store_errno(mdb_cursor_del(c->cur, 0));
}
