"""The MDS's metadata operations over the wire: namespace, permissions,
layouts, group commit, object destruction and locks.

Numbered like Lustre's sanity.sh: one line of purpose per test. Each test
gets its own cluster (MDS + 4 OSSes, ephemeral ports, temporary directory)
from conftest.py and checks that every server exits cleanly."""
import errno
import glob
import os
import signal
import stat
import struct
import threading
import time

import pytest

import wire
from conftest import wait_for

ROOT = wire.ROOT_INO
MiB = 1 << 20
OP_OBJ_WRITE, OP_OBJ_DESTROY, OP_OBJ_GETATTR = 49, 52, 54


def md(cluster, **kw):
    return wire.MdConn(cluster.mds.port, **kw)


def ok(r):
    """(status, value) -> value, asserting status 0."""
    st, v = r
    assert st == 0, f"status {st} ({os.strerror(-st) if st < 0 else st})"
    return v


def pipelined(conn, payloads):
    """Send every (op, payload) before reading any reply; returns replies
    by request in order of the payloads."""
    c = conn.c
    first = c.req + 1
    buf = b""
    for op, p in payloads:
        c.req += 1
        buf += wire.frame(op, c.req, p)
    c.send(buf)
    got = {}
    for _ in payloads:
        r = c.recv_frame()
        got[r["req_id"]] = r
    return [got[first + i] for i in range(len(payloads))]


def oss_conn(cluster, ost_idx):
    c = wire.Conn(cluster.osts[ost_idx].port)
    assert c.call(wire.OP_HELLO, wire.hello())["status"] == 0
    return c


def obj_ref(oid, idx):
    return struct.pack("<QI", oid, idx)


def obj_write(c, oid, idx, data):
    return c.call(OP_OBJ_WRITE, struct.pack("<QIQII", oid, idx, 0, 0, len(data)) + data)["status"]


def obj_getattr_status(c, oid, idx):
    return c.call(OP_OBJ_GETATTR, obj_ref(oid, idx))["status"]


def test_0a_create_lookup_getattr(cluster):
    """CREATE makes a file laid out with the default; LOOKUP and GETATTR see it."""
    m = md(cluster)
    e = ok(m.create(ROOT, "f", mode=wire.S_IFREG | 0o640))
    assert stat.S_ISREG(e["mode"]) and e["mode"] & 0o7777 == 0o640
    assert e["nlink"] == 1 and e["size"] == 0 and e["ino"] > ROOT
    lay = e["layout"]
    assert lay["stripe_size"] == MiB and len(lay["stripes"]) == 1
    assert lay["stripes"][0][0] in range(4)
    assert ok(m.lookup(ROOT, "f"))["ino"] == e["ino"]
    g = ok(m.getattr(e["ino"]))
    assert g["ino"] == e["ino"] and g["layout"] == lay
    # O_EXCL on an existing name fails; without it the same file returns
    assert m.create(ROOT, "f", flags=wire.CREATE_EXCL)[0] == -errno.EEXIST
    assert ok(m.create(ROOT, "f"))["ino"] == e["ino"]
    assert m.lookup(ROOT, "nope")[0] == -errno.ENOENT
    assert m.getattr(1 << 40)[0] == -errno.ENOENT
    m.close()


def test_0b_mkdir_readdir_types(cluster):
    """MKDIR, SYMLINK, mknod FIFO; READDIR lists . .. and each with its type."""
    m = md(cluster)
    d = ok(m.mkdir(ROOT, "d", mode=0o750))
    assert stat.S_ISDIR(d["mode"]) and d["nlink"] == 2 and d["layout"]["stripes"] == []
    ok(m.create(d["ino"], "file"))
    ok(m.mkdir(d["ino"], "sub"))
    s = ok(m.symlink(d["ino"], "ln", "file"))
    assert stat.S_ISLNK(s["mode"]) and s["size"] == 4
    assert ok(m.readlink(s["ino"])) == "file"
    ok(m.create(d["ino"], "fifo", mode=wire.S_IFIFO | 0o600))
    eof, ents = ok(m.readdir(d["ino"]))
    assert eof
    types = {name: typ for _, _, typ, name in ents}
    assert types == {".": 4, "..": 4, "file": 8, "sub": 4, "ln": 10, "fifo": 1}
    assert ok(m.getattr(d["ino"]))["nlink"] == 3
    assert m.readdir(ok(m.lookup(d["ino"], "file"))["ino"])[0] == -errno.ENOTDIR
    m.close()


