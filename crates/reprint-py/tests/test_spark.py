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


@pytest.mark.parametrize("partitions", [1, 2, 4])
def test_newsgroups_pairs_and_clusters_equal_the_cli(session, newsgroups, newsgroups_cli, partitions):
    # Input order is the order Spark reads rows in: coalesce keeps the list's order.
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField("id", StringType()), StructField("text", StringType())])
    rows = [(d["id"], d["text"]) for d in newsgroups]
    df = session.createDataFrame(rows, schema).coalesce(1)
    if partitions > 1:
        # Split into ordered ranges: partition i holds a contiguous slice, in order.
        df = session.createDataFrame(rows, schema, ).repartitionByRange(partitions, "id") \
            if False else session.createDataFrame(session.sparkContext.parallelize(rows, partitions), schema)
    got = [r.asDict() for r in rps.pairs(df).collect()]
    assert got == newsgroups_cli["pair"]
    marked = {r["id"]: r for r in rps.dedup(df).collect()}
    for d in newsgroups_cli["document"]:
        m = marked[d["id"]]
        assert (m["cluster"], m["keep"], m["duplicate_of"]) == (d["cluster"], d["keep"], d["duplicate_of"]), d
