#!/usr/bin/env python3
"""Anchor for the HTTP dedup-service load benchmark: datasketch MinHashLSH on Redis storage.

Measures what a Python service built on datasketch's Redis backend would pay per request:
one single-document query at a time (sequential, like one client request each), where a
query is shingling + MinHash of the query text + `lsh.query(m)` (one Redis round trip per
band). Same shingling as the other anchors (`bench/dedup_bench.py`: word 5-grams over
lower-cased `\\w+` tokens), same parameters (128 permutations, threshold 0.8).

The script starts its own throw-away `redis-server` on 127.0.0.1 (free port, no persistence,
temporary dir) and stops it at the end, also on error or Ctrl-C.

    python3 bench/serve_anchor_redis.py --docs /tmp/gen/g100k.jsonl --index-docs 5000 --queries 500
    python3 bench/serve_anchor_redis.py --docs /tmp/gen/g100k.jsonl --out-json out/serve-anchor.json

Steps:
1. index: for each of the first --index-docs documents: shingle + MinHash (timed as
   "sketch"), then `session.insert(id, m)` in `lsh.insertion_session()` (timed as "insert";
   the session's pipelined flushes are inside it). Documents with no 5-gram are skipped.
2. queries: Q documents evenly spaced over the indexed ones (with at least two shingles),
   perturbed by dropping the last whitespace-separated word, so each is a near-duplicate of
   its source. Query texts are read before timing; each timed query = shingles + MinHash +
   lsh.query. The lsh.query part is also timed on its own ("LSH only"). A few warm-up
   queries (--warmup) are run first and not recorded.
3. report: insert docs/s, queries/s, p50/p90/p99 latency, the fraction of queries whose
   result contains the source document (sanity: should be ~1.0), mean result size.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dedup_bench import NUM_PERM, THRESHOLD, shingles  # noqa: E402  (the anchors' shingling)


class InputError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------


def iter_docs(path, limit=None):
    """Yield (line_no, id, text) for the non-blank lines of a JSONL file; strict validation."""
    n = 0
    try:
        f = open(path, encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot open: {e.strerror}") from None
    with f:
        line_no = 0
        while True:
            try:
                line = f.readline()
            except UnicodeDecodeError as e:
                raise InputError(f"{path}:{line_no + 1}: not valid UTF-8 ({e.reason})") from None
            if not line:
                break
            line_no += 1
            if not line.strip():
                continue
            if limit is not None and n >= limit:
                break
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"{path}:{line_no}: invalid JSON: {e.msg} (column {e.colno})") from None
            if not isinstance(obj, dict):
                raise InputError(f"{path}:{line_no}: expected a JSON object, got {type(obj).__name__}")
            if "id" not in obj:
                raise InputError(f"{path}:{line_no}: missing field \"id\"")
            doc_id = obj["id"]
            if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
                raise InputError(f"{path}:{line_no}: field \"id\" must be a string or an integer")
            text = obj.get("text")
            if not isinstance(text, str):
                what = "missing" if text is None else f"of type {type(text).__name__}, not a string"
                raise InputError(f"{path}:{line_no}: field \"text\" is {what}")
            n += 1
            yield line_no, doc_id, text


def perturb(text):
    """Drop the last whitespace-separated word: a near-duplicate of the source."""
    parts = text.rstrip().rsplit(None, 1)
    return parts[0] if len(parts) == 2 else text


# --------------------------------------------------------------------------------------------
# Redis server
# --------------------------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throw-away redis-server on 127.0.0.1: no RDB/AOF, data dir in a temp directory."""

    def __init__(self, binary):
        self.binary = binary
        self.proc = None
        self.port = None
        self.tmp = None
        self.version = None

    def start(self, attempts=3, timeout=15.0):
        import redis

        self.tmp = tempfile.mkdtemp(prefix="serve-anchor-redis-")
        last_err = None
        for _ in range(attempts):
            self.port = free_port()
            logf = open(os.path.join(self.tmp, "redis.log"), "w")
            self.proc = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", self.tmp, "--protected-mode", "yes"],
                stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)  # Ctrl-C reaches only us; we stop the server ourselves
            logf.close()
            client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    if client.ping():
                        self.version = client.info("server").get("redis_version")
                        client.close()
                        return self
                except redis.exceptions.ConnectionError as e:
                    last_err = e
                time.sleep(0.05)
            client.close()
            last_err = last_err or RuntimeError("redis-server exited")
            self._kill()  # port race or slow start: retry on another port
        tail = self._log_tail()
        raise RuntimeError(f"redis-server did not answer PING ({last_err}); log:\n{tail}")

    def _log_tail(self):
        try:
            with open(os.path.join(self.tmp, "redis.log")) as f:
                return "".join(f.readlines()[-15:])
        except OSError:
            return "(no log)"

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def stop(self):
        self._kill()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


