/*
 * rpc.c - the OSS's request handlers and dispatch table.
 *
 * HELLO checks the protocol version and the file system name and answers
 * with this OST's index. PING echoes. STATFS reports the OST's configured
 * capacity, the bytes its objects occupy on disk and its object count.
 * Every other request needs a successful HELLO first (-EPROTO otherwise).
 *
 * Object requests (OBJ_*) are decoded and checked here, on the loop: a
 * request that does not decode (msg_obj_req_decode refuses unknown write
 * flags and off + len past INT64_MAX too) or whose lengths break the
 * protocol's limits closes the connection. A valid one is queued to the
 * I/O workers (worker.c), which run it and reply from their thread,
 * except a read of at most OSS_LOOP_READ_MAX bytes whose object is open
 * and whose bytes are in the page cache: that one is answered here, on
 * the loop (oss_read_on_loop), without waiting for anything.
 * OBJ_WRITE_Z and OBJ_READ_Z (compressed chunks, msg_zio.h) take the same
 * path: decoded and checked here, the write's payload queued whole.
 * OBJ_READ_C (a read checked per chunk by the client, msg_zio.h) has
 * OBJ_READ's request and always goes to a worker; OBJ_READ_L (localio)
 * is answered here when its object is open and its table at hand.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "common/log.h"
#include "oss/objstore.h"
#include "oss/oss_i.h"
#include "proto/codec.h"
#include "proto/msg.h"
#include "proto/msg_fs.h"
#include "proto/msg_zio.h"

/* Largest OBJ_READ the loop serves itself: a small file read whole (an
 * ML data loader's 128 KiB samples) or a 4 KiB random read (which costs a
 * whole 64 KiB chunk's read and checksum), with two copies of at most
 * 256 KiB (tens of microseconds) holding the loop's other conns back.
 * Larger reads go to the workers, which run in parallel. */
#define OSS_LOOP_READ_MAX (256u << 10)

/* conn_user() is nonzero once the peer's HELLO was accepted. */
static int peer_ready(struct conn *c)
{
	return conn_user(c) != NULL;
}

