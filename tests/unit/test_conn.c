/*
 * test_conn.c - connections, netsrv and rpc_client against an in-process
 * server on 127.0.0.1 with ephemeral ports.
 *
 * The server runs its caller loop on a thread of its own plus worker loops.
 * Its PING handler echoes the u64 it gets; the top byte picks a mode:
 *   0 reply at once          1 reply after (low 16 bits) ms from an ev_timer
 *   2 reply from a worker thread with conn_reply_threadsafe
 *   3 never reply (timeouts)   4 reply with (low 16 bits) KiB of pattern
 *   5 reply with conn_same_host() of the server's conn
 * OBJ_WRITE (any bytes) takes the payload over with conn_steal_payload
 * (NULL for one that fits the read buffer: then it copies) and answers
 * from a thread of its own with the sum of the bytes, whether it stole and
 * whether payload byte 28 was page-aligned, as its conn_set_payload_align
 * asks from then on.
 * OBJ_READ_C answers from a thread of its own with
 * conn_reply_threadsafe_file: a head and a range of an unlinked temporary
 * file (struct readc_req below); a wrapper around sendfile(2) counts the
 * calls that sent less than asked. HELLO answers with a HELLO unless the
 * fsname is "badfs" (-EACCES); STATFS has no handler (-EOPNOTSUPP). Raw
 * sockets send broken frames and must see the server close them while an
 * rpc_client keeps getting answers.
 */
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/conn.h"
#include "common/conn_i.h" /* struct conn's fd: small socket buffers */
#include "common/log.h"
#include "proto/codec.h"
#include "proto/frame.h"
#include "proto/msg.h"
#include "proto/msg_fs.h"
#include "tests/unit/check.h"

static uint16_t srv_port_for_async; /* the main server, for test_async */
static uint16_t unused_port(void);

#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);          \
		if (a_ != b_) {                                              \
			fprintf(stderr, "%s:%d: %s == %lld, want %s == %lld\n", \
				__FILE__, __LINE__, #a, a_, #b, b_);         \
			failures++;                                          \
		}                                                            \
	} while (0)

#define MODE_NOW    0ull
#define MODE_DEFER  1ull
#define MODE_WORKER 2ull
#define MODE_NEVER  3ull
#define MODE_BIG    4ull
#define MODE_HOST   5ull
#define PING(mode, low) ((mode) << 56 | (low))

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- the worker thread of mode 2 --- */

struct work {
	struct work *next;
	struct conn *c; /* a ref */
	uint16_t opcode;
	uint64_t req_id;
	uint64_t v;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct work *head;
	int stop;
	pthread_t tid;
} worker = { .mu = PTHREAD_MUTEX_INITIALIZER,
	      .cond = PTHREAD_COND_INITIALIZER };

static void *worker_main(void *arg)
{
	pthread_mutex_lock(&worker.mu);
	for (;;) {
		struct work *w = worker.head;
		uint8_t *buf;

		if (!w) {
			if (worker.stop)
				break;
			pthread_cond_wait(&worker.cond, &worker.mu);
			continue;
		}
		worker.head = w->next;
		pthread_mutex_unlock(&worker.mu);
		buf = malloc(8);
		if (buf)
			le64_store(buf, w->v);
		conn_reply_threadsafe(w->c, w->opcode, w->req_id, buf ? 0 : -ENOMEM,
				      buf, buf ? 8 : 0);
		conn_put(w->c);
		free(w);
		pthread_mutex_lock(&worker.mu);
	}
	pthread_mutex_unlock(&worker.mu);
	return NULL;
}

/* --- server handlers --- */

struct deferred {
	ev_timer timer;
	struct conn *c; /* a ref */
	struct frame_header h;
	uint8_t payload[8];
};

static atomic_int deferred_live;

static void deferred_fire(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct deferred *d = w->data;

	conn_reply(d->c, &d->h, 0, d->payload, 8); /* harmless if closed */
	conn_put(d->c);
	free(d);
	atomic_fetch_sub(&deferred_live, 1);
}

static int srv_ping(struct conn *c, const struct frame_header *h,
		    const uint8_t *payload, size_t len)
{
	struct cursor cur;
	struct msg_ping m;
	uint64_t mode;

	cursor_init(&cur, payload, len);
	if (msg_ping_decode(&cur, &m))
		return CONN_CLOSE;
	mode = m.time_ns >> 56;
	if (mode == MODE_DEFER) {
		struct deferred *d = calloc(1, sizeof(*d));

		if (!d)
			return -ENOMEM;
		conn_get(c);
		d->c = c;
		d->h = *h;
		memcpy(d->payload, payload, 8);
		ev_timer_init(&d->timer, deferred_fire,
			      (m.time_ns & 0xffff) / 1000.0, 0.);
		d->timer.data = d;
		atomic_fetch_add(&deferred_live, 1);
		ev_timer_start(conn_loop(c), &d->timer);
		return 0;
	}
	if (mode == MODE_WORKER) {
		struct work *w = calloc(1, sizeof(*w));

		if (!w)
			return -ENOMEM;
		conn_get(c);
		*w = (struct work){ .c = c, .opcode = h->opcode,
				    .req_id = h->req_id, .v = m.time_ns };
		pthread_mutex_lock(&worker.mu);
		w->next = worker.head;
		worker.head = w;
		pthread_cond_signal(&worker.cond);
		pthread_mutex_unlock(&worker.mu);
		return 0;
	}
	if (mode == MODE_NEVER)
		return 0;
	if (mode == MODE_HOST) {
		uint8_t out[8];

		le64_store(out, (uint64_t)conn_same_host(c));
		return conn_reply(c, h, 0, out, 8);
	}
	if (mode == MODE_BIG) {
		size_t n = (m.time_ns & 0xffff) << 10;
		uint8_t *big = malloc(n);
		int rc;

		if (!big)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			big[i] = (uint8_t)(i * 7);
		le64_store(big, m.time_ns);
		rc = conn_reply(c, h, 0, big, n);
		free(big);
		return rc;
	}
	return conn_reply(c, h, 0, payload, 8);
}

static int srv_hello(struct conn *c, const struct frame_header *h,
		     const uint8_t *payload, size_t len)
{
	struct cursor cur;
	struct msg_hello m = { 0 };
	struct msg_hello r = { .proto_version = PROTO_VERSION,
			       .role = PROTO_ROLE_MDS, .fsname = "testfs",
			       .fsname_len = 6 };
	uint8_t buf[128];
	ssize_t n;

	cursor_init(&cur, payload, len);
	if (msg_hello_decode(&cur, &m))
		return CONN_CLOSE;
	if (m.fsname_len == 5 && !memcmp(m.fsname, "badfs", 5))
		return -EACCES;
	n = msg_hello_encode(&r, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return conn_reply(c, h, 0, buf, (size_t)n);
}

struct steal_job {
	struct conn *c; /* a ref */
	uint16_t opcode;
	uint64_t req_id;
	uint8_t *buf;	/* the stolen buffer, or a copy */
	const uint8_t *pay; /* the payload in it */
	size_t len;
	int stolen;
	int aligned;	/* payload byte STEAL_ALIGN_OFF on a page boundary */
};

/* The server's conns ask for this payload byte to be page-aligned
 * (conn_set_payload_align), from their first OBJ_WRITE on. */
#define STEAL_ALIGN_OFF 28

/* Sum the payload long after the handler returned, reply, free it. */
static void *steal_main(void *arg)
{
	struct steal_job *j = arg;
	uint64_t sum = 0;
	uint8_t *out = malloc(24);

	usleep(20000);
	for (size_t i = 0; i < j->len; i++)
		sum += j->pay[i];
	if (out) {
		le64_store(out, sum);
		le64_store(out + 8, (uint64_t)j->stolen);
		le64_store(out + 16, (uint64_t)j->aligned);
	}
	conn_reply_threadsafe(j->c, j->opcode, j->req_id, out ? 0 : -ENOMEM,
			      out, out ? 24 : 0);
	conn_put(j->c);
	free(j->buf);
	free(j);
	return NULL;
}

static int srv_steal(struct conn *c, const struct frame_header *h,
		     const uint8_t *payload, size_t len)
{
	struct steal_job *j = calloc(1, sizeof(*j));
	pthread_t tid;

	if (!j)
		return -ENOMEM;
	j->buf = conn_steal_payload(c);
	j->stolen = j->buf != NULL;
	j->pay = j->buf ? payload : NULL;
	if (j->buf && (payload < j->buf ||
		       payload >= j->buf + CONN_PAYLOAD_ALIGN)) {
		free(j->buf);
		free(j);
		return CONN_CLOSE; /* not the payload's buffer: a bug */
	}
	j->aligned = len > STEAL_ALIGN_OFF &&
		     (uintptr_t)(payload + STEAL_ALIGN_OFF) %
				     CONN_PAYLOAD_ALIGN ==
			     0;
	conn_set_payload_align(c, STEAL_ALIGN_OFF);
	if (!j->buf) {
		j->buf = malloc(len ? len : 1);
		if (!j->buf) {
			free(j);
			return -ENOMEM;
		}
		memcpy(j->buf, payload, len);
		j->pay = j->buf;
	}
	j->len = len;
	j->opcode = h->opcode;
	j->req_id = h->req_id;
	conn_get(c);
	j->c = c;
	if (pthread_create(&tid, NULL, steal_main, j)) {
		conn_put(c);
		free(j->buf);
		free(j);
		return -ENOMEM;
	}
	pthread_detach(tid);
	return 0;
}

/*
 * OBJ_READ_C: a reply ending in a file range (conn_reply_threadsafe_file).
 * The request (24 bytes, the opcode's minimum):
 *   OFFSET  SIZE  MEANING
 *   0       8     off: file offset of the range
 *   8       4     file_len: bytes the file holds from off
 *   12      4     range_len: bytes the reply promises (zeros past file_len)
 *   16      4     k: the head is 8 + 8 * k bytes
 *   20      4     READC_F_* flags
 * The head: range_len (4), k (4), then readc_word(i, range_len) for i < k.
 * The file's byte at position pos is file_byte(pos).
 */
#define READC_F_SNDBUF	   0x1u /* shrink the server socket's SO_SNDBUF */
#define READC_F_WRONLY	   0x2u /* hand over a write-only fd: unreadable */
#define READC_F_AFTER_GONE 0x4u /* reply once the client's conn closed */

struct readc_req {
	uint64_t off;
	uint32_t file_len;
	uint32_t range_len;
	uint32_t k;
	uint32_t flags;
};

struct readc_job {
	struct conn *c; /* a ref */
	uint16_t opcode;
	uint64_t req_id;
	struct readc_req q;
};

/* What the OBJ_READ_C threads did, for the tests to wait on. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	unsigned done;	 /* replies handed to conn_reply_threadsafe_file */
	int last_rc;	 /* what the last one returned */
	dev_t dev;	 /* the last reply's (unlinked) file */
	ino_t ino;
	int gone;	 /* the READC_F_AFTER_GONE conn closed */
} readc_srv = { .mu = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER };

