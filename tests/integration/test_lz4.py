"""LZ4 compression: chunks compressed by the client, stored compressed.

Numbered like Lustre's sanity.sh: one line of purpose per test. The file
system's default (glint-mds --compression) and setstripe -Z on directories
and new files; compressible data uses a fraction of the raw disk and reads
back exactly; incompressible data is stored raw; a damaged compressed chunk
is EIO; an OSS refuses compressed chunks that do not match their length or
checksum; glint df and getstripe show the space saved.
"""
import errno
import os
import random
import struct
import subprocess

import pytest
import wire
from conftest import Mount, drop_caches, wait_for

MiB = 1 << 20
CHUNK = 64 * 1024
OP_OBJ_GETATTR, OP_OBJ_WRITE_Z, OP_OBJ_READ_Z = 54, 56, 57
ZERO, RAW, LZ4 = 0, 1, 2


def csv_text(n, seed=1):
    """n bytes of CSV-like text (what the issue calls compressible)."""
    rng = random.Random(seed)
    names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    rows, size, i = [], 0, 0
    while size < n:
        row = (f"{1700000000 + i},{rng.choice(names)},{rng.randrange(1000)},"
               f"{rng.random():.6f},OST{rng.randrange(4):04d},ok\n")
        rows.append(row)
        size += len(row)
        i += 1
    return "".join(rows).encode()[:n]


