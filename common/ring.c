/*
 * ring.c - liburing behind one file (ring.h).
 *
 * Every operation, batch or async, goes through the same path: it is put
 * on the ring's pending list; ring_fill() turns pending ops into SQEs while
 * the SQ has room and fewer than cq_entries ops are in the kernel (so the
 * CQ can never overflow); each CQE is matched to its op through user_data
 * (the op's address) and either finishes it or puts it back on the pending
 * list (short transfer: continue from op->done; transient error: retry).
 *
 * A finished batch op decrements its batch's counter, which ring_run()
 * waits on. A finished async op goes to the done list; its callback runs
 * from ring_reap() only, never from inside ring_run(), so a thread that
 * runs a batch is never re-entered by unrelated callbacks.
 *
 * Invariants: in_kernel counts SQEs prepared and not yet reaped; an op is
 * on at most one list, and a CQE is read (and its op touched) only while
 * the ring is not broken. Once broken, no CQE is read again, so ops that
 * the kernel may still complete are never touched after their owner got
 * the error back.
 */
#include "common/ring.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/log.h"

struct ring {
	struct io_uring uring;	   /* the io_uring itself */
	unsigned sq_entries;	   /* SQ size given by the kernel */
	unsigned cq_entries;	   /* CQ size: cap on ops in the kernel */
	unsigned in_kernel;	   /* SQEs prepared and not yet reaped */
	unsigned async_inflight;   /* async ops whose callback has not run */
	int broken;		   /* 0, or the error that broke the ring */
	int eventfd;		   /* registered eventfd, -1 if none */
	struct ev_loop *loop;	   /* loop the watcher runs on, or NULL */
	ev_io watcher;		   /* watches eventfd */
	struct ring_op *pend_head; /* ops waiting for an SQE */
	struct ring_op *pend_tail;
	struct ring_op *done_head; /* async ops finished, callback not run */
	struct ring_op *done_tail;
};

/* --- initialisers --- */

static void ring_op_init(struct ring_op *op, enum ring_op_type type, int fd)
{
	memset(op, 0, sizeof(*op));
	op->type = type;
	op->fd = fd;
}

void ring_op_nop(struct ring_op *op)
{
	ring_op_init(op, RING_OP_NOP, -1);
}

void ring_op_read(struct ring_op *op, int fd, void *buf, uint64_t len,
		  uint64_t off)
{
	ring_op_init(op, RING_OP_READ, fd);
	op->buf = buf;
	op->len = len;
	op->off = off;
}

void ring_op_write(struct ring_op *op, int fd, const void *buf, uint64_t len,
		   uint64_t off)
{
	ring_op_init(op, RING_OP_WRITE, fd);
	op->buf = (void *)buf;
	op->len = len;
	op->off = off;
}

