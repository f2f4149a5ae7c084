"""Calls through the public contract: start, join, signal, leave; members only; restarts."""

from __future__ import annotations

import time
from typing import Any

import jwt

from tests.support.client import Api, Socket, User
from tests.support.prosody import check
from tests.support.server import ServerProcess

JITSI_SECRET = "jitsi-test-secret-" + "x" * 24


async def direct(api: Api, a: User, b: User) -> str:
    r = await api.http.post("/chats/direct", headers=a.auth, json={"user_id": b.id})
    chat_id: str = r.json()["chat"]["id"]
    return chat_id


def calls_seen(sock: Socket) -> list[dict[str, Any]]:
    return [f for f in sock.frames if str(f.get("type", "")).startswith("call.")]


async def fence(api: Api, server: ServerProcess, sock: Socket, user: User) -> None:
    """Wait until `user`'s socket has had a later event: anything published before it that
    was meant for this socket has arrived by then (one queue per replica, in order)."""
    peer = await api.user()
    chat = await direct(api, peer, user)
    await api.send(peer, chat, "fence")
    await sock.next("message.created", chat_id=chat)


async def test_direct_call_rings_joins_and_ends_for_members_only(
    api: Api, server: ServerProcess
) -> None:
    a, b, outsider = await api.user(), await api.user(), await api.user()
    chat = await direct(api, a, b)
    sa, sb, so = [await Socket.connect(server.ws_url, u.access_token) for u in (a, b, outsider)]
    try:
        r = await api.http.post(f"/chats/{chat}/call", headers=a.auth)
        assert r.status_code == 200, r.text
        call = r.json()["call"]
        assert (call["kind"], call["state"], call["participants"]) == ("p2p", "ringing", [a.id])
        assert isinstance(r.json()["ice_servers"], list) and "jitsi" not in r.json()
        started = await sb.next("call.started", chat_id=chat)
        assert started["ringing"] is True and started["call"]["id"] == call["id"]
        # A non-member can neither join nor leave nor see the call.
        r = await api.http.post(f"/chats/{chat}/call", headers=outsider.auth)
        assert (r.status_code, r.json()["code"]) == (404, "chat_not_found")
        r = await api.http.post(f"/calls/{call['id']}/leave", headers=outsider.auth)
        assert (r.status_code, r.json()["code"]) == (404, "call_not_found")
        # B accepts: the same call, now active, and A hears that B joined.
        r = await api.http.post(f"/chats/{chat}/call", headers=b.auth)
        assert r.json()["call"]["id"] == call["id"] and r.json()["call"]["state"] == "active"
        joined = await sa.next("call.joined", chat_id=chat)
        assert joined["user_id"] == b.id and set(joined["call"]["participants"]) == {a.id, b.id}
        # B hangs up: a 1:1 call ends for both.
        r = await api.http.post(f"/calls/{call['id']}/leave", headers=b.auth)
        assert r.json()["call"]["state"] == "ended"
        ended = await sa.next("call.ended", chat_id=chat)
        assert ended["reason"] == "hangup"
        await fence(api, server, so, outsider)
        assert calls_seen(so) == []
    finally:
        for s in (sa, sb, so):
            await s.close()


async def test_declining_a_ringing_call_ends_it(api: Api, server: ServerProcess) -> None:
    a, b = await api.user(), await api.user()
    chat = await direct(api, a, b)
    sa = await Socket.connect(server.ws_url, a.access_token)
    try:
        call = (await api.http.post(f"/chats/{chat}/call", headers=a.auth)).json()["call"]
        r = await api.http.post(f"/calls/{call['id']}/leave", headers=b.auth)
        assert r.json()["call"]["state"] == "ended"
        assert (await sa.next("call.ended", chat_id=chat))["reason"] == "declined"
        # The next call is a new one.
        again = (await api.http.post(f"/chats/{chat}/call", headers=a.auth)).json()["call"]
        assert again["id"] != call["id"] and again["state"] == "ringing"
    finally:
        await sa.close()


