/*
 * msg.c - codecs of the messages in msg.h and the opcode table.
 *
 * Each decoder is a straight run of cursor gets that jumps to one error
 * label on the first short or out-of-range field (model: the kernel's ceph
 * decode.h _safe helpers). Counts are capped before anything is walked.
 * Encoders write into a buffer the caller sized with encoded_len(); a
 * buffer that is too small is reported as -EMSGSIZE, never overrun.
 */
#include "proto/msg.h"

#include <errno.h>

#include "proto/msg_fs.h"

/* Sizes of the smallest fields of msg_fs.h, for the minimum lengths. */
#define MIN_CRED   (4 + 4 + 2)	  /* no groups */
#define MIN_NAME   CODEC_STR_LEN(1)
#define MIN_BLOB   CODEC_BLOB_LEN(0)
#define MIN_TIME   (8 + 4)
#define MIN_LAYOUT (6 * 4)	  /* no stripes */
#define MIN_LOCK   (8 + 4 + 1 + 1 + 1 + 8 + 8) /* after the ino */

static const struct proto_op_desc proto_ops[PROTO_OP_MAX] = {
	[PROTO_OP_HELLO] = { "HELLO", 2 + 1 + 4 + 2 + 2 + 2 },
	[PROTO_OP_PING] = { "PING", 8 },
	[PROTO_OP_STATFS] = { "STATFS", 0 },

	[PROTO_OP_LOOKUP] = { "LOOKUP", MIN_CRED + 8 + MIN_NAME },
	[PROTO_OP_GETATTR] = { "GETATTR", MIN_CRED + 8 },
	[PROTO_OP_SETATTR] = { "SETATTR", MIN_CRED + 8 + 4 * 4 + 8 +
						  2 * MIN_TIME },
	[PROTO_OP_CREATE] = { "CREATE", MIN_CRED + 8 + MIN_NAME + 4 + 4 + 8 +
						MIN_LAYOUT },
	[PROTO_OP_MKDIR] = { "MKDIR", MIN_CRED + 8 + MIN_NAME + 4 },
	[PROTO_OP_UNLINK] = { "UNLINK", MIN_CRED + 8 + MIN_NAME },
	[PROTO_OP_RMDIR] = { "RMDIR", MIN_CRED + 8 + MIN_NAME },
	[PROTO_OP_RENAME] = { "RENAME", MIN_CRED + 8 + MIN_NAME + 8 +
						MIN_NAME + 4 },
	[PROTO_OP_LINK] = { "LINK", MIN_CRED + 8 + 8 + MIN_NAME },
	[PROTO_OP_SYMLINK] = { "SYMLINK", MIN_CRED + 8 + MIN_NAME + MIN_NAME },
	[PROTO_OP_READLINK] = { "READLINK", MIN_CRED + 8 },
	[PROTO_OP_READDIR] = { "READDIR", MIN_CRED + 8 + 8 + 4 },
	[PROTO_OP_GETXATTR] = { "GETXATTR", MIN_CRED + 8 + MIN_NAME + 4 },
	[PROTO_OP_SETXATTR] = { "SETXATTR", MIN_CRED + 8 + MIN_NAME +
						    MIN_BLOB + 4 },
	[PROTO_OP_LISTXATTR] = { "LISTXATTR", MIN_CRED + 8 + 4 },
	[PROTO_OP_REMOVEXATTR] = { "REMOVEXATTR", MIN_CRED + 8 + MIN_NAME },
	[PROTO_OP_ACCESS] = { "ACCESS", MIN_CRED + 8 + 4 },
	[PROTO_OP_CLOSE] = { "CLOSE", MIN_CRED + 8 + 4 + 8 + MIN_TIME },
	[PROTO_OP_SETSTRIPE] = { "SETSTRIPE", MIN_CRED + 8 + MIN_LAYOUT },
	[PROTO_OP_GETSTRIPE] = { "GETSTRIPE", MIN_CRED + 8 },
	[PROTO_OP_LOCK] = { "LOCK", MIN_CRED + 8 + MIN_LOCK },

	[PROTO_OP_OBJ_READ] = { "OBJ_READ", 8 + 4 + 8 + 4 },
	[PROTO_OP_OBJ_WRITE] = { "OBJ_WRITE", 8 + 4 + 8 + 4 + MIN_BLOB },
	[PROTO_OP_OBJ_TRUNCATE] = { "OBJ_TRUNCATE", 8 + 4 + 8 },
	[PROTO_OP_OBJ_PUNCH] = { "OBJ_PUNCH", 8 + 4 + 8 + 8 },
	[PROTO_OP_OBJ_DESTROY] = { "OBJ_DESTROY", 8 + 4 },
	[PROTO_OP_OBJ_SYNC] = { "OBJ_SYNC", 8 + 4 },
	[PROTO_OP_OBJ_GETATTR] = { "OBJ_GETATTR", 8 + 4 },
	[PROTO_OP_OBJ_LIST] = { "OBJ_LIST", 8 + 4 + 4 },
	/* msg_zio.h: an empty zchunks group is 4 + 4 bytes. */
	[PROTO_OP_OBJ_WRITE_Z] = { "OBJ_WRITE_Z", 8 + 4 + 4 + 4 + 4 },
	[PROTO_OP_OBJ_READ_Z] = { "OBJ_READ_Z", 8 + 4 + 8 + 4 },
	[PROTO_OP_OBJ_READ_C] = { "OBJ_READ_C", 8 + 4 + 8 + 4 },
	[PROTO_OP_OBJ_READ_L] = { "OBJ_READ_L", 8 + 4 + 8 + 4 },
};

