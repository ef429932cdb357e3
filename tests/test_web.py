"""The web UI: its functions called directly, a live server through gradio_client, a real Chromium."""

from __future__ import annotations

import html
import re
import shutil
import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest

from qa.serve import web
from qa.answer.reply import NO_ANSWER, Answer, Citation, Highlight, Source
from qa.errors import BadQuestion, IndexUnusable

Q23 = "驻地协调员办公室有多少核心职位"  # answered by paragraph 23: 五个核心职位
Q_SOURCE = "95%的联合国国家工作队报告与政府关系加强，这一数据的来源是什么？"
INCOME = "2019 年驻地协调员系统的收入是多少"
INJECTION = "<script>alert(1)</script><img src=x onerror=alert(2)>**bold**"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def user(content) -> dict:
    return {"role": "user", "content": content}


class Stub:
    """A service that returns a fixed answer or raises a fixed error."""

    def __init__(self, settings, answer: Answer | None = None, error: Exception | None = None):
        self.settings, self.answer, self.error = settings, answer, error

    def ask(self, question, k=None, mode=None, docs=None):
        if self.error:
            raise self.error
        return replace(self.answer, question=question)


# -- contextualise ---------------------------------------------------------------------------------

@pytest.mark.parametrize("message, history, expected", [
    # a lone new year replaces the previous question's year
    ("那 2020 年呢？", [user(INCOME)], "2020 年驻地协调员系统的收入是多少"),
    ("What about 2020?", [user("How many resident coordinators were appointed in 2019?")],
     "How many resident coordinators were appointed in 2020?"),
    # otherwise the previous question goes first
    ("这个数据的来源是什么？", [user(INCOME)], INCOME + " 这个数据的来源是什么？"),
    ("那核心职位呢？", [user(INCOME)], INCOME + " 那核心职位呢？"),
    ("来源呢？", [user(INCOME)], INCOME + " 来源呢？"),  # 2 word characters < SHORT
    ("数据来源是什么", [user(INCOME)], INCOME + " 数据来源是什么"),  # a source question with no subject
    # questions that stand alone, or have nothing to lean on, are left as they are
    (Q23, [user(INCOME)], Q23),
    (Q_SOURCE, [user(INCOME)], Q_SOURCE),
    ("那 2020 年呢？", [], "那 2020 年呢？"),
    ("   ", [user(INCOME)], "   "),
    # follow-ups chain on the question as understood, in Gradio's history format (list of parts)
    ("这个数据的来源是什么？",
     [user(INCOME), {"role": "assistant", "content": "<div>…</div>"},
      user([{"type": "text", "text": "那 2020 年呢？"}])],
     "2020 年驻地协调员系统的收入是多少 这个数据的来源是什么？"),
    # the chat shows user messages escaped; the question is their text
    ("那 2020 年呢？", [user(html.escape("<b>2019</b> 年的收入"))], "<b>2020</b> 年的收入"),
])
def test_contextualise(message, history, expected):
    assert web.contextualise(message, history) == expected


# -- respond, with the real service ----------------------------------------------------------------

def test_respond_marks_the_answer_inside_paragraph_23(service):
    out = web.respond(Q23, [], service.settings, service)
    ans = service.ask(Q23)
    assert not ans.abstained
    marked = re.findall(r"<mark>(.*?)</mark>", out)
    assert marked == [html.escape(ans.answer)] and "五个核心职位" in marked[0]
    assert 'class="qa-answer"' in out
    assert "<details open><summary>[1] 《E-2020-54》 第 23 段" in out  # the answer's passage comes first, opened
    assert out.count("<details") == len(ans.citations) == service.settings.k
    assert "理解为" not in out  # not rewritten


def test_respond_lists_footnote_sources(service):
    out = web.respond(Q_SOURCE, [], service.settings, service)
    ans = service.ask(Q_SOURCE)
    assert out.startswith('<div class="qa-answer"')
    assert "资料来源：联合国可持续发展集团信息管理系统（脚注 1）" in out
    for c in ans.citations:
        for s in c.sources:
            assert f"<li>资料来源：{html.escape(s.text)}" in out


def test_respond_uses_k_and_mode(service):
    out = web.respond(Q23, [], service.settings.with_(k=2, mode="bm25"), service)
    assert out.count("<details") == 2


def test_respond_shows_how_a_follow_up_was_understood(service):
    history = [user(INCOME), {"role": "assistant", "content": web.respond(INCOME, [], service.settings, service)}]
    out = web.respond("那 2020 年呢？", history, service.settings, service)
    assert "理解为：2020 年驻地协调员系统的收入是多少" in out


