"""A minimal Python speaker of Glint's wire format, for tests that need to
send frames the C code would never produce (bad checksums, lies about
lengths, unknown opcodes). Layouts: proto/frame.h, proto/msg.h and the
object requests of proto/msg_fs.h."""
import socket
import struct
import time

import xxhash

MAGIC = 0x544E4C47
VERSION = 1
HEADER_LEN = 48
F_REPLY = 1
F_HEAD_CSUM = 2                # payload checksum over the head only
OP_HELLO, OP_PING, OP_STATFS = 1, 2, 3
ROLE_CLIENT, ROLE_MDS, ROLE_OSS, ROLE_TOOL = 1, 2, 3, 4
PROTO_VERSION = 1
(OP_OBJ_READ, OP_OBJ_WRITE, OP_OBJ_TRUNCATE, OP_OBJ_PUNCH, OP_OBJ_DESTROY,
 OP_OBJ_SYNC, OP_OBJ_GETATTR, OP_OBJ_LIST) = range(48, 56)
OP_OBJ_READ_C = 58
OP_OBJ_READ_L = 59
ZCHUNK = 64 * 1024             # PROTO_ZCHUNK_SIZE
OBJ_LIST_MAX = 4096            # PROTO_OBJ_LIST_MAX
OBJ_LZ4, OBJ_SYNC = 0x1, 0x2   # OBJ_WRITE flags (PROTO_OBJ_*)
MAX_IO = 4 << 20               # PROTO_MAX_IO


def csum(b):
    return xxhash.xxh3_64_intdigest(b)


def header(opcode, req_id, payload, flags=0, status=0, version=VERSION,
           magic=MAGIC, length=None, payload_csum=None, reserved=0, bad_hcsum=False):
    length = len(payload) if length is None else length
    pc = csum(payload) if payload_csum is None else payload_csum
    h = struct.pack("<IHHIiQIIQ", magic, version, opcode, flags, status, req_id,
                    length, reserved, pc)
    hc = csum(h) ^ (1 if bad_hcsum else 0)
    return h + struct.pack("<Q", hc)


def frame(opcode, req_id, payload=b"", **kw):
    return header(opcode, req_id, payload, **kw) + payload


def s16(b):
    return struct.pack("<H", len(b)) + b


def hello(fsname=b"fsx", role=ROLE_TOOL, ident=0, host=b"", port=0):
    return struct.pack("<HBI", PROTO_VERSION, role, ident) + s16(fsname) + s16(host) + \
        struct.pack("<H", port)


def ping_payload(t=None):
    return struct.pack("<Q", t if t is not None else time.monotonic_ns())


# --- object requests (msg_fs.h): 8 object_id | 4 stripe_idx | ... ---

def obj_read(oid, idx, off, length):
    return struct.pack("<QIQI", oid, idx, off, length)


def obj_write(oid, idx, off, data, flags=0):
    return struct.pack("<QIQII", oid, idx, off, flags, len(data)) + data


def obj_truncate(oid, idx, size):
    return struct.pack("<QIQ", oid, idx, size)


def obj_punch(oid, idx, off, length):
    return struct.pack("<QIQQ", oid, idx, off, length)


def obj_ref(oid, idx):
    """OBJ_DESTROY, OBJ_SYNC and OBJ_GETATTR requests."""
    return struct.pack("<QI", oid, idx)


def obj_list(after_oid=0, after_idx=0, max_entries=OBJ_LIST_MAX):
    """OBJ_LIST request: the objects strictly after (after_oid, after_idx)."""
    return struct.pack("<QII", after_oid, after_idx, max_entries)


def parse_obj_list(payload):
    """OBJ_LIST reply -> (eof, [(object_id, stripe_idx), ...])."""
    eof, count = struct.unpack_from("<BI", payload)
    assert len(payload) == 5 + 12 * count
    return bool(eof), [struct.unpack_from("<QI", payload, 5 + 12 * i)
                       for i in range(count)]


