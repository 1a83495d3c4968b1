/*
 * namespace.c - the namespace operations of namespace.h over inodes
 * (inode.c), directory entries (dentry.c), the destroy queue (orphan.c)
 * and the object id index (obj_index.c: every layout that goes is queued
 * for destruction and unindexed in the same txn; every layout set by
 * ns_set_layout is indexed).
 *
 * Every public mutating function is a thin wrapper: it begins a child txn
 * of the caller's txn, runs the static do_<op>() on it, and commits the
 * child on success or aborts it on error (store_child_begin/store_child_end).
 * So a do_<op>() may fail halfway without cleaning up: the abort does it.
 * Read-only operations run directly on the caller's txn.
 *
 * An operation loads the inodes it needs into struct inode copies,
 * checks, then changes and saves them. When two names refer to the same
 * directory (rename within a directory) both point at one copy, so a save
 * never overwrites another with stale fields.
 *
 * Permission order follows Linux's path walk and may_create/may_delete:
 * search on the path, then existence (-EEXIST/-ENOENT), then write on the
 * parent (-EACCES), then sticky (-EPERM), then type (-EISDIR/-ENOTDIR).
 *
 * Extended attributes are in xattr.c. Not here: locks, open file state
 * (there is none: see ns_unlink), quota, ACLs, and anything about networking or
 * OSTs beyond choosing them.
 */
#include "mds/namespace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "mds/dentry.h"
#include "mds/inode.h"
#include "mds/obj_index.h"
#include "mds/orphan.h"
#include "proto/codec.h"

#define NS_META_FORMAT	   "format"
#define NS_BYTES_PER_INODE 512 /* statfs: map bytes one more inode costs */

struct ns {
	struct store *st;    /* borrowed from the caller */
	struct layout_rr rr; /* round-robin position for new files */
};

/* --- helpers --- */

static int ns_name_check(const char *name, size_t len)
{
	if (!len)
		return -ENOENT;
	if (len > NS_NAME_MAX)
		return -ENAMETOOLONG;
	if (memchr(name, '/', len) || memchr(name, '\0', len))
		return -EINVAL;
	return 0;
}

static bool ns_name_is_dot(const char *name, size_t len)
{
	return len == 1 && name[0] == '.';
}

static bool ns_name_is_dotdot(const char *name, size_t len)
{
	return len == 2 && name[0] == '.' && name[1] == '.';
}

static int ns_time_cmp(const struct ns_time *a, const struct ns_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

/* Clear setuid, and setgid when group-exec makes it one (not the
 * mandatory-locking marker), as Linux does on write and chown. */
static void ns_kill_priv(struct inode *in)
{
	in->mode &= ~(uint32_t)S_ISUID;
	if (in->mode & S_IXGRP)
		in->mode &= ~(uint32_t)S_ISGID;
}

/*
 * Load directory dir into *d and check search permission on it and on
 * every ancestor up to the root. -ENOTDIR if dir is no directory.
 */
static int ns_walk(struct store_txn *t, const struct ns_cred *cred,
		   uint64_t dir, struct inode *d)
{
	struct inode anc;
	uint64_t cur, up;
	int depth = 0, rc;

	rc = inode_load(t, dir, d);
	if (rc)
		return rc;
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	rc = inode_permission(d, cred, X_OK);
	if (rc || cred->uid == 0)
		return rc;
	cur = d->ino;
	up = d->parent;
	while (cur != NS_ROOT_INO) {
		if (++depth > NS_MAX_DEPTH)
			return -ELOOP;
		rc = inode_load(t, up, &anc);
		if (rc == -ENOENT) {
			log_msg(LOG_ERROR, "namespace",
				"ino=%llu: parent %llu missing",
				(unsigned long long)cur,
				(unsigned long long)up);
			return -EIO;
		}
		if (rc)
			return rc;
		rc = inode_permission(&anc, cred, X_OK);
		if (rc)
			return rc;
		cur = anc.ino;
		up = anc.parent;
	}
	return 0;
}

/* 1 if anc is dir itself or one of its ancestors, 0 if not, or -errno. */
static int ns_is_ancestor(struct store_txn *t, uint64_t anc, uint64_t dir)
{
	struct inode in;
	uint64_t cur = dir;
	int depth = 0, rc;

	for (;;) {
		if (cur == anc)
			return 1;
		if (cur == NS_ROOT_INO)
			return 0;
		if (++depth > NS_MAX_DEPTH)
			return -ELOOP;
		rc = inode_load(t, cur, &in);
		if (rc)
			return rc == -ENOENT ? -EIO : rc;
		cur = in.parent;
	}
}

static bool ns_sticky_ok(const struct inode *dir, const struct inode *victim,
			 const struct ns_cred *cred)
{
	if (!(dir->mode & S_ISVTX) || cred->uid == 0)
		return true;
	return cred->uid == victim->uid || cred->uid == dir->uid;
}

static int ns_tail_layout(const struct inode *in, struct layout *l)
{
	if (layout_decode(in->tail, in->tail_len, l)) {
		log_msg(LOG_ERROR, "namespace", "ino=%llu: malformed layout",
			(unsigned long long)in->ino);
		return -EIO;
	}
	return 0;
}

static int ns_set_tail_layout(struct inode *in, const struct layout *l)
{
	ssize_t n = layout_encode(l, in->tail, sizeof(in->tail));

	if (n < 0)
		return (int)n;
	in->tail_len = (uint32_t)n;
	return 0;
}

/* The file system default: the root's default over the built-in one. */
static int ns_fs_default(struct store_txn *t, struct layout *out)
{
	struct inode root;
	struct layout req;
	int rc;

	layout_default(out);
	rc = inode_load(t, NS_ROOT_INO, &root);
	if (rc)
		return rc;
	if (!root.tail_len)
		return 0;
	rc = ns_tail_layout(&root, &req);
	if (rc)
		return rc;
	layout_resolve(&req, out, out);
	return 0;
}

/* The template a new file in directory p gets (before placement). */
static int ns_layout_for(struct store_txn *t, const struct inode *p,
			 struct layout *out)
{
	struct layout fs;
	int rc;

	rc = ns_fs_default(t, &fs);
	if (rc)
		return rc;
	if (p->ino == NS_ROOT_INO || !p->tail_len) {
		*out = fs;
		return 0;
	}
	rc = ns_tail_layout(p, out);
	if (rc)
		return rc;
	layout_resolve(out, &fs, out);
	return 0;
}

/* Fill a new inode of mode/rdev created by cred in directory p, with a
 * fresh id; Linux's inode_init_owner rules for setgid directories. */
static int ns_inode_init(struct store_txn *t, const struct ns_cred *cred,
			 const struct inode *p, uint32_t mode, uint64_t rdev,
			 struct inode *in)
{
	int rc;

	memset(in, 0, offsetof(struct inode, tail));
	rc = inode_alloc_ino(t, &in->ino);
	if (rc)
		return rc;
	in->uid = cred->uid;
	if (p->mode & S_ISGID) {
		in->gid = p->gid;
		if (S_ISDIR(mode))
			mode |= S_ISGID;
		else if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
			 cred->uid != 0 && !inode_cred_in_group(cred, in->gid))
			mode &= ~(uint32_t)S_ISGID;
	} else {
		in->gid = cred->gid;
	}
	in->mode = mode;
	in->nlink = S_ISDIR(mode) ? 2 : 1;
	in->gen = 1;
	in->rdev = rdev;
	inode_now(&in->atime);
	in->mtime = in->atime;
	in->ctime = in->atime;
	in->parent = p->ino;
	in->next_cookie = NS_COOKIE_FIRST;
	return 0;
}

