"""Candidate answer sentences and what is known about each: the inputs of the answer model.

A candidate is one sentence of one of the top passages. Its features say how
close it is to the question (e5 cosine of question and sentence, and of question
and passage), how much of the question's key wording it and its passage share
(IDF-weighted bigram coverage), where its passage ranks, whether it holds the
kind of answer asked for (a count, a date, a sum, a name …: ``qa.lang.asks``), and
whether the passage leaves out a year, ordinal, country or body the question
names (``qa.lang.names``). The hand-written checks of earlier versions are features
here, not vetoes: the fitted model (``qa.answer.model``) weighs them.

Each feature is a small function registered in ``qa.answer.registry``, in the model's order; this module
works out the question's side once (``Asked``), each passage's once (``Passage``), and hands each
sentence's stored facts (``Index.facts``, read when the index was built) to every feature.

    cands = candidates(query, index, hits, scores)
    matrix = np.array([c.values for c in cands])   # (n candidates, len(FEATURES))

Does not decide anything: ``qa.answer.compose`` picks and abstains with the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from qa.answer.registry import REGISTRY, Asked, Passage, Sentence
from qa.ingest.document import Chunk
from qa.lang.asks import QUESTION_CHARS, VALUES, asked_noun_found
from qa.lang.tokenize import normalised
from qa.search.match import coverage, held, missing_names, sentence_holds

if TYPE_CHECKING:  # the type only: a candidate's features read the Query it is given
    from qa.lang.query import Query

DEPTH = 4  # candidate sentences come from this many top passages
# A question asking for a day, a sum, a count, a body … whose top passages hold none reads on down the
# ranking to this rank, and takes up to EXTRA passages that do hold one (their low rank is a feature).
REACH = 12
EXTRA = 2

# The features, in the model's order: each a small function of the question's, the passage's and the sentence's
# side (``qa.answer.registry``). name -> what it means, for a person reading an explanation
FEATURES: dict[str, str] = {f.name: f.meaning for f in REGISTRY}
NAMES = tuple(FEATURES)
# the direction a feature can only push (the fit keeps each weight on its side: ``qa.lab.train``): +1 more likely
# the answer, -1 less; unlisted: either way
SIGNS: dict[str, int] = {f.name: 1 if f.sign == "+" else -1 for f in REGISTRY if f.bound}
# features that are yes/no by definition (the rest are measures)
BINARY = frozenset(f.name for f in REGISTRY if f.binary)
# features that apply only where another is on (the English ones to an English question, ``reached_met`` to a
# passage read further down) -> that one. Elsewhere they are 0, and their weight times "minus the average" is
# the intercept's share, not evidence: an explanation leaves them out there
APPLIES_WITH = {f.name: f.applies_with for f in REGISTRY if f.applies_with}
# side -> (place, function) of the features that read it and nothing narrower
_READS = {side: tuple((i, f.compute) for i, f in enumerate(REGISTRY) if f.compute is not None and f.reads == side)
          for side in ("question", "passage", "sentence")}
_GAPS = tuple((i, NAMES.index(f.gap_of)) for i, f in enumerate(REGISTRY) if f.gap_of is not None)


# The abstention gate (``qa.answer.model.Gate``) reads the question as a whole: how well its best sentence scores
# and what that sentence has, and how much of the question the report meets at all. name -> meaning
GATE: dict[str, str] = {
    "best_score": "the best sentence's score (log-odds)",
    "margin": "how far the best sentence scores above the next",
    "key_terms": "how many key terms the question has",
    "lexical_share": "the best passage's word overlap, as a share of the most the question's words can score (BM25)",
    "dense_max": "the closest passage's closeness in meaning",
    **{f.name: f.meaning for f in REGISTRY if f.gate},  # (in the registry's order)
}
GATE_NAMES = tuple(GATE)
_GATE_FROM_BEST = tuple(NAMES.index(n) for n in GATE_NAMES[5:])
ALONE = 5.0  # the margin of a best sentence with no other candidate


def measures(query: Query, scores) -> tuple[float, float, float]:
    """The question-level inputs of the gate: its key-term count, the best passage's share of the BM25 score the
    question's words could reach (``Scores.lexical_ceiling``: the raw maximum grows with a corpus's IDFs and
    meant something else on every corpus), and the best cosine."""
    top = float(scores.lexical.max()) if len(scores.lexical) else 0.0
    lex = top / scores.lexical_ceiling if scores.lexical_ceiling > 0 else 0.0
    dense = float(scores.closeness.max()) if len(scores.closeness) else 0.0
    return float(len(query.weights)), lex, dense


def gate_row(logits: np.ndarray, x: np.ndarray, question: tuple[float, float, float]) -> np.ndarray:
    """The gate's inputs (``GATE``) for a question whose candidates ``x`` score ``logits`` (not empty)."""
    order = np.argsort(-logits, kind="stable")
    best = int(order[0])
    margin = float(logits[best] - logits[order[1]]) if len(logits) > 1 else ALONE
    return np.array([float(logits[best]), margin, *question, *x[best, list(_GATE_FROM_BEST)]], dtype=np.float64)


