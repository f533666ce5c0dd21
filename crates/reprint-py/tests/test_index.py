"""The persistent index from Python: batches, queries, removal and reopening give the
answers of the one-call functions."""

import pytest

import reprint_rs as rp


def test_seeds_one_by_one(tmp_path, seeds):
    ids, texts = seeds
    with rp.Index.create(tmp_path / "ix", levels=["dedup", "reuse", "stories"]) as ix:
        found = [ix.add([i], [t]) for i, t in zip(ids, texts)]
        assert len(ix) == 5
    # 001 arrives after 000: it is its near-duplicate.
    pairs = found[1].pairs.to_pylist()
    assert [(p["a"], p["b"]) for p in pairs] == [(ids[0], ids[1])]
    # 004 pastes 003's background paragraph, sliced out of the Python string.
    al = [a for a in found[4].alignments.to_pylist() if a["a"] == ids[3]]
    assert al and texts[3][al[0]["a_char_start"] : al[0]["a_char_end"]] == al[0]["a_text"]
    assert texts[4][al[0]["b_char_start"] : al[0]["b_char_end"]] == al[0]["b_text"]
    # 002 joins 000's story.
    story = {a["doc"]: a["story"] for f in found for a in f.story_assignments.to_pylist()}
    assert story[ids[2]] == story[ids[0]] != story[ids[3]]


def test_batches_query_remove_reopen_equal_one_call(tmp_path, newsgroups):
    docs = newsgroups[:6000]
    ids = [d["id"] for d in docs]
    texts = [d["text"] for d in docs]
    path = tmp_path / "ng"
    with rp.Index.create(path) as ix:
        for start in range(0, len(docs), 1500):
            ix.add(ids[start : start + 1500], texts[start : start + 1500])
    # Reopened, the whole index gives what dedup gives for the same documents.
    with rp.Index.open(path) as ix:
        assert len(ix) == len(docs)
        whole = rp.dedup(texts, ids=ids)
        exported = ix.export()
        assert exported.pairs.to_pylist() == whole.pairs.to_pylist()
        assert exported.clusters.to_pylist() == whole.clusters.to_pylist()
        assert exported.documents.to_pylist() == whole.documents.to_pylist()
        # A query finds the probe's cluster (an exact copy: paired with the first copy of
        # its text, as pairs are listed), and stores nothing.
        dup = whole.pairs.to_pylist()[0]
        q = ix.query([texts[ids.index(dup["b"])]], ["probe"])
        cluster = {d["id"]: d["cluster"] for d in whole.documents.to_pylist()}
        found = {p["a"] for p in q.pairs.to_pylist()}
        assert found and all(cluster[x] == cluster[dup["b"]] for x in found)
        assert all(p["b"] == "probe" and p["exact"] for p in q.pairs.to_pylist())
        assert len(ix) == len(docs)
        assert ix.text(ids[7]) == texts[7]
        got = ix.get(dup["b"])
        assert dup["a"] in {p["a"] for p in got.pairs.to_pylist()}
        assert ix.get("no such id") is None
        # Remove half: the rest is what dedup gives over the rest.
        gone = ids[::2]
        assert ix.remove(gone) == len(gone)
        rest_ids, rest_texts = ids[1::2], texts[1::2]
        rest = rp.dedup(rest_texts, ids=rest_ids)
        exported = ix.export()
        assert exported.pairs.to_pylist() == rest.pairs.to_pylist()
        assert exported.clusters.to_pylist() == rest.clusters.to_pylist()
        stats = ix.stats()
        assert stats["documents"] == len(rest_ids)
        # The removed half's texts leave the log on compaction; the answers stay.
        done = ix.compact()
        assert done["documents"] == len(rest_ids)
        assert done["bytes_before"] == stats["table_bytes"]["text_log"]
        assert done["bytes_after"] < 0.6 * done["bytes_before"]
        assert ix.export().pairs.to_pylist() == rest.pairs.to_pylist()
        assert ix.text(rest_ids[3]) == rest_texts[3]
    assert ix.closed
    with pytest.raises(ValueError, match="closed"):
        len(ix)


def test_index_refuses_what_it_cannot_do(tmp_path, seeds):
    ids, texts = seeds
    path = tmp_path / "ix"
    with rp.Index.create(path) as ix:
        ix.add(ids[:2], texts[:2])
        with pytest.raises(ValueError, match="already in the index"):
            ix.add(ids[:1], texts[:1])
        r = ix.add(ids[:1], texts[:1], replace=True)
        assert r.documents.num_rows == 1
    with pytest.raises(FileExistsError):
        rp.Index.create(path)
    with pytest.raises(ValueError, match="not a reprint index"):
        rp.Index.open(tmp_path)
    with pytest.raises(ValueError, match="unknown levels"):
        rp.Index.create(tmp_path / "other", levels=["dedup", "topics"])
    # Two handles on one store: the second is refused, not corrupted.
    with rp.Index.open(path) as ix:
        with pytest.raises(RuntimeError, match="open"):
            rp.Index.open(path)
        assert len(ix) == 2
