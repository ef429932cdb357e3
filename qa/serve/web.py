"""The Gradio chat UI: ask the report in a browser, get the answer inside its passage.

Each reply shows the answer sentence marked (``<mark>``) inside the passage it
comes from, then every cited passage — paragraph, section, page, score — as an
expandable ``<details>`` item listing the footnote sources of its figures. An
abstention (``报告中没有找到…``) is a differently coloured box with the closest
passages. A short follow-up is read in the context of the previous question:

    contextualise("那 2020 年呢？", [{"role": "user", "content": "2019 年驻地协调员系统的收入是多少"}])
    -> "2020 年驻地协调员系统的收入是多少"

A citation of a PDF page whose file the library keeps links to the page's image with the passage
highlighted (``page_image``, ``qa.serve.pages``; with an API key set, the link is signed, ``pages.Links``,
so the browser opens it without the key).

Over a library, a panel lists its documents, adds an uploaded file (``qa.serve.api.add_upload``, what
``POST /api/documents`` runs), removes one (``remove_document``), and chooses the documents asked (the
``docs`` of ``Service.ask``); a bad file is one line in the panel. Plain functions do each
(``library_rows``, ``add_file``, ``remove_file``), and the Gradio API names them ``/documents``,
``/add_document`` and ``/remove_document``.

``respond(message, history, settings, service, docs)`` is a plain function that
returns the reply's HTML, so tests call it without a browser. The service (model
and index) is opened once, in ``launch``, and shared by every session; the chat
history lives in each session's ``gr.Chatbot``, nothing else is kept.

Every question and document text is HTML-escaped here, and the Chatbot neither
renders markdown nor skips its sanitiser, so nothing a user types or the report
contains can run in the page. Errors (``QAError``) become a message in the chat.

``build_server`` puts the page at ``/`` of the API's app (``qa.serve.api``), and
``launch`` serves both from one process with uvicorn.

With an LLM (``qa serve --llm URL``), a switch has it write the answer: each
sentence appears as it passes its check (``respond_written``), marked ✓ with the
check on hover; sentences that failed are listed struck through, and when none
stands the extractive reply comes with the reason.

Does not keep chats after the page closes, or authenticate users (an API key
guards ``/api`` and ``/v1``, not the page).
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
from dataclasses import replace
from pathlib import Path

import gradio as gr

from qa.serve import followup
from qa.serve.api import MAX_UPLOAD, ApiOptions, add_upload, build_api, check_bind, remove_document
from qa.answer.reply import Answer, Citation
from qa.config import Settings
from qa.errors import QAError
from qa.serve.pages import Links
from qa.serve.render import where
from qa.serve.service import Service

log = logging.getLogger(__name__)

EXAMPLES = [
    "驻地协调员办公室有多少核心职位",
    "95%的联合国国家工作队报告与政府关系加强，这一数据的来源是什么？",
    "2021 年国家协调的估计数是多少",
    "How many resident coordinators were appointed in 2019?",
    "日本在 2018 年向信托基金捐了多少钱？",
]
MODES = ["hybrid", "dense", "bm25"]
CONCURRENCY = 8  # page questions waiting at once; the API's pool bounds how many run (qa.serve.api.WORKERS)

# Inline styles: the reply is a self-contained fragment, whatever page or client shows it.
_ANSWER_BOX = "border-left:4px solid #16a34a;background:rgba(22,163,74,.08);padding:.5em .8em;border-radius:4px"
_ABSTAIN_BOX = "border-left:4px solid #d97706;background:rgba(217,119,6,.12);padding:.5em .8em;border-radius:4px"
_ERROR_BOX = "border-left:4px solid #dc2626;background:rgba(220,38,38,.10);padding:.5em .8em;border-radius:4px"
_PASSAGE = "white-space:pre-wrap;margin:.4em 0 .4em 1em"
_NOTE = "opacity:.75;font-size:.9em;margin:0 0 .4em"


# -- follow-up questions (qa.serve.followup does the reading; here only Gradio's history format) ---------

def _text(content) -> str:
    """The plain text of a chat message's content (a string, or Gradio's list of parts)."""
    if isinstance(content, str):
        return html.unescape(content)
    if isinstance(content, dict):
        return _text(content.get("text", ""))
    if isinstance(content, (list, tuple)):
        return " ".join(_text(c) for c in content)
    return ""


def contextualise(message: str, history: list[dict]) -> str:
    """The question ``message`` means, given the chat so far (Gradio messages, oldest first).

    The page shows user messages HTML-escaped, so their text is unescaped first;
    see ``qa.serve.followup.contextualise`` for how a follow-up is read.
    """
    previous = [_text(t.get("content")) for t in history or [] if t.get("role") == "user"]
    return followup.contextualise(message, previous)


# -- HTML ------------------------------------------------------------------------------------------

def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _passage(c: Citation, answer: Answer) -> str:
    """The citation's text, escaped, with the answer sentence marked when it comes from here."""
    h = answer.highlight
    if h is None or h.id != c.id or not 0 <= h.start < h.end <= len(c.text):
        return _esc(c.text)
    return (_esc(c.text[:h.start]) + "<mark>" + _esc(c.text[h.start:h.end]) + "</mark>"
            + _esc(c.text[h.end:]))


