/*
 * obj_index.h - from an OST object to the file whose layout names it: the
 * check the reconciler (reconcile.h) makes before it reclaims an object.
 *
 * Object ids come from the inode counter (layout.h): a file laid out at
 * create names its objects by its own ino, and a layout replaced by
 * ns_set_layout takes a fresh id from the counter, which is no inode.
 * Object (object_id, stripe_idx) on OST ost_idx is referenced when the
 * file F that owns object_id exists, is a regular file, and stripe
 * stripe_idx of its layout is (ost_idx, object_id). F is object_id itself
 * unless STORE_DB_OBJINDEX says otherwise.
 *
 * STORE_DB_OBJINDEX: key = u64 object id, value = u64 ino (little-endian).
 * It holds an entry only for a live file whose layout's object id differs
 * from its ino (re-laid-out files), so creates pay nothing and the index
 * is as small as the number of such files. The namespace keeps it in the
 * txn of every layout change: obj_index_layout_add when a layout is set,
 * obj_index_layout_del when one is dropped (next to orphan_queue_layout).
 * STORE_DB_META key "objindex" -> u32 1 once the index is complete: set on
 * a new store, and by a one-time scan of every inode when a store made
 * before the index is opened (obj_index_open).
 *
 * Internal to the namespace and its users on the MDS loop thread. Every
 * function returns 0 (or 1 as documented) or a negative errno.
 */
#ifndef GLINT_MDS_OBJ_INDEX_H
#define GLINT_MDS_OBJ_INDEX_H

#include <stdint.h>

#include "mds/layout.h"
#include "mds/store.h"

/* Build the index if this store has none yet (write txn). */
int obj_index_open(struct store_txn *txn);

/* Index the object ids of l (file ino) that are not ino. Write txn. */
int obj_index_layout_add(struct store_txn *txn, uint64_t ino,
			 const struct layout *l);

/* Drop the entries obj_index_layout_add made for l. Write txn; entries
 * already absent are fine. */
int obj_index_layout_del(struct store_txn *txn, uint64_t ino,
			 const struct layout *l);

/*
 * 1 when object (object_id, stripe_idx) on OST ost_idx belongs to a live
 * file's layout (*ino = that file, if ino is not NULL), 0 when it does
 * not, or -errno (-EIO for a damaged record). Any txn.
 */
int obj_index_referenced(struct store_txn *txn, uint64_t object_id,
			 uint32_t stripe_idx, uint32_t ost_idx, uint64_t *ino);

#endif /* GLINT_MDS_OBJ_INDEX_H */
