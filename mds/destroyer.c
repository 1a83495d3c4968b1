/*
 * destroyer.c - background destruction of orphaned objects (destroyer.h).
 *
 * State: one link per OST (an outgoing conn to the address the OSS
 * registered, HELLO sent first on it), the set of entries in flight (a
 * small array: at most DESTROYER_MAX_INFLIGHT), and the entries confirmed
 * but not yet removed from the queue. A round runs from a timer: it lists
 * the queue in pages with a read txn and sends what is neither in flight
 * nor on a DOWN OST. Confirmations are removed by one group-commit request
 * (struct destroyer_commit) per round of replies; the entries stay "in
 * flight" until that commit, so a round in between does not send them
 * again.
 *
 * A link is dropped and made again when it closed (OSS restart, connect
 * refused) or the OST's registered address changed. Every destroy carries
 * the link it went out on; replies of a replaced link are still valid.
 *
 * Kicks are coalesced: a kick (after an unlink's commit, an OST coming up)
 * runs the round DESTROYER_KICK_MS later, so a burst of unlinks costs one
 * queue listing and sends its destroys together, many per segment to each
 * OSS, instead of a round, a few one-object RPCs and a removal commit per
 * unlink. Removal commits of confirmed destroys run the next round at once
 * (draining a queue longer than the in-flight cap).
 *
 * On destroyer_destroy the links are closed first (their pending requests
 * complete synchronously with -ECONNRESET and see 'stopping'), then the
 * state is freed. A removal commit still queued at that point only frees
 * itself (its done() does not touch the destroyer).
 */
#include "mds/destroyer.h"

#include <errno.h>
#include <ev.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster.h"
#include "common/log.h"
#include "mds/mds_i.h"
#include "mds/orphan.h"
#include "proto/msg_fs.h"

#define DESTROYER_PAGE	      256   /* orphans listed per read */
#define DESTROYER_MAX_LISTED  65536 /* orphans looked at per round */
#define DESTROYER_TIMEOUT_MS  10000 /* per OBJ_DESTROY and connect */

struct destroyer_link {
	uint32_t ost_idx;
	char host[PROTO_HOST_MAX + 1];
	uint16_t port;
	struct conn *c;		/* our reference; NULL when none */
};

struct destroyer_flight {
	uint64_t object_id;
	uint32_t stripe_idx;
	bool done;		/* confirmed; removal pending */
};

struct destroyer_req {		/* one OBJ_DESTROY in flight */
	struct destroyer *d;
	struct orphan o;
};

struct destroyer_commit {	/* removes confirmed entries */
	struct gc_req gc;	/* first */
	struct destroyer *d;	/* NULL once the destroyer is gone */
	size_t n;
	struct orphan o[];
};

struct destroyer {
	struct mds *m;
	ev_timer timer;		/* periodic retry */
	ev_timer kick;		/* a round on the next pass */
	struct destroyer_link *links;
	size_t nlinks;
	struct destroyer_flight flights[DESTROYER_MAX_INFLIGHT];
	size_t nflights;
	size_t nconfirmed;	/* flights with done set, not yet committing */
	struct destroyer_commit *committing; /* in the group commit, or NULL */
	uint64_t destroyed;
	bool stopping;
};

static void destroyer_commit_confirmed(struct destroyer *d);
static void destroyer_kick_in(struct destroyer *d, double delay_s);

static struct destroyer_flight *destroyer_flight_find(struct destroyer *d,
						      uint64_t object_id,
						      uint32_t stripe_idx)
{
	for (size_t i = 0; i < d->nflights; i++)
		if (d->flights[i].object_id == object_id &&
		    d->flights[i].stripe_idx == stripe_idx)
			return &d->flights[i];
	return NULL;
}

static void destroyer_flight_drop(struct destroyer *d,
				  struct destroyer_flight *f)
{
	*f = d->flights[--d->nflights];
}

static void destroyer_hello_done(void *arg, int status, const uint8_t *payload,
				 size_t len)
{
	(void)arg;
	(void)payload;
	(void)len;
	/* A failed HELLO fails the destroys behind it too: they retry. */
	if (status && status != -ECONNRESET && status != -ECANCELED)
		LOG_RATELIMITED(LOG_WARNING, "destroyer",
				"HELLO to an OSS failed: %d", status);
}

