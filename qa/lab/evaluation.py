"""The eval harness: gold questions in, metrics per retriever and per question type out.

A passage is relevant when it contains one of the question's evidence strings
once all whitespace is removed from both, so the gold set survives any change
of chunking. Retrievers compared in one run: BM25 over jieba words, over
character bigrams, over both; dense (e5); and the hybrid the service uses.
Answers are checked for the default pipeline: answer accuracy, source accuracy,
abstention precision and recall.

Writes ``report.json`` and ``report.png`` (Recall@k per retriever; accuracy per
question type) into the output folder; for a set other than ``questions.jsonl``,
``report-<set name>.json`` and ``.png``. ``run_beir`` does the retrieval part on
a BEIR folder (``corpus.jsonl``, ``queries.jsonl``, ``qrels.tsv``), and scores
answers too when the folder has ``answers.jsonl`` (gold spans; ``qa.lab.answers``),
and, asked to, answers with the gold passages left out (``qa.lab.leaveout``).
"""

from __future__ import annotations

import io
import json
import logging
import os
import random
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from qa.config import Settings
from qa.errors import EvalSetError
from qa.lab.answers import bigram_sentence, closest_sentence, load_answers, outcome
from qa.lab.answers import scores as answer_scores
from qa.lab.metrics import mean, mrr_at, ndcg_at, recall_at
from qa.lang.text import squash

log = logging.getLogger(__name__)

TYPES = ("fact", "number", "paraphrase", "source", "table", "figure", "box", "english", "traditional", "list",
         "twopart", "unanswerable")
KS = (1, 3, 5, 10)


@dataclass(frozen=True)
class Gold:
    id: str
    question: str
    answer: str
    evidence: tuple[str, ...]
    type: str
    source: str | None = None
    parts: tuple[str, ...] = ()  # list and two-part questions: every one must be in the answer
    alternatives: tuple[str, ...] = ()  # other gold answers (a BEIR folder's spans): holding one is right too
    page: int | None = None  # the physical page of the evidence, for sets about a paged document (a PDF)
    left_out: tuple[str, ...] = ()  # chunk ids never cited when it is asked: a question asked without its gold passage


@dataclass(frozen=True)
class Retriever:
    name: str
    mode: str  # dense | bm25 | hybrid
    lexical: str | None = None  # None: the service's setting
    rerank: bool = False  # the top fused passages re-ranked by the answer model's ``Ranker`` (``qa.search.rerank``)


RETRIEVERS = (
    Retriever("bm25-jieba", "bm25", "jieba"),
    Retriever("bm25-bigram", "bm25", "bigram"),
    Retriever("bm25-jieba+bigram", "bm25", "jieba+bigram"),
    Retriever("dense-e5", "dense"),
    Retriever("hybrid-fused", "hybrid"),  # BM25 and e5 fused, before re-ranking
    Retriever("hybrid", "hybrid", rerank=True),  # what qa ask uses
)


def load_gold(path: Path) -> list[Gold]:
    if not path.is_file():
        raise EvalSetError(f"{path}: no such gold set; pass --set FILE")
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            g = Gold(str(d["id"]), str(d["question"]), str(d.get("answer", "")), tuple(d.get("evidence") or ()),
                     str(d["type"]), d.get("source"), tuple(str(p) for p in d.get("parts") or ()),
                     page=int(d["page"]) if d.get("page") is not None else None)
        except (ValueError, KeyError, TypeError):
            raise EvalSetError(f"{path}:{n}: expected {{\"id\", \"question\", \"answer\", \"evidence\", \"type\"}}") from None
        if g.type not in TYPES:
            raise EvalSetError(f"{path}:{n}: unknown type {g.type!r}; use one of {', '.join(TYPES)}")
        if (g.type == "unanswerable") != (not g.evidence):
            raise EvalSetError(f"{path}:{n}: only unanswerable questions may have no evidence")
        items.append(g)
    if not items:
        raise EvalSetError(f"{path}: gold set is empty")
    return items


