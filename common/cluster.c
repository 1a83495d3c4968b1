/*
 * cluster.c - connecting to a file system and tracking its OST map
 * (cluster.h).
 *
 * OST RPC clients are created lazily, so a tool that only asks the MDS
 * opens no OSS connection. When a refresh changes an OST's address, its old
 * client is retired rather than destroyed, because another thread may hold
 * it mid-call; retired clients are destroyed with the cluster.
 */
#include "common/cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/net.h"

#define CLUSTER_MDS_PORT 988

int cluster_hello_encode(uint8_t role, uint32_t id, const char *fsname,
			 const char *host, uint16_t port, uint8_t **buf,
			 size_t *len)
{
	struct msg_hello h = {
		.proto_version = PROTO_VERSION,
		.role = role,
		.id = id,
		.fsname = fsname,
		.fsname_len = (uint16_t)strlen(fsname),
		.host = host ? host : "",
		.host_len = host ? (uint16_t)strlen(host) : 0,
		.port = port,
	};
	ssize_t n;

	if (strlen(fsname) > PROTO_FSNAME_MAX ||
	    (host && strlen(host) > PROTO_HOST_MAX))
		return -EINVAL;
	*len = msg_hello_encoded_len(&h);
	*buf = malloc(*len);
	if (!*buf)
		return -ENOMEM;
	n = msg_hello_encode(&h, *buf, *len);
	if (n < 0) {
		free(*buf);
		*buf = NULL;
		return (int)n;
	}
	return 0;
}

/* Replace cl's map with the one in a HELLO reply. Caller holds cl->lock. */
static int cluster_apply_hello(struct cluster *cl, const uint8_t *buf,
			       size_t len)
{
	struct msg_ost_entry *wire = NULL;
	struct cluster_ost *osts = NULL;
	struct msg_hello r = { 0 };
	struct cursor cur;
	int rc = -EBADMSG;

	wire = calloc(PROTO_MAX_OSTS, sizeof(*wire));
	if (!wire)
		return -ENOMEM;
	r.osts = wire;
	r.ost_cap = PROTO_MAX_OSTS;
	cursor_init(&cur, buf, len);
	if (msg_hello_decode(&cur, &r) || !r.has_config ||
	    r.role != PROTO_ROLE_MDS)
		goto out;
	rc = -ENOMEM;
	if (r.ost_count) {
		osts = calloc(r.ost_count, sizeof(*osts));
		if (!osts)
			goto out;
	}
	for (uint32_t i = 0; i < r.ost_count; i++) {
		struct cluster_ost *o = &osts[i];

		o->ost_idx = wire[i].ost_idx;
		o->state = wire[i].state;
		memcpy(o->host, wire[i].host, wire[i].host_len);
		o->host[wire[i].host_len] = '\0';
		o->port = wire[i].port;
		/* Keep the client of an OST that did not move. */
		for (uint32_t j = 0; j < cl->nosts; j++) {
			struct cluster_ost *old = &cl->osts[j];

			if (old->ost_idx == o->ost_idx && old->rpc &&
			    old->port == o->port && !strcmp(old->host, o->host)) {
				o->rpc = old->rpc;
				old->rpc = NULL;
			}
		}
	}
	/* Clients of OSTs that moved or vanished may be in use by another
	 * thread right now: retire them until cluster_destroy. */
	for (uint32_t j = 0; j < cl->nosts; j++) {
		if (cl->osts[j].rpc) {
			struct rpc_client **ret;

			ret = realloc(cl->retired, (cl->nretired + 1) * sizeof(*ret));
			if (!ret)
				goto out;
			cl->retired = ret;
			cl->retired[cl->nretired++] = cl->osts[j].rpc;
			cl->osts[j].rpc = NULL;
		}
	}
	free(cl->osts);
	cl->osts = osts;
	osts = NULL;
	cl->nosts = r.ost_count;
	cl->map_version = r.map_version;
	cl->stripe_size = r.stripe_size;
	cl->stripe_count = r.stripe_count;
	cl->deployment = r.deployment;
	rc = 0;
out:
	free(osts);
	free(wire);
	return rc;
}

int cluster_refresh(struct cluster *cl)
{
	uint8_t *reply = NULL;
	size_t reply_len = 0;
	int rc;

	rc = rpc_call(cl->mds, PROTO_OP_HELLO, cl->hello, cl->hello_len,
		      cl->timeout_ms, &reply, &reply_len);
	if (rc == 0) {
		pthread_mutex_lock(&cl->lock);
		rc = cluster_apply_hello(cl, reply, reply_len);
		pthread_mutex_unlock(&cl->lock);
	}
	free(reply);
	return rc;
}

