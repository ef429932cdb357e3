"""The OpenAI Chat Completions protocol over the service: messages in, a cited answer out.

The last user message is the question; the user messages before it give a
follow-up its context, as on the chat page (``qa.serve.followup``):

    question_of([{"role": "user", "content": "2019 年驻地协调员系统的收入是多少"},
                 {"role": "assistant", "content": "答案：…"},
                 {"role": "user", "content": "那 2020 年呢？"}])
    -> ("2020 年驻地协调员系统的收入是多少", "那 2020 年呢？")

The assistant message is plain text — the answer, then the numbered citations
(paragraph, section, page, sources), one per line, blank lines between blocks
so it reads the same as text and as markdown. Nothing is dropped for clients
that read more: each response also carries ``citations`` (the same list as
``/api/ask``) and ``qa`` (the whole ``/api/ask`` object). An abstention is an
ordinary reply that says so.

Does not generate text, keep conversations, count tokens (no ``usage``), or
honour sampling options (``temperature``, ``max_tokens``, …): they are accepted
and ignored. System and assistant messages are read by nobody.
"""

from __future__ import annotations

from typing import Iterator

from pydantic import BaseModel, ConfigDict, Field

from qa.answer.reply import Answer
from qa.errors import BadQuestion
from qa.serve.followup import contextualise
from qa.serve.render import where

MODEL = "qa-e2020-54"  # the one model /v1/models lists; any requested name gets this service


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict] | None = None


class ChatRequest(BaseModel):
    """What ``/v1/chat/completions`` reads; other OpenAI fields are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    k: int | None = Field(None, description="passages to cite, 1–100 (an extension; default 5)")
    mode: str | None = Field(None, description="hybrid | dense | bm25 (an extension; default hybrid)")
    docs: list[str] | None = Field(None, description="only these documents: ids, id prefixes or names (an extension; "
                                                     "default all)")


def text_of(content) -> str:
    """A message's text: a string, or the ``text`` of its ``{"type": "text"}`` parts.

    >>> text_of([{"type": "text", "text": "驻地协调员"}, {"type": "image_url"}, {"type": "text", "text": "有多少"}])
    '驻地协调员 有多少'
    """
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def question_of(messages: list[Message]) -> tuple[str, str]:
    """(the question as understood, the last user message as sent)."""
    asked = [text_of(m.content) for m in messages if m.role == "user"]
    if not asked:
        raise BadQuestion('no user message; send {"role": "user", "content": "驻地协调员办公室有多少核心职位"}')
    return contextualise(asked[-1], asked[:-1]), asked[-1]


def reply_text(answer: Answer, data: dict, understood: str | None = None) -> str:
    """The assistant's plain-text message for ``answer`` (``data`` is its ``to_json()``)."""
    blocks = []
    if understood:
        blocks.append(f"理解为：{understood}")
    if answer.notice:
        blocks.append(f"注意：{answer.notice}")
    if answer.abstained:
        reason = data.get("reason")
        blocks.append(answer.answer + (f"（{reason}）" if isinstance(reason, str) and reason else ""))
    else:
        blocks.append(f"答案：{answer.answer}")
    if answer.citations:
        blocks.append("最接近的段落：" if answer.abstained else "引用：")
        lines = []
        for i, c in enumerate(answer.citations, start=1):
            sources = "；".join(s.text + (f"（脚注 {s.footnote}）" if s.footnote else "") for s in c.sources)
            lines.append(f"[{i}] {where(c)} · {c.id}" + (f" · 资料来源：{sources}" if sources else ""))
        blocks.append("\n\n".join(lines))
    return "\n\n".join(blocks)


def completion(text: str, data: dict, ident: str, created: int) -> dict:
    """The ``chat.completion`` object for a reply."""
    return {
        "id": ident, "object": "chat.completion", "created": created, "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "finish_reason": "stop", "logprobs": None}],
        "citations": data["citations"], "qa": data,
    }


def chunks(text: str, data: dict, ident: str, created: int) -> Iterator[dict]:
    """The ``chat.completion.chunk`` objects of a streamed reply: role, one per block of text, then the
    end with ``finish_reason`` and the structured ``citations`` and ``qa``."""
    head = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": MODEL}

    def chunk(delta: dict, finish: str | None = None, **extra) -> dict:
        return {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}

    yield chunk({"role": "assistant", "content": ""})
    blocks = text.split("\n\n")
    for i, block in enumerate(blocks):
        yield chunk({"content": block + ("\n\n" if i < len(blocks) - 1 else "")})
    yield chunk({}, "stop", citations=data["citations"], qa=data)
