"""Small text helpers for Chinese: joining hard-wrapped lines, tidying spaces, splitting sentences.

Does not segment words (that is ``qa.lang.tokenize``) and knows nothing of page layout
(that is ``qa.ingest.report``).
"""

from __future__ import annotations

import re

_CJK = (
    "\u3000-\u303f"  # CJK punctuation 。、「」
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # ideographs
    "\uff00-\uffef"  # full-width forms ，：（）
    "\u2018-\u201f\u2026\u2014"  # “”‘’…—
)
CJK_CHAR = re.compile(f"[{_CJK}]")
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}])[ \t\u3000]+(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
_SENTENCE = re.compile(r"[^。！？!?]*(?:[。！？!?]+[”’」』）)]*|$)")


def is_cjk(ch: str) -> bool:
    return bool(ch) and CJK_CHAR.match(ch) is not None


# Words that cannot end a sentence: a preposition or 把/被 waits for its object, 的 for what it describes
_WAITS = frozenset("在把将被从向对于与和及或给由的")


def goes_on(text: str) -> bool:
    """``text`` stops mid-sentence: its last character is a word that waits for what follows (可以在 / 放在 /
    宏包提供的), with no sentence end after it. What follows, on the next line or in the next paragraph (a path,
    a URL, a command), is part of that sentence.

    >>> goes_on("最新版的软件可以在"), goes_on("使用宏包提供的"), goes_on("存在"), goes_on("完成了。")
    (True, True, False, False)
    """
    t = text.rstrip()
    return len(t) >= 4 and t[-1] in _WAITS and is_cjk(t[-2]) and t[-2:] not in _ENDS_WITH_WAIT


# words that open a sentence going on from the one before: pointing back to what it named (前者, 这个文件, 它),
# turning from it (然而, 但是, 不过) or following from it (因此, 此时, 开启之后)
_GOES_ON_FROM = re.compile(r"(?:然而|但|不过|可是|而|因此|所以|于是|此时|这时|这样|这个|这些|这种|这套|这里|该|它|其中|前者|后者|"
                           r"[^，。]{1,6}之后，|解决(?:的)?办法|办法是|方法是)")  # (但 opens 但是, 它 它们)


def goes_on_from(text: str) -> bool:
    """``text`` opens on a word that goes on from the sentence before it: it points back (前者, 这个文件, 它) or
    turns from it (然而, 但是) or follows from it (因此, 此时), so that the sentence before only set up what it says.

    >>> goes_on_from("然而前者有安全漏洞。"), goes_on_from("这个文件可以用作参数。"), goes_on_from("开启之后，主要的变化有：")
    (True, True, True)
    >>> goes_on_from("LaTeX 本身只支持数字样式。"), goes_on_from("而且")
    (False, True)
    """
    return _GOES_ON_FROM.match(text.lstrip()) is not None


def cut_at_line(text: str, line_end: bool) -> bool:
    """``text``, a sentence that ends where its line does (``line_end``), stops on a Chinese character with no
    sentence end: a paragraph of a paged document cut there by what the layout set on the next line (一个命令、
    一个路径): ……也可以执行 / tlmgr update --all.

    >>> cut_at_line("此时即可直接使用，也可以执行", True), cut_at_line("此时即可直接使用。", True), cut_at_line("也可以执行", False)
    (True, False, False)
    """
    t = text.rstrip()
    return line_end and bool(t) and "\u4e00" <= t[-1] <= "\u9fff"


_INTRODUCES = re.compile(r"[：:]\s*$|(?:如下|下列|下面|以下)[^。！？!?]*[。.]\s*$")  # (in the last sentence)


def introduces_list(text: str) -> bool:
    """``text`` introduces what follows it: it ends with a colon (例如：), or its last sentence says the items come
    next (……包含下列内容。, 你需要做下面的操作。, 它们的功能可以概括为以下几点。).

    >>> [introduces_list(t) for t in ("它的功能包括：", "“/etc/passwd”包含下列内容。", "下面是一些要点。", "结束了。")]
    [True, True, True, False]
    >>> introduces_list("以下是背景。结束了。"), introduces_list("背景如上。它们可以概括为以下几点。")
    (False, True)
    """
    return _INTRODUCES.search(text.strip()) is not None


# ... unless it closes a word that can end one (存在, 目的, 总和)
_ENDS_WITH_WAIT = frozenset({"存在", "现在", "实在", "所在", "自在", "内在", "外在", "潜在", "目的", "真的", "似的", "总和",
                             "缓和", "温和", "调和", "平和", "终于"})


def join_lines(lines: list[str]) -> str:
    """Join hard-wrapped lines the way the page reads.

    No space between Chinese characters; one space where a number or Latin word
    meets Chinese (the report writes ``2019 年``); nothing after a hyphen.

    >>> join_lines(["驻地协调员办公室的人员配", "置，包括 69", "个国籍", "COVID-", "19 大流行"])
    '驻地协调员办公室的人员配置，包括 69 个国籍 COVID-19 大流行'
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out:
            a, b = out[-1], line[0]
            if a == "-" or is_cjk(a) and is_cjk(b):
                pass
            elif a.isalnum() or b.isalnum():
                if not (is_cjk(a) and not b.isalnum()) and not (is_cjk(b) and not a.isalnum()):
                    out += " "
        out += line
    return tidy(out)


def tidy(text: str) -> str:
    """Collapse runs of spaces and drop spaces between Chinese characters.

    >>> tidy("权力  来减少  重复 2019 年")
    '权力来减少重复 2019 年'
    """
    text = _SPACES.sub(" ", text)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return text.strip()


def squash(text: str) -> str:
    """Remove all whitespace: the form in which evidence strings are compared."""
    return "".join(text.split())


def split_sentences(text: str) -> list[str]:
    """Split at sentence ends (。！？, not ；), keeping the punctuation and closing quotes.

    >>> split_sentences("你好。再见！“好”。")
    ['你好。', '再见！', '“好”。']
    """
    parts = [m.group(0).strip() for m in _SENTENCE.finditer(text)]
    return [p for p in parts if p]
