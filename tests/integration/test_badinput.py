"""Bad input: each offending connection is closed with a logged reason and
the server keeps answering a well-behaved client throughout."""
import os
import socket
import struct
import time

import pytest

import wire
from conftest import wait_for

CASES = {
    "garbage": lambda: os.urandom(4096),
    "bad_magic": lambda: wire.frame(wire.OP_PING, 1, wire.ping_payload(), magic=0xDEADBEEF),
    "bad_header_checksum": lambda: wire.frame(wire.OP_PING, 1, wire.ping_payload(),
                                              bad_hcsum=True),
    "bad_payload_checksum": lambda: wire.frame(wire.OP_PING, 1, wire.ping_payload(),
                                               payload_csum=12345),
    "oversized_length": lambda: wire.header(wire.OP_PING, 1, b"", length=0x7FFFFFFF),
    "unknown_opcode": lambda: wire.frame(60000, 1, b""),
    "short_payload": lambda: wire.frame(wire.OP_PING, 1, b"\x01\x02\x03"),
    "bad_version": lambda: wire.frame(wire.OP_PING, 1, wire.ping_payload(), version=99),
    "reserved_bits": lambda: wire.frame(wire.OP_PING, 1, wire.ping_payload(), reserved=7),
    "malformed_hello": lambda: wire.frame(wire.OP_HELLO, 1, b"\x01\x00\x09" + b"\xff" * 12),
    "reply_to_nothing": lambda: wire.frame(wire.OP_PING, 77, wire.ping_payload(),
                                           flags=wire.F_REPLY),
}


def good_client(port):
    c = wire.Conn(port)
    assert c.call(wire.OP_HELLO, wire.hello())["status"] == 0
    return c


def check_alive(c):
    t = time.monotonic_ns()
    r = c.call(wire.OP_PING, wire.ping_payload(t))
    assert r["status"] == 0 and struct.unpack("<Q", r["payload"])[0] == t


@pytest.mark.parametrize("target", ["mds", "oss"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_frame_closes_connection(cluster, target, case):
    proc = cluster.mds if target == "mds" else cluster.osts[0]
    good = good_client(proc.port)
    bad = wire.Conn(proc.port)
    if case != "garbage":
        assert bad.call(wire.OP_HELLO, wire.hello())["status"] == 0
    bad.send(CASES[case]())
    assert bad.is_closed_by_peer(), f"{case}: connection not closed"
    bad.close()
    check_alive(good)
    wait_for(lambda: "closed" in proc.read_log(), 5, "close reason logged")
    good.close()


@pytest.mark.parametrize("target", ["mds", "oss"])
def test_truncated_frame_then_eof(cluster, target):
    """Half a frame then EOF: the server drops it and goes on."""
    proc = cluster.mds if target == "mds" else cluster.osts[0]
    good = good_client(proc.port)
    for cut in (1, 20, 47, 48, 52):
        s = socket.create_connection(("127.0.0.1", proc.port))
        s.sendall(wire.frame(wire.OP_PING, 1, wire.ping_payload())[:cut])
        s.close()
        check_alive(good)
    good.close()


@pytest.mark.parametrize("target", ["mds", "oss"])
def test_connection_flood(cluster, target):
    """Hundreds of idle and garbage connections: a good client is still served."""
    proc = cluster.mds if target == "mds" else cluster.osts[0]
    good = good_client(proc.port)
    socks = []
    try:
        for i in range(600):
            s = socket.socket()
            s.settimeout(5)
            s.connect(("127.0.0.1", proc.port))
            if i % 3 == 0:
                s.sendall(os.urandom(100))
            socks.append(s)
            if i % 100 == 0:
                check_alive(good)
        check_alive(good)
    finally:
        for s in socks:
            s.close()
    check_alive(good)
    # pipelining: many requests in flight on one connection, all answered
    n = 500
    good.send(b"".join(wire.frame(wire.OP_PING, 1000 + i, wire.ping_payload(i))
                       for i in range(n)))
    seen = set()
    for _ in range(n):
        r = good.recv_frame()
        assert struct.unpack("<Q", r["payload"])[0] == r["req_id"] - 1000
        seen.add(r["req_id"])
    assert len(seen) == n
    good.close()
    assert proc.alive()
