"""Page images: a page of a PDF in the library drawn as PNG, with a cited passage highlighted.

    page_image_url("0f3a…", 3, "manual#p3.2") -> "/api/documents/0f3a…/pages/3.png?chunk=manual%23p3.2"
    page_png(library, "0f3a…", "3", chunk="manual#p3.2") -> PNG bytes: page 3 at 1.5×, the chunk's characters
                                                              under translucent yellow boxes

The page is drawn by pypdfium2 from the library's kept copy of the file (``Library.original``). The
passage is a span of ``Page.text`` (a chunk's ``span``, or one given as ``start,end``); the characters'
boxes come from ``qa.ingest.pdf.page_boxes``, one per character of ``Page.text`` (``None`` for a space or
line break the parser chose), so ``boxes[start:end]`` are the passage's. Boxes on one line are joined into
one rectangle, mapped from PDF points to pixels by PDFium (``FPDF_PageToDevice``: crop box and /Rotate as
the image has them), and drawn over the page.

The boxes need the whole file parsed again (running headers shape ``Page.text``): they are kept, as
float32 arrays, for the last ``CACHED`` documents only. Nothing else is kept between requests.

With an API key, the links handed out are signed (``Links``): ``exp=`` (unix time, at least ``LIFETIME``
ahead, rounded up to the hour) and ``sig=``, the first 32 hex digits of HMAC-SHA256 over the path and every
other query parameter, keyed by HMAC(key, "page-links"). ``qa.serve.api``'s guard lets a GET of this route
with a valid, unexpired signature through without ``Authorization``, so a browser can follow the link:

    Links.for_key("KEY").sign("/api/documents/0f3a…/pages/3.png?chunk=manual%23p3.2", now=1700000000)
    -> "/api/documents/0f3a…/pages/3.png?chunk=manual%23p3.2&exp=1700089200&sig=<32 hex digits>"

Errors, each one line: ``UnknownDocument`` (no such document), ``PageMissing`` (no such page),
``NoPageImages`` (not a PDF, or no copy kept), ``BadQuestion`` (a bad page number, chunk, span or scale).
Does not serve HTTP (``qa.serve.api`` has the route), draw formats other than PDF, or OCR.
"""

from __future__ import annotations

import ctypes
import hashlib
import hmac
import io
import math
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from qa.errors import BadQuestion

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np

    from qa.answer.reply import Answer
    from qa.ingest.document import Document, Page
    from qa.search.library import Library

SCALE, MIN_SCALE, MAX_SCALE = 1.5, 0.5, 3.0  # pixels per PDF point: 1.5 draws an A4 page 893 × 1263
HIGHLIGHT = (255, 200, 0, 112)  # RGBA: translucent yellow; over white paper it is (255, 231, 143)
PAD = 1.5  # pixels around each highlighted line
CACHED = 4  # documents whose character boxes are kept
LIFETIME = 24 * 3600  # seconds a signed link opens at least (exp is rounded up to the hour: 24–25 h)
ROUTE = re.compile(r"/api/documents/[^/]+/pages/[^/]+\.png")  # the page-image route's paths, as the guard sees them


class PageMissing(BadQuestion):
    """The document has no page of that number (HTTP 404)."""


class NoPageImages(BadQuestion):
    """The document has no page images: not a PDF, or a PDF whose file the library did not keep (HTTP 409)."""


def page_image_url(doc_id: str, page: int, chunk_id: str | None = None) -> str:
    """The route of a page's image, with a chunk to highlight (``#`` is ``%23``).

    >>> page_image_url("0f3a9c", 3, "手册#p3.2")
    '/api/documents/0f3a9c/pages/3.png?chunk=%E6%89%8B%E5%86%8C%23p3.2'
    """
    url = f"/api/documents/{quote(doc_id, safe='')}/pages/{page}.png"
    return url + (f"?chunk={quote(chunk_id, safe='')}" if chunk_id else "")


