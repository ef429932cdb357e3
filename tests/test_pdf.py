"""The PDF parser (qa.ingest.pdf) on real files: PDFs generated here with known text on
known pages (tests/pdfgen.py), Debian's texlive-lang-chinese PDFs, and broken inputs.

The relation between a chunk and its page, asserted everywhere:
``doc.pages[chunk.page - 1].text[start:end] == chunk.text`` for ``(start, end) = chunk.span``.
"""

from __future__ import annotations

import difflib
import re
import sys
import time
from pathlib import Path

import pytest

from qa.errors import (
    CorpusError,
    CorruptFile,
    EmptyFile,
    EncryptedPDF,
    NoTextLayer,
    UnsupportedFormat,
)
from qa.ingest.document import KINDS
from qa.ingest.pdf import MAX_CHUNK, page_boxes, parse_pdf

sys.path.insert(0, str(Path(__file__).parent))
import pdfgen

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = ROOT / ".testdata" / "root"
TEXLIVE = TESTDATA / "usr/share/doc/texlive-doc"
ZHLIPSUM_DEF = TESTDATA / "usr/share/texlive/texmf-dist/tex/latex/zhlipsum/zhlipsum-utf8.def"
CJK = "\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is missing: run bash tests/setup.sh (unpacks texlive-lang-chinese, installs fonts)")
    return path


def similarity(a: str, b: str) -> float:
    """difflib's ratio over the characters, whitespace removed (line breaks are layout, not text)."""
    a, b = "".join(a.split()), "".join(b.split())
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


# --- generated PDFs -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def lipsum() -> dict[str, list[str]]:
    need(ZHLIPSUM_DEF)
    return {name: pdfgen.zhlipsum_paragraphs(ZHLIPSUM_DEF, name) for name in ("simp", "zhufu")}


MIXED = ["2019 年，COVID-19 大流行之前，驻地协调员办公室的人员配置包括 69 个国籍。",
         "本节用 LaTeX 和 Word 两种工具排版同一份文件，比较 PDF 的文字层。"]
HEADED = [("第一章 总则", 16.0), "本章说明文件的目的。", ("1.1 范围", 13.0), "本文件适用于中文文档的问答服务。",
          ("1.2 术语", 13.0), "段落是检索和引用的单位。", ("第二章 方法", 16.0), "本章说明方法。"]


@pytest.fixture(scope="session")
def made(tmp_path_factory, lipsum):
    """name -> (Made, Document) for every generated case, built once."""
    need(pdfgen.WQY)
    out = tmp_path_factory.mktemp("pdfgen")
    simp, zhufu = lipsum["simp"], lipsum["zhufu"]
    cases = {
        "one_column": lambda p: pdfgen.reportlab_pdf(p, simp[:6] + ["".join(simp[6:10])] + MIXED),
        "one_column_fpdf": lambda p: pdfgen.fpdf_pdf(p, zhufu[:12] + MIXED, title="祝福"),
        "two_columns": lambda p: pdfgen.reportlab_pdf(p, simp[8:16], columns=2),
        "two_columns_shuffled": lambda p: pdfgen.reportlab_pdf(p, simp[16:24], columns=2, order="shuffled"),
        "two_columns_shuffled_fpdf": lambda p: pdfgen.fpdf_pdf(p, zhufu[12:40], columns=2, order="shuffled"),
        "two_columns_by_rows": lambda p: pdfgen.fpdf_pdf(p, zhufu[40:60], columns=2, order="rows"),
        "letter_spaced": lambda p: pdfgen.reportlab_pdf(p, simp[24:27], letter_spaced="spaces"),
        "char_spaced": lambda p: pdfgen.reportlab_pdf(p, simp[27:30], letter_spaced="charspace"),
        "header_footer": lambda p: pdfgen.fpdf_pdf(p, simp[30:40], header="示例报告（2024 年）· 内部资料",
                                                   footer="第 {n} 页 共 {total} 页"),
        "page_labels": lambda p: pdfgen.reportlab_pdf(p, simp[40:50], footer="- {n} -",
                                                      labels=[(0, "ROMAN_LOWER", 1), (2, "ARABIC", 1)]),
        "headings": lambda p: pdfgen.reportlab_pdf(p, HEADED + simp[:2]),
    }
    result = {}
    for name, make in cases.items():
        path = out / f"{name}.pdf"
        m = make(path)
        result[name] = (m, parse_pdf(path))
    return result


