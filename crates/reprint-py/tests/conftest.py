"""Shared fixtures: the seeds, the development corpora (../shared beside the checkout) and
the `reprint` command built from the same tree, to compare the package with it."""

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared"


def _need(path: pathlib.Path) -> pathlib.Path:
    # The data is part of the test environment (CI has it): missing data fails, never skips.
    assert path.exists(), f"{path} is missing: the tests need ../shared beside the checkout"
    return path


@pytest.fixture(scope="session")
def seeds():
    """(ids, texts) of the five seed articles, in name order."""
    d = _need(SHARED / "seeds")
    files = sorted(p for p in d.iterdir() if p.is_file())
    return [p.stem for p in files], [p.read_text(encoding="utf-8") for p in files]


@pytest.fixture(scope="session")
def seeds_dir():
    return _need(SHARED / "seeds")


@pytest.fixture(scope="session")
def newsgroups_path():
    return _need(SHARED / "data" / "20newsgroups" / "docs.jsonl")


@pytest.fixture(scope="session")
def newsgroups(newsgroups_path):
    """The 20 Newsgroups messages as a list of dicts (id, text, ...)."""
    with open(newsgroups_path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="session")
def reprint_bin():
    """The `reprint` command of this tree (built by `cargo test` or `cargo build`)."""
    path = pathlib.Path(os.environ.get("REPRINT_BIN", ROOT / "target" / "debug" / "reprint"))
    assert path.exists(), f"{path} not built: run `cargo build -p reprint-cli` first"
    return path


@pytest.fixture(scope="session")
def cli(reprint_bin, tmp_path_factory):
    """Runs `reprint <args> -o out.jsonl` and returns its records grouped by type."""

    def run(*args: str) -> dict[str, list[dict]]:
        out = tmp_path_factory.mktemp("cli") / "out.jsonl"
        subprocess.run([str(reprint_bin), *args, "-q", "-o", str(out)], check=True)
        by_type: dict[str, list[dict]] = {}
        for line in out.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            by_type.setdefault(rec.pop("type"), []).append(rec)
        return by_type

    return run


@pytest.fixture(scope="session")
def generated(tmp_path_factory, cli):
    """100,000 generated news-like documents (`gen-corpus --seed 7`) as JSONL and Parquet
    (one file, row groups in order), with what `reprint dedup` finds in them."""
    import pyarrow as pa
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    gen = pathlib.Path(os.environ.get("GEN_CORPUS", ROOT / "target" / "debug" / "gen-corpus"))
    assert gen.exists(), f"{gen} not built: run `cargo build -p reprint-bench --bin gen-corpus`"
    d = tmp_path_factory.mktemp("generated")
    jsonl = d / "gen.jsonl"
    subprocess.run([str(gen), "--docs", "100000", "--seed", "7", "--out", str(jsonl)], check=True,
                   stdout=subprocess.DEVNULL)
    parquet = d / "gen.parquet"
    table = pj.read_json(jsonl).select(["id", "text"])
    table = table.append_column("row", pa.array(range(table.num_rows), pa.int64()))
    pq.write_table(table, parquet, row_group_size=25_000)
    return {"jsonl": jsonl, "parquet": parquet, "expect": cli("dedup", str(jsonl))}


@pytest.fixture(scope="session")
def copy_groups(tmp_path_factory, cli):
    """Exact groups and a near pair between two groups: 250 copies of one text (past
    ``max_bucket``), 3 copies of a, 4 copies of b (a near copy of a), interleaved; with the
    CLI's records for the default listing and for ``--all-pairs``."""
    def words(seed, n):
        return " ".join(f"w{(i * 7919 + seed * 104729) % 100003}" for i in range(n))

    a = words(1, 200)
    b = a[: len(a) - 40] + " changed words here " + words(9, 3)
    c = words(2, 200)
    docs = []
    for i in range(250):
        docs.append({"id": f"c{i}", "text": c})
        if i < 3:
            docs.append({"id": f"a{i}", "text": a})
        if i < 4:
            docs.append({"id": f"b{i}", "text": b})
    path = tmp_path_factory.mktemp("groups") / "groups.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return docs, cli("dedup", str(path)), cli("dedup", str(path), "--all-pairs")


@pytest.fixture(scope="session")
def dated_newsgroups(newsgroups, cli, tmp_path_factory):
    """20 Newsgroups with a made-up date on four messages in five (the others undated),
    and `reprint dedup --keep earliest` on them: (docs, the CLI's records)."""
    import hashlib

    docs = []
    for d in newsgroups:
        h = int(hashlib.sha256(d["id"].encode()).hexdigest()[:8], 16)
        date = None if h % 5 == 0 else f"1993-{1 + h % 12:02d}-{1 + h % 28:02d}"
        docs.append({"id": d["id"], "text": d["text"], "date": date})
    path = tmp_path_factory.mktemp("dated") / "dated.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d) + "\n")
    return docs, cli("dedup", str(path), "--keep", "earliest")
