/*
 * obj_cache.c - the open-object fd cache of the object store (objstore_i.h).
 *
 * Open objects are cached (struct obj_handle): an LRU of at most
 * os->cache_max objects whose two files stay open (read-write) between
 * calls, with the data file's O_DIRECT descriptor once a large write has
 * opened one (obj_dio_fd; so at most three descriptors per object, three
 * eighths of RLIMIT_NOFILE in all), and their last known file sizes and
 * disk use, so that a call on
 * a cached object opens nothing and needs no statx to begin. A
 * handle is used only under its object's lock and pinned (refs) while a
 * call runs; eviction closes only unpinned ones, destroy drops the
 * object's handle before unlinking.
 *
 * Table copies: a handle also keeps the bytes of its object's chunk table
 * when the table is at most OBJ_TAB_COPY_MAX bytes (obj_load reads such a
 * table whole, in one read of its first page), so a read of a small cached
 * object needs no table read: a cold read (an ML data loader's sample
 * after the page cache was dropped) waits for one disk read, not two. The
 * copy is decoded and its checksums verified at every use as the file's
 * bytes would be; it is current because every change of a table goes
 * through obj_modify, which drops the copy (obj_cache_tab_drop) under the
 * object's write lock before writing, and readers, who fill it, hold the
 * read lock. Damage to a table file on disk after it was copied is
 * therefore found when the copy goes: at eviction, a restart, or
 * objstore_drop_cache. cache_mu guards the table, the LRU,
 * refs and the cached sizes; lock order: object lock, then cache_mu. The
 * bound follows RLIMIT_NOFILE (an eighth of it in objects).
 *
 * The cache only keeps descriptors: objstore.c's obj_open opens the files
 * and obj_finish hands them over; an evicted or dropped handle's files get
 * a plain close (no I/O to wait for). The table and the LRU live in
 * struct objstore (objstore_i.h).
 */
#include "oss/objstore_i.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static struct obj_handle **cache_slot(struct objstore *os, uint64_t fid,
				      uint32_t idx)
{
	struct obj_handle **pp =
	    &os->cache[obj_hash(fid, idx) & (os->cache_buckets - 1)];

	while (*pp && ((*pp)->fid != fid || (*pp)->idx != idx))
		pp = &(*pp)->hnext;
	return pp;
}

/* Remove h from the table and the LRU (cache_mu held). */
static void cache_remove(struct objstore *os, struct obj_handle *h)
{
	struct obj_handle **pp = cache_slot(os, h->fid, h->idx);

	if (*pp == h)
		*pp = h->hnext;
	lru_unlink(&os->lru, &h->lru);
	os->cache_count--;
}

/* Close h's files (plain close: no I/O to wait for) and free it. */
static void handle_free(struct obj_handle *h)
{
	if (!h)
		return;
	close(h->tab_fd);
	close(h->dat_fd);
	if (h->dio_fd >= 0)
		close(h->dio_fd);
	free(h->tab_copy);
	free(h);
}

/* Pin o's cached handle, if any: o takes its fds and sizes. */
bool obj_cache_get(struct objstore *os, struct obj *o)
{
	struct obj_handle *h;

	if (!os->cache_max)
		return false;
	pthread_mutex_lock(&os->cache_mu);
	h = *cache_slot(os, o->fid, o->idx);
	if (h) {
		h->refs++;
		lru_touch(&os->lru, &h->lru);
		o->h = h;
		o->tab_fd = h->tab_fd;
		o->dat_fd = h->dat_fd;
		o->dio_fd = h->dio_fd;
		o->sizes_cached = h->sizes_ok;
		o->tab_size = h->tab_size;
		o->dat_size = h->dat_size;
		o->disk_before = h->disk;
	}
	pthread_mutex_unlock(&os->cache_mu);
	return h != NULL;
}

/*
 * Unpin o's handle, or make o's open files a cached handle. With sizes_ok,
 * tab_size, dat_size and disk are o's current ones. Returns true when o's
 * fds now belong to the cache (do not close them), false when the caller
 * must close them (no room: every cached handle is pinned).
 */
