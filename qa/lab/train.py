"""Fit the answer model from labelled question sets: ``qa train``.

First the passage re-ranker (``qa.search.rerank``): for every question of the training
sets the service prepares the ``Query``, fuses BM25 and e5 as ``qa ask`` does, and
each of the top ``RERANK`` fused passages is labelled 1 when it holds an evidence
string (as ``qa eval`` counts Recall@1). A linear score per passage is fitted by
the softmax loss over each question's passages (``fit_ranker``), once per set on
the other sets (out of fold) and once on all of them (shipped).

Then the sentences: every question is retrieved as ``qa ask`` does, its passages
re-ranked by the ranker fitted without its own set (so the answer model learns
from rankings as good as a new question gets); every candidate sentence of the top passages
(``qa.answer.features``) is labelled 1 when it holds the gold answer — it overlaps one
of the question's evidence strings by 8 characters or more, or holds the gold
answer inside a passage that has the evidence — and 0 otherwise (every
candidate of an unanswerable question is 0). A logistic regression on the
standardised features is fitted to those labels, each weight kept on the side
its feature can only push (``qa.answer.features.SIGNS``).

Whether to answer at all is a second, question-level model, the gate
(``qa.answer.model.Gate``, boosted trees: ``fit_gate``): it is fitted on each question's best-sentence score taken
out of fold (from a model fitted on the other sets, as a new question meets the
shipped model), with the question-level inputs of ``qa.answer.features.GATE``, to say
whether the question is answerable. The abstention threshold on its probability
is chosen out of fold too: each set's questions are scored by a gate fitted on
the other sets, and the threshold is the highest at which no more than
``MAX_WRONG_ABSTAIN`` of the answerable questions fall below it.

The reported numbers are leave-one-set-out: for each set, a model (and its
threshold, from the remaining sets alone, and its re-ranker) fitted without that
set answers it through ``Service.answer``, the same path as ``qa ask``; its
Recall@1 is given before and after re-ranking. (The other sets' candidates were
ranked by rankers that saw the held-out set's labels; its own never were.) The final model is
fitted on all sets and written, with its training sets (and their SHA-256),
features, and the leave-one-set-out results, to ``qa/data/answer_model.json``
(atomically). The index is not touched.

Does not tune retrieval (``qa eval --tune`` does).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from qa.errors import EvalSetError, ModelError
from qa.lab.evaluation import Gold, answer_metrics, load_gold
from qa.answer.features import NAMES, SIGNS, Candidate, candidates, gate_row, matrix, measures
from qa.answer.model import DEFAULT_MODEL, DEPTH, AnswerModel, Gate
from qa.search.rerank import Ranker
from qa.lang.text import squash

if TYPE_CHECKING:
    from qa.lang.query import Query
    from qa.search.retrieve import Scores
    from qa.serve.service import Service

log = logging.getLogger(__name__)

# every set that has been studied, and off-topic questions (all unanswerable) so that the model learns what a
# question from outside the report looks like. Every set here has been studied: a new headline needs a new
# blind pair, kept out of this list until its first-contact run is recorded
DEFAULT_SETS = tuple(Path("eval") / f"{n}.jsonl" for n in ("questions", "heldout", "heldout2", "heldout3", "heldout4",
                                                           *(f"blind{i}" for i in range(1, 47)), "offtopic"))
C = 1.0  # inverse regularisation strength of the logistic regression
LISTWISE = 10.0  # weight of the listwise (which sentence) loss beside the log-loss (does it answer)
# out-of-fold share of answerable questions allowed below the threshold (target: 5% at first contact; new
# writers' questions fell below it more often than held-out sets did: 6.3% against 3.8% for two pairs at 0.04)
MAX_WRONG_ABSTAIN = 0.03
# L-BFGS run to a tight optimum: the English features overlap, so the objective is flat along some directions,
# and stopping at the default tolerance left weights 0.002 apart between two fits of the same data (the same
# matrix in another memory order); at this one, 0.00002 apart, for twice the time
TIGHT = {"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-10}
OVERLAP = 8  # characters of an evidence string a sentence must share to be the answer


@dataclass
class Example:
    """One question, its candidates, their features and labels."""

    gold: Gold
    set: str  # file stem of its set
    query: Query
    cands: list[Candidate]
    x: np.ndarray  # (n candidates, n features)
    y: np.ndarray  # (n candidates,) 1 = holds the answer
    question: tuple[float, float, float]  # the gate's question-level inputs (``qa.answer.features.measures``)
    passages: "Passages | None" = None  # its retrieval, for the re-ranker


@dataclass
class Passages:
    """One question's top fused passages, what the re-ranker knows of them and which hold its evidence."""

    gold: Gold
    set: str
    query: Query
    scores: Scores
    fused: np.ndarray  # every chunk's fused score
    relevant: frozenset[int]  # rows holding an evidence string (``qa.lab.evaluation.relevant_rows``)
    x: np.ndarray  # (RERANK, len(PASSAGE)) the top fused passages' re-ranker features
    y: np.ndarray  # (RERANK,) 1 = relevant



