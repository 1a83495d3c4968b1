/*
 * oss_i.h - the object storage server's shared state (internal to oss/).
 *
 * One glint-oss process serves one OST: a backing directory of objects
 * (objstore.c) with a configured capacity. Network loops (netsrv) parse
 * requests; PING, HELLO and STATFS are answered on the loop, object I/O is
 * handed to the I/O worker threads (worker.c), each owning one io_uring,
 * which reply through conn_reply_threadsafe(). mds_link.c keeps the OST
 * registered with the MDS.
 */
#ifndef GLINT_OSS_OSS_I_H
#define GLINT_OSS_OSS_I_H

#include <stdatomic.h>
#include <stdint.h>

#include "common/conn.h"

struct objstore;
struct mds_link;
struct worker_pool;
struct msg_obj_req;
struct msg_statfs;
struct ring;

struct oss_config {
	char *listen;	       /* HOST:PORT to serve on */
	char *dir;	       /* backing directory of this OST */
	int64_t index;	       /* OST index */
	uint64_t capacity;     /* bytes; 0 = the backing file system's size */
	char *mds;	       /* MDS address to register with */
	char *advertise;       /* host clients use to reach us; NULL = derive */
	char *fsname;	       /* file system name */
	int64_t io_threads;    /* I/O worker threads */
	int64_t net_threads;   /* network loop threads */
	int64_t max_conns;     /* connection cap */
	char *port_file;       /* where to write the bound port, or NULL */
	int log_level;	       /* enum log_level */
	char *log_file;	       /* NULL = stderr */
	char *fail_loc;	       /* fault injection points (tests), or NULL */
	int sendfile;	       /* enum oss_sendfile */
	int localio;	       /* enum oss_localio (--localio) */
	uint64_t writethrough_max_io; /* larger writes leave the page cache */
	uint64_t readcache_max_io;    /* larger reads leave it too */
};

/* Whether clients on this host may read OBJ_READ_L ranges themselves
 * (--localio; the order of the option's names). */
enum oss_localio {
	OSS_LOCALIO_ON = 0,
	OSS_LOCALIO_OFF = 1,
};

/* When OBJ_READ_C data goes out with sendfile (--sendfile). */
enum oss_sendfile {
	OSS_SENDFILE_AUTO = 0, /* to clients on other hosts */
	OSS_SENDFILE_ON = 1,   /* to every client */
	OSS_SENDFILE_OFF = 2,  /* never: read into the reply */
};

/*
 * What FSx publishes to CloudWatch for a file server, counted by the I/O
 * workers (successful calls only). Updated and read with atomics from any
 * thread; logged when the OSS stops.
 */
struct oss_counters {
	atomic_uint_fast64_t data_read_bytes;  /* DataReadBytes */
	atomic_uint_fast64_t data_write_bytes; /* DataWriteBytes */
	atomic_uint_fast64_t data_read_ops;    /* DataReadOperations */
	atomic_uint_fast64_t data_write_ops;   /* DataWriteOperations */
	atomic_uint_fast64_t sendfile_bytes;   /* of data_read_bytes, sent
						  with sendfile (not FSx's) */
	atomic_uint_fast64_t localio_bytes;    /* of data_read_bytes, read
						  by clients on this host
						  from the files (OBJ_READ_L;
						  not FSx's) */
};

/*
 * Fault injection (Lustre fail_loc): named points in the I/O path that
 * tests switch on with --fail-loc NAME[,NAME...]. A bit mask in struct oss,
 * read atomically for every job, so a run-time switch can be added later.
 */
#define OSS_FAIL_WRITE_ENOSPC 0x1u /* oss_write_enospc: OBJ_WRITE is -ENOSPC */
#define OSS_FAIL_READ_EIO     0x2u /* oss_read_eio: OBJ_READ is -EIO */
#define OSS_FAIL_REPLY_DROP   0x4u /* oss_reply_drop: object replies lost */
#define OSS_FAIL_IO_DELAY     0x8u /* oss_io_delay: each job waits 200 ms */
#define OSS_FAIL_READC_BAD_CSUM 0x10u /* oss_readc_bad_csum: OBJ_READ_C
					 replies carry a wrong checksum */

