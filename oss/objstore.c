/*
 * objstore.c - chunked, checksummed objects of one OST (objstore.h).
 *
 * Each object is two files in the OST's directory (named by ost_dir.c):
 * .dat holds chunk i in the slot [i * CHUNK, (i + 1) * CHUNK), using the
 * first stored_len bytes with the rest of the slot punched; .tab is the
 * chunk table: a header with the size, then one entry per chunk (format
 * below).
 *
 * Invariants: bytes past an object's size are zero (truncate rewrites the
 * new last chunk and drops the entries past it), so growing the size never
 * exposes old data; a chunk that would be all zeros is stored as a hole;
 * every table entry and header carries its own checksum, so damage there
 * is -EIO too, never a silent hole.
 *
 * A modification runs as ordered batches on the caller's ring: open; load
 * header, entries and statx; read old partial chunks; write data; write
 * table; free (punch) what it no longer references; statx and close. Data
 * before table: a torn update leaves an entry that does not match its slot
 * and reads as -EIO, never as wrong data; freeing last only leaks blocks.
 * The data goes in one write per run of chunks that lie back to back in
 * the file and in memory. A write larger than writethrough_max_io writes
 * its whole raw chunks with O_DIRECT (a second descriptor of the data
 * file, kept with the cached handle) when the data is aligned as the file
 * system wants (statx DIOALIGN; the OSS receives OBJ_WRITE data on a page
 * boundary): the disk takes the bytes straight from the request, with no
 * copy into the page cache, no writeback and no pages to drop behind.
 * That is what Lustre's OSTs do with bulk writes when the writethrough
 * cache is off for them. The kernel keeps such a write coherent with the
 * page cache (it writes back and drops cached pages of the range), and
 * readers that race it outside the object lock (localio, sendfile) check
 * checksums as always.
 *
 * Elsewhere, sharing this file's internals and the table format (both in
 * objstore_i.h): client-compressed chunks (objstore_write_chunks,
 * objstore_read_chunks) in objstore_z.c; the open-object fd cache, which
 * obj_open and obj_close go through, in obj_cache.c (a call on a cached
 * object opens nothing and needs no statx to begin; lock order: object
 * lock, then the cache's cache_mu); the calls on the store as a whole
 * (objstore_open, objstore_close, objstore_iterate, objstore_statfs,
 * objstore_stats) in objstore_open.c. The OST's data totals (logical and
 * stored bytes of all chunks) are scanned from the tables at open and kept
 * by obj_modify, truncate and destroy.
 *
 * Reads on an event loop (objstore_read_nowait): the same read path with
 * no ring (ring == NULL inside this file), taken only when nothing can
 * wait: the object's lock is taken with tryrdlock, its files must be in
 * the fd cache (no open, no statx), and the table and data reads run as
 * preadv2(RWF_NOWAIT), which copies from the page cache or fails with
 * -EAGAIN instead of waiting for the disk (obj_run). Any -EAGAIN sends
 * the caller to the ring path on a worker. These reads are page-cache
 * copies, never disk I/O: disk I/O still all goes through io_uring.
 *
 * Not done: copy-on-write chunk slots (which would turn a torn in-place
 * overwrite into the old data instead of -EIO).
 */
#include "oss/objstore_i.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/checksum.h"
#include "common/compress.h"
#include "common/log.h"
#include "common/ring.h"
#include "oss/ost_dir.h"
#include "proto/codec.h"

/* --- small helpers --- */

/* A batch of reads without a ring (objstore_read_nowait): each one a
 * preadv2(RWF_NOWAIT) loop with ring_run's results in op->res. -EAGAIN
 * when one would wait for the disk (or is not a read), else 0. */
static int obj_run_nowait(struct ring_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ring_op *op = &ops[i];
		uint64_t done = 0;

		if (op->type != RING_OP_READ)
			return -EAGAIN;
		while (done < op->len) {
			struct iovec iov = { (uint8_t *)op->buf + done,
					     op->len - done };
			ssize_t r = preadv2(op->fd, &iov, 1,
					    (off_t)(op->off + done),
					    RWF_NOWAIT);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return errno == EAGAIN || errno == EOPNOTSUPP ?
					       -EAGAIN :
					       -errno;
			if (r == 0)
				break;
			done += (uint64_t)r;
		}
		op->res = (int64_t)done;
	}
	return 0;
}

/* ring_run, or obj_run_nowait for a call without a ring. */
static int obj_run(struct ring *ring, struct ring_op *ops, size_t n)
{
	return ring ? ring_run(ring, ops, n) : obj_run_nowait(ops, n);
}

uint64_t obj_hash(uint64_t fid, uint32_t idx)
{
	uint8_t key[12];

	le64_store(key, fid);
	le32_store(key + 8, idx);
	return checksum_xxh3(key, sizeof(key));
}

pthread_rwlock_t *obj_lock(struct objstore *os, uint64_t fid,
				  uint32_t idx)
{
	/* High bits: the low ones pick the directory (ost_dir.c). */
	return &os->locks[(obj_hash(fid, idx) >> 32) % OBJ_LOCKS];
}

static uint64_t alloc_len(const struct objstore *os, uint64_t len)
{
	return (len + os->blksize - 1) / os->blksize * os->blksize;
}

static uint64_t entry_disk(const struct objstore *os,
			   const struct chunk_entry *e)
{
	return e->kind == CHUNK_HOLE ? 0 : alloc_len(os, e->stored_len);
}

static bool is_zero(const uint8_t *p, size_t len)
{
	static const uint8_t zeros[256];
	size_t n;

	while (len) {
		n = len < sizeof(zeros) ? len : sizeof(zeros);
		if (memcmp(p, zeros, n))
			return false;
		p += n;
		len -= n;
	}
	return true;
}

void obj_init(struct obj *o, uint64_t fid, uint32_t idx)
{
	memset(o, 0, sizeof(*o));
	o->fid = fid;
	o->idx = idx;
	o->tab_fd = -1;
	o->dat_fd = -1;
	o->dio_fd = -1;
	ost_dir_object_paths(fid, idx, o->dir_path, o->tab_path, o->dat_path);
}

/* --- on-disk encoding --- */

static void entry_encode(const struct chunk_entry *e,
			 uint8_t out[OBJ_ENTRY_LEN])
{
	memset(out, 0, OBJ_ENTRY_LEN);
	if (e->kind == CHUNK_HOLE)
		return;
	le64_store(out, e->csum);
	le32_store(out + 8, e->stored_len);
	le32_store(out + 12, e->data_len);
	le32_store(out + 16, e->kind);
	le64_store(out + 24, checksum_xxh3(out, 24));
}

int entry_decode(const uint8_t in[OBJ_ENTRY_LEN], struct chunk_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (is_zero(in, OBJ_ENTRY_LEN))
		return 0;
	if (le64_load(in + 24) != checksum_xxh3(in, 24))
		return -EIO;
	e->csum = le64_load(in);
	e->stored_len = le32_load(in + 8);
	e->data_len = le32_load(in + 12);
	e->kind = le32_load(in + 16);
	if (e->stored_len == 0 || e->stored_len > CHUNK || e->data_len > CHUNK)
		return -EIO;
	if (e->kind == CHUNK_RAW && e->stored_len == e->data_len)
		return 0;
	if (e->kind == CHUNK_LZ4 && e->stored_len < e->data_len)
		return 0;
	return -EIO;
}

static void header_encode(const struct obj *o, uint8_t out[OBJ_HDR_LEN])
{
	memset(out, 0, OBJ_HDR_LEN);
	memcpy(out, OBJ_MAGIC, 8);
	le32_store(out + 8, OBJ_VERSION);
	le32_store(out + 12, CHUNK);
	le64_store(out + 16, o->size);
	le64_store(out + 24, o->fid);
	le32_store(out + 32, o->idx);
	le64_store(out + 56, checksum_xxh3(out, 56));
}

int header_decode(struct obj *o, const uint8_t in[OBJ_HDR_LEN])
{
	if (memcmp(in, OBJ_MAGIC, 8) ||
	    le64_load(in + 56) != checksum_xxh3(in, 56) ||
	    le32_load(in + 8) != OBJ_VERSION || le32_load(in + 12) != CHUNK ||
	    le64_load(in + 24) != o->fid || le32_load(in + 32) != o->idx ||
	    le64_load(in + 16) > OBJSTORE_MAX_OBJECT_SIZE)
		return -EIO;
	o->size = le64_load(in + 16);
	return 0;
}

