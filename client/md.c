/*
 * md.c - metadata RPCs of the client (client_i.h).
 *
 * Every metadata request carries the cred of the process that made the
 * system call: uid and gid from fuse_req_ctx, supplementary groups from
 * fuse_req_getgroups (read from /proc; capped at PROTO_MAX_GROUPS). The
 * kernel checks modes itself (default_permissions), the MDS checks again
 * with the same cred, so both agree and a client cannot be talked past.
 *
 * Reading the groups costs a read of /proc/PID/task/TID/status (the kernel
 * formats the whole file) per request, the largest CPU cost of a metadata
 * call on the client. It is skipped where the MDS never looks at them:
 * for uid 0 (root passes every mode check and keeps setgid bits: the MDS
 * tests uid == 0 before any group), and for GETATTR and CLOSE, whose
 * handlers use no groups (CLOSE's kill-priv looks at the uid only).
 *
 * Directory attributes: the kernel forgets a directory's attributes after
 * every create, remove and rename in it, and with default_permissions asks
 * for them (GETATTR) before the next operation there: one more MDS round
 * trip per create or unlink. The MDS appends the changed directories'
 * new attributes to those replies (dir_attrs, msg_fs.h); md_call_entry and
 * md_call_dirs keep them in the directory's cinode with their arrival
 * time, and md_dir_attr_get answers the GETATTR from them while they are
 * younger than attr_timeout. That is no staler than the kernel's own
 * attribute cache may be (attributes from the MDS, at most attr_timeout
 * old), and another mount sees the change at once from the MDS. A newer
 * copy (by ctime) replaces an older one, so replies of concurrent
 * operations handled out of order keep the latest state. The copy is
 * dropped when fresher attributes of the directory pass to the kernel
 * (its LOOKUP or GETATTR from the MDS: the copy must never take the
 * kernel back to an older state) and by this client's own SETATTR,
 * SETXATTR and REMOVEXATTR of it. So only a GETATTR that follows one of
 * this client's own changes is answered from the copy.
 *
 * LOOKUP, UNLINK and RMDIR do not wait (md_call_entry_async,
 * md_call_dirs_async): the FUSE thread sends them and goes back to the
 * kernel, and the reply is decoded and answered on the MDS client's loop
 * thread, which saves waking the FUSE thread for it. mount.c drains
 * these calls (md_async_drain) before the FUSE session goes away; each
 * ends by its reply or its timeout.
 *
 * Errors: the MDS's statuses are passed to the kernel as they are. A
 * local failure (timeout, lost or refused connection, a reply that does
 * not decode) becomes -EIO: the application sees an I/O error, never a
 * hang; the RPC client reconnects on the next call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client_i.h"
#include "common/log.h"

/* uid and gid only: for the requests whose handlers use no groups. */
static void md_cred_ids(fuse_req_t req, struct msg_cred *cred)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	memset(cred, 0, sizeof(*cred));
	cred->uid = ctx->uid;
	cred->gid = ctx->gid;
}

void md_cred(fuse_req_t req, struct msg_cred *cred)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	gid_t groups[PROTO_MAX_GROUPS];
	int n;

	md_cred_ids(req, cred);
	if (!ctx->pid)
		return; /* a kernel-internal request: no process to ask */
	if (!ctx->uid)
		return; /* root: the MDS never consults its groups */
	n = fuse_req_getgroups(req, PROTO_MAX_GROUPS, groups);
	if (n <= 0)
		return;
	if (n > PROTO_MAX_GROUPS)
		n = PROTO_MAX_GROUPS; /* more than the protocol carries */
	for (int i = 0; i < n; i++)
		cred->groups[i] = groups[i];
	cred->ngroups = (uint16_t)n;
}

int md_errno(int rc)
{
	switch (rc) {
	case -ETIMEDOUT:
	case -ECONNREFUSED:
	case -ECONNRESET:
	case -ECANCELED:
	case -EHOSTUNREACH:
	case -ENETUNREACH:
	case -ENOTCONN:
	case -EPIPE:
	case -EBADMSG:
	case -EPROTO:
		return -EIO;
	default:
		return rc;
	}
}

/* Encode m for opcode into *buf (malloc'd): its length, or -errno. */
static ssize_t md_encode(uint16_t opcode, const struct msg_md_req *m,
			 uint8_t **buf)
{
	size_t len = msg_md_req_encoded_len(opcode, m);
	ssize_t n;

	*buf = malloc(len ? len : 1);
	if (!*buf)
		return -ENOMEM;
	n = msg_md_req_encode(opcode, m, *buf, len);
	if (n < 0) {
		/* Refused by the encoder: a name or value over its cap. */
		free(*buf);
		*buf = NULL;
		return n == -EMSGSIZE ? -ENAMETOOLONG : n;
	}
	return n;
}

/* A call's status as the kernel gets it: transport failures logged and
 * turned into -EIO. */
