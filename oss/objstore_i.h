/*
 * objstore_i.h - what the object store's files share (internal).
 *
 * objstore.c has the object format and the calls on raw data; objstore_z.c
 * the calls that take and give chunks as the client compressed them
 * (OBJ_WRITE_Z, OBJ_READ_Z), built on the same object calls:
 * obj_open/obj_load/obj_modify/obj_close under the object's lock.
 * obj_cache.c keeps the open-object fd cache those calls go through;
 * objstore_open.c opens, closes and walks the store.
 */
#ifndef GLINT_OSS_OBJSTORE_I_H
#define GLINT_OSS_OBJSTORE_I_H

#include "oss/objstore.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/lru.h"
#include "common/ring.h"
#include "oss/obj_flush.h"
#include "oss/ost_dir.h"

/*
 * Table file, little-endian. Entries past the end of the file, and all-zero
 * entries, are holes. Entries never straddle a 4 KiB page (64 + 126 * 32).
 *   header  OFF SIZE MEANING
 *             0    8 magic "GLNTOBJ1"
 *             8    4 format version (1)
 *            12    4 chunk size
 *            16    8 logical size of the object
 *            24    8 fid
 *            32    4 stripe idx
 *            36   20 reserved, zero
 *            56    8 XXH3-64 of bytes 0..55
 *   entry   OFF SIZE MEANING
 *             0    8 XXH3-64 of the stored bytes
 *             8    4 stored_len: bytes in the slot
 *            12    4 data_len: bytes they decode to (the rest of the chunk
 *                    is zeros); raw: == stored_len, lz4: > stored_len
 *            16    4 kind: 0 hole, 1 raw, 2 lz4
 *            20    4 reserved, zero
 *            24    8 XXH3-64 of bytes 0..23
 */
#define CHUNK	      OBJSTORE_CHUNK_SIZE
/* Writes of at least this many bytes start their writeback at once. */
#define OBJSTORE_WRITEOUT_MIN (256u << 10)
#define OBJ_HDR_LEN   64
#define OBJ_ENTRY_LEN 32
#define OBJ_MAGIC     "GLNTOBJ1"
#define OBJ_VERSION   1
#define OBJ_LOCKS     256  /* striped object locks */
#define OBJ_WINDOW    8192 /* entries read at once by getattr */
#define OBJ_CACHE_MAX 1024 /* open objects kept at most */
/* A table of at most this many bytes (objects of up to 126 chunks) is kept
 * in its cached handle (obj_cache.c): 4 MiB for a full cache at most. */
#define OBJ_TAB_COPY_MAX 4096

_Static_assert(OBJSTORE_FSNAME_MAX == OST_DIR_FSNAME_MAX, "fsname limits");

enum chunk_kind {
	CHUNK_HOLE = 0,
	CHUNK_RAW = 1,
	CHUNK_LZ4 = 2,
};

/* How obj_modify stores the chunks it rewrites. */
enum obj_enc {
	OBJ_ENC_RAW,  /* raw */
	OBJ_ENC_LZ4,  /* LZ4 when it saves a block */
	OBJ_ENC_KEEP, /* LZ4 if the chunk was LZ4 before */
};

enum obj_mode {
	OBJ_RD,	    /* existing object, read only */
	OBJ_RW,	    /* existing object, read-write */
	OBJ_CREATE, /* read-write, created if missing */
};

struct chunk_entry {
	uint64_t csum;	     /* XXH3 of the stored bytes */
	uint32_t stored_len; /* bytes in the slot */
	uint32_t data_len;   /* bytes they decode to */
	uint32_t kind;	     /* enum chunk_kind */
};

/*
 * An object whose files stay open between calls (the fd cache,
 * obj_cache.c). Fields are guarded by os->cache_mu; the fds are used by
 * the calls that pin it.
 */
struct obj_handle {
	struct obj_handle *hnext;	  /* hash chain */
	struct lru_node lru;		  /* on objstore's lru */
	uint64_t fid;
	uint32_t idx;
	int tab_fd;			  /* both O_RDWR */
	int dat_fd;
	int dio_fd;			  /* data file, O_WRONLY | O_DIRECT,
					     or -1 (obj_dio_fd) */
	unsigned refs;			  /* calls using it */
	bool sizes_ok;			  /* the three below are current */
	uint64_t tab_size;		  /* table file size */
	uint64_t dat_size;		  /* data file size */
	uint64_t disk;			  /* blocks of both files, bytes */
	uint8_t *tab_copy;		  /* the table file's bytes, verified
					     as they were used, or NULL */
	size_t tab_copy_len;
};

