/*
 * objstore_open.c - the calls on the object store of one OST as a whole
 * (objstore.h): objstore_open, objstore_close, objstore_iterate, and the
 * totals objstore_statfs and objstore_stats report.
 *
 * objstore_open checks and opens the OST's directory (ost_dir.c), counts
 * its objects and their disk use, then reads every chunk table once to sum
 * the OST's data totals (logical and stored bytes of all chunks, kept from
 * then on by obj_modify, truncate and destroy), sets up the fd cache
 * (obj_cache.c) and starts the background syncs (obj_flush.c). The table
 * scan runs before there is a ring, with plain syscalls; a table it cannot
 * read or decode is skipped (reads of that object report -EIO). Any
 * failure undoes the steps done so far through objstore_close, which takes
 * a store in any state objstore_open leaves it.
 *
 * The calls on objects are in objstore.c and objstore_z.c.
 */
#include "oss/objstore_i.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/log.h"
#include "oss/ost_dir.h"

void objstore_statfs(struct objstore *os, struct objstore_statfs *st)
{
	struct statvfs vfs;
	uint64_t fs_avail;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&os->space_lock);
	st->capacity_bytes = os->capacity;
	st->used_bytes = os->used;
	st->data_logical_bytes = os->data_logical;
	st->data_stored_bytes = os->data_stored;
	pthread_mutex_unlock(&os->space_lock);
	st->avail_bytes = st->used_bytes < st->capacity_bytes
			      ? st->capacity_bytes - st->used_bytes
			      : 0;
	if (fstatvfs(os->dirfd, &vfs) == 0) {
		fs_avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		st->avail_bytes = min_u64(st->avail_bytes, fs_avail);
	}
	st->objects = atomic_load(&os->objects);
}

void objstore_stats(struct objstore *os, struct objstore_stats *stats)
{
	stats->checksum_errors = atomic_load(&os->csum_errors);
	stats->read_ops = atomic_load(&os->read_ops);
	stats->read_bytes = atomic_load(&os->read_bytes);
	stats->write_ops = atomic_load(&os->write_ops);
	stats->write_bytes = atomic_load(&os->write_bytes);
	stats->direct_write_bytes = atomic_load(&os->direct_bytes);
	stats->bg_syncs = obj_flusher_done(os->flusher);
}

/*
 * objstore_open's walk: add one object's chunks to the data totals, with
 * plain syscalls (no ring yet). A table that cannot be read or decoded is
 * skipped: reads of that object report it as -EIO.
 */
static int objstore_scan_one(uint64_t fid, uint32_t idx, void *arg)
{
	struct objstore *os = arg;
	uint8_t hdr[OBJ_HDR_LEN], *raw = NULL;
	uint64_t nchunks, first, logical = 0, stored = 0;
	struct chunk_entry e;
	struct obj o;
	ssize_t got;
	int fd;

	obj_init(&o, fid, idx);
	fd = openat(os->objdirfd, o.tab_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, hdr, OBJ_HDR_LEN, 0) != OBJ_HDR_LEN ||
	    header_decode(&o, hdr) < 0)
		goto out;
	raw = malloc(OBJ_WINDOW * OBJ_ENTRY_LEN);
	if (!raw)
		goto out;
	nchunks = (o.size + CHUNK - 1) / CHUNK;
	for (first = 0; first < nchunks; first += OBJ_WINDOW) {
		uint64_t n = min_u64(OBJ_WINDOW, nchunks - first);

		got = pread(fd, raw, n * OBJ_ENTRY_LEN,
			    (off_t)(OBJ_HDR_LEN + first * OBJ_ENTRY_LEN));
		if (got <= 0)
			break;
		for (uint64_t i = 0; (i + 1) * OBJ_ENTRY_LEN <= (uint64_t)got;
		     i++) {
			if (entry_decode(raw + i * OBJ_ENTRY_LEN, &e) < 0)
				goto out;
			if (e.kind == CHUNK_HOLE)
				continue;
			logical += e.data_len;
			stored += e.stored_len;
		}
	}
	os->data_logical += logical;
	os->data_stored += stored;
out:
	free(raw);
	close(fd);
	return 0;
}

int objstore_iterate(struct objstore *os, objstore_iter_fn fn, void *arg)
{
	return ost_dir_walk(os->objdirfd, fn, arg, NULL, NULL);
}

/*
 * os->dio_align: what O_DIRECT wants aligned on the backing file system
 * (buffers, offsets and lengths; statx's DIOALIGN of its superblock
 * file), or 0 when it has no O_DIRECT, the kernel cannot tell (before
 * Linux 6.1), or it wants more than OBJSTORE_DIO_ALIGN_MAX (which the
 * OSS's receive buffers guarantee).
 */
