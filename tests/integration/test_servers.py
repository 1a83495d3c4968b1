"""Servers start, answer HELLO/PING/STATFS, refuse bad starts, stop cleanly.

Numbered like Lustre's sanity.sh: one line of purpose per test."""
import os
import signal
import socket
import subprocess

import wire
from conftest import Cluster, Proc, mds_compression_args, wait_for


def run(argv, timeout=10):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def test_0a_df_lists_mdt_and_every_ost(cluster):
    """glint df: one line per target and a total of the OST capacities."""
    out = cluster.glint("df").stdout
    assert "fsx-MDT0000_UUID" in out
    for i in range(4):
        assert f"fsx-OST000{i}_UUID" in out and f"[OST:{i}]" in out
    summary = [l for l in out.splitlines() if l.startswith("filesystem_summary:")][0]
    # 4 OSTs x 1 GiB, in 1K blocks
    assert summary.split()[1] == str(4 * 1024 * 1024)


def test_0b_df_human_readable(cluster):
    """glint df -h prints sizes like lfs df -h."""
    out = cluster.glint("df", "-h").stdout
    ost_lines = [l for l in out.splitlines() if "[OST:" in l]
    assert len(ost_lines) == 4
    assert all(l.split()[1] == "1G" for l in ost_lines)
    summary = [l for l in out.splitlines() if l.startswith("filesystem_summary:")][0]
    assert summary.split()[1] == "4G"


def test_0c_ping_every_server(cluster):
    """glint ping reaches the MDS and each OSS and names who answered."""
    out = cluster.glint("ping", cluster.mds_addr, "-c", "3").stdout
    assert out.count("role=mds") == 3
    for i, p in cluster.osts.items():
        out = cluster.glint("ping", f"127.0.0.1:{p.port}").stdout
        assert "role=oss" in out and f"id={i}" in out


def test_0d_ping_wrong_fsname_fails(cluster):
    """A HELLO for another file system is refused."""
    r = cluster.glint("--fsname", "other", "ping", cluster.mds_addr, check=False)
    assert r.returncode == 1
    assert "No such device" in r.stderr


def test_0e_ping_dead_port_fails_fast(cluster):
    """glint ping of a port nobody listens on fails with a clear error."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = cluster.glint("ping", f"127.0.0.1:{port}", check=False, timeout=20)
    assert r.returncode == 1 and "refused" in r.stderr.lower()


def test_0f_statfs_reports_ost_use(cluster):
    """An OSS reports its capacity and use through STATFS."""
    p = cluster.osts[0]
    c = wire.Conn(p.port)
    assert c.call(wire.OP_HELLO, wire.hello())["status"] == 0
    r = c.call(wire.OP_STATFS)
    assert r["status"] == 0
    target, idx, total, used, avail = __import__("struct").unpack_from("<BIQQQ", r["payload"])
    assert (target, idx, total) == (2, 0, 1 << 30)
    assert used + avail == total
    c.close()


def test_1a_oss_down_and_back(cluster):
    """A stopped OSS shows as inactive in df; restarted, it registers again."""
    assert cluster.osts[2].stop() == 0
    wait_for(lambda: "(DOWN)" in cluster.glint("df", check=False).stdout, 10, "OST2 down")
    r = cluster.glint("df", check=False)
    assert r.returncode == 1 and "fsx-OST0002_UUID" in r.stdout
    cluster.start_oss(2)
    cluster.wait_osts_up(4)


def test_1b_mds_restart_osts_reregister(cluster):
    """OSSes re-register on their own after the MDS restarts."""
    port = cluster.mds.port
    assert cluster.mds.stop() == 0
    cluster.mds = Proc("mds", [cluster.bin("mds/glint-mds"), "--listen", f"127.0.0.1:{port}",
                               "--db", os.path.join(cluster.workdir, "mds"),
                               *mds_compression_args()], cluster.workdir)
    cluster.mds.wait_port()
    cluster.wait_osts_up(4, timeout=15)


def test_1c_sigint_stops_cleanly(make_cluster):
    """SIGINT, like SIGTERM, stops a server with exit status 0."""
    c = make_cluster()
    c.start_mds()
    c.start_oss(0)
    assert c.osts[0].stop(signal.SIGINT) == 0
    assert c.mds.stop(signal.SIGINT) == 0


def test_2a_bad_option_value(bindir, workdir):
    """A bad value names the key and the accepted range."""
    r = run([os.path.join(bindir, "oss/glint-oss"), "--dir", workdir, "--capacity", "12X"])
    assert r.returncode != 0 and "--capacity" in r.stderr and "12X" in r.stderr
    r = run([os.path.join(bindir, "mds/glint-mds"), "--stripe-count", "5000"])
    assert r.returncode != 0 and "stripe-count" in r.stderr and "1024" in r.stderr
    r = run([os.path.join(bindir, "mds/glint-mds"), "--no-such-option"])
    assert r.returncode != 0 and "no-such-option" in r.stderr


def test_2b_busy_port(make_cluster, workdir):
    """A port in use stops startup with a clear message."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    port = s.getsockname()[1]
    c = make_cluster()
    r = run([c.bin("mds/glint-mds"), "--listen", f"127.0.0.1:{port}",
             "--db", os.path.join(workdir, "m")])
    s.close()
    assert r.returncode == 1 and "in use" in r.stderr


def test_2c_unusable_directory(bindir, workdir):
    """A backing directory that is a file, or missing, is refused."""
    f = os.path.join(workdir, "file")
    open(f, "w").close()
    for d in (f, os.path.join(workdir, "missing", "x")):
        r = run([os.path.join(bindir, "oss/glint-oss"), "--dir", d, "--listen", "127.0.0.1:0",
                 "--capacity", "1G"])
        assert r.returncode == 1 and "backing directory" in r.stderr, r.stderr
    r = run([os.path.join(bindir, "mds/glint-mds"), "--db", os.path.join(f, "x"),
             "--listen", "127.0.0.1:0"])
    assert r.returncode == 1 and "metadata directory" in r.stderr


def test_2d_help_and_dump_config(bindir, workdir):
    """--help lists options with defaults; --dump-config round-trips."""
    for prog in ("mds/glint-mds", "oss/glint-oss"):
        r = run([os.path.join(bindir, prog), "--help"])
        assert r.returncode == 0 and "--listen" in r.stdout
    conf = os.path.join(workdir, "mds.conf")
    r = run([os.path.join(bindir, "mds/glint-mds"), "--stripe-size", "4M", "--dump-config"])
    assert r.returncode == 0
    open(conf, "w").write(r.stdout)
    r2 = run([os.path.join(bindir, "mds/glint-mds"), "--config", conf, "--dump-config"])
    assert r2.stdout == r.stdout and "4M" in r.stdout


def test_2e_second_oss_same_index_refused(cluster):
    """Two OSSes cannot claim one OST index."""
    d = os.path.join(cluster.workdir, "dup")
    os.makedirs(d)
    p = Proc("dup", [cluster.bin("oss/glint-oss"), "--listen", "127.0.0.1:0", "--dir", d,
                     "--index", "1", "--capacity", "1G", "--mds", cluster.mds_addr],
             cluster.workdir)
    try:
        p.wait_port()
        wait_for(lambda: "already registered" in p.read_log() or
                 "File exists" in p.read_log(), 10, "refusal logged")
        cluster.wait_osts_up(4)
    finally:
        assert p.stop() == 0
