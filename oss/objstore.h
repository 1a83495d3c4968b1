/*
 * objstore.h - the object store of one OST: chunked, checksummed,
 * optionally LZ4-compressed objects in a backing directory.
 *
 * An object is one stripe of one file, named by (fid, stripe_idx). Its data
 * is kept in OBJSTORE_CHUNK_SIZE chunks; each stored chunk carries an XXH3
 * checksum that every read verifies (a mismatch is -EIO, logged with
 * fid/idx/chunk and counted in objstore_stats, never returned as data) and
 * may be LZ4-compressed (OBJSTORE_WRITE_COMPRESS; a chunk that does not save
 * at least one disk block is stored raw). A chunk never written, or written
 * as all zeros, is a hole: it reads as zeros and uses no disk. The on-disk
 * format is described in objstore.c.
 *
 * Open files: the store keeps the files of recently used objects open (an
 * LRU bounded by RLIMIT_NOFILE / 8 objects, at most 1024), so that calls
 * on a busy object open nothing, and with them the chunk tables of small
 * objects (up to 126 chunks), so that a read of one whose pages have left
 * the page cache waits for its data only.
 *
 * Threading: one struct objstore is shared by all worker threads. Every
 * call takes the calling thread's own ring (common/ring.h), through which
 * all its disk I/O goes, so the ring must belong to the calling thread.
 * Calls on different objects run in parallel; calls on one object are
 * serialised by a striped lock table (reads share, writers exclude). Calls
 * block the calling thread until their I/O is done: call them from worker
 * threads, not from an event loop that must stay responsive.
 * objstore_open/close and objstore_iterate use plain syscalls (directory
 * scans have no io_uring equivalent; they are not on the data path).
 *
 * Capacity: the OST has a configured capacity. Used bytes are the disk
 * blocks of all object files, scanned at open and updated after every
 * change. A write, truncate or punch whose predicted new allocation would
 * take used past capacity fails with -ENOSPC before anything changes.
 *
 * Errors: 0 or a negative errno, sizes as ssize_t. Common ones: -ENOENT
 * (no such object, for calls that do not create), -EIO (checksum mismatch,
 * corrupt metadata, missing data file), -ENOSPC, -EFBIG (beyond
 * OBJSTORE_MAX_OBJECT_SIZE), -EINVAL (bad arguments, I/O larger than
 * OBJSTORE_MAX_IO), -ENOMEM. A failed write never leaves wrong data: chunks
 * it touched read either as before or as -EIO until rewritten.
 *
 * Client-compressed chunks (objstore_write_chunks, objstore_read_chunks):
 * for files with the LZ4 layout pattern the client compresses and the
 * wire carries chunks as they are stored. Written chunks are checked
 * before anything changes: each must decode to its stated length with its
 * stated checksum of the raw bytes (-EBADMSG otherwise: a client's garbage
 * is never stored). A chunk written whole keeps the client's LZ4 bytes
 * when they save a disk block, and is stored raw otherwise (a chunk the
 * client sent raw is not compressed again); a chunk written in part is
 * merged with the old content and compressed here (OBJSTORE_WRITE_COMPRESS).
 * Reads hand out stored chunks without decompressing (verified first).
 *
 * Durability: changes reach the page cache; objstore_sync() makes one
 * object durable (data, chunk table, directory entry). Within a write,
 * chunk data is written before the chunk table that describes it.
 */
#ifndef GLINT_OSS_OBJSTORE_H
#define GLINT_OSS_OBJSTORE_H

#include <stdint.h>
#include <sys/types.h>

struct ring;
struct objstore;

#define OBJSTORE_CHUNK_SIZE	 (64u * 1024) /* logical bytes per chunk */
#define OBJSTORE_MAX_OBJECT_SIZE (1ull << 43) /* 8 TiB per object */
#define OBJSTORE_MAX_IO		 (16u << 20)  /* largest read/write call */
#define OBJSTORE_FSNAME_MAX	 63	      /* longest fsname */

/* Flags of objstore_write(). */
#define OBJSTORE_WRITE_COMPRESS 0x1u /* LZ4-compress the chunks written */

