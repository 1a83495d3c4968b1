/*
 * zchunk.c - cutting, compressing and decoding chunks for compressed
 * object I/O (zchunk.h has the policy).
 */
#include "client/zchunk.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/checksum.h"
#include "common/compress.h"

static bool zchunk_is_zero(const uint8_t *p, size_t len)
{
	static const uint8_t zeros[256];

	while (len) {
		size_t n = len < sizeof(zeros) ? len : sizeof(zeros);

		if (memcmp(p, zeros, n))
			return false;
		p += n;
		len -= n;
	}
	return true;
}

int zchunk_encode(const uint8_t *data, uint64_t off, uint32_t len,
		  struct msg_zchunk *out, uint32_t cap, uint8_t *scratch,
		  size_t scratch_cap, uint32_t *count)
{
	uint64_t pos = off, end = off + len;
	size_t spos = 0;
	uint32_t n = 0;

	*count = 0;
	if (!len || len > PROTO_MAX_IO || off > (uint64_t)INT64_MAX - len ||
	    cap < ZCHUNK_ENCODE_MAX(len) || scratch_cap < len)
		return -EINVAL;
	for (; pos < end; n++) {
		uint64_t next = (pos / PROTO_ZCHUNK_SIZE + 1) * PROTO_ZCHUNK_SIZE;
		const uint8_t *src = data + (pos - off);
		struct msg_zchunk *z = &out[n];
		uint32_t raw;
		ssize_t clen = 0;

		if (next > end)
			next = end;
		raw = (uint32_t)(next - pos);
		*z = (struct msg_zchunk){ .off = pos, .raw_len = raw };
		pos = next;
		if (zchunk_is_zero(src, raw)) {
			z->kind = PROTO_ZCHUNK_ZERO;
			continue;
		}
		z->csum = checksum_xxh3(src, raw);
		if (z->off % PROTO_ZCHUNK_SIZE == 0 && raw > ZCHUNK_MIN_SAVING)
			clen = compress_encode(src, raw, scratch + spos,
					       raw - ZCHUNK_MIN_SAVING);
		if (clen > 0) {
			z->kind = PROTO_ZCHUNK_LZ4;
			z->stored_len = (uint32_t)clen;
			z->data = scratch + spos;
			spos += (size_t)clen;
		} else {
			z->kind = PROTO_ZCHUNK_RAW;
			z->stored_len = raw;
			z->data = src;
		}
	}
	*count = n;
	return 0;
}

int64_t zchunk_apply(const struct msg_zchunks *z, uint64_t want_off,
		     uint64_t want_len, uint8_t *scratch, zchunk_dest_fn dest,
		     void *arg)
{
	uint64_t want_end = want_off + want_len, covered = want_off;

	if (z->count && z->chunks[0].off > want_off)
		return -EBADMSG;
	for (uint32_t i = 0; i < z->count; i++) {
		const struct msg_zchunk *c = &z->chunks[i];
		uint64_t a = c->off > want_off ? c->off : want_off;
		uint64_t b = c->off + c->raw_len;
		const uint8_t *src = NULL;
		uint8_t *d;

		if (b > want_end)
			b = want_end;
		if (a >= b)
			continue; /* outside what was asked */
		if (c->kind != PROTO_ZCHUNK_ZERO &&
		    checksum_xxh3(c->data, c->stored_len) != c->csum)
			return -EIO;
		d = dest(arg, a, (uint32_t)(b - a));
		if (!d)
			return -EBADMSG;
		switch (c->kind) {
		case PROTO_ZCHUNK_ZERO:
			memset(d, 0, b - a);
			break;
		case PROTO_ZCHUNK_RAW:
			src = c->data + (a - c->off);
			memcpy(d, src, b - a);
			break;
		default: /* LZ4: whole chunks only */
			if (a == c->off && b - a == c->raw_len) {
				if (compress_decode(c->data, c->stored_len, d,
						    c->raw_len))
					return -EIO;
				break;
			}
			if (compress_decode(c->data, c->stored_len, scratch,
					    c->raw_len))
				return -EIO;
			memcpy(d, scratch + (a - c->off), b - a);
			break;
		}
		covered = b;
	}
	return (int64_t)(covered - want_off);
}
