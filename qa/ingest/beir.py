"""BEIR ``corpus.jsonl`` into chunks: one chunk per passage, its id kept as the chunk id.

Each line is ``{"_id" or "id", "title", "text"}``; the passage title becomes the
chunk's section (and its one-step heading path). Chunk ids are the passages' own
ids (not prefixed with the file's name), so that a benchmark's relevance judgements
match them.

>>> [(c.id, c.section, c.text) for c in parse_jsonl('{"_id": "a1", "title": "T", "text": "第一 段"}', Path("c.jsonl"))]
[('a1', 'T', '第一段')]

Does not read the BEIR queries or qrels (``qa.evaluation`` does).
"""

from __future__ import annotations

import json
from pathlib import Path

from qa.errors import CorpusError
from qa.ingest.decode import decode_text
from qa.ingest.describe import new_document
from qa.ingest.document import Chunk, Document
from qa.lang.text import tidy


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
        chunks.append(Chunk(pid, "paragraph", None, title, None, body, (), path.stem,
                            heading_path=(title,) if title else ()))
    return chunks


def parse_beir(path: Path, data: bytes, name: str | None = None) -> Document:
    """A BEIR corpus file as one ``Document`` (parser ``"beir"``) whose chunks are its passages."""
    chunks = parse_jsonl(decode_text(path, data), path)
    return new_document(data=data, path=path, name=name or path.stem, title=None, parser="beir", chunks=chunks)


def looks_like_jsonl(head: str) -> bool:
    """True when the first non-blank line is a JSON object (the parser then says what is wrong with it).

    >>> looks_like_jsonl('\\n{"_id": "1", "text": "甲"}\\n'), looks_like_jsonl("# 标题")
    (True, False)
    """
    for line in head.split("\n"):
        if line.strip():
            return line.lstrip().startswith("{")
    return False
