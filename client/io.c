/*
 * io.c - striped object I/O of the client (client_i.h).
 *
 * One file operation becomes one object RPC per stripe it touches (the
 * bytes of a file range that fall into one stripe are one contiguous
 * object range: stripe.h), all sent at once with rpc_call_async to their
 * OSTs; a counter (struct io_batch) counts the replies still to come.
 * Reads do not wait for them (io_read_async): the last reply answers the
 * kernel from the OST client's loop thread. Other operations wait on the
 * counter in the FUSE thread. Reply callbacks run on the OST clients' loop
 * threads: a read's data is scattered from the reply straight into the
 * result buffer there, without another copy. A read piece that lies in
 * one stripe unit (one contiguous range of the result: every piece of a
 * read within one stripe unit, as the kernel's 1 MiB reads of a 1 MiB
 * striped file are) goes further: its reply is received from the socket
 * straight into the result buffer (a reply sink, conn.h), so no copy is
 * made in user space at all. The result buffer is not zeroed first: each
 * piece's reply fills its range and the part a short reply leaves (past
 * the end of the object) is zeroed then; compressed pieces are zeroed
 * before they are sent. Such a piece of more than 256 KiB that starts on
 * a chunk boundary goes as OBJ_READ_C (msg_zio.h): the OSS may send it from
 * its page cache with sendfile, unread, and the client checks each chunk
 * against the checksum the OST stored with it (end to end, disk to
 * client), and asks again with OBJ_READ when one does not match (a write
 * that raced the send; the OSS verifies an OBJ_READ itself).
 *
 * Failures: an OST that does not answer within the timeout, refuses the
 * connection or drops it gives -EIO (the application sees EIO, never a
 * hang). Before giving up, the client asks the MDS for a fresh OST map (at
 * most once a second): when the OST moved (restarted on another port) the
 * failed pieces are sent once more to its new address. Object writes are
 * idempotent, so resending is safe. A partly failed write reports the
 * error; the stripes that succeeded keep their new data, as on Lustre.
 *
 * Compression (files whose layout has PROTO_PATTERN_LZ4): writes go as
 * OBJ_WRITE_Z, their chunks LZ4-compressed here (zchunk.h has the policy:
 * whole chunks compressed, a piece inside a chunk raw for the OSS to merge
 * and compress), in pieces of IO_ZWRITE_PIECE sent as soon as each is
 * compressed (io_zwrite: compression overlaps the network), and reads of at least one chunk as OBJ_READ_Z, whose
 * stored chunks are checked and decompressed in the reply callback, on the
 * OST client's loop thread (one per two CPUs, shared by the OSTs: OSTs on
 * different loops decompress in parallel), straight into the result
 * buffer. Smaller reads use OBJ_READ: the OSS
 * decompresses, which moves fewer bytes than a whole compressed chunk.
 *
 * Write-behind (Lustre's dirty-page cache, in flight instead of in pages):
 * io_write returns once a write's object requests are encoded (holding a
 * copy of the data) and sent; the last reply ends the write on the OST
 * client's loop thread (struct io_wb). Bounds: c->max_dirty bytes of
 * writes in flight per mount (-o max_dirty_mb; a writer past it waits for
 * replies), and no two writes of one file in flight over the same bytes
 * (the OSS runs requests in parallel: a later write to the same bytes
 * waits for the earlier one's reply before it is sent). A write whose
 * OST was lost goes to the retry thread (io_wb_retry_main), which does
 * what a synchronous writer would: refresh the OST map, resend, wait. A
 * failed write's error is kept in ci->werr for the next write, flush or
 * fsync (io_wb_error); ci's size grows only by writes that succeeded, so
 * CLOSE never reports a size for data the OSTs refused. Writes in flight
 * keep their inode referenced; io_wb_stop (unmount) waits for all. Per
 * OST, at most -o max_rpcs_in_flight write-behind requests are out at
 * once (io_slot_get): a slow OST cannot hold all of max_dirty_mb, and a
 * request never waits long in its connection's queue before its timer
 * starts.
 *
 * What this file does not do: caching (the kernel's page cache does),
 * read-ahead (the kernel's), gathering small writes (the kernel sends up
 * to 1 MiB per WRITE).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client_i.h"
#include "client/iobuf.h"
#include "client/localio.h"
#include "client/rcache.h"
#include "client/stripe.h"
#include "client/zchunk.h"
#include "common/log.h"

#define IO_REFRESH_INTERVAL_MS 1000
/* Object bytes per OBJ_WRITE_Z of a pipelined compressed write: four
 * chunks, small enough that compressing one overlaps sending the last. */
#define IO_ZWRITE_PIECE (4 * PROTO_ZCHUNK_SIZE)
/* Reads of at most this much go as OBJ_READ, which an OSS answers from its
 * network thread when the bytes are in its page cache (OSS_LOOP_READ_MAX
 * in oss/rpc.c): a 4 KiB random read, an ML loader's 128 KiB sample.
 * Larger ones that start on a chunk boundary go as OBJ_READ_C. */
#define IO_READ_SMALL (256u << 10)
/* From an OST on this host, reads of at least one whole chunk go through
 * localio (OBJ_READ_L: the OSS answers from its loop with the path and
 * checksums, a localio thread reads the file): for a loader's 128 KiB
 * sample that saves the OSS's read and both socket copies. */
#define IO_LOCALIO_MIN PROTO_ZCHUNK_SIZE

_Static_assert(PROTO_READC_HEAD_MAX <= CONN_SINK_SKIP_MAX,
	       "an OBJ_READ_C head fits a sink's skip");

struct io_batch;
struct io_ard;

/* One object RPC of a batch. */
struct io_op {
	struct io_batch *b;
	uint16_t opcode;
	uint32_t ost_idx;
	uint32_t stripe_idx;
	uint8_t *req;		/* encoded request; owned */
	size_t req_len;
	struct rpc_client *rpc; /* the client it was last sent with */
	int slot;		/* holds one of its OST's c->wb_rpcs */
	int status;
	uint64_t obj_off;	/* OBJ_READ(_Z): where the data starts */
	uint64_t obj_len;	/* OBJ_READ(_Z): bytes asked */
	int use_sink;		/* OBJ_READ: receive the data into sink */
	struct conn_sink sink;	/* its place in the result buffer */
	struct msg_statfs sfs;	/* STATFS reply */
};

struct io_batch {
	struct client *c;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	unsigned left;		/* replies still to come */
	struct stripe_geom g;	/* OBJ_READ scatter */
	uint8_t *dst;		/* OBJ_READ: file bytes [dst_off, +dst_len) */
	uint64_t dst_off;
	uint64_t dst_len;
	struct io_wb *wb;	/* a background write's: its last reply ends
				   it (io_wb_replied) instead of signalling */
	struct io_ard *ard;	/* an asynchronous read's: its last reply
				   answers it (io_ard_replied) */
};

static void io_wb_replied(struct io_wb *wb);
static void io_ard_replied(struct io_ard *ard);
static void io_slot_put(struct client *c, struct io_op *op);
static void io_send_one(struct io_batch *b, struct io_op *op);

static uint64_t io_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A status that means the OST was not reached (worth a map refresh). */
static int io_lost(int status)
{
	return status == -ETIMEDOUT || status == -ECONNREFUSED ||
	       status == -ECONNRESET || status == -EHOSTUNREACH ||
	       status == -ENETUNREACH || status == -ENOTCONN ||
	       status == -ECANCELED;
}

/*
 * Put the object bytes [op->obj_off + from, op->obj_off + to) of op's
 * stripe where they live in the result: copied from data (data[0] is
 * object byte op->obj_off + from), or zeros when data is NULL.
 */
