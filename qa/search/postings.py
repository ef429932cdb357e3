"""BM25 over per-document postings: a question touches only the postings of its own terms.

An index is a list of segments (one per document, ``qa.search.segment``); each holds its chunks' postings
for a lexical variant as ``Postings`` (term -> the rows holding it and how often, in compressed-row form)
and each chunk's token count. ``Lexical`` scores a question over all of them with the same Okapi BM25 as
``qa.search.bm25.BM25`` (Lucene IDF, k1 1.2, b 0.75): the global statistics are sums of the segments'
counts (N, the tokens per chunk for avgdl, a term's document frequency), so adding a document adds one
segment and recomputes them in O(chunks), not by re-tokenising the library.

    lex = Lexical([Postings.build([["#中国", "#国家"], ["#国家"]])])
    lex.scores(["#国家"], only=None)   # array of 2 scores; rows outside ``only`` are never scored

Does not tokenise (``qa.lang.tokenize``) or store files (``qa.search.segment``).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Postings:
    """One segment's postings for one variant: term ``t``'s rows are ``rows[indptr[i]:indptr[i + 1]]``
    (ascending, local to the segment) with their term frequencies ``tf[…]``, ``i = slot[t]``."""

    terms: tuple[str, ...]
    indptr: np.ndarray  # int64, len(terms) + 1
    rows: np.ndarray  # int32
    tf: np.ndarray  # int32
    doc_len: np.ndarray  # int64, tokens per chunk

    @classmethod
    def build(cls, docs: list[list[str]]) -> "Postings":
        """Postings of ``docs`` (each a chunk's tokens).

        >>> p = Postings.build([["a", "b", "a"], ["b"]])
        >>> p.terms, p.indptr.tolist(), p.rows.tolist(), p.tf.tolist(), p.doc_len.tolist()
        (('a', 'b'), [0, 1, 3], [0, 0, 1], [2, 1, 1], [3, 1])
        """
        by_term: dict[str, list[tuple[int, int]]] = {}
        for row, toks in enumerate(docs):
            for term, tf in Counter(toks).items():
                by_term.setdefault(term, []).append((row, tf))
        terms = tuple(sorted(by_term))
        sizes = [len(by_term[t]) for t in terms]
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(sizes, out=indptr[1:])
        flat = [p for t in terms for p in by_term[t]]
        return cls(terms, indptr, np.array([r for r, _ in flat], dtype=np.int32),
                   np.array([f for _, f in flat], dtype=np.int32), np.array([len(d) for d in docs], dtype=np.int64))

    @cached_property
    def slot(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.terms)}

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """For ``np.savez``: no pickled objects (the terms as a unicode array)."""
        return {f"{prefix}.terms": np.array(self.terms, dtype=str), f"{prefix}.indptr": self.indptr,
                f"{prefix}.rows": self.rows, f"{prefix}.tf": self.tf, f"{prefix}.doc_len": self.doc_len}

    @classmethod
    def from_arrays(cls, data, prefix: str) -> "Postings":
        return cls(tuple(data[f"{prefix}.terms"].tolist()), data[f"{prefix}.indptr"], data[f"{prefix}.rows"],
                   data[f"{prefix}.tf"], data[f"{prefix}.doc_len"])


class Lexical:
    """BM25 over segments ``parts`` laid end to end (segment ``i``'s row ``r`` is global row ``base[i] + r``)."""

    def __init__(self, parts: list[Postings], k1: float = 1.2, b: float = 0.75):
        self.parts, self.k1, self.b = parts, k1, b
        self.base = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum([len(p.doc_len) for p in parts], out=self.base[1:])
        doc_len = np.concatenate([p.doc_len for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        self.n = len(doc_len)
        avg = (sum(doc_len.tolist()) / self.n) if self.n else 1.0  # as BM25: a Python sum of ints
        self._norm = self.k1 * (1 - self.b + self.b * doc_len.astype(np.float64) / max(avg, 1e-9))
        self._terms: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}  # term -> (rows, score in each)
        self._idf: dict[str, float] = {}

    def _term(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The global rows holding ``term`` and its BM25 score in each: every segment's postings of it, once."""
        if term in self._terms:
            return self._terms[term]
        rows, tfs = [], []
        for base, part in zip(self.base.tolist(), self.parts):
            i = part.slot.get(term)
            if i is not None:
                a, z = int(part.indptr[i]), int(part.indptr[i + 1])
                rows.append(part.rows[a:z].astype(np.int64) + base)
                tfs.append(part.tf[a:z])
        hit = None
        if rows:
            r = np.concatenate(rows)
            tf = np.concatenate(tfs).astype(np.float64)
            self._idf[term] = idf = math.log(1 + (self.n - len(r) + 0.5) / (len(r) + 0.5))
            hit = r, idf * tf * (self.k1 + 1) / (tf + self._norm[r])
        self._terms[term] = hit
        return hit

    def scores(self, query: list[str], only: np.ndarray | None = None) -> np.ndarray:
        """BM25 of every row for ``query`` (repeated terms count once); rows outside ``only`` (a bool per row)
        are 0 and never scored: each term's postings are cut to the asked rows before adding."""
        out = np.zeros(self.n, dtype=np.float64)
        for term in set(query):
            hit = self._term(term)
            if hit is None:
                continue
            rows, contrib = hit
            if only is not None:
                keep = only[rows]
                rows, contrib = rows[keep], contrib[keep]
            out[rows] += contrib
        return out

    def idf(self, term: str) -> float:
        return self._idf.get(term, 0.0) if self._term(term) is not None else 0.0

    def ceiling(self, query: list[str]) -> float:
        """Σ idf·(k1 + 1) over ``query``'s terms: as ``BM25.ceiling``."""
        return sum(self.idf(t) for t in set(query)) * (self.k1 + 1)
