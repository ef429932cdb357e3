"""The HTML parser on a page written here and on real Chinese HTML (debian-reference-zh-cn)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.ingest.html import parse_html, parse_html_text
from qa.ingest.registry import parse_file

ROOT = Path(__file__).resolve().parent.parent
DEBREF = ROOT / ".testdata" / "root" / "usr" / "share" / "debian-reference"
SPACE_BETWEEN_HAN = re.compile(r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff]")

PAGE = """<!DOCTYPE html>
<html><head><title>驻地协调员系统</title><style>p { color: red }</style>
<script>var 脚本 = "不应出现";</script></head>
<body>
<nav><a href="/">首页</a> · <a href="/x">上一页</a></nav>
<div class="navheader">导航栏不应出现</div>
<h1>第一章 供资</h1>
<p>2019 年，驻地协调员系统的收入
为 2.23 亿美元。</p>
<h2>第一节 来源</h2>
<ul><li>会员国的自愿捐款</li><li>协调费<br>（1% 征费）</li></ul>
<table><caption>表 1 按来源分列的收入（千美元）</caption>
<tr><th>来源</th><th>2019 年</th><th>2020 年</th></tr>
<tr><td>会员国</td><td>120 000.5</td><td>130 000.0</td></tr>
<tr><td>共计</td><td>223 000.0</td><td>250 000.0</td></tr>
</table>
<table class="warning"><tr><td><p>布局表格里的段落。</p></td></tr></table>
<h2>第二节 用途</h2>
<pre>$ qa add 报告.pdf
$ qa list</pre>
<div>散落的文字<p>段落中的文字</p>尾部文字</div>
<footer>版权所有 页脚不应出现</footer>
</body></html>
"""


def test_page_blocks_headings_and_table(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(PAGE, encoding="utf-8")
    doc = parse_file(f)
    assert (doc.parser, doc.title, doc.name, doc.language, doc.pages) == ("html", "驻地协调员系统", "page", "zh-Hans", ())
    texts = [c.text for c in doc.chunks]
    assert texts[0] == "2019 年，驻地协调员系统的收入为 2.23 亿美元。"  # the wrap joined, no space invented
    assert doc.chunks[0].heading_path == ("第一章供资",) and doc.chunks[0].id == "page#p1"
    by_text = {c.text: c for c in doc.chunks}
    # a list is one passage, an item a line (its <br> a space)
    assert by_text["• 会员国的自愿捐款\n• 协调费（1% 征费）"].heading_path == ("第一章供资", "第一节来源")
    assert by_text["布局表格里的段落。"].kind == "paragraph"  # a layout table is read as blocks
    assert by_text["$ qa add 报告.pdf\n$ qa list"].heading_path[-1] == "第二节用途"  # h2 replaced h2
    assert [t for t in texts if "文字" in t] == ["散落的文字", "段落中的文字", "尾部文字"]
    joined = "\n".join(texts)
    for dropped in ("脚本", "不应出现", "首页", "上一页", "color"):
        assert dropped not in joined, dropped
    rows = [c for c in doc.chunks if c.kind == "table"]
    assert [r.id for r in rows] == ["page#t1r1", "page#t1r2"]
    total = rows[1].table
    assert dict(zip(total.headers, total.cells))["2020 年"] == "250 000.0"
    assert (total.table, total.label, total.unit) == ("1", "共计", "千美元")
    assert rows[1].text == "表 1 按来源分列的收入（千美元） · 共计 · 2019 年：223 000.0；2020 年：250 000.0"
    for c in doc.chunks:
        assert not SPACE_BETWEEN_HAN.search(c.text), c.text


def test_a_list_is_one_passage_with_the_paragraph_that_introduces_it(tmp_path):
    f = tmp_path / "list.html"
    f.write_text("<html><body><h1>账号</h1><p>每项含义如下。</p><ul><li><p>登录名</p></li><li><p>密码</p></li></ul>"
                 "<p>另一段。</p><ol><li>备份</li><li>编辑</li></ol><p>有三种：</p><dl><dt>a</dt><dd>甲</dd>"
                 "<dt>b</dt><dd>乙</dd></dl><ul><li>外层<ul><li>内层</li></ul></li></ul></body></html>", encoding="utf-8")
    texts = [c.text for c in parse_file(f).chunks]
    assert texts[:4] == ["每项含义如下。\n• 登录名\n• 密码", "另一段。", "1. 备份\n2. 编辑", "有三种：\n• a：甲\n• b：乙"]
    assert texts[4:] == ["外层", "• 内层"]  # a list holding a list is read block by block; the inner one is a list


def test_colspan_header_and_charset(tmp_path):
    html = ('<html><head><meta charset="gbk"></head><body><table>'
            '<tr><th>项目</th><th colspan="2">金额（万元）</th></tr>'
            '<tr><td>甲</td><td>1</td><td>2</td></tr></table></body></html>')
    f = tmp_path / "gbk.htm"
    f.write_bytes(html.encode("gbk"))
    row = parse_file(f).chunks[0]
    assert row.table.headers == ("项目", "金额（万元）", "金额（万元）")
    assert row.table.cells == ("甲", "1", "2") and row.table.unit == "万元"


def test_heading_text_without_markup():
    chunks = parse_html_text("<h1><a id='x'></a>标题 <em>一</em></h1><p>正文。</p>", "d")
    assert chunks[0].heading_path == ("标题一",) and chunks[0].section == "标题一"


@pytest.fixture(scope="module")
def debref():
    if not DEBREF.is_dir():
        pytest.skip(f"{DEBREF} missing: run bash tests/setup.sh to unpack debian-reference-zh-cn")
    return {n: parse_html(DEBREF / f"{n}.zh-cn.html", (DEBREF / f"{n}.zh-cn.html").read_bytes())
            for n in ("ch01", "ch02")}


def test_debian_reference_headings_and_sentences(debref):
    ch02 = debref["ch02"]
    assert ch02.title == "第 2 章 Debian 软件包管理" and ch02.language == "zh-Hans" and ch02.lexicon is None
    by_text = {c.text: c for c in ch02.chunks}
    # a paragraph that introduces a list (下面是……要点。) is one passage with it, an item a line
    c = next(c for t, c in by_text.items() if t.startswith("下面是 Debian 系统软件包配置的一些要点。\n• Debian 尊重"))
    assert c.text.count("\n• ") == 6
    assert c.heading_path == ("第 2 章 Debian 软件包管理", "2.1. Debian 软件包管理的前提", "2.1.1. 软件包配置")
    assert c.section == "2.1.1. 软件包配置" and c.page is None and c.kind == "paragraph"
    assert any(t.startswith("Debian 是一个志愿者组织，它建立一致的自由软件的预编译二进制包") for t in by_text)
    # The chapter's own wrap "高级软件包工具\n(APT)" joins; its table of contents and navigation are gone.
    assert any("高级软件包工具 (APT)，它能够使用所有这些资源" in t for t in by_text)
    # A DocBook note box (a layout table) labels its text instead of leaving a chunk "注意".
    assert "注意：这一章假定最新的稳定版的代号为：bullseye 。" in by_text
    for nav in ("2.1.1. 软件包配置", "第 3 章 系统初始化", "第 1 章 GNU/Linux 教程", "目录", "注意", "警告"):
        assert nav not in by_text, nav
    paragraphs = [c for c in ch02.chunks if c.kind == "paragraph"]
    assert 400 < len(paragraphs) < 1500  # 588 blocks when written; a tenfold change means a broken walk


def test_debian_reference_table_rows(debref):
    rows = [c for c in debref["ch02"].chunks if c.kind == "table" and c.table.table == "2.1"]
    dpkg = next(r for r in rows if r.table.label == "dpkg")
    assert dpkg.table.headers == ("软件包", "流行度", "大小", "说明")
    assert dict(zip(dpkg.table.headers, dpkg.table.cells))["大小"] == "5989"
    assert dpkg.text.startswith("表 2.1. Debian 软件包管理工具列表 · dpkg · 流行度：V:919, I:999；大小：5989")


def test_debian_reference_no_invented_spaces_and_unique_ids(debref):
    for doc in debref.values():
        ids = [c.id for c in doc.chunks]
        assert len(ids) == len(set(ids))
        for c in doc.chunks:
            if "\n" not in c.text:  # pre blocks keep what the page printed
                assert not SPACE_BETWEEN_HAN.search(c.text), (c.id, c.text)
        assert all(c.heading_path and c.heading_path[0].startswith("第 ") for c in doc.chunks)


def test_deep_nesting_does_not_exhaust_recursion():
    html = "<div>" * 5000 + "深处的文字" + "</div>" * 5000 + "<h2>" + "<span>" * 2000 + "标题" + "</span>" * 2000 + \
        "</h2><p>正文。</p>"
    chunks = parse_html_text(html, "d")
    assert [(c.text, c.heading_path) for c in chunks] == [("深处的文字", ()), ("正文。", ("标题",))]


@pytest.mark.slow
def test_an_english_question_meets_the_chinese_passage_not_the_english_lines(debref, tmp_path):
    # the encoder alone puts an English question next to English lines of a Chinese page (a listing of
    # /etc/passwd); with the page's own words for its words beside it, it meets the Chinese sentence
    import numpy as np

    from qa.config import Settings
    from qa.lang.query import encoded_text
    from qa.lang.tokenize import dense_text
    from qa.serve.service import Service

    service = Service.open(Settings(corpus=DEBREF / "ch04.zh-cn.html", index_dir=tmp_path / "ix"), progress=False)
    q = service.query("How can a user run a command as another user?")
    assert q.english and {"用户", "运行", "命令"} <= {g[0] for g in q.english_groups}
    assert encoded_text(q.search, q.english_groups).startswith(q.search + " 可以 用户")
    vectors = np.vstack([service.index.dense.reconstruct(i) for i in range(len(service.index.chunks))])

    def first(vector):
        return service.index.chunks[int(np.argmax(vectors @ vector))].text

    assert "user1:x:1000" in first(q.vector)  # the question alone, as the answer's features read it
    assert "su -c" in first(q.searched) and "任何命令以 root 运行" in first(q.searched)  # what the search reads
    assert np.allclose(q.searched, service.encoder.queries([encoded_text(q.search, q.english_groups)])[0])
    assert np.allclose(q.vector, service.encoder.queries([dense_text(q.search)])[0])
    chinese = service.query("用户怎样以另一个用户的身份运行命令？")
    assert chinese.search_vector is None and chinese.searched is chinese.vector

    # the gate reads the question's own vector (it was fitted on it); which sentence answers is read as the search
    # read it, with the page's words for the question's words
    from qa.answer.features import candidates

    hits, scores = service.hits(q, 5, "hybrid")
    own, searched = candidates(q, service.index, hits, scores), candidates(q, service.index, hits, scores, searched=True)
    assert [c.sentence for c in own] == [c.sentence for c in searched]
    sentences = service.index.sentence_vecs[[c.sentence for c in own]]
    assert np.allclose([c.feature("sent_cos") for c in own], sentences @ q.vector, atol=1e-5)
    assert np.allclose([c.feature("sent_cos") for c in searched], sentences @ q.searched, atol=1e-5)
    a = service.answer(q)
    assert not a.abstained and "su -c" in a.answer and "chosen with the document's words" in a.reason
    assert "chosen with" not in service.answer(chinese).reason
