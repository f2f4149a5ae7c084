"""A SHA-256 whose state can be saved between two chunks of a resumable upload.

`hashlib` cannot export a hash's state, and the chunks of one upload may reach different replicas
(or one restarted in between), so the running hash rides in the upload record instead: OpenSSL's
`SHA256_CTX` is a plain struct (eight state words, the bit count, the pending block), so its bytes
are the whole state. The same libcrypto as Python's own `hashlib` does the hashing, at its speed.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_CTX_BYTES = 112  # sizeof(SHA256_CTX) in OpenSSL 1.1 and 3.x: h[8], Nl, Nh, data[16], num, md_len
_BUFFER = 256  # room to spare, so a larger struct in some build could never write past it


def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("crypto")
    if name is None:
        raise RuntimeError("libcrypto (OpenSSL) is needed for resumable uploads")
    lib = ctypes.CDLL(name)
    for fn in (lib.SHA256_Init, lib.SHA256_Update, lib.SHA256_Final):
        fn.restype = ctypes.c_int
    lib.SHA256_Update.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.SHA256_Init.argtypes = [ctypes.c_void_p]
    lib.SHA256_Final.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    return lib


_LIB = _library()


class ResumableSha256:
    def __init__(self, state: str = "") -> None:
        self._ctx = ctypes.create_string_buffer(_BUFFER)
        if state:
            raw = bytes.fromhex(state)
            if len(raw) != _CTX_BYTES:
                raise ValueError("not a saved SHA-256 state")
            ctypes.memmove(self._ctx, raw, _CTX_BYTES)
        elif _LIB.SHA256_Init(self._ctx) != 1:
            raise RuntimeError("SHA256_Init failed")

    def update(self, data: bytes) -> None:
        if data and _LIB.SHA256_Update(self._ctx, data, len(data)) != 1:
            raise RuntimeError("SHA256_Update failed")

    def state(self) -> str:
        """224 hex characters: everything needed to go on hashing later, anywhere."""
        return self._ctx.raw[:_CTX_BYTES].hex()

    def hexdigest(self) -> str:
        """The digest so far; the saved state is left as it was."""
        copy = ctypes.create_string_buffer(self._ctx.raw)
        out = ctypes.create_string_buffer(32)
        if _LIB.SHA256_Final(out, copy) != 1:
            raise RuntimeError("SHA256_Final failed")
        return out.raw.hex()
