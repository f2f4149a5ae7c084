"""The shared input rules and the access-token claim checks, in-process."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest

from backend.adapters.security.tokens import JwtIssuer
from backend.config import Secret, Settings
from backend.domain import rules
from backend.domain.errors import InvalidInput, Unauthorized

SECRET = "unit-test-secret-" + "k" * 32


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("plain", False),
        ("two\nlines\tand a tab", False),
        ("emoji 😀 and accents é", False),
        ("right-to-left override \u202e", True),
        ("isolate \u2067", True),
        ("bell \x07", True),
        ("escape \x1b[0m", True),
        ("next line \x85", True),
        ("delete \x7f", True),
    ],
)
def test_text_rule(text: str, refused: bool) -> None:
    assert rules.has_forbidden_chars(text, allow_newlines=True) is refused


def test_names_refuse_newlines() -> None:
    with pytest.raises(InvalidInput):
        rules.check_name("two\nlines", "title")


@pytest.mark.parametrize("value", ["", "x" * 33, "a b", "a\n", "ü", None, 7])
def test_ids(value: object) -> None:
    assert not rules.is_id(value)


def issuer(tmp_path: Path) -> JwtIssuer:
    return JwtIssuer(Settings(data_dir=tmp_path, jwt_secret=Secret(SECRET), jwt_kid="k1"))


def test_claims_of_a_genuine_token(tmp_path: Path) -> None:
    tokens = issuer(tmp_path)
    token, ttl = tokens.issue("u1", "s1")
    claims = tokens.verify(token)
    assert (claims.user_id, claims.session_id) == ("u1", "s1")
    assert claims.expires_at == pytest.approx(time.time() + ttl, abs=2)


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_numeric_strings_in_time_claims_are_refused(tmp_path: Path, claim: str) -> None:
    tokens = issuer(tmp_path)
    now = int(time.time())
    body = {
        "sub": "u1",
        "sid": "s1",
        "iss": "parley",
        "aud": "parley-clients",
        "iat": now,
        "exp": now + 60,
        "jti": "j",
        claim: str(now + 60 if claim == "exp" else now - 5),
    }
    token = jwt.encode(body, SECRET, algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(Unauthorized):
        tokens.verify(token)
