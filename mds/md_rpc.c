/*
 * md_rpc.c - the MDS's metadata handlers (LOOKUP ... GETSTRIPE) and LOCK.
 *
 * A metadata handler only checks the peer and decodes: it copies the
 * payload into a struct md_op (the decoded request borrows names from that
 * copy), takes a conn reference and submits the op to the group commit.
 * md_apply() then runs it inside the batch's write txn, in a child txn of
 * its own, converting msg_* structs to ns_* ones and building the reply
 * payload; md_done() sends the reply once the batch has committed (or the
 * error), and drops the reference. Reads (LOOKUP, GETATTR, READDIR, ...)
 * take the same path, so they see every change acknowledged before them.
 *
 * Layouts: the file system default (--stripe-size, --stripe-count) is the
 * root's default layout (main.c writes it at start); a directory's default
 * is inherited by what is created in it; placement goes over the OST map,
 * UP OSTs usable, DOWN ones skipped, and full ones (ost_map.h) skipped too
 * unless every UP OST is full. A layout request (CREATE's, and
 * SETSTRIPE's) with stripe_size, stripe_count and pattern all 0 and
 * first_ost 0 or -1 is "no request": inherit everything. Otherwise
 * first_ost is taken as given (-1 = the MDS chooses round-robin).
 *
 * Replies of CREATE, MKDIR, SYMLINK, LINK (after the entry), UNLINK, RMDIR
 * and RENAME end with dir_attrs (msg_fs.h): the changed directories'
 * attributes read back in the op's txn after the change, so that the
 * client need not ask for them (md_append_dir_attrs).
 *
 * LOCK is answered at once from the lock table, except a blocked SETW,
 * whose reply waits (with a conn reference) until the lock is granted or
 * the connection closes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "mds/destroyer.h"
#include "mds/mds_i.h"
#include "mds/orphan.h"
#include "mds/xattr.h"
#include "proto/msg_fs.h"

struct md_op {
	struct gc_req gc;	/* first: container of the group commit's req */
	struct mds *m;
	struct conn *c;		/* our reference (conn_get) */
	struct frame_header h;	/* the request's header, for the reply */
	struct msg_md_req req;	/* decoded; borrows from payload[] */
	struct ns_cred cred;	/* borrows req.cred.groups */
	uint8_t *reply;		/* malloc'd reply payload, or NULL */
	size_t reply_len;
	size_t payload_len;
	uint8_t payload[];	/* copy of the request payload */
};

/* A root cred for what the MDS does on a caller's behalf after it was
 * already allowed (laying out a file the caller just created). */
static const struct ns_cred md_root_cred = { 0 };

/* --- conversions --- */

static void md_time_out(const struct ns_time *t, struct msg_time *o)
{
	o->sec = t->sec;
	o->nsec = t->nsec;
}

static void md_time_in(const struct msg_time *t, struct ns_time *o)
{
	o->sec = t->sec;
	o->nsec = t->nsec;
}

static void md_attr_out(const struct ns_attr *a, struct msg_attr *o)
{
	o->ino = a->ino;
	o->mode = a->mode;
	o->uid = a->uid;
	o->gid = a->gid;
	o->nlink = a->nlink;
	o->gen = a->gen;
	o->size = a->size;
	o->blocks = a->blocks;
	o->rdev = a->rdev;
	md_time_out(&a->atime, &o->atime);
	md_time_out(&a->mtime, &o->mtime);
	md_time_out(&a->ctime, &o->ctime);
}

static void md_layout_out(const struct layout *l, struct msg_layout *o)
{
	o->stripe_size = l->stripe_size;
	o->stripe_count = l->stripe_count;
	o->first_ost = l->first_ost;
	o->pattern = l->pattern;
	o->gen = l->gen;
	o->nstripes = l->nstripes;
	for (uint32_t i = 0; i < l->nstripes && i < PROTO_MAX_STRIPES; i++) {
		o->stripes[i].ost_idx = l->stripes[i].ost_idx;
		o->stripes[i].object_id = l->stripes[i].object_id;
	}
}

