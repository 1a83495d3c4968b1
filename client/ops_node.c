/*
 * ops_node.c - FUSE operations on names and attributes: lookup, forget,
 * getattr, setattr, mknod, mkdir, unlink, rmdir, symlink, readlink,
 * rename, link, directories, statfs and extended attributes.
 *
 * Each operation is a pair: do_x() does the work and returns 0 or -errno,
 * op_x() calls it and replies exactly once. Every operation that hands an
 * entry to the kernel (lookup, mknod, mkdir, symlink, link, create) goes
 * through ops_make_entry, which counts the lookup that forget balances.
 *
 * getattr of a directory this client just changed is answered from the
 * attributes the MDS sent with that change (md.c: md_dir_attr_get), not
 * asked again; setattr and xattr changes drop them.
 *
 * Negative lookups are not cached (ENOENT, not a zero entry), so a name
 * another client creates is seen at once. Positive entries and attributes
 * are cached by the kernel for entry_timeout / attr_timeout seconds.
 *
 * Directory offsets are the MDS's READDIR cookies: each entry's cookie is
 * where the listing resumes after it, stable across creates and removes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "client/client_i.h"
#include "client/rcache.h"
#include "common/log.h"

void ops_make_entry(struct client *c, const struct msg_entry *e,
		    struct fuse_entry_param *ep)
{
	struct cinode *ci = inode_remember(c, e);

	memset(ep, 0, sizeof(*ep));
	ep->ino = e->attr.ino;
	ep->generation = e->attr.gen;
	ep->attr_timeout = c->cfg->attr_timeout;
	ep->entry_timeout = c->cfg->entry_timeout;
	inode_stat(ci, e, &ep->attr);
	if (ci && S_ISDIR(e->attr.mode))
		md_dir_attr_drop(ci); /* the kernel has fresher ones now */
	inode_put(c, ci);
}

static void reply_entry_or_err(fuse_req_t req, int err,
			       const struct fuse_entry_param *ep)
{
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_entry(req, ep);
}

/* A request that names an entry of parent and answers with an entry. */
static int do_entry_op(fuse_req_t req, uint16_t opcode, struct msg_md_req *m,
		       struct fuse_entry_param *ep)
{
	struct client *c = client_of(req);
	struct msg_entry *e = malloc(sizeof(*e));
	int rc;

	if (!e)
		return -ENOMEM;
	md_cred(req, &m->cred);
	rc = md_call_entry(c, opcode, m, e);
	if (!rc)
		ops_make_entry(c, e, ep);
	free(e);
	return rc;
}

static void name_set(struct msg_bytes *b, const char *name)
{
	b->p = (const uint8_t *)name;
	b->len = (uint32_t)strlen(name);
}

static int name_check(const char *name)
{
	size_t n = strlen(name);

	if (n > PROTO_NAME_MAX)
		return -ENAMETOOLONG;
	return n ? 0 : -ENOENT;
}

/* --- lookup, forget --- */

/*
 * LOOKUP is answered from the MDS client's loop thread when the reply
 * comes (md_call_entry_async): the FUSE thread goes back to the kernel at
 * once instead of sleeping until it is woken with the reply, one thread
 * wake-up less per lookup (a data loader opening many files, stat of
 * many names).
 */
struct lookup_call {
	fuse_req_t req;
	struct client *c;
	pid_t pid;
};

