"""Build, save and load the search index of a corpus.

Layout of an index folder::

    index/E-2020-54/
      CURRENT             -> name of the live version folder (swapped atomically)
      segments/<key>/     one document's chunks, vectors, sentence vectors and BM25 postings (``qa.search.segment``)
      v-<time>-<pid>/
        manifest.json     format version, encoder id, dimension, corpus hash, lexicon name, counts
        segments.json     the keys of its segments, in order: row i of the index is the i-th chunk of them all
        names.json        the countries and bodies known (from the lexicon)
        lexicon.json      the domain lexicon the index was built with (``qa.lang.lexicon``)
        library.json      the catalog of the documents indexed (a library's index only: qa.search.library)

A build writes the segments it lacks (a segment is keyed by its document's content and the inputs, so an
unchanged document's is reused), then a new version folder, then replaces ``CURRENT`` with ``os.replace``: a
build killed midway leaves the previous index in use. ``load()`` lays the segments end to end: the FAISS
inner-product index over their chunk vectors, their sentence vectors, and BM25 over their postings
(``qa.search.postings``: the global statistics are sums of the segments' counts).
``load()`` checks the manifest and raises ``IndexUnusable`` saying why
(stale corpus, other encoder or lexicon, older format, corrupt files).

The lexicon (the union of the indexed documents' lexicons, or the one a setting names) decides
which words jieba keeps whole, which English terms an English question gains, and which
bodies and cities are known; it is stored with the index, so ``load()`` gets it back.

Invariant: inner product equals cosine similarity, because every vector is L2-normalised.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import math
import os
import shutil
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import faiss
import numpy as np

from qa.search import segment
from qa.search.postings import Lexical
from qa.search.segment import encode_passages, lexical_text, sentence_spans, token_counts  # noqa: F401 (their old home)
from qa.ingest.document import Chunk
from qa.ingest.facts import SentenceFacts
from qa.ingest.tables import is_total, label_word, read_row
from qa.errors import IndexMissing, IndexUnusable, LexiconError, SegmentDamaged
from qa.lang.english import Lexicon as EnglishWords
from qa.lang.lexicon import Lexicon, named
from qa.lang.latin import written
from qa.lang.names import Names
from qa.lang.tokenize import VARIANTS, Segmenter, normalise, normalised
from qa.encode.vector_cache import VectorCache

if TYPE_CHECKING:
    import faiss

    from qa.encode.encoder import Encoder
    from qa.lang.english import Lexicon as EnglishWords

log = logging.getLogger(__name__)

# 22: a PDF's contents entries are not indexed, numbered headings one step above the body are headings, code listings join the text before them; 21: a PDF paragraph ending in a colon takes what it introduces, one cut mid-sentence the rest; 20: segments keyed by the lexicon's digest, an edited lexicon rebuilds them; 19: a PDF's lines under a hanging indent continue their paragraph; 18: each sentence's facts, per segment; 17: segments per document, postings in numpy; 16: the domain lexicon chosen per corpus, stored with the index;
# 15: int8 vectors in 7 bits, one text per run
FORMAT = 33  # 33: a signature or initial value (初始值 = 4) is an entry's code in any face; 32: what stands above the title of a PDF contents page (a title page's abstract) is indexed; 31: a package manual's entry (max-columns = 〈integer〉, its margin name, its description) is one PDF passage; 30: an option alone on a monospaced PDF line begins the passage of its description; 29: an HTML list is one passage, with the paragraph that introduces it; 28: a numbered PDF heading (5.1) goes under the one its number extends (第 5 节); 27: a PDF paragraph that stops on a word waiting for what follows (可以在) goes on in the next, and past a path or URL after it; 26: a contents block on a page with other text (PDF); 25: contents pages, FAQ question headings, TeX bold font names; 24: a paragraph in a monospaced face (code) goes with the text before it; 23: PDF headings in a bold face whose descriptor says a weight under 600; 14: 大会, 秘书处 name the General Assembly, the Secretariat; 13: the cover is a kind; 12: dense_text


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
    lexicon_key: str = ""  # ``Lexicon.key``: its name and a digest of its entries, to tell an edited lexicon

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Manifest":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k not in ("lexicon", "lexicon_key") or k in data})


@dataclass
class Index:
    manifest: Manifest
    chunks: list[Chunk]
    dense: faiss.Index
    sentence_vecs: np.ndarray  # (n_sentences, dim)
    sentence_spans: list[tuple[int, int, int]]  # sentence row -> (chunk row, start, end)
    lexical: dict[str, Lexical]  # variant -> BM25 over every segment's postings
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

    @cached_property
    def doc_rows(self) -> dict[str, tuple[int, int]]:
        """Document name -> the rows of its chunks, ``(first, last + 1)``: one run, as its segment lays them."""
        out: dict[str, tuple[int, int]] = {}
        runs, last = 0, None
        for row, c in enumerate(self.chunks):
            runs, last = runs + (c.doc != last), c.doc
            out[c.doc] = (out.get(c.doc, (row, row))[0], row + 1)
        return out if runs == len(out) else {}  # {}: a corpus whose documents interleave

    def rows_of(self, names: set[str]) -> np.ndarray:
        """A bool per chunk: whether it is a chunk of one of the documents ``names``."""
        only = np.zeros(len(self.chunks), dtype=bool)
        if self.chunks and not self.doc_rows:
            return np.array([c.doc in names for c in self.chunks], dtype=bool)
        for name in names:
            lo, hi = self.doc_rows.get(name, (0, 0))
            only[lo:hi] = True
        return only

    def doc_of(self, chunk: Chunk) -> dict:
        """``{"id", "title", "file"}`` of the chunk's document (id and file null outside a library)."""
        d = self.by_name.get(chunk.doc)
        if d is None:
            return {"id": None, "title": chunk.doc or None, "file": None}
        return {"id": d["id"], "title": d["title"], "file": d["file"]}

    @cached_property
    def source_rows(self) -> np.ndarray | None:
        """A bool per chunk: under a package's source code (``Chunk.in_source``); None when no chunk is."""
        rows = np.array([c.in_source() for c in self.chunks], dtype=bool)
        return rows if rows.any() else None

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
    def latin_words(self) -> frozenset[str]:
        """Every Latin word the documents write, lower case (``qa.lang.latin.written``): their passages, headings
        and footnotes (a title may name what the passages under it leave out)."""
        extra = {h for c in self.chunks for h in c.heading_path} | {c.section for c in self.chunks if c.section}
        extra |= {f.text for c in self.chunks for f in c.footnotes}
        return written(self.plain_text) | written(normalise("\n".join(sorted(extra))))

    @cached_property
    def english(self) -> EnglishWords:
        """English words to the report's words (``qa.lang.english``), built on the first English question."""
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
        self.latin_words
        self.doc_rows  # (--doc)
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


