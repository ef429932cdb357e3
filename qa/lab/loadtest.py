"""A bounded load test of the server (API or chat page) against ``Service.ask`` in process, loopback only.

    python -m qa.lab.loadtest --url http://127.0.0.1:7860/ --clients 50 --total 1000            # API + in process
    python -m qa.lab.loadtest --url http://127.0.0.1:7860/ --clients 50 --total 1000 --target page
    python -m qa.lab.loadtest --url http://127.0.0.1:7860/ --clients 50 --churn LIBRARY FILE… --cycles 3

N clients ask a fixed number of questions between them, each waiting for its
answer before asking again. Every answer is compared with the answer to the
same question asked alone first, so "correct" means the same answer,
citations, scores and sources as an unloaded server gives. For the API
(``POST /api/ask``, one asyncio task per client over keep-alive connections)
the in-process run is measured in the same process: ``Service.ask`` from N
threads at once, on the index of ``QA_CORPUS``/``QA_INDEX_DIR``, its answers
checked the same way and against the server's. The two alternate in blocks
(``--rounds``, 5 by default), so that what else the machine runs weighs on
both alike. ``ratio`` is API throughput over in-process throughput: what the
HTTP layer costs.

``--churn LIBRARY FILE…``: the clients ask through the API without pause while this process adds the files
to the server's library and removes them again (``--cycles`` times, each change followed by a pause). Every
answer must be a 200 whose cited documents all belong to one version of the library (the catalogs the
changes made, and the one before): ``errors`` counts the others.

Reports latency p50/p95 and throughput. The load generator shares the
machine with the server, so on 2 cores its own work is part of the cost.
Refuses any address but loopback: this is not a tool for other people's servers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlparse

import httpx

from qa.config import from_env
from qa.encode.encoder import make_encoder
from qa.search.library import Library
from qa.serve.service import Service

QUESTIONS = [
    "驻地协调员办公室有多少核心职位",
    "2019 年两轮招聘安置了多少名新驻地协调员",
    "2021 年国家协调的估计数是多少",
    "95%的联合国国家工作队报告关系加强，这一数据的来源是什么",
    "How many resident coordinators are there?",
    "駐地協調員辦公室有多少核心職位",
    "协调税在 2019 年产生了多少资金",
    "日本在 2018 年向信托基金捐了多少钱？",
    "区域发展协调办公室有几个",
    "2019 年驻地协调员系统的收入是多少",
]


@dataclass(frozen=True)
class LoadResult:
    target: str  # "api", "page" or "in-process"
    clients: int
    questions: int
    correct: int
    errors: int
    p50_ms: float
    p95_ms: float
    throughput_qps: float
    seconds: float


def _check_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise ValueError(f"load tests only target loopback, not {host!r}")


def _shares(clients: int, total: int) -> list[int]:
    """Questions per client: ``_shares(3, 10) -> [4, 3, 3]``."""
    return [total // clients + (1 if i < total % clients else 0) for i in range(clients)]


@dataclass
class _Tally:
    """What one or more blocks of load measured: latencies (ms), outcomes, wall seconds under load."""

    latencies: list[float] = field(default_factory=list)
    correct: int = 0
    errors: int = 0
    seconds: float = 0.0

    def add(self, other: "_Tally") -> "_Tally":
        return _Tally(self.latencies + other.latencies, self.correct + other.correct,
                      self.errors + other.errors, self.seconds + other.seconds)

    def result(self, target: str, clients: int) -> LoadResult:
        xs = sorted(self.latencies)
        return LoadResult(target, clients, len(xs), self.correct, self.errors,
                          round(statistics.median(xs), 1) if xs else 0.0,
                          round(xs[int(0.95 * (len(xs) - 1))], 1) if xs else 0.0,
                          round(len(xs) / self.seconds, 2) if self.seconds else 0.0, round(self.seconds, 2))


def _threads(clients: int, total: int, make_ask, expected: dict) -> _Tally:
    """``clients`` threads, each calling its own ``make_ask()`` on its share of questions, released together."""
    per_client = _shares(clients, total)
    latencies: list[float] = []
    outcome = {"correct": 0, "errors": 0}
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def worker(i: int) -> None:
        ask = make_ask()
        start.wait()
        for j in range(per_client[i]):
            q = QUESTIONS[(i + j) % len(QUESTIONS)]
            t = time.perf_counter()
            try:
                ok = ask(q) == expected[q]
            except Exception:  # a failed request counts as an error, not a crash of the test
                ok = False
            with lock:
                latencies.append((time.perf_counter() - t) * 1000)
                outcome["correct" if ok else "errors"] += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for th in threads:
        th.start()
    start.wait()
    began = time.perf_counter()
    for th in threads:
        th.join(timeout=900)
    return _Tally(latencies, outcome["correct"], outcome["errors"], time.perf_counter() - began)


# -- in process ------------------------------------------------------------------------------------

def _unloaded(service) -> dict:
    return {q: service.ask(q).to_json() for q in QUESTIONS}  # question -> answer JSON, each asked alone


def _in_process(service, clients: int, total: int, expected: dict) -> _Tally:
    return _threads(clients, total, lambda: lambda q: service.ask(q).to_json(), expected)


def run_in_process(service, clients: int = 50, total: int = 1000) -> LoadResult:
    """``service.ask`` from ``clients`` threads, each answer compared with the one given alone."""
    return _in_process(service, clients, total, _unloaded(service)).result("in-process", clients)


# -- the API ---------------------------------------------------------------------------------------

async def _api(url: str, clients: int, total: int, key: str | None, expected: dict) -> _Tally:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    endpoint = url.rstrip("/") + "/api/ask"
    latencies: list[float] = []
    outcome = {"correct": 0, "errors": 0}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=300) as client:

        async def ask(q: str):
            r = await client.post(endpoint, json={"question": q})
            r.raise_for_status()
            return r.json()

        for q in QUESTIONS:  # each question asked alone first
            expected.setdefault(q, await ask(q))

        async def worker(i: int, n: int) -> None:
            for j in range(n):
                q = QUESTIONS[(i + j) % len(QUESTIONS)]
                t = time.perf_counter()
                try:
                    ok = await ask(q) == expected[q]
                except Exception:  # a failed request counts as an error, not a crash of the test
                    ok = False
                latencies.append((time.perf_counter() - t) * 1000)
                outcome["correct" if ok else "errors"] += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker(i, n) for i, n in enumerate(_shares(clients, total))))
        seconds = time.perf_counter() - began
    return _Tally(latencies, outcome["correct"], outcome["errors"], seconds)


def run_api(url: str, clients: int = 50, total: int = 1000, key: str | None = None,
            expected: dict | None = None) -> LoadResult:
    """``clients`` concurrent callers of ``POST /api/ask``; answers must equal ``expected`` (question -> JSON)
    when given (the in-process answers), else the server's own unloaded answers."""
    _check_loopback(url)
    return asyncio.run(_api(url, clients, total, key, dict(expected or {}))).result("api", clients)


