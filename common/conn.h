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
 * unknown opcode, a request shorter than its opcode's min_len, a reply to no
 * pending request, or a handler returning CONN_CLOSE. Everyone else is
 * unaffected.
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

/*
 * A request handler. payload/len is the checked request payload, borrowed
 * until the handler returns (copy what you keep). Return:
 *   0          the handler replied, or took a conn_get() reference and
 *              will reply later;
 *   -errno     conn sends an error reply with that status and no reason;
 *   CONN_CLOSE the request was malformed: the connection is closed and the
 *              reason logged (the handler may log details first).
 */
typedef int (*conn_handler_fn)(struct conn *c, const struct frame_header *h,
			       const uint8_t *payload, size_t len);

/*
 * A program's dispatch table: handlers[opcode], NULL for opcodes this program
 * does not serve (a request for one gets -EOPNOTSUPP; an opcode unknown to
 * proto_op_lookup() closes the connection).
 */
struct conn_handlers {
	conn_handler_fn fn[PROTO_OP_MAX];
	void *ctx;	/* the program's state, given back by conn_ctx() */
	/* Called once when a connection closes (may be NULL). */
	void (*on_close)(struct conn *c);
};

/* Completion of a request sent with conn_request(). status is the reply's
 * status, or -ETIMEDOUT, -ECONNRESET (connection lost) or -ECANCELED;
 * payload is borrowed until the callback returns (NULL on local errors). */
typedef void (*conn_reply_fn)(void *arg, int status, const uint8_t *payload,
			      size_t len);

/* --- per-connection API (loop thread only) --- */

/* Send a reply to request h: status 0 or -errno, payload copied. 0/-errno. */
int conn_reply(struct conn *c, const struct frame_header *h, int status,
	       const void *payload, size_t len);

/* Like conn_reply with an ERROR payload carrying reason (may be NULL). */
int conn_reply_error(struct conn *c, const struct frame_header *h, int status,
		     const char *reason);

/*
 * Thread-safe: queue a reply from any thread; the conn's loop sends it.
 * Takes ownership of payload (malloc'd; freed after sending or on close).
 */
int conn_reply_threadsafe(struct conn *c, uint16_t opcode, uint64_t req_id,
			  int status, void *payload, size_t len);

/*
 * Send a request; cb runs on the loop thread exactly once with the reply or
 * an error. timeout_ms 0 means the connection's default. Payload copied.
 */
int conn_request(struct conn *c, uint16_t opcode, const void *payload,
		 size_t len, uint32_t timeout_ms, conn_reply_fn cb, void *arg);

void conn_close(struct conn *c, const char *reason);
void conn_get(struct conn *c);
void conn_put(struct conn *c);
int conn_is_open(const struct conn *c);
void *conn_ctx(const struct conn *c);	     /* conn_handlers.ctx */
void *conn_user(const struct conn *c);	     /* per-connection user data */
void conn_set_user(struct conn *c, void *user);
const char *conn_peer(const struct conn *c); /* "ip:port" for logs */
struct ev_loop *conn_loop(const struct conn *c);

/* Outgoing connection on a loop, dispatching incoming requests through
 * handlers (may be NULL: replies only). Connects synchronously with
 * timeout_ms. Returns 0 and *out, or -errno. */
int conn_connect(struct ev_loop *loop, const char *host, uint16_t port,
		 uint32_t timeout_ms, const struct conn_handlers *handlers,
		 struct conn **out);

/* --- servers --- */

struct netsrv_config {
	const char *host;	 /* listen address; "" or NULL = all */
	uint16_t port;		 /* 0 = ephemeral */
	unsigned nthreads;	 /* loop threads; 1 = everything on the caller's loop */
	unsigned max_conns;	 /* connections past this are refused and logged */
	const struct conn_handlers *handlers;
};

/*
 * Listen and serve on loop (the caller's, which it runs itself) plus
 * nthreads-1 worker loops of its own. Returns 0, or -EADDRINUSE and friends
 * (nothing started). *bound_port gets the real port.
 */
int netsrv_start(struct ev_loop *loop, const struct netsrv_config *cfg,
		 struct netsrv **out, uint16_t *bound_port);

/* Close the listener and every connection, join worker threads. */
void netsrv_stop(struct netsrv *s);

/* --- blocking RPC client (tools, FUSE threads) --- */

/*
 * A connection to one server run by a private loop thread. rpc_call may be
 * called from many threads at once; calls are pipelined on one connection.
 * The connection is (re)established on demand, HELLO included: the HELLO
 * payload given at creation is sent first on every new connection and the
 * server's HELLO reply is kept (rpc_client_hello_reply).
 */
int rpc_client_create(const char *host, uint16_t port, uint32_t connect_timeout_ms,
		      const void *hello, size_t hello_len,
		      struct rpc_client **out);
void rpc_client_destroy(struct rpc_client *rc);

/*
 * Send one request and wait for its reply or timeout_ms. Returns the reply
 * status (0 or -errno from the server) or a local -errno (-ETIMEDOUT,
 * -ECONNREFUSED, -ECONNRESET). On return *reply (malloc'd, caller frees with
 * free()) and *reply_len hold the reply payload, also for error replies.
 */
int rpc_call(struct rpc_client *rc, uint16_t opcode, const void *payload,
	     size_t len, uint32_t timeout_ms, uint8_t **reply, size_t *reply_len);

/* Copy of the last HELLO reply payload (malloc'd, caller frees); -ENOTCONN
 * if none yet. */
int rpc_client_hello_reply(struct rpc_client *rc, uint8_t **buf, size_t *len);

#endif /* GLINT_COMMON_CONN_H */
