"""A synchronous httpx transport that serves requests from the sandbox app in this process, with no socket:
the fast test tier's way to reach the sandbox (`httpx.Client(transport=InProcessTransport(app))`).

The app is asynchronous, so requests run on an event loop in one background thread, one at a time as a client
sends them; the response is read whole there and handed back. An app that fails mid-request (as --chaos reset does
on purpose) reaches the client as a connection dropped before the response was complete, as over a socket.
"""

from __future__ import annotations

import asyncio
import threading

import httpx
from starlette.types import ASGIApp


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        """`client` is the peer address the app sees (the sandbox throttles per address)."""
        self._asgi = httpx.ASGITransport(app=app, client=client)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sandbox-in-process", daemon=True)
        self._thread.start()

    async def _serve(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._asgi.handle_async_request(request)
            content = await response.aread()
        except Exception as exc:  # the app's own exception is the cause, for whoever reads the traceback
            raise httpx.RemoteProtocolError(f"the sandbox app failed mid-request: {exc!r}", request=request) from exc
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return asyncio.run_coroutine_threadsafe(self._serve(request), self._loop).result()

    def close(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        if not self._loop.is_running():
            self._loop.close()