def require_extra() -> None:
    """Fitting needs scipy and scikit-learn, which answering does not: they come with the ``train`` extra."""
    missing = [m for m in ("scipy", "sklearn") if importlib.util.find_spec(m) is None]
    if missing:
        raise ModelError(f"qa train needs {' and '.join(missing)}; install them with: pip install -e '.[train]'")

def label(g: Gold, cands: list[Candidate], index) -> np.ndarray:
    """1 for each candidate that holds ``g``'s answer (see the module docstring)."""
    y = np.zeros(len(cands))
    if g.type == "unanswerable":
        return y
    evidence = [squash(e) for e in g.evidence]
    answer = squash(g.answer)
    for i, c in enumerate(cands):
        text = index.chunks[c.chunk].text
        flat = squash(text)
        lo = len(squash(text[:c.start]))
        hi = lo + len(squash(text[c.start:c.end]))
        for e in evidence:
            at = flat.find(e)
            while at >= 0:
                if min(hi, at + len(e)) - max(lo, at) >= min(OVERLAP, len(e)):
                    y[i] = 1
                at = flat.find(e, at + 1)
        if not y[i] and len(answer) >= 2 and answer in flat[lo:hi] and any(e in flat for e in evidence):
            y[i] = 1
    return y


def left_out_rows(index, gold: Gold) -> frozenset[int]:
    """The chunk rows ``gold`` is asked without (``Gold.left_out``: a BEIR question asked without its passage)."""
    if not gold.left_out:
        return frozenset()
    return frozenset(i for i, c in enumerate(index.chunks) if c.id in gold.left_out)


def asking(service, gold: Gold):
    """The service ``gold`` is asked of: one that never cites its left-out passages, when it has any."""
    from qa.lab.leaveout import WithoutPassages  # call time: with serve.service, loads faiss and the encoder

    rows = left_out_rows(service.index, gold)
    return WithoutPassages.of(service, rows) if rows else service


def passages(service, sets: dict[str, list[Gold]], progress: bool | None = None) -> list[Passages]:
    """Every question of ``sets`` (set name -> questions) prepared and its top fused passages labelled for the
    re-ranker."""
    from qa.lab.evaluation import relevant_rows  # call time: at load, lab.train -> lab.evaluation -> serve.service would run 9 modules deep
    from qa.search.rerank import fused_order, passage_features  # call time: re-ranking loads faiss and the encoder; qa train --help need not
    from qa.lab.leaveout import masked  # call time: with serve.service, loads faiss and the encoder
    from qa.search.retrieve import fuse, score  # call time: retrieval loads faiss and the encoder; qa train --help need not

    golds = [(name, g) for name, gs in sets.items() for g in gs]
    out = []
    for name, g in tqdm(golds, desc="passages", disable=not progress if progress is not None else None,
                        leave=False):
        q = service.query(g.question)
        scores = masked(score(service.index, q, service.settings.lexical), left_out_rows(service.index, g))
        fused = fuse(scores, "hybrid", service.settings)
        rows = fused_order(fused)
        rel = frozenset(relevant_rows(service.index.chunks, g.evidence) if g.type != "unanswerable" else ())
        out.append(Passages(g, name, q, scores, fused, rel, passage_features(q, service.index, scores, fused, rows),
                            np.array([r in rel for r in rows], dtype=np.float64)))
    return out


