"""Domain lexicons as data: the files load and are well-formed, ``combine`` unites them, each index gets its
documents' lexicon (the report ``un``, a corpus without UN content none) and keeps it, and a setting overrides it.

The index tests use a tiny deterministic encoder (a vector of character counts): what is checked here is
tokens, names and manifests, not retrieval quality. The report's own index (built with the real encoder,
``service``) is checked too.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.config import Settings
from qa.errors import LexiconError
from qa.lang.lexicon import Lexicon, available, combine, named
from qa.lang.tokenize import expand_english, tokens

UN_TEXT = "驻地协调员办公室有五个核心职位。开发署在纽约。"


class CharCounts:
    """A deterministic stand-in encoder: each text's counts of a few characters, L2-normalised."""

    id = "test:char-counts"
    dim = 8
    _chars = "驻协调员的国家是"

    def _vecs(self, texts):
        out = np.array([[t.count(c) for c in self._chars] for t in texts], dtype=np.float32) + 0.1
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    passages = queries = _vecs


@pytest.fixture
def open_service(tmp_path, monkeypatch):
    """Open a ``Service`` over ``corpus`` with the tiny encoder, its index in ``tmp_path``."""
    from qa.answer.model import AnswerModel
    from qa.serve.service import Service

    monkeypatch.setenv("QA_VECTOR_DIR", str(tmp_path / "vectors"))

    def run(corpus: Path, lexicon: str | None = None, rebuild: bool = True) -> Service:
        settings = Settings(corpus=corpus, index_dir=tmp_path / "index", lexicon=lexicon)
        return Service.open(settings, rebuild=rebuild, progress=False, encoder=CharCounts(), model=AnswerModel.blank())

    return run


@pytest.fixture
def plain_corpus(tmp_path) -> Path:
    """A small Markdown corpus with no UN document in it (but a UN word in its text)."""
    path = tmp_path / "notes.md"
    path.write_text("# 笔记\n\n驻地协调员这个词在这里只是普通文字。\n\n学校在北京，也在纽约。\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", available())
def test_every_lexicon_file_loads_and_every_entry_is_well_formed(name):
    lex = Lexicon.load(name)
    assert lex.name == name and lex.problems() == []
    # a name belongs to one body only, or "mentioned under any of its forms" would mean two bodies
    seen = [n for group in lex.bodies for n in group]
    assert len(seen) == len(set(seen))
    # the round trip through an index's lexicon.json keeps every entry, in order (expand_english's ties)
    again = Lexicon.from_json(json.loads(json.dumps(lex.to_json(), ensure_ascii=False)))
    assert again.to_json() == lex.to_json() and list(again.glossary) == list(lex.glossary)


def test_the_un_lexicon_holds_what_was_in_code():
    un = Lexicon.load("un")
    assert {"驻地协调员", "国家工作队", "特别用途信托基金"} <= set(un.user_terms)
    assert un.glossary["resident coordinator"] == "驻地协调员" and un.glossary["sptf"] == "特别用途信托基金"
    assert ("联合国开发计划署", "开发署") in un.bodies and {"纽约", "日内瓦"} <= set(un.cities)
    assert un.country_forms["GB"] == ("联合王国",) and un.abbreviations["驻协"] == "驻地协调员"


@pytest.mark.parametrize("data,problem", [
    ({"name": "x", "user_terms": ["驻地协调员", ""]}, "user term '' is not a word"),
    ({"name": "x", "glossary": {"Resident Coordinator": "驻地协调员"}}, "not lower case"),
    ({"name": "x", "glossary": {"rc": ""}}, "has no Chinese"),
    ({"name": "x", "bodies": [[]]}, "has no name"),
    ({"name": "x", "bodies": [["联合国" * 9]]}, "longer than 24 characters"),
    ({"name": "x", "country_forms": {"gbr": ["联合王国"]}}, "not ISO alpha-2"),
    ({"name": "x", "abbreviations": {"驻地协调员": "驻协"}}, "not shorter than its term"),
    ({"name": "x", "user_terms": 5}, "malformed"),
])
def test_a_malformed_lexicon_is_refused_saying_which_entry(data, problem):
    with pytest.raises(LexiconError, match=problem):
        Lexicon.from_json(data)


