"""Parse a UN report's PDF-extracted text into citable chunks.

The extraction hard-wraps every line and puts a blank line after each. A line
that ends with a space closes a block (a paragraph, heading, table row); a line
without one runs on into the next. Page headers (``E/2020/54``,
``20-05862 10/27``) and URL lines interrupt paragraphs; footnote definitions
follow a ``__________________`` line at the foot of a page; footnote markers
are bare digits glued to the text (``政府的关系。1 集体``).

Output: summary paragraphs, numbered paragraphs, figures (图一…), boxed example
lists, annex table rows (via ``qa.ingest.tables``) and notes, each with its section
heading, page (where the page footers tell it) and resolved footnotes.

Does not read PDFs, and does not guess pages it cannot prove: a chunk on a
page that no footer pins down gets ``page=None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.ingest.document import Chunk, Footnote
from qa.errors import CorpusError
from qa.ingest.tables import parse_table
from qa.lang.text import join_lines, tidy

_URL = re.compile(r"^\s*https?://\S+\s*$")
_SYMBOL = re.compile(r"^\s*[A-Z]{1,4}(?:/[A-Z0-9.]+)+\s*$")  # E/2020/54
_FOOTER = re.compile(r"^\s*(?:(\d{1,3})/(\d{1,3})\s+\d{2}-\d{5}|\d{2}-\d{5}\s+(\d{1,3})/(\d{1,3}))\s*$")
_RULE = re.compile(r"^\s*_{5,}\s*$")
_FOOTDEF = re.compile(r"^\s*(\d{1,3})\s+(\S.*?)\s*$")
_PARA = re.compile(r"^\s*(\d{1,3})\.(?!\d)\s*")
_FIGURE = re.compile(r"^\s*图([一二三四五六七八九十]+)\s*$")
_TABLE = re.compile(r"^\s*表\s*(\d+)\s*$")
_BULLET = re.compile(r"^\s*[•·▪●]\s*")
_IBID = ("同上", "同上。")
_CN_NUM = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
_CLOSES_SENTENCE = tuple("。；！？：”」")


@dataclass
class _Line:
    text: str  # without the trailing newline
    closes: bool  # the PDF line ended with a space: it closes a block
    page_after: int | None = None  # set on the last line before a known footer


@dataclass
class _Block:
    lines: list[_Line] = field(default_factory=list)

    @property
    def first(self) -> str:
        return self.lines[0].text


def parse_report(text: str, doc: str) -> list[Chunk]:
    """Chunks of a UN report, in reading order.

    Raises ``CorpusError`` if the text has none of the report's structure.
    """
    lines, footnotes, pages = _scan(text)
    blocks = _blocks(lines)
    builder = _Builder(doc, footnotes)
    builder.run(blocks)
    chunks = builder.chunks
    if not any(c.kind == "paragraph" for c in chunks):
        raise CorpusError(f"{doc}: no numbered paragraphs found; is this a UN report?")
    return _assign_pages(chunks, builder.chunk_lines, pages)


def looks_like_report(text: str) -> bool:
    """True for text laid out like a UN report extraction (numbered paragraphs and footer lines)."""
    head = text[:200_000]
    paras = len(re.findall(r"(?m)^\s*\d{1,3}\.\s", head))
    marks = len(re.findall(r"(?m)^\s*(?:_{5,}|[A-Z]{1,4}/\d{4}/\d+)\s*$", head))
    return paras >= 3 and marks >= 1


# --- pass 1: lines, footnote definitions, page footers ----------------------


def _scan(text: str) -> tuple[list[_Line], dict[int, str], list[int]]:
    """Drop headers, footers, URLs and footnote blocks; keep what they tell.

    Returns content lines, footnote definitions (number -> printed text), and
    the page numbers of the footers met, in order.
    """
    raw = [ln for ln in text.splitlines() if ln != ""]
    lines: list[_Line] = []
    notes: dict[int, str] = {}
    pages: list[int] = []
    i = 0
    while i < len(raw):
        ln = raw[i]
        if _URL.match(ln) or _SYMBOL.match(ln):
            i += 1
            continue
        m = _FOOTER.match(ln)
        if m:
            page = int(m.group(1) or m.group(3))
            pages.append(page)
            for prev in reversed(lines):
                if prev.text.strip():
                    prev.page_after = page
                    break
            i += 1
            continue
        if _RULE.match(ln):
            i += 1
            expected = max(notes, default=0) + 1
            while i < len(raw):
                d = _FOOTDEF.match(raw[i])
                if d and int(d.group(1)) == expected:
                    notes[expected] = tidy(d.group(2))
                    expected += 1
                    i += 1
                elif _URL.match(raw[i]):
                    i += 1
                else:
                    break
            continue
        closes = ln.endswith((" ", "\u3000"))
        lines.append(_Line(ln.rstrip(), closes))
        i += 1
    return lines, notes, pages


def _blocks(lines: list[_Line]) -> list[_Block]:
    """Group lines into blocks: a block ends at a line that closes.

    Whitespace-only lines become empty blocks (they separate boxes).
    """
    blocks: list[_Block] = []
    current = _Block()
    for line in lines:
        if not line.text.strip():
            if current.lines and not current.lines[-1].closes:
                continue  # a gap inside a running paragraph (around a page footer)
            if current.lines:
                blocks.append(current)
                current = _Block()
            blocks.append(_Block([line]))
            continue
        # A numbered paragraph or figure always starts a new block.
        if current.lines and (_PARA.match(line.text) or _FIGURE.match(line.text)):
            blocks.append(current)
            current = _Block()
        current.lines.append(line)
        if line.closes:
            blocks.append(current)
            current = _Block()
    if current.lines:
        blocks.append(current)
    return blocks


# --- pass 2: blocks to chunks -----------------------------------------------


class _Builder:
    def __init__(self, doc: str, footnotes: dict[int, str]):
        self.doc = doc
        self.footnote_defs = footnotes
        self.sources = _resolve_sources(footnotes)
        self.next_marker = 1
        self.section: str | None = None
        self.next_para = 1
        self.chunks: list[Chunk] = []
        self.chunk_lines: list[list[_Line]] = []
        self.in_annex = False
        self.front: list[_Line] = []
        self.seen_summary = False
        self.counts: dict[str, int] = {}

    # helpers
    def _id(self, key: str) -> str:
        return f"{self.doc}#{key}"

    def _emit(self, kind: str, key: str, number: int | None, lines: list[_Line], text: str | None = None) -> None:
        if text is None:
            text, notes = self._clean(lines)
        else:
            notes = ()
        if not text:
            return
        self.chunks.append(Chunk(self._id(key), kind, number, self.section, None, text, notes, self.doc))
        self.chunk_lines.append(lines)

    def _next(self, kind: str) -> int:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return self.counts[kind]

    def _clean(self, lines: list[_Line]) -> tuple[str, tuple[Footnote, ...]]:
        """Join lines, cut footnote markers out, and attach their footnotes."""
        raw = "\n".join(ln.text for ln in lines)
        found: list[tuple[int, int]] = []  # (position in cleaned raw, number)
        pieces: list[str] = []
        pos = 0
        for m in _MARKER.finditer(raw):
            n = int(m.group(1))
            if n != self.next_marker or n not in self.footnote_defs:
                continue
            pieces.append(raw[pos:m.start(1)])
            found.append((sum(len(p) for p in pieces), n))
            pos = m.end()
            self.next_marker += 1
        pieces.append(raw[pos:])
        cleaned = "".join(pieces)
        # Re-join with offsets: clean text before each marker position.
        text = join_lines(cleaned.split("\n"))
        notes = []
        for at, n in found:
            before = join_lines(cleaned[:at].split("\n"))
            notes.append(Footnote(n, self.footnote_defs[n], self.sources[n], len(before)))
        return text, tuple(notes)

    # the state machine
    def run(self, blocks: list[_Block]) -> None:
        i = 0
        while i < len(blocks):
            b = blocks[i]
            first = b.first.strip()
            if not first:
                i += 1
                continue
            if not self.seen_summary:
                if first == "摘要":
                    self.seen_summary = True
                    if self.front:
                        self.section = "封面"
                        self._emit("cover", "front", None, self.front,
                                   "\n".join(tidy(ln.text) for ln in self.front if ln.text.strip()))
                    self.section = "摘要"
                else:
                    self.front.extend(b.lines)
                i += 1
                continue
            m = _PARA.match(b.first)
            if m and int(m.group(1)) == self.next_para:
                self.next_para += 1
                n = int(m.group(1))
                lines = [_Line(b.lines[0].text[m.end():], b.lines[0].closes, b.lines[0].page_after)] + b.lines[1:]
                self._emit("paragraph", f"p{n}", n, lines)
                i += 1
                continue
            fig = _FIGURE.match(b.first)
            if fig:
                i = self._figure(blocks, i, _cn_to_int(fig.group(1)))
                continue
            tab = _TABLE.match(b.first)
            if tab:
                i = self._table(blocks, i, int(tab.group(1)))
                continue
            if _is_heading(b) and i + 1 < len(blocks) and self._next_is_bullet(blocks, i + 1):
                i = self._box(blocks, i)
                continue
            if _is_heading(b):
                self.section = tidy(join_lines([ln.text for ln in b.lines]))
                if self.section == "附件":
                    self.in_annex = True
                i += 1
                continue
            kind = "note" if self.in_annex or self.next_para > 1 else "summary"
            if kind == "summary":
                self._emit("summary", f"s{self._next('summary')}", None, b.lines)
            else:
                self._emit("note", f"n{self._next('note')}", None, b.lines)
            i += 1

    @staticmethod
    def _next_is_bullet(blocks: list[_Block], i: int) -> bool:
        while i < len(blocks) and not blocks[i].first.strip():
            i += 1
        return i < len(blocks) and bool(_BULLET.match(blocks[i].first))

    def _figure(self, blocks: list[_Block], i: int, number: int) -> int:
        """A figure runs to its 资料来源 line (and a 注： line after it), or to the next paragraph or heading."""
        lines: list[_Line] = []
        title = blocks[i].lines
        i += 1
        seen_source = False
        while i < len(blocks):
            b = blocks[i]
            first = b.first
            if (para := _PARA.match(first)) and int(para.group(1)) == self.next_para:
                break
            if _FIGURE.match(first) or _TABLE.match(first):
                break
            if first.strip() and (first.startswith("  ") and not _BULLET.match(first)) and _is_heading(b):
                break
            if seen_source and not b.first.strip().startswith("注"):
                if b.first.strip():
                    break
            lines.extend(b.lines)
            if b.first.strip().startswith("资料来源"):
                seen_source = True
            i += 1
        body = [_join_figure_lines(g) for g in _line_groups(lines)]
        head = tidy(join_lines([ln.text for ln in title]))
        caption = body[0] if body else ""
        text = f"{head}：{caption}"
        rest = [t for t in body[1:] if t]
        if rest:
            text += "\n" + "\n".join(rest)
        self._emit("figure", f"fig{number}", number, title + lines, text)
        return i

    def _box(self, blocks: list[_Block], i: int) -> int:
        """A boxed list: a title line, then bullet items that may wrap over several lines."""
        title = tidy(join_lines([ln.text for ln in blocks[i].lines]))
        lines = list(blocks[i].lines)
        items: list[list[_Line]] = []
        i += 1
        while i < len(blocks):
            b = blocks[i]
            if not b.first.strip():
                if items and not self._next_is_bullet(blocks, i):
                    break
                i += 1
                continue
            if _BULLET.match(b.first):
                items.append([])
            elif not items:
                break
            for ln in b.lines:
                if _BULLET.match(ln.text) and items[-1]:
                    items.append([])
                items[-1].append(ln)
            lines.extend(b.lines)
            i += 1
        texts = []
        for item in items:
            t, _ = self._clean(item)
            texts.append("• " + _BULLET.sub("", t))
        after = self.chunks[-1].number if self.chunks and self.chunks[-1].kind == "paragraph" else None
        key = f"box{after}" if after else f"box{self._next('box')}"
        self._emit("box", key, after, lines, title + "\n" + "\n".join(texts))
        return i

    def _table(self, blocks: list[_Block], i: int, number: int) -> int:
        start = i
        i += 1
        body: list[str] = []
        all_lines = list(blocks[start].lines)
        while i < len(blocks):
            b = blocks[i]
            first = b.first
            if _TABLE.match(first):
                break
            if first.strip() and (not b.lines[0].closes or _is_prose(first)):
                break  # running prose: the note after the table
            body.extend(ln.text for ln in b.lines)
            all_lines.extend(b.lines)
            i += 1
        table = parse_table(number, body)
        for r, row in enumerate(table.rows, start=1):
            text = f"{row.describe(table)}\n原表行：{row.printed}"
            self.chunks.append(Chunk(self._id(f"t{number}r{r}"), "table", number, self.section, None,
                                     text, (), self.doc))
            self.chunk_lines.append(all_lines)
        return i


_MARKER = re.compile(
    r"(?<=[\u4e00-\u9fff。，；：”’）)])(\d{1,3})(?=[ \t]|\n|$)(?![ \t]*[个年名月日万亿%％人项国次岁])"
)


def _cn_to_int(s: str) -> int:
    """``"八" -> 8``, ``"十二" -> 12``."""
    if len(s) == 1 and s != "十":
        return _CN_NUM[s]
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + _CN_NUM[s[1]]
    if s.endswith("十"):
        return _CN_NUM[s[0]] * 10
    return _CN_NUM[s[0]] * 10 + _CN_NUM[s[-1]]


def _resolve_sources(defs: dict[int, str]) -> dict[int, str]:
    """``同上`` means the previous footnote's source.

    >>> _resolve_sources({1: "经社部 2019 年驻地协调员调查。", 2: "同上。"})
    {1: '经社部 2019 年驻地协调员调查', 2: '经社部 2019 年驻地协调员调查'}
    """
    out: dict[int, str] = {}
    previous = ""
    for n in sorted(defs):
        text = defs[n].strip()
        if text in _IBID and previous:
            out[n] = previous
        else:
            out[n] = text.rstrip("。.").strip()
        previous = out[n]
    return out


def _is_heading(b: _Block) -> bool:
    text = join_lines([ln.text for ln in b.lines])
    if not text or len(b.lines) > 2 or len(text) > 70:
        return False
    if _BULLET.match(text) or _PARA.match(b.first):
        return False
    return not text.endswith(_CLOSES_SENTENCE[:2] + ("，",)) and any("\u4e00" <= c <= "\u9fff" for c in text)


def _is_prose(line: str) -> bool:
    """A sentence of running text (the note after a table), not a row or header."""
    s = line.strip()
    return len(s) > 12 and ("，" in s or s.endswith("。")) and not _looks_tabular(s)


def _looks_tabular(line: str) -> bool:
    tokens = line.split()
    numeric = sum(1 for t in tokens if re.fullmatch(r"\(?[\d.,]+\)?|—|-", t))
    return numeric >= 2


def _join_figure_lines(lines: list[_Line]) -> str:
    """Chart labels stay on their own lines; wrapped sentences are joined."""
    out: list[list[str]] = []
    for ln in lines:
        if out and len(out[-1][-1].strip()) >= 12:
            out[-1].append(ln.text)
        else:
            out.append([ln.text])
    return "\n".join(tidy(join_lines(g)) for g in out)


def _line_groups(lines: list[_Line]) -> list[list[_Line]]:
    groups: list[list[_Line]] = [[]]
    for ln in lines:
        if not ln.text.strip():
            continue
        groups[-1].append(ln)
        if ln.closes:
            groups.append([])
    return [g for g in groups if g]


# --- pages ---------------------------------------------------------------------


def _assign_pages(chunks: list[Chunk], chunk_lines: list[list[_Line]], pages: list[int]) -> list[Chunk]:
    """Pin pages where a page footer proves them; leave the rest ``None``.

    The extraction keeps only some footers (``5/27 20-05862``), and a page
    break that falls between paragraphs leaves no trace, so counting breaks
    would guess. What a footer proves: the chunk running into it starts on
    that page, and the first chunk after it starts on the next one.
    """
    out = list(chunks)
    after_footer: int | None = None
    for ci, lines in enumerate(chunk_lines):
        page = None
        if after_footer is not None:
            page, after_footer = after_footer, None
        for ln in lines:
            if ln.page_after is not None:
                if page is None:
                    page = ln.page_after
                after_footer = ln.page_after + 1
        if ci and chunk_lines[ci - 1] is lines:
            page = out[ci - 1].page  # table rows share their table's lines
            after_footer = None
        c = out[ci]
        out[ci] = Chunk(c.id, c.kind, c.number, c.section, page, c.text, c.footnotes, c.doc)
    return out
