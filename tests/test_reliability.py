"""Reliability: damaged indexes, killed builds, determinism, threads, and arbitrary input.

- A damaged index (missing folder, dangling CURRENT, truncated or corrupt files, a
  manifest from another encoder, corpus or format) is refused with ``IndexUnusable``
  and a one-line message naming the fix, or rebuilt when rebuilding is allowed.
- A build killed midway (SIGKILL) leaves the previous index live and loadable.
- The same question gives the same JSON, sequentially, from a fresh load, and from 8 threads.
- Hypothesis feeds arbitrary text to the parsers and to ``Service.ask``: only
  ``CorpusError`` / ``BadQuestion`` may come out, and what comes out is well formed.

Rebuilds use a small markdown corpus written to ``tmp_path`` so they take seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.search import index as ix
from qa.answer.reply import Answer
from qa.ingest.document import KINDS
from qa.config import Settings
from qa.ingest.corpus import load_corpus, parse_plain
from qa.errors import BadQuestion, CorpusError, IndexUnusable
from qa.ingest.report import parse_report
from qa.serve.service import Service

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "corpus" / "E-2020-54.zh.txt"
CORE_POSTS = "驻地协调员办公室有多少核心职位"
REBUILD_HINT = "rebuild with: qa index --rebuild"

SMALL = """# 驻地协调员办公室

驻地协调员办公室现在有五个核心职位，负责战略规划、经济分析、伙伴关系、数据管理和宣传。

# 资金

特别用途信托基金在 2019 年收到了 2.81 亿美元的自愿捐款。

