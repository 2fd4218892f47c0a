"""The webhook receiver's HTTP layer: a Starlette app served by uvicorn (both ship with Prefect).

Only HTTP lives here: the size cap (refused from ``Content-Length`` before the body is read,
and again while reading a body that lies about it), JSON replies, a health route, and a
listening socket with a deep backlog so a burst of deliveries queues instead of being reset.
What a delivery means (signature, de-duplication, events) is ``germinate.webhook``'s; it runs
in Starlette's thread pool because it does blocking SQL and forge calls.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from germinate.errors import ConfigError
from germinate.webhook import WebhookReceiver

BACKLOG = 2048  # pending connections the kernel queues (http.server's 5 reset bursts of deliveries)
KEEP_ALIVE_S = 30


class _TooLarge(Exception):
    pass


async def _read_capped(request: Request, limit: int) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _TooLarge
    return bytes(body)


def webhook_app(receiver: WebhookReceiver) -> Starlette:
    """``POST /`` takes deliveries; ``GET /healthz`` answers ``{"status": "ok"}``."""

    async def deliver(request: Request) -> JSONResponse:
        too_large = JSONResponse({"error": f"payload over {receiver.max_body} bytes"}, status_code=413,
                                 headers={"Connection": "close"})
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > receiver.max_body):
            return too_large if length.isdigit() else JSONResponse(
                {"error": "Content-Length is not a number"}, status_code=400)
        try:
            body = await _read_capped(request, receiver.max_body)
        except _TooLarge:
            return too_large
        reply = await run_in_threadpool(receiver.handle, dict(request.headers), body)
        return JSONResponse(reply.body, status_code=reply.status)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/", deliver, methods=["POST"]), Route("/healthz", health, methods=["GET"])])


def listen(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: any free one); a busy port or foreign address is a ConfigError."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}. Fix: pick a free port (--port) "
                          "and an address of this machine (--host)") from None
    return sock


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM/SIGINT after a graceful shutdown (the process dies by the signal,
    skipping cleanup); the receiver treats both as "stop": drain, close the store, exit 0."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        stops = (signal.SIGINT, signal.SIGTERM)

        def stop(signum: int, frame: object) -> None:
            if self.should_exit:  # a second signal: stop now, without draining
                self.force_exit = True
            self.should_exit = True

        previous = {sig: signal.signal(sig, stop) for sig in stops}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class WebhookServer:
    """uvicorn serving ``webhook_app(receiver)`` on a socket bound by ``listen``."""

    def __init__(self, receiver: WebhookReceiver, sock: socket.socket) -> None:
        self.sock = sock
        config = uvicorn.Config(webhook_app(receiver), backlog=BACKLOG, log_level="warning", access_log=False,
                                timeout_keep_alive=KEEP_ALIVE_S, lifespan="off")
        self.server = _Server(config)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def run(self) -> None:
        """Serve until interrupted (Ctrl-C or SIGTERM in the main thread), then close the socket."""
        try:
            self.server.run(sockets=[self.sock])
        finally:
            self.sock.close()

    @contextmanager
    def running(self) -> Iterator[str]:
        """Serve from a background thread; yields the base URL (tests, benchmarks)."""
        thread = threading.Thread(target=self.run, name="germinate-webhook", daemon=True)
        thread.start()
        try:
            while not self.server.started and thread.is_alive():
                threading.Event().wait(0.02)
            yield f"http://{self.sock.getsockname()[0]}:{self.port}/"
        finally:
            self.server.should_exit = True
            thread.join(timeout=10)