def fit_ranker(items: list[Passages]) -> Ranker:
    """The passage re-ranker: a linear score per passage, fitted by the softmax (listwise) loss of each question
    whose evidence is among its top fused passages, + ½‖w‖², on standardised features (L-BFGS)."""
    from scipy.optimize import minimize  # scipy takes about 0.9 s to import; only fitting needs it (the train extra)

    kept = [p for p in items if p.y.any()]
    x = np.vstack([p.x for p in kept])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    zs = [(p.x - mean) / scale for p in kept]
    ts = [p.y / p.y.sum() for p in kept]

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = 0.5 * float(w @ w), w.copy()
        for z, t in zip(zs, ts):
            s = z @ w
            s = s - s.max()
            p = np.exp(s)
            p /= p.sum()
            value -= float(t @ np.log(p + 1e-12))
            grad += z.T @ (p - t)
        return value, grad

    res = minimize(objective, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 5000})
    return Ranker(mean, scale, res.x.astype(np.float64))


def out_of_fold_rankers(items: list[Passages]) -> dict[str, Ranker]:
    """For each set, the re-ranker fitted on the other sets: how a new question meets the shipped one."""
    sets = sorted({p.set for p in items})
    return {s: fit_ranker([p for p in items if p.set != s]) for s in sets}


def collect(service, items: list[Passages], rankers: dict[str, Ranker], progress: bool | None = None) -> list[Example]:
    """Every question retrieved as ``qa ask`` does, its passages re-ranked by its set's out-of-fold ranker,
    and turned into labelled candidates."""
    out = []
    for it in tqdm(items, desc="candidates", disable=not progress if progress is not None else None, leave=False):
        svc = asking(replace(service, model=replace(service.model, ranker=rankers[it.set])), it.gold)
        hits, scores = svc.hits(it.query, service.settings.k, service.settings.mode)
        cands = candidates(it.query, service.index, hits, scores)
        out.append(Example(it.gold, it.set, it.query, cands, matrix(cands), label(it.gold, cands, service.index),
                           measures(it.query, scores), it))
    return out


def recall_at_1(items: list[Passages], index, ranker: Ranker | None) -> float:
    """Recall@1 of the hybrid ranking (re-ranked by ``ranker``; fused order without one) over the questions
    whose evidence some chunk holds (``qa eval`` also counts, as misses, those whose evidence none holds)."""
    from qa.search.rerank import rerank  # call time: re-ranking loads faiss and the encoder; qa train --help need not

    kept = [p for p in items if p.relevant]
    hits = sum(int(rerank(p.query, index, p.scores, p.fused, ranker)[0]) in p.relevant for p in kept)
    return hits / len(kept) if kept else 0.0


