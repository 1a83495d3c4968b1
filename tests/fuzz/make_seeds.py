#!/usr/bin/env python3
"""make_seeds.py - writes the seed corpus of the fuzz targets.

Each seed is a valid encoding built here from the layout tables in
proto/frame.h and proto/msg.h (written independently of the C encoders, so
the replay tests also cross-check the two). Output: tests/fuzz/corpus/<name>/
for name in frame, hello, ping, statfs, error; the files are committed.
Running it again rewrites the same bytes. Frame checksums are XXH3-64,
called from the system libxxhash through ctypes.

Usage: tests/fuzz/make_seeds.py [CORPUS_DIR]
"""
import ctypes
import ctypes.util
import os
import struct
import sys

FRAME_MAGIC = 0x544E4C47
FRAME_VERSION = 1
FRAME_F_REPLY = 0x1
OP_HELLO, OP_PING, OP_STATFS = 1, 2, 3
ROLE_CLIENT, ROLE_MDS, ROLE_OSS, ROLE_TOOL = 1, 2, 3, 4
DEPLOY_SCRATCH, DEPLOY_PERSISTENT = 1, 2
OST_UP, OST_DOWN = 1, 2
TARGET_MDT, TARGET_OST = 1, 2
ENOENT = 2

_lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
_lib.XXH3_64bits.restype = ctypes.c_uint64
_lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]


def xxh3(b):
    return _lib.XXH3_64bits(b, len(b))


def s16(text):
    b = text.encode() if isinstance(text, str) else text
    return struct.pack("<H", len(b)) + b


def hello(role, ident, fsname, host=b"", port=0, config=None):
    out = struct.pack("<HBI", 1, role, ident) + s16(fsname) + s16(host)
    out += struct.pack("<H", port)
    if config is not None:
        stripe_size, stripe_count, deploy, map_version, osts = config
        out += struct.pack("<IiBQI", stripe_size, stripe_count, deploy,
                           map_version, len(osts))
        for idx, state, h, p in osts:
            out += struct.pack("<IB", idx, state) + s16(h)
            out += struct.pack("<H", p)
    return out


def ping(t):
    return struct.pack("<Q", t)


def statfs(target, idx, btot, bused, bavail, ftot, fused):
    return struct.pack("<BIQQQQQ", target, idx, btot, bused, bavail, ftot,
                       fused)


def error(reason):
    return s16(reason)


def frame(opcode, req_id, payload, flags=0, status=0):
    head = struct.pack("<IHHIiQII", FRAME_MAGIC, FRAME_VERSION, opcode,
                       flags, status, req_id, len(payload), 0)
    head += struct.pack("<Q", xxh3(payload))
    head += struct.pack("<Q", xxh3(head))
    assert len(head) == 48
    return head + payload


MIB = 1 << 20
TWO_OSTS = [(0, OST_UP, "oss0", 1018), (1, OST_DOWN, "oss1", 1019)]
MANY_OSTS = [(i, OST_UP if i % 3 else OST_DOWN, "h%d" % i, 1018 + i % 6)
             for i in range(1024)]

SEEDS = {
    "hello": {
        "request-oss": hello(ROLE_OSS, 7, "fsx", "10.0.0.2", 1018),
        "request-client": hello(ROLE_CLIENT, 0, "fsx"),
        "request-tool-long-names": hello(ROLE_TOOL, 0, "f" * 64,
                                         "t" * 255, 65535),
        "reply-two-osts": hello(ROLE_MDS, 0, "fsx", config=(
            MIB, -1, DEPLOY_PERSISTENT, 5, TWO_OSTS)),
        "reply-no-osts": hello(ROLE_MDS, 0, "scratch", config=(
            4 * MIB, 1, DEPLOY_SCRATCH, 0, [])),
        "reply-1024-osts": hello(ROLE_MDS, 0, "big", config=(
            MIB, 4, DEPLOY_SCRATCH, 1 << 40, MANY_OSTS)),
    },
    "ping": {
        "ping": ping(0x0102030405060708),
        "zero": ping(0),
        "max": ping((1 << 64) - 1),
        "ost-report": ping(42) + statfs(TARGET_OST, 2, 4 << 20, 3 << 20,
                                        1 << 20, 1000, 3),
    },
    "statfs": {
        "ost": statfs(TARGET_OST, 3, 1000, 400, 600, 100, 10),
        "mdt": statfs(TARGET_MDT, 0, 1 << 40, 1 << 20, (1 << 40) - (1 << 20),
                      1 << 32, 1),
        "full": statfs(TARGET_OST, 65535, 4096, 4096, 0, 7, 7),
        "lz4-saved": statfs(TARGET_OST, 1, 1 << 30, 8192, (1 << 30) - 8192,
                            100, 2) + struct.pack("<QQ", 1 << 20, 5000),
    },
    "error": {
        "no-such-ost": error("no such OST"),
        "empty": error(""),
        "max": error("e" * 1024),
    },
    "frame": {
        "ping-request": frame(OP_PING, 1, ping(123456789)),
        "ping-reply-enoent": frame(OP_PING, 0x1122334455667788,
                                   bytes.fromhex("efcdab8967452301"),
                                   FRAME_F_REPLY, -ENOENT),
        "statfs-request": frame(OP_STATFS, 42, b""),
        "statfs-reply": frame(OP_STATFS, 42, statfs(
            TARGET_OST, 3, 1000, 400, 600, 100, 10), FRAME_F_REPLY),
        "hello-request": frame(OP_HELLO, 1, hello(ROLE_CLIENT, 0, "fsx")),
        "error-reply": frame(OP_HELLO, 2, error("unknown fsname"),
                             FRAME_F_REPLY, -ENOENT),
    },
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    for name, seeds in SEEDS.items():
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        for fname, data in seeds.items():
            with open(os.path.join(d, fname), "wb") as f:
                f.write(data)
        print("%s: %d seeds" % (d, len(seeds)))


if __name__ == "__main__":
    main()
