"""Tokens for the lexical side: jieba words, character bigrams, or both.

jieba segments with the domain lexicon's terms added (``qa.lang.lexicon``: the UN lexicon's
驻地协调员, 国家工作队 …).
Its full dictionary takes about a second to load, so an index stores the
dictionary entries its corpus uses (``vocabulary``) and questions are cut with
that small dictionary (``Segmenter.from_vocabulary``): words the corpus lacks
could not match anyway. Text is normalised first: Traditional to Simplified,
full-width to half-width, lower case.

    tokens("驻地協調員辦公室有多少核心職位", "jieba", Segmenter.full(Lexicon.load("un").user_terms))
    -> ['驻地协调员', '办公室', '核心', '职位']

Does not rank anything; that is ``qa.search.bm25``.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import jieba
import opencc

log = logging.getLogger(__name__)

VARIANTS = ("jieba", "bigram", "jieba+bigram")

STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 有 为 对 把 被 将 于 中 等 也 都 就 还 而 之 其 这 那 个 吗 呢 吧 啊 "
    "什么 哪些 哪个 哪 多少 几 怎么 怎样 如何 为什么 是否 谁 何 请问 报告 一个 该 此 这个 那个 "
    "the a an of to in on for and or is are was were be by with what which who how many much "
    "does do did from at as that this it its".split()
)

_ASCII_WORD = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


@lru_cache(maxsize=1)
def _t2s():
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    """Characters t2s changes (alone or inside a phrase): text with none of them is already Simplified."""
    folder = Path(opencc.__file__).parent / "dictionary"
    out: set[str] = set()
    for name in ("TSCharacters.txt", "TSPhrases.txt"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("\t")
            first = value.split(" ")[0]
            if key and first != key:
                out.update(a for a, b in zip(key, first) if a != b)
                if len(key) != len(first):
                    out.update(key)
    return frozenset(out)


def normalise(text: str) -> str:
    """Traditional to Simplified, NFKC (full-width to half-width), lower case.

    >>> normalise("駐地協調員ＡＢＣ")
    '驻地协调员abc'
    """
    text = unicodedata.normalize("NFKC", text).lower()
    if not _traditional().isdisjoint(text):  # opencc is slow; most text is Simplified already
        text = _t2s().convert(text)
    return text


@lru_cache(maxsize=16384)
def normalised(text: str) -> str:
    """``normalise``, remembered: passages and questions recur, and opencc is slow."""
    return normalise(text)


def share(weights: dict[str, float], norm: str, total: float | None = None) -> float:
    """The share of key-bigram weight (``Query.weights``) that normalised text ``norm`` holds, 0..1: what
    ``qa.search.match.coverage`` gives of a text, and the answer features of a sentence's stored normalised text.

    >>> share({"核心": 1.0, "职位": 1.0, "日本": 2.0}, "五个核心职位")
    0.5

    ``total``: ``sum(weights.values())``, when the caller reads many texts with the same weights.
    """
    if total is None:
        total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(w for b, w in weights.items() if b in norm) / total


def dense_text(text: str) -> str:
    """The text the dense encoder sees for ``text`` (a question or a passage): Traditional
    characters as Simplified (opencc ``t2s``), nothing else changed (no case folding: e5 is cased).

    e5 matches Simplified text better, and a Traditional question must meet the same vector space
    as a Simplified report (and a Traditional corpus the same as its questions, in either script).

    >>> dense_text("駐地協調員辦公室 Resident Coordinator")
    '驻地协调员办公室 Resident Coordinator'
    """
    if _traditional().isdisjoint(text):  # already Simplified (or no Chinese): opencc is slow
        return text
    return _t2s().convert(text)


def bigrams(text: str) -> list[str]:
    """CJK character bigrams (a lone character stays a unigram) and ASCII words.

    >>> bigrams("核心职位 covid-19")
    ['核心', '心职', '职位', 'covid-19']
    """
    out: list[str] = []
    for m in re.finditer(r"[\u3400-\u9fff]+|[a-z0-9]+(?:[.\-][a-z0-9]+)*", text):
        run = m.group(0)
        if run[0].isascii():
            out.append(run)
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


class Segmenter:
    """A jieba tokenizer; ``full()`` with the whole dictionary, ``from_vocabulary()`` with a small one."""

    def __init__(self, tokenizer):
        self._tk = tokenizer
        self._lock = threading.Lock()

    @classmethod
    def full(cls, user_terms: tuple[str, ...] = ()) -> "Segmenter":
        """jieba's whole dictionary, with ``user_terms`` (a lexicon's words) kept whole."""
        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        tk.initialize()
        for term in user_terms:
            tk.add_word(term, freq=max(tk.suggest_freq(term), 50_000))
        return cls(tk)

    @classmethod
    def from_vocabulary(cls, freq: dict[str, int]) -> "Segmenter":
        """A tokenizer knowing only ``freq`` (word -> count): loads in milliseconds."""
        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        pf: dict[str, int] = {}
        for word, count in freq.items():
            pf[word] = count
            for i in range(1, len(word)):
                pf.setdefault(word[:i], 0)
        tk.FREQ, tk.total = pf, max(1, sum(freq.values()))
        tk.initialized = True
        return cls(tk)

    def words(self, text: str) -> list[str]:
        with self._lock:  # jieba's Tokenizer is not thread-safe while it lazily builds state
            return list(self._tk.cut(text, HMM=False))

    def known_words(self) -> list[str]:
        """The words of this tokenizer's dictionary (not the prefixes jieba keeps beside them)."""
        return [w for w, n in self._tk.FREQ.items() if n]

    def vocabulary(self, words: set[str]) -> dict[str, int]:
        """Dictionary entries (with counts) for the words given, as ``from_vocabulary`` takes them."""
        return {w: int(self._tk.FREQ.get(w) or 1) for w in words if len(w) > 1}


def expand_english(text: str, glossary: dict[str, str]) -> str:
    """Add the Chinese terms of the English phrases of ``glossary`` (a lexicon's: English -> Chinese) found in
    ``text`` (lexical side only); the longest phrase first, each found phrase's words then gone.

    >>> from qa.lang.lexicon import Lexicon
    >>> expand_english("How many resident coordinators were recruited?", Lexicon.load("un").glossary)
    'How many resident coordinators were recruited? 驻地协调员 征聘'
    >>> expand_english("How many resident coordinators were recruited?", {})
    'How many resident coordinators were recruited?'
    """
    low = text.lower()
    if not glossary or not re.search(r"[a-z]{2}", low):
        return text
    found = []
    for en in sorted(glossary, key=len, reverse=True):
        if re.search(r"\b" + re.escape(en), low):
            found.append(glossary[en])
            low = re.sub(r"\b" + re.escape(en) + r"\w*", " ", low)
    return f"{text} {' '.join(dict.fromkeys(found))}" if found else text


def tokens(text: str, variant: str, seg: Segmenter) -> list[str]:
    """Lexical tokens of ``text``: normalised, stopwords and punctuation dropped."""
    text = normalise(text)
    out: list[str] = []
    if variant in ("jieba", "jieba+bigram"):
        for w in seg.words(text):
            w = w.strip()
            if w and w not in STOPWORDS and (_CJK_RUN.fullmatch(w) or _ASCII_WORD.fullmatch(w)):
                out.append(w)
    if variant in ("bigram", "jieba+bigram"):
        out.extend("#" + b for b in bigrams(text) if b not in STOPWORDS)
    if variant not in VARIANTS:
        raise ValueError(f"unknown lexical variant {variant!r}")
    return out
