#!/usr/bin/env python3
"""`reprint serve` under load: requests/s, p50/p99 latency and the server's memory.

What it measures, server and client on this machine over loopback (2 cores shared):

1. Stores of --docs generated news-sized documents (`gen-corpus`, seed 1): duplicates only,
   and all three levels (duplicates, reuse, stories), each built with `reprint index add`.
2. On each store, `reprint serve` (release) and the load client `serve-load` (one keep-alive
   connection per client thread, requests back to back for --seconds):
   (a) `dry_run` queries of one document (an indexed document without its last word, so
       each has a verified near-duplicate), at 1, 2 and 4 clients;
   (b) inserts of one new document (gen-corpus seed 2), at 1 and 4 clients — each answered
       after its transaction is durable;
   (c) batches of 100 new documents, 2 clients.
   Peak RSS of the server (VmHWM) after each store's runs.
3. Memory over time (--soak-seconds, default 600): 2 clients of queries and 1 of inserts
   against the duplicates store; the server's RSS sampled every 10 s.
4. The anchor in the same run: datasketch `MinHashLSH` on Redis storage
   (`bench/serve_anchor_redis.py`), one query at a time in-process (no HTTP), on the same
   documents — the architecture a Python team would serve this with.

  python3 bench/serve_bench.py                                # full run (~25 min)
  python3 bench/serve_bench.py --docs 20000 --seconds 5 --soak-seconds 30 --no-anchor   # quick

Writes bench/results/<date>-serve.json and .md.
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"
RESULTS = ROOT / "bench" / "results"
TOKEN = "bench-token"


def log(msg):
    print(f"[serve_bench] {msg}", file=sys.stderr, flush=True)


def check(cmd, **kw):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stderr[-3000:]}")
    return p.stdout


def rss(pid, field="VmRSS"):
    """A field of /proc/<pid>/status, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


