#!/usr/bin/env python3
"""End-to-end near-duplicate detection benchmark: reprint vs datasketch vs rensa vs the floor.

Every tool goes from the raw JSONL file to duplicate pairs and clusters with the same
parameters: word 5-grams over lower-cased `\\w+` tokens, 128 permutations, threshold 0.8.

* reprint:    `reprint dedup FILE --threads N --output /dev/null`
* datasketch: MinHash (update_batch) + MinHashLSH(threshold=0.8, num_perm=128), Python shingling
* rensa:      RMinHash.from_token_sets + RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16),
              Python shingling
* floor:      `floor FILE` (crates/reprint-bench): JSON parse + tokenize + hash tokens, nothing else

Each tool runs in its own process under /usr/bin/time -v (peak RSS), R times; medians are
reported. The anchors are slow, so they run on a sample (the first --anchor-docs documents);
reprint and the floor run on the sample too (ratios are computed there) and on the full corpus.

    python3 bench/dedup_bench.py                 # everything (builds, generates 1M docs, runs)
    python3 bench/dedup_bench.py --gen-docs 100000 --repeats 1   # quicker

Results: a markdown table on stdout, bench/results/YYYY-MM-DD-dedup.md and .json.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RELEASE = ROOT / "target" / "release"
REAL_CORPORA = {
    "bbc-news": Path("/work/shared/data/bbc-news/docs.jsonl"),
    "20newsgroups": Path("/work/shared/data/20newsgroups/docs.jsonl"),
}
THRESHOLD = 0.8
NUM_PERM = 128
NGRAM = 5
RENSA_BANDS = 16  # 16 bands x 8 rows, rensa's documented setting for 128 permutations
TIME = "/usr/bin/time"


# --------------------------------------------------------------------------------------------
# Anchor workers: run in a child process (`--worker datasketch|rensa FILE`), print one JSON line.
# --------------------------------------------------------------------------------------------

WORD = re.compile(r"\w+")


def shingles(text):
    """The usual Python shingling: 5-grams of lower-cased \\w+ tokens, joined by a space."""
    words = WORD.findall(text.lower())
    return {" ".join(words[i : i + NGRAM]) for i in range(len(words) - NGRAM + 1)}


def read_docs(path, text_field="text"):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line).get(text_field) or ""


def clusters_from_pairs(n, pairs):
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = {}
    for i in range(n):
        roots.setdefault(find(i), 0)
        roots[find(i)] += 1
    return sum(1 for size in roots.values() if size > 1)


def worker_datasketch(path):
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    sketches, pairs, n, shingle_s = {}, [], 0, 0.0
    for text in read_docs(path):
        i, n = n, n + 1
        s0 = time.perf_counter()
        sh = shingles(text)
        shingle_s += time.perf_counter() - s0
        if not sh:  # an empty set has no meaningful sketch; it would "match" every other empty doc
            continue
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([s.encode("utf-8") for s in sh])
        for j in lsh.query(m):
            if m.jaccard(sketches[j]) >= THRESHOLD:
                pairs.append((j, i))
        lsh.insert(i, m)
        sketches[i] = m
    clusters = clusters_from_pairs(n, pairs)
    return {"docs": n, "pairs": len(pairs), "clusters": clusters,
            "seconds": time.perf_counter() - t0, "shingle_seconds": shingle_s,
            "lsh": "datasketch optimal (b=%d, r=%d)" % (lsh.b, lsh.r)}


def worker_rensa(path, batch=2000):
    from rensa import RMinHash, RMinHashLSH

    t0 = time.perf_counter()
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=RENSA_BANDS)
    sketches, pairs, n, shingle_s = {}, [], 0, 0.0

    def flush(ids, sets):
        for i, m in zip(ids, RMinHash.from_token_sets(sets, num_perm=NUM_PERM, seed=42)):
            for j in lsh.query(m):
                if m.jaccard(sketches[j]) >= THRESHOLD:
                    pairs.append((j, i))
            lsh.insert(i, m)
            sketches[i] = m

    ids, sets = [], []
    for text in read_docs(path):
        i, n = n, n + 1
        s0 = time.perf_counter()
        sh = shingles(text)
        shingle_s += time.perf_counter() - s0
        if not sh:
            continue
        ids.append(i)
        sets.append(list(sh))
        if len(ids) == batch:
            flush(ids, sets)
            ids, sets = [], []
    if ids:
        flush(ids, sets)
    clusters = clusters_from_pairs(n, pairs)
    return {"docs": n, "pairs": len(pairs), "clusters": clusters,
            "seconds": time.perf_counter() - t0, "shingle_seconds": shingle_s,
            "lsh": "b=%d, r=%d" % (RENSA_BANDS, NUM_PERM // RENSA_BANDS)}


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_measured(cmd, cwd=ROOT):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS bytes, stdout, stderr, rc)."""
    have_time = os.access(TIME, os.X_OK)
    fd, time_log = tempfile.mkstemp(prefix="reprint-bench-time-")
    os.close(fd)
    full = [TIME, "-v", "-o", time_log] + cmd if have_time else cmd
    t0 = time.perf_counter()
    proc = subprocess.run(full, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    rss = None
    if have_time:
        with open(time_log) as f:
            for line in f:
                if "Maximum resident set size" in line:
                    rss = int(line.rsplit(":", 1)[1]) * 1024
    os.unlink(time_log)
    if rss is None:
        # No /usr/bin/time: the largest child so far (an upper bound; children run one at a time).
        import resource

        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return wall, rss, proc.stdout, proc.stderr, proc.returncode


def fail(what, cmd, rc, stderr):
    log(f"\n*** {what} failed (exit {rc}): {' '.join(map(str, cmd))}\n--- stderr ---\n{stderr[-4000:]}")
    raise SystemExit(1)


def last_json_line(text):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return None


def find_summary(text):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{") and '"summary"' in line:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if rec.get("type") == "summary":
                return rec
    return None


def reprint_extra_flags(reprint):
    """Pins sketch parameters when the CLI exposes them (its defaults are 128 / word 5-grams)."""
    proc = subprocess.run([str(reprint), "dedup", "--help"], capture_output=True, text=True)
    help_text = proc.stdout + proc.stderr
    flags = []
    for names, value in ((("--slots", "--num-perm", "--permutations"), NUM_PERM),
                         (("--ngram", "--shingle-size", "--ngram-size"), NGRAM)):
        for name in names:
            if re.search(re.escape(name) + r"\b", help_text):
                flags += [name, str(value)]
                break
    return flags


class Bench:
    def __init__(self, args):
        self.args = args
        self.reprint = args.reprint or args.bin_dir / "reprint"
        self.floor = args.bin_dir / "floor"
        self.rows = []
        self.reprint_flags = []

    def repeat(self, what, cmd, parse):
        runs = []
        for r in range(self.args.repeats):
            wall, rss, out, err, rc = run_measured(cmd)
            if rc != 0:
                fail(what, cmd, rc, err)
            info = parse(out, err)
            runs.append((wall, rss, info))
            log(f"    {what}: run {r + 1}/{self.args.repeats}: {wall:.2f} s, {rss / 2**20:.0f} MiB")
        walls = [w for w, _, _ in runs]
        return {"wall_s": statistics.median(walls), "walls": walls,
                "peak_rss": max(r for _, r, _ in runs), "info": runs[-1][2]}

    def floor_run(self, path):
        return self.repeat("floor", [str(self.floor), str(path)], lambda out, err: last_json_line(out))

    def reprint_run(self, path, threads):
        cmd = [str(self.reprint), "dedup", str(path), "--threads", str(threads),
               "--threshold", str(THRESHOLD), "--output", "/dev/null"] + self.reprint_flags
        res = self.repeat(f"reprint --threads {threads}", cmd, lambda out, err: find_summary(err + "\n" + out))
        return res

    def reprint_summary(self, path, name):
        """One extra run writing the records to a file, for the summary (pairs, clusters, index bytes)."""
        out = BENCH / "out" / f"reprint-{name}.jsonl"
        cmd = [str(self.reprint), "dedup", str(path), "--threads", "1",
               "--threshold", str(THRESHOLD), "--output", str(out)] + self.reprint_flags
        _, _, stdout, err, rc = run_measured(cmd)
        if rc != 0:
            fail("reprint (summary run)", cmd, rc, err)
        summary = None
        with open(out, "rb") as f:
            try:
                f.seek(-65536, os.SEEK_END)
            except OSError:
                f.seek(0)
            summary = find_summary(f.read().decode("utf-8", "replace"))
        pairs = None
        if summary is None or "pairs" not in summary:
            with open(out, encoding="utf-8") as f:
                pairs = sum(1 for line in f if line.startswith('{"type":"pair"'))
        out.unlink()
        return summary, pairs

    def anchor_run(self, tool, path):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, str(path)]
        return self.repeat(tool, cmd, lambda out, err: last_json_line(out))

    def add(self, corpus, scope, tool, res, text_bytes, docs, extra=None):
        row = {"corpus": corpus, "scope": scope, "tool": tool, "docs": docs,
               "text_bytes": text_bytes, "wall_s": res["wall_s"], "walls": res["walls"],
               "mb_per_s": text_bytes / 1e6 / res["wall_s"], "docs_per_s": docs / res["wall_s"],
               "peak_rss": res["peak_rss"], "info": res["info"]}
        row.update(extra or {})
        self.rows.append(row)
        return row


def sample_file(src, dst, n):
    """The first n documents of src (non-blank lines)."""
    count = 0
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        for line in fi:
            if not line.strip():
                continue
            fo.write(line)
            count += 1
            if count >= n:
                break
    return count


def build():
    log("building: cargo build --release -p reprint-cli -p reprint-bench")
    proc = subprocess.run(["cargo", "build", "--release", "-p", "reprint-cli", "-p", "reprint-bench"],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        fail("cargo build", ["cargo", "build"], proc.returncode, proc.stderr)


def ensure_anchors():
    try:
        import datasketch  # noqa: F401
        import rensa  # noqa: F401
    except ImportError:
        log("installing anchors: pip install --quiet datasketch rensa")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "datasketch", "rensa"], check=True)
    out = subprocess.run([sys.executable, "-m", "pip", "show", "datasketch", "rensa"],
                         capture_output=True, text=True).stdout
    return dict(re.findall(r"Name: (\S+)\nVersion: (\S+)", out))