static uint8_t file_byte(uint64_t pos)
{
	return (uint8_t)(pos * 31 + (pos >> 11));
}

static uint64_t readc_word(uint32_t i, uint32_t range_len)
{
	return 0x0123456789abcdefull * (i + 1) ^ range_len;
}

static size_t readc_head_len(const struct readc_req *q)
{
	return 8 + 8 * (size_t)q->k;
}

/* An unlinked temporary file of q->off + q->file_len pattern bytes, open
 * read-only or (READC_F_WRONLY) write-only: its fd and identity (*st), or
 * -1. */
static int readc_make_file(const struct readc_req *q, struct stat *st)
{
	const char *dir = getenv("TMPDIR");
	char path[256];
	size_t n = (size_t)(q->off + q->file_len), done = 0;
	uint8_t *buf = malloc(n ? n : 1);
	int fd = -1, wfd = -1;

	snprintf(path, sizeof(path), "%s/test_conn.XXXXXX",
		 dir && *dir ? dir : "/tmp");
	if (!buf)
		goto out;
	for (size_t i = 0; i < n; i++)
		buf[i] = file_byte(i);
	wfd = mkstemp(path);
	if (wfd < 0)
		goto out;
	while (done < n) {
		ssize_t w = write(wfd, buf + done, n - done);

		if (w <= 0)
			goto out_unlink;
		done += (size_t)w;
	}
	fd = open(path, q->flags & READC_F_WRONLY ? O_WRONLY : O_RDONLY);
	if (fd >= 0 && fstat(fd, st)) {
		close(fd);
		fd = -1;
	}
out_unlink:
	unlink(path);
out:
	if (wfd >= 0)
		close(wfd);
	free(buf);
	return fd;
}

static void *readc_main(void *arg)
{
	struct readc_job *j = arg;
	struct conn_file f = { .off = j->q.off, .len = j->q.range_len };
	size_t head_len = readc_head_len(&j->q);
	uint8_t *head = malloc(head_len);
	struct stat st = { 0 };
	int rc;

	f.fd = readc_make_file(&j->q, &st);
	if (!head || f.fd < 0) {
		free(head);
		if (f.fd >= 0)
			close(f.fd);
		conn_reply_threadsafe(j->c, j->opcode, j->req_id, -EIO, NULL,
				      0);
		rc = -EIO;
		goto out;
	}
	le32_store(head, j->q.range_len);
	le32_store(head + 4, j->q.k);
	for (uint32_t i = 0; i < j->q.k; i++)
		le64_store(head + 8 + 8 * (size_t)i,
			   readc_word(i, j->q.range_len));
	if (j->q.flags & READC_F_AFTER_GONE) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 5;
		pthread_mutex_lock(&readc_srv.mu);
		while (!readc_srv.gone &&
		       !pthread_cond_timedwait(&readc_srv.cond, &readc_srv.mu,
					       &ts))
			;
		pthread_mutex_unlock(&readc_srv.mu);
		/* on_close runs just before the conn leaves its loop's
		 * context: let it finish. */
		usleep(100000);
	}
	rc = conn_reply_threadsafe_file(j->c, j->opcode, j->req_id, head,
					head_len, &f);
out:
	pthread_mutex_lock(&readc_srv.mu);
	readc_srv.done++;
	readc_srv.last_rc = rc;
	readc_srv.dev = st.st_dev;
	readc_srv.ino = st.st_ino;
	pthread_cond_broadcast(&readc_srv.cond);
	pthread_mutex_unlock(&readc_srv.mu);
	conn_put(j->c);
	free(j);
	return NULL;
}

static int srv_readc(struct conn *c, const struct frame_header *h,
		     const uint8_t *payload, size_t len)
{
	struct readc_job *j = calloc(1, sizeof(*j));
	pthread_t tid;

	if (!j)
		return -ENOMEM;
	j->q = (struct readc_req){ .off = le64_load(payload),
				   .file_len = le32_load(payload + 8),
				   .range_len = le32_load(payload + 12),
				   .k = le32_load(payload + 16),
				   .flags = le32_load(payload + 20) };
	if (j->q.flags & READC_F_SNDBUF) {
		int small = 4096; /* the kernel doubles it */

		setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	}
	if (j->q.flags & READC_F_AFTER_GONE) {
		pthread_mutex_lock(&readc_srv.mu);
		readc_srv.gone = 0;
		pthread_mutex_unlock(&readc_srv.mu);
		conn_set_user(c, &readc_srv); /* srv_on_close looks for it */
	}
	j->opcode = h->opcode;
	j->req_id = h->req_id;
	conn_get(c);
	j->c = c;
	if (pthread_create(&tid, NULL, readc_main, j)) {
		conn_put(c);
		free(j);
		return -ENOMEM;
	}
	pthread_detach(tid);
	return 0;
}

static atomic_int srv_closes; /* server conns closed */

static void srv_on_close(struct conn *c)
{
	atomic_fetch_add(&srv_closes, 1);
	if (conn_user(c) != &readc_srv)
		return;
	pthread_mutex_lock(&readc_srv.mu);
	readc_srv.gone = 1;
	pthread_cond_broadcast(&readc_srv.cond);
	pthread_mutex_unlock(&readc_srv.mu);
}

/*
 * conn.c sends a reply's file range with sendfile(2) (not sendfile64:
 * off_t is 64 bits here). This wrapper counts the calls that sent less
 * than asked or nothing (-EAGAIN), which shows that a range went out in
 * several pieces, the socket full in between.
 */
static atomic_int sendfile_short;

ssize_t sendfile(int out_fd, int in_fd, off_t *off, size_t count)
{
	typedef ssize_t (*sendfile_fn)(int, int, off_t *, size_t);
	static _Atomic(sendfile_fn) real;
	sendfile_fn fn = atomic_load(&real);
	ssize_t n;
	int e;

	if (!fn) {
		fn = (sendfile_fn)dlsym(RTLD_NEXT, "sendfile");
		atomic_store(&real, fn);
	}
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	n = fn(out_fd, in_fd, off, count);
	e = errno;
	if ((n >= 0 && (size_t)n < count) || (n < 0 && e == EAGAIN))
		atomic_fetch_add(&sendfile_short, 1);
	errno = e;
	return n;
}

static const struct conn_handlers srv_handlers = {
	.fn = { [PROTO_OP_HELLO] = srv_hello, [PROTO_OP_PING] = srv_ping,
		[PROTO_OP_OBJ_WRITE] = srv_steal,
		[PROTO_OP_OBJ_READ_C] = srv_readc },
	.on_close = srv_on_close,
};

/* --- an in-process server on its own thread --- */

struct srv {
	struct ev_loop *loop;
	struct netsrv *ns;
	pthread_t tid;
	ev_async stop;
	uint16_t port;
};

static void srv_on_stop(struct ev_loop *loop, ev_async *w, int revents)
{
	struct srv *s = w->data;

	netsrv_stop(s->ns);
	ev_async_stop(loop, w);
	ev_break(loop, EVBREAK_ALL);
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;

	ev_run(s->loop, 0);
	return NULL;
}

static int srv_start(struct srv *s, uint16_t port, unsigned nthreads,
		     unsigned max_conns, uint32_t idle_ms)
{
	struct netsrv_config cfg = { .host = "127.0.0.1", .port = port,
				     .nthreads = nthreads,
				     .max_conns = max_conns,
				     .handlers = &srv_handlers,
				     .idle_timeout_ms = idle_ms };
	int rc;

	memset(s, 0, sizeof(*s));
	s->loop = ev_loop_new(EVFLAG_AUTO);
	if (!s->loop)
		return -ENOMEM;
	rc = netsrv_start(s->loop, &cfg, &s->ns, &s->port);
	if (rc) {
		ev_loop_destroy(s->loop);
		return rc;
	}
	ev_async_init(&s->stop, srv_on_stop);
	s->stop.data = s;
	ev_async_start(s->loop, &s->stop);
	return -pthread_create(&s->tid, NULL, srv_main, s);
}

static void srv_stop(struct srv *s)
{
	ev_async_send(s->loop, &s->stop);
	pthread_join(s->tid, NULL);
	ev_loop_destroy(s->loop);
}

/* --- raw sockets --- */

static int raw_connect(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static size_t mkframe(uint8_t *out, uint16_t opcode, uint32_t flags,
		      uint64_t req_id, const void *payload, uint32_t len)
{
	struct frame_header h = { .version = FRAME_VERSION, .opcode = opcode,
				  .flags = flags, .req_id = req_id,
				  .payload_len = len };

	frame_encode_header(&h, payload, out);
	if (len)
		memcpy(out + FRAME_HEADER_LEN, payload, len);
	return FRAME_HEADER_LEN + len;
}

static int send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 1 when the server closed fd (EOF or reset) within 5 s; replies are skipped. */
static int raw_sees_close(int fd)
{
	uint8_t buf[4096];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n > 0)
			continue;
		if (n == 0 || errno == ECONNRESET)
			return 1;
		if (errno == EINTR)
			continue;
		return 0; /* timeout */
	}
}

/* A PING whose reply fully arrives: proves the raw conn is served. */
static int raw_ping_ok(int fd)
{
	uint8_t f[FRAME_HEADER_LEN + 8], r[FRAME_HEADER_LEN + 8], pay[8];
	struct frame_header h;
	size_t got = 0;

	le64_store(pay, 42);
	if (send_all(fd, f, mkframe(f, PROTO_OP_PING, 0, 1, pay, 8)))
		return 0;
	while (got < sizeof(r)) {
		ssize_t n = recv(fd, r + got, sizeof(r) - got, 0);

		if (n <= 0)
			return 0;
		got += (size_t)n;
	}
	return !frame_decode_header(r, &h, NULL) && (h.flags & FRAME_F_REPLY) &&
	       h.status == 0 && le64_load(r + FRAME_HEADER_LEN) == 42;
}

/* --- rpc helpers --- */

static int ping(struct rpc_client *rc, uint64_t v, uint32_t timeout_ms,
		uint64_t *echo)
{
	uint8_t pay[8], *reply = NULL;
	size_t len = 0;
	int rc_;

	le64_store(pay, v);
	rc_ = rpc_call(rc, PROTO_OP_PING, pay, 8, timeout_ms, &reply, &len);
	if (!rc_ && echo)
		*echo = len == 8 ? le64_load(reply) : ~0ull;
	free(reply);
	return rc_;
}

static int make_hello(const char *fsname, uint8_t *buf, size_t cap)
{
	struct msg_hello m = { .proto_version = PROTO_VERSION,
			       .role = PROTO_ROLE_CLIENT, .fsname = fsname,
			       .fsname_len = (uint16_t)strlen(fsname) };

	return (int)msg_hello_encode(&m, buf, cap);
}

struct pinger {
	struct rpc_client *rc;
	unsigned idx;
	unsigned n;
	int bad;
};

static void *pinger_main(void *arg)
{
	struct pinger *p = arg;

	for (unsigned i = 0; i < p->n; i++) {
		uint64_t v = (uint64_t)p->idx << 32 | i, echo = 0;
		int rc = ping(p->rc, v, 10000, &echo);

		if (rc || echo != v)
			p->bad++;
	}
	return NULL;
}

