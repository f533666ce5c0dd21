"""What the scale benchmarks (`stories_scale.py`, `reuse_scale.py`) share: paths, timing under
GNU time, and the generated corpora."""

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"
NG = ROOT.parent / "shared" / "data" / "20newsgroups" / "docs.jsonl"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def timed(cmd):
    """(wall seconds, peak RSS MiB, stdout) of cmd, via GNU time."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{cmd} failed:\n{p.stderr}")
    kib = int(p.stderr.strip().splitlines()[-1])
    return wall, kib / 1024, p.stdout


def measure(cmd, repeats):
    """(median wall seconds, largest peak MiB, the last run's stdout) of `repeats` runs."""
    runs = [timed(cmd) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def build():
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "reprint-cli", "-p", "reprint-bench"],
                   cwd=ROOT, check=True)


def generated(work, sizes):
    """`(name, docs, path)` of a generated corpus per size (made once in `work`), then 20
    Newsgroups when it is there."""
    work.mkdir(parents=True, exist_ok=True)
    inputs = []
    for n in sizes:
        f = work / f"gen{n}.jsonl"
        if not f.exists():
            log(f"generating {n} documents")
            subprocess.run([str(RELEASE / "gen-corpus"), "--docs", str(n), "--out", str(f)],
                           check=True, stdout=subprocess.DEVNULL)
        inputs.append((f"generated {n:,}", n, f))
    if NG.exists():
        inputs.append(("20 Newsgroups", 18_846, NG))
    return inputs