def test_0c_readdir_5000_entries_in_pieces(cluster):
    """5,000 entries come back complete and without duplicates over many READDIRs."""
    m = md(cluster)
    d = ok(m.mkdir(ROOT, "big"))["ino"]
    names = [f"entry-{i:05d}-{'x' * (i % 40)}" for i in range(5000)]
    for i in range(0, len(names), 500):
        rs = pipelined(m, [(wire.OP_CREATE, wire.md_create(d, n)) for n in names[i:i + 500]])
        assert all(r["status"] == 0 for r in rs)
    got, calls = m.listdir(d, max_bytes=8192)
    assert len(got) == len(set(got)) == 5000
    assert set(got) == set(names)
    assert calls > 10
    # a buffer too small for even one entry is refused
    assert m.readdir(d, 0, 10)[0] == -errno.EINVAL
    m.close()


def test_0d_readdir_stable_while_changing(cluster):
    """Entries created and removed between READDIRs do not make others repeat or vanish."""
    m = md(cluster)
    d = ok(m.mkdir(ROOT, "chg"))["ino"]
    for i in range(300):
        ok(m.create(d, f"a{i}"))
    seen, cookie, eof, k = [], 0, False, 0
    while not eof:
        eof, ents = ok(m.readdir(d, cookie, 512))
        for _, ck, _, name in ents:
            seen.append(name)
            cookie = ck
        # churn: remove one not yet seen... and add new ones
        m.unlink(d, f"a{299 - k}")
        ok(m.create(d, f"b{k}"))
        k += 1
    real = [n for n in seen if n.startswith("a")]
    assert len(real) == len(set(real))
    for i in range(300 - k):  # survivors never removed must all be there
        assert f"a{i}" in real
    m.close()


def test_0e_setattr_close_and_xattrs(cluster):
    """SETATTR chmod/chown/truncate/utimes; CLOSE grows size and sets mtime; xattrs."""
    m = md(cluster)
    f = ok(m.create(ROOT, "f"))["ino"]
    e = ok(m.setattr(f, wire.SET_MODE, mode=0o600))
    assert e["mode"] & 0o7777 == 0o600
    e = ok(m.setattr(f, wire.SET_UID | wire.SET_GID, uid=1000, gid=2000))
    assert (e["uid"], e["gid"]) == (1000, 2000)
    e = ok(m.setattr(f, wire.SET_SIZE, size=12345))
    assert e["size"] == 12345
    e = ok(m.setattr(f, wire.SET_ATIME | wire.SET_MTIME, atime=(1000, 5), mtime=(2000, 7)))
    assert (e["atime"], e["atime_ns"], e["mtime"], e["mtime_ns"]) == (1000, 5, 2000, 7)
    e = ok(m.close_file(f, wire.CLOSE_SIZE | wire.CLOSE_MTIME, size=99999, mtime=(3000, 1)))
    assert e["size"] == 99999 and (e["mtime"], e["mtime_ns"]) == (3000, 1)
    e = ok(m.close_file(f, wire.CLOSE_SIZE, size=10))  # a stale size never shrinks
    assert e["size"] == 99999 and e["mtime"] == 3000
    assert ok(m.getattr(f))["size"] == 99999
    assert m.setattr(ROOT, wire.SET_SIZE, size=0)[0] == -errno.EISDIR
    assert m.setxattr(f, "user.k", b"value") == 0
    assert ok(m.getxattr(f, "user.k")) == (5, b"value")
    assert ok(m.getxattr(f, "user.k", size=0)) == (5, b"")
    assert m.setxattr(f, "user.k", b"v", flags=1) == -errno.EEXIST
    assert ok(m.listxattr(f)) == ["user.k"]
    assert m.raw(wire.OP_REMOVEXATTR, wire.md_lookup(f, "user.k"))[0] == 0
    assert m.getxattr(f, "user.k")[0] == -errno.ENODATA
    m.close()


