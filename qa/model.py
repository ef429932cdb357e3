"""The answer model: a passage re-ranker and two logistic regressions, saved as JSON, run with numpy.

``AnswerModel.load()`` reads ``qa/data/answer_model.json`` (written by ``qa train``;
see ``qa.train``). The ``Ranker`` (``qa.rerank``) orders the top fused passages. The first regression scores each candidate sentence
(``qa.features.FEATURES``): which sentence answers. The second, the ``Gate``, reads
the question as a whole (``qa.features.GATE``: the best sentence's score, its margin
over the next, how much of the question the report meets at all …) and gives the
probability that the question is answered at all; the answer abstains when that
is below the threshold chosen for at most 5% wrongly abstained answerable
questions out of fold. ``explain`` names the features that pushed a score up or
down most, in words.

Loading checks that the file's features are the ones this code computes:
a model fitted on other features fails with ``ModelError`` naming the fix (``qa train``).

Does not fit anything (``qa.train`` does, with scikit-learn) and needs no scikit-learn to run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import ModelError
from qa.features import BINARY, FEATURES, GATE, GATE_NAMES, NAMES, gate_row
from qa.rerank import Ranker

MODEL_FORMAT = 3  # 2: the abstention gate; 3: the passage re-ranker
DEFAULT_MODEL = Path(__file__).parent / "data" / "answer_model.json"


def _explain(row: np.ndarray, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, names: tuple[str, ...],
             meaning: dict[str, str], n: int, against: bool) -> list[str]:
    contrib = (row - mean) / scale * coef
    order = np.argsort(contrib if against else -contrib)
    out = []
    for i in order[:n]:
        if (contrib[i] < 0) != against or abs(contrib[i]) < 0.05:
            break
        value = ("yes" if row[i] else "no") if names[i] in BINARY else f"{row[i]:.2f}"
        out.append(f"{meaning[names[i]]}: {value} ({contrib[i]:+.1f})")
    return out


@dataclass(frozen=True)
class Gate:
    """P(the question is answered at all) from its ``qa.features.gate_row``."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def probability(self, row: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-(((row - self.mean) / self.scale) @ self.coef + self.intercept))))

    def explain(self, row: np.ndarray, n: int = 3, against: bool = False) -> list[str]:
        return _explain(row, self.mean, self.scale, self.coef, GATE_NAMES, GATE, n, against)

    def to_json(self) -> dict:
        return {"features": list(GATE_NAMES), "mean": self.mean.round(6).tolist(), "scale": self.scale.round(6).tolist(),
                "coef": self.coef.round(6).tolist(), "intercept": round(self.intercept, 6)}

    @classmethod
    def from_json(cls, data: dict) -> "Gate":
        if tuple(data["features"]) != GATE_NAMES:
            raise ValueError("gate fitted on other features")
        return cls(*(np.array(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")), float(data["intercept"]))


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
    ranker: Ranker | None = None  # orders the top fused passages (``qa.rerank``); None: fused order

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
        """P(candidate answers) for each row of ``x`` (``qa.features.matrix``)."""
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
        return _explain(row, self.mean, self.scale, self.coef, self.features, FEATURES, n, against)
