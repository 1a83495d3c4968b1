"""glint bench: the stripes, meta and loader workloads with tiny sizes on a
mounted test cluster (an MDS and four OSSes), their tables, CSVs and
chart, the repeat command lines, and usage errors.

Numbered like Lustre's sanity.sh, one line of purpose each. Outputs (CSV,
PNG) go to the test's own temporary directory.
"""
import csv
import os
import shlex
import shutil
import subprocess

import pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STRIPES_COLUMNS = ["stripe_count", "stripes", "stripe_size", "threads", "file_size", "bs",
                   "direct", "write_mb_s", "read_mb_s", "write_s", "read_s",
                   "caches_dropped", "error"]
META_COLUMNS = ["dirs", "threads", "files", "phase", "ops_s", "seconds", "caches_dropped",
                "error"]
LOADER_COLUMNS = ["files", "file_size", "readers", "bs", "seed", "files_s", "mb_s", "p50_ms",
                  "p99_ms", "max_ms", "seconds", "caches_dropped"]


def bench(bindir, *args, cwd=None, env=None, timeout=120):
    return subprocess.run([os.path.join(bindir, "tools/glint"), "bench", *args],
                          capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=timeout)


def ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def read_csv(path, columns):
    with open(path, newline="") as f:
        rd = csv.DictReader(f)
        assert rd.fieldnames == columns
        return list(rd)


def table_rows(out, first_word):
    """The rows of the table whose header line starts with first_word."""
    lines = out.splitlines()
    start = next(i for i, l in enumerate(lines) if l.split()[:1] == [first_word])
    rows = []
    for l in lines[start + 1:]:
        if not l.strip():
            break
        rows.append(l.split())
    return rows


def scratch_left(path):
    return [n for n in os.listdir(path) if n.startswith("glint-bench.")]


@pytest.fixture
def outdir(workdir):
    d = os.path.join(workdir, "out")
    os.makedirs(d)
    return d


# 1: stripes: every layout has a row, CSV and PNG written, best layouts named
def test_1_stripes(bindir, mnt, outdir):
    csv_path = os.path.join(outdir, "s.csv")
    png_path = os.path.join(outdir, "s.png")
    r = ok(bench(bindir, "stripes", "-d", mnt.path, "--size", "256K", "--bs", "64K",
                 "--counts", "1,-1", "--sizes", "64K,128K", "--threads", "1,2",
                 "--csv", csv_path, "--png", png_path, cwd=outdir))
    out = r.stdout
    # Parameters and the repeat command come before the results.
    assert out.index("repeat:") < out.index("write MB/s")
    assert ("repeat:     glint bench stripes -d " + mnt.path + " --size 256K --counts 1,-1 "
            "--sizes 64K,128K --threads 1,2 --bs 64K") in out
    assert "4 OSTs" in out
    rows = table_rows(out, "stripe_count")
    want = {(c, s, t) for c in ("1", "-1") for s in ("64K", "128K") for t in ("1", "2")}
    assert {(row[0], row[2], row[3]) for row in rows} == want
    for row in rows:
        assert len(row) == 6, row
        assert row[1] == ("1" if row[0] == "1" else "4")
        assert float(row[4]) > 0 and float(row[5]) > 0
    recs = read_csv(csv_path, STRIPES_COLUMNS)
    assert len(recs) == 8
    for rec in recs:
        assert rec["error"] == "" and rec["caches_dropped"] == "1"
        assert int(rec["file_size"]) == 256 << 10 and int(rec["bs"]) == 64 << 10
        assert int(rec["stripe_size"]) in (64 << 10, 128 << 10)
        assert float(rec["write_mb_s"]) > 0 and float(rec["read_mb_s"]) > 0
    with open(png_path, "rb") as f:
        assert f.read(8) == PNG_SIGNATURE
    assert "best write: stripe_count " in out and "best read:  stripe_count " in out
    assert f"csv:        {csv_path}" in out and f"chart:      {png_path}" in out
    assert not scratch_left(mnt.path)
    assert "[8/8]" in r.stderr  # the progress lines (not a tty: plain lines)


# 2: the best layout's repeat command runs just that layout
def test_2_stripes_repeat_best(bindir, mnt, outdir):
    r = ok(bench(bindir, "stripes", "-d", mnt.path, "--size", "128K", "--counts", "2",
                 "--sizes", "64K", "--threads", "1", "--no-drop", cwd=outdir))
    lines = r.stdout.splitlines()
    best = lines.index(next(l for l in lines if l.startswith("best read:")))
    assert "glint setstripe -c 2 -S 64K FILE" in lines[best + 1]
    repeat = lines[best + 2].split("repeat:", 1)[1].strip()
    argv = shlex.split(repeat)
    assert argv[:3] == ["glint", "bench", "stripes"] and "--no-drop" in argv
    r2 = ok(bench(bindir, *argv[2:], cwd=outdir))
    rows = table_rows(r2.stdout, "stripe_count")
    assert [(row[0], row[1], row[2], row[3]) for row in rows] == [("2", "2", "64K", "1")]
    # --no-drop: said in the parameters, the CSV and the table.
    assert "caches NOT dropped" in r2.stdout and "(read from cache?)" in r2.stdout
    assert read_csv(os.path.join(outdir, "glint-bench-stripes.csv"),
                    STRIPES_COLUMNS)[0]["caches_dropped"] == "0"