def relevant_rows(chunks, evidence: tuple[str, ...]) -> set[int]:
    """The chunks holding an evidence string, as parsed or as printed (evidence copied from the report
    may carry a footnote marker: "2.76 亿美元，22", which the parsed text drops)."""
    needles = [squash(e) for e in evidence]
    return {i for i, c in enumerate(chunks) if any(n in squash(c.text) or n in squash(c.printed()) for n in needles)}


def ranking_metrics(rankings: list[list[int]], relevant: list[set[int]]) -> dict[str, float]:
    out = {}
    for k in KS:
        out[f"recall@{k}"] = mean([recall_at(r, rel, k) for r, rel in zip(rankings, relevant)])
    out["mrr@10"] = mean([mrr_at(r, rel, 10) for r, rel in zip(rankings, relevant)])
    out["ndcg@10"] = mean([ndcg_at(r, rel, 10) for r, rel in zip(rankings, relevant)])
    out["n"] = len(rankings)
    return out


@dataclass
class _Prepared:
    """Per-question queries and scores, computed once and re-fused for every retriever and setting."""

    gold: list[Gold]
    queries: list = field(default_factory=list)  # qa.lang.query.Query per question, as Service.ask makes it
    scores: dict[str, list] = field(default_factory=dict)  # lexical variant -> [Scores]


def _prepare(service, gold: list[Gold]) -> _Prepared:
    from qa.search.retrieve import score  # call time: retrieval loads faiss and the encoder; importing Gold for qa train need not
    from qa.lang.tokenize import VARIANTS  # call time: with the retrieval import above it

    prep = _Prepared(gold, queries=[service.query(g.question) for g in gold])
    for variant in VARIANTS:
        prep.scores[variant] = [score(service.index, q, variant) for q in prep.queries]
    return prep


def _rank(prep: _Prepared, r: Retriever, settings: Settings, service) -> list[list[int]]:
    """The top 10 rows of each question for ``r``; re-ranking uses the ``service``'s index and model."""
    from qa.search.rerank import rerank  # call time: re-ranking loads faiss and the encoder
    from qa.search.retrieve import fuse  # call time: retrieval loads faiss and the encoder

    s = replace(settings, lexical=r.lexical or settings.lexical)
    if r.rerank:
        return [list(rerank(q, service.index, sc, fuse(sc, r.mode, s), service.model.ranker)[:10])
                for q, sc in zip(prep.queries, prep.scores[s.lexical])]
    return [list(np.argsort(-fuse(sc, r.mode, s), kind="stable")[:10]) for sc in prep.scores[s.lexical]]


def _answers(service, prep: _Prepared, settings: Settings) -> list:
    """Each question answered by ``Service.answer``: the path ``qa ask`` takes, from the same ``Query``."""
    return [service.answer(q, settings.k, settings.mode) for q in prep.queries]


def answer_correct(g: Gold, a) -> bool:
    """The answer holds the gold answer or an evidence string (whitespace ignored); for a list or
    two-part question, every one of its parts."""
    if a.abstained:
        return False
    text = squash(a.answer)
    if g.parts:
        return all(squash(p) in text for p in g.parts)
    return (any(squash(e) in text for e in g.evidence) or (bool(g.answer) and squash(g.answer) in text)
            or any(squash(a) in text for a in g.alternatives if squash(a)))


