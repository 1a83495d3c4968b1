/*
 * ost_dir.h - the backing directory of one OST: identity and layout.
 *
 * An OST's directory holds a superblock file (OST_DIR_SUPERBLOCK: magic,
 * fsname, OST index, chunk size, checksum) and objects/XX/ with XX = 00..ff
 * (a hash of (fid, stripe_idx) spreads objects over 256 directories). Each
 * object is two files there, FFFFFFFFFFFFFFFF.IIIIIIII.tab and .dat (fid
 * and index in hex); what is inside them is objstore.c's business.
 *
 * This module checks and sets up that layout, names object files, and
 * walks them. It uses plain syscalls: it runs at startup and for
 * reconciliation scans, not on the data path. Thread-safe (no state).
 * Errors are negative errnos; refusals are logged with their reason.
 */
#ifndef GLINT_OSS_OST_DIR_H
#define GLINT_OSS_OST_DIR_H

#include <stdbool.h>
#include <stdint.h>

#define OST_DIR_SUPERBLOCK "glint_ost" /* superblock file name */
#define OST_DIR_OBJECTS	   "objects"   /* directory of the object dirs */
#define OST_DIR_SUBDIRS	   256	       /* objects/00 .. objects/ff */
#define OST_DIR_PATH_LEN   40	       /* room for "XX/<name>.tab" + NUL */
#define OST_DIR_FSNAME_MAX 63	       /* longest fsname */

struct ost_dir_id {
	const char *fsname;  /* file system name (ost_dir_fsname_ok) */
	uint32_t ost_idx;    /* OST index */
	uint32_t chunk_size; /* object chunk size, must match on reopen */
};

/* 1..OST_DIR_FSNAME_MAX printable ASCII characters, no space or '/'. */
bool ost_dir_fsname_ok(const char *fsname);

/*
 * Open dir as the backing directory of OST id. A directory with a
 * superblock must match id: another fsname or index is -EEXIST, another
 * chunk size -EINVAL, a corrupt superblock -EUCLEAN. A directory without
 * one must be empty (lost+found aside; else -ENOTEMPTY) and gets a
 * superblock (written to a temporary file, fsynced, renamed). Also
 * -ENOENT, -ENOTDIR, -EACCES, -EROFS. Creates objects/00..ff if missing.
 * Returns 0 with *dirfd and *objdirfd (caller closes both) and *blksize,
 * the file system's block size when it divides chunk_size (else 4096).
 */
int ost_dir_open(const char *dir, const struct ost_dir_id *id, int *dirfd,
		 int *objdirfd, uint32_t *blksize);

/*
 * The paths of an object's files relative to objects/: sub = "XX",
 * tab = "XX/<fid>.<idx>.tab", dat = "XX/<fid>.<idx>.dat".
 */
void ost_dir_object_paths(uint64_t fid, uint32_t stripe_idx, char sub[4],
			  char tab[OST_DIR_PATH_LEN],
			  char dat[OST_DIR_PATH_LEN]);

/*
 * Walk objects/: call fn(fid, stripe_idx, arg) (if fn) once per object
 * (per .tab file); add the disk bytes (st_blocks) of every file to
 * *disk_bytes and the number of objects to *objects (each if not NULL).
 * fn returning nonzero stops the walk with that value; else 0 or -errno.
 */
typedef int (*ost_dir_fn)(uint64_t fid, uint32_t stripe_idx, void *arg);
int ost_dir_walk(int objdirfd, ost_dir_fn fn, void *arg, uint64_t *disk_bytes,
		 uint64_t *objects);

#endif /* GLINT_OSS_OST_DIR_H */
