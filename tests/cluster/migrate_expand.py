"""Apply `expand_migrations` (the product's migrations plus 0002_expand_note) to one database.

    python -m tests.cluster.migrate_expand   (reads PARLEY_DATABASE_URL)

Run as its own process: Tortoise keeps global state, and the replicas do the same at start-up.
"""

from __future__ import annotations

import asyncio
import os

from tortoise import Tortoise
from tortoise.migrations.api import migrate

from backend.adapters.db.connection import tortoise_config
from backend.config import Secret, Settings


async def main() -> None:
    settings = Settings(database_url=Secret(os.environ["PARLEY_DATABASE_URL"]))
    config = tortoise_config(settings)
    config["apps"]["parley"]["migrations"] = "tests.cluster.expand_migrations"
    await migrate(config=config)
    await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
