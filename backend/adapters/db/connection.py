"""Opening and migrating the relational store (SQLite or MySQL) through Tortoise."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.migrations.api import migrate

from backend.config import Settings

log = logging.getLogger(__name__)

APP = "parley"


def tortoise_config(settings: Settings) -> dict[str, Any]:
    url = settings.db_url
    if url.startswith("mysql://"):
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query.setdefault("minsize", str(settings.db_pool_min))
        query.setdefault("maxsize", str(settings.db_pool_max))
        query.setdefault("charset", "utf8mb4")
        url = urlunsplit(parts._replace(query=urlencode(query)))
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return {
        "connections": {"default": url},
        "apps": {
            APP: {
                "models": ["backend.adapters.db.models"],
                "default_connection": "default",
                "migrations": "backend.adapters.db.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def open_database(settings: Settings) -> None:
    """Apply pending migrations, then open the connections the repositories use."""
    config = tortoise_config(settings)
    await migrate(config=config)
    await Tortoise.close_connections()
    # Sanic runs handlers in tasks that do not inherit this one's context: share it process-wide.
    await Tortoise.init(config=config, _enable_global_fallback=True)
    log.info(
        "relational store ready (%s)", "mysql" if settings.db_url.startswith("mysql") else "sqlite"
    )


async def close_database() -> None:
    await Tortoise.close_connections()
