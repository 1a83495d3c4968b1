/*
 * reconcile.h - reclaims objects that an OST holds but no file references.
 *
 * A crash can leave such objects behind: a scratch MDS loses a create it
 * had acknowledged (it syncs lazily) after a client wrote the file's data;
 * an OSS is restored from an older state; a client writes to a file while
 * another unlinks it. Nothing else would ever destroy them, so they would
 * take space forever.
 *
 * A scan of one OST lists its objects with OBJ_LIST, page by page, over a
 * connection of its own (HELLO as MDS first), and checks each object
 * against the namespace (obj_index_referenced: is it stripe stripe_idx, on
 * this OST, of a live file's layout?). Objects already in the destroy
 * queue are skipped. An unreferenced object is reclaimed - queued in the
 * orphan queue (orphan.h), so the destroyer destroys it with retries - only
 * when it stays unreferenced for a grace period:
 *
 *   The rule: an object is reclaimed when two scans of its OST saw it
 *   unreferenced and the first of them saw it at least --reconcile-grace
 *   seconds before the second. The queueing itself re-checks, in the
 *   write txn, that the object is still unreferenced and not queued.
 *
 * The grace covers what a single look cannot: a layout commit in flight
 * while a client already writes (a client learns a layout only from a
 * committed reply, so this should not happen, but the rule does not rely
 * on it), and listings that lag the namespace. Before queueing, each
 * object's size is asked (OBJ_GETATTR) so the log can say what is freed;
 * an object gone meanwhile is not queued.
 *
 * When scans run: when an OST registers (reconcile_ost_up), then every
 * --reconcile-interval seconds (0: only at registration). A scan that
 * leaves objects waiting out their grace is followed by a confirming scan
 * grace seconds after it ends (at least 1 s), whatever the interval. A
 * failed scan (connection lost, OSS without OBJ_LIST, bad reply) is retried
 * after RECONCILE_RETRY_S while the OST is UP. A registration during a scan
 * abandons it and starts over.
 *
 * Threading: the MDS loop thread only.
 */
#ifndef GLINT_MDS_RECONCILE_H
#define GLINT_MDS_RECONCILE_H

#include <stdint.h>

struct mds;
struct reconciler; /* opaque */

#define RECONCILE_PAGE		 1024	/* objects asked per OBJ_LIST */
#define RECONCILE_RETRY_S	 60	/* after a failed scan */
#define RECONCILE_TIMEOUT_MS	 120000 /* per request (a listing walks a
					   whole OST before its first page) */
#define RECONCILE_MAX_CANDIDATES (1u << 20) /* waiting objects kept per OST */

/* m (its loop, store, OST map, group commit, destroyer, fsname and the
 * reconcile options) is borrowed until reconcile_destroy. 0 or -ENOMEM. */
int reconcile_create(struct mds *m, struct reconciler **out);

/* Abandon scans, close their connections, free. Call before the group
 * commit and the destroyer go. NULL is fine. */
void reconcile_destroy(struct reconciler *r);

/* OST ost_idx registered (it is UP in the map): scan it now. */
void reconcile_ost_up(struct reconciler *r, uint32_t ost_idx);

/* Objects queued for destruction since start (for logs and tests). */
uint64_t reconcile_reclaimed_count(const struct reconciler *r);

#endif /* GLINT_MDS_RECONCILE_H */
