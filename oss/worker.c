/*
 * worker.c - the OSS's I/O worker pool: object requests off the loops.
 *
 * Loops must never wait for a disk, so rpc.c decodes each object request
 * and queues it here (worker_submit). io_threads threads, each with its own
 * io_uring (created in the thread: a ring belongs to its user, objstore.h),
 * take jobs from one shared FIFO, run the objstore call and answer with
 * conn_reply_threadsafe(). A job holds a conn reference until its reply is
 * queued. The FIFO has no bound of its own: a conn stops reading after
 * CONN_MAX_UNREPLIED unanswered requests (conn.c); a long queue is logged.
 *
 * Ordering: queued jobs run in parallel and finish in any order; as with
 * Lustre, a client must not have two conflicting requests to one object in
 * flight. Each objstore call is atomic (per-object lock).
 *
 * An absent object reads as empty and punching or syncing it succeeds, as
 * destroying it does: an allocated object nobody wrote is simply empty.
 * GETATTR says -ENOENT so tools can tell. OBJ_LIST pages through sorted
 * snapshots of the store (obj_list.c), owned by the pool.
 *
 * OBJ_WRITE_Z and OBJ_READ_Z (msg_zio.h) carry chunks as the OST stores
 * them: the job of a WRITE_Z holds the whole request payload, decoded
 * again here (rpc.c checked it on the loop), and objstore_write_chunks
 * verifies each chunk before storing it; a READ_Z reply is built around
 * objstore_read_chunks, which reads the stored bytes straight into it.
 * OBJ_READ_C (msg_zio.h) replies end with a range of the object's data
 * file, sent by the conn with sendfile (worker_readc).
 * DataWriteBytes and DataReadBytes count logical (uncompressed) bytes.
 *
 * Shutdown (worker_pool_stop, once the network loops are gone): workers
 * finish the job in hand and exit, queued jobs are dropped (their conns are
 * closed: nobody could get the reply), threads joined, rings destroyed.
 * Fault injection points (OSS_FAIL_*, oss_i.h) are checked in worker_run.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/conn.h"
#include "common/log.h"
#include "common/ring.h"
#include "oss/obj_list.h"
#include "oss/objstore.h"
#include "oss/oss_i.h"
#include "proto/codec.h"
#include "proto/msg_fs.h"
#include "proto/msg_zio.h"

#define WORKER_RING_ENTRIES 64	 /* submissions in flight per worker */
#define WORKER_QUEUE_WARN   4096 /* log when more jobs than this wait */
#define WORKER_FAIL_DELAY_MS 200 /* OSS_FAIL_IO_DELAY */

static const struct {
	const char *name;
	unsigned bit;
} worker_fail_locs[] = {
	{ "oss_write_enospc", OSS_FAIL_WRITE_ENOSPC },
	{ "oss_read_eio", OSS_FAIL_READ_EIO },
	{ "oss_reply_drop", OSS_FAIL_REPLY_DROP },
	{ "oss_io_delay", OSS_FAIL_IO_DELAY },
	{ "oss_readc_bad_csum", OSS_FAIL_READC_BAD_CSUM },
};
#define WORKER_NFAIL (sizeof(worker_fail_locs) / sizeof(worker_fail_locs[0]))

/* One decoded object request waiting for a worker. */
struct worker_job {
	struct worker_job *next; /* queue link */
	struct conn *c;		 /* reference held until replied */
	uint16_t opcode;	 /* PROTO_OP_OBJ_* */
	uint64_t req_id;	 /* the request's, echoed by the reply */
	struct msg_obj_req req;	 /* decoded; req.data points into owned
				    or at data[] */
	void *owned;		 /* OBJ_WRITE(_Z): the conn's payload buffer,
				    taken over (conn_steal_payload), or NULL */
	uint8_t data[];		 /* OBJ_WRITE's data or OBJ_WRITE_Z's payload,
				    copied off the conn when it could not be
				    taken over */
};

