"""Blob keys are random ids made by the files service; a store refuses anything else."""

from __future__ import annotations

import re

from backend.domain.errors import InvalidInput

_KEY = re.compile(r"^[a-z0-9]{16,64}(-t)?$")
CHUNK = 256 * 1024  # what a read yields at a time: bounded memory per download


def check_key(key: str) -> str:
    """A key can never name a path outside the store, whatever a caller passes."""
    if not _KEY.match(key):
        raise InvalidInput("Not a blob key.", code="bad_blob_key")
    return key