const struct proto_op_desc *proto_op_lookup(uint16_t opcode)
{
	if (opcode >= PROTO_OP_MAX || !proto_ops[opcode].name)
		return NULL;
	return &proto_ops[opcode];
}

static ssize_t msg_finish(struct wbuf *w, void *buf)
{
	if (!wbuf_ok(w))
		return -EMSGSIZE;
	return (ssize_t)(w->pos - (uint8_t *)buf);
}

/* --- HELLO --- */

#define HELLO_OST_FIXED (4 + 1 + 2 + 2) /* an OST entry without its host */

size_t msg_hello_encoded_len(const struct msg_hello *m)
{
	size_t len = 2 + 1 + 4 + CODEC_STR_LEN(m->fsname_len) +
		     CODEC_STR_LEN(m->host_len) + 2;

	if (m->has_config) {
		len += 4 + 4 + 1 + 8 + 4;
		for (uint32_t i = 0; i < m->ost_count; i++)
			len += HELLO_OST_FIXED + m->osts[i].host_len;
	}
	return len;
}

/*
 * Whether every string and count of m is within the cap its decoder
 * enforces: the encoder refuses to send what a peer would refuse to read.
 */
static int hello_within_caps(const struct msg_hello *m)
{
	if (m->fsname_len > PROTO_FSNAME_MAX || m->host_len > PROTO_HOST_MAX)
		return 0;
	if (!m->has_config)
		return 1;
	if (m->ost_count > PROTO_MAX_OSTS)
		return 0;
	for (uint32_t i = 0; i < m->ost_count; i++)
		if (m->osts[i].host_len > PROTO_HOST_MAX)
			return 0;
	return 1;
}

ssize_t msg_hello_encode(const struct msg_hello *m, void *buf, size_t len)
{
	struct wbuf w;

	if (!hello_within_caps(m))
		return -EMSGSIZE;
	wbuf_init(&w, buf, len);
	wbuf_put_u16(&w, m->proto_version);
	wbuf_put_u8(&w, m->role);
	wbuf_put_u32(&w, m->id);
	wbuf_put_str(&w, m->fsname, m->fsname_len);
	wbuf_put_str(&w, m->host, m->host_len);
	wbuf_put_u16(&w, m->port);
	if (m->has_config) {
		wbuf_put_u32(&w, m->stripe_size);
		wbuf_put_u32(&w, (uint32_t)m->stripe_count);
		wbuf_put_u8(&w, m->deployment);
		wbuf_put_u64(&w, m->map_version);
		wbuf_put_u32(&w, m->ost_count);
		for (uint32_t i = 0; i < m->ost_count; i++) {
			const struct msg_ost_entry *e = &m->osts[i];

			wbuf_put_u32(&w, e->ost_idx);
			wbuf_put_u8(&w, e->state);
			wbuf_put_str(&w, e->host, e->host_len);
			wbuf_put_u16(&w, e->port);
		}
	}
	return msg_finish(&w, buf);
}

static int hello_decode_ost(struct cursor *c, struct msg_ost_entry *e)
{
	if (cur_get_u32(c, &e->ost_idx) || cur_get_u8(c, &e->state) ||
	    cur_get_str(c, PROTO_HOST_MAX, &e->host, &e->host_len) ||
	    cur_get_u16(c, &e->port))
		return -EBADMSG;
	if (e->state != PROTO_OST_UP && e->state != PROTO_OST_DOWN)
		return -EBADMSG;
	return 0;
}

int msg_hello_decode(struct cursor *c, struct msg_hello *m)
{
	uint32_t stripe_count;
	struct msg_ost_entry scratch;

	m->has_config = 0;
	m->ost_count = 0;
	if (cur_get_u16(c, &m->proto_version) || cur_get_u8(c, &m->role) ||
	    cur_get_u32(c, &m->id) ||
	    cur_get_str(c, PROTO_FSNAME_MAX, &m->fsname, &m->fsname_len) ||
	    cur_get_str(c, PROTO_HOST_MAX, &m->host, &m->host_len) ||
	    cur_get_u16(c, &m->port))
		goto bad;
	if (m->role < PROTO_ROLE_CLIENT || m->role > PROTO_ROLE_TOOL)
		goto bad;
	if (cursor_left(c) == 0)
		return 0; /* no config: a request, or a reply from an OSS */
	if (cur_get_u32(c, &m->stripe_size) || cur_get_u32(c, &stripe_count) ||
	    cur_get_u8(c, &m->deployment) || cur_get_u64(c, &m->map_version) ||
	    cur_get_u32(c, &m->ost_count))
		goto bad;
	m->stripe_count = (int32_t)stripe_count;
	if (m->deployment != PROTO_DEPLOY_SCRATCH &&
	    m->deployment != PROTO_DEPLOY_PERSISTENT)
		goto bad;
	if (m->ost_count > PROTO_MAX_OSTS ||
	    cursor_left(c) < (size_t)m->ost_count * HELLO_OST_FIXED)
		goto bad;
	for (uint32_t i = 0; i < m->ost_count; i++) {
		struct msg_ost_entry *e = i < m->ost_cap ? &m->osts[i] : &scratch;

		if (hello_decode_ost(c, e))
			goto bad;
	}
	m->has_config = 1;
	return 0;
bad:
	m->ost_count = 0;
	return -EBADMSG;
}

