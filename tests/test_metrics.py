"""Metric code against hand-worked numbers."""

import math

import pytest

from qa.lab.metrics import mean, mrr_at, ndcg_at, recall_at


def test_recall_at_k():
    ranked = ["a", "b", "c", "d"]
    assert recall_at(ranked, {"c"}, 2) == 0.0  # c is third
    assert recall_at(ranked, {"c"}, 3) == 1.0
    assert recall_at(ranked, {"x"}, 10) == 0.0


def test_mrr():
    assert mrr_at(["a", "b", "c"], {"b"}) == 0.5  # first hit at rank 2
    assert mrr_at(["a", "b", "c"], {"c", "b"}) == 0.5  # only the first hit counts
    assert mrr_at(["a"] * 10 + ["b"], {"b"}, 10) == 0.0  # rank 11 is past the cut


def test_ndcg_hand_worked():
    # relevant at ranks 1 and 3 of 2 relevant: DCG = 1 + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) = 1.6309
    got = ndcg_at(["r1", "x", "r2"], {"r1", "r2"}, 10)
    assert got == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert round(got, 4) == 0.9197
    assert ndcg_at(["x", "r"], {"r"}, 10) == pytest.approx(1 / math.log2(3))  # 0.6309
    assert ndcg_at(["x"], set(), 10) == 0.0


def test_mean():
    assert mean([1.0, 0.0, 0.5]) == 0.5
    assert mean([]) == 0.0