static void lookup_done(void *arg, int rc, const struct msg_entry *e)
{
	struct lookup_call *lc = arg;
	struct fuse_entry_param ep;

	if (!rc) {
		ops_make_entry(lc->c, e, &ep);
		if (S_ISREG(ep.attr.st_mode)) {
			/* An OPEN may follow: it can use these attributes. */
			struct cinode *ci = inode_get(lc->c, ep.ino);

			if (ci)
				inode_looked_up(ci, lc->pid);
			inode_put(lc->c, ci);
		}
	}
	reply_entry_or_err(lc->req, rc, &ep);
	free(lc);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct lookup_call *lc;
	struct msg_md_req m;
	int rc = name_check(name);

	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	lc = malloc(sizeof(*lc));
	if (!lc) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	lc->req = req;
	lc->c = client_of(req);
	lc->pid = fuse_req_ctx(req)->pid;
	memset(&m, 0, sizeof(m));
	m.ino = parent;
	name_set(&m.name, name);
	md_cred(req, &m.cred);
	rc = md_call_entry_async(lc->c, PROTO_OP_LOOKUP, &m, lookup_done, lc);
	if (rc) {
		free(lc);
		fuse_reply_err(req, -rc);
	}
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	inode_forget(client_of(req), ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		inode_forget(client_of(req), forgets[i].ino,
			     forgets[i].nlookup);
	fuse_reply_none(req);
}

/* --- getattr, setattr --- */

static int do_getattr(fuse_req_t req, fuse_ino_t ino, struct stat *st)
{
	struct client *c = client_of(req);
	struct msg_entry *e = malloc(sizeof(*e));
	struct cinode *ci = NULL;
	int rc = -ENOMEM;

	if (!e)
		goto out;
	ci = inode_get(c, ino);
	if (!ci)
		goto out;
	rc = md_getattr(c, req, ino, e);
	if (rc)
		goto out;
	inode_update(ci, e);
	inode_stat(ci, e, st);
	if (S_ISDIR(e->attr.mode))
		md_dir_attr_drop(ci); /* the kernel has fresher ones now */
out:
	inode_put(c, ci);
	free(e);
	return rc;
}

/* A directory's GETATTR right after this client changed it is answered
 * from the attributes the MDS sent with that change (md.c). */
static int getattr_cached(fuse_req_t req, fuse_ino_t ino, struct stat *st,
			  double *timeout)
{
	struct client *c = client_of(req);
	struct cinode *ci = inode_get(c, ino);
	int hit = ci ? md_dir_attr_get(c, ci, st, timeout) : 0;

	inode_put(c, ci);
	return hit;
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st;
	double timeout = client_of(req)->cfg->attr_timeout;
	int rc = 0;

	if (!getattr_cached(req, ino, &st, &timeout))
		rc = do_getattr(req, ino, &st);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, timeout);
}

static void time_set(struct msg_time *t, const struct timespec *ts)
{
	t->sec = ts->tv_sec;
	t->nsec = (uint32_t)ts->tv_nsec;
}

/*
 * setattr: one SETATTR to the MDS; a size change then truncates every
 * object of a shrinking file to its share of the new size (a truncate up
 * only records the size: the objects' missing tails read as zeros).
 * The MDS goes first so that its permission checks decide before any
 * data is cut.
 */
static int do_setattr(fuse_req_t req, fuse_ino_t ino, const struct stat *attr,
		      int to_set, struct fuse_file_info *fi, struct stat *st)
{
	struct client *c = client_of(req);
	struct msg_md_req m;
	struct msg_entry *e = malloc(sizeof(*e));
	struct msg_layout *l = NULL;
	struct cinode *ci = NULL;
	uint64_t old_size = 0;
	int size_locked = 0;
	int rc = -ENOMEM;

	if (!e)
		goto out;
	ci = inode_get(c, ino);
	if (!ci)
		goto out;
	io_wb_drain(ci); /* no write in flight outlives a truncate */
	if (to_set & FUSE_SET_ATTR_SIZE) { /* nor a CLOSE (cinode.size_mu) */
		pthread_mutex_lock(&ci->size_mu);
		size_locked = 1;
	}
	memset(&m, 0, sizeof(m));
	md_cred(req, &m.cred);
	m.ino = ino;
	if (to_set & FUSE_SET_ATTR_MODE) {
		m.valid |= PROTO_SET_MODE;
		m.mode = attr->st_mode & 07777;
	}
	if (to_set & FUSE_SET_ATTR_UID) {
		m.valid |= PROTO_SET_UID;
		m.uid = attr->st_uid;
	}
	if (to_set & FUSE_SET_ATTR_GID) {
		m.valid |= PROTO_SET_GID;
		m.gid = attr->st_gid;
	}
	if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
		m.valid |= PROTO_SET_ATIME_NOW;
	} else if (to_set & FUSE_SET_ATTR_ATIME) {
		m.valid |= PROTO_SET_ATIME;
		time_set(&m.atime, &attr->st_atim);
	}
	if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
		m.valid |= PROTO_SET_MTIME_NOW;
	} else if (to_set & FUSE_SET_ATTR_MTIME) {
		m.valid |= PROTO_SET_MTIME;
		time_set(&m.mtime, &attr->st_mtim);
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (attr->st_size < 0) {
			rc = -EINVAL;
			goto out;
		}
		m.valid |= PROTO_SET_SIZE | (fi ? PROTO_SET_FROM_OPEN : 0);
		m.size = (uint64_t)attr->st_size;
		rc = inode_snapshot(ci, &l, &old_size);
		if (rc && rc != -EIO)
			goto out;
		inode_data_changed(ci); /* and again once done, below */
	}
	rc = md_call_entry(c, PROTO_OP_SETATTR, &m, e);
	md_dir_attr_drop(ci); /* after: a concurrent reply may have set it */
	if (rc)
		goto out;
	if ((m.valid & PROTO_SET_SIZE) && l && m.size < old_size)
		rc = io_truncate(c, l, m.size);
	if (m.valid & PROTO_SET_SIZE) /* reads sent meanwhile are stale */
		inode_data_changed(ci);
	if (rc) {
		log_msg(LOG_WARNING, "ops", "ino=%llu truncate to %llu: %s",
			(unsigned long long)ino, (unsigned long long)m.size,
			strerror(-rc));
		goto out;
	}
	if (m.valid & (PROTO_SET_SIZE | PROTO_SET_MTIME | PROTO_SET_MTIME_NOW)) {
		/* The MDS's size and mtime are now the truth, also over our
		 * unreported writes (a later CLOSE reports them from here). */
		pthread_mutex_lock(&ci->mu);
		if (m.valid & PROTO_SET_SIZE)
			ci->size = e->attr.size;
		ci->mtime = e->attr.mtime;
		pthread_mutex_unlock(&ci->mu);
	}
	inode_update_own(ci, e);
	inode_stat(ci, e, st);