void objstore_count_csum_error(struct objstore *os, const struct obj *o,
				      uint64_t chunk, const char *what)
{
	atomic_fetch_add(&os->csum_errors, 1);
	LOG_RATELIMITED(LOG_ERROR, "objstore",
			"ost=%u fid=%#" PRIx64 " idx=%u chunk=%" PRIu64
			": %s checksum mismatch",
			os->ost_idx, o->fid, o->idx, chunk, what);
}

/* --- space accounting --- */

static int objstore_reserve(struct objstore *os, struct obj *o, uint64_t bytes)
{
	int rc = 0;

	if (bytes == 0)
		return 0;
	pthread_mutex_lock(&os->space_lock);
	if (os->used + os->reserved + bytes > os->capacity)
		rc = -ENOSPC;
	else
		os->reserved += bytes;
	pthread_mutex_unlock(&os->space_lock);
	if (rc == 0)
		o->reserved += bytes;
	return rc;
}

/* Release o's reservation and apply the measured change of its disk use. */
static void objstore_account(struct objstore *os, struct obj *o,
			     uint64_t before, uint64_t after)
{
	pthread_mutex_lock(&os->space_lock);
	os->reserved -= o->reserved;
	if (after >= before)
		os->used += after - before;
	else if (os->used >= before - after)
		os->used -= before - after;
	else
		os->used = 0;
	pthread_mutex_unlock(&os->space_lock);
	o->reserved = 0;
}

/* Add (or with negative values remove) data bytes to the OST's totals. */
static void objstore_add_data(struct objstore *os, int64_t logical,
			      int64_t stored)
{
	pthread_mutex_lock(&os->space_lock);
	if (logical < 0 && (uint64_t)-logical > os->data_logical)
		os->data_logical = 0;
	else
		os->data_logical += (uint64_t)logical;
	if (stored < 0 && (uint64_t)-stored > os->data_stored)
		os->data_stored = 0;
	else
		os->data_stored += (uint64_t)stored;
	pthread_mutex_unlock(&os->space_lock);
}

/* --- object open/load/close --- */

/*
 * Done with o's files: keep them in the fd cache (or unpin its handle),
 * else close them through the ring. With account, measure the change of
 * disk use (statx of both files, which also refreshes the cached sizes).
 * A call that failed before its files were both open passes cache = false.
 */
static void obj_finish(struct objstore *os, struct ring *ring, struct obj *o,
		       bool account, bool cache)
{
	struct ring_op ops[4];
	struct statx stx[2];
	uint64_t after = 0;
	bool sizes_ok = o->sizes_cached;
	size_t n = 0;

	if (account) {
		ring_op_statx(&ops[n++], o->tab_fd, "", AT_EMPTY_PATH,
			      STATX_SIZE | STATX_BLOCKS, &stx[0]);
		ring_op_statx(&ops[n++], o->dat_fd, "", AT_EMPTY_PATH,
			      STATX_SIZE | STATX_BLOCKS, &stx[1]);
		ring_run(ring, ops, n);
		if (ops[0].res == 0)
			after += stx[0].stx_blocks * 512;
		if (ops[1].res == 0)
			after += stx[1].stx_blocks * 512;
		objstore_account(os, o, o->disk_before, after);
		sizes_ok = ops[0].res == 0 && ops[1].res == 0;
		if (sizes_ok) {
			o->tab_size = stx[0].stx_size;
			o->dat_size = stx[1].stx_size;
			o->disk_before = after;
		}
		n = 0;
	}
	if (!(cache || o->h) ||
	    !obj_cache_put(os, o, sizes_ok, o->disk_before)) {
		if (o->tab_fd >= 0)
			ring_op_close(&ops[n++], o->tab_fd);
		if (o->dat_fd >= 0)
			ring_op_close(&ops[n++], o->dat_fd);
		if (n)
			ring_run(ring, ops, n);
	}
	if (o->dio_own)
		close(o->dio_fd); /* plain close: nothing is cached for it */
	o->tab_fd = -1;
	o->dat_fd = -1;
	o->dio_fd = -1;
	o->dio_own = false;
	free(o->win);
	o->win = NULL;
	free(o->tab_copy);
	o->tab_copy = NULL;
}

void obj_close(struct objstore *os, struct ring *ring, struct obj *o,
		      bool account)
{
	obj_finish(os, ring, o, account, true);
}

/* Undo the creation of an object this call created (after a failure). */
void obj_discard(struct objstore *os, struct ring *ring, struct obj *o)
{
	struct ring_op ops[2];

	obj_finish(os, ring, o, false, false);
	ring_op_unlinkat(&ops[0], os->objdirfd, o->tab_path, 0);
	ring_op_unlinkat(&ops[1], os->objdirfd, o->dat_path, 0);
	ring_run(ring, ops, 2);
	atomic_fetch_sub(&os->objects, 1);
	objstore_account(os, o, 0, 0);
}

/*
 * Open o's two files. OBJ_CREATE creates a missing object (table first,
 * O_EXCL; a data file left without a table by a crash is truncated and
 * reused). A table without a data file is -EIO for readers and repaired
 * (an empty data file) for writers.
 */
int obj_open(struct objstore *os, struct ring *ring, struct obj *o,
		    enum obj_mode mode)
{
	int flags = O_RDWR | O_CLOEXEC; /* a cached handle serves writers */
	struct ring_op ops[2];
	int rc;

	if (obj_cache_get(os, o))
		return 0;
	if (!ring)
		return -EAGAIN; /* objstore_read_nowait: not in the cache */
	ring_op_openat(&ops[0], os->objdirfd, o->tab_path, flags, 0);
	ring_op_openat(&ops[1], os->objdirfd, o->dat_path, flags, 0);
	rc = ring_run(ring, ops, 2);
	if (rc < 0)
		return rc;
	if (ops[0].res >= 0)
		o->tab_fd = (int)ops[0].res;
	if (ops[1].res >= 0)
		o->dat_fd = (int)ops[1].res;
	if (o->tab_fd < 0 && (ops[0].res != -ENOENT || mode != OBJ_CREATE)) {
		rc = (int)ops[0].res;
		goto err;
	}
	if (o->tab_fd < 0) {
		obj_finish(os, ring, o, false, false);
		ring_op_openat(&ops[0], os->objdirfd, o->tab_path,
			       flags | O_CREAT | O_EXCL, 0644);
		rc = ring_run(ring, ops, 1);
		if (rc == 0)
			rc = ops[0].res < 0 ? (int)ops[0].res : 0;
		if (rc < 0)
			goto err;
		o->tab_fd = (int)ops[0].res;
		o->created = true;
		atomic_fetch_add(&os->objects, 1);
	}
	if (o->dat_fd < 0 || o->created) {
		if (o->dat_fd < 0 && mode == OBJ_RD) {
			rc = (int)ops[1].res;
			if (rc == -ENOENT) {
				log_msg(LOG_ERROR, "objstore",
					"ost=%u fid=%#" PRIx64
					" idx=%u: data file missing",
					os->ost_idx, o->fid, o->idx);
				rc = -EIO;
			}
			goto err;
		}
		ring_op_openat(&ops[0], os->objdirfd, o->dat_path,
			       flags | O_CREAT | (o->created ? O_TRUNC : 0),
			       0644);
		rc = ring_run(ring, ops, 1);
		if (rc == 0)
			rc = ops[0].res < 0 ? (int)ops[0].res : 0;
		if (rc < 0)
			goto err;
		o->dat_fd = (int)ops[0].res;
	}
	return 0;

err:
	if (o->created)
		obj_discard(os, ring, o);
	else
		obj_finish(os, ring, o, false, false);
	return rc;
}

static int obj_decode_window(struct objstore *os, struct obj *o,
			     const uint8_t *raw, uint64_t raw_len)
{
	uint8_t zero[OBJ_ENTRY_LEN] = {0};
	uint64_t i;
	int rc;

	for (i = 0; i < o->win_count; i++) {
		const uint8_t *p = zero;

		if ((i + 1) * OBJ_ENTRY_LEN <= raw_len)
			p = raw + i * OBJ_ENTRY_LEN;
		rc = entry_decode(p, &o->win[i]);
		if (rc < 0) {
			objstore_count_csum_error(os, o, o->win_first + i,
						  "chunk table entry");
			return rc;
		}
	}
	return 0;
}

