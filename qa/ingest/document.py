"""The document contract: what every parser produces and every later stage reads.

A ``Document`` is one file of the library (a PDF, a Word file, a web page, a text
dump of a UN report, a BEIR corpus) made of ``Chunk`` objects, the unit that is
retrieved and cited: the cover, one paragraph, one figure, one boxed list, one table
row, or one note. Structure travels as fields (page, heading path, table cells,
footnote sources), never as text that a later stage parses again.

This module only defines the shapes and their JSON form; parsers live beside it in
``qa.ingest`` (one module per format, chosen by ``qa.ingest.registry``).

Invariants every parser keeps (tests check them on every format):

- ``Chunk.id`` is unique within the library and stable across rebuilds: ``"{doc}#{key}"``
  with ``doc`` the document's short name (``"E-2020-54#p23"``, ``"lshort-zh-cn#p12.3"``).
- ``Chunk.page`` is the physical page, counted from 1, exact; ``None`` only for formats
  that have no pages (DOCX, HTML, Markdown, plain text, BEIR) or for a chunk whose page
  the source does not prove (the UN text dump between page footers).
- ``Chunk.span`` is ``(start, end)`` into the page's extracted text (``Page.text``), so
  that the page image can highlight exactly the cited characters; ``None`` without pages.
- ``Chunk.text`` is clean: no running headers/footers, no footnote markers, no hard wraps,
  no space between two Chinese characters that the source did not have.
"""

from __future__ import annotations

import re

from dataclasses import asdict, dataclass, field

# The re-ranker one-hot encodes these (qa.search.rerank): a new kind changes the model's inputs.
KINDS = ("cover", "summary", "paragraph", "figure", "box", "table", "note")


@dataclass(frozen=True)
class Footnote:
    """A footnote whose marker sat in the chunk's text.

    ``text`` is as printed (``同上。``); ``source`` is resolved to the earlier
    footnote's source and has no trailing full stop (``经社部 2019 年驻地协调员调查``).
    ``offset`` is where the marker stood in the chunk's clean text.
    """

    number: int
    text: str
    source: str
    offset: int = 0


@dataclass(frozen=True)
class TableRow:
    """One row of a table, as fields: ``cells[i]`` sits under ``headers[i]``.

    >>> r = TableRow(table="2", label="共计", headers=("2020 年", "2021 年估计数"), cells=("1.0", "2.0"), unit="千美元")
    >>> dict(zip(r.headers, r.cells))["2021 年估计数"]
    '2.0'
    """

    table: str | None  # the table's number or caption ("2", "表 3"), None when unnumbered
    label: str  # the row's label (first column), "" when the row has none
    headers: tuple[str, ...]  # column headers, one per cell ("" when the table has no header row)
    cells: tuple[str, ...]
    unit: str | None = None  # "千美元", "%", … when the table states one


