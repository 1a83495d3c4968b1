/*
 * layout.h - a file's striping layout: what it is, how it is stored, and
 * how the MDS places a new file's stripes on OSTs.
 *
 * A layout says how a file's bytes map onto objects: stripe_size bytes go to
 * stripe 0, the next stripe_size to stripe 1, ... round over nstripes
 * stripes. Stripe i lives on OST stripes[i].ost_idx as the object named
 * (stripes[i].object_id, i). Object ids are unique in the file system: they
 * come from the inode id counter, and a file laid out at create uses its
 * own ino. The same words as Lustre: stripe_size (default 1 MiB),
 * stripe_count (default 1; -1 = every usable OST), first OST index
 * (-1 = the MDS chooses, round-robin).
 *
 * The same struct is also a directory's default layout (a template: no
 * stripes, nstripes = 0) and a request (setstripe). In templates and
 * requests stripe_size 0 and stripe_count 0 mean "take it from the default
 * above" (the parent's, then the file system's); layout_resolve() fills
 * them. Pure code: no I/O, no allocation, no globals.
 *
 * Stored encoding (little-endian, field by field), version 1:
 *
 *   OFFSET  SIZE  MEANING
 *   0       1     encoding version (LAYOUT_ENCODING_VERSION)
 *   1       3     reserved, 0
 *   4       4     pattern flags (LAYOUT_PATTERN_*)
 *   8       4     stripe_size in bytes (0 = inherit, templates only)
 *   12      4     stripe_count, int32 (-1 = all OSTs, 0 = inherit)
 *   16      4     first OST index, int32 (-1 = MDS chooses)
 *   20      4     layout generation (bumped when a file's layout is replaced)
 *   24      4     nstripes: instantiated stripes that follow
 *   28      12*n  per stripe: u32 OST index, u64 object id
 */
#ifndef GLINT_MDS_LAYOUT_H
#define GLINT_MDS_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LAYOUT_ENCODING_VERSION	    1
#define LAYOUT_MAX_STRIPES	    256	       /* stripes a file may have */
#define LAYOUT_DEFAULT_STRIPE_SIZE  (1u << 20) /* 1 MiB, as Lustre */
#define LAYOUT_DEFAULT_STRIPE_COUNT 1
#define LAYOUT_STRIPE_SIZE_ALIGN    (64u << 10) /* stripe_size granularity */
#define LAYOUT_STRIPE_COUNT_ALL	    (-1)
#define LAYOUT_OST_ANY		    (-1)
#define LAYOUT_HEADER_LEN	    28
#define LAYOUT_STRIPE_LEN	    12
#define LAYOUT_MAX_ENCODED_LEN                                                 \
	(LAYOUT_HEADER_LEN + LAYOUT_STRIPE_LEN * LAYOUT_MAX_STRIPES)

/*
 * Pattern flags (the same bits as PROTO_PATTERN_*). Compression is
 * inherited like the other fields: a template or request with neither
 * LZ4 nor NOCOMPR takes the compression of the default above it; NOCOMPR
 * ("setstripe -Z none") stops an inherited LZ4. Both at once, and unknown
 * bits, are refused by layout_check().
 */
#define LAYOUT_PATTERN_LZ4     0x1u /* chunks LZ4-compressed (by clients) */
#define LAYOUT_PATTERN_NOCOMPR 0x2u /* compression explicitly off */
#define LAYOUT_PATTERN_COMPR   (LAYOUT_PATTERN_LZ4 | LAYOUT_PATTERN_NOCOMPR)
#define LAYOUT_PATTERN_KNOWN   LAYOUT_PATTERN_COMPR

struct layout_stripe {
	uint32_t ost_idx;   /* OST holding this stripe */
	uint64_t object_id; /* object is named (object_id, stripe index) */
};

struct layout {
	uint32_t stripe_size; /* bytes per stripe chunk; 0 = inherit */
	int32_t stripe_count; /* requested: -1 all, 0 inherit, else count */
	int32_t first_ost;    /* requested first OST, -1 = MDS chooses */
	uint32_t pattern;     /* LAYOUT_PATTERN_* */
	uint32_t gen;	      /* layout generation */
	uint32_t nstripes;    /* instantiated stripes (0 in a template) */
	struct layout_stripe stripes[LAYOUT_MAX_STRIPES];
};

/* One entry of the OST list the placement chooses from (given by the
 * caller, in its OST map order). */
struct layout_ost {
	uint32_t ost_idx; /* OST index */
	bool usable;	  /* false when full, down or deactivated */
};

/* Round-robin position over the OST list; zeroed = start at the first. */
struct layout_rr {
	uint32_t next; /* position in the OST list where the next file starts */
};

/* The built-in file system default: 1 MiB, 1 stripe, MDS-chosen OST. */
void layout_default(struct layout *l);

/* Validate a template or request: stripe_size a multiple of 64 KiB (or 0),
 * stripe_count in -1..LAYOUT_MAX_STRIPES, first_ost >= -1, known pattern
 * bits and not both LZ4 and NOCOMPR, nstripes 0. Returns 0 or -EINVAL. */
int layout_check(const struct layout *l);

/* out = req with its inherited (0) fields taken from dflt, compression
 * bits included (when req has none); nstripes = 0.
 * dflt itself must be complete (no 0 fields). out may alias req. */
void layout_resolve(const struct layout *req, const struct layout *dflt,
		    struct layout *out);

/*
 * Instantiate l's stripes over osts (nosts entries) for object_id: keeps
 * stripe_size/pattern, chooses min(stripe_count, usable OSTs) OSTs (all
 * usable ones for -1), starting at first_ost when that OST is usable,
 * otherwise at the round-robin position rr, which is advanced. Unusable
 * OSTs are skipped. Returns 0, or -ENOSPC when no OST is usable.
 */
int layout_place(struct layout *l, const struct layout_ost *osts, size_t nosts,
		 struct layout_rr *rr, uint64_t object_id);

/* Bytes layout_encode() writes for l. */
size_t layout_encoded_len(const struct layout *l);

/* Encode l into buf: bytes written, or -ENOBUFS when len is too small. */
ssize_t layout_encode(const struct layout *l, void *buf, size_t len);

/* Decode buf into *l: 0, or -EBADMSG for anything malformed. */
int layout_decode(const void *buf, size_t len, struct layout *l);

#endif /* GLINT_MDS_LAYOUT_H */