static bool md_layout_is_empty_req(const struct msg_layout *m)
{
	return !m->stripe_size && !m->stripe_count && !m->pattern &&
	       (m->first_ost == 0 || m->first_ost == -1) && !m->nstripes;
}

/* A layout request from the wire: nstripes must be 0. */
static int md_layout_in(const struct msg_layout *m, struct layout *o)
{
	memset(o, 0, offsetof(struct layout, stripes));
	if (m->nstripes)
		return -EINVAL;
	o->stripe_size = m->stripe_size;
	o->stripe_count = m->stripe_count;
	o->first_ost = md_layout_is_empty_req(m) ? LAYOUT_OST_ANY : m->first_ost;
	o->pattern = m->pattern;
	return layout_check(o);
}

size_t mds_placement_osts(const struct mds *m, struct layout_ost *out)
{
	uint32_t n = m->osts.count < PROTO_MAX_OSTS ? m->osts.count :
						       PROTO_MAX_OSTS;
	size_t usable = 0;

	for (uint32_t i = 0; i < n; i++) {
		out[i].ost_idx = m->osts.entries[i].ost_idx;
		out[i].usable = ost_map_usable(&m->osts.entries[i], false);
		usable += out[i].usable;
	}
	/* Every UP OST full: use them anyway; writes then get -ENOSPC from
	 * the OSTs, as on a full local disk, rather than create failing. */
	for (uint32_t i = 0; !usable && i < n; i++)
		out[i].usable = ost_map_usable(&m->osts.entries[i], true);
	return n;
}

/* --- replies --- */

static int md_set_reply(struct md_op *op, uint8_t *buf, size_t len)
{
	free(op->reply);
	op->reply = buf;
	op->reply_len = len;
	return 0;
}

/* Entry reply for attr; l is the file's layout when the caller has it,
 * else it is read for regular files. */
static int md_reply_entry(struct md_op *op, struct store_txn *txn,
			  const struct ns_attr *attr, const struct layout *l)
{
	struct msg_entry *e;
	struct layout *tmp = NULL;
	uint8_t *buf = NULL;
	ssize_t n;
	int rc = -ENOMEM;

	e = calloc(1, sizeof(*e));
	if (!e)
		goto out;
	md_attr_out(attr, &e->attr);
	if (S_ISREG(attr->mode) && !l) {
		tmp = malloc(sizeof(*tmp));
		if (!tmp)
			goto out;
		rc = ns_get_layout(op->m->ns, txn, attr->ino, tmp);
		if (rc && rc != -ENODATA)
			goto out;
		if (!rc)
			l = tmp;
	}
	if (S_ISREG(attr->mode) && l)
		md_layout_out(l, &e->layout);
	rc = -ENOMEM;
	buf = malloc(msg_entry_encoded_len(e));
	if (!buf)
		goto out;
	n = msg_entry_encode(e, buf, msg_entry_encoded_len(e));
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	rc = md_set_reply(op, buf, (size_t)n);
	buf = NULL;
out:
	free(buf);
	free(tmp);
	free(e);
	return rc;
}

static int md_reply_layout(struct md_op *op, const struct layout *l)
{
	struct msg_layout *ml = calloc(1, sizeof(*ml));
	uint8_t *buf = NULL;
	ssize_t n;
	int rc = -ENOMEM;

	if (!ml)
		goto out;
	md_layout_out(l, ml);
	buf = malloc(msg_layout_encoded_len(ml));
	if (!buf)
		goto out;
	n = msg_layout_encode(ml, buf, msg_layout_encoded_len(ml));
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	rc = md_set_reply(op, buf, (size_t)n);
	buf = NULL;
out:
	free(buf);
	free(ml);
	return rc;
}

/* A u32 length and a blob (GETXATTR, LISTXATTR); data NULL with n the
 * size asked for when the caller passed size 0. */
