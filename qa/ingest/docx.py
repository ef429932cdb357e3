"""A Word file (.docx) into chunks: paragraphs and list items under their heading path, tables as rows.

The body is read in order with python-docx. A paragraph whose style is a heading
(``Heading 1`` / ``标题 1`` …, or any style or paragraph with an outline level) sets
the heading path and is not a chunk itself; the ``Title`` style gives the title. Text is tidied as every format's is
(``qa.lang.text.join_lines``): no space between two Chinese characters, even a typed
one (Chinese typography has none, and it would split the lexical index's bigrams). Every other non-empty paragraph or list item is one ``kind="paragraph"`` chunk numbered in
order (``{doc}#p{n}``, ``number=n``): a DOCX has no pages, so a citation names the
heading and the paragraph number (``page=None``, ``span=None``). A table is one
``kind="table"`` chunk per body row (``{doc}#t{k}r{r}``): the first row gives the
headers, the first cell the row label, a ``表 N …`` caption just above the table the
title and, with the header, the unit (``qa.ingest.rows``). Footnotes are read from the
file's footnotes part and attached to the paragraph whose text carries their marker
(``Footnote.offset`` into the clean text; ``同上`` resolved to the earlier source).

>>> import io, docx as _docx
>>> d = _docx.Document(); _ = d.add_heading("第一章 总览", 1); _ = d.add_paragraph("驻地协调员\\n系统 2019。")
>>> buf = io.BytesIO(); d.save(buf)
>>> [(c.heading_path, c.text) for c in parse_docx(Path("a.docx"), buf.getvalue()).chunks]
[(('第一章总览',), '驻地协调员系统 2019。')]

Does not read text boxes, headers and footers, comments, tracked deletions or
embedded objects, and does not number list items as Word displays them.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from qa.errors import CorruptFile
from qa.ingest.describe import new_document, short_name
from qa.ingest.document import Chunk, Document, Footnote
from qa.ingest.rows import looks_like_caption, table_chunks
from qa.lang.text import join_lines

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLES = ("title", "标题")
_CAPTION_STYLES = ("caption", "题注")
_MARK = "\ue000"  # stands for a footnote marker while the text is cleaned
_IBID = ("同上", "同上。", "Ibid.", "Ibid")
_RT_FOOTNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"


def parse_docx(path: Path, data: bytes, name: str | None = None) -> Document:
    """A .docx file as a ``Document`` (parser ``"docx"``).

    Title: the core properties' title, else the first ``Title``-style paragraph, else
    the first heading, else the file's stem. A damaged file raises ``CorruptFile``.
    """
    import docx  # python-docx takes about 0.2 s to import; only Word files need it
    from docx.opc.exceptions import PackageNotFoundError  # with python-docx above

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as e:
        raise CorruptFile(f"{path}: not a readable Word .docx ({type(e).__name__}: {_one_line(e)}); "
                          f"open it in Word or LibreOffice and save it again as .docx") from None
    doc = name or short_name(path)
    reader = _Reader(doc, _footnote_texts(document))
    for item in document.iter_inner_content():
        if item.__class__.__name__ == "Table":
            reader.table(item)
        else:
            reader.paragraph(item)
    core_title = (document.core_properties.title or "").strip()
    title = core_title or reader.title or reader.first_heading
    return new_document(data=data, path=path, name=name, title=title, parser="docx", chunks=reader.chunks)


class _Reader:
    def __init__(self, doc: str, footnotes: dict[str, str]):
        self.doc = doc
        self.notes = footnotes  # footnote id in the file -> its text
        self.chunks: list[Chunk] = []
        self.path: list[tuple[int, str]] = []
        self.paragraphs = 0
        self.tables = 0
        self.title: str | None = None
        self.first_heading: str | None = None
        self.caption: str | None = None  # a short 表 N / Caption paragraph just above a table
        self.note_count = 0
        self.last_source: str | None = None

    def paragraph(self, p) -> None:
        raw, refs = _paragraph_text(p)
        text, offsets = _clean_with_marks(raw)
        style = _style_names(p)
        if not text:
            return
        level = _heading_level(p, style)
        if style and style[0].strip().lower() in _TITLE_STYLES:  # "Title" (WPS may name it 标题)
            self.title = self.title or text
            return
        if level is not None:
            self.path = [(lv, h) for lv, h in self.path if lv < level] + [(level, text)]
            self.first_heading = self.first_heading or text
            self.caption = None
            return
        self.paragraphs += 1
        n = self.paragraphs
        path = tuple(h for _, h in self.path)
        notes = tuple(self._footnote(ref, at) for ref, at in zip(refs, offsets))
        self.chunks.append(Chunk(f"{self.doc}#p{n}", "paragraph", n, path[-1] if path else None, None, text, notes,
                                 self.doc, heading_path=path))
        styled = any(s.lower() in _CAPTION_STYLES for s in style) and len(text) <= 80
        self.caption = text if styled or looks_like_caption(text) else None

    def _footnote(self, ref: str, offset: int) -> Footnote:
        self.note_count += 1
        text = join_lines(self.notes.get(ref, "").split("\n"))
        source = self.last_source if text in _IBID and self.last_source else text.rstrip("。. ")
        self.last_source = source
        return Footnote(self.note_count, text, source, offset)

    def table(self, t) -> None:
        rows: list[list[str]] = []
        for r, row in enumerate(t.rows):
            cells, previous = [], None
            for cell in row.cells:
                same = previous is not None and cell._tc is previous
                previous = cell._tc
                text = join_lines(cell.text.split("\n"))
                cells.append("" if same and r > 0 else text)  # a merged cell: its text once in body rows
            rows.append(cells)
        rows = [r for r in rows if any(r)]
        if not rows:
            return
        headers, body = (rows[0], rows[1:]) if len(rows) > 1 else (None, rows)
        self.tables += 1
        path = tuple(h for _, h in self.path)
        self.chunks.extend(table_chunks(self.doc, self.tables, self.caption, headers, body, path))
        self.caption = None


def _style_names(p) -> list[str]:
    """The paragraph's style name and those it is based on, nearest first."""
    names: list[str] = []
    try:
        style = p.style
    except (KeyError, ValueError):
        return names
    while style is not None and len(names) < 10:
        names.append(style.name or "")
        style = style.base_style
    return names


