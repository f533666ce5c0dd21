#!/usr/bin/env python3
"""The persistent index (`reprint index`): ingest speed, bytes per document, query latency.

What it measures, on the generated news-like corpus (`gen-corpus`, the same as dedup_bench.py):

1. A duplicates-only store built with `reprint index add` over --docs documents (default 1M),
   on ONE core (`taskset -c 0`), batches of --batch: sustained documents/s, peak RSS, and bytes
   per document on disk, split into the index itself (ids, document rows, exact hashes, LSH
   buckets, pairs) and the stored texts (zstd, in a log beside the database, and the table of
   their places) that verification re-fingerprints.
2. The latency of one-document queries through the library (`index-query`, which calls
   `Index::query` one document at a time on one thread, nothing stored) against that store:
   p50/p90/p99 over --queries queries, half new documents (another seed of the generator) and
   half documents already indexed (each then has an exact duplicate to report).
3. What reuse and stories cost on top: a store of all three levels over the first
   --levels-docs documents against a duplicates-only store of the same documents (ingest
   documents/s on both cores, bytes per document, query latency).
4. The anchor in the same run: datasketch's MinHashLSH, in memory, as its users write it
   (Python 5-gram shingling, MinHash(num_perm=128).update per shingle, insert, query) on the
   first --anchor-docs documents: inserts/s and query latency. datasketch's answers are LSH
   candidates only (no verification, no passages, no stories), and nothing is persisted.

  python3 bench/index_bench.py                         # full run (1M docs; ~10 min)
  python3 bench/index_bench.py --docs 100000 --levels-docs 10000 --anchor-docs 5000   # quick

Writes bench/results/<date>-index.json and .md.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results"
TIME = "/usr/bin/time"
WORD = re.compile(r"\w+")


def log(msg):
    print(f"[index_bench] {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    """Runs cmd under /usr/bin/time -v: (wall seconds, peak RSS bytes, stdout)."""
    full = [TIME, "-v"] + [str(c) for c in cmd] if Path(TIME).exists() else [str(c) for c in cmd]
    t = time.perf_counter()
    p = subprocess.run(full, capture_output=True, text=True, **kw)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stderr[-3000:]}")
    rss = 0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    if m:
        rss = int(m.group(1)) * 1024
    return wall, rss, p.stdout


def generate(docs, seed, path):
    if path.exists():
        log(f"reusing {path}")
        return
    log(f"generating {docs:,} docs (seed {seed}) -> {path}")
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run([RELEASE / "gen-corpus", "--docs", str(docs), "--seed", str(seed), "--out", path],
                   check=True, stdout=subprocess.DEVNULL)


def head(src, dst, n):
    with open(src) as f, open(dst, "w") as g:
        for i, line in enumerate(f):
            if i >= n:
                break
            g.write(line)


def build_store(store, corpus, levels, batch, one_core):
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run([RELEASE / "reprint", "index", "create", store, "--levels", levels],
                   check=True, stdout=subprocess.DEVNULL)
    cmd = [RELEASE / "reprint", "index", "add", store, corpus, "--batch", str(batch), "-q", "-o", "/dev/null"]
    if one_core:
        cmd = ["taskset", "-c", "0"] + cmd
    wall, rss, _ = run(cmd)
    stats = json.loads(subprocess.run([RELEASE / "reprint", "index", "stats", store],
                                      check=True, capture_output=True, text=True).stdout)
    n = stats["documents"]
    tb = stats["table_bytes"]
    # The texts: the log of compressed texts and the table of their places in it.
    text_tables = ("texts", "text_log")
    texts = sum(tb.get(k, 0) for k in text_tables)
    index_bytes = sum(v for k, v in tb.items() if k not in text_tables)
    return {
        "levels": levels, "documents": n, "seconds": round(wall, 2), "docs_per_s": round(n / wall),
        "peak_rss_mib": round(rss / 2**20), "one_core": one_core, "batch": batch,
        "bytes_on_disk_per_doc": round(stats["bytes_on_disk"] / n),
        "index_bytes_per_doc": round(index_bytes / n),
        "text_bytes_per_doc": round(texts / n),
        "table_bytes_per_doc": {k: round(v / n) for k, v in tb.items()},
    }


def query_latency(store, queries, n):
    _, _, out = run([RELEASE / "index-query", store, queries, "--queries", str(n), "--warm"])
    return json.loads(out.strip().splitlines()[-1])


def datasketch_anchor(corpus, queries, n_docs, n_queries):
    """datasketch MinHashLSH as its users write it, in memory."""
    from datasketch import MinHash, MinHashLSH

    def shingles(text):
        w = WORD.findall(text.lower())
        return {" ".join(w[i:i + 5]) for i in range(len(w) - 4)}

    def minhash(text):
        m = MinHash(num_perm=128)
        for s in shingles(text):
            m.update(s.encode("utf8"))
        return m

    docs = []
    with open(corpus) as f:
        for line in f:
            if len(docs) >= n_docs:
                break
            d = json.loads(line)
            docs.append((d["id"], d["text"]))
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    t = time.perf_counter()
    for i, (id_, text) in enumerate(docs):
        lsh.insert(f"{id_}#{i}", minhash(text))
    insert_s = time.perf_counter() - t
    qs = []
    with open(queries) as f:
        for line in f:
            if len(qs) >= n_queries:
                break
            qs.append(json.loads(line)["text"])
    lat = []
    hits = 0
    for text in qs:
        t = time.perf_counter()
        r = lsh.query(minhash(text))
        lat.append((time.perf_counter() - t) * 1e6)
        hits += bool(r)
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
    import datasketch
    return {
        "tool": f"datasketch {datasketch.__version__} MinHashLSH (in memory)",
        "documents": len(docs), "inserts_per_s": round(len(docs) / insert_s),
        "queries": len(lat), "p50_us": round(q(0.5), 1), "p90_us": round(q(0.9), 1), "p99_us": round(q(0.99), 1),
        "queries_with_candidates": hits,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--levels-docs", type=int, default=20_000)
    ap.add_argument("--anchor-docs", type=int, default=20_000)
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--keep-stores", action="store_true", help="leave the stores in bench/out")
    args = ap.parse_args()

    if not args.skip_build:
        log("building reprint-cli and reprint-bench (release)")
        subprocess.run(["cargo", "build", "--release", "-p", "reprint-cli", "-p", "reprint-bench"],
                       cwd=ROOT, check=True)
    try:
        import datasketch  # noqa: F401
    except ImportError:
        log("installing the anchor: pip install --quiet datasketch")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "datasketch"], check=True)

    corpus = OUT / f"gen-{args.docs}-s1.jsonl"
    generate(args.docs, 1, corpus)
    fresh = OUT / f"gen-{args.queries}-s2.jsonl"
    generate(args.queries, 2, fresh)
    # Queries: half new documents, half documents already indexed.
    queries = OUT / f"queries-{args.queries}.jsonl"
    with open(fresh) as f, open(corpus) as g, open(queries, "w") as out:
        new = [next(f) for _ in range(args.queries // 2)]
        old = [next(g) for _ in range(args.queries - len(new))]
        for a, b in zip(new, old):
            out.write(a)
            out.write(b)
    small = OUT / f"gen-{args.levels_docs}-s1-head.jsonl"
    head(corpus, small, args.levels_docs)

    work = Path(tempfile.mkdtemp(prefix="reprint-index-bench-", dir=OUT))
    results = {"date": datetime.date.today().isoformat(), "args": vars(args)}
    try:
        log(f"dedup store of {args.docs:,} docs, one core")
        results["dedup"] = build_store(work / "dedup.idx", corpus, "dedup", args.batch, True)
        log(json.dumps(results["dedup"]))
        results["dedup_query"] = query_latency(work / "dedup.idx", queries, args.queries)
        log(json.dumps(results["dedup_query"]))

        log(f"{args.levels_docs:,} docs: duplicates only, then all three levels (both cores)")
        results["small_dedup"] = build_store(work / "small-dedup.idx", small, "dedup", 5000, False)
        results["small_all"] = build_store(work / "small-all.idx", small, "dedup,reuse,stories", 5000, False)
        results["small_all_query"] = query_latency(work / "small-all.idx", queries, min(args.queries, 2000))
        log(json.dumps(results["small_all"]))
        log(json.dumps(results["small_all_query"]))

        log(f"datasketch MinHashLSH on {args.anchor_docs:,} docs")
        results["datasketch"] = datasketch_anchor(corpus, queries, args.anchor_docs, min(args.queries, 2000))
        log(json.dumps(results["datasketch"]))
    finally:
        if not args.keep_stores:
            shutil.rmtree(work, ignore_errors=True)

    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"{results['date']}-index"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    d, q, sd, sa, sq, ds = (results[k] for k in
                            ["dedup", "dedup_query", "small_dedup", "small_all", "small_all_query", "datasketch"])
    md = f"""# `reprint index`, {results['date']}