CASES = ["one_column", "one_column_fpdf", "two_columns", "two_columns_shuffled", "two_columns_shuffled_fpdf",
         "two_columns_by_rows", "letter_spaced", "char_spaced", "header_footer", "page_labels", "headings"]


@pytest.mark.parametrize("case", CASES)
def test_every_chunk_is_on_its_exact_page(made, case):
    m, doc = made[case]
    assert len(doc.pages) == len(m.pages)
    assert doc.chunks
    wrong = [c.id for c in doc.chunks
             if "".join(c.text.split()) not in "".join("".join(m.pages[c.page - 1]).split())]
    assert wrong == [], f"{len(wrong)} of {len(doc.chunks)} chunks not on their page"  # 100 % exact


@pytest.mark.parametrize("case", CASES)
def test_spans_index_the_page_text_exactly(made, case):
    _, doc = made[case]
    for c in doc.chunks:
        page = doc.pages[c.page - 1]
        start, end = c.span
        assert page.text[start:end] == c.text
        assert c.page_label == page.label
        assert c.kind in KINDS and c.kind == "paragraph"
        assert c.id.startswith(f"{doc.name}#p{c.page}.")
        assert c.text == c.text.strip() and len(c.text) <= MAX_CHUNK
    assert len({c.id for c in doc.chunks}) == len(doc.chunks)


@pytest.mark.parametrize("case", CASES)
def test_page_text_reads_as_the_source(made, case):
    """Every page, scrambled or not, reads in order: ≥ 0.98 (one and two columns read at ≥ 0.999)."""
    m, doc = made[case]
    for expected, page in zip(m.pages, doc.pages):
        assert similarity("".join(expected), page.text) >= 0.98, (case, page.number)


@pytest.mark.parametrize("case", ["two_columns_shuffled", "two_columns_shuffled_fpdf", "two_columns_by_rows"])
def test_scrambled_pages_are_detected_and_read_in_order(made, case):
    m, doc = made[case]
    assert any("pdfminer" in w for w in doc.warnings)
    ratios = [similarity("".join(e), p.text) for e, p in zip(m.pages, doc.pages)]
    assert min(ratios) >= 0.98, ratios


def test_pages_in_reading_order_are_not_called_scrambled(made):
    for case in ("one_column", "two_columns", "header_footer"):
        assert not any("scrambled" in w for w in made[case][1].warnings)


@pytest.mark.parametrize("case", CASES)
def test_no_space_between_chinese_characters(made, case):
    """The sources have no space between two Chinese characters; letter-spaced pages drew one between every two."""
    m, doc = made[case]
    between = re.compile(f"[{CJK}][ \t\u3000]+[{CJK}]")
    for expected, page in zip(m.pages, doc.pages):
        source = "\n".join(expected)
        assert [s for s in between.findall(page.text) if s not in source] == []
    for c in doc.chunks:
        assert [s for s in between.findall(c.text) if s not in "\n".join(m.pages[c.page - 1])] == []
    if case != "headings":  # only the headings' source has such a space (第一章 总则)
        assert not any(between.search(p.text) for p in doc.pages)


def test_latin_words_and_numbers_keep_their_spaces(made):
    _, doc = made["one_column"]
    text = "\n".join(p.text for p in doc.pages)
    for line in MIXED:
        assert line in text


def test_running_header_footer_and_page_numbers_are_dropped(made):
    _m, doc = made["header_footer"]
    assert len(doc.pages) >= 3
    for p in doc.pages:
        assert "示例报告" not in p.text and "内部资料" not in p.text
        assert not re.search(r"第 ?\d+ ?页", p.text)
    _, labelled = made["page_labels"]
    for p in labelled.pages:
        assert not re.search(r"^- ?\d+ ?-$", p.text, re.MULTILINE)


def test_page_labels_roman_then_arabic(made):
    _, doc = made["page_labels"]
    labels = [p.label for p in doc.pages]
    assert labels[:3] == ["i", "ii", "1"]
    assert labels == ["i", "ii"] + [str(n) for n in range(1, len(labels) - 1)]
    assert {c.page_label for c in doc.chunks if c.page == 3} == {"1"}


def test_no_labels_means_none(made):
    _, doc = made["one_column"]
    assert {p.label for p in doc.pages} == {None}


def test_title_from_metadata_else_first_line(made):
    assert made["one_column_fpdf"][1].title == "祝福"
    _, doc = made["headings"]
    assert doc.title == "第一章 总则"  # no metadata title: the largest line of page 1