def statfs(payload):
    """STATFS reply -> dict."""
    keys = ("target", "index", "total", "used", "avail", "files", "files_used")
    return dict(zip(keys, struct.unpack_from("<BIQQQQQ", payload)))


def readc(payload, req_len, payload_csum):
    """An OBJ_READ_C reply (proto/msg_zio.h): checks the head checksum, the
    count and every piece's checksum; returns the data."""
    count = (req_len + ZCHUNK - 1) // ZCHUNK
    head = 8 + 8 * count
    assert csum(payload[:head]) == payload_csum
    data_len, n = struct.unpack_from("<II", payload)
    assert n == count and data_len <= req_len
    data = payload[head:]
    assert len(data) == data_len
    sums = struct.unpack_from(f"<{count}Q", payload, 8)
    for i, s in enumerate(sums):
        piece = data[i * ZCHUNK:(i + 1) * ZCHUNK]
        assert s == (csum(piece) if piece else 0), f"piece {i}"
    return data


def readl(payload, req_len):
    """An OBJ_READ_L reply (proto/msg_zio.h): checks the count and that the
    path fills the payload; returns (data_len, [csum...], path str)."""
    count = (req_len + ZCHUNK - 1) // ZCHUNK
    data_len, n = struct.unpack_from("<II", payload)
    assert n == count and data_len <= req_len
    sums = list(struct.unpack_from(f"<{count}Q", payload, 8))
    plen, = struct.unpack_from("<H", payload, 8 + 8 * count)
    path = payload[10 + 8 * count:]
    assert len(path) == plen
    assert (plen == 0) == (data_len == 0)
    return data_len, sums, path.decode()


def blob(payload):
    """A u32-length blob (OBJ_READ's reply); checks it fills the payload."""
    n, = struct.unpack_from("<I", payload)
    assert len(payload) == 4 + n
    return payload[4:]


def u64(payload):
    return struct.unpack_from("<Q", payload)[0]


def obj_attr(payload):
    """OBJ_GETATTR reply: (size, disk_bytes, logical_bytes)."""
    return struct.unpack_from("<QQQ", payload)


def error_reason(payload):
    """The reason of an ERROR payload (a str)."""
    n, = struct.unpack_from("<H", payload)
    return payload[2:2 + n].decode()


class Conn:
    """A blocking connection speaking frames."""

    def __init__(self, port, host="127.0.0.1", timeout=5.0):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.req = 0

    def send(self, data):
        self.s.sendall(data)

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError("connection closed")
            buf += chunk
        return buf

    def recv_frame(self):
        h = self.recv_exact(HEADER_LEN)
        magic, ver, op, flags, status, req_id, length, _res, pc, hc = \
            struct.unpack("<IHHIiQIIQQ", h)
        assert magic == MAGIC and hc == csum(h[:40])
        payload = self.recv_exact(length)
        if not flags & F_HEAD_CSUM:  # else the message has its own (readc)
            assert pc == csum(payload)
        return {"op": op, "flags": flags, "status": status, "req_id": req_id,
                "payload": payload, "payload_csum": pc}

    def call(self, opcode, payload=b""):
        self.req += 1
        self.send(frame(opcode, self.req, payload))
        r = self.recv_frame()
        assert r["req_id"] == self.req and r["flags"] & F_REPLY
        return r

    def is_closed_by_peer(self, timeout=5.0):
        """True when the server closes the connection (EOF or reset)."""
        self.s.settimeout(timeout)
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


# --- metadata requests (proto/msg_fs.h): cred | opcode's fields ---

(OP_LOOKUP, OP_GETATTR, OP_SETATTR, OP_CREATE, OP_MKDIR, OP_UNLINK, OP_RMDIR,
 OP_RENAME, OP_LINK, OP_SYMLINK, OP_READLINK, OP_READDIR, OP_GETXATTR,
 OP_SETXATTR, OP_LISTXATTR, OP_REMOVEXATTR, OP_ACCESS, OP_CLOSE, OP_SETSTRIPE,
 OP_GETSTRIPE, OP_LOCK) = range(16, 37)
