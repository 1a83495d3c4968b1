/*
 * test_lock.c - the MDS lock table (mds/lock.h): conflicts between
 * holders, POSIX range splitting and merging per holder, flock, GETLK,
 * blocked waiters granted on release and dropped with their session.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mds/lock.h"
#include "tests/unit/check.h"

#define END UINT64_MAX

static struct lock_desc mk(uint64_t session, uint64_t owner, uint8_t kind,
			   uint8_t type, uint64_t start, uint64_t end)
{
	return (struct lock_desc){ .ino = 42, .kind = kind, .type = type,
				   .session = session, .owner = owner,
				   .pid = (uint32_t)(100 + owner),
				   .start = start, .end = end };
}

static int px(struct lock_table *t, uint64_t s, uint64_t o, uint8_t type,
	      uint64_t a, uint64_t b)
{
	struct lock_desc d = mk(s, o, LOCK_KIND_POSIX, type, a, b);

	return lock_set(t, &d);
}

/* The conflicting lock for a probe, or type UN. */
static struct lock_desc probe(struct lock_table *t, uint64_t s, uint64_t o,
			      uint8_t type, uint64_t a, uint64_t b)
{
	struct lock_desc d = mk(s, o, LOCK_KIND_POSIX, type, a, b), c;

	memset(&c, 0, sizeof(c));
	CHECK(lock_test(t, &d, &c) == 0);
	return c;
}

/* Whether byte x is write-locked by holder (s, o): probe as another. */
static int held_wr(struct lock_table *t, uint64_t x)
{
	return probe(t, 99, 99, LOCK_TYPE_RD, x, x).type == LOCK_TYPE_WR;
}

static void test_conflicts(void)
{
	struct lock_table *t;
	struct lock_desc c;

	CHECK(lock_table_create(&t) == 0);
	CHECK(px(t, 1, 1, LOCK_TYPE_WR, 0, 99) == 0);
	CHECK(px(t, 2, 1, LOCK_TYPE_RD, 50, 60) == -EAGAIN); /* other session */
	CHECK(px(t, 1, 2, LOCK_TYPE_RD, 50, 60) == -EAGAIN); /* other owner */
	CHECK(px(t, 2, 1, LOCK_TYPE_WR, 100, 200) == 0);     /* adjacent */
	CHECK(px(t, 1, 1, LOCK_TYPE_RD, 10, 20) == 0);	     /* own: fine */
	c = probe(t, 3, 3, LOCK_TYPE_RD, 95, 105);
	CHECK(c.type == LOCK_TYPE_WR && c.session == 1 && c.start == 21 &&
	      c.end == 99 && c.pid == 101);
	c = probe(t, 3, 3, LOCK_TYPE_RD, 10, 20);
	CHECK(c.type == LOCK_TYPE_UN); /* readers share */
	c = probe(t, 3, 3, LOCK_TYPE_WR, 10, 20);
	CHECK(c.type == LOCK_TYPE_RD && c.start == 10 && c.end == 20);
	c = probe(t, 1, 1, LOCK_TYPE_WR, 0, 99);
	CHECK(c.type == LOCK_TYPE_UN); /* own locks never conflict */
	/* bad requests */
	CHECK(px(t, 1, 1, LOCK_TYPE_WR, 10, 5) == -EINVAL);
	CHECK(px(t, 1, 1, 7, 0, 5) == -EINVAL);
	lock_table_destroy(t);
}

static void test_split_merge(void)
{
	struct lock_table *t;

	CHECK(lock_table_create(&t) == 0);
	CHECK(px(t, 1, 1, LOCK_TYPE_WR, 0, 99) == 0);
	CHECK(lock_count(t) == 1);
	/* unlock the middle: two pieces */
	CHECK(px(t, 1, 1, LOCK_TYPE_UN, 40, 59) == 0);
	CHECK(lock_count(t) == 2);
	CHECK(held_wr(t, 39) && !held_wr(t, 40) && !held_wr(t, 59) &&
	      held_wr(t, 60) && held_wr(t, 0) && held_wr(t, 99));
	/* relock the hole: merges back into one */
	CHECK(px(t, 1, 1, LOCK_TYPE_WR, 40, 59) == 0);
	CHECK(lock_count(t) == 1);
	/* adjacent ranges of the same type merge */
	CHECK(px(t, 1, 1, LOCK_TYPE_WR, 100, 120) == 0);
	CHECK(lock_count(t) == 1);
	CHECK(probe(t, 5, 5, LOCK_TYPE_RD, 120, 120).end == 120);
	CHECK(probe(t, 5, 5, LOCK_TYPE_RD, 120, 120).start == 0);
	/* a read lock in the middle splits the write lock in three */
	CHECK(px(t, 1, 1, LOCK_TYPE_RD, 50, 60) == 0);
	CHECK(lock_count(t) == 3);
	CHECK(probe(t, 5, 5, LOCK_TYPE_RD, 55, 55).type == LOCK_TYPE_UN);
	CHECK(probe(t, 5, 5, LOCK_TYPE_WR, 55, 55).type == LOCK_TYPE_RD);
	/* overlapping a read range with write over both ends */
	CHECK(px(t, 1, 1, LOCK_TYPE_WR, 45, 65) == 0);
	CHECK(lock_count(t) == 1);
	/* to-EOF lock and unlock of everything */
	CHECK(px(t, 1, 1, LOCK_TYPE_WR, 1000, END) == 0);
	CHECK(held_wr(t, END) && held_wr(t, 5000));
	CHECK(px(t, 1, 1, LOCK_TYPE_UN, 0, END) == 0);
	CHECK(lock_count(t) == 0);
	/* unlock of nothing is fine */
	CHECK(px(t, 1, 1, LOCK_TYPE_UN, 0, 10) == 0);
	/* other holders' locks are untouched by our unlock */
	CHECK(px(t, 2, 2, LOCK_TYPE_RD, 0, 10) == 0);
	CHECK(px(t, 1, 1, LOCK_TYPE_RD, 0, 10) == 0);
	CHECK(px(t, 1, 1, LOCK_TYPE_UN, 0, END) == 0);
	CHECK(lock_count(t) == 1);
	CHECK(probe(t, 3, 3, LOCK_TYPE_WR, 5, 5).session == 2);
	lock_table_destroy(t);
}

