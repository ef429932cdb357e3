"""``qa bench``: warm latency per mode, cold start, build time, encoder throughput, peak memory.

Latency is end to end through ``Service.ask`` (encoding, search, answer
extraction), over the gold questions, on a service warmed as ``qa serve`` warms it (``Index.warm``). Cold start runs ``qa ask`` in a fresh
process against the built index. Build time builds a throwaway copy of the
index. Numbers are medians; the machine is noisy.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qa.config import Settings
from qa.ingest.corpus import corpus_hash, load_corpus
from qa.search import index as ix
from qa.search.library import Library
from qa.serve.service import Service

SAMPLE = ["驻地协调员办公室有多少核心职位", "How many resident coordinators were appointed in 2019?",
          "2021 年国家协调的估计数是多少", "95%的联合国国家工作队报告关系加强，这一数据的来源是什么"]


def _questions(n: int) -> list[str]:
    gold = Path("eval/questions.jsonl")
    qs = [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines()
          if line.strip()] if gold.is_file() else SAMPLE
    return (qs * (n // len(qs) + 1))[:n]


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


def run(settings: Settings, n: int = 100) -> dict:
    svc = Service.open(settings)
    svc.index.warm()  # as a server does at its start (``qa serve``)
    qs = _questions(n)
    report: dict = {"questions": n, "modes": {}}
    enc = []
    for mode in ("hybrid", "dense", "bm25"):
        svc.ask(qs[0], mode=mode)  # warm
        times = []
        for q in qs:
            if mode == "hybrid":  # the question encoding alone, the floor of a warm ask, timed beside each ask:
                t = time.perf_counter()  # a noisy machine slows both alike
                svc.encoder.queries([q])
                enc.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            svc.ask(q, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
        report["modes"][mode] = {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(_pct(times, 0.95), 2)}
    report["encode_p50_ms"] = round(statistics.median(enc), 2)
    report["ask_over_encode"] = round(report["modes"]["hybrid"]["p50_ms"] / report["encode_p50_ms"], 2)
    colds = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qa.cli", "ask", SAMPLE[0], "--corpus", str(settings.corpus_path),
                        "--index-dir", str(settings.index_path), "--no-rebuild"], check=True,
                       capture_output=True)
        colds.append(time.perf_counter() - t)
    report["cold_start_s"] = round(statistics.median(colds), 3)
    texts = [c.text for c in svc.index.chunks[:64]]
    tokens = sum(svc.encoder.token_count(t) for t in texts)
    t = time.perf_counter()
    svc.encoder.passages(texts)
    report["encoder_tokens_per_s"] = round(tokens / (time.perf_counter() - t), 1)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        ix.build(load_corpus(settings.corpus_path), svc.encoder, corpus_hash(settings.corpus_path), Path(tmp) / "index",
                 progress=False, vectors=Path(tmp) / "vectors",  # an empty vector cache: every text encoded
                 lexicon=svc.index.lexicon)
        report["index_build_s"] = round(time.perf_counter() - t, 1)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report


def table(r: dict) -> str:
    lines = [f"{'mode':<8}{'p50 ms':>10}{'p95 ms':>10}"]
    for mode, m in r["modes"].items():
        lines.append(f"{mode:<8}{m['p50_ms']:>10.1f}{m['p95_ms']:>10.1f}")
    lines.append(f"encoding the question alone: p50 {r['encode_p50_ms']:.1f} ms · hybrid ask / encode = "
                 f"{r['ask_over_encode']:.2f}")
    lines.append(f"cold start (qa ask, built index): {r['cold_start_s']:.2f} s")
    lines.append(f"index build: {r['index_build_s']:.1f} s · encoder: {r['encoder_tokens_per_s']:.0f} tokens/s · "
                 f"peak memory: {r['peak_rss_mb']:.0f} MB")
    return "\n".join(lines)


def run_library(folder: Path, n: int = 100, add: tuple[Path, ...] = ()) -> dict:
    """``qa bench --library``: warm ``Service.ask`` p50/p90 over the library in ``folder`` (as built by ``qa add``),
    the process's peak resident memory (``ru_maxrss``) after loading and asking, and ``qa add`` throughput:
    the files ``add`` added to a copy of the library (its segments hard-linked: they are never rewritten)."""
    svc = Service.open(Settings(library=folder), rebuild=False)
    svc.index.warm()  # as a server does at its start (``qa serve``)
    qs = _questions(n)
    svc.ask(qs[0])
    times = []
    for q in qs:
        t = time.perf_counter()
        svc.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    report: dict = {"library": str(folder), "documents": len(svc.index.documents), "passages": len(svc.index.chunks),
                    "sentences": len(svc.index.sentence_spans), "questions": n,
                    "ask_p50_ms": round(statistics.median(times), 1), "ask_p90_ms": round(_pct(times, 0.9), 1),
                    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    if add:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "library"
            shutil.copytree(folder, copy, copy_function=os.link, ignore=shutil.ignore_patterns(".lock"))
            out = Library(copy).add(list(add), svc.encoder, progress=False)
            report["add"] = {"files": len(out.added), "pages": out.pages, "seconds": round(out.seconds, 2),
                             "pages_per_s": round(out.pages / out.seconds, 2) if out.seconds else 0.0,
                             "texts_encoded": out.written.encoded if out.written else 0,
                             "failed": [str(e) for _, e in out.failed]}
    return report


def library_table(r: dict) -> str:
    lines = [f"library {r['library']}: {r['documents']} documents, {r['passages']} passages, {r['sentences']} sentences",
             f"warm qa ask over {r['questions']} questions: p50 {r['ask_p50_ms']:.1f} ms · p90 {r['ask_p90_ms']:.1f} ms",
             f"peak memory (ru_maxrss, after loading and asking): {r['peak_rss_mb']:.0f} MB"]
    if "add" in r:
        a = r["add"]
        lines.append(f"qa add: {a['files']} files, {a['pages']} pages in {a['seconds']:.1f} s = {a['pages_per_s']:.1f} "
                     f"pages/s ({a['texts_encoded']} texts encoded)")
    return "\n".join(lines)
