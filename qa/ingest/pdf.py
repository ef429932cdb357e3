"""The PDF parser: a PDF file in, a ``Document`` of paragraph chunks with exact pages out.

Text comes from pypdfium2, one page at a time, as characters with boxes (PDFium maps
CID fonts through its own CMaps, so most Chinese PDFs without a ToUnicode map still
read). ``qa.ingest.pdf_layout`` turns the characters into lines and paragraphs. On top
of that this module:

- reads a page whose content stream jumps around (two columns drawn across, shuffled
  text objects; ``pdf_layout.is_scrambled``) again with pdfminer.six's layout analysis
  (``LAParams``), and says so in ``Document.warnings``;
- drops running headers and footers: lines in a page's top three or bottom two rows
  whose text, with digits masked, repeats there at the same height on at least three
  pages, other lines at the height and size of those, and lone page numbers there;
- keeps the printed page label (``iv``, ``12``) where the file has a /PageLabels tree,
  else ``None``: a label is never invented from the physical number;
- finds headings (第一章, 1.2 …, or a larger font) and gives every chunk its heading path;
- warns about pages with no text layer (a scan: OCR is not available) and pages whose
  fonts have no Unicode map (their text would be garbage: U+FFFD or private-use
  characters), and does not index them;
- raises a ``qa.errors.CorpusError`` (the CLI exits 3) with a one-line message naming
  the file and the fix: ``EmptyFile`` (0 bytes), ``UnsupportedFormat`` (not a PDF),
  ``CorruptFile`` (truncated: no ``%%EOF`` at the end; or PDFium cannot open it),
  ``EncryptedPDF`` (a password is needed), ``NoTextLayer`` (no usable text on any page:
  a scan, drawings only, or fonts without a Unicode map).

Page text and spans: ``Page.text`` is the page's paragraphs, running headers and footers
left out, one paragraph per line (joined by ``"\\n"``), headings included. Every chunk is
one paragraph, a piece of a paragraph longer than 600 characters cut at sentence ends, or
a run of short paragraphs (code, table rows: under 40 characters each, up to 300 in all,
their line breaks kept), and ``page.text[start:end] == chunk.text`` exactly for its ``span``. A chunk never spans
two pages: a paragraph that runs over a page break becomes two chunks, each on its own
page. Chunk ids are ``"{name}#p{page}.{n}"``, ``n`` counting the page's chunks from 1.

Id, short name, language and lexicon are filled by ``qa.ingest.describe.new_document``
as for every format; the title is the metadata Title, else the largest line of page 1
(when set larger than the body), else its first line, else the file's stem.

Does not do OCR, read tables as rows, read footnotes as ``Footnote`` fields (a footnote
is a paragraph of its page, its marker left in the text) or undo hyphenation.

Example (``tests/pdfgen.py`` writes such files): a two-page PDF whose page 2 starts
with ``第二章 方法`` and a paragraph ``本章说明方法。`` gives the chunk
``Chunk(id="doc#p2.1", page=2, heading_path=("第二章 方法",), text="本章说明方法。",
span=(7, 14))`` over ``Page(number=2, text="第二章 方法\\n本章说明方法。")``.
"""

from __future__ import annotations

import ctypes
import io
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from qa.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedPDF,
    NoTextLayer,
    UnreadableFile,
    UnsupportedFormat,
)
from qa.ingest.describe import new_document, short_name
from qa.ingest.document import Chunk, Document, Page
from qa.ingest.pdf_layout import (
    Box,
    Glyph,
    Line,
    Para,
    group_lines,
    heading_level,
    is_cjk,
    is_scrambled,
    join,
    make_line,
    paragraphs,
    reading_order,
    starts_item,
)
from qa.lang.text import goes_on, split_sentences

log = logging.getLogger(__name__)

MAX_CHUNK = 600  # characters; a longer paragraph is cut at sentence ends
SHORT, RUN_CHUNK = 40, 300  # a run of paragraphs under 40 characters is one chunk of up to 300
HEAD_ROWS, FOOT_ROWS = 3, 2  # running headers and footers are looked for in a page's top 3 and bottom 2 rows
RUNNING_PAGES = 3  # ... and are the lines found there, at the same height, on at least this many pages
PDFIUM_LOCK = threading.Lock()  # PDFium is not thread-safe: one document at a time per process (page images too)


@dataclass
class _RawPage:
    """What one page gave before the whole-document passes (running headers, headings)."""

    number: int
    label: str | None
    bottom: float
    top: float
    lines: list[Line] = field(default_factory=list)
    glyphs: int = 0  # characters drawn (not counting spaces)
    bad: int = 0  # of which without a Unicode mapping
    images: bool = False
    scrambled: bool = False
    error: str | None = None


def parse_pdf(path: Path, data: bytes | None = None, name: str | None = None) -> Document:
    """Parse a PDF file (or its ``data``, with ``path`` naming it) into a ``Document``."""
    return _parse(Path(path), data, name)[0]


def page_boxes(path: Path, data: bytes | None = None) -> list[list[Box | None]]:
    """For each page, one box per character of ``Page.text`` (``None`` for a space or line break the parser chose).

    Boxes are ``(x0, y0, x1, y1)`` in PDF points, y up, in the page's unrotated user
    space (as PDFium and pdfminer give them; a renderer applies /Rotate and the crop box):
    what the page image needs to highlight a span. It parses the whole file again (the
    running headers, and so ``Page.text``, depend on every page): cache the result.
    """
    return _parse(Path(path), data, None)[1]


