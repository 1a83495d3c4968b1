/*
 * inode.c - inode records in STORE_DB_INODE, the id counter in
 * STORE_DB_META, and the POSIX permission check (inode.h).
 *
 * Records are encoded field by field (namespace.h has the table) and
 * decoded with a length check against the bytes present: a record that
 * does not parse is reported as -EIO and logged with its ino, never
 * trusted. The id counter starts at 2 (root is 1) and only grows, in the
 * same txn as the inode that uses the id, so a committed id is never
 * handed out twice, also across restarts.
 */
#include "mds/inode.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "proto/codec.h"

#define INODE_META_NEXT_INO "next_ino"
#define INODE_META_CLEAN    "session_clean" /* present: last stop was clean */

static void inode_key(uint8_t key[8], uint64_t ino)
{
	le64_store(key, ino);
}

static int inode_decode(uint64_t ino, const struct store_val *v,
			struct inode *out)
{
	struct cursor c;
	uint8_t version, r8;
	uint16_t r16;
	const uint8_t *tail;

	cursor_init(&c, v->data, v->len);
	out->ino = ino;
	if (cur_get_u8(&c, &version) || version != INODE_RECORD_VERSION ||
	    cur_get_u8(&c, &r8) || cur_get_u16(&c, &r16) ||
	    cur_get_u32(&c, &out->mode) || cur_get_u32(&c, &out->uid) ||
	    cur_get_u32(&c, &out->gid) || cur_get_u32(&c, &out->nlink) ||
	    cur_get_u32(&c, &out->gen) || cur_get_u64(&c, &out->size) ||
	    cur_get_u64(&c, &out->blocks) || cur_get_u64(&c, &out->rdev) ||
	    cur_get_i64(&c, &out->atime.sec) ||
	    cur_get_u32(&c, &out->atime.nsec) ||
	    cur_get_i64(&c, &out->mtime.sec) ||
	    cur_get_u32(&c, &out->mtime.nsec) ||
	    cur_get_i64(&c, &out->ctime.sec) ||
	    cur_get_u32(&c, &out->ctime.nsec) ||
	    cur_get_u64(&c, &out->parent) ||
	    cur_get_u64(&c, &out->next_cookie) ||
	    cur_get_u32(&c, &out->tail_len))
		return -EBADMSG;
	if (out->tail_len > INODE_TAIL_MAX ||
	    cursor_left(&c) != out->tail_len ||
	    cur_get_raw(&c, out->tail_len, &tail))
		return -EBADMSG;
	memcpy(out->tail, tail, out->tail_len);
	return 0;
}

int inode_load(struct store_txn *txn, uint64_t ino, struct inode *out)
{
	uint8_t key[8];
	struct store_val v;
	int rc;

	inode_key(key, ino);
	rc = store_get(txn, STORE_DB_INODE, key, sizeof(key), &v);
	if (rc)
		return rc;
	rc = inode_decode(ino, &v, out);
	if (rc) {
		log_msg(LOG_ERROR, "inode",
			"ino=%llu: malformed record (%zu bytes)",
			(unsigned long long)ino, v.len);
		return -EIO;
	}
	return 0;
}

int inode_save(struct store_txn *txn, const struct inode *in)
{
	uint8_t key[8], buf[INODE_HEADER_LEN + INODE_TAIL_MAX];
	struct wbuf w;

	if (in->tail_len > INODE_TAIL_MAX)
		return -EINVAL;
	inode_key(key, in->ino);
	wbuf_init(&w, buf, sizeof(buf));
	wbuf_put_u8(&w, INODE_RECORD_VERSION);
	wbuf_put_u8(&w, 0);
	wbuf_put_u16(&w, 0);
	wbuf_put_u32(&w, in->mode);
	wbuf_put_u32(&w, in->uid);
	wbuf_put_u32(&w, in->gid);
	wbuf_put_u32(&w, in->nlink);
	wbuf_put_u32(&w, in->gen);
	wbuf_put_u64(&w, in->size);
	wbuf_put_u64(&w, in->blocks);
	wbuf_put_u64(&w, in->rdev);
	wbuf_put_u64(&w, (uint64_t)in->atime.sec);
	wbuf_put_u32(&w, in->atime.nsec);
	wbuf_put_u64(&w, (uint64_t)in->mtime.sec);
	wbuf_put_u32(&w, in->mtime.nsec);
	wbuf_put_u64(&w, (uint64_t)in->ctime.sec);
	wbuf_put_u32(&w, in->ctime.nsec);
	wbuf_put_u64(&w, in->parent);
	wbuf_put_u64(&w, in->next_cookie);
	wbuf_put_u32(&w, in->tail_len);
	wbuf_put_raw(&w, in->tail, in->tail_len);
	if (!wbuf_ok(&w))
		return -EINVAL;
	return store_put(txn, STORE_DB_INODE, key, sizeof(key), buf,
			 (size_t)(w.pos - buf), 0);
}