`python3 bench/index_bench.py {' '.join(sys.argv[1:])}` on this 2-core machine (shared, noisy: ±20%).
Generated news-like corpus (`gen-corpus`, seed 1, ~3 KB per document); queries: {args.queries:,}
documents, half new (seed 2), half already indexed.

| store | documents | ingest | peak RSS | index B/doc | texts B/doc | file B/doc | query p50 | p90 | p99 |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| duplicates, one core | {d['documents']:,} | {d['docs_per_s']:,} docs/s | {d['peak_rss_mib']} MiB | {d['index_bytes_per_doc']} | {d['text_bytes_per_doc']} | {d['bytes_on_disk_per_doc']} | {q['p50_us']:.0f} µs | {q['p90_us']:.0f} µs | {q['p99_us']:.0f} µs |
| duplicates, 2 cores | {sd['documents']:,} | {sd['docs_per_s']:,} docs/s | {sd['peak_rss_mib']} MiB | {sd['index_bytes_per_doc']} | {sd['text_bytes_per_doc']} | {sd['bytes_on_disk_per_doc']} | | | |
| all three levels, 2 cores | {sa['documents']:,} | {sa['docs_per_s']:,} docs/s | {sa['peak_rss_mib']} MiB | {sa['index_bytes_per_doc']} | {sa['text_bytes_per_doc']} | {sa['bytes_on_disk_per_doc']} | {sq['p50_us']:.0f} µs | {sq['p90_us']:.0f} µs | {sq['p99_us']:.0f} µs |
| {ds['tool']} | {ds['documents']:,} | {ds['inserts_per_s']:,} inserts/s | — | — | — | — | {ds['p50_us']:.0f} µs | {ds['p90_us']:.0f} µs | {ds['p99_us']:.0f} µs |

- Index bytes: every table but the texts (ids, document rows, exact hashes, LSH buckets, pairs,
  and with reuse the seed postings), as pages in the file. Text bytes: the log of compressed
  texts (`text_log`) and the table of their places in it (`texts`). Per table (duplicates store):
  {json.dumps(d['table_bytes_per_doc'])}.
- With all three levels, per table: {json.dumps(sa['table_bytes_per_doc'])}.
- Queries go through the library (`Index::query`, one document at a time, one thread, the
  bucket filter built first as a service would). Query answers of the duplicates store:
  {q['queries_with_pairs']:,} of {q['queries']:,} with pairs. datasketch: {ds['queries_with_candidates']:,}
  of {ds['queries']:,} with candidates (unverified); its index lives in memory only.
"""
    stem.with_suffix(".md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