static int oss_hello(struct conn *c, const struct frame_header *h,
		     const uint8_t *payload, size_t len)
{
	struct oss *o = conn_ctx(c);
	struct msg_hello req = { 0 }, r = { 0 };
	uint8_t buf[2 + 1 + 4 + 2 + PROTO_FSNAME_MAX + 2 + 2];
	struct cursor cur;
	ssize_t n;

	cursor_init(&cur, payload, len);
	if (msg_hello_decode(&cur, &req)) {
		LOG_RATELIMITED(LOG_NOTICE, "rpc", "peer=%s malformed HELLO",
				conn_peer(c));
		return CONN_CLOSE;
	}
	if (req.proto_version != PROTO_VERSION)
		return conn_reply_error(c, h, -EPROTO,
					"unsupported protocol version");
	if (req.fsname_len != strlen(o->cfg.fsname) ||
	    memcmp(req.fsname, o->cfg.fsname, req.fsname_len))
		return conn_reply_error(c, h, -ENODEV, "no such file system");
	conn_set_user(c, (void *)(uintptr_t)req.role);
	/* OBJ_WRITE data page-aligned: objstore writes it with O_DIRECT. */
	conn_set_payload_align(c, PROTO_OBJ_WRITE_DATA_OFF);
	r.proto_version = PROTO_VERSION;
	r.role = PROTO_ROLE_OSS;
	r.id = (uint32_t)o->cfg.index;
	r.fsname = o->cfg.fsname;
	r.fsname_len = (uint16_t)strlen(o->cfg.fsname);
	r.host = "";
	n = msg_hello_encode(&r, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return conn_reply(c, h, 0, buf, (size_t)n);
}

static int oss_ping(struct conn *c, const struct frame_header *h,
		    const uint8_t *payload, size_t len)
{
	struct msg_ping p;
	struct cursor cur;

	cursor_init(&cur, payload, len);
	if (msg_ping_decode(&cur, &p))
		return CONN_CLOSE;
	return conn_reply(c, h, 0, payload, 8);
}

/* Free inodes of the backing file system; 0 if it cannot tell. */
static uint64_t oss_inodes_free(const char *dir)
{
	struct statvfs sv;

	return statvfs(dir, &sv) ? 0 : (uint64_t)sv.f_favail;
}

void oss_statfs_fill(struct oss *o, struct msg_statfs *s)
{
	struct objstore_statfs st;

	memset(s, 0, sizeof(*s));
	s->target = PROTO_TARGET_OST;
	objstore_statfs(o->store, &st);
	s->target_idx = (uint32_t)o->cfg.index;
	s->bytes_total = st.capacity_bytes;
	s->bytes_used = st.used_bytes < st.capacity_bytes ? st.used_bytes :
							     st.capacity_bytes;
	s->bytes_avail = st.avail_bytes < s->bytes_total - s->bytes_used ?
				 st.avail_bytes :
				 s->bytes_total - s->bytes_used;
	s->files_used = st.objects;
	/* Objects are files in the backing directory: bound by its inodes. */
	s->files_total = st.objects + oss_inodes_free(o->cfg.dir);
	s->data_logical_bytes = st.data_logical_bytes;
	s->data_stored_bytes = st.data_stored_bytes < st.data_logical_bytes ?
				       st.data_stored_bytes :
				       st.data_logical_bytes;
}

static int oss_statfs(struct conn *c, const struct frame_header *h,
		      const uint8_t *payload, size_t len)
{
	struct oss *o = conn_ctx(c);
	struct msg_statfs s;
	uint8_t buf[64];
	ssize_t n;

	if (!peer_ready(c))
		return conn_reply_error(c, h, -EPROTO, "HELLO first");
	oss_statfs_fill(o, &s);
	n = msg_statfs_encode(&s, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return conn_reply(c, h, 0, buf, (size_t)n);
}

/* Limits the decoder may not check itself (it is not ours): 0 or -EBADMSG. */
static int oss_obj_check(uint16_t opcode, const struct msg_obj_req *r)
{
	if (opcode == PROTO_OP_OBJ_LIST && r->max > PROTO_OBJ_LIST_MAX)
		return -EBADMSG;
	if ((opcode == PROTO_OP_OBJ_READ || opcode == PROTO_OP_OBJ_READ_C ||
	     opcode == PROTO_OP_OBJ_READ_L) &&
	    r->len > PROTO_MAX_IO)
		return -EBADMSG;
	if (opcode == PROTO_OP_OBJ_WRITE && r->data.len > PROTO_MAX_IO)
		return -EBADMSG;
	return 0;
}

/*
 * A small OBJ_READ served on the loop thread (objstore_read_nowait): the
 * object open in the fd cache and its bytes in the page cache, it costs
 * two copies of at most OSS_LOOP_READ_MAX bytes and saves the trip to a
 * worker and back (two thread wake-ups: most of a 4 KiB read's latency).
 * Returns 1 when it replied, 0 when the caller should queue the request
 * instead (anything that would wait, any error: the worker path handles
 * and logs it the usual way).
 */
static int oss_read_on_loop(struct oss *o, struct conn *c,
			    const struct frame_header *h,
			    const struct msg_obj_req *r)
{
	uint8_t *buf;
	ssize_t n;

	if (r->len > OSS_LOOP_READ_MAX || atomic_load(&o->fail_loc))
		return 0;
	buf = malloc(CODEC_BLOB_LEN(r->len));
	if (!buf)
		return 0;
	n = objstore_read_nowait(o->store, r->object_id, r->stripe_idx, r->off,
				 r->len, buf + 4);
	if (n < 0) {
		free(buf);
		return 0;
	}
	le32_store(buf, (uint32_t)n);
	atomic_fetch_add(&o->counters.data_read_ops, 1);
	atomic_fetch_add(&o->counters.data_read_bytes, (uint64_t)n);
	conn_reply_take(c, h, 0, buf, CODEC_BLOB_LEN(n));
	return 1;
}

/*
 * An OBJ_READ_L answered on the loop thread when the object is open and
 * its table at hand (no disk: the client reads the data itself), which
 * saves the trip to a worker and back. Returns 1 when it replied, 0 when
 * the caller should queue it (anything that would wait, any error).
 */
static int oss_readl_on_loop(struct oss *o, struct conn *c,
			     const struct frame_header *h,
			     const struct msg_obj_req *r)
{
	void *buf = NULL;
	size_t n = 0;

	if (atomic_load(&o->fail_loc) || oss_readl(o, NULL, r, c, &buf, &n))
		return 0;
	conn_reply_take(c, h, 0, buf, n);
	return 1;
}

/* Every OBJ_* opcode: decode, check, queue for an I/O worker (a small
 * read or an OBJ_READ_L that can be served at once is answered here). */
static int oss_obj(struct conn *c, const struct frame_header *h,
		   const uint8_t *payload, size_t len)
{
	struct oss *o = conn_ctx(c);
	struct msg_obj_req req;
	struct cursor cur;

	if (!peer_ready(c))
		return conn_reply_error(c, h, -EPROTO, "HELLO first");
	cursor_init(&cur, payload, len);
	/* OBJ_READ_C's and OBJ_READ_L's requests are OBJ_READ's (msg_zio.h). */
	if (msg_obj_req_decode(h->opcode == PROTO_OP_OBJ_READ_C ||
					       h->opcode == PROTO_OP_OBJ_READ_L ?
				       PROTO_OP_OBJ_READ : h->opcode,
			       &cur, &req) ||
	    oss_obj_check(h->opcode, &req)) {
		LOG_RATELIMITED(LOG_NOTICE, "rpc",
				"peer=%s req_id=%llu malformed object request",
				conn_peer(c), (unsigned long long)h->req_id);
		return CONN_CLOSE;
	}
	if (h->opcode == PROTO_OP_OBJ_READ && oss_read_on_loop(o, c, h, &req))
		return 0;
	if (h->opcode == PROTO_OP_OBJ_READ_L &&
	    oss_readl_on_loop(o, c, h, &req))
		return 0;
	return worker_submit(o->pool, c, h, &req);
}

/* OBJ_WRITE_Z: the whole payload goes to the worker, which decodes it
 * again (the chunk table lives in the payload it copies). */
static int oss_obj_zwrite(struct conn *c, const struct frame_header *h,
			  const uint8_t *payload, size_t len)
{
	struct oss *o = conn_ctx(c);
	struct msg_zchunk chunks[PROTO_ZCHUNKS_MAX];
	struct msg_obj_zwrite m = { .z = { .chunks = chunks,
					   .cap = PROTO_ZCHUNKS_MAX } };
	struct msg_obj_req req = { 0 };
	struct cursor cur;

	if (!peer_ready(c))
		return conn_reply_error(c, h, -EPROTO, "HELLO first");
	cursor_init(&cur, payload, len);
	if (msg_obj_zwrite_decode(&cur, &m)) {
		LOG_RATELIMITED(LOG_NOTICE, "rpc",
				"peer=%s req_id=%llu malformed OBJ_WRITE_Z",
				conn_peer(c), (unsigned long long)h->req_id);
		return CONN_CLOSE;
	}
	req.object_id = m.object_id;
	req.stripe_idx = m.stripe_idx;
	req.data.p = payload;
	req.data.len = (uint32_t)(cur.pos - payload);
	return worker_submit(o->pool, c, h, &req);
}

/* OBJ_READ_Z: OBJ_READ's request. */
static int oss_obj_zread(struct conn *c, const struct frame_header *h,
			 const uint8_t *payload, size_t len)
{
	struct oss *o = conn_ctx(c);
	struct msg_obj_req req;
	struct cursor cur;

	if (!peer_ready(c))
		return conn_reply_error(c, h, -EPROTO, "HELLO first");
	cursor_init(&cur, payload, len);
	if (msg_obj_zread_decode(&cur, &req) || req.len > PROTO_MAX_IO) {
		LOG_RATELIMITED(LOG_NOTICE, "rpc",
				"peer=%s req_id=%llu malformed OBJ_READ_Z",
				conn_peer(c), (unsigned long long)h->req_id);
		return CONN_CLOSE;
	}
	return worker_submit(o->pool, c, h, &req);
}

void oss_rpc_handlers(struct oss *o, struct conn_handlers *h)
{
	memset(h, 0, sizeof(*h));
	h->ctx = o;
	h->fn[PROTO_OP_HELLO] = oss_hello;
	h->fn[PROTO_OP_PING] = oss_ping;
	h->fn[PROTO_OP_STATFS] = oss_statfs;
	h->fn[PROTO_OP_OBJ_READ] = oss_obj;
	h->fn[PROTO_OP_OBJ_WRITE] = oss_obj;
	h->fn[PROTO_OP_OBJ_TRUNCATE] = oss_obj;
	h->fn[PROTO_OP_OBJ_PUNCH] = oss_obj;
	h->fn[PROTO_OP_OBJ_DESTROY] = oss_obj;
	h->fn[PROTO_OP_OBJ_SYNC] = oss_obj;
	h->fn[PROTO_OP_OBJ_GETATTR] = oss_obj;
	h->fn[PROTO_OP_OBJ_LIST] = oss_obj;
	h->fn[PROTO_OP_OBJ_WRITE_Z] = oss_obj_zwrite;
	h->fn[PROTO_OP_OBJ_READ_Z] = oss_obj_zread;
	h->fn[PROTO_OP_OBJ_READ_C] = oss_obj;
	h->fn[PROTO_OP_OBJ_READ_L] = oss_obj;
}
