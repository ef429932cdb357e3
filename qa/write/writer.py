"""Written answers: an LLM the user runs writes from the retrieved passages; each sentence is checked as it comes.

    writer = Writer(LLMSettings("http://127.0.0.1:11434/v1", "qwen2.5:7b"))
    answer = asyncio.run(writer.write(question, service.ask(question)))
    answer.written.text      -> "每个驻地协调员办公室现在都有五个核心职位[1]。…"  (None: the extractive answer stands)
    answer.written.sentences -> every sentence written, each with its citations and its check

The extractive answer is made first, as always; the model is sent the question, its cited
passages (``qa.write.prompt``) and that answer as a hint, and its streamed reply is cut into
sentences, each checked the moment it is whole (``qa.write.verify``). A sentence that fails is
dropped, and the reply says so. When nothing passes, the model declines, or the call fails (the
endpoint is down, slow past ``timeout`` — the whole call, not one read —, answers an error or
something unreadable), the extractive answer stands, with a one-line notice that says why. The
written answer can therefore never hold a sentence the extractive answer's passages do not back,
by the checks' measure.

``stream`` yields each ``Checked`` sentence as it is checked, then the ``Written`` result: the
OpenAI-compatible endpoint and the chat page pass sentences on as they pass. At most
``concurrency`` calls are in flight at once; the rest wait, inside their timeout.

Needs the ``openai`` package (``pip install 'qa-e2020-54[write]'``), imported only here. Does
not retry, cache, keep a conversation, or send the key anywhere but the endpoint.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any, cast

from qa.config import LLMSettings
from qa.errors import BadQuestion
from qa.write.prompt import messages, passages
from qa.write.verify import Checked, Evidence, Splitter, check, joined

log = logging.getLogger(__name__)



# why the extractive answer can stand instead of a written one (``Written.kind``)
FALLBACKS = {
    "no-passages": "no passage was retrieved to write from",
    "timeout": "the endpoint did not finish within the timeout",
    "unreachable": "the endpoint could not be reached",
    "http-error": "the endpoint answered an HTTP error",
    "unreadable": "the reply could not be read",
    "empty": "the reply held no text",
    "refused": "the model said the passages do not answer",
    "none-passed": "no written sentence passed the check",
}


@dataclass(frozen=True)
class Written:
    """What the model wrote, sentence by sentence, and whether it stands."""

    sentences: tuple[Checked, ...]  # every sentence written, passed or not
    model: str | None
    fallback: str | None = None  # why the extractive answer stands instead, in words
    seconds: float = 0.0
    kind: str | None = None  # the fallback's kind: a key of FALLBACKS

    @property
    def kept(self) -> tuple[Checked, ...]:
        return tuple(s for s in self.sentences if s.passed)

    @property
    def dropped(self) -> tuple[Checked, ...]:
        return tuple(s for s in self.sentences if not s.passed and not s.refusal)

    @property
    def text(self) -> str | None:
        """The written answer: the sentences that passed; None when the extractive answer stands."""
        return None if self.fallback else joined(s.text for s in self.kept) or None

    @property
    def notice(self) -> str | None:
        """One line for the reader: why the extractive answer stands, or how many sentences were dropped."""
        if self.fallback:
            return f"未采用 LLM 写的答案（{self.fallback}），以下是摘自报告的答案。"
        if self.dropped:
            return f"LLM 写的句子中有 {len(self.dropped)} 句未通过核对，已删去。"
        return None

    def to_json(self) -> dict:
        return {"text": self.text, "model": self.model, "fallback": self.fallback,
                "kept": len(self.kept), "dropped": len(self.dropped), "seconds": round(self.seconds, 3),
                "sentences": [s.to_json() for s in self.sentences]}


def with_written(answer, written: Written):
    """``answer`` (``qa.answer.Answer``) carrying ``written`` (its JSON ``notice`` then joins both notices)."""
    return replace(answer, written=written)


class _Failed(Exception):
    """The call failed; the message says how (without the key), ``kind`` is a key of FALLBACKS."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class Writer:
    """Writes answers with the endpoint of ``settings``; one instance serves every question and thread."""

    def __init__(self, settings: LLMSettings):
        try:
            import openai  # noqa: F401  (the write extra: checked when the writer is made)
        except ImportError as e:
            raise BadQuestion("written answers need the openai package: pip install 'qa-e2020-54[write]'") from e
        self.settings = settings
        self._model = settings.model
        self._slots: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> Semaphore

    async def write(self, question: str, answer):
        """``answer`` with its ``written`` part added."""
        written = None
        async for event in self.stream(question, answer):
            if isinstance(event, Written):
                written = event
        if written is None:  # stream() always ends with its result
            raise RuntimeError("the writer's stream ended without a result")
        return with_written(answer, written)

    async def stream(self, question: str, answer) -> AsyncIterator[Checked | Written]:
        """Each sentence as it is checked (``Checked``), then the ``Written`` result."""
        started = time.perf_counter()
        shown = passages(answer.citations)
        hint = None if answer.abstained else answer.answer
        source = next((p.n for p in shown if answer.highlight and p.id == answer.highlight.id), None)
        evidence = Evidence(shown, hint, source)
        checked: list[Checked] = []
        fallback, kind, model = None, None, self._model
        if not shown:
            fallback, kind = FALLBACKS["no-passages"], "no-passages"
        else:
            splitter = Splitter()
            try:
                async for piece, model in self._timed(messages(question, shown, hint)):
                    for sentence in splitter.feed(piece):
                        checked.append(check(sentence, evidence))
                        yield checked[-1]
                for sentence in splitter.end():
                    checked.append(check(sentence, evidence))
                    yield checked[-1]
            except TimeoutError:
                fallback = f"the LLM at {self.settings.shown_url} did not finish within {self.settings.timeout:g} s"
                kind = "timeout"
            except _Failed as e:
                fallback, kind = str(e), e.kind
            except Exception as e:  # whatever else a reply can break: the extractive answer, never a traceback
                log.warning("writing an answer failed", exc_info=True)
                fallback, kind = f"the LLM at {self.settings.shown_url} failed ({type(e).__name__})", "unreadable"
            if fallback is None:
                kind, fallback = _verdict(checked, self.settings.shown_url)
        if fallback:
            log.info("written answer not used for %r: %s", question[:60], fallback)
        yield Written(tuple(checked), model, fallback, time.perf_counter() - started, kind)

    async def _timed(self, msgs: list[dict]) -> AsyncIterator[tuple[str, str]]:
        """``_pieces`` read in a task of its own, under one deadline for the whole call (the wait for a slot
        included); raises ``TimeoutError`` past it. The caller may take its time between pieces: the deadline
        cancels only the reading task, never the caller's."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.timeout
        queue: asyncio.Queue = asyncio.Queue()

        async def read() -> None:
            try:
                async with self._slot():
                    async for piece, model in self._pieces(msgs):
                        queue.put_nowait((piece, model, None))
                queue.put_nowait((None, None, None))
            except Exception as e:  # handed to the caller, which raises it
                queue.put_nowait((None, None, e))

        task = asyncio.create_task(read())
        try:
            while True:
                piece, model, error = await asyncio.wait_for(queue.get(), max(deadline - loop.time(), 0))
                if error is not None:
                    raise error
                if piece is None:
                    return
                yield piece, model
        finally:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass

    async def _pieces(self, msgs: list[dict]) -> AsyncIterator[tuple[str, str]]:
        """The reply's text as it streams, each piece with the model's name; raises ``_Failed``."""
        import openai  # openai takes about 1.2 s to import; only a written answer needs it (the write extra)

        s = self.settings
        try:
            async with openai.AsyncOpenAI(base_url=s.base_url, api_key=s.api_key or "unused", max_retries=0,
                                          timeout=s.timeout) as client:
                model = self._model or await self._discover(client)
                stream = await client.chat.completions.create(model=model, messages=cast(Any, msgs), stream=True,
                                                              temperature=s.temperature, max_tokens=s.max_tokens)
                async for chunk in stream:
                    for choice in chunk.choices or ():
                        if choice.delta is not None and choice.delta.content:
                            yield choice.delta.content, model
        except openai.APITimeoutError as e:
            raise TimeoutError from e
        except openai.APIStatusError as e:
            raise _Failed("http-error", f"the LLM at {s.shown_url} answered HTTP {e.status_code}: "
                                        f"{_first_line(e.message)}") from e
        except openai.APIConnectionError as e:
            raise _Failed("unreachable", f"cannot reach the LLM at {s.shown_url} ({_first_line(str(e.__cause__ or e))})") from e
        except (openai.OpenAIError, ValueError, TypeError, AttributeError, KeyError) as e:
            raise _Failed("unreadable", f"the reply of the LLM at {s.shown_url} could not be read "
                                        f"({type(e).__name__}: {_first_line(str(e))})") from e

    async def _discover(self, client) -> str:
        """The endpoint's first model, when none is named (vLLM and llama.cpp serve one)."""
        listed = [m.id for m in (await client.models.list()).data]
        if not listed:
            raise _Failed("http-error", f"the LLM at {self.settings.shown_url} lists no model; name one with QA_LLM_MODEL")
        self._model = listed[0]
        return self._model

    def _slot(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop not in self._slots:
            self._slots[loop] = asyncio.Semaphore(self.settings.concurrency)
        return self._slots[loop]

    def write_all(self, items: list[tuple[str, object]]) -> list:
        """Each ``(question, answer)`` written, ``concurrency`` at a time (for ``qa eval --write`` and batches)."""
        async def run():
            turns = asyncio.Semaphore(self.settings.concurrency)  # a call's timeout starts when its turn comes

            async def one(q, a):
                async with turns:
                    return await self.write(q, a)

            return await asyncio.gather(*(one(q, a) for q, a in items))

        return asyncio.run(run())


def _verdict(checked: list[Checked], url: str) -> tuple[str | None, str | None]:
    """(kind, why) nothing written stands, or (None, None) when a sentence passed."""
    if any(s.passed for s in checked):
        return None, None
    if not checked:
        return "empty", f"the LLM at {url} sent no text (an empty or unreadable reply)"
    if all(s.refusal for s in checked):
        return "refused", "the LLM says the passages do not answer the question"
    failed = [s for s in checked if not s.refusal]
    return "none-passed", f"none of the {len(failed)} sentences it wrote passed the check: {failed[0].check}"


def _first_line(text: str, limit: int = 160) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else "no message"
    return line if len(line) <= limit else line[:limit] + "…"
