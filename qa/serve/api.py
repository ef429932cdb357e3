"""The HTTP API over one ``Service``: JSON routes and an OpenAI-compatible chat endpoint.

    POST /api/ask             {"question": "驻地协调员办公室有多少核心职位", "k": 5, "mode": "hybrid", "docs": [id…]}
                              -> exactly the object ``qa ask --json`` prints
    GET  /api/documents       the library's catalog, as ``qa list --json`` prints it
    POST /api/documents       multipart upload (field ``file``): add it, as ``qa add`` does -> its catalog entry
    DELETE /api/documents/{id} remove it (id, id prefix or name), as ``qa remove`` does
    GET  /api/documents/{id}/pages/{n}.png?chunk={chunk id}
                              page n of a PDF as PNG, the chunk highlighted (``qa.serve.pages``; or ``span=start,end``)
    GET  /api/chunks/{id}     -> the chunk as ``qa chunks --json`` prints it (``#`` in an id is ``%23``)
    GET  /api/health          -> {"status": "ok", "corpus": …, "index": the manifest, "workers": 2, "pool": "process"}
    POST /v1/chat/completions OpenAI Chat Completions, plain and ``stream: true`` (``qa.serve.chat``)
    GET  /v1/models           the one model, ``qa-e2020-54``
    GET  /docs                the OpenAPI description (Swagger UI served from the package, no CDN)

Questions are answered in a pool (``Pool``), never on the event loop: worker
processes, one per core, for ``qa serve`` (the Python half of an answer then
does not wait for one interpreter's lock), or threads of this process (the
default of ``build_api``, for tests and embedding). The chat page shares the
same pool (``qa.serve.web``), so page and API together never run more questions at
once than the pool has workers.

With an LLM (``qa serve --llm URL``, ``qa.write``), ``/api/ask`` takes ``"write": true`` and
``/v1/chat/completions`` is written by it, each sentence streamed as it passes its check; the LLM is
called from this process, never from a worker.

Errors are one line in the CLI's wording. ``/api/*`` answers ``{"error": "…"}``;
``/v1/*`` answers OpenAI's ``{"error": {"message": "…", "type": …}}`` so its
clients show the message. Bad input (empty question, bad ``k`` or ``mode``, bad
JSON, unknown field, unknown document in ``docs``, a bad page number, chunk, span or scale) is 400, an unknown
chunk, document or page 404, the page image of a document that has none (not a PDF) 409, a body over
``max_body`` bytes (an upload: ``max_upload``) 413, a file of a format the library cannot read 415, a
file it cannot parse 400, and with an API key set, a missing or wrong ``Authorization: Bearer``
is 401 on ``/api/*`` and ``/v1/*`` — but for a GET of a page image whose link carries a valid, unexpired
signature (``pages.Links``: with a key, every ``page_image`` this app hands out, in ``/api/ask`` and
``/v1/chat/completions``, and on the chat page, is signed, so a browser can follow it). A long question
is cut as in the CLI, with a ``notice``. CORS headers only for origins given.

Uploads and removals run in this process, one at a time (the library's lock), and swap the library
atomically; every worker answers from the old library or the new one and picks up the new one within a
second (``Service.current``).

Does not serve the chat page (``qa.serve.web`` mounts it on this app), limit request
rates, authenticate the page, or keep anything between requests.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import multiprocessing
import os
import tempfile
import threading
import time
import uuid
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa.config import NO_LLM
from qa.serve import chat, pages
from qa.errors import BadQuestion, CorpusError, FileTooLarge, QAError, UnsupportedFormat
from qa.search.library import UnknownDocument
from qa.search.retrieve import MODES

log = logging.getLogger(__name__)

# Threads answering questions. Two per core: measured on 2 shared cores with 50 clients, 4 threads gave
# 0.98 of in-process throughput, 2 gave 0.65 (a core idles while the other thread holds the GIL) and
# 8 gave 0.76 (threads queue for the GIL). Capped so a big machine does not start a crowd.
WORKERS = min(8, 2 * (os.cpu_count() or 1))
# Processes answering questions, for qa serve: one per core, each answering one question at a time. Measured
# on 2 shared cores with 50 clients: see docs/api.md (Load).
PROCESSES = min(8, os.cpu_count() or 1)
POOLS = ("process", "thread")
MAX_BODY = 1 << 20  # bytes; a question is cut at 500 characters anyway, a chat history rarely needs more
MAX_UPLOAD = 50 << 20  # bytes of one uploaded document (qa serve --max-upload MB)
UPLOAD = "/api/documents"  # the route whose POST body may be up to max_upload
GUARDED = ("/api/", "/v1/")  # path prefixes that need the key and have the body limit
EXAMPLE = "驻地协调员办公室有多少核心职位"


@dataclass(frozen=True)
class ApiOptions:
    api_key: str | None = None  # when set, required as "Authorization: Bearer KEY" on GUARDED paths
    cors: tuple[str, ...] = ()  # origins allowed to call from a browser; none by default
    pool: str = "thread"  # "thread": threads of this process; "process": worker processes (what qa serve runs)
    workers: int | None = None  # answering at once; default WORKERS threads or PROCESSES processes
    max_body: int = MAX_BODY
    max_upload: int = MAX_UPLOAD
    link_lifetime: int = pages.LIFETIME  # seconds (at least) a signed page_image link opens without the key

    @property
    def pool_size(self) -> int:
        return self.workers or (PROCESSES if self.pool == "process" else WORKERS)


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach.

    >>> [is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "localhost", "0.0.0.0", "", "192.168.1.5", "example.org")]
    [True, True, True, True, False, False, False, False]
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve to anything


def check_bind(host: str, api_key: str | None) -> None:
    """Refuse to listen beyond loopback without an API key."""
    if not is_loopback(host) and not api_key:
        raise BadQuestion(f"refusing to listen on {host or 'all addresses'!r} without an API key; "
                          "set one with --api-key KEY or QA_API_KEY, or listen on 127.0.0.1")


class Pool:
    """The service behind a fixed pool of ``workers``: ``ask`` blocks its caller (the page's handler),
    ``run(fn, *args)`` awaits ``fn(service, *args)`` on the pool (the API's routes). Quacks like a Service
    for ``build_app``.

    ``kind="thread"``: threads of this process share ``service``. ``kind="process"``: each worker is a
    process (spawned, never forked: ONNX Runtime's threads do not survive a fork) that opens its own
    Service from ``service.settings`` and answers one question at a time, so answering is not bound by one
    interpreter's lock; ``fn`` must then be a module-level function (it is sent by name).
    """

    def __init__(self, service, workers: int = WORKERS, kind: str = "thread"):
        if workers < 1:
            raise BadQuestion(f"--workers must be at least 1, not {workers}")
        if kind not in POOLS:
            raise BadQuestion(f"unknown pool {kind!r}; use one of: {', '.join(POOLS)}")
        self.service, self.settings, self.index = service, service.settings, service.index
        self.workers, self.kind = workers, kind
        if kind == "thread":
            self._pool: Executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qa-ask")
        else:
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_open_worker, initargs=(service.settings,))
            self._warm()

    def _warm(self) -> None:
        """Start every worker process now, not on the first questions (``workers`` tasks at once start
        ``workers`` processes); a worker that cannot open the index fails here, at startup."""
        try:
            for f in [self._pool.submit(_in_worker, _ready) for _ in range(self.workers)]:
                f.result(timeout=300)
        except BrokenProcessPool as e:
            raise QAError(f"a worker process could not start ({e}); try --pool thread, or see the log") from e

    def submit(self, fn, *args) -> Future:
        if self.kind == "thread":
            return self._pool.submit(fn, self.service, *args)
        return self._pool.submit(_in_worker, fn, *args)

    def ask(self, question: str, k: int | None = None, mode: str | None = None, docs=None):
        return self.submit(_ask, question, k, mode, docs).result()

    async def run(self, fn, *args):
        return await asyncio.wrap_future(self.submit(fn, *args))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# What a pool runs: module-level, so a process pool can send them by name. Each takes the service first.

_worker_service = None  # in a worker process: the Service it opened


def _open_worker(settings) -> None:
    global _worker_service
    os.environ.setdefault("QA_THREADS", "1")  # one process a core already keeps the cores busy
    _exit_with_parent(os.getppid())
    from qa.serve.service import Service  # call time, in the worker process: at load, serve.web -> serve.api -> serve.service would run 9 modules deep

    _worker_service = Service.open(settings, rebuild=False)
    _worker_service.index.warm()


def _exit_with_parent(parent: int, every: float = 1.0) -> None:
    """End this worker within ``every`` seconds of its server's end, however the server ended (a SIGTERM
    that skips the pool's shutdown, a SIGKILL): an orphaned worker would hold its ~450 MB for ever."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(0)

    threading.Thread(target=watch, name="qa-parent-watch", daemon=True).start()


def _in_worker(fn, *args):
    return fn(_worker_service, *args)


def _ready(service) -> int:
    return os.getpid()


def _ask(service, question: str, k: int | None, mode: str | None, docs=None):
    return service.ask(question, k, mode, docs)


def _ask_json(service, question: str, k: int | None, mode: str | None, docs=None,
              links: pages.Links | None = None) -> bytes:
    return _dumps(_signed(service.ask(question, k, mode, docs), links).to_json())


def _answer_chat(service, req: chat.ChatRequest, links: pages.Links | None = None) -> tuple[str, dict]:
    understood, asked = chat.question_of(req.messages)
    answer = _signed(service.ask(understood, req.k, req.mode, req.docs), links)
    data = answer.to_json()
    return chat.reply_text(answer, data, understood if understood != asked else None), data


def _signed(answer, links: pages.Links | None):
    """``answer`` with its ``page_image`` links signed, when the server has a key (``links``)."""
    return answer if links is None else links.answer(answer)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"question": EXAMPLE, "k": 5}]})
    question: str = Field(description="the question, in Chinese, Traditional Chinese or English; cut at 500 characters")
    k: int | None = Field(None, strict=True, description="passages to cite, 1–100 (default 5)")
    mode: Literal[MODES] | None = Field(None, description="retrieval (default hybrid)")  # type: ignore[valid-type]
    docs: list[str] | None = Field(None, description="only these documents (ids, id prefixes or names; default all)")
    write: bool = Field(False, strict=True, description="also have the server's LLM write the answer from the cited "
                                                        "passages, every sentence checked (needs qa serve --llm URL)")


