"""Vectors remembered by (encoder id, text hash), so rebuilding an index re-encodes only new text.

One store per encoder, shared by every index (a corpus and its Traditional copy, once both are
encoded as Simplified, share most of their vectors)::

    ~/.cache/qa/vectors/<encoder id>.npy     float32 rows        ($QA_VECTOR_DIR moves the folder)
    ~/.cache/qa/vectors/<encoder id>.json    {"format", "encoder", "dim", "count", "keys": [sha1 of each text]}

``encode()`` takes the rows it has, encodes the rest with the encoder, and ``save()`` writes the
old rows and the new ones (about 1.5 kB a text: the report is 1 MB, CMRC 2018 under 2 MB). Both
files are written to temporary names and renamed, rows first and keys last; keys that disagree
with the rows (a crash, a damaged file) make the cache empty, with a log line. Two builds saving
at once lose one's new rows, never the file. The text hashed is exactly the text the encoder saw,
prompt aside (an index encodes passages only).

Does not decide what text to encode (``qa.search.index``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import uuid
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

FORMAT = 2  # 2: the int8 encoder's vectors changed (7-bit weights, one text per run)


def default_dir() -> Path:
    """``$QA_VECTOR_DIR``, else ``$XDG_CACHE_HOME/qa/vectors`` (``~/.cache/qa/vectors``)."""
    if os.environ.get("QA_VECTOR_DIR"):
        return Path(os.environ["QA_VECTOR_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa" / "vectors"


def key(text: str) -> str:
    """The sha1 of the text's UTF-8 bytes.

    >>> key("你好")
    '440ee0853ad1e99f962b63e459ef992d7c211722'
    """
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class VectorCache:
    def __init__(self, folder: Path | None, encoder_id: str, dim: int):
        self.encoder_id, self.dim = encoder_id, dim
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", encoder_id)
        self._rows_path = Path(folder or default_dir()) / f"{slug}.npy"
        self._keys_path = self._rows_path.with_suffix(".json")
        self._rows: dict[str, np.ndarray] = self._load()
        self.hits = 0

    def _load(self) -> dict[str, np.ndarray]:
        if not self._keys_path.exists():
            return {}
        try:
            meta = json.loads(self._keys_path.read_text())
            rows = np.load(self._rows_path, allow_pickle=False)
            keys = meta["keys"]
            if (meta["format"] != FORMAT or meta["encoder"] != self.encoder_id or meta["dim"] != self.dim
                    or rows.shape != (len(keys), self.dim) or rows.dtype != np.float32 or meta["count"] != len(keys)):
                raise ValueError("does not match its rows")
        except (OSError, ValueError, KeyError, TypeError) as e:
            log.warning("vector cache %s is unusable (%s); encoding everything again", self._keys_path, e)
            return {}
        return dict(zip(keys, rows))

    def encode(self, texts: list[str], encode_missing) -> np.ndarray:
        """Rows for ``texts``: cached ones as they are, the others from ``encode_missing(list of texts)``."""
        keys = [key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._rows))
        self.hits = len(texts) - sum(1 for k in keys if k in missing)
        if missing:
            first = {k: t for k, t in zip(reversed(keys), reversed(texts))}
            new = encode_missing([first[k] for k in missing])
            self._rows.update(zip(missing, np.asarray(new, dtype=np.float32)))
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, k in enumerate(keys):
            out[i] = self._rows[k]
        return out

    def save(self) -> None:
        """Write the rows it had and the new ones; atomic (rows, then keys)."""
        self._rows_path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self._rows)
        rows = np.stack([self._rows[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)
        tag = f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp_rows = self._rows_path.with_name(self._rows_path.name + tag)
        tmp_keys = self._keys_path.with_name(self._keys_path.name + tag)
        try:
            with open(tmp_rows, "wb") as f:
                np.save(f, rows.astype(np.float32))
            tmp_keys.write_text(json.dumps({"format": FORMAT, "encoder": self.encoder_id, "dim": self.dim,
                                            "count": len(keys), "keys": keys}))
            self._keys_path.unlink(missing_ok=True)  # rows and keys never disagree unnoticed
            os.replace(tmp_rows, self._rows_path)
            os.replace(tmp_keys, self._keys_path)
        except OSError as e:
            log.warning("could not save the vector cache %s (%s)", self._keys_path, e)
        finally:
            tmp_rows.unlink(missing_ok=True)
            tmp_keys.unlink(missing_ok=True)