static int io_place(struct io_batch *b, const struct io_op *op,
		    const uint8_t *data, uint64_t from, uint64_t to)
{
	for (uint64_t done = from; done < to;) {
		uint64_t o = op->obj_off + done;
		uint64_t chunk = b->g.size - o % b->g.size;
		uint64_t foff = stripe_file_off(&b->g, op->stripe_idx, o);

		if (chunk > to - done)
			chunk = to - done;
		if (foff < b->dst_off || foff + chunk > b->dst_off + b->dst_len)
			return -EBADMSG;
		if (data)
			memcpy(b->dst + (foff - b->dst_off), data + (done - from),
			       chunk);
		else
			memset(b->dst + (foff - b->dst_off), 0, chunk);
		done += chunk;
	}
	return 0;
}

/* Copy an OBJ_READ reply's data to where its bytes live in the file and
 * zero the rest of op's range (a short read: past the object's end). */
static int io_scatter(struct io_op *op, const uint8_t *data, uint64_t len)
{
	int rc;

	if (len > op->obj_len)
		return -EBADMSG;
	rc = io_place(op->b, op, data, 0, len);
	return rc ? rc : io_place(op->b, op, NULL, len, op->obj_len);
}

/*
 * An OBJ_READ reply received into op's sink: payload/len is its first 4
 * bytes (the data's length), the data is in place already. Check the
 * length against what arrived; zero the rest of the range.
 */
static int io_sink_reply(struct io_op *op, const uint8_t *payload,
			 size_t len)
{
	struct cursor cur;
	uint32_t n;

	cursor_init(&cur, payload, len);
	if (cur_get_u32(&cur, &n) || n != op->sink.got || n > op->obj_len)
		return -EBADMSG;
	return io_place(op->b, op, NULL, n, op->obj_len);
}

/*
 * An OBJ_READ_C reply (msg_zio.h): payload/len is its head when the data
 * went to op's sink, else head and data. Every piece is checked against
 * its checksum, which comes from the OST's chunk table: the data was not
 * checked on the way (the OSS sent it from its file unread). 0; -EBADMSG
 * (malformed); 1 when a piece does not match: the caller reads the range
 * again with OBJ_READ, which the OSS verifies (a write that raced the
 * send changed the pages, or the bytes are bad on disk: -EIO then).
 */
static int io_readc_reply(struct io_op *op, const uint8_t *payload,
			  size_t len)
{
	struct msg_readc_head m;
	const uint8_t *data;
	struct cursor cur;
	uint32_t bad = 0;

	cursor_init(&cur, payload, len);
	if (msg_readc_head_decode(&cur, op->obj_len, &m))
		return -EBADMSG;
	if (op->sink.used) {
		if (m.data_len != op->sink.got)
			return -EBADMSG;
		data = op->sink.buf;
	} else {
		if (cursor_left(&cur) != m.data_len)
			return -EBADMSG;
		data = cur.pos;
	}
	if (msg_readc_verify(&m, data, &bad)) {
		LOG_RATELIMITED(LOG_WARNING, "io",
				"ost_idx=%u stripe=%u object offset %llu: "
				"OBJ_READ_C data failed its checksum; reading "
				"it again with OBJ_READ",
				op->ost_idx, op->stripe_idx,
				(unsigned long long)(op->obj_off +
						     (uint64_t)bad *
							     PROTO_ZCHUNK_SIZE));
		return 1;
	}
	if (!op->sink.used)
		return io_scatter(op, data, m.data_len);
	return io_place(op->b, op, NULL, m.data_len, op->obj_len);
}

/* zchunk_apply's dest: where object bytes of op's stripe go in the result
 * (within one stripe unit and the asked range, else NULL). */
static uint8_t *io_zdest(void *arg, uint64_t obj_off, uint32_t len)
{
	struct io_op *op = arg;
	struct io_batch *b = op->b;
	uint64_t foff;

	if (obj_off < op->obj_off || obj_off + len > op->obj_off + op->obj_len ||
	    obj_off % b->g.size + len > b->g.size)
		return NULL;
	foff = stripe_file_off(&b->g, op->stripe_idx, obj_off);
	if (foff < b->dst_off || foff + len > b->dst_off + b->dst_len)
		return NULL;
	return b->dst + (foff - b->dst_off);
}

/* An OBJ_READ_Z reply: check, decompress and place its chunks. */
static int io_zread_reply(struct io_op *op, struct cursor *cur)
{
	struct msg_zchunks z = { .cap = PROTO_ZCHUNKS_MAX };
	uint8_t *scratch = NULL;
	int64_t got;
	int rc;

	z.chunks = malloc(PROTO_ZCHUNKS_MAX * sizeof(*z.chunks));
	scratch = malloc(PROTO_ZCHUNK_SIZE);
	rc = -ENOMEM;
	if (!z.chunks || !scratch)
		goto out;
	rc = msg_zchunks_decode(cur, &z);
	if (rc)
		goto out;
	got = zchunk_apply(&z, op->obj_off, op->obj_len, scratch, io_zdest,
			   op);
	rc = got < 0 ? (int)got : 0;
	if (rc == -EIO)
		LOG_RATELIMITED(LOG_ERROR, "io",
				"ost_idx=%u stripe=%u: compressed chunk "
				"failed its checksum or did not decode",
				op->ost_idx, op->stripe_idx);
out:
	free(scratch);
	free(z.chunks);
	return rc;
}

/*
 * Send op's request again as opcode (OBJ_READ or OBJ_READ_C: the same
 * request bytes), into the same place. The resend counts itself in
 * b->left (io_send_one) and owns op->status from now on: the caller
 * still counts down the reply it had (io_op_done with resent set).
 */
static void io_resend(struct io_op *op, uint16_t opcode)
{
	op->opcode = opcode;
	op->sink.head_csum = opcode == PROTO_OP_OBJ_READ_C;
	op->sink.skip = op->sink.head_csum ? PROTO_READC_HEAD_LEN(op->obj_len) :
					     4;
	io_send_one(op->b, op);
}

/* op's reply is dealt with (any thread): record status unless it was
 * resent, count down, and end the batch's write or read at the last. */
static void io_op_done(struct io_op *op, int status, int resent)
{
	struct io_batch *b = op->b;
	struct io_wb *wb;
	struct io_ard *ard;
	int last;

	pthread_mutex_lock(&b->mu);
	if (!resent)
		op->status = status;
	last = --b->left == 0;
	wb = last ? b->wb : NULL;
	ard = last ? b->ard : NULL;
	if (last && !wb && !ard)
		pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->mu);
	/* b may be gone now (its waiter returned), unless it is wb's or
	 * ard's. */
	if (wb)
		io_wb_replied(wb);
	else if (ard)
		io_ard_replied(ard);
}

/* A localio thread read op's range (localio.h): place it, or read it
 * again with OBJ_READ, which the OSS verifies. */
static void io_localio_done(void *arg, int rc)
{
	struct io_op *op = arg;

	if (rc == LOCALIO_AGAIN) {
		io_resend(op, PROTO_OP_OBJ_READ);
		io_op_done(op, 0, 1);
		return;
	}
	if (rc == 0) /* zeros past the object's end */
		rc = io_place(op->b, op, NULL, op->sink.got, op->obj_len);
	io_op_done(op, rc, 0);
}

/*
 * An OBJ_READ_L reply (loop thread): a range past the object's end is
 * zeros now; any other goes to a localio thread, which reads it into
 * op's sink buffer. 0 (placed), 1 (queued: io_localio_done counts it
 * down), 2 (no memory to queue it: read it with OBJ_READ), -EBADMSG,
 * -ENOMEM.
 */
