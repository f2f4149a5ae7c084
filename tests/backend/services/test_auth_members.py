"""Signing in and membership as use cases, on the embedded engines in-process."""

from __future__ import annotations

import pytest

from backend.api import wire
from backend.domain.errors import Forbidden, Unauthorized
from backend.domain.models import Role
from tests.backend.services.conftest import PASSWORD, Pair


async def test_sign_in_by_username_or_email_and_refuse_a_wrong_password(pair: Pair) -> None:
    auth = pair.app.auth
    by_name = await auth.login("alice", PASSWORD, "laptop", "127.0.0.1")
    by_mail = await auth.login("alice@example.org", PASSWORD, "phone", "127.0.0.1")
    assert by_name.user.id == by_mail.user.id == pair.alice.id
    assert by_name.access_token != by_mail.access_token
    with pytest.raises(Unauthorized):
        await auth.login("alice", "not the password at all", "laptop", "127.0.0.1")


async def test_members_roles_and_leaving(pair: Pair) -> None:
    chats = pair.app.chats
    members = await chats.members(pair.alice.id, pair.chat_id)
    roles = {m.member.user_id: m.member.role for m in members}
    assert roles == {pair.alice.id: Role.OWNER, pair.bob.id: Role.MEMBER}
    with pytest.raises(Forbidden):
        await chats.set_role(pair.bob.id, pair.chat_id, pair.bob.id, Role.ADMIN)
    made = await chats.set_role(pair.alice.id, pair.chat_id, pair.bob.id, Role.ADMIN)
    assert wire.member(made)["role"] == "admin"
    await chats.remove_member(pair.alice.id, pair.chat_id, pair.alice.id)
    # the owner left: ownership passed to the admin, and Alice no longer sees the chat
    left = await chats.members(pair.bob.id, pair.chat_id)
    assert [(m.member.user_id, m.member.role) for m in left] == [(pair.bob.id, Role.OWNER)]
    assert [e.type for e in pair.seen].count("member.removed") == 1