static int md_reply_len_blob(struct md_op *op, uint32_t total,
			     const void *data, uint32_t n)
{
	size_t len = 4 + CODEC_BLOB_LEN(n);
	uint8_t *buf = malloc(len);
	struct wbuf w;

	if (!buf)
		return -ENOMEM;
	wbuf_init(&w, buf, len);
	wbuf_put_u32(&w, total);
	wbuf_put_blob(&w, data, n);
	return md_set_reply(op, buf, len);
}

/*
 * Append dir_attrs (msg_fs.h) to the reply: the attributes of directory
 * d1 and, when nonzero and another one, d2, as they are now in txn (after
 * the change). A directory that cannot be read is left out: the client
 * then asks for it, as without the block.
 */
static int md_append_dir_attrs(struct md_op *op, struct store_txn *txn,
			       uint64_t d1, uint64_t d2)
{
	struct msg_dir_attrs da;
	uint64_t dirs[2] = { d1, d2 != d1 ? d2 : 0 };
	struct ns_attr a;
	uint8_t *buf;
	ssize_t n;
	size_t len;

	da.count = 0;
	for (int i = 0; i < 2; i++) {
		if (!dirs[i] || ns_getattr(op->m->ns, txn, dirs[i], &a) ||
		    !S_ISDIR(a.mode))
			continue;
		md_attr_out(&a, &da.attr[da.count++]);
	}
	len = msg_dir_attrs_encoded_len(&da);
	buf = realloc(op->reply, op->reply_len + len);
	if (!buf)
		return -ENOMEM;
	op->reply = buf;
	n = msg_dir_attrs_encode(&da, buf + op->reply_len, len);
	if (n < 0)
		return (int)n;
	op->reply_len += (size_t)n;
	return 0;
}

/* --- operations (in the batch's txn) --- */

static int md_lookup(struct md_op *op, struct store_txn *txn)
{
	struct ns_attr a;
	int rc;

	rc = ns_lookup(op->m->ns, txn, &op->cred, op->req.ino,
		       (const char *)op->req.name.p, op->req.name.len, &a);
	return rc ? rc : md_reply_entry(op, txn, &a, NULL);
}

static int md_getattr(struct md_op *op, struct store_txn *txn)
{
	struct ns_attr a;
	int rc;

	rc = ns_getattr(op->m->ns, txn, op->req.ino, &a);
	return rc ? rc : md_reply_entry(op, txn, &a, NULL);
}

static int md_setattr(struct md_op *op, struct store_txn *txn)
{
	const struct msg_md_req *r = &op->req;
	struct ns_setattr sa = {
		.valid = r->valid,
		.mode = r->mode,
		.uid = r->uid,
		.gid = r->gid,
		.size = r->size,
	};
	struct ns_attr a;
	int rc;

	if (r->valid & ~PROTO_SET_KNOWN)
		return -EINVAL;
	md_time_in(&r->atime, &sa.atime);
	md_time_in(&r->mtime, &sa.mtime);
	rc = ns_setattr(op->m->ns, txn, &op->cred, r->ino, &sa, &a);
	return rc ? rc : md_reply_entry(op, txn, &a, NULL);
}