static int io_readl_reply(struct io_op *op, const uint8_t *payload,
			  size_t len)
{
	struct msg_readl m;
	struct cursor cur;
	int rc;

	cursor_init(&cur, payload, len);
	if (msg_readl_decode(&cur, op->obj_len, &m))
		return -EBADMSG;
	if (!m.head.data_len)
		return io_place(op->b, op, NULL, 0, op->obj_len);
	op->sink.got = m.head.data_len;
	rc = localio_submit(op->b->c->localio, &m, op->obj_off, op->sink.buf,
			    io_localio_done, op);
	return rc ? 2 : 1;
}

/* Whether this OST refused localio (io_on_reply remembers it). */
static int io_localio_refused(struct client *c, uint32_t ost_idx)
{
	return atomic_load(&c->localio_off[ost_idx % PROTO_MAX_OSTS]);
}

/* Whether op may ask its OST for localio (OBJ_READ_L). */
static int io_localio_ok(struct client *c, const struct io_op *op)
{
	return c->localio && !io_localio_refused(c, op->ost_idx);
}

/* Loop thread of an OST client: decode, record, count down. */
static void io_on_reply(void *arg, int status, const uint8_t *payload,
			size_t len)
{
	struct io_op *op = arg;
	struct io_batch *b = op->b;
	struct client *c = b->c;
	struct cursor cur;
	uint16_t again = 0;

	if (op->slot)
		io_slot_put(c, op);
	cursor_init(&cur, payload, len);
	if (op->opcode == PROTO_OP_OBJ_READ_L &&
	    (status == -EOPNOTSUPP || status == -EAGAIN)) {
		/* Not offered to us (another host, --localio off): stop
		 * asking this OST. Not stored raw: this range only. */
		if (status == -EOPNOTSUPP &&
		    !atomic_exchange(&c->localio_off[op->ost_idx %
						      PROTO_MAX_OSTS], 1))
			log_msg(LOG_INFO, "io",
				"ost_idx=%u: no localio (the OSS refused it)",
				op->ost_idx);
		again = PROTO_OP_OBJ_READ_C;
	} else if (status == 0) {
		if (op->opcode == PROTO_OP_OBJ_READ_L) {
			status = io_readl_reply(op, payload, len);
			if (status == 1)
				return; /* io_localio_done counts it down */
			if (status == 2) {
				status = 0;
				again = PROTO_OP_OBJ_READ;
			}
		} else if (op->opcode == PROTO_OP_OBJ_READ_C) {
			status = io_readc_reply(op, payload, len);
			if (status == 1)
				again = PROTO_OP_OBJ_READ;
		} else if (op->opcode == PROTO_OP_OBJ_READ && op->sink.used) {
			status = io_sink_reply(op, payload, len);
		} else if (op->opcode == PROTO_OP_OBJ_READ) {
			struct msg_bytes data;

			status = msg_obj_data_decode(&cur, &data);
			if (!status)
				status = io_scatter(op, data.p, data.len);
		} else if (op->opcode == PROTO_OP_OBJ_READ_Z) {
			status = io_zread_reply(op, &cur);
		} else if (op->opcode == PROTO_OP_STATFS) {
			status = msg_statfs_decode(&cur, &op->sfs);
		}
		if (status < 0 && status != -EIO && status != -ENOMEM)
			LOG_RATELIMITED(LOG_WARNING, "io",
					"ost_idx=%u op=%s: malformed reply",
					op->ost_idx,
					proto_op_lookup(op->opcode)->name);
	}
	if (again)
		io_resend(op, again);
	io_op_done(op, status, again != 0);
}

/* Ask the MDS for the current OST map, at most once per interval.
 * Returns 1 when a refresh was done. */
static int io_refresh_map(struct client *c)
{
	uint64_t now = io_now_ms();
	int go;

	pthread_mutex_lock(&c->refresh_mu);
	go = now - c->last_refresh_ms >= IO_REFRESH_INTERVAL_MS;
	if (go)
		c->last_refresh_ms = now;
	pthread_mutex_unlock(&c->refresh_mu);
	if (!go)
		return 0;
	return cluster_refresh(c->cl) == 0;
}

/* Write-behind's per-OST bound (Lustre's max_rpcs_in_flight): wait for
 * room on op's OST and take it. It keeps the requests queued for one OST
 * (and so the wait of the last before its timer starts) short. */
static void io_slot_get(struct client *c, struct io_op *op)
{
	unsigned *n = &c->wb_rpcs[op->ost_idx % PROTO_MAX_OSTS];

	pthread_mutex_lock(&c->wb_mu);
	while (*n >= c->max_rpcs)
		pthread_cond_wait(&c->wb_slot_cond, &c->wb_mu);
	(*n)++;
	pthread_mutex_unlock(&c->wb_mu);
	op->slot = 1;
}

static void io_slot_put(struct client *c, struct io_op *op)
{
	op->slot = 0;
	pthread_mutex_lock(&c->wb_mu);
	c->wb_rpcs[op->ost_idx % PROTO_MAX_OSTS]--;
	pthread_cond_broadcast(&c->wb_slot_cond);
	pthread_mutex_unlock(&c->wb_mu);
}

/* Send one op of b (its reply counts down b->left; io_wait waits). A
 * background write's first send takes an OST slot (io_slot_get), given
 * back at its reply; the retry thread's resends do not wait for one. */
static void io_send_one(struct io_batch *b, struct io_op *op)
{
	struct conn_sink *sink;
	int rc;

	if (b->wb)
		io_slot_get(b->c, op);
	pthread_mutex_lock(&b->mu);
	b->left++;
	pthread_mutex_unlock(&b->mu);
	op->b = b;
	op->rpc = cluster_ost_rpc(b->c->cl, op->ost_idx);
	op->sink.used = 0;
	op->sink.got = 0;
	/* OBJ_READ_L's reply has no data: a localio thread fills the sink's
	 * buffer from the OST's file (io_readl_reply). */
	sink = op->use_sink && op->opcode != PROTO_OP_OBJ_READ_L ? &op->sink :
								     NULL;
	rc = op->rpc ? rpc_call_async_sink(op->rpc, op->opcode, op->req,
					   op->req_len, b->c->timeout_ms, sink,
					   io_on_reply, op)
		     : -ENOTCONN;
	if (rc) {
		if (op->slot)
			io_slot_put(b->c, op);
		pthread_mutex_lock(&b->mu);
		op->status = rc;
		b->left--;
		pthread_mutex_unlock(&b->mu);
	}
}

/* Wait until every op sent with b has its reply or error. */
static void io_wait(struct io_batch *b)
{
	pthread_mutex_lock(&b->mu);
	while (b->left)
		pthread_cond_wait(&b->cond, &b->mu);
	pthread_mutex_unlock(&b->mu);
}

/* Send the ops marked in send[] and wait for all their replies. */
static void io_send_wait(struct io_batch *b, struct io_op *ops, size_t n,
			 const int *send)
{
	for (size_t i = 0; i < n; i++)
		if (send[i])
			io_send_one(b, &ops[i]);
	io_wait(b);
}

/*
 * Run ops (their req, opcode, ost_idx set) in parallel; retry once those
 * whose OST was lost if a map refresh gives it a new client. Returns 0 or
 * the first error (lost OSTs as -EIO). Frees every op's req.
 */
static int io_finish(struct io_batch *b, struct io_op *ops, size_t n);

static int io_run(struct io_batch *b, struct io_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++)
		io_send_one(b, &ops[i]);
	io_wait(b);
	return io_finish(b, ops, n);
}

/* The first error of ops (lost OSTs and bad replies as -EIO) or 0. */
static int io_status(const struct io_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!ops[i].status)
			continue;
		if (io_lost(ops[i].status) || ops[i].status == -EBADMSG) {
			LOG_RATELIMITED(LOG_WARNING, "io",
					"ost_idx=%u stripe=%u op=%s: %s",
					ops[i].ost_idx, ops[i].stripe_idx,
					proto_op_lookup(ops[i].opcode)->name,
					strerror(-ops[i].status));
			return -EIO;
		}
		return ops[i].status;
	}
	return 0;
}