@dataclass(frozen=True)
class Candidate:
    sentence: int  # sentence row in the index
    hit: int  # rank of its passage among the hits
    chunk: int  # chunk row
    start: int  # span of the sentence in the chunk's text
    end: int
    values: tuple[float, ...]  # one per FEATURES name
    missing: tuple[str, ...]  # what the passage never names (for the explanation)

    def feature(self, name: str) -> float:
        return self.values[NAMES.index(name)]


_NOT_CHART = re.compile(r"资料来源|注[：:]|缩写[：:]")


def chart_values(chunk: Chunk) -> str:
    """What a figure's chart says beyond its title and notes: its labels and values, '' if none survived.

    The PDF's text keeps the values of some charts (图四: "粮农组织 1% | 2%")
    and only the title and source line of others (图八), which then cannot
    answer how much or how many.

    >>> from qa.ingest.document import Chunk
    >>> chart_values(Chunk("d#f4", "figure", 4, None, None, "图四：来源\\n粮农组织 1% | 2%\\n资料来源：调查"))
    '粮农组织 1% | 2%'
    >>> chart_values(Chunk("d#f8", "figure", 8, None, None, "图八：伙伴关系\\n资料来源：2019 年调查"))
    ''
    """
    lines = chunk.text.split("\n")[1:]
    body = "\n".join(ln for ln in lines if not _NOT_CHART.match(ln.strip()))
    return body if re.search(r"\d", body) else ""


# kinds a sentence plainly has or lacks (a number or a reason is too loose a test)
STRICT_KINDS = ("day", "month", "date", "money", "share", "count", "amount", "person", "name", "address", "agent", "country", "body", "city")


def _question_chars(query: Query, index) -> dict[str, float]:
    """The question's Chinese characters, less its question words, each weighted by its IDF in the report."""
    idf = index.char_idf
    text = normalised(query.asked) if not query.english else "".join(query.english_terms)
    return {ch: idf[ch] for ch in sorted(set(text)) if ch in idf and ch not in QUESTION_CHARS}  # sorted: see weights


def sentence_kinds(query: Query, index, row: int) -> tuple[list[str], list[bool | None]]:
    """The sentences of chunk ``row`` and, for each, whether it holds the kind of answer asked for."""
    rows = index.sentences_of(row)
    texts = [index.sentence_texts[s] for s in rows]
    return texts, [sentence_holds(query, index, s) for s in rows]


def candidates(query: Query, index, hits: list, scores, depth: int = DEPTH, searched: bool = False) -> list[Candidate]:
    """Every sentence of the top ``depth`` hits (and of up to ``EXTRA`` more, see ``REACH``), with its features.

    ``searched``: closeness in meaning is read with the vector the search ranked by (``Query.searched``: an English
    question's with the document's words), not the question's own.

    A question that names a figure, table or paragraph takes its candidates from those
    chunks alone, when they are among the hits: the reader said where to look. A passage under a
    bibliography's heading (``Chunk.in_bibliography``) is none, unless the question asks about works cited.
    """
    pool = list(enumerate(hits))
    if not query.asks_works:  # a bibliography's entries name works; they answer only a question about them
        pool = [(r, h) for r, h in pool if not index.chunks[h.row].in_bibliography()]
    if scores.referenced is not None:
        named = [(r, h) for r, h in pool if scores.referenced[h.row]]
        pool = named or pool

    pool, further, reached = pool[:depth], pool[depth:REACH], set()
    if query.want in STRICT_KINDS and further and not any(held(query, index, h.row) for _, h in pool):
        extra = [(r, h) for r, h in further if held(query, index, h.row)][:EXTRA]
        pool += extra
        reached = {h.row for _, h in extra}
    if not pool:
        return []
    if searched:
        scores = replace(scores, meaning=None)  # (``Scores.closeness`` is then the searched vector's)
    vector = query.searched if searched else query.vector
    asked = _asked(query, index, hits, scores)
    rows_out: list[tuple[int, int, int, int, int, tuple[str, ...], list[float]]] = []
    question: list[float] | None = None  # the question's features, then each passage's, worked out once
    for rank, hit in pool:
        rows = index.sentences_of(hit.row)
        if not len(rows):
            continue
        texts, met = sentence_kinds(query, index, hit.row)
        p = _passage(asked, index, rank, hit, scores, met, hit.row in reached)
        cos = index.sentence_vecs[rows.start:rows.stop] @ vector
        passage: list[float] = []
        for j, srow in enumerate(rows):
            _, a, b = index.sentence_spans[srow]
            s = Sentence(index.facts[srow], j, b - a, float(cos[j]), met[j], any(m for m in met[max(0, j - 1):j + 2]),
                         "".join(texts[max(0, j - 1):j + 2]))
            if question is None:
                question = [0.0] * len(NAMES)
                for i, compute in _READS["question"]:
                    question[i] = compute(asked, p, s)
            if j == 0:
                passage = question.copy()
                for i, compute in _READS["passage"]:
                    passage[i] = compute(asked, p, s)
            values = passage.copy()
            for i, compute in _READS["sentence"]:
                values[i] = compute(asked, p, s)
            rows_out.append((srow, rank, hit.row, a, b, p.missing, values))
    if not rows_out:
        return []
    best = {k: max(r[-1][k] for r in rows_out) for _, k in _GAPS}
    out = []
    for srow, rank, row, a, b, missing, values in rows_out:
        for i, k in _GAPS:
            values[i] = best[k] - values[k]
        out.append(Candidate(srow, rank, row, a, b, tuple(values), missing))
    return out


