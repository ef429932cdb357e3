"""The CLI meets bad input: it answers (exit 0) or prints one line on stderr with its exit code.

Never a traceback. Exit codes are the documented ones in ``qa.errors.EXIT_CODES``:
2 bad question or option, 3 corpus file problem, 4 unusable index, 5 encoder unavailable.

Questions go through the real CLI in a subprocess (``python -m qa.cli``) against the
session's real index (``built_index_dir``) and the real report, so nothing rebuilds.
What argv cannot carry (NUL, a lone surrogate) goes in-process through click's ``CliRunner``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa.cli import main
from qa.config import MAX_QUESTION_CHARS

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "corpus" / "E-2020-54.zh.txt"
CORE_POSTS = "驻地协调员办公室有多少核心职位"  # answered by paragraph 23


def run_qa(*args: str | bytes, cwd: Path, input: bytes | None = None, timeout: float = 600
           ) -> subprocess.CompletedProcess:
    """``python -m qa.cli ARGS`` with no ``QA_*`` variables from the caller's environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], cwd=cwd, env=env, input=input,
                          capture_output=True, timeout=timeout)


def out_err(proc: subprocess.CompletedProcess) -> tuple[str, str]:
    return proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def assert_one_line_error(stderr: str, *must_contain: str) -> None:
    """stderr is exactly one ``qa: error: …`` line (and nothing that looks like a traceback)."""
    assert "Traceback" not in stderr
    lines = stderr.strip("\n").split("\n")
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    assert lines[0].startswith("qa: error: "), lines[0]
    for part in must_contain:
        assert part in lines[0], f"{part!r} not in {lines[0]!r}"


def index_args(built_index_dir: Path) -> list[str]:
    return ["--corpus", str(REPORT), "--index-dir", str(built_index_dir), "--no-rebuild"]


def cited_ids(answer: dict) -> list[str]:
    return [c["id"] for c in answer["citations"]]


# --- questions through argv ------------------------------------------------------------

