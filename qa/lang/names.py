"""Names of countries, international bodies and world regions, each with its other names.

A question that names a country or a body its best passage never mentions
(日本, 世界气象组织) is one that passage cannot answer, and a number printed
next to another body (一笔 1 亿欧元的欧盟捐款) does not answer for the one asked
about (德国). People ask with short names and UN documents print official ones
(美国 = 美利坚合众国, 粮农组织 = 联合国粮食及农业组织), so a name counts as
mentioned under any of its forms.

Countries come from ISO 3166 (pycountry's Simplified Chinese translations) and
world regions from ``REGIONS``, for every document; a domain lexicon
(``qa.lang.lexicon``) adds the forms of country names its documents use that ISO
lacks (the UN lexicon: 联合王国, 俄罗斯联邦), its bodies (the UN system's entities
under their UN Chinese names and short forms) and its cities. All are read at
index time and stored in the index. jieba's place tag (``ns``) is
not used: it marks 上岗, 福利 and 青春 as places.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.lang.lexicon import Lexicon

Groups = list[tuple[str, ...]]

# World regions as UN texts name them.
REGIONS: Groups = [
    ("非洲",), ("亚洲",), ("欧洲",), ("拉丁美洲", "拉美"), ("加勒比",), ("阿拉伯国家", "阿拉伯区域"),
    ("亚洲及太平洋", "亚太"), ("西亚",), ("北美洲", "北美"), ("大洋洲",), ("中东",), ("中亚",), ("东南亚",),
    ("南亚",), ("萨赫勒",),
]

# The same regions as English questions name them, in REGIONS' Chinese (the European or African Union is a body)
ENGLISH_REGIONS: dict[str, str] = {
    "africa": "非洲", "african": "非洲", "asia": "亚洲", "asian": "亚洲", "europe": "欧洲", "european": "欧洲",
    "latin america": "拉丁美洲", "latin american": "拉丁美洲", "caribbean": "加勒比", "arab states": "阿拉伯国家",
    "arab region": "阿拉伯国家", "asia-pacific": "亚洲及太平洋", "asia and the pacific": "亚洲及太平洋",
    "western asia": "西亚", "north america": "北美洲", "oceania": "大洋洲", "middle east": "中东", "central asia": "中亚",
    "southeast asia": "东南亚", "south-east asia": "东南亚", "south asia": "南亚", "sahel": "萨赫勒",
}
_UNIONS = re.compile(r"\b(?:european|african) union\b")
_ENGLISH_FORMS = {zh: tuple(en for en, z in ENGLISH_REGIONS.items() if z == zh) for zh in ENGLISH_REGIONS.values()}


def regions_asked(text: str, names: Names) -> tuple[tuple[str, ...], ...]:
    """The world regions normalised ``text`` names, each as all its forms (Chinese, then English): in Chinese as
    ``names`` reads them (非洲联盟 is a body, not 非洲), in English by ``ENGLISH_REGIONS``.

    >>> regions_asked("how many offices are there in africa?", Names.build())
    (('非洲', 'africa', 'african'),)
    >>> regions_asked("非洲有多少个办事处", Names.build()), regions_asked("the european union gave how much?", Names.build())
    ((('非洲', 'africa', 'african'),), ())
    """
    chinese = [names.regions[n] for n in names.find(text, "every") if n in names.regions]
    low = _UNIONS.sub(" ", text)
    english = [names.regions.get(zh, (zh,)) for en, zh in ENGLISH_REGIONS.items() if re.search(rf"\b{en}\b", low)]
    return tuple(g + tuple(en for zh in g for en in _ENGLISH_FORMS.get(zh, ())) for g in dict.fromkeys(chinese + english))


def names_a_region(text: str, regions: tuple[tuple[str, ...], ...]) -> bool:
    """Whether ``text`` names one of ``regions`` (``regions_asked``) in any of its forms: 亚洲及太平洋 names 亚洲.

    >>> names_a_region("亚洲及太平洋区域发展协调办公室", (("亚洲",),)), names_a_region("全球 130 个办事处", (("非洲",),))
    (True, False)
    """
    low = text.lower()
    return any(form in low for group in regions for form in group)


def iso_countries() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Each ISO 3166 country: its code, its English names (name, common name, official name) and their
    Simplified Chinese translations in the same order (pycountry's; a name without one stays English)."""
    import pycountry  # pycountry reads its database (about 0.1 s); only English questions need country names

    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    out = []
    for c in pycountry.countries:
        english = tuple(getattr(c, a) for a in ("name", "common_name", "official_name") if hasattr(c, a))
        out.append((c.alpha_2, english, tuple(zh.gettext(n) for n in english)))
    return out


