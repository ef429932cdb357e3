"""Page images (qa.serve.pages, GET /api/documents/{id}/pages/{n}.png): a real Chinese PDF from Debian's
texlive-lang-chinese (zhlineskip.pdf, 8 pages) added to a real library, asked through a real server, its citation's
``page_image`` followed, and the PNG's pixels checked where the cited characters are and far from them; the signed
links a server with a key hands out (opened without the key; changed, tampered or expired ones refused); the chat
page in Chromium, following a signed link; the page's library panel through the Gradio API.

The highlight is found by its colour: ``HIGHLIGHT`` (255, 200, 0) at alpha 112/255 over white paper is
(255, 231, 143) (green: 255 - 112/255 × 55 ≈ 231; blue: 255 - 112/255 × 255 ≈ 143). The PDF's own pages hold
none of it (measured: 0 such pixels on all 8 pages drawn plain; page 2's orange figure line comes close, at
(241, 213, 139)).
"""

from __future__ import annotations

import html
import io
import json
import math
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx
import numpy as np
import pytest

from qa.config import Settings
from qa.errors import BadQuestion
from qa.serve import pages
from tests.conftest import ROOT

PDF = ROOT / ".testdata/root/usr/share/doc/texlive-doc/latex/zhlineskip/zhlineskip.pdf"
QUESTION = "西文排版里相邻两行基线之间的距离称为什么"  # page 2: 相邻两行基线（baseline）之间的距离称为行距
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KEY = "p4ges"


def yellow(rgb: np.ndarray) -> np.ndarray:
    """Per pixel, whether it is highlight yellow over paper: (255, 231, 143), give or take rounding."""
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return (r >= 251) & (abs(g - 231) <= 4) & (abs(b - 143) <= 6)


def png_pixels(data: bytes) -> np.ndarray:
    from PIL import Image

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is missing: run bash tests/setup.sh (unpacks texlive-lang-chinese)")
    return path


# -- fast parts --------------------------------------------------------------------------------------------

def test_doctests():
    import doctest

    result = doctest.testmod(pages)
    assert result.attempted >= 4 and result.failed == 0


@pytest.mark.parametrize("number, scale, message", [
    ("0", None, "pages count from 1"),
    ("x", None, "not a page number"),
    ("٣", None, "not a page number"),  # an Arabic-Indic digit is a digit, but not a page number in a URL
    ("1", "big", "not a number"),
    ("1", "nan", "not a number"),
])
def test_bad_parameters_are_bad_questions(number, scale, message):
    with pytest.raises(BadQuestion, match=message):
        pages._page_number(number)
        pages._scale(scale)


def test_spans_are_checked_against_the_page():
    from qa.ingest.document import Chunk, Document, Page

    page = Page(2, None, "第一章\n本章说明方法。", True)
    chunk = Chunk("d#p2.1", "paragraph", None, "第一章", 2, "本章说明方法。", doc="d", span=(4, 11))
    other = Chunk("d#p1.1", "paragraph", None, None, 1, "前言。", doc="d", span=(0, 3))
    doc = Document("id", "d", "t", "d.pdf", "pdf", (other, chunk), (Page(1, None, "前言。", True), page))
    assert pages._span(doc, page, "d#p2.1", None) == (4, 11)
    assert pages._span(doc, page, None, "0,3") == (0, 3)
    assert pages._span(doc, page, None, None) is None
    for chunk_id, span, message in [("d#p1.1", None, "is on page 1, not on page 2"), ("d#p9", None, "no chunk"),
                                    (None, "3,2", "outside"), (None, "0,12", "outside"), (None, "a,b", "start,end"),
                                    ("d#p2.1", "0,1", "not both")]:
        with pytest.raises(BadQuestion, match=message):
            pages._span(doc, page, chunk_id, span)


