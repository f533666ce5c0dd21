"""Near-duplicate removal on Ray Data, with the CLI's answers (the same core as on Spark).

>>> from reprint_rs import ray as rpr                                   # doctest: +SKIP
>>> marked = rpr.dedup(ray.data.read_parquet("docs/"), text="text", id="id")   # doctest: +SKIP
>>> marked.filter(expr="keep").write_parquet("kept/")                   # doctest: +SKIP

Stages (each a Ray Data operation, one core per task, no threads of ours):

1. each row gets its place in input order: the dataset's order (kept with `preserve_order`),
   or the integer column ``order=`` — give it for data read from files, since Ray Data's
   readers do not keep the files' row order;
2. **fingerprint** (`map_batches`): exact hash and LSH band keys as int64;
3. **exact groups** (`groupby(exact).map_groups`): only a group's first copy goes on;
4. **LSH buckets → candidate pairs**: band keys hash-partitioned by key, each partition's buckets
   turned into pairs (buckets over `max_bucket` chained, as the CLI does), then made distinct;
5. **verify**: candidates joined with both texts (`Dataset.join`), exact Jaccard (`map_batches`);
6. **clusters and keep**: connected components of the verified pairs and of each copy to its
   first copy, on the driver (linear in the duplicates found, not in the collection), then
   joined back onto the dataset.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import batch as _batch

__all__ = ["dedup", "pairs"]

_ORD = "_reprint_ord"


def _context():
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    return ctx


def _shuffle_settings(ctx, parts: int) -> None:
    # Hash shuffles (groupby, join) with as many partitions as the work has, not Ray's
    # default of 200: on a few cores, hundreds of tiny reduce tasks cost more than the work.
    ctx.default_hash_shuffle_parallelism = parts
    ctx.max_hash_shuffle_aggregators = max(1, min(parts, ctx.max_hash_shuffle_aggregators or parts))


def _parts(n: int | None) -> int:
    import ray

    if n:
        return n
    cpus = int(ray.cluster_resources().get("CPU", 1)) if ray.is_initialized() else 1
    return max(2, 2 * cpus)


class _Plan:
    def __init__(self, ds, text, id, threshold, keep, max_bucket, shingle_size, shingle_unit,
                 partitions, order, options, date="date"):
        import ray.data

        cols = ds.columns()
        if text not in cols:
            raise ValueError(f"no text column {text!r}; the columns are: {', '.join(cols)}")
        if id not in cols:
            raise ValueError(f"no id column {id!r}; the columns are: {', '.join(cols)}")
        if keep not in ("first", "longest", "earliest"):
            raise ValueError(f"keep must be 'first', 'longest' or 'earliest', got {keep!r}")
        if date and date not in cols and date != "date":
            raise ValueError(f"no date column {date!r}; the columns are: {', '.join(cols)}")
        # The date column (when there is one): "earliest" reads it, else a date header line.
        self.date = date if date and date in cols else None
        if max_bucket < 2:
            raise ValueError("max_bucket must be at least 2")
        self.text, self.id, self.keep, self.max_bucket = text, id, keep, max_bucket
        self.settings = dict(threshold=threshold, shingle_size=shingle_size,
                             shingle_unit=shingle_unit, **options)
        _batch.fingerprints([""], **self.settings)  # a bad setting fails here, on the driver
        ctx = _context()
        self.parts = _parts(partitions)
        _shuffle_settings(ctx, self.parts)
        if order is not None:
            if order not in cols:
                raise ValueError(f"no order column {order!r}; the columns are: {', '.join(cols)}")
            self.docs = ds.map_batches(
                lambda t: t.append_column(_ORD, pc.cast(t.column(order), pa.int64())),
                batch_format="pyarrow").materialize()
        else:
            self.docs = _with_order(ds)

    def run(self):
        settings, text, parts, max_bucket = self.settings, self.text, self.parts, self.max_bucket

        def fingerprint(t: pa.Table) -> pa.Table:
            fp = _batch.fingerprints(t.column(text), threads=1, **settings)
            return pa.table({_ORD: t.column(_ORD), "tokens": fp.column("tokens"),
                             "shingles": fp.column("shingles"), "exact": fp.column("exact"),
                             "band_keys": fp.column("band_keys")})

        fp = self.docs.select_columns([_ORD, text]).map_batches(
            fingerprint, batch_format="pyarrow").materialize()
        self.fp = fp

        def group(t: pa.Table) -> pa.Table:
            # Every row of an exact hash is in this group (partitioned by hash): each
            # document with its group's first copy and size; band keys for first copies only.
            t = t.sort_by([("exact", "ascending"), (_ORD, "ascending")])
            exact = t.column("exact").to_numpy()
            ords = t.column(_ORD).to_numpy()
            starts = np.flatnonzero(np.r_[True, exact[1:] != exact[:-1]]) if len(exact) else exact
            sizes = np.diff(np.r_[starts, len(exact)])
            first = pa.array(np.repeat(ords[starts], sizes), pa.int64())
            is_first = pa.array(ords == first.to_numpy())
            none = pa.nulls(t.num_rows, pa.list_(pa.int64()))
            return pa.table({
                "first": first, "member": t.column(_ORD),
                "n": pa.array(np.repeat(sizes, sizes), pa.int64()),
                "shingles": t.column("shingles"),
                "band_keys": pc.if_else(is_first, t.column("band_keys"), none),
            })

        def by_exact(t: pa.Table) -> pa.Table:
            t = t.filter(pc.greater(t.column("tokens"), 0))
            return t.append_column("part", pa.array(
                np.mod(t.column("exact").to_numpy(), parts), pa.int64()))

        self.members = (fp.map_batches(by_exact, batch_format="pyarrow").groupby("part", num_partitions=parts)
                        .map_groups(group, batch_format="pyarrow").materialize())

        def explode(t: pa.Table) -> pa.Table:
            keys = t.column("band_keys")
            lengths = pc.list_value_length(keys).fill_null(0).to_numpy()
            docs = np.repeat(t.column("first").to_numpy(), lengths)
            flat = pc.list_flatten(keys).to_numpy()
            return pa.table({"doc": pa.array(docs, pa.int64()), "key": pa.array(flat, pa.int64()),
                             "part": pa.array(np.mod(flat, parts), pa.int64())})

        keyed = self.members.map_batches(explode, batch_format="pyarrow")

        def buckets(t: pa.Table) -> pa.Table:
            out = _batch.candidate_pairs(t.column("doc"), t.column("key"), max_bucket=max_bucket)
            return out.append_column("part", pa.array(
                (out.column("a").to_numpy() * 31 + out.column("b").to_numpy()) % parts, pa.int64()))

        candidates = keyed.groupby("part", num_partitions=parts).map_groups(buckets, batch_format="pyarrow")

        def distinct(t: pa.Table) -> pa.Table:
            t = t.group_by(["a", "b"]).aggregate([])
            return t.sort_by([("a", "ascending"), ("b", "ascending")])

        candidates = candidates.groupby("part", num_partitions=parts).map_groups(distinct, batch_format="pyarrow")

        texts = self.docs.select_columns([_ORD, text])
        a_texts = texts.map_batches(lambda t: pa.table({"a": t.column(_ORD), "ta": t.column(text)}),
                                    batch_format="pyarrow")
        b_texts = texts.map_batches(lambda t: pa.table({"b": t.column(_ORD), "tb": t.column(text)}),
                                    batch_format="pyarrow")
        joined = (candidates.join(a_texts, "inner", parts, on=("a",))
                  .join(b_texts, "inner", parts, on=("b",)))

        def verify(t: pa.Table) -> pa.Table:
            v = _batch.verify_pairs(t.column("ta"), t.column("tb"), threads=1, **settings)
            out = pa.table({"a": t.column("a"), "b": t.column("b"),
                            **{c: v.column(c) for c in v.column_names}})
            return out.filter(out.column("duplicate")).drop_columns(["duplicate"])

        self.near = joined.map_batches(verify, batch_format="pyarrow").materialize()
        return self

    def _local(self, ds, columns) -> pa.Table:
        tables = [t.select(columns) for t in _tables(ds)]
        if not tables:
            return pa.table({c: pa.array([], pa.int64()) for c in columns})
        return pa.concat_tables(tables)

    def marks(self) -> pa.Table:
        """(ord, cluster, rep) for every document in a cluster."""
        near = self._local(self.near, ["a", "b"])
        mem = self._local(self.members, ["first", "member"])
        copies = mem.filter(pc.not_equal(mem.column("first"), mem.column("member")))
        a = pa.concat_arrays([near.column("a").combine_chunks().cast(pa.int64()),
                              copies.column("first").combine_chunks().cast(pa.int64())])
        b = pa.concat_arrays([near.column("b").combine_chunks().cast(pa.int64()),
                              copies.column("member").combine_chunks().cast(pa.int64())])
        comp = _batch.connected_components(a, b)
        nodes = comp.column("node").to_numpy()
        roots = comp.column("component").to_numpy()
        uniq = np.unique(roots)
        cluster = np.searchsorted(uniq, roots)
        if self.keep == "first":
            rep = roots
        else:
            if self.keep == "longest":
                toks = self._local(self.fp, [_ORD, "tokens"])
                tok = dict(zip(toks.column(_ORD).to_pylist(), toks.column("tokens").to_pylist()))
                rank = {n: -t for n, t in tok.items()}
            else:  # earliest: undated last, then input order (as the CLI)
                text, date = self.text, self.date

                def days(t: pa.Table) -> pa.Table:
                    d = _batch.days(t.column(text), t.column(date) if date else None)
                    return pa.table({_ORD: t.column(_ORD), "days": d.column("days")})

                cols = [_ORD, text] + ([date] if date else [])
                got = self._local(self.docs.select_columns(cols).map_batches(
                    days, batch_format="pyarrow"), [_ORD, "days"])
                rank = {n: (2**63 - 1 if d is None else d)
                        for n, d in zip(got.column(_ORD).to_pylist(), got.column("days").to_pylist())}
            best: dict[int, tuple[int, int]] = {}
            for node, root in zip(nodes.tolist(), roots.tolist()):
                key = (rank[node], node)
                if root not in best or key < best[root]:
                    best[root] = key
            rep = np.array([best[r][1] for r in roots.tolist()], dtype=np.int64)
        return pa.table({_ORD: pa.array(nodes, pa.int64()), "cluster": pa.array(cluster, pa.int64()),
                         "rep": pa.array(rep, pa.int64())})


def _with_order(ds):
    """``ds`` with each row's place in input order: its blocks, in order, each numbered from
    the rows before it (one small task per block)."""
    import ray
    import ray.data

    @ray.remote
    def rows(block: pa.Table) -> int:
        return block.num_rows

    @ray.remote
    def number(block: pa.Table, start: int) -> pa.Table:
        return block.append_column(_ORD, pa.array(np.arange(start, start + block.num_rows), pa.int64()))

    blocks = ds.to_arrow_refs()
    counts = ray.get([rows.remote(b) for b in blocks])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int).tolist() if counts else []
    return ray.data.from_arrow_refs([number.remote(b, s) for b, s in zip(blocks, starts)]).materialize()


def _id_type(plan, id):
    for t in _tables(plan.docs.select_columns([id]).limit(1)):
        return t.schema.field(id).type
    return pa.string()


def _tables(ds):
    import ray

    return [ray.get(ref) for ref in ds.to_arrow_refs()]


def dedup(ds, text: str = "text", id: str = "id", threshold: float = 0.8, keep: str = "first",
          max_bucket: int = 200, shingle_size: int = 5, shingle_unit: str = "word",
          partitions: int | None = None, order: str | None = None, date: str | None = "date",
          **options: Any):
    """``ds`` (a ``ray.data.Dataset``) with ``cluster`` (null for a document without
    duplicates), ``keep`` and ``duplicate_of`` (the kept document's id) added.
    ``keep``: ``"first"``, ``"longest"`` or ``"earliest"`` (by the ``date`` column — ISO
    8601 strings, dates or timestamps — or a ``date YYYY-MM-DD`` first line; undated last,
    ties in order). "First" is the dataset's order, or the column
    ``order`` (integers) when given — give it for data read from files: Ray Data's readers
    do not keep the files' row order. Settings as in :func:`reprint_rs.dedup`."""
    import ray

    plan = _Plan(ds, text, id, threshold, keep, max_bucket, shingle_size, shingle_unit,
                 partitions, order, options, date=date).run()
    marks = plan.marks()
    reps = set(marks.column("rep").to_pylist())
    rep_ids = {}
    for t in _tables(plan.docs.select_columns([_ORD, id])):
        keep_rows = pc.is_in(t.column(_ORD), value_set=pa.array(sorted(reps), pa.int64()))
        sub = t.filter(keep_rows)
        rep_ids.update(zip(sub.column(_ORD).to_pylist(), sub.column(id).to_pylist()))
    by_ord = {o: (c, r) for o, c, r in zip(marks.column(_ORD).to_pylist(),
                                            marks.column("cluster").to_pylist(),
                                            marks.column("rep").to_pylist())}
    by_ord_ref = ray.put(by_ord)
    rep_ref = ray.put(rep_ids)
    id_type = _id_type(plan, id)

    def mark(t: pa.Table, by_ord=by_ord_ref, rep_ids=rep_ref) -> pa.Table:
        by_ord = ray.get(by_ord) if isinstance(by_ord, ray.ObjectRef) else by_ord
        rep_ids = ray.get(rep_ids) if isinstance(rep_ids, ray.ObjectRef) else rep_ids
        ords = t.column(_ORD).to_pylist()
        cl, kp, dup = [], [], []
        for o in ords:
            m = by_ord.get(o)
            if m is None:
                cl.append(None)
                kp.append(True)
                dup.append(None)
            else:
                c, r = m
                cl.append(c)
                kp.append(r == o)
                dup.append(None if r == o else rep_ids[r])
        t = t.drop_columns([_ORD])
        return (t.append_column("cluster", pa.array(cl, pa.int64()))
                .append_column("keep", pa.array(kp, pa.bool_()))
                .append_column("duplicate_of", pa.array(dup, id_type)))

    return plan.docs.map_batches(mark, batch_format="pyarrow")


def pairs(ds, text: str = "text", id: str = "id", threshold: float = 0.8, max_bucket: int = 200,
          shingle_size: int = 5, shingle_unit: str = "word", partitions: int | None = None,
          order: str | None = None, all_pairs: bool = False, **options: Any) -> pa.Table:
    """The verified pairs with the CLI's columns (``a``, ``b`` as ids, ``jaccard``,
    containment both ways, ``exact``, shingle counts), as a ``pyarrow.Table`` sorted as
    the CLI writes them: a group of exact copies as a star on its first copy, each verified
    pair of first copies once. ``all_pairs=True`` (``--all-pairs``): every pair of an exact
    group (a star past ``max_bucket``), and each verified pair of first copies for every
    pair of their copies."""
    plan = _Plan(ds, text, id, threshold, "first", max_bucket, shingle_size, shingle_unit,
                 partitions, order, options).run()
    near = plan._local(plan.near, ["a", "b", "jaccard", "containment_a_in_b", "containment_b_in_a",
                                   "exact", "shared_shingles", "shingles_a", "shingles_b"]).to_pylist()
    mem = plan._local(plan.members, ["first", "member", "n", "shingles"]).to_pylist()
    groups: dict[int, list[dict]] = {}
    for m in mem:
        groups.setdefault(m["first"], []).append(m)
    out = []
    for g in groups.values():
        g.sort(key=lambda m: m["member"])
        n, length = len(g), g[0]["shingles"]
        for i, x in enumerate(g):
            for y in g[i + 1:]:
                if (all_pairs and n <= max_bucket) or i == 0:
                    out.append({"a": x["member"], "b": y["member"], "jaccard": 1.0,
                                "containment_a_in_b": 1.0, "containment_b_in_a": 1.0, "exact": True,
                                "shared_shingles": length, "shingles_a": length, "shingles_b": length})
    for p in near:
        xs = groups[p["a"]] if all_pairs else [{"member": p["a"]}]
        ys = groups[p["b"]] if all_pairs else [{"member": p["b"]}]
        for x in xs:
            for y in ys:
                x_, y_ = x["member"], y["member"]
                swap = x_ > y_
                out.append({
                    "a": min(x_, y_), "b": max(x_, y_), "jaccard": p["jaccard"],
                    "containment_a_in_b": p["containment_b_in_a"] if swap else p["containment_a_in_b"],
                    "containment_b_in_a": p["containment_a_in_b"] if swap else p["containment_b_in_a"],
                    "exact": p["exact"], "shared_shingles": p["shared_shingles"],
                    "shingles_a": p["shingles_b"] if swap else p["shingles_a"],
                    "shingles_b": p["shingles_a"] if swap else p["shingles_b"],
                })
    out.sort(key=lambda p: (p["a"], p["b"]))
    ids = {}
    wanted = pa.array(sorted({p["a"] for p in out} | {p["b"] for p in out}), pa.int64())
    for t in _tables(plan.docs.select_columns([_ORD, id])):
        sub = t.filter(pc.is_in(t.column(_ORD), value_set=wanted))
        ids.update(zip(sub.column(_ORD).to_pylist(), sub.column(id).to_pylist()))
    for p in out:
        p["a"], p["b"] = ids[p["a"]], ids[p["b"]]
    cols = ["a", "b", "jaccard", "containment_a_in_b", "containment_b_in_a", "exact",
            "shared_shingles", "shingles_a", "shingles_b"]
    id_type = _id_type(plan, id)
    types = {"a": id_type, "b": id_type}
    return pa.table({c: pa.array([p[c] for p in out], types.get(c)) for c in cols})