/* --- tests --- */

/* 10,000 PINGs from 8 threads, pipelined on one rpc_client conn. */
static void test_pipelined(struct rpc_client *rc)
{
	struct pinger p[8];
	pthread_t tid[8];
	double t0 = now_s();

	for (unsigned i = 0; i < 8; i++) {
		p[i] = (struct pinger){ .rc = rc, .idx = i, .n = 1250 };
		pthread_create(&tid[i], NULL, pinger_main, &p[i]);
	}
	for (unsigned i = 0; i < 8; i++) {
		pthread_join(tid[i], NULL);
		CHECK_EQ(p[i].bad, 0);
	}
	fprintf(stderr, "10000 pipelined pings in %.3f s\n", now_s() - t0);
}

/* Replies from a worker thread, and an error reply for a missing handler. */
static void test_threadsafe_and_eopnotsupp(struct rpc_client *rc)
{
	uint8_t *reply = NULL;
	size_t len = 0;
	uint64_t echo = 0;
	struct cursor cur;
	struct msg_error e;

	for (unsigned i = 0; i < 100; i++) {
		CHECK_EQ(ping(rc, PING(MODE_WORKER, i), 5000, &echo), 0);
		CHECK(echo == PING(MODE_WORKER, i));
	}
	CHECK_EQ(rpc_call(rc, PROTO_OP_STATFS, NULL, 0, 5000, &reply, &len),
		 -EOPNOTSUPP);
	cursor_init(&cur, reply, len);
	CHECK(reply && msg_error_decode(&cur, &e) == 0);
	free(reply);
}

struct ooo {
	int order[5];
	int n;
	int bad;
};

struct ooo_req {
	struct ooo *o;
	int idx;
	uint64_t v;
};

static void ooo_done(void *arg, int status, const uint8_t *payload, size_t len)
{
	struct ooo_req *r = arg;

	if (status || len != 8 || le64_load(payload) != r->v)
		r->o->bad++;
	r->o->order[r->o->n++] = r->idx;
}

/* Multi-MiB requests and replies, several in flight at once. */
struct big_arg {
	struct rpc_client *rc;
	int bad;
};

static void *big_main(void *arg)
{
	struct big_arg *b = arg;
	size_t n = 3u << 20, len = 0;
	uint8_t *req = malloc(n), *reply = NULL;
	uint64_t v = PING(MODE_BIG, 4096);
	int rc;

	if (!req) {
		b->bad++;
		return NULL;
	}
	memset(req, 0xab, n);
	le64_store(req, v);
	rc = rpc_call(b->rc, PROTO_OP_PING, req, n, 10000, &reply, &len);
	if (rc || len != (4096u << 10) || le64_load(reply) != v)
		b->bad++;
	for (size_t i = 8; !rc && i < len; i++) {
		if (reply[i] != (uint8_t)(i * 7)) {
			b->bad++;
			break;
		}
	}
	free(reply);
	free(req);
	return NULL;
}

static void test_big(struct rpc_client *rc)
{
	struct big_arg b[3];
	pthread_t tid[3];
	uint8_t *reply = NULL;
	size_t len = 0;
	static uint8_t huge[FRAME_MAX_PAYLOAD + 1];

	for (int i = 0; i < 3; i++) {
		b[i] = (struct big_arg){ .rc = rc };
		pthread_create(&tid[i], NULL, big_main, &b[i]);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(tid[i], NULL);
		CHECK_EQ(b[i].bad, 0);
	}
	CHECK_EQ(rpc_call(rc, PROTO_OP_PING, huge, sizeof(huge), 1000, &reply,
			  &len),
		 -EMSGSIZE);
	CHECK(reply == NULL && len == 0);
}

/* conn_steal_payload: a large payload is taken over (and stays valid
 * after the handler returned), a small one is not; a taken one is placed
 * as conn_set_payload_align asked. */
static void test_steal(struct rpc_client *rc)
{
	static const size_t sizes[] = { 100, 4096, 200000, 1u << 20 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];
		uint8_t *p = malloc(n), *reply = NULL;
		uint64_t sum = 0;
		size_t len = 0;

		CHECK(p != NULL);
		if (!p)
			return;
		for (size_t i = 0; i < n; i++) {
			p[i] = (uint8_t)(i * 13 + k);
			sum += p[i];
		}
		CHECK_EQ(rpc_call(rc, PROTO_OP_OBJ_WRITE, p, n, 2000, &reply,
				  &len),
			 0);
		CHECK_EQ(len, 24);
		if (reply && len == 24) {
			CHECK_EQ(le64_load(reply), sum);
			CHECK_EQ(le64_load(reply + 8), n > 64 * 1024);
			/* Placed as the first call asked, when stolen. */
			CHECK_EQ(le64_load(reply + 16), n > 64 * 1024);
		}
		free(reply);
		free(p);
	}
}

/* Out-of-order replies seen through conn_request on a loop of our own. */
static void test_out_of_order(uint16_t port)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct ooo o = { 0 };
	struct ooo_req r[5];
	struct conn *c = NULL;
	uint8_t pay[8];

	CHECK_EQ(conn_connect(loop, "127.0.0.1", port, 2000, NULL, &c), 0);
	if (!c)
		goto out;
	for (int i = 0; i < 5; i++) {
		r[i] = (struct ooo_req){ .o = &o, .idx = i,
					 .v = PING(MODE_DEFER, 250 - 50 * i) };
		le64_store(pay, r[i].v);
		CHECK_EQ(conn_request(c, PROTO_OP_PING, pay, 8, 5000, ooo_done,
				      &r[i]), 0);
	}
	while (o.n < 5)
		ev_run(loop, EVRUN_ONCE);
	CHECK_EQ(o.bad, 0);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(o.order[i], 4 - i);

	/* A request outstanding when we close: the server's late reply to a
	 * closed conn must be harmless; our callback gets -ECONNRESET. */
	le64_store(pay, PING(MODE_DEFER, 100));
	r[0] = (struct ooo_req){ .o = &o, .idx = 0, .v = 0 };
	o.n = 0;
	o.bad = 0;
	CHECK_EQ(conn_request(c, PROTO_OP_PING, pay, 8, 5000, ooo_done, &r[0]),
		 0);
	ev_run(loop, EVRUN_NOWAIT);
	conn_get(c); /* keep the pointer valid past the close */
	conn_close(c, "test: close with a request in flight");
	CHECK_EQ(o.n, 1);
	CHECK_EQ(o.bad, 1); /* status -ECONNRESET */
	CHECK_EQ(conn_request(c, PROTO_OP_PING, pay, 8, 0, ooo_done, &r[0]),
		 -ENOTCONN);
	conn_put(c);
out:
	ev_loop_destroy(loop);
}

/*
 * Frames go out before the loop blocks (conn.c's flush, an ev_prepare
 * watcher of the lowest priority). A request queued by a prepare watcher
 * that runs after that flush (one of the same priority started earlier:
 * libev runs those last) must still go out in the same pass, not sit in
 * the queue until something else wakes the loop: the guard timer must not
 * be what brings the reply.
 */
struct late {
	struct conn *c;
	int armed;
	int sent;
	int guard_fired;
	struct ooo o;
	struct ooo_req r;
};

static void late_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct late *l = w->data;
	uint8_t pay[8];

	(void)loop;
	(void)revents;
	if (!l->armed)
		return;
	l->armed = 0;
	le64_store(pay, l->r.v);
	l->sent = conn_request(l->c, PROTO_OP_PING, pay, 8, 5000, ooo_done,
			       &l->r) == 0;
}

static void late_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct late *l = w->data;

	(void)loop;
	(void)revents;
	l->guard_fired = 1;
}

static void test_late_prepare(uint16_t port)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct late l = { 0 };
	ev_prepare pw;
	ev_timer guard;

	ev_prepare_init(&pw, late_prepare);
	pw.data = &l;
	ev_set_priority(&pw, EV_MINPRI);
	ev_prepare_start(loop, &pw); /* before the conn's: runs after it */
	CHECK_EQ(conn_connect(loop, "127.0.0.1", port, 2000, NULL, &l.c), 0);
	if (!l.c)
		goto out;
	ev_timer_init(&guard, late_guard, 5.0, 0.);
	guard.data = &l;
	ev_timer_start(loop, &guard);
	l.r = (struct ooo_req){ .o = &l.o, .idx = 0, .v = PING(MODE_NOW, 7) };
	l.armed = 1;
	while (!l.o.n && !l.guard_fired)
		ev_run(loop, EVRUN_ONCE);
	CHECK(l.sent);
	CHECK_EQ(l.o.n, 1);
	CHECK_EQ(l.o.bad, 0);
	CHECK_EQ(l.guard_fired, 0);
	ev_timer_stop(loop, &guard);
	conn_close(l.c, "test: done");
out:
	ev_prepare_stop(loop, &pw);
	ev_loop_destroy(loop);
}

