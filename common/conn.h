/*
 * conn.h - framed, pipelined connections on libev; servers and RPC clients.
 *
 * A struct conn is one TCP connection owned by one libev loop thread. It is
 * an explicit state machine (enum conn_state in conn.c), driven by one
 * function on readiness: it reads a 48-byte header, validates it
 * (frame_decode_header), reads the payload, checks its checksum, then either
 * dispatches a request to the program's handler table or completes the
 * pending request whose req_id a reply names. Writes are queued and flushed
 * with writev as the socket allows; many requests may be in flight in both
 * directions, answered in any order.
 *
 * Bad input closes that one connection with a rate-limited log line naming
 * the peer and the reason: bad magic/checksum/version, oversized length, an
 * unknown opcode, a request shorter than its opcode's min_len, a reply to a
 * req_id never issued on this conn (a late reply to a request that timed out
 * is dropped quietly), or a handler returning CONN_CLOSE. Everyone else is
 * unaffected.
 *
 * Backpressure: a conn stops reading while more than a few MiB of replies
 * wait to be sent or 1024 requests wait for their handler's reply, so a peer
 * that never reads cannot grow our memory. Handlers must therefore reply
 * exactly once to every request they accept.
 *
 * Threading: every function here must be called on the conn's loop thread,
 * except conn_reply_threadsafe(), conn_get()/conn_put() and the rpc_* client
 * API, which are thread-safe.
 *
 * Ownership: a conn is reference counted. The loop holds one reference while
 * it is open; a handler that answers later (after a group commit, after disk
 * I/O on a worker thread) takes its own with conn_get() and drops it with
 * conn_put() after replying. Replying to a conn that has closed meanwhile is
 * harmless: the reply is dropped.
 */
#ifndef GLINT_COMMON_CONN_H
#define GLINT_COMMON_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/frame.h"
#include "proto/msg.h"

struct ev_loop;
struct conn;
struct netsrv;
struct rpc_client;

/* A handler's return value that asks the connection to be closed. */
#define CONN_CLOSE (-100000)

/* Timeout of a conn_request() given timeout_ms 0, and of a connect given 0. */
#define CONN_DEFAULT_TIMEOUT_MS 30000

/* Default idle timeout of accepted connections (netsrv_config). */
#define CONN_IDLE_TIMEOUT_MS 60000

/*
 * A request handler. payload/len is the checked request payload, borrowed
 * until the handler returns (copy what you keep). Return:
 *   0          the handler replied, or took a conn_get() reference and
 *              will reply later (conn_reply() on the loop thread, or
 *              conn_reply_threadsafe() from anywhere; exactly once);
 *   -errno     conn sends an error reply with that status and no reason;
 *   CONN_CLOSE the request was malformed: the connection is closed and the
 *              reason logged (the handler may log details first).
 */
typedef int (*conn_handler_fn)(struct conn *c, const struct frame_header *h,
			       const uint8_t *payload, size_t len);

/*
 * A program's dispatch table: handlers[opcode], NULL for opcodes this program
 * does not serve (a request for one gets -EOPNOTSUPP; an opcode unknown to
 * proto_op_lookup() closes the connection). Borrowed by every conn that uses
 * it: it must outlive them (static or program-lifetime storage).
 */
struct conn_handlers {
	conn_handler_fn fn[PROTO_OP_MAX];
	void *ctx;	/* the program's state, given back by conn_ctx() */
	/* Called once when a connection closes (may be NULL). */
	void (*on_close)(struct conn *c);
};

/* Completion of a request sent with conn_request(). status is the reply's
 * status, or a local error: -ETIMEDOUT, -ECONNRESET (connection lost),
 * -ECONNREFUSED and friends (conn_connect_async() failed) or -ECANCELED
 * (rpc_client_destroy); payload is borrowed until the callback returns
 * (NULL on local errors). A reply arriving after its timeout is dropped. */
