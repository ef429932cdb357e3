"""The question-answering service: the encoder and the index, loaded once, and ``ask``.

``Service.open(settings)`` loads the index of the library (``qa.search.library``; seeded with the
report on first use) or, with ``settings.corpus``, of that one-off corpus, building it first when it
is missing, and rebuilding it (with a notice) when it is stale, built with another encoder or format,
or corrupt — unless ``rebuild=False``, in which case it raises ``IndexUnusable``. A ``Service`` holds
no per-question state, so one instance serves many threads.

A library's service follows the library: before a question it checks the index pointer's stamp (at
most once a second) and, when ``qa add``/``qa remove`` or an upload swapped it, loads the new version.
Each question is answered from one version (``current()``), so it never sees half of a change.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from qa.answer.compose import combine, compose
from qa.answer.features import DEPTH, REACH
from qa.answer.model import AnswerModel
from qa.answer.reply import Answer
from qa.config import DEFAULT_CORPUS, Settings
from qa.errors import BadQuestion, IndexMissing, IndexUnusable, SegmentDamaged
from qa.lang.query import Query, part_contexts
from qa.encode.encoder import make_encoder
from qa.ingest.corpus import corpus_hash, corpus_lexicon, load_documents
from qa.lang.lexicon import named
from qa.search import index as ix
from qa.search.library import Library, library_hash, resolve
from qa.search.retrieve import MODES, ranked, score, with_total_rows
from qa.serve.pages import page_image_url

if TYPE_CHECKING:  # types only
    from pathlib import Path

    import numpy as np

    from qa.encode.encoder import Encoder
    from qa.search.index import Index, Manifest
    from qa.search.retrieve import Hit, Scores

log = logging.getLogger(__name__)


@dataclass
class Service:
    settings: Settings
    index: Index
    encoder: Encoder
    model: AnswerModel = field(default_factory=AnswerModel.load)  # picks the sentence, decides to abstain
    library: Library | None = None  # the library it answers from (None: a one-off corpus)
    watch: _Watch | None = None  # the library's pointer, checked for a new version

    @classmethod
    def open(cls, settings: Settings, rebuild: bool = True, force: bool = False,
             progress: bool | None = None, encoder: Encoder | None = None, sentences: bool = True,
             model: AnswerModel | None = None) -> "Service":
        if settings.uses_library:
            return cls._open_library(settings, rebuild, force, progress, encoder, sentences, model)
        folder = settings.index_path
        digest = corpus_hash(settings.corpus_path)
        wanted = _wanted_lexicon(settings)
        enc = encoder or make_encoder(settings.encoder)
        if force:
            ix.set_aside_damaged(folder)  # --rebuild: a damaged segment is written anew, not reused
        index, reason = (None, "forced") if force else _checked(
            folder, lambda m: ix.check(m, enc.id, digest, folder, wanted), sentences, rebuild)
        if index is None:
            docs = load_documents(settings.corpus_path)  # a bad corpus fails here, before any notice
            chunks = [c for doc in docs for c in doc.chunks]
            if reason:
                print(f"qa: rebuilding the index: {reason}", file=sys.stderr)
            elif progress is not False:
                print(f"qa: building the index for {settings.corpus} (first use) …", file=sys.stderr)
            index = ix.build(chunks, enc, digest, folder, progress=progress, sentences=sentences,
                             lexicon=corpus_lexicon(docs, settings.lexicon))
        return cls(settings, index, enc, model or AnswerModel.load(settings.model))

    @classmethod
    def _open_library(cls, settings: Settings, rebuild: bool, force: bool, progress: bool | None,
                      encoder: Encoder | None, sentences: bool, model: AnswerModel | None) -> "Service":
        lib = Library(settings.library, settings.lexicon)
        wanted = _wanted_lexicon(settings)
        enc = encoder or make_encoder(settings.encoder)
        folder = lib.index_dir
        if force:
            ix.set_aside_damaged(folder)  # --rebuild: a damaged segment is written anew, not reused
        index, reason = (None, "forced") if force else _checked(
            folder, lambda m: ix.check(m, enc.id, library_hash(ix.read_documents(folder)), folder, wanted),
            sentences, rebuild)
        if index is None and (lib.catalog() or lib._orphans()):
            print(f"qa: rebuilding the library's index: {reason or 'missing'}", file=sys.stderr)
            index = lib.rebuild(enc, progress, sentences)
        if index is None:  # first use: the library starts with the report
            if progress is not False:
                print(f"qa: building the library {lib.folder} with {DEFAULT_CORPUS} (first use) …", file=sys.stderr)
            added = lib.add([DEFAULT_CORPUS], enc, progress=progress)
            if added.failed:
                raise added.failed[0][1]
            index = added.index or ix.load(folder)
        return cls(settings, index, enc, model or AnswerModel.load(settings.model), lib,
                   _Watch(folder, ix.pointer_stamp(folder)))

    def refresh(self) -> "Service":
        """``current()`` now, without waiting out the once-a-second check (after this process changed the library)."""
        if self.watch is not None:
            self.watch.checked = float("-inf")
        return self.current()

    def current(self) -> "Service":
        """This service answering from one version of the library: the newest, when the pointer moved (checked
        at most once a second). A one-off corpus's service is itself."""
        if self.watch is None:
            return self
        index = self.watch.fresh(self.index)
        if index is not self.index:
            self.index = index
        return replace(self, index=index)

    def query(self, question: str) -> Query:
        """The question prepared once (cleaned, normalised, encoded, read); raises ``BadQuestion``."""
        return Query.make(question, self.index, self.encoder)

    def ask(self, question: str, k: int | None = None, mode: str | None = None,
            docs: Sequence[str] | None = None) -> Answer:
        """Answer ``question``: what ``qa ask``, the web page, the API and ``qa eval`` all call. ``docs``: only
        these documents (ids, id prefixes or names) are searched and cited."""
        k, mode = self._options(k, mode)  # before encoding: a bad option costs nothing
        svc = self.current()
        only = svc.allowed(docs)
        return svc._answer_query(svc.query(question), k, mode, only)

    def answer(self, query: Query, k: int | None = None, mode: str | None = None,
               docs: Sequence[str] | None = None) -> Answer:
        """Retrieve for a prepared ``query`` and compose its answer; a two-part question is answered part by part."""
        return self._answer_query(query, *self._options(k, mode), self.allowed(docs))

    def allowed(self, docs: Sequence[str] | None) -> np.ndarray | None:
        """Per chunk, whether it is in one of ``docs`` (ids, id prefixes or names); None for all."""
        if not docs:
            return None
        names = {resolve(d, self.index.documents or self._corpus_documents(), self.settings.library)["name"]
                 for d in docs}
        return self.index.rows_of(names)

    def _corpus_documents(self) -> list[dict]:
        """A one-off corpus's documents, by name (``--doc`` on ``--corpus``): the chunk ids' prefixes."""
        names = dict.fromkeys(c.doc for c in self.index.chunks)
        return [{"id": n, "name": n} for n in names]

    def _answer_query(self, query: Query, k: int, mode: str, only: np.ndarray | None = None) -> Answer:
        answer = self._with_page_images(self._answer_parts(query, k, mode, only))
        if query.readings:  # say how the question was read: a wrong reading is then plain to see
            read = "; ".join(f"read {short} as {term}" for short, term in query.readings)
            answer = replace(answer, reason=f"{read}; {answer.reason}")
        return answer

    def _with_page_images(self, answer: Answer) -> Answer:
        """Each citation of a PDF page whose file the library keeps gets ``page_image``: the route of that page's
        image with the passage highlighted (``qa.serve.pages``)."""
        if self.library is None:
            return answer
        cites = tuple(replace(c, page_image=page_image_url(c.doc["id"], c.page, c.id))
                      if c.page and c.doc and c.doc.get("id") and self.library.original(c.doc["id"]) else c
                      for c in answer.citations)
        return replace(answer, citations=cites)

    def _answer_parts(self, query: Query, k: int, mode: str, only: np.ndarray | None = None) -> Answer:
        # a question naming a term no searched document writes is refused whole, not part by part: a second part
        # (有推荐的 App 吗) leans on what the first names (手机或者 iPad)
        if query.parts and not query.unread:
            parts = [self._answer(Query.make(part, self.index, self.encoder, vec, context), k, mode, only)
                     for part, vec, context in zip(query.parts, query.part_vectors, part_contexts(query.parts))]
            return combine(query, parts, k, self.index.lexicon.name)
        return self._answer(query, k, mode, only)

    def hits(self, query: Query, k: int, mode: str, only: np.ndarray | None = None) -> tuple[list[Hit], Scores]:
        """The top ``max(k, REACH)`` chunks for ``query`` in ``mode`` (a hybrid ranking re-ranked by the model's
        ``Ranker``; answer candidates come from ``DEPTH`` of them, or a few more down to ``REACH``, whatever
        ``k`` is cited), and every chunk's scores. ``only``: a bool per chunk, the chunks that may be hits."""
        scores = score(self.index, query, self.settings.lexical, only)
        n = len(self.index.chunks) if only is None else int(only.sum())
        hits = ranked(self.index, query, scores, mode, self.settings, self.model.ranker, min(max(k, REACH), n), only)
        return with_total_rows(self.index, query, hits, DEPTH), scores

    def _answer(self, query: Query, k: int, mode: str, only: np.ndarray | None = None) -> Answer:
        hits, scores = self.hits(query, k, mode, only)
        return compose(query, self.index, hits, scores, self.model, k)

    def _options(self, k: int | None, mode: str | None) -> tuple[int, str]:
        k = self.settings.k if k is None else k
        mode = self.settings.mode if mode is None else mode
        if mode not in MODES:
            raise BadQuestion(f"unknown mode {mode!r}; use one of: {', '.join(MODES)}")
        if not isinstance(k, int) or not 1 <= k <= 100:
            raise BadQuestion(f"k must be between 1 and 100, not {k}")
        return k, mode


