/*
 * msg_zio.c - codecs of OBJ_WRITE_Z, OBJ_READ_Z and OBJ_READ_C's reply
 * head (msg_zio.h has the byte tables).
 *
 * One checker (zchunks_check) holds every rule of a zchunks group; the
 * encoders run it before writing and the decoders after reading, so a
 * sender can never produce what a receiver refuses. The checksums are not
 * verified here (that needs the decoded bytes: the OSS and the client do
 * it), only that ZERO entries carry none.
 */
#include "proto/msg_zio.h"

#include <errno.h>
#include <string.h>

#include "proto/frame.h"

#define ZIO_OFF_MAX ((uint64_t)INT64_MAX)
#define ZIO_FLAGS   (PROTO_OBJ_LZ4 | PROTO_OBJ_SYNC)

uint64_t msg_zchunks_span(const struct msg_zchunks *m)
{
	uint64_t span = 0;

	for (uint32_t i = 0; i < m->count; i++)
		span += m->chunks[i].raw_len;
	return span;
}

static int zchunk_check(const struct msg_zchunk *z)
{
	uint64_t slot = z->off / PROTO_ZCHUNK_SIZE;

	if (z->raw_len == 0 || z->raw_len > PROTO_ZCHUNK_SIZE ||
	    z->off > ZIO_OFF_MAX - z->raw_len ||
	    (z->off + z->raw_len - 1) / PROTO_ZCHUNK_SIZE != slot)
		return -EINVAL;
	switch (z->kind) {
	case PROTO_ZCHUNK_ZERO:
		return z->stored_len == 0 && z->csum == 0 ? 0 : -EINVAL;
	case PROTO_ZCHUNK_RAW:
		return z->stored_len == z->raw_len ? 0 : -EINVAL;
	case PROTO_ZCHUNK_LZ4:
		if (z->off % PROTO_ZCHUNK_SIZE || z->stored_len == 0 ||
		    z->stored_len >= z->raw_len)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * Every rule of a group with at most max_span bytes of span; *data_len
 * gets the sum of stored lengths. -EMSGSIZE for a count or span over its
 * cap, -EINVAL for anything else.
 */
static int zchunks_check(const struct msg_zchunks *m, uint64_t max_span,
			 uint64_t *data_len)
{
	uint64_t span = 0, stored = 0;
	int rc;

	*data_len = 0;
	if (m->count > PROTO_ZCHUNKS_MAX)
		return -EMSGSIZE;
	for (uint32_t i = 0; i < m->count; i++) {
		const struct msg_zchunk *z = &m->chunks[i];

		rc = zchunk_check(z);
		if (rc)
			return rc;
		if (i && z->off != m->chunks[i - 1].off +
					     m->chunks[i - 1].raw_len)
			return -EINVAL;
		span += z->raw_len;
		stored += z->stored_len;
	}
	if (span > max_span)
		return -EMSGSIZE;
	*data_len = stored;
	return 0;
}

static size_t zchunks_len(const struct msg_zchunks *m)
{
	size_t len = 4 + 4 + (size_t)m->count * MSG_ZCHUNK_LEN;

	for (uint32_t i = 0; i < m->count; i++)
		len += m->chunks[i].stored_len;
	return len;
}

static void zchunks_put_table(struct wbuf *w, const struct msg_zchunks *m)
{
	wbuf_put_u32(w, m->count);
	for (uint32_t i = 0; i < m->count; i++) {
		const struct msg_zchunk *z = &m->chunks[i];

		wbuf_put_u64(w, z->off);
		wbuf_put_u32(w, z->raw_len);
		wbuf_put_u32(w, z->stored_len);
		wbuf_put_u8(w, z->kind);
		wbuf_put_u64(w, z->csum);
	}
}

static int zchunks_put(struct wbuf *w, const struct msg_zchunks *m,
		       uint64_t max_span)
{
	uint64_t data_len;
	int rc = zchunks_check(m, max_span, &data_len);

	if (rc)
		return rc;
	wbuf_put_u32(w, (uint32_t)data_len);
	for (uint32_t i = 0; i < m->count; i++)
		wbuf_put_raw(w, m->chunks[i].data, m->chunks[i].stored_len);
	zchunks_put_table(w, m);
	return 0;
}

static int zchunks_get(struct cursor *c, struct msg_zchunks *m,
		       uint64_t max_span)
{
	const uint8_t *start = c->pos, *data;
	uint32_t data_len, count;
	uint64_t stored;
	size_t pos = 0;

	if (cur_get_u32(c, &data_len) || data_len > max_span ||
	    cur_get_raw(c, data_len, &data) || cur_get_u32(c, &count) ||
	    count > PROTO_ZCHUNKS_MAX || count > m->cap ||
	    cursor_left(c) < (size_t)count * MSG_ZCHUNK_LEN)
		goto bad;
	m->count = count;
	for (uint32_t i = 0; i < count; i++) {
		struct msg_zchunk *z = &m->chunks[i];

		if (cur_get_u64(c, &z->off) || cur_get_u32(c, &z->raw_len) ||
		    cur_get_u32(c, &z->stored_len) || cur_get_u8(c, &z->kind) ||
		    cur_get_u64(c, &z->csum))
			goto bad;
		/* Stored lengths add up to data_len (checked below): each
		 * entry's bytes are then inside data. */
		if (z->stored_len > data_len - pos)
			goto bad;
		z->data = z->stored_len ? data + pos : NULL;
		pos += z->stored_len;
	}
	if (zchunks_check(m, max_span, &stored) || stored != data_len)
		goto bad;
	return 0;
bad:
	m->count = 0;
	c->pos = start;
	return -EBADMSG;
}

static ssize_t zio_finish(struct wbuf *w, void *buf)
{
	if (!wbuf_ok(w))
		return -EMSGSIZE;
	return (ssize_t)(w->pos - (uint8_t *)buf);
}

/* --- OBJ_WRITE_Z --- */

size_t msg_obj_zwrite_encoded_len(const struct msg_obj_zwrite *m)
{
	return 8 + 4 + 4 + zchunks_len(&m->z);
}

ssize_t msg_obj_zwrite_encode(const struct msg_obj_zwrite *m, void *buf,
			      size_t len)
{
	struct wbuf w;
	int rc;

	if (m->flags & ~ZIO_FLAGS)
		return -EINVAL;
	wbuf_init(&w, buf, len);
	wbuf_put_u64(&w, m->object_id);
	wbuf_put_u32(&w, m->stripe_idx);
	wbuf_put_u32(&w, m->flags);
	rc = zchunks_put(&w, &m->z, PROTO_MAX_IO);
	if (rc)
		return rc;
	return zio_finish(&w, buf);
}

int msg_obj_zwrite_decode(struct cursor *c, struct msg_obj_zwrite *m)
{
	const uint8_t *start = c->pos;

	if (cur_get_u64(c, &m->object_id) || cur_get_u32(c, &m->stripe_idx) ||
	    cur_get_u32(c, &m->flags) || (m->flags & ~ZIO_FLAGS) ||
	    zchunks_get(c, &m->z, PROTO_MAX_IO)) {
		c->pos = start;
		return -EBADMSG;
	}
	return 0;
}

/* --- OBJ_READ_Z --- */

ssize_t msg_obj_zread_encode(const struct msg_obj_req *m, void *buf,
			     size_t len)
{
	return msg_obj_req_encode(PROTO_OP_OBJ_READ, m, buf, len);
}

int msg_obj_zread_decode(struct cursor *c, struct msg_obj_req *m)
{
	return msg_obj_req_decode(PROTO_OP_OBJ_READ, c, m);
}

size_t msg_zchunks_encoded_len(const struct msg_zchunks *m)
{
	return zchunks_len(m);
}

ssize_t msg_zchunks_encode(const struct msg_zchunks *m, void *buf, size_t len)
{
	struct wbuf w;
	int rc;

	wbuf_init(&w, buf, len);
	rc = zchunks_put(&w, m, PROTO_ZREAD_SPAN_MAX);
	if (rc)
		return rc;
	return zio_finish(&w, buf);
}

int msg_zchunks_decode(struct cursor *c, struct msg_zchunks *m)
{
	return zchunks_get(c, m, PROTO_ZREAD_SPAN_MAX);
}

ssize_t msg_zchunks_encode_table(const struct msg_zchunks *m,
				 uint32_t data_len, void *buf, size_t len)
{
	uint64_t stored;
	struct wbuf w;
	int rc = zchunks_check(m, PROTO_ZREAD_SPAN_MAX, &stored);

	if (rc)
		return rc;
	if (stored != data_len)
		return -EINVAL;
	wbuf_init(&w, buf, len);
	zchunks_put_table(&w, m);
	return zio_finish(&w, buf);
}

/* --- OBJ_READ_C --- */

ssize_t msg_readc_head_encode(const struct msg_readc_head *m, void *buf,
			      size_t len)
{
	struct wbuf w;

	if (m->count > PROTO_READC_CHUNKS_MAX ||
	    m->data_len > (uint64_t)m->count * PROTO_ZCHUNK_SIZE)
		return -EINVAL;
	wbuf_init(&w, buf, len);
	wbuf_put_u32(&w, m->data_len);
	wbuf_put_u32(&w, m->count);
	for (uint32_t i = 0; i < m->count; i++)
		wbuf_put_u64(&w, m->csum[i]);
	return zio_finish(&w, buf);
}

int msg_readc_head_decode(struct cursor *c, uint64_t req_len,
			  struct msg_readc_head *m)
{
	const uint8_t *start = c->pos;

	if (req_len > PROTO_MAX_IO || cur_get_u32(c, &m->data_len) ||
	    cur_get_u32(c, &m->count) || m->data_len > req_len ||
	    m->count != PROTO_READC_CHUNKS(req_len))
		goto bad;
	for (uint32_t i = 0; i < m->count; i++)
		if (cur_get_u64(c, &m->csum[i]))
			goto bad;
	return 0;
bad:
	c->pos = start;
	return -EBADMSG;
}

/* Bytes of piece i of m's data. */
static uint32_t readc_piece_len(const struct msg_readc_head *m, uint32_t i)
{
	uint64_t a = (uint64_t)i * PROTO_ZCHUNK_SIZE;

	if (a >= m->data_len)
		return 0;
	return m->data_len - a < PROTO_ZCHUNK_SIZE ? (uint32_t)(m->data_len - a)
						   : PROTO_ZCHUNK_SIZE;
}

void msg_readc_sum(struct msg_readc_head *m, const uint8_t *data)
{
	for (uint32_t i = 0; i < m->count; i++) {
		uint32_t n = readc_piece_len(m, i);

		m->csum[i] = n ? frame_checksum(data + (size_t)i *
							       PROTO_ZCHUNK_SIZE,
						n)
			       : 0;
	}
}

int msg_readc_verify(const struct msg_readc_head *m, const uint8_t *data,
		     uint32_t *bad)
{
	for (uint32_t i = 0; i < m->count; i++) {
		uint32_t n = readc_piece_len(m, i);

		if (n && frame_checksum(data + (size_t)i * PROTO_ZCHUNK_SIZE,
					n) != m->csum[i]) {
			if (bad)
				*bad = i;
			return -EIO;
		}
	}
	return 0;
}

/* --- OBJ_READ_L --- */

/* Whether path/len is what an OBJ_READ_L reply may name for data_len. */
static int readl_path_ok(uint32_t data_len, const char *path, uint16_t len)
{
	if (!data_len)
		return len == 0;
	return len >= 1 && len <= PROTO_LOCAL_PATH_MAX && path[0] == '/' &&
	       !memchr(path, '\0', len);
}

ssize_t msg_readl_encode(const struct msg_readl *m, void *buf, size_t len)
{
	ssize_t n;
	struct wbuf w;

	if (!readl_path_ok(m->head.data_len, m->path, m->path_len))
		return -EINVAL;
	n = msg_readc_head_encode(&m->head, buf, len);
	if (n < 0)
		return n;
	wbuf_init(&w, (uint8_t *)buf + n, len - (size_t)n);
	wbuf_put_str(&w, m->path, m->path_len);
	if (!wbuf_ok(&w))
		return -EMSGSIZE;
	return n + (ssize_t)(w.pos - ((uint8_t *)buf + n));
}

int msg_readl_decode(struct cursor *c, uint64_t req_len, struct msg_readl *m)
{
	const uint8_t *start = c->pos;

	if (msg_readc_head_decode(c, req_len, &m->head))
		return -EBADMSG;
	if (cur_get_str(c, PROTO_LOCAL_PATH_MAX, &m->path, &m->path_len) ||
	    cursor_left(c) ||
	    !readl_path_ok(m->head.data_len, m->path, m->path_len)) {
		c->pos = start;
		return -EBADMSG;
	}
	return 0;
}