/*
 * Read the entries of chunks [first, first + count) into o->win, and with
 * meta also the header and both files' sizes and allocation. A missing or
 * empty table is an empty object (size 0, all holes).
 *
 * With meta, when the header and the window lie in the table's first
 * OBJ_TAB_COPY_MAX bytes, the table is taken from the copy kept with o's
 * cached handle, or read as one page and, when that is the whole file,
 * kept there (obj_cache.c): a read of a small cached object then waits
 * for its data only. Either way the same bytes are decoded and verified.
 */
int obj_load(struct objstore *os, struct ring *ring, struct obj *o,
		    uint64_t first, uint64_t count, bool meta)
{
	uint8_t hdr[OBJ_HDR_LEN];
	struct ring_op ops[4];
	struct statx stx[2];
	uint8_t whole[OBJ_TAB_COPY_MAX]; /* small: the table's first page */
	uint8_t *raw = NULL;
	const uint8_t *hdr_p = hdr, *raw_p;
	uint64_t raw_len = count * OBJ_ENTRY_LEN;
	uint64_t win_off = OBJ_HDR_LEN + first * OBJ_ENTRY_LEN;
	int64_t hres = 0, rres = 0, whole_len = -1;
	size_t n = 0, hdr_op = 0, whole_op = SIZE_MAX;
	bool small = meta && first < OBJ_TAB_COPY_MAX &&
		     win_off + raw_len <= OBJ_TAB_COPY_MAX;
	int rc;

	free(o->win);
	o->win = NULL;
	o->win_first = first;
	o->win_count = count;
	if (count) {
		o->win = calloc(count, sizeof(*o->win));
		if (!o->win) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (small) {
		whole_len = obj_cache_tab_get(os, o, whole);
		if (whole_len < 0) {
			whole_op = n;
			ring_op_read(&ops[n++], o->tab_fd, whole,
				     OBJ_TAB_COPY_MAX, 0);
		}
	} else {
		if (count) {
			raw = malloc(raw_len);
			if (!raw) {
				rc = -ENOMEM;
				goto out;
			}
			ring_op_read(&ops[n++], o->tab_fd, raw, raw_len,
				     win_off);
		}
		if (meta) {
			hdr_op = n;
			ring_op_read(&ops[n++], o->tab_fd, hdr, OBJ_HDR_LEN, 0);
		}
	}
	if (meta && !o->sizes_cached) {
		ring_op_statx(&ops[n++], o->tab_fd, "", AT_EMPTY_PATH,
			      STATX_SIZE | STATX_BLOCKS, &stx[0]);
		ring_op_statx(&ops[n++], o->dat_fd, "", AT_EMPTY_PATH,
			      STATX_SIZE | STATX_BLOCKS, &stx[1]);
	}
	if (n) {
		rc = obj_run(ring, ops, n);
		if (rc < 0)
			goto out;
		rc = (int)ring_first_error(ops, n);
		if (rc < 0)
			goto out;
	}
	raw_p = raw;
	if (small) {
		if (whole_op != SIZE_MAX)
			whole_len = ops[whole_op].res;
		hdr_p = whole;
		hres = whole_len < OBJ_HDR_LEN ? whole_len : OBJ_HDR_LEN;
		raw_p = whole + win_off;
		if ((int64_t)win_off < whole_len)
			rres = (int64_t)min_u64(raw_len,
						(uint64_t)whole_len - win_off);
	} else {
		if (meta)
			hres = ops[hdr_op].res;
		if (count)
			rres = ops[0].res;
	}
	rc = 0;
	if (meta) {
		if (!o->sizes_cached) {
			o->tab_size = stx[0].stx_size;
			o->dat_size = stx[1].stx_size;
			o->disk_before =
			    (stx[0].stx_blocks + stx[1].stx_blocks) * 512;
			o->sizes_cached = true;
		}
		o->size = 0;
		o->have_header = hres == OBJ_HDR_LEN;
		if (hres == OBJ_HDR_LEN)
			rc = header_decode(o, hdr_p);
		else if (hres != 0)
			rc = -EIO;
		if (rc < 0) {
			objstore_count_csum_error(os, o, 0,
						  "chunk table header");
			goto out;
		}
	}
	if (count)
		rc = obj_decode_window(os, o, raw_p, (uint64_t)rres);
	if (rc == 0 && whole_op != SIZE_MAX && whole_len < OBJ_TAB_COPY_MAX) {
		/* The whole table, as read: obj_cache_put keeps it with the
		 * handle (best effort). */
		free(o->tab_copy);
		o->tab_copy = malloc(whole_len ? (size_t)whole_len : 1);
		o->tab_copy_len = (size_t)whole_len;
		if (o->tab_copy)
			memcpy(o->tab_copy, whole, (size_t)whole_len);
	}
out:
	free(raw);
	return rc;
}

/* Read, verify and decode one stored chunk: out gets CHUNK bytes. */
static int chunk_decode(struct objstore *os, const struct obj *o, uint64_t c,
			const struct chunk_entry *e, const uint8_t *stored,
			int64_t got, uint8_t *out)
{
	if (got != (int64_t)e->stored_len ||
	    checksum_xxh3(stored, e->stored_len) != e->csum) {
		objstore_count_csum_error(os, o, c, "chunk data");
		return -EIO;
	}
	if (e->kind == CHUNK_LZ4) {
		if (compress_decode(stored, e->stored_len, out, e->data_len)) {
			objstore_count_csum_error(os, o, c, "lz4 chunk");
			return -EIO;
		}
	} else if (out != stored) {
		memcpy(out, stored, e->data_len);
	}
	memset(out + e->data_len, 0, CHUNK - e->data_len);
	return 0;
}

/* --- modification: the one path of write, punch and truncate --- */

struct chunk_plan {
	uint64_t c;		/* chunk index */
	struct chunk_entry old; /* entry before */
	struct chunk_entry new; /* entry after */
	uint8_t *content;	/* CHUNK scratch for the new content */
	uint8_t *oldbuf;	/* stored bytes of the old chunk */
	uint8_t *cbuf;		/* LZ4 output */
	const uint8_t *store;	/* bytes to write (stored_len) */
	bool need_old;		/* old content must be merged */
	bool changed;		/* entry or data changes */
};

static void plans_free(struct chunk_plan *plans, size_t n)
{
	size_t i;

	for (i = 0; plans && i < n; i++) {
		free(plans[i].content);
		free(plans[i].oldbuf);
		free(plans[i].cbuf);
	}
	free(plans);
}

/* Apply the change of n chunk plans to the data totals. */
static void objstore_account_data(struct objstore *os,
				  const struct chunk_plan *plans, size_t n)
{
	int64_t dl = 0, ds = 0;

	for (size_t i = 0; i < n; i++) {
		const struct chunk_plan *p = &plans[i];

		if (!p->changed)
			continue;
		if (p->old.kind != CHUNK_HOLE) {
			dl -= p->old.data_len;
			ds -= p->old.stored_len;
		}
		if (p->new.kind != CHUNK_HOLE) {
			dl += p->new.data_len;
			ds += p->new.stored_len;
		}
	}
	objstore_add_data(os, dl, ds);
}

/*
 * Encode the new content of one chunk (content_len bytes at src). hint
 * (may be NULL) is the client's encoding of exactly this content: its LZ4
 * bytes are taken as they are when they save a block like ours would, and
 * a chunk it sent raw is not compressed again.
 */
static int plan_encode(struct objstore *os, struct chunk_plan *p,
		       const uint8_t *src, uint64_t content_len,
		       enum obj_enc enc, const struct chunk_hint *hint)
{
	uint64_t alloc = alloc_len(os, content_len);
	bool lz4 = enc == OBJ_ENC_LZ4 ||
		   (enc == OBJ_ENC_KEEP && p->old.kind == CHUNK_LZ4);
	ssize_t clen = 0;

	memset(&p->new, 0, sizeof(p->new));
	if (content_len == 0 || is_zero(src, content_len))
		return 0; /* a hole */
	if (hint && hint->raw_len != content_len)
		hint = NULL;
	if (hint && hint->kind == CHUNK_LZ4 && alloc > os->blksize &&
	    hint->stored_len <= alloc - os->blksize) {
		p->new.kind = CHUNK_LZ4;
		p->new.stored_len = hint->stored_len;
		p->new.data_len = (uint32_t)content_len;
		p->new.csum = hint->csum;
		p->store = hint->stored;
		return 0;
	}
	if (hint)
		lz4 = false; /* the client tried, or LZ4 saves no block */
	if (lz4 && alloc > os->blksize) {
		p->cbuf = malloc(CHUNK);
		if (!p->cbuf)
			return -ENOMEM;
		/* Worth it only if it saves at least one block. */
		clen = compress_encode(src, content_len, p->cbuf,
				       alloc - os->blksize);
		if (clen < 0)
			return (int)clen;
	}
	if (clen > 0) {
		p->new.kind = CHUNK_LZ4;
		p->new.stored_len = (uint32_t)clen;
		p->store = p->cbuf;
	} else {
		p->new.kind = CHUNK_RAW;
		p->new.stored_len = (uint32_t)content_len;
		p->store = src;
	}
	p->new.data_len = (uint32_t)content_len;
	/* Stored raw, a hint's checked checksum is the stored one. */
	p->new.csum = hint && p->new.kind == CHUNK_RAW ?
			      hint->raw_csum :
			      checksum_xxh3(p->store, p->new.stored_len);
	return 0;
}

/*
 * o's data file opened O_DIRECT (kept with its cached handle), or -1 when
 * it cannot be (the rest of this call then writes through the page cache):
 * a backing file system that refuses O_DIRECT after all (its statx
 * promised it) turns direct writes off for the whole OST, and says so
 * once.
 */
static int obj_dio_fd(struct objstore *os, struct obj *o)
{
	int fd;

	if (o->dio_fd >= 0)
		return o->dio_fd;
	fd = openat(os->objdirfd, o->dat_path,
		    O_WRONLY | O_DIRECT | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == EINVAL &&
		    atomic_exchange(&os->dio_align, 0) != 0)
			log_msg(LOG_WARNING, "objstore",
				"ost=%u: O_DIRECT refused: large writes go "
				"through the page cache",
				os->ost_idx);
		o->direct = false; /* not again for each chunk of this call */
		return -1;
	}
	o->dio_fd = fd;
	o->dio_own = true;
	return fd;
}

