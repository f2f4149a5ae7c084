"""GET /search on both engine sets: scoped to the caller's chats, edits and deletions reflected
near-real-time (polled with a timeout), pages by cursor, and answering throughout a reindex."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.client import Api, User
from tests.support.engines import REPO
from tests.support.server import ServerProcess, poll

# Search is near-real-time (Elasticsearch refreshes once a second); this is only how long a
# test waits before it calls the message missing, not a speed claim.
PATIENCE = 10.0


async def search(api: Api, user: User, q: str, **params: Any) -> httpx.Response:
    return await api.http.get("/search", headers=user.auth, params={"q": q, **params})


async def seqs_for(api: Api, user: User, q: str, **params: Any) -> list[tuple[str, int]]:
    r = await search(api, user, q, **params)
    assert r.status_code == 200, r.text
    return [(h["chat_id"], h["seq"]) for h in r.json()["hits"]]


async def settled(
    api: Api, user: User, q: str, want: list[tuple[str, int]], **params: Any
) -> list[tuple[str, int]]:
    # every 0.15 s: well under the 20 searches a second a user may make
    got = await poll(lambda: seqs_for(api, user, q, **params), lambda g: g == want, PATIENCE, 0.15)
    assert got == want, q
    return got


async def sent(api: Api, user: User, chat: str, text: str) -> int:
    r = await api.send(user, chat, text)
    assert r.status_code == 201, r.text
    seq: int = r.json()["message"]["seq"]
    return seq


async def test_hits_come_only_from_my_chats_with_highlights(api: Api) -> None:
    a, b, c = await api.user(), await api.user(), await api.user()
    mine = await api.group(a, b, title="planning")
    foreign = await api.group(c, title="elsewhere")
    s1 = await sent(api, b, mine, "Встреча в субботу, 🎉 приходите")
    s2 = await sent(api, c, foreign, "встреча в субботу тоже")
    await settled(api, a, "встречу ", [(mine, s1)])
    r = await search(api, a, "встречу субботу ")
    (h,) = r.json()["hits"]
    text = h["message"]["text"]
    assert [text[x:y] for x, y in h["highlights"]] == ["Встреча", "субботу"]
    assert h["message"]["sender_id"] == b.id
    # the foreign chat's author finds only their own
    await settled(api, c, "встреча ", [(foreign, s2)])
    assert (await search(api, a, "x", chat_id=foreign)).status_code == 404


async def test_a_removed_member_gets_no_more_hits(api: Api) -> None:
    owner, member = await api.user(), await api.user()
    chat = await api.group(owner, member)
    seq = await sent(api, owner, chat, "quarterly numbers attached")
    await settled(api, member, "quarterly ", [(chat, seq)])
    r = await api.http.delete(f"/chats/{chat}/members/{member.id}", headers=owner.auth)
    assert r.status_code in (200, 204), r.text
    assert await seqs_for(api, member, "quarterly ") == []
    assert (await search(api, member, "quarterly ", chat_id=chat)).status_code == 404


async def test_edits_and_deletions_are_reflected(api: Api) -> None:
    a = await api.user()
    chat = await api.group(a)
    seq = await sent(api, a, chat, "lunch at noon")
    await settled(api, a, "lunch ", [(chat, seq)])
    r = await api.http.patch(
        f"/chats/{chat}/messages/{seq}", headers=a.auth, json={"text": "dinner at eight"}
    )
    assert r.status_code == 200, r.text
    await settled(api, a, "lunch ", [])
    await settled(api, a, "dinner ", [(chat, seq)])
    assert (await api.http.delete(f"/chats/{chat}/messages/{seq}", headers=a.auth)).is_success
    await settled(api, a, "dinner ", [])


async def test_filters_sort_and_cursor(api: Api) -> None:
    a, b = await api.user(), await api.user()
    chat = await api.group(a, b, title="Release Crew")
    other = await api.group(a, title="misc")
    mine = [await sent(api, a, chat, f"release note {i}") for i in range(5)]
    theirs = await sent(api, b, chat, "release party")
    elsewhere = await sent(api, a, other, "release elsewhere")
    newest_first = [(chat, s) for s in [theirs, *reversed(mine)]]
    await settled(api, a, "release in:MISC", [(other, elsewhere)])
    await settled(api, a, f"release in:{chat}", newest_first)
    assert await seqs_for(api, a, f"release from:{b.username}") == [(chat, theirs)]
    assert await seqs_for(api, a, "release from:nobody-at-all") == []
    page1 = (await search(api, a, f"release in:{chat}", limit=4)).json()
    assert [(h["chat_id"], h["seq"]) for h in page1["hits"]] == newest_first[:4]
    page2 = (
        await search(api, a, f"release in:{chat}", limit=4, cursor=page1["next_cursor"])
    ).json()
    assert [(h["chat_id"], h["seq"]) for h in page2["hits"]] == newest_first[4:]
    assert page2["next_cursor"] is None
    ranked = await seqs_for(api, a, "release ", sort="relevance", chat_id=chat)
    assert sorted(ranked) == sorted(newest_first)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"q": ""}, 422, "query_empty"),
        ({"q": "x" * 300}, 422, "query_too_long"),
        ({"q": "a", "sort": "random"}, 422, "bad_sort"),
        ({"q": "a", "limit": "0"}, 422, "bad_limit"),
        ({"q": "a", "limit": "-3"}, 422, "bad_limit"),
        ({"q": "a", "limit": "²"}, 422, "bad_limit"),
        ({"q": "a", "cursor": "b8Ky"}, 422, "bad_cursor"),
        ({"q": "a", "cursor": "not-a-cursor"}, 422, "bad_cursor"),
    ],
)
async def test_bad_searches_get_problems(
    api: Api, params: dict[str, str], status: int, code: str
) -> None:
    a = await api.user()
    r = await api.http.get("/search", headers=a.auth, params=params)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code


async def test_searching_too_fast_is_throttled(api: Api) -> None:
    a = await api.user()
    answers = await asyncio.gather(*(search(api, a, "x") for _ in range(40)))
    codes = [r.status_code for r in answers]
    assert 429 in codes
    assert 200 in codes
    throttled = next(r for r in answers if r.status_code == 429)
    assert throttled.json()["code"] == "rate_limited"


async def test_search_needs_a_session(api: Api) -> None:
    assert (await api.http.get("/search", params={"q": "a"})).status_code == 401


@pytest.mark.engines
async def test_search_answers_throughout_a_reindex(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory("production", env={"PARLEY_SEARCHES_PER_USER": "100000"})
    api = Api(server.url)
    try:
        a = await api.user()
        chat = await api.group(a)
        want = [(chat, await sent(api, a, chat, f"topic {i}")) for i in range(30)][::-1]
        await settled(api, a, "topic ", want, limit=50)
        reindex = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "backend", "reindex", cwd=REPO, env=_env(server),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        answers = []
        while reindex.returncode is None:
            answers.append(await seqs_for(api, a, "topic ", limit=50))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reindex.wait(), 0.01)
        _, err = await reindex.communicate()
        assert reindex.returncode == 0, err.decode()[-2000:]
        assert answers
        assert all(got == want for got in answers)
        await settled(api, a, "topic ", want, limit=50)
    finally:
        await api.close()


def _env(server: ServerProcess) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update(server.env)
    return env


async def test_the_openapi_document_describes_search(server: ServerProcess) -> None:
    async with httpx.AsyncClient() as http:
        doc = (await http.get(f"{server.url}/api/v1/openapi.json")).json()
    op = doc["paths"]["/search"]["get"]
    query = {p["name"] for p in op["parameters"] if p["in"] == "query"}
    assert query == {"q", "chat_id", "sort", "cursor", "limit"}
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    hits = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(hits["required"]) == {"hits", "next_cursor"}