async def test_signal_reaches_only_the_other_participant(api: Api, server: ServerProcess) -> None:
    a, b, outsider = await api.user(), await api.user(), await api.user()
    chat = await direct(api, a, b)
    sa = await Socket.connect(server.ws_url, a.access_token)
    sb = await Socket.connect(server.ws_url, b.access_token)
    so = await Socket.connect(server.ws_url, outsider.access_token)
    try:
        call = (await api.http.post(f"/chats/{chat}/call", headers=a.auth)).json()["call"]
        # Before B joins, B is not in the call: nothing is relayed.
        await sa.send({"type": "call.signal", "call_id": call["id"], "to_user_id": b.id,
                       "data": {"sdp": "early"}})  # fmt: skip
        assert (await sa.next("error", call_id=call["id"]))["code"] == "not_in_call"
        await api.http.post(f"/chats/{chat}/call", headers=b.auth)
        offer = {"type": "offer", "sdp": "v=0\r\n" + "a" * 4000}
        await sa.send(
            {"type": "call.signal", "call_id": call["id"], "to_user_id": b.id, "data": offer}
        )
        got = await sb.next("call.signal", call_id=call["id"])
        assert (got["from_user_id"], got["data"]) == (a.id, offer)
        # An outsider cannot inject into the call, nor be a target of it.
        await so.send({"type": "call.signal", "call_id": call["id"], "to_user_id": b.id,
                       "data": {"sdp": "evil"}})  # fmt: skip
        assert (await so.next("error", call_id=call["id"]))["code"] == "call_not_found"
        sa.frames.clear()
        await sa.send({"type": "call.signal", "call_id": call["id"], "to_user_id": outsider.id,
                       "data": {"sdp": "leak"}})  # fmt: skip
        assert (await sa.next("error", call_id=call["id"]))["code"] == "not_in_call"
        await sa.send({"type": "call.signal", "call_id": call["id"], "to_user_id": b.id,
                       "data": {"sdp": "x" * 13_000}})  # fmt: skip
        assert (await sa.next("error", code="signal_too_large"))["call_id"] == call["id"]
        await fence(api, server, so, outsider)
        assert calls_seen(so) == []
        assert [f["data"] for f in sb.of("call.signal")] == [offer]
    finally:
        for s in (sa, sb, so):
            await s.close()


async def test_group_call_without_jitsi_is_a_clear_error(api: Api) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b)
    r = await api.http.post(f"/chats/{chat}/call", headers=a.auth)
    assert (r.status_code, r.json()["code"]) == (409, "group_calls_need_jitsi")
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_unanswered_call_ends_after_the_timeout(server_factory: Any, mode: str) -> None:
    srv: ServerProcess = server_factory(mode, env={"PARLEY_CALL_RING_TIMEOUT": "1"})
    api = Api(srv.url)
    try:
        a, b = await api.user(), await api.user()
        chat = await direct(api, a, b)
        sb = await Socket.connect(srv.ws_url, b.access_token)
        call = (await api.http.post(f"/chats/{chat}/call", headers=a.auth)).json()["call"]
        ended = await sb.next("call.ended", timeout=15, chat_id=chat)
        assert (ended["reason"], ended["call"]["id"]) == ("timeout", call["id"])
        await sb.close()
    finally:
        await api.close()


async def test_call_state_survives_a_server_restart(server_factory: Any, mode: str) -> None:
    srv: ServerProcess = server_factory(mode)
    api = Api(srv.url)
    try:
        a, b = await api.user(), await api.user()
        chat = await direct(api, a, b)
        call = (await api.http.post(f"/chats/{chat}/call", headers=a.auth)).json()["call"]
    finally:
        await api.close()
    srv.stop()
    again = ServerProcess(srv.data_dir, srv.env).start()
    api = Api(again.url)
    try:
        b = await api.login(b.username, b.password)
        r = await api.http.post(f"/chats/{chat}/call", headers=b.auth)
        joined = r.json()["call"]
        assert (joined["id"], joined["state"]) == (call["id"], "active")
        assert set(joined["participants"]) == {a.id, b.id}
    finally:
        await api.close()
        again.stop()