static uint64_t ring_iov_total(const struct iovec *iov, unsigned iovcnt)
{
	uint64_t total = 0;
	unsigned i;

	for (i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	return total;
}

void ring_op_readv(struct ring_op *op, int fd, const struct iovec *iov,
		   unsigned iovcnt, uint64_t off)
{
	ring_op_init(op, RING_OP_READV, fd);
	op->iov = iov;
	op->iovcnt = iovcnt;
	op->len = ring_iov_total(iov, iovcnt);
	op->off = off;
}

void ring_op_writev(struct ring_op *op, int fd, const struct iovec *iov,
		    unsigned iovcnt, uint64_t off)
{
	ring_op_init(op, RING_OP_WRITEV, fd);
	op->iov = iov;
	op->iovcnt = iovcnt;
	op->len = ring_iov_total(iov, iovcnt);
	op->off = off;
}

void ring_op_fsync(struct ring_op *op, int fd)
{
	ring_op_init(op, RING_OP_FSYNC, fd);
}

void ring_op_fdatasync(struct ring_op *op, int fd)
{
	ring_op_init(op, RING_OP_FDATASYNC, fd);
}

void ring_op_fallocate(struct ring_op *op, int fd, int mode, uint64_t off,
		       uint64_t len)
{
	ring_op_init(op, RING_OP_FALLOCATE, fd);
	op->flags = mode;
	op->off = off;
	op->len = len;
}

void ring_op_punch(struct ring_op *op, int fd, uint64_t off, uint64_t len)
{
	ring_op_fallocate(op, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			  off, len);
}

void ring_op_openat(struct ring_op *op, int dirfd, const char *path, int flags,
		    unsigned mode)
{
	ring_op_init(op, RING_OP_OPENAT, dirfd);
	op->path = path;
	op->flags = flags;
	op->mode = mode;
}

void ring_op_close(struct ring_op *op, int fd)
{
	ring_op_init(op, RING_OP_CLOSE, fd);
}

void ring_op_statx(struct ring_op *op, int dirfd, const char *path, int flags,
		   unsigned mask, struct statx *stx)
{
	ring_op_init(op, RING_OP_STATX, dirfd);
	op->path = path;
	op->flags = flags;
	op->mode = mask;
	op->stx = stx;
}

void ring_op_unlinkat(struct ring_op *op, int dirfd, const char *path,
		      int flags)
{
	ring_op_init(op, RING_OP_UNLINKAT, dirfd);
	op->path = path;
	op->flags = flags;
}

void ring_op_ftruncate(struct ring_op *op, int fd, uint64_t len)
{
	ring_op_init(op, RING_OP_FTRUNCATE, fd);
	op->len = len;
}

/* --- lists --- */

static void ring_pend_push(struct ring *r, struct ring_op *op)
{
	op->next = NULL;
	if (r->pend_tail)
		r->pend_tail->next = op;
	else
		r->pend_head = op;
	r->pend_tail = op;
}

static void ring_pend_push_front(struct ring *r, struct ring_op *op)
{
	op->next = r->pend_head;
	r->pend_head = op;
	if (!r->pend_tail)
		r->pend_tail = op;
}

static struct ring_op *ring_pend_pop(struct ring *r)
{
	struct ring_op *op = r->pend_head;

	if (op) {
		r->pend_head = op->next;
		if (!r->pend_head)
			r->pend_tail = NULL;
		op->next = NULL;
	}
	return op;
}

/* Record the final result of op and hand it to its owner. */
static void ring_finish(struct ring *r, struct ring_op *op, int64_t res)
{
	free(op->iov_rest);
	op->iov_rest = NULL;
	op->res = res;
	if (op->complete) {
		op->next = NULL;
		if (r->done_tail)
			r->done_tail->next = op;
		else
			r->done_head = op;
		r->done_tail = op;
	} else {
		(*op->batch_left)--;
		op->batch_left = NULL;
	}
}

static bool ring_is_xfer(const struct ring_op *op)
{
	return op->type == RING_OP_READ || op->type == RING_OP_WRITE ||
	       op->type == RING_OP_READV || op->type == RING_OP_WRITEV;
}

static bool ring_is_transient(int res)
{
	return res == -EAGAIN || res == -EINTR || res == -ECANCELED;
}

/* Build op->iov_rest: op->iov minus its first op->done bytes. */
static int ring_iov_advance(struct ring_op *op, unsigned *cnt)
{
	uint64_t skip = op->done;
	unsigned i = 0;
	unsigned n = 0;

	if (!op->iov_rest) {
		op->iov_rest = calloc(op->iovcnt, sizeof(*op->iov_rest));
		if (!op->iov_rest)
			return -ENOMEM;
	}
	while (i < op->iovcnt && skip >= op->iov[i].iov_len) {
		skip -= op->iov[i].iov_len;
		i++;
	}
	for (; i < op->iovcnt; i++, n++) {
		op->iov_rest[n].iov_base = (char *)op->iov[i].iov_base + skip;
		op->iov_rest[n].iov_len = op->iov[i].iov_len - skip;
		skip = 0;
	}
	*cnt = n;
	return 0;
}

static void ring_prep(struct ring_op *op, struct io_uring_sqe *sqe,
		      unsigned rest_cnt)
{
	uint64_t left = op->len - op->done;
	unsigned xfer = left > RING_MAX_XFER ? RING_MAX_XFER : (unsigned)left;

	switch (op->type) {
	case RING_OP_NOP:
	case RING_OP_FTRUNCATE: /* never reaches here */
		io_uring_prep_nop(sqe);
		break;
	case RING_OP_READ:
		io_uring_prep_read(sqe, op->fd, (char *)op->buf + op->done,
				   xfer, op->off + op->done);
		break;
	case RING_OP_WRITE:
		io_uring_prep_write(sqe, op->fd, (char *)op->buf + op->done,
				    xfer, op->off + op->done);
		break;
	case RING_OP_READV:
		if (op->done)
			io_uring_prep_readv(sqe, op->fd, op->iov_rest, rest_cnt,
					    op->off + op->done);
		else
			io_uring_prep_readv(sqe, op->fd, op->iov, op->iovcnt,
					    op->off);
		break;
	case RING_OP_WRITEV:
		if (op->done)
			io_uring_prep_writev(sqe, op->fd, op->iov_rest,
					     rest_cnt, op->off + op->done);
		else
			io_uring_prep_writev(sqe, op->fd, op->iov, op->iovcnt,
					     op->off);
		break;
	case RING_OP_FSYNC:
		io_uring_prep_fsync(sqe, op->fd, 0);
		break;
	case RING_OP_FDATASYNC:
		io_uring_prep_fsync(sqe, op->fd, IORING_FSYNC_DATASYNC);
		break;
	case RING_OP_FALLOCATE:
		io_uring_prep_fallocate(sqe, op->fd, op->flags, (off_t)op->off,
					(off_t)op->len);
		break;
	case RING_OP_OPENAT:
		io_uring_prep_openat(sqe, op->fd, op->path, op->flags,
				     op->mode);
		break;
	case RING_OP_CLOSE:
		io_uring_prep_close(sqe, op->fd);
		break;
	case RING_OP_STATX:
		io_uring_prep_statx(sqe, op->fd, op->path, op->flags, op->mode,
				    op->stx);
		break;
	case RING_OP_UNLINKAT:
		io_uring_prep_unlinkat(sqe, op->fd, op->path, op->flags);
		break;
	}
	io_uring_sqe_set_data(sqe, op);
}

/*
 * Turn pending ops into SQEs while there is room. Ops that need no SQE
 * (ftruncate, empty transfers) finish here.
 */
static void ring_fill(struct ring *r)
{
	struct ring_op *op;
	struct io_uring_sqe *sqe;
	unsigned rest_cnt;
	int rc;

	while (r->pend_head && r->in_kernel < r->cq_entries) {
		op = ring_pend_pop(r);
		if (op->type == RING_OP_FTRUNCATE) {
			rc = ftruncate(op->fd, (off_t)op->len);
			ring_finish(r, op, rc < 0 ? -errno : 0);
			continue;
		}
		if (ring_is_xfer(op) && op->done == op->len) {
			ring_finish(r, op, (int64_t)op->done);
			continue;
		}
		rest_cnt = 0;
		if ((op->type == RING_OP_READV || op->type == RING_OP_WRITEV) &&
		    op->done) {
			rc = ring_iov_advance(op, &rest_cnt);
			if (rc < 0) {
				ring_finish(r, op, rc);
				continue;
			}
		}
		sqe = io_uring_get_sqe(&r->uring);
		if (!sqe) {
			/* SQ full: the caller submits, then we go on. */
			ring_pend_push_front(r, op);
			break;
		}
		ring_prep(op, sqe, rest_cnt);
		r->in_kernel++;
	}
}

/* A CQE for op arrived with result res: finish it or queue it again. */
static void ring_complete(struct ring *r, struct ring_op *op, int res)
{
	if (res < 0) {
		if (ring_is_transient(res) && op->retries < RING_MAX_RETRIES) {
			op->retries++;
			ring_pend_push(r, op);
			return;
		}
		ring_finish(r, op, res);
		return;
	}
	if (!ring_is_xfer(op)) {
		ring_finish(r, op, res);
		return;
	}
	if (res == 0) {
		/* End of file for reads; no progress for writes. */
		if (op->type == RING_OP_READ || op->type == RING_OP_READV)
			ring_finish(r, op, (int64_t)op->done);
		else
			ring_finish(r, op, -EIO);
		return;
	}
	op->done += (uint64_t)res;
	if (op->done < op->len) {
		ring_pend_push(r, op);
		return;
	}
	ring_finish(r, op, (int64_t)op->done);
}

/* Reap every available CQE without blocking. */
static void ring_drain(struct ring *r)
{
	struct io_uring_cqe *cqe;
	struct ring_op *op;
	int res;

	while (io_uring_peek_cqe(&r->uring, &cqe) == 0) {
		op = io_uring_cqe_get_data(cqe);
		res = cqe->res;
		io_uring_cqe_seen(&r->uring, cqe);
		r->in_kernel--;
		if (op)
			ring_complete(r, op, res);
	}
}

static void ring_break(struct ring *r, int err)
{
	if (r->broken)
		return;
	r->broken = err;
	log_msg(LOG_ERROR, "ring", "io_uring failed, ring unusable: %s",
		strerror(-err));
}

/*
 * Submit what is prepared and wait for at least wait_nr completions.
 * Transient failures (EINTR, EAGAIN: kernel short of memory, EBUSY: CQ
 * overflow backlog) are retried after reaping. Returns 0 or -errno.
 */
static int ring_enter(struct ring *r, unsigned wait_nr)
{
	unsigned tries;
	int rc;

	for (tries = 0;; tries++) {
		rc = io_uring_submit_and_wait(&r->uring, wait_nr);
		if (rc >= 0)
			return 0;
		if (rc == -EINTR)
			continue;
		if ((rc == -EAGAIN || rc == -EBUSY) && tries < 1000) {
			if (io_uring_cq_ready(&r->uring))
				return 0;
			usleep(1000);
			continue;
		}
		return rc;
	}
}

int ring_create(unsigned entries, struct ring **out)
{
	struct io_uring_params p;
	struct ring *r;
	int rc;

	*out = NULL;
	if (entries == 0 || entries > 4096)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	memset(&p, 0, sizeof(p));
	rc = io_uring_queue_init_params(entries, &r->uring, &p);
	if (rc < 0)
		goto err_free;
	r->sq_entries = p.sq_entries;
	r->cq_entries = p.cq_entries;
	r->eventfd = -1;
	*out = r;
	return 0;

err_free:
	free(r);
	return rc;
}

void ring_destroy(struct ring *r)
{
	if (!r)
		return;
	ring_ev_stop(r);
	if (r->async_inflight)
		log_msg(LOG_WARNING, "ring",
			"destroying a ring with %u async ops in flight",
			r->async_inflight);
	if (r->eventfd >= 0) {
		io_uring_unregister_eventfd(&r->uring);
		close(r->eventfd);
	}
	io_uring_queue_exit(&r->uring);
	free(r);
}

int ring_run(struct ring *r, struct ring_op *ops, size_t n)
{
	uint64_t left = n;
	struct ring_op **pp;
	size_t i;
	int rc = r->broken;

	if (rc) {
		for (i = 0; i < n; i++)
			ops[i].res = rc;
		return rc;
	}
	for (i = 0; i < n; i++) {
		ops[i].res = 0;
		ops[i].done = 0;
		ops[i].retries = 0;
		ops[i].iov_rest = NULL;
		ops[i].complete = NULL;
		ops[i].complete_arg = NULL;
		ops[i].batch_left = &left;
		ring_pend_push(r, &ops[i]);
	}
	while (left > 0) {
		ring_fill(r);
		if (left == 0)
			break;
		if (r->in_kernel == 0) {
			/* Cannot happen: pending ops always get an SQE. */
			rc = -EIO;
			ring_break(r, rc);
			goto out_fail;
		}
		rc = ring_enter(r, 1);
		if (rc < 0) {
			ring_break(r, rc);
			goto out_fail;
		}
		ring_drain(r);
	}
	return 0;

out_fail:
	/* Unlink this batch's ops from the pending list; fail the rest. */
	pp = &r->pend_head;
	r->pend_tail = NULL;
	while (*pp) {
		if ((*pp)->batch_left == &left) {
			*pp = (*pp)->next;
			continue;
		}
		r->pend_tail = *pp;
		pp = &(*pp)->next;
	}
	for (i = 0; i < n; i++) {
		if (ops[i].batch_left != &left)
			continue;
		free(ops[i].iov_rest);
		ops[i].iov_rest = NULL;
		ops[i].batch_left = NULL;
		ops[i].res = rc;
	}
	return rc;
}

int64_t ring_first_error(const struct ring_op *ops, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ops[i].res < 0)
			return ops[i].res;
	return 0;
}

