/*
 * msg_fs.c - codecs of the file system's messages (msg_fs.h).
 *
 * The shared field groups (cred, time, attr, layout, name) each have one
 * put, one get and one check function. The metadata requests are driven by
 * one table, md_fields[], that lists for each opcode the fields the layout
 * table in msg_fs.h gives it, in order; encoded_len, encode and decode all
 * walk the same list, so the three cannot drift apart. Object requests do
 * the same with obj_fields[].
 *
 * Validation is shared by both directions: every field has a check that
 * returns 0, -EINVAL (a value out of range) or -EMSGSIZE (a length or count
 * over its cap). Decoders run it after reading each field and turn any
 * failure into -EBADMSG; encoders run it over the whole message before
 * writing, so they never produce bytes a peer would refuse. Rules beyond
 * the header's caps, enforced both ways:
 *   - entry names have no '/' and no NUL; xattr names may hold '/' but no
 *     NUL; symlink targets hold no NUL (all three are C strings at the
 *     kernel boundary);
 *   - flags and valid masks with unknown bits are refused (RENAME also
 *     refuses NOREPLACE together with EXCHANGE);
 *   - CREATE's mode has a type among regular, FIFO, socket, char, block and
 *     no bits outside S_IFMT | 07777; MKDIR's mode is permission bits,
 *     optionally with S_IFDIR; ACCESS's mask is within R_OK|W_OK|X_OK;
 *   - sizes and offset + length ranges fit an off_t (<= INT64_MAX);
 *   - a layout's stripe_count is -1..PROTO_MAX_STRIPES, first_ost >= -1,
 *     pattern within PROTO_PATTERN_KNOWN and not both LZ4 and NOCOMPR;
 *     a layout inside a request (CREATE,
 *     SETSTRIPE) has nstripes 0; an entry that is not a regular file has
 *     nstripes 0;
 *   - a dirent's type is one of the DT_* values Linux defines (not DT_WHT);
 *   - dir_attrs hold at most PROTO_MAX_DIR_ATTRS attrs, each of a
 *     directory (S_IFDIR);
 *   - an OBJ_LIST reply's entries are strictly ascending, so a lister that
 *     continues after the last entry always moves forward.
 * Decoders do not check what only the server can judge (ids, modes of
 * SETATTR, stripe sizes, OST indexes).
 *
 * The metadata request decoder zeroes the struct first, so fields the
 * opcode does not carry read as zero.
 */
#include "proto/msg_fs.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CRED_FIXED	 (4 + 4 + 2)
#define TIME_LEN	 (8 + 4)
#define ATTR_LEN	 (8 + 5 * 4 + 3 * 8 + 3 * TIME_LEN) /* 88 */
#define LAYOUT_FIXED	 (6 * 4)
#define STRIPE_LEN	 (4 + 8)
#define LOCK_LEN	 (8 + 8 + 4 + 1 + 1 + 1 + 8 + 8)
#define DIRENT_MIN	 (8 + 8 + 1 + CODEC_STR_LEN(1))
#define OFF_MAX		 ((uint64_t)INT64_MAX) /* largest off_t */
#define NSEC_PER_SEC	 1000000000u

static ssize_t fs_finish(struct wbuf *w, void *buf)
{
	if (!wbuf_ok(w))
		return -EMSGSIZE;
	return (ssize_t)(w->pos - (uint8_t *)buf);
}

/* 0 when off + len stays within an off_t. */
static int range_check(uint64_t off, uint64_t len)
{
	if (off > OFF_MAX || len > OFF_MAX - off)
		return -EINVAL;
	return 0;
}

/* --- name, target and other byte strings --- */

enum name_kind {
	NAME_ENTRY,  /* directory entry: no '/', no NUL */
	NAME_XATTR,  /* xattr name: no NUL */
	NAME_TARGET, /* symlink target: no NUL, up to PROTO_SYMLINK_MAX */
};

static int name_check(const struct msg_bytes *b, enum name_kind kind)
{
	size_t max = kind == NAME_TARGET ? PROTO_SYMLINK_MAX : PROTO_NAME_MAX;

	if (b->len == 0)
		return -EINVAL;
	if (b->len > max)
		return -EMSGSIZE;
	if (memchr(b->p, '\0', b->len))
		return -EINVAL;
	if (kind == NAME_ENTRY && memchr(b->p, '/', b->len))
		return -EINVAL;
	return 0;
}

static void name_put(struct wbuf *w, const struct msg_bytes *b)
{
	wbuf_put_str(w, (const char *)b->p, b->len);
}

static int name_get(struct cursor *c, enum name_kind kind, struct msg_bytes *b)
{
	size_t max = kind == NAME_TARGET ? PROTO_SYMLINK_MAX : PROTO_NAME_MAX;
	const char *s;
	uint16_t len;

	if (cur_get_str(c, max, &s, &len))
		return -EBADMSG;
	b->p = (const uint8_t *)s;
	b->len = len;
	return name_check(b, kind) ? -EBADMSG : 0;
}

static int blob_get(struct cursor *c, uint32_t max, struct msg_bytes *b)
{
	return cur_get_blob(c, max, &b->p, &b->len);
}

/* --- cred --- */

static size_t cred_len(const struct msg_cred *cr)
{
	return CRED_FIXED + 4 * (size_t)cr->ngroups;
}

static int cred_check(const struct msg_cred *cr)
{
	return cr->ngroups > PROTO_MAX_GROUPS ? -EMSGSIZE : 0;
}

static void cred_put(struct wbuf *w, const struct msg_cred *cr)
{
	wbuf_put_u32(w, cr->uid);
	wbuf_put_u32(w, cr->gid);
	wbuf_put_u16(w, cr->ngroups);
	for (uint16_t i = 0; i < cr->ngroups; i++)
		wbuf_put_u32(w, cr->groups[i]);
}