out:
	if (size_locked)
		pthread_mutex_unlock(&ci->size_mu);
	inode_put(c, ci);
	free(l);
	free(e);
	return rc;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct stat st;
	int rc = do_setattr(req, ino, attr, to_set, fi, &st);

	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, client_of(req)->cfg->attr_timeout);
}

/* --- creating and removing names --- */

static int do_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		    mode_t mode, dev_t rdev, struct fuse_entry_param *ep)
{
	struct msg_md_req m;
	int rc = name_check(name);

	if (rc)
		return rc;
	if (!(mode & S_IFMT))
		mode |= S_IFREG;
	memset(&m, 0, sizeof(m));
	m.ino = parent;
	name_set(&m.name, name);
	m.mode = mode;
	m.flags = PROTO_CREATE_EXCL;
	m.rdev = rdev;
	m.layout.first_ost = -1;
	return do_entry_op(req, PROTO_OP_CREATE, &m, ep);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	struct fuse_entry_param ep;

	reply_entry_or_err(req, do_mknod(req, parent, name, mode, rdev, &ep),
			   &ep);
}

static int do_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		    mode_t mode, struct fuse_entry_param *ep)
{
	struct msg_md_req m;
	int rc = name_check(name);

	if (rc)
		return rc;
	memset(&m, 0, sizeof(m));
	m.ino = parent;
	name_set(&m.name, name);
	m.mode = mode & 07777;
	return do_entry_op(req, PROTO_OP_MKDIR, &m, ep);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct fuse_entry_param ep;

	reply_entry_or_err(req, do_mkdir(req, parent, name, mode, &ep), &ep);
}

static int do_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		      const char *name, struct fuse_entry_param *ep)
{
	struct msg_md_req m;
	int rc = name_check(name);

	if (rc)
		return rc;
	if (strlen(link) > PROTO_SYMLINK_MAX)
		return -ENAMETOOLONG;
	memset(&m, 0, sizeof(m));
	m.ino = parent;
	name_set(&m.name, name);
	name_set(&m.value, link);
	return do_entry_op(req, PROTO_OP_SYMLINK, &m, ep);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	struct fuse_entry_param ep;

	reply_entry_or_err(req, do_symlink(req, link, parent, name, &ep), &ep);
}

static int do_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		   const char *newname, struct fuse_entry_param *ep)
{
	struct msg_md_req m;
	int rc = name_check(newname);

	if (rc)
		return rc;
	memset(&m, 0, sizeof(m));
	m.ino = ino;
	m.ino2 = newparent;
	name_set(&m.name2, newname);
	return do_entry_op(req, PROTO_OP_LINK, &m, ep);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	struct fuse_entry_param ep;

	reply_entry_or_err(req, do_link(req, ino, newparent, newname, &ep),
			   &ep);
}

static void remove_done(void *arg, int rc)
{
	fuse_reply_err((fuse_req_t)arg, -rc);
}

