/*
 * rcache.h - the client's read cache: whole 64 KiB file chunks that small
 * reads brought from the OSTs, kept in the client's memory (-o
 * max_cached_mb, Lustre's llite name), so that the next small read of the
 * same chunk is answered without a round trip.
 *
 * Why a cache below the kernel's page cache: a 4 KiB random read that
 * misses the page cache costs an OSS round trip (the OSS reads and checks
 * the whole 64 KiB chunk it falls in anyway), and the page cache of a FUSE
 * file is easily dropped: posix_fadvise(DONTNEED) (fio's invalidate, a
 * data loader's own cache hygiene), drop_caches, memory pressure, or an
 * open after another client changed the file. This cache keeps what the
 * chunk reads brought, bounded, and is dropped only by its own rules:
 *
 * - What goes in: a chunk that small reads (smaller than a chunk, lying in
 *   one) asked for twice. The first miss only records the chunk (a ghost)
 *   and the read asks the OSS for its own bytes; the second widens the
 *   read to the whole chunk (clamped to the file's size) and the result
 *   goes in. Random reads that never come back to a chunk so move no more
 *   than they ask for (a whole chunk is 16 times a 4 KiB read on the
 *   network), and a chunk that is read again is cached from the second
 *   read on. Large reads (the kernel's read-ahead, sequential readers,
 *   whole-file loaders) neither fill nor use it: they would pay a copy for
 *   data that is read once.
 * - Coherency: every entry carries the generation (gen) of its inode at
 *   the time its read was sent; a lookup with any other gen is a miss and
 *   drops the entry. The caller gives an inode a new gen (from one
 *   process-wide counter, so a gen is never reused, also not by a new
 *   inode of the same number) whenever its data may have changed: any
 *   write, truncate or punch by this client, and an MDS reply showing
 *   another client changed its size or mtime (close-to-open, as the page
 *   cache). A read that raced a write therefore never serves stale data:
 *   the write's new gen makes its entry invalid however the two interleave.
 * - Memory: entries are charged their data plus a header against
 *   max_bytes, split evenly over RCACHE_SHARDS shards, each with its own
 *   lock, hash table and LRU list; an insert past a shard's share evicts
 *   that shard's least recently used entries. Ghosts have an LRU list of
 *   their own, at most four times as long as the chunks the share holds
 *   (a few MiB of headers for the default 256 MiB). max_bytes 0 disables
 *   the cache (rcache_create returns NULL and callers skip it).
 *
 * Threading: every function may be called from any thread.
 */
#ifndef GLINT_CLIENT_RCACHE_H
#define GLINT_CLIENT_RCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RCACHE_CHUNK  (64u * 1024) /* file bytes per entry, aligned */
#define RCACHE_SHARDS 16

struct rcache;

struct rcache_stats {
	uint64_t hits;		/* rcache_read answered */
	uint64_t misses;	/* rcache_read found nothing valid */
	uint64_t inserts;	/* entries taken in */
	uint64_t evictions;	/* entries dropped for room */
	uint64_t stale;		/* entries dropped for an old gen */
	uint64_t ghosts;	/* chunks recorded as seen once */
	uint64_t ghosts_held;	/* such records held now */
	uint64_t bytes;		/* charged now (data and headers) */
	uint64_t entries;	/* chunks with data held now */
};

/* A cache of at most max_bytes; NULL when max_bytes is 0 or out of
 * memory (the caller then reads without one). */
struct rcache *rcache_create(uint64_t max_bytes);
void rcache_destroy(struct rcache *rc);

/*
 * Copy the cached bytes of [off, off + len) of inode ino into dst, when
 * the chunk holding off is cached with generation gen. The range must lie
 * in one chunk. Returns the bytes copied: len, or fewer when the file
 * ended inside the chunk when it was read (0 when off is past that end);
 * on a miss -ENOENT when the chunk was not seen before (it is recorded
 * now: read only what is needed) or -EAGAIN when it was (read the whole
 * chunk and rcache_insert it); -EINVAL when the range crosses chunks.
 */
ssize_t rcache_read(struct rcache *rc, uint64_t ino, uint64_t gen,
		    uint64_t off, size_t len, void *dst);

/*
 * Take buf, the len bytes of inode ino's chunk at chunk_off (a multiple
 * of RCACHE_CHUNK) read while the inode had generation gen, into the
 * cache; len < RCACHE_CHUNK says the file ended there. Takes ownership of
 * buf (malloc'd): freed when evicted, replaced or destroyed, or at once
 * when it cannot be kept (bad arguments, no memory, larger than a shard).
 */
void rcache_insert(struct rcache *rc, uint64_t ino, uint64_t gen,
		   uint64_t chunk_off, uint8_t *buf, size_t len);

void rcache_stats_get(struct rcache *rc, struct rcache_stats *st);

/* Drop every entry and ghost (the counts of hits, misses and the like
 * stay). Any thread; NULL is fine. */
void rcache_clear(struct rcache *rc);

#endif