# --------------------------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------------------------


def pct(sorted_xs, p):
    """Percentile by linear interpolation (numpy's default)."""
    if not sorted_xs:
        return float("nan")
    k = (len(sorted_xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (k - lo)


def lat_stats(xs):
    s = sorted(xs)
    return {"mean_ms": 1e3 * statistics.fmean(s), "p50_ms": 1e3 * pct(s, 50),
            "p90_ms": 1e3 * pct(s, 90), "p99_ms": 1e3 * pct(s, 99), "max_ms": 1e3 * s[-1]}


def run(args, server):
    import datasketch
    import redis
    from datasketch import MinHash, MinHashLSH

    perm, seed = args.num_perm, args.seed
    lsh = MinHashLSH(threshold=args.threshold, num_perm=perm,
                     storage_config={"type": "redis", "basename": b"bench",
                                     "redis": {"host": "127.0.0.1", "port": server.port}})

    def sketch(text):
        sh = shingles(text)
        m = MinHash(num_perm=perm, seed=seed)
        m.update_batch([s.encode("utf-8") for s in sh])
        return m, len(sh)

    # ---- index ----
    log(f"indexing {args.docs} ({'all' if args.index_docs is None else args.index_docs} docs) "
        f"into redis-server {server.version} on 127.0.0.1:{server.port}, "
        f"LSH b={lsh.b} r={lsh.r}")
    sketch_s = insert_s = 0.0
    seen = 0
    indexed = []      # (line_no, id) of indexed docs with >= 2 shingles (query candidates)
    n_indexed = skipped_empty = 0
    ids = set()
    t_all = time.perf_counter()
    with lsh.insertion_session() as session:
        for line_no, doc_id, text in iter_docs(args.docs, args.index_docs):
            seen += 1
            if doc_id in ids:
                raise InputError(f"{args.docs}:{line_no}: duplicate id {doc_id!r}")
            ids.add(doc_id)
            t0 = time.perf_counter()
            sh = shingles(text)
            if not sh:
                skipped_empty += 1
                sketch_s += time.perf_counter() - t0
                continue
            m = MinHash(num_perm=perm, seed=seed)
            m.update_batch([s.encode("utf-8") for s in sh])
            t1 = time.perf_counter()
            session.insert(doc_id, m)
            t2 = time.perf_counter()
            sketch_s += t1 - t0
            insert_s += t2 - t1
            n_indexed += 1
            if len(sh) >= 2:
                indexed.append((line_no, doc_id))
            if seen % 10000 == 0:
                log(f"  {seen} docs, sketch {sketch_s:.1f}s, insert {insert_s:.1f}s")
        t_flush = time.perf_counter()
    insert_s += time.perf_counter() - t_flush  # the session's final flush on exit
    index_wall = time.perf_counter() - t_all
    del ids
    if not indexed:
        raise InputError(f"{args.docs}: no document with at least 6 words to query with")

    client = redis.Redis(host="127.0.0.1", port=server.port)
    mem = client.info("memory")
    dbsize = client.dbsize()
    log(f"indexed {n_indexed} docs in {index_wall:.1f}s (sketch {sketch_s:.1f}s, insert {insert_s:.1f}s); "
        f"redis used_memory {mem['used_memory'] / 2**20:.0f} MiB, {dbsize} keys")

    # ---- pick the query documents: evenly spaced over the indexed ones ----
    q = args.queries
    picks = [indexed[(k * len(indexed)) // q] for k in range(q)] if q <= len(indexed) else \
        [indexed[k % len(indexed)] for k in range(q)]
    wanted = {line_no for line_no, _ in picks}
    texts = {}
    for line_no, doc_id, text in iter_docs(args.docs, args.index_docs):
        if line_no in wanted:
            texts[line_no] = perturb(text)
    queries = [(doc_id, texts[line_no]) for line_no, doc_id in picks]
    del texts, indexed

    # ---- warm-up (not recorded) ----
    for k in range(min(args.warmup, len(queries))):
        m, _ = sketch(queries[-1 - k][1])
        lsh.query(m)

    # ---- timed queries, one at a time ----
    log(f"running {len(queries)} sequential single-document queries")
    total, lsh_only, result_sizes = [], [], []
    hits = 0
    t_q = time.perf_counter()
    for src_id, text in queries:
        t0 = time.perf_counter()
        m, _ = sketch(text)
        t1 = time.perf_counter()
        res = lsh.query(m)
        t2 = time.perf_counter()
        total.append(t2 - t0)
        lsh_only.append(t2 - t1)
        result_sizes.append(len(res))
        hits += src_id in res
    q_wall = time.perf_counter() - t_q

    client.close()
    return {
        "tool": "datasketch MinHashLSH, redis storage",
        "datasketch": datasketch.__version__ if hasattr(datasketch, "__version__") else None,
        "redis_py": redis.__version__,
        "redis_server": server.version,
        "python": platform.python_version(),
        "docs_file": str(args.docs),
        "params": {"threshold": args.threshold, "num_perm": perm, "seed": seed,
                   "lsh_b": lsh.b, "lsh_r": lsh.r, "shingles": "word 5-grams, lower-cased \\w+"},
        "index": {"docs": n_indexed, "skipped_empty": skipped_empty,
                  "wall_seconds": index_wall, "sketch_seconds": sketch_s,
                  "insert_seconds": insert_s,
                  "insert_docs_per_s": n_indexed / insert_s if insert_s else None,
                  "end_to_end_docs_per_s": n_indexed / index_wall,
                  "redis_used_memory_bytes": mem["used_memory"], "redis_keys": dbsize},
        "query": {"queries": len(queries), "warmup": min(args.warmup, len(queries)),
                  "perturbation": "drop last word",
                  "wall_seconds": q_wall, "queries_per_s": len(queries) / q_wall,
                  "latency": lat_stats(total), "lsh_only_latency": lat_stats(lsh_only),
                  "source_found_fraction": hits / len(queries),
                  "mean_result_size": statistics.fmean(result_sizes)},
    }


def markdown(r):
    i, q = r["index"], r["query"]
    lt, ll = q["latency"], q["lsh_only_latency"]
    p = r["params"]
    lines = [
        f"### datasketch MinHashLSH + Redis {r['redis_server']} (datasketch {r['datasketch']}, "
        f"threshold {p['threshold']}, {p['num_perm']} perm, b={p['lsh_b']} r={p['lsh_r']})",
        "",
        "| metric | value |",
        "|---|---:|",
        f"| indexed docs | {i['docs']} |",
        f"| index wall (sketch + insert) | {i['wall_seconds']:.1f} s ({i['end_to_end_docs_per_s']:.0f} docs/s) |",
        f"| sketch (shingle + MinHash) | {i['sketch_seconds']:.1f} s |",
        f"| Redis insert (insertion_session) | {i['insert_seconds']:.1f} s ({i['insert_docs_per_s']:.0f} docs/s) |",
        f"| Redis used memory | {i['redis_used_memory_bytes'] / 2**20:.0f} MiB |",
        f"| queries (sequential, 1 doc each) | {q['queries']} |",
        f"| queries/s | {q['queries_per_s']:.1f} |",
        f"| latency p50 / p90 / p99 (MinHash + query) | {lt['p50_ms']:.2f} / {lt['p90_ms']:.2f} / {lt['p99_ms']:.2f} ms |",
        f"| LSH-only latency p50 / p90 / p99 | {ll['p50_ms']:.2f} / {ll['p90_ms']:.2f} / {ll['p99_ms']:.2f} ms |",
        f"| source doc found | {100 * q['source_found_fraction']:.1f} % |",
        f"| mean result size | {q['mean_result_size']:.2f} |",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=Path, required=True, help="JSONL, one {\"id\":..., \"text\":...} per line")
    ap.add_argument("--index-docs", type=int, default=None, help="index the first N documents (default: all)")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=20, help="unrecorded warm-up queries (default 20)")
    ap.add_argument("--threshold", type=float, default=THRESHOLD)
    ap.add_argument("--num-perm", type=int, default=NUM_PERM)
    ap.add_argument("--seed", type=int, default=1, help="MinHash seed (datasketch default 1)")
    ap.add_argument("--out-json", type=Path, default=None)
    ap.add_argument("--redis-server", default="redis-server", help="redis-server binary (default: from PATH)")
    args = ap.parse_args()
    if args.index_docs is not None and args.index_docs < 1:
        ap.error("--index-docs must be >= 1")
    if args.queries < 1:
        ap.error("--queries must be >= 1")
    if args.warmup < 0:
        ap.error("--warmup must be >= 0")

    binary = shutil.which(args.redis_server)
    if binary is None:
        log(f"error: {args.redis_server!r} not found on PATH; install it (Debian: apt-get install -y redis-server)")
        return 2
    try:
        import datasketch  # noqa: F401
        import redis  # noqa: F401
    except ImportError as e:
        log(f"error: {e}; install with: pip install datasketch redis")
        return 2

    # SIGTERM -> SystemExit, so the finally below stops the server (Ctrl-C raises KeyboardInterrupt).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server = RedisServer(binary)
    try:
        server.start()
        result = run(args, server)
    except InputError as e:
        log(f"error: {e}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        server.stop()

    print(markdown(result))
    if args.out_json:
        args.out_json.parent.mkdir(parents=True, exist_ok=True)
        args.out_json.write_text(json.dumps(result, indent=2) + "\n")
        log(f"wrote {args.out_json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
