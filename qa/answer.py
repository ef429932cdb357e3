"""Turn ranked chunks into an answer: the sentence that answers, its sources, or an abstention.

- The answer is the best sentence among the top passages, scored by cosine
  similarity to the question (sentence vectors are precomputed at index time)
  plus how much of the question's wording it covers.
- A question asking where a figure comes from (来源, 出处, "source") is answered
  with the footnote attached to that sentence, resolved (同上 -> the earlier source).
- When the best passage is neither close in meaning nor shares the question's
  key terms, the report is taken to have no answer: ``报告中没有找到…``, with the
  closest passages still listed.

Does not generate text: every answer is a sentence of the document.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

from qa.asks import QUESTION_CHARS, asked_noun_found, asks_for_unit, asks_for_value, expected_type_met
from qa.chunk import Chunk
from qa.index import Index
from qa.names import mentioned, named_in
from qa.retrieve import Hit, Scores
from qa.tokenize import bigrams, normalise, normalised

NO_ANSWER = "报告中没有找到这个问题的答案。"
_SOURCE_INTENT = re.compile(
    r"(数据|统计|这一?数字?|该数字?|此)?(的)?(来源|出处|出自|依据|根据|口径)(是|于)?(什么|哪|何)?|"
    r"哪[一个项份]*(调查|资料)|从哪[里儿]?(来|得)|"
    r"\b(source|sources|come from|comes from|based on|according to what|where does .* come from)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Source:
    footnote: int | None
    text: str


@dataclass(frozen=True)
class Citation:
    id: str
    kind: str
    number: int | None
    section: str | None
    page: int | None
    text: str
    score: float
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Highlight:
    id: str  # chunk id of the passage the answer comes from
    start: int  # answer sentence span in that chunk's text
    end: int


@dataclass(frozen=True)
class Answer:
    question: str
    abstained: bool
    answer: str
    citations: tuple[Citation, ...]
    highlight: Highlight | None = None
    notice: str | None = None  # e.g. the question was cut
    answerability: float = 0.0

    def to_json(self) -> dict:
        data = {
            "question": self.question,
            "abstained": self.abstained,
            "answer": self.answer,
            "citations": [asdict(c) for c in self.citations],
            "highlight": asdict(self.highlight) if self.highlight else None,
            "notice": self.notice,
        }
        return data


def asks_for_source(question: str) -> bool:
    """True when the question asks where a statistic comes from.

    >>> asks_for_source("95%这个数据的来源是什么？"), asks_for_source("有多少核心职位")
    (True, False)
    """
    return bool(_SOURCE_INTENT.search(question))


def strip_source_intent(question: str) -> str:
    """The question without its 'what is the source' wording, for retrieval."""
    stripped = _SOURCE_INTENT.sub(" ", question).strip(" ，,。？?")
    return stripped if len(stripped) >= 2 else question


def question_weights(question: str, index: Index) -> dict[str, float]:
    """The question's bigrams and their weights, for ``coverage``.

    A bigram weighs its IDF in the corpus; one the corpus never uses (日本,
    2023) weighs the most, since a question about something the document never
    names is likely one it cannot answer. Bigrams of question words (多少, 哪些)
    are left out.
    """
    q = {b for b in bigrams(normalise(question)) if not (set(b) & QUESTION_CHARS)}
    bm = index.lexical["bigram"]
    unseen = math.log(1 + (len(index.chunks) + 0.5) / 0.5)
    return {b: bm.idf("#" + b) or unseen for b in q}


def retrieval_query(question: str) -> str:
    """What is searched for: the question, without its 'what is the source' wording if it has one."""
    return strip_source_intent(question) if asks_for_source(question) else question


def coverage(weights: dict[str, float], text: str) -> float:
    """Share of the question's bigram weight (``question_weights``) that ``text`` contains, 0..1."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    t = normalised(text)
    return sum(w for b, w in weights.items() if b in t) / total