/* Each broken input closes its own conn; the rpc_client is unaffected. */
static void test_bad_input(uint16_t port, struct rpc_client *rc)
{
	uint8_t f[256], pay[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint64_t echo;
	size_t n;
	int fd;

	for (int t = 0; t < 10; t++) {
		fd = raw_connect(port);
		CHECK(fd >= 0);
		if (fd < 0)
			return;
		switch (t) {
		case 0: /* garbage */
			memset(f, 'x', 100);
			send_all(fd, f, 100);
			break;
		case 1: /* truncated frame, then our side closes writing */
			mkframe(f, PROTO_OP_PING, 0, 1, pay, 8);
			le32_store(f + 24, 100); /* claims 100 payload bytes */
			le64_store(f + 40, frame_checksum(f, 40));
			send_all(fd, f, FRAME_HEADER_LEN + 8);
			shutdown(fd, SHUT_WR);
			break;
		case 2: /* bad header checksum */
			n = mkframe(f, PROTO_OP_PING, 0, 1, pay, 8);
			f[41] ^= 0x55;
			send_all(fd, f, n);
			break;
		case 3: /* bad payload checksum */
			n = mkframe(f, PROTO_OP_PING, 0, 1, pay, 8);
			f[FRAME_HEADER_LEN] ^= 0x55;
			send_all(fd, f, n);
			break;
		case 4: /* oversized payload_len */
			mkframe(f, PROTO_OP_PING, 0, 1, NULL, 0);
			le32_store(f + 24, FRAME_MAX_PAYLOAD + 1);
			le64_store(f + 40, frame_checksum(f, 40));
			send_all(fd, f, FRAME_HEADER_LEN);
			break;
		case 5: /* unknown opcode */
			n = mkframe(f, 77, 0, 1, pay, 8);
			send_all(fd, f, n);
			break;
		case 6: /* short payload */
			n = mkframe(f, PROTO_OP_PING, 0, 1, pay, 4);
			send_all(fd, f, n);
			break;
		case 7: /* a reply to no pending request */
			n = mkframe(f, PROTO_OP_PING, FRAME_F_REPLY, 99, pay, 8);
			send_all(fd, f, n);
			break;
		case 8: /* a good ping first, then a bad one on the same conn */
			CHECK(raw_ping_ok(fd));
			n = mkframe(f, 0, 0, 2, NULL, 0);
			send_all(fd, f, n);
			break;
		case 9: /* a request with FRAME_F_HEAD_CSUM */
			n = mkframe(f, PROTO_OP_PING, FRAME_F_HEAD_CSUM, 1, pay,
				    8);
			send_all(fd, f, n);
			break;
		}
		if (!raw_sees_close(fd)) {
			fprintf(stderr, "bad input case %d not closed\n", t);
			failures++;
		}
		close(fd);
		echo = 0;
		CHECK_EQ(ping(rc, 1000 + t, 5000, &echo), 0);
		CHECK_EQ(echo, 1000 + t);
	}
}

/* A client that never reads: the server stops reading instead of growing. */
static void test_backpressure(uint16_t port, struct rpc_client *rc)
{
	enum { BATCH = 1024 };
	static uint8_t buf[BATCH * (FRAME_HEADER_LEN + 8)];
	uint8_t pay[8];
	size_t off, total = 0, limit = 256u << 20;
	int fd = raw_connect(port), stalled = 0;
	uint64_t echo = 0;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	le64_store(pay, 7);
	for (off = 0; off < sizeof(buf); off += FRAME_HEADER_LEN + 8)
		mkframe(buf + off, PROTO_OP_PING, 0, 1 + off, pay, 8);
	while (total < limit) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		if (poll(&pfd, 1, 1000) == 0) {
			stalled = 1;
			break;
		}
		n = send(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			total += (size_t)n;
		else if (n < 0 && errno != EAGAIN)
			break;
	}
	fprintf(stderr, "backpressure: stalled=%d after %zu bytes\n", stalled,
		total);
	CHECK(stalled);
	CHECK_EQ(ping(rc, 5, 5000, &echo), 0);
	CHECK_EQ(echo, 5);
	close(fd);
}

static void test_timeout(struct rpc_client *rc)
{
	double t0 = now_s(), dt;
	uint64_t echo = 0;

	CHECK_EQ(ping(rc, PING(MODE_NEVER, 1), 200, NULL), -ETIMEDOUT);
	dt = now_s() - t0;
	CHECK(dt >= 0.1 && dt < 10); /* it returned; no speed claim */
	/* The conn stays usable. */
	CHECK_EQ(ping(rc, 6, 5000, &echo), 0);
	CHECK_EQ(echo, 6);
}

static void test_hello(struct rpc_client *rc, uint16_t port)
{
	uint8_t hello[64], *buf = NULL;
	size_t len = 0;
	struct rpc_client *bad = NULL;
	struct cursor cur;
	struct msg_hello m = { 0 };

	CHECK_EQ(rpc_client_hello_reply(rc, &buf, &len), 0);
	cursor_init(&cur, buf, len);
	CHECK(buf && msg_hello_decode(&cur, &m) == 0 && m.fsname_len == 6 &&
	      !memcmp(m.fsname, "testfs", 6));
	free(buf);

	CHECK_EQ(rpc_client_create("127.0.0.1", port, 2000, hello,
				   (size_t)make_hello("badfs", hello,
						      sizeof(hello)),
				   &bad),
		 0);
	CHECK_EQ(ping(bad, 1, 2000, NULL), -EACCES);
	CHECK_EQ(rpc_client_hello_reply(bad, &buf, &len), -ENOTCONN);
	rpc_client_destroy(bad);
}

/* --- rpc_call_async: callbacks counted under a mutex --- */

struct fan {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	unsigned left;	   /* callbacks still to come */
	unsigned bad;	   /* wrong echo or status */
	int last_status;
};

struct fan_req {
	struct fan *f;
	uint64_t v;
	uint8_t pay[8];
	int want_status;
};

static void fan_done(void *arg, int status, const uint8_t *payload,
		     size_t len)
{
	struct fan_req *r = arg;
	struct fan *f = r->f;
	int ok = status == r->want_status &&
		 (status || (len == 8 && le64_load(payload) == r->v));

	pthread_mutex_lock(&f->mu);
	f->bad += !ok;
	f->last_status = status;
	if (--f->left == 0)
		pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->mu);
}

