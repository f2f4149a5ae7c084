"""An edit racing the deletion of its message never brings the message back."""

from __future__ import annotations

import asyncio

from tests.support.client import Api


async def test_forty_edit_delete_races_resurrect_nothing(api: Api) -> None:
    u = await api.user()
    chat = await api.group(u)
    seqs = []
    for i in range(40):
        r = await api.send(u, chat, f"original {i}")
        seqs.append(r.json()["message"]["seq"])

    async def race(seq: int) -> tuple[int, int]:
        edit, delete = await asyncio.gather(
            api.http.patch(f"/chats/{chat}/messages/{seq}", headers=u.auth, json={"text": "new"}),
            api.http.delete(f"/chats/{chat}/messages/{seq}", headers=u.auth),
        )
        return edit.status_code, delete.status_code

    outcomes = await asyncio.gather(*(race(s) for s in seqs))
    assert all(d == 200 for _, d in outcomes), outcomes
    assert all(e in (200, 404) for e, _ in outcomes), outcomes
    page = (await api.history(u, chat, limit=100)).json()["messages"]
    by_seq = {m["seq"]: m for m in page}
    resurrected = [s for s in seqs if not by_seq[s]["deleted"] or by_seq[s]["text"] is not None]
    assert resurrected == []
    # An edit after the deletion is refused outright.
    r = await api.http.patch(
        f"/chats/{chat}/messages/{seqs[0]}", headers=u.auth, json={"text": "x"}
    )
    assert (r.status_code, r.json()["code"]) == (404, "message_not_found")