# -- the chat page ---------------------------------------------------------------------------------

def _page_asker(url: str):
    """A function asking the page's ``/ask`` event through its own ``gradio_client.Client``."""
    from gradio_client import Client  # gradio_client: only the page's load test uses it

    client = Client(url, verbose=False)

    def ask(question: str) -> str:
        _, history = client.predict(question, [], 5, "hybrid", api_name="/ask")
        return str(history[-1])

    return ask


def run_page(url: str, clients: int = 50, total: int = 1000) -> LoadResult:
    """``clients`` concurrent ``gradio_client`` users of the chat page; replies compared as HTML."""
    _check_loopback(url)
    first = _page_asker(url)
    expected = {q: first(q) for q in QUESTIONS}
    return _threads(clients, total, lambda: _page_asker(url), expected).result("page", clients)


def compare(url: str, clients: int, total: int, key: str | None = None, service=None, rounds: int = 5) -> dict:
    """In process and through the API, ``total`` questions each, alternating in ``rounds`` blocks so that a
    change in what else the machine runs hits both alike; ``ratio`` = API / in-process throughput."""
    _check_loopback(url)
    if service is None:
        service = Service.open(from_env(), rebuild=False)
    expected = _unloaded(service)
    as_read = {q: json.loads(json.dumps(a)) for q, a in expected.items()}  # as JSON reads: lists, not tuples
    local, remote = _Tally(), _Tally()
    for block in _shares(rounds, total):
        local = local.add(_in_process(service, clients, block, expected))
        remote = remote.add(asyncio.run(_api(url, clients, block, key, dict(as_read))))
    local_r, api_r = local.result("in-process", clients), remote.result("api", clients)
    return {"in_process": asdict(local_r), "api": asdict(api_r),
            "ratio": round(api_r.throughput_qps / local_r.throughput_qps, 3) if local_r.throughput_qps else 0.0}