def _parse(path: Path, data: bytes | None, name: str | None) -> tuple[Document, list[list[Box | None]]]:
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableFile(f"{path}: cannot read the file ({exc.strerror}); check the path and its permissions") \
                from None
    _check_bytes(path, data)
    with PDFIUM_LOCK:
        raws, meta_title = _read_pages(path, data)
    warnings: list[str] = []
    scrambled = [r.number for r in raws if r.scrambled]
    if scrambled:
        try:
            _read_with_pdfminer(data, raws)
            how = "read with pdfminer.six layout analysis"
        except Exception as exc:  # pdfminer choking on a file PDFium read: keep PDFium's lines, in XY-cut order
            log.debug("%s: pdfminer.six failed", path, exc_info=True)
            for r in raws:
                if r.scrambled:
                    r.lines = [r.lines[i] for i in reading_order(r.lines)]
            how = f"pdfminer.six failed ({type(exc).__name__}), so PDFium's lines were put in reading order by XY-cut"
        warnings.append(f"{_pages(scrambled)}: text order scrambled (columns or a shuffled content stream); {how}")
        log.info("%s: %s: %s", path, _pages(scrambled), how)
    _check_text(path, raws)
    warnings += _page_warnings(raws)
    _drop_running(raws)
    body = _body_size(raws)
    pages, boxes, chunks, title_guess = _assemble(raws, name or short_name(path), body)
    doc = new_document(data=data, path=path, name=name or short_name(path), title=_clean_title(meta_title) or title_guess or path.stem,
                       parser="pdf", chunks=chunks, pages=tuple(pages), warnings=tuple(warnings))
    for w in warnings:
        log.info("%s: %s", path, w)
    return doc, boxes


# --- bytes and file-level errors ------------------------------------------------------------------------------


def _check_bytes(path: Path, data: bytes) -> None:
    """Errors that the bytes alone show: empty, not a PDF, cut short.

    The header may sit anywhere in the first 1024 bytes (PDF 1.7, 7.5.2); a complete file
    ends with ``%%EOF`` (give or take trailing whitespace and junk).
    """
    if not data:
        raise EmptyFile(f"{path}: empty file (0 bytes); copy or download it again")
    if b"%PDF-" not in data[:1024]:
        head = data[:24].decode("latin-1").encode("unicode_escape").decode("ascii")
        raise UnsupportedFormat(f"{path}: not a PDF (it starts with {head!r}); give it the suffix of what it is, "
                       "or export it as PDF")
    if b"%%EOF" not in data[-65536:].rstrip(b"\x00\t\r\n\x0c ")[-2048:]:  # padding after %%EOF is allowed
        raise CorruptFile(f"{path}: truncated PDF ({len(data)} bytes, no %%EOF at its end); copy or download it again")


def _open(path: Path, data: bytes):
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise EncryptedPDF(f"{path}: encrypted PDF; decrypt it first (qpdf --decrypt in.pdf out.pdf)") from None
        if exc.err_code == pdfium_c.FPDF_ERR_SECURITY:
            raise EncryptedPDF(f"{path}: PDF with an unsupported security handler; "
                               "decrypt it first (qpdf --decrypt in.pdf out.pdf)") from None
        raise CorruptFile(f"{path}: corrupt PDF ({exc}); repair it (qpdf in.pdf out.pdf) or export it again") from None


def _check_text(path: Path, raws: list[_RawPage]) -> None:
    """A PDF with no usable text on any page is an error, not an empty document."""
    if any(r.lines for r in raws):
        return
    n = len(raws)
    if not any(r.glyphs for r in raws):
        if any(r.images for r in raws):
            raise NoTextLayer(f"{path}: no text layer on any of its {n} pages (a scan?); OCR is not available, "
                             "so run OCR first (ocrmypdf -l chi_sim in.pdf out.pdf)")
        raise NoTextLayer(f"{path}: no text on any of its {n} pages (drawings only?); nothing to index")
    raise NoTextLayer(f"{path}: no readable text on any of its {n} pages (fonts without a Unicode map); "
                   "export it again with ToUnicode maps, or run OCR first (ocrmypdf -l chi_sim --force-ocr)")


# --- reading pages --------------------------------------------------------------------------------------------


def _read_pages(path: Path, data: bytes) -> tuple[list[_RawPage], str]:
    pdf = _open(path, data)
    try:
        try:
            title = pdf.get_metadata_value("Title") or ""
        except (pdfium.PdfiumError, UnicodeDecodeError):  # a broken Info dictionary only costs the title
            title = ""
        n = len(pdf)
        if n == 0:
            raise CorruptFile(f"{path}: the PDF has no pages (corrupt?); export it again")
        return [_read_page(pdf, i) for i in range(n)], title
    finally:
        pdf.close()


def _read_page(pdf, index: int) -> _RawPage:
    label = None
    try:
        label = pdf.get_page_label(index) or None
    except pdfium.PdfiumError:
        pass
    raw = _RawPage(index + 1, label, 0.0, 0.0)
    try:
        page = pdf[index]
    except pdfium.PdfiumError as exc:
        raw.error = str(exc)
        return raw
    try:
        _left, bottom, _right, top = page.get_mediabox()
        raw.bottom, raw.top = min(bottom, top), max(bottom, top)
        textpage = page.get_textpage()
        try:
            glyphs, raw.glyphs, raw.bad = _pdfium_glyphs(textpage)
        finally:
            textpage.close()
        if not raw.glyphs:
            raw.images = any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3))
        if raw.bad > 0.2 * raw.glyphs:
            return raw  # garbage: reported, not indexed
        raw.lines = group_lines(glyphs)
        raw.scrambled = is_scrambled(raw.lines)
    except pdfium.PdfiumError as exc:
        raw.error = str(exc)
    finally:
        page.close()
    return raw


def _garbage(ch: str) -> bool:
    """A character that means the font had no usable Unicode map.

    >>> _garbage("\\ufffd"), _garbage("\\ue000"), _garbage("中")
    (True, True, False)
    """
    o = ord(ch)
    return o == 0xFFFD or 0xE000 <= o <= 0xF8FF or o < 0x20 or 0xF0000 <= o


