"""Plain text and Markdown into chunks: one chunk per blank-line block, ``#`` headings as the path.

Plain text (``.txt``): a chunk per blank-line-separated block, hard-wrapped lines
joined without spaces between Chinese characters; a ``#`` line sets the section, as
it always has. Markdown (``.md``) reads the same way and also turns pipe tables
(``| 构成部分 | 2020 年 |`` with a ``|---|---|`` line under the header) into one
chunk per row (``qa.ingest.rows``). Ids are ``{doc}#{n}`` for blocks (numbered in
order) and ``{doc}#t{table}r{row}`` for table rows.

>>> [(c.heading_path, c.text) for c in parse_markdown("# 第一章\\n\\n## 第一节\\n\\n驻地\\n协调员。", "d")]
[(('第一章', '第一节'), '驻地协调员。')]

Does not render Markdown: emphasis, links and code marks stay as written; no
nested lists or HTML blocks are interpreted.
"""

from __future__ import annotations

import re
from pathlib import Path

from qa.ingest.decode import decode_text
from qa.ingest.describe import new_document, short_name
from qa.ingest.document import Chunk, Document
from qa.ingest.rows import looks_like_caption, table_chunks
from qa.lang.text import join_lines

_HEADING = re.compile(r"^\s*(#{1,6})\s+(.*\S)\s*$")
_RULE_ROW = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")


def parse_plain(text: str, doc: str) -> list[Chunk]:
    """Plain text or markdown: a chunk per blank-line-separated block; ``#`` headings set the section.

    >>> [c.text for c in parse_plain("# 标题\\n\\n第一段。\\n\\n第二段\\n续。", "d")]
    ['第一段。', '第二段续。']
    """
    return _parse(text, doc, tables=False)


def parse_markdown(text: str, doc: str) -> list[Chunk]:
    """Like ``parse_plain``, and pipe tables become one chunk per row.

    >>> md = "表 1 收入（万元）\\n\\n| 年份 | 收入 |\\n|---|---|\\n| 2020 | 12 |"
    >>> [c.text for c in parse_markdown(md, "d")]
    ['表 1 收入（万元）', '表 1 收入（万元） · 2020 · 收入：12']
    """
    return _parse(text, doc, tables=True)


def parse_text_file(path: Path, data: bytes, name: str | None = None) -> Document:
    """A plain-text file as a ``Document`` (parser ``"text"``; title: the first ``#`` heading, else the stem)."""
    text = decode_text(path, data)
    chunks = parse_plain(text, name or short_name(path))
    return new_document(data=data, path=path, name=name, title=first_heading(text), parser="text", chunks=chunks)


def parse_markdown_file(path: Path, data: bytes, name: str | None = None) -> Document:
    """A Markdown file as a ``Document`` (parser ``"markdown"``; title: the first ``#`` heading, else the stem)."""
    text = decode_text(path, data)
    chunks = parse_markdown(text, name or short_name(path))
    return new_document(data=data, path=path, name=name, title=first_heading(text), parser="markdown",
                        chunks=chunks)


def first_heading(text: str) -> str | None:
    """The text of the first ``#`` heading (any level), or None.

    >>> first_heading("前言\\n\\n## 驻地协调员\\n\\n# 其他")
    '驻地协调员'
    """
    for line in text.split("\n"):
        m = _HEADING.match(line)
        if m:
            return m.group(2).strip("# ").strip() or None
    return None


def _parse(text: str, doc: str, *, tables: bool) -> list[Chunk]:
    chunks: list[Chunk] = []
    path: list[tuple[int, str]] = []  # (level, heading), outermost first
    blocks = 0
    table_count = 0
    caption: str | None = None  # the block just before a table, when it names one (表 1 …)
    body: list[str] = []  # lines of the block being gathered

    def flush() -> None:
        nonlocal blocks, caption
        if body:
            blocks += 1
            chunk = _plain_chunk(doc, blocks, tuple(h for _, h in path), body)
            chunks.append(chunk)
            caption = chunk.text if looks_like_caption(chunk.text) else None
            body.clear()

    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        i = 0
        while i < len(lines):
            ln = lines[i]
            m = _HEADING.match(ln)
            if m:
                flush()
                level = len(m.group(1))
                path[:] = [(lv, h) for lv, h in path if lv < level] + [(level, m.group(2))]
                caption = None
                i += 1
                continue
            if tables and _PIPE_ROW.match(ln) and i + 1 < len(lines) and _RULE_ROW.match(lines[i + 1]):
                flush()
                end = i + 2
                while end < len(lines) and _PIPE_ROW.match(lines[end]):
                    end += 1
                table_count += 1
                headers = _cells(ln)
                rows = [_cells(r) for r in lines[i + 2:end]]
                chunks.extend(table_chunks(doc, table_count, caption, headers, rows, tuple(h for _, h in path)))
                caption = None
                i = end
                continue
            body.append(ln)
            i += 1
        flush()
    return chunks


def _cells(line: str) -> list[str]:
    """``| a | b |`` -> ``["a", "b"]`` (an escaped ``\\|`` stays in its cell)."""
    inner = line.strip().removeprefix("|")
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [join_lines([c.replace("\\|", "|")]) for c in re.split(r"(?<!\\)\|", inner)]


def _plain_chunk(doc: str, n: int, heading_path: tuple[str, ...], lines: list[str]) -> Chunk:
    section = heading_path[-1] if heading_path else None
    return Chunk(f"{doc}#{n}", "paragraph", n, section, None, join_lines(lines), (), doc, heading_path=heading_path)
