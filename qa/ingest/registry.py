"""The parser registry: which parser reads a file, chosen by its content, and reading many files.

Each format is a ``Parser`` record (name, suffixes, ``sniff(head) -> bool``,
``parse(path, data, name) -> Document``) in ``PARSERS``. ``parse_file`` reads the
bytes, lets every parser sniff the first 256 KiB, and picks among those that
recognise it:

1. the strongest evidence wins: magic bytes (``%PDF-``; a zip holding ``word/``)
   beat markup (``<!doctype html``, ``<html``), which beats plain text;
2. among equals, the parser whose suffixes include the file's suffix; the suffix is
   only ever this tie-breaker (``.txt`` text laid out like a UN report goes to
   ``un-report``, other text to ``text``; ``.md`` to ``markdown``; a ``.jsonl`` whose
   first line is a JSON object to ``beir``);
3. then the order of ``PARSERS``.

A file whose suffix names another format is read by its content, with a warning in
``Document.warnings``: an HTML page saved as ``page.pdf`` is read as HTML
(``"named .pdf but the content is HTML; read as HTML"``), a PDF named ``.html`` as a
PDF. Content that no parser recognises is refused (``UnsupportedFormat``), whatever
its suffix. Every error is a ``CorpusError`` (exit 3) whose one-line message names
the file and what to do.

>>> choose_parser(Path("page.pdf"), b"<!DOCTYPE html><title>t</title>").name
'html'
>>> choose_parser(Path("notes.md"), "# 标题\\n\\n正文".encode()).name
'markdown'

``parse_many`` reads files, folders (recursively, hidden files skipped) and globs,
and returns the documents it could read beside one ``Failure`` per file it could
not: a bad file never stops the good ones.

The PDF parser (``qa.ingest.pdf.parse_pdf``) is imported only when a PDF comes;
without it a PDF is refused with a message saying so. Does not store documents,
deduplicate them or give them unique names (that is the library's job).
"""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from qa.errors import (CorpusError, CorruptFile, EmptyFile, FileTooLarge, QAError, UnreadableFile,
                       UnsupportedFormat)
from qa.ingest.beir import looks_like_jsonl, parse_beir
from qa.ingest.decode import decode_text
from qa.ingest.describe import SAMPLE_CHARS, document_id, new_document, short_name
from qa.ingest.docx import parse_docx
from qa.ingest.document import Document
from qa.ingest.html import parse_html
from qa.ingest.plain import parse_markdown_file, parse_text_file
from qa.ingest.report import looks_like_report, parse_report

log = logging.getLogger(__name__)

MAX_FILE_MB = 200  # files over this are refused; QA_MAX_FILE_MB overrides
HEAD_BYTES = 256 * 1024  # what sniffers see
MAGIC, MARKUP, TEXT = 3, 2, 1  # strength of a sniff's evidence


@dataclass(frozen=True)
class Parser:
    """One format: how to recognise it and how to read it."""

    name: str  # "pdf", "docx", "html", "beir", "un-report", "markdown", "text" (= Document.parser)
    label: str  # for messages: "PDF", "Word .docx", …
    suffixes: tuple[str, ...]  # lower-case, with the dot; the tie-breaker, never the decider
    strength: int  # MAGIC, MARKUP or TEXT: how much a positive sniff proves
    sniff: Callable[[bytes], bool]  # the first HEAD_BYTES of the file -> is it this format?
    parse: Callable[[Path, bytes, str | None], Document]  # (path, bytes, short name or None) -> Document


class Failure(NamedTuple):
    """A file ``parse_many`` could not read, with the one-line message and the exit code it would give."""

    path: Path
    message: str
    exit_code: int


class Parsed(NamedTuple):
    """What ``parse_many`` read (``documents``, in input order) and what it could not (``failures``)."""

    documents: list[Document]
    failures: list[Failure]


# --- sniffers: bytes in, bool out, never an exception ---------------------------------------------

