"""Write-behind in the client: a WRITE is answered once its object RPCs
are sent, at most -o max_dirty_mb of them in flight; errors of background
writes surface at the next write, fsync or close; reads, rewrites of the
same bytes and other mounts see the data in order.

Real servers and mounts (conftest.py); numbered like Lustre's sanity.sh,
one line of purpose each.
"""
import errno
import hashlib
import mmap
import os
import random
import subprocess
import threading

import pytest

from conftest import mounted, wait_for

MiB = 1 << 20


def p(m, *names):
    return os.path.join(m.path, *names)


def setstripe(m, path, *args):
    r = subprocess.run([m.cluster.bin("tools/glint"), "setstripe", *args, path],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


def block(i, n=MiB):
    """n bytes that differ for every i (cheap to make, easy to check)."""
    return hashlib.sha256(str(i).encode()).digest() * (n // 32)


def test_1a_oss_killed_during_stream_error_at_latest_at_close(cluster, make_mount):
    """SIGKILL an OSS while a stream of 1 MiB writes goes to a 4-stripe
    file: the application sees EIO at a write, at fsync or at close, never
    silent success; after the OSS is back the file system works again."""
    m = make_mount("m", opts=("timeout=2",))
    f = p(m, "stream")
    setstripe(m, f, "-c", "4", "-S", "1M")
    fd = os.open(f, os.O_WRONLY | os.O_CREAT)
    seen = []
    victim = 2
    try:
        for i in range(64):
            if i == 16:
                cluster.osts[victim].p.kill()
                cluster.osts[victim].p.wait()
            try:
                os.write(fd, block(i))
            except OSError as e:
                seen.append(("write", e.errno))
                break
        try:
            os.fsync(fd)
        except OSError as e:
            seen.append(("fsync", e.errno))
    finally:
        try:
            os.close(fd)
        except OSError as e:
            seen.append(("close", e.errno))
    assert seen, "writes to a killed OSS succeeded silently"
    assert seen[0][1] == errno.EIO, seen
    # The OSS back (on a new port: the client's OST map catches up within
    # its one-second refresh interval), the file system works again.
    cluster.start_oss(victim)
    cluster.wait_osts_up(4)
    g = p(m, "after")
    setstripe(m, g, "-c", "4", "-S", "1M")

    def works():
        try:
            with open(g, "wb") as fh:
                fh.write(block(99) * 4)
            with open(g, "rb") as fh:
                return fh.read() == block(99) * 4
        except OSError:
            return False
    wait_for(works, 15, "writes after the OSS restarted")


def test_1b_enospc_in_background_reaches_fsync(bindir, workdir):
    """A write that the OST refuses with ENOSPC after write(2) returned
    is reported by fsync (and not lost if the program only closes)."""
    from conftest import Cluster, Mount
    c = Cluster(bindir, workdir)
    m = None
    try:
        c.start_mds()
        c.start_oss(0, "2M")
        c.wait_osts_up(1)
        m = Mount(c, "mnt", ())
        for how in ("fsync", "close"):
            f = p(m, how)
            setstripe(m, f, "-c", "1")
            fd = os.open(f, os.O_WRONLY | os.O_CREAT)
            err = None
            try:
                for i in range(8):  # 8 MiB into a 2 MiB OST (random:
                    os.write(fd, os.urandom(MiB))  # LZ4 would shrink block())
                if how == "fsync":
                    os.fsync(fd)
            except OSError as e:
                err = e
            try:
                os.close(fd)
            except OSError as e:
                err = err or e
            assert err is not None and err.errno == errno.ENOSPC, err
            os.unlink(f)
    finally:
        codes = {"client": m.umount()} if m else {}
        codes.update(c.stop())
    assert not {k: v for k, v in codes.items() if v != 0}, codes


@pytest.mark.parametrize("opt,bad", [
    ("max_dirty_mb", ("0", "2049", "100000000000", "abc", "-1")),
    ("max_rpcs_in_flight", ("0", "257", "x")),
    ("max_read_ahead_mb", ("0", "2049", "y")),
])
def test_2a_write_behind_bad_values_refused(cluster, workdir, opt, bad):
    """max_dirty_mb and max_read_ahead_mb must be 1..2048,
    max_rpcs_in_flight 1..256: other
    values stop the mount with a message that names the option; nothing
    gets mounted."""
    d = os.path.join(workdir, "bad")
    os.makedirs(d)
    spec = f"127.0.0.1:{cluster.mds.port}@tcp:/{cluster.fsname}"
    for v in bad:
        r = subprocess.run([cluster.bin("client/glint-client"), "-f", "-o",
                            f"{opt}={v}", spec, d],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode != 0, (v, r.stdout, r.stderr)
        assert opt in r.stderr, (v, r.stderr)
        assert not mounted(d)


def test_2b_small_max_dirty_mb_works(cluster, make_mount):
    """With max_dirty_mb=1 (one write in flight at a time) and
    max_rpcs_in_flight=1, 24 MiB over four stripes read back the same on
    this mount and on another one (defaults) after close."""
    small = make_mount("small", opts=("max_dirty_mb=1", "max_rpcs_in_flight=1"))
    other = make_mount("other")
    os.mkdir(p(small, "d"))
    setstripe(small, p(small, "d"), "-c", "4", "-S", "1M")
    data = b"".join(block(i) for i in range(24))
    with open(p(small, "d", "f"), "wb") as fh:
        for i in range(24):
            fh.write(data[i * MiB:(i + 1) * MiB])
    with open(p(small, "d", "f"), "rb") as fh:
        assert fh.read() == data
    with open(p(other, "d", "f"), "rb") as fh:
        assert fh.read() == data


def test_2c_small_max_read_ahead_mb_works(cluster, make_mount):
    """With max_read_ahead_mb=1 (reads wait for each other beyond 1 MiB in
    flight), eight threads reading eight 4-stripe files at once, and
    4 KiB reads at random places, all get the bytes written."""
    small = make_mount("small", opts=("max_read_ahead_mb=1",))
    os.mkdir(p(small, "d"))
    setstripe(small, p(small, "d"), "-c", "4", "-S", "1M")
    datas = [b"".join(block(i * 8 + k) for k in range(8)) for i in range(8)]
    for i, d in enumerate(datas):
        with open(p(small, "d", f"f{i}"), "wb") as fh:
            fh.write(d)
    subprocess.run(["sh", "-c", "echo 3 > /proc/sys/vm/drop_caches"], check=False)
    got = [None] * 8

    def reader(i):
        with open(p(small, "d", f"f{i}"), "rb") as fh:
            got[i] = fh.read()
    ts = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert all(g == d for g, d in zip(got, datas))
    rnd = random.Random(4)
    fd = os.open(p(small, "d", "f3"), os.O_RDONLY | os.O_DIRECT)
    try:
        buf = mmap.mmap(-1, 4096)
        for _ in range(200):
            off = rnd.randrange(0, 8 * MiB // 4096) * 4096
            assert os.preadv(fd, [buf], off) == 4096
            assert buf[:] == datas[3][off:off + 4096]
    finally:
        os.close(fd)


@pytest.mark.parametrize("opts", [(), ("max_dirty_mb=2", "max_rpcs_in_flight=1")])
def test_3a_read_back_at_once_and_rewrites_in_order(cluster, make_mount, opts):
    """Data written is read back at once through the same descriptor and
    another one (no fsync, no close), unaligned writes too; the same bytes
    rewritten many times in a row end with the last version (overlapping
    writes reach the OSS in order); a second mount sees it all after
    close, size included."""
    a = make_mount("a", opts=opts)
    b = make_mount("b")
    f = p(a, "f")
    setstripe(a, f, "-c", "4", "-S", "64K")
    fd = os.open(f, os.O_RDWR | os.O_CREAT)
    rd = os.open(f, os.O_RDONLY)
    try:
        shadow = bytearray()
        for i in range(16):  # sequential, read back at once
            d = block(i, 256 * 1024)
            assert os.pwrite(fd, d, i * len(d)) == len(d)
            shadow[i * len(d):] = d
            assert os.pread(rd, len(d), i * len(d)) == d
        for r in range(10):  # one region rewritten again and again,
            for i in range(100):  # with writes of different lengths
                n = (4096, 65536, 131072, MiB)[i % 4]
                d = block(1000 * r + i, n)
                os.pwrite(fd, d, 100000)
                shadow[100000:100000 + len(d)] = d
            assert os.pread(rd, len(shadow), 0) == bytes(shadow), r
        for i in range(200):  # small unaligned overlapping writes
            off = (i * 7919) % (len(shadow) + 5000)
            d = block(5000 + i, 32 * 64)[: 1 + i * 13 % 3000]
            os.pwrite(fd, d, off)
            if off > len(shadow):
                shadow.extend(b"\0" * (off - len(shadow)))
            shadow[off:off + len(d)] = d
        assert os.fstat(rd).st_size == len(shadow)
        assert os.pread(fd, len(shadow) + 10, 0) == bytes(shadow)
    finally:
        os.close(rd)
        os.close(fd)
    assert os.stat(p(b, "f")).st_size == len(shadow)
    with open(p(b, "f"), "rb") as fh:
        assert fh.read() == bytes(shadow)


def test_3b_truncate_after_writes_in_flight(mnt):
    """A truncate right after writes (still in flight) wins over them, and
    an extending write after it is not cut."""
    f = p(mnt, "t")
    setstripe(mnt, f, "-c", "2", "-S", "1M")
    fd = os.open(f, os.O_RDWR | os.O_CREAT)
    try:
        for i in range(8):
            os.write(fd, block(i))
        os.ftruncate(fd, 3 * MiB + 5)
        assert os.fstat(fd).st_size == 3 * MiB + 5
        os.pwrite(fd, b"tail", 5 * MiB)
        assert os.fstat(fd).st_size == 5 * MiB + 4
    finally:
        os.close(fd)
    with open(f, "rb") as fh:
        got = fh.read()
    want = b"".join(block(i) for i in range(3)) + block(3)[:5]
    want += b"\0" * (5 * MiB - len(want)) + b"tail"
    assert got == want
