/*
 * cluster.h - a peer's view of a Glint file system: the MDS connection, the
 * file system's configuration and the OST map, and RPC clients to the OSSes.
 *
 * Used by everything that talks to a file system from outside the MDS: the
 * glint tool, the FUSE client, and an OSS registering itself. The view is
 * taken from the MDS's HELLO reply; cluster_refresh() sends HELLO again to
 * fetch a newer map (HELLO is idempotent for clients and tools).
 *
 * Threading: cluster_ost_rpc() and cluster_refresh() lock internally and may
 * be called from many threads; the returned rpc_client is thread-safe and
 * stays valid until cluster_destroy(). Fields of struct cluster other than
 * the OST array are set at connect time and then read-only. The OSS
 * clients share loop threads (rpc_client_create_on), one per two online
 * CPUs (OST i on loop i % n; Lustre's ptlrpcd threads are per CPU); the
 * MDS client has its own. A reply callback runs on its client's loop
 * thread. Why per two: on 2 vCPUs, a 4 KiB random read cost the client
 * 27.7-28.1 us of CPU with one loop for four OSTs, 30.3-33.6 with two,
 * 35-37 with one per OST; and one loop thread moves about 2 GiB/s of
 * reads (0.45 s of CPU per GiB, socket and FUSE copies included).
 */
#ifndef GLINT_COMMON_CLUSTER_H
#define GLINT_COMMON_CLUSTER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/conn.h"
#include "proto/msg.h"

#define CLUSTER_OSS_LOOPS_MAX 16 /* loop threads for OSS clients, at most */

struct cluster_ost {
	uint32_t ost_idx;
	uint8_t state;		   /* enum proto_ost_state */
	char host[PROTO_HOST_MAX + 1];
	uint16_t port;
	struct rpc_client *rpc;	   /* created on first use; owned */
};

struct cluster {
	struct rpc_client *mds;	   /* owned */
	char fsname[PROTO_FSNAME_MAX + 1];
	uint8_t role;		   /* enum proto_role we connected as */
	uint32_t stripe_size;	   /* file system default */
	int32_t stripe_count;	   /* file system default; -1 = all */
	uint8_t deployment;	   /* enum proto_deployment */
	uint32_t timeout_ms;	   /* default RPC timeout */
	pthread_mutex_t lock;	   /* guards the fields below */
	uint64_t map_version;
	uint32_t nosts;
	struct cluster_ost *osts;  /* sorted by ost_idx; owned */
	uint8_t *hello;		   /* our HELLO payload (for OSS clients) */
	size_t hello_len;
	struct rpc_client **retired; /* clients of moved OSTs; owned */
	size_t nretired;
	/* Loop threads of the OSS clients: OST i's is oss_loops[i %
	 * noss_loops], each created with its first client. */
	struct rpc_loop *oss_loops[CLUSTER_OSS_LOOPS_MAX];
	unsigned noss_loops;	   /* online CPUs / 2, 1..CLUSTER_OSS_LOOPS_MAX */
};

/*
 * Build a HELLO request payload. host may be NULL. *buf is malloc'd (caller
 * frees). 0 or -ENOMEM / -EINVAL (fsname or host too long).
 */
int cluster_hello_encode(uint8_t role, uint32_t id, const char *fsname,
			 const char *host, uint16_t port, uint8_t **buf,
			 size_t *len);

/*
 * Connect to the MDS at addr ("HOST[:PORT]", default port 988) as role,
 * send HELLO and take the configuration and OST map from its reply.
 * Returns 0 and *out, or -errno: -ECONNREFUSED, -ETIMEDOUT, -ENODEV (no
 * file system of that name), -EPROTO (version mismatch), -EBADMSG.
 */
int cluster_connect(const char *addr, const char *fsname, uint8_t role,
		    uint32_t timeout_ms, struct cluster **out);

/* HELLO again and replace the OST map with the MDS's current one. */
int cluster_refresh(struct cluster *cl);

/*
 * The RPC client of OST ost_idx, created on first use; NULL if the index is
 * not in the map (or -ENOMEM). Thread-safe.
 */
struct rpc_client *cluster_ost_rpc(struct cluster *cl, uint32_t ost_idx);

void cluster_destroy(struct cluster *cl);

#endif /* GLINT_COMMON_CLUSTER_H */
