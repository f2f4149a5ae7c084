"""Fast history seeding over the public WebSocket: pipelined `message.send` frames, counted acks."""

from __future__ import annotations

import asyncio
import json
import uuid

import websockets


async def seed_messages(
    ws_url: str, token: str, chat_id: str, count: int, *, window: int = 24, text: str = "msg {i}"
) -> None:
    """Send `count` messages with at most `window` unacknowledged; fail on any error frame."""
    async with websockets.connect(ws_url, max_size=1 << 22, compression=None) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        while json.loads(await ws.recv()).get("type") != "ready":
            pass
        acked = 0
        credit = asyncio.Semaphore(window)

        async def reader() -> None:
            nonlocal acked
            while acked < count:
                frame = json.loads(await ws.recv())
                if frame.get("type") == "message.ack":
                    acked += 1
                    credit.release()
                elif frame.get("type") == "error":
                    raise AssertionError(f"seeding failed: {frame}")

        reading = asyncio.create_task(reader())
        for i in range(count):
            await credit.acquire()
            if reading.done():
                break
            frame = {
                "type": "message.send",
                "chat_id": chat_id,
                "client_msg_id": uuid.uuid4().hex,
                "text": text.format(i=i + 1),
            }
            await ws.send(json.dumps(frame))
        await asyncio.wait_for(reading, 120)