struct objstore {
	int dirfd;			      /* backing directory */
	int objdirfd;			      /* its objects/ */
	char objdir_path[OBJSTORE_LOCAL_PATH_MAX]; /* objects/'s absolute
						      path, "" if unknown */
	char fsname[OBJSTORE_FSNAME_MAX + 1]; /* for logs */
	uint32_t ost_idx;		      /* for logs */
	uint32_t blksize;	      /* allocation unit used for predictions */
	uint64_t capacity;	      /* configured capacity in bytes */
	uint64_t writethrough_max_io; /* objstore_options'; 0 = keep all */
	uint64_t readcache_max_io;    /* the same */
	atomic_uint dio_align;	      /* O_DIRECT's alignment of buffers and
					 offsets (statx DIOALIGN), 0 when the
					 backing file system has none */
	pthread_mutex_t space_lock;   /* guards used and reserved */
	uint64_t used;		      /* disk bytes of all object files */
	uint64_t reserved;	      /* predicted growth of running calls */
	uint64_t data_logical;	      /* data_len of all stored chunks */
	uint64_t data_stored;	      /* stored_len of all stored chunks */
	atomic_uint_fast64_t objects; /* object count */
	atomic_uint_fast64_t csum_errors; /* see objstore_stats */
	atomic_uint_fast64_t read_ops;
	atomic_uint_fast64_t read_bytes;
	atomic_uint_fast64_t write_ops;
	atomic_uint_fast64_t write_bytes;
	atomic_uint_fast64_t direct_bytes; /* of which written O_DIRECT */
	struct obj_flusher *flusher;	   /* background syncs (obj_flush.h) */
	pthread_rwlock_t locks[OBJ_LOCKS]; /* per-object, striped by hash */
	pthread_mutex_t cache_mu;	   /* guards the fd cache below */
	struct obj_handle **cache;	   /* hash table of open objects */
	size_t cache_buckets;		   /* power of two */
	struct lru_list lru;		   /* the handles, by use */
	size_t cache_count;		   /* handles in the table */
	size_t cache_max;		   /* bound on cache_count */
};

/* One object during one call (lives on the caller's stack). */
struct obj {
	uint64_t fid;
	uint32_t idx;
	char tab_path[OST_DIR_PATH_LEN]; /* relative to objdirfd */
	char dat_path[OST_DIR_PATH_LEN];
	char dir_path[4]; /* "XX" */
	int tab_fd;	  /* -1 when closed */
	int dat_fd;
	int dio_fd;	  /* the data file O_DIRECT (obj_dio_fd), or -1 */
	bool dio_own;	  /* dio_fd is this call's: cache or close it */
	bool direct;	  /* obj_modify: write whole raw chunks with O_DIRECT
			     where aligned (a write past writethrough_max_io) */
	uint64_t direct_bytes; /* obj_modify: bytes it wrote so */
	struct obj_handle *h;	 /* pinned cached handle owning the fds,
				    or NULL (the fds are this call's) */
	bool sizes_cached;	 /* h's sizes copied: obj_load skips statx */
	bool created;		 /* this call created the files */
	bool have_header;	 /* the table holds a header */
	uint64_t size;		 /* logical size from the header */
	uint64_t tab_size;	 /* table file size */
	uint64_t dat_size;	 /* data file size */
	uint64_t disk_before;	 /* blocks of both files at load, bytes */
	uint64_t reserved;	 /* space reserved by this call */
	uint64_t win_first;	 /* first chunk in win */
	uint64_t win_count;	 /* entries in win */
	struct chunk_entry *win; /* loaded entries */
	uint8_t *tab_copy;	 /* the whole table as this call read it
				    (owned; obj_cache_put hands it to the
				    handle), or NULL */
	size_t tab_copy_len;
};

/*
 * What a client sent for one whole chunk (objstore_write_chunks): the raw
 * content is in the data buffer already; kind says how the client encoded
 * it. LZ4: stored/stored_len/csum (of the stored bytes) can be written as
 * they are. RAW: the client found it incompressible, do not try again.
 */
struct chunk_hint {
	uint32_t kind;	       /* CHUNK_HOLE (no hint), CHUNK_RAW, CHUNK_LZ4 */
	uint32_t raw_len;      /* bytes it stands for, from the chunk start */
	uint32_t stored_len;   /* LZ4: bytes at stored */
	const uint8_t *stored; /* LZ4: the compressed bytes (borrowed) */
	uint64_t csum;	       /* LZ4: XXH3 of the stored bytes */
	uint64_t raw_csum;     /* XXH3 of the raw content (checked) */
};

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* XXH3 of (fid, idx): picks its striped lock and its fd cache bucket. */
uint64_t obj_hash(uint64_t fid, uint32_t idx);
/* The striped lock of object (fid, idx). */
pthread_rwlock_t *obj_lock(struct objstore *os, uint64_t fid, uint32_t idx);
/* A closed struct obj for (fid, idx). */
void obj_init(struct obj *o, uint64_t fid, uint32_t idx);
/* Open the object's files (from the cache when it has them). */
int obj_open(struct objstore *os, struct ring *ring, struct obj *o,
	     enum obj_mode mode);