def glint(m, *args, check=True):
    r = subprocess.run([m.cluster.bin("tools/glint"), *args], capture_output=True,
                       text=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"glint {' '.join(args)}: {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def getstripe(m, path):
    """{key: value} of the lmm_* lines, and the (ost, objid) rows."""
    out = glint(m, "getstripe", path).stdout.splitlines()
    keys = {}
    for l in out:
        if l.startswith("lmm_"):
            k, _, v = l.partition(":")
            keys[k] = v.strip()
    rows = []
    hdr = next(i for i, l in enumerate(out) if "obdidx" in l)
    for l in out[hdr + 1:]:
        f = l.split()
        if len(f) == 4:
            rows.append((int(f[0]), int(f[1])))
    return keys, rows


def obj_attr(cluster, ost, oid, stripe):
    """(size, disk, logical, stored) of an object."""
    c = wire.Conn(cluster.osts[ost].port)
    try:
        assert c.call(wire.OP_HELLO, wire.hello())["status"] == 0
        r = c.call(OP_OBJ_GETATTR, struct.pack("<QI", oid, stripe))
        assert r["status"] == 0, r["status"]
        return struct.unpack_from("<QQQQ", r["payload"])
    finally:
        c.close()


@pytest.fixture
def lz4_cluster(make_cluster):
    """Four OSTs, file system default --compression lz4."""
    c = make_cluster()
    c.start_mds("--compression", "lz4")
    for i in range(4):
        c.start_oss(i)
    c.wait_osts_up(4)
    return c


@pytest.fixture
def lz4_mount(lz4_cluster):
    m = Mount(lz4_cluster, "mnt", ("flock",))
    yield m
    assert m.umount() == 0


def zchunks(entries):
    data = b"".join(e[4] for e in entries)
    table = b"".join(struct.pack("<QIIBQ", off, raw, len(d), kind, cs)
                     for off, raw, kind, cs, d in entries)
    return struct.pack("<I", len(data)) + data + struct.pack("<I", len(entries)) + table


def test_1a_fs_default_compresses(lz4_mount):
    """--compression lz4: a CSV file takes a fraction of its raw disk,
    reads back exactly, and getstripe/df show the saving."""
    m = lz4_mount
    data = csv_text(8 * MiB)
    f = os.path.join(m.path, "data.csv")
    with open(f, "wb") as fh:
        fh.write(data)
    keys, rows = getstripe(m, f)
    assert keys["lmm_compr_type"] == "lz4" and keys["lmm_pattern"] == "raid0,lz4"
    logical = int(keys["lmm_compr_logical"])
    stored = int(keys["lmm_compr_stored"])
    assert logical == len(data) and stored < len(data) // 2, keys
    size, disk, lg, st = obj_attr(m.cluster, rows[0][0], rows[0][1], 0)
    assert size == len(data) and lg == len(data) and disk < len(data) // 2
    drop_caches(f)
    with open(f, "rb") as fh:
        assert fh.read() == data
    # unaligned reads, small (plain OBJ_READ) and large (OBJ_READ_Z)
    with open(f, "rb") as fh:
        for off, ln in ((1, 10), (CHUNK - 3, 7), (100000, 3 * MiB), (len(data) - 5, 100)):
            fh.seek(off)
            assert fh.read(ln) == data[off:off + ln]
    out = glint(m, "--mds", f"127.0.0.1:{m.cluster.mds.port}", "df").stdout
    total = [l for l in out.splitlines() if l.startswith("compression_total:")][0].split()
    assert int(total[1]) * 1024 >= len(data) - 1024 and float(total[4]) > 2.0, out


def test_1b_incompressible_stored_raw(lz4_mount):
    """Random data under lz4 is stored raw: stored == logical."""
    m = lz4_mount
    data = random.Random(5).randbytes(2 * MiB)
    f = os.path.join(m.path, "random.bin")
    with open(f, "wb") as fh:
        fh.write(data)
    keys, rows = getstripe(m, f)
    assert int(keys["lmm_compr_logical"]) == len(data)
    assert int(keys["lmm_compr_stored"]) == len(data)
    assert keys["lmm_compr_saved"].startswith("0 ")
    drop_caches(f)
    with open(f, "rb") as fh:
        assert fh.read() == data


def test_1c_setstripe_Z_on_directory_and_file(mnt):
    """On a file system without compression (or the suite's default:
    --compression), -Z lz4 on a directory and on a new file compresses;
    -Z none below an lz4 directory does not."""
    d = os.path.join(mnt.path, "z")
    os.mkdir(d)
    glint(mnt, "setstripe", "-Z", "lz4", "-c", "2", d)
    assert "compr_type: lz4" in glint(mnt, "getstripe", "-d", d).stdout
    data = csv_text(3 * MiB, seed=2)
    with open(os.path.join(d, "a.csv"), "wb") as fh:
        fh.write(data)
    keys, rows = getstripe(mnt, os.path.join(d, "a.csv"))
    assert keys["lmm_compr_type"] == "lz4" and len(rows) == 2
    assert int(keys["lmm_compr_stored"]) < len(data) // 2
    # -Z none on a new file inside the lz4 directory
    g = os.path.join(d, "plain.csv")
    glint(mnt, "setstripe", "-Z", "none", g)
    with open(g, "wb") as fh:
        fh.write(data)
    keys, rows = getstripe(mnt, g)
    assert keys["lmm_compr_type"] == "none" and "lmm_compr_stored" not in keys
    for i, (ost, oid) in enumerate(rows):
        _, _, lg, st = obj_attr(mnt.cluster, ost, oid, i)
        assert lg == st
    # a file outside: the file system's default
    h = os.path.join(mnt.path, "top.csv")
    with open(h, "wb") as fh:
        fh.write(b"x")
    assert getstripe(mnt, h)[0]["lmm_compr_type"] == \
        os.environ.get("GLINT_TEST_COMPRESSION", "none")
    # -Z on a new file at the top
    k = os.path.join(mnt.path, "new.csv")
    glint(mnt, "setstripe", "-Z", "lz4", k)
    with open(k, "wb") as fh:
        fh.write(data)
    keys, _ = getstripe(mnt, k)
    assert keys["lmm_compr_type"] == "lz4" and int(keys["lmm_compr_stored"]) < len(data) // 2
    for name in ("a.csv", "plain.csv"):
        drop_caches(os.path.join(d, name))
        with open(os.path.join(d, name), "rb") as fh:
            assert fh.read() == data
    r = glint(mnt, "setstripe", "-Z", "gzip", os.path.join(mnt.path, "x"), check=False)
    assert r.returncode == 2


def test_1d_none_below_lz4_default(lz4_mount):
    """Under --compression lz4, setstripe -Z none on a directory stops it;
    a subdirectory without -Z inherits lz4."""
    m = lz4_mount
    d = os.path.join(m.path, "raw")
    os.mkdir(d)
    glint(m, "setstripe", "-Z", "none", d)
    with open(os.path.join(d, "f"), "wb") as fh:
        fh.write(csv_text(MiB))
    assert getstripe(m, os.path.join(d, "f"))[0]["lmm_compr_type"] == "none"
    e = os.path.join(m.path, "inherit")
    os.mkdir(e)
    glint(m, "setstripe", "-c", "2", e)
    assert "compr_type: lz4" in glint(m, "getstripe", "-d", e).stdout
    with open(os.path.join(e, "f"), "wb") as fh:
        fh.write(csv_text(MiB))
    assert getstripe(m, os.path.join(e, "f"))[0]["lmm_compr_type"] == "lz4"


def test_1e_overwrite_truncate_holes(lz4_mount):
    """Partial overwrites, holes, truncates and appends of a compressed
    file read back like a shadow copy, through a second mount too."""
    m = lz4_mount
    f = os.path.join(m.path, "mixed")
    glint(m, "setstripe", "-c", "4", "-S", "64K", f)
    shadow = bytearray(csv_text(MiB, seed=3))
    with open(f, "wb") as fh:
        fh.write(shadow)
    fd = os.open(f, os.O_RDWR)
    try:
        for off, blob in ((10, b"HELLO"), (CHUNK - 2, b"XYZW" * 100),
                          (3 * MiB, b"far away"), (200000, bytes(70000))):
            os.pwrite(fd, blob, off)
            if off > len(shadow):
                shadow.extend(bytes(off - len(shadow)))
            shadow[off:off + len(blob)] = blob
        os.ftruncate(fd, 2 * MiB + 123)
        del shadow[2 * MiB + 123:]
        shadow.extend(bytes(2 * MiB + 123 - len(shadow)))
    finally:
        os.close(fd)
    drop_caches(f)
    with open(f, "rb") as fh:
        assert fh.read() == bytes(shadow)
    m2 = Mount(m.cluster, "mnt2", ())
    try:
        with open(os.path.join(m2.path, "mixed"), "rb") as fh:
            assert fh.read() == bytes(shadow)
    finally:
        assert m2.umount() == 0


def test_1f_corrupt_chunk_on_disk_is_eio(lz4_mount):
    """A flipped byte in a compressed chunk on the OST reads as EIO."""
    m = lz4_mount
    f = os.path.join(m.path, "c.csv")
    data = csv_text(4 * CHUNK, seed=4)
    with open(f, "wb") as fh:
        fh.write(data)
    _, rows = getstripe(m, f)
    ost, oid = rows[0]
    d = os.path.join(m.cluster.workdir, f"ost{ost}", "objects")
    dat = [os.path.join(r, n) for r, _, ns in os.walk(d) for n in ns
           if n.startswith(f"{oid:016x}.00000000") and n.endswith(".dat")][0]
    with open(dat, "r+b") as fh:
        fh.seek(CHUNK + 30)
        b = fh.read(1)
        fh.seek(CHUNK + 30)
        fh.write(bytes([b[0] ^ 0x20]))
    drop_caches(f)
    with open(f, "rb") as fh:
        with pytest.raises(OSError) as e:
            fh.read()
        assert e.value.errno == errno.EIO
    with open(f, "rb") as fh:  # the other chunks are fine
        assert fh.read(CHUNK) == data[:CHUNK]


def test_1g_bad_compressed_write_refused(lz4_cluster):
    """OBJ_WRITE_Z whose chunk does not match its checksum or length is
    refused (-EBADMSG), nothing stored; a malformed one closes the
    connection; the OSS keeps serving."""
    c = wire.Conn(lz4_cluster.osts[0].port)
    try:
        assert c.call(wire.OP_HELLO, wire.hello())["status"] == 0
        raw = b"a,b,c\n" * 5000
        # stand-in "LZ4" bytes: a literal-only block of raw[:100] is not
        # what the checksum says, so the OSS must refuse it
        bogus = bytes([0xf0, 100 - 15]) + raw[:100]
        body = struct.pack("<QII", 77, 0, 1) + zchunks(
            [(0, len(raw), LZ4, wire.csum(raw), bogus)])
        r = c.call(OP_OBJ_WRITE_Z, body)
        assert r["status"] == -errno.EBADMSG
        # RAW chunk with the wrong checksum
        body = struct.pack("<QII", 77, 0, 0) + zchunks([(0, 100, RAW, 99, raw[:100])])
        assert c.call(OP_OBJ_WRITE_Z, body)["status"] == -errno.EBADMSG
        r = c.call(OP_OBJ_GETATTR, struct.pack("<QI", 77, 0))
        assert r["status"] == -errno.ENOENT
        # a good RAW chunk is stored
        body = struct.pack("<QII", 77, 0, 0) + zchunks(
            [(0, 100, RAW, wire.csum(raw[:100]), raw[:100])])
        r = c.call(OP_OBJ_WRITE_Z, body)
        assert r["status"] == 0 and struct.unpack("<Q", r["payload"])[0] == 100
        # and read back as stored chunks
        r = c.call(OP_OBJ_READ_Z, struct.pack("<QIQI", 77, 0, 0, 4096))
        assert r["status"] == 0
        p = r["payload"]
        n = struct.unpack_from("<I", p)[0]
        assert p[4:4 + n] == raw[:100]
        count = struct.unpack_from("<I", p, 4 + n)[0]
        off, rl, sl, kind, cs = struct.unpack_from("<QIIBQ", p, 8 + n)
        assert count == 1 and (off, rl, sl, kind) == (0, 100, 100, RAW)
        assert cs == wire.csum(raw[:100])
    finally:
        c.close()
    # malformed (an LZ4 chunk that is not at a chunk start): closed
    c = wire.Conn(lz4_cluster.osts[0].port)
    try:
        assert c.call(wire.OP_HELLO, wire.hello())["status"] == 0
        body = struct.pack("<QII", 78, 0, 0) + zchunks([(5, 100, LZ4, 1, b"x" * 50)])
        c.send(wire.frame(OP_OBJ_WRITE_Z, 9, body))
        assert c.is_closed_by_peer()
    finally:
        c.close()
    c = wire.Conn(lz4_cluster.osts[0].port)
    assert c.call(wire.OP_HELLO, wire.hello())["status"] == 0
    c.close()


def oss_wire_bytes(cluster):
    """(bytes received, bytes sent) by all OSS sockets, from ss -ti."""
    rx = tx = 0
    for p in cluster.osts.values():
        out = subprocess.run(["ss", "-Htin", "state", "established",
                              f"( sport = :{p.port} )"], capture_output=True,
                             text=True).stdout
        for tok in out.split():
            if tok.startswith("bytes_received:"):
                rx += int(tok.split(":")[1])
            elif tok.startswith("bytes_acked:"):
                tx += int(tok.split(":")[1])
    return rx, tx


def test_1h_compressed_on_the_wire(lz4_mount):
    """Compressible data crosses the network compressed, both ways: the
    OSSes receive and send well under half the bytes of the same data in
    an uncompressed file."""
    m = lz4_mount
    data = csv_text(8 * MiB, seed=7)
    plain = os.path.join(m.path, "plain")
    os.mkdir(plain)
    glint(m, "setstripe", "-Z", "none", plain)
    moved = {}
    for name in ("z.csv", "plain/p.csv"):
        f = os.path.join(m.path, name)
        rx0, _ = oss_wire_bytes(m.cluster)
        with open(f, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        rx1, tx1 = oss_wire_bytes(m.cluster)
        drop_caches(f)
        with open(f, "rb") as fh:
            assert fh.read() == data
        _, tx2 = oss_wire_bytes(m.cluster)
        moved[name] = (rx1 - rx0, tx2 - tx1)
    zw, zr = moved["z.csv"]
    pw, pr = moved["plain/p.csv"]
    # (bytes_acked may trail the last segments by a little)
    assert pw >= len(data) * 0.95 and pr >= len(data) * 0.95, moved
    assert zw < pw // 2 and zr < pr // 2, moved
