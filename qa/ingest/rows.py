"""Table rows as chunks: one chunk per row, its cells under their column headers.

Shared by the DOCX, HTML and Markdown parsers, which each find the cells; this
module turns a table (caption, header row, body rows) into ``kind="table"`` chunks
with a ``TableRow`` and a readable text:

>>> cs = table_chunks("d", 1, "表 1 财政资源（千美元）", ["构成部分", "2020 年", "2021 年"],
...                   [["员额", "1 200.5", "1 300.0"]], ("支出",))
>>> cs[0].text
'表 1 财政资源（千美元） · 员额 · 2020 年：1 200.5；2021 年：1 300.0'
>>> cs[0].id, cs[0].table.unit, dict(zip(cs[0].table.headers, cs[0].table.cells))["2021 年"]
('d#t1r1', '千美元', '1 300.0')

Does not find tables in text (each parser does), does not parse numbers (that is
``qa.ingest.tables.value``) and does not guess headers beyond "the first row".
"""

from __future__ import annotations

import re

from qa.ingest.document import Chunk, TableRow

# Units a caption or header states, longest first so 千美元 is not read as 美元.
UNITS = ("百万美元", "千美元", "亿美元", "万美元", "美元", "千万元", "百万元", "亿元", "万元", "千元", "元",
         "百分比", "%", "％", "万人", "千人", "人次", "人", "万吨", "吨", "公里", "千瓦时")
_PAREN = re.compile(r"[（(]\s*(?:单位\s*[：:]\s*)?([^()（）]{1,12}?)\s*[)）]")
_SAID = re.compile(r"单位\s*[：:]\s*([^\s，,。；;)）]{1,8})")
_TABLE_NO = re.compile(r"^\s*(?:表|Table)\s*([0-9一二三四五六七八九十][0-9一二三四五六七八九十.\-]*)", re.IGNORECASE)


def find_unit(*texts: str) -> str | None:
    """The unit the first of ``texts`` to state one states: ``（千美元）``, ``(%)``, ``单位：万元``.

    >>> find_unit("表 2", "金额（单位：万元）"), find_unit("增长率(%)"), find_unit("名称")
    ('万元', '%', None)
    """
    for text in texts:
        if not text:
            continue
        for m in list(_PAREN.finditer(text)) + list(_SAID.finditer(text)):
            inside = m.group(1).strip()
            for unit in UNITS:
                if inside == unit or inside.endswith(unit) and len(inside) <= len(unit) + 2:
                    return "%" if unit == "％" else unit
    return None


def looks_like_caption(text: str | None) -> bool:
    """A short line that names a table: ``表 1 …``, ``表 2.1. …``, ``Table 3 …``.

    >>> looks_like_caption("表 1 按来源分列的收入（千美元）"), looks_like_caption("另一段。")
    (True, False)
    """
    return text is not None and len(text) <= 80 and _TABLE_NO.match(text) is not None


def table_number(caption: str | None, default: int) -> str:
    """The number a caption gives (``表 3 …`` -> ``"3"``), else the running count.

    >>> table_number("表 2.1. Debian 软件包管理工具列表", 7), table_number(None, 7)
    ('2.1', '7')
    """
    m = _TABLE_NO.match(caption or "")
    return m.group(1).rstrip(".") if m else str(default)


def row_text(title: str, label: str, headers: tuple[str, ...], cells: tuple[str, ...]) -> str:
    """``表 1 · 行标签 · 列名：值；列名：值`` (empty cells left out, a cell without header as is)."""
    pairs = []
    for header, cell in list(zip(headers, cells))[1:]:
        if not cell:
            continue
        pairs.append(f"{header}：{cell}" if header else cell)
    parts = [title] + ([label] if label else []) + (["；".join(pairs)] if pairs else [])
    return " · ".join(parts)


def table_chunks(doc: str, count: int, caption: str | None, headers: list[str] | None, rows: list[list[str]],
                 heading_path: tuple[str, ...]) -> list[Chunk]:
    """One chunk per non-empty body row of the ``count``-th table of ``doc``.

    ``headers`` is the header row (None when the table has none); every row is
    padded to the widest row so that ``cells[i]`` sits under ``headers[i]``.
    """
    width = max([len(r) for r in rows] + [len(headers or ())])
    head = tuple((headers or []) + [""] * (width - len(headers or [])))
    number = table_number(caption, count)
    unit = find_unit(caption or "", *head)
    title = caption.strip() if caption else f"表 {number}"
    if unit and unit not in title:
        title = f"{title}（{unit}）"
    out: list[Chunk] = []
    for row in rows:
        cells = tuple(row + [""] * (width - len(row)))
        if not any(cells):
            continue
        label = cells[0]
        record = TableRow(table=number, label=label, headers=head, cells=cells, unit=unit)
        r = len(out) + 1
        out.append(Chunk(id=f"{doc}#t{count}r{r}", kind="table", number=count, section=heading_path[-1]
                         if heading_path else None, page=None, text=row_text(title, label, head, cells), doc=doc,
                         heading_path=heading_path, table=record))
    return out
