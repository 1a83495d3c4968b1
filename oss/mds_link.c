/*
 * mds_link.c - keeps this OST registered with the MDS (oss_i.h).
 *
 * A thread of its own with an rpc_client to the MDS whose HELLO payload
 * carries role OSS, the OST index and the advertised address. The client
 * (re)connects on demand and sends that HELLO first on every new
 * connection, so a PING each second is enough to register at start, to
 * notice the MDS going away, and to re-register when it comes back (or
 * restarts with an empty map). The MDS marks the OST DOWN when the
 * connection closes. Each PING carries the OST's usage report (STATFS
 * numbers, proto/msg.h), so the MDS's idea of the free space, by which it
 * skips full OSTs when placing new files, is at most a second old.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cluster.h"
#include "common/log.h"
#include "common/net.h"
#include "oss/oss_i.h"
#include "proto/msg.h"

#define MDS_LINK_PERIOD_MS  1000
#define MDS_LINK_TIMEOUT_MS 3000

struct mds_link {
	struct oss *oss;
	struct rpc_client *rpc;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stopping;	      /* guarded by lock */
	uint32_t ost_idx;
	char mds[300];	      /* for logs */
};

static void *mds_link_main(void *arg)
{
	struct mds_link *l = arg;
	int was_ok = 0;

	pthread_mutex_lock(&l->lock);
	while (!l->stopping) {
		struct timespec ts;
		struct msg_ping p = { .has_report = 1 };
		uint8_t ping[8 + MSG_STATFS_LEN], *reply = NULL;
		size_t len = 0;
		ssize_t n;
		int rc;

		pthread_mutex_unlock(&l->lock);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		p.time_ns = (uint64_t)ts.tv_sec * 1000000000u +
			    (uint64_t)ts.tv_nsec;
		oss_statfs_fill(l->oss, &p.report);
		n = msg_ping_encode(&p, ping, sizeof(ping));
		rc = n < 0 ? (int)n :
			     rpc_call(l->rpc, PROTO_OP_PING, ping, (size_t)n,
				      MDS_LINK_TIMEOUT_MS, &reply, &len);
		free(reply);
		if (rc && was_ok)
			log_msg(LOG_WARNING, "mds_link",
				"ost_idx=%u lost the MDS at %s: %s", l->ost_idx,
				l->mds, strerror(-rc));
		else if (rc)
			LOG_RATELIMITED(LOG_WARNING, "mds_link",
					"ost_idx=%u cannot register with the MDS at %s: %s",
					l->ost_idx, l->mds, strerror(-rc));
		else if (!was_ok)
			log_msg(LOG_NOTICE, "mds_link",
				"ost_idx=%u registered with the MDS at %s",
				l->ost_idx, l->mds);
		was_ok = rc == 0;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += MDS_LINK_PERIOD_MS / 1000;
		pthread_mutex_lock(&l->lock);
		while (!l->stopping &&
		       pthread_cond_timedwait(&l->cond, &l->lock, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

int mds_link_start(struct oss *o, struct mds_link **out)
{
	struct mds_link *l;
	char host[PROTO_HOST_MAX + 1];
	uint8_t *hello = NULL;
	size_t hello_len;
	uint16_t port;
	int rc;

	rc = net_parse_hostport(o->cfg.mds, 988, host, sizeof(host), &port);
	if (rc)
		return rc;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->oss = o;
	l->ost_idx = (uint32_t)o->cfg.index;
	snprintf(l->mds, sizeof(l->mds), "%s", o->cfg.mds);
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	rc = cluster_hello_encode(PROTO_ROLE_OSS, l->ost_idx, o->cfg.fsname,
				  o->advertise, o->port, &hello, &hello_len);
	if (rc)
		goto err;
	rc = rpc_client_create(host, port, MDS_LINK_TIMEOUT_MS, hello, hello_len,
			       &l->rpc);
	free(hello);
	if (rc)
		goto err;
	rc = -pthread_create(&l->thread, NULL, mds_link_main, l);
	if (rc)
		goto err_rpc;
	*out = l;
	return 0;
err_rpc:
	rpc_client_destroy(l->rpc);
err:
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
	return rc;
}

void mds_link_stop(struct mds_link *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->stopping = 1;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	rpc_client_destroy(l->rpc);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
