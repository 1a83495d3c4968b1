/*
 * conn.c - one framed, pipelined TCP connection on a libev loop (conn.h).
 *
 * Read side: conn_drive() runs the state machine of enum conn_state
 * (conn_i.h). Bytes are read into a per-conn buffer (rbuf); a read that
 * returns less than it asked for drained the socket, so the drive stops
 * there instead of asking again for an EAGAIN (epoll is level-triggered:
 * bytes that arrive later wake the loop again); the header is
 * collected into hdr_raw and validated before any payload memory is taken;
 * a payload that already sits whole in rbuf is dispatched in place, anything
 * longer gets a buffer of exactly payload_len (<= FRAME_MAX_PAYLOAD; a
 * little more, page-aligned, where conn_set_payload_align asks for one
 * payload byte to sit on a page boundary) and big ones are read straight
 * into it. Partial frames survive across reads.
 *
 * Write side: frames wait in a queue and go out with one sendmsg (a writev)
 * per batch. A frame's payload is copied into it, or taken (a malloc'd
 * reply), or borrowed (conn_request_borrow: a request whose caller keeps
 * the buffer until the callback; the frame and its request point at each
 * other, and pend_unborrow copies what a frame still queued borrows
 * before the callback runs). A reply may end in a file range
 * (conn_reply_threadsafe_file: OBJ_READ_C data) that goes out with
 * sendfile once the frame's header and head are sent (MSG_MORE on that
 * sendmsg, so the two leave in full segments); the page cache's pages go
 * to the socket without a copy in user space. A conn that queues a frame joins its loop's
 * flush list (struct conn_loopctx), which an ev_prepare watcher empties
 * just before the loop blocks, as Redis writes its replies before it
 * sleeps: every frame a loop pass produced goes out in one sendmsg per
 * conn, with no write watcher (two epoll_ctl calls and a loop pass per
 * frame, which cost more than the send on a paravirtualised VM). Only a
 * socket that does not take everything gets the write watcher (EV_WRITE)
 * until it drains. A frame queued after the flush in the same pass (by a
 * later prepare watcher) starts the write watcher at once. Backpressure:
 * while more than CONN_WQ_HIGH bytes of replies are queued or
 * CONN_MAX_UNREPLIED requests await their replies, the conn stops reading
 * (CONN_PAUSED) until the queue drains below CONN_WQ_LOW; a peer that never
 * reads cannot grow our memory without bound. Only replies count: requests
 * we send ourselves are bounded by our callers, and pausing on them would
 * stop us reading the very replies that drain them (a deadlock between two
 * pausing peers). Two peers that both flood each other with requests can
 * still stall each other; Glint's flows are client -> server, so that is
 * not handled.
 *
 * Requests we send wait in a hash table keyed by req_id (ids count up from
 * 1 per conn), each with its own ev_timer; every callback runs exactly once.
 * A request may carry a reply sink (struct conn_sink, conn.h): a reply
 * that does not arrive whole with its header is then received straight
 * into the caller's buffer (rx_pend names the request meanwhile; it stays
 * in the table, so its timeout and a close still complete it, and then
 * the rest of the payload is read and dropped: rx_discard). Its checksum
 * is computed over the two pieces (frame_checksum_iov).
 * A reply to an id we issued but no longer wait for (timed out) is dropped;
 * a reply to an id never issued closes the conn.
 *
 * Cross-thread replies go through a per-loop context (struct conn_loopctx):
 * a locked queue and one ev_async, created when the first conn opens on a
 * loop and torn down, on that loop's thread, when the last one closes.
 *
 * Lifetime: refs count the loop's hold (while open), the drive function on
 * the stack, queued cross-thread replies and handlers' conn_get(). Closing
 * releases the socket, watchers, write queue and pending requests at once;
 * memory goes with the last conn_put(), which may run on any thread.
 */
#include "common/conn_i.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"

#define CONN_RBUF_SIZE	     (16u << 10) /* read buffer per conn */
#define CONN_READS_PER_EVENT 8		 /* fairness between conns */
#define CONN_WQ_HIGH	     (4u << 20)	 /* stop reading above this */
#define CONN_WQ_LOW	     (1u << 20)	 /* resume reading below this */
#define CONN_MAX_UNREPLIED   1024	 /* dispatched requests not answered */
#define CONN_IOV_MAX	     64		 /* iovecs per sendmsg */

/* One frame in the write queue. */
struct conn_out {
	struct conn_out *next;
	uint8_t hdr[FRAME_HEADER_LEN];
	const uint8_t *data;	/* payload: owned or inline_data */
	size_t len;		/* payload bytes */
	void *owned;		/* malloc'd payload to free, or NULL */
	struct conn_pending *pend; /* borrowed payload: whose it is, or NULL */
	size_t sent;		/* bytes of hdr + data + file already written */
	int is_reply;		/* counts in wq_reply_bytes */
	struct conn_file file;	/* the payload's tail, sent with sendfile
				   after hdr and data (fd -1, len 0: none) */
	int file_zeros;		/* the file ended early: zeros instead */
	uint8_t inline_data[];	/* copied payload */
};

/* A request we sent and whose reply we wait for. */
struct conn_pending {
	struct conn_pending *next; /* hash chain */
	struct conn *c;
	uint64_t req_id;
	conn_reply_fn cb;
	void *arg;
	struct conn_sink *sink;	/* borrowed until cb; may be NULL */
	struct conn_out *out;	/* its frame, queued with the payload
				   borrowed (conn_request_borrow), or NULL */
	ev_timer timer;		/* the request's timeout */
};

/* A reply queued by conn_reply_threadsafe(). */
struct conn_tsreply {
	struct conn_tsreply *next;
	struct conn *c;		/* holds a ref */
	uint16_t opcode;
	uint64_t req_id;
	int status;
	void *payload;		/* owned */
	size_t len;
	struct conn_file file;	/* owned fd, or fd -1 */
	size_t head_len;	/* FRAME_F_HEAD_CSUM over this much, or
				   SIZE_MAX: an ordinary frame */
};

