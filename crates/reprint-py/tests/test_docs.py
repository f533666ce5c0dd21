"""The examples in the docstrings run and give what they show."""

import doctest

import reprint_rs


def test_docstring_examples():
    import reprint_rs.batch

    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(reprint_rs, optionflags=flags)
    assert result.attempted >= 5
    assert result.failed == 0
    result = doctest.testmod(reprint_rs.batch, optionflags=flags)
    assert result.attempted >= 6
    assert result.failed == 0


def test_typed_package():
    import importlib.resources

    files = importlib.resources.files("reprint_rs")
    assert files.joinpath("py.typed").is_file()
    assert files.joinpath("_native.pyi").is_file()
