"""Reading figures and checking written sentences (``qa.write.figures``, ``qa.write.verify``): no model, no server.

The passages are the report's own sentences; each case says whether a sentence stands, and which check
drops it when it does not. ``tests/test_write.py`` runs the same checks on a streamed reply.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.answer.reply import NO_ANSWER
from qa.write import verify
from qa.write.figures import numbers, symbols
from qa.write.prompt import Passage
from qa.write.verify import Evidence, Splitter, check

# -- figures -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, values", [
    ("2019 年", ["2019"]),
    ("二〇二〇年", ["2020"]),
    ("一九九五年", ["1995"]),
    ("百分之三点五", ["3.5%"]),
    ("3.5%", ["3.5%"]),
    ("３．５％", ["3.5%"]),  # full-width
    ("45 per cent", ["45%"]),
    ("2.76 亿美元", ["276000000"]),
    ("27 600 万美元", ["276000000"]),
    ("276,000,000 美元", ["276000000"]),
    ("281 826.4 千美元", ["281826400"]),
    ("3.5万", ["35000"]),
    ("2 million", ["2000000"]),
    ("三十五名", ["35"]),
    ("一百零五个", ["105"]),
    ("两千个", ["2000"]),
    ("十二万亿", ["12000000000000"]),
    ("五个核心职位", ["5"]),
    ("第三次", ["3"]),
    ("三分之二的方案国政府", ["2/3"]),
    ("一个重要的、统一的、进一步的", []),  # 一 alone is an article, not a count
    ("十分重要，三方会谈，千万不要，两者", []),  # no measure word after a lone numeral; 千万 is "must"
    ("大约一半，大多数", []),
    ("2019-2020 年", ["2019", "2020"]),
    ("E/2020/54 号文件", []),  # a symbol's digits are not numbers
])
def test_numbers_are_read_by_value(text, values):
    got = [n.value for n in numbers(text)]
    assert got == [Fraction(v) for v in (x.rstrip("%") for x in values)], text
    assert [n.percent for n in numbers(text)] == [v.endswith("%") for v in values]


def test_symbols_are_kept_whole_and_joint_ones_split():
    assert symbols("报告(A/75/79-E/2020/55)和 A/RES/72/279") == ("A/75/79", "E/2020/55", "A/RES/72/279")
    assert symbols("COVID-19 和第 71/243 号决议") == ()


# -- the check, on fixed passages --------------------------------------------------------------------

P23 = "每个驻地协调员办公室现在都有五个核心职位，涵盖战略规划；经济学；数据管理、监测和评价；伙伴关系和发展融资；传播和宣传。"
P24 = "开发署经管了秘书处的本国人征聘工作，从预计 399 名本国干事中聘用了 311 名。本国工作人员中一半以上是女性，占这五个核心职能招聘人数的 53%。"
MONEY_TEXT = "2019 年，驻地协调员系统的收入为 2.23 亿美元，包括自愿捐款 1.18 亿美元，费用分摊安排 7 500 万美元。"
SHOWN = Evidence([Passage(1, "E#p23", "E-2020-54", "第 23 段", P23), Passage(2, "E#p24", "E-2020-54", "第 24 段", P24),
                  Passage(3, "E#n3", "E-2020-54", "注", MONEY_TEXT + "\n资料来源：经社部 2019 年驻地协调员调查（脚注 11）")])


@pytest.mark.parametrize("sentence, passed, fault", [
    ("每个驻地协调员办公室现在都有五个核心职位[1]。", True, None),
    ("每个驻地协调员办公室现在都有 5 个核心职位。[1]", True, None),
    ("开发署从预计三百九十九名本国干事中聘用了三百一十一名[2]。", True, None),
    ("本国工作人员中女性占这五个核心职能招聘人数的百分之五十三[2]。", True, None),
    ("驻地协调员系统 2019 年的收入为 223 000 000 美元[3]。", True, None),  # 2.23 亿, written out
    ("驻地协调员系统 2019 年的收入为 2.23 亿美元，其中自愿捐款 1.18 亿美元[3]。", True, None),
    ("数据来自经社部 2019 年驻地协调员调查（脚注 11），驻地协调员系统的收入为 2.23 亿美元[3]。", True, None),
    ("第 23 段说，每个驻地协调员办公室现在都有五个核心职位[1]。", True, None),  # the label's number
    ("每个驻地协调员办公室都有五个核心职位，本国干事聘用了 311 名[1][2]。", True, None),
    ("每个驻地协调员办公室现在都有六个核心职位[1]。", False, "number"),
    ("开发署从预计 399 名本国干事中聘用了 331 名[2]。", False, "number"),
    ("本国工作人员中女性占这五个核心职能招聘人数的 63%[2]。", False, "number"),
    ("本国工作人员中女性占 311%[2]。", False, "number"),  # a count is no percentage
    ("驻地协调员系统 2019 年的收入为 2.23 万美元[3]。", False, "number"),  # wrong multiplier
    ("驻地协调员系统 2019 年的收入约为 2.2 亿美元[3]。", False, "number"),  # rounded
    ("自愿捐款和费用分摊合计 1.93 亿美元[3]。", False, "number"),  # a sum of its own
    ("开发署从预计 399 名本国干事中聘用了 311 名[1]。", False, "number"),  # the numbers are in [2]
    ("每个驻地协调员办公室现在都有五个核心职位[4]。", False, "bad-citation"),
    ("每个驻地协调员办公室现在都有五个核心职位。", False, "no-citation"),
    ("这些职位都由联合国总部直接任命并派驻纽约办公[1]。", False, "words"),
    ("每个驻地协调员办公室都有五个核心职位（见 E/2019/4）[1]。", False, "symbol"),
])
def test_check_keeps_right_sentences_and_drops_wrong_ones(sentence, passed, fault):
    c = check(sentence, SHOWN)
    assert c.passed is passed, c.check
    assert (c.faults[0] if c.faults else None) == fault, c.faults


ENGLISH = Evidence([Passage(1, "r#p4", "report", "paragraph 4",
                            "The Joint SDG Fund has raised 276 million dollars since 2017, and 45 per cent of it in 2019.")])


@pytest.mark.parametrize("sentence, passed", [
    ("The Joint SDG Fund has raised $276 million since 2017 [1].", True),
    ("It raised 45% of that in 2019 [1].", True),
    ("The Joint SDG Fund has raised $267 million since 2017 [1].", False),
    ("The fund was created by the General Assembly in Geneva [1].", False),
])
def test_english_sentences_are_checked_the_same_way(sentence, passed):
    assert check(sentence, ENGLISH).passed is passed


def test_english_sentences_are_joined_with_a_space():
    from qa.write.writer import Written

    kept = [check("The Joint SDG Fund has raised $276 million since 2017 [1].", ENGLISH),
            check("It raised 45% of that in 2019 [1].", ENGLISH)]
    assert Written(tuple(kept), "m").text == ("The Joint SDG Fund has raised $276 million since 2017 [1]. "
                                             "It raised 45% of that in 2019 [1].")


def test_a_number_from_another_passage_says_where_it_is():
    c = check("开发署从预计 399 名本国干事中聘用了 311 名[1]。", SHOWN)
    assert c.problems[0] == "399 is not in [1] (it is in [2])"


def test_the_documents_name_counts_as_its_symbol():
    assert check("E/2020/54 说每个驻地协调员办公室现在都有五个核心职位[1]。", SHOWN).passed


@pytest.mark.parametrize("sentence", [NO_ANSWER, "NO_ANSWER", "根据所提供的段落，无法回答这个问题。",
                                      "The passages do not answer the question."])
def test_a_refusal_is_recognised(sentence):
    c = check(sentence, SHOWN)
    assert c.refusal and not c.passed and c.faults == ()


# -- the splitter -------------------------------------------------------------------------------------

REPLY = ("<think>先看第 1 段。</think>每个驻地协调员办公室现在都有五个核心职位[1]。**这五个职位**涵盖战略规划和经济学。[1]"
         "\n- 开发署聘用了 311 名本国干事[2]\n2. 收入为 2.23 亿美元[3]！The end [3]")


def test_splitter_cuts_sentences_with_their_citations():
    s = Splitter()
    out = s.feed(REPLY) + s.end()
    assert [verify.clean(x) for x in out] == [
        "每个驻地协调员办公室现在都有五个核心职位[1]。", "这五个职位涵盖战略规划和经济学。[1]",
        "开发署聘用了 311 名本国干事[2]", "收入为 2.23 亿美元[3]！", "The end [3]"]


@given(st.lists(st.integers(min_value=1, max_value=len(REPLY) - 1), max_size=12))
@settings(max_examples=150, deadline=None)
def test_splitter_gives_the_same_sentences_however_the_stream_is_cut(cuts):
    whole = Splitter()
    expected = whole.feed(REPLY) + whole.end()
    s, out, last = Splitter(), [], 0
    for c in sorted(set(cuts)) + [len(REPLY)]:
        out += s.feed(REPLY[last:c])
        last = c
    assert out + s.end() == expected
