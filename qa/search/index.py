"""Build, save and load the search index of a corpus.

Layout of an index folder::

    index/E-2020-54/
      CURRENT             -> name of the live version folder (swapped atomically)
      v-<time>-<pid>/
        manifest.json     format version, encoder id, dimension, corpus hash, lexicon name, counts
        chunks.jsonl      the chunks, row i = FAISS row i
        dense.faiss       inner-product FAISS index over L2-normalised chunk vectors
        sentences.npy     vectors of every sentence (for picking the answer sentence)
        sentences.json    [[chunk row, start, end], ...] per sentence row
        facts.json        what each sentence holds (``qa.ingest.facts.SentenceFacts``), per sentence row
        lexical.json      BM25 postings per lexical variant + jieba vocabulary + names
        lexicon.json      the domain lexicon the index was built with (``qa.lang.lexicon``)
        library.json      the catalog of the documents indexed (a library's index only: qa.search.library)

A build writes a new version folder, then replaces ``CURRENT`` with
``os.replace``: a build killed midway leaves the previous index in use.
``load()`` checks the manifest and raises ``IndexUnusable`` saying why
(stale corpus, other encoder or lexicon, older format, corrupt files).

The lexicon (the union of the indexed documents' lexicons, or the one a setting names) decides
which words jieba keeps whole, which English terms an English question gains, and which
bodies and cities are known; it is stored with the index, so ``load()`` gets it back.

Invariant: inner product equals cosine similarity, because every vector is L2-normalised.
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.search.bm25 import BM25
from qa.ingest.document import Chunk
from qa.ingest.facts import SentenceFacts, sentence_facts
from qa.errors import IndexMissing, IndexUnusable, LexiconError
from qa.lang.text import split_sentences
from qa.lang.lexicon import Lexicon
from qa.lang.names import Names
from qa.lang.tokenize import VARIANTS, Segmenter, dense_text, normalise, normalised, tokens
from qa.encode.vector_cache import VectorCache

if TYPE_CHECKING:
    import faiss

    from qa.encode.encoder import Encoder
    from qa.lang.english import Lexicon as EnglishWords

log = logging.getLogger(__name__)

# 17: each sentence's facts (facts.json); 16: the domain lexicon chosen per corpus, stored with the index;
# 15: int8 vectors in 7 bits, one text per run
FORMAT = 17  # 14: 大会, 秘书处 name the General Assembly, the Secretariat; 13: the cover is a kind; 12: dense_text
BATCH = 16


@dataclass(frozen=True)
class Manifest:
    format: int
    encoder: str
    dim: int
    corpus_hash: str
    chunks: int
    sentences: int
    built_at: str
    build_seconds: float
    lexicon: str = ""  # the lexicon's name ("un", "" for none): ``Lexicon.name``

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Manifest":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k != "lexicon" or k in data})


@dataclass
class Index:
    manifest: Manifest
    chunks: list[Chunk]
    dense: faiss.Index
    sentence_vecs: np.ndarray  # (n_sentences, dim)
    sentence_spans: list[tuple[int, int, int]]  # sentence row -> (chunk row, start, end)
    lexical: dict[str, BM25]  # variant -> BM25
    segmenter: Segmenter
    names: Names = field(default_factory=Names)  # countries and bodies, for abstaining
    documents: list[dict] = field(default_factory=list)  # the catalog (qa.search.library), [] for a corpus
    vectors_reused: int = 0  # set by build(): vectors taken from the cache, and texts the encoder had to encode
    vectors_encoded: int = 0
    lexicon: Lexicon = field(default_factory=Lexicon.empty)  # the domain lexicon it was built with
    facts: list[SentenceFacts] = field(default_factory=list)  # sentence row -> what it holds (read at build time)

    @cached_property
    def by_name(self) -> dict[str, dict]:
        """Document name (the chunk ids' prefix) -> its catalog entry."""
        return {d["name"]: d for d in self.documents}

    def doc_of(self, chunk: Chunk) -> dict:
        """``{"id", "title", "file"}`` of the chunk's document (id and file null outside a library)."""
        d = self.by_name.get(chunk.doc)
        if d is None:
            return {"id": None, "title": chunk.doc or None, "file": None}
        return {"id": d["id"], "title": d["title"], "file": d["file"]}

    @cached_property
    def normalised_texts(self) -> list[str]:
        """Each chunk's text, normalised (Simplified, half-width, lower case)."""
        return [normalise(c.text) for c in self.chunks]

    @cached_property
    def plain_text(self) -> str:
        """Every chunk's text, normalised and joined: what the report writes, for ``in`` tests."""
        return "\n".join(self.normalised_texts)

    @cached_property
    def term_uses(self) -> dict[str, int]:
        """The report's words of 4+ characters (its jieba vocabulary) and how often it writes each."""
        words = (w for w in self.segmenter.known_words() if len(w) >= 4)
        return {w: n for w in words if (n := self.plain_text.count(w))}

    @cached_property
    def terms_by_first(self) -> dict[str, tuple[str, ...]]:
        """``term_uses``' words by first character."""
        out: dict[str, list[str]] = {}
        for w in self.term_uses:
            out.setdefault(w[0], []).append(w)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def english(self) -> EnglishWords:
        """English words to the report's words (``qa.lang.english``), built on the first English question."""
        from qa.lang.english import Lexicon as EnglishWords

        return EnglishWords.build(self.plain_text)

    @cached_property
    def char_idf(self) -> dict[str, float]:
        """Each Chinese character's IDF over the chunks: how much sharing it says."""
        df: dict[str, int] = {}
        for text in self.normalised_texts:
            for ch in set(text):
                if "\u3400" <= ch <= "\u9fff":
                    df[ch] = df.get(ch, 0) + 1
        n = len(self.chunks)
        return {ch: math.log(1 + (n - k + 0.5) / (k + 0.5)) for ch, k in df.items()}

    @cached_property
    def total_rows(self) -> dict[tuple[str, int | None], int]:
        """(document, table number) -> the row of that table's total (共计/总计) row."""
        out: dict[tuple[str, int | None], int] = {}
        for row, (_, total) in self.row_labels.items():
            if total:
                c = self.chunks[row]
                out.setdefault((c.doc, c.number), row)
        return out

    @cached_property
    def part_labels(self) -> dict[tuple[str, int | None], tuple[str, ...]]:
        """(document, table number) -> the words naming its part rows (国家协调 of "B. 工作方案 / 国家协调"),
        less words of the table's title (表 3 … 员额资源: 员额 is its subject, not a part)."""
        from qa.ingest.tables import is_total, label_word, read_row

        out: dict[tuple[str, int | None], list[str]] = {}
        for c in self.chunks:
            row = read_row(c.text) if c.kind == "table" else None
            if row and not is_total(row[1]):
                word = normalise(label_word(row[1]))
                if word and word not in normalise(row[0]):
                    out.setdefault((c.doc, c.number), []).append(word)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def row_labels(self) -> dict[int, tuple[str, bool]]:
        """Table row chunk -> the words naming its row (``label_word``, normalised) and whether it is a total."""
        from qa.ingest.tables import is_total, label_word, read_row

        out: dict[int, tuple[str, bool]] = {}
        for i, c in enumerate(self.chunks):
            row = read_row(c.text) if c.kind == "table" else None
            if row:
                out[i] = normalise(label_word(row[1])), is_total(row[1])
        return out

    def country_form(self, name: str) -> str:
        """The name of country ``name`` (any of its names) the report writes most, the shorter on a tie;
        worked out once per name."""
        if name not in self._country_forms:
            self._country_forms[name] = max(self.names.countries.get(name, (name,)),
                                            key=lambda n: (self.plain_text.count(n), -len(n)))
        return self._country_forms[name]

    @cached_property
    def _country_forms(self) -> dict[str, str]:
        return {}

    def names_part(self, query_norm: str, chunk: Chunk) -> bool:
        """Whether a question names a part row of ``chunk``'s table: then its 一共/总共 is that row's total."""
        return any(w in query_norm for w in self.part_labels.get((chunk.doc, chunk.number), ()))

    @cached_property
    def sentence_texts(self) -> list[str]:
        """Sentence row -> its text."""
        return [self.chunks[row].text[a:b] for row, a, b in self.sentence_spans]

    def warm(self) -> None:
        """Read every passage, sentence and three-sentence window once (normalised, and the names in them), as
        answering reads them, and build the English lexicon: a server's first questions then cost what later
        ones do (about 0.4 s, once, at the start; a one-shot ``qa ask`` skips it)."""
        self.english  # built on first use
        for row, chunk in enumerate(self.chunks):
            texts = [self.sentence_texts[s] for s in self.sentences_of(row)]
            windows = ("".join(texts[max(0, j - 1):j + 2]) for j in range(len(texts)))
            for text in (chunk.text + (chunk.section or ""), *texts, *windows):
                self.names.find(normalised(text))

    def sentences_of(self, row: int) -> range:
        lo, hi = self._by_chunk[row]
        return range(lo, hi)

    def __post_init__(self) -> None:
        self._by_chunk: dict[int, tuple[int, int]] = {}
        for s, (row, _, _) in enumerate(self.sentence_spans):
            lo, hi = self._by_chunk.get(row, (s, s))
            self._by_chunk[row] = (lo, s + 1)
        for row in range(len(self.chunks)):
            self._by_chunk.setdefault(row, (0, 0))


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
    from tqdm import tqdm

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


def build(chunks: list[Chunk], encoder: Encoder, corpus_hash: str, folder: Path, progress: bool | None = None,
          sentences: bool = True, vectors: Path | None = None, documents: list[dict] | None = None,
          lexicon: Lexicon | None = None) -> Index:
    """Encode and index ``chunks`` with ``lexicon`` (default none: ``qa.ingest.corpus.corpus_lexicon`` chooses
    a corpus's), save to ``folder`` atomically, and return the index.

    ``documents`` is a library's catalog, saved in the same version (one pointer swap for both).
    ``sentences=False`` skips the sentence vectors (retrieval-only, for benchmarks):
    such an index cannot pick answer sentences, and ``Service`` rebuilds it before answering.
    """
    import faiss

    started = time.perf_counter()
    spans = sentence_spans(chunks) if sentences else []
    texts = [c.text for c in chunks]
    sents = [chunks[r].text[a:b] for r, a, b in spans]
    cache = VectorCache(vectors, encoder.id, encoder.dim)
    allv = cache.encode([dense_text(t) for t in texts + sents],
                        lambda todo: encode_passages(encoder, todo, progress))
    if cache.hits:
        log.info("%d of %d vectors reused from the cache", cache.hits, len(texts) + len(sents))
    chunk_vecs, sent_vecs = allv[: len(texts)], allv[len(texts):]

    dense = faiss.IndexFlatIP(encoder.dim)
    dense.add(chunk_vecs)

    lexicon = lexicon if lexicon is not None else Lexicon.empty()
    seg = Segmenter.full(lexicon.user_terms)
    lexical = {}
    vocab: set[str] = set()
    for variant in VARIANTS:
        docs = [tokens(lexical_text(c), variant, seg) for c in chunks]
        lexical[variant] = BM25.build(docs)
        vocab.update(t for d in docs for t in d if not t.startswith("#"))
    freq = seg.vocabulary(vocab)
    names = Names.build(lexicon)
    facts = facts_of(chunks, spans, names)
    manifest = Manifest(FORMAT, encoder.id, int(encoder.dim), corpus_hash, len(chunks), len(spans),
                        time.strftime("%Y-%m-%dT%H:%M:%S"), round(time.perf_counter() - started, 2), lexicon.name)
    _save(folder, manifest, chunks, dense, sent_vecs, spans, lexical, freq, names, lexicon, facts, documents)
    cache.save()
    index = Index(manifest, chunks, dense, sent_vecs, spans, lexical, Segmenter.from_vocabulary(freq), names,
                  list(documents or []), lexicon=lexicon, facts=facts)
    index.vectors_reused, index.vectors_encoded = cache.hits, len(texts) + len(sents) - cache.hits
    return index


def facts_of(chunks: list[Chunk], spans: list[tuple[int, int, int]], names: Names) -> list[SentenceFacts]:
    """Each sentence's facts (``qa.ingest.facts``), in sentence rows: a chunk's sentences are read together,
    since a sentence's facts take in its neighbours."""
    by_chunk: dict[int, list[tuple[int, int]]] = {}
    for row, a, b in spans:
        by_chunk.setdefault(row, []).append((a, b))
    return [f for row, own in by_chunk.items() for f in sentence_facts(chunks[row], own, names)]


def _save(folder: Path, manifest: Manifest, chunks: list[Chunk], dense: faiss.Index, sent_vecs: np.ndarray,
          spans: list[tuple[int, int, int]], lexical: dict[str, BM25], freq: dict[str, int], names: Names,
          lexicon: Lexicon, facts: list[SentenceFacts], documents: list[dict] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time: cleanup must not delete another build's files
        _write_version(folder, manifest, chunks, dense, sent_vecs, spans, lexical, freq, names, lexicon, facts,
                       documents)


def _write_version(folder: Path, manifest: Manifest, chunks: list[Chunk], dense: faiss.Index, sent_vecs: np.ndarray,
                   spans: list[tuple[int, int, int]], lexical: dict[str, BM25], freq: dict[str, int],
                   names: Names, lexicon: Lexicon, facts: list[SentenceFacts],
                   documents: list[dict] | None = None) -> None:
    import faiss

    version = f"v-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = folder / f".{version}.tmp"
    tmp.mkdir()
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
        for c in chunks:
            row = c.to_json()
            row["doc"] = c.doc
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    faiss.write_index(dense, str(tmp / "dense.faiss"))
    np.save(tmp / "sentences.npy", sent_vecs)
    (tmp / "sentences.json").write_text(json.dumps(spans))
    (tmp / "facts.json").write_text(json.dumps([f.to_json() for f in facts], ensure_ascii=False), encoding="utf-8")
    lex = {"vocabulary": freq, "names": names.to_json(), "bm25": {v: b.to_json() for v, b in lexical.items()}}
    (tmp / "lexical.json").write_text(json.dumps(lex, ensure_ascii=False), encoding="utf-8")
    (tmp / "lexicon.json").write_text(json.dumps(lexicon.to_json(), ensure_ascii=False), encoding="utf-8")
    if documents is not None:
        (tmp / "library.json").write_text(json.dumps(documents, ensure_ascii=False, indent=1), encoding="utf-8")
    (tmp / "manifest.json").write_text(json.dumps(manifest.__dict__, indent=2))
    for p in tmp.iterdir():
        with open(p, "rb") as fh:
            os.fsync(fh.fileno())
    os.replace(tmp, folder / version)
    pointer = folder / f".CURRENT.{os.getpid()}"
    pointer.write_text(version + "\n")
    os.replace(pointer, folder / "CURRENT")  # the atomic switch
    for old in folder.iterdir():  # clear older versions and leftovers of killed builds
        if old.name not in (version, "CURRENT", ".lock") and old.name.startswith(("v-", ".v-", ".CURRENT.")):
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)


def read_manifest(folder: Path) -> Manifest:
    live = _live(folder)
    try:
        return Manifest.from_json(json.loads((live / "manifest.json").read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        raise _unusable(folder, "index manifest is missing or corrupt") from None


def _unusable(folder: Path, problem: str) -> IndexUnusable:
    """The error for an index that must be rebuilt: ``problem`` alone is what a rebuild notice shows."""
    return IndexUnusable(f"{folder}: {problem}; rebuild with: qa index --rebuild", problem=problem)


def _live(folder: Path) -> Path:
    pointer = folder / "CURRENT"
    if not pointer.exists():
        raise IndexMissing(f"{folder}: no index here; build it with: qa index")
    try:
        name = pointer.read_text().strip()
    except (OSError, UnicodeDecodeError):
        raise _unusable(folder, "index pointer is unreadable") from None
    live = folder / name
    if not name or "/" in name or not live.is_dir():
        raise _unusable(folder, "index pointer names a missing version")
    return live


def check(manifest: Manifest, encoder_id: str, corpus_hash: str, folder: Path, lexicon: str | None = None) -> None:
    """Raise ``IndexUnusable`` if the index was built from other inputs; ``lexicon``: the name of the lexicon
    a setting asks for ("" for none; None: whichever the corpus's documents chose, as stored)."""
    if manifest.format != FORMAT:
        raise _unusable(folder, f"index format {manifest.format} is not {FORMAT} (built by another version)")
    if manifest.encoder != encoder_id:
        raise _unusable(folder, f"index was built with encoder {manifest.encoder!r}, not {encoder_id!r}")
    if manifest.corpus_hash != corpus_hash:
        raise _unusable(folder, "index is stale (the corpus changed since it was built)")
    if lexicon is not None and manifest.lexicon != lexicon:
        raise _unusable(folder, f"index was built with lexicon {manifest.lexicon or 'none'!r}, not {lexicon or 'none'!r}")


def load(folder: Path) -> Index:
    """Load the live index in ``folder``; ``IndexUnusable`` if anything is missing or inconsistent."""
    import faiss

    manifest = read_manifest(folder)
    live = _live(folder)
    try:
        with open(live / "chunks.jsonl", encoding="utf-8") as f:
            chunks = [Chunk.from_json(json.loads(line)) for line in f if line.strip()]
        dense = faiss.read_index(str(live / "dense.faiss"))
        sent_vecs = np.load(live / "sentences.npy", allow_pickle=False)
        spans = [tuple(s) for s in json.loads((live / "sentences.json").read_text())]
        facts = [SentenceFacts.from_json(d) for d in json.loads((live / "facts.json").read_text(encoding="utf-8"))]
        lex = json.loads((live / "lexical.json").read_text(encoding="utf-8"))
        lexical = {v: BM25.from_json(d) for v, d in lex["bm25"].items()}
        freq = lex["vocabulary"]
        names = Names.from_json(lex["names"])
        lexicon = Lexicon.from_json(json.loads((live / "lexicon.json").read_text(encoding="utf-8")))
        catalog = live / "library.json"
        documents = json.loads(catalog.read_text(encoding="utf-8")) if catalog.exists() else []
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError, LexiconError) as e:
        raise _unusable(folder, f"index files are corrupt ({type(e).__name__})") from None
    if not all(len(s) == 3 and all(isinstance(x, int) for x in s) and 0 <= s[0] < len(chunks) for s in spans):
        raise _unusable(folder, "index sentence table is malformed")
    if (len(chunks) != manifest.chunks or dense.ntotal != manifest.chunks or dense.d != manifest.dim
            or len(spans) != manifest.sentences or len(facts) != manifest.sentences or sent_vecs.shape != (manifest.sentences, manifest.dim)
            or set(lexical) != set(VARIANTS) or lexicon.name != manifest.lexicon):
        raise _unusable(folder, "index files disagree with their manifest (truncated?)")
    return Index(manifest, chunks, dense, sent_vecs, spans, lexical, Segmenter.from_vocabulary(freq), names,
                 documents, lexicon=lexicon, facts=facts)


def read_documents(folder: Path) -> list[dict]:
    """The catalog saved with the live index (``[]`` when it has none), without loading the index."""
    path = _live(folder) / "library.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    except (OSError, ValueError):
        raise _unusable(folder, "library catalog is corrupt") from None


def pointer_stamp(folder: Path) -> tuple[int, int] | None:
    """``(inode, mtime ns)`` of ``CURRENT``: it changes when a build swaps the pointer (a cheap check)."""
    try:
        st = (folder / "CURRENT").stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns
