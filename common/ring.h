/*
 * ring.h - io_uring for Glint: synchronous batches and libev-driven async.
 *
 * A struct ring is one io_uring owned by one thread (never share a ring
 * between threads; give each worker thread its own). Operations are
 * described by a struct ring_op, filled with one of the ring_op_*()
 * initialisers, and run in one of two ways:
 *
 *  - Batches: ring_run(ring, ops, n) submits all n operations, as many in
 *    flight at once as the ring has room for, and returns when every one
 *    has finished. Operations of one batch are unordered: put an operation
 *    that depends on another (close after read, a table write after the
 *    data it describes) in a later batch.
 *  - Async, for an event-loop thread: ring_ev_start() registers an eventfd
 *    with the ring and watches it with an ev_io; ring_async_start() submits
 *    one operation and its callback runs from the loop once it has finished.
 *    The eventfd is only a hint: every wakeup drains every CQE.
 *
 * Both ways give the same per-operation semantics. Short reads and writes
 * are continued where they stopped; -EAGAIN, -EINTR and -ECANCELED are
 * retried (up to RING_MAX_RETRIES times); a full submission queue is
 * submitted and filling goes on; at most cq_entries ops are in the kernel
 * at once, so the CQ never overflows. (-ENOBUFS only concerns provided
 * buffer rings, which this module does not use.) op->res is the final
 * result:
 *   read/readv      bytes read; fewer than asked only at end of file
 *   write/writev    bytes asked (all of them), or a negative errno; a write
 *                   that makes no progress is -EIO
 *   openat          the new fd
 *   other ops       0
 *   any error       negative errno
 * ftruncate: liburing 2.3 has no ftruncate prep (IORING_OP_FTRUNCATE came
 * with kernel 6.9 / liburing 2.6), so RING_OP_FTRUNCATE runs as a plain
 * ftruncate(2) when its turn comes; the result is reported the same way.
 *
 * Ownership: the ring borrows each op, and every buffer, iovec, path and
 * statx it points to, until the op is finished (ring_run returned, or the
 * async callback was called). The ring never touches an op after calling
 * its callback, so the callback may free it.
 *
 * Errors of the ring itself (io_uring_enter failing for a reason other than
 * EINTR/EAGAIN/EBUSY) mark the ring broken: every later call returns that
 * error. That only happens on programmer error or a kernel problem.
 *
 * This is the only file of the tree that includes liburing.h.
 */
#ifndef GLINT_COMMON_RING_H
#define GLINT_COMMON_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

struct ev_loop;
struct ring;

/* Transient errors (-EAGAIN, -EINTR, -ECANCELED) are retried this often. */
#define RING_MAX_RETRIES 16
/* One read/write SQE moves at most this much; longer ones are continued. */
#define RING_MAX_XFER (1u << 30)

enum ring_op_type {
	RING_OP_NOP,
	RING_OP_READ,	   /* pread(fd, buf, len, off) */
	RING_OP_WRITE,	   /* pwrite(fd, buf, len, off) */
	RING_OP_READV,	   /* preadv(fd, iov, iovcnt, off) */
	RING_OP_WRITEV,	   /* pwritev(fd, iov, iovcnt, off) */
	RING_OP_FSYNC,	   /* fsync(fd) */
	RING_OP_FDATASYNC, /* fdatasync(fd) */
	RING_OP_FALLOCATE, /* fallocate(fd, mode, off, len), mode in flags */
	RING_OP_OPENAT,	   /* openat(fd, path, flags, mode) */
	RING_OP_CLOSE,	   /* close(fd) */
	RING_OP_STATX,	   /* statx(fd, path, flags, mask, stx) */
	RING_OP_UNLINKAT,  /* unlinkat(fd, path, flags) */
	RING_OP_FTRUNCATE, /* ftruncate(fd, len): a syscall, see above */
};

struct ring_op;
/* Called once from the loop thread when an async op has finished. */
typedef void (*ring_complete_fn)(struct ring_op *op, void *arg);

/*
 * One operation. Fill it with a ring_op_*() initialiser (which zeroes it);
 * read op->res when it has finished. Fields after res are the ring's.
 */
struct ring_op {
	enum ring_op_type type;
	int fd;			 /* file, or directory fd for path ops */
	void *buf;		 /* read/write buffer */
	const struct iovec *iov; /* readv/writev vector */
	unsigned iovcnt;	 /* entries in iov */
	uint64_t len;		 /* bytes to move, fallocate/ftruncate len */
	uint64_t off;		 /* file offset */
	int flags;		 /* open/statx/unlinkat flags, fallocate mode */
	unsigned mode;		 /* openat mode, statx mask */
	const char *path;	 /* path ops, relative to fd */
	struct statx *stx;	 /* statx result */
	int64_t res;		 /* result, see the header comment */

