/*
 * test_rcache.c - client/rcache.c: hits and misses by inode, chunk and
 * generation, a chunk admitted at its second miss (a ghost first),
 * entries cut short by the end of a file, the byte budget and its LRU
 * order, replacement, refused inserts (freed: ASan checks), and threads
 * reading and inserting at once, every byte checked.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/rcache.h"
#include "tests/unit/check.h"

/* The byte at off of (ino, gen)'s data: every entry differs. */
static uint8_t pat(uint64_t ino, uint64_t gen, uint64_t off)
{
	return (uint8_t)(ino * 131 + gen * 7 + off * 31 + (off >> 8));
}

static uint8_t *chunk(uint64_t ino, uint64_t gen, uint64_t chunk_off,
		      size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	for (size_t i = 0; i < len; i++)
		b[i] = pat(ino, gen, chunk_off + i);
	return b;
}

static int same(const uint8_t *b, uint64_t ino, uint64_t gen, uint64_t off,
		size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (b[i] != pat(ino, gen, off + i))
			return 0;
	return 1;
}

#define CH RCACHE_CHUNK
#define COST (CH + 128) /* rcache.c's charge for a whole chunk */

static void test_basic(void)
{
	struct rcache *rc = rcache_create(64ull << 20);
	struct rcache_stats st;
	uint8_t buf[CH];

	CHECK(rcache_create(0) == NULL);
	CHECK(rc != NULL);
	/* First sight: -ENOENT (a ghost now); again: -EAGAIN until inserted. */
	CHECK(rcache_read(rc, 5, 1, 3 * CH, 4096, buf) == -ENOENT);
	CHECK(rcache_read(rc, 5, 1, 3 * CH + 8192, 4096, buf) == -EAGAIN);
	CHECK(rcache_read(rc, 5, 1, 3 * CH, 4096, buf) == -EAGAIN);
	rcache_stats_get(rc, &st);
	CHECK(st.ghosts == 1 && st.misses == 3 && st.ghosts_held == 1);
	CHECK(st.entries == 0 && st.bytes == 0 && st.inserts == 0);
	rcache_insert(rc, 5, 1, 3 * CH, chunk(5, 1, 3 * CH, CH), CH);
	CHECK(rcache_read(rc, 5, 1, 3 * CH, 4096, buf) == 4096);
	CHECK(same(buf, 5, 1, 3 * CH, 4096));
	CHECK(rcache_read(rc, 5, 1, 3 * CH + 12345, 999, buf) == 999);
	CHECK(same(buf, 5, 1, 3 * CH + 12345, 999));
	CHECK(rcache_read(rc, 5, 1, 3 * CH, CH, buf) == CH);
	CHECK(same(buf, 5, 1, 3 * CH, CH));
	CHECK(rcache_read(rc, 5, 1, 4 * CH - 10, 10, buf) == 10);
	/* Other chunk, other inode: misses. Crossing a chunk: refused. */
	CHECK(rcache_read(rc, 5, 1, 2 * CH, 4096, buf) == -ENOENT);
	CHECK(rcache_read(rc, 6, 1, 3 * CH, 4096, buf) == -ENOENT);
	CHECK(rcache_read(rc, 5, 1, 4 * CH - 10, 11, buf) == -EINVAL);
	rcache_stats_get(rc, &st);
	CHECK(st.hits == 4 && st.misses == 5 && st.inserts == 1);
	CHECK(st.entries == 1 && st.bytes == COST && st.ghosts_held == 2);
	/* Another generation: a miss that drops the entry (a ghost of the
	 * new one instead), and the old generation's entry is gone too. */
	CHECK(rcache_read(rc, 5, 2, 3 * CH, 4096, buf) == -ENOENT);
	CHECK(rcache_read(rc, 5, 1, 3 * CH, 4096, buf) == -ENOENT);
	rcache_stats_get(rc, &st);
	CHECK(st.stale == 2 && st.entries == 0 && st.bytes == 0);
	CHECK(st.ghosts_held == 3);
	/* Replacing: one entry, the new data. */
	rcache_insert(rc, 5, 2, 0, chunk(5, 2, 0, CH), CH);
	rcache_insert(rc, 5, 3, 0, chunk(5, 3, 0, CH), CH);
	CHECK(rcache_read(rc, 5, 3, 100, 200, buf) == 200);
	CHECK(same(buf, 5, 3, 100, 200));
	rcache_stats_get(rc, &st);
	CHECK(st.entries == 1 && st.ghosts_held == 3);
	/* Refused (and freed): unaligned, too long. */
	rcache_insert(rc, 7, 1, 100, chunk(7, 1, 100, 10), 10);
	rcache_insert(rc, 7, 1, 0, chunk(7, 1, 0, CH + 1), CH + 1);
	CHECK(rcache_read(rc, 7, 1, 0, 10, buf) == -ENOENT);
	rcache_stats_get(rc, &st);
	CHECK(st.inserts == 3);
	rcache_destroy(rc); /* frees the entry left: ASan would tell */
	rcache_destroy(NULL);
}

