"""The README stays true: what it says about commands, settings, output, layout and figures is read from the code.

Each test reads the README's own tables and compares them with the code, both ways where it can: a new
command, option, ``QA_*`` variable, JSON field, exit code or module fails here until the README names it,
and a name the code no longer has fails too. History and method live in ``docs/``; here only links and
module paths of ``docs/`` are checked (``docs/evaluation.md`` keeps the module names of each run as they were).

Does not run the figures: the evaluation table's scores come from ``qa eval`` runs (``docs/evaluation.md``
says how to reproduce them); this file checks what they are counted over (sets, questions, answerable ones).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from qa import cli, config
from qa.answer import features, reply
from qa.errors import EXIT_CODES
from qa.ingest import document
from qa.serve import api

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = sorted((ROOT / "docs").glob("*.md"))
MODEL = json.loads((ROOT / "qa" / "data" / "answer_model.json").read_text(encoding="utf-8"))


def _section(title: str, text: str = README) -> str:
    """A ``## title`` section's text, up to the next heading of the same level."""
    body = text.split(f"\n## {title}\n", 1)[1]
    return body.split("\n## ", 1)[0]


def _rows(section: str) -> dict[str, str]:
    """Table rows keyed by their first cell: ``| `qa ask QUESTION` | … |`` -> {"`qa ask QUESTION`": whole row}.

    A first cell that repeats (``—``) keys its rows as ``—``, ``— 2``, ``— 3`` …
    """
    rows: dict[str, str] = {}
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            cell = key = line.split("|")[1].strip()
            n = 1
            while key in rows:
                n += 1
                key = f"{cell} {n}"
            rows[key] = line
    return rows


def _commands(group: click.Group, path: tuple[str, ...] = ("qa",)):
    """(path, command) for every command under ``group``, groups included."""
    for name, cmd in sorted(group.commands.items()):
        yield path + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, path + (name,))


def _flag(param: click.Option) -> str:
    """The name the README uses for an option: its long form (``--index-dir``), else its short one (``-k``)."""
    longs = [o for o in param.opts if o.startswith("--")]
    return longs[0] if longs else param.opts[0]


MAIN = cli.main


def test_readme_opens_with_two_commands():
    blocks = README.split("```")
    assert "qa ask" in blocks[1] and "pytest" in blocks[3]
    ci = (ROOT / ".ci" / "run").read_text()
    assert blocks[3].strip().splitlines()[-1].strip() in ci


def test_readme_is_a_five_minute_read():
    assert len(README.splitlines()) <= 300


def test_every_command_and_option_is_in_the_commands_table():
    rows = _rows(_section("Commands"))
    named = (re.match(r"`(qa(?: [a-z][a-z-]*)+)", cell) for cell in rows)
    documented = {m.group(1) for m in named if m}
    leaves = {" ".join(path): cmd for path, cmd in _commands(MAIN) if not isinstance(cmd, click.Group)}
    assert documented == set(leaves), "the Commands table names exactly the commands of qa"
    for name, cmd in leaves.items():
        row = next(r for cell, r in rows.items() if re.match(rf"`{name}( |`)", cell))
        for param in cmd.params:
            if isinstance(param, click.Argument):
                assert param.human_readable_name.upper() in row.split("|")[1], (name, param.name)
            elif not param.hidden:
                assert f"`{_flag(param)}" in row, (name, _flag(param))
                if param.show_default and isinstance(param.default, (str, int)) and not isinstance(param.default, bool):
                    assert str(param.default) in row, (name, _flag(param), param.default)
    top = _section("Commands")
    for param in MAIN.params:
        assert f"`{_flag(param)}" in top or f"`qa {_flag(param)}" in top, _flag(param)


