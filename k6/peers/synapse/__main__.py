"""`cd k6 && ../.venv/bin/python -m peers.synapse`: Synapse alone through the max scenario."""

from __future__ import annotations

import argparse
import json

from parleybench.scenarios import Timing

from peers.synapse.run import markdown, measure


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m peers.synapse")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--chat-size", type=int, default=5)
    p.add_argument("--senders", type=int, default=64)
    p.add_argument("--quick", action="store_true", help="2 s warm-up, 8 s measured")
    ns = p.parse_args()
    timing = Timing(warmup_s=2.0, duration_s=8.0) if ns.quick else Timing()
    fig = measure(ns.users, ns.chat_size, ns.senders, timing)
    print(json.dumps({k: v for k, v in fig.items() if k != "usage"}, indent=1))
    print("\n".join(markdown(None, fig)))


if __name__ == "__main__":
    main()