/*
 * After every op of b was sent once and answered: retry once those whose
 * OST was lost if the OST map (refreshed now, or by another thread within
 * the last interval) gives it a new client; the first error (lost OSTs as
 * -EIO) or 0. Frees every op's req. Many background writes fail together
 * when an OST moves: the first refreshes the map, the others find the new
 * client without asking the MDS again.
 */
static int io_finish(struct io_batch *b, struct io_op *ops, size_t n)
{
	int *send = calloc(n ? n : 1, sizeof(*send));
	int rc = 0, again = 0;

	if (!send) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		send[i] = io_lost(ops[i].status) && ops[i].req;
		again |= send[i];
	}
	if (again) {
		io_refresh_map(b->c);
		again = 0;
		for (size_t i = 0; i < n; i++) {
			if (send[i] && cluster_ost_rpc(b->c->cl, ops[i].ost_idx) ==
					       ops[i].rpc)
				send[i] = 0; /* same address: it is down */
			again |= send[i];
		}
		if (again)
			io_send_wait(b, ops, n, send);
	}
	rc = io_status(ops, n);
out:
	for (size_t i = 0; i < n; i++) {
		free(ops[i].req);
		ops[i].req = NULL;
	}
	free(send);
	return rc;
}

static void io_batch_init(struct io_batch *b, struct client *c)
{
	memset(b, 0, sizeof(*b));
	b->c = c;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cond, NULL);
}

static void io_batch_fini(struct io_batch *b)
{
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cond);
}

/* Encode an object request into op. */
static int io_op_encode(struct io_op *op, uint16_t opcode,
			const struct msg_layout *l, uint32_t stripe_idx,
			const struct msg_obj_req *m)
{
	ssize_t n;

	op->opcode = opcode;
	op->stripe_idx = stripe_idx;
	op->ost_idx = l->stripes[stripe_idx].ost_idx;
	op->req_len = msg_obj_req_encoded_len(opcode, m);
	op->req = malloc(op->req_len);
	if (!op->req)
		return -ENOMEM;
	n = msg_obj_req_encode(opcode, m, op->req, op->req_len);
	if (n < 0)
		return (int)n;
	op->req_len = (size_t)n;
	return 0;
}

/*
 * Encode an OBJ_WRITE_Z of the object bytes [off, off + len) at data into
 * op: the chunks compressed as zchunk.h says.
 */
static int io_op_zencode(struct io_op *op, const struct msg_layout *l,
			 uint32_t stripe_idx, uint64_t off, const uint8_t *data,
			 uint32_t len)
{
	uint32_t cap = ZCHUNK_ENCODE_MAX(len), count = 0;
	struct msg_obj_zwrite m = {
		.object_id = l->stripes[stripe_idx].object_id,
		.stripe_idx = stripe_idx,
		.flags = PROTO_OBJ_LZ4,
	};
	struct msg_zchunk *z = malloc(cap * sizeof(*z));
	uint8_t *scratch = malloc(len ? len : 1);
	ssize_t n;
	int rc = -ENOMEM;

	op->opcode = PROTO_OP_OBJ_WRITE_Z;
	op->stripe_idx = stripe_idx;
	op->ost_idx = l->stripes[stripe_idx].ost_idx;
	if (!z || !scratch)
		goto out;
	rc = zchunk_encode(data, off, len, z, cap, scratch, len, &count);
	if (rc)
		goto out;
	m.z = (struct msg_zchunks){ .count = count, .chunks = z, .cap = cap };
	op->req_len = msg_obj_zwrite_encoded_len(&m);
	op->req = malloc(op->req_len);
	rc = -ENOMEM;
	if (!op->req)
		goto out;
	n = msg_obj_zwrite_encode(&m, op->req, op->req_len);
	rc = n < 0 ? (int)n : 0;
	if (!rc)
		op->req_len = (size_t)n;
out:
	free(scratch);
	free(z);
	return rc;
}

static struct stripe_geom io_geom(const struct msg_layout *l)
{
	struct stripe_geom g = { .size = l->stripe_size, .count = l->nstripes };

	return g;
}

/*
 * The object requests of a read of [off, off + len) of a file laid out as
 * l into dst, in ops (room for l->nstripes), *n of them: together they
 * write every byte of dst (data, or zeros past the end of an object).
 */
static int io_read_build(struct io_batch *b, const struct msg_layout *l,
			 uint64_t off, uint64_t len, uint8_t *dst,
			 struct io_op *ops, size_t *n)
{
	int rc = 0;

	*n = 0;
	b->g = io_geom(l);
	b->dst = dst;
	b->dst_off = off;
	b->dst_len = len;
	for (uint32_t i = 0; i < l->nstripes && !rc; i++) {
		struct msg_obj_req m = { .object_id = l->stripes[i].object_id,
					 .stripe_idx = i };
		struct io_op *op = &ops[*n];
		uint64_t eo, el;
		int local;

		stripe_extent(&b->g, off, len, i, &eo, &el);
		if (!el)
			continue;
		m.off = eo;
		m.len = el;
		op->obj_off = eo;
		op->obj_len = el;
		(*n)++;
		if ((l->pattern & PROTO_PATTERN_LZ4) && el >= PROTO_ZCHUNK_SIZE) {
			/* Same request bytes as OBJ_READ (msg_zio.h). The
			 * chunks fill what they cover: zero the rest now. */
			op->stripe_idx = i;
			rc = io_place(b, op, NULL, 0, el);
			if (!rc)
				rc = io_op_encode(op, PROTO_OP_OBJ_READ, l, i,
						  &m);
			op->opcode = PROTO_OP_OBJ_READ_Z;
			continue;
		}
		if (eo % b->g.size + el <= b->g.size) { /* one piece of dst */
			op->use_sink = 1;
			op->sink.buf = dst + (stripe_file_off(&b->g, i, eo) - off);
			op->sink.skip = 4; /* the data's length (a blob) */
			op->sink.len = el;
		}
		rc = io_op_encode(op, PROTO_OP_OBJ_READ, l, i, &m);
		local = io_localio_ok(b->c, op);
		if (op->use_sink && eo % PROTO_ZCHUNK_SIZE == 0 &&
		    (el > IO_READ_SMALL || (local && el >= IO_LOCALIO_MIN))) {
			/* Checked per chunk, sent by the OSS from its file
			 * (or read here from it: localio). */
			op->opcode = local ? PROTO_OP_OBJ_READ_L :
					     PROTO_OP_OBJ_READ_C;
			op->sink.skip = PROTO_READC_HEAD_LEN(el);
			op->sink.head_csum = 1;
		}
	}
	return rc;
}

/* A read widened to its whole chunk for the read cache: the kernel gets
 * [skip, skip + want) of the result, and the result (the chunk at off,
 * read while ci had generation cgen) goes to c->rcache. */
struct io_rc_fill {
	int cached;
	uint64_t off;
	size_t skip, want;
	uint64_t cgen;
};

/* The bytes of a widened read's len that go back to the kernel. */
static size_t io_rc_reply_len(const struct io_rc_fill *f, size_t len)
{
	size_t n = f->skip < len ? len - f->skip : 0;

	return n < f->want ? n : f->want;
}

/*
 * An asynchronous read (io_read_async): the FUSE thread sends its object
 * requests and goes back to the kernel's queue instead of sleeping until
 * they are answered; the last reply, on an OST client's loop thread,
 * answers the kernel (io_ard_end). That saves a sleep and a wake-up of
 * the FUSE thread per read, which on a small VM cost as much as the rest
 * of a 4 KiB read, and lets a few FUSE threads keep many reads in flight
 * (the kernel's read-ahead). The sender holds one count of b.left while
 * it sends, like a write-behind's; a read one of whose OSTs was lost goes
 * to the retry thread (io_finish blocks on the MDS and on resends, which
 * a loop thread must not). c->ard_count counts them for io_wb_stop;
 * c->ard_bytes keeps them under -o max_read_ahead_mb (c->max_read; a
 * reader past it waits in its FUSE thread): what keeps the client's
 * memory bounded now that FUSE threads do not wait for their reads.
 */
