/*
 * reconcile.c - scans OSTs for objects no file references (reconcile.h).
 *
 * One struct reconcile_ost per OST ever registered (allocated once, kept
 * until reconcile_destroy, so callbacks may hold its pointer). A scan is a
 * small state machine driven by replies:
 *
 *   IDLE       no scan; 'timer' may be armed for the next one
 *   LISTING    an OBJ_LIST is in flight
 *   SIZING     OBJ_GETATTRs of the page's objects to reclaim are in flight
 *   COMMITTING their queueing is in the group commit
 *
 * then LISTING again after the last pair seen, until the OSS says eof.
 * Every request and commit carries the scan's generation; ending or
 * abandoning a scan bumps it, so late replies are recognised and dropped.
 *
 * Candidates (objects seen unreferenced, waiting out the grace) are kept
 * per OST as a sorted array with the time each was first seen. OBJ_LIST
 * pages come sorted too, so each page is merged against the previous
 * scan's array in one pass, building the next one. Objects that a scan did
 * not see unreferenced again drop out.
 *
 * A connection is never closed from inside one of its own reply callbacks:
 * a finished scan parks it in 'dead' and the zero-delay 'reap' timer
 * closes it on the next loop pass.
 */
#include "mds/reconcile.h"

#include <errno.h>
#include <ev.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cluster.h"
#include "common/log.h"
#include "mds/destroyer.h"
#include "mds/mds_i.h"
#include "mds/obj_index.h"
#include "mds/orphan.h"
#include "proto/msg_fs.h"

enum reconcile_state {
	RS_IDLE,       /* no scan running */
	RS_LISTING,    /* OBJ_LIST in flight */
	RS_SIZING,     /* OBJ_GETATTRs in flight */
	RS_COMMITTING, /* queueing in the group commit */
};

struct reconcile_cand {
	struct msg_obj_ref ref;
	uint64_t first_ms; /* when a scan first saw it unreferenced */
};

struct reconcile_item {		/* an object to reclaim */
	struct msg_obj_ref ref;
	uint64_t age_ms;	/* unreferenced for at least this long */
	uint64_t bytes;		/* disk bytes (OBJ_GETATTR), 0 if unknown */
	bool gone;		/* the OSS no longer has it */
	bool queued;		/* the commit queued it */
};

struct reconcile_ost;

struct reconcile_commit {	/* one page's reclaims */
	struct gc_req gc;	/* first */
	struct reconcile_ost *ro; /* NULL once the reconciler is gone */
	uint64_t gen;		/* of the scan that made it */
	uint32_t ost_idx;
	size_t pending;		/* OBJ_GETATTRs not answered yet */
	size_t n;
	struct reconcile_item items[];
};

struct reconcile_call {		/* arg of one request */
	struct reconcile_ost *ro;
	uint64_t gen;
	size_t slot;		/* item of an OBJ_GETATTR */
};

struct reconcile_ost {
	struct reconciler *r;
	uint32_t ost_idx;
	enum reconcile_state state;
	uint64_t gen;		  /* bumped when a scan ends */
	struct conn *c;		  /* the scan's connection (our ref) */
	struct conn *dead;	  /* a finished scan's, closed by 'reap' */
	ev_timer timer;		  /* the next scan */
	ev_timer reap;		  /* closes 'dead' */
	struct msg_obj_ref after; /* last pair listed */
	bool eof;		  /* the OSS listed its last object */
	bool failed;		  /* this scan failed */
	struct reconcile_cand *prev; /* candidates of the last scan, sorted */
	size_t nprev;
	size_t prev_pos;	  /* merge position in prev */
	struct reconcile_cand *next; /* candidates of this scan */
	size_t nnext, next_cap;
	bool cand_full_logged;
	struct reconcile_commit *batch; /* the page's reclaims (SIZING) */
	struct reconcile_commit *committing; /* in the group commit */
	/* this scan's numbers, for the log */
	uint64_t started_ms;
	uint64_t listed, unreferenced, queued, bytes;
};

struct reconciler {
	struct mds *m;
	struct reconcile_ost **osts; /* one per OST seen */
	size_t nosts;
	uint64_t reclaimed;	/* objects queued since start */
	bool stopping;
};

static void reconcile_start(struct reconcile_ost *ro);
static void reconcile_send_list(struct reconcile_ost *ro);