static void fan_wait(struct fan *f)
{
	pthread_mutex_lock(&f->mu);
	while (f->left)
		pthread_cond_wait(&f->cond, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

/* Destroy rc with 10 calls in flight: each gets -ECANCELED exactly once
 * (reqs has room for 10). */
static void destroy_in_flight(struct rpc_client *rc, struct fan *f,
			      struct fan_req *reqs)
{
	f->left = 10;
	for (unsigned i = 0; i < 10; i++) {
		reqs[i] = (struct fan_req){ .f = f, .v = PING(MODE_NEVER, i),
					    .want_status = -ECANCELED };
		le64_store(reqs[i].pay, reqs[i].v);
		CHECK_EQ(rpc_call_async(rc, PROTO_OP_PING, reqs[i].pay, 8,
					30000, fan_done, &reqs[i]),
			 0);
	}
	CHECK_EQ(ping(rc, 3, 5000, NULL), 0); /* the 10 are out */
	rpc_client_destroy(rc);
	fan_wait(f);
	CHECK_EQ(f->bad, 0);
}

/* 2,000 async PINGs in flight at once (some answered by a worker, out of
 * order), mixed with blocking calls; a timeout and a refused connect
 * arrive through the callback too; destroy cancels what is in flight. */
static void test_async(struct rpc_client *rc)
{
	enum { N = 2000 };
	struct fan f = { .mu = PTHREAD_MUTEX_INITIALIZER,
			 .cond = PTHREAD_COND_INITIALIZER };
	struct fan_req *reqs = calloc(N, sizeof(*reqs));
	struct rpc_client *dead = NULL, *never = NULL;
	uint8_t hello[64];
	uint64_t echo = 0;
	double t0;

	if (!reqs) {
		CHECK(0);
		return;
	}
	f.left = N;
	for (unsigned i = 0; i < N; i++) {
		uint64_t mode = i % 3 == 0 ? MODE_WORKER : MODE_NOW;

		reqs[i] = (struct fan_req){ .f = &f, .v = PING(mode, i) };
		le64_store(reqs[i].pay, reqs[i].v);
		CHECK_EQ(rpc_call_async(rc, PROTO_OP_PING, reqs[i].pay, 8,
					5000, fan_done, &reqs[i]),
			 0);
		if (i % 500 == 0) {
			CHECK_EQ(ping(rc, 7, 5000, &echo), 0);
			CHECK_EQ(echo, 7);
		}
	}
	fan_wait(&f);
	CHECK_EQ(f.bad, 0);

	/* timeout through the callback */
	t0 = now_s();
	f.left = 1;
	reqs[0] = (struct fan_req){ .f = &f, .v = PING(MODE_NEVER, 1),
				    .want_status = -ETIMEDOUT };
	le64_store(reqs[0].pay, reqs[0].v);
	CHECK_EQ(rpc_call_async(rc, PROTO_OP_PING, reqs[0].pay, 8, 200,
				fan_done, &reqs[0]),
		 0);
	fan_wait(&f);
	CHECK_EQ(f.bad, 0);
	CHECK(now_s() - t0 < 5);

	/* refused connect through the callback */
	CHECK_EQ(rpc_client_create("127.0.0.1", unused_port(), 2000, NULL, 0,
				   &dead),
		 0);
	f.left = 1;
	reqs[0].want_status = -ECONNREFUSED;
	CHECK_EQ(rpc_call_async(dead, PROTO_OP_PING, reqs[0].pay, 8, 2000,
				fan_done, &reqs[0]),
		 0);
	fan_wait(&f);
	CHECK_EQ(f.bad, 0);
	rpc_client_destroy(dead);

	/* destroy with calls in flight: each gets -ECANCELED exactly once */
	CHECK_EQ(rpc_client_create("127.0.0.1", srv_port_for_async, 2000,
				   hello,
				   (size_t)make_hello("testfs", hello,
						      sizeof(hello)),
				   &never),
		 0);
	destroy_in_flight(never, &f, reqs);
	free(reqs);
}

/* A callback that creates a client on its own loop (from the loop
 * thread). */
struct create_in_cb {
	struct fan f;
	struct rpc_loop *lp;
	uint16_t port;
	struct rpc_client *made;
	int rc;
};

static void create_in_cb_done(void *arg, int status, const uint8_t *payload,
			      size_t len)
{
	struct create_in_cb *x = arg;

	(void)payload;
	(void)len;
	x->rc = status ? status :
			 rpc_client_create_on(x->lp, "127.0.0.1", x->port,
					      2000, NULL, 0, &x->made);
	pthread_mutex_lock(&x->f.mu);
	x->f.left = 0;
	pthread_cond_signal(&x->f.cond);
	pthread_mutex_unlock(&x->f.mu);
}

/* Threads of this process. */
static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * Clients sharing one loop thread (rpc_client_create_on): three clients
 * add one thread; calls to two
 * servers' clients interleave; a client to a dead port fails without
 * disturbing the others; destroying one (with calls in flight, each
 * cancelled once) leaves the other working; the loop outlives the
 * creator's reference until its last client goes.
 */
static void test_shared_loop(uint16_t port)
{
	enum { N = 400 };
	struct fan f = { .mu = PTHREAD_MUTEX_INITIALIZER,
			 .cond = PTHREAD_COND_INITIALIZER };
	struct fan_req *reqs = calloc(N, sizeof(*reqs));
	struct rpc_client *a = NULL, *b = NULL, *dead = NULL;
	struct rpc_loop *lp = NULL;
	uint8_t hello[64];
	size_t hl = (size_t)make_hello("testfs", hello, sizeof(hello));
	uint64_t echo = 0;
	int threads = count_threads();

	if (!reqs) {
		CHECK(0);
		return;
	}
	CHECK_EQ(rpc_loop_create(&lp), 0);
	CHECK_EQ(rpc_client_create_on(lp, "127.0.0.1", port, 2000, hello, hl,
				      &a),
		 0);
	CHECK_EQ(rpc_client_create_on(lp, "127.0.0.1", port, 2000, hello, hl,
				      &b),
		 0);
	CHECK_EQ(rpc_client_create_on(lp, "127.0.0.1", unused_port(), 2000,
				      NULL, 0, &dead),
		 0);
	CHECK_EQ(count_threads(), threads + 1);
	f.left = N;
	for (unsigned i = 0; i < N; i++) {
		uint64_t mode = i % 3 == 0 ? MODE_WORKER : MODE_NOW;

		reqs[i] = (struct fan_req){ .f = &f, .v = PING(mode, i) };
		le64_store(reqs[i].pay, reqs[i].v);
		CHECK_EQ(rpc_call_async(i % 2 ? a : b, PROTO_OP_PING,
					reqs[i].pay, 8, 5000, fan_done,
					&reqs[i]),
			 0);
	}
	CHECK_EQ(ping(dead, 1, 2000, NULL), -ECONNREFUSED);
	CHECK_EQ(ping(a, 11, 5000, &echo), 0);
	CHECK_EQ(echo, 11);
	fan_wait(&f);
	CHECK_EQ(f.bad, 0);
	rpc_client_destroy(dead);

	/* b goes with calls in flight; a keeps working on the same loop */
	destroy_in_flight(b, &f, reqs);

	/* a client made by a callback, on the callback's own loop thread */
	{
		struct create_in_cb x = {
			.f = { .mu = PTHREAD_MUTEX_INITIALIZER,
			       .cond = PTHREAD_COND_INITIALIZER, .left = 1 },
			.lp = lp, .port = port, .rc = 1
		};
		uint8_t pay[8];

		le64_store(pay, 21);
		CHECK_EQ(rpc_call_async(a, PROTO_OP_PING, pay, 8, 5000,
					create_in_cb_done, &x),
			 0);
		fan_wait(&x.f);
		CHECK_EQ(x.rc, 0);
		if (x.made) {
			CHECK_EQ(ping(x.made, 22, 5000, &echo), 0);
			CHECK_EQ(echo, 22);
			rpc_client_destroy(x.made);
		}
	}
	rpc_loop_put(lp); /* a's reference keeps the thread */
	CHECK_EQ(ping(a, 12, 5000, &echo), 0);
	CHECK_EQ(echo, 12);
	rpc_client_destroy(a); /* the last: joins the thread */
	CHECK_EQ(count_threads(), threads);
	free(reqs);
}

/* --- reply sinks (rpc_call_async_sink) --- */

struct sink_req {
	struct fan *f;
	struct conn_sink sink;
	int status;
	size_t len;		/* callback's len */
	uint8_t head[16];	/* callback's first bytes */
	uint8_t *whole;		/* copy of a payload not put in the sink */
};

static void sink_done(void *arg, int status, const uint8_t *payload,
		      size_t len)
{
	struct sink_req *r = arg;

	r->status = status;
	r->len = len;
	if (payload && len) {
		memcpy(r->head, payload, len < 16 ? len : 16);
		r->whole = malloc(len);
		if (r->whole)
			memcpy(r->whole, payload, len);
	}
	pthread_mutex_lock(&r->f->mu);
	if (--r->f->left == 0)
		pthread_cond_signal(&r->f->cond);
	pthread_mutex_unlock(&r->f->mu);
}

/* A MODE_BIG reply of kib KiB into a sink of room bytes (skip 8). */
static void sink_one(struct rpc_client *rc, unsigned kib, size_t room,
		     int want_used)
{
	struct fan f = { .mu = PTHREAD_MUTEX_INITIALIZER,
			 .cond = PTHREAD_COND_INITIALIZER, .left = 1 };
	size_t n = (size_t)kib << 10;
	uint8_t *buf = malloc(room), pay[8];
	struct sink_req r = { .f = &f };
	uint64_t v = PING(MODE_BIG, kib);

	CHECK(buf != NULL);
	if (!buf)
		return;
	memset(buf, 0xee, room);
	r.sink = (struct conn_sink){ .buf = buf, .skip = 8, .len = room };
	le64_store(pay, v);
	CHECK_EQ(rpc_call_async_sink(rc, PROTO_OP_PING, pay, 8, 5000, &r.sink,
				     sink_done, &r),
		 0);
	fan_wait(&f);
	CHECK_EQ(r.status, 0);
	if (want_used >= 0)
		CHECK_EQ(r.sink.used, want_used);
	if (r.sink.used) {
		CHECK_EQ(r.len, 8);
		CHECK_EQ(le64_load(r.head), v);
		CHECK_EQ(r.sink.got, n - 8);
		for (size_t i = 0; i < n - 8; i++) {
			if (buf[i] != (uint8_t)((i + 8) * 7)) {
				CHECK_EQ(i, n); /* names the first bad byte */
				break;
			}
		}
		for (size_t i = n - 8; i < room; i++)
			if (buf[i] != 0xee) {
				CHECK_EQ(i, room); /* written past the data */
				break;
			}
	} else {
		CHECK_EQ(r.len, n);
		CHECK(r.whole && le64_load(r.whole) == v);
		for (size_t i = 8; r.whole && i < n; i++)
			if (r.whole[i] != (uint8_t)(i * 7)) {
				CHECK_EQ(i, n);
				break;
			}
		for (size_t i = 0; i < room; i++)
			if (buf[i] != 0xee) {
				CHECK_EQ(i, room); /* sink touched */
				break;
			}
	}
	free(r.whole);
	free(buf);
}

/*
 * A raw server for the sink's timeout: it answers the first request with
 * a header and part of a 256 KiB payload, waits past the client's
 * timeout, sends the rest (right checksum), then answers a PING. With
 * corrupt, it sends the whole reply at once with one byte flipped.
 */
struct slow_srv {
	int lfd;
	uint16_t port;
	pthread_t tid;
	int corrupt;	/* send the reply at once, one payload byte flipped */
	int bad;
};

static int recv_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *slow_main(void *arg)
{
	struct slow_srv *s = arg;
	enum { N = 256 << 10 };
	uint8_t req[FRAME_HEADER_LEN + 8], *fr = malloc(FRAME_HEADER_LEN + N);
	struct frame_header h;
	int fd = accept(s->lfd, NULL, NULL);

	if (fd < 0 || !fr)
		goto out;
	if (recv_all(fd, req, sizeof(req)) ||
	    frame_decode_header(req, &h, NULL)) {
		s->bad++;
		goto out;
	}
	memset(fr + FRAME_HEADER_LEN, 0x5a, N);
	mkframe(fr, h.opcode, FRAME_F_REPLY, h.req_id, fr + FRAME_HEADER_LEN,
		N);
	if (s->corrupt) {
		fr[FRAME_HEADER_LEN + 200000] ^= 1;
		send_all(fd, fr, FRAME_HEADER_LEN + N);
		recv(fd, req, 1, 0); /* until the client closes */
		goto out;
	}
	send_all(fd, fr, FRAME_HEADER_LEN + 100000);
	usleep(600000); /* the client's timeout is 200 ms */
	send_all(fd, fr + FRAME_HEADER_LEN + 100000, N - 100000);
	if (recv_all(fd, req, sizeof(req)) ||
	    frame_decode_header(req, &h, NULL)) {
		s->bad++;
		goto out;
	}
	send_all(fd, fr, mkframe(fr, h.opcode, FRAME_F_REPLY, h.req_id,
				 req + FRAME_HEADER_LEN, 8));
	recv(fd, req, 1, 0); /* until the client closes */
out:
	if (fd >= 0)
		close(fd);
	free(fr);
	return NULL;
}

static void test_sink_slow(int corrupt)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	struct fan f = { .mu = PTHREAD_MUTEX_INITIALIZER,
			 .cond = PTHREAD_COND_INITIALIZER, .left = 1 };
	struct slow_srv s = { .lfd = socket(AF_INET, SOCK_STREAM, 0),
			      .corrupt = corrupt };
	struct rpc_client *rc = NULL;
	size_t room = 256 << 10;
	uint8_t *buf = malloc(room), pay[8] = { 0 };
	struct sink_req r = { .f = &f };
	uint64_t echo = 0;

	CHECK(buf != NULL && s.lfd >= 0);
	if (!buf || s.lfd < 0)
		goto out;
	CHECK_EQ(bind(s.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(s.lfd, 1), 0);
	getsockname(s.lfd, (struct sockaddr *)&sa, &sl);
	s.port = ntohs(sa.sin_port);
	pthread_create(&s.tid, NULL, slow_main, &s);
	CHECK_EQ(rpc_client_create("127.0.0.1", s.port, 2000, NULL, 0, &rc),
		 0);
	r.sink = (struct conn_sink){ .buf = buf, .skip = 4, .len = room };
	CHECK_EQ(rpc_call_async_sink(rc, PROTO_OP_PING, pay, 8,
				     corrupt ? 5000 : 200, &r.sink, sink_done,
				     &r),
		 0);
	fan_wait(&f);
	if (corrupt) { /* the conn closes: bad payload checksum */
		CHECK_EQ(r.status, -ECONNRESET);
		CHECK_EQ(r.sink.used, 0);
		rpc_client_destroy(rc);
		pthread_join(s.tid, NULL);
		CHECK_EQ(s.bad, 0);
		goto out;
	}
	CHECK_EQ(r.status, -ETIMEDOUT);
	CHECK_EQ(r.sink.used, 0);
	/* The buffer is ours again: the rest of the late reply must not land
	 * in it, and the conn must go on to answer the next call. */
	memset(buf, 0x11, room);
	CHECK_EQ(ping(rc, 42, 5000, &echo), 0);
	CHECK_EQ(echo, 42);
	for (size_t i = 0; i < room; i++)
		if (buf[i] != 0x11) {
			CHECK_EQ(i, room);
			break;
		}
	rpc_client_destroy(rc);
	pthread_join(s.tid, NULL);
	CHECK_EQ(s.bad, 0);
out:
	if (s.lfd >= 0)
		close(s.lfd);
	free(buf);
}

/*
 * Borrowed request payloads (rpc.c sends with conn_request_borrow): a
 * frame still queued when its callback is due must have been copied
 * first, since the caller may reuse the buffer from its callback on. A
 * raw server with a small receive buffer keeps a 6 MiB request queued on
 * our side; then either the client's 200 ms timeout fires (early 0), or
 * the server answers after reading only the header (early 1). The
 * callback scribbles over the buffer; the server then reads the whole
 * frame, which must pass its checksum and hold the original bytes.
 */
struct borrow_srv {
	int lfd;
	pthread_t tid;
	int early;
	atomic_int cb_done;	/* the client's callback has scribbled */
	int got;		/* frame read whole, checksum and bytes ok */
};

enum { BORROW_LEN = 6 << 20 };

static uint8_t borrow_byte(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 12));
}

static void *borrow_main(void *arg)
{
	struct borrow_srv *s = arg;
	uint8_t hdr[FRAME_HEADER_LEN], rep[FRAME_HEADER_LEN + 8] = { 0 };
	uint8_t *pay = malloc(BORROW_LEN);
	struct frame_header h;
	int fd = accept(s->lfd, NULL, NULL), ok = 1;

	if (fd < 0 || !pay)
		goto out;
	if (recv_all(fd, hdr, sizeof(hdr)) ||
	    frame_decode_header(hdr, &h, NULL) || h.payload_len != BORROW_LEN)
		goto out;
	if (s->early) /* answer before reading the request's payload */
		send_all(fd, rep, mkframe(rep, h.opcode, FRAME_F_REPLY,
					  h.req_id, rep + FRAME_HEADER_LEN,
					  8));
	for (int i = 0; i < 500 && !atomic_load(&s->cb_done); i++)
		usleep(10000);
	if (recv_all(fd, pay, BORROW_LEN) || frame_check_payload(&h, pay))
		goto out;
	for (size_t i = 0; i < BORROW_LEN && ok; i++)
		ok = pay[i] == borrow_byte(i);
	s->got = ok;
out:
	if (fd >= 0)
		close(fd);
	free(pay);
	return NULL;
}

