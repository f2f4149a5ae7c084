"""Reconnect delays grow, stay jittered within bounds, cap, and reset after a good connection."""

from __future__ import annotations

import random

from desktop.core.backoff import Backoff


def test_delays_grow_with_jitter_and_cap() -> None:
    b = Backoff(base=0.5, factor=2.0, cap=8.0, rng=random.Random(7))
    delays = [b.next() for _ in range(8)]
    ceilings = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(d, 6) for d in delays[4:]}) == 4, "capped delays still differ (jitter)"
    b.reset()
    assert b.next() <= 0.5


def test_two_clients_do_not_retry_in_lockstep() -> None:
    a, b = Backoff(rng=random.Random(1)), Backoff(rng=random.Random(2))
    assert [a.next() for _ in range(5)] != [b.next() for _ in range(5)]


def test_obeying_the_server_is_almost_immediate() -> None:
    b = Backoff(base=0.5)
    assert all(0 <= b.soon() <= 0.25 for _ in range(100))
