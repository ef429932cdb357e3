"""Follow-up questions: read a short question in the light of the ones asked before it.

A follow-up ("那 2020 年呢？", "来源呢？", "这个数据的来源是什么？") is combined
with the previous question as it was understood, so follow-ups chain:

    contextualise("那 2020 年呢？", ["2019 年驻地协调员系统的收入是多少"])
    -> "2020 年驻地协调员系统的收入是多少"
    contextualise("这个数据的来源是什么？", ["2019 年驻地协调员系统的收入是多少"])
    -> "2019 年驻地协调员系统的收入是多少 这个数据的来源是什么？"

Used by the chat page (``qa.serve.web``, Gradio's history) and the OpenAI-compatible
endpoint (``qa.serve.chat``, the request's messages). Works on plain text only: it
does not know any chat format, does not look at the answers given, and does
not resolve pronouns beyond joining the two questions.
"""

from __future__ import annotations

import re

from qa.lang.query import asks_for_source, strip_source_intent

SHORT = 6  # a question with fewer word characters than this is a follow-up: "来源呢？", "为什么？"

_LEAD = re.compile(r"^\s*(那么|那|这|它|其|该|and\b|what about\b|how about\b)", re.IGNORECASE)
_LEAD_WORD = re.compile(r"^\s*(那么|那|and|what about|how about)\s*[,，]?\s*", re.IGNORECASE)
_TAIL = re.compile(r"\s*[呢吗]?\s*[?？。.!！]*\s*$")
_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")
_DEMONSTRATIVE = re.compile(r"这一?个?|那一?个?|该|此|其|它|\b(this|that|it)\b", re.IGNORECASE)


def _words(text: str) -> str:
    return re.sub(r"[\W_]", "", text)


def is_follow_up(message: str) -> bool:
    """True when ``message`` leans on the previous question.

    >>> is_follow_up("那 2020 年呢？"), is_follow_up("这个数据的来源是什么？"), is_follow_up("驻地协调员办公室有多少核心职位")
    (True, True, False)
    """
    words = _words(message)
    if not words:
        return False  # nothing to combine: let the service reject it
    if _LEAD.match(message) or len(words) < SHORT:
        return True
    if asks_for_source(message):  # "数据来源是什么" has no subject of its own
        rest = strip_source_intent(message)
        return rest == message or len(_words(_DEMONSTRATIVE.sub("", rest))) < 2
    return False


def _rewrite(message: str, previous: str) -> str:
    """``message`` read after ``previous``: a lone new year replaces the old one, else both are asked.

    >>> _rewrite("那 2020 年呢？", "2019 年的收入是多少")
    '2020 年的收入是多少'
    """
    rest = _TAIL.sub("", _LEAD_WORD.sub("", message))
    year = _YEAR.fullmatch(re.sub(r"\s*年$", "", rest))
    if year and _YEAR.search(previous):
        return _YEAR.sub(year.group(0), previous)
    return f"{previous} {message.strip()}"


def contextualise(message: str, previous: list[str]) -> str:
    """The question ``message`` means after the user's earlier questions ``previous`` (oldest first)."""
    understood = None
    for text in previous:
        understood = _rewrite(text, understood) if understood and is_follow_up(text) else text
    if understood and is_follow_up(message):
        return _rewrite(message, understood)
    return message