# a bold face by its name, where its descriptor says a weight under 600: LMRoman10-Bold, TeX's CMBX10 (bold extended)
_BOLD_NAME = re.compile(rb"bold|heavy|black|(?:^|\+)(?:cm|lm|ec|t1x?)bx", re.IGNORECASE)
# a monospaced (code) face by its name, where its descriptor does not say FixedPitch: LMMono10, cmtt10, Courier
_MONO_NAME = re.compile(rb"mono|courier|typewriter|consol|menlo|inconsolata|(?:^|\+)(?:cm|lm|ec|sf|t1x)tt", re.IGNORECASE)


def _face(textpage, i: int) -> tuple[bool, bool]:
    """Whether character ``i`` is set in a bold face and in a monospaced one. Bold: a weight of 600 or more, or a
    font named bold whose descriptor says less (Latin Modern's LMRoman10-Bold and TeX's CMBX10 say 570).
    Monospaced: the descriptor's FixedPitch flag or a typewriter font's name (for Latin text only: CJK fonts are
    fixed-pitch). Asked once per run of text."""
    name, flags = ctypes.create_string_buffer(128), ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(textpage, i, name, len(name), ctypes.byref(flags))
    weight = pdfium_c.FPDFText_GetFontWeight(textpage, i)
    bold = weight >= 600 or not 0 < weight < 500 and _BOLD_NAME.search(name.value) is not None
    return bold, bool(flags.value & 1) or _MONO_NAME.search(name.value) is not None


def _pdfium_glyphs(textpage) -> tuple[list[Glyph], int, int]:
    """The page's characters in content-stream order: (glyphs, characters drawn, of which unmapped).

    Two PDFium calls per character (box, map error), a third (size) when the box's height
    changes (the loose box's height is the font's ascent to descent); the text comes in one call
    when it has no surrogate pairs (then text index = character index), else character
    by character. Whitespace (the file's or PDFium's generated spaces and line breaks)
    only marks a space before the next glyph. The font weight is asked once per run
    (after whitespace), enough to tell a bold heading.
    """
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    if len(text) != count or any(0xD800 <= ord(c) < 0xE000 for c in text):
        text = _text_by_char(textpage, count)
    rect = pdfium_c.FS_RECTF()
    map_error, loose_box = pdfium_c.FPDFText_HasUnicodeMapError, pdfium_c.FPDFText_GetLooseCharBox
    font_size = pdfium_c.FPDFText_GetFontSize
    glyphs: list[Glyph] = []
    drawn = bad = 0
    space = True
    bold = mono = False
    height = size = -1.0
    for i, ch in enumerate(text):
        if not ch:  # the second half of a surrogate pair
            continue
        if ch == "\ufffe":  # PDFium's mark for a hyphen that ends a line
            ch = "-"
        if ch.isspace() and not map_error(textpage, i):
            space = True
            continue
        drawn += 1
        if _garbage(ch) or map_error(textpage, i):
            bad += 1
            continue
        loose_box(textpage, i, rect)
        if space:
            bold, mono = _face(textpage, i)
        top, bottom = rect.top, rect.bottom
        if abs(top - bottom - height) > 0.01:  # the loose box's height is the font's: same height, same size
            height = top - bottom
            size = font_size(textpage, i)
        glyphs.append(Glyph(ch, rect.left, bottom, rect.right, top, size, bold, space, mono and ch.isascii()))
        space = False
    return glyphs, drawn, bad


def _text_by_char(textpage, count: int) -> list[str]:
    """One string per character index ("" for the second half of a surrogate pair)."""
    out: list[str] = []
    high = 0
    for i in range(count):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        if 0xD800 <= code < 0xDC00:
            high = code
            out.append("")
            continue
        if 0xDC00 <= code < 0xE000 and high:
            out[-1] = chr(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00))
            out.append("")
        else:
            out.append(chr(code))
        high = 0
    return out


def _read_with_pdfminer(data: bytes, raws: list[_RawPage]) -> None:
    """Read the scrambled pages again with pdfminer.six's layout analysis, then order its lines by XY-cut.

    pdfminer groups characters into lines by geometry, whatever order the content stream
    drew them in. Its own ordering of text boxes (``boxes_flow``) interleaves columns
    when the line spacing exceeds ``line_margin`` (every line is then a box of its own),
    so the lines are put in reading order by ``pdf_layout.reading_order`` instead.
    """
    from pdfminer.high_level import extract_pages  # pdfminer.six takes about 0.2 s to import: only scrambled pages need its layout analysis
    from pdfminer.layout import LAParams, LTAnno, LTChar, LTTextContainer, LTTextLine  # with pdfminer above

    wanted = {r.number - 1: r for r in raws if r.scrambled}
    params = LAParams(line_margin=0.5, char_margin=1.0, boxes_flow=None)  # no box ordering: XY-cut below
    for index, layout in zip(sorted(wanted), extract_pages(io.BytesIO(data), page_numbers=sorted(wanted),
                                                           laparams=params)):
        lines: list[Line] = []
        bad = 0
        for box in layout:
            if not isinstance(box, LTTextContainer):
                continue
            for row in box:
                if not isinstance(row, LTTextLine):
                    continue
                glyphs: list[Glyph] = []
                space = False
                for item in row:
                    text = item.get_text()
                    if isinstance(item, LTAnno) or text.isspace():
                        space = True
                        continue
                    if not isinstance(item, LTChar):
                        continue
                    if text.startswith("(cid:") or any(_garbage(c) for c in text):
                        bad += 1
                        continue
                    for c in text:  # ligatures ("ﬁ" read as "fi") share the box
                        glyphs.append(Glyph(c, item.x0, item.y0, item.x1, item.y1, item.size,
                                            "bold" in item.fontname.lower(), space,
                                            c.isascii() and _MONO_NAME.search(item.fontname.encode()) is not None))
                        space = False
                if glyphs:
                    lines.append(make_line(glyphs))
        raw = wanted[index]
        if bad > 0.2 * max(raw.glyphs, 1):
            log.info("page %d: pdfminer.six could not map the fonts; PDFium's lines in XY-cut order", raw.number)
            raw.lines = [raw.lines[i] for i in reading_order(raw.lines)]
            continue
        lines = [line for line in lines if line.text.strip()]
        raw.lines = [lines[i] for i in reading_order(lines)]