def test_boxes_line_up_with_the_page_text():
    """``page_boxes`` gives one box per character of ``Page.text``, on every page of the real PDF, and the cited
    characters' boxes lie inside the page."""
    from qa.ingest.pdf import parse_pdf

    doc = parse_pdf(need(PDF))
    boxes = pages._boxes(PDF, doc.id)
    assert [len(b) for b in boxes] == [len(p.text) for p in doc.pages]
    for page, bx in zip(doc.pages, boxes):
        assert [math.isnan(b[0]) for b in bx] == [ch.isspace() for ch in page.text]
    chunk = next(c for c in doc.chunks if "基线（baseline）" in c.text)
    s, e = chunk.span
    assert doc.pages[chunk.page - 1].text[s:e] == chunk.text
    inside = boxes[chunk.page - 1][s:e]
    inside = inside[~np.isnan(inside[:, 0])]
    assert len(inside) >= len(chunk.text) * 0.9  # only the spaces the parser chose have no box
    assert (inside[:, 0] >= 0).all() and (inside[:, 2] <= 612).all() and (inside[:, 1] >= 0).all()


# -- a real server over a library with the PDF ------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(svc, api_key: str | None):
    """``svc`` served by uvicorn (API and page) in a thread, with ``api_key`` or none; yields its URL."""
    import uvicorn

    from qa.serve.api import ApiOptions
    from qa.serve.web import build_server

    port = _free_port()
    app = build_server(svc, ApiOptions(api_key=api_key))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started and time.time() < deadline:
        time.sleep(0.1)
    assert server.started, "uvicorn did not start within 60 s"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def library_service(tmp_path_factory):
    from qa.serve.service import Service

    need(PDF)
    folder = tmp_path_factory.mktemp("pages") / "lib"
    return Service.open(Settings(library=folder), progress=False), folder


@pytest.fixture(scope="module")
def served(library_service):
    """A library seeded with the report, served by uvicorn (API and page) with an API key; yields
    ``(url, library folder)``."""
    svc, folder = library_service
    with serving(svc, KEY) as url:
        yield url, folder


@pytest.fixture(scope="module")
def api(served):
    url, folder = served
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=120) as client:
        up = client.post("/api/documents", files={"file": ("zhlineskip.pdf", PDF.read_bytes(), "application/pdf")})
        assert up.status_code == 201, up.text
        yield client, up.json(), folder


@pytest.mark.slow
def test_a_citation_s_page_image_highlights_the_cited_characters(api):
    from qa.ingest.pdf import page_boxes

    client, entry, folder = api
    assert (folder / "files" / f"{entry['id']}.pdf").read_bytes() == PDF.read_bytes()  # the kept copy
    got = client.post("/api/ask", json={"question": QUESTION, "docs": ["zhlineskip"]})
    assert got.status_code == 200, got.text
    top = got.json()["citations"][0]
    assert "基线" in top["text"] and top["page"] == 2 and top["doc"]["id"] == entry["id"]
    route = f"/api/documents/{entry['id']}/pages/2.png?chunk={quote(top['id'], safe='')}"
    assert top["page_image"].startswith(route + "&exp=")  # signed: the server has a key
    assert {"id", "kind", "page", "page_label", "text", "score", "sources", "doc", "rank"} <= set(top)

    image = client.get(route)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    pixels = png_pixels(image.content)
    # zhlineskip.pdf's pages are A4 (595.276 × 841.89 pt); at 1.5 px a point: ceil(892.9) × ceil(1262.8)
    assert pixels.shape == (1263, 893, 3)

    # where the cited characters are, from the parser's own boxes (PDF points, y up) and the page's height
    from qa.search.library import Library

    doc = Library(folder).document(entry["id"])
    chunk = next(c for c in doc.chunks if c.id == top["id"])
    boxes = [b for b in page_boxes(PDF)[1][chunk.span[0]:chunk.span[1]] if b is not None]
    x0, x1 = min(b[0] for b in boxes) * 1.5, max(b[2] for b in boxes) * 1.5
    top_px, bottom_px = (841.89 - max(b[3] for b in boxes)) * 1.5, (841.89 - min(b[1] for b in boxes)) * 1.5
    inside = yellow(pixels[int(top_px):int(bottom_px) + 1, int(x0):int(x1) + 1])
    assert inside.mean() > 0.3, inside.mean()  # paper under the box is yellow; the glyphs over it are not
    far = np.ones(pixels.shape[:2], dtype=bool)
    far[max(0, int(top_px) - 20):int(bottom_px) + 20, :] = False  # every row 20 px or more from the passage
    assert yellow(pixels)[far].sum() == 0
    Path("/tmp/page-image.png").write_bytes(image.content)

    plain = png_pixels(client.get(f"/api/documents/{entry['id']}/pages/2.png").content)
    assert plain.shape == pixels.shape and yellow(plain).sum() == 0  # no chunk: no highlight
    small = png_pixels(client.get("/api/documents/zhlineskip/pages/2.png?span=0,10&scale=0.1").content)
    assert small.shape == (421, 298, 3)  # clamped to 0.5: ceil(297.6) × ceil(420.9); a name is as good as an id