# -- errors ------------------------------------------------------------------------------------------

def error(path: str, status: int, message: str, headers: dict | None = None) -> JSONResponse:
    """``{"error": message}``, or OpenAI's error object on ``/v1/*``."""
    if path.startswith("/v1/"):
        kind = {401: "authentication_error", 404: "not_found_error"}.get(
            status, "invalid_request_error" if status < 500 else "server_error")
        body: dict[str, object] = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    else:
        body = {"error": message}
    return JSONResponse(body, status_code=status, headers=headers)


def validation_message(exc: RequestValidationError, path: str = "/api/ask") -> str:
    """One line for the first problem pydantic found in a request body."""
    e = exc.errors()[0]
    send = (f'send {{"messages": [{{"role": "user", "content": "{EXAMPLE}"}}]}}' if path.startswith("/v1/")
            else f'send {{"question": "{EXAMPLE}"}}')
    field = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
    kind = e.get("type", "")
    if kind == "json_invalid":
        return f'the request body is not valid JSON ({e.get("ctx", {}).get("error", "syntax error")}); {send}'
    if kind == "missing" and not field:
        return f"the request body is empty; {send}"
    if kind == "missing":
        return f'"{field}" is missing; {send}'
    if kind == "extra_forbidden":
        return f'unknown field "{field}"; use question, k, mode, docs and write'
    if kind == "literal_error" and field == "mode":
        return f"unknown mode {e.get('input')!r}; use one of: {', '.join(MODES)}"
    if field in ("k", "max_tokens") or kind.startswith("int"):
        return f'"{field}" must be a whole number, not {json.dumps(e.get("input"), ensure_ascii=False)}'
    if kind in ("model_type", "model_attributes_type", "dict_type") and not field:
        return f"the request body must be a JSON object, sent with Content-Type: application/json; {send}"
    return f'"{field}": {e.get("msg", "invalid")}' if field else e.get("msg", "invalid request")