typedef void (*conn_reply_fn)(void *arg, int status, const uint8_t *payload,
			      size_t len);

/*
 * A reply sink: where the payload of a request's reply may be received
 * straight from the socket, skipping the conn's payload buffer and the
 * caller's copy out of it (the FUSE client reads object data this way
 * into the buffer it hands the kernel). Payload bytes [0, skip) go to a
 * small buffer of the conn's, bytes [skip, payload_len) to buf, which has
 * room for len. The conn uses the sink only for a status-0 reply with
 * skip < payload_len <= skip + len that has not arrived whole with its
 * header (a small reply is dispatched in place as usual), and skip <=
 * CONN_SINK_SKIP_MAX. Then, before the callback runs, used is set to 1 and
 * got to payload_len - skip, and the callback's (payload, len) are the
 * first skip bytes only; otherwise used stays 0 and the callback gets the
 * whole payload as always. The payload checksum is verified over both
 * parts before the callback runs; bytes land in buf before that check,
 * so buf holds garbage when the callback reports an error. After the
 * request's timeout (or close) the conn never touches buf again: the rest
 * of a late reply is read and dropped. Borrowed until the callback runs;
 * the caller sets buf, skip, len and head_csum, zeroes used and got.
 *
 * head_csum: the reply may be a FRAME_F_HEAD_CSUM frame (frame.h), whose
 * payload checksum covers payload bytes [0, skip) only; the conn checks
 * that much (the caller must check the rest: OBJ_READ_C's chunk
 * checksums), whether or not the sink is used. Without head_csum such a
 * reply closes the connection.
 */
#define CONN_SINK_SKIP_MAX 1024
struct conn_sink {
	uint8_t *buf;	/* where payload bytes [skip, ...) land */
	size_t skip;	/* leading payload bytes kept by the conn */
	size_t len;	/* room at buf */
	int head_csum;	/* a FRAME_F_HEAD_CSUM reply is welcome */
	int used;	/* out: the payload went to buf */
	size_t got;	/* out: bytes placed at buf */
};

/*
 * A range of an open file that ends a reply's payload
 * (conn_reply_threadsafe_file): sent with sendfile(2), straight from the
 * page cache, never read into our memory.
 */
struct conn_file {
	int fd;		/* owned by the conn once handed over */
	uint64_t off;	/* file offset of the first byte */
	size_t len;	/* bytes */
};

/* --- per-connection API (loop thread only) --- */

/*
 * Send a reply to request h: status 0 or -errno, payload copied. A nonzero
 * status with len 0 sends an empty ERROR payload. Returns 0, -ENOTCONN when
 * the conn has closed (the reply is dropped: harmless), -EMSGSIZE or
 * -ENOMEM. Replies are queued and written when the socket allows.
 */
int conn_reply(struct conn *c, const struct frame_header *h, int status,
	       const void *payload, size_t len);

/* conn_reply that takes ownership of payload (malloc'd, or NULL when len
 * is 0; freed once sent, on close, and when this fails): no copy. */
int conn_reply_take(struct conn *c, const struct frame_header *h, int status,
		    void *payload, size_t len);

/* Like conn_reply with an ERROR payload carrying reason (may be NULL);
 * status must be negative (else -EINVAL). */
int conn_reply_error(struct conn *c, const struct frame_header *h, int status,
		     const char *reason);

/*
 * Thread-safe: queue a reply from any thread; the conn's loop sends it.
 * opcode and req_id are the request's (h->opcode, h->req_id). Takes
 * ownership of payload (malloc'd or NULL; freed after sending or on close,
 * also when this fails). The caller must hold a reference (conn_get()) for
 * the duration of the call; the queue takes its own. Returns 0, -ENOTCONN
 * when the conn's loop has no open conns left (the reply is dropped), or
 * -ENOMEM. A conn that closes before the loop sends drops the reply.
 */
int conn_reply_threadsafe(struct conn *c, uint16_t opcode, uint64_t req_id,
			  int status, void *payload, size_t len);

