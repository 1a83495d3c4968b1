#!/usr/bin/env python3
"""make_seeds_fs.py - writes the seed corpus of the msg_fs.h fuzz targets.

Each seed is a valid encoding built here from the layout tables in
proto/msg_fs.h, independently of the C encoders (so the corpus replay under
ctest also cross-checks the two). Output: tests/fuzz/corpus/<name>/ for
name in md_req, obj_req, entry, dir_attrs, readdir, lock, layout, obj_attr,
obj_list; the files are committed. md_req and obj_req seeds start with the opcode as a
little-endian u16, as their targets expect. Running it again rewrites the
same bytes. (make_seeds.py writes the seeds of the msg.h targets.)

Usage: tests/fuzz/make_seeds_fs.py [CORPUS_DIR]
"""
import os
import struct
import sys

(LOOKUP, GETATTR, SETATTR, CREATE, MKDIR, UNLINK, RMDIR, RENAME, LINK,
 SYMLINK, READLINK, READDIR, GETXATTR, SETXATTR, LISTXATTR, REMOVEXATTR,
 ACCESS, CLOSE, SETSTRIPE, GETSTRIPE, LOCK) = range(16, 37)
(OBJ_READ, OBJ_WRITE, OBJ_TRUNCATE, OBJ_PUNCH, OBJ_DESTROY, OBJ_SYNC,
 OBJ_GETATTR, OBJ_LIST) = range(48, 56)
OBJ_LIST_MAX = 4096
S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFCHR = (0o100000, 0o040000, 0o120000,
                                               0o010000, 0o020000)
DT_DIR, DT_REG, DT_LNK = 4, 8, 10
MIB = 1 << 20
U64_MAX = (1 << 64) - 1


def s16(text):
    b = text.encode() if isinstance(text, str) else text
    return struct.pack("<H", len(b)) + b


def b32(data):
    return struct.pack("<I", len(data)) + data


def cred(uid=1000, gid=100, groups=()):
    return struct.pack("<IIH", uid, gid, len(groups)) + b"".join(
        struct.pack("<I", g) for g in groups)


def tm(sec, nsec=0):
    return struct.pack("<qI", sec, nsec)


def layout(size=MIB, count=0, first=-1, pattern=0, gen=0, stripes=()):
    out = struct.pack("<IiiIII", size, count, first, pattern, gen,
                      len(stripes))
    for ost, obj in stripes:
        out += struct.pack("<IQ", ost, obj)
    return out


