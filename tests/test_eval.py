"""The gold set is sound, and the harness produces its reports."""

from __future__ import annotations

import json

import pytest

from qa.errors import EvalSetError
from qa.lab.evaluation import TYPES, load_gold, run_beir, run_gold
from tests.conftest import GOLD, REPORT


DEV_SETS = [GOLD] + [GOLD.parent / f"heldout{n}.jsonl" for n in ("", "2", "3", "4")]
BLIND_SETS = [GOLD.parent / f"blind{n}.jsonl" for n in (1, 2)]  # written blind, frozen; the headline
SETS = DEV_SETS + BLIND_SETS
OLD_TYPES = {"fact", "number", "paraphrase", "source", "table", "figure", "box", "english", "unanswerable"}


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_gold_set_is_well_formed(report_text, path):
    gold = load_gold(path)
    assert len(gold) >= (120 if path == GOLD else 80 if path in BLIND_SETS else 60)
    lines = report_text.splitlines()
    assert len({g.id for g in gold}) == len(gold)
    for g in gold:
        assert g.type in TYPES
        if g.type == "unanswerable":
            assert g.evidence == () and g.answer == ""
            continue
        assert 1 <= len(g.evidence) <= 3, g.id
        for e in g.evidence:
            assert 8 <= len(e) <= 40, (g.id, e)
            assert any(e in line for line in lines), (g.id, e)  # within one raw line
        if g.type == "source":
            assert g.source, g.id
        if g.type in ("list", "twopart"):
            assert len(g.parts) >= 2, g.id
        for part in g.parts:
            assert any(part in line for line in lines), (g.id, part)
    assert {g.type for g in gold} == (set(TYPES) if path in BLIND_SETS else OLD_TYPES)


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_every_evidence_string_is_in_some_chunk(chunks, path):
    from qa.lab.evaluation import relevant_rows

    for g in load_gold(path):
        if g.evidence:
            assert relevant_rows(chunks, g.evidence), g.id


@pytest.mark.slow
def test_run_gold_writes_reports(service, tmp_path):
    report = run_gold(GOLD, service.settings, tmp_path, limit=40, service=service)
    assert set(report["retrievers"]) == {"bm25-jieba", "bm25-bigram", "bm25-jieba+bigram", "dense-e5", "hybrid-fused",
                                         "hybrid", "hybrid+answer"}
    assert report["answers"]["per_type"]
    for f in report["answers"]["failures"]:  # every failure says why
        assert f["reason"].startswith(("confidence", "part 1")) or "chart values" in f["reason"]
    assert (tmp_path / "report.json").is_file()
    assert (tmp_path / "report.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((tmp_path / "report.json").read_text())["questions"] == 40


def test_answer_correct_needs_every_part():
    from qa.answer.reply import Answer
    from qa.lab.evaluation import Gold, answer_correct, answer_metrics

    g = Gold("l1", "哪些", "甲", ("甲乙丙丁戊己庚辛",), "list", parts=("甲", "乙"))
    both, one = Answer("q", False, "甲、乙", ()), Answer("q", False, "甲", ())
    assert answer_correct(g, both) and not answer_correct(g, one)
    u = Gold("u1", "火星", "", (), "unanswerable")
    m = answer_metrics([g, g, u], [both, one, Answer("q", True, "无", ())])
    # 1 of 2 answerable right; the 1 unanswerable abstained; no answerable abstained
    assert (m["answer_accuracy"], m["abstention_recall"], m["wrongly_abstained"]) == (0.5, 1.0, 0.0)
    # a set that asks no source question has no source accuracy (not 0: nothing was asked)
    assert m["source_accuracy"] is None


def test_bad_gold_set(tmp_path):
    f = tmp_path / "g.jsonl"
    f.write_text('{"id": "1", "question": "q", "type": "weird", "evidence": ["x"]}\n', encoding="utf-8")
    with pytest.raises(EvalSetError, match="unknown type"):
        load_gold(f)
    with pytest.raises(EvalSetError, match="no such gold set"):
        load_gold(tmp_path / "nope.jsonl")


@pytest.mark.slow
def test_beir_folder(tmp_path):
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "corpus.jsonl").write_text(
        '{"_id": "d1", "title": "", "text": "驻地协调员办公室有五个核心职位。"}\n'
        '{"_id": "d2", "title": "", "text": "协调税在 2019 年产生了 3 000 万美元。"}\n', encoding="utf-8")
    (folder / "queries.jsonl").write_text('{"_id": "q1", "text": "协调税产生了多少钱"}\n', encoding="utf-8")
    (folder / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td2\t1\n", encoding="utf-8")
    from qa.config import Settings

    report = run_beir(folder, Settings(corpus=REPORT, index_dir=tmp_path / "idx"), tmp_path / "out")
    assert report["questions"] == 1
    assert report["retrievers"]["bm25-bigram"]["recall@1"] == 1.0