def _citation(i: int, c: Citation, answer: Answer) -> str:
    is_answer = answer.highlight is not None and answer.highlight.id == c.id
    sources = "".join(
        f"<li>资料来源：{_esc(s.text)}{f'（脚注 {s.footnote}）' if s.footnote else ''}</li>" for s in c.sources)
    image = (f"<p style=\"{_NOTE}\"><a class=\"qa-page\" href=\"{_esc(c.page_image)}\" target=\"_blank\" "
             f"rel=\"noopener\">查看原页：第 {c.page} 页，标出此段</a></p>" if c.page_image else "")
    return (f"<details{' open' if is_answer else ''}><summary>[{i}] {_esc(where(c))}</summary>"
            f"<div style=\"{_PASSAGE}\">{_passage(c, answer)}</div>{image}"
            + (f"<ul style=\"margin:.2em 0 .6em 1em\">{sources}</ul>" if sources else "")
            + "</details>")


def answer_html(answer: Answer, understood: str | None = None) -> str:
    """The reply for ``answer``; ``understood`` is the rewritten question, when it was rewritten."""
    notes = ""
    if understood:
        notes += f"<p style=\"{_NOTE}\">理解为：{_esc(understood)}</p>"
    if answer.notice:
        notes += f"<p style=\"{_NOTE}\">注意：{_esc(answer.notice)}</p>"
    items = "".join(_citation(i, c, answer) for i, c in enumerate(answer.citations, start=1))
    if answer.abstained:
        return (f"<div class=\"qa-abstained\" style=\"{_ABSTAIN_BOX}\">{notes}"
                f"<p><strong>{_esc(answer.answer)}</strong></p><p>最接近的段落：</p>{items}</div>")
    return (f"<div class=\"qa-answer\" style=\"{_ANSWER_BOX}\">{notes}"
            f"<p><strong>答案：</strong>{_esc(answer.answer)}</p><p>引用的段落：</p>{items}</div>")


