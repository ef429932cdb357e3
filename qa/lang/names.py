"""Names of countries, international bodies and world regions, each with its other names.

A question that names a country or a body its best passage never mentions
(日本, 世界气象组织) is one that passage cannot answer, and a number printed
next to another body (一笔 1 亿欧元的欧盟捐款) does not answer for the one asked
about (德国). People ask with short names and UN documents print official ones
(美国 = 美利坚合众国, 粮农组织 = 联合国粮食及农业组织), so a name counts as
mentioned under any of its forms.

Countries come from ISO 3166 (pycountry's Simplified Chinese translations)
plus the UN forms those lack; bodies are the UN system's entities and a few
others a UN report names, under their UN Chinese names and short forms. Both
are read at index time and stored in the index. jieba's place tag (``ns``) is
not used: it marks 上岗, 福利 and 青春 as places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

Groups = list[tuple[str, ...]]

# UN forms of country names that the ISO translations lack.
UN_COUNTRY_FORMS: dict[str, tuple[str, ...]] = {
    "BO": ("玻利维亚", "多民族玻利维亚国"),
    "RU": ("俄罗斯联邦",),
    "CZ": ("捷克共和国",),
    "GB": ("联合王国",),
    "TZ": ("坦桑尼亚联合共和国",),
    "KR": ("大韩民国",),
}

# UN system entities and other international bodies: full UN Chinese name first, then short forms.
BODIES: Groups = [
    ("联合国开发计划署", "开发署"),
    ("联合国儿童基金会", "儿童基金会", "儿基会"),
    ("经济及社会理事会", "经社理事会"),
    ("安全理事会", "安理会"),
    ("联合国大会", "大会"),  # the report writes 大会 (大会第七十五届会议), as UN Chinese does
    ("联合国秘书处", "秘书处"),
    ("全球传播部",),
    ("和平行动部",),
    ("政治和建设和平事务部", "政治建和部"),
    ("联合国人口基金", "人口基金"),
    ("联合国粮食及农业组织", "粮农组织"),
    ("世界卫生组织", "世卫组织"),
    ("国际劳工组织", "劳工组织"),
    ("世界粮食计划署", "粮食署"),
    ("联合国难民事务高级专员办事处", "难民署"),
    ("联合国教育、科学及文化组织", "教科文组织"),
    ("联合国工业发展组织", "工发组织"),
    ("世界气象组织", "气象组织"),
    ("世界旅游组织", "旅游组织"),
    ("国际贸易中心", "贸易中心"),
    ("联合国促进性别平等和增强妇女权能署", "妇女署"),
    ("联合国环境规划署", "环境署"),
    ("联合国人类住区规划署", "人居署"),
    ("联合国艾滋病毒/艾滋病联合规划署", "艾滋病署"),
    ("联合国项目事务署", "项目署"),
    ("国际移民组织", "移民组织"),
    ("联合国毒品和犯罪问题办公室", "毒品和犯罪问题办公室"),
    ("联合国人权事务高级专员办事处", "人权高专办"),
    ("人道主义事务协调厅", "人道协调厅"),
    ("经济和社会事务部", "经社部"),
    ("联合国贸易和发展会议", "贸发会议"),
    ("国际原子能机构", "原子能机构"),
    ("国际电信联盟", "国际电联"),
    ("万国邮政联盟", "万国邮联"),
    ("国际民用航空组织", "国际民航组织"),
    ("国际海事组织", "海事组织"),
    ("世界知识产权组织", "知识产权组织"),
    ("国际农业发展基金", "农发基金"),
    ("联合国资本发展基金", "资发基金"),
    ("联合国志愿人员方案",),
    ("联合国减少灾害风险办公室", "减灾办"),
    ("联合国训练研究所", "训研所"),
    ("联合国大学",),
    ("联合国系统职员学院",),
    ("欧洲经济委员会", "欧洲经委会"),
    ("非洲经济委员会", "非洲经委会"),
    ("亚洲及太平洋经济社会委员会", "亚太经社会"),
    ("拉丁美洲和加勒比经济委员会", "拉加经委会"),
    ("西亚经济社会委员会", "西亚经社会"),
    ("内部监督事务厅", "监督厅"),
    ("联合国审计委员会",),
    ("世界银行", "世行"),
    ("国际货币基金组织",),
    ("世界贸易组织", "世贸组织"),
    ("欧洲联盟", "欧盟"),
    ("非洲联盟", "非盟"),
    ("经济合作与发展组织", "经合组织"),
]


# World regions as UN texts name them.
REGIONS: Groups = [
    ("非洲",), ("亚洲",), ("欧洲",), ("拉丁美洲", "拉美"), ("加勒比",), ("阿拉伯国家", "阿拉伯区域"),
    ("亚洲及太平洋", "亚太"), ("西亚",), ("北美洲", "北美"), ("大洋洲",), ("中东",), ("中亚",), ("东南亚",),
    ("南亚",), ("萨赫勒",),
]

# Cities where UN bodies sit or meet, as UN Chinese texts write them: a question
# asking "in which city" is answered only by a sentence naming one.
CITIES: tuple[str, ...] = (
    "纽约", "日内瓦", "维也纳", "内罗毕", "曼谷", "亚的斯亚贝巴", "贝鲁特", "圣地亚哥", "巴拿马城",
    "伊斯坦布尔", "罗马", "巴黎", "波恩", "海牙", "哥本哈根", "东京", "北京", "达喀尔", "开罗",
    "安曼", "苏瓦", "阿皮亚", "金斯敦", "布鲁塞尔", "伦敦", "华盛顿", "马德里", "都灵", "蒙得维的亚",
    "约翰内斯堡", "比勒陀利亚", "阿克拉", "阿布贾", "金边", "河内", "雅加达", "马尼拉", "新德里",
    "达卡", "伊斯兰堡", "喀布尔", "安卡拉", "莫斯科", "柏林", "斯德哥尔摩", "奥斯陆", "赫尔辛基",
    "渥太华", "墨西哥城", "巴西利亚", "布宜诺斯艾利斯", "利马", "波哥大", "基多", "加拉加斯",
)


def iso_countries() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Each ISO 3166 country: its code, its English names (name, common name, official name) and their
    Simplified Chinese translations in the same order (pycountry's; a name without one stays English)."""
    import gettext

    import pycountry

    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    out = []
    for c in pycountry.countries:
        english = tuple(getattr(c, a) for a in ("name", "common_name", "official_name") if hasattr(c, a))
        out.append((c.alpha_2, english, tuple(zh.gettext(n) for n in english)))
    return out