LONG = (CORE_POSTS + "？") * (20_000 // (len(CORE_POSTS) + 1) + 1)
LONG = LONG[:20_000]

QUESTIONS = [
    # (case id, question, expected exit code)
    ("empty", "", 2),
    ("whitespace", " \t  \u3000 ", 2),
    ("punctuation", "？？？。", 2),
    ("emoji", "😀😀", 2),
    ("control characters", "驻地\x01协调员\x07办公室\x1b[31m有多少核心职位", 0),
    ("20000 characters", LONG, 0),
    ("English", "How many core posts does a resident coordinator office have?", 0),
    ("Traditional Chinese", "駐地協調員辦公室有多少核心職位", 0),
    ("HTML and script", "<script>alert('驻地协调员')</script><b>核心职位</b>", 0),
    ("SQL-looking", "'; DROP TABLE chunks; --", 0),
]


@pytest.mark.slow
@pytest.mark.parametrize("question, code", [q[1:] for q in QUESTIONS], ids=[q[0] for q in QUESTIONS])
def test_ask_bad_or_odd_question(built_index_dir, tmp_path, question, code):
    proc = run_qa("ask", question, "--json", *index_args(built_index_dir), cwd=tmp_path)
    out, err = out_err(proc)
    assert "Traceback" not in out + err
    assert proc.returncode == code, err
    if code:
        assert out == ""
        assert_one_line_error(err)
        return
    lines = out.strip("\n").split("\n")
    assert len(lines) == 1, out
    answer = json.loads(lines[0])
    assert answer["citations"], "an answer (or abstention) always lists the closest passages"


@pytest.mark.slow
def test_ask_long_question_is_cut_with_a_notice(built_index_dir, tmp_path):
    proc = run_qa("ask", LONG, "--json", *index_args(built_index_dir), cwd=tmp_path)
    out, err = out_err(proc)
    assert proc.returncode == 0, err
    answer = json.loads(out)
    # 20,000 characters of "驻地协调员办公室有多少核心职位？" repeated: nothing to clean away, so the
    # question is cut to exactly MAX_QUESTION_CHARS and the notice names both numbers.
    assert len(answer["question"]) == MAX_QUESTION_CHARS
    assert answer["notice"] and "20000" in answer["notice"] and str(MAX_QUESTION_CHARS) in answer["notice"]


@pytest.mark.slow
def test_ask_long_question_notice_in_human_output(built_index_dir, tmp_path):
    proc = run_qa("ask", LONG, *index_args(built_index_dir), cwd=tmp_path)
    out, err = out_err(proc)
    assert proc.returncode == 0, err
    assert "Traceback" not in out + err
    assert out.startswith("注意：")


@pytest.mark.slow
def test_traditional_chinese_question_cites_paragraph_23(built_index_dir, tmp_path):
    proc = run_qa("ask", "駐地協調員辦公室有多少核心職位", "--json", *index_args(built_index_dir), cwd=tmp_path)
    out, err = out_err(proc)
    assert proc.returncode == 0, err
    answer = json.loads(out)
    assert not answer["abstained"], answer["answer"]
    assert "E-2020-54#p23" in cited_ids(answer), cited_ids(answer)


@pytest.mark.slow
def test_control_characters_are_dropped_not_searched(built_index_dir, tmp_path):
    proc = run_qa("ask", "驻地\x01协调员\x07办公室有多少核心职位", "--json", *index_args(built_index_dir),
                  cwd=tmp_path)
    out, err = out_err(proc)
    assert proc.returncode == 0, err
    answer = json.loads(out)
    assert answer["question"] == CORE_POSTS
    assert "E-2020-54#p23" in cited_ids(answer)


@pytest.mark.slow
def test_invalid_utf8_in_argv_is_not_a_crash(built_index_dir, tmp_path):
    """Bytes that are not UTF-8 reach Python as lone surrogates (surrogateescape)."""
    question = CORE_POSTS.encode("utf-8") + b"\xff\xfe"
    proc = run_qa("ask", question, "--json", *index_args(built_index_dir), cwd=tmp_path)
    out, err = out_err(proc)
    assert "Traceback" not in out + err
    assert proc.returncode == 0, err
    assert json.loads(out)["question"] == CORE_POSTS


# --- what argv cannot carry: in-process ---------------------------------------------------

IN_PROCESS = [
    # (case id, question, expected exit code)
    ("NUL and bell", "驻地\x00协调员\x07办公室", 0),
    ("lone surrogate inside", "驻地协调员\ud800办公室有多少核心职位", 0),
    ("lone surrogates only", "\ud800\udfff\udc00", 2),
    ("NUL only", "\x00\x00", 2),
    ("zero-width only", "\u200b\u200d\ufeff", 2),
]


@pytest.mark.parametrize("question, code", [q[1:] for q in IN_PROCESS], ids=[q[0] for q in IN_PROCESS])
def test_ask_in_process(built_index_dir, question, code):
    result = CliRunner().invoke(main, ["ask", question, "--json", *index_args(built_index_dir)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code == code, result.stderr
    if code:
        assert result.stdout == ""
        assert_one_line_error(result.stderr)
    else:
        answer = json.loads(result.stdout)
        assert "\x00" not in answer["question"] and "\ud800" not in answer["question"]
        json.dumps(answer, ensure_ascii=False).encode("utf-8")  # printable: no surrogates left


# --- bad options -------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("args, code", [
    (["ask"], 2),  # neither QUESTION nor --batch
    (["ask", CORE_POSTS, "--batch", "-"], 2),  # both
], ids=["neither question nor batch", "question and batch"])
def test_ask_needs_exactly_one_source_of_questions(built_index_dir, tmp_path, args, code):
    proc = run_qa(*args, *index_args(built_index_dir), cwd=tmp_path, input=b"")
    out, err = out_err(proc)
    assert proc.returncode == code
    assert_one_line_error(err, "--batch")


@pytest.mark.slow
@pytest.mark.parametrize("args, code", [
    (["-k", "0"], 2),
    (["-k", "many"], 2),
    (["--mode", "telepathy"], 2),
    (["--encoder", "no-such-encoder"], 5),
], ids=["k zero", "k not a number", "unknown mode", "unknown encoder"])
def test_ask_bad_options(built_index_dir, tmp_path, args, code):
    proc = run_qa("ask", CORE_POSTS, *args, *index_args(built_index_dir), cwd=tmp_path)
    out, err = out_err(proc)
    assert "Traceback" not in out + err
    assert proc.returncode == code, err
    assert out == ""


# --- corpus files ------------------------------------------------------------------------

def _missing(path: Path) -> None:
    pass


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _blank(path: Path) -> None:
    path.write_bytes(b" \n\n\t \n")


def _binary(path: Path) -> None:
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4)


def _gbk(path: Path) -> None:
    path.write_bytes("驻地协调员办公室现在有五个核心职位。\n\n发展协调办公室设在纽约。\n".encode("gbk"))


CORPUS_FILES = [
    ("missing", _missing, "no such file"),
    ("empty", _empty, "empty"),
    ("whitespace only", _blank, "empty"),
    ("binary (NUL bytes)", _binary, "binary"),
    ("GBK, not UTF-8", _gbk, "UTF-8"),
]