def test_0f_link_unlink_rmdir(cluster):
    """LINK counts links; UNLINK of one keeps the file; RMDIR needs an empty dir."""
    m = md(cluster)
    d = ok(m.mkdir(ROOT, "d"))["ino"]
    f = ok(m.create(d, "f"))["ino"]
    e = ok(m.link(f, ROOT, "hard"))
    assert e["ino"] == f and e["nlink"] == 2
    assert m.link(d, ROOT, "dirlink")[0] == -errno.EPERM
    assert m.rmdir(ROOT, "d") == -errno.ENOTEMPTY
    assert m.unlink(d, "f") == 0
    assert ok(m.getattr(f))["nlink"] == 1
    assert m.rmdir(ROOT, "d") == 0
    assert m.lookup(ROOT, "d")[0] == -errno.ENOENT
    assert m.unlink(ROOT, "hard") == 0
    assert m.getattr(f)[0] == -errno.ENOENT
    assert m.unlink(ROOT, "hard") == -errno.ENOENT
    m.close()


def test_0g_replies_carry_changed_directories(cluster):
    """CREATE, MKDIR, SYMLINK, LINK, UNLINK, RMDIR and RENAME replies end with
    the changed directories' attributes, as GETATTR gives them after."""
    m = md(cluster)

    def same_as_getattr(dattrs, *inos):
        assert [a["ino"] for a in dattrs] == list(inos)
        for a in dattrs:
            g = ok(m.getattr(a["ino"]))
            assert stat.S_ISDIR(a["mode"])
            for k in wire.ATTR_FIELDS:
                assert a[k] == g[k], k

    d = ok(m.mkdir(ROOT, "dd"))
    same_as_getattr(d["dir_attrs"], ROOT)
    d = d["ino"]
    before = ok(m.getattr(d))
    e = ok(m.create(d, "f"))
    same_as_getattr(e["dir_attrs"], d)
    a = e["dir_attrs"][0]
    assert (a["mtime"], a["mtime_ns"]) >= (before["mtime"], before["mtime_ns"])
    # an existing file (no O_EXCL): no directory changed
    assert ok(m.create(d, "f"))["dir_attrs"] == []
    same_as_getattr(ok(m.symlink(d, "sl", "f"))["dir_attrs"], d)
    sub = ok(m.mkdir(d, "sub"))
    same_as_getattr(sub["dir_attrs"], d)
    assert sub["dir_attrs"][0]["nlink"] == 3
    same_as_getattr(ok(m.link(e["ino"], ROOT, "hard2"))["dir_attrs"], ROOT)
    assert m.rename(d, "f", sub["ino"], "g") == 0
    same_as_getattr(m.dir_attrs, d, sub["ino"])
    assert m.rename(d, "sl", d, "sl2") == 0
    same_as_getattr(m.dir_attrs, d)
    assert m.unlink(sub["ino"], "g") == 0
    same_as_getattr(m.dir_attrs, sub["ino"])
    assert m.rmdir(d, "sub") == 0
    same_as_getattr(m.dir_attrs, d)
    assert m.dir_attrs[0]["nlink"] == 2
    # failures carry nothing
    assert m.unlink(d, "nope") == -errno.ENOENT and m.dir_attrs == []
    for n in ("sl2",):
        assert m.unlink(d, n) == 0
    assert m.unlink(ROOT, "hard2") == 0
    assert m.rmdir(ROOT, "dd") == 0
    m.close()