static int md_status(uint16_t opcode, int rc)
{
	if (rc == -ETIMEDOUT || rc == -ECONNREFUSED || rc == -ECONNRESET)
		LOG_RATELIMITED(LOG_WARNING, "md", "op=%s: MDS: %s",
				proto_op_lookup(opcode)->name, strerror(-rc));
	return md_errno(rc);
}

int md_call(struct client *c, uint16_t opcode, const struct msg_md_req *m,
	    uint8_t **reply, size_t *reply_len)
{
	uint8_t *buf;
	ssize_t n;
	int rc;

	if (reply)
		*reply = NULL;
	if (reply_len)
		*reply_len = 0;
	n = md_encode(opcode, m, &buf);
	if (n < 0)
		return (int)n;
	rc = rpc_call(c->cl->mds, opcode, buf, (size_t)n, c->timeout_ms, reply,
		      reply_len);
	free(buf);
	return md_status(opcode, rc);
}

static uint64_t md_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* a is at or after b */
static int md_time_ge(const struct msg_time *a, const struct msg_time *b)
{
	return a->sec > b->sec || (a->sec == b->sec && a->nsec >= b->nsec);
}

/* Keep a directory's attributes from a reply's dir_attrs if they are
 * newer than those kept. */
static void md_dir_attr_note(struct cinode *ci, const struct msg_attr *a)
{
	pthread_mutex_lock(&ci->mu);
	if (!ci->dir_attr_ns || md_time_ge(&a->ctime, &ci->dir_attr.ctime)) {
		ci->dir_attr = *a;
		ci->dir_attr_ns = md_now_ns();
	}
	pthread_mutex_unlock(&ci->mu);
}

/* Keep the dir_attrs at cur (md_dir_attr_get). One that does not decode
 * is ignored: the kernel then asks the MDS, as without it. */
static void md_dirs_take(struct client *c, uint16_t opcode,
			 struct cursor *cur)
{
	struct msg_dir_attrs da;

	if (msg_dir_attrs_decode(cur, &da)) {
		LOG_RATELIMITED(LOG_WARNING, "md",
				"op=%s: bad directory attributes in reply",
				proto_op_lookup(opcode)->name);
		return;
	}
	for (uint32_t i = 0; i < da.count; i++) {
		struct cinode *ci = inode_get(c, da.attr[i].ino);

		if (!ci)
			continue;
		md_dir_attr_note(ci, &da.attr[i]);
		inode_put(c, ci);
	}
}

/* md_dirs_take of a whole reply that carries nothing before them. */
static void md_dirs_take_reply(struct client *c, uint16_t opcode,
			       const uint8_t *reply, size_t len)
{
	struct cursor cur;

	cursor_init(&cur, reply, len);
	md_dirs_take(c, opcode, &cur);
}

int md_call_dirs(struct client *c, uint16_t opcode,
		 const struct msg_md_req *m)
{
	uint8_t *reply = NULL;
	size_t len = 0;
	int rc;

	rc = md_call(c, opcode, m, &reply, &len);
	if (!rc)
		md_dirs_take_reply(c, opcode, reply, len);
	free(reply);
	return rc;
}

int md_dir_attr_get(struct client *c, struct cinode *ci, struct stat *st,
		    double *timeout)
{
	uint64_t ttl_ns = (uint64_t)(c->cfg->attr_timeout * 1e9), age;
	const struct msg_attr *a = &ci->dir_attr;
	int rc = 0;

	pthread_mutex_lock(&ci->mu);
	if (!ci->dir_attr_ns)
		goto out;
	age = md_now_ns() - ci->dir_attr_ns;
	if (age >= ttl_ns) {
		ci->dir_attr_ns = 0;
		goto out;
	}
	attr_to_stat(a, st);
	*timeout = (double)(ttl_ns - age) / 1e9;
	rc = 1;
out:
	pthread_mutex_unlock(&ci->mu);
	return rc;
}

void md_dir_attr_drop(struct cinode *ci)
{
	pthread_mutex_lock(&ci->mu);
	ci->dir_attr_ns = 0;
	pthread_mutex_unlock(&ci->mu);
}

/* Decode an entry reply into e, taking the dir_attrs of the opcodes that
 * carry them. 0 or -EIO. */
static int md_entry_take(struct client *c, uint16_t opcode,
			 const uint8_t *reply, size_t len, struct msg_entry *e)
{
	struct cursor cur;

	cursor_init(&cur, reply, len);
	if (msg_entry_decode(&cur, e)) {
		LOG_RATELIMITED(LOG_WARNING, "md", "op=%s: bad entry in reply",
				proto_op_lookup(opcode)->name);
		return -EIO;
	}
	if (opcode == PROTO_OP_CREATE || opcode == PROTO_OP_MKDIR ||
	    opcode == PROTO_OP_SYMLINK || opcode == PROTO_OP_LINK)
		md_dirs_take(c, opcode, &cur);
	return 0;
}

