"""What an upload is: libmagic on its first bytes, and for raster images libvips off the loop.

libvips reads the header first, so an image declaring more than the pixel cap (a 45-byte PNG
declaring 20000×20000) is refused before anything is decoded; the thumbnail is made with
shrink-on-load in a small, bounded thread pool, and a file that fails to decode is kept as a
plain file without a preview. Types outside the raster allow-list (SVG, PSD, TIFF, archives) are
never decoded at all.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import magic
import pyvips

from backend.adapters.blobs.dimensions import declared_size
from backend.domain.errors import InvalidInput
from backend.domain.ports import Inspection

log = logging.getLogger(__name__)

RASTER = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
THUMB_PX = 800
PLACEHOLDER_PX = 24  # a webp this small is ~100-300 bytes: it rides in the file record itself
PLACEHOLDER_MAX_CHARS = 1024  # the column's width; a larger one is simply not kept


def _sniff(head: bytes) -> str:
    return str(magic.from_buffer(head, mime=True)) or "application/octet-stream"


class VipsInspector:
    def __init__(self, max_pixels: int, workers: int = 2) -> None:
        self._max_pixels = max_pixels
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="thumbs")
        # libvips' operation cache would keep decoded images around: memory stays per request.
        pyvips.cache_set_max(0)
        pyvips.cache_set_max_mem(0)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def decodes(self, head: bytes) -> bool:
        return _sniff(head) in RASTER

    async def inspect(self, path: Path, head: bytes) -> Inspection:
        content_type = _sniff(head)
        if content_type not in RASTER:
            return Inspection(content_type)
        declared = declared_size(head, content_type)
        if declared is not None:
            self._check_pixels(*declared)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._image, path, content_type)

    def _check_pixels(self, width: int, height: int) -> None:
        if width * height > self._max_pixels:
            raise InvalidInput(
                f"The image is {width}×{height}; at most {self._max_pixels} pixels are accepted.",
                code="image_too_large",
            )

    def _image(self, path: Path, content_type: str) -> Inspection:
        try:
            header = pyvips.Image.new_from_file(str(path), access="sequential")
            width, height = int(header.width), int(header.height)
        except pyvips.Error:
            return Inspection(content_type)  # magic said image, libvips disagrees: a plain file
        self._check_pixels(width, height)
        try:
            thumb = pyvips.Image.thumbnail(
                str(path), THUMB_PX, height=THUMB_PX, size="down", fail_on="error"
            )
            data = bytes(thumb.write_to_buffer(".webp[Q=80,strip]"))
        except pyvips.Error as exc:
            log.info("no thumbnail for a %s upload: %s", content_type, str(exc)[:200])
            return Inspection(content_type, width, height)
        return Inspection(content_type, width, height, data, _placeholder(data))


def _placeholder(thumbnail: bytes) -> str | None:
    """A tiny webp from the (already small) thumbnail, as a data: URI the client can paint at
    once, blurred by scaling, while the real thumbnail is still on its way."""
    try:
        tiny = pyvips.Image.thumbnail_buffer(thumbnail, PLACEHOLDER_PX, height=PLACEHOLDER_PX)
        data = bytes(tiny.write_to_buffer(".webp[Q=40,strip]"))
    except pyvips.Error:
        return None
    uri = "data:image/webp;base64," + base64.b64encode(data).decode("ascii")
    return uri if len(uri) <= PLACEHOLDER_MAX_CHARS else None
