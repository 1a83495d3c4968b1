/*
 * xattr.h - extended attributes of MDS inodes.
 *
 * Same contract as namespace.h: called by the RPC layer from the event
 * loop thread with the group's txn; xattr_set() and xattr_remove() run in
 * their own child txn (all-or-nothing) and need a write txn; xattr_get()
 * and xattr_list() also take a read-only one. Names are (pointer, length),
 * 1..XATTR_MAX_NAME_LEN bytes (-ERANGE), no NUL (-EINVAL); values are up to
 * XATTR_MAX_VALUE_LEN bytes (-E2BIG). Buffers are the caller's.
 *
 * Rules, as Linux's: trusted.* is root's only (-EPERM). user.* exists only
 * on regular files and directories (set: -EPERM, get: -ENODATA elsewhere)
 * and needs read (get) or write (set, remove) access (-EACCES); on a
 * sticky directory only its owner or root may change them. Any other name
 * is accepted; changing it needs the owner or root (-EPERM). POSIX ACLs
 * (system.posix_acl_*) are refused with -EOPNOTSUPP: nothing enforces
 * them. Setting or removing updates the inode's ctime.
 *
 * STORE_DB_XATTR: key = u64 ino (little-endian), then the name bytes.
 * Value: the raw attribute value. Deleted with the inode.
 */
#ifndef GLINT_MDS_XATTR_H
#define GLINT_MDS_XATTR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mds/namespace.h"
#include "mds/store.h"

#define XATTR_MAX_NAME_LEN  255
#define XATTR_MAX_VALUE_LEN 65536
#define XATTR_SET_CREATE    0x1u /* -EEXIST if present (Linux XATTR_CREATE) */
#define XATTR_SET_REPLACE   0x2u /* -ENODATA if absent (XATTR_REPLACE) */

/* Copy the value of name into buf: its length. size 0 returns the length
 * without copying; -ERANGE if size is too small; -ENODATA if absent. */
ssize_t xattr_get(struct store_txn *txn, const struct ns_cred *cred,
		  uint64_t ino, const char *name, size_t name_len, void *buf,
		  size_t size);

/* Set name to value; flags XATTR_SET_CREATE or XATTR_SET_REPLACE (both:
 * -EINVAL). */
int xattr_set(struct store_txn *txn, const struct ns_cred *cred, uint64_t ino,
	      const char *name, size_t name_len, const void *value,
	      size_t value_len, unsigned flags);

/* Write the names, each NUL-terminated, into buf: the bytes used. size 0
 * returns the size needed; -ERANGE if too small. trusted.* names are
 * listed for root only. */
ssize_t xattr_list(struct store_txn *txn, const struct ns_cred *cred,
		   uint64_t ino, char *buf, size_t size);

/* Remove name: -ENODATA if absent. */
int xattr_remove(struct store_txn *txn, const struct ns_cred *cred,
		 uint64_t ino, const char *name, size_t name_len);

#endif /* GLINT_MDS_XATTR_H */
