"""Integration test harness: real glint-mds / glint-oss processes on loopback.

Every cluster lives in its own temporary directory with ephemeral ports
(servers are started with --listen 127.0.0.1:0 and report the bound port
through --port-file), so tests can run side by side. Everything a test
starts is stopped by PID when the test ends, and checked to have exited
cleanly (exit 0 after SIGTERM); a server that crashed fails the test.
"""
import mmap
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest


def pytest_addoption(parser):
    parser.addoption("--build-dir", default=os.environ.get("GLINT_BUILD_DIR", "build"),
                     help="CMake build directory holding the Glint binaries")
    parser.addoption("--compression", choices=("none", "lz4"),
                     default=os.environ.get("GLINT_TEST_COMPRESSION", "none"),
                     help="the file systems' default compression "
                          "(glint-mds --compression) in every test that does "
                          "not choose one itself")


def pytest_configure(config):
    # Read by Cluster.start_mds (and the tests that start an MDS
    # themselves, through mds_compression_args) from the environment, so
    # that it reaches them however they import this module.
    os.environ["GLINT_TEST_COMPRESSION"] = config.getoption("--compression")


def mds_compression_args(extra=()):
    """glint-mds arguments for the suite's compression, unless extra
    already chooses one."""
    c = os.environ.get("GLINT_TEST_COMPRESSION", "none")
    if c == "none" or "--compression" in extra:
        return ()
    return ("--compression", c)


@pytest.fixture(scope="session")
def bindir(request):
    d = os.path.abspath(request.config.getoption("--build-dir"))
    for prog in ("mds/glint-mds", "oss/glint-oss", "tools/glint"):
        if not os.access(os.path.join(d, prog), os.X_OK):
            pytest.exit(f"missing {prog} in {d}: build first", returncode=1)
    return d


def wait_for(pred, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


class Proc:
    """One server process, its log file and its port."""

    def __init__(self, name, argv, workdir):
        self.name = name
        self.argv = argv
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.port_file = os.path.join(workdir, f"{name}.port")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.log = open(self.log_path, "ab")
        self.p = subprocess.Popen(argv + ["--port-file", self.port_file],
                                  stdout=self.log, stderr=subprocess.STDOUT)
        self.port = None

    def wait_port(self, timeout=10.0):
        def ready():
            if self.p.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.p.returncode}:\n{self.read_log()}")
            try:
                with open(self.port_file) as f:
                    s = f.read().strip()
                return int(s) if s else None
            except FileNotFoundError:
                return None
        self.port = wait_for(ready, timeout, f"{self.name} to listen")
        return self.port

    def read_log(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def alive(self):
        return self.p.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Stop by PID; returns the exit code."""
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()
        return self.p.returncode


class Cluster:
    """An MDS and n OSSes in a temporary directory."""

    def __init__(self, bindir, workdir, fsname="fsx"):
        self.bindir = bindir
        self.workdir = workdir
        self.fsname = fsname
        self.mds = None
        self.osts = {}

    def bin(self, rel):
        return os.path.join(self.bindir, rel)

    def start_mds(self, *extra):
        db = os.path.join(self.workdir, "mds")
        os.makedirs(db, exist_ok=True)
        self.mds = Proc("mds", [self.bin("mds/glint-mds"), "--listen", "127.0.0.1:0",
                                "--db", db, "--fsname", self.fsname,
                                *mds_compression_args(extra), *extra], self.workdir)
        self.mds.wait_port()
        return self.mds

    def start_oss(self, idx, capacity="1G", *extra):
        # Clients here are on this host, where --sendfile auto sends
        # nothing with sendfile (it copies raw chunks with one read): OSSes
        # with an even index run with it on, so that a striped file's
        # large reads take both paths, the one clients on other hosts get
        # and the one clients on the OSS's host get (test_oss_io and
        # test_fs_e2e also test each mode alone).
        # Clients here also get localio (client/localio.h) from an OSS
        # that offers it: OSSes 1 and 2 (of each four) refuse it, so that
        # large reads of a file striped over four take all three paths:
        # localio (OSTs 0 and 3), sendfile (2) and one read (1).
        if "--sendfile" not in extra:
            extra = ("--sendfile", "on" if idx % 2 == 0 else "auto", *extra)
        if "--localio" not in extra and idx % 4 in (1, 2):
            extra = ("--localio", "off", *extra)
        d = os.path.join(self.workdir, f"ost{idx}")
        os.makedirs(d, exist_ok=True)
        p = Proc(f"oss{idx}", [self.bin("oss/glint-oss"), "--listen", "127.0.0.1:0",
                               "--dir", d, "--index", str(idx), "--capacity", capacity,
                               "--mds", f"127.0.0.1:{self.mds.port}",
                               "--fsname", self.fsname, *extra], self.workdir)
        p.wait_port()
        self.osts[idx] = p
        return p

    @property
    def mds_addr(self):
        return f"127.0.0.1:{self.mds.port}"

    def glint(self, *args, check=True, timeout=30):
        """Run the glint tool against this cluster; returns CompletedProcess."""
        r = subprocess.run([self.bin("tools/glint"), "--mds", self.mds_addr, *args],
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"glint {' '.join(args)} failed ({r.returncode}):\n"
                                 f"{r.stdout}\n{r.stderr}")
        return r

    def wait_osts_up(self, n, timeout=10.0):
        def up():
            r = self.glint("df", check=False)
            return r.returncode == 0 and r.stdout.count("OST:") >= n and "DOWN" not in r.stdout
        wait_for(up, timeout, f"{n} OSTs up")

    def stop(self):
        codes = {}
        for idx, p in list(self.osts.items()):
            codes[p.name] = p.stop()
        if self.mds:
            codes["mds"] = self.mds.stop()
        return codes


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="glint-test-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def cluster(bindir, workdir):
    """A running MDS with four OSSes; stopped by PID afterwards."""
    c = Cluster(bindir, workdir)
    try:
        c.start_mds()
        for i in range(4):
            c.start_oss(i)
        c.wait_osts_up(4)
        yield c
    finally:
        codes = c.stop()
    bad = {k: v for k, v in codes.items() if v != 0}
    assert not bad, f"servers did not exit cleanly: {bad}"


@pytest.fixture
def make_cluster(bindir, workdir):
    """Factory for tests that start servers themselves."""
    made = []

    def make(fsname="fsx"):
        c = Cluster(bindir, workdir, fsname)
        made.append(c)
        return c
    yield make
    for c in made:
        c.stop()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- FUSE mounts (glint-client) ---

def oss_counter(p, name):
    """A counter (DataReadBytes, SendfileBytes, LocalioBytes, ...) from the
    line a stopped OSS logged at stop."""
    with open(p.log_path, errors="replace") as f:
        log = f.read()
    return int(log.rsplit(f"{name}=", 1)[1].split()[0])


def direct_read(path, off, n):
    """An O_DIRECT read of n bytes at off (one request reaches the client)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, n)
    try:
        got = os.preadv(fd, [buf], off)
        return buf[:got]
    finally:
        os.close(fd)


