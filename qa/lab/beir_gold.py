"""Question sets made from a BEIR folder with gold answers, for training and evaluating the answer model.

A BEIR folder (``corpus.jsonl``, ``queries.jsonl``, ``qrels.tsv``) with ``answers.jsonl`` (``{"id", "answers":
[...]}``, gold answer spans as in CMRC 2018) becomes ``Gold`` questions: the answer is the first gold span, the
others are kept as ``Gold.alternatives`` (an answer that holds any of them is right), and the evidence is the
sentence of the gold passage that holds a span — the same sentence unit the answer model chooses among
(``Index.sentences_of``), so training labels and "the passage holds the evidence" mean what they mean for the
report's sets. A question whose spans no sentence of its passage holds (one split across two sentences) is
left out, and counted.

Questions are dealt into folds by passage (sorted passage ids, in turn), so that no passage's questions sit on
both sides of a fold: ``{"cmrc2018-f1": [...], …}``.

With ``leave_out`` (a share), that share of the questions (chosen by a hash of their id, so the same on every
run) is also asked a second time with its gold passage left out (``Gold.left_out``), as an unanswerable question
in the same fold: what any corpus teaches about abstaining when the passage that answers is not there. A few
are answered by another passage all the same (read in ``docs/evaluation.md``: about 1 in 30): label noise the
gate learns through.

Does not read the report's sets (``qa.lab.evaluation.load_gold``) or score answers.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path

from qa.errors import EvalSetError
from qa.lab.evaluation import Gold
from qa.lang.text import squash

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BeirGold:
    sets: dict[str, list[Gold]]  # fold name -> questions
    skipped: int  # questions whose spans no single sentence of the gold passage holds


def read_lines(path: Path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as e:
        raise EvalSetError(f"{path}: unreadable ({type(e).__name__}); expected one JSON object per line") from None


def read_qrels(path: Path) -> dict[str, str]:
    """query id -> its (first) relevant passage id."""
    out: dict[str, str] = {}
    try:
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            qid, pid, *_ = line.split("\t")
            out.setdefault(qid, pid)
    except (OSError, ValueError):
        raise EvalSetError(f"{path}: unreadable; expected 'query-id<TAB>corpus-id<TAB>score' lines") from None
    return out


def beir_gold(folder: Path, index, folds: int = 4, queries: str = "queries.jsonl", leave_out: float = 0.0) -> BeirGold:
    """The folder's answerable questions as ``Gold``, dealt into ``folds`` folds by passage.

    ``index`` is the folder's corpus indexed (its chunk ids are the passage ids): the evidence sentence is
    one of its sentences. ``queries`` may name a subfolder's file (``full/queries.jsonl``); ``qrels.tsv`` and
    ``answers.jsonl`` are read beside it.
    """
    qfile = folder / queries
    base = qfile.parent
    for need in (qfile, base / "qrels.tsv", base / "answers.jsonl"):
        if not need.is_file():
            raise EvalSetError(f"{need}: missing; a BEIR folder with answers needs queries.jsonl, qrels.tsv and "
                               "answers.jsonl")
    qrels = read_qrels(base / "qrels.tsv")
    answers = {str(d["id"]): [str(a) for a in d.get("answers") or ()] for d in read_lines(base / "answers.jsonl")}
    row_of = {c.id: i for i, c in enumerate(index.chunks)}
    pids = sorted({qrels[q] for q in qrels if qrels[q] in row_of})
    fold_of = {p: i % folds for i, p in enumerate(pids)}
    name = folder.name
    sets: dict[str, list[Gold]] = {f"{name}-f{k + 1}": [] for k in range(folds)}
    skipped = 0
    for d in read_lines(qfile):
        qid, text = str(d.get("_id", d.get("id"))), str(d.get("text", ""))
        pid, spans = qrels.get(qid), answers.get(qid) or []
        if pid is None or pid not in row_of or not spans or not text.strip():
            skipped += 1
            continue
        evidence = _sentence_with(index, row_of[pid], spans)
        if evidence is None:
            skipped += 1
            continue
        gold = Gold(qid, text, spans[0], (evidence,), "fact", alternatives=tuple(spans[1:]))
        sets[f"{name}-f{fold_of[pid] + 1}"].append(gold)
        if chosen(qid, leave_out):
            sets[f"{name}-f{fold_of[pid] + 1}"].append(without_passage(gold, pid))
    log.info("%s: %d questions in %d folds, %d left out (no one sentence holds a span)",
             folder, sum(map(len, sets.values())), folds, skipped)
    return BeirGold(sets, skipped)


def chosen(qid: str, share: float) -> bool:
    """Whether question ``qid`` is among ``share`` of the questions, by a hash of its id (stable across runs).

    >>> sum(chosen(str(i), 0.25) for i in range(4000)) in range(900, 1100), chosen("7", 0.0), chosen("7", 1.0)
    (True, False, True)
    """
    return int(hashlib.sha256(qid.encode()).hexdigest()[:8], 16) < share * 0x1_0000_0000


def without_passage(gold: Gold, pid: str) -> Gold:
    """``gold`` asked without its passage ``pid``: unanswerable, unless another passage happens to answer."""
    return replace(gold, id=f"{gold.id}-left-out", answer="", evidence=(), type="unanswerable", alternatives=(),
                   left_out=(pid,))


def _sentence_with(index, row: int, spans: list[str]) -> str | None:
    """The first sentence of chunk ``row`` that holds one of ``spans`` (whitespace ignored)."""
    needles = [squash(s) for s in spans if squash(s)]
    for s in index.sentences_of(row):
        text = index.sentence_texts[s]
        if any(n in squash(text) for n in needles):
            return text
    return None
