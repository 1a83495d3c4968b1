/*
 * test_iobuf.c - client/iobuf.c: buffers aligned, whole and distinct, two
 * per 2 MiB region, reused, regions given back once more than
 * IOBUF_KEEP_IDLE buffers are idle (and not before), threads taking and
 * giving back at once with every byte checked, and a buffer given back
 * twice or from elsewhere stopping the process.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/iobuf.h"
#include "tests/unit/check.h"

#define MANY 40

static void test_get_put(void)
{
	struct iobuf_pool *p = iobuf_pool_create();
	uint8_t *b[MANY];
	struct iobuf_stats st;

	CHECK(p);
	for (int i = 0; i < MANY; i++) {
		b[i] = iobuf_get(p);
		CHECK(b[i] && (uintptr_t)b[i] % IOBUF_SIZE == 0);
		memset(b[i], i + 1, IOBUF_SIZE); /* all of it is ours */
	}
	for (int i = 0; i < MANY; i++)
		for (int j = 0; j < MANY; j++)
			CHECK(i == j || b[i] != b[j]);
	for (int i = 0; i < MANY; i++) /* nothing written over */
		CHECK(b[i][0] == i + 1 && b[i][IOBUF_SIZE - 1] == i + 1);
	iobuf_stats_get(p, &st);
	CHECK(st.regions == MANY / 2 && st.maps == MANY / 2 && st.idle == 0);

	/* A buffer given back is the next one taken: no new region. */
	iobuf_put(p, b[7]);
	CHECK(iobuf_get(p) == b[7]);
	iobuf_stats_get(p, &st);
	CHECK(st.maps == MANY / 2);

	/* All back: regions go once more than IOBUF_KEEP_IDLE are idle. */
	for (int i = 0; i < MANY; i++)
		iobuf_put(p, b[i]);
	iobuf_stats_get(p, &st);
	CHECK(st.idle <= IOBUF_KEEP_IDLE + 1 && st.idle >= IOBUF_KEEP_IDLE - 1);
	CHECK(st.regions * 2 == st.idle);
	CHECK(st.unmaps == MANY / 2 - st.regions);

	/* Taken again: the kept regions first, then new ones. */
	for (int i = 0; i < MANY; i++)
		CHECK((b[i] = iobuf_get(p)) != NULL);
	iobuf_stats_get(p, &st);
	CHECK(st.regions == MANY / 2 && st.idle == 0);
	for (int i = 0; i < MANY; i++)
		iobuf_put(p, b[i]);
	iobuf_pool_destroy(p);
	iobuf_pool_destroy(NULL);
}

/* Few in use, taken and given back in turn: no region is ever given back
 * (the idle ones stay under the bound), none mapped past the first. */
static void test_steady(void)
{
	struct iobuf_pool *p = iobuf_pool_create();
	struct iobuf_stats st;

	for (int round = 0; round < 1000; round++) {
		uint8_t *a = iobuf_get(p), *b = iobuf_get(p), *c = iobuf_get(p);

		CHECK(a && b && c);
		iobuf_put(p, b);
		iobuf_put(p, a);
		iobuf_put(p, c);
	}
	iobuf_stats_get(p, &st);
	CHECK(st.maps == 2 && st.unmaps == 0 && st.idle == 4);
	iobuf_pool_destroy(p);
}

struct worker {
	struct iobuf_pool *p;
	int id;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (int round = 0; round < 200; round++) {
		uint8_t *b[3];
		uint8_t v = (uint8_t)(w->id * 50 + round);

		for (int i = 0; i < 3; i++) {
			b[i] = iobuf_get(w->p);
			if (!b[i])
				return (void *)1;
			memset(b[i], v + i, IOBUF_SIZE);
		}
		sched_yield();
		for (int i = 0; i < 3; i++) {
			for (size_t k = 0; k < IOBUF_SIZE; k += 4093)
				if (b[i][k] != (uint8_t)(v + i))
					return (void *)1; /* shared with another */
			iobuf_put(w->p, b[i]);
		}
	}
	return NULL;
}

static void test_threads(void)
{
	struct iobuf_pool *p = iobuf_pool_create();
	struct worker w[4];
	pthread_t t[4];
	struct iobuf_stats st;

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ p, i };
		CHECK(pthread_create(&t[i], NULL, worker_main, &w[i]) == 0);
	}
	for (int i = 0; i < 4; i++) {
		void *rc;

		pthread_join(t[i], &rc);
		CHECK(rc == NULL);
	}
	iobuf_stats_get(p, &st);
	CHECK(st.idle == st.regions * 2 && st.regions <= 6);
	iobuf_pool_destroy(p);
}

/* A buffer given back twice, or one that is not the pool's, aborts. */
static void test_bad_put(void)
{
	for (int how = 0; how < 2; how++) {
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			struct iobuf_pool *p = iobuf_pool_create();
			uint8_t *b = iobuf_get(p);
			static uint8_t other[16];

			if (how == 0) {
				iobuf_put(p, b);
				iobuf_put(p, b);
			} else {
				iobuf_put(p, other);
			}
			_exit(0);
		}
		CHECK(pid > 0);
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	}
}

int main(void)
{
	test_get_put();
	test_steady();
	test_threads();
	test_bad_put();
	if (failures) {
		fprintf(stderr, "test_iobuf: %d failures\n", failures);
		return 1;
	}
	printf("test_iobuf: ok\n");
	return 0;
}