int md_call_entry(struct client *c, uint16_t opcode,
		  const struct msg_md_req *m, struct msg_entry *e)
{
	uint8_t *reply = NULL;
	size_t len = 0;
	int rc;

	rc = md_call(c, opcode, m, &reply, &len);
	if (!rc)
		rc = md_entry_take(c, opcode, reply, len, e);
	free(reply);
	return rc;
}

/* An md_call_*_async call in flight: the request stays until the reply.
 * One of done_entry and done_status is set. */
struct md_async {
	struct client *c;
	uint16_t opcode;
	md_entry_fn done_entry;
	md_status_fn done_status;
	void *arg;
	uint8_t *buf;
};

static void md_async_reply(void *arg, int status, const uint8_t *payload,
			   size_t len)
{
	struct md_async *a = arg;
	struct client *c = a->c;
	struct msg_entry *e = NULL;
	int rc = md_status(a->opcode, status);

	if (a->done_status) {
		if (!rc)
			md_dirs_take_reply(c, a->opcode, payload, len);
		a->done_status(a->arg, rc);
	} else {
		if (!rc) {
			e = malloc(sizeof(*e));
			rc = e ? md_entry_take(c, a->opcode, payload, len, e) :
				 -ENOMEM;
		}
		a->done_entry(a->arg, rc, rc ? NULL : e);
	}
	free(e);
	free(a->buf);
	free(a);
	atomic_fetch_sub(&c->md_async, 1);
}

void md_async_drain(struct client *c)
{
	const struct timespec nap = { 0, 1000000 };

	while (atomic_load(&c->md_async)) /* each ends by its timeout */
		nanosleep(&nap, NULL);
}

static int md_async_start(struct client *c, uint16_t opcode,
			  const struct msg_md_req *m, md_entry_fn done_entry,
			  md_status_fn done_status, void *arg)
{
	struct md_async *a = malloc(sizeof(*a));
	ssize_t n;
	int rc;

	if (!a)
		return -ENOMEM;
	n = md_encode(opcode, m, &a->buf);
	if (n < 0) {
		free(a);
		return (int)n;
	}
	a->c = c;
	a->opcode = opcode;
	a->done_entry = done_entry;
	a->done_status = done_status;
	a->arg = arg;
	atomic_fetch_add(&c->md_async, 1);
	rc = rpc_call_async(c->cl->mds, opcode, a->buf, (size_t)n,
			    c->timeout_ms, md_async_reply, a);
	if (rc) {
		atomic_fetch_sub(&c->md_async, 1);
		free(a->buf);
		free(a);
		return md_errno(rc);
	}
	return 0;
}

int md_call_entry_async(struct client *c, uint16_t opcode,
			const struct msg_md_req *m, md_entry_fn done,
			void *arg)
{
	return md_async_start(c, opcode, m, done, NULL, arg);
}

int md_call_dirs_async(struct client *c, uint16_t opcode,
		       const struct msg_md_req *m, md_status_fn done,
		       void *arg)
{
	return md_async_start(c, opcode, m, NULL, done, arg);
}

int md_getattr(struct client *c, fuse_req_t req, uint64_t ino,
	       struct msg_entry *e)
{
	struct msg_md_req m;

	memset(&m, 0, sizeof(m));
	if (req)
		md_cred_ids(req, &m.cred);
	m.ino = ino;
	return md_call_entry(c, PROTO_OP_GETATTR, &m, e);
}

int md_close(struct client *c, fuse_req_t req, struct cinode *ci)
{
	struct msg_md_req m;
	struct msg_entry *e;
	uint64_t gen;
	int rc;

	memset(&m, 0, sizeof(m));
	pthread_mutex_lock(&ci->size_mu);
	pthread_mutex_lock(&ci->mu);
	if (!ci->dirty) {
		pthread_mutex_unlock(&ci->mu);
		pthread_mutex_unlock(&ci->size_mu);
		return 0;
	}
	m.ino = ci->ino;
	m.flags = PROTO_CLOSE_SIZE | PROTO_CLOSE_MTIME;
	m.size = ci->size;
	m.mtime = ci->mtime;
	gen = ci->wgen;
	pthread_mutex_unlock(&ci->mu);

	e = malloc(sizeof(*e));
	if (!e) {
		pthread_mutex_unlock(&ci->size_mu);
		return -ENOMEM;
	}
	if (req)
		md_cred_ids(req, &m.cred);
	rc = md_call_entry(c, PROTO_OP_CLOSE, &m, e);
	if (rc) {
		log_msg(LOG_WARNING, "md", "ino=%llu CLOSE size=%llu: %s",
			(unsigned long long)m.ino, (unsigned long long)m.size,
			strerror(-rc));
		goto out;
	}
	pthread_mutex_lock(&ci->mu);
	if (ci->wgen == gen)
		ci->dirty = 0;
	pthread_mutex_unlock(&ci->mu);
	inode_update_own(ci, e);
out:
	pthread_mutex_unlock(&ci->size_mu);
	free(e);
	return rc;
}