/* Add name -> child to directory p (in memory: the caller saves p). */
static int ns_add_entry(struct store_txn *t, struct inode *p, const char *name,
			size_t len, const struct inode *child)
{
	struct dentry de = {
	    .ino = child->ino,
	    .cookie = p->next_cookie,
	    .type = inode_dtype(child->mode),
	};
	int rc;

	rc = dentry_insert(t, p->ino, name, len, &de);
	if (rc)
		return rc;
	p->next_cookie++;
	inode_now(&p->mtime);
	p->ctime = p->mtime;
	return 0;
}

/* Drop one link of non-directory v; at zero, delete it and queue its
 * objects for destruction. */
static int ns_drop_link(struct store_txn *t, struct inode *v,
			const struct ns_time *now)
{
	struct layout l;
	int rc;

	if (v->nlink)
		v->nlink--;
	v->ctime = *now;
	if (v->nlink)
		return inode_save(t, v);
	if (S_ISREG(v->mode) && v->tail_len) {
		rc = ns_tail_layout(v, &l);
		if (rc)
			return rc;
		rc = orphan_queue_layout(t, v->ino, &l);
		if (!rc)
			rc = obj_index_layout_del(t, v->ino, &l);
		if (rc)
			return rc;
	}
	return inode_delete(t, v->ino);
}

/*
 * Make a new inode of mode in walked directory p, named name: the common
 * part of create, mkdir, mknod and symlink. target is the symlink's.
 */
static int ns_make(struct ns *ns, struct store_txn *t,
		   const struct ns_cred *cred, struct inode *p,
		   const char *name, size_t len, uint32_t mode, uint64_t rdev,
		   const char *target, size_t target_len,
		   const struct layout_ost *osts, size_t nosts,
		   struct inode *out)
{
	struct dentry de;
	struct layout l;
	int rc;

	rc = dentry_lookup(t, p->ino, name, len, &de);
	if (!rc)
		return -EEXIST;
	if (rc != -ENOENT)
		return rc;
	rc = inode_permission(p, cred, W_OK | X_OK);
	if (rc)
		return rc;
	if (S_ISDIR(mode) && p->nlink >= NS_LINK_MAX)
		return -EMLINK;
	rc = ns_inode_init(t, cred, p, mode, rdev, out);
	if (rc)
		return rc;
	if (S_ISREG(mode)) {
		rc = ns_layout_for(t, p, &l);
		if (rc)
			return rc;
		rc = layout_place(&l, osts, nosts, &ns->rr, out->ino);
		if (rc)
			return rc;
		rc = ns_set_tail_layout(out, &l);
		if (rc)
			return rc;
	} else if (S_ISDIR(mode)) {
		if (p->ino != NS_ROOT_INO && p->tail_len) {
			memcpy(out->tail, p->tail, p->tail_len);
			out->tail_len = p->tail_len;
		}
	} else if (S_ISLNK(mode)) {
		memcpy(out->tail, target, target_len);
		out->tail_len = (uint32_t)target_len;
		out->size = target_len;
	}
	rc = ns_add_entry(t, p, name, len, out);
	if (rc)
		return rc;
	if (S_ISDIR(mode))
		p->nlink++;
	rc = inode_save(t, p);
	if (rc)
		return rc;
	return inode_save(t, out);
}

/* --- open / close --- */

static int ns_create_root(struct store_txn *t)
{
	struct inode root;

	memset(&root, 0, sizeof(root));
	root.ino = NS_ROOT_INO;
	root.mode = S_IFDIR | 0755;
	root.nlink = 2;
	root.gen = 1;
	inode_now(&root.atime);
	root.mtime = root.atime;
	root.ctime = root.atime;
	root.parent = NS_ROOT_INO;
	root.next_cookie = NS_COOKIE_FIRST;
	return inode_save(t, &root);
}

