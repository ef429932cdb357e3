"""Answer scoring on a BEIR folder with gold answers (qa.lab.answers), and the gold-passage-left-out mode
(qa.lab.leaveout), through the real CLI and the real service."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa.lab.answers import bigram_sentence, char_bigrams, fold, holds_span
from tests.conftest import REPORT

# ---- span matching: width, script and space folded ----------------------------------------------------------


@pytest.mark.parametrize("text, spans, want", [
    ("全长１５４公里。", ("154公里",), True),  # full-width digits in the text
    ("全长154公里。", ("１５４ 公里",), True),  # full-width and a space in the span
    ("村雨城於一九八六年在日本發售。", ("一九八六年",), True),  # Traditional text, Simplified span
    ("村雨城于一九八六年发售。", ("一九八六年發售",), True),  # Simplified text, Traditional span
    ("它由鼓板、锣、钹等乐器演奏。", ("鼓板 、锣、 钹",), True),  # spaces ignored
    ("Ａvon River", ("avon river",), True),  # width and case
    ("明长城西至嘉峪关。", ("山海关",), False),
    ("明长城西至嘉峪关。", ("",), False),  # an empty span matches nothing
    ("嘉峪", ("嘉峪关",), False),  # the text must hold the whole span
])
def test_holds_span(text, spans, want):
    assert holds_span(text, spans) is want


def test_fold_and_bigrams():
    assert fold("駐地 協調員ＡＢＣ") == "驻地协调员abc"
    assert char_bigrams("长城，西至") == {"长城", "西至"}  # punctuation breaks a pair
    # a tie goes to the first sentence; no shared bigram: the first
    assert bigram_sentence("雅芳河发源于哪里", ["雅芳河是一条河。", "它发源于山区。"]) == 0
    assert bigram_sentence("熊猫", ["甲。", "乙。"]) == 0


def test_masked_scores_keep_the_others():
    from qa.lab.leaveout import masked
    from qa.search.retrieve import Scores

    s = Scores(np.array([0.2, 0.9, 0.5]), np.array([1.0, 7.0, 2.0]), np.zeros(3), np.array([False, True, False]))
    m = masked(s, frozenset({1}))
    assert m.dense.tolist() == [0.2, 0.2, 0.5] and m.lexical.tolist() == [1.0, 0.0, 2.0]
    assert m.referenced.tolist() == [False, False, False]
    assert s.dense.tolist() == [0.2, 0.9, 0.5]  # the input is not changed


# ---- a tiny BEIR folder with answers --------------------------------------------------------------------------

PASSAGES = {
    "d1": "雅芳河是英格兰中部的一条河流。它发源于北安普敦郡的山区，流经斯特拉特福。雅芳河全长１５４公里。",
    "d2": "村雨城是任天堂发行的一款动作游戏。村雨城於一九八六年在日本發售。玩家扮演剑士鹰丸。",
    "d3": "锣鼓点是戏曲音乐中打击乐的节奏型。它由鼓板、锣、钹等乐器演奏。",
    "d4": "长城是中国古代的军事防御工程。明长城东起鸭绿江，西至嘉峪关。",
    "d5": "大熊猫主要生活在四川的山区。它们以竹子为食，每天要吃很多。",
}
# question, gold passage, gold spans, and which sentence of the gold passage the bigram baseline picks
QUESTIONS = {
    # 雅芳/芳河 (sentence 1) tie with 发源/源于 (sentence 2): the first wins, and it holds no span
    "q1": ("雅芳河发源于哪里", "d1", ["北安普敦郡"], 0),
    # 雅芳 芳河 河全 全长 公里 (5) in sentence 3; the span is matched across width
    "q2": ("雅芳河全长多少公里", "d1", ["154 公里"], 2),
    # 村雨 雨城 发售 (3, across script) beat 村雨 雨城 (2)
    "q3": ("村雨城在哪一年发售", "d2", ["1986年", "一九八六年"], 1),
    # 乐器 器演 演奏 (3) beat 锣鼓 鼓点 (2)
    "q4": ("锣鼓点由哪些乐器演奏", "d3", ["鼓板 、锣、钹"], 1),
    # 明长 长城 西至 (3) beat 长城 (1)
    "q5": ("明长城西至哪里", "d4", ["嘉峪关"], 1),
}


def _folder(tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    lines = lambda rows: "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)  # noqa: E731
    (folder / "corpus.jsonl").write_text(lines({"id": d, "title": "", "text": t} for d, t in PASSAGES.items()),
                                         encoding="utf-8")
    (folder / "queries.jsonl").write_text(lines({"id": q, "text": v[0]} for q, v in QUESTIONS.items()),
                                          encoding="utf-8")
    (folder / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\n" +
                                      "".join(f"{q}\t{v[1]}\t1\n" for q, v in QUESTIONS.items()), encoding="utf-8")
    (folder / "answers.jsonl").write_text(lines({"id": q, "answers": v[2]} for q, v in QUESTIONS.items()),
                                          encoding="utf-8")
    return folder


def test_bigram_picks_worked_by_hand():
    from qa.lang.text import split_sentences

    for q, (text, doc, spans, pick) in QUESTIONS.items():
        assert bigram_sentence(text, split_sentences(PASSAGES[doc])) == pick, q


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """``qa eval --beir tiny --leave-out-gold 5 --json``, run once through the CLI."""
    from click.testing import CliRunner

    from qa.cli import main

    tmp = tmp_path_factory.mktemp("answers")
    folder = _folder(tmp)
    res = CliRunner().invoke(main, ["eval", "--beir", str(folder), "--out", str(tmp / "out"), "--corpus", str(REPORT),
                                    "--index-dir", str(tmp / "idx"), "--leave-out-gold", "5", "--json"])
    assert res.exit_code == 0, res.output
    return tmp, json.JSONDecoder().raw_decode(res.output[res.output.index("{"):])[0]  # stderr may follow


@pytest.mark.slow
def test_answers_scored_beside_the_baselines(tiny_run):
    tmp, report = tiny_run
    assert report["retrievers"]["hybrid"]["recall@1"] == 1.0  # every top passage is the gold one
    sc = report["answer_scores"]
    assert sc["n"] == 5
    assert sc["ceiling"] == 1.0  # every gold passage has a sentence holding a span (q2: across width)
    assert sc["bigram_baseline"] == 0.8  # all but q1 (the tie)
    outcomes = [json.loads(line) for line in (tmp / "out" / "beir-tiny-answers.jsonl").read_text().splitlines()]
    assert [o["id"] for o in outcomes] == list(QUESTIONS)
    assert [o["bigram"] for o in outcomes] == [False, True, True, True, True]
    assert all(o["top"] == QUESTIONS[o["id"]][1] for o in outcomes)
    # the service's own numbers are those of its answers, read the same way
    for o in outcomes:
        assert o["right"] == (not o["abstained"] and holds_span(o["answered"], tuple(QUESTIONS[o["id"]][2])))
    assert sc["accuracy"] == sum(o["right"] for o in outcomes) / 5
    assert sc["abstained"] == sum(o["abstained"] for o in outcomes) / 5
    assert sc["e5_baseline"] == sum(o["e5"] for o in outcomes) / 5
    # the retrieval metrics are still there, unchanged in shape
    assert set(report["retrievers"]["bm25-bigram"]) == {"recall@1", "recall@3", "recall@5", "recall@10", "mrr@10",
                                                        "ndcg@10", "n"}


@pytest.mark.slow
def test_leave_out_gold_never_cites_the_gold_passage(tiny_run):
    tmp, report = tiny_run
    lo = report["left_out"]
    assert lo["n"] == 5
    assert lo["abstained"] == round(1 - lo["answered"] / 5, 4)
    sample = [json.loads(line) for line in (tmp / "out" / "beir-tiny-leftout.jsonl").read_text().splitlines()]
    assert len(sample) == min(30, lo["answered"])
    for a in sample:
        assert a["left_out"] == [QUESTIONS[a["id"]][1]]
        assert a["passage"] != QUESTIONS[a["id"]][1]
        assert a["gold_answers"] == QUESTIONS[a["id"]][2]


@pytest.mark.slow
def test_without_passages_hits(tiny_run):
    from qa.config import Settings
    from qa.lab.leaveout import WithoutPassages
    from qa.serve.service import Service

    tmp, _ = tiny_run
    service = Service.open(Settings(corpus=tmp / "tiny" / "corpus.jsonl", index_dir=tmp / "idx"), rebuild=False)
    q = service.query("明长城西至哪里")
    row = [c.id for c in service.index.chunks].index("d4")
    assert service.answer(q, 5).citations[0].id == "d4"
    hits, scores = WithoutPassages.of(service, frozenset({row})).hits(q, 5, "hybrid")
    assert hits and row not in {h.row for h in hits}
    assert len(hits) == len(service.index.chunks) - 1  # all the others: fewer than REACH here
    assert scores.lexical[row] == 0.0
    a = WithoutPassages.of(service, frozenset({row})).answer(q, 5)
    assert "d4" not in {c.id for c in a.citations}


def test_sample_and_leave_out_need_beir():
    from click.testing import CliRunner

    from qa.cli import main

    res = CliRunner().invoke(main, ["eval", "--leave-out-gold", "3"])
    assert res.exit_code == 2 and "add --beir DIR" in res.output