static uint64_t reconcile_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t reconcile_grace_ms(const struct reconciler *r)
{
	return (uint64_t)r->m->cfg.reconcile_grace * 1000;
}

static struct reconcile_call *reconcile_call_new(struct reconcile_ost *ro,
						 size_t slot)
{
	struct reconcile_call *call = malloc(sizeof(*call));

	if (call)
		*call = (struct reconcile_call){ ro, ro->gen, slot };
	return call;
}

/* Whether a reply belongs to the running scan; frees call. */
static struct reconcile_ost *reconcile_call_take(struct reconcile_call *call,
						 size_t *slot)
{
	struct reconcile_ost *ro = call->ro;
	bool live = !ro->r->stopping && call->gen == ro->gen;

	if (slot)
		*slot = call->slot;
	free(call);
	return live ? ro : NULL;
}

static void reconcile_arm(struct reconcile_ost *ro, double delay_s)
{
	struct ev_loop *loop = ro->r->m->loop;

	ev_timer_stop(loop, &ro->timer);
	ev_timer_set(&ro->timer, delay_s, 0.);
	ev_timer_start(loop, &ro->timer);
}

/* Park the scan's connection for 'reap' (never closed from its own
 * callbacks); an older parked one is closed now. */
static void reconcile_park_conn(struct reconcile_ost *ro)
{
	struct ev_loop *loop = ro->r->m->loop;

	if (!ro->c)
		return;
	if (ro->dead) {
		conn_close(ro->dead, "reconcile: scan over");
		conn_put(ro->dead);
	}
	ro->dead = ro->c;
	ro->c = NULL;
	if (!ev_is_active(&ro->reap)) {
		ev_timer_set(&ro->reap, 0., 0.);
		ev_timer_start(loop, &ro->reap);
	}
}

static void reconcile_log_end(struct reconcile_ost *ro)
{
	double secs = (double)(reconcile_now_ms() - ro->started_ms) / 1000.;

	if (ro->failed) {
		LOG_RATELIMITED(LOG_WARNING, "reconcile",
				"ost_idx=%u: scan failed after %" PRIu64
				" objects, retry in %d s",
				ro->ost_idx, ro->listed, RECONCILE_RETRY_S);
		return;
	}
	log_msg(ro->queued ? LOG_NOTICE : LOG_INFO, "reconcile",
		"ost_idx=%u: scan done in %.1f s: %" PRIu64
		" objects, %" PRIu64 " unreferenced (%zu waiting out the %" PRId64
		" s grace), %" PRIu64 " reclaimed (%" PRIu64 " bytes)",
		ro->ost_idx, secs, ro->listed, ro->unreferenced, ro->nnext,
		ro->r->m->cfg.reconcile_grace, ro->queued, ro->bytes);
}

/*
 * End the running scan (ok or failed): log, keep the new candidates when
 * it completed, park the connection and arm the next scan.
 */
static void reconcile_end(struct reconcile_ost *ro, bool failed)
{
	const struct mds_config *cfg = &ro->r->m->cfg;
	double delay = -1;

	ro->failed = failed;
	reconcile_log_end(ro);
	ro->gen++;
	ro->state = RS_IDLE;
	free(ro->batch);
	ro->batch = NULL;
	if (!failed) {
		/* the scan completed: what it saw replaces the old view */
		free(ro->prev);
		ro->prev = ro->next;
		ro->nprev = ro->nnext;
	} else {
		free(ro->next);
	}
	ro->next = NULL;
	ro->nnext = ro->next_cap = 0;
	reconcile_park_conn(ro);
	if (failed)
		delay = RECONCILE_RETRY_S;
	else if (ro->nprev)
		delay = cfg->reconcile_grace > 1 ? (double)cfg->reconcile_grace
						 : 1.;
	else if (cfg->reconcile_interval > 0)
		delay = (double)cfg->reconcile_interval;
	if (delay >= 0)
		reconcile_arm(ro, delay);
}

