"""Check a written sentence against the passages it cites: deterministic, one sentence at a time.

A sentence passes when
  1. it cites at least one passage, and every ``[n]`` it cites exists;
  2. every number in it (``qa.write.figures``: 2019, 2.76 亿, 百分之三点五, 二〇二〇 …) is a number of a
     passage it cites, by value (a percentage only meets a percentage; a table's figure may carry the
     unit its header states, 281 826.4 千美元 of （千美元）), and every document symbol (E/2020/54) is
     written in one;
  3. at least ``MIN_OVERLAP`` of its words (character bigrams of Chinese, words of English) are in
     the passages it cites.

    >>> shown = [Passage(1, "d#p23", "d", "第 23 段", "每个驻地协调员办公室现在都有五个核心职位。")]
    >>> check("每个驻地协调员办公室现有五个核心职位。[1]", Evidence(shown)).passed
    True
    >>> check("每个驻地协调员办公室现有六个核心职位。[1]", Evidence(shown)).problems
    ('六 is not in [1]',)

``Splitter`` cuts a streamed reply into sentences as they complete (a sentence's trailing
``[n]`` included), so each is checked as soon as it is whole.

Does not check meaning: a sentence that reuses a passage's words and numbers to say something the
passage does not say (a negation, a wrong subject, a cause) passes. Nor does it check that the
sentence answers the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.answer.reply import NO_ANSWER
from qa.lang.tokenize import STOPWORDS, bigrams, normalised
from qa.write.figures import (
    Number,
    half_width,
    numbers,
    stated_units,
    symbol_key,
    symbols,
)
from qa.write.prompt import Passage

MIN_OVERLAP = 0.5  # share of a sentence's words that must be in what it cites
# a citation: [1], [1][2], [1, 3], [2-4], 【1】, [passage 1], [段落1] (full-width brackets are made ASCII first)
_CITE = r"[\[【]\s*(?:passage\s*|段落\s*)?(\d{1,3}(?:\s*[,，、\-–]\s*\d{1,3})*)\s*[\]】]"
MARKER = re.compile(_CITE, re.IGNORECASE)
_PARTIAL = re.compile(r"\s*(?:[\[【][^\]】\n]{0,12})?")  # what may be the start of one more citation
_TRAIL = re.compile(rf"(?:\s*{_CITE})*", re.IGNORECASE)
# a sentence ends at 。！？!? (and closing quotes), at a full stop before a space, or at a line break
_END = re.compile(r"[。！？!?]+[”’」』）)\"']*|\.(?=\s|$)|\n+")
_LEAD = re.compile(r"^\s*(?:#+\s*|[-*•]\s+|\d{1,2}[.)、]\s*|[（(]\d{1,2}[)）]\s*)?(?:\*\*)?")
# words a written sentence adds around what it reports, which no passage is expected to hold
CONNECTIVES = frozenset(["根据", "据报", "报告", "告指", "指出", "此外", "另外", "同时", "其中", "这些", "总之", "答案", "显示", "表示", "提到", "段落", "所述", "综上", "上所"])
REFUSAL = re.compile(r"没有找到|无法回答|无法确定|未(?:提及|提到|说明|提供)|没有(?:提及|提到|说明|相关)|不包含|"
                     r"cannot (?:be )?answer|can't answer|do(?:es)? not (?:say|mention|contain|answer)|"
                     r"not (?:mentioned|stated|in the passages)", re.IGNORECASE)


# the kinds of problem a sentence can have (``Checked.faults``), as ``qa eval --write`` counts them
FAULTS = {
    "no-citation": "cites no passage",
    "bad-citation": "cites a passage that does not exist",
    "number": "a number is not in the passages it cites",
    "symbol": "a document symbol is not in the passages it cites",
    "words": "too few of its words are in the passages it cites",
}


@dataclass(frozen=True)
class Checked:
    """One written sentence and what its check found."""

    text: str  # as written (markdown marks dropped), with its [n]
    citations: tuple[int, ...]
    passed: bool
    problems: tuple[str, ...] = ()  # why it was dropped, in words
    overlap: float = 0.0  # share of its words in the passages it cites
    refusal: bool = False  # the model says the passages do not answer
    faults: tuple[str, ...] = ()  # the problems' kinds, one each: a key of FAULTS

    @property
    def check(self) -> str:
        if self.refusal:
            return "the model says the passages do not answer this"
        if not self.passed:
            return "; ".join(self.problems)
        cites = "".join(f"[{n}]" for n in self.citations)
        return f"ok: cites {cites}; its numbers are in {cites}; {self.overlap:.0%} of its words are in {cites}"

    def to_json(self) -> dict:
        return {"text": self.text, "citations": list(self.citations), "passed": self.passed, "check": self.check}


@dataclass
class _Facts:
    numbers: list[Number]
    symbols: set[str]
    words: set[str]
    units: set[str]  # multipliers it states as its figures' unit: 千 of （千美元）


@dataclass
class Evidence:
    """The passages shown to the model, with their figures and words read once.

    ``hint`` is the extractive answer shown with them, taken from passage ``hint_from``: the footnote
    labels it gives (``（脚注 6）``, the footnote that closes the answer's sentence) count as that passage's.
    """

    passages: list[Passage]
    hint: str | None = None
    hint_from: int | None = None
    facts: dict[int, _Facts] = field(init=False)  # passage number -> what it holds

    def __post_init__(self):
        self.facts = {}
        for p in self.passages:
            shown = f"{p.header}\n{p.text}"
            if p.n == self.hint_from and self.hint:
                shown += "\n" + " ".join(re.findall(r"脚注 ?\d+", self.hint))
            # the header's document name counts as a symbol of the passage: E-2020-54 is E/2020/54
            keys = {symbol_key(s) for s in symbols(shown)} | {symbol_key(p.document)}
            self.facts[p.n] = _Facts(numbers(shown), keys, words(shown), stated_units(shown))


def citations_of(sentence: str) -> tuple[int, ...]:
    """The passage numbers a sentence cites, in order, each once.

    >>> citations_of("共有五个[1][3]，见 [2-4]、【5】、[Passage 6]。")
    (1, 3, 2, 4, 5, 6)
    """
    out: list[int] = []
    for m in MARKER.finditer(half_width(sentence)):
        for part in re.split(r"\s*[,，、]\s*", m.group(1)):
            ends = [int(x) for x in re.split(r"\s*[\-–]\s*", part)]
            first, last = ends[0], ends[-1]
            out.extend(range(first, last + 1) if first <= last <= first + 20 else (first, last))
    return tuple(dict.fromkeys(out))


def strip_markers(sentence: str) -> str:
    """The sentence without its ``[n]``.

    >>> strip_markers("共有五个[1]。[2]")
    '共有五个。'
    """
    return MARKER.sub("", half_width(sentence)).strip()


def words(text: str) -> set[str]:
    """The words a sentence is compared by: Chinese character bigrams and English words, without numbers,
    stop words or connectives (根据, 报告, 指出 …).

    >>> sorted(words("根据报告，核心职位有 5 个[1]"))
    ['位有', '心职', '核心', '职位']
    """
    found = bigrams(normalised(strip_markers(text)))
    return {w for w in found if not w.replace(".", "").replace("-", "").isdigit()
            and w not in STOPWORDS and w not in CONNECTIVES}


def is_refusal(sentence: str) -> bool:
    """The model saying the passages do not answer (NO_ANSWER, or a sentence to that effect without a citation)."""
    bare = strip_markers(sentence)
    return bare == NO_ANSWER or bare.upper() == "NO_ANSWER" or (
        not citations_of(sentence) and REFUSAL.search(bare) is not None)


def clean(sentence: str) -> str:
    """The sentence as shown: list marks, heading marks and bold marks taken off.

    >>> clean("1. **共有五个**[1]。")
    '共有五个[1]。'
    """
    return _LEAD.sub("", sentence).replace("**", "").strip()


def check(sentence: str, evidence: Evidence) -> Checked:
    """Check one written sentence against the passages it cites."""
    text = clean(sentence)
    cites = citations_of(text)
    if is_refusal(text):
        return Checked(text, cites, False, ("the model says the passages do not answer this",), refusal=True)
    if not cites:
        return Checked(text, cites, False, ("no citation",), faults=("no-citation",))
    missing = [n for n in cites if n not in evidence.facts]
    if missing:
        return Checked(text, cites, False, (f"cites {_cites(missing)}, but there are only "
                                            f"{len(evidence.passages)} passages",), faults=("bad-citation",))
    facts = [evidence.facts[n] for n in cites]
    bare = strip_markers(text)
    problems: list[tuple[str, str]] = []  # (kind, in words)
    for num in numbers(bare):
        if not any(_meets(num, m, f.units) for f in facts for m in f.numbers):
            elsewhere = [n for n, f in evidence.facts.items()
                         if n not in cites and any(_meets(num, m, f.units) for m in f.numbers)]
            problems.append(("number", f"{num.text} is not in {_cites(cites)}"
                             + (f" (it is in {_cites(elsewhere)})" if elsewhere else "")))
    for sym in symbols(bare):
        if not any(symbol_key(sym) in f.symbols for f in facts):
            problems.append(("symbol", f"{sym} is not in {_cites(cites)}"))
    own = words(bare)
    cited = set().union(*(f.words for f in facts))
    overlap = len(own & cited) / len(own) if own else 1.0
    if overlap < MIN_OVERLAP:
        problems.append(("words", f"only {overlap:.0%} of its words are in {_cites(cites)} (needs {MIN_OVERLAP:.0%})"))
    return Checked(text, cites, not problems, tuple(p for _, p in problems), round(overlap, 3),
                   faults=tuple(k for k, _ in problems))


def glue(before: str, after: str) -> str:
    """What goes between two sentences of a reply: a space between English ones, nothing in Chinese.

    >>> glue("共有五个[1]。", "开发署…"), glue("It has five [1].", "They …"), glue("", "共有")
    ('', ' ', '')
    """
    return " " if before and after and before[-1].isascii() and after[0].isascii() else ""


def joined(texts) -> str:
    """Sentences joined into one reply (``glue`` between them)."""
    out = ""
    for t in texts:
        out += glue(out, t) + t
    return out


def _meets(n: Number, m: Number, units: set[str]) -> bool:
    """Whether the sentence's number ``n`` is the passage's number ``m``: the same value (a percentage only a
    percentage); for a figure written without its multiplier, the passage's figure before it (2.76 of 2.76 亿);
    for a figure written with a multiplier the passage states as its unit (``units``: 千 of （千美元）), that figure
    (281 826.4 千美元 of a table's 281 826.4)."""
    if n.percent and not m.percent:
        return False
    if n.value == m.value or (not n.scaled and n.value == m.raw):
        return True
    return n.scaled and not m.scaled and n.multiplier in units and n.raw == m.value


def _cites(ns) -> str:
    return "".join(f"[{n}]" for n in ns)


class Splitter:
    """Cuts streamed text into sentences as they complete; ``<think>…</think>`` (a reasoning model's) is dropped.

    >>> s = Splitter()
    >>> s.feed("共有五个职位[1]。涵盖"), s.feed("规划。"), s.feed("[2]"), s.end()
    (['共有五个职位[1]。'], [], [], ['涵盖规划。[2]'])
    >>> Splitter().feed("表 1 · A. 国家协调：\\n281 826.4 千美元[1]\\n下一句")
    ['表 1 · A. 国家协调：\\n281 826.4 千美元[1]']
    """

    def __init__(self):
        self.buf = ""
        self.thinking: bool | None = None  # None: not known yet

    def feed(self, piece: str) -> list[str]:
        self.buf += piece
        return self._cut(final=False)

    def end(self) -> list[str]:
        return self._cut(final=True)

    def _cut(self, final: bool) -> list[str]:
        if self.thinking is None:
            head = self.buf.lstrip()
            if "<think>".startswith(head) and not final:
                return []
            self.thinking = head.startswith("<think>")
        if self.thinking:
            end = self.buf.find("</think>")
            if end < 0:
                if final:
                    self.buf = ""
                return []
            self.buf, self.thinking = self.buf[end + len("</think>"):], False
        out, pos = [], 0
        while True:
            m = _END.search(self.buf, pos)
            if m is None:
                break
            before = self.buf[:m.start()]
            if (m.group(0) == "." and (re.fullmatch(r"\s*\d{1,2}", before.rsplit("\n", 1)[-1])
                                       or re.search(r"(?<![A-Za-z])[A-Za-z]$", before))
                    or m.group(0).startswith("\n") and before.rstrip().endswith(("：", ":"))):
                pos = m.end()  # "2. " opening a list item, "A. " an enumerator, "验证方：" a lead-in to the next line
                continue
            trail = _TRAIL.match(self.buf, m.end())  # always matches, if only the empty string
            j = trail.end() if trail else m.end()
            if not final and (j == len(self.buf) or _PARTIAL.fullmatch(self.buf, j)):
                break  # a citation may still follow the full stop
            out.append(self.buf[:j])
            self.buf, pos = self.buf[j:], 0
        if final:
            out.append(self.buf)
            self.buf = ""
        return [s.strip() for s in out if re.search(r"\w", strip_markers(s))]
