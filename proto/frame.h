/*
 * frame.h - the Glint frame: one message on the wire.
 *
 * Every message is one frame: a fixed 48-byte little-endian header followed
 * by payload_len bytes of payload. Requests and replies share the header;
 * a reply carries FRAME_F_REPLY, the request's opcode and req_id, and a
 * status (0 or a negative errno; an error reply's payload is an ERROR
 * message, see msg.h).
 *
 * Header layout:
 *
 *   OFFSET SIZE MEANING
 *   0      4    magic, FRAME_MAGIC ("GLNT" read as little-endian u32)
 *   4      2    protocol version (FRAME_VERSION)
 *   6      2    opcode (enum proto_op, msg.h)
 *   8      4    flags (FRAME_F_*)
 *   12     4    status: int32, 0 or -errno (replies); 0 in requests
 *   16     8    req_id: chosen by the requester, echoed by the reply
 *   24     4    payload_len: bytes after the header, <= FRAME_MAX_PAYLOAD
 *   28     4    reserved, must be 0
 *   32     8    payload checksum: XXH3-64 of the payload bytes
 *   40     8    header checksum: XXH3-64 of bytes 0..39
 *
 * Version rules: FRAME_VERSION changes only when this header changes. The
 * payload of a message is extended by appending fields, which old peers
 * detect by length; the HELLO exchange carries PROTO_VERSION (msg.h) for
 * everything else. A peer refuses a frame whose version it does not speak.
 *
 * Protocol changelog:
 *   1  first version. Since (no version bump: only a peer that asks for
 *      it is sent one): FRAME_F_HEAD_CSUM.
 *
 * FRAME_F_HEAD_CSUM (replies to OBJ_READ_C only, msg_zio.h): the payload
 * checksum covers the message's head, its first bytes up to a length the
 * message defines, and the message checks the rest itself (per-chunk
 * checksums that travel end to end from the OST's chunk table, so that
 * the OSS can send file data without reading it: sendfile). A receiver
 * accepts the flag only on a reply to a request that asked for such a
 * reply (conn.h: conn_sink.head_csum), and closes the connection on it
 * anywhere else.
 *
 * Receivers validate in two steps, so that a bad header is rejected before
 * any payload is buffered: frame_decode_header() checks magic, version,
 * header checksum, reserved bits and the payload length cap; then, once the
 * payload has arrived, frame_check_payload() checks its checksum.
 */
#ifndef GLINT_PROTO_FRAME_H
#define GLINT_PROTO_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define FRAME_MAGIC	    0x544e4c47u /* "GLNT" */
#define FRAME_VERSION	    1
#define FRAME_HEADER_LEN    48
#define FRAME_MAX_PAYLOAD   (8u << 20) /* 8 MiB: room for a 4 MiB RPC + fields */

#define FRAME_F_REPLY	    0x1u /* this frame answers req_id */
#define FRAME_F_HEAD_CSUM   0x2u /* payload_csum covers the head only */
#define FRAME_F_KNOWN	    (FRAME_F_REPLY | FRAME_F_HEAD_CSUM)

struct frame_header {
	uint16_t version;     /* FRAME_VERSION */
	uint16_t opcode;      /* enum proto_op */
	uint32_t flags;	      /* FRAME_F_* */
	int32_t status;	      /* 0 or -errno */
	uint64_t req_id;      /* request id, echoed in the reply */
	uint32_t payload_len; /* bytes of payload following the header */
	uint64_t payload_csum; /* XXH3-64 of the payload */
};

/* XXH3-64 of len bytes, the checksum used throughout the wire format. */
uint64_t frame_checksum(const void *buf, size_t len);

/* frame_checksum of the concatenation of iov[0..n) (a payload received
 * in pieces): the same value as hashing the bytes back to back. */
uint64_t frame_checksum_iov(const struct iovec *iov, size_t n);

/*
 * Write the 48-byte header for h into out[FRAME_HEADER_LEN], computing the
 * payload checksum from payload[0..h->payload_len) (payload may be NULL when
 * payload_len is 0) and then the header checksum. h->payload_csum is set.
 */
void frame_encode_header(struct frame_header *h, const void *payload,
			 uint8_t out[FRAME_HEADER_LEN]);

/* frame_encode_header for a FRAME_F_HEAD_CSUM frame: the payload checksum
 * is taken over head[0..head_len) only (head_len <= h->payload_len). */
void frame_encode_header_head(struct frame_header *h, const void *head,
			      size_t head_len, uint8_t out[FRAME_HEADER_LEN]);

/*
 * Decode and validate a received header. Returns 0, or -EBADMSG for a bad
 * magic, header checksum, nonzero reserved field or unknown flag;
 * -EPROTO for a version we do not speak; -EMSGSIZE when payload_len exceeds
 * FRAME_MAX_PAYLOAD. *why, when not NULL, is set to a static reason string
 * for logs.
 */
int frame_decode_header(const uint8_t in[FRAME_HEADER_LEN],
			struct frame_header *h, const char **why);

/* 0 when payload matches h->payload_csum, else -EBADMSG. */
int frame_check_payload(const struct frame_header *h, const void *payload);

#endif /* GLINT_PROTO_FRAME_H */
