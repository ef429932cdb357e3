"""Candidate answer sentences and what is known about each: the inputs of the answer model.

A candidate is one sentence of one of the top passages. Its features say how
close it is to the question (e5 cosine of question and sentence, and of question
and passage), how much of the question's key wording it and its passage share
(IDF-weighted bigram coverage), where its passage ranks, whether it holds the
kind of answer asked for (a count, a date, a sum, a name …: ``qa.lang.asks``), and
whether the passage leaves out a year, ordinal, country or body the question
names (``qa.lang.names``). The hand-written checks of earlier versions are features
here, not vetoes: the fitted model (``qa.answer.model``) weighs them.

    cands = candidates(query, index, hits, scores)
    matrix = np.array([c.values for c in cands])   # (n candidates, len(FEATURES))

Does not decide anything: ``qa.answer.compose`` picks and abstains with the model.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from qa.lang.asks import (QUESTION_CHARS, VALUES, asked_noun_found, asks_actual, asks_change, change_only, compares,
                     count_of, counted, counted_english, counted_in, forecast, negated)
from qa.ingest.document import Chunk
from qa.lang.names import mentioned
from qa.lang.asks import years
from qa.ingest.tables import is_total, read_row
from qa.lang.tokenize import normalised
from qa.search.match import coverage, held, missing_names, sentence_holds

if TYPE_CHECKING:  # the type only: a candidate's features read the Query it is given
    from qa.lang.query import Query

DEPTH = 4  # candidate sentences come from this many top passages
# A question asking for a day, a sum, a count, a body … whose top passages hold none reads on down the
# ranking to this rank, and takes up to EXTRA passages that do hold one (their low rank is a feature).
REACH = 12
EXTRA = 2

# name -> what it means, for a person reading an explanation
FEATURES: dict[str, str] = {
    "sent_cos": "sentence close in meaning",
    "sent_cos_gap": "how much closer in meaning another sentence is (0: none is)",
    "passage_cos": "passage close in meaning",
    "passage_cos_gap": "how much closer in meaning another passage is (0: none is)",
    "fused_gap": "how far the passage ranks below the best (0: it is the best)",
    "rank0": "best-ranked passage",
    "rank_inv": "passage rank",
    "reached": "a passage below the top ones, read because none of those holds the kind of answer asked for",
    "reached_met": "holds the exact kind asked for (a day, a sum …), which none of the top passages holds",
    "lexical": "passage shares the question's words (BM25)",
    "sent_cov": "sentence shares the question's key terms",
    "sent_cov_gap": "how many more key terms another sentence shares (0: none does)",
    "char_cov": "sentence shares the question's characters (IDF-weighted; paraphrases share few whole words)",
    "char_cov_gap": "how many more of the question's characters another sentence shares (0: none does)",
    "ctx_cov": "sentence and neighbours share the key terms",
    "heavy_missing": "the rarest key term the sentence and its neighbours lack (1: the question's rarest)",
    "passage_cov": "passage shares the question's key terms",
    "top_cov": "best passage covers the question",
    "type_met": "holds the kind of answer asked for",
    "type_unmet": "lacks the kind of answer asked for",
    "ctx_type_met": "a neighbour holds the kind of answer asked for",
    "strict_met": "holds the exact kind of value or name asked for (a count, sum, day, body …)",
    "strict_unmet": "lacks the exact kind of value or name asked for",
    "unseen": "the question's key terms the report never uses",
    "noun_missing": "the thing asked about is not in the passage",
    "counted_here": "the sentence names the thing counted (多少个新生儿: 新生儿)",
    "count_of": "the sentence gives a number of the thing counted (3 万多名新生儿), not of something else",
    "forecast": "the question asks what actually came in (实际), and the sentence gives a forecast (预计 …)",
    "share_change": "the question asks for a share (多大比例), and the sentence's percentages are changes (增加了 39%)",
    "row_label": "a figure's line that puts a value right after a key term of the question (外部 3%)",
    "enumerates": "the question asks for a list, and the sentence (or the next, when it runs on) lists items",
    "negation": "the question asks what did not happen, and the sentence says something did not",
    "missing": "the passage never names a year, ordinal, country or body the question names",
    "year_conflict": "the sentence gives another year than the one asked about",
    "name_far": "the country or body asked about is not in the sentence or next to it",
    "top_cov_low": "the best passage shares little of the question's key terms",
    "english": "English question",
    "english_sent_cos": "English question, sentence close in meaning",
    "english_passage_cos": "English question, passage close in meaning",
    "english_top_cov": "English question, best passage holds its UN terms",
    "english_words": "English question, share of its words whose Chinese the sentence or a neighbour holds",
    "no_key_terms": "the question has no key terms to look for",
    "kind_table": "a table row",
    "total_row": "a table's total row, and the question asks for a total",
    "part_row": "a table's part row, and the question asks for a total",
    "kind_figure": "a figure",
    "kind_box": "a box",
    "kind_summary": "the summary",
    "named": "the figure, table or paragraph the question names",
    "chart_blank": "a figure whose values are not in the text",
    "first": "first sentence of its passage",
    "log_len": "sentence length",
    "source_note": "a source question and the sentence carries a footnote",
    "wants_checkable": "the question asks for a checkable kind of answer",
    "rest_cov": "sentence shares the key terms the question adds to what its passage is about (its title or heading)",
    "rest_char_cov": "sentence shares the characters the question adds to what its passage is about",
}
NAMES = tuple(FEATURES)
_IN_ORDER = itemgetter(*NAMES)  # a candidate's feature dict -> its values in NAMES order
# the direction a feature can only push, all else equal: +1 more likely the answer, -1 less; unlisted: either
# way. The fit keeps each weight on its side (qa.lab.train), so sparse data cannot teach "the report never uses
# the question's terms" to count for an answer. Only the evidence features are bound: binding the
# similarity features too (which overlap each other) abstained less often out of fold (0.781 against 0.788).
SIGNS: dict[str, int] = {
    **{n: 1 for n in ("sent_cov", "rest_cov", "rest_char_cov", "top_cov", "english_top_cov", "type_met", "strict_met", "total_row",
                      "counted_here", "count_of", "english_words", "row_label",
                      "negation", "enumerates", "reached_met")},
    **{n: -1 for n in ("type_unmet", "strict_unmet", "noun_missing", "missing", "unseen", "chart_blank", "no_key_terms",
                       "heavy_missing",
                       "year_conflict", "name_far", "top_cov_low", "forecast", "share_change")},
}
# features that are yes/no by definition (the rest are measures)
BINARY = frozenset({"rank0", "reached", "reached_met", "type_met", "type_unmet", "ctx_type_met", "strict_met", "strict_unmet", "noun_missing",
                    "english", "kind_table", "kind_figure", "kind_box", "kind_summary", "named", "chart_blank",
                    "first", "source_note", "wants_checkable", "no_key_terms",
                    "total_row", "part_row", "year_conflict", "name_far", "counted_here", "count_of",
                    "forecast", "share_change", "row_label", "negation"})

# features that apply only where another is on (the English ones to an English question, ``reached_met`` to a
# passage read further down) -> that one. Elsewhere they are 0, and their weight times "minus the average" is
# the intercept's share, not evidence: an explanation leaves them out there
APPLIES_WITH = {**{n: "english" for n in ("english_sent_cos", "english_passage_cos", "english_top_cov", "english_words")},
                "reached_met": "reached"}


# The abstention gate (``qa.answer.model.Gate``) reads the question as a whole: how well its best sentence scores
# and what that sentence has, and how much of the question the report meets at all. name -> meaning
GATE: dict[str, str] = {
    "best_score": "the best sentence's score (log-odds)",
    "margin": "how far the best sentence scores above the next",
    "key_terms": "how many key terms the question has",
    "lexical_share": "the best passage's word overlap, as a share of the most the question's words can score (BM25)",
    "dense_max": "the closest passage's closeness in meaning",
    **{n: FEATURES[n] for n in ("english", "english_words", "unseen", "heavy_missing", "top_cov", "type_met",
                                "type_unmet", "ctx_type_met", "wants_checkable", "ctx_cov", "char_cov", "missing", "sent_cos",
                                "named", "reached", "count_of")},
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
    dense = float(scores.dense.max()) if len(scores.dense) else 0.0
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



def row_labelled(terms: list[str], line: str) -> bool:
    """Whether a figure's ``line`` puts a value right after one of the question's key ``terms``: the row
    the question names by its label (外部 3% | 1%), not a line that only shares its years.

    >>> row_labelled(["外部", "来自"], "外部 3% | 1%"), row_labelled(["外部"], "劳工组织 0% | 1%其他包括 2018")
    (True, False)
    """
    for t in terms:
        i = line.find(t)
        while i >= 0:
            after = line[i + len(t):i + len(t) + 2].lstrip(" ")
            if after[:1].isdigit():
                return True
            i = line.find(t, i + 1)
    return False


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



_NOT_CHART = re.compile(r"资料来源|注[：:]|缩写[：:]")


def chart_values(chunk: Chunk) -> str:
    """What a figure's chart says beyond its title and notes: its labels and values, '' if none survived.

    The PDF's text keeps the values of some charts (图四: "粮农组织 1% | 2%")
    and only the title and source line of others (图八), which then cannot
    answer how much or how many.
    """
    lines = chunk.text.split("\n")[1:]
    body = "\n".join(ln for ln in lines if not _NOT_CHART.match(ln.strip()))
    return body if re.search(r"\d", body) else ""


# kinds a sentence plainly has or lacks (a number or a reason is too loose a test)
STRICT_KINDS = ("day", "month", "date", "money", "share", "count", "amount", "person", "name", "address", "agent", "country", "body", "city")


_ITEMS = re.compile(r"[、；;]|^\s*[•\-–]", re.M)


def items(sentence: str, following: str = "") -> float:
    """How much ``sentence`` reads as a list, 0..1: its item separators (、；•) counted to 4, with the next
    sentence's when it introduces them (…：) or names them (包括…、…).

    >>> items("模式包括自愿捐款、费用分摊和协调税。"), items("五个核心职位：", "规划；经济学；数据管理；伙伴关系。")
    (0.25, 0.75)
    """
    n = len(_ITEMS.findall(sentence))
    if n < 2 and (sentence.rstrip().endswith(("：", ":")) or "包括" in following):
        n = max(n, len(_ITEMS.findall(following)))
    return min(n, 4) / 4


def _share_found(groups: tuple[tuple[str, ...], ...], text: str) -> float:
    """The share of ``groups`` (an English question's words, each as its report words) that ``text`` holds."""
    return sum(any(t in text for t in g) for g in groups) / len(groups) if groups else 0.0


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




def candidates(query: Query, index, hits: list, scores, depth: int = DEPTH) -> list[Candidate]:
    """Every sentence of the top ``depth`` hits (and of up to ``EXTRA`` more, see ``REACH``), with its features.

    A question that names a figure, table or paragraph takes its candidates from those
    chunks alone, when they are among the hits: the reader said where to look.
    """
    pool = list(enumerate(hits))
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
    top_row = hits[0].row
    top_chunk = index.chunks[top_row]
    top_cov = coverage(query.weights, top_chunk.text + (top_chunk.section or ""))
    dense_max = float(scores.dense.max()) if len(scores.dense) else 0.0
    lex_max = float(scores.lexical.max()) if len(scores.lexical) and scores.lexical.max() > 0 else 1.0
    fused_top = max(h.score for h in hits)  # (the re-ranked hits keep their fused scores: ``qa.search.rerank``)
    bm = index.lexical["bigram"]
    weight = sum(query.weights.values()) or 1.0
    unseen = sum(w for b, w in query.weights.items() if not bm.idf("#" + b)) / weight
    strict = query.want in STRICT_KINDS
    asks_total = query.asks_total
    chars = _question_chars(query, index)
    thing = counted(query.asked) or (counted_english(query.asked, index.lexicon.glossary) if query.english else None)
    actual = asks_actual(query.asked)
    share_not_change = query.want == "share" and not asks_change(query.asked)  # a share of a group is asked
    most = compares(query.asked)  # which is the most: a chart's values tell
    terms = [t for t in query.weights if not t.isascii()]
    asked_names = index.names.find(query.names_text)
    every = index.names.every
    raw: list[tuple] = []
    for rank, hit in pool:
        chunk = index.chunks[hit.row]
        figure = chunk.kind == "figure"
        rows = index.sentences_of(hit.row)
        if not len(rows):
            continue
        passage = chunk.text + (chunk.section or "")
        p_cov = coverage(query.weights, passage)
        # A passage about one thing (an encyclopedia entry, a section) names it in its title and first sentence
        # and then leaves it out (本鱼体延长…, 由某某主演): what the question adds to that topic is what locates
        # the answering sentence, not the topic's name, which the first sentence always shares.
        topic = normalised(chunk.section or "")
        rest = {b: w for b, w in query.weights.items() if b not in topic} or query.weights
        rest_chars = {c: w for c, w in chars.items() if c not in topic} or chars
        missing = tuple(missing_names(query, passage, index))
        noun_missing = asked_noun_found(query.asked, chunk.text) is False
        cos = index.sentence_vecs[rows.start:rows.stop] @ query.vector
        spans = [index.sentence_spans[s] for s in rows]
        texts, met = sentence_kinds(query, index, hit.row)
        # cells and chart labels carry no units or nouns: they may hold any value asked for (not a who or why)
        cells = chunk.kind in ("table", "figure") and query.want in VALUES
        # (its title may still hold the value asked for: 图五 …人员配置——2020 年 3 月 says when)
        chart_blank = (figure and (query.want in VALUES or most) and not chart_values(chunk)
                       and not any(m is True for m in met))
        row = read_row(chunk.text) if chunk.kind == "table" else None
        # a question naming one of the table's parts (2021 年国家协调一共多少员额) asks that part's total
        total_row = asks_total and row is not None and is_total(row[1]) and not index.names_part(query.norm, chunk)
        for j, s in enumerate(rows):
            _, a, b = spans[j]
            neighbours = texts[max(0, j - 1):j + 2]
            given = years(texts[j])
            near = normalised("".join(neighbours))
            far = [n for n in asked_names if n not in missing and not mentioned(n, near, every)]
            ctx_met = any(m for m in met[max(0, j - 1):j + 2])
            note = any(a < f.offset <= b + 1 for f in chunk.footnotes)
            raw.append((s, rank, hit.row, a, b, missing, {
                "sent_cos": float(cos[j]),
                "passage_cos": float(scores.dense[hit.row]),
                "passage_cos_gap": dense_max - float(scores.dense[hit.row]),
                "fused_gap": (fused_top - hit.score) / 16.0,
                "rank0": float(rank == 0),
                "rank_inv": 1.0 / (1 + rank),
                "reached": float(hit.row in reached),
                # (a passage read past the top ones for holding what they lack: their rank is no case against it;
                # the fit left this at weight 0)
                "reached_met": float(hit.row in reached and met[j] is True),
                "lexical": float(scores.lexical[hit.row]) / lex_max,
                "sent_cov": coverage(query.weights, texts[j]),
                "ctx_cov": coverage(query.weights, "".join(neighbours)),
                "heavy_missing": heaviest_missing(query.weights, near),
                "char_cov": coverage(chars, texts[j]),
                "passage_cov": p_cov,
                "top_cov": top_cov,
                "type_met": float(met[j] is True or (cells and met[j] is not None)),
                "type_unmet": float(met[j] is False and not cells),
                "ctx_type_met": float(ctx_met),
                "strict_met": float(strict and (met[j] is True or (cells and met[j] is not None))),
                "strict_unmet": float(strict and met[j] is False and not cells),
                "unseen": unseen,
                "noun_missing": float(noun_missing and not cells),
                "counted_here": float(counted_in(thing, texts[j], whole=query.english)),
                "count_of": float(count_of(thing, texts[j], whole=query.english)),
                "forecast": float(actual and chunk.kind != "table" and forecast(texts[j])),
                "share_change": float(share_not_change and change_only(texts[j])),
                "row_label": float(figure and row_labelled(terms, texts[j])),
                "negation": float(query.negated and negated(texts[j])),
                "enumerates": items(texts[j], texts[j + 1] if j + 1 < len(texts) else "") if query.is_list else 0.0,
                "missing": float(min(len(missing), 2)),
                "year_conflict": float(bool(query.years) and bool(given) and not given & set(query.years)),
                "name_far": float(bool(far)),
                "top_cov_low": max(0.0, 0.2 - top_cov) / 0.2 if query.weights else 0.0,
                "english": float(query.english),
                "english_sent_cos": float(cos[j]) if query.english else 0.0,
                "english_passage_cos": float(scores.dense[hit.row]) if query.english else 0.0,
                "english_top_cov": top_cov if query.english else 0.0,
                "english_words": _share_found(query.english_groups, "".join(neighbours)),
                "no_key_terms": float(not query.weights),
                "kind_table": float(chunk.kind == "table"),
                "total_row": float(total_row),
                "part_row": float(chunk.kind == "table" and asks_total and not total_row),
                "kind_figure": float(chunk.kind == "figure"),
                "kind_box": float(chunk.kind == "box"),
                "kind_summary": float(chunk.kind == "summary"),
                "named": float(scores.referenced is not None and bool(scores.referenced[hit.row])),
                "chart_blank": float(chart_blank),
                "first": float(j == 0),
                "log_len": math.log(1 + b - a),
                "source_note": float(query.wants_source and note),
                "wants_checkable": float(query.want is not None),
                "rest_cov": coverage(rest, texts[j]),
                "rest_char_cov": coverage(rest_chars, texts[j]),
            }))
    if not raw:
        return []
    best_cos = max(f["sent_cos"] for *_, f in raw)
    best_cov = max(f["sent_cov"] for *_, f in raw)
    best_chars = max(f["char_cov"] for *_, f in raw)
    out = []
    for s, rank, row, a, b, missing, f in raw:
        f["sent_cos_gap"] = best_cos - f["sent_cos"]
        f["sent_cov_gap"] = best_cov - f["sent_cov"]
        f["char_cov_gap"] = best_chars - f["char_cov"]
        out.append(Candidate(s, rank, row, a, b, _IN_ORDER(f), missing))
    return out


def matrix(cands: list[Candidate]) -> np.ndarray:
    """``(len(cands), len(FEATURES))`` float64."""
    return np.array([c.values for c in cands], dtype=np.float64).reshape(len(cands), len(NAMES))
