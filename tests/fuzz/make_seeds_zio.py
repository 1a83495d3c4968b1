#!/usr/bin/env python3
"""make_seeds_zio.py - writes the seed corpus of the msg_zio.h fuzz targets.

Each seed is a valid encoding built here from the byte tables in
proto/msg_zio.h, independently of the C encoders. Output:
tests/fuzz/corpus/obj_zwrite/ (OBJ_WRITE_Z requests),
tests/fuzz/corpus/zchunks/ (OBJ_READ_Z replies),
tests/fuzz/corpus/readc_head/ (4 bytes of the request's len, then an
OBJ_READ_C reply head and sometimes its data) and tests/fuzz/corpus/readl/
(4 bytes of the request's len, then a whole OBJ_READ_L reply: that head
and the path of the data file); the files are committed.
The decoders do not decompress, so the LZ4 payloads here are stand-in
bytes. Running it again rewrites the same bytes.

Usage: tests/fuzz/make_seeds_zio.py [CORPUS_DIR]
"""
import os
import struct
import sys

CHUNK = 64 * 1024
ZERO, RAW, LZ4 = 0, 1, 2
OBJ_LZ4, OBJ_SYNC = 1, 2


def zchunks(entries):
    """entries: (off, raw_len, kind, csum, data) in order."""
    data = b"".join(e[4] for e in entries)
    table = b"".join(struct.pack("<QIIBQ", off, raw, len(d), kind, csum)
                     for off, raw, kind, csum, d in entries)
    return struct.pack("<I", len(data)) + data + struct.pack(
        "<I", len(entries)) + table


def zwrite(oid, idx, flags, entries):
    return struct.pack("<QII", oid, idx, flags) + zchunks(entries)


def csv_chunks(first_off, n):
    """n whole LZ4 chunks from first_off (stand-in compressed bytes)."""
    return [(first_off + i * CHUNK, CHUNK, LZ4, 0x1111 * (i + 1),
             bytes([0x1f, i]) * 100) for i in range(n)]


def readc_pieces(n):
    """pieces of 64 KiB of a request of n bytes"""
    return (n + CHUNK - 1) // CHUNK


def readc(req_len, data_len, data=b""):
    """req_len, then the head of its OBJ_READ_C reply with made-up
    checksums (0 past data_len), then data."""
    n = readc_pieces(req_len)
    csums = [0x0123456789abcdef + i if i * CHUNK < data_len else 0
             for i in range(n)]
    return struct.pack("<III", req_len, data_len, n) + struct.pack(
        "<%dQ" % n, *csums) + data


def readl(req_len, data_len, path):
    """req_len, then its OBJ_READ_L reply: OBJ_READ_C's head (made-up
    checksums) and the u16-length path (b"" when data_len is 0)."""
    return readc(req_len, data_len) + struct.pack("<H", len(path)) + path


OST0_DAT = b"/var/lib/glint/ost0/objects/02/0000000000010002.00000001.dat"
OST1_DAT = b"/var/lib/glint/ost1/objects/7f/000000000003007f.00000003.dat"
# PROTO_LOCAL_PATH_MAX bytes
LONG_DAT = b"/srv/glint/" + b"d" * (4095 - len(b"/srv/glint/"))


SEEDS = {
    "obj_zwrite": {
        "empty": zwrite(7, 0, 0, []),
        "one-lz4": zwrite(0x10002, 1, OBJ_LZ4, csv_chunks(0, 1)),
        "mixed": zwrite(0x10002, 3, OBJ_LZ4 | OBJ_SYNC, [
            (100, CHUNK - 100, RAW, 0xabc, b"r" * (CHUNK - 100)),
            (CHUNK, CHUNK, ZERO, 0, b""),
            (2 * CHUNK, 4000, LZ4, 0xdef, b"z" * 1000),
        ]),
        "max": zwrite(1 << 40, 255, OBJ_LZ4, csv_chunks(1 << 30, 64)),
    },
    "zchunks": {
        "eof": zchunks([]),
        "widened": zchunks([(0, CHUNK, LZ4, 0x77, b"q" * 3000),
                            (CHUNK, 5000, RAW, 0x78, b"w" * 5000)]),
        "hole-tail": zchunks([(3 * CHUNK, 1000, LZ4, 0x5, b"h" * 200),
                              (3 * CHUNK + 1000, CHUNK - 1000, ZERO, 0, b""),
                              (4 * CHUNK, CHUNK, ZERO, 0, b"")]),
        "max": zchunks(csv_chunks(0, 66)),
    },
    "readc_head": {
        "past-eof": readc(CHUNK, 0),
        "one-byte": readc(1, 1, b"x"),
        "short-tail": readc(3 * CHUNK + 5, CHUNK + 100),
        "small-data": readc(300, 200, bytes(range(200))),
        "max": readc(4 << 20, 4 << 20),
    },
    "readl": {
        "past-eof": readl(CHUNK, 0, b""),
        "one-chunk": readl(CHUNK, CHUNK, OST0_DAT),
        "multi-chunk": readl(4 * CHUNK, 4 * CHUNK, OST1_DAT),
        "short-tail": readl(3 * CHUNK + 5, CHUNK + 100, OST0_DAT),
        "max": readl(4 << 20, 4 << 20, LONG_DAT),
    },
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    for name, seeds in SEEDS.items():
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        for seed, data in seeds.items():
            with open(os.path.join(d, seed), "wb") as f:
                f.write(data)
        print(f"{d}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
