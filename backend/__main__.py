"""`parley-server`: parse flags, build Settings, run the app (or `reindex`)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from backend import logs
from backend.config import Settings, SettingsError, private_dir


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="parley-server", description="Run a Parley replica.")
    parser.add_argument(
        "command", nargs="?", default="serve", choices=["serve", "migrate", "reindex"]
    )
    parser.add_argument("--host", help="address to listen on (PARLEY_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (PARLEY_PORT)")
    parser.add_argument("--data-dir", type=Path, help="embedded engines' data (PARLEY_DATA_DIR)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    ns = _args(argv)
    try:
        settings = Settings.from_env(host=ns.host, port=ns.port, data_dir=ns.data_dir)
        if ns.command == "serve":
            settings.check_serving()
    except SettingsError as exc:
        sys.exit(f"parley-server: {exc}")
    logs.setup(settings.log_level, settings.replica_id)
    if ns.command == "reindex":
        _reindex(settings)
        return
    if ns.command == "migrate":
        asyncio.run(_migrate(settings))
        return
    serve(settings)


def serve(settings: Settings) -> None:
    from backend.api.app import create_app, drain
    from backend.api.guard import GuardedProtocol

    private_dir(settings.data_dir)
    app = create_app(settings)

    @app.after_server_start
    async def _signals(app_: object) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(drain(app)))

    app.run(
        host=settings.host,
        port=settings.port,
        single_process=True,
        register_sys_signals=False,
        access_log=False,
        motd=False,
        protocol=GuardedProtocol,
    )


async def _migrate(settings: Settings) -> None:
    """Apply pending migrations and exit (a deploy's one-shot job; replicas also do it on start)."""
    from backend.adapters.db.connection import close_database, open_database

    await open_database(settings)
    await close_database()
    print("migrations applied")


def _reindex(settings: Settings) -> None:
    if not settings.elasticsearch_url:
        sys.exit("parley-server reindex: PARLEY_ELASTICSEARCH_URL is not set")
    from backend.adapters.messages.elastic import run_reindex

    result = asyncio.run(run_reindex(settings.elasticsearch_url, settings.elasticsearch_prefix))
    print(result)


if __name__ == "__main__":
    main()
