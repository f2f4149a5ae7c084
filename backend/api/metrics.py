"""Prometheus metrics of one replica (a registry per app, so tests can build several)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from backend.api.ws.order import OrderStats

# Labels come only from these sets: an attacker choosing methods or paths must not grow the
# registry (20,000 random method names once added 12 MiB).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER = "other"
UNMATCHED = "unmatched"


def method_label(method: str) -> str:
    return method if method in METHODS else OTHER


def status_label(status: int) -> str:
    return str(status) if 100 <= status <= 599 else OTHER


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "parley_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "parley_http_request_seconds", "HTTP request latency", ["route"], registry=self.registry
        )
        self.sockets = Gauge("parley_ws_connections", "Open WebSockets", registry=self.registry)
        self.batch = Histogram(
            "parley_write_batch_size",
            "Changes per write batch",
            buckets=(1, 2, 5, 10, 20, 50, 100),
            registry=self.registry,
        )
        self.stage = Histogram(
            "parley_write_stage_seconds",
            "Time one write batch spent in one pipeline stage (wait, allocate, handoff, store, "
            "publish)",
            ["stage"],
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0),
            registry=self.registry,
        )
        self.bus_received = Gauge(
            "parley_bus_events_received",
            "Events the bus delivered to this replica since start",
            registry=self.registry,
        )
        self.deliveries = Gauge(
            "parley_ws_deliveries",
            "Frames delivered to sockets since start",
            registry=self.registry,
        )
        self.slow_closed = Gauge(
            "parley_ws_slow_closed",
            "Sockets closed with 4408 because their outbox filled (a reader too slow)",
            registry=self.registry,
        )
        self.order = {
            name: Gauge(f"parley_ws_order_{name}", doc, registry=self.registry)
            for name, doc in (
                ("held", "Chat events that arrived early and waited for their predecessor"),
                ("filled", "Chat events read from the event log to fill a hole"),
                ("gaps", "gap frames sent for a seq that could not be delivered"),
                ("repeats", "Live chat events dropped because the socket had sent them"),
            )
        }

    def set_order(self, stats: OrderStats) -> None:
        """The order counters live in the hub (a plain int each); copied here on a scrape."""
        for name, gauge in self.order.items():
            gauge.set(getattr(stats, name))
