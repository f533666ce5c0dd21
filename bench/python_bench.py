#!/usr/bin/env python3
"""Near-duplicates from Python, one thread: reprint_rs vs rensa, gaoya and datasketch.

Every tool starts from the same Python list of strings (loaded before the clock starts) and
ends with verified near-duplicate pairs at threshold 0.8 (word 5-grams, 128 hash functions),
written the way each tool's users write it:

* reprint_rs:  `rp.dedup(texts, threads=1)` — exact Jaccard verification inside.
* rensa:       Python shingling (`\\w+` lower-cased 5-grams) + `RMinHash.from_token_sets` (batches
               of 2,000) + `RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)`; a candidate
               is kept when the sketches' estimated Jaccard is ≥ 0.8.
* gaoya:       `MinHashStringIndex(jaccard_threshold=0.8, num_bands=16, band_size=8,
               num_hashes=128, analyzer="word", lowercase=True, ngram_range=(5, 5))`;
               `insert_document` for each document, then `query` for each (its own shingling,
               in Rust; pairs at estimated similarity ≥ 0.8).
* datasketch:  Python shingling + `MinHash(num_perm=128).update_batch` + `MinHashLSH(threshold=0.8)`;
               a candidate is kept when the estimated Jaccard is ≥ 0.8.

Each (tool, corpus) runs in a fresh interpreter, R times (medians); imports (and pyarrow's
one-time initialization on its first string conversion, ~0.14 s) happen before the clock. Peak memory: the process's
peak RSS, and the peak above the RSS once the texts are loaded ("working").

Accuracy at 0.8 against exact Jaccard of word 5-gram sets over `re.findall(r'\\w+', text.lower())`:
for 20 Newsgroups and BBC the ground truth is the data's exact census (`pairs_j50.tsv`); for the
generated corpus it is every pair any tool reported, re-checked exactly here (pooled recall:
a pair no tool found is not counted). Documents with fewer than 5 tokens have no 5-gram and are
left out of both measures.

    python3 bench/python_bench.py                     # builds the release wheel, runs everything
    python3 bench/python_bench.py --gen-docs 20000 --repeats 1   # quicker

Run it with a Python where the anchors can be installed (a venv): it pip-installs rensa, gaoya
and datasketch when missing, and the reprint_rs wheel it builds. Results: a markdown table on
stdout and bench/results/YYYY-MM-DD-python.md (+ .json).
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

# The anchors' Python shingling, one definition for every benchmark.
from dedup_bench import shingles

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
REAL = {
    "20newsgroups": DATA / "20newsgroups",
    "bbc-news": DATA / "bbc-news",
}
THRESHOLD = 0.8
NUM_PERM = 128
NGRAM = 5
TOOLS = ("reprint_rs", "gaoya", "rensa", "datasketch")


def load(path, limit=None):
    texts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                texts.append(json.loads(line).get("text") or "")
                if limit and len(texts) >= limit:
                    break
    return texts


def status_mib(field):
    """VmRSS (now) or VmHWM (peak) of this process in MiB. Not ru_maxrss: it keeps the
    forking parent's peak across exec."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


# ------------------------------------------------------------------------------------------
# Workers: one tool on one corpus in a fresh process; print one JSON line.


def run_reprint(texts):
    import reprint_rs as rp

    r = rp.dedup(texts, threads=1, threshold=THRESHOLD)
    a = r.pairs.column("a").to_pylist()
    b = r.pairs.column("b").to_pylist()
    return [(int(x), int(y)) for x, y in zip(a, b)]


def run_rensa(texts, batch=2000):
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=16)
    sketches, pairs = {}, []

    def flush(ids, sets):
        for i, m in zip(ids, RMinHash.from_token_sets(sets, num_perm=NUM_PERM, seed=42)):
            for j in lsh.query(m):
                if m.jaccard(sketches[j]) >= THRESHOLD:
                    pairs.append((j, i))
            lsh.insert(i, m)
            sketches[i] = m

    ids, sets = [], []
    for i, text in enumerate(texts):
        sh = shingles(text)
        if not sh:
            continue
        ids.append(i)
        sets.append(list(sh))
        if len(ids) == batch:
            flush(ids, sets)
            ids, sets = [], []
    if ids:
        flush(ids, sets)
    return pairs


def run_gaoya(texts):
    from gaoya.minhash import MinHashStringIndex

    index = MinHashStringIndex(
        hash_size=32,
        jaccard_threshold=THRESHOLD,
        num_bands=16,
        band_size=8,
        num_hashes=NUM_PERM,
        analyzer="word",
        lowercase=True,
        ngram_range=(NGRAM, NGRAM),
    )
    for i, text in enumerate(texts):
        index.insert_document(i, text)
    pairs = set()
    for i, text in enumerate(texts):
        for j, sim in index.query(text, return_similarity=True):
            if j != i and sim >= THRESHOLD:
                pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


