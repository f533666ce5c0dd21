"""Bad input gives a clear Python exception naming the record or the setting; the
interpreter never aborts."""

import subprocess
import sys
import textwrap

import pyarrow as pa
import pytest

import reprint_rs as rp

TEXTS = ["one two three four five six seven", "eight nine ten eleven twelve", "thirteen"]


def test_none_in_the_texts_names_the_record():
    with pytest.raises(ValueError, match=r"record 1: text is None"):
        rp.dedup([TEXTS[0], None, TEXTS[2]])


def test_a_non_string_names_its_position():
    with pytest.raises(TypeError, match=r"texts\[2\] is a int"):
        rp.dedup([TEXTS[0], TEXTS[1], 42])
    with pytest.raises(TypeError, match="single str"):
        rp.dedup("just one string")
    table = pa.table({"text": [1, 2, 3]})
    with pytest.raises(TypeError, match="must be strings"):
        rp.dedup(table)


def test_a_wrong_column_name_lists_the_columns():
    table = pa.table({"body": TEXTS})
    with pytest.raises(ValueError, match=r"no text column 'text'; the columns are: body"):
        rp.dedup(table)
    with pytest.raises(ValueError, match="no id column 'doc_id'"):
        rp.dedup(table, text="body", id="doc_id")
    assert rp.dedup(table, text="body").documents.num_rows == 3


def test_bytes_must_be_utf8():
    assert rp.dedup([b"utf-8 bytes are text"]).documents.num_rows == 1
    with pytest.raises(ValueError, match=r"texts\[1\] is bytes that are not UTF-8"):
        rp.dedup(["fine", b"\xff\xfe"])


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="ids has 2 values but there are 3 texts"):
        rp.dedup(TEXTS, ids=["a", "b"])


def test_repeated_and_missing_ids():
    with pytest.raises(ValueError, match=r'record 2: duplicate id "a" \(first at record 0\)'):
        rp.dedup(TEXTS, ids=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"record 1: id is None"):
        rp.dedup(pa.table({"id": ["a", None, "c"], "text": TEXTS}))


def test_bad_settings_name_the_setting():
    with pytest.raises(ValueError, match="threshold must be in"):
        rp.dedup(TEXTS, threshold=1.5)
    with pytest.raises(ValueError, match='unknown duplicates setting "treshold"'):
        rp.dedup(TEXTS, treshold=0.5)
    with pytest.raises(ValueError, match="keep"):
        rp.dedup(TEXTS, keep="best")
    with pytest.raises(ValueError, match="reuse.min_words"):
        rp.reuse(TEXTS, min_words=1)
    with pytest.raises(ValueError, match="threads"):
        rp.dedup(TEXTS, threads=0)


def test_empty_input_and_empty_texts():
    r = rp.dedup([])
    assert r.documents.num_rows == 0 and r.pairs.num_rows == 0
    r = rp.analyze(["", "", "   "])
    assert r.documents.num_rows == 3
    assert r.pairs.num_rows == 0  # empty documents are not duplicates of each other


def test_the_interpreter_survives_every_bad_call():
    # Run the bad calls in a fresh interpreter: an abort (a Rust panic across the boundary)
    # would show as a signal exit instead of a clean one.
    code = textwrap.dedent(
        """
        import reprint_rs as rp, pyarrow as pa
        bad = [
            lambda: rp.dedup([None]),
            lambda: rp.dedup([b"\\xff not UTF-8"]),
            lambda: rp.dedup({"text": "x"}),
            lambda: rp.dedup(pa.table({"text": pa.array([1.5])})),
            lambda: rp.reuse(["x"], max_gap=-1),
            lambda: rp.stories(["x"], join_threshold="high"),
            lambda: rp.Index.open("/nonexistent/index"),
        ]
        for call in bad:
            try:
                call()
            except Exception as e:
                print(type(e).__name__)
        print("alive")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split()
    assert lines[-1] == "alive"
    assert len(lines) == 8, out.stdout
    assert "PanicException" not in lines