static int md_create(struct md_op *op, struct store_txn *txn)
{
	const struct msg_md_req *r = &op->req;
	struct layout_ost osts[PROTO_MAX_OSTS];
	struct layout *l = NULL, *req = NULL;
	uint32_t type = r->mode & S_IFMT;
	struct ns_attr a;
	bool created = false;
	size_t nosts;
	int rc = -ENOMEM;

	if (r->flags & ~PROTO_CREATE_EXCL)
		return -EINVAL;
	nosts = mds_placement_osts(op->m, osts);
	if (type && type != S_IFREG) {
		rc = ns_mknod(op->m->ns, txn, &op->cred, r->ino,
			      (const char *)r->name.p, r->name.len, r->mode,
			      r->rdev, osts, nosts, &a);
		if (!rc)
			rc = md_reply_entry(op, txn, &a, NULL);
		return rc ? rc : md_append_dir_attrs(op, txn, r->ino, 0);
	}
	l = malloc(sizeof(*l));
	req = malloc(sizeof(*req));
	if (!l || !req)
		goto out;
	if (!md_layout_is_empty_req(&r->layout)) {
		rc = md_layout_in(&r->layout, req);
		if (rc)
			goto out;
	}
	rc = ns_create(op->m->ns, txn, &op->cred, r->ino,
		       (const char *)r->name.p, r->name.len, r->mode & 07777,
		       (r->flags & PROTO_CREATE_EXCL) ? NS_CREATE_EXCL : 0,
		       osts, nosts, &a, l, &created);
	if (rc)
		goto out;
	if (created && !md_layout_is_empty_req(&r->layout)) {
		/* setstripe on the new file, in this op's txn: its first
		 * layout's objects were never written, so they leave the
		 * destroy queue again at once. */
		struct layout first = *l;

		rc = ns_set_layout(op->m->ns, txn, &md_root_cred, a.ino, req,
				   osts, nosts, l);
		for (uint32_t i = 0; !rc && i < first.nstripes; i++)
			rc = orphan_remove(txn, first.stripes[i].object_id, i);
		if (!rc)
			rc = ns_getattr(op->m->ns, txn, a.ino, &a);
		if (rc)
			goto out;
	}
	rc = md_reply_entry(op, txn, &a, l->nstripes ? l : NULL);
	if (!rc) /* an existing file: no directory changed, count 0 */
		rc = md_append_dir_attrs(op, txn, created ? r->ino : 0, 0);
out:
	free(req);
	free(l);
	return rc;
}

static int md_mkdir(struct md_op *op, struct store_txn *txn)
{
	struct ns_attr a;
	int rc;

	rc = ns_mkdir(op->m->ns, txn, &op->cred, op->req.ino,
		      (const char *)op->req.name.p, op->req.name.len,
		      op->req.mode, &a);
	if (!rc)
		rc = md_reply_entry(op, txn, &a, NULL);
	return rc ? rc : md_append_dir_attrs(op, txn, op->req.ino, 0);
}

static int md_unlink(struct md_op *op, struct store_txn *txn)
{
	int rc = ns_unlink(op->m->ns, txn, &op->cred, op->req.ino,
			   (const char *)op->req.name.p, op->req.name.len);

	return rc ? rc : md_append_dir_attrs(op, txn, op->req.ino, 0);
}

static int md_rmdir(struct md_op *op, struct store_txn *txn)
{
	int rc = ns_rmdir(op->m->ns, txn, &op->cred, op->req.ino,
			  (const char *)op->req.name.p, op->req.name.len);

	return rc ? rc : md_append_dir_attrs(op, txn, op->req.ino, 0);
}

static int md_rename(struct md_op *op, struct store_txn *txn)
{
	const struct msg_md_req *r = &op->req;
	unsigned flags = 0;
	int rc;

	if (r->flags & ~(PROTO_RENAME_NOREPLACE | PROTO_RENAME_EXCHANGE))
		return -EINVAL;
	if (r->flags & PROTO_RENAME_NOREPLACE)
		flags |= NS_RENAME_NOREPLACE;
	if (r->flags & PROTO_RENAME_EXCHANGE)
		flags |= NS_RENAME_EXCHANGE;
	rc = ns_rename(op->m->ns, txn, &op->cred, r->ino,
		       (const char *)r->name.p, r->name.len, r->ino2,
		       (const char *)r->name2.p, r->name2.len, flags);
	return rc ? rc : md_append_dir_attrs(op, txn, r->ino, r->ino2);
}

static int md_link(struct md_op *op, struct store_txn *txn)
{
	const struct msg_md_req *r = &op->req;
	struct ns_attr a;
	int rc;

	rc = ns_link(op->m->ns, txn, &op->cred, r->ino, r->ino2,
		     (const char *)r->name2.p, r->name2.len, &a);
	if (!rc)
		rc = md_reply_entry(op, txn, &a, NULL);
	return rc ? rc : md_append_dir_attrs(op, txn, r->ino2, 0);
}