struct worker_pool {
	struct oss *o;
	struct obj_list *list;	    /* OBJ_LIST snapshots */
	pthread_mutex_t mu;	    /* guards everything below */
	pthread_cond_t work;	    /* a job was queued, or stopping */
	pthread_cond_t started;	    /* a thread reported its ring */
	struct worker_job *head, *tail; /* FIFO of queued jobs */
	size_t queued;		    /* jobs in the FIFO */
	int stopping;		    /* no more jobs: workers exit */
	unsigned nready;	    /* threads that tried ring_create */
	int start_err;		    /* first ring_create error */
	unsigned nthreads;	    /* threads running (to join) */
	pthread_t threads[];	    /* nthreads of them */
};

/* --- running one job (worker thread) --- */

static const char *worker_reason(int err)
{
	switch (err) {
	case -ENOSPC:
		return "no space left on OST";
	case -EIO:
		return "object data failed its checksum or could not be read";
	case -EINVAL:
		return "invalid object request";
	case -EFBIG:
		return "object would exceed the largest object size";
	case -ENOENT:
		return "no such object";
	case -ENOMEM:
		return "OSS out of memory";
	case -EBADMSG:
		return "a compressed chunk does not decode to its length and "
		       "checksum";
	default:
		return NULL;
	}
}

/* An ERROR payload for err (malloc'd; NULL when out of memory, then conn
 * sends an empty ERROR). */
static void *worker_error_payload(int err, size_t *len)
{
	char tmp[128];
	struct msg_error m = { .reason = worker_reason(err) };
	uint8_t *buf;
	ssize_t n;

	if (!m.reason)
		m.reason = strerror_r(-err, tmp, sizeof(tmp));
	m.reason_len = (uint16_t)strlen(m.reason);
	*len = msg_error_encoded_len(&m);
	buf = malloc(*len);
	if (!buf)
		goto err;
	n = msg_error_encode(&m, buf, *len);
	if (n < 0)
		goto err;
	*len = (size_t)n;
	return buf;
err:
	free(buf);
	*len = 0;
	return NULL;
}

/* OBJ_READ: the reply blob is built around the data, which objstore_read
 * puts straight into the reply buffer after the 4-byte length. */
static int worker_read(struct oss *o, struct ring *ring,
		       const struct msg_obj_req *r, void **out, size_t *out_len)
{
	uint8_t *buf, *small;
	ssize_t n;

	buf = malloc(CODEC_BLOB_LEN(r->len));
	if (!buf)
		return -ENOMEM;
	n = objstore_read(o->store, ring, r->object_id, r->stripe_idx, r->off,
			  r->len, buf + 4);
	if (n == -ENOENT)
		n = 0;
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	le32_store(buf, (uint32_t)n);
	/* A short read (end of object) must not pin a 4 MiB buffer in the
	 * write queue: give the rest back. */
	if ((uint64_t)n < r->len / 2) {
		small = realloc(buf, CODEC_BLOB_LEN(n));
		if (small)
			buf = small;
	}
	atomic_fetch_add(&o->counters.data_read_ops, 1);
	atomic_fetch_add(&o->counters.data_read_bytes, (uint64_t)n);
	*out = buf;
	*out_len = CODEC_BLOB_LEN(n);
	return 0;
}

int oss_readl(struct oss *o, struct ring *ring, const struct msg_obj_req *r,
	      struct conn *c, void **out, size_t *out_len)
{
	struct msg_readl m = { .head.count = (uint32_t)PROTO_READC_CHUNKS(r->len) };
	char path[OBJSTORE_LOCAL_PATH_MAX];
	size_t cap = PROTO_READC_HEAD_LEN(r->len) + 2 + sizeof(path);
	uint64_t n = 0;
	uint8_t *buf;
	ssize_t got;
	int rc;

