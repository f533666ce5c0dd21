#!/usr/bin/env python3
"""PAN text alignment scores for a JSONL of detections.

Usage: pan_eval.py <corpus dir> <detections.jsonl> [--per-pair]

<corpus dir> holds `pairs` and `truth/<susp-stem>-<src-stem>.xml` (PAN 2013 layout).
Each detection line: {"susp": ..., "src": ..., "this_offset": c, "this_length": c,
"source_offset": c, "source_length": c} in CHARACTER offsets.

Measures (Potthast et al., "An Evaluation Framework for Plagiarism Detection", 2010):
  precision   mean over detections r of |chars of r inside cases r detects| / |r|
  recall      mean over cases s of |chars of s inside detections that detect s| / |s|
  granularity mean over detected cases of the number of detections that detect it
  plagdet     F1 / log2(1 + granularity)
Characters are counted on the suspicious side. A detection detects a case when both are
in the same document pair, their suspicious spans overlap, and their source spans overlap
(source offsets in this corpus are only approximate, so the source side is checked by
overlap, not scored by character).
Scores are also printed per obfuscation type (pairs grouped by the type of their cases).
"""
import json
import math
import os
import signal
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def load_truth(corpus):
    pairs, cases = [], defaultdict(list)
    with open(os.path.join(corpus, "pairs"), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 2:
                continue
            pair = (parts[0], parts[1])
            pairs.append(pair)
            xml = os.path.join(corpus, "truth", f"{parts[0][:-4]}-{parts[1][:-4]}.xml")
            for feat in ET.parse(xml).getroot().iter("feature"):
                if feat.get("name") != "plagiarism":
                    continue
                cases[pair].append({
                    "susp": (int(feat.get("this_offset")), int(feat.get("this_length"))),
                    "src": (int(feat.get("source_offset")), int(feat.get("source_length"))),
                    "obfuscation": feat.get("obfuscation", "unknown"),
                })
    return pairs, cases


def load_detections(path, known):
    dets = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            d = json.loads(line)
            pair = (d["susp"], d["src"])
            if pair not in known:
                sys.exit(f"{path}:{n}: pair {pair} is not in the corpus")
            dets[pair].append({
                "susp": (d["this_offset"], d["this_length"]),
                "src": (d["source_offset"], d["source_length"]),
            })
    return dets


def overlaps(x, y):
    return x[0] < y[0] + y[1] and y[0] < x[0] + x[1]


def chars(span):
    return set(range(span[0], span[0] + span[1]))


def score(pairs, cases, dets):
    prec_terms, rec_terms, gran_terms = [], [], []
    for pair in pairs:
        S, R = cases.get(pair, []), dets.get(pair, [])
        detects = [[r for r in R if overlaps(s["susp"], r["susp"]) and overlaps(s["src"], r["src"])] for s in S]
        for s, rs in zip(S, detects):
            sc = chars(s["susp"])
            covered = set()
            for r in rs:
                covered |= sc & chars(r["susp"])
            rec_terms.append(len(covered) / max(1, len(sc)))
            if rs:
                gran_terms.append(len(rs))
        for r in R:
            rc = chars(r["susp"])
            covered = set()
            for s, rs in zip(S, detects):
                if any(x is r for x in rs):
                    covered |= rc & chars(s["susp"])
            prec_terms.append(len(covered) / max(1, len(rc)))
    prec = sum(prec_terms) / len(prec_terms) if prec_terms else 0.0
    rec = sum(rec_terms) / len(rec_terms) if rec_terms else 0.0
    gran = sum(gran_terms) / len(gran_terms) if gran_terms else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
    return {
        "cases": len(rec_terms), "detections": len(prec_terms),
        "precision": prec, "recall": rec, "granularity": gran,
        "plagdet": f1 / math.log2(1 + gran),
    }


def fmt(name, s):
    return (f"{name:<14} cases {s['cases']:>4}  detections {s['detections']:>4}  "
            f"precision {s['precision']:.4f}  recall {s['recall']:.4f}  "
            f"granularity {s['granularity']:.4f}  plagdet {s['plagdet']:.4f}")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__)
    pairs, cases = load_truth(args[0])
    dets = load_detections(args[1], set(pairs))
    print(fmt("all", score(pairs, cases, dets)))
    by_type = defaultdict(list)
    for p in pairs:
        types = {c["obfuscation"] for c in cases.get(p, [])} or {"no-plagiarism"}
        by_type["+".join(sorted(types))].append(p)
    if len(by_type) > 1:
        for t, ps in sorted(by_type.items()):
            print(fmt(t, score(ps, cases, dets)))
    else:
        print(f"(one obfuscation type in this corpus: {next(iter(by_type))})")
    if "--per-pair" in sys.argv:
        for p in pairs:
            s = score([p], cases, dets)
            if s["plagdet"] < 0.999:
                print(fmt("", s), p[0], p[1])


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends quietly
    main()
