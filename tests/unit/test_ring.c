/*
 * test_ring.c - unit tests of common/ring.c: batches of every op type
 * (more ops than the ring has entries), short reads at EOF continued through
 * readv, errors reported per op, and async ops completed from a libev loop,
 * including ops started while a batch runs. Skips (77) without io_uring.
 */
#include "common/ring.h"
#include "tests/unit/check.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOPS 100
#define BLK  4096

static char tmpdir[] = "/tmp/glint_test_ring.XXXXXX";

static void test_batch(struct ring *r, int dirfd)
{
	static char wbuf[NOPS][BLK], rbuf[NOPS][BLK];
	struct ring_op ops[NOPS];
	struct iovec iov[NOPS][3];
	struct statx stx;
	int fd;
	int i;

	ring_op_openat(&ops[0], dirfd, "f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(ring_run(r, ops, 1) == 0);
	CHECK(ops[0].res >= 0);
	fd = (int)ops[0].res;

	/* More writes than SQ entries, in reverse order of offsets. */
	for (i = 0; i < NOPS; i++) {
		memset(wbuf[i], 'a' + i % 26, BLK);
		wbuf[i][0] = (char)i;
		ring_op_write(&ops[i], fd, wbuf[i], BLK,
			      (uint64_t)(NOPS - 1 - i) * BLK);
	}
	CHECK(ring_run(r, ops, NOPS) == 0);
	for (i = 0; i < NOPS; i++)
		CHECK(ops[i].res == BLK);

	/* Read back through 3-piece vectors. */
	memset(rbuf, 0, sizeof(rbuf));
	for (i = 0; i < NOPS; i++) {
		iov[i][0] = (struct iovec){rbuf[i], 100};
		iov[i][1] = (struct iovec){rbuf[i] + 100, 1000};
		iov[i][2] = (struct iovec){rbuf[i] + 1100, BLK - 1100};
		ring_op_readv(&ops[i], fd, iov[i], 3,
			      (uint64_t)(NOPS - 1 - i) * BLK);
	}
	CHECK(ring_run(r, ops, NOPS) == 0);
	for (i = 0; i < NOPS; i++) {
		CHECK(ops[i].res == BLK);
		CHECK(memcmp(rbuf[i], wbuf[i], BLK) == 0);
	}

	/* Short read at EOF through a vector: continued, then stops at 0. */
	memset(rbuf[0], 0, 2 * BLK);
	iov[0][0] = (struct iovec){rbuf[0], 50};
	iov[0][1] = (struct iovec){rbuf[0] + 50, 2 * BLK - 50};
	ring_op_readv(&ops[0], fd, iov[0], 2, (uint64_t)NOPS * BLK - 100);
	ring_op_read(&ops[1], fd, rbuf[2], BLK, (uint64_t)NOPS * BLK + 5);
	ring_op_read(&ops[2], fd, rbuf[3], 0, 0);
	CHECK(ring_run(r, ops, 3) == 0);
	CHECK(ops[0].res == 100);
	CHECK(memcmp(rbuf[0], wbuf[0] + BLK - 100, 100) == 0);
	CHECK(ops[1].res == 0);
	CHECK(ops[2].res == 0);

	/* fsync, fdatasync, punch, statx in one batch. */
	ring_op_fsync(&ops[0], fd);
	ring_op_fdatasync(&ops[1], fd);
	ring_op_punch(&ops[2], fd, 0, 10 * BLK);
	ring_op_nop(&ops[3]);
	CHECK(ring_run(r, ops, 4) == 0);
	CHECK(ring_first_error(ops, 4) == 0);
	ring_op_statx(&ops[0], dirfd, "f", 0, STATX_SIZE | STATX_BLOCKS, &stx);
	ring_op_read(&ops[1], fd, rbuf[0], BLK, 3 * BLK);
	CHECK(ring_run(r, ops, 2) == 0);
	CHECK(ops[0].res == 0);
	CHECK(stx.stx_size == (uint64_t)NOPS * BLK);
	CHECK(stx.stx_blocks * 512 <= (uint64_t)(NOPS - 10) * BLK + 64 * 1024);
	CHECK(ops[1].res == BLK);
	CHECK(rbuf[0][0] == 0 && rbuf[0][BLK - 1] == 0);

	/* ftruncate (a syscall underneath) and allocate. */
	ring_op_ftruncate(&ops[0], fd, 12345);
	CHECK(ring_run(r, ops, 1) == 0);
	CHECK(ops[0].res == 0);
	ring_op_fallocate(&ops[0], fd, 0, 0, 20000);
	CHECK(ring_run(r, ops, 1) == 0);
	CHECK(ops[0].res == 0);
	ring_op_statx(&ops[0], fd, "", AT_EMPTY_PATH, STATX_SIZE, &stx);
	CHECK(ring_run(r, ops, 1) == 0);
	CHECK(ops[0].res == 0 && stx.stx_size == 20000);

	/* Errors are per op; the batch itself succeeds. */
	ring_op_openat(&ops[0], dirfd, "missing", O_RDONLY, 0);
	ring_op_unlinkat(&ops[1], dirfd, "missing", 0);
	ring_op_read(&ops[2], -1, rbuf[0], 10, 0);
	ring_op_close(&ops[3], fd);
	CHECK(ring_run(r, ops, 4) == 0);
	CHECK(ops[0].res == -ENOENT);
	CHECK(ops[1].res == -ENOENT);
	CHECK(ops[2].res == -EBADF);
	CHECK(ops[3].res == 0);
	CHECK(ring_first_error(ops, 4) == -ENOENT);
	ring_op_unlinkat(&ops[0], dirfd, "f", 0);
	CHECK(ring_run(r, ops, 1) == 0 && ops[0].res == 0);
}

/* One large write and read, more than one SQE's worth is not needed. */
static void test_large(struct ring *r, int dirfd)
{
	size_t len = 3u << 20;
	char *a = malloc(len), *b = malloc(len);
	struct ring_op op;
	size_t i;
	int fd;

	CHECK(a && b);
	if (!a || !b)
		goto out;
	for (i = 0; i < len; i++)
		a[i] = (char)(i * 7 + i / 4096);
	fd = openat(dirfd, "big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	ring_op_write(&op, fd, a, len, 1);
	CHECK(ring_run(r, &op, 1) == 0 && op.res == (int64_t)len);
	ring_op_read(&op, fd, b, len, 1);
	CHECK(ring_run(r, &op, 1) == 0 && op.res == (int64_t)len);
	CHECK(memcmp(a, b, len) == 0);
	close(fd);
	unlinkat(dirfd, "big", 0);
out:
	free(a);
	free(b);
}

struct async_ctx {
	struct ev_loop *loop;
	int done;
	int want;
	int bad;
	int during_batch; /* set while a batch runs: callbacks must not run */
};

struct async_req {
	struct ring_op op;
	struct async_ctx *ctx;
	char buf[64];
	int idx;
};

static void async_done(struct ring_op *op, void *arg)
{
	struct async_req *req = arg;
	struct async_ctx *ctx = req->ctx;

	if (ctx->during_batch)
		ctx->bad++;
	if (req->op.type == RING_OP_READ &&
	    (op->res != 64 || req->buf[0] != (char)req->idx))
		ctx->bad++;
	if (req->op.type == RING_OP_FTRUNCATE && op->res != 0)
		ctx->bad++;
	if (++ctx->done == ctx->want)
		ev_break(ctx->loop, EVBREAK_ALL);
}

static void async_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void test_async(struct ring *r, int dirfd)
{
	enum { NREQ = 200 };
	static struct async_req reqs[NREQ + 1];
	struct async_ctx ctx = {0};
	struct ring_op op;
	ev_timer timer;
	char block[64 * NREQ];
	int fd;
	int i;

	ctx.loop = ev_loop_new(EVFLAG_AUTO);
	CHECK(ctx.loop != NULL);
	if (!ctx.loop)
		return;
	CHECK(ring_ev_start(r, ctx.loop) == 0);
	CHECK(ring_ev_start(r, ctx.loop) == 0);
	CHECK(ring_register_eventfd(r) >= 0);

	fd = openat(dirfd, "async", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	for (i = 0; i < NREQ; i++)
		memset(block + 64 * i, i, 64);
	CHECK(pwrite(fd, block, sizeof(block), 0) == (ssize_t)sizeof(block));

	ctx.want = NREQ + 1;
	for (i = 0; i < NREQ; i++) {
		reqs[i].ctx = &ctx;
		reqs[i].idx = i;
		ring_op_read(&reqs[i].op, fd, reqs[i].buf, 64, 64 * i);
		CHECK(ring_async_start(r, &reqs[i].op, async_done, &reqs[i]) ==
		      0);
	}
	reqs[NREQ].ctx = &ctx;
	ring_op_ftruncate(&reqs[NREQ].op, fd, sizeof(block));
	CHECK(ring_async_start(r, &reqs[NREQ].op, async_done, &reqs[NREQ]) ==
	      0);
	CHECK(ring_async_inflight(r) == NREQ + 1);

	/* A batch while async ops are in flight: no callback runs inside. */
	ctx.during_batch = 1;
	ring_op_fsync(&op, fd);
	CHECK(ring_run(r, &op, 1) == 0 && op.res == 0);
	ctx.during_batch = 0;

	ev_timer_init(&timer, async_timeout, 10.0, 0.0);
	ev_timer_start(ctx.loop, &timer);
	ev_run(ctx.loop, 0);
	ev_timer_stop(ctx.loop, &timer);
	CHECK(ctx.done == NREQ + 1);
	CHECK(ctx.bad == 0);
	CHECK(ring_async_inflight(r) == 0);

	ring_ev_stop(r);
	ring_ev_stop(r);
	close(fd);
	unlinkat(dirfd, "async", 0);
	ev_loop_destroy(ctx.loop);
}

int main(void)
{
	struct ring *r = NULL;
	int dirfd;
	int rc;

	CHECK(ring_create(0, &r) == -EINVAL && r == NULL);
	rc = ring_create(8, &r);
	if (rc == -ENOSYS || rc == -EPERM) {
		fprintf(stderr, "io_uring unavailable (%s): skip\n",
			strerror(-rc));
		return 77;
	}
	CHECK(rc == 0);
	if (rc)
		return 1;
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	CHECK(dirfd >= 0);

	test_batch(r, dirfd);
	test_large(r, dirfd);
	test_async(r, dirfd);

	ring_destroy(r);
	ring_destroy(NULL);
	close(dirfd);
	rmdir(tmpdir);
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("test_ring: ok\n");
	return 0;
}