def written_html(answer: Answer, sentences: list, written=None, understood: str | None = None) -> str:
    """The reply for a written answer: each sentence that passed marked ✓ (its check on hover), the extractive
    answer beneath it, then the passages. ``written`` is None while sentences still stream in; when nothing
    written stands (``written.fallback``), the extractive reply with the notice that says why."""
    from qa.write.verify import glue  # here: qa.write is loaded only when an LLM is set up

    if written is not None and written.fallback and not sentences:
        return answer_html(replace(answer, notice=" ".join(n for n in (answer.notice, written.notice) if n)), understood)
    notes = ""
    if understood:
        notes += f"<p style=\"{_NOTE}\">理解为：{_esc(understood)}</p>"
    for notice in (answer.notice, written.notice if written else None):
        if notice:
            notes += f"<p style=\"{_NOTE}\">注意：{_esc(notice)}</p>"
    marked = "".join(f"{' ' if i and glue(sentences[i - 1].text, s.text) else ''}"
                     f"<span class=\"qa-checked\" title=\"{_esc(s.check)}\">{_esc(s.text)}"
                     f"<sup style=\"color:#16a34a\">✓</sup></span>" for i, s in enumerate(sentences))
    model = _esc(written.model) if written is not None and written.model else "LLM"
    pending = "" if written is not None else "<span class=\"qa-pending\"> …</span>"
    dropped = ""
    if written is not None and written.dropped:
        rows = "".join(f"<li><s>{_esc(s.text)}</s> — {_esc(s.check)}</li>" for s in written.dropped)
        dropped = (f"<details class=\"qa-dropped\"><summary>未通过核对、已删去的句子（{len(written.dropped)}）"
                   f"</summary><ul style=\"margin:.2em 0 .6em 1em\">{rows}</ul></details>")
    extract = (f"<p style=\"{_NOTE}\">摘自报告：{_esc(answer.answer)}</p>")
    items = "".join(_citation(i, c, answer) for i, c in enumerate(answer.citations, start=1))
    return (f"<div class=\"qa-answer qa-written\" style=\"{_ANSWER_BOX}\">{notes}"
            f"<p><strong>答案（{model} 撰写，每句已核对）：</strong>{marked}{pending}</p>{dropped}{extract}"
            f"<p>引用的段落：</p>{items}</div>")


def error_html(message: str) -> str:
    return f"<div class=\"qa-error\" style=\"{_ERROR_BOX}\">无法回答：{_esc(message)}</div>"


# -- the library: list, add, remove (through the API's functions, as an upload and DELETE do) ---------------

def _served(service):
    """The ``Service`` behind what the page asks: the API's pool holds it, or the page was given it."""
    return getattr(service, "service", service)


def library_rows(service) -> list[list]:
    """The library's documents as table rows (name, title, format, pages, chunks, id); none for a one-off corpus."""
    lib = _served(service).library
    if lib is None:
        return []
    return [[d["name"], d["title"], d["parser"], d["pages"] or "—", d["chunks"], d["id"]] for d in lib.catalog()]


def status_html(message: str, ok: bool = True) -> str:
    return f"<div class=\"{'qa-status' if ok else 'qa-error'}\">{_esc(message)}</div>"


def add_file(path: str | None, service, max_upload: int) -> str:
    """Add the uploaded file at ``path`` to the library, as ``POST /api/documents`` does; one line saying what came
    of it."""
    if not path:
        return status_html("先选择一个文件，再点“添加”。", ok=False)
    name = Path(path).name
    try:
        if os.path.getsize(path) > max_upload:
            return status_html(f"无法添加：{name} 超过 {max_upload >> 20} MB；请拆分后再添加。", ok=False)
        entry, status = add_upload(_served(service), name, Path(path).read_bytes())
    except QAError as e:
        return status_html(f"无法添加：{e}", ok=False)
    except Exception:  # never show a traceback in the page
        log.exception("adding %s failed", name)
        return status_html(f"无法添加：{name} 读取时出现内部错误，服务器日志中有详情。", ok=False)
    if status == "skipped":
        return status_html(f"文档库中已有同样内容的文档：{entry['name']}（《{entry['title']}》）。")
    return status_html(f"已添加：{entry['name']}（《{entry['title']}》，{entry['chunks']} 段）。")


def remove_file(ref: str | None, service) -> str:
    """Remove the document ``ref`` names from the library, as ``DELETE /api/documents/{id}`` does."""
    if not ref:
        return status_html("先选择要删除的文档。", ok=False)
    try:
        entry = remove_document(_served(service), ref)
    except QAError as e:
        return status_html(f"无法删除：{e}", ok=False)
    except Exception:  # never show a traceback in the page
        log.exception("removing %s failed", ref)
        return status_html("无法删除：内部错误，服务器日志中有详情。", ok=False)
    return status_html(f"已删除：{entry['name']}（《{entry['title']}》）。")


# -- handlers and app ------------------------------------------------------------------------------