def country_names() -> Groups:
    """Every country as a tuple of its Chinese names, longest first."""
    out = []
    for code, _, chinese in iso_countries():
        names = set(chinese)
        names.update(UN_COUNTRY_FORMS.get(code, ()))
        names = {n for n in names if len(n) >= 2 and any("\u4e00" <= ch <= "\u9fff" for ch in n)}
        if names:
            out.append(tuple(sorted(names, key=lambda n: (-len(n), n))))
    return out


def _by_name(groups: Groups) -> dict[str, tuple[str, ...]]:
    return {name: group for group in groups for name in group}


_KINDS = ("countries", "bodies", "regions")


@dataclass(eq=False)  # hashed by identity, so answers can cache per index
class Names:
    """Countries, bodies and regions: each name -> all the names of the same one."""

    countries: dict[str, tuple[str, ...]] = field(default_factory=dict)
    bodies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    regions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls) -> "Names":
        return cls(_by_name(country_names()), _by_name(BODIES), _by_name(REGIONS))

    def to_json(self) -> dict:
        return {k: sorted({g for g in getattr(self, k).values()}) for k in _KINDS}

    @classmethod
    def from_json(cls, data: dict) -> "Names":
        return cls(*(_by_name([tuple(g) for g in data[k]]) for k in _KINDS))

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