/* Per-loop state for cross-thread replies. */
struct conn_loopctx {
	struct conn_loopctx *next; /* registry list */
	struct ev_loop *loop;
	atomic_int refs;	/* the registry while live, plus each conn */
	unsigned nopen;		/* open conns on the loop (loop thread) */
	ev_async wake;		/* started while live */
	ev_prepare flush_w;	/* flushes flush_head before the loop blocks */
	ev_check check_w;	/* clears flushed after the loop wakes */
	struct conn *flush_head; /* conns with frames to send (loop thread;
				    each holds a ref while listed) */
	int flushed;		/* flush_w ran in this pass: send at once */
	pthread_mutex_t mu;	/* guards q_* and dead */
	struct conn_tsreply *q_head, *q_tail;
	int dead;		/* torn down: the loop may be gone */
};

/* Live loop contexts by loop; lock order: registry_mu, then a ctx's mu. */
static pthread_mutex_t lctx_registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct conn_loopctx *lctx_registry;

static void conn_drive(struct conn *c);
static void conn_answered(struct conn *c);
static int conn_send(struct conn *c, uint16_t opcode, uint32_t flags,
		     int status, uint64_t req_id, const void *payload,
		     size_t len, void *owned);
static int conn_send_frame(struct conn *c, uint16_t opcode, uint32_t flags,
			   int status, uint64_t req_id, const void *payload,
			   size_t len, void *owned,
			   struct conn_pending *borrower, size_t head_len,
			   const struct conn_file *file);
static void conn_out_free(struct conn_out *o);

/* --- socket setup --- */

static int conn_sock_setup(int fd)
{
	int one = 1;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	/* Fails on non-TCP sockets: harmless, TCP_NODELAY is only latency. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

/* --- per-loop context --- */

static void lctx_put(struct conn_loopctx *l)
{
	if (atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* Send one queued cross-thread reply, on the loop thread. */
static void lctx_deliver(struct conn_tsreply *r)
{
	struct conn *c = r->c;

	if (c->state != CONN_CLOSED) {
		int head = r->head_len != SIZE_MAX;

		conn_send_frame(c, r->opcode,
				FRAME_F_REPLY | (head ? FRAME_F_HEAD_CSUM : 0),
				r->status, r->req_id, r->payload, r->len,
				r->payload, NULL, r->head_len,
				r->file.fd >= 0 ? &r->file : NULL);
		r->payload = NULL; /* conn_send_frame took it */
		r->file.fd = -1;   /* and the file */
		conn_answered(c);
	}
	if (r->file.fd >= 0)
		close(r->file.fd);
	free(r->payload);
	free(r);
	conn_put(c);
}

static void lctx_on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
	struct conn_loopctx *l = w->data;
	struct conn_tsreply *r, *next;

	pthread_mutex_lock(&l->mu);
	r = l->q_head;
	l->q_head = l->q_tail = NULL;
	pthread_mutex_unlock(&l->mu);
	/* l may be torn down and freed by the last delivery: don't touch it. */
	for (; r; r = next) {
		next = r->next;
		lctx_deliver(r);
	}
}

static void conn_flush(struct conn *c);

/* Send what the loop's conns queued (conn_want_flush). A flush may run
 * handlers (a resumed read) that queue more: loop until nothing is
 * listed. The caller holds a ref on l: a flush may close the last conn. */
static void lctx_flush(struct conn_loopctx *l)
{
	struct conn *c;

	while ((c = l->flush_head)) {
		l->flush_head = c->flush_next;
		c->flush_next = NULL;
		c->flush_queued = 0;
		if (c->state != CONN_CLOSED)
			conn_flush(c);
		conn_put(c);
	}
}

/* Before the loop blocks: flush this pass's frames. */
static void lctx_on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct conn_loopctx *l = w->data;

	(void)loop;
	(void)revents;
	atomic_fetch_add(&l->refs, 1);
	lctx_flush(l);
	l->flushed = 1;
	lctx_put(l);
}

static void lctx_on_check(struct ev_loop *loop, ev_check *w, int revents)
{
	struct conn_loopctx *l = w->data;

	(void)loop;
	(void)revents;
	l->flushed = 0;
}

/* c queued a frame: have it sent before the loop blocks. */
static void conn_want_flush(struct conn *c)
{
	struct conn_loopctx *l = c->lctx;

	if (c->state == CONN_CONNECTING || ev_is_active(&c->wio) ||
	    c->flush_queued)
		return; /* the write watcher or the flush list has it */
	if (l->flushed) { /* after this pass's flush: do not wait for it */
		ev_io_start(c->loop, &c->wio);
		return;
	}
	conn_get(c);
	c->flush_queued = 1;
	c->flush_next = l->flush_head;
	l->flush_head = c;
}

/* A conn opens on loop: find or make the loop's context; one ref for it. */
static struct conn_loopctx *lctx_attach(struct ev_loop *loop)
{
	struct conn_loopctx *l;

	pthread_mutex_lock(&lctx_registry_mu);
	for (l = lctx_registry; l; l = l->next)
		if (l->loop == loop)
			break;
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l)
			goto out;
		l->loop = loop;
		atomic_init(&l->refs, 1);
		pthread_mutex_init(&l->mu, NULL);
		ev_async_init(&l->wake, lctx_on_wake);
		l->wake.data = l;
		ev_async_start(loop, &l->wake);
		/* The lowest priority, so that it is the last prepare
		 * watcher (group_commit.c's, which replies, runs before). */
		ev_prepare_init(&l->flush_w, lctx_on_prepare);
		l->flush_w.data = l;
		ev_set_priority(&l->flush_w, EV_MINPRI);
		ev_prepare_start(loop, &l->flush_w);
		ev_check_init(&l->check_w, lctx_on_check);
		l->check_w.data = l;
		ev_set_priority(&l->check_w, EV_MAXPRI);
		ev_check_start(loop, &l->check_w);
		l->next = lctx_registry;
		lctx_registry = l;
	}
	l->nopen++;
	atomic_fetch_add(&l->refs, 1);
out:
	pthread_mutex_unlock(&lctx_registry_mu);
	return l;
}

