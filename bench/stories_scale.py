#!/usr/bin/env python3
"""How the story level scales: `reprint stories` (batch and --stream) and `reprint analyze
--no-report` on generated news-like documents (`gen-corpus`: a fixed vocabulary and no dates,
the worst case for candidate retrieval) and on 20 Newsgroups.

Wall time (median of --repeats), peak RSS and bytes of peak RSS per document; the growth
exponent between sizes (log time ratio / log size ratio). The anchor in the same run is
`reprint dedup` on the same file (the level whose speed is measured and known): each row
gives stories time / dedup time, so a noisy machine does not move the comparison.

    python3 bench/stories_scale.py                            # 10k, 100k, 1M
    python3 bench/stories_scale.py --docs 10000 100000 --repeats 3

Corpora go to --work (default /tmp/reprint-stories-scale) and are reused.
Results: bench/results/YYYY-MM-DD-stories-scale.md and .json.
"""

import argparse
import datetime
import json
import math
import os
from pathlib import Path

from scale_common import RELEASE, ROOT, build, generated, log, measure


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--work", default="/tmp/reprint-stories-scale")
    ap.add_argument("--no-analyze", action="store_true", help="skip analyze (reuse + stories)")
    ap.add_argument("--memory-mib", type=int, help="--memory-mib for stories and analyze (default: reprint's)")
    ap.add_argument("--tag", default="", help="suffix of the results files' names")
    args = ap.parse_args()
    build()
    work = Path(args.work)
    out = work / "out.jsonl"
    rows = []
    inputs = generated(work, args.docs)
    budget = ["--memory-mib", str(args.memory_mib)] if args.memory_mib else []
    for name, n, f in inputs:
        r = {"input": name, "docs": n, "mb": f.stat().st_size / 1e6}
        commands = {
            "dedup": ["dedup", str(f)],
            "stories": ["stories", str(f)] + budget,
            "stories_stream": ["stories", "--stream", str(f)] + budget,
        }
        if not args.no_analyze:
            commands["analyze"] = ["analyze", "--no-report", str(f)] + budget
        for key, c in commands.items():
            if key == "stories_stream" and n > 100_000:
                continue  # the stream is measured to 100k; it is not the batch path
            log(f"{name}: {key}")
            wall, mib, _ = measure([str(RELEASE / "reprint")] + c + ["-o", str(out), "-q"], args.repeats)
            r[key] = {"seconds": round(wall, 2), "peak_mib": round(mib), "bytes_per_doc": round(mib * 2**20 / n)}
        rows.append(r)
        out.unlink(missing_ok=True)
    gen = [r for r in rows if r["input"].startswith("generated")]
    for a, b in zip(gen, gen[1:]):
        for key in ("stories", "analyze", "dedup"):
            if key in a and key in b:
                b.setdefault("exponent", {})[key] = round(
                    math.log(b[key]["seconds"] / a[key]["seconds"]) / math.log(b["docs"] / a["docs"]), 2)
    date = datetime.date.today().isoformat()
    lines = [f"# Story level at scale — {date}", "",
             f"`python3 bench/stories_scale.py --docs {' '.join(map(str, args.docs))} --repeats {args.repeats}"
             + (f" --memory-mib {args.memory_mib}" if args.memory_mib else "") + "`; "
             f"2 threads (the machine's cores), {os.uname().machine}. Times are medians of {args.repeats}; "
             "peak is the largest RSS. Generated documents are ~3 KB of news-like text from a fixed "
             "vocabulary with no dates (the worst case for candidate retrieval).", "",
             "| input | docs | MB | stories s | peak MiB | B/doc | × dedup time | growth | stream s | analyze s | analyze peak MiB | analyze growth |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        st, dd = r["stories"], r["dedup"]
        an = r.get("analyze")
        ex = r.get("exponent", {})
        lines.append(
            f"| {r['input']} | {r['docs']:,} | {r['mb']:.0f} | {st['seconds']} | {st['peak_mib']:,} | {st['bytes_per_doc']:,} | "
            f"{st['seconds'] / dd['seconds']:.1f} | {ex.get('stories', '')} | "
            f"{r.get('stories_stream', {}).get('seconds', '—')} | "
            f"{an['seconds'] if an else '—'} | {an['peak_mib'] if an else '—'} | {ex.get('analyze', '')} |")
    text = "\n".join(lines) + "\n"
    print(text)
    res = ROOT / "bench" / "results"
    stem = f"{date}-stories-scale" + (f"-{args.tag}" if args.tag else "")
    (res / f"{stem}.md").write_text(text)
    (res / f"{stem}.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