struct io_ard {
	struct io_ard *retry_next; /* c->ard_retry queue; c->wb_mu */
	struct client *c;
	struct cinode *ci;	   /* a reference, put at the end */
	fuse_req_t req;		   /* answered by io_ard_end */
	uint8_t *dst;		   /* the result: len bytes, in mem */
	uint8_t *mem;		   /* malloc'd; dst is mem or aligned in it */
	int pooled;		   /* dst from c->iobufs instead (mem NULL) */
	size_t len;
	struct io_rc_fill rc;	   /* rc.cached: a read for c->rcache */
	struct io_batch b;	   /* b.ard = this until the retry thread */
	struct io_op *ops;	   /* n of them */
	size_t n;
};

static void io_ard_free_dst(struct io_ard *ard)
{
	if (ard->pooled)
		iobuf_put(ard->c->iobufs, ard->dst);
	free(ard->mem);
}

/* Answer ard's request with rc or its data and free it (any thread, no
 * lock held). */
static void io_ard_end(struct io_ard *ard, int rc)
{
	struct client *c = ard->c;
	size_t len = ard->len;

	if (rc) {
		fuse_reply_err(ard->req, -rc);
	} else if (ard->rc.cached) {
		fuse_reply_buf(ard->req, (const char *)ard->dst + ard->rc.skip,
			       io_rc_reply_len(&ard->rc, len));
		/* After the reply: from here on the cache may free it. */
		rcache_insert(c->rcache, ard->ci->ino, ard->rc.cgen,
			      ard->rc.off, ard->dst, len);
		ard->mem = NULL; /* the same as dst: never padded */
	} else {
		fuse_reply_buf(ard->req, (const char *)ard->dst, ard->len);
	}
	for (size_t i = 0; i < ard->n; i++)
		free(ard->ops[i].req);
	free(ard->ops);
	io_ard_free_dst(ard);
	io_batch_fini(&ard->b);
	inode_put(c, ard->ci);
	free(ard);
	pthread_mutex_lock(&c->wb_mu);
	c->ard_count--;
	c->ard_bytes -= len;
	pthread_cond_broadcast(&c->wb_cond);
	pthread_mutex_unlock(&c->wb_mu);
}

/* Every request of ard is answered (any thread, no lock held). */
static void io_ard_replied(struct io_ard *ard)
{
	struct client *c = ard->c;
	struct io_ard **pp;
	int lost = 0;

	for (size_t i = 0; i < ard->n; i++)
		lost |= io_lost(ard->ops[i].status);
	if (!lost) {
		io_ard_end(ard, io_status(ard->ops, ard->n));
		return;
	}
	pthread_mutex_lock(&c->wb_mu);
	ard->retry_next = NULL;
	for (pp = &c->ard_retry; *pp; pp = &(*pp)->retry_next)
		;
	*pp = ard;
	pthread_cond_broadcast(&c->wb_retry_cond);
	pthread_mutex_unlock(&c->wb_mu);
}

/* The end of a read that sent nothing: zeros or nothing past the end. */
static void io_read_now(fuse_req_t req, struct client *c, struct cinode *ci,
			size_t len)
{
	uint8_t *z = len ? calloc(1, len) : NULL;

	if (len && !z)
		fuse_reply_err(req, ENOMEM);
	else
		fuse_reply_buf(req, (const char *)z, len);
	free(z);
	inode_put(c, ci);
}

_Static_assert((LOCALIO_ALIGN & (LOCALIO_ALIGN - 1)) == 0 &&
		       IOBUF_SIZE % LOCALIO_ALIGN == 0,
	       "a result is aligned by masking; a pool buffer is aligned");
_Static_assert(IOBUF_SIZE == CLIENT_MAX_IO, "a pool buffer holds a read");
_Static_assert(CLIENT_MAX_IO <= PROTO_MAX_IO,
	       "a FUSE read is one object request per stripe at most");

/*
 * The read cache's part of a read (rcache.h): a read smaller than a chunk
 * that lies in one. Returns 1 when it answered req from the cache (the
 * reference to ci put), else 0: the read goes to the OSTs as asked (a
 * chunk seen for the first time), or, for a chunk read before, with *off
 * and *len widened to the whole chunk and f filled in for io_ard_end, the
 * generation taken before the read waits for this client's writes and is
 * sent.
 */
static int io_read_cached(struct client *c, fuse_req_t req, struct cinode *ci,
			  uint64_t *off, size_t *len, struct io_rc_fill *f)
{
	uint64_t gen = atomic_load(&ci->cgen);
	uint8_t *buf = malloc(*len);
	ssize_t n = buf ? rcache_read(c->rcache, ci->ino, gen, *off, *len, buf) :
			  -ENOMEM;

	if (n >= 0) {
		fuse_reply_buf(req, (const char *)buf, (size_t)n);
		free(buf);
		inode_put(c, ci);
		return 1;
	}
	free(buf);
	if (n != -EAGAIN)
		return 0;
	f->cached = 1;
	f->cgen = gen;
	f->skip = (size_t)(*off % RCACHE_CHUNK);
	f->want = *len;
	*off -= f->skip;
	*len = RCACHE_CHUNK;
	f->off = *off;
	return 0;
}

void io_read_async(struct client *c, fuse_req_t req, struct cinode *ci,
		   uint64_t off, size_t len, int cache)
{
	struct msg_layout *l = NULL;
	struct io_ard *ard = NULL;
	struct io_rc_fill fill = { 0 };
	uint64_t size;
	size_t pad;
	int rc, last;

	if (len > CLIENT_MAX_IO)
		len = CLIENT_MAX_IO; /* the kernel asks at most max_read */
	if (cache && c->rcache && len && len < RCACHE_CHUNK &&
	    off % RCACHE_CHUNK + len <= RCACHE_CHUNK &&
	    io_read_cached(c, req, ci, &off, &len, &fill))
		return;
	io_wb_wait(ci, off, len ? len : 1); /* our own writes come first */
	rc = inode_snapshot(ci, &l, &size);
	if (rc == -EIO) { /* no layout (no objects): reads as zeros */
		free(l);
		l = NULL;
		rc = 0;
	}
	if (rc)
		goto fail;
	if (off >= size)
		len = 0;
	else if (len > size - off)
		len = (size_t)(size - off);
	if (fill.cached && (!l || !l->nstripes || fill.skip >= len)) {
		/* Nothing to read or past the end: not worth an entry. */
		off += fill.skip;
		len = io_rc_reply_len(&fill, len);
		fill.cached = 0;
	}
	if (!len || !l || !l->nstripes) {
		free(l);
		io_read_now(req, c, ci, len);
		return;
	}
	rc = -ENOMEM;
	ard = calloc(1, sizeof(*ard));
	if (!ard)
		goto fail;
	ard->rc = fill;
	ard->c = c;
	ard->ci = ci;
	ard->req = req;
	ard->len = len;
	/* Not zeroed: the requests write every byte. A whole 1 MiB result
	 * is a buffer of the pool (iobuf.h: huge pages, for localio's
	 * O_DIRECT reads and the copies). A smaller one that localio may
	 * read into is LOCALIO_ALIGN aligned all the same: malloc'd with
	 * room to align, since aligned_alloc's chunks leave holes in glibc's
	 * heap that the next one does not fit (four readers of 64 MiB files
	 * took the client to 540 MiB resident, 115 MiB so). A result for the
	 * read cache is handed to it and freed with free: never pooled or
	 * padded (it is one 64 KiB chunk). Without localio, nothing needs
	 * aligning. */
	if (len == IOBUF_SIZE && !fill.cached && c->iobufs)
		ard->dst = iobuf_get(c->iobufs);
	if (ard->dst) {
		ard->pooled = 1;
	} else {
		pad = !fill.cached && c->localio && len >= IO_LOCALIO_MIN ?
			      LOCALIO_ALIGN - 1 : 0;
		ard->mem = malloc(len + pad);
		ard->dst = ard->mem ? ard->mem + (-(uintptr_t)ard->mem & pad) :
				      NULL;
	}
	ard->ops = calloc(l->nstripes, sizeof(*ard->ops));
	io_batch_init(&ard->b, c);
	if (!ard->dst || !ard->ops)
		goto fail_ard;
	rc = io_read_build(&ard->b, l, off, len, ard->dst, ard->ops, &ard->n);
	if (rc)
		goto fail_ard;
	free(l);
	pthread_mutex_lock(&c->wb_mu);
	while (c->ard_count && c->ard_bytes + len > c->max_read)
		pthread_cond_wait(&c->wb_cond, &c->wb_mu);
	c->ard_count++;
	c->ard_bytes += len;
	pthread_mutex_unlock(&c->wb_mu);
	ard->b.ard = ard;
	ard->b.left = 1; /* the sender's count */
	for (size_t i = 0; i < ard->n; i++)
		io_send_one(&ard->b, &ard->ops[i]);
	pthread_mutex_lock(&ard->b.mu);
	last = --ard->b.left == 0;
	pthread_mutex_unlock(&ard->b.mu);
	if (last)
		io_ard_replied(ard);
	return;
fail_ard:
	for (size_t i = 0; i < ard->n; i++)
		free(ard->ops[i].req);
	free(ard->ops);
	io_ard_free_dst(ard);
	io_batch_fini(&ard->b);
	free(ard);
fail:
	free(l);
	fuse_reply_err(req, -rc);
	inode_put(c, ci);
}

