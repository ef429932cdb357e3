"""The answer model's features, each a small pure function registered once with what it means.

A feature reads three things, each worked out once: the question's side (``Asked``: the ``Query`` and
what it weighs), the passage's (``Passage``: its rank, scores, what it leaves out) and the sentence's
(``Sentence``: its stored facts, ``qa.ingest.facts.SentenceFacts``, its closeness in meaning and whether
it holds the kind of answer asked for). ``REGISTRY`` lists them in the order of the model's inputs
(``qa/data/answer_model.json`` names them in that order); each says

- ``meaning``: one line, for a person reading an explanation;
- ``sign``: the direction expected, all else equal: ``+`` more likely the answer, ``-`` less, ``±`` either;
- ``bound``: whether the fit keeps its weight on that side (``qa.lab.train``): only the evidence features
  are, so that sparse data cannot teach "the report never uses the question's terms" to count for an answer
  (binding the similarity features too, which overlap each other, abstained less often out of fold: 0.781
  against 0.788);
- ``gate``: whether the abstention gate (``qa.answer.model.Gate``) reads it, from the best sentence;
- ``binary``: yes/no by definition (the rest are measures); ``applies_with``: the feature it applies only
  beside (elsewhere it is 0, and an explanation leaves it out);
- ``reads``: the narrowest side it reads (the question alone, the passage, or the sentence): a question's
  features are worked out once per question, a passage's once per passage.

A gap feature (``gap_of``) is the best value of another over the question's candidates, less this one's.

    @feature("sent_cos", "+", "sentence close in meaning", gate=True)
    def sent_cos(q, p, s): return s.cos

Does not build candidates (``qa.answer.features`` does) nor weigh them (``qa.answer.model``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from qa.lang.asks import counts, names_thing
from qa.lang.names import mentioned_in
from qa.lang.tokenize import share

if TYPE_CHECKING:  # types only: a feature reads the Query and the stored facts it is given
    from qa.ingest.facts import SentenceFacts
    from qa.lang.query import Query


@dataclass(frozen=True)
class Asked:
    """What a feature reads of the question: the ``Query``, and what candidates() weighs of it once."""

    query: Query
    weight: float  # the sum of its key terms' weights (``Query.weights``)
    chars: dict[str, float]  # the question's characters, IDF-weighted (``qa.answer.features``)
    chars_weight: float  # their sum
    terms: list[str]  # its Chinese key terms
    strict: bool  # asks for an exact kind (``qa.answer.features.STRICT_KINDS``)
    asked_names: list[str]  # the countries and bodies it names
    every: dict[str, tuple[str, ...]]  # every name -> its forms (``qa.lang.names.Names.every``)
    top_cov: float  # the best passage's share of its key terms
    dense_max: float  # the closest passage's cosine
    lex_max: float  # the best BM25 score (1 when none scores)
    fused_top: float  # the best fused score
    unseen: float  # the share of its key-term weight the corpus never uses


@dataclass(frozen=True)
class Passage:
    """What a feature reads of a candidate's passage."""

    rank: int  # among the hits, from 0
    kind: str  # ``Chunk.kind``
    cos: float  # its cosine with the question
    lexical: float  # its BM25 score
    score: float  # its fused score
    cov: float  # its share of the question's key terms (with its heading)
    rest: dict[str, float]  # the key terms the question adds to the passage's topic (its heading)
    rest_chars: dict[str, float]  # the same, of characters
    rest_weight: float  # the sum of ``rest``'s weights
    rest_chars_weight: float  # of ``rest_chars``'
    missing: tuple[str, ...]  # years, ordinals, countries, bodies the question names that it never does
    noun_missing: bool  # what a "X 是多少" question asks about is not in it
    cells: bool  # a table row or figure asked for a value: a cell may hold any value
    chart_blank: bool  # a figure asked for a value whose chart values are not in the text
    total_row: bool  # a table's total row, and the question asks for a total
    reached: bool  # read below the top passages, for holding the kind asked for
    named: bool  # the figure, table or paragraph the question names