def respond(message: str, history: list[dict], settings: Settings, service, docs: list[str] | None = None,
            links: Links | None = None) -> str:
    """The reply's HTML for ``message`` in a chat with ``history``; ``settings.k``/``.mode`` pick retrieval,
    ``docs`` (ids, id prefixes or names) the documents asked (default all); ``links`` signs the page links
    (the server has a key)."""
    question = contextualise(message or "", history)
    try:
        answer = service.ask(question, settings.k, settings.mode, docs or None)
    except QAError as e:
        return error_html(str(e))
    if links is not None:
        answer = links.answer(answer)
    return answer_html(answer, question if question != message else None)


async def respond_written(message: str, history: list[dict], settings: Settings, service, writer,
                          docs: list[str] | None = None, links: Links | None = None):
    """The reply's HTML for ``message``, written by ``writer``'s LLM: yielded again as each sentence passes its
    check, and a last time with the result (or the extractive reply and why it stands)."""
    from qa.write.verify import Checked  # qa.write: only a written answer needs it

    question = contextualise(message or "", history)
    try:
        answer = await asyncio.to_thread(service.ask, question, settings.k, settings.mode, docs or None)
    except QAError as e:
        yield error_html(str(e))
        return
    if links is not None:
        answer = links.answer(answer)
    understood = question if question != message else None
    passed = []
    async for event in writer.stream(answer.question, answer):
        if isinstance(event, Checked):
            if event.passed:
                passed.append(event)
                yield written_html(answer, passed, None, understood)
        else:
            yield written_html(answer, passed, event, understood)


