"""Saying "the report has no answer": what a question asks for, names it mentions, and the real report."""

from __future__ import annotations

import pytest

from qa.answer import NO_ANSWER, missing_names
from qa.asks import asked_noun_found, expected_type_met
from qa.names import named_in


@pytest.mark.parametrize("question,sentence,met", [
    # counts want the unit asked for, and not a number the question already gives
    ("首次征集活动产生了多少个联合方案", "总金额为 7 000 万美元。", False),
    ("首次征集活动产生了多少个联合方案", "其产生了 35 个联合方案。", True),
    ("有多少核心职位", "现在都有五个核心职位。", True),
    ("112 个国家办事处中有多少个报告更方便", "对 112 个国家办事处进行的调查显示", False),
    ("哪几个机构的执行局已同意", "开发署、人口基金已同意。", None),  # 哪几 asks which, not how many
    # how much is not answered by a date
    ("捐款的金额是多少", "2019 年，这些基金的资本化速度加快。", False),
    ("捐款的金额是多少", "一笔 1 亿欧元的捐款正在进行中。", True),
    ("私营部门伙伴关系占多大比例？", "一项新的私营部门参与战略激发了支持。", False),  # 一项 is "a"
    ("图六中各项答案比例之和与 100% 之间的差额代表什么？", "差值为 100%表示答案为“不适用”。", None),  # asks what, not how much
    ("共同房地试点在几个国家？", "在六个国家最终确定共同房地试点。", True),
    # a date as precise as asked
    ("从哪一天起全面铺开", "重振活力的驻地协调员系统全面铺开。", False),
    ("特别指南是在哪一天发布的", "2020 年，还需要最后确定特别指南。", False),
    ("从哪一天起全面铺开", "2019 年 1 月 1 日，新系统开始运作。", True),
    ("在哪一年哪一月通过了决议", "大会于 2018 年 5 月通过了决议。", True),
    ("在哪一年哪一月通过了决议", "大会于 2018 年通过了决议。", False),
    # a person's name; the name of a thing is not a person's
    ("发展协调办公室现任负责人（助理秘书长）叫什么名字？", "发展协调办公室由一名助理秘书长领导。", False),
    ("发展协调办公室主任是谁？", "阿米娜·穆罕默德主持集团。", True),
    ("这项合作倡议叫什么名字？", "正在支持该国的“硅大草原”。", None),
    ("乌干达政府新任命的国家可持续发展目标协调人是谁？", "政府任命了一名新的国家可持续发展目标协调人。", False),
    ("在佛得角，与驻地协调员共同牵头对话的是谁？", "驻地协调员和外交部长共同领导了对话。", None),  # a role answers
    ("联合国总部大楼有多少层？", "总部和区域一级 82%的工作人员已被聘用。", False),  # a count of 层, not a share
    # people are counted in 人, 名 or 位
    ("原计划招多少人，实际聘用了多少人？", "从预计 399 名本国干事中聘用了 311 名。", True),
    # a reason, a ranking, a city
    ("世界旅游组织为什么没有参加？", "世界旅游组织和世界气象组织没有参加。", False),
    ("为什么没有影响改革实施？", "由于及时提供了资金，改革没有受到影响。", True),
    ("哪一个办公室的征聘比例最高？", "区域办公室是技术支持的第一站。", False),  # 第一站 ranks nothing
    ("会议在哪个城市举行？", "秘书长于 2019 年 11 月召开了会议。", False),
    ("会议在哪个城市举行？", "会议在纽约举行。", True),
    ("讲习班在哪个城市举行？", "阿拉伯国家区域办公室举办了讲习班。", False),  # a region is no city
    # a sum of money wants a currency
    ("它将分摊多少金额？", "费用分摊安排增加了一倍。", False),
    ("该方案获得了多少资金？", "该系统将惠及 280 000 人。", False),
    ("协调税产生了多少资金？", "2019 年，协调税产生了 3 000 万美元。", True),
    ("对非核心捐款征收多少比例的协调税？", "征收 1%的协调税。", True),  # a share, not a sum
    # what a review found is not answered by "it will be reviewed"
    ("2020 年审查得出了什么结论？", "国家分支将在 2020 年得到审查。", False),
    ("同行反馈工具试行后反映出了什么结果？", "同行反馈工具将在 2020 年试行。", False),
    ("调查发现了什么？", "调查发现，驻地协调员的作用得到加强。", True),
    ("初步审计得出了哪些主要发现？", "初步审计工作是通过派往印度尼西亚、泰国和越南的特派团进行的。", False),  # it took place; no finding given
    # Traditional Chinese asks the same
    ("土著人民記分卡預計於何時完成？", "土著人民记分卡正在制作中。", False),
])
def test_expected_answer_type(question, sentence, met):
    assert expected_type_met(question, sentence) is met