@dataclass(frozen=True)
class Sentence:
    """What a feature reads of the candidate sentence."""

    facts: SentenceFacts  # stored with the index
    j: int  # its place in its passage, from 0
    length: int  # characters
    cos: float  # its cosine with the question
    met: bool | None  # holds the kind of answer asked for (None: nothing checkable is asked)
    ctx_met: bool  # it or a neighbour holds it
    window: str  # it and its neighbours, as written (an English question's words are looked for there)


Compute = Callable[[Asked, Passage, Sentence], float]
READS = ("question", "passage", "sentence")


@dataclass(frozen=True)
class Feature:
    name: str
    sign: str  # "+", "-" or "±"
    meaning: str
    compute: Compute | None  # None for a gap feature
    gate: bool = False
    binary: bool = False
    bound: bool = False
    applies_with: str | None = None
    gap_of: str | None = None
    reads: str = "sentence"  # the narrowest side it reads: "question", "passage" or "sentence"


REGISTRY: list[Feature] = []


def feature(name: str, sign: str, meaning: str, *, gate: bool = False, binary: bool = False, bound: bool = False,
            applies_with: str | None = None, reads: str = "sentence") -> Callable[[Compute], Compute]:
    """Register the function it decorates as feature ``name``, after those registered before it. ``reads``:
    "question" for a feature of the question alone, "passage" for one of the question and the passage (the
    same for all its sentences): each is worked out once per question or passage."""
    assert reads in READS, reads
    def register(compute: Compute) -> Compute:
        REGISTRY.append(Feature(name, sign, meaning, compute, gate, binary, bound, applies_with, reads=reads))
        return compute
    return register


def gap(name: str, of: str, meaning: str) -> None:
    """Register ``name``: the best ``of`` over the question's candidates, less this candidate's (sign ``-``)."""
    REGISTRY.append(Feature(name, "-", meaning, None, gap_of=of))


def heaviest_missing(weights: dict[str, float], text: str) -> float:
    """The weight of the heaviest key term ``text`` (normalised) lacks, over the heaviest of all; 0 if none.

    A question the report does not answer often differs from one it does by a single rare word
    (差旅费, 德国): the sentence shares the rest.

    >>> heaviest_missing({"核心": 1.0, "职位": 1.0, "日本": 2.0}, "五个核心职位")
    1.0
    """
    top = max(weights.values(), default=0.0)
    if top <= 0:
        return 0.0
    return max((w for b, w in weights.items() if b not in text), default=0.0) / top


def row_labelled(terms: list[str], labels: tuple[str, ...]) -> bool:
    """Whether a figure's line puts a value right after one of the question's key ``terms``: the row the
    question names by its label (外部 3% | 1%), not a line that only shares its years. ``labels``: the
    characters before each of its values (``SentenceFacts.labels``).

    >>> from qa.ingest.facts import labels
    >>> row_labelled(["外部", "来自"], labels("外部 3% | 1%")), row_labelled(["外部"], labels("劳工组织 0% | 1%其他包括 2018"))
    (True, False)
    """
    return any(label.endswith(t) for label in labels for t in terms)


def _share_found(groups: tuple[tuple[str, ...], ...], text: str) -> float:
    """The share of ``groups`` (an English question's words, each as its report words) that ``text`` holds."""
    return sum(any(t in text for t in g) for g in groups) / len(groups) if groups else 0.0


# In the order of the model's inputs. (q: the question's side, p: the passage's, s: the sentence's.)

@feature("sent_cos", "+", "sentence close in meaning", gate=True)
def sent_cos(q: Asked, p: Passage, s: Sentence) -> float:
    return s.cos


gap("sent_cos_gap", "sent_cos", "how much closer in meaning another sentence is (0: none is)")


@feature("passage_cos", "+", "passage close in meaning", reads="passage")
def passage_cos(q: Asked, p: Passage, s: Sentence) -> float:
    return p.cos


@feature("passage_cos_gap", "-", "how much closer in meaning another passage is (0: none is)", reads="passage")
def passage_cos_gap(q: Asked, p: Passage, s: Sentence) -> float:
    return q.dense_max - p.cos


