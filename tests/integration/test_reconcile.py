"""Objects left on an OSS by a crash are reclaimed: OBJ_LIST on the OSS and
the MDS's reconciler (mds/reconcile.h).

An object no file references (written straight to an OSS, as a client
would after the MDS lost its create) is destroyed once two scans of its OST
saw it unreferenced --reconcile-grace seconds apart; a scan runs when the
OST registers (so restarting the OSS triggers one) and every
--reconcile-interval seconds. Objects of live files never are.

Numbered like Lustre's sanity.sh: one line of purpose per test. Each test
starts its own servers (ephemeral ports, temporary directory) and checks
that they exit cleanly."""
import errno
import glob
import os
import random
import time

import pytest

import wire
from conftest import Cluster, wait_for

ROOT = wire.ROOT_INO
ORPHAN = 1 << 40  # an object id no file has (ids come from the inode counter)


@pytest.fixture
def one_ost(bindir, workdir):
    """Factory: an MDS started with the given options and one OSS (OST 0)."""
    made = []

    def start(*mds_opts):
        c = Cluster(bindir, workdir)
        made.append(c)
        c.start_mds(*mds_opts)
        c.start_oss(0)
        c.wait_osts_up(1)
        return c
    yield start
    codes = {}
    for c in made:
        codes.update(c.stop())
    bad = {k: v for k, v in codes.items() if v != 0}
    assert not bad, f"servers did not exit cleanly: {bad}"


def oss(c, idx=0):
    conn = wire.Conn(c.osts[idx].port, timeout=20.0)
    assert conn.call(wire.OP_HELLO, wire.hello())["status"] == 0
    return conn


def ok(r):
    st, v = r
    assert st == 0, f"status {st}"
    return v


def write(conn, oid, idx, data):
    r = conn.call(wire.OP_OBJ_WRITE, wire.obj_write(oid, idx, 0, data))
    assert r["status"] == 0, r
    return r


def getattr_status(conn, oid, idx):
    return conn.call(wire.OP_OBJ_GETATTR, wire.obj_ref(oid, idx))["status"]


def used_bytes(conn):
    r = conn.call(wire.OP_STATFS)
    assert r["status"] == 0
    return wire.statfs(r["payload"])["used"]


def list_all(conn, page):
    """Every object of the OST, paging with max=page."""
    after, out = (0, 0), []
    for _ in range(10000):
        r = conn.call(wire.OP_OBJ_LIST, wire.obj_list(*after, page))
        assert r["status"] == 0, r
        eof, objs = wire.parse_obj_list(r["payload"])
        assert len(objs) <= page
        out += objs
        if eof:
            return out
        assert objs, "empty page before eof"
        after = objs[-1]
    raise AssertionError("listing does not end")


def object_files(c, oid, idx):
    name = "%016x.%08x.*" % (oid, idx)
    return glob.glob(os.path.join(c.workdir, "ost0", "objects", "*", name))


def restart_oss(c, idx=0):
    """Stop OSS idx and start it again: it registers anew, which starts a
    reconcile scan of its OST."""
    assert c.osts[idx].stop() == 0
    c.start_oss(idx)
    c.wait_osts_up(len(c.osts), timeout=20)


def test_0a_obj_list_pages_in_order(one_ost):
    """OBJ_LIST returns every object once, sorted, in pages of any size."""
    c = one_ost()
    conn = oss(c)
    want = set()
    rnd = random.Random(7)
    for _ in range(40):
        oid, idx = rnd.randrange(2, 1 << 50), rnd.randrange(0, 4)
        write(conn, oid, idx, b"x")
        want.add((oid, idx))
    for page in (1, 3, 40, wire.OBJ_LIST_MAX):
        got = list_all(conn, page)
        assert got == sorted(want)
    # strictly after the given pair, even one that is no object
    first = sorted(want)[0]
    eof, objs = wire.parse_obj_list(conn.call(
        wire.OP_OBJ_LIST, wire.obj_list(first[0], first[1], 2))["payload"])
    assert not eof and objs == sorted(want)[1:3]
    last = sorted(want)[-1]
    eof, objs = wire.parse_obj_list(conn.call(
        wire.OP_OBJ_LIST, wire.obj_list(last[0], last[1] + 1, 5))["payload"])
    assert eof and objs == []
    # max over the cap is malformed: the OSS closes the connection
    conn.send(wire.frame(wire.OP_OBJ_LIST, 99,
                         wire.obj_list(0, 0, wire.OBJ_LIST_MAX + 1)))
    assert conn.is_closed_by_peer()
    conn.close()


