"""Clean a user's question before it is searched.

Control characters, NUL and lone surrogates are dropped, whitespace collapsed,
and an overlong question cut to ``MAX_QUESTION_CHARS`` with a notice. A question
with nothing left to search for raises ``BadQuestion``.

    clean("  驻地协调员\\x00办公室？ ") -> Cleaned("驻地协调员办公室？", None)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from qa.config import MAX_QUESTION_CHARS
from qa.errors import BadQuestion

_SEARCHABLE = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)


@dataclass(frozen=True)
class Cleaned:
    text: str
    notice: str | None


def clean(question: str, limit: int = MAX_QUESTION_CHARS) -> Cleaned:
    if not isinstance(question, str):
        raise BadQuestion("the question must be text")
    chars = []
    for ch in question:
        cat = unicodedata.category(ch)
        if cat == "Cs":  # lone surrogate
            continue
        if cat in ("Cc", "Cf", "Zl", "Zp"):
            chars.append(" " if ch in "\t\n\r\u2028\u2029" else "")
            continue
        chars.append(ch)
    text = " ".join("".join(chars).split())
    if not text:
        raise BadQuestion("the question is empty; ask something such as “驻地协调员办公室有多少核心职位”")
    if not _SEARCHABLE.search(text):
        raise BadQuestion("the question has no words to search for (only punctuation or symbols)")
    notice = None
    if len(text) > limit:
        notice = f"问题过长（{len(text)} 字），只使用了前 {limit} 字。"
        text = text[:limit]
    return Cleaned(text, notice)