def build_app(service, writer=None, max_upload: int = MAX_UPLOAD, links: Links | None = None) -> gr.Blocks:
    """The chat page for ``service`` (opened once, shared by all sessions); with a ``writer``
    (``qa.write.writer.Writer``), a switch to have its LLM write the answers. With a library, a panel lists its
    documents, adds an uploaded one (up to ``max_upload`` bytes), removes one, and chooses the ones asked.
    ``links`` (the API's, when the server has a key) signs the links to page images."""
    defaults = service.settings
    has_library = _served(service).library is not None

    def chat(message: str, history: list[dict], k: float, mode: str, docs: list[str] | None = None):
        try:
            reply = respond(message, history, defaults.with_(k=int(k), mode=mode), service, docs, links)
        except Exception:  # never show a traceback in the page
            log.exception("answering %r failed", message)
            reply = error_html("内部错误，请换个问法再试一次。")
        turn = [{"role": "user", "content": _esc(message or "")}, {"role": "assistant", "content": reply}]
        return "", list(history or []) + turn

    async def chat_written(message: str, history: list[dict], k: float, mode: str, docs: list[str] | None,
                           write: bool):
        if not write:
            yield await asyncio.to_thread(chat, message, history, k, mode, docs)
            return
        user = {"role": "user", "content": _esc(message or "")}
        try:
            async for reply in respond_written(message, history, defaults.with_(k=int(k), mode=mode), service, writer,
                                               docs, links):
                yield "", list(history or []) + [user, {"role": "assistant", "content": reply}]
        except Exception:  # never show a traceback in the page
            log.exception("writing an answer to %r failed", message)
            yield "", list(history or []) + [user, {"role": "assistant", "content": error_html("内部错误，请换个问法再试一次。")}]

    with gr.Blocks(title="E/2020/54 问答", analytics_enabled=False) as demo:
        gr.Markdown("## 联合国报告 E/2020/54 问答\n"
                    "答案是报告中的原句，标在它所在的段落里；下面列出引用的段落和数据来源。可以接着追问，例如“那 2020 年呢？”。")
        chatbot = gr.Chatbot(label="对话", height=560, render_markdown=False, sanitize_html=True,
                             feedback_options=None)
        with gr.Row():
            box = gr.Textbox(placeholder="输入问题，按回车提问", show_label=False, scale=8, elem_id="question")
            ask = gr.Button("提问", variant="primary", scale=1)
        with gr.Accordion("检索设置", open=False):
            k = gr.Slider(1, 10, value=min(max(defaults.k, 1), 10), step=1, label="引用段落数 k")
            mode = gr.Radio(MODES, value=defaults.mode if defaults.mode in MODES else "hybrid", label="检索方式")
        if writer is not None:
            write = gr.Checkbox(False, label=f"由 LLM 撰写答案（{writer.settings.model or 'LLM'}；每句的引用、数字和用词都与所引段落核对，"
                                             "未通过的句子删去）", elem_id="write")
        with gr.Accordion("文档库", open=False, visible=has_library, elem_id="library"):
            docs = gr.Dropdown([], value=[], multiselect=True, allow_custom_value=True, label="只问这些文档（不选则问全部）",
                                elem_id="docs")  # custom: ids, prefixes or names, as the API takes (and checks)
            table = gr.Dataframe(headers=["名称", "标题", "格式", "页数", "段落", "id"], interactive=False,
                                 label="文档", elem_id="documents")
            with gr.Row():
                upload = gr.File(label="添加文档（PDF、Word、网页、Markdown、文本）", type="filepath", scale=3,
                                 elem_id="upload")
                add = gr.Button("添加", scale=1, elem_id="add")
            with gr.Row():
                chosen = gr.Dropdown([], value=None, allow_custom_value=True, label="删除文档", scale=3,
                                     elem_id="remove-choice")
                remove = gr.Button("删除", variant="stop", scale=1, elem_id="remove")
            status = gr.HTML("", elem_id="library-status")
        examples = gr.Examples(EXAMPLES, inputs=box, label="示例问题（点击即问）")
        gr.ClearButton([chatbot, box], value="新对话")

        def listed(asked: list[str] | None = None):
            rows = library_rows(service)
            ids = {r[5] for r in rows}
            names = [(f"{r[0]} · {r[1]}", r[5]) for r in rows]
            return (rows, gr.update(choices=names, value=[d for d in asked or [] if d in ids]),
                    gr.update(choices=names, value=None))

        io = dict(fn=chat, inputs=[box, chatbot, k, mode, docs], outputs=[box, chatbot])
        if writer is not None:
            io = dict(fn=chat_written, inputs=[box, chatbot, k, mode, docs, write], outputs=[box, chatbot])
        gr.on([box.submit, ask.click], **io, api_name="ask")
        examples.load_input_event.then(**io, api_visibility="private")
        if has_library:
            shown = dict(fn=listed, inputs=[docs], outputs=[table, docs, chosen])
            demo.load(**shown, api_name="documents")
            add.click(lambda path: (add_file(path, service, max_upload), None), inputs=[upload],
                      outputs=[status, upload], api_name="add_document").then(**shown, api_visibility="private")
            remove.click(lambda ref: remove_file(ref, service), inputs=[chosen], outputs=[status],
                         api_name="remove_document").then(**shown, api_visibility="private")
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def build_server(service, options=None):
    """One app: the API routes (``qa.serve.api``) and ``/docs``, with the chat page mounted at ``/``.

    The page asks through the API's thread pool, so the two share one bound on work at once.
    """
    options = options or ApiOptions()
    api = build_api(service, options)
    page = build_app(api.state.pool, api.state.writer, options.max_upload, api.state.links)
    return gr.mount_gradio_app(api, page, path="/", max_file_size=options.max_upload)


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
           options=None) -> None:
    """Open the service once (building the index on first use) and serve page and API until interrupted.

    Refuses (``BadQuestion``) to listen beyond loopback without an API key. With ``share``,
    Gradio serves the page alone through its public link, without the API.
    """
    import uvicorn  # uvicorn (0.2 s): only launching the server needs it; the page's functions are tested without

    options = options or ApiOptions(pool="process")
    check_bind(host, options.api_key)
    service = Service.open(settings)
    service.index.warm()
    if share:
        log.warning("--share serves the chat page only; the API stays off")
        build_app(service).launch(server_name=host, server_port=port, share=True)
        return
    log.info("serving the page at http://%s:%d/ and the API docs at /docs", host, port)
    uvicorn.run(build_server(service, options), host=host, port=port, log_level="info", access_log=False)
