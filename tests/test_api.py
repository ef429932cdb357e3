"""The HTTP API: a real server process on a free loopback port, called with httpx and the openai client.

Two servers per module: an open one, and one started with ``QA_API_KEY`` and
``--cors`` for the key and CORS cases. Fast tests of the pure parts come first.
"""

from __future__ import annotations

import asyncio
import doctest
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, replace

import httpx
import pytest
from click.testing import CliRunner

from qa.serve import api, chat, followup
from qa.answer.reply import NO_ANSWER, Answer, Citation, Highlight, Source
from qa.errors import BadQuestion
from tests.conftest import REPORT, ROOT

Q23 = "驻地协调员办公室有多少核心职位"  # answered by paragraph 23: 五个核心职位
INCOME = "2019 年驻地协调员系统的收入是多少"
OFF_TOPIC = "日本在 2018 年向信托基金捐了多少钱？"  # the report names no such gift: an abstention
KEY = "s3cret-key"
ORIGIN = "http://portal.example"


# -- pure parts --------------------------------------------------------------------------------------

@pytest.mark.parametrize("module", [api, chat, followup])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("host, key, refused", [
    ("127.0.0.1", None, False), ("::1", None, False), ("localhost", None, False),
    ("0.0.0.0", None, True), ("", None, True), ("192.168.1.5", "", True), ("portal.example", None, True),
    ("0.0.0.0", KEY, False),
])
def test_only_loopback_without_a_key(host, key, refused):
    if refused:
        with pytest.raises(BadQuestion, match="without an API key; set one with --api-key KEY or QA_API_KEY"):
            api.check_bind(host, key)
    else:
        api.check_bind(host, key)


def test_serve_refuses_a_public_address_before_loading_anything(tmp_path):
    from qa.cli import main

    out = CliRunner(env={"QA_API_KEY": None}).invoke(main, ["serve", "--host", "0.0.0.0", "--index-dir", str(tmp_path / "none")])
    assert out.exit_code == 2
    assert "qa: error: refusing to listen on '0.0.0.0' without an API key" in out.output
    assert not (tmp_path / "none").exists()  # refused before any index was built or loaded


def test_question_of_reads_follow_ups_from_user_messages_only():
    messages = [chat.Message(role="system", content="你是助手"), chat.Message(role="user", content=INCOME),
                chat.Message(role="assistant", content="答案：2019 年……"),
                chat.Message(role="user", content=[{"type": "text", "text": "那 2020 年呢？"}])]
    assert chat.question_of(messages) == ("2020 年驻地协调员系统的收入是多少", "那 2020 年呢？")
    assert chat.question_of(messages[:2]) == (INCOME, INCOME)
    with pytest.raises(BadQuestion, match="no user message"):
        chat.question_of(messages[:1])


def test_reply_text_numbers_every_citation_with_its_sources():
    cites = (Citation("E#p23", "paragraph", 23, "重振", None, "……五个核心职位……", 0.9, ()),
             Citation("E#f5", "figure", 5, "资金", 12, "图五", 0.5, (Source(11, "经社部调查"), Source(None, "秘书处"))))
    ans = Answer(Q23, False, "五个核心职位。", cites, Highlight("E#p23", 2, 9))
    assert chat.reply_text(ans, ans.to_json()) == (
        "答案：五个核心职位。\n\n引用：\n\n"
        "[1] 第 23 段 · 重振 · E#p23\n\n"
        "[2] 第 12 页 · 图 5 · 资金 · E#f5 · 资料来源：经社部调查（脚注 11）；秘书处")
    abstained = replace(ans, abstained=True, answer=NO_ANSWER, highlight=None, notice="问题过长")
    data = {**abstained.to_json(), "reason": "段落里没有问到的数字"}
    text = chat.reply_text(abstained, data, understood="那 2020 年呢")
    assert text.startswith(f"理解为：那 2020 年呢\n\n注意：问题过长\n\n{NO_ANSWER}（段落里没有问到的数字）\n\n最接近的段落：")


