"""Reconnect delays: exponential with jitter, so a restarted server is not hit all at once."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# However long a server asks us to wait (Retry-After), no send waits longer than this: a proxy
# answering "come back tomorrow" must not strand a message for the rest of the session.
RETRY_AFTER_CAP_S = 300.0


@dataclass
class Backoff:
    """Equal jitter: the n-th delay lies in [d/2, d] with d = min(cap, base * factor**n)."""

    base: float = 0.5
    factor: float = 2.0
    cap: float = 15.0
    attempts: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next(self) -> float:
        ceiling = min(self.cap, self.base * self.factor**self.attempts)
        self.attempts += 1
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.attempts = 0

    def soon(self) -> float:
        """The small spread used when the server asked us to reconnect right away."""
        return self.rng.uniform(0, min(0.25, self.base))


def retry_delay(retry_after: float | None, ours: float) -> float:
    """How long to wait before trying again: what the server said (`Retry-After` of a 429 or
    503, capped), else our own delay. The one rule for uploads and queued texts alike, so
    neither comes back before the server is ready to take it."""
    if retry_after is None:
        return ours
    return min(max(retry_after, 0.0), RETRY_AFTER_CAP_S)