int inode_delete(struct store_txn *txn, uint64_t ino)
{
	struct store_cursor *c;
	struct store_val k;
	uint8_t key[8];
	int rc;

	inode_key(key, ino);
	rc = store_del(txn, STORE_DB_INODE, key, sizeof(key));
	if (rc)
		return rc;
	rc = store_cursor_open(txn, STORE_DB_XATTR, &c);
	if (rc)
		return rc;
	rc = store_cursor_seek(c, key, sizeof(key), &k, NULL);
	while (!rc && k.len > 8 && !memcmp(k.data, key, 8)) {
		rc = store_cursor_del(c);
		if (rc)
			break;
		rc = store_cursor_next(c, &k, NULL);
	}
	store_cursor_close(c);
	return rc == -ENOENT ? 0 : rc;
}

int inode_alloc_ino(struct store_txn *txn, uint64_t *ino)
{
	static const char key[] = INODE_META_NEXT_INO;
	struct store_val v;
	uint8_t buf[8];
	uint64_t next;
	int rc;

	rc = store_get(txn, STORE_DB_META, key, sizeof(key) - 1, &v);
	if (rc == -ENOENT) {
		next = NS_ROOT_INO + 1;
	} else if (rc) {
		return rc;
	} else {
		if (v.len != 8) {
			log_msg(LOG_ERROR, "inode", "malformed %s record", key);
			return -EIO;
		}
		next = le64_load(v.data);
	}
	le64_store(buf, next + 1);
	rc = store_put(txn, STORE_DB_META, key, sizeof(key) - 1, buf,
		       sizeof(buf), 0);
	if (rc)
		return rc;
	*ino = next;
	return 0;
}

int inode_session_begin(struct store_txn *txn, bool *was_clean)
{
	static const char next_key[] = INODE_META_NEXT_INO;
	static const char clean_key[] = INODE_META_CLEAN;
	struct store_val v;
	uint8_t buf[8];
	uint64_t next;
	int rc;

	*was_clean = true;
	rc = store_get(txn, STORE_DB_META, clean_key, sizeof(clean_key) - 1, &v);
	if (rc == 0)
		return store_del(txn, STORE_DB_META, clean_key,
				 sizeof(clean_key) - 1);
	if (rc != -ENOENT)
		return rc;
	rc = store_get(txn, STORE_DB_META, next_key, sizeof(next_key) - 1, &v);
	if (rc == -ENOENT)
		return 0; /* a new store: nothing was ever handed out */
	if (rc)
		return rc;
	if (v.len != 8) {
		log_msg(LOG_ERROR, "inode", "malformed %s record", next_key);
		return -EIO;
	}
	next = le64_load(v.data);
	if (next > UINT64_MAX - INODE_CRASH_GAP)
		return -EOVERFLOW;
	*was_clean = false;
	log_msg(LOG_WARNING, "inode",
		"previous run did not stop cleanly: inode ids continue at %llu, not %llu",
		(unsigned long long)(next + INODE_CRASH_GAP),
		(unsigned long long)next);
	le64_store(buf, next + INODE_CRASH_GAP);
	return store_put(txn, STORE_DB_META, next_key, sizeof(next_key) - 1,
			 buf, sizeof(buf), 0);
}

int inode_session_end(struct store_txn *txn)
{
	static const char clean_key[] = INODE_META_CLEAN;
	static const uint8_t one = 1;

	return store_put(txn, STORE_DB_META, clean_key, sizeof(clean_key) - 1,
			 &one, 1, 0);
}

void inode_to_attr(const struct inode *in, struct ns_attr *attr)
{
	attr->ino = in->ino;
	attr->mode = in->mode;
	attr->uid = in->uid;
	attr->gid = in->gid;
	attr->nlink = in->nlink;
	attr->gen = in->gen;
	attr->size = in->size;
	attr->blocks = in->blocks;
	attr->rdev = in->rdev;
	attr->atime = in->atime;
	attr->mtime = in->mtime;
	attr->ctime = in->ctime;
}

void inode_now(struct ns_time *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	t->sec = ts.tv_sec;
	t->nsec = (uint32_t)ts.tv_nsec;
}

uint64_t inode_blocks(uint64_t size)
{
	return size / 512 + (size % 512 != 0);
}

bool inode_cred_in_group(const struct ns_cred *cred, uint32_t gid)
{
	uint32_t i;

	if (cred->gid == gid)
		return true;
	for (i = 0; i < cred->ngroups; i++) {
		if (cred->groups[i] == gid)
			return true;
	}
	return false;
}

int inode_permission(const struct inode *in, const struct ns_cred *cred,
		     int mask)
{
	uint32_t bits;

	mask &= R_OK | W_OK | X_OK;
	if (!mask)
		return 0;
	if (cred->uid == 0) {
		/* Root reads and writes anything and searches every
		 * directory, but executes only what someone may execute. */
		if (!(mask & X_OK) || S_ISDIR(in->mode) ||
		    (in->mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
			return 0;
		return -EACCES;
	}
	if (cred->uid == in->uid)
		bits = (in->mode >> 6) & 7;
	else if (inode_cred_in_group(cred, in->gid))
		bits = (in->mode >> 3) & 7;
	else
		bits = in->mode & 7;
	return ((uint32_t)mask & ~bits) ? -EACCES : 0;
}

bool inode_owner_or_root(const struct inode *in, const struct ns_cred *cred)
{
	return cred->uid == 0 || cred->uid == in->uid;
}