def _page_warnings(raws: list[_RawPage]) -> list[str]:
    """One warning per page not indexed; the few unmapped characters dropped elsewhere in one line."""
    out = []
    dropped: list[_RawPage] = []
    for r in raws:
        if r.error:
            out.append(f"page {r.number}: unreadable ({r.error}); skipped")
        elif not r.glyphs and r.images:
            out.append(f"page {r.number}: no text layer (a scan?); OCR is not available, so it is not indexed")
        elif r.glyphs and not r.lines and r.bad:
            out.append(f"page {r.number}: {r.bad} of {r.glyphs} characters have no Unicode mapping "
                       "(a font without ToUnicode); not indexed")
        elif r.bad:
            dropped.append(r)
    if dropped:
        out.append(f"{_pages([r.number for r in dropped])}: {sum(r.bad for r in dropped)} characters "
                   "without a Unicode mapping dropped (symbols or a font without ToUnicode)")
    return out


# --- running headers and footers ------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:\d{1,4}|[ivxlcdm]{1,7}|[IVXLCDM]{1,7}|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|(?:page|Page|PAGE)\s*\d{1,4}(?:\s*of\s*\d{1,4})?)(?:\s*[-–—])?$")


def _bands(lines: list[Line]) -> dict[int, str]:
    """``id(line) -> "top" | "bottom"`` for the lines in the page's top 3 and bottom 2 rows of text.

    Rows, not a fixed share of the page: a book printed with crop marks has its running
    head a hundred points below the paper's edge, under a print stamp. A row is the lines
    that overlap vertically (a running head and its page number).

    >>> rows = [Line(t, [None], 0, y, 50, y + 10, 10) for t, y in [("页眉", 700), ("正文一", 600), ("正文二", 580),
    ...         ("正文三", 560), ("正文四", 540), ("3", 40)]]
    >>> sorted(_bands(rows)[id(r)] for r in rows if id(r) in _bands(rows))
    ['bottom', 'bottom', 'top', 'top', 'top']
    """
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: -ln.y1):
        last = rows[-1] if rows else None
        if last and min(x.y1 for x in last) > line.y0 and line.y1 - max(x.y0 for x in last) > 0.3 * line.height:
            last.append(line)
        else:
            rows.append([line])
    out: dict[int, str] = {}
    for row in rows[-FOOT_ROWS:]:
        for line in row:
            out[id(line)] = "bottom"
    for row in rows[:HEAD_ROWS]:
        for line in row:
            out[id(line)] = "top"
    return out


def _drop_running(raws: list[_RawPage]) -> None:
    """Remove running headers, footers and page numbers from every page's lines (in place).

    A line in a page's top or bottom rows (``_bands``) goes when its text, digits masked,
    is found there at the same height (within 2-4 pt) on at least three pages (a file of
    one or two pages keeps its headers: two pages cannot tell a header from a repeated
    line), when it
    sits at the height and size of such a line (a running head that changes with the
    chapter), or when it is a lone page number (``12``, ``- 12 -``, ``第 12 页``, ``xii``).

    >>> def page(n, texts):
    ...     r = _RawPage(n, None, 0, 800)
    ...     r.lines = [Line(t, [None] * len(t), 50, y, 300, y + 10, 10, base=y) for t, y in texts]
    ...     return r
    >>> raws = [page(n, [(f"第 {n} 节 文本", 780), (f"正文{'甲乙丙'[n - 1]}。", 500), ("同一句。", 480 - 5 * n),
    ...                  ("同一句。", 300 + 20 * n), (str(n), 20)]) for n in (1, 2, 3)]
    >>> _drop_running(raws)
    >>> [line.text for line in raws[0].lines]
    ['正文甲。', '同一句。', '同一句。']
    """
    with_text = [r for r in raws if r.lines]
    bands = {r.number: _bands(r.lines) for r in with_text}
    seen: dict[tuple[str, str, int], set[int]] = {}  # (band, masked text, height in 2 pt steps) -> pages
    for r in with_text:
        for line in r.lines:
            band = bands[r.number].get(id(line))
            if band:
                seen.setdefault((band, _mask(line.text), round(line.base / 2)), set()).add(r.number)
    running = {key for key in seen
               if len(seen[key] | seen.get((*key[:2], key[2] - 1), set()) | seen.get((*key[:2], key[2] + 1), set()))
               >= RUNNING_PAGES}
    heights: set[tuple[str, int, int]] = set()  # (band, height, size) of the running lines found, rounded
    for r in with_text:
        for line in r.lines:
            band = bands[r.number].get(id(line))
            if band and (band, _mask(line.text), round(line.base / 2)) in running:
                heights.add((band, round(line.base), round(line.size)))
    for r in with_text:
        keep = []
        for line in r.lines:
            band = bands[r.number].get(id(line))
            drop = band is not None and (
                (band, _mask(line.text), round(line.base / 2)) in running
                or _PAGE_NUMBER.match(line.text.strip()) is not None
                or any((band, round(line.base) + d, round(line.size)) in heights for d in (-1, 0, 1))
            )
            if not drop:
                keep.append(line)
        r.lines = keep


def _mask(text: str) -> str:
    """The text with spaces removed and digit runs masked: how running lines are compared.

    >>> _mask("第 12 页 共 30 页")
    '第#页共#页'
    """
    return re.sub(r"\d+", "#", "".join(text.split()))


# --- paragraphs, headings, chunks -----------------------------------------------------------------------------


def _body_size(raws: list[_RawPage]) -> float:
    """The body text's font size: the size that most characters are set in."""
    weight: dict[float, int] = {}
    for r in raws:
        for line in r.lines:
            key = round(line.size, 1)
            weight[key] = weight.get(key, 0) + len(line.text)
    return max(weight, key=lambda size: weight[size]) if weight else 10.0