def sniff_pdf(head: bytes) -> bool:
    """``%PDF-`` in the first KiB (the format allows junk before it).

    >>> sniff_pdf(b"%PDF-1.7\\n"), sniff_pdf(b"<html>")
    (True, False)
    """
    return b"%PDF-" in head[:1024]


def sniff_docx(head: bytes) -> bool:
    """A zip archive with ``word/`` parts (the part names are stored uncompressed in its headers)."""
    return head.startswith(b"PK\x03\x04") and b"word/" in head


def sniff_html(head: bytes) -> bool:
    """Starts (after a BOM, blanks, an XML declaration or comments) with ``<!doctype html`` or ``<html``.

    >>> sniff_html(b'\\xef\\xbb\\xbf <?xml version="1.0"?>\\n<!DOCTYPE html PUBLIC "x">'), sniff_html(b"# <html>")
    (True, False)
    """
    text = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return True
    if text.startswith((b"<?xml", b"<!--", b"<!doctype")):
        return b"<html" in text or b"<!doctype html" in text
    return text.startswith((b"<head", b"<meta", b"<title")) and b"<body" in head[:65536].lower()


def sniff_text(head: bytes) -> bool:
    """No NUL byte and almost no control characters: text in some encoding (the parser decodes it)."""
    sample = head[:8192]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte-order mark
        return True
    if not sample or b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls <= len(sample) // 100


def sniff_jsonl(head: bytes) -> bool:
    return sniff_text(head) and looks_like_jsonl(head[:4096].decode("utf-8", "replace"))


def sniff_report(head: bytes) -> bool:
    return sniff_text(head) and looks_like_report(head.decode("utf-8", "replace"))


# --- parsers the registry adds around the format modules --------------------------------------------

def parse_pdf_lazily(path: Path, data: bytes, name: str | None) -> Document:
    """``qa.ingest.pdf.parse_pdf``, imported on first use; a clean error when it or its library is absent."""
    try:
        from qa.ingest.pdf import parse_pdf  # pypdfium2 and pdfminer.six (0.2 s): only PDFs need them; a clean error if absent
    except ModuleNotFoundError as e:
        if e.name and e.name.startswith("qa"):
            raise UnsupportedFormat(f"{path}: is a PDF, but this installation has no PDF parser (qa.ingest.pdf); "
                                    f"convert it to text or Word, or update qa") from None
        raise UnsupportedFormat(f"{path}: is a PDF, but the PDF parser needs the package {e.name}; "
                                f"install it (pip install {e.name})") from None
    return parse_pdf(path, data=data, name=name)


def parse_un_report(path: Path, data: bytes, name: str | None) -> Document:
    """A UN report's text dump (``qa.ingest.report``), as the service has always read ``E-2020-54.zh.txt``."""
    text = decode_text(path, data)
    try:
        chunks = parse_report(text, name or short_name(path))
    except CorpusError as e:  # its message names the short name; name the file
        raise CorruptFile(f"{path}: {str(e).split(': ', 1)[-1]}") from None
    return new_document(data=data, path=path, name=name, title=_report_title(text), parser="un-report",
                        chunks=chunks, first_page=text[:SAMPLE_CHARS])


def _report_title(text: str) -> str | None:
    """The line just above ``摘要`` on the cover (``联合国可持续发展集团主席的报告``), else None."""
    lines = [ln.strip() for ln in text[:SAMPLE_CHARS].split("\n") if ln.strip()]
    for i, line in enumerate(lines):
        if line == "摘要" and i > 0:
            return lines[i - 1]
    return None


PARSERS: list[Parser] = [
    Parser("pdf", "PDF", (".pdf",), MAGIC, sniff_pdf, parse_pdf_lazily),
    Parser("docx", "Word .docx", (".docx",), MAGIC, sniff_docx, parse_docx),
    Parser("html", "HTML", (".html", ".htm", ".xhtml"), MARKUP, sniff_html, parse_html),
    Parser("beir", "BEIR corpus.jsonl", (".jsonl",), TEXT, sniff_jsonl, parse_beir),
    Parser("un-report", "UN report text", (".txt",), TEXT, sniff_report, parse_un_report),
    Parser("markdown", "Markdown", (".md", ".markdown"), TEXT, sniff_text, parse_markdown_file),
    Parser("text", "plain text", (".txt", ".text", ""), TEXT, sniff_text, parse_text_file),
]
SUPPORTED = "PDF, Word .docx, HTML, Markdown, plain text (UTF-8) or BEIR corpus.jsonl"