def test_1a_unreferenced_object_destroyed_live_files_kept(one_ost):
    """After an OSS restart, an object no file has is destroyed and its space freed; files' objects stay."""
    c = one_ost("--reconcile-grace", "1")
    m = wire.MdConn(c.mds.port)
    conn = oss(c)
    # a live file with data
    f = ok(m.create(ROOT, "keep"))
    (ost, oid), = f["layout"]["stripes"]
    assert ost == 0
    write(conn, oid, 0, b"k" * 70000)
    # a re-laid-out file: its object id is not its ino
    g = ok(m.create(ROOT, "relaid"))
    assert m.setstripe(g["ino"], wire.md_layout(stripe_count=1)) == 0
    (_, goid), = ok(m.getattr(g["ino"]))["layout"]["stripes"]
    assert goid != g["ino"]
    write(conn, goid, 0, b"g" * 5000)
    # leftovers: an id no file has, and a stripe the file does not have
    base = used_bytes(conn)
    junk = random.Random(1).randbytes(300000)  # incompressible
    write(conn, ORPHAN, 0, junk)
    write(conn, oid, 1, b"s" * 4096)
    grown = used_bytes(conn)
    assert grown >= base + 300000
    assert object_files(c, ORPHAN, 0)
    conn.close()

    restart_oss(c)
    conn = oss(c)
    wait_for(lambda: getattr_status(conn, ORPHAN, 0) == -errno.ENOENT and
             getattr_status(conn, oid, 1) == -errno.ENOENT, 30,
             "unreferenced objects destroyed")
    assert not object_files(c, ORPHAN, 0)
    wait_for(lambda: used_bytes(conn) <= base + 8192, 10, "used bytes back")
    # the files' objects and data are intact
    assert getattr_status(conn, oid, 0) == 0
    assert getattr_status(conn, goid, 0) == 0
    r = conn.call(wire.OP_OBJ_READ, wire.obj_read(oid, 0, 0, 70000))
    assert r["status"] == 0 and wire.blob(r["payload"]) == b"k" * 70000
    # the MDS said what it reclaimed
    log = c.mds.read_log()
    assert "object=%d:0 reclaimed" % ORPHAN in log
    assert "2 reclaimed" in log
    # and a later scan (another restart) leaves the files alone
    conn.close()
    restart_oss(c)
    conn = oss(c)
    time.sleep(3)
    assert getattr_status(conn, oid, 0) == 0
    assert getattr_status(conn, goid, 0) == 0
    conn.close()
    m.close()


def test_1b_grace_protects_young_orphans(one_ost):
    """With the default grace (60 s), an object seen unreferenced once is not destroyed yet."""
    c = one_ost()
    conn = oss(c)
    write(conn, ORPHAN, 0, b"y" * 1000)
    conn.close()
    restart_oss(c)
    wait_for(lambda: "1 unreferenced (1 waiting" in c.mds.read_log(), 15,
             "a scan that saw the orphan")
    time.sleep(2)
    conn = oss(c)
    assert getattr_status(conn, ORPHAN, 0) == 0
    conn.close()


def test_1c_periodic_scan_without_restart(one_ost):
    """With --reconcile-interval 1, an orphan goes without any re-registration."""
    c = one_ost("--reconcile-interval", "1", "--reconcile-grace", "1")
    m = wire.MdConn(c.mds.port)
    f = ok(m.create(ROOT, "live"))
    (_, oid), = f["layout"]["stripes"]
    conn = oss(c)
    write(conn, oid, 0, b"live")
    write(conn, ORPHAN + 1, 2, b"z" * 20000)
    wait_for(lambda: getattr_status(conn, ORPHAN + 1, 2) == -errno.ENOENT, 30,
             "orphan destroyed by a periodic scan")
    assert getattr_status(conn, oid, 0) == 0
    # unlinking the file makes its object go too (the destroyer's job)
    assert m.unlink(ROOT, "live") == 0
    wait_for(lambda: getattr_status(conn, oid, 0) == -errno.ENOENT, 15,
             "unlinked file's object destroyed")
    conn.close()
    m.close()
