/*
 * msg_fs.h - the file system's messages: metadata (MDS) and objects (OSS).
 *
 * Same rules as msg.h: one struct per message with encoded_len / encode /
 * decode side by side; decoders take a cursor over the received payload,
 * check every length, cap every count before walking it, return -EBADMSG on
 * anything malformed, and leave borrowed pointers into the payload for
 * names and data. Replies with a nonzero status carry an ERROR payload.
 * Encoders check the same rules as decoders and refuse to write what a peer
 * would refuse to read: -EMSGSIZE for a length or count over its cap (or a
 * buffer too small), -EINVAL for a value out of range. msg_md_req_decode and
 * msg_obj_req_decode zero the struct first: fields the opcode lacks are 0.
 * Beyond the caps below, decoders refuse (msg_fs.c lists them all): '/' or
 * NUL in entry names, NUL in xattr names and symlink targets, unknown flag
 * or valid bits, CREATE modes of other types than the ones listed, sizes
 * and off + len past INT64_MAX, stripes in a layout request, stripes in the
 * entry of a non-regular file, dirent types that are not DT_* values,
 * OBJ_LIST entries that are not strictly ascending.
 *
 * Dispatch minimum lengths (proto_op_lookup) of these opcodes are the
 * smallest valid request: cred without groups, 1-byte names, empty blobs,
 * layouts without stripes.
 *
 * Protocol changelog:
 *   1  metadata and object operations below (same PROTO_VERSION as msg.h).
 *   1  OBJ_LIST (opcode 55) added, no version bump (a new opcode changes
 *      no message's meaning): an OSS without it closes the connection on
 *      the unknown opcode, which a lister treats as a failed scan.
 *   1  OBJ_WRITE_Z (56) and OBJ_READ_Z (57): compressed object I/O, their
 *      codecs in proto/msg_zio.h. PROTO_PATTERN_NOCOMPR (layout pattern bit
 *      0x2). OBJ_GETATTR's reply gains an appended stored_bytes (absent:
 *      stored_bytes = logical_bytes). No version bump: no deployed peer
 *      predates them, and old decoders only meet them when a user asks for
 *      compression.
 *   1  dir_attrs (below) appended to the replies of CREATE, MKDIR,
 *      SYMLINK and LINK (after the entry) and of UNLINK, RMDIR and RENAME
 *      (empty before). No version bump: older clients stop reading after
 *      the entry (or read nothing), and the new decoder takes a missing
 *      block as "no directory attributes".
 *   1  OBJ_READ_C (58): reads checked per chunk end to end, which the OSS
 *      may send with sendfile (msg_zio.h), and the frame flag
 *      FRAME_F_HEAD_CSUM its replies carry (frame.h). No version bump: no
 *      deployed peer predates it.
 *   1  OBJ_READ_L (59): a read for a client on the OSS's host, answered
 *      with the path of the file that holds the data (msg_zio.h). No
 *      version bump, as for OBJ_READ_C.
 *
 * Shared field groups (all little-endian):
 *
 *   cred (request of every metadata operation):
 *     4 uid | 4 gid | 2 ngroups (<= PROTO_MAX_GROUPS) | 4*ngroups groups
 *   time:  8 seconds (int64) | 4 nanoseconds (< 1e9)
 *   attr (88 bytes):
 *     8 ino | 4 mode | 4 uid | 4 gid | 4 nlink | 4 gen | 8 size |
 *     8 blocks (512 B) | 8 rdev | time atime | time mtime | time ctime
 *   layout:
 *     4 stripe_size | 4 stripe_count (int32; -1 all, 0 inherit) |
 *     4 first_ost (int32; -1 = MDS chooses) | 4 pattern (PROTO_PATTERN_*) |
 *     4 gen | 4 nstripes (<= PROTO_MAX_STRIPES) |
 *     nstripes * (4 ost_idx | 8 object_id)
 *   entry (reply of LOOKUP, GETATTR, SETATTR, CREATE, MKDIR, LINK, SYMLINK,
 *          CLOSE): attr | layout (nstripes 0 for anything but a file)
 *   dir_attrs: 1 count (<= PROTO_MAX_DIR_ATTRS) | count * attr: the
 *          changed directories after the change. CREATE, MKDIR, SYMLINK:
 *          the parent; LINK: newparent; UNLINK, RMDIR: the parent;
 *          RENAME: parent, then newparent when it is another directory.
 *          The reply of CREATE, MKDIR, SYMLINK, LINK is entry | dir_attrs,
 *          that of UNLINK, RMDIR, RENAME is dir_attrs alone. CREATE of an
 *          existing file (no O_EXCL) changes no directory: count 0.
 *   name: str (u16 length, 1..PROTO_NAME_MAX bytes)
 *
 * Requests (after cred for metadata operations):
 *   LOOKUP      8 parent | name
 *   GETATTR     8 ino
 *   SETATTR     8 ino | 4 valid (PROTO_SET_*) | 4 mode | 4 uid | 4 gid |
 *               8 size | time atime | time mtime
 *   CREATE      8 parent | name | 4 mode (type bits: regular, FIFO, socket,
 *               char, block) | 4 flags (PROTO_CREATE_*) | 8 rdev |
 *               layout (a request: nstripes 0; zeros = inherit)
 *   MKDIR       8 parent | name | 4 mode
 *   UNLINK      8 parent | name
 *   RMDIR       8 parent | name
 *   RENAME      8 parent | name | 8 newparent | newname | 4 flags
 *   LINK        8 ino | 8 newparent | newname
 *   SYMLINK     8 parent | name | str target (<= PROTO_SYMLINK_MAX)
 *   READLINK    8 ino                      -> str target
 *   READDIR     8 ino | 8 cookie (0 = start) | 4 max_bytes of entries
 *               -> 1 eof | 4 count | count * (8 ino | 8 cookie | 1 type DT_* | name)
 *   GETXATTR    8 ino | str name | 4 size (0 = ask the length)
 *               -> 4 length | blob value (empty when size was 0)
 *   SETXATTR    8 ino | str name | blob value (<= PROTO_XATTR_MAX) | 4 flags
 *   LISTXATTR   8 ino | 4 size -> 4 length | blob names (NUL-separated)
 *   REMOVEXATTR 8 ino | str name
 *   ACCESS      8 ino | 4 mask (R_OK W_OK X_OK)
 *   CLOSE       8 ino | 4 flags (PROTO_CLOSE_*) | 8 size | time mtime
 *               -> entry. A client's size and mtime after it wrote.
 *   SETSTRIPE   8 ino | layout (request) ; a directory's default, or the
 *               layout of an empty regular file not yet written
 *   GETSTRIPE   8 ino -> layout (a file's, or a directory's default with
 *               nstripes 0; a directory without one: -ENODATA)
 *   LOCK        8 ino | 8 owner | 4 pid | 1 kind (PROTO_LOCK_FLOCK/POSIX) |
 *               1 cmd (PROTO_LOCK_GET/SET/SETW) | 1 type (F_RDLCK, F_WRLCK,
 *               F_UNLCK as 0/1/2) | 8 start | 8 end (inclusive; UINT64_MAX
 *               = to EOF) -> same fields: the conflicting lock for GET
 *               (type F_UNLCK when none). SETW is answered when granted.
 *   OST_STATFS  none: the MDS's view of space (uses STATFS of msg.h)
 *
 * Object requests (OSS):
 *   OBJ_READ     8 object_id | 4 stripe_idx | 8 off | 4 len (<= PROTO_MAX_IO)
 *                -> blob data (short at the object's end; holes are zeros)
 *   OBJ_WRITE    8 object_id | 4 stripe_idx | 8 off | 4 flags (PROTO_OBJ_*) |
 *                blob data (<= PROTO_MAX_IO) -> 8 object size after
 *   OBJ_TRUNCATE 8 object_id | 4 stripe_idx | 8 size
 *   OBJ_PUNCH    8 object_id | 4 stripe_idx | 8 off | 8 len
 *   OBJ_DESTROY  8 object_id | 4 stripe_idx (absent object: success)
 *   OBJ_SYNC     8 object_id | 4 stripe_idx
 *   OBJ_GETATTR  8 object_id | 4 stripe_idx
 *                -> 8 size | 8 disk bytes | 8 logical bytes stored |
 *                8 stored bytes (appended: what the stored chunks take
 *                before block rounding; logical - stored = saved by LZ4)
 *   OBJ_LIST     8 after_object_id | 4 after_stripe_idx |
 *                4 max (<= PROTO_OBJ_LIST_MAX)
 *                -> 1 eof | 4 count (<= max) | count * (8 object_id |
 *                4 stripe_idx): the OST's objects strictly after the pair
 *                (after = 0:0 lists from the start, object ids are >= 2),
 *                in ascending (object_id, stripe_idx) order; eof 1 when no
 *                object follows the last one returned. max 0 returns no
 *                entries, eof telling whether any object follows.
 *
 *   OBJ_LIST reply, OFFSET/SIZE/MEANING:
 *     0       1     eof (0 or 1)
 *     1       4     count
 *     5+12*i  8     object_id of entry i
 *     13+12*i 4     stripe_idx of entry i
 *   Entries are strictly ascending by (object_id, stripe_idx).
 *
 * OBJ_WRITE_Z (56), OBJ_READ_Z (57), OBJ_READ_C (58), OBJ_READ_L (59):
 * proto/msg_zio.h.
 *
 * Layout pattern bits: PROTO_PATTERN_LZ4 = the file's chunks are LZ4-
 * compressed (by the client: msg_zio.h); PROTO_PATTERN_NOCOMPR = compression
 * explicitly off (setstripe -Z none), so that a directory or file does not
 * inherit LZ4 from the default above it. Neither bit: inherit. Both:
 * refused (-EINVAL / -EBADMSG).
 */
