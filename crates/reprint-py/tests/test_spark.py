"""Spark (local mode): the CLI's pairs and clusters, whatever the partitioning or id type."""

import json
import os
import sys

import pytest

from reprint_rs import spark as rps


@pytest.fixture(scope="module")
def session():
    from pyspark.sql import SparkSession  # a test requirement: missing, the test fails

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    s = (SparkSession.builder.master("local[2]").appName("reprint-tests")
         .config("spark.sql.shuffle.partitions", "4")
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
