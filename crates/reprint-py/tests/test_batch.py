"""The batch functions, chained as a distributed engine would chain them, give the pairs and
clusters of the one-call function (and so of the CLI)."""

from collections import defaultdict

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import reprint_rs as rp
from reprint_rs import batch


def dedup_by_batches(texts, all_pairs):
    """Exact groups by hash first, LSH candidates among first copies, exact verification,
    then the pairs listed as the CLI lists them: a star on each group's first copy and near
    pairs between first copies, or (``all_pairs``) every copy with its first copy's pairs."""
    fp = batch.fingerprints(texts)
    exact = fp.column("exact").to_pylist()
    tokens = fp.column("tokens").to_pylist()
    groups = defaultdict(list)
    for i, (h, t) in enumerate(zip(exact, tokens)):
        if t > 0:
            groups[h].append(i)
    first = {i: g[0] for g in groups.values() for i in g}
    firsts = sorted(set(first.values()))
    # Band keys of first copies, exploded: (doc, key) rows, as Spark would shuffle them.
    keys = fp.column("band_keys").take(pa.array(firsts))
    lengths = pc.list_value_length(keys).to_pylist()
    docs = [d for d, n in zip(firsts, lengths) for _ in range(n)]
    cand = batch.candidate_pairs(docs, pc.list_flatten(keys))
    a, b = cand.column("a").to_pylist(), cand.column("b").to_pylist()
    checked = batch.verify_pairs([texts[i] for i in a], [texts[i] for i in b])
    keep = checked.column("duplicate").to_pylist()
    near = [(x, y) for x, y, k in zip(a, b, keep) if k]
    copies = defaultdict(list)
    for i, f in first.items():
        copies[f].append(i)
    pairs = set()
    if not all_pairs:
        for g in groups.values():
            pairs |= {(g[0], y) for y in g[1:]}
        return sorted(pairs | set(near))
    for g in groups.values():
        pairs |= {(x, y) for n, x in enumerate(g) for y in g[n + 1 :]}
    for x, y in near:
        pairs |= {(min(p, q), max(p, q)) for p in copies[x] for q in copies[y]}
    return sorted(pairs)


@pytest.mark.parametrize("all_pairs", [False, True])
def test_batches_give_the_one_call_pairs_and_clusters(newsgroups, all_pairs):
    texts = [d["text"] for d in newsgroups]
    whole = rp.dedup(texts, threads=1, all_pairs=all_pairs)
    expect = sorted((int(a), int(b)) for a, b in zip(whole.pairs.column("a").to_pylist(),
                                                     whole.pairs.column("b").to_pylist()))
    got = dedup_by_batches(texts, all_pairs)
    assert got == expect
    comps = batch.connected_components([a for a, _ in got], [b for _, b in got])
    by_root = defaultdict(list)
    for node, root in zip(comps.column("node").to_pylist(), comps.column("component").to_pylist()):
        by_root[root].append(str(node))
    clusters = sorted(sorted(m, key=int) for m in by_root.values())
    assert clusters == sorted(sorted(c, key=int) for c in whole.clusters.column("members").to_pylist())


def test_verify_pairs_matches_the_pair_records(seeds):
    ids, texts = seeds
    r = rp.dedup(texts, ids=ids).pairs.to_pylist()[0]
    v = batch.verify_pairs([texts[ids.index(r["a"])]], [texts[ids.index(r["b"])]]).to_pylist()[0]
    for k in ("jaccard", "containment_a_in_b", "containment_b_in_a", "exact", "shared_shingles"):
        assert v[k] == r[k], k
    assert v["duplicate"]


def test_band_keys_are_int64_and_deterministic(seeds):
    _, texts = seeds
    one = batch.fingerprints(texts)
    two = batch.fingerprints(texts, threads=2)
    assert one.equals(two)
    assert one.schema.field("exact").type == pa.int64()
    assert one.schema.field("band_keys").type == pa.list_(pa.int64())
    bands = {k >> 32 for k in one.column("band_keys")[0].as_py()}
    assert bands == set(range(len(one.column("band_keys")[0])))