def fmt_ratio(x):
    return "n/a" if x is None else (f"{x:.1f}×" if x >= 10 else f"{x:.2f}×")


def markdown(rows, meta):
    lines = []
    lines.append("| corpus | input | tool | docs | text MB | wall s (median) | MB/s | docs/s | peak RSS MiB | pairs "
                 "| vs rensa | vs datasketch | reprint ÷ floor time |")
    lines.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        info = r["info"] or {}
        pairs = next((info[k] for k in ("pairs", "pair_count", "duplicate_pairs") if k in info), None)
        lines.append("| {corpus} | {scope} | {tool} | {docs:,} | {mb:.1f} | {wall:.2f} | {mbs:.1f} | {dps:,.0f} | {rss:.0f} "
                     "| {pairs} | {vr} | {vd} | {vf} |".format(
                         corpus=r["corpus"], scope=r["scope"], tool=r["tool"], docs=r["docs"],
                         mb=r["text_bytes"] / 1e6, wall=r["wall_s"], mbs=r["mb_per_s"], dps=r["docs_per_s"],
                         rss=r["peak_rss"] / 2**20, pairs="n/a" if pairs is None else f"{pairs:,}",
                         vr=fmt_ratio(r.get("vs_rensa")), vd=fmt_ratio(r.get("vs_datasketch")),
                         vf=fmt_ratio(r.get("vs_floor"))))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", nargs=2, metavar=("TOOL", "FILE"), help=argparse.SUPPRESS)
    ap.add_argument("--repeats", type=int, default=3, help="runs per tool; medians are reported (default 3)")
    ap.add_argument("--full-repeats", type=int, default=None,
                    help="runs per tool on the full generated corpus (default: --repeats)")
    ap.add_argument("--anchor-docs", type=int, default=10000, help="sample size for the anchors (default 10000)")
    ap.add_argument("--gen-docs", type=int, default=1_000_000, help="generated corpus size (default 1M)")
    ap.add_argument("--gen-seed", type=int, default=42)
    ap.add_argument("--corpora", default="bbc-news,20newsgroups,generated",
                    help="comma-separated subset of bbc-news,20newsgroups,generated")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--bin-dir", type=Path, default=RELEASE, help="where floor and gen-corpus are (default target/release)")
    ap.add_argument("--reprint", type=Path, default=None, help="reprint binary (default BIN_DIR/reprint)")
    ap.add_argument("--no-write", action="store_true", help="do not write bench/results")
    args = ap.parse_args()

    if args.worker:
        tool, path = args.worker
        result = {"datasketch": worker_datasketch, "rensa": worker_rensa}[tool](path)
        print(json.dumps(result))
        return

    load_start = os.getloadavg()[0]
    versions = ensure_anchors()
    if not args.skip_build:
        build()
    bench = Bench(args)
    for exe in (bench.reprint, bench.floor):
        if not exe.exists():
            fail("looking for binaries", [str(exe)], 1, f"{exe} not found (build failed?)")
    bench.reprint_flags = reprint_extra_flags(bench.reprint)
    out_dir = BENCH / "out"
    out_dir.mkdir(parents=True, exist_ok=True)

    corpora = []
    wanted = args.corpora.split(",")
    for name, path in REAL_CORPORA.items():
        if name in wanted:
            corpora.append((name, path))
    gen_info = None
    if "generated" in wanted:
        gen_path = out_dir / f"gen-{args.gen_docs}-s{args.gen_seed}.jsonl"
        gen = args.bin_dir / "gen-corpus"
        gen_meta = gen_path.with_suffix(".gen.json")
        if gen_path.exists() and gen_meta.exists():
            gen_info = json.loads(gen_meta.read_text())  # deterministic: same docs and seed, same file
            log(f"reusing {gen_path}")
        else:
            log(f"generating {args.gen_docs:,} docs -> {gen_path}")
            cmd = [str(gen), "--docs", str(args.gen_docs), "--seed", str(args.gen_seed), "--out", str(gen_path)]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                fail("gen-corpus", cmd, proc.returncode, proc.stderr)
            gen_info = json.loads(proc.stdout)
            gen_meta.write_text(json.dumps(gen_info))
        log(f"  {gen_info['file_bytes'] / 1e9:.2f} GB in {gen_info['seconds']:.1f} s")
        corpora.append((f"generated {args.gen_docs // 1000}k", gen_path))

    index_rows = []
    for name, path in corpora:
        log(f"\n== {name}: {path}")
        sample = out_dir / f"sample-{re.sub(r'[^a-z0-9]+', '-', name)}-{args.anchor_docs}.jsonl"
        n_sample = sample_file(path, sample, args.anchor_docs)
        scopes = [("sample", sample)]
        full_floor = None
        # The full corpus only adds information when it is larger than the sample.
        if sum(1 for _ in open(path, "rb")) > n_sample:
            scopes.append(("full", path))
        for scope, file in scopes:
            is_big_full = scope == "full" and name.startswith("generated")
            saved = args.repeats
            if is_big_full and args.full_repeats is not None:
                args.repeats = args.full_repeats
            label = f"{scope} ({n_sample:,} docs)" if scope == "sample" else scope
            log(f"-- {label}")
            fl = bench.floor_run(file)
            text_bytes, docs = fl["info"]["bytes"], fl["info"]["docs"]
            floor_row = bench.add(name, label, "floor (tokenize+hash, 1 thread)", fl, text_bytes, docs)
            anchors = {}
            if scope == "sample":
                for tool in ("datasketch", "rensa"):
                    res = bench.anchor_run(tool, file)
                    anchors[tool] = bench.add(name, label, f"{tool} {versions.get(tool, '')} (1 thread)",
                                              res, text_bytes, docs)
            for threads in (1, 2):
                res = bench.reprint_run(file, threads)
                summary = res["info"]
                if threads == 1 and (summary is None or "index_bytes" not in summary):
                    summary, pairs = bench.reprint_summary(file, re.sub(r"[^a-z0-9]+", "-", f"{name}-{scope}"))
                    res["info"] = dict(summary or {})
                    if pairs is not None:
                        res["info"]["pairs"] = pairs
                row = bench.add(name, label, f"reprint ({threads} thread{'s' if threads > 1 else ''})", res,
                                text_bytes, docs)
                row["vs_floor"] = row["wall_s"] / floor_row["wall_s"]
                if threads == 1:
                    info = row["info"] or {}
                    ib, nd = info.get("index_bytes"), info.get("documents")
                    index_rows.append((name, label, ib, nd))
                for tool, a in anchors.items():
                    row[f"vs_{tool}"] = a["wall_s"] / row["wall_s"]
            args.repeats = saved

    table = markdown(bench.rows, None)
    idx_lines = ["| corpus | input | index bytes | documents | index bytes/doc |", "|---|---|---:|---:|---:|"]
    for name, label, ib, nd in index_rows:
        per = f"{ib / nd:,.0f}" if ib is not None and nd else "n/a"
        idx_lines.append(f"| {name} | {label} | {'n/a' if ib is None else f'{ib:,}'} | "
                         f"{'n/a' if nd is None else f'{nd:,}'} | {per} |")
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    today = datetime.date.today().isoformat()
    header = (f"# Dedup benchmark, {today}\n\n"
              f"Machine: {cpu or platform.processor()}, {os.cpu_count()} cores (shared; 1-min load average "
              f"{load_start:.1f} at start, {os.getloadavg()[0]:.1f} at end). Commit {commit}. "
              f"Python {platform.python_version()}, datasketch {versions.get('datasketch')}, rensa {versions.get('rensa')}.\n\n"
              f"Same documents, same parameters: word {NGRAM}-grams of lower-cased `\\w+` tokens, {NUM_PERM} "
              f"permutations, threshold {THRESHOLD}. Wall time is end to end (process start, raw JSONL to "
              f"pairs/clusters), median of {args.repeats} runs (full generated corpus: "
              f"{args.full_repeats or args.repeats}); MB = 10^6 bytes of `text` fields. "
              f"Anchors run on the first {args.anchor_docs:,} documents (\"sample\"); ratios are computed on the "
              f"sample. \"vs rensa\" = rensa time ÷ reprint time (higher is better for reprint); "
              f"\"reprint ÷ floor time\" = how many times the tokenize+hash floor reprint takes. "
              f"reprint flags: `--threshold {THRESHOLD} --output /dev/null {' '.join(bench.reprint_flags)}`.\n"
              f"datasketch uses its default band choice for 0.8 ({_lsh_desc(bench.rows, 'datasketch')}), rensa "
              f"{_lsh_desc(bench.rows, 'rensa')}; both skip documents with no 5-gram and verify candidates by "
              f"estimated Jaccard >= {THRESHOLD}. reprint verifies candidates by exact Jaccard of the shingle "
              f"sets and reports exact duplicates too.\n")
    if gen_info:
        header += (f"\nGenerated corpus: `gen-corpus --docs {args.gen_docs} --seed {args.gen_seed}` "
                   f"({gen_info['file_bytes'] / 1e9:.2f} GB, {gen_info['exact_copies']:,} exact + "
                   f"{gen_info['near_copies']:,} near copies, generated in {gen_info['seconds']:.1f} s).\n")
    report = f"{header}\n{table}\n\n## reprint resident index\n\n" + "\n".join(idx_lines) + "\n"
    print(report)
    if not args.no_write:
        res_dir = BENCH / "results"
        res_dir.mkdir(parents=True, exist_ok=True)
        (res_dir / f"{today}-dedup.md").write_text(report)
        (res_dir / f"{today}-dedup.json").write_text(json.dumps(
            {"date": today, "commit": commit, "cpu": cpu, "versions": versions, "args": vars(args),
             "generated": gen_info, "reprint_flags": bench.reprint_flags, "rows": bench.rows,
             "index": [dict(zip(("corpus", "input", "index_bytes", "documents"), r)) for r in index_rows]},
            indent=1, default=str))
        log(f"wrote bench/results/{today}-dedup.md and .json")


def _lsh_desc(rows, tool):
    for r in rows:
        if r["tool"].startswith(tool) and r["info"]:
            return r["info"].get("lsh", "")
    return ""


if __name__ == "__main__":
    main()
