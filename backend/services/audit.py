"""Security events as log lines: what happened, to which account, from which address.

One logger (`backend.services.audit`) so operators can route or alert on it; the fields are ids,
addresses and counts only, never a password, a token or a login name's secret.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def security_event(name: str, **fields: object) -> None:
    detail = " ".join(f"{k}={v}" for k, v in sorted(fields.items()))
    log.warning("security %s %s", name, detail)