/* A conn closed (loop thread): the last one tears the context down. */
static void lctx_conn_closed(struct conn_loopctx *l)
{
	struct conn_loopctx **pp;
	struct conn_tsreply *r, *next;

	pthread_mutex_lock(&lctx_registry_mu);
	if (--l->nopen) {
		pthread_mutex_unlock(&lctx_registry_mu);
		return;
	}
	for (pp = &lctx_registry; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	pthread_mutex_unlock(&lctx_registry_mu);

	pthread_mutex_lock(&l->mu);
	l->dead = 1;
	r = l->q_head;
	l->q_head = l->q_tail = NULL;
	pthread_mutex_unlock(&l->mu);
	ev_async_stop(l->loop, &l->wake);
	ev_prepare_stop(l->loop, &l->flush_w);
	ev_check_stop(l->loop, &l->check_w);
	lctx_flush(l); /* every conn listed is closed: just puts */
	for (; r; r = next) { /* every conn here is closed: replies dropped */
		next = r->next;
		lctx_deliver(r);
	}
	lctx_put(l); /* the registry's */
}

static int conn_reply_ts(struct conn *c, uint16_t opcode, uint64_t req_id,
			 int status, void *payload, size_t len,
			 size_t head_len, const struct conn_file *f)
{
	struct conn_loopctx *l = c->lctx;
	struct conn_tsreply *r;
	int rc = 0;

	r = calloc(1, sizeof(*r));
	if (!r) {
		free(payload);
		if (f)
			close(f->fd);
		return -ENOMEM;
	}
	conn_get(c);
	*r = (struct conn_tsreply){ .c = c, .opcode = opcode, .req_id = req_id,
				    .status = status, .payload = payload,
				    .len = len, .file = { .fd = -1 },
				    .head_len = head_len };
	if (f)
		r->file = *f;
	pthread_mutex_lock(&l->mu);
	if (l->dead) {
		rc = -ENOTCONN;
	} else {
		if (l->q_tail)
			l->q_tail->next = r;
		else
			l->q_head = r;
		l->q_tail = r;
		/* Under mu: while !dead, the loop is alive. */
		ev_async_send(l->loop, &l->wake);
	}
	pthread_mutex_unlock(&l->mu);
	if (rc) {
		free(payload);
		if (r->file.fd >= 0)
			close(r->file.fd);
		free(r);
		conn_put(c);
	}
	return rc;
}

int conn_reply_threadsafe(struct conn *c, uint16_t opcode, uint64_t req_id,
			  int status, void *payload, size_t len)
{
	return conn_reply_ts(c, opcode, req_id, status, payload, len, SIZE_MAX,
			     NULL);
}

int conn_reply_threadsafe_file(struct conn *c, uint16_t opcode,
			       uint64_t req_id, void *head, size_t len,
			       const struct conn_file *f)
{
	return conn_reply_ts(c, opcode, req_id, 0, head, len, len, f);
}

int conn_reply_threadsafe_head(struct conn *c, uint16_t opcode,
			       uint64_t req_id, void *payload, size_t len,
			       size_t head_len)
{
	if (head_len > len) {
		free(payload);
		return -EINVAL;
	}
	return conn_reply_ts(c, opcode, req_id, 0, payload, len, head_len,
			     NULL);
}

/* --- refcounts and accessors --- */

void conn_get(struct conn *c)
{
	atomic_fetch_add(&c->refs, 1);
}

static void conn_free(struct conn *c)
{
	free(c->rbuf);
	free(c->pay_owned);
	free(c->pend);
	if (c->lctx)
		lctx_put(c->lctx);
	free(c);
}

void conn_put(struct conn *c)
{
	if (c && atomic_fetch_sub(&c->refs, 1) == 1)
		conn_free(c);
}

int conn_is_open(const struct conn *c)
{
	return c->state != CONN_CLOSED;
}

void *conn_ctx(const struct conn *c)
{
	return c->handlers ? c->handlers->ctx : NULL;
}

void *conn_user(const struct conn *c)
{
	return c->user;
}

void *conn_steal_payload(struct conn *c)
{
	void *p = c->pay_owned;

	if (p && c->pay >= c->pay_owned &&
	    c->pay < c->pay_owned + CONN_PAYLOAD_ALIGN) {
		c->pay_owned = NULL; /* CONN_DISPATCH frees nothing now */
		return p;
	}
	return NULL;
}

void conn_set_payload_align(struct conn *c, size_t off)
{
	c->pay_align_off = off;
}

void conn_set_user(struct conn *c, void *user)
{
	c->user = user;
}

int conn_same_host(const struct conn *c)
{
	return c->same_host;
}

const char *conn_peer(const struct conn *c)
{
	return c->peer;
}

struct ev_loop *conn_loop(const struct conn *c)
{
	return c->loop;
}

/* --- pending requests --- */

static uint32_t pend_slot(const struct conn *c, uint64_t req_id)
{
	return (uint32_t)((req_id * 0x9e3779b97f4a7c15ull) >> 32) &
	       (c->pend_nbuckets - 1);
}

static int pend_grow(struct conn *c)
{
	uint32_t n = c->pend_nbuckets ? c->pend_nbuckets * 2 : 64;
	struct conn_pending **old = c->pend, **nb;
	uint32_t old_n = c->pend_nbuckets;

	nb = calloc(n, sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	c->pend = nb;
	c->pend_nbuckets = n;
	for (uint32_t i = 0; i < old_n; i++) {
		struct conn_pending *p, *next;

		for (p = old[i]; p; p = next) {
			uint32_t s = pend_slot(c, p->req_id);

			next = p->next;
			p->next = nb[s];
			nb[s] = p;
		}
	}
	free(old);
	return 0;
}

static int pend_insert(struct conn *c, struct conn_pending *p)
{
	uint32_t s;

	if (c->pend_count >= c->pend_nbuckets * 2 && pend_grow(c) &&
	    !c->pend_nbuckets)
		return -ENOMEM; /* a failed grow is fine once buckets exist */
	s = pend_slot(c, p->req_id);
	p->next = c->pend[s];
	c->pend[s] = p;
	c->pend_count++;
	return 0;
}

static struct conn_pending *pend_find(struct conn *c, uint64_t req_id)
{
	struct conn_pending *p;

	if (!c->pend_count)
		return NULL;
	for (p = c->pend[pend_slot(c, req_id)]; p; p = p->next)
		if (p->req_id == req_id)
			return p;
	return NULL;
}

static struct conn_pending *pend_remove(struct conn *c, uint64_t req_id)
{
	struct conn_pending **pp, *p;

	if (!c->pend_count)
		return NULL;
	for (pp = &c->pend[pend_slot(c, req_id)]; (p = *pp); pp = &p->next) {
		if (p->req_id == req_id) {
			*pp = p->next;
			c->pend_count--;
			return p;
		}
	}
	return NULL;
}

/* Any pending request, removed; NULL when none. */
static struct conn_pending *pend_pop_any(struct conn *c)
{
	for (uint32_t i = 0; c->pend_count && i < c->pend_nbuckets; i++)
		if (c->pend[i])
			return pend_remove(c, c->pend[i]->req_id);
	return NULL;
}

/*
 * Before p's callback runs (which lets its caller free the payload): a
 * frame of p still queued with its payload borrowed gets a copy of it. A
 * frame is normally sent whole before its reply can come; this is for a
 * timeout with the socket full, or a peer that answers early. -ENOMEM
 * when the copy cannot be made: the caller closes the conn.
 */
static int pend_unborrow(struct conn_pending *p)
{
	struct conn_out *o = p->out;
	void *copy;

	if (!o)
		return 0;
	copy = malloc(o->len ? o->len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, o->data, o->len);
	o->owned = copy;
	o->data = copy;
	o->pend = NULL;
	p->out = NULL;
	return 0;
}

static void pend_on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn_pending *p = w->data;

	if (pend_unborrow(p)) {
		conn_close(p->c, "out of memory"); /* completes p */
		return;
	}
	if (p->c->rx_pend == p) { /* its sink is the caller's again */
		p->c->rx_pend = NULL;
		p->c->rx_discard = 1;
	}
	pend_remove(p->c, p->req_id);
	p->cb(p->arg, -ETIMEDOUT, NULL, 0);
	free(p);
}

/* --- closing --- */

void conn_close_status(struct conn *c, const char *reason, int status)
{
	struct conn_pending *p;
	struct conn_out *o, *next;

	if (c->state == CONN_CLOSED)
		return;
	conn_get(c); /* callbacks below may drop other refs */
	LOG_RATELIMITED(LOG_NOTICE, "conn", "peer=%s closed: %s", c->peer,
			reason ? reason : "closed locally");
	c->state = CONN_CLOSED;
	c->close_status = status;
	ev_io_stop(c->loop, &c->rio);
	ev_io_stop(c->loop, &c->wio);
	ev_timer_stop(c->loop, &c->timer);
	close(c->fd);
	c->fd = -1;
	for (o = c->wq_head; o; o = next) {
		next = o->next;
		conn_out_free(o);
	}
	c->wq_head = c->wq_tail = NULL;
	c->wq_bytes = 0;
	c->wq_reply_bytes = 0;
	c->rx_pend = NULL;
	while ((p = pend_pop_any(c))) {
		ev_timer_stop(c->loop, &p->timer);
		p->cb(p->arg, status, NULL, 0);
		free(p);
	}
	if (c->handlers && c->handlers->on_close)
		c->handlers->on_close(c);
	if (c->release)
		c->release(c);
	lctx_conn_closed(c->lctx);
	conn_put(c); /* the loop's */
	conn_put(c);
}

void conn_close(struct conn *c, const char *reason)
{
	conn_close_status(c, reason, c->close_status);
}

/* --- write side --- */

/* A frame leaves the queue (sent, or the conn closed). */
static void conn_out_free(struct conn_out *o)
{
	if (o->pend)
		o->pend->out = NULL;
	if (o->file.fd >= 0)
		close(o->file.fd);
	free(o->owned);
	free(o);
}

/*
 * Queue a frame. Its payload is copied, or taken (owned: malloc'd, freed
 * once sent), or borrowed (borrower: the request whose caller keeps it
 * valid until its callback; not copied, see pend_unborrow). With
 * FRAME_F_HEAD_CSUM in flags, the checksum covers the first head_len
 * bytes only. file (may be NULL; its fd taken, also on failure) ends the
 * payload.
 */
static int conn_send_frame(struct conn *c, uint16_t opcode, uint32_t flags,
			   int status, uint64_t req_id, const void *payload,
			   size_t len, void *owned,
			   struct conn_pending *borrower, size_t head_len,
			   const struct conn_file *file)
{
	static const uint8_t empty_error[2]; /* ERROR with an empty reason */
	struct frame_header h = { .version = FRAME_VERSION, .opcode = opcode,
				  .flags = flags, .status = status,
				  .req_id = req_id };
	size_t flen = file ? file->len : 0;
	struct conn_out *o;
	int rc = 0;

	if (c->state == CONN_CLOSED)
		rc = -ENOTCONN;
	else if (len > FRAME_MAX_PAYLOAD || flen > FRAME_MAX_PAYLOAD - len)
		rc = -EMSGSIZE;
	if (rc) {
		free(owned);
		if (file)
			close(file->fd);
		return rc;
	}
	if (status && !len) { /* an error reply always carries an ERROR */
		payload = empty_error;
		len = sizeof(empty_error);
	}
	o = malloc(sizeof(*o) + (owned || borrower ? 0 : len));
	if (!o) {
		free(owned);
		if (file)
			close(file->fd);
		return -ENOMEM;
	}
	o->next = NULL;
	o->len = len;
	o->owned = owned;
	o->pend = NULL;
	o->sent = 0;
	o->is_reply = !!(flags & FRAME_F_REPLY);
	o->file = file ? *file : (struct conn_file){ .fd = -1 };
	o->file_zeros = 0;
	if (owned) {
		o->data = owned;
	} else if (borrower && len) {
		o->data = payload;
		o->pend = borrower;
		borrower->out = o;
	} else {
		if (len)
			memcpy(o->inline_data, payload, len);
		o->data = o->inline_data;
	}
	h.payload_len = (uint32_t)(len + flen);
	if (flags & FRAME_F_HEAD_CSUM)
		frame_encode_header_head(&h, o->data, head_len, o->hdr);
	else
		frame_encode_header(&h, o->data, o->hdr);
	if (c->wq_tail)
		c->wq_tail->next = o;
	else
		c->wq_head = o;
	c->wq_tail = o;
	c->wq_bytes += FRAME_HEADER_LEN + len + flen;
	if (o->is_reply)
		c->wq_reply_bytes += FRAME_HEADER_LEN + len + flen;
	conn_want_flush(c);
	return 0;
}

static int conn_send(struct conn *c, uint16_t opcode, uint32_t flags,
		     int status, uint64_t req_id, const void *payload,
		     size_t len, void *owned)
{
	return conn_send_frame(c, opcode, flags, status, req_id, payload, len,
			       owned, NULL, SIZE_MAX, NULL);
}

static int conn_can_resume(const struct conn *c)
{
	return c->wq_reply_bytes <= CONN_WQ_LOW &&
	       c->in_unreplied < CONN_MAX_UNREPLIED / 2;
}

static void conn_maybe_resume(struct conn *c)
{
	if (c->state == CONN_PAUSED && !c->in_drive && conn_can_resume(c))
		conn_drive(c);
}

/* Bytes of o's frame held in memory: header and payload (a file tail
 * follows them). */
static size_t out_mem(const struct conn_out *o)
{
	return FRAME_HEADER_LEN + o->len;
}

/* The head frame o is on the wire whole: off the queue. */
static void conn_out_done(struct conn *c, struct conn_out *o)
{
	if (o->is_reply)
		c->wq_reply_bytes -= out_mem(o) + o->file.len;
	c->wq_head = o->next;
	if (!c->wq_head)
		c->wq_tail = NULL;
	conn_out_free(o);
}

/* A sendfile error that is the socket's (the conn is done), not the
 * file's. */
static int conn_sock_errno(int e)
{
	return e == EPIPE || e == ECONNRESET || e == ENOTCONN ||
	       e == ETIMEDOUT || e == EHOSTUNREACH || e == ENETUNREACH;
}

/*
 * Send some of the file tail of the head frame o (its header and payload
 * are out): 1 when bytes went, 0 when the socket is full, -1 when the
 * conn closed. A file that ends early or fails to read is followed by
 * zeros up to the promised length (conn.h).
 */
static int conn_flush_file(struct conn *c, struct conn_out *o)
{
	static const uint8_t zeros[64 << 10];
	size_t left = out_mem(o) + o->file.len - o->sent;
	char why[96];
	ssize_t w;

	if (!o->file_zeros) {
		off_t off = (off_t)(o->file.off + (o->sent - out_mem(o)));

		w = sendfile(c->fd, o->file.fd, &off, left);
		if (w > 0)
			goto sent;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (w < 0 && errno == EINTR)
			return 1;
		if (w < 0 && conn_sock_errno(errno)) {
			snprintf(why, sizeof(why), "write: %s",
				 strerror(errno));
			conn_close(c, why);
			return -1;
		}
		LOG_RATELIMITED(w ? LOG_WARNING : LOG_DEBUG, "conn",
				"peer=%s sendfile: %s: the rest of the reply "
				"(%zu bytes) goes as zeros",
				c->peer, w ? strerror(errno) : "file ended early",
				left);
		o->file_zeros = 1;
	}
	w = send(c->fd, zeros, left < sizeof(zeros) ? left : sizeof(zeros),
		 MSG_NOSIGNAL);
	if (w < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EINTR)
			return 1;
		snprintf(why, sizeof(why), "write: %s", strerror(errno));
		conn_close(c, why);
		return -1;
	}
sent:
	o->sent += (size_t)w;
	c->wq_bytes -= (size_t)w;
	if ((size_t)w == left)
		conn_out_done(c, o);
	return 1;
}