struct borrow_req {
	struct borrow_srv *s;
	uint8_t *buf;
	int status;
};

static void borrow_done(void *arg, int status, const uint8_t *payload,
			size_t len)
{
	struct borrow_req *r = arg;

	(void)payload;
	(void)len;
	r->status = status;
	memset(r->buf, 0xee, BORROW_LEN); /* the caller's again */
	atomic_store(&r->s->cb_done, 1);
}

static void test_borrow(int early)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	struct borrow_srv s = { .lfd = socket(AF_INET, SOCK_STREAM, 0),
				.early = early };
	struct borrow_req r = { .s = &s, .buf = malloc(BORROW_LEN),
				.status = 1 };
	struct rpc_client *rc = NULL;
	int small = 4096;

	CHECK(r.buf != NULL && s.lfd >= 0);
	if (!r.buf || s.lfd < 0)
		goto out;
	for (size_t i = 0; i < BORROW_LEN; i++)
		r.buf[i] = borrow_byte(i);
	/* Inherited by the accepted socket: it takes little at a time. */
	setsockopt(s.lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	CHECK_EQ(bind(s.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(s.lfd, 1), 0);
	getsockname(s.lfd, (struct sockaddr *)&sa, &sl);
	pthread_create(&s.tid, NULL, borrow_main, &s);
	CHECK_EQ(rpc_client_create("127.0.0.1", ntohs(sa.sin_port), 2000,
				   NULL, 0, &rc),
		 0);
	CHECK_EQ(rpc_call_async(rc, PROTO_OP_PING, r.buf, BORROW_LEN,
				early ? 5000 : 200, borrow_done, &r),
		 0);
	pthread_join(s.tid, NULL);
	CHECK_EQ(atomic_load(&s.cb_done), 1);
	CHECK_EQ(r.status, early ? 0 : -ETIMEDOUT);
	CHECK_EQ(s.got, 1);
	rpc_client_destroy(rc);
out:
	if (s.lfd >= 0)
		close(s.lfd);
	free(r.buf);
}

/* Replies received into the caller's buffer: big ones land there, a
 * small one arrives whole, a sink too small is not used, a timeout
 * leaves it alone. */
static void test_sink(struct rpc_client *rc)
{
	struct fan f = { .mu = PTHREAD_MUTEX_INITIALIZER,
			 .cond = PTHREAD_COND_INITIALIZER, .left = 1 };
	struct sink_req r = { .f = &f };
	uint8_t buf[64], pay[8];

	sink_one(rc, 1024, (1024 << 10) - 8, 1);
	sink_one(rc, 4096, (4096 << 10) + 100, 1);
	sink_one(rc, 64, 64 << 10, -1); /* whole with its header or not */
	sink_one(rc, 1, 1 << 10, -1);
	sink_one(rc, 1024, (1024 << 10) - 9, 0); /* one byte short */

	memset(buf, 0xee, sizeof(buf));
	r.sink = (struct conn_sink){ .buf = buf, .skip = 8, .len = 64 };
	le64_store(pay, PING(MODE_NEVER, 1));
	CHECK_EQ(rpc_call_async_sink(rc, PROTO_OP_PING, pay, 8, 100, &r.sink,
				     sink_done, &r),
		 0);
	fan_wait(&f);
	CHECK_EQ(r.status, -ETIMEDOUT);
	CHECK_EQ(r.sink.used, 0);
	test_sink_slow(0); /* the request times out mid-payload */
	test_sink_slow(1); /* a bad checksum over a payload in the sink */
}

/* --- replies that end in a file range (conn_reply_threadsafe_file) --- */

/* Open fds of this process on the file dev/ino. */
static int fd_refs(dev_t dev, ino_t ino)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		if (!stat(path, &st) && st.st_dev == dev && st.st_ino == ino)
			n++;
	}
	closedir(d);
	return n;
}

static unsigned readc_done_count(void)
{
	unsigned n;

	pthread_mutex_lock(&readc_srv.mu);
	n = readc_srv.done;
	pthread_mutex_unlock(&readc_srv.mu);
	return n;
}

/*
 * After reply number done_before + 1 of the OBJ_READ_C threads: 1 when
 * its file is no longer open within 5 s (the conn closes it once the frame
 * is out, which may be just after the client has it), 0 if it stays open
 * or the reply never came. *rc gets conn_reply_threadsafe_file's result.
 */
static int readc_file_closed(unsigned done_before, int *rc)
{
	struct timespec ts;
	dev_t dev;
	ino_t ino;
	int got;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	pthread_mutex_lock(&readc_srv.mu);
	while (readc_srv.done == done_before &&
	       !pthread_cond_timedwait(&readc_srv.cond, &readc_srv.mu, &ts))
		;
	got = readc_srv.done == done_before + 1;
	dev = readc_srv.dev;
	ino = readc_srv.ino;
	*rc = readc_srv.last_rc;
	pthread_mutex_unlock(&readc_srv.mu);
	for (int i = 0; got && i < 500; i++) {
		if (fd_refs(dev, ino) == 0)
			return 1;
		usleep(10000);
	}
	return 0;
}

/* Where OBJ_READ_C calls go: an rpc_client, or a conn on a loop of our
 * own that the caller runs, pausing pace_us after each pass (a slow
 * reader). */
struct readc_chan {
	struct rpc_client *rc;
	struct ev_loop *loop;
	struct conn *c;
	unsigned pace_us;
};

/* Send q, with r->sink unless no_sink; wait for the callback (into r). */
static void readc_call(const struct readc_chan *ch, const struct readc_req *q,
		       struct sink_req *r, int no_sink)
{
	struct fan f = { .mu = PTHREAD_MUTEX_INITIALIZER,
			 .cond = PTHREAD_COND_INITIALIZER, .left = 1 };
	struct conn_sink *sink = no_sink ? NULL : &r->sink;
	uint8_t pay[24];

	le64_store(pay, q->off);
	le32_store(pay + 8, q->file_len);
	le32_store(pay + 12, q->range_len);
	le32_store(pay + 16, q->k);
	le32_store(pay + 20, q->flags);
	r->f = &f;
	r->status = 1;
	if (ch->rc) {
		CHECK_EQ(rpc_call_async_sink(ch->rc, PROTO_OP_OBJ_READ_C, pay,
					     sizeof(pay), 10000, sink,
					     sink_done, r),
			 0);
		fan_wait(&f);
	} else {
		CHECK_EQ(conn_request_sink(ch->c, PROTO_OP_OBJ_READ_C, pay,
					   sizeof(pay), 10000, sink, sink_done,
					   r),
			 0);
		while (f.left) {
			ev_run(ch->loop, EVRUN_ONCE);
			usleep(ch->pace_us);
		}
	}
	r->f = NULL;
}

/* Byte i of q's range as it should arrive. */
static uint8_t readc_want(const struct readc_req *q, size_t i)
{
	if ((q->flags & READC_F_WRONLY) || i >= q->file_len)
		return 0; /* unreadable or past the file's end: zeros */
	return file_byte(q->off + i);
}

/*
 * One OBJ_READ_C reply into a sink of room bytes that skips the head and
 * welcomes a head-checksum frame: the head and every range byte arrive
 * (in the sink when want_used is 1, whole in the callback's payload when
 * 0, either for -1), the sink is not written past the data, and the file
 * is closed once sent.
 */
static void readc_one(const struct readc_chan *ch, const struct readc_req *q,
		      size_t room, int want_used)
{
	size_t hl = readc_head_len(q), n = q->range_len;
	uint8_t *buf = malloc(room ? room : 1);
	const uint8_t *data = NULL;
	struct sink_req r = { 0 };
	unsigned before = readc_done_count();
	int rc_ = 1;

	CHECK(buf != NULL);
	if (!buf)
		return;
	memset(buf, 0xee, room);
	r.sink = (struct conn_sink){ .buf = buf, .skip = hl, .len = room,
				     .head_csum = 1 };
	readc_call(ch, q, &r, 0);
	CHECK_EQ(r.status, 0);
	if (want_used >= 0)
		CHECK_EQ(r.sink.used, want_used);
	if (r.sink.used) {
		CHECK_EQ(r.len, hl);
		CHECK_EQ(r.sink.got, n);
		if (r.len == hl && r.sink.got == n)
			data = buf;
	} else {
		CHECK_EQ(r.len, hl + n);
		if (r.whole && r.len == hl + n)
			data = r.whole + hl;
	}
	if (r.whole && r.len >= hl) {
		CHECK_EQ(le32_load(r.whole), n);
		CHECK_EQ(le32_load(r.whole + 4), q->k);
		for (uint32_t i = 0; i < q->k; i++)
			if (le64_load(r.whole + 8 + 8 * (size_t)i) !=
			    readc_word(i, q->range_len)) {
				CHECK_EQ(i, q->k); /* names the bad word */
				break;
			}
	}
	CHECK(data != NULL);
	for (size_t i = 0; data && i < n; i++)
		if (data[i] != readc_want(q, i)) {
			CHECK_EQ(i, n); /* names the first bad byte */
			break;
		}
	for (size_t i = r.sink.used ? n : 0; i < room; i++)
		if (buf[i] != 0xee) {
			CHECK_EQ(i, room); /* written past the data */
			break;
		}
	CHECK(readc_file_closed(before, &rc_));
	CHECK_EQ(rc_, 0);
	free(r.whole);
	free(buf);
}

/*
 * A head-checksum reply to a request that did not ask for one closes the
 * client's conn: the call fails, the sink is not used, the server still
 * closes its file. sink_mode 0: no sink; 1: a sink without
 * head_csum; 2: head_csum, but skip past the payload's end.
 */
static void readc_unasked(struct rpc_client *rc, const struct readc_req *q,
			  int sink_mode)
{
	size_t hl = readc_head_len(q), room = q->range_len;
	uint8_t *buf = malloc(room);
	struct sink_req r = { 0 };
	unsigned before = readc_done_count();
	uint64_t echo = 0;
	int rc_ = 1;

	CHECK(buf != NULL);
	if (!buf)
		return;
	memset(buf, 0xee, room);
	r.sink = (struct conn_sink){ .buf = buf, .skip = hl, .len = room };
	if (sink_mode == 2) {
		r.sink.skip = hl + q->range_len + 1;
		r.sink.head_csum = 1;
	}
	readc_call(&(struct readc_chan){ .rc = rc }, q, &r, sink_mode == 0);
	CHECK_EQ(r.status, -ECONNRESET);
	CHECK_EQ(r.sink.used, 0); /* buf may hold garbage (conn.h) */
	CHECK_EQ(r.len, 0);
	CHECK(readc_file_closed(before, &rc_));
	CHECK_EQ(rc_, 0);
	CHECK_EQ(ping(rc, 55, 5000, &echo), 0); /* a new conn */
	CHECK_EQ(echo, 55);
	free(r.whole);
	free(buf);
}