# -- asking while the library changes -------------------------------------------------------------------

@dataclass(frozen=True)
class ChurnResult:
    clients: int
    questions: int
    errors: int  # failed requests, and answers citing documents of no one version
    mixed: int  # of those, answers whose citations no one version holds
    versions: int  # library versions made (plus the first)
    changes: int  # adds and removes done under load
    p50_ms: float
    p95_ms: float
    seconds: float


async def _churn(url: str, clients: int, library, files: list, cycles: int, pause: float, key: str | None,
                 questions: list[str]) -> ChurnResult:
    lib = Library(library)
    encoder = make_encoder("e5")
    versions = [frozenset(d["id"] for d in lib.catalog())]
    done = threading.Event()

    def change() -> int:
        n = 0
        try:
            for _ in range(cycles):
                out = lib.add(files, encoder, progress=False)
                versions.append(frozenset(d["id"] for d in lib.catalog()))
                n += 1
                time.sleep(pause)
                for entry in out.added:
                    lib.remove(entry["id"], encoder, progress=False)
                    versions.append(frozenset(d["id"] for d in lib.catalog()))
                    n += 1
                time.sleep(pause)
        finally:
            done.set()
        return n

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    endpoint = url.rstrip("/") + "/api/ask"
    latencies: list[float] = []
    cited: list[frozenset[str]] = []
    failed = [0]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=300) as client:

        async def worker(i: int) -> None:
            j = 0
            while not done.is_set() or j == 0:
                q = questions[(i + j) % len(questions)]
                j += 1
                t = time.perf_counter()
                try:
                    r = await client.post(endpoint, json={"question": q})
                    r.raise_for_status()
                    cited.append(frozenset(c["doc"]["id"] for c in r.json()["citations"]))
                except Exception:  # a failed request counts as an error, not a crash of the test
                    failed[0] += 1
                latencies.append((time.perf_counter() - t) * 1000)

        began = time.perf_counter()
        changes, *_ = await asyncio.gather(asyncio.to_thread(change), *(worker(i) for i in range(clients)))
        seconds = time.perf_counter() - began
    mixed = sum(1 for ids in cited if not any(ids <= v for v in versions))
    xs = sorted(latencies)
    return ChurnResult(clients, len(xs), failed[0] + mixed, mixed, len(versions), int(changes or 0),
                       round(statistics.median(xs), 1) if xs else 0.0,
                       round(xs[int(0.95 * (len(xs) - 1))], 1) if xs else 0.0, round(seconds, 2))


def run_churn(url: str, library, files: list, clients: int = 50, cycles: int = 2, pause: float = 1.5,
              key: str | None = None, questions: list[str] | None = None) -> ChurnResult:
    """``clients`` callers of ``POST /api/ask`` on a server of ``library`` while ``files`` are added to it and
    removed ``cycles`` times; see the module's docstring."""
    _check_loopback(url)
    return asyncio.run(_churn(url, clients, library, list(files), cycles, pause, key, questions or QUESTIONS))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:7860/")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--total", type=int, default=1000)
    p.add_argument("--target", choices=["api", "page"], default="api",
                   help="api: /api/ask and Service.ask in process (same index, via QA_* variables); page: the chat page")
    p.add_argument("--api-key", help="bearer key, when the server has one")
    p.add_argument("--rounds", type=int, default=5, help="alternating blocks of in-process and API load")
    p.add_argument("--churn", nargs="+", metavar="PATH",
                   help="LIBRARY FILE…: add the files to the server's library and remove them while the clients ask")
    p.add_argument("--cycles", type=int, default=2, help="with --churn: add/remove cycles")
    args = p.parse_args()
    if args.churn:
        from pathlib import Path  # only --churn takes paths

        if len(args.churn) < 2:
            p.error("--churn takes the library's folder and at least one file")
        report = asdict(run_churn(args.url, Path(args.churn[0]), [Path(f) for f in args.churn[1:]], args.clients,
                                  args.cycles, key=args.api_key))
    elif args.target == "page":
        report = asdict(run_page(args.url, args.clients, args.total))
    else:
        report = compare(args.url, args.clients, args.total, args.api_key, rounds=args.rounds)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