static int md_symlink(struct md_op *op, struct store_txn *txn)
{
	const struct msg_md_req *r = &op->req;
	struct ns_attr a;
	int rc;

	rc = ns_symlink(op->m->ns, txn, &op->cred, r->ino,
			(const char *)r->name.p, r->name.len,
			(const char *)r->value.p, r->value.len, &a);
	if (!rc)
		rc = md_reply_entry(op, txn, &a, NULL);
	return rc ? rc : md_append_dir_attrs(op, txn, r->ino, 0);
}

static int md_readlink(struct md_op *op, struct store_txn *txn)
{
	char target[NS_SYMLINK_MAX];
	uint8_t *buf;
	struct wbuf w;
	ssize_t n;

	n = ns_readlink(op->m->ns, txn, op->req.ino, target, sizeof(target));
	if (n < 0)
		return (int)n;
	buf = malloc(CODEC_STR_LEN(n));
	if (!buf)
		return -ENOMEM;
	wbuf_init(&w, buf, CODEC_STR_LEN(n));
	wbuf_put_str(&w, target, (size_t)n);
	return md_set_reply(op, buf, CODEC_STR_LEN(n));
}

struct md_readdir_fill {
	struct wbuf w;	 /* entries go here */
	size_t left;	 /* bytes left of max_bytes */
	uint32_t count;	 /* entries put */
	int too_small;	 /* the first entry did not fit */
};

static int md_readdir_cb(void *arg, const struct ns_dirent *de)
{
	struct md_readdir_fill *f = arg;
	struct msg_dirent d = {
		.ino = de->ino,
		.cookie = de->cookie,
		.type = de->type,
		.name = { (const uint8_t *)de->name, de->name_len },
	};
	size_t need = msg_dirent_encoded_len(&d);

	if (need > f->left) {
		if (!f->count)
			f->too_small = 1;
		return 1;
	}
	msg_dirent_put(&f->w, &d);
	f->left -= need;
	f->count++;
	return 0;
}

static int md_readdir(struct md_op *op, struct store_txn *txn)
{
	struct md_readdir_fill f = { 0 };
	uint32_t max = op->req.max_bytes;
	uint8_t *buf;
	bool eof = false;
	size_t used;
	int rc;

	if (max > PROTO_READDIR_MAX)
		max = PROTO_READDIR_MAX;
	buf = malloc(MSG_READDIR_HDR + (size_t)max);
	if (!buf)
		return -ENOMEM;
	wbuf_init(&f.w, buf + MSG_READDIR_HDR, max);
	f.left = max;
	rc = ns_readdir(op->m->ns, txn, op->req.ino, op->req.cookie,
			md_readdir_cb, &f, &eof);
	if (!rc && f.too_small)
		rc = -EINVAL; /* as getdents(2) with a too small buffer */
	if (!rc && !wbuf_ok(&f.w))
		rc = -EIO;
	if (rc) {
		free(buf);
		return rc;
	}
	used = MSG_READDIR_HDR + (max - f.left);
	msg_readdir_finish(buf, eof ? 1 : 0, f.count);
	return md_set_reply(op, buf, used);
}

static int md_getxattr(struct md_op *op, struct store_txn *txn)
{
	const struct msg_md_req *r = &op->req;
	uint32_t size = r->max_bytes;
	uint8_t *val = NULL;
	ssize_t n;
	int rc;

	if (size > PROTO_XATTR_MAX)
		size = PROTO_XATTR_MAX;
	if (size) {
		val = malloc(size);
		if (!val)
			return -ENOMEM;
	}
	n = xattr_get(txn, &op->cred, r->ino, (const char *)r->name.p,
		      r->name.len, val, size);
	if (n < 0)
		rc = (int)n;
	else
		rc = md_reply_len_blob(op, (uint32_t)n, val,
				       size ? (uint32_t)n : 0);
	free(val);
	return rc;
}

static int md_setxattr(struct md_op *op, struct store_txn *txn)
{
	const struct msg_md_req *r = &op->req;
	unsigned flags = 0;

	if (r->flags & ~(PROTO_XATTR_CREATE | PROTO_XATTR_REPLACE))
		return -EINVAL;
	if (r->flags & PROTO_XATTR_CREATE)
		flags |= XATTR_SET_CREATE;
	if (r->flags & PROTO_XATTR_REPLACE)
		flags |= XATTR_SET_REPLACE;
	return xattr_set(txn, &op->cred, r->ino, (const char *)r->name.p,
			 r->name.len, r->value.p, r->value.len, flags);
}