发展协调办公室设在纽约，为 129 个驻地协调员办公室提供支持。
"""


def live(folder: Path) -> Path:
    """The live version folder named by ``CURRENT``."""
    return folder / (folder / "CURRENT").read_text().strip()


def run_qa(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], cwd=cwd, env=env,
                          capture_output=True, timeout=timeout)


# --- ways to damage an index folder ------------------------------------------------------

def _edit_manifest(folder: Path, **changes) -> None:
    path = live(folder) / "manifest.json"
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def _truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def seg(folder: Path) -> Path:
    """The folder of the live version's first segment (the report's index has one: one document)."""
    keys = json.loads((live(folder) / "segments.json").read_text())
    return folder / "segments" / keys[0]


def _replace_first_chunk_line(folder: Path, line: str) -> None:
    path = seg(folder) / "chunks.jsonl"
    rows = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join([line] + rows[1:]), encoding="utf-8")


def _drop_last_chunk(folder: Path) -> None:
    path = seg(folder) / "chunks.jsonl"
    rows = [r for r in path.read_text(encoding="utf-8").split("\n") if r]
    path.write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")


def _malform_spans(folder: Path) -> None:
    """Same number of sentence rows, each the wrong shape ([row, start] without the end)."""
    path = seg(folder) / "sentences.json"
    spans = json.loads(path.read_text())
    path.write_text(json.dumps([s[:2] for s in spans]))


DAMAGE = {
    # name -> (damage(folder), the hint the message must contain)
    "index folder missing": (lambda f: shutil.rmtree(f), "qa index"),
    "version folder missing": (lambda f: shutil.rmtree(live(f)), REBUILD_HINT),
    "CURRENT names nothing": (lambda f: (f / "CURRENT").write_text("v-19700101000000-1\n"), REBUILD_HINT),
    "CURRENT empty": (lambda f: (f / "CURRENT").write_text(""), REBUILD_HINT),
    "CURRENT points outside": (lambda f: (f / "CURRENT").write_text("../..\n"), REBUILD_HINT),
    "CURRENT not UTF-8": (lambda f: (f / "CURRENT").write_bytes(b"\xff\xfe\x00v"), REBUILD_HINT),
    "vectors.npy truncated": (lambda f: _truncate(seg(f) / "vectors.npy"), REBUILD_HINT),
    "vectors.npy empty": (lambda f: _truncate(seg(f) / "vectors.npy", 0), REBUILD_HINT),
    "chunks.jsonl not JSON": (lambda f: _replace_first_chunk_line(f, '{"id": "E-2020-54#p1", "kind'), REBUILD_HINT),
    "chunks.jsonl not UTF-8": (lambda f: (seg(f) / "chunks.jsonl").write_bytes(b"\xff\xfe\xfa" * 100), REBUILD_HINT),
    "chunks.jsonl row is a list": (lambda f: _replace_first_chunk_line(f, "[1, 2, 3]"), REBUILD_HINT),
    "chunks.jsonl row lacks text": (lambda f: _replace_first_chunk_line(f, '{"id": "x", "kind": "note"}'),
                                    REBUILD_HINT),
    "chunks.jsonl one row short": (_drop_last_chunk, REBUILD_HINT),
    "chunks.jsonl missing": (lambda f: (seg(f) / "chunks.jsonl").unlink(), REBUILD_HINT),
    # the same size: what a rebuild's reuse check (file sizes) cannot see, so the rebuild sets it aside first
    "chunks.jsonl garbled, same size": (lambda f: (seg(f) / "chunks.jsonl").write_bytes(
        b"x" * (seg(f) / "chunks.jsonl").stat().st_size), REBUILD_HINT),
    "sentences.npy truncated": (lambda f: _truncate(seg(f) / "sentences.npy"), REBUILD_HINT),
    "lexical.npz truncated": (lambda f: _truncate(seg(f) / "lexical.npz"), REBUILD_HINT),
    "facts.json truncated": (lambda f: _truncate(seg(f) / "facts.json"), REBUILD_HINT),
    "facts.json one row short": (lambda f: (seg(f) / "facts.json").write_text(
        json.dumps(json.loads((seg(f) / "facts.json").read_text(encoding="utf-8"))[:-1], ensure_ascii=False),
        encoding="utf-8"), REBUILD_HINT),
    "segment.json missing": (lambda f: (seg(f) / "segment.json").unlink(), REBUILD_HINT),
    "segments.json names nothing": (lambda f: (live(f) / "segments.json").write_text('["no-such-segment"]'),
                                    REBUILD_HINT),
    "sentences.json rows malformed": (lambda f: _malform_spans(f), REBUILD_HINT),
    "lexicon.json missing": (lambda f: (live(f) / "lexicon.json").unlink(), REBUILD_HINT),
    "lexicon.json malformed": (lambda f: (live(f) / "lexicon.json").write_text('{"name": "un", "glossary": {"UN": ""}}'),
                               REBUILD_HINT),
    "manifest names another lexicon": (lambda f: _edit_manifest(f, lexicon="other"), REBUILD_HINT),
    "manifest missing": (lambda f: (live(f) / "manifest.json").unlink(), REBUILD_HINT),
    "manifest not JSON": (lambda f: (live(f) / "manifest.json").write_text("{format: 3"), REBUILD_HINT),
    "manifest a JSON list": (lambda f: (live(f) / "manifest.json").write_text("[1, 2]"), REBUILD_HINT),
    "manifest other encoder": (lambda f: _edit_manifest(f, encoder="st:some-other-model"), REBUILD_HINT),
    "manifest other corpus": (lambda f: _edit_manifest(f, corpus_hash="0" * 64), REBUILD_HINT),
    "manifest older format": (lambda f: _edit_manifest(f, format=ix.FORMAT - 1), REBUILD_HINT),
    "manifest wrong chunk count": (lambda f: _edit_manifest(f, chunks=1), REBUILD_HINT),
}


def assert_index_message(message: str, hint: str) -> None:
    assert "\n" not in message.strip(), message
    assert hint in message, message
    assert "Traceback" not in message


@pytest.mark.parametrize("damage, hint", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_index_is_refused_without_rebuild(index_copy, damage, hint):
    damage(index_copy)
    with pytest.raises(IndexUnusable) as caught:
        Service.open(Settings(corpus=REPORT, index_dir=index_copy), rebuild=False)
    assert_index_message(str(caught.value), hint)
    assert str(index_copy) in str(caught.value)


# load() reads the files; whether they match the encoder, corpus and format is check()'s job.
FILE_DAMAGE = {k: v for k, v in DAMAGE.items()
               if k not in ("manifest other encoder", "manifest other corpus", "manifest older format")}


@pytest.mark.parametrize("damage, hint", FILE_DAMAGE.values(), ids=FILE_DAMAGE.keys())
def test_damaged_index_load_raises_index_unusable(index_copy, damage, hint):
    """``qa.search.index.load`` alone (no encoder, no corpus check) also refuses cleanly."""
    damage(index_copy)
    with pytest.raises(IndexUnusable) as caught:
        ix.load(index_copy)
    assert_index_message(str(caught.value), hint)


@pytest.mark.slow
@pytest.mark.parametrize("damage, hint", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_index_cli_no_rebuild_exits_4(index_copy, tmp_path, damage, hint):
    damage(index_copy)
    before = sorted(p.name for p in index_copy.iterdir()) if index_copy.exists() else None
    proc = run_qa("ask", CORE_POSTS, "--corpus", str(REPORT), "--index-dir", str(index_copy), "--no-rebuild",
                  cwd=tmp_path)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 4, err
    assert out == ""
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("qa: error: "), err
    assert_index_message(lines[0], hint)
    after = sorted(p.name for p in index_copy.iterdir()) if index_copy.exists() else None
    assert after == before, "--no-rebuild must leave the index folder alone"


# --- rebuilding a small corpus -----------------------------------------------------------

@pytest.fixture(scope="module")
def small_index(tmp_path_factory) -> tuple[Path, Path]:
    """``(corpus, index folder)`` of the small markdown corpus, built once for this module."""
    root = tmp_path_factory.mktemp("small")
    corpus = root / "small.md"
    corpus.write_text(SMALL, encoding="utf-8")
    folder = root / "index"
    Service.open(Settings(corpus=corpus, index_dir=folder), progress=False)
    return corpus, folder


@pytest.fixture
def small_copy(small_index, tmp_path) -> tuple[Path, Path]:
    corpus, folder = small_index
    dest = tmp_path / "small"
    shutil.copytree(corpus.parent, dest)
    return dest / corpus.name, dest / folder.name


REBUILD_CASES = ["index folder missing", "version folder missing", "CURRENT names nothing", "vectors.npy truncated",
                 "chunks.jsonl not JSON", "chunks.jsonl row is a list", "manifest other encoder",
                 "manifest other corpus", "manifest older format", "chunks.jsonl garbled, same size",
                 "segment.json missing"]


@pytest.mark.slow
@pytest.mark.parametrize("name", REBUILD_CASES)
def test_damaged_small_index_is_rebuilt_and_answers(small_copy, name):
    corpus, folder = small_copy
    DAMAGE[name][0](folder)
    service = Service.open(Settings(corpus=corpus, index_dir=folder), rebuild=True, progress=False)
    ans = service.ask("驻地协调员办公室有几个核心职位？")
    assert not ans.abstained, ans
    assert "五个核心职位" in ans.answer
    assert ans.citations[0].id == "small#1"
    # The rebuilt index is the live one on disk, and it passes its own checks.
    loaded = ix.load(folder)
    assert loaded.manifest.format == ix.FORMAT and loaded.manifest.chunks == 3
    versions = [p.name for p in folder.iterdir() if p.name.startswith(("v-", ".v-"))]
    assert versions == [live(folder).name], "older versions and leftovers are cleared"
    Service.open(Settings(corpus=corpus, index_dir=folder), rebuild=False)  # and is usable without rebuilding


@pytest.mark.slow
def test_damaged_small_index_cli_rebuilds_with_notice(small_copy):
    corpus, folder = small_copy
    DAMAGE["vectors.npy truncated"][0](folder)
    proc = run_qa("ask", "驻地协调员办公室有几个核心职位？", "--json", "--corpus", str(corpus),
                  "--index-dir", str(folder), cwd=corpus.parent)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "rebuilding the index" in err
    assert json.loads(out)["citations"][0]["id"] == "small#1"


@pytest.mark.slow
def test_two_builds_in_the_same_second(small_copy, monkeypatch):
    """Forcing two rebuilds back to back (same process, same clock second) must not crash.

    Version folders are named ``v-<seconds>-<pid>``; a fast machine can build a small corpus
    twice within one second. The clock is pinned here so the collision always happens.
    """
    corpus, folder = small_copy
    real = time.strftime
    monkeypatch.setattr(ix.time, "strftime",
                        lambda fmt, *a: "20200101000000" if fmt == "%Y%m%d%H%M%S" else real(fmt, *a))
    settings = Settings(corpus=corpus, index_dir=folder)
    Service.open(settings, force=True, progress=False)
    service = Service.open(settings, force=True, progress=False)
    assert not service.ask("驻地协调员办公室有几个核心职位？").abstained
    ix.load(folder)


@pytest.mark.slow
def test_killed_build_leaves_previous_index_usable(small_copy, tmp_path):
    corpus, folder = small_copy
    pointer_before = (folder / "CURRENT").read_text()
    manifest_before = ix.read_manifest(folder)
    # A corpus big enough that encoding takes minutes: the whole report, as markdown (a chunk per line).
    shutil.copyfile(REPORT, corpus)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "index", "--corpus", str(corpus),
                             "--index-dir", str(folder)], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.extend(ln.decode("utf-8", "replace") for ln in proc.stderr),
                              daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not any("rebuilding the index" in ln for ln in stderr) and time.monotonic() < deadline:
            assert proc.poll() is None, f"the build ended early: {''.join(stderr)}"
            time.sleep(0.1)
        assert any("rebuilding the index" in ln for ln in stderr), "the build never started"
        time.sleep(3)  # parsing done, encoding under way
        assert proc.poll() is None, f"the build finished before it could be killed: {''.join(stderr)}"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        reader.join(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    assert (folder / "CURRENT").read_text() == pointer_before
    index = ix.load(folder)
    assert index.manifest == manifest_before
    # It still answers (the corpus changed, so Service.open would want a rebuild; use the loaded index).
    from qa.encode.encoder import make_encoder

    service = Service(Settings(corpus=corpus, index_dir=folder), index, make_encoder())
    assert "五个核心职位" in service.ask("驻地协调员办公室有几个核心职位？").answer

    # The next build succeeds and clears the killed build's leftovers.
    corpus.write_text(SMALL + "\n驻地协调员由秘书长任命。\n", encoding="utf-8")
    service = Service.open(Settings(corpus=corpus, index_dir=folder), rebuild=True, progress=False)
    assert service.index.manifest.chunks == 4
    assert sorted(p.name for p in folder.iterdir() if p.name not in ("CURRENT", ".lock")) == sorted(
        [live(folder).name, "segments"])
    kept = set(json.loads((live(folder) / "segments.json").read_text()))
    assert not [p.name for p in (folder / "segments").iterdir() if p.name.endswith(".tmp")], \
        "the killed build's half-written segment is cleared"
    assert kept <= {p.name for p in (folder / "segments").iterdir()}


@pytest.mark.slow
def test_next_build_clears_leftovers_of_killed_builds(small_copy):
    """What a build killed at any step can leave: a half-written version, a pointer never swapped in."""
    corpus, folder = small_copy
    (folder / ".v-20200101000000-99999.tmp").mkdir()
    (folder / ".v-20200101000000-99999.tmp" / "chunks.jsonl").write_text("{", encoding="utf-8")
    (folder / "v-20200101000001-99999").mkdir()  # renamed into place, CURRENT never switched
    (folder / ".CURRENT.99999").write_text("v-20200101000001-99999\n")
    Service.open(Settings(corpus=corpus, index_dir=folder), rebuild=False)  # leftovers don't disturb loading
    corpus.write_text(SMALL + "\n驻地协调员由秘书长任命。\n", encoding="utf-8")
    Service.open(Settings(corpus=corpus, index_dir=folder), rebuild=True, progress=False)
    # .lock is the build lock, kept on purpose; everything else but the live version is gone
    assert sorted(p.name for p in folder.iterdir()) == sorted([".lock", "CURRENT", live(folder).name, "segments"])


# --- determinism and threads -------------------------------------------------------------

QUESTIONS = [
    CORE_POSTS,
    "驻地协调员在多少个国家和地区协调发展活动？",
    "报告的数据由哪个信息系统收集？",
    "95%的国家工作队说联合做法加强了与政府的关系，这个数字的出处是什么？",
    "特别用途信托基金收到了多少捐款？",
    "大会在哪一年哪一月通过了第 72/279 号决议？",
    "How many core posts does a resident coordinator office have?",
    "駐地協調員辦公室有多少核心職位",
    "火星上有几座联合国办事处？",  # not in the report: an abstention
    "COVID-19",
]


def as_json(ans: Answer) -> str:
    return json.dumps(ans.to_json(), ensure_ascii=False, sort_keys=True)


@pytest.mark.slow
def test_same_question_same_json(service):
    for q in QUESTIONS:
        assert as_json(service.ask(q)) == as_json(service.ask(q)), q


@pytest.mark.slow
def test_same_answers_after_a_fresh_load(service, built_index_dir):
    fresh = Service.open(Settings(corpus=REPORT, index_dir=built_index_dir), rebuild=False)
    for q in QUESTIONS:
        assert as_json(fresh.ask(q)) == as_json(service.ask(q)), q


@pytest.mark.slow
def test_cli_twice_gives_identical_json(built_index_dir, tmp_path):
    args = ["ask", CORE_POSTS, "--json", "--corpus", str(REPORT), "--index-dir", str(built_index_dir),
            "--no-rebuild"]
    first, second = run_qa(*args, cwd=tmp_path), run_qa(*args, cwd=tmp_path)
    assert first.returncode == second.returncode == 0, first.stderr.decode()
    assert first.stdout == second.stdout


@pytest.mark.slow
def test_threads_give_the_same_answers(service):
    expected = {q: as_json(service.ask(q)) for q in QUESTIONS}

    def worker(t: int) -> list[tuple[str, str]]:
        order = QUESTIONS[t % len(QUESTIONS):] + QUESTIONS[: t % len(QUESTIONS)]  # threads start apart
        return [(q, as_json(service.ask(q))) for q in order]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    assert sum(len(r) for r in results) == 8 * 10
    for rows in results:
        for q, got in rows:
            assert got == expected[q], q


# --- property-based: parsers -------------------------------------------------------------

any_char = st.characters(codec=None, exclude_categories=())  # surrogates included
free_text = st.text(alphabet=any_char, max_size=60)
cjk = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80) | st.sampled_from("，。；：（）% 0123"),
              min_size=1, max_size=40)
report_line = st.one_of(
    st.builds(lambda n, t, sp: f"{n}. {t}{sp}", st.integers(0, 60), cjk, st.sampled_from(["", " "])),
    st.just("__________________ "),
    st.builds(lambda n, t: f" {n} {t} ", st.integers(1, 12), cjk),  # footnote definition
    st.builds(lambda n, t: f"{t}。{n} ", st.integers(1, 12), cjk),  # a footnote marker glued to the text
    st.sampled_from(["E/2020/54", "20-05862 3/27", "5/27 20-05862", "https://undocs.org/ch/A/RES/72/279",
                     " 摘要 ", "图一", "图十二", "表 1", "表 99", "附件 ", "资料来源：经社部调查。 ", "注：同上。 ",
                     "• ", "  ", "", "同上。"]),
    st.builds(lambda t: f"• {t}", cjk),
    st.builds(lambda t, sp: f"{t}{sp}", cjk, st.sampled_from(["", " ", "\u3000"])),
    st.builds(lambda a, b: f"  {a} {b} 12.5 (3) — ", cjk, cjk),  # a table-ish row
    free_text,
)
report_like = st.lists(report_line, max_size=40).map(lambda ls: "\n\n".join(ls))
any_text = st.one_of(st.text(), st.text(alphabet=any_char), report_like)


def assert_well_formed(chunks) -> None:
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids)), ids
    for c in chunks:
        assert c.kind in KINDS, c
        assert isinstance(c.text, str) and c.text.strip(), c
        assert isinstance(c.id, str) and c.id
        for note in c.footnotes:
            assert 0 <= note.offset <= len(c.text), (note, c.text)


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_parse_report_only_raises_corpus_error(text):
    try:
        chunks = parse_report(text, "doc")
    except CorpusError as e:
        assert "\n" not in str(e)
        return
    assert chunks, "parse_report returns chunks or raises CorpusError"
    assert_well_formed(chunks)


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_parse_plain_only_raises_corpus_error(text):
    try:
        chunks = parse_plain(text, "doc")
    except CorpusError:
        return
    assert_well_formed(chunks)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_load_corpus_any_bytes(tmp_path_factory, data):
    """Any bytes in a corpus file: chunks, or a ``CorpusError`` that names the file."""
    for name in ("doc.txt", "doc.md", "corpus.jsonl"):
        path = tmp_path_factory.mktemp("bytes") / name
        path.write_bytes(data)
        try:
            chunks = load_corpus(path)
        except CorpusError as e:
            assert str(path) in str(e) and "\n" not in str(e)
            continue
        assert_well_formed(chunks)


# --- property-based: questions -----------------------------------------------------------

question_text = st.one_of(
    st.text(),
    st.text(alphabet=any_char, max_size=80),
    st.builds(lambda a, b: a + CORE_POSTS + b, st.text(alphabet=any_char, max_size=10),
              st.text(alphabet=any_char, max_size=10)),
    st.text(alphabet=st.sampled_from("驻地协调员办公室_-_？?！!。 \t\x00\ud800😀#*%0123abc"), max_size=30),
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=question_text, mode=st.sampled_from(["hybrid", "dense", "bm25"]), k=st.integers(1, 100))
def test_ask_returns_answer_or_bad_question(service, question, mode, k):
    try:
        ans = service.ask(question, k, mode)
    except BadQuestion as e:
        assert str(e) and "\n" not in str(e)
        return
    assert isinstance(ans, Answer)
    assert 1 <= len(ans.citations) <= k
    # Printable as the CLI prints it: valid JSON, encodable as UTF-8 (no lone surrogates left).
    json.dumps(ans.to_json(), ensure_ascii=False).encode("utf-8")
    if not ans.abstained:
        assert ans.highlight is not None and ans.answer


@pytest.mark.slow
def test_concurrent_builds_do_not_break_each_other(small_copy):
    """Two processes rebuilding one index: the build lock keeps one from deleting the other's files."""
    corpus, folder = small_copy
    corpus.write_text(SMALL + "\n驻地协调员由秘书长任命。\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "qa.cli", "index", "--rebuild", "--corpus", str(corpus), "--index-dir", str(folder)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    assert ix.load(folder).manifest.chunks == 4
