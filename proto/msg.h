/*
 * msg.h - Glint's messages: opcodes, payload structs and their codecs.
 *
 * A message is the payload of one frame (frame.h). Each message has one
 * in-memory struct and three functions side by side: msg_<name>_encoded_len,
 * msg_<name>_encode (into a buffer sized by encoded_len; returns the bytes
 * written, or -EMSGSIZE when the buffer is too small or a string or count
 * exceeds its PROTO_*_MAX cap) and msg_<name>_decode (from a cursor over the
 * received payload; 0 or -EBADMSG). Decoded strings point into the received
 * payload: they are borrowed for as long as that buffer lives. Decoders
 * accept trailing bytes (fields appended by a newer peer) and ignore them.
 *
 * Version rules: PROTO_VERSION is exchanged in HELLO and bumps when a
 * message changes meaning. A message grows only by appending fields; a
 * decoder that finds the payload ending before an appended field uses that
 * field's documented default. Opcode numbers never change; tests pin them.
 *
 * Protocol changelog:
 *   1  HELLO, PING, STATFS, ERROR. Appended since (no version bump):
 *      PING's OST usage report (the 45 base bytes of a STATFS reply);
 *      STATFS reply: data_logical_bytes and data_stored_bytes (LZ4
 *      savings of an OST; absent = 0 = none known).
 *
 * Payload layouts (all integers little-endian; str = u16 length + bytes):
 *
 * HELLO request and reply (opcode 1):
 *   OFFSET SIZE MEANING
 *   0      2    proto_version (PROTO_VERSION)
 *   2      1    role of the sender (enum proto_role)
 *   3      4    sender id: OST index for an OSS, 0 otherwise
 *   7      2+n  fsname (str, <= PROTO_FSNAME_MAX)
 *   ...    2+n  advertised host (str, <= PROTO_HOST_MAX; an OSS registering
 *               with the MDS; empty otherwise)
 *   ...    2    advertised port (0 when none)
 *   ...    ...  reply from the MDS only, else absent: fs config, OST map:
 *          4    default stripe size in bytes
 *          4    default stripe count (int32; -1 = all OSTs)
 *          1    deployment type (enum proto_deployment)
 *          8    OST map version
 *          4    OST count n (<= PROTO_MAX_OSTS), then n entries of:
 *            4    OST index
 *            1    state (enum proto_ost_state)
 *            2+n  host (str)
 *            2    port
 *
 * PING (opcode 2): request and reply are one u64, the sender's clock in
 * nanoseconds, echoed unchanged by the reply (the first 8 bytes only).
 * Appended to the request, only by an OSS pinging the MDS over its
 * registration connection: the OST's usage report, the 45 bytes of a
 * STATFS reply (below) for that OST. Present when the 45 bytes after the
 * u64 decode as a valid STATFS reply; other trailing bytes (fewer, or not
 * a valid reply) are ignored, as usual. The MDS keeps the latest report
 * per OST for placement (mds/ost_map.h).
 *
 * STATFS (opcode 3): empty request. Reply:
 *   OFFSET SIZE MEANING
 *   0      1    target type (enum proto_target: MDT or OST)
 *   1      4    target index
 *   5      8    bytes total (capacity)
 *   13     8    bytes used
 *   21     8    bytes available
 *   29     8    files total (inodes or objects the target can hold)
 *   37     8    files used
 *   45     8    data logical bytes (appended; absent: 0): bytes of data
 *               the stored chunks hold, before compression
 *   53     8    data stored bytes (appended; absent: 0): what those chunks
 *               take, before block rounding (<= logical; the difference
 *               is what LZ4 saved). The MDT sends 0 and 0.
 *
 * ERROR: the payload of any reply whose status is nonzero:
 *   0      2+n  human-readable reason (str, <= PROTO_ERRMSG_MAX), may be empty
 */
#ifndef GLINT_PROTO_MSG_H
#define GLINT_PROTO_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/codec.h"

#define PROTO_VERSION	  1
#define PROTO_FSNAME_MAX  64
#define PROTO_HOST_MAX	  255
#define PROTO_MAX_OSTS	  1024
#define PROTO_ERRMSG_MAX  1024

/* Opcodes. Numbers are part of the protocol: never renumber. */
enum proto_op {
	PROTO_OP_HELLO = 1,
	PROTO_OP_PING = 2,
	PROTO_OP_STATFS = 3,
	/* 16..47 metadata, 48..63 objects: proto/msg_fs.h */
};