/* Remember ref as a candidate of this scan. */
static void reconcile_keep(struct reconcile_ost *ro,
			   const struct msg_obj_ref *ref, uint64_t first_ms)
{
	struct reconcile_cand *grown;
	size_t cap;

	if (ro->nnext == ro->next_cap) {
		if (ro->next_cap >= RECONCILE_MAX_CANDIDATES) {
			if (!ro->cand_full_logged)
				log_msg(LOG_WARNING, "reconcile",
					"ost_idx=%u: more than %u unreferenced objects; the rest wait for later scans",
					ro->ost_idx, RECONCILE_MAX_CANDIDATES);
			ro->cand_full_logged = true;
			return;
		}
		cap = ro->next_cap ? 2 * ro->next_cap : 64;
		grown = realloc(ro->next, cap * sizeof(*grown));
		if (!grown)
			return; /* seen again next scan */
		ro->next = grown;
		ro->next_cap = cap;
	}
	ro->next[ro->nnext].ref = *ref;
	ro->next[ro->nnext].first_ms = first_ms;
	ro->nnext++;
}

/* --- queueing (group commit) --- */

static int reconcile_commit_apply(struct gc_req *g, struct store_txn *txn)
{
	struct reconcile_commit *b = (struct reconcile_commit *)g;
	struct reconcile_item *it;
	struct orphan o;
	int rc;

	for (size_t i = 0; i < b->n; i++) {
		it = &b->items[i];
		it->queued = false;
		if (it->gone)
			continue;
		rc = orphan_get(txn, it->ref.object_id, it->ref.stripe_idx, &o);
		if (rc == 0)
			continue; /* queued meanwhile */
		if (rc != -ENOENT)
			return rc;
		rc = obj_index_referenced(txn, it->ref.object_id,
					  it->ref.stripe_idx, b->ost_idx, NULL);
		if (rc < 0)
			return rc;
		if (rc == 1)
			continue; /* a file took it meanwhile */
		rc = orphan_queue_object(txn, it->ref.object_id,
					 it->ref.stripe_idx, b->ost_idx, 0);
		if (rc && rc != -EEXIST)
			return rc;
		it->queued = rc == 0;
	}
	return 0;
}

static void reconcile_commit_done(struct gc_req *g, int status)
{
	struct reconcile_commit *b = (struct reconcile_commit *)g;
	struct reconcile_ost *ro = b->ro;
	struct reconcile_item *it;
	size_t queued = 0;
	uint64_t bytes = 0;

	if (!ro)
		goto out; /* the reconciler is gone */
	ro->committing = NULL;
	if (status) {
		log_msg(LOG_ERROR, "reconcile",
			"ost_idx=%u: queueing %zu unreferenced objects failed: %d",
			b->ost_idx, b->n, status);
	} else {
		for (size_t i = 0; i < b->n; i++) {
			it = &b->items[i];
			if (!it->queued)
				continue;
			queued++;
			bytes += it->bytes;
			log_msg(LOG_INFO, "reconcile",
				"ost_idx=%u object=%" PRIu64 ":%u reclaimed: %" PRIu64
				" bytes, unreferenced for %" PRIu64 " s",
				b->ost_idx, it->ref.object_id,
				it->ref.stripe_idx, it->bytes,
				it->age_ms / 1000);
		}
		ro->r->reclaimed += queued;
		if (queued)
			destroyer_kick(ro->r->m->destroyer);
	}
	if (b->gen != ro->gen || ro->r->stopping)
		goto out; /* the scan was abandoned meanwhile */
	ro->queued += queued;
	ro->bytes += bytes;
	if (status)
		reconcile_end(ro, true);
	else if (ro->eof)
		reconcile_end(ro, false);
	else
		reconcile_send_list(ro);
out:
	free(b);
}

static void reconcile_submit(struct reconcile_ost *ro)
{
	struct reconcile_commit *b = ro->batch;

	ro->batch = NULL;
	ro->committing = b;
	ro->state = RS_COMMITTING;
	b->gc.apply = reconcile_commit_apply;
	b->gc.done = reconcile_commit_done;
	group_commit_submit(ro->r->m->gc, &b->gc);
}

/* --- sizing (OBJ_GETATTR) --- */

