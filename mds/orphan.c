/*
 * orphan.c - the object destroy queue in STORE_DB_ORPHAN (orphan.h).
 *
 * One entry per object, not per file, so a destroy that succeeded on one
 * OST is removed while its siblings on an unreachable OST stay queued.
 * Object ids are unique across the file system (they come from the inode
 * counter), so (object id, stripe index) never names two objects.
 */
#include "mds/orphan.h"

#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "proto/codec.h"

#define ORPHAN_KEY_LEN 12
#define ORPHAN_VAL_LEN 12

static void orphan_key(uint8_t *key, uint64_t object_id, uint32_t stripe_idx)
{
	le64_store(key, object_id);
	le32_store(key + 8, stripe_idx);
}

int orphan_queue_layout(struct store_txn *txn, uint64_t ino,
			const struct layout *l)
{
	uint8_t key[ORPHAN_KEY_LEN], val[ORPHAN_VAL_LEN];
	uint32_t i;
	int rc;

	for (i = 0; i < l->nstripes; i++) {
		orphan_key(key, l->stripes[i].object_id, i);
		le32_store(val, l->stripes[i].ost_idx);
		le64_store(val + 4, ino);
		rc = store_put(txn, STORE_DB_ORPHAN, key, sizeof(key), val,
			       sizeof(val), STORE_PUT_NOOVERWRITE);
		if (rc && rc != -EEXIST)
			return rc;
	}
	return 0;
}

int orphan_queue_object(struct store_txn *txn, uint64_t object_id,
			uint32_t stripe_idx, uint32_t ost_idx, uint64_t ino)
{
	uint8_t key[ORPHAN_KEY_LEN], val[ORPHAN_VAL_LEN];

	orphan_key(key, object_id, stripe_idx);
	le32_store(val, ost_idx);
	le64_store(val + 4, ino);
	return store_put(txn, STORE_DB_ORPHAN, key, sizeof(key), val,
			 sizeof(val), STORE_PUT_NOOVERWRITE);
}

int orphan_get(struct store_txn *txn, uint64_t object_id, uint32_t stripe_idx,
	       struct orphan *out)
{
	uint8_t key[ORPHAN_KEY_LEN];
	struct store_val v;
	int rc;

	orphan_key(key, object_id, stripe_idx);
	rc = store_get(txn, STORE_DB_ORPHAN, key, sizeof(key), &v);
	if (rc)
		return rc;
	if (v.len != ORPHAN_VAL_LEN) {
		log_msg(LOG_ERROR, "orphan", "malformed queue entry");
		return -EIO;
	}
	out->object_id = object_id;
	out->stripe_idx = stripe_idx;
	out->ost_idx = le32_load(v.data);
	out->ino = le64_load((const uint8_t *)v.data + 4);
	return 0;
}

int orphan_list(struct store_txn *txn, const struct orphan *after,
		struct orphan *out, size_t max, size_t *n)
{
	struct store_cursor *c;
	struct store_val k, v;
	uint8_t key[ORPHAN_KEY_LEN];
	size_t got = 0;
	int rc;

	*n = 0;
	if (!max)
		return 0;
	rc = store_cursor_open(txn, STORE_DB_ORPHAN, &c);
	if (rc)
		return rc;
	if (after) {
		orphan_key(key, after->object_id, after->stripe_idx);
		rc = store_cursor_seek(c, key, sizeof(key), &k, &v);
		if (!rc && k.len == sizeof(key) && !memcmp(k.data, key, 8 + 4))
			rc = store_cursor_next(c, &k, &v);
	} else {
		rc = store_cursor_seek(c, NULL, 0, &k, &v);
	}
	while (!rc && got < max) {
		if (k.len != ORPHAN_KEY_LEN || v.len != ORPHAN_VAL_LEN) {
			log_msg(LOG_ERROR, "orphan", "malformed queue entry");
			rc = -EIO;
			goto out;
		}
		out[got].object_id = le64_load(k.data);
		out[got].stripe_idx = le32_load((const uint8_t *)k.data + 8);
		out[got].ost_idx = le32_load(v.data);
		out[got].ino = le64_load((const uint8_t *)v.data + 4);
		got++;
		rc = store_cursor_next(c, &k, &v);
	}
	if (rc == -ENOENT)
		rc = 0;
	*n = got;
out:
	store_cursor_close(c);
	return rc;
}

int orphan_remove(struct store_txn *txn, uint64_t object_id,
		  uint32_t stripe_idx)
{
	uint8_t key[ORPHAN_KEY_LEN];

	orphan_key(key, object_id, stripe_idx);
	return store_del(txn, STORE_DB_ORPHAN, key, sizeof(key));
}

int orphan_count(struct store_txn *txn, uint64_t *n)
{
	return store_count(txn, STORE_DB_ORPHAN, n);
}