struct objstore_options {
	const char *fsname; /* file system name, 1..OBJSTORE_FSNAME_MAX chars,
			       no '/'; required */
	uint32_t ost_idx;   /* this OST's index in the file system */
	/* 0 keeping all: a write of more than writethrough_max_io bytes
	 * (Lustre's writethrough_max_io_mb) is not kept in the page cache:
	 * written with O_DIRECT where its data is aligned, otherwise dropped
	 * once it is on disk (obj_drop_behind); nor is a span of more than
	 * readcache_max_io bytes handed out by objstore_read_span
	 * (readcache_max_io_mb) once it is sent. */
	uint64_t writethrough_max_io;
	uint64_t readcache_max_io;
};
/* Writes of more than writethrough_max_io go to disk with O_DIRECT, around
 * the page cache, where their data is aligned as the backing file system
 * wants (statx DIOALIGN) and that is at most this: the OSS receives
 * OBJ_WRITE data on such a boundary (conn_set_payload_align). */
#define OBJSTORE_DIO_ALIGN_MAX 4096u
/* Drop-behind trails a write or span by this much: a stream keeps at most
 * its last OBJSTORE_DROP_LAG bytes cached. */
#define OBJSTORE_DROP_LAG (16u << 20)

struct objstore_attr {
	uint64_t size;		    /* logical size in bytes */
	uint64_t disk_bytes;	    /* blocks allocated to the object's files */
	uint64_t logical_bytes;	    /* bytes of the chunks that are stored */
	uint64_t stored_bytes;	    /* what those chunks take on disk (before
				       block rounding): saved = logical - stored */
	uint64_t chunks_stored;	    /* chunks holding data */
	uint64_t chunks_compressed; /* of which LZ4-compressed */
};

struct objstore_statfs {
	uint64_t capacity_bytes; /* configured capacity */
	uint64_t used_bytes;	 /* disk blocks of all objects */
	uint64_t avail_bytes;	 /* capacity - used, and no more than the
				    backing file system has free */
	uint64_t objects;	 /* number of objects */
	uint64_t data_logical_bytes; /* data held in stored chunks (sum of
					their decoded lengths; scanned at
					open, kept up to date after) */
	uint64_t data_stored_bytes;  /* what those chunks take before block
					rounding: saved = logical - stored */
};

/* A chunk as it crosses the network (objstore_write_chunks and
 * objstore_read_chunks). */
enum objstore_zkind {
	OBJSTORE_Z_ZERO = 0, /* raw_len zero bytes, no data */
	OBJSTORE_Z_RAW = 1,  /* the bytes themselves */
	OBJSTORE_Z_LZ4 = 2,  /* an LZ4 block of the whole chunk from its start */
};

struct objstore_zchunk {
	uint64_t off;	     /* object offset of the first byte */
	uint32_t raw_len;    /* bytes it stands for; within one chunk */
	uint32_t stored_len; /* bytes at data (0 for ZERO) */
	uint32_t kind;	     /* enum objstore_zkind */
	uint64_t csum;	     /* XXH3-64: of the raw bytes (write), of the
				stored bytes (read) */
	const uint8_t *data; /* stored bytes: borrowed (write), into the
				caller's buffer (read) */
};

/* Room objstore_read_chunks needs for a read of len bytes. */
#define OBJSTORE_ZREAD_CHUNKS(len) (2 * ((len) / OBJSTORE_CHUNK_SIZE) + 6)
#define OBJSTORE_ZREAD_BUF(len)	   ((len) + 2 * OBJSTORE_CHUNK_SIZE)

struct objstore_stats {
	uint64_t checksum_errors; /* chunk or table checksum mismatches seen */
	uint64_t read_ops;	  /* successful objstore_read calls */
	uint64_t read_bytes;	  /* bytes they returned */
	uint64_t write_ops;	  /* successful objstore_write calls */
	uint64_t write_bytes;	  /* bytes they wrote */
	uint64_t direct_write_bytes; /* of which with O_DIRECT */
	uint64_t bg_syncs;	  /* background fdatasyncs (obj_flush.h) */
};

/*
 * Open (or set up) the OST whose backing directory is dir (layout and
 * superblock: oss/ost_dir.h). A directory with no superblock must be empty
 * (else -ENOTEMPTY); it gets the layout and a superblock recording
 * opts->fsname and opts->ost_idx. One with a superblock must match both
 * (else -EEXIST) and the chunk size (else -EINVAL); a corrupt superblock
 * is -EUCLEAN. Other refusals: -ENOENT, -ENOTDIR, -EACCES (not writable),
 * -EROFS, -EINVAL (bad options or a capacity of 0). Scans all objects to compute used bytes. Each refusal is
 * logged with the reason. Returns 0 and *out (caller closes), or -errno.
 */
int objstore_open(const char *dir, uint64_t capacity_bytes,
		  const struct objstore_options *opts, struct objstore **out);

/* Close (NULL is fine). No call on os may be running or start later. */
void objstore_close(struct objstore *os);