	if (o->cfg.localio != OSS_LOCALIO_ON || !conn_same_host(c))
		return -EOPNOTSUPP;
	rc = objstore_read_local(o->store, ring, r->object_id, r->stripe_idx,
				 r->off, r->len, path, &n, m.head.csum);
	if (rc == -ENOENT) {
		rc = 0;
		n = 0;
	}
	if (rc < 0)
		return rc;
	m.head.data_len = (uint32_t)n;
	if (atomic_load(&o->fail_loc) & OSS_FAIL_READC_BAD_CSUM)
		m.head.csum[0] ^= 1;
	m.path = n ? path : "";
	m.path_len = n ? (uint16_t)strlen(path) : 0;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	got = msg_readl_encode(&m, buf, cap);
	if (got < 0) {
		free(buf);
		return (int)got;
	}
	atomic_fetch_add(&o->counters.data_read_ops, 1);
	atomic_fetch_add(&o->counters.data_read_bytes, n);
	atomic_fetch_add(&o->counters.localio_bytes, n);
	*out = buf;
	*out_len = (size_t)got;
	return 0;
}

/*
 * Whether OBJ_READ_C replies to c go out with sendfile (--sendfile). Not
 * by default to a client on this host: its receive thread would then make
 * the first copy of pages just read from disk, which on a VM costs far
 * more than later copies (the hypervisor maps each page in at its first
 * touch: 1.2-1.9 s of client CPU per GiB against 0.4-0.5 measured here),
 * where the OSS's worker threads make it now, several at once. Over a
 * real network the copy into the socket is the OSS's alone, and sendfile
 * saves it and the read into memory.
 */
static bool worker_sendfile(const struct oss *o, struct conn *c)
{
	return o->cfg.sendfile == OSS_SENDFILE_ON ||
	       (o->cfg.sendfile == OSS_SENDFILE_AUTO && !conn_same_host(c));
}

/*
 * OBJ_READ_C: "4 data_len | 4 count | count x 8 csum | data". When the
 * range is stored raw and chunk-aligned (objstore_read_span), the
 * checksums are the chunk table's and the data is the data file's bytes,
 * unread and unverified here (the client checks them end to end): sent
 * from the file (*file: sendfile, conn.h) when use_sendfile, else copied
 * into the reply with one read. Any other range is read and verified
 * (objstore_read: holes, LZ4, partial chunks) and its pieces checksummed
 * anew. Either way the frame's checksum covers the head only. fail_loc
 * oss_readc_bad_csum spoils the first checksum (a test of the client's
 * retry with OBJ_READ).
 */
