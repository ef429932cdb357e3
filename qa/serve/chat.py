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

When the server was started with an LLM (``qa serve --llm URL``), the answer
is written by it from the cited passages (``written_reply``), each sentence
checked and streamed as it passes (``"write": false`` asks for the extractive
reply alone). Does not keep conversations, count tokens (no ``usage``), or
honour sampling options (``temperature``, ``max_tokens``, …): they are accepted
and ignored (the LLM's own come from the server's settings). System and
assistant messages are read by nobody.
"""

from __future__ import annotations

from typing import AsyncIterator, Iterator

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
    write: bool | None = Field(None, description="the LLM writes the answer, every sentence checked (an extension; "
                                                 "default: true when the server has an LLM)")


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
    blocks = _head(answer, understood)
    blocks.append(_answer_block(answer, data))
    return "\n\n".join(blocks + _citation_blocks(answer))


def _head(answer: Answer, understood: str | None) -> list[str]:
    blocks = []
    if understood:
        blocks.append(f"理解为：{understood}")
    if answer.notice:
        blocks.append(f"注意：{answer.notice}")
    return blocks


def _answer_block(answer: Answer, data: dict) -> str:
    if answer.abstained:
        reason = data.get("reason")
        return answer.answer + (f"（{reason}）" if isinstance(reason, str) and reason else "")
    return f"答案：{answer.answer}"


def _citation_blocks(answer: Answer) -> list[str]:
    if not answer.citations:
        return []
    lines = []
    for i, c in enumerate(answer.citations, start=1):
        sources = "；".join(s.text + (f"（脚注 {s.footnote}）" if s.footnote else "") for s in c.sources)
        lines.append(f"[{i}] {where(c)} · {c.id}" + (f" · 资料来源：{sources}" if sources else ""))
    return ["最接近的段落：" if answer.abstained else "引用：", "\n\n".join(lines)]


async def written_reply(writer, answer: Answer, understood: str | None = None) -> AsyncIterator[str | Answer]:
    """The assistant's message for a written answer, piece by piece as its sentences pass the check, then the
    ``Answer`` with its ``written`` part (last). Joined, the pieces are the whole message:

        答案：<each sentence that passed, with its [n]>
        注意：LLM 写的句子中有 1 句未通过核对，已删去。      (when one was dropped)
        引用：[1] …

    When nothing written stands, the extractive reply follows a ``注意：未采用 LLM 写的答案（why）…`` line
    (``摘自报告：`` after the sentences already sent, if the endpoint failed midway)."""
    from qa.write.verify import Checked, glue  # qa.write: only a written answer needs it (and with it the openai package)
    from qa.write.writer import Written, with_written  # qa.write: only a written answer needs it (and with it the openai package)

    head = _head(answer, understood)
    if head:
        yield "\n\n".join(head) + "\n\n"
    sent, written = "", None  # the sentences sent so far
    async for event in writer.stream(answer.question, answer):
        if isinstance(event, Checked):
            if event.passed:
                yield (glue(sent, event.text) if sent else "答案：") + event.text
                sent += glue(sent, event.text) + event.text
        elif isinstance(event, Written):
            written = event
    if written is None:  # the stream always ends with its result
        raise RuntimeError("the writer's stream ended without a result")
    final = with_written(answer, written)
    tail = [f"注意：{written.notice}"] if written.notice else []
    if written.fallback:
        tail.append(f"摘自报告：{answer.answer}" if sent else _answer_block(answer, final.to_json()))
    yield ("\n\n" if sent else "") + "\n\n".join(tail + _citation_blocks(answer))
    yield final


def completion(text: str, data: dict, ident: str, created: int) -> dict:
    """The ``chat.completion`` object for a reply."""
    return {
        "id": ident, "object": "chat.completion", "created": created, "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "finish_reason": "stop", "logprobs": None}],
        "citations": data["citations"], "qa": data,
    }


def chunk(ident: str, created: int, delta: dict, finish: str | None = None, **extra) -> dict:
    """One ``chat.completion.chunk`` object."""
    return {"id": ident, "object": "chat.completion.chunk", "created": created, "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}


def chunks(text: str, data: dict, ident: str, created: int) -> Iterator[dict]:
    """The ``chat.completion.chunk`` objects of a streamed reply: role, one per block of text, then the
    end with ``finish_reason`` and the structured ``citations`` and ``qa``."""
    yield chunk(ident, created, {"role": "assistant", "content": ""})
    blocks = text.split("\n\n")
    for i, block in enumerate(blocks):
        yield chunk(ident, created, {"content": block + ("\n\n" if i < len(blocks) - 1 else "")})
    yield chunk(ident, created, {}, "stop", citations=data["citations"], qa=data)