def test_stream_chunks_add_up_to_the_message():
    text = "答案：甲。\n\n引用：\n\n[1] 第 1 段"
    data = {"citations": [{"id": "x"}]}
    parts = list(chat.chunks(text, data, "chatcmpl-1", 0))
    assert parts[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert "".join(p["choices"][0]["delta"].get("content", "") for p in parts) == text
    assert parts[-1]["choices"][0]["finish_reason"] == "stop" and parts[-1]["citations"] == [{"id": "x"}]
    assert all(p["choices"][0]["finish_reason"] is None for p in parts[:-1])


# -- real servers --------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index_dir, *args: str, env: dict | None = None):
    """``qa serve`` in its own process on a free loopback port; returns (process, base URL)."""
    port = _free_port()
    env = dict(os.environ, QA_CORPUS=str(REPORT), QA_INDEX_DIR=str(index_dir), **(env or {}))
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port), *args], env=env,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            httpx.get(url + "/docs", timeout=2)
            return proc, url
        except httpx.TransportError:
            if proc.poll() is not None:
                pytest.fail(f"qa serve exited: {proc.stderr.read().decode()[-800:]}")
            time.sleep(0.3)
    proc.kill()
    pytest.fail("qa serve did not start within 120 s")


@pytest.fixture(scope="module")
def server(built_index_dir):
    proc, url = start_server(built_index_dir)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def keyed(built_index_dir):
    """A server whose key comes from QA_API_KEY, and that lets one origin call it."""
    proc, url = start_server(built_index_dir, "--cors", ORIGIN, env={"QA_API_KEY": KEY})
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def as_json(obj):
    return json.loads(json.dumps(obj, ensure_ascii=False))


@pytest.mark.slow
def test_ask_returns_exactly_what_qa_ask_json_prints(server, built_index_dir):
    from qa.cli import main

    printed = CliRunner().invoke(main, ["ask", Q23, "--json", "--no-rebuild", "--corpus", str(REPORT),
                                        "--index-dir", str(built_index_dir)])
    assert printed.exit_code == 0, printed.output
    r = httpx.post(server + "/api/ask", json={"question": Q23})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == json.loads(printed.output)
    assert "五个核心职位" in r.json()["answer"] and r.json()["citations"][0]["id"] == "E-2020-54#p23"


@pytest.mark.slow
def test_ask_honours_k_and_mode_and_cuts_a_long_question(server, service):
    r = httpx.post(server + "/api/ask", json={"question": Q23, "k": 2, "mode": "bm25"})
    assert r.json() == as_json(service.ask(Q23, 2, "bm25").to_json()) and len(r.json()["citations"]) == 2
    long = httpx.post(server + "/api/ask", json={"question": Q23 * 40}, timeout=30).json()  # 15 × 40 = 600 chars
    assert len(long["question"]) == 500 and long["notice"] == "问题过长（600 字），只使用了前 500 字。"


@pytest.mark.slow
@pytest.mark.parametrize("body, message", [
    ({"question": ""}, "the question is empty; ask something such as “驻地协调员办公室有多少核心职位”"),
    ({"question": "   "}, "the question is empty; ask something such as “驻地协调员办公室有多少核心职位”"),
    ({"question": "？？？"}, "the question has no words to search for (only punctuation or symbols)"),
    ({"question": Q23, "k": 0}, "k must be between 1 and 100, not 0"),
    ({"question": Q23, "k": 101}, "k must be between 1 and 100, not 101"),
    ({"question": Q23, "k": "5"}, '"k" must be a whole number, not "5"'),
    ({"question": Q23, "k": 2.5}, '"k" must be a whole number, not 2.5'),
    ({"question": Q23, "mode": "fuzzy"}, "unknown mode 'fuzzy'; use one of: hybrid, dense, bm25"),
    ({"question": Q23, "mdoe": "bm25"}, 'unknown field "mdoe"; use question, k, mode, docs and write'),
    ({"question": 5}, '"question": Input should be a valid string'),
    ({}, '"question" is missing; send {"question": "驻地协调员办公室有多少核心职位"}'),
    ([Q23], 'the request body must be a JSON object, sent with Content-Type: application/json; send {"question": '),
    (b'{"question": "x",}', "the request body is not valid JSON ("),
    (b"", 'the request body is empty; send {"question": "驻地协调员办公室有多少核心职位"}'),
])
def test_bad_input_is_400_with_one_line(server, body, message):
    if isinstance(body, bytes):
        r = httpx.post(server + "/api/ask", content=body, headers={"Content-Type": "application/json"})
    else:
        r = httpx.post(server + "/api/ask", json=body)
    assert r.status_code == 400
    assert list(r.json()) == ["error"] and r.json()["error"].startswith(message) and "\n" not in r.json()["error"]


