/*
 * obj_index.c - the object id -> file index and the "is this object
 * referenced" check (obj_index.h).
 *
 * A layout's stripes usually share one object id (layout_place), but the
 * functions walk every stripe, so a layout with several ids is indexed
 * too. Building the index for an older store collects the pairs first and
 * writes them after the inode scan, since a write in the txn may move the
 * pages a cursor or a borrowed value points into.
 */
#include "mds/obj_index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "mds/inode.h"
#include "proto/codec.h"

#define OBJ_INDEX_META "objindex"

struct obj_index_pair {
	uint64_t object_id;
	uint64_t ino;
};

static int obj_index_put(struct store_txn *txn, uint64_t object_id,
			 uint64_t ino)
{
	uint8_t key[8], val[8];

	le64_store(key, object_id);
	le64_store(val, ino);
	return store_put(txn, STORE_DB_OBJINDEX, key, sizeof(key), val,
			 sizeof(val), 0);
}

int obj_index_layout_add(struct store_txn *txn, uint64_t ino,
			 const struct layout *l)
{
	int rc;

	for (uint32_t i = 0; i < l->nstripes; i++) {
		if (l->stripes[i].object_id == ino ||
		    (i && l->stripes[i].object_id == l->stripes[i - 1].object_id))
			continue;
		rc = obj_index_put(txn, l->stripes[i].object_id, ino);
		if (rc)
			return rc;
	}
	return 0;
}

int obj_index_layout_del(struct store_txn *txn, uint64_t ino,
			 const struct layout *l)
{
	uint8_t key[8];
	int rc;

	for (uint32_t i = 0; i < l->nstripes; i++) {
		if (l->stripes[i].object_id == ino ||
		    (i && l->stripes[i].object_id == l->stripes[i - 1].object_id))
			continue;
		le64_store(key, l->stripes[i].object_id);
		rc = store_del(txn, STORE_DB_OBJINDEX, key, sizeof(key));
		if (rc && rc != -ENOENT)
			return rc;
	}
	return 0;
}

/* Collect the (object id, ino) pairs of every re-laid-out file. */
static int obj_index_scan(struct store_txn *txn, struct obj_index_pair **out,
			  size_t *n)
{
	struct obj_index_pair *pairs = NULL, *grown;
	struct store_cursor *c = NULL;
	struct store_val k, v;
	struct inode *in = NULL;
	struct layout *l = NULL;
	size_t cap = 0;
	uint64_t ino;
	int rc;

	*n = 0;
	in = malloc(sizeof(*in));
	l = malloc(sizeof(*l));
	if (!in || !l) {
		rc = -ENOMEM;
		goto out;
	}
	rc = store_cursor_open(txn, STORE_DB_INODE, &c);
	if (rc)
		goto out;
	rc = store_cursor_seek(c, NULL, 0, &k, &v);
	for (; !rc; rc = store_cursor_next(c, &k, &v)) {
		if (k.len != 8) {
			rc = -EIO;
			break;
		}
		ino = le64_load(k.data);
		rc = inode_load(txn, ino, in);
		if (rc)
			break;
		if (!S_ISREG(in->mode) || !in->tail_len)
			continue;
		if (layout_decode(in->tail, in->tail_len, l)) {
			log_msg(LOG_ERROR, "obj_index",
				"ino=%llu: malformed layout",
				(unsigned long long)ino);
			rc = -EIO;
			break;
		}
		for (uint32_t i = 0; i < l->nstripes; i++) {
			if (l->stripes[i].object_id == ino)
				continue;
			if (*n == cap) {
				cap = cap ? 2 * cap : 64;
				grown = realloc(pairs, cap * sizeof(*pairs));
				if (!grown) {
					rc = -ENOMEM;
					goto out;
				}
				pairs = grown;
			}
			pairs[(*n)++] = (struct obj_index_pair){
				l->stripes[i].object_id, ino };
		}
	}
	if (rc == -ENOENT)
		rc = 0;
out:
	store_cursor_close(c);
	free(l);
	free(in);
	if (rc) {
		free(pairs);
		pairs = NULL;
		*n = 0;
	}
	*out = pairs;
	return rc;
}

int obj_index_open(struct store_txn *txn)
{
	static const char key[] = OBJ_INDEX_META;
	struct obj_index_pair *pairs = NULL;
	struct store_val v;
	uint8_t buf[4];
	size_t n = 0;
	int rc;

	rc = store_get(txn, STORE_DB_META, key, sizeof(key) - 1, &v);
	if (rc != -ENOENT)
		return rc; /* 0: built already */
	rc = obj_index_scan(txn, &pairs, &n);
	for (size_t i = 0; !rc && i < n; i++)
		rc = obj_index_put(txn, pairs[i].object_id, pairs[i].ino);
	free(pairs);
	if (rc)
		return rc;
	le32_store(buf, 1);
	rc = store_put(txn, STORE_DB_META, key, sizeof(key) - 1, buf,
		       sizeof(buf), 0);
	if (!rc && n)
		log_msg(LOG_NOTICE, "obj_index",
			"indexed %zu objects of re-laid-out files", n);
	return rc;
}

int obj_index_referenced(struct store_txn *txn, uint64_t object_id,
			 uint32_t stripe_idx, uint32_t ost_idx, uint64_t *ino)
{
	struct store_val v;
	struct inode *in = NULL;
	struct layout *l = NULL;
	uint8_t key[8];
	uint64_t owner = object_id;
	int rc;

	le64_store(key, object_id);
	rc = store_get(txn, STORE_DB_OBJINDEX, key, sizeof(key), &v);
	if (!rc) {
		if (v.len != 8) {
			log_msg(LOG_ERROR, "obj_index",
				"object=%llu: malformed index entry",
				(unsigned long long)object_id);
			return -EIO;
		}
		owner = le64_load(v.data);
	} else if (rc != -ENOENT) {
		return rc;
	}
	in = malloc(sizeof(*in));
	l = malloc(sizeof(*l));
	if (!in || !l) {
		rc = -ENOMEM;
		goto out;
	}
	rc = inode_load(txn, owner, in);
	if (rc == -ENOENT) {
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	if (!S_ISREG(in->mode) || !in->tail_len)
		goto out; /* rc is 0 */
	if (layout_decode(in->tail, in->tail_len, l)) {
		log_msg(LOG_ERROR, "obj_index", "ino=%llu: malformed layout",
			(unsigned long long)owner);
		rc = -EIO;
		goto out;
	}
	if (stripe_idx < l->nstripes &&
	    l->stripes[stripe_idx].object_id == object_id &&
	    l->stripes[stripe_idx].ost_idx == ost_idx) {
		if (ino)
			*ino = owner;
		rc = 1;
	}
out:
	free(l);
	free(in);
	return rc;
}
