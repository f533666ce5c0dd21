#!/usr/bin/env python3
"""Does `--memory-mib` bound the peak? Peak memory of `reprint dedup` and `reprint analyze`
on generated corpora, gzipped, read from a file and through stdin.

Each run is sampled every 20 ms from /proc/PID/status: the peak of VmRSS (what the machine
pays), and of its anonymous part (RssAnon: heap, the part that would grow with the corpus)
and file-backed part (RssFile: mapped spill files and the binary, which the kernel can drop).
Beside each budgeted run the same command runs with the default budget (4096 MiB), so the
table shows what the budget saves and what spilling costs in time, in the same run.

    python3 bench/memory_bench.py                       # 100k, 300k, 600k documents
    python3 bench/memory_bench.py --docs 100000 --repeats 1

Corpora are made by `gen-corpus` (crates/reprint-bench) into --work (default /tmp/reprint-mem)
and reused. Results: bench/results/YYYY-MM-DD-memory.md and .json.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def status_kib(pid):
    """VmRSS, RssAnon, RssFile of pid in KiB (None when it is gone)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    out[key] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return None
    return out


def run_sampled(cmd, stdin_path=None):
    """Runs cmd, sampling its memory; returns (wall s, peaks dict in MiB, stdout, stderr)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peaks = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
    chunks = {"out": [], "err": []}

    def drain(stream, key):
        chunks[key].append(stream.read())

    threads = [threading.Thread(target=drain, args=(proc.stdout, "out")),
               threading.Thread(target=drain, args=(proc.stderr, "err"))]
    for t in threads:
        t.start()
    while proc.poll() is None:
        s = status_kib(proc.pid)
        if s:
            for k in peaks:
                peaks[k] = max(peaks[k], s.get(k, 0))
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    for t in threads:
        t.join()
    if stdin_path:
        stdin.close()
    out = b"".join(chunks["out"]).decode("utf-8", "replace")
    err = b"".join(chunks["err"]).decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{err[-2000:]}")
    return wall, {k: v / 1024 for k, v in peaks.items()}, out, err


def corpus(work, docs):
    path = work / f"g{docs // 1000}k.jsonl.gz"
    if not path.exists():
        log(f"generating {docs} documents into {path}")
        tmp = path.with_suffix(".gz.part")
        with open(tmp, "wb") as f:
            gen = subprocess.Popen([RELEASE / "gen-corpus", "--docs", str(docs), "--out", "-"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            gz = subprocess.Popen(["gzip", "-1"], stdin=gen.stdout, stdout=f)
            gen.stdout.close()
            if gz.wait() != 0 or gen.wait() != 0:
                sys.exit("gen-corpus | gzip failed")
        tmp.rename(path)
    return path


def tiny_groups(work, docs, texts=20_000):
    """`docs` tiny documents drawn from `texts` distinct 8-word texts (groups of ~docs/texts
    exact copies), deterministic."""
    import random

    path = work / f"tiny{docs // 1000}k.jsonl"
    if not path.exists():
        r = random.Random(5)
        pool = [" ".join(f"w{r.randrange(5000)}" for _ in range(8)) for _ in range(texts)]
        tmp = path.with_suffix(".part")
        with open(tmp, "w") as f:
            for i in range(docs):
                f.write(json.dumps({"id": f"d{i}", "text": pool[r.randrange(texts)]}) + "\n")
        tmp.rename(path)
    return path


def groups_rows(args, reprint):
    """Output size of exact-duplicate groups: the default star listing against --all-pairs."""
    rows = []
    path = tiny_groups(args.work, args.groups_docs)
    out = args.work / "groups-out.jsonl"
    for listing in ("star", "all"):
        cmd = [reprint, "dedup", str(path), "--threads", str(args.threads), "-o", str(out), "--quiet"]
        if listing == "all":
            cmd.append("--all-pairs")
        runs = []
        for r in range(args.repeats):
            wall, peaks, _, _ = run_sampled(cmd)
            summary = json.loads(out.read_text().splitlines()[-1]) if r == 0 else summary
            runs.append((wall, peaks, out.stat().st_size))
            log(f"groups {listing}: run {r + 1}: {wall:.1f} s, RSS {peaks['VmRSS']:.0f} MiB")
        rows.append({"listing": listing, "docs": args.groups_docs, "pairs": summary["pairs"],
                     "clusters": summary["clusters"], "dropped": summary["dropped"],
                     "output_bytes": runs[0][2],
                     "wall_s": statistics.median(w for w, _, _ in runs),
                     "rss_mib": statistics.median(p["VmRSS"] for _, p, _ in runs)})
    out.unlink(missing_ok=True)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[100_000, 300_000, 600_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dedup-mib", type=int, default=256)
    ap.add_argument("--analyze-mib", type=int, default=512)
    ap.add_argument("--analyze-docs", type=int, nargs="*", default=[20_000, 50_000],
                    help="corpus sizes for analyze (its story level is quadratic, issue #12)")
    ap.add_argument("--analyze-repeats", type=int, default=1)
    ap.add_argument("--groups-docs", type=int, default=1_000_000,
                    help="tiny documents in groups of exact copies (0: skip that table)")
    ap.add_argument("--only-groups", action="store_true")
    ap.add_argument("--work", type=Path, default=Path("/tmp/reprint-mem"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--tag", default="",
                    help="suffix of the results files' names (another run on the same day keeps its own)")
    args = ap.parse_args()

    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "reprint-cli", "-p", "reprint-bench"],
                       cwd=ROOT, check=True)
    args.work.mkdir(parents=True, exist_ok=True)
    reprint = str(RELEASE / "reprint")
    rows = []
    groups = groups_rows(args, reprint) if args.groups_docs else []
    plan = [] if args.only_groups else [(d, "dedup", args.dedup_mib) for d in args.docs] + \
        [(d, "analyze", args.analyze_mib) for d in args.analyze_docs]
    for docs, command, budget in plan:
        path = corpus(args.work, docs)
        out = args.work / "out.jsonl"
        for mib in (budget, 4096):
            for source in ("file", "stdin"):
                cmd = [reprint, command, str(path) if source == "file" else "-",
                       "--threads", str(args.threads), "--memory-mib", str(mib),
                       "--spill-dir", str(args.work), "-o", str(out), "--quiet"]
                if command == "analyze":
                    cmd.append("--no-report")
                if source == "stdin":
                    cmd += ["--input-format", "jsonl"]
                runs = []
                for r in range(args.repeats if command == "dedup" else args.analyze_repeats):
                    wall, peaks, _, _ = run_sampled(cmd, stdin_path=path if source == "stdin" else None)
                    runs.append((wall, peaks))
                    log(f"{command} {docs} {source} --memory-mib {mib}: run {r + 1}: {wall:.1f} s, "
                        f"RSS {peaks['VmRSS']:.0f} MiB (anon {peaks['RssAnon']:.0f}, file {peaks['RssFile']:.0f})")
                row = {
                    "command": command, "docs": docs, "source": source, "memory_mib": mib,
                    "wall_s": statistics.median(w for w, _ in runs),
                    "rss_mib": statistics.median(p["VmRSS"] for _, p in runs),
                    "anon_mib": statistics.median(p["RssAnon"] for _, p in runs),
                    "file_mib": statistics.median(p["RssFile"] for _, p in runs),
                }
                rows.append(row)
        out.unlink(missing_ok=True)

    def key(r):
        return (r["command"], r["docs"], r["source"])

    unbounded = {key(r): r for r in rows if r["memory_mib"] == 4096}
    lines = [
        f"# Peak memory under `--memory-mib` ({datetime.date.today()})",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; {args.threads} threads; "
        f"medians of {args.repeats} runs (analyze: {args.analyze_repeats}); generated news-like corpora "
        "gzipped (`gzip -1`).",
        "Peak VmRSS sampled every 20 ms (anon = heap, file = mapped files incl. the binary).",
        "The 4096 MiB column is the default budget in the same run: the time ratio is what spilling costs.",
        "",
        "| command | docs | input | budget MiB | peak RSS MiB | anon | file | RSS / budget | time s | default-budget RSS MiB | default time s | time ratio |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r["memory_mib"] == 4096:
            continue
        u = unbounded.get(key(r))
        lines.append(
            f"| {r['command']} | {r['docs']:,} | {r['source']} | {r['memory_mib']} | {r['rss_mib']:.0f} | "
            f"{r['anon_mib']:.0f} | {r['file_mib']:.0f} | {r['rss_mib'] / r['memory_mib']:.2f} | {r['wall_s']:.1f} | "
            + (f"{u['rss_mib']:.0f} | {u['wall_s']:.1f} | {r['wall_s'] / u['wall_s']:.2f} |" if u else "— | — | — |")
        )
    if not rows:
        lines = [f"# Listing groups of exact copies ({datetime.date.today()})", "",
                 f"Machine: {platform.machine()}, {os.cpu_count()} cores; {args.threads} threads; "
                 f"medians of {args.repeats} runs."]
    if groups:
        lines += [
            "",
            f"## Groups of exact copies ({args.groups_docs:,} tiny documents, {20_000:,} distinct texts)",
            "",
            "The default lists a group as a star on its first copy; `--all-pairs` lists every pair "
            "(up to `--max-bucket` copies), as before this change.",
            "",
            "| listing | pairs | clusters | dropped | output MB | time s | peak RSS MiB |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for g in groups:
            lines.append(f"| {g['listing']} | {g['pairs']:,} | {g['clusters']:,} | {g['dropped']:,} | "
                         f"{g['output_bytes'] / 1e6:,.0f} | {g['wall_s']:.1f} | {g['rss_mib']:.0f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    day = datetime.date.today().isoformat()
    results = ROOT / "bench" / "results"
    name = ("groups" if args.only_groups else "memory") + (f"-{args.tag}" if args.tag else "")
    (results / f"{day}-{name}.md").write_text(text)
    (results / f"{day}-{name}.json").write_text(json.dumps({"memory": rows, "groups": groups}, indent=1) + "\n")


if __name__ == "__main__":
    main()
