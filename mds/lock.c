/*
 * lock.c - the MDS's lock table (lock.h).
 *
 * Inodes with locks or waiters hang in a small hash table; an inode holds
 * its locks in one array (both kinds: a lock's kind is part of it) and its
 * waiters in a FIFO list. Invariant: the locks of one holder and kind never
 * overlap and never touch when of the same type (they are merged), so a
 * holder's set of ranges has one representation.
 *
 * lock_set builds the inode's new lock array aside and swaps it in, so an
 * allocation failure leaves the old state untouched. After any change that
 * may have released a range, the inode's waiters are retried in FIFO
 * order, skipping those still blocked (a waiter for another range does not
 * wait behind an unrelated one). A wake callback runs after its waiter was
 * taken off the list; it must not call back into the table.
 */
#include "mds/lock.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LOCK_BUCKETS 256

struct lock_waiter {
	struct lock_desc req;
	lock_wake_fn wake;
	void *arg;
	struct lock_waiter *next;
};

struct lock_inode {
	uint64_t ino;
	struct lock_desc *locks;	/* n locks, any order */
	size_t n, cap;
	struct lock_waiter *waiters;	/* FIFO */
	struct lock_inode *next;	/* hash chain */
};

struct lock_table {
	struct lock_inode *buckets[LOCK_BUCKETS];
	size_t nlocks;
	size_t nwaiters;
};

static struct lock_inode **lock_slot(struct lock_table *t, uint64_t ino)
{
	struct lock_inode **p = &t->buckets[(ino * 0x9e3779b97f4a7c15ull) >> 56];

	while (*p && (*p)->ino != ino)
		p = &(*p)->next;
	return p;
}

static struct lock_inode *lock_inode_get(struct lock_table *t, uint64_t ino,
					 bool create)
{
	struct lock_inode **p = lock_slot(t, ino);

	if (*p || !create)
		return *p;
	*p = calloc(1, sizeof(**p));
	if (*p)
		(*p)->ino = ino;
	return *p;
}

/* Free li when nothing hangs on it any more. */
static void lock_inode_gc(struct lock_table *t, struct lock_inode *li)
{
	struct lock_inode **p;

	if (li->n || li->waiters)
		return;
	p = lock_slot(t, li->ino);
	*p = li->next;
	free(li->locks);
	free(li);
}

static bool lock_same_holder(const struct lock_desc *a,
			     const struct lock_desc *b)
{
	return a->session == b->session && a->owner == b->owner;
}

static bool lock_overlap(const struct lock_desc *a, const struct lock_desc *b)
{
	return a->start <= b->end && b->start <= a->end;
}

/* Overlapping or directly adjacent. */
static bool lock_touch(const struct lock_desc *a, const struct lock_desc *b)
{
	if (lock_overlap(a, b))
		return true;
	if (a->end != UINT64_MAX && a->end + 1 == b->start)
		return true;
	return b->end != UINT64_MAX && b->end + 1 == a->start;
}

static int lock_check_req(struct lock_desc *req)
{
	if (req->kind != LOCK_KIND_FLOCK && req->kind != LOCK_KIND_POSIX)
		return -EINVAL;
	if (req->type > LOCK_TYPE_UN)
		return -EINVAL;
	if (req->kind == LOCK_KIND_FLOCK) {
		req->start = 0;
		req->end = UINT64_MAX;
	}
	if (req->start > req->end)
		return -EINVAL;
	return 0;
}

static const struct lock_desc *lock_conflict(const struct lock_inode *li,
					     const struct lock_desc *req)
{
	if (!li || req->type == LOCK_TYPE_UN)
		return NULL;
	for (size_t i = 0; i < li->n; i++) {
		const struct lock_desc *l = &li->locks[i];

		if (l->kind != req->kind || lock_same_holder(l, req))
			continue;
		if (!lock_overlap(l, req))
			continue;
		if (l->type == LOCK_TYPE_WR || req->type == LOCK_TYPE_WR)
			return l;
	}
	return NULL;
}

static int lock_push(struct lock_desc **arr, size_t *n, size_t *cap,
		     const struct lock_desc *l)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 4;
		struct lock_desc *a = realloc(*arr, c * sizeof(*a));

		if (!a)
			return -ENOMEM;
		*arr = a;
		*cap = c;
	}
	(*arr)[(*n)++] = *l;
	return 0;
}

