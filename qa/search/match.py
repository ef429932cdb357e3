"""What a passage holds of a question: its share of the question's key terms, the names it leaves out,
whether a sentence holds the kind of answer asked for.

Small pure functions of a ``Query`` and the index's stored sentence facts, shared by the re-ranker
(``qa.search.rerank``) and the answer's features (``qa.answer.features``): they sit in search so that
search never imports answer code. Does not rank or choose anything.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qa.lang.asks import VALUES, ordinals, years
from qa.lang.names import mentioned
from qa.lang.tokenize import normalised, share

if TYPE_CHECKING:  # types only: importing the question's and the index's modules would deepen the import graph
    from qa.lang.query import Query
    from qa.search.index import Index


def coverage(weights: dict[str, float], text: str) -> float:
    """Share of the question's key-bigram weight (``Query.weights``) that ``text`` contains, 0..1.

    >>> coverage({"核心": 1.0, "职位": 1.0, "日本": 2.0}, "五个核心职位")
    0.5
    """
    return share(weights, normalised(text))


def missing_names(query: Query, passage: str, index: Index) -> list[str]:
    """Years, ordinals (第二次), countries and bodies the question names that ``passage`` never mentions.

    A country or body counts as mentioned under any of its names (美国 =
    美利坚合众国; ``qa.lang.names``); 首次 and 第一次 are one ordinal.
    """
    text = normalised(passage)
    named = years(text)
    missing = [y for y in query.years if y not in named]
    missing += sorted(set(query.ordinals) - ordinals(text))
    every = index.names.every
    missing += [w for w in index.names.find(query.names_text)
                if not mentioned(w, text, every) and not _askers_place(w, query.norm)]
    return list(dict.fromkeys(missing))


def _askers_place(name: str, question: str) -> bool:
    """Whether the question names ``name`` as where the asker is (我在香港用…, 我们在上海): that says who asks,
    not what is asked about, so a passage need not name it.

    >>> _askers_place("香港", "我在香港用 cygwin 装 tex live"), _askers_place("香港", "香港有多少个办事处")
    (True, False)
    """
    return re.search(r"我们?(?:人|住|现在|目前)?在" + re.escape(name), question) is not None


def sentence_holds(query: Query, index: Index, s: int) -> bool | None:
    """Whether sentence ``s`` holds the kind of answer asked for; worked out once per question and sentence
    (the re-ranker, reading past the top passages and the candidates all ask)."""
    if s not in query.kinds:
        query.kinds[s] = query.holds(index.sentence_texts[s], index.names)
    return query.kinds[s]


def held(query: Query, index: Index, row: int) -> bool:
    """Whether chunk ``row`` holds the kind of answer asked for, reading its sentences only until one does
    (a table's or figure's cell may hold any value, not a who or a why)."""
    kind = index.chunks[row].kind
    rows = index.sentences_of(row)
    if query.want is None or not len(rows):
        return False
    if kind in ("table", "figure") and query.want in VALUES:
        return True
    return any(sentence_holds(query, index, s) is True for s in rows)
