"""A saved web page (HTML) into chunks: text blocks under their heading path, data tables as rows.

The page is parsed with selectolax (lexbor) and walked in document order. Headings
``h1``–``h6`` set the heading path (a ``h2`` drops any ``h3`` above it); every block
element (``p``, ``li``, ``dd``, ``pre``, ``blockquote``, a ``div`` with loose text …)
becomes one ``kind="paragraph"`` chunk, numbered in order (``{doc}#p{n}``). A table
whose cells hold only inline content is a data table: one ``kind="table"`` chunk per
body row (``{doc}#t{k}r{r}``, first row as headers, its caption or the ``表 N`` line
before it as the title, see ``qa.ingest.rows``); a table used for layout (cells with
paragraphs inside, one column, ``role="presentation"``) is read as blocks, a short
header cell of it labelling the block that follows (DocBook's note boxes give
``注意：这一章假定…``).

Dropped: ``script``, ``style``, ``nav``, ``footer``, ``noscript``, ``template``, forms
controls, anything ``hidden`` or with ``role="navigation"``, and DocBook's navigation
header/footer and table of contents (``class="navheader|navfooter|toc"``).

Text is tidied: whitespace runs (wraps in the source) become one space, and no space
is left between two Chinese characters, even a typed one (``qa.lang.text.tidy``; Chinese
typography has none, and it would split the lexical index's bigrams):

>>> doc = parse_html_text("<h1>第 2 章</h1><nav>上一页</nav><p>高级软件包工具\\n(APT)，它能够\\n使用</p>", "d")
>>> [(c.heading_path, c.text) for c in doc]
[(('第 2 章',), '高级软件包工具 (APT)，它能够使用')]

Does not run scripts, fetch anything, apply CSS (text hidden by a stylesheet is
read), or follow ``rowspan`` (the rows below a spanned cell have a cell fewer, so
their later cells sit one header to the left).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from qa.ingest.decode import decode_text
from qa.ingest.describe import new_document, short_name
from qa.ingest.document import Chunk, Document
from qa.ingest.rows import looks_like_caption, table_chunks
from qa.lang.text import introduces_list, join_lines

DROP_TAGS = frozenset({"script", "style", "nav", "footer", "noscript", "template", "svg", "iframe", "object",
                       "button", "select", "input", "textarea", "head", "title", "meta", "link"})
DROP_CLASSES = frozenset({"navheader", "navfooter", "toc", "breadcrumb", "breadcrumbs"})
DROP_ROLES = frozenset({"navigation", "contentinfo", "search"})
BLOCK_TAGS = frozenset({"p", "div", "section", "article", "main", "aside", "header", "ul", "ol", "li", "dl", "dt",
                        "dd", "blockquote", "figure", "figcaption", "address", "details", "summary", "caption",
                        "center", "form", "fieldset", "hr", "body", "tr", "td", "th", "thead", "tbody", "tfoot"})
HEADINGS = {f"h{i}": i for i in range(1, 7)}
_INSIDE_CELL_BLOCKS = "p, div, table, ul, ol, pre, h1, h2, h3, h4, h5, h6, blockquote"
_WORD = re.compile(r"[\w\u3400-\u9fff]")
_BR = "\u2028"  # a <br> in the gathered text (a source newline is only whitespace)
_MAX_LABEL = 12  # a layout table's header this short labels the next block (DocBook's 注意 / 警告 boxes)
_MAX_DEPTH = 300  # deeper nesting is read as flat text
LISTS = frozenset({"ul", "ol", "dl"})
MAX_LIST = 600  # characters: a longer list (with its lead-in) is read item by item, each a passage


def parse_html(path: Path, data: bytes, name: str | None = None) -> Document:
    """An HTML file as a ``Document`` (parser ``"html"``; title: ``<title>``, else the first ``h1``, else the stem)."""
    from selectolax.lexbor import LexborHTMLParser  # selectolax: only web pages need it

    text = decode_text(path, data, html=True)
    tree = LexborHTMLParser(text)
    doc = name or short_name(path)
    chunks, first_h1 = _walk(tree, doc)
    node = tree.css_first("title")
    title = _clean(node.text(deep=True)) if node is not None else ""
    return new_document(data=data, path=path, name=name, title=title or first_h1, parser="html", chunks=chunks)


def parse_html_text(text: str, doc: str) -> list[Chunk]:
    """The chunks of an HTML string (for tests and callers that already hold text)."""
    from selectolax.lexbor import LexborHTMLParser  # selectolax: only web pages need it

    return _walk(LexborHTMLParser(text), doc)[0]


def _walk(tree, doc: str) -> tuple[list[Chunk], str | None]:
    walker = _Walker(doc)
    root = tree.body or tree.root
    if root is not None:
        walker.container(root, 0)
        walker.flush()
    return walker.chunks, walker.first_h1


class _Walker:
    """Walks the tree in order, gathering inline text until a block boundary flushes it as a chunk."""

    def __init__(self, doc: str):
        self.doc = doc
        self.chunks: list[Chunk] = []
        self.path: list[tuple[int, str]] = []  # (level, heading), outermost first
        self.buf: list[str] = []  # inline text since the last block boundary; _BR for <br>
        self.paragraphs = 0
        self.tables = 0
        self.last_block = ""  # the text of the last paragraph chunk (a table's caption candidate)
        self.first_h1: str | None = None
        self.label: str | None = None  # a layout table's header (注意) waiting for the block it labels
        self.lead: int | None = None  # len(chunks) just after a paragraph that nothing has followed yet

    @property
    def heading_path(self) -> tuple[str, ...]:
        return tuple(h for _, h in self.path)

    def container(self, node, depth: int, layout: bool = False) -> None:
        """Gather ``node``'s children; ``layout`` is True inside a table used for layout."""
        for child in node.iter(include_text=True):
            if child.is_text_node:
                self.buf.append(child.text_content or "")
                continue
            if not child.is_element_node or _dropped(child):
                continue
            tag = child.tag
            if depth > _MAX_DEPTH:
                self.buf.append(" " + _text(child) + " ")
            elif tag == "br":
                self.buf.append(_BR)
            elif tag in HEADINGS:
                self.flush()
                self.heading(HEADINGS[tag], _clean(_text(child)))
            elif tag == "pre":
                self.flush()
                self.emit(_pre_text(child))
            elif tag == "table":
                self.flush()
                if _is_data_table(child):
                    self.table(child)
                else:
                    self.container(child, depth + 1, layout=True)
                    self.flush()
                    self.label = None
            elif tag == "th" and layout and len(label := _clean(_text(child))) <= _MAX_LABEL:
                self.flush()  # a layout table's short header (注意, 警告) labels the block that follows
                self.label = label or None
            elif tag in LISTS and (items := _items(child)) is not None:
                self.flush()
                self.items(items)
            elif tag in BLOCK_TAGS:
                self.flush()
                self.container(child, depth + 1, layout)
                self.flush()
            else:  # inline: its text joins the current block
                self.container(child, depth + 1, layout)

    def items(self, lines: list[str]) -> None:
        """A list as one passage, its items on lines of their own; with the paragraph just before it when that
        introduces it (……包含下列内容。, 例如：): alone, neither answers "which ones"."""
        text = "\n".join(lines)
        last = self.chunks[-1] if self.chunks else None
        if (last is not None and self.lead == len(self.chunks) and introduces_list(last.text)
                and len(last.text) + 1 + len(text) <= MAX_LIST):
            self.chunks[-1] = replace(last, text=f"{last.text}\n{text}")
        else:
            self.emit(text)
        self.lead = None  # a list does not introduce the next one

    def heading(self, level: int, text: str) -> None:
        self.lead = None
        if not text:
            return
        self.path = [(lv, h) for lv, h in self.path if lv < level] + [(level, text)]
        if level == 1 and self.first_h1 is None:
            self.first_h1 = text

    def flush(self) -> None:
        if not self.buf:
            return
        lines = [_clean(part) for part in "".join(self.buf).split(_BR)]
        self.buf = []
        self.emit(join_lines([ln for ln in lines if ln]))

    def emit(self, text: str) -> None:
        if not text or not _WORD.search(text):
            return
        if self.label:
            text, self.label = f"{self.label}：{text}", None
        self.paragraphs += 1
        n = self.paragraphs
        path = self.heading_path
        self.chunks.append(Chunk(f"{self.doc}#p{n}", "paragraph", n, path[-1] if path else None, None, text,
                                 doc=self.doc, heading_path=path))
        self.last_block = text
        self.lead = len(self.chunks)  # it may introduce a list that comes next

    def table(self, node) -> None:
        self.lead = None
        rows = [_row_cells(tr) for tr in _rows(node)]
        rows = [r for r in rows if any(r)]
        if not rows:
            return
        caption_node = node.css_first("caption")
        caption = _clean(_text(caption_node)) if caption_node is not None else None
        if not caption and looks_like_caption(self.last_block):
            caption = self.last_block
        headers, body = (rows[0], rows[1:]) if len(rows) > 1 else (None, rows)
        self.tables += 1
        self.chunks.extend(table_chunks(self.doc, self.tables, caption, headers, body, self.heading_path))
        self.last_block = ""