def test_1a_rename_variants(cluster):
    """RENAME within and across directories, over a file, NOREPLACE, EXCHANGE, into itself."""
    m = md(cluster)
    a = ok(m.mkdir(ROOT, "a"))["ino"]
    b = ok(m.mkdir(ROOT, "b"))["ino"]
    f = ok(m.create(a, "f"))["ino"]
    assert m.rename(a, "f", a, "g") == 0
    assert ok(m.lookup(a, "g"))["ino"] == f
    assert m.rename(a, "g", b, "f") == 0
    assert m.lookup(a, "g")[0] == -errno.ENOENT and ok(m.lookup(b, "f"))["ino"] == f
    h = ok(m.create(b, "h"))["ino"]
    assert m.rename(b, "f", b, "h", flags=wire.RENAME_NOREPLACE) == -errno.EEXIST
    assert m.rename(b, "f", b, "h", flags=wire.RENAME_EXCHANGE) == 0
    assert ok(m.lookup(b, "h"))["ino"] == f and ok(m.lookup(b, "f"))["ino"] == h
    assert m.rename(b, "f", b, "h") == 0  # over a file: the old one goes
    assert m.getattr(f)[0] == -errno.ENOENT
    assert ok(m.lookup(b, "h"))["ino"] == h and m.lookup(b, "f")[0] == -errno.ENOENT
    # directories: into itself refused, cross-parent moves link counts
    sub = ok(m.mkdir(a, "sub"))["ino"]
    assert m.rename(ROOT, "a", sub, "x") == -errno.EINVAL
    assert m.rename(a, "sub", b, "sub") == 0
    assert ok(m.getattr(a))["nlink"] == 2 and ok(m.getattr(b))["nlink"] == 3
    assert ok(m.lookup(sub, ".."))["ino"] == b
    assert m.rename(b, "sub", b, "h") == -errno.ENOTDIR
    ok(m.create(sub, "x"))
    assert m.rename(ROOT, "a", b, "sub") == -errno.ENOTEMPTY
    m.close()


def test_1b_permissions_non_root(cluster):
    """A non-root cred gets EACCES where Linux would; supplementary groups count."""
    m = md(cluster)
    user = wire.md_cred(1000, 1000)
    assert m.create(ROOT, "mine", cred=user)[0] == -errno.EACCES
    assert m.mkdir(ROOT, "mine", cred=user)[0] == -errno.EACCES
    priv = ok(m.mkdir(ROOT, "priv", mode=0o700))["ino"]
    ok(m.create(priv, "secret"))
    assert m.lookup(priv, "secret", cred=user)[0] == -errno.EACCES
    assert m.access(priv, os.R_OK, cred=user) == -errno.EACCES
    assert m.access(priv, os.R_OK) == 0
    # a group directory: writable through a supplementary group only
    grp = ok(m.mkdir(ROOT, "grp", mode=0o770))["ino"]
    ok(m.setattr(grp, wire.SET_GID, gid=500))
    assert m.create(grp, "x", cred=user)[0] == -errno.EACCES
    e = ok(m.create(grp, "x", cred=wire.md_cred(1000, 1000, [7, 500])))
    assert (e["uid"], e["gid"]) == (1000, 1000)
    # the owner may chmod, others may not; only root chowns
    x = e["ino"]
    assert m.setattr(x, wire.SET_MODE, mode=0o600, cred=wire.md_cred(1001, 1000, [500]))[0] == -errno.EPERM
    assert ok(m.setattr(x, wire.SET_MODE, mode=0o600, cred=wire.md_cred(1000, 1000, [500])))
    assert m.setattr(x, wire.SET_UID, uid=0, cred=wire.md_cred(1000, 1000, [500]))[0] == -errno.EPERM
    assert m.setxattr(x, "user.a", b"1", cred=wire.md_cred(1001, 1001, [500])) == -errno.EACCES
    m.close()


def test_1c_requests_before_hello_refused(cluster):
    """Metadata requests before HELLO get EPROTO; a malformed one closes the connection."""
    c = wire.Conn(cluster.mds.port)
    r = c.call(wire.OP_GETATTR, wire.md_ino(ROOT))
    assert r["status"] == -errno.EPROTO
    assert c.call(wire.OP_HELLO, wire.hello())["status"] == 0
    assert c.call(wire.OP_GETATTR, wire.md_ino(ROOT))["status"] == 0
    bad = wire.md_cred() + struct.pack("<Q", ROOT) + struct.pack("<H", 50) + b"short"
    c.send(wire.frame(wire.OP_LOOKUP, 99, bad))
    assert c.is_closed_by_peer()
    c.close()
    m = md(cluster)  # everyone else is fine
    assert ok(m.getattr(ROOT))["ino"] == ROOT
    m.close()


