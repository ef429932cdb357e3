"""Write PDFs with known text on known pages, for the PDF parser's tests.

One small typesetter (``layout``) flows paragraphs into lines, columns and pages and
remembers which paragraph fragment lands on which page; two back ends draw the result:
reportlab with its built-in CID font ``STSong-Light`` (no font file) and fpdf2 with
Debian's WenQuanYi Micro Hei (``fonts-wqy-microhei``). Options cover what the parser
must survive: two columns, a shuffled content stream, letter-spaced Chinese, a running
header and footer with page numbers, /PageLabels, encryption.

Does not hyphenate or justify; Latin words are never broken inside.

>>> pages = layout(["甲乙丙丁。" * 3], measure=lambda s, size: size * len(s), width=80, height=60, size=10)
>>> [[f.text for f in page.fragments] for page in pages]
[['甲乙丙丁。甲乙丙丁。甲乙丙丁。']]
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
A4 = (595.28, 841.89)
MARGIN = 72.0
GUTTER = 28.0


@dataclass
class Fragment:
    """The part of one source paragraph that lands on one page (or one column)."""

    para: int  # index of the source paragraph
    text: str


@dataclass
class Placed:
    """One line to draw: its text, where, and which paragraph it belongs to."""

    x: float
    y: float  # baseline, PDF points from the bottom
    text: str
    size: float


@dataclass
class PageOut:
    fragments: list[Fragment] = field(default_factory=list)  # in reading order
    lines: list[Placed] = field(default_factory=list)  # in reading order


_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,:;!?%/'’\-]*|\s+|.", re.DOTALL)


def _tokens(text: str) -> list[str]:
    """Chinese characters one by one, Latin words and numbers whole, spaces as runs."""
    return _TOKEN.findall(text)


def layout(paragraphs: list, measure, width: float = A4[0] - 2 * MARGIN, height: float = A4[1] - 2 * MARGIN,
           size: float = 10.5, columns: int = 1, leading: float = 1.6, indent: int = 2,
           para_gap: float = 0.6) -> list[PageOut]:
    """Flow paragraphs into pages: each page a list of fragments (reading order) and placed lines.

    Coordinates of ``Placed`` lines are relative to the text area's top-left (x right,
    y down, baseline); the back ends shift and flip them. ``measure(text, size)`` is the
    width in points. A paragraph given as ``(text, size)`` is a heading: set in that
    size, not indented, with space above.
    """
    col_width = (width - GUTTER * (columns - 1)) / columns
    pages: list[PageOut] = [PageOut()]
    col = 0
    y = size

    def new_column() -> None:
        nonlocal col, y
        col += 1
        y = size
        if col == columns:
            col = 0
            pages.append(PageOut())

    for p, para in enumerate(paragraphs):
        psize = size
        if isinstance(para, tuple):
            para, psize = para
            y += psize * 0.8
        toks = _tokens(para)
        first = True
        frag: Fragment | None = None
        line = ""
        x0 = indent * size if psize == size else 0.0
        while toks or line:
            if y > height:
                new_column()
                frag = None
            start = x0 if first else 0.0
            line = ""
            while toks:
                tok = toks[0]
                if not line and tok.isspace():
                    toks.pop(0)
                    continue
                if line and measure(line + tok, psize) > col_width - start:
                    break
                line += toks.pop(0)
            line = line.rstrip()
            if frag is None:
                frag = Fragment(p, "")
                pages[-1].fragments.append(frag)
            frag.text = _append(frag.text, line)
            pages[-1].lines.append(Placed(col * (col_width + GUTTER) + start, y, line, psize))
            y += psize * leading
            first = False
            line = ""
        y += size * para_gap
    return [page for page in pages if page.lines]


def _append(text: str, line: str) -> str:
    """Join a line to its fragment the way the source had it: a space where the source broke at one."""
    if not text:
        return line
    space = text[-1].isascii() and text[-1].isalnum() and line[:1].isascii() and line[:1].isalnum()
    return text + (" " if space else "") + line


def letter_space(text: str) -> str:
    """A space between every two characters: ``中 文 标 题``."""
    return " ".join(text)


# --- back ends ------------------------------------------------------------------------------------------------


@dataclass
class Made:
    """What a generated PDF holds: per page, the paragraph fragments in reading order."""

    path: Path
    pages: list[list[str]]
    header: str | None = None
    labels: list[str] | None = None


def _running(options: dict, number: int, total: int) -> tuple[str | None, str | None]:
    header = options.get("header")
    footer = options.get("footer")
    return (header.format(n=number, total=total) if header else None,
            footer.format(n=number, total=total) if footer else None)


def _ordered(lines: list[Placed], order: str, rng: random.Random) -> list[Placed]:
    """The lines in the order the content stream draws them.

    ``"reading"``: as read; ``"shuffled"``: at random; ``"rows"``: row by row across
    the columns (top to bottom, left to right), as some word processors write columns.
    """
    if order == "shuffled":
        lines = list(lines)
        rng.shuffle(lines)
        return lines
    if order == "rows":
        return sorted(lines, key=lambda op: (round(op.y, 1), op.x))
    return list(lines)


def reportlab_pdf(path: Path, paragraphs: list, *, columns: int = 1, order: str = "reading",
                  letter_spaced: str | None = None, header: str | None = None, footer: str | None = None,
                  labels: list[tuple[int, str, int]] | None = None, encrypt: str | None = None,
                  size: float = 10.5, seed: int = 7) -> Made:
    """Typeset with reportlab's STSong-Light.

    ``letter_spaced``: ``"spaces"`` draws a space character between every two
    characters, ``"charspace"`` spreads them with the text state's character spacing.
    ``header``/``footer`` are format strings with ``{n}`` (page number) and ``{total}``.
    ``labels``: (first page index from 0, style "ROMAN_LOWER"/"ARABIC"/…, start) for /PageLabels.
    ``encrypt``: a user password.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    spaced = letter_spaced == "spaces"
    extra = 0.5 * size if letter_spaced == "charspace" else 0.0

    def measure(text: str, at: float) -> float:
        shown = letter_space(text) if spaced else text
        return pdfmetrics.stringWidth(shown, font, at) + extra * len(shown)

    pages = layout(paragraphs, measure, size=size, columns=columns)
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt, invariant=1)
    c.setTitle("")
    rng = random.Random(seed)
    width, height = A4
    for number, page in enumerate(pages, start=1):
        for op in _ordered(page.lines, order, rng):
            t = c.beginText(MARGIN + op.x, height - MARGIN - op.y)
            t.setFont(font, op.size)
            if extra:
                t.setCharSpace(extra)
            t.textOut(letter_space(op.text) if spaced else op.text)
            c.drawText(t)
        head, foot = _running({"header": header, "footer": footer}, number, len(pages))
        if head:
            c.setFont(font, 9)
            c.drawString(MARGIN, height - 40, head)
        if foot:
            c.setFont(font, 9)
            c.drawCentredString(width / 2, 36, foot)
        c.showPage()
    for first, style, start in labels or ():
        c.addPageLabel(first, style=style, start=start)
    c.save()
    return Made(Path(path), [[f.text for f in p.fragments] for p in pages], header)


