"""The Gradio chat UI: ask the report in a browser, get the answer inside its passage.

Each reply shows the answer sentence marked (``<mark>``) inside the passage it
comes from, then every cited passage — paragraph, section, page, score — as an
expandable ``<details>`` item listing the footnote sources of its figures. An
abstention (``报告中没有找到…``) is a differently coloured box with the closest
passages. A short follow-up is read in the context of the previous question:

    contextualise("那 2020 年呢？", [{"role": "user", "content": "2019 年驻地协调员系统的收入是多少"}])
    -> "2020 年驻地协调员系统的收入是多少"

``respond(message, history, settings, service)`` is a plain function that
returns the reply's HTML, so tests call it without a browser. The service (model
and index) is opened once, in ``launch``, and shared by every session; the chat
history lives in each session's ``gr.Chatbot``, nothing else is kept.

Every question and document text is HTML-escaped here, and the Chatbot neither
renders markdown nor skips its sanitiser, so nothing a user types or the report
contains can run in the page. Errors (``QAError``) become a message in the chat.

``build_server`` puts the page at ``/`` of the API's app (``qa.serve.api``), and
``launch`` serves both from one process with uvicorn.

Does not generate text, keep chats after the page closes, or authenticate users
(an API key guards ``/api`` and ``/v1``, not the page).
"""

from __future__ import annotations

import html
import logging

import gradio as gr

from qa.serve import followup
from qa.answer.reply import Answer, Citation
from qa.config import Settings
from qa.errors import QAError
from qa.serve.render import where

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
    return (f"<details{' open' if is_answer else ''}><summary>[{i}] {_esc(where(c))}</summary>"
            f"<div style=\"{_PASSAGE}\">{_passage(c, answer)}</div>"
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


def error_html(message: str) -> str:
    return f"<div class=\"qa-error\" style=\"{_ERROR_BOX}\">无法回答：{_esc(message)}</div>"


# -- handlers and app ------------------------------------------------------------------------------

def respond(message: str, history: list[dict], settings: Settings, service) -> str:
    """The reply's HTML for ``message`` in a chat with ``history``; ``settings.k``/``.mode`` pick retrieval."""
    question = contextualise(message or "", history)
    try:
        answer = service.ask(question, settings.k, settings.mode)
    except QAError as e:
        return error_html(str(e))
    return answer_html(answer, question if question != message else None)


def build_app(service) -> gr.Blocks:
    """The chat page for ``service`` (opened once, shared by all sessions)."""
    defaults = service.settings

    def chat(message: str, history: list[dict], k: float, mode: str):
        try:
            reply = respond(message, history, defaults.with_(k=int(k), mode=mode), service)
        except Exception:  # never show a traceback in the page
            log.exception("answering %r failed", message)
            reply = error_html("内部错误，请换个问法再试一次。")
        turn = [{"role": "user", "content": _esc(message or "")}, {"role": "assistant", "content": reply}]
        return "", list(history or []) + turn

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
        examples = gr.Examples(EXAMPLES, inputs=box, label="示例问题（点击即问）")
        gr.ClearButton([chatbot, box], value="新对话")

        io = dict(fn=chat, inputs=[box, chatbot, k, mode], outputs=[box, chatbot])
        gr.on([box.submit, ask.click], **io, api_name="ask")
        examples.load_input_event.then(**io, api_visibility="private")
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def build_server(service, options=None):
    """One app: the API routes (``qa.serve.api``) and ``/docs``, with the chat page mounted at ``/``.

    The page asks through the API's thread pool, so the two share one bound on work at once.
    """
    from qa.serve.api import ApiOptions, build_api

    api = build_api(service, options or ApiOptions())
    return gr.mount_gradio_app(api, build_app(api.state.pool), path="/")


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
           options=None) -> None:
    """Open the service once (building the index on first use) and serve page and API until interrupted.

    Refuses (``BadQuestion``) to listen beyond loopback without an API key. With ``share``,
    Gradio serves the page alone through its public link, without the API.
    """
    import uvicorn

    from qa.serve.api import ApiOptions, check_bind
    from qa.serve.service import Service

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