def _asked(query: Query, index, hits: list, scores) -> Asked:
    """The question's side of every candidate's features, worked out once."""
    top_chunk = index.chunks[hits[0].row]
    bm = index.lexical["bigram"]
    weight = sum(query.weights.values())
    chars = _question_chars(query, index)
    return Asked(
        query=query, weight=weight, chars=chars, chars_weight=sum(chars.values()),
        terms=[t for t in query.weights if not t.isascii()],
        strict=query.want in STRICT_KINDS, asked_names=index.names.find(query.names_text),
        every=index.names.every,
        top_cov=coverage(query.weights, top_chunk.text + (top_chunk.section or "")),
        dense_max=float(scores.closeness.max()) if len(scores.closeness) else 0.0,
        lex_max=float(scores.lexical.max()) if len(scores.lexical) and scores.lexical.max() > 0 else 1.0,
        fused_top=max(h.score for h in hits),  # (the re-ranked hits keep their fused scores: ``qa.search.rerank``)
        unseen=sum(w for b, w in query.weights.items() if not bm.idf("#" + b)) / (weight or 1.0))


def _passage(asked: Asked, index, rank: int, hit, scores, met: list[bool | None], reached: bool) -> Passage:
    """A candidate passage's side of its sentences' features; ``met``: whether each sentence holds the kind asked."""
    query = asked.query
    chunk = index.chunks[hit.row]
    figure = chunk.kind == "figure"
    passage = chunk.text + (chunk.section or "")
    # A passage about one thing (an encyclopedia entry, a section) names it in its title and first sentence
    # and then leaves it out (本鱼体延长…, 由某某主演): what the question adds to that topic is what locates
    # the answering sentence, not the topic's name, which the first sentence always shares.
    topic = normalised(chunk.section or "")
    rest = {b: w for b, w in query.weights.items() if b not in topic} or query.weights
    rest_chars = {c: w for c, w in asked.chars.items() if c not in topic} or asked.chars
    first = index.facts[index.sentences_of(hit.row).start]
    return Passage(
        rank=rank, kind=chunk.kind, cos=float(scores.closeness[hit.row]), lexical=float(scores.lexical[hit.row]),
        score=hit.score, cov=coverage(query.weights, passage), rest=rest, rest_chars=rest_chars,
        rest_weight=sum(rest.values()), rest_chars_weight=sum(rest_chars.values()),
        missing=tuple(missing_names(query, passage, index)),
        noun_missing=asked_noun_found(query.asked, chunk.text) is False,
        # cells and chart labels carry no units or nouns: they may hold any value asked for (not a who or why)
        cells=chunk.kind in ("table", "figure") and query.want in VALUES,
        # (its title may still hold the value asked for: 图五 …人员配置——2020 年 3 月 says when)
        chart_blank=bool(figure and (query.want in VALUES or query.superlative) and not chart_values(chunk)
                         and not any(m is True for m in met)),
        # a question naming one of the table's parts (2021 年国家协调一共多少员额) asks that part's total. (Only the
        # report's row lines: the model was fitted when a row a parser gave as cells was not read for its label.)
        total_row=bool(query.asks_total and chunk.table is None and first.total
                       and not index.names_part(query.norm, chunk)),
        reached=reached,
        named=scores.referenced is not None and bool(scores.referenced[hit.row]))


def matrix(cands: list[Candidate]) -> np.ndarray:
    """``(len(cands), len(FEATURES))`` float64."""
    return np.array([c.values for c in cands], dtype=np.float64).reshape(len(cands), len(NAMES))
