"""A bounded load test of the web UI: N concurrent clients, a fixed number of questions, loopback only.

    python -m qa.loadtest --url http://127.0.0.1:7860/ --clients 50 --total 1000

Each client is a ``gradio_client.Client`` calling the ``/ask`` endpoint. Every
reply is compared with the reply to the same question asked alone first, so
"answered correctly" means: the same answer, citations and sources as an
unloaded server gives. Reports latency p50/p95 and throughput.

Refuses any address but loopback: this is not a tool for other people's servers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlparse

QUESTIONS = [
    "驻地协调员办公室有多少核心职位",
    "2019 年两轮招聘安置了多少名新驻地协调员",
    "2021 年国家协调的估计数是多少",
    "95%的联合国国家工作队报告关系加强，这一数据的来源是什么",
    "How many resident coordinators are there?",
    "駐地協調員辦公室有多少核心職位",
    "协调税在 2019 年产生了多少资金",
    "联合国在火星上有多少办事处？",
    "区域发展协调办公室有几个",
    "2019 年驻地协调员系统的收入是多少",
]


@dataclass(frozen=True)
class LoadResult:
    clients: int
    questions: int
    correct: int
    errors: int
    p50_ms: float
    p95_ms: float
    throughput_qps: float
    seconds: float


def _ask(client, question: str) -> str:
    _, history = client.predict(question, [], 5, "hybrid", api_name="/ask")
    return str(history[-1])


def run(url: str, clients: int = 50, total: int = 1000) -> LoadResult:
    host = urlparse(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise ValueError(f"load tests only target loopback, not {host!r}")
    from gradio_client import Client

    first = Client(url, verbose=False)
    expected = {q: _ask(first, q) for q in QUESTIONS}  # each question asked alone
    per_client = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    latencies: list[float] = []
    outcome = {"correct": 0, "errors": 0}
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def worker(i: int) -> None:
        client = Client(url, verbose=False)
        start.wait()
        for j in range(per_client[i]):
            q = QUESTIONS[(i + j) % len(QUESTIONS)]
            t = time.perf_counter()
            try:
                reply = _ask(client, q)
                ok = reply == expected[q]
            except Exception:  # a failed request counts as an error, not a crash of the test
                ok, reply = False, None
            with lock:
                latencies.append((time.perf_counter() - t) * 1000)
                outcome["correct" if ok else "errors"] += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    began = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=900)
    seconds = time.perf_counter() - began
    latencies.sort()
    return LoadResult(clients, len(latencies), outcome["correct"], outcome["errors"],
                      round(statistics.median(latencies), 1) if latencies else 0.0,
                      round(latencies[int(0.95 * (len(latencies) - 1))], 1) if latencies else 0.0,
                      round(len(latencies) / seconds, 2), round(seconds, 1))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:7860/")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--total", type=int, default=1000)
    args = p.parse_args()
    print(json.dumps(asdict(run(args.url, args.clients, args.total)), indent=2))


if __name__ == "__main__":
    main()
