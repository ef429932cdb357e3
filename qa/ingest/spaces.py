"""Whitespace as the source meant it, for formats whose spaces were typed (DOCX, HTML).

A PDF or text dump wraps lines wherever the page ended, so ``qa.text.join_lines``
drops every space between two Chinese characters. A Word paragraph or a web page
keeps the spaces its author typed (``第一章 总览``); only its line breaks are
wraps. ``join_soft`` joins lines the way ``join_lines`` does (nothing between two
Chinese characters, one space where Latin text meets) but keeps the spaces inside a
line, collapsed to one.

>>> join_soft(["第一章 总览", "驻地协调员办公室的人员配", "置，包括 69", "个国籍"])
'第一章 总览驻地协调员办公室的人员配置，包括 69 个国籍'
>>> soft_wraps("高级软件包工具\\n   (APT)，它  能够\\n使用")
'高级软件包工具(APT)，它 能够使用'

Does not decide what is a line: the parser splits at its own breaks (``<br>``,
``w:br``, or source newlines in HTML, which are wraps, not spaces).
"""

from __future__ import annotations

import re

from qa.text import is_cjk

_SPACES = re.compile(r"[ \t\u3000\u00a0\u200b]+")
_WRAP = re.compile(r"[ \t\u3000\u00a0]*\n\s*")


def collapse(text: str) -> str:
    """Runs of spaces (full-width and no-break included) to one space, edges stripped."""
    return _SPACES.sub(" ", text).strip()


def join_soft(lines: list[str]) -> str:
    """Join wrapped lines: nothing between two Chinese characters or after a hyphen, else one space."""
    out = ""
    for raw in lines:
        line = collapse(raw)
        if not line:
            continue
        if out:
            a, b = out[-1], line[0]
            if a == "-" or is_cjk(a) and is_cjk(b):
                pass
            elif (a.isalnum() or b.isalnum()) and not (is_cjk(a) and not b.isalnum()) \
                    and not (is_cjk(b) and not a.isalnum()):
                out += " "
            elif not is_cjk(a) and not is_cjk(b):
                out += " "
        out += line
    return out


def soft_wraps(text: str) -> str:
    """Source text whose newlines are wraps (HTML): each newline joins as ``join_soft`` does."""
    return join_soft(_WRAP.split(text))
