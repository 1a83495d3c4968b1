/*
 * fuzz_frame.c - libFuzzer target for the frame header decoder (frame.h).
 *
 * Input: a 48-byte header candidate followed by payload bytes. Two passes:
 *
 * 1. The bytes as received: frame_decode_header() must return 0 or one of
 *    its documented errors, with a reason exactly when it fails. An accepted
 *    header whose payload is present and passes frame_check_payload() must
 *    be canonical: frame_encode_header() on the decoded fields reproduces
 *    the 48 input bytes.
 *
 * 2. The same bytes re-sealed (payload checksum and header checksum
 *    recomputed), so that mutations reach the field rules behind the header
 *    checksum that random bytes almost never get past. The verdict must
 *    match an independent reading of the rules: accepted exactly when magic,
 *    version, reserved field, flags and payload cap are all right, and each
 *    error code only when its rule is broken. An accepted header then
 *    passes the payload check and re-encodes byte for byte.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/frame.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A header that decoded: its payload, when present, passes and re-encodes. */
static void check_accepted(const struct frame_header *h, const uint8_t *in,
			   const uint8_t *payload, size_t avail, int sealed)
{
	struct frame_header e;
	uint8_t out[FRAME_HEADER_LEN];
	int prc;

	FUZZ_CHECK(h->version == FRAME_VERSION);
	FUZZ_CHECK((h->flags & ~FRAME_F_KNOWN) == 0);
	FUZZ_CHECK(h->payload_len <= FRAME_MAX_PAYLOAD);
	if (h->payload_len > avail)
		return;
	prc = frame_check_payload(h, payload);
	FUZZ_CHECK(prc == 0 || prc == -EBADMSG);
	if (sealed)
		FUZZ_CHECK(prc == 0);
	if (prc)
		return;
	e = *h;
	frame_encode_header(&e, payload, out);
	FUZZ_CHECK(e.payload_csum == h->payload_csum);
	FUZZ_CHECK(memcmp(out, in, FRAME_HEADER_LEN) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[FRAME_HEADER_LEN];
	struct frame_header h;
	const uint8_t *payload;
	const char *why;
	size_t avail;
	uint32_t len, flags;
	int bad_magic, bad_version, bad_reserved, too_long;
	int rc;

	if (size < FRAME_HEADER_LEN)
		return 0;
	payload = data + FRAME_HEADER_LEN;
	avail = size - FRAME_HEADER_LEN;

	/* 1: as received */
	why = "unset";
	rc = frame_decode_header(data, &h, &why);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG || rc == -EPROTO ||
		   rc == -EMSGSIZE);
	FUZZ_CHECK((rc == 0) == (why == NULL));
	if (rc == 0)
		check_accepted(&h, data, payload, avail, 0);

	/* 2: re-sealed */
	memcpy(hdr, data, FRAME_HEADER_LEN);
	len = le32_load(hdr + 24);
	if (len <= avail)
		le64_store(hdr + 32, frame_checksum(payload, len));
	le64_store(hdr + 40, frame_checksum(hdr, 40));
	flags = le32_load(hdr + 8);
	bad_magic = le32_load(hdr) != FRAME_MAGIC;
	bad_version = le16_load(hdr + 4) != FRAME_VERSION;
	bad_reserved = le32_load(hdr + 28) != 0 || (flags & ~FRAME_F_KNOWN);
	too_long = len > FRAME_MAX_PAYLOAD;

	why = "unset";
	rc = frame_decode_header(hdr, &h, &why);
	FUZZ_CHECK((rc == 0) == (why == NULL));
	FUZZ_CHECK((rc == 0) ==
		   !(bad_magic || bad_version || bad_reserved || too_long));
	if (rc == -EPROTO)
		FUZZ_CHECK(bad_version);
	else if (rc == -EMSGSIZE)
		FUZZ_CHECK(too_long);
	else if (rc == -EBADMSG)
		FUZZ_CHECK(bad_magic || bad_reserved);
	else
		FUZZ_CHECK(rc == 0);
	if (rc == 0) {
		FUZZ_CHECK(h.opcode == le16_load(hdr + 6));
		FUZZ_CHECK(h.flags == flags);
		FUZZ_CHECK(h.status == (int32_t)le32_load(hdr + 12));
		FUZZ_CHECK(h.req_id == le64_load(hdr + 16));
		FUZZ_CHECK(h.payload_len == len);
		check_accepted(&h, hdr, payload, avail, 1);
	}
	return 0;
}