def test_an_unknown_lexicon_is_refused_naming_the_ones_there_are():
    with pytest.raises(LexiconError, match="no lexicon named 'wto'; use one of: .*un.*none"):
        Lexicon.load("wto")
    assert named("none").name == "" and named(None).name == "" and named("un").name == "un"


def test_combine_unites_lexicons_for_an_index_over_several_documents():
    un = Lexicon.load("un")
    other = Lexicon("science", user_terms=("量子纠缠", "驻地协调员"), glossary={"entanglement": "量子纠缠", "rc": "区域中心"},
                    bodies=(("欧洲核子研究组织", "欧核中心"),), cities=("日内瓦", "苏黎世"),
                    country_forms={"GB": ("英国",)}, abbreviations={"量纠": "量子纠缠"})
    both = combine([un, Lexicon.empty(), other, un])
    assert both.name == "un+science" and named("un+none").name == "un" and named("un,un").name == "un"
    assert both.user_terms == (*un.user_terms, "量子纠缠")  # each once, in order
    assert both.glossary["entanglement"] == "量子纠缠" and both.glossary["rc"] == "驻地协调员"  # the first one wins
    assert list(both.glossary)[: len(un.glossary)] == list(un.glossary)
    assert both.bodies[-1] == ("欧洲核子研究组织", "欧核中心") and both.cities.count("日内瓦") == 1
    assert both.country_forms["GB"] == ("联合王国", "英国") and both.abbreviations["量纠"] == "量子纠缠"
    assert combine([]).name == "" and combine([Lexicon.empty(), un]) is un


def test_the_english_glossary_comes_from_the_lexicon():
    un = Lexicon.load("un").glossary
    assert expand_english("How many country teams?", un) == "How many country teams? 国家工作队"
    assert expand_english("How many country teams?", {}) == "How many country teams?"


def test_the_report_index_is_built_with_the_un_lexicon_and_keeps_it(service, built_index_dir):
    from qa.search import index as ix

    index = service.index
    assert index.manifest.lexicon == "un" and index.lexicon.name == "un"
    # hand-checked words the UN terms keep whole (jieba alone cuts them: see the test below)
    assert index.segmenter.words("驻地协调员办公室") == ["驻地协调员办公室"]
    assert tokens("驻地協調員向谁汇报", "jieba", index.segmenter)[:1] == ["驻地协调员"]
    assert {"国家工作队", "特别用途信托基金", "联合国国家工作队"} <= set(index.segmenter.known_words())
    assert index.names.every["开发署"] == ("联合国开发计划署", "开发署") and "纽约" in index.names.cities
    loaded = ix.load(built_index_dir)
    assert loaded.lexicon.to_json() == Lexicon.load("un").to_json() and loaded.names.cities == index.names.cities


def test_a_corpus_without_un_content_gets_no_un_terms(open_service, plain_corpus):
    from qa.ingest.corpus import corpus_lexicon, load_documents

    assert corpus_lexicon(load_documents(plain_corpus)).name == ""
    index = open_service(plain_corpus).index
    assert index.manifest.lexicon == "" and index.lexicon.name == ""
    words = tokens("驻地协调员", "jieba", index.segmenter)
    assert "驻地协调员" not in words and "协调员" in words  # jieba's own cut: 驻地 | 协调员
    assert index.names.bodies == {} and index.names.cities == ()  # no UN bodies, no UN cities
    assert index.names.countries["中国"]  # countries (pycountry) are for every document
    assert expand_english("How many country teams?", index.lexicon.glossary) == "How many country teams?"


