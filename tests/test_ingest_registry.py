"""The parser registry: choosing a parser by content, refusing bad files in one line, reading many files."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.errors import (CorpusError, CorruptFile, EmptyFile, FileTooLarge, UndecodableText, UnreadableFile,
                       UnsupportedFormat)
from qa.ingest.registry import PARSERS, choose_parser, parse_file, parse_many
from qa.ingest.report import parse_report

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "corpus" / "E-2020-54.zh.txt"
HTML = "<!DOCTYPE html><html><head><title>网页标题</title></head><body><h1>第一章</h1><p>驻地协调员。</p></body></html>"
HAVE_PDF_PARSER = importlib.util.find_spec("qa.ingest.pdf") is not None


def _docx_bytes() -> bytes:
    d = docx.Document()
    d.add_heading("供资", 1)
    d.add_paragraph("驻地协调员系统的收入。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _pdf_bytes() -> bytes:
    """A one-page PDF with Chinese text in reportlab's built-in STSong-Light (no font file needed)."""
    pytest.importorskip("reportlab", reason="reportlab not installed: the PDF sniffing case needs it to make a PDF")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 14)
    c.drawString(72, 720, "驻地协调员系统的供资情况。")
    c.showPage()
    c.save()
    return buf.getvalue()


def assert_one_line(error: CorpusError, path: Path, says: str) -> None:
    message = str(error)
    assert message.startswith(f"{path}: "), message  # names the file first
    assert "\n" not in message and says in message, message
    assert error.exit_code == 3


# --- the content decides, the suffix only breaks ties -------------------------------------------------

def test_html_named_pdf_is_read_as_html_with_a_warning(tmp_path):
    f = tmp_path / "网页.pdf"
    f.write_text(HTML, encoding="utf-8")
    doc = parse_file(f)
    assert (doc.parser, doc.title, doc.file) == ("html", "网页标题", "网页.pdf")
    assert doc.warnings == ("named .pdf but the content is HTML; read as HTML",)
    assert [c.text for c in doc.chunks] == ["驻地协调员。"]


def test_docx_named_txt_is_read_as_docx(tmp_path):
    f = tmp_path / "说明.txt"
    f.write_bytes(_docx_bytes())
    doc = parse_file(f)
    assert doc.parser == "docx" and doc.chunks[0].heading_path == ("供资",)
    assert doc.warnings == ("named .txt but the content is Word .docx; read as Word .docx",)


def test_pdf_named_html_goes_to_the_pdf_parser(tmp_path):
    f = tmp_path / "报告.html"
    f.write_bytes(_pdf_bytes())
    assert choose_parser(f, f.read_bytes()[:1024]).name == "pdf"
    if HAVE_PDF_PARSER:
        assert parse_file(f).parser == "pdf"
    else:  # the PDF parser is written separately; without it, a clean refusal
        with pytest.raises(UnsupportedFormat) as e:
            parse_file(f)
        assert_one_line(e.value, f, "is a PDF, but this installation has no PDF parser")


def test_suffix_breaks_ties_between_text_formats(tmp_path):
    text = REPORT.read_bytes()
    as_md = tmp_path / "E-2020-54.md"
    as_md.write_bytes(text)
    assert choose_parser(Path("E-2020-54.zh.txt"), text[:262144]).name == "un-report"
    assert choose_parser(as_md, text[:262144]).name == "markdown"  # as qa.corpus always read a .md
    assert choose_parser(Path("c.jsonl"), b'{"_id": "1", "text": "x"}').name == "beir"
    assert choose_parser(Path("c.txt"), b'{"_id": "1", "text": "x"}').name == "text"
    assert choose_parser(Path("notes"), "驻地协调员".encode()).name == "text"
    assert [p.name for p in PARSERS] == ["pdf", "docx", "html", "beir", "un-report", "markdown", "text"]


# --- refusals: one line, the file named first, exit 3 -------------------------------------------------

def _png(f: Path) -> None:
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def _xlsx(f: Path) -> None:
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")


def _elf(f: Path) -> None:
    f.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)


def _gbk(f: Path) -> None:
    f.write_bytes("驻地协调员办公室现在有五个核心职位。".encode("gbk"))


def _dangling(f: Path) -> None:
    f.symlink_to(f.parent / "gone.txt")