def max_file_bytes() -> int:
    """The size limit in bytes: ``QA_MAX_FILE_MB`` if set, else ``MAX_FILE_MB``."""
    raw = os.environ.get("QA_MAX_FILE_MB", "").strip()
    if not raw:
        return MAX_FILE_MB * 1024 * 1024
    try:
        mb = float(raw)
    except ValueError:
        raise CorpusError(f"QA_MAX_FILE_MB={raw!r}: not a number of megabytes; set it like QA_MAX_FILE_MB=200") from None
    return int(mb * 1024 * 1024)


def choose_parser(path: Path, head: bytes) -> Parser:
    """The parser for a file whose first bytes are ``head`` (see the module docstring for the rules)."""
    found = [p for p in PARSERS if _sniffs(p, head)]
    if not found:
        raise UnsupportedFormat(f"{path}: {_what_it_is(head)}, not a format qa reads; convert it to {SUPPORTED}")
    best = max(p.strength for p in found)
    found = [p for p in found if p.strength == best]
    suffix = path.suffix.lower()
    return next((p for p in found if suffix in p.suffixes), found[0])


def parse_file(path: Path | str, name: str | None = None) -> Document:
    """Read one file into a ``Document``, or raise a ``CorpusError`` naming the file and the fix.

    ``name`` is the short name that prefixes chunk ids (default: the file name up to
    its first dot). ``Document.id`` is always the content hash of the bytes read. A
    file that parses but holds no text (only headings, only images) is returned with
    no chunks and the warning ``"no text found in it"``: the caller decides.
    """
    path = Path(path)
    data = _read(path)
    parser = choose_parser(path, data[:HEAD_BYTES])
    log.debug("%s: read as %s", path, parser.name)
    try:
        doc = parser.parse(path, data, name)
    except QAError:
        raise
    except Exception as e:  # a library choking on a damaged file must not stop the others
        log.debug("%s: %s parser failed", path, parser.name, exc_info=True)
        detail = " ".join(str(e).split())[:120]
        raise CorruptFile(f"{path}: could not be read as {parser.label} ({type(e).__name__}: {detail}); "
                          f"check the file opens, or save it again (run with -v for details)") from None
    changes: dict = {}
    if doc.id != document_id(data):
        changes["id"] = document_id(data)
    found = [w for w in (_suffix_warning(path, parser), None if doc.chunks else "no text found in it") if w]
    if found:
        changes["warnings"] = (*found, *doc.warnings)
    return replace(doc, **changes) if changes else doc


def parse_many(paths: Iterable[Path | str]) -> Parsed:
    """Read every file that ``paths`` stand for (files, folders, globs); failures are collected, not raised.

    Folders are read recursively in name order, skipping hidden files and folders and
    the ``*.chunks.jsonl`` files that ``qa chunks`` writes. A glob (``docs/*.pdf``,
    ``**/*.html``) is expanded when no file has that literal name.
    """
    files, failures = expand_paths(paths)
    documents: list[Document] = []
    for file in files:
        try:
            documents.append(parse_file(file))
        except QAError as e:
            log.info("%s", e)
            failures.append(Failure(file, str(e), e.exit_code))
    return Parsed(documents, failures)