class _Watch:
    """The library's ``CURRENT`` pointer: its stamp is read at most once every ``every`` seconds, and a new
    version is loaded when it moved. A version that fails to load (a build swapping again under it) keeps
    the old index, and is tried again at the next check."""

    def __init__(self, folder: Path, stamp: tuple[int, int] | None, every: float = 1.0):
        self.folder, self.stamp, self.every = folder, stamp, every
        self.checked = time.monotonic()
        self.lock = threading.Lock()

    def fresh(self, index: Index) -> Index:
        now = time.monotonic()
        if now - self.checked < self.every or not self.lock.acquire(blocking=False):
            return index  # checked a moment ago, or another thread is loading: answer from what is loaded
        try:
            self.checked = now
            stamp = ix.pointer_stamp(self.folder)
            if stamp is None or stamp == self.stamp:
                return index
            try:
                new = ix.load(self.folder)
            except IndexUnusable as e:
                log.warning("library changed but its new version did not load (%s); answering from the old one", e)
                return index
            new.warm()  # here, not on the first questions (the others answer from the old version meanwhile)
            log.info("library changed: %d chunks now (was %d)", len(new.chunks), len(index.chunks))
            self.stamp = stamp
            return new
        finally:
            self.lock.release()


def _checked(folder: Path, check: Callable[[Manifest], None], sentences: bool,
             rebuild: bool) -> tuple[Index | None, str | None]:
    """The index in ``folder`` if ``check`` passes on its manifest (and it has sentence vectors when they are
    needed); else ``(None, why)`` to rebuild it (``why`` None when there is none yet), or, with ``rebuild``
    false, the ``IndexUnusable`` that says why."""
    try:
        manifest = ix.read_manifest(folder)
        check(manifest)
        if sentences and manifest.sentences == 0:
            problem = "index was built for retrieval only (no sentence vectors)"
            raise IndexUnusable(f"{folder}: {problem}; rebuild with: qa index --rebuild", problem=problem)
        return ix.load(folder), None
    except IndexMissing:
        if not rebuild:
            raise
        return None, None
    except IndexUnusable as e:
        if not rebuild:
            raise
        if isinstance(e, SegmentDamaged):
            ix.set_aside_damaged(folder)  # written anew by the rebuild, not reused
        return None, e.problem


def _wanted_lexicon(settings: Settings) -> str | None:
    """The name of the lexicon a setting asks for ("" for none; a bad name raises ``LexiconError`` here), or None:
    the indexed documents' own, as the index stored it."""
    return None if settings.lexicon is None else named(settings.lexicon).name