def citation(chunk: Chunk, score: float) -> Citation:
    sources = tuple(Source(n, s) for n, s in chunk.sources())
    return Citation(chunk.id, chunk.kind, chunk.number, chunk.section, chunk.page, chunk.text, round(score, 4),
                    sources)


_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")


_ORDINAL = re.compile(r"第[一二三四五六七八九十\d]+[次轮届期]|首[次轮届期]")


def _ordinals(text: str) -> set[str]:
    return {m.group(0).replace("首", "第一") for m in _ORDINAL.finditer(text)}


def missing_names(question: str, passage: str, index: Index) -> list[str]:
    """Years, ordinals (第二次), countries and bodies in the question that the passage never mentions.

    A country or body counts as mentioned under any of its names (美国 =
    美利坚合众国); see ``qa.names``. 首次 and 第一次 are one ordinal.
    """
    q = normalised(question)
    text = normalised(passage)
    missing = [m.group(0) for m in _YEAR.finditer(q) if m.group(0) not in text]
    missing += sorted(_ordinals(q) - _ordinals(text))
    every = index.names.every
    missing += [w for w in named_in(q, every) if not mentioned(w, text, every)]
    return list(dict.fromkeys(missing))


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


def pick_sentence(index: Index, hits: list[Hit], scores: Scores, question: str, weights: dict[str, float],
                  depth: int = 3) -> tuple[int, int, float, float]:
    """Best ``(sentence row, hit rank, sentence score, its cosine)`` among the top ``depth`` hits.

    When the best sentence lacks the value the question asks for (a count, a sum,
    a day or month) and another sentence of the same passage has it, that one is the answer:
    "首次征集活动产生了多少个联合方案" is answered by "其产生了 35 个联合方案",
    two sentences after the one naming the first call.
    """
    best = (-1, 0, -1e9, 0.0)
    best_met: dict[int, tuple[int, int, float, float]] = {}  # chunk row -> its best sentence that has it
    unmet = set()
    for rank, hit in enumerate(hits[:depth]):
        rows = index.sentences_of(hit.row)
        if not len(rows):
            continue
        cos = index.sentence_vecs[rows.start:rows.stop] @ scores.query_vec
        chunk = index.chunks[hit.row]
        for j, s in enumerate(rows):
            _, a, b = index.sentence_spans[s]
            cov = coverage(weights, chunk.text[a:b])
            met = expected_type_met(question, chunk.text[a:b], index.names)
            value = float(cos[j]) + 0.35 * cov - 0.03 * rank + (0.05 if met else -0.05 if met is False else 0.0)
            candidate = (s, rank, value, float(cos[j]))
            if met is False:
                unmet.add(s)
            elif met and value > best_met.get(hit.row, (0, 0, -1e9))[2]:
                best_met[hit.row] = candidate
            if value > best[2]:
                best = candidate
    if best[0] in unmet and asks_for_unit(question):  # "any number" or "a reason" is too loose a test to jump to
        return best_met.get(index.sentence_spans[best[0]][0], best)
    return best


def footnote_for(chunk: Chunk, start: int, end: int) -> Source | None:
    """The footnote whose marker closes the sentence ``[start, end)``, else the next one, else any."""
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


def answerability(scores: Scores, hits: list[Hit], sent_cos: float, question: str, weights: dict[str, float],
                  index: Index) -> float:
    """How well the best passage covers the question, 0..1; below the threshold we abstain.

    For a Chinese question: the IDF-weighted share of its bigrams found in the
    top passage (``coverage``). For a question with no Chinese (English), whose
    wording cannot overlap the text: the cosine similarity, rescaled so that
    0.75 -> 0 and 0.85 -> 1. Fitted on the gold set (``qa eval --tune``).
    """
    if not hits:
        return 0.0
    top_chunk = index.chunks[hits[0].row]
    if not any("\u3400" <= ch <= "\u9fff" for ch in question):
        return max(0.0, min(1.0, (max(float(scores.dense.max()), sent_cos) - 0.75) * 10))
    return coverage(weights, top_chunk.text + (top_chunk.section or ""))