def run_datasketch(texts):
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    sketches, pairs = {}, []
    for i, text in enumerate(texts):
        sh = shingles(text)
        if not sh:
            continue
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([s.encode("utf-8") for s in sh])
        for j in lsh.query(m):
            if m.jaccard(sketches[j]) >= THRESHOLD:
                pairs.append((j, i))
        lsh.insert(i, m)
        sketches[i] = m
    return pairs


WORKERS = {
    "reprint_rs": run_reprint,
    "rensa": run_rensa,
    "gaoya": run_gaoya,
    "datasketch": run_datasketch,
}


IMPORTS = {"reprint_rs": "reprint_rs", "rensa": "rensa", "gaoya": "gaoya.minhash",
           "datasketch": "datasketch"}


def worker(tool, path, limit):
    __import__(IMPORTS[tool])  # imported before the clock starts, as in a user's session
    if tool == "reprint_rs":
        # pyarrow's first string conversion in a process initializes it (~0.14 s here):
        # like the import, a session pays it once, before the clock.
        import pyarrow as pa

        pa.array(["warm"], type=pa.large_string())
    texts = load(path, limit)
    loaded = status_mib("VmRSS")
    t0 = time.perf_counter()
    pairs = WORKERS[tool](texts)
    seconds = time.perf_counter() - t0
    peak = status_mib("VmHWM")
    print(json.dumps({
        "docs": len(texts),
        "bytes": sum(len(t.encode("utf-8")) for t in texts),
        "seconds": seconds,
        "peak_mib": peak,
        "working_mib": max(0.0, peak - loaded),
        "pairs": sorted({(min(a, b), max(a, b)) for a, b in pairs}),
    }))


# ------------------------------------------------------------------------------------------
# Driver


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def versions():
    from importlib.metadata import version

    return {t: version(n) for t, n in
            [("reprint_rs", "reprint-rs"), ("rensa", "rensa"), ("gaoya", "gaoya"), ("datasketch", "datasketch")]}


def ensure(build):
    missing = []
    for mod in ("rensa", "gaoya", "datasketch", "pyarrow"):
        try:
            __import__(mod)
        except ImportError:
            missing.append(mod)
    if missing:
        log(f"installing {' '.join(missing)}")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)
    if build:
        log("building the release wheel (maturin build --release)")
        out = ROOT / "target" / "wheels-release"
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "maturin>=1.9,<2"], check=True)
        subprocess.run([sys.executable, "-m", "maturin", "build", "--quiet", "--release",
                        "-m", str(ROOT / "crates/reprint-py/Cargo.toml"), "-i", sys.executable,
                        "-o", str(out)], check=True)
        wheels = sorted(out.glob("reprint_rs-*.whl"), key=lambda p: p.stat().st_mtime)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--force-reinstall",
                        "--no-deps", str(wheels[-1])], check=True)


def generate(n, seed):
    gen = ROOT / "target" / "release" / "gen-corpus"
    if not gen.exists():
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "reprint-bench"], cwd=ROOT, check=True)
    out = ROOT / "bench" / "out" / f"gen-{n}-{seed}.jsonl"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(gen), "--docs", str(n), "--seed", str(seed), "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


