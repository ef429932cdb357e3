"""The reply's shape: ``Answer`` with its ``Citation`` list, ``Source`` and ``Highlight``, and their JSON.

Only data: what ``qa ask --json``, ``/api/ask`` and the chat page show. Made by
``qa.answer.compose``; read by everything in ``qa.serve``. Does not choose or rank.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from qa.ingest.document import Chunk

if TYPE_CHECKING:  # the type only: qa.write builds on this module
    from qa.write.writer import Written

NO_ANSWER = "报告中没有找到这个问题的答案。"  # the abstention over UN reports (the UN lexicon's documents)
NO_ANSWER_DOCUMENTS = "文档中没有找到这个问题的答案。"  # over any other documents


def no_answer(lexicon: str) -> str:
    """What an abstention says, by what was searched: 报告 for UN reports, 文档 for other documents.

    >>> no_answer("un"), no_answer("")
    ('报告中没有找到这个问题的答案。', '文档中没有找到这个问题的答案。')
    """
    return NO_ANSWER if "un" in lexicon.split("+") else NO_ANSWER_DOCUMENTS


@dataclass(frozen=True)
class Source:
    footnote: int | None
    text: str


@dataclass(frozen=True)
class Citation:
    id: str
    kind: str
    number: int | None
    section: str | None
    page: int | None  # physical page, from 1; None when the document has no pages or does not prove it
    text: str
    score: float  # the fused retrieval score (not in citation order after re-ranking: the order is the rank)
    sources: tuple[Source, ...]
    doc: dict | None = None  # {"id", "title", "file"} of the chunk's document
    page_label: str | None = None  # the page number printed on that page, when the document has one
    page_image: str | None = None  # the page's image with this passage highlighted (a URL path), for a PDF kept


@dataclass(frozen=True)
class Highlight:
    id: str  # chunk id of the passage the answer comes from
    start: int  # answer span in that chunk's text
    end: int


@dataclass(frozen=True)
class Answer:
    question: str
    abstained: bool
    answer: str
    citations: tuple[Citation, ...]
    highlight: Highlight | None = None
    notice: str | None = None  # e.g. the question was cut
    confidence: float = 0.0  # the answer model's probability that the chosen sentence answers (1.0: a caption or note asked for)
    reason: str = ""  # why this answer, or why none
    written: Written | None = None  # when an LLM was asked to write the answer (qa.write)

    def to_json(self) -> dict:
        data = {
            "question": self.question,
            "abstained": self.abstained,
            "answer": self.answer,
            "confidence": self.confidence,
            "reason": self.reason,
            "citations": [{**asdict(c), "rank": i} for i, c in enumerate(self.citations, start=1)],
            "highlight": asdict(self.highlight) if self.highlight else None,
            "notice": self.notice,
        }
        if self.written is not None:  # only when asked for: without an LLM the object is as it always was
            data["notice"] = " ".join(n for n in (self.notice, self.written.notice) if n) or None
            data["written"] = self.written.to_json()
        return data


def citation(chunk: Chunk, score: float, doc: dict | None = None) -> Citation:
    sources = tuple(Source(n, s) for n, s in chunk.sources())
    return Citation(chunk.id, chunk.kind, chunk.number, chunk.section, chunk.page, chunk.text, round(score, 4),
                    sources, doc, chunk.page_label)
