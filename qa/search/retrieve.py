"""Rank chunks for a question: BM25, dense, or both fused.

Fusion is reciprocal rank fusion, ``sum_i w_i / (rrf_k + rank_i)``, or a
weighted sum of max-normalised scores; which one, and its weights, were chosen
on the gold set (``qa eval --tune``). BM25 touches only the postings of the question's terms
(``qa.search.postings``); the dense side is FAISS's exact inner-product search, whose scores of the asked
chunks fusion's min-max scaling reads (exact and deterministic; 5,000 passages cost about a millisecond).

A question that names a figure or table by number (图八, 表 3, Figure 4) gets
that figure's or table's chunks first in the hybrid ranking, in their fused
order: the reader said where to look. In a library of several documents, that is
the figure of the document the question names (by its name or title), else of the
documents asked (``only``), else of the one document whose such chunk is closest
to the question — never every document's figure 8.

``only`` (a bool per chunk) limits the search to some documents (``qa ask --doc``), inside the search: FAISS
scores only their rows (an ``IDSelectorRange`` per run of asked rows; a document's chunks are one run), and
each question term's postings are cut to them before adding (``qa.search.postings``). The other chunks are
never scored: they hold BM25 0 and the lowest cosine of the asked chunks, so every maximum and minimum read
from ``Scores`` (fusion's scaling, the re-ranker's and the answer gate's inputs) is the asked documents'.

Does not pick answer sentences or decide to abstain; that is ``qa.answer.compose``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qa.config import Settings
from qa.lang.english import QUESTION_WORDS
from qa.search.index import Index
from qa.search.rerank import rerank
from qa.lang.query import Query
from qa.lang.tokenize import expand_english, tokens

if TYPE_CHECKING:
    from qa.search.rerank import Ranker

MODES = ("hybrid", "dense", "bm25")
# how far below the user guide a package's source code is ranked, as a share of the question's fused range: the
# guide explains what the code does, and the code's words (\ctex_file_input:n, 计算拼音线) crowd it out. A source
# passage still comes first when it is that much closer (what engine the code checks for); on ctex.pdf's and
# hanzibox.pdf's studied questions 0.3 gave 35 -> 36 of 84 right and one more unanswerable refused, 0.5 one fewer
SOURCE_PENALTY = 0.3


@dataclass(frozen=True)
class Hit:
    row: int  # chunk row in the index
    score: float  # the ranking's score (fused, cosine, or BM25; a re-ranked hybrid hit keeps its fused score)


@dataclass(frozen=True)
class Scores:
    """Every chunk's scores for one question, before ranking."""

    dense: np.ndarray  # cosine similarity per chunk
    lexical: np.ndarray  # BM25 per chunk
    query_vec: np.ndarray  # (dim,)
    referenced: np.ndarray | None = None  # bool per chunk: a figure, table or paragraph the question names
    # the BM25 score a passage would approach that held every query term many times: Σ idf·(k1 + 1) over the
    # query's terms. The best passage's share of it means the same on any corpus; the raw maximum does not
    lexical_ceiling: float = 0.0
    # cosine per chunk with the question as asked (``Query.vector``), when the search ranked by another vector
    # (``Query.search_vector``); what the answer's features read (``closeness``)
    meaning: np.ndarray | None = None
    # bool per chunk: a package's source code (``Index.source_rows``), which fusion ranks below the user guide
    source: np.ndarray | None = None

    @property
    def closeness(self) -> np.ndarray:
        """Cosine per chunk with the question as asked: ``meaning``, else ``dense``."""
        return self.dense if self.meaning is None else self.meaning


def referenced(index: Index, refs: tuple[tuple[str, int | None], ...], norm: str = "",
               dense: np.ndarray | None = None, only: np.ndarray | None = None) -> np.ndarray | None:
    """Which chunks are the figures, tables and paragraphs the question names (``Query.references``), in one
    document: the one the question ``norm`` names, else among ``only``, else the one whose such chunk is closest
    by ``dense``; None if it names none."""
    if not refs:
        return None
    wanted = set(refs)
    out = np.array([(c.kind, c.number) in wanted for c in index.chunks], dtype=bool)
    docs = {index.chunks[r].doc for r in np.flatnonzero(out)}
    if len(docs) < 2:
        return out if only is None else out & only
    named = {d for d in docs if _names_doc(norm, d, index.by_name.get(d))}
    if named:
        keep = named
    elif only is not None:
        out &= only
        keep = {index.chunks[r].doc for r in np.flatnonzero(out)}
    else:
        keep = docs
    if len(keep) > 1 and dense is not None:
        rows = [r for r in np.flatnonzero(out) if index.chunks[r].doc in keep]
        keep = {index.chunks[max(rows, key=lambda r: dense[r])].doc}
    return out & np.array([c.doc in keep for c in index.chunks], dtype=bool)


def _names_doc(norm: str, name: str, entry: dict | None) -> bool:
    """Whether a (normalised) question names a document: its name (``e-2020-54``, also as ``e/2020/54``) or a
    title of 4+ characters.

    >>> _names_doc("e/2020/54 的图八", "E-2020-54", None), _names_doc("图八", "E-2020-54", None)
    (True, False)
    """
    n = name.lower()
    if n and (n in norm or n.replace("-", "/") in norm):
        return True
    title = (entry or {}).get("title") or ""
    return len(title) >= 4 and title.lower() in norm