SET_MODE, SET_UID, SET_GID, SET_SIZE = 0x1, 0x2, 0x4, 0x8
SET_ATIME, SET_MTIME, SET_ATIME_NOW, SET_MTIME_NOW, SET_FROM_OPEN = \
    0x10, 0x20, 0x40, 0x80, 0x100
CREATE_EXCL = 0x1
RENAME_NOREPLACE, RENAME_EXCHANGE = 0x1, 0x2
CLOSE_SIZE, CLOSE_MTIME = 0x1, 0x2
LOCK_FLOCK, LOCK_POSIX = 1, 2
LOCK_GET, LOCK_SET, LOCK_SETW = 1, 2, 3
LOCK_RD, LOCK_WR, LOCK_UN = 0, 1, 2
ROOT_INO = 1
S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO = 0o100000, 0o040000, 0o120000, 0o010000


def md_cred(uid=0, gid=0, groups=()):
    return struct.pack("<IIH", uid, gid, len(groups)) + \
        b"".join(struct.pack("<I", g) for g in groups)


def _name(n):
    return s16(n.encode() if isinstance(n, str) else n)


def _time(t):
    """(seconds, nanoseconds) or seconds as a number."""
    if isinstance(t, tuple):
        return struct.pack("<qI", *t)
    return struct.pack("<qI", int(t), int((t - int(t)) * 1e9))


def md_layout(stripe_size=0, stripe_count=0, first_ost=-1, pattern=0):
    """A layout request (no stripes)."""
    return struct.pack("<IiiIII", stripe_size, stripe_count, first_ost, pattern, 0, 0)


def md_lookup(parent, name, cred=b""):
    return (cred or md_cred()) + struct.pack("<Q", parent) + _name(name)


def md_ino(ino, cred=b""):
    """GETATTR, READLINK, GETSTRIPE."""
    return (cred or md_cred()) + struct.pack("<Q", ino)


def md_setattr(ino, valid, mode=0, uid=0, gid=0, size=0, atime=(0, 0),
               mtime=(0, 0), cred=b""):
    return (cred or md_cred()) + struct.pack("<QIIIIQ", ino, valid, mode, uid, gid, size) + \
        _time(atime) + _time(mtime)


def md_create(parent, name, mode=S_IFREG | 0o644, flags=0, rdev=0, layout=None,
              cred=b""):
    return (cred or md_cred()) + struct.pack("<Q", parent) + _name(name) + \
        struct.pack("<IIQ", mode, flags, rdev) + (layout or md_layout(first_ost=-1))


def md_mkdir(parent, name, mode=0o755, cred=b""):
    return (cred or md_cred()) + struct.pack("<Q", parent) + _name(name) + \
        struct.pack("<I", mode)


def md_rename(parent, name, newparent, newname, flags=0, cred=b""):
    return (cred or md_cred()) + struct.pack("<Q", parent) + _name(name) + \
        struct.pack("<Q", newparent) + _name(newname) + struct.pack("<I", flags)


def md_link(ino, newparent, newname, cred=b""):
    return (cred or md_cred()) + struct.pack("<QQ", ino, newparent) + _name(newname)


def md_symlink(parent, name, target, cred=b""):
    return (cred or md_cred()) + struct.pack("<Q", parent) + _name(name) + _name(target)


def md_readdir(ino, cookie=0, max_bytes=65536, cred=b""):
    return (cred or md_cred()) + struct.pack("<QQI", ino, cookie, max_bytes)


def md_getxattr(ino, name, size, cred=b""):
    return (cred or md_cred()) + struct.pack("<Q", ino) + _name(name) + struct.pack("<I", size)


def md_setxattr(ino, name, value, flags=0, cred=b""):
    return (cred or md_cred()) + struct.pack("<Q", ino) + _name(name) + \
        struct.pack("<I", len(value)) + value + struct.pack("<I", flags)


def md_listxattr(ino, size, cred=b""):
    return (cred or md_cred()) + struct.pack("<QI", ino, size)


def md_access(ino, mask, cred=b""):
    return (cred or md_cred()) + struct.pack("<QI", ino, mask)


