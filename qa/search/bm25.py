"""Okapi BM25 over pre-tokenised documents.

Postings are plain dicts (term -> {doc row: term frequency}) so the index
saves as JSON and loads without unpickling. Scores follow Robertson's BM25
with the Lucene IDF, ``log(1 + (N - df + 0.5) / (df + 0.5))``, which is never
negative.

Does not tokenise (that is ``qa.lang.tokenize``).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np


@dataclass
class BM25:
    postings: dict[str, dict[int, int]]  # term -> {row: tf}
    doc_len: list[int]  # row -> token count
    k1: float = 1.2
    b: float = 0.75

    @classmethod
    def build(cls, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> "BM25":
        postings: dict[str, dict[int, int]] = {}
        for row, toks in enumerate(docs):
            for term, tf in Counter(toks).items():
                postings.setdefault(term, {})[row] = tf
        return cls(postings, [len(d) for d in docs], k1, b)

    def __post_init__(self) -> None:
        n = len(self.doc_len)
        self._avg = (sum(self.doc_len) / n) if n else 1.0
        self._norm = np.array(
            [self.k1 * (1 - self.b + self.b * dl / max(self._avg, 1e-9)) for dl in self.doc_len], dtype=np.float64
        )
        self._idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}
        # term -> (rows, its score in each): the same for every query, worked out on first use
        self._terms: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25 score of every document for ``query`` (repeated query terms count once)."""
        out = np.zeros(len(self.doc_len), dtype=np.float64)
        for term in set(query):
            hit = self._terms.get(term)
            if hit is None:
                post = self.postings.get(term)
                if not post:
                    continue
                rows = np.fromiter(post.keys(), dtype=np.int64, count=len(post))
                tf = np.fromiter(post.values(), dtype=np.float64, count=len(post))
                hit = self._terms[term] = rows, self._idf[term] * tf * (self.k1 + 1) / (tf + self._norm[rows])
            out[hit[0]] += hit[1]
        return out

    def idf(self, term: str) -> float:
        return self._idf.get(term, 0.0)

    def to_json(self) -> dict:
        return {
            "k1": self.k1,
            "b": self.b,
            "doc_len": self.doc_len,
            "postings": {t: [[r, tf] for r, tf in p.items()] for t, p in self.postings.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> "BM25":
        postings = {t: {int(r): int(tf) for r, tf in p} for t, p in data["postings"].items()}
        return cls(postings, list(data["doc_len"]), float(data["k1"]), float(data["b"]))
