/*
 * namespace.h - the file system namespace of the MDS: inodes, directory
 * entries, symlinks, xattrs and layouts in the store (store.h).
 *
 * Who calls it: the RPC layer, from the MDS's single event-loop thread. It
 * begins a write txn (store_txn_begin(st, NULL, false, &txn)), runs every
 * metadata request of one loop pass through these functions with that txn,
 * commits once (group commit), then replies. Each mutating ns_* function
 * runs in its own child txn of the txn it is given: on error nothing it did
 * remains, so one failing request never spoils the others in the group. A
 * reply may only be sent after the top-level commit succeeds; if that
 * commit fails, every request of the group failed. Read-only functions
 * (lookup, getattr, access, readdir, readlink, layout gets, statfs) also
 * accept a read-only txn; mutating ones need a write txn (-EINVAL
 * otherwise). Extended attributes follow the same rules in xattr.h; the
 * object destroy queue is orphan.h.
 *
 * Conventions for every function: returns 0 or a negative errno (sizes as
 * ssize_t). Names are (pointer, length), not NUL-terminated, borrowed for
 * the call: 1..NS_NAME_MAX bytes, no '/' or NUL. The cred is borrowed for
 * the call. Output structs are caller memory, filled only on success.
 *
 * Permissions are Linux's (no ACLs): owner/group/other bits against the
 * cred's uid, gid and supplementary groups; uid 0 bypasses read/write and
 * search, but exec on a non-directory needs some x bit. Operations that
 * name an entry in a directory check search (x) on that directory and on
 * every ancestor up to the root, as path resolution would (the MDS sees
 * inode ids only, so it walks the '..' chain; this also holds when the
 * client kernel has the path cached). Creating or removing entries needs
 * write+search on the parent. Sticky directories: only the owner of the
 * entry or of the directory, or root, may unlink or rename it over/away.
 * Setgid directories pass their gid to new entries and S_ISGID to new
 * subdirectories. Operations on an inode id (getattr, setattr, access,
 * xattrs, readlink) walk no path.
 *
 * Inode ids are never reused: a persistent counter hands them out (root is
 * NS_ROOT_INO = 1, created at the first open of an empty store). An id taken
 * by an aborted txn was never visible, so it may be handed out again.
 *
 * Stored encodings (all little-endian, field by field; layouts: layout.h).
 *
 * STORE_DB_META: key "format" -> u32 NS_FORMAT_VERSION;
 *                key "next_ino" -> u64 next inode/object id to hand out.
 *
 * STORE_DB_INODE: key = u64 ino. Value, version 1:
 *   OFFSET  SIZE  MEANING
 *   0       1     record version (1)
 *   1       3     reserved, 0
 *   4       4     mode: file type and permission bits (S_IF*, 07777)
 *   8       4     uid
 *   12      4     gid
 *   16      4     nlink
 *   20      4     generation (1; ids are never reused)
 *   24      8     size in bytes
 *   32      8     blocks, 512-byte units (derived from size)
 *   40      8     rdev (character and block devices)
 *   48      8     atime seconds, int64
 *   56      4     atime nanoseconds
 *   60      8     mtime seconds, int64
 *   68      4     mtime nanoseconds
 *   72      8     ctime seconds, int64
 *   80      4     ctime nanoseconds
 *   84      8     parent: directories their '..', others the directory
 *                 they were created in (a hint, not maintained)
 *   92      8     next readdir cookie (directories)
 *   100     4     n, bytes of tail that follow
 *   104     n     tail: regular file: its layout (n = 0: none);
 *                 directory: its default layout (n = 0: none);
 *                 symlink: the target, no NUL
 *
 * STORE_DB_DENTRY: key = u64 parent ino, then the name bytes. Value:
 *   0  8  child ino
 *   8  8  readdir cookie of the entry in its directory
 *   16 1  type (DT_*, i.e. mode >> 12)
 *
 * STORE_DB_DIRINDEX (readdir order): key = u64 parent ino, u64 cookie,
 * compared as numbers. Value: 0 8 child ino; 8 1 type; 9.. name bytes.
 * Cookies are handed out per directory in increasing order (from
 * NS_COOKIE_FIRST), so an entry keeps its place while others come and go;
 * a rename inside one directory keeps the cookie.
 *
 * STORE_DB_XATTR: see xattr.h. STORE_DB_ORPHAN: see orphan.h.
 * STORE_DB_OBJINDEX (object id -> ino of re-laid-out files): obj_index.h;
 * ns_open builds it once for a store made before it existed.
 */
