"""Settings: one frozen object. A CLI flag beats a ``QA_*`` environment variable beats the default.

Retrieval defaults (fusion weights, RRF constant) were chosen on
``eval/questions.jsonl`` with ``qa eval --tune``; the answer model's abstention
threshold lives in the model file (``qa train``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path


DEFAULT_CORPUS = Path("corpus/E-2020-54.zh.txt")
DEFAULT_ENCODER = "e5"  # multilingual-e5-small in ONNX Runtime, fp32 (qa.encode.encoder.make_encoder)
MAX_QUESTION_CHARS = 500  # longer questions are cut, with a notice


@dataclass(frozen=True)
class Settings:
    corpus: Path = DEFAULT_CORPUS
    index_dir: Path | None = None  # default: index/<corpus name>
    encoder: str = DEFAULT_ENCODER
    k: int = 5
    mode: str = "hybrid"  # hybrid | dense | bm25
    lexical: str = "bigram"  # bigram | jieba | jieba+bigram (bigram scored best on the gold set)
    fusion: str = "weighted"  # weighted | rrf
    rrf_k: int = 60  # RRF constant, when fusion == "rrf"
    dense_weight: float = 16.0  # dense cosine weight; BM25 enters scaled to max 1.0 per question
    model: Path | None = None  # answer model file; default: the one shipped in qa/data (rebuilt by qa train)
    lexicon: str | None = None  # domain lexicon ("un", "none", "a+b"); default: the corpus documents' own

    @property
    def index_path(self) -> Path:
        if self.index_dir is not None:
            return Path(self.index_dir)
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
    return s.with_(**changes)