/*
 * Whether chunk plan p goes to disk with O_DIRECT: the write asked for it
 * (o->direct), the chunk is stored raw, and its bytes, their length and
 * their file offset are all aligned as the file system wants. Anything
 * else (a compressed chunk, the short last chunk of an object, data
 * received unaligned) goes through the page cache.
 */
static bool plan_direct(const struct obj *o, const struct chunk_plan *p,
			unsigned align)
{
	return o->direct && align && p->new.kind == CHUNK_RAW &&
	       p->new.stored_len % align == 0 &&
	       (uintptr_t)p->store % align == 0 && (p->c * CHUNK) % align == 0;
}

/*
 * Replace [off, off + len) of o with data (NULL: zeros), set its size to
 * new_size, and with drop_from != UINT64_MAX free every chunk from that
 * index on (truncate). The window must hold the chunks of [off, off + len).
 * hints (NULL, or one per chunk of the range) are the client's encodings
 * (plan_encode), used for chunks written whole. Nothing changes on -ENOSPC
 * or when an old chunk fails its checksum. Keeps the data totals of os up
 * to date for the chunks of the range (the caller accounts dropped ones).
 */
int obj_modify(struct objstore *os, struct ring *ring, struct obj *o,
		      uint64_t off, uint64_t len, const uint8_t *data,
		      uint64_t new_size, enum obj_enc enc, uint64_t drop_from,
		      const struct chunk_hint *hints)
{
	uint64_t c0 = off / CHUNK;
	size_t n = len ? (size_t)((off + len - 1) / CHUNK - c0 + 1) : 0;
	struct chunk_plan *plans = NULL;
	struct ring_op *ops = NULL;
	uint8_t *tab = NULL;
	uint8_t hdr[OBJ_HDR_LEN];
	uint64_t old_disk = 0, new_disk = 0, tab_end, tab_keep, growth = 0;
	size_t i, nops;
	unsigned align;
	int rc = 0;

	if (n) {
		plans = calloc(n, sizeof(*plans));
		if (!plans)
			return -ENOMEM;
	}
	ops = calloc(2 * n + 4, sizeof(*ops));
	if (!ops) {
		rc = -ENOMEM;
		goto out;
	}

	/* 1. Which chunks need their old content; read those. */
	nops = 0;
	for (i = 0; i < n; i++) {
		struct chunk_plan *p = &plans[i];
		uint64_t cs, a, b, content_len;

		p->c = c0 + i;
		p->old = o->win[p->c - o->win_first];
		cs = p->c * CHUNK;
		a = max_u64(off, cs);
		b = min_u64(off + len, cs + CHUNK);
		content_len = new_size > cs ? min_u64(CHUNK, new_size - cs) : 0;
		p->need_old = p->old.kind != CHUNK_HOLE &&
			      (a > cs || b < cs + content_len);
		if (!p->need_old)
			continue;
		p->oldbuf = malloc(CHUNK);
		if (!p->oldbuf) {
			rc = -ENOMEM;
			goto out;
		}
		ring_op_read(&ops[nops++], o->dat_fd, p->oldbuf,
			     p->old.stored_len, cs);
	}
	if (nops) {
		rc = ring_run(ring, ops, nops);
		if (rc < 0)
			goto out;
	}

	/* 2. Build and encode the new content of each chunk. */
	nops = 0;
	for (i = 0; i < n; i++) {
		struct chunk_plan *p = &plans[i];
		uint64_t cs = p->c * CHUNK;
		uint64_t a = max_u64(off, cs);
		uint64_t b = min_u64(off + len, cs + CHUNK);
		uint64_t content_len =
		    new_size > cs ? min_u64(CHUNK, new_size - cs) : 0;
		const uint8_t *src;
		const struct chunk_hint *hint = NULL;

		if (!p->need_old && data && a == cs && b - a >= content_len) {
			/* Fully overwritten: encode straight from data. */
			src = data + (cs - off);
			if (hints && hints[i].kind != CHUNK_HOLE)
				hint = &hints[i];
		} else {
			p->content = malloc(CHUNK);
			if (!p->content) {
				rc = -ENOMEM;
				goto out;
			}
			if (p->need_old) {
				rc = chunk_decode(os, o, p->c, &p->old,
						  p->oldbuf, ops[nops++].res,
						  p->content);
				if (rc < 0)
					goto out;
			} else {
				memset(p->content, 0, CHUNK);
			}
			if (b > a) {
				if (data)
					memcpy(p->content + (a - cs),
					       data + (a - off), b - a);
				else
					memset(p->content + (a - cs), 0, b - a);
			}
			/* Past the new size everything is zero. */
			if (content_len < CHUNK)
				memset(p->content + content_len, 0,
				       CHUNK - content_len);
			src = p->content;
		}
		rc = plan_encode(os, p, src, content_len, enc, hint);
		if (rc < 0)
			goto out;
		p->changed =
		    !(p->old.kind == CHUNK_HOLE && p->new.kind == CHUNK_HOLE);
		old_disk += entry_disk(os, &p->old);
		new_disk += entry_disk(os, &p->new);
	}

	/* 3. Capacity: reserve the predicted growth before changing anything.
	 */
	tab_end = max_u64(o->tab_size, OBJ_HDR_LEN);
	if (n)
		tab_end =
		    max_u64(tab_end, OBJ_HDR_LEN + (c0 + n) * OBJ_ENTRY_LEN);
	if (alloc_len(os, tab_end) > alloc_len(os, o->tab_size))
		growth += alloc_len(os, tab_end) - alloc_len(os, o->tab_size);
	if (new_disk > old_disk)
		growth += new_disk - old_disk;
	rc = objstore_reserve(os, o, growth);
	if (rc < 0) {
		log_msg(LOG_INFO, "objstore",
			"ost=%u fid=%#" PRIx64 " idx=%u: no space for %" PRIu64
			" more bytes (capacity %" PRIu64 ")",
			os->ost_idx, o->fid, o->idx, growth, os->capacity);
		goto out;
	}

	/* 4. Data first: one write per run of chunks that lie back to back
	 * both in the file and in memory (a large write's whole chunks: one
	 * write), O_DIRECT where plan_direct says so. */
	nops = 0;
	o->direct_bytes = 0;
	align = atomic_load(&os->dio_align);
	for (i = 0; i < n; i++) {
		struct chunk_plan *p = &plans[i];
		int fd = o->dat_fd;
		struct ring_op *prev = nops ? &ops[nops - 1] : NULL;

		if (!p->changed || p->new.kind == CHUNK_HOLE)
			continue;
		if (plan_direct(o, p, align) && obj_dio_fd(os, o) >= 0) {
			fd = o->dio_fd;
			o->direct_bytes += p->new.stored_len;
		}
		if (prev && prev->fd == fd &&
		    prev->off + prev->len == p->c * CHUNK &&
		    (const uint8_t *)prev->buf + prev->len == p->store)
			prev->len += p->new.stored_len;
		else
			ring_op_write(&ops[nops++], fd, p->store,
				      p->new.stored_len, p->c * CHUNK);
	}
	if (nops) {
		rc = ring_run(ring, ops, nops);
		if (rc == 0)
			rc = (int)ring_first_error(ops, nops);
		if (rc < 0) {
			log_msg(LOG_ERROR, "objstore",
				"ost=%u fid=%#" PRIx64
				" idx=%u: data write failed: %s",
				os->ost_idx, o->fid, o->idx, strerror(-rc));
			goto out;
		}
	}

	/*
	 * 5. Then the table that describes it. Truncating drops the entries
	 * past the end before the header shrinks the size, so a crash in
	 * between can never leave stale chunks past the end that a later
	 * size increase would expose.
	 */
	obj_cache_tab_drop(os, o);
	nops = 0;
	for (i = 0; i < n && !plans[i].changed; i++)
		;
	if (i < n) {
		tab = malloc(n * OBJ_ENTRY_LEN);
		if (!tab) {
			rc = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++)
			entry_encode(&plans[i].new, tab + i * OBJ_ENTRY_LEN);
		ring_op_write(&ops[nops++], o->tab_fd, tab, n * OBJ_ENTRY_LEN,
			      OBJ_HDR_LEN + c0 * OBJ_ENTRY_LEN);
	}
	tab_keep = OBJ_HDR_LEN + drop_from * OBJ_ENTRY_LEN;
	if (drop_from != UINT64_MAX && o->tab_size > tab_keep)
		ring_op_ftruncate(&ops[nops++], o->tab_fd, tab_keep);
	if (nops) {
		rc = ring_run(ring, ops, nops);
		if (rc == 0)
			rc = (int)ring_first_error(ops, nops);
		if (rc < 0)
			goto err_table;
	}
	if (new_size != o->size || !o->have_header) {
		o->size = new_size;
		header_encode(o, hdr);
		ring_op_write(&ops[0], o->tab_fd, hdr, OBJ_HDR_LEN, 0);
		rc = ring_run(ring, ops, 1);
		if (rc == 0)
			rc = (int)ops[0].res;
		if (rc < 0)
			goto err_table;
		rc = 0;
		o->have_header = true;
	}

	objstore_account_data(os, plans, n);

	/* 6. Free what the new table no longer references. */
	nops = 0;
	for (i = 0; i < n; i++) {
		struct chunk_plan *p = &plans[i];
		uint64_t keep = entry_disk(os, &p->new);

		if (p->changed && keep < entry_disk(os, &p->old))
			ring_op_punch(&ops[nops++], o->dat_fd,
				      p->c * CHUNK + keep, CHUNK - keep);
	}
	if (drop_from != UINT64_MAX && o->dat_size > drop_from * CHUNK)
		ring_op_punch(&ops[nops++], o->dat_fd, drop_from * CHUNK,
			      o->dat_size - drop_from * CHUNK);
	if (nops) {
		rc = ring_run(ring, ops, nops);
		if (rc == 0)
			rc = (int)ring_first_error(ops, nops);
		if (rc < 0)
			/* The object is correct; only space may leak. */
			log_msg(LOG_WARNING, "objstore",
				"ost=%u fid=%#" PRIx64
				" idx=%u: freeing space failed: %s",
				os->ost_idx, o->fid, o->idx, strerror(-rc));
		rc = 0;
	}
	goto out;

err_table:
	log_msg(LOG_ERROR, "objstore",
		"ost=%u fid=%#" PRIx64 " idx=%u: table write failed: %s",
		os->ost_idx, o->fid, o->idx, strerror(-rc));
out:
	free(tab);
	free(ops);
	plans_free(plans, n);
	return rc;
}