def test_oversized_buckets_are_chained():
    # One bucket of 6 documents with max_bucket 3: a chain plus a star, not 15 pairs.
    got = batch.candidate_pairs([5, 1, 4, 2, 3, 6], [9] * 6, max_bucket=3).to_pylist()
    assert [(p["a"], p["b"]) for p in got] == [
        (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (2, 3), (3, 4), (4, 5), (5, 6)
    ]


def test_only_the_first_copy_in_a_bucket_takes_part():
    # Documents 1, 4 and 7 are copies (group 100), 2 and 5 copies (group 200), 3 alone: in
    # each bucket only 1 and 2 stand for their groups.
    docs = [4, 1, 7, 2, 5, 3, 4, 1, 2]
    keys = [9, 9, 9, 9, 9, 9, 8, 8, 8]
    copies = [100, 100, 100, 200, 200, 300, 100, 100, 200]
    got = batch.candidate_pairs(docs, keys, copies=copies).to_pylist()
    assert [(p["a"], p["b"]) for p in got] == [(1, 2), (1, 3), (2, 3)]
    # Without the groups, every document takes part.
    assert batch.candidate_pairs(docs, keys).num_rows == 15
    with pytest.raises(ValueError, match="docs has 9 values and copies 1"):
        batch.candidate_pairs(docs, keys, copies=[1])


def test_batch_functions_refuse_bad_input():
    with pytest.raises(ValueError, match=r"record 1: text is None"):
        batch.fingerprints(["a b c", None])
    with pytest.raises(TypeError, match="int64"):
        batch.candidate_pairs(["x"], [1])
    with pytest.raises(ValueError, match="docs has 2 values and keys 1"):
        batch.candidate_pairs([1, 2], [3])
    with pytest.raises(ValueError, match="a_texts has 1 values and b_texts 2"):
        batch.verify_pairs(["a"], ["b", "c"])


def _reuse_by_batches(texts, max_df=50, min_shared=3):
    """The reuse level chained from the batch functions, as a distributed driver would."""
    seeds = batch.reuse_seeds(texts).to_pydict()
    by_seed = defaultdict(list)
    key = {}
    for d, s, k in zip(seeds["doc"], seeds["seed"], seeds["key"]):
        by_seed[s].append(d)
        key[d] = k
    votes = defaultdict(int)
    for docs in by_seed.values():
        if len(docs) > max_df:  # a frequent seed: a chain in content order
            docs = sorted(docs, key=lambda d: (key[d] & (2**64 - 1), d))
            links = zip(docs, docs[1:])
        else:
            docs = sorted(docs)
            links = ((x, y) for i, x in enumerate(docs) for y in docs[i + 1:])
        for x, y in links:
            votes[(min(x, y), max(x, y))] += 1
    pairs = sorted(p for p, v in votes.items() if v >= min_shared)
    al = batch.align_pairs([texts[a] for a, _ in pairs], [texts[b] for _, b in pairs]).to_pydict()
    return sorted(
        (pairs[i][0], pairs[i][1], al["a_start"][r], al["a_end"][r], al["b_start"][r],
         al["b_end"][r], al["identity"][r], al["matched_words"][r])
        for r, i in enumerate(al["pair"])
    )


def test_reuse_batches_give_the_one_call_alignments(seeds, newsgroups):
    for ids, texts in [seeds, ([d["id"] for d in newsgroups[:4000]],
                               [d["text"] for d in newsgroups[:4000]])]:
        pos = {i: n for n, i in enumerate(ids)}
        want = sorted(
            (pos[a["a"]], pos[a["b"]], a["a_start"], a["a_end"], a["b_start"], a["b_end"],
             a["identity"], a["matched_words"])
            for a in rp.reuse(texts, ids=ids).alignments.to_pylist()
        )
        assert want, "the corpus has reused passages"
        assert _reuse_by_batches(texts) == want
    assert batch.reuse_seeds(["a b c d e f"]).column("seed").type == pa.int64()
    with pytest.raises(ValueError, match="seed_n"):
        batch.reuse_seeds(["x"], seed_n=1)
