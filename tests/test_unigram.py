"""The unigram search over the exported pieces cuts text exactly as ``tokenizers`` does with tokenizer.json.

Measured on real text: every line of the report and every question of every set in ``eval/`` (as queries),
plus strings chosen for the normaliser's edge cases; and CMRC 2018's questions and passages where the
workplace's benchmark folder (``../shared/bench/cmrc2018``, outside the repository) is present.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from qa.encode import export
from qa.encode.encoder import PASSAGE, QUERY, OrtE5Encoder
from qa.encode.unigram import Unigram

ROOT = Path(__file__).resolve().parent.parent
CMRC = ROOT.parent / "shared" / "bench" / "cmrc2018"


@pytest.fixture(scope="module")
def folder():
    return export.export()


@pytest.fixture(scope="module")
def pair(folder):
    from tokenizers import Tokenizer

    return Unigram(folder), Tokenizer.from_file(str(folder / "tokenizer.json"))


def _theirs(tok, unk: int, text: str) -> list[int]:
    enc = tok.encode(text, add_special_tokens=False)
    return [j for i, s in zip(enc.ids, enc.tokens) for j in ([i] * len(s) if i == unk else [i])]


def _texts(report_text: str) -> list[str]:
    texts = [PASSAGE + line for line in report_text.splitlines() if line.strip()]
    for path in sorted((ROOT / "eval").glob("*.jsonl")):
        texts += [QUERY + json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines()
                  if line.strip()]
    return texts


def _cmrc_texts() -> list[str]:
    texts = [QUERY + json.loads(line)["text"] for line in (CMRC / "queries.jsonl").open(encoding="utf-8")]
    with (CMRC / "corpus.jsonl").open(encoding="utf-8") as f:
        texts += [PASSAGE + json.loads(line)["text"] for line, _ in zip(f, range(300))]
    return texts


EDGES = ["", " ", "  two  spaces  ", "\ttab\n\nnewline\r\n", "😀 𝔘𝔫𝔦 ☃ ǅ ﬁ ｆｕｌｌ　全角",
         "e\u0301 ⅫⅣ ㈱ ㎞", "\u200b零宽\u00a0不换行", "ÀÉÎõü ß İı", "سلام привет γειά שלום नमस्ते",
         "\x01\x7f control"]


def test_the_pieces_cut_every_text_as_tokenizers_does(pair, report_text):
    ours, tok = pair
    texts = _texts(report_text) + EDGES
    assert len(texts) > 3000
    differ = [t for t in texts if ours.ids(t) != _theirs(tok, ours.unk_id, t)]
    assert not differ, (len(differ), differ[:3])


@pytest.mark.skipif(not (CMRC / "queries.jsonl").is_file(), reason="the CMRC 2018 benchmark is outside the repository")
def test_the_pieces_cut_cmrc_as_tokenizers_does(pair):
    ours, tok = pair
    texts = _cmrc_texts()
    assert len(texts) == 2300
    differ = [t for t in texts if ours.ids(t) != _theirs(tok, ours.unk_id, t)]
    assert not differ, (len(differ), differ[:3])


def test_text_spelling_a_special_token_or_a_nul_is_left_to_tokenizers(pair, folder):
    ours, tok = pair
    for text in ("什么是 <mask>？", "<s>开头", "a\x00b"):
        assert ours.ids(text) is None
    enc = OrtE5Encoder(folder)
    text = "报告里有 <mask> 吗"
    assert enc._ids([text], QUERY) == [_theirs(tok, ours.unk_id, QUERY + text)]


def test_special_tokens_keep_the_full_tokenizers_ids(pair):
    ours, tok = pair
    assert set(ours.specials) == {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}
    assert ours.specials == {s: tok.token_to_id(s) for s in ours.specials}
    assert ours.unk_id == tok.token_to_id("<unk>")


def test_a_question_is_encoded_without_building_the_tokenizer_to_the_same_vector(folder, report_text):
    enc = OrtE5Encoder(folder)
    questions = ["驻地协调员办公室有多少核心职位", "How many core positions does an office have?"]
    lines = [line for line in report_text.splitlines() if len(line) > 40][:16]
    fast = enc.queries(questions), enc.passages(lines)
    assert enc._tok is None  # the 0.6 s tokenizers build was not needed
    enc._unigram.ids = lambda text: None  # every text to tokenizers
    slow = enc.queries(questions), enc.passages(lines)
    assert enc._tok is not None
    assert all(np.array_equal(a, b) for a, b in zip(fast, slow))
