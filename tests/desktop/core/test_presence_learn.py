"""Online flags on the desktop: a live `presence` frame wins over a member list, but a member of a
big room only (whose chats carry no `presence` frames) is as current as the latest member list."""

from __future__ import annotations

from typing import cast

from desktop.core.listener import AppListener
from desktop.core.presence import Presence
from desktop.core.users import Directory


def presence() -> Presence:
    # learn/set_online tell the listener nothing: no UI is needed for these flags.
    return Presence(Directory(), cast(AppListener, object()), lambda: "me")


def test_a_newer_member_list_updates_a_member_known_only_from_lists() -> None:
    p = presence()
    p.learn("crowd-member", True, None)
    assert p.is_online("crowd-member")
    p.learn("crowd-member", False, None)  # the big room's list, fetched again on opening it
    assert not p.is_online("crowd-member")


def test_a_live_frame_wins_over_a_stale_member_list() -> None:
    p = presence()
    p.set_online("friend", False)
    p.learn("friend", True, None)  # a list read before the frame came
    assert not p.is_online("friend")
