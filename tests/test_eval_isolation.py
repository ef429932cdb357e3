"""Code and tests never quote a question of an evaluation set: a rule must be justified by the language, not by one example."""

from __future__ import annotations

import json

from tests.conftest import ROOT


def _questions() -> set[str]:
    out = set()
    for path in (ROOT / "eval").rglob("*.jsonl"):
        if "reports" in path.relative_to(ROOT / "eval").parts:  # qa eval's outcomes (git-ignored), not a set
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)["question"].strip().rstrip("？?。")
                if len(q) >= 10:
                    out.add(q)
    return out


def test_no_code_or_test_quotes_an_evaluation_question():
    questions = _questions()
    assert len(questions) > 500  # the sets are there: 151 + 4 x 60 + 2 x 90, less short ones
    sources = [p for folder in ("qa", "tests") for p in (ROOT / folder).rglob("*.py")] + [ROOT / "README.md"]
    leaks = [(p.name, q) for p in sources for q in questions if q in p.read_text(encoding="utf-8")]
    assert leaks == []