def test_heading_paths(made):
    _, doc = made["headings"]
    paths = {c.text: c.heading_path for c in doc.chunks}
    assert paths["本章说明文件的目的。"] == ("第一章 总则",)
    assert paths["本文件适用于中文文档的问答服务。"] == ("第一章 总则", "1.1 范围")
    assert paths["段落是检索和引用的单位。"] == ("第一章 总则", "1.2 术语")
    assert paths["本章说明方法。"] == ("第二章 方法",)
    assert all(c.section == c.heading_path[-1] for c in doc.chunks if c.heading_path)


def test_long_paragraphs_are_cut_at_sentence_ends(made):
    """A chunk that stops inside its paragraph (the page text goes on without a line break) ends a sentence."""
    _, doc = made["one_column"]
    cut = [c for c in doc.chunks if doc.pages[c.page - 1].text[c.span[1]:c.span[1] + 1] not in ("", "\n")]
    assert len(cut) >= 2  # one paragraph of four lipsum paragraphs, about 1,600 characters
    assert all(c.text[-1] in "。！？”" for c in cut)
    assert max(len(c.text) for c in doc.chunks) <= MAX_CHUNK


def test_document_fields(made):
    m, doc = made["one_column"]
    import hashlib
    assert doc.id == hashlib.sha256(m.path.read_bytes()).hexdigest()[:16]
    assert doc.name == "one_column" and doc.file == "one_column.pdf" and doc.parser == "pdf"
    assert doc.language == "zh-Hans"
    assert parse_pdf(m.path, data=m.path.read_bytes(), name="报告").chunks[0].id.startswith("报告#p1.")


def test_page_boxes_cover_the_page_text(made):
    m, doc = made["two_columns"]
    boxes = page_boxes(m.path)
    assert [len(b) for b in boxes] == [len(p.text) for p in doc.pages]
    for page, bx in zip(doc.pages, boxes):
        for ch, box in zip(page.text, bx):
            assert (box is None) == ch.isspace()


# --- zhlipsum: source text against the typeset PDF -----------------------------------------------------------


@pytest.mark.parametrize("maker", ["reportlab", "fpdf"])
def test_zhlipsum_text_equals_its_source(tmp_path, lipsum, maker):
    """All 50 paragraphs of zhlipsum's ``simp`` text, typeset, read back at ≥ 0.99 (measured: 1.0)."""
    need(pdfgen.WQY)
    source = lipsum["simp"]
    path = tmp_path / "zhlipsum-simp.pdf"
    (pdfgen.reportlab_pdf if maker == "reportlab" else pdfgen.fpdf_pdf)(path, source)
    doc = parse_pdf(path)
    ratio = similarity("\n".join(source), "\n".join(p.text for p in doc.pages))
    print(f"zhlipsum simp via {maker}: {len(doc.pages)} pages, similarity {ratio:.4f}")
    assert ratio >= 0.99


def test_zhlipsum_pdf_itself():
    """The package's own manual: title from metadata, running heads gone, sections as heading paths."""
    doc = parse_pdf(need(TEXLIVE / "latex/zhlipsum/zhlipsum.pdf"))
    assert doc.title == "zhlipsum: 中文乱数假文（Lorem ipsum）"
    assert len(doc.pages) == 15
    for p in doc.pages[5:12]:  # pages 6-12 carry the running head "第 6 节 实现细节 <n>"
        assert not p.text.startswith("第 6 节"), p.number
    assert any(c.heading_path[:1] == ("第 1 节 简介",) for c in doc.chunks)
    assert "常用来测试排版效果" in doc.pages[1].text


def test_lshort_labels_and_headings():
    doc = parse_pdf(need(TEXLIVE / "latex/lshort-chinese/lshort-zh-cn.pdf"))
    assert len(doc.pages) == 139
    assert [p.label for p in doc.pages[:4]] == ["A", "B", "i", "ii"]
    assert doc.pages[12].label == "1"
    first = [c for c in doc.chunks if c.page == 13]
    assert first[0].heading_path == ("第一章 LATEX 的基本概念",)
    assert any(c.heading_path == ("第一章 LATEX 的基本概念", "1.1 概述", "1.1.1 TEX") for c in first)


def test_a_description_list_item_under_a_hanging_indent_is_one_paragraph():
    # TeX Live's guide lists its help resources as a description list: a label, then lines indented under the
    # text; the indented lines continue the item (they were cut off as paragraphs of their own, mid-word)
    doc = parse_pdf(need(TEXLIVE / "texlive/texlive-zh-cn/texlive-zh-cn.pdf"))
    item = next(c for c in doc.chunks if "简明的回" in c.text)
    assert "简明的回答，它在 TEX Live 的" in item.text and "网站上找到" in item.text, item.text
    assert item.page == 4