# -- the guard: API key and body size, before any route runs ----------------------------------------

class _TooLarge(Exception):
    """Raised into the app when the body passes the limit; the guard answers 413."""


class Guard:
    """ASGI middleware: on GUARDED paths, check the bearer key (or a page link's signature) and cap the request
    body."""

    def __init__(self, app, options: ApiOptions, links: pages.Links | None = None):
        self.app, self.options, self.links = app, options, links
        self._key = options.api_key.encode() if options.api_key else None

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(GUARDED) or scope.get("method") == "OPTIONS":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        refused = self._refusal(scope, headers) if self._key is not None else None
        if refused:
            return await error(path, 401, refused, {"WWW-Authenticate": "Bearer"})(scope, receive, send)
        if path.rstrip("/") == UPLOAD and scope.get("method") == "POST":
            limit = self.options.max_upload
            size = f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit} bytes"
            too_large = error(path, 413, f"document over {size}; split it, or start the server with a larger "
                                         f"--max-upload")
        else:
            limit = self.options.max_body
            too_large = error(path, 413, f"request body over {limit} bytes; ask one question (it is cut at 500 characters)")
        try:
            if int(headers.get(b"content-length", b"0")) > limit:
                return await too_large(scope, receive, send)
        except ValueError:
            return await error(path, 400, "bad Content-Length header")(scope, receive, send)
        seen, over = 0, False

        async def counted():
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:  # a chunked body, with no Content-Length to refuse up front
                over = True
                raise _TooLarge
            return message

        async def sending(message):
            if not over:  # once over, whatever the app makes of the cut body is dropped for the 413
                await send(message)

        try:
            await self.app(scope, counted, sending)
        except _TooLarge:
            pass
        if over:
            await too_large(scope, receive, send)

    def _refusal(self, scope, headers: dict) -> str | None:
        """Why the request may not pass (one line), or None: the right bearer key, or, for a GET of a page
        image, a valid and unexpired link signature (whatever ``Authorization`` a browser or proxy sends)."""
        scheme, _, token = headers.get(b"authorization", b"").partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self._key or b""):
            return None
        path = scope.get("path", "")
        if self.links is None or scope.get("method") != "GET" or not pages.ROUTE.fullmatch(path):
            return "missing or wrong API key; send the header: Authorization: Bearer KEY"
        why = self.links.refusal(path, scope.get("query_string", b"").decode("latin-1"))  # as Starlette reads it
        if why is None:
            return None
        return f"{why}; open the page_image link as the server gave it (or ask again for a fresh one), " \
               "or send the header: Authorization: Bearer KEY"


