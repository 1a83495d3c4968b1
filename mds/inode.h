/*
 * inode.h - the MDS's in-memory inode record, its stored encoding (the
 * table is in namespace.h), id allocation and permission checks.
 *
 * Internal to the namespace (namespace.c, dentry.c, orphan.c, obj_index.c);
 * the RPC layer uses namespace.h. A struct inode is a copy: load it,
 * change it, save it, all inside one txn. It holds its tail (layout, default layout or
 * symlink target) by value, so it stays valid across writes to the store.
 */
#ifndef GLINT_MDS_INODE_H
#define GLINT_MDS_INODE_H

#include <stdbool.h>
#include <stdint.h>

#include "mds/namespace.h"
#include "mds/store.h"

#define INODE_RECORD_VERSION 1
#define INODE_HEADER_LEN     104
#define INODE_TAIL_MAX	     4096 /* >= NS_SYMLINK_MAX, LAYOUT_MAX_ENCODED_LEN */

struct inode {
	uint64_t ino;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t nlink;
	uint32_t gen;
	uint64_t size;
	uint64_t blocks;
	uint64_t rdev;
	struct ns_time atime;
	struct ns_time mtime;
	struct ns_time ctime;
	uint64_t parent;      /* '..' of a directory; creation dir otherwise */
	uint64_t next_cookie; /* directories: next readdir cookie */
	uint32_t tail_len;    /* bytes used in tail */
	uint8_t tail[INODE_TAIL_MAX];
};

/* Load ino: 0, -ENOENT, or -EIO (logged) for a malformed record. */
int inode_load(struct store_txn *txn, uint64_t ino, struct inode *out);

/* Write the record of in (insert or replace). */
int inode_save(struct store_txn *txn, const struct inode *in);

/* Delete ino's record and all its xattrs. */
int inode_delete(struct store_txn *txn, uint64_t ino);

/* Hand out the next id from the persistent counter. */
int inode_alloc_ino(struct store_txn *txn, uint64_t *ino);

/*
 * Ids skipped after an unclean stop. A scratch MDS commits without sync
 * (MDB_NOSYNC), so a machine crash can lose its newest commits, the id
 * counter with them, while the objects of files created in that window are
 * already on the OSTs. Handing those ids out again would give new files
 * old data; jumping past them cannot collide with anything a lost window
 * could have held (far more ids than any window can create).
 */
#define INODE_CRASH_GAP (UINT64_C(1) << 32)

/*
 * Start a server session: if the previous one did not end with
 * inode_session_end (a crash), move the id counter forward by
 * INODE_CRASH_GAP and set *was_clean false. Commit and store_sync() the
 * txn before handing out ids. 0 or -errno.
 */
int inode_session_begin(struct store_txn *txn, bool *was_clean);

/* Record a clean end of the session (commit and store_sync after). */
int inode_session_end(struct store_txn *txn);

void inode_to_attr(const struct inode *in, struct ns_attr *attr);

/* Current wall-clock time. */
void inode_now(struct ns_time *t);

/* blocks (512 B) for size bytes. */
uint64_t inode_blocks(uint64_t size);

/* Whether cred has gid as primary or supplementary group. */
bool inode_cred_in_group(const struct ns_cred *cred, uint32_t gid);

/* mask of R_OK/W_OK/X_OK against in's mode bits: 0 or -EACCES. */
int inode_permission(const struct inode *in, const struct ns_cred *cred,
		     int mask);

/* Owner or root. */
bool inode_owner_or_root(const struct inode *in, const struct ns_cred *cred);

/* DT_* type of a mode. */
static inline uint8_t inode_dtype(uint32_t mode)
{
	return (uint8_t)((mode >> 12) & 0xf);
}

#endif /* GLINT_MDS_INODE_H */