/*
 * The client goes (rpc_client_destroy, its call cancelled) before the
 * server replies: conn_reply_threadsafe_file to the closed conn takes the
 * fd all the same and closes it. want_rc 0: the server's loops keep other
 * conns (three more clients, one per loop of the main server), so the
 * reply is queued and dropped by the closed conn; -ENOTCONN: the conn was
 * its loop's last, the loop refuses the reply.
 */
static void test_readc_gone(uint16_t port, int want_rc)
{
	struct rpc_client *keep[3] = { 0 };
	struct readc_req q = { .file_len = 256 << 10, .range_len = 256 << 10,
			       .k = 4, .flags = READC_F_AFTER_GONE };
	struct fan f = { .mu = PTHREAD_MUTEX_INITIALIZER,
			 .cond = PTHREAD_COND_INITIALIZER, .left = 1 };
	size_t room = q.range_len;
	uint8_t *buf = malloc(room), pay[24] = { 0 };
	struct sink_req r = { .f = &f, .status = 1 };
	struct rpc_client *rc = NULL;
	unsigned before = readc_done_count();
	int rc_ = 1, gone;

	CHECK(buf != NULL);
	if (!buf)
		return;
	for (int i = 0; !want_rc && i < 3; i++) {
		CHECK_EQ(rpc_client_create("127.0.0.1", port, 2000, NULL, 0,
					   &keep[i]),
			 0);
		CHECK_EQ(ping(keep[i], 1, 5000, NULL), 0);
	}
	CHECK_EQ(rpc_client_create("127.0.0.1", port, 2000, NULL, 0, &rc), 0);
	CHECK_EQ(ping(rc, 1, 5000, NULL), 0);
	le32_store(pay + 8, q.file_len);
	le32_store(pay + 12, q.range_len);
	le32_store(pay + 16, q.k);
	le32_store(pay + 20, q.flags);
	r.sink = (struct conn_sink){ .buf = buf, .skip = readc_head_len(&q),
				     .len = room, .head_csum = 1 };
	CHECK_EQ(rpc_call_async_sink(rc, PROTO_OP_OBJ_READ_C, pay, sizeof(pay),
				     10000, &r.sink, sink_done, &r),
		 0);
	/* A PING behind it: answered, so the server has the request. */
	CHECK_EQ(ping(rc, 2, 5000, NULL), 0);
	rpc_client_destroy(rc);
	fan_wait(&f);
	CHECK_EQ(r.status, -ECANCELED);
	CHECK(readc_file_closed(before, &rc_));
	CHECK_EQ(rc_, want_rc);
	pthread_mutex_lock(&readc_srv.mu);
	gone = readc_srv.gone;
	pthread_mutex_unlock(&readc_srv.mu);
	CHECK_EQ(gone, 1); /* the reply came after the close */
	for (int i = 0; i < 3; i++)
		if (keep[i])
			rpc_client_destroy(keep[i]);
	free(r.whole);
	free(buf);
}

/*
 * A raw server whose PING replies are head-checksum frames: a 16-byte
 * head (the request's u64 v and ~v), then (uint32_t)v bytes of 0x5a that
 * no checksum covers. HEAD_CORRUPT in v: one head byte is flipped after
 * the checksum was taken. HEAD_OVERLONG: 16 bytes of 0x77 follow the frame
 * in the same send, and the checksum covers the whole payload and them,
 * as a receiver whose skip runs past the payload would compute it. It
 * serves one conn after another until its listener is shut down.
 */
#define HEAD_CORRUPT  (1ull << 32)
#define HEAD_OVERLONG (1ull << 33)

struct head_srv {
	int lfd;
	pthread_t tid;
};

static void *head_main(void *arg)
{
	struct head_srv *s = arg;
	uint8_t req[FRAME_HEADER_LEN + 8];
	int fd;

	while ((fd = accept(s->lfd, NULL, NULL)) >= 0) {
		struct frame_header h;

		while (!recv_all(fd, req, sizeof(req)) &&
		       !frame_decode_header(req, &h, NULL)) {
			uint64_t v = le64_load(req + FRAME_HEADER_LEN);
			size_t n = (uint32_t)v;
			size_t tail = v & HEAD_OVERLONG ? 16 : 0;
			uint8_t *fr = malloc(FRAME_HEADER_LEN + 16 + n + tail);
			struct frame_header r = {
				.version = FRAME_VERSION, .opcode = h.opcode,
				.flags = FRAME_F_REPLY | FRAME_F_HEAD_CSUM,
				.req_id = h.req_id,
				.payload_len = (uint32_t)(16 + n)
			};
			int bad;

			if (!fr)
				break;
			le64_store(fr + FRAME_HEADER_LEN, v);
			le64_store(fr + FRAME_HEADER_LEN + 8, ~v);
			memset(fr + FRAME_HEADER_LEN + 16, 0x5a, n);
			memset(fr + FRAME_HEADER_LEN + 16 + n, 0x77, tail);
			frame_encode_header_head(&r, fr + FRAME_HEADER_LEN,
						 tail ? 16 + n + tail : 16, fr);
			if (v & HEAD_CORRUPT)
				fr[FRAME_HEADER_LEN + 9] ^= 1;
			bad = send_all(fd, fr,
				       FRAME_HEADER_LEN + 16 + n + tail);
			free(fr);
			if (bad)
				break;
		}
		close(fd);
	}
	return NULL;
}

/* A head-checksum reply of n data bytes from the raw server (how: 0,
 * HEAD_CORRUPT or HEAD_OVERLONG) into a sink that asks for one, whose
 * skip is the head or, for HEAD_OVERLONG, the payload and its tail. */
static void head_one(struct rpc_client *rc, size_t n, uint64_t how)
{
	struct fan f = { .mu = PTHREAD_MUTEX_INITIALIZER,
			 .cond = PTHREAD_COND_INITIALIZER, .left = 1 };
	uint64_t v = how | n;
	uint8_t *buf = malloc(n ? n : 1), pay[8];
	struct sink_req r = { .f = &f };
	const uint8_t *data = NULL;

	CHECK(buf != NULL);
	if (!buf)
		return;
	memset(buf, 0xee, n);
	r.sink = (struct conn_sink){ .buf = buf, .skip = 16, .len = n,
				     .head_csum = 1 };
	if (how & HEAD_OVERLONG)
		r.sink.skip = 16 + n + 16;
	le64_store(pay, v);
	CHECK_EQ(rpc_call_async_sink(rc, PROTO_OP_PING, pay, 8, 5000, &r.sink,
				     sink_done, &r),
		 0);
	fan_wait(&f);
	if (how) { /* the conn closes */
		CHECK_EQ(r.status, -ECONNRESET);
		CHECK_EQ(r.sink.used, 0);
		goto out;
	}
	CHECK_EQ(r.status, 0);
	CHECK(r.len >= 16 && le64_load(r.head) == v &&
	      le64_load(r.head + 8) == ~v);
	if (r.sink.used && r.sink.got == n)
		data = buf;
	else if (!r.sink.used && r.len == 16 + n && r.whole)
		data = r.whole + 16;
	CHECK(data != NULL);
	for (size_t i = 0; data && i < n; i++)
		if (data[i] != 0x5a) {
			CHECK_EQ(i, n);
			break;
		}
out:
	free(r.whole);
	free(buf);
}

/* A head checksum that does not match closes the conn, whether the reply
 * was dispatched in place or received into the sink; so does a payload
 * shorter than the sink's skip, even when the bytes after it (still in
 * the conn's read buffer) would match. */
static void test_head_corrupt(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	struct head_srv s = { .lfd = socket(AF_INET, SOCK_STREAM, 0) };
	struct rpc_client *rc = NULL;

	CHECK(s.lfd >= 0);
	if (s.lfd < 0)
		return;
	CHECK_EQ(bind(s.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(s.lfd, 4), 0);
	getsockname(s.lfd, (struct sockaddr *)&sa, &sl);
	pthread_create(&s.tid, NULL, head_main, &s);
	CHECK_EQ(rpc_client_create("127.0.0.1", ntohs(sa.sin_port), 2000, NULL,
				   0, &rc),
		 0);
	head_one(rc, 100, 0);	    /* in place, data not checksummed */
	head_one(rc, 256 << 10, 0); /* into the sink */
	head_one(rc, 100, HEAD_CORRUPT);
	head_one(rc, 256 << 10, HEAD_CORRUPT);
	head_one(rc, 0, HEAD_OVERLONG);
	head_one(rc, 100, 0);	    /* a new conn */
	rpc_client_destroy(rc);
	shutdown(s.lfd, SHUT_RDWR); /* accept() returns */
	pthread_join(s.tid, NULL);
	close(s.lfd);
}

/*
 * 4 MiB with a head of CONN_SINK_SKIP_MAX bytes from a server socket with
 * an 8 KiB send buffer to a slow reader (a conn on our own loop, a fixed
 * 128 KiB receive buffer, a pause after each loop pass): the range goes
 * out in many sendfile calls, each stopped by the full socket. (A receive
 * buffer below loopback's 64 KiB MSS stalls TCP for seconds.)
 */
static void readc_slow(uint16_t port)
{
	struct readc_chan ch = { .loop = ev_loop_new(EVFLAG_AUTO),
				 .pace_us = 100 };
	struct readc_req q = { .off = 1 << 16, .file_len = 4 << 20,
			       .range_len = 4 << 20,
			       .k = (CONN_SINK_SKIP_MAX - 8) / 8,
			       .flags = READC_F_SNDBUF };
	int rcvbuf = 64 << 10, nshort; /* the kernel doubles it */

	CHECK_EQ(conn_connect(ch.loop, "127.0.0.1", port, 2000, NULL, &ch.c),
		 0);
	if (ch.c) {
		setsockopt(ch.c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
		atomic_store(&sendfile_short, 0);
		readc_one(&ch, &q, q.range_len, 1);
		nshort = atomic_load(&sendfile_short);
		fprintf(stderr, "readc: 4 MiB range, %d short sendfile calls\n",
			nshort);
		CHECK(nshort >= 16);
		conn_close(ch.c, "test: done");
	}
	ev_loop_destroy(ch.loop);
}

/*
 * conn_reply_threadsafe_file end to end: a small reply dispatched in
 * place, 1 MiB into the sink or (one byte short of room) a buffer of the
 * conn's, 4 MiB sent in many pieces; a file shorter than the range or
 * unreadable sends zeros on the same conn, which goes on; head-checksum
 * replies not asked for close the conn; each file is closed once sent,
 * or once the conn it was meant for is gone.
 */
static void test_readc(uint16_t port)
{
	const struct readc_req mib = { .off = 4096 + 123, .file_len = 1 << 20,
				       .range_len = 1 << 20, .k = 16 };
	const struct readc_req small = { .off = 5, .file_len = 1000,
					 .range_len = 1000, .k = 2 };
	struct readc_chan ch = { 0 };
	struct srv one;
	uint64_t echo = 0;
	int closes;

	CHECK_EQ(rpc_client_create("127.0.0.1", port, 2000, NULL, 0, &ch.rc),
		 0);
	readc_one(&ch, &small, 4096, -1);
	readc_one(&ch, &mib, 1 << 20, 1);
	readc_one(&ch, &mib, (1 << 20) - 1, 0);

	/* Short or unreadable files: zeros, and the conn stays (no close on
	 * the server's side, the next call on it answered; no other conn of
	 * the server opens or closes meanwhile). */
	closes = atomic_load(&srv_closes);
	readc_one(&ch,
		  &(struct readc_req){ .off = 100, .file_len = 100000,
				       .range_len = 256 << 10, .k = 4 },
		  256 << 10, 1);
	readc_one(&ch,
		  &(struct readc_req){ .file_len = 500, .range_len = 2000,
				       .k = 1 },
		  4096, -1);
	readc_one(&ch, &(struct readc_req){ .range_len = 70000, .k = 1 },
		  70000, 1);
	readc_one(&ch,
		  &(struct readc_req){ .file_len = 64 << 10,
				       .range_len = 64 << 10, .k = 8,
				       .flags = READC_F_WRONLY },
		  64 << 10, 1);
	readc_one(&ch, &mib, 1 << 20, 1);
	CHECK_EQ(ping(ch.rc, 77, 5000, &echo), 0);
	CHECK_EQ(echo, 77);
	CHECK_EQ(atomic_load(&srv_closes), closes);

	readc_unasked(ch.rc, &small, 0);
	readc_unasked(ch.rc, &small, 1);
	readc_unasked(ch.rc, &mib, 0);
	readc_unasked(ch.rc, &mib, 1);
	readc_unasked(ch.rc,
		      &(struct readc_req){ .file_len = 100, .range_len = 100,
					   .k = 2 },
		      2);
	/* past the conn's read buffer: a payload buffer of its own, whose
	 * end a check over skip bytes would overrun (ASan) */
	readc_unasked(ch.rc,
		      &(struct readc_req){ .file_len = 50000,
					   .range_len = 50000, .k = 2 },
		      2);
	readc_one(&ch, &mib, 1 << 20, 1);
	rpc_client_destroy(ch.rc);

	readc_slow(port);
	test_readc_gone(port, 0);
	CHECK_EQ(srv_start(&one, 0, 1, 0, 0), 0);
	test_readc_gone(one.port, -ENOTCONN);
	srv_stop(&one);
	test_head_corrupt();
}

/* A conn to ip, whose listener is a raw socket on the wildcard address
 * of family fam (nothing accepts: the kernel completes the handshake). */
static void same_host_at(struct ev_loop *loop, int fam, const char *ip)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)fam };
	socklen_t sl = fam == AF_INET ? sizeof(struct sockaddr_in) :
					 sizeof(struct sockaddr_in6);
	int lfd = socket(fam, SOCK_STREAM, 0);
	struct conn *c = NULL;
	uint16_t port;

	if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, sl) ||
	    listen(lfd, 4) || getsockname(lfd, (struct sockaddr *)&ss, &sl)) {
		fprintf(stderr, "same host %s: skipped (%s)\n", ip,
			strerror(errno));
		goto out;
	}
	port = ntohs(fam == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
				      ((struct sockaddr_in6 *)&ss)->sin6_port);
	if (conn_connect(loop, ip, port, 2000, NULL, &c)) {
		fprintf(stderr, "same host %s: skipped (no connect)\n", ip);
		goto out;
	}
	CHECK_EQ(conn_same_host(c), 1);
	conn_close(c, "test: done");
