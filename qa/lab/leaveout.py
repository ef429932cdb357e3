"""Unanswerable questions from any corpus: each question asked with its gold passage(s) left out.

Does: answer a question through ``Service.answer`` (the path ``qa ask`` takes) with some passages
removed from what may be cited — ``WithoutPassages`` masks their scores before ranking and drops
them from the hits — and sum how often the service abstains (``LeaveOutScores``), keeping the
answers it gave instead, to read: sometimes another passage does answer.

Does not: rebuild the index. The left-out passages still count in the index's statistics (BM25's
document frequencies and mean length), and in every chunk's score array they stay with the lowest
scores (BM25 0, the lowest cosine of the others), so the gate's question-level inputs (best BM25,
best cosine) are the best of the remaining passages. An index built without them would differ only
in those statistics. Does not judge whether an answer given is right: a person reads the sample.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from qa.answer.features import DEPTH, REACH
from qa.search.retrieve import ranked, score, with_total_rows
from qa.serve.service import Service

if TYPE_CHECKING:
    from qa.lang.query import Query
    from qa.search.retrieve import Hit, Scores

log = logging.getLogger(__name__)


def masked(scores: Scores, rows: frozenset[int]) -> Scores:
    """``scores`` (``qa.search.retrieve.Scores``) with ``rows`` scored as no match: BM25 0, the lowest cosine of
    the other chunks, never referenced.

    >>> from qa.search.retrieve import Scores
    >>> s = masked(Scores(np.array([0.9, 0.5, 0.7]), np.array([3.0, 1.0, 2.0]), np.zeros(2)), frozenset({0}))
    >>> s.dense.tolist(), s.lexical.tolist()
    ([0.5, 0.5, 0.7], [0.0, 1.0, 2.0])
    """
    if not rows:
        return scores
    keep = np.ones(len(scores.dense), dtype=bool)
    keep[list(rows)] = False
    dense, lexical = scores.dense.copy(), scores.lexical.copy()
    dense[~keep] = dense[keep].min() if keep.any() else 0.0
    lexical[~keep] = 0.0
    meaning = None
    if scores.meaning is not None:
        meaning = scores.meaning.copy()
        meaning[~keep] = meaning[keep].min() if keep.any() else 0.0
    referenced = None
    if scores.referenced is not None:
        referenced = scores.referenced.copy()
        referenced[~keep] = False
    return replace(scores, dense=dense, lexical=lexical, referenced=referenced, meaning=meaning)


@dataclass
class WithoutPassages(Service):
    """A ``Service`` that never cites the chunk rows ``left_out``; everything else is the service's own."""

    left_out: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def of(cls, service: Service, rows: frozenset[int]) -> "WithoutPassages":
        return cls(service.settings, service.index, service.encoder, service.model, service.library, service.watch,
                   left_out=frozenset(rows))

    def hits(self, query: Query, k: int, mode: str, only: np.ndarray | None = None) -> tuple[list[Hit], Scores]:
        scores = masked(score(self.index, query, self.settings.lexical, only), self.left_out)
        n = len(self.index.chunks) if only is None else int(only.sum())
        want = min(max(k, REACH), n - len(self.left_out))
        hits = ranked(self.index, query, scores, mode, self.settings, self.model.ranker,
                      min(want + len(self.left_out), n), only)
        hits = [h for h in hits if h.row not in self.left_out][:want]
        hits = with_total_rows(self.index, query, hits, DEPTH)  # a table's total row: never a left-out one
        return [h for h in hits if h.row not in self.left_out], scores


@dataclass(frozen=True)
class Answered:
    """A question the service answered although its gold passage was left out: for reading."""

    id: str
    question: str
    gold_answers: tuple[str, ...]
    left_out: tuple[str, ...]  # the gold passage ids
    answer: str
    confidence: float
    passage: str  # id of the passage the answer comes from
    passage_text: str


@dataclass(frozen=True)
class LeaveOutScores:
    n: int
    abstained: float  # share of the questions the service abstained on (the right reply, usually)
    answered: tuple[Answered, ...]  # the others

    def to_json(self) -> dict:
        """The counts; the answers themselves are ``asdict`` of each of ``answered``."""
        return {"n": self.n, "abstained": self.abstained, "answered": len(self.answered)}


def leave_out(service: Service, ids: list[str], queries: list[Query], gold_rows: list[frozenset[int]],
              gold_answers: list[tuple[str, ...]], k: int | None = None, mode: str | None = None) -> LeaveOutScores:
    """Answer each of ``queries`` (``Query`` objects, prepared by ``service``; ``ids`` name them) without its
    ``gold_rows``."""
    answered = []
    for qid, q, rows, gold in zip(ids, queries, gold_rows, gold_answers):
        a = WithoutPassages.of(service, rows).answer(q, k, mode)
        if not a.abstained:
            top = a.citations[0] if a.citations else None
            answered.append(Answered(qid, q.text, gold,
                                     tuple(service.index.chunks[r].id for r in sorted(rows)), a.answer, a.confidence,
                                     top.id if top else "", top.text if top else ""))
    n = len(queries)
    log.info("left out the gold passages of %d questions: %d answered", n, len(answered))
    return LeaveOutScores(n, round(1 - len(answered) / n, 4) if n else 0.0, tuple(answered))
