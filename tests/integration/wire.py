"""A minimal Python speaker of Glint's wire format, for tests that need to
send frames the C code would never produce (bad checksums, lies about
lengths, unknown opcodes). Layouts: proto/frame.h and proto/msg.h."""
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
