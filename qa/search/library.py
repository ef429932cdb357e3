"""The document library: documents added and removed one at a time, searched as one index.

One folder (``--library`` / ``QA_LIBRARY``, default ``index/library``)::

    index/library/
      .lock                  one writer at a time (qa add, qa remove, an upload), readers never wait
      documents/<id>.json    each document's parsed form (the ``Document``, chunks and pages), written atomically
      files/<id>.pdf         a copy of each added PDF's bytes, written atomically and removed with its document:
                             what its page images are drawn from (``qa.serve.pages``); other formats keep none
      index/                 the search index over every document's chunks (``qa.search.index``): each version
        CURRENT              holds its catalog (``library.json``: id, name, title, file, pages, chunks, added,
        v-…/library.json     sha256), so the catalog and the index are swapped together by one pointer

Adding parses the new files, writes their documents, builds each new document's segment (its vectors and
BM25 postings: ``qa.search.segment``) and writes a new index version listing every document's segment, then
swaps the pointer: the other documents' segments are reused as they are, so adding costs the new document,
not the library (their files are not even read). Removing writes a version without it. A reader (``Service``) sees the old library or the
new one, never half of one. A document is its content: the same bytes added twice (``id``, the first 16 hex
digits of their SHA-256) are skipped. A PDF added before copies were kept has none (``original`` is None)
until its file is added again (skipped, but its copy kept).

An empty library is seeded with the report (``qa.config.DEFAULT_CORPUS``), so a fresh ``qa ask`` answers
from it as before. Does not parse formats itself (``parse_file`` calls the parser registry) or search
(``qa.search.retrieve``). A change of the library's lexicon (the first UN document added to others) changes
every segment's key, so that add re-tokenises every document (their vectors come from the vector cache).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import BadQuestion, CorpusError, IndexMissing
from qa.ingest.document import Chunk, Document, Page
from qa.ingest.registry import expand_paths
from qa.ingest.registry import parse_file as parse_document
from qa.lang.lexicon import Lexicon
from qa.search import index as ix

if TYPE_CHECKING:
    from qa.encode.encoder import Encoder

log = logging.getLogger(__name__)

CATALOG_FIELDS = ("id", "name", "title", "file", "parser", "pages", "chunks", "added", "sha256")


class UnknownDocument(BadQuestion):
    """A document asked for (``qa remove``, ``--doc``, the API) is not in the library (exit 2, HTTP 404/400)."""


Report = Callable[[str, Path, Any], None]  # (added | skipped | failed, file, its entry or the error message)


# -- reading a file into a Document --------------------------------------------------------------------

def parse_file(path: Path, name: str | None = None) -> Document:
    """The ``Document`` of one file: the one place the library reads a file's format, through the parser
    registry (``qa.ingest.registry.parse_file``: the parser chosen by content). A file with no text to index
    raises ``CorpusError``; every error names the file (``UnsupportedFormat`` for a format no parser reads).
    """
    doc = parse_document(Path(path), name)
    if not doc.chunks:
        raise CorpusError(f"{path}: no text found in it (a scan? only images?); add a file with text")
    return doc


def document_json(doc: Document) -> dict:
    return {"id": doc.id, "name": doc.name, "title": doc.title, "file": doc.file, "parser": doc.parser,
            "language": doc.language, "lexicon": doc.lexicon, "warnings": list(doc.warnings),
            "pages": [{"number": p.number, "label": p.label, "text": p.text, "has_text_layer": p.has_text_layer}
                      for p in doc.pages],
            "chunks": [c.to_json() for c in doc.chunks]}


def document_from_json(data: dict) -> Document:
    name = data["name"]
    return Document(id=data["id"], name=name, title=data["title"], file=data["file"], parser=data["parser"],
                    chunks=tuple(Chunk.from_json(c, name) for c in data["chunks"]),
                    pages=tuple(Page(**p) for p in data.get("pages") or ()), language=data.get("language", "zh-Hans"),
                    lexicon=data.get("lexicon"), warnings=tuple(data.get("warnings") or ()))


def file_id(path: Path) -> tuple[str, str]:
    """``(id, sha256)`` of a file's bytes: the id is the first 16 hex digits."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    return digest[:16], digest