/* Close the files of every cached object no call is using and forget
 * their chunk-table copies, as a restart would: the next call on them
 * reads their files again. For tests that change object files behind the
 * store's back. */
void objstore_drop_cache(struct objstore *os);

/* Create an empty object. Returns 0, -EEXIST, -ENOSPC or -errno. */
int objstore_create(struct objstore *os, struct ring *ring, uint64_t fid,
		    uint32_t stripe_idx);

/*
 * Read up to len bytes at off into buf. Returns the bytes read: len, fewer
 * at end of object, 0 at or past it. Holes read as zeros. -ENOENT if the
 * object does not exist, -EIO on a checksum mismatch (buf then holds
 * garbage), -EINVAL if len > OBJSTORE_MAX_IO.
 */
ssize_t objstore_read(struct objstore *os, struct ring *ring, uint64_t fid,
		      uint32_t stripe_idx, uint64_t off, uint64_t len,
		      void *buf);

/*
 * objstore_read for an event loop thread, which must not wait: runs only
 * when the object's files are in the fd cache, no writer holds the
 * object and the table and data are in the page cache (they are copied
 * with preadv2(RWF_NOWAIT)). Otherwise -EAGAIN, at once: call
 * objstore_read from a worker then. Same results and checks otherwise
 * (-EIO on a checksum mismatch); never -ENOENT (an object that is not
 * open is -EAGAIN). Any thread; needs no ring.
 */
ssize_t objstore_read_nowait(struct objstore *os, uint64_t fid,
			     uint32_t stripe_idx, uint64_t off, uint64_t len,
			     void *buf);

/*
 * The bytes [off, off + len) as they lie in the object's data file, for a
 * reply sent from the file without reading it (OBJ_READ_C: sendfile):
 * when off is chunk-aligned and every chunk of the range up to the
 * object's end is stored raw with exactly the bytes the range wants of it
 * (whole, or the object's last bytes), *fd is a new descriptor of the
 * data file (the caller closes it), *n the bytes (file offsets [off,
 * off + *n), fewer than len at the object's end) and csums[i] the stored
 * checksum of chunk i of the range (OBJSTORE_CHUNK_SIZE bytes each; the
 * caller's array has room for len / OBJSTORE_CHUNK_SIZE + 1). Nothing
 * is read or verified: the reader checks the checksums. Returns 0 (*n 0
 * and *fd -1 at or past the end), -ENOENT (no such object), -EAGAIN when
 * some chunk is stored otherwise (a hole, LZ4, or a partial chunk: use
 * objstore_read; also when the process is out of descriptors), -EINVAL
 * (len > OBJSTORE_MAX_IO), -errno.
 */
int objstore_read_span(struct objstore *os, struct ring *ring, uint64_t fid,
		       uint32_t stripe_idx, uint64_t off, uint64_t len,
		       int *fd, uint64_t *n, uint64_t *csums);

/*
 * objstore_read_span for a reader on this host that reads the data file
 * itself (OBJ_READ_L): the same checks and results, but instead of a
 * descriptor, path (room for OBJSTORE_LOCAL_PATH_MAX bytes) gets the data
 * file's absolute path when *n > 0 (else ""). -EOPNOTSUPP when that path
 * is unknown or too long (the store's directory could not be resolved).
 * With ring NULL it is for an event loop thread, as objstore_read_nowait:
 * -EAGAIN at once when the object's files are not in the fd cache, a
 * writer holds the object or its table is not at hand without waiting.
 */
#define OBJSTORE_LOCAL_PATH_MAX 4096 /* with the NUL */
int objstore_read_local(struct objstore *os, struct ring *ring, uint64_t fid,
			uint32_t stripe_idx, uint64_t off, uint64_t len,
			char *path, uint64_t *n, uint64_t *csums);

/*
 * Write len bytes of data at off, creating the object if needed and
 * growing its size to off + len if smaller. flags: OBJSTORE_WRITE_COMPRESS.
 * Partial chunks are read, verified, merged and rewritten. Returns len, or
 * -ENOSPC / -EFBIG / -EINVAL / -EIO (a partial chunk's old data failed its
 * checksum: nothing was changed) / -errno. data is only read.
 */
ssize_t objstore_write(struct objstore *os, struct ring *ring, uint64_t fid,
		       uint32_t stripe_idx, uint64_t off, const void *data,
		       uint64_t len, unsigned flags);