@feature("fused_gap", "-", "how far the passage ranks below the best (0: it is the best)", reads="passage")
def fused_gap(q: Asked, p: Passage, s: Sentence) -> float:
    return (q.fused_top - p.score) / 16.0


@feature("rank0", "+", "best-ranked passage", binary=True, reads="passage")
def rank0(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.rank == 0)


@feature("rank_inv", "+", "passage rank", reads="passage")
def rank_inv(q: Asked, p: Passage, s: Sentence) -> float:
    return 1.0 / (1 + p.rank)


@feature("reached", "±", "a passage below the top ones, read because none of those holds the kind of answer asked for",
         gate=True, binary=True, reads="passage")
def reached(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.reached)


# (a passage read past the top ones for holding what they lack: their rank is no case against it)
@feature("reached_met", "+", "holds the exact kind asked for (a day, a sum …), which none of the top passages holds",
         binary=True, bound=True, applies_with="reached")
def reached_met(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.reached and s.met is True)


@feature("lexical", "+", "passage shares the question's words (BM25)", reads="passage")
def lexical(q: Asked, p: Passage, s: Sentence) -> float:
    return p.lexical / q.lex_max


@feature("sent_cov", "+", "sentence shares the question's key terms", bound=True)
def sent_cov(q: Asked, p: Passage, s: Sentence) -> float:
    return share(q.query.weights, s.facts.norm, q.weight)


gap("sent_cov_gap", "sent_cov", "how many more key terms another sentence shares (0: none does)")


@feature("char_cov", "+", "sentence shares the question's characters (IDF-weighted; paraphrases share few whole words)",
         gate=True)
def char_cov(q: Asked, p: Passage, s: Sentence) -> float:
    return share(q.chars, s.facts.norm, q.chars_weight)


gap("char_cov_gap", "char_cov", "how many more of the question's characters another sentence shares (0: none does)")


@feature("ctx_cov", "+", "sentence and neighbours share the key terms", gate=True)
def ctx_cov(q: Asked, p: Passage, s: Sentence) -> float:
    return share(q.query.weights, s.facts.context, q.weight)


@feature("heavy_missing", "-", "the rarest key term the sentence and its neighbours lack (1: the question's rarest)",
         gate=True, bound=True)
def heavy_missing(q: Asked, p: Passage, s: Sentence) -> float:
    return heaviest_missing(q.query.weights, s.facts.context)


@feature("passage_cov", "+", "passage shares the question's key terms", reads="passage")
def passage_cov(q: Asked, p: Passage, s: Sentence) -> float:
    return p.cov


@feature("top_cov", "+", "best passage covers the question", gate=True, bound=True, reads="question")
def top_cov(q: Asked, p: Passage, s: Sentence) -> float:
    return q.top_cov


@feature("type_met", "+", "holds the kind of answer asked for", gate=True, binary=True, bound=True)
def type_met(q: Asked, p: Passage, s: Sentence) -> float:
    return float(s.met is True or (p.cells and s.met is not None))


@feature("type_unmet", "-", "lacks the kind of answer asked for", gate=True, binary=True, bound=True)
def type_unmet(q: Asked, p: Passage, s: Sentence) -> float:
    return float(s.met is False and not p.cells)


@feature("ctx_type_met", "+", "a neighbour holds the kind of answer asked for", gate=True, binary=True)
def ctx_type_met(q: Asked, p: Passage, s: Sentence) -> float:
    return float(s.ctx_met)


@feature("strict_met", "+", "holds the exact kind of value or name asked for (a count, sum, day, body …)", binary=True,
         bound=True)
def strict_met(q: Asked, p: Passage, s: Sentence) -> float:
    return float(q.strict and (s.met is True or (p.cells and s.met is not None)))


@feature("strict_unmet", "-", "lacks the exact kind of value or name asked for", binary=True, bound=True)
def strict_unmet(q: Asked, p: Passage, s: Sentence) -> float:
    return float(q.strict and s.met is False and not p.cells)


@feature("unseen", "-", "the question's key terms the report never uses", gate=True, bound=True, reads="question")
def unseen(q: Asked, p: Passage, s: Sentence) -> float:
    return q.unseen


