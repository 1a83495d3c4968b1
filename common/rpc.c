/*
 * rpc.c - the blocking RPC client: one server per client, served by a
 * loop thread of its own or one it shares with other clients (rpc_loop).
 *
 * rpc_call() puts a request (on the caller's stack) on a locked submit
 * queue, wakes the loop thread with an ev_async and sleeps on the request's
 * own condition variable. The loop thread sends it with conn_request() on
 * the one shared conn, so calls from many threads are pipelined; the reply
 * callback copies the payload and signals the caller.
 *
 * Connection states (loop thread):
 *   RPC_IDLE       no conn; the next call connects
 *   RPC_CONNECTING conn_connect_async() and HELLO in flight; calls park
 *   RPC_READY      HELLO answered with status 0: calls go straight out
 * A lost conn returns to RPC_IDLE and fails its pending calls (-ECONNRESET,
 * or -ECONNREFUSED/-ETIMEDOUT from the connect); nothing is retried here:
 * the caller decides. The next call reconnects.
 *
 * rpc_call_async() uses the same path with a malloc'd request that
 * carries a callback: rpc_complete() runs the callback on the loop thread
 * (reply payload borrowed, no copy) and frees the request instead of
 * waking a sleeper. rpc_call_async_sink() passes a reply sink on to
 * conn_request_sink(): the reply's data is received into the caller's
 * buffer.
 *
 * Nothing hangs: each call's deadline is set when the loop thread picks it
 * up and enforced by the conn's per-request timer; a parked call waits at
 * most for the connect and HELLO, which are bounded by connect_timeout_ms.
 * A request struct is touched by the loop thread only until it is marked
 * done under the mutex; the caller returns after that.
 *
 * Shared loops (rpc_loop_create, rpc_client_create_on): the FUSE client
 * serves its OST connections from one loop thread per two CPUs (cluster.c),
 * not one per OST, so replies from several OSTs that arrive together are
 * handled in one pass and there are fewer threads to switch between.
 * Watchers are only started and stopped on the loop thread: a new client
 * queues itself for its loop's ctl watcher and waits until its wake
 * watcher runs; rpc_client_destroy has the loop thread fail its calls,
 * close its conn and stop its watcher, and waits for that; the last
 * reference to an rpc_loop stops and joins its thread.
 */
#include "common/conn_i.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

enum rpc_state {
	RPC_IDLE,	/* no conn */
	RPC_CONNECTING, /* connect + HELLO in flight; calls park */
	RPC_READY,	/* calls go straight out */
};

/* One call; lives on the caller's stack (rpc_call) or the heap
 * (rpc_call_async, freed by rpc_complete). */
struct rpc_req {
	struct rpc_req *next;	/* submit or park queue */
	struct rpc_client *rc;
	uint16_t opcode;
	const void *payload;	/* borrowed: the caller waits */
	size_t len;
	uint32_t timeout_ms;
	ev_tstamp deadline;	/* loop time by which it must be answered */
	int want_reply;		/* copy the reply payload */
	int done;		/* under rc->mu: results are final */
	int status;
	uint8_t *reply;
	size_t reply_len;
	pthread_cond_t cond;	/* signalled with done */
	conn_reply_fn cb;	/* rpc_call_async: run instead of waking */
	void *cb_arg;
	struct conn_sink *sink;	/* rpc_call_async_sink: borrowed, or NULL */
};

struct rpc_queue {
	struct rpc_req *head, *tail;
};

/* A loop thread and its loop, shared by the clients that hold a
 * reference (rpc_client_create_on). */
struct rpc_loop {
	struct ev_loop *loop;
	pthread_t tid;
	ev_async ctl;		/* clients to attach, quit */
	pthread_mutex_t mu;	/* guards attach, quit, refs, rc->attached */
	pthread_cond_t cond;	/* a client was attached */
	struct rpc_client *attach; /* clients whose wake watcher to start */
	int quit;
	int refs;
};

