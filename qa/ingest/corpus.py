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
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from qa.errors import CorpusError
from qa.ingest.beir import parse_jsonl  # noqa: F401  (kept importable from here)
from qa.ingest.document import Chunk
from qa.ingest.plain import parse_plain  # noqa: F401  (kept importable from here)
from qa.ingest.registry import PARSERS, SUPPORTED, parse_file

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
    chunks: list[Chunk] = []
    for file in corpus_files(path):
        chunks.extend(load_file(file))
    ids = [c.id for c in chunks]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise CorpusError(f"{path}: chunk id {dup!r} occurs twice; give each document a unique name")
    if not chunks:
        raise CorpusError(f"{path}: no text to index")
    return chunks


def load_file(path: Path) -> list[Chunk]:
    """One file's chunks (``parse_file(path).chunks``); the parser's warnings are logged."""
    doc = parse_file(path)
    for warning in doc.warnings:
        log.warning("%s: %s", path, warning)
    return list(doc.chunks)


def corpus_hash(path: Path) -> str:
    """SHA-256 over the corpus files' names and bytes: an index built from other bytes is stale."""
    h = hashlib.sha256()
    for file in corpus_files(path):
        h.update(file.name.encode())
        h.update(file.read_bytes())
    return h.hexdigest()