@pytest.mark.slow
def test_page_image_errors(api):
    client, entry, _ = api
    report = next(d for d in client.get("/api/documents").json() if d["name"] == "E-2020-54")
    base = f"/api/documents/{entry['id']}/pages"
    cases = [
        ("/api/documents/0000000000000000/pages/1.png", 404, "no document '0000000000000000'"),
        (f"{base}/9.png", 404, "has pages 1–8, not 9"),
        (f"{base}/0.png", 400, "pages count from 1"),
        (f"{base}/two.png", 400, "not a page number"),
        (f"/api/documents/{report['id']}/pages/1.png", 409, "it is not a PDF"),
        (f"{base}/2.png?chunk=zhlineskip%23p9.9", 400, "no chunk"),
        (f"{base}/3.png?chunk=zhlineskip%23p2.3", 400, "not on page 3"),
        (f"{base}/2.png?span=5,2", 400, "outside"),
        (f"{base}/2.png?scale=huge", 400, "not a number"),
    ]
    for url, status, message in cases:
        got = client.get(url)
        assert got.status_code == status, (url, got.text)
        body = got.json()
        assert list(body) == ["error"] and message in body["error"] and "\n" not in body["error"], (url, body)
    denied = httpx.get(str(client.base_url) + f"{base}/2.png")  # no key
    assert denied.status_code == 401


# -- signed links ------------------------------------------------------------------------------------------