static void reconcile_getattr_done(void *arg, int status,
				   const uint8_t *payload, size_t len)
{
	struct msg_obj_attr a;
	struct reconcile_ost *ro;
	struct reconcile_item *it;
	struct cursor cur;
	size_t slot;

	ro = reconcile_call_take(arg, &slot);
	if (!ro || ro->state != RS_SIZING || !ro->batch)
		return;
	it = &ro->batch->items[slot];
	if (status == -ENOENT) {
		it->gone = true;
	} else if (status == 0) {
		cursor_init(&cur, payload, len);
		if (msg_obj_attr_decode(&cur, &a) == 0)
			it->bytes = a.disk_bytes;
	} else if (status == -ECONNRESET || status == -ETIMEDOUT) {
		/* the connection is gone: the scan with it (other replies
		 * of this page find the generation bumped) */
		reconcile_end(ro, true);
		return;
	}
	if (--ro->batch->pending == 0)
		reconcile_submit(ro);
}

/* Ask the size of every object of the batch, then queue them. */
static void reconcile_size_batch(struct reconcile_ost *ro)
{
	struct reconcile_commit *b = ro->batch;
	struct msg_obj_req req = { 0 };
	struct reconcile_call *call;
	uint8_t buf[32];
	ssize_t n;

	ro->state = RS_SIZING;
	b->pending = b->n + 1; /* +1: held until every request is out */
	for (size_t i = 0; i < b->n; i++) {
		req.object_id = b->items[i].ref.object_id;
		req.stripe_idx = b->items[i].ref.stripe_idx;
		n = msg_obj_req_encode(PROTO_OP_OBJ_GETATTR, &req, buf,
				       sizeof(buf));
		call = n > 0 ? reconcile_call_new(ro, i) : NULL;
		if (!call || conn_request(ro->c, PROTO_OP_OBJ_GETATTR, buf,
					  (size_t)n, RECONCILE_TIMEOUT_MS,
					  reconcile_getattr_done, call)) {
			free(call);
			b->pending--; /* size unknown; still reclaimed */
		}
		if (ro->state != RS_SIZING)
			return; /* a reply failed the scan already */
	}
	if (--b->pending == 0)
		reconcile_submit(ro);
}

/* --- listing --- */

/*
 * Check one listed page against the namespace and the candidates, and
 * collect what to reclaim into ro->batch. 0 or -errno.
 */
static int reconcile_check_page(struct reconcile_ost *ro,
				const struct msg_obj_ref *objs, uint32_t count)
{
	struct reconciler *r = ro->r;
	struct reconcile_commit *b = NULL;
	struct store_txn *txn = NULL;
	const struct reconcile_cand *pc;
	uint64_t now = reconcile_now_ms(), first;
	struct orphan o;
	bool seen_before;
	int rc;

	rc = store_txn_begin(r->m->st, NULL, true, &txn);
	if (rc)
		return rc;
	b = calloc(1, sizeof(*b) + count * sizeof(b->items[0]));
	if (!b) {
		rc = -ENOMEM;
		goto out;
	}
	b->ro = ro;
	b->gen = ro->gen;
	b->ost_idx = ro->ost_idx;
	for (uint32_t i = 0; i < count; i++) {
		const struct msg_obj_ref *ref = &objs[i];

		ro->listed++;
		rc = orphan_get(txn, ref->object_id, ref->stripe_idx, &o);
		if (rc == 0)
			continue; /* being destroyed already */
		if (rc != -ENOENT)
			goto out;
		rc = obj_index_referenced(txn, ref->object_id, ref->stripe_idx,
					  ro->ost_idx, NULL);
		if (rc < 0)
			goto out;
		if (rc == 1)
			continue;
		ro->unreferenced++;
		while (ro->prev_pos < ro->nprev &&
		       msg_obj_ref_cmp(&ro->prev[ro->prev_pos].ref, ref) < 0)
			ro->prev_pos++;
		pc = ro->prev_pos < ro->nprev ? &ro->prev[ro->prev_pos] : NULL;
		seen_before = pc && msg_obj_ref_cmp(&pc->ref, ref) == 0;
		first = seen_before ? pc->first_ms : now;
		if (seen_before && now - first >= reconcile_grace_ms(r)) {
			b->items[b->n].ref = *ref;
			b->items[b->n].age_ms = now - first;
			b->n++;
		} else {
			reconcile_keep(ro, ref, first);
		}
	}
	rc = 0;
out:
	store_txn_abort(txn);
	if (rc || !b || !b->n)
		free(b);
	else
		ro->batch = b;
	return rc;
}

