"""What every parser fills in the same way: the content id, short name, language and lexicon.

A parser reads structure (headings, paragraphs, table rows); this module says who the
document is: ``document_id`` (the first 16 hex digits of the SHA-256 of the bytes),
``short_name`` (the file name up to its first dot, the prefix of chunk ids), the
language (cheaply: ideographs against Latin words, then simplified against traditional
with opencc) and the domain lexicon (``"un"`` for a UN document). ``new_document``
puts them together so that each parser builds its ``Document`` the same way.

>>> detect_language("驻地协调员系统的供资情况")
'zh-Hans'
>>> detect_language("駐地協調員系統的供資情況")
'zh-Hant'
>>> detect_language("The resident coordinator system, 2019")
'en'
>>> detect_lexicon("E/2020/54 联合国发展系统"), detect_lexicon("A/RES/72/279 号决议，联合国")
('un', 'un')

Does not read files and does not parse anything; the language is a guess from the
first few thousand characters, never a model.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from opencc import OpenCC

from qa.ingest.document import Chunk, Document, Page

SAMPLE_CHARS = 6000  # language and lexicon look at this much text from the start ("the first page")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# A UN document symbol: E/2020/54, A/RES/72/279, A/75/73, S/2020/1, E/CN.6/2020/1.
_UN_SYMBOL = re.compile(r"(?<![\w/])[A-Z]{1,6}(?:/[A-Z0-9.]+)*/\d{1,4}(?:/[A-Za-z0-9.]+)*(?![\w/])")
_UN_NAME = ("联合国", "聯合國", "United Nations")


def document_id(data: bytes) -> str:
    """First 16 hex digits of SHA-256 of the bytes: the same content is the same document.

    >>> document_id(b"")
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(data).hexdigest()[:16]


def short_name(path: Path) -> str:
    """The file's name up to its first dot: ``E-2020-54.zh.txt`` -> ``E-2020-54`` (chunk ids keep it).

    A ``#`` becomes ``_``: the chunk id's document is what comes before its ``#``.

    >>> short_name(Path("corpus/E-2020-54.zh.txt")), short_name(Path(".hidden")), short_name(Path("第#3号.md"))
    ('E-2020-54', '.hidden', '第_3号')
    """
    return (path.name.split(".")[0] or path.name).replace("#", "_")


def detect_language(text: str) -> str:
    """``zh-Hans``, ``zh-Hant`` or ``en``: Chinese when at least a fifth of the words are ideographs.

    Ideographs count one each, Latin words one each (a Chinese manual full of
    commands stays Chinese). Traditional when opencc's t2s conversion changes more
    ideographs than its s2t conversion does.
    """
    sample = text[:SAMPLE_CHARS]
    han = _HAN.findall(sample)
    latin = len(_LATIN_WORD.findall(sample))
    if not han or len(han) < 0.2 * (len(han) + latin):
        return "en"
    chars = "".join(han)
    simplified = _t2s(chars)
    changed = sum(1 for a, b in zip(chars, simplified) if a != b)
    if changed == 0:
        return "zh-Hans"
    # Traditional text changes under t2s, simplified text under s2t.
    s2t_changed = sum(1 for a, b in zip(chars, _s2t(chars)) if a != b)
    return "zh-Hant" if changed > s2t_changed else "zh-Hans"


def detect_lexicon(first_page: str) -> str | None:
    """``"un"`` when the first page carries a UN document symbol and names the United Nations.

    >>> detect_lexicon("2020 年届会 … 联合国可持续发展集团"), detect_lexicon("Debian 参考手册")
    (None, None)
    """
    sample = first_page[:SAMPLE_CHARS]
    if _UN_SYMBOL.search(sample) and any(n in sample for n in _UN_NAME):
        return "un"
    return None


def new_document(*, data: bytes, path: Path, name: str | None, title: str | None, parser: str,
                 chunks: list[Chunk] | tuple[Chunk, ...], pages: tuple[Page, ...] = (),
                 warnings: tuple[str, ...] = (), first_page: str | None = None) -> Document:
    """A ``Document`` with id, name, language and lexicon filled the same way for every format.

    ``first_page`` is the text the lexicon is chosen from (default: the first page's
    text, or, when the format has no pages, the title, headings and chunks' text as
    they are read).
    """
    body = _reading(title, chunks[:200])
    if first_page is None:
        first_page = pages[0].text if pages else body
    return Document(
        id=document_id(data),
        name=name or short_name(path),
        title=(title or "").strip() or path.stem,
        file=path.name,
        parser=parser,
        chunks=tuple(chunks),
        pages=tuple(pages),
        language=detect_language(body or first_page),
        lexicon=detect_lexicon(first_page),
        warnings=tuple(warnings),
    )


def _reading(title: str | None, chunks) -> str:
    """Title, then each chunk's new headings and its text, in order: the document as read.

    >>> from qa.ingest.document import Chunk
    >>> _reading("题", [Chunk("d#1", "paragraph", 1, "二", None, "正文", heading_path=("一", "二"))])
    '题\\n一\\n二\\n正文'
    """
    out = [title] if title else []
    seen: tuple[str, ...] = ()
    for c in chunks:
        if c.heading_path != seen:
            out.extend(h for i, h in enumerate(c.heading_path) if seen[i:i + 1] != (h,))
            seen = c.heading_path
        out.append(c.text)
    return "\n".join(out)


_CONVERTERS: dict[str, Any] = {}  # config -> opencc.OpenCC (opencc has no types)


def _convert(config: str, text: str) -> str:
    conv = _CONVERTERS.get(config)
    if conv is None:
        conv = _CONVERTERS[config] = OpenCC(config)
    return conv.convert(text)


def _t2s(text: str) -> str:
    return _convert("t2s", text)


def _s2t(text: str) -> str:
    return _convert("s2t", text)
