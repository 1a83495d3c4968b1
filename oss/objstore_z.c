/*
 * objstore_z.c - client-compressed chunks of the object store
 * (objstore.h: objstore_write_chunks, objstore_read_chunks).
 *
 * Every chunk a client sent is decoded and checked against the client's
 * checksum of its raw bytes before the object's lock is taken; the decoded
 * span then goes through obj_modify like any write, with a hint per chunk
 * so that a chunk written whole keeps the client's LZ4 bytes (no second
 * compression) and one the client sent raw is not tried again. Reads hand
 * the stored chunks out as they are, each verified first.
 */
#include "oss/objstore_i.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/checksum.h"
#include "common/compress.h"
#include "common/log.h"

/* Check a client's chunk list (objstore.h's rules): 0 and *span, or
 * -EINVAL. */
static int zchunks_check(const struct objstore_zchunk *z, size_t n,
			 uint64_t *span)
{
	*span = 0;
	for (size_t i = 0; i < n; i++) {
		const struct objstore_zchunk *c = &z[i];

		if (c->raw_len == 0 || c->raw_len > CHUNK ||
		    c->off > OBJSTORE_MAX_OBJECT_SIZE ||
		    (c->off + c->raw_len - 1) / CHUNK != c->off / CHUNK)
			return -EINVAL;
		if (i && c->off != z[i - 1].off + z[i - 1].raw_len)
			return -EINVAL;
		switch (c->kind) {
		case OBJSTORE_Z_ZERO:
			if (c->stored_len)
				return -EINVAL;
			break;
		case OBJSTORE_Z_RAW:
			if (c->stored_len != c->raw_len || !c->data)
				return -EINVAL;
			break;
		case OBJSTORE_Z_LZ4:
			if (c->off % CHUNK || !c->stored_len ||
			    c->stored_len >= c->raw_len || !c->data)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
		*span += c->raw_len;
	}
	return 0;
}

/*
 * Decode the client's chunks into raw (their span, from z[0].off) and
 * check each against its checksum of the raw bytes; fill hints (one per
 * chunk slot of the span) for the chunks that start at their slot.
 * -EBADMSG (logged) on the first chunk that fails.
 */
static int zchunks_unpack(struct objstore *os, uint64_t fid, uint32_t idx,
			  const struct objstore_zchunk *z, size_t n,
			  uint8_t *raw, struct chunk_hint *hints)
{
	uint64_t off0 = z[0].off, c0 = off0 / CHUNK;
	const char *why = NULL;
	size_t i;

	for (i = 0; i < n && !why; i++) {
		const struct objstore_zchunk *c = &z[i];
		uint8_t *dst = raw + (c->off - off0);
		struct chunk_hint *h;

		if (c->kind == OBJSTORE_Z_ZERO) {
			memset(dst, 0, c->raw_len);
			continue;
		}
		if (c->kind == OBJSTORE_Z_RAW)
			memcpy(dst, c->data, c->raw_len);
		else if (compress_decode(c->data, c->stored_len, dst,
					 c->raw_len))
			why = "does not decode to its length";
		if (!why && checksum_xxh3(dst, c->raw_len) != c->csum)
			why = "fails its checksum";
		if (why || c->off % CHUNK)
			continue;
		h = &hints[c->off / CHUNK - c0];
		h->kind = c->kind == OBJSTORE_Z_LZ4 ? CHUNK_LZ4 : CHUNK_RAW;
		h->raw_len = c->raw_len;
		h->raw_csum = c->csum;
		if (c->kind == OBJSTORE_Z_LZ4) {
			h->stored = c->data;
			h->stored_len = c->stored_len;
			h->csum = checksum_xxh3(c->data, c->stored_len);
		}
	}
	if (!why)
		return 0;
	LOG_RATELIMITED(LOG_WARNING, "objstore",
			"ost=%u fid=%#" PRIx64 " idx=%u: refused a written "
			"chunk at %" PRIu64 " (%s): nothing stored",
			os->ost_idx, fid, idx, z[i - 1].off, why);
	return -EBADMSG;
}

ssize_t objstore_write_chunks(struct objstore *os, struct ring *ring,
			      uint64_t fid, uint32_t stripe_idx,
			      const struct objstore_zchunk *chunks, size_t n,
			      unsigned flags)
{
	enum obj_enc enc =
	    (flags & OBJSTORE_WRITE_COMPRESS) ? OBJ_ENC_LZ4 : OBJ_ENC_RAW;
	struct chunk_hint *hints = NULL;
	uint8_t *raw = NULL;
	uint64_t off, span;
	int rc;

	if ((flags & ~OBJSTORE_WRITE_COMPRESS) || (n && !chunks) ||
	    zchunks_check(chunks, n, &span) || span > OBJSTORE_MAX_IO)
		return -EINVAL;
	if (n == 0)
		return 0;
	off = chunks[0].off;
	if (span > OBJSTORE_MAX_OBJECT_SIZE - off)
		return -EFBIG;
	raw = malloc(span);
	hints = calloc(chunk_count(off, span), sizeof(*hints));
	if (!raw || !hints) {
		rc = -ENOMEM;
		goto out_free;
	}
	/* Verified before the lock: nothing is touched for a bad chunk. */
	rc = zchunks_unpack(os, fid, stripe_idx, chunks, n, raw, hints);
	if (rc < 0)
		goto out_free;
	rc = obj_write_span(os, ring, fid, stripe_idx, off, span, raw, enc,
			    hints);
out_free:
	free(hints);
	free(raw);
	return rc < 0 ? rc : (ssize_t)span;
}

/* One chunk to hand out: entry i of o's window, the part [a, b). */
struct zread_slot {
	uint64_t a, b;	  /* object bytes wanted of this chunk */
	size_t rpos;	  /* where its stored bytes were read in buf */
	bool read;	  /* an op reads it */
};

/* Append a chunk to the output list; -EINVAL when out of room. */
static int zread_emit(struct objstore_zchunk *chunks, size_t cap, size_t *n,
		      uint64_t off, uint64_t end, uint32_t kind)
{
	if (end <= off)
		return 0;
	if (*n >= cap)
		return -EINVAL;
	chunks[(*n)++] = (struct objstore_zchunk){
		.off = off, .raw_len = (uint32_t)(end - off), .kind = kind };
	return 0;
}

ssize_t objstore_read_chunks(struct objstore *os, struct ring *ring,
			     uint64_t fid, uint32_t stripe_idx, uint64_t off,
			     uint64_t len, struct objstore_zchunk *chunks,
			     size_t cap, uint8_t *buf, size_t buf_cap,
			     size_t *stored_total)
{
	pthread_rwlock_t *lock = obj_lock(os, fid, stripe_idx);
	struct zread_slot *slots = NULL;
	struct ring_op *ops = NULL;
	uint64_t end, n, i, c0;
	size_t nops = 0, rpos = 0, wpos = 0, nout = 0;
	struct obj o;
	ssize_t rc;

	*stored_total = 0;
	if (len > OBJSTORE_MAX_IO || cap < OBJSTORE_ZREAD_CHUNKS(len) ||
	    buf_cap < OBJSTORE_ZREAD_BUF(len))
		return -EINVAL;
	obj_init(&o, fid, stripe_idx);
	rc = obj_read_begin(os, ring, &o, lock, off, &len);
	if (rc < 0)
		return rc;
	c0 = off / CHUNK;
	if (off >= o.size || len == 0)
		goto out;
	end = min_u64(off + len, o.size);
	n = chunk_count(off, end - off);
	ops = calloc(n, sizeof(*ops));
	slots = calloc(n, sizeof(*slots));
	if (!ops || !slots) {
		rc = -ENOMEM;
		goto out;
	}
	/* Read every stored chunk that holds wanted bytes, whole (its
	 * checksum covers all of it), back to back into buf. */
	for (i = 0; i < n; i++) {
		const struct chunk_entry *e = &o.win[i];
		struct zread_slot *s = &slots[i];
		uint64_t cs = (c0 + i) * CHUNK;

		s->a = max_u64(off, cs);
		s->b = min_u64(end, cs + CHUNK);
		if (e->kind == CHUNK_HOLE || s->a >= cs + e->data_len)
			continue;
		s->read = true;
		s->rpos = rpos;
		ring_op_read(&ops[nops++], o.dat_fd, buf + rpos, e->stored_len,
			     cs);
		rpos += e->stored_len;
	}
	if (nops) {
		rc = ring_run(ring, ops, nops);
		if (rc < 0)
			goto out;
	}
	/* Verify, then pack what is handed out to the front of buf. */
	nops = 0;
	for (i = 0; i < n; i++) {
		const struct chunk_entry *e = &o.win[i];
		struct zread_slot *s = &slots[i];
		uint64_t cs = (c0 + i) * CHUNK, dend = cs + e->data_len;
		struct objstore_zchunk *z;
		uint64_t from;
		size_t slen;

		if (!s->read) {
			rc = zread_emit(chunks, cap, &nout, s->a, s->b,
					OBJSTORE_Z_ZERO);
			if (rc < 0)
				goto out;
			continue;
		}
		if (ops[nops].res != (int64_t)e->stored_len ||
		    checksum_xxh3(buf + s->rpos, e->stored_len) != e->csum) {
			objstore_count_csum_error(os, &o, c0 + i,
						  "chunk data");
			rc = -EIO;
			goto out;
		}
		nops++;
		if (e->kind == CHUNK_LZ4) {
			from = s->rpos;
			slen = e->stored_len;
			rc = zread_emit(chunks, cap, &nout, cs, dend,
					OBJSTORE_Z_LZ4);
		} else {
			from = s->rpos + (s->a - cs);
			slen = (size_t)(min_u64(s->b, dend) - s->a);
			rc = zread_emit(chunks, cap, &nout, s->a,
					min_u64(s->b, dend), OBJSTORE_Z_RAW);
		}
		if (rc < 0)
			goto out;
		z = &chunks[nout - 1];
		z->stored_len = (uint32_t)slen;
		if (wpos != from)
			memmove(buf + wpos, buf + from, slen);
		z->data = buf + wpos;
		z->csum = slen == e->stored_len ? e->csum
						: checksum_xxh3(z->data, slen);
		wpos += slen;
		rc = zread_emit(chunks, cap, &nout, max_u64(s->a, dend), s->b,
				OBJSTORE_Z_ZERO);
		if (rc < 0)
			goto out;
	}
	*stored_total = wpos;
	rc = (ssize_t)nout;
	atomic_fetch_add(&os->read_ops, 1);
	atomic_fetch_add(&os->read_bytes, end - off);
out:
	obj_close(os, ring, &o, false);
	pthread_rwlock_unlock(lock);
	free(slots);
	free(ops);
	return rc;
}

