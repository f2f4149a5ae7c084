"""The production blob store: any S3 server through `miniopy-async`.

Facts that shaped this (checked on this machine with miniopy-async 1.23.6, see SERVICES.md):
its default of 3 parallel part uploads reads ahead without bound, so parts go one at a time
(`num_parallel_uploads=1`) with a bounded part size; its unknown-length path crashes on an exact
multiple of the part size, so uploads always pass the real length (the caller spooled the file);
a client's HTTP session belongs to the loop that made it, so there is one client per event loop.

Its `put_object` reads each part into memory (8 MiB and aiohttp's copy, per upload), so an object
up to S3's single-PUT limit, and each part of a resumable upload, goes up instead through its
lower-level calls (`_put_object` and the multipart ones; pinned version) with the spooled file
itself as the body, streamed from disk.

Given a file, miniopy-async hashes it once more for the signature (8 KiB per read, in a
thread): the spool has already computed that SHA-256, so `_Minio` signs with it (the payload stays
signed, so S3 still refuses altered bytes). A part of a resumable upload has no SHA-256 of its own
(the spool hashes the whole file, and a second SHA-256 of every byte cost the two cores more than
the loop could spare): it goes `UNSIGNED-PAYLOAD` with its CRC-32 in `x-amz-checksum-crc32`,
which S3 checks the part against (versitygw answers `BadDigest`). A CRC is no proof against
someone who can rewrite the bytes in flight, so that is only done over TLS or to a loopback
address (where no one is in between); over plain HTTP to another host the part is hashed here
and signed as before. The body is the open file itself (`_SpoolBody`): sent
by the kernel from a worker thread over plain TCP, read and written in pieces over TLS. A body read
a MiB per call as an async iterator cost the event loop more, not less (+0.34 s of loop CPU per
10 × 100 MB in two before/after pairs, and twice the RSS), its big writes copied through the
transport's buffer on the loop.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import ipaddress
import logging
import os
import select
import threading
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import urlsplit

from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import BufferedReaderPayload
from miniopy_async.api import Minio
from miniopy_async.credentials.credentials import Credentials
from miniopy_async.datatypes import Part
from miniopy_async.error import S3Error
from miniopy_async.helpers import DictType

from backend.adapters.blobs.keys import CHUNK, check_key
from backend.domain.errors import NotFound, Unavailable

log = logging.getLogger(__name__)

PART_SIZE = 8 * 1024 * 1024  # one part in memory at a time per upload (past SINGLE_PUT_MAX)
SINGLE_PUT_MAX = 5 * 1024**3  # S3's largest PUT; below it the spooled file goes up as one body
# Each upload to S3 holds a part (and aiohttp's copy) in memory: a few at a time keep a replica's
# memory flat under many concurrent uploads (10 at once measured 237 MiB above baseline without
# this); the others wait with their bytes safely spooled on disk.
MAX_PUTS = 2
BODY_READ = 1024 * 1024  # per thread-pool read of a spooled body (aiohttp reads 64 KiB)
BODY_WRITE = 64 * 1024  # per write to the socket, as aiohttp writes
SENDFILE_BYTES = 1024 * 1024  # per sendfile call, so a cancel is seen between two
_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound"}


SHA256_HEADER = "x-amz-content-sha256"
CRC32_HEADER = "x-amz-checksum-crc32"
UNSIGNED = "UNSIGNED-PAYLOAD"


def _private_path(host: str | None, secure: bool) -> bool:
    """Whether no one can rewrite a body on its way: TLS, or a loopback address."""
    if secure or host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it may resolve anywhere
        return False


class _Minio(Minio):
    """Signs a body with the SHA-256 its caller passed (in the `x-amz-content-sha256` header)
    instead of reading the whole body once more to compute it. The base class is given no
    credentials for such a body: with them, over plain HTTP, it hashes the empty body it is
    handed in a worker thread, one more thread hand-off per part of a resumable upload."""

    async def _build_headers(
        self, host: str, headers: Any, body: Any, creds: Credentials | None
    ) -> tuple[dict[str, str], Any]:
        given = dict(headers or {})
        sha256 = given.pop(SHA256_HEADER, None)
        if sha256 is None or not isinstance(body, _SpoolBody):
            return await super()._build_headers(host, headers, body, creds)
        built, date = await super()._build_headers(host, given, None, None)
        built["Content-Length"] = str(body.size)
        built[SHA256_HEADER] = sha256
        if creds and creds.session_token:
            built["X-Amz-Security-Token"] = creds.session_token
        return built, date


class _SpoolBody(BufferedReaderPayload):
    """A spooled file as a request body. Over plain TCP a worker thread has the kernel send it
    (`sendfile`): read into Python and written through the transport, 10 × 100 MB of parts were
    the event loop's largest share (py-spy: the transport's writes and the thread-pool reads
    under `write_with_length`, 2 of 4.8 busy seconds during ten resumable uploads), stretches of
    up to 60 ms that other sockets' messages waited behind. (uvloop, Sanic's loop, has no
    `loop.sendfile`.) Over TLS, where the kernel cannot, it is read a MiB per thread-pool call
    (its own 64 KiB reads were 1600 handoffs to the pool per 100 MB) and written in aiohttp's
    64 KiB pieces."""

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        if content_length and await self._sendfile(writer, content_length):
            return
        loop = asyncio.get_running_loop()
        left = content_length
        while left is None or left > 0:
            n = BODY_READ if left is None else min(BODY_READ, left)
            chunk: bytes = await loop.run_in_executor(None, self._value.read, n)
            if not chunk:
                return
            view = memoryview(chunk)
            for start in range(0, len(chunk), BODY_WRITE):
                await writer.write(view[start : start + BODY_WRITE])
            if left is not None:
                left -= len(chunk)

    async def _sendfile(self, writer: AbstractStreamWriter, length: int) -> bool:
        """False (no body byte sent) where the kernel cannot send the file on this connection.
        The thread has its own duplicates of the socket's and the file's descriptors: after a
        cancel the connection is closed and the file too (`_put_file`) while the thread may be
        in its last call, and a number reused meanwhile must not be written to or read from."""
        transport = getattr(writer, "transport", None)
        if transport is None or transport.get_extra_info("sslcontext") is not None:
            return False
        sock = transport.get_extra_info("socket")
        if sock is None:
            return False
        await writer.write(b"")  # the request's head, which aiohttp holds back for the body
        await writer.drain()
        if transport.get_write_buffer_size():  # the thread's bytes must follow the loop's
            return False
        stop = threading.Event()
        f = cast(IO[bytes], self._value)  # opened "rb"
        out, source = os.dup(sock.fileno()), os.dup(f.fileno())
        try:
            await asyncio.to_thread(_send_file, out, source, f.tell(), length, stop)
        except asyncio.CancelledError:
            stop.set()
            raise
        return True


def _send_file(out: int, source: int, offset: int, count: int, stop: threading.Event) -> None:
    """In a worker thread: the non-blocking socket waited on with `poll`; both are closed."""
    try:
        writable = select.poll()
        writable.register(out, select.POLLOUT)
        while count > 0:
            if stop.is_set():
                raise ConnectionAbortedError("the request was cancelled")
            try:
                n = os.sendfile(out, source, offset, min(count, SENDFILE_BYTES))
            except BlockingIOError:
                writable.poll(1000)
                continue
            if n == 0:
                raise OSError("the spooled file ended early")
            offset, count = offset + n, count - n
    finally:
        os.close(out)
        os.close(source)


class _AsyncFile:
    """What `put_object` reads parts from: the spooled file, read off the event loop."""

    def __init__(self, path: Path) -> None:
        self._f = path.open("rb")

    async def read(self, n: int = -1) -> bytes:
        return await asyncio.to_thread(self._f.read, n)

    def close(self) -> None:
        self._f.close()


class S3BlobStore:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        region: str,
        public_url: str = "",
        max_puts: int = MAX_PUTS,
    ) -> None:
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        self._host = parts.netloc
        self._secure = parts.scheme == "https"
        self._private = _private_path(parts.hostname, self._secure)
        self._access_key = access_key
        self._secret_key = secret_key
        self._bucket = bucket
        self._region = region
        self._public_url = public_url or None  # presigned URLs name it; requests still go direct
        self._clients: dict[asyncio.AbstractEventLoop, Minio] = {}
        self._puts = asyncio.Semaphore(max_puts)

    def _client(self) -> Minio:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = _Minio(
                self._host,
                access_key=self._access_key,
                secret_key=self._secret_key,
                secure=self._secure,
                region=self._region,  # no region lookup round trip; presigning needs it too
                server_url=self._public_url,
            )
            self._clients[loop] = client
        return client

    async def start(self) -> None:
        """Make the bucket if it is not there (tests use one bucket per run)."""
        client = self._client()
        try:
            if not await client.bucket_exists(self._bucket):
                await client.make_bucket(self._bucket, location=self._region)
        except S3Error as exc:
            if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise Unavailable(f"S3 refused the bucket: {exc.code}") from None
        except OSError as exc:
            raise Unavailable(f"S3 is unreachable: {type(exc).__name__}") from None
        log.info("blob store ready (s3 %s, bucket %s)", self._host, self._bucket)

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.close_session()  # type: ignore[no-untyped-call]  # untyped upstream

    async def put(
        self, key: str, source: Path, size: int, content_type: str, sha256: str | None = None
    ) -> None:
        check_key(key)
        async with self._puts:
            if size <= SINGLE_PUT_MAX:
                proof = None if sha256 is None else {SHA256_HEADER: sha256}
                await self._put_file(key, source, content_type, None, proof)
            else:
                await self._put(key, source, size, content_type)

    async def _put_file(
        self,
        key: str,
        source: Path,
        content_type: str,
        query: DictType | None,
        proof: dict[str, str] | None,
    ) -> str:
        """One PUT whose body is the spooled file itself: aiohttp streams it from disk, so no
        part of it is ever held in memory. `proof` is the headers S3 checks the body against
        (its SHA-256, or its CRC-32 unsigned); without, the file is hashed here. The object's
        or part's ETag comes back."""
        if proof is None:
            proof = {SHA256_HEADER: await asyncio.to_thread(_sha256_of, source)}
        f = await asyncio.to_thread(source.open, "rb")
        try:
            headers: DictType = {"Content-Type": content_type, **proof}
            result: Any = await self._client()._put_object(  # see the module doc
                self._bucket,
                key,
                _SpoolBody(f),  # type: ignore[arg-type]  # a payload is what aiohttp sends
                headers,
                query_params=query,
            )
        except S3Error as exc:
            if exc.code == "NoSuchUpload":
                raise NotFound("No such upload.", code="upload_not_found") from None
            raise Unavailable(f"S3 refused the upload: {exc.code}") from None
        except OSError as exc:
            raise Unavailable(f"S3 is unreachable: {type(exc).__name__}") from None
        finally:
            await asyncio.to_thread(f.close)
        return str(result.etag)

    async def _put(self, key: str, source: Path, size: int, content_type: str) -> None:
        """Past the largest single PUT: miniopy-async's multipart, one bounded part at a time."""
        data = await asyncio.to_thread(_AsyncFile, source)
        try:
            await self._client().put_object(
                self._bucket,
                key,
                data,  # type: ignore[arg-type]  # an async read() is what it awaits
                size,
                content_type=content_type,
                part_size=PART_SIZE,
                num_parallel_uploads=1,
            )
        except S3Error as exc:
            raise Unavailable(f"S3 refused the upload: {exc.code}") from None
        except OSError as exc:
            raise Unavailable(f"S3 is unreachable: {type(exc).__name__}") from None
        finally:
            data.close()

    async def begin_parts(self, key: str) -> str:
        check_key(key)
        headers: DictType = {"Content-Type": "application/octet-stream"}  # downloads force theirs
        try:
            handle: str = await self._client()._create_multipart_upload(self._bucket, key, headers)
        except S3Error as exc:
            raise Unavailable(f"S3 refused a multipart upload: {exc.code}") from None
        except OSError as exc:
            raise Unavailable(f"S3 is unreachable: {type(exc).__name__}") from None
        return handle

    async def put_part(
        self,
        key: str,
        handle: str,
        number: int,
        offset: int,
        source: Path,
        size: int,
        crc32: int | None = None,
    ) -> str:
        check_key(key)
        query: DictType = {"partNumber": str(number), "uploadId": handle}
        proof = None
        if crc32 is not None and self._private:  # see the module doc
            proof = {SHA256_HEADER: UNSIGNED, CRC32_HEADER: _crc32_header(crc32)}
        async with self._puts:
            return await self._put_file(key, source, "application/octet-stream", query, proof)

    async def finish_parts(
        self, key: str, handle: str, parts: Sequence[tuple[int, str]], size: int
    ) -> None:
        check_key(key)
        listed = [Part(number, tag) for number, tag in parts]
        try:
            await self._client()._complete_multipart_upload(self._bucket, key, handle, listed)
        except S3Error as exc:
            if exc.code == "NoSuchUpload" and await self.size(key) == size:
                return  # finished before: a retried completion
            if exc.code == "NoSuchUpload":
                raise NotFound("No such upload.", code="upload_not_found") from None
            raise Unavailable(f"S3 refused to finish an upload: {exc.code}") from None
        except OSError as exc:
            raise Unavailable(f"S3 is unreachable: {type(exc).__name__}") from None

    async def abort_parts(self, key: str, handle: str) -> None:
        check_key(key)
        if not handle:
            return  # a session begun before multipart uploads (0006): it has no parts here
        try:
            await self._client()._abort_multipart_upload(self._bucket, key, handle)
        except S3Error as exc:
            if exc.code not in {"NoSuchUpload", *_MISSING}:
                raise Unavailable(f"S3 refused to abort an upload: {exc.code}") from None
        except OSError as exc:
            raise Unavailable(f"S3 is unreachable: {type(exc).__name__}") from None

    async def size(self, key: str) -> int | None:
        check_key(key)
        try:
            stat = await self._client().stat_object(self._bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise Unavailable(f"S3 refused a stat: {exc.code}") from None
        return int(stat.size or 0)

    async def read(
        self, key: str, start: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        check_key(key)
        try:
            response: Any = await self._client().get_object(
                self._bucket, key, offset=start, length=length or 0
            )
        except S3Error as exc:
            if exc.code in _MISSING:
                raise NotFound("No such file.", code="file_not_found") from None
            raise Unavailable(f"S3 refused a read: {exc.code}") from None
        try:
            async for chunk in response.content.iter_chunked(CHUNK):
                yield chunk
        finally:
            response.close()

    async def delete(self, key: str) -> None:
        check_key(key)
        try:
            await self._client().remove_object(self._bucket, key)
        except S3Error as exc:
            if exc.code not in _MISSING:
                raise Unavailable(f"S3 refused a delete: {exc.code}") from None

    async def presign(
        self, key: str, ttl_s: int, content_type: str, disposition: str
    ) -> str | None:
        """The URL forces the type and disposition: S3 cannot add nosniff or a CSP itself."""
        check_key(key)
        url: str = await self._client().presigned_get_object(
            self._bucket,
            key,
            expires=timedelta(seconds=ttl_s),
            response_headers={
                "response-content-type": content_type,
                "response-content-disposition": disposition,
            },
        )
        return url


def _sha256_of(source: Path) -> str:
    """For a caller without the hash: one pass, off the loop."""
    with source.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _crc32_header(crc32: int) -> str:
    """S3's form of a CRC-32: its four bytes, big-endian, in base64."""
    return base64.b64encode(crc32.to_bytes(4, "big")).decode()