struct rpc_client {
	char *host;
	uint16_t port;
	uint32_t connect_timeout_ms;
	uint8_t *hello;		/* HELLO request payload, or NULL */
	size_t hello_len;

	struct rpc_loop *lp;	/* holds a reference */
	ev_async wake;		/* new calls or stop */
	struct rpc_client *attach_next; /* on lp->attach */
	int attached;		/* under lp->mu: wake runs */

	pthread_mutex_t mu;	/* guards submit, stopping, stopped,
				 * hello_reply, req->done */
	pthread_cond_t stop_cond; /* signalled with stopped */
	struct rpc_queue submit;
	int stopping;
	int stopped;		/* the loop thread is done with the client */
	uint8_t *hello_reply;	/* last HELLO reply payload */
	size_t hello_reply_len;
	int have_hello_reply;

	/* Loop thread only. */
	enum rpc_state state;
	struct conn *conn;	/* holds a ref while set */
	struct rpc_queue park;	/* calls waiting for RPC_READY */
	struct conn_handlers handlers; /* no requests served; on_close */
};

static void rpc_queue_push(struct rpc_queue *q, struct rpc_req *r)
{
	r->next = NULL;
	if (q->tail)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
}

static struct rpc_req *rpc_queue_take(struct rpc_queue *q)
{
	struct rpc_req *r = q->head;

	q->head = q->tail = NULL;
	return r;
}

/* Finish a call: copy the payload, wake the caller. r is gone afterwards. */
static void rpc_complete(struct rpc_req *r, int status, const uint8_t *payload,
			 size_t len)
{
	struct rpc_client *rc = r->rc;
	uint8_t *copy = NULL;

	if (r->cb) {
		r->cb(r->cb_arg, status, len ? payload : NULL, len);
		free(r);
		return;
	}
	if (len && r->want_reply) {
		copy = malloc(len);
		if (copy)
			memcpy(copy, payload, len);
		else
			status = -ENOMEM;
	}
	pthread_mutex_lock(&rc->mu);
	r->status = status;
	r->reply = copy;
	r->reply_len = copy ? len : 0;
	r->done = 1;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&rc->mu);
}

static void rpc_fail_all(struct rpc_req *r, int status)
{
	struct rpc_req *next;

	for (; r; r = next) {
		next = r->next;
		rpc_complete(r, status, NULL, 0);
	}
}

static void rpc_on_reply(void *arg, int status, const uint8_t *payload,
			 size_t len)
{
	rpc_complete(arg, status, payload, len);
}

static void rpc_send(struct rpc_client *rc, struct rpc_req *r)
{
	ev_tstamp left = r->deadline - ev_now(rc->lp->loop);
	uint32_t ms;
	int err;

	if (left <= 0) {
		rpc_complete(r, -ETIMEDOUT, NULL, 0);
		return;
	}
	ms = (uint32_t)(left * 1000.0) + 1;
	/* The caller keeps the payload until the call completes (rpc_call
	 * waits; rpc_call_async's caller until its callback): no copy. */
	err = conn_request_borrow(rc->conn, r->opcode, r->payload, r->len, ms,
				  r->sink, rpc_on_reply, r);
	if (err)
		rpc_complete(r, err, NULL, 0);
}

static void rpc_send_parked(struct rpc_client *rc)
{
	struct rpc_req *r = rpc_queue_take(&rc->park), *next;

	for (; r; r = next) {
		next = r->next;
		rpc_send(rc, r);
	}
}