def _assemble(raws: list[_RawPage], name: str, body: float):
    """Pages, their character boxes, chunks, and a title guess (the largest line of page 1).

    A paragraph is a chunk (cut at sentence ends when longer than ``MAX_CHUNK``), except
    that a run of short ones (under ``SHORT`` characters: the lines of a code listing, a
    table's rows, a list of commands) on one page, with no heading between them, is one
    chunk of up to ``RUN_CHUNK`` characters whose text keeps their line breaks: a chunk
    ``section`` or ``同上`` alone cannot be found or cited usefully.
    """
    pages: list[Page] = []
    all_boxes: list[list[Box | None]] = []
    chunks: list[Chunk] = []
    path: list[tuple[int, str]] = []  # the heading stack: (level, text)
    title_guess = ""
    for r in raws:
        paras = paragraphs(r.lines)
        if r.number == 1 and paras:
            title_guess = _title_guess(paras, body)
        texts: list[str] = []
        boxes: list[Box | None] = []
        offset = 0
        run: list[tuple[int, str]] = []  # short paragraphs waiting to become one chunk: (start, text)
        page_chunks: list[tuple[int, int, str]] = []  # (start, end, text) of this page's chunks, in order
        heads_at: list[tuple[str, ...]] = []  # the heading path of each of them

        def flush() -> None:
            if run:
                text = "\n".join(t for _, t in run)
                if _worth_indexing(text):
                    page_chunks.append((run[0][0], run[0][0] + len(text), text))
                    heads_at.append(tuple(t for _, t in path))
                run.clear()

        laid: list[tuple[int, str, int | None, bool]] = []  # (start, text, heading level, listing) per paragraph
        listed = 0  # the last line number of the code listing running on this page (0: none)
        for para in paras:
            text, bx = join(para.lines)
            if not text:
                continue
            if texts:
                offset += 1
                boxes.append(None)
            listed = _listing(para, body, listed)
            level = (heading_level(text, para.size, body, para.lines[0].bold or para.lines[0].lead_bold)
                     if len(para.lines) <= 2 else None)
            laid.append((offset, text, level, listed > 0 or level is None and para.mono))
            texts.append(text)
            boxes.extend(bx)
            offset += len(text)
        page_text = "\n".join(texts)
        # a contents page: most of its paragraphs are entries (dot leaders, a page number); the rest, part titles
        # and page numbers the layout set apart (E 中文支持 / 21), belong to it too. It repeats the body's headings
        entries = sum(_contents_entry(t) for _, t, _, _ in laid)
        if len(laid) >= 4 and entries * 2 >= len(laid):
            log.debug("page %d: a contents page (%d of %d paragraphs are entries); not indexed", r.number, entries,
                      len(laid))
            # but what stands above its title (目录) is not contents: a title page's abstract (简介 …) is indexed
            title = next((i for i, (_, t, _, _) in enumerate(laid) if _CONTENTS_TITLE.fullmatch(re.sub(r"\s", "", t))),
                         0)
            laid = laid[:title] + [(o, t, CONTENTS, c) for o, t, _, c in laid[title:]]
        # a contents on a page with other text (an abstract beside it): its title and the entries after it
        block = _contents_block([t for _, t, _, _ in laid])
        if block:
            laid = [(o, t, CONTENTS if i in block else lv, c) for i, (o, t, lv, c) in enumerate(laid)]
        for start, text, level in _units(laid, page_text):
            # (the short paragraphs before it make their chunk: a chunk is one stretch)
            if level == CONTENTS or _contents_entry(text):
                flush()
                continue
            if level is not None:
                flush()
                level = _under_its_number(path, text, level)
                while path and path[-1][0] >= level:
                    path.pop()
                path.append((level, text))
                continue
            if len(text) < SHORT:
                if run and start + len(text) - run[0][0] > RUN_CHUNK:
                    flush()
                run.append((start, text))
                continue
            flush()
            for s, e in _pieces(text):
                page_chunks.append((start + s, start + e, text[s:e]))
                heads_at.append(tuple(t for _, t in path))
        flush()
        for n, ((s, e, text), heads) in enumerate(zip(page_chunks, heads_at), start=1):
            chunks.append(Chunk(
                id=f"{name}#p{r.number}.{n}", kind="paragraph", number=None,
                section=heads[-1] if heads else None, page=r.number, text=text, doc=name,
                heading_path=heads, page_label=r.label, span=(s, e)))
        pages.append(Page(number=r.number, label=r.label, text=page_text, has_text_layer=bool(r.glyphs)))
        all_boxes.append(boxes)
    return pages, all_boxes, chunks, title_guess


_SUBNUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.\d{1,2}\s")  # 5.1 图书, 2.1.3 开发版本: the number it extends
_HEAD_NUMBER = re.compile(r"^(?:第\s*(\d{1,2})\s*[章节部篇]|(\d{1,2}(?:\.\d{1,2})*))\s")  # 第 5 节 参考文献, 5.1 图书


def _under_its_number(path: list[tuple[int, str]], text: str, level: int) -> int:
    """The level of heading ``text`` given the heading stack ``path``: a numbered one (5.1 图书) goes under the
    heading whose number it extends (第 5 节 参考文献, 5 安装), whatever levels their sizes or styles gave them (a
    15-point 第 5 节 and a 13-point 5.1 can both read as level 2).

    >>> _under_its_number([(1, "手册"), (2, "第 5 节 参考文献")], "5.1 图书", 2)
    3
    >>> _under_its_number([(1, "手册"), (2, "第 4 节 依赖")], "5.1 图书", 2), _under_its_number([], "介绍", 1)
    (2, 1)
    """
    sub = _SUBNUMBER.match(text)
    if sub is None:
        return level
    for lv, head in reversed(path):
        m = _HEAD_NUMBER.match(head)
        if m and (m.group(1) or m.group(2)) == sub.group(1):
            return max(level, lv + 1)
    return level