def answer_metrics(gold: list[Gold], answers: list) -> dict:
    correct = answer_correct
    answerable = [(g, a) for g, a in zip(gold, answers) if g.type != "unanswerable"]
    unanswerable = [(g, a) for g, a in zip(gold, answers) if g.type == "unanswerable"]
    sources = [(g, a) for g, a in answerable if g.type == "source" and g.source]
    abstained = [(g, a) for g, a in zip(gold, answers) if a.abstained]
    per_type = {}
    for t in TYPES:
        items = [(g, a) for g, a in zip(gold, answers) if g.type == t]
        if not items:
            continue
        if t == "unanswerable":
            per_type[t] = {"n": len(items), "abstained": mean([float(a.abstained) for _, a in items])}
        else:
            per_type[t] = {"n": len(items), "answer_accuracy": mean([float(correct(g, a)) for g, a in items])}
    return {
        "answer_accuracy": mean([float(correct(g, a)) for g, a in answerable]),
        # None where the set asks no source question (a document without footnotes): no accuracy, not 0
        "source_accuracy": mean([float(_source_ok(g, a)) for g, a in sources]) if sources else None,
        # of the answerable questions whose set gives a page: answered from a passage on that page
        "page_accuracy": mean([float(_page_ok(g, a)) for g, a in answerable if g.page is not None]),
        "paged": sum(1 for g, _ in answerable if g.page is not None),
        "abstention_recall": mean([float(a.abstained) for _, a in unanswerable]),
        "abstention_precision": (sum(1 for g, _ in abstained if g.type == "unanswerable") / len(abstained))
        if abstained else 1.0,
        "wrongly_abstained": mean([float(a.abstained) for _, a in answerable]),
        "per_type": per_type,
        "failures": [{"id": g.id, "type": g.type, "question": g.question, "abstained": a.abstained,
                      "answer": a.answer[:120], "top": a.citations[0].id if a.citations else None,
                      "reason": a.reason}
                     for g, a in answerable if not correct(g, a)]
        + [{"id": g.id, "type": g.type, "question": g.question, "abstained": False, "answer": a.answer[:120],
            "top": a.citations[0].id if a.citations else None, "reason": a.reason}
           for g, a in unanswerable if not a.abstained],
    }


