"""20 Newsgroups: the same pairs and clusters as `reprint dedup` on the same file, whatever
form the data takes in Python."""

import pyarrow as pa
import pytest

import reprint_rs as rp


@pytest.fixture(scope="module")
def expected(cli, newsgroups_path):
    return cli("dedup", str(newsgroups_path))


def check(result, expected):
    assert result.pairs.to_pylist() == expected["pair"]
    assert result.clusters.to_pylist() == expected["cluster"]
    assert result.documents.to_pylist() == expected["document"]


def test_from_a_list_of_strings(newsgroups, expected):
    texts = [d["text"] for d in newsgroups]
    ids = [d["id"] for d in newsgroups]
    r = rp.dedup(texts, ids=ids)
    check(r, expected)
    assert len(expected["pair"]) > 100  # the collection has real duplicates
    assert r.keep.sum() == len(texts) - r.summary["dropped"]


def test_from_a_pyarrow_table(newsgroups, expected):
    table = pa.Table.from_pylist(newsgroups)
    check(rp.dedup(table), expected)
    # Chunked input (several record batches) reads the same.
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=1000))
    assert chunked.column("text").num_chunks > 1
    check(rp.dedup(chunked), expected)


def test_from_a_pandas_dataframe(newsgroups, expected):
    import pandas as pd  # a test requirement: missing, the test fails
    df = pd.DataFrame(newsgroups)
    r = rp.dedup(df)
    check(r, expected)
    kept = df[r.keep]
    assert len(kept) == sum(d["keep"] for d in expected["document"])
    assert set(kept["id"]) == {d["id"] for d in expected["document"] if d["keep"]}


def test_from_a_hugging_face_dataset(newsgroups, expected):
    import datasets  # a test requirement: missing, the test fails
    ds = datasets.Dataset.from_list(newsgroups)
    check(rp.dedup(ds), expected)


def test_positions_are_the_default_ids(newsgroups):
    texts = [d["text"] for d in newsgroups[:3000]]
    r = rp.dedup(texts)
    assert r.documents.column("id").to_pylist()[:3] == ["0", "1", "2"]
    for p in r.pairs.to_pylist():
        assert int(p["a"]) < int(p["b"])


def test_a_small_memory_budget_spills_and_changes_nothing(newsgroups, tmp_path):
    texts = [d["text"] for d in newsgroups]
    ids = [d["id"] for d in newsgroups]
    whole = rp.reuse(texts, ids=ids)
    spill = tmp_path / "spill"
    spill.mkdir()
    small = rp.reuse(texts, ids=ids, memory_mib=4, spill_dir=spill, threads=1)
    assert whole.summary["reuse"]["seed_index"]["spilled_bytes"] == 0
    assert small.summary["reuse"]["seed_index"]["spilled_bytes"] > 8_000_000
    assert small.summary["memory"]["budget_bytes"] == 4 << 20
    assert whole.passages.num_rows > 100
    assert small.alignments.equals(whole.alignments)
    assert small.passages.equals(whole.passages)
    assert list(spill.iterdir()) == []  # the spill file was unlinked when made
    with pytest.raises(ValueError, match="memory_mib must be a positive integer"):
        rp.dedup(texts[:10], memory_mib=0)
