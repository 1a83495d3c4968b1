/*
 * msg_zio.h - compressed object I/O: OBJ_WRITE_Z and OBJ_READ_Z.
 *
 * For files whose layout has PROTO_PATTERN_LZ4, data crosses the network
 * the way the OST stores it: in chunks of PROTO_ZCHUNK_SIZE object bytes
 * (the object store's chunk size), each LZ4-compressed, raw, or zero. The
 * client compresses before sending (OBJ_WRITE_Z), the OSS checks every
 * chunk and stores the compressed ones as they are; OBJ_READ_Z returns the
 * stored chunks and the client decompresses. Same rules as msg.h and
 * msg_fs.h: field by field, every length checked, -EBADMSG on anything
 * malformed, data borrowed from the received payload.
 *
 * Protocol changelog (same PROTO_VERSION 1: new opcodes change no existing
 * message; a peer without them closes the connection on the unknown
 * opcode, and a client only sends them for files with the LZ4 pattern):
 *   1  OBJ_WRITE_Z (56), OBJ_READ_Z (57). Since: OBJ_READ_C (58), which
 *      a client sends for large reads of files without LZ4. An OSS older
 *      than it closes the connection on the unknown opcode: upgrade the
 *      servers before the clients.
 *
 * zchunks, the shared group (little-endian):
 *   OFFSET    SIZE  MEANING
 *   0         4     data_len: sum of the entries' stored_len
 *   4         n     data: the entries' stored bytes, back to back, in order
 *   4+n       4     count (<= PROTO_ZCHUNKS_MAX)
 *   8+n+25*i  8     entry i: off, the object offset of its first byte
 *             4              raw_len: bytes it stands for, 1..ZCHUNK_SIZE
 *             4              stored_len: bytes of data it carries
 *             1              kind: PROTO_ZCHUNK_ZERO / RAW / LZ4
 *             8              csum: XXH3-64 (see below)
 *   Entries are contiguous (off of i+1 = off + raw_len of i), each within
 *   one PROTO_ZCHUNK_SIZE-aligned slot of the object, and their span (sum
 *   of raw_len) stays within an off_t. ZERO: stored_len 0, csum 0 (raw_len
 *   zero bytes). RAW: stored_len == raw_len, the bytes themselves. LZ4:
 *   starts at its slot's start, 0 < stored_len < raw_len, a raw LZ4 block
 *   (common/compress.h) that decodes to exactly raw_len bytes.
 *   csum: in OBJ_WRITE_Z, XXH3-64 of the entry's raw (decoded) bytes, which
 *   the OSS checks after decoding; in OBJ_READ_Z replies, XXH3-64 of the
 *   stored bytes carried, which the client checks before decoding.
 *
 * OBJ_WRITE_Z request (opcode 56) -> 8 object size after (as OBJ_WRITE):
 *   0   8  object_id
 *   8   4  stripe_idx
 *   12  4  flags: PROTO_OBJ_LZ4 (the OSS LZ4-compresses the chunks it has
 *          to merge with old data) | PROTO_OBJ_SYNC
 *   16  .. zchunks, span <= PROTO_MAX_IO
 *   Writes the entries' bytes at their offsets. A malformed request closes
 *   the connection; one whose LZ4 chunk does not decode to raw_len bytes or
 *   whose csum does not match is refused with -EBADMSG, nothing written.
 *
 * OBJ_READ_Z request (opcode 57): the same 24 bytes as OBJ_READ (8
 * object_id | 4 stripe_idx | 8 off | 4 len <= PROTO_MAX_IO), encoded and
 * decoded by msg_obj_req_* with opcode PROTO_OP_OBJ_READ (wrappers below).
 * Reply: zchunks, span <= PROTO_ZREAD_SPAN_MAX, covering the object bytes
 * [off, min(off + len, object size)): the first entry starts at or before
 * off, and an LZ4 chunk is always whole, so the span may begin up to one
 * chunk before off and end up to one chunk after off + len. count 0: off
 * is at or past the object's end. Holes come as ZERO entries.
 *
 * OBJ_READ_C request (opcode 58): OBJ_READ's 24 bytes (msg_obj_req with
 * off and len, decoded with opcode PROTO_OP_OBJ_READ). A read whose data
 * is checked chunk by chunk from the OST's disk to the client instead of
 * by the frame, so that the OSS may send the data straight from its data
 * file without reading it itself (sendfile). Reply (a FRAME_F_HEAD_CSUM
 * frame whose payload checksum covers the head: the first 8 + 8 * count
 * bytes):
 *   OFFSET      SIZE      MEANING
 *   0           4         data_len: object bytes from off (<= len; fewer
 *                         at the object's end, 0 past it)
 *   4           4         count: PROTO_READC_CHUNKS(len) of the request
 *   8 + 8 * i   8         csum of piece i: XXH3-64 of data bytes
 *                         [i * PROTO_ZCHUNK_SIZE, min((i + 1) *
 *                         PROTO_ZCHUNK_SIZE, data_len)); 0 for a piece
 *                         past data_len
 *   8 + 8*count data_len  data
 * Pieces are counted from off: when off is chunk-aligned they are the
 * OST's chunks and their checksums are the stored ones (chunk table), so
 * nothing on the way, disk included, can change a byte unseen. A client
 * that finds a piece whose checksum does not match (data changed by a
 * write racing the send, or corrupted) asks again with OBJ_READ, which
 * the OSS verifies itself (-EIO for data that is bad on disk). An error
 * reply is an ordinary ERROR frame.
 *
 * OBJ_READ_L request (opcode 59): OBJ_READ's 24 bytes, as OBJ_READ_C's. A
 * read for a client on the OSS's own host ("localio", after Linux NFS's
 * LOCALIO): instead of the data, the reply names the file that holds it,
 * and the client reads it there itself, saving the OSS's read and both
 * socket copies. Reply (an ordinary frame, the whole payload checked):
 *   OFFSET      SIZE      MEANING
 *   0           8+8*count OBJ_READ_C's head: data_len, count, csum[count]
 *                         (the stored checksums of the chunks)
 *   8+8*count   2         path_len: 0 when data_len is 0, else 1 ..
 *                         PROTO_LOCAL_PATH_MAX
 *   10+8*count  path_len  path: absolute ("/..."), no NUL byte; the data
 *                         are its bytes [off, off + data_len)
 * The client opens the path read-only, reads the range and checks every
 * piece against its checksum; a piece that does not match (a racing
 * write, a file replaced since, bytes bad on disk) is read again with
 * OBJ_READ, which the OSS verifies. Error replies: -EAGAIN when the range
 * is not stored raw (holes, LZ4, partial chunks: ask with OBJ_READ_C),
 * -EOPNOTSUPP when the OSS does not offer it to this connection (a client
 * on another host, or glint-oss --localio off).
 */