static void test_short(void)
{
	struct rcache *rc = rcache_create(64ull << 20);
	uint8_t buf[CH];

	/* The file ends 5000 bytes into its chunk at 2 * CH. */
	rcache_insert(rc, 9, 4, 2 * CH, chunk(9, 4, 2 * CH, 5000), 5000);
	CHECK(rcache_read(rc, 9, 4, 2 * CH, 4096, buf) == 4096);
	CHECK(rcache_read(rc, 9, 4, 2 * CH + 4096, 4096, buf) == 904);
	CHECK(same(buf, 9, 4, 2 * CH + 4096, 904));
	CHECK(rcache_read(rc, 9, 4, 2 * CH + 5000, 4096, buf) == 0);
	CHECK(rcache_read(rc, 9, 4, 2 * CH + 8192, 100, buf) == 0);
	/* An empty file's chunk: every read is at the end. */
	rcache_insert(rc, 10, 1, 0, chunk(10, 1, 0, 0), 0);
	CHECK(rcache_read(rc, 10, 1, 0, 4096, buf) == 0);
	rcache_destroy(rc);
}

static void test_budget_lru(void)
{
	/* Room for two whole chunks per shard. */
	struct rcache *rc = rcache_create((uint64_t)RCACHE_SHARDS * 2 * COST);
	struct rcache_stats st;
	uint8_t buf[64];
	int kept = 1;

	rcache_insert(rc, 1, 1, 0, chunk(1, 1, 0, CH), CH);
	for (uint64_t i = 1; i <= 400; i++) {
		/* Ghosts cost their header only: they evict nothing here. */
		/* Touch the first entry before each insert: with LRU it is
		 * never the oldest of its shard, so it is never evicted. */
		kept &= rcache_read(rc, 1, 1, 0, sizeof(buf), buf) ==
			(ssize_t)sizeof(buf);
		rcache_insert(rc, 2, 1, i * CH, chunk(2, 1, i * CH, CH), CH);
		rcache_stats_get(rc, &st);
		CHECK(st.bytes <= (uint64_t)RCACHE_SHARDS * 2 * COST);
	}
	CHECK(kept);
	rcache_stats_get(rc, &st);
	CHECK(st.ghosts == 0);
	CHECK(st.entries <= 2 * RCACHE_SHARDS && st.entries >= RCACHE_SHARDS);
	CHECK(st.evictions == st.inserts - st.entries);
	CHECK(st.evictions >= 400 - 2 * RCACHE_SHARDS);
	/* The newest of inode 2 are still there, the oldest gone. */
	CHECK(rcache_read(rc, 2, 1, 400 * CH, 8, buf) == 8);
	CHECK(same(buf, 2, 1, 400 * CH, 8));
	CHECK(rcache_read(rc, 2, 1, 1 * CH, 8, buf) == -ENOENT);
	rcache_destroy(rc);

	/* Ghosts are bounded: room for no chunk gives 16 per shard (the
	 * floor), the oldest dropped first. */
	rc = rcache_create(RCACHE_SHARDS * 10 * 128);
	for (uint64_t i = 0; i < 1000; i++)
		CHECK(rcache_read(rc, 3, 1, i * CH, 8, buf) == -ENOENT);
	rcache_stats_get(rc, &st);
	CHECK(st.ghosts == 1000 && st.ghosts_held == 16 * RCACHE_SHARDS);
	CHECK(st.entries == 0 && st.bytes == 0 && st.evictions == 0);
	CHECK(rcache_read(rc, 3, 1, 999 * CH, 8, buf) == -EAGAIN);
	CHECK(rcache_read(rc, 3, 1, 0, 8, buf) == -ENOENT);
	rcache_destroy(rc);

	/* Smaller than one chunk per shard: nothing is kept, nothing leaks. */
	rc = rcache_create(RCACHE_SHARDS * 1024);
	CHECK(rc != NULL);
	rcache_insert(rc, 1, 1, 0, chunk(1, 1, 0, CH), CH);
	CHECK(rcache_read(rc, 1, 1, 0, 8, buf) == -ENOENT);
	rcache_destroy(rc);
}