int ring_register_eventfd(struct ring *r)
{
	int fd;
	int rc;

	if (r->eventfd >= 0)
		return r->eventfd;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	rc = io_uring_register_eventfd(&r->uring, fd);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	r->eventfd = fd;
	return fd;
}

static void ring_ev_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ring *r = w->data;

	ring_reap(r);
}

int ring_ev_start(struct ring *r, struct ev_loop *loop)
{
	int fd;

	if (r->loop)
		return r->loop == loop ? 0 : -EBUSY;
	fd = ring_register_eventfd(r);
	if (fd < 0)
		return fd;
	ev_io_init(&r->watcher, ring_ev_cb, fd, EV_READ);
	r->watcher.data = r;
	ev_io_start(loop, &r->watcher);
	r->loop = loop;
	return 0;
}

void ring_ev_stop(struct ring *r)
{
	if (!r->loop)
		return;
	ev_io_stop(r->loop, &r->watcher);
	r->loop = NULL;
}

/* Submit prepared SQEs without waiting; a hard failure breaks the ring. */
static void ring_kick(struct ring *r)
{
	int rc;

	ring_fill(r);
	if (!io_uring_sq_ready(&r->uring))
		return;
	rc = io_uring_submit(&r->uring);
	if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
		ring_break(r, rc);
}