@feature("noun_missing", "-", "the thing asked about is not in the passage", binary=True, bound=True, reads="passage")
def noun_missing(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.noun_missing and not p.cells)


@feature("counted_here", "+", "the sentence names the thing counted (多少个新生儿: 新生儿)", binary=True, bound=True)
def counted_here(q: Asked, p: Passage, s: Sentence) -> float:
    return float(names_thing(q.query.counted, s.facts.norm, whole=q.query.english))


@feature("count_of", "+", "the sentence gives a number of the thing counted (3 万多名新生儿), not of something else",
         gate=True, binary=True, bound=True)
def count_of(q: Asked, p: Passage, s: Sentence) -> float:
    return float(counts(q.query.counted, s.facts.counts, whole=q.query.english))


@feature("forecast", "-", "the question asks what actually came in (实际), and the sentence gives a forecast (预计 …)",
         binary=True, bound=True)
def forecast(q: Asked, p: Passage, s: Sentence) -> float:
    return float(q.query.actual and p.kind != "table" and s.facts.forecast)


@feature("share_change", "-",
         "the question asks for a share (多大比例), and the sentence's percentages are changes (增加了 39%)",
         binary=True, bound=True)
def share_change(q: Asked, p: Passage, s: Sentence) -> float:
    return float(q.query.share_of_group and s.facts.change_only)


# what a figure's value never says: why, how to, what was found, a command, an address
_NOT_A_VALUE = frozenset({"reason", "procedure", "finding", "code", "address"})


@feature("row_label", "+", "a figure's line that puts a value right after a key term of the question (外部 3%)",
         binary=True, bound=True)
def row_label(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.kind == "figure" and q.query.want not in _NOT_A_VALUE and row_labelled(q.terms, s.facts.labels))


@feature("enumerates", "+", "the question asks for a list, and the sentence (or the next, when it runs on) lists items",
         bound=True)
def enumerates(q: Asked, p: Passage, s: Sentence) -> float:
    return s.facts.items if q.query.is_list else 0.0


@feature("negation", "+", "the question asks what did not happen, and the sentence says something did not",
         binary=True, bound=True)
def negation(q: Asked, p: Passage, s: Sentence) -> float:
    return float(q.query.negated and s.facts.negated)


@feature("missing", "-", "the passage never names a year, ordinal, country or body the question names", gate=True,
         bound=True, reads="passage")
def missing(q: Asked, p: Passage, s: Sentence) -> float:
    return float(min(len(p.missing), 2))


@feature("year_conflict", "-", "the sentence gives another year than the one asked about", binary=True, bound=True)
def year_conflict(q: Asked, p: Passage, s: Sentence) -> float:
    given = s.facts.years
    return float(bool(q.query.years) and bool(given) and not given & set(q.query.years))


@feature("name_far", "-", "the country or body asked about is not in the sentence or next to it", binary=True,
         bound=True)
def name_far(q: Asked, p: Passage, s: Sentence) -> float:
    return float(any(n not in p.missing and not mentioned_in(n, s.facts.names, q.every) for n in q.asked_names))


@feature("top_cov_low", "-", "the best passage shares little of the question's key terms", bound=True, reads="question")
def top_cov_low(q: Asked, p: Passage, s: Sentence) -> float:
    return max(0.0, 0.2 - q.top_cov) / 0.2 if q.query.weights else 0.0


@feature("english", "±", "English question", gate=True, binary=True, reads="question")
def english(q: Asked, p: Passage, s: Sentence) -> float:
    return float(q.query.english)


@feature("english_sent_cos", "+", "English question, sentence close in meaning", applies_with="english")
def english_sent_cos(q: Asked, p: Passage, s: Sentence) -> float:
    return s.cos if q.query.english else 0.0


@feature("english_passage_cos", "+", "English question, passage close in meaning", applies_with="english", reads="passage")
def english_passage_cos(q: Asked, p: Passage, s: Sentence) -> float:
    return p.cos if q.query.english else 0.0


@feature("english_top_cov", "+", "English question, best passage holds its UN terms", bound=True,
         applies_with="english", reads="question")
