/*
 * rpc.c - the MDS's request handlers and dispatch table.
 *
 * HELLO: checks the protocol version and file system name, registers an
 * OSS in the OST map (which starts a reconcile scan of it), and answers every peer with the file system's
 * configuration and the current OST map. PING echoes. STATFS reports the
 * MDT: the metadata store's space (its map size, capped by the free space
 * of the file system under --db) and its inode counts (ns_statfs).
 * Metadata handlers are in md_rpc.c; this file holds the table.
 *
 * A peer's role is remembered per connection (conn_set_user); operations
 * other than HELLO and PING before HELLO are refused with -EPROTO.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "common/log.h"
#include "mds/destroyer.h"
#include "mds/mds_i.h"
#include "mds/reconcile.h"
#include "proto/msg.h"

#define ROLE_NONE 0

static uintptr_t peer_role(struct conn *c)
{
	return mds_peer_role(c);
}

static int reply_hello(struct mds *m, struct conn *c,
		       const struct frame_header *h)
{
	struct msg_ost_entry *osts = NULL;
	struct msg_hello r = {
		.proto_version = PROTO_VERSION,
		.role = PROTO_ROLE_MDS,
		.fsname = m->cfg.fsname,
		.fsname_len = (uint16_t)strlen(m->cfg.fsname),
		.host = "",
		.has_config = 1,
		.stripe_size = (uint32_t)m->cfg.stripe_size,
		.stripe_count = (int32_t)m->cfg.stripe_count,
		.deployment = (uint8_t)(PROTO_DEPLOY_SCRATCH + m->cfg.deployment),
		.map_version = m->osts.version,
	};
	uint8_t *buf = NULL;
	ssize_t n;
	int rc = -ENOMEM;

	if (m->osts.count) {
		osts = calloc(m->osts.count, sizeof(*osts));
		if (!osts)
			goto out;
	}
	r.ost_count = ost_map_export(&m->osts, osts, m->osts.count);
	r.osts = osts;
	buf = malloc(msg_hello_encoded_len(&r));
	if (!buf)
		goto out;
	n = msg_hello_encode(&r, buf, msg_hello_encoded_len(&r));
	rc = n < 0 ? (int)n : conn_reply(c, h, 0, buf, (size_t)n);
out:
	free(buf);
	free(osts);
	return rc;
}

static int mds_hello(struct conn *c, const struct frame_header *h,
		     const uint8_t *payload, size_t len)
{
	struct mds *m = conn_ctx(c);
	struct msg_hello req = { 0 };
	char host[PROTO_HOST_MAX + 1];
	struct cursor cur;
	int rc;

	cursor_init(&cur, payload, len);
	if (msg_hello_decode(&cur, &req)) {
		LOG_RATELIMITED(LOG_NOTICE, "rpc", "peer=%s malformed HELLO",
				conn_peer(c));
		return CONN_CLOSE;
	}
	if (req.proto_version != PROTO_VERSION)
		return conn_reply_error(c, h, -EPROTO,
					"unsupported protocol version");
	if (req.fsname_len != strlen(m->cfg.fsname) ||
	    memcmp(req.fsname, m->cfg.fsname, req.fsname_len)) {
		LOG_RATELIMITED(LOG_WARNING, "rpc",
				"peer=%s HELLO for file system '%.*s', this is '%s'",
				conn_peer(c), (int)req.fsname_len, req.fsname,
				m->cfg.fsname);
		return conn_reply_error(c, h, -ENODEV, "no such file system");
	}
	if (req.role == PROTO_ROLE_OSS) {
		if (req.host_len) {
			memcpy(host, req.host, req.host_len);
			host[req.host_len] = '\0';
		} else {
			/* No advertised address: use the one it came from. */
			const char *peer = conn_peer(c);
			const char *colon = strrchr(peer, ':');
			size_t n = colon ? (size_t)(colon - peer) : strlen(peer);

			if (n > PROTO_HOST_MAX)
				n = PROTO_HOST_MAX;
			memcpy(host, peer, n);
			host[n] = '\0';
		}
		rc = ost_map_register(&m->osts, req.id, host, req.port, c);
		if (rc == -EEXIST)
			return conn_reply_error(c, h, rc,
						"OST index already registered");
		if (rc)
			return conn_reply_error(c, h, rc, "cannot register OST");
		destroyer_kick(m->destroyer); /* its queued destroys can go */
		reconcile_ost_up(m->reconciler, req.id); /* crash leftovers? */
	}
	conn_set_user(c, (void *)(uintptr_t)req.role);
	return reply_hello(m, c, h);
}

static int mds_ping(struct conn *c, const struct frame_header *h,
		    const uint8_t *payload, size_t len)
{
	struct msg_ping p;
	struct cursor cur;

	cursor_init(&cur, payload, len);
	if (msg_ping_decode(&cur, &p))
		return CONN_CLOSE;
	return conn_reply(c, h, 0, payload, 8);
}

static int mds_statfs(struct conn *c, const struct frame_header *h,
		      const uint8_t *payload, size_t len)
{
	struct mds *m = conn_ctx(c);
	struct msg_statfs s = { .target = PROTO_TARGET_MDT };
	struct store_txn *txn = NULL;
	struct ns_statfs nsf;
	uint64_t used, total, avail;
	uint8_t buf[64];
	struct statvfs sv;
	ssize_t n;
	int rc;

	if (peer_role(c) == ROLE_NONE)
		return conn_reply_error(c, h, -EPROTO, "HELLO first");
	if (statvfs(m->cfg.db, &sv))
		return -errno;
	rc = store_space(m->st, &used, &total);
	if (rc)
		return rc;
	rc = store_txn_begin(m->st, NULL, true, &txn);
	if (rc)
		return rc;
	rc = ns_statfs(m->ns, txn, &nsf);
	store_txn_abort(txn);
	if (rc)
		return rc;
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	s.bytes_total = total;
	s.bytes_used = used < total ? used : total;
	s.bytes_avail = total - s.bytes_used;
	if (s.bytes_avail > avail)
		s.bytes_avail = avail;
	s.files_total = nsf.files;
	s.files_used = nsf.files - nsf.ffree;
	n = msg_statfs_encode(&s, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return conn_reply(c, h, 0, buf, (size_t)n);
}

static void mds_conn_closed(struct conn *c)
{
	struct mds *m = conn_ctx(c);

	if (peer_role(c) == PROTO_ROLE_OSS)
		ost_map_conn_closed(&m->osts, c);
	mds_md_conn_closed(m, c);
}

void mds_rpc_handlers(struct mds *m, struct conn_handlers *h)
{
	memset(h, 0, sizeof(*h));
	h->ctx = m;
	h->on_close = mds_conn_closed;
	h->fn[PROTO_OP_HELLO] = mds_hello;
	h->fn[PROTO_OP_PING] = mds_ping;
	h->fn[PROTO_OP_STATFS] = mds_statfs;
	mds_md_handlers(h);
}