# a LaTeX package manual made from its .dtx prints the package's source after the user guide, under a heading such
# as 第 14 节 代码实现, 第 3 节 zhnumber 宏包代码实现 or Implementation, and an index of its macros (代码索引)
_SOURCE = re.compile(r"代码实现$|^(?:\d{1,2}\s+)?Implementation$|^代码索引$", re.IGNORECASE)
# a heading over the works a document cites (5 参考文献, References): its entries name works, not facts of the text
_BIBLIOGRAPHY = re.compile(r"(?:^|[\s.、])(?:参考文献|参考资料|参考书目|引用文献|references|bibliography)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Chunk:
    id: str  # stable: "E-2020-54#p23", "E-2020-54#t1r4"
    kind: str  # one of KINDS
    number: int | None  # paragraph number, figure/table number, else None
    section: str | None  # nearest heading above the chunk (the last of heading_path)
    page: int | None  # physical page, from 1; None when the format has no pages
    text: str  # clean text: no headers, URLs, footnote markers or hard wraps
    footnotes: tuple[Footnote, ...] = field(default_factory=tuple)
    doc: str = ""  # the document's short name (the id's prefix before "#")
    heading_path: tuple[str, ...] = ()  # headings above the chunk, outermost first
    page_label: str | None = None  # the page number printed on the page ("iv", "12"), when known
    span: tuple[int, int] | None = None  # (start, end) in Page.text of ``page``
    table: TableRow | None = None  # set on kind "table"
    data_sources: tuple[str, ...] = ()  # sources stated outside footnotes (a figure's 资料来源 line)

    def to_json(self) -> dict:
        data = asdict(self)
        data["footnotes"] = [asdict(f) for f in self.footnotes]
        data["heading_path"] = list(self.heading_path)
        data["span"] = list(self.span) if self.span else None
        data["table"] = _table_json(self.table)
        data["data_sources"] = list(self.data_sources)
        del data["doc"]
        return data

    @classmethod
    def from_json(cls, data: dict, doc: str = "") -> "Chunk":
        notes = tuple(Footnote(**f) for f in data.get("footnotes") or ())
        table = data.get("table")
        span = data.get("span")
        return cls(
            id=data["id"],
            kind=data["kind"],
            number=data.get("number"),
            section=data.get("section"),
            page=data.get("page"),
            text=data["text"],
            footnotes=notes,
            doc=data.get("doc", doc),
            heading_path=tuple(data.get("heading_path") or ()),
            page_label=data.get("page_label"),
            span=(int(span[0]), int(span[1])) if span else None,
            table=TableRow(table.get("table"), table["label"], tuple(table["headers"]), tuple(table["cells"]),
                           table.get("unit")) if table else None,
            data_sources=tuple(data.get("data_sources") or ()),
        )

    def in_bibliography(self) -> bool:
        """Under a heading over the works cited (参考文献, References, at any level above it): an entry names a
        work (its authors, title, URL), and says nothing of what the document itself states.

        >>> Chunk("d#p18.3", "paragraph", None, "5.4 其他", 18, "[9] 某某. 论文规范 [EB/OL].", doc="d",
        ...       heading_path=("第 5 节 参考文献", "5.4 其他")).in_bibliography()
        True
        """
        return self._under(_BIBLIOGRAPHY)

    def in_source(self) -> bool:
        """Under the heading of a package's source code (第 14 节 代码实现, Implementation, 代码索引): the code and the
        developer's notes, which the user guide before them explains.

        >>> Chunk("d#p40.1", "paragraph", None, "14.1 宏包选项", 40, "\\ctex_file_input:n", doc="d",
        ...       heading_path=("第 14 节 代码实现", "14.1 宏包选项")).in_source()
        True
        """
        return self._under(_SOURCE)

    def _under(self, heading: re.Pattern[str]) -> bool:
        """Whether a heading above the chunk, at any level, matches ``heading``."""
        return any(heading.search(h.strip()) for h in self.heading_path)

    def printed(self) -> str:
        """The text with its footnote markers back where the report printed them ("…2.76 亿美元，22")."""
        text = self.text
        for note in sorted(self.footnotes, key=lambda f: f.offset, reverse=True):
            text = f"{text[:note.offset]}{note.number}{text[note.offset:]}"
        return text

    def sources(self) -> list[tuple[int | None, str]]:
        """The data sources behind the chunk's statistics, in order, deduplicated.

        Footnotes give ``(number, source)``; a source stated in the text (a figure's
        ``资料来源：…`` line, kept in ``data_sources`` by the parser) gives ``(None, source)``.
        """
        seen: set[str] = set()
        out: list[tuple[int | None, str]] = []
        for note in self.footnotes:
            if note.source not in seen:
                seen.add(note.source)
                out.append((note.number, note.source))
        for src in self.data_sources or _stated_sources(self.text):
            if src and src not in seen:
                seen.add(src)
                out.append((None, src))
        return out


def _stated_sources(text: str) -> tuple[str, ...]:
    """A ``资料来源：…`` line's source, for chunks made before parsers filled ``data_sources``.

    >>> _stated_sources("图一 …。资料来源：经社部调查。")
    ('经社部调查',)
    """
    marker = "资料来源："
    at = text.find(marker)
    if at < 0:
        return ()
    src = text[at + len(marker):].split("。")[0].strip()
    return (src,) if src else ()


def _table_json(row: TableRow | None) -> dict | None:
    if row is None:
        return None
    return {"table": row.table, "label": row.label, "headers": list(row.headers), "cells": list(row.cells),
            "unit": row.unit}


@dataclass(frozen=True)
class Page:
    """One physical page: its number from 1, the printed label if the file has one, its text."""

    number: int
    label: str | None
    text: str  # the page's text as the parser extracted it: what ``Chunk.span`` indexes
    has_text_layer: bool = True  # False for a scanned page with no text (reported, not indexed)


@dataclass(frozen=True)
class Document:
    """One file of the library, parsed.

    ``id`` is the first 16 hex digits of the SHA-256 of the file's bytes: the same
    content added twice is the same document. ``name`` is the short, human name that
    prefixes chunk ids (the file's stem, made unique in a library).
    """

    id: str
    name: str
    title: str
    file: str  # the file's name as added ("lshort-zh-cn.pdf")
    parser: str  # the registry name of the parser that read it: "pdf", "docx", "html", "markdown", "text", …
    chunks: tuple[Chunk, ...]
    pages: tuple[Page, ...] = ()  # empty when the format has no pages
    language: str = "zh-Hans"  # "zh-Hans", "zh-Hant", "en", …
    lexicon: str | None = None  # the domain lexicon chosen for it ("un"), None for none
    warnings: tuple[str, ...] = ()  # what the parser could not do ("page 3: no text layer (a scan?)")

    @property
    def page_count(self) -> int | None:
        return len(self.pages) or None

    def summary(self) -> dict:
        """What ``qa list --json`` shows of a document (no chunks)."""
        return {"id": self.id, "name": self.name, "title": self.title, "file": self.file, "parser": self.parser,
                "pages": self.page_count, "chunks": len(self.chunks), "language": self.language,
                "lexicon": self.lexicon, "warnings": list(self.warnings)}
