"""Object I/O on one OSS over the wire: OBJ_READ/WRITE/TRUNCATE/PUNCH/
DESTROY/SYNC/GETATTR answered by the I/O workers.

Numbered like Lustre's sanity.sh: one line of purpose per test. Each test
starts its own MDS and OSS (ephemeral ports, temporary directory) and checks
that they exit cleanly."""
import errno
import socket
import subprocess
import glob
import os
import random
import struct
import threading
import time

import pytest

import wire
from conftest import Cluster, oss_counter, wait_for

CHUNK = 64 * 1024  # OBJSTORE_CHUNK_SIZE


@pytest.fixture
def ost(bindir, workdir):
    """Factory: an MDS and one OSS of the given capacity; returns the OSS."""
    clusters = []

    def start(capacity="1G", *extra):
        c = Cluster(bindir, workdir)
        clusters.append(c)
        c.start_mds()
        p = c.start_oss(0, capacity, *extra)
        p.dir = os.path.join(workdir, "ost0")
        return p
    yield start
    codes = {}
    for c in clusters:
        codes.update(c.stop())
    bad = {k: v for k, v in codes.items() if v != 0}
    assert not bad, f"servers did not exit cleanly: {bad}"


def client(port):
    c = wire.Conn(port, timeout=20.0)
    assert c.call(wire.OP_HELLO, wire.hello())["status"] == 0
    return c


def write(c, oid, off, data, flags=0, idx=0):
    r = c.call(wire.OP_OBJ_WRITE, wire.obj_write(oid, idx, off, data, flags))
    assert r["status"] == 0, (r["status"], r["payload"])
    return wire.u64(r["payload"])


def read(c, oid, off, length, idx=0):
    r = c.call(wire.OP_OBJ_READ, wire.obj_read(oid, idx, off, length))
    assert r["status"] == 0, (r["status"], r["payload"])
    return wire.blob(r["payload"])


def getattr_(c, oid, idx=0):
    r = c.call(wire.OP_OBJ_GETATTR, wire.obj_ref(oid, idx))
    return r["status"], (wire.obj_attr(r["payload"]) if r["status"] == 0 else None)


def check_alive(c):
    t = time.monotonic_ns()
    r = c.call(wire.OP_PING, wire.ping_payload(t))
    assert r["status"] == 0 and wire.u64(r["payload"]) == t