def country_names(forms: dict[str, tuple[str, ...]] | None = None) -> Groups:
    """Every country as a tuple of its Chinese names, longest first; ``forms``: ISO code -> more names
    (a lexicon's ``country_forms``)."""
    out = []
    for code, _, chinese in iso_countries():
        names = set(chinese)
        names.update((forms or {}).get(code, ()))
        names = {n for n in names if len(n) >= 2 and any("\u4e00" <= ch <= "\u9fff" for ch in n)}
        if names:
            out.append(tuple(sorted(names, key=lambda n: (-len(n), n))))
    return out


def _by_name(groups: Groups) -> dict[str, tuple[str, ...]]:
    return {name: group for group in groups for name in group}


_KINDS = ("countries", "bodies", "regions")


@dataclass(eq=False)  # hashed by identity, so answers can cache per index
class Names:
    """Countries, bodies and regions: each name -> all the names of the same one; and the cities known."""

    countries: dict[str, tuple[str, ...]] = field(default_factory=dict)
    bodies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    regions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cities: tuple[str, ...] = ()  # a "which city" question is answered by one of these (or a …市)

    @classmethod
    def build(cls, lexicon: Lexicon | None = None) -> "Names":
        """ISO countries and world regions, with ``lexicon``'s country forms, bodies and cities."""
        if lexicon is None:
            return cls(_by_name(country_names()), {}, _by_name(REGIONS))
        return cls(_by_name(country_names(lexicon.country_forms)), _by_name(list(lexicon.bodies)), _by_name(REGIONS),
                   tuple(lexicon.cities))

    def to_json(self) -> dict:
        return {**{k: sorted({g for g in getattr(self, k).values()}) for k in _KINDS}, "cities": list(self.cities)}

    @classmethod
    def from_json(cls, data: dict) -> "Names":
        countries, bodies, regions = (_by_name([tuple(g) for g in data[k]]) for k in _KINDS)
        return cls(countries, bodies, regions, tuple(data.get("cities", ())))

    @cached_property
    def every(self) -> dict[str, tuple[str, ...]]:
        return {**self.countries, **self.bodies, **self.regions}

    @cached_property
    def places(self) -> dict[str, tuple[str, ...]]:
        return {**self.countries, **self.regions}

    def find(self, text: str, kind: str = "every") -> list[str]:
        """``named_in(text, <kind>)``, remembered: sentences recur from question to question.

        ``kind`` is countries, bodies, regions, places or every.
        """
        cache = self.__dict__.setdefault("_found", {})
        key = (kind, text)
        hit = cache.get(key)
        if hit is None:
            if len(cache) > 50_000:
                cache.clear()
            table = getattr(self, kind)
            starts = self.__dict__.setdefault("_starts", {})
            if kind not in starts:
                starts[kind] = name_starts(table)
            hit = cache[key] = named_in(text, table, starts[kind])
        return list(hit)

    def mentions(self, text: str) -> tuple[str, ...]:
        """Every name ``text`` holds, of any kind and in any form, one inside another too (南苏丹 holds 苏丹),
        sorted: what ``mentioned`` tests, read once (``qa.ingest.facts`` stores it for every sentence).

        >>> Names(countries={"苏丹": ("苏丹",), "南苏丹": ("南苏丹",)}).mentions("南苏丹的")
        ('南苏丹', '苏丹')
        """
        every = self.every
        starts = self.__dict__.setdefault("_starts", {})
        if "every" not in starts:
            starts["every"] = name_starts(every)
        if "_odd" not in self.__dict__:  # names ``name_starts`` leaves out (under 2 or over LONGEST characters)
            self.__dict__["_odd"] = tuple(w for w in every if not 2 <= len(w) <= LONGEST)
        found = {text[i:i + n] for i, ch in enumerate(text) for n in starts["every"].get(ch, ()) if text[i:i + n] in every}
        found |= {w for w in self.__dict__["_odd"] if w in text}
        return tuple(sorted(found))


