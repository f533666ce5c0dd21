"""Spark (local mode): the CLI's pairs and clusters, whatever the partitioning or id type."""

import os
import sys

import pytest

from reprint_rs import batch
from reprint_rs import spark as rps


@pytest.fixture(scope="module")
def session():
    from pyspark.sql import SparkSession  # a test requirement: missing, the test fails

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    s = (SparkSession.builder.master("local[2]").appName("reprint-tests")
         .config("spark.sql.shuffle.partitions", "4")
         # The tests' checkpoints (20NG three times, 100k documents) share one JVM.
         .config("spark.driver.memory", "4g")
         .config("spark.ui.enabled", "false")
         .config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.driver.host", "127.0.0.1")
         .getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def newsgroups_cli(cli, newsgroups_path):
    return cli("dedup", str(newsgroups_path))


def frame(session, docs, partitions):
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField("id", StringType()), StructField("text", StringType())])
    return session.createDataFrame([(d["id"], d["text"]) for d in docs], schema).repartition(partitions)


def ordered_frame(session, rows, schema, partitions):
    """A DataFrame of `rows` in this order, split into `partitions` contiguous slices."""
    return session.createDataFrame(session.sparkContext.parallelize(rows, partitions), schema)


@pytest.mark.parametrize("partitions", [1, 2, 4])
def test_newsgroups_pairs_and_clusters_equal_the_cli(session, newsgroups, newsgroups_cli, partitions):
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField("id", StringType()), StructField("text", StringType())])
    df = ordered_frame(session, [(d["id"], d["text"]) for d in newsgroups], schema, partitions)
    got = [r.asDict() for r in rps.pairs(df).collect()]
    assert got == newsgroups_cli["pair"]
    marked = {r["id"]: r for r in rps.dedup(df).collect()}
    assert len(marked) == len(newsgroups)
    for d in newsgroups_cli["document"]:
        m = marked[d["id"]]
        assert (m["cluster"], m["keep"], m["duplicate_of"]) == (d["cluster"], d["keep"], d["duplicate_of"]), d


def test_long_ids_and_keep_longest(session, seeds):
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    ids, texts = seeds
    schema = StructType([StructField("doc", LongType()), StructField("body", StringType())])
    df = ordered_frame(session, [(1000 + i, t) for i, t in enumerate(texts)], schema, 2)
    marked = {r["doc"]: r for r in rps.dedup(df, text="body", id="doc", keep="longest").collect()}
    # 001 (000 with a headline) is the longer copy: it is kept, 000 points to it.
    assert marked[1000]["keep"] is False and marked[1000]["duplicate_of"] == 1001
    assert marked[1001]["keep"] is True and marked[1001]["duplicate_of"] is None
    assert marked[1000]["cluster"] == marked[1001]["cluster"] == 0
    assert all(marked[i]["cluster"] is None for i in (1002, 1003, 1004))
    expect = rp_keep_longest(texts)
    assert [marked[1000 + i]["keep"] for i in range(5)] == expect
    p = rps.pairs(df, text="body", id="doc").collect()
    assert [(r["a"], r["b"]) for r in p] == [(1000, 1001)]
    assert isinstance(p[0]["a"], int)
    fp_schema = rps.fingerprint_schema()
    assert "unsigned" not in fp_schema and "long" in fp_schema


def test_keep_earliest_equals_the_cli(session, dated_newsgroups):
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    docs, expect = dated_newsgroups
    schema = StructType([StructField(c, StringType()) for c in ("id", "text", "date")])
    df = ordered_frame(session, [(d["id"], d["text"], d["date"]) for d in docs], schema, 2)
    # A date column of Spark dates reads as its ISO strings do.
    df = df.withColumn("date", F.to_date("date"))
    marked = {r["id"]: r for r in rps.dedup(df, keep="earliest").collect()}
    got = [(d["id"], marked[d["id"]]["keep"], marked[d["id"]]["duplicate_of"]) for d in expect["document"]]
    assert got == [(d["id"], d["keep"], d["duplicate_of"]) for d in expect["document"]]
    # The earliest copy is not always the first: the setting is exercised.
    first = {r["id"]: r["keep"] for r in rps.dedup(df).collect()}
    assert sum(first[i] != k for i, k, _ in got) > 10


def rp_keep_longest(texts):
    import reprint_rs as rp

    return rp.dedup(texts, keep="longest").keep.tolist()


