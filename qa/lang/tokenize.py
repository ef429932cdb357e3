"""Tokens for the lexical side: jieba words, character bigrams, or both.

jieba segments with the report's own terms added (驻地协调员, 国家工作队 …).
Its full dictionary takes about a second to load, so an index stores the
dictionary entries its corpus uses (``vocabulary``) and questions are cut with
that small dictionary (``Segmenter.from_vocabulary``): words the corpus lacks
could not match anyway. Text is normalised first: Traditional to Simplified,
full-width to half-width, lower case.

    tokens("驻地協調員辦公室有多少核心職位", "jieba")
    -> ['驻地协调员', '办公室', '核心', '职位']

Does not rank anything; that is ``qa.search.bm25``.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache

log = logging.getLogger(__name__)

VARIANTS = ("jieba", "bigram", "jieba+bigram")

# Terms of the report that jieba's default dictionary cuts apart.
USER_TERMS = (
    "驻地协调员", "驻地协调员系统", "驻地协调员办公室", "国家工作队", "联合国国家工作队",
    "发展协调办公室", "区域发展协调办公室", "经社部", "合作框架", "共同国家分析",
    "可持续发展目标", "可持续发展集团", "信息管理系统", "供资契约", "特别用途信托基金",
    "集合基金", "联合基金", "四年度全面政策审查", "管理和问责框架", "业务运作战略",
    "方案国", "开发署", "人口基金", "儿基会", "妇女署", "难民署", "项目署", "艾滋病署",
    "人道协调厅", "世卫组织", "劳工组织", "粮食署", "全球传播部", "新闻中心",
    "费用分摊", "协调税", "协调费", "核心职位", "通信干事", "区域委员会", "实体办事处",
)

# UN development-system terms in English and as the Chinese documents write them, so that an
# English question has words to match on the lexical side (the dense side is multilingual anyway).
GLOSSARY = {
    "resident coordinator office": "驻地协调员办公室", "resident coordinator system": "驻地协调员系统",
    "resident coordinator": "驻地协调员", "country team": "国家工作队", "unct": "国家工作队",
    "development coordination office": "发展协调办公室", "dco": "发展协调办公室",
    "regional office": "区域发展协调办公室", "cooperation framework": "合作框架",
    "common country analysis": "共同国家分析", "funding compact": "供资契约",
    "joint sdg fund": "可持续发展目标联合基金", "sdg fund": "可持续发展目标联合基金",
    "sustainable development goal": "可持续发展目标", "sdg": "可持续发展目标",
    "unsdg": "联合国可持续发展集团", "sustainable development group": "联合国可持续发展集团",
    "special purpose trust fund": "特别用途信托基金", "trust fund": "信托基金",
    "cost-sharing": "费用分摊", "cost sharing": "费用分摊", "levy": "协调税", "pooled fund": "集合基金",
    "information centre": "新闻中心", "information center": "新闻中心", "communications officer": "通信干事",
    "business innovations group": "业务创新小组", "common premises": "共同房地",
    "business operations strategy": "业务运作战略", "efficiency": "效率",
    "management and accountability framework": "管理和问责框架", "qcpr": "四年度全面政策审查",
    "programme country government": "方案国政府", "survey": "调查", "desa": "经社部",
    "undp": "开发署", "unfpa": "人口基金", "unicef": "儿基会", "un women": "妇女署", "unhcr": "难民署",
    "wfp": "粮食署", "ilo": "劳工组织", "world bank": "世界银行",
    "gender": "性别", "youth": "青年", "disability": "残疾", "partnership": "伙伴关系",
    "budget": "预算",
    "expenditure": "支出", "estimate": "估计数", "voluntary contribution": "自愿捐款",
    "contribution": "捐款", "recruit": "征聘", "training": "培训",
    "staff": "工作人员", "posts": "员额", "national": "本国", "international": "国际",
    "core positions": "核心职位", "country coordination": "国家协调", "regional coordination": "区域协调",
    "global coordination": "全球协调", "programme support": "方案支助",
    # the shorthand UN staff and delegates write
    "rco": "驻地协调员办公室", "rc system": "驻地协调员系统", "rc": "驻地协调员", "sptf": "特别用途信托基金",
    "general assembly": "大会", "secretary-general": "秘书长", "member state": "会员国",
    "ecosoc": "经济及社会理事会", "economic and social council": "经济及社会理事会", "pledge": "认捐",
    "commitment": "承诺", "un info": "UN Info",
    # the report's terms of art that everyday English words do not reach
    "countries and territories": "国家和地区", "signator": "签署方", "pioneer": "先驱",
    "integrated national financing framework": "国家综合筹资框架", "inff": "国家综合筹资框架",
    "joint programme": "联合方案", "joint program": "联合方案", "call for proposals": "征集提议",
    "multi-country office": "多国办事处", "co-locat": "同地办公", "global south": "全球南方",
    "geographic diversity": "地理多样性", "geographical diversity": "地理多样性",
    "humanitarian coordinator": "人道主义协调员", "peacebuilding": "建设和平", "regional commission": "区域委员会",
    "retreat": "务虚会", "induction": "入职",
    # the money and survey words of a UN report, which an English question puts in plain words
    "shortfall": "缺口", "funding gap": "缺口", "funding stream": "资金流", "income": "收入", "revenue": "收入",
    "investment": "投资", "country level": "国家一级", "country-level": "国家一级", "take part": "参加",
    "participat": "参与", "headquarters": "总部", "gender equality": "性别平等", "beneficiar": "受益",
    "humanitarian": "人道主义", "coherence": "一致性", "duplicat": "重复", "audit": "审计", "evaluation": "评价",
    "accountability": "问责", "results": "成果", "outcome": "成果",
}

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
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    """Characters t2s changes (alone or inside a phrase): text with none of them is already Simplified."""
    from pathlib import Path

    import opencc

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
    def full(cls) -> "Segmenter":
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        tk.initialize()
        for term in USER_TERMS:
            tk.add_word(term, freq=max(tk.suggest_freq(term), 50_000))
        return cls(tk)

    @classmethod
    def from_vocabulary(cls, freq: dict[str, int]) -> "Segmenter":
        """A tokenizer knowing only ``freq`` (word -> count): loads in milliseconds."""
        import jieba

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


def expand_english(text: str) -> str:
    """Add the Chinese terms of English UN phrases found in ``text`` (lexical side only).

    >>> expand_english("How many resident coordinators were recruited?")
    'How many resident coordinators were recruited? 驻地协调员 征聘'
    """
    low = text.lower()
    if not re.search(r"[a-z]{2}", low):
        return text
    found = []
    for en in sorted(GLOSSARY, key=len, reverse=True):
        if re.search(r"\b" + re.escape(en), low):
            found.append(GLOSSARY[en])
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