def test_1a_random_writes_match_shadow(ost):
    """Writes at random offsets (raw and LZ4) read back like a shadow copy."""
    p = ost()
    c = client(p.port)
    rnd = random.Random(1234)
    shadow = bytearray()
    oid = 0x1234
    for i in range(60):
        off = rnd.randrange(0, 1 << 20)
        n = rnd.randrange(1, 200 * 1024)
        if i % 3 == 0:   # compressible
            data = bytes([rnd.randrange(256)]) * (n // 2) + os.urandom(n - n // 2)
        else:
            data = rnd.randbytes(n)
        flags = wire.OBJ_LZ4 if i % 2 else 0
        size = write(c, oid, off, data, flags)
        if len(shadow) < off + n:
            shadow.extend(b"\0" * (off + n - len(shadow)))
        shadow[off:off + n] = data
        assert size == len(shadow)
    for _ in range(60):
        off = rnd.randrange(0, len(shadow) + CHUNK)
        n = rnd.randrange(0, 300 * 1024)
        assert read(c, oid, off, n) == bytes(shadow[off:off + n])
    assert read(c, oid, 0, len(shadow)) == bytes(shadow)
    st, attr = getattr_(c, oid)
    assert st == 0 and attr[0] == len(shadow)
    c.close()


def test_1b_holes_read_zeros(ost):
    """A hole before written data reads as zeros; past the end is short."""
    p = ost()
    c = client(p.port)
    data = os.urandom(10000)
    assert write(c, 7, 3 * CHUNK + 100, data) == 3 * CHUNK + 100 + len(data)
    assert read(c, 7, 0, 3 * CHUNK + 100) == b"\0" * (3 * CHUNK + 100)
    got = read(c, 7, 3 * CHUNK, 2 * CHUNK)
    assert got == b"\0" * 100 + data
    assert read(c, 7, 10 * CHUNK, 4096) == b""
    assert read(c, 999, 0, 4096) == b""   # absent object: empty
    st, attr = getattr_(c, 7)
    assert st == 0 and attr[0] == 3 * CHUNK + 100 + len(data)
    assert attr[2] < 2 * CHUNK  # only the written chunk is stored
    c.close()


def test_1c_truncate(ost):
    """Truncate shrinks (the tail reads as zeros when grown again) and grows."""
    p = ost()
    c = client(p.port)
    data = os.urandom(3 * CHUNK)
    write(c, 8, 0, data)
    r = c.call(wire.OP_OBJ_TRUNCATE, wire.obj_truncate(8, 0, CHUNK + 10))
    assert r["status"] == 0
    assert getattr_(c, 8)[1][0] == CHUNK + 10
    assert read(c, 8, 0, 4 * CHUNK) == data[:CHUNK + 10]
    r = c.call(wire.OP_OBJ_TRUNCATE, wire.obj_truncate(8, 0, 5 * CHUNK))
    assert r["status"] == 0
    got = read(c, 8, 0, 6 * CHUNK)
    assert got == data[:CHUNK + 10] + b"\0" * (4 * CHUNK - 10)
    r = c.call(wire.OP_OBJ_TRUNCATE, wire.obj_truncate(77, 0, 12345))
    assert r["status"] == 0 and getattr_(c, 77)[1][0] == 12345  # creates
    c.close()


def test_1d_punch(ost):
    """Punch zeroes a range and keeps the size; an absent object is fine."""
    p = ost()
    c = client(p.port)
    data = os.urandom(4 * CHUNK)
    write(c, 9, 0, data)
    disk_before = getattr_(c, 9)[1][1]
    r = c.call(wire.OP_OBJ_PUNCH, wire.obj_punch(9, 0, 100, 2 * CHUNK))
    assert r["status"] == 0
    expect = data[:100] + b"\0" * (2 * CHUNK) + data[100 + 2 * CHUNK:]
    assert read(c, 9, 0, 4 * CHUNK) == expect
    st, attr = getattr_(c, 9)
    assert attr[0] == 4 * CHUNK and attr[1] < disk_before  # chunk 1 freed
    r = c.call(wire.OP_OBJ_PUNCH, wire.obj_punch(4242, 0, 0, CHUNK))
    assert r["status"] == 0
    c.close()


def test_1e_destroy(ost):
    """Destroy removes the object and frees its space; twice is fine."""
    p = ost()
    c = client(p.port)
    write(c, 10, 0, os.urandom(CHUNK), idx=3)
    assert getattr_(c, 10, idx=3)[0] == 0
    assert getattr_(c, 10, idx=0)[0] == -errno.ENOENT  # other stripe
    for _ in range(2):
        r = c.call(wire.OP_OBJ_DESTROY, wire.obj_ref(10, 3))
        assert r["status"] == 0
    st, _ = getattr_(c, 10, idx=3)
    assert st == -errno.ENOENT
    assert read(c, 10, 0, CHUNK, idx=3) == b""
    assert not glob.glob(os.path.join(p.dir, "**", "*.dat"), recursive=True)
    c.close()


def test_1f_getattr_and_lz4(ost):
    """GETATTR reports size, disk and logical bytes; LZ4 saves disk."""
    p = ost()
    c = client(p.port)
    data = b"glint " * (8 * CHUNK // 6)
    write(c, 11, 0, data, wire.OBJ_LZ4)
    write(c, 12, 0, data)
    _, (size_z, disk_z, logical_z) = getattr_(c, 11)
    _, (size_r, disk_r, logical_r) = getattr_(c, 12)
    assert size_z == size_r == len(data) and logical_z == logical_r == len(data)
    assert disk_z < disk_r // 4
    assert read(c, 11, 0, len(data)) == data
    c.close()


def test_1g_sync(ost):
    """OBJ_SYNC and writes with PROTO_OBJ_SYNC succeed; syncing nothing too."""
    p = ost()
    c = client(p.port)
    data = os.urandom(5000)
    assert write(c, 13, 0, data, wire.OBJ_SYNC | wire.OBJ_LZ4) == 5000
    assert c.call(wire.OP_OBJ_SYNC, wire.obj_ref(13, 0))["status"] == 0
    assert c.call(wire.OP_OBJ_SYNC, wire.obj_ref(14, 0))["status"] == 0
    assert read(c, 13, 0, 5000) == data
    c.close()


def test_1h_size_after_overwrite(ost):
    """OBJ_WRITE answers the object's size, also for a write inside it."""
    p = ost()
    c = client(p.port)
    assert write(c, 15, 0, os.urandom(3 * CHUNK)) == 3 * CHUNK
    assert write(c, 15, 10, b"x" * 10) == 3 * CHUNK
    assert write(c, 15, 5 * CHUNK, b"") in (3 * CHUNK, 5 * CHUNK)
    c.close()


def test_2a_enospc_keeps_old_data(ost):
    """A full OST refuses writes with ENOSPC, old data intact; destroy frees."""
    p = ost("2M")
    c = client(p.port)
    a = os.urandom(1 << 20)
    write(c, 1, 0, a)
    b = os.urandom(3 << 19)  # 1.5 MiB: does not fit next to a
    r = c.call(wire.OP_OBJ_WRITE, wire.obj_write(2, 0, 0, b))
    assert r["status"] == -errno.ENOSPC
    assert "space" in wire.error_reason(r["payload"])
    r = c.call(wire.OP_OBJ_WRITE, wire.obj_write(1, 0, 1 << 19, os.urandom(3 << 19)))
    assert r["status"] == -errno.ENOSPC
    assert read(c, 1, 0, len(a)) == a
    assert getattr_(c, 1)[1][0] == len(a)
    check_alive(c)
    assert c.call(wire.OP_OBJ_DESTROY, wire.obj_ref(1, 0))["status"] == 0
    assert write(c, 2, 0, b) == len(b)
    assert read(c, 2, 0, len(b)) == b
    c.close()


def test_2b_flipped_byte_is_eio(ost):
    """A corrupted chunk reads as -EIO; the connection and other chunks live."""
    p = ost()
    c = client(p.port)
    data = os.urandom(2 * CHUNK)
    write(c, 0xABC, 0, data)
    dats = glob.glob(os.path.join(p.dir, "**", "*.dat"), recursive=True)
    assert len(dats) == 1
    with open(dats[0], "r+b") as f:
        f.seek(1000)
        b = f.read(1)
        f.seek(1000)
        f.write(bytes([b[0] ^ 0x40]))
    r = c.call(wire.OP_OBJ_READ, wire.obj_read(0xABC, 0, 0, 4096))
    assert r["status"] == -errno.EIO
    assert "checksum" in wire.error_reason(r["payload"])
    check_alive(c)
    assert read(c, 0xABC, CHUNK, CHUNK) == data[CHUNK:]
    # Rewriting the whole chunk heals it.
    write(c, 0xABC, 0, data[:CHUNK])
    assert read(c, 0xABC, 0, 2 * CHUNK) == data
    c.close()


def test_2c_pipelined_writes_all_answered(ost):
    """2000 writes sent back to back on one connection all get their reply."""
    p = ost()
    c = client(p.port)
    n, size = 2000, 4096
    blocks = [os.urandom(size) for _ in range(n)]
    frames = [wire.frame(wire.OP_OBJ_WRITE, 1000 + i,
                         wire.obj_write(100 + i % 4, 0, (i // 4) * size, blocks[i],
                                        wire.OBJ_LZ4 if i % 2 else 0))
              for i in range(n)]
    sender = threading.Thread(target=lambda: c.send(b"".join(frames)))
    sender.start()
    seen = set()
    for _ in range(n):
        r = c.recv_frame()
        assert r["status"] == 0 and r["op"] == wire.OP_OBJ_WRITE
        assert r["req_id"] not in seen
        seen.add(r["req_id"])
    sender.join()
    assert seen == set(range(1000, 1000 + n))
    c.req = 5000
    for o in range(4):
        got = read(c, 100 + o, 0, (n // 4) * size)
        assert got == b"".join(blocks[o::4])
    c.close()


MALFORMED = {
    "read_short": lambda: wire.frame(wire.OP_OBJ_READ, 1, wire.obj_read(1, 0, 0, 10)[:-1]),
    "read_too_long": lambda: wire.frame(wire.OP_OBJ_READ, 1,
                                        wire.obj_read(1, 0, 0, wire.MAX_IO + 1)),
    "write_blob_past_end": lambda: wire.frame(
        wire.OP_OBJ_WRITE, 1, wire.obj_write(1, 0, 0, b"abcd")[:-2]),
    "write_too_long": lambda: wire.frame(
        wire.OP_OBJ_WRITE, 1, struct.pack("<QIQII", 1, 0, 0, 0, wire.MAX_IO + 1)
        + b"\0" * 64),
    "truncate_short": lambda: wire.frame(wire.OP_OBJ_TRUNCATE, 1, wire.obj_ref(1, 0)),
    "punch_short": lambda: wire.frame(wire.OP_OBJ_PUNCH, 1,
                                      wire.obj_punch(1, 0, 0, 9)[:-4]),
    "getattr_short": lambda: wire.frame(wire.OP_OBJ_GETATTR, 1, b"\1" * 11),
    "write_unknown_flag": lambda: wire.frame(
        wire.OP_OBJ_WRITE, 1, wire.obj_write(1, 0, 0, b"x", flags=0x80)),
    "read_off_past_int64": lambda: wire.frame(
        wire.OP_OBJ_READ, 1, wire.obj_read(1, 0, 1 << 63, 10)),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_3a_malformed_object_request_closes(ost, case):
    """A malformed OBJ_* request closes that connection only."""
    p = ost()
    good = client(p.port)
    bad = client(p.port)
    bad.send(MALFORMED[case]())
    assert bad.is_closed_by_peer(), f"{case}: connection not closed"
    bad.close()
    check_alive(good)
    assert write(good, 5, 0, b"still fine") == 10
    wait_for(lambda: "closed" in p.read_log(), 5, "close reason logged")
    good.close()


def test_3b_object_request_before_hello(ost):
    """Object requests before HELLO get -EPROTO; the connection stays."""
    p = ost()
    c = wire.Conn(p.port)
    r = c.call(wire.OP_OBJ_READ, wire.obj_read(1, 0, 0, 10))
    assert r["status"] == -errno.EPROTO
    r = c.call(wire.OP_OBJ_WRITE, wire.obj_write(1, 0, 0, b"x"))
    assert r["status"] == -errno.EPROTO
    assert c.call(wire.OP_HELLO, wire.hello())["status"] == 0
    assert write(c, 1, 0, b"x") == 1
    c.close()


def test_3c_unknown_write_flags_close(ost):
    """OBJ_WRITE with a flag bit the protocol does not define is malformed:
    msg_obj_req_decode refuses it and the connection is closed."""
    p = ost()
    good = client(p.port)
    c = client(p.port)
    c.send(wire.frame(wire.OP_OBJ_WRITE, 99, wire.obj_write(1, 0, 0, b"x", flags=0x80)))
    assert c.is_closed_by_peer()
    c.close()
    check_alive(good)
    good.close()


def test_4a_counters_logged_at_stop(ost):
    """DataRead/Write Bytes/Operations are counted and logged on shutdown."""
    p = ost()
    c = client(p.port)
    write(c, 1, 0, b"a" * 1000)
    write(c, 1, 1000, b"b" * 500)
    assert len(read(c, 1, 0, 4096)) == 1500
    c.close()
    assert p.stop() == 0
    with open(p.log_path, errors="replace") as f:
        log = f.read()
    assert "DataReadBytes=1500 DataWriteBytes=1500" in log
    assert "DataReadOperations=1 DataWriteOperations=2" in log


def test_5a_fail_loc_errors(ost):
    """--fail-loc oss_write_enospc,oss_read_eio fails those calls on purpose."""
    p = ost("1G", "--fail-loc", "oss_write_enospc,oss_read_eio")
    c = client(p.port)
    r = c.call(wire.OP_OBJ_WRITE, wire.obj_write(1, 0, 0, b"x"))
    assert r["status"] == -errno.ENOSPC
    r = c.call(wire.OP_OBJ_READ, wire.obj_read(1, 0, 0, 1))
    assert r["status"] == -errno.EIO
    r = c.call(wire.OP_OBJ_TRUNCATE, wire.obj_truncate(1, 0, 10))
    assert r["status"] == 0
    assert "fault injection on" in p.read_log()
    c.close()


def test_5b_fail_loc_reply_drop(ost):
    """--fail-loc oss_reply_drop: object replies never come; PING still does."""
    p = ost("1G", "--fail-loc", "oss_reply_drop")
    c = client(p.port)
    c.send(wire.frame(wire.OP_OBJ_GETATTR, 50, wire.obj_ref(1, 0)))
    c.s.settimeout(1.0)
    with pytest.raises(socket.timeout):
        c.recv_frame()
    c.s.settimeout(5.0)
    check_alive(c)
    c.close()


def test_5c_fail_loc_unknown_name(bindir, workdir):
    """An unknown --fail-loc name stops startup with a clear line."""
    r = subprocess.run([os.path.join(bindir, "oss/glint-oss"), "--dir", workdir,
                        "--listen", "127.0.0.1:0", "--fail-loc", "oss_nope"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "bad --fail-loc" in r.stderr


def readc(c, oid, off, length, idx=0):
    """OBJ_READ_C: the data, every piece checked against its checksum."""
    r = c.call(wire.OP_OBJ_READ_C, wire.obj_read(oid, idx, off, length))
    assert r["status"] == 0, (r["status"], r["payload"])
    assert r["flags"] & wire.F_HEAD_CSUM
    return wire.readc(r["payload"], length, r["payload_csum"])


@pytest.mark.parametrize("mode", ["on", "off", "auto"])
def test_6a_read_c(ost, mode):
    """OBJ_READ_C answers every layout right, with a checksum per chunk:
    raw aligned ranges straight from the data file (--sendfile on), holes,
    partial chunks, unaligned ranges and compressed chunks read and
    checksummed anew; auto sends nothing with sendfile to this host."""
    p = ost("1G", "--sendfile", mode)
    c = client(p.port)
    rnd = random.Random(6)
    data = rnd.randbytes(3 * CHUNK + CHUNK // 2)
    write(c, 1, 0, data)
    assert readc(c, 1, 0, 4 * CHUNK) == data             # short at the end
    assert readc(c, 1, CHUNK, 2 * CHUNK) == data[CHUNK:3 * CHUNK]
    assert readc(c, 1, 100, CHUNK) == data[100:100 + CHUNK]  # unaligned
    assert readc(c, 1, 4 * CHUNK, CHUNK) == b""           # past the end
    assert readc(c, 2, 0, CHUNK) == b""                   # no such object
    write(c, 3, 2 * CHUNK, b"z" * CHUNK)                  # a hole first
    assert readc(c, 3, 0, 3 * CHUNK) == bytes(2 * CHUNK) + b"z" * CHUNK
    write(c, 4, 0, b"p" * 1000)                           # a partial chunk
    write(c, 4, CHUNK, b"q" * CHUNK)
    assert readc(c, 4, 0, 2 * CHUNK) == b"p" * 1000 + bytes(CHUNK - 1000) + \
        b"q" * CHUNK
    text = b"".join(b"%08d,some,csv,text\n" % i for i in range(20000))[:2 * CHUNK]
    write(c, 5, 0, text, wire.OBJ_LZ4)                    # stored LZ4
    assert readc(c, 5, 0, 2 * CHUNK) == text
    big = rnd.randbytes(wire.MAX_IO)
    write(c, 6, 0, big)
    assert readc(c, 6, 0, wire.MAX_IO) == big
    # OBJ_READ still answers the same bytes
    assert read(c, 1, 0, 4 * CHUNK) == data
    c.close()
    assert p.stop() == 0
    sent = oss_counter(p, "SendfileBytes")
    if mode == "on":  # the raw aligned ranges: objects 1 (twice), 6
        assert sent == len(data) + 2 * CHUNK + wire.MAX_IO
    else:
        assert sent == 0


def test_6b_read_c_limits(ost):
    """An OBJ_READ_C over PROTO_MAX_IO closes the connection; the OSS goes
    on serving others."""
    p = ost("1G", "--sendfile", "on")
    c = client(p.port)
    c.send(wire.frame(wire.OP_OBJ_READ_C, 9, wire.obj_read(1, 0, 0, wire.MAX_IO + 1)))
    assert c.is_closed_by_peer()
    c.close()
    c = client(p.port)
    write(c, 1, 0, b"x" * CHUNK)
    assert readc(c, 1, 0, CHUNK) == b"x" * CHUNK
    c.close()


def test_6c_read_c_fail_loc_bad_csum(ost):
    """--fail-loc oss_readc_bad_csum spoils the first piece's checksum (the
    client's retry is tested through the mount: test_fs_e2e)."""
    p = ost("1G", "--sendfile", "on", "--fail-loc", "oss_readc_bad_csum")
    c = client(p.port)
    write(c, 1, 0, b"y" * 2 * CHUNK)
    r = c.call(wire.OP_OBJ_READ_C, wire.obj_read(1, 0, 0, 2 * CHUNK))
    assert r["status"] == 0
    with pytest.raises(AssertionError, match="piece 0"):
        wire.readc(r["payload"], 2 * CHUNK, r["payload_csum"])
    assert read(c, 1, 0, 2 * CHUNK) == b"y" * 2 * CHUNK
    c.close()


def readl(c, oid, off, length, idx=0):
    """OBJ_READ_L: the data read from the file the reply names, every piece
    checked against its checksum, as the client's localio does."""
    r = c.call(wire.OP_OBJ_READ_L, wire.obj_read(oid, idx, off, length))
    assert r["status"] == 0, (r["status"], r["payload"])
    n, sums, path = wire.readl(r["payload"], length)
    if not n:
        return b""
    assert os.path.isabs(path) and os.path.isfile(path)
    with open(path, "rb") as f:
        f.seek(off)
        data = f.read(n)
    for i, s in enumerate(sums):
        piece = data[i * CHUNK:(i + 1) * CHUNK]
        assert s == (wire.csum(piece) if piece else 0), f"piece {i}"
    return data


def test_7a_read_l(ost):
    """OBJ_READ_L names the data file of raw chunk-aligned ranges, with the
    stored checksums; ranges stored otherwise (holes, partial chunks, LZ4)
    and unaligned ones are -EAGAIN (the client asks with OBJ_READ_C); past
    the end and absent objects are empty; LocalioBytes counts them."""
    p = ost("1G")
    c = client(p.port)
    rnd = random.Random(7)
    data = rnd.randbytes(3 * CHUNK + CHUNK // 2)
    write(c, 1, 0, data)
    assert readl(c, 1, 0, 4 * CHUNK) == data              # short at the end
    assert readl(c, 1, CHUNK, 2 * CHUNK) == data[CHUNK:3 * CHUNK]
    assert readl(c, 1, 4 * CHUNK, CHUNK) == b""            # past the end
    assert readl(c, 2, 0, CHUNK) == b""                    # no such object
    big = rnd.randbytes(wire.MAX_IO)
    write(c, 6, 0, big)
    assert readl(c, 6, 0, wire.MAX_IO) == big
    write(c, 3, 2 * CHUNK, b"z" * CHUNK)                   # a hole first
    write(c, 4, 0, b"p" * 1000)                            # a partial chunk
    write(c, 4, CHUNK, b"q" * CHUNK)
    text = b"".join(b"%08d,some,csv,text\n" % i for i in range(20000))[:2 * CHUNK]
    write(c, 5, 0, text, wire.OBJ_LZ4)                     # stored LZ4
    for oid, off in ((3, 0), (4, 0), (5, 0), (1, 100)):
        r = c.call(wire.OP_OBJ_READ_L, wire.obj_read(oid, 0, off, 2 * CHUNK))
        assert r["status"] == -errno.EAGAIN, (oid, off, r["status"])
    check_alive(c)
    c.close()
    assert p.stop() == 0
    assert oss_counter(p, "LocalioBytes") == len(data) + 2 * CHUNK + wire.MAX_IO


def test_7b_read_l_refused(ost):
    """--localio off: OBJ_READ_L is -EOPNOTSUPP (the client then reads over
    the network); one over PROTO_MAX_IO closes the connection."""
    p = ost("1G", "--localio", "off")
    c = client(p.port)
    write(c, 1, 0, b"x" * CHUNK)
    r = c.call(wire.OP_OBJ_READ_L, wire.obj_read(1, 0, 0, CHUNK))
    assert r["status"] == -errno.EOPNOTSUPP
    assert "Operation not supported" in wire.error_reason(r["payload"]) or r["payload"]
    assert readc(c, 1, 0, CHUNK) == b"x" * CHUNK
    c.send(wire.frame(wire.OP_OBJ_READ_L, 9, wire.obj_read(1, 0, 0, wire.MAX_IO + 1)))
    assert c.is_closed_by_peer()
    c.close()


def cached_bytes(path):
    """Bytes of path in the page cache (util-linux fincore)."""
    r = subprocess.run(["fincore", "-b", "-n", "-o", "RES", path],
                       capture_output=True, text=True, check=True)
    return int(r.stdout.split()[0])


def data_file(p, oid):
    paths = glob.glob(os.path.join(p.dir, "objects", "**",
                                   "%016x.%08x.dat" % (oid, 0)), recursive=True)
    assert len(paths) == 1, paths
    return paths[0]


@pytest.mark.parametrize("sendfile", ["on", "off"])
def test_6c_drop_behind(ost, sendfile):
    """Large writes and reads stream through the OSS's page cache without
    filling it (--writethrough-max-io, --readcache-max-io: Lustre's
    writethrough_max_io_mb, readcache_max_io_mb; default 256K): a 48 MiB
    object written in 1 MiB writes goes to disk with O_DIRECT and leaves
    nothing cached (where the backing file system has O_DIRECT: the OSS
    logs its dio_align; without, at most the last 16 MiB, the lag, stay),
    and one read back in 1 MiB OBJ_READ_Cs keeps at most the lag; 128 KiB
    writes and reads keep all; with both bounds at 16M everything stays.
    Every byte reads back right."""
    MiB, LAG, SMALL = 1 << 20, 16 << 20, 128 << 10
    rnd = random.Random(7)
    data = rnd.randbytes(48 * MiB)
    # Defaults: large writes around the page cache or dropped behind.
    p = ost("4G", "--sendfile", sendfile)
    c = client(p.port)
    for off in range(0, len(data), MiB):
        write(c, 1, off, data[off:off + MiB])
    for off in range(0, len(data), SMALL):
        write(c, 2, off, data[off:off + SMALL])
    with open(p.log_path, errors="replace") as f:
        direct = " dio_align=0" not in f.read()
    if direct:
        assert cached_bytes(data_file(p, 1)) == 0
    else:
        assert cached_bytes(data_file(p, 1)) <= LAG + MiB
    assert cached_bytes(data_file(p, 2)) >= len(data) - MiB
    # Reads: 128 KiB ones keep object 2 cached; 1 MiB ones drop behind
    # (clean pages only: synced first).
    assert c.call(wire.OP_OBJ_SYNC, wire.obj_ref(2, 0))["status"] == 0
    for off in range(0, len(data), SMALL):
        assert readc(c, 2, off, SMALL) == data[off:off + SMALL]
    assert cached_bytes(data_file(p, 2)) >= len(data) - MiB
    for off in range(0, len(data), MiB):
        assert readc(c, 2, off, MiB) == data[off:off + MiB]
    assert cached_bytes(data_file(p, 2)) <= LAG + 2 * MiB
    for off in range(0, len(data), 8 * MiB + 4096):
        assert read(c, 1, off, 4096) == data[off:off + 4096]
    c.close()
    assert p.stop() == 0
    with open(p.log_path, errors="replace") as f:
        log = f.read()
    assert "dio_align=" in log
    assert ("DirectWriteBytes=%d" % (len(data) if direct else 0)) in log
    # Both bounds at 16M: nothing is dropped.
    p = ost("4G", "--sendfile", sendfile, "--writethrough-max-io", "16M",
            "--readcache-max-io", "16M")
    c = client(p.port)
    for off in range(0, len(data), MiB):
        write(c, 3, off, data[off:off + MiB])
    assert cached_bytes(data_file(p, 3)) >= len(data) - MiB
    assert c.call(wire.OP_OBJ_SYNC, wire.obj_ref(3, 0))["status"] == 0
    for off in range(0, len(data), MiB):
        assert readc(c, 3, off, MiB) == data[off:off + MiB]
    assert cached_bytes(data_file(p, 3)) >= len(data) - MiB
    c.close()
    assert p.stop() == 0
