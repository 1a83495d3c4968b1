/*
 * obj_list.h - the sorted listing of an OST's objects that OBJ_LIST pages
 * through (for the MDS's reconciler: which objects does this OST hold?).
 *
 * Objects are spread over 256 hashed directories (ost_dir.h), so no walk
 * of the backing directory comes out sorted. A listing therefore works on
 * a snapshot: one walk (objstore_iterate) collects every (object_id,
 * stripe_idx), sorted. A page asks for the entries strictly after a pair
 * and is served from the snapshot by binary search. The snapshot is taken
 * afresh when a listing starts (after = 0:0), when there is none, or when
 * it is older than OBJ_LIST_MAX_AGE_S, and dropped once a page reaches
 * its end, so a whole listing costs one walk and one sort and the memory
 * (16 bytes per object) is held only while someone is listing.
 *
 * What a listing promises: every object that existed for the whole of it
 * is listed exactly once, in ascending order. Objects created or destroyed
 * meanwhile may or may not be (a stale entry names an object that is
 * gone: a destroy of it succeeds anyway). Since pages continue by value,
 * two listers interleaving (each restart re-takes the snapshot) still each
 * see every long-lived object.
 *
 * Threading: thread-safe; calls run one at a time (a mutex, held during a
 * walk: pages block the calling I/O worker, never a loop). Errors are
 * negative errnos.
 */
#ifndef GLINT_OSS_OBJ_LIST_H
#define GLINT_OSS_OBJ_LIST_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/msg_fs.h"

struct objstore;
struct obj_list; /* opaque */

#define OBJ_LIST_MAX_AGE_S 600 /* a snapshot older than this is re-taken */

/* os is borrowed until obj_list_destroy. 0 or -ENOMEM. */
int obj_list_create(struct objstore *os, struct obj_list **out);

/* Free (NULL is fine). No call may be running. */
void obj_list_destroy(struct obj_list *l);

/*
 * Fill out[0..max) with the objects strictly after *after, ascending; set
 * *count and *eof (true when no object follows the last one given; with
 * max 0, whether any object follows after). 0, or -ENOMEM / the walk's
 * -errno.
 */
int obj_list_page(struct obj_list *l, const struct msg_obj_ref *after,
		  uint32_t max, struct msg_obj_ref *out, uint32_t *count,
		  bool *eof);

#endif /* GLINT_OSS_OBJ_LIST_H */