#ifndef GLINT_MDS_NAMESPACE_H
#define GLINT_MDS_NAMESPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mds/layout.h"
#include "mds/store.h"

#define NS_FORMAT_VERSION 1
#define NS_ROOT_INO	  1
#define NS_NAME_MAX	  255
#define NS_SYMLINK_MAX	  4095	/* target bytes */
#define NS_LINK_MAX	  65000 /* hard links per inode */
#define NS_MAX_DEPTH	  4096	/* directory nesting (guards '..' walks) */
#define NS_COOKIE_DOT	  1	/* readdir cookie of "." */
#define NS_COOKIE_DOTDOT  2	/* readdir cookie of ".." */
#define NS_COOKIE_FIRST	  3	/* first cookie of a real entry */

struct ns; /* opaque: the namespace over one store */

/* Who asks. groups is borrowed for the call (ngroups entries). */
struct ns_cred {
	uint32_t uid;
	uint32_t gid;
	const uint32_t *groups; /* supplementary groups */
	uint32_t ngroups;
};

struct ns_time {
	int64_t sec;
	uint32_t nsec;
};

/* Attributes, as a reply carries them. */
struct ns_attr {
	uint64_t ino;
	uint32_t mode; /* type and permission bits */
	uint32_t uid;
	uint32_t gid;
	uint32_t nlink;
	uint32_t gen; /* inode generation (for FUSE) */
	uint64_t size;
	uint64_t blocks; /* 512-byte units */
	uint64_t rdev;
	struct ns_time atime;
	struct ns_time mtime;
	struct ns_time ctime;
};

/* ns_setattr() valid mask. */
#define NS_SET_MODE	 0x001u
#define NS_SET_UID	 0x002u
#define NS_SET_GID	 0x004u
#define NS_SET_SIZE	 0x008u
#define NS_SET_ATIME	 0x010u /* atime = sa->atime */
#define NS_SET_MTIME	 0x020u /* mtime = sa->mtime */
#define NS_SET_ATIME_NOW 0x040u /* atime = now */
#define NS_SET_MTIME_NOW 0x080u /* mtime = now */
#define NS_SET_FROM_OPEN                                                       \
	0x100u /* size change through an open file (ftruncate,                 \
		  O_TRUNC): open checked write access */

struct ns_setattr {
	uint32_t valid; /* NS_SET_* */
	uint32_t mode;	/* permission bits; the type is kept */
	uint32_t uid;
	uint32_t gid;
	uint64_t size;
	struct ns_time atime;
	struct ns_time mtime;
};

#define NS_CREATE_EXCL	    0x1u /* O_EXCL: -EEXIST if the name exists */
#define NS_RENAME_NOREPLACE 0x1u /* as Linux RENAME_NOREPLACE */
#define NS_RENAME_EXCHANGE  0x2u /* as Linux RENAME_EXCHANGE */

/* One directory entry handed to a readdir callback. name is borrowed for
 * the callback only. */
struct ns_dirent {
	uint64_t ino;
	uint64_t cookie; /* pass as 'after' to continue behind this entry */
	uint8_t type;	 /* DT_* */
	uint16_t name_len;
	const char *name; /* not NUL-terminated */
};

/* Readdir callback: return 0 when the entry was taken, 1 to stop without
 * taking it (reply full), or a negative errno to fail the readdir. */
typedef int (*ns_readdir_fill_fn)(void *arg, const struct ns_dirent *de);

struct ns_statfs {
	uint64_t files;	  /* inodes in use plus ffree */
	uint64_t ffree;	  /* estimate from the free map space */
	uint32_t namemax; /* NS_NAME_MAX */
};

/*
 * Open the namespace over st (borrowed: close the ns before the store).
 * On an empty store, creates the root (uid 0, gid 0, mode 0755) and the
 * counters. -EINVAL for a store of another format version, -EIO if damaged.
 */