def _with(url: str, **changed: str) -> str:
    """``url`` with some query parameters set to other values (the rest, and their order, kept)."""
    parts = urlsplit(url)
    params = [(k, changed.pop(k, v)) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return parts.path + "?" + urlencode(params + list(changed.items()))


@pytest.mark.slow
def test_a_signed_page_link_opens_without_the_key_and_only_as_given(api):
    from qa.serve.pages import Links

    client, entry, _ = api
    citations = client.post("/api/ask", json={"question": QUESTION, "docs": ["zhlineskip"]}).json()["citations"]
    link = citations[0]["page_image"]
    params = dict(parse_qsl(urlsplit(link).query))
    assert set(params) == {"chunk", "exp", "sig"} and len(params["sig"]) == 32
    assert 24 * 3600 <= int(params["exp"]) - time.time() <= 25 * 3600 + 60  # a day, rounded up to the hour
    base = str(client.base_url)

    opened = httpx.get(base + link, timeout=120)  # no Authorization header
    assert opened.status_code == 200 and opened.headers["content-type"] == "image/png"
    assert yellow(png_pixels(opened.content)).sum() > 2000  # the cited passage, highlighted
    assert httpx.get(base + link, headers={"Authorization": "Basic dXNlcjpwdw=="}, timeout=120).status_code == 200

    other_chunk = next((c["id"] for c in citations[1:] if c["page"] == 2), "zhlineskip#p2.1")
    expired = Links.for_key(KEY).sign(urlsplit(link).path + "?chunk=" + quote(params["chunk"], safe=""),
                                      now=time.time() - 3 * 24 * 3600)  # rightly signed, 2 days ago expired
    refused = {
        link.replace("/pages/2.png", "/pages/3.png"): "does not match",
        _with(link, chunk=other_chunk): "does not match",
        _with(link, sig=params["sig"][:-1] + ("0" if params["sig"][-1] != "0" else "1")): "does not match",
        _with(link, exp=str(int(params["exp"]) + 3600)): "does not match",
        _with(link, scale="3"): "does not match",  # a parameter added
        _with(link, sig="nonsense"): "does not match",
        link.split("&exp=")[0]: "no page link signature",
        _with(link, exp="soon"): "malformed",
        expired: "expired at",
        Links.for_key("another key").sign(link.split("&exp=")[0]): "does not match",
    }
    for url, message in refused.items():
        got = httpx.get(base + url)
        assert got.status_code == 401, (url, got.text)
        body = got.json()
        assert list(body) == ["error"] and message in body["error"] and "\n" not in body["error"], (url, body)
        assert "Authorization: Bearer KEY" in body["error"]
    assert client.get(expired).status_code == 200  # the key still opens any link

    # the signature opens the page-image route alone, and only for GET
    query = urlsplit(link).query
    for path in ("/api/health", "/api/documents", f"/api/chunks/{quote(params['chunk'], safe='')}", "/v1/models"):
        got = httpx.get(f"{base}{path}?{query}")
        assert got.status_code == 401 and "missing or wrong API key" in got.text, path
    assert httpx.delete(f"{base}/api/documents/{entry['id']}?{query}").status_code == 401
    assert httpx.post(base + link).status_code == 401


@pytest.mark.slow
def test_chat_completions_hand_out_signed_links(api):
    client, _, _ = api
    body = {"messages": [{"role": "user", "content": QUESTION}], "docs": ["zhlineskip"]}
    plain = client.post("/v1/chat/completions", json=body).json()
    events = client.post("/v1/chat/completions", json={**body, "stream": True}).text.splitlines()
    last = json.loads([line for line in events if line.startswith("data: {")][-1][len("data: "):])
    for citations in (plain["citations"], plain["qa"]["citations"], last["citations"], last["qa"]["citations"]):
        link = citations[0]["page_image"]
        assert "&exp=" in link and "&sig=" in link, link
        assert httpx.get(str(client.base_url) + link, timeout=120).status_code == 200


@pytest.mark.slow
def test_without_a_key_links_are_not_signed(library_service, api):
    svc, _ = library_service
    with serving(svc, None) as url:
        got = httpx.post(url + "/api/ask", json={"question": QUESTION, "docs": ["zhlineskip"]}, timeout=120).json()
        link = got["citations"][0]["page_image"]
        assert link.startswith("/api/documents/") and "sig=" not in link and "exp=" not in link
        assert httpx.get(url + link, timeout=120).status_code == 200


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (the test never downloads one)")
def test_browser_follows_a_citation_to_its_highlighted_page(api, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    client, entry, _ = api
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # neither the page nor its links to page images need the key: the links are signed
            context = browser.new_context(viewport={"width": 1100, "height": 1300})
            page = context.new_page()
            page.goto(str(client.base_url) + "/")
            box = page.get_by_placeholder("输入问题，按回车提问")
            box.fill(QUESTION)
            box.press("Enter")
            reply = page.locator(".qa-answer, .qa-abstained").first
            expect(reply).to_contain_text("第 2 页", timeout=60_000)
            link = reply.locator("a.qa-page").first
            if not link.is_visible():  # the first passage is open only when the answer comes from it
                reply.locator("details summary").first.click()
            expect(link).to_contain_text("查看原页：第 2 页")
            href = link.get_attribute("href")
            assert href.startswith(f"/api/documents/{entry['id']}/pages/2.png?chunk=") and "&sig=" in href
            with context.expect_page() as opened:
                link.click()
            shown = opened.value
            shown.wait_for_load_state()
            assert shown.evaluate("document.contentType") == "image/png", shown.content()[:300]
            shot = tmp_path / "page-image-screenshot.png"
            shown.screenshot(path=str(shot), full_page=True)
            shutil.copy(shot, "/tmp/page-image-screenshot.png")
        finally:
            browser.close()
    pixels = png_pixels(shot.read_bytes())
    assert yellow(pixels).sum() > 2000, yellow(pixels).sum()  # the highlighted passage, as the browser shows it


@pytest.mark.slow
def test_the_page_adds_lists_and_removes_documents(api, tmp_path):
    from gradio_client import Client, handle_file

    client, entry, folder = api
    page = Client(str(client.base_url) + "/", verbose=False)
    rows, docs, chosen = page.predict(api_name="/documents")
    assert [r[0] for r in rows["data"]] == ["E-2020-54", "zhlineskip"]

    notes = tmp_path / "青松镇.md"
    notes.write_text("# 青松镇图书馆\n\n2025 年青松镇图书馆共有藏书 48 600 册。\n", encoding="utf-8")
    status, _ = page.predict(handle_file(str(notes)), api_name="/add_document")
    assert "已添加：青松镇" in status and 'class="qa-status"' in status
    assert [d["name"] for d in client.get("/api/documents").json()] == ["E-2020-54", "zhlineskip", "青松镇"]
    again, _ = page.predict(handle_file(str(notes)), api_name="/add_document")
    assert "已有同样内容" in again

    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\nnot really")
    status, _ = page.predict(handle_file(str(bad)), api_name="/add_document")
    assert status.startswith('<div class="qa-error">无法添加：broken.pdf: ') and "Traceback" not in status
    assert status.count("\n") == 0

    _, history = page.predict("青松镇图书馆共有多少册藏书", [], 3, "hybrid", ["青松镇"], api_name="/ask")
    assert "48 600 册" in str(history[1]) and "E-2020-54" not in str(history[1])

    new_id = next(d["id"] for d in client.get("/api/documents").json() if d["name"] == "青松镇")
    status = page.predict(new_id, api_name="/remove_document")
    assert "已删除：青松镇" in status
    assert [d["name"] for d in client.get("/api/documents").json()] == ["E-2020-54", "zhlineskip"]
    gone = page.predict("nope", api_name="/remove_document")
    assert "无法删除：no document 'nope'" in html.unescape(gone)


@pytest.mark.slow
def test_removing_a_pdf_removes_its_copy_and_its_pages(served, tmp_path):
    import uuid

    pytest.importorskip("reportlab")
    from tests import pdfgen

    url, folder = served
    made = pdfgen.reportlab_pdf(tmp_path / "archive.pdf", [f"青松镇档案馆的恒温库房可存放档案 8 200 卷（{uuid.uuid4().hex[:6]}）。"])
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=120) as client:
        up = client.post("/api/documents", files={"file": ("archive.pdf", made.path.read_bytes())})
        assert up.status_code == 201, up.text
        doc_id = up.json()["id"]
        assert (folder / "files" / f"{doc_id}.pdf").read_bytes() == made.path.read_bytes()
        assert client.get(f"/api/documents/{doc_id}/pages/1.png").status_code == 200
        assert client.delete(f"/api/documents/{doc_id}").status_code == 200
        assert not (folder / "files" / f"{doc_id}.pdf").exists()
        gone = client.get(f"/api/documents/{doc_id}/pages/1.png")
        assert gone.status_code == 404 and "no document" in gone.json()["error"]