static int worker_readc(struct oss *o, struct ring *ring,
			const struct msg_obj_req *r, bool use_sendfile,
			void **out, size_t *out_len, struct conn_file *file)
{
	struct msg_readc_head m = { .count = (uint32_t)PROTO_READC_CHUNKS(r->len) };
	size_t head = PROTO_READC_HEAD_LEN(r->len);
	uint8_t *buf, *small;
	struct ring_op op;
	uint64_t n = 0;
	ssize_t got;
	int fd = -1, rc;

	buf = malloc(head + (use_sendfile ? 0 : r->len));
	if (!buf)
		return -ENOMEM;
	rc = objstore_read_span(o->store, ring, r->object_id, r->stripe_idx,
				r->off, r->len, &fd, &n, m.csum);
	if (rc == -ENOENT)
		rc = 0;
	if (rc == 0 && fd >= 0 && !use_sendfile) {
		/* One copy; a file cut short meanwhile leaves zeros, which
		 * the client's check refuses. */
		ring_op_read(&op, fd, buf + head, n, r->off);
		rc = ring_run(ring, &op, 1);
		close(fd);
		fd = -1;
		if (rc == 0 && op.res < 0)
			rc = (int)op.res;
		if (rc == 0 && (uint64_t)op.res < n)
			memset(buf + head + op.res, 0, n - (uint64_t)op.res);
	} else if (rc == -EAGAIN) {
		if (use_sendfile) {
			small = realloc(buf, head + r->len);
			rc = -ENOMEM;
			if (!small)
				goto err;
			buf = small;
		}
		got = objstore_read(o->store, ring, r->object_id,
				    r->stripe_idx, r->off, r->len, buf + head);
		rc = got == -ENOENT ? 0 : got < 0 ? (int)got : 0;
		n = got > 0 ? (uint64_t)got : 0;
		m.data_len = (uint32_t)n;
		msg_readc_sum(&m, buf + head);
	}
	if (rc < 0)
		goto err;
	m.data_len = (uint32_t)n;
	if (atomic_load(&o->fail_loc) & OSS_FAIL_READC_BAD_CSUM)
		m.csum[0] ^= 1;
	got = msg_readc_head_encode(&m, buf, head);
	if (got != (ssize_t)head) {
		rc = got < 0 ? (int)got : -EINVAL;
		goto err;
	}
	atomic_fetch_add(&o->counters.data_read_ops, 1);
	atomic_fetch_add(&o->counters.data_read_bytes, n);
	if (fd >= 0) {
		atomic_fetch_add(&o->counters.sendfile_bytes, n);
		*file = (struct conn_file){ .fd = fd, .off = r->off, .len = n };
		*out_len = head;
	} else {
		*out_len = head + n;
		if (n < r->len / 2) {
			small = realloc(buf, *out_len);
			if (small)
				buf = small;
		}
	}
	*out = buf;
	return 0;
err:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/*
 * The object's size after a write: its table header, read once more (the
 * write left the object's files open in the store's fd cache).
 */
static int worker_size_after(struct oss *o, struct ring *ring,
			     const struct msg_obj_req *r, uint64_t *size)
{
	return objstore_size(o->store, ring, r->object_id, r->stripe_idx,
			     size);
}

static int worker_write(struct oss *o, struct ring *ring,
			const struct msg_obj_req *r, void **out,
			size_t *out_len)
{
	unsigned flags = 0;
	uint64_t size = 0;
	uint8_t *buf;
	ssize_t n;
	int rc;

	if (r->flags & PROTO_OBJ_LZ4)
		flags |= OBJSTORE_WRITE_COMPRESS;
	n = objstore_write(o->store, ring, r->object_id, r->stripe_idx, r->off,
			   r->data.p, r->data.len, flags);
	if (n < 0)
		return (int)n;
	atomic_fetch_add(&o->counters.data_write_ops, 1);
	atomic_fetch_add(&o->counters.data_write_bytes, (uint64_t)n);
	if (r->flags & PROTO_OBJ_SYNC) {
		rc = objstore_sync(o->store, ring, r->object_id,
				   r->stripe_idx);
		if (rc < 0)
			return rc;
	}
	rc = worker_size_after(o, ring, r, &size);
	if (rc < 0)
		return rc;
	buf = malloc(8);
	if (!buf)
		return -ENOMEM;
	le64_store(buf, size);
	*out = buf;
	*out_len = 8;
	return 0;
}

/* A u64 reply payload (malloc'd): the size after a write. */
static int worker_u64_reply(uint64_t v, void **out, size_t *out_len)
{
	uint8_t *buf = malloc(8);

	if (!buf)
		return -ENOMEM;
	le64_store(buf, v);
	*out = buf;
	*out_len = 8;
	return 0;
}

/* OBJ_WRITE_Z: r->data is the whole request payload. */
static int worker_zwrite(struct oss *o, struct ring *ring,
			 const struct msg_obj_req *r, void **out,
			 size_t *out_len)
{
	struct msg_zchunk mz[PROTO_ZCHUNKS_MAX];
	struct objstore_zchunk z[PROTO_ZCHUNKS_MAX];
	struct msg_obj_zwrite m = { .z = { .chunks = mz,
					   .cap = PROTO_ZCHUNKS_MAX } };
	struct msg_obj_req span = { 0 };
	unsigned flags = 0;
	struct cursor cur;
	uint64_t size = 0;
	ssize_t n;
	int rc;

	cursor_init(&cur, r->data.p, r->data.len);
	if (msg_obj_zwrite_decode(&cur, &m))
		return -EBADMSG; /* rpc.c decoded it already */
	for (uint32_t i = 0; i < m.z.count; i++)
		z[i] = (struct objstore_zchunk){
			.off = mz[i].off, .raw_len = mz[i].raw_len,
			.stored_len = mz[i].stored_len, .kind = mz[i].kind,
			.csum = mz[i].csum, .data = mz[i].data };
	if (m.flags & PROTO_OBJ_LZ4)
		flags |= OBJSTORE_WRITE_COMPRESS;
	n = objstore_write_chunks(o->store, ring, m.object_id, m.stripe_idx, z,
				  m.z.count, flags);
	if (n < 0)
		return (int)n;
	atomic_fetch_add(&o->counters.data_write_ops, 1);
	atomic_fetch_add(&o->counters.data_write_bytes, (uint64_t)n);
	if (m.flags & PROTO_OBJ_SYNC) {
		rc = objstore_sync(o->store, ring, m.object_id, m.stripe_idx);
		if (rc < 0)
			return rc;
	}
	span.object_id = m.object_id;
	span.stripe_idx = m.stripe_idx;
	span.off = m.z.count ? mz[0].off : 0;
	span.data.len = (uint32_t)n;
	rc = worker_size_after(o, ring, &span, &size);
	if (rc < 0)
		return rc;
	return worker_u64_reply(size, out, out_len);
}

/*
 * OBJ_READ_Z: "4 data_len | data | table", the stored chunks read straight
 * into the reply after its first 4 bytes, the table encoded behind them.
 */
static int worker_zread(struct oss *o, struct ring *ring,
			const struct msg_obj_req *r, void **out,
			size_t *out_len)
{
	size_t cap = OBJSTORE_ZREAD_CHUNKS(r->len);
	size_t dcap = OBJSTORE_ZREAD_BUF(r->len);
	size_t room = 4 + dcap + 4 + cap * MSG_ZCHUNK_LEN, stored = 0, len;
	struct objstore_zchunk *z = calloc(cap, sizeof(*z));
	struct msg_zchunk *mz = calloc(cap, sizeof(*mz));
	struct msg_zchunks t = { .chunks = mz };
	uint8_t *buf = malloc(room), *small;
	uint64_t got = 0, end;
	ssize_t n;
	int rc = -ENOMEM;

	if (!z || !mz || !buf)
		goto err;
	n = objstore_read_chunks(o->store, ring, r->object_id, r->stripe_idx,
				 r->off, r->len, z, cap, buf + 4, dcap,
				 &stored);
	if (n == -ENOENT)
		n = 0;
	rc = (int)n;
	if (n < 0)
		goto err;
	for (ssize_t i = 0; i < n; i++)
		mz[i] = (struct msg_zchunk){
			.off = z[i].off, .raw_len = z[i].raw_len,
			.stored_len = z[i].stored_len,
			.kind = (uint8_t)z[i].kind, .csum = z[i].csum,
			.data = z[i].data };
	t.count = t.cap = (uint32_t)n;
	le32_store(buf, (uint32_t)stored);
	n = msg_zchunks_encode_table(&t, (uint32_t)stored, buf + 4 + stored,
				     room - 4 - stored);
	rc = (int)n;
	if (n < 0)
		goto err;
	len = 4 + stored + (size_t)n;
	if (len < room / 2) {
		small = realloc(buf, len);
		if (small)
			buf = small;
	}
	if (t.count) {
		end = mz[t.count - 1].off + mz[t.count - 1].raw_len;
		if (end > r->off + r->len)
			end = r->off + r->len;
		got = end > r->off ? end - r->off : 0;
	}
	atomic_fetch_add(&o->counters.data_read_ops, 1);
	atomic_fetch_add(&o->counters.data_read_bytes, got);
	free(z);
	free(mz);
	*out = buf;
	*out_len = len;
	return 0;
err:
	free(z);
	free(mz);
	free(buf);
	return rc;
}

static int worker_getattr(struct oss *o, struct ring *ring,
			  const struct msg_obj_req *r, void **out,
			  size_t *out_len)
{
	struct objstore_attr attr;
	struct msg_obj_attr m;
	uint8_t *buf;
	ssize_t n;
	int rc;

	rc = objstore_getattr(o->store, ring, r->object_id, r->stripe_idx,
			      &attr);
	if (rc < 0)
		return rc;
	m = (struct msg_obj_attr){ .size = attr.size,
				   .disk_bytes = attr.disk_bytes,
				   .logical_bytes = attr.logical_bytes,
				   .stored_bytes = attr.stored_bytes };
	buf = malloc(msg_obj_attr_encoded_len(&m));
	if (!buf)
		return -ENOMEM;
	n = msg_obj_attr_encode(&m, buf, msg_obj_attr_encoded_len(&m));
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	*out = buf;
	*out_len = (size_t)n;
	return 0;
}

/* OBJ_LIST: a page of the sorted listing (the decoder capped max). */
static int worker_list(struct worker_pool *p, const struct msg_obj_req *r,
		       void **out, size_t *out_len)
{
	struct msg_obj_ref after = { r->object_id, r->stripe_idx };
	struct msg_obj_list m = { 0 };
	struct msg_obj_ref *refs;
	uint8_t *buf = NULL;
	bool eof;
	ssize_t n;
	int rc;

	refs = malloc((r->max ? r->max : 1) * sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	rc = obj_list_page(p->list, &after, r->max, refs, &m.count, &eof);
	if (rc)
		goto out;
	m.eof = eof;
	m.objs = refs;
	buf = malloc(msg_obj_list_encoded_len(&m));
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	n = msg_obj_list_encode(&m, buf, msg_obj_list_encoded_len(&m));
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	*out = buf;
	*out_len = (size_t)n;
	buf = NULL;
out:
	free(buf);
	free(refs);
	return rc;
}

/* Run one job's objstore call: 0 and the reply payload (malloc'd or NULL)
 * and maybe a file range that ends it (OBJ_READ_C; fd -1 when not), or
 * -errno. */
static int worker_exec(struct worker_pool *p, struct ring *ring,
		       const struct worker_job *j, void **out, size_t *out_len,
		       struct conn_file *file)
{
	const struct msg_obj_req *r = &j->req;
	struct oss *o = p->o;
	int rc;

	*out = NULL;
	*out_len = 0;
	switch (j->opcode) {
	case PROTO_OP_OBJ_READ:
		return worker_read(o, ring, r, out, out_len);
	case PROTO_OP_OBJ_WRITE:
		return worker_write(o, ring, r, out, out_len);
	case PROTO_OP_OBJ_TRUNCATE:
		return objstore_truncate(o->store, ring, r->object_id,
					 r->stripe_idx, r->size);
	case PROTO_OP_OBJ_PUNCH:
		rc = objstore_punch(o->store, ring, r->object_id,
				    r->stripe_idx, r->off, r->len);
		return rc == -ENOENT ? 0 : rc;
	case PROTO_OP_OBJ_DESTROY:
		rc = objstore_destroy(o->store, ring, r->object_id,
				      r->stripe_idx);
		return rc == -ENOENT ? 0 : rc;
	case PROTO_OP_OBJ_SYNC:
		rc = objstore_sync(o->store, ring, r->object_id,
				   r->stripe_idx);
		return rc == -ENOENT ? 0 : rc;
	case PROTO_OP_OBJ_GETATTR:
		return worker_getattr(o, ring, r, out, out_len);
	case PROTO_OP_OBJ_LIST:
		return worker_list(p, r, out, out_len);
	case PROTO_OP_OBJ_WRITE_Z:
		return worker_zwrite(o, ring, r, out, out_len);
	case PROTO_OP_OBJ_READ_Z:
		return worker_zread(o, ring, r, out, out_len);
	case PROTO_OP_OBJ_READ_C:
		return worker_readc(o, ring, r, worker_sendfile(o, j->c), out,
				    out_len, file);
	case PROTO_OP_OBJ_READ_L:
		return oss_readl(o, ring, r, j->c, out, out_len);
	default:
		return -EOPNOTSUPP; /* rpc.c only submits the ones above */
	}
}

static void worker_job_free(struct worker_job *j)
{
	conn_put(j->c);
	free(j->owned);
	free(j);
}

static void worker_run(struct worker_pool *p, struct ring *ring,
		       struct worker_job *j)
{
	struct oss *o = p->o;
	const struct proto_op_desc *d = proto_op_lookup(j->opcode);
	unsigned fail = atomic_load(&o->fail_loc);
	struct timespec delay = { 0, WORKER_FAIL_DELAY_MS * 1000000L };
	struct conn_file file = { .fd = -1 };
	void *payload = NULL;
	size_t len = 0;
	int rc;

	if (fail & OSS_FAIL_IO_DELAY)
		nanosleep(&delay, NULL);
	if ((fail & OSS_FAIL_WRITE_ENOSPC) &&
	    (j->opcode == PROTO_OP_OBJ_WRITE ||
	     j->opcode == PROTO_OP_OBJ_WRITE_Z))
		rc = -ENOSPC;
	else if ((fail & OSS_FAIL_READ_EIO) &&
		 (j->opcode == PROTO_OP_OBJ_READ ||
		  j->opcode == PROTO_OP_OBJ_READ_Z ||
		  j->opcode == PROTO_OP_OBJ_READ_C ||
		  j->opcode == PROTO_OP_OBJ_READ_L))
		rc = -EIO;
	else
		rc = worker_exec(p, ring, j, &payload, &len, &file);
	if (fail & OSS_FAIL_REPLY_DROP) {
		log_msg(LOG_DEBUG, "worker", "fail_loc: reply to req_id=%" PRIu64
			" dropped", j->req_id);
		free(payload);
		if (file.fd >= 0)
			close(file.fd);
		worker_job_free(j);
		return;
	}
	if (rc < 0) {
		free(payload);
		if (rc == -EIO)
			LOG_RATELIMITED(LOG_WARNING, "worker",
					"peer=%s req_id=%" PRIu64 " %s object=%#" PRIx64
					" idx=%u: I/O error",
					conn_peer(j->c), j->req_id,
					d ? d->name : "?", j->req.object_id,
					j->req.stripe_idx);
		payload = worker_error_payload(rc, &len);
	}
	/* Fails only when the conn is gone: the reply is dropped then. */
	if (file.fd >= 0)
		conn_reply_threadsafe_file(j->c, j->opcode, j->req_id, payload,
					   len, &file);
	else if (rc == 0 && j->opcode == PROTO_OP_OBJ_READ_C)
		conn_reply_threadsafe_head(j->c, j->opcode, j->req_id, payload,
					   len,
					   PROTO_READC_HEAD_LEN(j->req.len));
	else
		conn_reply_threadsafe(j->c, j->opcode, j->req_id, rc, payload,
				      len);
	worker_job_free(j);
}

int worker_fail_loc_parse(const char *names, unsigned *mask)
{
	const char *p = names, *end;
	size_t i, n;

	*mask = 0;
	while (p && *p) {
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		for (i = 0; i < WORKER_NFAIL; i++)
			if (strlen(worker_fail_locs[i].name) == n &&
			    !memcmp(worker_fail_locs[i].name, p, n))
				break;
		if (i == WORKER_NFAIL)
			return -EINVAL;
		*mask |= worker_fail_locs[i].bit;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* --- the pool --- */

static void *worker_main(void *arg)
{
	struct worker_pool *p = arg;
	struct ring *ring = NULL;
	struct worker_job *j;
	int rc;

	rc = ring_create(WORKER_RING_ENTRIES, &ring);
	pthread_mutex_lock(&p->mu);
	p->nready++;
	if (rc && !p->start_err)
		p->start_err = rc;
	pthread_cond_signal(&p->started);
	while (!rc) {
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stopping)
			break;
		j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		pthread_mutex_unlock(&p->mu);
		worker_run(p, ring, j);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	ring_destroy(ring);
	return NULL;
}

int worker_pool_start(struct oss *o, unsigned nthreads,
		      struct worker_pool **out)
{
	struct worker_pool *p;
	int rc;

	if (!nthreads)
		return -EINVAL;
	p = calloc(1, sizeof(*p) + nthreads * sizeof(p->threads[0]));
	if (!p)
		return -ENOMEM;
	p->o = o;
	rc = obj_list_create(o->store, &p->list);
	if (rc) {
		free(p);
		return rc;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->started, NULL);
	for (; p->nthreads < nthreads; p->nthreads++) {
		rc = pthread_create(&p->threads[p->nthreads], NULL, worker_main,
				    p);
		if (rc) {
			rc = -rc;
			goto err;
		}
	}
	pthread_mutex_lock(&p->mu);
	while (p->nready < p->nthreads)
		pthread_cond_wait(&p->started, &p->mu);
	rc = p->start_err;
	pthread_mutex_unlock(&p->mu);
	if (rc)
		goto err;
	log_msg(LOG_INFO, "worker", "%u I/O threads, one io_uring each",
		nthreads);
	*out = p;
	return 0;
err:
	worker_pool_stop(p);
	return rc;
}

int worker_submit(struct worker_pool *p, struct conn *c,
		  const struct frame_header *h, const struct msg_obj_req *req)
{
	size_t extra = (h->opcode == PROTO_OP_OBJ_WRITE ||
			h->opcode == PROTO_OP_OBJ_WRITE_Z) ? req->data.len : 0;
	void *owned = extra ? conn_steal_payload(c) : NULL;
	struct worker_job *j;
	size_t queued = 0;
	int rc = 0;

	j = malloc(sizeof(*j) + (owned ? 0 : extra));
	if (!j) {
		free(owned);
		return -ENOMEM;
	}
	*j = (struct worker_job){ .c = c, .opcode = h->opcode,
				  .req_id = h->req_id, .req = *req,
				  .owned = owned };
	/* The payload is borrowed until the handler returns: take the conn's
	 * buffer over (req->data.p points into it), or keep a copy. */
	if (extra && !owned) {
		memcpy(j->data, req->data.p, extra);
		j->req.data.p = j->data;
	}
	if (!extra)
		j->req.data.p = NULL;
	j->req.data.len = (uint32_t)extra;
	conn_get(c);
	pthread_mutex_lock(&p->mu);
	if (p->stopping) {
		rc = -ESHUTDOWN;
	} else {
		if (p->tail)
			p->tail->next = j;
		else
			p->head = j;
		p->tail = j;
		queued = ++p->queued;
		pthread_cond_signal(&p->work);
	}
	pthread_mutex_unlock(&p->mu);
	if (rc) {
		worker_job_free(j);
		return rc;
	}
	if (queued > WORKER_QUEUE_WARN)
		LOG_RATELIMITED(LOG_WARNING, "worker",
				"%zu object requests queued for %u I/O threads",
				queued, p->nthreads);
	return 0;
}

void worker_pool_stop(struct worker_pool *p)
{
	struct worker_job *j, *next;
	size_t dropped = 0;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	j = p->head;
	p->head = p->tail = NULL;
	p->queued = 0;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (; j; j = next) {
		next = j->next;
		worker_job_free(j);
		dropped++;
	}
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	if (dropped)
		log_msg(LOG_NOTICE, "worker",
			"stopped: %zu queued object requests dropped", dropped);
	pthread_cond_destroy(&p->started);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	obj_list_destroy(p->list);
	free(p);
}