/*
 * conn_reply_threadsafe of a status-0 FRAME_F_HEAD_CSUM reply whose
 * payload is head (len bytes, malloc'd, taken; checksummed) followed by
 * the file range f (f->len bytes, not checksummed: the message carries its
 * own checksums, frame.h). The conn takes f->fd and closes it once sent,
 * on close, and when this fails. Should the file end before the range
 * does (truncated meanwhile) or fail to read, the rest of the frame is
 * sent as zeros, which the receiver's checksums then refuse: the frame
 * stays whole and the connection usable.
 */
int conn_reply_threadsafe_file(struct conn *c, uint16_t opcode,
			       uint64_t req_id, void *head, size_t len,
			       const struct conn_file *f);

/* conn_reply_threadsafe of a status-0 FRAME_F_HEAD_CSUM reply held in
 * memory: its payload checksum covers payload[0..head_len) only (the
 * message checks the rest itself). -EINVAL when head_len > len. */
int conn_reply_threadsafe_head(struct conn *c, uint16_t opcode,
			       uint64_t req_id, void *payload, size_t len,
			       size_t head_len);

/*
 * Send a request; cb runs on the loop thread exactly once with the reply or
 * an error, never before conn_request() returns. timeout_ms 0 means
 * CONN_DEFAULT_TIMEOUT_MS. Payload copied. Returns 0 (cb will run), or
 * -ENOTCONN, -EMSGSIZE, -ENOMEM (cb will not run). May be used while a
 * conn_connect_async() connection is still connecting: it is sent once up.
 */
int conn_request(struct conn *c, uint16_t opcode, const void *payload,
		 size_t len, uint32_t timeout_ms, conn_reply_fn cb, void *arg);

/* conn_request whose reply may be received into sink (may be NULL). */
int conn_request_sink(struct conn *c, uint16_t opcode, const void *payload,
		      size_t len, uint32_t timeout_ms, struct conn_sink *sink,
		      conn_reply_fn cb, void *arg);

/*
 * conn_request_sink without the copy: the payload is sent from the
 * caller's buffer, which must stay valid and unchanged until cb has run
 * (the frame checksum is taken when it is queued). A frame still queued
 * when cb is due (a timeout while the socket is full, a peer that answers
 * before it has the whole request) gets a copy first. For large requests
 * whose caller keeps the buffer anyway (the client's writes, kept for
 * resending until answered).
 */
int conn_request_borrow(struct conn *c, uint16_t opcode, const void *payload,
			size_t len, uint32_t timeout_ms,
			struct conn_sink *sink, conn_reply_fn cb, void *arg);

/*
 * Inside a request handler (loop thread): take the malloc'd buffer that
 * holds the payload, when the conn allocated one for this frame (a payload
 * larger than what its read buffer had room for), so that a handler that
 * keeps a large payload past its return need not copy it. Returns the
 * buffer (the caller owns it and frees it), whose first byte is
 * payload[0] unless conn_set_payload_align placed the payload further in,
 * or NULL when the payload lives in the conn's read buffer: copy it then.
 */
void *conn_steal_payload(struct conn *c);

/*
 * Place the payloads this conn receives into buffers of their own (those
 * larger than what its read buffer has room for) so that payload byte off
 * sits on a CONN_PAYLOAD_ALIGN boundary: the OSS asks for the data of its
 * OBJ_WRITEs to be aligned so, which lets it write them to disk with
 * O_DIRECT straight from the buffer (oss/objstore.c). 0: no alignment.
 */
#define CONN_PAYLOAD_ALIGN 4096u
void conn_set_payload_align(struct conn *c, size_t off);

/*
 * Close now (idempotent): the socket, unsent frames and the read buffer
 * go; every pending request completes with -ECONNRESET; on_close runs;
 * reason is logged (rate limited) as "peer=%s closed: %s". The memory lives
 * on until the last conn_put().
 */
