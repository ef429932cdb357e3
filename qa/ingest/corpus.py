"""Load a corpus — a file or a folder — into chunks.

Three inputs go through the same chunk model:

- a UN report extraction (``.txt`` laid out like ``E-2020-54.zh.txt``): ``qa.ingest.report``;
- plain ``.txt`` / ``.md``: split on blank lines and headings (``#`` lines set the section);
- BEIR ``corpus.jsonl`` (``{"id", "title", "text"}`` per line): one chunk per passage, id kept.

A folder loads every such file in it, sorted by name. Bad files raise
``CorpusError`` naming the file. Does not parse PDFs.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from qa.ingest.document import Chunk
from qa.errors import CorpusError
from qa.ingest.report import looks_like_report, parse_report
from qa.lang.text import tidy

SUFFIXES = (".txt", ".md", ".jsonl")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*\S)\s*$")


def corpus_files(path: Path) -> list[Path]:
    """The files a corpus path stands for (itself, or the supported files in a folder)."""
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder; pass --corpus with a .txt, .md or corpus.jsonl")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SUFFIXES
                       and not p.name.endswith(".chunks.jsonl"))
        if not files:
            raise CorpusError(f"{path}: no .txt, .md or .jsonl files in this folder")
        return files
    return [path]


def read_text(path: Path) -> str:
    """The file's text, or a ``CorpusError`` that names the file and the problem."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CorpusError(f"{path}: is a folder, expected a file") from None
    except OSError as e:
        raise CorpusError(f"{path}: cannot read ({e.strerror})") from None
    if not data.strip():
        raise CorpusError(f"{path}: file is empty")
    if b"\x00" in data[:8192]:
        raise CorpusError(f"{path}: looks binary (NUL bytes); expected UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 (bad byte at offset {e.start}); convert it with iconv -t UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
    text = read_text(path)
    doc = path.name.split(".")[0]
    if path.suffix == ".jsonl":
        return parse_jsonl(text, path)
    if path.suffix == ".txt" and looks_like_report(text):
        return parse_report(text, doc)
    return parse_plain(text, doc)


def parse_plain(text: str, doc: str) -> list[Chunk]:
    """Plain text or markdown: a chunk per blank-line-separated block; ``#`` headings set the section.

    >>> [c.text for c in parse_plain("# 标题\\n\\n第一段。\\n\\n第二段\\n续。", "d")]
    ['第一段。', '第二段续。']
    """
    chunks: list[Chunk] = []
    section: str | None = None
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        body: list[str] = []
        for ln in lines:
            m = _HEADING.match(ln)
            if m:
                if body:
                    chunks.append(_plain_chunk(doc, len(chunks) + 1, section, body))
                    body = []
                section = m.group(1)
            else:
                body.append(ln)
        if body:
            chunks.append(_plain_chunk(doc, len(chunks) + 1, section, body))
    return chunks


def _plain_chunk(doc: str, n: int, section: str | None, lines: list[str]) -> Chunk:
    from qa.lang.text import join_lines

    return Chunk(f"{doc}#{n}", "paragraph", n, section, None, join_lines(lines), (), doc)


def parse_jsonl(text: str, path: Path) -> list[Chunk]:
    """BEIR ``corpus.jsonl``: ``{"_id" or "id", "title", "text"}`` per line."""
    chunks = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            pid = str(row.get("_id", row.get("id")))
            body = tidy(str(row["text"]))
        except (json.JSONDecodeError, KeyError, AttributeError):
            raise CorpusError(f"{path}:{lineno}: not a corpus line; expected {{\"id\", \"title\", \"text\"}}") from None
        if pid == "None" or not body:
            raise CorpusError(f"{path}:{lineno}: passage needs an id and non-empty text")
        title = str(row.get("title") or "") or None
        chunks.append(Chunk(pid, "paragraph", None, title, None, body, (), path.stem))
    return chunks


def corpus_hash(path: Path) -> str:
    """SHA-256 over the corpus files' names and bytes: an index built from other bytes is stale."""
    h = hashlib.sha256()
    for file in corpus_files(path):
        h.update(file.name.encode())
        h.update(file.read_bytes())
    return h.hexdigest()
