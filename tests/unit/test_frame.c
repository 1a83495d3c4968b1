/*
 * test_frame.c - wire test of the frame header (proto/frame.h).
 *
 * Like Lustre's ptlrpc/wiretest.c, this pins what must never change by
 * accident: the constants, and golden byte images of encoded headers written
 * out here as literal bytes. The checksums in the images were computed once
 * with frame_encode_header() and then frozen, so any change of layout, byte
 * order or checksum algorithm fails this test. XXH3-64 of the empty input
 * (0x2d06800538d394c2) is the published reference value, a check on the
 * checksum that does not depend on our code at all.
 *
 * The rest checks validation: every single-bit flip of a valid header is
 * rejected, and each rule of frame_decode_header() (magic, checksum, version,
 * reserved field, unknown flags, payload cap) returns its documented errno
 * on a header that is otherwise valid (re-sealed with a fresh checksum).
 *
 * Exit 0 pass, 1 fail.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto/codec.h"
#include "proto/frame.h"
#include "tests/unit/check.h"

/* A PING reply: req_id 0x1122334455667788, status -ENOENT, 8-byte payload. */
static const uint8_t golden_payload[8] = {
	0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
};

static const uint8_t golden_reply[FRAME_HEADER_LEN] = {
	0x47, 0x4c, 0x4e, 0x54, /* magic "GLNT" */
	0x01, 0x00,		/* version 1 */
	0x02, 0x00,		/* opcode 2 (PING) */
	0x01, 0x00, 0x00, 0x00, /* flags FRAME_F_REPLY */
	0xfe, 0xff, 0xff, 0xff, /* status -2 */
	0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* req_id */
	0x08, 0x00, 0x00, 0x00, /* payload_len 8 */
	0x00, 0x00, 0x00, 0x00, /* reserved */
	0xa6, 0x77, 0x42, 0x28, 0x14, 0xf4, 0x8d, 0xb7, /* payload csum */
	0x03, 0x84, 0xf7, 0xb4, 0x43, 0xdc, 0xfe, 0x55, /* header csum */
};

/* A STATFS request: req_id 42, no payload. */
static const uint8_t golden_request[FRAME_HEADER_LEN] = {
	0x47, 0x4c, 0x4e, 0x54, /* magic */
	0x01, 0x00,		/* version 1 */
	0x03, 0x00,		/* opcode 3 (STATFS) */
	0x00, 0x00, 0x00, 0x00, /* flags */
	0x00, 0x00, 0x00, 0x00, /* status */
	0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* req_id 42 */
	0x00, 0x00, 0x00, 0x00, /* payload_len 0 */
	0x00, 0x00, 0x00, 0x00, /* reserved */
	0xc2, 0x94, 0xd3, 0x38, 0x05, 0x80, 0x06, 0x2d, /* XXH3("") */
	0x4b, 0x54, 0xdc, 0x58, 0x0a, 0x1b, 0xe3, 0x54, /* header csum */
};

static void dump_diff(const char *what, const uint8_t *got,
		      const uint8_t *want, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (got[i] != want[i])
			fprintf(stderr, "%s: byte %zu is 0x%02x, want 0x%02x\n",
				what, i, got[i], want[i]);
}

/* Recompute the header checksum after a test edited bytes 0..39. */
static void reseal(uint8_t hdr[FRAME_HEADER_LEN])
{
	le64_store(hdr + 40, frame_checksum(hdr, 40));
}

static void test_constants(void)
{
	CHECK(FRAME_MAGIC == 0x544e4c47u);
	CHECK(memcmp(golden_reply, "GLNT", 4) == 0);
	CHECK(FRAME_VERSION == 1);
	CHECK(FRAME_HEADER_LEN == 48);
	CHECK(FRAME_MAX_PAYLOAD == 8u * 1024 * 1024);
	CHECK(FRAME_F_REPLY == 0x1u);
	CHECK(FRAME_F_HEAD_CSUM == 0x2u);
	CHECK(FRAME_F_KNOWN == 0x3u);
	CHECK(frame_checksum("", 0) == 0x2d06800538d394c2ull);
	CHECK(frame_checksum(NULL, 0) == 0x2d06800538d394c2ull);
}

static void test_golden_encode(void)
{
	struct frame_header h = {
		.version = FRAME_VERSION,
		.opcode = 2,
		.flags = FRAME_F_REPLY,
		.status = -ENOENT,
		.req_id = 0x1122334455667788ull,
		.payload_len = sizeof(golden_payload),
	};
	uint8_t out[FRAME_HEADER_LEN];

	memset(out, 0xaa, sizeof(out));
	frame_encode_header(&h, golden_payload, out);
	CHECK(memcmp(out, golden_reply, FRAME_HEADER_LEN) == 0);
	dump_diff("reply header", out, golden_reply, FRAME_HEADER_LEN);
	CHECK(h.payload_csum == 0xb78df414284277a6ull);

	h = (struct frame_header){
		.version = FRAME_VERSION,
		.opcode = 3,
		.req_id = 42,
	};
	memset(out, 0xaa, sizeof(out));
	frame_encode_header(&h, NULL, out);
	CHECK(memcmp(out, golden_request, FRAME_HEADER_LEN) == 0);
	dump_diff("request header", out, golden_request, FRAME_HEADER_LEN);
	CHECK(h.payload_csum == 0x2d06800538d394c2ull);
}