/* One past the highest opcode that may ever be assigned: dispatch tables
 * are arrays of this size. */
#define PROTO_OP_MAX 64

enum proto_role {
	PROTO_ROLE_CLIENT = 1,
	PROTO_ROLE_MDS = 2,
	PROTO_ROLE_OSS = 3,
	PROTO_ROLE_TOOL = 4,
};

enum proto_deployment {
	PROTO_DEPLOY_SCRATCH = 1,
	PROTO_DEPLOY_PERSISTENT = 2,
};

enum proto_ost_state {
	PROTO_OST_UP = 1,   /* registered and connected */
	PROTO_OST_DOWN = 2, /* known but not connected */
};

enum proto_target {
	PROTO_TARGET_MDT = 1,
	PROTO_TARGET_OST = 2,
};

/*
 * The dispatch description of an opcode: its name for logs and the least
 * payload a valid request can have, checked before any handler runs.
 * Programs keep their own handler tables indexed by opcode.
 */
struct proto_op_desc {
	const char *name;  /* "HELLO"; NULL for an unassigned opcode */
	uint32_t min_len;  /* minimum request payload length in bytes */
};

/* The description of opcode, or NULL when the opcode is unknown. */
const struct proto_op_desc *proto_op_lookup(uint16_t opcode);

/* --- HELLO --- */

struct msg_ost_entry {
	uint32_t ost_idx;
	uint8_t state;	 /* enum proto_ost_state */
	const char *host; /* borrowed; not NUL-terminated */
	uint16_t host_len;
	uint16_t port;
};

struct msg_hello {
	uint16_t proto_version;
	uint8_t role;	/* enum proto_role */
	uint32_t id;	/* OST index of an OSS */
	const char *fsname;
	uint16_t fsname_len;
	const char *host; /* advertised address (OSS registration) */
	uint16_t host_len;
	uint16_t port;
	/* Present only in the MDS's reply (has_config != 0). */
	uint8_t has_config;
	uint32_t stripe_size;
	int32_t stripe_count;
	uint8_t deployment; /* enum proto_deployment */
	uint64_t map_version;
	uint32_t ost_count;
	/*
	 * Encode: array of ost_count entries, borrowed from the caller.
	 * Decode: caller-provided array of ost_cap entries (ost_cap may be 0
	 * when the caller does not want the map; entries past ost_cap are
	 * validated and skipped, ost_count still tells the total).
	 */
	struct msg_ost_entry *osts;
	uint32_t ost_cap;
};

size_t msg_hello_encoded_len(const struct msg_hello *m);
ssize_t msg_hello_encode(const struct msg_hello *m, void *buf, size_t len);
int msg_hello_decode(struct cursor *c, struct msg_hello *m);

/* --- STATFS reply --- */

struct msg_statfs {
	uint8_t target;	     /* enum proto_target */
	uint32_t target_idx;
	uint64_t bytes_total;
	uint64_t bytes_used;
	uint64_t bytes_avail;
	uint64_t files_total;
	uint64_t files_used;
	uint64_t data_logical_bytes; /* appended: see the table */
	uint64_t data_stored_bytes;  /* appended; <= data_logical_bytes */
};

#define MSG_STATFS_LEN 45 /* the base fields of a STATFS reply (no appended
			     LZ4 totals): a PING's usage report */

size_t msg_statfs_encoded_len(const struct msg_statfs *m);
ssize_t msg_statfs_encode(const struct msg_statfs *m, void *buf, size_t len);
int msg_statfs_decode(struct cursor *c, struct msg_statfs *m);

/* --- PING --- */

struct msg_ping {
	uint64_t time_ns;
	uint8_t has_report;	  /* an OST usage report follows (appended) */
	struct msg_statfs report; /* valid when has_report */
};

size_t msg_ping_encoded_len(const struct msg_ping *m);
ssize_t msg_ping_encode(const struct msg_ping *m, void *buf, size_t len);
int msg_ping_decode(struct cursor *c, struct msg_ping *m);

/* --- ERROR (payload of a reply with nonzero status) --- */

struct msg_error {
	const char *reason; /* borrowed */
	uint16_t reason_len;
};

size_t msg_error_encoded_len(const struct msg_error *m);
ssize_t msg_error_encode(const struct msg_error *m, void *buf, size_t len);
int msg_error_decode(struct cursor *c, struct msg_error *m);

#endif /* GLINT_PROTO_MSG_H */