_LEADS_ON = re.compile(r"[：:]\s*$")  # 它的功能包括： / 请依照下面的步骤来做： / 每个用户必须执行：
_ENDED = re.compile(r"[。！？!?；;.…)）」』”\"'’]\s*$")  # a paragraph that ends its sentence
_NUMBERED_HEAD = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){1,3}|第[一二三四五六七八九十百零〇\d]+[章节])\s*\S")  # 3.1.5 文本界面


def _units(laid: list[tuple[int, str, int | None, bool]], page_text: str) -> list[tuple[int, str, int | None]]:
    """The page's paragraphs (start, text, heading level), each joined with what it leads into or runs on into.

    A paragraph that ends with a colon introduces what follows: the next paragraph (a command, a step) and,
    when that starts a list item, the items after it (它的功能包括： • 列出方案； • 安装软件包。). One that ends
    mid-sentence, at least ``SHORT`` characters long (the layout cut it: ……很有 / 可能是因为……), or on a word
    that waits for what follows (``qa.lang.text.goes_on``: 可以在 / 宏包提供的), goes on in the next; when that
    one is a path, URL or command with no sentence end, the sentence goes on after it too (最新版可以在 /
    ftp://… / 下载。). The lines of a code listing (``listing``, see ``_listing``) or a paragraph set in a monospaced face go
    with the text before them, which says what they are (在屏幕上应该能见到以下内容 / 1 ===> TeX Live installation
    procedure). Alone, none of these answers: the lead-in is what a question finds, and its items, command or
    output would be in other chunks. The sentence of a lead-in whose command ends with no sentence end goes on
    after it (必须执行： / context --generate / 来刷新缓存。): that paragraph joins too, and so does the next item of
    a numbered list (``_next_item``). A joined unit is the page's text from the first paragraph's start to the last
    one's end (line breaks kept, so its span stays exact); it never takes in a heading and grows to at most
    ``MAX_CHUNK`` characters.

    >>> t = "它的功能包括：\\n• 列出方案；\\n• 安装软件包。\\n下一段。\\n屏幕上显示\\n1 install-tl"
    >>> [u[1] for u in _units([(0, "它的功能包括：", None, False), (8, "• 列出方案；", None, False),
    ...                          (16, "• 安装软件包。", None, False), (25, "下一段。", None, False),
    ...                          (30, "屏幕上显示", None, False), (36, "1 install-tl", None, True)], t)]
    ['它的功能包括：\\n• 列出方案；\\n• 安装软件包。', '下一段。', '屏幕上显示\\n1 install-tl']
    >>> t = "用户必须执行：\\ncontext --generate\\n来刷新缓存。\\n下一段。"
    >>> [u[1] for u in _units([(0, "用户必须执行：", None, False), (8, "context --generate", None, False),
    ...                          (27, "来刷新缓存。", None, False), (34, "下一段。", None, False)], t)]
    ['用户必须执行：\\ncontext --generate\\n来刷新缓存。', '下一段。']
    """
    out: list[tuple[int, str, int | None]] = []
    last = ""  # the last paragraph of out[-1]
    listing = False  # out[-1] is a lead-in and the list items it introduces
    shown = False  # out[-1] ends with what a lead-in showed (a command) and no sentence end: its sentence goes on
    term = False  # out[-1] ends with a term: an option alone on a short line in a monospaced face (``_term``)
    shows = False  # out[-1] is a lead-in and the lines of code it shows: a signature there is one of them
    entry = False  # out[-1] is a package manual's entry: it began with a signature (``_signature``)
    last_code = after_sig = False  # the last paragraph was code; was a signature
    for start, text, level, code in laid:
        leads = bool(_LEADS_ON.search(last))
        waits = _runs_on(last) or goes_on(last)
        # a term after a sentence that ended (…可以使用 -exclude 选项。 / -self) starts what describes it; so does a
        # signature (max-columns = 〈integer〉: a package manual's entry begins there), unless it is one of the lines
        # a lead-in shows, the sentence before goes on into it, or it follows a signature (\\zhdigits / \\zhdigits *:
        # one entry) or code that is not an entry's. A signature, or the initial value under it (初始值 = 4), is an
        # entry's code in whatever face the layout read it
        sig = _signature(text) or _VALUE_LINE.match(text) is not None
        code = code or sig
        signs = sig and not (shows or after_sig or goes_on(last) or _runs_on(last) and is_cjk(last[-1])
                             or last_code and not entry or last.strip() in ("…", "...", "⋯"))
        is_term = signs or code and _term(text)
        opens = is_term and (signs or bool(_ENDED.search(last.rstrip())) and not (waits or shown)) and not (
            leads or listing)
        described = term and not code and not _item(text)  # the paragraph after a term describes it
        joins = out and out[-1][2] is None and level is None and start + len(text) - out[-1][0] <= MAX_CHUNK and (
            code and not opens or leads or listing and _item(text) or waits or shown and not _item(text)
            or _next_item(last, text) or described)
        shows = bool(joins) and code and (leads or shows)  # out[-1] is a lead-in and the code it shows
        entry = signs or bool(joins) and entry
        if joins:
            shown = (leads or waits) and not _ENDED.search(text.rstrip()) and not _item(text)
            listing = (leads or listing) and _item(text)
            first = out[-1][0]
            out[-1] = (first, page_text[first:start + len(text)], None)
        else:
            out.append((start, text, level))
            listing = shown = False
        term = is_term or term and code  # an entry's margin name and date (choices/max-columns, New: …) go on it
        last, last_code, after_sig = text, code, sig
    return out


TERM = 40  # characters at most of a term line: an option and its arguments (-self, -list [pkgs], -backupdir <dir>)