def _heading_level(p, style_names: list[str]) -> int | None:
    """1–9 from a ``Heading N`` / ``标题 N`` style (or one it is based on) or an outline level, else None."""
    for name in style_names:
        m = _HEADING_STYLE.match(name.strip())
        if m:
            return int(m.group(1))
    level = _outline_level(p._p)
    if level is None:
        try:
            style = p.style
        except (KeyError, ValueError):
            style = None
        while style is not None and level is None:
            level = _outline_level(style.element)
            style = style.base_style
    return level


def _outline_level(element) -> int | None:
    ppr = element.find(f"{_W}pPr")
    node = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
    if node is None:
        return None
    try:
        value = int(node.get(f"{_W}val"))
    except (TypeError, ValueError):
        return None
    return value + 1 if 0 <= value <= 8 else None  # 9 is body text


def _paragraph_text(p) -> tuple[str, list[str]]:
    """The paragraph's text with ``_MARK`` where a footnote marker stands, and the markers' ids in order."""
    parts: list[str] = []
    refs: list[str] = []
    for node in p._p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}footnoteReference"):
        tag = node.tag[len(_W):]
        if tag == "t":
            parts.append(node.text or "")
        elif tag == "tab":
            parts.append(" ")
        elif tag in ("br", "cr"):
            parts.append("\n")
        else:
            parts.append(_MARK)
            refs.append(node.get(f"{_W}id") or "")
    return "".join(parts), refs


def _clean_with_marks(raw: str) -> tuple[str, list[int]]:
    """Join the lines and tidy the spaces, then take the marks out, keeping where each stood.

    >>> _clean_with_marks("供资 增加\ue000。\\n共计")
    ('供资增加。共计', [4])
    """
    text = join_lines(raw.split("\n"))
    offsets = []
    out: list[str] = []
    for ch in text:
        if ch == _MARK:
            offsets.append(len(out))
        else:
            out.append(ch)
    return "".join(out).strip(), offsets


def _footnote_texts(document) -> dict[str, str]:
    """Footnote id -> text, from the footnotes part if the file has one (python-docx does not read it)."""
    from lxml import etree  # lxml comes with python-docx; only footnotes of Word files need it

    for rel in document.part.rels.values():
        if rel.reltype != _RT_FOOTNOTES or rel.is_external:
            continue
        try:
            root = etree.fromstring(rel.target_part.blob)
        except etree.XMLSyntaxError:
            return {}
        notes = {}
        for note in root.iter(f"{_W}footnote"):
            paragraphs = ["".join(t.text or "" for t in para.iter(f"{_W}t")) for para in note.iter(f"{_W}p")]
            notes[note.get(f"{_W}id") or ""] = "\n".join(paragraphs).strip()
        return notes
    return {}


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())[:120] or "no detail"