static int cred_get(struct cursor *c, struct msg_cred *cr)
{
	if (cur_get_u32(c, &cr->uid) || cur_get_u32(c, &cr->gid) ||
	    cur_get_u16(c, &cr->ngroups))
		goto bad;
	if (cr->ngroups > PROTO_MAX_GROUPS ||
	    cursor_left(c) < 4 * (size_t)cr->ngroups)
		goto bad;
	for (uint16_t i = 0; i < cr->ngroups; i++)
		cur_get_u32(c, &cr->groups[i]);
	return 0;
bad:
	cr->ngroups = 0;
	return -EBADMSG;
}

/* --- time and attr --- */

static int time_check(const struct msg_time *t)
{
	return t->nsec >= NSEC_PER_SEC ? -EINVAL : 0;
}

static void time_put(struct wbuf *w, const struct msg_time *t)
{
	wbuf_put_u64(w, (uint64_t)t->sec);
	wbuf_put_u32(w, t->nsec);
}

static int time_get(struct cursor *c, struct msg_time *t)
{
	if (cur_get_i64(c, &t->sec) || cur_get_u32(c, &t->nsec))
		return -EBADMSG;
	return time_check(t) ? -EBADMSG : 0;
}

static int attr_check(const struct msg_attr *a)
{
	if (time_check(&a->atime) || time_check(&a->mtime) ||
	    time_check(&a->ctime))
		return -EINVAL;
	return 0;
}

static void attr_put(struct wbuf *w, const struct msg_attr *a)
{
	wbuf_put_u64(w, a->ino);
	wbuf_put_u32(w, a->mode);
	wbuf_put_u32(w, a->uid);
	wbuf_put_u32(w, a->gid);
	wbuf_put_u32(w, a->nlink);
	wbuf_put_u32(w, a->gen);
	wbuf_put_u64(w, a->size);
	wbuf_put_u64(w, a->blocks);
	wbuf_put_u64(w, a->rdev);
	time_put(w, &a->atime);
	time_put(w, &a->mtime);
	time_put(w, &a->ctime);
}

static int attr_get(struct cursor *c, struct msg_attr *a)
{
	if (cur_get_u64(c, &a->ino) || cur_get_u32(c, &a->mode) ||
	    cur_get_u32(c, &a->uid) || cur_get_u32(c, &a->gid) ||
	    cur_get_u32(c, &a->nlink) || cur_get_u32(c, &a->gen) ||
	    cur_get_u64(c, &a->size) || cur_get_u64(c, &a->blocks) ||
	    cur_get_u64(c, &a->rdev) || time_get(c, &a->atime) ||
	    time_get(c, &a->mtime) || time_get(c, &a->ctime))
		return -EBADMSG;
	return 0;
}

/* --- layout --- */

/* request: a layout asked for (CREATE, SETSTRIPE), which lists no stripes. */
static int layout_check(const struct msg_layout *l, int request)
{
	if (l->nstripes > PROTO_MAX_STRIPES)
		return -EMSGSIZE;
	if (request && l->nstripes)
		return -EINVAL;
	if (l->stripe_count < -1 || l->stripe_count > PROTO_MAX_STRIPES ||
	    l->first_ost < -1 || (l->pattern & ~PROTO_PATTERN_KNOWN) ||
	    (l->pattern & PROTO_PATTERN_KNOWN) == PROTO_PATTERN_KNOWN)
		return -EINVAL;
	return 0;
}

static size_t layout_len(const struct msg_layout *l)
{
	return LAYOUT_FIXED + STRIPE_LEN * (size_t)l->nstripes;
}

static void layout_put(struct wbuf *w, const struct msg_layout *l)
{
	wbuf_put_u32(w, l->stripe_size);
	wbuf_put_u32(w, (uint32_t)l->stripe_count);
	wbuf_put_u32(w, (uint32_t)l->first_ost);
	wbuf_put_u32(w, l->pattern);
	wbuf_put_u32(w, l->gen);
	wbuf_put_u32(w, l->nstripes);
	for (uint32_t i = 0; i < l->nstripes && i < PROTO_MAX_STRIPES; i++) {
		wbuf_put_u32(w, l->stripes[i].ost_idx);
		wbuf_put_u64(w, l->stripes[i].object_id);
	}
}

static int layout_get(struct cursor *c, struct msg_layout *l, int request)
{
	if (cur_get_u32(c, &l->stripe_size) ||
	    cur_get_i32(c, &l->stripe_count) ||
	    cur_get_i32(c, &l->first_ost) || cur_get_u32(c, &l->pattern) ||
	    cur_get_u32(c, &l->gen) || cur_get_u32(c, &l->nstripes))
		goto bad;
	if (layout_check(l, request) ||
	    cursor_left(c) < STRIPE_LEN * (size_t)l->nstripes)
		goto bad;
	for (uint32_t i = 0; i < l->nstripes; i++) {
		cur_get_u32(c, &l->stripes[i].ost_idx);
		cur_get_u64(c, &l->stripes[i].object_id);
	}
	return 0;
bad:
	l->nstripes = 0;
	return -EBADMSG;
}

size_t msg_layout_encoded_len(const struct msg_layout *m)
{
	return layout_len(m);
}

ssize_t msg_layout_encode(const struct msg_layout *m, void *buf, size_t len)
{
	struct wbuf w;
	int rc = layout_check(m, 0);

	if (rc)
		return rc;
	wbuf_init(&w, buf, len);
	layout_put(&w, m);
	return fs_finish(&w, buf);
}

int msg_layout_decode(struct cursor *c, struct msg_layout *m)
{
	return layout_get(c, m, 0);
}

/* --- entry --- */

static int entry_check(const struct msg_entry *m)
{
	int rc = attr_check(&m->attr);

	if (!rc)
		rc = layout_check(&m->layout, 0);
	if (!rc && m->layout.nstripes && !S_ISREG(m->attr.mode))
		rc = -EINVAL;
	return rc;
}