	/* private to the ring */
	uint64_t done;		   /* bytes already moved */
	unsigned retries;	   /* transient errors retried so far */
	struct iovec *iov_rest;	   /* remaining vector after a short transfer */
	struct ring_op *next;	   /* pending/done list link */
	ring_complete_fn complete; /* async callback; NULL in batches */
	void *complete_arg;	   /* its argument */
	uint64_t *batch_left;	   /* batch's count of unfinished ops */
};

/* --- initialisers: each zeroes *op and describes one operation --- */
void ring_op_nop(struct ring_op *op);
void ring_op_read(struct ring_op *op, int fd, void *buf, uint64_t len,
		  uint64_t off);
void ring_op_write(struct ring_op *op, int fd, const void *buf, uint64_t len,
		   uint64_t off);
void ring_op_readv(struct ring_op *op, int fd, const struct iovec *iov,
		   unsigned iovcnt, uint64_t off);
void ring_op_writev(struct ring_op *op, int fd, const struct iovec *iov,
		    unsigned iovcnt, uint64_t off);
void ring_op_fsync(struct ring_op *op, int fd);
void ring_op_fdatasync(struct ring_op *op, int fd);
/* mode: 0 (allocate), FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE|KEEP_SIZE... */
void ring_op_fallocate(struct ring_op *op, int fd, int mode, uint64_t off,
		       uint64_t len);
void ring_op_punch(struct ring_op *op, int fd, uint64_t off, uint64_t len);
void ring_op_openat(struct ring_op *op, int dirfd, const char *path, int flags,
		    unsigned mode);
void ring_op_close(struct ring_op *op, int fd);
void ring_op_statx(struct ring_op *op, int dirfd, const char *path, int flags,
		   unsigned mask, struct statx *stx);
void ring_op_unlinkat(struct ring_op *op, int dirfd, const char *path,
		      int flags);
void ring_op_ftruncate(struct ring_op *op, int fd, uint64_t len);

/*
 * Create a ring with room for `entries` submissions at once (rounded up to
 * a power of two by the kernel; 1..4096). Returns 0 and *out, -EINVAL,
 * -ENOMEM, or the errno of io_uring_setup (-ENOSYS, -EPERM where io_uring
 * is disabled). The ring belongs to the calling thread.
 */
int ring_create(unsigned entries, struct ring **out);

/*
 * Destroy a ring (NULL is fine): stops its ev_io, closes its eventfd.
 * Async ops still in flight are not completed (their callbacks never run);
 * callers must let them finish first (ring_async_inflight() == 0); this is
 * logged if they did not.
 */
void ring_destroy(struct ring *ring);

/*
 * Run ops[0..n) as one unordered batch and wait until all have finished;
 * each op's outcome is in ops[i].res. Returns 0 when the batch ran (even if
 * some ops failed: look at each res), or a negative errno if the ring
 * itself failed (then ops not yet finished have res = that error). Async
 * ops finishing meanwhile are continued; their callbacks run from the next
 * ring_reap(), never from here. Not reentrant from an async callback's
 * perspective: a callback may call ring_run (it is then a nested batch).
 */
int ring_run(struct ring *ring, struct ring_op *ops, size_t n);

/* Convenience: the first negative res of ops[0..n), or 0. */
int64_t ring_first_error(const struct ring_op *ops, size_t n);

/*
 * Create an eventfd and register it with the ring, so the kernel signals
 * it when completions arrive. Returns the eventfd (owned by the ring,
 * closed by ring_destroy) or a negative errno. Idempotent.
 */
int ring_register_eventfd(struct ring *ring);

/*
 * Attach the ring to a libev loop run by the ring's thread: registers the
 * eventfd and starts an ev_io on it whose callback calls ring_reap().
 * Returns 0 or a negative errno. ring_ev_stop() detaches (idempotent).
 */
int ring_ev_start(struct ring *ring, struct ev_loop *loop);
void ring_ev_stop(struct ring *ring);

/*
 * Start one async op: fn(op, arg) is called from ring_reap() (normally the
 * ev_io callback) once it has finished, with op->res set. The op is
 * submitted at once, or queued if the submission queue is full and
 * submitted as completions free room. Returns 0, or the ring's error if it
 * is broken (the callback will then never run).
 */
int ring_async_start(struct ring *ring, struct ring_op *op, ring_complete_fn fn,
		     void *arg);

/*
 * Drain every available completion without blocking, continue what needs
 * continuing, and run the callbacks of finished async ops. Returns the
 * number of callbacks run. Called by the ev_io callback; may also be called
 * directly by a thread that polls.
 */
unsigned ring_reap(struct ring *ring);

/* Async ops started but whose callbacks have not run yet. */
unsigned ring_async_inflight(const struct ring *ring);

#endif /* GLINT_COMMON_RING_H */