# -- the app ------------------------------------------------------------------------------------------

def build_api(service, options: ApiOptions = ApiOptions()) -> FastAPI:
    """The API app for ``service``; ``app.state.pool`` is the pool that answers (share it with the page)."""
    pool = Pool(service, options.pool_size, options.pool)
    links = pages.Links.for_key(options.api_key, options.link_lifetime)  # None without a key: links unsigned
    writer = None
    if service.settings.llm is not None:  # written answers: the LLM is called from here, never from a worker
        from qa.write.writer import Writer  # the writer pulls openai (1.2 s, the write extra): only a server started with --llm loads it

        writer = Writer(service.settings.llm)
    manifest = asdict(service.index.manifest)  # at startup: /v1/models' created time
    chunk_maps: dict[int, dict] = {}  # id(index) -> {chunk id -> Chunk}, for the index in use

    def chunks() -> dict:
        index = service.current().index
        if id(index) not in chunk_maps:
            chunk_maps.clear()
            chunk_maps[id(index)] = {c.id: c for c in index.chunks}
        return chunk_maps[id(index)]
    from fastapi_offline import FastAPIOffline  # /docs from files in the package: an intranet may have no CDN

    app = FastAPIOffline(title="qa: cited answers from UN report E/2020/54", version="1",
                         description=__doc__.split("\n\n")[0], openapi_url="/openapi.json", docs_url="/docs",
                         redoc_url=None)
    app.state.pool = pool
    app.state.writer = writer  # None: no LLM, extractive answers only
    app.state.links = links  # signs the page_image links the chat page shows, as the routes sign theirs

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        return error(request.url.path, 400, validation_message(exc, request.url.path))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):  # 405 and the like, in our shape
        return error(request.url.path, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(QAError)
    async def qa_error(request: Request, exc: QAError):
        status = (404 if isinstance(exc, UnknownDocument) and request.method == "DELETE" else
                  415 if isinstance(exc, UnsupportedFormat) else
                  413 if isinstance(exc, FileTooLarge) else
                  400 if isinstance(exc, (BadQuestion, CorpusError)) else 500)
        if status == 500:
            log.error("%s: %s", request.url.path, exc)
        return error(request.url.path, status, str(exc))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception):
        log.exception("%s failed", request.url.path)
        return error(request.url.path, 500, "internal error; the server log has the details")

    @app.post("/api/ask", summary="Answer a question, citing passages and sources")
    async def ask(body: AskRequest) -> Response:
        """The answer object of ``qa ask --json``: question, abstained, answer, citations, highlight, notice…;
        with ``"write": true``, also ``written`` (the LLM's answer, sentence by sentence with its check)."""
        if not body.write:
            return Response(await pool.run(_ask_json, body.question, body.k, body.mode, body.docs, links),
                            media_type="application/json")
        if writer is None:
            return error("/api/ask", 400, NO_LLM)
        answer = _signed(await pool.run(_ask, body.question, body.k, body.mode, body.docs), links)
        return Response(_dumps((await writer.write(answer.question, answer)).to_json()), media_type="application/json")

    @app.get("/api/chunks/{chunk_id:path}", summary="One chunk of the corpus, as qa chunks --json prints it")
    async def chunk(chunk_id: str) -> Response:
        c = chunks().get(chunk_id)
        if c is None:
            return error("/api/", 404, f"no chunk {chunk_id!r}; list the ids with: qa chunks --json "
                                       "(write # as %23 in a URL)")
        return Response(_dumps(c.to_json()), media_type="application/json")

    @app.get("/api/health", summary="Status and the index manifest")
    async def health() -> dict:
        index = service.current().index
        return {"status": "ok", "corpus": str(service.settings.corpus or service.settings.library),
                "index": asdict(index.manifest), "documents": len(index.documents), "workers": pool.workers,
                "pool": pool.kind}

    @app.get("/api/documents", summary="The library's documents, as qa list --json prints them")
    async def documents() -> Response:
        return Response(_dumps(library_of(service).catalog()), media_type="application/json")

    @app.post("/api/documents", summary="Add a document to the library (multipart field 'file'), as qa add does")
    async def upload(request: Request) -> Response:
        form = await request.form()
        file = form.get("file")
        if file is None or isinstance(file, str):
            return error("/api/", 400, "no file; send it as multipart/form-data in the field 'file' "
                                       "(curl -F file=@report.pdf …)")
        data = await file.read()
        entry, status = await asyncio.to_thread(add_upload, service, file.filename or "upload", data)
        return Response(_dumps({**entry, "status": status}), status_code=201 if status == "added" else 200,
                        media_type="application/json")

    @app.delete("/api/documents/{id}", summary="Remove a document from the library, as qa remove does")
    async def remove(id: str) -> Response:  # noqa: A002 (the route's documented name)
        library_of(service).resolve(id)  # 404 before any work
        entry = await asyncio.to_thread(remove_document, service, id)
        return Response(_dumps({**entry, "status": "removed"}), media_type="application/json")

    @app.get("/api/documents/{doc}/pages/{number}.png", summary="A page of a PDF document as PNG, a passage highlighted",
             response_class=Response, responses={200: {"content": {"image/png": {}}}})
    async def page_image(doc: str, number: str, chunk: str | None = None, span: str | None = None,
                         scale: str | None = None) -> Response:
        """Page ``number`` (physical, from 1) drawn at ``scale`` (default 1.5, clamped to 0.5–3), with the chunk
        ``chunk`` (``#`` as ``%23``) or the span ``start,end`` of the page's text under translucent yellow."""
        from qa.search.library import UnknownDocument  # as in qa_error: loaded when a library route runs

        path = f"/api/documents/{doc}/pages/{number}.png"
        if service.library is None:
            return error(path, 404, "no page images: this server answers from a one-off corpus (--corpus); "
                                    "start it without --corpus to use the library")
        try:
            png = await asyncio.to_thread(pages.page_png, service.library, doc, number, chunk, span, scale)
        except (UnknownDocument, pages.PageMissing) as e:
            return error(path, 404, str(e))
        except pages.NoPageImages as e:
            return error(path, 409, str(e))
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})

    @app.post("/v1/chat/completions", summary="OpenAI Chat Completions (plain or stream: true)")
    async def completions(req: chat.ChatRequest) -> Response:
        ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        write = writer is not None if req.write is None else req.write
        if write:
            return await _written_completion(req, ident, created)
        text, data = await pool.run(_answer_chat, req, links)  # errors surface here, before any streaming
        if not req.stream:
            return Response(_dumps(chat.completion(text, data, ident, created)), media_type="application/json")

        async def events():
            for c in chat.chunks(text, data, ident, created):
                yield _event(c)
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    async def _written_completion(req: chat.ChatRequest, ident: str, created: int) -> Response:
        """The LLM's answer, each sentence sent as it passes its check (``chat.written_reply``)."""
        if writer is None:
            return error("/v1/", 400, NO_LLM)
        understood, asked = chat.question_of(req.messages)
        answer = _signed(await pool.run(_ask, understood, req.k, req.mode, req.docs), links)  # errors: before streaming
        pieces = chat.written_reply(writer, answer, understood if understood != asked else None)
        if not req.stream:
            text, data = "", {}
            async for p in pieces:
                if isinstance(p, str):
                    text += p
                else:
                    data = p.to_json()  # the last piece: the answer with its written part
            return Response(_dumps(chat.completion(text, data, ident, created)), media_type="application/json")

        async def events():
            yield _event(chat.chunk(ident, created, {"role": "assistant", "content": ""}))
            async for p in pieces:
                if isinstance(p, str):
                    yield _event(chat.chunk(ident, created, {"content": p}))
                else:
                    data = p.to_json()
                    yield _event(chat.chunk(ident, created, {}, "stop", citations=data["citations"], qa=data))
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.get("/v1/models", summary="The one model this service answers as")
    async def models() -> dict:
        return {"object": "list", "data": [{"id": chat.MODEL, "object": "model", "created": _epoch(manifest),
                                            "owned_by": "qa"}]}

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    @app.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown(request: Request) -> Response:  # not the chat page's 404: the API's own, in its shape
        return error(request.url.path, 404, f"no route {request.method} {request.url.path}; see /docs")

    app.add_middleware(Guard, options=options, links=links)
    if options.cors:  # outside the guard, so a 401 or 413 still carries the CORS headers
        app.add_middleware(CORSMiddleware, allow_origins=list(options.cors), allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])
    return app