def _term(text: str) -> bool:
    """``text`` (a paragraph in a monospaced face) is a term: an option (-x, --name) alone on a short line, with its
    arguments, that the paragraph after it describes, as in an option list (-dry-run / 在终端显示将要执行的操作…).
    A line of code (\\usepackage{makeidx}) is an example of the sentence before it, not a term.

    >>> _term("-list [pkgs]"), _term("--dry-run"), _term("tlmgr remove -force foobar"), _term("-v " * 20)
    (True, True, False, False)
    """
    t = text.strip()
    return 1 < len(t) <= TERM and "\n" not in t and (t[0] == "-" and t[1].isalpha() or t[:2] == "--")


# a key or command shown with its meta-arguments (max-columns = 〈integer〉, \\zhnumber {⟨number⟩}) or its choice of
# values (show-answer = true|false), as l3doc and ctxdoc set the entries of a LaTeX package's manual
_META = re.compile(r"[\u2329\u3008\u27e8][^\u2329\u3008\u27e8\u232a\u3009\u27e9]{1,20}[\u232a\u3009\u27e9]")  # 〈…〉, ⟨…⟩
_SIGNED = re.compile(r"^(?:\\[A-Za-z@]+\*?|[A-Za-z][\w./-]*(?: [A-Za-z][\w./-]*)?)\s*(?:[=\[{(*\u2329\u3008\u27e8]|$)")
_VALUE_LINE = re.compile(r"^(?:初始值|默认值|缺省值)\s*[=:：]\s*\S")  # 初始值 = 0.4pt, under a signature
_CHOICES = re.compile(r"^[A-Za-z][\w./-]*(?: [A-Za-z][\w./-]*)? = [\w.-]+(?:\|[\w.-]+)+$")


def _signature(text: str) -> bool:
    """``text`` is an entry's signature in a package manual: a key or command with its meta-arguments or its
    choice of values, on one short line; the paragraphs after it (its initial value, its margin name, New:
    2022-08-28, then the description) are its entry.

    >>> _signature("max-columns = \\u2329integer\\u232a"), _signature("label = 〈label〉"), _signature("\\\\zhnumber {⟨number⟩}")
    (True, True, True)
    >>> _signature("show-answer = true|false"), _signature("page/size = a3paper"), _signature("\\examsetup{")
    (True, False, False)
    """
    t = text.strip()
    return 1 < len(t) <= 2 * TERM and "\n" not in t and _SIGNED.match(t) is not None and (
        _META.search(t) is not None or _CHOICES.match(t) is not None)


_LINE_NUMBER = re.compile(r"(\d{1,4}) \S")  # a code listing's line number, as the listings package sets it


def _listing(para: Para, body: float, listed: int) -> int:
    """The last line number of ``para`` if it is lines of a code listing, else 0: it is set smaller than the
    body, and its first line is numbered 1 or the number after the listing's last line so far (``listed``), so
    that a footnote (also small, numbered 4 or 12) is not taken for one.

    >>> rows = [Line(t, [None] * len(t), 0, y, 99, y + 9, 9) for t, y in [("1 cd /d X:/Y", 20), ("2 dir", 10)]]
    >>> _listing(Para(rows), 10.5, 0), _listing(Para(rows[1:]), 10.5, 1), _listing(Para(rows[1:]), 10.5, 0)
    (2, 2, 0)
    """
    first = _LINE_NUMBER.match(para.lines[0].text.strip())
    if first is None or para.size >= body - 0.25 or int(first.group(1)) not in (1, listed + 1):
        return 0
    numbered = [m for line in para.lines if (m := _LINE_NUMBER.match(line.text.strip()))]
    return int(numbered[-1].group(1))


_ITEM_NUMBER = re.compile(r"\s*(?:(\d{1,2})[.、．]\s*\S|[(（](\d{1,2})[)）])")


def _next_item(last: str, text: str) -> bool:
    """``text`` is the next item of the numbered list that ``last`` (the paragraph before) ends: its number is
    one more, in the same style (1. … 2. … / 3. …). A numbered list is one passage, wherever the layout cut it.

    >>> _next_item("1. 第一遍。\\n2. 第二遍。", "3. 第三遍。"), _next_item("2. 第二遍。", "5. 别的。")
    (True, False)
    """
    tail = last.rsplit("\n", 1)[-1]
    a, b = _ITEM_NUMBER.match(tail), _ITEM_NUMBER.match(text)
    if a is None or b is None or (a.group(1) is None) != (b.group(1) is None):
        return False
    return int(b.group(1) or b.group(2)) == int(a.group(1) or a.group(2)) + 1 and not _NUMBERED_HEAD.match(text)


def _item(text: str) -> bool:
    """A list item (• …, 1. …, （三）…), not a numbered heading set at body size (3.1.5 文本界面安装程序)."""
    return starts_item(text) and not _NUMBERED_HEAD.match(text)


def _runs_on(text: str) -> bool:
    """A paragraph the layout cut mid-sentence: long, ending on a Chinese character with no sentence end (a
    label, a code line or a numbered heading set at body size is left alone; one ending on a Latin word
    counts when it is mostly Chinese: ……同时支持 Unix 和 Windows / 系统。).

    >>> _runs_on("安装了 Perl/Tk 的系统仍然可以使用 perltk/expert 和 wizard 模式。它们可以分别使用")
    True
    >>> _runs_on("3.1.5 文本界面安装程序"), _runs_on("结束了。"), _runs_on("context --generate")
    (False, False, False)
    """
    t = text.rstrip()
    cjk = sum(map(is_cjk, t))
    return (len(t) >= SHORT and (is_cjk(t[-1]) or t[-1].isalnum() and cjk >= SHORT // 4) and not _ENDED.search(t)
            and not _NUMBERED_HEAD.match(t))


_LEADER = re.compile(r"(?<![.．·… \t])(?:[ \t]*[.．·…]){4,}[ \t]*(?:\d{1,4}|[ivxlcIVXLC]{1,6})(?=\s|$)")  # . . . . 10


CONTENTS = -1  # the level ``_units`` is given for a paragraph of a contents block: a unit alone, not indexed
_CONTENTS_TITLE = re.compile(r"(?:目录|目次|contents|tableofcontents)", re.IGNORECASE)
_SECTION_NUMBER = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*|[A-Z]|附录\s*\S|第[一二三四五六七八九十\d]+[章节部])\s")
_PAGE_AT_END = re.compile(r"\s(?:\d{1,4}|[ivxlc]{1,6})$")
_NOTE_MARK = re.compile(r"^[①-⑳*∗†‡§¶]")  # a footnote after the contents ends it