@dataclass(frozen=True)
class Part:
    """A segment an index version is made of (``qa.search.segment``): its key, and how to get its chunks when the
    segment is not on disk yet (a library reads the document's file only then)."""

    key: str
    chunks: Callable[[], list[Chunk]]


@dataclass(frozen=True)
class Written:
    """What ``write`` did: the new version's manifest, and the texts it encoded and reused."""

    manifest: Manifest
    encoded: int
    reused: int


def segment_key(ident: str, encoder: Encoder, lexicon: str, sentences: bool) -> str:
    """The segment key of a document ``ident`` (its content id, or its chunks' hash) for these inputs
    (``lexicon``: ``Lexicon.key``, its name and a digest of its entries)."""
    h = hashlib.sha256(f"{FORMAT}\n{encoder.id}\n{encoder.dim}\n{lexicon}\n{sentences}\n{ident}".encode())
    return h.hexdigest()[:24]


def chunk_parts(chunks: list[Chunk], encoder: Encoder, lexicon: str, sentences: bool) -> list[Part]:
    """``chunks`` as one part per document (runs of the same ``doc``), keyed by the hash of their content."""
    runs: list[list[Chunk]] = []
    for c in chunks:
        if runs and runs[-1][0].doc == c.doc:
            runs[-1].append(c)
        else:
            runs.append([c])
    out = []
    for run in runs:
        h = hashlib.sha256()
        for c in run:
            h.update(json.dumps([c.doc, c.to_json()], ensure_ascii=False, sort_keys=True).encode())
        out.append(Part(segment_key(h.hexdigest(), encoder, lexicon, sentences), _constant(run)))
    return out


def _constant(chunks: list[Chunk]) -> Callable[[], list[Chunk]]:
    return lambda: chunks


def segment_meta(encoder: Encoder, lexicon: Lexicon, sentences: bool) -> dict:
    return {"format": FORMAT, "encoder": encoder.id, "dim": int(encoder.dim), "lexicon": lexicon.name,
            "with_sentences": sentences}


