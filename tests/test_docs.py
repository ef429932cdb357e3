"""The README stays honest: it names every command, JSON field and exit code."""

from pathlib import Path

from click.testing import CliRunner

from qa.cli import main
from qa.errors import EXIT_CODES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_two_commands():
    blocks = README.split("```")
    assert "qa ask" in blocks[1] and "pytest" in blocks[3]
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert blocks[3].strip().splitlines()[-1].strip() in ci


def test_every_command_is_documented():
    for name in main.commands:
        assert f"qa {name}" in README, name


def test_every_json_field_and_exit_code_is_documented():
    for field in ("question", "abstained", "answer", "citations", "id", "kind", "number", "section", "page",
                  "text", "score", "sources", "footnote", "highlight", "notice", "footnotes"):
        assert f"`{field}`" in README, field
    for code in EXIT_CODES:
        assert f"| {code} |" in README, code


def test_help_is_instant_and_lists_commands():
    out = CliRunner().invoke(main, ["--help"])
    assert out.exit_code == 0 and "ask" in out.output