static void conn_flush(struct conn *c)
{
	while (c->wq_head) {
		struct iovec iov[CONN_IOV_MAX];
		struct msghdr msg = { .msg_iov = iov };
		struct conn_out *o = c->wq_head;
		size_t n = 0;
		int more = 0;
		ssize_t w;

		if (o->file.len && o->sent >= out_mem(o)) {
			int rc = conn_flush_file(c, o);

			if (rc < 0)
				return;
			if (rc == 0)
				break;
			continue;
		}
		/* Frames up to the first with a file tail, whose memory part
		 * ends this batch (MSG_MORE: its tail follows at once). */
		for (; o && n + 2 <= CONN_IOV_MAX; o = o->next) {
			if (o->sent < FRAME_HEADER_LEN) {
				iov[n].iov_base = o->hdr + o->sent;
				iov[n++].iov_len = FRAME_HEADER_LEN - o->sent;
				if (o->len) {
					iov[n].iov_base = (void *)o->data;
					iov[n++].iov_len = o->len;
				}
			} else {
				size_t off = o->sent - FRAME_HEADER_LEN;

				iov[n].iov_base = (void *)(o->data + off);
				iov[n++].iov_len = o->len - off;
			}
			if (o->file.len) {
				more = 1;
				break;
			}
		}
		msg.msg_iovlen = n;
		w = sendmsg(c->fd, &msg, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
		if (w < 0) {
			char why[96];

			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			snprintf(why, sizeof(why), "write: %s", strerror(errno));
			conn_close(c, why);
			return;
		}
		c->wq_bytes -= (size_t)w;
		while (w > 0) {
			size_t left;

			o = c->wq_head;
			left = out_mem(o) - o->sent;
			if ((size_t)w < left) {
				o->sent += (size_t)w;
				break;
			}
			w -= (ssize_t)left;
			o->sent += left;
			if (o->file.len)
				break; /* its tail goes next, with sendfile */
			conn_out_done(c, o);
		}
	}
	if (c->wq_head)
		ev_io_start(c->loop, &c->wio);
	else
		ev_io_stop(c->loop, &c->wio);
	conn_maybe_resume(c);
}

/* --- replies and requests --- */

/* A request from the peer got its answer: count it for backpressure. */
static void conn_answered(struct conn *c)
{
	if (c->in_unreplied)
		c->in_unreplied--;
	conn_maybe_resume(c);
}

int conn_reply(struct conn *c, const struct frame_header *h, int status,
	       const void *payload, size_t len)
{
	int rc = conn_send(c, h->opcode, FRAME_F_REPLY, status, h->req_id,
			   payload, len, NULL);

	if (c->state != CONN_CLOSED)
		conn_answered(c);
	return rc;
}

int conn_reply_take(struct conn *c, const struct frame_header *h, int status,
		    void *payload, size_t len)
{
	int rc = conn_send(c, h->opcode, FRAME_F_REPLY, status, h->req_id,
			   payload, len, payload);

	if (c->state != CONN_CLOSED)
		conn_answered(c);
	return rc;
}

int conn_reply_error(struct conn *c, const struct frame_header *h, int status,
		     const char *reason)
{
	struct msg_error m = { .reason = reason ? reason : "" };
	uint8_t buf[2 + PROTO_ERRMSG_MAX];
	ssize_t n;

	if (status >= 0)
		return -EINVAL;
	m.reason_len = (uint16_t)strnlen(m.reason, PROTO_ERRMSG_MAX);
	n = msg_error_encode(&m, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return conn_reply(c, h, status, buf, (size_t)n);
}

int conn_request(struct conn *c, uint16_t opcode, const void *payload,
		 size_t len, uint32_t timeout_ms, conn_reply_fn cb, void *arg)
{
	return conn_request_sink(c, opcode, payload, len, timeout_ms, NULL, cb,
				 arg);
}

static int conn_request_do(struct conn *c, uint16_t opcode,
			   const void *payload, size_t len, uint32_t timeout_ms,
			   struct conn_sink *sink, conn_reply_fn cb, void *arg,
			   int borrow)
{
	struct conn_pending *p;
	int rc;

	if (c->state == CONN_CLOSED)
		return -ENOTCONN;
	if (len > FRAME_MAX_PAYLOAD)
		return -EMSGSIZE;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = (struct conn_pending){ .c = c, .req_id = c->next_req_id,
				    .cb = cb, .arg = arg, .sink = sink };
	rc = pend_insert(c, p);
	if (rc)
		goto err_free;
	rc = conn_send_frame(c, opcode, 0, 0, p->req_id, payload, len, NULL,
			     borrow ? p : NULL, SIZE_MAX, NULL);
	if (rc)
		goto err_remove;
	c->next_req_id++;
	if (!timeout_ms)
		timeout_ms = CONN_DEFAULT_TIMEOUT_MS;
	ev_timer_init(&p->timer, pend_on_timeout, timeout_ms / 1000.0, 0.);
	p->timer.data = p;
	ev_timer_start(c->loop, &p->timer);
	return 0;
err_remove:
	pend_remove(c, p->req_id);
err_free:
	free(p);
	return rc;
}

int conn_request_sink(struct conn *c, uint16_t opcode, const void *payload,
		      size_t len, uint32_t timeout_ms, struct conn_sink *sink,
		      conn_reply_fn cb, void *arg)
{
	return conn_request_do(c, opcode, payload, len, timeout_ms, sink, cb,
			       arg, 0);
}

int conn_request_borrow(struct conn *c, uint16_t opcode, const void *payload,
			size_t len, uint32_t timeout_ms,
			struct conn_sink *sink, conn_reply_fn cb, void *arg)
{
	return conn_request_do(c, opcode, payload, len, timeout_ms, sink, cb,
			       arg, 1);
}

/* --- read side --- */

/* The reply in c->hdr/c->pay completes a pending request. */
static void conn_complete(struct conn *c)
{
	const struct frame_header *h = &c->hdr;
	struct conn_pending *p = pend_find(c, h->req_id);
	char why[96];

	if (p && pend_unborrow(p)) {
		conn_close(c, "out of memory"); /* completes p */
		return;
	}
	if (p)
		pend_remove(c, h->req_id);

	if (!p) {
		if (h->req_id && h->req_id < c->next_req_id) {
			log_msg(LOG_DEBUG, "conn",
				"peer=%s late reply req_id=%llu dropped",
				c->peer, (unsigned long long)h->req_id);
			return;
		}
		snprintf(why, sizeof(why), "reply to no pending request req_id=%llu",
			 (unsigned long long)h->req_id);
		conn_close(c, why);
		return;
	}
	ev_timer_stop(c->loop, &p->timer);
	if (c->rx_pend == p) { /* received into its sink */
		p->sink->used = 1;
		p->sink->got = h->payload_len - p->sink->skip;
		p->cb(p->arg, h->status, c->rx_pre, p->sink->skip);
	} else {
		p->cb(p->arg, h->status > 0 ? -EPROTO : h->status, c->pay,
		      h->payload_len);
	}
	free(p);
}

/*
 * A FRAME_F_HEAD_CSUM frame: only a status-0 reply to a request whose
 * sink welcomes one, its checksum over the first skip bytes (conn.h).
 * 0, -EBADMSG (checksum), -EPROTO (not asked for). A reply to no pending
 * request passes: conn_complete drops it or closes.
 */
static int conn_check_head(struct conn *c)
{
	const struct frame_header *h = &c->hdr;
	const struct conn_pending *p;
	const struct conn_sink *s;

	if (!(h->flags & FRAME_F_REPLY) || h->status)
		return -EPROTO;
	p = pend_find(c, h->req_id);
	if (!p)
		return 0;
	s = p->sink;
	if (!s || !s->head_csum || h->payload_len < s->skip)
		return -EPROTO;
	return frame_checksum(c->rx_pend ? c->rx_pre : c->pay, s->skip) ==
			       h->payload_csum ? 0 : -EBADMSG;
}

/* Checksum of the frame in c->hdr/c->pay (or in a sink): 0, -EBADMSG or
 * -EPROTO (conn_check_head). */
static int conn_check_payload(struct conn *c)
{
	const struct conn_sink *s;
	struct iovec iov[2];

	if (c->hdr.flags & FRAME_F_HEAD_CSUM)
		return conn_check_head(c);
	if (!c->rx_pend)
		return frame_check_payload(&c->hdr, c->pay);
	s = c->rx_pend->sink;
	iov[0] = (struct iovec){ c->rx_pre, s->skip };
	iov[1] = (struct iovec){ s->buf, c->hdr.payload_len - s->skip };
	return frame_checksum_iov(iov, 2) == c->hdr.payload_csum ? 0 :
								    -EBADMSG;
}

/* The whole frame in c->hdr/c->pay: check it and hand it on. */
static void conn_dispatch(struct conn *c)
{
	const struct frame_header *h = &c->hdr;
	const struct proto_op_desc *op;
	conn_handler_fn fn;
	char why[128];
	int rc;

	if (c->rx_discard) { /* its request timed out while it arrived */
		log_msg(LOG_DEBUG, "conn",
			"peer=%s late reply req_id=%llu dropped", c->peer,
			(unsigned long long)h->req_id);
		return;
	}
	rc = conn_check_payload(c);
	if (rc) {
		conn_close(c, rc == -EPROTO ? "head-checksum frame not asked for"
					    : "bad payload checksum");
		return;
	}
	if (!c->got_frame) {
		c->got_frame = 1;
		ev_timer_stop(c->loop, &c->timer); /* the idle timeout */
	}
	if (h->flags & FRAME_F_REPLY) {
		conn_complete(c);
		return;
	}
	op = proto_op_lookup(h->opcode);
	if (!op) {
		snprintf(why, sizeof(why), "unknown opcode %u", h->opcode);
		conn_close(c, why);
		return;
	}
	if (h->payload_len < op->min_len) {
		snprintf(why, sizeof(why), "short %s request: %u < %u bytes",
			 op->name, h->payload_len, op->min_len);
		conn_close(c, why);
		return;
	}
	c->in_unreplied++;
	fn = c->handlers ? c->handlers->fn[h->opcode] : NULL;
	if (!fn) {
		conn_reply_error(c, h, -EOPNOTSUPP, "opcode not served here");
		return;
	}
	rc = fn(c, h, c->pay, h->payload_len);
	if (rc == CONN_CLOSE) {
		snprintf(why, sizeof(why), "bad %s request req_id=%llu",
			 op->name, (unsigned long long)h->req_id);
		conn_close(c, why);
	} else if (rc < 0) {
		conn_reply_error(c, h, rc, NULL);
	}
}

/* Where payload byte off of the frame being read goes, and how many
 * bytes from there on are contiguous (*room). Not in rx_discard. */
static uint8_t *conn_pay_at(struct conn *c, size_t off, size_t *room)
{
	const struct conn_sink *s;

	if (!c->rx_pend) {
		*room = c->hdr.payload_len - off;
		return c->pay + off;
	}
	s = c->rx_pend->sink;
	if (off < s->skip) {
		*room = s->skip - off;
		return c->rx_pre + off;
	}
	*room = c->hdr.payload_len - off;
	return s->buf + (off - s->skip);
}

/*
 * Read into rbuf (empty) or, for a big payload, straight into the payload
 * buffer or sink. 1: got bytes; 0: would block; -1: the conn closed.
 */
static int conn_fill(struct conn *c)
{
	size_t need = c->hdr.payload_len - c->pay_got, room = 0;
	int direct = c->state == CONN_READ_PAYLOAD && need >= CONN_RBUF_SIZE &&
		     !c->rx_discard;
	uint8_t *dst = direct ? conn_pay_at(c, c->pay_got, &room) : NULL;
	char why[96];
	ssize_t n;

	c->rpos = c->rend = 0;
	do {
		if (direct)
			n = read(c->fd, dst, room);
		else
			n = read(c->fd, c->rbuf, CONN_RBUF_SIZE);
	} while (n < 0 && errno == EINTR);
	if (n > 0) {
		c->rx_short = (size_t)n < (direct ? room : CONN_RBUF_SIZE);
		if (direct)
			c->pay_got += (size_t)n;
		else
			c->rend = (size_t)n;
		return 1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n == 0)
		snprintf(why, sizeof(why), "%s",
			 c->hdr_got || c->state == CONN_READ_PAYLOAD ?
				 "peer closed mid-frame" : "peer closed");
	else
		snprintf(why, sizeof(why), "read: %s", strerror(errno));
	conn_close(c, why);
	return -1;
}

/* Collect header bytes; on a whole header validate it and move on. */
static void conn_take_header(struct conn *c)
{
	size_t n = c->rend - c->rpos;
	size_t avail;
	const char *why = NULL;
	char buf[96];
	int rc;

	if (n > FRAME_HEADER_LEN - c->hdr_got)
		n = FRAME_HEADER_LEN - c->hdr_got;
	memcpy(c->hdr_raw + c->hdr_got, c->rbuf + c->rpos, n);
	c->hdr_got += n;
	c->rpos += n;
	if (c->hdr_got < FRAME_HEADER_LEN)
		return;
	c->hdr_got = 0;
	rc = frame_decode_header(c->hdr_raw, &c->hdr, &why);
	if (rc) {
		snprintf(buf, sizeof(buf), "bad frame header: %s",
			 why ? why : strerror(-rc));
		conn_close(c, buf);
		return;
	}
	c->pay = NULL;
	c->pay_got = 0;
	avail = c->rend - c->rpos;
	if (c->hdr.payload_len <= avail) { /* whole: dispatch in place */
		if (c->hdr.payload_len)
			c->pay = c->rbuf + c->rpos;
		c->rpos += c->hdr.payload_len;
		c->state = CONN_DISPATCH;
		return;
	}
	if ((c->hdr.flags & FRAME_F_REPLY) && c->hdr.status == 0) {
		struct conn_pending *p = pend_find(c, c->hdr.req_id);
		const struct conn_sink *s = p ? p->sink : NULL;

		if (s && s->skip <= CONN_SINK_SKIP_MAX &&
		    c->hdr.payload_len > s->skip &&
		    c->hdr.payload_len - s->skip <= s->len) {
			c->rx_pend = p; /* received into its sink */
			c->state = CONN_READ_PAYLOAD;
			return;
		}
	}
	if (c->pay_align_off && c->hdr.payload_len > c->pay_align_off) {
		size_t pad = (CONN_PAYLOAD_ALIGN -
			      c->pay_align_off % CONN_PAYLOAD_ALIGN) %
			     CONN_PAYLOAD_ALIGN;
		void *p = NULL;

		if (posix_memalign(&p, CONN_PAYLOAD_ALIGN,
				   pad + c->hdr.payload_len) == 0) {
			c->pay_owned = p;
			c->pay = c->pay_owned + pad;
		}
	} else {
		c->pay_owned = malloc(c->hdr.payload_len);
		c->pay = c->pay_owned;
	}
	if (!c->pay_owned) {
		conn_close(c, "out of memory for payload");
		return;
	}
	c->state = CONN_READ_PAYLOAD;
}

/* Copy buffered payload bytes (dropped in rx_discard). */
static void conn_take_payload(struct conn *c)
{
	while (c->rpos < c->rend && c->pay_got < c->hdr.payload_len) {
		size_t n = c->rend - c->rpos, room;
		uint8_t *dst;

		if (n > c->hdr.payload_len - c->pay_got)
			n = c->hdr.payload_len - c->pay_got;
		if (!c->rx_discard) {
			dst = conn_pay_at(c, c->pay_got, &room);
			if (n > room)
				n = room;
			memcpy(dst, c->rbuf + c->rpos, n);
		}
		c->pay_got += n;
		c->rpos += n;
	}
}

/*
 * The state machine: runs until it would block, is paused by backpressure,
 * has done its share of reads, or the conn closes. The one place that moves
 * between read states.
 */
static void conn_drive(struct conn *c)
{
	int reads = 0;

	conn_get(c);
	c->in_drive = 1;
	c->rx_short = 0;
	while (c->state != CONN_CLOSED) {
		switch (c->state) {
		case CONN_CONNECTING: /* conn_on_write() moves us on */
			goto out;
		case CONN_PAUSED:
			if (!conn_can_resume(c))
				goto out;
			c->state = CONN_READ_HEADER;
			ev_io_start(c->loop, &c->rio);
			break;
		case CONN_READ_HEADER:
			if (!c->hdr_got && (c->wq_reply_bytes > CONN_WQ_HIGH ||
					    c->in_unreplied >= CONN_MAX_UNREPLIED)) {
				c->state = CONN_PAUSED;
				ev_io_stop(c->loop, &c->rio);
				goto out;
			}
			if (c->rpos == c->rend) {
				if (reads++ == CONN_READS_PER_EVENT ||
				    c->rx_short || conn_fill(c) <= 0)
					goto out;
				break;
			}
			conn_take_header(c);
			break;
		case CONN_READ_PAYLOAD:
			if (c->pay_got == c->hdr.payload_len) {
				c->state = CONN_DISPATCH;
				break;
			}
			if (c->rpos == c->rend) {
				if (reads++ == CONN_READS_PER_EVENT ||
				    c->rx_short || conn_fill(c) <= 0)
					goto out;
				break;
			}
			conn_take_payload(c);
			break;
		case CONN_DISPATCH:
			conn_dispatch(c);
			if (c->state == CONN_CLOSED)
				break;
			free(c->pay_owned);
			c->pay_owned = NULL;
			c->pay = NULL;
			c->rx_pend = NULL;
			c->rx_discard = 0;
			c->state = CONN_READ_HEADER;
			break;
		case CONN_CLOSED:
			break;
		}
	}
out:
	c->in_drive = 0;
	conn_put(c);
}

/* --- watchers --- */

static void conn_on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	conn_drive(w->data);
}

static void conn_on_connected(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);
	char why[96];

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		snprintf(why, sizeof(why), "connect: %s", strerror(err));
		conn_close_status(c, why, -err);
		return;
	}
	ev_timer_stop(c->loop, &c->timer);
	c->same_host = conn_fd_same_host(c->fd);
	c->state = CONN_READ_HEADER;
	ev_io_start(c->loop, &c->rio);
}