def _items(node) -> list[str] | None:
    """A list's items as lines (• item; 1. item; • term：definition), or None when the list is not one passage:
    it nests blocks that are passages of their own (a list, a table, code) or runs past ``MAX_LIST`` characters."""
    if any(inner != node for inner in node.css("ul, ol, dl, table, pre")):  # (css() matches the node itself)
        return None
    lines: list[str] = []
    term = ""
    for child in node.iter():
        if _dropped(child):
            continue
        text = _clean(_text(child))
        if child.tag == "li" and text:
            lines.append(f"{len(lines) + 1}. {text}" if node.tag == "ol" else f"• {text}")
        elif child.tag == "dt":
            term = text
        elif child.tag == "dd" and (text or term):
            lines.append(f"• {term}：{text}" if term and text else f"• {term or text}")
            term = ""
    if term:
        lines.append(f"• {term}")
    if not lines or sum(len(ln) + 1 for ln in lines) > MAX_LIST:
        return None
    return lines


def _dropped(node) -> bool:
    if node.tag in DROP_TAGS:
        return True
    attrs = node.attributes
    if "hidden" in attrs or (attrs.get("aria-hidden") or "") == "true":
        return True
    if (attrs.get("role") or "") in DROP_ROLES:
        return True
    classes = (attrs.get("class") or "").split()
    return any(c in DROP_CLASSES for c in classes)