/* --- STATFS --- */

static void statfs_put(struct wbuf *w, const struct msg_statfs *m)
{
	wbuf_put_u8(w, m->target);
	wbuf_put_u32(w, m->target_idx);
	wbuf_put_u64(w, m->bytes_total);
	wbuf_put_u64(w, m->bytes_used);
	wbuf_put_u64(w, m->bytes_avail);
	wbuf_put_u64(w, m->files_total);
	wbuf_put_u64(w, m->files_used);
}

size_t msg_statfs_encoded_len(const struct msg_statfs *m)
{
	(void)m;
	return MSG_STATFS_LEN + 2 * 8; /* + the appended LZ4 totals */
}

ssize_t msg_statfs_encode(const struct msg_statfs *m, void *buf, size_t len)
{
	struct wbuf w;

	wbuf_init(&w, buf, len);
	statfs_put(&w, m);
	wbuf_put_u64(&w, m->data_logical_bytes);
	wbuf_put_u64(&w, m->data_stored_bytes);
	return msg_finish(&w, buf);
}

int msg_statfs_decode(struct cursor *c, struct msg_statfs *m)
{
	if (cur_get_u8(c, &m->target) || cur_get_u32(c, &m->target_idx) ||
	    cur_get_u64(c, &m->bytes_total) || cur_get_u64(c, &m->bytes_used) ||
	    cur_get_u64(c, &m->bytes_avail) || cur_get_u64(c, &m->files_total) ||
	    cur_get_u64(c, &m->files_used))
		return -EBADMSG;
	if (m->target != PROTO_TARGET_MDT && m->target != PROTO_TARGET_OST)
		return -EBADMSG;
	if (m->bytes_used > m->bytes_total || m->files_used > m->files_total)
		return -EBADMSG;
	/* Appended fields: absent from an older peer's reply. */
	m->data_logical_bytes = 0;
	m->data_stored_bytes = 0;
	if (cursor_left(c) >= 16 &&
	    (cur_get_u64(c, &m->data_logical_bytes) ||
	     cur_get_u64(c, &m->data_stored_bytes) ||
	     m->data_stored_bytes > m->data_logical_bytes))
		return -EBADMSG;
	return 0;
}

/* --- PING --- */

size_t msg_ping_encoded_len(const struct msg_ping *m)
{
	return 8 + (m->has_report ? MSG_STATFS_LEN : 0);
}

ssize_t msg_ping_encode(const struct msg_ping *m, void *buf, size_t len)
{
	struct wbuf w;

	wbuf_init(&w, buf, len);
	wbuf_put_u64(&w, m->time_ns);
	if (m->has_report)
		statfs_put(&w, &m->report);
	return msg_finish(&w, buf);
}

/* The usage report is there when the 45 bytes after the u64 are a valid
 * STATFS reply; anything else there (fewer bytes, or bytes that are not a
 * report) is ignored like any unknown appended field. */
int msg_ping_decode(struct cursor *c, struct msg_ping *m)
{
	struct cursor rest;

	m->has_report = 0;
	if (cur_get_u64(c, &m->time_ns))
		return -EBADMSG;
	rest = *c;
	if (cursor_left(c) < MSG_STATFS_LEN)
		return 0;
	/* Exactly the base fields: a STATFS reply's appended LZ4 totals are
	 * not part of the report. */
	rest.end = rest.pos + MSG_STATFS_LEN;
	if (msg_statfs_decode(&rest, &m->report))
		return 0;
	*c = rest;
	m->has_report = 1;
	return 0;
}

/* --- ERROR --- */

size_t msg_error_encoded_len(const struct msg_error *m)
{
	return CODEC_STR_LEN(m->reason_len);
}

ssize_t msg_error_encode(const struct msg_error *m, void *buf, size_t len)
{
	struct wbuf w;

	if (m->reason_len > PROTO_ERRMSG_MAX)
		return -EMSGSIZE;
	wbuf_init(&w, buf, len);
	wbuf_put_str(&w, m->reason, m->reason_len);
	return msg_finish(&w, buf);
}

int msg_error_decode(struct cursor *c, struct msg_error *m)
{
	return cur_get_str(c, PROTO_ERRMSG_MAX, &m->reason, &m->reason_len);
}