int ns_open(struct store *st, struct ns **out)
{
	static const char key[] = NS_META_FORMAT;
	struct store_txn *t;
	struct store_val v;
	uint8_t buf[4];
	uint64_t n;
	struct ns *ns;
	int rc;

	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->st = st;
	rc = store_txn_begin(st, NULL, false, &t);
	if (rc)
		goto err_free;
	rc = store_get(t, STORE_DB_META, key, sizeof(key) - 1, &v);
	if (rc == -ENOENT) {
		rc = store_count(t, STORE_DB_INODE, &n);
		if (!rc && n) {
			log_msg(LOG_ERROR, "namespace",
				"store has inodes but no format record");
			rc = -EIO;
		}
		if (rc)
			goto err_txn;
		rc = ns_create_root(t);
		if (rc)
			goto err_txn;
		le32_store(buf, NS_FORMAT_VERSION);
		rc = store_put(t, STORE_DB_META, key, sizeof(key) - 1, buf,
			       sizeof(buf), 0);
		if (rc)
			goto err_txn;
		log_msg(LOG_NOTICE, "namespace", "created root ino=%d",
			NS_ROOT_INO);
	} else if (rc) {
		goto err_txn;
	} else if (v.len != 4 || le32_load(v.data) != NS_FORMAT_VERSION) {
		log_msg(LOG_ERROR, "namespace",
			"store format %u, this MDS speaks %u",
			v.len == 4 ? le32_load(v.data) : 0, NS_FORMAT_VERSION);
		rc = -EINVAL;
		goto err_txn;
	}
	rc = obj_index_open(t);
	if (rc)
		goto err_txn;
	rc = store_txn_commit(t);
	if (rc)
		goto err_free;
	*out = ns;
	return 0;

err_txn:
	store_txn_abort(t);
err_free:
	free(ns);
	return rc;
}

void ns_close(struct ns *ns)
{
	free(ns);
}

/* --- lookup, getattr, access --- */

int ns_lookup(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	      uint64_t parent, const char *name, size_t name_len,
	      struct ns_attr *attr)
{
	struct inode p, c;
	struct dentry de;
	uint64_t ino;
	int rc;

	rc = ns_name_check(name, name_len);
	if (rc)
		return rc;
	rc = ns_walk(txn, cred, parent, &p);
	if (rc)
		return rc;
	if (ns_name_is_dot(name, name_len)) {
		ino = p.ino;
	} else if (ns_name_is_dotdot(name, name_len)) {
		ino = p.parent;
	} else {
		rc = dentry_lookup(txn, parent, name, name_len, &de);
		if (rc)
			return rc;
		ino = de.ino;
	}
	rc = inode_load(txn, ino, &c);
	if (rc)
		return rc == -ENOENT ? -EIO : rc;
	inode_to_attr(&c, attr);
	return 0;
}

int ns_getattr(struct ns *ns, struct store_txn *txn, uint64_t ino,
	       struct ns_attr *attr)
{
	struct inode in;
	int rc;

	rc = inode_load(txn, ino, &in);
	if (rc)
		return rc;
	inode_to_attr(&in, attr);
	return 0;
}

int ns_access(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	      uint64_t ino, int mask)
{
	struct inode in;
	int rc;

	rc = inode_load(txn, ino, &in);
	if (rc)
		return rc;
	return inode_permission(&in, cred, mask);
}

/* --- setattr --- */

