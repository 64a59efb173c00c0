"""Docs that run: every docstring example in the installed namespace is executed.

Case: a module's example that drifted from its code (they never ran before this test)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import shadowtally

# Modules that start servers or browsers on import are not doctested; none of them has examples.
SKIP = ("shadowtally.__main__",)


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(shadowtally.__path__, prefix="shadowtally.",
                                      onerror=lambda _name: None):
        name = info.name
        # A checkout's root is on shadowtally.__path__ (see shadowtally/__init__.py): skip its non-package folders.
        if name.split(".")[1] in ("tests", "benchmarks", "scripts", "docs", "shadowtally") or name in SKIP:
            continue
        names.append(name)
    return sorted(set(names))


def _with_examples() -> list[str]:
    out = []
    for name in _modules():
        module = importlib.import_module(name)
        if any(t.examples for t in doctest.DocTestFinder().find(module)):
            out.append(name)
    return out


@pytest.mark.parametrize("name", _with_examples())
def test_module_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (run it with -v)"


def test_the_modules_that_document_by_example_are_found() -> None:
    assert {"shadowtally.parsers", "shadowtally.reconcile"} <= set(_with_examples())