int cluster_connect(const char *addr, const char *fsname, uint8_t role,
		    uint32_t timeout_ms, struct cluster **out)
{
	struct cluster *cl;
	char host[PROTO_HOST_MAX + 1];
	uint16_t port;
	int rc;

	rc = net_parse_hostport(addr, CLUSTER_MDS_PORT, host, sizeof(host),
				&port);
	if (rc)
		return rc;
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	pthread_mutex_init(&cl->lock, NULL);
	snprintf(cl->fsname, sizeof(cl->fsname), "%s", fsname);
	cl->role = role;
	cl->timeout_ms = timeout_ms;
	rc = cluster_hello_encode(role, 0, fsname, NULL, 0, &cl->hello,
				  &cl->hello_len);
	if (rc)
		goto err;
	rc = rpc_client_create(host, port, timeout_ms, cl->hello, cl->hello_len,
			       &cl->mds);
	if (rc)
		goto err;
	rc = cluster_refresh(cl);
	if (rc)
		goto err;
	*out = cl;
	return 0;
err:
	cluster_destroy(cl);
	return rc;
}

/* The loop thread of OST ost_idx's client, created if needed, or NULL.
 * Under cl->lock; loops live until cluster_destroy. */
static struct rpc_loop *cluster_oss_loop(struct cluster *cl, uint32_t ost_idx)
{
	struct rpc_loop **lp;

	if (!cl->noss_loops) {
		long n = sysconf(_SC_NPROCESSORS_ONLN) / 2;

		cl->noss_loops = n < 1 ? 1 :
				 n > CLUSTER_OSS_LOOPS_MAX ?
					 CLUSTER_OSS_LOOPS_MAX :
					 (unsigned)n;
	}
	lp = &cl->oss_loops[ost_idx % cl->noss_loops];
	if (!*lp && rpc_loop_create(lp))
		*lp = NULL;
	return *lp;
}

/* OST ost_idx's entry, or NULL. Under cl->lock. */
static struct cluster_ost *cluster_find_ost(struct cluster *cl,
					    uint32_t ost_idx)
{
	for (uint32_t i = 0; i < cl->nosts; i++)
		if (cl->osts[i].ost_idx == ost_idx)
			return &cl->osts[i];
	return NULL;
}

struct rpc_client *cluster_ost_rpc(struct cluster *cl, uint32_t ost_idx)
{
	struct rpc_client *rpc = NULL, *made = NULL;
	struct rpc_loop *lp = NULL;
	char host[PROTO_HOST_MAX + 1];
	struct cluster_ost *o;
	uint16_t port = 0;

	pthread_mutex_lock(&cl->lock);
	o = cluster_find_ost(cl, ost_idx);
	if (o && o->rpc) {
		rpc = o->rpc;
	} else if (o) {
		lp = cluster_oss_loop(cl, ost_idx);
		snprintf(host, sizeof(host), "%s", o->host);
		port = o->port;
	}
	pthread_mutex_unlock(&cl->lock);
	if (rpc || !lp)
		return rpc;
	/* Made outside the lock: creating a client waits for its loop
	 * thread, which runs the reply callbacks of the other OSTs' clients
	 * too. Another thread may have made one meanwhile, or a refresh
	 * moved the OST: then ours goes. */
	if (rpc_client_create_on(lp, host, port, cl->timeout_ms, cl->hello,
				 cl->hello_len, &made))
		made = NULL;
	pthread_mutex_lock(&cl->lock);
	o = cluster_find_ost(cl, ost_idx);
	if (o && !o->rpc && made && o->port == port &&
	    strcmp(o->host, host) == 0) {
		o->rpc = made;
		made = NULL;
	}
	rpc = o ? o->rpc : NULL;
	pthread_mutex_unlock(&cl->lock);
	rpc_client_destroy(made);
	return rpc;
}

void cluster_destroy(struct cluster *cl)
{
	if (!cl)
		return;
	for (uint32_t i = 0; i < cl->nosts; i++)
		if (cl->osts[i].rpc)
			rpc_client_destroy(cl->osts[i].rpc);
	for (size_t i = 0; i < cl->nretired; i++)
		rpc_client_destroy(cl->retired[i]);
	for (unsigned i = 0; i < CLUSTER_OSS_LOOPS_MAX; i++)
		rpc_loop_put(cl->oss_loops[i]);
	if (cl->mds)
		rpc_client_destroy(cl->mds);
	free(cl->retired);
	free(cl->osts);
	free(cl->hello);
	pthread_mutex_destroy(&cl->lock);
	free(cl);
}