def _text(node) -> str:
    """The node's text without dropped descendants (scripts inside a heading, …); a ``<br>`` as ``\\n``.

    Walks with its own stack, so that deep nesting cannot exhaust Python's recursion limit.
    """
    parts: list[str] = []
    stack = [node.iter(include_text=True)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.is_text_node:
            parts.append(child.text_content or "")
        elif child.is_element_node and not _dropped(child):
            if child.tag == "br":
                parts.append("\n")
            else:
                stack.append(child.iter(include_text=True))
    return "".join(parts)


def _clean(text: str) -> str:
    """Whitespace runs (source wraps included) to one space, then none between Chinese characters."""
    return join_lines([" ".join(text.split())])


def _pre_text(node) -> str:
    """A ``pre`` block keeps its lines (code, commands), without trailing spaces or blank edges."""
    lines = [ln.rstrip() for ln in _text(node).split("\n")]
    return "\n".join(lines).strip("\n")


def _is_data_table(node) -> bool:
    """Cells hold inline content only, and the widest row has at least two cells."""
    if (node.attributes.get("role") or "") == "presentation":
        return False
    for tr in _rows(node):
        for cell in _cells(tr):
            if cell.css_first(_INSIDE_CELL_BLOCKS) is not None:
                return False
    return max((len(_cells(tr)) for tr in _rows(node)), default=0) >= 2


def _rows(table) -> list:
    """The table's own rows (not those of a nested table), in order."""
    out = []
    for child in table.iter():
        if child.tag == "tr":
            out.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            out.extend(c for c in child.iter() if c.tag == "tr")
    return out


def _cells(tr) -> list:
    return [c for c in tr.iter() if c.tag in ("td", "th")]


def _row_cells(tr) -> list[str]:
    """Cell texts, a ``colspan`` cell repeated in a header row (all ``th``) and padded with "" elsewhere."""
    cells = _cells(tr)
    header = bool(cells) and all(c.tag == "th" for c in cells)
    out: list[str] = []
    for cell in cells:
        text = _clean(_text(cell))
        try:
            span = max(1, min(int(cell.attributes.get("colspan") or 1), 50))
        except ValueError:
            span = 1
        out.append(text)
        out.extend([text if header else ""] * (span - 1))
    return out
