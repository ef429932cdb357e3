"""Turn ranked passages into an answer: the sentence that answers, its sources, or an abstention, with the reason.

Every sentence of the top passages is a candidate (``qa.answer.features``); the answer
model (``qa.answer.model``, fitted by ``qa train``) gives each the probability that it
holds the answer. The best one answers when that probability reaches the model's
threshold; otherwise the report is taken to have no answer (``报告中没有找到…``)
and the closest passages are still listed. Either way ``Answer.reason`` says why,
in words: the probability, the threshold, and the features that weighed most.

The answer is then given its shape (``qa.answer.shape``): a labelled table value, a
whole enumeration, or the clauses of a long sentence that answer. A question
asking where a statistic comes from is answered with the footnote of that
sentence, resolved (同上 -> the earlier source). A figure whose chart values did
not survive the PDF's text cannot say how much: the answer says so.

Does not generate text: every answer is taken from the document (``qa.write`` adds a written
answer beside it, on request, from an LLM the user runs).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

import numpy as np

from qa.ingest.document import Chunk
from qa.answer.features import candidates, matrix, measures
from qa.answer.model import AnswerModel
from qa.lang.asks import (QUANTITIES, VALUES, amount_named, asks_default, asks_how_long, asks_how_often, asks_year,
                          names_a_year, only_counts_them, says_what_to_do, states_a_frequency, states_a_quantity,
                          states_a_span, states_a_sum, states_default, states_gap, states_in, unit_asked)
from qa.lang.names import names_a_region
from qa.lang.text import cut_at_line, goes_on, goes_on_from
from qa.lang.query import Query
from qa.lang.tokenize import normalised
from qa.answer.reply import Answer, Highlight, Source, citation, no_answer
from qa.answer.shape import shape

if TYPE_CHECKING:  # types only
    from qa.search.index import Index
    from qa.search.retrieve import Hit, Scores


# kinds of answer only a named one gives (``qa.lang.asks.WANTS``); a person's name, in a UN document's Chinese, is
# written with a middle dot (阿米娜·J·穆罕默德) or a title (先生, 女士)
NAMED = ("country", "body", "city", "day", "person")


def footnote_for(chunk: Chunk, start: int, end: int) -> Source | None:
    """The footnote whose marker closes the span ``[start, end)``, else the next one, else any."""
    notes = sorted(chunk.footnotes, key=lambda f: f.offset)
    for f in notes:
        if start < f.offset <= end + 1:
            return Source(f.number, f.source)
    for f in notes:
        if f.offset > end:
            return Source(f.number, f.source)
    if notes:
        return Source(notes[-1].number, notes[-1].source)
    srcs = chunk.sources()
    return Source(srcs[0][0], srcs[0][1]) if srcs else None


REMEDY_REACH = 2  # sentences after one that states a trouble, looked through for what to do about it
GOES_ON_REACH = 150  # characters at most of a sentence and the next that goes on from it, answered together
DEFAULT_REACH, DEFAULT_SPAN = 3, 200  # sentences after one, and characters at most, read for the default it lacks


def widen(index: Index, srow: int, query: Query) -> tuple[int, int]:
    """The sentence's span, plus a neighbour when the sentence alone falls short.

    A fragment (under 12 characters), a question (a FAQ's: what follows answers it), a sentence that stops on a
    word waiting for what follows (``goes_on``:
    可以在 / ftp://…) or a paragraph's sentence cut at a line break (``cut_at_line``: 也可以执行 / tlmgr update)
    takes the next sentence; a sentence that names no place when the question names one takes the neighbour that
    names it (……合作框架发展。/ 在黎巴嫩，这两个组织……); a sentence naming what the question sets aside
    (除了 perl 和 wget，还…) takes the next, where the rest begins; a sentence that
    lacks what the question asks for (a number, a date, a span of time) takes the neighbour that has it; a sentence
    the next one goes on from (然而前者有安全漏洞, ``goes_on_from``) takes it.
    """
    crow, a, b = index.sentence_spans[srow]
    text = index.chunks[crow].text
    rows = index.sentences_of(crow)
    prev_row = srow - 1 if srow - 1 >= rows.start else None
    next_row = srow + 1 if srow + 1 < rows.stop else None

    def with_neighbour(order: tuple[int | None, ...], has: Callable[[str], bool]) -> tuple[int, int] | None:
        """The sentence joined to the first of its neighbours (in ``order``) whose text ``has`` what it lacks."""
        for other in order:
            if other is not None:
                _, oa, ob = index.sentence_spans[other]
                if has(text[oa:ob]):
                    return min(a, oa), max(b, ob)
        return None

    # a place the question names (在黎巴嫩…), which the sentence leaves to its neighbour: that is where the answer is
    places = set(index.names.find(query.names_text, "places"))
    if places and not index.names.find(text[a:b], "places") and (span := with_neighbour(
            (next_row, prev_row), lambda t: bool(places.intersection(index.names.find(t, "places"))))):
        return span
    # how far an amount falls short: the neighbour that states the gap (……总计 2.23 亿美元。/ ……尚有 5 800 万美元的缺口)
    if query.asks_gap and not states_gap(text[a:b]) and (span := with_neighbour(
            (next_row, prev_row), lambda t: states_gap(t) and states_a_quantity(t, query.asked))):
        return span
    # how long, asked of a sentence that gives no span of time: the neighbour that gives one (……辅导和行政培训。/
    # 在为期五天的入职培训中……)
    if asks_how_long(query.asked) and not states_a_span(text[a:b]) and (span := with_neighbour(
            (next_row, prev_row), states_a_span)):
        return span
    # what a thing is by default, asked of a sentence that states no default: up to the later sentence of the
    # passage that states it (选项的最大列数。……直到可以排下全部选项。默认为 4 。)
    if asks_default(query.asked) and not states_default(text[a:b]):
        for row in range(srow + 1, min(srow + 1 + DEFAULT_REACH, rows.stop)):
            _, na, nb = index.sentence_spans[row]
            if states_default(text[na:nb]) and nb - a <= DEFAULT_SPAN:
                return a, nb
    # what the question sets aside (除了 perl 和 wget，还…): a sentence naming it is where the rest begins, next
    if query.besides and next_row is not None and all(normalised(x) in normalised(text[a:b]) for x in query.besides):
        return a, index.sentence_spans[next_row][2]
    if query.holds(text[a:b], index.names) is False and (span := with_neighbour(
            (prev_row, next_row), lambda t: bool(query.holds(t, index.names)))):
        return span
    cut = index.chunks[crow].kind == "paragraph" and cut_at_line(text[a:b], text[b:b + 1] == "\n")
    # a sentence that asks (a FAQ's question, 2.8 …是否需要 tkinter 包？) answers nothing: what follows it does
    asks = text[a:b].rstrip().endswith(("？", "?"))
    if (b - a < 12 or goes_on(text[a:b]) or cut or asks) and next_row is not None:
        return a, index.sentence_spans[next_row][2]
    # what to do about a trouble: a sentence that only states it, up to the next that says what to do (a FAQ
    # states the trouble, may say why, then gives the fix)
    if query.asks_remedy and not says_what_to_do(text[a:b]):
        for row in range(srow + 1, min(srow + 1 + REMEDY_REACH, rows.stop)):
            _, na, nb = index.sentence_spans[row]
            if says_what_to_do(text[na:nb]):
                return a, nb
    # a sentence the next one goes on from (然而前者…, 这个文件…, 开启之后，…) only set up what that one says about it:
    # the two answer together, unless a value asked for is already given (the clauses that hold it are the answer)
    if next_row is not None and not (query.want in VALUES and query.holds(text[a:b], index.names)):
        _, na, nb = index.sentence_spans[next_row]
        if goes_on_from(text[na:nb]) and nb - a <= GOES_ON_REACH:
            return a, nb
    return a, b


def _citations(index: Index, hits: list[Hit], k: int, first: int = 0) -> tuple:
    """The first ``k`` hits as citations, the hit ``first`` (the answer's passage) moved to the front."""
    order = [hits[first]] + [h for i, h in enumerate(hits) if i != first] if first else hits
    return tuple(citation(index.chunks[h.row], h.score, index.doc_of(index.chunks[h.row])) for h in order[:k])


def caption_of(index: Index, hits: list[Hit], scores: Scores, note: bool = False) -> tuple[int, int, int] | None:
    """The first of ``hits`` that is a figure or table the question names (``Scores.referenced``), and the span of its
    caption in its text (the first line, or the title before its row's label: 表 2 … — 共计 — …), or with ``note``
    of its line 注：…; None if no hit is one (or has no note)."""
    if scores.referenced is None:
        return None
    for i, h in enumerate(hits):
        chunk = index.chunks[h.row]
        if chunk.kind in ("figure", "table") and scores.referenced[h.row]:
            text = chunk.text
            if note:
                m = _NOTE_LINE.search(text)
                return (i, m.start(1), m.end(1)) if m else None
            ends = [j for j in (text.find("\n"), text.find(" — "), text.find(" · ")) if j > 0]
            return i, 0, min(ends, default=len(text))
    return None


_NOTE_LINE = re.compile(r"(?:^|\n)((?:注|附注|说明)\s*[：:][^\n]+)")


def _where(chunk: Chunk) -> str:
    if chunk.kind == "paragraph" and chunk.number is not None:
        return f"¶{chunk.number}"
    return f"{chunk.kind} {chunk.number}" if chunk.number is not None else chunk.kind


def compose(query: Query, index: Index, hits: list[Hit], scores: Scores, model: AnswerModel,
            k: int | None = None) -> Answer:
    """The answer for ``query`` from its ranked ``hits``, citing the first ``k`` (all when None)."""
    k = len(hits) if k is None else k
    cites = _citations(index, hits, k)

    def abstain(reason: str, confidence: float = 0.0, extra: str = "") -> Answer:
        return Answer(query.text, True, no_answer(index.lexicon.name) + extra, cites, None, query.notice,
                      round(confidence, 4), reason)

    if not hits:
        return abstain("no passage to answer from")
    # a Latin-script term (a product, tool or code: M1, NO-B) that no searched document writes: they do not
    # speak of the thing asked about, and any sentence of theirs would answer about something else
    if query.unread:
        shown = "、".join(t.upper() if len(t) <= 4 else t for t in query.unread)
        return abstain(f"the question names {', '.join(query.unread)}, which no searched document writes "
                       f"(nor a term the lexicon or dictionary reads it as)", 0.0,
                       f"（{no_answer(index.lexicon.name)[:2]}中没有出现 {shown}。）")
    # the title of a figure or table the question names (图一的标题, the title of table 2): its caption answers, which
    # is no sentence the candidates could state about what the figure shows; what its note says (图六的注里说…), its
    # 注：… line
    if query.caption_asked and (found := caption_of(index, hits, scores, query.caption_asked == "note")):
        hit, start, end = found
        chunk = index.chunks[hits[hit].row]
        what = "the note under" if query.caption_asked == "note" else "the title of"
        return Answer(query.text, False, chunk.text[start:end], _citations(index, hits, k, hit),
                      Highlight(chunk.id, start, end), query.notice, 1.0,
                      f"the question asks for {what} the {chunk.kind} it names: in {_where(chunk)} (passage "
                      f"ranked {hit + 1})")
    cands = candidates(query, index, hits, scores)
    if not cands:
        if any(index.chunks[h.row].in_bibliography() for h in hits):
            return abstain("the top passages hold no sentences but a bibliography's entries, which name works and "
                           "answer only a question about them")
        return abstain("the top passages hold no sentences")
    x = matrix(cands)
    logits = model.logits(x)
    p, gate = model.answers(x, logits, measures(query, scores))
    # which sentence answers an English question is read as the search read it, with the document's words for its
    # words (``Query.search_vector``): alone, its vector stands closest to the English lines of a Chinese document
    # (code, listings). Whether any answers stays the gate's, on the question's own vector, which it was fitted on
    searched = query.search_vector is not None and bool(chosen := candidates(query, index, hits, scores, searched=True))
    if searched:
        cands, x = chosen, matrix(chosen)
        logits = model.logits(x)
    best = int(np.argmax(logits))  # the sentence that answers best; the gate says whether any answers
    c = cands[best]
    chunk = index.chunks[c.chunk]
    if c.feature("chart_blank"):
        name = chunk.text.split("：", 1)[0] if "：" in chunk.text[:8] else "该图"
        return abstain(f"{name} is asked for a value, and its chart values are not in the report's text",
                       p, f"{name}的数值不在报告文本中。")
    # who wrote the report, for which session: its cover says, when it holds the kind of answer asked for;
    # the questions the gate learnt from are about the report's content, not about the report
    cover = chunk.kind == "cover" and ("cover", None) in query.references and bool(c.feature("type_met"))
    if p < model.threshold and not cover:
        against = (model.gate.explain(gate, against=True) if model.gate is not None and gate is not None
                   else model.explain(x[best], against=True))
        missing = f"; the passage never names {', '.join(c.missing)}" if c.missing else ""
        return abstain(f"confidence {p:.2f} < threshold {model.threshold:.2f}; best sentence in "
                       f"{_where(chunk)}; against it: {'; '.join(against) or 'nothing in particular'}{missing}", p)
    # which year, asked where neither the answering sentence nor the ones beside it name a year: the report
    # mentions the event without saying when (the learned gate can let such a question pass)
    if asks_year(query.asked) and not names_a_year(index.facts[c.sentence].context):
        return abstain(f"the question asks which year, and the best sentence in {_where(chunk)} and the ones "
                       f"beside it name none (confidence {p:.2f})", p)
    # a question about one region (非洲, Latin America), answered from a passage that never names it, nor do the
    # headings above it: a global figure, or another region's, does not say how it stands there
    if query.regions and not names_a_region(f"{chunk.text} {' '.join(chunk.heading_path)}", query.regions):
        return abstain(f"the question asks about {query.regions[0][0]}, which the best answer's passage, in "
                       f"{_where(chunk)}, never names (confidence {p:.2f})", p)
    a, b = widen(index, c.sentence, query)
    # which country, body, city, day or person, asked of an answer that names none: the learned gate weighs the kind of
    # answer as one input among many, but a sentence without a country does not say which country. Only where a
    # domain lexicon lists the documents' bodies and cities: ISO's countries alone miss 柔然, 雅典, 温哥华
    if query.want in NAMED and index.names.bodies and query.holds(chunk.text[a:b], index.names) is False:
        return abstain(f"the question asks which {query.want}, and the best answer, from {_where(chunk)}, names "
                       f"none (confidence {p:.2f})", p)
    # how many or how much, asked of an answer that gives no number in any form (a date, or the question's own
    # 3 500 万英镑 said back, is none): it does not say how many
    if query.want in QUANTITIES and chunk.kind != "table" and not states_a_quantity(chunk.text[a:b], query.asked):
        return abstain(f"the question asks for a {query.want}, and the best answer, from {_where(chunk)}, gives "
                       f"no number but dates and the question's own (confidence {p:.2f})", p)
    # how long, asked of an answer that gives no span of time (任期几年, answered with 五个核心职位 or a date): it does
    # not say how long
    if chunk.kind != "table" and asks_how_long(query.asked) and not states_a_span(chunk.text[a:b]):
        return abstain(f"the question asks how long, and the best answer, from {_where(chunk)}, gives no span of "
                       f"time (confidence {p:.2f})", p)
    # how often, asked of an answer that gives no frequency (多久轮转一次, answered with what does it): it does not say
    # how often
    if chunk.kind != "table" and asks_how_often(query.asked) and not states_a_frequency(chunk.text[a:b]):
        return abstain(f"the question asks how often, and the best answer, from {_where(chunk)}, gives no frequency "
                       f"(confidence {p:.2f})", p)
    # how much money, asked of an answer that gives no sum (工资待遇大概是多少, answered with 25 名新驻地协调员; a
    # budget answered with 140 万年轻人): a count or a share is not what it costs. A table's values stand under
    # headings that name their unit (千美元), a figure's under its title
    if query.want == "money" and chunk.kind not in ("table", "figure") and not states_a_sum(chunk.text[a:b]):
        return abstain(f"the question asks how much money, and the best answer, from {_where(chunk)}, gives no sum "
                       f"(confidence {p:.2f})", p)
    # how much money a thing is (差旅费实际支出是多少, 印刷费是多少), answered with an amount that never names the
    # thing: an amount of something else (收入为 2.23 亿美元) does not say what the travel cost. A table row's or a
    # figure's values stand under their headings, which the sentence does not repeat
    if chunk.kind not in ("table", "figure") and amount_named(query.asked, query.want, chunk.text[a:b]) is False:
        return abstain(f"the question asks how much a thing it names is, and the best answer, from "
                       f"{_where(chunk)}, gives an amount of something else (confidence {p:.2f})", p)
    # a number in a unit of measure (多少学分, 几厘米, 多少 GB), asked of an answer that gives none in that unit: a
    # number of something else (4. 开设选修课; 10246) does not say how many credits. A table's or a figure's values
    # stand under headings that name their unit
    if chunk.kind not in ("table", "figure") and (unit := unit_asked(query.asked)) and not states_in(unit, chunk.text[a:b]):
        return abstain(f"the question asks for a number of {unit}, and the best answer, from {_where(chunk)}, gives "
                       f"none (confidence {p:.2f})", p)
    rows = [(sa, sb) for _, sa, sb in (index.sentence_spans[s] for s in index.sentences_of(c.chunk))]
    shaped = shape(query, chunk, a, b, rows, index.names)
    # which of the N things it names, asked of an answer that only says there are N (……包括 12 个在当地没有实际驻扎的
    # 机构。): it does not say which
    if query.is_list and chunk.kind not in ("table", "figure") and only_counts_them(query.asked, shaped.text):
        return abstain(f"the question asks which of the things it counts, and the best answer, from {_where(chunk)}, "
                       f"only says how many there are (confidence {p:.2f})", p)
    text = shaped.text
    if query.wants_source:
        src = footnote_for(chunk, shaped.start, shaped.end)
        if src is not None:
            label = f"（脚注 {src.footnote}）" if src.footnote else ""
            basis = chunk.text[a:b]  # (the source line itself, a figure's 资料来源：…, is not its own basis)
            text = f"资料来源：{src.text}{label}。" + ("" if src.text in basis else f"依据：{basis}")
    hit = next(i for i, h in enumerate(hits) if h.row == c.chunk)
    if hit > 0:  # the answer's passage goes first among the citations
        cites = _citations(index, hits, k, hit)
    why = model.explain(x[best])
    verdict = (f"confidence {p:.2f} ≥ threshold {model.threshold:.2f}" if p >= model.threshold else
               f"a question about the report itself, answered by its cover (confidence {p:.2f})")
    chose = " (chosen with the document's words for the question's)" if searched else ""
    reason = (f"{verdict}; {shaped.how} from {_where(chunk)} "
              f"(passage ranked {hit + 1}){chose}; for it: {'; '.join(why) or 'nothing in particular'}")
    return Answer(query.text, False, text, cites, Highlight(chunk.id, shaped.start, shaped.end), query.notice,
                  round(p, 4), reason)


def combine(query: Query, parts: list[Answer], k: int, lexicon: str = "un") -> Answer:
    """One answer to a question that asks two things: each part answered, or said to be missing (in the words of
    ``no_answer`` for the ``lexicon`` searched: 报告 for UN reports, 文档 for other documents).

    ``（1）…（2）报告中没有找到：何时启动`` when the report answers only the first; one sentence that answers
    every part is said once.
    """
    if all(p.abstained for p in parts):
        first = parts[0]
        return Answer(query.text, True, first.answer, first.citations, None, query.notice, first.confidence,
                      " | ".join(f"part {i + 1} ({q}): {p.reason}" for i, (q, p) in enumerate(zip(query.parts, parts))))
    pieces, cites, seen = [], [], set()
    where = no_answer(lexicon)[:2]
    for i, (q, p) in enumerate(zip(query.parts, parts), start=1):
        pieces.append(f"（{i}）{p.answer}" if not p.abstained else f"（{i}）{where}中没有找到：{q}")
    if len({(p.answer, p.highlight) for p in parts}) == 1:  # the same sentence answers each part: said once
        pieces = [parts[0].answer]
    for p in parts:  # each part's answer passage first, then the rest, no repeats
        for c in p.citations:
            if c.id not in seen:
                seen.add(c.id)
                cites.append(c)
    answered = [p for p in parts if not p.abstained]
    lead = answered[0]
    order = sorted(cites, key=lambda c: 0 if c.id in {p.highlight.id for p in answered if p.highlight} else 1)
    return Answer(query.text, False, "".join(pieces), tuple(order[:max(k, len(answered))]), lead.highlight,
                  query.notice, min(p.confidence for p in answered),
                  " | ".join(f"part {i + 1} ({q}): {p.reason}" for i, (q, p) in enumerate(zip(query.parts, parts))))
