#!/usr/bin/env python3
"""Evaluate reprint-stories on the SemEval-2022 Task 8 sample.

1. Pearson r between pair similarity and the human Overall rating, per language pair.
   Overall is 1 (very similar) .. 4 (very dissimilar), so we correlate with -Overall and
   report r (positive = agrees with humans). Baseline: character 3-5-gram TF-IDF cosine
   (sublinear tf, IDF over all texts of the sample), computed here in numpy-free Python.
2. Story clustering on the same pairs: all unique documents of one language are clustered
   (no dates in this data, so the time feature is off); pairs rated <= 1.5 should land in one
   story, pairs rated >= 3.5 in different ones. Pairwise precision/recall/F1 over those pairs,
   and B-cubed over the documents of the positive pairs with connected components of
   positive pairs as (incomplete) gold stories.

Usage: python3 bench/stories_eval.py [--model PATH] [--out bench/results/DATE-stories.md] [key=value ...]
(key=value pairs are passed to the pair_sim example as config overrides; with --model every
text is embedded once by reprint-embed's `embed` example and the embeddings join the
features, and a column gives the embedding cosine alone.)
"""
import csv, json, math, os, re, subprocess, sys
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/work/shared/data/semeval2022-task8-sample"
BIN = os.path.join(ROOT, "target/release/examples/pair_sim")
EMBED = os.path.join(ROOT, "target/release/examples/embed")


def load():
    csv.field_size_limit(10**9)
    seen, rows = set(), []
    for f in ["training_set.csv", "testing_set.csv"]:
        for r in csv.DictReader(open(os.path.join(DATA, f), encoding="utf-8")):
            if r["pair_id"] in seen:
                continue
            seen.add(r["pair_id"])
            rows.append(r)
    return rows


def pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else float("nan")


def char_ngrams(text):
    c = Counter()
    for w in re.findall(r"\w+", text.lower()):
        w = f" {w} "
        for n in (3, 4, 5):
            for i in range(len(w) - n + 1):
                c[w[i:i + n]] += 1
    return c


def char_tfidf_sims(rows):
    docs = [char_ngrams(r[k]) for r in rows for k in ("text1", "text2")]
    df = Counter()
    for d in docs:
        df.update(d.keys())
    N = len(docs)
    vecs = []
    for d in docs:
        v = {g: (1 + math.log(tf)) * (math.log((1 + N) / (1 + df[g])) + 1) for g, tf in d.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vecs.append({g: x / norm for g, x in v.items()})
    sims = []
    for i in range(0, len(vecs), 2):
        a, b = vecs[i], vecs[i + 1]
        if len(a) > len(b):
            a, b = b, a
        sims.append(sum(x * b.get(g, 0.0) for g, x in a.items()))
    return sims


def run(args, lines):
    inp = "".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines)
    out = subprocess.run([BIN] + args, input=inp.encode(), capture_output=True, check=True).stdout
    return out.decode().split()


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def bcubed(gold, pred):
    """gold, pred: dict doc -> label over the same docs."""
    gm, pm = defaultdict(set), defaultdict(set)
    for d, g in gold.items():
        gm[g].add(d)
        pm[pred[d]].add(d)
    P = R = 0.0
    for d in gold:
        same = gm[gold[d]] & pm[pred[d]]
        P += len(same) / len(pm[pred[d]])
        R += len(same) / len(gm[gold[d]])
    p, r = P / len(gold), R / len(gold)
    return p, r, 2 * p * r / (p + r)


