"""Give a chosen answer sentence the shape the question asks for.

- A table row answers with its labelled value, ``表 2 · 共计 · 2021 年估计数：281 826.4 千美元``,
  the column picked by the year or heading the question names (every labelled value when it names none),
  never the raw printed row.
- A line that ends in a colon (``验证方：``, ``例子：``) says nothing alone: it takes the bulleted lines it
  introduces, for any question.
- A list question keeps the whole enumeration: the sentence, and the next one when
  the sentence only introduces it (ends in ``：``) or the enumeration runs on.
- A long sentence asked for a value (a count, a sum, a date …) is cut to the clauses
  that answer: from the clause sharing most of the question's key terms to the one
  clause holding the value. A sentence holding several such values, or none, stays whole:
  which one answers is then for the reader to see.

Every shape is a span of the passage's text (``start``, ``end``), so the page can
still mark it in place; only a table's labelled value is rewritten around its span.

Does not choose the sentence (``qa.answer.compose`` does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.ingest.document import Chunk
from qa.ingest.tables import read_row
from qa.lang.asks import VALUES
from qa.search.match import coverage
from qa.lang.query import Query
from qa.lang.text import introduces_list
from qa.lang.tokenize import normalised

LONG = 70  # a sentence longer than this (characters) is cut to its answering clauses
_CLAUSE_END = re.compile(r"[，；：,;:]")
_ITEMS = re.compile(r"[、；;]")
_ITEM_LINE = re.compile(r"\s*(?:[•·\-–—]|\d{1,2}[.、)）](?!\d)|[（(]\d{1,2}[）)])")  # • 项 / 1. 项 / （2）项
MAX_ITEMS = 12  # bulleted lines a colon's label takes at most
_CELL = re.compile(r"\s*([^—;；\n]+?)[:：]\s*([^;；\n]+)")


@dataclass(frozen=True)
class Shaped:
    text: str  # what the user reads
    start: int  # the span of the passage it comes from
    end: int
    how: str  # "table cell", "list", "clauses", "sentence": for the explanation


def shape(query: Query, chunk: Chunk, start: int, end: int, sentence_rows: list[tuple[int, int]],
          names=None) -> Shaped:
    """The answer from ``chunk.text[start:end]``; ``sentence_rows`` are the passage's sentence spans, in order."""
    if chunk.kind == "table":
        cell = table_cell(query, chunk)
        if cell is not None:
            return cell
    listed = items_introduced(chunk, start, end)
    if listed > end:
        return Shaped(chunk.text[start:listed], start, listed, "label and its items")
    if query.is_list:
        return enumeration(chunk, start, end, sentence_rows)
    if end - start > LONG and query.want in VALUES and chunk.kind not in ("figure", "table"):
        return clauses(query, chunk, start, end, names)
    return Shaped(chunk.text[start:end], start, end, "sentence")


def table_cell(query: Query, chunk: Chunk) -> Shaped | None:
    """``表 2 · 共计 · 2021 年估计数：281 826.4 千美元`` from a self-describing table row.

    The row's first line reads ``表 2 按支出用途分列的财政资源（千美元） — 共计 — 2019 年支出: 149 811.7; …``.
    """
    row = read_row(chunk.text)
    if row is None:
        return None
    title, label, cells = row
    found = [(m.group(1).strip(), m.group(2).strip(), m.start(1), m.end(2)) for m in _CELL.finditer(cells)]
    if not found:
        return None
    unit = re.search(r"[（(]([^）)]*(?:美元|%|人)[^）)]*)[）)]", title)
    unit_text = f" {unit.group(1)}" if unit else ""
    q = normalised(query.asked)
    chosen = [c for c in found if _heading_named(c[0], q)]
    if not chosen and query.years:
        chosen = [c for c in found if any(y in c[0] for y in query.years)]
    chosen = chosen or found
    number = f"表 {chunk.number}" if chunk.number else title.split(" ", 1)[0]
    offset = len(chunk.text.split("\n", 1)[0]) - len(cells)
    values = "；".join(f"{h}：{v}{unit_text if _is_amount(v) and not _is_share(h) else ''}" for h, v, _, _ in chosen)
    return Shaped(f"{number} · {label} · {values}", offset + chosen[0][2], offset + chosen[-1][3], "table cell")


# how questions name a table's columns: 相差多少 asks for the 差异 (variance) column, 百分之几 for a percentage;
# a comparison (2021 年比 2020 年增加了…) asks for the variance too; a rate of change (增幅, 增长率: the change
# over the base, said as a share) asks for the variance's percentage
_RATE = r"增幅|涨幅|降幅|跌幅|增长率|增速|变化率|变动率|增长幅度|下降幅度|减少幅度"
_COLUMN_WORDS = ((re.compile(r"相差|差了|差额|差距|差异|变动|变化|增减|" + _RATE +
                             r"|(?:增加|增长|减少|下降|上升|提高|降低)了(?!到)"  # grew by (增长了), not to (增长到)
                             r"|比.{0,16}(?:增加|减少|增长|下降|多出|少了|高出|低了|涨|降)"), "差异"),
                 (re.compile(r"百分之几|百分之多少|百分比|百分点|%|多大比例|几成|" + _RATE), "百分比"),
                 (re.compile(r"一共|总共|总计|总数|合计|\btotal\b"), "总计"))