def md_close(ino, flags, size=0, mtime=(0, 0), cred=b""):
    return (cred or md_cred()) + struct.pack("<QIQ", ino, flags, size) + _time(mtime)


def md_setstripe(ino, layout, cred=b""):
    return (cred or md_cred()) + struct.pack("<Q", ino) + layout


def md_lock(ino, owner, kind, cmd, typ, start=0, end=(1 << 64) - 1, pid=1, cred=b""):
    return (cred or md_cred()) + struct.pack("<QQIBBBQQ", ino, owner, pid, kind, cmd, typ,
                                             start, end)


# --- metadata replies ---

ATTR_FIELDS = ("ino", "mode", "uid", "gid", "nlink", "gen", "size", "blocks", "rdev",
               "atime", "atime_ns", "mtime", "mtime_ns", "ctime", "ctime_ns")


def parse_layout(p, off=0):
    """-> (dict, next offset)"""
    ss, sc, first, pattern, gen, n = struct.unpack_from("<IiiIII", p, off)
    off += 24
    stripes = []
    for _ in range(n):
        stripes.append(struct.unpack_from("<IQ", p, off))
        off += 12
    return {"stripe_size": ss, "stripe_count": sc, "first_ost": first,
            "pattern": pattern, "gen": gen, "stripes": stripes}, off


def parse_attr(p, off=0):
    """-> (dict of ATTR_FIELDS, next offset)"""
    vals = struct.unpack_from("<QIIIIIQQQqIqIqI", p, off)
    return dict(zip(ATTR_FIELDS, vals)), off + 88


def parse_dir_attrs(p, off=0):
    """dir_attrs (msg_fs.h): -> list of attr dicts ([] when absent)."""
    if off == len(p):
        return []
    n = p[off]
    off += 1
    out = []
    for _ in range(n):
        a, off = parse_attr(p, off)
        out.append(a)
    assert off == len(p), "trailing bytes after dir_attrs"
    return out


def parse_entry(p):
    """An entry reply: attr fields plus 'layout', and 'dir_attrs' (the
    changed directories' attributes CREATE, MKDIR, SYMLINK and LINK append;
    [] for the others)."""
    e, off = parse_attr(p, 0)
    e["layout"], off = parse_layout(p, off)
    e["dir_attrs"] = parse_dir_attrs(p, off)
    return e


def parse_readdir(p):
    """-> (eof, [(ino, cookie, type, name)])"""
    eof, count = struct.unpack_from("<BI", p, 0)
    off, out = 5, []
    for _ in range(count):
        ino, cookie, typ, n = struct.unpack_from("<QQBH", p, off)
        off += 19
        out.append((ino, cookie, typ, p[off:off + n].decode()))
        off += n
    assert off == len(p)
    return bool(eof), out


def parse_lock(p):
    ino, owner, pid, kind, cmd, typ, start, end = struct.unpack_from("<QQIBBBQQ", p)
    return {"ino": ino, "owner": owner, "pid": pid, "kind": kind, "cmd": cmd,
            "type": typ, "start": start, "end": end}