static void rpc_on_hello(void *arg, int status, const uint8_t *payload,
			 size_t len)
{
	struct rpc_client *rc = arg;
	char why[64];

	if (status) {
		rpc_fail_all(rpc_queue_take(&rc->park), status);
		if (rc->conn && conn_is_open(rc->conn)) {
			snprintf(why, sizeof(why), "HELLO refused: %s",
				 strerror(-status));
			conn_close(rc->conn, why);
		}
		return;
	}
	pthread_mutex_lock(&rc->mu);
	free(rc->hello_reply);
	rc->hello_reply = len ? malloc(len) : NULL;
	if (rc->hello_reply)
		memcpy(rc->hello_reply, payload, len);
	rc->hello_reply_len = rc->hello_reply ? len : 0;
	rc->have_hello_reply = 1;
	pthread_mutex_unlock(&rc->mu);
	rc->state = RPC_READY;
	rpc_send_parked(rc);
}

static void rpc_on_close(struct conn *c)
{
	struct rpc_client *rc = conn_ctx(c);

	if (c != rc->conn)
		return;
	rc->conn = NULL;
	rc->state = RPC_IDLE;
	rpc_fail_all(rpc_queue_take(&rc->park), c->close_status);
	conn_put(c);
}

static void rpc_connect(struct rpc_client *rc)
{
	struct conn *c;
	int err;

	err = conn_connect_async(rc->lp->loop, rc->host, rc->port,
				 rc->connect_timeout_ms, &rc->handlers, &c);
	if (err) {
		rpc_fail_all(rpc_queue_take(&rc->park), err);
		return;
	}
	conn_get(c);
	rc->conn = c;
	rc->state = RPC_CONNECTING;
	if (!rc->hello_len) {
		rc->state = RPC_READY;
		rpc_send_parked(rc);
		return;
	}
	err = conn_request(c, PROTO_OP_HELLO, rc->hello, rc->hello_len,
			   rc->connect_timeout_ms, rpc_on_hello, rc);
	if (err)
		conn_close_status(c, "cannot send HELLO", err);
}

static void rpc_submit(struct rpc_client *rc, struct rpc_req *r)
{
	r->deadline = ev_now(rc->lp->loop) +
		      (r->timeout_ms ? r->timeout_ms : CONN_DEFAULT_TIMEOUT_MS) /
			      1000.0;
	if (rc->state == RPC_READY) {
		rpc_send(rc, r);
		return;
	}
	rpc_queue_push(&rc->park, r);
	if (rc->state == RPC_IDLE)
		rpc_connect(rc);
}

static void rpc_on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
	struct rpc_client *rc = w->data;
	struct rpc_req *r, *next;
	int stopping;

	pthread_mutex_lock(&rc->mu);
	r = rpc_queue_take(&rc->submit);
	stopping = rc->stopping;
	pthread_mutex_unlock(&rc->mu);
	if (stopping) {
		rpc_fail_all(r, -ECANCELED);
		rpc_fail_all(rpc_queue_take(&rc->park), -ECANCELED);
		if (rc->conn)
			conn_close_status(rc->conn, "client shutdown",
					  -ECANCELED);
		ev_async_stop(loop, &rc->wake);
		pthread_mutex_lock(&rc->mu);
		rc->stopped = 1;
		pthread_cond_signal(&rc->stop_cond);
		pthread_mutex_unlock(&rc->mu);
		return;
	}
	for (; r; r = next) {
		next = r->next;
		rpc_submit(rc, r);
	}
}

/* --- loops --- */

static void rpc_loop_on_ctl(struct ev_loop *loop, ev_async *w, int revents)
{
	struct rpc_loop *lp = w->data;
	struct rpc_client *rc;

	(void)revents;
	pthread_mutex_lock(&lp->mu);
	while ((rc = lp->attach)) {
		lp->attach = rc->attach_next;
		ev_async_start(loop, &rc->wake);
		rc->attached = 1;
	}
	pthread_cond_broadcast(&lp->cond);
	if (lp->quit) {
		ev_async_stop(loop, &lp->ctl);
		ev_break(loop, EVBREAK_ALL);
	}
	pthread_mutex_unlock(&lp->mu);
}

static void *rpc_thread_main(void *arg)
{
	struct rpc_loop *lp = arg;

	ev_run(lp->loop, 0);
	return NULL;
}