def attr(ino, mode, size=0, nlink=1):
    return (struct.pack("<QIIIII", ino, mode, 1000, 100, nlink, 1) +
            struct.pack("<QQQ", size, (size + 511) // 512, 0) +
            tm(1700000000) + tm(1700000000, 5) + tm(1700000001, 999999999))


def md(op, body, c=None):
    return struct.pack("<H", op) + (cred() if c is None else c) + body


def q(v):
    return struct.pack("<Q", v)


def u32(v):
    return struct.pack("<I", v)


def lock(ino, owner, pid, kind, cmd, typ, start, end):
    return struct.pack("<QQIBBBQQ", ino, owner, pid, kind, cmd, typ, start,
                       end)


def dirent(ino, cookie, typ, name):
    return struct.pack("<QQB", ino, cookie, typ) + s16(name)


def obj(op, oid, idx, body=b""):
    return struct.pack("<HQI", op, oid, idx) + body


SEEDS = {
    "md_req": {
        "lookup": md(LOOKUP, q(1) + s16("foo"), cred(1000, 100, (10, 20))),
        "getattr": md(GETATTR, q(0x20)),
        "setattr": md(SETATTR, q(0x20) + struct.pack(
            "<IIIIQ", 0x29, S_IFREG | 0o640, 0, 0, 4096) + tm(0) +
            tm(1700000000, 500000000)),
        "create": md(CREATE, q(1) + s16("a.dat") + struct.pack(
            "<IIQ", S_IFREG | 0o644, 1, 0) + layout(MIB, 4, -1, 1)),
        "mknod": md(CREATE, q(1) + s16("tty") + struct.pack(
            "<IIQ", S_IFCHR | 0o600, 0, 0x0501) + layout(0, 0, -1)),
        "mkdir": md(MKDIR, q(1) + s16("dir") + u32(0o755)),
        "unlink": md(UNLINK, q(1) + s16("a.dat")),
        "rmdir": md(RMDIR, q(1) + s16("dir")),
        "rename": md(RENAME, q(1) + s16("a") + q(2) + s16("b") + u32(1)),
        "link": md(LINK, q(0x20) + q(1) + s16("hard")),
        "symlink": md(SYMLINK, q(1) + s16("sl") + s16("../target/x")),
        "readlink": md(READLINK, q(0x21)),
        "readdir": md(READDIR, q(1) + q(0) + u32(65536)),
        "getxattr": md(GETXATTR, q(0x20) + s16("user.a/b") + u32(0)),
        "setxattr": md(SETXATTR, q(0x20) + s16("user.a") + b32(b"v\0x") +
                       u32(2)),
        "listxattr": md(LISTXATTR, q(0x20) + u32(4096)),
        "removexattr": md(REMOVEXATTR, q(0x20) + s16("user.a")),
        "access": md(ACCESS, q(0x20) + u32(7)),
        "close": md(CLOSE, q(0x20) + u32(3) + q(3 * MIB) +
                    tm(1700000002, 1)),
        "setstripe": md(SETSTRIPE, q(1) + layout(4 * MIB, -1, 2, 0)),
        "getstripe": md(GETSTRIPE, q(1)),
        "lock": md(LOCK, q(0x20) + lock(0x20, 0x1122, 42, 2, 3, 1, 0,
                                        U64_MAX)[8:]),
        "many-groups": md(GETATTR, q(1), cred(0, 0, range(64))),
    },
    "obj_req": {
        "read": obj(OBJ_READ, 0x100, 0, q(0) + u32(4 * MIB)),
        "write": obj(OBJ_WRITE, 0x0a0b0c0d, 1, q(MIB) + u32(3) +
                     b32(b"hello")),
        "truncate": obj(OBJ_TRUNCATE, 0x100, 2, q(12345)),
        "punch": obj(OBJ_PUNCH, 0x100, 0, q(4096) + q(8192)),
        "destroy": obj(OBJ_DESTROY, 0x100, 0),
        "sync": obj(OBJ_SYNC, 0x100, 3),
        "getattr": obj(OBJ_GETATTR, 0x100, 3),
        "list-start": obj(OBJ_LIST, 0, 0, u32(1024)),
        "list-after": obj(OBJ_LIST, 0x100, 2, u32(OBJ_LIST_MAX)),
    },
    "entry": {
        "file-2-stripes": attr(0x20, S_IFREG | 0o644, 3 * MIB) + layout(
            MIB, 2, 1, 0, 1, [(1, 0x100), (2, 0x200)]),
        "dir": attr(1, S_IFDIR | 0o755, 4096, 2) + layout(MIB, -1, -1, 1),
        "symlink": attr(0x21, S_IFLNK | 0o777, 11) + layout(0, 0, 0),
        "file-256-stripes": attr(0x22, S_IFREG | 0o600, 1 << 40) + layout(
            MIB, 256, 0, 1, 7, [(i, 0x1000 + i) for i in range(256)]),
    },
    "readdir": {
        "two": b"\x01" + u32(2) + dirent(1, 1, DT_DIR, ".") +
               dirent(0x20, 2, DT_REG, "file"),
        "empty-more": b"\x00" + u32(0),
        "three": b"\x00" + u32(3) + dirent(1, 1, DT_DIR, ".") +
                 dirent(1, 2, DT_DIR, "..") +
                 dirent(0x21, 3, DT_LNK, "n" * 255),
    },
    "lock": {
        "get-conflict": lock(0x20, 1, 7, 2, 1, 0, 100, 199),
        "flock-granted": lock(0x20, 9, 8, 1, 3, 1, 0, U64_MAX),
        "unlock": lock(0x21, 9, 8, 2, 2, 2, 5, 5),
    },
    "layout": {
        "two-stripes": layout(MIB, 2, 1, 0, 1, [(1, 0x100), (2, 0x200)]),
        "dir-default": layout(4 * MIB, -1, -1, 1),
        "one": layout(65536, 1, 5, 0, 3, [(5, U64_MAX)]),
    },
    "obj_list": {
        "empty-eof": b"\x01" + u32(0),
        "two-more": b"\x00" + u32(2) + struct.pack("<QIQI", 0x100, 3,
                                                     0x200, 0),
        "stripes": b"\x01" + u32(4) + b"".join(
            struct.pack("<QI", 0x20, i) for i in range(4)),
        "max": b"\x00" + u32(OBJ_LIST_MAX) + b"".join(
            struct.pack("<QI", 2 + i // 4, i % 4)
            for i in range(OBJ_LIST_MAX)),
    },
    "dir_attrs": {
        "one": b"\x01" + attr(0x10, S_IFDIR | 0o755, 4096, 3),
        "two": b"\x02" + attr(0x10, S_IFDIR | 0o755, 4096, 3) +
               attr(0x11, S_IFDIR | 0o700, 0, 2),
        "none": b"\x00",
        "absent": b"",
        "one-then-more": b"\x01" + attr(1, S_IFDIR | 0o1777, 0, 9) + b"new",
    },
    "obj_attr": {
        "small": struct.pack("<QQQ", 5, 4096, 5),
        "sparse": struct.pack("<QQQ", 1 << 40, 65536, 65536),
        "zero": struct.pack("<QQQ", 0, 0, 0),
        "lz4": struct.pack("<QQQQ", 1 << 20, 65536, 1 << 20, 61000),
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