static void reconcile_list_done(void *arg, int status, const uint8_t *payload,
				size_t len)
{
	static struct msg_obj_ref objs[RECONCILE_PAGE];
	struct msg_obj_list l = { .objs = objs, .cap = RECONCILE_PAGE };
	struct reconcile_ost *ro;
	struct cursor cur;
	int rc;

	ro = reconcile_call_take(arg, NULL);
	if (!ro || ro->state != RS_LISTING)
		return;
	if (status) {
		LOG_RATELIMITED(LOG_WARNING, "reconcile",
				"ost_idx=%u: OBJ_LIST failed: %d%s",
				ro->ost_idx, status,
				status == -ECONNRESET ?
					" (an OSS without OBJ_LIST closes the connection)" :
					"");
		reconcile_end(ro, true);
		return;
	}
	cursor_init(&cur, payload, len);
	if (msg_obj_list_decode(&cur, &l) ||
	    (l.count && msg_obj_ref_cmp(&ro->after, &objs[0]) >= 0) ||
	    (!l.count && !l.eof)) {
		LOG_RATELIMITED(LOG_WARNING, "reconcile",
				"ost_idx=%u: malformed OBJ_LIST reply",
				ro->ost_idx);
		reconcile_end(ro, true);
		return;
	}
	rc = reconcile_check_page(ro, objs, l.count);
	if (rc) {
		log_msg(LOG_ERROR, "reconcile",
			"ost_idx=%u: cannot check objects: %d", ro->ost_idx,
			rc);
		reconcile_end(ro, true);
		return;
	}
	if (l.count)
		ro->after = objs[l.count - 1];
	ro->eof = l.eof;
	if (ro->batch)
		reconcile_size_batch(ro);
	else if (ro->eof)
		reconcile_end(ro, false);
	else
		reconcile_send_list(ro);
}

static void reconcile_send_list(struct reconcile_ost *ro)
{
	struct msg_obj_req req = { .object_id = ro->after.object_id,
				   .stripe_idx = ro->after.stripe_idx,
				   .max = RECONCILE_PAGE };
	struct reconcile_call *call;
	uint8_t buf[32];
	ssize_t n;

	ro->state = RS_LISTING;
	n = msg_obj_req_encode(PROTO_OP_OBJ_LIST, &req, buf, sizeof(buf));
	call = n > 0 ? reconcile_call_new(ro, 0) : NULL;
	if (!call || conn_request(ro->c, PROTO_OP_OBJ_LIST, buf, (size_t)n,
				  RECONCILE_TIMEOUT_MS, reconcile_list_done,
				  call)) {
		free(call);
		reconcile_end(ro, true);
	}
}

static void reconcile_hello_done(void *arg, int status, const uint8_t *payload,
				 size_t len)
{
	struct reconcile_ost *ro = reconcile_call_take(arg, NULL);

	(void)payload;
	(void)len;
	/* A refused HELLO fails the OBJ_LIST behind it as well. */
	if (ro && status && status != -ECONNRESET)
		LOG_RATELIMITED(LOG_WARNING, "reconcile",
				"ost_idx=%u: HELLO refused: %d", ro->ost_idx,
				status);
}

/* --- scans --- */

/* Abandon the running scan, if any, without logging it as failed. */
static void reconcile_abandon(struct reconcile_ost *ro)
{
	if (ro->state == RS_IDLE)
		return;
	ro->gen++;
	ro->state = RS_IDLE;
	free(ro->batch);
	ro->batch = NULL;
	free(ro->next);
	ro->next = NULL;
	ro->nnext = ro->next_cap = 0;
	reconcile_park_conn(ro);
}