def english_top_cov(q: Asked, p: Passage, s: Sentence) -> float:
    return q.top_cov if q.query.english else 0.0


@feature("english_words", "+", "English question, share of its words whose Chinese the sentence or a neighbour holds",
         gate=True, bound=True, applies_with="english")
def english_words(q: Asked, p: Passage, s: Sentence) -> float:
    return _share_found(q.query.english_groups, s.window)


@feature("english_sent_words", "+", "English question, share of its words whose Chinese the sentence itself holds",
         bound=True, applies_with="english")
def english_sent_words(q: Asked, p: Passage, s: Sentence) -> float:
    # the window's share cannot tell a passage's sentences apart; the sentence's own share can
    return _share_found(q.query.english_groups, s.facts.norm) if q.query.english else 0.0


@feature("no_key_terms", "-", "the question has no key terms to look for", binary=True, bound=True, reads="question")
def no_key_terms(q: Asked, p: Passage, s: Sentence) -> float:
    return float(not q.query.weights)


@feature("kind_table", "±", "a table row", binary=True, reads="passage")
def kind_table(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.kind == "table")


@feature("total_row", "+", "a table's total row, and the question asks for a total", binary=True, bound=True, reads="passage")
def total_row(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.total_row)


@feature("part_row", "-", "a table's part row, and the question asks for a total", binary=True, reads="passage")
def part_row(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.kind == "table" and q.query.asks_total and not p.total_row)


@feature("kind_figure", "±", "a figure", binary=True, reads="passage")
def kind_figure(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.kind == "figure")


@feature("kind_box", "±", "a box", binary=True, reads="passage")
def kind_box(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.kind == "box")


@feature("kind_summary", "±", "the summary", binary=True, reads="passage")
def kind_summary(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.kind == "summary")


@feature("named", "+", "the figure, table or paragraph the question names", gate=True, binary=True, reads="passage")
def named(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.named)


@feature("chart_blank", "-", "a figure whose values are not in the text", binary=True, bound=True, reads="passage")
def chart_blank(q: Asked, p: Passage, s: Sentence) -> float:
    return float(p.chart_blank)


@feature("first", "±", "first sentence of its passage", binary=True)
def first(q: Asked, p: Passage, s: Sentence) -> float:
    return float(s.j == 0)


@feature("log_len", "±", "sentence length")
def log_len(q: Asked, p: Passage, s: Sentence) -> float:
    return math.log(1 + s.length)


@feature("source_note", "+", "a source question and the sentence carries a footnote", binary=True)
def source_note(q: Asked, p: Passage, s: Sentence) -> float:
    return float(q.query.wants_source and s.facts.footnote is not None)


@feature("wants_checkable", "±", "the question asks for a checkable kind of answer", gate=True, binary=True, reads="question")
def wants_checkable(q: Asked, p: Passage, s: Sentence) -> float:
    return float(q.query.want is not None)


@feature("rest_cov", "+",
         "sentence shares the key terms the question adds to what its passage is about (its title or heading)",
         bound=True)
def rest_cov(q: Asked, p: Passage, s: Sentence) -> float:
    return share(p.rest, s.facts.norm, p.rest_weight)


@feature("rest_char_cov", "+", "sentence shares the characters the question adds to what its passage is about",
         bound=True)
def rest_char_cov(q: Asked, p: Passage, s: Sentence) -> float:
    return share(p.rest_chars, s.facts.norm, p.rest_chars_weight)


def markdown() -> str:
    """The registry as the table of ``docs/features.md`` (``python -m qa.answer.registry`` prints it;
    ``tests/test_registry.py`` checks the page holds it)."""
    lines = ["| # | feature | sign | bound | gate | reads | meaning |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for i, f in enumerate(REGISTRY, start=1):
        what = f.meaning + (f" (the best `{f.gap_of}` of the question's candidates, less this one's)" if f.gap_of else "")
        reads = "all candidates" if f.gap_of else f.reads
        lines.append(f"| {i} | `{f.name}` | {f.sign} | {'yes' if f.bound else ''} | {'yes' if f.gate else ''} | "
                     f"{reads} | {what} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
