"""The five seed articles through the package give the CLI's findings."""

import pathlib

import pytest
import reprint_rs as rp


def rows(table):
    return table.to_pylist() if table is not None else []


def passages(table):
    """Passage rows as JSON writes them: a source's absent fields are nulls in Arrow."""
    out = rows(table)
    for p in out:
        p["source"] = {k: v for k, v in p["source"].items() if v is not None}
    return out


def short(id_):
    """Seed ids are file stems (`000_5170db867507de5f`); their number names them here."""
    return id_[:3]


def test_dedup_finds_the_one_tass_story(seeds, seeds_dir, cli):
    ids, texts = seeds
    r = rp.dedup(texts, ids=ids)
    assert r.keep.tolist() == [True, False, True, True, True]
    assert [(short(p["a"]), short(p["b"])) for p in rows(r.pairs)] == [("000", "001")]
    assert [short(m) for m in rows(r.clusters)[0]["members"]] == ["000", "001"]
    doc = rows(r.documents)[1]
    assert (doc["cluster"], doc["keep"], short(doc["duplicate_of"])) == (0, False, "000")
    expect = cli("dedup", str(seeds_dir))
    assert rows(r.pairs) == expect["pair"]
    assert rows(r.clusters) == expect["cluster"]
    assert rows(r.documents) == expect["document"]


def test_reuse_slices_the_shared_paragraph_out_of_python_strings(seeds, seeds_dir, cli):
    ids, texts = seeds
    text_of = dict(zip(ids, texts))
    r = rp.reuse(texts, ids=ids)
    pair = [a for a in rows(r.alignments) if (short(a["a"]), short(a["b"])) == ("003", "004")]
    assert len(pair) == 1
    a = pair[0]
    # Character offsets slice Python strings; byte offsets slice the UTF-8 bytes.
    assert text_of[a["a"]][a["a_char_start"] : a["a_char_end"]] == a["a_text"]
    assert text_of[a["b"]][a["b_char_start"] : a["b_char_end"]] == a["b_text"]
    assert text_of[a["a"]].encode()[a["a_start"] : a["a_end"]].decode() == a["a_text"]
    # The seeds hold curly quotes: characters and bytes differ.
    assert a["a_char_start"] < a["a_start"]
    assert a["a_text"].startswith("The West and Kiev have recently been")
    expect = cli("reuse", str(seeds_dir))
    drop = ("a_char_start", "a_char_end", "b_char_start", "b_char_end")
    assert [{k: v for k, v in x.items() if k not in drop} for x in rows(r.alignments)] == expect["alignment"]
    assert passages(r.passages) == expect["passage"]


def test_stories_groups_the_phone_call(seeds, seeds_dir, cli):
    ids, texts = seeds
    r = rp.stories(texts, ids=ids)
    members = sorted(sorted(short(m) for m in s["members"]) for s in rows(r.stories))
    assert ["000", "001", "002"] in members
    assert ["003"] in members and ["004"] in members
    expect = cli("stories", str(seeds_dir))
    assert rows(r.stories) == expect["story"]
    assert rows(r.story_assignments) == expect["story_assignment"]


def test_analyze_gives_every_level(seeds, seeds_dir, cli):
    ids, texts = seeds
    r = rp.analyze(texts, ids=ids)
    expect = cli("analyze", str(seeds_dir))
    assert rows(r.pairs) == expect["pair"]
    assert passages(r.passages) == expect["passage"]
    assert rows(r.stories) == expect["story"]
    assert r.summary["documents"] == 5
    assert set(r.tables()) == {
        "documents", "pairs", "clusters", "alignments", "passages", "stories", "story_assignments",
    }
    frames = r.to_pandas()
    assert list(frames["pairs"].columns[:3]) == ["a", "b", "jaccard"]


def test_threads_do_not_change_the_answer(seeds):
    ids, texts = seeds
    one = rp.analyze(texts, ids=ids, threads=1)
    two = rp.analyze(texts, ids=ids, threads=2)
    for name, table in one.tables().items():
        assert table.equals(two.tables()[name]), name