/* The bytes of stripe i in [off, off + len) of buf, in object order: a
 * pointer into buf when they are one piece, else a gathered copy
 * (*owned, caller frees). */
static const uint8_t *io_gather(const struct stripe_geom *g, const uint8_t *buf,
				uint64_t off, uint64_t eo, uint64_t el,
				uint32_t i, uint8_t **owned)
{
	uint64_t first = stripe_file_off(g, i, eo);
	uint8_t *copy;

	*owned = NULL;
	if (eo % g->size + el <= g->size)
		return buf + (first - off); /* within one stripe unit */
	copy = malloc(el);
	if (!copy)
		return NULL;
	for (uint64_t done = 0; done < el;) {
		uint64_t o = eo + done;
		uint64_t chunk = g->size - o % g->size;

		if (chunk > el - done)
			chunk = el - done;
		memcpy(copy + done, buf + (stripe_file_off(g, i, o) - off),
		       chunk);
		done += chunk;
	}
	*owned = copy;
	return copy;
}

/* --- write-behind --- */

/* Where a synchronous write's result goes (the writer's stack). */
struct io_wb_waiter {
	int done; /* ci->mu */
	int rc;
};

/*
 * One io_write in flight: its requests, its place in ci's list of writes
 * in flight and its share of c->wb_dirty. Created by the FUSE thread
 * (io_wb_begin), which holds one count of b.left while it builds and
 * sends the requests; whoever brings b.left to 0 (the last reply on an
 * OST client's loop thread, or the sender) ends it: io_wb_end at once
 * when no OST was lost, else through the retry thread (io_finish blocks
 * on the MDS and on resends, which a loop thread must not).
 */
struct io_wb {
	struct io_wb *next;	  /* ci->wb_head list; ci->mu */
	struct io_wb *retry_next; /* c->wb_retry queue; c->wb_mu */
	struct client *c;
	struct cinode *ci;	  /* a reference, put at the end */
	uint64_t off, end;	  /* the file range written */
	struct io_batch b;	  /* b.wb = this until the retry thread */
	struct io_op *ops;	  /* n built of cap */
	size_t n, cap;
	int err;		  /* building the requests failed: -errno */
	struct io_wb_waiter *waiter; /* sync: who waits for the result */
};

static int io_wb_overlaps(const struct cinode *ci, uint64_t off, uint64_t end)
{
	for (const struct io_wb *w = ci->wb_head; w; w = w->next)
		if (w->off < end && off < w->end)
			return 1;
	return 0;
}

void io_wb_wait(struct cinode *ci, uint64_t off, uint64_t len)
{
	uint64_t end = len && off + len > off ? off + len : UINT64_MAX;

	pthread_mutex_lock(&ci->mu);
	while (io_wb_overlaps(ci, off, end))
		pthread_cond_wait(&ci->wb_cond, &ci->mu);
	pthread_mutex_unlock(&ci->mu);
}

int io_wb_error(struct cinode *ci)
{
	int rc;

	pthread_mutex_lock(&ci->mu);
	rc = ci->werr;
	ci->werr = 0;
	pthread_mutex_unlock(&ci->mu);
	return rc;
}

/*
 * The end of wb (any thread, no lock held): out of ci's list, ci's size
 * grown when it succeeded, its error kept in ci->werr (or handed to its
 * waiter), its bytes given back to c->wb_dirty. Frees wb.
 */