size_t msg_entry_encoded_len(const struct msg_entry *m)
{
	return ATTR_LEN + layout_len(&m->layout);
}

ssize_t msg_entry_encode(const struct msg_entry *m, void *buf, size_t len)
{
	struct wbuf w;
	int rc = entry_check(m);

	if (rc)
		return rc;
	wbuf_init(&w, buf, len);
	attr_put(&w, &m->attr);
	layout_put(&w, &m->layout);
	return fs_finish(&w, buf);
}

int msg_entry_decode(struct cursor *c, struct msg_entry *m)
{
	if (attr_get(c, &m->attr) || layout_get(c, &m->layout, 0))
		goto bad;
	if (m->layout.nstripes && !S_ISREG(m->attr.mode))
		goto bad;
	return 0;
bad:
	m->layout.nstripes = 0;
	return -EBADMSG;
}

/* --- dir_attrs --- */

static int dir_attrs_check(const struct msg_dir_attrs *m)
{
	if (m->count > PROTO_MAX_DIR_ATTRS)
		return -EMSGSIZE;
	for (uint32_t i = 0; i < m->count; i++)
		if (attr_check(&m->attr[i]) || !S_ISDIR(m->attr[i].mode))
			return -EINVAL;
	return 0;
}

size_t msg_dir_attrs_encoded_len(const struct msg_dir_attrs *m)
{
	uint32_t n = m->count < PROTO_MAX_DIR_ATTRS ? m->count :
						      PROTO_MAX_DIR_ATTRS;

	return 1 + ATTR_LEN * (size_t)n;
}

ssize_t msg_dir_attrs_encode(const struct msg_dir_attrs *m, void *buf,
			     size_t len)
{
	struct wbuf w;
	int rc = dir_attrs_check(m);

	if (rc)
		return rc;
	wbuf_init(&w, buf, len);
	wbuf_put_u8(&w, (uint8_t)m->count);
	for (uint32_t i = 0; i < m->count; i++)
		attr_put(&w, &m->attr[i]);
	return fs_finish(&w, buf);
}

int msg_dir_attrs_decode(struct cursor *c, struct msg_dir_attrs *m)
{
	uint8_t n;

	m->count = 0;
	if (!cursor_left(c))
		return 0; /* an MDS that sends none */
	if (cur_get_u8(c, &n) || n > PROTO_MAX_DIR_ATTRS)
		return -EBADMSG;
	for (uint32_t i = 0; i < n; i++)
		if (attr_get(c, &m->attr[i]) || !S_ISDIR(m->attr[i].mode))
			return -EBADMSG;
	m->count = n;
	return 0;
}

/* --- lock --- */

static int lock_check(uint8_t kind, uint8_t cmd, uint8_t type, uint64_t start,
		      uint64_t end)
{
	if (kind != PROTO_LOCK_FLOCK && kind != PROTO_LOCK_POSIX)
		return -EINVAL;
	if (cmd < PROTO_LOCK_GET || cmd > PROTO_LOCK_SETW)
		return -EINVAL;
	if (type > PROTO_LOCK_UN || start > end)
		return -EINVAL;
	return 0;
}

size_t msg_lock_encoded_len(const struct msg_lock *m)
{
	(void)m;
	return LOCK_LEN;
}

ssize_t msg_lock_encode(const struct msg_lock *m, void *buf, size_t len)
{
	struct wbuf w;
	int rc = lock_check(m->kind, m->cmd, m->type, m->start, m->end);

	if (rc)
		return rc;
	wbuf_init(&w, buf, len);
	wbuf_put_u64(&w, m->ino);
	wbuf_put_u64(&w, m->owner);
	wbuf_put_u32(&w, m->pid);
	wbuf_put_u8(&w, m->kind);
	wbuf_put_u8(&w, m->cmd);
	wbuf_put_u8(&w, m->type);
	wbuf_put_u64(&w, m->start);
	wbuf_put_u64(&w, m->end);
	return fs_finish(&w, buf);
}

int msg_lock_decode(struct cursor *c, struct msg_lock *m)
{
	if (cur_get_u64(c, &m->ino) || cur_get_u64(c, &m->owner) ||
	    cur_get_u32(c, &m->pid) || cur_get_u8(c, &m->kind) ||
	    cur_get_u8(c, &m->cmd) || cur_get_u8(c, &m->type) ||
	    cur_get_u64(c, &m->start) || cur_get_u64(c, &m->end))
		return -EBADMSG;
	if (lock_check(m->kind, m->cmd, m->type, m->start, m->end))
		return -EBADMSG;
	return 0;
}

/* --- metadata requests --- */

/* The fields of metadata requests, each with its wire size and check. */
enum md_field {
	MF_END = 0,
	MF_INO,		 /* 8 ino */
	MF_NAME,	 /* entry name */
	MF_INO2,	 /* 8 ino2 */
	MF_NAME2,	 /* entry name2 */
	MF_XNAME,	 /* xattr name, into name */
	MF_TARGET,	 /* str symlink target, into value */
	MF_XVALUE,	 /* blob xattr value, into value */
	MF_MODE,	 /* 4 mode, unchecked (SETATTR) */
	MF_CREATE_MODE,	 /* 4 mode with a non-directory type */
	MF_MKDIR_MODE,	 /* 4 mode: permissions (and S_IFDIR) */
	MF_ACCESS_MASK,	 /* 4 mask, into mode */
	MF_CREATE_FLAGS, /* 4 flags */
	MF_RENAME_FLAGS,
	MF_XATTR_FLAGS,
	MF_CLOSE_FLAGS,
	MF_VALID,	 /* 4 SETATTR valid */
	MF_UID,		 /* 4 uid */
	MF_GID,		 /* 4 gid */
	MF_SIZE,	 /* 8 size */
	MF_RDEV,	 /* 8 rdev */
	MF_ATIME,	 /* time atime */
	MF_MTIME,	 /* time mtime */
	MF_COOKIE,	 /* 8 cookie */
	MF_MAX_BYTES,	 /* 4 READDIR max_bytes */
	MF_XSIZE,	 /* 4 xattr buffer size, into max_bytes */
	MF_LAYOUT,	 /* layout request */
	MF_LOCK,	 /* 8 owner | 4 pid | 1 kind | 1 cmd | 1 type | 8 start |
			    8 end */
};

