"""Latin-script terms a Chinese question names: a product, a tool, a code, an abbreviation.

A Chinese question that names such a term (M1 芯片, VS Code, NO-B 职等, GDP) asks about
that thing. When no searched document writes it, nor a term the reader's lexicon
or dictionary reads it as, the documents do not speak of it, and an answer taken
from them would be about something else:

    >>> terms("苹果 m1 芯片的 mac 能直接装 tex live 2020 吗?")
    ('m1', 'mac', 'tex', 'live')
    >>> terms("业务创新小组(big)由哪两家牵头?"), terms("我的图档叫 fig1.v2.png, 会出问题吗?")
    ((), ())

Left out: a term glossing the Chinese before it in brackets (业务创新小组(BIG): the reader
translates, the Chinese is the term), and a dotted name (fig1.v2.png, www.un.org): a
file or address of the reader's own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qa.lang.tokenize import expand_english

if TYPE_CHECKING:  # types only
    from qa.lang.english import Lexicon as EnglishWords

# on normalised text (lower case, half-width): a run of letters and digits, hyphens inside, starting with a
# letter, not part of a dotted name
_TERM = re.compile(r"(?<![a-z0-9.\-])[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?![a-z0-9\-]|\.[a-z0-9])")
_GLOSS = re.compile(r"(?<=[\u3400-\u9fff])\s*\(\s*[a-z][a-z0-9\-]*\s*\)")  # 业务创新小组(big)
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Latin words a Chinese sentence uses as its own: 预算 vs 支出
FUNCTION_WORDS = frozenset({"vs", "etc", "ok"})


def terms(norm: str) -> tuple[str, ...]:
    """The Latin terms (2+ characters) of a normalised Chinese question, in order, once each."""
    text = _GLOSS.sub(" ", norm)
    return tuple(dict.fromkeys(t for t in _TERM.findall(text) if len(t) >= 2 and t not in FUNCTION_WORDS))


def written(norm: str) -> frozenset[str]:
    """Every Latin word of a normalised text, hyphenated ones also by their parts (covid-19: covid, 19)."""
    words = set(_WORD.findall(norm))
    return frozenset(words | {p for w in words if "-" in w for p in w.split("-")})


def unread(asked: tuple[str, ...], corpus: frozenset[str], glossary: dict[str, str],
           dictionary: EnglishWords, numbered: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The ``asked`` terms that no searched document writes (``corpus``: ``written`` of their text) and that
    neither the lexicon's ``glossary`` (as ``expand_english`` reads it: rc, and sdgs by its prefix) nor the
    English ``dictionary`` (``EnglishWords.reads``: levy, IT) reads as words the documents write. ``numbered``: the
    terms the question writes with a number of their own (GB/T 7714), which another number glued to the letters
    (gb2312) does not write."""
    return tuple(t for t in asked
                 if not _written(t, corpus, t not in numbered) and expand_english(t, glossary) == t
                 and not dictionary.reads(t))


def numbered(asked: tuple[str, ...], question: str) -> frozenset[str]:
    """The terms of ``asked`` that the (normalised) ``question`` writes with a number after them.

    >>> sorted(numbered(("gb", "rfc"), "参考文献符合 gb/t 7714 格式，哪个 rfc 定义了它"))
    ['gb']
    """
    return frozenset(t for t in asked if re.search(re.escape(t) + r"[\s/\-]*[a-z]?[\s/\-]*\d", question))


_VERSION = re.compile(r"([a-z]{4,})\d+[a-z]?")  # latex2e, python3: a name and its version


def _written(term: str, corpus: frozenset[str], glued: bool = True) -> bool:
    """Whether a document writes ``term``: as a word, as part of a longer one (archlinux holds linux; 4+ letters),
    with a number glued after it (rfc1191 writes RFC, iso9001 ISO), or, for a name with a version (latex2e), the
    name (a PDF sets LaTeX2ε as LATEX 2ε).

    >>> [_written(t, frozenset({"archlinux", "latex", "2ε", "rfc1191"})) for t in ("linux", "latex2e", "tex", "m1", "rfc")]
    [True, True, False, False, True]
    """
    if term in corpus:
        return True
    if len(term) >= 4 and any(term in w for w in corpus):
        return True
    if glued and term.isalpha() and any(w.startswith(term) and w[len(term):].isdigit() for w in corpus):
        return True
    m = _VERSION.fullmatch(term)
    return m is not None and m.group(1) in corpus