def restart_mds(cluster, *extra):
    """Stop the MDS and start it again on the same port, so the OSSes
    (which know that address) register again."""
    port = cluster.mds.port
    assert cluster.mds.stop() == 0
    cluster.start_mds("--listen", f"127.0.0.1:{port}", *extra)


def stripes_osts(e):
    return [o for o, _ in e["layout"]["stripes"]]


def test_2a_layouts_count_all_and_dir_default(cluster):
    """Stripe count 2 spans two OSTs, -1 all four; a directory's default is inherited."""
    m = md(cluster)
    e = ok(m.create(ROOT, "two", layout=wire.md_layout(stripe_count=2)))
    assert len(set(stripes_osts(e))) == 2 and e["layout"]["stripe_size"] == MiB
    oid = e["layout"]["stripes"][0][1]
    assert all(o == oid for _, o in e["layout"]["stripes"])
    e = ok(m.create(ROOT, "all", layout=wire.md_layout(stripe_count=-1, stripe_size=4 * MiB)))
    assert sorted(stripes_osts(e)) == [0, 1, 2, 3] and e["layout"]["stripe_size"] == 4 * MiB
    e = ok(m.create(ROOT, "at2", layout=wire.md_layout(stripe_count=1, first_ost=2)))
    assert stripes_osts(e) == [2]
    assert ok(m.getstripe(e["ino"]))["stripes"] == e["layout"]["stripes"]
    assert m.create(ROOT, "bad", layout=wire.md_layout(stripe_size=1000))[0] == -errno.EINVAL
    # directory default, inherited by files and subdirectories
    d = ok(m.mkdir(ROOT, "wide"))["ino"]
    assert m.getstripe(d)[0] == -errno.ENODATA
    assert m.setstripe(d, wire.md_layout(stripe_count=3, stripe_size=2 * MiB)) == 0
    g = ok(m.getstripe(d))
    assert (g["stripe_count"], g["stripe_size"], g["stripes"]) == (3, 2 * MiB, [])
    e = ok(m.create(d, "f"))
    assert len(set(stripes_osts(e))) == 3 and e["layout"]["stripe_size"] == 2 * MiB
    sub = ok(m.mkdir(d, "sub"))["ino"]
    e = ok(m.create(sub, "f"))
    assert len(stripes_osts(e)) == 3
    # root's default is the file system's (--stripe-size/--stripe-count)
    r = ok(m.getstripe(ROOT))
    assert (r["stripe_size"], r["stripe_count"]) == (MiB, 1)
    # removing a directory's default (all-inherit request)
    assert m.setstripe(d, wire.md_layout()) == 0
    assert m.getstripe(d)[0] == -errno.ENODATA
    assert len(stripes_osts(ok(m.create(d, "g")))) == 1
    m.close()


def test_2b_round_robin_and_setstripe_on_empty_file(cluster):
    """New files spread over all OSTs; SETSTRIPE re-lays an empty file, not a written one."""
    m = md(cluster)
    firsts = [stripes_osts(ok(m.create(ROOT, f"rr{i}")))[0] for i in range(8)]
    assert sorted(set(firsts)) == [0, 1, 2, 3]
    f = ok(m.create(ROOT, "f"))
    assert m.setstripe(f["ino"], wire.md_layout(stripe_count=4)) == 0
    e = ok(m.getattr(f["ino"]))
    assert sorted(stripes_osts(e)) == [0, 1, 2, 3]
    assert e["layout"]["stripes"][0][1] != f["layout"]["stripes"][0][1]
    ok(m.close_file(f["ino"], wire.CLOSE_SIZE, size=10))
    assert m.setstripe(f["ino"], wire.md_layout(stripe_count=1)) == -errno.EBUSY
    m.close()


def test_2c_placement_skips_stopped_oss(cluster):
    """With OSS 2 stopped, new files avoid OST 2 and -1 means the three left."""
    assert cluster.osts[2].stop() == 0
    cluster.osts[2].stop = lambda *a, **k: 0  # already stopped cleanly
    wait_for(lambda: "(DOWN)" in cluster.glint("df", check=False).stdout, 10, "OST2 down")
    m = md(cluster)
    for i in range(8):
        assert 2 not in stripes_osts(ok(m.create(ROOT, f"f{i}")))
    e = ok(m.create(ROOT, "all", layout=wire.md_layout(stripe_count=-1)))
    assert sorted(stripes_osts(e)) == [0, 1, 3]
    e = ok(m.create(ROOT, "want2", layout=wire.md_layout(stripe_count=1, first_ost=2)))
    assert stripes_osts(e) != [2]
    m.close()