def write(parts: list[Part], encoder: Encoder, corpus_hash: str, folder: Path, progress: bool | None = None,
          sentences: bool = True, vectors: Path | None = None, documents: list[dict] | None = None,
          lexicon: Lexicon | None = None) -> Written:
    """A new index version in ``folder`` made of ``parts``, swapped in atomically. A part whose segment is on
    disk is reused as it is (its counts read from its ``segment.json``); only the others are read, encoded
    and tokenised: adding a document costs that document, not the library."""
    started = time.perf_counter()
    lexicon = lexicon if lexicon is not None else Lexicon.empty()
    meta = segment_meta(encoder, lexicon, sentences)
    store = folder / "segments"
    cache: VectorCache | None = None
    seg: Segmenter | None = None
    names: Names | None = None
    chunks = spans = encoded = reused = 0
    for part in parts:
        counts = _segment_counts(store, part.key, meta)
        if counts is None:
            if cache is None:  # loaded once, and only when something is new
                cache, seg = VectorCache(vectors, encoder.id, encoder.dim), Segmenter.full(lexicon.user_terms)
                names = Names.build(lexicon)
            assert seg is not None and names is not None
            built = segment.build(part.key, part.chunks(), encoder, cache, seg, names, sentences, progress)
            segment.save(built, store, meta)
            counts = len(built.chunks), len(built.spans)
            encoded, reused = encoded + built.encoded, reused + built.reused
        chunks, spans = chunks + counts[0], spans + counts[1]
    if cache is not None and encoded:
        cache.save()
    manifest = Manifest(FORMAT, encoder.id, int(encoder.dim), corpus_hash, chunks, spans,
                        time.strftime("%Y-%m-%dT%H:%M:%S"), round(time.perf_counter() - started, 2), lexicon.name,
                        lexicon.key)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time: cleanup must not delete another build's files
        _write_version(folder, manifest, [p.key for p in parts], lexicon, documents)
    return Written(manifest, encoded, reused)


