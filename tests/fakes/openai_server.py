"""A loopback OpenAI-compatible server: ``POST /v1/chat/completions`` with ``usage``.

Real HTTP on 127.0.0.1 (stdlib ``ThreadingHTTPServer``), so litellm's ``openai/`` provider,
the OpenAI SDK and httpx all run for real. Replies are queued per test (status, content,
delay, usage); every request body is recorded. Models listed in ``failing_models`` always
get a 500, to exercise fallbacks.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer of the fake server."""

    content: str = "ok"
    status: int = 200
    delay: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str = "scripted failure"
    headers: dict[str, str] = field(default_factory=dict)  # extra response headers
    finish_reason: str = "stop"  # "length": a reply cut at the token limit
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{name, arguments: {...}}]


@dataclass
class FakeOpenAI:
    """The server's state; use ``start()`` / ``stop()`` or ``with FakeOpenAI() as fake``."""

    replies: deque[Reply] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)  # handling time per request
    failing_models: set[str] = field(default_factory=set)
    default: Reply = field(default_factory=Reply)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def environment(self) -> dict[str, str]:
        """What sends litellm's ``openai/`` models here (a key is needed, any will do)."""
        return {"OPENAI_API_BASE": self.base_url, "OPENAI_API_KEY": "sk-loopback-test",
                "NO_PROXY": "127.0.0.1,localhost"}

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def start(self) -> FakeOpenAI:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="fake-openai", daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        with self._lock:
            self.replies.clear()
            self.requests.clear()
            self.server_ms.clear()
            self.failing_models.clear()

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            if body.get("model") in self.failing_models:
                return Reply(status=500, error=f"model {body.get('model')} is broken")
            return self.replies.popleft() if self.replies else self.default


def _count(text: str) -> int:
    return max(1, len(text) // 4)


def completion_body(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """An OpenAI chat.completion object for ``reply``."""
    prompt = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
    prompt_tokens = reply.prompt_tokens if reply.prompt_tokens is not None else _count(prompt)
    completion_tokens = (
        reply.completion_tokens if reply.completion_tokens is not None else _count(reply.content)
    )
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "unknown"),
        "choices": [
            {
                "index": 0,
                "message": _message(reply),
                "finish_reason": "tool_calls" if reply.tool_calls else reply.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _message(reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": f"call_{i}", "type": "function",
             "function": {"name": c["name"], "arguments": json.dumps(c.get("arguments", {}))}}
            for i, c in enumerate(reply.tool_calls)
        ]
    return message


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One buffered write per response and no Nagle: otherwise delayed ACKs add ~40 ms a call.
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            return

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's naming
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                self._send(
                    404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
                )
                return
            started = time.perf_counter()
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            body["_authorization"] = self.headers.get("Authorization", "")
            reply = fake.next_reply(body)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.status != 200:
                error = {"message": reply.error, "type": "server_error", "code": reply.status}
                self._send(reply.status, {"error": error}, started, reply.headers)
                return
            self._send(200, completion_body(body, reply), started)

        def _send(
            self,
            status: int,
            payload: dict[str, Any],
            started: float | None = None,
            headers: dict[str, str] | None = None,
        ) -> None:
            data = json.dumps(payload).encode()
            if started is not None:
                fake.server_ms.append((time.perf_counter() - started) * 1000)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and hung up: nothing left to answer

    return Handler