static void conn_on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;

	conn_get(c);
	if (c->state == CONN_CONNECTING)
		conn_on_connected(c);
	if (c->state != CONN_CLOSED)
		conn_flush(c);
	conn_put(c);
}

static void conn_on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = w->data;
	char why[96];

	if (c->state == CONN_CONNECTING) {
		conn_close_status(c, "connect timed out", -ETIMEDOUT);
		return;
	}
	snprintf(why, sizeof(why), "idle: no frame within %u ms",
		 c->idle_timeout_ms);
	conn_close(c, why);
}

/* --- creation --- */

int conn_create(struct ev_loop *loop, int fd, const char *peer,
		const struct conn_handlers *handlers, int connecting,
		uint32_t timer_ms, struct conn **out)
{
	struct conn *c;
	int rc;

	rc = conn_sock_setup(fd);
	if (rc)
		goto err_fd;
	rc = -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto err_fd;
	c->rbuf = malloc(CONN_RBUF_SIZE);
	if (!c->rbuf)
		goto err_conn;
	c->lctx = lctx_attach(loop);
	if (!c->lctx)
		goto err_conn;
	atomic_init(&c->refs, 1);
	c->state = connecting ? CONN_CONNECTING : CONN_READ_HEADER;
	c->fd = fd;
	c->loop = loop;
	c->handlers = handlers;
	c->close_status = -ECONNRESET;
	c->next_req_id = 1;
	snprintf(c->peer, sizeof(c->peer), "%s", peer ? peer : "?");
	ev_io_init(&c->rio, conn_on_read, fd, EV_READ);
	c->rio.data = c;
	ev_io_init(&c->wio, conn_on_write, fd, EV_WRITE);
	c->wio.data = c;
	ev_timer_init(&c->timer, conn_on_timer, timer_ms / 1000.0, 0.);
	c->timer.data = c;
	if (connecting) {
		ev_io_start(loop, &c->wio);
	} else {
		c->same_host = conn_fd_same_host(fd);
		c->idle_timeout_ms = timer_ms;
		ev_io_start(loop, &c->rio);
	}
	if (timer_ms)
		ev_timer_start(loop, &c->timer);
	*out = c;
	return 0;
err_conn:
	free(c->rbuf);
	free(c);
err_fd:
	close(fd);
	return rc;
}
