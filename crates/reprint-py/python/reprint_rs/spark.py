"""Near-duplicate removal on Spark, with the CLI's answers.

>>> from reprint_rs import spark as rps                                    # doctest: +SKIP
>>> marked = rps.dedup(df, text="text", id="id", threshold=0.8)             # doctest: +SKIP
>>> marked.where("keep").drop("cluster", "keep", "duplicate_of").write.parquet("kept/")  # doctest: +SKIP

The work runs where the data is, in Spark stages named for what they do (see the Spark UI):

1. **fingerprint** (`mapInArrow`, one core per task, no threads of ours): each document's
   exact hash and LSH band keys, as int64 (never unsigned: Spark would corrupt them);
2. **exact groups**: documents with one exact hash are one group; only its first copy goes on;
3. **LSH buckets → candidate pairs**: band keys shuffled by key, packed (one binary row per
   batch and key range, not one row per key), each partition's buckets turned into pairs
   (buckets over `max_bucket` chained, linear, as the CLI does; of exact copies only the
   first takes part), distinct;
4. **verify**: each candidate joined with both texts (read once), exact Jaccard computed
   (`mapInArrow`); only verified pairs survive;
5. **connected components** of the verified pairs and of each copy to its first copy:
   large-star / small-star iterations on DataFrames, lineage cut by a checkpoint each round
   (linear in the copies: 20,000 copies of one page are 20,000 edges, not their pairs);
6. **keep**: the first (or longest, or earliest) document of each cluster is kept; the result is joined
   back onto the input.

:func:`pairs` lists pairs as the CLI does: a group of exact copies as a star on its first
copy, each verified pair of first copies once. With ``all_pairs=True`` (``--all-pairs``)
each verified pair stands for every pair of their copies, and every exact group gives all
its pairs (a star past `max_bucket`).

Input order decides "first": it is the order Spark reads the rows in
(`monotonically_increasing_id`, which follows partition order), so the same input gives the
same answer whatever the partitioning. Give ``order=`` a column to decide it yourself. The
stages read the documents more than once: a frame that reads the same again (files or local
data, projected and filtered) is read from its source each time; any other is copied once
first, with its numbers (`localCheckpoint`).
"""

from __future__ import annotations

import logging
from typing import Any, Iterator

import pyarrow as pa

from . import batch as _batch

__all__ = ["dedup", "pairs", "dedup_with_pairs", "fingerprint_schema"]

_ORD = "_reprint_ord"
_ID = "_reprint_id"

#: Up to this many documents in clusters, their marks are broadcast to the documents.
BROADCAST_MARKS = 5_000_000

#: About this many bytes of band keys (24 per key of a first copy) per bucket task.
_BUCKET_BYTES = 64 << 20


def _settings(threshold, shingle_size, shingle_unit, options) -> dict[str, Any]:
    d = dict(threshold=threshold, shingle_size=shingle_size, shingle_unit=shingle_unit)
    d.update(options)
    return d


#: Progress of a run (stages and the number of connected-component rounds) at INFO level.
log = logging.getLogger("reprint_rs.spark")


def _stage(sc, name: str) -> None:
    sc.setJobDescription(f"reprint: {name}")