/* --- public operations --- */

/*
 * Add up data_len and stored_len of the stored chunks [first, end) of o,
 * loading the table in windows (this replaces o->win). 0, -EIO, -ENOMEM.
 */
static int obj_sum(struct objstore *os, struct ring *ring, struct obj *o,
		   uint64_t first, uint64_t end, uint64_t *logical,
		   uint64_t *stored)
{
	int rc;

	*logical = 0;
	*stored = 0;
	for (; first < end; first += OBJ_WINDOW) {
		rc = obj_load(os, ring, o, first,
			      min_u64(OBJ_WINDOW, end - first), false);
		if (rc < 0)
			return rc;
		for (uint64_t i = 0; i < o->win_count; i++) {
			if (o->win[i].kind == CHUNK_HOLE)
				continue;
			*logical += o->win[i].data_len;
			*stored += o->win[i].stored_len;
		}
	}
	return 0;
}

uint64_t chunk_count(uint64_t off, uint64_t len)
{
	return len ? (off + len - 1) / CHUNK - off / CHUNK + 1 : 0;
}

int objstore_create(struct objstore *os, struct ring *ring, uint64_t fid,
		    uint32_t stripe_idx)
{
	pthread_rwlock_t *lock = obj_lock(os, fid, stripe_idx);
	struct obj o;
	int rc;

	obj_init(&o, fid, stripe_idx);
	pthread_rwlock_wrlock(lock);
	rc = obj_open(os, ring, &o, OBJ_CREATE);
	if (rc < 0)
		goto out;
	if (!o.created) {
		obj_close(os, ring, &o, false);
		rc = -EEXIST;
		goto out;
	}
	rc = obj_load(os, ring, &o, 0, 0, true);
	if (rc == 0)
		rc = obj_modify(os, ring, &o, 0, 0, NULL, 0, OBJ_ENC_RAW,
				UINT64_MAX, NULL);
	if (rc < 0)
		obj_discard(os, ring, &o);
	else
		obj_close(os, ring, &o, true);
out:
	pthread_rwlock_unlock(lock);
	return rc;
}

int obj_read_begin(struct objstore *os, struct ring *ring, struct obj *o,
		   pthread_rwlock_t *lock, uint64_t off, uint64_t *len)
{
	int rc;

	if (off >= OBJSTORE_MAX_OBJECT_SIZE)
		*len = 0;
	else if (*len > OBJSTORE_MAX_OBJECT_SIZE - off)
		*len = OBJSTORE_MAX_OBJECT_SIZE - off;
	if (!ring) {
		if (pthread_rwlock_tryrdlock(lock))
			return -EAGAIN; /* a writer has it */
	} else {
		pthread_rwlock_rdlock(lock);
	}
	rc = obj_open(os, ring, o, OBJ_RD);
	if (rc == 0) {
		rc = obj_load(os, ring, o, off / CHUNK, chunk_count(off, *len),
			      true);
		if (rc < 0)
			obj_close(os, ring, o, false);
	}
	if (rc < 0)
		pthread_rwlock_unlock(lock);
	return rc;
}

/* Whether a read of [a, b) of chunk cs can land straight in the buffer. */
static bool read_direct(const struct chunk_entry *e, uint64_t cs, uint64_t a,
			uint64_t b)
{
	return e->kind == CHUNK_RAW && a == cs && b >= cs + e->data_len;
}