def expand(paths: Iterable[Path | str]) -> tuple[list[Path], list[tuple[Path, CorpusError]]]:
    """Files that ``paths`` stand for (files, folders recursively, globs: ``qa.ingest.registry.expand_paths``),
    and a ``CorpusError`` for each path that stands for none."""
    files, failures = expand_paths(paths)
    return files, [(f.path, CorpusError(f.message)) for f in failures]


# -- the library -----------------------------------------------------------------------------------------

@dataclass
class Added:
    """What one ``Library.add`` did, file by file."""

    added: list[dict] = field(default_factory=list)  # catalog entries
    skipped: list[tuple[Path, dict]] = field(default_factory=list)  # (file, the entry already there)
    failed: list[tuple[Path, CorpusError]] = field(default_factory=list)  # (file, its error: a one-line message)
    pages: int = 0
    seconds: float = 0.0
    written: ix.Written | None = None  # the new version, when one was written
    folder: Path | None = None  # its index folder

    @cached_property
    def index(self) -> ix.Index | None:
        """The new index, loaded on first use (``qa add`` does not need it)."""
        if self.written is None or self.folder is None:
            return None
        index = ix.load(self.folder)
        index.vectors_reused, index.vectors_encoded = self.written.reused, self.written.encoded
        return index


class Library:
    def __init__(self, folder: Path, lexicon: str | None = None):
        """``lexicon``: the lexicon its index is built with, by name (``un``, ``none``); default: the union of its
        documents' own (``qa.ingest.corpus.corpus_lexicon``: the report's ``un``)."""
        self.folder = Path(folder)
        self.lexicon = lexicon
        self.documents_dir = self.folder / "documents"
        self.files_dir = self.folder / "files"
        self.index_dir = self.folder / "index"

    # reading
    def catalog(self) -> list[dict]:
        """The live catalog, in the order documents were added; ``[]`` before the first document."""
        try:
            return ix.read_documents(self.index_dir)
        except IndexMissing:
            return []

    def resolve(self, ref: str, catalog: list[dict] | None = None) -> dict:
        """The entry ``ref`` names: an id, an id prefix (4+ characters, one match), or a name; else
        ``UnknownDocument``."""
        catalog = self.catalog() if catalog is None else catalog
        return resolve(ref, catalog, self.folder)

    def document(self, doc_id: str) -> Document:
        try:
            return document_from_json(json.loads((self.documents_dir / f"{doc_id}.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            raise CorpusError(f"{self.documents_dir / (doc_id + '.json')}: document missing or corrupt; "
                              f"remove it (qa remove {doc_id}) and add its file again") from None

    def original(self, doc_id: str) -> Path | None:
        """The kept copy of a PDF document's file (``files/<id>.pdf``), or None: not a PDF, or added before copies
        were kept."""
        path = self.files_dir / f"{doc_id}.pdf"
        return path if path.is_file() else None

    # writing
    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def add(self, paths: Iterable[Path | str], encoder: Encoder, progress: bool | None = None,
            report: Report | None = None) -> Added:
        """Add the files ``paths`` stand for; one index build for all. ``report(kind, path, entry_or_message)`` is
        told of each file as it goes (``added``, ``skipped``, ``failed``)."""
        started = time.perf_counter()
        files, missing = expand(paths)
        out = Added()
        for path, err in missing:
            out.failed.append((path, err))
            _tell(report, "failed", path, str(err))
        with self._locked():
            catalog = self.catalog()
            by_id = {d["id"]: d for d in catalog}
            names = {d["name"] for d in catalog}
            for path in _progress(files, progress, out):
                try:
                    if not path.exists():
                        raise CorpusError(f"{path}: no such file")
                    if not path.is_file():
                        raise CorpusError(f"{path}: not a file")
                    doc_id, digest = file_id(path)
                    if doc_id in by_id:
                        if by_id[doc_id].get("parser") == "pdf" and self.original(doc_id) is None:
                            self._keep_file(path, doc_id)  # added before copies were kept: keep one now
                        out.skipped.append((path, by_id[doc_id]))
                        _tell(report, "skipped", path, by_id[doc_id])
                        continue
                    doc = parse_file(path, _unique(_stem(path), names))  # its id is doc_id (the registry's too)
                    if doc.parser == "pdf":
                        self._keep_file(path, doc.id)
                except (CorpusError, OSError) as e:
                    err = e if isinstance(e, CorpusError) else CorpusError(f"{path}: cannot read ({e.strerror or e})")
                    out.failed.append((path, err))
                    _tell(report, "failed", path, str(err))
                    continue
                self._write_document(doc)
                entry = {"id": doc.id, "name": doc.name, "title": doc.title, "file": doc.file, "parser": doc.parser,
                         "pages": doc.page_count, "chunks": len(doc.chunks),
                         "added": time.strftime("%Y-%m-%dT%H:%M:%S"), "sha256": digest, "lexicon": doc.lexicon}
                names.add(doc.name)
                by_id[doc.id] = entry
                catalog.append(entry)
                out.added.append(entry)
                out.pages += doc.page_count or 0
                _tell(report, "added", path, entry)
            if out.added:
                out.written, out.folder = self._build(catalog, encoder, progress), self.index_dir
        out.seconds = time.perf_counter() - started
        return out

    def remove(self, ref: str, encoder: Encoder, progress: bool | None = None) -> dict:
        """Remove the document ``ref`` names (id, id prefix or name); returns its entry."""
        with self._locked():
            catalog = self.catalog()
            entry = resolve(ref, catalog, self.folder)
            rest = [d for d in catalog if d["id"] != entry["id"]]
            self._build(rest, encoder, progress)
            (self.documents_dir / f"{entry['id']}.json").unlink(missing_ok=True)
            (self.files_dir / f"{entry['id']}.pdf").unlink(missing_ok=True)
        return entry

    def rebuild(self, encoder: Encoder, progress: bool | None = None, sentences: bool = True) -> ix.Index | None:
        """A new index version over the documents already in the library (another encoder, a damaged index)."""
        with self._locked():
            written = self._build(self.catalog() or self._orphans(), encoder, progress, sentences)
        if written is None:
            return None
        index = ix.load(self.index_dir)
        index.vectors_reused, index.vectors_encoded = written.reused, written.encoded
        return index

    def _orphans(self) -> list[dict]:
        """Catalog entries rebuilt from ``documents/`` when the index (and with it the catalog) is lost."""
        out = []
        for p in sorted(self.documents_dir.glob("*.json")) if self.documents_dir.is_dir() else ():
            try:
                d = self.document(p.stem)
            except CorpusError:
                continue
            out.append({"id": d.id, "name": d.name, "title": d.title, "file": d.file, "parser": d.parser,
                        "pages": d.page_count, "chunks": len(d.chunks),
                        "added": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(p.stat().st_mtime)),
                        "sha256": None})
        return sorted(out, key=lambda d: d["added"])

    def _write_document(self, doc: Document) -> None:
        self.documents_dir.mkdir(parents=True, exist_ok=True)
        final = self.documents_dir / f"{doc.id}.json"
        tmp = final.with_name(f".{final.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(document_json(doc), f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)

    def _keep_file(self, path: Path, doc_id: str) -> None:
        """Copy a PDF's bytes to ``files/<id>.pdf``: a temporary file, synced, then renamed over the final name."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        final = self.files_dir / f"{doc_id}.pdf"
        tmp = final.with_name(f".{final.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
        try:
            with open(path, "rb") as src, open(tmp, "wb") as f:
                shutil.copyfileobj(src, f, 1 << 20)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)

    def _build(self, catalog: list[dict], encoder: Encoder, progress: bool | None,
               sentences: bool = True) -> ix.Written | None:
        """A new index version of ``catalog``'s documents: each one's segment, built only when it is not on disk."""
        if not catalog:  # an empty library: an index needs chunks, so none is kept
            _clear(self.index_dir)
            return None
        lexicon = self._lexicon(catalog)
        parts = [ix.Part(ix.segment_key(f"{e['id']}\n{e['name']}", encoder, lexicon.key, sentences),
                         self._chunks_of(e["id"])) for e in catalog]
        return ix.write(parts, encoder, library_hash(catalog), self.index_dir, progress=progress,
                        sentences=sentences, documents=catalog, lexicon=lexicon)

    def _chunks_of(self, doc_id: str) -> Callable[[], list[Chunk]]:
        """The chunks of document ``doc_id``, read when called (only a segment not on disk reads its file)."""
        return lambda: list(self.document(doc_id).chunks)

    def _lexicon(self, catalog: list[dict]) -> Lexicon:
        """The lexicon of an index over ``catalog``: from each entry's ``lexicon`` and ``parser`` (an entry written
        before entries had a ``lexicon`` reads its document)."""
        from qa.ingest.corpus import corpus_lexicon  # ingest.corpus imports the parsers: only a build needs them

        docs = [Document(e["id"], e["name"], "", "", e.get("parser") or "", (), lexicon=e["lexicon"])
                if "lexicon" in e else self.document(e["id"]) for e in catalog]
        return corpus_lexicon(docs, self.lexicon)


def library_hash(catalog: list[dict]) -> str:
    """What the manifest's ``corpus_hash`` holds for a library: the hash of its document ids, in order."""
    return hashlib.sha256("\n".join(d["id"] for d in catalog).encode()).hexdigest()


def resolve(ref: str, catalog: list[dict], folder: Path | str = "the library") -> dict:
    """The catalog entry ``ref`` names (id, name, or an id prefix of 4+ characters); ``UnknownDocument`` else."""
    ref = str(ref).strip()
    exact = [d for d in catalog if ref in (d["id"], d["name"])]
    if len(exact) == 1:
        return exact[0]
    prefix = [d for d in catalog if len(ref) >= 4 and d["id"].startswith(ref)]
    if len(prefix) == 1:
        return prefix[0]
    if len(prefix) > 1:
        raise UnknownDocument(f"{ref!r} is the start of {len(prefix)} document ids in {folder}; give more of the id")
    raise UnknownDocument(f"no document {ref!r} in {folder}; list them with: qa list (GET /api/documents)")


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3`` … when a document of the library already has it.

    >>> _unique("notes", {"notes", "notes-2"})
    'notes-3'
    """
    if name not in taken:
        return name
    n = 2
    while f"{name}-{n}" in taken:
        n += 1
    return f"{name}-{n}"


def _clear(folder: Path) -> None:
    (folder / "CURRENT").unlink(missing_ok=True)


def _stem(path: Path) -> str:
    """The short name a file gives its document: its name up to the first dot (``E-2020-54.zh.txt``: ``E-2020-54``)."""
    return path.name.split(".")[0] or "doc"


def _tell(report: Report | None, kind: str, path: Path, what: Any) -> None:
    if report is not None:
        report(kind, path, what)


def _progress(files: list[Path], progress: bool | None, out: Added) -> Iterator[Path]:
    """The files, with a bar of documents/s and pages/s on a terminal."""
    from tqdm import tqdm  # tqdm (0.1 s): only adding documents draws a bar; qa ask opens the library without it

    show = sys.stderr.isatty() if progress is None else progress
    started = time.perf_counter()
    with tqdm(total=len(files), desc="Adding", unit="doc", disable=not show, file=sys.stderr) as bar:
        for f in files:
            yield f
            bar.update(1)
            bar.set_postfix(pages_per_s=f"{out.pages / max(time.perf_counter() - started, 1e-6):.1f}")