/*
 * Write n client-encoded chunks (contiguous, ascending, each within one
 * chunk slot; an LZ4 one starts at its slot's start and is smaller than
 * raw_len; RAW has stored_len == raw_len; ZERO none), creating the object
 * if needed and growing its size to the end of the last one. flags:
 * OBJSTORE_WRITE_COMPRESS compresses the chunks that must be merged with
 * old data. Every chunk is decoded and its checksum of the raw bytes
 * checked first: -EBADMSG (logged) when one fails, and nothing changes.
 * Returns the bytes written (the span), or -EINVAL (chunks breaking the
 * rules, span > OBJSTORE_MAX_IO), -EFBIG, -ENOSPC, -EIO, -ENOMEM.
 */
ssize_t objstore_write_chunks(struct objstore *os, struct ring *ring,
			      uint64_t fid, uint32_t stripe_idx,
			      const struct objstore_zchunk *chunks, size_t n,
			      unsigned flags);

/*
 * Read [off, off + len) as stored chunks, without decompressing: fills
 * chunks[] (room for cap, at least OBJSTORE_ZREAD_CHUNKS(len)) and puts
 * their stored bytes back to back at buf (room for buf_cap, at least
 * OBJSTORE_ZREAD_BUF(len)); each chunk's data points into buf. The chunks
 * are contiguous and cover [off, min(off + len, size)): raw data exactly,
 * an LZ4 chunk whole (so the first may start before off and the last end
 * after off + len), holes and the zero tail of a short chunk as ZERO.
 * Each stored chunk is verified against its checksum first (-EIO as in
 * objstore_read); csum is then XXH3 of the bytes handed out. Returns the
 * number of chunks (0 at or past the end), -ENOENT, -EIO, -EINVAL (len >
 * OBJSTORE_MAX_IO, too little room), -ENOMEM. *stored_total gets the sum
 * of stored lengths.
 */
ssize_t objstore_read_chunks(struct objstore *os, struct ring *ring,
			     uint64_t fid, uint32_t stripe_idx, uint64_t off,
			     uint64_t len, struct objstore_zchunk *chunks,
			     size_t cap, uint8_t *buf, size_t buf_cap,
			     size_t *stored_total);

/*
 * Set the object's size, creating it if needed. Growing adds a hole (no
 * disk). Shrinking frees the chunks past the new end and zeroes the tail of
 * the new last chunk (rewritten, keeping its compression). -EFBIG, -EIO,
 * -ENOSPC, -errno.
 */
int objstore_truncate(struct objstore *os, struct ring *ring, uint64_t fid,
		      uint32_t stripe_idx, uint64_t size);

/*
 * Zero [off, off + len) without changing the size (the part past the end
 * is ignored). Whole chunks become holes and free their disk; partial
 * chunks are rewritten. -ENOENT if the object does not exist.
 */
int objstore_punch(struct objstore *os, struct ring *ring, uint64_t fid,
		   uint32_t stripe_idx, uint64_t off, uint64_t len);

/* Remove the object and free its space. -ENOENT if it does not exist. */
int objstore_destroy(struct objstore *os, struct ring *ring, uint64_t fid,
		     uint32_t stripe_idx);

/* Make the object durable: fdatasync both files, fsync their directory. */
int objstore_sync(struct objstore *os, struct ring *ring, uint64_t fid,
		  uint32_t stripe_idx);

/* Size and space use of one object (reads its whole chunk table). */
int objstore_getattr(struct objstore *os, struct ring *ring, uint64_t fid,
		     uint32_t stripe_idx, struct objstore_attr *attr);

/* The object's logical size: one read of its table header when the
 * object is in the fd cache (obj_cache.c). -ENOENT, -EIO, -errno. */
int objstore_size(struct objstore *os, struct ring *ring, uint64_t fid,
		  uint32_t stripe_idx, uint64_t *size);

/* Capacity, used, available bytes and object count. Never fails. */
void objstore_statfs(struct objstore *os, struct objstore_statfs *st);

/* A snapshot of the counters. Never fails. */
void objstore_stats(struct objstore *os, struct objstore_stats *stats);

/*
 * Call fn(fid, stripe_idx, arg) for every object, in no particular order
 * (for reconciling orphans with the MDS). fn returning nonzero stops the
 * walk and that value is returned; otherwise 0 or -errno. Objects created
 * or destroyed during the walk may or may not be seen. fn may call other
 * objstore functions (no lock is held while it runs).
 */
typedef int (*objstore_iter_fn)(uint64_t fid, uint32_t stripe_idx, void *arg);
int objstore_iterate(struct objstore *os, objstore_iter_fn fn, void *arg);

#endif /* GLINT_OSS_OBJSTORE_H */