class _Plan:
    """The frames of one deduplication: documents with their order, pairs, components."""

    def __init__(self, df, text, id, threshold, keep, max_bucket, shingle_size, shingle_unit,
                 order, options, all_pairs=False, date="date"):
        from pyspark.sql import functions as F

        if text not in df.columns:
            raise ValueError(f"no text column {text!r}; the columns are: {', '.join(df.columns)}")
        if id not in df.columns:
            raise ValueError(f"no id column {id!r}; the columns are: {', '.join(df.columns)}")
        if keep not in ("first", "longest", "earliest"):
            raise ValueError(f"keep must be 'first', 'longest' or 'earliest', got {keep!r}")
        if date and date not in df.columns and date != "date":
            raise ValueError(f"no date column {date!r}; the columns are: {', '.join(df.columns)}")
        # The date column (when there is one): "earliest" reads it, else a date header line.
        self.date = date if date and date in df.columns else None
        if max_bucket < 2:
            raise ValueError("max_bucket must be at least 2")
        self.spark = df.sparkSession
        self.sc = self.spark.sparkContext
        self.text, self.id, self.keep, self.max_bucket = text, id, keep, max_bucket
        self.list_all = bool(all_pairs)
        self.settings = _settings(threshold, shingle_size, shingle_unit, options)
        # Fail early, on the driver, for a bad setting (and learn the number of bands).
        probe = _batch.fingerprints(["reprint checks its settings on this line"], **self.settings)
        self.bands = max(len(probe.column("band_keys")[0]), 1)
        ordered = df.withColumn(_ORD, F.col(order).cast("long") if order else F.monotonically_increasing_id())
        # The numbering must not change between the stages that read the documents: a
        # source that reads the same rows in the same order again (files, local data) is
        # read again; anything else is copied once, numbered (a local checkpoint).
        copy = not _rereadable(df, by_column=order is not None)
        log.info("documents %s", "copied once (a local checkpoint)" if copy else "read again from the source")
        self.docs = ordered.localCheckpoint(eager=True) if copy else ordered

    # -- 1. fingerprints -----------------------------------------------------------------
    def fingerprints(self):
        from pyspark.sql import functions as F
        from pyspark.sql.types import StructField, StructType

        settings, text = self.settings, self.text

        def fingerprint(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for b in batches:
                fp = _batch.fingerprints(b.column(1), threads=1, **settings)
                yield pa.RecordBatch.from_arrays(
                    [b.column(0), b.column(2), fp.column("tokens").combine_chunks(),
                     fp.column("shingles").combine_chunks(), fp.column("exact").combine_chunks(),
                     fp.column("band_keys").combine_chunks()],
                    names=[_ORD, _ID, "tokens", "shingles", "exact", "band_keys"],
                )

        _stage(self.sc, "fingerprint documents")
        # The ids ride along, so that naming the pairs and the kept copies reads them here
        # (a few bytes a document, kept) rather than the collection again.
        fields = list(_fingerprint_struct().fields)
        fields.insert(1, StructField(_ID, self.docs.schema[self.id].dataType))
        cols = [F.col(_ORD), F.col(text), F.col(self.id).alias(_ID)]
        return self.docs.select(*cols).mapInArrow(fingerprint, StructType(fields)).localCheckpoint(eager=True)

    def days(self):
        """Each document's date in days (null when unknown), as `--keep earliest` reads it."""
        text, date = self.text, self.date

        def days(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for b in batches:
                d = _batch.days(b.column(text), b.column(date) if date else None)
                yield pa.RecordBatch.from_arrays([b.column(_ORD), d.column("days").combine_chunks()],
                                                 names=[_ORD, "days"])

        _stage(self.sc, "read document dates")
        cols = [_ORD, text] + ([date] if date else [])
        return self.docs.select(*cols).mapInArrow(days, f"{_ORD} long, days long")

    def run(self):
        from pyspark.sql import functions as F

        fp = self.fp = self.fingerprints()
        max_bucket = self.max_bucket

        # -- 2. exact groups ---------------------------------------------------------------
        _stage(self.sc, "group exact copies")
        grouped = fp.where("tokens > 0")
        # Groups of two or more copies only (a document alone has no copy to pair with):
        # their members, kept once (every later step reads them).
        groups = (grouped.groupBy("exact").agg(F.min(_ORD).alias("first"), F.count("*").alias("n"))
                  .where("n > 1"))
        members = (grouped.join(groups, "exact")
                   .select(F.col("first"), F.col(_ORD).alias("member"), "n", "shingles")
                   .localCheckpoint(eager=True))
        # All pairs of a group only when asked for (and up to max_bucket copies); else a
        # star on the first copy, as the CLI lists them.
        all_up_to = max_bucket if self.list_all else 1
        star = (members.where((F.col("n") > all_up_to) & (F.col("member") != F.col("first")))
                .select(F.col("first").alias("a"), F.col("member").alias("b"), F.col("shingles").alias("len")))
        if self.list_all:
            small = members.where(F.col("n") <= all_up_to)
            exact_all = (small.alias("x").join(small.alias("y"), "first")
                         .where(F.col("x.member") < F.col("y.member"))
                         .select(F.col("x.member").alias("a"), F.col("y.member").alias("b"),
                                 F.col("x.shingles").alias("len")))
            listed = exact_all.unionByName(star)
        else:
            listed = star
        exact_pairs = listed.select(
            "a", "b",
            # Exact copies: 1.0 whatever their shingles (as the CLI writes them).
            F.lit(1.0).alias("jaccard"),
            F.lit(1.0).alias("containment_a_in_b"),
            F.lit(1.0).alias("containment_b_in_a"),
            F.lit(True).alias("exact"),
            F.col("len").alias("shared_shingles"), F.col("len").alias("shingles_a"),
            F.col("len").alias("shingles_b"),
        )

        # -- 3. LSH buckets → candidate pairs ----------------------------------------------
        # Each document's band keys go to the partition of their key, packed: one binary row
        # per (fingerprint batch, part) holding (key, exact, document) triples, so Spark moves
        # a few large rows instead of one row per key (20 per document), and no row crosses
        # between the JVM and Python one by one. A bucket keeps only the first of its exact
        # copies (`copies=`): copies share every band key, so no join with the groups first.
        _stage(self.sc, "LSH buckets to candidate pairs")
        n = grouped.count()
        parts = max(self.sc.defaultParallelism, -(-n * self.bands * 24 // _BUCKET_BYTES), 1)
        spread = parts * 8  # parts per partition ~8: an even load whatever the hash of a part

        def pack(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            import numpy as np
            import pyarrow.compute as pc

            for b in batches:
                lists = b.column("band_keys")
                keys = pc.list_flatten(lists).to_numpy()
                row = pc.list_parent_indices(lists).to_numpy()
                exact = b.column("exact").to_numpy()[row]
                ords = b.column(_ORD).to_numpy()[row]
                # Multiply-shift of the key's low 32 bits (its hash; the band is above).
                part = ((keys.view(np.uint64) & np.uint64(0xFFFFFFFF)) * np.uint64(spread)) >> np.uint64(32)
                order = np.argsort(part, kind="stable")
                bounds = np.searchsorted(part[order], np.arange(spread + 1))
                ids, blobs = [], []
                for p in range(spread):
                    sel = order[bounds[p]:bounds[p + 1]]
                    if len(sel):
                        ids.append(p)
                        blobs.append(np.concatenate([keys[sel], exact[sel], ords[sel]]).tobytes())
                yield pa.RecordBatch.from_arrays([pa.array(ids, pa.int32()), pa.array(blobs, pa.binary())],
                                                 names=["part", "blob"])

        def bucket(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            import numpy as np

            # Every key of this partition's parts is here: all its rows at once.
            runs = [np.frombuffer(x, dtype=np.int64).reshape(3, -1)
                    for b in batches for x in b.column("blob").to_pylist()]
            if not runs:
                return
            key, exact, doc = np.concatenate(runs, axis=1)
            out = _batch.candidate_pairs(pa.array(doc), pa.array(key), max_bucket=max_bucket,
                                         copies=pa.array(exact))
            yield from out.to_batches()

        packed = grouped.select(_ORD, "exact", "band_keys").mapInArrow(pack, "part int, blob binary")
        candidates = packed.repartition(parts, "part").mapInArrow(bucket, "a long, b long").distinct()

        # -- 4. verify ---------------------------------------------------------------------
        candidates = candidates.localCheckpoint(eager=True)
        _stage(self.sc, "verify candidate pairs (exact Jaccard)")
        # Only the texts of documents in some candidate pair travel: the set of them is
        # small next to the collection, so it is broadcast and the texts filtered in place.
        involved = (candidates.select(F.col("a").alias(_ORD))
                    .unionByName(candidates.select(F.col("b").alias(_ORD))).distinct())
        # Read once (the two joins would each scan the collection) and kept for both.
        texts = (self.docs.select(F.col(_ORD), F.col(self.text).alias("t"))
                 .join(F.broadcast(involved), _ORD, "left_semi").localCheckpoint(eager=True))
        joined = (candidates.join(texts.select(F.col(_ORD).alias("a"), F.col("t").alias("ta")), "a")
                  .join(texts.select(F.col(_ORD).alias("b"), F.col("t").alias("tb")), "b"))
        settings = self.settings

        def verify(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for b in batches:
                v = _batch.verify_pairs(b.column("ta"), b.column("tb"), threads=1, **settings)
                cols = [b.column("a"), b.column("b")] + [v.column(c).combine_chunks() for c in v.column_names]
                yield pa.RecordBatch.from_arrays(cols, names=["a", "b"] + v.column_names)

        near = (joined.mapInArrow(verify, "a long, b long, jaccard double, containment_a_in_b double, "
                                  "containment_b_in_a double, exact boolean, shared_shingles long, "
                                  "shingles_a long, shingles_b long, duplicate boolean")
                .where("duplicate").drop("duplicate"))

        self.near = near.localCheckpoint(eager=True)
        self.members = members.select("first", "member")
        self.exact_pairs = exact_pairs
        return self

    def all_pairs(self):
        """Every pair the CLI reports: exact groups' pairs, and each verified pair of first
        copies (for every pair of their copies with ``all_pairs=True``)."""
        from pyspark.sql import functions as F

        if not self.list_all:
            return self.exact_pairs.unionByName(self.near.select(
                "a", "b", "jaccard", "containment_a_in_b", "containment_b_in_a", "exact",
                "shared_shingles", "shingles_a", "shingles_b"))

        _stage(self.sc, "expand verified pairs to exact copies")
        mem = self.members
        # A first copy stands for every copy of its group (itself included); a document
        # with no copy (no row in the groups) for itself.
        ex = (self.near.join(mem.select(F.col("first").alias("a"), F.col("member").alias("x")), "a", "left")
              .join(mem.select(F.col("first").alias("b"), F.col("member").alias("y")), "b", "left")
              .withColumn("x", F.coalesce("x", "a")).withColumn("y", F.coalesce("y", "b")))
        swap = F.col("x") > F.col("y")
        near_all = ex.select(
            F.least("x", "y").alias("a"), F.greatest("x", "y").alias("b"), "jaccard",
            F.when(swap, F.col("containment_b_in_a")).otherwise(F.col("containment_a_in_b")).alias("containment_a_in_b"),
            F.when(swap, F.col("containment_a_in_b")).otherwise(F.col("containment_b_in_a")).alias("containment_b_in_a"),
            "exact", "shared_shingles",
            F.when(swap, F.col("shingles_b")).otherwise(F.col("shingles_a")).alias("shingles_a"),
            F.when(swap, F.col("shingles_a")).otherwise(F.col("shingles_b")).alias("shingles_b"),
        )
        return self.exact_pairs.unionByName(near_all)

    def mark(self):
        """Clusters and keep decisions: components of the verified pairs of first copies and
        of each copy to its first copy (linear in the copies, never their pairs)."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        fp = self.fp
        edges = self.near.select("a", "b").unionByName(
            self.members.where(F.col("first") != F.col("member"))
            .select(F.col("first").alias("a"), F.col("member").alias("b")))
        # -- 5. connected components -------------------------------------------------------
        _stage(self.sc, "connected components (large-star / small-star)")
        comp, rounds = _components(edges, lambda r: _stage(self.sc, f"connected components, round {r}"))
        self.component_rounds = rounds
        log.info("connected components: %d rounds", rounds)
        # -- 6. keep -----------------------------------------------------------------------
        _stage(self.sc, "keep decisions")
        clusters = (comp.select("root").distinct()
                    .withColumn("cluster", F.row_number().over(Window.orderBy("root")) - 1))
        if self.keep == "first":
            rep = comp.select("root", F.col("root").alias("rep")).distinct()
        else:
            if self.keep == "longest":
                comp = comp.join(fp.select(F.col(_ORD).alias("node"), "tokens"), "node")
                order = [F.col("tokens").desc(), F.col("node")]
            else:  # earliest: undated last, then input order (as the CLI)
                days = self.days().withColumnRenamed(_ORD, "node")
                comp = comp.join(days, "node", "left")
                order = [F.coalesce(F.col("days"), F.lit(2**63 - 1)), F.col("node")]
            w = Window.partitionBy("root").orderBy(*order)
            rep = (comp.withColumn("r", F.row_number().over(w)).where("r = 1")
                   .select("root", F.col("node").alias("rep")))
        self.marks = comp.join(clusters, "root").join(rep, "root").select(
            F.col("node").alias(_ORD), "cluster", "rep")
        return self


def _rereadable(df, by_column: bool) -> bool:
    """Whether reading ``df`` again gives the same rows — and, when they are numbered by
    position (no ``order`` column), in the same order and partitions: deterministic
    projections and filters over files or local data. A shuffle, a join, a sample or a
    source Spark does not describe (Spark Connect) is not: it is copied once instead."""
    try:
        plan = df._jdf.queryExecution().optimizedPlan()
    except Exception:  # no JVM plan to look at (Spark Connect)
        return False
    if by_column:
        return bool(plan.deterministic())

    def same_order(node) -> bool:
        if not node.deterministic():
            return False
        name = node.nodeName()
        if name in ("Project", "Filter"):
            children = node.children()
            return all(same_order(children.apply(i)) for i in range(children.size()))
        if name == "LogicalRelation":  # files; not JDBC or another relation's own order
            return node.relation().getClass().getSimpleName() == "HadoopFsRelation"
        return name == "LocalRelation"

    return same_order(plan)


def _fingerprint_struct():
    from pyspark.sql.types import _parse_datatype_string

    return _parse_datatype_string(fingerprint_schema())


def fingerprint_schema() -> str:
    """The schema of the fingerprint stage (the id column, of the frame's own type, rides
    along after the first): hashes as signed 64-bit (`long`), always given explicitly (Spark
    silently corrupts unsigned 64-bit values in an inferred column)."""
    return f"{_ORD} long, tokens long, shingles long, exact long, band_keys array<long>"


def _components(edges, on_round=lambda r: None):
    """Connected components of undirected edges (a, b): every node with its component's
    smallest node, by alternating large-star and small-star until the edges are stars on
    their components' smallest nodes (Kiveris et al., 2014). Returns them with the number
    of rounds it took."""
    from pyspark.sql import functions as F

    e = edges.select(F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v")).distinct()
    e = e.localCheckpoint(eager=True)
    rounds = 0
    for _ in range(100):
        rounds += 1
        on_round(rounds)
        # Large star: each node's larger neighbours attach to its smallest neighbour (or it).
        both = e.unionByName(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
        m = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
        large = (both.join(m, "u").where(F.col("v") > F.col("u"))
                 .select(F.col("v").alias("u"), F.col("m").alias("v")).distinct())
        # Small star: each node and its smaller neighbours attach to the smallest of them.
        m = large.groupBy("u").agg(F.min("v").alias("m"))
        small = (large.join(m, "u").where(F.col("v") != F.col("m"))
                 .select(F.col("v").alias("u"), F.col("m").alias("v"))
                 .unionByName(m.select("u", F.col("m").alias("v")))
                 .select(F.greatest("u", "v").alias("u"), F.least("u", "v").alias("v"))
                 .where(F.col("u") != F.col("v")).distinct())
        e = small.localCheckpoint(eager=True)
        # Done when the edges are stars on their smallest nodes: no node has two parents
        # and no parent has one (every edge's v a root). One query over the kept edges,
        # often a round before the edges stop changing.
        parents = e.groupBy("u").agg(F.count("*").alias("k"))
        unfinished = (parents.where("k > 1").select("u")
                      .unionByName(e.join(parents.select(F.col("u").alias("v")), "v", "left_semi")
                                   .select("u")))
        if unfinished.limit(1).count() == 0:
            break
    else:
        raise RuntimeError("connected components did not converge in 100 rounds")
    nodes = e.select(F.col("u").alias("node"), F.col("v").alias("root"))
    roots = e.select(F.col("v").alias("node"), F.col("v").alias("root")).distinct()
    return nodes.unionByName(roots).distinct(), rounds


def _marked(plan, df):
    from pyspark.sql import functions as F

    ids = plan.fp.select(F.col(_ORD).alias("rep"), F.col(_ID).alias("duplicate_of"))
    marks = plan.marks.join(ids, "rep", "left").localCheckpoint(eager=True)
    # Marks exist only for documents with a duplicate: when there are few enough, they are
    # broadcast, and the documents (texts and all) are marked where they lie, unshuffled.
    if marks.count() <= BROADCAST_MARKS:
        marks = F.broadcast(marks)
    out = plan.docs.join(marks, _ORD, "left")
    return out.select(
        *[F.col(c) for c in df.columns],
        F.col("cluster").cast("long").alias("cluster"),
        (F.col("rep").isNull() | (F.col("rep") == F.col(_ORD))).alias("keep"),
        F.when(F.col("rep") != F.col(_ORD), F.col("duplicate_of")).alias("duplicate_of"),
    )


def _pairs(plan):
    from pyspark.sql import functions as F

    fp = plan.fp
    p = (plan.all_pairs().join(fp.select(F.col(_ORD).alias("a"), F.col(_ID).alias("a_id")), "a")
         .join(fp.select(F.col(_ORD).alias("b"), F.col(_ID).alias("b_id")), "b"))
    return p.orderBy("a", "b").select(
        F.col("a_id").alias("a"), F.col("b_id").alias("b"), "jaccard", "containment_a_in_b",
        "containment_b_in_a", "exact", "shared_shingles", "shingles_a", "shingles_b")


def dedup(df, text: str = "text", id: str = "id", threshold: float = 0.8, keep: str = "first",
          max_bucket: int = 200, shingle_size: int = 5, shingle_unit: str = "word",
          order: str | None = None, date: str | None = "date", **options: Any):
    """``df`` with ``cluster`` (null for a document without duplicates, as in the CLI),
    ``keep`` and ``duplicate_of`` (the kept document's id) added. ``keep``: ``"first"`` (in
    input order), ``"longest"`` or ``"earliest"`` (by the ``date`` column — ISO 8601
    strings, dates or timestamps — or a ``date YYYY-MM-DD`` first line; undated last, ties
    in input order). Settings as in :func:`reprint_rs.dedup`."""
    plan = _Plan(df, text, id, threshold, keep, max_bucket, shingle_size, shingle_unit, order,
                 options, date=date).run().mark()
    return _marked(plan, df)


def pairs(df, text: str = "text", id: str = "id", threshold: float = 0.8, max_bucket: int = 200,
          shingle_size: int = 5, shingle_unit: str = "word", order: str | None = None,
          all_pairs: bool = False, **options: Any):
    """The verified pairs with the CLI's columns: ``a``, ``b`` (ids, ``a`` first in input
    order), ``jaccard``, ``containment_a_in_b``, ``containment_b_in_a``, ``exact``,
    ``shared_shingles``, ``shingles_a``, ``shingles_b``. As the CLI lists them: a group of
    exact copies as a star on its first copy and a near pair once, between first copies;
    ``all_pairs=True`` lists every pair (``reprint dedup --all-pairs``)."""
    plan = _Plan(df, text, id, threshold, "first", max_bucket, shingle_size, shingle_unit, order,
                 options, all_pairs).run()
    return _pairs(plan)


def dedup_with_pairs(df, text: str = "text", id: str = "id", threshold: float = 0.8,
                     keep: str = "first", max_bucket: int = 200, shingle_size: int = 5,
                     shingle_unit: str = "word", order: str | None = None,
                     all_pairs: bool = False, date: str | None = "date", **options: Any):
    """Both :func:`dedup`'s marked frame and :func:`pairs`, from one pass over the data
    (what `reprint dedup` writes)."""
    plan = _Plan(df, text, id, threshold, keep, max_bucket, shingle_size, shingle_unit, order,
                 options, all_pairs, date=date).run().mark()
    return _marked(plan, df), _pairs(plan)
