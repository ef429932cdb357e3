"""The answer model: a passage re-ranker, a logistic regression and boosted trees, saved as JSON, run with numpy.

``AnswerModel.load()`` reads ``qa/data/answer_model.json`` (written by ``qa train``;
see ``qa.lab.train``). The ``Ranker`` (``qa.search.rerank``) orders the top fused passages. The regression scores each candidate sentence
(``qa.answer.features.FEATURES``): which sentence answers. The ``Gate`` (boosted trees) reads
the question as a whole (``qa.answer.features.GATE``: the best sentence's score, its margin
over the next, how much of the question the report meets at all …) and gives the
probability that the question is answered at all; the answer abstains when that
is below the threshold chosen for at most 3% wrongly abstained answerable
questions out of fold (``qa.lab.train.MAX_WRONG_ABSTAIN``; the target at first contact is 5%). ``explain`` names the features that pushed a score up or
down most, in words.

Loading checks that the file's features are the ones this code computes:
a model fitted on other features fails with ``ModelError`` naming the fix (``qa train``).

Does not fit anything (``qa.lab.train`` does, with scikit-learn) and needs no scikit-learn to run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import ModelError
from qa.answer.features import APPLIES_WITH, BINARY, FEATURES, GATE, GATE_NAMES, NAMES, SIGNS, gate_row
from qa.search.rerank import Ranker

MODEL_FORMAT = 4  # 2: the abstention gate; 3: the passage re-ranker; 4: the gate is boosted trees
DEFAULT_MODEL = Path(__file__).parent.parent / "data" / "answer_model.json"


def _words(row: np.ndarray, contrib: np.ndarray, names: tuple[str, ...], meaning: dict[str, str], n: int,
           against: bool) -> list[str]:
    """The ``n`` inputs that added most to (or, ``against``, took most from) a score, in words.

    What adds is what the sentence has: a flag that is off, or a penalty at 0 (the passage leaves out no name
    the question gives), adds only by not being there, and is no reason for a choice ("English question: no").
    """
    order = np.argsort(contrib if against else -contrib)
    out: list[str] = []
    for i in order:
        if len(out) == n or (contrib[i] < 0) != against or abs(contrib[i]) < 0.05:
            break
        if names[i] in APPLIES_WITH and APPLIES_WITH[names[i]] in names and not row[names.index(APPLIES_WITH[names[i]])]:
            continue  # (a Chinese question's English closeness)
        if not against and not row[i] and (names[i] in BINARY or SIGNS.get(names[i], 0) < 0):
            continue
        value = ("yes" if row[i] else "no") if names[i] in BINARY else f"{row[i]:.2f}"
        out.append(f"{meaning[names[i]]}: {value} ({contrib[i]:+.1f})")
    return out


DEPTH = 3  # every gate tree is stored complete to this depth: 7 splits, 8 leaves, in heap order


@dataclass(frozen=True)
class Gate:
    """P(the question is answered at all) from its ``qa.answer.features.gate_row``: boosted trees (fitted by
    ``qa.lab.train.fit_gate`` with scikit-learn), stored as arrays and run with numpy.

    Each tree is complete to ``DEPTH`` (a shallower branch is padded with splits every row passes to the left):
    split ``i`` sends a row to ``2i + 1`` when ``row[feature[i]] <= cut[i]``, else to ``2i + 2``; positions 7–14
    are the leaves. ``mean`` holds each split's expected score (its leaves' values weighted by their training
    rows), from which ``explain`` tells what each input added along the row's path.
    """

    base: float  # the log-odds before any tree
    feature: np.ndarray  # (trees, 7) the input each split reads
    cut: np.ndarray  # (trees, 7)
    leaf: np.ndarray  # (trees, 8) log-odds each leaf adds
    mean: np.ndarray  # (trees, 7) expected log-odds under each split

    def _path(self, row: np.ndarray) -> np.ndarray:
        """(trees, DEPTH + 1) the heap positions a row passes, root to leaf."""
        trees = np.arange(len(self.leaf))
        at = np.zeros(len(self.leaf), dtype=np.int64)
        path = [at]
        for _ in range(DEPTH):
            at = 2 * at + 1 + (row[self.feature[trees, at]] > self.cut[trees, at])
            path.append(at)
        return np.stack(path, axis=1)

    def log_odds(self, row: np.ndarray) -> float:
        leaves = self._path(row)[:, -1] - (2 ** DEPTH - 1)
        return float(self.base + self.leaf[np.arange(len(self.leaf)), leaves].sum())

    def probability(self, row: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-self.log_odds(row))))

    def contributions(self, row: np.ndarray) -> np.ndarray:
        """What each input added to this row's log-odds: along each tree's path, the change of expected score
        at each split, credited to the input it reads. They sum to ``log_odds(row)`` less the expected score."""
        path = self._path(row)
        trees = np.arange(len(self.leaf))
        inner = 2 ** DEPTH - 1
        expected = [self.mean[trees, path[:, d]] for d in range(DEPTH)] + [self.leaf[trees, path[:, DEPTH] - inner]]
        out = np.zeros(len(GATE_NAMES))
        for d in range(DEPTH):
            np.add.at(out, self.feature[trees, path[:, d]], expected[d + 1] - expected[d])
        return out

    def explain(self, row: np.ndarray, n: int = 3, against: bool = False) -> list[str]:
        return _words(row, self.contributions(row), GATE_NAMES, GATE, n, against)

    def to_json(self) -> dict:
        return {"features": list(GATE_NAMES), "depth": DEPTH, "base": round(self.base, 6),
                "feature": self.feature.tolist(), "cut": self.cut.tolist(),
                "leaf": self.leaf.round(6).tolist(), "mean": self.mean.round(6).tolist()}

    @classmethod
    def from_json(cls, data: dict) -> "Gate":
        """The gate a file holds; its inputs may come in another order than ``GATE_NAMES`` (the registry's), as
        long as they are the same: each split is pointed at its input's place here."""
        names = list(data["features"])
        if sorted(names) != sorted(GATE_NAMES) or len(names) != len(GATE_NAMES) or data["depth"] != DEPTH:
            raise ValueError("gate fitted on other features")
        place = np.array([GATE_NAMES.index(n) for n in names], dtype=np.int64)  # file's input i -> GATE_NAMES
        return cls(float(data["base"]), place[np.array(data["feature"], dtype=np.int64)],
                   np.array(data["cut"], dtype=np.float64), np.array(data["leaf"], dtype=np.float64),
                   np.array(data["mean"], dtype=np.float64))


@dataclass(frozen=True)
class AnswerModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # abstain when the gate's probability (without a gate: the best candidate's) is below this
    meta: dict  # training sets, counts, leave-one-set-out metrics, version
    gate: Gate | None = None
    ranker: Ranker | None = None  # orders the top fused passages (``qa.search.rerank``); None: fused order

    @classmethod
    def load(cls, path: Path | None = None) -> "AnswerModel":
        path = Path(path or DEFAULT_MODEL)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != MODEL_FORMAT:
                raise ModelError(f"{path}: answer model format {data.get('format')!r}, expected {MODEL_FORMAT}; "
                                 "rebuild it with: qa train")
            model = cls(tuple(data["features"]), np.array(data["mean"], dtype=np.float64),
                        np.array(data["scale"], dtype=np.float64), np.array(data["coef"], dtype=np.float64),
                        float(data["intercept"]), float(data["threshold"]), dict(data.get("meta", {})),
                        Gate.from_json(data["gate"]) if data.get("gate") else None,
                        Ranker.from_json(data["ranker"]) if data.get("ranker") else None)
        except FileNotFoundError:
            raise ModelError(f"{path}: no answer model; build it with: qa train") from None
        except (ValueError, KeyError, TypeError) as e:
            raise ModelError(f"{path}: unreadable answer model ({e}); rebuild it with: qa train") from None
        if model.features != NAMES or not (len(model.mean) == len(model.scale) == len(model.coef) == len(NAMES)):
            raise ModelError(f"{path}: fitted on other features than this version computes; rebuild it with: qa train")
        return model

    @classmethod
    def blank(cls) -> "AnswerModel":
        """A model that knows nothing (every candidate 0.5): what ``qa train`` starts from."""
        n = len(NAMES)
        return cls(NAMES, np.zeros(n), np.ones(n), np.zeros(n), 0.0, 0.5, {"blank": True})

    def to_json(self) -> dict:
        return {"format": MODEL_FORMAT, "features": list(self.features), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
                "intercept": round(self.intercept, 6), "threshold": round(self.threshold, 4),
                "gate": self.gate.to_json() if self.gate else None,
                "ranker": self.ranker.to_json() if self.ranker else None, "meta": self.meta}

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(candidate answers) for each row of ``x`` (``qa.answer.features.matrix``)."""
        return 1.0 / (1.0 + np.exp(-self.logits(x)))

    def answers(self, x: np.ndarray, logits: np.ndarray, question: tuple[float, float, float]) -> tuple[float, np.ndarray | None]:
        """P(the question is answered at all) for candidates ``x`` scoring ``logits``, and the gate's inputs
        (None without a gate: then it is the best candidate's probability)."""
        if self.gate is None:
            return float(1.0 / (1.0 + np.exp(-logits.max()))), None
        row = gate_row(logits, x, question)
        return self.gate.probability(row), row

    def explain(self, row: np.ndarray, n: int = 3, against: bool = False) -> list[str]:
        """The ``n`` features that raised (or, ``against``, lowered) this candidate's score most, in words.

        Each is ``"<meaning>: <value> (<signed contribution in log-odds>)"``, measured
        from an average candidate: ``"sentence shares the question's key terms: 0.82 (+1.4)"``,
        ``"lacks the kind of answer asked for: yes (-1.3)"``.
        """
        return _words(row, (row - self.mean) / self.scale * self.coef, self.features, FEATURES, n, against)
