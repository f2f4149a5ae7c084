"""The product's migrations plus one expand-kind migration that only the cluster test applies.

This package stands for "the next release": its `__path__` holds the product's migrations folder
and this one, so Tortoise's loader sees `0001_initial` (the product's file, not a copy) followed
by `0002_expand_note`, under the same app label. The test applies it to its own database while
replicas of the current release keep serving.
"""

from pathlib import Path

import backend.adapters.db.migrations as _product

__path__ = [*_product.__path__, str(Path(__file__).parent)]
