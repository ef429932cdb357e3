"""Load a corpus — a file or a folder — into chunks, through the parser registry.

Every file goes through ``qa.ingest.registry.parse_file``, which picks its parser by
content (the suffix only breaks ties) and returns a ``Document``; this module keeps
the chunks. The inputs the corpus has always taken read as they always did:

- a UN report extraction (``.txt`` laid out like ``E-2020-54.zh.txt``): ``qa.ingest.report``;
- plain ``.txt`` / ``.md``: split on blank lines and headings (``#`` lines set the section),
  Markdown pipe tables as rows (``qa.ingest.plain``);
- BEIR ``corpus.jsonl`` (``{"id", "title", "text"}`` per line): one chunk per passage, id
  kept (``qa.ingest.beir``);

and so do Word ``.docx`` and HTML pages (and PDFs, when ``qa.ingest.pdf`` is installed).
A folder loads every file in it with a suffix the registry knows, sorted by name (not
its subfolders). Bad files raise ``CorpusError`` naming the file: a corpus is all or
nothing (``qa.ingest.registry.parse_many`` is the forgiving reader).

``corpus_lexicon`` chooses the domain lexicon of a corpus's index: the union of its
documents' own (``Document.lexicon``: ``un`` for a UN document, none for CMRC or a manual),
unless a setting names one (``--lexicon``, ``QA_LEXICON``).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from qa.errors import CorpusError
from qa.ingest.beir import parse_jsonl  # noqa: F401  (kept importable from here)
from qa.ingest.document import Chunk, Document
from qa.ingest.plain import parse_plain  # noqa: F401  (kept importable from here)
from qa.ingest.registry import PARSERS, SUPPORTED, parse_file
from qa.lang.lexicon import Lexicon, combine, named

log = logging.getLogger(__name__)

SUFFIXES = tuple(sorted({s for p in PARSERS for s in p.suffixes if s}))


def corpus_files(path: Path) -> list[Path]:
    """The files a corpus path stands for (itself, or the supported files in a folder)."""
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder; pass --corpus with a .txt, .md or corpus.jsonl")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                       and not p.name.endswith(".chunks.jsonl"))
        if not files:
            raise CorpusError(f"{path}: no files qa reads in this folder; add {SUPPORTED} files")
        return files
    return [path]


def load_corpus(path: Path) -> list[Chunk]:
    """Every chunk of the corpus at ``path``, in file order."""
    return [c for doc in load_documents(path) for c in doc.chunks]


def load_documents(path: Path) -> list[Document]:
    """The documents of the corpus at ``path`` (``CorpusError`` if a chunk id repeats or there is no text)."""
    docs = [load_document(file) for file in corpus_files(path)]
    chunks = [c for doc in docs for c in doc.chunks]
    ids = [c.id for c in chunks]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise CorpusError(f"{path}: chunk id {dup!r} occurs twice; give each document a unique name")
    if not chunks:
        raise CorpusError(f"{path}: no text to index")
    return docs


def load_file(path: Path) -> list[Chunk]:
    """One file's chunks (``parse_file(path).chunks``); the parser's warnings are logged."""
    return list(load_document(path).chunks)


def load_document(path: Path) -> Document:
    """One file as a ``Document`` (``parse_file``); the parser's warnings are logged."""
    doc = parse_file(path)
    for warning in doc.warnings:
        log.warning("%s: %s", path, warning)
    return doc


def corpus_lexicon(documents: list[Document], choice: str | None = None) -> Lexicon:
    """The lexicon an index over ``documents`` is built with: the one ``choice`` names (a setting: ``un``,
    ``none``), else the union of the documents' own (a UN report is ``un`` whatever its first page says).

    >>> from qa.ingest.document import Document
    >>> un, other = Document("1", "a", "", "a.txt", "un-report", ()), Document("2", "b", "", "b.md", "plain", ())
    >>> corpus_lexicon([un, other]).name, corpus_lexicon([other]).name, corpus_lexicon([un], "none").name
    ('un', '', '')
    """
    if choice is not None:
        return named(choice)
    wanted = dict.fromkeys(doc.lexicon or ("un" if doc.parser == "un-report" else "") for doc in documents)
    return combine(Lexicon.load(name) for name in wanted if name)


def corpus_hash(path: Path) -> str:
    """SHA-256 over the corpus files' names and bytes: an index built from other bytes is stale."""
    h = hashlib.sha256()
    for file in corpus_files(path):
        h.update(file.name.encode())
        h.update(file.read_bytes())
    return h.hexdigest()
