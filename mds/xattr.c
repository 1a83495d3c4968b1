/*
 * xattr.c - extended attributes in STORE_DB_XATTR (xattr.h).
 *
 * Key = u64 ino then the name bytes, so one inode's attributes are
 * contiguous: listing is one prefix scan, and inode_delete() (inode.c)
 * removes them with the inode. Values are stored raw; LMDB keeps large
 * ones in overflow pages. Permission rules follow Linux's
 * xattr_permission(): trusted.* is root's, user.* only on regular files
 * and directories with read/write access (and the sticky-directory owner
 * rule), other names need the owner to change them. POSIX ACL names are
 * refused because nothing here would enforce them.
 */
#include "mds/xattr.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mds/inode.h"
#include "proto/codec.h"

#define XATTR_KEY_MAX (8 + XATTR_MAX_NAME_LEN)

enum xattr_class {
	XATTR_CLASS_USER,    /* user.* */
	XATTR_CLASS_TRUSTED, /* trusted.*: root only */
	XATTR_CLASS_OTHER,   /* anything else the client passes */
};

static enum xattr_class xattr_class(const char *name, size_t len)
{
	if (len >= 5 && !memcmp(name, "user.", 5))
		return XATTR_CLASS_USER;
	if (len >= 8 && !memcmp(name, "trusted.", 8))
		return XATTR_CLASS_TRUSTED;
	return XATTR_CLASS_OTHER;
}

static bool xattr_is_acl(const char *name, size_t len)
{
	static const char acl[] = "system.posix_acl_";

	return len >= sizeof(acl) - 1 && !memcmp(name, acl, sizeof(acl) - 1);
}

/* Names: length and no NUL. POSIX ACLs are refused (-EOPNOTSUPP) rather
 * than stored, because nothing would enforce them. */
static int xattr_name_check(const char *name, size_t len)
{
	if (!len || len > XATTR_MAX_NAME_LEN)
		return -ERANGE;
	if (memchr(name, '\0', len))
		return -EINVAL;
	if (xattr_is_acl(name, len))
		return -EOPNOTSUPP;
	return 0;
}

/* May cred read (write = false) or change xattr name of in? */
static int xattr_perm(const struct inode *in, const struct ns_cred *cred,
		      const char *name, size_t len, bool write)
{
	switch (xattr_class(name, len)) {
	case XATTR_CLASS_TRUSTED:
		return cred->uid == 0 ? 0 : -EPERM;
	case XATTR_CLASS_USER:
		if (!S_ISREG(in->mode) && !S_ISDIR(in->mode))
			return write ? -EPERM : -ENODATA;
		if (write && S_ISDIR(in->mode) && (in->mode & S_ISVTX) &&
		    !inode_owner_or_root(in, cred))
			return -EPERM;
		return inode_permission(in, cred, write ? W_OK : R_OK);
	case XATTR_CLASS_OTHER:
	default:
		if (write && !inode_owner_or_root(in, cred))
			return -EPERM;
		return 0;
	}
}

static size_t xattr_key(uint8_t *key, uint64_t ino, const char *name,
			size_t len)
{
	le64_store(key, ino);
	memcpy(key + 8, name, len);
	return 8 + len;
}

ssize_t xattr_get(struct store_txn *txn, const struct ns_cred *cred,
		  uint64_t ino, const char *name, size_t name_len, void *buf,
		  size_t size)
{
	uint8_t key[XATTR_KEY_MAX];
	struct store_val v;
	struct inode in;
	size_t klen;
	int rc;

	rc = xattr_name_check(name, name_len);
	if (rc)
		return rc;
	rc = inode_load(txn, ino, &in);
	if (rc)
		return rc;
	rc = xattr_perm(&in, cred, name, name_len, false);
	if (rc)
		return rc;
	klen = xattr_key(key, ino, name, name_len);
	rc = store_get(txn, STORE_DB_XATTR, key, klen, &v);
	if (rc)
		return rc == -ENOENT ? -ENODATA : rc;
	if (!size)
		return (ssize_t)v.len;
	if (size < v.len)
		return -ERANGE;
	memcpy(buf, v.data, v.len);
	return (ssize_t)v.len;
}

