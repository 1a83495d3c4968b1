"""The file system end to end, beyond single operations: files over 4 GiB,
MDS and OSS restarts with data intact, a full OST (ENOSPC, then space
again), placement that skips full OSTs, a directory of 100,000 entries,
and an /etc/fstab line.

Real servers and real mounts (conftest.py); numbered like Lustre's
sanity.sh, one line of purpose each.
"""
import errno
import hashlib
import mmap
import os
import random
import re
import stat
import subprocess
import time

import pytest

import wire
from conftest import (Cluster, Mount, Proc, drop_caches, mds_compression_args,
                      mounted, wait_for)

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30


def glint(c, *args, check=True):
    """The glint tool (paths inside a mount, or --mds for cluster commands)."""
    r = subprocess.run([c.bin("tools/glint"), *args], capture_output=True, text=True,
                       timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"glint {' '.join(args)}: {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def stripes_of(c, path):
    """[ost_idx, ...] of a file, from glint getstripe."""
    out = glint(c, "getstripe", path).stdout.splitlines()
    head = next(i for i, l in enumerate(out) if "obdidx" in l)
    return [int(l.split()[0]) for l in out[head + 1:] if len(l.split()) == 4]


def ost_avail(c, idx):
    """Bytes available on OST idx, asked from its OSS by STATFS."""
    conn = wire.Conn(c.osts[idx].port)
    try:
        assert conn.call(wire.OP_HELLO, wire.hello())["status"] == 0
        r = conn.call(wire.OP_STATFS)
        assert r["status"] == 0
        _, _, total, used, avail = __import__("struct").unpack_from("<BIQQQ", r["payload"])
        return avail
    finally:
        conn.close()


def restart_mds(c):
    """Stop the MDS and start it again on the same port with the same --db."""
    port = c.mds.port
    assert c.mds.stop() == 0
    c.mds = Proc("mds", [c.bin("mds/glint-mds"), "--listen", f"127.0.0.1:{port}",
                         "--db", os.path.join(c.workdir, "mds"), "--fsname", c.fsname,
                         *mds_compression_args()],
                 c.workdir)
    c.mds.wait_port()


def md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(MiB), b""):
            h.update(b)
    return h.hexdigest()


@pytest.fixture
def small_cluster(bindir, workdir):
    """Factory: small_cluster([cap0, cap1, ...]) starts an MDS and one OSS
    per capacity, and yields (cluster, mount); all stopped at teardown and
    checked to have exited cleanly."""
    made = []

    def make(caps, mount_opts=("flock",), oss_opts=()):
        c = Cluster(bindir, workdir)
        made.append((c, None))
        c.start_mds()
        for i, cap in enumerate(caps):
            c.start_oss(i, cap, *oss_opts)
        c.wait_osts_up(len(caps))
        m = Mount(c, "mnt", mount_opts)
        made[-1] = (c, m)
        return c, m
    yield make
    bad = {}
    for c, m in made:
        if m is not None and m.umount() != 0:
            bad["client"] = m.p.returncode
        bad.update({k: v for k, v in c.stop().items() if v != 0})
    assert not bad, f"did not exit cleanly: {bad}"


# --- 1: files over 4 GiB ---