def test_3a_unlink_destroys_objects_on_the_oss(cluster):
    """After the last link goes, the file's objects vanish from their OSSes."""
    m = md(cluster)
    e = ok(m.create(ROOT, "f", layout=wire.md_layout(stripe_count=2)))
    conns = {}
    for idx, (ost, oid) in enumerate(e["layout"]["stripes"]):
        conns[ost] = oss_conn(cluster, ost)
        st = obj_write(conns[ost], oid, idx, b"x" * 70000)
        if st == -errno.EOPNOTSUPP:
            pytest.skip("this OSS build does not serve object I/O yet")
        assert st == 0
        assert obj_getattr_status(conns[ost], oid, idx) == 0
    files = glob.glob(os.path.join(cluster.workdir, "ost*", "**", "*.dat"), recursive=True)
    assert len(files) >= 2
    # a renamed-over file goes the same way
    v = ok(m.create(ROOT, "victim"))
    vost, void = v["layout"]["stripes"][0]
    vc = oss_conn(cluster, vost)
    assert obj_write(vc, void, 0, b"y" * 1000) == 0
    assert m.unlink(ROOT, "f") == 0
    ok(m.create(ROOT, "other"))
    assert m.rename(ROOT, "other", ROOT, "victim") == 0

    def gone():
        return all(obj_getattr_status(conns[ost], oid, idx) == -errno.ENOENT
                   for idx, (ost, oid) in enumerate(e["layout"]["stripes"])) and \
            obj_getattr_status(vc, void, 0) == -errno.ENOENT
    wait_for(gone, 15, "objects destroyed")
    for c in list(conns.values()) + [vc]:
        c.close()
    m.close()


def test_3b_destroy_waits_for_a_down_ost(cluster):
    """Objects on a stopped OSS are destroyed once it is back, also across an MDS restart."""
    m = md(cluster)
    e = ok(m.create(ROOT, "f", layout=wire.md_layout(stripe_count=1, first_ost=1)))
    ost, oid = e["layout"]["stripes"][0]
    assert ost == 1
    c = oss_conn(cluster, 1)
    st = obj_write(c, oid, 0, b"z" * 5000)
    if st == -errno.EOPNOTSUPP:
        pytest.skip("this OSS build does not serve object I/O yet")
    assert st == 0
    c.close()
    assert cluster.osts[1].stop() == 0
    wait_for(lambda: "(DOWN)" in cluster.glint("df", check=False).stdout, 10, "OST1 down")
    assert m.unlink(ROOT, "f") == 0
    m.close()
    time.sleep(2.5)  # at least one retry round passes while it is down
    restart_mds(cluster)
    cluster.start_oss(1)
    wait_for(lambda: all(p.alive() for p in cluster.osts.values()), 5, "OSSes")
    cluster.wait_osts_up(4, timeout=20)
    c = oss_conn(cluster, 1)
    wait_for(lambda: obj_getattr_status(c, oid, 0) == -errno.ENOENT, 15, "object destroyed")
    c.close()


def test_4a_restart_keeps_namespace(cluster):
    """The namespace survives an MDS restart; new inode numbers keep growing."""
    m = md(cluster)
    d = ok(m.mkdir(ROOT, "keep"))
    f = ok(m.create(d["ino"], "file", layout=wire.md_layout(stripe_count=2)))
    ok(m.close_file(f["ino"], wire.CLOSE_SIZE, size=777))
    m.setxattr(f["ino"], "user.x", b"1")
    m.close()
    restart_mds(cluster)
    m = md(cluster)
    g = ok(m.lookup(ok(m.lookup(ROOT, "keep"))["ino"], "file"))
    assert g["ino"] == f["ino"] and g["size"] == 777 and g["layout"] == f["layout"]
    assert ok(m.getxattr(f["ino"], "user.x")) == (1, b"1")
    assert ok(m.mkdir(ROOT, "new"))["ino"] > f["ino"]
    m.close()


