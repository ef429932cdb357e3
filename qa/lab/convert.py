"""A BEIR folder converted to Traditional Chinese with opencc, for testing a corpus in the other script.

    python -m qa.lab.convert ../shared/bench/cmrc2018 index/cmrc2018-traditional

writes ``corpus.jsonl`` (title and text converted), ``queries.jsonl`` (text converted),
``qrels.tsv`` (copied) and, when the source has gold answers, ``answers.jsonl`` (converted) into the destination, each atomically, and a ``manifest.json`` naming the
source files' hashes last: an up-to-date copy is left as it is. ``qa eval --beir DEST`` then
evaluates it like any BEIR folder (its index goes to ``index/beir-<DEST name>``).

Converts Simplified to Traditional only (opencc ``s2t``); does not touch the source folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import uuid
from pathlib import Path

import opencc

from qa.errors import EvalSetError, QAError

FILES = ("corpus.jsonl", "queries.jsonl", "qrels.tsv")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def to_traditional(src: Path, dest: Path) -> Path:
    """Convert the BEIR folder ``src`` into ``dest`` (made if missing); return ``dest``.

    >>> import opencc; opencc.OpenCC("s2t").convert("驻地协调员办公室")
    '駐地協調員辦公室'
    """
    for name in FILES:
        if not (src / name).is_file():
            raise EvalSetError(f"{src / name}: missing; a BEIR folder holds {', '.join(FILES)}")
    files = FILES + (("answers.jsonl",) if (src / "answers.jsonl").is_file() else ())
    want = {"format": 2, "script": "s2t", "source": str(src), "hashes": {n: _digest(src / n) for n in files}}
    try:
        if json.loads((dest / "manifest.json").read_text()) == want and all((dest / n).is_file() for n in files):
            return dest
    except (OSError, ValueError):
        pass
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "manifest.json").unlink(missing_ok=True)
    cc = opencc.OpenCC("s2t")
    for name in ("corpus.jsonl", "queries.jsonl"):
        rows = []
        for line in (src / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            for field in ("title", "text"):
                if isinstance(row.get(field), str):
                    row[field] = cc.convert(row[field])
            rows.append(json.dumps(row, ensure_ascii=False))
        _write(dest / name, "\n".join(rows) + "\n")
    if "answers.jsonl" in files:  # gold spans in the corpus's new script (answer scoring folds scripts anyway)
        golds = [json.loads(line) for line in (src / "answers.jsonl").read_text(encoding="utf-8").splitlines()
                 if line.strip()]
        _write(dest / "answers.jsonl", "".join(json.dumps(g | {"answers": [cc.convert(a) for a in g["answers"]]},
                                                          ensure_ascii=False) + "\n" for g in golds))
    _write(dest / "qrels.tsv", (src / "qrels.tsv").read_text(encoding="utf-8"))
    _write(dest / "manifest.json", json.dumps(want, indent=2) + "\n")
    return dest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m qa.lab.convert", description=__doc__.split("\n\n")[0])
    p.add_argument("src", type=Path, help="BEIR folder (corpus.jsonl, queries.jsonl, qrels.tsv)")
    p.add_argument("dest", type=Path, help="Folder for the Traditional copy (e.g. index/cmrc2018-traditional)")
    args = p.parse_args(argv)
    try:
        out = to_traditional(args.src, args.dest)
    except QAError as e:
        print(f"qa: error: {e}", file=sys.stderr)
        return e.exit_code
    print(f"{out}: Traditional copy of {args.src}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
