"""Chinese abbreviations the report never writes, read as the report's own full terms.

Chinese shortens a compound term by keeping some of its characters in order,
usually the first of each part: 驻地协调员 -> 驻协, 发展协调办公室 -> 发协办,
国家工作队 -> 国工队. A reader writes the short form; the report writes the long
one, so neither BM25 nor the key-term features would see the match. ``expand``
finds runs of the question that the report never writes and that such a term
of the report abbreviates, and puts the term in their place:

    expand("驻协向谁汇报", index) -> ("驻地协调员向谁汇报", (("驻协", "驻地协调员"),))

A run is read as a term only when the term starts with the run's first character,
holds the rest in order, is at least two characters longer, and the report uses
it at least ``MIN_USES`` times; among several, the one the report uses most. The
index's domain lexicon (``qa.lang.lexicon``: ``abbreviations``) may name a run's term
outright (the UN lexicon: 驻协办 -> 驻地协调员办公室); that reading wins when the report
writes the term at all.

Does not guess at abbreviations the report itself uses (儿基会 is left alone), at
single characters, or at words jieba knows from the report.
"""

from __future__ import annotations

import re

MIN_USES = 3  # how often the report must write a term for it to be a reading of an abbreviation
_CJK = re.compile(r"[\u3400-\u9fff]")


def is_abbreviation(short: str, term: str) -> bool:
    """True when ``term`` can be shortened to ``short``: same first character, the rest in order.

    >>> [is_abbreviation(s, "驻地协调员") for s in ("驻协", "驻员", "协调", "驻地协调员")]
    [True, True, False, False]
    """
    if len(term) < len(short) + 2 or short[0] != term[0]:
        return False
    rest = iter(term[1:])
    return all(ch in rest for ch in short[1:])


def expand(text: str, index) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``text`` (normalised) with each abbreviation the report never writes replaced by its term, and the
    readings made, as (abbreviation, term) pairs."""
    words = index.segmenter.words(text)
    readings: list[tuple[str, str]] = []
    out: list[str] = []
    i = 0
    while i < len(words):
        run = _short_run(words, i)  # unknown characters come out of the report's jieba one by one
        found = _longest_reading(run, index) if len(run) >= 2 else None
        if found:
            start, end, term = found
            out.extend(run[:start])
            out.append(term)
            readings.append(("".join(run[start:end]), term))
            i += end
        else:
            out.append(words[i])
            i += 1
    return "".join(out), tuple(readings)


def _short_run(words: list[str], i: int) -> list[str]:
    """The words from ``i`` on while they are Chinese and one or two characters long (发 协办)."""
    run = []
    while i < len(words) and len(words[i]) <= 2 and _CJK.match(words[i]):
        run.append(words[i])
        i += 1
    return run


def _longest_reading(run: list[str], index) -> tuple[int, int, str] | None:
    """(start, end, term) for the first, longest stretch of ``run`` (whole words, 2-4 characters, one of
    them a lone character) that the report never writes and one of its terms shortens to."""
    for start in range(len(run) - 1):
        if run[start][0] not in index.terms_by_first:
            continue  # no term of the report starts with this character
        for end in range(min(len(run), start + 4), start + 1, -1):  # words of 1-2 characters: 4 make 4+
            short = "".join(run[start:end])
            if len(short) > 4 or all(len(w) == 2 for w in run[start:end]):
                continue
            term = _term_for(short, index)
            if term and short not in index.plain_text:  # (the report's text searched last: it is long)
                return start, end, term
    return None


def _term_for(short: str, index) -> str | None:
    named = index.lexicon.abbreviations.get(short)
    if named and named in index.plain_text:
        return named
    uses = index.term_uses
    fits = [t for t in index.terms_by_first.get(short[0], ()) if is_abbreviation(short, t) and uses[t] >= MIN_USES]
    return max(fits, key=lambda t: (uses[t], -len(t))) if fits else None
