"""Every module's doctests run (the worked examples in docstrings stay true)."""

import doctest
import importlib
import pkgutil

import pytest

import qa

MODULES = sorted(m.name for m in pkgutil.walk_packages(qa.__path__, "qa.") if not m.ispkg)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} doctests failed"


def test_the_language_and_answer_modules_have_worked_examples():
    # The modules that read questions and sentences keep examples in Chinese; an empty list would pass above.
    for name in ("qa.lang.asks", "qa.answer.features", "qa.lang.query", "qa.lang.tokenize", "qa.lang.abbrev",
                 "qa.ingest.tables", "qa.lang.text", "qa.lang.names", "qa.search.match", "qa.ingest.document"):
        tests = doctest.DocTestFinder().find(importlib.import_module(name))
        assert sum(len(t.examples) for t in tests) > 0, name