def mentioned_in(name: str, mentions: tuple[str, ...] | frozenset[str], names: dict[str, tuple[str, ...]]) -> bool:
    """``mentioned`` read from ``Names.mentions`` of the text: whether it holds ``name`` under any of its forms."""
    return any(alias in mentions for alias in names.get(name, (name,)))


LONGEST = 24  # no name here is longer (联合国促进性别平等和增强妇女权能署: 17)


def named_in(text: str, names: dict[str, tuple[str, ...]],
             starts: dict[str, tuple[int, ...]] | None = None) -> list[str]:
    """Names in ``text``, longest first, none inside another (巴布亚新几内亚 holds no 几内亚).

    A name ending in 国 and followed by 家 is the word 国家, not the country:
    发展中国家 names no 中国, 欧美国家 no 美国; 大会 after 年度, 全体, 第二次 … is a meeting, not the
    General Assembly; a name followed by 文 or 语 is a language (西班牙文, 日语). ``starts``: ``name_starts(names)``, when the caller keeps it.

    >>> names = {"日本": ("日本",), "美国": ("美国",), "中国": ("中国",), "大会": ("联合国大会", "大会")}
    >>> named_in("发展中国家和日本", names), named_in("欧美国家", names)
    (['日本'], [])
    >>> named_in("第二次年度大会", names), named_in("向大会报告", names), named_in("日本文件和日语版", names)
    ([], ['大会'], ['日本'])
    """
    starts = name_starts(names) if starts is None else starts
    # every (length, start) of a name in the text, read longest first, then left to right
    spans = sorted((-n, i) for i, ch in enumerate(text) for n in starts.get(ch, ())
                   if text[i:i + n] in names)
    taken: list[tuple[int, int]] = []
    found = []
    for neg, i in spans:
        n = -neg
        if any(i < e and s < i + n for s, e in taken):
            continue
        w = text[i:i + n]
        if w.endswith("国") and text[i + n:i + n + 1] == "家":
            continue
        if w == "大会" and i > 0 and text[i - 1] in _MEETING:
            continue  # 年度大会, 全体大会, 第二次大会: a meeting, not the General Assembly
        if _LANGUAGE.match(text, i + n):
            continue  # 西班牙文, 阿拉伯语: a language, not the country
        taken.append((i, i + n))
        found.append(w)
    return found


_MEETING = "度体届次表员"  # the character before 大会 in the names of meetings (年度大会, 全体大会, 代表大会)
_LANGUAGE = re.compile(r"语|文(?![件化本章书字])")  # after a country's name: its language (西班牙文), not 文件


def name_starts(names: dict[str, tuple[str, ...]]) -> dict[str, tuple[int, ...]]:
    """First character -> the lengths of the names (of two characters or more) that start with it."""
    out: dict[str, set[int]] = {}
    for name in names:
        if 2 <= len(name) <= LONGEST:
            out.setdefault(name[0], set()).add(len(name))
    return {ch: tuple(sorted(ns, reverse=True)) for ch, ns in out.items()}


def mentioned(name: str, text: str, names: dict[str, tuple[str, ...]]) -> bool:
    """Whether ``text`` mentions ``name`` under any of its forms."""
    return any(alias in text for alias in names.get(name, (name,)))