def drop_caches(path):
    """Make the next read go to the OSTs: re-open with the page cache of
    the file dropped (FUSE honours POSIX_FADV_DONTNEED on its pages)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def mounted(path):
    """True when path is a mount point, read from /proc/self/mountinfo (a
    stat could hang on a dead FUSE daemon)."""
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")
            if mp == path:
                return True
    return False


class Mount:
    """glint-client -f on a temporary directory, stopped by umount and PID."""

    def __init__(self, cluster, name="mnt", opts=(), timeout=10.0):
        self.cluster = cluster
        self.path = os.path.join(cluster.workdir, name)
        os.makedirs(self.path, exist_ok=True)
        self.log_path = os.path.join(cluster.workdir, f"{name}.client.log")
        self.spec = f"127.0.0.1:{cluster.mds.port}@tcp:/{cluster.fsname}"
        o = ",".join(["log_level=info", f"log={self.log_path}", *opts])
        self.out = open(os.path.join(cluster.workdir, f"{name}.client.out"), "ab")
        self.p = subprocess.Popen([cluster.bin("client/glint-client"), "-f", "-o", o,
                                   self.spec, self.path],
                                  stdout=self.out, stderr=subprocess.STDOUT)

        def up():
            if self.p.poll() is not None:
                raise RuntimeError(f"glint-client exited {self.p.returncode}:\n"
                                   f"{self.read_log()}")
            return mounted(self.path)
        wait_for(up, timeout, f"mount of {self.path}")

    def read_log(self):
        text = ""
        for p in (self.out.name, self.log_path):
            try:
                with open(p, "rb") as f:
                    text += f.read().decode(errors="replace")
            except FileNotFoundError:
                pass
        return text

    def umount(self, timeout=10.0):
        """umount (fusermount3 -u as a fallback), then wait for the client
        to exit by itself; killed by PID if it does not. Returns its exit
        code."""
        if mounted(self.path):
            r = subprocess.run(["umount", self.path], capture_output=True)
            if r.returncode != 0:
                subprocess.run(["fusermount3", "-u", "-z", self.path],
                               capture_output=True)
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.out.close()
        return self.p.returncode


@pytest.fixture
def make_mount(cluster):
    """Factory: make_mount(name="mnt", opts=()) mounts the cluster fixture's
    file system; every mount is unmounted and its client checked to have
    exited 0 at teardown."""
    made = []

    def make(name="mnt", opts=("flock",), c=None):
        m = Mount(c or cluster, name, opts)
        made.append(m)
        return m
    yield make
    codes = {m.path: m.umount() for m in reversed(made)}
    bad = {k: v for k, v in codes.items() if v != 0}
    assert not bad, f"glint-client did not exit cleanly: {bad}"


@pytest.fixture
def mnt(make_mount):
    """One client mounted with -o flock over the four-OST cluster."""
    return make_mount()