def main():
    overrides = [a for a in sys.argv[1:] if "=" in a and not a.startswith("--")]
    out_path = None
    if "--out" in sys.argv:
        out_path = sys.argv[sys.argv.index("--out") + 1]
    model = sys.argv[sys.argv.index("--model") + 1] if "--model" in sys.argv else None
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "reprint-stories", "--example", "pair_sim"], cwd=ROOT, check=True)
    rows = load()
    vec = {}
    if model:
        subprocess.run(["cargo", "build", "-q", "--release", "-p", "reprint-embed", "--example", "embed"], cwd=ROOT, check=True)
        texts = sorted({r[k] for r in rows for k in ("text1", "text2")})
        out = subprocess.run([EMBED, model], input="".join(json.dumps({"text": t}) + "\n" for t in texts).encode(),
                             capture_output=True, check=True)
        vec = dict(zip(texts, (json.loads(l) for l in out.stdout.decode().splitlines())))
        speed = out.stderr.decode().strip()
    def emb(key, t):
        return {key: vec[t]} if vec.get(t) else {}
    ours = [float(x) for x in run(overrides, [{"text1": r["text1"], "text2": r["text2"],
                                               **emb("embedding1", r["text1"]), **emb("embedding2", r["text2"])} for r in rows])]
    def cos(a, b):
        return sum(x * y for x, y in zip(a, b)) if a and b else 0.0
    alone = [cos(vec.get(r["text1"]), vec.get(r["text2"])) for r in rows]
    base = char_tfidf_sims(rows)
    by = defaultdict(list)
    for i, r in enumerate(rows):
        by[f"{r['lang1']}-{r['lang2']}"].append(i)
    report = []
    report.append("## Pearson r with -Overall (higher is better)\n")
    if model:
        report.append(f"With `--model {os.path.basename(os.path.normpath(model))}`: {speed}.\n")
    report.append("| pair | n | reprint-stories | char 3-5-gram TF-IDF |" + (" embedding cosine alone |" if model else ""))
    report.append("|---|---:|---:|---:|" + ("---:|" if model else ""))
    gold = [-float(r["Overall"]) for r in rows]
    for lang in sorted(by, key=lambda k: -len(by[k])):
        idx = by[lang]
        r1 = pearson([ours[i] for i in idx], [gold[i] for i in idx])
        r2 = pearson([base[i] for i in idx], [gold[i] for i in idx])
        r3 = f" {pearson([alone[i] for i in idx], [gold[i] for i in idx]):.3f} |" if model else ""
        report.append(f"| {lang} | {len(idx)} | {r1:.3f} | {r2:.3f} |{r3}")
    mono = [i for i, r in enumerate(rows) if r["lang1"] == r["lang2"]]
    extra = (lambda idx: f" {pearson([alone[i] for i in idx], [gold[i] for i in idx]):.3f} |") if model else (lambda idx: "")
    report.append(f"| all monolingual | {len(mono)} | {pearson([ours[i] for i in mono], [gold[i] for i in mono]):.3f} | "
                  f"{pearson([base[i] for i in mono], [gold[i] for i in mono]):.3f} |{extra(mono)}")
    report.append(f"| all | {len(rows)} | {pearson(ours, gold):.3f} | {pearson(base, gold):.3f} |{extra(range(len(rows)))}")

    report.append("\n## Story clustering of each language's documents (pairs <= 1.5 together, >= 3.5 apart)\n")
    report.append("| lang | docs | stories | pos pairs | neg pairs | pair P | pair R | pair F1 | B3 P | B3 R | B3 F1 |")
    report.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    tot = [0, 0, 0]
    for lang in sorted({r["lang1"] for r in rows if r["lang1"] == r["lang2"]}):
        rs = [r for r in rows if r["lang1"] == lang and r["lang2"] == lang]
        texts = sorted({r[k] for r in rs for k in ("text1", "text2")})
        ix = {t: i for i, t in enumerate(texts)}
        story = [int(x) for x in run(["--cluster", "time_floor=1"] + overrides, [{"text": t, **emb("embedding", t)} for t in texts])]
        pos = [(ix[r["text1"]], ix[r["text2"]]) for r in rs if float(r["Overall"]) <= 1.5]
        neg = [(ix[r["text1"]], ix[r["text2"]]) for r in rs if float(r["Overall"]) >= 3.5]
        tp = sum(story[a] == story[b] for a, b in pos)
        fn = len(pos) - tp
        fp = sum(story[a] == story[b] for a, b in neg)
        tot[0] += tp; tot[1] += fp; tot[2] += fn
        p, rc, f = prf(tp, fp, fn)
        # Gold stories: components of positive pairs.
        parent = {}
        def find(x):
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        for a, b in pos:
            parent[find(a)] = find(b)
        docs = sorted({d for pr in pos for d in pr})
        b3 = bcubed({d: find(d) for d in docs}, {d: story[d] for d in docs}) if docs else (float("nan"),) * 3
        report.append(f"| {lang} | {len(texts)} | {len(set(story))} | {len(pos)} | {len(neg)} | {p:.3f} | {rc:.3f} | {f:.3f} | "
                      f"{b3[0]:.3f} | {b3[1]:.3f} | {b3[2]:.3f} |")
    p, rc, f = prf(*tot)
    report.append(f"| all | | | {tot[0] + tot[2]} | | {p:.3f} | {rc:.3f} | {f:.3f} | | | |")
    text = "\n".join(report)
    print(text)
    if out_path:
        with open(out_path, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