def written_metrics(gold: list[Gold], answers: list) -> dict:
    """What ``qa eval --write`` reports: the share of written sentences that pass the check, and the accuracy of
    the written reply (the sentences that passed, or the extractive answer where none stands) beside the
    extractive answer's, on the same questions. ``answers`` carry their ``written`` part."""
    from qa.write.verify import strip_markers  # call time: only qa eval --write loads qa.write

    def reply(a):  # what the reader is given
        return replace(a, answer=strip_markers(a.written.text), abstained=False) if a.written.text else a

    replies = [reply(a) for a in answers]
    sentences = [s for a in answers for s in a.written.sentences if not s.refusal]
    passed = sum(s.passed for s in sentences)
    answerable = [i for i, g in enumerate(gold) if g.type != "unanswerable"]
    unanswerable = [i for i, g in enumerate(gold) if g.type == "unanswerable"]
    seconds = sorted(a.written.seconds for a in answers)
    return {
        "model": next((a.written.model for a in answers if a.written.model), None),
        "sentences": len(sentences), "passed": passed, "pass_share": passed / len(sentences) if sentences else 0.0,
        "written": sum(1 for a in answers if a.written.text),
        "fallbacks": dict(Counter(a.written.kind for a in answers if a.written.kind)),
        "dropped_for": dict(Counter(f for s in sentences for f in s.faults)),
        "answer_accuracy": mean([float(answer_correct(gold[i], replies[i])) for i in answerable]),
        "extractive_answer_accuracy": mean([float(answer_correct(gold[i], answers[i])) for i in answerable]),
        "answer_accuracy_where_written": mean([float(answer_correct(gold[i], replies[i])) for i in answerable
                                               if answers[i].written.text]),
        "abstention_recall": mean([float(replies[i].abstained) for i in unanswerable]),
        "seconds_p50": seconds[len(seconds) // 2] if seconds else 0.0,
        "seconds_max": seconds[-1] if seconds else 0.0,
        "questions": [{"id": g.id, "written": a.written.text, "fallback": a.written.fallback,
                       "sentences": [s.to_json() for s in a.written.sentences]} for g, a in zip(gold, answers)],
    }


def _page_ok(g: Gold, a) -> bool:
    """The answer comes from a passage on the gold page (the highlighted passage's ``page``).

    >>> from qa.answer.reply import Answer, Citation, Highlight
    >>> c = Citation("d#p3.1", "paragraph", None, None, 3, "…", 1.0, ())
    >>> _page_ok(Gold("q", "?", "", ("x",), "fact", page=3), Answer("?", False, "…", (c,), Highlight("d#p3.1", 0, 1)))
    True
    """
    if a.abstained or a.highlight is None:
        return False
    cited = next((c for c in a.citations if c.id == a.highlight.id), None)
    return cited is not None and cited.page == g.page


def _source_ok(g: Gold, a) -> bool:
    """The top citation's sources include the gold source.

    Compared without whitespace, and with the department's full name reduced to
    the abbreviation its footnote defines: ``经济和社会事务部(经社部)`` = ``经社部``.
    """
    if not a.citations:
        return False
    want = _canonical_source(g.source or "")
    return any(want == _canonical_source(s.text) for s in a.citations[0].sources)


def _canonical_source(text: str) -> str:
    return squash(text).replace("经济和社会事务部(经社部)", "经社部").rstrip("。")


def run_gold(path: Path, settings: Settings, out: Path, limit: int | None = None, tune: bool = False,
             service=None, writer=None) -> dict:
    from qa.serve.service import Service  # call time: at load, lab.beir_gold -> lab.evaluation -> serve.service would run 9 modules deep

    gold = load_gold(path)[:limit]
    service = service or Service.open(settings)
    prep = _prepare(service, gold)
    answerable = [i for i, g in enumerate(gold) if g.type != "unanswerable"]
    rel = [relevant_rows(service.index.chunks, gold[i].evidence) for i in answerable]
    missing = [gold[i].id for i, r in zip(answerable, rel) if not r]
    report: dict = {"set": str(path), "questions": len(gold), "answerable": len(answerable),
                    "evidence_not_found": missing, "settings": _settings_json(settings), "retrievers": {}}

    def metrics(sub: list[list[int]]) -> dict:  # sub: the answerable questions' rankings
        out: dict = ranking_metrics(sub, rel)  # and per_type below: not floats only
        out["per_type"] = {t: ranking_metrics([s for s, i in zip(sub, answerable) if gold[i].type == t],
                                              [x for x, i in zip(rel, answerable) if gold[i].type == t])
                           for t in TYPES if any(gold[i].type == t for i in answerable)}
        return out

    for r in RETRIEVERS:
        ranks = _rank(prep, r, settings, service)
        report["retrievers"][r.name] = metrics([ranks[i] for i in answerable])
    hybrid = ranks  # RETRIEVERS ends with the hybrid, what qa ask uses
    answers = _answers(service, prep, settings)
    # what the reader sees first: the answer's passage, then the hybrid order (passages re-ranked by their best sentence)
    row_of = {c.id: i for i, c in enumerate(service.index.chunks)}
    report["retrievers"]["hybrid+answer"] = metrics(
        [list(dict.fromkeys([row_of[c.id] for c in answers[i].citations] + hybrid[i]))[:10] for i in answerable])
    report["answers"] = answer_metrics(gold, answers)
    if writer is not None:  # qa eval --write: the same answers, written by the LLM and checked
        report["written"] = written_metrics(gold, writer.write_all([(a.question, a) for a in answers]))
    if tune:
        report["tuning"] = tune_settings(service, prep, settings, answerable, rel)
    write_report(report, out, name="report" if path.stem == "questions" else f"report-{path.stem}")
    return report


def tune_settings(service, prep: _Prepared, settings: Settings, answerable: list[int], rel: list[set[int]]) -> dict:
    """Grid-search fusion settings on MRR@10 (ties: Recall@1); abstention is the answer model's (qa train)."""
    grid = []
    for lexical in ("jieba", "bigram", "jieba+bigram"):
        for fusion, weights, ks in (("rrf", (0.5, 0.75, 1.0, 1.5, 2.0), (5, 10, 20, 60)),
                                    ("weighted", (2.0, 4.0, 8.0, 16.0, 32.0), (60,))):
            for w in weights:
                for k in ks:
                    s = replace(settings, lexical=lexical, fusion=fusion, dense_weight=w, rrf_k=k)
                    ranks = _rank(prep, Retriever("t", "hybrid", lexical), s, service)
                    m = ranking_metrics([ranks[i] for i in answerable], rel)
                    grid.append(({"lexical": lexical, "fusion": fusion, "dense_weight": w, "rrf_k": k}, m))
    grid.sort(key=lambda x: (-x[1]["mrr@10"], -x[1]["recall@1"]))
    best = grid[0]
    return {"best": best[0], "best_metrics": best[1], "top5": [g for g in grid[:5]]}


def run_beir(folder: Path, settings: Settings, out: Path, limit: int | None = None, sample: int | None = None,
             leave_out_gold: int | None = None) -> dict:
    """Retrieval metrics on a BEIR folder; the corpus gets its own index under index/.

    With ``answers.jsonl`` in the folder, answers too (``qa.lab.answers``): each question goes through
    ``Service.answer``; the report's ``answer_scores`` hold answer accuracy, abstained, the sentence
    ceiling and the two baselines, all on the same top passage, and ``beir-<name>-answers.jsonl`` in
    ``out`` holds every question's outcome. ``sample`` takes a fixed random sample (seed 0) of the
    questions, kept in file order. ``leave_out_gold`` asks that many of them (seed 0) again with their
    gold passages left out of what may be cited (``qa.lab.leaveout``: the index is not rebuilt) and
    reports how often the service abstains; 30 of the answers it gave are written to
    ``beir-<name>-leftout.jsonl`` for reading.
    """
    from qa.serve.service import Service  # call time: at load, lab.beir_gold -> lab.evaluation -> serve.service would run 9 modules deep

    corpus = folder / "corpus.jsonl"
    queries_path, qrels_path = folder / "queries.jsonl", folder / "qrels.tsv"
    for p in (corpus, queries_path, qrels_path):
        if not p.is_file():
            raise EvalSetError(f"{p}: missing; a BEIR folder holds corpus.jsonl, queries.jsonl and qrels.tsv")
    qrels: dict[str, set[str]] = {}
    for n, line in enumerate(qrels_path.read_text(encoding="utf-8").splitlines()):
        parts = line.split("\t")
        if len(parts) < 2 or (n == 0 and not parts[-1].strip().lstrip("-").isdigit()):
            continue  # header
        if len(parts) >= 3 and parts[-1].strip() in ("0", "-1"):
            continue
        qrels.setdefault(parts[0], set()).add(parts[1])
    queries = []
    for line in queries_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            qid = str(d.get("_id", d.get("id")))
            if qid in qrels:
                queries.append((qid, d["text"]))
    queries = queries[:limit]
    if sample is not None and sample < len(queries):
        keep = set(random.Random(0).sample(range(len(queries)), sample))
        queries = [q for i, q in enumerate(queries) if i in keep]
    answers_path = folder / "answers.jsonl"
    with_answers = answers_path.is_file()
    idx_dir = settings.index_dir or Path("index") / f"beir-{folder.name}"
    s = replace(settings, corpus=corpus, index_dir=idx_dir)
    # answering needs sentence vectors; retrieval alone does not
    service = Service.open(s, sentences=with_answers or bool(leave_out_gold))
    ids = [c.id for c in service.index.chunks]
    gold = [Gold(qid, text, "", ("x",), "fact") for qid, text in queries]
    prep = _prepare(service, gold)  # Query.make encodes each question once, as dense_text (Traditional as Simplified)
    row_of = {d: i for i, d in enumerate(ids)}
    rel = [{row_of[d] for d in qrels[qid] if d in row_of} for qid, _ in queries]
    report: dict = {"beir": str(folder), "questions": len(queries), "corpus": len(ids),
                    "settings": _settings_json(s), "retrievers": {}}
    for r in RETRIEVERS:
        report["retrievers"][r.name] = ranking_metrics(_rank(prep, r, s, service), rel)
    spans = load_answers(answers_path) if with_answers else {}
    if with_answers:
        outcomes = _answer_outcomes(service, prep, queries, spans, s)
        report["answer_scores"] = answer_scores(outcomes).to_json()
        report["answer_outcomes"] = str(out / f"beir-{folder.name}-answers.jsonl")
        _write_jsonl(out / f"beir-{folder.name}-answers.jsonl", [asdict(o) for o in outcomes])
    if leave_out_gold:
        from qa.lab.leaveout import leave_out  # call time: only --leave-out-gold runs need it

        chosen = sorted(random.Random(0).sample(range(len(queries)), min(leave_out_gold, len(queries))))
        chosen = [i for i in chosen if rel[i]]  # a question whose gold passage is not in the corpus is no test
        lo = leave_out(service, [queries[i][0] for i in chosen], [prep.queries[i] for i in chosen],
                       [frozenset(rel[i]) for i in chosen], [spans.get(queries[i][0], ()) for i in chosen],
                       s.k, s.mode)
        name = out / f"beir-{folder.name}-leftout.jsonl"
        report["left_out"] = {**lo.to_json(), "sample_file": str(name)}
        _write_jsonl(name, [asdict(a) for a in lo.answered[:LEFT_OUT_SAMPLE]])
    write_report(report, out, name=f"beir-{folder.name}")
    return report


LEFT_OUT_SAMPLE = 30  # answers given without the gold passage, written out for reading


def _answer_outcomes(service, prep: _Prepared, queries: list[tuple[str, str]], spans: dict, settings: Settings) -> list:
    """Each answerable question answered by ``Service.answer`` and read with both baselines on its top passage
    (the answer's first citation: the passage it comes from, else the first ranked)."""
    outcomes = []
    row_of = {c.id: i for i, c in enumerate(service.index.chunks)}
    for (qid, text), q in zip(queries, prep.queries):
        gold = spans.get(qid, ())
        if not gold:
            continue  # no gold span: not an answerable question
        a = service.answer(q, settings.k, settings.mode)
        top = a.citations[0].id if a.citations else None
        rows = service.index.sentences_of(row_of[top]) if top is not None else range(0)
        sentences = [service.index.sentence_texts[j] for j in rows]
        vecs = service.index.sentence_vecs
        vecs = vecs[rows.start:rows.stop] if len(vecs) else (service.encoder.passages(sentences) if sentences
                                                             else np.zeros((0, 1)))
        outcomes.append(outcome(qid, text, gold, a, sentences, bigram_sentence(text, sentences),
                                closest_sentence(q.vector, vecs), top))
    return outcomes


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode())