def test_abstention_looks_different(service):
    real = web.respond("日本在 2018 年向信托基金捐了多少钱？", [], service.settings, service)
    answered = service.ask(Q23)
    stub = Stub(service.settings, replace(answered, abstained=True, answer=NO_ANSWER, highlight=None))
    made = web.respond(Q23, [], stub.settings, stub)
    for out in (real, made):
        assert out.startswith('<div class="qa-abstained"') and "qa-answer" not in out
        assert NO_ANSWER in out and "最接近的段落" in out and "<mark>" not in out
    assert "第 23 段" in made  # the closest passages are still listed


def test_injected_question_is_escaped(service):
    out = web.respond("那 " + INJECTION, [user(INCOME)], service.settings, service)  # echoed in 理解为
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;**bold**" in out
    assert "<script" not in out and "<img" not in out


def test_document_text_is_escaped_and_marked():
    # "前文<b>。" is 6 characters, so the sentence "答案<script>x</script>。" spans [6, 27)
    text = "前文<b>。答案<script>x</script>。后文"
    cite = Citation("c1", "paragraph", 7, "节<i>", 3, text, 0.5, (Source(2, "调查<u>"),))
    ans = Answer("q", False, text[6:27], (cite,), Highlight("c1", 6, 27))
    out = web.answer_html(ans)
    assert "前文&lt;b&gt;。<mark>答案&lt;script&gt;x&lt;/script&gt;。</mark>后文" in out
    assert "[1] 第 3 页 · 第 7 段 · 节&lt;i&gt;</summary>" in out  # page first; the rank, no fused score
    assert "<li>资料来源：调查&lt;u&gt;（脚注 2）</li>" in out
    assert not re.search(r"<(b|i|u|script)>", out)


@pytest.mark.parametrize("question", ["", "   ", "？？？"])
def test_bad_question_becomes_a_message(service, question):
    out = web.respond(question, [], service.settings, service)
    assert out.startswith('<div class="qa-error"') and "无法回答" in out and "Traceback" not in out


@pytest.mark.parametrize("error", [BadQuestion("k must be between 1 and 100, not 0"),
                                   IndexUnusable("index missing; run qa index")])
def test_any_qa_error_becomes_a_message(service, error):
    out = web.respond(Q23, [], service.settings, Stub(service.settings, error=error))
    assert out == web.error_html(str(error))


# -- a live server ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(service):
    """The whole app (API, with the page mounted at /) for the session's service, served by uvicorn from a
    background thread, as ``qa serve`` does; yields its URL."""
    import threading

    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(web.build_server(service), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not srv.started and time.time() < deadline:
        time.sleep(0.1)
    assert srv.started, "uvicorn did not start within 60 s"
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.mark.slow
def test_api_answers_and_follows_up(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    box, history = client.predict(Q23, [], 5, "hybrid", api_name="/ask")
    assert box == "" and len(history) == 2
    assert "第 23 段" in str(history[1]) and "<mark>" in str(history[1])
    _, history = client.predict("那 2020 年呢？", history, 3, "bm25", api_name="/ask")
    assert len(history) == 4 and "理解为：" in str(history[3])


@pytest.mark.slow
def test_api_escapes_the_question_and_serves_users_at_once(server):
    from gradio_client import Client

    # one client per user, as in real use (jobs sharing one client's event stream can be cancelled by
    # gradio_client when another job on it finishes first)
    clients = [Client(server, verbose=False) for _ in range(4)]
    jobs = [c.submit(q, [], 3, "hybrid", api_name="/ask") for c, q in zip(clients, (INJECTION, *web.EXAMPLES[:3]))]
    results = [job.result(timeout=120) for job in jobs]
    injected = str(results[0][1])
    assert html.escape(INJECTION) in injected and "<script" not in injected and "<img" not in injected
    assert all("qa-answer" in str(h) or "qa-abstained" in str(h) for _, h in results)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (the test never downloads one)")
def test_browser_asks_and_renders_text_as_text(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    dialogs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1300})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(server)
            box = page.get_by_placeholder("输入问题，按回车提问")
            box.fill(Q23)
            box.press("Enter")
            reply = page.locator(".qa-answer").first
            expect(reply).to_contain_text("第 23 段", timeout=60_000)
            expect(reply.locator("mark")).to_contain_text("五个核心职位")
            expect(reply.locator("details")).to_have_count(5)  # the sanitiser keeps <details>
            shot = tmp_path / "ui-screenshot.png"
            page.screenshot(path=str(shot), full_page=True)
            shutil.copy(shot, "/tmp/ui-screenshot.png")

            box.fill(INJECTION)
            box.press("Enter")
            expect(page.locator(".qa-answer, .qa-abstained")).to_have_count(2, timeout=60_000)
            expect(page.get_by_text(INJECTION)).to_be_visible()  # shown as typed, markdown and all
            assert page.locator('img[src="x"]').count() == 0
            page.wait_for_timeout(500)
            assert dialogs == []
        finally:
            browser.close()