def fpdf_pdf(path: Path, paragraphs: list, *, columns: int = 1, order: str = "reading",
             header: str | None = None, footer: str | None = None, size: float = 10.5, seed: int = 7,
             title: str | None = None) -> Made:
    """Typeset with fpdf2 and WenQuanYi Micro Hei (embedded as a subset, with a ToUnicode map)."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("wqy", fname=str(WQY), collection_font_number=0)
    pdf.set_font("wqy", size=size)
    if title:
        pdf.set_title(title)
    def measure(text: str, at: float) -> float:
        pdf.set_font("wqy", size=at)
        return pdf.get_string_width(text)

    pages = layout(paragraphs, measure, size=size, columns=columns)
    rng = random.Random(seed)
    width, height = A4
    for number, page in enumerate(pages, start=1):
        pdf.add_page()
        for op in _ordered(page.lines, order, rng):
            pdf.set_font("wqy", size=op.size)
            pdf.text(MARGIN + op.x, MARGIN + op.y, op.text)  # fpdf2: y from the top, at the baseline
        head, foot = _running({"header": header, "footer": footer}, number, len(pages))
        pdf.set_font("wqy", size=9)
        if head:
            pdf.text(MARGIN, 40, head)
        if foot:
            pdf.text(width / 2 - pdf.get_string_width(foot) / 2, height - 36, foot)
    pdf.output(str(path))
    return Made(Path(path), [[f.text for f in p.fragments] for p in pages], header)


def image_only_pdf(path: Path, pages: int = 2) -> Path:
    """A 'scan': pages that only draw an image (grey noise), no text objects."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rng = random.Random(3)
    img = Image.frombytes("L", (200, 280), bytes(rng.randrange(180, 256) for _ in range(200 * 280)))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for _ in range(pages):
        c.drawImage(ImageReader(img), 50, 50, width=495, height=740)
        c.showPage()
    c.save()
    return Path(path)


def mixed_scan_pdf(path: Path) -> Path:
    """Page 1 text, page 2 only an image (a scanned page in the middle), page 3 text."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    img = Image.new("L", (100, 140), 200)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for n in (1, 2, 3):
        if n == 2:
            c.drawImage(ImageReader(img), 50, 50, width=495, height=740)
        else:
            c.setFont("STSong-Light", 12)
            c.drawString(72, 700, f"第{n}页的正文，用来检查扫描页之外的文字照常读取。")
        c.showPage()
    c.save()
    return Path(path)


# --- source text ----------------------------------------------------------------------------------------------


def zhlipsum_paragraphs(def_file: Path, name: str = "simp") -> list[str]:
    """The paragraphs of one dummy text (``simp``, ``zhufu``, …) from zhlipsum's ``zhlipsum-utf8.def``.

    The file writes each text as ``+newzhlipsum < name >`` followed by lines ``<段落>,``.
    """
    out: list[str] = []
    inside = False
    for line in def_file.read_text(encoding="utf-8").splitlines():
        head = re.match(r"\+newzhlipsum\s*<\s*(\w+)\s*>", line)
        if head:
            inside = head.group(1) == name
            continue
        m = re.match(r"^\s*<(.+)>,?\s*$", line)
        if inside and m:
            out.append(m.group(1).strip())
    return out


def without_tounicode(path: Path) -> Path:
    """Blank out the /ToUnicode entries of a PDF in place (same length, so the xref stays right).

    An fpdf2 file then has an embedded Identity-H font whose characters map to nothing:
    the hard case of a CID font without a Unicode map.
    """
    data = Path(path).read_bytes()
    Path(path).write_bytes(re.sub(rb"/ToUnicode \d+ 0 R", lambda m: b" " * len(m.group(0)), data))
    return Path(path)


def merge(paths: list[Path], out: Path) -> Path:
    """Concatenate the pages of several PDFs (pypdfium2)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    for p in paths:
        src = pdfium.PdfDocument(str(p))
        doc.import_pages(src)
    doc.save(str(out))
    return Path(out)
