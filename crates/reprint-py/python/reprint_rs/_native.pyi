"""Type stubs of the compiled module (the Rust engine). Use the functions of ``reprint_rs``."""

from os import PathLike
from typing import Any

import pyarrow as pa

__version__: str

_Column = pa.Array | pa.ChunkedArray
_Texts = _Column | list[str]

def run(
    texts: _Texts,
    ids: _Column | None = None,
    dates: _Column | None = None,
    titles: _Column | None = None,
    *,
    series: _Column | None = None,
    duplicates: bool = True,
    dedup: dict[str, Any] | None = None,
    reuse: dict[str, Any] | None = None,
    stories: dict[str, Any] | None = None,
    threads: int = 0,
    memory_mib: int | None = None,
    spill_dir: str | None = None,
) -> tuple[dict[str, pa.Table], str]: ...
def cpu_count() -> int: ...
def _column_len(col: _Column) -> int: ...

class Index:
    @staticmethod
    def create(
        path: str | PathLike[str],
        *,
        dedup: dict[str, Any] | None = None,
        reuse: dict[str, Any] | None = None,
        stories: dict[str, Any] | None = None,
    ) -> Index: ...
    @staticmethod
    def open(path: str | PathLike[str]) -> Index: ...
    def add(
        self,
        texts: _Texts,
        ids: _Column,
        dates: _Column | None = None,
        titles: _Column | None = None,
        replace: bool = False,
        series: _Column | None = None,
    ) -> tuple[dict[str, pa.Table], int]: ...
    def query(
        self,
        texts: _Texts,
        ids: _Column,
        dates: _Column | None = None,
        titles: _Column | None = None,
        series: _Column | None = None,
    ) -> dict[str, pa.Table]: ...
    def remove(self, ids: list[str]) -> int: ...
    def get(self, id: str) -> dict[str, pa.Table] | None: ...
    def text(self, id: str) -> str | None: ...
    def export(self) -> tuple[dict[str, pa.Table], str]: ...
    def stats(self) -> str: ...
    def compact(self) -> str: ...
    def levels(self) -> list[str]: ...
    def close(self) -> None: ...
    def __len__(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    @property
    def path(self) -> PathLike[str]: ...

def fingerprints(texts: _Column, *, dedup: dict[str, Any] | None = None, threads: int = 1) -> pa.Table: ...
def days(texts: _Column, dates: _Column | None = None) -> pa.Table: ...
def candidate_pairs(
    docs: _Column, keys: _Column, *, max_bucket: int = 200, copies: _Column | None = None
) -> pa.Table: ...
def verify_pairs(
    a_texts: _Column, b_texts: _Column, *, dedup: dict[str, Any] | None = None, threads: int = 1
) -> pa.Table: ...
def connected_components(a: _Column, b: _Column) -> pa.Table: ...
def reuse_seeds(texts: _Column, *, reuse: dict[str, Any] | None = None, threads: int = 1) -> pa.Table: ...
def align_pairs(
    a_texts: _Column, b_texts: _Column, *, reuse: dict[str, Any] | None = None, threads: int = 1
) -> pa.Table: ...