@pytest.mark.parametrize("count", [1, 4])
def test_1a_file_over_4g_sparse(make_mount, count):
    """Writes around 4 GiB and past 5 GiB read back, the size is right,
    holes read as zeros, and truncating down across 4 GiB cuts exactly;
    nothing but the written bytes takes disk space."""
    m = make_mount()
    f = os.path.join(m.path, "big")
    glint(m.cluster, "setstripe", "-c", str(count), "-S", "1M", f)
    pieces = {
        4 * GiB - 5000: os.urandom(10000),            # across 4 GiB
        4 * GiB + 64 * KiB + 123: os.urandom(4096),
        5 * GiB + 7 * MiB + 1: os.urandom(3 * MiB),   # across stripe ends
        4 * GiB + GiB // 2 + 17: os.urandom(100),
    }
    end = max(o + len(d) for o, d in pieces.items())
    fd = os.open(f, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        for off, data in pieces.items():
            assert os.pwrite(fd, data, off) == len(data)
        assert os.fstat(fd).st_size == end
        os.fsync(fd)
    finally:
        os.close(fd)
    assert os.stat(f).st_size == end
    with open(f, "rb") as fh:
        for off, data in pieces.items():
            fh.seek(off)
            assert fh.read(len(data)) == data, hex(off)
            fh.seek(off - 300)
            assert fh.read(300) == b"\0" * 300
        fh.seek(3 * GiB)
        assert fh.read(MiB) == b"\0" * MiB
        fh.seek(end - 10)
        assert fh.read(100) == pieces[5 * GiB + 7 * MiB + 1][-10:]  # EOF
    # The OSTs hold the written bytes only (sparse objects).
    used = sum(1024 * int(l.split()[2]) for l in
               glint(m.cluster, "--mds", m.cluster.mds_addr, "df").stdout.splitlines() if "[OST:" in l)
    assert used < 64 * MiB, used
    # Truncate down across the 4 GiB boundary, then up again.
    new = 4 * GiB - 1000
    os.truncate(f, new)
    assert os.stat(f).st_size == new
    with open(f, "rb") as fh:
        fh.seek(4 * GiB - 5000)
        assert fh.read() == pieces[4 * GiB - 5000][:4000]
    os.truncate(f, 5 * GiB)
    assert os.stat(f).st_size == 5 * GiB
    with open(f, "rb") as fh:
        fh.seek(4 * GiB - 5000)
        assert fh.read(10000) == pieces[4 * GiB - 5000][:4000] + b"\0" * 6000
        fh.seek(4 * GiB + 64 * KiB + 123)
        assert fh.read(4096) == b"\0" * 4096
        fh.seek(5 * GiB - 10)
        assert fh.read(100) == b"\0" * 10
    # A second mount sees the same.
    m2 = make_mount("mnt2")
    st = os.stat(os.path.join(m2.path, "big"))
    assert st.st_size == 5 * GiB
    with open(os.path.join(m2.path, "big"), "rb") as fh:
        fh.seek(4 * GiB - 5000)
        assert fh.read(4000) == pieces[4 * GiB - 5000][:4000]


# --- 2: restarts ---

def populate(root, c):
    """Files of several stripe counts, directories, links, modes, xattrs.
    Returns what snapshot() should find."""
    os.mkdir(os.path.join(root, "d"), 0o750)
    os.mkdir(os.path.join(root, "d", "sub"))
    for i, (count, size) in enumerate([(1, 100), (1, 3 * MiB + 5), (2, 5 * MiB),
                                       (4, 9 * MiB + 77), (-1, 2 * MiB), (4, 0)]):
        f = os.path.join(root, "d" if i % 2 else "", f"f{i}-c{count}")
        glint(c, "setstripe", "-c", str(count), "-S", "64K", f)
        with open(f, "wb") as fh:
            fh.write(os.urandom(size))
        os.chmod(f, 0o600 + i)
        os.setxattr(f, "user.idx", str(i).encode())
    sparse = os.path.join(root, "d", "sub", "sparse")
    with open(sparse, "wb") as fh:
        fh.seek(100 * MiB)
        fh.write(b"end")
    os.symlink("d/sub/sparse", os.path.join(root, "link"))
    os.symlink("/nowhere/" + "x" * 300, os.path.join(root, "dangling"))
    os.link(os.path.join(root, "f0-c1"), os.path.join(root, "d", "hard"))
    os.mkfifo(os.path.join(root, "d", "fifo"), 0o640)
    os.setxattr(os.path.join(root, "d"), "user.big", b"v" * 5000)
    os.utime(os.path.join(root, "f0-c1"), ns=(1_500_000_000_123, 1_600_000_000_456))
    return snapshot(root)


def snapshot(root):
    """{relative path: (type and mode, size, nlink, mtime, xattrs, content)}."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for n in sorted(dirs + files):
            full = os.path.join(dirpath, n)
            st = os.lstat(full)
            xa = {} if stat.S_ISLNK(st.st_mode) else \
                {k: os.getxattr(full, k) for k in sorted(os.listxattr(full))}
            if stat.S_ISREG(st.st_mode):
                content = md5(full)
            elif stat.S_ISLNK(st.st_mode):
                content = os.readlink(full)
            else:
                content = None
            mtime = st.st_mtime_ns if stat.S_ISREG(st.st_mode) else None
            out[os.path.relpath(full, root)] = (st.st_mode, st.st_size if not
                                                stat.S_ISDIR(st.st_mode) else None,
                                                st.st_nlink, mtime, xa, content,
                                                st.st_uid, st.st_gid)
    return out


def test_2a_mds_and_oss_restart_keep_everything(cluster, make_mount):
    """After the MDS restarts (same db, same port) and then each OSS in
    turn, names, sizes, modes, links, xattrs and data are all intact, seen
    from the mount that stayed and from a new one; the layouts too."""
    m = make_mount("stay")
    before = populate(m.path, cluster)
    layouts = {n: stripes_of(cluster, os.path.join(m.path, n))
               for n in before if re.match(r"(d/)?f\d", n)}
    assert len(before) == 13
    restart_mds(cluster)
    cluster.wait_osts_up(4, timeout=15)
    assert snapshot(m.path) == before
    fresh = make_mount("fresh")
    assert snapshot(fresh.path) == before
    for i in range(4):
        assert cluster.osts[i].stop() == 0
        cluster.start_oss(i)
        cluster.wait_osts_up(4, timeout=15)
        # the kept mount learns the OSS's new port (wait for its map refresh)
        wait_for(lambda: snapshot_or_none(m.path) == before, 20,
                 f"data after OSS {i} restarted")
    assert snapshot(fresh.path) == before
    for n, osts in layouts.items():
        assert stripes_of(cluster, os.path.join(fresh.path, n)) == osts
    # and it still works: new files, changes to old ones
    with open(os.path.join(m.path, "f0-c1"), "ab") as fh:
        fh.write(b"more")
    with open(os.path.join(fresh.path, "f0-c1"), "rb") as fh:
        assert fh.read()[-4:] == b"more"
    # a second MDS restart with both clients mounted, then the other way
    restart_mds(cluster)
    cluster.wait_osts_up(4, timeout=15)
    wait_for(lambda: os.stat(os.path.join(m.path, "f0-c1")).st_size == 104, 10, "size")
    os.mkdir(os.path.join(fresh.path, "after"))
    assert "after" in os.listdir(m.path)


def snapshot_or_none(root):
    try:
        return snapshot(root)
    except OSError:
        return None


# --- 3: a full OST ---

FILL_CHUNK = 256 * KiB


def fill_data(k):
    """Chunk k of what fill() writes: random bytes (so that it fills an
    OST under LZ4 too), the same every time (so that it can be checked)."""
    return random.Random(k + 1).randbytes(FILL_CHUNK)


def fill(path, chunk=FILL_CHUNK):
    """Write chunks to path until the write fails; returns (bytes written,
    the OSError). The data is fill_data's, so it can be checked later."""
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            data = fill_data(written // chunk)
            try:
                n = os.write(fd, data)
            except OSError as e:
                return written, e
            written += n
            assert written < 64 * MiB, "the OST never filled"
    finally:
        try:
            os.close(fd)
        except OSError:
            pass


def test_3a_enospc_then_space_again(small_cluster):
    """A 4 MiB OST fills: a write(2) gets ENOSPC (with write-behind, one
    after the write that failed on the OST), what was written before is
    intact, unlinking gives the space back (once the objects are destroyed
    in the background) and writes succeed again."""
    c, m = small_cluster(["4M", "1G"])
    keep = os.path.join(m.path, "keep")
    glint(c, "setstripe", "-c", "1", "-i", "0", keep)
    keep_data = os.urandom(MiB + 333)
    with open(keep, "wb") as fh:
        fh.write(keep_data)
    wide = os.path.join(m.path, "wide")
    glint(c, "setstripe", "-c", "2", "-S", "64K", wide)
    wide_data = os.urandom(300 * KiB)
    with open(wide, "wb") as fh:
        fh.write(wide_data)
    # Made now, while OST0 has room: once its OSS has reported it full the
    # MDS places new files elsewhere, even with -i 0 (as Lustre skips a
    # full OST), and a later setstripe would race with that report.
    small = os.path.join(m.path, "small")
    glint(c, "setstripe", "-c", "1", "-i", "0", small)
    hog = os.path.join(m.path, "hog")
    glint(c, "setstripe", "-c", "1", "-i", "0", hog)
    written, err = fill(hog)
    assert err.errno == errno.ENOSPC, err
    assert written >= MiB, written
    print(f"ENOSPC after {written} bytes on a 4 MiB OST")
    # The bytes before the failure are there, the rest of the file is not.
    # Write-behind: write(2) returned before the OST answered, so writes
    # past the first failed one were accepted too (the error came with a
    # later write), and the size counts only writes the OST stored. Those
    # in flight together may be stored in any order: a block is the
    # pattern or, where its write failed, a hole. Even an early one: under
    # load an OSS worker took the write of [256K, 1M) after the writes up
    # to 3.75M had filled the OST (seen under ASan with the CPUs busy).
    size = os.stat(hog).st_size
    assert MiB <= size <= written, (size, written)
    with open(hog, "rb") as fh:
        got = fh.read()
    assert len(got) == size
    stored = 0
    for i in range(0, size, 4096):
        blk = got[i:i + 4096]
        want = fill_data(i // FILL_CHUNK)[i % FILL_CHUNK:][:len(blk)]
        assert blk in (want, bytes(len(blk))), i
        stored += len(blk) if blk == want else 0
    # More than a MiB of it was stored (the OST had room for more).
    assert stored >= MiB, stored
    # everything written before is intact
    assert open(keep, "rb").read() == keep_data
    assert open(wide, "rb").read() == wide_data
    assert ost_avail(c, 0) < 256 * KiB
    # fsync, close and a small write to another file on the full OST
    fd = os.open(small, os.O_WRONLY)
    with pytest.raises(OSError) as e:
        os.write(fd, os.urandom(512 * KiB))  # LZ4 would not shrink it
        os.fsync(fd)
    assert e.value.errno == errno.ENOSPC
    os.close(fd)
    # free the space: the destroyer removes the objects in the background
    os.unlink(hog)
    wait_for(lambda: ost_avail(c, 0) > 2 * MiB, 20, "OST0's space back")
    df = glint(c, "--mds", c.mds_addr, "df").stdout
    assert "OST:0" in df
    again = os.path.join(m.path, "again")
    glint(c, "setstripe", "-c", "1", "-i", "0", again)
    data = os.urandom(2 * MiB)
    with open(again, "wb") as fh:
        fh.write(data)
    assert open(again, "rb").read() == data
    assert open(keep, "rb").read() == keep_data
    assert open(wide, "rb").read() == wide_data


# --- 4: placement skips full OSTs ---

def mds_log_has(c, pattern):
    return re.search(pattern, c.mds.read_log()) is not None


def test_4a_placement_skips_full_ost(small_cluster):
    """With OST0 full (its OSS reports its free space to the MDS with each
    PING), new files go to the others, also with -c -1 and -i 0; with its
    space back, OST0 gets new files again."""
    c, m = small_cluster(["8M", "1G", "1G"])
    # Made now, while OST0 has room: once its OSS has reported it full the
    # MDS places new files elsewhere, even with -i 0 (as Lustre skips a
    # full OST), and a later setstripe would race with that report.
    small = os.path.join(m.path, "small")
    glint(c, "setstripe", "-c", "1", "-i", "0", small)
    hog = os.path.join(m.path, "hog")
    glint(c, "setstripe", "-c", "1", "-i", "0", hog)
    written, err = fill(hog)
    assert err.errno == errno.ENOSPC
    wait_for(lambda: mds_log_has(c, r"ost_idx=0 full"), 10, "the MDS to see OST0 full")
    placed = []
    for i in range(9):
        f = os.path.join(m.path, f"new{i}")
        with open(f, "wb") as fh:
            fh.write(b"x" * 1000)
        placed += stripes_of(c, f)
    assert 0 not in placed and set(placed) == {1, 2}, placed
    glint(c, "setstripe", "-c", "-1", os.path.join(m.path, "all"))
    assert sorted(stripes_of(c, os.path.join(m.path, "all"))) == [1, 2]
    glint(c, "setstripe", "-c", "1", "-i", "0", os.path.join(m.path, "first0"))
    assert stripes_of(c, os.path.join(m.path, "first0")) != [0]
    d = os.path.join(m.path, "dir")
    os.mkdir(d)
    glint(c, "setstripe", "-c", "3", d)
    with open(os.path.join(d, "f"), "w") as fh:
        fh.write("y")
    assert sorted(stripes_of(c, os.path.join(d, "f"))) == [1, 2]
    # space back: OST0 is used again
    os.unlink(hog)
    wait_for(lambda: mds_log_has(c, r"ost_idx=0 has space again"), 20,
             "the MDS to see OST0 with space")
    placed = []
    for i in range(6):
        f = os.path.join(m.path, f"later{i}")
        with open(f, "w"):
            pass
        placed += stripes_of(c, f)
    assert 0 in placed, placed


def test_4b_all_osts_full_still_creates(small_cluster):
    """When every OST is full, create still works (placed on full OSTs)
    and writes fail with ENOSPC, as on a full local disk."""
    c, m = small_cluster(["4M", "4M"])
    for i in range(2):
        f = os.path.join(m.path, f"hog{i}")
        glint(c, "setstripe", "-c", "1", "-i", str(i), f)
        _, err = fill(f)
        assert err.errno == errno.ENOSPC
    wait_for(lambda: mds_log_has(c, r"ost_idx=0 full") and
             mds_log_has(c, r"ost_idx=1 full"), 10, "both OSTs full")
    f = os.path.join(m.path, "empty")
    with open(f, "w"):
        pass
    assert os.stat(f).st_size == 0 and len(stripes_of(c, f)) == 1
    fd = os.open(f, os.O_WRONLY)
    try:
        with pytest.raises(OSError) as e:  # at fsync with write-behind
            os.write(fd, os.urandom(MiB))
            os.fsync(fd)
        assert e.value.errno == errno.ENOSPC
    finally:
        os.close(fd)


# --- 5: a directory of 100,000 entries ---

def readdir_entries():
    return int(os.environ.get("GLINT_READDIR_ENTRIES", "100000"))


def create_pipelined(c, parent, names, window=1000):
    """CREATE every name in parent over one MDS connection, window requests
    in flight at a time (the MDS commits them in groups)."""
    conn = wire.MdConn(c.mds.port)
    try:
        for i in range(0, len(names), window):
            batch = names[i:i + window]
            out = b""
            for n in batch:
                conn.c.req += 1
                out += wire.frame(wire.OP_CREATE, conn.c.req, wire.md_create(parent, n))
            conn.c.send(out)
            for _ in batch:
                r = conn.c.recv_frame()
                assert r["status"] == 0, r["status"]
    finally:
        conn.close()


def test_5a_readdir_100k(make_mount):
    """A directory of 100,000 entries (made over the wire, pipelined: FUSE
    creates one at a time) lists through the mount completely, each name
    once; with entries added and removed during a listing, every entry
    that stayed is listed exactly once and nothing twice."""
    n = readdir_entries()
    m = make_mount()
    d = os.path.join(m.path, "big")
    os.mkdir(d)
    names = [f"f{i:06d}-{'y' * (i % 40)}" for i in range(n)]
    t0 = time.monotonic()
    create_pipelined(m.cluster, os.stat(d).st_ino, names)
    t1 = time.monotonic()
    with os.scandir(d) as it:
        listed = [e.name for e in it]
    t2 = time.monotonic()
    print(f"\n{n} entries: created over the wire in {t1 - t0:.1f} s, "
          f"listed through the mount in {t2 - t1:.1f} s")
    assert len(listed) == n and set(listed) == set(names)
    r = subprocess.run(["ls", "-f", d], capture_output=True, text=True, check=True)
    assert len(r.stdout.split()) == n + 2
    # Change the directory while listing it through the mount: every 500
    # entries read, remove 5 names (seen or not) and add 5 new ones.
    rng = __import__("random").Random(5)
    removed, added, seen = set(), set(), []
    t0 = time.monotonic()
    with os.scandir(d) as it:
        for i, e in enumerate(it):
            seen.append(e.name)
            if i % 500 == 499:
                for _ in range(5):
                    victim = names[rng.randrange(n)]
                    if victim not in removed:
                        os.unlink(os.path.join(d, victim))
                        removed.add(victim)
                    new = f"new{len(added):05d}"
                    os.close(os.open(os.path.join(d, new), os.O_CREAT | os.O_WRONLY))
                    added.add(new)
    print(f"listed while changing in {time.monotonic() - t0:.1f} s: "
          f"{len(removed)} removed, {len(added)} added, {len(seen)} seen")
    assert len(seen) == len(set(seen)), "an entry listed twice"
    stayed = set(names) - removed
    assert stayed <= set(seen), f"{len(stayed - set(seen))} entries missed"
    assert set(seen) <= set(names) | added
    final = os.listdir(d)
    assert len(final) == len(set(final)) and set(final) == stayed | added


# --- 7: an /etc/fstab line ---

def test_7a_fstab_line_mount_and_umount(cluster, make_mount, workdir):
    """'SPEC MNT glint noatime,flock,_netdev 0 0' in an fstab (mount -T, so
    /etc/fstab is not touched), then 'mount MNT' and 'umount MNT'. mount(8)
    runs /sbin/mount.glint: in a private mount namespace (unshare -m) the
    build's mount.glint is bound over /sbin's, so the installed one, if
    any, is neither used nor changed."""
    mnt = os.path.join(workdir, "fstab-mnt")
    os.makedirs(mnt)
    spec = f"127.0.0.1:{cluster.mds.port}@tcp:/{cluster.fsname}"
    fstab = os.path.join(workdir, "fstab")
    with open(fstab, "w") as f:
        f.write("# a test fstab\n")
        f.write(f"{spec} {mnt} glint noatime,flock,_netdev 0 0\n")
    sbin = os.path.realpath("/sbin")
    helper = cluster.bin("client/mount.glint")
    over = os.path.join(workdir, "sbin")
    os.makedirs(over)
    script = f"""
set -eu
for f in {sbin}/*; do ln -s "$f" {over}/; done
ln -sf {helper} {over}/mount.glint
mount --bind {over} {sbin}
mount -T {fstab} {mnt}
grep " {mnt} " /proc/self/mountinfo
echo via fstab > {mnt}/x
cat {mnt}/x
flock -n {mnt}/x true
stat -f -c %T {mnt}
umount {mnt}
grep -c " {mnt} " /proc/self/mountinfo || true
"""
    r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                       capture_output=True, text=True, timeout=60)

    def daemons():
        out = []
        for x in os.listdir("/proc"):
            try:
                if x.isdigit() and mnt.encode() in open(f"/proc/{x}/cmdline", "rb").read() \
                        and open(f"/proc/{x}/stat").read().split()[2] != "Z":
                    out.append(int(x))
            except OSError:
                pass
        return out
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        lines = r.stdout.splitlines()
        assert "fuse.glint" in lines[0] and spec in lines[0] and "noatime" in lines[0]
        assert lines[1] == "via fstab"
        assert lines[-1] == "0"  # unmounted
        wait_for(lambda: not daemons(), 10, "the client daemon to exit")
    finally:
        for pid in daemons():
            os.kill(pid, 9)
    other = make_mount("check")
    with open(os.path.join(other.path, "x")) as f:
        assert f.read() == "via fstab\n"


# --- the client's cached "no security.capability" ---

def test_6a_write_drops_file_capability(make_mount):
    """The kernel asks for security.capability before each write (the
    client caches its absence); a capability set, here or on another
    mount, is still found and dropped by the next write, as on Linux."""
    import struct as st
    caps = st.pack("<IIIII", 0x02000000 | 1, 1 << 13, 0, 0, 0)  # cap_net_raw+ep
    a, b = make_mount("a"), make_mount("b")
    f = os.path.join(a.path, "f")
    with open(f, "wb") as fh:
        fh.write(b"x" * 100)
    fd = os.open(f, os.O_WRONLY)
    os.pwrite(fd, b"y", 0)  # caches "absent"
    os.setxattr(f, "security.capability", caps)
    assert os.getxattr(f, "security.capability") == caps
    os.pwrite(fd, b"y", 1)
    with pytest.raises(OSError) as e:
        os.getxattr(f, "security.capability")
    assert e.value.errno == errno.ENODATA
    os.close(fd)
    # set through the other mount: found after a fresh open here
    fd = os.open(f, os.O_WRONLY)
    os.pwrite(fd, b"z", 2)
    os.close(fd)
    os.setxattr(os.path.join(b.path, "f"), "security.capability", caps)
    time.sleep(1.1)  # past the kernel's attribute cache
    fd = os.open(f, os.O_WRONLY)
    os.pwrite(fd, b"z", 3)
    os.close(fd)
    with pytest.raises(OSError) as e:
        os.getxattr(os.path.join(b.path, "f"), "security.capability")
    assert e.value.errno == errno.ENODATA
    assert open(f, "rb").read() == b"yyzz" + b"x" * 96


# --- 8: reads checked per chunk (OBJ_READ_C) ---

@pytest.mark.parametrize("mode", ["on", "auto", "off"])
def test_8a_chunk_checksum_mismatch_read_again(small_cluster, mode):
    """A large read whose chunk checksum does not match (a write racing the
    OSS's send; here --fail-loc oss_readc_bad_csum) is read again with
    OBJ_READ: the application gets the right bytes, and the client says
    so in its log; with and without sendfile. (-Z none: OBJ_READ_C is
    how uncompressed files are read.)"""
    c, m = small_cluster(["1G"] * 4, oss_opts=("--sendfile", mode,
                                               "--fail-loc", "oss_readc_bad_csum"))
    d = os.path.join(m.path, "d")
    os.mkdir(d)
    c.glint("setstripe", "-c", "4", "-S", "1M", "-Z", "none", d)
    data = random.Random(8).randbytes(8 * MiB + 12345)
    f = os.path.join(d, "f")
    with open(f, "wb") as fh:
        fh.write(data)
    drop_caches(f)
    # O_DIRECT: a failed read reaches the application (the page cache
    # would retry a failed read-ahead with small reads, which are OBJ_READ)
    fd = os.open(f, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, 4 * MiB)
    got = b""
    try:
        while True:
            n = os.preadv(fd, [buf], len(got))
            got += buf[:n]
            if n < len(buf):
                break
    finally:
        os.close(fd)
        buf.close()
    assert got == data
    assert "OBJ_READ_C data failed its checksum; reading it again" in m.read_log()