#define MD_FIELDS_MAX 9 /* SETATTR's 8 and the terminator */
#define MD_FIRST      PROTO_OP_LOOKUP
#define MD_LAST	      PROTO_OP_LOCK

/* Transcribed from the request table of msg_fs.h; cred precedes them all. */
static const uint8_t md_fields[MD_LAST - MD_FIRST + 1][MD_FIELDS_MAX] = {
	[PROTO_OP_LOOKUP - MD_FIRST] = { MF_INO, MF_NAME },
	[PROTO_OP_GETATTR - MD_FIRST] = { MF_INO },
	[PROTO_OP_SETATTR - MD_FIRST] = { MF_INO, MF_VALID, MF_MODE, MF_UID,
					  MF_GID, MF_SIZE, MF_ATIME,
					  MF_MTIME },
	[PROTO_OP_CREATE - MD_FIRST] = { MF_INO, MF_NAME, MF_CREATE_MODE,
					 MF_CREATE_FLAGS, MF_RDEV, MF_LAYOUT },
	[PROTO_OP_MKDIR - MD_FIRST] = { MF_INO, MF_NAME, MF_MKDIR_MODE },
	[PROTO_OP_UNLINK - MD_FIRST] = { MF_INO, MF_NAME },
	[PROTO_OP_RMDIR - MD_FIRST] = { MF_INO, MF_NAME },
	[PROTO_OP_RENAME - MD_FIRST] = { MF_INO, MF_NAME, MF_INO2, MF_NAME2,
					 MF_RENAME_FLAGS },
	[PROTO_OP_LINK - MD_FIRST] = { MF_INO, MF_INO2, MF_NAME2 },
	[PROTO_OP_SYMLINK - MD_FIRST] = { MF_INO, MF_NAME, MF_TARGET },
	[PROTO_OP_READLINK - MD_FIRST] = { MF_INO },
	[PROTO_OP_READDIR - MD_FIRST] = { MF_INO, MF_COOKIE, MF_MAX_BYTES },
	[PROTO_OP_GETXATTR - MD_FIRST] = { MF_INO, MF_XNAME, MF_XSIZE },
	[PROTO_OP_SETXATTR - MD_FIRST] = { MF_INO, MF_XNAME, MF_XVALUE,
					   MF_XATTR_FLAGS },
	[PROTO_OP_LISTXATTR - MD_FIRST] = { MF_INO, MF_XSIZE },
	[PROTO_OP_REMOVEXATTR - MD_FIRST] = { MF_INO, MF_XNAME },
	[PROTO_OP_ACCESS - MD_FIRST] = { MF_INO, MF_ACCESS_MASK },
	[PROTO_OP_CLOSE - MD_FIRST] = { MF_INO, MF_CLOSE_FLAGS, MF_SIZE,
					MF_MTIME },
	[PROTO_OP_SETSTRIPE - MD_FIRST] = { MF_INO, MF_LAYOUT },
	[PROTO_OP_GETSTRIPE - MD_FIRST] = { MF_INO },
	[PROTO_OP_LOCK - MD_FIRST] = { MF_INO, MF_LOCK },
};

/* The field list of a metadata opcode, or NULL. */
static const uint8_t *md_field_list(uint16_t opcode)
{
	if (opcode < MD_FIRST || opcode > MD_LAST)
		return NULL;
	return md_fields[opcode - MD_FIRST];
}

static int create_mode_check(uint32_t mode)
{
	if (mode & ~(uint32_t)(S_IFMT | 07777))
		return -EINVAL;
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
	case S_IFCHR:
	case S_IFBLK:
		return 0;
	default:
		return -EINVAL;
	}
}

static int flags_check(uint32_t flags, uint32_t known)
{
	return (flags & ~known) ? -EINVAL : 0;
}

static int md_field_check(uint8_t f, const struct msg_md_req *m)
{
	switch (f) {
	case MF_NAME:
		return name_check(&m->name, NAME_ENTRY);
	case MF_NAME2:
		return name_check(&m->name2, NAME_ENTRY);
	case MF_XNAME:
		return name_check(&m->name, NAME_XATTR);
	case MF_TARGET:
		return name_check(&m->value, NAME_TARGET);
	case MF_XVALUE:
		return m->value.len > PROTO_XATTR_MAX ? -EMSGSIZE : 0;
	case MF_CREATE_MODE:
		return create_mode_check(m->mode);
	case MF_MKDIR_MODE:
		if ((m->mode & ~07777u) != 0 && (m->mode & ~07777u) != S_IFDIR)
			return -EINVAL;
		return 0;
	case MF_ACCESS_MASK:
		return flags_check(m->mode, R_OK | W_OK | X_OK);
	case MF_CREATE_FLAGS:
		return flags_check(m->flags, PROTO_CREATE_EXCL);
	case MF_RENAME_FLAGS:
		if ((m->flags & PROTO_RENAME_NOREPLACE) &&
		    (m->flags & PROTO_RENAME_EXCHANGE))
			return -EINVAL;
		return flags_check(m->flags, PROTO_RENAME_NOREPLACE |
						     PROTO_RENAME_EXCHANGE);
	case MF_XATTR_FLAGS:
		return flags_check(m->flags,
				   PROTO_XATTR_CREATE | PROTO_XATTR_REPLACE);
	case MF_CLOSE_FLAGS:
		return flags_check(m->flags,
				   PROTO_CLOSE_SIZE | PROTO_CLOSE_MTIME);
	case MF_VALID:
		return flags_check(m->valid, PROTO_SET_KNOWN);
	case MF_SIZE:
		return m->size > OFF_MAX ? -EINVAL : 0;
	case MF_ATIME:
		return time_check(&m->atime);
	case MF_MTIME:
		return time_check(&m->mtime);
	case MF_MAX_BYTES:
		return m->max_bytes > PROTO_READDIR_MAX ? -EINVAL : 0;
	case MF_LAYOUT:
		return layout_check(&m->layout, 1);
	case MF_LOCK:
		return lock_check(m->lk_kind, m->lk_cmd, m->lk_type,
				  m->lk_start, m->lk_end);
	default:
		return 0;
	}
}