# -- signed links ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Links:
    """Signs page-image links, and checks them, with a secret derived from the API key (one per server)."""

    secret: bytes = field(repr=False)
    lifetime: int = LIFETIME

    @classmethod
    def for_key(cls, api_key: str | None, lifetime: int = LIFETIME) -> Links | None:
        """The signer for a server with ``api_key``; None without a key (links are then left as they are)."""
        if not api_key:
            return None
        return cls(hmac.new(api_key.encode(), b"page-links", hashlib.sha256).digest(), lifetime)

    def _sig(self, path: str, params: list[tuple[str, str]]) -> str:
        """32 hex digits over the decoded path and the parameters but ``sig``, sorted (their order is no matter)."""
        message = path + "?" + urlencode(sorted(p for p in params if p[0] != "sig"))
        return hmac.new(self.secret, message.encode(), hashlib.sha256).hexdigest()[:32]

    def sign(self, url: str, now: float | None = None) -> str:
        """``url`` (a path with its query) with ``exp`` and ``sig`` added.

        >>> Links(b"k").sign("/api/documents/d/pages/2.png?chunk=a%23p2", now=1700000000)
        '/api/documents/d/pages/2.png?chunk=a%23p2&exp=1700089200&sig=44c2a71ec898e01d6393a7861686598b'
        """
        parts = urlsplit(url)
        params = parse_qsl(parts.query, keep_blank_values=True)
        exp = math.ceil(((time.time() if now is None else now) + self.lifetime) / 3600) * 3600
        params.append(("exp", str(exp)))
        sig = self._sig(unquote(parts.path), params)
        return f"{url}{'&' if parts.query else '?'}exp={exp}&sig={sig}"

    def refusal(self, path: str, query: str, now: float | None = None) -> str | None:
        """Why the link ``path?query`` (the path decoded, the query as sent) does not open without the key, or
        None when its signature is right and unexpired.

        >>> links = Links(b"k")
        >>> url = links.sign("/api/documents/d/pages/2.png?chunk=a%23p2", now=1700000000)
        >>> path, query = url.split("?")
        >>> links.refusal(path, query, now=1700000000) is None
        True
        >>> print(links.refusal(path.replace("2.png", "3.png"), query, now=1700000000))
        the page link's signature does not match it (the link was changed, or signed with another key)
        >>> print(links.refusal(path, query, now=1800000000))
        the page link expired at 2023-11-15 23:00 UTC
        """
        params = parse_qsl(query, keep_blank_values=True)
        given = [v for k, v in params if k == "sig"]
        exps = [v for k, v in params if k == "exp"]
        if not given:
            return "missing or wrong API key, and no page link signature (sig)"
        if len(given) > 1 or len(exps) != 1 or not exps[0].isascii() or not exps[0].isdigit():
            return "the page link's signature is malformed (one sig and one exp, a unix time, are needed)"
        if not hmac.compare_digest(given[0].encode(), self._sig(path, params).encode()):
            return "the page link's signature does not match it (the link was changed, or signed with another key)"
        if int(exps[0]) < (time.time() if now is None else now):
            return f"the page link expired at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(int(exps[0])))}"
        return None

    def answer(self, answer: Answer, now: float | None = None) -> Answer:
        """``answer`` with each citation's ``page_image`` signed."""
        if not any(c.page_image for c in answer.citations):
            return answer
        return replace(answer, citations=tuple(replace(c, page_image=self.sign(c.page_image, now)) if c.page_image
                                               else c for c in answer.citations))


def page_png(library: Library, ref: str, number: str, chunk: str | None = None, span: str | None = None,
             scale: str | None = None) -> bytes:
    """Page ``number`` (physical, from 1) of the document ``ref`` names (id, id prefix or name), as PNG, with
    the chunk ``chunk`` or the span ``"start,end"`` of ``Page.text`` highlighted."""
    entry = library.resolve(ref)  # UnknownDocument
    n = _page_number(number)
    zoom = _scale(scale)
    path = library.original(entry["id"])
    if path is None:
        why = ("its file was added before the library kept copies of PDFs; add the file again to keep one"
               if entry.get("parser") == "pdf" else f"it is not a PDF (read as {entry.get('parser')})")
        raise NoPageImages(f"no page images for {entry['name']!r}: {why}")
    doc = library.document(entry["id"])
    if not 1 <= n <= len(doc.pages):
        raise PageMissing(f"{entry['name']!r} has pages 1–{len(doc.pages)}, not {n}")
    page = doc.pages[n - 1]
    marked = _span(doc, page, chunk, span)
    boxes: list[tuple[float, float, float, float]] = []
    if marked is not None:
        page_boxes = _boxes(path, entry["id"])
        if len(page_boxes) != len(doc.pages) or len(page_boxes[n - 1]) != len(page.text):
            raise NoPageImages(f"the text of page {n} of {entry['name']!r} no longer reads as when it was added; "
                               "remove the document and add it again")
        rows = page_boxes[n - 1][marked[0]:marked[1]]
        boxes = [tuple(map(float, r)) for r in rows if not math.isnan(r[0])]  # type: ignore[misc]
    return _draw(path, n, zoom, boxes)


# -- parameters -----------------------------------------------------------------------------------------------

def _page_number(number: str) -> int:
    """The page number in a URL: ASCII digits, from 1.

    >>> _page_number("3")
    3
    """
    if not number.isascii() or not number.isdigit() or int(number) < 1:
        raise BadQuestion(f"page {number!r} is not a page number; pages count from 1")
    return int(number)


def _scale(scale: str | None) -> float:
    """The scale asked for, clamped to ``MIN_SCALE``–``MAX_SCALE``.

    >>> _scale(None), _scale("2"), _scale("10"), _scale("0.1")
    (1.5, 2.0, 3.0, 0.5)
    """
    if scale is None:
        return SCALE
    try:
        value = float(scale)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BadQuestion(f"scale {scale!r} is not a number; give one such as 1.5 ({MIN_SCALE}–{MAX_SCALE})")
    return min(max(value, MIN_SCALE), MAX_SCALE)


