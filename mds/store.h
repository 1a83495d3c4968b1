/*
 * store.h - the MDS's key/value store: LMDB behind a small, errno-returning
 * API. store.c is the only file of Glint that includes lmdb.h.
 *
 * A store is one LMDB environment (a directory holding data.mdb and
 * lock.mdb) with a fixed set of named databases (enum store_db). Keys and
 * values are opaque bytes here; their encodings belong to the modules that
 * use them (namespace.h documents each one). Every database orders its keys
 * bytewise (memcmp), except STORE_DB_DIRINDEX, whose 16-byte keys are two
 * little-endian u64 (parent ino, readdir cookie) compared as numbers.
 *
 * Transactions: one write transaction at a time per store (LMDB's rule);
 * read-only transactions may run beside it (the env is opened MDB_NOTLS, so
 * a thread may hold a read txn and the write txn at once). A write txn may
 * have one child txn at a time (store_txn_begin with a parent): the child's
 * changes reach the parent only when the child commits, so group commit runs
 * each operation in a child and aborts just the failing one. While a child
 * is open its parent must not be used. Nothing is durable before the
 * top-level txn commits (and, with nosync, not even then until the OS
 * writes the pages back).
 *
 * Errors: every function returns 0 or a negative errno. MDB_NOTFOUND is
 * -ENOENT, MDB_KEYEXIST -EEXIST, a full map -ENOSPC, corruption -EIO.
 *
 * Threading: a txn and its cursors belong to the thread that began it. The
 * MDS calls all of this from its one event-loop thread.
 */
#ifndef GLINT_MDS_STORE_H
#define GLINT_MDS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;	     /* opaque: the environment and its database handles */
struct store_txn;    /* opaque: one transaction (top-level or child) */
struct store_cursor; /* opaque: a position in one database of one txn */

enum store_db {
	STORE_DB_META,	   /* small named records (counters, format) */
	STORE_DB_INODE,	   /* ino -> inode record */
	STORE_DB_DENTRY,   /* (parent, name) -> child */
	STORE_DB_DIRINDEX, /* (parent, cookie) -> child + name, numeric order */
	STORE_DB_XATTR,	   /* (ino, name) -> value */
	STORE_DB_ORPHAN,   /* (object id, stripe) -> objects to destroy */
	STORE_DB_OBJINDEX, /* object id -> ino, where they differ (obj_index.h) */
	STORE_DB_COUNT,
};

#define STORE_DEFAULT_MAP_SIZE (1ull << 30) /* 1 GiB of address space */
#define STORE_MAX_KEY	       511	    /* LMDB's default key limit */

struct store_options {
	const char *path;  /* directory of the environment; created if absent */
	uint64_t map_size; /* maximum size of the data file; 0 = default */
	bool nosync;	   /* scratch mode: commits do not fsync */
};

/* A value or key borrowed from the store: valid until the txn ends or the
 * next write in it, whichever comes first. Copy what you keep. */
struct store_val {
	const void *data;
	size_t len;
};

#define STORE_PUT_NOOVERWRITE 0x1u /* -EEXIST if the key is present */

/* Open (creating if needed) the environment at opt->path. *out is owned by
 * the caller and released with store_close(). */
int store_open(const struct store_options *opt, struct store **out);

/* Close the environment. Every txn must have ended. NULL is a no-op. */
void store_close(struct store *st);

/*
 * Begin a txn. parent = NULL begins a top-level txn (read-only when rdonly);
 * a non-NULL parent must be a write txn and begins its child (rdonly must be
 * false). *out is released by commit or abort, exactly one of them.
 */
int store_txn_begin(struct store *st, struct store_txn *parent, bool rdonly,
		    struct store_txn **out);

/* Commit and free txn, also on failure (then nothing was committed). */
int store_txn_commit(struct store_txn *txn);

/* Discard txn's changes and free it. NULL is a no-op. */
void store_txn_abort(struct store_txn *txn);

/*
 * One operation's child txn: store_child_begin() begins a child of write
 * txn (-EINVAL for a read-only one); store_child_end() commits it when rc
 * is 0, else aborts it, and returns rc or the commit's error. Modules use
 * the pair to make each operation all-or-nothing inside a group.
 */
int store_child_begin(struct store_txn *txn, struct store_txn **child);
int store_child_end(struct store_txn *child, int rc);

bool store_txn_rdonly(const struct store_txn *txn);
struct store *store_txn_store(const struct store_txn *txn);

/* Point *val at the value of key: 0, or -ENOENT. */
int store_get(struct store_txn *txn, enum store_db db, const void *key,
	      size_t klen, struct store_val *val);

/* Insert or replace. -EEXIST with STORE_PUT_NOOVERWRITE when present,
 * -ENOSPC when the map is full, -EINVAL for an empty or too long key. */
int store_put(struct store_txn *txn, enum store_db db, const void *key,
	      size_t klen, const void *val, size_t vlen, unsigned flags);

/* Delete key: 0, or -ENOENT. */
int store_del(struct store_txn *txn, enum store_db db, const void *key,
	      size_t klen);

/* Number of keys in db. */
int store_count(struct store_txn *txn, enum store_db db, uint64_t *n);

/* Force everything committed to disk, also with nosync. 0 or -errno. */
int store_sync(struct store *st);

/* Bytes in use (pages up to the last one used) and the map size. */
int store_space(struct store *st, uint64_t *used, uint64_t *total);

/* Cursors: closed by the caller before its txn ends. */
int store_cursor_open(struct store_txn *txn, enum store_db db,
		      struct store_cursor **out);
void store_cursor_close(struct store_cursor *c);

/* Position at the first key >= key (klen 0: the first key); fill k and v.
 * -ENOENT when there is none. */
int store_cursor_seek(struct store_cursor *c, const void *key, size_t klen,
		      struct store_val *k, struct store_val *v);

/* Step to the next key; -ENOENT past the last. */
int store_cursor_next(struct store_cursor *c, struct store_val *k,
		      struct store_val *v);

/* Delete the key under the cursor; the next store_cursor_next() returns
 * the key that followed it. */
int store_cursor_del(struct store_cursor *c);

#endif /* GLINT_MDS_STORE_H */
