/*
 * codec.h - field-by-field encoding and decoding of wire payloads.
 *
 * Every integer on the wire is little-endian. A decoder reads through a
 * struct cursor {pos, end}; each get checks that the bytes are there before
 * it reads and returns -EBADMSG (advancing nothing) when they are not, so a
 * message decoder is a straight run of gets that bails to one error label.
 * No struct is ever cast onto network bytes.
 *
 * Byte strings travel as a u16 (short strings: names, host names) or u32
 * (bulk data) length followed by the bytes, with no terminating NUL. A
 * decoded string or blob points into the received buffer (zero copy): it is
 * borrowed for as long as that buffer lives.
 *
 * An encoder writes through a struct wbuf {pos, end}. Callers size the buffer
 * with the message's encoded_len() first, so running out of room is a
 * programmer error: the put functions then mark the buffer as overflowed
 * (pos = NULL) instead of writing, and wbuf_ok() reports it.
 *
 * Everything here is inline and allocation-free; it never aborts.
 */
#ifndef GLINT_PROTO_CODEC_H
#define GLINT_PROTO_CODEC_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t *pos; /* next byte to read */
	const uint8_t *end; /* one past the last readable byte */
};

struct wbuf {
	uint8_t *pos; /* next byte to write; NULL once an overflow happened */
	uint8_t *end; /* one past the last writable byte */
};

static inline void cursor_init(struct cursor *c, const void *buf, size_t len)
{
	c->pos = buf;
	c->end = c->pos + len;
}

static inline size_t cursor_left(const struct cursor *c)
{
	return (size_t)(c->end - c->pos);
}

static inline void wbuf_init(struct wbuf *w, void *buf, size_t len)
{
	w->pos = buf;
	w->end = w->pos + len;
}

static inline int wbuf_ok(const struct wbuf *w)
{
	return w->pos != NULL;
}

/* --- little-endian loads and stores on raw bytes --- */

static inline uint16_t le16_load(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t le32_load(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t le64_load(const uint8_t *p)
{
	return (uint64_t)le32_load(p) | (uint64_t)le32_load(p + 4) << 32;
}

static inline void le16_store(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void le32_store(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void le64_store(uint8_t *p, uint64_t v)
{
	le32_store(p, (uint32_t)v);
	le32_store(p + 4, (uint32_t)(v >> 32));
}

/* --- decoding: 0 or -EBADMSG --- */

static inline int cur_get_u8(struct cursor *c, uint8_t *v)
{
	if (cursor_left(c) < 1)
		return -EBADMSG;
	*v = *c->pos++;
	return 0;
}

static inline int cur_get_u16(struct cursor *c, uint16_t *v)
{
	if (cursor_left(c) < 2)
		return -EBADMSG;
	*v = le16_load(c->pos);
	c->pos += 2;
	return 0;
}

static inline int cur_get_u32(struct cursor *c, uint32_t *v)
{
	if (cursor_left(c) < 4)
		return -EBADMSG;
	*v = le32_load(c->pos);
	c->pos += 4;
	return 0;
}

static inline int cur_get_u64(struct cursor *c, uint64_t *v)
{
	if (cursor_left(c) < 8)
		return -EBADMSG;
	*v = le64_load(c->pos);
	c->pos += 8;
	return 0;
}

static inline int cur_get_i32(struct cursor *c, int32_t *v)
{
	uint32_t u;
	int rc = cur_get_u32(c, &u);

	if (!rc)
		*v = (int32_t)u;
	return rc;
}

static inline int cur_get_i64(struct cursor *c, int64_t *v)
{
	uint64_t u;
	int rc = cur_get_u64(c, &u);

	if (!rc)
		*v = (int64_t)u;
	return rc;
}

/* Borrow the next len raw bytes. */
static inline int cur_get_raw(struct cursor *c, size_t len, const uint8_t **p)
{
	if (cursor_left(c) < len)
		return -EBADMSG;
	*p = c->pos;
	c->pos += len;
	return 0;
}

/*
 * A u16-length string of at most max bytes. Borrowed, not NUL-terminated.
 * A string longer than max is -EBADMSG even when the bytes are present.
 */
static inline int cur_get_str(struct cursor *c, size_t max, const char **s,
			      uint16_t *len)
{
	uint16_t n;
	const uint8_t *p;

	if (cur_get_u16(c, &n))
		return -EBADMSG;
	if (n > max || cur_get_raw(c, n, &p)) {
		c->pos -= 2;
		return -EBADMSG;
	}
	*s = (const char *)p;
	*len = n;
	return 0;
}

/* A u32-length blob of at most max bytes. Borrowed. */
static inline int cur_get_blob(struct cursor *c, size_t max, const uint8_t **p,
			       uint32_t *len)
{
	uint32_t n;

	if (cur_get_u32(c, &n))
		return -EBADMSG;
	if (n > max || cur_get_raw(c, n, p)) {
		c->pos -= 4;
		return -EBADMSG;
	}
	*len = n;
	return 0;
}

/* --- encoding: the buffer was sized by encoded_len() --- */

static inline uint8_t *wbuf_room(struct wbuf *w, size_t len)
{
	uint8_t *p = w->pos;

	if (!p || (size_t)(w->end - p) < len) {
		w->pos = NULL;
		return NULL;
	}
	w->pos += len;
	return p;
}

static inline void wbuf_put_u8(struct wbuf *w, uint8_t v)
{
	uint8_t *p = wbuf_room(w, 1);

	if (p)
		*p = v;
}

static inline void wbuf_put_u16(struct wbuf *w, uint16_t v)
{
	uint8_t *p = wbuf_room(w, 2);

	if (p)
		le16_store(p, v);
}

static inline void wbuf_put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t *p = wbuf_room(w, 4);

	if (p)
		le32_store(p, v);
}

static inline void wbuf_put_u64(struct wbuf *w, uint64_t v)
{
	uint8_t *p = wbuf_room(w, 8);

	if (p)
		le64_store(p, v);
}

static inline void wbuf_put_raw(struct wbuf *w, const void *src, size_t len)
{
	uint8_t *p = wbuf_room(w, len);

	if (p && len)
		memcpy(p, src, len);
}

/* A u16-length string; len must be <= UINT16_MAX (callers cap names). */
static inline void wbuf_put_str(struct wbuf *w, const char *s, size_t len)
{
	if (len > UINT16_MAX) {
		w->pos = NULL;
		return;
	}
	wbuf_put_u16(w, (uint16_t)len);
	wbuf_put_raw(w, s, len);
}

static inline void wbuf_put_blob(struct wbuf *w, const void *p, uint32_t len)
{
	wbuf_put_u32(w, len);
	wbuf_put_raw(w, p, len);
}

/* Encoded sizes of the variable-length fields, for encoded_len(). */
#define CODEC_STR_LEN(len)  (2 + (size_t)(len))
#define CODEC_BLOB_LEN(len) (4 + (size_t)(len))

#endif /* GLINT_PROTO_CODEC_H */