static size_t md_field_len(uint8_t f, const struct msg_md_req *m)
{
	switch (f) {
	case MF_INO:
	case MF_INO2:
	case MF_SIZE:
	case MF_RDEV:
	case MF_COOKIE:
		return 8;
	case MF_NAME:
	case MF_XNAME:
		return CODEC_STR_LEN(m->name.len);
	case MF_NAME2:
		return CODEC_STR_LEN(m->name2.len);
	case MF_TARGET:
		return CODEC_STR_LEN(m->value.len);
	case MF_XVALUE:
		return CODEC_BLOB_LEN(m->value.len);
	case MF_ATIME:
	case MF_MTIME:
		return TIME_LEN;
	case MF_LAYOUT:
		return layout_len(&m->layout);
	case MF_LOCK:
		return LOCK_LEN - 8; /* the ino is MF_INO */
	default:
		return 4;
	}
}

static void md_field_put(struct wbuf *w, uint8_t f, const struct msg_md_req *m)
{
	switch (f) {
	case MF_INO:
		wbuf_put_u64(w, m->ino);
		break;
	case MF_NAME:
	case MF_XNAME:
		name_put(w, &m->name);
		break;
	case MF_INO2:
		wbuf_put_u64(w, m->ino2);
		break;
	case MF_NAME2:
		name_put(w, &m->name2);
		break;
	case MF_TARGET:
		name_put(w, &m->value);
		break;
	case MF_XVALUE:
		wbuf_put_blob(w, m->value.p, m->value.len);
		break;
	case MF_MODE:
	case MF_CREATE_MODE:
	case MF_MKDIR_MODE:
	case MF_ACCESS_MASK:
		wbuf_put_u32(w, m->mode);
		break;
	case MF_CREATE_FLAGS:
	case MF_RENAME_FLAGS:
	case MF_XATTR_FLAGS:
	case MF_CLOSE_FLAGS:
		wbuf_put_u32(w, m->flags);
		break;
	case MF_VALID:
		wbuf_put_u32(w, m->valid);
		break;
	case MF_UID:
		wbuf_put_u32(w, m->uid);
		break;
	case MF_GID:
		wbuf_put_u32(w, m->gid);
		break;
	case MF_SIZE:
		wbuf_put_u64(w, m->size);
		break;
	case MF_RDEV:
		wbuf_put_u64(w, m->rdev);
		break;
	case MF_ATIME:
		time_put(w, &m->atime);
		break;
	case MF_MTIME:
		time_put(w, &m->mtime);
		break;
	case MF_COOKIE:
		wbuf_put_u64(w, m->cookie);
		break;
	case MF_MAX_BYTES:
	case MF_XSIZE:
		wbuf_put_u32(w, m->max_bytes);
		break;
	case MF_LAYOUT:
		layout_put(w, &m->layout);
		break;
	case MF_LOCK:
		wbuf_put_u64(w, m->lk_owner);
		wbuf_put_u32(w, m->lk_pid);
		wbuf_put_u8(w, m->lk_kind);
		wbuf_put_u8(w, m->lk_cmd);
		wbuf_put_u8(w, m->lk_type);
		wbuf_put_u64(w, m->lk_start);
		wbuf_put_u64(w, m->lk_end);
		break;
	}
}

/* Read field f; its check is md_field_check's, run by the caller. */
static int md_field_get(struct cursor *c, uint8_t f, struct msg_md_req *m)
{
	switch (f) {
	case MF_INO:
		return cur_get_u64(c, &m->ino);
	case MF_NAME:
		return name_get(c, NAME_ENTRY, &m->name);
	case MF_XNAME:
		return name_get(c, NAME_XATTR, &m->name);
	case MF_INO2:
		return cur_get_u64(c, &m->ino2);
	case MF_NAME2:
		return name_get(c, NAME_ENTRY, &m->name2);
	case MF_TARGET:
		return name_get(c, NAME_TARGET, &m->value);
	case MF_XVALUE:
		return blob_get(c, PROTO_XATTR_MAX, &m->value);
	case MF_MODE:
	case MF_CREATE_MODE:
	case MF_MKDIR_MODE:
	case MF_ACCESS_MASK:
		return cur_get_u32(c, &m->mode);
	case MF_CREATE_FLAGS:
	case MF_RENAME_FLAGS:
	case MF_XATTR_FLAGS:
	case MF_CLOSE_FLAGS:
		return cur_get_u32(c, &m->flags);
	case MF_VALID:
		return cur_get_u32(c, &m->valid);
	case MF_UID:
		return cur_get_u32(c, &m->uid);
	case MF_GID:
		return cur_get_u32(c, &m->gid);
	case MF_SIZE:
		return cur_get_u64(c, &m->size);
	case MF_RDEV:
		return cur_get_u64(c, &m->rdev);
	case MF_ATIME:
		return time_get(c, &m->atime);
	case MF_MTIME:
		return time_get(c, &m->mtime);
	case MF_COOKIE:
		return cur_get_u64(c, &m->cookie);
	case MF_MAX_BYTES:
	case MF_XSIZE:
		return cur_get_u32(c, &m->max_bytes);
	case MF_LAYOUT:
		return layout_get(c, &m->layout, 1);
	case MF_LOCK:
		if (cur_get_u64(c, &m->lk_owner) || cur_get_u32(c, &m->lk_pid) ||
		    cur_get_u8(c, &m->lk_kind) || cur_get_u8(c, &m->lk_cmd) ||
		    cur_get_u8(c, &m->lk_type) || cur_get_u64(c, &m->lk_start) ||
		    cur_get_u64(c, &m->lk_end))
			return -EBADMSG;
		return 0;
	default:
		return -EBADMSG;
	}
}