#ifndef GLINT_PROTO_MSG_FS_H
#define GLINT_PROTO_MSG_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/codec.h"

#define PROTO_MAX_GROUPS  64
#define PROTO_NAME_MAX	  255
#define PROTO_SYMLINK_MAX 4095
#define PROTO_XATTR_MAX	  65536
#define PROTO_XATTR_LIST_MAX (1u << 20)
#define PROTO_MAX_STRIPES 256
#define PROTO_MAX_IO	  (4u << 20) /* bytes of data in one object RPC */
#define PROTO_READDIR_MAX (1u << 20) /* max_bytes of one READDIR reply */
#define PROTO_OBJ_LIST_MAX 4096	  /* entries of one OBJ_LIST reply */

/* Opcodes of this file. Numbers are part of the protocol. */
enum proto_fs_op {
	PROTO_OP_LOOKUP = 16,
	PROTO_OP_GETATTR = 17,
	PROTO_OP_SETATTR = 18,
	PROTO_OP_CREATE = 19,
	PROTO_OP_MKDIR = 20,
	PROTO_OP_UNLINK = 21,
	PROTO_OP_RMDIR = 22,
	PROTO_OP_RENAME = 23,
	PROTO_OP_LINK = 24,
	PROTO_OP_SYMLINK = 25,
	PROTO_OP_READLINK = 26,
	PROTO_OP_READDIR = 27,
	PROTO_OP_GETXATTR = 28,
	PROTO_OP_SETXATTR = 29,
	PROTO_OP_LISTXATTR = 30,
	PROTO_OP_REMOVEXATTR = 31,
	PROTO_OP_ACCESS = 32,
	PROTO_OP_CLOSE = 33,
	PROTO_OP_SETSTRIPE = 34,
	PROTO_OP_GETSTRIPE = 35,
	PROTO_OP_LOCK = 36,

