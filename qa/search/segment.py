"""One document's part of an index, built once and reused by every later version: its chunks, their vectors
and sentence vectors, and its BM25 postings per lexical variant.

Layout, under an index folder (``qa.search.index``)::

    segments/<key>/
      segment.json      format, encoder, lexicon, counts
      chunks.jsonl      the document's chunks, in order (local row i)
      vectors.npy       chunk vectors (L2-normalised float32), row i = chunk i
      sentences.npy     sentence vectors;  sentences.json  [[local chunk row, start, end], ...]
      facts.json        what each sentence holds (``qa.ingest.facts.SentenceFacts``), per sentence row
      lexical.npz       ``Postings`` per variant (``qa.search.postings``), no pickles
      vocabulary.json   the jieba words of its tokens with their counts (the question tokenizer's dictionary)

A segment's ``key`` names everything it depends on (the document's content id or its chunks' hash, the
encoder, the lexicon, the format, whether it has sentence vectors), so a key found on disk is reused as it
is: adding a document to a library builds that document's segment alone. Written to a temporary folder and
renamed, so a killed build leaves no half segment.

Does not decide which segments make an index version, or load a version (``qa.search.index``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.ingest.document import Chunk
from qa.ingest.facts import SentenceFacts, sentence_facts
from qa.lang.names import Names
from qa.lang.text import split_sentences
from qa.lang.tokenize import VARIANTS, Segmenter, dense_text, tokens
from qa.search.postings import Postings

if TYPE_CHECKING:
    from qa.encode.encoder import Encoder
    from qa.encode.vector_cache import VectorCache

BATCH = 16


@dataclass
class Segment:
    key: str
    chunks: list[Chunk]
    vectors: np.ndarray  # (len(chunks), dim)
    sentence_vecs: np.ndarray  # (len(spans), dim)
    spans: list[tuple[int, int, int]]  # sentence -> (local chunk row, start, end)
    lexical: dict[str, Postings]  # variant -> postings
    vocabulary: dict[str, int]  # jieba word -> count
    facts: list[SentenceFacts]  # sentence row -> what it holds, read once here
    encoded: int = 0  # texts the encoder had to encode for it (0 when it was read from disk)
    reused: int = 0  # vectors taken from the vector cache


def build(key: str, chunks: list[Chunk], encoder: Encoder, cache: VectorCache, seg: Segmenter, names: Names,
          sentences: bool = True, progress: bool | None = None) -> Segment:
    """Encode and tokenise ``chunks`` (one document's) and read its sentences' facts (``names``: the lexicon's
    countries and bodies): the only work proportional to a document's size."""
    spans = sentence_spans(chunks) if sentences else []
    texts = [c.text for c in chunks] + [chunks[r].text[a:b] for r, a, b in spans]
    allv = cache.encode([dense_text(t) for t in texts], lambda todo: encode_passages(encoder, todo, progress))
    reused = cache.hits  # of this call
    lexical: dict[str, Postings] = {}
    vocab: set[str] = set()
    for variant in VARIANTS:
        docs = [tokens(lexical_text(c), variant, seg) for c in chunks]
        lexical[variant] = Postings.build(docs)
        vocab.update(t for d in docs for t in d if not t.startswith("#"))
    return Segment(key, list(chunks), allv[:len(chunks)], allv[len(chunks):], spans, lexical,
                   seg.vocabulary(vocab), facts_of(chunks, spans, names), len(texts) - reused, reused)


def facts_of(chunks: list[Chunk], spans: list[tuple[int, int, int]], names: Names) -> list[SentenceFacts]:
    """Each sentence's facts (``qa.ingest.facts``), in sentence rows: a chunk's sentences are read together,
    since a sentence's facts take in its neighbours."""
    by_chunk: dict[int, list[tuple[int, int]]] = {}
    for row, a, b in spans:
        by_chunk.setdefault(row, []).append((a, b))
    return [f for row, own in by_chunk.items() for f in sentence_facts(chunks[row], own, names)]


def save(segment: Segment, folder: Path, meta: dict) -> None:
    """Write ``segment`` to ``folder/<key>`` (atomically; a segment already there is kept)."""
    final = folder / segment.key
    if final.is_dir():
        if intact(folder, segment.key, meta):
            return
        quarantine(folder, segment.key)  # a damaged copy under the same key is set aside, then replaced
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{segment.key}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
    tmp.mkdir()
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
        for c in segment.chunks:
            row = c.to_json()
            row["doc"] = c.doc
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    np.save(tmp / "vectors.npy", segment.vectors)
    np.save(tmp / "sentences.npy", segment.sentence_vecs)
    (tmp / "sentences.json").write_text(json.dumps(segment.spans))
    (tmp / "facts.json").write_text(json.dumps([f.to_json() for f in segment.facts], ensure_ascii=False),
                                    encoding="utf-8")
    arrays: dict[str, np.ndarray] = {}
    for variant, postings in segment.lexical.items():
        arrays.update(postings.arrays(variant))
    np.savez(tmp / "lexical.npz", **arrays)  # type: ignore[arg-type]
    (tmp / "vocabulary.json").write_text(json.dumps(segment.vocabulary, ensure_ascii=False), encoding="utf-8")
    sizes = {p.name: p.stat().st_size for p in tmp.iterdir()}  # a reused segment is checked against them
    (tmp / "segment.json").write_text(json.dumps({**meta, "chunks": len(segment.chunks),
                                                  "sentences": len(segment.spans), "files": sizes}))
    for p in tmp.iterdir():
        with open(p, "rb") as fh:
            os.fsync(fh.fileno())
    try:
        os.replace(tmp, final)
    except OSError:  # another build wrote the same segment first: same inputs, same files
        shutil.rmtree(tmp, ignore_errors=True)


def intact(folder: Path, key: str, meta: dict) -> dict | None:
    """The stored ``segment.json`` of ``folder/<key>`` when it was built from ``meta``'s inputs and each of its
    files has the size it was written with (a truncated or missing file shows); else None."""
    path = folder / key
    try:
        stored = json.loads((path / "segment.json").read_text())
        if any(stored.get(k) != v for k, v in meta.items()):
            return None
        files = stored["files"]
        if not files or any((path / name).stat().st_size != size for name, size in files.items()):
            return None
        return stored
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def quarantine(folder: Path, key: str) -> None:
    """Set the damaged segment ``folder/<key>`` aside (renamed, removed by the next version's cleanup), so that
    the next build writes it anew instead of reusing it."""
    try:
        os.replace(folder / key, folder / f".bad-{key}-{uuid.uuid4().hex[:8]}")
    except OSError:
        pass


def load(folder: Path, key: str, meta: dict) -> Segment:
    """The segment ``folder/<key>``; ``ValueError`` (or ``OSError``) when it is missing, damaged or other."""
    path = folder / key
    stored = json.loads((path / "segment.json").read_text())
    if any(stored.get(k) != v for k, v in meta.items()):
        raise ValueError(f"segment {key} was built from other inputs")
    with open(path / "chunks.jsonl", encoding="utf-8") as f:
        chunks = [Chunk.from_json(json.loads(line)) for line in f if line.strip()]
    vectors = np.load(path / "vectors.npy", allow_pickle=False)
    sent = np.load(path / "sentences.npy", allow_pickle=False)
    spans = [(int(r), int(a), int(b)) for r, a, b in json.loads((path / "sentences.json").read_text())]
    with np.load(path / "lexical.npz", allow_pickle=False) as data:
        lexical = {v: Postings.from_arrays(data, v) for v in VARIANTS}
    vocab = json.loads((path / "vocabulary.json").read_text(encoding="utf-8"))
    facts = [SentenceFacts.from_json(d) for d in json.loads((path / "facts.json").read_text(encoding="utf-8"))]
    if (len(chunks) != stored["chunks"] or vectors.shape[0] != len(chunks) or len(spans) != stored["sentences"]
            or sent.shape[0] != len(spans) or len(facts) != len(spans) or any(len(p.doc_len) != len(chunks) for p in lexical.values())
            or not all(0 <= r < len(chunks) for r, _, _ in spans)):
        raise ValueError(f"segment {key} is inconsistent (truncated?)")
    return Segment(key, chunks, vectors, sent, spans, lexical, vocab, facts)


def lexical_text(chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: its section heading, then its text.

    The encoder sees the text alone: on the gold set, prefixing the heading
    made dense Recall@1 drop (0.80 -> 0.75), while it helps BM25.
    """
    return f"{chunk.section}：{chunk.text}" if chunk.section and chunk.kind != "table" else chunk.text


def sentence_spans(chunks: list[Chunk]) -> list[tuple[int, int, int]]:
    """``(chunk row, start, end)`` of every sentence; a line break also ends one (figures, boxes)."""
    spans: list[tuple[int, int, int]] = []
    for row, c in enumerate(chunks):
        pos = 0
        for line in c.text.split("\n"):
            for sent in split_sentences(line):
                at = c.text.find(sent, pos)
                if at >= 0:
                    spans.append((row, at, at + len(sent)))
                    pos = at + len(sent)
    return spans


def encode_passages(encoder: Encoder, texts: list[str], progress: bool | None = None) -> np.ndarray:
    """Passage vectors of ``texts``, shortest first in batches of ``BATCH`` (little padding), with a
    progress bar in tokens/s when stderr is a terminal (or ``progress=True``)."""
    from tqdm import tqdm  # only a build that encodes needs it

    show = sys.stderr.isatty() if progress is None else progress
    counts = token_counts(encoder, texts)
    order = sorted(range(len(texts)), key=counts.__getitem__)
    out = np.zeros((len(texts), encoder.dim), np.float32)
    with tqdm(total=sum(counts), desc="Encoding", unit="tok", unit_scale=True, disable=not show,
              file=sys.stderr) as bar:
        for i in range(0, len(order), BATCH):
            rows = order[i:i + BATCH]
            out[rows] = encoder.passages([texts[r] for r in rows])
            bar.update(sum(counts[r] for r in rows))
    return out


def token_counts(encoder: Encoder, texts: list[str]) -> list[int]:
    """Tokens the encoder feeds per text (characters when it cannot say)."""
    if hasattr(encoder, "token_counts"):
        return list(encoder.token_counts(texts))
    if hasattr(encoder, "token_count"):
        return [encoder.token_count(t) for t in texts]
    return [len(t) for t in texts]

