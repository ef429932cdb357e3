"""``qa bench``: warm latency per mode, cold start, build time, encoder throughput, peak memory.

Latency is end to end through ``Service.ask`` (encoding, search, answer
extraction), over the gold questions, on a service warmed as ``qa serve`` warms it (``Index.warm``). Cold start runs ``qa ask`` in a fresh
process against the built index. Build time builds a throwaway copy of the
index. Numbers are medians; the machine is noisy.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qa.config import Settings

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
    from qa.search import index as ix
    from qa.ingest.corpus import corpus_hash, load_corpus
    from qa.serve.service import Service

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
