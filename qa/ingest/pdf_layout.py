"""Page layout for PDFs: glyphs with boxes in, lines and paragraphs out.

Pure functions over small dataclasses, with no PDF library in sight: ``qa.ingest.pdf``
reads the glyphs (pypdfium2, or pdfminer.six for scrambled pages) and hands them here.
Coordinates are PDF points with y growing upwards, as both libraries give them.

- ``group_lines`` cuts a stream of glyphs into lines (a new line when the glyph leaves
  the current line's baseline band, steps back, or hops more than 2.2 em to the right:
  a gutter between columns, a table cell).
- ``line_text`` decides spaces: none between the Chinese characters of a letter-spaced
  line (``中 文 标 题`` comes out as ``中文标题``) and none between Chinese characters
  set close; one where a heading leaves a wide gap (``第一章 总则``) and, between Latin
  words and numbers, where the file had a space or the gap is wider than 0.15 em.
- ``is_scrambled`` says whether lines in content-stream order jump around the page
  (shuffled content stream, columns drawn across) instead of reading down it.
- ``paragraphs`` groups lines by vertical gaps, indentation, short last lines and
  font size changes; ``join`` joins a paragraph's lines the way ``qa.lang.text.join_lines``
  does, keeping one box per character so a span can be highlighted.
- ``heading_level`` says whether a one-line paragraph is a heading (第一章, 1.2 …, or a
  larger font) and how deep.

Does not read files, find running headers (that needs all pages: ``qa.ingest.pdf``)
or handle vertical writing and rotated text (those glyphs are read as they come).

>>> spaced = [Glyph(c, 15 * i, 0, 15 * i + 10, 10, 10, space_before=i > 0) for i, c in enumerate("中文标题")]
>>> line_text(spaced)[0]
'中文标题'
>>> heading = [Glyph(c, 10 * i + (10 if i > 2 else 0), 0, 10 * i + 10 + (10 if i > 2 else 0), 10, 10)
...            for i, c in enumerate("第一章总则")]
>>> line_text(heading)[0]
'第一章 总则'
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass, field

from qa.lang.text import is_cjk as _is_cjk

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points, y up

_CJK_SEEN: dict[str, bool] = {}


def is_cjk(ch: str) -> bool:
    """``qa.lang.text.is_cjk``, remembered per character (it runs for every glyph of every page)."""
    known = _CJK_SEEN.get(ch)
    if known is None:
        known = _CJK_SEEN[ch] = _is_cjk(ch)
    return known


@dataclass(frozen=True)
class Glyph:
    """One character as drawn: its text, loose box, font size, and whether the file put a space before it."""

    ch: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    bold: bool = False
    space_before: bool = False
    mono: bool = False  # a Latin character in a monospaced (code) face


@dataclass
class Line:
    """One line of text: its characters with a box each (``None`` for a space the parser chose)."""

    text: str
    boxes: list[Box | None]
    x0: float
    y0: float
    x1: float
    y1: float
    size: float  # the median font size of its glyphs
    bold: bool = False
    base: float = 0.0  # the median bottom of its glyphs: a height that does not move with one deep glyph
    lead_bold: bool = False  # its first glyph is bold (a heading's number, 3.4.6, bold before a 黑体 title)
    mono: bool = False  # most of its glyphs are Latin characters in a monospaced face: a line of code

    @property
    def mid(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)


@dataclass
class Para:
    """Lines that read as one paragraph, in order."""

    lines: list[Line] = field(default_factory=list)

    @property
    def size(self) -> float:
        return statistics.median(line.size for line in self.lines)

    @property
    def mono(self) -> bool:
        """Every line is code (set in a monospaced face)."""
        return all(line.mono for line in self.lines)


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def group_lines(glyphs: list[Glyph]) -> list[Line]:
    """Cut glyphs (in the order given) into lines.

    >>> gs = [Glyph(c, 10 * i, 100, 10 * i + 10, 110, 10) for i, c in enumerate("第一行")]
    >>> gs += [Glyph(c, 10 * i, 85, 10 * i + 10, 95, 10) for i, c in enumerate("第二行")]
    >>> [line.text for line in group_lines(gs)]
    ['第一行', '第二行']
    """
    lines: list[Line] = []
    run: list[Glyph] = []
    y0 = y1 = 0.0  # the current line's band
    for g in glyphs:
        if run:
            last = run[-1]
            size = max(g.size, last.size)
            size = max(size, 1.0)
            overlap = (min(g.y1, y1)) - (max(g.y0, y0))
            same_band = overlap >= 0.5 * min(y1 - y0, g.y1 - g.y0, size)
            back = g.x0 < last.x0 - 0.5 * size  # a ligature's parts share one box: not a step back
            hop = g.x0 - last.x1 > 2.2 * size  # a gutter, a table cell, a tab stop
            if not same_band or back or hop:
                lines.append(make_line(run))
                run = []
        if run:
            y0 = min(y0, g.y0)
            y1 = max(y1, g.y1)
        else:
            y0, y1 = g.y0, g.y1
        run.append(g)
    if run:
        lines.append(make_line(run))
    return [line for line in lines if line.text.strip()]


def make_line(glyphs: list[Glyph]) -> Line:
    text, boxes = line_text(glyphs)
    n = len(glyphs)
    sizes = sorted(g.size for g in glyphs)
    bottoms = sorted(g.y0 for g in glyphs)
    bold = sum(g.bold for g in glyphs) * 2 > n
    return Line(text, boxes, min(g.x0 for g in glyphs), bottoms[0], max(g.x1 for g in glyphs),
                max(g.y1 for g in glyphs), sizes[n // 2], bold, bottoms[n // 2], glyphs[0].bold,
                sum(g.mono for g in glyphs) * 2 > n)


def line_text(glyphs: list[Glyph]) -> tuple[str, list[Box | None]]:
    """The line's text and one box per character, with the spaces decided here.

    Between a Latin letter or digit and anything: one space where the file had a space
    or the gap is wider than 0.15 em. Between two Chinese characters: none in a
    letter-spaced line (a space or gap between all its Chinese pairs, or between two or
    more and at least half of them: ``中 文 标 题``, ``目 录``); otherwise one only where
    the file had a space or left a gap of 0.8 em (``第一章 总则``, ``第 1 节 简介``).

    >>> gs = [Glyph("A", 0, 0, 5, 10, 10), Glyph("B", 9, 0, 14, 10, 10), Glyph("年", 14, 0, 24, 10, 10)]
    >>> line_text(gs)[0]
    'A B年'
    >>> line_text([Glyph(c, 15 * i, 0, 15 * i + 10, 10, 10, space_before=i > 0) for i, c in enumerate("目录")])[0]
    '目录'
    """
    pairs = []  # (gap, wide, both Chinese) between each glyph and the one before it
    for prev, g in itertools.pairwise(glyphs):
        gap = g.x0 - prev.x1
        size = max(prev.size, g.size, 1.0)
        pairs.append((gap / size, g.space_before or gap > 0.15 * size, is_cjk(prev.ch) and is_cjk(g.ch)))
    cjk_pairs = [p for p in pairs if p[2]]
    wide_cjk = sum(p[1] for p in cjk_pairs)
    spaced = wide_cjk == len(cjk_pairs) > 0 or wide_cjk >= 2 and wide_cjk * 2 >= len(cjk_pairs)
    chars: list[str] = [glyphs[0].ch] if glyphs else []
    boxes: list[Box | None] = [(glyphs[0].x0, glyphs[0].y0, glyphs[0].x1, glyphs[0].y1)] if glyphs else []
    for (gap, wide, cjk), g in zip(pairs, glyphs[1:]):
        if cjk:
            space = not spaced and gap >= 0.2 and (g.space_before or gap >= 0.8)
        else:
            space = wide
        if space:
            chars.append(" ")
            boxes.append(None)
        chars.append(g.ch)
        boxes.append((g.x0, g.y0, g.x1, g.y1))
    return "".join(chars), boxes


def is_scrambled(lines: list[Line]) -> bool:
    """Whether lines in stream order jump around the page instead of reading down it.

    Two signs, both needed: fewer than 60 % of the stream's steps go from a line to its
    successor in the geometric order (``reading_order``, an XY-cut), and at least a
    quarter of the steps jump back up the page or hop sideways from one long line of
    text to another across a gutter. A margin note or a code comment beside its line
    costs a step or two; a table drawn row by row disagrees with the XY-cut everywhere
    but only steps right and down between short cells (row by row is the better order
    for a table); a shuffled content stream or two columns drawn across do both.

    >>> rows = [Line("x" * 20, [None] * 20, 0, y, 100, y + 10, 10) for y in (500, 480, 460, 440)]
    >>> is_scrambled(rows), is_scrambled([rows[2], rows[0], rows[3], rows[1]])
    (False, True)
    """
    if len(lines) < 4:
        return False
    order = reading_order(lines)
    pos = {i: k for k, i in enumerate(order)}
    steps = len(lines) - 1
    agree = sum(pos[i + 1] == pos[i] + 1 for i in range(steps))
    if agree >= 0.6 * steps:
        return False
    jumps = 0
    for a, b in itertools.pairwise(lines):
        size = max(a.size, b.size, 1.0)
        up = b.mid > a.y1 + 0.2 * size
        across = (_overlap(a.y0, a.y1, b.y0, b.y1) > 0 and b.x0 - a.x1 > 1.5 * size
                  and len(a.text) >= 12 and len(b.text) >= 12)
        jumps += up or across
    return jumps >= 0.25 * steps


def reading_order(lines: list[Line]) -> list[int]:
    """Indices of ``lines`` in reading order by a recursive XY-cut.

    Each block is cut at its widest empty band: a horizontal band between rows, or a
    vertical gutter (at least 0.8 character wide) between parts that stand side by side
    (share some height); then the parts are read top to bottom, left to right. A block
    that cannot be cut is read by rows.

    >>> cols = [Line(t, [None], x, y, x + 100, y + 10, 10) for t, x, y in
    ...         [("左一", 0, 500), ("右一", 130, 500), ("左二", 0, 486), ("右二", 130, 486)]]
    >>> [cols[i].text for i in reading_order(cols)]
    ['左一', '左二', '右一', '右二']
    >>> wrapped = [Line("　“问句？", [None], 20, 500, 200, 510, 10), Line("”", [None], 0, 486, 10, 496, 10)]
    >>> [wrapped[i].text for i in reading_order(wrapped)]  # below, not beside: no gutter between them
    ['　“问句？', '”']
    """
    sizes = sorted(line.size for line in lines)
    min_gutter = 0.8 * sizes[len(sizes) // 2] if sizes else 8.0

    def cut(idx: list[int]) -> list[int]:
        if len(idx) <= 1:
            return idx
        best: tuple[float, list[int], int] | None = None
        ys = sorted(idx, key=lambda i: -lines[i].y1)
        low = lines[ys[0]].y0
        for k in range(1, len(ys)):
            gap = low - lines[ys[k]].y1
            if gap > 0 and (best is None or gap > best[0]):
                best = (gap, ys, k)
            low = min(low, lines[ys[k]].y0)
        xs = sorted(idx, key=lambda i: lines[i].x0)
        # a gutter separates columns that stand side by side: the two parts must share some height
        low_left, high_left = [lines[xs[0]].y0], [lines[xs[0]].y1]
        for i in xs[1:]:
            low_left.append(min(low_left[-1], lines[i].y0))
            high_left.append(max(high_left[-1], lines[i].y1))
        low_right, high_right = [lines[xs[-1]].y0], [lines[xs[-1]].y1]
        for i in reversed(xs[:-1]):
            low_right.append(min(low_right[-1], lines[i].y0))
            high_right.append(max(high_right[-1], lines[i].y1))
        low_right.reverse()
        high_right.reverse()
        right = lines[xs[0]].x1
        for k in range(1, len(xs)):
            gap = lines[xs[k]].x0 - right
            side_by_side = min(high_left[k - 1], high_right[k]) > max(low_left[k - 1], low_right[k])
            if gap >= min_gutter and side_by_side and (best is None or gap > best[0]):
                best = (gap, xs, k)
            right = max(right, lines[xs[k]].x1)
        if best is None:
            return sorted(idx, key=lambda i: (-round(lines[i].mid), lines[i].x0))
        _, order, k = best
        return cut(order[:k]) + cut(order[k:])

    return cut(list(range(len(lines))))


def paragraphs(lines: list[Line]) -> list[Para]:
    """Group lines (in reading order) into paragraphs.

    Line ``b`` continues the paragraph of the line ``a`` before it when it is the rest of
    ``a``'s row (a gap of under 4 em, a tab or a table cell), or when it sits just
    below ``a`` (a gap under the usual line pitch) or at the top of the next column, in
    the same font size, does not start a list item, and
    - ``a`` is not short: it reaches the right edge of its block, less two characters
      (the block's edge, or the longer of ``b`` and the line before ``a`` when the block
      is an indented quote), and
    - ``b`` is not indented: it starts at the block's left edge, or where ``a`` started
      (an indented block), or left of an indented first line ``a``, or under the text of
      a list item ``a`` (a hanging indent).

    >>> rows = [Line(t, [None] * len(t), x, y, x1, y + 10, 10) for t, x, x1, y in
    ...         [("　首行", 20, 200, 500), ("续行", 0, 200, 486), ("末行", 0, 80, 472), ("　次段", 20, 200, 458)]]
    >>> [len(p.lines) for p in paragraphs(rows)]
    [3, 1]
    >>> items = [Line(t, [None] * len(t), x, y, x1, y + 10, 10) for t, x, x1, y in
    ...          [("• 第一项很长", 0, 200, 500), ("续行", 15, 200, 486), ("末行", 15, 90, 472), ("• 第二项", 0, 120, 458)]]
    >>> [len(p.lines) for p in paragraphs(items)]
    [3, 1]
    """
    if not lines:
        return []
    pitch = _pitch(lines)
    left, right = _edges(lines)
    out: list[Para] = [Para([lines[0]])]
    for i, (a, b) in enumerate(itertools.pairwise(lines), start=1):
        size = max(a.size, b.size, 1.0)
        para = out[-1].lines
        below = b.y1 <= a.mid and _overlap(a.x0, a.x1, b.x0, b.x1) > -size
        next_column = b.y0 > a.y1 and b.x0 > a.x1 - size  # a paragraph running on at the top of the next column
        same_row = (_overlap(a.y0, a.y1, b.y0, b.y1) > 0.5 * min(a.height, b.height)
                    and 0 <= b.x0 - a.x1 < 4.0 * size)  # the rest of a's row after a gap (a tab, a cell)
        if same_row and abs(a.size - b.size) < 0.12 * size:
            para.append(b)
            continue
        gap = a.y0 - b.y1 if below else 0.0
        reach = max(b.x1, para[-2].x1) if len(para) > 1 else b.x1
        short = a.x1 < min(right[i - 1], reach) - 2.0 * size
        aligned = (
            b.x0 <= left[i] + 1.0 * size
            or len(para) > 1 and abs(b.x0 - a.x0) < 0.2 * size
            or len(para) == 1 and 0.5 * size < a.x0 - b.x0 <= 3.0 * size
            or len(para) == 1 and starts_item(a.text) and 0 < b.x0 - a.x0 <= 4.0 * size
            or (len(para) == 1 or abs(a.x0 - left[i - 1]) < 1.0 * size) and _hanging(lines, i, size)
        )
        same = ((below or next_column) and gap < pitch and abs(a.size - b.size) < 0.12 * size
                and not short and aligned and not starts_item(b.text))
        if same:
            para.append(b)
        else:
            out.append(Para([b]))
    return out


def _hanging(lines: list[Line], i: int, size: float) -> bool:
    """Line ``i`` continues the full line before it under a hanging indent, as a description list's item does
    (``起步　如果你刚刚接触 TeX，…`` with the rest of the item indented under its text): it is indented by up to 6
    em from that line's start, and the line after it keeps that indent (or it ends the item: it stops short).

    >>> rows = [Line(t, [None] * len(t), x, y, x1, y + 10, 10) for t, x, x1, y in
    ...         [("起步 如果你刚刚接触", 0, 200, 500), ("续行", 30, 200, 486), ("末行", 30, 120, 472)]]
    >>> _hanging(rows, 1, 10), _hanging(rows, 2, 10)
    (True, False)
    """
    a, b = lines[i - 1], lines[i]
    if not 0.5 * size < b.x0 - a.x0 <= 6.0 * size or starts_item(b.text):
        return False
    if i + 1 < len(lines) and abs(lines[i + 1].x0 - b.x0) < 0.5 * size and lines[i + 1].y1 <= b.mid:
        return True
    return i + 1 >= len(lines) or lines[i + 1].x0 < b.x0 - 0.5 * size and b.x1 < a.x1 - 2.0 * size


def _pitch(lines: list[Line]) -> float:
    """The usual gap between consecutive lines of a block (median of small positive gaps)."""
    gaps = [a.y0 - b.y1 for a, b in itertools.pairwise(lines) if 0 <= a.y0 - b.y1 < 2 * max(a.size, b.size)]
    return statistics.median(gaps) * 1.5 + 1.5 if gaps else 6.0


def _edges(lines: list[Line]) -> tuple[list[float], list[float]]:
    """For each line, the left and right edges of the lines around it that share its column.

    Among nearby lines (up to 12 either side) that overlap the line horizontally by half
    the shorter one and share its font size, the edge is the outermost x that at least
    two lines reach (within 2 pt): a right-aligned attribution or a wide formula does
    not move the edge that the paragraph's full lines share.
    """
    lefts, rights = [], []
    for i, line in enumerate(lines):
        near = [o for o in lines[max(0, i - 12): i + 13]
                if _overlap(o.x0, o.x1, line.x0, line.x1) >= 0.5 * min(o.x1 - o.x0, line.x1 - line.x0)
                and abs(o.size - line.size) < 0.12 * max(o.size, line.size, 1.0)]
        lefts.append(_shared(sorted(o.x0 for o in near)))
        rights.append(_shared(sorted((o.x1 for o in near), reverse=True)))
    return lefts, rights


def _shared(xs: list[float]) -> float:
    """The first of ``xs`` (sorted outermost first) that another one matches within 2 pt, else the first.

    >>> _shared([509.5, 484.9, 484.7, 300.0])
    484.9
    """
    for a, b in itertools.pairwise(xs):
        if abs(a - b) < 2.0:
            return a
    return xs[0]


_ITEM = re.compile(r"^(?:[•·●○■□◆▪–\-*]|\(?\d{1,2}[).、]|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)\s*\S")


def starts_item(text: str) -> bool:
    """A list item or numbered point starts a new paragraph.

    >>> starts_item("• 第一项"), starts_item("（三）措施"), starts_item("2019 年")
    (True, True, False)
    """
    return _ITEM.match(text) is not None


def join(lines: list[Line]) -> tuple[str, list[Box | None]]:
    """A paragraph's text (lines joined as ``qa.lang.text.join_lines`` joins them) and one box per character.

    >>> a = Line("包括", [None, None], 0, 10, 20, 20, 10)
    >>> b = Line("69 个", [None] * 4, 0, 0, 40, 10, 10)
    >>> join([a, b])[0]
    '包括 69 个'
    """
    text = ""
    boxes: list[Box | None] = []
    for line in lines:
        t, bx = line.text.strip(), line.boxes
        lead = len(line.text) - len(line.text.lstrip())
        bx = bx[lead: lead + len(t)]
        if not t:
            continue
        if text and _space_between(text[-1], t[0]):
            text += " "
            boxes.append(None)
        text += t
        boxes.extend(bx)
    return text, boxes


def _space_between(a: str, b: str) -> bool:
    """The rule of ``qa.lang.text.join_lines`` at a line break: a space only where a Latin word or number meets text."""
    if a == "-" or is_cjk(a) and is_cjk(b):
        return False
    if not (a.isalnum() or b.isalnum()):
        return False
    return not (is_cjk(a) and not b.isalnum()) and not (is_cjk(b) and not a.isalnum())


_NUMBERED = [
    (re.compile(r"^第[一二三四五六七八九十百零〇\d]+[部篇]\s*\S"), 1),
    (re.compile(r"^第[一二三四五六七八九十百零〇\d]+章\s*\S"), 1),
    (re.compile(r"^第[一二三四五六七八九十百零〇\d]+节\s*\S"), 2),
    (re.compile(r"^[一二三四五六七八九十]{1,3}、\s*\S"), 2),
    (re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,3}\s+\S"), 0),  # depth from the dots
]


def heading_level(text: str, size: float, body: float, bold: bool = False) -> int | None:
    """The heading level of a one-line paragraph (1 outermost), or None for body text.

    Numbered headings (第二章, 第3节, 二、, 1.2) count when short and set larger (by 8 %: a third-level
    heading is often set only one step above the body, 12 pt over 10.5) or bold (``bold``: the line's number is
    enough, as its title may be set in 黑体 rather than a bold face); 第…章 counts even at body size. A bold
    numbered question (a FAQ's) may run to 80 characters. An unnumbered line counts when its font is at least
    15 % larger than the body's and has two letters or Chinese characters; its level is then 1 for ≥ 1.6×, 2 for
    ≥ 1.3×, else 3.

    >>> heading_level("第一章 总则", 10.5, 10.5), heading_level("1.2 方法", 12, 10), heading_level("正文一句话。", 10, 10)
    (1, 2, None)
    >>> heading_level("2020/04/10 v1.2.0", 12, 10.5)  # larger, but a date and a version
    
    >>> heading_level("2.1.2 fc-cache 无法执行", 12, 10.5), heading_level("2 安装", 10.5, 10.5)
    (3, None)
    >>> heading_level("18 CTEX-Fonts、CTEX-CS、CTEX-Ext 都是干什么的？和 CTEX 中文套装有什么关系？", 10, 10, bold=True)
    1
    """
    t = text.strip()
    if not t or len(t) > (80 if bold and t[-1] in "？?" else 40) or t[-1] in "。，；：,;:":
        return None
    larger = size >= 1.15 * body
    for pattern, level in _NUMBERED:
        if pattern.match(t):
            if level == 0:
                level = t.split()[0].count(".") + 1
            if size >= 1.08 * body or bold or t.startswith("第") and level == 1:
                return level
            return None
    if larger and sum(c.isalpha() for c in t) >= 2:  # not a date or a version number
        ratio = size / max(body, 1.0)
        return 1 if ratio >= 1.6 else 2 if ratio >= 1.3 else 3
    return None