/* objstore_read, or objstore_read_nowait when ring is NULL. */
static ssize_t obj_read(struct objstore *os, struct ring *ring, uint64_t fid,
			uint32_t stripe_idx, uint64_t off, uint64_t len,
			void *buf)
{
	pthread_rwlock_t *lock = obj_lock(os, fid, stripe_idx);
	uint8_t *out = buf;
	uint8_t *scratch = NULL;
	uint8_t *decoded = NULL;
	struct ring_op *ops = NULL;
	size_t *slot_of = NULL; /* chunk -> op index, or SIZE_MAX */
	uint64_t end, c, c0, n, i;
	struct obj o;
	size_t nops = 0, nscratch = 0, nlz4 = 0;
	bool merge_ok = false; /* ops[nops - 1] reads full chunks in place */
	ssize_t rc;

	if (len > OBJSTORE_MAX_IO)
		return -EINVAL;
	obj_init(&o, fid, stripe_idx);
	rc = obj_read_begin(os, ring, &o, lock, off, &len);
	if (rc < 0)
		return rc;
	c0 = off / CHUNK;
	if (off >= o.size || len == 0) {
		rc = 0;
		goto out;
	}
	end = min_u64(off + len, o.size);
	n = chunk_count(off, end - off);
	ops = calloc(n, sizeof(*ops));
	slot_of = calloc(n, sizeof(*slot_of));
	if (!ops || !slot_of) {
		rc = -ENOMEM;
		goto out;
	}
	/* Raw chunks wanted whole are read straight into buf; others aside. */
	for (i = 0; i < n; i++) {
		uint64_t cs = (c0 + i) * CHUNK;

		if (o.win[i].kind != CHUNK_HOLE &&
		    !read_direct(&o.win[i], cs, max_u64(off, cs),
				 min_u64(end, cs + CHUNK)))
			nscratch++;
		if (o.win[i].kind == CHUNK_LZ4)
			nlz4++;
	}
	if (nscratch) {
		scratch = malloc(nscratch * CHUNK);
		decoded = nlz4 ? malloc(CHUNK) : NULL;
		if (!scratch || (nlz4 && !decoded)) {
			rc = -ENOMEM;
			goto out;
		}
	}

	/* Queue a read of every stored chunk; zero the holes. Consecutive
	 * full raw chunks read in place share one read. */
	nscratch = 0;
	for (i = 0; i < n; i++) {
		const struct chunk_entry *e = &o.win[i];
		uint64_t cs = (c0 + i) * CHUNK;
		uint64_t a = max_u64(off, cs), b = min_u64(end, cs + CHUNK);

		slot_of[i] = SIZE_MAX;
		if (e->kind == CHUNK_HOLE) {
			memset(out + (a - off), 0, b - a);
			continue;
		}
		slot_of[i] = nops;
		if (read_direct(e, cs, a, b) && e->stored_len == CHUNK &&
		    nops && merge_ok && ops[nops - 1].off + ops[nops - 1].len ==
					    cs) {
			/* A full chunk right after a full one read in place:
			 * one read for both (one SQE per run, not per chunk). */
			ops[nops - 1].len += CHUNK;
			slot_of[i] = nops - 1;
		} else if (read_direct(e, cs, a, b)) {
			memset(out + (cs + e->data_len - off), 0,
			       b - (cs + e->data_len));
			ring_op_read(&ops[nops++], o.dat_fd, out + (cs - off),
				     e->stored_len, cs);
			merge_ok = e->stored_len == CHUNK;
		} else {
			merge_ok = false;
			ring_op_read(&ops[nops++], o.dat_fd,
				     scratch + nscratch++ * CHUNK,
				     e->stored_len, cs);
		}
	}
	if (nops) {
		rc = obj_run(ring, ops, nops);
		if (rc < 0)
			goto out;
	}

	/* Verify every chunk; decode and copy the ones read aside. */
	for (i = 0; i < n; i++) {
		const struct chunk_entry *e = &o.win[i];
		const struct ring_op *op;
		uint64_t cs = (c0 + i) * CHUNK;
		uint64_t a = max_u64(off, cs), b = min_u64(end, cs + CHUNK);

		if (slot_of[i] == SIZE_MAX)
			continue;
		op = &ops[slot_of[i]];
		c = c0 + i;
		if (read_direct(e, cs, a, b)) {
			/* Its bytes in a (maybe merged) read starting at
			 * op->off: what of them arrived. */
			int64_t got = op->res - (int64_t)(cs - op->off);

			if (got > (int64_t)e->stored_len)
				got = (int64_t)e->stored_len;
			if (got != (int64_t)e->stored_len ||
			    checksum_xxh3(out + (cs - off), e->stored_len) !=
				    e->csum) {
				objstore_count_csum_error(os, &o, c,
							  "chunk data");
				rc = -EIO;
				goto out;
			}
			continue;
		}
		if (e->kind == CHUNK_RAW) {
			/* Part of a raw chunk: verify, copy only that part
			 * (past data_len the chunk is zeros). */
			uint64_t lo = a - cs, hi = b - cs;
			uint64_t have = min_u64(hi, e->data_len);

			if (op->res != (int64_t)e->stored_len ||
			    checksum_xxh3(op->buf, e->stored_len) != e->csum) {
				objstore_count_csum_error(os, &o, c,
							  "chunk data");
				rc = -EIO;
				goto out;
			}
			if (have > lo)
				memcpy(out + (a - off),
				       (const uint8_t *)op->buf + lo,
				       have - lo);
			else
				have = lo;
			memset(out + (a - off) + (have - lo), 0, hi - have);
			continue;
		}
		rc = chunk_decode(os, &o, c, e, op->buf, op->res, decoded);
		if (rc < 0)
			goto out;
		memcpy(out + (a - off), decoded + (a - cs), b - a);
	}
	rc = (ssize_t)(end - off);
	atomic_fetch_add(&os->read_ops, 1);
	atomic_fetch_add(&os->read_bytes, (uint64_t)rc);
out:
	obj_close(os, ring, &o, false);
	pthread_rwlock_unlock(lock);
	free(decoded);
	free(scratch);
	free(slot_of);
	free(ops);
	return rc;
}

ssize_t objstore_read(struct objstore *os, struct ring *ring, uint64_t fid,
		      uint32_t stripe_idx, uint64_t off, uint64_t len,
		      void *buf)
{
	if (!ring)
		return -EINVAL;
	return obj_read(os, ring, fid, stripe_idx, off, len, buf);
}

ssize_t objstore_read_nowait(struct objstore *os, uint64_t fid,
			     uint32_t stripe_idx, uint64_t off, uint64_t len,
			     void *buf)
{
	return obj_read(os, NULL, fid, stripe_idx, off, len, buf);
}

/*
 * Drop-behind, Lustre's writethrough_max_io_mb and readcache_max_io_mb: a
 * large write or read streams through the OSS, and its pages are not kept
 * in the page cache, which stays for what is read in small pieces (small
 * files, a loader's samples, random reads) instead of filling with
 * checkpoint data written once or files streamed through. The pages go
 * once they are clean and sent, so this works OBJSTORE_DROP_LAG behind the
 * write or span that calls it. A write first waits for that range's
 * writeback (long done, usually: obj_writeout started it that many bytes
 * earlier, and waiting also keeps the OSS from taking data faster than
 * its disk writes it); a read drops only what is clean and not held by a
 * socket. A sequential stream thus keeps at most its last
 * OBJSTORE_DROP_LAG cached. Pages of a range that is not cached (not
 * written, or already dropped) cost nothing. Most large writes never get
 * here: their whole raw chunks go around the page cache with O_DIRECT
 * (obj_modify, plan_direct), and only what was written through it (data
 * received unaligned, a file system without O_DIRECT) is dropped behind.
 * Clients on this host read
 * cold ranges with O_DIRECT through localio (OBJ_READ_L), which caches
 * nothing here either.
 * Measured on the test bed, where the client's and the OSSes' page caches
 * share one VM's memory: 4 OSTs at 100 MB/s each, 800 MB written, three
 * runs each, 0.77-0.86 of the links' rate with the pages kept, 0.95 with
 * the writes' dropped. Kept, the write ran at the links' rate until about
 * 1.1 GB of new page cache (client and OSSes) had been filled, then at
 * half of it with both CPUs busy in the copies into fresh page-cache
 * pages: memory the VM had not used for a while costs a fault in the host
 * on first touch. With only the writes' pages dropped, the fresh pages
 * were the reads': reads at k = 3 and 4 fell to 0.81-0.91; with both
 * dropped, reads 0.90-0.94 and writes 0.93-0.96.
 */
static void obj_drop_behind(const struct obj *o, uint64_t off, uint64_t len,
			    bool write)
{
	uint64_t first = off / CHUNK * CHUNK;
	uint64_t n = off + len - first;

	if (first < OBJSTORE_DROP_LAG)
		return;
	first -= OBJSTORE_DROP_LAG;
	if (write)
		(void)sync_file_range(o->dat_fd, (off_t)first, (off_t)n,
				      SYNC_FILE_RANGE_WAIT_BEFORE |
					      SYNC_FILE_RANGE_WRITE |
					      SYNC_FILE_RANGE_WAIT_AFTER);
	(void)posix_fadvise(o->dat_fd, (off_t)first, (off_t)n,
			    POSIX_FADV_DONTNEED);
}

