"""The package's import graph: stages import only downwards, and the chain of imports made when a module loads
stays short (docs/architecture.md, "Stages and contracts").

Ranks, lowest first: errors and config; language and encoders; ingest; search; answer; LLM writing; serve; lab;
the command line. A module may import its own stage or a lower one. Imports under ``if TYPE_CHECKING`` are
types only and do not count.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RANK = {"qa.errors": 0, "qa.config": 0, "qa.lang": 1, "qa.encode": 1, "qa.ingest": 2, "qa.search": 3,
        "qa.answer": 4, "qa.write": 5, "qa.serve": 6, "qa.lab": 7, "qa.cli": 8, "qa": 9}
MAX_DEPTH = 8  # modules in the longest chain of load-time imports


def _modules() -> dict[str, Path]:
    out = {}
    for p in (ROOT / "qa").rglob("*.py"):
        name = ".".join(p.relative_to(ROOT).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = p
    return out


MODULES = _modules()


def _imports(path: Path, load_time: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only or (load_time and node not in tree.body):
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "qa":
            subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES]
            out.update(subs or [node.module])
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "qa")
    return out


def _rank(module: str) -> int:
    parts = module.split(".")
    return next(RANK[".".join(parts[:i])] for i in range(len(parts), 0, -1) if ".".join(parts[:i]) in RANK)


def test_every_stage_has_a_rank():
    assert all(_rank(m) < RANK["qa"] or m == "qa" for m in MODULES), sorted(m for m in MODULES if _rank(m) == 9)


def test_imports_only_go_down():
    up = [f"{m} -> {i}" for m, p in MODULES.items() for i in _imports(p, load_time=False) if _rank(i) > _rank(m)]
    assert not up, up


def test_search_never_imports_answer_code():
    found = [f"{m} -> {i}" for m, p in MODULES.items() if m.startswith("qa.search")
             for i in _imports(p, load_time=False) if i.startswith(("qa.answer", "qa.write", "qa.serve"))]
    assert not found, found


def test_the_load_time_import_chain_is_short():
    edges = {m: {i for i in _imports(p, load_time=True) if i in MODULES and i != m} for m, p in MODULES.items()}

    @functools.cache
    def depth(m: str) -> int:
        return 1 + max((depth(i) for i in edges[m]), default=0)

    deepest = max(MODULES, key=depth)
    chain = [deepest]
    while edges[chain[-1]]:
        chain.append(max(edges[chain[-1]], key=depth))
    assert depth(deepest) <= MAX_DEPTH, " -> ".join(chain)


def test_every_import_inside_a_function_says_why():
    """An import made at call time (cold start, an optional extra, an import chain kept short) says why on its
    line: ``import scipy  # 0.9 s to import; only fitting needs it``. A bare ``noqa`` is no reason."""
    silent = []
    for name, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)) or node in tree.body or id(node) in typing_only:
                continue
            text = " ".join(lines[node.lineno - 1:node.end_lineno])
            reason = text.partition("#")[2]
            reason = reason.split("noqa", 1)[0] + (reason.split("noqa", 1)[1].partition(" ")[2] if "noqa" in reason else "")
            if len(reason.split()) < 3:
                silent.append(f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not silent, "\n".join(silent)

