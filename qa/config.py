"""Settings: one frozen object. A CLI flag beats a ``QA_*`` environment variable beats the default.

Retrieval defaults (fusion weights, RRF constant) were chosen on
``eval/questions.jsonl`` with ``qa eval --tune``; the answer model's abstention
threshold lives in the model file (``qa train``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from qa.errors import BadQuestion

DEFAULT_CORPUS = Path("corpus/E-2020-54.zh.txt")  # also what an empty library is seeded with
DEFAULT_LIBRARY = Path("index/library")
DEFAULT_ENCODER = "e5"  # multilingual-e5-small in ONNX Runtime, fp32 (qa.encode.encoder.make_encoder)
MAX_QUESTION_CHARS = 500  # longer questions are cut, with a notice
NO_LLM = "no LLM is set up; start with --llm URL (or QA_LLM_BASE_URL), e.g. --llm http://127.0.0.1:11434/v1 for Ollama"


@dataclass(frozen=True)
class LLMSettings:
    """An OpenAI-compatible endpoint the user runs (Ollama, vLLM, llama.cpp's server, a hosted API), for
    written answers (``qa.write``). The key comes from ``QA_LLM_API_KEY`` only and is never shown."""

    base_url: str  # http://127.0.0.1:11434/v1
    model: str | None = None  # None: the first model the endpoint lists
    api_key: str = field(default="", repr=False)
    timeout: float = 60.0  # seconds for a whole written answer; past it, the extractive answer stands
    temperature: float = 0.0
    max_tokens: int = 512
    concurrency: int = 4  # calls to the endpoint in flight at once

    @property
    def shown_url(self) -> str:
        """The base URL without any user name, password or query: what messages and logs show.

        >>> LLMSettings("https://me:pw@llm.example/v1?key=x").shown_url
        'https://llm.example/v1'
        """
        u = urlsplit(self.base_url)
        return f"{u.scheme}://{u.hostname or ''}{f':{u.port}' if u.port else ''}{u.path}"


# (setting, environment variable, type, lowest, highest, what it is)
LLM_OPTIONS = (
    ("timeout", "QA_LLM_TIMEOUT", float, 0.1, 3600.0, "a number of seconds"),
    ("temperature", "QA_LLM_TEMPERATURE", float, 0.0, 2.0, "a number"),
    ("max_tokens", "QA_LLM_MAX_TOKENS", int, 1, 100_000, "a whole number of tokens"),
    ("concurrency", "QA_LLM_CONCURRENCY", int, 1, 64, "a whole number of calls"),
)


def llm_settings(env: Mapping[str, str] | None = None, base_url: str | None = None,
                 model: str | None = None) -> "LLMSettings | None":
    """The LLM settings: ``base_url`` and ``model`` (the flags) beat ``QA_LLM_*``; None without a URL.

    >>> llm_settings({"QA_LLM_BASE_URL": "http://127.0.0.1:11434/v1", "QA_LLM_TIMEOUT": "20"}, model="qwen2.5")
    LLMSettings(base_url='http://127.0.0.1:11434/v1', model='qwen2.5', timeout=20.0, temperature=0.0, max_tokens=512, concurrency=4)
    """
    env = os.environ if env is None else env
    url = base_url or env.get("QA_LLM_BASE_URL")
    if not url:
        return None
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise BadQuestion(f"the LLM URL must be http(s)://host[:port]/path, such as http://127.0.0.1:11434/v1, not {url!r}")
    values: dict = {}
    for name, var, kind, low, high, what in LLM_OPTIONS:
        raw = env.get(var)
        if not raw:
            continue
        try:
            value = kind(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise BadQuestion(f"{var} must be {what} from {low} to {high}, not {raw!r}")
        values[name] = value
    return LLMSettings(url.rstrip("/"), model or env.get("QA_LLM_MODEL") or None, env.get("QA_LLM_API_KEY", ""),
                       **values)


@dataclass(frozen=True)
class Settings:
    corpus: Path | None = None  # a one-off corpus (file or folder); None: answer from the library
    library: Path = DEFAULT_LIBRARY  # the document library (qa.search.library), used when corpus is None
    index_dir: Path | None = None  # default: index/<corpus name>, or the library's own index folder
    encoder: str = DEFAULT_ENCODER
    k: int = 5
    mode: str = "hybrid"  # hybrid | dense | bm25
    lexical: str = "bigram"  # bigram | jieba | jieba+bigram (bigram scored best on the gold set)
    fusion: str = "weighted"  # weighted | rrf
    rrf_k: int = 60  # RRF constant, when fusion == "rrf"
    dense_weight: float = 16.0  # dense cosine weight; BM25 enters scaled to max 1.0 per question
    model: Path | None = None  # answer model file; default: the one shipped in qa/data (rebuilt by qa train)
    lexicon: str | None = None  # domain lexicon ("un", "none", "a+b"); default: the corpus documents' own
    llm: LLMSettings | None = None  # an endpoint for written answers (qa ask --write); None: extractive only

    @property
    def uses_library(self) -> bool:
        return self.corpus is None

    @property
    def corpus_path(self) -> Path:
        """The one-off corpus, else the report (what ``qa eval``, ``qa train``, ``qa bench`` read by default)."""
        return Path(self.corpus) if self.corpus is not None else DEFAULT_CORPUS

    @property
    def index_path(self) -> Path:
        if self.index_dir is not None:
            return Path(self.index_dir)
        if self.corpus is None:
            return Path(self.library) / "index"
        name = self.corpus.name.split(".")[0] or "corpus"
        return Path("index") / name

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    s = Settings()
    changes: dict = {}
    if env.get("QA_CORPUS"):
        changes["corpus"] = Path(env["QA_CORPUS"])
    if env.get("QA_LIBRARY"):
        changes["library"] = Path(env["QA_LIBRARY"])
    if env.get("QA_INDEX_DIR"):
        changes["index_dir"] = Path(env["QA_INDEX_DIR"])
    if env.get("QA_ENCODER"):
        changes["encoder"] = env["QA_ENCODER"]
    if env.get("QA_MODEL"):
        changes["model"] = Path(env["QA_MODEL"])
    if env.get("QA_MODE"):
        changes["mode"] = env["QA_MODE"]
    if env.get("QA_LEXICON"):
        changes["lexicon"] = env["QA_LEXICON"]
    changes["llm"] = llm_settings(env)
    return s.with_(**changes)