@pytest.mark.slow
def test_form_encoded_body_says_to_send_json(server):
    r = httpx.post(server + "/api/ask", content=json.dumps({"question": Q23}),
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and "Content-Type: application/json" in r.json()["error"]


@pytest.mark.slow
@pytest.mark.parametrize("chunked", [False, True])
def test_oversize_body_is_413(server, chunked):
    body = json.dumps({"question": "问" * (api.MAX_BODY // 3 + 10)}).encode()  # 3 bytes a character: just over

    def pieces():
        for i in range(0, len(body), 65536):
            yield body[i:i + 65536]

    r = httpx.post(server + "/api/ask", content=pieces() if chunked else body,
                   headers={"Content-Type": "application/json"}, timeout=60)
    assert r.status_code == 413
    assert r.json() == {"error": f"request body over {api.MAX_BODY} bytes; ask one question (it is cut at 500 characters)"}


@pytest.mark.slow
def test_chunks_and_health(server, chunks, service):
    p23 = next(c for c in chunks if c.id == "E-2020-54#p23")
    r = httpx.get(server + "/api/chunks/E-2020-54%23p23")
    assert r.status_code == 200 and r.json() == as_json(p23.to_json())
    missing = httpx.get(server + "/api/chunks/E-2020-54%23p999")
    assert missing.status_code == 404
    assert missing.json() == {"error": "no chunk 'E-2020-54#p999'; list the ids with: qa chunks --json (write # as %23 in a URL)"}
    health = httpx.get(server + "/api/health").json()
    assert health["status"] == "ok" and health["index"] == asdict(service.index.manifest)
    assert health["index"]["chunks"] == len(chunks) and health["workers"] == api.PROCESSES
    assert health["pool"] == "process"  # qa serve answers in worker processes
    assert httpx.get(server + "/api/nothing").json() == {"error": "no route GET /api/nothing; see /docs"}


@pytest.mark.slow
def test_docs_and_page_are_served_beside_the_api(server):
    spec = httpx.get(server + "/openapi.json").json()
    assert {"/api/ask", "/api/chunks/{chunk_id}", "/api/health", "/v1/chat/completions", "/v1/models"} <= set(spec["paths"])
    assert httpx.get(server + "/docs").status_code == 200
    page = httpx.get(server + "/")
    assert page.status_code == 200 and "gradio" in page.text.lower()
    assert "access-control-allow-origin" not in httpx.get(server + "/api/health", headers={"Origin": ORIGIN}).headers


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="no Chromium at /usr/bin/chromium")
def test_docs_render_without_a_cdn(server):
    """Swagger UI comes from the server itself, so /docs works on a machine with no way out (like this one)."""
    from playwright.sync_api import expect, sync_playwright

    from tests.test_web import CHROMIUM, CHROMIUM_ARGS

    html = httpx.get(server + "/docs").text
    assert "cdn." not in html and "/static-offline-docs/swagger-ui-bundle.js" in html
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(server + "/docs")
            expect(page.locator(".opblock-summary-path", has_text="/api/ask").first).to_be_visible(timeout=30_000)
            expect(page.locator(".opblock-summary-path", has_text="/v1/chat/completions").first).to_be_visible()
        finally:
            browser.close()


@pytest.mark.slow
def test_page_answers_through_the_same_server(server):
    from gradio_client import Client

    _, history = Client(server + "/", verbose=False).predict(Q23, [], 5, "hybrid", api_name="/ask")
    assert "第 23 段" in str(history[1]) and "<mark>" in str(history[1])


# -- OpenAI-compatible -----------------------------------------------------------------------------------

def openai_client(url: str, key: str = "unused"):
    from openai import OpenAI

    return OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=60)


@pytest.mark.slow
def test_openai_client_gets_the_answer_and_every_citation(server, service):
    client = openai_client(server)
    assert [m.id for m in client.models.list()] == [chat.MODEL]
    resp = client.chat.completions.create(model=chat.MODEL, messages=[{"role": "user", "content": Q23}])
    text = resp.choices[0].message.content
    expected = as_json(service.ask(Q23).to_json())
    assert text.startswith("答案：" + expected["answer"]) and resp.choices[0].finish_reason == "stop"
    assert "[1] 《E-2020-54》 第 23 段 · 重振驻地协调员办公室，加强驻地协调员的能力和支持联合国国家工作队 · E-2020-54#p23" in text
    assert text.count("\n[") == len(expected["citations"]) == 5  # [1] … [5], each on its own line
    assert resp.model_extra["citations"] == expected["citations"] and resp.model_extra["qa"] == expected


@pytest.mark.slow
def test_openai_client_streams_the_same_reply(server):
    client = openai_client(server)
    messages = [{"role": "user", "content": INCOME}, {"role": "assistant", "content": "答案：……"},
                {"role": "user", "content": "那 2020 年呢？"}]
    whole = client.chat.completions.create(model="anything", messages=messages, extra_body={"k": 3})
    parts = list(client.chat.completions.create(model="anything", messages=messages, stream=True, extra_body={"k": 3}))
    streamed = "".join(p.choices[0].delta.content or "" for p in parts)
    assert streamed == whole.choices[0].message.content
    assert streamed.startswith("理解为：2020 年驻地协调员系统的收入是多少\n\n")
    assert parts[-1].choices[0].finish_reason == "stop" and len(parts[-1].model_extra["citations"]) == 3
    assert parts[-1].model_extra["citations"] == whole.model_extra["citations"]


@pytest.mark.slow
def test_stream_is_server_sent_events_ending_in_done(server):
    body = {"messages": [{"role": "user", "content": OFF_TOPIC}], "stream": True}
    with httpx.stream("POST", server + "/v1/chat/completions", json=body) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.iter_lines() if line]
    assert events[-1] == "data: [DONE]" and all(e.startswith("data: {") for e in events[:-1])
    text = "".join(json.loads(e[6:])["choices"][0]["delta"].get("content", "") for e in events[:-1])
    assert text.startswith(NO_ANSWER) and "最接近的段落：\n\n[1] " in text  # an abstention is an ordinary reply


@pytest.mark.slow
@pytest.mark.parametrize("messages, message", [
    ([{"role": "user", "content": "  "}], "the question is empty"),
    ([{"role": "system", "content": "你好"}], "no user message"),
    ([], '"messages": List should have at least 1 item'),
])
def test_openai_errors_carry_the_message(server, messages, message):
    import openai

    with pytest.raises(openai.BadRequestError) as e:
        openai_client(server).chat.completions.create(model=chat.MODEL, messages=messages)
    assert e.value.status_code == 400 and e.value.body["message"].startswith(message)
    assert e.value.body["type"] == "invalid_request_error"


# -- the key -----------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("path", ["/api/health", "/api/chunks/E-2020-54%23p23", "/v1/models"])
@pytest.mark.parametrize("header", [None, "Bearer wrong-key", KEY, f"Basic {KEY}"])
def test_a_key_guards_every_api_route(keyed, path, header):
    r = httpx.get(keyed + path, headers={"Authorization": header} if header else {})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    message = "missing or wrong API key; send the header: Authorization: Bearer KEY"
    assert r.json() == ({"error": message} if path.startswith("/api/") else
                        {"error": {"message": message, "type": "authentication_error", "param": None, "code": None}})


@pytest.mark.slow
def test_the_right_key_opens_the_api_and_the_page_stays_open(keyed):
    import openai

    auth = {"Authorization": f"Bearer {KEY}"}
    assert httpx.post(keyed + "/api/ask", json={"question": Q23}, headers=auth).status_code == 200
    assert httpx.post(keyed + "/api/ask", json={"question": Q23}).status_code == 401
    assert httpx.get(keyed + "/api/health", headers={"Authorization": f"bearer  {KEY}"}).status_code == 200  # scheme in any case
    assert openai_client(keyed, KEY).chat.completions.create(model=chat.MODEL, messages=[
        {"role": "user", "content": Q23}]).choices[0].message.content.startswith("答案：")
    with pytest.raises(openai.AuthenticationError):
        openai_client(keyed, "wrong").models.list()
    assert httpx.get(keyed + "/").status_code == 200 and httpx.get(keyed + "/docs").status_code == 200


@pytest.mark.slow
def test_cors_only_for_the_origin_given(keyed):
    allowed = httpx.options(keyed + "/api/ask", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                                                         "Access-Control-Request-Headers": "authorization"})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ORIGIN
    refused = httpx.get(keyed + "/api/health", headers={"Origin": ORIGIN})  # no key: 401, still readable by the page
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == ORIGIN
    other = httpx.get(keyed + "/api/health", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers


# -- concurrency ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_event_loop_answers_while_questions_queue(server):
    """40 questions in flight take a pool of threads seconds; a health check meanwhile is not held behind them."""

    async def go():
        async with httpx.AsyncClient(base_url=server, timeout=120,
                                     limits=httpx.Limits(max_connections=50)) as client:
            began = time.perf_counter()
            asks = [asyncio.create_task(client.post("/api/ask", json={"question": Q23})) for _ in range(40)]
            await asyncio.sleep(0.2)  # the asks are queued in the pool by now
            t = time.perf_counter()
            health = await client.get("/api/health")
            health_s = time.perf_counter() - t
            answers = await asyncio.gather(*asks)
            return health, health_s, answers, time.perf_counter() - began

    health, health_s, answers, total_s = asyncio.run(go())
    assert health.status_code == 200 and all(a.status_code == 200 for a in answers)
    assert len({a.content for a in answers}) == 1
    # 40 questions at ~20 ms of CPU each need ≥ 0.4 s on 2 cores; a loop blocked by them would hold the
    # health check for most of that
    assert health_s < 0.25 * total_s, (health_s, total_s)


def test_readme_documents_every_route_and_option():
    from fastapi.routing import APIRoute

    from qa.cli import serve

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## HTTP API", 1)[1].split("\n## ", 1)[0]
    app = api.build_api(_StubService())
    for route in app.routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in route.methods:
                assert f"`{method} {route.path.replace('{chunk_id:path}', '{id}')}`" in section, (method, route.path)
    for option in serve.params:
        if option.name not in ("corpus", "index_dir"):
            assert option.opts[0] in readme, option.opts
    for status in (400, 401, 404, 413):
        assert f"| {status} |" in section
    assert "curl" in section and "from openai import OpenAI" in section and "proxy_pass" in section


class _StubService:
    """Just enough of a Service to build the app (no index, no encoder)."""

    @dataclass(frozen=True)
    class Manifest:
        built_at: str = "2026-01-01T00:00:00"

    def __init__(self):
        from qa.config import Settings

        self.settings = Settings()
        self.index = type("Index", (), {"chunks": [], "manifest": self.Manifest()})()

    def ask(self, question, k=None, mode=None, docs=None):
        raise BadQuestion("stub")


def test_process_pool_answers_as_the_service_does(service):
    """Worker processes open their own Service from the settings and give the in-process answer."""
    pool = api.Pool(service, workers=2, kind="process")
    try:
        question = "驻地协调员办公室的核心职位有几个"
        assert pool.ask(question).to_json() == service.ask(question).to_json()
        got = asyncio.run(pool.run(api._ask_json, question, 3, "bm25"))
        assert json.loads(got) == as_json(service.ask(question, 3, "bm25").to_json())
        with pytest.raises(BadQuestion, match="k"):
            pool.ask(question, 0)  # the worker's error reaches the caller as the same error
    finally:
        pool.close()


def test_process_pool_that_cannot_open_the_index_fails_at_startup(tmp_path):
    stub = _StubService()
    stub.settings = replace(stub.settings, library=tmp_path / "no-library")  # a library with no index yet
    with pytest.raises(api.QAError, match="worker process could not start"):
        api.Pool(stub, workers=1, kind="process")


def test_pool_options_are_checked():
    with pytest.raises(BadQuestion, match="unknown pool"):
        api.Pool(_StubService(), kind="fork")
    with pytest.raises(BadQuestion, match="at least 1"):
        api.Pool(_StubService(), workers=0)


def test_worker_processes_end_with_their_server(built_index_dir):
    """Killing the server (even with SIGKILL, which runs no clean-up) ends its worker processes."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from qa.serve import api\n"
        "from qa.config import Settings\n"
        "from qa.serve.service import Service\n"
        f"s = Service.open(Settings(corpus=Path({str(REPORT)!r}), index_dir=Path({str(built_index_dir)!r})), rebuild=False)\n"
        "pool = api.Pool(s, workers=2, kind='process')\n"
        "print(' '.join(str(p) for p in pool._pool._processes), flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(p) for p in workers), proc.stderr.read() if proc.poll() else ""
    finally:
        proc.kill()
        proc.wait(timeout=30)
    deadline = time.time() + 15
    while any(_alive(p) for p in workers) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in workers), "worker processes outlived their server"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False