def test_4c_ids_jump_after_unclean_stop(cluster):
    """After a clean stop ids continue at the next number; after a crash
    (SIGKILL) they jump by 2**32, so ids a lost scratch commit handed out
    (and whose objects may be on the OSTs) are never reused."""
    m = md(cluster)
    a = ok(m.create(ROOT, "before-clean"))["ino"]
    m.close()
    restart_mds(cluster)
    cluster.wait_osts_up(4, timeout=15)
    m = md(cluster)
    b = ok(m.create(ROOT, "after-clean"))["ino"]
    m.close()
    assert b == a + 1
    port = cluster.mds.port
    assert cluster.mds.stop(signal.SIGKILL) == -signal.SIGKILL
    cluster.start_mds("--listen", f"127.0.0.1:{port}")
    cluster.wait_osts_up(4, timeout=15)
    assert "did not stop cleanly" in cluster.mds.read_log()
    m = md(cluster)
    c = ok(m.create(ROOT, "after-crash"))["ino"]
    assert c >= b + 2**32
    assert ok(m.lookup(ROOT, "after-clean"))["ino"] == b
    m.close()


def test_4b_persistent_deployment_syncs(make_cluster):
    """A persistent MDS (sync on every commit) serves and restarts the same way."""
    c = make_cluster()
    c.start_mds("--deployment-type", "persistent", "--map-size", "64M")
    c.start_oss(0)
    c.wait_osts_up(1)
    m = wire.MdConn(c.mds.port)
    ino = ok(m.create(ROOT, "p"))["ino"]
    m.close()
    assert c.mds.stop() == 0
    c.start_mds("--deployment-type", "persistent", "--map-size", "64M")
    m = wire.MdConn(c.mds.port)
    assert ok(m.lookup(ROOT, "p"))["ino"] == ino
    m.close()
    assert all(v == 0 for v in c.stop().values())


def test_5a_group_commit_many_concurrent_creates(cluster):
    """Creates pipelined from several connections at once all succeed, with unique inodes."""
    m = md(cluster)
    d = ok(m.mkdir(ROOT, "gc"))["ino"]
    results, errors = {}, []

    def worker(k):
        try:
            c = md(cluster)
            rs = pipelined(c, [(wire.OP_CREATE, wire.md_create(d, f"w{k}-{i}"))
                               for i in range(300)])
            results[k] = rs
            c.close()
        except Exception as ex:  # reported below
            errors.append(ex)
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert not errors
    inos = set()
    for rs in results.values():
        for r in rs:
            assert r["status"] == 0
            inos.add(wire.parse_entry(r["payload"])["ino"])
    assert len(inos) == 6 * 300
    names, _ = m.listdir(d, max_bytes=65536)
    assert len(names) == 6 * 300
    # a failing request in a batch spoils none of the others
    rs = pipelined(m, [(wire.OP_CREATE, wire.md_create(d, f"mix{i}" if i % 2 else "w0-0",
                                                      flags=wire.CREATE_EXCL))
                       for i in range(20)])
    assert [r["status"] for r in rs] == [-errno.EEXIST if i % 2 == 0 else 0 for i in range(20)]
    m.close()


def test_5b_statfs_counts_inodes(cluster):
    """STATFS of the MDT reports inodes in use from the namespace."""
    m = md(cluster)
    st, p = m.raw(wire.OP_STATFS, b"")
    assert st == 0
    _, _, total, used, avail, ftotal, fused = struct.unpack_from("<BIQQQQQ", p)
    for i in range(10):
        ok(m.create(ROOT, f"s{i}"))
    st, p = m.raw(wire.OP_STATFS, b"")
    fused2 = struct.unpack_from("<BIQQQQQ", p)[6]
    assert fused2 == fused + 10 and ftotal > fused
    m.close()