def _writer_alive(tmp_name: str) -> bool:
    """Whether the process that is writing the temporary segment ``.<key>.<pid>-<hex>.tmp`` still runs (a
    build killed mid-write leaves its folder behind; a running one must keep it).

    >>> _writer_alive(f".k.{os.getpid()}-ab.tmp"), _writer_alive(".k.notapid-ab.tmp")
    (True, False)
    """
    try:
        pid = int(tmp_name.rsplit(".", 2)[-2].split("-")[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:  # another user's process, alive
        return True
    return True


def _segment_counts(store: Path, key: str, meta: dict) -> tuple[int, int] | None:
    """``(chunks, sentences)`` of the segment ``key`` when it is on disk, built from these inputs, and its files
    have the sizes they were written with (``segment.intact``)."""
    stored = segment.intact(store, key, meta)
    if stored is None:
        return None
    try:
        return int(stored["chunks"]), int(stored["sentences"])
    except (KeyError, TypeError, ValueError):
        return None


def build(chunks: list[Chunk], encoder: Encoder, corpus_hash: str, folder: Path, progress: bool | None = None,
          sentences: bool = True, vectors: Path | None = None, documents: list[dict] | None = None,
          lexicon: Lexicon | None = None) -> Index:
    """Encode and index ``chunks`` with ``lexicon`` (default none: ``qa.ingest.corpus.corpus_lexicon`` chooses
    a corpus's), save to ``folder`` atomically, and return the index.

    ``documents`` is a library's catalog, saved in the same version (one pointer swap for both).
    ``sentences=False`` skips the sentence vectors (retrieval-only, for benchmarks):
    such an index cannot pick answer sentences, and ``Service`` rebuilds it before answering.
    """
    lex = lexicon if lexicon is not None else Lexicon.empty()
    parts = chunk_parts(chunks, encoder, lex.key, sentences)
    done = write(parts, encoder, corpus_hash, folder, progress, sentences, vectors, documents, lex)
    index = load(folder)
    index.vectors_reused, index.vectors_encoded = done.reused, done.encoded
    return index


def _write_version(folder: Path, manifest: Manifest, keys: list[str], lexicon: Lexicon,
                   documents: list[dict] | None = None) -> None:
    version = f"v-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:  # the segments of the version being replaced stay a while: a reader may be loading it
        kept = set(keys) | set(json.loads((_live(folder) / "segments.json").read_text()))
    except (IndexMissing, IndexUnusable, OSError, ValueError):
        kept = set(keys)
    tmp = folder / f".{version}.tmp"
    tmp.mkdir()
    (tmp / "segments.json").write_text(json.dumps(keys))
    (tmp / "names.json").write_text(json.dumps(Names.build(lexicon).to_json(), ensure_ascii=False), encoding="utf-8")
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
    store = folder / "segments"
    for old in store.iterdir() if store.is_dir() else ():  # segments no version uses, and killed writes
        if old.name not in kept and (not old.name.endswith(".tmp") or not _writer_alive(old.name)):
            shutil.rmtree(old, ignore_errors=True)


def read_manifest(folder: Path) -> Manifest:
    live = _live(folder)
    try:
        return Manifest.from_json(json.loads((live / "manifest.json").read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        raise _unusable(folder, "index manifest is missing or corrupt") from None


def _unusable(folder: Path, problem: str, kind: type[IndexUnusable] = IndexUnusable) -> IndexUnusable:
    """The error for an index that must be rebuilt: ``problem`` alone is what a rebuild notice shows."""
    return kind(f"{folder}: {problem}; rebuild with: qa index --rebuild", problem=problem)


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
    try:
        current = named(manifest.lexicon).key
    except LexiconError:  # a lexicon file no longer shipped
        current = None
    if current != manifest.lexicon_key:
        raise _unusable(folder, f"the lexicon {manifest.lexicon!r} changed since the index was built")


def load(folder: Path) -> Index:
    """Load the live index in ``folder`` (its segments laid end to end); ``IndexUnusable`` if anything is missing
    or inconsistent."""
    manifest = read_manifest(folder)
    live = _live(folder)
    try:
        if manifest.format != FORMAT:
            raise ValueError("other format")
        keys, lexicon, meta = _segments_of(live, manifest)
        segs = [_segment(folder, k, meta) for k in keys]
        names = Names.from_json(json.loads((live / "names.json").read_text(encoding="utf-8")))
        catalog = live / "library.json"
        documents = json.loads(catalog.read_text(encoding="utf-8")) if catalog.exists() else []
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError, LexiconError) as e:
        raise _unusable(folder, f"index files are corrupt ({type(e).__name__})") from None
    chunks = [c for s in segs for c in s.chunks]
    dense = faiss.IndexFlatIP(manifest.dim)
    if segs:
        dense.add(np.ascontiguousarray(np.concatenate([s.vectors for s in segs]), dtype=np.float32))
    spans: list[tuple[int, int, int]] = []
    base = 0
    for s in segs:
        spans.extend((base + r, a, b) for r, a, b in s.spans)
        base += len(s.chunks)
    sent_vecs = (np.concatenate([s.sentence_vecs for s in segs]) if segs
                 else np.zeros((0, manifest.dim), np.float32))
    freq: dict[str, int] = {}
    for s in segs:
        freq.update(s.vocabulary)
    facts = [f for s in segs for f in s.facts]
    if (len(chunks) != manifest.chunks or dense.ntotal != manifest.chunks or dense.d != manifest.dim
            or len(spans) != manifest.sentences or len(facts) != len(spans) or sent_vecs.shape != (manifest.sentences, manifest.dim)
            or lexicon.name != manifest.lexicon):
        raise _unusable(folder, "index files disagree with their manifest (truncated?)")
    lexical = {v: Lexical([s.lexical[v] for s in segs]) for v in VARIANTS}
    return Index(manifest, chunks, dense, sent_vecs, spans, lexical, Segmenter.from_vocabulary(freq), names,
                 documents, lexicon=lexicon, facts=facts)


# what reading a damaged segment raises: numpy's EOFError for a cut .npy, zipfile's for a cut .npz
SEGMENT_ERRORS = (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError, EOFError, zipfile.BadZipFile)


def _segments_of(live: Path, manifest: Manifest) -> tuple[list[str], Lexicon, dict]:
    """The live version's segment keys, its lexicon, and what each of its segments must have been built from."""
    keys = json.loads((live / "segments.json").read_text())
    lexicon = Lexicon.from_json(json.loads((live / "lexicon.json").read_text(encoding="utf-8")))
    return keys, lexicon, {"format": FORMAT, "encoder": manifest.encoder, "dim": manifest.dim, "lexicon": lexicon.name}


def _segment(folder: Path, key: str, meta: dict) -> segment.Segment:
    """Segment ``key`` of the index ``folder``; a damaged one makes the index unusable (``SegmentDamaged``: the
    rebuild first sets it aside, ``set_aside_damaged``)."""
    try:
        return segment.load(folder / "segments", key, meta)
    except SEGMENT_ERRORS as e:
        raise _unusable(folder, f"an index segment is damaged ({type(e).__name__})", SegmentDamaged) from None


def set_aside_damaged(folder: Path) -> int:
    """Before a rebuild of an index with a damaged segment (``SegmentDamaged``), or a forced one: set aside every
    segment of the live version that does not load, so the rebuild writes it anew instead of reusing it (a
    segment whose files kept their sizes passes ``segment.intact``). Returns how many; reads every segment."""
    try:
        manifest = read_manifest(folder)
        if manifest.format != FORMAT:  # another format's segments have other keys: none of them is reused anyway
            return 0
        keys, _, meta = _segments_of(_live(folder), manifest)
    except (IndexMissing, IndexUnusable, LexiconError, *SEGMENT_ERRORS):
        return 0
    bad = 0
    for key in keys if isinstance(keys, list) else ():
        try:
            segment.load(folder / "segments", key, meta)
        except SEGMENT_ERRORS as e:
            log.warning("index segment %s is damaged (%s): set aside for the rebuild", key, type(e).__name__)
            segment.quarantine(folder / "segments", str(key))
            bad += 1
    return bad


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