static int do_setxattr(struct store_txn *t, const struct ns_cred *cred,
		       uint64_t ino, const char *name, size_t len,
		       const void *value, size_t value_len, unsigned flags)
{
	uint8_t key[XATTR_KEY_MAX];
	struct store_val v;
	struct inode in;
	size_t klen;
	int rc;

	rc = inode_load(t, ino, &in);
	if (rc)
		return rc;
	rc = xattr_perm(&in, cred, name, len, true);
	if (rc)
		return rc;
	klen = xattr_key(key, ino, name, len);
	rc = store_get(t, STORE_DB_XATTR, key, klen, &v);
	if (rc && rc != -ENOENT)
		return rc;
	if (!rc && (flags & XATTR_SET_CREATE))
		return -EEXIST;
	if (rc == -ENOENT && (flags & XATTR_SET_REPLACE))
		return -ENODATA;
	rc = store_put(t, STORE_DB_XATTR, key, klen, value, value_len, 0);
	if (rc)
		return rc;
	inode_now(&in.ctime);
	return inode_save(t, &in);
}

int xattr_set(struct store_txn *txn, const struct ns_cred *cred, uint64_t ino,
	      const char *name, size_t name_len, const void *value,
	      size_t value_len, unsigned flags)
{
	struct store_txn *t;
	int rc;

	if (flags & ~(XATTR_SET_CREATE | XATTR_SET_REPLACE) ||
	    (flags & XATTR_SET_CREATE && flags & XATTR_SET_REPLACE))
		return -EINVAL;
	rc = xattr_name_check(name, name_len);
	if (rc)
		return rc;
	if (value_len > XATTR_MAX_VALUE_LEN)
		return -E2BIG;
	rc = store_child_begin(txn, &t);
	if (rc)
		return rc;
	return store_child_end(t, do_setxattr(t, cred, ino, name, name_len,
					      value, value_len, flags));
}

ssize_t xattr_list(struct store_txn *txn, const struct ns_cred *cred,
		   uint64_t ino, char *buf, size_t size)
{
	struct store_cursor *c;
	struct store_val k;
	struct inode in;
	uint8_t key[8];
	const char *name;
	size_t total = 0, len;
	int rc;

	rc = inode_load(txn, ino, &in);
	if (rc)
		return rc;
	le64_store(key, ino);
	rc = store_cursor_open(txn, STORE_DB_XATTR, &c);
	if (rc)
		return rc;
	rc = store_cursor_seek(c, key, sizeof(key), &k, NULL);
	while (!rc && k.len > 8 && !memcmp(k.data, key, 8)) {
		name = (const char *)k.data + 8;
		len = k.len - 8;
		if (xattr_class(name, len) != XATTR_CLASS_TRUSTED ||
		    cred->uid == 0) {
			if (size && total + len + 1 > size) {
				rc = -ERANGE;
				break;
			}
			if (size) {
				memcpy(buf + total, name, len);
				buf[total + len] = '\0';
			}
			total += len + 1;
		}
		rc = store_cursor_next(c, &k, NULL);
	}
	store_cursor_close(c);
	if (rc && rc != -ENOENT)
		return rc;
	return (ssize_t)total;
}

static int do_removexattr(struct store_txn *t, const struct ns_cred *cred,
			  uint64_t ino, const char *name, size_t len)
{
	uint8_t key[XATTR_KEY_MAX];
	struct inode in;
	size_t klen;
	int rc;

	rc = inode_load(t, ino, &in);
	if (rc)
		return rc;
	rc = xattr_perm(&in, cred, name, len, true);
	if (rc)
		return rc;
	klen = xattr_key(key, ino, name, len);
	rc = store_del(t, STORE_DB_XATTR, key, klen);
	if (rc)
		return rc == -ENOENT ? -ENODATA : rc;
	inode_now(&in.ctime);
	return inode_save(t, &in);
}

int xattr_remove(struct store_txn *txn, const struct ns_cred *cred,
		 uint64_t ino, const char *name, size_t name_len)
{
	struct store_txn *t;
	int rc;

	rc = xattr_name_check(name, name_len);
	if (rc)
		return rc;
	rc = store_child_begin(txn, &t);
	if (rc)
		return rc;
	return store_child_end(t, do_removexattr(t, cred, ino, name, name_len));
}
