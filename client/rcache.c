/*
 * rcache.c - the client's read cache (rcache.h): shards of a hash table
 * keyed by (ino, chunk index), each with an LRU list and its share of the
 * byte budget. A chunk seen once is a ghost entry (key and generation, no
 * data) on a list of its own, at most RCACHE_GHOSTS_PER_ENTRY times as
 * many as the share holds chunks (plus a few): ghosts cost no bytes of the
 * budget, and their number stays small enough that the hash chains stay
 * short and their headers a few MiB at most.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "client/rcache.h"
#include "common/lru.h"

/* What an entry costs besides its data (the header and malloc's share). */
#define RCACHE_ENTRY_COST 128
/* Ghosts per chunk a shard can hold, and a floor for tiny caches. */
#define RCACHE_GHOSTS_PER_ENTRY 4
#define RCACHE_GHOSTS_MIN	16

struct rcache_entry {
	struct rcache_entry *hnext;		/* hash chain */
	struct lru_node lru;			/* on lru, or ghosts */
	uint64_t ino;
	uint64_t idx;				/* chunk_off / RCACHE_CHUNK */
	uint64_t gen;
	uint8_t *data;				/* owned */
	size_t len;
	int ghost;				/* no data: seen once */
};

struct rcache_shard {
	pthread_mutex_t mu;
	struct rcache_entry **buckets;
	size_t mask;				/* buckets - 1 */
	struct lru_list lru;			/* entries with data */
	struct lru_list ghosts;			/* chunks seen once */
	uint64_t max_bytes, bytes, entries;
	uint64_t max_ghosts, nghosts;
	uint64_t hits, misses, inserts, evictions, stale, ghosts_made;
};

struct rcache {
	struct rcache_shard shards[RCACHE_SHARDS];
};

static uint64_t rcache_hash(uint64_t ino, uint64_t idx)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ull ^ idx * 0xc2b2ae3d27d4eb4full;

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

static uint64_t rcache_cost(size_t len)
{
	return (uint64_t)len + RCACHE_ENTRY_COST;
}

struct rcache *rcache_create(uint64_t max_bytes)
{
	struct rcache *rc;
	uint64_t share = max_bytes / RCACHE_SHARDS, fit, want;
	size_t nb = 16;

	if (!max_bytes)
		return NULL;
	rc = calloc(1, sizeof(*rc));
	if (!rc)
		return NULL;
	/* About two buckets per entry (chunks and ghosts) a shard holds. */
	fit = share / rcache_cost(RCACHE_CHUNK);
	want = 2 * (fit + RCACHE_GHOSTS_PER_ENTRY * fit + RCACHE_GHOSTS_MIN);
	while (nb < want && nb < (1u << 20))
		nb <<= 1;
	for (int i = 0; i < RCACHE_SHARDS; i++) {
		struct rcache_shard *s = &rc->shards[i];

		pthread_mutex_init(&s->mu, NULL);
		s->max_bytes = share;
		s->max_ghosts = RCACHE_GHOSTS_PER_ENTRY * fit + RCACHE_GHOSTS_MIN;
		s->mask = nb - 1;
		s->buckets = calloc(nb, sizeof(*s->buckets));
		if (!s->buckets) {
			rcache_destroy(rc);
			return NULL;
		}
	}
	return rc;
}

static void rcache_free_list(struct lru_list *l)
{
	struct lru_node *n = l->head, *next;

	for (; n; n = next) {
		struct rcache_entry *e = LRU_ENTRY(n, struct rcache_entry, lru);

		next = n->next;
		free(e->data);
		free(e);
	}
}


void rcache_clear(struct rcache *rc)
{
	if (!rc)
		return;
	for (int i = 0; i < RCACHE_SHARDS; i++) {
		struct rcache_shard *s = &rc->shards[i];

		pthread_mutex_lock(&s->mu);
		rcache_free_list(&s->lru);
		rcache_free_list(&s->ghosts);
		s->lru = (struct lru_list){ 0 };
		s->ghosts = (struct lru_list){ 0 };
		memset(s->buckets, 0, (s->mask + 1) * sizeof(s->buckets[0]));
		s->bytes = 0;
		s->entries = 0;
		s->nghosts = 0;
		pthread_mutex_unlock(&s->mu);
	}
}

void rcache_destroy(struct rcache *rc)
{
	if (!rc)
		return;
	rcache_clear(rc);
	for (int i = 0; i < RCACHE_SHARDS; i++) {
		free(rc->shards[i].buckets);
		pthread_mutex_destroy(&rc->shards[i].mu);
	}
	free(rc);
}

static struct rcache_shard *rcache_shard(struct rcache *rc, uint64_t h)
{
	return &rc->shards[(h >> 56) % RCACHE_SHARDS];
}

/* The chain link that points at (ino, idx)'s entry, or at the NULL that
 * ends its chain (s->mu held). */
static struct rcache_entry **rcache_slot(struct rcache_shard *s, uint64_t h,
					 uint64_t ino, uint64_t idx)
{
	struct rcache_entry **pp = &s->buckets[h & s->mask];

	while (*pp && ((*pp)->ino != ino || (*pp)->idx != idx))
		pp = &(*pp)->hnext;
	return pp;
}

