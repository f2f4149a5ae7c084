#!/usr/bin/env bash
# Write .env.environment and .env.services for the compose deployment from the committed
# *.example files, every empty secret (PASSWORD, SECRET, _KEY) filled with a fresh random value,
# the same value in both files:
#   deploy/docker/gen-env.sh [DIR]      (default: the repository root; never overwrites a file)
# The files are created mode 600 and are git-ignored.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${1:-$REPO}"
umask 077
python3 - "$REPO" "$DIR" <<'PY'
import re, secrets, sys
from pathlib import Path

repo, out = Path(sys.argv[1]), Path(sys.argv[2])
generated: dict[str, str] = {}
for name in (".env.environment", ".env.services"):
    target = out / name
    if target.exists():
        sys.exit(f"gen-env: {target} exists; remove it to make new secrets")
    lines = []
    for line in (repo / f"{name}.example").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not value and re.search(r"PASSWORD|SECRET|_KEY$", key):
            # URL-safe: these end up inside connection URLs (mysql://parley:PASSWORD@...).
            value = generated.setdefault(key, secrets.token_urlsafe(48 if "JWT" in key else 24))
            line = f"{key}={value}"
        lines.append(line)
    target.write_text("\n".join(lines) + "\n")
    print(f"gen-env: wrote {target}")
PY
