"""Question sets made from a BEIR folder with answers (qa.lab.beir_gold), on a tiny corpus indexed for real."""

import json

import pytest

from qa.lab.beir_gold import beir_gold


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("beir") / "tiny"
    d.mkdir()
    passages = {
        "P1": "长城是中国古代的军事防御工程。它的总长度超过两万公里。明朝时进行了大规模修建。",
        "P2": "黄河是中国第二长河。它发源于青海省巴颜喀拉山脉。黄河流域是中华文明的发源地之一。",
        "P3": "上海是中国的经济中心。上海港的集装箱吞吐量多年位居世界第一。",
    }
    (d / "corpus.jsonl").write_text("".join(json.dumps({"id": k, "title": "", "text": v}, ensure_ascii=False) + "\n"
                                            for k, v in passages.items()), encoding="utf-8")
    qs = [("Q1", "长城总长多少", "P1", ["两万公里", "超过两万公里"]), ("Q2", "黄河发源于哪里", "P2", ["青海省巴颜喀拉山脉"]),
          ("Q3", "哪个港口吞吐量第一", "P3", ["上海港"]), ("Q4", "明朝做了什么", "P1", ["进行了大规模修建"]),
          ("Q5", "答案不在任何一句里", "P2", ["不存在的答案"])]
    (d / "queries.jsonl").write_text("".join(json.dumps({"id": q, "text": t}, ensure_ascii=False) + "\n"
                                             for q, t, _, _ in qs), encoding="utf-8")
    (d / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{p}\t1\n" for q, _, p, _ in qs))
    (d / "answers.jsonl").write_text("".join(json.dumps({"id": q, "answers": a}, ensure_ascii=False) + "\n"
                                             for q, _, _, a in qs), encoding="utf-8")
    return d


class _Index:
    """The two things beir_gold reads of an index: chunk ids and sentences (as qa.search.index splits them)."""

    def __init__(self, folder):
        from qa.ingest.corpus import load_corpus
        from qa.search.index import sentence_spans

        self.chunks = load_corpus(folder / "corpus.jsonl")
        spans = sentence_spans(self.chunks)
        self.sentence_texts = [self.chunks[r].text[a:b] for r, a, b in spans]
        self._rows = {}
        for s, (r, _, _) in enumerate(spans):
            self._rows.setdefault(r, []).append(s)

    def sentences_of(self, row):
        return self._rows.get(row, [])


def test_questions_are_dealt_into_folds_by_passage_with_their_sentence_as_evidence(folder):
    got = beir_gold(folder, _Index(folder), folds=2)
    # passages sorted P1, P2, P3 are dealt to folds 1, 2, 1: P1's and P3's questions in f1, P2's in f2
    assert {n: [g.id for g in gs] for n, gs in got.sets.items()} == {"tiny-f1": ["Q1", "Q3", "Q4"],
                                                                      "tiny-f2": ["Q2"]}
    assert got.skipped == 1  # Q5: no sentence of P2 holds its span
    q1 = got.sets["tiny-f1"][0]
    assert q1.evidence == ("它的总长度超过两万公里。",) and q1.answer == "两万公里"
    assert q1.alternatives == ("超过两万公里",) and q1.type == "fact"


def test_an_answer_holding_any_gold_span_is_right(folder):
    from qa.lab.evaluation import answer_correct

    q1 = beir_gold(folder, _Index(folder), folds=2).sets["tiny-f1"][0]

    class A:
        abstained = False
        answer = "长度超过两万 公里"

    assert answer_correct(q1, A())
    A.answer = "明朝时进行了大规模修建。"
    assert not answer_correct(q1, A())


def test_a_folder_without_answers_is_refused_in_one_line(folder, tmp_path):
    from qa.errors import EvalSetError

    (tmp_path / "queries.jsonl").write_text("{}\n")
    with pytest.raises(EvalSetError, match="answers.jsonl"):
        beir_gold(tmp_path, _Index(folder), folds=2)
