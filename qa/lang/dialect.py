"""A question typed in Cantonese or Traditional Chinese, read as Mandarin in Simplified script.

The report and most corpora are written in Simplified Mandarin, and the question's intent is read by
patterns in that script (``qa.lang.asks``, ``qa.lang.query``): 這個數字是從哪裡來的 asks for a source as
这个数字是从哪里来的 does, and 幾多 asks how many as 多少 does. The Cantonese words come from a lexicon file
(``lexicons/yue-mandarin.tsv``), replaced longest first before opencc's Traditional-to-Simplified conversion.

Only for questions: passages keep their own words (the lexical index normalises their script itself).

>>> as_mandarin("駐地協調員辦公室有幾多個核心職位？")
'驻地协调员办公室有多少个核心职位？'
>>> as_mandarin("這個數字是從哪裡來的")
'这个数字是从哪里来的'
>>> as_mandarin("關係點解加強咗？")
'关系为什么加强了？'
>>> as_mandarin("可以用邊個套件？"), as_mandarin("TeX 係邊個開發嘅？")
('可以用哪个套件？', 'TeX 是谁开发的？')
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from qa.lang.tokenize import dense_text


@lru_cache(maxsize=1)
def _lexicon() -> tuple[re.Pattern[str], dict[str, str]]:
    text = resources.files("qa.lang").joinpath("lexicons/yue-mandarin.tsv").read_text(encoding="utf-8")
    pairs = dict(line.split("\t", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    pattern = re.compile("|".join(sorted(map(re.escape, pairs), key=len, reverse=True)))
    return pattern, {k: v.strip() for k, v in pairs.items()}


# 邊個 is "who" and "which one": before a noun it asks which (用邊個套件 = 用哪个套件), before a verb or at the
# end who (邊個開發, 係邊個). A character that begins the verbs and particles that follow a "who" keeps "who"
_WHICH = re.compile(r"邊[個个](?=[\u4e00-\u9fff])(?![係是會会可能負负提開开寫写做話话講讲發发創创設设管決决主建帶带教整嚟來来去嘅的既同和])")


# 係 is Cantonese "is" (係喺邊度 = 是在哪里); in Traditional Mandarin it is only a part of 關係 (relation) and its
# kin (維係, 干係, 聯係), which keep it
_IS = re.compile(r"(?<![關关維维干幹聯联])係")


def as_mandarin(text: str) -> str:
    """``text`` with Cantonese words as Mandarin ones, in Simplified script (case and width unchanged).

    >>> as_mandarin("加上 -global 之後，係喺邊度搵？"), as_mandarin("兩國關係點解加強咗？")
    ('加上 -global 之后，是在哪里找？', '两国关系为什么加强了？')
    """
    pattern, pairs = _lexicon()
    return dense_text(_IS.sub("是", pattern.sub(lambda m: pairs[m.group(0)], _WHICH.sub("哪个", text))))