/* The conn of OST e's link, (re)connected as needed; NULL on failure. */
static struct conn *destroyer_link_conn(struct destroyer *d,
					const struct ost_entry *e)
{
	struct destroyer_link *l = NULL, *nl;
	uint8_t *hello = NULL;
	size_t hello_len;
	int rc;

	for (size_t i = 0; i < d->nlinks; i++)
		if (d->links[i].ost_idx == e->ost_idx)
			l = &d->links[i];
	if (!l) {
		nl = realloc(d->links, (d->nlinks + 1) * sizeof(*nl));
		if (!nl)
			return NULL;
		d->links = nl;
		l = &d->links[d->nlinks++];
		memset(l, 0, sizeof(*l));
		l->ost_idx = e->ost_idx;
	}
	if (l->c && (!conn_is_open(l->c) || l->port != e->port ||
		     strcmp(l->host, e->host))) {
		conn_close(l->c, "destroyer: OSS link replaced");
		conn_put(l->c);
		l->c = NULL;
	}
	if (l->c)
		return l->c;
	rc = cluster_hello_encode(PROTO_ROLE_MDS, 0, d->m->cfg.fsname, NULL, 0,
				  &hello, &hello_len);
	if (rc)
		return NULL;
	rc = conn_connect_async(d->m->loop, e->host, e->port,
				DESTROYER_TIMEOUT_MS, NULL, &l->c);
	if (rc) {
		LOG_RATELIMITED(LOG_WARNING, "destroyer",
				"ost_idx=%u: cannot connect to %s:%u: %d",
				e->ost_idx, e->host, e->port, rc);
		l->c = NULL;
		free(hello);
		return NULL;
	}
	conn_get(l->c);
	snprintf(l->host, sizeof(l->host), "%s", e->host);
	l->port = e->port;
	rc = conn_request(l->c, PROTO_OP_HELLO, hello, hello_len,
			  DESTROYER_TIMEOUT_MS, destroyer_hello_done, NULL);
	free(hello);
	if (rc) {
		conn_close(l->c, "destroyer: cannot send HELLO");
		conn_put(l->c);
		l->c = NULL;
		return NULL;
	}
	return l->c;
}

static void destroyer_commit_done(struct gc_req *r, int status)
{
	struct destroyer_commit *dc = (struct destroyer_commit *)r;
	struct destroyer *d = dc->d;
	struct destroyer_flight *f;

	if (d) {
		d->committing = NULL;
		for (size_t i = 0; i < dc->n; i++) {
			f = destroyer_flight_find(d, dc->o[i].object_id,
						  dc->o[i].stripe_idx);
			if (f)
				destroyer_flight_drop(d, f);
		}
		if (status)
			log_msg(LOG_ERROR, "destroyer",
				"removing %zu destroyed objects from the queue failed: %d",
				dc->n, status);
		else
			d->destroyed += dc->n;
		destroyer_commit_confirmed(d);
		/* More may wait behind the in-flight cap: go on at once. */
		destroyer_kick_in(d, 0.);
	}
	free(dc);
}

static int destroyer_commit_apply(struct gc_req *r, struct store_txn *txn)
{
	struct destroyer_commit *dc = (struct destroyer_commit *)r;
	int rc;

	for (size_t i = 0; i < dc->n; i++) {
		rc = orphan_remove(txn, dc->o[i].object_id, dc->o[i].stripe_idx);
		if (rc && rc != -ENOENT)
			return rc;
	}
	return 0;
}

/* Queue the removal of every confirmed flight (one commit at a time). */
static void destroyer_commit_confirmed(struct destroyer *d)
{
	struct destroyer_commit *dc;
	size_t n = 0;

	if (d->committing || !d->nconfirmed)
		return;
	dc = calloc(1, sizeof(*dc) + d->nconfirmed * sizeof(dc->o[0]));
	if (!dc)
		return; /* the next round tries again */
	for (size_t i = 0; i < d->nflights; i++) {
		if (!d->flights[i].done)
			continue;
		dc->o[n].object_id = d->flights[i].object_id;
		dc->o[n].stripe_idx = d->flights[i].stripe_idx;
		n++;
	}
	dc->n = n;
	dc->d = d;
	dc->gc.apply = destroyer_commit_apply;
	dc->gc.done = destroyer_commit_done;
	/* Those flights now belong to the commit: unmark them so the next
	 * confirmations start a fresh set. */
	for (size_t i = 0; i < d->nflights; i++)
		d->flights[i].done = false;
	d->nconfirmed = 0;
	d->committing = dc;
	group_commit_submit(d->m->gc, &dc->gc);
}

static void destroyer_destroy_done(void *arg, int status,
				   const uint8_t *payload, size_t len)
{
	struct destroyer_req *q = arg;
	struct destroyer *d = q->d;
	struct destroyer_flight *f;

	(void)payload;
	(void)len;
	if (d->stopping)
		goto out;
	f = destroyer_flight_find(d, q->o.object_id, q->o.stripe_idx);
	if (!f)
		goto out;
	if (status == 0 || status == -ENOENT) {
		log_msg(LOG_DEBUG, "destroyer",
			"ost_idx=%u object=%llu:%u of ino=%llu destroyed",
			q->o.ost_idx, (unsigned long long)q->o.object_id,
			q->o.stripe_idx, (unsigned long long)q->o.ino);
		f->done = true;
		d->nconfirmed++;
		destroyer_commit_confirmed(d);
	} else {
		LOG_RATELIMITED(LOG_NOTICE, "destroyer",
				"ost_idx=%u object=%llu:%u: destroy failed (%d), will retry",
				q->o.ost_idx,
				(unsigned long long)q->o.object_id,
				q->o.stripe_idx, status);
		destroyer_flight_drop(d, f);
	}
out:
	free(q);
}