/* Wake the loop so ring_reap runs callbacks that finished without a CQE. */
static void ring_poke(struct ring *r)
{
	uint64_t one = 1;
	ssize_t n;

	if (r->eventfd < 0)
		return;
	n = write(r->eventfd, &one, sizeof(one));
	(void)n; /* EAGAIN: the counter is already nonzero, fine */
}

int ring_async_start(struct ring *r, struct ring_op *op, ring_complete_fn fn,
		     void *arg)
{
	if (r->broken)
		return r->broken;
	op->res = 0;
	op->done = 0;
	op->retries = 0;
	op->iov_rest = NULL;
	op->batch_left = NULL;
	op->complete = fn;
	op->complete_arg = arg;
	r->async_inflight++;
	ring_pend_push(r, op);
	ring_kick(r);
	if (r->done_head)
		ring_poke(r);
	return 0;
}

unsigned ring_reap(struct ring *r)
{
	struct ring_op *op;
	unsigned ran = 0;
	uint64_t val;
	ssize_t n;

	if (r->eventfd >= 0) {
		/* Clear the hint first, so completions after this wake us. */
		n = read(r->eventfd, &val, sizeof(val));
		(void)n;
	}
	if (r->broken)
		return 0;
	ring_drain(r);
	ring_kick(r);
	while ((op = r->done_head) != NULL) {
		r->done_head = op->next;
		if (!r->done_head)
			r->done_tail = NULL;
		op->next = NULL;
		r->async_inflight--;
		ran++;
		/* The callback may free op: do not touch it afterwards. */
		op->complete(op, op->complete_arg);
		if (r->broken)
			break;
		/* Callbacks may have started ops that finished at once. */
		ring_drain(r);
		ring_kick(r);
	}
	return ran;
}

unsigned ring_async_inflight(const struct ring *r)
{
	return r->async_inflight;
}
