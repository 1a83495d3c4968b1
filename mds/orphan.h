/*
 * orphan.h - the persistent queue of OST objects to destroy.
 *
 * When a regular file's last link goes (unlink, rename over it) or its
 * layout is replaced (ns_set_layout), each of its stripes becomes one queue
 * entry, in the same txn as the namespace change, so the queue survives
 * restarts and nothing is forgotten or destroyed early. The RPC layer
 * drains it: orphan_list() the pending entries, send a destroy of object
 * (object_id, stripe_idx) to OST ost_idx, and orphan_remove() the entry in
 * a later write txn once the OSS confirmed (a destroy of an object that
 * never got written must succeed on the OSS). Retries are the caller's:
 * an entry stays until removed.
 *
 * STORE_DB_ORPHAN: key = u64 object id, u32 stripe index (12 bytes);
 * value = u32 OST index, u64 ino the object belonged to (for logs).
 * Keys compare bytewise, so the listing order is stable but not numeric.
 */
#ifndef GLINT_MDS_ORPHAN_H
#define GLINT_MDS_ORPHAN_H

#include <stddef.h>
#include <stdint.h>

#include "mds/layout.h"
#include "mds/store.h"

struct orphan {
	uint64_t object_id;  /* with stripe_idx, names the object */
	uint32_t stripe_idx; /* stripe index within its layout */
	uint32_t ost_idx;    /* OST that holds it */
	uint64_t ino;	     /* file it belonged to (informational) */
};

/* Queue every stripe of l (of file ino) for destruction. Needs a write
 * txn; a stripe already queued is left as it is. */
int orphan_queue_layout(struct store_txn *txn, uint64_t ino,
			const struct layout *l);

/*
 * Fill out[0..max) with pending entries following *after (NULL: from the
 * first), set *n to how many. Pass the last entry returned as after to
 * continue; *n < max means the queue has been listed to its end.
 */
int orphan_list(struct store_txn *txn, const struct orphan *after,
		struct orphan *out, size_t max, size_t *n);

/* Queue one object (the reconciler's: an object no file references;
 * ino 0 = none known). Write txn. -EEXIST when (object_id, stripe_idx) is
 * queued already. */
int orphan_queue_object(struct store_txn *txn, uint64_t object_id,
			uint32_t stripe_idx, uint32_t ost_idx, uint64_t ino);

/* The entry of (object_id, stripe_idx): 0 and *out, or -ENOENT. */
int orphan_get(struct store_txn *txn, uint64_t object_id, uint32_t stripe_idx,
	       struct orphan *out);

/* Remove a done entry: 0 or -ENOENT. */
int orphan_remove(struct store_txn *txn, uint64_t object_id,
		  uint32_t stripe_idx);

/* Number of pending entries. */
int orphan_count(struct store_txn *txn, uint64_t *n);

#endif /* GLINT_MDS_ORPHAN_H */
