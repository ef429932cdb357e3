"""Ranking metrics over one question: ``ranked`` ids best first, ``relevant`` ids.

Binary relevance. nDCG uses gain 1 and ``log2(rank + 1)`` discounts, with the
ideal ranking putting all relevant ids first (as trec_eval does).

    recall_at(["a", "b"], {"b"}, 1) -> 0.0    # b is not in the top 1
    mrr_at(["a", "b"], {"b"}, 10)   -> 0.5    # first hit at rank 2
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Sequence


def recall_at(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int) -> float:
    """1.0 if any relevant id is in the top ``k`` (success@k, the usual QA 'recall')."""
    return 1.0 if any(r in relevant for r in ranked[:k]) else 0.0


def mrr_at(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int = 10) -> float:
    for i, r in enumerate(ranked[:k], start=1):
        if r in relevant:
            return 1.0 / i
    return 0.0


def ndcg_at(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int = 10) -> float:
    if not relevant:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, r in enumerate(ranked[:k], start=1) if r in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0
