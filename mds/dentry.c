/*
 * dentry.c - directory entries in two indexes (dentry.h).
 *
 * STORE_DB_DENTRY answers "what is parent/name" with one get; the readdir
 * index STORE_DB_DIRINDEX, keyed by (parent, cookie) in numeric order,
 * lists a directory in creation order from any cookie with one seek, so a
 * listing of any size resumes in O(log n) and an entry never changes place
 * while it exists. Both are written together in the caller's txn; their
 * values repeat the child's ino and type so neither needs the other when
 * reading. A disagreement between them is reported as -EIO.
 */
#include "mds/dentry.h"

#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "proto/codec.h"

#define DENTRY_KEY_MAX	 (8 + NS_NAME_MAX)
#define DENTRY_VAL_LEN	 17
#define DIRINDEX_KEY_LEN 16
#define DIRINDEX_VAL_MAX (9 + NS_NAME_MAX)

static size_t dentry_key(uint8_t *key, uint64_t parent, const char *name,
			 size_t name_len)
{
	le64_store(key, parent);
	memcpy(key + 8, name, name_len);
	return 8 + name_len;
}

static void dirindex_key(uint8_t *key, uint64_t parent, uint64_t cookie)
{
	le64_store(key, parent);
	le64_store(key + 8, cookie);
}

static int dentry_decode(const struct store_val *v, struct dentry *out)
{
	const uint8_t *p = v->data;

	if (v->len != DENTRY_VAL_LEN) {
		log_msg(LOG_ERROR, "dentry", "malformed entry (%zu bytes)",
			v->len);
		return -EIO;
	}
	out->ino = le64_load(p);
	out->cookie = le64_load(p + 8);
	out->type = p[16];
	return 0;
}

static int dentry_put_both(struct store_txn *txn, uint64_t parent,
			   const char *name, size_t name_len,
			   const struct dentry *de, unsigned flags)
{
	uint8_t key[DENTRY_KEY_MAX], val[DENTRY_VAL_LEN];
	uint8_t ikey[DIRINDEX_KEY_LEN], ival[DIRINDEX_VAL_MAX];
	size_t klen = dentry_key(key, parent, name, name_len);
	int rc;

	le64_store(val, de->ino);
	le64_store(val + 8, de->cookie);
	val[16] = de->type;
	rc =
	    store_put(txn, STORE_DB_DENTRY, key, klen, val, sizeof(val), flags);
	if (rc)
		return rc;
	dirindex_key(ikey, parent, de->cookie);
	le64_store(ival, de->ino);
	ival[8] = de->type;
	memcpy(ival + 9, name, name_len);
	return store_put(txn, STORE_DB_DIRINDEX, ikey, sizeof(ikey), ival,
			 9 + name_len, 0);
}

int dentry_lookup(struct store_txn *txn, uint64_t parent, const char *name,
		  size_t name_len, struct dentry *out)
{
	uint8_t key[DENTRY_KEY_MAX];
	size_t klen;
	struct store_val v;
	int rc;

	if (name_len > NS_NAME_MAX)
		return -ENAMETOOLONG;
	klen = dentry_key(key, parent, name, name_len);
	rc = store_get(txn, STORE_DB_DENTRY, key, klen, &v);
	if (rc)
		return rc;
	return dentry_decode(&v, out);
}

int dentry_insert(struct store_txn *txn, uint64_t parent, const char *name,
		  size_t name_len, const struct dentry *de)
{
	if (name_len > NS_NAME_MAX)
		return -ENAMETOOLONG;
	return dentry_put_both(txn, parent, name, name_len, de,
			       STORE_PUT_NOOVERWRITE);
}

int dentry_remove(struct store_txn *txn, uint64_t parent, const char *name,
		  size_t name_len, struct dentry *old)
{
	uint8_t key[DENTRY_KEY_MAX], ikey[DIRINDEX_KEY_LEN];
	struct dentry de;
	size_t klen;
	int rc;

	rc = dentry_lookup(txn, parent, name, name_len, &de);
	if (rc)
		return rc;
	klen = dentry_key(key, parent, name, name_len);
	rc = store_del(txn, STORE_DB_DENTRY, key, klen);
	if (rc)
		return rc;
	dirindex_key(ikey, parent, de.cookie);
	rc = store_del(txn, STORE_DB_DIRINDEX, ikey, sizeof(ikey));
	if (rc == -ENOENT) {
		log_msg(LOG_ERROR, "dentry",
			"parent=%llu cookie=%llu: readdir index entry missing",
			(unsigned long long)parent,
			(unsigned long long)de.cookie);
		rc = -EIO;
	}
	if (!rc && old)
		*old = de;
	return rc;
}

int dentry_retarget(struct store_txn *txn, uint64_t parent, const char *name,
		    size_t name_len, uint64_t ino, uint8_t type)
{
	struct dentry de;
	int rc;

	rc = dentry_lookup(txn, parent, name, name_len, &de);
	if (rc)
		return rc;
	de.ino = ino;
	de.type = type;
	return dentry_put_both(txn, parent, name, name_len, &de, 0);
}

int dentry_dir_empty(struct store_txn *txn, uint64_t parent)
{
	struct store_cursor *c;
	struct store_val k;
	uint8_t key[DIRINDEX_KEY_LEN];
	int rc;

	dirindex_key(key, parent, 0);
	rc = store_cursor_open(txn, STORE_DB_DIRINDEX, &c);
	if (rc)
		return rc;
	rc = store_cursor_seek(c, key, sizeof(key), &k, NULL);
	if (rc == -ENOENT)
		rc = 1;
	else if (!rc)
		rc =
		    !(k.len == DIRINDEX_KEY_LEN && le64_load(k.data) == parent);
	store_cursor_close(c);
	return rc;
}

int dentry_iterate(struct store_txn *txn, uint64_t parent, uint64_t after,
		   ns_readdir_fill_fn fill, void *arg, bool *eof)
{
	struct store_cursor *c;
	struct store_val k, v;
	struct ns_dirent de;
	uint8_t key[DIRINDEX_KEY_LEN];
	int rc;

	*eof = false;
	if (after == UINT64_MAX) {
		*eof = true;
		return 0;
	}
	dirindex_key(key, parent, after + 1);
	rc = store_cursor_open(txn, STORE_DB_DIRINDEX, &c);
	if (rc)
		return rc;
	rc = store_cursor_seek(c, key, sizeof(key), &k, &v);
	while (!rc) {
		if (k.len != DIRINDEX_KEY_LEN || le64_load(k.data) != parent)
			break;
		if (v.len < 10 || v.len > DIRINDEX_VAL_MAX) {
			log_msg(LOG_ERROR, "dentry",
				"parent=%llu: malformed readdir index entry",
				(unsigned long long)parent);
			rc = -EIO;
			goto out;
		}
		de.cookie = le64_load((const uint8_t *)k.data + 8);
		de.ino = le64_load(v.data);
		de.type = ((const uint8_t *)v.data)[8];
		de.name = (const char *)v.data + 9;
		de.name_len = (uint16_t)(v.len - 9);
		rc = fill(arg, &de);
		if (rc > 0) {
			rc = 0;
			goto out;
		}
		if (rc < 0)
			goto out;
		rc = store_cursor_next(c, &k, &v);
	}
	if (rc == -ENOENT || !rc) {
		rc = 0;
		*eof = true;
	}
out:
	store_cursor_close(c);
	return rc;
}
