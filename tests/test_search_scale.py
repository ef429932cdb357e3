"""Search that does not scan everything: BM25 over per-document postings scores as the one-piece ``BM25``
did (same top 10, scores within 1e-9, on the report and on a CMRC 2018 sample), ``--doc`` is applied inside
the search (FAISS over the asked rows, postings cut to them) and the answer gate's maxima come from the asked
documents only; adding a document builds its segment alone, and removing it gives back the same index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.lang.tokenize import VARIANTS, Segmenter, tokens
from qa.search.bm25 import BM25
from qa.search.index import lexical_text
from qa.search.postings import Lexical, Postings
from tests.test_lexicon import CharCounts

CMRC = Path("/work/shared/bench/cmrc2018")


def _cmrc_sample(n: int = 300):
    from qa.ingest.document import Chunk

    rows = [json.loads(line) for line in (CMRC / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:n]]
    chunks = [Chunk(id=f"cmrc#{r['id']}", kind="paragraph", number=None, section=r["title"] or None, page=None,
                    text=r["text"], doc=f"cmrc-{i // 40}") for i, r in enumerate(rows)]  # 8 "documents" of 40
    queries = [json.loads(line)["text"] for line in
               (CMRC / "queries.jsonl").read_text(encoding="utf-8").splitlines()[:60]]
    return chunks, queries


def _report_sample(chunks):
    from qa.lang.english import QUESTION_WORDS  # noqa: F401 (the same module the questions are read with)

    qs = ["驻地协调员办公室有多少核心职位", "2019 年驻地协调员系统的收入是多少", "日本在 2018 年向信托基金捐了多少钱？",
          "区域发展协调办公室有几个", "协调税在 2019 年产生了多少资金", "联合国国家工作队报告关系加强的数据来源"]
    return list(chunks), qs


def _compare(chunks, queries, parts: int) -> None:
    """BM25 over all chunks in one piece (the former index) against ``Lexical`` over ``parts`` segments."""
    seg = Segmenter.full()
    for variant in VARIANTS:
        docs = [tokens(lexical_text(c), variant, seg) for c in chunks]
        ref = BM25.build(docs)
        cut = np.linspace(0, len(docs), parts + 1).astype(int)
        lex = Lexical([Postings.build(docs[a:b]) for a, b in zip(cut[:-1], cut[1:])])
        only = np.zeros(len(docs), dtype=bool)
        only[cut[1]:cut[3]] = True  # two segments asked, as --doc a --doc b
        for q in queries:
            toks = tokens(q, variant, seg)
            want, got = ref.scores(toks), lex.scores(toks)
            assert np.argsort(-want, kind="stable")[:10].tolist() == np.argsort(-got, kind="stable")[:10].tolist()
            assert np.abs(want - got).max() <= 1e-9, (variant, q)
            assert abs(ref.ceiling(toks) - lex.ceiling(toks)) <= 1e-9
            assert all(abs(ref.idf(t) - lex.idf(t)) <= 1e-12 for t in toks)
            filtered = lex.scores(toks, only)  # the asked rows' scores, unchanged; the others never scored
            assert np.abs(filtered[only] - want[only]).max(initial=0) <= 1e-9 and not filtered[~only].any()


def test_postings_score_as_bm25_on_the_report(chunks):
    _compare(*_report_sample(chunks), parts=5)


@pytest.mark.skipif(not (CMRC / "corpus.jsonl").is_file(), reason="CMRC 2018 BEIR folder not here")
def test_postings_score_as_bm25_on_a_cmrc_sample():
    _compare(*_cmrc_sample(), parts=8)


# -- --doc inside the search, and the gate's maxima ---------------------------------------------------------

@pytest.fixture
def two_docs(tmp_path, monkeypatch, chunks):
    """An index of the report and a 40-passage CMRC "document", with the tiny encoder."""
    from qa.search import index as ix

    monkeypatch.setenv("QA_VECTOR_DIR", str(tmp_path / "vectors"))
    other = [c for c in _cmrc_sample(40)[0]]
    return ix.build(list(chunks) + other, CharCounts(), "h", tmp_path / "index", progress=False)


def test_doc_filter_is_inside_the_search_and_the_gate_reads_the_asked_documents(two_docs):
    from qa.answer.features import measures
    from qa.lang.query import Query
    from qa.search.retrieve import score

    index = two_docs
    asked = index.rows_of({"cmrc-0"})
    lo, hi = index.doc_rows["cmrc-0"]
    assert asked.sum() == hi - lo == 40 and asked[lo:hi].all()
    q = Query.make("驻地协调员办公室有多少核心职位", index, CharCounts())
    full, only = score(index, q, "bigram"), score(index, q, "bigram", asked)
    # the asked rows score as without the filter; the others are never scored (BM25 0, the lowest asked cosine)
    assert np.allclose(only.dense[asked], full.dense[asked]) and np.allclose(only.lexical[asked], full.lexical[asked])
    assert not only.lexical[~asked].any() and (only.dense[~asked] == full.dense[asked].min()).all()
    # the report holds the question's words; the CMRC passages hardly: the gate's maxima must be theirs
    _, lex_all, dense_all = measures(q, full)
    _, lex_only, dense_only = measures(q, only)
    assert lex_only == pytest.approx(full.lexical[asked].max() / full.lexical_ceiling) and lex_only < lex_all
    assert dense_only == pytest.approx(full.dense[asked].max()) and dense_only <= dense_all


def test_a_document_added_is_its_segment_alone_and_removing_it_restores_the_index(tmp_path, monkeypatch):
    from qa.search import index as ix
    from qa.search.library import Library

    monkeypatch.setenv("QA_VECTOR_DIR", str(tmp_path / "vectors"))
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text("# 甲\n\n驻地协调员的国家工作队在 2019 年增加了。\n\n协调员是国家的。\n", encoding="utf-8")
    second.write_text("# 乙\n\n图书馆共有藏书 48 600 册。\n", encoding="utf-8")
    lib = Library(tmp_path / "lib", "none")
    lib.add([first], CharCounts(), progress=False)
    before = ix.load(lib.index_dir)
    segments = set((lib.index_dir / "segments").iterdir())
    read: list[str] = []
    document = lib.document
    lib.document = lambda doc_id: (read.append(doc_id), document(doc_id))[1]  # type: ignore[method-assign]
    out = lib.add([second], CharCounts(), progress=False)
    assert read == [out.added[0]["id"]]  # the first document's file was not read again: its segment is reused
    assert len(set((lib.index_dir / "segments").iterdir()) - segments) == 1
    after = out.index
    assert after is not None and len(after.chunks) == len(before.chunks) + 1
    lib.remove("b", CharCounts(), progress=False)
    again = ix.load(lib.index_dir)
    assert [c.id for c in again.chunks] == [c.id for c in before.chunks]
    assert again.sentence_spans == before.sentence_spans
    assert np.array_equal(again.sentence_vecs, before.sentence_vecs)
    for v in VARIANTS:
        assert np.array_equal(again.lexical[v].scores(["#协调", "#国家"]), before.lexical[v].scores(["#协调", "#国家"]))
