"""The FUSE client: every operation with its error codes, striping, a
random read/write/truncate exerciser against a shadow copy, two mounts of
one file system, locks across mounts, and a lost OSS.

Each test gets its own cluster (an MDS and four OSSes) and mount in a
temporary directory; numbered like Lustre's sanity.sh, one line of
purpose each. GLINT_FSX_OPS sets the exerciser's operations per
configuration (default 100,000; scripts/test.sh lowers it for the
sanitizer build), GLINT_FSX_SEED its base seed (default 0).
"""
import errno
import fcntl
import mmap
import os
import random
import signal
import socket
import stat
import struct
import subprocess
import threading
import time

import pytest

import wire
from conftest import Mount, mounted, wait_for

OP_OBJ_READ, OP_OBJ_GETATTR = 48, 54
MiB = 1 << 20


def glint(m, *args, check=True):
    r = subprocess.run([m.cluster.bin("tools/glint"), *args], capture_output=True,
                       text=True, timeout=30)
    if check and r.returncode != 0:
        raise AssertionError(f"glint {' '.join(args)}: {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def layout_of(m, path):
    """(stripe_size, [(ost_idx, object_id), ...]) from glint getstripe."""
    out = glint(m, "getstripe", path).stdout.splitlines()
    size = int([l for l in out if l.startswith("lmm_stripe_size:")][0].split()[1])
    rows = []
    for l in out[out.index(next(l for l in out if "obdidx" in l)) + 1:]:
        f = l.split()
        if len(f) == 4:
            rows.append((int(f[0]), int(f[1])))
    return size, rows


def oss_conn(cluster, ost_idx):
    c = wire.Conn(cluster.osts[ost_idx].port)
    r = c.call(wire.OP_HELLO, wire.hello())
    assert r["status"] == 0
    return c


def obj_getattr(cluster, ost_idx, oid, stripe):
    c = oss_conn(cluster, ost_idx)
    try:
        r = c.call(OP_OBJ_GETATTR, struct.pack("<QI", oid, stripe))
        if r["status"] != 0:
            return r["status"]
        return struct.unpack_from("<Q", r["payload"])[0]
    finally:
        c.close()


def obj_read(cluster, ost_idx, oid, stripe, off, length):
    c = oss_conn(cluster, ost_idx)
    try:
        r = c.call(OP_OBJ_READ, struct.pack("<QIQI", oid, stripe, off, length))
        assert r["status"] == 0, r["status"]
        n = struct.unpack_from("<I", r["payload"])[0]
        return r["payload"][4:4 + n]
    finally:
        c.close()


def expect_errno(code, fn, *args, **kw):
    with pytest.raises(OSError) as e:
        fn(*args, **kw)
    assert e.value.errno == code, f"{fn.__name__}: {e.value!r}, want {errno.errorcode[code]}"


def as_user(uid, gid, fn):
    """Run fn() in a child with another uid/gid; returns its errno or 0."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            fn()
        except OSError as e:
            code = e.errno
        except BaseException:
            code = 255
        os._exit(code)
    _, st = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(st)


def p(m, *names):
    return os.path.join(m.path, *names)


# --- names and attributes ---

def test_1a_create_write_read_stat_unlink(mnt):
    """A new file holds what was written; stat, readdir and unlink agree."""
    f = p(mnt, "a")
    with open(f, "wb") as fh:
        fh.write(b"hello glint\n")
    with open(f, "rb") as fh:
        assert fh.read() == b"hello glint\n"
    st = os.stat(f)
    assert stat.S_ISREG(st.st_mode) and st.st_size == 12 and st.st_nlink == 1
    assert sorted(os.listdir(mnt.path)) == ["a"]
    os.unlink(f)
    assert os.listdir(mnt.path) == []
    expect_errno(errno.ENOENT, os.stat, f)
    expect_errno(errno.ENOENT, os.unlink, f)
    expect_errno(errno.ENOENT, open, p(mnt, "nodir", "x"), "w")


def test_1b_create_errors(mnt):
    """O_EXCL, names too long, files where directories are expected."""
    f = p(mnt, "f")
    os.close(os.open(f, os.O_CREAT | os.O_WRONLY, 0o644))
    expect_errno(errno.EEXIST, os.open, f, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    expect_errno(errno.ENAMETOOLONG, open, p(mnt, "x" * 256), "w")
    with open(p(mnt, "y" * 255), "w"):
        pass
    expect_errno(errno.ENOTDIR, open, p(mnt, "f", "x"), "w")
    expect_errno(errno.EEXIST, os.mkdir, f)
    expect_errno(errno.EISDIR, open, mnt.path, "w")


def test_1c_mkdir_rmdir(mnt):
    """mkdir/rmdir with nlink, ENOTEMPTY, ENOTDIR, EISDIR."""
    d = p(mnt, "d")
    os.mkdir(d, 0o750)
    st = os.stat(d)
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o750
    os.mkdir(p(mnt, "d", "sub"))
    assert os.stat(d).st_nlink == 3
    with open(p(mnt, "d", "file"), "w"):
        pass
    expect_errno(errno.ENOTEMPTY, os.rmdir, d)
    expect_errno(errno.ENOTDIR, os.rmdir, p(mnt, "d", "file"))
    expect_errno(errno.EISDIR, os.unlink, p(mnt, "d", "sub"))
    expect_errno(errno.EEXIST, os.mkdir, d)
    os.rmdir(p(mnt, "d", "sub"))
    os.unlink(p(mnt, "d", "file"))
    os.rmdir(d)
    expect_errno(errno.ENOENT, os.rmdir, d)


def test_1d_readdir_many(mnt):
    """2,000 entries listed exactly once, with . and .., through several
    READDIR calls; removing entries while listing skips none of the rest."""
    d = p(mnt, "many")
    os.mkdir(d)
    names = {f"entry-{i:05d}-{'x' * (i % 50)}" for i in range(2000)}
    for n in names:
        os.close(os.open(os.path.join(d, n), os.O_CREAT | os.O_WRONLY))
    assert set(os.listdir(d)) == names
    r = subprocess.run(["ls", "-a", d], capture_output=True, text=True, check=True)
    listed = r.stdout.split()
    assert "." in listed and ".." in listed and len(listed) == 2002
    keep = set()
    with os.scandir(d) as it:
        for i, e in enumerate(it):
            if i % 2 == 0:
                os.unlink(e.path)
            else:
                keep.add(e.name)
    assert set(os.listdir(d)) == keep


def test_1e_symlink_readlink_link(mnt):
    """Symlinks read back; hard links share the inode and count."""
    f = p(mnt, "target")
    with open(f, "w") as fh:
        fh.write("data")
    os.symlink("target", p(mnt, "sl"))
    assert os.readlink(p(mnt, "sl")) == "target"
    assert stat.S_ISLNK(os.lstat(p(mnt, "sl")).st_mode)
    with open(p(mnt, "sl")) as fh:
        assert fh.read() == "data"
    long_target = "t" * 4095
    os.symlink(long_target, p(mnt, "long"))
    assert os.readlink(p(mnt, "long")) == long_target
    expect_errno(errno.EINVAL, os.readlink, f)
    expect_errno(errno.EEXIST, os.symlink, "x", p(mnt, "sl"))
    os.link(f, p(mnt, "hard"))
    assert os.stat(f).st_nlink == 2 and os.stat(f).st_ino == os.stat(p(mnt, "hard")).st_ino
    os.mkdir(p(mnt, "dir"))
    expect_errno(errno.EPERM, os.link, p(mnt, "dir"), p(mnt, "dirlink"))
    expect_errno(errno.EEXIST, os.link, f, p(mnt, "sl"))
    os.unlink(f)
    with open(p(mnt, "hard")) as fh:
        assert fh.read() == "data"
    assert os.stat(p(mnt, "hard")).st_nlink == 1


def test_1f_rename(mnt):
    """rename over files, across directories, NOREPLACE and EXCHANGE."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)

    def renameat2(a, b, flags):
        if libc.renameat2(-100, a.encode(), -100, b.encode(), flags) != 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
    for n, text in (("a", "A"), ("b", "B")):
        with open(p(mnt, n), "w") as fh:
            fh.write(text)
    os.mkdir(p(mnt, "d"))
    os.rename(p(mnt, "a"), p(mnt, "d", "a2"))
    assert open(p(mnt, "d", "a2")).read() == "A"
    expect_errno(errno.ENOENT, os.stat, p(mnt, "a"))
    renameat2(p(mnt, "d", "a2"), p(mnt, "b"), 2)  # RENAME_EXCHANGE
    assert open(p(mnt, "b")).read() == "A" and open(p(mnt, "d", "a2")).read() == "B"
    expect_errno(errno.EEXIST, renameat2, p(mnt, "b"), p(mnt, "d", "a2"), 1)
    os.rename(p(mnt, "b"), p(mnt, "d", "a2"))  # replaces
    assert open(p(mnt, "d", "a2")).read() == "A"
    os.mkdir(p(mnt, "e"))
    with open(p(mnt, "e", "x"), "w"):
        pass
    expect_errno(errno.ENOTEMPTY, os.rename, p(mnt, "d"), p(mnt, "e"))
    expect_errno(errno.EISDIR, os.rename, p(mnt, "d", "a2"), p(mnt, "e"))
    expect_errno(errno.ENOTDIR, os.rename, p(mnt, "e"), p(mnt, "d", "a2"))
    expect_errno(errno.EINVAL, os.rename, p(mnt, "d"), p(mnt, "d", "sub"))


def test_1g_mknod_fifo_socket(mnt):
    """FIFOs and sockets are created with their type."""
    os.mkfifo(p(mnt, "fifo"), 0o640)
    st = os.stat(p(mnt, "fifo"))
    assert stat.S_ISFIFO(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o640
    os.mknod(p(mnt, "sock"), stat.S_IFSOCK | 0o600)
    assert stat.S_ISSOCK(os.stat(p(mnt, "sock")).st_mode)
    expect_errno(errno.EEXIST, os.mkfifo, p(mnt, "fifo"))


def test_1h_setattr(mnt):
    """chmod, chown, utimes and truncate, also through an open file."""
    f = p(mnt, "f")
    with open(f, "wb") as fh:
        fh.write(b"x" * 10000)
    os.chmod(f, 0o600)
    assert stat.S_IMODE(os.stat(f).st_mode) == 0o600
    os.chown(f, 1234, 5678)
    st = os.stat(f)
    assert (st.st_uid, st.st_gid) == (1234, 5678)
    os.utime(f, ns=(1_000_000_123, 2_000_000_456))
    st = os.stat(f)
    assert st.st_atime_ns == 1_000_000_123 and st.st_mtime_ns == 2_000_000_456
    os.truncate(f, 100)
    assert os.stat(f).st_size == 100
    os.truncate(f, 5000)
    with open(f, "rb") as fh:
        data = fh.read()
    assert data == b"x" * 100 + b"\0" * 4900
    with open(f, "r+b") as fh:
        fh.truncate(50)
        assert os.fstat(fh.fileno()).st_size == 50
    expect_errno(errno.EISDIR, os.truncate, mnt.path, 0)


def test_1i_permissions(mnt):
    """The kernel and the MDS refuse what modes forbid (uid 65534)."""
    os.chmod(mnt.cluster.workdir, 0o755)  # mkdtemp's 0700 stops others
    f = p(mnt, "private")
    with open(f, "w") as fh:
        fh.write("secret")
    assert as_user(65534, 65534, lambda: os.listdir(mnt.path)) == 0
    os.chmod(f, 0o600)
    os.chmod(mnt.path, 0o755)
    assert as_user(65534, 65534, lambda: open(f).read()) == errno.EACCES
    assert as_user(65534, 65534, lambda: open(p(mnt, "new"), "w")) == errno.EACCES
    os.mkdir(p(mnt, "pub"))
    os.chmod(p(mnt, "pub"), 0o777)
    assert as_user(65534, 65534, lambda: open(p(mnt, "pub", "mine"), "w").write("x")) == 0
    st = os.stat(p(mnt, "pub", "mine"))
    assert (st.st_uid, st.st_gid) == (65534, 65534)
    assert as_user(65534, 65534, lambda: os.chown(p(mnt, "pub", "mine"), 0, 0)) == errno.EPERM
    os.chmod(f, 0o644)
    assert as_user(65534, 65534, lambda: open(f).read()) == 0
    assert as_user(65534, 65534, lambda: open(f, "w")) == errno.EACCES


def as_user_groups(uid, gid, groups, fn):
    """as_user with supplementary groups."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)
            fn()
        except OSError as e:
            code = e.errno
        except BaseException:
            code = 255
        os._exit(code)
    _, st = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(st)


def test_1i2_sticky_setgid_suid_groups(mnt):
    """Through the mount: sticky directories protect others' entries,
    setgid directories pass their group (and S_ISGID to subdirectories),
    a write by another user clears suid/sgid as Linux does, chown clears
    suid, and supplementary groups grant group access."""
    os.chmod(mnt.cluster.workdir, 0o755)
    os.chmod(mnt.path, 0o755)
    # sticky: 65534 cannot unlink or rename 65533's file in a 1777 dir
    t = p(mnt, "tmp")
    os.mkdir(t)
    os.chmod(t, 0o1777)
    assert as_user(65533, 65533, lambda: open(os.path.join(t, "theirs"), "w").close()) == 0
    assert as_user(65534, 65534, lambda: os.unlink(os.path.join(t, "theirs"))) == errno.EPERM
    assert as_user(65534, 65534, lambda: os.rename(os.path.join(t, "theirs"),
                                                   os.path.join(t, "x"))) == errno.EPERM
    assert as_user(65533, 65533, lambda: os.unlink(os.path.join(t, "theirs"))) == 0
    # setgid directory: new entries take its group; subdirectories S_ISGID
    g = p(mnt, "shared")
    os.mkdir(g)
    os.chown(g, 0, 4242)
    os.chmod(g, 0o2777)
    assert as_user(65534, 65534, lambda: open(os.path.join(g, "f"), "w").close()) == 0
    assert os.stat(os.path.join(g, "f")).st_gid == 4242
    assert as_user(65534, 65534, lambda: os.mkdir(os.path.join(g, "sub"))) == 0
    st = os.stat(os.path.join(g, "sub"))
    assert st.st_gid == 4242 and st.st_mode & stat.S_ISGID
    # a write by a user who is not the owner clears suid and sgid
    f = p(mnt, "suid")
    with open(f, "w") as fh:
        fh.write("x")
    os.chmod(f, 0o6777)
    assert os.stat(f).st_mode & 0o7777 == 0o6777
    assert as_user(65534, 65534, lambda: open(f, "a").write("more")) == 0
    assert os.stat(f).st_mode & (stat.S_ISUID | stat.S_ISGID) == 0
    # chown clears suid (and sgid of a group-executable file)
    os.chmod(f, 0o6755)
    os.chown(f, 65534, 65534)
    assert os.stat(f).st_mode & (stat.S_ISUID | stat.S_ISGID) == 0
    # supplementary groups: group 4343 may read a 0640 file of group 4343
    h = p(mnt, "grp")
    with open(h, "w") as fh:
        fh.write("g")
    os.chown(h, 0, 4343)
    os.chmod(h, 0o640)
    assert as_user(65534, 65534, lambda: open(h).read()) == errno.EACCES
    assert as_user_groups(65534, 65534, [4343], lambda: open(h).read()) == 0


def test_1j_xattrs(mnt):
    """set/get/list/remove with their flags and errors."""
    f = p(mnt, "f")
    with open(f, "w"):
        pass
    os.setxattr(f, "user.a", b"1")
    os.setxattr(f, "user.b", b"x" * 60000)
    assert os.getxattr(f, "user.a") == b"1"
    assert os.getxattr(f, "user.b") == b"x" * 60000
    assert sorted(os.listxattr(f)) == ["user.a", "user.b"]
    expect_errno(errno.EEXIST, os.setxattr, f, "user.a", b"2", os.XATTR_CREATE)
    expect_errno(errno.ENODATA, os.setxattr, f, "user.c", b"2", os.XATTR_REPLACE)
    os.setxattr(f, "user.a", b"22", os.XATTR_REPLACE)
    assert os.getxattr(f, "user.a") == b"22"
    os.removexattr(f, "user.a")
    expect_errno(errno.ENODATA, os.getxattr, f, "user.a")
    expect_errno(errno.ENODATA, os.removexattr, f, "user.a")
    assert os.listxattr(f) == ["user.b"]


def test_1k_statfs(mnt):
    """statfs sums the OSTs: four of 1 GiB."""
    st = os.statvfs(mnt.path)
    assert st.f_blocks * st.f_frsize == 4 << 30
    assert st.f_bavail <= st.f_blocks and st.f_files > 0
    r = subprocess.run(["df", "-P", mnt.path], capture_output=True, text=True, check=True)
    assert mnt.spec in r.stdout


def test_1l_fsync_append_direct_fallocate(mnt):
    """fsync, O_APPEND, O_DIRECT and fallocate punch/extend."""
    f = p(mnt, "f")
    fd = os.open(f, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o644)
    os.write(fd, b"a" * 100)
    os.write(fd, b"b" * 100)
    os.fsync(fd)
    os.close(fd)
    assert open(f, "rb").read() == b"a" * 100 + b"b" * 100
    fd = os.open(f, os.O_RDWR | os.O_DIRECT)
    buf = mmap.mmap(-1, 8192)
    buf.write(b"d" * 8192)
    assert os.pwritev(fd, [buf], 0) == 8192
    rbuf = mmap.mmap(-1, 8192)
    assert os.preadv(fd, [rbuf], 0) == 8192 and rbuf[:] == b"d" * 8192
    os.close(fd)
    with open(f, "r+b") as fh:
        fh.write(b"z" * 200000)
        fh.flush()
        fd = fh.fileno()
        os.posix_fallocate(fd, 0, 300000)
        assert os.fstat(fd).st_size == 300000
        FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE = 1, 2
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
        assert libc.fallocate(fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 1000, 5000) == 0
    data = open(f, "rb").read()
    assert len(data) == 300000
    assert data[:1000] == b"z" * 1000 and data[1000:6000] == b"\0" * 5000
    assert data[6000:200000] == b"z" * 194000 and data[200000:] == b"\0" * 100000


def cachestat(path):
    """(nr_dirty, nr_writeback) pages of path in the page cache, by
    cachestat(2) (Linux 6.5); None where the kernel does not have it."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    rng = (ctypes.c_uint64 * 2)(0, 0)  # off 0, len 0: the whole file
    st = (ctypes.c_uint64 * 5)()
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.syscall(451, fd, rng, st, 0) != 0:  # __NR_cachestat, x86-64
            return None
    finally:
        os.close(fd)
    return st[1], st[2]


def test_1l1_fsync_syncs_what_an_earlier_open_wrote(cluster, mnt):
    """fsync through a new descriptor makes the data written (and closed
    without fsync) through an earlier one durable on every OST: no page of
    the objects is left dirty on the OSSes (Lustre syncs every stripe)."""
    os.mkdir(p(mnt, "d"))
    glint(mnt, "setstripe", "-c", "4", "-S", "1M", p(mnt, "d"))
    f = p(mnt, "d", "synced")  # created by open(2): its layout from CREATE
    with open(f, "wb") as fh:
        fh.write(os.urandom(8 * MiB))
    objs = [os.path.join(r, n) for i in cluster.osts
            for r, _, ns in os.walk(os.path.join(cluster.workdir, f"ost{i}", "objects"))
            for n in ns]
    dirty = {o: cachestat(o) for o in objs}
    if any(v is None for v in dirty.values()):
        pytest.skip("no cachestat(2) in this kernel")
    assert sum(d for d, _ in dirty.values()) > 0, "written data not dirty: nothing to test"
    fd = os.open(f, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    left = {o: v for o, v in ((o, cachestat(o)) for o in objs) if v != (0, 0)}
    assert not left, f"dirty or in writeback after fsync: {left}"


def test_1m_big_sequential(mnt):
    """64 MiB striped over four OSTs in 1 MiB requests reads back."""
    glint(mnt, "setstripe", "-c", "4", "-S", "1M", p(mnt, "big"))
    data = os.urandom(64 * MiB)
    with open(p(mnt, "big"), "wb") as fh:
        for i in range(0, len(data), MiB):
            fh.write(data[i:i + MiB])
    with open(p(mnt, "big"), "rb") as fh:
        assert fh.read() == data


def test_1n_unlink_open_file(mnt):
    """An unlinked file stays readable and writable while open (renamed
    aside, like NFS's silly rename) and is gone after the last close."""
    f = p(mnt, "f")
    with open(f, "wb") as fh:
        fh.write(b"x" * 300000)
    fd = os.open(f, os.O_RDWR)
    os.unlink(f)
    expect_errno(errno.ENOENT, os.stat, f)
    assert os.fstat(fd).st_nlink == 0
    assert os.pread(fd, 10, 299990) == b"x" * 10
    os.pwrite(fd, b"y" * 10, 0)
    assert os.pread(fd, 12, 0) == b"y" * 10 + b"xx"
    assert [n for n in os.listdir(mnt.path) if n.startswith(".glint-unlinked-")]
    os.close(fd)
    wait_for(lambda: os.listdir(mnt.path) == [], 5, "the file to go")
    # a file with two links is unlinked plainly
    with open(f, "w") as fh:
        fh.write("z")
    os.link(f, p(mnt, "g"))
    with open(f) as fh:
        os.unlink(f)
        assert fh.read() == "z"
    assert os.listdir(mnt.path) == ["g"]


# --- striping ---

@pytest.mark.parametrize("count,size", [(1, 65536), (2, 65536), (4, 131072), (-1, 65536)])
def test_2a_striping_places_bytes(mnt, count, size):
    """Each OST object holds exactly the file's bytes of its stripe (read
    back from the OSSes directly), and truncate cuts each to its share."""
    f = p(mnt, "s")
    glint(mnt, "setstripe", "-c", str(count), "-S", str(size), f)
    ssize, stripes = layout_of(mnt, f)
    assert ssize == size and len(stripes) == (4 if count == -1 else count)
    assert len({o for o, _ in stripes}) == len(stripes)  # distinct OSTs
    data = os.urandom(size * len(stripes) * 3 + 12345)
    with open(f, "wb") as fh:
        fh.write(data)
    C = len(stripes)
    for i, (ost, oid) in enumerate(stripes):
        want = b"".join(data[u * size:(u + 1) * size]
                        for u in range(i, (len(data) + size - 1) // size, C))
        assert obj_getattr(mnt.cluster, ost, oid, i) == len(want)
        assert obj_read(mnt.cluster, ost, oid, i, 0, len(want)) == want
    new = size + 100
    os.truncate(f, new)
    for i, (ost, oid) in enumerate(stripes):
        share = sum(max(0, min(size, new - u * size)) for u in range(i, new // size + 1, C))
        assert obj_getattr(mnt.cluster, ost, oid, i) == share
    assert open(f, "rb").read() == data[:new]


def test_2b_getstripe_and_directory_default(mnt):
    """A directory's default layout is inherited by new files; getstripe
    prints lfs-like lines."""
    d = p(mnt, "d")
    os.mkdir(d)
    glint(mnt, "setstripe", "-c", "2", "-S", "256K", d)
    out = glint(mnt, "getstripe", "-d", d).stdout
    assert "stripe_count:  2" in out and "stripe_size:   262144" in out
    with open(os.path.join(d, "f"), "w") as fh:
        fh.write("x")
    out = glint(mnt, "getstripe", os.path.join(d, "f")).stdout
    for key in ("lmm_stripe_count:  2", "lmm_stripe_size:   262144",
                "lmm_pattern:       raid0", "lmm_stripe_offset:", "obdidx"):
        assert key in out, out
    assert glint(mnt, "getstripe", "-c", os.path.join(d, "f")).stdout.strip() == "2"
    r = glint(mnt, "setstripe", "-c", "3", os.path.join(d, "f"), check=False)
    assert r.returncode == 1  # written: the layout is fixed
    r = glint(mnt, "getstripe", "/", check=False)
    assert r.returncode == 1 and "not on a Glint" in r.stderr
    r = glint(mnt, "setstripe", "-S", "1000", os.path.join(d, "g"), check=False)
    assert r.returncode == 2


# --- the exerciser ---

def fsx_ops():
    return int(os.environ.get("GLINT_FSX_OPS", "100000"))


def csv_block(n=1 << 20):
    """n bytes of CSV-like text: data LZ4 compresses well."""
    rng = random.Random(99)
    rows = [f"{i},{rng.choice(['ost', 'mdt', 'client'])},{rng.randrange(1000)},ok\n"
            for i in range(n // 12)]
    return ("".join(rows).encode() * 2)[:n]


def run_fsx(path, ops, seed, use_mmap, max_size=MiB, text=None):
    """Random pwrite/pread/truncate (and mmap stores/loads) on path,
    checked against a shadow bytearray after every read; now and then the
    kernel's cached pages of the file are dropped. Lengths are
    mostly small and cross page (4 KiB), chunk (64 KiB) and stripe
    boundaries; a file of up to 1 MiB is four rounds of four 64 KiB
    stripes, so bulk bytes would add time, not coverage. With text, half
    of the writes are slices of it (compressible) instead of random."""
    rng = random.Random(seed)
    shadow = bytearray()
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for n in range(ops):
            op = rng.random()
            if op < 0.35:
                off = rng.randrange(max_size)
                ln = rng.choice([1, 7, 512, 4096, 65536, rng.randrange(1, 1 << 18)])
                ln = min(ln, max_size - off)
                data = rng.randbytes(ln)
                if text and rng.random() < 0.5:
                    s0 = rng.randrange(len(text) - ln) if ln < len(text) else 0
                    data = (text[s0:s0 + ln] * (ln // len(text) + 1))[:ln]
                if use_mmap and rng.random() < 0.5 and off + ln <= len(shadow):
                    with mmap.mmap(fd, len(shadow)) as mm:
                        mm[off:off + ln] = data
                        if rng.random() < 0.3:
                            mm.flush()
                else:
                    assert os.pwrite(fd, data, off) == ln
                if off > len(shadow):
                    shadow.extend(b"\0" * (off - len(shadow)))
                shadow[off:off + ln] = data
            elif op < 0.75:
                off = rng.randrange(max_size)
                ln = rng.choice([1, 4096, 65536, rng.randrange(1, 1 << 18)])
                if use_mmap and rng.random() < 0.5 and len(shadow):
                    off %= len(shadow)
                    ln = min(ln, len(shadow) - off)
                    with mmap.mmap(fd, len(shadow), prot=mmap.PROT_READ) as mm:
                        got = mm[off:off + ln]
                else:
                    got = os.pread(fd, ln, off)
                if got != shadow[off:off + ln]:
                    raise AssertionError(f"op {n}: read {ln} at {off} differs "
                                         f"(size {len(shadow)})")
            elif op < 0.85:
                size = rng.randrange(max_size)
                os.ftruncate(fd, size)
                if size < len(shadow):
                    del shadow[size:]
                else:
                    shadow.extend(b"\0" * (size - len(shadow)))
            elif op < 0.92:
                assert os.fstat(fd).st_size == len(shadow), f"op {n}: size"
            elif op < 0.94:
                os.fsync(fd)
            elif op < 0.97:
                # The kernel's pages of the file go: the next reads reach
                # the client, and small ones its read cache (rcache.h).
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            else:
                os.close(fd)  # close-to-open within one client
                fd = os.open(path, os.O_RDWR)
                assert os.fstat(fd).st_size == len(shadow)
    finally:
        os.close(fd)
    with open(path, "rb") as fh:
        assert fh.read() == bytes(shadow)
    return bytes(shadow)


def fsx_child(path, ops, seed, use_mmap, text):
    """One configuration in a child process: (None or the failure, the
    final contents' digest, seconds)."""
    import hashlib
    import traceback
    t0 = time.monotonic()
    try:
        final = run_fsx(path, ops, seed, use_mmap, text=text)
        return None, hashlib.sha256(final).hexdigest(), time.monotonic() - t0
    except BaseException:
        return traceback.format_exc(), None, time.monotonic() - t0


@pytest.mark.parametrize("compr", ["none", "lz4"])
def test_3a_exerciser(make_mount, compr):
    """Random I/O against a shadow copy, GLINT_FSX_OPS operations for each
    of stripe counts 1, 2, 4 with 64 KiB stripes, with and without mmap:
    six files, each exercised by its own process, all at once through one
    mount (the machine's cores stay busy: each process mostly waits on
    round trips). Every result is then read through a second mount.
    With lz4 (a quarter of the operations, to bound CI time), the files
    are LZ4-compressed by the client and half the writes are compressible
    text, so the compressed paths are the ones taken."""
    import concurrent.futures
    import hashlib
    import multiprocessing
    m = make_mount()
    ops = fsx_ops() if compr == "none" else max(fsx_ops() // 4, 200)
    text = csv_block() if compr == "lz4" else None
    base = int(os.environ.get("GLINT_FSX_SEED", "0"))
    configs = [(count, use_mmap) for count in (1, 2, 4) for use_mmap in (False, True)]
    for count, use_mmap in configs:
        glint(m, "setstripe", "-c", str(count), "-S", "64K", "-Z", compr,
              p(m, f"fsx-c{count}-{'mmap' if use_mmap else 'rw'}"))
    t0 = time.monotonic()
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(len(configs), mp_context=ctx) as ex:
        futs = {cfg: ex.submit(fsx_child, p(m, f"fsx-c{cfg[0]}-{'mmap' if cfg[1] else 'rw'}"),
                               ops, base + cfg[0] * 2 + cfg[1], cfg[1], text)
                for cfg in configs}
        results = {cfg: f.result() for cfg, f in futs.items()}
    elapsed = time.monotonic() - t0
    print(f"\nexerciser ({compr}): {ops} ops x {len(configs)} configurations in {elapsed:.1f} s: " +
          ", ".join(f"c{c}/{'mmap' if mm else 'rw'} {r[2]:.1f} s"
                    for (c, mm), r in results.items()))
    failed = {f"count {c} {'mmap' if mm else 'rw'} seed {base + c * 2 + mm}": r[0]
              for (c, mm), r in results.items() if r[0]}
    assert not failed, "\n".join(f"{k}:\n{v}" for k, v in failed.items())
    if compr == "lz4":  # the compressed paths were taken
        out = glint(m, "getstripe", p(m, "fsx-c4-rw")).stdout
        kv = dict(l.split(":", 1) for l in out.splitlines() if l.startswith("lmm_compr"))
        assert kv["lmm_compr_type"].strip() == "lz4"
        assert int(kv["lmm_compr_stored"]) < int(kv["lmm_compr_logical"]), out
    m2 = make_mount("mnt2")
    for (count, use_mmap), (_, digest, _) in results.items():
        with open(p(m2, f"fsx-c{count}-{'mmap' if use_mmap else 'rw'}"), "rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == digest, (count, use_mmap)


# --- two mounts ---

def test_4a_close_to_open(make_mount):
    """Write+close on one mount; open+read on the other sees it, also
    after the other had the old contents and attributes cached."""
    a, b = make_mount("a"), make_mount("b")
    with open(p(a, "f"), "wb") as fh:
        fh.write(b"one")
    with open(p(b, "f"), "rb") as fh:
        assert fh.read() == b"one"
    assert os.stat(p(b, "f")).st_size == 3
    with open(p(a, "f"), "wb") as fh:
        fh.write(b"second version")
    with open(p(b, "f"), "rb") as fh:
        assert fh.read() == b"second version"
    with open(p(a, "f"), "ab") as fh:
        fh.write(b"!" * 100000)
    with open(p(b, "f"), "rb") as fh:
        assert fh.read() == b"second version" + b"!" * 100000
    os.unlink(p(b, "f"))
    expect_errno(errno.ENOENT, open, p(a, "f"))
    os.mkdir(p(a, "dir"))
    assert os.listdir(p(b, "dir")) == []


def test_4a1_open_after_lookup_skips_getattr(make_mount):
    """An open(2) that had to look its name up (no entry in the kernel's
    cache) uses the attributes that LOOKUP brought instead of asking the
    MDS again; one whose name was cached asks (GETATTR) and so still sees
    what another mount wrote and closed since."""
    a = make_mount("a")
    b = make_mount("b", opts=("flock", "log_level=debug"))
    for i in range(5):
        with open(p(a, f"f{i}"), "wb") as fh:
            fh.write(b"v1 %d" % i)
    for i in range(5):  # names b has never seen: LOOKUP, then OPEN
        with open(p(b, f"f{i}"), "rb") as fh:
            assert fh.read() == b"v1 %d" % i
    # Each OPEN came right after its LOOKUP (within CLIENT_OPEN_FRESH_MS
    # unless the machine stalled the thread in between).
    fresh = b.read_log().count("attributes from this thread's LOOKUP")
    assert 1 <= fresh <= 5, b.read_log()[-2000:]
    for i in range(5):  # changed on a; b's entries are cached: GETATTR
        with open(p(a, f"f{i}"), "wb") as fh:
            fh.write(b"version two %d" % i)
        with open(p(b, f"f{i}"), "rb") as fh:
            assert fh.read() == b"version two %d" % i


def test_4a2_directory_attrs_after_changes(cluster, make_mount):
    """After create, mkdir, unlink, rmdir and rename in a directory, stat of
    the directory on the same mount (answered from the attributes the MDS
    sent with the change) gives what the MDS holds; another mount sees the
    same once its attribute cache (1 s) has expired; chmod and xattr
    changes of the directory show at once on the mount that made them."""
    a, b = make_mount("a"), make_mount("b")
    m = wire.MdConn(cluster.mds.port)
    os.mkdir(p(a, "d"))
    d_ino = os.stat(p(a, "d")).st_ino

    def mds_view():
        st, e = m.getattr(d_ino)
        assert st == 0
        return (e["nlink"], e["mtime"] * 10**9 + e["mtime_ns"],
                e["ctime"] * 10**9 + e["ctime_ns"], e["mode"])

    def view(path):
        s = os.stat(path)
        return s.st_nlink, s.st_mtime_ns, s.st_ctime_ns, s.st_mode

    os.stat(p(b, "d"))  # b caches the attributes from now
    steps = [
        lambda: os.close(os.open(p(a, "d", "f"), os.O_CREAT | os.O_WRONLY, 0o644)),
        lambda: os.mkdir(p(a, "d", "sub")),
        lambda: os.rename(p(a, "d", "f"), p(a, "d", "g")),
        lambda: os.rename(p(a, "d", "g"), p(a, "d", "sub", "g")),
        lambda: os.unlink(p(a, "d", "sub", "g")),
        lambda: os.rmdir(p(a, "d", "sub")),
        lambda: os.symlink("x", p(a, "d", "sl")),
        lambda: os.link(p(a, "d", "sl"), p(a, "d", "sl2"), follow_symlinks=False),
        lambda: os.unlink(p(a, "d", "sl")),
    ]
    for i, step in enumerate(steps):
        old = view(p(a, "d"))
        time.sleep(0.01)  # mtime moves visibly
        step()
        now = view(p(a, "d"))
        assert now == mds_view(), f"step {i}"
        if i != 4:  # unlinking sub/g changes sub, not d
            assert now[1] > old[1], f"step {i}: mtime did not move"
        if i == 1:
            assert now[0] == 3  # sub's ".." counts
        if i == 5:
            assert now[0] == 2
    time.sleep(1.2)
    assert view(p(b, "d")) == mds_view()
    # this mount's own chmod and xattr changes show at once
    os.unlink(p(a, "d", "sl2"))
    os.chmod(p(a, "d"), 0o700)
    assert stat.S_IMODE(os.stat(p(a, "d")).st_mode) == 0o700
    assert view(p(a, "d")) == mds_view()
    os.close(os.open(p(a, "d", "h"), os.O_CREAT | os.O_WRONLY, 0o644))
    old = view(p(a, "d"))
    time.sleep(0.01)
    os.setxattr(p(a, "d"), "user.k", b"v")
    assert view(p(a, "d")) == mds_view()
    assert view(p(a, "d"))[2] > old[2]
    os.unlink(p(a, "d", "h"))
    os.rmdir(p(a, "d"))
    m.close()


def test_4b_flock_across_mounts(make_mount):
    """flock and fcntl locks are exclusive across two mounts; released on
    close; a blocked waiter gets the lock when the holder lets go."""
    a, b = make_mount("a"), make_mount("b")
    with open(p(a, "lk"), "w"):
        pass
    fa = open(p(a, "lk"), "r+")
    fb = open(p(b, "lk"), "r+")
    fcntl.flock(fa, fcntl.LOCK_EX)
    expect_errno(errno.EWOULDBLOCK, fcntl.flock, fb, fcntl.LOCK_EX | fcntl.LOCK_NB)
    expect_errno(errno.EWOULDBLOCK, fcntl.flock, fb, fcntl.LOCK_SH | fcntl.LOCK_NB)
    got = threading.Event()

    def waiter():
        fcntl.flock(fb, fcntl.LOCK_EX)
        got.set()
    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.3)
    assert not got.is_set()
    fcntl.flock(fa, fcntl.LOCK_UN)
    assert got.wait(10)
    t.join()
    fcntl.flock(fb, fcntl.LOCK_UN)
    # shared locks coexist
    fcntl.flock(fa, fcntl.LOCK_SH)
    fcntl.flock(fb, fcntl.LOCK_SH | fcntl.LOCK_NB)
    fcntl.flock(fb, fcntl.LOCK_UN)
    fa.close()  # release drops the flock
    # FUSE sends RELEASE (which drops the flock) after close(2) returns, so
    # the lock is free soon after, not at once.
    deadline = time.monotonic() + 10
    while True:
        try:
            fcntl.flock(fb, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            assert time.monotonic() < deadline, "flock not released after close"
            time.sleep(0.05)
    fcntl.flock(fb, fcntl.LOCK_UN)

    # POSIX byte ranges
    fa = open(p(a, "lk"), "r+")
    fcntl.lockf(fa, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 0)  # bytes 0..99
    expect_errno(errno.EAGAIN, fcntl.lockf, fb, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 50)
    fcntl.lockf(fb, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 100)  # 100..109: free
    q = fcntl.fcntl(fb, fcntl.F_GETLK, struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 10, 0))
    ltype, _, start, length, _ = struct.unpack("hhqqi", q)
    assert ltype == fcntl.F_WRLCK and start == 0 and length == 100
    fa.close()  # close drops the POSIX locks
    fcntl.lockf(fb, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 0)
    fb.close()


def test_4a3_read_only_close_sends_no_flush(make_mount):
    """close(2) of a read-only descriptor sends no FLUSH (FOPEN_NOFLUSH:
    nothing to wait for or report), unless -o flock is on (the flush
    drops the closing owner's POSIX locks, which a reader can hold); a
    writer's close still flushes and so reports a background write's
    error. Requests counted in libfuse's debug output."""
    def flushes(m):
        return m.read_log().count("opcode: FLUSH")

    m = make_mount("nf", opts=("debug",))
    with open(p(m, "f"), "wb") as fh:
        fh.write(b"x" * 100000)
    after_write = flushes(m)
    assert after_write >= 1, m.read_log()[-2000:]
    for _ in range(3):
        with open(p(m, "f"), "rb") as fh:
            assert fh.read() == b"x" * 100000
    assert flushes(m) == after_write, m.read_log()[-2000:]
    with open(p(m, "f"), "r+b") as fh:  # read-write: flushed
        fh.write(b"y")
    assert flushes(m) == after_write + 1
    lk = make_mount("nf_flock", opts=("debug", "flock"))
    with open(p(lk, "f"), "rb") as fh:
        fcntl.lockf(fh, fcntl.LOCK_SH, 0, 0)
        assert fh.read(1) == b"y"
    assert flushes(lk) == 1, lk.read_log()[-2000:]
    # The lock went with that close: another mount takes it at once.
    lk2 = make_mount("nf_flock2", opts=("flock",))
    with open(p(lk2, "f"), "r+b") as fh:
        fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB, 0, 0)


def test_4c_locks_enosys_without_flock(make_mount):
    """Mounted without -o flock, lock calls fail with ENOSYS as on Lustre;
    with -o localflock they work locally."""
    m = make_mount("nolock", opts=())
    with open(p(m, "f"), "w") as fh:
        expect_errno(errno.ENOSYS, fcntl.flock, fh, fcntl.LOCK_EX)
        expect_errno(errno.ENOSYS, fcntl.lockf, fh, fcntl.LOCK_EX, 0, 0)
    m2 = make_mount("local", opts=("localflock",))
    with open(p(m2, "f"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fcntl.lockf(fh, fcntl.LOCK_EX, 0, 0)


# --- failures ---

def test_5a_lost_oss_gives_eio_then_recovers(cluster, make_mount):
    """A killed OSS makes reads of its stripes fail with EIO (quickly, and
    within the timeout when it hangs instead); once restarted, the file
    reads again."""
    m = make_mount("m", opts=("timeout=2",))
    f = p(m, "f")
    glint(m, "setstripe", "-c", "4", "-S", "64K", f)
    data = os.urandom(4 * 65536)
    with open(f, "wb") as fh:
        fh.write(data)
    _, stripes = layout_of(m, f)
    victim = stripes[1][0]
    # A hung OSS: EIO after the 2 s timeout, not a hang.
    fd = os.open(f, os.O_RDWR | os.O_DIRECT)
    buf = mmap.mmap(-1, len(data))
    wbuf = mmap.mmap(-1, 4096)
    cluster.osts[victim].p.send_signal(signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        expect_errno(errno.EIO, os.preadv, fd, [buf], 0)
        assert time.monotonic() - t0 < 8
    finally:
        cluster.osts[victim].p.send_signal(signal.SIGCONT)
    assert os.preadv(fd, [buf], 0) == len(data) and buf[:] == data
    # A killed OSS: EIO at once.
    cluster.osts[victim].p.kill()
    cluster.osts[victim].p.wait()
    t0 = time.monotonic()
    expect_errno(errno.EIO, os.preadv, fd, [buf], 0)
    expect_errno(errno.EIO, os.pwritev, fd, [wbuf], 65536)
    assert time.monotonic() - t0 < 8
    # Stripes on other OSTs still work.
    assert os.pread(fd, 100, 0) == data[:100]
    cluster.start_oss(victim)
    cluster.wait_osts_up(4)

    def readable():
        try:
            return os.preadv(fd, [buf], 0) == len(data) and buf[:] == data
        except OSError:
            return False
    try:
        wait_for(readable, 15, "reads after the OSS restarted")
        assert os.pwritev(fd, [wbuf], 65536) == 4096
    finally:
        os.close(fd)


def test_5c_hung_mds_lookup(cluster, make_mount):
    """A hung MDS makes a lookup fail with EIO after the timeout, not hang
    (lookups are answered from the MDS client's thread when the reply
    comes); a client whose FUSE connection is aborted while a lookup waits
    for the MDS waits for that lookup to end before it tears its session
    down, and exits cleanly."""
    # The root's attributes stay fresh: the kernel asks no GETATTR before
    # the lookups.
    m = make_mount("m", opts=("timeout=2", "attr_timeout=60"))
    ctl = "/sys/fs/fuse/connections"
    ours = not mounted(ctl)
    if ours:
        subprocess.run(["mount", "-t", "fusectl", "fusectl", ctl], check=True)
    conn = os.path.join(ctl, str(os.stat(m.path).st_dev))
    cluster.mds.p.send_signal(signal.SIGSTOP)
    try:
        assert os.path.isdir(conn)
        t0 = time.monotonic()
        expect_errno(errno.EIO, os.stat, p(m, "nope"))
        assert time.monotonic() - t0 < 8
        errs = []

        def look():
            try:
                os.stat(p(m, "nope2"))
            except OSError as e:
                errs.append(e.errno)
        th = threading.Thread(target=look)
        th.start()
        time.sleep(0.5)  # its LOOKUP is with the MDS now
        with open(os.path.join(conn, "abort"), "w") as f:
            f.write("1")
        th.join(10)
        assert errs and errs[0] in (errno.ENOTCONN, errno.ECONNABORTED), errs
        m.p.wait(15)  # after that lookup's 2 s timeout
        assert m.p.returncode == 0, m.read_log()[-3000:]
        # Without the wait, that lookup's answer went to a FUSE session
        # already destroyed ("fuse: writing device: Bad file descriptor",
        # or a descriptor since reused).
        log = m.read_log()
        assert "writing device" not in log and "AddressSanitizer" not in log, log
    finally:
        cluster.mds.p.send_signal(signal.SIGCONT)
        if ours:
            subprocess.run(["umount", ctl])


# --- mounting ---

def test_6a_mount_helper_and_umount(cluster, workdir):
    """mount.glint SPEC DIR -o OPTS mounts and returns (the daemon serves
    in the background); umount ends the daemon."""
    d = os.path.join(workdir, "helper")
    os.makedirs(d)
    spec = f"127.0.0.1:{cluster.mds.port}@tcp:/{cluster.fsname}"
    r = subprocess.run([cluster.bin("client/mount.glint"), spec, d, "-o",
                        "rw,noatime,flock,_netdev"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    try:
        assert mounted(d)
        with open("/proc/self/mountinfo") as f:
            line = [l for l in f if f" {d} " in l][0]
        assert "fuse.glint" in line and spec in line and "noatime" in line
        with open(os.path.join(d, "x"), "w") as fh:
            fh.write("via helper")
        with open(os.path.join(d, "x")) as fh:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        pids = [int(x) for x in os.listdir("/proc") if x.isdigit()
                and d.encode() in open(f"/proc/{x}/cmdline", "rb").read()]
        assert pids
    finally:
        subprocess.run(["umount", d], check=True)
    wait_for(lambda: not any(os.path.exists(f"/proc/{pid}") and
                             open(f"/proc/{pid}/stat").read().split()[2] != "Z"
                             for pid in pids), 10, "the daemon to exit")


def test_6b_bad_spec_and_unreachable_mds(cluster, workdir):
    """A bad spec or a wrong file system name fails the mount command."""
    d = os.path.join(workdir, "bad")
    os.makedirs(d)
    client = cluster.bin("client/glint-client")
    r = subprocess.run([client, "nonsense", d], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "MDSHOST" in r.stderr
    r = subprocess.run([client, f"127.0.0.1:{cluster.mds.port}@tcp:/other", d],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "other" in r.stderr
    assert not mounted(d)


def test_6c_sigterm_unmounts(make_mount):
    """SIGTERM makes the client unmount and exit 0."""
    m = make_mount("t")
    with open(p(m, "f"), "w") as fh:
        fh.write("x")
    m.p.terminate()
    assert m.p.wait(10) == 0
    assert not mounted(m.path)
