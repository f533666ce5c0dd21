"""reprint for Python: near-duplicate documents, reused passages and news stories.

The engine is reprint's Rust core (the same one the ``reprint`` command runs); data goes in
and out as Apache Arrow, without copies through Python objects for Arrow input.

>>> import reprint_rs as rp
>>> r = rp.dedup(["the cat sat on the mat today", "the cat sat on the mat today!", "a dog"])
>>> r.keep.tolist()
[True, False, True]
>>> r.pairs.to_pandas()[["a", "b", "jaccard"]]  # doctest: +SKIP

Inputs (``data``): a list (or any sequence) of strings, with ``ids=`` their ids (default:
their positions ``"0"``, ``"1"``, …); a ``pyarrow.Table`` or ``RecordBatch``; a pandas
DataFrame; a Hugging Face ``datasets.Dataset``; or anything with ``__arrow_c_stream__``
(polars, DuckDB results). Tables name their text column with ``text=`` (default ``"text"``),
their id column with ``id=`` (default ``"id"``, positions when there is none), and
optionally a date column with ``date=`` and a title column with ``title=``.

Ids are returned as strings (an integer id 7 becomes ``"7"``).
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from . import _native
from ._native import __version__

__all__ = [
    "batch",
    "Result",
    "Index",
    "dedup",
    "reuse",
    "stories",
    "analyze",
    "__version__",
]

_TABLES = (
    ("document", "documents"),
    ("pair", "pairs"),
    ("cluster", "clusters"),
    ("alignment", "alignments"),
    ("passage", "passages"),
    ("story", "stories"),
    ("story_assignment", "story_assignments"),
)


class Result:
    """What a call found, as Arrow tables with the columns the ``reprint`` command writes.

    Attributes are ``None`` for levels that did not run:

    - ``documents``: ``id``, ``cluster`` (null without duplicates), ``keep``, ``duplicate_of``
      — one row per input document, in input order;
    - ``pairs``: ``a``, ``b``, ``jaccard``, ``containment_a_in_b``, ``containment_b_in_a``,
      ``exact``, ``shared_shingles``, ``shingles_a``, ``shingles_b``;
    - ``clusters``: ``id``, ``size``, ``members``, ``representative``;
    - ``alignments``: ``a``, ``a_start``, ``a_end`` (byte offsets in UTF-8), ``b``, ``b_start``,
      ``b_end``, ``a_char_start``, ``a_char_end``, ``b_char_start``, ``b_char_end`` (character
      offsets: ``text[a_char_start:a_char_end]`` is the passage), ``identity``,
      ``matched_words``, ``passage``, ``a_text``, ``b_text``;
    - ``passages``: ``id``, ``occurrences`` (list of ``{doc, start, end}``), ``documents``,
      ``boilerplate``, ``source`` (``{basis, doc, tie}``), ``text``;
    - ``stories``: ``id``, ``size``, ``members``, ``first_seen``, ``last_seen``, ``label``,
      ``top_entities``, ``top_terms``;
    - ``story_assignments``: ``doc``, ``story``, ``score``, ``started``, ``date``,
      ``date_basis``.

    ``summary`` is the run's counts and settings (a dict), as in ``summary.json``.
    """

    documents: pa.Table | None
    pairs: pa.Table | None
    clusters: pa.Table | None
    alignments: pa.Table | None
    passages: pa.Table | None
    stories: pa.Table | None
    story_assignments: pa.Table | None
    summary: dict[str, Any]

    def __init__(self, tables: Mapping[str, pa.Table], summary: dict[str, Any] | None = None):
        for kind, attr in _TABLES:
            setattr(self, attr, tables.get(kind))
        self.summary = summary or {}

    @property
    def keep(self):
        """The keep decision of every document in input order, as a NumPy bool array
        (``df[result.keep]`` keeps one document of each duplicate cluster)."""
        if self.documents is None:
            raise ValueError("this result has no documents table (duplicates did not run)")
        return self.documents.column("keep").to_numpy(zero_copy_only=False)

    def tables(self) -> dict[str, pa.Table]:
        """Every table present, by name (``documents``, ``pairs``, …)."""
        return {a: getattr(self, a) for _, a in _TABLES if getattr(self, a) is not None}

    def to_pandas(self) -> dict[str, Any]:
        """Every table present as a pandas DataFrame, by name."""
        return {name: t.to_pandas() for name, t in self.tables().items()}

    def __repr__(self) -> str:
        parts = [f"{name}={t.num_rows}" for name, t in self.tables().items()]
        return f"Result({', '.join(parts)})"


# ---------------------------------------------------------------------------------------
# Input


def _is_pandas(data: Any) -> bool:
    return type(data).__module__.split(".")[0] == "pandas" and hasattr(data, "columns")


def _is_dataset(data: Any) -> bool:
    return type(data).__module__.split(".")[0] == "datasets" and hasattr(data, "column_names")


def _table(data: Any, wanted: Sequence[str]) -> pa.Table | None:
    """``data`` as a pyarrow Table with (at least) the ``wanted`` columns it has, or
    ``None`` when it is not tabular."""
    if isinstance(data, (pa.Array, pa.ChunkedArray)):
        return None
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if _is_pandas(data):
        cols = [c for c in wanted if c in data.columns]
        return pa.Table.from_pandas(data[cols], preserve_index=False)
    if _is_dataset(data):
        if getattr(data, "_indices", None) is None:
            table = data.data
            table = getattr(table, "table", table)
        else:  # selected or shuffled: the rows in the dataset's order
            table = data.with_format("arrow")[:]
        return table
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data)
    return None


def _column(table: pa.Table, name: str, what: str) -> pa.ChunkedArray:
    if name not in table.column_names:
        raise ValueError(
            f"no {what} column {name!r}; the columns are: {', '.join(table.column_names)} "
            f"(name it with {what}=...)"
        )
    return table.column(name)


def _strings(values: Any, what: str) -> pa.Array | pa.ChunkedArray:
    """A sequence or Arrow column as Arrow strings (UTF-8 ``bytes`` are decoded); a
    non-string value is a TypeError naming its position."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        t = values.type
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            return values
        raise TypeError(f"{what} must be strings, got an Arrow column of {t}")
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{what} must be a sequence of strings, not a single {type(values).__name__}")
    try:
        return pa.array(values, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        for i, v in enumerate(values):
            if isinstance(v, bytes):  # UTF-8 bytes are taken as text; others are not
                try:
                    v.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise ValueError(f"{what}[{i}] is bytes that are not UTF-8: {e}") from None
            elif v is not None and not isinstance(v, str):
                raise TypeError(
                    f"{what}[{i}] is a {type(v).__name__}, not a string: {v!r:.60}"
                ) from None
        raise


def _ids(values: Any) -> pa.Array | pa.ChunkedArray:
    """Ids as strings: integers become their decimal text."""
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        if isinstance(values, (str, bytes)):
            raise TypeError("ids must be a sequence, not a single string")
        values = list(values)
        if all(isinstance(v, str) for v in values):
            return pa.array(values, type=pa.large_string())
        try:
            values = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise TypeError(f"ids must be strings or integers: {e}") from None
    t = values.type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return values
    if pa.types.is_integer(t) or pa.types.is_null(t):
        return pc.cast(values, pa.large_string())
    raise TypeError(f"ids must be strings or integers, got {t}")


def _dates(values: Any) -> pa.Array | pa.ChunkedArray:
    """Dates as ISO 8601 text (dates, timestamps or strings)."""
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pa.array(list(values))
    t = values.type
    if pa.types.is_timestamp(t):
        return pc.strftime(values, format="%Y-%m-%dT%H:%M:%S")
    if pa.types.is_date(t):
        return pc.cast(values, pa.string())
    return _strings(values, "dates")


class _Columns:
    def __init__(self, texts, ids=None, dates=None, titles=None):
        self.texts = texts
        self.ids = ids
        self.dates = dates
        self.titles = titles
        self.series = None

    def __len__(self) -> int:
        return len(self.texts)


def _columns(
    data: Any,
    *,
    text: str = "text",
    id: str | None = "id",
    ids: Iterable[Any] | None = None,
    date: str | None = "date",
    title: str | None = "title",
    dates: Iterable[Any] | None = None,
    titles: Iterable[Any] | None = None,
) -> _Columns:
    wanted = [c for c in (text, id, date, title) if c]
    table = _table(data, wanted)
    if table is None:
        if isinstance(data, (str, bytes)):
            raise TypeError(
                "data must be a sequence of strings or a table, not a single "
                f"{type(data).__name__} (wrap one document in a list)"
            )
        if isinstance(data, Mapping):
            raise TypeError("data must be a sequence of strings or a table, not a dict")
        if type(data) in (list, tuple) and all(type(x) is str for x in data):
            # Python strings are read in place by the engine: no Arrow copy.
            texts = data if type(data) is list else list(data)
        else:
            array_like = isinstance(data, (pa.Array, pa.ChunkedArray, Sequence)) or hasattr(
                data, "__array__"
            )
            texts = _strings(data if array_like else list(data), "texts")
        cols = _Columns(texts)
    else:
        texts = _strings(_column(table, text, "text"), f"column {text!r}")
        cols = _Columns(texts)
        if ids is None and id and id in table.column_names:
            cols.ids = _ids(table.column(id))
        elif ids is None and id and id != "id":
            _column(table, id, "id")  # named but missing: say so
        if dates is None and date and date in table.column_names:
            cols.dates = _dates(table.column(date))
        elif dates is None and date and date != "date":
            _column(table, date, "date")
        if titles is None and title and title in table.column_names:
            cols.titles = _strings(table.column(title), f"column {title!r}")
        elif titles is None and title and title != "title":
            _column(table, title, "title")
    if ids is not None:
        cols.ids = _ids(ids)
    if dates is not None:
        cols.dates = _dates(dates)
    if titles is not None:
        cols.titles = _strings(titles, "titles")
    for name in ("ids", "dates", "titles"):
        v = getattr(cols, name)
        if v is not None and len(v) != len(cols.texts):
            raise ValueError(f"{name} has {len(v)} values but there are {len(cols.texts)} texts")
    for name in ("texts", "ids", "dates", "titles"):
        v = getattr(cols, name)
        if isinstance(v, pa.Array):  # the engine reads Arrow streams (chunked arrays)
            setattr(cols, name, pa.chunked_array([v]))
    return cols


# ---------------------------------------------------------------------------------------
# One-call functions


def _set_series(cols: _Columns, series: Any) -> None:
    """Each document's series (strings; numbers written as strings; None for none)."""
    if not isinstance(series, (pa.Array, pa.ChunkedArray)):
        series = [None if v is None else str(v) for v in series]
    cols.series = _ids(series)
    if len(cols.series) != len(cols.texts):
        raise ValueError(f"series has {len(cols.series)} values but there are {len(cols.texts)} texts")
    if isinstance(cols.series, pa.Array):
        cols.series = pa.chunked_array([cols.series])


def _threads(threads: int | None) -> int:
    if threads is None:
        return 0
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer or None (every core), got {threads!r}")
    return threads


def _dedup_settings(
    threshold: float,
    containment: float | None,
    keep: str,
    shingle_size: int,
    shingle_unit: str,
    options: Mapping[str, Any],
) -> dict[str, Any]:
    d = dict(
        threshold=threshold,
        containment=containment,
        keep=keep,
        shingle_size=shingle_size,
        shingle_unit=shingle_unit,
    )
    d.update(options)
    return d


def _memory(memory_mib: int | None) -> int | None:
    if memory_mib is None:
        return None
    if not isinstance(memory_mib, int) or isinstance(memory_mib, bool) or memory_mib < 1:
        raise ValueError(f"memory_mib must be a positive integer (MiB) or None, got {memory_mib!r}")
    return memory_mib


def _run(cols: _Columns, threads, duplicates=True, dedup=None, reuse=None, stories=None,
         memory_mib=None, spill_dir=None) -> Result:
    tables, summary = _native.run(
        cols.texts,
        cols.ids,
        cols.dates,
        cols.titles,
        series=cols.series,
        duplicates=duplicates,
        dedup=dedup,
        reuse=reuse,
        stories=stories,
        threads=_threads(threads),
        memory_mib=_memory(memory_mib),
        spill_dir=None if spill_dir is None else os.fspath(spill_dir),
    )
    return Result(tables, json.loads(summary))


def dedup(
    data: Any,
    *,
    text: str = "text",
    id: str | None = "id",
    ids: Iterable[Any] | None = None,
    date: str | None = "date",
    threshold: float = 0.8,
    containment: float | None = None,
    keep: str = "first",
    shingle_size: int = 5,
    shingle_unit: str = "word",
    threads: int | None = None,
    memory_mib: int | None = None,
    spill_dir: str | os.PathLike[str] | None = None,
    **options: Any,
) -> Result:
    """Exact and near-duplicate documents, verified: every pair has an exact shingle
    Jaccard ≥ ``threshold``.

    Returns a :class:`Result` with ``documents`` (keep, cluster, duplicate_of per document),
    ``pairs`` and ``clusters``. ``keep`` is ``"first"``, ``"longest"`` or ``"earliest"``
    (by ``date``). ``containment`` also reports a document lying that much inside another.
    Further settings (``slots``, ``sketch``, ``banding``, ``max_bucket``, ``all_pairs``: list
    every pair instead of a star per exact group, as ``reprint dedup --all-pairs``) go in
    ``options``.
    ``threads``: ``None`` = every core, 1 = the calling thread only. ``memory_mib`` is the
    memory budget, as ``--memory-mib`` (default 4096): shingle sets and the reuse level's
    seed index spill to a temporary file in ``spill_dir`` past it (every function takes
    both).

    >>> import reprint_rs as rp
    >>> texts = ["one two three four five six seven", "one two three four five six seven", "x"]
    >>> rp.dedup(texts).keep.tolist()
    [True, False, True]
    """
    cols = _columns(data, text=text, id=id, ids=ids, date=date, title=None)
    settings = _dedup_settings(threshold, containment, keep, shingle_size, shingle_unit, options)
    return _run(cols, threads, dedup=settings, memory_mib=memory_mib, spill_dir=spill_dir)


def reuse(
    data: Any,
    *,
    text: str = "text",
    id: str | None = "id",
    ids: Iterable[Any] | None = None,
    date: str | None = "date",
    min_words: int = 15,
    min_identity: float = 0.5,
    max_gap: int = 10,
    boilerplate_docs: int = 10,
    series: str | Iterable[Any] | None = None,
    skip_same_series: bool = False,
    threads: int | None = None,
    memory_mib: int | None = None,
    spill_dir: str | os.PathLike[str] | None = None,
    **options: Any,
) -> Result:
    """Passages shared by documents: ``alignments`` (one per document pair and passage, with
    byte and character offsets in both) and ``passages`` (every occurrence of a passage,
    boilerplate flagged when it is in ``boilerplate_docs`` documents or more, and its
    earliest source by ``date``). ``series`` names each document's series (outlet,
    newspaper): a column of ``data``, or the values (strings or integers, ``None`` for
    none); with ``skip_same_series=True`` two documents of one series are not aligned, as
    ``--skip-same-series`` does. Further settings of the reuse level go in ``options``
    (``seed_n``, ``max_df``, ``min_shared_seeds``, ``max_seed_repeats``, ``passage_overlap``).

    >>> import reprint_rs as rp
    >>> para = " ".join(f"word{i}" for i in range(30))
    >>> r = rp.reuse(["intro " + para, para + " outro"])
    >>> r.passages.num_rows
    1
    """
    cols = _columns(data, text=text, id=id, ids=ids, date=date, title=None)
    if isinstance(series, str):
        table = _table(data, [text, series])
        if table is None:
            raise TypeError(f"series={series!r} names a column, but data is not a table; pass the values")
        series = _column(table, series, "series")
    if series is not None:
        _set_series(cols, series)
    elif skip_same_series:
        raise ValueError("skip_same_series=True needs series (a column name or the values)")
    settings = dict(
        min_words=min_words,
        min_identity=min_identity,
        max_gap=max_gap,
        boilerplate_min_docs=boilerplate_docs,
        skip_same_series=skip_same_series,
    )
    settings.update(options)
    return _run(cols, threads, duplicates=False, reuse=settings, memory_mib=memory_mib,
                spill_dir=spill_dir)


def stories(
    data: Any,
    *,
    text: str = "text",
    id: str | None = "id",
    ids: Iterable[Any] | None = None,
    date: str | None = "date",
    title: str | None = "title",
    stream: bool = False,
    model: str | os.PathLike[str] | None = None,
    threads: int | None = None,
    memory_mib: int | None = None,
    spill_dir: str | os.PathLike[str] | None = None,
    **options: Any,
) -> Result:
    """Documents about the same event, grouped: ``stories`` (members, first and last date,
    label) and ``story_assignments`` (each document's story and score). ``stream=True``
    takes documents in date order, each joining a story or starting one (as an index does).
    Without ``stream``, the whole collection is clustered at once and the stories do not
    depend on the order of the documents. ``model`` is a static sentence-embedding model
    read from local files (a model2vec directory with ``tokenizer.json`` and
    ``model.safetensors``, or WordLlama's files), as ``reprint stories --model``; each
    document's embedding becomes one more feature, weighed by ``embedding_weight``. Further
    settings of the stories level go in ``options`` (e.g. ``link_threshold`` for the batch
    clustering, ``join_threshold`` for the stream, ``window_days``, ``embedding_weight``)."""
    cols = _columns(data, text=text, id=id, ids=ids, date=date, title=title)
    settings = dict(options)
    settings["stream"] = stream
    if model is not None:
        settings["model"] = os.fspath(model)
    return _run(cols, threads, duplicates=False, stories=settings, memory_mib=memory_mib,
                spill_dir=spill_dir)


def analyze(
    data: Any,
    *,
    text: str = "text",
    id: str | None = "id",
    ids: Iterable[Any] | None = None,
    date: str | None = "date",
    title: str | None = "title",
    threshold: float = 0.8,
    containment: float | None = None,
    keep: str = "first",
    shingle_size: int = 5,
    shingle_unit: str = "word",
    reuse_options: Mapping[str, Any] | None = None,
    stories_options: Mapping[str, Any] | None = None,
    threads: int | None = None,
    memory_mib: int | None = None,
    spill_dir: str | os.PathLike[str] | None = None,
    **options: Any,
) -> Result:
    """All three levels at once, as ``reprint analyze``: duplicates (``documents``,
    ``pairs``, ``clusters``), reused passages (``alignments``, ``passages``) and stories
    (``stories``, ``story_assignments``). Duplicate settings as in :func:`dedup`; the other
    levels' settings in ``reuse_options`` and ``stories_options`` (as in :func:`reuse`'s and
    :func:`stories`' options)."""
    cols = _columns(data, text=text, id=id, ids=ids, date=date, title=title)
    settings = _dedup_settings(threshold, containment, keep, shingle_size, shingle_unit, options)
    reuse_settings = dict(reuse_options or {})
    if "boilerplate_docs" in reuse_settings:
        reuse_settings["boilerplate_min_docs"] = reuse_settings.pop("boilerplate_docs")
    return _run(
        cols,
        threads,
        dedup=settings,
        reuse=reuse_settings,
        stories=dict(stories_options or {}),
        memory_mib=memory_mib,
        spill_dir=spill_dir,
    )


# ---------------------------------------------------------------------------------------
# The persistent index


class Index:
    """A persistent, incremental index on disk (a directory): add documents as they arrive
    and learn at once what each repeats — duplicates, reused passages, stories — against
    everything indexed before. Answers are the ones the one-call functions give for the
    whole collection. Use it as a context manager, or call :meth:`close`.

    >>> import reprint_rs as rp, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "news.index")
    >>> with rp.Index.create(path) as ix:
    ...     _ = ix.add(["a", "b"], ["one two three four five six", "seven eight nine ten"])
    ...     ix.query(["one two three four five six"]).pairs.num_rows
    1
    """

    def __init__(self, native: Any):
        self._native = native

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        levels: Sequence[str] = ("dedup",),
        threshold: float = 0.8,
        keep: str = "first",
        shingle_size: int = 5,
        shingle_unit: str = "word",
        reuse_options: Mapping[str, Any] | None = None,
        stories_options: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> "Index":
        """Creates an index in a new (or empty) directory. ``levels``: ``"dedup"`` (always),
        ``"reuse"``, ``"stories"``. The settings are fixed at creation (a store made with
        other fingerprint settings cannot be compared)."""
        unknown = set(levels) - {"dedup", "duplicates", "reuse", "stories"}
        if unknown:
            raise ValueError(f"unknown levels {sorted(unknown)}; known: dedup, reuse, stories")
        settings = _dedup_settings(threshold, None, keep, shingle_size, shingle_unit, options)
        reuse_settings = None
        if "reuse" in levels:
            reuse_settings = dict(reuse_options or {})
            if "boilerplate_docs" in reuse_settings:
                reuse_settings["boilerplate_min_docs"] = reuse_settings.pop("boilerplate_docs")
        stories_settings = dict(stories_options or {}) if "stories" in levels else None
        return cls(
            _native.Index.create(
                os.fspath(path), dedup=settings, reuse=reuse_settings, stories=stories_settings
            )
        )

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> "Index":
        """Opens an existing index."""
        return cls(_native.Index.open(os.fspath(path)))

    def add(
        self,
        ids: Iterable[Any],
        texts: Iterable[str],
        *,
        dates: Iterable[Any] | None = None,
        titles: Iterable[str] | None = None,
        series: Iterable[Any] | None = None,
        replace: bool = False,
    ) -> Result:
        """Adds documents (durable when this returns) and gives each new document's
        findings against everything indexed before it. An id already indexed is a
        ``ValueError`` unless ``replace=True``. ``series`` (an outlet per document) is
        kept: an index created with ``reuse={"skip_same_series": True}`` does not align
        two documents of one series."""
        cols = _columns(texts, ids=ids, dates=dates, titles=titles)
        if series is not None:
            _set_series(cols, series)
        tables, total = self._native.add(
            cols.texts, cols.ids, cols.dates, cols.titles, replace=replace, series=cols.series
        )
        return Result(tables, {"documents": len(cols), "total": total})

    def query(
        self,
        texts: Iterable[str],
        ids: Iterable[Any] | None = None,
        *,
        dates: Iterable[Any] | None = None,
        titles: Iterable[str] | None = None,
        series: Iterable[Any] | None = None,
    ) -> Result:
        """What adding these documents would find, without storing them. Ids default to
        ``"query-0"``, ``"query-1"``, …"""
        if not isinstance(texts, (pa.Array, pa.ChunkedArray, list)):
            texts = list(texts)
        if ids is None:
            ids = [f"query-{i}" for i in range(len(texts))]
        cols = _columns(texts, ids=ids, dates=dates, titles=titles)
        if series is not None:
            _set_series(cols, series)
        tables = self._native.query(cols.texts, cols.ids, cols.dates, cols.titles, series=cols.series)
        return Result(tables)

    def remove(self, ids: Iterable[Any]) -> int:
        """Removes documents by id; returns how many there were. Findings are then as if
        they had never been added."""
        return self._native.remove([str(i) for i in ids])

    def get(self, id: Any) -> Result | None:
        """One document's findings against the rest of the index, or ``None``."""
        tables = self._native.get(str(id))
        return None if tables is None else Result(tables)

    def text(self, id: Any) -> str | None:
        """A document's text as added, or ``None``."""
        return self._native.text(str(id))

    def export(self) -> Result:
        """Every finding of the indexed collection: what :func:`analyze` (with this index's
        levels) gives for the same documents."""
        tables, summary = self._native.export()
        return Result(tables, json.loads(summary))

    def stats(self) -> dict[str, Any]:
        """Counts, settings, and bytes on disk."""
        return json.loads(self._native.stats())

    def compact(self) -> dict[str, Any]:
        """Rewrites the store's text log with the live texts only (a removed or replaced
        document's text stays in it until then); returns ``documents``, ``bytes_before``
        and ``bytes_after``. The answers do not change."""
        return json.loads(self._native.compact())

    @property
    def levels(self) -> list[str]:
        """The levels this index keeps."""
        return self._native.levels()

    @property
    def path(self) -> str:
        return os.fspath(self._native.path)

    @property
    def closed(self) -> bool:
        return self._native.closed

    def close(self) -> None:
        """Closes the store; the index can be opened again."""
        self._native.close()

    def __len__(self) -> int:
        return len(self._native)

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{len(self)} documents, levels {self.levels}"
        return f"Index({self.path!r}, {state})"


from . import batch  # noqa: E402  (uses the helpers above)
