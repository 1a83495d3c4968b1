/*
 * dentry.h - directory entries: the name index (STORE_DB_DENTRY) and the
 * readdir index (STORE_DB_DIRINDEX), kept in step. Encodings: namespace.h.
 *
 * Internal to the namespace: no permission checks, no inode updates (the
 * caller hands out cookies from the directory's inode and saves it).
 * Names are (pointer, length), already validated by the caller.
 */
#ifndef GLINT_MDS_DENTRY_H
#define GLINT_MDS_DENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "mds/namespace.h"
#include "mds/store.h"

struct dentry {
	uint64_t ino;	 /* the child */
	uint64_t cookie; /* its readdir position in the directory */
	uint8_t type;	 /* DT_* */
};

/* 0 and *out, or -ENOENT. */
int dentry_lookup(struct store_txn *txn, uint64_t parent, const char *name,
		  size_t name_len, struct dentry *out);

/* Add an entry: -EEXIST if the name is taken. */
int dentry_insert(struct store_txn *txn, uint64_t parent, const char *name,
		  size_t name_len, const struct dentry *de);

/* Remove an entry, returning what it was in *old (may be NULL): -ENOENT. */
int dentry_remove(struct store_txn *txn, uint64_t parent, const char *name,
		  size_t name_len, struct dentry *old);

/* Point an existing entry at another child, keeping its cookie. */
int dentry_retarget(struct store_txn *txn, uint64_t parent, const char *name,
		    size_t name_len, uint64_t ino, uint8_t type);

/* 1 if directory parent has no entries, 0 if it has, or -errno. */
int dentry_dir_empty(struct store_txn *txn, uint64_t parent);

/* Hand entries of parent with cookie > after to fill, in cookie order,
 * until fill returns non-zero (1 = stop: returned as 0 with *eof false;
 * negative: returned). *eof = true when the directory ended. */
int dentry_iterate(struct store_txn *txn, uint64_t parent, uint64_t after,
		   ns_readdir_fill_fn fill, void *arg, bool *eof);

#endif /* GLINT_MDS_DENTRY_H */