def _event(obj) -> bytes:
    return b"data: " + _dumps(obj) + b"\n\n"


def library_of(service):
    """The library the service answers from; ``BadQuestion`` (400) when it answers from a one-off corpus."""
    if service.library is None:
        raise BadQuestion("this server answers from a one-off corpus (--corpus); start it without --corpus "
                          "to use the library")
    return service.library


def add_upload(service, filename: str, data: bytes) -> tuple[dict, str]:
    """Add an uploaded file to the library (kept under its own name in a temporary folder while it is read)."""
    lib = library_of(service)
    name = Path(filename.replace("\\", "/")).name or "upload"
    with tempfile.TemporaryDirectory(prefix="qa-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        out = lib.add([path], service.encoder, progress=False)
    if out.failed:
        e = out.failed[0][1]
        raise type(e)(str(e).replace(str(path), name))  # the file's name, not the temporary folder's
    service.refresh()
    if out.skipped:
        return out.skipped[0][1], "skipped"
    return out.added[0], "added"


def remove_document(service, doc: str) -> dict:
    entry = library_of(service).remove(doc, service.encoder, progress=False)
    service.refresh()
    return entry


def _dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def _epoch(manifest: dict) -> int:
    try:
        return int(datetime.fromisoformat(str(manifest.get("built_at"))).timestamp())
    except ValueError:
        return 0
