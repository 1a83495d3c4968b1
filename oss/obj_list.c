/*
 * obj_list.c - sorted snapshots of an OST's objects for OBJ_LIST
 * (obj_list.h).
 *
 * The snapshot is a growing array filled by objstore_iterate's callback,
 * sorted with qsort and deduplicated (a directory walk should not repeat a
 * name, but the wire promises strictly ascending pages, so it is made
 * sure). Its age is measured on CLOCK_MONOTONIC.
 */
#include "oss/obj_list.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "oss/objstore.h"

#define OBJ_LIST_INITIAL 1024 /* entries allocated by a first walk */

struct obj_list {
	struct objstore *os;	  /* borrowed */
	pthread_mutex_t mu;	  /* guards everything below */
	struct msg_obj_ref *snap; /* sorted snapshot, or NULL */
	size_t n;		  /* entries in snap */
	size_t cap;		  /* room in snap */
	uint64_t taken_s;	  /* CLOCK_MONOTONIC seconds of the walk */
};

static uint64_t obj_list_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static int obj_list_cmp(const void *a, const void *b)
{
	return msg_obj_ref_cmp(a, b);
}

/* objstore_iterate callback: append one object. */
static int obj_list_collect(uint64_t fid, uint32_t stripe_idx, void *arg)
{
	struct obj_list *l = arg;
	struct msg_obj_ref *grown;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : OBJ_LIST_INITIAL;
		grown = realloc(l->snap, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		l->snap = grown;
		l->cap = cap;
	}
	l->snap[l->n].object_id = fid;
	l->snap[l->n].stripe_idx = stripe_idx;
	l->n++;
	return 0;
}

static void obj_list_drop(struct obj_list *l)
{
	free(l->snap);
	l->snap = NULL;
	l->n = 0;
	l->cap = 0;
}

/* Walk the store into a fresh sorted snapshot. Called with mu held. */
static int obj_list_take(struct obj_list *l)
{
	size_t i, j;
	int rc;

	obj_list_drop(l);
	rc = objstore_iterate(l->os, obj_list_collect, l);
	if (rc) {
		log_msg(LOG_ERROR, "obj_list", "cannot list objects: %s",
			strerror(rc < 0 ? -rc : rc));
		obj_list_drop(l);
		return rc < 0 ? rc : -EIO;
	}
	if (l->n) /* snap is NULL for an empty store */
		qsort(l->snap, l->n, sizeof(*l->snap), obj_list_cmp);
	for (i = j = 0; i < l->n; i++)
		if (!j || msg_obj_ref_cmp(&l->snap[j - 1], &l->snap[i]))
			l->snap[j++] = l->snap[i];
	l->n = j;
	l->taken_s = obj_list_now_s();
	log_msg(LOG_DEBUG, "obj_list", "snapshot of %zu objects", l->n);
	return 0;
}

/* Index of the first entry strictly after *after. */
static size_t obj_list_upper(const struct obj_list *l,
			     const struct msg_obj_ref *after)
{
	size_t lo = 0, hi = l->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (msg_obj_ref_cmp(&l->snap[mid], after) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int obj_list_create(struct objstore *os, struct obj_list **out)
{
	struct obj_list *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->os = os;
	pthread_mutex_init(&l->mu, NULL);
	*out = l;
	return 0;
}

void obj_list_destroy(struct obj_list *l)
{
	if (!l)
		return;
	obj_list_drop(l);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int obj_list_page(struct obj_list *l, const struct msg_obj_ref *after,
		  uint32_t max, struct msg_obj_ref *out, uint32_t *count,
		  bool *eof)
{
	bool start = !after->object_id && !after->stripe_idx;
	size_t first, n;
	int rc = 0;

	*count = 0;
	*eof = false;
	pthread_mutex_lock(&l->mu);
	if (start || !l->snap ||
	    obj_list_now_s() - l->taken_s > OBJ_LIST_MAX_AGE_S) {
		rc = obj_list_take(l);
		if (rc)
			goto out;
	}
	first = obj_list_upper(l, after);
	n = l->n - first;
	if (n > max)
		n = max;
	if (n)
		memcpy(out, &l->snap[first], n * sizeof(*out));
	*count = (uint32_t)n;
	*eof = first + n == l->n;
	if (*eof)
		obj_list_drop(l); /* the listing is done: free the memory */
out:
	pthread_mutex_unlock(&l->mu);
	return rc;
}