def score(index: Index, query: Query, lexical: str, only: np.ndarray | None = None) -> Scores:
    """Every chunk's dense and ``lexical`` BM25 score for ``query``."""
    dense = dense_scores(index, query.searched, only)
    meaning = dense_scores(index, query.vector, only) if query.search_vector is not None else None
    toks = tokens(" ".join((expand_english(query.norm, index.lexicon.glossary), *query.english_terms)), lexical, index.segmenter)
    if query.english:
        toks = [t for t in toks if t.lstrip("#") not in QUESTION_WORDS]
    bm = index.lexical[lexical]
    lex = bm.scores(toks, only)
    return Scores(dense, lex, query.vector, referenced(index, query.references, query.norm, dense, only),
                  bm.ceiling(toks), meaning, index.source_rows)


def dense_scores(index: Index, vector: np.ndarray, only: np.ndarray | None = None) -> np.ndarray:
    """Cosine of every chunk (of ``only``: FAISS searches those rows alone) with ``vector``; the rows not asked
    hold the lowest asked cosine, so they move no minimum or maximum."""
    import faiss  # loaded with the index already; here for its search parameters

    n = len(index.chunks)
    q = vector.reshape(1, -1).astype(np.float32)
    if only is None:
        d, i = index.dense.search(q, n)
        dense = np.zeros(n, dtype=np.float64)
        dense[i[0]] = d[0]
        return dense
    asked = int(only.sum())
    if asked == 0:
        return np.zeros(n, dtype=np.float64)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], only.view(np.int8), [0]))))  # runs of asked rows
    sels = [faiss.IDSelectorRange(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]
    sel = sels[0] if len(sels) == 1 else faiss.IDSelectorOr(sels[0], sels[1]) if len(sels) == 2 else \
        faiss.IDSelectorBatch(np.flatnonzero(only).astype(np.int64))
    d, i = index.dense.search(q, asked, params=faiss.SearchParameters(sel=sel))  # type: ignore[call-arg]
    keep = i[0] >= 0
    dense = np.full(n, float(d[0][keep].min()), dtype=np.float64)
    dense[i[0][keep]] = d[0][keep]
    return dense


def _ranks(x: np.ndarray) -> np.ndarray:
    """1-based rank of each entry, highest score first; ties broken by row (stable)."""
    order = np.argsort(-x, kind="stable")
    ranks = np.empty(len(x), dtype=np.int64)
    ranks[order] = np.arange(1, len(x) + 1)
    return ranks


def fuse(s: Scores, mode: str, settings: Settings) -> np.ndarray:
    """One score per chunk for ``mode``."""
    if mode == "dense":
        return s.dense
    if mode == "bm25":
        return s.lexical
    if settings.fusion == "weighted":
        # Both sides scaled per question, so one weight holds on every corpus and encoder: BM25 to a
        # maximum of 1, cosines min-max to [0, 1]. dense_weight (16, tuned on raw e5 cosines) × 1/8
        # = 2 on scaled cosines: best on the gold set (Recall@1 0.963 vs 0.956 unscaled), same on CMRC.
        lex = s.lexical / s.lexical.max() if s.lexical.max() > 0 else s.lexical
        span = s.dense.max() - s.dense.min() if len(s.dense) else 0.0
        dense = (s.dense - s.dense.min()) / span if span > 0 else np.zeros_like(s.dense)
        fused = settings.dense_weight / 8 * dense + lex
    else:
        rd, rl = _ranks(s.dense), _ranks(s.lexical)
        fused = settings.dense_weight / (settings.rrf_k + rd) + 1.0 / (settings.rrf_k + rl)
        no_lex = s.lexical <= 0  # a chunk sharing no term with the question gets no lexical vote
        fused[no_lex] = settings.dense_weight / (settings.rrf_k + rd[no_lex])
    if s.source is not None:  # a package's source code below its user guide
        fused = fused - s.source * SOURCE_PENALTY * (fused.max() - fused.min())
    if s.referenced is not None and s.referenced.any():
        fused = fused + s.referenced * (fused.max() - fused.min() + 1.0)  # named figures, tables and paragraphs first
    return fused


def top(fused: np.ndarray, k: int, only: np.ndarray | None = None) -> list[Hit]:
    order = np.argsort(-fused, kind="stable")
    if only is not None:
        order = order[only[order]]
    return [Hit(int(r), float(fused[r])) for r in order[:k]]


def ranked(index: Index, query: Query, scores: Scores, mode: str, settings: Settings, ranker: Ranker | None,
           k: int, only: np.ndarray | None = None) -> list[Hit]:
    """The ``k`` best chunks for ``mode`` (among ``only``): a hybrid ranking's top passages re-ranked by
    ``ranker`` (``qa.search.rerank``; fused order when it is None). Each hit keeps its fused score."""
    fused = fuse(scores, mode, settings)
    if mode != "hybrid":
        return top(fused, k, only)
    return [Hit(int(r), float(fused[r])) for r in rerank(query, index, scores, fused, ranker, only=only)[:k]]


def with_total_rows(index: Index, query: Query, hits: list[Hit], depth: int) -> list[Hit]:
    """A question asking for a total reads a table's total row: each table among the first ``depth`` hits
    brings its 共计/总计 row in right after its best row, scored as that row, when it is not there already."""
    if not query.asks_total:
        return hits
    out, have = list(hits), {h.row for h in hits[:depth]}
    for hit in hits[:depth]:
        chunk = index.chunks[hit.row]
        row = (index.total_rows.get((chunk.doc, chunk.number))
               if chunk.kind == "table" and not index.names_part(query.norm, chunk) else None)
        if row is not None and row not in have:
            out = [h for h in out if h.row != row]
            out.insert(out.index(hit) + 1, Hit(row, hit.score))
            have.add(row)
    return out[:len(hits)]