def test_a_setting_overrides_the_documents_lexicon_and_a_change_rebuilds(open_service, plain_corpus, capsys):
    from qa.errors import IndexUnusable

    index = open_service(plain_corpus, lexicon="un").index
    assert index.manifest.lexicon == "un" and index.segmenter.words("驻地协调员") == ["驻地协调员"]
    built_at = index.manifest.built_at, index.manifest.build_seconds
    again = open_service(plain_corpus).index  # no setting: the index's own lexicon stands
    assert again.manifest.lexicon == "un" and (again.manifest.built_at, again.manifest.build_seconds) == built_at
    with pytest.raises(IndexUnusable, match="index was built with lexicon 'un', not 'none'; rebuild with"):
        open_service(plain_corpus, lexicon="none", rebuild=False)
    assert open_service(plain_corpus, lexicon="none").index.manifest.lexicon == ""
    assert "rebuilding the index: index was built with lexicon 'un', not 'none'" in capsys.readouterr().err
    with pytest.raises(LexiconError, match="no lexicon named 'wto'"):
        open_service(plain_corpus, lexicon="wto")


def test_the_lexicon_setting_comes_from_the_environment():
    from qa.config import from_env

    assert from_env({"QA_LEXICON": "none"}).lexicon == "none" and from_env({}).lexicon is None


def test_a_un_document_in_a_folder_gives_the_folder_the_un_lexicon(tmp_path):
    from qa.ingest.corpus import corpus_lexicon, load_documents

    report = Path(__file__).resolve().parent.parent / "corpus" / "E-2020-54.zh.txt"
    (tmp_path / "E-2020-54.zh.txt").write_bytes(report.read_bytes())
    (tmp_path / "notes.md").write_text("# 笔记\n\n普通文字。\n", encoding="utf-8")
    docs = load_documents(tmp_path)
    assert [d.lexicon for d in docs] == ["un", None]
    assert corpus_lexicon(docs).name == "un" and corpus_lexicon(docs, "none").name == ""


def test_a_librarys_index_takes_the_union_of_its_documents_lexicons(tmp_path, monkeypatch, plain_corpus):
    from qa.search.library import Library

    monkeypatch.setenv("QA_VECTOR_DIR", str(tmp_path / "vectors"))
    report = Path(__file__).resolve().parent.parent / "corpus" / "E-2020-54.zh.txt"
    lib = Library(tmp_path / "library")
    index = lib.add([plain_corpus], CharCounts(), progress=False).index
    assert index is not None and index.manifest.lexicon == "" and "驻地协调员" not in index.segmenter.known_words()
    index = lib.add([report], CharCounts(), progress=False).index  # a UN document joins: the index gets un
    assert index is not None and index.manifest.lexicon == "un" and index.segmenter.words("驻地协调员") == ["驻地协调员"]
    forced = Library(tmp_path / "library", "none").rebuild(CharCounts(), progress=False)
    assert forced is not None and forced.manifest.lexicon == ""


def test_an_edited_lexicon_file_rebuilds_the_index_it_built(open_service, plain_corpus, monkeypatch, capsys):
    # the index keeps the lexicon it was built with; a new release's lexicon (a term added) must not be read
    # through segments cut by the old one
    from qa.lang import lexicon as lx

    first = open_service(plain_corpus, lexicon="un").index
    assert first.manifest.lexicon_key == Lexicon.load("un").key and first.manifest.lexicon_key.startswith("un@")
    edited = Lexicon.from_json({**Lexicon.load("un").to_json(), "user_terms": ["普通文字"]})
    monkeypatch.setattr(lx, "_load", lambda name: edited)
    again = open_service(plain_corpus, lexicon="un").index
    assert "rebuilding the index: the lexicon 'un' changed since the index was built" in capsys.readouterr().err
    assert again.manifest.lexicon_key == edited.key != first.manifest.lexicon_key
    assert "普通文字" in again.segmenter.known_words() and "普通文字" not in first.segmenter.known_words()
    assert open_service(plain_corpus, lexicon="un").index.manifest.built_at == again.manifest.built_at  # then kept


def test_a_lexicon_key_is_its_name_and_a_digest_of_its_entries():
    un = Lexicon.load("un")
    assert un.key == Lexicon.from_json(un.to_json()).key and Lexicon.empty().key == ""
    assert Lexicon.from_json({**un.to_json(), "glossary": {**un.glossary, "x": "甲"}}).key != un.key