@pytest.mark.parametrize("question,sentence,met", [
    ("哪两个国家的国家元首达成了历史性承诺？", "肯尼亚和乌干达的国家元首达成了一项历史性承诺。", True),
    ("哪两个会员国选择了捐助方管理选项？", "两个会员国和欧盟选择了捐助方管理选项。", False),
    ("先驱国家具体有哪些？", "超过 15 个“先驱”国家已经开始设计框架。", False),
    ("在危地马拉，哪个国家承诺遵守合作框架？", "在危地马拉，政府承诺遵守合作框架。", False),  # not the one asked from
    # a number asked about one body must not be another body's
    ("德国政府首次捐款的金额是多少？", "德国政府是首次捐款；一笔 1 亿欧元的欧盟捐款正在进行中。", False),
    ("欧盟捐款的金额是多少？", "德国政府是首次捐款；一笔 1 亿欧元的欧盟捐款正在进行中。", True),
    ("向信託基金捐出 2 300 萬美元的是哪一個會員國？", "金额从 15 000 美元到 2 300 万美元不等。", False),
])
def test_answer_type_with_names(service, question, sentence, met):
    assert expected_type_met(question, sentence, service.index.names) is met


@pytest.mark.parametrize("question,passage,found", [
    ("2019 年联合国国家工作队网站的总访问量是多少？", "50 个新的联合国国家工作队网站作为数据可视化和叙事平台活跃着。", False),
    ("驻地协调员办公室有多少核心职位", "每个驻地协调员办公室现在都有五个核心职位。", None),  # judged by the count
    ("黎巴嫩的国家发展规划是隔了多少年才再次出现的？", "在黎巴嫩，这两个组织正在联合进行共同国家分析。", None),  # no "X 是多少"
    ("具体比例是多少？", "几乎所有联合国国家工作队(95%)都报告说。", None),  # 比例 is the kind of number, not a thing
    ("谁领导发展协调办公室", "发展协调办公室", None),  # not a 多少 question
])
def test_asked_noun_must_appear(question, passage, found):
    assert asked_noun_found(question, passage) is found


def test_names_match_longest_first_and_under_any_form(service):
    index = service.index
    q = "德国政府向巴布亚新几内亚联合国国家基金首次捐款"
    assert missing_names(q, "对巴布亚新几内亚的联合国国家基金，德国政府是首次捐款", index) == []  # no 亚联
    assert missing_names("越南 2023 年的情况", "越南", index) == ["2023"]
    assert missing_names("美国硅谷", "与美利坚合众国硅谷之间的伙伴关系", index) == []
    assert missing_names("粮农组织的驻地协调员", "联合国粮食及农业组织", index) == []
    assert missing_names("世界气象组织缴纳多少", "世界旅游组织没有参加", index) == ["世界气象组织"]
    assert missing_names("第二次征集活动", "首次征集活动产生了 35 个联合方案", index) == ["第二次"]
    assert missing_names("第一次征集活动", "首次征集活动", index) == []
    # common words are no places (jieba tags 上岗 as one), and 发展中国家 names no 中国
    assert missing_names("上岗培训持续几天", "入职培训", index) == []
    assert named_in("发展中国家的需求", index.names.countries) == []
    assert missing_names("有多少个位于非洲区域", "2020 年正在制定 37 个合作框架", index) == ["非洲"]


def test_abstains_on_a_place_the_report_never_names(service):
    ans = service.ask("日本在 2019 年向驻地协调员系统特别用途信托基金捐了多少钱？")
    assert ans.abstained and ans.answer.startswith("报告中没有找到")
    assert ans.citations  # the closest passages are still listed


@pytest.mark.parametrize("question", [
    "发展协调办公室现任负责人（助理秘书长）叫什么名字？",
    "2020 年针对复杂环境和高收入国家的合作框架特别指南是在哪一天发布的？",
    "德国政府首次向巴布亚新几内亚联合国国家基金捐款的金额是多少？",
    "可持续发展目标联合基金第二次征集提议最终资助了多少个联合方案？",
    "五个区域发展协调办公室分别设在哪些城市？",
])
def test_abstains_where_the_report_is_silent(service, question):
    ans = service.ask(question)
    assert ans.abstained, ans.answer
    assert ans.highlight is None


def test_figure_without_values_says_so(service):
    ans = service.ask("图八中，与私营部门的伙伴关系占所有联合国国家工作队伙伴关系的百分比是多少？")
    assert ans.abstained
    assert ans.answer == NO_ANSWER + "图八的数值不在报告文本中。"
    assert ans.citations[0].id.endswith("#fig8")
    # a figure whose values survived is still read
    ans = service.ask("图四中，原属粮农组织的驻地协调员在 2020 年 3 月所占比例是多少？")
    assert not ans.abstained and "粮农组织 1% | 2%" in ans.answer


def test_named_figure_answers_or_says_it_cannot(service):
    ans = service.ask("图八中，私营部门伙伴关系占多大比例？")  # p55 speaks of 私营部门 at length; 图八 was named
    assert ans.abstained and ans.answer.endswith("图八的数值不在报告文本中。")
    ans = service.ask("从图四看，原属机构为人居署的驻地协调员在 2018 年和 2020 年 3 月分别占多少？")
    assert not ans.abstained and "人居署 2% | 2%" in ans.answer
    assert ans.citations[0].id.endswith("#fig4")
    ans = service.ask("图六中各项答案比例之和与 100% 之间的差额代表什么？")
    assert not ans.abstained and "不适用" in ans.answer


def test_count_found_two_sentences_on(service):
    ans = service.ask("可持续发展目标联合基金首次征集活动产生了多少个联合方案？")
    assert not ans.abstained
    assert "35 个联合方案" in ans.answer