void conn_close(struct conn *c, const char *reason);
void conn_get(struct conn *c);	/* thread-safe */
void conn_put(struct conn *c);	/* thread-safe; NULL is fine */
int conn_is_open(const struct conn *c);
void *conn_ctx(const struct conn *c);	     /* conn_handlers.ctx */
void *conn_user(const struct conn *c);	     /* per-connection user data */
void conn_set_user(struct conn *c, void *user);
const char *conn_peer(const struct conn *c); /* "ip:port" for logs */
/* Whether the peer runs on this host (a loopback address, or our own
 * address); 0 while an outgoing connection is still connecting. */
int conn_same_host(const struct conn *c);
/* The owning loop; only valid while that loop exists (netsrv_stop
 * destroys worker loops). */
struct ev_loop *conn_loop(const struct conn *c);

/* Outgoing connection on a loop, dispatching incoming requests through
 * handlers (may be NULL: replies only). Connects synchronously with
 * timeout_ms (0 = default), blocking the calling thread meanwhile. host NULL
 * or "" means 127.0.0.1; names are resolved with getaddrinfo and every
 * address is tried. Returns 0 and *out, or -errno (-ECONNREFUSED,
 * -ETIMEDOUT, -EHOSTUNREACH for a name that does not resolve). *out is
 * borrowed: the loop's reference goes when it closes; take your own with
 * conn_get() to keep the pointer past that. */
int conn_connect(struct ev_loop *loop, const char *host, uint16_t port,
		 uint32_t timeout_ms, const struct conn_handlers *handlers,
		 struct conn **out);

/* Like conn_connect without blocking (except for resolving a name): *out is
 * returned connecting; requests may be queued at once. If the connect fails
 * or takes longer than timeout_ms (0 = default), the conn closes and its
 * pending requests complete with that -errno (-ECONNREFUSED, -ETIMEDOUT). */
int conn_connect_async(struct ev_loop *loop, const char *host, uint16_t port,
		       uint32_t timeout_ms, const struct conn_handlers *handlers,
		       struct conn **out);

/* --- servers --- */

struct netsrv_config {
	const char *host;	 /* listen address; "" or NULL = all */
	uint16_t port;		 /* 0 = ephemeral */
	unsigned nthreads;	 /* loop threads; 1 (or 0) = everything on the caller's loop */
	unsigned max_conns;	 /* connections past this are refused and logged; 0 = 4096 */
	const struct conn_handlers *handlers; /* borrowed until netsrv_stop */
	uint32_t idle_timeout_ms; /* close a conn that sends no frame this
				     long after accept; 0 = CONN_IDLE_TIMEOUT_MS */
};

/*
 * Listen and serve on loop (the caller's, which it runs itself) plus
 * nthreads-1 worker loops of its own. Accepted connections are spread round
 * robin over all nthreads loops; a handler runs on its conn's loop thread.
 * Call on loop's thread (or before loop runs). Returns 0, or -EADDRINUSE
 * and friends (nothing started). *bound_port (may be NULL) gets the real
 * port.
 */
int netsrv_start(struct ev_loop *loop, const struct netsrv_config *cfg,
		 struct netsrv **out, uint16_t *bound_port);

/* Close the listener and every connection, join worker threads, destroy
 * their loops and free s. Call on the caller loop's thread (e.g. from an
 * ev_signal callback on SIGTERM), or after that loop stopped running. NULL
 * is fine. Watchers a program started itself on a worker loop (conn_loop())
 * are abandoned with it: stop them first, e.g. from on_close. Conns a
 * handler still holds (conn_get) stay valid, closed, until conn_put. */
void netsrv_stop(struct netsrv *s);

/* --- blocking RPC client (tools, FUSE threads) --- */

