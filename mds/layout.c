/*
 * layout.c - layout defaults, validation, inheritance, round-robin
 * placement and the stored encoding (layout.h has the byte table).
 *
 * Placement walks the caller's OST list circularly from a start position,
 * taking usable OSTs until it has the wanted count, so a full or down OST is
 * skipped and a stripe count larger than the usable OSTs is capped, never an
 * error. The round-robin position advances by one usable OST per placed
 * file, which spreads single-stripe files evenly and rotates the first
 * stripe of wider ones; it moves to the slot after the file's first
 * chosen OST, so an unusable OST does not double the load of the one
 * after it. An explicit first OST that is not usable falls back
 * to round-robin rather than failing the create.
 */
#include "mds/layout.h"

#include <errno.h>
#include <string.h>

#include "proto/codec.h"

void layout_default(struct layout *l)
{
	memset(l, 0, sizeof(*l));
	l->stripe_size = LAYOUT_DEFAULT_STRIPE_SIZE;
	l->stripe_count = LAYOUT_DEFAULT_STRIPE_COUNT;
	l->first_ost = LAYOUT_OST_ANY;
}

int layout_check(const struct layout *l)
{
	if (l->stripe_size % LAYOUT_STRIPE_SIZE_ALIGN)
		return -EINVAL;
	if (l->stripe_count < LAYOUT_STRIPE_COUNT_ALL ||
	    l->stripe_count > LAYOUT_MAX_STRIPES)
		return -EINVAL;
	if (l->first_ost < LAYOUT_OST_ANY)
		return -EINVAL;
	if ((l->pattern & ~LAYOUT_PATTERN_KNOWN) ||
	    (l->pattern & LAYOUT_PATTERN_COMPR) == LAYOUT_PATTERN_COMPR)
		return -EINVAL;
	if (l->nstripes)
		return -EINVAL;
	return 0;
}

void layout_resolve(const struct layout *req, const struct layout *dflt,
		    struct layout *out)
{
	uint32_t stripe_size =
	    req->stripe_size ? req->stripe_size : dflt->stripe_size;
	int32_t stripe_count =
	    req->stripe_count ? req->stripe_count : dflt->stripe_count;
	int32_t first_ost = req->first_ost;
	uint32_t pattern = req->pattern;
	uint32_t gen = req->gen;

	if (!(pattern & LAYOUT_PATTERN_COMPR))
		pattern |= dflt->pattern & LAYOUT_PATTERN_COMPR;

	out->stripe_size = stripe_size;
	out->stripe_count = stripe_count;
	out->first_ost = first_ost;
	out->pattern = pattern;
	out->gen = gen;
	out->nstripes = 0;
}

int layout_place(struct layout *l, const struct layout_ost *osts, size_t nosts,
		 struct layout_rr *rr, uint64_t object_id)
{
	size_t usable = 0, want, start = nosts, i, pos;
	bool use_rr = false;
	uint32_t n = 0;

	for (i = 0; i < nosts; i++)
		usable += osts[i].usable;
	if (!usable)
		return -ENOSPC;
	want = usable;
	if (l->stripe_count > 0 && (size_t)l->stripe_count < usable)
		want = (size_t)l->stripe_count;
	if (want > LAYOUT_MAX_STRIPES)
		want = LAYOUT_MAX_STRIPES;
	if (l->first_ost >= 0) {
		for (i = 0; i < nosts; i++) {
			if (osts[i].ost_idx == (uint32_t)l->first_ost &&
			    osts[i].usable) {
				start = i;
				break;
			}
		}
	}
	if (start == nosts) {
		start = rr->next % nosts;
		use_rr = true;
	}
	for (i = 0; i < nosts && n < want; i++) {
		pos = (start + i) % nosts;
		if (!osts[pos].usable)
			continue;
		/* the next file starts behind this one's first OST */
		if (use_rr && !n)
			rr->next = (uint32_t)((pos + 1) % nosts);
		l->stripes[n].ost_idx = osts[pos].ost_idx;
		l->stripes[n].object_id = object_id;
		n++;
	}
	l->nstripes = n;
	return 0;
}

size_t layout_encoded_len(const struct layout *l)
{
	return LAYOUT_HEADER_LEN + (size_t)l->nstripes * LAYOUT_STRIPE_LEN;
}

ssize_t layout_encode(const struct layout *l, void *buf, size_t len)
{
	size_t need = layout_encoded_len(l);
	struct wbuf w;
	uint32_t i;

	if (l->nstripes > LAYOUT_MAX_STRIPES || len < need)
		return -ENOBUFS;
	wbuf_init(&w, buf, len);
	wbuf_put_u8(&w, LAYOUT_ENCODING_VERSION);
	wbuf_put_u8(&w, 0);
	wbuf_put_u16(&w, 0);
	wbuf_put_u32(&w, l->pattern);
	wbuf_put_u32(&w, l->stripe_size);
	wbuf_put_u32(&w, (uint32_t)l->stripe_count);
	wbuf_put_u32(&w, (uint32_t)l->first_ost);
	wbuf_put_u32(&w, l->gen);
	wbuf_put_u32(&w, l->nstripes);
	for (i = 0; i < l->nstripes; i++) {
		wbuf_put_u32(&w, l->stripes[i].ost_idx);
		wbuf_put_u64(&w, l->stripes[i].object_id);
	}
	if (!wbuf_ok(&w))
		return -ENOBUFS;
	return (ssize_t)need;
}

int layout_decode(const void *buf, size_t len, struct layout *l)
{
	struct cursor c;
	uint8_t version, r8;
	uint16_t r16;
	uint32_t i;

	cursor_init(&c, buf, len);
	memset(l, 0, sizeof(*l));
	if (cur_get_u8(&c, &version) || version != LAYOUT_ENCODING_VERSION)
		return -EBADMSG;
	if (cur_get_u8(&c, &r8) || cur_get_u16(&c, &r16) ||
	    cur_get_u32(&c, &l->pattern) || cur_get_u32(&c, &l->stripe_size) ||
	    cur_get_i32(&c, &l->stripe_count) ||
	    cur_get_i32(&c, &l->first_ost) || cur_get_u32(&c, &l->gen) ||
	    cur_get_u32(&c, &l->nstripes))
		return -EBADMSG;
	if (l->nstripes > LAYOUT_MAX_STRIPES ||
	    cursor_left(&c) != (size_t)l->nstripes * LAYOUT_STRIPE_LEN)
		return -EBADMSG;
	for (i = 0; i < l->nstripes; i++) {
		if (cur_get_u32(&c, &l->stripes[i].ost_idx) ||
		    cur_get_u64(&c, &l->stripes[i].object_id))
			return -EBADMSG;
	}
	return 0;
}