size_t msg_md_req_encoded_len(uint16_t opcode, const struct msg_md_req *m)
{
	const uint8_t *f = md_field_list(opcode);
	size_t len;

	if (!f)
		return 0;
	len = cred_len(&m->cred);
	for (; *f != MF_END; f++)
		len += md_field_len(*f, m);
	return len;
}

ssize_t msg_md_req_encode(uint16_t opcode, const struct msg_md_req *m,
			  void *buf, size_t len)
{
	const uint8_t *fields = md_field_list(opcode);
	struct wbuf w;
	int rc;

	if (!fields)
		return -EINVAL;
	rc = cred_check(&m->cred);
	for (const uint8_t *f = fields; !rc && *f != MF_END; f++)
		rc = md_field_check(*f, m);
	if (rc)
		return rc;
	wbuf_init(&w, buf, len);
	cred_put(&w, &m->cred);
	for (const uint8_t *f = fields; *f != MF_END; f++)
		md_field_put(&w, *f, m);
	return fs_finish(&w, buf);
}

int msg_md_req_decode(uint16_t opcode, struct cursor *c, struct msg_md_req *m)
{
	const uint8_t *f = md_field_list(opcode);

	memset(m, 0, sizeof(*m));
	if (!f || cred_get(c, &m->cred))
		return -EBADMSG;
	for (; *f != MF_END; f++)
		if (md_field_get(c, *f, m) || md_field_check(*f, m))
			return -EBADMSG;
	return 0;
}

/* --- READDIR reply --- */

static int dirent_type_check(uint8_t type)
{
	switch (type) {
	case DT_UNKNOWN:
	case DT_FIFO:
	case DT_CHR:
	case DT_DIR:
	case DT_BLK:
	case DT_REG:
	case DT_LNK:
	case DT_SOCK:
		return 0;
	default:
		return -EINVAL;
	}
}

size_t msg_dirent_encoded_len(const struct msg_dirent *d)
{
	return 8 + 8 + 1 + CODEC_STR_LEN(d->name.len);
}

/*
 * An entry with a bad name or type poisons w (wbuf_ok() turns false) like
 * running out of room does: callers check wbuf_ok() before finishing.
 */
void msg_dirent_put(struct wbuf *w, const struct msg_dirent *d)
{
	if (name_check(&d->name, NAME_ENTRY) || dirent_type_check(d->type)) {
		w->pos = NULL;
		return;
	}
	wbuf_put_u64(w, d->ino);
	wbuf_put_u64(w, d->cookie);
	wbuf_put_u8(w, d->type);
	name_put(w, &d->name);
}

void msg_readdir_finish(void *buf, uint8_t eof, uint32_t count)
{
	uint8_t *p = buf;

	p[0] = eof;
	le32_store(p + 1, count);
}

int msg_readdir_decode_header(struct cursor *c, uint8_t *eof, uint32_t *count)
{
	const uint8_t *start = c->pos;

	if (cur_get_u8(c, eof) || cur_get_u32(c, count))
		goto bad;
	if (*eof > 1 || *count > cursor_left(c) / DIRENT_MIN)
		goto bad;
	return 0;
bad:
	c->pos = start;
	return -EBADMSG;
}

int msg_dirent_get(struct cursor *c, struct msg_dirent *d)
{
	const uint8_t *start = c->pos;

	if (cur_get_u64(c, &d->ino) || cur_get_u64(c, &d->cookie) ||
	    cur_get_u8(c, &d->type) || dirent_type_check(d->type) ||
	    name_get(c, NAME_ENTRY, &d->name)) {
		c->pos = start;
		return -EBADMSG;
	}
	return 0;
}

/* --- object requests --- */

enum obj_field {
	OF_END = 0,
	OF_OFF,	  /* 8 off */
	OF_LEN32, /* 4 len (READ, <= PROTO_MAX_IO) */
	OF_LEN64, /* 8 len (PUNCH) */
	OF_SIZE,  /* 8 size */
	OF_FLAGS, /* 4 flags */
	OF_DATA,  /* blob data */
	OF_MAX,	  /* 4 max (LIST, <= PROTO_OBJ_LIST_MAX) */
};

#define OBJ_FIELDS_MAX 4
#define OBJ_FIRST      PROTO_OP_OBJ_READ
#define OBJ_LAST       PROTO_OP_OBJ_LIST

/* After 8 object_id | 4 stripe_idx, common to all of them. */
static const uint8_t obj_fields[OBJ_LAST - OBJ_FIRST + 1][OBJ_FIELDS_MAX] = {
	[PROTO_OP_OBJ_READ - OBJ_FIRST] = { OF_OFF, OF_LEN32 },
	[PROTO_OP_OBJ_WRITE - OBJ_FIRST] = { OF_OFF, OF_FLAGS, OF_DATA },
	[PROTO_OP_OBJ_TRUNCATE - OBJ_FIRST] = { OF_SIZE },
	[PROTO_OP_OBJ_PUNCH - OBJ_FIRST] = { OF_OFF, OF_LEN64 },
	[PROTO_OP_OBJ_DESTROY - OBJ_FIRST] = { OF_END },
	[PROTO_OP_OBJ_SYNC - OBJ_FIRST] = { OF_END },
	[PROTO_OP_OBJ_GETATTR - OBJ_FIRST] = { OF_END },
	[PROTO_OP_OBJ_LIST - OBJ_FIRST] = { OF_MAX },
};

