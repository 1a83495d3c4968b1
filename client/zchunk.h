/*
 * zchunk.h - the client's half of compressed object I/O (msg_zio.h): cut
 * an object write into chunks and LZ4-compress them, and turn the chunks
 * of an OBJ_READ_Z reply back into bytes.
 *
 * Policy of zchunk_encode, for object bytes [off, off + len): pieces end at
 * every PROTO_ZCHUNK_SIZE boundary of the object. A piece of zeros is sent
 * as ZERO (no data). A piece that starts at its chunk's start (a whole
 * chunk, or the first part of one: the tail of a file) is LZ4-compressed
 * and sent compressed when that saves at least ZCHUNK_MIN_SAVING bytes
 * (one 4 KiB disk block, the OSS's own rule), else raw: the OSS then
 * stores the client's bytes as they are. A piece that starts inside a
 * chunk is sent raw: the OSS must merge it with the chunk's old content
 * and compresses the result itself (the write carries PROTO_OBJ_LZ4), so
 * the client never reads before it writes.
 *
 * zchunk_apply checks every chunk of a reply (the XXH3 of its stored
 * bytes, LZ4 blocks that decode to exactly their length) and writes the
 * wanted part of each where dest says; a chunk that fails is -EIO, a reply
 * that does not cover the start of what was asked is -EBADMSG.
 *
 * Pure functions: no I/O, no locks, no globals; thread-safe.
 */
#ifndef GLINT_CLIENT_ZCHUNK_H
#define GLINT_CLIENT_ZCHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "proto/msg_zio.h"

#define ZCHUNK_MIN_SAVING 4096 /* bytes LZ4 must save to be worth it */

/* Chunks of a write of len bytes at any offset: room zchunk_encode needs. */
#define ZCHUNK_ENCODE_MAX(len) ((len) / PROTO_ZCHUNK_SIZE + 2)

/*
 * Encode the object bytes [off, off + len) held at data into out[] (room
 * for cap entries, at least ZCHUNK_ENCODE_MAX(len)); LZ4 output goes to
 * scratch (room for scratch_cap >= len bytes), raw entries point into
 * data. *count gets the number of entries; each carries XXH3 of its raw
 * bytes. Returns 0, or -EINVAL (len 0 or over PROTO_MAX_IO, too little
 * room, off + len past an off_t).
 */
int zchunk_encode(const uint8_t *data, uint64_t off, uint32_t len,
		  struct msg_zchunk *out, uint32_t cap, uint8_t *scratch,
		  size_t scratch_cap, uint32_t *count);

/*
 * Where the object bytes [obj_off, obj_off + len) go: a pointer to len
 * writable bytes, or NULL when they are not all wanted (then zchunk_apply
 * fails with -EBADMSG). Called only for wanted ranges within one chunk.
 */
typedef uint8_t *(*zchunk_dest_fn)(void *arg, uint64_t obj_off, uint32_t len);

/*
 * Write the bytes of z (a decoded OBJ_READ_Z reply) that fall in
 * [want_off, want_off + want_len) to dest: ZERO parts as zeros, RAW
 * copied, LZ4 decoded (straight into dest when the whole chunk is wanted,
 * else through scratch, PROTO_ZCHUNK_SIZE bytes). Returns the number of
 * wanted bytes the reply covered from want_off on (less than want_len at
 * the object's end), -EIO (a chunk fails its checksum or does not decode),
 * -EBADMSG (the reply starts after want_off, dest refused).
 */
int64_t zchunk_apply(const struct msg_zchunks *z, uint64_t want_off,
		     uint64_t want_len, uint8_t *scratch, zchunk_dest_fn dest,
		     void *arg);

#endif /* GLINT_CLIENT_ZCHUNK_H */