def _widen(index: Index, srow: int, question: str) -> tuple[int, int]:
    """The answer span: the sentence, plus a neighbour when the sentence alone falls short.

    A fragment (under 12 characters) takes the next sentence; a sentence that
    lacks what the question asks for (a number, a date) takes the neighbour
    that has it: "从哪一天起全面铺开" -> "2019 年 1 月 1 日，…开始。重振活力的…全面铺开，…"
    """
    crow, a, b = index.sentence_spans[srow]
    text = index.chunks[crow].text
    rows = index.sentences_of(crow)
    prev_row = srow - 1 if srow - 1 >= rows.start else None
    next_row = srow + 1 if srow + 1 < rows.stop else None
    if expected_type_met(question, text[a:b], index.names) is False:
        for other in (prev_row, next_row):
            if other is not None:
                _, oa, ob = index.sentence_spans[other]
                if expected_type_met(question, text[oa:ob], index.names):
                    return min(a, oa), max(b, ob)
    if b - a < 12 and next_row is not None:
        return a, index.sentence_spans[next_row][2]
    return a, b


def compose(question: str, index: Index, hits: list[Hit], scores: Scores, threshold: float,
            notice: str | None = None) -> Answer:
    """The answer for ``question`` from ranked ``hits``."""
    cites = tuple(citation(index.chunks[h.row], h.score) for h in hits)
    if not hits:
        return Answer(question, True, NO_ANSWER, cites, None, notice, 0.0)
    wants_source = asks_for_source(question)
    retrieval_q = retrieval_query(question)
    weights = question_weights(retrieval_q, index)  # once per question
    # a question naming a figure or table (图八中…) is answered from it, or not at all
    named = [h for h in hits if scores.referenced is not None and scores.referenced[h.row]]
    srow, rank, _, sent_cos = pick_sentence(index, named or hits, scores, retrieval_q, weights)
    if named and srow >= 0:
        rank = next(i for i, h in enumerate(hits) if h.row == named[rank].row)
    if srow < 0:
        return Answer(question, True, NO_ANSWER, cites, None, notice, 0.0)
    crow = index.sentence_spans[srow][0]
    chunk = index.chunks[crow]
    score = answerability(scores, hits, sent_cos, retrieval_q, weights, index)
    if missing_names(retrieval_q, chunk.text + (chunk.section or ""), index):
        score = 0.0  # the question names a year, ordinal, country or body its best passage never mentions
    a, b = _widen(index, srow, retrieval_q)
    text = chunk.text[a:b]
    if chunk.kind == "figure" and asks_for_value(retrieval_q) and not chart_values(chunk):
        name = chunk.text.split("：", 1)[0] if "：" in chunk.text[:8] else "该图"
        return Answer(question, True, f"{NO_ANSWER}{name}的数值不在报告文本中。", cites, None, notice, round(score, 4))
    lacks_asked = not wants_source and chunk.kind not in ("table", "figure") and (  # cells and chart labels carry no units
        expected_type_met(retrieval_q, text, index.names) is False or asked_noun_found(retrieval_q, chunk.text) is False)
    if score < threshold or lacks_asked:
        return Answer(question, True, NO_ANSWER, cites, None, notice, round(score, 4))
    if wants_source:
        src = footnote_for(chunk, a, b)
        if src is not None:
            label = f"（脚注 {src.footnote}）" if src.footnote else ""
            text = f"资料来源：{src.text}{label}。依据：{text}"
    if rank > 0:  # the answer's passage goes first among the citations
        order = [hits[rank]] + [h for i, h in enumerate(hits) if i != rank]
        cites = tuple(citation(index.chunks[h.row], h.score) for h in order)
    return Answer(question, False, text, cites, Highlight(chunk.id, a, b), notice, round(score, 4))