int rpc_loop_create(struct rpc_loop **out)
{
	struct rpc_loop *lp = calloc(1, sizeof(*lp));
	int err;

	if (!lp)
		return -ENOMEM;
	lp->loop = ev_loop_new(EVFLAG_AUTO);
	if (!lp->loop) {
		free(lp);
		return -ENOMEM;
	}
	pthread_mutex_init(&lp->mu, NULL);
	pthread_cond_init(&lp->cond, NULL);
	ev_async_init(&lp->ctl, rpc_loop_on_ctl);
	lp->ctl.data = lp;
	ev_async_start(lp->loop, &lp->ctl);
	lp->refs = 1;
	err = -pthread_create(&lp->tid, NULL, rpc_thread_main, lp);
	if (err) {
		pthread_cond_destroy(&lp->cond);
		pthread_mutex_destroy(&lp->mu);
		ev_loop_destroy(lp->loop);
		free(lp);
		return err;
	}
	*out = lp;
	return 0;
}

static void rpc_loop_get(struct rpc_loop *lp)
{
	pthread_mutex_lock(&lp->mu);
	lp->refs++;
	pthread_mutex_unlock(&lp->mu);
}

void rpc_loop_put(struct rpc_loop *lp)
{
	int last;

	if (!lp)
		return;
	pthread_mutex_lock(&lp->mu);
	last = --lp->refs == 0;
	if (last) {
		lp->quit = 1;
		ev_async_send(lp->loop, &lp->ctl);
	}
	pthread_mutex_unlock(&lp->mu);
	if (!last)
		return;
	pthread_join(lp->tid, NULL);
	ev_loop_destroy(lp->loop);
	pthread_cond_destroy(&lp->cond);
	pthread_mutex_destroy(&lp->mu);
	free(lp);
}

/* --- clients --- */

int rpc_client_create_on(struct rpc_loop *lp, const char *host,
			 uint16_t port, uint32_t connect_timeout_ms,
			 const void *hello, size_t hello_len,
			 struct rpc_client **out)
{
	struct rpc_client *rc;

	rc = calloc(1, sizeof(*rc));
	if (!rc)
		return -ENOMEM;
	rc->host = strdup(host && *host ? host : "127.0.0.1");
	if (!rc->host)
		goto err_rc;
	rc->port = port;
	rc->connect_timeout_ms = connect_timeout_ms ? connect_timeout_ms :
						      CONN_DEFAULT_TIMEOUT_MS;
	if (hello_len) {
		rc->hello = malloc(hello_len);
		if (!rc->hello)
			goto err_host;
		memcpy(rc->hello, hello, hello_len);
		rc->hello_len = hello_len;
	}
	rc->handlers.ctx = rc;
	rc->handlers.on_close = rpc_on_close;
	pthread_mutex_init(&rc->mu, NULL);
	pthread_cond_init(&rc->stop_cond, NULL);
	ev_async_init(&rc->wake, rpc_on_wake);
	rc->wake.data = rc;
	rpc_loop_get(lp);
	rc->lp = lp;
	/* The loop thread starts the watcher: here when we are on it (a
	 * callback creating a client), else in rpc_loop_on_ctl. */
	pthread_mutex_lock(&lp->mu);
	if (pthread_equal(pthread_self(), lp->tid)) {
		ev_async_start(lp->loop, &rc->wake);
		rc->attached = 1;
	} else {
		rc->attach_next = lp->attach;
		lp->attach = rc;
		ev_async_send(lp->loop, &lp->ctl);
	}
	while (!rc->attached)
		pthread_cond_wait(&lp->cond, &lp->mu);
	pthread_mutex_unlock(&lp->mu);
	*out = rc;
	return 0;
err_host:
	free(rc->host);
err_rc:
	free(rc);
	return -ENOMEM;
}

