/*
 * group_commit.c - one write transaction per loop pass (group_commit.h).
 *
 * The queue is a singly linked FIFO. The ev_prepare hook takes the whole
 * queue, so requests queued by done() callbacks (a lock grant, a destroyer
 * round) wait for the next pass instead of growing this one without end.
 * An ev_check watcher marks the start of each pass for the slow-pass log.
 *
 * If the top-level txn cannot even begin (map full, I/O error), every
 * request of the batch fails with that error; if the commit fails, every
 * request that had succeeded fails with the commit's error, since none of
 * its changes survived.
 */
#include "mds/group_commit.h"

#include <errno.h>
#include <ev.h>
#include <stdlib.h>

#include "common/log.h"

struct group_commit {
	struct ev_loop *loop;
	struct store *st;	/* borrowed */
	ev_prepare prepare;	/* runs the batch before the loop blocks */
	ev_check check;		/* marks the start of a loop pass */
	ev_idle idle;		/* keeps the loop from blocking while queued */
	struct gc_req *head;	/* queued requests, FIFO */
	struct gc_req **tail;
	ev_tstamp pass_start;	/* ev_time() at the wakeup; 0 = unknown */
	struct gc_stats stats;
};

static void gc_run(struct group_commit *gc, struct gc_req *batch)
{
	struct store_txn *top = NULL, *child;
	struct gc_req *r, *next;
	uint32_t n = 0;
	int rc;

	rc = store_txn_begin(gc->st, NULL, false, &top);
	if (rc)
		log_msg(LOG_ERROR, "group_commit", "cannot begin txn: %d", rc);
	for (r = batch; r; r = r->next) {
		n++;
		if (rc) {
			r->status = rc;
			continue;
		}
		r->status = store_txn_begin(gc->st, top, false, &child);
		if (r->status)
			continue;
		r->status = r->apply(r, child);
		if (r->status)
			store_txn_abort(child);
		else
			r->status = store_txn_commit(child);
	}
	if (!rc) {
		rc = store_txn_commit(top);
		if (rc) {
			log_msg(LOG_ERROR, "group_commit",
				"commit of %u requests failed: %d", n, rc);
			for (r = batch; r; r = r->next)
				if (!r->status)
					r->status = rc;
		}
	}
	gc->stats.batches++;
	gc->stats.reqs += n;
	if (n > gc->stats.max_batch)
		gc->stats.max_batch = n;
	for (r = batch; r; r = next) {
		next = r->next;
		r->next = NULL;
		r->done(r, r->status);
	}
}

void group_commit_flush(struct group_commit *gc)
{
	struct gc_req *batch = gc->head;

	if (!batch)
		return;
	gc->head = NULL;
	gc->tail = &gc->head;
	gc_run(gc, batch);
}

static void gc_on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct group_commit *gc = w->data;
	double ms;

	(void)loop;
	(void)revents;
	group_commit_flush(gc);
	/* done() callbacks may have queued more: do not block on them. */
	if (gc->head && !ev_is_active(&gc->idle))
		ev_idle_start(loop, &gc->idle);
	if (gc->pass_start > 0) {
		ms = (ev_time() - gc->pass_start) * 1000.0;
		if (ms > GC_SLOW_PASS_MS)
			LOG_RATELIMITED(LOG_WARNING, "group_commit",
					"slow loop pass: %.0f ms", ms);
		gc->pass_start = 0;
	}
}

static void gc_on_check(struct ev_loop *loop, ev_check *w, int revents)
{
	struct group_commit *gc = w->data;

	(void)loop;
	(void)revents;
	gc->pass_start = ev_time();
}

static void gc_on_idle(struct ev_loop *loop, ev_idle *w, int revents)
{
	(void)revents;
	ev_idle_stop(loop, w); /* the next ev_prepare runs the batch */
}

int group_commit_create(struct ev_loop *loop, struct store *st,
			struct group_commit **out)
{
	struct group_commit *gc = calloc(1, sizeof(*gc));

	if (!gc)
		return -ENOMEM;
	gc->loop = loop;
	gc->st = st;
	gc->tail = &gc->head;
	ev_prepare_init(&gc->prepare, gc_on_prepare);
	gc->prepare.data = gc;
	/* Low priority: every other prepare watcher runs before the batch
	 * (none queue requests today, but that order is the safe one), except
	 * conn.c's flush (EV_MINPRI), which sends the batch's replies. */
	ev_set_priority(&gc->prepare, EV_MINPRI + 1);
	ev_prepare_start(loop, &gc->prepare);
	ev_unref(loop); /* the watcher alone must not keep the loop running */
	ev_check_init(&gc->check, gc_on_check);
	gc->check.data = gc;
	ev_set_priority(&gc->check, EV_MAXPRI);
	ev_check_start(loop, &gc->check);
	ev_unref(loop);
	ev_idle_init(&gc->idle, gc_on_idle);
	gc->idle.data = gc;
	*out = gc;
	return 0;
}

void group_commit_destroy(struct group_commit *gc)
{
	struct gc_req *r;

	if (!gc)
		return;
	for (int i = 0; gc->head && i < 16; i++)
		group_commit_flush(gc);
	while ((r = gc->head)) { /* done() keeps resubmitting: give up */
		gc->head = r->next;
		if (!gc->head)
			gc->tail = &gc->head;
		r->next = NULL;
		r->done(r, -ECANCELED);
	}
	ev_idle_stop(gc->loop, &gc->idle);
	ev_ref(gc->loop);
	ev_prepare_stop(gc->loop, &gc->prepare);
	ev_ref(gc->loop);
	ev_check_stop(gc->loop, &gc->check);
	free(gc);
}

void group_commit_submit(struct group_commit *gc, struct gc_req *r)
{
	r->next = NULL;
	r->status = 0;
	*gc->tail = r;
	gc->tail = &r->next;
}

void group_commit_stats(const struct group_commit *gc, struct gc_stats *out)
{
	*out = gc->stats;
}