static int md_listxattr(struct md_op *op, struct store_txn *txn)
{
	uint32_t size = op->req.max_bytes;
	char *names = NULL;
	ssize_t n;
	int rc;

	if (size > PROTO_XATTR_LIST_MAX)
		size = PROTO_XATTR_LIST_MAX;
	if (size) {
		names = malloc(size);
		if (!names)
			return -ENOMEM;
	}
	n = xattr_list(txn, &op->cred, op->req.ino, names, size);
	if (n < 0)
		rc = (int)n;
	else
		rc = md_reply_len_blob(op, (uint32_t)n, names,
				       size ? (uint32_t)n : 0);
	free(names);
	return rc;
}

static int md_removexattr(struct md_op *op, struct store_txn *txn)
{
	return xattr_remove(txn, &op->cred, op->req.ino,
			    (const char *)op->req.name.p, op->req.name.len);
}

static int md_access(struct md_op *op, struct store_txn *txn)
{
	if (op->req.mode & ~(uint32_t)(R_OK | W_OK | X_OK))
		return -EINVAL;
	return ns_access(op->m->ns, txn, &op->cred, op->req.ino,
			 (int)op->req.mode);
}

static int md_close(struct md_op *op, struct store_txn *txn)
{
	const struct msg_md_req *r = &op->req;
	struct ns_attr a;
	struct ns_time mtime;
	int rc;

	if (r->flags & ~(PROTO_CLOSE_SIZE | PROTO_CLOSE_MTIME))
		return -EINVAL;
	rc = ns_getattr(op->m->ns, txn, r->ino, &a);
	if (rc || !(r->flags & (PROTO_CLOSE_SIZE | PROTO_CLOSE_MTIME)))
		return rc ? rc : md_reply_entry(op, txn, &a, NULL);
	/* An absent field keeps the stored value: the size only grows in
	 * ns_update_size_mtime, so 0 changes nothing. */
	mtime = a.mtime;
	if (r->flags & PROTO_CLOSE_MTIME)
		md_time_in(&r->mtime, &mtime);
	rc = ns_update_size_mtime(op->m->ns, txn, &op->cred, r->ino,
				  (r->flags & PROTO_CLOSE_SIZE) ? r->size : 0,
				  &mtime, &a);
	return rc ? rc : md_reply_entry(op, txn, &a, NULL);
}

static int md_setstripe(struct md_op *op, struct store_txn *txn)
{
	struct layout_ost osts[PROTO_MAX_OSTS];
	struct layout *req;
	struct ns_attr a;
	bool empty = md_layout_is_empty_req(&op->req.layout);
	int rc;

	req = malloc(sizeof(*req));
	if (!req)
		return -ENOMEM;
	rc = md_layout_in(&op->req.layout, req);
	if (!rc)
		rc = ns_getattr(op->m->ns, txn, op->req.ino, &a);
	if (rc)
		goto out;
	if (S_ISDIR(a.mode)) {
		/* All-inherit on a directory removes its default (as
		 * lfs setstripe -d); not on the root, whose default is the
		 * file system's. */
		if (empty && op->req.ino == NS_ROOT_INO)
			rc = -EINVAL;
		else
			rc = ns_set_dir_layout(op->m->ns, txn, &op->cred,
					       op->req.ino, empty ? NULL : req);
	} else if (S_ISREG(a.mode)) {
		rc = ns_set_layout(op->m->ns, txn, &op->cred, op->req.ino, req,
				   osts, mds_placement_osts(op->m, osts),
				   NULL);
	} else {
		rc = -EINVAL;
	}
out:
	free(req);
	return rc;
}

