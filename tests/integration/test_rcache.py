"""The client's read cache (-o max_cached_mb, client/rcache.h): small
reads are answered from the 64 KiB chunks earlier small reads brought
(the second small read of a chunk brings all of it, the first only what
it asks), also after the kernel's page cache of the file was dropped, and never
with data that a write, truncate or punch of this client, or a change by
another client seen at open, made stale. O_DIRECT reads and large reads
do not use it.

The cache is observed through its effect: with every OSS stopped, a
cached chunk still reads and anything else fails with EIO; and through
the counts the client logs at unmount.
"""
import errno
import mmap
import os
import re
import subprocess

import pytest

from conftest import direct_read, drop_caches

KiB, MiB = 1 << 10, 1 << 20


def glint(m, *args):
    subprocess.run([m.cluster.bin("tools/glint"), *args], check=True,
                   capture_output=True, text=True, timeout=30)


def small_read(path, off, n=4 * KiB):
    """An n-byte read at off that reaches the client: the file's pages are
    dropped from the kernel's cache first."""
    drop_caches(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)  # no read-ahead
        return os.pread(fd, n, off)
    finally:
        os.close(fd)


def large_read(path, off, n):
    drop_caches(path)
    with open(path, "rb", buffering=0) as fh:
        fh.seek(off)
        return fh.read(n)


def cache_counts(m):
    """hits, misses from the line the client logs at unmount."""
    r = re.findall(r"read cache: (\d+) hits, (\d+) misses", m.read_log())
    assert r, m.read_log()
    return int(r[-1][0]), int(r[-1][1])


def stop_osts(cluster):
    for p in cluster.osts.values():
        p.stop()


def test_1a_small_reads_served_from_cache_with_osts_gone(cluster, make_mount):
    """A chunk that small reads asked for twice answers the next small
    reads of it after the page cache is dropped, even with every OSS
    stopped; a chunk read once, other chunks, O_DIRECT reads and large
    reads go to the OSTs (EIO). (A read crossing into an uncached chunk is
    split into pages by the kernel: it returns the cached part.)"""
    m = make_mount("m", opts=("timeout=2",))
    f = os.path.join(m.path, "f")
    glint(m, "setstripe", "-c", "4", "-S", "64K", f)
    data = os.urandom(MiB)
    with open(f, "wb") as fh:
        fh.write(data)
    drop_caches(f)
    for off in (5 * 64 * KiB + 8 * KiB, 5 * 64 * KiB + 16 * KiB, 3 * 64 * KiB):
        assert small_read(f, off) == data[off:off + 4 * KiB]
    stop_osts(cluster)
    # The same chunk, other bytes of it: from the cache.
    for off, n in ((5 * 64 * KiB, 4 * KiB), (5 * 64 * KiB + 60 * KiB, 4 * KiB),
                   (5 * 64 * KiB + 100, 333)):
        assert small_read(f, off, n) == data[off:off + n], (off, n)
    # Another chunk, an O_DIRECT read, a large read (the kernel's
    # read-ahead asks for the whole 256 KiB at once) over the cached chunk.
    for what, fn in (("other chunk", lambda: small_read(f, 7 * 64 * KiB)),
                     ("read once", lambda: small_read(f, 3 * 64 * KiB)),
                     ("O_DIRECT", lambda: direct_read(f, 5 * 64 * KiB, 4 * KiB)),
                     ("large", lambda: large_read(f, 4 * 64 * KiB, 256 * KiB))):
        try:
            got = fn()
        except OSError as e:
            assert e.errno == errno.EIO, what
        else:
            pytest.fail(f"{what}: read {len(got)} bytes with the OSSes gone")
    off = 6 * 64 * KiB - 2 * KiB
    assert small_read(f, off) == data[off:off + 2 * KiB]
    assert m.umount() == 0
    hits, misses = cache_counts(m)
    assert hits >= 4 and misses >= 4, (hits, misses)


def test_1c_drop_without_remount(cluster, make_mount):
    """Setting trusted.glint.drop_read_cache on any file of the mount
    empties the read cache (what drop_caches does not reach): a chunk
    cached before is read from the OSTs again (EIO with them stopped).
    The attribute is not stored."""
    m = make_mount("m", opts=("timeout=2",))
    f = os.path.join(m.path, "f")
    data = os.urandom(256 * KiB)
    with open(f, "wb") as fh:
        fh.write(data)
    for _ in range(2):
        assert small_read(f, 8 * KiB) == data[8 * KiB:12 * KiB]
    os.setxattr(m.path, "trusted.glint.drop_read_cache", b"1")
    assert "trusted.glint.drop_read_cache" not in os.listxattr(f)
    stop_osts(cluster)
    with pytest.raises(OSError) as e:
        small_read(f, 8 * KiB)
    assert e.value.errno == errno.EIO
    assert m.umount() == 0
    assert "read cache dropped" in m.read_log()