def test_contents_entries_third_level_headings_and_listings():
    # A LaTeX installation guide: its contents pages (dot leaders, a page number) repeat the body's headings
    # and outranked the sections they point to; its third-level headings are set 12 pt over a 10.5 pt body; its
    # numbered code listings (smaller type) stood alone, apart from the sentence saying what they show
    doc = parse_pdf(need(TEXLIVE / "latex/install-latex-guide-zh-cn/install-latex-guide-zh-cn.pdf"))
    assert not [c.text for c in doc.chunks if re.search(r"(?:\. ){4,}", c.text)]
    fix = next(c for c in doc.chunks if "缺少了 fontconfig" in c.text)
    assert fix.heading_path[-1] == "2.1.2 fc-cache 无法执行" and fix.page == 18
    assert not [c for c in doc.chunks if c.text == "2.1.2 fc-cache 无法执行"]
    shown = next(c for c in doc.chunks if c.page == 27 and "TeX Live installation procedure" in c.text)
    assert "在屏幕上应该能见到以下内容" in shown.text, shown.text


def test_bold_headings_by_font_name_and_a_sentence_going_on_after_its_command():
    # TeX Live's guide sets its third-level headings at body size in Latin Modern bold, whose font descriptor says
    # a weight of 570 (under the 600 of a bold face), and their Chinese words in 黑体 rather than a bold face: the
    # number's bold font names the heading. A sentence that shows a command after a colon goes on after it
    # (必须执行： / context --generate / 来刷新 ConTeXt 磁盘缓存数据。)
    doc = parse_pdf(need(TEXLIVE / "texlive/texlive-zh-cn/texlive-zh-cn.pdf"))
    fonts = next(c for c in doc.chunks if c.page == 16 and "TEXMFLOCAL/tex/latex" in c.text)
    assert fonts.heading_path[-1] == "3.4.6 集成本地与个人宏文件", fonts.heading_path
    assert not [c for c in doc.chunks if c.text.startswith("3.4.") and len(c.text) < 30]
    cache = next(c for c in doc.chunks if "context --generate" in c.text)
    assert "每个 MkIV 用户必须执行" in cache.text and "来刷新 ConTEXt 磁盘缓存数据" in cache.text, cache.text
    assert cache.heading_path[-1] == "3.4.5 ConTEXt Mark IV"


def test_code_in_a_monospaced_face_and_a_numbered_list_stay_with_their_text():
    # LaTeX Notes sets its code in a typewriter face without line numbers: it goes with the sentence that says
    # what it is for; its numbered steps, cut by the layout after the second, are one passage
    doc = parse_pdf(need(TEXLIVE / "generic/latex-notes-zh-cn/latex-notes-zh-cn.pdf"))
    code = next(c for c in doc.chunks if "\\usepackage{makeidx}" in c.text)
    assert "makeidx 宏包提供了索引功能" in code.text, code.text
    steps = next(c for c in doc.chunks if "第一遍 latex 把索引条目" in c.text)
    assert "2. makeindex" in steps.text and "3. 第二遍 latex" in steps.text, steps.text


def test_a_contents_page_and_a_faq_s_long_bold_questions():
    # The CTEX FAQ's contents pages hold part titles and page numbers set apart from the dotted entries (E 中文支持
    # / 21): the whole page is contents, not indexed. Its numbered questions are set in TeX's CMBX10 (whose
    # descriptor says a weight of 570) and 黑体, and run past 40 characters: they are its headings
    doc = parse_pdf(need(TEXLIVE / "latex/ctex-faq/ctex-faq.pdf"))
    assert not [c for c in doc.chunks if c.page in (2, 3, 4)]
    fonts = next(c for c in doc.chunks if "CTEX-Fonts 中包含了几种常用的中文字体" in c.text)
    assert fonts.heading_path[-1].startswith("18 CTEX-Fonts") and fonts.heading_path[-1].endswith("有什么关系？")



def test_a_contents_beside_an_abstract():
    # The TeX proposal sets its contents in a column beside its abstract (page 2; its English title page 1 the
    # same): not a contents page, but its 目录 and the entries after it are not indexed, bold top-level entries
    # (2 我们需要 TEX) no heading of the text after them; the abstract and the authors' notes are
    doc = parse_pdf(need(TEXLIVE / "latex/texproposal/texproposal.pdf"))
    front = [c for c in doc.chunks if c.page in (1, 2)]
    assert not [c for c in front if "具体措施" in c.text or "Detailed Measures" in c.text]
    assert any("本提案从介绍排版系统" in c.text for c in front) and any("CQUThesis 作者" in c.text for c in front)
    assert not [c for c in front if any("我们需要" in h or "Need for" in h for h in c.heading_path)]


