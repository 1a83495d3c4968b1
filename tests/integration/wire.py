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
OP_HELLO, OP_PING, OP_STATFS = 1, 2, 3
ROLE_CLIENT, ROLE_MDS, ROLE_OSS, ROLE_TOOL = 1, 2, 3, 4
PROTO_VERSION = 1
(OP_OBJ_READ, OP_OBJ_WRITE, OP_OBJ_TRUNCATE, OP_OBJ_PUNCH, OP_OBJ_DESTROY,
 OP_OBJ_SYNC, OP_OBJ_GETATTR) = range(48, 55)
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
        assert pc == csum(payload)
        return {"op": op, "flags": flags, "status": status, "req_id": req_id,
                "payload": payload}

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