def test_1b_cache_off(cluster, make_mount):
    """-o max_cached_mb=0: small reads after a dropped page cache go to
    the OSTs; a bad value fails the mount with a clear message."""
    m = make_mount("m", opts=("timeout=2", "max_cached_mb=0"))
    f = os.path.join(m.path, "f")
    with open(f, "wb") as fh:
        fh.write(b"x" * (256 * KiB))
    for _ in range(3):
        assert small_read(f, 4 * KiB) == b"x" * (4 * KiB)
    stop_osts(cluster)
    with pytest.raises(OSError) as e:
        small_read(f, 4 * KiB)
    assert e.value.errno == errno.EIO
    assert m.umount() == 0
    assert "read cache:" not in m.read_log()
    r = subprocess.run([cluster.bin("client/glint-client"), "-f", "-o",
                        "max_cached_mb=70000",
                        f"127.0.0.1:{cluster.mds.port}@tcp:/fsx", m.path],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "max_cached_mb=70000: want 0..65536" in r.stderr


def test_2a_own_changes_never_read_stale(mnt):
    """Writes, overwrites through mmap, truncates (down and up), punched
    holes and O_TRUNC of this client: the next small read sees them."""
    f = os.path.join(mnt.path, "f")
    data = bytearray(os.urandom(256 * KiB))
    with open(f, "wb") as fh:
        fh.write(data)
    off = 64 * KiB + 4 * KiB

    def check(what):
        # Twice: the second read caches the chunk (if it was not), so the
        # first read after the next change would find stale data there.
        for o in (off, off + 8 * KiB, 0, 200 * KiB):
            for _ in range(2):
                assert small_read(f, o) == bytes(data[o:o + 4 * KiB]), (what, o)

    check("written")
    new = os.urandom(100)
    fd = os.open(f, os.O_WRONLY)
    os.pwrite(fd, new, off + 10)
    os.close(fd)
    data[off + 10:off + 110] = new
    check("pwrite")
    fd = os.open(f, os.O_RDWR)
    with mmap.mmap(fd, len(data)) as mm:
        mm[off + 8 * KiB:off + 8 * KiB + 5] = b"MMAP!"
        mm.flush()
    os.close(fd)
    data[off + 8 * KiB:off + 8 * KiB + 5] = b"MMAP!"
    check("mmap")
    os.truncate(f, off + 1000)
    del data[off + 1000:]
    assert small_read(f, off) == bytes(data[off:])
    os.truncate(f, 256 * KiB)
    data.extend(b"\0" * (256 * KiB - len(data)))
    check("truncate up")
    fd = os.open(f, os.O_RDWR)
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        # FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
        assert libc.fallocate(fd, 3, ctypes.c_long(off), ctypes.c_long(8 * KiB)) == 0
    finally:
        os.close(fd)
    data[off:off + 8 * KiB] = b"\0" * (8 * KiB)
    check("punch")
    with open(f, "wb") as fh:
        fh.write(b"short")
    assert small_read(f, 0) == b"short"
    assert small_read(f, off) == b""


def test_2b_other_client_change_seen_at_open(make_mount):
    """Close-to-open across clients: what another mount wrote is read at
    the next open, not the chunk cached before it."""
    a = make_mount("a")
    b = make_mount("b")
    fa, fb = os.path.join(a.path, "f"), os.path.join(b.path, "f")
    with open(fa, "wb") as fh:
        fh.write(b"A" * (128 * KiB))
    for _ in range(2):  # the second read caches the chunk
        assert small_read(fa, 4 * KiB) == b"A" * (4 * KiB)
    with open(fb, "r+b") as fh:
        fh.seek(4 * KiB)
        fh.write(b"B" * (4 * KiB))
    assert small_read(fa, 4 * KiB) == b"B" * (4 * KiB)
    assert small_read(fa, 12 * KiB) == b"A" * (4 * KiB)
    assert small_read(fa, 4 * KiB) == b"B" * (4 * KiB)  # cached again
    # A size change alone (truncated by b, same bytes left) too.
    os.truncate(fb, 6 * KiB)
    assert small_read(fa, 4 * KiB) == b"B" * (2 * KiB)