int ns_open(struct store *st, struct ns **out);
void ns_close(struct ns *ns);

/* Name lookup in directory parent; "." and ".." resolve too. */
int ns_lookup(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	      uint64_t parent, const char *name, size_t name_len,
	      struct ns_attr *attr);

int ns_getattr(struct ns *ns, struct store_txn *txn, uint64_t ino,
	       struct ns_attr *attr);

/*
 * Change the attributes sa->valid names, with Linux's rules: chmod and
 * explicit times only by the owner or root (-EPERM); "now" times also by
 * anyone with write access (-EACCES); chown only by root, chgrp by the
 * owner to one of his groups (-EPERM); chmod by a non-root caller outside
 * the file's group clears S_ISGID; chown (any uid/gid change request) of a
 * non-directory clears S_ISUID, and S_ISGID when group-exec is set. Size:
 * -EISDIR on directories, -EINVAL on other non-regular files, needs write
 * access unless NS_SET_FROM_OPEN; sets mtime = now unless a time is given,
 * and by a non-root caller clears setuid/setgid. ctime = now. The MDS only
 * records the size: shrinking the objects on the OSTs is the client's job.
 */
int ns_setattr(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	       uint64_t ino, const struct ns_setattr *sa, struct ns_attr *attr);

/* Check access(2)-style mask (R_OK|W_OK|X_OK, or F_OK) on ino: the
 * open-time permission check. -EACCES or -ENOENT. */
int ns_access(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	      uint64_t ino, int mask);

/*
 * Create a regular file (open O_CREAT). mode: permission bits (umask
 * already applied by the client). The layout comes from the parent's
 * default layout, else the file system default (the root's default, else
 * 1 MiB x 1), placed over osts (nosts entries; unusable ones skipped):
 * -ENOSPC when none is usable. If the name exists: -EEXIST with
 * NS_CREATE_EXCL, -EISDIR for a directory, -EEXIST for other non-regular
 * files, else the existing file is returned with *created = false (the
 * caller then checks ns_access for the open flags and truncates through
 * ns_setattr). layout may be NULL.
 */
int ns_create(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	      uint64_t parent, const char *name, size_t name_len, uint32_t mode,
	      unsigned flags, const struct layout_ost *osts, size_t nosts,
	      struct ns_attr *attr, struct layout *layout, bool *created);

/* mkdir: the new directory inherits the parent's default layout (not the
 * root's: that one is the file system default and applies anyway).
 * -EEXIST, -EMLINK when the parent has NS_LINK_MAX links. */
int ns_mkdir(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	     uint64_t parent, const char *name, size_t name_len, uint32_t mode,
	     struct ns_attr *attr);

/* mknod: S_IFIFO, S_IFSOCK, S_IFREG (or type 0: regular, laid out like
 * ns_create), S_IFCHR/S_IFBLK for root only (-EPERM); other types
 * -EINVAL. osts are used only for regular files. */
int ns_mknod(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	     uint64_t parent, const char *name, size_t name_len, uint32_t mode,
	     uint64_t rdev, const struct layout_ost *osts, size_t nosts,
	     struct ns_attr *attr);

/* symlink: target 1..NS_SYMLINK_MAX bytes (-ENOENT empty, -ENAMETOOLONG). */
int ns_symlink(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	       uint64_t parent, const char *name, size_t name_len,
	       const char *target, size_t target_len, struct ns_attr *attr);

/* Copy the symlink target into buf (no NUL added): its length, -EINVAL if
 * ino is no symlink, -ERANGE if size is too small (NS_SYMLINK_MAX is
 * always enough). */
ssize_t ns_readlink(struct ns *ns, struct store_txn *txn, uint64_t ino,
		    char *buf, size_t size);

/* Hard link ino as parent/name: -EPERM for directories, -EEXIST, -EMLINK. */
int ns_link(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	    uint64_t ino, uint64_t parent, const char *name, size_t name_len,
	    struct ns_attr *attr);

