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
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from qa.answer.compose import combine, compose
from qa.answer.reply import Answer
from qa.config import Settings
from qa.errors import BadQuestion, IndexMissing, IndexUnusable
from qa.answer.features import DEPTH, REACH
from qa.answer.model import AnswerModel
from qa.lang.query import Query, part_contexts

if TYPE_CHECKING:  # types only: the index and the encoder are imported when a service opens (cold start)
    from qa.encode.encoder import Encoder
    from qa.search.index import Index
    from qa.search.retrieve import Hit, Scores

log = logging.getLogger(__name__)


@dataclass
class Service:
    settings: Settings
    index: Index
    encoder: Encoder
    model: AnswerModel = field(default_factory=AnswerModel.load)  # picks the sentence, decides to abstain

    @classmethod
    def open(cls, settings: Settings, rebuild: bool = True, force: bool = False,
             progress: bool | None = None, encoder: Encoder | None = None, sentences: bool = True,
             model: AnswerModel | None = None) -> "Service":
        from qa.search import index as ix
        from qa.ingest.corpus import corpus_hash, corpus_lexicon, load_documents
        from qa.encode.encoder import make_encoder
        from qa.lang.lexicon import named

        folder = settings.index_path
        digest = corpus_hash(settings.corpus)
        # the lexicon a setting names (a bad name fails here); None: the documents' own, as the index stored it
        wanted = None if settings.lexicon is None else named(settings.lexicon).name
        enc = encoder or make_encoder(settings.encoder)
        reason = "forced" if force else None
        index = None
        if not force:
            try:
                manifest = ix.read_manifest(folder)
                ix.check(manifest, enc.id, digest, folder, wanted)
                if sentences and manifest.sentences == 0:
                    problem = "index was built for retrieval only (no sentence vectors)"
                    raise IndexUnusable(f"{folder}: {problem}; rebuild with: qa index --rebuild", problem=problem)
                index = ix.load(folder)
            except IndexMissing:
                if not rebuild:
                    raise
            except IndexUnusable as e:
                if not rebuild:
                    raise
                reason = e.problem
        if index is None:
            docs = load_documents(settings.corpus)  # a bad corpus fails here, before any notice
            chunks = [c for doc in docs for c in doc.chunks]
            if reason:
                print(f"qa: rebuilding the index: {reason}", file=sys.stderr)
            elif progress is not False:
                print(f"qa: building the index for {settings.corpus} (first use) …", file=sys.stderr)
            index = ix.build(chunks, enc, digest, folder, progress=progress, sentences=sentences,
                             lexicon=corpus_lexicon(docs, settings.lexicon))
        return cls(settings, index, enc, model or AnswerModel.load(settings.model))

    def query(self, question: str) -> Query:
        """The question prepared once (cleaned, normalised, encoded, read); raises ``BadQuestion``."""
        return Query.make(question, self.index, self.encoder)

    def ask(self, question: str, k: int | None = None, mode: str | None = None) -> Answer:
        """Answer ``question``: what ``qa ask``, the web page, the API and ``qa eval`` all call."""
        k, mode = self._options(k, mode)  # before encoding: a bad option costs nothing
        return self._answer_query(self.query(question), k, mode)

    def answer(self, query: Query, k: int | None = None, mode: str | None = None) -> Answer:
        """Retrieve for a prepared ``query`` and compose its answer; a two-part question is answered part by part."""
        return self._answer_query(query, *self._options(k, mode))

    def _answer_query(self, query: Query, k: int, mode: str) -> Answer:
        answer = self._answer_parts(query, k, mode)
        if query.readings:  # say how the question was read: a wrong reading is then plain to see
            read = "; ".join(f"read {short} as {term}" for short, term in query.readings)
            answer = replace(answer, reason=f"{read}; {answer.reason}")
        return answer

    def _answer_parts(self, query: Query, k: int, mode: str) -> Answer:
        if query.parts:
            parts = [self._answer(Query.make(part, self.index, self.encoder, vec, context), k, mode)
                     for part, vec, context in zip(query.parts, query.part_vectors, part_contexts(query.parts))]
            return combine(query, parts, k)
        return self._answer(query, k, mode)

    def hits(self, query: Query, k: int, mode: str) -> tuple[list[Hit], Scores]:
        """The top ``max(k, REACH)`` chunks for ``query`` in ``mode`` (a hybrid ranking re-ranked by the model's
        ``Ranker``; answer candidates come from ``DEPTH`` of them, or a few more down to ``REACH``, whatever
        ``k`` is cited), and every chunk's scores."""
        from qa.search.retrieve import ranked, score, with_total_rows

        scores = score(self.index, query, self.settings.lexical)
        hits = ranked(self.index, query, scores, mode, self.settings, self.model.ranker,
                      min(max(k, REACH), len(self.index.chunks)))
        return with_total_rows(self.index, query, hits, DEPTH), scores

    def _answer(self, query: Query, k: int, mode: str) -> Answer:
        hits, scores = self.hits(query, k, mode)
        return compose(query, self.index, hits, scores, self.model, k)

    def _options(self, k: int | None, mode: str | None) -> tuple[int, str]:
        from qa.search.retrieve import MODES

        k = self.settings.k if k is None else k
        mode = self.settings.mode if mode is None else mode
        if mode not in MODES:
            raise BadQuestion(f"unknown mode {mode!r}; use one of: {', '.join(MODES)}")
        if not isinstance(k, int) or not 1 <= k <= 100:
            raise BadQuestion(f"k must be between 1 and 100, not {k}")
        return k, mode