def test_6a_flock_across_connections(cluster):
    """flock: exclusive across clients, shared readers, dropped when its connection closes."""
    a, b = md(cluster), md(cluster)
    f = ok(a.create(ROOT, "lk"))["ino"]
    F, SET, GET, SETW = wire.LOCK_FLOCK, wire.LOCK_SET, wire.LOCK_GET, wire.LOCK_SETW
    ok(a.lock(f, 1, F, SET, wire.LOCK_WR))
    assert b.lock(f, 2, F, SET, wire.LOCK_WR)[0] == -errno.EAGAIN
    assert b.lock(f, 2, F, SET, wire.LOCK_RD)[0] == -errno.EAGAIN
    g = ok(b.lock(f, 2, F, GET, wire.LOCK_RD))
    assert g["type"] == wire.LOCK_WR and g["owner"] == 1
    ok(a.lock(f, 1, F, SET, wire.LOCK_RD))  # downgrade: readers may share
    ok(b.lock(f, 2, F, SET, wire.LOCK_RD))
    ok(b.lock(f, 2, F, SET, wire.LOCK_UN))
    # a blocked SETW is answered when the holder's connection closes
    b.c.req += 1
    b.c.send(wire.frame(wire.OP_LOCK, b.c.req, wire.md_lock(f, 2, F, SETW, wire.LOCK_WR)))
    b.c.s.settimeout(0.5)
    with pytest.raises(Exception):
        b.c.recv_frame()
    b.c.s.settimeout(10)
    a.close()
    r = b.c.recv_frame()
    assert r["status"] == 0 and r["req_id"] == b.c.req
    c = md(cluster)
    assert c.lock(f, 3, F, SET, wire.LOCK_RD)[0] == -errno.EAGAIN
    c.close()
    b.close()


def test_6b_posix_ranges_across_connections(cluster):
    """fcntl locks: byte ranges conflict only where they overlap; GETLK names the holder."""
    a, b = md(cluster), md(cluster)
    f = ok(a.create(ROOT, "rng"))["ino"]
    P, SET, GET, SETW = wire.LOCK_POSIX, wire.LOCK_SET, wire.LOCK_GET, wire.LOCK_SETW
    ok(a.lock(f, 7, P, SET, wire.LOCK_WR, 0, 99, pid=4242))
    ok(b.lock(f, 8, P, SET, wire.LOCK_WR, 100, 199))
    assert b.lock(f, 8, P, SET, wire.LOCK_RD, 50, 60)[0] == -errno.EAGAIN
    g = ok(b.lock(f, 8, P, GET, wire.LOCK_RD, 90, 150))
    assert (g["type"], g["start"], g["end"], g["pid"], g["owner"]) == \
        (wire.LOCK_WR, 0, 99, 4242, 7)
    assert ok(b.lock(f, 8, P, GET, wire.LOCK_WR, 200, 300))["type"] == wire.LOCK_UN
    # unlocking the middle splits a's lock: 40..59 is free, the rest is not
    ok(a.lock(f, 7, P, SET, wire.LOCK_UN, 40, 59))
    ok(b.lock(f, 8, P, SET, wire.LOCK_WR, 40, 59))
    assert b.lock(f, 8, P, SET, wire.LOCK_WR, 39, 39)[0] == -errno.EAGAIN
    assert b.lock(f, 8, P, SET, wire.LOCK_WR, 60, 60)[0] == -errno.EAGAIN
    # a blocked SETW waits for the unlock of the range it wants
    b.c.req += 1
    want = b.c.req
    b.c.send(wire.frame(wire.OP_LOCK, want, wire.md_lock(f, 8, P, SETW, wire.LOCK_WR, 0, 10)))
    time.sleep(0.3)
    ok(a.lock(f, 7, P, SET, wire.LOCK_UN, 60, 99))  # not the range b waits for
    b.c.s.settimeout(0.5)
    with pytest.raises(Exception):
        b.c.recv_frame()
    b.c.s.settimeout(10)
    ok(a.lock(f, 7, P, SET, wire.LOCK_UN, 0, 39))
    r = b.c.recv_frame()
    assert r["req_id"] == want and r["status"] == 0
    assert a.lock(f, 7, P, SET, wire.LOCK_RD, 5, 5)[0] == -errno.EAGAIN
    a.close()
    b.close()