bool obj_cache_put(struct objstore *os, struct obj *o, bool sizes_ok,
		   uint64_t disk)
{
	struct obj_handle *h = o->h, *victim = NULL, **pp;
	struct obj_handle *fresh = NULL;

	if (!h && (!os->cache_max || o->tab_fd < 0 || o->dat_fd < 0))
		return false;
	if (!h) {
		fresh = calloc(1, sizeof(*fresh));
		if (!fresh)
			return false;
	}
	pthread_mutex_lock(&os->cache_mu);
	if (!h) {
		pp = cache_slot(os, o->fid, o->idx);
		if (*pp) {
			/* Another reader cached it meanwhile: keep that one. */
			pthread_mutex_unlock(&os->cache_mu);
			free(fresh);
			return false;
		}
		if (os->cache_count >= os->cache_max) {
			struct lru_node *n = os->lru.tail;

			for (; n && LRU_ENTRY(n, struct obj_handle, lru)->refs;
			     n = n->prev)
				;
			if (!n) {
				pthread_mutex_unlock(&os->cache_mu);
				free(fresh);
				return false;
			}
			victim = LRU_ENTRY(n, struct obj_handle, lru);
			cache_remove(os, victim);
			pp = cache_slot(os, o->fid, o->idx);
		}
		h = fresh;
		h->fid = o->fid;
		h->idx = o->idx;
		h->tab_fd = o->tab_fd;
		h->dat_fd = o->dat_fd;
		h->dio_fd = -1;
		h->refs = 1;
		*pp = h;
		lru_push(&os->lru, &h->lru);
		os->cache_count++;
	}
	if (o->dio_own) { /* an O_DIRECT descriptor this call opened */
		if (h->dio_fd < 0)
			h->dio_fd = o->dio_fd;
		else
			close(o->dio_fd);
		o->dio_own = false;
	}
	if (o->tab_copy && !h->tab_copy) { /* the table this call read */
		h->tab_copy = o->tab_copy;
		h->tab_copy_len = o->tab_copy_len;
		o->tab_copy = NULL;
	}
	h->sizes_ok = sizes_ok;
	if (sizes_ok) {
		h->tab_size = o->tab_size;
		h->dat_size = o->dat_size;
		h->disk = disk;
	}
	h->refs--;
	pthread_mutex_unlock(&os->cache_mu);
	handle_free(victim);
	o->h = NULL;
	return true;
}

/* Drop the cached handle of (fid, idx), closing its files. The caller
 * holds the object's lock for writing, so no call has it pinned. */
void obj_cache_drop(struct objstore *os, uint64_t fid, uint32_t idx)
{
	struct obj_handle *h;

	if (!os->cache_max)
		return;
	pthread_mutex_lock(&os->cache_mu);
	h = *cache_slot(os, fid, idx);
	if (h)
		cache_remove(os, h);
	pthread_mutex_unlock(&os->cache_mu);
	handle_free(h);
}

void objstore_drop_cache(struct objstore *os)
{
	struct obj_handle *free_list = NULL;
	struct lru_node *n, *prev;

	pthread_mutex_lock(&os->cache_mu);
	for (n = os->lru.tail; n; n = prev) {
		struct obj_handle *h = LRU_ENTRY(n, struct obj_handle, lru);

		prev = n->prev;
		if (h->refs)
			continue;
		cache_remove(os, h);
		h->hnext = free_list;
		free_list = h;
	}
	pthread_mutex_unlock(&os->cache_mu);
	while (free_list) {
		struct obj_handle *h = free_list;

		free_list = h->hnext;
		handle_free(h);
	}
}

ssize_t obj_cache_tab_get(struct objstore *os, const struct obj *o,
			  uint8_t *buf)
{
	ssize_t n = -1;

	if (!o->h)
		return -1;
	pthread_mutex_lock(&os->cache_mu);
	if (o->h->tab_copy) {
		n = (ssize_t)o->h->tab_copy_len;
		memcpy(buf, o->h->tab_copy, o->h->tab_copy_len);
	}
	pthread_mutex_unlock(&os->cache_mu);
	return n;
}

void obj_cache_tab_drop(struct objstore *os, struct obj *o)
{
	uint8_t *old = NULL;

	free(o->tab_copy);
	o->tab_copy = NULL;
	if (o->h) {
		pthread_mutex_lock(&os->cache_mu);
		old = o->h->tab_copy;
		o->h->tab_copy = NULL;
		pthread_mutex_unlock(&os->cache_mu);
	}
	free(old);
}

/* How many objects to keep open: a quarter of the fd limit, two each. */
static size_t cache_bound(void)
{
	struct rlimit rl;
	uint64_t n = OBJ_CACHE_MAX;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		n = min_u64(n, rl.rlim_cur / 8);
	return (size_t)n;
}

int obj_cache_init(struct objstore *os)
{
	pthread_mutex_init(&os->cache_mu, NULL);
	os->cache_max = cache_bound();
	for (os->cache_buckets = 16; os->cache_buckets < os->cache_max;)
		os->cache_buckets *= 2;
	os->cache = calloc(os->cache_buckets, sizeof(*os->cache));
	return os->cache ? 0 : -ENOMEM;
}

void obj_cache_fini(struct objstore *os)
{
	objstore_drop_cache(os); /* every handle: none is pinned */
	free(os->cache);
	pthread_mutex_destroy(&os->cache_mu);
}