static int md_getstripe(struct md_op *op, struct store_txn *txn)
{
	struct layout *l = malloc(sizeof(*l));
	struct ns_attr a;
	int rc;

	if (!l)
		return -ENOMEM;
	rc = ns_getattr(op->m->ns, txn, op->req.ino, &a);
	if (rc)
		goto out;
	if (S_ISDIR(a.mode))
		rc = ns_get_dir_layout(op->m->ns, txn, op->req.ino, l);
	else if (S_ISREG(a.mode))
		rc = ns_get_layout(op->m->ns, txn, op->req.ino, l);
	else
		rc = -ENODATA;
	if (!rc)
		rc = md_reply_layout(op, l);
out:
	free(l);
	return rc;
}

typedef int (*md_fn)(struct md_op *op, struct store_txn *txn);

static const md_fn md_ops[PROTO_OP_MAX] = {
	[PROTO_OP_LOOKUP] = md_lookup,
	[PROTO_OP_GETATTR] = md_getattr,
	[PROTO_OP_SETATTR] = md_setattr,
	[PROTO_OP_CREATE] = md_create,
	[PROTO_OP_MKDIR] = md_mkdir,
	[PROTO_OP_UNLINK] = md_unlink,
	[PROTO_OP_RMDIR] = md_rmdir,
	[PROTO_OP_RENAME] = md_rename,
	[PROTO_OP_LINK] = md_link,
	[PROTO_OP_SYMLINK] = md_symlink,
	[PROTO_OP_READLINK] = md_readlink,
	[PROTO_OP_READDIR] = md_readdir,
	[PROTO_OP_GETXATTR] = md_getxattr,
	[PROTO_OP_SETXATTR] = md_setxattr,
	[PROTO_OP_LISTXATTR] = md_listxattr,
	[PROTO_OP_REMOVEXATTR] = md_removexattr,
	[PROTO_OP_ACCESS] = md_access,
	[PROTO_OP_CLOSE] = md_close,
	[PROTO_OP_SETSTRIPE] = md_setstripe,
	[PROTO_OP_GETSTRIPE] = md_getstripe,
};

/* --- the group commit's callbacks --- */

static int md_apply(struct gc_req *r, struct store_txn *txn)
{
	struct md_op *op = (struct md_op *)r;

	return md_ops[op->h.opcode](op, txn);
}

static void md_done(struct gc_req *r, int status)
{
	struct md_op *op = (struct md_op *)r;
	uint16_t opc = op->h.opcode;

	if (status)
		conn_reply(op->c, &op->h, status, NULL, 0);
	else
		conn_reply(op->c, &op->h, 0, op->reply, op->reply_len);
	/* These may have queued objects for destruction. */
	if (!status && (opc == PROTO_OP_UNLINK || opc == PROTO_OP_RENAME ||
			opc == PROTO_OP_SETSTRIPE || opc == PROTO_OP_CREATE))
		destroyer_kick(op->m->destroyer);
	conn_put(op->c);
	free(op->reply);
	free(op);
}

/* The handler of every metadata opcode. */
static int md_handle(struct conn *c, const struct frame_header *h,
		     const uint8_t *payload, size_t len)
{
	struct mds *m = conn_ctx(c);
	struct md_op *op;
	struct cursor cur;

	if (mds_peer_role(c) == 0)
		return conn_reply_error(c, h, -EPROTO, "HELLO first");
	op = calloc(1, sizeof(*op) + len);
	if (!op)
		return -ENOMEM;
	memcpy(op->payload, payload, len);
	op->payload_len = len;
	cursor_init(&cur, op->payload, len);
	if (msg_md_req_decode(h->opcode, &cur, &op->req)) {
		LOG_RATELIMITED(LOG_NOTICE, "md_rpc",
				"peer=%s req_id=%llu malformed opcode %u",
				conn_peer(c), (unsigned long long)h->req_id,
				h->opcode);
		free(op);
		return CONN_CLOSE;
	}
	op->m = m;
	op->c = c;
	op->h = *h;
	op->cred.uid = op->req.cred.uid;
	op->cred.gid = op->req.cred.gid;
	op->cred.groups = op->req.cred.groups;
	op->cred.ngroups = op->req.cred.ngroups;
	op->gc.apply = md_apply;
	op->gc.done = md_done;
	conn_get(c);
	group_commit_submit(m->gc, &op->gc);
	return 0;
}