def fit(examples: list[Example], meta: dict | None = None) -> AnswerModel:
    """A logistic regression on the candidates of ``examples`` (threshold left at 0.5), also taught to rank.

    The objective is scikit-learn's (``C`` × log-loss + ½‖w‖², intercept free) plus ``C × LISTWISE`` ×
    the listwise loss of each answerable question: −log of the softmax share its answering candidates
    get among all its candidates. The first term says whether a sentence answers (abstention); the
    second, which of a question's sentences answers best (choice), which the first alone learns only
    by the way. Minimised by L-BFGS-B with each weight kept on the side ``qa.answer.features.SIGNS`` gives it.
    """
    from scipy.optimize import minimize  # scipy takes about 0.9 s to import; only fitting needs it (the train extra)

    kept = [e for e in examples if len(e.cands)]
    x = np.vstack([e.x for e in kept])
    y = np.concatenate([e.y for e in kept])
    starts = np.cumsum([0] + [len(e.cands) for e in kept[:-1]])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    d = z.shape[1]

    bounds = [(0.0, None) if SIGNS.get(n, 0) > 0 else (None, 0.0) if SIGNS.get(n, 0) < 0 else (None, None)
              for n in NAMES] + [(None, None)]
    res = minimize(loss, np.zeros(d + 1), args=(z, y, starts), jac=True, method="L-BFGS-B", bounds=bounds,
                   options=TIGHT)
    return AnswerModel(NAMES, mean, scale, res.x[:d].astype(np.float64), float(res.x[d]), 0.5, meta or {})


def loss(w: np.ndarray, z: np.ndarray, y: np.ndarray, starts: np.ndarray) -> tuple[float, np.ndarray]:
    """``fit``'s objective and its gradient at weights ``w`` (features then intercept), for candidates ``z``
    (standardised) labelled ``y``, each question's candidates starting at ``starts``."""
    d = z.shape[1]
    group = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(y))))
    answered = np.add.reduceat(y, starts) > 0  # questions with an answering candidate
    t = z @ w[:d] + w[d]
    p = 1.0 / (1.0 + np.exp(-t))
    value = C * float(np.sum(np.logaddexp(0.0, t) - y * t)) + 0.5 * float(w[:d] @ w[:d])
    dt = C * (p - y)
    # listwise: per answerable question, log Σ_all e^t − log Σ_answering e^t
    top = np.maximum.reduceat(t, starts)
    e = np.exp(t - top[group])
    total, right = np.add.reduceat(e, starts), np.add.reduceat(e * y, starts)
    ok = answered[group]
    value += C * LISTWISE * float(np.sum(np.log(total[answered]) - np.log(right[answered])))
    dt = dt + np.where(ok, C * LISTWISE * (e / total[group] - e * y / np.where(ok, right[group], 1.0)), 0.0)
    return value, np.append(z.T @ dt + w[:d], float(np.sum(dt)))


GATE_TREES, GATE_RATE, GATE_LEAF = 200, 0.05, 10  # boosting rounds, learning rate, fewest questions a leaf holds


def fit_gate(rows: np.ndarray, answerable: np.ndarray) -> Gate:
    """The abstention gate: gradient-boosted trees (scikit-learn's ``HistGradientBoostingClassifier``, depth
    ``qa.answer.model.DEPTH``) of "the question is answerable" on the gate's inputs (``qa.answer.features.gate_row``).

    Trees, not a linear score: whether a question is answered turns on combinations (a sentence that scores
    well, yet the question's rarest term is nowhere in the report). Leave-one-set-out on 26 sets, at the
    same ≤ 5% wrongly abstained, the trees abstain on 0.86 of unanswerable questions, a logistic gate on 0.81.
    Deterministic: no subsampling, no early stopping, the same trees on any number of threads.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier  # scikit-learn takes about 2 s to import; only the gate's fit needs it (the train extra)

    fitted = HistGradientBoostingClassifier(learning_rate=GATE_RATE, max_iter=GATE_TREES, max_depth=DEPTH,
                                            min_samples_leaf=GATE_LEAF, early_stopping=False,
                                            random_state=0).fit(rows, answerable.astype(int))
    trees = [_complete(p.nodes) for (p,) in fitted._predictors]
    return Gate(float(np.ravel(fitted._baseline_prediction)[0]),
                *(np.array([t[k] for t in trees]) for k in range(4)))


def _complete(nodes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One scikit-learn tree as ``Gate`` arrays: the feature and cut of its 7 splits, its 8 leaves' values, and
    the splits' expected values;
    a leaf above ``DEPTH`` becomes splits every row passes to the left, down to copies of it."""
    inner = 2 ** DEPTH - 1
    feature, cut, mean = np.zeros(inner, dtype=np.int64), np.full(inner, np.inf), np.zeros(inner)
    leaf = np.zeros(inner + 1)

    def place(node: int, at: int) -> tuple[float, int]:  # -> (expected value, rows)
        n = nodes[node]
        if at >= inner:
            leaf[at - inner] = n["value"]
            return float(n["value"]), int(n["count"])
        if n["is_leaf"]:
            left, _ = place(node, 2 * at + 1)
            place(node, 2 * at + 2)
            mean[at] = left
            return left, int(n["count"])
        feature[at], cut[at] = n["feature_idx"], n["num_threshold"]
        (lv, lc), (rv, rc) = place(int(n["left"]), 2 * at + 1), place(int(n["right"]), 2 * at + 2)
        mean[at] = (lv * lc + rv * rc) / (lc + rc)
        return float(mean[at]), lc + rc

    place(0, 0)
    return feature, cut, leaf, mean


