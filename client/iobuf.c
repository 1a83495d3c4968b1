/*
 * iobuf.c - the client's 1 MiB read buffers in huge-page regions
 * (iobuf.h has the why).
 *
 * A region's free halves are the two low bits of its mask. iobuf_get
 * takes from a region with one half in use when there is one, so that
 * busy regions fill up and idle ones empty out and can go.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "client/iobuf.h"

#define IOBUF_BOTH 3u /* both halves free */

struct iobuf_region {
	uint8_t *base;	/* IOBUF_REGION aligned */
	unsigned free;	/* bit i: half i free */
};

struct iobuf_pool {
	pthread_mutex_t mu;
	struct iobuf_region *r;
	size_t n, cap;
	uint64_t idle, maps, unmaps;
};

struct iobuf_pool *iobuf_pool_create(void)
{
	struct iobuf_pool *p = calloc(1, sizeof(*p));

	if (p)
		pthread_mutex_init(&p->mu, NULL);
	return p;
}

void iobuf_pool_destroy(struct iobuf_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		munmap(p->r[i].base, IOBUF_REGION);
	free(p->r);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* Map an aligned region: twice its size, then the ends cut off. */
static uint8_t *iobuf_map(void)
{
	size_t want = 2 * (size_t)IOBUF_REGION, head;
	uint8_t *m = mmap(NULL, want, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *a;

	if (m == MAP_FAILED)
		return NULL;
	head = (size_t)(-(uintptr_t)m & (IOBUF_REGION - 1));
	a = m + head;
	if (head)
		munmap(m, head);
	munmap(a + IOBUF_REGION, want - head - IOBUF_REGION);
	/* No huge pages (THP off, or no memory for one): small pages. */
	(void)madvise(a, IOBUF_REGION, MADV_HUGEPAGE);
	return a;
}

/* A region with a free half, mapped when there is none: its index, or -1.
 * Called locked. */
static long iobuf_pick(struct iobuf_pool *p)
{
	long any = -1;
	uint8_t *base;

	for (size_t i = 0; i < p->n; i++) {
		if (p->r[i].free == IOBUF_BOTH)
			any = (long)i;
		else if (p->r[i].free)
			return (long)i; /* half in use: fill it first */
	}
	if (any >= 0)
		return any;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct iobuf_region *r = realloc(p->r, cap * sizeof(*r));

		if (!r)
			return -1;
		p->r = r;
		p->cap = cap;
	}
	base = iobuf_map();
	if (!base)
		return -1;
	p->r[p->n].base = base;
	p->r[p->n].free = IOBUF_BOTH;
	p->idle += 2;
	p->maps++;
	return (long)p->n++;
}

uint8_t *iobuf_get(struct iobuf_pool *p)
{
	uint8_t *buf = NULL;
	long i;

	pthread_mutex_lock(&p->mu);
	i = iobuf_pick(p);
	if (i >= 0) {
		unsigned half = p->r[i].free & 1u ? 0 : 1;

		p->r[i].free &= ~(1u << half);
		p->idle--;
		buf = p->r[i].base + (size_t)half * IOBUF_SIZE;
	}
	pthread_mutex_unlock(&p->mu);
	return buf;
}

void iobuf_put(struct iobuf_pool *p, uint8_t *buf)
{
	uint8_t *base = (uint8_t *)((uintptr_t)buf & ~(uintptr_t)(IOBUF_REGION - 1));
	unsigned half = buf == base ? 0 : 1;
	size_t i;

	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->n && p->r[i].base != base; i++)
		;
	if (i == p->n || (buf != base && buf != base + IOBUF_SIZE) ||
	    (p->r[i].free & (1u << half)))
		abort(); /* not ours, or put twice: memory is corrupt */
	p->r[i].free |= 1u << half;
	p->idle++;
	if (p->r[i].free == IOBUF_BOTH && p->idle > IOBUF_KEEP_IDLE) {
		munmap(base, IOBUF_REGION);
		p->r[i] = p->r[--p->n];
		p->idle -= 2;
		p->unmaps++;
	}
	pthread_mutex_unlock(&p->mu);
}

void iobuf_stats_get(struct iobuf_pool *p, struct iobuf_stats *st)
{
	pthread_mutex_lock(&p->mu);
	st->regions = p->n;
	st->idle = p->idle;
	st->maps = p->maps;
	st->unmaps = p->unmaps;
	pthread_mutex_unlock(&p->mu);
}
