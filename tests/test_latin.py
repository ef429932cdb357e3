"""A Chinese question naming a Latin-script term no searched document writes (a product, a tool, a code)
is answered "not in the documents", saying which term; one naming a term the lexicon or the dictionary
reads as the documents' own (OIOS: 内部监督事务厅, IT: 信息技术) is answered as before."""

from __future__ import annotations

import pytest

from qa.lang.english import Lexicon as EnglishWords
from qa.lang.latin import terms, unread, written
from qa.lang.tokenize import normalise


@pytest.mark.parametrize("question, expected", [
    ("苹果 M1 芯片的 Mac 能直接装吗？", ("m1", "mac")),
    ("职等是 NO-B 还是 NO-C？", ("no-b", "no-c")),
    ("业务创新小组（BIG）由哪两家机构共同牵头？", ()),  # a gloss of the Chinese before it
    ("我的图档叫 fig1.v2.png，会出问题吗？", ()),  # a file name of the reader's own
    ("表 5 里员额类预算 vs 支出差多少？", ()),  # a Latin word Chinese writing uses
    ("COVID-19 疫情下 P-5 员额有多少？", ("covid-19", "p-5")),
])
def test_the_latin_terms_of_a_chinese_question(question, expected):
    assert terms(normalise(question)) == expected


def test_a_term_is_read_when_written_glossed_or_in_the_dictionary():
    corpus = written(normalise("受 COVID-19 影响，P-5 员额和 UN Info 平台。信息技术岗位。征税。"))
    assert {"covid-19", "covid", "19", "p-5", "un", "info"} <= corpus
    words = EnglishWords.build(normalise("信息技术岗位和征税"))
    asked = ("covid", "it", "levy", "rc", "sdgs", "m1", "gdp")
    assert unread(asked, corpus, {"rc": "驻地协调员", "sdg": "可持续发展目标"}, words) == ("m1", "gdp")


def test_a_term_inside_a_longer_word_or_a_name_with_its_version_is_written():
    # Archlinux holds linux; a PDF sets LaTeX2ε as LATEX 2ε: latex2e is the name latex with its version
    corpus = written(normalise("收录了 CentOS、Archlinux 等。本手册描述了 LATEX 2ε 的使用。"))
    assert unread(("linux", "latex2e", "centos", "debian", "python3", "tex"), corpus, {},
                  EnglishWords.build("收录")) == ("debian", "python3", "tex")


def test_a_question_naming_a_term_the_report_never_writes_is_not_answered(service):
    a = service.ask("每个驻地协调员办公室有几名 NO-C 职等的干事？")
    assert a.abstained and "NO-C" in a.answer and "no-c" in a.reason
    assert a.citations  # the closest passages are still shown


def test_un_acronyms_and_dictionary_acronyms_are_the_reports_own_terms(service):
    for q, want in (("OIOS 的审计特派团去过哪三个国家？", "印度尼西亚"),
                    ("在肯尼亚，为了创造 IT 就业而与硅谷连接的倡议叫什么？", "硅大草原")):
        a = service.ask(q)
        assert not a.abstained and want in a.answer, (q, a.reason)
    assert not service.ask("What did OIOS audit missions visit?").reason.startswith("the question names")


def test_a_term_written_only_in_a_heading_is_the_documents_own(tmp_path, monkeypatch):
    from qa.answer.model import AnswerModel
    from qa.config import Settings
    from qa.serve.service import Service
    from tests.test_lexicon import CharCounts

    monkeypatch.setenv("QA_VECTOR_DIR", str(tmp_path / "vectors"))
    corpus = tmp_path / "manga.md"
    corpus.write_text("# 鬼神童子 ZENKI\n\n单行本全 12 册，1996 年完结。\n\n## 改编\n\n动画共 51 集。\n", encoding="utf-8")
    service = Service.open(Settings(corpus=corpus, index_dir=tmp_path / "index"), progress=False,
                           encoder=CharCounts(), model=AnswerModel.blank())
    assert service.query("ZENKI 的单行本一共几册？").unread == ()
    assert service.query("ZENKI 有没有 PS4 游戏版？").unread == ("ps4",)
    assert service.query("What is ZENKI about?").unread == ()  # an English question is all Latin: not checked
    # two questions, the second leaning on the term the first names: refused whole, not answered in part
    q = service.query("ZENKI 有没有 PS4 游戏版？一共有几集？")
    a = service.answer(q)
    assert q.parts and a.abstained and "ps4" in a.reason and "part 1" not in a.reason, a.reason


def test_an_identifier_with_its_number_glued_writes_its_letters():
    # a document that cites (RFC1191) writes RFC; one that writes only RFCs' numbers elsewhere does not write ISO
    corpus = written(normalise("路径 MTU 发现 (RFC1191) 使用 ICMP。中文编码有 GB2312。"))
    assert unread(("rfc", "iso", "mtu"), corpus, {}, EnglishWords.build("路径")) == ("iso",)
    # but a question naming a standard by its own number (GB/T 7714) is not asking about GB2312
    assert unread(("gb",), corpus, {}, EnglishWords.build("路径"), frozenset({"gb"})) == ("gb",)
    assert unread(("gb",), corpus, {}, EnglishWords.build("路径")) == ()
