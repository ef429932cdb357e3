"""The question-answering service: the encoder and the index, loaded once, and ``ask``.

``Service.open(settings)`` loads the index for the corpus, building it first
when it is missing, and rebuilding it (with a notice) when it is stale, built
with another encoder or format, or corrupt — unless ``rebuild=False``, in which
case it raises ``IndexUnusable``. A ``Service`` holds no per-question state, so
one instance serves many threads.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from qa.answer import Answer, compose
from qa.config import Settings
from qa.errors import BadQuestion, IndexUnusable
from qa.question import clean

log = logging.getLogger(__name__)


@dataclass
class Service:
    settings: Settings
    index: object  # qa.index.Index
    encoder: object  # qa.encoder.Encoder

    @classmethod
    def open(cls, settings: Settings, rebuild: bool = True, force: bool = False,
             progress: bool | None = None, encoder=None, sentences: bool = True) -> "Service":
        from qa import index as ix
        from qa.corpus import corpus_hash, load_corpus
        from qa.encoder import make_encoder

        folder = settings.index_path
        digest = corpus_hash(settings.corpus)
        enc = encoder or make_encoder(settings.encoder)
        reason = "forced" if force else None
        index = None
        if not force:
            try:
                manifest = ix.read_manifest(folder)
                ix.check(manifest, enc.id, digest, folder)
                if sentences and manifest.sentences == 0:
                    raise IndexUnusable(f"{folder}: index was built for retrieval only (no sentence vectors); "
                                        "rebuild with: qa index --rebuild")
                index = ix.load(folder)
            except IndexUnusable as e:
                if not rebuild:
                    raise
                reason = str(e)
        if index is None:
            chunks = load_corpus(settings.corpus)  # a bad corpus fails here, before any notice
            if reason and "no index here" not in reason:
                print(f"qa: rebuilding the index: {reason.split(': ', 1)[-1].split(';')[0]}", file=sys.stderr)
            elif progress is not False:
                print(f"qa: building the index for {settings.corpus} (first use) …", file=sys.stderr)
            index = ix.build(chunks, enc, digest, folder, progress=progress, sentences=sentences)
        return cls(settings, index, enc)

    def ask(self, question: str, k: int | None = None, mode: str | None = None) -> Answer:
        from qa.answer import retrieval_query
        from qa.retrieve import MODES, fuse, score, top
        from qa.tokenize import normalise

        k = self.settings.k if k is None else k
        mode = self.settings.mode if mode is None else mode
        if mode not in MODES:
            raise BadQuestion(f"unknown mode {mode!r}; use one of: {', '.join(MODES)}")
        if not 1 <= k <= 100:
            raise BadQuestion(f"k must be between 1 and 100, not {k}")
        q = clean(question)
        query = retrieval_query(q.text)
        vec = self.encoder.queries([query])[0]
        scores = score(self.index, vec, normalise(query), self.settings.lexical)
        hits = top(fuse(scores, mode, self.settings), min(k, len(self.index.chunks)))
        return compose(q.text, self.index, hits, scores, self.settings.abstain_threshold, q.notice)