def expand_paths(paths: Iterable[Path | str]) -> tuple[list[Path], list[Failure]]:
    """The files that ``paths`` stand for, each once, in order; a path that stands for none is a ``Failure``."""
    files: list[Path] = []
    failures: list[Failure] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = os.path.abspath(p)
        if key not in seen:
            seen.add(key)
            files.append(p)

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = _folder_files(path)
            if not inside:
                failures.append(Failure(path, f"{path}: no files in this folder; add files to it or pass files",
                                        CorpusError.exit_code))
            for p in inside:
                add(p)
        elif path.exists() or path.is_symlink():
            add(path)
        elif glob.has_magic(str(raw)):
            matches = sorted(glob.glob(str(raw), recursive=True))
            if not matches:
                failures.append(Failure(path, f"{raw}: no file matches this pattern; check the path",
                                        CorpusError.exit_code))
            for m in matches:
                if Path(m).is_dir():
                    for p in _folder_files(Path(m)):
                        add(p)
                else:
                    add(Path(m))
        else:
            failures.append(Failure(path, f"{path}: no such file or folder; check the path", CorpusError.exit_code))
    return files, failures


def _folder_files(folder: Path) -> list[Path]:
    """Files under ``folder`` (links included, even broken ones, so that they are reported), name order."""
    out = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for n in sorted(names):
            if not n.startswith(".") and not n.endswith(".chunks.jsonl"):
                out.append(Path(root) / n)
    return out


def _read(path: Path) -> bytes:
    """The file's bytes, after the checks that need no parser: exists, readable, a file, not too big, not empty."""
    limit = max_file_bytes()
    try:
        st = path.stat()
        if path.is_dir():
            raise CorpusError(f"{path}: is a folder, expected a file (parse_many reads folders)")
        if not path.is_file():
            raise UnreadableFile(f"{path}: not a regular file (a device or pipe?); pass a file")
        if st.st_size > limit:
            raise FileTooLarge(f"{path}: {_mb(st.st_size)} is over the {_mb(limit)} limit; "
                               f"split the file, or raise QA_MAX_FILE_MB")
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        if path.is_symlink():
            raise UnreadableFile(f"{path}: a broken link (its target {os.readlink(path)} is missing); "
                                 f"fix or remove the link") from None
        raise UnreadableFile(f"{path}: no such file; check the path") from None
    except PermissionError:
        raise UnreadableFile(f"{path}: cannot read (permission denied); make it readable (chmod +r)") from None
    except IsADirectoryError:
        raise CorpusError(f"{path}: is a folder, expected a file") from None
    except OSError as e:
        raise UnreadableFile(f"{path}: cannot read ({e.strerror or e}); check the disk and the file") from None
    if len(data) > limit:
        raise FileTooLarge(f"{path}: over the {_mb(limit)} limit; split the file, or raise QA_MAX_FILE_MB")
    if not data:
        raise EmptyFile(f"{path}: file is empty (0 bytes); nothing to read")
    if data.isspace():
        raise EmptyFile(f"{path}: file is empty (only blank lines); nothing to read")
    return data


def _sniffs(parser: Parser, head: bytes) -> bool:
    try:
        return bool(parser.sniff(head))
    except Exception:  # a sniffer that trips on odd bytes simply does not claim the file
        log.debug("sniffer %s failed", parser.name, exc_info=True)
        return False


def _suffix_warning(path: Path, parser: Parser) -> str | None:
    """A warning when the suffix names another format than the content (``.pdf`` holding HTML)."""
    suffix = path.suffix.lower()
    if not suffix or suffix in parser.suffixes:
        return None
    named = next((p for p in PARSERS if suffix in p.suffixes), None)
    if named is None or named.label == parser.label:
        return None
    return f"named {suffix} but the content is {parser.label}; read as {parser.label}"


def _what_it_is(head: bytes) -> str:
    """A few words on what unrecognised bytes look like, for the refusal message."""
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive without word/ parts (an .xlsx, .pptx, .odt or .epub?)"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Office file (.doc, .xls, .ppt)"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")):
        return "an image (no OCR here)"
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh", b"\xfd7zXZ")):
        return "a compressed archive"
    return "binary content"


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n < 10 * 1024 * 1024 else f"{n / 1024 / 1024:.0f} MB"