static void test_golden_decode(void)
{
	struct frame_header h;
	const char *why = "unset";

	memset(&h, 0x5a, sizeof(h));
	CHECK(frame_decode_header(golden_reply, &h, &why) == 0);
	CHECK(why == NULL);
	CHECK(h.version == 1);
	CHECK(h.opcode == 2);
	CHECK(h.flags == FRAME_F_REPLY);
	CHECK(h.status == -ENOENT);
	CHECK(h.req_id == 0x1122334455667788ull);
	CHECK(h.payload_len == 8);
	CHECK(h.payload_csum == 0xb78df414284277a6ull);
	CHECK(frame_check_payload(&h, golden_payload) == 0);

	memset(&h, 0x5a, sizeof(h));
	CHECK(frame_decode_header(golden_request, &h, NULL) == 0);
	CHECK(h.opcode == 3 && h.flags == 0 && h.status == 0);
	CHECK(h.req_id == 42 && h.payload_len == 0);
	CHECK(frame_check_payload(&h, NULL) == 0);
}

/* encode -> decode over a spread of field values, including the extremes. */
static void test_round_trip(void)
{
	static uint8_t payload[4096];
	static const uint32_t lens[] = { 0, 1, 7, 8, 4095, 4096 };
	static const int32_t statuses[] = { 0, -1, -EPROTO, INT32_MIN,
					    INT32_MAX };

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (size_t j = 0; j < sizeof(statuses) / sizeof(statuses[0]);
		     j++) {
			struct frame_header in = {
				.version = FRAME_VERSION,
				.opcode = (uint16_t)(0xfff0 + j),
				.flags = j & 1 ? FRAME_F_REPLY : 0,
				.status = statuses[j],
				.req_id = UINT64_MAX - i * 977 - j,
				.payload_len = lens[i],
			};
			struct frame_header out;
			uint8_t hdr[FRAME_HEADER_LEN];

			frame_encode_header(&in, payload, hdr);
			CHECK(frame_decode_header(hdr, &out, NULL) == 0);
			CHECK(out.version == in.version);
			CHECK(out.opcode == in.opcode);
			CHECK(out.flags == in.flags);
			CHECK(out.status == in.status);
			CHECK(out.req_id == in.req_id);
			CHECK(out.payload_len == in.payload_len);
			CHECK(out.payload_csum == in.payload_csum);
			CHECK(frame_check_payload(&out, payload) == 0);
		}
	}
}

/* Every single-bit flip anywhere in a valid header must be rejected. */
static void test_bit_flips(void)
{
	for (size_t i = 0; i < FRAME_HEADER_LEN; i++) {
		for (int bit = 0; bit < 8; bit++) {
			uint8_t hdr[FRAME_HEADER_LEN];
			struct frame_header h;
			const char *why = NULL;
			int rc;

			memcpy(hdr, golden_reply, sizeof(hdr));
			hdr[i] ^= (uint8_t)(1u << bit);
			rc = frame_decode_header(hdr, &h, &why);
			CHECK(rc == -EBADMSG);
			CHECK(why != NULL);
			if (i < 4)
				CHECK(why && strcmp(why, "bad magic") == 0);
			else
				CHECK(why && strcmp(why, "bad header checksum") == 0);
		}
	}
}

static int decode_edited(size_t off, const uint8_t *bytes, size_t n,
			 const char **why)
{
	uint8_t hdr[FRAME_HEADER_LEN];
	struct frame_header h;

	memcpy(hdr, golden_reply, sizeof(hdr));
	memcpy(hdr + off, bytes, n);
	reseal(hdr);
	return frame_decode_header(hdr, &h, why);
}