# a comparison asks for the variance alone (2019 年支出比预算少了多少); a list of columns with it (预算、支出和差异
# 分别是多少; 差异百分比和 2021 年估计数: 和 after the variance joins another column, where 预算和支出的差异 names
# what the variance is of), or a second question word (预算是多少，与支出的差异又是多少), asks for each
_COMPARED = re.compile(r"比.{0,16}(?:增加|减少|增长|下降|多出|少了|高出|低了|涨|降)|(?:增加|增长|减少|下降|上升|提高|降低)了(?!到)")
_LISTED = re.compile(r"、|各|分别|差异(?:数额|百分比)?[和与及]|多少.+多少")


def _heading_named(heading: str, question: str) -> bool:
    """A column heading the question names: all of its year and words (2021 年估计数 ⊂ "2021 年的估计数"),
    or the variance column when it asks for a difference (and its percentage when it asks for one)."""
    h = normalised(heading).replace(" ", "")
    q = question.replace(" ", "").replace("的", "")
    asked = {word for rx, word in _COLUMN_WORDS if rx.search(q)}
    variance_alone = "差异" in asked and bool(_COMPARED.search(q) or not _LISTED.search(q))
    if h in q:  # named outright, unless it is the base of a change asked alone (2021 年估计数的增幅)
        return "差异" in h or not variance_alone
    if "总计" in asked and h == "总计":
        return True
    if "差异" in asked and "差异" in h:  # the variance asked: its percentage when a percentage is asked
        return ("百分比" in h) == ("百分比" in asked)
    if variance_alone:  # the variance alone: a comparison, or a change asked of one row
        return False
    years = re.findall(r"(?:19|20)\d\d", h)
    words = re.sub(r"(?:19|20)\d\d|年", "", h)
    return bool(years) and all(y in q for y in years) and len(words) >= 2 and words in q


def _is_share(heading: str) -> bool:
    return bool(re.search(r"百分比|比例|%|％", heading))


def _is_amount(value: str) -> bool:
    return bool(re.fullmatch(r"\(?[\d\s.,]+\)?", value))


def items_introduced(chunk: Chunk, start: int, end: int) -> int:
    """Where the item lines after ``chunk.text[start:end]`` end (each whole: an item may hold several
    sentences), when it introduces them (a colon, 下列内容。: ``qa.lang.text.introduces_list``) and they follow on
    lines of their own; else ``end``.

    An item line starts with a bullet (• · - –) or a number (1. 2、 (3) （4）; not 1.5 亿).

    >>> c = Chunk(id="d#1", kind="paragraph", number=None, section=None, page=None, text="步骤如下：\\n1. 复制文件。再看。\\n2. 运行 fc-cache。\\n另起一段。")
    >>> c.text[:items_introduced(c, 0, 5)]
    '步骤如下：\\n1. 复制文件。再看。\\n2. 运行 fc-cache。'
    """
    text = chunk.text
    if not introduces_list(text[start:end]):
        return end
    at = end
    for _ in range(MAX_ITEMS):
        if not text.startswith("\n", at):
            break
        stop = text.find("\n", at + 1)
        stop = len(text) if stop < 0 else stop
        if not _ITEM_LINE.match(text, at + 1):
            break
        end = at = stop
    return end


def enumeration(chunk: Chunk, start: int, end: int, sentence_rows: list[tuple[int, int]]) -> Shaped:
    """The sentence, plus the next one when this one introduces a list (…：), the list runs on (…；/…、), or
    the next names the items (包括…、…)."""
    text = chunk.text
    sentence = text[start:end]
    following = [(a, b) for a, b in sentence_rows if a >= end]
    if following:
        a, b = following[0]
        nxt = text[a:b]
        introduces = introduces_list(sentence)
        # (or the next sentence names them: 模式包括自愿捐款、…并对…征收 1%的税)
        runs_on = len(_ITEMS.findall(sentence)) < 2 and (len(_ITEMS.findall(nxt)) >= 2
                                                          or ("包括" in nxt and bool(_ITEMS.search(nxt))))
        if introduces or runs_on:
            end = b
    return Shaped(text[start:end], start, end, "list")


def clauses(query: Query, chunk: Chunk, start: int, end: int, names=None) -> Shaped:
    """The clauses of a long sentence that answer: the one sharing most key terms, through the one holding the value.

    Cut only when exactly one clause holds the value and the cut leaves out at
    least a third of the sentence; a clause is kept whole with its punctuation.
    """
    text = chunk.text
    bounds, a = [], start
    for m in _CLAUSE_END.finditer(text, start, end):
        bounds.append((a, m.end()))
        a = m.end()
    if a < end:
        bounds.append((a, end))
    if len(bounds) < 2:
        return Shaped(text[start:end], start, end, "sentence")
    holding = [i for i, (x, y) in enumerate(bounds) if query.holds(text[x:y], names)]
    if len(holding) != 1:
        return Shaped(text[start:end], start, end, "sentence")  # no value, or several: which one answers is unclear
    cov = [coverage(query.weights, text[x:y]) for x, y in bounds]
    topic = max(range(len(bounds)), key=lambda i: (cov[i], -i))
    lo, hi = min(topic, holding[0]), max(topic, holding[0])
    if lo > 0 and len(text[bounds[lo][0]:bounds[hi][1]]) < 12:
        lo -= 1  # a bare value ("35 个。") keeps the clause before it
    a, b = bounds[lo][0], bounds[hi][1]
    if (b - a) > (end - start) * 2 / 3:
        return Shaped(text[start:end], start, end, "sentence")
    piece = text[a:b].strip()
    lead = "…" if a > start else ""
    tail = "…" if b < end and not piece.endswith(("。", "！", "？")) else ""
    return Shaped(f"{lead}{piece.rstrip('，；：,;:')}{tail}", a, b, "clauses")