async def test_jitsi_group_call_gets_a_token_prosody_accepts(
    server_factory: Any, mode: str
) -> None:
    env = {
        "PARLEY_JITSI_URL": "https://meet.example.org",
        "PARLEY_JITSI_APP_ID": "parley",
        "PARLEY_JITSI_APP_SECRET": JITSI_SECRET,
        "PARLEY_JITSI_AUDIENCE": "parley-meet",
        "PARLEY_JITSI_XMPP_DOMAIN": "meet.jitsi",
    }
    srv: ServerProcess = server_factory(mode, env=env)
    api = Api(srv.url)
    try:
        owner, member, outsider = await api.user(), await api.user(), await api.user()
        chat = await api.group(owner, member, title="Планёрка Team")
        so = await Socket.connect(srv.ws_url, member.access_token)
        r = await api.http.post(f"/chats/{chat}/call", headers=owner.auth)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["call"]["kind"] == "jitsi" and "ice_servers" not in body
        room = body["jitsi"]["room"]
        assert body["jitsi"]["url"] == "https://meet.example.org"
        started = await so.next("call.started", chat_id=chat)
        assert started["ringing"] is False  # a group shows a join banner instead
        rules = {"secret": JITSI_SECRET, "issuers": {"parley"}, "audiences": {"parley-meet"},
                 "domain": "meet.jitsi", "room": room, "now": time.time()}  # fmt: skip
        claims = check(body["jitsi"]["jwt"], **rules)
        assert claims["context"]["user"]["moderator"] == "true"
        r = await api.http.post(f"/chats/{chat}/call", headers=member.auth)
        assert r.json()["jitsi"]["room"] == room
        claims = check(r.json()["jitsi"]["jwt"], **rules)
        assert claims["context"]["user"]["moderator"] == "false"
        assert claims["context"]["user"]["id"] == member.id
        assert jwt.get_unverified_header(r.json()["jitsi"]["jwt"])["typ"] == "JWT"
        r = await api.http.post(f"/chats/{chat}/call", headers=outsider.auth)
        assert r.status_code == 404
        r = await api.http.get(f"/chats/{chat}/call", headers=member.auth)
        assert r.json()["call"]["id"] == body["call"]["id"]
        r = await api.http.get(f"/chats/{chat}/call", headers=outsider.auth)
        assert (r.status_code, r.json()["code"]) == (404, "chat_not_found")
        # The group call ends when its last participant leaves, not before.
        call_id = body["call"]["id"]
        r = await api.http.post(f"/calls/{call_id}/leave", headers=owner.auth)
        assert r.json()["call"]["state"] == "active"
        r = await api.http.post(f"/calls/{call_id}/leave", headers=member.auth)
        assert r.json()["call"]["state"] == "ended"
        assert (await so.next("call.ended", chat_id=chat))["reason"] == "empty"
        r = await api.http.get(f"/chats/{chat}/call", headers=member.auth)
        assert r.json() == {"call": None}
        await so.close()
    finally:
        await api.close()


async def test_openapi_describes_the_call_endpoints(api: Api, server: ServerProcess) -> None:
    doc = (await api.http.get(server.url + "/api/v1/openapi.json")).json()
    start = doc["paths"]["/chats/{chat_id}/call"]["post"]
    leave = doc["paths"]["/calls/{call_id}/leave"]["post"]
    assert start["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CallJoin"
    )
    assert "default" in start["responses"] and "200" in leave["responses"]
    call = doc["components"]["schemas"]["CallOut"]
    assert set(call["required"]) >= {"id", "chat_id", "kind", "state"}


async def test_starting_calls_is_rate_limited_per_user(api: Api) -> None:
    a, b = await api.user(), await api.user()
    chat = await direct(api, a, b)
    codes = [
        (await api.http.post(f"/chats/{chat}/call", headers=a.auth)).status_code for _ in range(20)
    ]
    assert codes == [200] * 20
    r = await api.http.post(f"/chats/{chat}/call", headers=a.auth)
    assert (r.status_code, r.json()["code"]) == (429, "call_rate")
    assert int(r.headers["retry-after"]) >= 1
    # Another user is not slowed down by it.
    assert (await api.http.post(f"/chats/{chat}/call", headers=b.auth)).status_code == 200


async def test_calling_again_from_inside_a_one_to_one_call_starts_afresh(
    api: Api, server: ServerProcess
) -> None:
    """An app that crashed mid-call cannot rejoin its old peer connection: its next Call ends
    the stale call for both and rings anew."""
    a, b = await api.user(), await api.user()
    chat = await direct(api, a, b)
    sb = await Socket.connect(server.ws_url, b.access_token)
    try:
        old = (await api.http.post(f"/chats/{chat}/call", headers=a.auth)).json()["call"]
        await api.http.post(f"/chats/{chat}/call", headers=b.auth)
        new = (await api.http.post(f"/chats/{chat}/call", headers=a.auth)).json()["call"]
        assert new["id"] != old["id"] and new["state"] == "ringing"
        ended = await sb.next("call.ended", chat_id=chat)
        assert (ended["call"]["id"], ended["reason"]) == (old["id"], "restarted")
        await sb.until(
            lambda frames: any(
                f.get("type") == "call.started" and f["call"]["id"] == new["id"] for f in frames
            ),
            what="the new call ringing",
        )
    finally:
        await sb.close()