/*
 * unlink: -EISDIR for directories. When the last link goes, the inode and
 * its xattrs are deleted and its objects are queued for destruction
 * (orphan.h). There is no open-unlinked state: the data goes at once, as
 * DESIGN.md says (a client wanting POSIX open-unlink keeps the file alive
 * by renaming it aside, as NFS's silly rename does).
 */
int ns_unlink(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	      uint64_t parent, const char *name, size_t name_len);

/* rmdir: -ENOTDIR, -ENOTEMPTY, -EINVAL for ".", -ENOTEMPTY for "..",
 * -EBUSY for the root. */
int ns_rmdir(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	     uint64_t parent, const char *name, size_t name_len);

/*
 * rename(2)/renameat2(2): flags NS_RENAME_NOREPLACE (-EEXIST) or
 * NS_RENAME_EXCHANGE (both must exist: -ENOENT), not both (-EINVAL).
 * Replacing: a directory only by a directory, which must be empty
 * (-ENOTDIR, -EISDIR, -ENOTEMPTY). Moving a directory into itself or below
 * -EINVAL; moving a directory to another parent needs write access to it
 * (its '..' changes) and moves a link count between the parents. Sticky
 * rules apply to source and replaced target. Source and target the same
 * inode: nothing happens, 0. "." and ".." -EINVAL.
 */
int ns_rename(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	      uint64_t src_parent, const char *src_name, size_t src_len,
	      uint64_t dst_parent, const char *dst_name, size_t dst_len,
	      unsigned flags);

/*
 * List directory dir after cookie 'after' (0 = from the start), handing
 * each entry to fill until it returns 1 or the directory ends; *eof tells
 * whether it ended. "." (cookie 1) and ".." (cookie 2) come first. Entries
 * keep their cookie for life (a rename within the directory keeps it too),
 * so entries created or removed between calls never make others vanish or
 * repeat. Permission: read access is checked when the directory is opened
 * (ns_access R_OK), as opendir(3) does, not here.
 */
int ns_readdir(struct ns *ns, struct store_txn *txn, uint64_t dir,
	       uint64_t after, ns_readdir_fill_fn fill, void *arg, bool *eof);

int ns_statfs(struct ns *ns, struct store_txn *txn, struct ns_statfs *out);

/*
 * Close/flush/fsync report from a client: its size and mtime of ino.
 * The size only grows here (a shrink is a truncate: ns_setattr), so a
 * stale report never cuts another client's data. mtime = the reported
 * time; ctime moves up to it. A non-root writer clears setuid/setgid.
 * -EISDIR / -EINVAL for non-regular files.
 */
int ns_update_size_mtime(struct ns *ns, struct store_txn *txn,
			 const struct ns_cred *cred, uint64_t ino,
			 uint64_t size, const struct ns_time *mtime,
			 struct ns_attr *attr);

/* The layout of regular file ino: -EINVAL for other types, -ENODATA if
 * it has none. */
int ns_get_layout(struct ns *ns, struct store_txn *txn, uint64_t ino,
		  struct layout *out);

/*
 * setstripe on an existing, empty regular file: req is a request
 * (layout_check rules; 0 fields inherit from the file system default) and
 * is placed over osts with a fresh object id. The old objects are queued
 * for destruction. Needs write access (-EACCES); size > 0: -EBUSY (stripe
 * settings are fixed before the first write); -EINVAL for non-regular.
 */
int ns_set_layout(struct ns *ns, struct store_txn *txn,
		  const struct ns_cred *cred, uint64_t ino,
		  const struct layout *req, const struct layout_ost *osts,
		  size_t nosts, struct layout *out);

/* A directory's default layout (a template, nstripes 0): -ENOTDIR,
 * -ENODATA when it has none. The root's default is the file system's. */
int ns_get_dir_layout(struct ns *ns, struct store_txn *txn, uint64_t dir,
		      struct layout *out);

/* Set (req != NULL; layout_check rules) or remove (NULL) dir's default
 * layout. Owner or root only (-EPERM). */
int ns_set_dir_layout(struct ns *ns, struct store_txn *txn,
		      const struct ns_cred *cred, uint64_t dir,
		      const struct layout *req);

#endif /* GLINT_MDS_NAMESPACE_H */
