/*
 * iobuf.h - the client's 1 MiB read buffers, backed by huge pages.
 *
 * A large read's result (io.c: one FUSE read of up to 1 MiB) is where
 * localio's O_DIRECT read puts the disk's bytes and where the reply to
 * the kernel is copied from. Measured on the 2-vCPU VM (virtio disk, four
 * cold readers of 64 MiB files): with results in ordinary 4 KiB pages a
 * 1 MiB direct read is a list of 256 scattered pages, and the disk took
 * 3.2-4.0 ms per request, 1.0-1.2 GB/s; with each result inside one 2 MiB
 * transparent huge page it is one physically contiguous piece, and the
 * same reads took 1.5-1.7 ms per request, 1.6-1.9 GB/s. Fewer TLB misses
 * for the copies too.
 *
 * So the buffers come from 2 MiB regions, 2 MiB aligned, that the kernel
 * is asked to back with a huge page (madvise MADV_HUGEPAGE: the default
 * THP setting "madvise" honours it; where THP is off the buffers are
 * ordinary pages and all still works). Each region holds two buffers.
 * Buffers are reused (no page faults, no zeroing for the next read) and a
 * region whose two buffers are both free goes back to the kernel once
 * more than IOBUF_KEEP_IDLE buffers are idle, so the pool holds about as
 * many as the reads in flight need (bounded by -o max_read_ahead_mb) plus
 * a few.
 *
 * Thread-safe: one mutex. Regions are few (one per 2 MiB of reads in
 * flight), and found by a linear scan.
 */
#ifndef GLINT_CLIENT_IOBUF_H
#define GLINT_CLIENT_IOBUF_H

#include <stddef.h>
#include <stdint.h>

#define IOBUF_SIZE	 (1u << 20) /* one buffer: CLIENT_MAX_IO */
#define IOBUF_REGION	 (2u << 20) /* a huge page: two buffers */
#define IOBUF_KEEP_IDLE	 16	    /* idle buffers kept before regions go */

struct iobuf_pool;

struct iobuf_stats {
	uint64_t regions; /* mapped now */
	uint64_t idle;	  /* buffers free now */
	uint64_t maps;	  /* regions mapped, ever */
	uint64_t unmaps;  /* regions given back, ever */
};

/* NULL when out of memory. */
struct iobuf_pool *iobuf_pool_create(void);
/* Every buffer must have been put back. NULL is fine. */
void iobuf_pool_destroy(struct iobuf_pool *p);
/* A buffer of IOBUF_SIZE bytes, IOBUF_SIZE aligned (contents unspecified),
 * or NULL when no region can be mapped. */
uint8_t *iobuf_get(struct iobuf_pool *p);
/* Give back a buffer from iobuf_get of the same pool. */
void iobuf_put(struct iobuf_pool *p, uint8_t *buf);
void iobuf_stats_get(struct iobuf_pool *p, struct iobuf_stats *st);

#endif /* GLINT_CLIENT_IOBUF_H */