static void reconcile_start(struct reconcile_ost *ro)
{
	struct reconciler *r = ro->r;
	struct reconcile_call *call = NULL;
	struct ost_entry *e;
	uint8_t *hello = NULL;
	size_t hello_len;
	int rc;

	if (r->stopping || ro->state != RS_IDLE)
		return;
	ev_timer_stop(r->m->loop, &ro->timer);
	e = ost_map_find(&r->m->osts, ro->ost_idx);
	if (!e || e->state != PROTO_OST_UP)
		return; /* its registration starts the next scan */
	ro->after = (struct msg_obj_ref){ 0, 0 };
	ro->eof = false;
	ro->failed = false;
	ro->prev_pos = 0;
	ro->cand_full_logged = false;
	ro->listed = ro->unreferenced = ro->queued = ro->bytes = 0;
	ro->started_ms = reconcile_now_ms();
	rc = cluster_hello_encode(PROTO_ROLE_MDS, 0, r->m->cfg.fsname, NULL, 0,
				  &hello, &hello_len);
	if (rc)
		goto err;
	rc = conn_connect_async(r->m->loop, e->host, e->port,
				RECONCILE_TIMEOUT_MS, NULL, &ro->c);
	if (rc) {
		ro->c = NULL;
		goto err;
	}
	conn_get(ro->c);
	call = reconcile_call_new(ro, 0);
	rc = call ? conn_request(ro->c, PROTO_OP_HELLO, hello, hello_len,
				 RECONCILE_TIMEOUT_MS, reconcile_hello_done,
				 call) :
		    -ENOMEM;
	if (rc) {
		free(call);
		goto err;
	}
	free(hello);
	log_msg(LOG_DEBUG, "reconcile", "ost_idx=%u: scan of %s:%u starts",
		ro->ost_idx, e->host, e->port);
	reconcile_send_list(ro);
	return;
err:
	free(hello);
	LOG_RATELIMITED(LOG_WARNING, "reconcile",
			"ost_idx=%u: cannot start a scan of %s:%u: %d",
			ro->ost_idx, e->host, e->port, rc);
	ro->state = RS_LISTING; /* so that reconcile_end takes it down */
	reconcile_end(ro, true);
}

static void reconcile_on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	reconcile_start(w->data);
}

static void reconcile_on_reap(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct reconcile_ost *ro = w->data;

	(void)loop;
	(void)revents;
	if (ro->dead) {
		conn_close(ro->dead, "reconcile: scan over");
		conn_put(ro->dead);
		ro->dead = NULL;
	}
}

static struct reconcile_ost *reconcile_ost_get(struct reconciler *r,
					       uint32_t ost_idx)
{
	struct reconcile_ost *ro, **grown;

	for (size_t i = 0; i < r->nosts; i++)
		if (r->osts[i]->ost_idx == ost_idx)
			return r->osts[i];
	grown = realloc(r->osts, (r->nosts + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	r->osts = grown;
	ro = calloc(1, sizeof(*ro));
	if (!ro)
		return NULL;
	ro->r = r;
	ro->ost_idx = ost_idx;
	ev_timer_init(&ro->timer, reconcile_on_timer, 0., 0.);
	ro->timer.data = ro;
	ev_timer_init(&ro->reap, reconcile_on_reap, 0., 0.);
	ro->reap.data = ro;
	r->osts[r->nosts++] = ro;
	return ro;
}

void reconcile_ost_up(struct reconciler *r, uint32_t ost_idx)
{
	struct reconcile_ost *ro;

	if (!r || r->stopping)
		return;
	ro = reconcile_ost_get(r, ost_idx);
	if (!ro) {
		log_msg(LOG_ERROR, "reconcile",
			"ost_idx=%u: out of memory, not scanned", ost_idx);
		return;
	}
	if (ro->state != RS_IDLE)
		log_msg(LOG_INFO, "reconcile",
			"ost_idx=%u registered again: scan restarts", ost_idx);
	reconcile_abandon(ro);
	reconcile_start(ro);
}

int reconcile_create(struct mds *m, struct reconciler **out)
{
	struct reconciler *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->m = m;
	*out = r;
	return 0;
}

void reconcile_destroy(struct reconciler *r)
{
	struct reconcile_ost *ro;

	if (!r)
		return;
	r->stopping = true;
	for (size_t i = 0; i < r->nosts; i++) {
		ro = r->osts[i];
		ev_timer_stop(r->m->loop, &ro->timer);
		ev_timer_stop(r->m->loop, &ro->reap);
		/* pending requests complete now, see 'stopping', free
		 * their calls */
		if (ro->c) {
			conn_close(ro->c, "MDS stopping");
			conn_put(ro->c);
		}
		if (ro->dead) {
			conn_close(ro->dead, "MDS stopping");
			conn_put(ro->dead);
		}
		if (ro->committing)
			ro->committing->ro = NULL;
		free(ro->batch);
		free(ro->prev);
		free(ro->next);
		free(ro);
	}
	free(r->osts);
	free(r);
}

uint64_t reconcile_reclaimed_count(const struct reconciler *r)
{
	return r->reclaimed;
}