static int ns_setattr_check(const struct inode *in, const struct ns_cred *cred,
			    const struct ns_setattr *sa)
{
	uint32_t v = sa->valid;
	bool owner = inode_owner_or_root(in, cred);
	int rc;

	if ((v & NS_SET_MODE) && !owner) {
		/*
		 * Linux clears suid/sgid when someone who may write the file
		 * writes or truncates it (file_remove_privs); FUSE's kernel
		 * sends that as a mode change with the writer's credentials.
		 * Allow exactly that change to a writer: the mode minus
		 * S_ISUID/S_ISGID, nothing else.
		 */
		uint32_t cur = in->mode & 07777;
		uint32_t want = sa->mode & 07777;

		if (want == cur || (want | S_ISUID | S_ISGID) !=
					   (cur | S_ISUID | S_ISGID) ||
		    (want & ~cur))
			return -EPERM;
		rc = inode_permission(in, cred, W_OK);
		if (rc)
			return -EPERM;
	}
	if ((v & NS_SET_UID) && cred->uid != 0 &&
	    (cred->uid != in->uid || sa->uid != in->uid))
		return -EPERM;
	if ((v & NS_SET_GID) && cred->uid != 0 &&
	    (cred->uid != in->uid ||
	     (sa->gid != in->gid && !inode_cred_in_group(cred, sa->gid))))
		return -EPERM;
	if ((v & (NS_SET_ATIME | NS_SET_MTIME)) && !owner)
		return -EPERM;
	if ((v & (NS_SET_ATIME_NOW | NS_SET_MTIME_NOW)) && !owner) {
		rc = inode_permission(in, cred, W_OK);
		if (rc)
			return rc;
	}
	if (v & NS_SET_SIZE) {
		if (S_ISDIR(in->mode))
			return -EISDIR;
		if (!S_ISREG(in->mode))
			return -EINVAL;
		if (sa->size > (uint64_t)INT64_MAX)
			return -EFBIG;
		if (!(v & NS_SET_FROM_OPEN)) {
			rc = inode_permission(in, cred, W_OK);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int do_setattr(struct store_txn *t, const struct ns_cred *cred,
		      uint64_t ino, const struct ns_setattr *sa,
		      struct ns_attr *attr)
{
	uint32_t v = sa->valid, perm;
	struct ns_time now;
	struct inode in;
	int rc;

	rc = inode_load(t, ino, &in);
	if (rc)
		return rc;
	rc = ns_setattr_check(&in, cred, sa);
	if (rc)
		return rc;
	inode_now(&now);
	if (v & NS_SET_SIZE) {
		in.size = sa->size;
		in.blocks = inode_blocks(in.size);
		if (!(v & (NS_SET_MTIME | NS_SET_MTIME_NOW)))
			in.mtime = now;
		if (cred->uid != 0)
			ns_kill_priv(&in);
	}
	if (v & (NS_SET_UID | NS_SET_GID)) {
		if (v & NS_SET_UID)
			in.uid = sa->uid;
		if (v & NS_SET_GID)
			in.gid = sa->gid;
		if (!S_ISDIR(in.mode))
			ns_kill_priv(&in);
	}
	if (v & NS_SET_MODE) {
		perm = sa->mode & 07777;
		if (cred->uid != 0 && !inode_cred_in_group(cred, in.gid))
			perm &= ~(uint32_t)S_ISGID;
		in.mode = (in.mode & S_IFMT) | perm;
	}
	if (v & NS_SET_ATIME)
		in.atime = sa->atime;
	else if (v & NS_SET_ATIME_NOW)
		in.atime = now;
	if (v & NS_SET_MTIME)
		in.mtime = sa->mtime;
	else if (v & NS_SET_MTIME_NOW)
		in.mtime = now;
	in.ctime = now;
	rc = inode_save(t, &in);
	if (!rc && attr)
		inode_to_attr(&in, attr);
	return rc;
}

int ns_setattr(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	       uint64_t ino, const struct ns_setattr *sa, struct ns_attr *attr)
{
	struct store_txn *t;
	int rc = store_child_begin(txn, &t);

	if (rc)
		return rc;
	return store_child_end(t, do_setattr(t, cred, ino, sa, attr));
}

/* --- create, mkdir, mknod, symlink --- */

static int do_create(struct ns *ns, struct store_txn *t,
		     const struct ns_cred *cred, uint64_t parent,
		     const char *name, size_t len, uint32_t mode,
		     unsigned flags, const struct layout_ost *osts,
		     size_t nosts, struct ns_attr *attr, struct layout *layout,
		     bool *created)
{
	struct inode p, c;
	struct dentry de;
	int rc;

	rc = ns_name_check(name, len);
	if (rc)
		return rc;
	if (ns_name_is_dot(name, len) || ns_name_is_dotdot(name, len))
		return -EISDIR;
	rc = ns_walk(t, cred, parent, &p);
	if (rc)
		return rc;
	rc = dentry_lookup(t, parent, name, len, &de);
	if (!rc) {
		if (flags & NS_CREATE_EXCL)
			return -EEXIST;
		rc = inode_load(t, de.ino, &c);
		if (rc)
			return rc == -ENOENT ? -EIO : rc;
		if (S_ISDIR(c.mode))
			return -EISDIR;
		if (!S_ISREG(c.mode))
			return -EEXIST;
		if (created)
			*created = false;
	} else if (rc == -ENOENT) {
		rc = ns_make(ns, t, cred, &p, name, len,
			     S_IFREG | (mode & 07777), 0, NULL, 0, osts, nosts,
			     &c);
		if (rc)
			return rc;
		if (created)
			*created = true;
	} else {
		return rc;
	}
	if (layout) {
		if (c.tail_len) {
			rc = ns_tail_layout(&c, layout);
			if (rc)
				return rc;
		} else {
			memset(layout, 0, sizeof(*layout));
		}
	}
	inode_to_attr(&c, attr);
	return 0;
}

int ns_create(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	      uint64_t parent, const char *name, size_t name_len, uint32_t mode,
	      unsigned flags, const struct layout_ost *osts, size_t nosts,
	      struct ns_attr *attr, struct layout *layout, bool *created)
{
	struct store_txn *t;
	int rc = store_child_begin(txn, &t);

	if (rc)
		return rc;
	return store_child_end(t, do_create(ns, t, cred, parent, name, name_len,
					    mode, flags, osts, nosts, attr,
					    layout, created));
}

/* Common front of mkdir, mknod and symlink: name checks and path walk. */
static int do_make(struct ns *ns, struct store_txn *t,
		   const struct ns_cred *cred, uint64_t parent,
		   const char *name, size_t len, uint32_t mode, uint64_t rdev,
		   const char *target, size_t target_len,
		   const struct layout_ost *osts, size_t nosts,
		   struct ns_attr *attr)
{
	struct inode p, c;
	int rc;

	rc = ns_name_check(name, len);
	if (rc)
		return rc;
	if (ns_name_is_dot(name, len) || ns_name_is_dotdot(name, len))
		return -EEXIST;
	rc = ns_walk(t, cred, parent, &p);
	if (rc)
		return rc;
	rc = ns_make(ns, t, cred, &p, name, len, mode, rdev, target, target_len,
		     osts, nosts, &c);
	if (!rc && attr)
		inode_to_attr(&c, attr);
	return rc;
}

int ns_mkdir(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	     uint64_t parent, const char *name, size_t name_len, uint32_t mode,
	     struct ns_attr *attr)
{
	struct store_txn *t;
	int rc = store_child_begin(txn, &t);

	if (rc)
		return rc;
	return store_child_end(t, do_make(ns, t, cred, parent, name, name_len,
					  S_IFDIR | (mode & 07777), 0, NULL, 0,
					  NULL, 0, attr));
}

int ns_mknod(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	     uint64_t parent, const char *name, size_t name_len, uint32_t mode,
	     uint64_t rdev, const struct layout_ost *osts, size_t nosts,
	     struct ns_attr *attr)
{
	uint32_t type = mode & S_IFMT;
	struct store_txn *t;
	int rc;

	switch (type) {
	case 0:
		type = S_IFREG;
		break;
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFCHR:
	case S_IFBLK:
		if (cred->uid != 0)
			return -EPERM;
		break;
	default:
		return -EINVAL;
	}
	if (type != S_IFCHR && type != S_IFBLK)
		rdev = 0;
	rc = store_child_begin(txn, &t);
	if (rc)
		return rc;
	return store_child_end(t, do_make(ns, t, cred, parent, name, name_len,
					  type | (mode & 07777), rdev, NULL, 0,
					  osts, nosts, attr));
}

int ns_symlink(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	       uint64_t parent, const char *name, size_t name_len,
	       const char *target, size_t target_len, struct ns_attr *attr)
{
	struct store_txn *t;
	int rc;

	if (!target_len)
		return -ENOENT;
	if (target_len > NS_SYMLINK_MAX)
		return -ENAMETOOLONG;
	rc = store_child_begin(txn, &t);
	if (rc)
		return rc;
	return store_child_end(t, do_make(ns, t, cred, parent, name, name_len,
					  S_IFLNK | 0777, 0, target, target_len,
					  NULL, 0, attr));
}

ssize_t ns_readlink(struct ns *ns, struct store_txn *txn, uint64_t ino,
		    char *buf, size_t size)
{
	struct inode in;
	int rc;

	rc = inode_load(txn, ino, &in);
	if (rc)
		return rc;
	if (!S_ISLNK(in.mode))
		return -EINVAL;
	if (size < in.tail_len)
		return -ERANGE;
	memcpy(buf, in.tail, in.tail_len);
	return (ssize_t)in.tail_len;
}

/* --- link, unlink, rmdir --- */

static int do_link(struct store_txn *t, const struct ns_cred *cred,
		   uint64_t ino, uint64_t parent, const char *name, size_t len,
		   struct ns_attr *attr)
{
	struct inode in, p;
	struct dentry de;
	int rc;

	rc = ns_name_check(name, len);
	if (rc)
		return rc;
	if (ns_name_is_dot(name, len) || ns_name_is_dotdot(name, len))
		return -EEXIST;
	rc = inode_load(t, ino, &in);
	if (rc)
		return rc;
	rc = ns_walk(t, cred, parent, &p);
	if (rc)
		return rc;
	rc = dentry_lookup(t, parent, name, len, &de);
	if (!rc)
		return -EEXIST;
	if (rc != -ENOENT)
		return rc;
	rc = inode_permission(&p, cred, W_OK | X_OK);
	if (rc)
		return rc;
	if (S_ISDIR(in.mode))
		return -EPERM;
	if (in.nlink >= NS_LINK_MAX)
		return -EMLINK;
	rc = ns_add_entry(t, &p, name, len, &in);
	if (rc)
		return rc;
	in.nlink++;
	in.ctime = p.mtime;
	rc = inode_save(t, &p);
	if (rc)
		return rc;
	rc = inode_save(t, &in);
	if (!rc && attr)
		inode_to_attr(&in, attr);
	return rc;
}

int ns_link(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	    uint64_t ino, uint64_t parent, const char *name, size_t name_len,
	    struct ns_attr *attr)
{
	struct store_txn *t;
	int rc = store_child_begin(txn, &t);

	if (rc)
		return rc;
	return store_child_end(
	    t, do_link(t, cred, ino, parent, name, name_len, attr));
}

/* Look up name in walked directory p, load it into *v and apply
 * may_delete's permission and sticky checks. */
static int ns_victim(struct store_txn *t, const struct ns_cred *cred,
		     const struct inode *p, const char *name, size_t len,
		     struct inode *v)
{
	struct dentry de;
	int rc;

	rc = dentry_lookup(t, p->ino, name, len, &de);
	if (rc)
		return rc;
	rc = inode_load(t, de.ino, v);
	if (rc)
		return rc == -ENOENT ? -EIO : rc;
	rc = inode_permission(p, cred, W_OK | X_OK);
	if (rc)
		return rc;
	if (!ns_sticky_ok(p, v, cred))
		return -EPERM;
	return 0;
}

static int do_unlink(struct store_txn *t, const struct ns_cred *cred,
		     uint64_t parent, const char *name, size_t len)
{
	struct ns_time now;
	struct inode p, v;
	int rc;

	rc = ns_name_check(name, len);
	if (rc)
		return rc;
	if (ns_name_is_dot(name, len) || ns_name_is_dotdot(name, len))
		return -EISDIR;
	rc = ns_walk(t, cred, parent, &p);
	if (rc)
		return rc;
	rc = ns_victim(t, cred, &p, name, len, &v);
	if (rc)
		return rc;
	if (S_ISDIR(v.mode))
		return -EISDIR;
	rc = dentry_remove(t, parent, name, len, NULL);
	if (rc)
		return rc;
	inode_now(&now);
	p.mtime = now;
	p.ctime = now;
	rc = inode_save(t, &p);
	if (rc)
		return rc;
	return ns_drop_link(t, &v, &now);
}

int ns_unlink(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	      uint64_t parent, const char *name, size_t name_len)
{
	struct store_txn *t;
	int rc = store_child_begin(txn, &t);

	if (rc)
		return rc;
	return store_child_end(t, do_unlink(t, cred, parent, name, name_len));
}

static int do_rmdir(struct store_txn *t, const struct ns_cred *cred,
		    uint64_t parent, const char *name, size_t len)
{
	struct inode p, v;
	int rc;

	rc = ns_name_check(name, len);
	if (rc)
		return rc;
	if (ns_name_is_dot(name, len))
		return -EINVAL;
	if (ns_name_is_dotdot(name, len))
		return -ENOTEMPTY;
	rc = ns_walk(t, cred, parent, &p);
	if (rc)
		return rc;
	rc = ns_victim(t, cred, &p, name, len, &v);
	if (rc)
		return rc;
	if (!S_ISDIR(v.mode))
		return -ENOTDIR;
	if (v.ino == NS_ROOT_INO)
		return -EBUSY;
	rc = dentry_dir_empty(t, v.ino);
	if (rc < 0)
		return rc;
	if (!rc)
		return -ENOTEMPTY;
	rc = dentry_remove(t, parent, name, len, NULL);
	if (rc)
		return rc;
	p.nlink--;
	inode_now(&p.mtime);
	p.ctime = p.mtime;
	rc = inode_save(t, &p);
	if (rc)
		return rc;
	return inode_delete(t, v.ino);
}

int ns_rmdir(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	     uint64_t parent, const char *name, size_t name_len)
{
	struct store_txn *t;
	int rc = store_child_begin(txn, &t);

	if (rc)
		return rc;
	return store_child_end(t, do_rmdir(t, cred, parent, name, name_len));
}

/* --- rename --- */

/* Everything a rename looks at, loaded and checked by ns_rename_prepare. */
struct ns_rename {
	struct inode sp_buf, dp_buf; /* the parents */
	struct inode *sp, *dp;	     /* dp == sp within one directory */
	struct inode s, d;	     /* source; target (if d_exists) */
	struct dentry sde, dde;	     /* their entries */
	bool d_exists;
};

static int ns_rename_prepare(struct store_txn *t, const struct ns_cred *cred,
			     uint64_t src_parent, const char *sname,
			     size_t slen, uint64_t dst_parent,
			     const char *dname, size_t dlen, unsigned flags,
			     struct ns_rename *r)
{
	bool sdir, ddir;
	int rc;

	r->sp = &r->sp_buf;
	rc = ns_walk(t, cred, src_parent, r->sp);
	if (rc)
		return rc;
	r->dp = r->sp;
	if (dst_parent != src_parent) {
		r->dp = &r->dp_buf;
		rc = ns_walk(t, cred, dst_parent, r->dp);
		if (rc)
			return rc;
	}
	rc = dentry_lookup(t, src_parent, sname, slen, &r->sde);
	if (rc)
		return rc;
	rc = inode_load(t, r->sde.ino, &r->s);
	if (rc)
		return rc == -ENOENT ? -EIO : rc;
	rc = dentry_lookup(t, dst_parent, dname, dlen, &r->dde);
	if (rc && rc != -ENOENT)
		return rc;
	r->d_exists = !rc;
	if (r->d_exists) {
		rc = inode_load(t, r->dde.ino, &r->d);
		if (rc)
			return rc == -ENOENT ? -EIO : rc;
	}
	/* Same inode (hard links, or one name): nothing to do. Linux
	 * answers this before its delete permission checks. */
	if (r->d_exists && r->dde.ino == r->sde.ino)
		return 1;
	rc = inode_permission(r->sp, cred, W_OK | X_OK);
	if (!rc)
		rc = inode_permission(r->dp, cred, W_OK | X_OK);
	if (rc)
		return rc;
	if ((flags & NS_RENAME_EXCHANGE) && !r->d_exists)
		return -ENOENT;
	if ((flags & NS_RENAME_NOREPLACE) && r->d_exists)
		return -EEXIST;
	if (!ns_sticky_ok(r->sp, &r->s, cred))
		return -EPERM;
	if (r->d_exists && !ns_sticky_ok(r->dp, &r->d, cred))
		return -EPERM;
	sdir = S_ISDIR(r->s.mode);
	ddir = r->d_exists && S_ISDIR(r->d.mode);
	if (r->sp != r->dp) {
		if (sdir) {
			rc = inode_permission(&r->s, cred, W_OK);
			if (rc)
				return rc;
			rc = ns_is_ancestor(t, r->s.ino, r->dp->ino);
			if (rc)
				return rc < 0 ? rc : -EINVAL;
		}
		if ((flags & NS_RENAME_EXCHANGE) && ddir) {
			rc = inode_permission(&r->d, cred, W_OK);
			if (rc)
				return rc;
			rc = ns_is_ancestor(t, r->d.ino, r->sp->ino);
			if (rc)
				return rc < 0 ? rc : -EINVAL;
		}
	}
	if (r->d_exists && !(flags & NS_RENAME_EXCHANGE)) {
		if (sdir && !ddir)
			return -ENOTDIR;
		if (!sdir && ddir)
			return -EISDIR;
		if (ddir) {
			rc = dentry_dir_empty(t, r->d.ino);
			if (rc < 0)
				return rc;
			if (!rc)
				return -ENOTEMPTY;
		}
	}
	if (r->sp != r->dp && sdir && !ddir && r->dp->nlink >= NS_LINK_MAX)
		return -EMLINK;
	if (r->sp != r->dp && ddir && !sdir && (flags & NS_RENAME_EXCHANGE) &&
	    r->sp->nlink >= NS_LINK_MAX)
		return -EMLINK;
	return 0;
}

static int ns_rename_exchange(struct store_txn *t, struct ns_rename *r,
			      const char *sname, size_t slen, const char *dname,
			      size_t dlen, const struct ns_time *now)
{
	int rc;

	rc = dentry_retarget(t, r->sp->ino, sname, slen, r->d.ino,
			     inode_dtype(r->d.mode));
	if (rc)
		return rc;
	rc = dentry_retarget(t, r->dp->ino, dname, dlen, r->s.ino,
			     inode_dtype(r->s.mode));
	if (rc)
		return rc;
	if (r->sp != r->dp) {
		if (S_ISDIR(r->s.mode)) {
			r->s.parent = r->dp->ino;
			r->sp->nlink--;
			r->dp->nlink++;
		}
		if (S_ISDIR(r->d.mode)) {
			r->d.parent = r->sp->ino;
			r->dp->nlink--;
			r->sp->nlink++;
		}
	}
	r->s.ctime = *now;
	r->d.ctime = *now;
	rc = inode_save(t, &r->s);
	if (rc)
		return rc;
	return inode_save(t, &r->d);
}

static int ns_rename_move(struct store_txn *t, struct ns_rename *r,
			  const char *sname, size_t slen, const char *dname,
			  size_t dlen, const struct ns_time *now)
{
	struct dentry de;
	int rc;

	if (r->d_exists) {
		rc = dentry_remove(t, r->dp->ino, dname, dlen, NULL);
		if (rc)
			return rc;
		if (S_ISDIR(r->d.mode)) {
			r->dp->nlink--;
			rc = inode_delete(t, r->d.ino);
		} else {
			rc = ns_drop_link(t, &r->d, now);
		}
		if (rc)
			return rc;
	}
	rc = dentry_remove(t, r->sp->ino, sname, slen, NULL);
	if (rc)
		return rc;
	de.ino = r->s.ino;
	de.type = inode_dtype(r->s.mode);
	if (r->sp == r->dp)
		de.cookie = r->sde.cookie;
	else
		de.cookie = r->dp->next_cookie++;
	rc = dentry_insert(t, r->dp->ino, dname, dlen, &de);
	if (rc)
		return rc;
	if (S_ISDIR(r->s.mode) && r->sp != r->dp) {
		r->s.parent = r->dp->ino;
		r->sp->nlink--;
		r->dp->nlink++;
	}
	r->s.ctime = *now;
	return inode_save(t, &r->s);
}

static int do_rename(struct store_txn *t, const struct ns_cred *cred,
		     uint64_t src_parent, const char *sname, size_t slen,
		     uint64_t dst_parent, const char *dname, size_t dlen,
		     unsigned flags)
{
	struct ns_rename *r;
	struct ns_time now;
	int rc;

	if ((flags & ~(NS_RENAME_NOREPLACE | NS_RENAME_EXCHANGE)) ||
	    (flags & NS_RENAME_NOREPLACE && flags & NS_RENAME_EXCHANGE))
		return -EINVAL;
	rc = ns_name_check(sname, slen);
	if (!rc)
		rc = ns_name_check(dname, dlen);
	if (rc)
		return rc;
	if (ns_name_is_dot(sname, slen) || ns_name_is_dotdot(sname, slen) ||
	    ns_name_is_dot(dname, dlen) || ns_name_is_dotdot(dname, dlen))
		return -EINVAL;
	/* Four inode copies: too much for one stack frame's comfort. */
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = ns_rename_prepare(t, cred, src_parent, sname, slen, dst_parent,
			       dname, dlen, flags, r);
	if (rc) {
		if (rc > 0)
			rc = 0;
		goto out;
	}
	inode_now(&now);
	if (flags & NS_RENAME_EXCHANGE)
		rc = ns_rename_exchange(t, r, sname, slen, dname, dlen, &now);
	else
		rc = ns_rename_move(t, r, sname, slen, dname, dlen, &now);
	if (rc)
		goto out;
	r->sp->mtime = now;
	r->sp->ctime = now;
	r->dp->mtime = now;
	r->dp->ctime = now;
	rc = inode_save(t, r->sp);
	if (!rc && r->dp != r->sp)
		rc = inode_save(t, r->dp);
out:
	free(r);
	return rc;
}

int ns_rename(struct ns *ns, struct store_txn *txn, const struct ns_cred *cred,
	      uint64_t src_parent, const char *src_name, size_t src_len,
	      uint64_t dst_parent, const char *dst_name, size_t dst_len,
	      unsigned flags)
{
	struct store_txn *t;
	int rc = store_child_begin(txn, &t);

	if (rc)
		return rc;
	return store_child_end(t,
			       do_rename(t, cred, src_parent, src_name, src_len,
					 dst_parent, dst_name, dst_len, flags));
}

/* --- readdir, statfs --- */

int ns_readdir(struct ns *ns, struct store_txn *txn, uint64_t dir,
	       uint64_t after, ns_readdir_fill_fn fill, void *arg, bool *eof)
{
	struct ns_dirent de;
	struct inode d;
	int rc;

	*eof = false;
	rc = inode_load(txn, dir, &d);
	if (rc)
		return rc;
	if (!S_ISDIR(d.mode))
		return -ENOTDIR;
	if (after < NS_COOKIE_DOT) {
		de.ino = d.ino;
		de.cookie = NS_COOKIE_DOT;
		de.type = inode_dtype(S_IFDIR);
		de.name = ".";
		de.name_len = 1;
		rc = fill(arg, &de);
		if (rc)
			return rc > 0 ? 0 : rc;
	}
	if (after < NS_COOKIE_DOTDOT) {
		de.ino = d.parent;
		de.cookie = NS_COOKIE_DOTDOT;
		de.type = inode_dtype(S_IFDIR);
		de.name = "..";
		de.name_len = 2;
		rc = fill(arg, &de);
		if (rc)
			return rc > 0 ? 0 : rc;
	}
	if (after < NS_COOKIE_DOTDOT)
		after = NS_COOKIE_DOTDOT;
	return dentry_iterate(txn, dir, after, fill, arg, eof);
}

int ns_statfs(struct ns *ns, struct store_txn *txn, struct ns_statfs *out)
{
	uint64_t used_inodes, used, total;
	int rc;

	rc = store_count(txn, STORE_DB_INODE, &used_inodes);
	if (rc)
		return rc;
	rc = store_space(ns->st, &used, &total);
	if (rc)
		return rc;
	out->ffree = total > used ? (total - used) / NS_BYTES_PER_INODE : 0;
	out->files = used_inodes + out->ffree;
	out->namemax = NS_NAME_MAX;
	return 0;
}

/* --- size/mtime reports --- */

static int do_update_size_mtime(struct store_txn *t, const struct ns_cred *cred,
				uint64_t ino, uint64_t size,
				const struct ns_time *mtime,
				struct ns_attr *attr)
{
	struct inode in;
	int rc;

	rc = inode_load(t, ino, &in);
	if (rc)
		return rc;
	if (S_ISDIR(in.mode))
		return -EISDIR;
	if (!S_ISREG(in.mode))
		return -EINVAL;
	if (size > (uint64_t)INT64_MAX)
		return -EFBIG;
	if (size > in.size) {
		in.size = size;
		in.blocks = inode_blocks(size);
	}
	in.mtime = *mtime;
	if (ns_time_cmp(mtime, &in.ctime) > 0)
		in.ctime = *mtime;
	if (cred->uid != 0)
		ns_kill_priv(&in);
	rc = inode_save(t, &in);
	if (!rc && attr)
		inode_to_attr(&in, attr);
	return rc;
}

int ns_update_size_mtime(struct ns *ns, struct store_txn *txn,
			 const struct ns_cred *cred, uint64_t ino,
			 uint64_t size, const struct ns_time *mtime,
			 struct ns_attr *attr)
{
	struct store_txn *t;
	int rc = store_child_begin(txn, &t);

	if (rc)
		return rc;
	return store_child_end(
	    t, do_update_size_mtime(t, cred, ino, size, mtime, attr));
}

/* --- layouts --- */

int ns_get_layout(struct ns *ns, struct store_txn *txn, uint64_t ino,
		  struct layout *out)
{
	struct inode in;
	int rc;

	rc = inode_load(txn, ino, &in);
	if (rc)
		return rc;
	if (!S_ISREG(in.mode))
		return -EINVAL;
	if (!in.tail_len)
		return -ENODATA;
	return ns_tail_layout(&in, out);
}

static int do_set_layout(struct ns *ns, struct store_txn *t,
			 const struct ns_cred *cred, uint64_t ino,
			 const struct layout *req,
			 const struct layout_ost *osts, size_t nosts,
			 struct layout *out)
{
	struct inode in, p;
	struct layout *old = NULL, *l = NULL;
	uint64_t object_id;
	int rc;

	rc = layout_check(req);
	if (rc)
		return rc;
	rc = inode_load(t, ino, &in);
	if (rc)
		return rc;
	if (!S_ISREG(in.mode))
		return -EINVAL;
	rc = inode_permission(&in, cred, W_OK);
	if (rc)
		return rc;
	if (in.size)
		return -EBUSY;
	old = malloc(sizeof(*old));
	l = malloc(sizeof(*l));
	if (!old || !l) {
		rc = -ENOMEM;
		goto out;
	}
	old->gen = 0;
	if (in.tail_len) {
		rc = ns_tail_layout(&in, old);
		if (rc)
			goto out;
		rc = orphan_queue_layout(t, in.ino, old);
		if (!rc)
			rc = obj_index_layout_del(t, in.ino, old);
		if (rc)
			goto out;
	}
	/* Unset fields come from the creation directory's default when it
	 * still is a directory, else from the file system's. */
	rc = inode_load(t, in.parent, &p);
	if (!rc && S_ISDIR(p.mode))
		rc = ns_layout_for(t, &p, l);
	else if (!rc || rc == -ENOENT)
		rc = ns_fs_default(t, l);
	if (rc)
		goto out;
	layout_resolve(req, l, l);
	l->gen = old->gen + 1;
	rc = inode_alloc_ino(t, &object_id);
	if (rc)
		goto out;
	rc = layout_place(l, osts, nosts, &ns->rr, object_id);
	if (!rc)
		rc = obj_index_layout_add(t, in.ino, l);
	if (rc)
		goto out;
	rc = ns_set_tail_layout(&in, l);
	if (rc)
		goto out;
	inode_now(&in.ctime);
	rc = inode_save(t, &in);
	if (!rc && out)
		*out = *l;
out:
	free(l);
	free(old);
	return rc;
}

int ns_set_layout(struct ns *ns, struct store_txn *txn,
		  const struct ns_cred *cred, uint64_t ino,
		  const struct layout *req, const struct layout_ost *osts,
		  size_t nosts, struct layout *out)
{
	struct store_txn *t;
	int rc = store_child_begin(txn, &t);

	if (rc)
		return rc;
	return store_child_end(
	    t, do_set_layout(ns, t, cred, ino, req, osts, nosts, out));
}

int ns_get_dir_layout(struct ns *ns, struct store_txn *txn, uint64_t dir,
		      struct layout *out)
{
	struct inode in;
	int rc;

	rc = inode_load(txn, dir, &in);
	if (rc)
		return rc;
	if (!S_ISDIR(in.mode))
		return -ENOTDIR;
	if (!in.tail_len)
		return -ENODATA;
	return ns_tail_layout(&in, out);
}

static int do_set_dir_layout(struct store_txn *t, const struct ns_cred *cred,
			     uint64_t dir, const struct layout *req)
{
	struct inode in;
	int rc;

	if (req) {
		rc = layout_check(req);
		if (rc)
			return rc;
	}
	rc = inode_load(t, dir, &in);
	if (rc)
		return rc;
	if (!S_ISDIR(in.mode))
		return -ENOTDIR;
	if (!inode_owner_or_root(&in, cred))
		return -EPERM;
	if (req) {
		rc = ns_set_tail_layout(&in, req);
		if (rc)
			return rc;
	} else {
		in.tail_len = 0;
	}
	inode_now(&in.ctime);
	return inode_save(t, &in);
}

int ns_set_dir_layout(struct ns *ns, struct store_txn *txn,
		      const struct ns_cred *cred, uint64_t dir,
		      const struct layout *req)
{
	struct store_txn *t;
	int rc = store_child_begin(txn, &t);

	if (rc)
		return rc;
	return store_child_end(t, do_set_dir_layout(t, cred, dir, req));
}
