"""The document library on real files: qa add / remove / list, --doc, citations by document, the API routes,
and a running server that picks up a new document without a restart.

One library holding the report is built per session (the vector cache makes it a few seconds once the report
has been encoded); each test works on its own copy. The second document is a small Chinese Markdown file
written in ``tmp_path``; its text carries a token unique to the run, so its vectors are never in the cache
and the count of texts encoded is exact.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from qa.cli import main
from qa.config import Settings
from tests.conftest import REPORT, ROOT

Q23 = "驻地协调员办公室有多少核心职位"
LIBRARY_Q = "青松镇图书馆共有多少册藏书"
QUESTIONS = [Q23, "2019 年驻地协调员系统的收入是多少", "图八中 2019 年的数值是多少", "第 9 段说了什么",
             "日本在 2018 年向信托基金捐了多少钱？"]


def notes_text(token: str) -> str:
    return (f"# 青松镇图书馆年度简报\n\n## 馆藏\n\n2025 年青松镇图书馆共有藏书 48 600 册，其中儿童读物 12 300 册。"
            f"编号 {token}。\n\n## 读者服务\n\n全年接待读者 73 500 人次，举办读书会 26 场。"
            f"图书馆每周一闭馆，其余日子上午九点开门。\n")


@pytest.fixture
def notes(tmp_path) -> Path:
    path = tmp_path / "notes.md"
    path.write_text(notes_text(uuid.uuid4().hex[:12]), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def seeded_library(tmp_path_factory) -> Path:
    """A library seeded with the report, as a first ``qa ask`` makes it (from the repository's folder)."""
    from qa.serve.service import Service

    folder = tmp_path_factory.mktemp("library") / "lib"
    Service.open(Settings(library=folder), progress=False)
    return folder


@pytest.fixture
def library(seeded_library, tmp_path) -> Path:
    dest = tmp_path / "lib"
    shutil.copytree(seeded_library, dest)
    return dest


def qa(*args: str):
    """``qa …`` in process, from the repository's folder (where the report is)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def answers(library: Path, *extra: str) -> list[dict]:
    path = library.parent / "questions.txt"
    path.write_text("\n".join(QUESTIONS) + "\n", encoding="utf-8")
    out = qa("ask", "--batch", str(path), "--json", "--library", str(library), *extra)
    assert out.exit_code == 0, out.output
    return [json.loads(line) for line in out.stdout.splitlines()]


# -- fast parts --------------------------------------------------------------------------------------------

def test_doctests():
    import doctest

    from qa.search import library, retrieve

    for module in (library, retrieve):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0


def test_a_markdown_file_becomes_a_document(notes):
    from qa.search.library import parse_file

    doc = parse_file(notes, "notes")
    assert (doc.name, doc.title, doc.file, doc.parser, doc.page_count) == ("notes", "青松镇图书馆年度简报", "notes.md",
                                                                          "markdown", None)
    assert [c.id for c in doc.chunks] == ["notes#1", "notes#2"] and {c.doc for c in doc.chunks} == {"notes"}
    assert doc.chunks[0].section == "馆藏"


def test_the_report_keeps_its_chunk_ids_and_gets_its_cover_title():
    from qa.search.library import parse_file

    doc = parse_file(REPORT)
    assert doc.name == "E-2020-54" and doc.chunks[0].id == "E-2020-54#front" and len(doc.chunks) == 139
    assert doc.title == "联合国可持续发展集团主席的报告"  # the line above 摘要 on the cover (the registry)


@pytest.mark.parametrize("ref, found", [("E-2020-54", True), ("9529", True), ("9529e22f84f9e10a", True),
                                        ("952", False), ("nope", False)])
def test_a_document_is_named_by_id_id_prefix_or_name(ref, found):
    from qa.search.library import UnknownDocument, resolve

    catalog = [{"id": "9529e22f84f9e10a", "name": "E-2020-54"}, {"id": "2231e7bba32855c4", "name": "notes"}]
    if found:
        assert resolve(ref, catalog)["name"] == "E-2020-54"
    else:
        with pytest.raises(UnknownDocument, match="list them with: qa list"):
            resolve(ref, catalog)


# -- the library on real files ----------------------------------------------------------------------------

@pytest.mark.slow
def test_add_list_ask_and_doc_filter(library, notes):
    out = qa("add", str(notes), "--library", str(library))
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("added ") and "notes 《青松镇图书馆年度简报》: 2 chunks" in out.stdout

    listed = json.loads(qa("list", "--json", "--library", str(library)).stdout)
    assert [d["name"] for d in listed] == ["E-2020-54", "notes"]
    assert set(listed[1]) >= {"id", "name", "title", "file", "pages", "chunks", "added", "sha256"}
    assert listed[1]["file"] == "notes.md" and listed[1]["chunks"] == 2 and listed[1]["pages"] is None
    assert listed[0]["chunks"] == 139
    plain = qa("list", "--library", str(library)).stdout.splitlines()
    assert len(plain) == 2 and "《青松镇图书馆年度简报》" in plain[1]

    got = json.loads(qa("ask", LIBRARY_Q, "--json", "--library", str(library)).stdout)
    assert not got["abstained"] and "48 600 册" in got["answer"]
    top = got["citations"][0]
    assert top["doc"] == {"id": listed[1]["id"], "title": "青松镇图书馆年度简报", "file": "notes.md"}
    assert top["id"] == "notes#1" and top["rank"] == 1 and top["page"] is None and top["page_label"] is None
    text = qa("ask", LIBRARY_Q, "--library", str(library)).stdout
    assert "[1] 《青松镇图书馆年度简报》 第 1 段 · 馆藏 · notes#1" in text and "相关度" not in text

    only = json.loads(qa("ask", Q23, "--json", "--doc", "notes", "--library", str(library)).stdout)
    assert {c["doc"]["file"] for c in only["citations"]} == {"notes.md"}  # 2 chunks: only those are cited
    assert len(only["citations"]) == 2
    report = json.loads(qa("ask", LIBRARY_Q, "--json", "--doc", listed[0]["id"][:6], "--library", str(library)).stdout)
    assert {c["doc"]["file"] for c in report["citations"]} == {"E-2020-54.zh.txt"}
    both = json.loads(qa("ask", Q23, "--json", "--doc", "notes", "--doc", "E-2020-54", "--library",
                         str(library)).stdout)
    assert both["citations"][0]["id"] == "E-2020-54#p23"

    unknown = qa("ask", Q23, "--doc", "nope", "--library", str(library))
    assert unknown.exit_code == 2 and unknown.stderr.strip().splitlines() == [
        f"qa: error: no document 'nope' in {library}; list them with: qa list (GET /api/documents)"]


@pytest.mark.slow
def test_the_same_content_again_is_skipped(library, notes, tmp_path):
    assert qa("add", str(notes), "--library", str(library)).exit_code == 0
    copy = tmp_path / "copy" / "renamed.md"
    copy.parent.mkdir()
    shutil.copy(notes, copy)
    out = qa("add", str(notes), str(copy), "--library", str(library))
    assert out.exit_code == 0
    assert out.stdout.count("skipped ") == 2 and "already in the library as" in out.stdout
    assert "0 added, 2 skipped, 0 failed" in out.stderr
    assert len(json.loads(qa("list", "--json", "--library", str(library)).stdout)) == 2


@pytest.mark.slow
def test_a_bad_file_among_good_ones(library, notes, tmp_path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01\x02 not text")
    other = tmp_path / "second.txt"
    other.write_text(f"第二份说明。编号 {uuid.uuid4().hex[:8]}。本说明只有一段。\n", encoding="utf-8")
    out = qa("add", str(notes), str(bad), str(other), "--library", str(library))
    assert out.exit_code == 3
    errors = [ln for ln in out.stderr.splitlines() if ln.startswith("qa: error:")]
    assert len(errors) == 1 and errors[0].startswith(f"qa: error: {bad}: binary content, not a format qa reads; ")
    assert "2 added, 0 skipped, 1 failed" in out.stderr
    names = [d["name"] for d in json.loads(qa("list", "--json", "--library", str(library)).stdout)]
    assert names == ["E-2020-54", "notes", "second"]


@pytest.mark.slow
def test_a_folder_and_a_glob(library, notes, tmp_path):
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "a.txt").write_text(f"甲文件。{uuid.uuid4().hex[:8]}\n", encoding="utf-8")
    (tmp_path / "more" / "b.md").write_text(f"# 乙\n\n乙文件。{uuid.uuid4().hex[:8]}\n", encoding="utf-8")
    out = qa("add", str(tmp_path / "more"), str(tmp_path / "*.md"), "--library", str(library))
    assert out.exit_code == 0, out.output
    names = [d["name"] for d in json.loads(qa("list", "--json", "--library", str(library)).stdout)]
    assert names == ["E-2020-54", "a", "b", "notes"]


@pytest.mark.slow
def test_remove_restores_the_answers_exactly(library, notes):
    before = answers(library)
    assert qa("add", str(notes), "--library", str(library)).exit_code == 0
    assert answers(library, "--doc", "notes")[0]["citations"][0]["doc"]["file"] == "notes.md"
    out = qa("remove", "notes", "--library", str(library))
    assert out.exit_code == 0 and out.stdout.startswith("removed ")
    assert answers(library) == before
    assert [d["name"] for d in json.loads(qa("list", "--json", "--library", str(library)).stdout)] == ["E-2020-54"]
    assert len(list((library / "documents").glob("*.json"))) == 1  # only the report's parsed form is left

    gone = qa("remove", "notes", "--library", str(library))
    assert gone.exit_code == 2 and gone.stderr.startswith("qa: error: no document 'notes' in ")


@pytest.mark.slow
def test_the_library_answers_as_the_one_off_corpus_did(library, built_index_dir):
    from qa.serve.service import Service

    lib = Service.open(Settings(library=library), rebuild=False)
    one_off = Service.open(Settings(corpus=REPORT, index_dir=built_index_dir), rebuild=False)
    for q in QUESTIONS:
        a, b = lib.ask(q).to_json(), one_off.ask(q).to_json()
        for c in a["citations"] + b["citations"]:
            c.pop("doc")
        assert a == b, q


@pytest.mark.slow
def test_adding_encodes_only_the_new_document(library, notes):
    from qa.encode.encoder import make_encoder
    from qa.lang.tokenize import dense_text
    from qa.search.index import sentence_spans
    from qa.search.library import Library, parse_file

    enc = make_encoder("e5")
    seen: list[str] = []
    passages = enc.passages
    enc.passages = lambda texts: (seen.extend(texts), passages(texts))[1]
    lib = Library(library)
    report_texts = lib.catalog()[0]["chunks"] + len(sentence_spans(list(lib.document(lib.catalog()[0]["id"]).chunks)))
    started = time.perf_counter()
    out = lib.add([notes], enc, progress=False)
    seconds = time.perf_counter() - started
    doc = parse_file(notes, "notes")
    # 2 chunks and 4 sentences: "…12 300 册。" "编号 ….。" | "…26 场。" "图书馆每周一闭馆，…开门。"
    new_texts = len(doc.chunks) + len(sentence_spans(list(doc.chunks)))
    assert new_texts == 6
    # the report's segment is reused as it is (none of its texts looked up); of the new document, the texts with
    # the run's token are encoded at least (the chunk and the sentence holding it; its other sentences may be
    # cached from an earlier run)
    assert out.index.vectors_reused + out.index.vectors_encoded == new_texts
    assert 2 <= out.index.vectors_encoded <= new_texts and len(out.index.chunks) == report_texts - len(
        sentence_spans(list(lib.document(lib.catalog()[0]["id"]).chunks))) + len(doc.chunks)
    new = {dense_text(c.text) for c in doc.chunks} | {dense_text(c.text[a:b]) for c in doc.chunks
                                                      for _, a, b in sentence_spans([c])}
    assert len(seen) == out.index.vectors_encoded and set(seen) <= new  # the encoder saw nothing of the report
    print(f"added a 2-chunk document to the report's library in {seconds:.2f} s: {out.index.vectors_encoded} "
          f"texts encoded, {out.index.vectors_reused} vectors reused")


@pytest.mark.slow
def test_a_named_figure_is_looked_for_in_one_document(library, tmp_path):
    # a second copy of the report (one more line: other bytes, another document) has its own figure 8
    copy = tmp_path / "E-2020-54.zh.txt"
    copy.write_text(REPORT.read_text(encoding="utf-8") + "\n \n", encoding="utf-8")
    out = qa("add", str(copy), "--library", str(library))
    assert out.exit_code == 0 and "E-2020-54-2" in out.stdout, out.output
    from qa.serve.service import Service

    svc = Service.open(Settings(library=library), rebuild=False)
    q = "图八中 2019 年的数值是多少"
    scores = svc.hits(svc.query(q), 5, "hybrid")[1]
    named = {svc.index.chunks[r].doc for r in scores.referenced.nonzero()[0]}
    assert len(named) == 1  # not both documents' figure 8
    only = svc.allowed(["E-2020-54-2"])
    scores = svc.hits(svc.query(q), 5, "hybrid", only)[1]
    assert {svc.index.chunks[r].doc for r in scores.referenced.nonzero()[0]} == {"E-2020-54-2"}
    ans = svc.ask(q, docs=["E-2020-54-2"])
    assert ans.citations[0].id == "E-2020-54-2#fig8" and {c.doc["id"] for c in ans.citations} == {
        json.loads(qa("list", "--json", "--library", str(library)).stdout)[1]["id"]}


# -- the API ----------------------------------------------------------------------------------------------------

@pytest.fixture
def client(library):
    from fastapi.testclient import TestClient

    from qa.serve.api import ApiOptions, build_api
    from qa.serve.service import Service

    svc = Service.open(Settings(library=library), rebuild=False)
    app = build_api(svc, ApiOptions(api_key="k3y", max_upload=4096))
    with TestClient(app) as c:
        c.headers["Authorization"] = "Bearer k3y"
        yield c
    app.state.pool.close()


@pytest.mark.slow
def test_api_documents(client, notes):
    listed = client.get("/api/documents")
    assert listed.status_code == 200 and [d["name"] for d in listed.json()] == ["E-2020-54"]
    assert client.get("/api/documents", headers={"Authorization": "Bearer wrong"}).status_code == 401
    up = client.post("/api/documents", files={"file": ("notes.md", notes.read_bytes(), "text/markdown")},
                     headers={"Authorization": ""})
    assert up.status_code == 401  # the key is needed to upload whenever one is set

    up = client.post("/api/documents", files={"file": ("notes.md", notes.read_bytes(), "text/markdown")})
    assert up.status_code == 201 and up.json()["status"] == "added" and up.json()["name"] == "notes"
    doc_id = up.json()["id"]
    again = client.post("/api/documents", files={"file": ("again.md", notes.read_bytes())})
    assert again.status_code == 200 and again.json()["status"] == "skipped" and again.json()["id"] == doc_id

    big = client.post("/api/documents", files={"file": ("big.md", "长" * 3000)})
    assert big.status_code == 413 and "--max-upload" in big.json()["error"]
    binary = client.post("/api/documents", files={"file": ("data.bin", bytes(range(256)) * 4)})
    assert binary.status_code == 415 and binary.json()["error"].startswith("data.bin: binary content, not a format ")
    empty = client.post("/api/documents", files={"file": ("empty.txt", b"")})
    assert empty.status_code == 400 and empty.json() == {"error": "empty.txt: file is empty (0 bytes); nothing to read"}
    none = client.post("/api/documents", data={"x": "1"})
    assert none.status_code == 400 and "field 'file'" in none.json()["error"]

    ask = client.post("/api/ask", json={"question": LIBRARY_Q, "docs": ["notes"]})
    assert ask.status_code == 200 and ask.json()["citations"][0]["doc"]["id"] == doc_id
    assert {c["doc"]["id"] for c in ask.json()["citations"]} == {doc_id}
    bad = client.post("/api/ask", json={"question": LIBRARY_Q, "docs": ["nope"]})
    assert bad.status_code == 400 and "no document 'nope'" in bad.json()["error"]
    chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": Q23}],
                                                     "docs": ["E-2020-54"]})
    assert chat.status_code == 200 and {c["doc"]["title"] for c in chat.json()["citations"]} == {
        "联合国可持续发展集团主席的报告"}
    assert "《联合国可持续发展集团主席的报告》 第 23 段" in chat.json()["choices"][0]["message"]["content"]

    assert client.delete("/api/documents/nope").status_code == 404
    gone = client.delete(f"/api/documents/{doc_id[:6]}")
    assert gone.status_code == 200 and gone.json()["status"] == "removed" and gone.json()["id"] == doc_id
    assert [d["name"] for d in client.get("/api/documents").json()] == ["E-2020-54"]
    assert client.post("/api/ask", json={"question": Q23, "docs": ["notes"]}).status_code == 400


# -- a running server ---------------------------------------------------------------------------------------

@contextmanager
def served(library: Path, *options: str):
    """A real ``qa serve --library`` on a free port, yielding its URL once it answers; stopped afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("QA_CORPUS", "QA_INDEX_DIR", "QA_API_KEY")}
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port), "--library", str(library),
                             *options], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while True:
            try:
                httpx.get(url + "/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode()[-800:]
                assert time.time() < deadline, "qa serve did not start"
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_a_running_server_picks_up_an_added_document(library, notes):
    with served(library, "--pool", "process", "--workers", "1") as url:
        before = httpx.post(url + "/api/ask", json={"question": LIBRARY_Q}, timeout=60).json()
        assert before["abstained"] and all(c["doc"]["file"] == "E-2020-54.zh.txt" for c in before["citations"])

        assert qa("add", str(notes), "--library", str(library)).exit_code == 0  # another process: the CLI
        started, after = time.time(), None
        while time.time() - started < 30:
            after = httpx.post(url + "/api/ask", json={"question": LIBRARY_Q}, timeout=60).json()
            if after["citations"][0]["doc"]["file"] == "notes.md":
                break
            time.sleep(0.3)
        assert after["citations"][0]["doc"]["file"] == "notes.md" and "48 600 册" in after["answer"]
        docs = httpx.get(url + "/api/documents", timeout=10).json()
        assert [d["name"] for d in docs] == ["E-2020-54", "notes"]
        print(f"the server answered from the new library {time.time() - started:.1f} s after qa add returned")


@pytest.mark.slow
def test_questions_asked_while_the_library_changes_all_get_whole_answers(library, notes):
    import threading

    from qa.search.library import Library
    from qa.serve.service import Service

    svc = Service.open(Settings(library=library), rebuild=False)
    lib = Library(library)
    errors: list[BaseException] = []
    seen: list[set[str]] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                ans = svc.ask(LIBRARY_Q)
                seen.append({c.doc["file"] for c in ans.citations})
                assert all(c.doc["id"] for c in ans.citations)  # every cited chunk is in the catalog it came with
            except BaseException as e:  # noqa: BLE001 (any failure counts)
                errors.append(e)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for _ in range(2):  # add, remove, add, remove: four swaps under the askers
            lib.add([notes], svc.encoder, progress=False)
            time.sleep(1.2)
            lib.remove("notes", svc.encoder, progress=False)
            time.sleep(1.2)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors[:3]
    assert any("notes.md" in s for s in seen) and seen  # the new document was seen while it was there


@pytest.mark.slow
def test_a_pdf_is_cited_by_its_page_and_printed_label(library, tmp_path):
    pytest.importorskip("reportlab")
    from tests import pdfgen

    token = uuid.uuid4().hex[:6]
    filler = [f"第{i}节说明本镇的道路、桥梁和路灯的日常养护安排，以及每月一次的检查记录如何归档保存。" * 3 for i in range(30)]
    target = f"青松镇档案馆新建的恒温库房于 2024 年 9 月启用，可存放档案 8 200 卷（登记号 {token}）。"
    made = pdfgen.reportlab_pdf(tmp_path / "archive.pdf", [*filler, target], labels=[(0, "ROMAN_LOWER", 1)])
    page = next(n for n, texts in enumerate(made.pages, start=1) if any(token in t for t in texts))
    assert page >= 2  # the filler fills the first page
    out = qa("add", str(made.path), "--library", str(library))
    assert out.exit_code == 0 and "pages" in out.stdout, out.output

    got = json.loads(qa("ask", "档案馆的恒温库房可存放多少卷档案", "--json", "--doc", "archive",
                        "--library", str(library)).stdout)
    top = got["citations"][0]
    roman = ["i", "ii", "iii", "iv", "v"][page - 1]
    assert token in top["text"] and top["page"] == page and top["page_label"] == roman
    assert top["doc"]["file"] == "archive.pdf"
    text = qa("ask", "档案馆的恒温库房可存放多少卷档案", "--doc", "archive", "--library", str(library)).stdout
    assert f"[1] 《{top['doc']['title']}》 第 {page} 页（印 {roman}）" in text


@pytest.mark.slow
def test_twenty_clients_over_http_while_documents_come_and_go(library, notes):
    """``qa.lab.loadtest --churn`` smaller: 20 clients, 2 add/remove cycles, a real server; 0 errors, and every
    answer's citations from one version of the library."""
    from qa.lab.loadtest import QUESTIONS as REPORT_QS
    from qa.lab.loadtest import run_churn

    with served(library) as url:
        result = run_churn(url, library, [notes], clients=20, cycles=2, questions=[LIBRARY_Q, *REPORT_QS[:4]])
        print(f"\nchurn: {result}")
        assert result.changes == 4 and result.versions == 5 and result.questions >= 20
        assert result.errors == 0 and result.mixed == 0, result