def test_a_sentence_cut_by_a_displayed_path_goes_on_after_it():
    # The CTEX FAQ sets paths and URLs on a line of their own, mid-sentence (……只需把这些文件放在 / localtexmf\tex\
    # latex\ / 下的某个子目录中；……可以在 / ftp://… / 下载): the sentence and what the layout set apart are one passage
    doc = parse_pdf(need(TEXLIVE / "latex/ctex-faq/ctex-faq.pdf"))
    for lead, shown, after in [("最新版的 CCT 可以在", "ftp://ftp.cc.ac.cn/pub/cct/", "下载，或者使用"),
                               ("你只需把这些文件放在", "localtexmf", "下的某个子目录中")]:
        chunk = next(c for c in doc.chunks if lead in c.text)
        assert shown in chunk.text and after in chunk.text, chunk.text


def test_a_numbered_heading_goes_under_the_one_its_number_extends_and_a_bibliography_is_known():
    # fduthesis sets 第 5 节 参考文献 in 15 pt and 5.1 图书 in 13.2 pt: by size and by number both read as level 2,
    # yet 5.1 is a part of 第 5 节. Its entries are under a bibliography's heading; the text before them is not
    doc = parse_pdf(need(TEXLIVE / "latex/fduthesis/fduthesis.pdf"))
    entry = next(c for c in doc.chunks if c.text.startswith("[1] Knuth"))
    assert entry.heading_path[-2:] == ("第 5 节 参考文献", "5.1 图书") and entry.in_bibliography()
    install = next(c for c in doc.chunks if "fduthesis-main.zip" in c.text)
    assert install.heading_path[-3:] == ("第 2 节 安装", "2.1 获取 fduthesis", "2.1.3 开发版本")
    assert not install.in_bibliography()


# --- broken inputs --------------------------------------------------------------------------------------------


def _encrypted(p: Path) -> Path:
    pdfgen.reportlab_pdf(p, ["加密的文件。"], encrypt="secret")
    return p


