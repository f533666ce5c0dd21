#!/usr/bin/env python3
"""Accuracy of `reprint dedup` against the exact ground truth of the dev corpora.

For /work/shared/data/{20newsgroups,bbc-news}/docs.jsonl, runs

    reprint dedup FILE --threshold T            (T = 0.5, 0.7, 0.8, 0.9)
    reprint dedup FILE --threshold 0.8 --containment 0.9

and compares the reported pairs with pairs_j50.tsv (every pair with exact Jaccard >= 0.5 of
word 5-gram sets over `re.findall(r'\\w+', text.lower())`, see the data READMEs). Pairs that are
not in pairs_j50.tsv have exact Jaccard < 0.5; their exact Jaccard and containment are computed
here with the same definition, so every reported pair gets an exact value.

* recall    = ground-truth pairs with J >= T that reprint reports / ground-truth pairs with J >= T
              (also "cluster recall": both documents end up in the same reprint cluster)
* precision = reported pairs whose exact J >= T / reported pairs
* |Δ J|     = mean (and max) |reported jaccard − exact jaccard| over reported pairs
* Documents with fewer than 5 tokens have no 5-gram and are outside the ground truth; pairs that
  involve one are counted in their own column (and how many are flagged exact) and left out of
  precision, recall and |Δ J|.
* Containment: pairs_j50.tsv only lists pairs with J >= 0.5, so containment recall is computed on
  that subset only (pairs with J >= 0.5 and max containment >= 0.9); precision uses the exact
  containment of every reported pair.

    python3 bench/quality.py [--skip-build]

Writes a markdown report to stdout and bench/results/YYYY-MM-DD-quality.md (+ .json).
"""