def _variables_in_code() -> set[str]:
    found = set()
    for path in (ROOT / "qa").rglob("*.py"):
        found |= set(re.findall(r"""["'](QA_[A-Z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    for _, cmd in _commands(MAIN):
        for param in cmd.params:
            envvars = getattr(param, "envvar", None) or ()
            found |= {envvars} if isinstance(envvars, str) else set(envvars)
    return found


def test_every_setting_is_in_the_settings_table():
    rows = _rows(_section("Settings"))
    documented = {v for row in rows.values() for v in re.findall(r"`(QA_[A-Z0-9_]+)`", row.split("|")[2])}
    assert documented == _variables_in_code()
    for _, cmd in _commands(MAIN):
        for param in cmd.params:
            if isinstance(param, click.Option) and isinstance(param.envvar, str):
                assert any(f"`{_flag(param)}`" in r and f"`{param.envvar}`" in r for r in rows.values()), param.envvar


def test_the_settings_defaults_are_the_code_s():
    rows = _rows(_section("Settings"))
    defaults = config.Settings()
    assert defaults.corpus is None and f"`{config.DEFAULT_CORPUS}`" in rows["`--corpus`"]
    assert f"`{defaults.library}`" in rows["`--library`"] and defaults.index_path == defaults.library / "index"
    assert f"`{config.DEFAULT_ENCODER}` (" in rows["`--encoder`"]
    assert f"`{defaults.mode}`" in rows["`--mode`"]
    one_off = config.Settings(corpus=config.DEFAULT_CORPUS)
    assert "`index/<corpus name>`" in rows["`--index-dir`"] and one_off.index_path.parent.name == "index"


def _answer_json() -> dict:
    sample = {f.name: None for f in dataclasses.fields(reply.Citation)}
    citation = reply.Citation(**{**sample, "sources": (reply.Source(11, "…"),)})
    answer = reply.Answer("问", False, "答", (citation,), reply.Highlight("id", 0, 1))
    return answer.to_json()


def test_every_json_field_of_an_answer_is_in_the_json_table():
    section = _section("Output")
    rows = _rows(section.split("### JSON of `qa ask --json`", 1)[1].split("\n### ", 1)[0])
    data = _answer_json()
    assert set(rows) - {"field"} == {f"`{key}`" for key in data}, "one row per top-level field, no more"
    for key, value in data.items():
        nested = value[0] if isinstance(value, list) and value else value
        if isinstance(nested, dict):
            for field in nested:
                assert f"`{field}`" in rows[f"`{key}`"] or f'"{field}"' in rows[f"`{key}`"], (key, field)
            for inner in (v[0] for v in nested.values() if isinstance(v, list) and v and isinstance(v[0], dict)):
                for field in inner:
                    assert f'"{field}"' in rows[f"`{key}`"], (key, field)


def test_the_chunk_kinds_are_the_contract_s():
    assert f"`kind` ({', '.join(document.KINDS)})" in README


def test_every_json_field_of_a_chunk_is_documented():
    chunk = document.Chunk("d#p1", "paragraph", 1, "s", 1, "t", (document.Footnote(1, "同上。", "x", 0),),
                           table=document.TableRow("1", "共计", ("2020 年",), ("1.0",), "千美元"))
    paragraph = re.search(r"\n`qa chunks --json`.*?\n\n", README, flags=re.DOTALL).group(0)
    data = chunk.to_json()
    for key, value in data.items():
        assert f"`{key}`" in paragraph, key
        nested = value[0] if isinstance(value, list) and value else value
        if isinstance(nested, dict):
            for field in nested:
                assert f'"{field}"' in paragraph, (key, field)


def test_every_exit_code_is_in_the_exit_code_table():
    rows = _rows(_section("Output").split("### Exit codes", 1)[1])
    assert {int(c) for c in rows if c.isdigit()} == set(EXIT_CODES)


def test_layout_lists_exactly_the_modules_of_qa():
    listed = set(re.findall(r"`(qa/[a-z0-9_/]+\.py)`", _section("Layout")))
    present = {p.relative_to(ROOT).as_posix() for p in (ROOT / "qa").rglob("*.py") if p.name != "__init__.py"}
    assert listed == present, (sorted(present - listed), sorted(listed - present))


def test_the_how_it_works_figures_are_the_code_s():
    section = _section("How it works")
    assert re.findall(r"(\d+) features", section) == [str(len(features.NAMES))]
    assert re.findall(r"top (\d+) passages", section) == [str(features.DEPTH)]
    assert re.findall(r"threshold \((0\.\d+)", section) == [f"{MODEL['threshold']:.3f}"]
    assert re.findall(r"at most (\d+)% of answerable", section) == [f"{MODEL['meta']['max_wrong_abstain'] * 100:g}"]
    assert f"cut at {config.MAX_QUESTION_CHARS} characters" in README
    assert api.MAX_BODY % (1 << 20) == 0 and f"over {api.MAX_BODY >> 20} MiB" in README
    k = next(p for p in MAIN.commands["ask"].params if p.name == "k")
    assert f"`k` outside {k.type.min}–{k.type.max}" in README and f"({k.type.min}–{k.type.max}, default {k.default})" in README


def _questions(stem: str) -> list[dict]:
    lines = (ROOT / "eval" / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_evaluation_table_is_counted_over_the_sets_it_names():
    section = _section("Evaluation")
    stems = {p.stem for p in (ROOT / "eval").glob("*.jsonl")}
    trained = {Path(s["path"]).stem for s in MODEL["meta"]["sets"]}
    first_contact = sorted(stems - trained, key=lambda s: int(re.sub(r"\D", "", s) or 0))
    blind = [s for s in stems if re.fullmatch(r"blind\d+", s)]
    assert re.findall(r"(\d+) blind sets", section) == [str(len(blind))]
    assert re.findall(r"trained on (\d+) of them", section) == [str(len(trained))]

    rows = _rows(section)
    named = next(cell for cell in rows if "(first contact" in cell)
    studied = [s for cell in rows if "(at their first contact" in cell for s in re.findall(r"`(\w+)`", cell)]
    first_contact = [s for s in first_contact if s not in studied]  # untrained, but read since their first contact
    assert re.findall(r"`(\w+)`", named) == first_contact, "the first-contact row names the sets the model never saw"
    asked = [q for s in first_contact for q in _questions(s)]
    answerable = [q for q in asked if q["type"] != "unanswerable"]
    assert f"(first contact, {len(asked)})" in named and f"/ {len(answerable)})" in rows[named]

    sets = _section("Question sets", (ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8"))
    assert f"fitted on these {len(trained)}," in sets
    unseen = sets.split("**First contact**", 1)[1]
    assert re.findall(r"`(\w+)\.jsonl`", unseen) == first_contact, "docs/evaluation.md names the same first-contact sets"

    gold = next(cell for cell in rows if "gold set" in cell)
    stem = re.search(r"`(\w+)`", gold).group(1)
    asked = _questions(stem)
    answerable = [q for q in asked if q["type"] != "unanswerable"]
    assert stem in trained and "in sample" in gold
    assert f"{len(asked)})" in gold and f"/ {len(answerable)})" in rows[gold]


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}


@pytest.mark.parametrize("page", [ROOT / "README.md", *DOCS], ids=lambda p: p.name)
def test_links_between_readme_and_docs_resolve(page):
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+://", target):
            continue
        file, _, anchor = target.partition("#")
        dest = (page.parent / file).resolve() if file else page
        assert dest.exists(), (page.name, target)
        if anchor:
            assert anchor in _anchors(dest.read_text(encoding="utf-8")), (page.name, target)


@pytest.mark.parametrize("page", [ROOT / "README.md", *(p for p in DOCS if p.name != "evaluation.md")],
                         ids=lambda p: p.name)
def test_module_paths_and_python_m_commands_exist(page):
    text = page.read_text(encoding="utf-8")
    for path in set(re.findall(r"\b(qa/[a-z0-9_/]+\.py)\b", text)):
        assert (ROOT / path).exists(), (page.name, path)
    for module in set(re.findall(r"python -m (qa(?:\.[a-z0-9_]+)+)", text)):
        assert importlib.util.find_spec(module) is not None, (page.name, module)
    for module, name in set(re.findall(r"from (qa(?:\.[a-z0-9_]+)*) import (\w+)", text)):
        assert hasattr(importlib.import_module(module), name), (page.name, module, name)
    for dotted in set(re.findall(r"`(qa(?:\.[A-Za-z0-9_]+)+)`", text)):
        assert _resolves(dotted), (page.name, dotted)


def _resolves(dotted: str) -> bool:
    """``qa.lang.tokenize.dense_text``: the longest prefix that is a module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def test_help_is_instant_and_lists_commands():
    out = CliRunner().invoke(MAIN, ["--help"])
    assert out.exit_code == 0 and all(name in out.output for name in MAIN.commands)