REFUSALS = [
    ("zero bytes", "a.txt", lambda f: f.write_bytes(b""), EmptyFile, "file is empty (0 bytes)"),
    ("blank", "a.md", lambda f: f.write_bytes(b" \n\n\t"), EmptyFile, "file is empty"),
    ("image named .pdf", "scan.pdf", _png, UnsupportedFormat, "an image"),
    ("spreadsheet named .docx", "表.docx", _xlsx, UnsupportedFormat, "a zip archive without word/ parts"),
    ("unknown binary", "prog.txt", _elf, UnsupportedFormat, "binary content, not a format qa reads"),
    ("GBK text", "旧.txt", _gbk, UndecodableText, "not UTF-8 (bad byte at offset 2); convert it with iconv -t UTF-8"),
    ("broken link", "link.md", _dangling, UnreadableFile, "a broken link"),
    ("truncated docx", "坏.docx", lambda f: f.write_bytes(_docx_bytes()[:3000]), CorruptFile, "save it again"),
]


@pytest.mark.parametrize("name, make, error, says", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_bad_files_are_refused_in_one_line(tmp_path, name, make, error, says):
    f = tmp_path / name
    make(f)
    with pytest.raises(error) as e:
        parse_file(f)
    assert_one_line(e.value, f, says)


def test_over_the_size_limit(tmp_path, monkeypatch):
    f = tmp_path / "大.txt"
    f.write_text("驻地协调员。" * 200, encoding="utf-8")  # 3 600 bytes
    monkeypatch.setenv("QA_MAX_FILE_MB", "0.001")  # 1 048 bytes
    with pytest.raises(FileTooLarge) as e:
        parse_file(f)
    assert_one_line(e.value, f, "is over the 0.0 MB limit; split the file, or raise QA_MAX_FILE_MB")
    monkeypatch.setenv("QA_MAX_FILE_MB", "lots")
    with pytest.raises(CorpusError, match="QA_MAX_FILE_MB='lots': not a number"):
        parse_file(f)
    monkeypatch.delenv("QA_MAX_FILE_MB")
    assert parse_file(f).parser == "text"


# --- many files: the bad ones are reported, the good ones read --------------------------------------

def test_parse_many_reads_the_good_and_reports_the_bad(tmp_path):
    folder = tmp_path / "资料"
    (folder / "子目录").mkdir(parents=True)
    (folder / "a.md").write_text("# 标题甲\n\n正文甲。\n", encoding="utf-8")
    (folder / "b.html").write_text(HTML, encoding="utf-8")
    (folder / "c.docx").write_bytes(_docx_bytes())
    (folder / "子目录" / "d.txt").write_text("正文丁。\n", encoding="utf-8")
    (folder / ".hidden.txt").write_text("不读。\n", encoding="utf-8")  # hidden: skipped
    (folder / "e.chunks.jsonl").write_text("{}\n", encoding="utf-8")  # written by qa chunks: skipped
    (folder / "empty.txt").write_bytes(b"")
    _gbk(folder / "gbk.txt")
    _dangling(folder / "link.txt")
    _png(folder / "photo.png")
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.md").write_text("正文戊。\n", encoding="utf-8")
    (other / "y.md").write_text("正文己。\n", encoding="utf-8")

    docs, failures = parse_many([folder, str(other / "*.md"), other / "x.md", tmp_path / "missing.pdf"])
    assert [d.file for d in docs] == ["a.md", "b.html", "c.docx", "d.txt", "x.md", "y.md"]  # x.md once
    assert [d.title for d in docs][:3] == ["标题甲", "网页标题", "供资"]
    bad = {f.path.name: f.message for f in failures}
    assert set(bad) == {"empty.txt", "gbk.txt", "link.txt", "photo.png", "missing.pdf"}
    for f in failures:
        assert f.message.startswith(f"{f.path}: ") and "\n" not in f.message and f.exit_code == 3
    assert "no such file or folder" in bad["missing.pdf"] and "broken link" in bad["link.txt"]


def test_parse_many_glob_without_match_and_empty_folder(tmp_path):
    (tmp_path / "空").mkdir()
    docs, failures = parse_many([str(tmp_path / "*.pdf"), tmp_path / "空"])
    assert docs == []
    assert ["no file matches this pattern" in failures[0].message, "no files in this folder" in failures[1].message] \
        == [True, True]


# --- the UN report through the registry --------------------------------------------------------------

def test_report_through_the_registry_is_unchanged():
    doc = parse_file(Path("corpus/E-2020-54.zh.txt") if Path("corpus/E-2020-54.zh.txt").exists() else REPORT)
    data = REPORT.read_bytes()
    assert (doc.parser, doc.lexicon, doc.language, doc.name) == ("un-report", "un", "zh-Hans", "E-2020-54")
    assert doc.id == hashlib.sha256(data).hexdigest()[:16]
    assert doc.title == "联合国可持续发展集团主席的报告" and doc.pages == () and doc.warnings == ()
    direct = parse_report(data.decode("utf-8"), "E-2020-54")  # the parser called as before the registry
    assert [c.to_json() for c in doc.chunks] == [c.to_json() for c in direct]
    kinds = [c.kind for c in doc.chunks]
    assert kinds.count("paragraph") == 91 and kinds.count("table") == 27
    assert sum(len(c.footnotes) for c in doc.chunks) == 22
    assert all(f.source for c in doc.chunks for f in c.footnotes)


# --- what every document says about itself -----------------------------------------------------------

@pytest.mark.parametrize("name, text, language", [
    ("简.txt", "驻地协调员系统的供资情况和发展协调办公室。", "zh-Hans"),
    ("繁.txt", "駐地協調員系統的供資情況和發展協調辦公室。", "zh-Hant"),
    ("en.txt", "The resident coordinator system and the Development Coordination Office, 2019.", "en"),
])
def test_language(tmp_path, name, text, language):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    assert parse_file(f).language == language


def test_lexicon_only_for_un_documents(tmp_path):
    un = tmp_path / "un.md"
    un.write_text("# A/RES/72/279\n\n联合国大会决议：重新定位联合国发展系统。\n", encoding="utf-8")
    other = tmp_path / "other.md"
    other.write_text("# 第 2 章 Debian 软件包管理\n\n2.1 软件包配置。\n", encoding="utf-8")
    assert parse_file(un).lexicon == "un" and parse_file(other).lexicon is None


def test_markdown_and_beir_through_the_registry(tmp_path):
    md = tmp_path / "笔记.md"
    md.write_text("# 供资\n\n## 来源\n\n表 2 收入（%）\n\n| 来源 | 比例 |\n|---|---|\n| 会员国 | 60 |\n",
                  encoding="utf-8")
    doc = parse_file(md)
    assert (doc.parser, doc.title) == ("markdown", "供资")
    row = doc.chunks[-1]
    assert (row.kind, row.table.table, row.table.unit, row.heading_path) == ("table", "2", "%", ("供资", "来源"))
    assert dict(zip(row.table.headers, row.table.cells)) == {"来源": "会员国", "比例": "60"}
    beir = tmp_path / "corpus.jsonl"
    beir.write_text('{"_id": "a1", "title": "T", "text": "第一段"}\n', encoding="utf-8")
    doc = parse_file(beir)
    assert (doc.parser, doc.name, [c.id for c in doc.chunks]) == ("beir", "corpus", ["a1"])


# --- any bytes: a Document or a one-line CorpusError ------------------------------------------------

PREFIXES = [b"", b"<!DOCTYPE html><html><body>", b"PK\x03\x04word/", b"# \xe6\xa0\x87\xe9\xa2\x98\n\n", b'{"_id": "1"',
            b"<table><tr><td>"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=300),
       suffix=st.sampled_from([".html", ".docx", ".md", ".txt", ".jsonl", ""]))