static const uint8_t *obj_field_list(uint16_t opcode)
{
	if (opcode < OBJ_FIRST || opcode > OBJ_LAST)
		return NULL;
	return obj_fields[opcode - OBJ_FIRST];
}

/* Checks of the whole request once its fields are known. */
static int obj_check(uint16_t opcode, const struct msg_obj_req *m)
{
	switch (opcode) {
	case PROTO_OP_OBJ_READ:
		if (m->len > PROTO_MAX_IO)
			return -EMSGSIZE;
		return range_check(m->off, m->len);
	case PROTO_OP_OBJ_WRITE:
		if (m->data.len > PROTO_MAX_IO)
			return -EMSGSIZE;
		if (m->flags & ~(PROTO_OBJ_LZ4 | PROTO_OBJ_SYNC))
			return -EINVAL;
		return range_check(m->off, m->data.len);
	case PROTO_OP_OBJ_TRUNCATE:
		return m->size > OFF_MAX ? -EINVAL : 0;
	case PROTO_OP_OBJ_PUNCH:
		return range_check(m->off, m->len);
	case PROTO_OP_OBJ_LIST:
		return m->max > PROTO_OBJ_LIST_MAX ? -EMSGSIZE : 0;
	default:
		return 0;
	}
}

size_t msg_obj_req_encoded_len(uint16_t opcode, const struct msg_obj_req *m)
{
	const uint8_t *f = obj_field_list(opcode);
	size_t len = 8 + 4;

	if (!f)
		return 0;
	for (; *f != OF_END; f++) {
		switch (*f) {
		case OF_OFF:
		case OF_LEN64:
		case OF_SIZE:
			len += 8;
			break;
		case OF_DATA:
			len += CODEC_BLOB_LEN(m->data.len);
			break;
		default:
			len += 4;
			break;
		}
	}
	return len;
}

ssize_t msg_obj_req_encode(uint16_t opcode, const struct msg_obj_req *m,
			   void *buf, size_t len)
{
	const uint8_t *f = obj_field_list(opcode);
	struct wbuf w;
	int rc;

	if (!f)
		return -EINVAL;
	rc = obj_check(opcode, m);
	if (rc)
		return rc;
	wbuf_init(&w, buf, len);
	wbuf_put_u64(&w, m->object_id);
	wbuf_put_u32(&w, m->stripe_idx);
	for (; *f != OF_END; f++) {
		switch (*f) {
		case OF_OFF:
			wbuf_put_u64(&w, m->off);
			break;
		case OF_LEN32:
			wbuf_put_u32(&w, (uint32_t)m->len);
			break;
		case OF_LEN64:
			wbuf_put_u64(&w, m->len);
			break;
		case OF_SIZE:
			wbuf_put_u64(&w, m->size);
			break;
		case OF_FLAGS:
			wbuf_put_u32(&w, m->flags);
			break;
		case OF_DATA:
			wbuf_put_blob(&w, m->data.p, m->data.len);
			break;
		case OF_MAX:
			wbuf_put_u32(&w, m->max);
			break;
		}
	}
	return fs_finish(&w, buf);
}

int msg_obj_req_decode(uint16_t opcode, struct cursor *c,
		       struct msg_obj_req *m)
{
	const uint8_t *f = obj_field_list(opcode);
	uint32_t len32 = 0;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	if (!f || cur_get_u64(c, &m->object_id) ||
	    cur_get_u32(c, &m->stripe_idx))
		return -EBADMSG;
	for (; !rc && *f != OF_END; f++) {
		switch (*f) {
		case OF_OFF:
			rc = cur_get_u64(c, &m->off);
			break;
		case OF_LEN32:
			rc = cur_get_u32(c, &len32);
			m->len = len32;
			break;
		case OF_LEN64:
			rc = cur_get_u64(c, &m->len);
			break;
		case OF_SIZE:
			rc = cur_get_u64(c, &m->size);
			break;
		case OF_FLAGS:
			rc = cur_get_u32(c, &m->flags);
			break;
		case OF_DATA:
			rc = blob_get(c, PROTO_MAX_IO, &m->data);
			break;
		case OF_MAX:
			rc = cur_get_u32(c, &m->max);
			break;
		}
	}
	if (rc || obj_check(opcode, m))
		return -EBADMSG;
	return 0;
}

/* --- OBJ_GETATTR reply --- */

size_t msg_obj_attr_encoded_len(const struct msg_obj_attr *m)
{
	(void)m;
	return 4 * 8;
}

ssize_t msg_obj_attr_encode(const struct msg_obj_attr *m, void *buf,
			    size_t len)
{
	struct wbuf w;

	wbuf_init(&w, buf, len);
	wbuf_put_u64(&w, m->size);
	wbuf_put_u64(&w, m->disk_bytes);
	wbuf_put_u64(&w, m->logical_bytes);
	wbuf_put_u64(&w, m->stored_bytes);
	return fs_finish(&w, buf);
}

int msg_obj_attr_decode(struct cursor *c, struct msg_obj_attr *m)
{
	if (cur_get_u64(c, &m->size) || cur_get_u64(c, &m->disk_bytes) ||
	    cur_get_u64(c, &m->logical_bytes))
		return -EBADMSG;
	/* Appended field: an older OSS does not send it. */
	m->stored_bytes = m->logical_bytes;
	if (cursor_left(c) >= 8 && cur_get_u64(c, &m->stored_bytes))
		return -EBADMSG;
	return 0;
}

/* --- OBJ_LIST reply --- */

int msg_obj_ref_cmp(const struct msg_obj_ref *a, const struct msg_obj_ref *b)
{
	if (a->object_id != b->object_id)
		return a->object_id < b->object_id ? -1 : 1;
	if (a->stripe_idx != b->stripe_idx)
		return a->stripe_idx < b->stripe_idx ? -1 : 1;
	return 0;
}