	PROTO_OP_OBJ_READ = 48,
	PROTO_OP_OBJ_WRITE = 49,
	PROTO_OP_OBJ_TRUNCATE = 50,
	PROTO_OP_OBJ_PUNCH = 51,
	PROTO_OP_OBJ_DESTROY = 52,
	PROTO_OP_OBJ_SYNC = 53,
	PROTO_OP_OBJ_GETATTR = 54,
	PROTO_OP_OBJ_LIST = 55,
	PROTO_OP_OBJ_WRITE_Z = 56,
	PROTO_OP_OBJ_READ_Z = 57,
	PROTO_OP_OBJ_READ_C = 58,
	PROTO_OP_OBJ_READ_L = 59,
};

/* SETATTR valid bits (values equal the namespace's NS_SET_*). */
#define PROTO_SET_MODE	    0x001u
#define PROTO_SET_UID	    0x002u
#define PROTO_SET_GID	    0x004u
#define PROTO_SET_SIZE	    0x008u
#define PROTO_SET_ATIME	    0x010u
#define PROTO_SET_MTIME	    0x020u
#define PROTO_SET_ATIME_NOW 0x040u
#define PROTO_SET_MTIME_NOW 0x080u
#define PROTO_SET_FROM_OPEN 0x100u /* ftruncate/O_TRUNC on an open file */
#define PROTO_SET_KNOWN	    0x1ffu