class MdConn:
    """A HELLO'd connection to the MDS with one call per metadata request.
    Calls return (status, parsed reply or raw payload)."""

    def __init__(self, port, fsname=b"fsx", role=ROLE_CLIENT, timeout=30.0):
        self.c = Conn(port, timeout=timeout)
        r = self.c.call(OP_HELLO, hello(fsname=fsname, role=role))
        assert r["status"] == 0, r

    def raw(self, op, payload):
        r = self.c.call(op, payload)
        return r["status"], r["payload"]

    def entry(self, op, payload):
        st, p = self.raw(op, payload)
        return st, (parse_entry(p) if st == 0 else p)

    def lookup(self, parent, name, **kw):
        return self.entry(OP_LOOKUP, md_lookup(parent, name, **kw))

    def getattr(self, ino, **kw):
        return self.entry(OP_GETATTR, md_ino(ino, **kw))

    def setattr(self, ino, valid, **kw):
        return self.entry(OP_SETATTR, md_setattr(ino, valid, **kw))

    def create(self, parent, name, **kw):
        return self.entry(OP_CREATE, md_create(parent, name, **kw))

    def mkdir(self, parent, name, **kw):
        return self.entry(OP_MKDIR, md_mkdir(parent, name, **kw))

    def dirs_call(self, op, payload):
        """UNLINK, RMDIR, RENAME: the status; the reply's dir_attrs are
        left in self.dir_attrs ([] on failure)."""
        st, p = self.raw(op, payload)
        self.dir_attrs = parse_dir_attrs(p) if st == 0 else []
        return st

    def unlink(self, parent, name, **kw):
        return self.dirs_call(OP_UNLINK, md_lookup(parent, name, **kw))

    def rmdir(self, parent, name, **kw):
        return self.dirs_call(OP_RMDIR, md_lookup(parent, name, **kw))

    def rename(self, parent, name, newparent, newname, flags=0, **kw):
        return self.dirs_call(OP_RENAME, md_rename(parent, name, newparent, newname, flags, **kw))

    def link(self, ino, newparent, newname, **kw):
        return self.entry(OP_LINK, md_link(ino, newparent, newname, **kw))

    def symlink(self, parent, name, target, **kw):
        return self.entry(OP_SYMLINK, md_symlink(parent, name, target, **kw))

    def readlink(self, ino, **kw):
        st, p = self.raw(OP_READLINK, md_ino(ino, **kw))
        if st:
            return st, None
        n, = struct.unpack_from("<H", p)
        return st, p[2:2 + n].decode()

    def readdir(self, ino, cookie=0, max_bytes=65536, **kw):
        st, p = self.raw(OP_READDIR, md_readdir(ino, cookie, max_bytes, **kw))
        return st, (parse_readdir(p) if st == 0 else None)

    def listdir(self, ino, max_bytes=4096, **kw):
        """Every entry but . and .., by as many READDIR calls as it takes."""
        cookie, names, calls = 0, [], 0
        while True:
            st, r = self.readdir(ino, cookie, max_bytes, **kw)
            assert st == 0, st
            calls += 1
            eof, ents = r
            for ino_, ck, typ, name in ents:
                if name not in (".", ".."):
                    names.append(name)
                cookie = ck
            if eof:
                return names, calls
            assert ents, "no progress without eof"

    def getxattr(self, ino, name, size=65536, **kw):
        st, p = self.raw(OP_GETXATTR, md_getxattr(ino, name, size, **kw))
        if st:
            return st, None
        total, n = struct.unpack_from("<II", p)
        return st, (total, p[8:8 + n])

    def setxattr(self, ino, name, value, flags=0, **kw):
        return self.raw(OP_SETXATTR, md_setxattr(ino, name, value, flags, **kw))[0]

    def listxattr(self, ino, size=65536, **kw):
        st, p = self.raw(OP_LISTXATTR, md_listxattr(ino, size, **kw))
        if st:
            return st, None
        total, n = struct.unpack_from("<II", p)
        return st, [x.decode() for x in p[8:8 + n].split(b"\0") if x]

    def access(self, ino, mask, **kw):
        return self.raw(OP_ACCESS, md_access(ino, mask, **kw))[0]

    def close_file(self, ino, flags, size=0, mtime=(0, 0), **kw):
        return self.entry(OP_CLOSE, md_close(ino, flags, size, mtime, **kw))

    def setstripe(self, ino, layout, **kw):
        return self.raw(OP_SETSTRIPE, md_setstripe(ino, layout, **kw))[0]

    def getstripe(self, ino, **kw):
        st, p = self.raw(OP_GETSTRIPE, md_ino(ino, **kw))
        return st, (parse_layout(p)[0] if st == 0 else None)

    def lock(self, ino, owner, kind, cmd, typ, start=0, end=(1 << 64) - 1, **kw):
        st, p = self.raw(OP_LOCK, md_lock(ino, owner, kind, cmd, typ, start, end, **kw))
        return st, (parse_lock(p) if st == 0 else None)

    def close(self):
        self.c.close()