/* Send one destroy: 0 sent, 1 skipped (OST down/unknown), -errno. */
static int destroyer_send(struct destroyer *d, const struct orphan *o)
{
	struct msg_obj_req r = { .object_id = o->object_id,
				 .stripe_idx = o->stripe_idx };
	struct destroyer_req *q;
	struct ost_entry *e;
	struct conn *c;
	uint8_t buf[32];
	ssize_t n;
	int rc;

	e = ost_map_find(&d->m->osts, o->ost_idx);
	if (!e || e->state != PROTO_OST_UP)
		return 1;
	c = destroyer_link_conn(d, e);
	if (!c)
		return 1;
	n = msg_obj_req_encode(PROTO_OP_OBJ_DESTROY, &r, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->d = d;
	q->o = *o;
	d->flights[d->nflights++] = (struct destroyer_flight){
		.object_id = o->object_id,
		.stripe_idx = o->stripe_idx,
	};
	rc = conn_request(c, PROTO_OP_OBJ_DESTROY, buf, (size_t)n,
			  DESTROYER_TIMEOUT_MS, destroyer_destroy_done, q);
	if (rc) {
		d->nflights--;
		free(q);
	}
	return rc;
}

static void destroyer_round(struct destroyer *d)
{
	struct orphan *page, after;
	struct store_txn *txn = NULL;
	size_t n, listed = 0;
	bool have_after = false;
	int rc;

	if (d->stopping || d->nflights >= DESTROYER_MAX_INFLIGHT)
		return;
	page = malloc(DESTROYER_PAGE * sizeof(*page));
	if (!page)
		return;
	rc = store_txn_begin(d->m->st, NULL, true, &txn);
	if (rc)
		goto out;
	while (listed < DESTROYER_MAX_LISTED &&
	       d->nflights < DESTROYER_MAX_INFLIGHT) {
		rc = orphan_list(txn, have_after ? &after : NULL, page,
				 DESTROYER_PAGE, &n);
		if (rc || !n)
			break;
		for (size_t i = 0; i < n &&
				   d->nflights < DESTROYER_MAX_INFLIGHT; i++) {
			if (destroyer_flight_find(d, page[i].object_id,
						  page[i].stripe_idx))
				continue;
			destroyer_send(d, &page[i]);
		}
		listed += n;
		after = page[n - 1];
		have_after = true;
		if (n < DESTROYER_PAGE)
			break;
	}
	if (rc)
		LOG_RATELIMITED(LOG_ERROR, "destroyer",
				"cannot list the destroy queue: %d", rc);
	store_txn_abort(txn);
out:
	free(page);
}

static void destroyer_on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	destroyer_round(w->data);
}

int destroyer_create(struct mds *m, struct destroyer **out)
{
	struct destroyer *d = calloc(1, sizeof(*d));
	double every = DESTROYER_RETRY_MS / 1000.0;

	if (!d)
		return -ENOMEM;
	d->m = m;
	ev_timer_init(&d->timer, destroyer_on_timer, every, every);
	d->timer.data = d;
	ev_timer_start(m->loop, &d->timer);
	ev_unref(m->loop);
	ev_timer_init(&d->kick, destroyer_on_timer, 0., 0.);
	d->kick.data = d;
	*out = d;
	return 0;
}

/* A round within delay_s: an armed kick due later is brought forward. */
static void destroyer_kick_in(struct destroyer *d, double delay_s)
{
	if (!d || d->stopping)
		return;
	if (ev_is_active(&d->kick)) {
		if (ev_timer_remaining(d->m->loop, &d->kick) <= delay_s)
			return;
		ev_timer_stop(d->m->loop, &d->kick);
	}
	ev_timer_set(&d->kick, delay_s, 0.);
	ev_timer_start(d->m->loop, &d->kick);
}

void destroyer_kick(struct destroyer *d)
{
	destroyer_kick_in(d, DESTROYER_KICK_MS / 1000.0);
}

void destroyer_destroy(struct destroyer *d)
{
	if (!d)
		return;
	d->stopping = true;
	for (size_t i = 0; i < d->nlinks; i++) {
		if (!d->links[i].c)
			continue;
		conn_close(d->links[i].c, "MDS stopping");
		conn_put(d->links[i].c);
	}
	if (d->committing)
		d->committing->d = NULL;
	ev_timer_stop(d->m->loop, &d->kick);
	ev_ref(d->m->loop);
	ev_timer_stop(d->m->loop, &d->timer);
	free(d->links);
	free(d);
}

uint64_t destroyer_done_count(const struct destroyer *d)
{
	return d->destroyed;
}
