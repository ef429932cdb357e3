"""The feature registry (``qa.answer.registry``): every feature is described, documented and used by the shipped
model, and every input of the shipped model is a registered feature, in the same order."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from qa.answer import features
from qa.answer.model import DEPTH, AnswerModel, Gate
from qa.answer.registry import REGISTRY, markdown

ROOT = Path(__file__).resolve().parent.parent
MODEL = json.loads((ROOT / "qa" / "data" / "answer_model.json").read_text(encoding="utf-8"))
NAMES = [f.name for f in REGISTRY]


def test_every_feature_has_a_name_a_meaning_and_a_sign():
    assert len(NAMES) == len(set(NAMES)) == len(features.NAMES)
    for f in REGISTRY:
        assert f.meaning.strip() and "\n" not in f.meaning, f.name
        assert f.sign in ("+", "-", "±"), f.name
        assert not (f.bound and f.sign == "±"), f"{f.name}: a bound weight needs a side"
        assert (f.compute is None) == (f.gap_of is not None), f.name
        assert f.gap_of is None or NAMES.index(f.gap_of) < NAMES.index(f.name), f.name
        assert f.applies_with is None or f.applies_with in NAMES, f.name


def test_the_model_reads_exactly_the_registered_features_in_order():
    assert MODEL["features"] == NAMES
    assert list(features.NAMES) == NAMES
    gate_own = [n for n in MODEL["gate"]["features"] if n not in NAMES]  # the question-level inputs
    assert gate_own == list(features.GATE_NAMES[:5])
    assert sorted(set(MODEL["gate"]["features"]) - set(gate_own)) == sorted(f.name for f in REGISTRY if f.gate)


def test_docs_list_every_feature_as_the_registry_has_it():
    page = (ROOT / "docs" / "features.md").read_text(encoding="utf-8")
    table = markdown()
    assert table in page, "regenerate the table of docs/features.md with: python -m qa.answer.registry"
    for name in NAMES:
        assert f"`{name}`" in page


def test_a_gate_stored_in_another_input_order_gives_the_same_probability():
    # the shipped gate lists its inputs in the order they were fitted in; loaded, each split reads its input
    # by name, so a row in the registry's order gives what the file's own order gave
    shipped = MODEL["gate"]
    order = shipped["features"]
    gate = AnswerModel.load().gate
    assert gate is not None
    rng = np.random.default_rng(0)
    for _ in range(20):
        values = dict(zip(order, rng.normal(size=len(order))))
        in_file_order = np.array([values[n] for n in order])
        as_stored = Gate(float(shipped["base"]), np.array(shipped["feature"]), np.array(shipped["cut"], dtype=float),
                         np.array(shipped["leaf"], dtype=float), np.array(shipped["mean"], dtype=float))
        expected = as_stored.probability(in_file_order)  # the stored splits, reading the file's order
        got = gate.probability(np.array([values[n] for n in features.GATE_NAMES]))
        assert abs(got - expected) < 1e-12
    assert shipped["depth"] == DEPTH