/* UNLINK or RMDIR of parent/name, answered when the reply comes (as
 * LOOKUP is). */
static void do_remove(fuse_req_t req, uint16_t opcode, fuse_ino_t parent,
		      const char *name)
{
	struct msg_md_req m;
	int rc = name_check(name);

	if (!rc) {
		memset(&m, 0, sizeof(m));
		md_cred(req, &m.cred);
		m.ino = parent;
		name_set(&m.name, name);
		rc = md_call_dirs_async(client_of(req), opcode, &m,
					remove_done, req);
	}
	if (rc)
		fuse_reply_err(req, -rc);
}

/*
 * If parent/name is the last link of a file open on this client, rename it
 * to CLIENT_SILLY_FMT instead of removing it (see ops_file.c): returns 1
 * when done, 0 when a plain unlink is due, or -errno.
 */
static int unlink_silly(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct client *c = client_of(req);
	struct msg_md_req m;
	struct msg_entry *e;
	struct cinode *ci = NULL;
	char silly[64];
	int rc, busy;

	if (!atomic_load(&c->nopen_files))
		return 0;
	e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	memset(&m, 0, sizeof(m));
	md_cred(req, &m.cred);
	m.ino = parent;
	name_set(&m.name, name);
	rc = md_call_entry(c, PROTO_OP_LOOKUP, &m, e);
	if (rc || !S_ISREG(e->attr.mode) || e->attr.nlink != 1) {
		rc = rc == -ENOENT ? -ENOENT : 0;
		goto out;
	}
	ci = inode_get(c, e->attr.ino);
	if (!ci) {
		rc = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&ci->mu);
	busy = ci->nopen && !ci->silly;
	pthread_mutex_unlock(&ci->mu);
	if (!busy)
		goto out;
	snprintf(silly, sizeof(silly), CLIENT_SILLY_FMT,
		 (unsigned long long)e->attr.ino);
	m.ino2 = parent;
	name_set(&m.name2, silly);
	rc = md_call_dirs(c, PROTO_OP_RENAME, &m);
	if (rc)
		goto out;
	pthread_mutex_lock(&ci->mu);
	ci->silly = 1;
	ci->silly_parent = parent;
	pthread_mutex_unlock(&ci->mu);
	rc = 1;
out:
	inode_put(c, ci);
	free(e);
	return rc;
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int rc = name_check(name);

	if (!rc)
		rc = unlink_silly(req, parent, name);
	if (rc == 0)
		do_remove(req, PROTO_OP_UNLINK, parent, name);
	else
		fuse_reply_err(req, rc > 0 ? 0 : -rc);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	do_remove(req, PROTO_OP_RMDIR, parent, name);
}

static int do_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		     fuse_ino_t newparent, const char *newname,
		     unsigned int flags)
{
	struct msg_md_req m;
	int rc = name_check(name);

	if (!rc)
		rc = name_check(newname);
	if (rc)
		return rc;
	memset(&m, 0, sizeof(m));
	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL; /* RENAME_WHITEOUT: no overlay support */
	if (flags & RENAME_NOREPLACE)
		m.flags |= PROTO_RENAME_NOREPLACE;
	if (flags & RENAME_EXCHANGE)
		m.flags |= PROTO_RENAME_EXCHANGE;
	md_cred(req, &m.cred);
	m.ino = parent;
	name_set(&m.name, name);
	m.ino2 = newparent;
	name_set(&m.name2, newname);
	return md_call_dirs(client_of(req), PROTO_OP_RENAME, &m);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	fuse_reply_err(req, -do_rename(req, parent, name, newparent, newname,
				       flags));
}

static int do_readlink(fuse_req_t req, fuse_ino_t ino, char *buf,
		       size_t size)
{
	struct msg_md_req m;
	struct msg_bytes target;
	uint8_t *reply = NULL;
	size_t len = 0;
	struct cursor cur;
	int rc;

	memset(&m, 0, sizeof(m));
	md_cred(req, &m.cred);
	m.ino = ino;
	rc = md_call(client_of(req), PROTO_OP_READLINK, &m, &reply, &len);
	if (rc)
		goto out;
	cursor_init(&cur, reply, len);
	if (msg_readlink_decode(&cur, &target) || target.len >= size) {
		rc = -EIO;
		goto out;
	}
	memcpy(buf, target.p, target.len);
	buf[target.len] = '\0';
out:
	free(reply);
	return rc;
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[PROTO_SYMLINK_MAX + 1];
	int rc = do_readlink(req, ino, buf, sizeof(buf));

	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_readlink(req, buf);
}