#define PROTO_CREATE_EXCL   0x1u
#define PROTO_RENAME_NOREPLACE 0x1u
#define PROTO_RENAME_EXCHANGE  0x2u
#define PROTO_XATTR_CREATE  0x1u
#define PROTO_XATTR_REPLACE 0x2u
#define PROTO_CLOSE_SIZE    0x1u /* size is valid */
#define PROTO_CLOSE_MTIME   0x2u /* mtime is valid */
#define PROTO_PATTERN_LZ4   0x1u /* chunks LZ4-compressed */
#define PROTO_PATTERN_NOCOMPR 0x2u /* compression explicitly off */
#define PROTO_PATTERN_KNOWN (PROTO_PATTERN_LZ4 | PROTO_PATTERN_NOCOMPR)
#define PROTO_OBJ_LZ4	    0x1u /* compress this write's chunks */
#define PROTO_OBJ_SYNC	    0x2u /* data durable before the reply */

#define PROTO_LOCK_FLOCK 1
#define PROTO_LOCK_POSIX 2
#define PROTO_LOCK_GET	 1
#define PROTO_LOCK_SET	 2
#define PROTO_LOCK_SETW	 3
#define PROTO_LOCK_RD	 0
#define PROTO_LOCK_WR	 1
#define PROTO_LOCK_UN	 2

struct msg_cred {
	uint32_t uid;
	uint32_t gid;
	uint16_t ngroups;
	uint32_t groups[PROTO_MAX_GROUPS]; /* copied on decode */
};

struct msg_time {
	int64_t sec;
	uint32_t nsec;
};

struct msg_attr {
	uint64_t ino;
	uint32_t mode, uid, gid, nlink, gen;
	uint64_t size, blocks, rdev;
	struct msg_time atime, mtime, ctime;
};

struct msg_stripe {
	uint32_t ost_idx;
	uint64_t object_id;
};

struct msg_layout {
	uint32_t stripe_size;
	int32_t stripe_count;
	int32_t first_ost;
	uint32_t pattern;
	uint32_t gen;
	uint32_t nstripes;
	struct msg_stripe stripes[PROTO_MAX_STRIPES]; /* copied on decode */
};

/* A borrowed byte string (name, target, xattr value, data). */
struct msg_bytes {
	const uint8_t *p;
	uint32_t len;
};

/* Reply of most metadata operations. */
struct msg_entry {
	struct msg_attr attr;
	struct msg_layout layout;
};

/*
 * One request struct serves every metadata opcode: each opcode encodes and
 * decodes exactly the fields the table at the top lists for it, in that
 * order; the others are ignored. (A struct per opcode would repeat the same
 * fields twenty times.)
 */
struct msg_md_req {
	struct msg_cred cred;
	uint64_t ino;	       /* parent (LOOKUP, CREATE, MKDIR, UNLINK, RMDIR,
				  RENAME, SYMLINK) or the object of the call */
	struct msg_bytes name; /* entry or xattr name */
	uint64_t ino2;	       /* newparent (RENAME, LINK) */
	struct msg_bytes name2; /* newname (RENAME, LINK) */
	struct msg_bytes value; /* SYMLINK target, SETXATTR value */
	uint32_t mode;	       /* CREATE, MKDIR, SETATTR; ACCESS mask */
	uint32_t flags;	       /* PROTO_CREATE_*, RENAME_*, XATTR_*, CLOSE_* */
	uint32_t valid;	       /* SETATTR */
	uint32_t uid, gid;     /* SETATTR */
	uint64_t size;	       /* SETATTR, CLOSE */
	uint64_t rdev;	       /* CREATE */
	struct msg_time atime, mtime; /* SETATTR; CLOSE (mtime) */
	uint64_t cookie;       /* READDIR */
	uint32_t max_bytes;    /* READDIR; GETXATTR/LISTXATTR size */
	struct msg_layout layout; /* CREATE, SETSTRIPE */
	/* LOCK */
	uint64_t lk_owner;
	uint32_t lk_pid;
	uint8_t lk_kind, lk_cmd, lk_type;
	uint64_t lk_start, lk_end;
};

