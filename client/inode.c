/*
 * inode.c - the client's table of inodes (client_i.h).
 *
 * A cinode exists while the kernel holds a lookup reference (nlookup > 0,
 * balanced by FUSE forget) or an operation holds it (refs > 0). It caches
 * what the client must remember between operations: the layout of a
 * regular file, the size and mtime the MDS last reported (close-to-open:
 * open compares them to decide keep_cache), and the size and mtime of our
 * own writes not yet reported with CLOSE (dirty).
 *
 * The root (ino 1) is pinned: the kernel never looks it up or forgets it.
 * Operations on an ino the table does not hold (possible after a forget
 * raced with a request, or for the root) create an empty cinode that the
 * next MDS reply fills.
 *
 * Locking: the table mutex guards the hash, nlookup and refs; each
 * cinode's mutex guards its other fields. Never both in reverse order.
 *
 * Write-behind (io.c): a write in flight holds a reference, so a cinode
 * outlives its background writes. Its size grows when a write is
 * answered; the attributes handed to the kernel include the end of
 * writes still in flight (wb_end), since the kernel was told they are
 * done.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client_i.h"

#define INODE_BUCKETS_MIN 1024

int inode_table_init(struct inode_table *t)
{
	memset(t, 0, sizeof(*t));
	t->buckets = calloc(INODE_BUCKETS_MIN, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->nbuckets = INODE_BUCKETS_MIN;
	pthread_mutex_init(&t->mu, NULL);
	return 0;
}

static void inode_free(struct cinode *ci)
{
	pthread_mutex_destroy(&ci->mu);
	pthread_mutex_destroy(&ci->size_mu);
	pthread_cond_destroy(&ci->wb_cond);
	free(ci->layout);
	free(ci);
}

void inode_table_fini(struct inode_table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct cinode *ci = t->buckets[i], *next;

		for (; ci; ci = next) {
			next = ci->next;
			inode_free(ci);
		}
	}
	free(t->buckets);
	pthread_mutex_destroy(&t->mu);
	memset(t, 0, sizeof(*t));
}

static size_t inode_hash(uint64_t ino, size_t nbuckets)
{
	ino ^= ino >> 33;
	ino *= 0xff51afd7ed558ccdull;
	ino ^= ino >> 33;
	return (size_t)ino & (nbuckets - 1);
}

/* Double the buckets when the chains get long. Table lock held; on
 * allocation failure the table just stays slower. */
