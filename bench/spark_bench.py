#!/usr/bin/env python3
"""Near-duplicates on Spark (local mode) against the CLI and Spark ML's MinHashLSH.

On generated news-like documents (`gen-corpus`, Parquet for Spark):

* CLI, the same job as Spark's: `reprint dedup FILE.parquet --threads 2 --write-kept
                  kept.parquet -o pairs.jsonl` — the kept documents written back as Parquet,
                  every pair and keep decision beside them.
* CLI, pairs only: `reprint dedup FILE.jsonl --threads 2` (pairs and keep decisions, no
                  documents written): the floor, for reference.
* reprint_rs.spark: `dedup_with_pairs(df)` on `local[2]` — the kept documents (`kept/`),
                  the removed ids with the id each duplicates (`removed/`) and the pairs
                  written as Parquet; session start-up excluded (and stated). Shuffle bytes
                  and each stage's wall time from Spark's event log.
* Spark ML:       `Tokenizer → NGram(5) → HashingTF(2^20, binary) → MinHashLSH(numHashTables=5)`
                  and `approxSimilarityJoin(df, df, 0.2)` (Jaccard distance ≤ 0.2, i.e.
                  J ≥ 0.8) — what a Spark user tries first; on a sample (it is slow).
* Scaling:        reprint_rs.spark on `local[1]` vs `local[2]`, the same documents (by default
                  the full run's: its `local[2]` time is reused), beside the machine's own
                  ceiling: two single-threaded `reprint dedup` at once on CPUs 0 and 1
                  against one alone (what two CPUs give for work that shares nothing).

Accuracy on the sample against exact Jaccard of word 5-gram sets (`\\w+`, lower-cased): every
pair either tool reports is checked exactly; recall is against the pooled set of true pairs.

    python3 bench/spark_bench.py --docs 1000000 --sample 100000
    python3 bench/spark_bench.py --docs 100000 --sample 10000 --scale-docs 100000 --skip-build    # quicker
    python3 bench/spark_bench.py --scaling-only --repeat 5    # one CPU to two only (-spark-scaling.md)

Results: markdown on stdout and bench/results/YYYY-MM-DD-spark.md (+ .json).
"""

import argparse
import datetime
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from dedup_bench import shingles  # the exact ground truth's shingling

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def build(skip):
    if skip:
        return
    log("building the release CLI and wheel")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "reprint-cli", "-p", "reprint-bench"],
                   cwd=ROOT, check=True)
    wheels = ROOT / "target" / "wheels-release"
    subprocess.run([sys.executable, "-m", "maturin", "build", "--quiet", "--release", "-m",
                    str(ROOT / "crates/reprint-py/Cargo.toml"), "-i", sys.executable, "-o", str(wheels)],
                   check=True)
    whl = sorted(wheels.glob("reprint_rs-*.whl"), key=lambda p: p.stat().st_mtime)[-1]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(whl)],
                   check=True)


def corpus(n, seed):
    OUT.mkdir(parents=True, exist_ok=True)
    jsonl = OUT / f"gen-{n}-{seed}.jsonl"
    if not jsonl.exists():
        log(f"generating {n:,} documents")
        subprocess.run([str(ROOT / "target/release/gen-corpus"), "--docs", str(n), "--seed", str(seed),
                        "--out", str(jsonl)], check=True, stdout=subprocess.DEVNULL)
    parquet = OUT / f"gen-{n}-{seed}.parquet"
    if not parquet.exists():
        import pyarrow.json as pj
        import pyarrow.parquet as pq

        t = pj.read_json(jsonl).select(["id", "text"])
        pq.write_table(t, parquet, row_group_size=20_000)
    return jsonl, parquet


def head(jsonl, parquet, n):
    """The first n documents, as JSONL and Parquet."""
    import pyarrow.parquet as pq

    sj = OUT / f"{jsonl.stem}-head{n}.jsonl"
    sp = OUT / f"{jsonl.stem}-head{n}.parquet"
    if not sj.exists():
        with open(jsonl, encoding="utf-8") as f, open(sj, "w", encoding="utf-8") as g:
            for i, line in enumerate(f):
                if i >= n:
                    break
                g.write(line)
    if not sp.exists():
        pq.write_table(pq.read_table(parquet).slice(0, n), sp, row_group_size=20_000)
    return sj, sp