/* --- directories --- */

static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	/* Permission to read was checked by the kernel (default_permissions);
	 * listings are fetched per readdir call, nothing is kept open. */
	fi->fh = 0;
	fuse_reply_open(req, fi);
}

/* Fill buf (size bytes) with the entries after cookie off: *used bytes. */
static int do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      char *buf, size_t *used)
{
	struct msg_md_req m;
	uint8_t *reply = NULL, eof;
	size_t len = 0, pos = 0;
	uint32_t count;
	struct cursor cur;
	int rc;

	*used = 0;
	memset(&m, 0, sizeof(m));
	md_cred(req, &m.cred);
	m.ino = ino;
	m.cookie = (uint64_t)off;
	/* Our entries are smaller than the kernel's: ask for as many bytes
	 * as the kernel buffer holds; what does not fit is asked again from
	 * the last cookie that did. */
	m.max_bytes = (uint32_t)(size < PROTO_READDIR_MAX ? size :
							     PROTO_READDIR_MAX);
	rc = md_call(client_of(req), PROTO_OP_READDIR, &m, &reply, &len);
	if (rc)
		goto out;
	cursor_init(&cur, reply, len);
	if (msg_readdir_decode_header(&cur, &eof, &count)) {
		rc = -EIO;
		goto out;
	}
	for (uint32_t i = 0; i < count; i++) {
		struct msg_dirent d;
		char name[PROTO_NAME_MAX + 1];
		struct stat st;
		size_t need;

		if (msg_dirent_get(&cur, &d)) {
			rc = -EIO;
			goto out;
		}
		memcpy(name, d.name.p, d.name.len);
		name[d.name.len] = '\0';
		memset(&st, 0, sizeof(st));
		st.st_ino = d.ino;
		st.st_mode = (mode_t)d.type << 12;
		need = fuse_add_direntry(req, buf + pos, size - pos, name, &st,
					 (off_t)d.cookie);
		if (need > size - pos)
			break;
		pos += need;
	}
	*used = pos;
out:
	free(reply);
	return rc;
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	char *buf = malloc(size ? size : 1);
	size_t used = 0;
	int rc = buf ? do_readdir(req, ino, size, off, buf, &used) : -ENOMEM;

	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, buf, used);
	free(buf);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	/* Metadata is acknowledged only once committed on the MDS. */
	fuse_reply_err(req, 0);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;
	int rc = io_statfs(client_of(req), &st);

	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_statfs(req, &st);
}

/* --- extended attributes --- */

static int xattr_name_check(const char *name)
{
	size_t n = strlen(name);

	return n && n <= PROTO_NAME_MAX ? 0 : -ERANGE;
}

#define XATTR_CAPS "security.capability"
/* Setting it on any file of the mount drops the client's read cache
 * (rcache.h), which drop_caches does not reach: a way to measure cold
 * small reads without remounting. trusted.*: only root may. */
#define XATTR_DROP_READ_CACHE "trusted.glint.drop_read_cache"

/* This client changes ino's xattrs: its cached "no capability" goes. */
static void xattr_changing(struct client *c, fuse_ino_t ino)
{
	struct cinode *ci = inode_get(c, ino);

	if (ci)
		inode_nocaps_clear(ci);
	inode_put(c, ci);
}

/* This client changed ino's xattrs: kept directory attributes go (the
 * change moved ctime). */
static void xattr_changed(struct client *c, fuse_ino_t ino)
{
	struct cinode *ci = inode_get(c, ino);

	if (ci)
		md_dir_attr_drop(ci);
	inode_put(c, ci);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	struct msg_md_req m;
	int rc = xattr_name_check(name);

	if (strcmp(name, XATTR_DROP_READ_CACHE) == 0) {
		/* Not stored: the kernel let only CAP_SYS_ADMIN set a
		 * trusted.* name. */
		rcache_clear(client_of(req)->rcache);
		log_msg(LOG_NOTICE, "ops", "read cache dropped (%s)", name);
		fuse_reply_err(req, 0);
		return;
	}
	xattr_changing(client_of(req), ino);
	if (!rc && size > PROTO_XATTR_MAX)
		rc = -E2BIG;
	if (!rc && (flags & ~(XATTR_CREATE | XATTR_REPLACE)))
		rc = -EINVAL;
	if (!rc) {
		memset(&m, 0, sizeof(m));
		md_cred(req, &m.cred);
		m.ino = ino;
		name_set(&m.name, name);
		m.value.p = (const uint8_t *)value;
		m.value.len = (uint32_t)size;
		m.flags = ((flags & XATTR_CREATE) ? PROTO_XATTR_CREATE : 0) |
			  ((flags & XATTR_REPLACE) ? PROTO_XATTR_REPLACE : 0);
		rc = md_call(client_of(req), PROTO_OP_SETXATTR, &m, NULL, NULL);
		xattr_changed(client_of(req), ino);
	}
	fuse_reply_err(req, -rc);
}