size_t msg_md_req_encoded_len(uint16_t opcode, const struct msg_md_req *m);
ssize_t msg_md_req_encode(uint16_t opcode, const struct msg_md_req *m,
			  void *buf, size_t len);
/* -EBADMSG also for an opcode that is not a metadata request. */
int msg_md_req_decode(uint16_t opcode, struct cursor *c, struct msg_md_req *m);

size_t msg_entry_encoded_len(const struct msg_entry *m);
ssize_t msg_entry_encode(const struct msg_entry *m, void *buf, size_t len);
int msg_entry_decode(struct cursor *c, struct msg_entry *m);

/*
 * dir_attrs: the attributes, after the change, of the directories a
 * namespace operation changed, appended to its reply (see the table at the
 * top). The kernel forgets a directory's cached attributes after every
 * create or remove in it and, with default_permissions, asks for them
 * again before the next operation there; a client answers that GETATTR
 * from these instead of asking the MDS. Encoding:
 *   1 count (<= PROTO_MAX_DIR_ATTRS) | count * attr (each a directory's)
 * The decoder reads an absent block (no bytes left: an MDS that predates
 * it) as count 0 and, like every decoder here, ignores bytes after it.
 */
#define PROTO_MAX_DIR_ATTRS 2

struct msg_dir_attrs {
	uint32_t count;
	struct msg_attr attr[PROTO_MAX_DIR_ATTRS];
};

size_t msg_dir_attrs_encoded_len(const struct msg_dir_attrs *m);
ssize_t msg_dir_attrs_encode(const struct msg_dir_attrs *m, void *buf,
			     size_t len);
int msg_dir_attrs_decode(struct cursor *c, struct msg_dir_attrs *m);

size_t msg_layout_encoded_len(const struct msg_layout *m);
ssize_t msg_layout_encode(const struct msg_layout *m, void *buf, size_t len);
int msg_layout_decode(struct cursor *c, struct msg_layout *m);

/* READDIR reply: built incrementally into a buffer of max_bytes + header. */
struct msg_dirent {
	uint64_t ino;
	uint64_t cookie;
	uint8_t type;	       /* DT_* */
	struct msg_bytes name;
};
#define MSG_READDIR_HDR 5 /* 1 eof | 4 count */
size_t msg_dirent_encoded_len(const struct msg_dirent *d);
/* Append d at w; the caller patches the header with msg_readdir_finish. */
void msg_dirent_put(struct wbuf *w, const struct msg_dirent *d);
void msg_readdir_finish(void *buf, uint8_t eof, uint32_t count);
/* Decode the header; then msg_dirent_get count times. */
int msg_readdir_decode_header(struct cursor *c, uint8_t *eof, uint32_t *count);
int msg_dirent_get(struct cursor *c, struct msg_dirent *d);

/* LOCK reply: same fields as the request's lock part. */
struct msg_lock {
	uint64_t ino, owner;
	uint32_t pid;
	uint8_t kind, cmd, type;
	uint64_t start, end;
};
size_t msg_lock_encoded_len(const struct msg_lock *m);
ssize_t msg_lock_encode(const struct msg_lock *m, void *buf, size_t len);
int msg_lock_decode(struct cursor *c, struct msg_lock *m);

/* Object requests: one struct for every OBJ_* opcode, like msg_md_req.
 * For OBJ_LIST, object_id and stripe_idx are the pair to list after. */
struct msg_obj_req {
	uint64_t object_id;
	uint32_t stripe_idx;
	uint64_t off;	      /* READ, WRITE, PUNCH */
	uint64_t len;	      /* READ (<= PROTO_MAX_IO), PUNCH */
	uint64_t size;	      /* TRUNCATE */
	uint32_t flags;	      /* WRITE: PROTO_OBJ_* */
	struct msg_bytes data; /* WRITE */
	uint32_t max;	      /* LIST: most entries wanted */
};
/* Where an OBJ_WRITE's data starts in its payload: after object_id,
 * stripe_idx, off, flags and the data's length (8 + 4 + 8 + 4 + 4). The
 * OSS receives large payloads so that this byte is page-aligned
 * (conn_set_payload_align), for O_DIRECT writes of the data. */