def test_skewed_input_has_one_cluster(session, seeds, caplog):
    """20,000 copies of one document and 5,000 near-copies: no quadratic work, one cluster,
    in a few component rounds (the count is logged)."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    _, texts = seeds
    base = texts[0]
    words = base.split()
    rows = [(i, base) for i in range(20_000)]
    for k in range(5_000):
        # One word changed near the end: each near-copy is ~0.98 of the base.
        changed = words[:-3] + [f"variant{k}"] + words[-2:]
        rows.append((20_000 + k, " ".join(changed)))
    rows.append((99_999, texts[3]))
    schema = StructType([StructField("id", LongType()), StructField("text", StringType())])
    df = ordered_frame(session, rows, schema, 4)
    caplog.set_level("INFO", logger="reprint_rs.spark")
    marked = rps.dedup(df).groupBy("cluster", "keep").count().collect()
    by = {(r["cluster"], r["keep"]): r["count"] for r in marked}
    assert by == {(0, True): 1, (0, False): 24_999, (None, True): 1}
    rounds = [r.args[0] for r in caplog.records
              if r.name == "reprint_rs.spark" and r.msg.startswith("connected components")]
    assert len(rounds) == 1 and 1 <= rounds[0] <= 15, rounds


@pytest.mark.parametrize("shape", ["random", "small random", "two parents", "paths", "bridged stars"])
def test_components_equal_a_union_find(session, shape):
    """The large-star / small-star rounds stop on stars rooted at each component's smallest
    node: every node gets that node, on graphs whose stars are bridged, long paths in
    scrambled order, and random graphs large and small."""
    import random

    rnd = random.Random(7)
    if shape == "random":
        edges = [(rnd.randrange(3000), rnd.randrange(3000)) for _ in range(2500)]
        edges = [(a, b) for a, b in edges if a != b]
    elif shape == "small random":
        # Hundreds of graphs of 3 to 11 nodes: some pass through edges with no parent a
        # child but a child with two parents (roots of one component, not yet joined).
        edges = []
        for g in range(600):
            n = rnd.randrange(3, 12)
            edges += [(g * 20 + rnd.randrange(n), g * 20 + rnd.randrange(n))
                      for _ in range(rnd.randrange(1, 12))]
        edges = [(a, b) for a, b in edges if a != b]
    elif shape == "two parents":
        # One round leaves 6 with two parents, 0 and 2, neither of them a child: not done.
        edges = [(5, 0), (5, 4), (6, 2), (7, 6), (8, 5), (8, 7), (9, 0), (9, 1)]
    elif shape == "paths":
        edges = []
        for p in range(5):
            nodes = rnd.sample(range(p * 1000, p * 1000 + 1000), 400)
            edges += list(zip(nodes, nodes[1:]))
    else:
        # Two stars whose leaves share a node: one component with two candidate roots.
        edges = [(100, 100 + k) for k in range(1, 50)] + [(10, 200 + k) for k in range(50)]
        edges += [(149, 249), (5, 10)]
    rnd.shuffle(edges)
    df = session.createDataFrame(edges, "a long, b long")
    comp, rounds = rps._components(df)
    got = {r["node"]: r["root"] for r in comp.collect()}
    # The oracle: the package's union-find (the Ray path's components), on the same edges.
    uf = batch.connected_components([a for a, _ in edges], [b for _, b in edges])
    assert got == dict(zip(uf.column("node").to_pylist(), uf.column("component").to_pylist()))
    assert comp.count() == len(got)
    assert 1 <= rounds <= 20


def test_bad_columns_are_named(session):
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField("id", StringType()), StructField("body", StringType())])
    df = ordered_frame(session, [("a", "x y z")], schema, 1)
    with pytest.raises(ValueError, match="no text column 'text'; the columns are: id, body"):
        rps.dedup(df)
    with pytest.raises(ValueError, match="keep must be"):
        rps.dedup(df, text="body", keep="newest")
    with pytest.raises(ValueError, match="no date column 'published'"):
        rps.dedup(df, text="body", keep="earliest", date="published")


def test_generated_100k_equal_the_cli(session, generated):
    df = session.read.parquet(str(generated["parquet"]))
    assert df.rdd.getNumPartitions() > 1
    marked, pairs = rps.dedup_with_pairs(df)
    assert [r.asDict() for r in pairs.collect()] == generated["expect"]["pair"]
    got = {r["id"]: (r["cluster"], r["keep"], r["duplicate_of"]) for r in
           marked.select("id", "cluster", "keep", "duplicate_of").collect()}
    want = {d["id"]: (d["cluster"], d["keep"], d["duplicate_of"]) for d in generated["expect"]["document"]}
    assert got == want


def test_only_sources_that_read_the_same_again_are_read_twice(session, generated):
    # Files (filtered, projected) are read again by the later stages; anything whose rows or
    # order may change between two readings is copied once, numbered.
    from pyspark.sql import functions as F

    df = session.read.parquet(str(generated["parquet"]))
    assert rps._rereadable(df, by_column=False)
    assert rps._rereadable(df.where("length(text) > 10").select("id", "text"), by_column=False)
    assert not rps._rereadable(df.repartition(3), by_column=False)
    assert not rps._rereadable(df.join(df.select("id"), "id"), by_column=False)
    assert not rps._rereadable(df.sample(0.5, seed=1), by_column=False)
    assert not rps._rereadable(ordered_frame(session, [(1, "a")], "id long, text string", 1), by_column=False)
    # Numbered by a column, a join gives the same rows again; a random column does not.
    assert rps._rereadable(df.join(df.select("id"), "id"), by_column=True)
    assert not rps._rereadable(df.withColumn("r", F.rand()), by_column=True)


@pytest.mark.parametrize("all_pairs", [False, True])
def test_exact_groups_are_listed_as_the_cli_lists_them(session, copy_groups, all_pairs):
    from pyspark.sql.types import StringType, StructField, StructType

    docs, star, every = copy_groups
    expect = every if all_pairs else star
    schema = StructType([StructField("id", StringType()), StructField("text", StringType())])
    df = ordered_frame(session, [(d["id"], d["text"]) for d in docs], schema, 2)
    got = [r.asDict() for r in rps.pairs(df, all_pairs=all_pairs).collect()]
    assert got == expect["pair"]
    # 249 + 2 + 3 exact pairs and one near pair as stars; 249 + 3 + 6 and 12 with every pair.
    assert len(got) == (249 + 3 + 6 + 12 if all_pairs else 249 + 2 + 3 + 1)