/* GETXATTR (name != NULL) or LISTXATTR: answers with the size (size 0)
 * or the bytes. Returns 0, or the -errno it answered with. */
static int xattr_get_reply(fuse_req_t req, fuse_ino_t ino, uint16_t opcode,
			    const char *name, size_t size)
{
	struct msg_md_req m;
	struct msg_xattr_reply r;
	uint8_t *reply = NULL;
	size_t len = 0;
	struct cursor cur;
	int rc = name ? xattr_name_check(name) : 0;

	if (rc)
		goto out;
	memset(&m, 0, sizeof(m));
	md_cred(req, &m.cred);
	m.ino = ino;
	if (name)
		name_set(&m.name, name);
	m.max_bytes = (uint32_t)size;
	rc = md_call(client_of(req), opcode, &m, &reply, &len);
	if (rc)
		goto out;
	cursor_init(&cur, reply, len);
	if (msg_xattr_reply_decode(opcode, &cur, &r)) {
		rc = -EIO;
		goto out;
	}
	if (!size) {
		fuse_reply_xattr(req, r.length);
		goto done;
	}
	if (r.value.len > size) {
		rc = -ERANGE;
		goto out;
	}
	fuse_reply_buf(req, (const char *)r.value.p, r.value.len);
	goto done;
out:
	fuse_reply_err(req, -rc);
done:
	free(reply);
	return rc;
}

/* security.capability is asked before every write: answered from the
 * inode's cache when known absent (client_i.h, inode_nocaps_get). */
static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	struct client *c = client_of(req);
	struct cinode *ci = NULL;
	struct nocaps_snap snap;

	if (strcmp(name, XATTR_CAPS)) {
		(void)xattr_get_reply(req, ino, PROTO_OP_GETXATTR, name, size);
		goto out;
	}
	ci = inode_get(c, ino);
	if (!ci)
		fuse_reply_err(req, ENOMEM);
	else if (inode_nocaps_get(ci, &snap))
		fuse_reply_err(req, ENODATA);
	else if (xattr_get_reply(req, ino, PROTO_OP_GETXATTR, name, size) ==
		 -ENODATA)
		inode_nocaps_set(ci, &snap);
out:
	inode_put(c, ci);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	(void)xattr_get_reply(req, ino, PROTO_OP_LISTXATTR, NULL, size);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct msg_md_req m;
	int rc = xattr_name_check(name);

	xattr_changing(client_of(req), ino);
	if (!rc) {
		memset(&m, 0, sizeof(m));
		md_cred(req, &m.cred);
		m.ino = ino;
		name_set(&m.name, name);
		rc = md_call(client_of(req), PROTO_OP_REMOVEXATTR, &m, NULL,
			     NULL);
		xattr_changed(client_of(req), ino);
	}
	fuse_reply_err(req, -rc);
}

void ops_node_init(struct fuse_lowlevel_ops *ops)
{
	ops->lookup = op_lookup;
	ops->forget = op_forget;
	ops->forget_multi = op_forget_multi;
	ops->getattr = op_getattr;
	ops->setattr = op_setattr;
	ops->readlink = op_readlink;
	ops->mknod = op_mknod;
	ops->mkdir = op_mkdir;
	ops->unlink = op_unlink;
	ops->rmdir = op_rmdir;
	ops->symlink = op_symlink;
	ops->rename = op_rename;
	ops->link = op_link;
	ops->opendir = op_opendir;
	ops->readdir = op_readdir;
	ops->releasedir = op_releasedir;
	ops->fsyncdir = op_fsyncdir;
	ops->statfs = op_statfs;
	ops->setxattr = op_setxattr;
	ops->getxattr = op_getxattr;
	ops->listxattr = op_listxattr;
	ops->removexattr = op_removexattr;
}