/* Unlink *pp's entry from its chain and its list and free it (s->mu). */
static void rcache_drop(struct rcache_shard *s, struct rcache_entry **pp)
{
	struct rcache_entry *e = *pp;

	*pp = e->hnext;
	if (e->ghost) {
		lru_unlink(&s->ghosts, &e->lru);
		s->nghosts--;
	} else {
		lru_unlink(&s->lru, &e->lru);
		s->bytes -= rcache_cost(e->len);
		s->entries--;
	}
	free(e->data);
	free(e);
}

/* Drop the oldest entry of list l (not empty; s->mu). */
static void rcache_drop_oldest(struct rcache_shard *s, struct lru_list *l)
{
	struct rcache_entry *old = LRU_ENTRY(l->tail, struct rcache_entry, lru);

	rcache_drop(s, rcache_slot(s, rcache_hash(old->ino, old->idx),
				   old->ino, old->idx));
}

/* Evict s's least recently used entries until cost more fits (s->mu). */
static void rcache_make_room(struct rcache_shard *s, uint64_t cost)
{
	while (s->bytes + cost > s->max_bytes && s->lru.tail) {
		rcache_drop_oldest(s, &s->lru);
		s->evictions++;
	}
}

/* Link e, (ino, idx)'s new entry, at the end of its chain and the head of
 * its list (s->mu; room made). */
static void rcache_link(struct rcache_shard *s, uint64_t h,
			struct rcache_entry *e)
{
	*rcache_slot(s, h, e->ino, e->idx) = e;
	if (e->ghost) {
		lru_push(&s->ghosts, &e->lru);
		s->nghosts++;
	} else {
		lru_push(&s->lru, &e->lru);
		s->bytes += rcache_cost(e->len);
		s->entries++;
	}
}

ssize_t rcache_read(struct rcache *rc, uint64_t ino, uint64_t gen,
		    uint64_t off, size_t len, void *dst)
{
	uint64_t idx = off / RCACHE_CHUNK, in = off % RCACHE_CHUNK;
	uint64_t h = rcache_hash(ino, idx);
	struct rcache_shard *s = rcache_shard(rc, h);
	struct rcache_entry **pp, *e;
	ssize_t n;

	if (in + len > RCACHE_CHUNK)
		return -EINVAL;
	pthread_mutex_lock(&s->mu);
	pp = rcache_slot(s, h, ino, idx);
	e = *pp;
	if (e && e->gen != gen) {
		rcache_drop(s, pp);
		s->stale++;
		e = NULL;
	}
	if (!e) {
		/* First sight: remember the chunk (a ghost, no data). */
		s->misses++;
		n = -ENOENT;
		if (!(e = calloc(1, sizeof(*e))))
			goto out;
		e->ino = ino;
		e->idx = idx;
		e->gen = gen;
		e->ghost = 1;
		if (s->nghosts >= s->max_ghosts)
			rcache_drop_oldest(s, &s->ghosts);
		rcache_link(s, h, e);
		s->ghosts_made++;
		goto out;
	}
	lru_touch(e->ghost ? &s->ghosts : &s->lru, &e->lru);
	if (e->ghost) { /* seen before: worth the whole chunk */
		s->misses++;
		n = -EAGAIN;
		goto out;
	}
	if (in + len > e->len) /* only a short entry: the file ends there */
		len = in < e->len ? (size_t)(e->len - in) : 0;
	memcpy(dst, e->data + in, len);
	n = (ssize_t)len;
	s->hits++;
out:
	pthread_mutex_unlock(&s->mu);
	return n;
}

void rcache_insert(struct rcache *rc, uint64_t ino, uint64_t gen,
		   uint64_t chunk_off, uint8_t *buf, size_t len)
{
	uint64_t idx = chunk_off / RCACHE_CHUNK;
	uint64_t h = rcache_hash(ino, idx);
	struct rcache_shard *s = rcache_shard(rc, h);
	struct rcache_entry **pp, *e;

	if (chunk_off % RCACHE_CHUNK || len > RCACHE_CHUNK ||
	    rcache_cost(len) > s->max_bytes || !(e = calloc(1, sizeof(*e)))) {
		free(buf);
		return;
	}
	e->ino = ino;
	e->idx = idx;
	e->gen = gen;
	e->data = buf;
	e->len = len;
	pthread_mutex_lock(&s->mu);
	pp = rcache_slot(s, h, ino, idx);
	if (*pp) /* its ghost, a racing read's entry, an older gen */
		rcache_drop(s, pp);
	rcache_make_room(s, rcache_cost(len));
	rcache_link(s, h, e);
	s->inserts++;
	pthread_mutex_unlock(&s->mu);
}

void rcache_stats_get(struct rcache *rc, struct rcache_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!rc)
		return;
	for (int i = 0; i < RCACHE_SHARDS; i++) {
		struct rcache_shard *s = &rc->shards[i];

		pthread_mutex_lock(&s->mu);
		st->hits += s->hits;
		st->misses += s->misses;
		st->inserts += s->inserts;
		st->evictions += s->evictions;
		st->stale += s->stale;
		st->ghosts += s->ghosts_made;
		st->ghosts_held += s->nghosts;
		st->bytes += s->bytes;
		st->entries += s->entries;
		pthread_mutex_unlock(&s->mu);
	}
}