def _truncated(p: Path) -> Path:
    data = need(TEXLIVE / "latex/zhlipsum/zhlipsum.pdf").read_bytes()
    p.write_bytes(data[: len(data) // 2])
    return p


def _html(p: Path) -> Path:
    p.write_text("<!DOCTYPE html><html><body><p>这是网页，不是 PDF。</p></body></html>", encoding="utf-8")
    return p


def _empty(p: Path) -> Path:
    p.write_bytes(b"")
    return p


def _corrupt(p: Path) -> Path:
    p.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100 + b"\n%%EOF\n")
    return p


BROKEN = [
    ("encrypted.pdf", _encrypted, EncryptedPDF, "encrypted PDF; decrypt it first (qpdf --decrypt in.pdf out.pdf)"),
    ("scan.pdf", lambda p: pdfgen.image_only_pdf(p), NoTextLayer, "no text layer on any of its 2 pages"),
    ("truncated.pdf", _truncated, CorruptFile, "truncated PDF"),
    ("page.pdf", _html, UnsupportedFormat, "not a PDF"),
    ("empty.pdf", _empty, EmptyFile, "empty file (0 bytes)"),
    ("corrupt.pdf", _corrupt, CorruptFile, "corrupt PDF"),
]


@pytest.mark.parametrize("name,make,error,says", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_inputs_give_one_line_naming_the_file(tmp_path, name, make, error, says):
    path = make(tmp_path / name)
    with pytest.raises(error) as info:
        parse_pdf(path)
    message = str(info.value)
    assert isinstance(info.value, CorpusError) and info.value.exit_code == 3
    assert "\n" not in message and message.startswith(str(path)) and says in message


def test_scan_message_says_ocr_is_not_available(tmp_path):
    with pytest.raises(NoTextLayer, match="OCR is not available"):
        parse_pdf(pdfgen.image_only_pdf(tmp_path / "scan.pdf"))


def test_a_scanned_page_among_text_pages_is_a_warning(tmp_path):
    doc = parse_pdf(pdfgen.mixed_scan_pdf(tmp_path / "mixed.pdf"))
    assert {c.page for c in doc.chunks} == {1, 3}
    assert any(w.startswith("page 2: no text layer") for w in doc.warnings)
    assert doc.pages[1].text == "" and not doc.pages[1].has_text_layer


def test_a_font_without_unicode_map_is_reported_not_indexed(tmp_path, lipsum):
    need(pdfgen.WQY)
    good = pdfgen.reportlab_pdf(tmp_path / "good.pdf", lipsum["simp"][:1]).path
    bad = pdfgen.without_tounicode(pdfgen.fpdf_pdf(tmp_path / "bad.pdf", lipsum["simp"][1:2]).path)
    doc = parse_pdf(pdfgen.merge([good, bad], tmp_path / "both.pdf"))
    garbage = re.compile("[\x00-\x1f\ufffd\ue000-\uf8ff]")
    assert {c.page for c in doc.chunks} == {1}
    assert any(w.startswith("page 2:") and "no Unicode mapping" in w for w in doc.warnings)
    assert not any(garbage.search(c.text) for c in doc.chunks)
    with pytest.raises(NoTextLayer, match="fonts without a Unicode map"):
        parse_pdf(bad)


# --- every Chinese PDF of texlive-lang-chinese ----------------------------------------------------------------

TEXLIVE_PDFS = [
    "fonts/zhmetrics-uptex/upzhfandolfonts-test.pdf",
    "generic/latex-notes-zh-cn/latex-notes-zh-cn.pdf",
    "generic/upzhkinsoku/upzhkinsoku-doc.pdf",
    "generic/zhspacing/zhs-man.pdf",
    "latex/ctex-faq/ctex-faq.pdf",
    "latex/ctex/ctex.pdf",
    "latex/fduthesis/fduthesis-code.pdf",
    "latex/fduthesis/fduthesis-en.pdf",
    "latex/fduthesis/fduthesis.pdf",
    "latex/install-latex-guide-zh-cn/install-latex-guide-zh-cn.pdf",
    "latex/lshort-chinese/lshort-zh-cn.pdf",
    "latex/njurepo/example.pdf",
    "latex/njurepo/njurepo.pdf",
    "latex/pgfornament-han/heavenlyclouds-sample.pdf",
    "latex/pgfornament-han/pgfornament-han_manual.pdf",
    "latex/pgfornament-han/xiaoshan-sample.pdf",
    "latex/qyxf-book/figure/qyxf-cover.pdf",
    "latex/qyxf-book/figure/qyxf-logo.pdf",
    "latex/qyxf-book/qyxf-book-doc.pdf",
    "latex/texproposal/figures/CQU-Example.pdf",
    "latex/texproposal/figures/CQUThesis-poster.pdf",
    "latex/texproposal/figures/TeX-Word-Diff.pdf",
    "latex/texproposal/figures/TeX-Word-Vote.pdf",
    "latex/texproposal/figures/pubfig0.pdf",
    "latex/texproposal/texproposal.pdf",
    "latex/xpinyin/xpinyin.pdf",
    "latex/xtuthesis/figures/Correct_Ratio.pdf",
    "latex/xtuthesis/figures/Lenna_e.pdf",
    "latex/xtuthesis/xtu.pdf",
    "latex/zhlineskip/CJKmetrics.pdf",
    "latex/zhlineskip/Latinmetrics.pdf",
    "latex/zhlineskip/zhlineskip.pdf",
    "latex/zhlipsum/zhlipsum-en.pdf",
    "latex/zhlipsum/zhlipsum.pdf",
    "latex/zhnumber/zhnumber.pdf",
    "plain/impatient-cn/cnbook.pdf",
    "support/asymptote-by-example-zh-cn/asymptote-by-example-zh-cn.pdf",
    "support/asymptote-by-example-zh-cn/src/tiling.pdf",
    "support/asymptote-by-example-zh-cn/src/xiantu-ancient.pdf",
    "support/asymptote-by-example-zh-cn/src/xiantu.pdf",
    "support/asymptote-faq-zh-cn/asymptote-faq-zh-cn.pdf",
    "support/asymptote-manual-zh-cn/asymptote-manual-zh-cn.pdf",
    "support/tlmgr-intro-zh-cn/tlmgr-intro-zh-cn.pdf",
    "texlive/texlive-zh-cn/texlive-zh-cn.pdf",
    "xelatex/exam-zh/doc/exam-zh-doc.pdf",
    "xelatex/exam-zh/doc/figures/firstpage.pdf",
    "xelatex/exam-zh/examples/example-multiple.pdf",
    "xelatex/exam-zh/examples/example-single.pdf",
    "xelatex/hanzibox/hanzibox.pdf",
    "xelatex/nanicolle/ChinaMainland.pdf",
    "xelatex/nanicolle/Dongguan.pdf",
    "xelatex/nanicolle/nanicolle-doc-en.pdf",
    "xelatex/nanicolle/nanicolle-doc-zh.pdf",
    "xelatex/nanicolle/nanicolle-ex-en.pdf",
    "xelatex/nanicolle/nanicolle-ex-zh.pdf",
    "xelatex/nanicolle/point.pdf",
] + [f"support/asymptote-faq-zh-cn/src/figures/{n}.pdf" for n in (
    "4-1", "4-2", "4-7", "4-8", "4-9", "5-1a", "5-2", "5-4", "6-1", "6-11a", "6-11b",
    "6-12", "6-14", "6-15", "6-19", "6-2", "6-3", "6-4", "6-5", "6-6", "6-7b", "6-7c",
    "6-8b", "6-8c", "6-9", "8-4", "8-8a", "8-8b", "8-8c", "8-8d", "8-9a", "8-9b",
)]

# Figures with no text (drawings or a bitmap) and one poster whose fonts have no Unicode map:
# a clean one-line CorpusError is the right answer for these, and only for these.
UNREADABLE = {
    "latex/qyxf-book/figure/qyxf-cover.pdf", "latex/texproposal/figures/CQUThesis-poster.pdf",
    "latex/xtuthesis/figures/Lenna_e.pdf", "latex/xtuthesis/xtu.pdf",
    "support/asymptote-by-example-zh-cn/src/tiling.pdf", "support/asymptote-by-example-zh-cn/src/xiantu-ancient.pdf",
    "xelatex/nanicolle/ChinaMainland.pdf", "xelatex/nanicolle/point.pdf",
} | {f"support/asymptote-faq-zh-cn/src/figures/{n}.pdf"
     for n in ["4-8", "5-1a", "5-2", "5-4", "8-4", "8-8a", "8-8b", "8-8c", "8-8d", "8-9a", "8-9b"]}


@pytest.mark.slow
def test_every_texlive_chinese_pdf(capsys):
    need(TEXLIVE)
    assert len(TEXLIVE_PDFS) == 88
    start, cpu = time.perf_counter(), time.process_time()
    pages = chunks = 0
    refused: set[str] = set()
    for rel in TEXLIVE_PDFS:
        path = TEXLIVE / rel
        try:
            doc = parse_pdf(path)
        except CorpusError as exc:  # anything else is a crash and fails the test
            assert "\n" not in str(exc) and str(path) in str(exc)
            refused.add(rel)
            continue
        pages += len(doc.pages)
        chunks += len(doc.chunks)
        for c in doc.chunks:
            assert c.span is not None and c.page is not None
            start_, end = c.span
            assert doc.pages[c.page - 1].text[start_:end] == c.text
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    with capsys.disabled():  # CPU seconds too: the wall clock depends on who else uses the machine's 2 cores
        print(f"\ntexlive-lang-chinese: {len(TEXLIVE_PDFS)} PDFs, {pages} pages, {chunks} chunks, "
              f"{len(refused)} refused with a CorpusError, 0 crashes, {seconds:.1f} s ({pages / seconds:.1f} pages/s), "
              f"{cpu:.1f} CPU s ({pages / cpu:.1f} pages per CPU second)")
    assert refused == UNREADABLE


def test_through_the_registry(made, tmp_path):
    """``qa.ingest.registry.parse_file`` sniffs the bytes and hands PDFs here; errors come through unchanged."""
    from qa.ingest.registry import parse_file

    m, doc = made["two_columns"]
    via = parse_file(m.path)
    assert via.parser == "pdf" and via.chunks == doc.chunks and via.pages == doc.pages
    with pytest.raises(EncryptedPDF):
        parse_file(_encrypted(tmp_path / "locked.pdf"))


def test_scrambled_pages_fall_back_to_xy_cut_when_pdfminer_fails(made, monkeypatch):
    from qa.ingest import pdf

    def broken(data, raws):
        raise ValueError("simulated pdfminer failure")

    monkeypatch.setattr(pdf, "_read_with_pdfminer", broken)
    m, _ = made["two_columns_by_rows"]
    doc = parse_pdf(m.path)
    assert any("XY-cut" in w for w in doc.warnings)
    assert min(similarity("".join(e), p.text) for e, p in zip(m.pages, doc.pages)) >= 0.98


def test_a_run_of_short_paragraphs_is_one_chunk(tmp_path, lipsum):
    """Code lines or table rows (short paragraphs in a row) make one chunk that keeps their line breaks."""
    short = ["\\usepackage{ctex}", "\\begin{document}", "你好，世界。", "\\end{document}"]
    m = pdfgen.reportlab_pdf(tmp_path / "code.pdf", [lipsum["simp"][0], *short, lipsum["simp"][1]])
    doc = parse_pdf(m.path)
    assert [c.text for c in doc.chunks] == [lipsum["simp"][0], "\n".join(short), lipsum["simp"][1]]
    c = doc.chunks[1]
    assert doc.pages[0].text[c.span[0]:c.span[1]] == c.text


def test_padding_after_eof_is_not_truncation(tmp_path, made):
    m, doc = made["headings"]
    padded = tmp_path / "padded.pdf"
    padded.write_bytes(m.path.read_bytes() + b"\x00" * 5000 + b"\r\n")
    assert [c.text for c in parse_pdf(padded).chunks] == [c.text for c in doc.chunks]


def test_an_option_begins_the_passage_that_describes_it():
    # tlmgr's introduction sets each option alone on a line in a monospaced face (-self, -dry-run), its description
    # below: the option starts the passage that says what it does, not the end of the passage before
    doc = parse_pdf(need(TEXLIVE / "support/tlmgr-intro-zh-cn/tlmgr-intro-zh-cn.pdf"))
    dry = next(c for c in doc.chunks if c.text.startswith("-dry-run"))
    assert "在终端显示将要执行的操作" in dry.text
    before = next(c for c in doc.chunks if "可以使用下面的 -exclude 选项" in c.text)
    assert not before.text.rstrip().endswith("-self")
    assert any(c.text.startswith("-self\n") and "升级 tlmgr 本身" in c.text for c in doc.chunks)
    # a line of code after a sentence is that sentence's example, not a term: it stays with it
    from qa.ingest.pdf import _term
    assert _term("-list [pkgs]") and not _term("\\usepackage{makeidx}\\makeindex")


def test_a_package_manual_s_entry_is_one_passage():
    # l3doc and ctxdoc set each key of a package's manual as an entry: its signature (max-columns = 〈integer〉), its
    # full name in the margin (choices/max-columns), New: <date>, then the description. The entry is one passage,
    # not the description glued to the next key's signature
    doc = parse_pdf(need(TEXLIVE / "xelatex/exam-zh/doc/exam-zh-doc.pdf"))
    cols = next(c for c in doc.chunks if "选项的最大列数" in c.text)
    assert cols.text.startswith("max-columns = ") and "choices/max-columns" in cols.text and "默认为 4" in cols.text
    assert "top-sep" not in cols.text
    sep = next(c for c in doc.chunks if "choices 环境上方弹性间距" in c.text)
    assert sep.text.startswith("top-sep = ") and "New: 2022-08-28" in sep.text
    # the lines a lead-in shows stay with it, signatures or not (lshort: 命令如下： / \mbox{…} / \makebox[⟨width⟩]…)
    ls = parse_pdf(need(TEXLIVE / "latex/lshort-chinese/lshort-zh-cn.pdf"))
    box = next(c for c in ls.chunks if "生成水平盒子的命令如下" in c.text)
    assert "\\makebox[" in box.text


def test_an_abstract_above_the_contents_on_a_title_page_is_indexed():
    # hanzibox's first page sets the title, an abstract (简介 …) and then the contents (目录, entries): the page is
    # mostly contents entries, but what stands above 目录 is the document's own text
    doc = parse_pdf(need(TEXLIVE / "xelatex/hanzibox/hanzibox.pdf"))
    first = [c for c in doc.chunks if c.page == 1]
    assert any("\\writegrid三个命令" in c.text.replace(" ", "") for c in first)
    assert not any("目录" in c.text or "简要说明" in c.text for c in first)


def test_signatures_and_initial_values_in_any_face_begin_an_entry():
    # hanzibox sets a block of signatures, each with its initial value (初始值 = 4), then the description; the
    # layout reads some of them in a monospaced face and some not: the block and its description are one entry
    doc = parse_pdf(need(TEXLIVE / "xelatex/hanzibox/hanzibox.pdf"))
    block = next(c for c in doc.chunks if "basechar = " in c.text)
    assert "初始值 = 4" in block.text and "设置基字符" in block.text
    width = next(c for c in doc.chunks if "framelinewidth = " in c.text)
    assert "初始值 = 0.4pt" in width.text and "设置边框线宽" in width.text
