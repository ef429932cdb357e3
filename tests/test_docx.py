"""The DOCX parser on Word files made here with python-docx: headings, paragraphs, a table with a unit, footnotes."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from qa.errors import CorpusError, CorruptFile
from qa.ingest.docx import parse_docx
from qa.ingest.registry import parse_file

SPACE_BETWEEN_HAN = re.compile(r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff]")


def _report(core_title: str = "") -> bytes:
    d = docx.Document()
    d.core_properties.title = core_title
    d.add_paragraph("驻地协调员系统年度报告", style="Title")
    d.add_heading("第一章 供资", 1)
    d.add_paragraph("2019 年，驻地协调员系统的收入\n为 2.23 亿美元。")
    d.add_heading("第一节 来源", 2)
    d.add_paragraph("会员国的自愿捐款", style="List Bullet")
    d.add_paragraph("表 1 按来源分列的收入（千美元）", style="Caption")
    t = d.add_table(rows=3, cols=3)
    for r, row in enumerate([["来源", "2019 年", "2020 年"], ["会员国", "120 000.5", "130 000.0"],
                             ["共计", "223 000.0", "250 000.0"]]):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    cn = d.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)  # a Chinese Word's own name for Heading 2
    d.add_paragraph("第二节 用途", style=cn)
    d.add_paragraph("用于国家一级的协调。")
    d.add_heading("第二章 展望", 1)
    d.add_paragraph("今后的工作。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_headings_paragraphs_and_numbers(tmp_path):
    f = tmp_path / "年度报告.docx"
    f.write_bytes(_report())
    doc = parse_file(f)
    assert (doc.parser, doc.name, doc.title, doc.language, doc.pages) == ("docx", "年度报告", "驻地协调员系统年度报告",
                                                                          "zh-Hans", ())
    paras = [c for c in doc.chunks if c.kind == "paragraph"]
    assert [(c.id, c.number, c.heading_path) for c in paras] == [
        ("年度报告#p1", 1, ("第一章供资",)),
        ("年度报告#p2", 2, ("第一章供资", "第一节来源")),  # a list item
        ("年度报告#p3", 3, ("第一章供资", "第一节来源")),  # the caption stays readable text too
        ("年度报告#p4", 4, ("第一章供资", "第二节用途")),  # style named 标题 2
        ("年度报告#p5", 5, ("第二章展望",)),  # a level-1 heading closes both levels
    ]
    assert paras[0].text == "2019 年，驻地协调员系统的收入为 2.23 亿美元。"  # the line break joins, no space
    assert all(c.page is None and c.span is None for c in doc.chunks)
    for c in doc.chunks:
        assert not SPACE_BETWEEN_HAN.search(c.text), c.text


def test_table_rows_by_header_with_unit(tmp_path):
    doc = parse_docx(Path("年度报告.docx"), _report())
    rows = [c for c in doc.chunks if c.kind == "table"]
    assert [r.id for r in rows] == ["年度报告#t1r1", "年度报告#t1r2"]  # the header row is not a row
    total = rows[1]
    cells = dict(zip(total.table.headers, total.table.cells))
    assert cells == {"来源": "共计", "2019 年": "223 000.0", "2020 年": "250 000.0"}
    assert (total.table.table, total.table.label, total.table.unit) == ("1", "共计", "千美元")
    assert total.heading_path == ("第一章供资", "第一节来源") and total.number == 1
    assert total.text == "表 1 按来源分列的收入（千美元） · 共计 · 2019 年：223 000.0；2020 年：250 000.0"


def test_title_from_core_properties_then_first_heading():
    assert parse_docx(Path("a.docx"), _report("核心属性标题")).title == "核心属性标题"
    d = docx.Document()
    d.add_heading("只有标题一", 1)
    d.add_paragraph("正文。")
    buf = io.BytesIO()
    d.save(buf)
    assert parse_docx(Path("a.docx"), buf.getvalue()).title == "只有标题一"
    d = docx.Document()
    d.add_paragraph("正文。")
    buf = io.BytesIO()
    d.save(buf)
    assert parse_docx(Path("无题.docx"), buf.getvalue()).title == "无题"


def _with_footnotes() -> bytes:
    """A .docx with two footnotes (the second 同上), which python-docx cannot write: the part is added by hand."""
    d = docx.Document()
    d.add_heading("第一章", 1)
    p = d.add_paragraph("收入为 2.23 亿美元。")
    p2 = d.add_paragraph("驻地协调员")
    for para, ref in ((p, 1), (p2, 2)):
        para._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:footnoteReference w:id="{ref}"/></w:r>'))
    p2.add_run("负责协调。")
    buf = io.BytesIO()
    d.save(buf)
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    notes = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {w}>'
             '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
             '<w:footnote w:id="1"><w:p><w:r><w:t>经社部 2019 年驻地协调员调查。</w:t></w:r></w:p></w:footnote>'
             '<w:footnote w:id="2"><w:p><w:r><w:t>同上。</w:t></w:r></w:p></w:footnote></w:footnotes>')
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/word/footnotes.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>')
            if item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdFn" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/footnotes" '
                                    b'Target="footnotes.xml"/></Relationships>')
            z.writestr(item, data)
        z.writestr("word/footnotes.xml", notes)
    return out.getvalue()


def test_footnotes_attached_with_offsets_and_sources():
    doc = parse_docx(Path("注.docx"), _with_footnotes())
    p1, p2 = doc.chunks
    assert p1.text == "收入为 2.23 亿美元。" and p2.text == "驻地协调员负责协调。"
    (n1,), (n2,) = p1.footnotes, p2.footnotes
    assert (n1.number, n1.text, n1.source, n1.offset) == (1, "经社部 2019 年驻地协调员调查。", "经社部 2019 年驻地协调员调查",
                                                          len("收入为 2.23 亿美元。"))
    assert (n2.number, n2.text, n2.source, n2.offset) == (2, "同上。", "经社部 2019 年驻地协调员调查", len("驻地协调员"))
    assert p2.printed() == "驻地协调员2负责协调。"


@pytest.mark.parametrize("damage", ["truncated", "no document part"])
def test_damaged_docx_is_one_line_error(tmp_path, damage):
    data = _report()
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        src = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for item in src.infolist():
                if item.filename != "word/document.xml":
                    z.writestr(item, src.read(item.filename))
            z.writestr("word/notes.txt", "x")  # still looks like a Word zip
        data = out.getvalue()
    f = tmp_path / "坏.docx"
    f.write_bytes(data)
    with pytest.raises(CorpusError) as e:
        parse_file(f)
    assert isinstance(e.value, CorruptFile) and e.value.exit_code == 3
    assert str(e.value).startswith(f"{f}: ") and "\n" not in str(e.value)
    assert "save it again" in str(e.value)