/*
 * objstore_read_span and objstore_read_local: the raw range's checksums,
 * and either a new descriptor of its data file (fd) or the file's path
 * (path, room for OBJSTORE_LOCAL_PATH_MAX bytes). ring NULL: without
 * waiting (obj_read_begin), -EAGAIN for anything that would wait.
 */
static int read_span(struct objstore *os, struct ring *ring, uint64_t fid,
		     uint32_t stripe_idx, uint64_t off, uint64_t len, int *fd,
		     char *path, uint64_t *n, uint64_t *csums)
{
	pthread_rwlock_t *lock = obj_lock(os, fid, stripe_idx);
	uint64_t end, i, k;
	struct obj o;
	int rc;

	if (fd)
		*fd = -1;
	*n = 0;
	if (len > OBJSTORE_MAX_IO)
		return -EINVAL;
	if (off % CHUNK)
		return -EAGAIN;
	if (len == 0)
		return 0;
	obj_init(&o, fid, stripe_idx);
	rc = obj_read_begin(os, ring, &o, lock, off, &len);
	if (rc < 0)
		return rc;
	if (off >= o.size || len == 0)
		goto out;
	end = min_u64(off + len, o.size);
	k = chunk_count(off, end - off);
	for (i = 0; i < k; i++) {
		const struct chunk_entry *e = &o.win[i];
		uint64_t want = min_u64(CHUNK, end - (off + i * CHUNK));

		if (e->kind != CHUNK_RAW || e->stored_len != want ||
		    e->data_len != want) {
			rc = -EAGAIN;
			goto out;
		}
		csums[i] = e->csum;
	}
	if (path) {
		rc = snprintf(path, OBJSTORE_LOCAL_PATH_MAX, "%s/%s",
			      os->objdir_path, o.dat_path);
		if (!os->objdir_path[0] || rc >= OBJSTORE_LOCAL_PATH_MAX) {
			rc = -EOPNOTSUPP;
			goto out;
		}
		rc = 0;
	} else if ((*fd = fcntl(o.dat_fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		/* Out of descriptors (replies queued on many connections each
		 * hold one): the caller reads the range the ordinary way. */
		rc = errno == EMFILE || errno == ENFILE ? -EAGAIN : -errno;
		goto out;
	}
	*n = end - off;
	if (fd && os->readcache_max_io && *n > os->readcache_max_io)
		obj_drop_behind(&o, off, *n, false);
	atomic_fetch_add(&os->read_ops, 1);
	atomic_fetch_add(&os->read_bytes, *n);
out:
	obj_close(os, ring, &o, false);
	pthread_rwlock_unlock(lock);
	return rc;
}

int objstore_read_span(struct objstore *os, struct ring *ring, uint64_t fid,
		       uint32_t stripe_idx, uint64_t off, uint64_t len,
		       int *fd, uint64_t *n, uint64_t *csums)
{
	return read_span(os, ring, fid, stripe_idx, off, len, fd, NULL, n,
			 csums);
}

int objstore_read_local(struct objstore *os, struct ring *ring, uint64_t fid,
			uint32_t stripe_idx, uint64_t off, uint64_t len,
			char *path, uint64_t *n, uint64_t *csums)
{
	path[0] = '\0';
	return read_span(os, ring, fid, stripe_idx, off, len, NULL, path, n,
			 csums);
}

/*
 * Start writing a large write's data slots to disk now, as Lustre's OSTs
 * write bulk data through: without it, a long sequential write piles up
 * dirty in the page cache and the writer's final fsync (or close-time
 * flush, or the kernel's flusher at its own moment) waits for all of it at
 * once; with it, the disk works while the network brings the next
 * requests, and an fsync finds little left to do. SYNC_FILE_RANGE_WRITE
 * only queues the pages for writeback; it does not wait for them, and
 * durability stays fsync's (objstore_sync), so a failure here is ignored.
 * Runs on a worker, which may block: this is the one disk call made
 * outside io_uring, where it would always go to a kernel worker thread
 * and make the reply wait for that hand-off.
 */
void obj_writeout(const struct obj *o, uint64_t off, uint64_t len)
{
	uint64_t first = off / CHUNK * CHUNK;

	(void)sync_file_range(o->dat_fd, (off_t)first,
			      (off_t)(off + len - first),
			      SYNC_FILE_RANGE_WRITE);
}

int obj_write_span(struct objstore *os, struct ring *ring, uint64_t fid,
		   uint32_t idx, uint64_t off, uint64_t len, const uint8_t *data,
		   enum obj_enc enc, const struct chunk_hint *hints)
{
	pthread_rwlock_t *lock = obj_lock(os, fid, idx);
	struct obj o;
	int rc;

	obj_init(&o, fid, idx);
	pthread_rwlock_wrlock(lock);
	rc = obj_open(os, ring, &o, OBJ_CREATE);
	if (rc < 0)
		goto out_unlock;
	rc = obj_load(os, ring, &o, off / CHUNK, chunk_count(off, len), true);
	/* Not to be kept in the page cache: write it around it. */
	o.direct = os->writethrough_max_io && len > os->writethrough_max_io;
	if (rc == 0)
		rc = obj_modify(os, ring, &o, off, len, data,
				max_u64(o.size, off + len), enc, UINT64_MAX,
				hints);
	if (rc == 0 && len >= OBJSTORE_WRITEOUT_MIN) {
		if (o.direct_bytes < len)
			obj_writeout(&o, off, len);
		obj_flusher_note(os->flusher, o.dat_fd, len);
	}
	if (rc == 0 && o.direct && o.direct_bytes < len)
		obj_drop_behind(&o, off, len, true);
	if (rc == 0)
		atomic_fetch_add(&os->direct_bytes, o.direct_bytes);
	if (rc < 0 && o.created)
		obj_discard(os, ring, &o);
	else
		obj_close(os, ring, &o, true);
	if (rc == 0) {
		atomic_fetch_add(&os->write_ops, 1);
		atomic_fetch_add(&os->write_bytes, len);
	}
out_unlock:
	pthread_rwlock_unlock(lock);
	return rc;
}

ssize_t objstore_write(struct objstore *os, struct ring *ring, uint64_t fid,
		       uint32_t stripe_idx, uint64_t off, const void *data,
		       uint64_t len, unsigned flags)
{
	enum obj_enc enc =
	    (flags & OBJSTORE_WRITE_COMPRESS) ? OBJ_ENC_LZ4 : OBJ_ENC_RAW;
	int rc;

	if (len > OBJSTORE_MAX_IO || (flags & ~OBJSTORE_WRITE_COMPRESS) ||
	    (len && !data))
		return -EINVAL;
	if (off > OBJSTORE_MAX_OBJECT_SIZE ||
	    len > OBJSTORE_MAX_OBJECT_SIZE - off)
		return -EFBIG;
	if (len == 0)
		return 0;
	rc = obj_write_span(os, ring, fid, stripe_idx, off, len, data, enc,
			    NULL);
	return rc < 0 ? rc : (ssize_t)len;
}

int objstore_truncate(struct objstore *os, struct ring *ring, uint64_t fid,
		      uint32_t stripe_idx, uint64_t size)
{
	pthread_rwlock_t *lock = obj_lock(os, fid, stripe_idx);
	uint64_t drop_from, last_end, dl = 0, ds = 0;
	struct obj o;
	int rc;

	if (size > OBJSTORE_MAX_OBJECT_SIZE)
		return -EFBIG;
	obj_init(&o, fid, stripe_idx);
	pthread_rwlock_wrlock(lock);
	rc = obj_open(os, ring, &o, OBJ_CREATE);
	if (rc < 0)
		goto out_unlock;
	rc = obj_load(os, ring, &o, 0, 0, true);
	if (rc < 0)
		goto out;
	if (size >= o.size) {
		/* Growing is a hole: only the header changes. */
		rc = obj_modify(os, ring, &o, size, 0, NULL, size, OBJ_ENC_KEEP,
				UINT64_MAX, NULL);
		goto out;
	}
	drop_from = (size + CHUNK - 1) / CHUNK;
	/* What the dropped chunks held, for the OST's data totals. */
	rc = obj_sum(os, ring, &o, drop_from, (o.size + CHUNK - 1) / CHUNK,
		     &dl, &ds);
	if (rc < 0)
		goto out;
	if (size % CHUNK) {
		/* Zero the tail of the new last chunk. */
		last_end = min_u64(drop_from * CHUNK, o.size);
		rc = obj_load(os, ring, &o, size / CHUNK, 1, false);
		if (rc == 0)
			rc = obj_modify(os, ring, &o, size, last_end - size,
					NULL, size, OBJ_ENC_KEEP, drop_from,
					NULL);
	} else {
		rc = obj_modify(os, ring, &o, size, 0, NULL, size, OBJ_ENC_KEEP,
				drop_from, NULL);
	}
	if (rc == 0)
		objstore_add_data(os, -(int64_t)dl, -(int64_t)ds);
out:
	if (rc < 0 && o.created)
		obj_discard(os, ring, &o);
	else
		obj_close(os, ring, &o, true);
out_unlock:
	pthread_rwlock_unlock(lock);
	return rc;
}

int objstore_punch(struct objstore *os, struct ring *ring, uint64_t fid,
		   uint32_t stripe_idx, uint64_t off, uint64_t len)
{
	pthread_rwlock_t *lock = obj_lock(os, fid, stripe_idx);
	uint64_t end;
	struct obj o;
	int rc;

	obj_init(&o, fid, stripe_idx);
	pthread_rwlock_wrlock(lock);
	rc = obj_open(os, ring, &o, OBJ_RW);
	if (rc < 0)
		goto out_unlock;
	rc = obj_load(os, ring, &o, 0, 0, true);
	if (rc < 0 || off >= o.size || len == 0)
		goto out;
	end = len > o.size - off ? o.size : off + len;
	rc = obj_load(os, ring, &o, off / CHUNK, chunk_count(off, end - off),
		      false);
	if (rc == 0)
		rc = obj_modify(os, ring, &o, off, end - off, NULL, o.size,
				OBJ_ENC_KEEP, UINT64_MAX, NULL);
out:
	obj_close(os, ring, &o, true);
out_unlock:
	pthread_rwlock_unlock(lock);
	return rc;
}

int objstore_destroy(struct objstore *os, struct ring *ring, uint64_t fid,
		     uint32_t stripe_idx)
{
	pthread_rwlock_t *lock = obj_lock(os, fid, stripe_idx);
	struct ring_op ops[2];
	struct statx stx[2];
	struct stat st;
	uint64_t before = 0, dl = 0, ds = 0;
	struct obj o;
	int rc;

	obj_init(&o, fid, stripe_idx);
	pthread_rwlock_wrlock(lock);
	/* No table, no object: one never written (an unlinked empty file's)
	 * or destroyed before. Asked with a plain fstatat on this worker
	 * thread: io_uring would hand the open and statx below to its own
	 * kernel workers, two thread switches each for a failed lookup. */
	if (fstatat(os->objdirfd, o.tab_path, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno == ENOENT) {
		obj_cache_drop(os, fid, stripe_idx);
		rc = -ENOENT;
		goto out;
	}
	/* What its chunks held, for the data totals (a table that cannot be
	 * read counts as empty: the object goes anyway). */
	if (obj_open(os, ring, &o, OBJ_RD) == 0) {
		if (obj_load(os, ring, &o, 0, 0, true) < 0 ||
		    obj_sum(os, ring, &o, 0, (o.size + CHUNK - 1) / CHUNK, &dl,
			    &ds) < 0)
			dl = ds = 0;
		obj_close(os, ring, &o, false);
	}
	obj_cache_drop(os, fid, stripe_idx);
	ring_op_statx(&ops[0], os->objdirfd, o.tab_path, 0, STATX_BLOCKS,
		      &stx[0]);
	ring_op_statx(&ops[1], os->objdirfd, o.dat_path, 0, STATX_BLOCKS,
		      &stx[1]);
	rc = ring_run(ring, ops, 2);
	if (rc < 0)
		goto out;
	rc = (int)ops[0].res;
	if (rc < 0)
		goto out;
	before = stx[0].stx_blocks * 512;
	if (ops[1].res == 0)
		before += stx[1].stx_blocks * 512;
	ring_op_unlinkat(&ops[0], os->objdirfd, o.tab_path, 0);
	ring_op_unlinkat(&ops[1], os->objdirfd, o.dat_path, 0);
	rc = ring_run(ring, ops, 2);
	if (rc < 0)
		goto out;
	rc = (int)ops[0].res;
	if (rc < 0)
		goto out;
	if (ops[1].res < 0 && ops[1].res != -ENOENT)
		log_msg(
		    LOG_WARNING, "objstore",
		    "ost=%u fid=%#" PRIx64 " idx=%u: removing data file: %s",
		    os->ost_idx, fid, stripe_idx, strerror((int)-ops[1].res));
	atomic_fetch_sub(&os->objects, 1);
	objstore_account(os, &o, before, 0);
	objstore_add_data(os, -(int64_t)dl, -(int64_t)ds);
out:
	pthread_rwlock_unlock(lock);
	return rc;
}

int objstore_sync(struct objstore *os, struct ring *ring, uint64_t fid,
		  uint32_t stripe_idx)
{
	pthread_rwlock_t *lock = obj_lock(os, fid, stripe_idx);
	struct ring_op ops[3];
	int dir_fd = -1;
	struct obj o;
	int rc;

	obj_init(&o, fid, stripe_idx);
	pthread_rwlock_rdlock(lock);
	rc = obj_open(os, ring, &o, OBJ_RD);
	if (rc < 0)
		goto out_unlock;
	ring_op_openat(&ops[0], os->objdirfd, o.dir_path,
		       O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	rc = ring_run(ring, ops, 1);
	if (rc < 0)
		goto out;
	rc = (int)ops[0].res;
	if (rc < 0)
		goto out;
	dir_fd = rc;
	ring_op_fdatasync(&ops[0], o.dat_fd);
	ring_op_fdatasync(&ops[1], o.tab_fd);
	ring_op_fsync(&ops[2], dir_fd);
	rc = ring_run(ring, ops, 3);
	if (rc == 0)
		rc = (int)ring_first_error(ops, 3);
	ring_op_close(&ops[0], dir_fd);
	ring_run(ring, ops, 1);
out:
	obj_close(os, ring, &o, false);
out_unlock:
	pthread_rwlock_unlock(lock);
	return rc;
}

int objstore_getattr(struct objstore *os, struct ring *ring, uint64_t fid,
		     uint32_t stripe_idx, struct objstore_attr *attr)
{
	pthread_rwlock_t *lock = obj_lock(os, fid, stripe_idx);
	uint64_t nchunks, first, i;
	struct obj o;
	int rc;

	memset(attr, 0, sizeof(*attr));
	obj_init(&o, fid, stripe_idx);
	pthread_rwlock_rdlock(lock);
	rc = obj_open(os, ring, &o, OBJ_RD);
	if (rc < 0)
		goto out_unlock;
	rc = obj_load(os, ring, &o, 0, 0, true);
	if (rc < 0)
		goto out;
	attr->size = o.size;
	attr->disk_bytes = o.disk_before;
	nchunks = (o.size + CHUNK - 1) / CHUNK;
	for (first = 0; first < nchunks; first += OBJ_WINDOW) {
		rc = obj_load(os, ring, &o, first,
			      min_u64(OBJ_WINDOW, nchunks - first), false);
		if (rc < 0)
			goto out;
		for (i = 0; i < o.win_count; i++) {
			const struct chunk_entry *e = &o.win[i];

			if (e->kind == CHUNK_HOLE)
				continue;
			attr->chunks_stored++;
			attr->logical_bytes += e->data_len;
			attr->stored_bytes += e->stored_len;
			if (e->kind == CHUNK_LZ4)
				attr->chunks_compressed++;
		}
	}
out:
	obj_close(os, ring, &o, false);
out_unlock:
	pthread_rwlock_unlock(lock);
	return rc;
}

int objstore_size(struct objstore *os, struct ring *ring, uint64_t fid,
		  uint32_t stripe_idx, uint64_t *size)
{
	pthread_rwlock_t *lock = obj_lock(os, fid, stripe_idx);
	struct obj o;
	int rc;

	*size = 0;
	obj_init(&o, fid, stripe_idx);
	pthread_rwlock_rdlock(lock);
	rc = obj_open(os, ring, &o, OBJ_RD);
	if (rc < 0)
		goto out_unlock;
	rc = obj_load(os, ring, &o, 0, 0, true);
	if (rc == 0)
		*size = o.size;
	obj_close(os, ring, &o, false);
out_unlock:
	pthread_rwlock_unlock(lock);
	return rc;
}