static void io_wb_end(struct io_wb *wb, int rc)
{
	struct client *c = wb->c;
	struct cinode *ci = wb->ci;
	uint64_t charge = wb->end - wb->off;
	struct io_wb **pp;

	if (wb->err)
		rc = wb->err;
	pthread_mutex_lock(&ci->mu);
	for (pp = &ci->wb_head; *pp && *pp != wb; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = wb->next;
	if (!ci->wb_head)
		ci->wb_end = 0;
	if (!rc) {
		if (wb->end > ci->size)
			ci->size = wb->end;
		ci->dirty = 1;
		ci->wgen++; /* a CLOSE that raced with us does not clear dirty */
	}
	if (wb->waiter) {
		wb->waiter->rc = rc;
		wb->waiter->done = 1;
	} else if (rc && !ci->werr) {
		ci->werr = rc;
	}
	pthread_cond_broadcast(&ci->wb_cond);
	pthread_mutex_unlock(&ci->mu);
	if (rc && !wb->waiter)
		LOG_RATELIMITED(LOG_WARNING, "io",
				"ino=%llu background write [%llu, %llu): %s",
				(unsigned long long)ci->ino,
				(unsigned long long)wb->off,
				(unsigned long long)wb->end, strerror(-rc));
	for (size_t i = 0; i < wb->n; i++)
		free(wb->ops[i].req);
	free(wb->ops);
	io_batch_fini(&wb->b);
	free(wb);
	pthread_mutex_lock(&c->wb_mu);
	c->wb_dirty -= charge;
	c->wb_count--;
	pthread_cond_broadcast(&c->wb_cond);
	pthread_mutex_unlock(&c->wb_mu);
	inode_put(c, ci);
}

/* Every request of wb is answered (any thread, no lock held). */
static void io_wb_replied(struct io_wb *wb)
{
	struct client *c = wb->c;
	int lost = 0;

	for (size_t i = 0; i < wb->n; i++)
		lost |= io_lost(wb->ops[i].status);
	if (!lost) {
		io_wb_end(wb, io_status(wb->ops, wb->n));
		return;
	}
	pthread_mutex_lock(&c->wb_mu);
	wb->retry_next = NULL;
	{
		struct io_wb **pp = &c->wb_retry;

		while (*pp)
			pp = &(*pp)->retry_next;
		*pp = wb;
	}
	pthread_cond_broadcast(&c->wb_retry_cond);
	pthread_mutex_unlock(&c->wb_mu);
}

/* Thread: resend the writes, then the reads, whose OST was lost
 * (io_finish), in order. */
static void *io_wb_retry_main(void *arg)
{
	struct client *c = arg;
	struct io_wb *wb;
	struct io_ard *ard;

	pthread_mutex_lock(&c->wb_mu);
	for (;;) {
		while (!c->wb_retry && !c->ard_retry && !c->wb_stop)
			pthread_cond_wait(&c->wb_retry_cond, &c->wb_mu);
		wb = c->wb_retry;
		ard = wb ? NULL : c->ard_retry;
		if (!wb && !ard)
			break;
		if (ard) {
			c->ard_retry = ard->retry_next;
			pthread_mutex_unlock(&c->wb_mu);
			pthread_mutex_lock(&ard->b.mu);
			ard->b.ard = NULL; /* resends' replies signal b.cond */
			pthread_mutex_unlock(&ard->b.mu);
			io_ard_end(ard, io_finish(&ard->b, ard->ops, ard->n));
			pthread_mutex_lock(&c->wb_mu);
			continue;
		}
		c->wb_retry = wb->retry_next;
		pthread_mutex_unlock(&c->wb_mu);
		pthread_mutex_lock(&wb->b.mu);
		wb->b.wb = NULL; /* replies to resends now signal b.cond */
		pthread_mutex_unlock(&wb->b.mu);
		io_wb_end(wb, io_finish(&wb->b, wb->ops, wb->n));
		pthread_mutex_lock(&c->wb_mu);
	}
	pthread_mutex_unlock(&c->wb_mu);
	return NULL;
}

int io_wb_start(struct client *c)
{
	int rc;

	c->max_dirty = (uint64_t)c->cfg->max_dirty_mb << 20;
	c->max_read = (uint64_t)c->cfg->max_read_ahead_mb << 20;
	c->max_rpcs = c->cfg->max_rpcs_in_flight;
	pthread_mutex_init(&c->wb_mu, NULL);
	pthread_cond_init(&c->wb_cond, NULL);
	pthread_cond_init(&c->wb_retry_cond, NULL);
	pthread_cond_init(&c->wb_slot_cond, NULL);
	rc = -pthread_create(&c->wb_thread, NULL, io_wb_retry_main, c);
	if (rc) {
		pthread_cond_destroy(&c->wb_slot_cond);
		pthread_cond_destroy(&c->wb_retry_cond);
		pthread_cond_destroy(&c->wb_cond);
		pthread_mutex_destroy(&c->wb_mu);
		return rc;
	}
	c->wb_thread_started = 1;
	return 0;
}

void io_wb_stop(struct client *c)
{
	if (!c->wb_thread_started)
		return;
	pthread_mutex_lock(&c->wb_mu);
	while (c->wb_count || c->ard_count)
		pthread_cond_wait(&c->wb_cond, &c->wb_mu);
	c->wb_stop = 1;
	pthread_cond_broadcast(&c->wb_retry_cond);
	pthread_mutex_unlock(&c->wb_mu);
	pthread_join(c->wb_thread, NULL);
	c->wb_thread_started = 0;
	pthread_cond_destroy(&c->wb_slot_cond);
	pthread_cond_destroy(&c->wb_retry_cond);
	pthread_cond_destroy(&c->wb_cond);
	pthread_mutex_destroy(&c->wb_mu);
}

/*
 * Start a write of [off, off + len) of ci, with room for cap
 * requests: wait for room under max_dirty (a write alone may use it all),
 * then for writes in flight that overlap the range (the OSS runs requests
 * in parallel, so overlapping ones must not be in flight together), and
 * enter it in ci's list; ci's mtime and dirty are set.
 */
static int io_wb_begin(struct client *c, struct cinode *ci, uint64_t off,
		       uint64_t len, size_t cap, struct io_wb **out)
{
	struct io_wb *wb = calloc(1, sizeof(*wb));
	struct timespec now;

	*out = NULL;
	if (!wb)
		return -ENOMEM;
	wb->ops = calloc(cap ? cap : 1, sizeof(*wb->ops));
	if (!wb->ops) {
		free(wb);
		return -ENOMEM;
	}
	wb->c = c;
	wb->ci = ci;
	wb->off = off;
	wb->end = off + len;
	wb->cap = cap;
	io_batch_init(&wb->b, c);
	wb->b.wb = wb;
	wb->b.left = 1; /* the sender's count: io_wb_sent */
	inode_hold(c, ci);
	pthread_mutex_lock(&c->wb_mu);
	while (c->wb_count && c->wb_dirty + len > c->max_dirty)
		pthread_cond_wait(&c->wb_cond, &c->wb_mu);
	c->wb_dirty += len;
	c->wb_count++;
	pthread_mutex_unlock(&c->wb_mu);
	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&ci->mu);
	while (io_wb_overlaps(ci, wb->off, wb->end))
		pthread_cond_wait(&ci->wb_cond, &ci->mu);
	wb->next = ci->wb_head;
	ci->wb_head = wb;
	if (wb->end > ci->wb_end)
		ci->wb_end = wb->end;
	ci->mtime.sec = now.tv_sec;
	ci->mtime.nsec = (uint32_t)now.tv_nsec;
	ci->dirty = 1;
	ci->wgen++;
	inode_data_changed(ci); /* with wb in the list: io_read_async */
	pthread_mutex_unlock(&ci->mu);
	*out = wb;
	return 0;
}

/*
 * The sender is done with wb (rc: building its requests failed). Without
 * sync and error, return at once: the replies end wb in the background.
 * Else wait for the end and return the write's status. wb is not to be
 * touched after this.
 */
static int io_wb_sent(struct io_wb *wb, int rc, int sync)
{
	struct io_wb_waiter w = { 0 };
	struct cinode *ci = wb->ci; /* the caller holds a reference too */
	int wait = sync || rc, last;

	wb->err = rc;
	if (wait)
		wb->waiter = &w;
	pthread_mutex_lock(&wb->b.mu);
	last = --wb->b.left == 0;
	pthread_mutex_unlock(&wb->b.mu);
	if (last)
		io_wb_replied(wb);
	if (!wait)
		return 0;
	pthread_mutex_lock(&ci->mu);
	while (!w.done)
		pthread_cond_wait(&ci->wb_cond, &ci->mu);
	pthread_mutex_unlock(&ci->mu);
	return w.rc;
}

/*
 * Requests of a compressed write: each stripe's piece is cut into
 * IO_ZWRITE_PIECE object ranges, each sent as soon as it is compressed,
 * so that compressing the next overlaps sending (and the OSS storing)
 * this one. Ranges are disjoint, so their order does not matter.
 */
static int io_zwrite_send(struct io_wb *wb, const struct msg_layout *l,
			  const uint8_t *buf, size_t len, uint64_t off)
{
	struct stripe_geom g = io_geom(l);
	int rc = 0;

	for (uint32_t i = 0; i < l->nstripes && !rc; i++) {
		const uint8_t *data;
		uint8_t *owned;
		uint64_t eo, el, p, next;

		stripe_extent(&g, off, len, i, &eo, &el);
		if (!el)
			continue;
		data = io_gather(&g, buf, off, eo, el, i, &owned);
		if (!data)
			return -ENOMEM;
		for (p = eo; p < eo + el && !rc; p = next) {
			struct io_op *op = &wb->ops[wb->n];

			if (wb->n == wb->cap) { /* cannot happen: cap is a bound */
				rc = -EOVERFLOW;
				break;
			}
			next = (p / IO_ZWRITE_PIECE + 1) * IO_ZWRITE_PIECE;
			if (next > eo + el)
				next = eo + el;
			rc = io_op_zencode(op, l, i, p, data + (p - eo),
					   (uint32_t)(next - p));
			if (rc) {
				free(op->req);
				op->req = NULL;
				break;
			}
			wb->n++;
			io_send_one(&wb->b, op);
		}
		free(owned);
	}
	return rc;
}

