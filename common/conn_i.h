/*
 * conn_i.h - internals shared by conn.c, netsrv.c and rpc.c; not for programs.
 *
 * struct conn is defined here so that the server (netsrv.c) can keep its
 * per-thread list of connections and the RPC client (rpc.c) can set a close
 * status, without widening the public contract in conn.h. Programs only see
 * the opaque struct conn.
 *
 * Every field is owned by the conn's loop thread except refs (atomic) and
 * what struct conn_loopctx's mutex guards (conn.c).
 */
#ifndef GLINT_COMMON_CONN_I_H
#define GLINT_COMMON_CONN_I_H

#include <ev.h>
#include <stdatomic.h>
#include <stdint.h>

#include "common/conn.h"

/*
 * The connection state machine, driven by conn_drive() in conn.c. Writing is
 * orthogonal: the write queue is flushed whenever the socket is writable in
 * any open state.
 */
enum conn_state {
	CONN_CONNECTING,   /* nonblocking connect in flight; requests queue up */
	CONN_READ_HEADER,  /* collecting the 48-byte header of the next frame */
	CONN_READ_PAYLOAD, /* header valid; collecting payload_len bytes */
	CONN_DISPATCH,	   /* one whole frame buffered: check and dispatch it */
	CONN_PAUSED,	   /* backpressure: reading stopped until replies drain */
	CONN_CLOSED,	   /* socket closed, pending failed; waiting for last put */
};

struct conn_loopctx;
struct conn_pending;
struct conn_out;

struct conn {
	atomic_int refs;		/* the loop holds one while open */
	enum conn_state state;		/* see enum conn_state */
	int fd;				/* -1 once closed */
	struct ev_loop *loop;		/* the owning loop */
	struct conn_loopctx *lctx;	/* per-loop cross-thread reply queue */
	const struct conn_handlers *handlers; /* borrowed; may be NULL */
	void *user;			/* conn_set_user() */
	char peer[64];			/* "ip:port" for logs */
	int same_host;			/* conn_same_host(), set when up */

	ev_io rio;			/* readable */
	ev_io wio;			/* writable (or connect completion) */
	ev_timer timer;			/* connect timeout, then idle timeout */
	uint32_t idle_timeout_ms;	/* close if no frame arrives; 0 = never */
	int got_frame;			/* a whole frame has arrived */
	int in_drive;			/* conn_drive() is on the stack */
	int close_status;		/* what pending requests get on close */
	int rx_short;			/* this drive's last read drained the
					   socket: do not read again */

	/* Read side: rbuf holds raw bytes; hdr/pay the frame being parsed. */
	uint8_t *rbuf;			/* CONN_RBUF_SIZE bytes */
	size_t rpos, rend;		/* unparsed bytes are rbuf[rpos..rend) */
	uint8_t hdr_raw[FRAME_HEADER_LEN]; /* header bytes collected so far */
	size_t hdr_got;			/* of FRAME_HEADER_LEN */
	struct frame_header hdr;	/* the decoded header */
	uint8_t *pay;			/* payload: into rbuf or pay_owned */
	uint8_t *pay_owned;		/* malloc'd payload buffer or NULL;
					   pay is in it: at its start, or
					   padded in for pay_align_off */
	size_t pay_align_off;		/* conn_set_payload_align, or 0 */
	size_t pay_got;			/* payload bytes collected */
	uint32_t in_unreplied;		/* requests dispatched, not yet answered */
	struct conn_pending *rx_pend;	/* the reply being received into its
					   request's sink, or NULL */
	int rx_discard;			/* its request timed out: read the rest
					   of the payload and drop the frame */
	uint8_t rx_pre[CONN_SINK_SKIP_MAX]; /* the sink's skipped bytes */

	/* Write side. */
	struct conn_out *wq_head, *wq_tail; /* frames to send, in order */
	size_t wq_bytes;		/* unsent bytes in the queue */
	size_t wq_reply_bytes;		/* of which replies (backpressure) */
	struct conn *flush_next;	/* the loop's flush list (conn.c) */
	int flush_queued;		/* on it (holds a ref) */

	/* Requests we sent, by req_id. */
	struct conn_pending **pend;	/* hash buckets */
	uint32_t pend_nbuckets;		/* power of two, 0 = none yet */
	uint32_t pend_count;		/* entries */
	uint64_t next_req_id;		/* ids below this were issued (from 1) */

	/* Owner hooks (netsrv.c, rpc.c); run on the loop thread at close. */
	void (*release)(struct conn *c); /* after handlers->on_close */
	void *owner;			/* the netsrv thread that holds the conn */
	struct conn *own_prev, *own_next; /* owner's list of open conns */
};

/*
 * Wrap a socket fd (nonblocking, TCP_NODELAY set here) into an open conn on
 * loop. Takes ownership of fd, also on failure. connecting != 0 means a
 * nonblocking connect is in flight: timer_ms bounds it and failures close the
 * conn with that errno as the pending requests' status. Otherwise timer_ms
 * is the idle timeout (0 = none): the conn closes when no frame arrives in
 * that time. On the loop thread. Returns 0 and *out (one ref, the loop's;
 * borrowed by the caller) or -errno.
 */
int conn_create(struct ev_loop *loop, int fd, const char *peer,
		const struct conn_handlers *handlers, int connecting,
		uint32_t timer_ms, struct conn **out);

/* conn_close() that gives pending requests status instead of -ECONNRESET. */
void conn_close_status(struct conn *c, const char *reason, int status);

/* Whether the connected socket fd's peer is on this host: a loopback
 * address, or the socket's own local address. */
int conn_fd_same_host(int fd);

/* "ip:port" of a sockaddr into buf. */
void conn_format_addr(const void *sa, char *buf, size_t len);

#endif /* GLINT_COMMON_CONN_I_H */