/*
 * A connection to one server run by a loop thread of its own (or a shared
 * one: rpc_client_create_on below). rpc_call may be
 * called from many threads at once; calls are pipelined on one connection.
 * The connection is (re)established on demand, HELLO included: the HELLO
 * payload given at creation (copied; hello_len 0 = no HELLO) is sent first
 * on every new connection, calls wait until its reply arrives, and the
 * server's HELLO reply is kept (rpc_client_hello_reply). A HELLO reply with
 * a nonzero status fails the waiting calls with that status and closes the
 * connection. Creating does not connect. Returns 0 or -errno.
 */
int rpc_client_create(const char *host, uint16_t port, uint32_t connect_timeout_ms,
		      const void *hello, size_t hello_len,
		      struct rpc_client **out);
/*
 * A loop thread that several rpc_clients may share (rpc_client_create_on):
 * their connections are then all served by that one thread, and their
 * callbacks all run on it, so a callback must not block on, or rpc_call,
 * any client of its loop. rpc_loop_create starts the thread and returns
 * the caller's reference; each client holds one more; the thread stops
 * and is joined when the last is put. 0 or -errno.
 */
struct rpc_loop;
int rpc_loop_create(struct rpc_loop **out);
void rpc_loop_put(struct rpc_loop *lp); /* NULL is fine */
/* rpc_client_create on a shared loop thread (takes a reference to lp);
 * may be called from a callback on that thread. */
int rpc_client_create_on(struct rpc_loop *lp, const char *host,
			 uint16_t port, uint32_t connect_timeout_ms,
			 const void *hello, size_t hello_len,
			 struct rpc_client **out);
/* Fail outstanding calls (-ECANCELED), close, drop the client's reference
 * to its loop (joining the thread if it was the last), free. Calls must
 * not start after this begins; not from a callback. NULL is fine. */
void rpc_client_destroy(struct rpc_client *rc);

/*
 * Send one request and wait for its reply or timeout_ms. Returns the reply
 * status (0 or -errno from the server) or a local -errno (-ETIMEDOUT,
 * -ECONNREFUSED, -ECONNRESET, -ECANCELED, -ENOMEM). On return *reply
 * (malloc'd, caller frees with free(); NULL when there is no payload) and
 * *reply_len hold the reply payload, also for error replies. reply may be
 * NULL when the caller wants no payload. timeout_ms 0 = default; it starts
 * when the call reaches the loop thread, and a call that must wait for a
 * (re)connect and HELLO may take up to about the connect timeout longer.
 */
int rpc_call(struct rpc_client *rc, uint16_t opcode, const void *payload,
	     size_t len, uint32_t timeout_ms, uint8_t **reply, size_t *reply_len);

/*
 * rpc_call without waiting, for callers that fan one operation out to
 * several servers and wait for all (the FUSE client's striped I/O). cb runs
 * exactly once on the client's loop thread with the reply status and
 * payload (borrowed until cb returns; NULL when empty or on local errors),
 * with the same statuses as rpc_call. payload is borrowed until cb runs.
 * cb must not block and must not call rpc_call on the same client (its
 * loop would wait for itself). Returns 0 (cb will run) or -ECANCELED
 * (the client is being destroyed) / -ENOMEM: cb will not run. Thread-safe.
 */
int rpc_call_async(struct rpc_client *rc, uint16_t opcode,
		   const void *payload, size_t len, uint32_t timeout_ms,
		   conn_reply_fn cb, void *arg);

/* rpc_call_async whose reply may be received into sink (conn_sink above;
 * may be NULL), borrowed until cb runs. */
int rpc_call_async_sink(struct rpc_client *rc, uint16_t opcode,
			const void *payload, size_t len, uint32_t timeout_ms,
			struct conn_sink *sink, conn_reply_fn cb, void *arg);

/* Copy of the last HELLO reply payload (malloc'd, caller frees); -ENOTCONN
 * if none yet. */
int rpc_client_hello_reply(struct rpc_client *rc, uint8_t **buf, size_t *len);

#endif /* GLINT_COMMON_CONN_H */
