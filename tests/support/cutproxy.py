"""A TCP relay in front of a real server that can drop its connections mid-request, as a flaky
network does: the server and the client are the real ones, only the wire between them breaks."""

from __future__ import annotations

import asyncio
import contextlib


class CuttingProxy:
    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._cut_at: int | None = None
        self.sent = 0  # bytes from clients to the server, over every connection
        self.cuts = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def cut_after(self, more: int) -> None:
        """Drop every open connection once clients have sent `more` further bytes."""
        self._cut_at = self.sent + more

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for w in list(self._writers):
            w.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target)
        self._writers |= {writer, up_writer}
        try:
            await asyncio.gather(
                self._pump(reader, up_writer, count=True), self._pump(up_reader, writer)
            )
        finally:
            for w in (writer, up_writer):
                self._writers.discard(w)
                w.close()

    async def _pump(
        self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, *, count: bool = False
    ) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await src.read(65536):
                if count:
                    self.sent += len(data)
                    if self._cut_at is not None and self.sent >= self._cut_at:
                        self._cut_at = None
                        self.cuts += 1
                        for w in list(self._writers):
                            w.transport.abort()  # a reset, like a dropped link
                        return
                dst.write(data)
                await dst.drain()
        dst.close()