class Server:
    def __init__(self, store):
        env = dict(os.environ, REPRINT_TOKEN=TOKEN)
        self.proc = subprocess.Popen(
            [str(RELEASE / "reprint"), "serve", "--store", str(store), "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        if not line:
            sys.exit(f"reprint serve did not start: {self.proc.stderr.read()[-2000:]}")
        self.url = json.loads(line)["url"]
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def load(url, docs, mode, clients, seconds, prefix, **extra):
    cmd = [RELEASE / "serve-load", "--url", url, "--token", TOKEN, "--docs", docs, "--mode", mode,
           "--clients", clients, "--seconds", seconds, "--id-prefix", prefix]
    for k, v in extra.items():
        cmd += ["--" + k.replace("_", "-"), v]
    r = json.loads(check(cmd))
    if r["errors"]:
        sys.exit(f"{mode} with {clients} clients: {r['errors']} errors, first: {r['first_error']}")
    log(f"  {mode:6} x{clients}: {r['requests_per_s']:8.1f} req/s  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms")
    return r


def build_store(path, levels, docs):
    check([RELEASE / "reprint", "index", "create", path, "--levels", levels])
    t = time.perf_counter()
    check([RELEASE / "reprint", "index", "add", path, docs, "-q"])
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=15.0, help="per load run")
    ap.add_argument("--soak-seconds", type=float, default=600.0)
    ap.add_argument("--no-anchor", action="store_true")
    ap.add_argument("--anchor-queries", type=int, default=2000)
    ap.add_argument("--work", type=Path, default=None, help="scratch directory (default: a temporary one)")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()

    if not args.no_build:
        log("cargo build --release (reprint, gen-corpus, serve-load)")
        check(["cargo", "build", "--release", "-q", "-p", "reprint-cli", "-p", "reprint-bench"], cwd=ROOT)
    work = args.work or Path(tempfile.mkdtemp(prefix="serve-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus, fresh = work / "corpus.jsonl", work / "fresh.jsonl"
    log(f"generating {args.docs} documents in {work}")
    check([RELEASE / "gen-corpus", "--docs", args.docs, "--seed", 1, "--out", corpus])
    check([RELEASE / "gen-corpus", "--docs", 50_000, "--seed", 2, "--out", fresh])
    results = {"date": datetime.date.today().isoformat(), "docs": args.docs, "seconds": args.seconds,
               "cpus": os.cpu_count(), "stores": {}}
    for levels in ["dedup", "dedup,reuse,stories"]:
        store = work / f"store-{levels.replace(',', '-')}"
        shutil.rmtree(store, ignore_errors=True)
        log(f"store {levels}: indexing {args.docs} documents")
        ingest = build_store(store, levels, corpus)
        size = sum(f.stat().st_size for f in store.iterdir())
        s = Server(store)
        runs = []
        try:
            for c in [1, 2, 4]:
                runs.append(load(s.url, corpus, "query", c, args.seconds, "q"))
            for c in [1, 4]:
                runs.append(load(s.url, fresh, "insert", c, args.seconds, f"i{c}"))
            runs.append(load(s.url, fresh, "batch", 2, args.seconds, "b", batch=100))
            peak = rss(s.proc.pid, "VmHWM")
        finally:
            s.stop()
        results["stores"][levels] = {"ingest_seconds": round(ingest, 2), "bytes": size,
                                     "runs": runs, "server_peak_rss": peak}

    if args.soak_seconds > 0:
        store = work / "store-dedup"
        s = Server(store)
        samples = []
        try:
            log(f"soak: {args.soak_seconds:.0f} s of queries (2 clients) and inserts (1 client)")
            out = {}
            def run(name, mode, clients, prefix):
                out[name] = load(s.url, corpus if mode == "query" else fresh, mode, clients,
                                 args.soak_seconds, prefix, max_docs=50_000)
            ts = [threading.Thread(target=run, args=("query", "query", 2, "sq")),
                  threading.Thread(target=run, args=("insert", "insert", 1, "soak"))]
            t0 = time.perf_counter()
            for t in ts:
                t.start()
            while any(t.is_alive() for t in ts):
                samples.append((round(time.perf_counter() - t0, 1), rss(s.proc.pid)))
                time.sleep(10)
            for t in ts:
                t.join()
        finally:
            s.stop()
        rs = [r for _, r in samples[1:]] or [0]
        results["soak"] = {"seconds": args.soak_seconds, "runs": out, "rss_samples": samples,
                           "documents_after": json.loads(check([RELEASE / "reprint", "index", "stats", store]))["documents"],
                           "rss_first_minute_max": max(r for t, r in samples if t <= 60) if samples else 0,
                           "rss_last_minute_max": max(r for t, r in samples if t >= samples[-1][0] - 60) if samples else 0,
                           "rss_median": statistics.median(rs)}

    if not args.no_anchor:
        log("anchor: datasketch MinHashLSH on Redis")
        anchor_json = work / "anchor.json"
        check([sys.executable, ROOT / "bench" / "serve_anchor_redis.py", "--docs", corpus,
               "--queries", args.anchor_queries, "--out-json", anchor_json])
        results["anchor"] = json.loads(anchor_json.read_text())

    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"{results['date']}-serve"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    stem.with_suffix(".md").write_text(report(results))
    print(report(results))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


def report(r):
    mib = lambda b: f"{b / 2**20:.0f} MiB"
    lines = [f"# `reprint serve` under load — {r['date']}", "",
             f"{r['docs']:,} generated news-sized documents (gen-corpus seed 1); server and client on one "
             f"{r['cpus']}-core machine over loopback; {r['seconds']:.0f} s per run; `python3 bench/serve_bench.py`.", ""]
    for levels, s in r["stores"].items():
        lines += [f"## Store: {levels} ({mib(s['bytes'])} on disk, built in {s['ingest_seconds']} s; "
                  f"server peak RSS {mib(s['server_peak_rss'])})", "",
                  "| request | clients | requests/s | documents/s | p50 ms | p90 ms | p99 ms |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        names = {"query": "dry_run query, 1 document", "insert": "insert, 1 document (durable)",
                 "batch": "insert, batch of 100 (durable)"}
        for x in s["runs"]:
            lines.append(f"| {names[x['mode']]} | {x['clients']} | {x['requests_per_s']:,.0f} | "
                         f"{x['documents_per_s']:,.0f} | {x['p50_ms']} | {x['p90_ms']} | {x['p99_ms']} |")
        lines.append("")
    if "soak" in r:
        k = r["soak"]
        q, i = k["runs"]["query"], k["runs"]["insert"]
        lines += [f"## Memory over {k['seconds']:.0f} s (duplicates store, queries and inserts at once)", "",
                  f"queries {q['requests_per_s']:,.0f}/s (p99 {q['p99_ms']} ms), inserts {i['requests_per_s']:,.0f}/s "
                  f"(p99 {i['p99_ms']} ms); {i['requests']:,} documents added ({k['documents_after']:,} in the store "
                  f"after; the server's page cache is `--cache-mib 256`). Server RSS: first minute max "
                  f"{mib(k['rss_first_minute_max'])}, last minute max {mib(k['rss_last_minute_max'])}, "
                  f"median {mib(k['rss_median'])}.", "",
                  "RSS samples (s: MiB): " + ", ".join(f"{t:.0f}: {b / 2**20:.0f}" for t, b in k["rss_samples"]), ""]
    if "anchor" in r:
        a = r["anchor"]
        q = a["query"]
        best = max((x for s in r["stores"].values() for x in s["runs"] if x["mode"] == "query" and x["clients"] == 1),
                   key=lambda x: x["requests_per_s"], default=None)
        dd = r["stores"].get("dedup", {}).get("runs", [])
        one = next((x for x in dd if x["mode"] == "query" and x["clients"] == 1), None)
        lines += ["## Anchor: datasketch MinHashLSH on Redis (same documents, same run)", "",
                  f"{a['index']['docs']:,} documents indexed at {a['index']['end_to_end_docs_per_s']:,.0f}/s "
                  f"(MinHash + Redis insert); one query at a time, in-process (no HTTP, no verification): "
                  f"{q['queries_per_s']:,.0f} queries/s, p50 {q['latency']['p50_ms']:.2f} ms, "
                  f"p99 {q['latency']['p99_ms']:.2f} ms; source found {q['source_found_fraction']:.3f}.", ""]
        if one:
            lines += [f"reprint serve, one client, over HTTP with exact verification (duplicates store): "
                      f"{one['requests_per_s']:,.0f} requests/s, p50 {one['p50_ms']} ms, p99 {one['p99_ms']} ms — "
                      f"**{one['requests_per_s'] / q['queries_per_s']:.1f}×** the anchor's queries/s.", ""]
        del best
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
