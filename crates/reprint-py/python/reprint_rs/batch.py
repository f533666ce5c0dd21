"""Batch functions for distributed engines: the pieces of near-duplicate detection as plain
functions over Arrow columns, with no IO and no threads of their own by default (a Spark or
Ray task is one core). A driver chains them:

1. :func:`fingerprints` per partition → exact hash and LSH band keys (int64) per document;
2. group rows by band key → :func:`candidate_pairs` per group of buckets;
3. join candidate pairs with their texts → :func:`verify_pairs` (exact Jaccard);
4. :func:`connected_components` of the verified pairs (locally, or iterate on the cluster).

Reused passages the same way: :func:`reuse_seeds` per partition → group rows by seed (a
pair sharing ``min_shared_seeds`` seeds is a candidate; a seed in more than ``max_df``
documents links them as a chain in ``key`` order) → :func:`align_pairs` of the candidates
joined with their texts: the alignments the one-call :func:`reprint_rs.reuse` gives.

Hashes are int64 with the same bits as reprint's unsigned hashes: never cast them to
unsigned types, and give Spark an explicit schema.

>>> from reprint_rs import batch
>>> fp = batch.fingerprints(["one two three four five six", "one two three four five six", "x"])
>>> fp.column("exact")[0].as_py() == fp.column("exact")[1].as_py(), len(fp.column("band_keys")[2])
(True, 0)
>>> batch.connected_components([1, 2, 7], [2, 3, 8]).to_pydict()
{'node': [1, 2, 3, 7, 8], 'component': [1, 1, 1, 7, 7]}
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from . import _dates, _native, _strings

__all__ = ["fingerprints", "days", "candidate_pairs", "verify_pairs", "connected_components",
           "reuse_seeds", "align_pairs"]


def _texts(values: Any, what: str) -> pa.ChunkedArray:
    v = _strings(values if isinstance(values, (pa.Array, pa.ChunkedArray)) else list(values), what)
    return pa.chunked_array([v]) if isinstance(v, pa.Array) else v


def _int64(values: Any, what: str) -> pa.ChunkedArray:
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        try:
            values = pa.array(values, type=pa.int64())
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as e:
            raise TypeError(f"{what} must be int64 values: {e}") from None
    if values.type != pa.int64():
        raise TypeError(f"{what} must be int64, got {values.type}")
    return pa.chunked_array([values]) if isinstance(values, pa.Array) else values


def _settings(threshold, containment, shingle_size, shingle_unit, options) -> dict[str, Any]:
    d = dict(threshold=threshold, containment=containment, shingle_size=shingle_size,
             shingle_unit=shingle_unit)
    d.update(options)
    return d


def fingerprints(
    texts: Any,
    *,
    threshold: float = 0.8,
    shingle_size: int = 5,
    shingle_unit: str = "word",
    threads: int = 1,
    **options: Any,
) -> pa.Table:
    """One row per text: ``tokens`` (int64), ``shingles`` (distinct shingles), ``exact`` (int64 hash of the normalized word
    sequence: equal for exact duplicates), ``band_keys`` (list of int64, one per LSH band,
    ``band << 32 | key``; empty for a text of fewer than ``shingle_size`` words). The banding
    follows from ``threshold`` as in the CLI (or ``banding=[bands, rows]``)."""
    return _native.fingerprints(
        _texts(texts, "texts"),
        dedup=_settings(threshold, None, shingle_size, shingle_unit, options),
        threads=threads,
    )


def days(texts: Any, dates: Any = None) -> pa.Table:
    """One row per text: ``days`` (int64 days since 1970-01-01, null when unknown), the date
    ``keep="earliest"`` orders documents by, as the CLI reads it: ``dates`` (ISO 8601
    strings, dates or timestamps), else a ``date YYYY-MM-DD`` first line of the text.

    >>> from reprint_rs import batch
    >>> batch.days(["a", "date 1970-01-03\\nb", "c"], ["1970-01-02", None, None]).to_pydict()
    {'days': [1, 2, None]}
    """
    if dates is not None:
        d = _dates(dates)
        dates = pa.chunked_array([d]) if isinstance(d, pa.Array) else d
    return _native.days(_texts(texts, "texts"), dates)


def candidate_pairs(docs: Any, keys: Any, *, max_bucket: int = 200, copies: Any = None) -> pa.Table:
    """Candidate pairs ``a < b`` (int64, distinct, sorted) from bucket memberships: document
    ``docs[i]`` is in bucket ``keys[i]``. Buckets larger than ``max_bucket`` are linked as a
    chain plus a star (linear), as the CLI does. ``copies`` (e.g. the exact hashes, one per
    row): of the documents with one value only the first (smallest) takes part — copies
    share every bucket, so it is their group's first copy wherever the bucket is formed."""
    return _native.candidate_pairs(_int64(docs, "docs"), _int64(keys, "keys"), max_bucket=max_bucket,
                                   copies=None if copies is None else _int64(copies, "copies"))


def verify_pairs(
    a_texts: Any,
    b_texts: Any,
    *,
    threshold: float = 0.8,
    containment: float | None = None,
    shingle_size: int = 5,
    shingle_unit: str = "word",
    threads: int = 1,
    **options: Any,
) -> pa.Table:
    """Exact verification, row by row: ``jaccard``, ``containment_a_in_b``,
    ``containment_b_in_a``, ``exact``, ``shared_shingles``, ``shingles_a``, ``shingles_b``
    (the CLI's pair columns) and ``duplicate`` (whether the pair is reported)."""
    return _native.verify_pairs(
        _texts(a_texts, "a_texts"),
        _texts(b_texts, "b_texts"),
        dedup=_settings(threshold, containment, shingle_size, shingle_unit, options),
        threads=threads,
    )


def connected_components(a: Any, b: Any) -> pa.Table:
    """Every node of the edges ``(a[i], b[i])``, sorted, with its ``component``: the
    smallest node of its component."""
    return _native.connected_components(_int64(a, "a"), _int64(b, "b"))


def reuse_seeds(texts: Any, *, threads: int = 1, **reuse: Any) -> pa.Table:
    """One row per distinct seed (word ``seed_n``-gram, default 5) of each text: ``doc``
    (the text's row), ``seed`` (int64 hash) and ``key`` (int64 content key, the order of a
    frequent seed's chain). Reuse settings (``seed_n``, ``max_df``, …) as keywords."""
    return _native.reuse_seeds(_texts(texts, "texts"), reuse=reuse, threads=threads)


def align_pairs(a_texts: Any, b_texts: Any, *, threads: int = 1, **reuse: Any) -> pa.Table:
    """The passages each pair of texts shares, as the batch aligns them: one row per passage
    with ``pair`` (the row of the pair), byte offsets ``a_start``, ``a_end``, ``b_start``,
    ``b_end``, ``identity`` and ``matched_words``. Reuse settings (``min_words``,
    ``max_gap``, ``min_identity``, …) as keywords.

    >>> from reprint_rs import batch
    >>> para = " ".join(f"word{i}" for i in range(30))
    >>> batch.align_pairs(["intro " + para], [para + " outro"]).to_pydict()["a_start"]
    [6]
    """
    return _native.align_pairs(
        _texts(a_texts, "a_texts"), _texts(b_texts, "b_texts"), reuse=reuse, threads=threads
    )
