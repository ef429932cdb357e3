"""A question, prepared once: everything retrieval and answer choice need to know about it.

``Query.make(question, index, encoder)`` cleans the question (``qa.lang.question.clean``),
reads abbreviations the report never writes as its terms (``qa.lang.abbrev``: 驻协 ->
驻地协调员), drops its "what is the source" wording for searching, normalises it (Traditional
to Simplified, full-width to half-width, lower case), encodes it once, and reads
what it mentions and what it asks for. Retrieval (``qa.search.retrieve``) and answer
choice (``qa.answer.compose``) take the ``Query`` and derive nothing from the raw text again.

    q = Query.make("駐地協調員辦公室有多少核心職位？", index, encoder)
    q.norm -> "驻地协调员办公室有多少核心职位?"   q.want -> "count"   q.wants_source -> False

Does not retrieve, rank or answer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from qa.lang.abbrev import expand
from qa.lang.asks import (QUESTION_CHARS, YEAR, asks_actual, asks_change, asks_for_works, asks_gap, caption_asked,
                          asks_what_to_do, compares, counted, counted_english, expected_type_met, negated, ordinals, set_aside, wanted)
from qa.lang.dialect import as_mandarin
from qa.lang.english import QUESTION_WORDS, countries
from qa.lang.latin import numbered, terms as latin_terms, unread
from qa.lang.names import Names, regions_asked
from qa.lang.question import clean
from qa.lang.tokenize import Segmenter, bigrams, dense_text, expand_english, normalise, normalised

if TYPE_CHECKING:  # types only: language code never imports the stages above it
    from qa.encode.encoder import Encoder
    from qa.search.index import Index


_SOURCE_INTENT = re.compile(
    r"(这一?个?|该|此|这些)?[项个]?(数据|统计数字|统计|数字|数值|比例|百分比)?(的)?(来源|出处|出自|依据|根据|口径)(是|于)?(什么|哪|何)?|"
    r"哪[一个项份]*(调查|资料)|从哪[里儿]?(来|得)|"
    # how a figure was counted is what its note says (这个数字是按什么计算的)
    r"(数字|数据|数额|金额|这个数|该数|统计).{0,8}(按|依据|根据|基于|怎么|怎样|如何)(什么|甚么|何种|哪种)?(计算|统计|算|得出)(出来)?(的)?|"
    r"\b(source|sources|come from|comes from|based on|according to what|where does .* come from)\b",
    re.IGNORECASE,
)
# a statistic's footnote (附注说…, 脚注怎么说明的) is its source; a figure's or table's note (图六的注释) is not
_NOTE = re.compile(r"(附注|脚注|注释)(里|中|上)?(说|写|称|讲)?")
_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}
_REFERENCE = re.compile(r"(图|表|figure|table)\s*([一二三四五六七八九十]|\d{1,2})(?![\d示明达现格])", re.I)
_EN_ORDINALS = {w: i for i, w in enumerate(("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                                             "ninth", "tenth"), 1)}
# a figure or table named by its place (第一张图, 第二个表, the first figure)
_NTH = re.compile(r"第\s*([一二三四五六七八九十]|\d{1,2})\s*[张幅个份]\s*(图|表)(?!示|明|达|现|格)"
                  r"|\b(" + "|".join(_EN_ORDINALS) + r")\s+(figure|table|chart)\b", re.I)
# a paragraph named by its number, as the report numbers them (第 9 段, paragraph 9, para. 9); not 第二阶段
_PARAGRAPH = re.compile(r"第\s*(\d{1,3})\s*段|\bpara(?:graph|\.)?\s*(\d{1,3})\b", re.I)
# a list is asked for: 哪些, 哪几个, 包括什么, 有哪些方面, which … (plural), list, name the
_LIST = re.compile(r"哪些|哪几|哪[两三四五六七八九十]\s*[个项股类种大条方家]|包括什么|包含什么|有什么.{0,4}(?:方面|领域|措施|内容)|分别|"
                   r"\bwhich (?:\w+ )?(?:are|were|areas|countries|entities|agencies|organizations|bodies|steps|measures)\b|"
                   r"\bwhat (?:are|were) the\b|\blist\b|\bname the\b")
# a second question after the first: …多少？何时…？ / …是什么，由谁… (split before the second question word)
# (after a question mark the second question may be long: …还差多少; after a comma it asks within a few characters)
_JI = r"(?<![好那这十])几"  # 几 asks how many; 好几, 那几个, 十几 only say "a few"
_WH = rf"(?:多少|{_JI}|何时|什么时候|哪一?年|哪一?天|哪[个些位家]|谁|什么|为什么|如何|是否)"
# after a question mark any way of asking begins a second question (…怎么念？LaTeX 又怎么念？, …吗？, 多久…？, 多大？)
_HOW = r"怎么|怎样|能否|可否|能不能|可不可以|是不是|有没有|多久|多长|多大|多高|多远|[吗呢]"
_SECOND = re.compile(rf"[?？;；]\s*(?=[^?？]*(?:{_WH}|{_HOW}))|[,，](?:以及|并且|并|还有|另外|同时)?\s*(?=[^,，?？]{{0,14}}{_WH})"
                     r"|(?:[?;]|,?\s+and)\s+(?=(?:when|how|what|who|which|where|why)\b)", re.IGNORECASE)
_INTERROGATIVE = re.compile(r"(?:多少|几|幾)[个個名位项項次人年天]?|何[时時]|什[么麼]时候|什[么麼]時候|哪一?[年天个個些位家]?"
                            r"|[谁誰]|[为為]什[么麼]|什[么麼]|如何|是否|[吗嗎]|[?？]")
# the report itself: who wrote or submitted it, for which session or agenda item (its cover says)
_ABOUT_REPORT = re.compile(r"(?:本|这份|这篇|这个|该|此)?报告(?:是|由)?(?:谁|哪个?(?:人|机构|部门))|报告的?(?:作者|提交者|撰写者)"
                           r"|谁(?:写|撰写|编写|起草|提交|发布)了?(?:这份|本|该|这篇)?报告|报告(?:是)?(?:为|给|向|提交给?)?哪一?(?:届|个)(?:会议|届会)"
                           r"|议程项目|\bwho (?:wrote|authored|submitted|prepared|issued) (?:the|this) report\b"
                           r"|\bauthor of (?:the|this) report\b")
_TOTAL = re.compile(r"一共|总共|总计|共计|合计|总数|总额|全部|\btotal\b|\bin all\b|\baltogether\b")
_ASKS = re.compile(rf"多少|{_JI}|何时|什么|哪|谁|为何|如何|是否|{_HOW}|\b(?:how|what|when|which|who|where|why)\b",
                   re.IGNORECASE)


@dataclass(frozen=True, eq=False)
class Query:
    text: str  # the question as asked, cleaned
    notice: str | None  # e.g. "问题过长…" when it was cut
    search: str  # what is searched for and encoded: ``asked``, after its context for a second part
    asked: str  # the question less its "what is the source" wording: what kind of answer, which key terms
    norm: str  # ``normalise(search)``: Simplified, half-width, lower case
    vector: np.ndarray  # (dim,) L2-normalised e5 query vector of ``search``
    wants_source: bool  # asks where a statistic comes from
    want: str | None  # the kind of answer asked for (``qa.lang.asks.WANTS`` name), None if nothing checkable
    english: bool  # no Chinese characters: wording overlap with the report means little
    weights: dict[str, float]  # key bigram -> IDF weight in the corpus (unseen bigrams weigh most)
    years: tuple[str, ...]
    ordinals: tuple[str, ...]  # 第二次; 首次 read as 第一次
    # named: ("figure", 8), ("table", 3), ("paragraph", 9); the report itself: ("cover", None)
    references: tuple[tuple[str, int | None], ...]
    is_list: bool  # asks for an enumeration (哪些, 哪几个, which … are)
    asks_total: bool  # asks for a total (一共, 合计, in total): a table's total row answers
    negated: bool  # asks what did not happen (没有参加, did not take part)
    parts: tuple[str, ...]  # the sub-questions of a question that asks two things, else ()
    english_groups: tuple[tuple[str, ...], ...] = ()  # report words for each English word (``qa.lang.english``)
    countries: tuple[str, ...] = ()  # the countries an English question names, in the report's Chinese
    readings: tuple[tuple[str, str], ...] = ()  # abbreviations read as the report's terms: ("驻协", "驻地协调员")
    part_vectors: tuple[np.ndarray, ...] = field(default=(), repr=False)  # each part's vector, as ``vector``
    # what the search reads, when it is not ``vector``: an English question's with the document's words for its
    # words (``encoded_text``); the answer's features read ``vector``, the question as asked
    search_vector: np.ndarray | None = field(default=None, repr=False)
    counted: str | None = None  # what a 多少个… question counts (新生儿; an English one's, in the report's words)
    actual: bool = False  # asks what actually came in or happened (实际, actually)
    share_of_group: bool = False  # asks for a share of a group (多大比例), not by how much something changed
    superlative: bool = False  # asks which is the most or least (哪类最多): only values tell
    # Latin terms a Chinese question names that no searched document writes and the lexicon cannot read
    # (M1 芯片, NO-B 职等): ``qa.lang.latin``
    unread: tuple[str, ...] = ()
    # the world regions the question names, each in all its forms (``qa.lang.names.regions_asked``)
    regions: tuple[tuple[str, ...], ...] = ()
    asks_works: bool = False  # asks about the works cited (文献, 出处): a bibliography's entries may answer
    asks_remedy: bool = False  # asks what to do about something (怎么办, how do I): the remedy answers
    asks_gap: bool = False  # asks how far one amount falls short of another (还差多少): the stated gap answers
    # what it asks of a figure or table it names: "title" (图一的标题: its caption answers), "note" (图六的注: its 注：…
    # line), else None (``qa.lang.asks.caption_asked``)
    caption_asked: str | None = None
    besides: tuple[str, ...] = ()  # what the question sets aside (除了 perl 和 wget，还…): it asks what else
    # sentence row -> whether it holds the kind of answer asked for (``qa.answer.features.sentence_kinds``): worked out
    # once per question, however many steps ask
    kinds: dict[int, bool | None] = field(default_factory=dict, repr=False)

    def holds(self, text: str, names: Names | None = None) -> bool | None:
        """Whether ``text`` holds the kind of answer asked for (``qa.lang.asks.expected_type_met``), a value asked
        about the countries an English question names standing beside them; None if nothing checkable."""
        return expected_type_met(self.asked, text, names, self.countries)

    @property
    def names_text(self) -> str:
        """Where the countries and bodies the question names are read (an English question's in Chinese)."""
        return f"{self.norm} {' '.join(self.countries)}" if self.countries else self.norm

    @property
    def searched(self) -> np.ndarray:
        """The vector the search ranks passages by (``search_vector``, else ``vector``)."""
        return self.vector if self.search_vector is None else self.search_vector

    @property
    def english_terms(self) -> tuple[str, ...]:
        """The report words of an English question's words, each once, in question order."""
        return tuple(dict.fromkeys(t for group in self.english_groups for t in group))

    @classmethod
    def make(cls, question: str, index: Index, encoder: Encoder, vector: np.ndarray | None = None,
             context: str | None = None) -> "Query":
        """Clean, normalise, encode and read ``question`` once (raises ``BadQuestion`` if empty).

        ``context``: for the second part of a two-part question, the first part less its question
        words; a short part is searched with it (``search_text``) and takes its key terms too (打算招多少人
        is about the recruitment the first part names), but the part alone says what is asked.
        ``vector`` is the encoding of ``dense_text(search_text(question, context))``, when the caller has it.
        A two-part question's parts are encoded with it, in one run of the encoder (``part_vectors``).
        """
        cleaned = clean(question)
        expanded, readings = expand(normalise(cleaned.text), index)
        text = expanded if readings else cleaned.text  # 驻协 read as 驻地协调员 from here on
        read = as_mandarin(text)  # 這個數字從哪裡來 and 幾多 read as 这个数字从哪里来 and 多少
        wants_source = asks_for_source(read)
        asked = strip_source_intent(read) if wants_source else read
        search = search_text(read, context)
        norm = normalise(search)
        parts = () if context else split_parts(read)  # each part keeps its own source intent (…按脚注是什么口径？)
        texts = [dense_text(search_text(p, c)) for p, c in zip(parts, part_contexts(parts))]
        english = not any("\u3400" <= ch <= "\u9fff" for ch in search)
        groups = tuple(index.english.groups(search)) if english else ()
        extra = [encoded_text(search, groups)] if groups else []  # an English question's search text, encoded last
        if vector is None:
            vector, *part_vectors = encoder.queries([dense_text(search), *texts, *extra])
        else:
            part_vectors = list(encoder.queries([*texts, *extra])) if texts or extra else []
        search_vector = part_vectors.pop() if extra else None
        hit = wanted(asked)
        want = hit[0].name if hit else None
        named = tuple(english_countries(norm, index)) if english else ()
        refs = references(norm)
        plain, folded = normalised(asked), normalise(asked)  # the asked text's two normal forms, made once
        latin = () if english else latin_terms(plain)
        return cls(
            text=cleaned.text, notice=cleaned.notice, search=search, asked=asked, norm=norm, vector=vector,
            wants_source=wants_source, want=want,
            english=english, english_groups=groups, countries=named,
            weights=question_weights(norm, index, named), years=tuple(dict.fromkeys(YEAR.findall(norm))),
            ordinals=tuple(sorted(ordinals(norm))), references=refs,
            is_list=bool(_LIST.search(folded)), asks_total=bool(_TOTAL.search(norm)),
            negated=negated(asked),
            parts=parts, part_vectors=tuple(part_vectors), search_vector=search_vector,
            readings=readings,
            counted=counted(asked) or (counted_english(asked, index.lexicon.glossary) if english else None),
            actual=asks_actual(asked), share_of_group=want == "share" and not asks_change(asked),
            superlative=compares(asked),
            unread=unread(latin, index.latin_words, index.lexicon.glossary, index.english,
                          numbered(latin, plain)) if latin else (),
            regions=regions_asked(plain, index.names), asks_works=asks_for_works(asked),
            asks_remedy=asks_what_to_do(asked), asks_gap=asks_gap(asked), besides=set_aside(asked),
            caption_asked=caption_asked(folded) if any(k in ("figure", "table") for k, _ in refs) else None,
        )


def encoded_text(search: str, groups: tuple[tuple[str, ...], ...] = ()) -> str:
    """What the encoder reads of a question for the search (``Query.search_vector``): its ``dense_text``, and
    after an English question the document's most used word for each of its words (``Query.english_groups``,
    from CC-CEDICT).

    The multilingual encoder puts an English question close to any English in a Chinese document (code,
    commands, English notes) rather than to the Chinese passage that answers it; with the document's own
    words beside it, it meets the Chinese. Over the report's and eight documents' English questions, the
    passage the encoder alone ranks first holds the evidence for 0.62 and 0.48 of them, against 0.43 and 0.23.
    The answer's features keep the question's own vector: the answer model was fitted on its cosines, and
    the document's words beside an off-topic question bring it as close to some passage as a real one.

    >>> encoded_text("What is the default install location?", (("默认", "缺省"), ("安装",), ("位置",)))
    'What is the default install location? 默认 安装 位置'
    """
    words = [g[0] for g in groups if g]
    return dense_text(f"{search} {' '.join(words)}" if words else search)


def search_text(question: str, context: str | None = None) -> str:
    """What is searched for and encoded: the question less its "what is the source" wording, after
    ``context`` when it is a short part or one that points back to it ("何时启动" -> "联合基金有资金，何时启动").

    >>> search_text("what share of them are women", "In Ecuador, young people will get decent work")
    'In Ecuador, young people will get decent work，what share of them are women'
    >>> search_text("when did the second call open", "how much did the first call raise")
    'when did the second call open'
    """
    asked = strip_source_intent(question) if asks_for_source(question) else question
    if not context:
        return asked
    # a part that names no figure or table of its own, after a first that names one, asks about that one too
    # (表 4 中全球协调的预算是多少？与实际支出的差异是多少)
    same_table = _names_table(context) and not _names_table(asked)
    # a part that points back to what the first names (what share of them are women; 其中…) leans on it too
    leans = len(asked) < 16 or _POINTS_BACK.search(asked) is not None or asked.isascii() and len(asked.split()) <= 5
    return f"{context}，{asked}" if leans or same_table else asked


_POINTS_BACK = re.compile(r"\b(?:them|they|their|theirs|it|its|those|these)\b|其中|它们|他们|她们", re.IGNORECASE)


def _names_table(text: str) -> bool:
    return any(kind in ("figure", "table") for kind, _ in references(normalise(text)))


def part_contexts(parts: tuple[str, ...]) -> list[str | None]:
    """What each part of a two-part question is searched with: nothing for the first, ``context_of`` it for
    the rest."""
    return [None] + [context_of(parts[0])] * (len(parts) - 1) if parts else []


def context_of(first_part: str) -> str:
    """The first part of a two-part question less its question words: the second part's context.

    >>> context_of("联合基金有多少资金")
    '联合基金有资金'
    """
    return _INTERROGATIVE.sub("", first_part).strip(" ，,")


def asks_for_source(question: str) -> bool:
    """True when the question asks where a statistic comes from.

    >>> asks_for_source("95%这个数据的来源是什么？"), asks_for_source("有多少核心职位")
    (True, False)
    >>> asks_for_source("附注说这个数字是按什么计算的"), asks_for_source("这笔钱按什么标准分配")
    (True, False)
    >>> asks_for_source("脚注对这个数字是怎么说明的"), asks_for_source("图六的注释说差值代表什么")
    (True, False)
    """
    return bool(_SOURCE_INTENT.search(question) or (_NOTE.search(question) and not _REFERENCE.search(question)))


def strip_source_intent(question: str) -> str:
    """The question without its 'what is the source' wording, for retrieval.

    >>> strip_source_intent("95%的国家工作队报告关系加强，这一数据的来源是什么？")
    '95%的国家工作队报告关系加强'
    """
    stripped = _SOURCE_INTENT.sub(" ", question)
    stripped = (stripped if _REFERENCE.search(question) else _NOTE.sub(" ", stripped)).strip(" ，,。？?")
    return stripped if len(stripped) >= 3 else question


def question_weights(norm: str, index: Index, countries: tuple[str, ...] = ()) -> dict[str, float]:
    """The question's key bigrams and their IDF in the corpus; bigrams of question words (多少, 哪些) left out.

    An English question's words cannot be found in a Chinese report, so its key
    terms are the Chinese of the lexicon's terms it uses (``expand_english``: the UN glossary's, for a UN report) and the Latin
    words the report writes itself (COVID-19) and the ``countries`` it names (``english_countries``);
    it has none when it uses none of these (a question about the weather in Paris).

    A bigram the corpus never uses (日本, 2023) weighs the most, since a question
    about something the document never names is likely one it cannot answer.
    """
    bm = index.lexical["bigram"]
    if not any("\u3400" <= ch <= "\u9fff" for ch in norm):  # English: the Chinese of its UN terms, if any,
        # the Latin words the report itself writes (COVID-19, SDG): not its question words nor "UN",
        # and the countries it names (as the report writes them: United Kingdom -> 联合王国)
        latin = [w for w in re.findall(r"[a-z0-9][a-z0-9-]*[a-z0-9]", norm)
                 if w not in QUESTION_WORDS and not w.isdigit() and bm.idf("#" + w)]
        norm = " ".join((expand_english(norm, index.lexicon.glossary)[len(norm):], *latin, *countries))
    norm = _FILLER.sub(" ", _UNIT.sub(" ", _IN_REFERENCE.sub(r"\1 ", norm)))  # "2019年新派" has no key term 年新 (nor 年): a unit belongs to its number
    norm = _INTERROGATIVE.sub(" ", norm)  # 哪一天 asks; its 一天 is no key term
    q = {b for piece in _pieces(norm, index.segmenter) for b in bigrams(piece)
         if not (set(b) & QUESTION_CHARS) and (len(b) > 1 or b.isascii())}  # a lone character names nothing
    unseen = math.log(1 + (len(index.chunks) + 0.5) / 0.5)
    return {b: bm.idf("#" + b) or unseen for b in sorted(q)}  # sorted: sums over it are the same in every process


def english_countries(text: str, index: Index) -> list[str]:
    """The countries an English ``text`` names, each under the name the report uses most (any of its names
    when the report uses none: 德国)."""
    return [index.country_form(c) for c in countries(text)]


def _pieces(norm: str, segmenter: Segmenter) -> list[str]:
    """``norm`` cut where the report's own words end, so that no key term straddles two of them
    (系统|员额 gives no 统员): each word the report knows, and each run of characters it does not (上线, 日本).

    Characters outside the report's words come out of its jieba one by one; kept together they are the
    question's own words, which the report may never use.
    """
    pieces = []
    for m in re.finditer(r"[\u3400-\u9fff]+|[^\u3400-\u9fff]+", norm):
        if not "\u3400" <= m.group(0)[0] <= "\u9fff":
            pieces.append(m.group(0))  # digits and Latin words: bigrams() reads them whole
            continue
        run = ""
        for w in segmenter.words(m.group(0)):
            if len(w) == 1:
                run += w
                continue
            pieces.extend((run, w) if run else (w,))
            run = ""
        pieces.append(run)
    return pieces


# adverbs that say how, not what: they name nothing the report could hold
_FILLER = re.compile(r"到底|究竟|一共|总共|大概|大约|请问|一下|具体地?|实际上|分别|各自")
_IN_REFERENCE = re.compile(r"([图表]\s*(?:[一二三四五六七八九十]{1,2}|\d{1,2}))\s*[里中内]")  # 图四里: "in figure 4"
_UNIT = re.compile(r"(?<=\d)\s*([年月日号个名位人次万亿元岁天家项条])")  # the unit after a number




@lru_cache(maxsize=4096)
def references(norm: str) -> tuple[tuple[str, int | None], ...]:
    """Figures, tables and paragraphs a (normalised) question names; the cover, when it asks about the report itself.

    >>> references("图八中和附件表 3 里，代表表示"), references("这份报告是谁写的?")
    ((('figure', 8), ('table', 3)), (('cover', None),))
    >>> references("第 46 段说的比例引自哪里"), references("what does paragraph 9 say"), references("第二阶段")
    ((('paragraph', 46),), (('paragraph', 9),), ())
    >>> references("报告里的第一张图"), references("the second table's total"), references("第一个表示")
    ((('figure', 1),), (('table', 2),), ())
    """
    out: list[tuple[str, int | None]] = [("cover", None)] if _ABOUT_REPORT.search(norm) else []
    for kind, num in _REFERENCE.findall(norm):
        n = int(num) if num.isdigit() else _CN_DIGITS[num]
        out.append(("figure" if kind.lower() in ("图", "figure") else "table", n))
    for m in _NTH.finditer(norm):  # 第一张图, the first figure: the figures and tables are numbered in order
        num, kind = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        n = int(num) if num.isdigit() else _CN_DIGITS.get(num) or _EN_ORDINALS[num.lower()]
        out.append(("figure" if kind.lower() in ("图", "figure", "chart") else "table", n))
    out += [("paragraph", int(a or b)) for a, b in _PARAGRAPH.findall(norm)]
    return tuple(dict.fromkeys(out))


def split_parts(question: str) -> tuple[str, ...]:
    """The two questions of a question that asks two things, else ``()``.

    A short second part often leans on the first for its subject ("…有多少个？何时启动的？"):
    it is searched with ``context_of`` the first part (``Service.answer``).

    >>> split_parts("联合基金有多少资金？何时启动？")
    ('联合基金有多少资金', '何时启动')
    >>> split_parts("驻地协调员办公室有多少核心职位？")
    ()
    >>> split_parts("这个命令该怎么用？用完以后能撤销吗？")  # two questions, each ended by its mark
    ('这个命令该怎么用', '用完以后能撤销吗')
    >>> split_parts("这个工具是哪年推出的？多久发一个新版本？")
    ('这个工具是哪年推出的', '多久发一个新版本')
    >>> split_parts("这个模板是什么，有什么用")  # after a comma, nothing checkable: one question reworded
    ()
    >>> split_parts("去年那次招聘，是什么时候发起的？原本打算招多少人？")  # the comma only sets the scene
    ('去年那次招聘，是什么时候发起的', '原本打算招多少人')
    """
    text = question.strip().rstrip("?？。. ")
    for m in _SECOND.finditer(text):  # the first place that splits it: a comma before may only set the scene
        if m.start() < 4 or len(text) - m.end() < 3:
            continue
        first, second = text[:m.start()].strip(), text[m.end():].strip()
        if not (_ASKS.search(first) and _ASKS.search(second)):
            continue  # "在佛得角，…是谁": the first part only sets the scene
        if wanted(first) is None and wanted(second) is None and m.group(0)[0] in ",，":
            continue  # "是什么，…什么" with nothing checkable in either part: one question reworded; two questions
            # each ended by its own question mark ask two things whatever they ask for (该参考哪个文件？又是谁写了…？)
        return first, second
    return ()