/* Requests of a plain write: one OBJ_WRITE per stripe touched. */
static int io_write_send(struct io_wb *wb, const struct msg_layout *l,
			 const uint8_t *buf, size_t len, uint64_t off)
{
	struct stripe_geom g = io_geom(l);
	int rc = 0;

	for (uint32_t i = 0; i < l->nstripes && !rc; i++) {
		struct msg_obj_req m = { .object_id = l->stripes[i].object_id,
					 .stripe_idx = i };
		struct io_op *op = &wb->ops[wb->n];
		uint8_t *owned;
		uint64_t eo, el;

		stripe_extent(&g, off, len, i, &eo, &el);
		if (!el)
			continue;
		m.off = eo;
		m.data.p = io_gather(&g, buf, off, eo, el, i, &owned);
		m.data.len = (uint32_t)el;
		if (!m.data.p)
			return -ENOMEM;
		rc = io_op_encode(op, PROTO_OP_OBJ_WRITE, l, i, &m);
		free(owned);
		if (rc) {
			free(op->req);
			op->req = NULL;
			break;
		}
		wb->n++;
		io_send_one(&wb->b, op);
	}
	return rc;
}

int io_write(struct client *c, struct cinode *ci, const uint8_t *buf,
	     size_t len, uint64_t off, int sync)
{
	struct msg_layout *l = NULL;
	struct io_wb *wb;
	uint64_t size;
	size_t cap;
	int rc, lz4;

	rc = io_wb_error(ci);
	if (rc)
		return rc;
	if (len > PROTO_MAX_IO)
		return -EINVAL;
	if (!len)
		return 0;
	rc = inode_snapshot(ci, &l, &size);
	if (rc)
		return rc;
	if (!l->nstripes) {
		rc = -EIO;
		goto out;
	}
	lz4 = !!(l->pattern & PROTO_PATTERN_LZ4);
	cap = lz4 ? len / IO_ZWRITE_PIECE + 2 * (size_t)l->nstripes :
		    l->nstripes;
	rc = io_wb_begin(c, ci, off, len, cap, &wb);
	if (rc)
		goto out;
	rc = lz4 ? io_zwrite_send(wb, l, buf, len, off) :
		   io_write_send(wb, l, buf, len, off);
	rc = io_wb_sent(wb, rc, sync);
out:
	free(l);
	return rc;
}

/* One request per stripe (where keep(i) says so) built by fill. */
typedef int (*io_fill_fn)(const struct msg_layout *l, uint32_t i, void *arg,
			  struct msg_obj_req *m);

static int io_each_stripe(struct client *c, const struct msg_layout *l,
			  uint16_t opcode, io_fill_fn fill, void *arg)
{
	struct io_batch b;
	struct io_op *ops;
	size_t n = 0;
	int rc = 0;

	if (!l->nstripes)
		return 0;
	ops = calloc(l->nstripes, sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	io_batch_init(&b, c);
	for (uint32_t i = 0; i < l->nstripes && !rc; i++) {
		struct msg_obj_req m = { .object_id = l->stripes[i].object_id,
					 .stripe_idx = i };
		int want = fill(l, i, arg, &m);

		if (want < 0)
			rc = want;
		else if (want)
			rc = io_op_encode(&ops[n++], opcode, l, i, &m);
	}
	if (!rc)
		rc = io_run(&b, ops, n);
	for (size_t i = 0; i < n; i++)
		free(ops[i].req);
	free(ops);
	io_batch_fini(&b);
	return rc;
}

static int io_fill_truncate(const struct msg_layout *l, uint32_t i, void *arg,
			    struct msg_obj_req *m)
{
	struct stripe_geom g = io_geom(l);

	m->size = stripe_object_size(&g, *(const uint64_t *)arg, i);
	return 1;
}

int io_truncate(struct client *c, const struct msg_layout *layout,
		uint64_t size)
{
	return io_each_stripe(c, layout, PROTO_OP_OBJ_TRUNCATE,
			      io_fill_truncate, &size);
}

struct io_range {
	uint64_t off, len;
};

static int io_fill_punch(const struct msg_layout *l, uint32_t i, void *arg,
			 struct msg_obj_req *m)
{
	const struct io_range *r = arg;
	struct stripe_geom g = io_geom(l);
	uint64_t eo, el;

	stripe_extent(&g, r->off, r->len, i, &eo, &el);
	m->off = eo;
	m->len = el;
	return el != 0;
}

int io_punch(struct client *c, const struct msg_layout *layout, uint64_t off,
	     uint64_t len)
{
	struct io_range r = { .off = off, .len = len };

	return io_each_stripe(c, layout, PROTO_OP_OBJ_PUNCH, io_fill_punch, &r);
}

static int io_fill_sync(const struct msg_layout *l, uint32_t i, void *arg,
			struct msg_obj_req *m)
{
	return 1;
}

int io_sync(struct client *c, const struct msg_layout *layout)
{
	return io_each_stripe(c, layout, PROTO_OP_OBJ_SYNC, io_fill_sync, NULL);
}

int io_statfs(struct client *c, struct statvfs *st)
{
	struct cluster *cl = c->cl;
	struct io_batch b;
	struct io_op *ops = NULL;
	struct msg_statfs mdt = { 0 };
	uint64_t total = 0, avail = 0, free_b = 0;
	uint8_t *reply = NULL;
	size_t len = 0, n = 0, answered = 0;
	struct cursor cur;
	int rc;

	io_batch_init(&b, c);
	pthread_mutex_lock(&cl->lock);
	n = cl->nosts;
	ops = calloc(n ? n : 1, sizeof(*ops));
	for (size_t i = 0; ops && i < n; i++) {
		ops[i].opcode = PROTO_OP_STATFS;
		ops[i].ost_idx = cl->osts[i].ost_idx;
	}
	pthread_mutex_unlock(&cl->lock);
	if (!ops) {
		rc = -ENOMEM;
		goto out;
	}
	/* The OSTs answer in parallel while we ask the MDS. */
	{
		int *send = calloc(n ? n : 1, sizeof(*send));

		if (!send) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			send[i] = 1;
		io_send_wait(&b, ops, n, send);
		free(send);
	}
	rc = md_errno(rpc_call(cl->mds, PROTO_OP_STATFS, NULL, 0, c->timeout_ms,
			       &reply, &len));
	if (rc)
		goto out;
	cursor_init(&cur, reply, len);
	if (msg_statfs_decode(&cur, &mdt)) {
		rc = -EIO;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (ops[i].status)
			continue; /* a down OST: left out, as lfs df does */
		answered++;
		total += ops[i].sfs.bytes_total;
		avail += ops[i].sfs.bytes_avail;
		free_b += ops[i].sfs.bytes_total > ops[i].sfs.bytes_used ?
				  ops[i].sfs.bytes_total - ops[i].sfs.bytes_used :
				  0;
	}
	if (n && !answered) {
		rc = -EIO;
		goto out;
	}
	memset(st, 0, sizeof(*st));
	st->f_bsize = CLIENT_MAX_IO;
	st->f_frsize = 4096;
	st->f_blocks = total / st->f_frsize;
	st->f_bfree = free_b / st->f_frsize;
	st->f_bavail = avail / st->f_frsize;
	st->f_files = mdt.files_total;
	st->f_ffree = mdt.files_total > mdt.files_used ?
			      mdt.files_total - mdt.files_used :
			      0;
	st->f_favail = st->f_ffree;
	st->f_namemax = PROTO_NAME_MAX;
out:
	free(reply);
	free(ops);
	io_batch_fini(&b);
	return rc;
}