static void inode_grow(struct inode_table *t)
{
	size_t n = t->nbuckets * 2;
	struct cinode **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct cinode *ci = t->buckets[i], *next;

		for (; ci; ci = next) {
			size_t h = inode_hash(ci->ino, n);

			next = ci->next;
			ci->next = b[h];
			b[h] = ci;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

/* Table lock held. */
static struct cinode **inode_slot(struct inode_table *t, uint64_t ino)
{
	struct cinode **pp = &t->buckets[inode_hash(ino, t->nbuckets)];

	while (*pp && (*pp)->ino != ino)
		pp = &(*pp)->next;
	return pp;
}

/* Find or create ino with refs + 1 and nlookup + lookups. Table lock
 * held. */
static struct cinode *inode_find_locked(struct inode_table *t, uint64_t ino,
					uint64_t lookups)
{
	struct cinode **pp = inode_slot(t, ino), *ci = *pp;

	if (!ci) {
		ci = calloc(1, sizeof(*ci));
		if (!ci)
			return NULL;
		ci->ino = ino;
		inode_data_changed(ci);
		pthread_mutex_init(&ci->mu, NULL);
		pthread_mutex_init(&ci->size_mu, NULL);
		pthread_cond_init(&ci->wb_cond, NULL);
		ci->next = NULL;
		*pp = ci;
		if (++t->count > 2 * t->nbuckets)
			inode_grow(t);
	}
	ci->refs++;
	ci->nlookup += lookups;
	return ci;
}

/* Unlink and free ci if nothing holds it. Table lock held. */
static void inode_maybe_free(struct inode_table *t, struct cinode *ci)
{
	struct cinode **pp;

	if (ci->refs || ci->nlookup || ci->ino == FUSE_ROOT_ID)
		return;
	pp = inode_slot(t, ci->ino);
	if (*pp != ci)
		return;
	*pp = ci->next;
	t->count--;
	inode_free(ci);
}

struct cinode *inode_get(struct client *c, uint64_t ino)
{
	struct cinode *ci;

	pthread_mutex_lock(&c->itab.mu);
	ci = inode_find_locked(&c->itab, ino, 0);
	pthread_mutex_unlock(&c->itab.mu);
	return ci;
}

void inode_hold(struct client *c, struct cinode *ci)
{
	pthread_mutex_lock(&c->itab.mu);
	ci->refs++;
	pthread_mutex_unlock(&c->itab.mu);
}

void inode_put(struct client *c, struct cinode *ci)
{
	if (!ci)
		return;
	pthread_mutex_lock(&c->itab.mu);
	ci->refs--;
	inode_maybe_free(&c->itab, ci);
	pthread_mutex_unlock(&c->itab.mu);
}

struct cinode *inode_remember(struct client *c, const struct msg_entry *e)
{
	struct cinode *ci;

	pthread_mutex_lock(&c->itab.mu);
	ci = inode_find_locked(&c->itab, e->attr.ino, 1);
	pthread_mutex_unlock(&c->itab.mu);
	if (ci)
		inode_update(ci, e);
	return ci;
}

void inode_forget(struct client *c, uint64_t ino, uint64_t n)
{
	struct cinode *ci;

	pthread_mutex_lock(&c->itab.mu);
	ci = *inode_slot(&c->itab, ino);
	if (ci) {
		ci->nlookup = n < ci->nlookup ? ci->nlookup - n : 0;
		inode_maybe_free(&c->itab, ci);
	}
	pthread_mutex_unlock(&c->itab.mu);
}

/* Field by field: struct msg_stripe has padding, which memcmp would
 * compare too. */
static int layout_same(const struct msg_layout *a, const struct msg_layout *b)
{
	if (a->gen != b->gen || a->nstripes != b->nstripes ||
	    a->stripe_size != b->stripe_size || a->pattern != b->pattern)
		return 0;
	for (uint32_t i = 0; i < a->nstripes; i++)
		if (a->stripes[i].ost_idx != b->stripes[i].ost_idx ||
		    a->stripes[i].object_id != b->stripes[i].object_id)
			return 0;
	return 1;
}

static int time_same(const struct msg_time *a, const struct msg_time *b)
{
	return a->sec == b->sec && a->nsec == b->nsec;
}

static int inode_take_attrs(struct cinode *ci, const struct msg_entry *e,
			    int own)
{
	const struct msg_attr *a = &e->attr;
	int changed;

	pthread_mutex_lock(&ci->mu);
	ci->mode = a->mode;
	changed = ci->have_attr && (ci->mds_size != a->size ||
				    !time_same(&ci->mds_mtime, &a->mtime));
	ci->mds_size = a->size;
	ci->mds_mtime = a->mtime;
	ci->mds_ctime = a->ctime;
	ci->have_attr = 1;
	if (changed && !own) {
		ci->attr_changed = 1;
		inode_data_changed(ci);
	}
	if (!ci->dirty) {
		ci->size = a->size;
		ci->mtime = a->mtime;
	} else if (a->size > ci->size) {
		ci->size = a->size;
	}
	if (S_ISREG(a->mode) && e->layout.nstripes &&
	    (!ci->layout || !layout_same(ci->layout, &e->layout))) {
		struct msg_layout *l = malloc(sizeof(*l));

		if (l) {
			*l = e->layout;
			free(ci->layout);
			ci->layout = l;
		}
	}
	pthread_mutex_unlock(&ci->mu);
	return changed;
}

int inode_update(struct cinode *ci, const struct msg_entry *e)
{
	return inode_take_attrs(ci, e, 0);
}

int inode_update_own(struct cinode *ci, const struct msg_entry *e)
{
	return inode_take_attrs(ci, e, 1);
}

static uint64_t inode_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void inode_looked_up(struct cinode *ci, pid_t tid)
{
	uint64_t now = inode_now_ns();

	pthread_mutex_lock(&ci->mu);
	ci->lookup_ns = now;
	ci->lookup_tid = tid;
	pthread_mutex_unlock(&ci->mu);
}

int inode_open_fresh(struct cinode *ci, pid_t tid, uint64_t *size)
{
	uint64_t now = inode_now_ns();
	int r;

	pthread_mutex_lock(&ci->mu);
	r = ci->have_attr && ci->lookup_ns && ci->lookup_tid == tid &&
	    now - ci->lookup_ns < (uint64_t)CLIENT_OPEN_FRESH_MS * 1000000u;
	ci->lookup_ns = 0;
	*size = ci->mds_size;
	pthread_mutex_unlock(&ci->mu);
	return r;
}

int inode_take_changed(struct cinode *ci)
{
	int r;

	pthread_mutex_lock(&ci->mu);
	r = ci->attr_changed;
	ci->attr_changed = 0;
	pthread_mutex_unlock(&ci->mu);
	return r;
}

int inode_nocaps_get(struct cinode *ci, struct nocaps_snap *snap)
{
	int r;

	pthread_mutex_lock(&ci->mu);
	r = ci->have_attr && ci->nocaps &&
	    time_same(&ci->nocaps_ctime, &ci->mds_ctime);
	snap->ctime = ci->mds_ctime;
	snap->xattr_gen = ci->xattr_gen;
	pthread_mutex_unlock(&ci->mu);
	return r;
}

void inode_nocaps_set(struct cinode *ci, const struct nocaps_snap *snap)
{
	pthread_mutex_lock(&ci->mu);
	if (snap->xattr_gen == ci->xattr_gen) {
		ci->nocaps = 1;
		ci->nocaps_ctime = snap->ctime;
	}
	pthread_mutex_unlock(&ci->mu);
}

void inode_nocaps_clear(struct cinode *ci)
{
	pthread_mutex_lock(&ci->mu);
	ci->nocaps = 0;
	ci->xattr_gen++;
	pthread_mutex_unlock(&ci->mu);
}

void attr_to_stat(const struct msg_attr *a, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = a->ino;
	st->st_mode = a->mode;
	st->st_nlink = a->nlink;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_rdev = a->rdev;
	st->st_size = (off_t)a->size;
	st->st_blocks = (blkcnt_t)a->blocks;
	st->st_blksize = 4096;
	st->st_atim.tv_sec = a->atime.sec;
	st->st_atim.tv_nsec = a->atime.nsec;
	st->st_mtim.tv_sec = a->mtime.sec;
	st->st_mtim.tv_nsec = a->mtime.nsec;
	st->st_ctim.tv_sec = a->ctime.sec;
	st->st_ctim.tv_nsec = a->ctime.nsec;
}

void inode_stat(struct cinode *ci, const struct msg_entry *e, struct stat *st)
{
	const struct msg_attr *a = &e->attr;

	attr_to_stat(a, st);
	if (S_ISREG(a->mode) && e->layout.stripe_size &&
	    e->layout.stripe_size <= (4u << 20))
		st->st_blksize = e->layout.stripe_size;
	if (!ci)
		return;
	pthread_mutex_lock(&ci->mu);
	if (ci->silly)
		st->st_nlink = 0; /* unlinked, kept while open */
	if (ci->dirty) {
		/* Writes in flight count: the kernel was told they are done. */
		uint64_t size = ci->wb_head && ci->wb_end > ci->size ?
					ci->wb_end : ci->size;

		if ((off_t)size > st->st_size) {
			st->st_size = (off_t)size;
			if ((blkcnt_t)((size + 511) / 512) > st->st_blocks)
				st->st_blocks = (blkcnt_t)((size + 511) / 512);
		}
		st->st_mtim.tv_sec = ci->mtime.sec;
		st->st_mtim.tv_nsec = ci->mtime.nsec;
	}
	pthread_mutex_unlock(&ci->mu);
}

int inode_snapshot(struct cinode *ci, struct msg_layout **layout,
		   uint64_t *size)
{
	int rc = 0;

	*layout = NULL;
	pthread_mutex_lock(&ci->mu);
	*size = ci->size;
	if (ci->wb_head && ci->wb_end > *size)
		*size = ci->wb_end; /* what the kernel was told */
	if (!ci->layout) {
		rc = -EIO;
		goto out;
	}
	*layout = malloc(sizeof(**layout));
	if (!*layout) {
		rc = -ENOMEM;
		goto out;
	}
	**layout = *ci->layout;
out:
	pthread_mutex_unlock(&ci->mu);
	return rc;
}

/* Read cache generations: one counter for the process, so that no two
 * cinodes, also of one ino one after the other, ever share one. */
static _Atomic uint64_t inode_cgen_next = 1;

void inode_data_changed(struct cinode *ci)
{
	atomic_store(&ci->cgen, atomic_fetch_add(&inode_cgen_next, 1));
}

void inode_wrote(struct cinode *ci, uint64_t end)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&ci->mu);
	if (end > ci->size)
		ci->size = end;
	ci->mtime.sec = now.tv_sec;
	ci->mtime.nsec = (uint32_t)now.tv_nsec;
	ci->dirty = 1;
	ci->wgen++;
	pthread_mutex_unlock(&ci->mu);
}