import argparse
import datetime
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPRINT = ROOT / "target" / "release" / "reprint"
REPRINT_BIN = REPRINT
DATA = Path("/work/shared/data")
CORPORA = ["20newsgroups", "bbc-news"]
THRESHOLDS = [0.5, 0.7, 0.8, 0.9]
CONTAINMENT = 0.9
CONTAINMENT_JACCARD = 0.8
EPS = 1e-9
WORD = re.compile(r"\w+")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Corpus:
    def __init__(self, name):
        self.name = name
        self.dir = DATA / name
        self.ids, self.texts = [], {}
        with open(self.dir / "docs.jsonl", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    self.ids.append(d["id"])
                    self.texts[d["id"]] = d.get("text") or ""
        self.order = {d: i for i, d in enumerate(self.ids)}
        self.short = {d for d, t in self.texts.items() if len(WORD.findall(t.lower())) < 5}
        self.truth = {}  # (a, b) in docs.jsonl order -> (jaccard, containment_a_in_b, containment_b_in_a)
        with open(self.dir / "pairs_j50.tsv", encoding="utf-8") as f:
            next(f)
            for line in f:
                a, b, j, cab, cba = line.rstrip("\n").split("\t")
                self.truth[self.key(a, b)] = (float(j), float(cab), float(cba))
        self._shingles = {}

    def key(self, a, b):
        return (a, b) if self.order[a] <= self.order[b] else (b, a)

    def shingles(self, doc):
        s = self._shingles.get(doc)
        if s is None:
            w = WORD.findall(self.texts[doc].lower())
            s = self._shingles[doc] = {tuple(w[i : i + 5]) for i in range(len(w) - 4)}
        return s

    def exact(self, a, b):
        """(jaccard, max containment) of the pair, from the census or computed exactly."""
        t = self.truth.get(self.key(a, b))
        if t is not None:
            return t[0], max(t[1], t[2])
        sa, sb = self.shingles(a), self.shingles(b)
        inter = len(sa & sb)
        union = len(sa) + len(sb) - inter
        return (inter / union if union else 0.0), (inter / min(len(sa), len(sb)) if sa and sb else 0.0)


def run_reprint(corpus, extra):
    # Pairs are scored on the full listing (--all-pairs): the default lists a group of exact
    # copies as a star and a near pair once between first copies, the same pairs compressed.
    cmd = [str(REPRINT_BIN), "dedup", str(corpus.dir / "docs.jsonl"), "--quiet", "--all-pairs"] + extra
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        log(f"*** reprint failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-4000:]}")
        raise SystemExit(1)
    pairs, cluster_of, summary = [], {}, None
    for line in proc.stdout.splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        kind = rec.get("type")
        if kind == "pair":
            pairs.append(rec)
        elif kind == "document":
            cluster_of[doc_id(corpus, rec["id"])] = rec.get("cluster")
        elif kind == "summary":
            summary = rec
    return pairs, cluster_of, summary, seconds, cmd


def doc_id(corpus, x):
    """Pair ends are document ids; accept a docs.jsonl position too."""
    if x in corpus.texts:
        return x
    if isinstance(x, int) and 0 <= x < len(corpus.ids):
        return corpus.ids[x]
    return str(x)


def pct(x):
    return "n/a" if x is None else f"{100 * x:.1f}%"


def evaluate_threshold(corpus, t):
    pairs, cluster_of, summary, seconds, cmd = run_reprint(corpus, ["--threshold", str(t)])
    reported, short_pairs, short_exact, deltas = {}, 0, 0, []
    for p in pairs:
        a, b = doc_id(corpus, p["a"]), doc_id(corpus, p["b"])
        if a in corpus.short or b in corpus.short:
            short_pairs += 1
            short_exact += bool(p.get("exact"))
            continue
        k = corpus.key(a, b)
        j, _ = corpus.exact(a, b)
        reported[k] = j
        if p.get("jaccard") is not None:
            deltas.append(abs(float(p["jaccard"]) - j))
    gt = [k for k, v in corpus.truth.items() if v[0] >= t - EPS]
    found = sum(1 for k in gt if k in reported)
    clustered = {k for k in gt if cluster_of.get(k[0]) is not None and cluster_of.get(k[0]) == cluster_of.get(k[1])}
    same_cluster = len(clustered)
    # Missed pairs whose documents still share a cluster: reprint links a group without listing every pair.
    missed_in_cluster = sum(1 for k in gt if k not in reported and k in clustered)
    correct = sum(1 for j in reported.values() if j >= t - EPS)
    near_miss = sum(1 for j in reported.values() if t - 0.1 - EPS <= j < t - EPS)
    return {
        "threshold": t, "seconds": seconds, "command": " ".join(cmd),
        "gt_pairs": len(gt), "reported": len(reported), "found": found,
        "missed_but_same_cluster": missed_in_cluster,
        "recall": found / len(gt) if gt else None,
        "cluster_recall": same_cluster / len(gt) if gt and cluster_of else None,
        "precision": correct / len(reported) if reported else None,
        "false_positives": len(reported) - correct, "fp_within_0_1": near_miss,
        "short_pairs": short_pairs, "short_exact": short_exact,
        "mae": statistics.fmean(deltas) if deltas else None, "max_err": max(deltas) if deltas else None,
        "summary": summary,
    }


def evaluate_containment(corpus):
    extra = ["--threshold", str(CONTAINMENT_JACCARD), "--containment", str(CONTAINMENT)]
    pairs, cluster_of, summary, seconds, cmd = run_reprint(corpus, extra)
    reported, short_pairs, deltas = {}, 0, []
    for p in pairs:
        a, b = doc_id(corpus, p["a"]), doc_id(corpus, p["b"])
        if a in corpus.short or b in corpus.short:
            short_pairs += 1
            continue
        k = corpus.key(a, b)
        j, c = corpus.exact(a, b)
        reported[k] = (j, c)
        ca, cb = p.get("containment_a_in_b"), p.get("containment_b_in_a")
        if ca is not None and cb is not None:
            deltas.append(abs(max(float(ca), float(cb)) - c))
    gt = [k for k, v in corpus.truth.items() if max(v[1], v[2]) >= CONTAINMENT - EPS]
    found = sum(1 for k in gt if k in reported)
    missed_in_cluster = sum(1 for a, b in gt if (a, b) not in reported
                            and cluster_of.get(a) is not None and cluster_of.get(a) == cluster_of.get(b))
    correct = sum(1 for j, c in reported.values() if c >= CONTAINMENT - EPS or j >= CONTAINMENT_JACCARD - EPS)
    return {
        "seconds": seconds, "command": " ".join(cmd), "gt_pairs_j50_subset": len(gt), "found": found,
        "missed_but_same_cluster": missed_in_cluster,
        "recall_j50_subset": found / len(gt) if gt else None, "reported": len(reported),
        "precision": correct / len(reported) if reported else None, "short_pairs": short_pairs,
        "mae_max_containment": statistics.fmean(deltas) if deltas else None,
        "max_err": max(deltas) if deltas else None, "summary": summary,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--reprint", type=Path, default=REPRINT, help="reprint binary (default target/release/reprint)")
    args = ap.parse_args()
    global REPRINT_BIN
    REPRINT_BIN = args.reprint
    if not args.skip_build:
        log("building: cargo build --release -p reprint-cli")
        proc = subprocess.run(["cargo", "build", "--release", "-p", "reprint-cli"], cwd=ROOT,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            log(proc.stderr[-4000:])
            raise SystemExit(1)

    results = {}
    jac = ["| corpus | threshold | GT pairs (J ≥ T) | reported | recall (missed, same cluster) | cluster recall | precision "
           "| false pos. (of which J ≥ T−0.1) | mean abs ΔJ | max abs ΔJ | short-doc pairs (exact) | s |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    con = ["| corpus | GT pairs J ≥ 0.5 & C ≥ 0.9 | found | recall (J ≥ 0.5 subset; missed, same cluster) | reported | precision "
           "| mean abs ΔC | max abs ΔC | short-doc pairs | s |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    notes = []
    for name in CORPORA:
        log(f"== {name}")
        corpus = Corpus(name)
        notes.append(f"- {name}: {len(corpus.ids):,} documents, {len(corpus.short)} with fewer than 5 tokens "
                     f"(outside the ground truth), {len(corpus.truth):,} ground-truth pairs with J ≥ 0.5.")
        rows = []
        for t in THRESHOLDS:
            r = evaluate_threshold(corpus, t)
            rows.append(r)
            log(f"  T={t}: recall {pct(r['recall'])}, precision {pct(r['precision'])}, {r['seconds']:.1f} s")
            f3 = lambda x: "n/a" if x is None else f"{x:.3f}"
            jac.append(f"| {name} | {t} | {r['gt_pairs']:,} | {r['reported']:,} | {pct(r['recall'])} "
                       f"({r['gt_pairs'] - r['found']}, {r['missed_but_same_cluster']}) "
                       f"| {pct(r['cluster_recall'])} | {pct(r['precision'])} "
                       f"| {r['false_positives']} ({r['fp_within_0_1']}) | {f3(r['mae'])} | {f3(r['max_err'])} "
                       f"| {r['short_pairs']} ({r['short_exact']}) | {r['seconds']:.1f} |")
        c = evaluate_containment(corpus)
        log(f"  containment: recall {pct(c['recall_j50_subset'])}, precision {pct(c['precision'])}")
        f3 = lambda x: "n/a" if x is None else f"{x:.3f}"
        con.append(f"| {name} | {c['gt_pairs_j50_subset']:,} | {c['found']:,} | {pct(c['recall_j50_subset'])} "
                   f"({c['gt_pairs_j50_subset'] - c['found']}, {c['missed_but_same_cluster']}) "
                   f"| {c['reported']:,} | {pct(c['precision'])} | {f3(c['mae_max_containment'])} "
                   f"| {f3(c['max_err'])} | {c['short_pairs']} | {c['seconds']:.1f} |")
        results[name] = {"jaccard": rows, "containment": c}

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    today = datetime.date.today().isoformat()
    report = (
        f"# Dedup quality vs exact ground truth, {today}\n\n"
        f"Commit {commit}. `reprint dedup FILE --quiet --threshold T` (default sketch parameters) against "
        f"`pairs_j50.tsv` (exact word 5-gram Jaccard over lower-cased `\\w+` tokens). Reported pairs missing "
        f"from the census have exact J < 0.5; their exact values are computed by this script.\n\n"
        + "\n".join(notes) + "\n\n"
        "Recall: ground-truth pairs with J ≥ T that are reported as pairs; in parentheses the missed pairs and how many "
        "of those still have both documents in one reprint cluster (reprint links a group of near copies without "
        "listing every pair inside it). Cluster recall: ground-truth pairs whose documents end up in the same "
        "cluster. Precision: reported pairs whose exact J ≥ T. ΔJ: reported jaccard − exact jaccard. "
        "Pairs involving a document with fewer than 5 tokens have no shingles and are outside the ground truth: "
        "they are left out of every measure and counted in the last-but-one column (in parentheses: how many "
        "were flagged `exact`).\n\n" + "\n".join(jac) + "\n\n"
        f"## Containment (`--threshold {CONTAINMENT_JACCARD} --containment {CONTAINMENT}`)\n\n"
        f"pairs_j50.tsv only lists pairs with J ≥ 0.5, so recall is computed on that subset only (the README "
        f"counts all pairs with max containment ≥ 0.9 at any Jaccard, which this file cannot list). Precision: "
        f"reported pairs with exact max containment ≥ {CONTAINMENT} or exact J ≥ {CONTAINMENT_JACCARD}, computed "
        f"exactly for every reported pair. ΔC: reported max(containment_a_in_b, containment_b_in_a) − exact.\n\n"
        + "\n".join(con) + "\n"
    )
    print(report)
    if not args.no_write:
        out = ROOT / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{today}-quality.md").write_text(report)
        (out / f"{today}-quality.json").write_text(json.dumps({"date": today, "commit": commit,
                                                               "results": results}, indent=1))
        log(f"wrote bench/results/{today}-quality.md and .json")


if __name__ == "__main__":
    main()