/* --- LOCK --- */

/* A blocked SETW: its reply waits for the grant. */
struct md_lock_wait {
	struct conn *c;		/* our reference */
	struct frame_header h;
	struct msg_lock reply;
};

static int md_lock_reply(struct conn *c, const struct frame_header *h,
			 const struct msg_lock *l)
{
	uint8_t buf[64];
	ssize_t n = msg_lock_encode(l, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return conn_reply(c, h, 0, buf, (size_t)n);
}

static void md_lock_wake(void *arg, const struct lock_desc *req, int result)
{
	struct md_lock_wait *w = arg;

	(void)req;
	if (result)
		conn_reply(w->c, &w->h, result, NULL, 0);
	else
		md_lock_reply(w->c, &w->h, &w->reply);
	conn_put(w->c);
	free(w);
}

static int md_lock(struct conn *c, const struct frame_header *h,
		   const uint8_t *payload, size_t len)
{
	struct mds *m = conn_ctx(c);
	struct msg_md_req *req;
	struct md_lock_wait *w = NULL;
	struct lock_desc d, conflict;
	struct msg_lock r;
	struct cursor cur;
	int rc;

	if (mds_peer_role(c) == 0)
		return conn_reply_error(c, h, -EPROTO, "HELLO first");
	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	cursor_init(&cur, payload, len);
	if (msg_md_req_decode(h->opcode, &cur, req)) {
		free(req);
		LOG_RATELIMITED(LOG_NOTICE, "md_rpc", "peer=%s malformed LOCK",
				conn_peer(c));
		return CONN_CLOSE;
	}
	d = (struct lock_desc){
		.ino = req->ino,
		.kind = req->lk_kind,
		.type = req->lk_type,
		.session = (uint64_t)(uintptr_t)c,
		.owner = req->lk_owner,
		.pid = req->lk_pid,
		.start = req->lk_start,
		.end = req->lk_end,
	};
	r = (struct msg_lock){
		.ino = req->ino,
		.owner = req->lk_owner,
		.pid = req->lk_pid,
		.kind = req->lk_kind,
		.cmd = req->lk_cmd,
		.type = req->lk_type,
		.start = req->lk_start,
		.end = req->lk_end,
	};
	switch (req->lk_cmd) {
	case PROTO_LOCK_GET:
		rc = lock_test(m->locks, &d, &conflict);
		if (rc)
			break;
		if (conflict.type != LOCK_TYPE_UN) {
			r.owner = conflict.owner;
			r.pid = conflict.pid;
			r.start = conflict.start;
			r.end = conflict.end;
		}
		r.type = conflict.type;
		rc = md_lock_reply(c, h, &r);
		break;
	case PROTO_LOCK_SET:
		rc = lock_set(m->locks, &d);
		if (!rc)
			rc = md_lock_reply(c, h, &r);
		break;
	case PROTO_LOCK_SETW:
		w = calloc(1, sizeof(*w));
		if (!w) {
			rc = -ENOMEM;
			break;
		}
		w->c = c;
		w->h = *h;
		w->reply = r;
		rc = lock_set_wait(m->locks, &d, md_lock_wake, w);
		if (rc == 1) {
			conn_get(c);
			w = NULL;
			rc = 0;
		} else if (!rc) {
			rc = md_lock_reply(c, h, &r);
		}
		break;
	default:
		rc = -EINVAL;
	}
	free(w);
	free(req);
	return rc;
}

void mds_md_conn_closed(struct mds *m, struct conn *c)
{
	if (m->locks)
		lock_drop_session(m->locks, (uint64_t)(uintptr_t)c);
}

void mds_md_handlers(struct conn_handlers *h)
{
	for (unsigned op = 0; op < PROTO_OP_MAX; op++)
		if (md_ops[op])
			h->fn[op] = md_handle;
	h->fn[PROTO_OP_LOCK] = md_lock;
}