static void test_flock(void)
{
	struct lock_table *t;
	struct lock_desc a = mk(1, 1, LOCK_KIND_FLOCK, LOCK_TYPE_WR, 7, 8);
	struct lock_desc b = mk(2, 2, LOCK_KIND_FLOCK, LOCK_TYPE_RD, 0, 0);
	struct lock_desc p = mk(2, 2, LOCK_KIND_POSIX, LOCK_TYPE_WR, 0, 10);
	struct lock_desc c;

	CHECK(lock_table_create(&t) == 0);
	CHECK(lock_set(t, &a) == 0);
	CHECK(lock_set(t, &b) == -EAGAIN); /* whole file, any range given */
	CHECK(lock_set(t, &p) == 0);	   /* POSIX and flock do not mix */
	CHECK(lock_test(t, &b, &c) == 0 && c.type == LOCK_TYPE_WR &&
	      c.start == 0 && c.end == END && c.owner == 1);
	a.type = LOCK_TYPE_RD; /* convert to shared */
	CHECK(lock_set(t, &a) == 0);
	CHECK(lock_set(t, &b) == 0);
	CHECK(lock_count(t) == 3);
	lock_table_destroy(t);
}

struct woke {
	int calls;
	int result;
};

static void on_wake(void *arg, const struct lock_desc *req, int result)
{
	struct woke *w = arg;

	(void)req;
	w->calls++;
	w->result = result;
}

static void test_waiters(void)
{
	struct lock_table *t;
	struct woke w1 = { 0 }, w2 = { 0 }, w3 = { 0 };
	struct lock_desc r1 = mk(2, 2, LOCK_KIND_POSIX, LOCK_TYPE_WR, 0, 10);
	struct lock_desc r2 = mk(3, 3, LOCK_KIND_POSIX, LOCK_TYPE_WR, 50, 60);
	struct lock_desc r3 = mk(4, 4, LOCK_KIND_POSIX, LOCK_TYPE_RD, 0, 0);

	CHECK(lock_table_create(&t) == 0);
	CHECK(px(t, 1, 1, LOCK_TYPE_WR, 0, 100) == 0);
	CHECK(lock_set_wait(t, &r1, on_wake, &w1) == 1);
	CHECK(lock_set_wait(t, &r2, on_wake, &w2) == 1);
	CHECK(lock_set_wait(t, &r3, on_wake, &w3) == 1);
	CHECK(lock_waiters(t) == 3);
	/* releasing 40..100 frees r2's range only */
	CHECK(px(t, 1, 1, LOCK_TYPE_UN, 40, 100) == 0);
	CHECK(w2.calls == 1 && w2.result == 0 && w1.calls == 0);
	CHECK(probe(t, 9, 9, LOCK_TYPE_RD, 55, 55).session == 3);
	/* session 4 goes away: its waiter is dropped with -EINTR */
	lock_drop_session(t, 4);
	CHECK(w3.calls == 1 && w3.result == -EINTR);
	/* session 1 goes away: r1 is granted */
	lock_drop_session(t, 1);
	CHECK(w1.calls == 1 && w1.result == 0);
	CHECK(lock_waiters(t) == 0);
	CHECK(probe(t, 9, 9, LOCK_TYPE_RD, 5, 5).session == 2);
	/* granted at once when free */
	r3.start = r3.end = 20;
	CHECK(lock_set_wait(t, &r3, on_wake, &w3) == 0 && w3.calls == 1);
	/* destroy cancels what still waits */
	r1.session = 7;
	r1.owner = 7;
	w1.calls = 0;
	CHECK(lock_set_wait(t, &r1, on_wake, &w1) == 1);
	lock_table_destroy(t);
	CHECK(w1.calls == 1 && w1.result == -ECANCELED);
}

int main(void)
{
	test_conflicts();
	test_split_merge();
	test_flock();
	test_waiters();
	if (failures) {
		fprintf(stderr, "test_lock: %d failures\n", failures);
		return 1;
	}
	printf("test_lock: ok\n");
	return 0;
}