out:
	if (lfd >= 0)
		close(lfd);
}

/* conn_same_host on both sides of a 127.0.0.1 conn (0 while ours is
 * still connecting), over ::1 and to our own non-loopback address. */
static void test_same_host(struct rpc_client *rc, uint16_t port)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct ooo o = { 0 };
	struct ooo_req r = { .o = &o, .v = PING(MODE_NOW, 3) };
	struct ifaddrs *ifs = NULL;
	struct conn *c = NULL;
	uint64_t echo = 0;
	uint8_t pay[8];

	CHECK_EQ(ping(rc, PING(MODE_HOST, 0), 5000, &echo), 0);
	CHECK_EQ(echo, 1); /* the server's side */

	CHECK_EQ(conn_connect_async(loop, "127.0.0.1", port, 2000, NULL, &c),
		 0);
	if (c) {
		CHECK_EQ(conn_same_host(c), 0);
		le64_store(pay, r.v);
		CHECK_EQ(conn_request(c, PROTO_OP_PING, pay, 8, 5000, ooo_done,
				      &r),
			 0);
		while (!o.n)
			ev_run(loop, EVRUN_ONCE);
		CHECK_EQ(o.bad, 0);
		CHECK_EQ(conn_same_host(c), 1);
		conn_close(c, "test: done");
	}
	c = NULL;
	CHECK_EQ(conn_connect(loop, "127.0.0.1", port, 2000, NULL, &c), 0);
	if (c) {
		CHECK_EQ(conn_same_host(c), 1);
		conn_close(c, "test: done");
	}

	same_host_at(loop, AF_INET6, "::1");
	if (!getifaddrs(&ifs)) {
		for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
			char ip[INET_ADDRSTRLEN];

			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
			    (i->ifa_flags & IFF_LOOPBACK) ||
			    !(i->ifa_flags & IFF_UP))
				continue;
			inet_ntop(AF_INET,
				  &((struct sockaddr_in *)(void *)i->ifa_addr)
					   ->sin_addr,
				  ip, sizeof(ip));
			same_host_at(loop, AF_INET, ip);
			break;
		}
		freeifaddrs(ifs);
	}
	ev_loop_destroy(loop);
}

static uint16_t unused_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &len);
	close(fd);
	return ntohs(sa.sin_port);
}

static void test_dead_server(void)
{
	struct rpc_client *rc = NULL;
	double t0 = now_s();

	CHECK_EQ(rpc_client_create("127.0.0.1", unused_port(), 2000, NULL, 0,
				   &rc),
		 0);
	CHECK_EQ(ping(rc, 1, 5000, NULL), -ECONNREFUSED);
	CHECK_EQ(ping(rc, 2, 5000, NULL), -ECONNREFUSED); /* not -ETIMEDOUT */
	fprintf(stderr, "dead server: 2 calls failed in %.3f s\n", now_s() - t0);
	rpc_client_destroy(rc);
}

/* max_conns refuses the extra socket; the idle timeout closes silent ones. */
static void test_limits(void)
{
	struct srv s;
	int c1, c2, c3, c4, c5;

	CHECK_EQ(srv_start(&s, 0, 1, 2, 1500), 0);
	c1 = raw_connect(s.port);
	c2 = raw_connect(s.port);
	CHECK(raw_ping_ok(c1));
	CHECK(raw_ping_ok(c2));
	c3 = raw_connect(s.port);
	CHECK(raw_sees_close(c3));
	close(c3);
	close(c1);
	/* The server notices c1's close at its own pace: retry a little. */
	for (int i = 0; i < 50; i++) {
		c4 = raw_connect(s.port);
		if (raw_ping_ok(c4))
			break;
		close(c4);
		c4 = -1;
		usleep(20000);
	}
	CHECK(c4 >= 0);
	close(c2);
	close(c4);
	usleep(100000);
	c5 = raw_connect(s.port); /* says nothing: closed after 1.5 s */
	CHECK(raw_sees_close(c5));
	close(c5);
	srv_stop(&s);
}

static int highest_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int max = 2;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (atoi(e->d_name) > max)
			max = atoi(e->d_name);
	closedir(d);
	return max;
}

/*
 * accept() failing with EMFILE: the listener pauses instead of spinning,
 * and the waiting connection is served once descriptors are free again.
 */
static void test_emfile(void)
{
	struct rlimit old, lim;
	int fillers[256], nfill = 0, fd, top;
	struct srv s;

	CHECK_EQ(srv_start(&s, 0, 1, 0, 0), 0);
	top = highest_fd();
	if (top < 0 || getrlimit(RLIMIT_NOFILE, &old)) {
		fprintf(stderr, "emfile: skipped\n");
		srv_stop(&s);
		return;
	}
	lim = old;
	lim.rlim_cur = (rlim_t)top + 1;
	setrlimit(RLIMIT_NOFILE, &lim);
	while (nfill < 256 && (fd = open("/dev/null", O_RDONLY)) >= 0)
		fillers[nfill++] = fd;
	if (nfill)
		close(fillers[--nfill]); /* room for our socket, none for accept */
	fd = raw_connect(s.port);
	CHECK(fd >= 0);
	usleep(300000); /* the server meets EMFILE and backs off */
	setrlimit(RLIMIT_NOFILE, &old);
	while (nfill)
		close(fillers[--nfill]);
	CHECK(fd >= 0 && raw_ping_ok(fd));
	close(fd);
	srv_stop(&s);
}

int main(void)
{
	struct rpc_client *rc = NULL;
	struct srv s;
	uint8_t hello[64];
	uint16_t port;
	int fd, err;

	log_init("test_conn", LOG_NOTICE, NULL);
	pthread_create(&worker.tid, NULL, worker_main, NULL);

	CHECK_EQ(srv_start(&s, 0, 3, 0, 0), 0);
	port = s.port;
	CHECK_EQ(rpc_client_create("127.0.0.1", port, 2000, hello,
				   (size_t)make_hello("testfs", hello,
						      sizeof(hello)),
				   &rc),
		 0);
	test_pipelined(rc);
	srv_port_for_async = port;
	test_async(rc);
	test_shared_loop(port);
	test_threadsafe_and_eopnotsupp(rc);
	test_big(rc);
	test_steal(rc);
	test_sink(rc);
	test_readc(port);
	test_same_host(rc, port);
	test_borrow(0);
	test_borrow(1);
	test_out_of_order(port);
	test_late_prepare(port);
	test_bad_input(port, rc);
	test_backpressure(port, rc);
	test_timeout(rc);
	test_hello(rc, port);
	test_dead_server();
	test_limits();
	test_emfile();

	/* Stop with conns open (rpc_client's and a raw one), then restart on
	 * the same port: the client reconnects by itself. */
	while (atomic_load(&deferred_live))
		usleep(10000);
	fd = raw_connect(port);
	CHECK(raw_ping_ok(fd));
	srv_stop(&s);
	CHECK(raw_sees_close(fd));
	close(fd);
	err = ping(rc, 8, 2000, NULL);
	CHECK(err == -ECONNRESET || err == -ECONNREFUSED);
	CHECK_EQ(srv_start(&s, port, 2, 0, 0), 0);
	CHECK_EQ(ping(rc, 9, 2000, NULL), 0);
	rpc_client_destroy(rc);
	srv_stop(&s);

	pthread_mutex_lock(&worker.mu);
	worker.stop = 1;
	pthread_cond_signal(&worker.cond);
	pthread_mutex_unlock(&worker.mu);
	pthread_join(worker.tid, NULL);

	if (failures) {
		fprintf(stderr, "test_conn: %d failures\n", failures);
		return 1;
	}
	fprintf(stderr, "test_conn: ok\n");
	return 0;
}
