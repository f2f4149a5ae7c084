"""Concurrent allocations over disjoint chats: a chat's changes are allocated one batch after
another in arrival order, other chats' overlap, and an idle pipeline waits for nothing."""

from __future__ import annotations

from backend.services.inflight import CONCURRENT_MIN, Admission


def chat(job: str) -> str:
    return job.split(":")[0]


def test_an_idle_admission_lets_the_first_change_through_at_once() -> None:
    a: Admission[str] = Admission(2, 100, chat)
    a.put("a:1")
    assert a.take() == ["a:1"]
    assert a.take() is None


def test_a_busy_chat_waits_for_its_running_batch_and_keeps_its_order() -> None:
    a: Admission[str] = Admission(4, 100, chat)
    a.put("a:1")
    first = a.take()
    for job in ["a:2", *(f"b:{n}" for n in range(CONCURRENT_MIN)), "a:3"]:
        a.put(job)
    second = a.take()
    # Beside the running batch of chat a: only the other chat's changes, a's wait behind it.
    assert second == [f"b:{n}" for n in range(CONCURRENT_MIN)]
    assert a.take() is None
    assert first is not None and second is not None
    a.done(first)
    assert a.take() is None  # two changes beside b's running batch: they wait for it
    a.done(second)
    assert a.take() == ["a:2", "a:3"]


def test_a_transaction_beside_a_running_one_needs_enough_changes() -> None:
    a: Admission[str] = Admission(2, 100, chat)
    a.put("a:1")
    first = a.take()
    a.put("b:1")
    assert a.take() is None  # one change waits for the running batch instead
    assert first is not None
    a.done(first)
    assert a.take() == ["b:1"]


def test_a_chat_cut_by_the_batch_limit_keeps_its_rest_behind() -> None:
    a: Admission[str] = Admission(2, 3, chat)
    for n in range(5):
        a.put(f"a:{n}")
    for n in range(CONCURRENT_MIN):
        a.put(f"b:{n}")
    first = a.take()
    assert first == ["a:0", "a:1", "a:2"]
    second = a.take()
    assert second == ["b:0", "b:1", "b:2"]  # a's rest is held: its chat is still allocating
    assert a.take() is None  # both slots run
    a.done(first)
    assert a.take() is None  # a:3, a:4 and b's rest: b is busy, and a's two are too few
    a.done(second)
    assert a.take() == ["a:3", "a:4", "b:3"]
    assert len(a) == CONCURRENT_MIN - 4
