"""The figures of a text: numbers and document symbols, read the same way in a written sentence and in a passage.

A figure is compared by value, so the ways one number is written meet:

    >>> [str(n) for n in numbers("2019 年收入 2.76 亿美元，增长百分之三点五，共 12 345 人，二〇二〇年")]
    ['2019', '276000000 (2.76 亿)', '3.5%', '12345', '2020']
    >>> [str(n) for n in numbers("第三次，两千个，三十五名，１２３，45％，281,826.4 千美元")]
    ['3', '2000', '35', '123', '45%', '281826400 (281826.4 千)']
    >>> symbols("见 E/2020/54 和 A/RES/72/279，(A/75/79-E/2020/55)。")
    ('E/2020/54', 'A/RES/72/279', 'A/75/79', 'E/2020/55')

Read: Arabic digits (full-width too, with spaces or commas between thousands, decimals), percentages
(``%``, ``百分之``, ``per cent``), multipliers (万, 亿, 千, 百万, million, billion), Chinese numerals
(positional ``三十五``, digit by digit ``二〇二〇``, decimals ``三点五``, fractions ``三分之二``), and
document symbols (``E/2020/54``), which are kept whole: their digits are not numbers of their own.

Does not read: the single numeral 一 (一个, 一些, 统一 — an article far more often than a count), a lone
Chinese numeral that no measure word follows and no 第 precedes (十分, 三方), ``一半`` or ``大多数``,
English number words (five), or ranges and dates as wholes (each figure of one is a number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

# full-width forms and odd spaces as ASCII (not the Chinese comma: 45，120 is two numbers); Traditional numerals
_HALF = {**{0xFF10 + i: str(i) for i in range(10)}, 0xFF05: "%", 0xFF0E: ".", 0xFF0F: "/", 0xFF0C: "，",
         **{0xFF21 + i: chr(0x41 + i) for i in range(26)}, **{0xFF41 + i: chr(0x61 + i) for i in range(26)},
         0x3000: " ", 0x00A0: " ", 0x2009: " ", 0x202F: " ", 0x2002: " ", 0x2003: " ",
         ord("萬"): "万", ord("億"): "亿", ord("兩"): "两", ord("點"): "点", ord("％"): "%"}

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
BIG = {"万": 10 ** 4, "亿": 10 ** 8}
# what a figure may be followed by to multiply it: 2.76 亿, 3.5万, 281 826.4 千美元, 2 million
MULTIPLIERS = {"万亿": 10 ** 12, "千亿": 10 ** 11, "百亿": 10 ** 10, "亿": 10 ** 8, "千万": 10 ** 7, "百万": 10 ** 6,
               "万": 10 ** 4, "千": 10 ** 3, "trillion": 10 ** 12, "billion": 10 ** 9, "million": 10 ** 6,
               "thousand": 10 ** 3}
# a lone Chinese numeral counts when one of these follows it (三个, 五名, 两国) or 第 precedes it (第三)
MEASURE = set("个名位项次年月日天周倍人家国类种份条段章节届轮批所座件张期季岁小")

_CN = "〇零一二三四五六七八九十百千万亿两"
_CN_DIGIT = "〇零一二三四五六七八九两"
_MULT = "|".join(sorted(MULTIPLIERS, key=len, reverse=True))
_FIGURE = re.compile(
    r"(?P<symbol>(?<![A-Za-z0-9/])[A-Z]{1,6}(?:/[A-Za-z0-9.\-]*[A-Za-z0-9])+)"
    rf"|百分之(?P<cnpct>[{_CN}]+(?:点[{_CN_DIGIT}]+)?)"
    rf"|(?P<den>[{_CN}]+)分之(?P<num>[{_CN}]+(?:点[{_CN_DIGIT}]+)?)"
    r"|(?P<arabic>(?<![\d.])(?:\d{1,3}(?:[ ,]\d{3})+(?!\d)|\d+)(?:\.\d+)?)"
    rf"(?:\s*(?P<pct>%|per ?cent\b|percent\b)|\s*(?P<mult>{_MULT})(?![a-z]))?"
    rf"|(?P<cn>[{_CN}]+(?:点[{_CN_DIGIT}]+[万亿]?)?)",
    re.IGNORECASE)


@dataclass(frozen=True)
class Number:
    text: str  # as written: "2.76 亿"
    value: Fraction  # 276000000
    raw: Fraction  # before its multiplier: 2.76
    percent: bool = False
    multiplier: str | None = None  # the word that multiplies it: 亿, 万, million …

    @property
    def scaled(self) -> bool:
        return self.raw != self.value

    def __str__(self) -> str:
        show = _plain(self.value) + ("%" if self.percent else "")
        return f"{show} ({_plain(self.raw)} {self.text.split()[-1].lstrip('0123456789., ')})" if self.scaled else show


_STATED_UNIT = re.compile(rf"[（(]\s*({_MULT})|({_MULT})\s*(?:美元|元|欧元|英镑|瑞士法郎|人民币)|\b(thousand|million|billion)s? of\b",
                          re.IGNORECASE)


def stated_units(text: str) -> set[str]:
    """The multipliers a text states as the unit of its figures: a table's （千美元）, 百万美元, thousands of dollars.

    >>> sorted(stated_units("表 1 按构成部分分列的财政资源（千美元）：281 826.4"))
    ['千']
    >>> stated_units("千年发展目标")
    set()
    """
    return {next(g for g in m.groups() if g).lower() for m in _STATED_UNIT.finditer(half_width(text))}


def half_width(text: str) -> str:
    """Full-width digits, letters, ``%`` and odd spaces as ASCII; 萬億兩點 as 万亿两点.

    >>> half_width("２０１９年　４５％")
    '2019年 45%'
    """
    return text.translate(_HALF)


def numbers(text: str) -> list[Number]:
    """Every number of ``text`` (document symbols left out), in order."""
    return [n for n in _read(half_width(text)) if isinstance(n, Number)]


def symbols(text: str) -> tuple[str, ...]:
    """The document symbols of ``text`` (E/2020/54, A/RES/72/279), as written."""
    return tuple(s for s in _read(half_width(text)) if isinstance(s, str))


def symbol_key(symbol: str) -> str:
    """The form symbols are compared in: letters and digits only, upper case.

    >>> symbol_key("E/2020/54") == symbol_key("e-2020-54")
    True
    """
    return re.sub(r"[^0-9A-Z]", "", symbol.upper())


def _read(text: str) -> list:
    out: list = []
    for m in _FIGURE.finditer(text):
        if m.group("symbol"):  # a joint symbol (A/75/79-E/2020/55) is two
            out.extend(p for p in re.split(r"-(?=[A-Z]{1,6}/)", m.group("symbol")) if any(ch.isdigit() for ch in p))
            continue
        n = _number(m, text)
        if n is not None:
            out.append(n)
    return out


def _number(m: re.Match, text: str) -> Number | None:
    if m.group("cnpct"):
        v = chinese(m.group("cnpct"))
        return Number(m.group(0), v, v, True) if v is not None else None
    if m.group("den"):
        den, num = chinese(m.group("den")), chinese(m.group("num"))
        if not den or num is None:
            return None
        return Number(m.group(0), num / den, num / den)
    if m.group("arabic"):
        raw = Fraction(re.sub(r"[ ,]", "", m.group("arabic")))
        if m.group("pct"):
            return Number(m.group(0), raw, raw, True)
        mult = m.group("mult")
        return Number(m.group(0), raw * MULTIPLIERS[mult.lower()] if mult else raw, raw,
                      multiplier=mult.lower() if mult else None)
    run = m.group("cn")
    if run[0] in "百千万亿":  # 万一, 千万 (must), 百姓: not a figure
        return None
    if len(run) == 1:
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end():].lstrip(" ")[:1]
        if run == "一" or (before != "第" and after not in MEASURE):
            return None
    v = chinese(run)
    if v is None:
        return None
    base = chinese(run.rstrip("万亿")) if run[-1] in BIG and "点" in run else v
    return Number(run, v, base if base is not None else v, multiplier=run[-1] if base != v else None)


def chinese(run: str) -> Fraction | None:
    """The value of a Chinese numeral, or None when it is not one.

    >>> [chinese(s) for s in ("三十五", "二〇二〇", "一百零五", "两千", "十二万", "三点五", "二点七六亿", "一亿二千万")]
    [Fraction(35, 1), Fraction(2020, 1), Fraction(105, 1), Fraction(2000, 1), Fraction(120000, 1), Fraction(7, 2), Fraction(276000000, 1), Fraction(120000000, 1)]
    >>> chinese("十二万亿") == 12 * 10 ** 12
    True
    >>> [chinese(s) for s in ("三四", "十二五", "万")]
    [None, None, None]
    """
    whole, _, frac = run.partition("点")
    scale = 1
    if frac and frac[-1] in BIG:
        scale, frac = BIG[frac[-1]], frac[:-1]
    if frac and not all(c in DIGITS for c in frac):
        return None
    if whole and all(c in DIGITS for c in whole) and len(whole) > 1:
        # digit by digit: 二〇二〇, 一九九五 (three or more digits, or a zero: 三四 is "three or four")
        if len(whole) < 3 and not set(whole) & {"〇", "零"}:
            return None
        value: Fraction | None = Fraction(int("".join(str(DIGITS[c]) for c in whole)))
    else:
        value = _positional(whole)
    if value is None:
        return None
    if frac:
        value += Fraction(int("".join(str(DIGITS[c]) for c in frac)), 10 ** len(frac))
    return value * scale


def _positional(run: str) -> Fraction | None:
    """三十五 -> 35, 一亿二千万 -> 120000000; None for a run that is not a well-formed numeral."""
    if not run:
        return None
    total, section, digit = 0, 0, None
    for c in run:
        if c in DIGITS:
            if digit is not None:  # two digits in a row: only 零 may stand between units (一百零五)
                if digit != 0:
                    return None
            digit = DIGITS[c]
        elif c in UNITS:
            section += (1 if digit is None else digit) * UNITS[c]
            digit = None
        elif c in BIG:
            section += digit or 0
            if section == 0:  # 十二万亿: the 亿 multiplies what came before
                if not total:
                    return None
                total *= BIG[c]
                digit = None
                continue
            total = (total + section) * BIG[c] if BIG[c] > 10 ** 4 else total + section * BIG[c]
            section, digit = 0, None
        else:
            return None
    return Fraction(total + section + (digit or 0))


def _plain(v: Fraction) -> str:
    if v.denominator == 1:
        return str(v.numerator)
    for places in range(1, 8):
        if (v * 10 ** places).denominator == 1:
            return f"{float(v):.{places}f}"
    return f"{float(v):.6g}"