#define PROTO_OBJ_WRITE_DATA_OFF 28u
size_t msg_obj_req_encoded_len(uint16_t opcode, const struct msg_obj_req *m);
ssize_t msg_obj_req_encode(uint16_t opcode, const struct msg_obj_req *m,
			   void *buf, size_t len);
int msg_obj_req_decode(uint16_t opcode, struct cursor *c,
		       struct msg_obj_req *m);

/* OBJ_GETATTR reply. stored_bytes is appended: a reply without it decodes
 * with stored_bytes = logical_bytes (nothing known to be saved). */
struct msg_obj_attr {
	uint64_t size, disk_bytes, logical_bytes;
	uint64_t stored_bytes;
};
size_t msg_obj_attr_encoded_len(const struct msg_obj_attr *m);
ssize_t msg_obj_attr_encode(const struct msg_obj_attr *m, void *buf,
			    size_t len);
int msg_obj_attr_decode(struct cursor *c, struct msg_obj_attr *m);

/*
 * OBJ_LIST reply. Encode: objs holds count entries (borrowed), strictly
 * ascending, count <= PROTO_OBJ_LIST_MAX (-EMSGSIZE), eof 0 or 1 and
 * entries out of order are -EINVAL. Decode: objs is the caller's array of
 * cap entries; a count above cap or PROTO_OBJ_LIST_MAX, an eof other than
 * 0/1 or entries not strictly ascending are -EBADMSG.
 */
struct msg_obj_ref {
	uint64_t object_id;
	uint32_t stripe_idx;
};
struct msg_obj_list {
	uint8_t eof;		 /* 1: no object follows the last entry */
	uint32_t count;		 /* entries in objs */
	struct msg_obj_ref *objs; /* see above */
	uint32_t cap;		 /* decode: room in objs */
};
#define MSG_OBJ_LIST_HDR 5  /* 1 eof | 4 count */
#define MSG_OBJ_REF_LEN	 12 /* 8 object_id | 4 stripe_idx */
size_t msg_obj_list_encoded_len(const struct msg_obj_list *m);
ssize_t msg_obj_list_encode(const struct msg_obj_list *m, void *buf,
			    size_t len);
int msg_obj_list_decode(struct cursor *c, struct msg_obj_list *m);
/* Whether a sorts before b in OBJ_LIST order: <0, 0, >0. */
int msg_obj_ref_cmp(const struct msg_obj_ref *a, const struct msg_obj_ref *b);

/* Helpers for the small replies: a u64 (OBJ_WRITE), a str (READLINK), a
 * u32-length blob with its total length (GETXATTR, LISTXATTR). */
int msg_u64_decode(struct cursor *c, uint64_t *v);
ssize_t msg_u64_encode(uint64_t v, void *buf, size_t len);

/* READLINK reply: str target, 1..PROTO_SYMLINK_MAX bytes, no NUL. */
size_t msg_readlink_encoded_len(const struct msg_bytes *target);
ssize_t msg_readlink_encode(const struct msg_bytes *target, void *buf,
			    size_t len);
int msg_readlink_decode(struct cursor *c, struct msg_bytes *target);

/*
 * GETXATTR and LISTXATTR reply: 4 length | blob value. The opcode picks the
 * cap (PROTO_XATTR_MAX, PROTO_XATTR_LIST_MAX); value is empty (the request's
 * size was 0) or exactly length bytes. Any other opcode: -EINVAL on encode,
 * -EBADMSG on decode.
 */
struct msg_xattr_reply {
	uint32_t length;	/* total length of the value or name list */
	struct msg_bytes value; /* borrowed */
};
size_t msg_xattr_reply_encoded_len(const struct msg_xattr_reply *m);
ssize_t msg_xattr_reply_encode(uint16_t opcode,
			       const struct msg_xattr_reply *m, void *buf,
			       size_t len);
int msg_xattr_reply_decode(uint16_t opcode, struct cursor *c,
			   struct msg_xattr_reply *m);

/* OBJ_READ reply: blob data, <= PROTO_MAX_IO bytes. A server that reads
 * straight into its reply buffer writes the 4-byte length itself. */
size_t msg_obj_data_encoded_len(const struct msg_bytes *data);
ssize_t msg_obj_data_encode(const struct msg_bytes *data, void *buf,
			    size_t len);
int msg_obj_data_decode(struct cursor *c, struct msg_bytes *data);
#endif /* GLINT_PROTO_MSG_FS_H */
