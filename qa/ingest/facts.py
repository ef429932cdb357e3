"""What each sentence of a chunk holds, read once when the index is built: ``SentenceFacts``.

The answer features (``qa.answer.registry``) ask the same things of a sentence for every question that
reaches it: its numbers and what they are given in, its years, its percentages and whether they are
changes, the names it and its neighbours mention, whether it says something did not happen, whether it
lists items, the table row it belongs to, the footnote its statistic comes from. ``sentence_facts`` reads
them from a chunk and its sentence spans; the index stores them (``qa.search.index``, ``facts.json``), so
a question reads them instead of parsing sentences again.

    facts = sentence_facts(chunk, [(0, 12), (12, 30)], names)   # one per sentence
    facts[0].numbers -> (Number("2.81", "亿美元", date=False, forecast=True),)

Does not read the question: what a sentence holds of a question is a feature's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.ingest.document import Chunk
from qa.ingest.tables import is_total, read_row
from qa.lang.asks import counted_words, negated, numbers, percents, years
from qa.lang.names import Names
from qa.lang.tokenize import normalise

LABEL = 8  # characters kept before a value: enough for a key term (two characters) to end there


@dataclass(frozen=True)
class Number:
    """A number as written (normalised) and what it is given in: ``2.81 亿美元`` -> ``("2.81", "亿美元")``."""

    text: str
    unit: str  # "亿美元", "名", "%", "年"; "" when nothing follows
    date: bool  # part of a date (2019 年, 3 月): no amount
    forecast: bool  # a forecast word stands right before it (预计的 2.81 亿美元)


@dataclass(frozen=True)
class Percent:
    """A percentage (39%, 百分之五十) and whether it is given as a change (增加了 39%) rather than a share."""

    text: str
    change: bool


@dataclass(frozen=True)
class SentenceFacts:
    norm: str  # the sentence, normalised (``qa.lang.tokenize.normalise``)
    context: str  # the sentence with its neighbours (the one before, the one after), normalised
    years: frozenset[str]  # years it names (2019)
    numbers: tuple[Number, ...]
    percents: tuple[Percent, ...]
    counts: tuple[str, ...]  # what follows each number, up to the clause's end: what it may count (名新生儿)
    actual: bool  # says 实际: what actually came in
    negated: bool  # says that something did not happen (没有参加)
    items: float  # how much it reads as a list, 0..1 (``items``)
    labels: tuple[str, ...]  # the characters right before each value (外部 3%: "外部"), up to LABEL
    names: frozenset[str]  # names (countries, bodies, regions, any form) it or a neighbour mentions
    footnote: int | None = None  # the footnote whose marker closes it
    source: str | None = None  # that footnote's source (同上 resolved)
    row: str | None = None  # the label of the table row it belongs to (购书经费, 共计); None outside a table
    total: bool = False  # that row is a table's total row (共计, 总计, 合计)
    columns: tuple[str, ...] = ()  # the headers of its row's columns, when the parser gave the row as cells

    @property
    def forecast(self) -> bool:
        """Every amount it gives is a forecast (``qa.lang.asks.forecast``), and it does not say 实际."""
        amounts = [n.forecast for n in self.numbers if not n.date]
        return not self.actual and bool(amounts) and all(amounts)

    @property
    def change_only(self) -> bool:
        """Every percentage it gives is a change (``qa.lang.asks.change_only``)."""
        return bool(self.percents) and all(p.change for p in self.percents)

    def to_json(self) -> dict:
        return {"norm": self.norm, "context": self.context, "years": sorted(self.years),
                "numbers": [[n.text, n.unit, n.date, n.forecast] for n in self.numbers],
                "percents": [[p.text, p.change] for p in self.percents], "counts": list(self.counts),
                "actual": self.actual, "negated": self.negated, "items": self.items, "labels": list(self.labels),
                "names": sorted(self.names), "footnote": self.footnote, "source": self.source, "row": self.row,
                "total": self.total, "columns": list(self.columns)}

    @classmethod
    def from_json(cls, d: dict) -> "SentenceFacts":
        return cls(d["norm"], d["context"], frozenset(d["years"]),
                   tuple(Number(t, u, bool(da), bool(f)) for t, u, da, f in d["numbers"]),
                   tuple(Percent(t, bool(c)) for t, c in d["percents"]), tuple(d["counts"]), bool(d["actual"]),
                   bool(d["negated"]), float(d["items"]), tuple(d["labels"]), frozenset(d["names"]), d["footnote"],
                   d["source"], d["row"], bool(d["total"]), tuple(d["columns"]))


_ITEMS = re.compile(r"[、；;]|^\s*[•\-–]", re.M)


def items(sentence: str, following: str = "") -> float:
    """How much ``sentence`` reads as a list, 0..1: its item separators (、；•) counted to 4, with the next
    sentence's when it introduces them (…：) or names them (包括…、…).

    >>> items("模式包括自愿捐款、费用分摊和协调税。"), items("五个核心职位：", "规划；经济学；数据管理；伙伴关系。")
    (0.25, 0.75)
    """
    n = len(_ITEMS.findall(sentence))
    if n < 2 and (sentence.rstrip().endswith(("：", ":")) or "包括" in following):
        n = max(n, len(_ITEMS.findall(following)))
    return min(n, 4) / 4


def labels(text: str) -> tuple[str, ...]:
    """The characters right before each value of ``text`` (a digit, or a space and a digit), up to ``LABEL``:
    a chart's line names its row there (外部 3% | 1%). Labels that end in a digit or a space name nothing.

    >>> labels("外部 3% | 1%"), labels("2019 年")
    (('外部', '外部 3% |'), ())
    """
    out = []
    for e in range(1, len(text)):
        if text[e - 1].isdigit() or text[e - 1] == " ":
            continue
        if text[e:e + 2].lstrip(" ")[:1].isdigit():
            out.append(text[max(0, e - LABEL):e])
    return tuple(out)


def sentence_facts(chunk: Chunk, spans: list[tuple[int, int]], names: Names) -> list[SentenceFacts]:
    """The facts of each sentence ``spans`` (``(start, end)`` in ``chunk.text``) marks, in order."""
    texts = [chunk.text[a:b] for a, b in spans]
    row = table_row(chunk)
    columns = chunk.table.headers if chunk.table is not None else ()
    notes = sorted(chunk.footnotes, key=lambda f: f.offset)
    out = []
    for j, (a, b) in enumerate(spans):
        text = texts[j]
        norm = normalise(text)
        context = normalise("".join(texts[max(0, j - 1):j + 2]))
        note = next((f for f in notes if a < f.offset <= b + 1), None)
        out.append(SentenceFacts(
            norm=norm, context=context, years=years(text),
            numbers=tuple(Number(*n) for n in numbers(norm)),
            percents=tuple(Percent(*p) for p in percents(norm)),
            counts=tuple(counted_words(norm)), actual="实际" in norm, negated=negated(text),
            items=items(text, texts[j + 1] if j + 1 < len(texts) else ""), labels=labels(text),
            names=frozenset(names.mentions(context)),
            footnote=note.number if note else None, source=note.source if note else None,
            row=row, total=row is not None and is_total(row), columns=columns))
    return out


def table_row(chunk: Chunk) -> str | None:
    """The label of the table row ``chunk`` is: the ``TableRow``'s, when the parser gave the row as cells
    (``qa.ingest.rows``), else the one the report's row line names (``qa.ingest.tables.read_row``)."""
    if chunk.kind != "table":
        return None
    if chunk.table is not None:
        return chunk.table.label
    line = read_row(chunk.text)
    return line[1] if line else None
