/*
 * group_commit.h - batch the metadata operations of one loop pass into one
 * LMDB write transaction.
 *
 * A handler submits a struct gc_req (embedded in its own request state)
 * instead of touching the store. At the end of the loop pass (an ev_prepare
 * watcher, which libev runs right before it would block), the batch runs:
 * one top-level write txn is begun, each request's apply() runs in a child
 * txn of its own (committed when apply returns 0, aborted otherwise, so a
 * failing request leaves no trace and spoils no other), the top-level txn
 * commits once (one fsync in persistent mode), and only then each
 * request's done() runs with its final status: apply's result, or the
 * commit's error for requests that had succeeded. Replies are sent from
 * done(), so nothing is acknowledged before it is durable.
 *
 * Requests submitted while a batch runs (from apply or done) go to the next
 * batch. Read-only requests go through the batch too, so they always see
 * committed state plus the changes of requests before them.
 *
 * The module also times loop passes: a pass (from the ev_check that follows
 * the loop's wakeup to the ev_prepare before it blocks again) longer than
 * GC_SLOW_PASS_MS is logged as a warning (rate-limited).
 *
 * Threading: the loop's thread only. Ownership: a submitted gc_req is
 * borrowed until its done() runs; done() may free it.
 */
#ifndef GLINT_MDS_GROUP_COMMIT_H
#define GLINT_MDS_GROUP_COMMIT_H

#include <stdint.h>

#include "mds/store.h"

struct ev_loop;
struct group_commit; /* opaque */
struct gc_req;

#define GC_SLOW_PASS_MS 200

/* Run inside the batch with a child txn of its own: 0 keeps its changes,
 * -errno drops them and becomes the request's status. */
typedef int (*gc_apply_fn)(struct gc_req *r, struct store_txn *txn);
/* After the commit: status is 0 or -errno. May free r. */
typedef void (*gc_done_fn)(struct gc_req *r, int status);

struct gc_req {
	gc_apply_fn apply;   /* set by the submitter */
	gc_done_fn done;     /* set by the submitter */
	int status;	     /* group commit's own: apply's result */
	struct gc_req *next; /* group commit's own: batch list */
};

/* Statistics, for logs and tests. */
struct gc_stats {
	uint64_t batches; /* top-level commits */
	uint64_t reqs;	  /* requests applied */
	uint32_t max_batch; /* most requests in one batch */
};

/* Start the watchers on loop. st is borrowed until destroy. */
int group_commit_create(struct ev_loop *loop, struct store *st,
			struct group_commit **out);

/* Run what is still queued, stop the watchers and free. NULL is fine. */
void group_commit_destroy(struct group_commit *gc);

/* Queue r for the batch of this loop pass. */
void group_commit_submit(struct group_commit *gc, struct gc_req *r);

/* Run the queued batch now (also what the ev_prepare hook does). */
void group_commit_flush(struct group_commit *gc);

void group_commit_stats(const struct group_commit *gc, struct gc_stats *out);

#endif /* GLINT_MDS_GROUP_COMMIT_H */