@pytest.mark.slow
@pytest.mark.parametrize("make, says", [c[1:] for c in CORPUS_FILES], ids=[c[0] for c in CORPUS_FILES])
def test_chunks_rejects_bad_corpus_file(tmp_path, make, says):
    corpus = tmp_path / "报告 1.txt"  # a space and Chinese in the name: still named in the message
    make(corpus)
    proc = run_qa("chunks", "--corpus", str(corpus), cwd=tmp_path)
    out, err = out_err(proc)
    assert proc.returncode == 3, err
    assert out == ""
    assert_one_line_error(err, str(corpus), says)


@pytest.mark.slow
@pytest.mark.parametrize("command", [["ask", CORE_POSTS], ["index"]], ids=["ask", "index"])
@pytest.mark.parametrize("make", [c[1] for c in CORPUS_FILES], ids=[c[0] for c in CORPUS_FILES])
def test_ask_and_index_reject_bad_corpus_file(tmp_path, command, make):
    corpus = tmp_path / "bad.md"
    make(corpus)
    proc = run_qa(*command, "--corpus", str(corpus), "--index-dir", str(tmp_path / "index"), cwd=tmp_path)
    out, err = out_err(proc)
    assert "Traceback" not in out + err
    assert proc.returncode == 3, err
    # A "building the index (first use)" notice may come first; the error is one line that names the file.
    errors = [line for line in err.splitlines() if line.startswith("qa: error: ")]
    assert len(errors) == 1 and str(corpus) in errors[0], err
    assert not (tmp_path / "index" / "CURRENT").exists()


@pytest.mark.slow
def test_corpus_folder_without_text_files(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    proc = run_qa("chunks", "--corpus", str(folder), cwd=tmp_path)
    out, err = out_err(proc)
    assert proc.returncode == 3, err
    assert_one_line_error(err, str(folder))


@pytest.mark.slow
def test_malformed_corpus_jsonl_names_file_and_line(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"_id": "a", "text": "第一段。"}\n[1, 2, 3]\n', encoding="utf-8")
    proc = run_qa("chunks", "--corpus", str(corpus), cwd=tmp_path)
    out, err = out_err(proc)
    assert proc.returncode == 3, err
    assert_one_line_error(err, f"{corpus}:2")


# --- batches -----------------------------------------------------------------------------

BATCH_QUESTIONS = [
    "驻地协调员办公室有多少核心职位",
    "",  # skipped silently
    "？？？。",  # a bad question: reported, the batch goes on
    "驻地协调员在多少个国家和地区协调发展活动？",
    "报告的数据由哪个信息系统收集？",
]


@pytest.mark.slow
def test_batch_json_one_object_per_line(built_index_dir, tmp_path):
    batch = tmp_path / "questions.txt"
    batch.write_text("\n".join(BATCH_QUESTIONS) + "\n", encoding="utf-8")
    proc = run_qa("ask", "--batch", str(batch), "--json", *index_args(built_index_dir), cwd=tmp_path)
    out, err = out_err(proc)
    assert "Traceback" not in out + err
    assert proc.returncode == 0, err
    rows = [json.loads(line) for line in out.strip("\n").split("\n")]
    # 5 lines: 1 empty (skipped), 1 bad (an error object), 3 answers -> 4 objects, in input order.
    assert [r["question"] for r in rows] == [q for q in BATCH_QUESTIONS if q]
    assert ["error" in r for r in rows] == [False, True, False, False]
    assert "E-2020-54#p23" in cited_ids(rows[0])
    assert "1 question(s) skipped" in err


@pytest.mark.slow
def test_batch_from_stdin_with_odd_lines(built_index_dir, tmp_path):
    """CRLF endings, a GBK-encoded line and a NUL inside a line: each line still gets one object."""
    data = ("驻地协调员办公室有多少核心职位\r\n".encode("utf-8")
            + "发展协调办公室设在哪里\n".encode("gbk")
            + "驻地\x00协调员\n".encode("utf-8")
            + "😀\n".encode("utf-8"))
    proc = run_qa("ask", "--batch", "-", "--json", *index_args(built_index_dir), cwd=tmp_path, input=data)
    out, err = out_err(proc)
    assert "Traceback" not in out + err
    assert proc.returncode == 0, err
    rows = [json.loads(line) for line in out.strip("\n").split("\n")]
    assert len(rows) == 4
    assert "error" in rows[3]


@pytest.mark.slow
def test_batch_file_missing(built_index_dir, tmp_path):
    proc = run_qa("ask", "--batch", str(tmp_path / "nope.txt"), *index_args(built_index_dir), cwd=tmp_path)
    out, err = out_err(proc)
    assert "Traceback" not in out + err
    assert proc.returncode == 2
