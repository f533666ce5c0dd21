#!/usr/bin/env python3
"""How the reuse level scales: `reprint reuse` and `reprint analyze --no-report` on generated
news-like documents (`gen-corpus`: 10% copies, half of them near copies) and on 20 Newsgroups,
against the exact word 8-gram pair counting baseline (`ngram-count`, crates/reprint-bench: every
8-gram of every document hashed and sorted, the pairs sharing at least 3 counted; 2 threads, no
alignment, no offsets, no memory budget) in the same run.

Wall time (median of --repeats), peak RSS, bytes of peak per document, the growth exponent
between sizes (log time ratio / log size ratio), and from reprint's own summary the reuse
stage's parts (candidates: every text tokenized and its seeds indexed; tokens: the documents of
candidate pairs tokenized again for alignment; alignment; passages) and its seed index (windows hashed,
partitions, bytes spilled past the budget).

    python3 bench/reuse_scale.py                                # 100k, 300k, 1M
    python3 bench/reuse_scale.py --docs 100000 1000000 --repeats 3
    python3 bench/reuse_scale.py --docs 100000 1000000 3000000 --analyze-max-docs 1000000
    python3 bench/reuse_scale.py --memory-mib 1024               # a 1 GiB budget

Corpora go to --work (default /tmp/reprint-reuse-scale) and are reused.
Results: bench/results/YYYY-MM-DD-reuse-scale[-<budget>mib].md and .json.
"""

import argparse
import datetime
import json
import math
import os
from pathlib import Path

from scale_common import RELEASE, ROOT, build, generated, log, measure


def last_line(path):
    with open(path, "rb") as f:
        f.seek(max(0, f.seek(0, 2) - 65536))
        return json.loads(f.read().decode().strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--work", default="/tmp/reprint-reuse-scale")
    ap.add_argument("--no-analyze", action="store_true", help="skip analyze (all three levels)")
    ap.add_argument("--analyze-max-docs", type=int, default=None,
                    help="run analyze only up to this many documents")
    ap.add_argument("--memory-mib", type=int, default=None,
                    help="--memory-mib for reprint (default: reprint's own, 4096)")
    ap.add_argument("--baseline-max-docs", type=int, default=3_000_000,
                    help="run the 8-gram baseline only up to this many documents")
    args = ap.parse_args()
    build()
    work = Path(args.work)
    out = work / "out.jsonl"
    inputs = generated(work, args.docs)
    budget = ["--memory-mib", str(args.memory_mib)] if args.memory_mib else []
    rows = []
    for name, n, f in inputs:
        r = {"input": name, "docs": n, "mb": f.stat().st_size / 1e6}
        log(f"{name}: reuse")
        wall, mib, _ = measure([str(RELEASE / "reprint"), "reuse", str(f), "-o", str(out), "-q"] + budget,
                               args.repeats)
        s = last_line(out)
        r["reuse"] = {"seconds": round(wall, 2), "peak_mib": round(mib), "bytes_per_doc": round(mib * 2**20 / n),
                      "parts": s["seconds"]["reuse_parts"], "seed_index": s["reuse"]["seed_index"],
                      "passages": s["reuse"]["passages"], "alignments": s["reuse"]["alignments"],
                      "texts_spilled_bytes": s["memory"].get("texts_spilled_bytes", 0)}
        if not args.no_analyze and n <= (args.analyze_max_docs or n):
            log(f"{name}: analyze")
            wall, mib, _ = measure([str(RELEASE / "reprint"), "analyze", "--no-report", str(f), "-o", str(out), "-q"]
                                   + budget, args.repeats)
            r["analyze"] = {"seconds": round(wall, 2), "peak_mib": round(mib), "bytes_per_doc": round(mib * 2**20 / n)}
        if n <= args.baseline_max_docs:
            log(f"{name}: 8-gram baseline")
            wall, mib, stdout = measure([str(RELEASE / "ngram-count"), str(f)], args.repeats)
            b = json.loads(stdout)
            r["baseline"] = {"seconds": round(wall, 2), "peak_mib": round(mib), "pairs": b["pairs"]}
        rows.append(r)
        out.unlink(missing_ok=True)
    gen = [r for r in rows if r["input"].startswith("generated")]
    for a, b in zip(gen, gen[1:]):
        for key in ("reuse", "analyze", "baseline"):
            if key in a and key in b:
                b.setdefault("exponent", {})[key] = round(
                    math.log(b[key]["seconds"] / a[key]["seconds"]) / math.log(b["docs"] / a["docs"]), 2)
    date = datetime.date.today().isoformat()
    lines = [f"# Reuse level at scale — {date}", "",
             f"`python3 bench/reuse_scale.py --docs {' '.join(map(str, args.docs))} --repeats {args.repeats}"
             f"{' --memory-mib ' + str(args.memory_mib) if args.memory_mib else ''}`; "
             f"2 threads (the machine's cores), {os.uname().machine}, memory budget {args.memory_mib or 4096} MiB (the seed "
             "index holds at most a quarter and spills the rest; the texts and the documents' records at most half, the texts "
             f"spill the rest). Times are medians of {args.repeats}; peak is the largest "
             "RSS. `reprint reuse` also runs the duplicate level (its summary counts duplicates). The baseline "
             "is `ngram-count` (exact word 8-gram pair counts, 2 threads, no alignment).", "",
             "| input | docs | MB | reuse s | peak MiB | B/doc | growth | baseline s | baseline MiB | baseline growth | "
             "reuse ÷ baseline time | analyze s | analyze MiB | analyze growth |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ru, b, an, ex = r["reuse"], r.get("baseline"), r.get("analyze"), r.get("exponent", {})
        ratio = f"{ru['seconds'] / b['seconds']:.2f}" if b else "—"
        lines.append(
            f"| {r['input']} | {r['docs']:,} | {r['mb']:.0f} | {ru['seconds']} | {ru['peak_mib']:,} | "
            f"{ru['bytes_per_doc']:,} | {ex.get('reuse', '')} | {b['seconds'] if b else '—'} | "
            f"{b['peak_mib'] if b else '—'} | {ex.get('baseline', '')} | "
            f"{ratio} | {an['seconds'] if an else '—'} | "
            f"{an['peak_mib'] if an else '—'} | {ex.get('analyze', '')} |")
    lines += ["", "Inside the reuse stage (seconds, from the summary) and its seed index:", "",
              "| input | candidates | tokens | align | passages | windows hashed | partitions | seeds spilled MB | "
              "texts spilled MB | passages found |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        p, si = r["reuse"]["parts"], r["reuse"]["seed_index"]
        lines.append(f"| {r['input']} | {p['candidates']} | {p['tokens']} | {p['align']} | {p['passages']} | "
                     f"{si['seeds_hashed']:,} | {si['partitions']} | {si['spilled_bytes'] / 1e6:,.0f} | "
                     f"{r['reuse']['texts_spilled_bytes'] / 1e6:,.0f} | "
                     f"{r['reuse']['passages']:,} |")
    text = "\n".join(lines) + "\n"
    print(text)
    res = ROOT / "bench" / "results"
    stem = f"{date}-reuse-scale" + (f"-{args.memory_mib}mib" if args.memory_mib else "")
    (res / f"{stem}.md").write_text(text)
    (res / f"{stem}.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
