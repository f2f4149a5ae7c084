"""A resumable upload's parts go unsigned (checked by their CRC-32) only where no one can rewrite
them in flight: a CRC is no proof against an attacker, a signed SHA-256 is."""

from __future__ import annotations

import pytest

from backend.adapters.blobs.s3 import _crc32_header, _private_path


@pytest.mark.parametrize(
    ("host", "secure", "private"),
    [
        ("127.0.0.1", False, True),
        ("127.9.9.9", False, True),
        ("::1", False, True),
        ("localhost", False, True),
        ("10.0.0.5", False, False),  # another machine over plain HTTP: signed
        ("s3.example.org", False, False),  # a name may resolve anywhere
        ("s3.example.org", True, True),  # TLS
        (None, False, False),
    ],
)
def test_parts_go_unsigned_only_over_tls_or_loopback(
    host: str | None, secure: bool, private: bool
) -> None:
    assert _private_path(host, secure) is private


def test_the_crc_header_is_s3s_base64_of_four_big_endian_bytes() -> None:
    assert _crc32_header(0x01020304) == "AQIDBA=="
    assert _crc32_header(0) == "AAAAAA=="
