"""CPU and RSS of every server (and engine) process, sampled in a thread while a scenario runs.

RSS includes children (Elasticsearch's JVM, RabbitMQ's Erlang helpers). CPU is percent of one core
(200 % = both cores of this machine). The whole machine's CPU is sampled too: other engineers share
it, so a figure taken while the machine was busy says so.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psutil  # type: ignore[import-untyped]  # ships no type information


@dataclass
class Series:
    at: list[float] = field(default_factory=list)  # seconds since the sampler started
    cpu: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)

    def add(self, at: float, cpu: float, rss: int) -> None:
        self.at.append(at)
        self.cpu.append(cpu)
        self.rss.append(rss)

    def summary(self, window: tuple[float, float] | None = None) -> dict[str, float]:
        """CPU over the measured window only (connecting and draining dilute it); RSS over all."""
        if not self.rss:
            return {}
        cpu = self.cpu
        if window is not None:
            inside = [
                c for t, c in zip(self.at, self.cpu, strict=True) if window[0] <= t <= window[1]
            ]
            cpu = inside or cpu
        mib = 1024 * 1024
        return {
            "cpu_avg_pct": round(sum(cpu) / max(1, len(cpu)), 1),
            "cpu_max_pct": round(max(cpu, default=0.0), 1),
            "rss_start_mib": round(self.rss[0] / mib, 1),
            "rss_max_mib": round(max(self.rss) / mib, 1),
        }


def _tree(pid: int) -> list[psutil.Process]:
    try:
        p = psutil.Process(pid)
        return [p, *p.children(recursive=True)]
    except psutil.Error:
        return []


class Sampler:
    def __init__(
        self,
        pids: Callable[[], dict[str, int | tuple[int, ...]]],
        interval: float = 0.5,
        window: tuple[float, float] | None = None,
    ) -> None:
        self._pids = pids
        self._window = window
        self._t0 = time.monotonic()
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self.series: dict[str, Series] = {}
        self.machine = Series()
        self.load: list[float] = []
        self._procs: dict[int, psutil.Process] = {}

    def __enter__(self) -> Sampler:
        psutil.cpu_percent(None)
        self._t0 = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _proc(self, pid: int) -> psutil.Process:
        p = self._procs.get(pid)
        if p is None:
            p = self._procs[pid] = psutil.Process(pid)
            p.cpu_percent(None)
        return p

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            at = time.monotonic() - self._t0
            for label, pid in self._pids().items():
                cpu, rss = 0.0, 0
                roots = pid if isinstance(pid, tuple) else (pid,)
                for p in [p for root in roots for p in _tree(root)]:
                    try:
                        proc = self._proc(p.pid)
                        cpu += proc.cpu_percent(None)
                        rss += proc.memory_info().rss
                    except psutil.Error:
                        continue
                self.series.setdefault(label, Series()).add(at, cpu, rss)
            self.machine.add(at, psutil.cpu_percent(None) * (os.cpu_count() or 1), 0)
            self.load.append(os.getloadavg()[0])

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v.summary(self._window) for k, v in self.series.items()}
        m = self.machine.summary(self._window)
        out["machine"] = {
            "cpu_avg_pct": m.get("cpu_avg_pct", 0.0),
            "cpu_max_pct": m.get("cpu_max_pct", 0.0),
            "load1_max": round(max(self.load, default=0.0), 2),
        }
        return out


def rss_of(pid: int) -> int:
    return sum(p.memory_info().rss for p in _tree(pid))
