"""A text's token ids without building ``tokenizers``' unigram model: the cold start's largest cost.

``tokenizers`` builds the model of ``tokenizer.json`` (250,002 pieces, 17 MB of JSON) in 0.6-0.9 s,
holding the GIL: most of a cold ``qa ask``. The export also writes the pieces sorted, as memory-mapped
arrays (``unigram/``), and this module runs the same search over them: ``tokenizers``' optimised
unigram Viterbi (``Unigram::encode_optimized``): at each character, every piece starting there in order
of length, a later candidate replacing an earlier one only with a strictly higher score; a character no
single piece covers is ``<unk>`` at the lowest piece score less 10. Normalisation and the metaspace
prefix are ``tokenizers``' own, from the tokenizer without its vocabulary (``frame.json``, 80 kB).

Ids are the encoder's (one ``<unk>`` per unknown character). Text that holds a special token's
spelling (``<s>``, ``<mask>``) or a NUL after normalisation is not cut here (``ids`` returns None): the
encoder hands it to ``tokenizers``. ``tests/test_unigram.py`` checks agreement on the report, every
question set and CMRC 2018.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

FOLDER = "unigram"  # inside the exported model folder
UNK_PENALTY = 10.0  # tokenizers' K_UNK_PENALTY


def write(dest: Path, pieces: list[str], scores: list[float], unk_id: int, specials: dict[str, int],
          frame: str) -> None:
    """Write ``dest/unigram/``: pieces as sorted fixed-width UTF-8, their ids and scores, the frame.

    ``specials`` maps each special token to its id in the full tokenizer (the frame, with one piece,
    numbers them afresh).
    """
    folder = dest / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    raw = [p.encode("utf-8") for p in pieces]
    width = max(len(b) for b in raw)
    keys = np.array(raw, dtype=f"S{width}")
    order = np.argsort(keys, kind="stable")
    if any(b"\0" in b for b in raw) or (keys[order][1:] == keys[order][:-1]).any():
        raise ValueError("pieces hold a NUL or repeat: they cannot be searched as fixed-width keys")
    np.save(folder / "keys.npy", keys[order])
    np.save(folder / "ids.npy", order.astype(np.int32))
    np.save(folder / "scores.npy", np.asarray(scores, np.float64)[order])
    (folder / "frame.json").write_text(frame, encoding="utf-8")
    (folder / "unigram.json").write_text(json.dumps({
        "unk_id": unk_id, "unk_score": min(scores) - UNK_PENALTY, "specials": specials,
        "max_chars": max(len(p) for p in pieces)}, indent=2) + "\n")


def frame_json(tokenizer_json: str) -> str:
    """``tokenizer.json`` with a one-piece vocabulary: its normaliser and pre-tokeniser."""
    frame = json.loads(tokenizer_json)
    frame["model"] = {**frame["model"], "vocab": [["<unk>", 0.0]], "unk_id": 0}
    return json.dumps(frame, ensure_ascii=False)


class Unigram:
    """The exported pieces, memory-mapped (opens in milliseconds)."""

    def __init__(self, model_folder: Path):
        folder = Path(model_folder) / FOLDER
        meta = json.loads((folder / "unigram.json").read_text())
        self._keys = np.load(folder / "keys.npy", mmap_mode="r")
        self._ids = np.load(folder / "ids.npy", mmap_mode="r")
        self._scores = np.load(folder / "scores.npy", mmap_mode="r")
        self._width = self._keys.dtype.itemsize
        self._max_chars = int(meta["max_chars"])
        self.unk_id, self._unk_score = int(meta["unk_id"]), float(meta["unk_score"])
        frame = Tokenizer.from_str((folder / "frame.json").read_text(encoding="utf-8"))
        self._normalizer, self._pre = frame.normalizer, frame.pre_tokenizer
        self.specials: dict[str, int] = meta["specials"]  # <s>, <pad>, </s>, <unk>, <mask> -> id

    def ids(self, text: str) -> list[int] | None:
        """Token ids of ``text`` (no ``<s>``/``</s>``), or None where ``tokenizers`` must cut it."""
        if any(s in text for s in self.specials):
            return None
        normal = self._normalizer.normalize_str(text)
        if "\0" in normal:  # a fixed-width key cannot end in NUL
            return None
        out: list[int] = []
        for word, _ in self._pre.pre_tokenize_str(normal):
            out += self._viterbi(word)
        return out

    def _viterbi(self, word: str) -> list[int]:
        n = len(word)
        spans, keys = [], []
        for i in range(n):
            for j in range(i + 1, min(n, i + self._max_chars) + 1):
                key = word[i:j].encode("utf-8")
                if len(key) <= self._width:
                    spans.append((i, j))
                    keys.append(key)
        found: list[list[tuple[int, int, float]]] = [[] for _ in range(n)]  # by start: (end, id, score)
        if keys:
            want = np.array(keys, dtype=self._keys.dtype)
            at = np.minimum(np.searchsorted(self._keys, want), len(self._keys) - 1)
            hit = np.flatnonzero(self._keys[at] == want)
            for k, piece_id, score in zip(hit.tolist(), self._ids[at[hit]].tolist(), self._scores[at[hit]].tolist()):
                i, j = spans[k]
                found[i].append((j, piece_id, score))
        best = [0.0] * (n + 1)
        start: list[int | None] = [None] * (n + 1)
        token = [self.unk_id] * (n + 1)
        for i in range(n):
            here, single = best[i], False
            for j, piece_id, score in found[i]:  # shortest first, as tokenizers' prefix search yields them
                if start[j] is None or score + here > best[j]:
                    best[j], start[j], token[j] = score + here, i, piece_id
                single = single or j == i + 1
            if not single and (start[i + 1] is None or self._unk_score + here > best[i + 1]):
                best[i + 1], start[i + 1], token[i + 1] = self._unk_score + here, i, self.unk_id
        out, end = [], n
        while end > 0:
            out.append(token[end])
            end = start[end] or 0  # never None: every position after 0 is reached (by a piece or an <unk>)
        return out[::-1]
