"""Bytes to text for the text formats (plain, Markdown, BEIR jsonl, the UN dump, HTML).

UTF-8 (with or without a byte-order mark) is read as is; UTF-16 only with its mark;
an HTML page may declare another charset (``<meta charset="gb2312">``), which is
honoured (GB2312 and GBK are read as their superset GB18030). Line ends become ``\\n``.

>>> decode_text(Path("a.txt"), "驻地\\r\\n协调员".encode("utf-8-sig"))
'驻地\\n协调员'
>>> decode_text(Path("a.html"), '<meta charset="gbk">发展'.encode("gbk"), html=True)[-2:]
'发展'

Does not guess encodings: bytes that are not UTF-8 (and not declared otherwise by
an HTML page) raise ``UndecodableText`` naming the file and the fix.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from qa.errors import UndecodableText, UnsupportedFormat

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs"}


def decode_text(path: Path, data: bytes, *, html: bool = False) -> str:
    """The file's text with ``\\n`` line ends, or ``UndecodableText`` / ``UnsupportedFormat``."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode(path, data, "utf-16")
    else:
        if b"\x00" in data[:8192]:
            raise UnsupportedFormat(f"{path}: looks binary (NUL bytes); expected UTF-8 text, "
                                    f"or a PDF, Word .docx or HTML file")
        encoding = declared_charset(data) if html else None
        text = _decode(path, data, encoding or "utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML or XML head declares, as a Python codec name, or None.

    >>> declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=GB2312">')
    'gb18030'
    """
    head = data[:4096]
    m = _XML_ENCODING.search(head) or _CHARSET.search(head)
    if not m:
        return None
    name = m.group(1).decode("ascii", "replace").lower()
    name = _SUPERSETS.get(name, name)
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return "utf-8-sig" if codecs.lookup(name).name == "utf-8" else name


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        label = "UTF-8" if encoding.startswith("utf-8") else encoding
        raise UndecodableText(f"{path}: not {label} (bad byte at offset {e.start}); "
                              f"convert it with iconv -t UTF-8") from None