def _contents_block(texts: list[str]) -> set[int]:
    """Which of a page's paragraphs ``texts`` are a contents beside other text: a paragraph that reads 目录 or
    Contents, and the run of entry-like ones after it. Two-column contents set top-level entries without dot
    leaders (3 接受使用 TEX 撰写的毕业论文 14) and in bold, so they pass for headings; a wrapped entry's page number
    stands on the next line. Entry-like: a dot leader anywhere, or a section number first, or a page number last
    (120 characters at most), or a fragment under ``SHORT`` characters; a footnote ends the run.

    >>> sorted(_contents_block(["摘要", "本提案从介绍排版系统开始，提出一套实施方案。", "目 录", "1 引言 1",
    ...                         "3.3 具体措施 . . . . 18 4 开设 TEX 选修课程", "21 参考文献 22", "∗文件版本号 v1.4。"]))
    [2, 3, 4, 5]
    >>> _contents_block(["目录", "本章介绍如何用 tableofcontents 命令生成目录，它需要编译两次才能得到正确的页码。"])
    {0}
    """
    out: set[int] = set()
    for i, text in enumerate(texts):
        if i in out or not _CONTENTS_TITLE.fullmatch(re.sub(r"\s", "", text)):
            continue
        out.add(i)
        for j in range(i + 1, len(texts)):
            t = texts[j].strip()
            if _NOTE_MARK.match(t) or not (_LEADER.search(t) or len(t) < SHORT or len(t) <= 120 and (
                    _SECTION_NUMBER.match(t) or _PAGE_AT_END.search(t))):
                break
            out.add(j)
    return out


def _contents_entry(text: str) -> bool:
    """A table of contents' entries: every one (up to 120 characters) ends in dot leaders and a page number. It
    repeats a heading of the body, so it never answers a question and, indexed, outranks the section it points to.

    >>> _contents_entry("1.3 跨版本升级 TEX Live . . . . . . . . . 10"), _contents_entry("见第 10 页。")
    (True, False)
    >>> _contents_entry("1.1 安装 . . . . . 3 1.2 升级 . . . . . 9"), _contents_entry("注意 . . . . . 省略号" + ". " * 500)
    (True, False)
    """
    entries = _LEADER.split(text.strip())
    return len(entries) > 1 and not entries[-1].strip() and all(0 < len(e.strip()) <= 120 for e in entries[:-1])


def _worth_indexing(text: str) -> bool:
    """A paragraph with a letter or Chinese character and two letters or digits (not a stray "•", "12" or "(a)").

    >>> _worth_indexing("• •"), _worth_indexing("图 1"), _worth_indexing("(a)")
    (False, True, False)
    """
    return any(c.isalpha() for c in text) and sum(c.isalnum() for c in text) >= 2


def _pieces(text: str, limit: int = MAX_CHUNK) -> list[tuple[int, int]]:
    """Cut a paragraph into (start, end) pieces of at most ``limit`` characters, at sentence ends.

    A single sentence longer than ``limit`` is cut after its last ；，;, before the limit,
    else at the limit. Pieces carry no spaces at either end, so ``text[s:e]`` is clean.

    >>> _pieces("甲。乙。丙。", limit=4)
    [(0, 4), (4, 6)]
    """
    if len(text) <= limit:
        return [(0, len(text))]
    ends = []
    at = 0
    for sentence in split_sentences(text):
        at = text.find(sentence, at) + len(sentence)
        ends.append(at)
    out: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        fits = [e for e in ends if start < e <= start + limit]
        if len(text) - start <= limit:
            end = len(text)
        elif fits:
            end = fits[-1]
        else:
            window = text[start:start + limit]
            cut = max(window.rfind(c) for c in "；，;,")
            end = start + cut + 1 if cut > limit // 3 else start + limit
        s, e = start, end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
        start = end
    return out


def _title_guess(paras: list[Para], body: float) -> str:
    """The largest paragraph of page 1 when it is set larger than the body, else its first line."""
    paras = [p for p in paras if _worth_indexing(join(p.lines)[0])] or paras
    big = max(paras, key=lambda p: p.size)
    if big.size >= 1.2 * body:
        return join(big.lines)[0][:120]
    return paras[0].lines[0].text.strip()[:80]


def _clean_title(title: str) -> str:
    """The metadata title, unless it is empty or a file name left by the authoring tool.

    >>> _clean_title("Microsoft Word - 报告.docx"), _clean_title("zhlipsum: 中文乱数假文")
    ('', 'zhlipsum: 中文乱数假文')
    """
    t = " ".join(title.split())
    if not t or t.lower() in ("untitled", "无标题") or t.startswith("Microsoft Word - ") \
            or re.search(r"\.(?:dvi|tex|docx?|pdf|pptx?|xlsx?)$", t, re.IGNORECASE):
        return ""
    return t


def _pages(numbers: list[int]) -> str:
    """``page 3`` or ``pages 1-3, 5``."""
    return f"page {numbers[0]}" if len(numbers) == 1 else f"pages {_ranges(numbers)}"


def _ranges(numbers: list[int]) -> str:
    """Page numbers as ranges.

    >>> _ranges([1, 2, 3, 5])
    '1-3, 5'
    """
    out: list[str] = []
    for n in numbers:
        if out and n - 1 == _ranges_last(out[-1]):
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(str(n))
    return ", ".join(out)


def _ranges_last(part: str) -> int:
    return int(part.split("-")[-1])