def test_batch_stories_do_not_depend_on_the_order(seeds):
    ids, texts = seeds
    def partition(order, **opts):
        r = rp.stories([texts[i] for i in order], ids=[ids[i] for i in order], **opts)
        return sorted(sorted(short(m) for m in s["members"]) for s in rows(r.stories))
    forward = partition(range(5))
    assert forward == partition([4, 2, 0, 3, 1]) == partition([1, 3, 0, 2, 4])
    assert ["000", "001", "002"] in forward
    # A higher link threshold keeps 002 (other wording) apart; the stream ignores it.
    assert ["000", "001"] in partition(range(5), link_threshold=0.6)
    assert partition(range(5), link_threshold=0.6, stream=True) == partition(range(5), stream=True)


def test_stories_with_a_local_model(seeds):
    ids, texts = seeds
    model = pathlib.Path(__file__).resolve().parents[2] / "reprint-embed/tests/fixtures/tiny-model"
    def partition(r):
        return sorted(sorted(short(m) for m in s["members"]) for s in rows(r.stories))
    plain = rp.stories(texts, ids=ids)
    for stream in (False, True):
        r = rp.stories(texts, ids=ids, model=model, stream=stream)
        assert partition(r) == [["000", "001", "002"], ["003"], ["004"]]
        assert r.summary["stories"]["embeddings"]["documents"] == 5
    # The embedding is a feature: 002's score moves with it.
    score = lambda r: next(a["score"] for a in rows(r.story_assignments) if short(a["doc"]) == "002")
    assert score(rp.stories(texts, ids=ids, model=model)) != score(plain)
    # The same through analyze's stories options.
    a = rp.analyze(texts, ids=ids, stories_options={"model": str(model)})
    assert a.summary["stories"]["embeddings"]["source"].startswith("model ")
    with pytest.raises(OSError, match="no/such/model"):
        rp.stories(texts, ids=ids, model="no/such/model")


def _outlets():
    """Three texts: the two TASS ones share a standing paragraph, tass-1 and ria-1 a wire
    paragraph."""
    def words(tag, n):
        return " ".join(f"{tag}{i}" for i in range(n))
    within, across = words("standing", 40), words("wire", 40)
    texts = [
        f"{words('a', 30)} {within} {across}",
        f"{words('b', 30)} {within} {words('c', 30)}",
        f"{words('d', 30)} {across} {words('e', 30)}",
    ]
    return ["tass-1", "tass-2", "ria-1"], texts


def test_reuse_within_a_series_can_be_skipped():
    ids, texts = _outlets()

    def pairs(r):
        return sorted({tuple(sorted((a["a"], a["b"]))) for a in rows(r.alignments)})
    assert pairs(rp.reuse(texts, ids=ids)) == [("ria-1", "tass-1"), ("tass-1", "tass-2")]
    across_only = rp.reuse(texts, ids=ids, series=["TASS", "TASS", 7], skip_same_series=True)
    assert pairs(across_only) == [("ria-1", "tass-1")]
    assert across_only.summary["reuse"]["same_series_pairs_skipped"] == 1
    # A column of a table, and None for a document of no series.
    import pyarrow as pa
    table = pa.table({"id": ids, "text": texts, "outlet": ["TASS", None, "RIA"]})
    assert pairs(rp.reuse(table, series="outlet", skip_same_series=True)) == [
        ("ria-1", "tass-1"), ("tass-1", "tass-2")]
    with pytest.raises(ValueError, match="needs series"):
        rp.reuse(texts, ids=ids, skip_same_series=True)
    with pytest.raises(ValueError, match="series has 2 values"):
        rp.reuse(texts, ids=ids, series=["a", "b"])


def test_an_index_keeps_the_series(tmp_path):
    ids, texts = _outlets()
    series = ["TASS", "TASS", 7]
    one_call = rp.reuse(texts, ids=ids, series=series, skip_same_series=True)

    def pairs(tables):
        return sorted({tuple(sorted((a["a"], a["b"]))) for a in rows(tables)})
    path = tmp_path / "ix"
    with rp.Index.create(path, levels=["dedup", "reuse"],
                         reuse_options={"skip_same_series": True}) as ix:
        ix.add(ids[:1], texts[:1], series=series[:1])
        # A query of the same outlet finds nothing; of another, the pasted paragraph.
        assert pairs(ix.query(texts[1:2], series=["TASS"]).alignments) == []
        assert pairs(ix.query(texts[2:3], series=[7]).alignments) == [("query-0", "tass-1")]
    with rp.Index.open(path) as ix:  # the series survive reopening
        ix.add(ids[1:], texts[1:], series=series[1:])
        assert pairs(ix.export().alignments) == pairs(one_call.alignments) == [("ria-1", "tass-1")]