def test_any_bytes_give_a_document_or_one_line_error(tmp_path, prefix, body, suffix):
    f = tmp_path / f"x{suffix}"
    f.write_bytes(prefix + body)
    try:
        doc = parse_file(f)
    except CorpusError as e:
        assert str(e).startswith(f"{f}") and "\n" not in str(e), str(e)
        return
    assert doc.id == hashlib.sha256(prefix + body).hexdigest()[:16]
    for c in doc.chunks:
        assert c.text.strip() and c.id, c


def test_a_file_without_text_is_read_with_a_warning(tmp_path):
    f = tmp_path / "只有标题.md"
    f.write_text("# 只有标题\n", encoding="utf-8")
    doc = parse_file(f)
    assert doc.chunks == () and doc.warnings == ("no text found in it",) and doc.title == "只有标题"


def test_unreadable_file_and_pipe(tmp_path, monkeypatch):
    """Tests run as root, where chmod 000 still reads: the permission error is simulated."""
    locked = tmp_path / "锁.md"
    locked.write_text("正文。\n", encoding="utf-8")
    real_open = Path.open

    def refuse(self, *args, **kwargs):
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(UnreadableFile) as e:
        parse_file(locked)
    assert_one_line(e.value, locked, "cannot read (permission denied); make it readable")
    pipe = tmp_path / "管道.txt"
    os.mkfifo(pipe)
    with pytest.raises(UnreadableFile) as e:
        parse_file(pipe)
    assert_one_line(e.value, pipe, "not a regular file")
    docs, failures = parse_many([tmp_path])
    assert docs == [] and sorted(f.path.name for f in failures) == ["管道.txt", "锁.md"]