#ifndef GLINT_PROTO_MSG_ZIO_H
#define GLINT_PROTO_MSG_ZIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/codec.h"
#include "proto/msg_fs.h"

#define PROTO_ZCHUNK_SIZE (64u * 1024) /* object bytes per chunk */
/* Entries of one message: two per slot (data, then a zero tail) of a
 * PROTO_MAX_IO span that is not aligned, plus the chunks a read widens by. */
#define PROTO_ZCHUNKS_MAX (2 * (PROTO_MAX_IO / PROTO_ZCHUNK_SIZE) + 6)
#define PROTO_ZREAD_SPAN_MAX (PROTO_MAX_IO + 2 * PROTO_ZCHUNK_SIZE)
#define MSG_ZCHUNK_LEN 25 /* bytes of one entry */

enum proto_zkind {
	PROTO_ZCHUNK_ZERO = 0, /* raw_len zero bytes, no data */
	PROTO_ZCHUNK_RAW = 1,  /* the bytes as they are */
	PROTO_ZCHUNK_LZ4 = 2,  /* an LZ4 block of the whole chunk */
};

struct msg_zchunk {
	uint64_t off;	     /* object offset of the first byte */
	uint32_t raw_len;    /* bytes it stands for */
	uint32_t stored_len; /* bytes at data */
	uint8_t kind;	     /* enum proto_zkind */
	uint64_t csum;	     /* XXH3-64: raw bytes (write), stored (read) */
	const uint8_t *data; /* stored_len bytes; borrowed (NULL if none) */
};

/*
 * A zchunks group. Encode: chunks holds count entries (borrowed). Decode:
 * chunks is the caller's array of cap entries; a count above cap is
 * -EBADMSG (pass cap >= PROTO_ZCHUNKS_MAX to accept every valid message);
 * each entry's data then points into the received payload.
 */
struct msg_zchunks {
	uint32_t count;
	struct msg_zchunk *chunks;
	uint32_t cap;
};

/* Sum of raw_len of the first count entries (their span). */
uint64_t msg_zchunks_span(const struct msg_zchunks *m);

/* --- OBJ_WRITE_Z request --- */

struct msg_obj_zwrite {
	uint64_t object_id;
	uint32_t stripe_idx;
	uint32_t flags;	     /* PROTO_OBJ_LZ4 | PROTO_OBJ_SYNC */
	struct msg_zchunks z; /* span <= PROTO_MAX_IO */
};

