"""Read the annex tables of a UN report from PDF-extracted text.

Each row becomes a self-describing sentence, so that a retriever and a reader
see the table number, title, unit and every value with its column header:

    表 1 按构成部分分列的财政资源（千美元）— B. 工作方案 / 国家协调 — 2019 年支出: 131 060.5; ...

Numbers use spaces as thousands separators (``131 060.5``), negatives are in
parentheses (``(2 980.7)``), ``—`` is nil and a doubled space is an empty cell.
Where the spaces leave a row ambiguous (``1 1 327``: is it ``1, 1 327`` or
``1 1, 327``?), the reading whose totals add up wins: a column named 共计 or
总计 equals the sum of the columns before it, and a 差异 column the difference
of its neighbours.

Does not read table layout from coordinates; it relies on the row and header
lines the extraction gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

_UNIT = re.compile(r"^\s*[（(]([^)）]+)[)）]\s*$")
_GROUP_LABEL = re.compile(r"^\s*[A-Z]\.\s*\S")
_FIRST = re.compile(r"^\(?(0|[1-9]\d{0,2})(\.\d+)?\)?$")
_TOTALS = ("共计", "总计")


@dataclass(frozen=True)
class Row:
    label: str  # "国家协调"
    group: str | None  # "B. 工作方案"
    cells: tuple[str, ...]  # as printed: "131 060.5", "(2 980.7)", "—", ""
    printed: str = ""  # the row line as printed: "国家协调 131 060.5 246 298.7 (2 980.7) …"

    def describe(self, table: "Table") -> str:
        where = f"{self.group} / {self.label}" if self.group and self.group != self.label else self.label
        pairs = "; ".join(f"{h}: {v if v else '（空）'}" for h, v in zip(table.columns, self.cells))
        unit = f"（{table.unit}）" if table.unit else ""
        return SEP.join((f"表 {table.number} {table.title}{unit}", where, pairs))


SEP = " — "  # between a row line's title, row label and labelled cells


_TOTAL_LABEL = re.compile(r"^\s*(?:共计|总计|合计)")


def is_total(label: str) -> bool:
    """Whether a row label (``read_row``'s second part) names a table's total row: 共计, 总计, 合计."""
    return bool(_TOTAL_LABEL.match(label))


def label_word(label: str) -> str:
    """The words of a row label that name it: "B. 工作方案 / 国家协调" -> 国家协调, "A. 行政领导和管理" -> 行政领导和管理.

    >>> label_word("B. 工作方案 / 国家协调"), label_word("非员额")
    ('国家协调', '非员额')
    """
    return re.sub(r"^[A-Z]\.\s*", "", label.split("/")[-1].strip())


def read_row(text: str) -> tuple[str, str, str] | None:
    """``(title, row label, labelled cells)`` of a row chunk's first line, as ``Row.describe`` writes it.

    >>> read_row("表 2 资源（千美元） — 共计 — 2019 年支出: 149 811.7\\n原表行：…")
    ('表 2 资源（千美元）', '共计', '2019 年支出: 149 811.7')
    """
    parts = text.split("\n", 1)[0].split(SEP)
    if len(parts) < 3:
        return None
    return parts[0], SEP.join(parts[1:-1]), parts[-1]


@dataclass(frozen=True)
class Table:
    number: int
    title: str
    unit: str | None
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


def value(cell: str) -> Decimal | None:
    """``"(2 980.7)" -> Decimal("-2980.7")``; ``"—"`` and ``""`` -> None."""
    s = cell.replace(" ", "")
    if s in ("", "—", "-", "（空）"):
        return None
    neg = s.startswith("(")
    d = Decimal(s.strip("()"))
    return -d if neg else d


def parse_table(number: int, lines: list[str]) -> Table:
    """Parse the lines after ``表 N``: title, unit, header lines, rows."""
    lines = [ln for ln in lines if ln.strip()]
    title = lines[0].strip() if lines else ""
    rest = lines[1:]
    unit = None
    header: list[str] = []
    rows_raw: list[str] = []
    for ln in rest:
        m = _UNIT.match(ln)
        if m and unit is None and not rows_raw:
            unit = m.group(1).strip()
            continue
        if rows_raw or _is_row(ln):
            rows_raw.append(ln)
        else:
            header.append(ln)
    columns = _columns(header)
    rows: list[Row] = []
    group: str | None = None
    for ln in rows_raw:
        label, tokens = _split_row(ln)
        if not tokens or all(t == "" for t in tokens):
            group = label
            continue
        cells = _segment(tokens, len(columns), columns) if columns else tuple(t for t in tokens if t)
        sub = ln.startswith(" ") and not _GROUP_LABEL.match(ln)
        if not sub:
            group = None
        rows.append(Row(label, group if sub else None, cells, " ".join(ln.split())))
    return Table(number, title, unit, tuple(columns), tuple(rows))


def _is_row(line: str) -> bool:
    """A row starts with a label and has at least one value, or is a group label like ``B. 工作方案``."""
    label, tokens = _split_row(line)
    if not label:
        return False
    if _GROUP_LABEL.match(line):
        return True
    return any(t for t in tokens) and all(_is_value_token(t) for t in tokens if t)


def _is_value_token(t: str) -> bool:
    return t in ("—", "-") or bool(re.fullmatch(r"\(?\d+(\.\d+)?\)?", t))


def _split_row(line: str) -> tuple[str, list[str]]:
    """``" 国家协调 131 060.5 (2 980.7)"`` -> ``("国家协调", ["131", "060.5", "(2", "980.7)"])``.

    A doubled space between values stands for an empty cell (an empty token).
    """
    s = line.strip()
    parts = s.split(" ")
    label_parts: list[str] = []
    i = 0
    while i < len(parts) and not _is_value_token(parts[i]):
        label_parts.append(parts[i])
        i += 1
    label = " ".join(p for p in label_parts if p)
    return label, parts[i:]


def _columns(header: list[str]) -> list[str]:
    """Column names from the header lines.

    Group headings that span columns (``变动``, ``专业及以上职类``) are dropped;
    a line holding one word continues onto the next line's first word, since
    the PDF stacks long headers (``副`` / ``秘书长`` -> ``副秘书长``); a year joins
    the word after it (``2019 年支出``).
    """
    lines = [ln for ln in header if ln.strip()]
    if not lines:
        return []
    # The column line is the one naming most columns; lines before it with
    # wide gaps are group headings.
    words: list[str] = []
    carry = ""
    for ln in lines:
        if re.search(r"\S {2,}\S", ln.strip()) or ln.startswith("   "):
            continue  # a group heading over several columns: 变动, 专业及以上职类
        toks = ln.split()
        if carry:
            toks[0] = carry + toks[0]
            carry = ""
        elif len(toks) == 1 and not re.fullmatch(r"\d{4}", toks[0]):
            carry = toks[0]  # the top half of a stacked header: 副 / 秘书长
            continue
        words.extend(toks)
    if carry:
        words.append(carry)
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if re.fullmatch(r"\d{4}", w) and i + 1 < len(words):
            out.append(f"{w} {words[i + 1]}")
            i += 2
        else:
            out.append(w)
            i += 1
    if out and out[0] in ("构成部分", "类别"):
        out = out[1:]
    return out


def _segment(tokens: list[str], n: int, columns: list[str]) -> tuple[str, ...]:
    """Join thousands groups back into ``n`` cells; the reading whose totals add up wins."""
    candidates = list(_readings(tokens, n))
    if not candidates:
        return tuple(tokens[:n]) + ("",) * max(0, n - len(tokens))
    if len(candidates) == 1:
        return candidates[0]
    scored = sorted(candidates, key=lambda c: -_consistency(c, columns))
    return scored[0]


def _readings(tokens: list[str], n: int):
    """Every way to read ``tokens`` as ``n`` cells."""
    # Mark positions where token i may join token i + 1 as thousands groups.
    joinable = [
        i for i in range(len(tokens) - 1)
        if _can_join(tokens[i], tokens[i + 1])
    ]
    k = len(tokens) - n  # joins needed
    if k < 0:
        return
    for picks in combinations(joinable, k):
        if any(b == a + 1 and not _can_chain(tokens, a) for a, b in zip(picks, picks[1:])):
            continue
        cells: list[str] = []
        i = 0
        pick = set(picks)
        while i < len(tokens):
            cell = tokens[i]
            while i in pick:
                i += 1
                cell += " " + tokens[i]
            cells.append(cell)
            i += 1
        if all(_valid_cell(c) for c in cells):
            yield tuple(cells)


def _can_join(a: str, b: str) -> bool:
    if not a or not b or a in ("—", "-") or b in ("—", "-"):
        return False
    if "." in a or a.endswith(")") or b.startswith("("):
        return False
    return bool(re.fullmatch(r"\(?\d{1,3}", a)) and bool(re.fullmatch(r"\d{3}(\.\d+)?\)?", b))


def _can_chain(tokens: list[str], i: int) -> bool:
    return bool(re.fullmatch(r"\d{3}", tokens[i + 1]))


def _valid_cell(cell: str) -> bool:
    if cell in ("", "—", "-"):
        return True
    parts = cell.split(" ")
    if not _FIRST.match(parts[0]) and len(parts) == 1:
        return False
    if len(parts) > 1 and not re.fullmatch(r"\(?[1-9]\d{0,2}", parts[0]):
        return False
    if cell.count("(") != cell.count(")"):
        return False
    return True


def _consistency(cells: tuple[str, ...], columns: list[str]) -> int:
    """How many total columns add up: 共计 = sum before it; 总计 = sum of all non-total columns before it."""
    vals = [value(c) for c in cells]
    score = 0
    last_total = 0
    for j, name in enumerate(columns[: len(vals)]):
        if name in _TOTALS and vals[j] is not None:
            if name == "共计":
                part = sum((v for v in vals[last_total:j] if v is not None), Decimal(0))
            else:
                part = sum((v for k, v in enumerate(vals[:j]) if v is not None and columns[k] not in _TOTALS),
                           Decimal(0))
            score += part == vals[j]
            last_total = j + 1
    return score