def _settings_json(s: Settings) -> dict:
    out = {"encoder": s.encoder, "lexical": s.lexical, "fusion": s.fusion, "rrf_k": s.rrf_k,
           "dense_weight": s.dense_weight, "k": s.k, "model": str(s.model) if s.model else "default"}
    if s.llm is not None:  # never its key
        out["llm"] = {"url": s.llm.shown_url, "model": s.llm.model, "temperature": s.llm.temperature,
                      "max_tokens": s.llm.max_tokens, "timeout": s.llm.timeout}
    return out


def write_report(report: dict, out: Path, name: str = "report") -> None:
    """``<name>.json`` and ``<name>.png``, each written atomically."""
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write(out / f"{name}.json", json.dumps(report, ensure_ascii=False, indent=2).encode())
    try:
        import matplotlib  # noqa: F401  (the plot is optional: the eval extra)
    except ImportError:
        log.warning("no plot written: matplotlib is not installed (pip install -e '.[eval]')")
    else:
        _atomic_write(out / f"{name}.png", _plot(report))


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _plot(report: dict) -> bytes:
    import matplotlib  # matplotlib takes about 1 s to import; only the plot needs it (the eval extra)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # after matplotlib.use("Agg"), as pyplot requires

    per_type = report.get("answers", {}).get("per_type")
    fig, axes = plt.subplots(1, 2 if per_type else 1, figsize=(12 if per_type else 6, 4.5))
    ax = axes[0] if per_type else axes
    for name, m in report["retrievers"].items():
        ax.plot(KS, [m[f"recall@{k}"] for k in KS], marker="o", label=name)
    ax.set_xlabel("k")
    ax.set_ylabel("Recall@k")
    ax.set_xticks(KS)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Recall@k per retriever")
    if per_type:
        names = list(per_type)
        vals = [v.get("answer_accuracy", v.get("abstained", 0.0)) for v in per_type.values()]
        axes[1].bar(range(len(names)), vals, color="#4a7")
        axes[1].set_xticks(range(len(names)), names, rotation=35, ha="right", fontsize=8)
        axes[1].set_ylim(0, 1.02)
        axes[1].set_title("Answer accuracy per question type (unanswerable: abstained)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def table(report: dict) -> str:
    """The terminal table: one row per retriever, then the answer metrics."""
    cols = ["recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10"]
    head = f"{'retriever':<20}" + "".join(f"{c:>11}" for c in cols)
    lines = [f"{report.get('set') or report.get('beir')}: {report['questions']} questions", head, "-" * len(head)]
    for name, m in report["retrievers"].items():
        lines.append(f"{name:<20}" + "".join(f"{m[c]:>11.3f}" for c in cols))
    sc = report.get("answer_scores")
    if sc:
        lines.append("")
        lines.append(f"answers ({sc['n']} answerable, same top passage): accuracy {sc['accuracy']:.3f} · "
                     f"abstained {sc['abstained']:.3f} · sentence ceiling {sc['ceiling']:.3f}")
        lines.append(f"  baseline: most shared character bigrams {sc['bigram_baseline']:.3f} · "
                     f"e5-closest sentence {sc['e5_baseline']:.3f}")
    lo = report.get("left_out")
    if lo:
        lines.append(f"gold passage left out ({lo['n']} questions): abstained {lo['abstained']:.3f}; "
                     f"{lo['answered']} answered, sample in {lo['sample_file']}")
    a = report.get("answers")
    if a:
        lines.append("")
        src = "—" if a["source_accuracy"] is None else f"{a['source_accuracy']:.3f}"
        lines.append(f"answer accuracy {a['answer_accuracy']:.3f} · source accuracy {src} · "
                     f"abstention recall {a['abstention_recall']:.3f} · precision {a['abstention_precision']:.3f} · "
                     f"answerable wrongly abstained {a['wrongly_abstained']:.3f}")
        if a.get("paged"):
            lines.append(f"answered from the gold page: {a['page_accuracy']:.3f} of {a['paged']} questions with a page")
        for t, v in a["per_type"].items():
            val = v.get("answer_accuracy", v.get("abstained"))
            label = "abstained" if t == "unanswerable" else "answer acc"
            lines.append(f"  {t:<13} n={v['n']:<4} {label} {val:.3f}")
        fails = a.get("failures", [])
        if fails:
            lines.append(f"\nfailures ({len(fails)}), each with the answer's reason:")
        for f in fails:
            got = "abstained" if f["abstained"] else f"answered {f['answer'][:60]!r}"
            lines.append(f"  {f['id']} [{f['type']}] {f['question']}\n    {got} · top {f.get('top')}\n"
                         f"    why: {f.get('reason') or '—'}")
    w = report.get("written")
    if w:
        lines.append(f"\nwritten by {w['model']}: {w['passed']} of {w['sentences']} sentences passed the check "
                     f"({w['pass_share']:.1%}); a written reply stood for {w['written']} of {report['questions']} questions")
        lines.append(f"  answer accuracy: written reply {w['answer_accuracy']:.3f} · extractive {w['extractive_answer_accuracy']:.3f}"
                     f" · written, where one stood {w['answer_accuracy_where_written']:.3f} · unanswerable declined "
                     f"{w['abstention_recall']:.3f}")
        if w["dropped_for"]:
            lines.append("  sentences dropped for: " + ", ".join(f"{k} {v}" for k, v in sorted(w["dropped_for"].items())))
        if w["fallbacks"]:
            lines.append("  extractive answer stood instead: " + ", ".join(f"{k} {v}" for k, v in sorted(w["fallbacks"].items())))
        lines.append(f"  seconds per written answer: p50 {w['seconds_p50']:.2f}, max {w['seconds_max']:.2f}")
    if report.get("tuning"):
        lines.append(f"\nbest fusion on this set: {report['tuning']['best']} -> {report['tuning']['best_metrics']}")
    return "\n".join(lines)
