"""The ledger's error tree: one base, and each error keeps the built-in base callers catch."""

from __future__ import annotations

import pytest

from aggregator.ledger import errors
from aggregator.ledger.errors import (
    EncodingError,
    LedgerBusyError,
    LedgerClosedError,
    LedgerCorruptError,
    LedgerError,
    NoteError,
    ProofError,
    WriteLockError,
)

TREE: dict[type[LedgerError], type[Exception]] = {
    LedgerCorruptError: RuntimeError,
    LedgerClosedError: RuntimeError,
    LedgerBusyError: RuntimeError,
    WriteLockError: RuntimeError,
    EncodingError: ValueError,
    ProofError: ValueError,
    NoteError: ValueError,
}


def test_all_names_exactly_the_errors_defined_here() -> None:
    """Every error class in the module is public, and nothing else is."""
    defined = {name for name, value in vars(errors).items()
               if isinstance(value, type) and issubclass(value, Exception)
               and value.__module__ == errors.__name__}
    assert set(errors.__all__) == defined == {cls.__name__ for cls in TREE} | {"LedgerError"}


@pytest.mark.parametrize("error", sorted(TREE, key=lambda cls: cls.__name__))
def test_each_error_is_a_ledger_error_and_keeps_its_built_in_base(
        error: type[LedgerError]) -> None:
    """``except LedgerError`` catches it, and so does the ``except ValueError`` (or
    ``RuntimeError``) it was caught by before the tree existed."""
    assert error.__bases__ == (LedgerError, TREE[error])
    with pytest.raises(TREE[error], match=r"^what went wrong$"):
        raise error("what went wrong")


def test_ledger_error_is_neither_a_value_nor_a_runtime_error() -> None:
    """The base adds a family, not a meaning: it does not make every ledger error a
    ValueError."""
    assert LedgerError.__bases__ == (Exception,)


@pytest.mark.parametrize("error", sorted(TREE, key=lambda cls: cls.__name__))
def test_the_docstring_draws_each_error_under_the_base(error: type[LedgerError]) -> None:
    """The tree at the top of errors.py names every error with its built-in base."""
    doc = errors.__doc__ or ""
    line = next((ln for ln in doc.splitlines() if f"── {error.__name__} " in ln), "")
    assert f"({TREE[error].__name__})" in line