static void objstore_find_dio(struct objstore *os)
{
	struct statx stx;
	unsigned a;

	if (statx(os->dirfd, OST_DIR_SUPERBLOCK, AT_SYMLINK_NOFOLLOW,
		  STATX_DIOALIGN, &stx) != 0 ||
	    !(stx.stx_mask & STATX_DIOALIGN) || !stx.stx_dio_mem_align ||
	    !stx.stx_dio_offset_align)
		return;
	a = stx.stx_dio_mem_align > stx.stx_dio_offset_align ?
		    stx.stx_dio_mem_align :
		    stx.stx_dio_offset_align;
	if (a <= OBJSTORE_DIO_ALIGN_MAX && OBJSTORE_DIO_ALIGN_MAX % a == 0)
		atomic_store(&os->dio_align, a);
}

/* os->objdir_path from the descriptor (OBJ_READ_L names files by it); left
 * "" when it cannot be had or leaves no room for an object's path. */
static void objstore_find_objdir(struct objstore *os)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", os->objdirfd);
	n = readlink(proc, os->objdir_path, sizeof(os->objdir_path) - 1);
	if (n <= 0 || os->objdir_path[0] != '/' ||
	    (size_t)n + 1 + OST_DIR_PATH_LEN > OBJSTORE_LOCAL_PATH_MAX) {
		os->objdir_path[0] = '\0';
		return;
	}
	os->objdir_path[n] = '\0';
}

int objstore_open(const char *dir, uint64_t capacity_bytes,
		  const struct objstore_options *opts, struct objstore **out)
{
	struct ost_dir_id id;
	struct objstore *os;
	uint64_t count = 0;
	int rc;
	int i;

	*out = NULL;
	if (!dir || !opts || !ost_dir_fsname_ok(opts->fsname) ||
	    capacity_bytes == 0) {
		log_msg(LOG_ERROR, "objstore",
			"bad options: need a directory, an fsname of 1..%d "
			"printable characters without '/', a capacity > 0",
			OBJSTORE_FSNAME_MAX);
		return -EINVAL;
	}
	os = calloc(1, sizeof(*os));
	if (!os)
		return -ENOMEM;
	os->dirfd = -1;
	os->objdirfd = -1;
	snprintf(os->fsname, sizeof(os->fsname), "%s", opts->fsname);
	os->ost_idx = opts->ost_idx;
	os->capacity = capacity_bytes;
	os->writethrough_max_io = opts->writethrough_max_io;
	os->readcache_max_io = opts->readcache_max_io;
	pthread_mutex_init(&os->space_lock, NULL);
	for (i = 0; i < OBJ_LOCKS; i++)
		pthread_rwlock_init(&os->locks[i], NULL);
	rc = obj_cache_init(os);
	if (rc < 0)
		goto err;

	id.fsname = os->fsname;
	id.ost_idx = os->ost_idx;
	id.chunk_size = CHUNK;
	rc = ost_dir_open(dir, &id, &os->dirfd, &os->objdirfd, &os->blksize);
	if (rc < 0)
		goto err; /* logged by ost_dir_open */
	objstore_find_objdir(os);
	objstore_find_dio(os);
	rc = ost_dir_walk(os->objdirfd, NULL, NULL, &os->used, &count);
	if (rc < 0) {
		log_msg(LOG_ERROR, "objstore", "%s: cannot scan objects: %s",
			dir, strerror(-rc));
		goto err;
	}
	atomic_store(&os->objects, count);
	rc = ost_dir_walk(os->objdirfd, objstore_scan_one, os, NULL, NULL);
	if (rc < 0) {
		log_msg(LOG_ERROR, "objstore", "%s: cannot scan objects: %s",
			dir, strerror(-rc));
		goto err;
	}
	rc = obj_flusher_start(&os->flusher);
	if (rc < 0) {
		log_msg(LOG_ERROR, "objstore", "%s: cannot start a thread: %s",
			dir, strerror(-rc));
		goto err;
	}
	log_msg(LOG_INFO, "objstore",
		"%s: fsname=%s ost=%u objects=%" PRIu64 " used=%" PRIu64
		" capacity=%" PRIu64 " writethrough_max_io=%" PRIu64
		" readcache_max_io=%" PRIu64 " dio_align=%u",
		dir, os->fsname, os->ost_idx, count, os->used, os->capacity,
		os->writethrough_max_io, os->readcache_max_io,
		atomic_load(&os->dio_align));
	*out = os;
	return 0;

err:
	objstore_close(os);
	return rc;
}

void objstore_close(struct objstore *os)
{
	int i;

	if (!os)
		return;
	obj_flusher_stop(os->flusher); /* its fds are its own */
	obj_cache_fini(os);
	if (os->objdirfd >= 0)
		close(os->objdirfd);
	if (os->dirfd >= 0)
		close(os->dirfd);
	for (i = 0; i < OBJ_LOCKS; i++)
		pthread_rwlock_destroy(&os->locks[i]);
	pthread_mutex_destroy(&os->space_lock);
	free(os);
}
