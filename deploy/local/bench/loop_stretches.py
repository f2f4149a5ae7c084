"""The event loop's longest busy stretches in a `files_bench.py --profile` recording.

py-spy's chrometrace has one begin/end pair per frame and sample run; the loop's thread is idle
when only its outer frames (the server's `_run_server_forever` and what is above it) are on the
stack, which is its most common depth. A stretch is a run of samples deeper than that; each is
shown with the innermost frames it spent longest in, then the heaviest frames over all stretches.
A stretch is wall time: on a loaded machine much of it is waiting for a core or for the GIL.

    python3 deploy/local/bench/loop_stretches.py /tmp/p.plain.json [--top 8]
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
from pathlib import Path
from typing import Any

Frame = tuple[str, str, int]
Record = tuple[int, tuple[Frame, ...]]  # time (µs) from which the stack stands as given


def _records(events: list[dict[str, Any]]) -> list[Record]:
    """The main thread's stack over time (the thread with the most events)."""
    tid = collections.Counter(e["tid"] for e in events).most_common(1)[0][0]
    mine = sorted((e for e in events if e["tid"] == tid), key=lambda e: (e["ts"], e["ph"] != "E"))
    stack: list[Frame] = []
    out: list[Record] = []
    for e in mine:
        if e["ph"] == "B":
            where = e.get("args", {})
            stack.append(
                (e["name"], str(where.get("filename", "")).rsplit("/", 1)[-1], where.get("line", 0))
            )
        elif stack:
            stack.pop()
        out.append((e["ts"], tuple(stack)))
    return out


def _label(stack: tuple[Frame, ...]) -> str:
    return " > ".join(f"{name} ({file}:{line})" for name, file, line in stack[-3:])


def stretches(records: list[Record]) -> list[tuple[int, int, collections.Counter[str]]]:
    """(duration µs, start µs, time per innermost frames) of every busy stretch, longest first."""
    depth = collections.Counter[int]()
    for (t0, s), (t1, _) in itertools.pairwise(records):
        depth[len(s)] += t1 - t0
    idle = max(depth, key=lambda d: depth[d])
    found: list[tuple[int, int, collections.Counter[str]]] = []
    start: int | None = None
    frames = collections.Counter[str]()
    end = 0
    for (t0, s), (t1, _) in itertools.pairwise(records):
        if len(s) > idle:
            if start is None:
                start, frames = t0, collections.Counter()
            frames[_label(s)] += t1 - t0
            end = t1
        elif start is not None:
            found.append((end - start, start, frames))
            start = None
    return sorted(found, key=lambda f: -f[0])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("profile", type=Path)
    p.add_argument("--top", type=int, default=8)
    a = p.parse_args()
    found = stretches(_records(json.loads(a.profile.read_text())))
    print(f"busy {sum(f[0] for f in found) / 1000:.0f} ms in {len(found)} stretches")
    total = collections.Counter[str]()
    for _, _, frames in found:
        total.update(frames)
    for took, start, frames in found[: a.top]:
        print(f"{took / 1000:6.1f} ms at {start / 1e6:.2f} s")
        for label, us in frames.most_common(3):
            print(f"    {us / 1000:6.1f}  {label}")
    print("heaviest over all stretches:")
    for label, us in total.most_common(a.top):
        print(f"{us / 1000:8.0f} ms  {label}")


if __name__ == "__main__":
    main()