size_t msg_obj_zwrite_encoded_len(const struct msg_obj_zwrite *m);
/* Bytes written, -EMSGSIZE (buffer, count or span over its cap), -EINVAL
 * (an entry breaking the rules above, unknown flags). */
ssize_t msg_obj_zwrite_encode(const struct msg_obj_zwrite *m, void *buf,
			      size_t len);
int msg_obj_zwrite_decode(struct cursor *c, struct msg_obj_zwrite *m);

/* --- OBJ_READ_Z --- */

/* The request: OBJ_READ's bytes (msg_obj_req with off and len). */
ssize_t msg_obj_zread_encode(const struct msg_obj_req *m, void *buf,
			     size_t len);
int msg_obj_zread_decode(struct cursor *c, struct msg_obj_req *m);

/* The reply: a zchunks group, span <= PROTO_ZREAD_SPAN_MAX. */
size_t msg_zchunks_encoded_len(const struct msg_zchunks *m);
ssize_t msg_zchunks_encode(const struct msg_zchunks *m, void *buf, size_t len);
int msg_zchunks_decode(struct cursor *c, struct msg_zchunks *m);

/*
 * For a sender that put "4 data_len | data" into its buffer itself (the
 * OSS reads stored chunks straight into its reply): check m against the
 * rules (span cap PROTO_ZREAD_SPAN_MAX, the data pointers are not used),
 * check that its stored lengths add up to data_len, and write "4 count |
 * entries" into buf. Returns the bytes written (4 + 25 * count), -EINVAL,
 * -EMSGSIZE.
 */
ssize_t msg_zchunks_encode_table(const struct msg_zchunks *m,
				 uint32_t data_len, void *buf, size_t len);

/* --- OBJ_READ_C --- */

#define PROTO_READC_CHUNKS(len) \
	(((uint64_t)(len) + PROTO_ZCHUNK_SIZE - 1) / PROTO_ZCHUNK_SIZE)
#define PROTO_READC_CHUNKS_MAX PROTO_READC_CHUNKS(PROTO_MAX_IO)
/* Bytes of the head of a reply to a request of len bytes. */
#define PROTO_READC_HEAD_LEN(len) (8 + 8 * PROTO_READC_CHUNKS(len))
#define PROTO_READC_HEAD_MAX PROTO_READC_HEAD_LEN(PROTO_MAX_IO)

/* The head of an OBJ_READ_C reply. */
struct msg_readc_head {
	uint32_t data_len;
	uint32_t count;
	uint64_t csum[PROTO_READC_CHUNKS_MAX];
};

/* Encode m (count <= PROTO_READC_CHUNKS_MAX, data_len <= count pieces):
 * 8 + 8 * count bytes, or -EMSGSIZE (buffer), -EINVAL. */
ssize_t msg_readc_head_encode(const struct msg_readc_head *m, void *buf,
			      size_t len);
/* Decode the head of a reply to a request of req_len bytes: count must be
 * PROTO_READC_CHUNKS(req_len) and data_len <= req_len (else -EBADMSG,
 * nothing consumed). req_len > PROTO_MAX_IO is -EBADMSG. */
int msg_readc_head_decode(struct cursor *c, uint64_t req_len,
			  struct msg_readc_head *m);
/* Set m's checksums from data (its data_len bytes; count set). */
void msg_readc_sum(struct msg_readc_head *m, const uint8_t *data);
/* Check data (m->data_len bytes) against m: 0, or -EIO and *bad (may be
 * NULL) the first piece that does not match. */
int msg_readc_verify(const struct msg_readc_head *m, const uint8_t *data,
		     uint32_t *bad);

/* --- OBJ_READ_L --- */

#define PROTO_LOCAL_PATH_MAX 4095 /* bytes of an OBJ_READ_L path */

/* An OBJ_READ_L reply: the head, and the path (borrowed, not
 * NUL-terminated). */
struct msg_readl {
	struct msg_readc_head head;
	const char *path;
	uint16_t path_len;
};

/* Encode m: -EINVAL (a bad head, a path that is not absolute, has a NUL,
 * is longer than PROTO_LOCAL_PATH_MAX or missing while data_len > 0),
 * -EMSGSIZE (buffer), else the bytes written. */
ssize_t msg_readl_encode(const struct msg_readl *m, void *buf, size_t len);
/* Decode a whole reply to a request of req_len bytes (the head as
 * msg_readc_head_decode; the path as msg_readl_encode wants it, nothing
 * after it). 0 or -EBADMSG (nothing consumed). */
int msg_readl_decode(struct cursor *c, uint64_t req_len, struct msg_readl *m);

#endif /* GLINT_PROTO_MSG_ZIO_H */