/* Apply req (checked, no conflict) to li's holder ranges. */
static int lock_apply(struct lock_table *t, struct lock_inode *li,
		      const struct lock_desc *req)
{
	struct lock_desc *out = NULL, nl = *req, part;
	size_t n = 0, cap = 0;
	int rc = 0;

	for (size_t i = 0; i < li->n && !rc; i++) {
		const struct lock_desc *l = &li->locks[i];

		if (l->kind != req->kind || !lock_same_holder(l, req)) {
			rc = lock_push(&out, &n, &cap, l);
			continue;
		}
		if (req->type != LOCK_TYPE_UN && l->type == req->type &&
		    lock_touch(l, &nl)) {
			/* Merge: holder ranges are disjoint, so the grown
			 * range overlaps no other lock of this holder. */
			if (l->start < nl.start)
				nl.start = l->start;
			if (l->end > nl.end)
				nl.end = l->end;
			continue;
		}
		if (!lock_overlap(l, req)) {
			rc = lock_push(&out, &n, &cap, l);
			continue;
		}
		if (l->start < req->start) {
			part = *l;
			part.end = req->start - 1;
			rc = lock_push(&out, &n, &cap, &part);
		}
		if (!rc && l->end > req->end) {
			part = *l;
			part.start = req->end + 1;
			rc = lock_push(&out, &n, &cap, &part);
		}
	}
	if (!rc && req->type != LOCK_TYPE_UN)
		rc = lock_push(&out, &n, &cap, &nl);
	if (rc) {
		free(out);
		return rc;
	}
	t->nlocks = t->nlocks - li->n + n;
	free(li->locks);
	li->locks = out;
	li->n = n;
	li->cap = cap;
	return 0;
}

/* Grant every waiter of li that no longer conflicts, in FIFO order. */
static void lock_retry_waiters(struct lock_table *t, struct lock_inode *li)
{
	struct lock_waiter **p = &li->waiters, *w;
	int rc;

	while ((w = *p)) {
		if (lock_conflict(li, &w->req)) {
			p = &w->next;
			continue;
		}
		rc = lock_apply(t, li, &w->req);
		*p = w->next;
		t->nwaiters--;
		w->wake(w->arg, &w->req, rc);
		free(w);
	}
}

int lock_table_create(struct lock_table **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void lock_table_destroy(struct lock_table *t)
{
	struct lock_inode *li, *next;
	struct lock_waiter *w;

	if (!t)
		return;
	for (size_t b = 0; b < LOCK_BUCKETS; b++) {
		for (li = t->buckets[b]; li; li = next) {
			next = li->next;
			while ((w = li->waiters)) {
				li->waiters = w->next;
				w->wake(w->arg, &w->req, -ECANCELED);
				free(w);
			}
			free(li->locks);
			free(li);
		}
	}
	free(t);
}

int lock_test(struct lock_table *t, const struct lock_desc *req,
	      struct lock_desc *conflict)
{
	struct lock_desc r = *req;
	const struct lock_desc *l;
	int rc = lock_check_req(&r);

	if (rc)
		return rc;
	if (r.type == LOCK_TYPE_UN)
		return -EINVAL;
	l = lock_conflict(lock_inode_get(t, r.ino, false), &r);
	if (l) {
		*conflict = *l;
	} else {
		*conflict = r;
		conflict->type = LOCK_TYPE_UN;
	}
	return 0;
}

static int lock_set_common(struct lock_table *t, const struct lock_desc *req,
			   lock_wake_fn wake, void *arg)
{
	struct lock_desc r = *req;
	struct lock_waiter *w, **p;
	struct lock_inode *li;
	int rc = lock_check_req(&r);

	if (rc)
		return rc;
	li = lock_inode_get(t, r.ino, r.type != LOCK_TYPE_UN);
	if (!li)
		return r.type == LOCK_TYPE_UN ? 0 : -ENOMEM;
	if (lock_conflict(li, &r)) {
		if (!wake)
			return -EAGAIN;
		w = calloc(1, sizeof(*w));
		if (!w) {
			lock_inode_gc(t, li);
			return -ENOMEM;
		}
		w->req = r;
		w->wake = wake;
		w->arg = arg;
		for (p = &li->waiters; *p; p = &(*p)->next)
			;
		*p = w;
		t->nwaiters++;
		return 1;
	}
	rc = lock_apply(t, li, &r);
	if (!rc)
		lock_retry_waiters(t, li);
	lock_inode_gc(t, li);
	return rc;
}

int lock_set(struct lock_table *t, const struct lock_desc *req)
{
	return lock_set_common(t, req, NULL, NULL);
}

int lock_set_wait(struct lock_table *t, const struct lock_desc *req,
		  lock_wake_fn wake, void *arg)
{
	return lock_set_common(t, req, wake, arg);
}

void lock_drop_session(struct lock_table *t, uint64_t session)
{
	struct lock_waiter *dropped = NULL, *w, **p;
	struct lock_inode *li, *next;
	size_t i, n;

	for (size_t b = 0; b < LOCK_BUCKETS; b++) {
		for (li = t->buckets[b]; li; li = next) {
			next = li->next;
			for (i = 0, n = 0; i < li->n; i++)
				if (li->locks[i].session != session)
					li->locks[n++] = li->locks[i];
			t->nlocks -= li->n - n;
			li->n = n;
			p = &li->waiters;
			while ((w = *p)) {
				if (w->req.session != session) {
					p = &w->next;
					continue;
				}
				*p = w->next;
				t->nwaiters--;
				w->next = dropped;
				dropped = w;
			}
			lock_retry_waiters(t, li);
			lock_inode_gc(t, li);
		}
	}
	while ((w = dropped)) {
		dropped = w->next;
		w->wake(w->arg, &w->req, -EINTR);
		free(w);
	}
}

size_t lock_count(const struct lock_table *t)
{
	return t->nlocks;
}

size_t lock_waiters(const struct lock_table *t)
{
	return t->nwaiters;
}