def threshold_for(probs: list[float]) -> float:
    """The highest threshold that leaves at most ``MAX_WRONG_ABSTAIN`` of these answerable questions below it."""
    if not probs:
        return 0.5
    p = np.sort(np.asarray(probs))
    allowed = int(np.floor(MAX_WRONG_ABSTAIN * len(p)))  # questions that may fall below
    return float(p[allowed]) - 1e-6 if allowed < len(p) else 0.0


GATE_FOLDS = 8  # the sets are dealt into this many folds for the gate's out-of-fold inputs and threshold


def gate_fold(set_name: str, sets: list[str]) -> int:
    """The fold of a set for the gate's out-of-fold work: sets dealt in turn, by name, into ``GATE_FOLDS``.

    >>> [gate_fold(s, ["a", "b", "c"]) for s in ("a", "b", "c")]
    [0, 1, 2]
    """
    return sorted(sets).index(set_name) % GATE_FOLDS


def gate_rows(examples: list[Example]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The gate's inputs for each example with candidates, from sentence scores out of fold (each fold's by a
    model fitted on the other folds, as a new question meets the shipped model), its answerability and fold.

    Folds of whole sets (``gate_fold``), not one fit per set: with a second corpus's folds beside the report's
    36 sets, one fit per set cost 40 fits of the whole model."""
    kept = [e for e in examples if len(e.cands)]
    names = sorted({e.set for e in kept})
    fold = [gate_fold(e.set, names) for e in kept]
    logits: dict[int, np.ndarray] = {}
    for f in sorted(set(fold)):
        model = fit([e for e, g in zip(kept, fold) if g != f])
        logits.update({i: model.logits(e.x) for i, (e, g) in enumerate(zip(kept, fold)) if g == f})
    rows = np.array([gate_row(logits[i], e.x, e.question) for i, e in enumerate(kept)])
    return rows, np.array([e.gold.type != "unanswerable" for e in kept]), fold


def fitted(examples: list[Example], meta: dict | None = None) -> AnswerModel:
    """The model fitted on ``examples``: sentence scores on all of them, the gate on their scores out of fold,
    and the threshold from the gate's probabilities out of fold (each set's by a gate fitted on the others)."""
    model = fit(examples, meta)
    rows, answerable, folds = gate_rows(examples)
    if len(set(folds)) < 2:
        return model
    gate = fit_gate(rows, answerable)
    probs: list[float] = []
    for f in sorted(set(folds)):
        held = np.array([t == f for t in folds])
        g = fit_gate(rows[~held], answerable[~held])
        probs += [g.probability(r) for r in rows[held & answerable]]
    return replace(model, gate=gate, threshold=threshold_for(probs))


def leave_one_set_out(services: dict[str, Service], examples: list[Example], rankers: dict[str, Ranker],
                      folds: set[str] | None = None) -> dict:
    """For each set (of ``folds``; default every set): fitted (with threshold) on the others, with the
    re-ranker fitted on the others (``rankers``), answering that set through ``Service.answer`` of its corpus
    (``services``: set name -> service); and its Recall@1, fused and re-ranked."""
    out = {}
    names = {e.set for e in examples}
    for s in sorted(names & folds if folds else names):
        held = [e for e in examples if e.set == s]
        model = replace(fitted([e for e in examples if e.set != s]), ranker=rankers[s])
        out[s] = held_out(services[s], model, held, per_type=True)
    return out


def held_out(service: Service, model: AnswerModel, held: list[Example], per_type: bool = False) -> dict:
    """How ``model`` (its re-ranker included) answers the ``held`` questions through ``service``: the answer
    metrics, Recall@1 fused and re-ranked, the counts and the threshold."""
    svc = replace(service, model=model)
    m = answer_metrics([e.gold for e in held], [asking(svc, e.gold).answer(e.query) for e in held])
    row = {k: round(v, 4) if isinstance(v, float) else v for k, v in m.items() if k not in ("failures", "per_type")}
    items = [e.passages for e in held if e.passages is not None]
    row["recall@1_fused"] = round(recall_at_1(items, service.index, None), 4)
    row["recall@1"] = round(recall_at_1(items, service.index, model.ranker), 4)
    row["retrieved"] = sum(1 for p in items if p.relevant)
    row["answerable"] = sum(1 for e in held if e.gold.type != "unanswerable")
    row["unanswerable"] = len(held) - row["answerable"]
    row["threshold"] = round(model.threshold, 4)
    if per_type:
        row["per_type"] = m["per_type"]
    return row


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Corpus:
    """One corpus to train on: its service (index) and its question sets (name -> questions)."""

    name: str
    service: Service  # over this corpus
    sets: dict[str, list[Gold]]
    files: dict[str, Path]  # set name -> its file, for the sets read from files (their SHA-256 goes in the model)


def report_corpus(service, paths: list[Path]) -> Corpus:
    """The report and its question sets, read from ``paths``."""
    return Corpus("report", service, {p.stem: load_gold(p) for p in paths}, {p.stem: p for p in paths})


def _own_service(settings, corpus: Path, name: str) -> Service:
    """A service over a training corpus other than the report: its own index (``index/<name>``, built on first
    use), its own lexicon chosen from its documents (a --lexicon given for the report is the report's), and a
    blank model."""
    from qa.serve.service import Service  # call time: at load, lab.train -> serve.service -> ... would run 9 modules deep

    own = replace(settings, corpus=corpus, index_dir=Path("index") / name, lexicon=None)
    return Service.open(own, model=AnswerModel.blank())


def beir_corpus(folder: Path, folds: int, settings, leave_out: float = 0.0) -> Corpus:
    """A BEIR folder with answers as a training corpus: its own index (``index/<folder name>``, built on first
    use), its questions (``full/queries.jsonl`` when the folder has one) in ``folds`` folds by passage; ``leave_out``
    of them also asked without their passage, as unanswerable (``qa.lab.beir_gold``)."""
    from qa.lab.beir_gold import beir_gold  # call time: only a --beir corpus reads BEIR gold

    if not (folder / "corpus.jsonl").is_file():
        raise EvalSetError(f"{folder}: no corpus.jsonl; pass --beir with a BEIR folder that has answers.jsonl")
    svc = _own_service(settings, folder / "corpus.jsonl", folder.name)
    queries = "full/queries.jsonl" if (folder / "full" / "queries.jsonl").is_file() else "queries.jsonl"
    gold = beir_gold(folder, svc.index, folds, queries, leave_out)
    return Corpus(folder.name, svc, gold.sets, {})


def document_corpus(document: Path, set_paths: list[Path], settings) -> Corpus:
    """Question sets about one document (a PDF, a Word or HTML file) as a training corpus: the document gets its
    own index (``index/<document stem>``, built on first use, with the lexicon its text calls for), and each set
    is named ``<document stem>-<set stem>`` (``texlive-zh-cn-blind1``), never the name of a report set."""
    if not document.is_file():
        raise EvalSetError(f"{document}: no such document; pass --doc SET FILE with the file the set asks about")
    svc = _own_service(settings, document, document.stem)
    names = {f"{document.stem}-{p.stem}": p for p in set_paths}
    return Corpus(document.stem, svc, {n: load_gold(p) for n, p in names.items()}, names)


def run(service, paths: list[Path], out: Path | None = None, progress: bool | None = None,
        folds: set[str] | None = None, others: tuple[Corpus, ...] = ()) -> dict:
    """Collect, report leave-one-set-out (and, with ``others``, leave-one-corpus-out) results, fit on
    everything, write the model; returns the model's meta.

    ``folds`` (set names, the files' stems) limits the leave-one-set-out report to those held-out sets: each
    costs as much as the final fit, so checking four of 36 takes about a seventh of the time. The model
    written is the same; its metadata then holds only those sets' rows.

    Numpy's BLAS and the trees' OpenMP run on one thread here, whatever the environment says: sums taken in
    another order move weights in their last digits, and through the gate's trees a fold's threshold by as
    much as 0.0075 (two BLAS threads against one); on one thread two runs give the same model."""
    from threadpoolctl import threadpool_limits  # threadpoolctl comes with scikit-learn (the train extra)

    with threadpool_limits(limits=1):
        return _run([report_corpus(service, paths), *others], out, progress, folds)


def _run(corpora: list[Corpus], out: Path | None, progress: bool | None, folds: set[str] | None) -> dict:
    import scipy  # scipy takes about 0.9 s to import; only fitting needs it (the train extra)

    out = Path(out or DEFAULT_MODEL)
    names = [s for c in corpora for s in c.sets]
    if len(set(names)) != len(names):
        raise EvalSetError("two training sets share a name; give each set file a distinct name")
    if unknown := sorted((folds or set()) - set(names)):
        raise EvalSetError(f"--fold {unknown[0]}: not one of the training sets "
                           "(name a set by its file stem, e.g. blind7)")
    by_corpus = {c.name: passages(c.service, c.sets, progress) for c in corpora}
    items = [p for ps in by_corpus.values() for p in ps]
    rankers = out_of_fold_rankers(items)
    examples = [e for c in corpora for e in collect(c.service, by_corpus[c.name], rankers, progress)]
    services = {s: c.service for c in corpora for s in c.sets}
    loso = leave_one_set_out(services, examples, rankers, folds)
    first = corpora[0].service
    meta = {
        "sets": [{"path": str(p), "sha256": _sha256(p), "questions": sum(1 for e in examples if e.set == n)}
                 for c in corpora for n, p in c.files.items()],
        "corpora": {c.name: {"sets": list(c.sets), "questions": sum(len(g) for g in c.sets.values())}
                    for c in corpora},
        "candidates": int(sum(len(e.cands) for e in examples)),
        "positives": int(sum(e.y.sum() for e in examples)),
        "C": C, "max_wrong_abstain": MAX_WRONG_ABSTAIN, "encoder": first.encoder.id,
        "scipy": scipy.__version__, "signs": "qa.answer.features.SIGNS",
        "leave_one_set_out": loso,
    }
    if len(corpora) > 1:
        meta["leave_one_corpus_out"] = leave_one_corpus_out(corpora, examples, items)
    model = replace(fitted(examples, meta), ranker=fit_ranker(items))
    write_model(model, out)
    return model.meta | {"threshold": round(model.threshold, 4), "out": str(out)}


def leave_one_corpus_out(corpora: list[Corpus], examples: list[Example], items: list[Passages]) -> dict:
    """For each corpus: the model (re-ranker, sentence scores, gate and threshold) fitted on the other corpora
    alone, answering every question of this one through ``Service.answer``: how a corpus nobody trained on meets
    the model."""
    out = {}
    for c in corpora:
        mine = set(c.sets)
        ranker = fit_ranker([p for p in items if p.set not in mine])
        model = replace(fitted([e for e in examples if e.set not in mine]), ranker=ranker)
        out[c.name] = held_out(c.service, model, [e for e in examples if e.set in mine])
        log.info("leave out %s: %s", c.name, out[c.name])
    return out


def write_model(model: AnswerModel, path: Path) -> None:
    """The model as JSON, written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(model.to_json(), f, ensure_ascii=False, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def pool(rows: dict) -> dict:
    """Leave-one-set-out figures over all sets together, each set weighted by its question counts."""
    ans = sum(m["answerable"] for m in rows.values()) or 1
    unans = sum(m["unanswerable"] for m in rows.values()) or 1
    retrieved = sum(m.get("retrieved", 0) for m in rows.values()) or 1
    return {k: sum(m.get(k, 0.0) * m.get(w, 0) for m in rows.values())
            / (ans if w == "answerable" else unans if w == "unanswerable" else retrieved)
            for k, w in (("answer_accuracy", "answerable"), ("wrongly_abstained", "answerable"),
                         ("abstention_recall", "unanswerable"), ("recall@1_fused", "retrieved"),
                         ("recall@1", "retrieved"))}


def table(meta: dict) -> str:
    """Leave-one-corpus-out results first (the headline: each corpus answered by a model that never saw it), when
    there are several corpora; then leave-one-set-out, one row per set, and the pooled figures."""
    rows = meta["leave_one_set_out"]
    width = max([14, *(len(s) + 2 for s in rows), *(len(c) + 2 for c in meta.get("leave_one_corpus_out", {}))])

    def head(first: str) -> list[str]:
        h = (f"{first:<{width}}{'answer acc':>11}{'wrongly abst.':>14}{'unans. abst.':>13}"
             f"{'R@1 fused':>10}{'R@1':>7}{'threshold':>10}")
        return [h, "-" * len(h)]

    def cell(m: dict, key: str, w: int, count: str) -> str:
        return f"{m[key]:>{w}.3f}" if m.get(count) else f"{'—':>{w}}"

    def row(name: str, m: dict) -> str:
        return (f"{name:<{width}}{cell(m, 'answer_accuracy', 11, 'answerable')}"
                f"{cell(m, 'wrongly_abstained', 14, 'answerable')}"
                f"{cell(m, 'abstention_recall', 13, 'unanswerable')}"
                f"{cell(m, 'recall@1_fused', 10, 'retrieved')}{cell(m, 'recall@1', 7, 'retrieved')}"
                f"{m['threshold']:>10.3f}")

    lines = []
    if loco := meta.get("leave_one_corpus_out"):
        lines += ["leave one corpus out: each corpus answered by a model fitted on the others alone", *head("corpus")]
        lines += [row(c, m) for c, m in loco.items()]
        lines += ["", "leave one set out"]
    lines += head("held-out set")
    lines += [row(s, m) for s, m in rows.items()]
    pooled = pool(rows)
    lines.append(f"{'all (pooled)':<{width}}{pooled['answer_accuracy']:>11.3f}{pooled['wrongly_abstained']:>14.3f}"
                 f"{pooled['abstention_recall']:>13.3f}{pooled['recall@1_fused']:>10.3f}{pooled['recall@1']:>7.3f}")
    lines.append(f"\nmodel: {len(NAMES)} features, {meta['candidates']} candidates ({meta['positives']} answers), "
                 f"threshold {meta['threshold']:.3f} -> {meta['out']}")
    return "\n".join(lines)