struct worker {
	struct rcache *rc;
	unsigned seed;
	int bad;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint8_t buf[CH];

	for (int i = 0; i < 20000; i++) {
		uint64_t ino = rand_r(&w->seed) % 4 + 1;
		uint64_t idx = rand_r(&w->seed) % 64;
		/* Generations change now and then, as writes would. */
		uint64_t gen = (uint64_t)(i / 5000) + ino;
		uint64_t off = idx * CH + rand_r(&w->seed) % (CH - 4096);
		ssize_t n = rcache_read(w->rc, ino, gen, off, 4096, buf);

		if (n == -EAGAIN)
			rcache_insert(w->rc, ino, gen, idx * CH,
				      chunk(ino, gen, idx * CH, CH), CH);
		else if (n != -ENOENT &&
			 (n != 4096 || !same(buf, ino, gen, off, 4096)))
			w->bad++;
	}
	return NULL;
}

static void test_threads(void)
{
	/* About half the 256 chunks fit: hits, misses and evictions. */
	struct rcache *rc = rcache_create(128ull * COST);
	struct worker w[4];
	pthread_t t[4];
	struct rcache_stats st;

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .rc = rc, .seed = (unsigned)i + 1 };
		pthread_create(&t[i], NULL, worker_main, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK(w[i].bad == 0);
	}
	rcache_stats_get(rc, &st);
	CHECK(st.hits > 0 && st.misses > 0 && st.evictions > 0);
	CHECK(st.ghosts > 0 && st.inserts > 0);
	CHECK(st.hits + st.misses == 4 * 20000);
	CHECK(st.bytes <= 128ull * COST);
	rcache_destroy(rc);
}

/* rcache_clear: entries and ghosts gone (freed: ASan), counts kept, the
 * cache usable after. */
static void test_clear(void)
{
	struct rcache *rc = rcache_create(64ull << 20);
	struct rcache_stats st;
	uint8_t buf[CH];

	for (uint64_t k = 0; k < 8; k++)
		rcache_insert(rc, 9, 1, k * CH, chunk(9, 1, k * CH, CH), CH);
	CHECK(rcache_read(rc, 9, 1, 20 * CH, 10, buf) == -ENOENT); /* ghost */
	CHECK(rcache_read(rc, 9, 1, 2 * CH, 10, buf) == 10);
	rcache_clear(rc);
	rcache_stats_get(rc, &st);
	CHECK(st.entries == 0 && st.bytes == 0 && st.ghosts_held == 0);
	CHECK(st.inserts == 8 && st.hits == 1);
	CHECK(rcache_read(rc, 9, 1, 2 * CH, 10, buf) == -ENOENT);
	CHECK(rcache_read(rc, 9, 1, 20 * CH, 10, buf) == -ENOENT);
	rcache_insert(rc, 9, 1, 2 * CH, chunk(9, 1, 2 * CH, CH), CH);
	CHECK(rcache_read(rc, 9, 1, 2 * CH + 5, 100, buf) == 100);
	CHECK(same(buf, 9, 1, 2 * CH + 5, 100));
	rcache_clear(NULL);
	rcache_destroy(rc);
}

int main(void)
{
	test_basic();
	test_clear();
	test_short();
	test_budget_lru();
	test_threads();
	if (failures) {
		fprintf(stderr, "test_rcache: %d failures\n", failures);
		return 1;
	}
	printf("test_rcache: ok\n");
	return 0;
}