int rpc_client_create(const char *host, uint16_t port,
		      uint32_t connect_timeout_ms, const void *hello,
		      size_t hello_len, struct rpc_client **out)
{
	struct rpc_loop *lp;
	int err = rpc_loop_create(&lp);

	if (err)
		return err;
	err = rpc_client_create_on(lp, host, port, connect_timeout_ms, hello,
				   hello_len, out);
	rpc_loop_put(lp); /* the client's reference keeps it */
	return err;
}

void rpc_client_destroy(struct rpc_client *rc)
{
	if (!rc)
		return;
	pthread_mutex_lock(&rc->mu);
	rc->stopping = 1;
	ev_async_send(rc->lp->loop, &rc->wake);
	while (!rc->stopped)
		pthread_cond_wait(&rc->stop_cond, &rc->mu);
	pthread_mutex_unlock(&rc->mu);
	rpc_loop_put(rc->lp);
	pthread_cond_destroy(&rc->stop_cond);
	pthread_mutex_destroy(&rc->mu);
	free(rc->hello_reply);
	free(rc->hello);
	free(rc->host);
	free(rc);
}

int rpc_call(struct rpc_client *rc, uint16_t opcode, const void *payload,
	     size_t len, uint32_t timeout_ms, uint8_t **reply, size_t *reply_len)
{
	struct rpc_req r = { .rc = rc, .opcode = opcode, .payload = payload,
			     .len = len, .timeout_ms = timeout_ms,
			     .want_reply = reply != NULL };

	if (reply)
		*reply = NULL;
	if (reply_len)
		*reply_len = 0;
	pthread_cond_init(&r.cond, NULL);
	pthread_mutex_lock(&rc->mu);
	if (rc->stopping) {
		r.status = -ECANCELED;
		r.done = 1;
	} else {
		rpc_queue_push(&rc->submit, &r);
		ev_async_send(rc->lp->loop, &rc->wake);
	}
	while (!r.done)
		pthread_cond_wait(&r.cond, &rc->mu);
	pthread_mutex_unlock(&rc->mu);
	pthread_cond_destroy(&r.cond);
	if (reply)
		*reply = r.reply;
	if (reply_len)
		*reply_len = r.reply_len;
	return r.status;
}

int rpc_call_async(struct rpc_client *rc, uint16_t opcode,
		   const void *payload, size_t len, uint32_t timeout_ms,
		   conn_reply_fn cb, void *arg)
{
	return rpc_call_async_sink(rc, opcode, payload, len, timeout_ms, NULL,
				   cb, arg);
}

int rpc_call_async_sink(struct rpc_client *rc, uint16_t opcode,
			const void *payload, size_t len, uint32_t timeout_ms,
			struct conn_sink *sink, conn_reply_fn cb, void *arg)
{
	struct rpc_req *r;
	int err = 0;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	*r = (struct rpc_req){ .rc = rc, .opcode = opcode, .payload = payload,
			       .len = len, .timeout_ms = timeout_ms,
			       .cb = cb, .cb_arg = arg, .sink = sink };
	pthread_mutex_lock(&rc->mu);
	if (rc->stopping) {
		err = -ECANCELED;
	} else {
		rpc_queue_push(&rc->submit, r);
		ev_async_send(rc->lp->loop, &rc->wake);
	}
	pthread_mutex_unlock(&rc->mu);
	if (err)
		free(r);
	return err;
}

int rpc_client_hello_reply(struct rpc_client *rc, uint8_t **buf, size_t *len)
{
	int err = 0;

	pthread_mutex_lock(&rc->mu);
	if (!rc->have_hello_reply) {
		err = -ENOTCONN;
		goto out;
	}
	*buf = malloc(rc->hello_reply_len ? rc->hello_reply_len : 1);
	if (!*buf) {
		err = -ENOMEM;
		goto out;
	}
	if (rc->hello_reply_len)
		memcpy(*buf, rc->hello_reply, rc->hello_reply_len);
	*len = rc->hello_reply_len;
out:
	pthread_mutex_unlock(&rc->mu);
	return err;
}
