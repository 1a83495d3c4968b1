"""The multi-host test bed (scripts/testbed.sh) in CI: one short run.

Two OSSes in their own network namespaces behind 400 Mbit/s links, one
client namespace, 32 MiB per stripe count. The script must succeed, print
a write and a read figure for k = 1 and k = 2, and leave none of its
namespaces, mounts or state behind. Speeds are reported, not asserted (the
machine running CI may be busy); they are printed with -s / on failure.
Skipped when network namespaces cannot be made here (not root, no
CAP_SYS_ADMIN, a container without /run/netns).
"""
import os
import re
import subprocess
import tempfile

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(TOP, "scripts", "testbed.sh")


def netns_usable():
    """None when this process may create a network namespace with a veth
    pair and a tbf qdisc, else the reason it may not."""
    if os.geteuid() != 0:
        return "not root: the test bed needs network namespaces, tc and FUSE"
    for prog in ("ip", "tc", "nsenter"):
        if subprocess.run(["sh", "-c", f"command -v {prog}"],
                          capture_output=True).returncode != 0:
            return f"{prog} is not installed"
    name = f"gtbprobe{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if r.returncode != 0:
        return f"ip netns is not permitted here: {r.stderr.strip()}"
    try:
        steps = (["ip", "-n", name, "link", "add", "tbp0", "type", "veth", "peer", "name", "tbp1"],
                 ["tc", "-n", name, "qdisc", "add", "dev", "tbp0", "root", "tbf",
                  "rate", "400mbit", "burst", "131072", "latency", "50ms"])
        for argv in steps:
            r = subprocess.run(argv, capture_output=True, text=True)
            if r.returncode != 0:
                return f"{' '.join(argv[:4])} failed: {r.stderr.strip()}"
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


def test_testbed_run(bindir):
    why = netns_usable()
    if why:
        pytest.skip(why)
    if not os.access(os.path.join(bindir, "client/glint-client"), os.X_OK):
        pytest.skip("no glint-client in the build")
    state = tempfile.mkdtemp(prefix="glint-testbed-ci-")
    env = dict(os.environ, GLINT_TESTBED_DIR=state)
    try:
        r = subprocess.run([SCRIPT, "run", "--osts", "2", "--oss-rate", "400mbit",
                            "--size", "32", "--build-dir", bindir],
                           capture_output=True, text=True, env=env, timeout=600)
        out = r.stdout + r.stderr
        print(out)
        assert r.returncode == 0, f"testbed.sh run failed ({r.returncode}):\n{out}"

        m = re.search(r"testbed: (gtb\d+): state in", out)
        assert m, out
        run_id = m.group(1)

        rows = {}
        for line in r.stdout.splitlines():
            f = re.match(r"^\s*(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s", line)
            if f:
                rows[int(f.group(1))] = (float(f.group(2)), float(f.group(3)))
        assert sorted(rows) == [1, 2], f"expected a row for k = 1 and 2:\n{out}"
        for k, (w, rd) in rows.items():
            assert w > 0 and rd > 0, f"k={k}: write {w} read {rd} MB/s"

        ns = subprocess.run(["ip", "netns", "list"], capture_output=True,
                            text=True).stdout
        left = [line.split()[0] for line in ns.splitlines()
                if line.startswith(run_id + "-")]
        assert not left, f"namespaces left behind: {left}"
        with open("/proc/self/mountinfo") as f:
            assert run_id not in f.read(), "a mount of the test bed is left"
        assert not os.path.exists(os.path.join(state, run_id)), \
            "the run's state directory is left"
    finally:
        # whatever failed above, tear down what this run may have left
        subprocess.run([SCRIPT, "down"], env=env, capture_output=True, timeout=120)
        try:
            os.rmdir(state)
        except OSError:
            pass