/*
 * What every reader does first: *len clamped to the largest object, the
 * object's lock read-held (tried only, -EAGAIN if a writer has it, when
 * ring is NULL: objstore_read_nowait), o opened for reading and the header
 * and the entries of [off, off + *len) loaded. 0: call obj_close and
 * unlock when done; -errno: nothing held.
 */
int obj_read_begin(struct objstore *os, struct ring *ring, struct obj *o,
		   pthread_rwlock_t *lock, uint64_t off, uint64_t *len);
/* Load the header (meta) and the entries [first, first + count). */
int obj_load(struct objstore *os, struct ring *ring, struct obj *o,
	     uint64_t first, uint64_t count, bool meta);
/* Rewrite [off, off + len) with data (NULL: zeros) in the order
 * objstore.c's header comment gives; hints (or NULL): one per chunk slot
 * of the span. */
int obj_modify(struct objstore *os, struct ring *ring, struct obj *o,
	       uint64_t off, uint64_t len, const uint8_t *data,
	       uint64_t new_size, enum obj_enc enc, uint64_t drop_from,
	       const struct chunk_hint *hints);
/* Done with o: back to the cache or closed; its space accounted. */
void obj_close(struct objstore *os, struct ring *ring, struct obj *o,
	       bool account);
/* Undo a create that failed: remove the files. */
void obj_discard(struct objstore *os, struct ring *ring, struct obj *o);
/* Start the writeback of a large write's slots (does not wait). */
void obj_writeout(const struct obj *o, uint64_t off, uint64_t len);
/* Write [off, off + len) of object (fid, idx) from data under its lock,
 * creating it if needed; hints as obj_modify's. 0 or -errno. */
int obj_write_span(struct objstore *os, struct ring *ring, uint64_t fid,
		   uint32_t idx, uint64_t off, uint64_t len, const uint8_t *data,
		   enum obj_enc enc, const struct chunk_hint *hints);
/* Count and log a chunk (or table part) that failed its checksum. */
void objstore_count_csum_error(struct objstore *os, const struct obj *o,
			       uint64_t chunk, const char *what);
/* Chunks touched by [off, off + len). */
uint64_t chunk_count(uint64_t off, uint64_t len);
/* Decode one table entry into e (all zeros: a hole). 0 or -EIO. */
int entry_decode(const uint8_t in[OBJ_ENTRY_LEN], struct chunk_entry *e);
/* Check o's table header (magic, checksum, version, chunk size, fid, idx)
 * and take its size into o->size. 0 or -EIO. */
int header_decode(struct obj *o, const uint8_t in[OBJ_HDR_LEN]);

/* The fd cache (obj_cache.c). Lock order: object lock, then cache_mu. */
/* Set up os's empty cache, bounded by RLIMIT_NOFILE. 0 or -ENOMEM. */
int obj_cache_init(struct objstore *os);
/* Close the files of every cached object and free the cache (none is
 * pinned: no call is running). Takes what obj_cache_init left, even on
 * its failure. */
void obj_cache_fini(struct objstore *os);
/* Pin o's cached handle, if any: o takes its fds and sizes. */
bool obj_cache_get(struct objstore *os, struct obj *o);
/* Unpin o's handle, or cache o's open files. true: the fds belong to the
 * cache now; false: the caller must close them. */
bool obj_cache_put(struct objstore *os, struct obj *o, bool sizes_ok,
		   uint64_t disk);
/* Drop (fid, idx)'s handle, closing its files; the caller holds the
 * object's lock for writing. */
void obj_cache_drop(struct objstore *os, uint64_t fid, uint32_t idx);
/* Copy the table kept with o's pinned handle into buf (OBJ_TAB_COPY_MAX
 * bytes of room): its length, or -1 when none is kept. */
ssize_t obj_cache_tab_get(struct objstore *os, const struct obj *o,
			  uint8_t *buf);
/* Forget the table copies of o and of its pinned handle: the caller, who
 * holds the object's lock for writing, is about to change the table. */
void obj_cache_tab_drop(struct objstore *os, struct obj *o);

#endif
