"""The passage re-ranker: fitted by qa train, shipped in the answer model, used by qa ask and qa eval."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from qa.answer.model import AnswerModel
from qa.config import Settings
from qa.ingest.pdf import parse_pdf
from qa.search.rerank import PASSAGE_NAMES, RERANK, fused_order, passage_features, rerank
from qa.search.retrieve import Scores, fuse, score
from tests.test_pdf import TEXLIVE, need


def test_the_shipped_model_carries_a_ranker_over_the_passage_features():
    ranker = AnswerModel.load().ranker
    assert ranker is not None and len(ranker.coef) == len(PASSAGE_NAMES) == len(ranker.mean)
    named = dict(zip(PASSAGE_NAMES, ranker.coef))
    # what the fit learnt reads sensibly: holding the asked kind helps, leaving out a named year hurts
    assert named["holds"] > 0 and named["lacks"] < 0 and named["missing"] < 0 and named["coverage"] > 0


def test_fit_ranker_learns_which_passage_holds_the_answer():
    from qa.lab.train import Passages, fit_ranker

    rng = np.random.default_rng(3)
    items = []
    for i in range(80):
        x = rng.normal(size=(RERANK, 3))
        x[:, 2] += rng.normal() * 5  # a level shared by a question's passages tells nothing
        y = np.zeros(RERANK)
        y[int(np.argmax(x[:, 0] + 0.1 * rng.normal(size=RERANK)))] = 1
        items.append(Passages(None, "s", None, None, np.zeros(1), frozenset(), x, y))
    ranker = fit_ranker(items)
    top1 = np.mean([p.y[int(np.argmax(ranker.scores(p.x)))] for p in items])
    assert ranker.coef[0] > 1.0 and abs(ranker.coef[2]) < 0.3 and top1 > 0.8, (ranker.coef, top1)


def test_without_a_ranker_the_order_is_fused(service):
    q = service.query("驻地协调员办公室有多少核心职位")
    scores = score(service.index, q, service.settings.lexical)
    fused = fuse(scores, "hybrid", service.settings)
    assert list(rerank(q, service.index, scores, fused, None)) == list(np.argsort(-fused, kind="stable"))
    order = rerank(q, service.index, scores, fused, service.model.ranker)
    assert sorted(order) == list(range(len(service.index.chunks)))  # every chunk once
    assert list(order[RERANK:]) == list(np.argsort(-fused, kind="stable")[RERANK:])  # below the top, fused order
    x = passage_features(q, service.index, scores, fused, fused_order(fused))
    assert x.shape == (RERANK, len(PASSAGE_NAMES)) and np.isfinite(x).all()


def test_a_named_figure_stays_first(service):
    for question in ("图四中来自开发署的驻地协调员占多少？", "表 3 里 2021 年国家协调有多少员额？"):
        hits, _ = service.hits(service.query(question), 5, "hybrid")
        first = service.index.chunks[hits[0].row]
        assert (first.kind, first.number) in (("figure", 4), ("table", 3)), (question, first.id)


def test_re_ranking_only_touches_the_hybrid_mode(service):
    q = service.query("驻地协调员办公室有多少核心职位")
    none = replace(service, model=replace(service.model, ranker=None))
    for mode in ("dense", "bm25"):
        assert service.hits(q, 5, mode)[0] == none.hits(q, 5, mode)[0]


def test_a_table_row_named_by_its_label(service):
    from qa.search.rerank import rows_named

    ix = service.index
    rows = list(ix.row_labels)

    def named(question: str) -> set[str]:
        return {ix.chunks[r].id.split("#")[1] for r in rows_named(service.query(question), ix, rows)}

    assert named("表 5 里员额那一行的差异有多大") == {"t2r1", "t5r1"}  # 员额, not 非员额, which holds it
    assert named("非员额这一项 2019 年花了多少") == {"t2r2", "t5r2"}
    assert named("驻地协调员办公室有多少核心职位") == set()
    # and the re-ranker puts the named row first (the posts' variance in table 5: 87 075.2)
    hits, _ = service.hits(service.query("按预算类别分列，员额一项 2019 年的预算和支出差了多少千美元"), 5, "hybrid")
    assert ix.chunks[hits[0].row].id.endswith("#t5r1"), [ix.chunks[h.row].id for h in hits]


def test_the_conclusions_are_marked_as_restating(service):
    ix = service.index
    q = service.query("报告的结论是什么，会员国应当怎样支持驻地协调员系统")
    scores = score(ix, q, service.settings.lexical)
    fused = fuse(scores, "hybrid", service.settings)
    rows = fused_order(fused)
    x = passage_features(q, ix, scores, fused, rows)
    marked = {ix.chunks[r].id for r, v in zip(rows, x[:, PASSAGE_NAMES.index("concluding")]) if v}
    under = {ix.chunks[r].id for r in rows if ix.chunks[r].section == "结论"}
    assert marked == under and under, (marked, under)  # the question reaches the conclusions
    assert sum(c.section == "结论" for c in ix.chunks) == 7  # ¶85-91, the report's closing section


def test_a_package_s_source_code_ranks_below_its_user_guide():
    # hanzibox's manual prints the package's source after its guide (第 5 节 代码实现); a source passage as close as a
    # guide passage ranks below it, and one far closer still comes first
    doc = parse_pdf(need(TEXLIVE / "xelatex/hanzibox/hanzibox.pdf"))
    source = [c for c in doc.chunks if c.in_source()]
    assert source and all(c.page >= 12 for c in source) and not any(c.in_source() for c in doc.chunks if c.page < 12)
    dense, lexical = np.array([0.90, 0.89, 0.50]), np.array([3.0, 2.9, 0.1])
    fused = fuse(Scores(dense, lexical, np.zeros(3), source=np.array([True, False, False])), "hybrid", Settings())
    assert fused[1] > fused[0] > fused[2]
    far = fuse(Scores(np.array([0.95, 0.80, 0.50]), np.array([3.0, 1.0, 0.1]), np.zeros(3),
                      source=np.array([True, False, False])), "hybrid", Settings())
    assert far[0] > far[1]