def exact_truth(path, limit):
    """Pairs (positions) with exact J >= 0.8 from the census; and the short documents."""
    texts = load(path / "docs.jsonl", limit)
    ids = []
    with open(path / "docs.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                ids.append(json.loads(line)["id"])
    pos = {d: i for i, d in enumerate(ids)}
    truth = set()
    with open(path / "pairs_j50.tsv", encoding="utf-8") as f:
        next(f)
        for line in f:
            a, b, j = line.split("\t")[:3]
            if float(j) >= THRESHOLD:
                truth.add((min(pos[a], pos[b]), max(pos[a], pos[b])))
    return texts, truth


def accuracy(texts, pairs, truth, sets):
    """Recall against `truth`, precision by exact Jaccard; short documents left out."""
    def exact(a, b):
        sa, sb = sets(a), sets(b)
        return len(sa & sb) / len(sa | sb) if sa and sb else None

    counted = [(a, b) for a, b in pairs if sets(a) and sets(b)]
    good = sum(1 for a, b in counted if exact(a, b) >= THRESHOLD - 1e-9)
    found = len(truth & set(counted))
    return {
        "recall": found / len(truth) if truth else 1.0,
        "precision": good / len(counted) if counted else 1.0,
        "reported": len(counted),
        "truth": len(truth),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", nargs=2, metavar=("TOOL", "FILE"), help=argparse.SUPPRESS)
    ap.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--gen-docs", type=int, default=100_000)
    ap.add_argument("--gen-seed", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--datasketch-docs", type=int, default=20_000,
                    help="datasketch runs on at most this many documents of a corpus (it is slow); "
                         "its ratio is against reprint_rs on the same sample")
    ap.add_argument("--skip-build", action="store_true")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.limit or None)
        return

    ensure(not args.skip_build)
    vers = versions()
    corpora = [(name, d / "docs.jsonl") for name, d in REAL.items()]
    corpora.append((f"generated {args.gen_docs:,}", generate(args.gen_docs, args.gen_seed)))

    rows = []
    for name, path in corpora:
        n_docs = sum(1 for line in open(path, encoding="utf-8") if line.strip())
        sample = min(n_docs, args.datasketch_docs)
        runs = {}
        plan = [(t, None) for t in TOOLS if t != "datasketch"]
        plan.append(("datasketch", sample if sample < n_docs else None))
        if sample < n_docs:
            plan.append(("reprint_rs", sample))
        for tool, limit in plan:
            reps = 1 if tool == "datasketch" else args.repeats
            results = []
            for _ in range(reps):
                cmd = [sys.executable, __file__, "--worker", tool, str(path)]
                if limit:
                    cmd += ["--limit", str(limit)]
                proc = subprocess.run(cmd, capture_output=True, text=True)
                if proc.returncode != 0:
                    sys.exit(f"{tool} on {name} failed:\n{proc.stderr}")
                results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
                log(f"{name:>20} {tool:>10} {'' if not limit else f'(first {limit:,}) '}"
                    f"{results[-1]['seconds']:.2f} s")
            runs[(tool, limit)] = {
                "docs": results[0]["docs"],
                "bytes": results[0]["bytes"],
                "seconds": statistics.median(r["seconds"] for r in results),
                "peak_mib": statistics.median(r["peak_mib"] for r in results),
                "working_mib": statistics.median(r["working_mib"] for r in results),
                "pairs": [tuple(p) for p in results[0]["pairs"]],
                "repeats": reps,
            }
        # Accuracy
        texts = load(path)
        cache = {}

        def sets(i):
            if i not in cache:
                cache[i] = shingles(texts[i])
            return cache[i]

        if name in REAL:
            _, truth = exact_truth(REAL[name], None)
            basis = "exact census"
        else:
            pooled = set()
            for (tool, limit), r in runs.items():
                if limit is None:
                    pooled |= set(r["pairs"])
            truth = set()
            for a, b in pooled:
                sa, sb = sets(a), sets(b)
                if sa and sb and len(sa & sb) / len(sa | sb) >= THRESHOLD - 1e-9:
                    truth.add((a, b))
            basis = "pooled (every tool's pairs, checked exactly)"
        for (tool, limit), r in runs.items():
            t = truth if limit is None else {(a, b) for a, b in truth if b < limit}
            r.update(accuracy(texts, r["pairs"], t, sets))
            r["truth_basis"] = basis
        for (tool, limit), r in runs.items():
            base = runs[("reprint_rs", limit)]
            rows.append({
                "corpus": name,
                "tool": tool,
                "docs": r["docs"],
                "mb": r["bytes"] / 1e6,
                "seconds": r["seconds"],
                "docs_per_s": r["docs"] / r["seconds"],
                "mb_per_s": r["bytes"] / 1e6 / r["seconds"],
                "peak_mib": r["peak_mib"],
                "working_mib": r["working_mib"],
                "recall": r["recall"],
                "precision": r["precision"],
                "reported": r["reported"],
                "truth": r["truth"],
                "truth_basis": r["truth_basis"],
                "reprint_speedup": r["seconds"] / base["seconds"],
                "sample": limit,
                "repeats": r["repeats"],
            })

    date = datetime.date.today().isoformat()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    lines = [
        f"# Near-duplicates from Python, one thread, {date}",
        "",
        f"Commit {commit}; Python {platform.python_version()}; "
        + ", ".join(f"{k} {v}" for k, v in vers.items())
        + f"; {os.cpu_count()} cores (shared, noisy machine), every tool on one thread. "
        f"Medians of {args.repeats} runs (datasketch: 1). Threshold 0.8, word 5-grams, 128 hashes.",
        "",
        "Time is from a Python list of strings to verified pairs. \"× slower than reprint_rs\" = the "
        "tool's time ÷ reprint_rs's time on the same documents. Peak: the process's peak RSS "
        "(texts included); working: peak minus RSS after loading the texts.",
        "",
        "| corpus | tool | docs | MB | s | docs/s | MB/s | peak MiB | working MiB | recall | precision | pairs | × slower than reprint_rs |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        tool = r["tool"] + (f" (first {r['sample']:,})" if r["sample"] else "")
        lines.append(
            f"| {r['corpus']} | {tool} | {r['docs']:,} | {r['mb']:.1f} | {r['seconds']:.2f} | "
            f"{r['docs_per_s']:,.0f} | {r['mb_per_s']:.1f} | {r['peak_mib']:.0f} | {r['working_mib']:.0f} | "
            f"{r['recall']:.4f} | {r['precision']:.4f} | {r['reported']:,} | {r['reprint_speedup']:.1f}× |"
        )
    lines += ["", "Ground truth: 20newsgroups and bbc-news, the exact census of the data (pairs_j50.tsv, "
              "J ≥ 0.8); generated, pooled: every pair any tool reported with exact J ≥ 0.8 "
              "(a pair no tool found is not counted, so its recall is an upper bound)."]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results" / f"{date}-python"
    out.with_suffix(".md").write_text(text, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({"date": date, "commit": commit, "versions": vers,
                                                    "rows": rows}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