def _span(doc: Document, page: Page, chunk: str | None, span: str | None) -> tuple[int, int] | None:
    """``(start, end)`` in ``page.text`` to highlight: the chunk's span, or ``span`` given as ``start,end``."""
    if chunk is not None and span is not None:
        raise BadQuestion("give chunk or span, not both")
    if chunk is not None:
        found = next((c for c in doc.chunks if c.id == chunk), None)
        if found is None:
            raise BadQuestion(f"no chunk {chunk!r} in {doc.name!r} (write # as %23 in a URL)")
        if found.page != page.number or found.span is None:
            where = f"on page {found.page}" if found.page else "on no page"
            raise BadQuestion(f"chunk {chunk!r} is {where}, not on page {page.number}")
        return found.span
    if span is None:
        return None
    start, _, end = span.partition(",")
    if not (start.strip().isdigit() and end.strip().isdigit()):
        raise BadQuestion(f"span {span!r} is not start,end (two whole numbers: 0,12)")
    s, e = int(start), int(end)
    if not 0 <= s < e <= len(page.text):
        raise BadQuestion(f"span {s},{e} is outside page {page.number}'s text (0–{len(page.text)}, start < end)")
    return s, e


# -- character boxes, kept for a few documents ----------------------------------------------------------------

_cache: OrderedDict[tuple[str, str, int], list[np.ndarray]] = OrderedDict()  # (file, id, mtime) -> boxes a page
_cache_lock = threading.Lock()


def _boxes(path: Path, doc_id: str) -> list[np.ndarray]:
    """Per page, an ``(n, 4)`` float32 array of ``Page.text``'s character boxes (a row of NaN for ``None``)."""
    import numpy as np  # loads only when a passage is highlighted (the API starts without it)

    from qa.ingest.pdf import page_boxes  # the PDF parser loads only when a passage is highlighted

    key = (str(path), doc_id, path.stat().st_mtime_ns)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    nan = (math.nan,) * 4
    boxes = [np.array([b if b is not None else nan for b in page], dtype=np.float32).reshape(-1, 4)
             for page in page_boxes(path)]
    with _cache_lock:
        _cache[key] = boxes
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return boxes


# -- drawing --------------------------------------------------------------------------------------------------

def lines(boxes: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Character boxes joined into one box per line: a box starts a new line when it does not overlap the
    current one vertically by half the smaller height.

    >>> lines([(0, 0, 10, 10), (10, 0, 20, 11), (0, -20, 10, -10)])
    [(0, 0, 20, 11), (0, -20, 10, -10)]
    """
    out: list[tuple[float, float, float, float]] = []
    for x0, y0, x1, y1 in boxes:
        if out:
            a0, b0, a1, b1 = out[-1]
            overlap = min(b1, y1) - max(b0, y0)
            if overlap >= 0.5 * min(b1 - b0, y1 - y0):
                out[-1] = (min(a0, x0), min(b0, y0), max(a1, x1), max(b1, y1))
                continue
        out.append((x0, y0, x1, y1))
    return out


def _draw(path: Path, number: int, scale: float, boxes: list[tuple[float, float, float, float]]) -> bytes:
    """Page ``number`` of the PDF at ``path`` at ``scale``, ``boxes`` (PDF points) highlighted, as PNG."""
    import pypdfium2 as pdfium  # pypdfium2 loads only when a page is drawn
    import pypdfium2.raw as pdfium_c  # pypdfium2 loads only when a page is drawn
    from PIL import Image, ImageDraw  # Pillow loads only when a page is drawn

    from qa.ingest.pdf import PDFIUM_LOCK  # the PDF parser loads only when a page is drawn

    rects = []
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(path))
        try:
            page = pdf[number - 1]
            try:
                bitmap = page.render(scale=scale)
                image = bitmap.to_pil().convert("RGB")
                width, height = bitmap.width, bitmap.height
                dx, dy = ctypes.c_int(), ctypes.c_int()
                for x0, y0, x1, y1 in lines(boxes):
                    corners = []
                    for x, y in ((x0, y0), (x1, y1)):
                        pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, width, height, 0, x, y,
                                                   ctypes.byref(dx), ctypes.byref(dy))
                        corners.append((dx.value, dy.value))
                    (u0, v0), (u1, v1) = corners
                    rects.append((min(u0, u1) - PAD, min(v0, v1) - PAD, max(u0, u1) + PAD, max(v0, v1) + PAD))
            finally:
                page.close()
        except pdfium.PdfiumError as e:
            raise NoPageImages(f"page {number} could not be drawn ({e}); add the file again") from None
        finally:
            pdf.close()
    if rects:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for r in rects:
            draw.rectangle(r, fill=HIGHLIGHT)
        image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
