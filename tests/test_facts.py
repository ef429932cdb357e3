"""Sentence facts (``qa.ingest.facts``): read once when the index is built, stored with it, read back on load,
and what the answer features read. On a small document that is not the report (``tests/data/qingxi-library.md``:
a city library's year in three paragraphs and a table)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa.answer import features
from qa.config import Settings
from qa.errors import IndexUnusable
from qa.ingest.document import Chunk, Footnote
from qa.ingest.facts import Number, Percent, sentence_facts
from qa.lang.names import Names
from qa.search import index as ix
from qa.serve.service import Service

DOC = Path(__file__).resolve().parent / "data" / "qingxi-library.md"


@pytest.fixture(scope="module")
def library_service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qingxi") / "index"
    return Service.open(Settings(corpus=DOC, index_dir=folder), progress=False)


def _facts(index, part: str):
    """The stored facts of the one sentence holding ``part``."""
    rows = [s for s, text in enumerate(index.sentence_texts) if part in text]
    assert len(rows) == 1, (part, rows)
    return index.facts[rows[0]]


def test_the_index_stores_each_sentence_s_numbers_years_and_percentages(library_service):
    index = library_service.index
    assert len(index.facts) == len(index.sentence_spans) == index.manifest.sentences

    visits = _facts(index, "45 万人次")
    assert Number("45", "万人次", date=False, forecast=False) in visits.numbers
    assert Number("2021", "年", date=True, forecast=False) in visits.numbers  # a year is no amount
    assert visits.years == {"2021", "2022"}
    assert visits.percents == (Percent("18%", change=True),)  # 增长了 18%: a rate of change
    assert visits.change_only and not visits.forecast

    books = _facts(index, "3 600 本")
    assert Number("3 600", "本", date=False, forecast=False) in books.numbers
    assert books.percents == (Percent("40%", change=False),)  # a share of the books
    assert not books.change_only

    assert _facts(index, "没有开设").negated
    plan = _facts(index, "预计 5 000 本")
    assert plan.forecast and Number("5 000", "本", date=False, forecast=True) in plan.numbers
    assert _facts(index, "阅读推广").items == 0.25  # 阅读推广、数字化服务和志愿者培训: one separator (、), of four


def test_a_table_row_s_facts_name_its_row_and_columns(library_service):
    index = library_service.index
    total = _facts(index, "共计")
    assert total.row == "共计" and total.total and total.columns == ("项目", "2021 年", "2022 年")
    part = _facts(index, "购书经费")
    assert part.row == "购书经费" and not part.total
    assert _facts(index, "45 万人次").row is None


def test_facts_survive_a_reload(library_service):
    again = ix.load(library_service.settings.index_path)
    assert again.facts == library_service.index.facts


def test_a_question_about_the_document_is_answered_from_it(library_service):
    a = library_service.ask("青溪市图书馆 2022 年接待了多少读者？")
    assert not a.abstained, a.reason
    assert "45 万人次" in a.answer
    assert a.citations[0].id == "qingxi-library#1"


def test_an_old_index_asks_to_be_rebuilt(library_service, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(library_service.settings.index_path, folder)
    live = folder / (folder / "CURRENT").read_text().strip()
    manifest = json.loads((live / "manifest.json").read_text())
    (live / "manifest.json").write_text(json.dumps({**manifest, "format": ix.FORMAT - 1}))
    with pytest.raises(IndexUnusable, match=f"index format {ix.FORMAT - 1} is not {ix.FORMAT}.*qa index --rebuild"):
        ix.check(ix.read_manifest(folder), manifest["encoder"], manifest["corpus_hash"], folder)


def test_a_sentence_carries_the_footnote_whose_marker_closes_it():
    chunk = Chunk("d#p1", "paragraph", 1, None, None, "收入为 2.76 亿美元。支出增加了 5%。",
                  footnotes=(Footnote(22, "同上。", "经社部 2019 年调查", offset=14),))
    first, second = sentence_facts(chunk, [(0, 14), (14, 23)], Names())
    assert (first.footnote, first.source) == (22, "经社部 2019 年调查")
    assert second.footnote is None and second.change_only
    assert first.context == second.context == "收入为 2.76 亿美元。支出增加了 5%。"  # each with its neighbour


def test_a_feature_worked_out_once_per_question_or_passage_reads_no_more(library_service, monkeypatch):
    # every feature run on every sentence (as if each read the sentence) gives what the scoped run gives
    questions = ["青溪市图书馆 2022 年接待了多少读者？", "2022 年购书经费一共多少？", "图书馆为什么没有开设夜间阅览室？",
                 "How many books were added in 2022?"]
    svc = library_service

    def matrices():
        out = []
        for text in questions:
            q = svc.query(text)
            hits, scores = svc.hits(q, 5, "hybrid")
            out.append(features.matrix(features.candidates(q, svc.index, hits, scores)))
        return out

    scoped = matrices()
    every = tuple(pair for side in features._READS.values() for pair in side)
    monkeypatch.setattr(features, "_READS", {"question": (), "passage": (), "sentence": every})
    assert all(len(a) and np.array_equal(a, b) for a, b in zip(scoped, matrices()))
