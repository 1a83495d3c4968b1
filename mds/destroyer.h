/*
 * destroyer.h - destroys the OST objects of removed files in the
 * background, from the persistent orphan queue (orphan.h).
 *
 * A round lists the queue (a read txn: committed entries only) and sends
 * OBJ_DESTROY (object_id, stripe_idx) to the OSS of each entry's OST, over
 * one outgoing connection per OST made with conn_connect_async to the
 * address the OSS registered, HELLO (role MDS) first. An entry whose OSS
 * confirms (an absent object counts as destroyed) is removed from the
 * queue in a later group commit; one whose OST is DOWN or unknown, or
 * whose request fails, stays and is retried by the next round. Rounds run
 * every DESTROYER_RETRY_MS and DESTROYER_KICK_MS after destroyer_kick()
 * (the RPC layer kicks after commits that may have queued orphans, and
 * when an OST comes up). At most DESTROYER_MAX_INFLIGHT destroys are
 * outstanding.
 *
 * Objects left on an OSS by a crash, which no queue entry names, are found
 * by the reconciler (reconcile.h), which queues them here.
 *
 * Threading: the MDS loop thread only.
 */
#ifndef GLINT_MDS_DESTROYER_H
#define GLINT_MDS_DESTROYER_H

#include <stdint.h>

struct mds;
struct destroyer; /* opaque */

#define DESTROYER_RETRY_MS     2000
#define DESTROYER_KICK_MS      100  /* a kick's round waits this long, to
				       gather a burst of unlinks */
#define DESTROYER_MAX_INFLIGHT 256

/* Start the timers on m->loop; m (its loop, store, OST map, group commit
 * and fsname) is borrowed until destroyer_destroy. */
int destroyer_create(struct mds *m, struct destroyer **out);

/* Close the OSS connections and free. Call before the loop and the group
 * commit go. NULL is fine. */
void destroyer_destroy(struct destroyer *d);

/* Run a round within DESTROYER_KICK_MS (kicks in between join it). */
void destroyer_kick(struct destroyer *d);

/* Objects confirmed destroyed since start (for logs and tests). */
uint64_t destroyer_done_count(const struct destroyer *d);

#endif /* GLINT_MDS_DESTROYER_H */
