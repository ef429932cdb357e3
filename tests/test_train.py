"""qa train rebuilds the shipped answer model from scratch and reproduces its leave-one-set-out numbers."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from qa.features import Candidate
from qa.model import AnswerModel
from qa.train import label, threshold_for
from tests.conftest import REPORT, ROOT


def test_threshold_leaves_at_most_four_percent_below():
    # 50 answerable questions: floor(0.04 * 50) = 2 may fall below, so the threshold sits just under the 3rd lowest
    probs = [0.05, 0.10, 0.20] + [0.9] * 47
    t = threshold_for(probs)
    assert 0.10 < t < 0.20
    assert sum(p < t for p in probs) == 2


def test_labels_mark_the_sentence_holding_the_evidence(service):
    from qa.evaluation import Gold

    index = service.index
    row = next(i for i, c in enumerate(index.chunks) if c.kind == "paragraph" and c.number == 23)
    spans = [index.sentence_spans[s] for s in index.sentences_of(row)]
    cands = [Candidate(s, 0, row, a, b, (), ()) for s, (_, a, b) in zip(index.sentences_of(row), spans)]
    gold = Gold("t1", "每个办公室有几个核心职位", "五个核心职位", ("现在都有五个核心职位",), "number")
    y = label(gold, cands, index)
    assert y.sum() == 1 and "五个核心职位" in index.chunks[row].text[cands[int(y.argmax())].start:cands[int(y.argmax())].end]
    assert label(Gold("t2", "x", "", (), "unanswerable"), cands, index).sum() == 0


@pytest.mark.slow
def test_train_reproduces_the_shipped_model(built_index_dir, tmp_path):
    out = tmp_path / "model.json"
    run = subprocess.run([sys.executable, "-m", "qa.cli", "train", "--out", str(out), "--json",
                          "--corpus", str(REPORT), "--index-dir", str(built_index_dir)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    meta = json.loads(run.stdout)
    shipped, rebuilt = AnswerModel.load(), AnswerModel.load(out)
    assert meta["leave_one_set_out"] == shipped.meta["leave_one_set_out"]
    assert [s["sha256"] for s in meta["sets"]] == [s["sha256"] for s in shipped.meta["sets"]]
    np.testing.assert_allclose(rebuilt.coef, shipped.coef, atol=1e-4)
    assert abs(rebuilt.threshold - shipped.threshold) < 1e-3
