"""Answer scoring against gold spans, for any corpus with gold answers (a BEIR folder's ``answers.jsonl``).

Does: fold text so that width, script and spaces do not matter; say whether a text holds a gold span;
pick the two baseline sentences of a passage (most character bigrams shared with the question; closest
e5 sentence vector); sum per-question outcomes into one typed result, ``AnswerScores``.

Does not: retrieve, answer or read files — ``qa.lab.evaluation`` runs the service and hands each
question's answer and top passage here. The top passage is the answer's first citation (the
passage the answer comes from, else the first ranked), so the answer, the ceiling and both
baselines read the same passage of the same run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qa.errors import EvalSetError
from qa.lang.tokenize import normalise


def fold(text: str) -> str:
    """The form in which answers and gold spans are compared: full-width as half-width (NFKC),
    Traditional as Simplified (opencc), lower case, no whitespace.

    >>> fold("駐地 協調員ＡＢＣ　１２")
    '驻地协调员abc12'
    """
    return "".join(normalise(text).split())


def holds_span(text: str, spans: tuple[str, ...]) -> bool:
    """Whether ``text`` holds one of the gold ``spans``, folded (empty spans never match).

    >>> holds_span("它發源於英格蘭中部。", ("英格兰 中部",))
    True
    >>> holds_span("共 ３０ 人", ("30人",))
    True
    >>> holds_span("发源于威尔士", ("英格兰", ""))
    False
    """
    folded = fold(text)
    return any(f and f in folded for f in map(fold, spans))


def char_bigrams(text: str) -> set[str]:
    """The folded text's pairs of adjacent letters, digits or CJK characters (punctuation breaks a pair).

    >>> sorted(char_bigrams("雅芳河，在哪"))
    ['在哪', '芳河', '雅芳']
    """
    t = fold(text)
    return {t[i:i + 2] for i in range(len(t) - 1) if t[i].isalnum() and t[i + 1].isalnum()}


def bigram_sentence(question: str, sentences: list[str]) -> int:
    """The index of the sentence sharing the most character bigrams with ``question`` (the first on a
    tie; 0 when none shares any): baseline (a), which never abstains.

    >>> bigram_sentence("雅芳河发源于哪里", ["它很长。", "雅芳河发源于英格兰。", "河发源地。"])
    1
    """
    q = char_bigrams(question)
    shared = [len(q & char_bigrams(s)) for s in sentences]
    return int(np.argmax(shared)) if shared else 0


def closest_sentence(query_vec: np.ndarray, sentence_vecs: np.ndarray) -> int:
    """The index of the sentence vector with the highest dot product (cosine, for unit vectors) with
    the question's: baseline (b).

    >>> closest_sentence(np.array([1.0, 0.0]), np.array([[0.0, 1.0], [0.8, 0.6]]))
    1
    """
    return int(np.argmax(np.asarray(sentence_vecs) @ np.asarray(query_vec))) if len(sentence_vecs) else 0


@dataclass(frozen=True)
class Outcome:
    """One answerable question: the service's answer and the baselines, read against its gold spans."""

    id: str
    question: str
    top: str | None  # the top passage's id
    answered: str  # the service's answer ("" when it abstained)
    abstained: bool
    right: bool  # the answer holds a gold span
    ceiling: bool  # some sentence of the top passage holds one
    bigram: bool  # baseline (a)'s sentence holds one
    e5: bool  # baseline (b)'s sentence holds one


def outcome(qid: str, question: str, gold: tuple[str, ...], answer, sentences: list[str], bigram_at: int,
            e5_at: int, top: str | None) -> Outcome:
    """Score one question: ``answer`` is the service's ``Answer``; ``sentences`` the top passage's sentences;
    ``bigram_at`` and ``e5_at`` the baselines' picks among them.

    >>> from qa.answer.reply import Answer
    >>> o = outcome("q", "雅芳河发源于哪里", ("英格兰",), Answer("q", True, "没有找到", ()),
    ...             ["它很长。", "它发源于英格兰。"], 0, 1, "d1")
    >>> (o.right, o.abstained, o.ceiling, o.bigram, o.e5)
    (False, True, True, False, True)
    """
    pick = lambda i: sentences[i] if 0 <= i < len(sentences) else ""  # noqa: E731
    right = not answer.abstained and holds_span(answer.answer, gold)
    return Outcome(qid, question, top, "" if answer.abstained else answer.answer, bool(answer.abstained), right,
                   any(holds_span(s, gold) for s in sentences), holds_span(pick(bigram_at), gold),
                   holds_span(pick(e5_at), gold))


@dataclass(frozen=True)
class AnswerScores:
    """Shares over the answerable questions of one run (all from the same top passages)."""

    n: int
    accuracy: float  # the service's answer holds a gold span
    abstained: float  # the service abstained
    ceiling: float  # some sentence of the top passage holds a gold span
    bigram_baseline: float  # (a) the top passage's sentence sharing most character bigrams with the question
    e5_baseline: float  # (b) the top passage's sentence closest to the question in e5

    def to_json(self) -> dict:
        return asdict(self)


def scores(outcomes: list[Outcome]) -> AnswerScores:
    """The shares of ``outcomes`` (all 0.0 when there are none).

    >>> o = Outcome("q", "?", "d", "", True, False, True, True, False)
    >>> scores([o, Outcome("r", "?", "d", "x", False, True, True, False, True)])
    AnswerScores(n=2, accuracy=0.5, abstained=0.5, ceiling=1.0, bigram_baseline=0.5, e5_baseline=0.5)
    """
    n = len(outcomes)
    share = (lambda f: round(sum(1 for o in outcomes if f(o)) / n, 4)) if n else (lambda f: 0.0)
    return AnswerScores(n, share(lambda o: o.right), share(lambda o: o.abstained), share(lambda o: o.ceiling),
                        share(lambda o: o.bigram), share(lambda o: o.e5))


def load_answers(path: Path) -> dict[str, tuple[str, ...]]:
    """``answers.jsonl`` (``{"id", "answers": [...]}`` per line) as question id -> gold spans."""
    out = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out[str(d.get("_id", d.get("id")))] = tuple(str(a) for a in d["answers"] if str(a).strip())
        except (ValueError, KeyError, TypeError, AttributeError):
            raise EvalSetError(f"{path}:{n}: expected {{\"id\", \"answers\": [...]}}; fix or remove the line") from None
    return out
