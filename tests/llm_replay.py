"""An OpenAI-compatible HTTP server, in process, that replays scripted completions: the LLM of the tests.

Each model name is a script: a function of the request's prompt that returns a ``Reply`` (text, an
HTTP error, raw bytes, a stall). A script reads the numbered passages it was sent, as a model
would, so its citations point at real passages of the real report:

    with ReplayLLM({"right": lambda p: Reply(f"共有五个核心职位{p.cite('五个核心职位')}。")}) as llm:
        Writer(LLMSettings(llm.url, "right"))  # …

Served with the standard library (``http.server``), plain and ``stream: true`` (server-sent events),
on a free loopback port; ``requests`` keeps every request's body and headers for the tests to read.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    content: str = ""
    status: int = 200  # anything else: an OpenAI error object with this status
    raw: bytes | None = None  # sent as the body instead, as is, with status 200
    stall: float = 0.0  # seconds of silence: before anything, or after ``stall_after`` pieces
    stall_after: int | None = None
    piece: int = 5  # characters per streamed chunk


class Prompt:
    """The request's prompt, read as a model reads it: the passages by number, the hint, the question."""

    def __init__(self, messages: list[dict]):
        self.system = "\n".join(m["content"] for m in messages if m["role"] == "system")
        self.user = "\n".join(m["content"] for m in messages if m["role"] == "user")
        self.question = self.user.rsplit("Question: ", 1)[-1].strip()
        hint = re.search(r"may answer the question \(a hint; it may be incomplete\):\n(.*?)\n\nQuestion: ", self.user, re.DOTALL)
        self.hint = hint.group(1).strip() if hint else None
        body = self.user.split("Passages:", 1)[-1]
        body = re.split(r"\n\n(?:A sentence taken from the passages|Question: )", body)[0]
        self.passages = {int(m.group(1)): m.group(2) for m in
                         re.finditer(r"^\[(\d+)\] (.*?)(?=^\[\d+\] |\Z)", body, re.MULTILINE | re.DOTALL)}

    def n(self, needle: str) -> int:
        """The number of the first passage that holds ``needle`` (spaces ignored)."""
        squashed = "".join(needle.split())
        for n, text in self.passages.items():
            if squashed in "".join(text.split()):
                return n
        raise LookupError(f"no passage holds {needle!r}")

    def cite(self, needle: str) -> str:
        return f"[{self.n(needle)}]"

    def other(self, needle: str) -> str:
        """A passage that does not hold ``needle``."""
        squashed = "".join(needle.split())
        return f"[{next(n for n, t in self.passages.items() if squashed not in ''.join(t.split()))}]"


def parrot(p: Prompt) -> Reply:
    """A model that writes the hint back, each of its sentences citing the passage that holds the sentence's
    start (the first passage when none does), and declines when there is no hint."""
    from qa.answer.reply import NO_ANSWER
    from qa.write.verify import Splitter

    if not p.hint:
        return Reply(NO_ANSWER)
    cut = Splitter()
    out = []
    for s in cut.feed(p.hint) + cut.end():
        body = s.rstrip("。！？!?")
        try:
            n = p.n(body[:12])
        except LookupError:
            n = 1
        out.append(f"{body}[{n}]{s[len(body):] or '。'}")
    return Reply("\n".join(out))


class ReplayLLM:
    def __init__(self, scripts: dict[str, Callable[[Prompt], Reply]]):
        self.scripts = scripts
        self.requests: list[dict] = []
        self.stop = threading.Event()
        self.in_flight: dict[str, int] = {}  # model -> completions being answered now
        self.most_in_flight: dict[str, int] = {}  # model -> the most answered at once
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    data = [{"id": name, "object": "model", "created": 0, "owned_by": "replay"} for name in outer.scripts]
                    return self._json(200, {"object": "list", "data": data})
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                outer.requests.append({"body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
                script = outer.scripts.get(body.get("model"))
                if script is None:
                    return self._json(404, {"error": {"message": f"model {body.get('model')!r} not found",
                                                      "type": "not_found_error"}})
                try:
                    reply = script(Prompt(body.get("messages", [])))
                except Exception as e:  # a script that cannot read its prompt: a server error, as a real one gives
                    reply = Reply(status=500, content=f"{type(e).__name__}: {e}")
                model = body.get("model")
                with outer._lock:
                    outer.in_flight[model] = outer.in_flight.get(model, 0) + 1
                    outer.most_in_flight[model] = max(outer.most_in_flight.get(model, 0), outer.in_flight[model])
                try:
                    self._reply(reply, body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout)
                finally:
                    with outer._lock:
                        outer.in_flight[model] -= 1

            def _reply(self, reply: Reply, body: dict):
                if reply.stall and reply.stall_after is None:
                    outer.stop.wait(reply.stall)
                if reply.raw is not None:
                    return self._send(200, reply.raw, "application/json")
                if reply.status != 200:
                    return self._json(reply.status, {"error": {"message": reply.content or f"scripted failure {reply.status}",
                                                               "type": "server_error"}})
                head = {"id": "chatcmpl-replay", "created": int(time.time()), "model": body["model"]}
                if not body.get("stream"):
                    return self._json(200, {**head, "object": "chat.completion", "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": reply.content}, "finish_reason": "stop"}]})
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()

                def event(delta: dict, finish=None):
                    chunk = {**head, "object": "chat.completion.chunk",
                             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                    self.wfile.write(b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n")
                    self.wfile.flush()

                event({"role": "assistant", "content": ""})
                pieces = [reply.content[i:i + reply.piece] for i in range(0, len(reply.content), reply.piece)]
                for i, p in enumerate(pieces):
                    if reply.stall_after is not None and i == reply.stall_after:
                        outer.stop.wait(reply.stall)
                    event({"content": p})
                event({}, "stop")
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _json(self, status: int, obj: dict):
                self._send(status, json.dumps(obj, ensure_ascii=False).encode(), "application/json")

            def _send(self, status: int, data: bytes, kind: str):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> ReplayLLM:
        threading.Thread(target=self._server.serve_forever, name="replay-llm", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()  # releases any stalled reply
        self._server.shutdown()
        self._server.server_close()


if __name__ == "__main__":  # python -m tests.llm_replay: the parrot on a free port, for trying qa by hand
    with ReplayLLM({"parrot": parrot}) as server:
        print(server.url, flush=True)
        threading.Event().wait()