struct oss {
	struct oss_config cfg;
	struct ev_loop *loop;
	struct netsrv *srv;
	struct objstore *store;
	struct worker_pool *pool;  /* object I/O threads (worker.c) */
	struct oss_counters counters;
	atomic_uint fail_loc;	   /* OSS_FAIL_* switched on */
	struct mds_link *link;
	char advertise[256];   /* resolved advertised host */
	uint16_t port;	       /* bound port */
};

/* The OSS's dispatch table; ctx is the struct oss. */
void oss_rpc_handlers(struct oss *o, struct conn_handlers *h);

/* This OST's STATFS reply (capacity, use, objects); any thread. Also the
 * usage report mds_link.c appends to its PINGs. */
void oss_statfs_fill(struct oss *o, struct msg_statfs *s);

/*
 * Keep OST o->cfg.index registered with the MDS from a thread of its own:
 * HELLO on connect, PING every second carrying the OST's usage report (for
 * the MDS's placement), reconnect (and so re-register) when the connection
 * drops. Returns 0 or -errno (bad address, no memory).
 */
int mds_link_start(struct oss *o, struct mds_link **out);
void mds_link_stop(struct mds_link *l);

/*
 * The I/O worker pool (worker.c): nthreads threads, each with its own ring,
 * run the objstore call of each submitted object request and reply with
 * conn_reply_threadsafe(). Start before serving, after objstore_open;
 * returns 0 and *out, or -errno (-ENOMEM, ring_create's error).
 */
int worker_pool_start(struct oss *o, unsigned nthreads,
		      struct worker_pool **out);

/*
 * Queue a decoded object request (h->opcode one of PROTO_OP_OBJ_*) from c's
 * request handler on its loop thread. For OBJ_READ_Z, req is decoded as an
 * OBJ_READ; for OBJ_WRITE_Z, req->data is the whole (checked) request
 * payload and object_id/stripe_idx are set for logs. Keeps what it needs
 * past the return (req's borrowed pointers may go then): the write's data
 * by taking the conn's payload buffer over (conn_steal_payload) or, for a
 * payload that sat in the conn's read buffer, by a copy. Takes a reference on c
 * until the reply is queued. Returns 0 (a worker will reply exactly once),
 * -ENOMEM or -ESHUTDOWN (the pool is stopping): then the caller replies.
 */
int worker_submit(struct worker_pool *p, struct conn *c,
		  const struct frame_header *h, const struct msg_obj_req *req);

/*
 * OBJ_READ_L (msg_zio.h): the path and stored checksums of a raw range,
 * for a client on this host that reads the file itself, as the reply
 * payload (*out, malloc'd). Only to clients on this host (the path means
 * nothing elsewhere) and with --localio on: -EOPNOTSUPP otherwise.
 * -EAGAIN when the range is not stored raw (the client asks with
 * OBJ_READ_C). ring NULL: on a loop thread, without waiting
 * (objstore_read_local); -EAGAIN then also means "ask a worker".
 */
int oss_readl(struct oss *o, struct ring *ring, const struct msg_obj_req *r,
	      struct conn *c, void **out, size_t *out_len);

/* Parse a comma-separated list of fail_loc names into OSS_FAIL_* bits.
 * Returns 0, or -EINVAL for an unknown name. */
int worker_fail_loc_parse(const char *names, unsigned *mask);

/*
 * Stop (NULL is fine): refuse new jobs, drop the queued ones, let each
 * worker finish its current job, join the threads, free p. Call once the
 * network loops have stopped, before objstore_close().
 */
void worker_pool_stop(struct worker_pool *p);

#endif /* GLINT_OSS_OSS_I_H */