def cli(source, threads=2, kept=False, all_pairs=False):
    """`reprint dedup` on `source`; with `kept`, the kept documents written as Parquet too."""
    out = OUT / "spark-bench-cli.jsonl"
    kept_path = OUT / "spark-bench-cli-kept.parquet"
    for p in (out, kept_path):
        p.unlink(missing_ok=True)
    extra = (["--write-kept", str(kept_path)] if kept else []) + (["--all-pairs"] if all_pairs else [])
    t = time.perf_counter()
    subprocess.run([str(ROOT / "target/release/reprint"), "dedup", str(source), "--threads", str(threads),
                    "-q", "-o", str(out)] + extra, check=True)
    seconds = time.perf_counter() - t
    kept_path.unlink(missing_ok=True)
    pairs = set()
    with open(out, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["type"] == "pair":
                pairs.add((r["a"], r["b"]))
    return seconds, pairs


def machine_ceiling(source):
    """What two CPUs give over one on this machine for work that shares nothing: one
    single-threaded `reprint dedup` pinned to CPU 0 alone, then two at once on CPUs 0 and
    1. Returns 2 × alone / the slower of the two (2.0 for independent CPUs; less when the
    two vCPUs share a host core, caches or memory bandwidth)."""
    def start(cpu):
        return subprocess.Popen(["taskset", "-c", str(cpu), str(ROOT / "target/release/reprint"), "dedup",
                                 str(source), "--threads", "1", "-q", "-o", "/dev/null"])

    def timed(cpus):
        t = time.perf_counter()
        procs = [start(c) for c in cpus]
        ends = []
        for p in procs:
            if p.wait() != 0:
                sys.exit(f"reprint dedup failed on {source}")
            ends.append(time.perf_counter() - t)
        return max(ends)

    alone = timed([0])
    both = timed([0, 1])
    return 2 * alone / both


def session(cores):
    EVENTS.mkdir(parents=True, exist_ok=True)
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    return (SparkSession.builder.master(f"local[{cores}]").appName("reprint-bench")
            .config("spark.driver.memory", "12g")
            # One collector for every run: pinned to one CPU the JVM picks the serial
            # collector by itself (G1 on two), and one CPU against two would compare
            # collectors, not cores. G1 is what an executor with several cores runs.
            .config("spark.driver.extraJavaOptions", "-XX:+UseG1GC")
            .config("spark.sql.shuffle.partitions", str(4 * cores))
            .config("spark.ui.enabled", "false")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.eventLog.enabled", "true")
            .config("spark.eventLog.dir", str(EVENTS))
            .config("spark.eventLog.compress", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate())


EVENTS = OUT / "spark-events"


def events(app_id):
    """The events of an application's log, in order."""
    logs = []
    for p in EVENTS.iterdir():
        if app_id in p.name:  # a file, or (Spark 4) a directory of rolled files
            logs.extend(sorted(f for f in p.iterdir() if f.name.startswith("events_")) if p.is_dir() else [p])
    for path in logs:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def shuffle_bytes(app_id):
    """Bytes every task of an application wrote to the shuffle, from its event log."""
    total = 0
    for e in events(app_id):
        if e.get("Event") == "SparkListenerTaskEnd":
            m = e.get("Task Metrics") or {}
            total += (m.get("Shuffle Write Metrics") or {}).get("Shuffle Bytes Written", 0)
    return total


def stage_seconds(app_id):
    """Wall seconds of the jobs under each job description (reprint's stage names), in the
    order they first ran."""
    jobs, out = {}, {}
    for e in events(app_id):
        kind = e.get("Event")
        if kind == "SparkListenerJobStart":
            desc = (e.get("Properties") or {}).get("spark.job.description") or "other"
            jobs[e["Job ID"]] = (desc, e["Submission Time"])
            out.setdefault(desc, 0.0)
        elif kind == "SparkListenerJobEnd" and e["Job ID"] in jobs:
            desc, start = jobs[e["Job ID"]]
            out[desc] += (e["Completion Time"] - start) / 1000
    return out


def run_reprint_spark(parquet, cores, all_pairs=False, cpus=None):
    """One reprint_rs.spark run in a fresh Python and JVM (pinned to `cpus` CPUs when given:
    an executor's Python workers then share its cores, as in a container)."""
    result = OUT / "spark-bench-run.json"
    result.unlink(missing_ok=True)
    cmd = [sys.executable, __file__, "--spark-run", str(parquet), "--cores", str(cores), "--result", str(result)]
    if all_pairs:
        cmd.append("--all-pairs")
    if cpus:
        cmd = ["taskset", "-c", ",".join(str(c) for c in range(cpus))] + cmd
    subprocess.run(cmd, check=True)
    r = json.loads(result.read_text(encoding="utf-8"))
    result.unlink()
    return r["seconds"], r["shuffle"], {tuple(p) for p in r["pairs"]}, r["rounds"], r["stages"]


def _spark_run(parquet, cores, all_pairs, result):
    from reprint_rs import spark as rps

    spark = session(cores)
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.parquet(str(parquet))
    app = spark.sparkContext.applicationId
    rounds = []
    class Rounds(logging.Handler):
        def emit(self, record):
            if record.msg.startswith("connected components"):
                rounds.append(record.args[0])
    handler = Rounds()
    rps.log.addHandler(handler)
    rps.log.setLevel(logging.INFO)
    out = OUT / f"spark-bench-{cores}"
    shutil.rmtree(out, ignore_errors=True)
    sc = spark.sparkContext
    t = time.perf_counter()
    marked, pairs = rps.dedup_with_pairs(df, all_pairs=all_pairs)
    rps.log.removeHandler(handler)
    # What the CLI's --write-kept and -o give: the kept documents, the removed ids, the pairs.
    sc.setJobDescription("write kept documents")
    marked.where("keep").drop("cluster", "keep", "duplicate_of").write.parquet(str(out / "kept"))
    sc.setJobDescription("write removed ids")
    marked.where("not keep").select("id", "duplicate_of").write.parquet(str(out / "removed"))
    sc.setJobDescription("write pairs")
    pairs.write.parquet(str(out / "pairs"))
    seconds = time.perf_counter() - t
    got = {(r["a"], r["b"]) for r in spark.read.parquet(str(out / "pairs")).collect()}
    beans = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()
    log(f"  local[{cores}]: the JVM's collectors {', '.join(b.getName() for b in beans)}")
    spark.stop()
    shutil.rmtree(out, ignore_errors=True)
    Path(result).write_text(json.dumps({
        "seconds": seconds, "shuffle": shuffle_bytes(app), "pairs": sorted(got),
        "rounds": rounds[0] if rounds else None, "stages": stage_seconds(app)}), encoding="utf-8")


def run_spark_ml(parquet):
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import HashingTF, MinHashLSH, NGram, RegexTokenizer
    from pyspark.sql import functions as F

    spark = session(2)
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.parquet(str(parquet))
    app = spark.sparkContext.applicationId
    t = time.perf_counter()
    prep = Pipeline(stages=[
        RegexTokenizer(inputCol="text", outputCol="words", pattern="\\w+", gaps=False, toLowercase=True),
        NGram(n=5, inputCol="words", outputCol="grams"),
        HashingTF(inputCol="grams", outputCol="features", numFeatures=1 << 20, binary=True),
    ])
    # A document of fewer than 5 words has no 5-gram: MinHashLSH refuses empty vectors.
    feats = prep.fit(df).transform(df).where(F.size("grams") > 0)
    lsh = MinHashLSH(inputCol="features", outputCol="hashes", numHashTables=5, seed=7).fit(feats)
    vec = lsh.transform(feats)
    joined = lsh.approxSimilarityJoin(vec, vec, 0.2, distCol="dist")
    got = {(r["a"], r["b"]) for r in joined.select(F.col("datasetA.id").alias("a"), F.col("datasetB.id").alias("b"))
           .where("a < b").collect()}
    seconds = time.perf_counter() - t
    spark.stop()
    return seconds, shuffle_bytes(app), got


def exact_truth(jsonl, pair_sets):
    texts = {}
    with open(jsonl, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            texts[r["id"]] = r["text"]
    cache = {}

    def sets(i):
        if i not in cache:
            cache[i] = shingles(texts[i])
        return cache[i]

    truth = set()
    for a, b in set().union(*pair_sets):
        a, b = min(a, b), max(a, b)
        sa, sb = sets(a), sets(b)
        if sa and sb and len(sa & sb) / len(sa | sb) >= 0.8 - 1e-9:
            truth.add((a, b))
    return truth


def accuracy(got, truth):
    got = {(min(a, b), max(a, b)) for a, b in got}
    return {"recall": len(got & truth) / len(truth) if truth else 1.0,
            "precision": len(got & truth) / len(got) if got else 1.0, "pairs": len(got)}


def median_run(runs):
    """The run of median time (the upper one of an even count)."""
    return sorted(runs, key=lambda r: r[0])[len(runs) // 2]


def stamp():
    """Today's date and the commit measured."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    return datetime.date.today().isoformat(), commit


def save(stem, text, res):
    """Prints the markdown and writes bench/results/<stem>.md and .json."""
    print(text)
    out = RESULTS / stem
    out.with_suffix(".md").write_text(text, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")


def scaling_only(args, parquet, jsonl, n):
    """local[1] on one CPU against local[2] on two, beside what two CPUs give on this machine
    for work that shares nothing (`machine_ceiling`); the kinds alternating, medians."""
    one, two, ceilings, rounds = [], [], [], []
    for r in range(args.repeat):
        log(f"round {r + 1} of {args.repeat}, {n:,} documents")
        two.append(run_reprint_spark(parquet, 2, cpus=2)[0])
        one.append(run_reprint_spark(parquet, 1, cpus=1)[0])
        ceilings.append(machine_ceiling(jsonl))
        rounds.append(one[-1] / two[-1])
        log(f"  local[2] {two[-1]:.1f} s, local[1] {one[-1]:.1f} s ({rounds[-1]:.2f}x); "
            f"the machine {ceilings[-1]:.2f}x")
    date, commit = stamp()
    med = statistics.median
    res = {"date": date, "commit": commit, "docs": n, "local1": one, "local2": two, "machine_ceiling": ceilings,
           "speedup_of_medians": med(one) / med(two), "speedup_by_round": rounds,
           "machine_ceiling_median": med(ceilings)}
    share = res["speedup_of_medians"] / res["machine_ceiling_median"]
    text = "\n".join([
        f"# reprint on Spark: one CPU to two, {date}",
        "",
        f"Commit {commit}; {n:,} generated documents from Parquet, the whole job (kept documents, removed ids "
        f"and pairs written); each Spark run in a fresh JVM pinned with `taskset`; {args.repeat} rounds, the "
        "kinds alternating. The machine's ceiling: one single-threaded `reprint dedup` alone on CPU 0, then "
        "two at once on CPUs 0 and 1 (work that shares nothing but the machine).",
        "",
        "| | median | every round |",
        "|---|---:|---|",
        f"| `local[1]` on one CPU | {med(one):.1f} s | {', '.join(f'{x:.1f}' for x in one)} |",
        f"| `local[2]` on two CPUs | {med(two):.1f} s | {', '.join(f'{x:.1f}' for x in two)} |",
        f"| speed-up | **{res['speedup_of_medians']:.2f}×** (of the medians) | {', '.join(f'{x:.2f}' for x in rounds)} |",
        f"| the machine's ceiling | {res['machine_ceiling_median']:.2f}× | {', '.join(f'{x:.2f}' for x in ceilings)} |",
        "",
        f"The Spark job reaches {share:.0%} of what two CPUs give on this machine.",
        "",
    ])
    save(f"{date}-spark-scaling", text, res)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=100_000, help="documents for the Spark ML comparison")
    ap.add_argument("--scale-docs", type=int, default=None,
                    help="documents for local[1] vs local[2] (default: --docs, reusing the full run)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each kind (the median is reported)")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--scaling-only", action="store_true",
                    help="only local[1] against local[2] and the machine's own ceiling (<date>-spark-scaling.md)")
    ap.add_argument("--spark-run", help=argparse.SUPPRESS)  # one run, in a child process
    ap.add_argument("--cores", type=int, default=2, help=argparse.SUPPRESS)
    ap.add_argument("--all-pairs", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.spark_run:
        return _spark_run(args.spark_run, args.cores, args.all_pairs, args.result)
    build(args.skip_build)
    jsonl, parquet = corpus(args.docs, args.seed)

    n_scale = min(args.scale_docs or args.docs, args.docs)
    kj, kp = (jsonl, parquet) if n_scale == args.docs else head(jsonl, parquet, n_scale)
    if args.scaling_only:
        return scaling_only(args, kp, kj, n_scale)
    # The machine is shared: each timed run is repeated, the kinds alternating, and the
    # median reported with every run beside it.
    kept_runs, pair_runs, spark_runs, one_runs, two_runs, ceilings = [], [], [], [], [], []
    for r in range(args.repeat):
        log(f"round {r + 1} of {args.repeat}, {args.docs:,} documents")
        kept_runs.append(cli(parquet, kept=True))
        log(f"  CLI, 2 threads, the same job (Parquet in, kept Parquet out): {kept_runs[-1][0]:.1f} s")
        pair_runs.append(cli(jsonl))
        log(f"  CLI, 2 threads, pairs only (JSONL in): {pair_runs[-1][0]:.1f} s")
        spark_runs.append(run_reprint_spark(parquet, 2, cpus=2))
        log(f"  reprint_rs.spark, local[2]: {spark_runs[-1][0]:.1f} s, {spark_runs[-1][1] / 1e6:.0f} MB shuffled")
        one_runs.append(run_reprint_spark(kp, 1, cpus=1))
        log(f"  reprint_rs.spark, local[1] on one CPU, {n_scale:,} documents: {one_runs[-1][0]:.1f} s")
        if n_scale != args.docs:
            two_runs.append(run_reprint_spark(kp, 2, cpus=2))
        ceilings.append(machine_ceiling(jsonl))
        log(f"  the machine: two single-threaded CLI runs at once, {ceilings[-1]:.2f}x one alone")
    two_runs = two_runs or spark_runs
    cli_kept, cli_pairs, full = median_run(kept_runs), median_run(pair_runs), median_run(spark_runs)
    one, two = median_run(one_runs), median_run(two_runs)
    same = all(r[2] == cli_pairs[1] == cli_kept[1] for r in spark_runs)

    sj, sp = head(jsonl, parquet, args.sample)
    log(f"sample of {args.sample:,}: CLI, reprint_rs.spark, Spark ML MinHashLSH")
    # Every pair (--all-pairs), as MinHashLSH's join gives them: a group of copies is
    # otherwise listed as a star on its first copy, which a pair count would call misses.
    s_cli = cli(sj, all_pairs=True)
    s_rp = run_reprint_spark(sp, 2, all_pairs=True, cpus=2)
    s_ml = run_spark_ml(sp)
    truth = exact_truth(sj, [s_cli[1], s_rp[2], s_ml[2]])

    date, commit = stamp()
    import pyspark

    res = {
        "date": date, "commit": commit, "docs": args.docs, "sample": args.sample, "scale_docs": n_scale,
        "pyspark": pyspark.__version__, "python": platform.python_version(),
        "cli_kept_seconds": cli_kept[0], "cli_seconds": cli_pairs[0], "spark_seconds": full[0],
        "spark_shuffle_bytes": full[1], "spark_stage_seconds": full[4],
        "spark_pairs_equal_cli": same, "cli_pairs": len(cli_pairs[1]), "spark_pairs": len(full[2]),
        "sample_cli_seconds": s_cli[0], "sample_spark_seconds": s_rp[0], "sample_ml_seconds": s_ml[0],
        "sample_ml_shuffle_bytes": s_ml[1], "sample_spark_shuffle_bytes": s_rp[1],
        "sample_truth": len(truth),
        "sample_cli": accuracy(s_cli[1], truth), "sample_spark": accuracy(s_rp[2], truth),
        "sample_ml": accuracy(s_ml[2], truth),
        "local1_seconds": one[0], "local2_seconds": two[0],
        "machine_ceiling": statistics.median(ceilings),
        "component_rounds": full[3], "sample_component_rounds": s_rp[3],
        "runs": {"cli_kept": [r[0] for r in kept_runs], "cli": [r[0] for r in pair_runs],
                 "spark": [r[0] for r in spark_runs], "local1": [r[0] for r in one_runs],
                 "local2": [r[0] for r in two_runs], "machine_ceiling": ceilings},
    }
    n, sn = args.docs, args.sample
    md = [
        f"# reprint on Spark, {date}",
        "",
        f"Commit {commit}; PySpark {res['pyspark']} (local mode, Java 17), Python {res['python']}; "
        f"generated news-like documents (`gen-corpus --seed {args.seed}`); this shared 2-core machine. "
        f"Timed rows on {n:,} documents: the median of {args.repeat} runs, the kinds alternating "
        f"(every run below the table); the sample's rows one run each. "
        "Spark times exclude session start-up (about 5 s) and include writing the kept documents, the removed "
        "ids and the pairs as Parquet — the job the CLI does with `--write-kept kept.parquet -o pairs.jsonl` "
        "from the same Parquet file.",
        "",
        "| run | documents | seconds | ratio | shuffle bytes / doc | pairs | recall | precision |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| CLI, 2 threads, Parquet in, kept Parquet + pairs out (the same job) | {n:,} | {res['cli_kept_seconds']:.1f} | 1.0× | — | {len(cli_kept[1]):,} | | |",
        f"| CLI, 2 threads, JSONL in, pairs and decisions only | {n:,} | {res['cli_seconds']:.1f} | — | — | {res['cli_pairs']:,} | | |",
        f"| reprint_rs.spark, local[2] | {n:,} | {res['spark_seconds']:.1f} | {res['spark_seconds'] / res['cli_kept_seconds']:.1f}× the same job "
        f"({res['spark_seconds'] / res['cli_seconds']:.1f}× pairs only) | "
        f"{res['spark_shuffle_bytes'] / n:,.0f} | {res['spark_pairs']:,} (same as CLI: {same}) | | |",
        f"| CLI, 2 threads, every pair (`--all-pairs`) | {sn:,} | {res['sample_cli_seconds']:.1f} | | — | {res['sample_cli']['pairs']:,} | {res['sample_cli']['recall']:.4f} | {res['sample_cli']['precision']:.4f} |",
        f"| reprint_rs.spark, local[2], `all_pairs=True` | {sn:,} | {res['sample_spark_seconds']:.1f} | 1.0× | {res['sample_spark_shuffle_bytes'] / sn:,.0f} | {res['sample_spark']['pairs']:,} | {res['sample_spark']['recall']:.4f} | {res['sample_spark']['precision']:.4f} |",
        f"| Spark ML MinHashLSH (5 tables) + approxSimilarityJoin, local[2] | {sn:,} | {res['sample_ml_seconds']:.1f} | {res['sample_ml_seconds'] / res['sample_spark_seconds']:.1f}× slower | {res['sample_ml_shuffle_bytes'] / sn:,.0f} | {res['sample_ml']['pairs']:,} | {res['sample_ml']['recall']:.4f} | {res['sample_ml']['precision']:.4f} |",
        f"| reprint_rs.spark, local[1] pinned to one CPU | {n_scale:,} | {res['local1_seconds']:.1f} | | | | | |",
        f"| reprint_rs.spark, local[2] on two CPUs | {n_scale:,} | {res['local2_seconds']:.1f} | {res['local1_seconds'] / res['local2_seconds']:.2f}× faster than one | | | | |",
        f"| the machine: two single-threaded `reprint dedup` at once on CPUs 0 and 1, against one alone | {n:,} | | {res['machine_ceiling']:.2f}× (the most two CPUs give here) | | | | |",
        "",
        "Every run (seconds): " + "; ".join(
            f"{k} {', '.join(f'{x:.1f}' for x in v)}" for k, v in res["runs"].items()) + ".",
        "",
        f"Recall and precision on the sample: against every pair any of the three reported with exact J ≥ 0.8 "
        f"({res['sample_truth']:,} pairs; pooled, so recall is an upper bound). Each run pinned to its CPUs "
        "(`taskset`): an executor's Python workers share its cores, as in a container; unpinned, `local[1]` "
        "already uses two (the JVM reads while Python fingerprints).",
        "",
        f"Connected components (large-star / small-star, a checkpoint each round): "
        f"{res['component_rounds']} rounds on {n:,} documents, {res['sample_component_rounds']} on {sn:,}.",
        "",
        f"Where the {n:,}-document run's time goes (wall seconds of the jobs under each stage name, from "
        "the event log; the stages' own names as the Spark UI shows them):",
        "",
        "| stage | seconds |",
        "|---|---:|",
    ] + [f"| {k} | {v:.1f} |" for k, v in full[4].items()]
    save(f"{date}-spark", "\n".join(md) + "\n", res)


if __name__ == "__main__":
    main()
