"""The answer model: a logistic regression over candidate features, saved as JSON, run with numpy.

``AnswerModel.load()`` reads ``qa/data/answer_model.json`` (written by ``qa train``;
see ``qa.train``): the feature names it was fitted on, their means and scales,
the weights, the intercept, and the abstention threshold chosen for at most 5%
wrongly abstained answerable questions out of fold. ``probability`` gives each
candidate's chance of holding the answer; ``explain`` names the features that
pushed it up or down most, in words (``qa.features.FEATURES``).

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
from qa.features import BINARY, FEATURES, NAMES

MODEL_FORMAT = 1
DEFAULT_MODEL = Path(__file__).parent / "data" / "answer_model.json"


@dataclass(frozen=True)
class AnswerModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # abstain when the best candidate's probability is below this
    meta: dict  # training sets, counts, leave-one-set-out metrics, version

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
                        float(data["intercept"]), float(data["threshold"]), dict(data.get("meta", {})))
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
                "intercept": round(self.intercept, 6), "threshold": round(self.threshold, 4), "meta": self.meta}

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(candidate answers) for each row of ``x`` (``qa.features.matrix``)."""
        return 1.0 / (1.0 + np.exp(-self.logits(x)))

    def explain(self, row: np.ndarray, n: int = 3, against: bool = False) -> list[str]:
        """The ``n`` features that raised (or, ``against``, lowered) this candidate's score most, in words.

        Each is ``"<meaning>: <value> (<signed contribution in log-odds>)"``, measured
        from an average candidate: ``"sentence shares the question's key terms: 0.82 (+1.4)"``,
        ``"lacks the kind of answer asked for: yes (-1.3)"``.
        """
        contrib = (row - self.mean) / self.scale * self.coef
        order = np.argsort(contrib if against else -contrib)
        out = []
        for i in order[:n]:
            if (contrib[i] < 0) != against or abs(contrib[i]) < 0.05:
                break
            value = ("yes" if row[i] else "no") if self.features[i] in BINARY else f"{row[i]:.2f}"
            out.append(f"{FEATURES[self.features[i]]}: {value} ({contrib[i]:+.1f})")
        return out