/* Each rule alone, on a header with a correct checksum. */
static void test_rules(void)
{
	const char *why;
	uint8_t b[4];

	/* bad magic, even with a valid checksum */
	memcpy(b, "GLNU", 4);
	CHECK(decode_edited(0, b, 4, &why) == -EBADMSG);
	CHECK(why && strcmp(why, "bad magic") == 0);
	memcpy(b, "TNLG", 4); /* big-endian magic */
	CHECK(decode_edited(0, b, 4, &why) == -EBADMSG);

	/* unknown versions */
	le16_store(b, 0);
	CHECK(decode_edited(4, b, 2, &why) == -EPROTO);
	CHECK(why && strcmp(why, "unsupported frame version") == 0);
	le16_store(b, 2);
	CHECK(decode_edited(4, b, 2, &why) == -EPROTO);
	le16_store(b, 0xffff);
	CHECK(decode_edited(4, b, 2, &why) == -EPROTO);

	/* every unknown flag bit */
	for (int bit = 2; bit < 32; bit++) {
		le32_store(b, FRAME_F_REPLY | 1u << bit);
		CHECK(decode_edited(8, b, 4, &why) == -EBADMSG);
		CHECK(why && strcmp(why, "reserved bits set") == 0);
	}

	/* every bit of the reserved field */
	for (int bit = 0; bit < 32; bit++) {
		le32_store(b, 1u << bit);
		CHECK(decode_edited(28, b, 4, &why) == -EBADMSG);
		CHECK(why && strcmp(why, "reserved bits set") == 0);
	}

	/* the payload cap: the limit itself is fine, one more is not */
	le32_store(b, FRAME_MAX_PAYLOAD);
	CHECK(decode_edited(24, b, 4, &why) == 0);
	CHECK(why == NULL);
	le32_store(b, FRAME_MAX_PAYLOAD + 1);
	CHECK(decode_edited(24, b, 4, &why) == -EMSGSIZE);
	CHECK(why && strcmp(why, "payload length over limit") == 0);
	le32_store(b, UINT32_MAX);
	CHECK(decode_edited(24, b, 4, &why) == -EMSGSIZE);

	/* any opcode and status pass the header check (dispatch decides) */
	le16_store(b, 0xffff);
	CHECK(decode_edited(6, b, 2, &why) == 0);
	le32_store(b, 0x80000000u);
	CHECK(decode_edited(12, b, 4, &why) == 0);

	/* a wrong checksum in place is rejected even if all else is right */
	{
		uint8_t hdr[FRAME_HEADER_LEN];
		struct frame_header h;

		memcpy(hdr, golden_reply, sizeof(hdr));
		memset(hdr + 40, 0, 8);
		CHECK(frame_decode_header(hdr, &h, NULL) == -EBADMSG);
	}
}

/* Any flipped payload bit, a shorter or longer payload_len, all detected. */
static void test_payload_check(void)
{
	struct frame_header h;
	uint8_t p[sizeof(golden_payload)];

	CHECK(frame_decode_header(golden_reply, &h, NULL) == 0);
	for (size_t i = 0; i < sizeof(p); i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(p, golden_payload, sizeof(p));
			p[i] ^= (uint8_t)(1u << bit);
			CHECK(frame_check_payload(&h, p) == -EBADMSG);
		}
	}
	h.payload_len = 7;
	CHECK(frame_check_payload(&h, golden_payload) == -EBADMSG);
	h.payload_len = 0;
	CHECK(frame_check_payload(&h, NULL) == -EBADMSG);

	CHECK(frame_decode_header(golden_request, &h, NULL) == 0);
	h.payload_csum ^= 1;
	CHECK(frame_check_payload(&h, NULL) == -EBADMSG);
}

/* A FRAME_F_HEAD_CSUM header: the checksum covers the head only, the rest
 * of the header is what frame_encode_header writes. */
static void test_head_csum(void)
{
	static const uint8_t payload[] = "head....then file bytes";
	struct frame_header h = { .version = FRAME_VERSION, .opcode = 58,
				  .flags = FRAME_F_REPLY | FRAME_F_HEAD_CSUM,
				  .req_id = 7,
				  .payload_len = sizeof(payload) };
	struct frame_header d, full = h;
	uint8_t out[FRAME_HEADER_LEN], ref[FRAME_HEADER_LEN];

	frame_encode_header_head(&h, payload, 8, out);
	CHECK(h.payload_csum == frame_checksum(payload, 8));
	CHECK(h.payload_csum != frame_checksum(payload, sizeof(payload)));
	CHECK(frame_decode_header(out, &d, NULL) == 0);
	CHECK(d.flags == (FRAME_F_REPLY | FRAME_F_HEAD_CSUM) &&
	      d.payload_len == sizeof(payload) &&
	      d.payload_csum == frame_checksum(payload, 8));
	/* the whole payload fails frame_check_payload: it is not a frame
	 * checksum */
	CHECK(frame_check_payload(&d, payload) == -EBADMSG);
	/* only the checksum field (and the header checksum) differ */
	frame_encode_header(&full, payload, ref);
	CHECK(memcmp(out, ref, 32) == 0);
	CHECK(memcmp(out + 32, ref + 32, 8) != 0);
}

int main(void)
{
	test_constants();
	test_head_csum();
	test_golden_encode();
	test_golden_decode();
	test_round_trip();
	test_bit_flips();
	test_rules();
	test_payload_check();
	if (failures) {
		fprintf(stderr, "test_frame: %d checks failed\n", failures);
		return 1;
	}
	printf("test_frame: all checks passed\n");
	return 0;
}
