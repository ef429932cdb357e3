"""Re-rank the fused passages with a fitted model: which passage answers, not only which is close.

Fusion (``qa.search.retrieve.fuse``) adds a BM25 score and a cosine. The top ``RERANK``
fused passages are then ordered by a small fitted model (``Ranker``, a linear
softmax over passages fitted by ``qa train`` on the labelled question sets) that
also sees what fusion does not: the closest single sentence of the passage,
the share of the question's key terms it holds, whether it holds the kind of
answer asked for (a day, a sum, a share …: ``qa.lang.asks``), whether it leaves out a
year, country or body the question names, whether it is the table row the
question names by its label (or the total row a total is asked of), whether it
sits under the conclusions (which restate the body), and its kind (a footnote
seldom answers; a table row answers figures). Leave-one-set-out, this
lifts Recall@1 on the project's question sets from 0.888 (fusion alone) to 0.944.

Chunks below ``RERANK`` keep their fused order; a figure or table the question
names stays first, as the reader asked.

    order = rerank(query, index, scores, fuse(scores, "hybrid", settings), ranker)

Does not pick sentences or abstain (``qa.answer.compose``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.ingest.document import KINDS
from qa.search.match import coverage, held, missing_names

if TYPE_CHECKING:  # types only: retrieve imports this module, so importing Scores at run time would be a cycle
    from qa.lang.query import Query
    from qa.search.index import Index
    from qa.search.retrieve import Scores

RERANK = 12  # fused passages re-ordered by the ranker (as deep as answer candidates are read: ``REACH``)

# name -> what it means, for a person reading the model file
PASSAGE: dict[str, str] = {
    "fused_gap": "fused score below the best passage's",
    "rank_inv": "fused rank (1 / (1 + rank))",
    "rank0": "best by fusion",
    "dense_scaled": "closeness in meaning, scaled to this question's passages (0..1)",
    "lexical": "word overlap (BM25), over the best passage's",
    "dense": "closeness in meaning (cosine)",
    "sent_cos": "its closest sentence's closeness in meaning",
    "sent_lift": "how much closer its closest sentence is than the passage as a whole",
    "coverage": "share of the question's key terms it holds",
    "holds": "holds the kind of answer asked for",
    "lacks": "lacks the kind of answer asked for",
    "missing": "never names a year, ordinal, country or body the question names",
    "named": "the figure, table or paragraph the question names",
    "row_named": "a table row the question names by its label (员额, not 非员额, when it says 员额)",
    "total_asked": "a table's total row, and the question asks for a total",
    "concluding": "under a conclusions heading (结论), which restates what the body says",
    **{f"kind_{k}": f"a {k}" for k in KINDS},
}
PASSAGE_NAMES = tuple(PASSAGE)


@dataclass(frozen=True)
class Ranker:
    """Score of each passage (a logit of the softmax over a question's passages) from its ``passage_features``."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray

    def scores(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef

    def to_json(self) -> dict[str, Any]:
        return {"features": list(PASSAGE_NAMES), "depth": RERANK, "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Ranker":
        if tuple(data["features"]) != PASSAGE_NAMES:
            raise ValueError("ranker fitted on other features")
        return cls(*(np.array(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")))


def fused_order(fused: np.ndarray, depth: int = RERANK) -> np.ndarray:
    """The rows of the ``depth`` best fused scores, best first (ties by row)."""
    return np.argsort(-fused, kind="stable")[:depth]


def passage_features(query: Query, index: Index, scores: Scores, fused: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``(len(rows), len(PASSAGE))``: what the ranker knows of each of ``rows`` (in fused order)."""
    lex_max = float(scores.lexical.max()) if len(scores.lexical) and scores.lexical.max() > 0 else 1.0
    lo, hi = float(scores.dense.min()), float(scores.dense.max())
    span = hi - lo if hi > lo else 1.0
    top = float(fused[rows[0]]) if len(rows) else 0.0
    out = np.zeros((len(rows), len(PASSAGE_NAMES)), dtype=np.float64)
    named_rows = rows_named(query, index, rows)
    for i, row in enumerate(rows):
        chunk = index.chunks[row]
        sents = index.sentences_of(row)
        dense = float(scores.dense[row])
        best = float((index.sentence_vecs[sents.start:sents.stop] @ query.searched).max()) if len(sents) else dense
        holds = held(query, index, row)
        passage = chunk.text + (chunk.section or "")
        out[i] = (
            float(fused[row]) - top, 1.0 / (1 + i), float(i == 0), (dense - lo) / span,
            float(scores.lexical[row]) / lex_max, dense, best, best - dense,
            coverage(query.weights, passage), float(holds), float(query.want is not None and not holds),
            float(bool(missing_names(query, passage, index))),
            float(scores.referenced is not None and bool(scores.referenced[row])),
            float(row in named_rows), float(query.asks_total and index.row_labels.get(row, ("", False))[1]),
            float(concluding(chunk.section)),
            *(float(chunk.kind == k) for k in KINDS),
        )
    return out


def concluding(section: str | None) -> bool:
    """Whether a heading is a conclusions heading (结论, 结论和建议, Conclusions).

    >>> concluding("结论和建议"), concluding("为驻地协调员系统供资")
    (True, False)
    """
    return section is not None and ("结论" in section or "conclusion" in section.lower())


def rows_named(query: Query, index: Index, rows: np.ndarray) -> set[int]:
    """Which of ``rows`` are table rows whose label the question holds, less those whose label is inside
    another one's it holds too (asked 非员额, the 员额 row is not named)."""
    found = {r: index.row_labels[r][0] for r in rows if r in index.row_labels and index.row_labels[r][0]
             and index.row_labels[r][0] in query.norm}
    return {r for r, w in found.items() if not any(w != o and w in o for o in found.values())}


def rerank(query: Query, index: Index, scores: Scores, fused: np.ndarray, ranker: Ranker | None, depth: int = RERANK,
           only: np.ndarray | None = None) -> np.ndarray:
    """Every row (of ``only``, when given), best first: the top ``depth`` fused ones ordered by ``ranker`` (fused
    order without one), a named figure's or table's rows first among them, then the rest in fused order."""
    order = np.argsort(-fused, kind="stable")
    if only is not None:
        order = order[only[order]]
    if ranker is None or len(order) < 2:
        return order
    head = order[:depth]
    s = ranker.scores(passage_features(query, index, scores, fused, head))
    named = scores.referenced[head] if scores.referenced is not None else np.zeros(len(head), dtype=bool)
    head = head[np.lexsort((-s, ~named))]  # named first, then by the ranker's score
    return np.concatenate([head, order[depth:]])