static int obj_list_check(const struct msg_obj_list *m)
{
	if (m->count > PROTO_OBJ_LIST_MAX)
		return -EMSGSIZE;
	if (m->eof > 1)
		return -EINVAL;
	for (uint32_t i = 1; i < m->count; i++)
		if (msg_obj_ref_cmp(&m->objs[i - 1], &m->objs[i]) >= 0)
			return -EINVAL;
	return 0;
}

size_t msg_obj_list_encoded_len(const struct msg_obj_list *m)
{
	return MSG_OBJ_LIST_HDR + (size_t)m->count * MSG_OBJ_REF_LEN;
}

ssize_t msg_obj_list_encode(const struct msg_obj_list *m, void *buf,
			    size_t len)
{
	struct wbuf w;
	int rc = obj_list_check(m);

	if (rc)
		return rc;
	wbuf_init(&w, buf, len);
	wbuf_put_u8(&w, m->eof);
	wbuf_put_u32(&w, m->count);
	for (uint32_t i = 0; i < m->count; i++) {
		wbuf_put_u64(&w, m->objs[i].object_id);
		wbuf_put_u32(&w, m->objs[i].stripe_idx);
	}
	return fs_finish(&w, buf);
}

int msg_obj_list_decode(struct cursor *c, struct msg_obj_list *m)
{
	const uint8_t *start = c->pos;
	uint32_t count;

	m->count = 0;
	if (cur_get_u8(c, &m->eof) || cur_get_u32(c, &count))
		goto bad;
	if (m->eof > 1 || count > PROTO_OBJ_LIST_MAX || count > m->cap ||
	    cursor_left(c) / MSG_OBJ_REF_LEN < count)
		goto bad;
	for (uint32_t i = 0; i < count; i++) {
		if (cur_get_u64(c, &m->objs[i].object_id) ||
		    cur_get_u32(c, &m->objs[i].stripe_idx))
			goto bad;
		if (i && msg_obj_ref_cmp(&m->objs[i - 1], &m->objs[i]) >= 0)
			goto bad;
	}
	m->count = count;
	return 0;
bad:
	c->pos = start;
	return -EBADMSG;
}

/* --- small replies --- */

ssize_t msg_u64_encode(uint64_t v, void *buf, size_t len)
{
	struct wbuf w;

	wbuf_init(&w, buf, len);
	wbuf_put_u64(&w, v);
	return fs_finish(&w, buf);
}

int msg_u64_decode(struct cursor *c, uint64_t *v)
{
	return cur_get_u64(c, v);
}

size_t msg_readlink_encoded_len(const struct msg_bytes *target)
{
	return CODEC_STR_LEN(target->len);
}

ssize_t msg_readlink_encode(const struct msg_bytes *target, void *buf,
			    size_t len)
{
	struct wbuf w;
	int rc = name_check(target, NAME_TARGET);

	if (rc)
		return rc;
	wbuf_init(&w, buf, len);
	name_put(&w, target);
	return fs_finish(&w, buf);
}

int msg_readlink_decode(struct cursor *c, struct msg_bytes *target)
{
	const uint8_t *start = c->pos;

	if (name_get(c, NAME_TARGET, target)) {
		c->pos = start;
		return -EBADMSG;
	}
	return 0;
}

/* The cap of a GETXATTR or LISTXATTR reply's length; 0 for other opcodes. */
static uint32_t xattr_cap(uint16_t opcode)
{
	if (opcode == PROTO_OP_GETXATTR)
		return PROTO_XATTR_MAX;
	if (opcode == PROTO_OP_LISTXATTR)
		return PROTO_XATTR_LIST_MAX;
	return 0;
}

static int xattr_reply_check(uint16_t opcode, const struct msg_xattr_reply *m)
{
	uint32_t cap = xattr_cap(opcode);

	if (!cap)
		return -EINVAL;
	if (m->length > cap || m->value.len > cap)
		return -EMSGSIZE;
	if (m->value.len && m->value.len != m->length)
		return -EINVAL;
	return 0;
}

size_t msg_xattr_reply_encoded_len(const struct msg_xattr_reply *m)
{
	return 4 + CODEC_BLOB_LEN(m->value.len);
}

ssize_t msg_xattr_reply_encode(uint16_t opcode,
			       const struct msg_xattr_reply *m, void *buf,
			       size_t len)
{
	struct wbuf w;
	int rc = xattr_reply_check(opcode, m);

	if (rc)
		return rc;
	wbuf_init(&w, buf, len);
	wbuf_put_u32(&w, m->length);
	wbuf_put_blob(&w, m->value.p, m->value.len);
	return fs_finish(&w, buf);
}

int msg_xattr_reply_decode(uint16_t opcode, struct cursor *c,
			   struct msg_xattr_reply *m)
{
	const uint8_t *start = c->pos;
	uint32_t cap = xattr_cap(opcode);

	if (!cap || cur_get_u32(c, &m->length) || blob_get(c, cap, &m->value) ||
	    xattr_reply_check(opcode, m)) {
		c->pos = start;
		return -EBADMSG;
	}
	return 0;
}

size_t msg_obj_data_encoded_len(const struct msg_bytes *data)
{
	return CODEC_BLOB_LEN(data->len);
}

ssize_t msg_obj_data_encode(const struct msg_bytes *data, void *buf,
			    size_t len)
{
	struct wbuf w;

	if (data->len > PROTO_MAX_IO)
		return -EMSGSIZE;
	wbuf_init(&w, buf, len);
	wbuf_put_blob(&w, data->p, data->len);
	return fs_finish(&w, buf);
}

int msg_obj_data_decode(struct cursor *c, struct msg_bytes *data)
{
	return blob_get(c, PROTO_MAX_IO, data);
}
