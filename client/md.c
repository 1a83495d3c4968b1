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
 * Errors: the MDS's statuses are passed to the kernel as they are. A
 * local failure (timeout, lost or refused connection, a reply that does
 * not decode) becomes -EIO: the application sees an I/O error, never a
 * hang; the RPC client reconnects on the next call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

int md_call(struct client *c, uint16_t opcode, const struct msg_md_req *m,
	    uint8_t **reply, size_t *reply_len)
{
	size_t len = msg_md_req_encoded_len(opcode, m);
	uint8_t *buf = malloc(len ? len : 1);
	ssize_t n;
	int rc;

	if (reply)
		*reply = NULL;
	if (reply_len)
		*reply_len = 0;
	if (!buf)
		return -ENOMEM;
	n = msg_md_req_encode(opcode, m, buf, len);
	if (n < 0) {
		/* Refused by the encoder: a name or value over its cap. */
		rc = n == -EMSGSIZE ? -ENAMETOOLONG : (int)n;
		goto out;
	}
	rc = rpc_call(c->cl->mds, opcode, buf, (size_t)n, c->timeout_ms, reply,
		      reply_len);
	if (rc == -ETIMEDOUT || rc == -ECONNREFUSED || rc == -ECONNRESET)
		LOG_RATELIMITED(LOG_WARNING, "md", "op=%s: MDS: %s",
				proto_op_lookup(opcode)->name, strerror(-rc));
	rc = md_errno(rc);
out:
	free(buf);
	return rc;
}

int md_call_entry(struct client *c, uint16_t opcode,
		  const struct msg_md_req *m, struct msg_entry *e)
{
	uint8_t *reply = NULL;
	size_t len = 0;
	struct cursor cur;
	int rc;

	rc = md_call(c, opcode, m, &reply, &len);
	if (rc)
		goto out;
	cursor_init(&cur, reply, len);
	if (msg_entry_decode(&cur, e)) {
		LOG_RATELIMITED(LOG_WARNING, "md", "op=%s: bad entry in reply",
				proto_op_lookup(opcode)->name);
		rc = -EIO;
	}
out:
	free(reply);
	return rc;
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
	pthread_mutex_lock(&ci->mu);
	if (!ci->dirty) {
		pthread_mutex_unlock(&ci->mu);
		return 0;
	}
	m.ino = ci->ino;
	m.flags = PROTO_CLOSE_SIZE | PROTO_CLOSE_MTIME;
	m.size = ci->size;
	m.mtime = ci->mtime;
	gen = ci->wgen;
	pthread_mutex_unlock(&ci->mu);

	e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
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
	inode_update(ci, e);
out:
	free(e);
	return rc;
}