# 3: without gnuplot: said, the CSV is still written, no PNG, exit 0
def test_3_stripes_no_gnuplot(bindir, mnt, outdir):
    env = dict(os.environ, PATH=os.path.join(outdir, "empty-path"))
    r = ok(bench(bindir, "stripes", "-d", mnt.path, "--size", "64K", "--counts", "1",
                 "--sizes", "64K", "--threads", "1", "--no-drop", cwd=outdir, env=env))
    assert "gnuplot not found" in r.stderr
    assert len(read_csv(os.path.join(outdir, "glint-bench-stripes.csv"), STRIPES_COLUMNS)) == 1
    assert not os.path.exists(os.path.join(outdir, "glint-bench-stripes.png"))


# 4: stripes with O_DIRECT, and --quick's preset with explicit flags winning
def test_4_stripes_direct_quick(bindir, mnt, outdir):
    r = ok(bench(bindir, "stripes", "-d", mnt.path, "--quick", "--size", "128K",
                 "--threads", "1", "--direct", "--no-drop", "--png",
                 os.path.join(outdir, "q.png"), cwd=outdir))
    assert ("glint bench stripes -d " + mnt.path + " --size 128K --counts 1,-1 --sizes 64K,1M "
            "--threads 1 --bs 1M --direct --no-drop") in r.stdout
    assert "with O_DIRECT" in r.stdout
    assert len(table_rows(r.stdout, "stripe_count")) == 4


# 5: meta: create/stat/unlink rows for 1 and 4 directories, CSV
def test_5_meta(bindir, mnt, outdir):
    csv_path = os.path.join(outdir, "m.csv")
    r = ok(bench(bindir, "meta", "-d", mnt.path, "-n", "40", "--csv", csv_path))
    assert "repeat:     glint bench meta -d " + mnt.path + " -n 40 --dirs 1,4" in r.stdout
    rows = table_rows(r.stdout, "dirs")
    assert [(row[0], row[1], row[2], row[3]) for row in rows] == [
        (d, d, "40", ph) for d in ("1", "4") for ph in ("create", "stat", "unlink")]
    assert all(float(row[4]) > 0 for row in rows)
    recs = read_csv(csv_path, META_COLUMNS)
    assert [(x["dirs"], x["phase"]) for x in recs] == [
        (d, ph) for d in ("1", "4") for ph in ("create", "stat", "unlink")]
    assert [x["caches_dropped"] for x in recs] == ["0", "1", "1"] * 2
    assert all(float(x["ops_s"]) > 0 and x["error"] == "" for x in recs)
    assert not scratch_left(mnt.path)


# 6: meta runs on any directory, and uneven splits (7 files, 4 dirs) add up
def test_6_meta_local_dir(bindir, outdir):
    d = os.path.join(outdir, "local")
    os.makedirs(d)
    r = ok(bench(bindir, "meta", "-d", d, "-n", "7", "--dirs", "4", "--no-drop"))
    assert len(table_rows(r.stdout, "dirs")) == 3
    assert os.listdir(d) == []


# 7: loader: one row with files/s, MB/s and latencies; CSV; a layout via -c/-S
def test_7_loader(bindir, mnt, outdir):
    csv_path = os.path.join(outdir, "l.csv")
    r = ok(bench(bindir, "loader", "-d", mnt.path, "-n", "30", "-s", "16K", "-w", "3",
                 "-c", "2", "-S", "64K", "--seed", "7", "--csv", csv_path))
    assert ("repeat:     glint bench loader -d " + mnt.path + " -n 30 -s 16K -w 3 -c 2 -S 64K "
            "--bs 1M --seed 7") in r.stdout
    assert "stripe_count 2 stripe_size 64K" in r.stdout
    rows = table_rows(r.stdout, "files")
    assert len(rows) == 1 and rows[0][:3] == ["30", "16K", "3"]
    files_s, mb_s, p50, p99, mx = map(float, rows[0][3:8])
    assert files_s > 0 and mb_s > 0 and 0 < p50 <= p99 <= mx
    rec = read_csv(csv_path, LOADER_COLUMNS)
    assert len(rec) == 1 and rec[0]["files"] == "30" and rec[0]["file_size"] == "16384"
    assert rec[0]["caches_dropped"] == "1"
    assert float(rec[0]["p50_ms"]) <= float(rec[0]["p99_ms"])
    assert not scratch_left(mnt.path)


# 8: bad flags and values are usage errors (exit 2) before touching anything
@pytest.mark.parametrize("args", [
    [],
    ["nope"],
    ["stripes", "--bogus"],
    ["stripes", "-d"],
    ["stripes", "--sizes", "100K"],
    ["stripes", "--counts", "1,,2"],
    ["stripes", "--counts", "-2"],
    ["stripes", "--threads", "0"],
    ["stripes", "--size", "12X"],
    ["stripes", "--bs", "1000"],
    ["stripes", "--direct", "--size", "1000"],
    ["meta", "-n", "0"],
    ["meta", "--dirs", "1,4", "-n", "3"],
    ["meta", "extra"],
    ["loader", "-w"],
    ["loader", "-w", "0"],
    ["loader", "-S", "100K"],
    ["loader", "-s", "-1"],
])
def test_8_usage_errors(bindir, args):
    r = bench(bindir, *args, "-d", "/nonexistent")
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert "usage: glint bench" in r.stderr
    assert r.stdout == ""


# 9: --help lists the options and exits 0; stripes refuses a non-Glint directory
def test_9_help_and_not_glint(bindir, outdir):
    for w in ("stripes", "meta", "loader"):
        r = ok(bench(bindir, w, "--help"))
        assert r.stdout.startswith(f"usage: glint bench {w}")
    r = bench(bindir, "stripes", "-d", outdir, "--quick")
    assert r.returncode == 1 and "not on a Glint file system" in r.stderr
    r = bench(bindir, "meta", "-d", os.path.join(outdir, "missing"))
    assert r.returncode == 1 and "No such file or directory" in r.stderr
